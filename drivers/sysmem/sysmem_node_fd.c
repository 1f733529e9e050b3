// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: node fds.
 *
 * Gives the core's nodes their files, serves the ioctls every kind of
 * node fd takes, and the /dev/sysmem ioctls that make node fds
 * (ALLOC_TOKEN, ALLOC_NONSHARED, BIND).  Each kind's own ioctls are in
 * sysmem_token_fd.c, sysmem_group_fd.c and sysmem_coll_fd.c, whose
 * tables module init hands to sysmem_node_fd_init().
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "sysmem_node_fd.h"
#include "sysmem_observe.h"

static const struct file_operations sysmem_node_fops;

/**
 * sysmem_node_abort() - ctx abort for a new node fd never handed out
 * @file: the node's file
 *
 * Run by the dispatcher when the ioctl that made the node fails, before
 * it drops the file.  See sysmem_node_withdraw(): the node leaves
 * without failing, and its leaving may allocate the collection.
 */
void sysmem_node_abort(struct file *file)
{
	struct sysmem_node *node = file->private_data;

	mutex_lock(&node->coll->lock);
	sysmem_node_withdraw(node);
	mutex_unlock(&node->coll->lock);
}

/**
 * sysmem_node_install() - give a node a file and reserve an fd for it
 * @node: a node from sysmem_node_alloc()
 * @ctx: the ioctl's context, which installs the fd on success
 * @abort: the ctx abort for the file, or NULL
 *
 * On failure the node is gone (and its collection reference dropped).
 *
 * Return: the fd, or -errno.
 */
int sysmem_node_install(struct sysmem_node *node, struct sysmem_ioctl_ctx *ctx,
			void (*abort)(struct file *file))
{
	struct file *file = sysmem_node_file(node);

	if (IS_ERR(file))
		return PTR_ERR(file);
	return sysmem_ctx_add_file(ctx, file, abort);
}

/**
 * sysmem_node_file() - give a node its file
 * @node: a node from sysmem_node_alloc()
 *
 * The file owns the node's collection reference from now on; closing it
 * closes the node (sysmem_node_close()).
 *
 * Return: the file (O_RDWR), or an ERR_PTR with the node gone.
 */
struct file *sysmem_node_file(struct sysmem_node *node)
{
	struct file *file;

	static const char * const names[] = {
		[SYSMEM_NODE_TOKEN] = "[sysmem-token]",
		[SYSMEM_NODE_COLLECTION] = "[sysmem-collection]",
		[SYSMEM_NODE_GROUP] = "[sysmem-group]",
	};

	file = anon_inode_getfile(names[node->type], &sysmem_node_fops, node,
				  O_RDWR);
	if (IS_ERR(file))
		sysmem_node_discard(node);
	return file;
}

/**
 * sysmem_node_from_file() - the node of a sysmem node file
 * @file: any file
 *
 * Return: the node, or NULL for any other file.
 */
struct sysmem_node *sysmem_node_from_file(struct file *file)
{
	return file->f_op == &sysmem_node_fops ? file->private_data : NULL;
}

/**
 * sysmem_copy_in() - copy an ioctl's array in, charged to the caller
 * @uptr: the user address
 * @size: bytes to copy, not 0
 *
 * memdup_user() and vmemdup_user() do not charge the caller's memory
 * cgroup; this copy does, whether the node keeps it (constraints) or
 * not.
 *
 * Return: the copy, to kvfree(), or an ERR_PTR: -ENOMEM, -EFAULT.
 */
void *sysmem_copy_in(u64 uptr, size_t size)
{
	void *p = kvmalloc(size, GFP_KERNEL_ACCOUNT);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, u64_to_user_ptr(uptr), size)) {
		kvfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
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
	sysmem_collection_put(coll);
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
	if (IS_ERR(node)) {
		ret = PTR_ERR(node);
		goto put_fd;
	}
	ret = sysmem_node_install(node, ctx, NULL);
	if (ret < 0)
		goto put_fd;
	b->collection_fd = ret;
	/* On failure the unused fd goes away with the ctx. */
	ret = sysmem_node_lock_live_killable(token);
	if (ret)
		goto put_fd;
	sysmem_node_replace(token, node);
	mutex_unlock(&coll->lock);
put_fd:
	fdput(f);
	return ret;
}

