/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sysmem: shared buffer negotiation and allocation, userspace ABI.
 *
 * All ioctls are issued on a file descriptor obtained by opening
 * /dev/sysmem.  Every ioctl argument is a fixed-layout structure.  Rules
 * common to all of them:
 *
 *  - Reserved fields and unknown flag bits must be zero, else -EINVAL.
 *  - Structures grow only at their end.  The kernel accepts a shorter
 *    (older) structure and treats the missing tail as zero; it accepts a
 *    longer (newer) structure only if the tail it does not know is zero,
 *    else -E2BIG.  Output structures are copied back up to the size the
 *    caller passed.
 *  - An ioctl number the kernel does not know fails with -ENOTTY; an
 *    argument pointer the kernel cannot read or write fails with -EFAULT.
 *
 * See Documentation/sysmem/uapi.rst for the full description.
 */
#ifndef _UAPI_LINUX_SYSMEM_H
#define _UAPI_LINUX_SYSMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * ABI version.  The major number changes only on an incompatible change
 * (which sysmem promises never to make once released); the minor number
 * grows each time ioctls, flags or structure fields are added.
 */
#define SYSMEM_ABI_MAJOR	0
#define SYSMEM_ABI_MINOR	8

/* Sanity limits. */
#define SYSMEM_MAX_BUFFERS		128	/* buffers per collection */
#define SYSMEM_MAX_DUPLICATES		64	/* fds per DUPLICATE_MANY */
#define SYSMEM_MAX_HEAPS		64	/* permitted heap names */
#define SYSMEM_NAME_LEN			64	/* names, including the NUL */
#define SYSMEM_HEAP_NAME_LEN		32	/* heap names, including the NUL */
#define SYSMEM_MAX_IMAGE_FORMATS	64	/* image entries per participant */
#define SYSMEM_MAX_FORMAT_PAIRS		16	/* (format, modifier) per entry */
#define SYSMEM_MAX_COLOR_SPACES		16	/* color spaces per entry */
#define SYSMEM_MAX_REQUIRED_SIZES	64	/* required max sizes per entry */
#define SYSMEM_MAX_PLANES		4	/* planes of a chosen format */
#define SYSMEM_MAX_TRACKING		16	/* tracking fds made per node */
#define SYSMEM_MAX_NODES		128	/* nodes per collection, kept ones too */
#define SYSMEM_MAX_GROUP_COMBINATIONS	64	/* group choices tried */

/**
 * struct sysmem_version - ABI version implemented by the running module
 * @major: SYSMEM_ABI_MAJOR of the module
 * @minor: SYSMEM_ABI_MINOR of the module
 *
 * Filled by %SYSMEM_IOC_GET_VERSION.  A client built against minor N can
 * use every ioctl of minors <= N when @major matches.
 */
struct sysmem_version {
	__u32 major;
	__u32 minor;
};

/*
 * Usage bits: how a participant will use the buffers.  NONE must stand
 * alone and says the participant never touches the buffers (it only
 * contributes constraints).  Bits in SYSMEM_USAGE_WRITE_MASK write to the
 * buffers; a participant gets writable buffer fds only with one of them.
 */
#define SYSMEM_USAGE_NONE			(1ULL << 0)
#define SYSMEM_USAGE_CPU_READ			(1ULL << 1)
#define SYSMEM_USAGE_CPU_READ_OFTEN		(1ULL << 2)
#define SYSMEM_USAGE_CPU_WRITE			(1ULL << 3)
#define SYSMEM_USAGE_CPU_WRITE_OFTEN		(1ULL << 4)
#define SYSMEM_USAGE_VULKAN_TRANSFER_SRC	(1ULL << 8)
#define SYSMEM_USAGE_VULKAN_TRANSFER_DST	(1ULL << 9)
#define SYSMEM_USAGE_VULKAN_SAMPLED		(1ULL << 10)
#define SYSMEM_USAGE_VULKAN_STORAGE		(1ULL << 11)
#define SYSMEM_USAGE_VULKAN_COLOR_ATTACHMENT	(1ULL << 12)
#define SYSMEM_USAGE_VULKAN_INPUT_ATTACHMENT	(1ULL << 13)
#define SYSMEM_USAGE_DISPLAY_LAYER		(1ULL << 16)
#define SYSMEM_USAGE_DISPLAY_CURSOR		(1ULL << 17)
#define SYSMEM_USAGE_VIDEO_DECODER		(1ULL << 24)
#define SYSMEM_USAGE_VIDEO_ENCODER		(1ULL << 25)
#define SYSMEM_USAGE_VIDEO_CAPTURE		(1ULL << 26)
#define SYSMEM_USAGE_VIDEO_DECRYPTOR_OUTPUT	(1ULL << 27)

