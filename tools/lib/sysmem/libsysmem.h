/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libsysmem: userspace access to /dev/sysmem.
 *
 * Every function returns 0 or a positive value on success and a negative
 * errno value on failure; errno itself is left as the failing system call
 * set it.
 */
#ifndef _LIBSYSMEM_H
#define _LIBSYSMEM_H

#include <stdbool.h>

#include <linux/sysmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default path of the sysmem device node. */
#define SYSMEM_DEV_PATH "/dev/sysmem"

/**
 * sysmem_open() - open the sysmem device
 *
 * Opens SYSMEM_DEV_PATH read-write with O_CLOEXEC.
 *
 * Return: a file descriptor, or -errno (-ENOENT when the module is not
 * loaded).
 */
int sysmem_open(void);

/**
 * sysmem_get_version() - read the ABI version of the running module
 * @fd: a file descriptor from sysmem_open()
 * @version: filled with the module's ABI version
 *
 * Return: 0 or -errno.
 */
int sysmem_get_version(int fd, struct sysmem_version *version);

/**
 * sysmem_check_version() - check that the module speaks this library's ABI
 * @fd: a file descriptor from sysmem_open()
 *
 * Return: 0 when the module's major version equals SYSMEM_ABI_MAJOR and
 * its minor version is at least SYSMEM_ABI_MINOR (the one this library
 * was built against), -EPROTO when it does not, or another -errno.
 */
int sysmem_check_version(int fd);

/**
 * sysmem_alloc_token() - create the root token of a new shared collection
 * @dev_fd: a file descriptor from sysmem_open()
 *
 * Return: the token fd (O_CLOEXEC), or -errno.
 */
int sysmem_alloc_token(int dev_fd);

/**
 * sysmem_alloc_nonshared() - create a single-participant collection
 * @dev_fd: a file descriptor from sysmem_open()
 *
 * Return: a collection fd (O_CLOEXEC) with no token stage, or -errno.
 */
int sysmem_alloc_nonshared(int dev_fd);

/**
 * sysmem_bind() - turn a token into a collection
 * @dev_fd: a file descriptor from sysmem_open()
 * @token_fd: a live token fd; consumed (close it afterwards)
 *
 * Return: the collection fd (O_CLOEXEC), or -errno: -EINVAL when
 * @token_fd is not a sysmem token, -ESTALE when it was already bound or
 * released, -ENOSPC when the collection already has SYSMEM_MAX_NODES
 * nodes (the collection node is made before the token goes, so the
 * token then stays live).
 */
int sysmem_bind(int dev_fd, int token_fd);

/**
 * sysmem_buffer_info() - find the collection of a sysmem dma-buf
 * @dev_fd: a file descriptor from sysmem_open()
 * @dmabuf_fd: a dma-buf fd
 * @collection_id: filled with its collection's id (may be NULL)
 * @index: filled with its buffer index (may be NULL)
 *
 * Return: 0, -EINVAL when @dmabuf_fd is not a dma-buf, -ENOENT when it is
 * a dma-buf that sysmem did not export, or another -errno.
 */
int sysmem_buffer_info(int dev_fd, int dmabuf_fd, __u64 *collection_id,
		       __u32 *index);

/**
 * sysmem_set_debug_info() - name this client for logs and debugfs
 * @fd: an allocator fd (sysmem_open()), a token fd or a collection fd
 * @name: client name (truncated to SYSMEM_NAME_LEN - 1 bytes)
 * @id: client id, for example the pid
 *
 * On the allocator fd it is the default for nodes created through it
 * later; on a node fd it names that node.
 *
 * Return: 0 or -errno.
 */
int sysmem_set_debug_info(int fd, const char *name, __u64 id);

/**
 * sysmem_release() - leave cleanly: a later close() fails nothing
 * @node_fd: a token or collection fd
 *
 * Return: 0 or -errno (-ESTALE when already released or bound).
 */
int sysmem_release(int node_fd);

/**
 * sysmem_set_name() - propose a name for the collection
 * @node_fd: a token or collection fd
 * @priority: the highest priority wins
 * @name: the name (1 to SYSMEM_NAME_LEN - 1 bytes)
 *
 * Return: 0 or -errno.
 */