/* Keep the collection lock if @node is live, else drop it. */
static int sysmem_node_keep_live(struct sysmem_node *node)
{
	if (node->state == SYSMEM_NODE_LIVE)
		return 0;
	mutex_unlock(&node->coll->lock);
	return -ESTALE;
}

/**
 * sysmem_node_lock_live() - lock a node's collection if the node is live
 * @node: the node
 *
 * For the kernel participant API, whose calls are not interrupted.
 *
 * Context: takes the collection lock, held on success.
 * Return: 0, or -ESTALE (unlocked) unless @node is live.
 */
int sysmem_node_lock_live(struct sysmem_node *node)
{
	mutex_lock(&node->coll->lock);
	return sysmem_node_keep_live(node);
}

/**
 * sysmem_node_lock_live_killable() - the same for an ioctl
 * @node: the node
 *
 * The lock is held across an allocation, which can take long (a large
 * contiguous block); a participant waiting for it can still be killed.
 *
 * Context: takes the collection lock, held on success.
 * Return: 0, -EINTR (a fatal signal came first) or -ESTALE (unlocked)
 * unless @node is live.
 */
int sysmem_node_lock_live_killable(struct sysmem_node *node)
{
	if (mutex_lock_killable(&node->coll->lock))
		return -EINTR;
	return sysmem_node_keep_live(node);
}

/**
 * sysmem_node_ioctl_release() - SYSMEM_IOC_NODE_RELEASE: leave cleanly
 * @file: the node fd
 * @arg: unused
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_release(struct file *file, void *arg,
				      struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	int ret;

	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	sysmem_node_release(node);
	mutex_unlock(&node->coll->lock);
	return 0;
}

/**
 * sysmem_node_ioctl_set_name() - SYSMEM_IOC_NODE_SET_NAME
 * @file: the node fd
 * @arg: struct sysmem_set_name
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_set_name(struct file *file, void *arg,
				       struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_set_name *sn = arg;
	size_t len;
	int ret;

	len = strnlen(sn->name, sizeof(sn->name));
	if (sn->reserved || !len || len == sizeof(sn->name))
		return -EINVAL;
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	sysmem_collection_name(node->coll, sn->priority, sn->name);
	mutex_unlock(&node->coll->lock);
	return 0;
}

/**
 * sysmem_node_ioctl_set_debug_info() - SYSMEM_IOC_NODE_SET_DEBUG_INFO
 * @file: the node fd
 * @arg: struct sysmem_debug_info
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_set_debug_info(struct file *file, void *arg,
					     struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	int ret;

	if (!sysmem_debug_info_valid(arg))
		return -EINVAL;
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	node->dbg = *(struct sysmem_debug_info *)arg;
	mutex_unlock(&node->coll->lock);
	return 0;
}

/**
 * sysmem_node_ioctl_get_id() - SYSMEM_IOC_NODE_GET_COLLECTION_ID
 * @file: the node fd
 * @arg: struct sysmem_collection_id
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_get_id(struct file *file, void *arg,
				     struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection_id *id = arg;
	int ret;

	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	id->id = node->coll->id;
	mutex_unlock(&node->coll->lock);
	return 0;
}

static int sysmem_node_ref_release(struct inode *inode, struct file *file)
{
	struct sysmem_node_ident *ident = file->private_data;

	sysmem_node_ident_put(ident);
	return 0;
}

/*
 * A node ref has nothing to wait for: it polls no event, ever (a file
 * without poll would poll always ready).
 */
static __poll_t sysmem_node_ref_poll(struct file *file, poll_table *wait)
{
	return 0;
}

