/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem core: node trees, collections and their negotiation.
 *
 * The core knows nothing of files, fds or user memory; the fd and ioctl
 * layers (sysmem_node_fd.c and the files above it) include this header,
 * never the reverse.
 *
 * Every token, group and collection fd is a node of one tree per logical
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
 * Once no buffer is held strongly either, the collection fails
 * (SYSMEM_FAIL_PARTICIPANT_LOST), so that its weak nodes see it end.
 * The last strong dma-buf can go under a collection lock (the
 * collection letting go) or in any task closing a file, so that
 * failure runs from a work item (sysmem_collection.c), which holds a
 * reference on the collection and takes its lock like any caller.
 *
 * Lock order, outermost first:
 *
 *   sysmem_collection.lock (mutex): one collection's state and tree;
 *	held across its negotiation and allocation, which can take long,
 *	so the ioctls take it killably and WAIT, CHECK and poll() read
 *	their node's state without it
 *     sysmem_heaps_lock, sysmem_heap.unregister_sem: the heap calls
 *	made while allocating (sysmem_heap.c)
 *     sysmem_buffer.lock, dma_buf.name_lock (spinlocks): exporting
 *	and naming a collection's buffers (sysmem_buffer.c)
 *     sysmem_tracker.lock (spinlock): lifetime and node tracking
 *     sysmem_strong_watch.lock (spinlock): the collection a strong
 *	watch reports to (taken after sysmem_buffer.lock is dropped)
 *     sysmem_users_lock (mutex): the per-user pinned-memory counts,
 *	taken when a payer or a buffer's charge goes (sysmem_payer.c)
 *     sysmem_stall_lock (spinlock): the queue of default stall
 *	deadlines (sysmem_stall.c); only workqueue calls under it
 *     sysmem_pool.lock (spinlock): the system heap's page pool
 *	(sysmem_page_pool.c), a leaf: nothing else is taken under it
 *
 *   sysmem_collections_lock (spinlock): the list of live collections
 *	(sysmem_collection.c); taken alone, never with a collection lock
 *	held, only to add, remove or step past one list entry
 *
 * sysmem_client.lock is never held together with a collection lock.
 * No two collection locks are ever held at once: a node refers only to
 * nodes of its own collection, and a node ref fd of another collection
 * is recognised by its id, never locked.  Nothing is copied to or from
 * user memory under a collection lock.
 */
#ifndef _SYSMEM_CORE_H
#define _SYSMEM_CORE_H

#include <linux/bits.h>
#include <linux/workqueue.h>

#include "sysmem_group.h"
#include "sysmem_internal.h"

struct sysmem_logical_base;
struct sysmem_participant;

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
 * @held: buffer slots held: the camping and dedicated slack of the
 *	allocation's participants and of the accepted attached subtrees,
 *	less those given back by slot owners that have gone
 * @shared_slack: the largest shared slack among the allocation's
 *	participants and the accepted attached subtrees still holding
 *	slots: the larger of @shared_fixed and every slot owner's
 * @shared_fixed: the largest shared slack among the participants whose
 *	slots are never given back (outside every dispensable node and
 *	attached subtree)
 * @slot_owners: the nodes holding slots they give back when freed
 *	(struct sysmem_node.slot_entry)
 * @name: the collection's name, "" until named
 * @name_priority: priority of @name
 * @settings: the chosen settings once allocated
 * @nr_buffers: entries of @buffers
 * @buffers: the buffers, until the collection fails or is freed
 * @let_go: allocated, then left without a strong node: the buffers are
 *	no longer held by the collection (a strong node never comes back)
 * @watch: counts the buffers something strong still holds; set at
 *	creation, for as long as the collection lives
 * @strong_end: queued (with a reference on the collection) when @watch
 *	falls to 0: fails the collection once it is let go
 * @all: entry in the list of live collections, in id order, under
 *	sysmem_collections_lock (for debugfs)
 * @created_ns: CLOCK_MONOTONIC ns at creation, to a tick (coarse clock)
 * @last_node_id: the id of the latest node made in the collection
 * @nr_nodes: nodes of the collection not freed yet, in the tree or not
 *	(released ones kept for their constraints, ones being made);
 *	at most SYSMEM_MAX_NODES
 * @stall_deadline: the earliest stall log deadline (CLOCK_MONOTONIC ns),
 *	SYSMEM_DEADLINE_NONE when none is set (sysmem_stall.c)
 * @stall_logged: the stall line was logged; it is logged once
 * @stall_queued: @stall_work was queued or armed at least once, so
 *	stopping and freeing must cancel it (set before it is)
 * @stall_link: entry in the queue of default deadlines while the
 *	collection waits there (sysmem_stall.c), else empty
 * @stall_work: logs the stall line at @stall_deadline; holds no
 *	reference, so freeing the collection cancels it first
 * @payer: who pays for the buffers: the task that created the
 *	collection (sysmem_payer.c); set at creation
 * @max_total_bytes: the most bytes the buffers may take together, the
 *	lowest any participant set; U64_MAX when none is set
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
	u64 held;
	u32 shared_slack;
	u32 shared_fixed;
	struct list_head slot_owners;
	char name[SYSMEM_NAME_LEN];
	u32 name_priority;
	struct sysmem_buffer_settings settings;
	unsigned int nr_buffers;
	struct sysmem_coll_buffer *buffers;
	bool let_go;
	struct sysmem_strong_watch *watch;
	struct work_struct strong_end;
	struct list_head all;
	u64 created_ns;
	atomic64_t last_node_id;
	atomic_t nr_nodes;
	s64 stall_deadline;
	bool stall_logged;
	bool stall_queued;
	struct list_head stall_link;
	struct delayed_work stall_work;
	struct sysmem_payer *payer;
	u64 max_total_bytes;
};

