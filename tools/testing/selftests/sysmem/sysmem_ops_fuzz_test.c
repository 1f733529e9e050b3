// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem random operations fuzzer.
 *
 * A few forked workers, each with its own /dev/sysmem fd and its own
 * table of fds (tokens, collections, groups, node refs, tracking fds,
 * dma-bufs, close-weak fds), choose among every operation of the uapi
 * at random, mostly valid ones so that collections do get allocated,
 * and pass tokens to each other over unix sockets.  Each worker keeps
 * a model of what it knows about its own fds (live or not, constraints
 * set, weak, the last state seen...) and checks every result against
 * the outcomes Documentation/sysmem/uapi.rst allows from that
 * knowledge.  What other workers do is unknown, so where it matters
 * (a collection failing because a remote participant closed its node)
 * every documented outcome is accepted, and states only have to move
 * forward (pending, then allocated, then possibly failed).
 *
 * At the end every fd is closed in every process: sysmem's debugfs
 * objects file must be back to zero and every heap back to its
 * baseline.  The VM runner checks kmemleak and the kernel log after.
 *
 * Options (before the harness's own; environment variables in
 * brackets): --seed N [SYSMEM_FUZZ_SEED], --ops N operations per
 * worker [SYSMEM_FUZZ_OPS], --seconds N [SYSMEM_FUZZ_SECONDS].  The
 * seed is printed at start ("# seed N"); each worker derives its own
 * PRNG from it, so a run replays with the same --seed and --ops.
 * Replay is best effort: when tokens arrive from other workers, and
 * which states collections are in, depend on how the processes
 * interleave.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm/drm_fourcc.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define NR_WORKERS	3
#define MAX_H		48	/* fds a worker keeps in its table */
#define MAX_FDS		SYSMEM_MAX_BUFFERS
#define NR_ERRNO	134	/* errno values counted; 0 is success */
#define MAX_REPORTS	20	/* violations printed per worker */
#define MAX_HEAPS_SEEN	16

/* The default budget: bounded for make check on a TCG debug guest. */
#define DEFAULT_OPS	8000	/* per worker: about 13 to 25 s there */
#define DEFAULT_SECONDS	30	/* at most, whatever the op count */

enum op {
	OP_ALLOC_TOKEN, OP_ALLOC_NONSHARED, OP_DUP, OP_DUP_MANY, OP_BIND,
	OP_CREATE_GROUP, OP_CHILD, OP_CHILDREN, OP_ALL_PRESENT,
	OP_DISPENSABLE, OP_SET_WEAK, OP_SET_WEAK_OK, OP_CONSTRAINTS,
	OP_BAD_CONSTRAINTS, OP_ATTACH, OP_LIFETIME, OP_NODE_TRACKING,
	OP_NODE_REF, OP_IS_ALTERNATE, OP_WAIT, OP_CHECK, OP_POLL,
	OP_RESULT, OP_WEAK_RESULT, OP_MMAP, OP_SYNC, OP_BUFFER_INFO,
	OP_SET_NAME, OP_DEBUG_INFO, OP_COLL_ID, OP_RELEASE, OP_CLOSE,
	OP_SEND, OP_RECV, OP_WRONG_KIND, OP_BAD_ARGS, OP_RESET,
	OP_STALL_DEADLINE,
	NR_OPS
};

static const char * const op_names[NR_OPS] = {
	[OP_ALLOC_TOKEN] = "alloc_token",
	[OP_ALLOC_NONSHARED] = "alloc_nonshared",
	[OP_DUP] = "duplicate",
	[OP_DUP_MANY] = "duplicate_many",
	[OP_BIND] = "bind",
	[OP_CREATE_GROUP] = "create_group",
	[OP_CHILD] = "group_create_child",
	[OP_CHILDREN] = "group_create_children",
	[OP_ALL_PRESENT] = "group_all_children_present",
	[OP_DISPENSABLE] = "set_dispensable",
	[OP_SET_WEAK] = "set_weak",
	[OP_SET_WEAK_OK] = "set_weak_ok",
	[OP_CONSTRAINTS] = "set_constraints",
	[OP_BAD_CONSTRAINTS] = "set_constraints_invalid",
	[OP_ATTACH] = "attach_token",
	[OP_LIFETIME] = "lifetime_tracking",
	[OP_NODE_TRACKING] = "node_tracking",
	[OP_NODE_REF] = "node_ref",
	[OP_IS_ALTERNATE] = "is_alternate_for",
	[OP_WAIT] = "wait",
	[OP_CHECK] = "check",
	[OP_POLL] = "poll",
	[OP_RESULT] = "get_result",
	[OP_WEAK_RESULT] = "get_weak_result",
	[OP_MMAP] = "mmap",
	[OP_SYNC] = "dma_buf_sync",
	[OP_BUFFER_INFO] = "buffer_info",
	[OP_SET_NAME] = "set_name",
	[OP_DEBUG_INFO] = "set_debug_info",
	[OP_COLL_ID] = "get_collection_id",
	[OP_RELEASE] = "release",
	[OP_CLOSE] = "close",
	[OP_SEND] = "send_token",
	[OP_RECV] = "recv_token",
	[OP_WRONG_KIND] = "wrong_kind_ioctl",
	[OP_BAD_ARGS] = "invalid_args",
	[OP_RESET] = "close_all",
	[OP_STALL_DEADLINE] = "set_debug_timeout_log_deadline",
};

/* Relative frequencies: mostly the steps that lead to an allocation. */
static unsigned char op_weights[NR_OPS] = {
	[OP_ALLOC_TOKEN] = 6, [OP_ALLOC_NONSHARED] = 3, [OP_DUP] = 6,
	[OP_DUP_MANY] = 2, [OP_BIND] = 14, [OP_CREATE_GROUP] = 2,
	[OP_CHILD] = 2, [OP_CHILDREN] = 1, [OP_ALL_PRESENT] = 3,
	[OP_DISPENSABLE] = 2, [OP_SET_WEAK] = 1, [OP_SET_WEAK_OK] = 2,
	[OP_CONSTRAINTS] = 14, [OP_BAD_CONSTRAINTS] = 2, [OP_ATTACH] = 2,
	[OP_LIFETIME] = 1, [OP_NODE_TRACKING] = 1, [OP_NODE_REF] = 1,
	[OP_IS_ALTERNATE] = 2, [OP_WAIT] = 4, [OP_CHECK] = 4, [OP_POLL] = 3,
	[OP_RESULT] = 6, [OP_WEAK_RESULT] = 2, [OP_MMAP] = 3, [OP_SYNC] = 2,
	[OP_BUFFER_INFO] = 2, [OP_SET_NAME] = 1, [OP_DEBUG_INFO] = 1,
	[OP_COLL_ID] = 1, [OP_RELEASE] = 6, [OP_CLOSE] = 3, [OP_SEND] = 4,
	[OP_RECV] = 5, [OP_WRONG_KIND] = 1, [OP_BAD_ARGS] = 1, [OP_RESET] = 1,
	[OP_STALL_DEADLINE] = 1,
};

enum kind {
	H_FREE, H_TOKEN, H_COLL, H_GROUP, H_REF, H_TRACK, H_DMABUF,
	H_CLOSEWEAK,
};

#define KIND(k)		(1U << (k))
#define NODE_KINDS	(KIND(H_TOKEN) | KIND(H_COLL) | KIND(H_GROUP))
#define ANY_KIND	(~KIND(H_FREE))

#define ST_UNKNOWN	(-1)

/* What a worker knows about one of its fds. */
struct handle {
	enum kind kind;
	int fd;
	unsigned int nid;	/* node: names the node, kept across bind */
	__u64 coll_id;		/* 0: not known */
	/* nodes */
	bool live;		/* not released, not bound */
	bool remote;		/* received from another worker */
	bool attached;		/* in an attached subtree */
	bool weak, weak_ok, weak_ok_children, waited;
	int ntrack;		/* tracking fds made through it, -1 unknown */
	__u32 rights;		/* 0: not known */
	unsigned int group;	/* nid of the group it is a child of */
	/* groups */
	bool all_present;
	unsigned int nchildren;
	/* collections */
	bool cons;
	bool fresh;		/* nobody else could have written the buffers */
	int state;		/* last SYSMEM_STATE_* seen, or ST_UNKNOWN */
	__u64 usage, min_size, max_size;
	__u32 min_count, max_count;
	bool image;
	/* node refs and node tracking fds: the node named */
	unsigned int ref_nid;
	/* dma-bufs */
	__u32 index, domain;
	int writable;		/* -1: not known */
	size_t size;
	void *map;
	size_t map_len;
	bool map_writable;
	bool weak_buf;
};

/* Counters shared by every worker (an anonymous shared mapping). */
struct fuzz_shared {
	unsigned long long count[NR_OPS][NR_ERRNO + 1];
	unsigned long long allocated;	/* results checked */
	unsigned long long buffers;	/* dma-bufs checked */
	unsigned long long alternates;	/* is_alternate_for said yes */
	int violations;
	int done;
};

struct worker {
	int id;
	__u64 rng;
	int dev;
	int sock_out, sock_in;
	unsigned long opno;
	unsigned int next_nid;
	int reports;
	enum op op;		/* the op running, for reports */
	struct handle h[MAX_H];
	struct fuzz_shared *sh;
};

static unsigned long long opt_seed;
static char opt_skip[256];		/* --skip: ops left out */
static unsigned long opt_ops = DEFAULT_OPS;
static unsigned int opt_seconds = DEFAULT_SECONDS;

