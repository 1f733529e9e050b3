// SPDX-License-Identifier: GPL-2.0
/*
 * A fail-nth sweep over every ioctl of every kind of sysmem file, and
 * over the dma-buf paths (mmap, DMA_BUF_IOCTL_SYNC) of its buffers.
 *
 * For each entry of the sweep table the test builds a small setup, then
 * makes the 1st, 2nd, 3rd, ... slab allocation of the calling thread
 * fail (failslab considering sleeping allocations, armed through
 * /proc/thread-self/fail-nth) during the one call, until the call runs
 * without reaching the injected failure.  Each injected failure must give
 * a clean error: the call returns -ENOMEM and leaves no new fd, and a
 * retry without injection succeeds; or the call succeeds and a collection
 * it allocated either holds its buffers or failed with
 * SYSMEM_FAIL_NO_MEMORY.  After every attempt everything is closed and
 * sysmem must be back to no live object (debugfs "objects") and to the
 * heap bytes it started with (debugfs "heaps").
 *
 * The coverage test asks the running module which ioctl numbers each kind
 * of file knows (every number and direction, with a zeroed argument: an
 * unknown one gets ENOTTY) and fails unless the sweep table has exactly
 * those; a static assertion on the ABI minor, which grows with every new
 * ioctl, catches a new uapi header at build time.  The summary at the end
 * prints the failures injected per entry ("# " lines).
 *
 * sysmem_fault_test.c keeps the deeper per-flow checks (page allocation
 * failures in the heaps, results of many buffers); this file is the
 * table-driven breadth sweep, in a binary of its own so that each stays
 * within its time budget.
 *
 * SYSMEM_FAILNTH_LONG=1 sweeps bigger setups too (more buffers, more
 * duplicates).  Needs CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS
 * and the sysmem debugfs files; skips without them.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

/*
 * Every ioctl added to the uapi bumps SYSMEM_ABI_MINOR: when this fails,
 * add the new ioctls to sweep[] below, then the new minor here.
 */
static_assert(SYSMEM_ABI_MAJOR == 0 && SYSMEM_ABI_MINOR == 8,
	      "new sysmem ABI: add its ioctls to the fail-nth sweep");

/* Far more allocations than any one call makes. */
#define MAX_NTH		400
#define MAX_FDS		16
#define IOC_ANY_SIZE	256

enum kind { DEV, TOKEN, GROUP, COLL, DMABUF, NR_KINDS };

static const char *const kind_names[NR_KINDS] = {
	"device", "token", "group", "collection", "dma-buf",
};

struct sweep_ctx {
	int dev;
	int fd[MAX_FDS];	/* made by the setup; the call uses fd[0] */
	int out[MAX_FDS];	/* fds the call made */
	int nr_out;
	int buf;		/* a dma-buf fd of the setup */
	int coll;		/* a collection to check after the call */
	void *map;
	size_t map_len;
	void *map2;		/* a mapping the call failed to unmap */
	bool long_mode;
};

struct sweep_op {
	const char *name;
	enum kind kind;
	unsigned long cmd;	/* the SYSMEM_IOC_* the call issues, or 0 */
	void (*setup)(struct __test_metadata *_metadata, struct sweep_ctx *c);
	int (*call)(struct sweep_ctx *c);
	/* The collection c->coll must end allocated (or failed, injected). */
	bool allocates;
	/* A call that failed is not retried (it cannot be repeated). */
	bool no_retry;
	/*
	 * Run as a payer held to limits (no CAP_IPC_LOCK, RLIMIT_MEMLOCK
	 * set), whose first charge looks its user up; only by the test
	 * limited_payer.
	 */
	bool limited;
};

/*
 * What the injected failures of one entry gave: the call failed with
 * ENOMEM, the call succeeded and the collection failed, or the call
 * absorbed the failure (succeeded, nothing failed).
 */
struct sweep_counts {
	int injected, enomem, coll_failed, absorbed;
};

/* Per entry of sweep[], shared with the test children. */
static struct sweep_counts *counts;

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Remember an fd the call made; returns @fd's error or 0. */
static int keep(struct sweep_ctx *c, int fd)
{
	if (fd < 0)
		return fd;
	if (c->nr_out < MAX_FDS)
		c->out[c->nr_out++] = fd;
	else
		close(fd);
	return 0;
}

static const struct sysmem_buffer_constraints cpu2 = {
	.usage = SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE,
	.min_buffer_count_for_camping = 2,
	.min_size_bytes = 2 * 4096 + 1,
};

static const struct sysmem_buffer_constraints cpu1 = {
	.usage = SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE,
	.min_buffer_count_for_camping = 1,
	.min_size_bytes = 3 * 4096,
};

/* A reader camping on no buffer. */
static const struct sysmem_buffer_constraints reader = {
	.usage = SYSMEM_USAGE_CPU_READ,
	.min_size_bytes = 4096,
};

/* ------------------------------------------------------------------ */
/* Setups.  ASSERTs stop the test; the sweep closes what they made.     */

static void new_token(struct __test_metadata *_metadata, struct sweep_ctx *c,
		      int i)
{
	c->fd[i] = sysmem_alloc_token(c->dev);
	ASSERT_LE(0, c->fd[i]);
}

static void setup_none(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
}

static void setup_token(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
	new_token(_metadata, c, 0);
}

/* fd[0]: a group under token fd[1]. */
static void setup_group(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
	new_token(_metadata, c, 1);
	c->fd[0] = sysmem_create_group(c->fd[1]);
	ASSERT_LE(0, c->fd[0]);
}

/* fd[0]: a pending non-shared collection. */
static void setup_coll(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
	c->fd[0] = sysmem_alloc_nonshared(c->dev);
	ASSERT_LE(0, c->fd[0]);
	c->coll = c->fd[0];
}

/* fd[0]: an allocated non-shared collection of two buffers. */
static void setup_allocated(struct __test_metadata *_metadata,
			    struct sweep_ctx *c)
{
	setup_coll(_metadata, c);
	ASSERT_EQ(0, sysmem_set_constraints(c->fd[0], &cpu2));
	ASSERT_EQ(0, sysmem_wait(c->fd[0], WAIT_NS));
}

