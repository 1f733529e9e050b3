// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem core: the collection state machine.
 *
 * A collection is pending until its tree is ready, then negotiates and
 * allocates (sysmem_negotiate.c) or fails; its attached subtrees follow
 * one by one.  Failures climb the tree to their domain's boundary (see
 * sysmem_core.h), and the buffers are let go once no strong node is
 * left; once no buffer is held strongly either, the collection fails.
 * Every function here runs under the collection's lock but
 * sysmem_collection_new(), sysmem_collection_put(),
 * sysmem_collection_next(), sysmem_node_discard(), the strong watch's functions and the work item
 * they queue.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "sysmem_core.h"
#include "sysmem_group.h"
#include "sysmem_logical.h"
#include "sysmem_math.h"
#include "sysmem_stats.h"
#include "sysmem_strings.h"
#include "sysmem_trace.h"

/*
 * The live collections, oldest (lowest id) first, for debugfs: a
 * collection is on the list from its creation until its last reference
 * goes.  sysmem_collections_lock also serializes the ids' assignment, so
 * that the list stays in id order.
 */
static DEFINE_SPINLOCK(sysmem_collections_lock);
static LIST_HEAD(sysmem_collections);
static u64 sysmem_last_collection_id;

/*
 * Runs the collections' strong_end and stall work; drained at module
 * exit (no stall work is left by then: freeing a collection cancels
 * its own).
 */
struct workqueue_struct *sysmem_collection_wq;

static void sysmem_collection_strong_end(struct work_struct *work);

/**
 * struct sysmem_strong_watch - how a collection learns that nothing
 *	strong holds its buffers any more
 * @ref: the collection's reference, and one per buffer counted in @count
 * @count: the collection's buffers whose strong count is not 0
 * @lock: protects @coll
 * @coll: the collection, NULL once it is being freed
 * @quiet: the collection let go of its buffers with no weak node open,
 *	so no weak node can come any more and the end of the last strong
 *	buffer is nobody's business; set once, under the collection lock
 *
 * A buffer's strong count falls to 0 at most once, in whatever task
 * drops the last strong dma-buf, or under the collection lock when the
 * collection lets go of its own hold; so @count falls to 0 at most once
 * too, and then the watch queues the collection's strong_end work
 * rather than take the collection lock, unless the watch is @quiet.
 * @count cannot reach 0 before the collection let go of its own hold,
 * after setting @quiet, and the fully ordered atomic_dec_and_test()
 * that takes it to 0 sees @quiet.
 */
struct sysmem_strong_watch {
	struct kref ref;
	atomic_t count;
	spinlock_t lock;	/* protects @coll */
	struct sysmem_collection *coll;
	bool quiet;
};

static void sysmem_strong_watch_free(struct kref *ref)
{
	kfree(container_of(ref, struct sysmem_strong_watch, ref));
	sysmem_stat_dec(SYSMEM_STAT_WATCHES);
}

/**
 * sysmem_strong_watch_add() - count one more buffer held strongly
 * @watch: the collection's watch
 *
 * The buffer takes a reference on @watch, which it gives back through
 * sysmem_strong_watch_drop() when its strong count falls to 0.
 */
void sysmem_strong_watch_add(struct sysmem_strong_watch *watch)
{
	kref_get(&watch->ref);
	atomic_inc(&watch->count);
}

/**
 * sysmem_strong_watch_drop() - a buffer is no longer held strongly
 * @watch: the watch the buffer was counted in; the buffer's reference
 *	on it is dropped
 *
 * When that was the last buffer held strongly, queue the collection's
 * strong_end work, with a reference on the collection, unless the
 * collection is already being freed or has no weak node to tell.
 *
 * Context: any process context, the collection's lock held or not.
 */
void sysmem_strong_watch_drop(struct sysmem_strong_watch *watch)
{
	struct sysmem_collection *coll = NULL;

	if (atomic_dec_and_test(&watch->count) && !READ_ONCE(watch->quiet)) {
		spin_lock(&watch->lock);
		if (watch->coll && kref_get_unless_zero(&watch->coll->ref))
			coll = watch->coll;
		spin_unlock(&watch->lock);
	}
	/*
	 * The count falls to 0 once, so the work is not pending yet; were
	 * it, its own reference would keep ours from being the last.
	 */
	if (coll && !queue_work(sysmem_collection_wq, &coll->strong_end))
		sysmem_collection_put(coll);
	kref_put(&watch->ref, sysmem_strong_watch_free);
}

