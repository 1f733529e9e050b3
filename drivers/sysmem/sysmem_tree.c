// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem core: the node tree.
 *
 * Creating nodes and putting them in their collection's tree, walking
 * it, and freeing the nodes nothing refers to any more.  What a tree is
 * and how its failure domains work is told in sysmem_core.h; acting on
 * a change of the tree is sysmem_collection.c's.
 */

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "sysmem_core.h"
#include "sysmem_stats.h"
#include "sysmem_trace.h"

static void sysmem_node_ident_free(struct kref *ref)
{
	kfree(container_of(ref, struct sysmem_node_ident, ref));
}

/**
 * sysmem_node_ident_put() - drop a reference to a node's identity
 * @ident: the identity, from the node or from a node ref fd
 */
void sysmem_node_ident_put(struct sysmem_node_ident *ident)
{
	kref_put(&ident->ref, sysmem_node_ident_free);
}

static void sysmem_node_free(struct sysmem_node *node)
{
	struct sysmem_collection *coll = node->coll;

	/* Before its tracking fds fire: a replacement then finds them. */
	if (node->holds_slots)
		sysmem_node_give_back_slots(node);
	if (node->gone)
		sysmem_tracker_dec(node->gone);
	if (node->ident) {
		node->ident->node = NULL;
		sysmem_node_ident_put(node->ident);
	}
	kvfree(node->images);
	kvfree(node->heaps);
	kfree(node);
	atomic_dec(&coll->nr_nodes);
	sysmem_stat_dec(SYSMEM_STAT_NODES);
}

/*
 * Tree walks, without recursion: sysmem_node_next() visits @top's
 * subtree parents first; sysmem_node_next_post() children first, so the
 * node it returned may be freed before the walk goes on.
 */

/**
 * sysmem_node_next() - the next node of a subtree, parents first
 * @n: the node the walk is at, starting at @top
 * @top: the top of the subtree walked
 *
 * Context: @top's collection lock held.
 * Return: the next node, or NULL at the end of the walk.
 */
struct sysmem_node *sysmem_node_next(struct sysmem_node *n,
				     struct sysmem_node *top)
{
	if (!list_empty(&n->children))
		return list_first_entry(&n->children, struct sysmem_node,
					sibling);
	while (n != top) {
		if (!list_is_last(&n->sibling, &n->parent->children))
			return list_next_entry(n, sibling);
		n = n->parent;
	}
	return NULL;
}

/**
 * sysmem_domain_next() - the next node of a failure domain, parents first
 * @n: the node the walk is at, starting at @top
 * @top: the top of the domain
 *
 * Walks like sysmem_node_next() but does not enter the attached subtrees
 * below @top; it still visits their roots, which callers skip with
 * sysmem_domain_skip().
 *
 * Context: @top's collection lock held.
 * Return: the next node, or NULL at the end of the walk.
 */
struct sysmem_node *sysmem_domain_next(struct sysmem_node *n,
				       struct sysmem_node *top)
{
	if ((n == top || !n->attach_root) && !list_empty(&n->children))
		return list_first_entry(&n->children, struct sysmem_node,
					sibling);
	while (n != top) {
		if (!list_is_last(&n->sibling, &n->parent->children))
			return list_next_entry(n, sibling);
		n = n->parent;
	}
	return NULL;
}

/**
 * sysmem_domain_skip() - whether a domain walk skips a node
 * @n: a node sysmem_domain_next() visited
 * @top: the top of the domain
 *
 * Return: true for the root of an attached subtree below @top.
 */
bool sysmem_domain_skip(const struct sysmem_node *n,
			const struct sysmem_node *top)
{
	return n != top && n->attach_root;
}

static struct sysmem_node *sysmem_node_first_leaf(struct sysmem_node *n)
{
	while (!list_empty(&n->children))
		n = list_first_entry(&n->children, struct sysmem_node, sibling);
	return n;
}

static struct sysmem_node *sysmem_node_next_post(struct sysmem_node *n,
						 struct sysmem_node *top)
{
	if (n == top)
		return NULL;
	if (!list_is_last(&n->sibling, &n->parent->children))
		return sysmem_node_first_leaf(list_next_entry(n, sibling));
	return n->parent;
}

/* Take @node out of the tree; it must have no children left. */
static void sysmem_node_unlink(struct sysmem_node *node)
{
	struct sysmem_collection *coll = node->coll;

	if (node->parent)
		list_del_init(&node->sibling);
	else if (coll->root == node)
		coll->root = NULL;
	node->parent = NULL;
}