/* As setup_allocated(), with its buffers exported to this process. */
static void setup_exported(struct __test_metadata *_metadata,
			   struct sweep_ctx *c)
{
	setup_allocated(_metadata, c);
	ASSERT_EQ(0, sysmem_get_result(c->fd[0], NULL, &c->fd[1], 2, NULL,
				       NULL));
	c->buf = c->fd[1];
}

/* As setup_allocated(), one buffer, mapped read-write. */
static void setup_mapped(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
	setup_coll(_metadata, c);
	ASSERT_EQ(0, sysmem_set_constraints(c->fd[0], &cpu1));
	ASSERT_EQ(0, sysmem_wait(c->fd[0], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c->fd[0], NULL, &c->fd[1], 1, NULL,
				       NULL));
	c->buf = c->fd[1];
	c->map_len = cpu1.min_size_bytes;
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->buf, 0);
	ASSERT_NE(MAP_FAILED, c->map);
	memset(c->map, 0x5a, c->map_len);
}

/*
 * Token fd[2] with a group fd[1] under it and two children: fd[0] and
 * fd[3]; fd[4] is a node ref of fd[3].
 */
static void setup_alternates(struct __test_metadata *_metadata,
			     struct sweep_ctx *c)
{
	new_token(_metadata, c, 2);
	c->fd[1] = sysmem_create_group(c->fd[2]);
	ASSERT_LE(0, c->fd[1]);
	c->fd[0] = sysmem_group_create_child(c->fd[1], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, c->fd[0]);
	c->fd[3] = sysmem_group_create_child(c->fd[1], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, c->fd[3]);
	c->fd[4] = sysmem_get_node_ref(c->fd[3]);
	ASSERT_LE(0, c->fd[4]);
}

/* As setup_alternates(), the group itself in fd[0] (fd[1] a child). */
static void setup_alternates_group(struct __test_metadata *_metadata,
				   struct sweep_ctx *c)
{
	int t;

	setup_alternates(_metadata, c);
	t = c->fd[0];
	c->fd[0] = c->fd[1];
	c->fd[1] = t;
}

/* As setup_alternates(), fd[0] bound into a collection. */
static void setup_alternates_coll(struct __test_metadata *_metadata,
				  struct sweep_ctx *c)
{
	setup_alternates(_metadata, c);
	c->fd[5] = c->fd[0];
	c->fd[0] = sysmem_bind(c->dev, c->fd[5]);
	ASSERT_LE(0, c->fd[0]);
}

/* fd[0]: a duplicate of token fd[1]. */
static void setup_dup(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
	new_token(_metadata, c, 1);
	c->fd[0] = sysmem_duplicate(c->fd[1], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, c->fd[0]);
}

/* fd[0]: a group with two children, fd[2] and fd[3], under token fd[1]. */
static void setup_group_children(struct __test_metadata *_metadata,
				 struct sweep_ctx *c)
{
	setup_group(_metadata, c);
	c->fd[2] = sysmem_group_create_child(c->fd[0], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, c->fd[2]);
	c->fd[3] = sysmem_group_create_child(c->fd[0], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, c->fd[3]);
}

/* fd[0] is the last participant of two: token fd[1]'s duplicate. */
static void setup_two(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
	setup_dup(_metadata, c);
	c->fd[2] = sysmem_bind(c->dev, c->fd[1]);
	ASSERT_LE(0, c->fd[2]);
	c->fd[3] = sysmem_bind(c->dev, c->fd[0]);
	ASSERT_LE(0, c->fd[3]);
	ASSERT_EQ(0, sysmem_set_constraints(c->fd[2], &reader));
	/* fd[0] is a bound (stale) token now: the collection goes first. */
	c->fd[4] = c->fd[0];
	c->fd[0] = c->fd[3];
	c->fd[3] = -1;
	c->coll = c->fd[2];
}

/*
 * fd[0] is the last participant of a group negotiation: the root token
 * and the group's two children are collections, the first child's set.
 */
static void setup_group_negotiation(struct __test_metadata *_metadata,
				    struct sweep_ctx *c)
{
	struct sysmem_buffer_constraints small = cpu2;
	int root, c1, c2;

	setup_group_children(_metadata, c);
	ASSERT_EQ(0, sysmem_group_all_children_present(c->fd[0]));
	root = sysmem_bind(c->dev, c->fd[1]);
	c1 = sysmem_bind(c->dev, c->fd[2]);
	c2 = sysmem_bind(c->dev, c->fd[3]);
	ASSERT_LE(0, root);
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	c->fd[4] = root;
	c->fd[5] = c1;
	c->fd[6] = c->fd[0];	/* the group */
	c->fd[0] = c2;
	ASSERT_EQ(0, sysmem_set_constraints(root, &reader));
	/* The first child cannot be met: the group must choose the second. */
	small.flags = SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
	small.min_size_bytes = 0;
	small.max_size_bytes = 4096;
	ASSERT_EQ(0, sysmem_set_constraints(c1, &small));
	c->coll = root;
}

/* fd[0]: a collection bound from a token attached to allocated fd[1]. */
static void setup_attached(struct __test_metadata *_metadata,
			   struct sweep_ctx *c)
{
	setup_allocated(_metadata, c);
	c->fd[1] = c->fd[0];
	c->fd[2] = sysmem_attach_token(c->fd[1], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, c->fd[2]);
	c->fd[0] = sysmem_bind(c->dev, c->fd[2]);
	ASSERT_LE(0, c->fd[0]);
	c->coll = c->fd[0];
}