/**
 * struct sysmem_node - a token or collection fd, or what is left of it
 * @coll: the collection (a reference while the node has a file)
 * @id: the node's id in its collection, from 1; a collection node bound
 *	from a token keeps the token's id; never changes once in the tree;
 *	what the tracepoints and the stall log line call the node
 * @pid: thread group id (in the initial namespace) of the task that made
 *	the node
 * @parent: the parent node; NULL for the root, for a node not (or no
 *	longer) in the tree, and for the top of a failed subtree
 * @children: the child nodes, oldest first
 * @sibling: entry in @parent->children
 * @type: token or collection; never changes
 * @state: enum sysmem_node_state; read without the lock by WAIT and
 *	CHECK (sysmem_coll_fd.c)
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
 *	(@weak, @weak_ok and @waited are read or set without the lock by
 *	WAIT)
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
 * @slot_entry: in @coll->slot_owners while @slots_held or @slots_shared
 *	are the node's to give back (@holds_slots)
 * @holds_slots: the node is a slot owner: a dispensable node or the top
 *	of an attached subtree whose participants took buffer slots; they
 *	return to the collection when the node is freed
 * @slots_held: the camping and dedicated slack its participants took
 * @slots_shared: the largest shared slack among them
 * @id: the node's id in its collection, from 1; a collection node bound
 *	from a token keeps the token's id; never changes once in the tree
 * @pid: tgid (in the initial pid namespace) of the task that made the
 *	node, 0 for a kernel participant's
 * @kernel: the node is held by a kernel participant (sysmem_knode.c)
 *
 * Every field but @coll, @id, @pid and @type is protected by
 * @coll->lock.
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
	struct list_head slot_entry;
	bool holds_slots;
	u64 slots_held;
	u32 slots_shared;
	u64 id;
	pid_t pid;
	bool kernel;
};

/**
 * struct sysmem_node_ident - what a node ref fd names
 * @ref: one for the node until it is freed, one per node ref fd
 * @coll_id: the id of the node's collection
 * @node_id: the node's id in it (struct sysmem_node.id)
 * @node: the node, NULL once it is freed; written, and read, only under
 *	the lock of the collection @coll_id names
 */
struct sysmem_node_ident {
	struct kref ref;
	u64 coll_id;
	u64 node_id;
	struct sysmem_node *node;
};

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
 * @small: the arrays of a negotiation of at most SYSMEM_NG_SMALL_PARTS
 *	entries of @parts and no group, in place of an allocation (most
 *	collections have a few participants and no group); its group
 *	arrays are never read, only pointed at
 *
 * The struct points into itself: it is never copied.
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
#define SYSMEM_NG_SMALL_PARTS	4
	struct {
		struct sysmem_participant parts[SYSMEM_NG_SMALL_PARTS];
		struct sysmem_node *nodes[SYSMEM_NG_SMALL_PARTS];
		struct sysmem_node *groups[1];
		struct sysmem_group_desc desc[1];
		u32 choice[1];
	} small;
};

