// SPDX-License-Identifier: GPL-2.0
/*
 * A syscall-level fuzzer of the sysmem ioctls.
 *
 * Every kind of fd a process can hold (/dev/sysmem, tokens, collections,
 * groups, node refs, node and lifetime tracking fds, close-weak fds,
 * sysmem dma-bufs, a dma-buf of another exporter, a pipe, /dev/null, a
 * memfd) gets ioctl numbers in sysmem's range and outside it, the real
 * numbers with wrong direction or size bits, hostile argument structures
 * (reserved fields and unknown flags set, oversized counts, overflowing
 * sizes, a non-zero tail beyond the kernel's structure) and bad pointers
 * (NULL, low, PROT_NONE, read-only for output, kernel and non-canonical
 * addresses, a structure straddling the end of a mapping).
 *
 * Outcomes are checked against Documentation/sysmem/uapi.rst: ENOTTY for
 * a number the fd does not take or the wrong direction, EFAULT for an
 * argument the kernel cannot read (or write back), E2BIG for a non-zero
 * unknown tail, EINVAL for reserved fields, EBADF/EINVAL/ENOENT for the
 * wrong fd where a sysmem fd is expected, and otherwise one of the errnos
 * the ioctl documents.  "documented_errors" walks these cases one by one;
 * "random" runs threads sharing the fd table for a few seconds in epochs,
 * each thread on fds of its own (checked) and on anybody's fds (wild,
 * unchecked), closing and recreating fds as it goes; after each epoch
 * every fd is closed and sysmem's objects and the heaps must be back at
 * their baseline.
 *
 * Options (before the harness's own): --seed N, --seconds N,
 * --iterations N (per thread and epoch), --threads N; or the environment
 * variables SYSMEM_FUZZ_SEED, SYSMEM_FUZZ_SECONDS, SYSMEM_FUZZ_ITERATIONS,
 * SYSMEM_FUZZ_THREADS.  With --threads 1 a seed replays exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

/* Defaults sized for the debug kernel under TCG. */
#define FZ_SECONDS	20
#define FZ_THREADS	4
#define FZ_EPOCH_MS	1500
#define XRGB8888	((__u32)'X' | 'R' << 8 | '2' << 16 | '4' << 24)
/* Room for the largest size an ioctl number can encode. */
#define FZ_ARG_MAX	(_IOC_SIZEMASK + 1)
/* Room for SYSMEM_MAX_IMAGE_FORMATS image entries, and more. */
#define FZ_INNER_SIZE	(64 * 1024)

static unsigned long long fz_seed;
static unsigned int fz_seconds = FZ_SECONDS;
static unsigned long fz_iterations;
static unsigned int fz_threads = FZ_THREADS;

/* Kinds of fd. */
enum {
	K_DEV, K_TOKEN, K_COLL, K_GROUP, K_REF, K_NODE_TRACK, K_LIFE_TRACK,
	K_CLOSE_WEAK, K_DMABUF, K_WEAK_DMABUF, K_FOREIGN, K_PIPE, K_NULL,
	K_MEMFD, NR_KINDS
};

static const char * const kind_name[NR_KINDS] = {
	"dev", "token", "collection", "group", "node-ref", "node-tracking",
	"lifetime-tracking", "close-weak", "dma-buf", "weak-dma-buf",
	"foreign-dma-buf", "pipe", "null", "memfd",
};

#define KB(k)		(1U << (k))
#define NODE_KINDS	(KB(K_TOKEN) | KB(K_COLL) | KB(K_GROUP))

/* Argument pointers. */
enum {
	P_GOOD, P_RO, P_NULL, P_LOW, P_NONE, P_KERNEL, P_NONCANON, P_STRADDLE,
	NR_PTRS
};

static const char * const ptr_name[NR_PTRS] = {
	"good", "read-only", "NULL", "low", "PROT_NONE", "kernel",
	"non-canonical", "straddling",
};

/* Sets of outcomes: bit 0 is success, bit e the errno e. */
#define errset		unsigned __int128
#define ES(e)		((errset)1 << (e))
#define ES_OK		ES(0)
/* What any node ioctl may answer besides its own errors. */
#define ES_COMMON	(ES(EINVAL) | ES(ESTALE) | ES(ENOMEM) | ES(EMFILE) | \
			 ES(EFAULT))

struct fz_thread;

/*
 * One sysmem ioctl.  @fill writes a random argument of @ksize bytes (with
 * only readable inner pointers when @clean) and may narrow the expected
 * outcome of a call whose argument is otherwise fine; @rsv lists the
 * reserved fields and flags (offset, size, bits allowed) a caller must
 * leave zero (each a __u32).
 */
struct fz_rsv {
	unsigned short used, off;
	unsigned int valid;
};

struct fz_ioctl {
	const char *name;
	unsigned int cmd;
	unsigned int kinds;
	errset errs;
	void (*fill)(struct fz_thread *t, void *arg, bool clean,
		     errset *expect);
	struct fz_rsv rsv[3];
};

/* The process-wide memory the pointers point to. */
static char *fz_none;		/* PROT_NONE */
static char *fz_ro;		/* read-only zeros, FZ_ARG_MAX bytes */
/*
 * The devices foreign dma-bufs come from, opened once below the fds the
 * wild calls aim at (-1: none).  Opened anew for each dma-buf, a device
 * would sit in the wild range for a moment, and another thread's wild
 * call could reach it: a random DMA_HEAP_IOCTL_ALLOC of up to 2^40
 * bytes, which the kernel's own heap grants until the guest meets the
 * OOM killer (seen once on 6.1, seed 169755055070).
 */
static int fz_heap_dev = -1;
static int fz_udmabuf_dev = -1;

struct fz_slot {
	int fd;
	int kind;
};