static __u64 splitmix64(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xorshift64*: one stream per worker. */
static __u64 rnd64(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return n ? (unsigned int)((rnd64(w) >> 32) % n) : 0;
}

/* True one time in @n. */
static bool one_in(struct worker *w, unsigned int n)
{
	return rnd(w, n) == 0;
}

static const char *kind_name(enum kind k)
{
	static const char * const names[] = {
		"free", "token", "collection", "group", "node-ref",
		"tracking", "dma-buf", "close-weak",
	};

	return names[k];
}

static void violation(struct worker *w, const struct handle *h,
		      const char *fmt, ...)
{
	char msg[256], what[128] = "";
	va_list ap;

	__atomic_fetch_add(&w->sh->violations, 1, __ATOMIC_RELAXED);
	if (w->reports++ >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (h)
		snprintf(what, sizeof(what), " on %s nid %u (%s%s%s%s state %d)",
			 kind_name(h->kind), h->nid,
			 h->live ? "live" : "not live",
			 h->remote ? " remote" : "", h->cons ? " cons" : "",
			 h->weak ? " weak" : "", h->state);
	printf("# VIOLATION seed %llu worker %d op %lu %s%s: %s\n", opt_seed,
	       w->id, w->opno, op_names[w->op], what, msg);
	fflush(stdout);
}

#define END_OF_LIST	INT_MIN

/*
 * Count @ret under the running op and check that it is one of the
 * outcomes listed (0 for success; errnos negative; the list ends with
 * END_OF_LIST).  A non-negative @ret (a new fd) counts as success.
 */
static bool outcome(struct worker *w, const struct handle *h, int ret,
		    const int *allowed)
{
	unsigned int slot;
	int i;

	if (ret > 0)
		ret = 0;
	slot = -ret < NR_ERRNO ? -ret : NR_ERRNO;
	__atomic_fetch_add(&w->sh->count[w->op][slot], 1, __ATOMIC_RELAXED);
	for (i = 0; allowed[i] != END_OF_LIST; i++)
		if (allowed[i] == ret)
			return true;
	violation(w, h, "unexpected result %d (%s)", ret,
		  ret ? strerror(-ret) : "success");
	return false;
}

#define OUTCOME(w, h, ret, ...) \
	outcome((w), (h), (ret), (const int[]){ __VA_ARGS__, END_OF_LIST })

/* Any node's ioctl: ESTALE unless live. */
static bool expect_live(struct worker *w, const struct handle *h, int ret,
			const int *allowed)
{
	static const int stale[] = { -ESTALE, END_OF_LIST };

	return outcome(w, h, ret, h->live ? allowed : stale);
}

#define EXPECT_LIVE(w, h, ret, ...) \
	expect_live((w), (h), (ret), \
		    (const int[]){ __VA_ARGS__, END_OF_LIST })

/*
 * A call that makes a node: ENOSPC at the collection's node bound
 * (SYSMEM_MAX_NODES) comes before any other check on the node, and what
 * other workers hold of the collection is unknown.
 */
#define EXPECT_NEW_NODE(w, h, ret, ...) \
	((ret) == -ENOSPC ? OUTCOME((w), (h), (ret), -ENOSPC) : \
	 EXPECT_LIVE((w), (h), (ret), __VA_ARGS__))

static bool is_node(const struct handle *h)
{
	return h->kind == H_TOKEN || h->kind == H_COLL || h->kind == H_GROUP;
}

/*
 * A random handle of one of @kinds, or -1; with @live, only live
 * nodes (handles that are no nodes always qualify).
 */
static int pick(struct worker *w, unsigned int kinds, bool live)
{
	int idx[MAX_H], n = 0, i;

	for (i = 0; i < MAX_H; i++) {
		const struct handle *h = &w->h[i];

		if (!(kinds & KIND(h->kind)))
			continue;
		if (live && is_node(h) && !h->live)
			continue;
		idx[n++] = i;
	}
	return n ? idx[rnd(w, n)] : -1;
}

/* Mostly live nodes; now and then any, to see ESTALE. */
static int pick_node(struct worker *w, unsigned int kinds)
{
	return pick(w, kinds, !one_in(w, 8));
}

static void unmap(struct handle *h)
{
	if (h->map) {
		munmap(h->map, h->map_len);
		h->map = NULL;
	}
}

/* Close a handle; a live node is released first when @release. */
static void drop(struct worker *w, struct handle *h, bool release)
{
	if (h->kind == H_FREE)
		return;
	if (is_node(h) && h->live && release) {
		enum op op = w->op;
		int ret = sysmem_release(h->fd);

		w->op = OP_RELEASE;
		OUTCOME(w, h, ret, 0);
		w->op = op;
	}
	unmap(h);
	close(h->fd);
	memset(h, 0, sizeof(*h));
	h->kind = H_FREE;
	h->fd = -1;
}

static int free_slots(struct worker *w)
{
	int i, n = 0;

	for (i = 0; i < MAX_H; i++)
		n += w->h[i].kind == H_FREE;
	return n;
}

/* A free slot, made by closing a random handle if needed. */
static struct handle *slot(struct worker *w)
{
	int i;

	for (i = 0; i < MAX_H; i++)
		if (w->h[i].kind == H_FREE)
			return &w->h[i];
	i = rnd(w, MAX_H);
	drop(w, &w->h[i], !one_in(w, 4));
	return &w->h[i];
}

/* Make room for @n new handles. */
static void make_room(struct worker *w, int n)
{
	while (free_slots(w) < n)
		drop(w, &w->h[rnd(w, MAX_H)], !one_in(w, 4));
}

static void new_node(struct worker *w, struct handle *h, enum kind kind,
		     int fd)
{
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->fd = fd;
	h->nid = ++w->next_nid;
	h->live = true;
	h->state = ST_UNKNOWN;
	h->writable = -1;
}

/* A child node of @parent (duplicate, group child, attach token). */
static void new_child(struct worker *w, struct handle *h, enum kind kind,
		      int fd, const struct handle *parent, __u32 mask)
{
	new_node(w, h, kind, fd);
	h->coll_id = parent->coll_id;
	h->rights = parent->rights ? (parent->rights & mask) : 0;
	h->weak = parent->weak;
	h->weak_ok = parent->weak_ok_children;
	h->weak_ok_children = parent->weak_ok_children;
	h->attached = parent->attached || parent->kind == H_COLL;
	if (parent->kind == H_GROUP)
		h->group = parent->nid;
}

static __u32 random_mask(struct worker *w)
{
	static const __u32 masks[] = {
		SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_ALL,
		SYSMEM_RIGHT_READ, SYSMEM_RIGHT_WRITE, 0x100 | SYSMEM_RIGHT_READ,
	};

	return masks[rnd(w, ARRAY_SIZE(masks))];
}

static void learn_id(struct worker *w, struct handle *h)
{
	__u64 id = 0;
	enum op op = w->op;
	int ret;

	w->op = OP_COLL_ID;
	ret = sysmem_get_collection_id(h->fd, &id);
	if (OUTCOME(w, h, ret, 0)) {
		if (!id)
			violation(w, h, "collection id 0");
		else if (h->coll_id && h->coll_id != id)
			violation(w, h, "collection id %llu, was %llu",
				  (unsigned long long)id,
				  (unsigned long long)h->coll_id);
		h->coll_id = id;
	}
	w->op = op;
}

/* Record a state seen; states only move forward. */
static void see_state(struct worker *w, struct handle *h, int state)
{
	if (h->state == SYSMEM_STATE_FAILED && state != SYSMEM_STATE_FAILED)
		violation(w, h, "state %d after FAILED", state);
	else if (h->state == SYSMEM_STATE_ALLOCATED &&
		 state == SYSMEM_STATE_PENDING)
		violation(w, h, "PENDING after ALLOCATED");
	if (h->kind == H_COLL && h->live && !h->cons &&
	    state == SYSMEM_STATE_ALLOCATED)
		violation(w, h, "ALLOCATED though it set no constraints");
	if (state > h->state)
		h->state = state;
}

/* --- node creation --- */

static void op_alloc_token(struct worker *w)
{
	struct handle *h = slot(w);
	int fd = sysmem_alloc_token(w->dev);

	if (!OUTCOME(w, NULL, fd, 0) || fd < 0)
		return;
	new_node(w, h, H_TOKEN, fd);
	h->rights = SYSMEM_RIGHTS_ALL;
	h->ntrack = 0;
	learn_id(w, h);
}

static void fill_constraints(struct worker *w, struct handle *h,
			     struct sysmem_buffer_constraints *c,
			     struct sysmem_heap_name *heap,
			     struct sysmem_image_constraints *ic);

static int set_constraints(struct worker *w, struct handle *h);

static void op_alloc_nonshared(struct worker *w)
{
	struct handle *h = slot(w);
	int fd = sysmem_alloc_nonshared(w->dev);

	if (!OUTCOME(w, NULL, fd, 0) || fd < 0)
		return;
	new_node(w, h, H_COLL, fd);
	h->rights = SYSMEM_RIGHTS_ALL;
	h->fresh = true;
	h->ntrack = 0;
	learn_id(w, h);
	/* Usually set constraints at once: it allocates then. */
	if (!one_in(w, 4)) {
		w->op = OP_CONSTRAINTS;
		set_constraints(w, h);
	}
}

static void op_dup(struct worker *w)
{
	int i = pick_node(w, KIND(H_TOKEN)), ret;
	__u32 mask = one_in(w, 16) ? 0 : random_mask(w);
	struct handle *p, *h;

	if (i < 0)
		return op_alloc_token(w);
	h = slot(w);
	p = &w->h[i];
	if (p->kind != H_TOKEN)
		return;
	ret = sysmem_duplicate(p->fd, mask);
	if (!mask)
		OUTCOME(w, p, ret, -EINVAL);
	else
		EXPECT_NEW_NODE(w, p, ret, 0);
	if (ret < 0)
		return;
	new_child(w, h, H_TOKEN, ret, p, mask);
	h->ntrack = 0;
}

static void add_children(struct worker *w, struct handle *p, const int *fds,
			 const __u32 *masks, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct handle *h = slot(w);

		new_child(w, h, H_TOKEN, fds[i], p, masks[i]);
		h->ntrack = 0;
	}
}

static void op_dup_many(struct worker *w)
{
	int i = pick_node(w, KIND(H_TOKEN)), ret, fds[4];
	unsigned int n = 1 + rnd(w, 3), k;
	__u32 masks[4];
	struct handle *p;

	if (i < 0)
		return;
	make_room(w, n);
	p = &w->h[i];
	if (p->kind != H_TOKEN)
		return;
	for (k = 0; k < n; k++)
		masks[k] = random_mask(w);
	ret = sysmem_duplicate_many(p->fd, masks, fds, n);
	EXPECT_NEW_NODE(w, p, ret, 0);
	if (!ret)
		add_children(w, p, fds, masks, n);
}

static void op_bind(struct worker *w)
{
	int i = pick_node(w, KIND(H_TOKEN)), fd;
	struct handle *t, *h;

	if (i < 0)
		return;
	h = slot(w);
	t = &w->h[i];
	if (t->kind != H_TOKEN)
		return;
	fd = sysmem_bind(w->dev, t->fd);
	EXPECT_NEW_NODE(w, t, fd, 0);
	if (fd < 0)
		return;
	/* The collection node takes the token's place. */
	*h = *t;
	h->kind = H_COLL;
	h->fd = fd;
	t->live = false;
	if (one_in(w, 2))
		drop(w, t, false);
	/* A received token's collection: learn what it is part of. */
	if (!h->coll_id || one_in(w, 8))
		learn_id(w, h);
}

static void op_create_group(struct worker *w)
{
	int i = pick_node(w, KIND(H_TOKEN)), fd;
	struct handle *p, *h;

	if (i < 0)
		return;
	h = slot(w);
	p = &w->h[i];
	if (p->kind != H_TOKEN)
		return;
	fd = sysmem_create_group(p->fd);
	EXPECT_NEW_NODE(w, p, fd, 0);
	if (fd < 0)
		return;
	new_child(w, h, H_GROUP, fd, p, SYSMEM_RIGHTS_SAME);
	h->ntrack = 0;
}

static void op_child(struct worker *w, bool many)
{
	int i = pick_node(w, KIND(H_GROUP)), ret, fds[4];
	unsigned int n = many ? 1 + rnd(w, 3) : 1, k;
	__u32 masks[4];
	bool bad = one_in(w, 16);
	struct handle *g;

	if (i < 0)
		return;
	make_room(w, n);
	g = &w->h[i];
	if (g->kind != H_GROUP)
		return;
	for (k = 0; k < n; k++)
		masks[k] = random_mask(w);
	if (bad)
		masks[n - 1] = 0;
	if (many) {
		ret = sysmem_group_create_children(g->fd, masks, fds, n);
	} else {
		ret = sysmem_group_create_child(g->fd, masks[0]);
		if (ret >= 0) {
			fds[0] = ret;
			ret = 0;
		}
	}
	if (bad)
		OUTCOME(w, g, ret, -EINVAL);
	else if (ret == -ENOSPC)	/* the node bound, checked first */
		OUTCOME(w, g, ret, -ENOSPC);
	else if (g->live && g->all_present)
		OUTCOME(w, g, ret, -EALREADY);
	else
		EXPECT_LIVE(w, g, ret, 0);
	if (ret)
		return;
	g->nchildren += n;
	add_children(w, g, fds, masks, n);
}

static void op_all_present(struct worker *w)
{
	int i = pick_node(w, KIND(H_GROUP)), ret;
	struct handle *g;

	if (i < 0)
		return;
	g = &w->h[i];
	ret = sysmem_group_all_children_present(g->fd);
	if (!g->live)
		OUTCOME(w, g, ret, -ESTALE);
	else if (g->all_present)
		OUTCOME(w, g, ret, -EALREADY);
	else if (!g->nchildren)
		OUTCOME(w, g, ret, -EINVAL);
	else	/* children may have left the tree since */
		OUTCOME(w, g, ret, 0, -EINVAL);
	if (!ret)
		g->all_present = true;
}

static void op_attach(struct worker *w)
{
	int i = pick_node(w, KIND(H_COLL)), fd;
	__u32 mask = one_in(w, 16) ? 0 : random_mask(w);
	struct handle *p, *h;

	if (i < 0)
		return;
	h = slot(w);
	p = &w->h[i];
	if (p->kind != H_COLL)
		return;
	fd = sysmem_attach_token(p->fd, mask);
	if (!mask)
		OUTCOME(w, p, fd, -EINVAL);
	else if (fd == -ENOSPC)		/* the node bound, checked first */
		OUTCOME(w, p, fd, -ENOSPC);
	else if (!p->live)
		OUTCOME(w, p, fd, -ESTALE);
	else if (p->state == SYSMEM_STATE_FAILED)
		OUTCOME(w, p, fd, -EIO);
	else if (p->weak)
		OUTCOME(w, p, fd, -EPERM, -EIO);
	else
		OUTCOME(w, p, fd, 0, -EIO);
	if (fd == -EIO)
		see_state(w, p, SYSMEM_STATE_FAILED);
	if (fd < 0)
		return;
	p->fresh = false;
	new_child(w, h, H_TOKEN, fd, p, mask);
	h->ntrack = 0;
}

/* --- constraints --- */

static const struct {
	__u32 format, color_space;
} image_formats[] = {
	{ DRM_FORMAT_XRGB8888, SYSMEM_COLOR_SPACE_SRGB },
	{ DRM_FORMAT_ARGB8888, SYSMEM_COLOR_SPACE_SRGB },
	{ DRM_FORMAT_NV12, SYSMEM_COLOR_SPACE_REC709 },
	{ DRM_FORMAT_NV12, SYSMEM_COLOR_SPACE_REC601_NTSC },
};

static const __u64 usages[] = {
	SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE,
	SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE,
	SYSMEM_USAGE_CPU_READ,
	SYSMEM_USAGE_CPU_READ_OFTEN | SYSMEM_USAGE_CPU_WRITE_OFTEN,
	SYSMEM_USAGE_DISPLAY_LAYER,
	SYSMEM_USAGE_VULKAN_SAMPLED | SYSMEM_USAGE_VULKAN_TRANSFER_DST,
	SYSMEM_USAGE_VIDEO_DECODER,
	SYSMEM_USAGE_NONE,
};

/* Valid constraints, small sizes and counts. */
static void fill_constraints(struct worker *w, struct handle *h,
			     struct sysmem_buffer_constraints *c,
			     struct sysmem_heap_name *heap,
			     struct sysmem_image_constraints *ic)
{
	__u32 need;

	memset(c, 0, sizeof(*c));
	c->usage = usages[rnd(w, ARRAY_SIZE(usages))];
	c->min_buffer_count_for_camping = rnd(w, 3);
	c->min_buffer_count_for_dedicated_slack = one_in(w, 4);
	c->min_buffer_count_for_shared_slack = one_in(w, 4);
	c->min_buffer_count = one_in(w, 3) ? rnd(w, 4) : 0;
	c->min_size_bytes = one_in(w, 3) ? 1 + rnd(w, 5000) :
			    page_size() * (1 + rnd(w, 8));
	need = c->min_buffer_count_for_camping +
	       c->min_buffer_count_for_dedicated_slack +
	       c->min_buffer_count_for_shared_slack;
	if (c->min_buffer_count > need)
		need = c->min_buffer_count;
	if (one_in(w, 4)) {
		c->flags |= SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
		c->max_buffer_count = (need ? need : 1) + rnd(w, 3);
	}
	if (one_in(w, 8)) {
		c->flags |= SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
		c->max_size_bytes = c->min_size_bytes + rnd(w, 65536);
	}
	if (one_in(w, 8) && (c->usage & SYSMEM_USAGE_CPU_MASK)) {
		c->flags |= SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
		c->coherency_domains = one_in(w, 2) ? SYSMEM_DOMAIN_CPU :
				       SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM;
	}
	if (one_in(w, 10)) {
		/* "nowhere" fails the collection with NO_HEAP. */
		c->flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c->heap_count = 1;
		c->heaps = (uintptr_t)heap;
		memset(heap, 0, sizeof(*heap));
		strcpy(heap->name, one_in(w, 4) ? "nowhere" : "system");
	}
	if (one_in(w, 24))
		c->flags |= SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	if (one_in(w, 4)) {
		unsigned int f = rnd(w, ARRAY_SIZE(image_formats));

		memset(ic, 0, sizeof(*ic));
		ic->nr_formats = 1;
		ic->formats[0].format = image_formats[f].format;
		ic->formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
		ic->nr_color_spaces = 1;
		ic->color_spaces[0] = image_formats[f].color_space;
		ic->flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
		ic->required_max_size.width = 16 * (1 + rnd(w, 8));
		ic->required_max_size.height = 16 * (1 + rnd(w, 8));
		if (one_in(w, 2))
			ic->bytes_per_row_divisor = 64;
		c->image_formats = (uintptr_t)ic;
		c->image_format_count = 1;
	}
}

static int set_constraints(struct worker *w, struct handle *h)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_image_constraints ic;
	struct sysmem_heap_name heap;
	int ret;

	fill_constraints(w, h, &c, &heap, &ic);
	ret = sysmem_set_constraints(h->fd, &c);
	if (!h->live)
		OUTCOME(w, h, ret, -ESTALE);
	else if (h->cons)
		OUTCOME(w, h, ret, -EALREADY);
	else if (h->state == SYSMEM_STATE_FAILED)
		OUTCOME(w, h, ret, -EIO);
	else
		OUTCOME(w, h, ret, 0, -EIO);
	if (ret == -EIO)
		see_state(w, h, SYSMEM_STATE_FAILED);
	if (ret)
		return ret;
	h->cons = true;
	h->usage = c.usage;
	h->min_size = c.min_size_bytes;
	h->max_size = (c.flags & SYSMEM_CONSTRAINTS_HAS_MAX_SIZE) ?
		      c.max_size_bytes : 0;
	h->min_count = c.min_buffer_count_for_camping +
		       c.min_buffer_count_for_dedicated_slack +
		       c.min_buffer_count_for_shared_slack;
	if (c.min_buffer_count > h->min_count)
		h->min_count = c.min_buffer_count;
	h->max_count = (c.flags & SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT) ?
		       c.max_buffer_count : 0;
	h->image = c.image_format_count;
	return 0;
}

