// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem nodes and collections.
 *
 * Every token and collection fd is a node of one tree per logical
 * collection: the root token (or non-shared collection) at the top, each
 * duplicate a child of the token it was made from, a collection in the
 * place of the token it was bound from.  A collection negotiates and
 * allocates once no token of the tree is left unbound and every live
 * collection node has set constraints.
 *
 * Failure domains: a node that fails (closed without RELEASE) fails its
 * parent, and so on up to the root, unless a boundary stops it: a token
 * made by ATTACH_TOKEN always is, a node made dispensable is once the
 * collection is allocated.  The top of the climb fails together with its
 * whole subtree, which leaves the tree; failing the root fails the
 * collection.  Before its allocation, a domain with no live node left
 * fails as well.
 *
 * Attached subtrees take no part in the collection's allocation: once
 * the collection is allocated and such a subtree is ready, it is
 * allocated logically against the existing buffers (lib/sysmem_logical.c)
 * and either shares them or fails alone.
 *
 * Weak nodes: only strong nodes (live, or released with constraints
 * that still count, and not weak) keep a collection's buffers alive.
 * Before allocation, a collection left with no strong node fails; after
 * it, the collection lets go of its hold on the buffers, each of which
 * then lives only as long as its strong dma-bufs (sysmem_buffer.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/kref.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "sysmem_group.h"
#include "sysmem_internal.h"
#include "sysmem_logical.h"
#include "sysmem_math.h"
#include "sysmem_strings.h"

enum sysmem_node_type {
	SYSMEM_NODE_TOKEN,
	SYSMEM_NODE_COLLECTION,
	SYSMEM_NODE_GROUP,
};

enum sysmem_node_state {
	SYSMEM_NODE_LIVE,	/* the fd may be used */
	SYSMEM_NODE_RELEASED,	/* left cleanly, or never handed out */
	SYSMEM_NODE_BOUND,	/* a token consumed by BIND, out of the tree */
	SYSMEM_NODE_CLOSED,	/* closed without RELEASE */
};

/**
 * struct sysmem_coll_buffer - a collection's hold on one buffer
 * @buf: the buffer (one reference)
 * @dmabuf: the buffer exported read-only [0] and writable [1] for strong
 *	nodes, each exported on first demand and holding one file reference
 * @held: the collection holds the buffer alive (a strong hold), until
 *	it has no strong node left
 */
struct sysmem_coll_buffer {
	struct sysmem_buffer *buf;
	struct dma_buf *dmabuf[2];
	bool held;
};

/**
 * struct sysmem_collection - one logical buffer collection
 * @ref: one reference per node that has a file (or is being created)
 * @lock: protects every field below but @id and @ref, and every node's
 *	state, constraints and tree links
 * @id: unique id, never reused
 * @state: SYSMEM_STATE_*; read without @lock only by waiters
 * @reason: SYSMEM_FAIL_* once failed
 * @wq: woken when @state or a node's failure changes
 * @root: the top of the node tree, NULL once every node of it is gone
 * @lifetime: counts the buffers whose memory is not back in the heap;
 *	settled once the collection leaves SYSMEM_STATE_PENDING
 * @in_force: the constraints of the allocation, for attached subtrees:
 *	@nr_in_force participants pointing into @in_force_c, owning their
 *	heap and image arrays (moved from the nodes)
 * @in_force_c: the constraints themselves
 * @nr_in_force: entries of @in_force
 * @taken: buffers the accepted attached subtrees camp on or keep as
 *	dedicated slack
 * @name: the collection's name, "" until named
 * @name_priority: priority of @name
 * @settings: the chosen settings once allocated
 * @nr_buffers: entries of @buffers
 * @buffers: the buffers, until the collection fails or is freed
 * @let_go: allocated, then left without a strong node: the buffers are
 *	no longer held by the collection (a strong node never comes back)
 */
struct sysmem_collection {
	struct kref ref;
	struct mutex lock;	/* the collection's state and its node tree */
	u64 id;
	u32 state;
	u32 reason;
	wait_queue_head_t wq;
	struct sysmem_node *root;
	struct sysmem_tracker *lifetime;
	struct sysmem_participant *in_force;
	struct sysmem_buffer_constraints *in_force_c;
	unsigned int nr_in_force;
	u32 taken;
	char name[SYSMEM_NAME_LEN];
	u32 name_priority;
	struct sysmem_buffer_settings settings;
	unsigned int nr_buffers;
	struct sysmem_coll_buffer *buffers;
	bool let_go;
};

/**
 * struct sysmem_node - a token or collection fd, or what is left of it
 * @coll: the collection (a reference while the node has a file)
 * @parent: the parent node; NULL for the root, for a node not (or no
 *	longer) in the tree, and for the top of a failed subtree
 * @children: the child nodes, oldest first
 * @sibling: entry in @parent->children
 * @type: token or collection; never changes
 * @state: enum sysmem_node_state
 * @has_file: the node's fd is open; a node without a file and without
 *	children is freed once its constraints no longer count
 * @dispensable: the node is a failure boundary once allocation is done
 * @attach_root: made by ATTACH_TOKEN (or bound from such a token): the
 *	top of an attached subtree, always a failure boundary
 * @attach_pending: the node is in an attached subtree not allocated
 *	(logically) yet; read without the lock by waiters
 * @all_present: a group whose children were all declared present
 * @group_index: a group's place in the negotiation being run
 * @group_chosen: the child a group chose in the last combination tried
 *	(NULL for a group without children)
 * @fail_reason: SYSMEM_FAIL_* once the node's failure domain failed
 *	without failing the collection; read without the lock by waiters
 * @weak: the node's buffers are weak; nodes created from it are weak
 * @weak_ok: the participant watches close-weak fds
 * @weak_ok_children: nodes created from this one are weak-ok too
 * @waited: a collection that waited for, or got, its result
 * @rights: SYSMEM_RIGHT_* left after every duplicate's attenuation
 * @has_constraints: @c and @heaps are set
 * @c: the constraints, with the user heap pointer cleared
 * @heaps: kernel copy of the permitted heap names, or NULL
 * @images: kernel copy of the image format constraints, or NULL
 * @dbg: who the participant is, for log lines
 * @gone: counts 1 until the node is freed, for node tracking fds; NULL
 *	until the first one is made (passed on by BIND)
 * @nr_tracking: tracking fds made through this node so far
 * @ident: what node ref fds of this node name, NULL until the first one
 *
 * Every field but @coll and @type is protected by @coll->lock.
 */
struct sysmem_node {
	struct sysmem_collection *coll;
	struct sysmem_node *parent;
	struct list_head children;
	struct list_head sibling;
	enum sysmem_node_type type;
	enum sysmem_node_state state;
	bool has_file;
	bool dispensable;
	bool attach_root;
	bool attach_pending;
	bool all_present;
	u32 group_index;
	struct sysmem_node *group_chosen;
	u32 fail_reason;
	bool weak;
	bool weak_ok;
	bool weak_ok_children;
	bool waited;
	u32 rights;
	bool has_constraints;
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name *heaps;
	struct sysmem_image_constraints *images;
	struct sysmem_debug_info dbg;
	struct sysmem_tracker *gone;
	u32 nr_tracking;
	struct sysmem_node_ident *ident;
};

/**
 * struct sysmem_node_ident - what a node ref fd names
 * @ref: one for the node until it is freed, one per node ref fd
 * @coll_id: the id of the node's collection
 * @node: the node, NULL once it is freed; written, and read, only under
 *	the lock of the collection @coll_id names
 */
struct sysmem_node_ident {
	struct kref ref;
	u64 coll_id;
	struct sysmem_node *node;
};

static atomic64_t sysmem_last_collection_id = ATOMIC64_INIT(0);
static const struct file_operations sysmem_node_fops;

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

static void sysmem_node_ident_free(struct kref *ref)
{
	kfree(container_of(ref, struct sysmem_node_ident, ref));
}

static void sysmem_node_free(struct sysmem_node *node)
{
	if (node->gone)
		sysmem_tracker_dec(node->gone);
	if (node->ident) {
		node->ident->node = NULL;
		kref_put(&node->ident->ref, sysmem_node_ident_free);
	}
	kvfree(node->images);
	kfree(node->heaps);
	kfree(node);
}

/*
 * Tree walks, without recursion: sysmem_node_next() visits @top's
 * subtree parents first; sysmem_node_next_post() children first, so the
 * node it returned may be freed before the walk goes on.
 */
static struct sysmem_node *sysmem_node_next(struct sysmem_node *n,
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

/*
 * sysmem_domain_next() walks like sysmem_node_next() but does not enter
 * the attached subtrees below @top; it still visits their roots, which
 * callers skip with sysmem_domain_skip().
 */
static struct sysmem_node *sysmem_domain_next(struct sysmem_node *n,
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

static bool sysmem_domain_skip(const struct sysmem_node *n,
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

/*
 * A node's constraints count until the allocation they are for: the
 * collection's, or its attached subtree's; not once it failed.
 */
static bool sysmem_node_constraints_count(const struct sysmem_node *node)
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

/* Free @node and then each ancestor that has nothing left to hold it. */
static void sysmem_node_prune_up(struct sysmem_node *node)
{
	lockdep_assert_held(&node->coll->lock);
	while (node && sysmem_node_prunable(node)) {
		struct sysmem_node *parent = node->parent;

		sysmem_node_unlink(node);
		sysmem_node_free(node);
		node = parent;
	}
}

/* Free every node of @top's subtree that can go; @all: every node. */
static void sysmem_subtree_prune(struct sysmem_node *top, bool all)
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

static void sysmem_collection_free(struct kref *ref)
{
	struct sysmem_collection *coll =
		container_of(ref, struct sysmem_collection, ref);
	unsigned int i;

	/* No file is left, so nothing else can reach the tree. */
	sysmem_subtree_prune(coll->root, true);
	for (i = 0; i < coll->nr_in_force; i++) {
		kfree(coll->in_force[i].heaps);
		kvfree(coll->in_force[i].images);
	}
	kfree(coll->in_force);
	kfree(coll->in_force_c);
	sysmem_collection_drop_buffers(coll);
	sysmem_tracker_put(coll->lifetime);
	mutex_destroy(&coll->lock);
	kfree(coll);
}

static struct sysmem_collection *sysmem_collection_new(void)
{
	struct sysmem_collection *coll;

	coll = kzalloc(sizeof(*coll), GFP_KERNEL);
	if (!coll)
		return NULL;
	coll->lifetime = sysmem_tracker_new(0, false);
	if (!coll->lifetime) {
		kfree(coll);
		return NULL;
	}
	kref_init(&coll->ref);
	mutex_init(&coll->lock);
	init_waitqueue_head(&coll->wq);
	coll->id = atomic64_inc_return(&sysmem_last_collection_id);
	coll->state = SYSMEM_STATE_PENDING;
	return coll;
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
	lockdep_assert_held(&coll->lock);
	if (coll->state == SYSMEM_STATE_FAILED)
		return;
	WRITE_ONCE(coll->reason, reason);
	WRITE_ONCE(coll->state, SYSMEM_STATE_FAILED);
	pr_warn_ratelimited("collection %llu \"%s\" failed: %s: participant \"%s\" (id %llu): %s\n",
			    coll->id, coll->name, sysmem_fail_str(reason),
			    node ? node->dbg.name : "-", node ? node->dbg.id : 0,
			    what);
	sysmem_collection_drop_buffers(coll);
	sysmem_tracker_settle(coll->lifetime);
	/* Constraints no longer count: nodes without a file can go. */
	sysmem_subtree_prune(coll->root, false);
	wake_up_all(&coll->wq);
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
	pr_info_ratelimited("collection %llu \"%s\": subtree of participant \"%s\" (id %llu) failed: %s: participant \"%s\" (id %llu): %s\n",
			    coll->id, coll->name, top->dbg.name, top->dbg.id,
			    sysmem_fail_str(reason), node->dbg.name,
			    node->dbg.id, what);
	sysmem_subtree_prune(top, false);
	sysmem_node_prune_up(parent);
	wake_up_all(&coll->wq);
}

/*
 * sysmem_node_fail - fail @node's failure domain.
 * @node: where the failure starts
 * @reason: SYSMEM_FAIL_*
 * @what: for the log line
 *
 * The failure climbs from @node to the first boundary (or the root) and
 * fails that node's whole subtree, which leaves the tree.  Reaching the
 * root fails the collection.  @coll->lock held.
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
 * sysmem_node_status - SYSMEM_STATE_* as @node sees it: its own failure
 * domain's failure first, then the collection's failure, then whether
 * its attached subtree still waits, then the collection's state.
 * Without the lock the answer may be stale, as any lockless read.
 */
static u32 sysmem_node_status(const struct sysmem_node *node, u32 *reason)
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

/*
 * Participant walk under the current group choices: like
 * sysmem_domain_next(), but at a group only the chosen child is entered
 * (a group with no child left contributes nothing).
 */
static struct sysmem_node *sysmem_chosen_next(struct sysmem_node *n,
					      struct sysmem_node *top)
{
	if (n == top || !n->attach_root) {
		if (n->type == SYSMEM_NODE_GROUP) {
			if (n->group_chosen)
				return n->group_chosen;
		} else if (!list_empty(&n->children)) {
			return list_first_entry(&n->children,
						struct sysmem_node, sibling);
		}
	}
	while (n != top) {
		struct sysmem_node *p = n->parent;

		if (p->type != SYSMEM_NODE_GROUP &&
		    !list_is_last(&n->sibling, &p->children))
			return list_next_entry(n, sibling);
		n = p;
	}
	return NULL;
}

/**
 * struct sysmem_negotiation - one negotiation over a failure domain
 * @top: the top of the domain
 * @groups: the domain's groups with at least one child, in pre-order
 * @desc: their shape, for lib/sysmem_group.c
 * @choice: the child each group chooses in the combination being tried
 * @nr_groups: entries of the three arrays above
 * @parts: @nr_prefix participants given by the caller, then the
 *	domain's participants under @choice
 * @nodes: the node of each entry of @parts (NULL for the prefix)
 * @nr_prefix: see @parts
 * @nr_parts: entries of @parts in use
 * @culprit: after a failed aggregation, the first participant whose
 *	constraints cannot be met together with those before it (for the
 *	log), or NULL
 */
struct sysmem_negotiation {
	struct sysmem_node *top;
	struct sysmem_node **groups;
	struct sysmem_group_desc *desc;
	u32 *choice;
	unsigned int nr_groups;
	struct sysmem_participant *parts;
	struct sysmem_node **nodes;
	unsigned int nr_prefix;
	unsigned int nr_parts;
	const struct sysmem_node *culprit;
};

static void sysmem_negotiation_free(struct sysmem_negotiation *ng)
{
	kfree(ng->groups);
	kfree(ng->desc);
	kfree(ng->choice);
	kfree(ng->parts);
	kfree(ng->nodes);
}

/* The child of group @g that @n lies under (@n is below @g). */
static u32 sysmem_group_child_index(struct sysmem_node *g,
				    struct sysmem_node *n)
{
	struct sysmem_node *c;
	u32 i = 0;

	while (n->parent != g)
		n = n->parent;
	list_for_each_entry(c, &g->children, sibling) {
		if (c == n)
			break;
		i++;
	}
	return i;
}

/*
 * Set up a negotiation over @top's domain with room for @nr_prefix
 * participants first; @coll->lock held.  Return: 0 or -ENOMEM.
 */
static int sysmem_negotiation_init(struct sysmem_negotiation *ng,
				   struct sysmem_node *top,
				   unsigned int nr_prefix)
{
	unsigned int nr_cons = 0, nr_groups = 0, i;
	struct sysmem_node *n, *a;

	memset(ng, 0, sizeof(*ng));
	ng->top = top;
	ng->nr_prefix = nr_prefix;
	for (n = top; n; n = sysmem_domain_next(n, top)) {
		if (sysmem_domain_skip(n, top))
			continue;
		if (n->has_constraints)
			nr_cons++;
		if (n->type == SYSMEM_NODE_GROUP) {
			n->group_chosen = NULL;
			if (!list_empty(&n->children))
				nr_groups++;
		}
	}
	/* At most one participant per node: the sum cannot overflow. */
	ng->parts = kcalloc(nr_prefix + nr_cons + 1, sizeof(*ng->parts),
			    GFP_KERNEL);
	ng->nodes = kcalloc(nr_prefix + nr_cons + 1, sizeof(*ng->nodes),
			    GFP_KERNEL);
	ng->groups = kcalloc(nr_groups + 1, sizeof(*ng->groups), GFP_KERNEL);
	ng->desc = kcalloc(nr_groups + 1, sizeof(*ng->desc), GFP_KERNEL);
	ng->choice = kcalloc(nr_groups + 1, sizeof(*ng->choice), GFP_KERNEL);
	if (!ng->parts || !ng->nodes || !ng->groups || !ng->desc ||
	    !ng->choice) {
		sysmem_negotiation_free(ng);
		return -ENOMEM;
	}
	i = 0;
	for (n = top; n; n = sysmem_domain_next(n, top)) {
		if (sysmem_domain_skip(n, top) ||
		    n->type != SYSMEM_NODE_GROUP || list_empty(&n->children))
			continue;
		n->group_index = i;
		ng->groups[i] = n;
		ng->desc[i].nr_children = 0;
		list_for_each_entry(a, &n->children, sibling)
			ng->desc[i].nr_children++;
		ng->desc[i].parent = -1;
		/* The nearest enclosing group, already numbered. */
		for (a = n; a != top; a = a->parent) {
			if (a->parent->type == SYSMEM_NODE_GROUP) {
				ng->desc[i].parent = a->parent->group_index;
				ng->desc[i].parent_child =
					sysmem_group_child_index(a->parent, n);
				break;
			}
		}
		i++;
	}
	ng->nr_groups = nr_groups;
	return 0;
}

/* Apply the current choice and gather the participants it gives. */
static void sysmem_negotiation_gather(struct sysmem_negotiation *ng)
{
	struct sysmem_node *n, *c;
	unsigned int i, k;

	for (i = 0; i < ng->nr_groups; i++) {
		k = 0;
		ng->groups[i]->group_chosen = NULL;
		list_for_each_entry(c, &ng->groups[i]->children, sibling)
			if (k++ == ng->choice[i])
				ng->groups[i]->group_chosen = c;
	}
	k = ng->nr_prefix;
	for (n = ng->top; n; n = sysmem_chosen_next(n, ng->top)) {
		if (!n->has_constraints || sysmem_domain_skip(n, ng->top))
			continue;
		ng->nodes[k] = n;
		ng->parts[k].c = &n->c;
		ng->parts[k].heaps = n->heaps;
		ng->parts[k++].images = n->images;
	}
	ng->nr_parts = k;
}

/*
 * The first participant of the current combination whose aggregation
 * with the participants before it fails for the same reason and why:
 * the one to name in the log.  Only run on failure.
 */
static const struct sysmem_node *
sysmem_negotiation_culprit(struct sysmem_negotiation *ng,
			   const struct sysmem_heap_desc *descs,
			   unsigned int nr_descs, u32 reason, const char *why)
{
	struct sysmem_buffer_settings *tmp;
	const struct sysmem_node *culprit = NULL;
	const char *w;
	unsigned int k;

	tmp = kmalloc(sizeof(*tmp), GFP_KERNEL);
	if (!tmp)
		return NULL;
	for (k = ng->nr_prefix; k < ng->nr_parts; k++) {
		w = NULL;
		if (sysmem_aggregate(ng->parts, k + 1, descs, nr_descs, tmp,
				     &w) == reason && w == why) {
			culprit = ng->nodes[k];
			break;
		}
	}
	kfree(tmp);
	return culprit;
}

/*
 * sysmem_negotiate - try the group combinations in order until one
 * negotiates: sysmem_aggregate() into @out when @existing is NULL, else
 * sysmem_logical_allocate() against @existing.  On failure, the reason
 * of the first (preferred) combination, or SYSMEM_FAIL_TOO_MANY_GROUPS
 * after SYSMEM_MAX_GROUP_COMBINATIONS tries with more left.
 */
static u32 sysmem_negotiate(struct sysmem_negotiation *ng,
			    const struct sysmem_heap_desc *descs,
			    unsigned int nr_descs,
			    const struct sysmem_buffer_settings *existing,
			    struct sysmem_buffer_settings *out,
			    const char **why)
{
	u32 reason, first = SYSMEM_FAIL_NONE;
	const char *first_why = NULL;
	unsigned int tries = 0;

	for (;;) {
		sysmem_negotiation_gather(ng);
		if (existing)
			reason = sysmem_logical_allocate(ng->parts,
							 ng->nr_parts, descs,
							 nr_descs, existing,
							 why);
		else
			reason = sysmem_aggregate(ng->parts, ng->nr_parts,
						  descs, nr_descs, out, why);
		if (!reason)
			return SYSMEM_FAIL_NONE;
		if (!first) {
			first = reason;
			first_why = *why;
			/* An attached subtree's failure names its top. */
			if (!existing)
				ng->culprit =
					sysmem_negotiation_culprit(ng, descs,
								   nr_descs,
								   reason,
								   *why);
		}
		if (!sysmem_groups_next(ng->desc, ng->nr_groups, ng->choice))
			break;
		if (++tries == SYSMEM_MAX_GROUP_COMBINATIONS) {
			*why = "gave up after 64 group child combinations";
			ng->culprit = NULL;
			return SYSMEM_FAIL_TOO_MANY_GROUPS;
		}
	}
	*why = first_why;
	return first;
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

/* Negotiate and allocate; @coll->lock held, every node ready. */
static void sysmem_collection_allocate(struct sysmem_collection *coll)
{
	const char *why = "out of memory while negotiating";
	u32 reason = SYSMEM_FAIL_NO_MEMORY;
	struct sysmem_buffer_constraints *in_force_c = NULL;
	struct sysmem_participant *in_force = NULL;
	struct sysmem_buffer_settings settings;
	struct sysmem_negotiation ng;
	struct sysmem_heap_desc *descs;
	struct sysmem_coll_buffer *bufs;
	struct sysmem_heap **heaps;
	struct sysmem_heap *heap = NULL;
	const struct sysmem_node *culprit = NULL;
	unsigned int nr_parts, nr_heaps, i;
	struct sysmem_node *node;
	u64 size;

	if (sysmem_negotiation_init(&ng, coll->root, 0))
		goto fail;
	if (sysmem_heaps_get(&descs, &heaps, &nr_heaps))
		goto free_negotiation;

	reason = sysmem_negotiate(&ng, descs, nr_heaps, NULL, &settings, &why);
	if (reason) {
		culprit = ng.culprit;
		goto free_heaps;
	}
	nr_parts = ng.nr_parts;
	reason = SYSMEM_FAIL_NO_MEMORY;
	why = "out of memory while negotiating";
	in_force = kcalloc(max(nr_parts, 1U), sizeof(*in_force), GFP_KERNEL);
	in_force_c = kcalloc(max(nr_parts, 1U), sizeof(*in_force_c),
			     GFP_KERNEL);
	if (!in_force || !in_force_c)
		goto free_heaps;
	for (i = 0; i < nr_heaps; i++)
		if (!strncmp(descs[i].name, settings.heap, sizeof(settings.heap)))
			heap = heaps[i];
	reason = SYSMEM_FAIL_NO_HEAP;
	why = "the chosen heap is not registered";
	if (!heap)
		goto free_heaps;
	reason = SYSMEM_FAIL_NO_MEMORY;
	why = "buffer size overflows";
	if (sysmem_align_up_overflow(settings.size_bytes, PAGE_SIZE, &size) ||
	    size > SIZE_MAX)
		goto free_heaps;
	why = "the heap could not allocate the buffers";
	bufs = kcalloc(settings.buffer_count, sizeof(*bufs), GFP_KERNEL);
	if (!bufs)
		goto free_heaps;
	for (i = 0; i < settings.buffer_count; i++) {
		struct sysmem_buffer *buf;

		buf = sysmem_buffer_alloc(heap, size, &settings, coll->id, i,
					  coll->lifetime);
		if (IS_ERR(buf))
			goto free_buffers;
		bufs[i].buf = buf;
		bufs[i].held = true;
	}
	coll->buffers = bufs;
	coll->nr_buffers = settings.buffer_count;
	coll->settings = settings;
	/*
	 * Keep the constraints in force for attached subtrees: copies of
	 * the chosen participants' constraints, with their heap and image
	 * arrays taken from the nodes.
	 */
	for (i = 0; i < nr_parts; i++) {
		in_force_c[i] = *ng.parts[i].c;
		in_force[i] = ng.parts[i];
		in_force[i].c = &in_force_c[i];
	}
	for (node = coll->root; node;
	     node = sysmem_chosen_next(node, coll->root)) {
		if (!node->has_constraints ||
		    sysmem_domain_skip(node, coll->root))
			continue;
		node->heaps = NULL;
		node->images = NULL;
	}
	coll->in_force = in_force;
	coll->in_force_c = in_force_c;
	coll->nr_in_force = nr_parts;
	in_force = NULL;
	in_force_c = NULL;
	WRITE_ONCE(coll->state, SYSMEM_STATE_ALLOCATED);
	sysmem_tracker_settle(coll->lifetime);
	sysmem_negotiation_fail_unchosen(&ng);
	/* Released nodes' constraints have done their part. */
	sysmem_subtree_prune(coll->root, false);
	wake_up_all(&coll->wq);
	reason = SYSMEM_FAIL_NONE;
	goto free_heaps;

free_buffers:
	while (i--) {
		sysmem_buffer_unhold(bufs[i].buf, true);
		sysmem_buffer_put(bufs[i].buf);
	}
	kfree(bufs);
free_heaps:
	sysmem_heaps_put(descs, heaps, nr_heaps);
	kfree(in_force_c);
	kfree(in_force);
free_negotiation:
	sysmem_negotiation_free(&ng);
fail:
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
 * collection's buffers if the constraints in force, the buffers earlier
 * subtrees took and its own constraints give the same settings (see
 * lib/sysmem_logical.c), trying its group combinations in order; else
 * it fails alone.  @coll->lock held, the collection allocated, @top's
 * domain ready.
 */
static void sysmem_attach_allocate(struct sysmem_node *top)
{
	struct sysmem_collection *coll = top->coll;
	const char *why = "out of memory while negotiating";
	struct sysmem_buffer_constraints stand_in;
	struct sysmem_negotiation ng;
	struct sysmem_heap_desc *descs;
	struct sysmem_heap **heaps;
	unsigned int nr_heaps, k;
	u32 reason = SYSMEM_FAIL_NO_MEMORY;
	struct sysmem_node *n, *parent;

	lockdep_assert_held(&coll->lock);
	k = coll->nr_in_force;
	if (sysmem_negotiation_init(&ng, top, k + 1))
		goto fail;
	memcpy(ng.parts, coll->in_force, k * sizeof(*ng.parts));
	sysmem_logical_taken_constraints(&stand_in, coll->taken);
	ng.parts[k].c = &stand_in;
	if (sysmem_heaps_get(&descs, &heaps, &nr_heaps))
		goto free_negotiation;
	reason = sysmem_negotiate(&ng, descs, nr_heaps, &coll->settings, NULL,
				  &why);
	sysmem_heaps_put(descs, heaps, nr_heaps);
	if (!reason &&
	    !sysmem_logical_take(ng.parts + k + 1, ng.nr_parts - k - 1,
				 &coll->taken)) {
		reason = SYSMEM_FAIL_CONSTRAINTS;
		why = "buffer count sum overflows";
	}
	if (!reason)
		sysmem_negotiation_fail_unchosen(&ng);
free_negotiation:
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
	wake_up_all(&coll->wq);
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

/*
 * sysmem_collection_check_strong - with no strong node left, fail a
 * collection still pending, and make an allocated one let go of its
 * buffers (which then live only as long as their strong dma-bufs).
 * Return: true when the collection failed.  @coll->lock held.
 */
static bool sysmem_collection_check_strong(struct sysmem_collection *coll,
					   const struct sysmem_node *who)
{
	lockdep_assert_held(&coll->lock);
	if (!coll->root || coll->let_go || coll->state == SYSMEM_STATE_FAILED ||
	    sysmem_collection_has_strong(coll))
		return false;
	if (coll->state == SYSMEM_STATE_PENDING) {
		sysmem_collection_fail(coll, SYSMEM_FAIL_PARTICIPANT_LOST, who,
				       "no strong node left before allocation");
		return true;
	}
	coll->let_go = true;
	sysmem_collection_unhold_buffers(coll);
	return false;
}

/*
 * sysmem_collection_update - act on a change of the tree: fail a domain
 * that has nobody left before its allocation, allocate the collection
 * when it is ready, then each attached subtree that is ready once the
 * collection (and the subtree above it) is allocated; and let the
 * buffers go once no strong node is left.  @coll->lock held; @who: the
 * node that changed, for the log.
 */
static void sysmem_collection_update(struct sysmem_collection *coll,
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
	/* Each pass fails or allocates one subtree, or ends the loop. */
	for (n = coll->root; n; n = sysmem_node_next(n, coll->root)) {
		if (!n->attach_root || !n->attach_pending)
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

/*
 * sysmem_node_alloc - a node of @coll, not yet in its tree, holding a
 * collection reference and counted as having a file (it is about to get
 * one).  It stays released (inert) until linked.
 */
static struct sysmem_node *sysmem_node_alloc(struct sysmem_collection *coll,
					     enum sysmem_node_type type)
{
	struct sysmem_node *node;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return NULL;
	node->coll = coll;
	node->type = type;
	node->state = SYSMEM_NODE_RELEASED;
	node->has_file = true;
	INIT_LIST_HEAD(&node->children);
	INIT_LIST_HEAD(&node->sibling);
	kref_get(&coll->ref);
	return node;
}

/*
 * Put @node live into its tree as the last child of @parent, or as the
 * root when @parent is NULL; @coll->lock held.
 */
static void sysmem_node_link(struct sysmem_node *node,
			     struct sysmem_node *parent, u32 rights,
			     const struct sysmem_debug_info *dbg)
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
	} else {
		node->coll->root = node;
	}
}

/*
 * Put collection @node in the place of @token, which it was bound from:
 * same parent, same children, same boundary; @coll->lock held.
 */
static void sysmem_node_replace(struct sysmem_node *token,
				struct sysmem_node *node)
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
	node->parent = token->parent;
	if (token->parent)
		list_replace_init(&token->sibling, &node->sibling);
	else
		coll->root = node;
	token->parent = NULL;
	list_splice_init(&token->children, &node->children);
	list_for_each_entry(child, &node->children, sibling)
		child->parent = node;
	token->state = SYSMEM_NODE_BOUND;
}

/* sysmem_node_new - a live root for @coll's tree; @coll->lock held. */
static struct sysmem_node *sysmem_node_new(struct sysmem_collection *coll,
					   enum sysmem_node_type type,
					   u32 rights,
					   const struct sysmem_debug_info *dbg)
{
	struct sysmem_node *node = sysmem_node_alloc(coll, type);

	if (node)
		sysmem_node_link(node, NULL, rights, dbg);
	return node;
}

/* Undo sysmem_node_alloc() for a node that never got a file. */
static void sysmem_node_discard(struct sysmem_node *node)
{
	struct sysmem_collection *coll = node->coll;

	mutex_lock(&coll->lock);
	node->has_file = false;
	sysmem_node_prune_up(node);
	mutex_unlock(&coll->lock);
	kref_put(&coll->ref, sysmem_collection_free);
}

/*
 * ctx abort: an fd that is never handed out leaves without failing, as
 * if released (which may make the collection ready).
 */
static void sysmem_node_abort(struct file *file)
{
	struct sysmem_node *node = file->private_data;

	mutex_lock(&node->coll->lock);
	if (node->state == SYSMEM_NODE_LIVE) {
		node->state = SYSMEM_NODE_RELEASED;
		sysmem_collection_update(node->coll, node);
	}
	mutex_unlock(&node->coll->lock);
}

/*
 * sysmem_node_install - give @node a file and reserve an fd for it.
 * On failure the node is gone (and its collection reference dropped).
 */
static int sysmem_node_install(struct sysmem_node *node,
			       struct sysmem_ioctl_ctx *ctx,
			       void (*abort)(struct file *file))
{
	struct file *file;

	static const char * const names[] = {
		[SYSMEM_NODE_TOKEN] = "[sysmem-token]",
		[SYSMEM_NODE_COLLECTION] = "[sysmem-collection]",
		[SYSMEM_NODE_GROUP] = "[sysmem-group]",
	};

	file = anon_inode_getfile(names[node->type], &sysmem_node_fops, node,
				  O_RDWR);
	if (IS_ERR(file)) {
		sysmem_node_discard(node);
		return PTR_ERR(file);
	}
	return sysmem_ctx_add_file(ctx, file, abort);
}

static struct sysmem_node *sysmem_node_from_file(struct file *file)
{
	return file->f_op == &sysmem_node_fops ? file->private_data : NULL;
}

static void sysmem_client_dbg(struct file *file, struct sysmem_debug_info *dbg)
{
	struct sysmem_client *client = file->private_data;

	spin_lock(&client->lock);
	*dbg = client->dbg;
	spin_unlock(&client->lock);
}

static long sysmem_new_root(struct file *file, struct sysmem_new_node *arg,
			    enum sysmem_node_type type,
			    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_debug_info dbg;
	struct sysmem_collection *coll;
	struct sysmem_node *node;
	int fd;

	if (arg->flags)
		return -EINVAL;
	sysmem_client_dbg(file, &dbg);
	coll = sysmem_collection_new();
	if (!coll)
		return -ENOMEM;
	mutex_lock(&coll->lock);
	node = sysmem_node_new(coll, type, SYSMEM_RIGHTS_ALL, &dbg);
	mutex_unlock(&coll->lock);
	/* The node holds its own reference now. */
	kref_put(&coll->ref, sysmem_collection_free);
	if (!node)
		return -ENOMEM;
	fd = sysmem_node_install(node, ctx, sysmem_node_abort);
	if (fd < 0)
		return fd;
	arg->fd = fd;
	return 0;
}

/**
 * sysmem_ioctl_alloc_token() - SYSMEM_IOC_ALLOC_TOKEN
 * @file: the allocator file
 * @arg: struct sysmem_new_node
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
long sysmem_ioctl_alloc_token(struct file *file, void *arg,
			      struct sysmem_ioctl_ctx *ctx)
{
	return sysmem_new_root(file, arg, SYSMEM_NODE_TOKEN, ctx);
}

/**
 * sysmem_ioctl_alloc_nonshared() - SYSMEM_IOC_ALLOC_NONSHARED
 * @file: the allocator file
 * @arg: struct sysmem_new_node
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
long sysmem_ioctl_alloc_nonshared(struct file *file, void *arg,
				  struct sysmem_ioctl_ctx *ctx)
{
	return sysmem_new_root(file, arg, SYSMEM_NODE_COLLECTION, ctx);
}

/**
 * sysmem_ioctl_bind() - SYSMEM_IOC_BIND: a token becomes a collection
 * @file: the allocator file
 * @arg: struct sysmem_bind
 * @ctx: the ioctl's context
 *
 * Return: 0, -EBADF, -EINVAL (not a token), -ESTALE (token not live) or
 * -errno.
 */
long sysmem_ioctl_bind(struct file *file, void *arg,
		       struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_bind *b = arg;
	struct sysmem_collection *coll;
	struct sysmem_node *token, *node;
	struct fd f;
	int ret;

	if (b->flags || b->reserved)
		return -EINVAL;
	f = fdget(b->token_fd);
	if (!sysmem_fd_file(f))
		return -EBADF;
	token = sysmem_node_from_file(sysmem_fd_file(f));
	if (!token || token->type != SYSMEM_NODE_TOKEN) {
		ret = -EINVAL;
		goto put_fd;
	}
	coll = token->coll;
	/*
	 * Make the new fd first, so that running out of memory leaves the
	 * token as it was; only then swap the token for the collection.
	 */
	node = sysmem_node_alloc(coll, SYSMEM_NODE_COLLECTION);
	if (!node) {
		ret = -ENOMEM;
		goto put_fd;
	}
	ret = sysmem_node_install(node, ctx, NULL);
	if (ret < 0)
		goto put_fd;
	b->collection_fd = ret;
	ret = 0;
	mutex_lock(&coll->lock);
	/* Else the unused fd goes away with the ctx. */
	if (token->state == SYSMEM_NODE_LIVE)
		sysmem_node_replace(token, node);
	else
		ret = -ESTALE;
	mutex_unlock(&coll->lock);
put_fd:
	fdput(f);
	return ret;
}

/* Lock @node's collection; fail with -ESTALE unless @node is live. */
static int sysmem_node_lock_live(struct sysmem_node *node)
{
	mutex_lock(&node->coll->lock);
	if (node->state == SYSMEM_NODE_LIVE)
		return 0;
	mutex_unlock(&node->coll->lock);
	return -ESTALE;
}

static long sysmem_node_ioctl_release(struct file *file, void *arg,
				      struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	int ret;

	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	node->state = SYSMEM_NODE_RELEASED;
	if (node->type == SYSMEM_NODE_GROUP && !node->all_present)
		sysmem_node_fail(node, SYSMEM_FAIL_PARTICIPANT_LOST,
				 "group released before all children present");
	sysmem_collection_update(node->coll, node);
	mutex_unlock(&node->coll->lock);
	return 0;
}

static long sysmem_node_ioctl_set_name(struct file *file, void *arg,
				       struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	struct sysmem_set_name *sn = arg;
	unsigned int i;
	size_t len;
	int ret;

	len = strnlen(sn->name, sizeof(sn->name));
	if (sn->reserved || !len || len == sizeof(sn->name))
		return -EINVAL;
	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	if (!coll->name[0] || sn->priority > coll->name_priority) {
		memcpy(coll->name, sn->name, len + 1);
		coll->name_priority = sn->priority;
		for (i = 0; i < coll->nr_buffers; i++) {
			struct sysmem_coll_buffer *cb = &coll->buffers[i];

			if (cb->dmabuf[0])
				sysmem_dmabuf_set_name(cb->dmabuf[0], coll->name);
			if (cb->dmabuf[1])
				sysmem_dmabuf_set_name(cb->dmabuf[1], coll->name);
		}
	}
	mutex_unlock(&coll->lock);
	return 0;
}

static long sysmem_node_ioctl_set_debug_info(struct file *file, void *arg,
					     struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	int ret;

	if (!sysmem_debug_info_valid(arg))
		return -EINVAL;
	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	node->dbg = *(struct sysmem_debug_info *)arg;
	mutex_unlock(&node->coll->lock);
	return 0;
}

static long sysmem_node_ioctl_get_id(struct file *file, void *arg,
				     struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection_id *id = arg;
	int ret;

	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	id->id = node->coll->id;
	mutex_unlock(&node->coll->lock);
	return 0;
}

static int sysmem_node_ref_release(struct inode *inode, struct file *file)
{
	struct sysmem_node_ident *ident = file->private_data;

	kref_put(&ident->ref, sysmem_node_ident_free);
	return 0;
}

static const struct file_operations sysmem_node_ref_fops = {
	.owner = THIS_MODULE,
	.release = sysmem_node_ref_release,
	.llseek = noop_llseek,
};

/*
 * A node ref fd: names this node without any right over it, for
 * SYSMEM_IOC_NODE_IS_ALTERNATE_FOR in another participant.
 */
static long sysmem_node_ioctl_get_ref(struct file *file, void *arg,
				      struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_new_node *nn = arg;
	struct sysmem_node_ident *ident;
	struct file *rfile;
	int ret;

	if (nn->flags)
		return -EINVAL;
	/* Made outside the lock; used only if the node has none yet. */
	ident = kzalloc(sizeof(*ident), GFP_KERNEL);
	if (!ident)
		return -ENOMEM;
	kref_init(&ident->ref);
	ret = sysmem_node_lock_live(node);
	if (ret)
		goto free_ident;
	if (!node->ident) {
		ident->coll_id = node->coll->id;
		ident->node = node;
		node->ident = ident;
		ident = NULL;
	}
	kref_get(&node->ident->ref);
	rfile = anon_inode_getfile("[sysmem-node-ref]", &sysmem_node_ref_fops,
				   node->ident, O_RDONLY);
	if (IS_ERR(rfile)) {
		kref_put(&node->ident->ref, sysmem_node_ident_free);
		ret = PTR_ERR(rfile);
		goto unlock;
	}
	ret = sysmem_ctx_add_file(ctx, rfile, NULL);
	if (ret >= 0) {
		nn->fd = ret;
		ret = 0;
	}
unlock:
	mutex_unlock(&node->coll->lock);
free_ident:
	kfree(ident);
	return ret;
}

static unsigned int sysmem_node_depth(const struct sysmem_node *n)
{
	unsigned int d = 0;

	while ((n = n->parent))
		d++;
	return d;
}

/*
 * Two nodes are alternatives when their nearest common ancestor is a
 * group (so they lie under different children of it); @coll->lock held.
 */
static bool sysmem_nodes_alternate(struct sysmem_node *a,
				   struct sysmem_node *b)
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

static long sysmem_node_ioctl_is_alternate(struct file *file, void *arg,
					   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_is_alternate *ia = arg;
	struct sysmem_node_ident *ident;
	struct fd f;
	int ret;

	if (ia->flags || ia->reserved)
		return -EINVAL;
	f = fdget(ia->ref_fd);
	if (!sysmem_fd_file(f))
		return -EBADF;
	ret = -EINVAL;
	if (sysmem_fd_file(f)->f_op != &sysmem_node_ref_fops)
		goto put_fd;
	ident = sysmem_fd_file(f)->private_data;
	ret = sysmem_node_lock_live(node);
	if (ret)
		goto put_fd;
	/* Only this collection's lock guards @ident->node. */
	if (ident->coll_id != node->coll->id || !ident->node) {
		ret = -ENOENT;
	} else {
		ia->is_alternate = sysmem_nodes_alternate(node, ident->node);
		ret = 0;
	}
	mutex_unlock(&node->coll->lock);
put_fd:
	fdput(f);
	return ret;
}

/* Account one more tracking fd to @node; @coll->lock held. */
static int sysmem_node_tracking_slot(struct sysmem_node *node)
{
	if (node->nr_tracking >= SYSMEM_MAX_TRACKING)
		return -ENOSPC;
	node->nr_tracking++;
	return 0;
}

static long sysmem_node_ioctl_node_tracking(struct file *file, void *arg,
					    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_new_node *nn = arg;
	struct sysmem_tracker *gone;
	struct file *tfile;
	int ret;

	if (nn->flags)
		return -EINVAL;
	/* Made outside the lock; used only if the node has none yet. */
	gone = sysmem_tracker_new(1, true);
	if (!gone)
		return -ENOMEM;
	ret = sysmem_node_lock_live(node);
	if (ret)
		goto put_gone;
	ret = sysmem_node_tracking_slot(node);
	if (ret)
		goto unlock;
	if (!node->gone)
		swap(node->gone, gone);
	tfile = sysmem_tracking_file(node->gone, 0, "[sysmem-node-tracking]");
	if (IS_ERR(tfile)) {
		node->nr_tracking--;
		ret = PTR_ERR(tfile);
		goto unlock;
	}
	ret = sysmem_ctx_add_file(ctx, tfile, NULL);
	if (ret >= 0) {
		nn->fd = ret;
		ret = 0;
	}
unlock:
	mutex_unlock(&node->coll->lock);
put_gone:
	sysmem_tracker_put(gone);
	return ret;
}

static long sysmem_coll_ioctl_lifetime_tracking(struct file *file, void *arg,
						struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_lifetime_tracking *lt = arg;
	struct file *tfile;
	int ret;

	if (lt->flags || lt->reserved)
		return -EINVAL;
	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	ret = sysmem_node_tracking_slot(node);
	if (ret)
		goto unlock;
	tfile = sysmem_tracking_file(node->coll->lifetime,
				     lt->buffers_remaining,
				     "[sysmem-lifetime]");
	if (IS_ERR(tfile)) {
		node->nr_tracking--;
		ret = PTR_ERR(tfile);
		goto unlock;
	}
	ret = sysmem_ctx_add_file(ctx, tfile, NULL);
	if (ret >= 0) {
		lt->fd = ret;
		ret = 0;
	}
unlock:
	mutex_unlock(&node->coll->lock);
	return ret;
}

/*
 * Create @count duplicates of @token with @masks; reserve their fds into
 * @fds.  All or nothing: the new nodes get their files first and join
 * the tree only when nothing can fail any more, so a failure never
 * touches the tree.
 */
static int sysmem_token_dup(struct sysmem_node *token, const u32 *masks,
			    int *fds, unsigned int count,
			    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_collection *coll = token->coll;
	struct sysmem_node **nodes;
	unsigned int i;
	int ret = 0;

	nodes = kcalloc(count, sizeof(*nodes), GFP_KERNEL);
	if (!nodes)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		nodes[i] = sysmem_node_alloc(coll, SYSMEM_NODE_TOKEN);
		if (!nodes[i]) {
			ret = -ENOMEM;
			break;
		}
		/* On failure the ctx drops the files made so far. */
		ret = sysmem_node_install(nodes[i], ctx, sysmem_node_abort);
		if (ret < 0)
			break;
		fds[i] = ret;
		ret = 0;
	}
	if (ret)
		goto free_nodes;
	ret = sysmem_node_lock_live(token);
	if (ret)
		goto free_nodes;
	if (token->type == SYSMEM_NODE_GROUP && token->all_present) {
		/* The ctx drops the new files, which were never linked. */
		ret = -EALREADY;
		mutex_unlock(&coll->lock);
		goto free_nodes;
	}
	for (i = 0; i < count; i++)
		sysmem_node_link(nodes[i], token, token->rights & masks[i],
				 &token->dbg);
	mutex_unlock(&coll->lock);
free_nodes:
	kfree(nodes);
	return ret;
}

static long sysmem_token_ioctl_duplicate(struct file *file, void *arg,
					 struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_duplicate *d = arg;
	int fd, ret;

	if (d->flags || d->reserved || !d->rights_mask)
		return -EINVAL;
	ret = sysmem_token_dup(file->private_data, &d->rights_mask, &fd, 1,
			       ctx);
	if (ret)
		return ret;
	d->fd = fd;
	return 0;
}

static long sysmem_token_ioctl_duplicate_many(struct file *file, void *arg,
					      struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_duplicate_many *d = arg;
	u32 *masks;
	int *fds;
	unsigned int i;
	int ret;

	if (d->flags || !d->count || d->count > SYSMEM_MAX_DUPLICATES)
		return -EINVAL;
	masks = memdup_user(u64_to_user_ptr(d->rights_masks),
			    d->count * sizeof(*masks));
	if (IS_ERR(masks))
		return PTR_ERR(masks);
	fds = kcalloc(d->count, sizeof(*fds), GFP_KERNEL);
	if (!fds) {
		ret = -ENOMEM;
		goto free_masks;
	}
	ret = -EINVAL;
	for (i = 0; i < d->count; i++)
		if (!masks[i])
			goto free_fds;
	ret = sysmem_token_dup(file->private_data, masks, fds, d->count, ctx);
	if (ret)
		goto free_fds;
	if (copy_to_user(u64_to_user_ptr(d->fds), fds, d->count * sizeof(*fds)))
		ret = -EFAULT;	/* the ctx takes the new tokens back */
free_fds:
	kfree(fds);
free_masks:
	kfree(masks);
	return ret;
}

/*
 * A group as a child of @token: a choice of one of its children, which
 * it creates until it declares them all present.
 */
static long sysmem_token_ioctl_create_group(struct file *file, void *arg,
					    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *token = file->private_data;
	struct sysmem_new_node *nn = arg;
	struct sysmem_node *group;
	int fd, ret;

	if (nn->flags)
		return -EINVAL;
	group = sysmem_node_alloc(token->coll, SYSMEM_NODE_GROUP);
	if (!group)
		return -ENOMEM;
	/* On failure the ctx drops the file, and with it the new node. */
	fd = sysmem_node_install(group, ctx, sysmem_node_abort);
	if (fd < 0)
		return fd;
	ret = sysmem_node_lock_live(token);
	if (ret)
		return ret;
	sysmem_node_link(group, token, token->rights, &token->dbg);
	nn->fd = fd;
	mutex_unlock(&token->coll->lock);
	return 0;
}

static long sysmem_group_ioctl_create_child(struct file *file, void *arg,
					    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_duplicate *d = arg;
	int fd, ret;

	if (d->flags || d->reserved || !d->rights_mask)
		return -EINVAL;
	ret = sysmem_token_dup(file->private_data, &d->rights_mask, &fd, 1,
			       ctx);
	if (ret)
		return ret;
	d->fd = fd;
	return 0;
}

static long sysmem_group_ioctl_all_present(struct file *file, void *arg,
					   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *group = file->private_data;
	int ret;

	ret = sysmem_node_lock_live(group);
	if (ret)
		return ret;
	if (group->all_present) {
		ret = -EALREADY;
	} else if (list_empty(&group->children)) {
		ret = -EINVAL;
	} else {
		group->all_present = true;
		sysmem_collection_update(group->coll, group);
	}
	mutex_unlock(&group->coll->lock);
	return ret;
}

/*
 * The node becomes weak, and so does every node created from it from now
 * on.  Too late (-EBUSY) once the node is ready for its allocation: a
 * collection that set constraints, a group that declared all children
 * present, any node once its allocation is done.
 */
static long sysmem_node_ioctl_set_weak(struct file *file, void *arg,
				       struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	int ret;

	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	if ((node->type == SYSMEM_NODE_COLLECTION && node->has_constraints) ||
	    (node->type == SYSMEM_NODE_GROUP && node->all_present) ||
	    (coll->state != SYSMEM_STATE_PENDING && !node->attach_pending)) {
		ret = -EBUSY;
	} else if (!node->weak) {
		node->weak = true;
		/* It may have been the last strong node. */
		sysmem_collection_update(coll, node);
	}
	mutex_unlock(&coll->lock);
	return ret;
}

/*
 * The participant watches the close-weak fds of its weak buffers; with
 * SYSMEM_WEAK_OK_FOR_CHILDREN, nodes created from this one from now on
 * are weak-ok too.  A collection must say so before it waits or gets
 * its result (-EBUSY after).
 */
static long sysmem_node_ioctl_set_weak_ok(struct file *file, void *arg,
					  struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_weak_ok *wo = arg;
	int ret;

	if ((wo->flags & ~SYSMEM_WEAK_OK_FOR_CHILDREN) || wo->reserved)
		return -EINVAL;
	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	if (node->waited) {
		ret = -EBUSY;
	} else {
		node->weak_ok = true;
		if (wo->flags & SYSMEM_WEAK_OK_FOR_CHILDREN)
			node->weak_ok_children = true;
	}
	mutex_unlock(&node->coll->lock);
	return ret;
}

/*
 * After allocation, a failure under a dispensable token (or the
 * collection bound from it) stops there instead of failing its parent.
 */
static long sysmem_token_ioctl_set_dispensable(struct file *file, void *arg,
					       struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	int ret;

	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	node->dispensable = true;
	mutex_unlock(&node->coll->lock);
	return 0;
}

/*
 * A new token under a collection node, at the top of an attached
 * subtree: a failure domain of its own that takes no part in the
 * collection's allocation and is allocated logically later.
 */
static long sysmem_coll_ioctl_attach_token(struct file *file, void *arg,
					   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_duplicate *d = arg;
	struct sysmem_node *token;
	u32 reason;
	int fd, ret;

	if (d->flags || d->reserved || !d->rights_mask)
		return -EINVAL;
	token = sysmem_node_alloc(node->coll, SYSMEM_NODE_TOKEN);
	if (!token)
		return -ENOMEM;
	/* On failure the ctx drops the file, and with it the new node. */
	fd = sysmem_node_install(token, ctx, sysmem_node_abort);
	if (fd < 0)
		return fd;
	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	if (sysmem_node_status(node, &reason) == SYSMEM_STATE_FAILED) {
		ret = -EIO;
	} else if (node->weak) {
		/* As in sysmem: an attached subtree hangs off a strong node. */
		ret = -EPERM;
	} else {
		sysmem_node_link(token, node, node->rights & d->rights_mask,
				 &node->dbg);
		token->attach_root = true;
		WRITE_ONCE(token->attach_pending, true);
		d->fd = fd;
	}
	mutex_unlock(&node->coll->lock);
	return ret;
}

static long sysmem_coll_ioctl_set_constraints(struct file *file, void *arg,
					      struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_buffer_constraints *c = arg;
	struct sysmem_image_constraints *images = NULL;
	struct sysmem_heap_name *heaps = NULL;
	int invalid, ret;
	u32 reason;

	/* Copy what the counts describe; validation judges the counts. */
	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS) &&
	    c->heap_count && c->heap_count <= SYSMEM_MAX_HEAPS) {
		heaps = memdup_user(u64_to_user_ptr(c->heaps),
				    c->heap_count * sizeof(*heaps));
		if (IS_ERR(heaps))
			return PTR_ERR(heaps);
	}
	if (c->image_format_count &&
	    c->image_format_count <= SYSMEM_MAX_IMAGE_FORMATS) {
		images = vmemdup_user(u64_to_user_ptr(c->image_formats),
				      c->image_format_count * sizeof(*images));
		if (IS_ERR(images)) {
			ret = PTR_ERR(images);
			images = NULL;
			goto free_heaps;
		}
	}
	invalid = sysmem_constraints_validate(c, heaps, images);
	if (invalid) {
		pr_debug("participant \"%s\" (id %llu): invalid constraints: %s\n",
			 node->dbg.name, node->dbg.id,
			 sysmem_invalid_str(invalid));
		ret = -EINVAL;
		goto free_images;
	}
	ret = sysmem_node_lock_live(node);
	if (ret)
		goto free_images;
	if (node->has_constraints) {
		ret = -EALREADY;
	} else if (sysmem_node_status(node, &reason) == SYSMEM_STATE_FAILED) {
		ret = -EIO;
	} else {
		node->c = *c;
		node->c.heaps = 0;
		node->c.image_formats = 0;
		node->heaps = heaps;
		node->images = images;
		heaps = NULL;
		images = NULL;
		node->has_constraints = true;
		sysmem_collection_update(node->coll, node);
	}
	mutex_unlock(&node->coll->lock);
free_images:
	kvfree(images);
free_heaps:
	kfree(heaps);
	return ret;
}

/* The wait of @node is over: its collection or its domain settled. */
static bool sysmem_node_settled(const struct sysmem_node *node)
{
	u32 reason;

	return sysmem_node_status(node, &reason) != SYSMEM_STATE_PENDING;
}

static long sysmem_coll_ioctl_wait(struct file *file, void *arg,
				   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	struct sysmem_wait *w = arg;
	u32 reason;
	long ret;

	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	/* A weak node must first promise to watch its close-weak fds. */
	if (node->weak && !node->weak_ok) {
		mutex_unlock(&coll->lock);
		return -EPERM;
	}
	node->waited = true;
	mutex_unlock(&coll->lock);

	if (w->timeout_ns < 0) {
		ret = wait_event_interruptible(coll->wq,
					       sysmem_node_settled(node));
	} else if (w->timeout_ns > 0) {
		/*
		 * An hrtimer, not jiffies: nsecs_to_jiffies64() rounds down
		 * and a jiffy timeout counts the current, partly gone jiffy,
		 * so the wait could end before the caller's timeout.
		 */
		ret = wait_event_interruptible_hrtimeout(coll->wq,
							 sysmem_node_settled(node),
							 ns_to_ktime(w->timeout_ns));
	}
	/* A relative timeout must not be restarted from its beginning. */
	if (ret == -ERESTARTSYS)
		return -EINTR;
	switch (sysmem_node_status(node, &reason)) {
	case SYSMEM_STATE_ALLOCATED:
		return 0;
	case SYSMEM_STATE_FAILED:
		return -EIO;
	}
	return -ETIMEDOUT;
}

static long sysmem_coll_ioctl_check(struct file *file, void *arg,
				    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_check *chk = arg;
	int ret;

	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	chk->state = sysmem_node_status(node, &chk->reason);
	mutex_unlock(&node->coll->lock);
	return 0;
}

/* Copy the settings out in the caller's structure size; @coll->lock held. */
static int sysmem_copy_settings(struct sysmem_collection *coll,
				const struct sysmem_result *r)
{
	void __user *u = u64_to_user_ptr(r->settings);
	size_t ksize = sizeof(coll->settings);
	size_t usize = r->settings_size;

	if (!usize)
		return 0;
	if (copy_to_user(u, &coll->settings, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(u + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/*
 * Reserve the fds of buffer @cb for a weak node: a fresh weak dma-buf and
 * a close-weak fd, or -1 for both when the buffer has gone.
 */
static int sysmem_weak_fds(struct sysmem_collection *coll,
			   struct sysmem_coll_buffer *cb, bool writable,
			   int *fd, int *close_fd, struct sysmem_ioctl_ctx *ctx)
{
	struct dma_buf *dmabuf;
	struct file *cfile;
	int ret;

	*fd = -1;
	*close_fd = -1;
	dmabuf = sysmem_buffer_export(cb->buf, writable, true, coll->name);
	if (dmabuf == ERR_PTR(-ENOENT))
		return 0;
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = sysmem_ctx_add_file(ctx, dmabuf->file, NULL);
	if (ret < 0)
		return ret;
	*fd = ret;
	cfile = sysmem_buffer_close_weak_file(cb->buf);
	if (IS_ERR(cfile))
		return PTR_ERR(cfile);
	ret = sysmem_ctx_add_file(ctx, cfile, NULL);
	if (ret < 0)
		return ret;
	*close_fd = ret;
	return 0;
}

/* Reserve an fd for buffer @cb's strong dma-buf, exported on first use. */
static int sysmem_strong_fd(struct sysmem_collection *coll,
			    struct sysmem_coll_buffer *cb, bool writable,
			    int *fd, struct sysmem_ioctl_ctx *ctx)
{
	struct dma_buf *dmabuf = cb->dmabuf[writable];
	int ret;

	if (!dmabuf) {
		dmabuf = sysmem_buffer_export(cb->buf, writable, false,
					      coll->name);
		if (IS_ERR(dmabuf))
			return PTR_ERR(dmabuf);
		cb->dmabuf[writable] = dmabuf;
	}
	get_dma_buf(dmabuf);
	ret = sysmem_ctx_add_file(ctx, dmabuf->file, NULL);
	if (ret < 0)
		return ret;
	*fd = ret;
	return 0;
}

static long sysmem_coll_ioctl_get_result(struct file *file, void *arg,
					 struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	struct sysmem_result *r = arg;
	int *fds = NULL, *close_fds = NULL;
	unsigned int i, nr;
	bool writable;
	u32 reason;
	int ret;

	if (r->flags || r->reserved || r->reserved2)
		return -EINVAL;
	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	if (node->weak && !node->weak_ok) {
		ret = -EPERM;
		goto unlock;
	}
	node->waited = true;
	switch (sysmem_node_status(node, &reason)) {
	case SYSMEM_STATE_ALLOCATED:
		break;
	case SYSMEM_STATE_FAILED:
		ret = -EIO;
		goto unlock;
	default:
		ret = -EAGAIN;
		goto unlock;
	}
	nr = coll->nr_buffers;
	ret = sysmem_copy_settings(coll, r);
	if (ret)
		goto unlock;
	r->buffer_count = nr;
	r->collection_id = coll->id;
	r->fd_count = 0;
	r->result_flags = node->weak ? SYSMEM_RESULT_WEAK : 0;
	if (node->c.usage & SYSMEM_USAGE_NONE)
		goto unlock;
	if (r->fd_capacity < nr) {
		ret = -ENOSPC;
		goto unlock;
	}
	if (node->weak && !r->close_weak_fds) {
		ret = -EINVAL;
		goto unlock;
	}
	fds = kcalloc(nr, sizeof(*fds), GFP_KERNEL);
	close_fds = kcalloc(nr, sizeof(*close_fds), GFP_KERNEL);
	if (!fds || !close_fds) {
		ret = -ENOMEM;
		goto free_fds;
	}
	writable = (node->rights & SYSMEM_RIGHT_WRITE) &&
		   (node->c.usage & SYSMEM_USAGE_WRITE_MASK);
	for (i = 0; i < nr; i++) {
		if (node->weak)
			ret = sysmem_weak_fds(coll, &coll->buffers[i], writable,
					      &fds[i], &close_fds[i], ctx);
		else
			ret = sysmem_strong_fd(coll, &coll->buffers[i],
					       writable, &fds[i], ctx);
		if (ret)
			goto free_fds;
	}
	if (copy_to_user(u64_to_user_ptr(r->fds), fds, nr * sizeof(*fds)) ||
	    (node->weak && copy_to_user(u64_to_user_ptr(r->close_weak_fds),
					close_fds, nr * sizeof(*close_fds)))) {
		ret = -EFAULT;
		goto free_fds;
	}
	r->fd_count = nr;
free_fds:
	kfree(close_fds);
	kfree(fds);
unlock:
	mutex_unlock(&coll->lock);
	return ret;
}

static const struct sysmem_ioctl_desc sysmem_token_ioctls[] = {
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_RELEASE, sysmem_node_ioctl_release),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_NAME, sysmem_node_ioctl_set_name),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_DEBUG_INFO,
		     sysmem_node_ioctl_set_debug_info),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_GET_COLLECTION_ID, sysmem_node_ioctl_get_id),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_GET_REF, sysmem_node_ioctl_get_ref),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_IS_ALTERNATE_FOR,
		     sysmem_node_ioctl_is_alternate),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_WEAK, sysmem_node_ioctl_set_weak),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_WEAK_OK,
		     sysmem_node_ioctl_set_weak_ok),
	SYSMEM_IOCTL(SYSMEM_IOC_TOKEN_DUPLICATE, sysmem_token_ioctl_duplicate),
	SYSMEM_IOCTL(SYSMEM_IOC_TOKEN_DUPLICATE_MANY,
		     sysmem_token_ioctl_duplicate_many),
	SYSMEM_IOCTL(SYSMEM_IOC_TOKEN_SET_DISPENSABLE,
		     sysmem_token_ioctl_set_dispensable),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING,
		     sysmem_node_ioctl_node_tracking),
	SYSMEM_IOCTL(SYSMEM_IOC_TOKEN_CREATE_GROUP,
		     sysmem_token_ioctl_create_group),
};

