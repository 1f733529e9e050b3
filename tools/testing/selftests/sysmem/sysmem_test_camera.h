/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sysmem_test_camera: the ioctls of the selftests' kernel participant
 * module (sysmem_test_camera.c), shared with sysmem_kparticipant_test.c.
 *
 * Each open file of CAMERA_DEV_PATH is one capture stream.  It takes
 * part in one sysmem collection at a time, as a kernel participant:
 * either with a token userspace hands it (CAMERA_IOC_BIND_TOKEN) or
 * with a collection it starts itself (CAMERA_IOC_CREATE_TOKEN).  Once
 * the buffers are allocated the module writes one test frame into each
 * (CAMERA_Y_BYTE() and CAMERA_UV_BYTE() below).
 *
 * Every structure has explicit padding and the same layout on 32-bit
 * and 64-bit.
 */
#ifndef _SYSMEM_TEST_CAMERA_H
#define _SYSMEM_TEST_CAMERA_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CAMERA_DEV_NAME		"sysmem-test-camera"
#define CAMERA_DEV_PATH		"/dev/" CAMERA_DEV_NAME
/* The participant's debug name in sysmem's logs and failure reasons. */
#define CAMERA_DBG_NAME		"sysmem-test-camera"

/* The frame the module writes into buffer @i: row @row of plane Y. */
#define CAMERA_Y_BYTE(i, row)	((__u8)(((i) * 16 + (row)) & 0xff))
/* Every byte of the interleaved UV plane of buffer @i. */
#define CAMERA_UV_BYTE(i)	((__u8)(0x80 + (i)))

/* Buffers the camera holds at once while it streams. */
#define CAMERA_CAMPING		3

/* struct camera_bind.flags and struct camera_create.flags */
#define CAMERA_CONTIGUOUS	0x1U	/* physically contiguous */
#define CAMERA_FLAGS_ALL	CAMERA_CONTIGUOUS
/*
 * struct camera_create.flags: return the token with sysmem_knode_get_fd()
 * (the default is sysmem_knode_get_file() and fd_install()).
 */
#define CAMERA_CREATE_GET_FD	0x2U

/**
 * struct camera_bind - take part with a token from userspace
 * @token_fd: a live sysmem token fd; consumed (close it afterwards)
 * @flags: CAMERA_*
 * @width: frame width, even, 2 to 4096
 * @height: frame height, even, 2 to 4096
 */
struct camera_bind {
	__s32 token_fd;
	__u32 flags;
	__u32 width;
	__u32 height;
};

/**
 * struct camera_create - start a collection, the camera as initiator
 * @flags: CAMERA_*, and CAMERA_CREATE_GET_FD
 * @width: frame width, as for struct camera_bind
 * @height: frame height, likewise
 * @rights_mask: rights of the token returned (SYSMEM_RIGHT_*, or
 *	SYSMEM_RIGHTS_SAME)
 * @token_fd: out: a token of the new collection (O_RDWR | O_CLOEXEC)
 * @reserved: must be 0
 */
struct camera_create {
	__u32 flags;
	__u32 width;
	__u32 height;
	__u32 rights_mask;
	__s32 token_fd;
	__u32 reserved;
};

/* struct camera_status.cb_seen */
#define CAMERA_SAW_ALLOCATED	0x1U	/* changed(ALLOCATED) ran */
#define CAMERA_SAW_FAILED	0x2U	/* changed(FAILED) ran */

/**
 * struct camera_status - the stream's state
 * @state: SYSMEM_STATE_* from sysmem_knode_check() while the stream
 *	holds a node, else the last the callback reported
 * @reason: SYSMEM_FAIL_* that goes with @state
 * @cb_state: the last state the changed() callback reported
 * @cb_reason: the reason it reported with it
 * @cb_seen: CAMERA_SAW_* the callback reported so far
 * @cb_calls: how many times the callback ran for this stream
 * @buffers: dma-bufs the stream holds now
 * @frames: frames written (one per buffer, once)
 * @error: the first error of the frame writing (get_result, vmap, CPU
 *	access), 0 if none
 * @format: the negotiated DRM fourcc, 0 before allocation
 * @collection_id: the collection's id, 0 without a node
 * @size_bytes: the negotiated buffer size
 * @bytes_per_row: the negotiated row pitch of plane 0
 * @uv_offset: the negotiated offset of the UV plane
 * @debug_id: the stream's id in sysmem's logs, next to CAMERA_DBG_NAME
 */
struct camera_status {
	__u32 state;
	__u32 reason;
	__u32 cb_state;
	__u32 cb_reason;
	__u32 cb_seen;
	__u32 cb_calls;
	__u32 buffers;
	__u32 frames;
	__s32 error;
	__u32 format;
	__u64 collection_id;
	__u64 size_bytes;
	__u32 bytes_per_row;
	__u32 reserved;
	__u64 uv_offset;
	__u64 debug_id;
};

/**
 * struct camera_wait - wait for the stream's callback
 * @timeout_ms: how long at most
 * @calls: until the callback has run (and done its work: for
 *	ALLOCATED, written the frames) this many times for the stream's
 *	current node; 1 or 2
 *
 * Returns 0, -ETIMEDOUT, or -EINTR on a signal.
 */
struct camera_wait {
	__u32 timeout_ms;
	__u32 calls;
};

#define CAMERA_IOC_MAGIC	0xBC

#define CAMERA_IOC_BIND_TOKEN	_IOW(CAMERA_IOC_MAGIC, 0x00, struct camera_bind)
#define CAMERA_IOC_CREATE_TOKEN	_IOWR(CAMERA_IOC_MAGIC, 0x01, struct camera_create)
#define CAMERA_IOC_STATUS	_IOR(CAMERA_IOC_MAGIC, 0x02, struct camera_status)
#define CAMERA_IOC_WAIT		_IOW(CAMERA_IOC_MAGIC, 0x03, struct camera_wait)
/* Leave the collection cleanly: sysmem_knode_release(). */
#define CAMERA_IOC_RELEASE	_IO(CAMERA_IOC_MAGIC, 0x04)
/*
 * Hand the stream to the module: closing the file then keeps its node
 * (pending or not) until the module unloads, which closes it.
 */
#define CAMERA_IOC_KEEP		_IO(CAMERA_IOC_MAGIC, 0x05)

#endif /* _SYSMEM_TEST_CAMERA_H */