static const struct file_operations sysmem_node_ref_fops = {
	.owner = THIS_MODULE,
	.show_fdinfo = sysmem_node_ref_show_fdinfo,
	.poll = sysmem_node_ref_poll,
	.release = sysmem_node_ref_release,
	.llseek = noop_llseek,
};

/**
 * sysmem_node_ioctl_get_ref() - SYSMEM_IOC_NODE_GET_REF
 * @file: the node fd
 * @arg: struct sysmem_new_node
 * @ctx: the ioctl's context
 *
 * A node ref fd: names this node without any right over it, for
 * SYSMEM_IOC_NODE_IS_ALTERNATE_FOR in another participant.
 *
 * Return: 0 or -errno.
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
	ident = kzalloc(sizeof(*ident), GFP_KERNEL_ACCOUNT);
	if (!ident)
		return -ENOMEM;
	kref_init(&ident->ref);
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		goto free_ident;
	if (!node->ident) {
		ident->coll_id = node->coll->id;
		ident->node_id = node->id;
		ident->node = node;
		node->ident = ident;
		ident = NULL;
	}
	kref_get(&node->ident->ref);
	rfile = anon_inode_getfile("[sysmem-node-ref]", &sysmem_node_ref_fops,
				   node->ident, O_RDONLY);
	if (IS_ERR(rfile)) {
		sysmem_node_ident_put(node->ident);
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

/**
 * sysmem_node_ioctl_is_alternate() - SYSMEM_IOC_NODE_IS_ALTERNATE_FOR
 * @file: the node fd
 * @arg: struct sysmem_is_alternate
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
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
	ret = sysmem_node_lock_live_killable(node);
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

/* A tracking fd was not handed out after all: its slot comes back. */
static void sysmem_node_tracking_undo(void *arg)
{
	struct sysmem_node *node = arg;

	mutex_lock(&node->coll->lock);
	node->nr_tracking--;
	mutex_unlock(&node->coll->lock);
}

/**
 * sysmem_node_tracking_fd() - reserve a tracking fd made through a node
 * @node: the node, which makes SYSMEM_MAX_TRACKING at most
 * @t: the tracker the fd watches
 * @threshold: the count at or below which the fd polls readable
 * @name: the file's name
 * @ctx: the ioctl's context, which gives the slot back if the ioctl
 *	fails after all; one tracking fd per ioctl
 *
 * Context: the collection lock held.
 * Return: the fd, -ENOSPC once @node made SYSMEM_MAX_TRACKING, or
 * -errno.
 */
int sysmem_node_tracking_fd(struct sysmem_node *node, struct sysmem_tracker *t,
			    u32 threshold, const char *name,
			    struct sysmem_ioctl_ctx *ctx)
{
	struct file *tfile;
	int fd;

	lockdep_assert_held(&node->coll->lock);
	if (node->nr_tracking >= SYSMEM_MAX_TRACKING)
		return -ENOSPC;
	tfile = sysmem_tracking_file(t, threshold, name, node->coll->id);
	if (IS_ERR(tfile))
		return PTR_ERR(tfile);
	fd = sysmem_ctx_add_file(ctx, tfile, NULL);
	if (fd < 0)
		return fd;
	/* The ioctl's file keeps @node until the undo has run. */
	node->nr_tracking++;
	ctx->undo = sysmem_node_tracking_undo;
	ctx->undo_arg = node;
	return fd;
}

/**
 * sysmem_node_ioctl_node_tracking() - SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING
 * @file: the node fd
 * @arg: struct sysmem_new_node
 * @ctx: the ioctl's context
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_node_tracking(struct file *file, void *arg,
					    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_new_node *nn = arg;
	struct sysmem_tracker *gone;
	int ret;

	if (nn->flags)
		return -EINVAL;
	/* Made outside the lock; used only if the node has none yet. */
	gone = sysmem_tracker_new(1, true);
	if (!gone)
		return -ENOMEM;
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		goto put_gone;
	if (!node->gone)
		swap(node->gone, gone);
	ret = sysmem_node_tracking_fd(node, node->gone, 0,
				      "[sysmem-node-tracking]", ctx);
	mutex_unlock(&node->coll->lock);
	if (ret >= 0) {
		nn->fd = ret;
		ret = 0;
	}