int sysmem_set_name(int node_fd, __u32 priority, const char *name);

/**
 * sysmem_get_collection_id() - the id of the node's collection
 * @node_fd: a token or collection fd
 * @id: filled with the id
 *
 * Return: 0 or -errno.
 */
int sysmem_get_collection_id(int node_fd, __u64 *id);

/**
 * sysmem_duplicate() - duplicate a token
 * @token_fd: a live token fd
 * @rights_mask: rights to keep; SYSMEM_RIGHTS_SAME keeps all; not 0
 *
 * Return: the new token fd (O_CLOEXEC), or -errno: -ENOSPC when the collection already
 * has SYSMEM_MAX_NODES nodes, for one.
 */
int sysmem_duplicate(int token_fd, __u32 rights_mask);

/**
 * sysmem_duplicate_many() - duplicate a token @count times, all or nothing
 * @token_fd: a live token fd
 * @rights_masks: @count rights masks
 * @fds: filled with @count new token fds
 * @count: 1 to SYSMEM_MAX_DUPLICATES
 *
 * Return: 0 or -errno (then no fd was created): -ENOSPC when the collection already
 * has SYSMEM_MAX_NODES nodes, for one.
 */
int sysmem_duplicate_many(int token_fd, const __u32 *rights_masks, int *fds,
			  unsigned int count);

/**
 * sysmem_attach_node_tracking() - learn when a node is entirely gone
 * @node_fd: a live token or collection fd
 *
 * The returned fd polls readable (POLLIN) once the node is gone: its fd
 * closed (or, for a token, the collection bound from it gone too) and
 * nothing left of it in the tree: no child nodes, and no released
 * constraints that still count (before allocation).  It keeps working
 * after the collection is gone.  At most SYSMEM_MAX_TRACKING tracking
 * fds (node and lifetime together) are made through one node.  ABI 0.4.
 *
 * Return: the tracking fd (O_CLOEXEC), or -errno: -ENOSPC past the
 * limit, -ESTALE when the node is not live.
 */
int sysmem_attach_node_tracking(int node_fd);

/**
 * sysmem_attach_lifetime_tracking() - learn when buffers are back
 * @coll_fd: a live collection fd
 * @buffers_remaining: the threshold
 *
 * The returned fd polls readable (POLLIN) once the collection has left
 * the pending state (allocated or failed) and at most @buffers_remaining
 * of its buffers still hold memory: a buffer stops counting only when
 * its heap has the memory back, after every fd, mapping and attachment
 * of it is gone.  It keeps working after the collection is gone.  Same
 * per-node limit as sysmem_attach_node_tracking().  ABI 0.4.
 *
 * Return: the tracking fd (O_CLOEXEC), or -errno.
 */
int sysmem_attach_lifetime_tracking(int coll_fd, __u32 buffers_remaining);

/**
 * sysmem_attach_token() - a token for a participant joining later
 * @coll_fd: a live collection fd
 * @rights_mask: rights to keep (ANDed with the collection node's); not 0
 *
 * The token is the top of an attached subtree: it takes no part in the
 * collection's allocation (it does not hold it up), and once both the
 * collection is allocated and the subtree is ready, the subtree is
 * allocated logically against the existing buffers.  It then shares
 * them, or, if its constraints do not admit the buffers as allocated
 * (count, size, heap, domain, contiguity, secure, the chosen image) or
 * it needs more buffer slots than are left free, fails alone with
 * SYSMEM_FAIL_CONSTRAINTS; what a new negotiation would prefer does not
 * matter.
 * Its failures never reach the rest of the collection.  ABI 0.4.
 *
 * Return: the token fd (O_CLOEXEC), or -errno (-EIO when this node's
 * failure domain already failed; -ENOSPC when the collection already
 * has SYSMEM_MAX_NODES nodes).
 */
int sysmem_attach_token(int coll_fd, __u32 rights_mask);