static const struct sysmem_ioctl_desc sysmem_group_ioctls[] = {
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_RELEASE, sysmem_node_ioctl_release),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_NAME, sysmem_node_ioctl_set_name),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_DEBUG_INFO,
		     sysmem_node_ioctl_set_debug_info),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_GET_COLLECTION_ID, sysmem_node_ioctl_get_id),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_GET_REF, sysmem_node_ioctl_get_ref),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_IS_ALTERNATE_FOR,
		     sysmem_node_ioctl_is_alternate),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_WEAK, sysmem_node_ioctl_set_weak),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_WEAK_OK,
		     sysmem_node_ioctl_set_weak_ok),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING,
		     sysmem_node_ioctl_node_tracking),
	SYSMEM_IOCTL(SYSMEM_IOC_GROUP_CREATE_CHILD,
		     sysmem_group_ioctl_create_child),
	SYSMEM_IOCTL(SYSMEM_IOC_GROUP_CREATE_CHILDREN,
		     sysmem_token_ioctl_duplicate_many),
	SYSMEM_IOCTL(SYSMEM_IOC_GROUP_ALL_CHILDREN_PRESENT,
		     sysmem_group_ioctl_all_present),
};

static const struct sysmem_ioctl_desc sysmem_coll_ioctls[] = {
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_RELEASE, sysmem_node_ioctl_release),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_NAME, sysmem_node_ioctl_set_name),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_DEBUG_INFO,
		     sysmem_node_ioctl_set_debug_info),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_GET_COLLECTION_ID, sysmem_node_ioctl_get_id),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_GET_REF, sysmem_node_ioctl_get_ref),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_IS_ALTERNATE_FOR,
		     sysmem_node_ioctl_is_alternate),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_WEAK, sysmem_node_ioctl_set_weak),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_WEAK_OK,
		     sysmem_node_ioctl_set_weak_ok),
	SYSMEM_IOCTL(SYSMEM_IOC_SET_CONSTRAINTS,
		     sysmem_coll_ioctl_set_constraints),
	SYSMEM_IOCTL(SYSMEM_IOC_WAIT, sysmem_coll_ioctl_wait),
	SYSMEM_IOCTL(SYSMEM_IOC_CHECK, sysmem_coll_ioctl_check),
	SYSMEM_IOCTL(SYSMEM_IOC_GET_RESULT, sysmem_coll_ioctl_get_result),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING,
		     sysmem_node_ioctl_node_tracking),
	SYSMEM_IOCTL(SYSMEM_IOC_ATTACH_LIFETIME_TRACKING,
		     sysmem_coll_ioctl_lifetime_tracking),
	SYSMEM_IOCTL(SYSMEM_IOC_ATTACH_TOKEN, sysmem_coll_ioctl_attach_token),
};