/* fd[0]: a weak, weak-ok collection next to a strong one, allocated. */
static void setup_weak(struct __test_metadata *_metadata, struct sweep_ctx *c)
{
	setup_dup(_metadata, c);
	ASSERT_EQ(0, sysmem_set_weak(c->fd[0]));
	ASSERT_EQ(0, sysmem_set_weak_ok(c->fd[0], false));
	c->fd[2] = sysmem_bind(c->dev, c->fd[1]);
	c->fd[3] = sysmem_bind(c->dev, c->fd[0]);
	ASSERT_LE(0, c->fd[2]);
	ASSERT_LE(0, c->fd[3]);
	c->fd[4] = c->fd[0];
	c->fd[0] = c->fd[3];
	c->fd[3] = -1;
	ASSERT_EQ(0, sysmem_set_constraints(c->fd[2], &cpu2));
	/* A reader camping on nothing: two buffers in all. */
	ASSERT_EQ(0, sysmem_set_constraints(c->fd[0], &reader));
	ASSERT_EQ(0, sysmem_wait(c->fd[0], WAIT_NS));
}

/* ------------------------------------------------------------------ */
/* Calls.  Each returns 0 or -errno, keeping the fds it made.           */

static int call_open(struct sweep_ctx *c)
{
	return keep(c, sysmem_open());
}

static int call_get_version(struct sweep_ctx *c)
{
	struct sysmem_version v;

	return xioctl(c->dev, SYSMEM_IOC_GET_VERSION, &v);
}

static int call_alloc_token(struct sweep_ctx *c)
{
	struct sysmem_new_node n = { 0 };
	int ret = xioctl(c->dev, SYSMEM_IOC_ALLOC_TOKEN, &n);

	return ret ? ret : keep(c, n.fd);
}

static int call_alloc_nonshared(struct sweep_ctx *c)
{
	struct sysmem_new_node n = { 0 };
	int ret = xioctl(c->dev, SYSMEM_IOC_ALLOC_NONSHARED, &n);

	return ret ? ret : keep(c, n.fd);
}

static int call_bind(struct sweep_ctx *c)
{
	struct sysmem_bind b = { .token_fd = c->fd[0] };
	int ret = xioctl(c->dev, SYSMEM_IOC_BIND, &b);

	return ret ? ret : keep(c, b.collection_fd);
}

static int call_buffer_info(struct sweep_ctx *c)
{
	struct sysmem_buffer_info bi = { .dmabuf_fd = c->buf };

	return xioctl(c->dev, SYSMEM_IOC_BUFFER_INFO, &bi);
}

static int call_dev_debug_info(struct sweep_ctx *c)
{
	struct sysmem_debug_info d = { .name = "failnth", .id = 1 };

	return xioctl(c->dev, SYSMEM_IOC_SET_DEBUG_INFO, &d);
}

static int call_release(struct sweep_ctx *c)
{
	return xioctl(c->fd[0], SYSMEM_IOC_NODE_RELEASE, NULL);
}

static int call_set_name(struct sweep_ctx *c)
{
	struct sysmem_set_name n = { .priority = 1, .name = "failnth" };

	return xioctl(c->fd[0], SYSMEM_IOC_NODE_SET_NAME, &n);
}

static int call_node_debug_info(struct sweep_ctx *c)
{
	struct sysmem_debug_info d = { .name = "failnth-node", .id = 2 };

	return xioctl(c->fd[0], SYSMEM_IOC_NODE_SET_DEBUG_INFO, &d);
}

static int call_get_id(struct sweep_ctx *c)
{
	struct sysmem_collection_id id;

	return xioctl(c->fd[0], SYSMEM_IOC_NODE_GET_COLLECTION_ID, &id);
}

static int call_node_tracking(struct sweep_ctx *c)
{
	struct sysmem_new_node n = { 0 };
	int ret = xioctl(c->fd[0], SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING, &n);

	return ret ? ret : keep(c, n.fd);
}

static int call_get_ref(struct sweep_ctx *c)
{
	struct sysmem_new_node n = { 0 };
	int ret = xioctl(c->fd[0], SYSMEM_IOC_NODE_GET_REF, &n);

	return ret ? ret : keep(c, n.fd);
}

static int call_is_alternate(struct sweep_ctx *c)
{
	struct sysmem_is_alternate a = { .ref_fd = c->fd[4] };

	return xioctl(c->fd[0], SYSMEM_IOC_NODE_IS_ALTERNATE_FOR, &a);
}

static int call_set_weak(struct sweep_ctx *c)
{
	return xioctl(c->fd[0], SYSMEM_IOC_NODE_SET_WEAK, NULL);
}

static int call_set_weak_ok(struct sweep_ctx *c)
{
	struct sysmem_weak_ok w = { .flags = SYSMEM_WEAK_OK_FOR_CHILDREN };

	return xioctl(c->fd[0], SYSMEM_IOC_NODE_SET_WEAK_OK, &w);
}

/* An hour ahead: the collection never stalls during the sweep. */
static int call_set_deadline(struct sweep_ctx *c)
{
	struct sysmem_debug_timeout t = { 0 };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t.deadline_ns = (ts.tv_sec + 3600) * 1000000000LL + ts.tv_nsec;
	return xioctl(c->fd[0], SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE,
		      &t);
}

/* A terabyte: far above what the sweep's collections allocate. */
static int call_set_max_total(struct sweep_ctx *c)
{
	struct sysmem_max_total mt = { .max_total_bytes = 1ULL << 40 };

	return xioctl(c->fd[0], SYSMEM_IOC_NODE_SET_MAX_TOTAL_BYTES, &mt);
}

static int call_duplicate(struct sweep_ctx *c)
{
	struct sysmem_duplicate d = { .rights_mask = SYSMEM_RIGHT_READ };
	int ret = xioctl(c->fd[0], SYSMEM_IOC_TOKEN_DUPLICATE, &d);

	return ret ? ret : keep(c, d.fd);
}

static int many_n(struct sweep_ctx *c, unsigned long cmd, __u32 count)
{
	__u32 masks[9] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ,
			   SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ,
			   SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ,
			   SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ,
			   SYSMEM_RIGHTS_SAME };
	int fds[9] = { -1, -1, -1, -1, -1, -1, -1, -1, -1 };
	struct sysmem_duplicate_many d = {
		.rights_masks = (__u64)(uintptr_t)masks,
		.fds = (__u64)(uintptr_t)fds,
		.count = count,
	};
	unsigned int i;
	int ret;

	ret = xioctl(c->fd[0], cmd, &d);
	for (i = 0; !ret && i < d.count; i++)
		keep(c, fds[i]);
	return ret;
}

