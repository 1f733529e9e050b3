// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: kernel participants (the calls at the end of
 * include/linux/sysmem.h).
 *
 * The second door into the core, next to the node fds: a driver's
 * struct sysmem_knode holds its node as a node fd's file does (the
 * node's has_file and one collection reference), and each call does what
 * the matching ioctl does, from kernel memory, through the same core
 * functions.  A change of the node's state reaches the driver through
 * its callback: a wait queue entry on the collection's wait queue queues
 * a work item, which reads the node's state and calls the driver.  So
 * sysmem only queues work while it holds its locks, and the driver is
 * called without any of them.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "sysmem_node_fd.h"

/**
 * struct sysmem_knode - a kernel participant's handle on one node
 * @node: the node, held as a file holds it (has_file, one collection
 *	reference); changes only when sysmem_knode_bind() puts a
 *	collection node in the token's place
 * @ops: the driver's callbacks, once bound with them
 * @priv: the driver's, passed to @ops
 * @wait: entry on the collection's wait queue while @watching
 * @work: calls @ops->changed, queued by @wait's wake function
 * @reported: the last state @ops->changed reported; written by @work only
 * @watching: @wait is on the wait queue
 *
 * Calls on one handle are serialized by the driver (include/linux/sysmem.h).
 */
struct sysmem_knode {
	struct sysmem_node *node;
	const struct sysmem_knode_ops *ops;
	void *priv;
	struct wait_queue_entry wait;
	struct work_struct work;
	u32 reported;
	bool watching;
};

static const struct sysmem_debug_info sysmem_knode_no_dbg;

static void sysmem_knode_work(struct work_struct *work)
{
	struct sysmem_knode *kn = container_of(work, struct sysmem_knode, work);
	u32 reason, state = sysmem_node_status(kn->node, &reason);

	/* States only move forward: pending, allocated, failed. */
	if (state <= kn->reported)
		return;
	kn->reported = state;
	kn->ops->changed(kn, state, reason, kn->priv);
	/* The callback may have ended the node: @kn may be gone. */
}

/* Called under the wait queue's lock, maybe the collection's too. */
static int sysmem_knode_wake(struct wait_queue_entry *wait, unsigned int mode,
			     int sync, void *key)
{
	struct sysmem_knode *kn = container_of(wait, struct sysmem_knode, wait);

	queue_work(system_unbound_wq, &kn->work);
	return 0;
}

static struct sysmem_knode *sysmem_knode_new(void)
{
	struct sysmem_knode *kn = kzalloc(sizeof(*kn), GFP_KERNEL_ACCOUNT);

	if (kn) {
		INIT_WORK(&kn->work, sysmem_knode_work);
		init_waitqueue_func_entry(&kn->wait, sysmem_knode_wake);
	}
	return kn;
}

/* Stop calling the driver: no callback runs once this returns. */
static void sysmem_knode_unwatch(struct sysmem_knode *kn)
{
	if (!kn->watching)
		return;
	remove_wait_queue(&kn->node->coll->wq, &kn->wait);
	kn->watching = false;
	/* From the callback itself: only drop a queued rerun. */
	if (current_work() == &kn->work)
		cancel_work(&kn->work);
	else
		cancel_work_sync(&kn->work);
}

/* Lock a node's collection if the node is live and of @type. */
static int sysmem_knode_lock(struct sysmem_knode *kn, enum sysmem_node_type type)
{
	struct sysmem_node *node = kn->node;

	if (node->type != type)
		return -EINVAL;
	return sysmem_node_lock_live(node);
}