put_gone:
	sysmem_tracker_put(gone);
	return ret;
}

/**
 * sysmem_node_ioctl_set_weak() - SYSMEM_IOC_NODE_SET_WEAK
 * @file: the node fd
 * @arg: unused
 * @ctx: the ioctl's context
 *
 * The node becomes weak, and so does every node created from it from now
 * on.  Too late (-EBUSY) once the node is ready for its allocation: a
 * collection that set constraints, a group that declared all children
 * present, any node once its allocation is done.
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_set_weak(struct file *file, void *arg,
				       struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	int ret;

	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	if ((node->type == SYSMEM_NODE_COLLECTION && node->has_constraints) ||
	    (node->type == SYSMEM_NODE_GROUP && node->all_present) ||
	    (coll->state != SYSMEM_STATE_PENDING && !node->attach_pending)) {
		ret = -EBUSY;
	} else if (!node->weak) {
		/* As sysmem2's SetWeak: the node itself is weak-ok too. */
		WRITE_ONCE(node->weak_ok, true);
		/*
		 * Weak-ok before weak for WAIT, which reads both without the
		 * lock (sysmem_node_start_wait()).
		 */
		smp_store_release(&node->weak, true);
		/* It may have been the last strong node. */
		sysmem_collection_update(coll, node);
	}
	mutex_unlock(&coll->lock);
	return ret;
}

/**
 * sysmem_node_ioctl_set_weak_ok() - SYSMEM_IOC_NODE_SET_WEAK_OK
 * @file: the node fd
 * @arg: struct sysmem_weak_ok
 * @ctx: the ioctl's context
 *
 * The participant watches the close-weak fds of its weak buffers; with
 * SYSMEM_WEAK_OK_FOR_CHILDREN, nodes created from this one from now on
 * are weak-ok too.  A collection must say so before it waits or gets
 * its result (-EBUSY after).
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_set_weak_ok(struct file *file, void *arg,
					  struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_weak_ok *wo = arg;
	int ret;

	if ((wo->flags & ~SYSMEM_WEAK_OK_FOR_CHILDREN) || wo->reserved)
		return -EINVAL;
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	if (READ_ONCE(node->waited)) {
		ret = -EBUSY;
	} else {
		WRITE_ONCE(node->weak_ok, true);
		if (wo->flags & SYSMEM_WEAK_OK_FOR_CHILDREN)
			node->weak_ok_children = true;
	}
	mutex_unlock(&node->coll->lock);
	return ret;
}

/**
 * sysmem_node_ioctl_set_deadline() - the stall log deadline
 *	(SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE)
 * @file: the node fd
 * @arg: struct sysmem_debug_timeout
 * @ctx: the ioctl's context
 *
 * The collection logs the participants it still waits for if it is
 * pending at the earliest deadline set (sysmem_stall.c).
 *
 * Return: 0 or -errno.
 */
static long sysmem_node_ioctl_set_deadline(struct file *file, void *arg,
					   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_debug_timeout *dt = arg;
	int ret;

	if (dt->flags || dt->reserved || dt->deadline_ns < 0)
		return -EINVAL;
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	sysmem_stall_set_deadline(node->coll, dt->deadline_ns);
	mutex_unlock(&node->coll->lock);
	return 0;
}

/**
 * sysmem_node_ioctl_set_max_total() - bound the collection's buffer bytes
 *	(SYSMEM_IOC_NODE_SET_MAX_TOTAL_BYTES)
 * @file: the node fd
 * @arg: struct sysmem_max_total
 * @ctx: the ioctl's context
 *
 * The lowest bound set applies to the collection's allocation; setting
 * one can only make the collection fail, which any participant can do
 * anyway.
 *
 * Return: 0, -EINVAL for a bad argument, -EBUSY once the collection has
 * allocated or failed, or -errno.
 */