#define SYSMEM_USAGE_CPU_MASK \
	(SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_READ_OFTEN | \
	 SYSMEM_USAGE_CPU_WRITE | SYSMEM_USAGE_CPU_WRITE_OFTEN)
#define SYSMEM_USAGE_VULKAN_MASK	(0x3fULL << 8)
#define SYSMEM_USAGE_DISPLAY_MASK \
	(SYSMEM_USAGE_DISPLAY_LAYER | SYSMEM_USAGE_DISPLAY_CURSOR)
#define SYSMEM_USAGE_VIDEO_MASK		(0xfULL << 24)
#define SYSMEM_USAGE_ALL \
	(SYSMEM_USAGE_NONE | SYSMEM_USAGE_CPU_MASK | SYSMEM_USAGE_VULKAN_MASK | \
	 SYSMEM_USAGE_DISPLAY_MASK | SYSMEM_USAGE_VIDEO_MASK)
#define SYSMEM_USAGE_WRITE_MASK \
	(SYSMEM_USAGE_CPU_WRITE | SYSMEM_USAGE_CPU_WRITE_OFTEN | \
	 SYSMEM_USAGE_VULKAN_TRANSFER_DST | SYSMEM_USAGE_VULKAN_STORAGE | \
	 SYSMEM_USAGE_VULKAN_COLOR_ATTACHMENT | SYSMEM_USAGE_VIDEO_DECODER | \
	 SYSMEM_USAGE_VIDEO_CAPTURE | SYSMEM_USAGE_VIDEO_DECRYPTOR_OUTPUT)

/*
 * Coherency domains: where the data is coherent.  CPU: CPU caches
 * (cached mappings; devices need cache maintenance).  RAM: main memory
 * (devices see it directly; CPU access goes through cache cleaning).
 * INACCESSIBLE: the CPU cannot access the buffers at all.
 */
#define SYSMEM_DOMAIN_CPU		(1U << 0)
#define SYSMEM_DOMAIN_RAM		(1U << 1)
#define SYSMEM_DOMAIN_INACCESSIBLE	(1U << 2)
#define SYSMEM_DOMAIN_ALL \
	(SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM | SYSMEM_DOMAIN_INACCESSIBLE)

/* Rights carried by a token and attenuated by each duplicate. */
#define SYSMEM_RIGHT_READ	(1U << 0)
#define SYSMEM_RIGHT_WRITE	(1U << 1)
#define SYSMEM_RIGHTS_ALL	(SYSMEM_RIGHT_READ | SYSMEM_RIGHT_WRITE)
/* A duplicate mask that keeps every right the parent has. */
#define SYSMEM_RIGHTS_SAME	0xffffffffU

/* struct sysmem_buffer_constraints.flags */
#define SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS	(1U << 0)
#define SYSMEM_CONSTRAINTS_SECURE			(1U << 1)
#define SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT		(1U << 2)
#define SYSMEM_CONSTRAINTS_HAS_MAX_SIZE			(1U << 3)
#define SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS	(1U << 4)
#define SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS		(1U << 5)
/* Since ABI 0.6: */
#define SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS	(1U << 6)
#define SYSMEM_CONSTRAINTS_FLAGS_ALL			0x7fU

/**
 * struct sysmem_heap_name - a heap named in permitted heaps
 * @name: NUL-terminated heap name, for example "system"
 */
struct sysmem_heap_name {
	char name[SYSMEM_HEAP_NAME_LEN];
};

/*
 * Pixel formats are DRM fourcc codes and DRM format modifiers, as in
 * <drm/drm_fourcc.h>.  SYSMEM_FORMAT_DO_NOT_CARE and
 * SYSMEM_MODIFIER_DO_NOT_CARE accept whatever the other participants
 * choose.
 */
#define SYSMEM_FORMAT_DO_NOT_CARE	0U
#define SYSMEM_MODIFIER_LINEAR		0ULL	/* DRM_FORMAT_MOD_LINEAR */
#define SYSMEM_MODIFIER_DO_NOT_CARE	0x00fffffffffffffeULL

/* Color spaces, in sysmem's numbering. */
#define SYSMEM_COLOR_SPACE_INVALID		0
#define SYSMEM_COLOR_SPACE_SRGB			1
#define SYSMEM_COLOR_SPACE_REC601_NTSC		2
#define SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE 3
#define SYSMEM_COLOR_SPACE_REC601_PAL		4
#define SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE 5
#define SYSMEM_COLOR_SPACE_REC709		6
#define SYSMEM_COLOR_SPACE_REC2020		7
#define SYSMEM_COLOR_SPACE_REC2100		8
#define SYSMEM_COLOR_SPACE_PASSTHROUGH		9
#define SYSMEM_COLOR_SPACE_DO_NOT_CARE		0xfffffffeU