/**
 * sysmem_knode_from_fd() - take a token from an fd userspace handed over
 * @fd: a token fd of the calling process, for example one passed in the
 *	driver's own ioctl
 * @dbg: who the driver is, for logs and failure reasons (for example
 *	its device name); NULL keeps the token's
 *
 * The kernel node takes the token's place in the tree, with its rights
 * and its failure domain; the fd's token is consumed, as
 * SYSMEM_IOC_BIND consumes it: later ioctls on the fd get ESTALE, and
 * userspace closes it.
 *
 * On any error the fd's token is untouched: still live, still the
 * caller's to use or release.
 *
 * Context: process context, may sleep.
 * Return: the handle, or an ERR_PTR: -EBADF for a bad fd, -EINVAL for a
 * file that is not a sysmem token (collection and group fds included)
 * or a bad @dbg, -ESTALE for a token no longer live, -EPERM for a weak
 * token (kernel participants are strong), -ENOSPC when the collection
 * has SYSMEM_MAX_NODES nodes already, -ENOMEM.
 */
struct sysmem_knode *sysmem_knode_from_fd(int fd,
					  const struct sysmem_debug_info *dbg)
{
	struct sysmem_node *token, *node;
	struct sysmem_collection *coll;
	struct sysmem_knode *kn;
	struct fd f;
	int ret;

	if (dbg && !sysmem_debug_info_valid(dbg))
		return ERR_PTR(-EINVAL);
	f = fdget(fd);
	if (!sysmem_fd_file(f))
		return ERR_PTR(-EBADF);
	token = sysmem_node_from_file(sysmem_fd_file(f));
	ret = -EINVAL;
	if (!token || token->type != SYSMEM_NODE_TOKEN)
		goto put_fd;
	coll = token->coll;
	ret = -ENOMEM;
	kn = sysmem_knode_new();
	if (!kn)
		goto put_fd;
	node = sysmem_node_alloc(coll, SYSMEM_NODE_TOKEN);
	if (IS_ERR(node)) {
		ret = PTR_ERR(node);
		goto free_kn;
	}
	sysmem_node_set_kernel(node);
	mutex_lock(&coll->lock);
	if (token->state != SYSMEM_NODE_LIVE) {
		ret = -ESTALE;
	} else if (token->weak) {
		ret = -EPERM;
	} else {
		sysmem_node_replace(token, node);
		if (dbg)
			node->dbg = *dbg;
		ret = 0;
	}
	mutex_unlock(&coll->lock);
	if (ret)
		goto discard_node;
	fdput(f);
	kn->node = node;
	return kn;

discard_node:
	sysmem_node_discard(node);
free_kn:
	kfree(kn);
put_fd:
	fdput(f);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_from_fd, SYSMEM_NS);

/**
 * sysmem_knode_alloc_token() - a new collection, with a root token
 * @dbg: who the driver is; NULL for no name
 *
 * For a driver that starts the negotiation: it hands duplicates to its
 * userspace with sysmem_knode_get_fd() and binds its own.
 *
 * Context: process context, may sleep.
 * Return: the handle on the root token, or an ERR_PTR: -EINVAL for a
 * bad @dbg, -ENOMEM.
 */
struct sysmem_knode *sysmem_knode_alloc_token(const struct sysmem_debug_info *dbg)
{
	struct sysmem_collection *coll;
	struct sysmem_knode *kn;
	struct sysmem_node *node;

	if (dbg && !sysmem_debug_info_valid(dbg))
		return ERR_PTR(-EINVAL);
	kn = sysmem_knode_new();
	if (!kn)
		return ERR_PTR(-ENOMEM);
	coll = sysmem_collection_new();
	if (!coll)
		goto free_kn;
	mutex_lock(&coll->lock);
	node = sysmem_node_new(coll, SYSMEM_NODE_TOKEN, SYSMEM_RIGHTS_ALL,
			       dbg ?: &sysmem_knode_no_dbg);
	if (node)
		sysmem_node_set_kernel(node);
	mutex_unlock(&coll->lock);
	/* The node holds its own reference now. */
	sysmem_collection_put(coll);
	if (!node)
		goto free_kn;
	kn->node = node;
	return kn;

free_kn:
	kfree(kn);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_alloc_token, SYSMEM_NS);