/* Let go of the collection's strong hold on its buffers. */
static void sysmem_collection_unhold_buffers(struct sysmem_collection *coll)
{
	unsigned int i, j;

	for (i = 0; i < coll->nr_buffers; i++) {
		struct sysmem_coll_buffer *cb = &coll->buffers[i];

		for (j = 0; j < ARRAY_SIZE(cb->dmabuf); j++) {
			if (cb->dmabuf[j])
				dma_buf_put(cb->dmabuf[j]);
			cb->dmabuf[j] = NULL;
		}
		if (cb->held)
			sysmem_buffer_unhold(cb->buf, true);
		cb->held = false;
	}
}

static void sysmem_collection_drop_buffers(struct sysmem_collection *coll)
{
	unsigned int i;

	sysmem_collection_unhold_buffers(coll);
	for (i = 0; i < coll->nr_buffers; i++)
		sysmem_buffer_put(coll->buffers[i].buf);
	kfree(coll->buffers);
	coll->buffers = NULL;
	coll->nr_buffers = 0;
}

static void sysmem_collection_free(struct kref *ref)
{
	struct sysmem_collection *coll =
		container_of(ref, struct sysmem_collection, ref);

	/* First: sysmem_collection_next() may still be looking at it. */
	spin_lock(&sysmem_collections_lock);
	list_del(&coll->all);
	spin_unlock(&sysmem_collections_lock);
	if (trace_sysmem_collection_free_enabled())
		trace_sysmem_collection_free(coll, ktime_get_ns() -
					     coll->created_ns);
	/* Its work holds no reference: it must be over before the free. */
	sysmem_stall_exit(coll);
	/* The buffers' last strong holds may outlive us: cut them off. */
	spin_lock(&coll->watch->lock);
	coll->watch->coll = NULL;
	spin_unlock(&coll->watch->lock);
	/* No file is left, so nothing else can reach the tree. */
	sysmem_subtree_prune(coll->root, true);
	sysmem_collection_drop_buffers(coll);
	kref_put(&coll->watch->ref, sysmem_strong_watch_free);
	sysmem_tracker_put(coll->lifetime);
	sysmem_payer_put(coll->payer);
	mutex_destroy(&coll->lock);
	kfree(coll);
	sysmem_stat_dec(SYSMEM_STAT_COLLECTIONS);
}

/**
 * sysmem_collection_put() - drop a reference to a collection
 * @coll: the collection; freed, with what is left of its tree, on the
 *	last reference
 */
void sysmem_collection_put(struct sysmem_collection *coll)
{
	kref_put(&coll->ref, sysmem_collection_free);
}

/**
 * sysmem_collection_next() - step through the live collections
 * @prev: the collection the walk is at (its reference is dropped), or
 *	NULL to start
 *
 * Walks in id order.  A collection whose last reference is going is
 * skipped; one made during the walk is seen if its id is above @prev's.
 *
 * Context: process context; takes sysmem_collections_lock, and no
 * collection lock may be held (dropping @prev may free it).
 * Return: the next collection, with a reference the caller passes back
 * as @prev or drops, or NULL at the end.
 */
struct sysmem_collection *sysmem_collection_next(struct sysmem_collection *prev)
{
	struct sysmem_collection *coll;

	spin_lock(&sysmem_collections_lock);
	/* @prev is referenced, so still on the list. */
	if (prev)
		coll = list_next_entry(prev, all);
	else
		coll = list_first_entry(&sysmem_collections,
					struct sysmem_collection, all);
	list_for_each_entry_from(coll, &sysmem_collections, all)
		if (kref_get_unless_zero(&coll->ref))
			break;
	if (list_entry_is_head(coll, &sysmem_collections, all))
		coll = NULL;
	spin_unlock(&sysmem_collections_lock);
	if (prev)
		sysmem_collection_put(prev);
	return coll;
}

/**
 * sysmem_collection_new() - a new, pending collection without nodes
 *
 * The calling task pays for its buffers (sysmem_payer.c).
 *
 * Return: the collection, holding one reference, or NULL without memory.
 */
struct sysmem_collection *sysmem_collection_new(void)
{
	struct sysmem_collection *coll;