/**
 * struct sysmem_size - a width and a height in pixels
 * @width: width
 * @height: height
 */
struct sysmem_size {
	__u32 width;
	__u32 height;
};

/**
 * struct sysmem_format_pair - a pixel format with a layout modifier
 * @format: DRM fourcc, or SYSMEM_FORMAT_DO_NOT_CARE
 * @reserved: must be 0
 * @modifier: DRM format modifier, or SYSMEM_MODIFIER_DO_NOT_CARE
 */
struct sysmem_format_pair {
	__u32 format;
	__u32 reserved;
	__u64 modifier;
};

/* struct sysmem_image_constraints.flags */
#define SYSMEM_IMAGE_HAS_MAX_SIZE		(1U << 0)
#define SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW	(1U << 1)
#define SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT	(1U << 2)
#define SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE	(1U << 3)
#define SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE	(1U << 4)
#define SYSMEM_IMAGE_BYTES_PER_ROW_AT_PIXEL_BOUNDARY (1U << 5)
#define SYSMEM_IMAGE_ALPHA_PRESENT		(1U << 6)
#define SYSMEM_IMAGE_FLAGS_ALL			0x7fU

/**
 * struct sysmem_image_constraints - one acceptable family of image formats
 * @flags: SYSMEM_IMAGE_*
 * @nr_formats: entries of @formats used, 1 to SYSMEM_MAX_FORMAT_PAIRS
 * @formats: acceptable (format, modifier) pairs
 * @nr_color_spaces: entries of @color_spaces used, 1 to
 *	SYSMEM_MAX_COLOR_SPACES
 * @color_spaces: acceptable SYSMEM_COLOR_SPACE_* values
 * @min_size: smallest image size the participant can handle
 * @max_size: largest, with SYSMEM_IMAGE_HAS_MAX_SIZE
 * @min_bytes_per_row: smallest row pitch of plane 0
 * @max_bytes_per_row: largest, with SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW
 * @size_alignment: image width and height must be multiples (0 means 1)
 * @display_rect_alignment: display rectangle alignment (0 means 1)
 * @required_min_size: the buffers must fit images down to this size, with
 *	SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE
 * @required_max_size: the buffers must fit an image this large, with
 *	SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE
 * @pad_for_block_size: the buffers must hold the image with its width and
 *	height rounded up to multiples of these (0 means 1), for codecs
 *	that work in blocks (since ABI 0.6)
 * @nr_required_max_sizes: entries of @required_max_sizes used
 * @bytes_per_row_divisor: row pitch must be a multiple (0 means 1)
 * @start_offset_divisor: the offset of the image's first byte in the
 *	buffer must be a multiple (0 means 1)
 * @max_width_times_height: largest width * height, with
 *	SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT
 * @pad_beyond_image_size_bytes: bytes the buffers must have after the
 *	image (since ABI 0.6)
 * @reserved: must be 0
 * @required_max_sizes: more sizes the buffers must each fit
 *
 * Flags: SYSMEM_IMAGE_BYTES_PER_ROW_AT_PIXEL_BOUNDARY asks for a row pitch
 * that is a whole number of pixels; SYSMEM_IMAGE_ALPHA_PRESENT asks for a
 * format whose alpha channel is meaningful.
 *
 * The layout is the same on 32-bit and 64-bit ABIs (936 bytes); ABI 0.6
 * moved @max_width_times_height to close a hole that 32-bit x86 did not
 * have.
 */
struct sysmem_image_constraints {
	__u32 flags;
	__u32 nr_formats;
	struct sysmem_format_pair formats[SYSMEM_MAX_FORMAT_PAIRS];
	__u32 nr_color_spaces;
	__u32 color_spaces[SYSMEM_MAX_COLOR_SPACES];
	struct sysmem_size min_size;
	struct sysmem_size max_size;
	__u32 min_bytes_per_row;
	__u32 max_bytes_per_row;
	struct sysmem_size size_alignment;
	struct sysmem_size display_rect_alignment;
	struct sysmem_size required_min_size;
	struct sysmem_size required_max_size;
	struct sysmem_size pad_for_block_size;
	__u32 nr_required_max_sizes;
	__u32 bytes_per_row_divisor;
	__u32 start_offset_divisor;
	__u64 max_width_times_height;
	__u64 pad_beyond_image_size_bytes;
	__u64 reserved;
	struct sysmem_size required_max_sizes[SYSMEM_MAX_REQUIRED_SIZES];
};