/**
 * sysmem_node_constraints_count() - whether a node's constraints count
 * @node: the node
 *
 * A node's constraints count until the allocation they are for: the
 * collection's, or its attached subtree's; not once it failed.
 *
 * Context: the collection lock held.
 * Return: true while they count.
 */
bool sysmem_node_constraints_count(const struct sysmem_node *node)
{
	u32 state = node->coll->state;

	return node->has_constraints && !node->fail_reason &&
	       state != SYSMEM_STATE_FAILED &&
	       (state == SYSMEM_STATE_PENDING || node->attach_pending);
}

/*
 * A node can go once nothing refers to it: no file, no children, and no
 * constraints that still count.
 */
static bool sysmem_node_prunable(const struct sysmem_node *node)
{
	return !node->has_file && list_empty(&node->children) &&
	       !sysmem_node_constraints_count(node);
}

/**
 * sysmem_node_prune_up() - free a node and its ancestors that can go
 * @node: the node, or NULL
 *
 * Frees @node and then each ancestor that has nothing left to hold it.
 *
 * Context: the collection lock held.
 */
void sysmem_node_prune_up(struct sysmem_node *node)
{
	lockdep_assert_held(&node->coll->lock);
	while (node && sysmem_node_prunable(node)) {
		struct sysmem_node *parent = node->parent;

		sysmem_node_unlink(node);
		sysmem_node_free(node);
		node = parent;
	}
}

/**
 * sysmem_subtree_prune() - free the nodes of a subtree that can go
 * @top: the top of the subtree, or NULL
 * @all: free every node, whatever refers to it
 *
 * Context: the collection lock held, or no file of the collection left.
 */
void sysmem_subtree_prune(struct sysmem_node *top, bool all)
{
	struct sysmem_node *n, *next;

	if (!top)
		return;
	for (n = sysmem_node_first_leaf(top); n; n = next) {
		next = sysmem_node_next_post(n, top);
		if (all || sysmem_node_prunable(n)) {
			sysmem_node_unlink(n);
			sysmem_node_free(n);
		}
	}
}

/**
 * sysmem_node_status() - a collection's state as one node sees it
 * @node: the node
 * @reason: set to SYSMEM_FAIL_*, SYSMEM_FAIL_NONE unless failed
 *
 * Its own failure domain's failure first, then the collection's
 * failure, then whether its attached subtree still waits, then the
 * collection's state.  Without the lock the answer may be stale, as
 * any lockless read.
 *
 * Return: SYSMEM_STATE_*.
 */
u32 sysmem_node_status(const struct sysmem_node *node, u32 *reason)
{
	struct sysmem_collection *coll = node->coll;
	u32 r = READ_ONCE(node->fail_reason);
	u32 state;

	if (r) {
		*reason = r;
		return SYSMEM_STATE_FAILED;
	}
	state = READ_ONCE(coll->state);
	if (state == SYSMEM_STATE_FAILED) {
		*reason = READ_ONCE(coll->reason);
		return state;
	}
	*reason = SYSMEM_FAIL_NONE;
	if (READ_ONCE(node->attach_pending))
		return SYSMEM_STATE_PENDING;
	return state;
}

/**
 * sysmem_node_alloc() - a new node, not yet in its collection's tree
 * @coll: the collection
 * @type: what the node is
 *
 * The node holds a collection reference and counts as having a file (it
 * is about to get one).  It stays released (inert) until linked.  It
 * gets the collection's next node id, and the calling task's tgid.  It
 * counts against the collection's SYSMEM_MAX_NODES from now until it is
 * freed, and its memory against the calling task's memory cgroup.
 *
 * Return: the node, or an ERR_PTR: -ENOSPC when the collection already
 * has SYSMEM_MAX_NODES nodes, -ENOMEM.
 */
struct sysmem_node *sysmem_node_alloc(struct sysmem_collection *coll,
				      enum sysmem_node_type type)
{
	struct sysmem_node *node;