	coll = kzalloc(sizeof(*coll), GFP_KERNEL_ACCOUNT);
	if (!coll)
		return NULL;
	coll->watch = kzalloc(sizeof(*coll->watch), GFP_KERNEL_ACCOUNT);
	if (!coll->watch)
		goto free_coll;
	coll->payer = sysmem_payer_current();
	if (!coll->payer)
		goto free_watch;
	coll->lifetime = sysmem_tracker_new(0, false);
	if (!coll->lifetime)
		goto put_payer;
	sysmem_stat_inc(SYSMEM_STAT_WATCHES);
	kref_init(&coll->watch->ref);
	spin_lock_init(&coll->watch->lock);
	coll->watch->coll = coll;
	INIT_WORK(&coll->strong_end, sysmem_collection_strong_end);
	sysmem_stat_inc(SYSMEM_STAT_COLLECTIONS);
	kref_init(&coll->ref);
	mutex_init(&coll->lock);
	init_waitqueue_head(&coll->wq);
	INIT_LIST_HEAD(&coll->slot_owners);
	atomic64_set(&coll->last_node_id, 0);
	/* To a tick: a clock read costs more than the rest on some machines. */
	coll->created_ns = ktime_get_coarse_ns();
	coll->state = SYSMEM_STATE_PENDING;
	coll->max_total_bytes = U64_MAX;
	spin_lock(&sysmem_collections_lock);
	coll->id = ++sysmem_last_collection_id;
	list_add_tail(&coll->all, &sysmem_collections);
	spin_unlock(&sysmem_collections_lock);
	sysmem_stall_init(coll);
	return coll;

put_payer:
	sysmem_payer_put(coll->payer);
free_watch:
	kfree(coll->watch);
free_coll:
	kfree(coll);
	return NULL;
}

/*
 * Wake the collection's waiters after a change of what they wait for
 * (the collection's or a node's state, written before the call).
 * Waiting needs no lock, so an empty queue is only skipped with a full
 * barrier on both sides: wq_has_sleeper()'s here, between the change and
 * the look at the queue, and on the waiters' side one between joining
 * the queue and looking at the state (prepare_to_wait() in wait_event*(),
 * an smp_mb() after poll_wait() in sysmem_node_poll() and after
 * add_wait_queue() in sysmem_knode_bind()).  Either the waker sees the
 * waiter queued, or the waiter sees the change.
 */
static void sysmem_collection_wake(struct sysmem_collection *coll)
{
	if (wq_has_sleeper(&coll->wq))
		wake_up_all(&coll->wq);
}

/*
 * sysmem_collection_fail - fail @coll for everyone, once.
 *
 * Buffers already handed out stay valid until their holders drop them;
 * the collection lets go of its own references now.
 */
static void sysmem_collection_fail(struct sysmem_collection *coll, u32 reason,
				   const struct sysmem_node *node,
				   const char *what)
{
	const char *who = node ? node->dbg.name : "-";

	lockdep_assert_held(&coll->lock);
	if (coll->state == SYSMEM_STATE_FAILED)
		return;
	if (coll->state == SYSMEM_STATE_PENDING) {
		sysmem_stall_stop(coll);
		if (trace_sysmem_negotiation_failed_enabled())
			trace_sysmem_negotiation_failed(coll, reason, node,
							ktime_get_ns() -
							coll->created_ns);
	}
	WRITE_ONCE(coll->reason, reason);
	WRITE_ONCE(coll->state, SYSMEM_STATE_FAILED);
	pr_warn_ratelimited("collection %llu \"%*pE\" failed: %s: participant \"%*pE\" (id %llu): %s\n",
			    coll->id, sysmem_name_len(coll->name), coll->name,
			    sysmem_fail_str(reason),
			    sysmem_name_len(who), who,
			    node ? node->dbg.id : 0, what);
	sysmem_collection_drop_buffers(coll);
	sysmem_tracker_settle(coll->lifetime);
	/* Constraints no longer count: nodes without a file can go. */
	sysmem_subtree_prune(coll->root, false);
	sysmem_collection_wake(coll);
}

/* A node where a failure climbing up from below stops. */
static bool sysmem_node_is_boundary(const struct sysmem_node *node)
{
	return node->attach_root ||
	       (node->dispensable &&
		node->coll->state == SYSMEM_STATE_ALLOCATED);
}

/*
 * sysmem_subtree_fail - fail @top's whole subtree, which leaves the tree
 * (@top is not the root).  @node: where the failure started, for the
 * log.  @coll->lock held.
 */
static void sysmem_subtree_fail(struct sysmem_node *top, u32 reason,
				const struct sysmem_node *node,
				const char *what)
{
	struct sysmem_collection *coll = top->coll;
	struct sysmem_node *parent = top->parent, *n;

	lockdep_assert_held(&coll->lock);
	list_del_init(&top->sibling);
	top->parent = NULL;
	for (n = top; n; n = sysmem_node_next(n, top))
		WRITE_ONCE(n->fail_reason, reason);
	pr_info_ratelimited("collection %llu \"%*pE\": subtree of participant \"%*pE\" (id %llu) failed: %s: participant \"%*pE\" (id %llu): %s\n",
			    coll->id, sysmem_name_len(coll->name), coll->name,
			    sysmem_name_len(top->dbg.name), top->dbg.name, top->dbg.id,
			    sysmem_fail_str(reason),
			    sysmem_name_len(node->dbg.name), node->dbg.name, node->dbg.id,
			    what);
	sysmem_subtree_prune(top, false);
	sysmem_node_prune_up(parent);
	sysmem_collection_wake(coll);
}