static void op_constraints(struct worker *w)
{
	int i = pick_node(w, KIND(H_COLL));

	if (i < 0)
		return op_alloc_nonshared(w);
	/* Mostly on collections that still need them. */
	if (w->h[i].cons && !one_in(w, 4)) {
		int j = pick(w, KIND(H_COLL), true);

		if (j >= 0 && !w->h[j].cons)
			i = j;
	}
	set_constraints(w, &w->h[i]);
}

/* Invalid constraints: EINVAL whatever the node's state. */
static void op_bad_constraints(struct worker *w)
{
	int i = pick(w, KIND(H_COLL), false), ret;
	struct sysmem_buffer_constraints c;
	struct sysmem_image_constraints ic;
	struct sysmem_heap_name heap;

	if (i < 0)
		return;
	fill_constraints(w, &w->h[i], &c, &heap, &ic);
	switch (rnd(w, 13)) {
	case 0:
		c.usage = 0;
		break;
	case 1:
		c.usage = SYSMEM_USAGE_NONE | SYSMEM_USAGE_CPU_READ;
		break;
	case 2:
		/* A bit above SYSMEM_CONSTRAINTS_FLAGS_ALL (0x7f since 0.6). */
		c.flags |= 1U << (7 + rnd(w, 25));
		break;
	case 3:
		c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
		c.max_buffer_count = 0;
		break;
	case 4:
		c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
		c.min_size_bytes = 8192;
		c.max_size_bytes = 4096;
		break;
	case 5:
		c.reserved = 1;
		break;
	case 6:
		c.flags |= SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
		c.coherency_domains = one_in(w, 2) ? 0 : 1U << 5;
		break;
	case 7:
		c.usage = SYSMEM_USAGE_CPU_READ;
		c.flags |= SYSMEM_CONSTRAINTS_SECURE;
		break;
	case 8:
		c.flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c.heaps = (uintptr_t)&heap;
		c.heap_count = one_in(w, 2) ? 0 : 1;
		memset(&heap, 0, sizeof(heap));
		break;
	case 9:
		c.image_format_count = SYSMEM_MAX_IMAGE_FORMATS + 1;
		break;
	default:
		/* An invalid image entry. */
		memset(&ic, 0, sizeof(ic));
		ic.nr_formats = 1;
		ic.formats[0].format = DRM_FORMAT_XRGB8888;
		ic.nr_color_spaces = 1;
		ic.color_spaces[0] = SYSMEM_COLOR_SPACE_SRGB;
		switch (rnd(w, 5)) {
		case 0:
			ic.nr_formats = 0;
			break;
		case 1:
			ic.reserved = 1;
			break;
		case 2:
			ic.flags = 1U << 7;
			break;
		case 3:
			ic.nr_color_spaces = 0;
			break;
		default:
			/* Twice the same format and modifier. */
			ic.nr_formats = 2;
			ic.formats[1] = ic.formats[0];
			break;
		}
		c.image_formats = (uintptr_t)&ic;
		c.image_format_count = 1;
		break;
	}
	ret = sysmem_set_constraints(w->h[i].fd, &c);
	OUTCOME(w, &w->h[i], ret, -EINVAL);
}