	if (!atomic_add_unless(&coll->nr_nodes, 1, SYSMEM_MAX_NODES))
		return ERR_PTR(-ENOSPC);
	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node) {
		atomic_dec(&coll->nr_nodes);
		return ERR_PTR(-ENOMEM);
	}
	sysmem_stat_inc(SYSMEM_STAT_NODES);
	node->coll = coll;
	node->type = type;
	node->state = SYSMEM_NODE_RELEASED;
	node->has_file = true;
	node->id = atomic64_inc_return(&coll->last_node_id);
	node->pid = task_tgid_nr(current);
	INIT_LIST_HEAD(&node->children);
	INIT_LIST_HEAD(&node->sibling);
	INIT_LIST_HEAD(&node->slot_entry);
	kref_get(&coll->ref);
	return node;
}

/**
 * sysmem_node_set_kernel() - mark a node as a kernel participant's
 * @node: the node, from sysmem_node_alloc(); not yet in the tree, or
 *	its collection lock held
 *
 * It shows as such (and with no pid) in fdinfo and debugfs.
 */
void sysmem_node_set_kernel(struct sysmem_node *node)
{
	node->kernel = true;
	node->pid = 0;
}

/**
 * sysmem_node_type_word() - a node type as one word
 * @type: SYSMEM_NODE_*
 *
 * The word fdinfo, debugfs and the stall log line use.
 *
 * Return: "token", "collection", "group", or "unknown".
 */
const char *sysmem_node_type_word(enum sysmem_node_type type)
{
	switch (type) {
	case SYSMEM_NODE_TOKEN:
		return "token";
	case SYSMEM_NODE_COLLECTION:
		return "collection";
	case SYSMEM_NODE_GROUP:
		return "group";
	}
	return "unknown";
}

/**
 * sysmem_node_missing() - what a node lacks before its allocation
 * @node: the node
 *
 * Only a live node whose allocation is still to come can lack anything:
 * a token must be bound (or released), a collection node must set
 * constraints, a group must declare all its children present.  These
 * are exactly what keep sysmem_collection_update() from allocating.
 *
 * Context: the collection lock held.
 * Return: SYSMEM_MISSING_* bits, 0 for nothing.
 */
unsigned int sysmem_node_missing(const struct sysmem_node *node)
{
	u32 reason;

	if (node->state != SYSMEM_NODE_LIVE ||
	    sysmem_node_status(node, &reason) != SYSMEM_STATE_PENDING)
		return 0;
	switch (node->type) {
	case SYSMEM_NODE_TOKEN:
		return SYSMEM_MISSING_UNBOUND_TOKEN;
	case SYSMEM_NODE_COLLECTION:
		return node->has_constraints ? 0 : SYSMEM_MISSING_NO_CONSTRAINTS;
	case SYSMEM_NODE_GROUP:
		return node->all_present ? 0 : SYSMEM_MISSING_GROUP_CHILDREN;
	}
	return 0;
}

/**
 * sysmem_node_link() - put a node live into its collection's tree
 * @node: the node, from sysmem_node_alloc()
 * @parent: its parent, or NULL to make it the root
 * @rights: SYSMEM_RIGHT_* it has
 * @dbg: who it belongs to
 *
 * @node becomes the last child of @parent.
 *
 * Context: the collection lock held.
 */
void sysmem_node_link(struct sysmem_node *node, struct sysmem_node *parent,
		      u32 rights, const struct sysmem_debug_info *dbg)
{
	lockdep_assert_held(&node->coll->lock);
	node->state = SYSMEM_NODE_LIVE;
	node->rights = rights;
	node->dbg = *dbg;
	node->parent = parent;
	if (parent) {
		list_add_tail(&node->sibling, &parent->children);
		node->attach_pending = parent->attach_pending;
		/* Weak and weak-ok pass to nodes made from now on. */
		node->weak = parent->weak;
		node->weak_ok = parent->weak_ok_children;
		node->weak_ok_children = parent->weak_ok_children;
		/* A node made in a failed subtree is born failed. */
		node->fail_reason = parent->fail_reason;
		trace_sysmem_token_duplicate(node);
	} else {
		node->coll->root = node;
		trace_sysmem_token_create(node);
	}
}

/**
 * sysmem_node_replace() - put a collection node in a token's place
 * @token: the live token it was bound from, which becomes bound
 * @node: the collection node, from sysmem_node_alloc()
 *
 * Same parent, same children, same boundary.  A token with no parent is
 * either the root, whose place @node takes, or the top of a failed
 * subtree, which has left the tree: @node then stays out of it too, born
 * failed.
 *
 * Context: the collection lock held.
 */