/*
 * sysmem_node_fail() - fail a node's failure domain
 * @node: where the failure starts
 * @reason: SYSMEM_FAIL_*
 * @what: for the log line
 *
 * The failure climbs from @node to the first boundary (or the root) and
 * fails that node's whole subtree, which leaves the tree.  Reaching the
 * root fails the collection.
 *
 * Context: the collection lock held.
 */
static void sysmem_node_fail(struct sysmem_node *node, u32 reason,
			     const char *what)
{
	struct sysmem_collection *coll = node->coll;
	struct sysmem_node *top = node;

	lockdep_assert_held(&coll->lock);
	if (node->fail_reason || coll->state == SYSMEM_STATE_FAILED)
		return;
	while (top->parent && !sysmem_node_is_boundary(top))
		top = top->parent;
	if (!top->parent) {
		sysmem_collection_fail(coll, reason, node, what);
		return;
	}
	sysmem_subtree_fail(top, reason, node, what);
}

/*
 * After a negotiation succeeded: every child a group did not choose
 * fails, without propagating.  Inactive groups go with their subtree.
 */
static void sysmem_negotiation_fail_unchosen(struct sysmem_negotiation *ng)
{
	struct sysmem_node *g, *c, *tmp;
	unsigned int i;

	for (i = 0; i < ng->nr_groups; i++) {
		if (!sysmem_group_active(ng->desc, ng->choice, i))
			continue;
		g = ng->groups[i];
		list_for_each_entry_safe(c, tmp, &g->children, sibling)
			if (c != g->group_chosen)
				sysmem_subtree_fail(c, SYSMEM_FAIL_NOT_CHOSEN,
						    c, "not chosen by its group");
	}
}

/* The heap of @set named @name, or NULL. */
static struct sysmem_heap *sysmem_heap_find(const struct sysmem_heap_set *set,
					    const char *name)
{
	struct sysmem_heap *heap = NULL;
	unsigned int i;

	for (i = 0; i < set->nr; i++)
		if (!strncmp(set->descs[i].name, name, SYSMEM_HEAP_NAME_LEN))
			heap = set->heaps[i];
	return heap;
}

/*
 * Allocate the buffers @settings describe from @heap, each held by the
 * collection, into @bufs.  The task whose ioctl made the collection
 * ready allocates for everyone, charging the collection's payer (its
 * creator); heaps give up early once the allocating task is killed
 * (so that an OOM victim can exit), which is that participant going
 * away, not a lack of memory.  Return: SYSMEM_FAIL_NONE, or
 * SYSMEM_FAIL_CONSTRAINTS (over the collection's maximum total size),
 * SYSMEM_FAIL_NO_MEMORY or SYSMEM_FAIL_PARTICIPANT_LOST with @why set.
 */
static u32 sysmem_buffers_alloc(struct sysmem_collection *coll,
				struct sysmem_heap *heap,
				const struct sysmem_buffer_settings *settings,
				struct sysmem_coll_buffer **bufs,
				const char **why)
{
	struct sysmem_coll_buffer *b;
	struct mem_cgroup *old;
	unsigned int i;
	u64 size, total;

	if (sysmem_align_up_overflow(settings->size_bytes, PAGE_SIZE, &size) ||
	    size > SIZE_MAX) {
		*why = "buffer size overflows";
		return SYSMEM_FAIL_NO_MEMORY;
	}
	if (check_mul_overflow(sysmem_buffer_footprint(size, settings),
			       (u64)settings->buffer_count, &total) ||
	    total > coll->max_total_bytes) {
		*why = "the buffers exceed the collection's maximum total size";
		return SYSMEM_FAIL_CONSTRAINTS;
	}
	*why = "the heap could not allocate the buffers";
	old = sysmem_payer_enter(coll->payer);
	b = kcalloc(settings->buffer_count, sizeof(*b), GFP_KERNEL_ACCOUNT);
	sysmem_payer_leave(old);
	if (!b)
		return SYSMEM_FAIL_NO_MEMORY;
	for (i = 0; i < settings->buffer_count; i++) {
		struct sysmem_buffer *buf;

		buf = sysmem_buffer_alloc(heap, size, settings, coll->id, i,
					  coll->lifetime, coll->watch,
					  coll->payer);
		if (IS_ERR(buf)) {
			if (PTR_ERR(buf) == -EDQUOT)
				*why = "over the payer's pinned-memory limit";
			goto unhold_buffers;
		}
		b[i].buf = buf;
		b[i].held = true;
	}
	*bufs = b;
	return SYSMEM_FAIL_NONE;

unhold_buffers:
	while (i--) {
		sysmem_buffer_unhold(b[i].buf, true);
		sysmem_buffer_put(b[i].buf);
	}
	kfree(b);
	if (fatal_signal_pending(current)) {
		*why = "the participant allocating was killed";
		return SYSMEM_FAIL_PARTICIPANT_LOST;
	}
	return SYSMEM_FAIL_NO_MEMORY;
}