/**
 * struct sysmem_buffer_constraints - one participant's constraints
 * @usage: SYSMEM_USAGE_* bits; at least one; NONE must stand alone
 * @flags: SYSMEM_CONSTRAINTS_* (requirements and presence of optional
 *	fields)
 * @min_buffer_count_for_camping: buffers this participant holds at once
 *	while it works (summed across participants)
 * @min_buffer_count_for_dedicated_slack: extra buffers for this
 *	participant alone (summed)
 * @min_buffer_count_for_shared_slack: extra buffers any participant may
 *	use (maximum across participants)
 * @min_buffer_count: lower bound of the total count (maximum)
 * @max_buffer_count: upper bound of the total count, with
 *	SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT; must not be 0
 * @min_size_bytes: smallest acceptable buffer size (maximum)
 * @max_size_bytes: largest acceptable buffer size, with
 *	SYSMEM_CONSTRAINTS_HAS_MAX_SIZE (minimum)
 * @coherency_domains: SYSMEM_DOMAIN_* this participant supports, with
 *	SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS; else the defaults of
 *	Documentation/sysmem/negotiation.rst
 * @heap_count: number of entries at @heaps, with
 *	SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS; 1 to SYSMEM_MAX_HEAPS
 * @heaps: user pointer to @heap_count struct sysmem_heap_name
 * @image_formats: user pointer to @image_format_count struct
 *	sysmem_image_constraints (0 with a count of 0)
 * @image_format_count: 0 (no image constraints) to
 *	SYSMEM_MAX_IMAGE_FORMATS
 * @reserved: must be 0
 * @min_physical_base_alignment: the physical address of each buffer's
 *	first byte must be a multiple; a power of two, or 0 for the heap's
 *	default (maximum; since ABI 0.6)
 * @max_physical_address: the highest physical address any byte of the
 *	buffers may have, with SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS
 *	(minimum; since ABI 0.6)
 */
struct sysmem_buffer_constraints {
	__u64 usage;
	__u32 flags;
	__u32 min_buffer_count_for_camping;
	__u32 min_buffer_count_for_dedicated_slack;
	__u32 min_buffer_count_for_shared_slack;
	__u32 min_buffer_count;
	__u32 max_buffer_count;
	__u64 min_size_bytes;
	__u64 max_size_bytes;
	__u32 coherency_domains;
	__u32 heap_count;
	__u64 heaps;
	__u64 image_formats;
	__u32 image_format_count;
	__u32 reserved;
	__u64 min_physical_base_alignment;
	__u64 max_physical_address;
};

/* struct sysmem_buffer_settings.flags */
#define SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS	(1U << 0)
#define SYSMEM_SETTINGS_SECURE			(1U << 1)
#define SYSMEM_SETTINGS_HAS_IMAGE_FORMAT	(1U << 2)

/**
 * struct sysmem_plane - where one plane of an image lies in a buffer
 * @offset: byte offset of the plane's first row
 * @bytes_per_row: the plane's row pitch
 * @reserved: 0
 */
struct sysmem_plane {
	__u64 offset;
	__u32 bytes_per_row;
	__u32 reserved;
};

/* struct sysmem_image_format.flags */
#define SYSMEM_IMAGE_FORMAT_ALPHA_PRESENT	(1U << 0)
#define SYSMEM_IMAGE_FORMAT_BYTES_PER_ROW_AT_PIXEL_BOUNDARY (1U << 1)

/**
 * struct sysmem_image_format - the one image format sysmem chose
 * @format: DRM fourcc
 * @color_space: SYSMEM_COLOR_SPACE_*
 * @modifier: DRM format modifier
 * @size: the image size the buffers were sized for: the largest required
 *	size (or the minimum size, aligned)
 * @bytes_per_row: row pitch of plane 0 at @size
 * @nr_planes: planes of @format
 * @planes: layout of each plane at @size
 * @image_size: bytes a buffer needs for an image of @size, the paddings
 *	included
 * @min_size: smallest image size every participant accepts
 * @max_size: largest image size every participant accepts (0xffffffff
 *	in a dimension: no limit)
 * @size_alignment: image width and height must be multiples
 * @display_rect_alignment: display rectangle alignment
 * @min_bytes_per_row: smallest row pitch every participant accepts
 * @max_bytes_per_row: largest (0xffffffff: no limit)
 * @bytes_per_row_divisor: the row pitch must be a multiple
 * @start_offset_divisor: the offset of an image's first byte in a buffer
 *	must be a multiple (planes are packed; sysmem's images start at 0)
 * @flags: SYSMEM_IMAGE_FORMAT_*
 * @reserved: 0
 * @pad_for_block_size: width and height padding the buffers hold (1x1:
 *	none; since ABI 0.6)
 * @pad_beyond_image_size_bytes: bytes the buffers hold after the image
 *	(since ABI 0.6)
 *
 * libsysmem's sysmem_image_layout() computes the planes for another size
 * within these limits with the same rules the kernel used.
 */