/* Link @node, from sysmem_node_alloc(), under the live token @token. */
static int sysmem_knode_link(struct sysmem_knode *token,
			     struct sysmem_node *node, u32 rights_mask)
{
	struct sysmem_node *parent = token->node;
	int ret;

	ret = sysmem_knode_lock(token, SYSMEM_NODE_TOKEN);
	if (ret)
		return ret;
	sysmem_node_link(node, parent, parent->rights & rights_mask,
			 &parent->dbg);
	mutex_unlock(&parent->coll->lock);
	return 0;
}

/**
 * sysmem_knode_duplicate() - a new token under a token, for the kernel
 * @token: a live token
 * @rights_mask: SYSMEM_RIGHT_* the duplicate keeps of @token's, not 0
 *
 * Context: process context, may sleep.
 * Return: the handle on the new token, or an ERR_PTR: -EINVAL for a
 * @token that is not a token or a @rights_mask of 0, -ESTALE for a
 * token no longer live, -ENOSPC when the collection has
 * SYSMEM_MAX_NODES nodes already, -ENOMEM.
 */
struct sysmem_knode *sysmem_knode_duplicate(struct sysmem_knode *token,
					    u32 rights_mask)
{
	struct sysmem_knode *kn;
	struct sysmem_node *node;
	int ret = -ENOMEM;

	if (!rights_mask)
		return ERR_PTR(-EINVAL);
	kn = sysmem_knode_new();
	if (!kn)
		return ERR_PTR(-ENOMEM);
	node = sysmem_node_alloc(token->node->coll, SYSMEM_NODE_TOKEN);
	if (IS_ERR(node)) {
		ret = PTR_ERR(node);
		goto free_kn;
	}
	sysmem_node_set_kernel(node);
	ret = sysmem_knode_link(token, node, rights_mask);
	if (ret)
		goto discard_node;
	kn->node = node;
	return kn;

discard_node:
	sysmem_node_discard(node);
free_kn:
	kfree(kn);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_duplicate, SYSMEM_NS);

/**
 * sysmem_knode_get_file() - a new token under a token, as a file
 * @token: a live token (a collection node cannot be duplicated: make
 *	the duplicates before binding)
 * @rights_mask: SYSMEM_RIGHT_* the duplicate keeps of @token's, not 0
 *
 * For a driver that returns the token to its userspace: it reserves an
 * fd with get_unused_fd_flags() first, and fd_install()s the file last,
 * once nothing else in its ioctl can fail (else fput() it: the token
 * then goes away quietly).  The new token inherits @token's debug info,
 * as every duplicate does; its userspace may set its own.
 *
 * Context: process context, may sleep.
 * Return: the file (O_RDWR), or an ERR_PTR: -EINVAL, -ESTALE, -ENOSPC as
 * sysmem_knode_duplicate(), -ENOMEM.
 */
struct file *sysmem_knode_get_file(struct sysmem_knode *token, u32 rights_mask)
{
	struct sysmem_node *node;
	struct file *file;
	int ret;

	if (!rights_mask)
		return ERR_PTR(-EINVAL);
	node = sysmem_node_alloc(token->node->coll, SYSMEM_NODE_TOKEN);
	if (IS_ERR(node))
		return ERR_CAST(node);
	file = sysmem_node_file(node);
	if (IS_ERR(file))
		return file;
	ret = sysmem_knode_link(token, node, rights_mask);
	if (ret) {
		/* Never linked, the node goes quietly with its file. */
		fput(file);
		return ERR_PTR(ret);
	}
	return file;
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_get_file, SYSMEM_NS);

/**
 * sysmem_knode_get_fd() - a new token under a token, as a userspace fd
 * @token: a live token
 * @rights_mask: SYSMEM_RIGHT_* the duplicate keeps of @token's, not 0
 *
 * sysmem_knode_get_file() installed at once in the calling process's
 * table: call this last in the ioctl that returns it, once nothing else
 * can fail (or use sysmem_knode_get_file()).
 *
 * Context: process context, may sleep.
 * Return: the fd (O_RDWR | O_CLOEXEC), or -errno: as
 * sysmem_knode_get_file(), and -EMFILE.
 */