struct fz_thread {
	pthread_t thread;
	unsigned int id;
	unsigned long long rng;
	int dev;			/* private, to create the others */
	struct fz_slot slot[NR_KINDS];
	char *arg;			/* FZ_ARG_MAX bytes, read-write */
	char *inner;			/* inner arrays, read-write */
	/*
	 * The end of a read-write page followed by a PROT_NONE one, for
	 * straddling pointers; zeroed before each call, since the kernel
	 * may write there before it faults.
	 */
	char *edge;
	unsigned long calls, checked, failures;
	unsigned long long deadline_ns;
	unsigned long iterations;
	int max_fd;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long long rnd(struct fz_thread *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 2685821657736338717ULL;
}

static unsigned int rnd_below(struct fz_thread *t, unsigned int n)
{
	return n ? (unsigned int)(rnd(t) % n) : 0;
}

static bool one_in(struct fz_thread *t, unsigned int n)
{
	return !rnd_below(t, n);
}

/* Boundary values of a 32-bit count. */
static __u32 rnd_count(struct fz_thread *t)
{
	static const __u32 v[] = { 0, 1, 2, 3, 63, 64, 65, 127, 128, 129,
				   0x7fffffff, 0x80000000, 0xffffffff };

	if (one_in(t, 4))
		return (__u32)rnd(t);
	return v[rnd_below(t, ARRAY_SIZE(v))];
}

/* Byte sizes: small, or too big for any heap (never a real burden). */
static __u64 rnd_size(struct fz_thread *t)
{
	static const __u64 v[] = { 0, 1, 4095, 4096, 4097, 65536,
				   1ULL << 40, 1ULL << 63, ~0ULL - 4095,
				   ~0ULL };

	return v[rnd_below(t, ARRAY_SIZE(v))];
}

/* The address of a pointer of kind @p for @len bytes. */
static unsigned long long ptr_of(struct fz_thread *t, int p, char *good,
				 size_t len)
{
	switch (p) {
	case P_GOOD:
		return (unsigned long)good;
	case P_RO:
		return (unsigned long)fz_ro;
	case P_NULL:
		return 0;
	case P_LOW:
		return 0x10;
	case P_NONE:
		return (unsigned long)fz_none;
	case P_KERNEL:
		return 0xffff888000000000ULL;
	case P_NONCANON:
		return 0x8000000000000000ULL;
	default:
		/*
		 * At least the last byte lies beyond the mapping, the first
		 * in its last page (zeros).
		 */
		if (len > 4096)
			len = 4096;
		return (unsigned long)t->edge -
		       (len > 1 ? 1 + rnd_below(t, len - 1) : 0);
	}
}

/* An inner user pointer for @len bytes: mostly good unless @clean. */
static __u64 inner_ptr(struct fz_thread *t, bool clean, size_t len)
{
	if (clean || !one_in(t, 3))
		return (unsigned long)t->inner;
	return ptr_of(t, 1 + rnd_below(t, NR_PTRS - 1), t->inner, len);
}

/* An fd of this thread's, of a random kind, or an fd that is not open. */
static int pick_fd(struct fz_thread *t, int *kind)
{
	int k = rnd_below(t, NR_KINDS + 1);

	if (k == NR_KINDS || t->slot[k].fd < 0) {
		*kind = -1;
		return one_in(t, 2) ? -1 : 1000000;
	}
	*kind = k;
	return t->slot[k].fd;
}

static void fill_random(struct fz_thread *t, void *arg, size_t len)
{
	unsigned char *p = arg;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = rnd(t);
}

static void fill_none(struct fz_thread *t, void *arg, bool clean,
		      errset *expect)
{
}

static void fill_new_node(struct fz_thread *t, void *arg, bool clean,
			  errset *expect)
{
	struct sysmem_new_node *nn = arg;

	nn->flags = one_in(t, 8) ? (__u32)rnd(t) : 0;
	nn->fd = (__s32)rnd(t);
}

static void fill_bind(struct fz_thread *t, void *arg, bool clean,
		      errset *expect)
{
	struct sysmem_bind *b = arg;
	int kind;

	b->token_fd = pick_fd(t, &kind);
	b->collection_fd = (__s32)rnd(t);
	if (one_in(t, 8)) {
		b->flags = (__u32)rnd(t);
		return;
	}
	/* uapi.rst: EBADF not open, EINVAL not a token, ESTALE bound. */
	if (kind < 0)
		*expect = ES(EBADF);
	else if (kind != K_TOKEN)
		*expect = ES(EINVAL);
	else
		*expect = ES_OK | ES(ESTALE) | ES(ENOMEM) | ES(EMFILE);
}

static void fill_buffer_info(struct fz_thread *t, void *arg, bool clean,
			     errset *expect)
{
	struct sysmem_buffer_info *bi = arg;
	int kind;

	bi->dmabuf_fd = pick_fd(t, &kind);
	bi->buffer_index = (__u32)rnd(t);
	/* uapi.rst: EBADF not open, EINVAL not a dma-buf, ENOENT foreign. */
	if (kind < 0)
		*expect = ES(EBADF);
	else if (kind == K_DMABUF || kind == K_WEAK_DMABUF)
		*expect = ES_OK;
	else if (kind == K_FOREIGN)
		*expect = ES(ENOENT);
	else
		*expect = ES(EINVAL);
}

static void fill_debug_info(struct fz_thread *t, void *arg, bool clean,
			    errset *expect)
{
	struct sysmem_debug_info *d = arg;

	if (one_in(t, 4)) {
		fill_random(t, d, sizeof(*d));
		return;
	}
	snprintf(d->name, sizeof(d->name), "fuzz-%u", t->id);
	d->id = rnd(t);
}

static void fill_set_name(struct fz_thread *t, void *arg, bool clean,
			  errset *expect)
{
	struct sysmem_set_name *sn = arg;

	sn->priority = (__u32)rnd(t);
	if (one_in(t, 4)) {
		fill_random(t, sn->name, sizeof(sn->name));
		return;
	}
	if (!one_in(t, 8))
		snprintf(sn->name, sizeof(sn->name), "fuzz-%llu",
			 rnd(t) % 1000);
}

static void fill_is_alternate(struct fz_thread *t, void *arg, bool clean,
			      errset *expect)
{
	struct sysmem_is_alternate *ia = arg;
	int kind;

	ia->ref_fd = pick_fd(t, &kind);
	ia->is_alternate = (__u32)rnd(t);
	/* uapi.rst: EBADF not open, EINVAL not a node ref. */
	if (kind < 0)
		*expect = ES(EBADF);
	else if (kind != K_REF)
		*expect = ES(EINVAL);
	else
		*expect = ES_OK | ES(ENOENT) | ES(ESTALE);
}

static void fill_weak_ok(struct fz_thread *t, void *arg, bool clean,
			 errset *expect)
{
	struct sysmem_weak_ok *wo = arg;

	wo->flags = one_in(t, 8) ? (__u32)rnd(t) : rnd_below(t, 2);
}

/*
 * A bound on the collection's total buffer bytes: mostly far above what
 * the fuzzer allocates, sometimes small (the collection may then fail
 * with SYSMEM_FAIL_CONSTRAINTS), sometimes 0; uapi.rst: EINVAL for 0,
 * EBUSY once the collection is no longer pending.
 */
static void fill_max_total(struct fz_thread *t, void *arg, bool clean,
			   errset *expect)
{
	struct sysmem_max_total *mt = arg;

	*expect = 0;
	mt->max_total_bytes = 1ULL << 40;
	if (clean || !one_in(t, 4))
		return;
	if (one_in(t, 2)) {
		mt->max_total_bytes = 0;
		*expect = ES(EINVAL);
	} else {
		mt->max_total_bytes = 1 + rnd_below(t, 1 << 20);
	}
}

/*
 * A stall log deadline: ahead, none, or already past (a collection still
 * pending logs its line once, rate-limited); uapi.rst: EINVAL when
 * negative.
 */
static void fill_debug_timeout(struct fz_thread *t, void *arg, bool clean,
			       errset *expect)
{
	struct sysmem_debug_timeout *dt = arg;
	struct timespec ts;

	*expect = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dt->deadline_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (clean || !one_in(t, 4)) {
		dt->deadline_ns += 1000000LL * (1 + rnd_below(t, 5000));
		return;
	}
	switch (rnd_below(t, 3)) {
	case 0:
		dt->deadline_ns = SYSMEM_DEADLINE_NONE;
		break;
	case 1:
		dt->deadline_ns -= rnd_below(t, 1000000);
		break;
	default:
		dt->deadline_ns = -1 - (__s64)rnd_below(t, 1000000);
		*expect = ES(EINVAL);
		break;
	}
}

static void fill_duplicate(struct fz_thread *t, void *arg, bool clean,
			   errset *expect)
{
	struct sysmem_duplicate *d = arg;

	d->rights_mask = one_in(t, 2) ? SYSMEM_RIGHTS_SAME : (__u32)rnd(t);
	d->fd = (__s32)rnd(t);
}

static void fill_duplicate_many(struct fz_thread *t, void *arg, bool clean,
				errset *expect)
{
	struct sysmem_duplicate_many *dm = arg;
	__u32 *masks = (__u32 *)t->inner;
	unsigned int i;

	dm->count = one_in(t, 2) ? 1 + rnd_below(t, 4) : rnd_count(t);
	for (i = 0; i < SYSMEM_MAX_DUPLICATES; i++)
		masks[i] = one_in(t, 16) ? 0 : SYSMEM_RIGHTS_SAME;
	dm->rights_masks = inner_ptr(t, clean, 4 * SYSMEM_MAX_DUPLICATES);
	/* The fds go to the second half of the inner buffer. */
	dm->fds = clean || !one_in(t, 3) ?
		  (unsigned long)(t->inner + 4096) :
		  ptr_of(t, 1 + rnd_below(t, NR_PTRS - 1), t->inner, 256);
}

static void fill_constraints(struct fz_thread *t, void *arg, bool clean,
			     errset *expect)
{
	struct sysmem_buffer_constraints *c = arg;
	struct sysmem_heap_name *heaps = (void *)t->inner;
	unsigned int i;

	if (one_in(t, 8)) {
		fill_random(t, c, sizeof(*c));
		c->heaps = inner_ptr(t, true, 0);
		c->image_formats = inner_ptr(t, true, 0);
		c->min_size_bytes = rnd_size(t);
		c->max_buffer_count = rnd_below(t, 8);
		c->min_buffer_count_for_camping = rnd_below(t, 8);
		return;
	}
	c->usage = one_in(t, 8) ? rnd(t) : USAGE_RW;
	c->flags = rnd(t) & SYSMEM_CONSTRAINTS_FLAGS_ALL &
		   ~SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	c->min_buffer_count_for_camping = rnd_below(t, 3);
	c->min_buffer_count = one_in(t, 4) ? rnd_count(t) : 1;
	c->max_buffer_count = rnd_count(t);
	c->min_size_bytes = one_in(t, 2) ? 4096 : rnd_size(t);
	c->max_size_bytes = rnd_size(t);
	c->coherency_domains = rnd_below(t, 8);
	/* Big sizes only with few buffers: the heap refuses them anyway. */
	if (c->min_size_bytes > 65536 && c->min_buffer_count > 8)
		c->min_buffer_count = 8;
	c->heap_count = one_in(t, 2) ? 1 : rnd_count(t);
	memset(heaps, 0, 2 * sizeof(*heaps));
	strcpy(heaps[0].name, one_in(t, 2) ? "system" : "nope");
	if (one_in(t, 8))
		memset(heaps[0].name, 'x', sizeof(heaps[0].name));
	c->heaps = inner_ptr(t, clean, sizeof(*heaps));
	if (c->heap_count > 1 && c->heap_count <= SYSMEM_MAX_HEAPS)
		for (i = 1; i < c->heap_count; i++)
			strcpy(heaps[i].name, "system");
	/* Image entries: garbage or none; never a real allocation. */
	c->image_format_count = one_in(t, 4) ? rnd_count(t) : 0;
	c->image_formats = inner_ptr(t, clean, 0);
}

static void fill_wait(struct fz_thread *t, void *arg, bool clean,
		      errset *expect)
{
	struct sysmem_wait *w = arg;

	/* Never block: 0 to 2 ms, whatever the caller's size keeps. */
	w->timeout_ns = rnd_below(t, 2000000);
}

static void fill_result(struct fz_thread *t, void *arg, bool clean,
			errset *expect)
{
	struct sysmem_result *r = arg;

	r->settings = clean || !one_in(t, 3) ? (unsigned long)t->inner :
		      ptr_of(t, 1 + rnd_below(t, NR_PTRS - 1), t->inner, 256);
	r->settings_size = one_in(t, 2) ? sizeof(struct sysmem_buffer_settings) :
			   rnd_count(t) & 0x3fff;
	if (r->settings_size > 4096)
		r->settings = (unsigned long)t->inner;
	r->fd_capacity = one_in(t, 2) ? 8 : rnd_count(t) & 0x3ff;
	r->fds = clean || !one_in(t, 3) ? (unsigned long)(t->inner + 8192) :
		 ptr_of(t, 1 + rnd_below(t, NR_PTRS - 1), t->inner, 64);
	r->close_weak_fds = one_in(t, 3) ? 0 :
			    (unsigned long)(t->inner + 12288);
	r->buffer_count = (__u32)rnd(t);
}

static void fill_lifetime(struct fz_thread *t, void *arg, bool clean,
			  errset *expect)
{
	struct sysmem_lifetime_tracking *lt = arg;

	lt->buffers_remaining = rnd_count(t);
}

#define RSV(type, field, ok)					\
	{ .used = 1, .off = offsetof(struct type, field), .valid = (ok) }

/* One table entry: the ioctl, its fd kinds, errnos, filler, reserved. */
#define IOC(_name, _kinds, _errs, _fill, ...)				\
	{ .name = #_name, .cmd = SYSMEM_IOC_##_name, .kinds = (_kinds),	\
	  .errs = (_errs), .fill = (_fill), .rsv = { __VA_ARGS__ } }

static const struct fz_ioctl fz_ioctls[] = {
	IOC(GET_VERSION, KB(K_DEV), 0, fill_none),
	IOC(ALLOC_TOKEN, KB(K_DEV), 0, fill_new_node,
	    RSV(sysmem_new_node, flags, 0)),
	IOC(ALLOC_NONSHARED, KB(K_DEV), 0, fill_new_node,
	    RSV(sysmem_new_node, flags, 0)),
	IOC(BIND, KB(K_DEV), ES(EBADF) | ES(ESTALE) | ES(ENOSPC), fill_bind,
	    RSV(sysmem_bind, flags, 0), RSV(sysmem_bind, reserved, 0)),
	IOC(BUFFER_INFO, KB(K_DEV), ES(EBADF) | ES(ENOENT), fill_buffer_info),
	IOC(SET_DEBUG_INFO, KB(K_DEV), 0, fill_debug_info),
	IOC(NODE_RELEASE, NODE_KINDS, 0, fill_none),
	IOC(NODE_SET_NAME, NODE_KINDS, 0, fill_set_name,
	    RSV(sysmem_set_name, reserved, 0)),
	IOC(NODE_SET_DEBUG_INFO, NODE_KINDS, 0, fill_debug_info),
	IOC(NODE_GET_COLLECTION_ID, NODE_KINDS, 0, fill_none),
	IOC(NODE_ATTACH_NODE_TRACKING, NODE_KINDS, ES(ENOSPC), fill_new_node,
	    RSV(sysmem_new_node, flags, 0)),
	IOC(NODE_GET_REF, NODE_KINDS, 0, fill_new_node,
	    RSV(sysmem_new_node, flags, 0)),
	IOC(NODE_IS_ALTERNATE_FOR, NODE_KINDS, ES(EBADF) | ES(ENOENT),
	    fill_is_alternate, RSV(sysmem_is_alternate, flags, 0),
	    RSV(sysmem_is_alternate, reserved, 0)),
	IOC(NODE_SET_WEAK, NODE_KINDS, ES(EBUSY), fill_none),
	IOC(NODE_SET_WEAK_OK, NODE_KINDS, ES(EBUSY), fill_weak_ok,
	    RSV(sysmem_weak_ok, flags, SYSMEM_WEAK_OK_FOR_CHILDREN),
	    RSV(sysmem_weak_ok, reserved, 0)),
	/* The high word of deadline_ns: its sign bit is EINVAL too. */
	IOC(NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE, NODE_KINDS, 0,
	    fill_debug_timeout,
	    { .used = 1, .valid = 0x7fffffffU,
	      .off = offsetof(struct sysmem_debug_timeout, deadline_ns) + 4 },
	    RSV(sysmem_debug_timeout, flags, 0),
	    RSV(sysmem_debug_timeout, reserved, 0)),
	IOC(NODE_SET_MAX_TOTAL_BYTES, NODE_KINDS, ES(EBUSY), fill_max_total,
	    RSV(sysmem_max_total, flags, 0),
	    RSV(sysmem_max_total, reserved, 0)),
	IOC(TOKEN_DUPLICATE, KB(K_TOKEN), ES(ENOSPC), fill_duplicate,
	    RSV(sysmem_duplicate, flags, 0),
	    RSV(sysmem_duplicate, reserved, 0)),
	IOC(TOKEN_DUPLICATE_MANY, KB(K_TOKEN), ES(ENOSPC), fill_duplicate_many,
	    RSV(sysmem_duplicate_many, flags, 0)),
	IOC(TOKEN_SET_DISPENSABLE, KB(K_TOKEN), 0, fill_none),
	IOC(TOKEN_CREATE_GROUP, KB(K_TOKEN), ES(ENOSPC), fill_new_node,
	    RSV(sysmem_new_node, flags, 0)),
	IOC(GROUP_CREATE_CHILD, KB(K_GROUP), ES(EALREADY) | ES(ENOSPC),
	    fill_duplicate,
	    RSV(sysmem_duplicate, flags, 0),
	    RSV(sysmem_duplicate, reserved, 0)),
	IOC(GROUP_CREATE_CHILDREN, KB(K_GROUP), ES(EALREADY) | ES(ENOSPC),
	    fill_duplicate_many, RSV(sysmem_duplicate_many, flags, 0)),
	IOC(GROUP_ALL_CHILDREN_PRESENT, KB(K_GROUP), ES(EALREADY), fill_none),
	IOC(SET_CONSTRAINTS, KB(K_COLL), ES(EALREADY) | ES(EIO),
	    fill_constraints,
	    RSV(sysmem_buffer_constraints, flags, SYSMEM_CONSTRAINTS_FLAGS_ALL),
	    RSV(sysmem_buffer_constraints, reserved, 0)),
	IOC(WAIT, KB(K_COLL), ES(EIO) | ES(ETIMEDOUT) | ES(EINTR) | ES(EPERM),
	    fill_wait),
	IOC(CHECK, KB(K_COLL), 0, fill_none),
	IOC(GET_RESULT, KB(K_COLL),
	    ES(EAGAIN) | ES(EIO) | ES(ENOSPC) | ES(EPERM), fill_result,
	    RSV(sysmem_result, flags, 0), RSV(sysmem_result, reserved, 0),
	    RSV(sysmem_result, reserved2, 0)),
	IOC(ATTACH_LIFETIME_TRACKING, KB(K_COLL), ES(ENOSPC), fill_lifetime,
	    RSV(sysmem_lifetime_tracking, flags, 0),
	    RSV(sysmem_lifetime_tracking, reserved, 0)),
	IOC(ATTACH_TOKEN, KB(K_COLL), ES(EIO) | ES(EPERM) | ES(ENOSPC),
	    fill_duplicate,
	    RSV(sysmem_duplicate, flags, 0),
	    RSV(sysmem_duplicate, reserved, 0)),
};

#define NR_IOCTLS	ARRAY_SIZE(fz_ioctls)

/* The ioctl fd kind @kind takes under number @nr, or NULL. */
static const struct fz_ioctl *lookup(int kind, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < NR_IOCTLS; i++)
		if (_IOC_NR(fz_ioctls[i].cmd) == nr &&
		    (fz_ioctls[i].kinds & KB(kind)))
			return &fz_ioctls[i];
	return NULL;
}