/* sysmem_tree.c: the node tree, walks and pruning */
struct sysmem_node *sysmem_node_alloc(struct sysmem_collection *coll,
				      enum sysmem_node_type type);
void sysmem_node_set_kernel(struct sysmem_node *node);
/* What a node still lacks before its allocation: sysmem_node_missing() */
#define SYSMEM_MISSING_UNBOUND_TOKEN	BIT(0)
#define SYSMEM_MISSING_NO_CONSTRAINTS	BIT(1)
#define SYSMEM_MISSING_GROUP_CHILDREN	BIT(2)
unsigned int sysmem_node_missing(const struct sysmem_node *node);
const char *sysmem_node_type_word(enum sysmem_node_type type);
void sysmem_node_link(struct sysmem_node *node, struct sysmem_node *parent,
		      u32 rights, const struct sysmem_debug_info *dbg);
void sysmem_node_replace(struct sysmem_node *token, struct sysmem_node *node);
struct sysmem_node *sysmem_node_new(struct sysmem_collection *coll,
				    enum sysmem_node_type type, u32 rights,
				    const struct sysmem_debug_info *dbg);
struct sysmem_node *sysmem_node_next(struct sysmem_node *n,
				     struct sysmem_node *top);
struct sysmem_node *sysmem_domain_next(struct sysmem_node *n,
				       struct sysmem_node *top);
bool sysmem_domain_skip(const struct sysmem_node *n,
			const struct sysmem_node *top);
bool sysmem_node_constraints_count(const struct sysmem_node *node);
void sysmem_node_prune_up(struct sysmem_node *node);
void sysmem_subtree_prune(struct sysmem_node *top, bool all);
u32 sysmem_node_status(const struct sysmem_node *node, u32 *reason);
bool sysmem_node_settled(const struct sysmem_node *node);
int sysmem_node_outcome(const struct sysmem_node *node);
bool sysmem_nodes_alternate(struct sysmem_node *a, struct sysmem_node *b);
void sysmem_node_ident_put(struct sysmem_node_ident *ident);

/* sysmem_negotiate.c: one negotiation over a failure domain */
struct sysmem_node *sysmem_chosen_next(struct sysmem_node *n,
				       struct sysmem_node *top);
int sysmem_negotiation_init(struct sysmem_negotiation *ng,
			    struct sysmem_node *top, unsigned int nr_prefix);
void sysmem_negotiation_free(struct sysmem_negotiation *ng);
u32 sysmem_negotiate(struct sysmem_negotiation *ng,
		     const struct sysmem_heap_desc *descs,
		     unsigned int nr_descs,
		     const struct sysmem_logical_base *base,
		     struct sysmem_buffer_settings *out, const char **why);

/* sysmem_collection.c: the collection state machine */
struct sysmem_collection *sysmem_collection_new(void);
void sysmem_collection_put(struct sysmem_collection *coll);
void sysmem_collection_update(struct sysmem_collection *coll,
			      const struct sysmem_node *who);
void sysmem_node_release(struct sysmem_node *node);
void sysmem_node_withdraw(struct sysmem_node *node);
void sysmem_node_close(struct sysmem_node *node);
void sysmem_node_discard(struct sysmem_node *node);
void sysmem_node_give_back_slots(struct sysmem_node *node);
struct sysmem_collection *sysmem_collection_next(struct sysmem_collection *prev);

/* sysmem_stall.c: the stall log line */
extern struct workqueue_struct *sysmem_collection_wq;
void sysmem_stall_init(struct sysmem_collection *coll);
void sysmem_stall_set_deadline(struct sysmem_collection *coll, s64 deadline);
void sysmem_stall_stop(struct sysmem_collection *coll);
void sysmem_stall_exit(struct sysmem_collection *coll);
void sysmem_stall_module_exit(void);

/* sysmem_node_calls.c: what every door does to a node */
void sysmem_collection_name(struct sysmem_collection *coll, u32 priority,
			    const char *name);
int sysmem_node_set_constraints(struct sysmem_node *node,
				const struct sysmem_buffer_constraints *c,
				struct sysmem_heap_name *heaps,
				struct sysmem_image_constraints *images);
bool sysmem_node_writable(const struct sysmem_node *node);
struct dma_buf *sysmem_coll_buffer_dmabuf(struct sysmem_collection *coll,
					  struct sysmem_coll_buffer *cb,
					  bool writable);

#endif /* _SYSMEM_CORE_H */