int sysmem_knode_get_fd(struct sysmem_knode *token, u32 rights_mask)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = sysmem_knode_get_file(token, rights_mask);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_get_fd, SYSMEM_NS);

/**
 * sysmem_knode_bind() - turn a token into a collection, in place
 * @token: a live token, which becomes the collection node (the handle
 *	stays the same)
 * @ops: the callbacks, or NULL to use only sysmem_knode_check() and
 *	sysmem_knode_wait()
 * @priv: passed to @ops
 *
 * With @ops, @ops->changed reports each change of the node's state from
 * now on, the first one even if it happened before the call.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL (not a token), -ESTALE (not live), -ENOSPC (the
 * collection has SYSMEM_MAX_NODES nodes already: binding makes a node
 * before the token goes), -ENOMEM.
 */
int sysmem_knode_bind(struct sysmem_knode *token,
		      const struct sysmem_knode_ops *ops, void *priv)
{
	struct sysmem_node *tok = token->node, *node;
	struct sysmem_collection *coll = tok->coll;
	int ret;

	if (tok->type != SYSMEM_NODE_TOKEN)
		return -EINVAL;
	node = sysmem_node_alloc(coll, SYSMEM_NODE_COLLECTION);
	if (IS_ERR(node))
		return PTR_ERR(node);
	sysmem_node_set_kernel(node);
	ret = sysmem_node_lock_live(tok);
	if (ret) {
		sysmem_node_discard(node);
		return ret;
	}
	sysmem_node_replace(tok, node);
	/* The bound token goes, as a bound token's fd does when closed. */
	sysmem_node_close(tok);
	mutex_unlock(&coll->lock);
	sysmem_collection_put(coll);

	token->node = node;
	token->ops = ops;
	token->priv = priv;
	if (ops) {
		add_wait_queue(&coll->wq, &token->wait);
		/* Queued before the work reads the state. */
		smp_mb();
		token->watching = true;
		queue_work(system_unbound_wq, &token->work);
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_bind, SYSMEM_NS);

/**
 * sysmem_knode_set_name() - name the collection
 * @kn: a live node
 * @priority: the name replaces one of lower priority
 * @name: 1 to SYSMEM_NAME_LEN - 1 bytes and a NUL
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (bad name) or -ESTALE (not live).
 */
int sysmem_knode_set_name(struct sysmem_knode *kn, u32 priority,
			  const char *name)
{
	size_t len = strnlen(name, SYSMEM_NAME_LEN);
	int ret;

	if (!len || len == SYSMEM_NAME_LEN)
		return -EINVAL;
	ret = sysmem_node_lock_live(kn->node);
	if (ret)
		return ret;
	sysmem_collection_name(kn->node->coll, priority, name);
	mutex_unlock(&kn->node->coll->lock);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_set_name, SYSMEM_NS);

/**
 * sysmem_knode_set_debug_info() - say who the participant is
 * @kn: a live node
 * @dbg: the name (NUL-terminated within its array) and id, for logs and
 *	failure reasons; nodes made from @kn later take it too
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (bad name) or -ESTALE (not live).
 */
int sysmem_knode_set_debug_info(struct sysmem_knode *kn,
				const struct sysmem_debug_info *dbg)
{
	int ret;

	if (!sysmem_debug_info_valid(dbg))
		return -EINVAL;
	ret = sysmem_node_lock_live(kn->node);
	if (ret)
		return ret;
	kn->node->dbg = *dbg;
	mutex_unlock(&kn->node->coll->lock);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_set_debug_info, SYSMEM_NS);

/**
 * sysmem_knode_set_constraints() - a collection node's constraints
 * @kn: a live collection node
 * @c: the constraints, as SYSMEM_IOC_SET_CONSTRAINTS takes them but for
 *	@c->heaps and @c->image_formats, which are not read
 * @heaps: @c->heap_count permitted heap names when @c->flags has
 *	SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS, else NULL
 * @images: @c->image_format_count image format constraints, or NULL
 *	without any
 *
 * sysmem copies what it keeps.  Setting them may make the collection
 * ready: it is then negotiated and allocated before this returns, and
 * the callback, if any, follows.
 *
 * Context: process context, may sleep; waits for another participant's
 * allocation under way, killably.
 * Return: 0, -EINVAL (not a collection node, or invalid constraints),
 * -EALREADY (set before), -EIO (its failure domain failed), -ESTALE
 * (not live), -ENOMEM, or -EINTR when the calling task was killed while
 * it waited.
 */
int sysmem_knode_set_constraints(struct sysmem_knode *kn,
				 const struct sysmem_buffer_constraints *c,
				 const struct sysmem_heap_name *heaps,
				 const struct sysmem_image_constraints *images)
{
	u32 nr_heaps = sysmem_constraints_heaps_to_copy(c);
	u32 nr_images = sysmem_constraints_images_to_copy(c);
	struct sysmem_image_constraints *icopy = NULL;
	struct sysmem_heap_name *hcopy = NULL;

	if (kn->node->type != SYSMEM_NODE_COLLECTION)
		return -EINVAL;
	if (nr_heaps) {
		if (!heaps)
			return -EINVAL;
		hcopy = kvmalloc_array(nr_heaps, sizeof(*heaps),
				       GFP_KERNEL_ACCOUNT);
		if (!hcopy)
			return -ENOMEM;
		memcpy(hcopy, heaps, nr_heaps * sizeof(*heaps));
	}
	if (nr_images) {
		size_t size = nr_images * sizeof(*images);

		if (!images) {
			kvfree(hcopy);
			return -EINVAL;
		}
		/* As the ioctl's copy: kvmalloc, charged to the caller. */
		icopy = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!icopy) {
			kvfree(hcopy);
			return -ENOMEM;
		}
		memcpy(icopy, images, size);
	}
	/* Takes both copies, whatever the outcome. */
	return sysmem_node_set_constraints(kn->node, c, hcopy, icopy);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_set_constraints, SYSMEM_NS);