struct sysmem_image_format {
	__u32 format;
	__u32 color_space;
	__u64 modifier;
	struct sysmem_size size;
	__u32 bytes_per_row;
	__u32 nr_planes;
	struct sysmem_plane planes[SYSMEM_MAX_PLANES];
	__u64 image_size;
	struct sysmem_size min_size;
	struct sysmem_size max_size;
	struct sysmem_size size_alignment;
	struct sysmem_size display_rect_alignment;
	__u32 min_bytes_per_row;
	__u32 max_bytes_per_row;
	__u32 bytes_per_row_divisor;
	__u32 start_offset_divisor;
	__u32 flags;
	__u32 reserved;
	struct sysmem_size pad_for_block_size;
	__u64 pad_beyond_image_size_bytes;
};

/**
 * struct sysmem_buffer_settings - what sysmem chose for a collection
 * @size_bytes: size every buffer provides (the negotiated minimum); the
 *	dma-bufs themselves are rounded up to whole pages
 * @buffer_count: number of buffers
 * @coherency_domain: the one SYSMEM_DOMAIN_* bit chosen
 * @flags: SYSMEM_SETTINGS_*
 * @usage: the union of every participant's usage
 * @heap: NUL-terminated name of the heap the buffers come from
 * @image: the chosen image format, with SYSMEM_SETTINGS_HAS_IMAGE_FORMAT
 *	(present since ABI 0.3)
 * @min_physical_base_alignment: every buffer starts at a physical
 *	address that is a multiple of this (since ABI 0.6)
 * @max_physical_address: no byte of the buffers lies above this physical
 *	address (~0 when nobody asked for a limit; since ABI 0.6)
 */
struct sysmem_buffer_settings {
	__u64 size_bytes;
	__u32 buffer_count;
	__u32 coherency_domain;
	__u32 flags;
	__u32 reserved;
	__u64 usage;
	char heap[SYSMEM_HEAP_NAME_LEN];
	struct sysmem_image_format image;
	__u64 min_physical_base_alignment;
	__u64 max_physical_address;
};

/* Collection states, struct sysmem_check.state */
#define SYSMEM_STATE_PENDING	0	/* waiting for participants */
#define SYSMEM_STATE_ALLOCATED	1	/* buffers are ready */
#define SYSMEM_STATE_FAILED	2	/* see struct sysmem_check.reason */

/* Failure reasons, struct sysmem_check.reason */
#define SYSMEM_FAIL_NONE		0
#define SYSMEM_FAIL_CONSTRAINTS		1	/* constraints intersection empty */
#define SYSMEM_FAIL_NO_MEMORY		2	/* the heap could not allocate */
#define SYSMEM_FAIL_NO_HEAP		3	/* no registered heap fits */
#define SYSMEM_FAIL_PARTICIPANT_LOST	4	/* a node closed without release,
						 * or none left before
						 * allocation
						 */
/* Since ABI 0.4: */
#define SYSMEM_FAIL_TOO_MANY_GROUPS	5	/* no group child combination
						 * among the first 64 tried
						 * negotiates
						 */
#define SYSMEM_FAIL_NOT_CHOSEN		6	/* a group chose another child */

/**
 * struct sysmem_debug_info - who a participant is, for logs and debugfs
 * @name: NUL-terminated client name, for example a process name
 * @id: client id, for example a pid
 */
struct sysmem_debug_info {
	char name[SYSMEM_NAME_LEN];
	__u64 id;
};

/**
 * struct sysmem_new_node - a new token or collection fd
 * @flags: must be 0
 * @fd: out: the new file descriptor (O_CLOEXEC)
 */
struct sysmem_new_node {
	__u32 flags;
	__s32 fd;
};

/**
 * struct sysmem_bind - turn a token into a collection
 * @token_fd: a live token fd; it is consumed (any later use of it gets
 *	ESTALE; close it)
 * @flags: must be 0
 * @collection_fd: out: the new collection fd (O_CLOEXEC)
 * @reserved: must be 0
 */
struct sysmem_bind {
	__s32 token_fd;
	__u32 flags;
	__s32 collection_fd;
	__u32 reserved;
};

/**
 * struct sysmem_buffer_info - which collection a sysmem dma-buf belongs to
 * @dmabuf_fd: a dma-buf fd
 * @buffer_index: out: its index in the collection
 * @collection_id: out: its collection's id
 */