/**
 * sysmem_create_group() - create a token group under a token (ABI 0.4)
 * @token_fd: a live token fd
 *
 * A group stands for a choice: of its children, sysmem uses exactly one
 * (the first combination that negotiates, in the order of
 * Documentation/sysmem/negotiation.rst) and fails the others with
 * SYSMEM_FAIL_NOT_CHOSEN.  The collection does not allocate before the
 * group has declared all its children present.
 *
 * Return: the group fd (O_CLOEXEC), or -errno: -ENOSPC when the collection already
 * has SYSMEM_MAX_NODES nodes, for one.
 */
int sysmem_create_group(int token_fd);

/**
 * sysmem_group_create_child() - one more alternative of a group
 * @group_fd: a live group fd, children not yet declared all present
 * @rights_mask: rights to keep (ANDed with the group's); not 0
 *
 * Return: the child token fd (O_CLOEXEC), or -errno (-EALREADY after
 * sysmem_group_all_children_present(); -ENOSPC when the collection
 * already has SYSMEM_MAX_NODES nodes).
 */
int sysmem_group_create_child(int group_fd, __u32 rights_mask);

/**
 * sysmem_group_create_children() - several alternatives at once
 * @group_fd: a live group fd, children not yet declared all present
 * @rights_masks: @count rights masks
 * @fds: filled with @count new token fds, in child order
 * @count: 1 to SYSMEM_MAX_DUPLICATES
 *
 * All or nothing, as sysmem_duplicate_many().
 *
 * Return: 0 or -errno (then no fd was created): -ENOSPC when the collection already
 * has SYSMEM_MAX_NODES nodes, for one.
 */
int sysmem_group_create_children(int group_fd, const __u32 *rights_masks,
				 int *fds, unsigned int count);

/**
 * sysmem_group_all_children_present() - the group has all its children
 * @group_fd: a live group fd
 *
 * Needed before the collection can allocate; releasing the group before
 * it fails the group's failure domain.
 *
 * Return: 0, -EINVAL when the group has no child, -EALREADY when
 * already declared, or -errno.
 */
int sysmem_group_all_children_present(int group_fd);

/**
 * sysmem_get_node_ref() - an fd that names a node and grants nothing
 * @node_fd: a live token, collection or group fd
 *
 * Send it to another participant for sysmem_is_alternate_for().  It
 * keeps naming the node (and the collection bound from a token) while
 * the node exists.  ABI 0.4.
 *
 * Return: the node ref fd (O_CLOEXEC), or -errno.
 */
int sysmem_get_node_ref(int node_fd);

/**
 * sysmem_is_alternate_for() - are two nodes alternatives under a group?
 * @node_fd: a live token, collection or group fd
 * @ref_fd: a node ref fd of the other node
 *
 * Return: 1 when the nearest common ancestor of the two nodes is a
 * token group (they lie under different children of it), 0 when not
 * (also when one is an ancestor of the other, or one left the tree on
 * a failure), or -errno: -EINVAL when @ref_fd is not a node ref,
 * -ENOENT when its node is gone or belongs to another collection.
 */
int sysmem_is_alternate_for(int node_fd, int ref_fd);

/**
 * sysmem_set_dispensable() - make a token a failure boundary (ABI 0.4)
 * @token_fd: a live token fd
 *
 * After allocation, the failure of this token's node or of any node
 * below it (the collection bound from it, tokens duplicated from it)
 * fails only that subtree; its parent and the rest of the collection
 * keep their buffers and their ALLOCATED state.  Before allocation the
 * failure still fails the whole collection.  Cannot be undone.
 *
 * Return: 0, -ESTALE when the token is no longer live, or -errno.
 */
int sysmem_set_dispensable(int token_fd);

/**
 * sysmem_set_weak() - make a node weak (ABI 0.5)
 * @node_fd: a live token, collection or group fd
 *
 * The node, and every node created from it from now on (duplicates,
 * group children, the collection bound from a token), gets weak buffers:
 * fds that do not keep the buffers alive.  Once the collection has no
 * strong node left and a buffer's last strong dma-buf fd is closed, that
 * buffer's close-weak fd polls readable and the weak participant should
 * close its fd for it at once; before allocation, a collection left with
 * only weak nodes fails.  A weak collection needs sysmem_set_weak_ok()
 * before it waits or gets its result.  Cannot be undone.
 *
 * Return: 0, -EBUSY when too late (a collection that set constraints, a
 * group that declared its children present, a node already allocated),
 * -ESTALE when the node is no longer live, or -errno.
 */