/*
 * Ioctl type bytes the VFS handles itself for every file (FIOCLEX,
 * FIONBIO, FIFREEZE, FICLONE, FS_IOC_*, FIGETBSZ, ...): never sent, a
 * freeze of a superblock is no test of sysmem.
 */
static bool vfs_type(unsigned int type)
{
	return type == 0 || type == 'T' || type == 'X' || type == 'f' ||
	       type == 0x94 || type == 0x15;
}

/* A random command of another subsystem, VFS types excluded. */
static unsigned int foreign_cmd(struct fz_thread *t, int kind)
{
	unsigned int cmd, type;

	for (;;) {
		cmd = (unsigned int)rnd(t);
		type = _IOC_TYPE(cmd);
		if (vfs_type(type) || type == SYSMEM_IOC_MAGIC)
			continue;
		/* The dma-buf and pipe ioctls of those files. */
		if (type == 'b' || type == 'W')
			continue;
		return cmd;
	}
}

static bool fz_blocking(unsigned int cmd)
{
	return _IOC_TYPE(cmd) == SYSMEM_IOC_MAGIC &&
	       _IOC_NR(cmd) == _IOC_NR(SYSMEM_IOC_WAIT);
}

/* Create the fd of kind @k in slot @k; -1 where the kernel lacks it. */
static int make_kind(struct fz_thread *t, int k)
{
	struct sysmem_buffer_constraints c;
	int fds[2] = { -1, -1 };
	int tok, dup, coll, ret = -1;

	switch (k) {
	case K_DEV:
		return sysmem_open();
	case K_TOKEN:
		return sysmem_alloc_token(t->dev);
	case K_COLL:
		if (one_in(t, 2)) {
			tok = sysmem_alloc_token(t->dev);
			if (tok < 0)
				return -1;
			ret = sysmem_bind(t->dev, tok);
			close(tok);
			return ret;
		}
		ret = sysmem_alloc_nonshared(t->dev);
		if (ret >= 0 && one_in(t, 2)) {
			cons_init(&c, USAGE_RW, 1, 4096);
			sysmem_set_constraints(ret, &c);
		}
		return ret;
	case K_GROUP:
	case K_REF:
	case K_NODE_TRACK:
		tok = sysmem_alloc_token(t->dev);
		if (tok < 0)
			return -1;
		if (k == K_GROUP)
			ret = sysmem_create_group(tok);
		else if (k == K_REF)
			ret = sysmem_get_node_ref(tok);
		else
			ret = sysmem_attach_node_tracking(tok);
		close(tok);
		return ret;
	case K_LIFE_TRACK:
	case K_DMABUF:
		coll = sysmem_alloc_nonshared(t->dev);
		if (coll < 0)
			return -1;
		cons_init(&c, USAGE_RW, 1, 4096);
		if (!sysmem_set_constraints(coll, &c)) {
			if (k == K_LIFE_TRACK)
				ret = sysmem_attach_lifetime_tracking(coll, 0);
			else if (!sysmem_get_result(coll, NULL, fds, 1, NULL,
						    NULL))
				ret = fds[0];
		}
		leave(coll);
		return ret;
	case K_CLOSE_WEAK:
	case K_WEAK_DMABUF:
		/* A strong and a weak participant; the weak one's result. */
		tok = sysmem_alloc_token(t->dev);
		if (tok < 0)
			return -1;
		dup = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
		fds[0] = sysmem_bind(t->dev, tok);
		close(tok);
		if (dup >= 0 && !sysmem_set_weak(dup)) {
			fds[1] = sysmem_bind(t->dev, dup);
			sysmem_set_weak_ok(fds[1], false);
		}
		if (dup >= 0)
			close(dup);
		cons_init(&c, SYSMEM_USAGE_CPU_READ, 0, 4096);
		sysmem_set_constraints(fds[1], &c);
		cons_init(&c, USAGE_RW, 1, 4096);
		sysmem_set_constraints(fds[0], &c);
		if (!sysmem_get_weak_result(fds[1], NULL, &dup, &tok, 1, NULL,
					    NULL, NULL)) {
			ret = k == K_CLOSE_WEAK ? tok : dup;
			close(k == K_CLOSE_WEAK ? dup : tok);
		}
		leave(fds[0]);
		leave(fds[1]);
		return ret;
	case K_FOREIGN: {
		struct dma_heap_allocation_data hd = {
			.len = 4096, .fd_flags = O_RDWR | O_CLOEXEC,
		};
		struct udmabuf_create uc = { .size = 4096 };
		int mfd;

		if (fz_heap_dev >= 0 &&
		    !ioctl(fz_heap_dev, DMA_HEAP_IOCTL_ALLOC, &hd))
			return hd.fd;
		if (fz_udmabuf_dev < 0)
			return -1;
		mfd = memfd_create("fuzz-udmabuf", MFD_ALLOW_SEALING);
		if (mfd >= 0 && !ftruncate(mfd, 4096) &&
		    !fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
			uc.memfd = mfd;
			uc.flags = UDMABUF_FLAGS_CLOEXEC;
			ret = ioctl(fz_udmabuf_dev, UDMABUF_CREATE, &uc);
		}
		if (mfd >= 0)
			close(mfd);
		return ret;
	}
	case K_PIPE:
		if (pipe2(fds, O_CLOEXEC))
			return -1;
		close(fds[1]);
		return fds[0];
	case K_NULL:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	default:
		return memfd_create("fuzz", MFD_CLOEXEC);
	}
}