static long sysmem_node_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct sysmem_node *node = file->private_data;

	if (node->type == SYSMEM_NODE_TOKEN)
		return sysmem_ioctl_dispatch(sysmem_token_ioctls,
					     ARRAY_SIZE(sysmem_token_ioctls),
					     file, cmd, arg);
	if (node->type == SYSMEM_NODE_GROUP)
		return sysmem_ioctl_dispatch(sysmem_group_ioctls,
					     ARRAY_SIZE(sysmem_group_ioctls),
					     file, cmd, arg);
	return sysmem_ioctl_dispatch(sysmem_coll_ioctls,
				     ARRAY_SIZE(sysmem_coll_ioctls),
				     file, cmd, arg);
}

static __poll_t sysmem_node_poll(struct file *file, poll_table *wait)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;

	u32 reason;

	poll_wait(file, &coll->wq, wait);
	switch (sysmem_node_status(node, &reason)) {
	case SYSMEM_STATE_ALLOCATED:
		return EPOLLIN | EPOLLRDNORM;
	case SYSMEM_STATE_FAILED:
		return EPOLLERR;
	}
	return 0;
}

static int sysmem_node_release_file(struct inode *inode, struct file *file)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;

	mutex_lock(&coll->lock);
	if (node->state == SYSMEM_NODE_LIVE) {
		node->state = SYSMEM_NODE_CLOSED;
		sysmem_node_fail(node, SYSMEM_FAIL_PARTICIPANT_LOST,
				 "closed without release");
	}
	sysmem_collection_check_strong(coll, node);
	/* Constraints outlive the fd while they still count. */
	node->has_file = false;
	sysmem_node_prune_up(node);
	mutex_unlock(&coll->lock);
	kref_put(&coll->ref, sysmem_collection_free);
	return 0;
}

static const struct file_operations sysmem_node_fops = {
	.owner = THIS_MODULE,
	.release = sysmem_node_release_file,
	.unlocked_ioctl = sysmem_node_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = sysmem_node_poll,
};

/**
 * sysmem_nodes_init() - check the node ioctl tables
 *
 * Return: 0 or -EINVAL.
 */
int sysmem_nodes_init(void)
{
	return sysmem_ioctl_table_check(sysmem_token_ioctls,
					ARRAY_SIZE(sysmem_token_ioctls)) ?:
	       sysmem_ioctl_table_check(sysmem_group_ioctls,
					ARRAY_SIZE(sysmem_group_ioctls)) ?:
	       sysmem_ioctl_table_check(sysmem_coll_ioctls,
					ARRAY_SIZE(sysmem_coll_ioctls));
}