/* --- node properties --- */

static void op_dispensable(struct worker *w)
{
	int i = pick_node(w, KIND(H_TOKEN));

	if (i >= 0)
		EXPECT_LIVE(w, &w->h[i], sysmem_set_dispensable(w->h[i].fd), 0);
}

static void op_set_weak(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), ret;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	ret = sysmem_set_weak(h->fd);
	if (!h->live)
		OUTCOME(w, h, ret, -ESTALE);
	else if ((h->kind == H_COLL && h->cons) ||
		 (h->kind == H_GROUP && h->all_present))
		OUTCOME(w, h, ret, -EBUSY);
	else if (h->weak)	/* again: a no-op, or too late */
		OUTCOME(w, h, ret, 0, -EBUSY);
	else
		OUTCOME(w, h, ret, 0, -EBUSY);
	if (ret)
		return;
	/* Made weak by this call (not again): weak-ok too, as SetWeak. */
	if (!h->weak)
		h->weak_ok = true;
	h->weak = true;
}

static void op_set_weak_ok(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), ret;
	bool children = one_in(w, 2);
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	ret = sysmem_set_weak_ok(h->fd, children);
	if (h->live && h->waited)
		OUTCOME(w, h, ret, -EBUSY);
	else
		EXPECT_LIVE(w, h, ret, 0);
	if (ret)
		return;
	h->weak_ok = true;
	if (children)
		h->weak_ok_children = true;
}

/*
 * A stall log deadline: mostly ahead (a collection still pending then
 * logs its line, once), sometimes none, already past, or negative
 * (EINVAL, checked before the node's liveness).
 */
static void op_stall_deadline(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), ret;
	struct timespec ts;
	__s64 deadline;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	switch (rnd(w, 8)) {
	case 0:
		deadline = -1 - (__s64)rnd(w, 1000);
		ret = sysmem_set_debug_timeout_log_deadline(h->fd, deadline);
		OUTCOME(w, h, ret, -EINVAL);
		return;
	case 1:
		deadline = SYSMEM_DEADLINE_NONE;
		break;
	case 2:
		deadline -= rnd(w, 1000000);
		break;
	default:
		deadline += 1000000LL * (1 + rnd(w, 5000));
		break;
	}
	ret = sysmem_set_debug_timeout_log_deadline(h->fd, deadline);
	EXPECT_LIVE(w, h, ret, 0);
}

static void op_set_name(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), ret;
	char name[SYSMEM_NAME_LEN];
	bool empty = one_in(w, 10);

	if (i < 0)
		return;
	snprintf(name, sizeof(name), "fuzz-w%d-op%lu-%u", w->id, w->opno,
		 rnd(w, 1000000));
	if (empty)
		name[0] = '\0';
	ret = sysmem_set_name(w->h[i].fd, rnd(w, 4), name);
	if (empty)
		OUTCOME(w, &w->h[i], ret, -EINVAL);
	else
		EXPECT_LIVE(w, &w->h[i], ret, 0);
}

static void op_debug_info(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), ret;
	char name[32];

	snprintf(name, sizeof(name), "fuzz-%d", w->id);
	if (i < 0 || one_in(w, 4)) {
		ret = sysmem_set_debug_info(w->dev, name, getpid());
		OUTCOME(w, NULL, ret, 0);
		return;
	}
	ret = sysmem_set_debug_info(w->h[i].fd, name, w->opno);
	EXPECT_LIVE(w, &w->h[i], ret, 0);
}

static void op_coll_id(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS);
	__u64 id = 0;
	int ret;

	if (i < 0)
		return;
	if (w->h[i].live)
		return learn_id(w, &w->h[i]);
	ret = sysmem_get_collection_id(w->h[i].fd, &id);
	OUTCOME(w, &w->h[i], ret, -ESTALE);
}

/* --- tracking and refs --- */

static void new_plain(struct handle *h, enum kind type, int fd,
		      const struct handle *node)
{
	memset(h, 0, sizeof(*h));
	h->kind = type;
	h->fd = fd;
	h->ref_nid = node ? node->nid : 0;
	h->coll_id = node ? node->coll_id : 0;
	h->state = ST_UNKNOWN;
	h->writable = -1;
}

static void tracking(struct worker *w, bool lifetime)
{
	int i = pick_node(w, lifetime ? KIND(H_COLL) : NODE_KINDS), fd;
	struct handle *n, *h;

	if (i < 0)
		return;
	h = slot(w);
	n = &w->h[i];
	if (!is_node(n))
		return;
	if (lifetime)
		fd = sysmem_attach_lifetime_tracking(n->fd, rnd(w, 3));
	else
		fd = sysmem_attach_node_tracking(n->fd);
	if (!n->live)
		OUTCOME(w, n, fd, -ESTALE);
	else if (n->ntrack < 0)
		OUTCOME(w, n, fd, 0, -ENOSPC);
	else if (n->ntrack >= SYSMEM_MAX_TRACKING)
		OUTCOME(w, n, fd, -ENOSPC);
	else
		OUTCOME(w, n, fd, 0);
	if (fd < 0)
		return;
	if (n->ntrack >= 0)
		n->ntrack++;
	new_plain(h, H_TRACK, fd, lifetime ? NULL : n);
}

