// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem nodes and collections.
 *
 * Every token and collection fd is a node of one logical collection.  A
 * collection negotiates and allocates once no token is left unbound and
 * every live collection node has set constraints.  Nodes that leave
 * without RELEASE fail the collection (before allocation any node, after
 * it any collection node).
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

#include "sysmem_internal.h"
#include "sysmem_math.h"
#include "sysmem_strings.h"

enum sysmem_node_type {
	SYSMEM_NODE_TOKEN,
	SYSMEM_NODE_COLLECTION,
};

enum sysmem_node_state {
	SYSMEM_NODE_LIVE,	/* the fd may be used */
	SYSMEM_NODE_RELEASED,	/* left cleanly, or never handed out */
	SYSMEM_NODE_BOUND,	/* a token consumed by BIND */
	SYSMEM_NODE_CLOSED,	/* closed without RELEASE */
};

/**
 * struct sysmem_coll_buffer - a collection's hold on one buffer
 * @buf: the buffer (one reference)
 * @dmabuf: the buffer exported read-only [0] and writable [1], each
 *	exported on first demand and holding one file reference
 */
struct sysmem_coll_buffer {
	struct sysmem_buffer *buf;
	struct dma_buf *dmabuf[2];
};

/**
 * struct sysmem_collection - one logical buffer collection
 * @ref: one reference per node that has a file (or is being created)
 * @lock: protects every field below but @id and @ref, and every node's
 *	state, constraints and list membership
 * @id: unique id, never reused
 * @state: SYSMEM_STATE_*; read without @lock only by waiters
 * @reason: SYSMEM_FAIL_* once failed
 * @wq: woken when @state leaves SYSMEM_STATE_PENDING
 * @nodes: every node with a file, and every node whose constraints count
 * @name: the collection's name, "" until named
 * @name_priority: priority of @name
 * @settings: the chosen settings once allocated
 * @nr_buffers: entries of @buffers
 * @buffers: the buffers, until the collection fails or is freed
 */
struct sysmem_collection {
	struct kref ref;
	struct mutex lock;	/* the collection's state and its nodes */
	u64 id;
	u32 state;
	u32 reason;
	wait_queue_head_t wq;
	struct list_head nodes;
	char name[SYSMEM_NAME_LEN];
	u32 name_priority;
	struct sysmem_buffer_settings settings;
	unsigned int nr_buffers;
	struct sysmem_coll_buffer *buffers;
};

/**
 * struct sysmem_node - a token or collection fd
 * @coll: the collection (a reference while the node has a file)
 * @link: entry in @coll->nodes
 * @type: token or collection; never changes
 * @state: enum sysmem_node_state, under @coll->lock
 * @rights: SYSMEM_RIGHT_* left after every duplicate's attenuation
 * @has_constraints: @c and @heaps are set
 * @c: the constraints, with the user heap pointer cleared
 * @heaps: kernel copy of the permitted heap names, or NULL
 * @images: kernel copy of the image format constraints, or NULL
 * @dbg: who the participant is, for log lines
 */
struct sysmem_node {
	struct sysmem_collection *coll;
	struct list_head link;
	enum sysmem_node_type type;
	enum sysmem_node_state state;
	u32 rights;
	bool has_constraints;
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name *heaps;
	struct sysmem_image_constraints *images;
	struct sysmem_debug_info dbg;
};

static atomic64_t sysmem_last_collection_id = ATOMIC64_INIT(0);
static const struct file_operations sysmem_node_fops;

static void sysmem_collection_drop_buffers(struct sysmem_collection *coll)
{
	unsigned int i;

	for (i = 0; i < coll->nr_buffers; i++) {
		struct sysmem_coll_buffer *cb = &coll->buffers[i];

		if (cb->dmabuf[0])
			dma_buf_put(cb->dmabuf[0]);
		if (cb->dmabuf[1])
			dma_buf_put(cb->dmabuf[1]);
		sysmem_buffer_put(cb->buf);
	}
	kfree(coll->buffers);
	coll->buffers = NULL;
	coll->nr_buffers = 0;
}

static void sysmem_node_free(struct sysmem_node *node)
{
	kvfree(node->images);
	kfree(node->heaps);
	kfree(node);
}