static long sysmem_node_ioctl_set_max_total(struct file *file, void *arg,
					    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_max_total *mt = arg;
	struct sysmem_collection *coll = node->coll;
	int ret;

	if (mt->flags || mt->reserved || !mt->max_total_bytes)
		return -EINVAL;
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	if (coll->state != SYSMEM_STATE_PENDING)
		ret = -EBUSY;
	else
		coll->max_total_bytes = min(coll->max_total_bytes,
					    mt->max_total_bytes);
	mutex_unlock(&coll->lock);
	return ret;
}

static const struct sysmem_ioctl_desc sysmem_node_entries[] = {
	SYSMEM_IOCTL(NODE_RELEASE, sysmem_node_ioctl_release),
	SYSMEM_IOCTL(NODE_SET_NAME, sysmem_node_ioctl_set_name),
	SYSMEM_IOCTL(NODE_SET_DEBUG_INFO, sysmem_node_ioctl_set_debug_info),
	SYSMEM_IOCTL(NODE_GET_COLLECTION_ID, sysmem_node_ioctl_get_id),
	SYSMEM_IOCTL(NODE_ATTACH_NODE_TRACKING,
		     sysmem_node_ioctl_node_tracking),
	SYSMEM_IOCTL(NODE_GET_REF, sysmem_node_ioctl_get_ref),
	SYSMEM_IOCTL(NODE_IS_ALTERNATE_FOR, sysmem_node_ioctl_is_alternate),
	SYSMEM_IOCTL(NODE_SET_WEAK, sysmem_node_ioctl_set_weak),
	SYSMEM_IOCTL(NODE_SET_WEAK_OK, sysmem_node_ioctl_set_weak_ok),
	SYSMEM_IOCTL(NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE,
		     sysmem_node_ioctl_set_deadline),
	SYSMEM_IOCTL(NODE_SET_MAX_TOTAL_BYTES,
		     sysmem_node_ioctl_set_max_total),
};

const struct sysmem_ioctl_table sysmem_node_ioctls = {
	.entries = sysmem_node_entries,
	.nr = ARRAY_SIZE(sysmem_node_entries),
};

/*
 * Each kind's ioctls, by enum sysmem_node_type: set once at module init
 * by sysmem_node_fd_init(), read-only from then on.
 */
static const struct sysmem_ioctl_table *sysmem_node_kinds[SYSMEM_NODE_GROUP + 1];

/**
 * sysmem_node_fd_init() - set each kind of node fd's ioctls
 * @token: a token's
 * @group: a group's
 * @coll: a collection's
 *
 * Context: module init, before any node fd can exist.
 */
void sysmem_node_fd_init(const struct sysmem_ioctl_table *token,
			 const struct sysmem_ioctl_table *group,
			 const struct sysmem_ioctl_table *coll)
{
	sysmem_node_kinds[SYSMEM_NODE_TOKEN] = token;
	sysmem_node_kinds[SYSMEM_NODE_GROUP] = group;
	sysmem_node_kinds[SYSMEM_NODE_COLLECTION] = coll;
}

static long sysmem_node_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct sysmem_node *node = file->private_data;

	return sysmem_ioctl_dispatch(sysmem_node_kinds[node->type], file,
				     cmd, arg);
}

static __poll_t sysmem_node_poll(struct file *file, poll_table *wait)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;

	u32 reason;

	poll_wait(file, &coll->wq, wait);
	/* Queued before the state is read (see sysmem_collection_wake()). */
	smp_mb();
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
	sysmem_node_close(node);
	mutex_unlock(&coll->lock);
	sysmem_collection_put(coll);
	return 0;
}

static const struct file_operations sysmem_node_fops = {
	.owner = THIS_MODULE,
	.release = sysmem_node_release_file,
	.unlocked_ioctl = sysmem_node_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = sysmem_node_poll,
	.show_fdinfo = sysmem_node_show_fdinfo,
};