static void op_node_ref(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), fd;
	struct handle *n, *h;

	if (i < 0)
		return;
	h = slot(w);
	n = &w->h[i];
	if (!is_node(n))
		return;
	fd = sysmem_get_node_ref(n->fd);
	EXPECT_LIVE(w, n, fd, 0);
	if (fd >= 0)
		new_plain(h, H_REF, fd, n);
}

/* The open handle of node @nid, or NULL. */
static struct handle *find_node(struct worker *w, unsigned int nid)
{
	int i;

	for (i = 0; i < MAX_H; i++)
		if (is_node(&w->h[i]) && w->h[i].nid == nid && w->h[i].live)
			return &w->h[i];
	return NULL;
}

/* A live child of the same group as @n, other than @n, or NULL. */
static struct handle *find_sibling(struct worker *w, const struct handle *n)
{
	int i;

	for (i = 0; n->group && i < MAX_H; i++) {
		struct handle *s = &w->h[i];

		if (is_node(s) && s->live && s != n && s->group == n->group)
			return s;
	}
	return NULL;
}

/* Make a node ref of @n for op_is_alternate(); NULL if none made. */
static struct handle *ref_of(struct worker *w, struct handle *n)
{
	struct handle *h;
	int fd;

	if (free_slots(w) < 2)
		return NULL;
	w->op = OP_NODE_REF;
	fd = sysmem_get_node_ref(n->fd);
	OUTCOME(w, n, fd, 0);
	w->op = OP_IS_ALTERNATE;
	if (fd < 0)
		return NULL;
	h = slot(w);
	new_plain(h, H_REF, fd, n);
	return h;
}

static void op_is_alternate(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), r = pick(w, KIND(H_REF), false);
	struct handle *n, *ref, *other, *sib;
	int ret, alt;

	if (i < 0)
		return;
	n = &w->h[i];
	/* Half the time, two children of one group. */
	if (one_in(w, 2)) {
		for (i = 0; i < MAX_H; i++) {
			sib = find_sibling(w, &w->h[i]);
			if (sib && w->h[i].live) {
				n = &w->h[i];
				ref = ref_of(w, sib);
				if (ref)
					goto ask;
				break;
			}
		}
	}
	if (r < 0)
		return;
	ref = &w->h[r];
	/*
	 * Mostly a ref of the same collection, better of a sibling under
	 * the same group; now and then its own.
	 */
	if (!one_in(w, 4)) {
		bool self = one_in(w, 3);
		int j;

		for (j = 0; j < MAX_H; j++) {
			struct handle *c = &w->h[j];

			if (c->kind != H_REF)
				continue;
			if (self ? c->ref_nid == n->nid :
			    c->coll_id == n->coll_id)
				ref = c;
			other = find_node(w, c->ref_nid);
			if (!self && n->group && other && other != n &&
			    other->group == n->group) {
				ref = c;
				break;
			}
		}
	}
ask:
	other = find_node(w, ref->ref_nid);
	alt = sysmem_is_alternate_for(n->fd, ref->fd);
	ret = alt < 0 ? alt : 0;
	if (!n->live)
		OUTCOME(w, n, ret, -ESTALE);
	else if (n->coll_id && ref->coll_id && n->coll_id != ref->coll_id)
		OUTCOME(w, n, ret, -ENOENT);
	else if (other)		/* a live node is in the tree */
		OUTCOME(w, n, ret, 0);
	else
		OUTCOME(w, n, ret, 0, -ENOENT);
	if (alt > 1 || (other == n && alt))
		violation(w, n, "is_alternate %d, ref of nid %u (collection %llu, this one %llu)",
			  alt, ref->ref_nid, (unsigned long long)ref->coll_id,
			  (unsigned long long)n->coll_id);
	if (!ret)
		__atomic_fetch_add(&w->sh->alternates, alt, __ATOMIC_RELAXED);
}

/* --- collection state --- */

static void op_wait(struct worker *w)
{
	static const __s64 timeouts[] = { 0, 100000, MSEC_NS, 3 * MSEC_NS };
	int i = pick_node(w, KIND(H_COLL)), ret;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	ret = sysmem_wait(h->fd, timeouts[rnd(w, ARRAY_SIZE(timeouts))]);
	if (!h->live)
		OUTCOME(w, h, ret, -ESTALE);
	else if (h->weak && !h->weak_ok)
		OUTCOME(w, h, ret, -EPERM);
	else if (h->state == SYSMEM_STATE_FAILED)
		OUTCOME(w, h, ret, -EIO);
	else if (h->state == SYSMEM_STATE_ALLOCATED)
		OUTCOME(w, h, ret, 0, -EIO);
	else if (!h->cons)
		OUTCOME(w, h, ret, -ETIMEDOUT, -EIO);
	else
		OUTCOME(w, h, ret, 0, -ETIMEDOUT, -EIO);
	if (ret == -ESTALE || ret == -EPERM)
		return;
	h->waited = true;
	if (!ret)
		see_state(w, h, SYSMEM_STATE_ALLOCATED);
	else if (ret == -EIO)
		see_state(w, h, SYSMEM_STATE_FAILED);
}

static void op_check(struct worker *w)
{
	int i = pick_node(w, KIND(H_COLL)), ret;
	__u32 state = 0xdead, reason = 0xdead;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	ret = sysmem_check(h->fd, &state, &reason);
	if (!EXPECT_LIVE(w, h, ret, 0) || ret)
		return;
	if (state > SYSMEM_STATE_FAILED) {
		violation(w, h, "state %u", state);
		return;
	}
	if (state == SYSMEM_STATE_FAILED ?
	    (reason < SYSMEM_FAIL_CONSTRAINTS ||
	     reason > SYSMEM_FAIL_NOT_CHOSEN) : reason != SYSMEM_FAIL_NONE)
		violation(w, h, "state %u with reason %u", state, reason);
	see_state(w, h, state);
}

static void op_poll(struct worker *w)
{
	int i = pick(w, ANY_KIND, false);
	struct pollfd p;
	struct handle *h;
	int ret;

	if (i < 0)
		return;
	h = &w->h[i];
	p.fd = h->fd;
	p.events = POLLIN;
	p.revents = 0;
	ret = poll(&p, 1, 0);
	if (!OUTCOME(w, h, ret < 0 ? -errno : 0, 0))
		return;
	if (p.revents & POLLNVAL) {
		violation(w, h, "POLLNVAL");
		return;
	}
	if (h->kind == H_TRACK && h->ref_nid && find_node(w, h->ref_nid) &&
	    (p.revents & POLLIN))
		violation(w, h, "node tracking fd readable, its node is live");
	if (h->kind == H_REF && p.revents)
		violation(w, h, "node ref polls %#x", p.revents);
	if (h->kind != H_COLL || !h->live)
		return;
	if ((p.revents & POLLIN) && (p.revents & POLLERR))
		violation(w, h, "POLLIN and POLLERR");
	else if (p.revents & POLLERR)
		see_state(w, h, SYSMEM_STATE_FAILED);
	else if (p.revents & POLLIN)
		see_state(w, h, SYSMEM_STATE_ALLOCATED);
	else if (h->state == SYSMEM_STATE_FAILED ||
		 h->state == SYSMEM_STATE_ALLOCATED)
		violation(w, h, "no event after state %d", h->state);
}

/* --- results and buffers --- */

static void check_buffer(struct worker *w, struct handle *c, int fd,
			 unsigned int index,
			 const struct sysmem_buffer_settings *s, bool weak)
{
	__u64 id = 0;
	__u32 idx = 0xdead;
	off_t size;
	int ret, acc;

	__atomic_fetch_add(&w->sh->buffers, 1, __ATOMIC_RELAXED);
	ret = sysmem_buffer_info(w->dev, fd, &id, &idx);
	if (ret)
		violation(w, c, "buffer info of buffer %u: %d", index, ret);
	else if ((c->coll_id && id != c->coll_id) || idx != index)
		violation(w, c, "buffer %u: info says collection %llu index %u, want %llu",
			  index, (unsigned long long)id, idx,
			  (unsigned long long)c->coll_id);
	size = lseek(fd, 0, SEEK_END);
	if (size < 0 || (__u64)size < s->size_bytes ||
	    size % page_size())
		violation(w, c, "buffer %u: dma-buf size %lld for %llu bytes",
			  index, (long long)size,
			  (unsigned long long)s->size_bytes);
	acc = fcntl(fd, F_GETFL) & O_ACCMODE;
	if (c->rights && !weak) {
		bool writable = (c->rights & SYSMEM_RIGHT_WRITE) &&
				(c->usage & SYSMEM_USAGE_WRITE_MASK);

		if (acc != (writable ? O_RDWR : O_RDONLY))
			violation(w, c, "buffer %u: access mode %d, rights %u usage %#llx",
				  index, acc, c->rights,
				  (unsigned long long)c->usage);
	}
}

/*
 * The first buffers of a collection nobody else could write: every byte
 * is zero when first handed out.
 */
static void check_zero(struct worker *w, struct handle *c, int fd,
		       unsigned int index,
		       const struct sysmem_buffer_settings *s)
{
	size_t len = s->size_bytes, i;
	const unsigned char *p;

	if (s->coherency_domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		violation(w, c, "buffer %u: read-only mmap: %d", index, -errno);
		return;
	}
	for (i = 0; i < len; i++) {
		if (p[i]) {
			violation(w, c, "buffer %u: byte %zu of a new buffer is %#x",
				  index, i, p[i]);
			break;
		}
	}
	munmap((void *)p, len);
}