static void sysmem_collection_free(struct kref *ref)
{
	struct sysmem_collection *coll =
		container_of(ref, struct sysmem_collection, ref);
	struct sysmem_node *node, *tmp;

	list_for_each_entry_safe(node, tmp, &coll->nodes, link) {
		list_del(&node->link);
		sysmem_node_free(node);
	}
	sysmem_collection_drop_buffers(coll);
	mutex_destroy(&coll->lock);
	kfree(coll);
}

static struct sysmem_collection *sysmem_collection_new(void)
{
	struct sysmem_collection *coll;

	coll = kzalloc(sizeof(*coll), GFP_KERNEL);
	if (!coll)
		return NULL;
	kref_init(&coll->ref);
	mutex_init(&coll->lock);
	init_waitqueue_head(&coll->wq);
	INIT_LIST_HEAD(&coll->nodes);
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
	wake_up_all(&coll->wq);
}

/* Negotiate and allocate; @coll->lock held, every node ready. */
static void sysmem_collection_allocate(struct sysmem_collection *coll)
{
	const char *why = "out of memory while negotiating";
	u32 reason = SYSMEM_FAIL_NO_MEMORY;
	struct sysmem_buffer_settings settings;
	struct sysmem_participant *parts;
	struct sysmem_heap_desc *descs;
	struct sysmem_coll_buffer *bufs;
	struct sysmem_heap **heaps;
	struct sysmem_heap *heap = NULL;
	unsigned int nr_parts = 0, nr_heaps, i;
	struct sysmem_node *node;
	u64 size;

	list_for_each_entry(node, &coll->nodes, link)
		if (node->has_constraints)
			nr_parts++;
	parts = kcalloc(max(nr_parts, 1U), sizeof(*parts), GFP_KERNEL);
	if (!parts)
		goto fail;
	i = 0;
	list_for_each_entry(node, &coll->nodes, link) {
		if (!node->has_constraints)
			continue;
		parts[i].c = &node->c;
		parts[i].heaps = node->heaps;
		parts[i++].images = node->images;
	}
	if (sysmem_heaps_get(&descs, &heaps, &nr_heaps))
		goto free_parts;

	reason = sysmem_aggregate(parts, nr_parts, descs, nr_heaps, &settings,
				  &why);
	if (reason)
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

		buf = sysmem_buffer_alloc(heap, size, &settings, coll->id, i);
		if (IS_ERR(buf))
			goto free_buffers;
		bufs[i].buf = buf;
	}
	coll->buffers = bufs;
	coll->nr_buffers = settings.buffer_count;
	coll->settings = settings;
	WRITE_ONCE(coll->state, SYSMEM_STATE_ALLOCATED);
	wake_up_all(&coll->wq);
	reason = SYSMEM_FAIL_NONE;
	goto free_heaps;

free_buffers:
	while (i--)
		sysmem_buffer_put(bufs[i].buf);
	kfree(bufs);
free_heaps:
	sysmem_heaps_put(descs, heaps, nr_heaps);
free_parts:
	kfree(parts);
fail:
	if (reason)
		sysmem_collection_fail(coll, reason, NULL, why);
}

/* Allocate if every node is ready; @coll->lock held. */
static void sysmem_collection_maybe_allocate(struct sysmem_collection *coll)
{
	struct sysmem_node *node;

	lockdep_assert_held(&coll->lock);
	if (coll->state != SYSMEM_STATE_PENDING)
		return;
	list_for_each_entry(node, &coll->nodes, link) {
		if (node->state != SYSMEM_NODE_LIVE)
			continue;
		if (node->type == SYSMEM_NODE_TOKEN || !node->has_constraints)
			return;
	}
	sysmem_collection_allocate(coll);
}

/*
 * sysmem_node_alloc - a node of @coll, not yet in its tree, holding a
 * collection reference.  It stays released (inert) until linked.
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
	INIT_LIST_HEAD(&node->link);
	kref_get(&coll->ref);
	return node;
}

/* Put @node live into its tree; @coll->lock held. */
static void sysmem_node_link(struct sysmem_node *node, u32 rights,
			     const struct sysmem_debug_info *dbg)
{
	lockdep_assert_held(&node->coll->lock);
	node->state = SYSMEM_NODE_LIVE;
	node->rights = rights;
	node->dbg = *dbg;
	list_add_tail(&node->link, &node->coll->nodes);
}