static int many(struct sweep_ctx *c, unsigned long cmd)
{
	return many_n(c, cmd, c->long_mode ? 4 : 2);
}

static int call_duplicate_many(struct sweep_ctx *c)
{
	return many(c, SYSMEM_IOC_TOKEN_DUPLICATE_MANY);
}

/*
 * Six fds: more than the dispatcher keeps inline
 * (SYSMEM_INLINE_PENDING_FDS), so its grown array fails in turn too.
 */
static int call_duplicate_six(struct sweep_ctx *c)
{
	return many_n(c, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, 6);
}

/*
 * Nine: more than the ioctl keeps on its stack (8), so its arrays of
 * masks, fds and new nodes are allocated and fail in turn too.
 */
static int call_duplicate_nine(struct sweep_ctx *c)
{
	return many_n(c, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, 9);
}

static int call_set_dispensable(struct sweep_ctx *c)
{
	return xioctl(c->fd[0], SYSMEM_IOC_TOKEN_SET_DISPENSABLE, NULL);
}

static int call_create_group(struct sweep_ctx *c)
{
	struct sysmem_new_node n = { 0 };
	int ret = xioctl(c->fd[0], SYSMEM_IOC_TOKEN_CREATE_GROUP, &n);

	return ret ? ret : keep(c, n.fd);
}

static int call_create_child(struct sweep_ctx *c)
{
	struct sysmem_duplicate d = { .rights_mask = SYSMEM_RIGHTS_SAME };
	int ret = xioctl(c->fd[0], SYSMEM_IOC_GROUP_CREATE_CHILD, &d);

	return ret ? ret : keep(c, d.fd);
}

static int call_create_children(struct sweep_ctx *c)
{
	return many(c, SYSMEM_IOC_GROUP_CREATE_CHILDREN);
}

static int call_all_children_present(struct sweep_ctx *c)
{
	return xioctl(c->fd[0], SYSMEM_IOC_GROUP_ALL_CHILDREN_PRESENT, NULL);
}

static int set_constraints(struct sweep_ctx *c,
			   const struct sysmem_buffer_constraints *cons)
{
	return xioctl(c->fd[0], SYSMEM_IOC_SET_CONSTRAINTS, (void *)cons);
}

static int call_set_constraints(struct sweep_ctx *c)
{
	struct sysmem_buffer_constraints cons = cpu2;

	if (c->long_mode)
		cons.min_buffer_count_for_camping = 8;
	return set_constraints(c, &cons);
}

/* One buffer: the variants below share most paths with the above. */
static int call_set_constraints_one(struct sweep_ctx *c)
{
	return set_constraints(c, &cpu1);
}

/* A reader that fits in buffers already allocated (attached tokens). */
static int call_set_constraints_reader(struct sweep_ctx *c)
{
	return set_constraints(c, &reader);
}

static int call_set_constraints_heaps(struct sweep_ctx *c)
{
	struct sysmem_heap_name heaps[2] = { { "system" }, { "other" } };
	struct sysmem_buffer_constraints cons = cpu1;

	cons.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	cons.heap_count = 2;
	cons.heaps = (__u64)(uintptr_t)heaps;
	return set_constraints(c, &cons);
}

static int call_set_constraints_contig(struct sweep_ctx *c)
{
	struct sysmem_buffer_constraints cons = cpu1;

	cons.flags = SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	cons.min_size_bytes = 64 * KIB;
	return set_constraints(c, &cons);
}

/* DRM_FORMAT_XRGB8888 and DRM_FORMAT_NV12, without <drm/drm_fourcc.h>. */
#define FOURCC(a, b, c, d) \
	((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))

static int call_set_constraints_image(struct sweep_ctx *c)
{
	struct sysmem_image_constraints img[2];
	struct sysmem_buffer_constraints cons = cpu1;
	unsigned int i;

	memset(img, 0, sizeof(img));
	for (i = 0; i < 2; i++) {
		img[i].nr_formats = 1;
		img[i].formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
		img[i].nr_color_spaces = 1;
		img[i].min_size.width = 64;
		img[i].min_size.height = 32;
		img[i].flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
		img[i].required_max_size.width = 96;
		img[i].required_max_size.height = 48;
		img[i].bytes_per_row_divisor = 64;
	}
	img[0].formats[0].format = FOURCC('N', 'V', '1', '2');
	img[0].color_spaces[0] = SYSMEM_COLOR_SPACE_REC709;
	img[1].formats[0].format = FOURCC('X', 'R', '2', '4');
	img[1].color_spaces[0] = SYSMEM_COLOR_SPACE_SRGB;
	cons.min_size_bytes = 0;
	cons.image_formats = (__u64)(uintptr_t)img;
	cons.image_format_count = 2;
	return set_constraints(c, &cons);
}

static int call_wait(struct sweep_ctx *c)
{
	struct sysmem_wait w = { .timeout_ns = 0 };

	return xioctl(c->fd[0], SYSMEM_IOC_WAIT, &w);
}

static int call_check(struct sweep_ctx *c)
{
	struct sysmem_check ck;

	return xioctl(c->fd[0], SYSMEM_IOC_CHECK, &ck);
}

static int get_result(struct sweep_ctx *c, bool weak)
{
	int fds[2] = { -1, -1 }, cfds[2] = { -1, -1 };
	struct sysmem_buffer_settings s;
	struct sysmem_result r = {
		.settings = (__u64)(uintptr_t)&s,
		.settings_size = sizeof(s),
		.fd_capacity = 2,
		.fds = (__u64)(uintptr_t)fds,
		.close_weak_fds = weak ? (__u64)(uintptr_t)cfds : 0,
	};
	int ret, i;

	ret = xioctl(c->fd[0], SYSMEM_IOC_GET_RESULT, &r);
	if (ret)
		return ret;
	if (r.fd_count != 2 || s.buffer_count != 2 ||
	    !!(r.result_flags & SYSMEM_RESULT_WEAK) != weak)
		return -EPROTO;
	for (i = 0; i < 2; i++) {
		if (fds[i] < 0 || (weak && cfds[i] < 0))
			return -EPROTO;
		keep(c, fds[i]);
		if (weak)
			keep(c, cfds[i]);
	}
	return 0;
}