/**
 * sysmem_knode_check() - the node's state, as it sees it
 * @kn: the node
 * @reason: set to SYSMEM_FAIL_*, SYSMEM_FAIL_NONE unless failed
 *
 * Context: any; takes no lock, so the answer may be stale at once.
 * Return: SYSMEM_STATE_*: FAILED once the node's failure domain failed,
 * even if the rest of the collection is allocated.
 */
u32 sysmem_knode_check(struct sysmem_knode *kn, u32 *reason)
{
	return sysmem_node_status(kn->node, reason);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_check, SYSMEM_NS);

/**
 * sysmem_knode_wait() - wait until the node's state settles
 * @kn: a collection node
 * @timeout: in jiffies; MAX_SCHEDULE_TIMEOUT waits for ever
 *
 * Context: process context, sleeps; a signal ends the wait.
 * Return: 0 once allocated, -EIO once failed, -ETIMEDOUT, or
 * -ERESTARTSYS.
 */
int sysmem_knode_wait(struct sysmem_knode *kn, unsigned long timeout)
{
	struct sysmem_node *node = kn->node;
	long ret;

	ret = wait_event_interruptible_timeout(node->coll->wq,
					       sysmem_node_settled(node),
					       timeout);
	if (ret < 0)
		return ret;
	return sysmem_node_outcome(node);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_wait, SYSMEM_NS);

/**
 * sysmem_knode_get_result() - the settings and the buffers
 * @kn: a live, allocated collection node
 * @settings: filled with the chosen settings, or NULL
 * @bufs: filled with one dma-buf per buffer, each with a reference of
 *	the caller's (dma_buf_put() it): read-write when the node has the
 *	write right and a write usage, else read-only.  They keep the
 *	memory as fds do.  May be NULL for a node whose usage is NONE,
 *	which gets no buffers.
 * @capacity: entries at @bufs
 * @count: set to the number of buffers, or NULL
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (not a collection node), -ESTALE (not live),
 * -EAGAIN (not allocated yet), -EIO (failed), -ENOSPC (@capacity below
 * the buffer count) or -ENOMEM.
 */