/*
 * The node whose going gives back the buffer slots participant @n takes:
 * the nearest dispensable node or attached subtree top from @n up to
 * @top (the top of the domain allocated), or NULL when there is none:
 * those slots stay taken for as long as the collection lives.
 */
static struct sysmem_node *sysmem_slot_owner(struct sysmem_node *n,
					     struct sysmem_node *top)
{
	for (; n; n = n->parent) {
		if (n->dispensable || n->attach_root)
			return n;
		if (n == top)
			break;
	}
	return NULL;
}

static void sysmem_collection_shared_slack(struct sysmem_collection *coll)
{
	struct sysmem_node *n;

	coll->shared_slack = coll->shared_fixed;
	list_for_each_entry(n, &coll->slot_owners, slot_entry)
		coll->shared_slack = max(coll->shared_slack, n->slots_shared);
}

/*
 * Count the buffer slots the participants of negotiation @ng take, each
 * with its slot owner (or for good).  @coll->lock held.
 */
static void sysmem_slots_take(struct sysmem_collection *coll,
			      struct sysmem_negotiation *ng)
{
	struct sysmem_node *owner;
	unsigned int i;
	u32 shared;
	u64 held;

	for (i = 0; i < ng->nr_parts; i++) {
		held = 0;
		shared = 0;
		sysmem_logical_count(&ng->parts[i], 1, &held, &shared);
		coll->held += held;
		owner = ng->nodes[i] ? sysmem_slot_owner(ng->nodes[i], ng->top) :
				       NULL;
		if (!owner) {
			coll->shared_fixed = max(coll->shared_fixed, shared);
			continue;
		}
		if (!owner->holds_slots) {
			owner->holds_slots = true;
			list_add_tail(&owner->slot_entry, &coll->slot_owners);
		}
		owner->slots_held += held;
		owner->slots_shared = max(owner->slots_shared, shared);
	}
	sysmem_collection_shared_slack(coll);
}

/**
 * sysmem_node_give_back_slots() - a slot owner's slots return
 * @node: a node holding slots (@node->holds_slots), being freed
 *
 * Its subtree is entirely gone: the buffer slots its participants took
 * are free for later attached subtrees.
 *
 * Context: the collection lock held, or no file of the collection left.
 */
void sysmem_node_give_back_slots(struct sysmem_node *node)
{
	struct sysmem_collection *coll = node->coll;

	list_del_init(&node->slot_entry);
	node->holds_slots = false;
	coll->held -= node->slots_held;
	node->slots_held = 0;
	sysmem_collection_shared_slack(coll);
}

/*
 * Give @coll the buffers the negotiated @settings describe and count
 * the buffer slots its participants hold.  All or nothing.  Return:
 * SYSMEM_FAIL_NONE, or the reason with @why set.
 */
static u32 sysmem_collection_take(struct sysmem_collection *coll,
				  struct sysmem_negotiation *ng,
				  const struct sysmem_heap_set *set,
				  const struct sysmem_buffer_settings *settings,
				  const char **why)
{
	struct sysmem_coll_buffer *bufs;
	struct sysmem_heap *heap;
	u32 reason;

	heap = sysmem_heap_find(set, settings->heap);
	if (!heap) {
		*why = "the chosen heap is not registered";
		return SYSMEM_FAIL_NO_HEAP;
	}
	reason = sysmem_buffers_alloc(coll, heap, settings, &bufs, why);
	if (reason)
		return reason;

	coll->buffers = bufs;
	coll->nr_buffers = settings->buffer_count;
	coll->settings = *settings;
	sysmem_slots_take(coll, ng);
	return SYSMEM_FAIL_NONE;
}

/*
 * The collection has its buffers: wake its waiters, and fail the
 * children its groups did not choose.
 */
static void sysmem_collection_allocated(struct sysmem_collection *coll,
					struct sysmem_negotiation *ng)
{
	WRITE_ONCE(coll->state, SYSMEM_STATE_ALLOCATED);
	sysmem_stall_stop(coll);
	sysmem_tracker_settle(coll->lifetime);
	sysmem_negotiation_fail_unchosen(ng);
	/* Released nodes' constraints have done their part. */
	sysmem_subtree_prune(coll->root, false);
	sysmem_collection_wake(coll);
}