/* sysmem_node_new - a live node in @coll's tree; @coll->lock held. */
static struct sysmem_node *sysmem_node_new(struct sysmem_collection *coll,
					   enum sysmem_node_type type,
					   u32 rights,
					   const struct sysmem_debug_info *dbg)
{
	struct sysmem_node *node = sysmem_node_alloc(coll, type);

	if (node)
		sysmem_node_link(node, rights, dbg);
	return node;
}

/* Undo sysmem_node_new() for a node that never got a file. */
static void sysmem_node_discard(struct sysmem_node *node)
{
	struct sysmem_collection *coll = node->coll;

	mutex_lock(&coll->lock);
	list_del_init(&node->link);
	mutex_unlock(&coll->lock);
	sysmem_node_free(node);
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
		sysmem_collection_maybe_allocate(node->coll);
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

	file = anon_inode_getfile(node->type == SYSMEM_NODE_TOKEN ?
				  "[sysmem-token]" : "[sysmem-collection]",
				  &sysmem_node_fops, node, O_RDWR);
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
	if (token->state == SYSMEM_NODE_LIVE) {
		sysmem_node_link(node, token->rights, &token->dbg);
		token->state = SYSMEM_NODE_BOUND;
	} else {
		ret = -ESTALE;	/* the unused fd goes away with the ctx */
	}
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
	sysmem_collection_maybe_allocate(node->coll);
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
	for (i = 0; i < count; i++)
		sysmem_node_link(nodes[i], token->rights & masks[i],
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

static long sysmem_coll_ioctl_set_constraints(struct file *file, void *arg,
					      struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_buffer_constraints *c = arg;
	struct sysmem_image_constraints *images = NULL;
	struct sysmem_heap_name *heaps = NULL;
	int invalid, ret;

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
	} else if (node->coll->state == SYSMEM_STATE_FAILED) {
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
		sysmem_collection_maybe_allocate(node->coll);
	}
	mutex_unlock(&node->coll->lock);
free_images:
	kvfree(images);
free_heaps:
	kfree(heaps);
	return ret;
}

static long sysmem_coll_ioctl_wait(struct file *file, void *arg,
				   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	struct sysmem_wait *w = arg;
	long ret;

	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	mutex_unlock(&coll->lock);

	if (w->timeout_ns < 0) {
		ret = wait_event_interruptible(coll->wq,
					       READ_ONCE(coll->state) !=
					       SYSMEM_STATE_PENDING);
	} else if (w->timeout_ns > 0) {
		/*
		 * An hrtimer, not jiffies: nsecs_to_jiffies64() rounds down
		 * and a jiffy timeout counts the current, partly gone jiffy,
		 * so the wait could end before the caller's timeout.
		 */
		ret = wait_event_interruptible_hrtimeout(coll->wq,
							 READ_ONCE(coll->state) !=
							 SYSMEM_STATE_PENDING,
							 ns_to_ktime(w->timeout_ns));
	}
	/* A relative timeout must not be restarted from its beginning. */
	if (ret == -ERESTARTSYS)
		return -EINTR;
	switch (READ_ONCE(coll->state)) {
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
	chk->state = node->coll->state;
	chk->reason = node->coll->state == SYSMEM_STATE_FAILED ?
		      node->coll->reason : SYSMEM_FAIL_NONE;
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

static long sysmem_coll_ioctl_get_result(struct file *file, void *arg,
					 struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	struct sysmem_result *r = arg;
	unsigned int i, nr;
	bool writable;
	int *fds = NULL;
	int ret;

	if (r->flags || r->reserved)
		return -EINVAL;
	ret = sysmem_node_lock_live(node);
	if (ret)
		return ret;
	if (coll->state != SYSMEM_STATE_ALLOCATED) {
		ret = coll->state == SYSMEM_STATE_FAILED ? -EIO : -EAGAIN;
		goto unlock;
	}
	nr = coll->nr_buffers;
	ret = sysmem_copy_settings(coll, r);
	if (ret)
		goto unlock;
	r->buffer_count = nr;
	r->collection_id = coll->id;
	r->fd_count = 0;
	if (node->c.usage & SYSMEM_USAGE_NONE)
		goto unlock;
	if (r->fd_capacity < nr) {
		ret = -ENOSPC;
		goto unlock;
	}
	fds = kcalloc(nr, sizeof(*fds), GFP_KERNEL);
	if (!fds) {
		ret = -ENOMEM;
		goto unlock;
	}
	writable = (node->rights & SYSMEM_RIGHT_WRITE) &&
		   (node->c.usage & SYSMEM_USAGE_WRITE_MASK);
	for (i = 0; i < nr; i++) {
		struct sysmem_coll_buffer *cb = &coll->buffers[i];
		struct dma_buf *dmabuf = cb->dmabuf[writable];

		if (!dmabuf) {
			dmabuf = sysmem_buffer_export(cb->buf, writable,
						      coll->name);
			if (IS_ERR(dmabuf)) {
				ret = PTR_ERR(dmabuf);
				goto free_fds;
			}
			cb->dmabuf[writable] = dmabuf;
		}
		get_dma_buf(dmabuf);
		ret = sysmem_ctx_add_file(ctx, dmabuf->file, NULL);
		if (ret < 0)
			goto free_fds;
		fds[i] = ret;
	}
	ret = 0;
	if (copy_to_user(u64_to_user_ptr(r->fds), fds, nr * sizeof(*fds)))
		ret = -EFAULT;
	else
		r->fd_count = nr;
free_fds:
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
	SYSMEM_IOCTL(SYSMEM_IOC_TOKEN_DUPLICATE, sysmem_token_ioctl_duplicate),
	SYSMEM_IOCTL(SYSMEM_IOC_TOKEN_DUPLICATE_MANY,
		     sysmem_token_ioctl_duplicate_many),
};

static const struct sysmem_ioctl_desc sysmem_coll_ioctls[] = {
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_RELEASE, sysmem_node_ioctl_release),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_NAME, sysmem_node_ioctl_set_name),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_SET_DEBUG_INFO,
		     sysmem_node_ioctl_set_debug_info),
	SYSMEM_IOCTL(SYSMEM_IOC_NODE_GET_COLLECTION_ID, sysmem_node_ioctl_get_id),
	SYSMEM_IOCTL(SYSMEM_IOC_SET_CONSTRAINTS,
		     sysmem_coll_ioctl_set_constraints),
	SYSMEM_IOCTL(SYSMEM_IOC_WAIT, sysmem_coll_ioctl_wait),
	SYSMEM_IOCTL(SYSMEM_IOC_CHECK, sysmem_coll_ioctl_check),
	SYSMEM_IOCTL(SYSMEM_IOC_GET_RESULT, sysmem_coll_ioctl_get_result),
};