static void remake(struct fz_thread *t, int k)
{
	if (t->slot[k].fd >= 0)
		close(t->slot[k].fd);
	t->slot[k].fd = make_kind(t, k);
	if (t->slot[k].fd > t->max_fd)
		t->max_fd = t->slot[k].fd;
}

static const char *errname(long ret)
{
	return ret ? strerrorname_np(-ret) ?: "?" : "0";
}

/*
 * One ioctl on @fd of kind @kind (-1: anybody's fd, outcome unchecked),
 * with the outcome checked against @expect.
 */
static void fz_call(struct fz_thread *t, int fd, int kind, unsigned int cmd,
		    int ptr, int mutation, errset expect, const char *what)
{
	unsigned long long arg;
	long ret;

	arg = ptr_of(t, ptr, t->arg, _IOC_SIZE(cmd));
	memset(t->edge - 4096, 0, 4096);
	ret = ioctl(fd, cmd, (unsigned long)arg) ? -errno : 0;
	t->calls++;
	if (kind < 0)
		return;
	t->checked++;
	if (expect & ES(-ret))
		return;
	t->failures++;
	if (t->failures > 10)
		return;
	fprintf(stderr,
		"# FAIL thread %u: %s fd kind %s cmd %#x (type %#x nr %#x dir %u size %u) ptr %s mutation %d: got %s\n",
		t->id, what, kind_name[kind], cmd, _IOC_TYPE(cmd),
		_IOC_NR(cmd), _IOC_DIR(cmd), _IOC_SIZE(cmd), ptr_name[ptr],
		mutation, errname(ret));
}