/*
 * Negotiate and allocate the collection, or fail it.  @coll->lock held,
 * every node ready.
 */
static void sysmem_collection_allocate(struct sysmem_collection *coll)
{
	const char *why = "out of memory while negotiating";
	const struct sysmem_node *culprit = NULL;
	bool traced = trace_sysmem_negotiation_done_enabled();
	u64 start = traced ? ktime_get_ns() : 0;
	struct sysmem_buffer_settings settings;
	struct sysmem_negotiation ng;
	struct sysmem_heap_set *set;
	u32 reason;

	lockdep_assert_held(&coll->lock);
	if (sysmem_negotiation_init(&ng, coll->root, 0)) {
		sysmem_collection_fail(coll, SYSMEM_FAIL_NO_MEMORY, NULL, why);
		return;
	}
	set = sysmem_heaps_get();
	if (!set) {
		reason = SYSMEM_FAIL_NO_MEMORY;
		goto free_negotiation;
	}

	reason = sysmem_negotiate(&ng, set->descs, set->nr, NULL, &settings,
				  &why);
	if (reason)
		culprit = ng.culprit;
	else
		reason = sysmem_collection_take(coll, &ng, set, &settings, &why);
	if (!reason) {
		u64 now = traced ? ktime_get_ns() : 0;

		sysmem_collection_allocated(coll, &ng);
		if (traced)
			trace_sysmem_negotiation_done(coll, now - start,
						      now - coll->created_ns);
	}

	sysmem_heaps_put(set);
free_negotiation:
	sysmem_negotiation_free(&ng);
	if (reason)
		sysmem_collection_fail(coll, reason, culprit, why);
}

/* Whether a node of @top's failure domain is live. */
static bool sysmem_domain_has_live(struct sysmem_node *top)
{
	struct sysmem_node *n;

	for (n = top; n; n = sysmem_domain_next(n, top))
		if (!sysmem_domain_skip(n, top) &&
		    n->state == SYSMEM_NODE_LIVE)
			return true;
	return false;
}

/*
 * Whether @top's domain is ready to allocate: no live token, every live
 * collection node has set constraints, every live group has declared
 * all its children present.
 */
static bool sysmem_domain_ready(struct sysmem_node *top)
{
	struct sysmem_node *n;

	for (n = top; n; n = sysmem_domain_next(n, top)) {
		if (sysmem_domain_skip(n, top) || n->state != SYSMEM_NODE_LIVE)
			continue;
		switch (n->type) {
		case SYSMEM_NODE_TOKEN:
			return false;
		case SYSMEM_NODE_COLLECTION:
			if (!n->has_constraints)
				return false;
			break;
		case SYSMEM_NODE_GROUP:
			if (!n->all_present)
				return false;
			break;
		}
	}
	return true;
}

/*
 * Allocate the attached subtree under @top logically: it shares the
 * collection's buffers if each of its participants admits them and the
 * free buffer slots cover its camping and slack (see
 * lib/sysmem_logical.c), trying its group combinations in order; else
 * it fails alone.  @coll->lock held, the collection allocated, @top's
 * domain ready.
 */
static void sysmem_attach_allocate(struct sysmem_node *top)
{
	struct sysmem_collection *coll = top->coll;
	const char *why = "out of memory while negotiating";
	struct sysmem_logical_base base = {
		.settings = &coll->settings,
		.held = coll->held,
		.shared_slack = coll->shared_slack,
	};
	struct sysmem_negotiation ng;
	struct sysmem_node *n, *parent;
	u32 reason = SYSMEM_FAIL_NO_MEMORY;

	lockdep_assert_held(&coll->lock);
	if (sysmem_negotiation_init(&ng, top, 0))
		goto fail;
	reason = sysmem_negotiate(&ng, NULL, 0, &base, NULL, &why);
	if (!reason) {
		sysmem_slots_take(coll, &ng);
		sysmem_negotiation_fail_unchosen(&ng);
	}
	sysmem_negotiation_free(&ng);
fail:
	if (reason) {
		sysmem_node_fail(top, reason, why);
		return;
	}
	for (n = top; n; n = sysmem_domain_next(n, top))
		if (!sysmem_domain_skip(n, top))
			WRITE_ONCE(n->attach_pending, false);
	/* Constraints that have done their part let their nodes go. */
	parent = top->parent;
	sysmem_subtree_prune(top, false);
	sysmem_node_prune_up(parent);
	sysmem_collection_wake(coll);
}