int sysmem_set_weak(int node_fd);

/**
 * sysmem_set_weak_ok() - promise to watch close-weak fds (ABI 0.5)
 * @node_fd: a live token, collection or group fd
 * @for_children: nodes created from this one from now on are weak-ok too
 *
 * Return: 0, -EBUSY on a collection that already waited or got its
 * result, -ESTALE, or -errno.
 */
int sysmem_set_weak_ok(int node_fd, bool for_children);

/**
 * sysmem_set_debug_timeout_log_deadline() - log a stall past a deadline
 *	(ABI 0.7)
 * @node_fd: a live token, collection or group fd
 * @deadline_ns: an absolute CLOCK_MONOTONIC time in nanoseconds, at
 *	least 0 (for example now plus 5 s); SYSMEM_DEADLINE_NONE changes
 *	nothing
 *
 * If the node's collection is still pending at the earliest deadline any
 * of its participants set (or at the module's default deadline,
 * stall_log_seconds after its creation), the kernel logs one line naming
 * the collection and each participant it still waits for, and why: a
 * token not bound, a collection without constraints, a group whose
 * children were not all declared present.  The line is logged once per
 * collection.  A deadline already past logs at once if the collection is
 * pending; once the collection allocated or failed the call succeeds
 * and does nothing.  As sysmem2's SetDebugTimeoutLogDeadline.
 *
 * Return: 0, -EINVAL for a negative @deadline_ns, -ESTALE when the node
 * is no longer live, -ENOTTY on a module older than ABI 0.7, or -errno.
 */
int sysmem_set_debug_timeout_log_deadline(int node_fd, __s64 deadline_ns);

/**
 * sysmem_set_max_total_bytes() - bound what the collection's buffers take
 *	(ABI 0.8)
 * @node_fd: a live token, collection or group fd of a pending collection
 * @max_total_bytes: the most bytes the buffers may take together (the
 *	buffer count times the page-aligned buffer size); not 0
 *
 * The process that created the collection pays for all of its buffers
 * (its memory cgroup and its locked-memory limit), whichever
 * participant completes the negotiation.  Setting a bound on the token
 * before handing out duplicates limits what the other participants can
 * make it pay: if the negotiated buffers would take more, the
 * collection fails with SYSMEM_FAIL_CONSTRAINTS and nothing is
 * allocated.  The lowest bound any participant sets applies.
 *
 * Return: 0, -EINVAL for a @max_total_bytes of 0, -EBUSY once the
 * collection allocated or failed, -ESTALE when the node is no longer
 * live, -ENOTTY on a module older than ABI 0.8, or -errno.
 */
int sysmem_set_max_total_bytes(int node_fd, __u64 max_total_bytes);

/**
 * sysmem_set_constraints() - set this participant's constraints, once
 * @coll_fd: a collection fd
 * @c: the constraints
 *
 * Return: 0, -EINVAL for invalid constraints (the collection is not
 * affected; nothing is set), -EALREADY when already set, or -errno.
 */
int sysmem_set_constraints(int coll_fd,
			   const struct sysmem_buffer_constraints *c);

/**
 * sysmem_wait() - wait until buffers are allocated
 * @coll_fd: a collection fd
 * @timeout_ns: relative timeout; negative waits forever; 0 only checks
 *
 * Return: 0 when allocated, -ETIMEDOUT, -EINTR when a signal arrived,
 * -EIO when the node's failure domain failed (sysmem_check() gives the
 * reason).
 */
int sysmem_wait(int coll_fd, __s64 timeout_ns);

/**
 * sysmem_check() - non-blocking state query
 * @coll_fd: a collection fd
 * @state: filled with SYSMEM_STATE_* as this node sees it: FAILED when
 *	its failure domain failed, even if the rest of the collection is
 *	ALLOCATED
 * @reason: filled with SYSMEM_FAIL_* (may be NULL)
 *
 * Return: 0 or -errno.
 */