/* Set a bit the ioctl does not allow in one of its reserved fields. */
static int mutate(struct fz_thread *t, const struct fz_ioctl *io,
		  unsigned int usize)
{
	const struct fz_rsv *r;
	unsigned int n, bit;
	__u32 w;

	for (n = 0; n < ARRAY_SIZE(io->rsv) && io->rsv[n].used; n++)
		;
	if (!n)
		return -1;
	r = &io->rsv[rnd_below(t, n)];
	if (r->off + 4 > usize)
		return -1;
	do
		bit = rnd_below(t, 32);
	while (r->valid & (1U << bit));
	memcpy(&w, t->arg + r->off, 4);
	w |= 1U << bit;
	memcpy(t->arg + r->off, &w, 4);
	return r - io->rsv;
}

/*
 * Where the last inner pointer of @io's structure ends (0: it has none).
 * A caller's structure cut before that end leaves a pointer zero or
 * truncated, so the kernel may fail the call with EFAULT for the array
 * it points to before it looks at the other fields (uapi.rst fixes no
 * order between them).
 */
static unsigned int ptrs_end(const struct fz_ioctl *io)
{
	switch (io->cmd) {
	case SYSMEM_IOC_SET_CONSTRAINTS:
		return offsetof(struct sysmem_buffer_constraints,
				image_formats) + sizeof(__u64);
	case SYSMEM_IOC_GET_RESULT:
		return offsetof(struct sysmem_result, close_weak_fds) +
		       sizeof(__u64);
	case SYSMEM_IOC_TOKEN_DUPLICATE_MANY:
	case SYSMEM_IOC_GROUP_CREATE_CHILDREN:
		return offsetof(struct sysmem_duplicate_many, fds) +
		       sizeof(__u64);
	default:
		return 0;
	}
}

/*
 * A checked call on one of this thread's fds: the command, its argument
 * and the outcome uapi.rst promises.
 */
static void fz_checked(struct fz_thread *t)
{
	const struct fz_ioctl *io, *any;
	unsigned int cmd, usize, ksize, dir;
	int kind, fd, ptr = P_GOOD, mutation = -1;
	errset expect, narrow = 0;
	bool tail = false;

	kind = rnd_below(t, NR_KINDS);
	fd = t->slot[kind].fd;
	if (fd < 0)
		return;
	any = &fz_ioctls[rnd_below(t, NR_IOCTLS)];
	switch (rnd_below(t, 8)) {
	case 0:		/* another subsystem's command */
		cmd = foreign_cmd(t, kind);
		memset(t->arg, 0, 256);
		fz_call(t, fd, kind, cmd, rnd_below(t, NR_PTRS), -1,
			ES(ENOTTY), "foreign");
		return;
	case 1:		/* any number of sysmem's range */
		cmd = _IOC(rnd_below(t, 4), SYSMEM_IOC_MAGIC, rnd_below(t, 256),
			   rnd_below(t, 2) ? rnd_below(t, 128) :
			   rnd_below(t, FZ_ARG_MAX));
		break;
	case 2:		/* a real number with other direction bits */
		cmd = _IOC((_IOC_DIR(any->cmd) + 1 + rnd_below(t, 3)) & 3,
			   SYSMEM_IOC_MAGIC, _IOC_NR(any->cmd),
			   _IOC_SIZE(any->cmd));
		break;
	case 3:		/* a real number with other size bits */
		cmd = _IOC(_IOC_DIR(any->cmd), SYSMEM_IOC_MAGIC,
			   _IOC_NR(any->cmd),
			   one_in(t, 2) ? rnd_below(t, FZ_ARG_MAX) :
			   _IOC_SIZE(any->cmd) + rnd_below(t, 16));
		break;
	default:	/* a real number, of this kind where it has any */
		cmd = any->cmd;
		for (io = fz_ioctls; io < fz_ioctls + NR_IOCTLS; io++)
			if ((io->kinds & KB(kind)) && one_in(t, 4))
				cmd = io->cmd;
		break;
	}
	if (fz_blocking(cmd) && _IOC_SIZE(cmd) > 8)
		cmd = SYSMEM_IOC_WAIT;

	io = lookup(kind, _IOC_NR(cmd));
	dir = _IOC_DIR(cmd);
	usize = _IOC_SIZE(cmd);
	memset(t->arg, 0, usize);
	if (one_in(t, 3))
		ptr = rnd_below(t, NR_PTRS);
	if (!io || dir != _IOC_DIR(io->cmd)) {
		/* uapi.rst: unknown number or wrong direction bits. */
		if (!io || !fz_blocking(cmd))
			fz_call(t, fd, kind, cmd, ptr, -1, ES(ENOTTY),
				"unknown");
		return;
	}
	ksize = _IOC_SIZE(io->cmd);
	io->fill(t, t->arg, one_in(t, 2), &narrow);
	if (usize > ksize && one_in(t, 4)) {
		t->arg[ksize + rnd_below(t, usize - ksize)] = 1 + rnd_below(t, 255);
		tail = true;
	} else if (one_in(t, 3)) {
		io->fill(t, t->arg, true, &narrow);
		mutation = mutate(t, io, usize < ksize ? usize : ksize);
	}
	if (fz_blocking(cmd) && ptr == P_GOOD && usize > 8)
		tail = false, memset(t->arg + 8, 0, usize - 8);

	if (!usize) {
		/* No copy either way: the pointer does not matter. */
		expect = ES_OK | ES_COMMON | io->errs;
	} else if ((dir & _IOC_WRITE) && ptr >= P_NULL) {
		/* uapi.rst: an argument the kernel cannot read. */
		expect = ES(EFAULT);
	} else if ((dir & _IOC_WRITE) && ptr == P_GOOD && tail) {
		expect = ES(E2BIG);
	} else if (ptr == P_GOOD && mutation >= 0) {
		/* uapi.rst: reserved fields and unknown flags. */
		expect = ES(EINVAL);
		if (usize < ptrs_end(io))
			expect |= ES(EFAULT);
	} else if ((dir & _IOC_READ) && ptr != P_GOOD) {
		/* Cannot be written back: never a success. */
		expect = ES(EFAULT) | ES_COMMON | io->errs;
	} else {
		expect = ES_OK | ES_COMMON | io->errs | ES(E2BIG);
		/* The fd fields lead their structures. */
		if (narrow && ptr == P_GOOD && usize >= ksize)
			expect = narrow | ES(EFAULT) | ES(ENOMEM);
	}
	/*
	 * uapi.rst: a constraints structure shorter than ABI 0.6's (which
	 * ends with max_physical_address) with image entries is EPROTO,
	 * checked before the fields are.
	 */
	if (io->cmd == SYSMEM_IOC_SET_CONSTRAINTS && ptr == P_GOOD &&
	    usize < offsetof(struct sysmem_buffer_constraints,
			     max_physical_address) + sizeof(__u64))
		expect |= ES(EPROTO);
	fz_call(t, fd, kind, cmd, ptr, mutation, expect, io->name);
}