static int call_get_result(struct sweep_ctx *c)
{
	return get_result(c, false);
}

static int call_get_weak_result(struct sweep_ctx *c)
{
	return get_result(c, true);
}

static int call_lifetime_tracking(struct sweep_ctx *c)
{
	struct sysmem_lifetime_tracking t = { .buffers_remaining = 1 };
	int ret = xioctl(c->fd[0], SYSMEM_IOC_ATTACH_LIFETIME_TRACKING, &t);

	return ret ? ret : keep(c, t.fd);
}

static int call_attach_token(struct sweep_ctx *c)
{
	struct sysmem_duplicate d = { .rights_mask = SYSMEM_RIGHTS_SAME };
	int ret = xioctl(c->fd[0], SYSMEM_IOC_ATTACH_TOKEN, &d);

	return ret ? ret : keep(c, d.fd);
}

/*
 * Map the buffer, write every byte, read it back, unmap.  munmap() may
 * fail too (splitting the address space allocates): the mapping then
 * stays, and the sweep unmaps it when it closes everything.
 */
static int call_mmap(struct sweep_ctx *c)
{
	size_t len = cpu1.min_size_bytes, i;
	unsigned char *p;
	int ret = 0;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, c->buf, 0);
	if (p == MAP_FAILED)
		return -errno;
	memset(p, 0xc3, len);
	for (i = 0; i < len; i++)
		if (p[i] != 0xc3)
			ret = -EPROTO;
	if (munmap(p, len)) {
		ret = -errno;
		c->map2 = p;
	}
	return ret;
}

static int call_sync(struct sweep_ctx *c)
{
	struct dma_buf_sync s = {
		.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
	};
	int ret;

	ret = xioctl(c->buf, DMA_BUF_IOCTL_SYNC, &s);
	if (ret)
		return ret;
	((unsigned char *)c->map)[1] = 0xa5;
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	return xioctl(c->buf, DMA_BUF_IOCTL_SYNC, &s);
}

/* ------------------------------------------------------------------ */

#define OP(_kind, _cmd, _setup, _call, ...) { \
	.name = #_cmd, .kind = _kind, .cmd = SYSMEM_IOC_##_cmd, \
	.setup = _setup, .call = _call, __VA_ARGS__ }
#define VARIANT(_kind, _cmd, _what, _setup, _call, ...) { \
	.name = #_cmd " (" _what ")", .kind = _kind, \
	.cmd = SYSMEM_IOC_##_cmd, .setup = _setup, .call = _call, __VA_ARGS__ }