struct sysmem_buffer_info {
	__s32 dmabuf_fd;
	__u32 buffer_index;
	__u64 collection_id;
};

/**
 * struct sysmem_set_name - name a collection
 * @priority: the highest priority set so far wins; ties keep the first
 * @reserved: must be 0
 * @name: NUL-terminated, at least one character
 */
struct sysmem_set_name {
	__u32 priority;
	__u32 reserved;
	char name[SYSMEM_NAME_LEN];
};

/**
 * struct sysmem_collection_id - a collection's id
 * @id: out: 64-bit, unique since boot, never reused, never 0
 */
struct sysmem_collection_id {
	__u64 id;
};

/**
 * struct sysmem_duplicate - duplicate a token
 * @rights_mask: rights to keep (ANDed with the token's); not 0;
 *	SYSMEM_RIGHTS_SAME keeps all
 * @flags: must be 0
 * @fd: out: the new token fd (O_CLOEXEC)
 * @reserved: must be 0
 */
struct sysmem_duplicate {
	__u32 rights_mask;
	__u32 flags;
	__s32 fd;
	__u32 reserved;
};

/**
 * struct sysmem_duplicate_many - duplicate a token several times at once
 * @rights_masks: user pointer to @count __u32 rights masks (none 0)
 * @fds: user pointer to @count __s32; out: the new token fds
 * @count: 1 to SYSMEM_MAX_DUPLICATES
 * @flags: must be 0
 *
 * All or nothing: on failure no token is created and no fd installed.
 */
struct sysmem_duplicate_many {
	__u64 rights_masks;
	__u64 fds;
	__u32 count;
	__u32 flags;
};

/**
 * struct sysmem_wait - wait for allocation
 * @timeout_ns: relative timeout in nanoseconds; negative waits forever,
 *	0 only checks
 */
struct sysmem_wait {
	__s64 timeout_ns;
};

/**
 * struct sysmem_check - non-blocking state query
 * @state: out: SYSMEM_STATE_*
 * @reason: out: SYSMEM_FAIL_* when @state is SYSMEM_STATE_FAILED, else 0
 */
struct sysmem_check {
	__u32 state;
	__u32 reason;
};

/**
 * struct sysmem_result - the outcome of an allocation
 * @settings: user pointer to a struct sysmem_buffer_settings, filled up
 *	to @settings_size bytes (the tail beyond the kernel's structure is
 *	zeroed); may be 0 with @settings_size 0
 * @settings_size: size of the caller's struct sysmem_buffer_settings
 * @fd_capacity: number of __s32 at @fds; must be at least @buffer_count
 *	unless the participant gets no fds
 * @fds: user pointer to @fd_capacity __s32; out: one new dma-buf fd per
 *	buffer (O_CLOEXEC; O_RDWR or O_RDONLY, see the documentation)
 * @buffer_count: out: number of buffers in the collection
 * @fd_count: out: number of @fds slots filled (@buffer_count, or 0 for
 *	a participant whose usage is NONE); for a weak node a slot may hold
 *	-1 (see below)
 * @collection_id: out: the collection's id
 * @flags: must be 0
 * @reserved: must be 0
 * @close_weak_fds: (since ABI 0.5) user pointer to @fd_capacity __s32;
 *	required for a weak node that gets fds, else ignored.  out, for a
 *	weak node: per buffer, an fd that polls readable once nothing
 *	strong holds the buffer any more ("close your weak buffer fd as
 *	soon as you can"), or -1 where the buffer is already gone
 * @result_flags: (since ABI 0.5) out: SYSMEM_RESULT_*
 * @reserved2: must be 0
 *
 * For a weak node (%SYSMEM_IOC_NODE_SET_WEAK) the dma-buf fds are weak:
 * they do not keep the buffer alive in sysmem's eyes, and where a buffer
 * has already gone (its last strong holder left) both fds of its slot
 * are -1, so a weak node may see a sparse set.
 */
struct sysmem_result {
	__u64 settings;
	__u32 settings_size;
	__u32 fd_capacity;
	__u64 fds;
	__u32 buffer_count;
	__u32 fd_count;
	__u64 collection_id;
	__u32 flags;
	__u32 reserved;
	__u64 close_weak_fds;
	__u32 result_flags;
	__u32 reserved2;
};

/* sysmem_result.result_flags */
#define SYSMEM_RESULT_WEAK	(1U << 0)	/* the fds are weak buffers */

/**
 * struct sysmem_weak_ok - SYSMEM_IOC_NODE_SET_WEAK_OK
 * @flags: SYSMEM_WEAK_OK_*
 * @reserved: must be 0
 */
struct sysmem_weak_ok {
	__u32 flags;
	__u32 reserved;
};