/* Keep a few of the buffers in the table, close the others. */
static void keep_buffer(struct worker *w, struct handle *c, int fd,
			unsigned int index,
			const struct sysmem_buffer_settings *s, bool weak)
{
	struct handle *h;

	if (free_slots(w) < 4 || !one_in(w, 2)) {
		close(fd);
		return;
	}
	h = slot(w);
	new_plain(h, H_DMABUF, fd, c);
	h->index = index;
	h->size = lseek(fd, 0, SEEK_END);
	h->domain = s->coherency_domain;
	h->writable = (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR;
	h->weak_buf = weak;
}

static void check_settings(struct worker *w, struct handle *h,
			   const struct sysmem_buffer_settings *s,
			   unsigned int count)
{
	__atomic_fetch_add(&w->sh->allocated, 1, __ATOMIC_RELAXED);
	if (count != s->buffer_count || !count || count > SYSMEM_MAX_BUFFERS)
		violation(w, h, "buffer count %u, settings say %u", count,
			  s->buffer_count);
	/*
	 * An attached subtree shares buffers already allocated, maybe more
	 * than its own maximum count.
	 */
	if (count < h->min_count ||
	    (h->max_count && count > h->max_count && !h->attached &&
	     !h->remote))
		violation(w, h, "buffer count %u outside [%u, %u]", count,
			  h->min_count, h->max_count);
	if (s->size_bytes < h->min_size ||
	    (h->max_size && s->size_bytes > h->max_size))
		violation(w, h, "size %llu outside [%llu, %llu]",
			  (unsigned long long)s->size_bytes,
			  (unsigned long long)h->min_size,
			  (unsigned long long)h->max_size);
	if (__builtin_popcount(s->coherency_domain) != 1 ||
	    (s->coherency_domain & ~SYSMEM_DOMAIN_ALL))
		violation(w, h, "coherency domain %#x", s->coherency_domain);
	if (h->image && !(s->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT))
		violation(w, h, "image constraints but no image format");
	if ((s->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT) &&
	    s->image.image_size > s->size_bytes)
		violation(w, h, "image of %llu bytes in buffers of %llu",
			  (unsigned long long)s->image.image_size,
			  (unsigned long long)s->size_bytes);
	if (!memchr(s->heap, '\0', sizeof(s->heap)) || !s->heap[0])
		violation(w, h, "heap name not terminated or empty");
}

/*
 * What get-result may return on @h; @success (and @alt, the same or the
 * other of two errors whose order is not documented) stand for success.
 */
static bool result_outcome(struct worker *w, struct handle *h, int ret,
			   int success, int alt)
{
	if (!h->live)
		return OUTCOME(w, h, ret, -ESTALE);
	if (h->weak && !h->weak_ok)
		return OUTCOME(w, h, ret, -EPERM);
	if (h->state == SYSMEM_STATE_FAILED)
		return OUTCOME(w, h, ret, -EIO);
	if (h->state == SYSMEM_STATE_ALLOCATED)
		return OUTCOME(w, h, ret, success, alt, -EIO);
	if (!h->cons)
		return OUTCOME(w, h, ret, -EAGAIN, -EIO);
	return OUTCOME(w, h, ret, success, alt, -EAGAIN, -EIO);
}

static void after_result(struct worker *w, struct handle *h, int ret)
{
	if (ret == -ESTALE || ret == -EPERM)
		return;
	h->waited = true;
	if (ret == -EIO)
		see_state(w, h, SYSMEM_STATE_FAILED);
	else if (ret != -EAGAIN)
		see_state(w, h, SYSMEM_STATE_ALLOCATED);
}

static void op_result(struct worker *w)
{
	int i = pick_node(w, KIND(H_COLL)), fds[MAX_FDS], ret, success, alt;
	unsigned int count = 0, nfds = 0, cap, k;
	struct sysmem_buffer_settings s;
	struct handle *h;
	bool none;

	if (i < 0)
		return;
	h = &w->h[i];
	none = h->usage == SYSMEM_USAGE_NONE;
	cap = one_in(w, 10) ? 0 : MAX_FDS;
	/*
	 * A node that wants fds needs room for them; a weak node needs the
	 * close-weak array too, which sysmem_get_result() does not pass.
	 * A weak node without usage still wants its close-weak fds.
	 */
	success = 0;
	if ((!none || h->weak) && !cap)
		success = -ENOSPC;
	else if (h->weak)
		success = -EINVAL;
	alt = success;
	if (!cap && h->weak)
		alt = -EINVAL;
	memset(fds, 0xff, sizeof(fds));
	ret = sysmem_get_result(h->fd, &s, cap ? fds : NULL, cap, &count,
				&nfds);
	result_outcome(w, h, ret, success, alt);
	after_result(w, h, ret);
	if (ret)
		return;
	check_settings(w, h, &s, count);
	h->fresh = h->fresh && !nfds;
	if (nfds != (none ? 0 : count))
		violation(w, h, "%u fds for %u buffers, usage %#llx", nfds,
			  count, (unsigned long long)h->usage);
	for (k = 0; k < nfds && k < MAX_FDS; k++) {
		if (fds[k] < 0) {
			violation(w, h, "fd %u is %d", k, fds[k]);
			continue;
		}
		check_buffer(w, h, fds[k], k, &s, false);
		if (h->fresh)
			check_zero(w, h, fds[k], k, &s);
		keep_buffer(w, h, fds[k], k, &s, false);
	}
}

static void op_weak_result(struct worker *w)
{
	int i = pick_node(w, KIND(H_COLL)), fds[MAX_FDS], cw[MAX_FDS], ret;
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0, k;
	bool weak = false, none;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	none = h->usage == SYSMEM_USAGE_NONE;
	memset(fds, 0xff, sizeof(fds));
	memset(cw, 0xff, sizeof(cw));
	ret = sysmem_get_weak_result(h->fd, &s, fds, cw, MAX_FDS, &count,
				     &nfds, &weak);
	result_outcome(w, h, ret, 0, 0);
	after_result(w, h, ret);
	if (ret)
		return;
	check_settings(w, h, &s, count);
	if (weak != h->weak)
		violation(w, h, "result weak %d", weak);
	if (nfds != (none ? 0 : count))
		violation(w, h, "%u slots filled for %u buffers, usage %#llx",
			  nfds, count, (unsigned long long)h->usage);
	/* Weak without usage: no dma-buf, but the close-weak fds. */
	for (k = 0; none && weak && k < count && k < MAX_FDS; k++) {
		if (fds[k] != -1)
			violation(w, h, "buffer %u: fd %d without usage", k,
				  fds[k]);
		if (cw[k] >= 0)
			close(cw[k]);
	}
	for (k = 0; !none && k < count && k < MAX_FDS; k++) {
		bool no_fd = fds[k] < 0, no_cw = cw[k] < 0;

		/* Weak: a sparse set; strong: every fd, no close-weak. */
		if (weak ? no_fd != no_cw : no_fd || !no_cw) {
			violation(w, h, "buffer %u: fd %d close-weak fd %d",
				  k, fds[k], cw[k]);
			continue;
		}
		if (fds[k] < 0)
			continue;
		check_buffer(w, h, fds[k], k, &s, weak);
		keep_buffer(w, h, fds[k], k, &s, weak);
		if (cw[k] >= 0) {
			if (free_slots(w) > 4 && one_in(w, 2))
				new_plain(slot(w), H_CLOSEWEAK, cw[k], h);
			else
				close(cw[k]);
		}
	}
}

static void op_mmap(struct worker *w)
{
	int i = pick(w, KIND(H_DMABUF), false);
	bool cpu, want_write;
	struct handle *h;
	void *p;

	if (i < 0)
		return;
	h = &w->h[i];
	cpu = h->domain != SYSMEM_DOMAIN_INACCESSIBLE;
	if (one_in(w, 8)) {
		/* Only shared mappings. */
		p = mmap(NULL, h->size, PROT_READ, MAP_PRIVATE, h->fd, 0);
		OUTCOME(w, h, p == MAP_FAILED ? -errno : 0,
			cpu ? -EINVAL : -EPERM);
		if (p != MAP_FAILED)
			munmap(p, h->size);
		return;
	}
	unmap(h);
	want_write = one_in(w, 2);
	p = mmap(NULL, h->size, PROT_READ | (want_write ? PROT_WRITE : 0),
		 MAP_SHARED, h->fd, 0);
	if (!cpu)
		OUTCOME(w, h, p == MAP_FAILED ? -errno : 0, -EPERM, -EACCES);
	else if (want_write && !h->writable)
		OUTCOME(w, h, p == MAP_FAILED ? -errno : 0, -EACCES);
	else
		OUTCOME(w, h, p == MAP_FAILED ? -errno : 0, 0);
	if (p == MAP_FAILED)
		return;
	h->map = p;
	h->map_len = h->size;
	h->map_writable = want_write;
	/* Touch it: the first and the last page. */
	if (want_write) {
		__atomic_store_n((char *)p, (char)w->opno, __ATOMIC_RELAXED);
		__atomic_store_n((char *)p + h->size - 1, (char)w->id,
				 __ATOMIC_RELAXED);
	} else {
		__atomic_load_n((char *)p + h->size - 1, __ATOMIC_RELAXED);
	}
}

static void op_sync(struct worker *w)
{
	int i = pick(w, KIND(H_DMABUF), false), ret;
	struct dma_buf_sync sync = { 0 };
	struct handle *h;
	__u64 dir;

	if (i < 0)
		return;
	h = &w->h[i];
	if (one_in(w, 8)) {
		sync.flags = one_in(w, 2) ? 0 : DMA_BUF_SYNC_START | 0x80;
		ret = ioctl(h->fd, DMA_BUF_IOCTL_SYNC, &sync);
		OUTCOME(w, h, ret ? -errno : 0, -EINVAL);
		return;
	}
	dir = h->map_writable ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ;
	sync.flags = DMA_BUF_SYNC_START | dir;
	ret = ioctl(h->fd, DMA_BUF_IOCTL_SYNC, &sync);
	if (h->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		OUTCOME(w, h, ret ? -errno : 0, -EPERM);
	else
		OUTCOME(w, h, ret ? -errno : 0, 0);
	if (ret)
		return;
	if (h->map && h->map_writable)
		memset(h->map, w->id, h->map_len < 256 ? h->map_len : 256);
	else if (h->map)
		__atomic_load_n((char *)h->map, __ATOMIC_RELAXED);
	sync.flags = DMA_BUF_SYNC_END | dir;
	ret = ioctl(h->fd, DMA_BUF_IOCTL_SYNC, &sync);
	OUTCOME(w, h, ret ? -errno : 0, 0);
}

static void op_buffer_info(struct worker *w)
{
	int i = pick(w, one_in(w, 4) ? ANY_KIND : KIND(H_DMABUF), false), ret;
	__u64 id = 0;
	__u32 idx = 0;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	ret = sysmem_buffer_info(w->dev, h->fd, &id, &idx);
	if (h->kind != H_DMABUF) {
		OUTCOME(w, h, ret, -EINVAL);
		return;
	}
	if (OUTCOME(w, h, ret, 0) && !ret &&
	    ((h->coll_id && id != h->coll_id) || idx != h->index))
		violation(w, h, "buffer info: collection %llu index %u, want %llu %u",
			  (unsigned long long)id, idx,
			  (unsigned long long)h->coll_id, h->index);
}

/* --- leaving --- */

static void op_release(struct worker *w)
{
	int i = pick_node(w, NODE_KINDS), ret;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	ret = sysmem_release(h->fd);
	EXPECT_LIVE(w, h, ret, 0);
	h->live = false;
	if (one_in(w, 2))
		drop(w, h, false);
}

static void op_close(struct worker *w)
{
	int i = pick(w, ANY_KIND, false);

	if (i < 0)
		return;
	__atomic_fetch_add(&w->sh->count[OP_CLOSE][0], 1, __ATOMIC_RELAXED);
	/* Without release: a live node's failure domain fails. */
	drop(w, &w->h[i], false);
}

static void close_all(struct worker *w)
{
	int i;

	for (i = 0; i < MAX_H; i++)
		drop(w, &w->h[i], !one_in(w, 5));
}

static void op_reset(struct worker *w)
{
	__atomic_fetch_add(&w->sh->count[OP_RESET][0], 1, __ATOMIC_RELAXED);
	close_all(w);
}

/* --- passing tokens --- */

static void op_send(struct worker *w)
{
	int i = pick(w, KIND(H_TOKEN), true), ret;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	/* The receiver assumes a strong token that made no promise. */
	if (h->weak || h->weak_ok || h->weak_ok_children || !h->live)
		return;
	ret = sysmem_send_token(w->sock_out, h->fd);
	OUTCOME(w, h, ret, 0, -EAGAIN);
	if (!ret)
		drop(w, h, false);	/* the receiver owns it now */
}

static bool recv_one(struct worker *w)
{
	struct handle *h;
	int fd;

	make_room(w, 1);
	fd = sysmem_recv_token(w->sock_in);
	OUTCOME(w, NULL, fd, 0, -EAGAIN);
	if (fd < 0)
		return false;
	h = slot(w);
	new_node(w, h, H_TOKEN, fd);
	h->remote = true;
	h->ntrack = -1;
	/* Rights unknown (0); a sent token is live: its id works. */
	learn_id(w, h);
	return true;
}

static void op_recv(struct worker *w)
{
	recv_one(w);
}

/* --- misuse --- */

/* Each kind's ioctls fail with ENOTTY on another kind of fd. */
static void op_wrong_kind(struct worker *w)
{
	int i = pick(w, ANY_KIND, false), ret;
	struct sysmem_buffer_constraints c;
	__u32 state, mask = SYSMEM_RIGHTS_SAME;
	struct handle *h;

	if (i < 0)
		return;
	h = &w->h[i];
	cons_init(&c, USAGE_RW, 1, 4096);
	switch (h->kind) {
	case H_TOKEN:
		ret = one_in(w, 2) ? sysmem_check(h->fd, &state, NULL) :
		      sysmem_group_all_children_present(h->fd);
		break;
	case H_COLL:
		ret = one_in(w, 2) ? sysmem_set_dispensable(h->fd) :
		      sysmem_group_create_child(h->fd, mask);
		break;
	case H_GROUP:
		ret = one_in(w, 2) ? sysmem_duplicate(h->fd, mask) :
		      sysmem_set_constraints(h->fd, &c);
		break;
	default:
		/* Node refs, tracking fds, dma-bufs, close-weak fds. */
		ret = one_in(w, 2) ? sysmem_release(h->fd) :
		      sysmem_duplicate(h->fd, mask);
		break;
	}
	OUTCOME(w, h, ret, -ENOTTY);
	if (ret >= 0)
		close(ret);
}

static void op_bad_args(struct worker *w)
{
	int i = pick(w, ANY_KIND, false), r, ret;
	struct handle *h;
	__u32 masks[2] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_SAME };
	int fds[2];

	if (i < 0)
		return;
	h = &w->h[i];
	switch (rnd(w, 4)) {
	case 0:
		/* Bind of anything but a token. */
		if (h->kind == H_TOKEN)
			return;
		ret = sysmem_bind(w->dev, h->fd);
		OUTCOME(w, h, ret, -EINVAL);
		break;
	case 1:
		/* A node ref that is no node ref. */
		r = pick(w, ANY_KIND & ~KIND(H_REF), false);
		if (!is_node(h) || r < 0)
			return;
		ret = sysmem_is_alternate_for(h->fd, w->h[r].fd);
		OUTCOME(w, h, ret, -EINVAL);
		break;
	case 2:
		if (h->kind != H_TOKEN)
			return;
		ret = sysmem_duplicate_many(h->fd, masks, fds,
					    one_in(w, 2) ? 0 :
					    SYSMEM_MAX_DUPLICATES + 1);
		OUTCOME(w, h, ret, -EINVAL);
		break;
	default:
		ret = sysmem_bind(w->dev, 1000 + rnd(w, 1000));
		OUTCOME(w, NULL, ret, -EBADF);
		break;
	}
	if (ret >= 0)
		close(ret);
}

typedef void (*op_fn)(struct worker *w);

static void op_child_one(struct worker *w)
{
	op_child(w, false);
}

static void op_child_many(struct worker *w)
{
	op_child(w, true);
}

static void op_lifetime(struct worker *w)
{
	tracking(w, true);
}

static void op_node_tracking(struct worker *w)
{
	tracking(w, false);
}

static const op_fn op_fns[NR_OPS] = {
	[OP_ALLOC_TOKEN] = op_alloc_token,
	[OP_ALLOC_NONSHARED] = op_alloc_nonshared,
	[OP_DUP] = op_dup,
	[OP_DUP_MANY] = op_dup_many,
	[OP_BIND] = op_bind,
	[OP_CREATE_GROUP] = op_create_group,
	[OP_CHILD] = op_child_one,
	[OP_CHILDREN] = op_child_many,
	[OP_ALL_PRESENT] = op_all_present,
	[OP_DISPENSABLE] = op_dispensable,
	[OP_SET_WEAK] = op_set_weak,
	[OP_SET_WEAK_OK] = op_set_weak_ok,
	[OP_STALL_DEADLINE] = op_stall_deadline,
	[OP_CONSTRAINTS] = op_constraints,
	[OP_BAD_CONSTRAINTS] = op_bad_constraints,
	[OP_ATTACH] = op_attach,
	[OP_LIFETIME] = op_lifetime,
	[OP_NODE_TRACKING] = op_node_tracking,
	[OP_NODE_REF] = op_node_ref,
	[OP_IS_ALTERNATE] = op_is_alternate,
	[OP_WAIT] = op_wait,
	[OP_CHECK] = op_check,
	[OP_POLL] = op_poll,
	[OP_RESULT] = op_result,
	[OP_WEAK_RESULT] = op_weak_result,
	[OP_MMAP] = op_mmap,
	[OP_SYNC] = op_sync,
	[OP_BUFFER_INFO] = op_buffer_info,
	[OP_SET_NAME] = op_set_name,
	[OP_DEBUG_INFO] = op_debug_info,
	[OP_COLL_ID] = op_coll_id,
	[OP_RELEASE] = op_release,
	[OP_CLOSE] = op_close,
	[OP_SEND] = op_send,
	[OP_RECV] = op_recv,
	[OP_WRONG_KIND] = op_wrong_kind,
	[OP_BAD_ARGS] = op_bad_args,
	[OP_RESET] = op_reset,
};

static enum op choose_op(struct worker *w)
{
	unsigned int total = 0, r, i;

	for (i = 0; i < NR_OPS; i++)
		total += op_weights[i];
	r = rnd(w, total);
	for (i = 0; i < NR_OPS; i++) {
		if (r < op_weights[i])
			return i;
		r -= op_weights[i];
	}
	return OP_CHECK;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_worker(struct worker *w, double deadline)
{
	double wait_end;
	int i;

	w->dev = sysmem_open();
	if (w->dev < 0) {
		violation(w, NULL, "sysmem_open: %d", w->dev);
		return;
	}
	for (i = 0; i < MAX_H; i++) {
		w->h[i].kind = H_FREE;
		w->h[i].fd = -1;
	}
	for (w->opno = 0; w->opno < opt_ops; w->opno++) {
		if (opt_seconds && !(w->opno % 16) && now() > deadline)
			break;
		w->op = choose_op(w);
		op_fns[w->op](w);
		if (w->reports > MAX_REPORTS)
			break;
	}
	w->op = OP_RESET;
	close_all(w);

	/* Once every worker sent its last token, take in what is left. */
	__atomic_fetch_add(&w->sh->done, 1, __ATOMIC_SEQ_CST);
	wait_end = now() + 60;
	while (__atomic_load_n(&w->sh->done, __ATOMIC_SEQ_CST) < NR_WORKERS &&
	       now() < wait_end)
		usleep(1000);
	w->op = OP_RECV;
	while (recv_one(w))
		close_all(w);
	close_all(w);
	close(w->dev);
}

/* Heap lines at start: name and live buffers. */
struct heap_base {
	char name[SYSMEM_HEAP_NAME_LEN];
	unsigned long long buffers;
};

static int read_heaps(struct heap_base *hb, int max)
{
	char line[256];
	int n = 0;
	FILE *f;

	f = fopen(HEAPS_PATH, "re");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s buffers=%llu", hb[n].name,
			   &hb[n].buffers) == 2)
			n++;
	fclose(f);
	return n;
}