static const struct sweep_op sweep[] = {
	{ .name = "open /dev/sysmem", .kind = DEV, .setup = setup_none,
	  .call = call_open },
	OP(DEV, GET_VERSION, setup_none, call_get_version),
	OP(DEV, ALLOC_TOKEN, setup_none, call_alloc_token),
	OP(DEV, ALLOC_NONSHARED, setup_none, call_alloc_nonshared),
	OP(DEV, BIND, setup_token, call_bind),
	OP(DEV, BUFFER_INFO, setup_exported, call_buffer_info),
	OP(DEV, SET_DEBUG_INFO, setup_none, call_dev_debug_info),

	OP(TOKEN, NODE_RELEASE, setup_token, call_release),
	OP(TOKEN, NODE_SET_NAME, setup_token, call_set_name),
	OP(TOKEN, NODE_SET_DEBUG_INFO, setup_token, call_node_debug_info),
	OP(TOKEN, NODE_GET_COLLECTION_ID, setup_token, call_get_id),
	OP(TOKEN, NODE_ATTACH_NODE_TRACKING, setup_token, call_node_tracking),
	OP(TOKEN, NODE_GET_REF, setup_token, call_get_ref),
	OP(TOKEN, NODE_IS_ALTERNATE_FOR, setup_alternates, call_is_alternate),
	OP(TOKEN, NODE_SET_WEAK, setup_token, call_set_weak),
	OP(TOKEN, NODE_SET_WEAK_OK, setup_token, call_set_weak_ok),
	OP(TOKEN, NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE, setup_token,
	   call_set_deadline),
	OP(TOKEN, NODE_SET_MAX_TOTAL_BYTES, setup_token, call_set_max_total),
	OP(TOKEN, TOKEN_DUPLICATE, setup_token, call_duplicate),
	OP(TOKEN, TOKEN_DUPLICATE_MANY, setup_token, call_duplicate_many),
	VARIANT(TOKEN, TOKEN_DUPLICATE_MANY, "six fds", setup_token,
		call_duplicate_six),
	VARIANT(TOKEN, TOKEN_DUPLICATE_MANY, "nine fds", setup_token,
		call_duplicate_nine),
	OP(TOKEN, TOKEN_SET_DISPENSABLE, setup_dup, call_set_dispensable),
	OP(TOKEN, TOKEN_CREATE_GROUP, setup_token, call_create_group),

	OP(GROUP, NODE_RELEASE, setup_group, call_release),
	OP(GROUP, NODE_SET_NAME, setup_group, call_set_name),
	OP(GROUP, NODE_SET_DEBUG_INFO, setup_group, call_node_debug_info),
	OP(GROUP, NODE_GET_COLLECTION_ID, setup_group, call_get_id),
	OP(GROUP, NODE_ATTACH_NODE_TRACKING, setup_group, call_node_tracking),
	OP(GROUP, NODE_GET_REF, setup_group, call_get_ref),
	OP(GROUP, NODE_IS_ALTERNATE_FOR, setup_alternates_group,
	   call_is_alternate),
	OP(GROUP, NODE_SET_WEAK, setup_group, call_set_weak),
	OP(GROUP, NODE_SET_WEAK_OK, setup_group, call_set_weak_ok),
	OP(GROUP, NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE, setup_group,
	   call_set_deadline),
	OP(GROUP, NODE_SET_MAX_TOTAL_BYTES, setup_group, call_set_max_total),
	OP(GROUP, GROUP_CREATE_CHILD, setup_group, call_create_child),
	OP(GROUP, GROUP_CREATE_CHILDREN, setup_group, call_create_children),
	OP(GROUP, GROUP_ALL_CHILDREN_PRESENT, setup_group_children,
	   call_all_children_present),

	OP(COLL, NODE_RELEASE, setup_coll, call_release),
	OP(COLL, NODE_SET_NAME, setup_coll, call_set_name),
	VARIANT(COLL, NODE_SET_NAME, "buffers exported", setup_exported,
		call_set_name),
	OP(COLL, NODE_SET_DEBUG_INFO, setup_coll, call_node_debug_info),
	OP(COLL, NODE_GET_COLLECTION_ID, setup_coll, call_get_id),
	OP(COLL, NODE_ATTACH_NODE_TRACKING, setup_coll, call_node_tracking),
	OP(COLL, NODE_GET_REF, setup_coll, call_get_ref),
	OP(COLL, NODE_IS_ALTERNATE_FOR, setup_alternates_coll,
	   call_is_alternate),
	OP(COLL, NODE_SET_WEAK, setup_coll, call_set_weak),
	OP(COLL, NODE_SET_WEAK_OK, setup_coll, call_set_weak_ok),
	OP(COLL, NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE, setup_coll,
	   call_set_deadline),
	OP(COLL, NODE_SET_MAX_TOTAL_BYTES, setup_coll, call_set_max_total),
	OP(COLL, SET_CONSTRAINTS, setup_coll, call_set_constraints,
	   .allocates = true),
	VARIANT(COLL, SET_CONSTRAINTS, "image formats", setup_coll,
		call_set_constraints_image, .allocates = true),
	VARIANT(COLL, SET_CONSTRAINTS, "contiguous", setup_coll,
		call_set_constraints_contig, .allocates = true),
	VARIANT(COLL, SET_CONSTRAINTS, "last of two, permitted heaps",
		setup_two, call_set_constraints_heaps, .allocates = true),
	VARIANT(COLL, SET_CONSTRAINTS, "group negotiation",
		setup_group_negotiation, call_set_constraints_one,
		.allocates = true),
	VARIANT(COLL, SET_CONSTRAINTS, "attached token", setup_attached,
		call_set_constraints_reader, .allocates = true),
	/* Only heaps no cgroup sees count against the payer's limits. */
	VARIANT(COLL, SET_CONSTRAINTS, "limited payer, contiguous", setup_coll,
		call_set_constraints_contig, .allocates = true,
		.limited = true),
	OP(COLL, WAIT, setup_allocated, call_wait),
	OP(COLL, CHECK, setup_allocated, call_check),
	OP(COLL, GET_RESULT, setup_allocated, call_get_result),
	VARIANT(COLL, GET_RESULT, "weak", setup_weak, call_get_weak_result),
	OP(COLL, ATTACH_LIFETIME_TRACKING, setup_allocated,
	   call_lifetime_tracking),
	OP(COLL, ATTACH_TOKEN, setup_allocated, call_attach_token),

	{ .name = "mmap", .kind = DMABUF, .setup = setup_mapped,
	  .call = call_mmap },
	{ .name = "DMA_BUF_IOCTL_SYNC", .kind = DMABUF,
	  .cmd = DMA_BUF_IOCTL_SYNC, .setup = setup_mapped,
	  .call = call_sync },
};

#define NR_OPS	((int)ARRAY_SIZE(sweep))