/* Nodes created from this one from now on are weak-ok as well. */
#define SYSMEM_WEAK_OK_FOR_CHILDREN	(1U << 0)

/**
 * struct sysmem_lifetime_tracking - a buffer lifetime tracking fd
 * @buffers_remaining: the fd polls readable once at most this many of
 *	the collection's buffers still hold memory (after allocation or
 *	failure; counted when the memory is back in its heap)
 * @flags: must be 0
 * @fd: out: the new tracking fd (O_CLOEXEC)
 * @reserved: must be 0
 */
struct sysmem_lifetime_tracking {
	__u32 buffers_remaining;
	__u32 flags;
	__s32 fd;
	__u32 reserved;
};

/**
 * struct sysmem_is_alternate - are two nodes alternatives under a group?
 * @ref_fd: a node ref fd (SYSMEM_IOC_NODE_GET_REF) of the other node
 * @flags: must be 0
 * @is_alternate: out: 1 when the nearest common ancestor of the two
 *	nodes is a token group, else 0
 * @reserved: must be 0
 */
struct sysmem_is_alternate {
	__s32 ref_fd;
	__u32 flags;
	__u32 is_alternate;
	__u32 reserved;
};

/**
 * struct sysmem_debug_timeout - SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE
 * @deadline_ns: an absolute CLOCK_MONOTONIC time in nanoseconds, at
 *	least 0; SYSMEM_DEADLINE_NONE asks for no deadline
 * @flags: must be 0
 * @reserved: must be 0
 *
 * If the collection is still pending at the earliest deadline any of
 * its participants set (or at the module's default one), sysmem logs
 * once which participants it is still waiting for (since ABI 0.7).
 */
struct sysmem_debug_timeout {
	__s64 deadline_ns;
	__u32 flags;
	__u32 reserved;
};

/* struct sysmem_debug_timeout.deadline_ns: no deadline (changes nothing) */
#define SYSMEM_DEADLINE_NONE	0x7fffffffffffffffLL

/**
 * struct sysmem_max_total - SYSMEM_IOC_NODE_SET_MAX_TOTAL_BYTES
 * @max_total_bytes: the most bytes the collection's buffers may take
 *	together (buffer count times the page-aligned buffer size); not 0
 * @flags: must be 0
 * @reserved: must be 0
 *
 * The lowest bound any participant sets applies.  A collection whose
 * negotiated buffers would take more fails with SYSMEM_FAIL_CONSTRAINTS
 * and allocates nothing (since ABI 0.8).
 */
struct sysmem_max_total {
	__u64 max_total_bytes;
	__u32 flags;
	__u32 reserved;
};

/* ioctl type byte of sysmem; see Documentation/sysmem/uapi.rst. */
#define SYSMEM_IOC_MAGIC	0xBA

/* On /dev/sysmem (the allocator). */
#define SYSMEM_IOC_GET_VERSION	_IOR(SYSMEM_IOC_MAGIC, 0x00, struct sysmem_version)
#define SYSMEM_IOC_ALLOC_TOKEN	_IOWR(SYSMEM_IOC_MAGIC, 0x01, struct sysmem_new_node)
#define SYSMEM_IOC_ALLOC_NONSHARED \
	_IOWR(SYSMEM_IOC_MAGIC, 0x02, struct sysmem_new_node)
#define SYSMEM_IOC_BIND		_IOWR(SYSMEM_IOC_MAGIC, 0x03, struct sysmem_bind)
#define SYSMEM_IOC_BUFFER_INFO	_IOWR(SYSMEM_IOC_MAGIC, 0x04, struct sysmem_buffer_info)
#define SYSMEM_IOC_SET_DEBUG_INFO \
	_IOW(SYSMEM_IOC_MAGIC, 0x05, struct sysmem_debug_info)

/* On every token and collection fd. */
#define SYSMEM_IOC_NODE_RELEASE	_IO(SYSMEM_IOC_MAGIC, 0x10)
#define SYSMEM_IOC_NODE_SET_NAME \
	_IOW(SYSMEM_IOC_MAGIC, 0x11, struct sysmem_set_name)
#define SYSMEM_IOC_NODE_SET_DEBUG_INFO \
	_IOW(SYSMEM_IOC_MAGIC, 0x12, struct sysmem_debug_info)
#define SYSMEM_IOC_NODE_GET_COLLECTION_ID \
	_IOR(SYSMEM_IOC_MAGIC, 0x13, struct sysmem_collection_id)
/*
 * Since ABI 0.4: an fd that polls readable once this node, and what is
 * left of it after release, is gone.
 */
#define SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING \
	_IOWR(SYSMEM_IOC_MAGIC, 0x14, struct sysmem_new_node)