/* An unchecked call on any fd of the process (but the harness's). */
static void fz_wild(struct fz_thread *t, int base)
{
	const struct fz_ioctl *io = &fz_ioctls[rnd_below(t, NR_IOCTLS)];
	unsigned int cmd;
	errset dummy = 0;
	int fd;

	fd = base + rnd_below(t, t->max_fd - base + 8);
	switch (rnd_below(t, 4)) {
	case 0:
		cmd = foreign_cmd(t, -1);
		if (one_in(t, 2))
			cmd = _IOC(_IOC_DIR(cmd), 'b', _IOC_NR(cmd) & 3,
				   _IOC_SIZE(cmd) & 15);
		break;
	case 1:
		cmd = _IOC(_IOC_DIR(io->cmd), SYSMEM_IOC_MAGIC,
			   _IOC_NR(io->cmd), rnd_below(t, 256));
		break;
	default:
		cmd = io->cmd;
		break;
	}
	if (fz_blocking(cmd))
		cmd = SYSMEM_IOC_WAIT;
	memset(t->arg, 0, _IOC_SIZE(cmd));
	if (_IOC_TYPE(cmd) == SYSMEM_IOC_MAGIC)
		io->fill(t, t->arg, false, &dummy);
	if (fz_blocking(cmd))
		fill_wait(t, t->arg, true, &dummy);
	else if (one_in(t, 4))
		fill_random(t, t->arg, _IOC_SIZE(cmd) < 256 ? _IOC_SIZE(cmd) : 256);
	fz_call(t, fd, -1, cmd, one_in(t, 4) ? rnd_below(t, NR_PTRS) : P_GOOD,
		-1, 0, "wild");
}

static int fz_base;

static void *fz_thread_fn(void *p)
{
	struct fz_thread *t = p;
	unsigned long i;
	int k;

	for (k = 0; k < NR_KINDS; k++)
		remake(t, k);
	for (i = 0;; i++) {
		if (t->iterations ? i >= t->iterations :
		    !(i & 15) && now_ns() > t->deadline_ns)
			break;
		switch (rnd_below(t, 32)) {
		case 0:
			remake(t, rnd_below(t, NR_KINDS));
			break;
		case 1:
		case 2:
		case 3:
			fz_wild(t, fz_base);
			break;
		default:
			fz_checked(t);
			break;
		}
	}
	return NULL;
}

static int parse_opts(int *argc, char **argv)
{
	const char *env;
	int i, j;

	fz_seed = now_ns() ^ getpid();
	env = getenv("SYSMEM_FUZZ_SEED");
	if (env)
		fz_seed = strtoull(env, NULL, 0);
	env = getenv("SYSMEM_FUZZ_SECONDS");
	if (env)
		fz_seconds = strtoul(env, NULL, 0);
	env = getenv("SYSMEM_FUZZ_ITERATIONS");
	if (env)
		fz_iterations = strtoul(env, NULL, 0);
	env = getenv("SYSMEM_FUZZ_THREADS");
	if (env)
		fz_threads = strtoul(env, NULL, 0);
	for (i = 1, j = 1; i < *argc; i++) {
		if (i + 1 < *argc && !strcmp(argv[i], "--seed"))
			fz_seed = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < *argc && !strcmp(argv[i], "--seconds"))
			fz_seconds = strtoul(argv[++i], NULL, 0);
		else if (i + 1 < *argc && !strcmp(argv[i], "--iterations"))
			fz_iterations = strtoul(argv[++i], NULL, 0);
		else if (i + 1 < *argc && !strcmp(argv[i], "--threads"))
			fz_threads = strtoul(argv[++i], NULL, 0);
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	*argc = j;
	if (!fz_threads || fz_threads > 64) {
		fprintf(stderr, "--threads: 1 to 64\n");
		return -1;
	}
	return 0;
}

static int fz_setup_memory(void)
{
	fz_none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	fz_ro = mmap(NULL, FZ_ARG_MAX, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	if (fz_none == MAP_FAILED || fz_ro == MAP_FAILED)
		return -1;
	return 0;
}

static void fz_thread_init(struct fz_thread *t, unsigned int id,
			   unsigned long long seed)
{
	unsigned int k;

	memset(t, 0, sizeof(*t));
	for (k = 0; k < NR_KINDS; k++)
		t->slot[k].fd = -1;
	t->id = id;
	t->rng = seed * 0x9e3779b97f4a7c15ULL + id + 1;
	if (!t->rng)
		t->rng = 1;
	t->arg = mmap(NULL, FZ_ARG_MAX, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t->inner = mmap(NULL, FZ_INNER_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t->edge = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->edge == MAP_FAILED || mprotect(t->edge + 4096, 4096, PROT_NONE))
		t->inner = MAP_FAILED;	/* the caller checks */
	else
		t->edge += 4096;
}

/* Every fd kind, once, for the deterministic test. */
FIXTURE(fuzz) {
	struct fz_thread t;
	struct sysmem_objects objs;
	struct sysmem_heap_stats heap;
	int base;
};

FIXTURE_SETUP(fuzz)
{
	if (fz_heap_dev < 0)
		fz_heap_dev = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (fz_udmabuf_dev < 0)
		fz_udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	self->base = next_fd();
	ASSERT_EQ(0, fz_setup_memory());
	ASSERT_EQ(0, sysmem_read_objects(&self->objs));
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &self->heap));
	fz_thread_init(&self->t, 0, fz_seed);
	ASSERT_NE(MAP_FAILED, self->t.arg);
	ASSERT_NE(MAP_FAILED, self->t.inner);
	self->t.dev = sysmem_open();
	ASSERT_LE(0, self->t.dev);
	TH_LOG("seed %llu", fz_seed);
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* Everything closed: sysmem and the system heap back where they were. */
static int fz_settled(struct __test_metadata *_metadata,
		      struct sysmem_objects *base,
		      struct sysmem_heap_stats *heap)
{
	struct sysmem_heap_stats st;
	struct sysmem_objects o;
	unsigned int waited;

	for (waited = 0;; waited += SETTLE_POLL_MS) {
		if (sysmem_read_objects(&o))
			return -1;
		if (!memcmp(&o, base, sizeof(o)))
			break;
		if (waited >= 10 * SETTLE_MS) {
			TH_LOG("left: %lld collections %lld nodes %lld buffers",
			       o.collections, o.nodes, o.buffers);
			TH_LOG("left: %lld trackers %lld tracking fds",
			       o.trackers, o.tracking_fds);
			return -1;
		}
		usleep(SETTLE_POLL_MS * 1000);
	}
	if (sysmem_heap_settle("system", heap->buffers, 10 * SETTLE_MS, &st)) {
		TH_LOG("system heap: %llu buffers, %llu at start", st.buffers,
		       heap->buffers);
		return -1;
	}
	return 0;
}

/* Check one call; an expectation of "got" must be one of @expect. */
#define EXPECT_CALL(expect, fd, cmd, arg) do { \
	errset __e = (expect); \
	unsigned int __c = (cmd); \
	long __r = ioctl((fd), __c, (arg)) ? -errno : 0; \
	if (!(__e & ES(-__r))) \
		TH_LOG("line %d: cmd %#x got %s", __LINE__, __c, \
		       errname(__r)); \
	EXPECT_TRUE(__e & ES(-__r)); \
} while (0)