void sysmem_node_replace(struct sysmem_node *token, struct sysmem_node *node)
{
	struct sysmem_collection *coll = token->coll;
	struct sysmem_node *child;

	lockdep_assert_held(&coll->lock);
	node->state = SYSMEM_NODE_LIVE;
	node->rights = token->rights;
	node->dbg = token->dbg;
	node->dispensable = token->dispensable;
	node->attach_root = token->attach_root;
	node->attach_pending = token->attach_pending;
	node->fail_reason = token->fail_reason;
	node->weak = token->weak;
	node->weak_ok = token->weak_ok;
	node->weak_ok_children = token->weak_ok_children;
	node->gone = token->gone;
	token->gone = NULL;
	node->ident = token->ident;
	token->ident = NULL;
	if (node->ident)
		node->ident->node = node;
	node->nr_tracking = token->nr_tracking;
	/* It takes the token's place, and its id: ids stay stable. */
	node->id = token->id;
	if (token->holds_slots) {
		list_replace_init(&token->slot_entry, &node->slot_entry);
		node->holds_slots = true;
		node->slots_held = token->slots_held;
		node->slots_shared = token->slots_shared;
		token->holds_slots = false;
	}
	node->parent = token->parent;
	if (token->parent)
		list_replace_init(&token->sibling, &node->sibling);
	else if (coll->root == token)
		coll->root = node;
	token->parent = NULL;
	list_splice_init(&token->children, &node->children);
	list_for_each_entry(child, &node->children, sibling)
		child->parent = node;
	token->state = SYSMEM_NODE_BOUND;
	trace_sysmem_token_bind(node);
}

/**
 * sysmem_node_new() - a live root for a collection's tree
 * @coll: the collection
 * @type: what the node is
 * @rights: SYSMEM_RIGHT_* it has
 * @dbg: who it belongs to
 *
 * The first node of a new collection, which its node bound cannot
 * refuse.
 *
 * Context: @coll->lock held.
 * Return: the node, or NULL without memory.
 */
struct sysmem_node *sysmem_node_new(struct sysmem_collection *coll,
				    enum sysmem_node_type type, u32 rights,
				    const struct sysmem_debug_info *dbg)
{
	struct sysmem_node *node = sysmem_node_alloc(coll, type);

	if (IS_ERR(node))
		return NULL;
	sysmem_node_link(node, NULL, rights, dbg);
	return node;
}

static unsigned int sysmem_node_depth(const struct sysmem_node *n)
{
	unsigned int d = 0;

	while ((n = n->parent))
		d++;
	return d;
}

/**
 * sysmem_nodes_alternate() - whether two nodes are alternatives
 * @a: a node
 * @b: another node of the same collection
 *
 * Two nodes are alternatives when their nearest common ancestor is a
 * group (so they lie under different children of it).
 *
 * Context: the collection lock held.
 * Return: true for alternatives.
 */
bool sysmem_nodes_alternate(struct sysmem_node *a, struct sysmem_node *b)
{
	unsigned int da = sysmem_node_depth(a), db = sysmem_node_depth(b);
	struct sysmem_node *pa = a, *pb = b;

	for (; da > db; da--)
		pa = pa->parent;
	for (; db > da; db--)
		pb = pb->parent;
	/* One is the other's ancestor (or itself): never alternatives. */
	if (pa == pb)
		return false;
	while (pa->parent != pb->parent) {
		pa = pa->parent;
		pb = pb->parent;
	}
	/* No common ancestor: one of them left the tree (failed). */
	return pa->parent && pa->parent->type == SYSMEM_NODE_GROUP;
}

/**
 * sysmem_node_settled() - whether the wait of a node is over
 * @node: the node
 *
 * Return: true once its collection or its domain settled.
 */
bool sysmem_node_settled(const struct sysmem_node *node)
{
	u32 reason;

	return sysmem_node_status(node, &reason) != SYSMEM_STATE_PENDING;
}

/**
 * sysmem_node_outcome() - how a wait of a node ends
 * @node: the node
 *
 * Return: 0 once allocated, -EIO once failed, -ETIMEDOUT while pending.
 */
int sysmem_node_outcome(const struct sysmem_node *node)
{
	u32 reason;

	switch (sysmem_node_status(node, &reason)) {
	case SYSMEM_STATE_ALLOCATED:
		return 0;
	case SYSMEM_STATE_FAILED:
		return -EIO;
	}
	return -ETIMEDOUT;
}