static long sysmem_node_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct sysmem_node *node = file->private_data;

	if (node->type == SYSMEM_NODE_TOKEN)
		return sysmem_ioctl_dispatch(sysmem_token_ioctls,
					     ARRAY_SIZE(sysmem_token_ioctls),
					     file, cmd, arg);
	return sysmem_ioctl_dispatch(sysmem_coll_ioctls,
				     ARRAY_SIZE(sysmem_coll_ioctls),
				     file, cmd, arg);
}

static __poll_t sysmem_node_poll(struct file *file, poll_table *wait)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;

	poll_wait(file, &coll->wq, wait);
	switch (READ_ONCE(coll->state)) {
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
	bool free_node;

	mutex_lock(&coll->lock);
	if (node->state == SYSMEM_NODE_LIVE) {
		node->state = SYSMEM_NODE_CLOSED;
		if (coll->state == SYSMEM_STATE_PENDING ||
		    (coll->state == SYSMEM_STATE_ALLOCATED &&
		     node->type == SYSMEM_NODE_COLLECTION))
			sysmem_collection_fail(coll,
					       SYSMEM_FAIL_PARTICIPANT_LOST,
					       node, "closed without release");
	}
	/* Constraints outlive the fd: they keep counting until the end. */
	free_node = !node->has_constraints;
	if (free_node)
		list_del_init(&node->link);
	mutex_unlock(&coll->lock);
	if (free_node)
		sysmem_node_free(node);
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
	       sysmem_ioctl_table_check(sysmem_coll_ioctls,
					ARRAY_SIZE(sysmem_coll_ioctls));
}