/*
 * The promises of uapi.rst, one by one, on one fd of every kind: unknown
 * numbers and wrong directions, bad pointers, non-zero tails, reserved
 * fields, and wrong fds where a sysmem fd is expected.
 */
TEST_F(fuzz, documented_errors)
{
	struct fz_thread *t = &self->t;
	const struct fz_ioctl *io;
	unsigned int nr, dir, k, p, n;
	int fd, before;
	errset dummy;

	for (k = 0; k < NR_KINDS; k++) {
		remake(t, k);
		if (t->slot[k].fd < 0)
			TH_LOG("no fd of kind %s on this kernel", kind_name[k]);
	}
	ASSERT_LE(0, t->slot[K_DEV].fd);
	ASSERT_LE(0, t->slot[K_TOKEN].fd);
	ASSERT_LE(0, t->slot[K_COLL].fd);
	ASSERT_LE(0, t->slot[K_DMABUF].fd);

	/* Every number of the range, every direction, on every kind. */
	memset(t->arg, 0, 4096);
	for (k = 0; k < NR_KINDS; k++) {
		fd = t->slot[k].fd;
		if (fd < 0)
			continue;
		for (nr = 0; nr < 256; nr++) {
			io = lookup(k, nr);
			for (dir = 0; dir < 4; dir++) {
				if (io && dir == _IOC_DIR(io->cmd))
					continue;
				EXPECT_CALL(ES(ENOTTY), fd,
					    _IOC(dir, SYSMEM_IOC_MAGIC, nr, 64),
					    t->arg);
			}
		}
	}

	/*
	 * Bad pointers: EFAULT for every ioctl that reads its argument, and
	 * for the ones that only write it when they would succeed.  Nothing
	 * may be installed then.
	 */
	for (io = fz_ioctls; io < fz_ioctls + NR_IOCTLS; io++) {
		if (!_IOC_SIZE(io->cmd))
			continue;
		for (k = 0; k < NR_KINDS; k++) {
			if (!(io->kinds & KB(k)) || t->slot[k].fd < 0)
				continue;
			for (p = P_RO; p < NR_PTRS; p++) {
				if (p == P_RO && (_IOC_DIR(io->cmd) & _IOC_WRITE) &&
				    io->cmd != SYSMEM_IOC_GET_VERSION)
					continue;
				before = next_fd();
				memset(t->edge - 4096, 0, 4096);
				EXPECT_CALL(ES(EFAULT), t->slot[k].fd, io->cmd,
					    ptr_of(t, p, t->arg,
						   _IOC_SIZE(io->cmd)));
				EXPECT_EQ(before, next_fd());
			}
		}
	}
	/* Read-only output of calls that would succeed: EFAULT, no fd. */
	before = next_fd();
	EXPECT_CALL(ES(EFAULT), t->slot[K_DEV].fd, SYSMEM_IOC_ALLOC_TOKEN,
		    fz_ro);
	EXPECT_CALL(ES(EFAULT), t->slot[K_DEV].fd, SYSMEM_IOC_ALLOC_NONSHARED,
		    fz_ro);
	EXPECT_CALL(ES(EFAULT), t->slot[K_TOKEN].fd, SYSMEM_IOC_NODE_GET_REF,
		    fz_ro);
	EXPECT_CALL(ES(EFAULT), t->slot[K_COLL].fd, SYSMEM_IOC_CHECK, fz_ro);
	EXPECT_EQ(before, next_fd());

	/* A non-zero byte beyond the kernel's structure: E2BIG. */
	for (io = fz_ioctls; io < fz_ioctls + NR_IOCTLS; io++) {
		unsigned int ks = _IOC_SIZE(io->cmd);

		if (!(_IOC_DIR(io->cmd) & _IOC_WRITE))
			continue;
		for (k = 0; k < NR_KINDS; k++) {
			if (!(io->kinds & KB(k)) || t->slot[k].fd < 0)
				continue;
			memset(t->arg, 0, ks + 64);
			io->fill(t, t->arg, true, &dummy);
			t->arg[ks + rnd_below(t, 64)] = 0x80;
			before = next_fd();
			EXPECT_CALL(ES(E2BIG), t->slot[k].fd,
				    _IOC(_IOC_DIR(io->cmd), SYSMEM_IOC_MAGIC,
					 _IOC_NR(io->cmd), ks + 64), t->arg);
			EXPECT_EQ(before, next_fd());
		}
	}

	/* Every bit of every reserved field and unknown flag: EINVAL. */
	for (io = fz_ioctls; io < fz_ioctls + NR_IOCTLS; io++) {
		for (n = 0; n < ARRAY_SIZE(io->rsv) && io->rsv[n].used; n++) {
			const struct fz_rsv *r = &io->rsv[n];
			unsigned int bit;

			for (k = 0; k < NR_KINDS; k++) {
				if (!(io->kinds & KB(k)) || t->slot[k].fd < 0)
					continue;
				for (bit = 0; bit < 32; bit++) {
					__u32 w;

					if (r->valid & (1U << bit))
						continue;
					memset(t->arg, 0, 4096);
					io->fill(t, t->arg, true, &dummy);
					memcpy(&w, t->arg + r->off, 4);
					w = (w & r->valid) | (1U << bit);
					memcpy(t->arg + r->off, &w, 4);
					before = next_fd();
					EXPECT_CALL(ES(EINVAL), t->slot[k].fd,
						    io->cmd, t->arg);
					EXPECT_EQ(before, next_fd());
				}
			}
		}
	}

	/*
	 * Reserved fields inside the arrays SET_CONSTRAINTS reads: EINVAL,
	 * and nothing changes (the valid constraints are taken after).
	 */
	fd = sysmem_alloc_nonshared(t->dev);
	ASSERT_LE(0, fd);
	for (n = 0; n < 5; n++) {
		struct sysmem_buffer_constraints *c = (void *)t->arg;
		struct sysmem_image_constraints *ic = (void *)t->inner;
		struct sysmem_heap_name *h = (void *)(t->inner + 8192);

		cons_init(c, USAGE_RW, 1, 4096);
		memset(ic, 0, sizeof(*ic));
		ic->nr_formats = 1;
		ic->formats[0].format = XRGB8888;
		ic->formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
		ic->nr_color_spaces = 1;
		ic->color_spaces[0] = SYSMEM_COLOR_SPACE_SRGB;
		ic->min_size.width = 64;
		ic->min_size.height = 64;
		c->image_formats = (unsigned long)ic;
		c->image_format_count = 1;
		memset(h, 0, sizeof(*h));
		strcpy(h->name, "system");
		c->flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c->heaps = (unsigned long)h;
		c->heap_count = 1;
		if (n == 0)
			ic->formats[0].reserved = 1U << rnd_below(t, 32);
		else if (n == 1)
			ic->reserved = 1U << rnd_below(t, 32);
		else if (n == 2)
			ic->flags = SYSMEM_IMAGE_FLAGS_ALL + 1;
		else if (n == 3)
			memset(h->name, 'x', sizeof(h->name));
		EXPECT_CALL(n < 4 ? ES(EINVAL) : ES_OK, fd,
			    SYSMEM_IOC_SET_CONSTRAINTS, c);
	}
	EXPECT_EQ(0, sysmem_wait(fd, WAIT_NS));
	leave(fd);

	/* Wrong fds where a sysmem fd is expected. */
	for (k = 0; k <= NR_KINDS; k++) {
		struct sysmem_bind *b = (void *)t->arg;
		struct sysmem_buffer_info *bi = (void *)t->arg;
		struct sysmem_is_alternate *ia = (void *)t->arg;
		errset bind, info, alt;

		fd = k < NR_KINDS ? t->slot[k].fd : 1000000;
		if (fd < 0)
			continue;
		bind = k == NR_KINDS ? ES(EBADF) : ES(EINVAL);
		info = bind;
		alt = bind;
		if (k == K_DMABUF || k == K_WEAK_DMABUF)
			info = ES_OK;
		else if (k == K_FOREIGN)
			info = ES(ENOENT);
		/* The ref names a node of another collection. */
		if (k == K_REF)
			alt = ES(ENOENT);
		memset(t->arg, 0, 64);
		b->token_fd = fd;
		if (k != K_TOKEN)
			EXPECT_CALL(bind, t->slot[K_DEV].fd, SYSMEM_IOC_BIND,
				    t->arg);
		memset(t->arg, 0, 64);
		bi->dmabuf_fd = fd;
		EXPECT_CALL(info, t->slot[K_DEV].fd, SYSMEM_IOC_BUFFER_INFO,
			    t->arg);
		memset(t->arg, 0, 64);
		ia->ref_fd = fd;
		EXPECT_CALL(alt, t->slot[K_TOKEN].fd,
			    SYSMEM_IOC_NODE_IS_ALTERNATE_FOR, t->arg);
	}

	/* Another subsystem's numbers on every kind: ENOTTY. */
	for (n = 0; n < 2000; n++) {
		unsigned int cmd;

		k = rnd_below(t, NR_KINDS);
		if (t->slot[k].fd < 0)
			continue;
		cmd = foreign_cmd(t, k);
		memset(t->arg, 0, _IOC_SIZE(cmd));
		EXPECT_CALL(ES(ENOTTY), t->slot[k].fd, cmd, t->arg);
	}

	for (k = 0; k < NR_KINDS; k++)
		if (t->slot[k].fd >= 0)
			close(t->slot[k].fd);
	close(t->dev);
	close_range(self->base, ~0U, 0);
	EXPECT_EQ(0, fz_settled(_metadata, &self->objs, &self->heap));
}