int sysmem_check(int coll_fd, __u32 *state, __u32 *reason);

/**
 * sysmem_get_result() - get the settings and the buffers
 * @coll_fd: an allocated collection fd
 * @settings: filled with the chosen settings (may be NULL)
 * @fds: filled with one new dma-buf fd per buffer (may be NULL with
 *	@fd_capacity 0 for a participant whose usage is NONE)
 * @fd_capacity: entries at @fds
 * @buffer_count: filled with the number of buffers (may be NULL)
 * @fd_count: filled with the number of fds installed (may be NULL)
 *
 * Return: 0, -EAGAIN when not allocated yet, -EIO when failed, -ENOSPC
 * when @fd_capacity is below the buffer count, or -errno.
 */
int sysmem_get_result(int coll_fd, struct sysmem_buffer_settings *settings,
		      int *fds, unsigned int fd_capacity,
		      unsigned int *buffer_count, unsigned int *fd_count);

/**
 * sysmem_get_weak_result() - get the settings and weak buffers (ABI 0.5)
 * @coll_fd: an allocated weak collection fd
 * @settings: filled with the chosen settings (may be NULL)
 * @fds: filled with one weak dma-buf fd per buffer, -1 where the buffer
 *	is already gone (a sparse set)
 * @close_weak_fds: filled with one fd per buffer that polls readable
 *	once nothing strong holds that buffer, -1 where it is gone
 * @fd_capacity: entries at @fds and at @close_weak_fds
 * @buffer_count: filled with the number of buffers (may be NULL)
 * @fd_count: filled with the number of slots of @fds (and of
 *	@close_weak_fds) filled: the buffer count, or 0 for a participant
 *	whose usage is NONE (a weak one still gets its @buffer_count
 *	close-weak fds); for a weak node a slot holds -1 where its
 *	buffer is already gone (may be NULL)
 * @weak: filled with whether the fds are weak (may be NULL); a strong
 *	node gets strong fds and no close-weak fds from this call too
 *
 * Return: as sysmem_get_result(), and -EPERM for a weak node that is
 * not weak-ok (sysmem_set_weak() on the node itself makes it weak-ok;
 * a node that inherited weakness needs sysmem_set_weak_ok()).
 */
int sysmem_get_weak_result(int coll_fd,
			   struct sysmem_buffer_settings *settings,
			   int *fds, int *close_weak_fds,
			   unsigned int fd_capacity,
			   unsigned int *buffer_count, unsigned int *fd_count,
			   bool *weak);

/**
 * sysmem_send_token() - send a token fd over a unix socket (SCM_RIGHTS)
 * @sock: a connected unix socket
 * @token_fd: the fd to send (the sender still owns it and closes it)
 *
 * Return: 0 or -errno.
 */
int sysmem_send_token(int sock, int token_fd);

/**
 * sysmem_recv_token() - receive a token fd sent by sysmem_send_token()
 * @sock: a connected unix socket
 *
 * Return: the received fd (O_CLOEXEC), or -errno (-EPROTO when the message
 * carried no fd).
 */
int sysmem_recv_token(int sock);

/**
 * sysmem_image_layout() - lay out the negotiated image format at a size
 * @img: the image format of a result (settings.image)
 * @width: image width, within @img's limits and size alignment
 * @height: image height, likewise
 * @out: filled with @img updated for that size: size, bytes_per_row,
 *	planes and image_size (may be @img itself)
 *
 * Uses the code the kernel used to lay out @img->size, so the offsets and
 * pitches are exactly sysmem's: the planes are packed (plane 1 right
 * after plane 0's last row; @img->start_offset_divisor is about where an
 * image starts in a buffer, not its planes); the pitch holds the width
 * rounded up to @img->pad_for_block_size.width; and @out->image_size is
 * the bytes a buffer needs for that image: the planes, plus the rows
 * down to the height rounded up to @img->pad_for_block_size.height
 * (one-plane formats), plus @img->pad_beyond_image_size_bytes.  Any
 * size from @img->min_size (never 0) up works, as long as @out's
 * image_size is at most the buffers' size_bytes.
 *
 * Return: 0, or -EINVAL when the size is outside the limits or not
 * aligned, or the format has a vendor modifier (no known layout).
 */