/* Print the counts; returns the number of results counted. */
static unsigned long long print_counts(struct fuzz_shared *sh)
{
	unsigned long long total = 0;
	char line[1024];
	int op, e, len;

	for (op = 0; op < NR_OPS; op++) {
		unsigned long long n = 0;

		for (e = 0; e <= NR_ERRNO; e++)
			n += sh->count[op][e];
		total += n;
		len = snprintf(line, sizeof(line), "# %-28s %6llu:", op_names[op],
			       n);
		for (e = 0; e <= NR_ERRNO && len < (int)sizeof(line) - 40; e++) {
			if (!sh->count[op][e])
				continue;
			if (!e)
				len += snprintf(line + len, sizeof(line) - len,
						" ok %llu", sh->count[op][e]);
			else if (e == NR_ERRNO)
				len += snprintf(line + len, sizeof(line) - len,
						" other %llu", sh->count[op][e]);
			else
				len += snprintf(line + len, sizeof(line) - len,
						" %s %llu", strerrorname_np(e) ?
						strerrorname_np(e) : "?",
						sh->count[op][e]);
		}
		printf("%s\n", line);
	}
	printf("# total %llu results, %llu collections allocated, %llu buffers checked\n",
	       total, sh->allocated, sh->buffers);
	printf("# %llu nodes found alternatives\n", sh->alternates);
	return total;
}