/*
 * Threads sharing the fd table, each calling random ioctls on fds of its
 * own (checked) and on any fd of the process (wild), closing and
 * recreating its fds; after every epoch every fd is closed and sysmem
 * must have nothing left.
 */
TEST_F(fuzz, random)
{
	unsigned long long start = now_ns();
	unsigned long long end = start + fz_seconds * 1000000000ULL;
	unsigned long calls = 0, checked = 0, failures = 0, epochs = 0;
	struct fz_thread *th;
	unsigned int i, k;

	close(self->t.dev);
	fz_base = self->base;
	th = calloc(fz_threads, sizeof(*th));
	ASSERT_NE(NULL, th);
	do {
		unsigned long long epoch_end = now_ns() + FZ_EPOCH_MS * 1000000ULL;

		for (i = 0; i < fz_threads; i++) {
			fz_thread_init(&th[i], i, fz_seed + epochs * 1000);
			ASSERT_NE(MAP_FAILED, th[i].arg);
			ASSERT_NE(MAP_FAILED, th[i].inner);
			th[i].dev = sysmem_open();
			ASSERT_LE(0, th[i].dev);
			th[i].max_fd = th[i].dev;
			th[i].deadline_ns = epoch_end < end ? epoch_end : end;
			th[i].iterations = fz_iterations;
		}
		for (i = 0; i < fz_threads; i++)
			ASSERT_EQ(0, pthread_create(&th[i].thread, NULL,
						    fz_thread_fn, &th[i]));
		for (i = 0; i < fz_threads; i++) {
			pthread_join(th[i].thread, NULL);
			calls += th[i].calls;
			checked += th[i].checked;
			failures += th[i].failures;
			for (k = 0; k < NR_KINDS; k++)
				th[i].slot[k].fd = -1;
			munmap(th[i].arg, FZ_ARG_MAX);
			munmap(th[i].inner, FZ_INNER_SIZE);
			munmap(th[i].edge - 4096, 2 * 4096);
		}
		/* Every fd of the epoch, the leaked ones included. */
		close_range(self->base, ~0U, 0);
		epochs++;
		ASSERT_EQ(0, fz_settled(_metadata, &self->objs, &self->heap))
			TH_LOG("after epoch %lu (seed %llu)", epochs, fz_seed);
	} while (fz_iterations ? false : now_ns() < end);
	free(th);
	ksft_print_msg("seed %llu: %lu epochs in %llu s, %u threads\n",
		       fz_seed, epochs, (now_ns() - start) / 1000000000ULL,
		       fz_threads);
	ksft_print_msg("%lu ioctls, %lu checked, %lu failed\n", calls,
		       checked, failures);
	EXPECT_EQ(0, failures);
}

/*
 * Random image constraints can ask for buffers of most of the guest's
 * RAM, which the heaps grant to root in the root cgroup; the other
 * lane's allocations and the kernel's own then meet the OOM killer (seen
 * once on 6.12, seed 137503449938).  The fuzzer checks the ioctls, not
 * memory exhaustion (sysmem_payer_test and sysmem_kmem_test do), so the
 * built-in heaps are capped for the run and the caps put back after.
 */
#define HEAP_CAP_PARAM	"/sys/module/sysmem/parameters/heap_max_bytes"
#define HEAP_CAPS	"system=128M,contiguous=128M"

static char fz_caps_before[512];

/*
 * At exit of the harness's process (the tests' children _exit()): put
 * the caps back.  A write of nothing would not reach the parameter, so
 * "\n" stands for none.
 */
static void fz_caps_restore(void)
{
	if (write_file(HEAP_CAP_PARAM,
		       fz_caps_before[0] ? fz_caps_before : "\n"))
		ksft_print_msg("cannot put the heap caps back: %s\n",
			       fz_caps_before);
}

int main(int argc, char **argv)
{
	struct rlimit rl;

	if (parse_opts(&argc, argv))
		return KSFT_FAIL;
	ksft_print_msg("seed %llu\n", fz_seed);
	/* The harness's alarms: the run time asked for, and slack. */
	_fuzz_random_object.timeout = fz_seconds + 120;
	_fuzz_documented_errors_object.timeout = 300;
	/* Room for the fds the wild calls leak within an epoch. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 65536) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!read_file(HEAP_CAP_PARAM, fz_caps_before, sizeof(fz_caps_before)) &&
	    !write_file(HEAP_CAP_PARAM, HEAP_CAPS))
		atexit(fz_caps_restore);
	else
		ksft_print_msg("heaps not capped (%s): large requests may drain memory\n",
			       HEAP_CAP_PARAM);
	return test_harness_run(argc, argv);
}