__attribute__((constructor)) static void shared_counts(void)
{
	int i;

	counts = mmap(NULL, NR_OPS * sizeof(*counts),
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (counts == MAP_FAILED)
		abort();
	memset(counts, 0, NR_OPS * sizeof(*counts));
	for (i = 0; i < NR_OPS; i++)
		counts[i].injected = -1;
}

/* ------------------------------------------------------------------ */

/* Release every node (quieter than closing without release), close. */
static void ctx_close(struct sweep_ctx *c)
{
	int i;

	if (c->map)
		munmap(c->map, c->map_len);
	if (c->map2)
		munmap(c->map2, c->map_len);
	c->map = NULL;
	c->map2 = NULL;
	for (i = 0; i < MAX_FDS; i++) {
		if (c->fd[i] >= 0)
			ioctl(c->fd[i], SYSMEM_IOC_NODE_RELEASE);
		if (c->out[i] >= 0)
			ioctl(c->out[i], SYSMEM_IOC_NODE_RELEASE);
	}
	close_fds(c->out, MAX_FDS);
	close_fds(c->fd, MAX_FDS);
	c->nr_out = 0;
	c->buf = -1;
	c->coll = -1;
}

static __u32 coll_state(int fd, __u32 *reason)
{
	__u32 state = 0xdead;

	*reason = 0xdead;
	if (sysmem_check(fd, &state, reason))
		return 0xdead;
	return state;
}

/*
 * Sweep one entry: nth = 1, 2, ... until the call gets through without
 * the injected failure, counting what each injected failure gave.
 */
static void sweep_one(struct __test_metadata *_metadata, int nth,
		      const struct sweep_op *op, bool long_mode,
		      const struct sysmem_heap_stats *base,
		      struct sweep_counts *cnt)
{
	struct sweep_ctx c = { .long_mode = long_mode, .buf = -1, .coll = -1 };
	struct sysmem_heap_stats hs;
	struct sysmem_objects o;
	int n, ret, probe, before, i;
	bool hit = true, failed;
	__u32 st, reason;

	memset(cnt, 0, sizeof(*cnt));
	for (i = 0; i < MAX_FDS; i++) {
		c.fd[i] = -1;
		c.out[i] = -1;
	}
	c.dev = sysmem_open();
	ASSERT_LE(0, c.dev);
	for (n = 1; hit && n < MAX_NTH; n++) {
		before = next_fd();
		op->setup(_metadata, &c);
		probe = next_fd();
		fail_nth_arm(nth, n);
		ret = op->call(&c);
		hit = fail_nth_disarm(nth);
		cnt->injected += hit;
		failed = ret;
		ASSERT_TRUE(!ret || ret == -ENOMEM)
			TH_LOG("%s nth %d: %s", op->name, n, strerror(-ret));
		if (ret) {
			cnt->enomem++;
			ASSERT_TRUE(hit) TH_LOG("%s nth %d: ENOMEM without injection",
						op->name, n);
			/* All or nothing: no fd appeared. */
			ASSERT_EQ(probe, next_fd()) TH_LOG("%s nth %d", op->name, n);
			if (!op->no_retry) {
				/* Nothing happened: the call works now. */
				ret = op->call(&c);
				ASSERT_EQ(0, ret) TH_LOG("%s nth %d: retry: %s",
							 op->name, n,
							 strerror(-ret));
			}
		}
		if (op->allocates) {
			if (!ret)
				sysmem_wait(c.coll, WAIT_NS);
			st = coll_state(c.coll, &reason);
			if (st == SYSMEM_STATE_FAILED) {
				failed = true;
				cnt->coll_failed++;
				/* Only an injected failure fails it, readably. */
				ASSERT_TRUE(hit) TH_LOG("%s nth %d", op->name, n);
				ASSERT_EQ(SYSMEM_FAIL_NO_MEMORY, reason)
					TH_LOG("%s nth %d: %s", op->name, n,
					       sysmem_fail_str(reason));
			} else {
				ASSERT_EQ(SYSMEM_STATE_ALLOCATED, st)
					TH_LOG("%s nth %d", op->name, n);
			}
		}
		cnt->absorbed += hit && !failed;
		ctx_close(&c);
		/* No fd the sweep does not know of, failed call or not. */
		ASSERT_EQ(before, next_fd()) TH_LOG("%s nth %d", op->name, n);
		/*
		 * Nothing of sysmem may outlive its fds (left: collections,
		 * nodes, buffers, trackers, tracking fds).
		 */
		ret = sysmem_objects_settle(SETTLE_MS, &o);
		ASSERT_EQ(0, ret)
			TH_LOG("%s nth %d: left %lld %lld %lld %lld %lld",
			       op->name, n, o.collections, o.nodes, o.buffers,
			       o.trackers, o.tracking_fds);
		ASSERT_EQ(0, sysmem_heap_settle_bytes("system", base[0].buffers,
						      base[0].bytes, SETTLE_MS,
						      &hs))
			TH_LOG("%s nth %d: system heap %llu bytes", op->name, n,
			       hs.bytes);
		ASSERT_EQ(0, sysmem_heap_settle_bytes("contiguous",
						      base[1].buffers,
						      base[1].bytes, SETTLE_MS,
						      &hs))
			TH_LOG("%s nth %d: contiguous heap %llu bytes",
			       op->name, n, hs.bytes);
	}
	close(c.dev);
	ASSERT_LT(n, MAX_NTH) TH_LOG("%s: still failing at nth %d", op->name, n);
}

/*
 * Sweep the entries of @kind; for collections, @negotiate picks either
 * the SET_CONSTRAINTS entries (the longest) or the others; @limited
 * picks the entries of a limited payer or the others.
 */
static void sweep_kind(struct __test_metadata *_metadata, enum kind kind,
		       bool negotiate, bool limited)
{
	struct sysmem_heap_stats base[2];
	struct sysmem_objects o;
	bool long_mode = getenv("SYSMEM_FAILNTH_LONG");
	int nth, i;

	nth = fail_nth_open();
	if (nth == -ENOENT)
		SKIP(return, "kernel without failslab or fail-nth");
	ASSERT_LE(0, nth);
	if (sysmem_read_objects(&o))
		SKIP(return, "no sysmem debugfs objects file");
	ASSERT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o))
		TH_LOG("sysmem objects live before the sweep");
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &base[0]));
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &base[1]));
	for (i = 0; i < NR_OPS; i++) {
		bool negotiates = sweep[i].cmd == SYSMEM_IOC_SET_CONSTRAINTS;

		if (sweep[i].kind != kind || negotiates != negotiate ||
		    sweep[i].limited != limited)
			continue;
		sweep_one(_metadata, nth, &sweep[i], long_mode, base,
			  &counts[i]);
		TH_LOG("%s on %s: %d failures injected", sweep[i].name,
		       kind_names[kind], counts[i].injected);
	}
	fail_nth_close(nth);
}

/*
 * Which ioctls a kind of sysmem file knows, asked of the running module:
 * known[nr] gets the direction bits + 1 of the one direction of @nr that
 * does not give ENOTTY (0: none).  Runs in a child, since the calls run
 * their handlers with zeroed arguments (fds made, nodes released).
 */
static int probe_kind(enum kind kind, unsigned char *known)
{
	unsigned char arg[IOC_ANY_SIZE];
	int pipefd[2], status, nr, dir;
	pid_t pid;

	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int dev = sysmem_open(), t, fd = -1;
		unsigned char k[256] = { 0 };

		for (nr = 0; nr < 256; nr++) {
			for (dir = 0; dir < 4; dir++) {
				unsigned long cmd;

				if (fd < 0) {
					/* A fresh file for each known ioctl. */
					t = sysmem_alloc_token(dev);
					fd = kind == DEV ? dev :
					     kind == TOKEN ? t :
					     kind == GROUP ? sysmem_create_group(t) :
					     sysmem_alloc_nonshared(dev);
					if (fd < 0)
						_exit(2);
				}
				memset(arg, 0, sizeof(arg));
				cmd = _IOC(dir, SYSMEM_IOC_MAGIC, nr,
					   dir ? IOC_ANY_SIZE : 0);
				if (!ioctl(fd, cmd, arg) || errno != ENOTTY) {
					k[nr] = dir + 1;
					fd = -1;
				}
			}
		}
		_exit(write(pipefd[1], k, sizeof(k)) == sizeof(k) ? 0 : 3);
	}
	close(pipefd[1]);
	if (read(pipefd[0], known, 256) != 256)
		memset(known, 0xff, 256);
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -ECHILD;
	return 0;
}