static void print_objects(const struct sysmem_objects *o)
{
	printf("# collections %lld nodes %lld buffers %lld trackers %lld\n",
	       o->collections, o->nodes, o->buffers, o->trackers);
	printf("# tracking_fds %lld\n", o->tracking_fds);
}

TEST(ops_fuzz)
{
	struct heap_base heaps[MAX_HEAPS_SEEN];
	int socks[NR_WORKERS][2], nheaps, i, status;
	struct sysmem_objects base, o;
	struct sysmem_heap_stats st;
	pid_t pids[NR_WORKERS];
	unsigned long long total;
	struct fuzz_shared *sh;
	double start, deadline;

	if (!have_debugfs())
		SKIP(return, "debugfs is not mounted");
	ASSERT_EQ(0, sysmem_objects_settle(SETTLE_MS, &base)) {
		TH_LOG("sysmem objects left before the run:");
		print_objects(&base);
	}
	nheaps = read_heaps(heaps, MAX_HEAPS_SEEN);
	ASSERT_LT(0, nheaps);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	for (i = 0; i < NR_WORKERS; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
					SOCK_CLOEXEC, 0, socks[i]));
	}
	printf("# seed %llu\n", opt_seed);
	if (opt_skip[0])
		printf("# skipped: %s\n", opt_skip);
	if (opt_ops == ~0UL)
		printf("# %d workers, for %u s\n", NR_WORKERS, opt_seconds);
	else
		printf("# %d workers, %lu operations each, time limit %u s (0: none)\n",
		       NR_WORKERS, opt_ops, opt_seconds);
	fflush(stdout);

	start = now();
	deadline = start + opt_seconds;
	for (i = 0; i < NR_WORKERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			static struct worker w;
			__u64 x = opt_seed + i;

			w.id = i;
			w.sh = sh;
			w.rng = splitmix64(&x) | 1;
			w.sock_out = socks[i][0];
			w.sock_in = socks[(i + NR_WORKERS - 1) % NR_WORKERS][1];
			run_worker(&w, deadline);
			_exit(w.reports ? 1 : 0);
		}
	}
	for (i = 0; i < NR_WORKERS; i++) {
		close(socks[i][0]);
		close(socks[i][1]);
	}
	for (i = 0; i < NR_WORKERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		if (!WIFEXITED(status)) {
			TH_LOG("worker %d: status %#x (seed %llu)", i, status,
			       opt_seed);
			sh->violations++;
		}
	}
	printf("# ran %.1f s\n", now() - start);
	total = print_counts(sh);

	EXPECT_EQ(0, sh->violations) {
		if (opt_ops == ~0UL)
			TH_LOG("replay: sysmem_ops_fuzz_test --seed %llu --seconds %u%s%s",
			       opt_seed, opt_seconds,
			       opt_skip[0] ? " --skip " : "", opt_skip);
		else
			TH_LOG("replay: sysmem_ops_fuzz_test --seed %llu --ops %lu%s%s",
			       opt_seed, opt_ops,
			       opt_skip[0] ? " --skip " : "", opt_skip);
	}
	/*
	 * A few thousand operations allocate collections; a fuzzer that
	 * never gets there tests little.
	 */
	if (total >= 3000)
		EXPECT_LT(0ULL, sh->allocated);

	/* Every fd of every worker is closed: nothing may be left. */
	EXPECT_EQ(0, sysmem_objects_settle(5000, &o)) {
		TH_LOG("sysmem objects left after the run (seed %llu):",
		       opt_seed);
		print_objects(&o);
	}
	for (i = 0; i < nheaps; i++) {
		EXPECT_EQ(0, sysmem_heap_settle(heaps[i].name,
						heaps[i].buffers, 5000, &st)) {
			TH_LOG("heap %s: %llu buffers, %llu at start (seed %llu)",
			       heaps[i].name, st.buffers, heaps[i].buffers,
			       opt_seed);
		}
	}
	munmap(sh, sizeof(*sh));
}

/* The harness's main, renamed: ours takes the fuzzer's options first. */
#define main fuzz_harness_main
TEST_HARNESS_MAIN
#undef main

static bool number_opt(const char *name, const char *arg,
		       unsigned long long *val)
{
	char *end;

	if (!arg) {
		fprintf(stderr, "%s needs a number\n", name);
		exit(KSFT_FAIL);
	}
	errno = 0;
	*val = strtoull(arg, &end, 0);
	if (errno || end == arg || *end) {
		fprintf(stderr, "%s: not a number: %s\n", name, arg);
		exit(KSFT_FAIL);
	}
	return true;
}

/* --skip OP[,OP...]: leave operations out, to tell which one matters. */
static void skip_ops(const char *list)
{
	char buf[sizeof(opt_skip)], *name, *save;
	int op;

	snprintf(buf, sizeof(buf), "%s", list);
	for (name = strtok_r(buf, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		for (op = 0; op < NR_OPS; op++)
			if (!strcmp(name, op_names[op]))
				break;
		if (op == NR_OPS) {
			fprintf(stderr, "--skip: no operation %s\n", name);
			exit(KSFT_FAIL);
		}
		op_weights[op] = 0;
	}
	snprintf(opt_skip, sizeof(opt_skip), "%s", list);
}

int main(int argc, char **argv)
{
	unsigned long long v;
	bool have_seed = false, have_ops = false, have_secs = false;
	const char *env;
	int i, n = 1;

	env = getenv("SYSMEM_FUZZ_SEED");
	if (env && *env)
		have_seed = number_opt("SYSMEM_FUZZ_SEED", env, &opt_seed);
	env = getenv("SYSMEM_FUZZ_OPS");
	if (env && *env && number_opt("SYSMEM_FUZZ_OPS", env, &v)) {
		opt_ops = v;
		have_ops = true;
	}
	env = getenv("SYSMEM_FUZZ_SKIP");
	if (env && *env)
		skip_ops(env);
	env = getenv("SYSMEM_FUZZ_SECONDS");
	if (env && *env && number_opt("SYSMEM_FUZZ_SECONDS", env, &v)) {
		opt_seconds = v;
		have_secs = true;
	}
	/* Take our options out; the harness gets the rest. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed")) {
			have_seed = number_opt("--seed", argv[++i], &opt_seed);
		} else if (!strcmp(argv[i], "--ops")) {
			number_opt("--ops", argv[++i], &v);
			opt_ops = v;
			have_ops = true;
		} else if (!strcmp(argv[i], "--skip") && argv[i + 1]) {
			skip_ops(argv[++i]);
		} else if (!strcmp(argv[i], "--seconds")) {
			number_opt("--seconds", argv[++i], &v);
			opt_seconds = v;
			have_secs = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		opt_seed = (ts.tv_sec * 1000003ULL) ^ ts.tv_nsec ^ getpid();
		opt_seed %= 1000000000ULL;
	}
	/* --seconds alone: as many operations as fit; --ops alone: all. */
	if (have_secs && !have_ops)
		opt_ops = ~0UL;
	if (have_ops && !have_secs)
		opt_seconds = 0;
	_ops_fuzz_object.timeout = opt_seconds ? opt_seconds + 90 : 3600;
	return fuzz_harness_main(n, argv);
}