/*
 * A strong node keeps the collection's buffers alive: a node of the tree
 * that is not weak, has not failed, and is live or still counts with its
 * constraints.
 */
static bool sysmem_node_is_strong(const struct sysmem_node *n)
{
	if (n->weak || n->fail_reason)
		return false;
	return n->state == SYSMEM_NODE_LIVE ||
	       (n->state == SYSMEM_NODE_RELEASED &&
		sysmem_node_constraints_count(n));
}

static bool sysmem_collection_has_strong(struct sysmem_collection *coll)
{
	struct sysmem_node *n;

	for (n = coll->root; n; n = sysmem_node_next(n, coll->root))
		if (sysmem_node_is_strong(n))
			return true;
	return false;
}

/* True when a weak node is still open: someone to see the collection end. */
static bool sysmem_collection_has_weak(struct sysmem_collection *coll)
{
	struct sysmem_node *n;

	for (n = coll->root; n; n = sysmem_node_next(n, coll->root))
		if (n->weak && !n->fail_reason && n->state == SYSMEM_NODE_LIVE)
			return true;
	return false;
}

/*
 * sysmem_collection_check_strong() - act on the last strong node's going
 * @coll: the collection
 * @who: the node that changed, for the log, or NULL
 *
 * With no strong node left, fail a collection still pending, and make
 * an allocated one let go of its buffers (which then live only as long
 * as their strong dma-bufs).  An allocated collection with no strong
 * node and no buffer held strongly any more fails when weak nodes are
 * left, since nothing keeps the buffers for them; without any, it just
 * ends, with nothing logged.
 *
 * Context: @coll->lock held.
 * Return: true when the collection failed.
 */
static bool sysmem_collection_check_strong(struct sysmem_collection *coll,
					   const struct sysmem_node *who)
{
	lockdep_assert_held(&coll->lock);
	if (!coll->root || coll->state == SYSMEM_STATE_FAILED)
		return false;
	if (!coll->let_go) {
		if (sysmem_collection_has_strong(coll))
			return false;
		if (coll->state == SYSMEM_STATE_PENDING) {
			sysmem_collection_fail(coll,
					       SYSMEM_FAIL_PARTICIPANT_LOST,
					       who,
					       "no strong node left before allocation");
			return true;
		}
		coll->let_go = true;
		/*
		 * Only a strong node or a weak one can make a weak node: with
		 * neither left, the strong_end work would have nothing to do.
		 */
		if (!sysmem_collection_has_weak(coll))
			WRITE_ONCE(coll->watch->quiet, true);
		sysmem_collection_unhold_buffers(coll);
	}
	if (atomic_read(&coll->watch->count))
		return false;
	/* With no weak node left either, nobody is told: it just ends. */
	if (!sysmem_collection_has_weak(coll))
		return false;
	sysmem_collection_fail(coll, SYSMEM_FAIL_PARTICIPANT_LOST, who,
			       "no strong node and no strong buffer left");
	return true;
}

/*
 * The work queued when the last buffer held strongly lets go: fail the
 * collection if it has no strong node left either.  Holds a reference
 * on the collection, queued by sysmem_strong_watch_drop().
 */
static void sysmem_collection_strong_end(struct work_struct *work)
{
	struct sysmem_collection *coll =
		container_of(work, struct sysmem_collection, strong_end);

	mutex_lock(&coll->lock);
	if (coll->let_go)
		sysmem_collection_check_strong(coll, NULL);
	mutex_unlock(&coll->lock);
	sysmem_collection_put(coll);
}

/**
 * sysmem_collection_init() - set up what collections share
 *
 * Return: 0 or -ENOMEM.
 */
int sysmem_collection_init(void)
{
	/*
	 * Unbound: the work only takes a collection lock.  (7.x warns when
	 * neither WQ_UNBOUND nor WQ_PERCPU is given.)
	 */
	sysmem_collection_wq = alloc_workqueue("sysmem", WQ_UNBOUND, 0);
	return sysmem_collection_wq ? 0 : -ENOMEM;
}

/**
 * sysmem_collection_exit() - undo sysmem_collection_init()
 *
 * Runs what work is still queued (a collection whose last strong
 * dma-buf was just released) before the module goes.
 */
void sysmem_collection_exit(void)
{
	sysmem_stall_module_exit();
	destroy_workqueue(sysmem_collection_wq);
}

/**
 * sysmem_collection_update() - act on a change of the tree
 * @coll: the collection
 * @who: the node that changed, for the log
 *
 * Fail a domain that has nobody left before its allocation, allocate
 * the collection when it is ready, then each attached subtree that is
 * ready once the collection (and the subtree above it) is allocated;
 * and let the buffers go once no strong node is left.
 *
 * Context: @coll->lock held.
 */