int sysmem_image_layout(const struct sysmem_image_format *img, __u32 width,
			__u32 height, struct sysmem_image_format *out);

/* sysmem_format_info.flags */
#define SYSMEM_FORMAT_INFO_ALPHA	(1u << 0)	/* meaningful alpha */
#define SYSMEM_FORMAT_INFO_YUV		(1u << 1)	/* a YUV format */
#define SYSMEM_FORMAT_INFO_RGB10	(1u << 2)	/* RGB, 10 bits a color */

/**
 * struct sysmem_format_info - how sysmem lays out one pixel format
 * @fourcc: the DRM fourcc code
 * @nr_planes: number of planes, 1 to 3 (at most SYSMEM_MAX_PLANES)
 * @bytes_per_sample: plane 0: bytes per block of @block_width pixels
 *	side by side on one row (4 for XRGB8888, 4 for YUYV, 8 for Y210);
 *	plane p >= 1: bytes per chroma sample (2 for an interleaved UV
 *	pair of 8-bit values); 0 for unused planes
 * @block_width: pixels per block in plane 0: 2 for the packed 4:2:2
 *	formats (YUYV, UYVY, Y210), 1 for every other format
 * @hsub: chroma planes (p >= 1) hold one sample per @hsub x @vsub
 *	pixels; both are 1 for single-plane formats, packed YUV included
 * @vsub: see @hsub
 * @flags: SYSMEM_FORMAT_INFO_ALPHA: the format has a meaningful alpha
 *	channel; SYSMEM_FORMAT_INFO_YUV: a YUV format (it takes the YUV
 *	color spaces); SYSMEM_FORMAT_INFO_RGB10: RGB with 10 bits per color
 *	(it also takes REC2020 and REC2100)
 *
 * With the layout sysmem_image_layout() computes (planes packed one
 * after another, plane 0 first), plane 0 has height rows of the row
 * pitch, and chroma plane p has height / @vsub rows of
 * pitch * @bytes_per_sample[p] / (@bytes_per_sample[0] * @hsub) bytes.
 * Widths are multiples of lcm(@hsub, @block_width), heights multiples
 * of @vsub.
 */
struct sysmem_format_info {
	__u32 fourcc;
	__u32 nr_planes;
	__u32 bytes_per_sample[SYSMEM_MAX_PLANES];
	__u32 block_width;
	__u32 hsub;
	__u32 vsub;
	__u32 flags;
};

/**
 * sysmem_format_get_info() - the plane geometry of a pixel format
 * @fourcc: a DRM fourcc code
 * @info: filled with the format's description (untouched on error)
 *
 * Needs no device: the table is the one the module uses.
 *
 * Return: 0, or -EINVAL for a format sysmem cannot lay out (an unknown
 * code, SYSMEM_FORMAT_DO_NOT_CARE) or a NULL @info.
 */
int sysmem_format_get_info(__u32 fourcc, struct sysmem_format_info *info);

/**
 * sysmem_format_known_count() - how many formats sysmem can lay out
 *
 * Return: the number of formats sysmem_format_known_at() reports.
 */
unsigned int sysmem_format_known_count(void);

/**
 * sysmem_format_known_at() - one format sysmem can lay out, by position
 * @i: position, below sysmem_format_known_count()
 *
 * The order is fixed: a later library version only appends formats.
 *
 * Return: the @i-th fourcc, or 0 when @i is past the end.
 */
__u32 sysmem_format_known_at(unsigned int i);

/**
 * sysmem_fail_str() - a short description of a SYSMEM_FAIL_* reason
 * @reason: SYSMEM_FAIL_*
 *
 * Return: a static string.  (Implemented in lib/sysmem_strings.c, which
 * libsysmem includes, so the module's log lines use the same words.)
 */
const char *sysmem_fail_str(__u32 reason);

#ifdef __cplusplus
}
#endif

#endif /* _LIBSYSMEM_H */