int sysmem_knode_get_result(struct sysmem_knode *kn,
			    struct sysmem_buffer_settings *settings,
			    struct dma_buf **bufs, unsigned int capacity,
			    unsigned int *count)
{
	struct sysmem_node *node = kn->node;
	struct sysmem_collection *coll = node->coll;
	unsigned int i = 0;
	bool writable;
	u32 reason;
	int ret;

	ret = sysmem_knode_lock(kn, SYSMEM_NODE_COLLECTION);
	if (ret)
		return ret;
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
	node->waited = true;
	if (settings)
		*settings = coll->settings;
	if (count)
		*count = coll->nr_buffers;
	if (node->c.usage & SYSMEM_USAGE_NONE)
		goto unlock;
	if (capacity < coll->nr_buffers) {
		ret = -ENOSPC;
		goto unlock;
	}
	writable = sysmem_node_writable(node);
	for (i = 0; i < coll->nr_buffers; i++) {
		bufs[i] = sysmem_coll_buffer_dmabuf(coll, &coll->buffers[i],
						    writable);
		if (IS_ERR(bufs[i])) {
			ret = PTR_ERR(bufs[i]);
			goto put_bufs;
		}
	}
	mutex_unlock(&coll->lock);
	return 0;

put_bufs:
	while (i--)
		dma_buf_put(bufs[i]);
unlock:
	mutex_unlock(&coll->lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_get_result, SYSMEM_NS);

/**
 * sysmem_knode_collection_id() - the collection's id
 * @kn: the node
 *
 * Return: the id, as SYSMEM_IOC_NODE_GET_COLLECTION_ID gives it.
 */
u64 sysmem_knode_collection_id(struct sysmem_knode *kn)
{
	return kn->node->coll->id;
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_collection_id, SYSMEM_NS);

/* End the handle: leave cleanly first if @release, then let go. */
static void sysmem_knode_end(struct sysmem_knode *kn, bool release)
{
	struct sysmem_node *node = kn->node;
	struct sysmem_collection *coll = node->coll;

	sysmem_knode_unwatch(kn);
	mutex_lock(&coll->lock);
	if (release && node->state == SYSMEM_NODE_LIVE)
		sysmem_node_release(node);
	sysmem_node_close(node);
	mutex_unlock(&coll->lock);
	sysmem_collection_put(coll);
	kfree(kn);
}

/**
 * sysmem_knode_release() - leave cleanly, and end the handle
 * @kn: the handle; freed
 *
 * As SYSMEM_IOC_NODE_RELEASE and close() of the fd: constraints already
 * set still count, and dma-bufs already got stay valid.  No callback
 * runs once this returns; called from the callback itself, it only
 * stops later ones.  Must not be called holding a lock the callback
 * takes.
 *
 * Context: process context, may sleep.
 */
void sysmem_knode_release(struct sysmem_knode *kn)
{
	sysmem_knode_end(kn, true);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_release, SYSMEM_NS);

/**
 * sysmem_knode_close() - go away without release, and end the handle
 * @kn: the handle; freed
 *
 * As close() of an fd without SYSMEM_IOC_NODE_RELEASE: a live node fails
 * its failure domain with SYSMEM_FAIL_PARTICIPANT_LOST, the log naming
 * the participant by its debug info.  For a driver whose device goes
 * away mid-negotiation.  Callbacks stop as for sysmem_knode_release().
 *
 * Context: process context, may sleep.
 */
void sysmem_knode_close(struct sysmem_knode *kn)
{
	sysmem_knode_end(kn, false);
}
EXPORT_SYMBOL_NS_GPL(sysmem_knode_close, SYSMEM_NS);