void sysmem_collection_update(struct sysmem_collection *coll,
			      const struct sysmem_node *who)
{
	struct sysmem_node *n;

	lockdep_assert_held(&coll->lock);
	if (sysmem_collection_check_strong(coll, who))
		return;
	if (coll->state == SYSMEM_STATE_PENDING && coll->root) {
		if (!sysmem_domain_has_live(coll->root)) {
			sysmem_collection_fail(coll,
					       SYSMEM_FAIL_PARTICIPANT_LOST,
					       who,
					       "no participant left before allocation");
			return;
		}
		if (sysmem_domain_ready(coll->root))
			sysmem_collection_allocate(coll);
	}
restart:
	if (coll->state == SYSMEM_STATE_FAILED)
		return;
	/*
	 * Each pass fails or allocates one subtree, or ends the loop: a
	 * subtree acted on leaves the walk (it failed and left the tree,
	 * or is no longer pending), so every restart walks fewer.
	 */
	for (n = coll->root; n; n = sysmem_node_next(n, coll->root)) {
		if (!n->attach_root || !n->attach_pending || n->fail_reason)
			continue;
		if (!sysmem_domain_has_live(n)) {
			sysmem_node_fail(n, SYSMEM_FAIL_PARTICIPANT_LOST,
					 "no participant left before allocation");
			goto restart;
		}
		if (coll->state == SYSMEM_STATE_ALLOCATED &&
		    !n->parent->attach_pending && sysmem_domain_ready(n)) {
			sysmem_attach_allocate(n);
			goto restart;
		}
	}
	sysmem_collection_check_strong(coll, who);
}

/**
 * sysmem_node_release() - a live node leaves cleanly (NODE_RELEASE)
 * @node: the node, live
 *
 * Its constraints, if set, still count; a group that has not declared
 * all its children present fails its domain.  Leaving may make the
 * collection ready: it is then negotiated and allocated before this
 * returns.
 *
 * Context: the collection lock held.
 */
void sysmem_node_release(struct sysmem_node *node)
{
	lockdep_assert_held(&node->coll->lock);
	WRITE_ONCE(node->state, SYSMEM_NODE_RELEASED);
	if (node->type == SYSMEM_NODE_GROUP && !node->all_present)
		sysmem_node_fail(node, SYSMEM_FAIL_PARTICIPANT_LOST,
				 "group released before all children present");
	sysmem_collection_update(node->coll, node);
}

/**
 * sysmem_node_withdraw() - a node never handed out leaves
 * @node: the node
 *
 * For a node whose fd the ioctl that made it could not hand out: if it
 * was already put live in the tree, it leaves as if released, without
 * failing anything (a group is not held to declaring its children).
 * Like sysmem_node_release(), leaving may make the collection ready: it
 * is then negotiated and allocated before this returns.
 *
 * Context: the collection lock held.
 */
void sysmem_node_withdraw(struct sysmem_node *node)
{
	lockdep_assert_held(&node->coll->lock);
	if (node->state != SYSMEM_NODE_LIVE)
		return;
	WRITE_ONCE(node->state, SYSMEM_NODE_RELEASED);
	sysmem_collection_update(node->coll, node);
}

/**
 * sysmem_node_close() - a node's file is closed
 * @node: the node
 *
 * A node still live was closed without release: its failure domain
 * fails.  The node stays, without its file, while its constraints
 * still count.
 *
 * Context: the collection lock held.
 */
void sysmem_node_close(struct sysmem_node *node)
{
	struct sysmem_collection *coll = node->coll;

	lockdep_assert_held(&coll->lock);
	if (node->state == SYSMEM_NODE_LIVE) {
		WRITE_ONCE(node->state, SYSMEM_NODE_CLOSED);
		sysmem_node_fail(node, SYSMEM_FAIL_PARTICIPANT_LOST,
				 "closed without release");
	}
	sysmem_collection_check_strong(coll, node);
	/* Constraints outlive the fd while they still count. */
	node->has_file = false;
	sysmem_node_prune_up(node);
}

/**
 * sysmem_node_discard() - undo sysmem_node_alloc()
 * @node: a node that never got a file, nor joined the tree
 *
 * Context: takes and drops the collection lock.
 */
void sysmem_node_discard(struct sysmem_node *node)
{
	struct sysmem_collection *coll = node->coll;

	mutex_lock(&coll->lock);
	node->has_file = false;
	sysmem_node_prune_up(node);
	mutex_unlock(&coll->lock);
	sysmem_collection_put(coll);
}