/* Since ABI 0.4: a node ref fd, naming this node and granting nothing. */
#define SYSMEM_IOC_NODE_GET_REF \
	_IOWR(SYSMEM_IOC_MAGIC, 0x15, struct sysmem_new_node)
/* Since ABI 0.4: whether this node and a node ref's are alternatives. */
#define SYSMEM_IOC_NODE_IS_ALTERNATE_FOR \
	_IOWR(SYSMEM_IOC_MAGIC, 0x16, struct sysmem_is_alternate)
/*
 * Since ABI 0.5: this node, and every node created from it from now on,
 * is weak (no argument).  A token may become weak at any time, a
 * collection before it sets constraints, a group before it declares all
 * children present.
 */
#define SYSMEM_IOC_NODE_SET_WEAK _IO(SYSMEM_IOC_MAGIC, 0x17)
/*
 * Since ABI 0.5: this participant watches the close-weak fds; a weak
 * collection must say so before it waits or gets its result.
 */
#define SYSMEM_IOC_NODE_SET_WEAK_OK \
	_IOW(SYSMEM_IOC_MAGIC, 0x18, struct sysmem_weak_ok)
/*
 * Since ABI 0.7: log the participants a collection still waits for if it
 * is pending at this deadline (sysmem2's SetDebugTimeoutLogDeadline).
 */
#define SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE \
	_IOW(SYSMEM_IOC_MAGIC, 0x19, struct sysmem_debug_timeout)
/*
 * Since ABI 0.8: bound the bytes the collection's buffers take together,
 * while it is pending.  The collection's creator pays for its buffers;
 * this is how it limits what other participants can make it pay.
 */
#define SYSMEM_IOC_NODE_SET_MAX_TOTAL_BYTES \
	_IOW(SYSMEM_IOC_MAGIC, 0x1a, struct sysmem_max_total)

/* On token fds. */
#define SYSMEM_IOC_TOKEN_DUPLICATE \
	_IOWR(SYSMEM_IOC_MAGIC, 0x20, struct sysmem_duplicate)
#define SYSMEM_IOC_TOKEN_DUPLICATE_MANY \
	_IOW(SYSMEM_IOC_MAGIC, 0x21, struct sysmem_duplicate_many)
/* Since ABI 0.4: a failure boundary once allocated (no argument). */
#define SYSMEM_IOC_TOKEN_SET_DISPENSABLE _IO(SYSMEM_IOC_MAGIC, 0x22)
/* Since ABI 0.4: a token group, a child of this token. */
#define SYSMEM_IOC_TOKEN_CREATE_GROUP \
	_IOWR(SYSMEM_IOC_MAGIC, 0x23, struct sysmem_new_node)

/* On group fds (since ABI 0.4); the node ioctls 0x10-0x1a work too. */
#define SYSMEM_IOC_GROUP_CREATE_CHILD \
	_IOWR(SYSMEM_IOC_MAGIC, 0x40, struct sysmem_duplicate)
#define SYSMEM_IOC_GROUP_CREATE_CHILDREN \
	_IOW(SYSMEM_IOC_MAGIC, 0x41, struct sysmem_duplicate_many)
#define SYSMEM_IOC_GROUP_ALL_CHILDREN_PRESENT _IO(SYSMEM_IOC_MAGIC, 0x42)

/* On collection fds. */
#define SYSMEM_IOC_SET_CONSTRAINTS \
	_IOW(SYSMEM_IOC_MAGIC, 0x30, struct sysmem_buffer_constraints)
#define SYSMEM_IOC_WAIT		_IOW(SYSMEM_IOC_MAGIC, 0x31, struct sysmem_wait)
#define SYSMEM_IOC_CHECK	_IOR(SYSMEM_IOC_MAGIC, 0x32, struct sysmem_check)
#define SYSMEM_IOC_GET_RESULT	_IOWR(SYSMEM_IOC_MAGIC, 0x33, struct sysmem_result)
/* Since ABI 0.4. */
#define SYSMEM_IOC_ATTACH_LIFETIME_TRACKING \
	_IOWR(SYSMEM_IOC_MAGIC, 0x34, struct sysmem_lifetime_tracking)
/*
 * Since ABI 0.4: a token at the top of a subtree attached to this
 * collection node, allocated logically against the collection's buffers
 * (struct sysmem_duplicate as for SYSMEM_IOC_TOKEN_DUPLICATE).
 */
#define SYSMEM_IOC_ATTACH_TOKEN \
	_IOWR(SYSMEM_IOC_MAGIC, 0x35, struct sysmem_duplicate)

#endif /* _UAPI_LINUX_SYSMEM_H */