/*
 * The sweep covers every ioctl each kind of file knows, and nothing
 * else: an ioctl added to a table in drivers/sysmem without a sweep
 * entry fails here.
 */
TEST(coverage)
{
	unsigned char known[256], want[256];
	int kind, nr, i, total = 0;
	struct sysmem_objects o;

	for (kind = DEV; kind <= COLL; kind++) {
		memset(want, 0, sizeof(want));
		for (i = 0; i < NR_OPS; i++)
			if (sweep[i].kind == kind && sweep[i].cmd)
				want[_IOC_NR(sweep[i].cmd)] =
					_IOC_DIR(sweep[i].cmd) + 1;
		ASSERT_EQ(0, probe_kind(kind, known));
		for (nr = 0; nr < 256; nr++) {
			EXPECT_EQ(want[nr], known[nr])
				TH_LOG("%s ioctl 0x%02x: module dir %d, sweep %d (-1: none)",
				       kind_names[kind], nr, known[nr] - 1,
				       want[nr] - 1);
			total += !!known[nr];
		}
	}
	/* 6 device, 11 node on each of 3 kinds, 4 token, 3 group, 6 collection. */
	TH_LOG("%d ioctls known to the module, all in the sweep", total);
	EXPECT_EQ(6 + 3 * 11 + 4 + 3 + 6, total);
	if (!sysmem_read_objects(&o))
		EXPECT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o));
}

/* No setup: the tests skip themselves; the fixture gives timeouts. */
FIXTURE(failnth) {
	int unused;
};

FIXTURE_SETUP(failnth)
{
}

FIXTURE_TEARDOWN(failnth)
{
}

/* Generous: each takes a few seconds; SYSMEM_FAILNTH_LONG more. */
#define SWEEP_TIMEOUT	300

TEST_F_TIMEOUT(failnth, device, SWEEP_TIMEOUT)
{
	sweep_kind(_metadata, DEV, false, false);
}

TEST_F_TIMEOUT(failnth, token, SWEEP_TIMEOUT)
{
	sweep_kind(_metadata, TOKEN, false, false);
}

TEST_F_TIMEOUT(failnth, group, SWEEP_TIMEOUT)
{
	sweep_kind(_metadata, GROUP, false, false);
}

TEST_F_TIMEOUT(failnth, collection, SWEEP_TIMEOUT)
{
	sweep_kind(_metadata, COLL, false, false);
}

TEST_F_TIMEOUT(failnth, set_constraints, SWEEP_TIMEOUT)
{
	sweep_kind(_metadata, COLL, true, false);
}

TEST_F_TIMEOUT(failnth, dmabuf, SWEEP_TIMEOUT)
{
	sweep_kind(_metadata, DMABUF, false, false);
}

/* Drop CAP_IPC_LOCK from the effective set; 0 or -errno. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

/*
 * A payer without CAP_IPC_LOCK and with a locked-memory limit counts
 * the buffers of a heap no cgroup sees (the contiguous heap) against
 * its user's entry, made at its first count (sysmem_payer_charge()):
 * the sweep fails that allocation too, which must fail the collection
 * with SYSMEM_FAIL_NO_MEMORY and leave nothing counted or held.  Each
 * such entry takes more failures than its unlimited twin (same call,
 * run by the test set_constraints with the capability), the user
 * entry's allocation among them.
 */
TEST_F_TIMEOUT(failnth, limited_payer, SWEEP_TIMEOUT)
{
	struct rlimit lim = { .rlim_cur = 64 << 20, .rlim_max = 64 << 20 };
	int i, j;

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
	ASSERT_EQ(0, drop_ipc_lock());
	sweep_kind(_metadata, COLL, true, true);
	for (i = 0; i < NR_OPS; i++) {
		if (!sweep[i].limited || counts[i].injected < 0)
			continue;
		for (j = 0; j < NR_OPS; j++)
			if (!sweep[j].limited && sweep[j].kind == sweep[i].kind &&
			    sweep[j].call == sweep[i].call &&
			    sweep[j].setup == sweep[i].setup)
				break;
		ASSERT_LT(j, NR_OPS);
		if (counts[j].injected < 0)
			continue;	/* its twin was not swept */
		EXPECT_LT(counts[j].injected, counts[i].injected)
			TH_LOG("%s: %d failures injected, %d for %s",
			       sweep[i].name, counts[i].injected,
			       counts[j].injected, sweep[j].name);
	}
}

/*
 * The failures each entry took and what they gave ("# " lines): ENOMEM
 * from the call, a collection failed with SYSMEM_FAIL_NO_MEMORY, or
 * absorbed (an optional allocation, such as a dma-buf's new name).
 */
TEST_F(failnth, summary)
{
	int i, total = 0, swept = 0;
	struct sweep_counts all = { 0 };

	ksft_print_msg("%-10s %-48s %8s %6s %6s %8s\n", "file", "call",
		       "injected", "ENOMEM", "failed", "absorbed");
	for (i = 0; i < NR_OPS; i++) {
		const struct sweep_counts *k = &counts[i];

		if (k->injected < 0) {
			ksft_print_msg("%-10s %-48s not swept\n",
				       kind_names[sweep[i].kind], sweep[i].name);
			continue;
		}
		ksft_print_msg("%-10s %-48s %8d %6d %6d %8d\n",
			       kind_names[sweep[i].kind], sweep[i].name,
			       k->injected, k->enomem, k->coll_failed,
			       k->absorbed);
		all.injected += k->injected;
		all.enomem += k->enomem;
		all.coll_failed += k->coll_failed;
		all.absorbed += k->absorbed;
		swept++;
	}
	total = all.injected;
	ksft_print_msg("fail-nth sweep: %d of %d swept, %d injected in all\n",
		       swept, NR_OPS, total);
	ksft_print_msg("%-10s %-48s %8d %6d %6d %8d\n", "all", "", total,
		       all.enomem, all.coll_failed, all.absorbed);
	if (!swept)
		SKIP(return, "nothing swept (no fault injection here)");
}

TEST_HARNESS_MAIN
