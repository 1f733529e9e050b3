// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: collection fds.
 *
 * The ioctls only a collection takes: setting its constraints, waiting
 * for and getting the result, lifetime tracking, and attaching a token
 * (the top of an attached subtree).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "sysmem_node_fd.h"

static long sysmem_coll_ioctl_lifetime_tracking(struct file *file, void *arg,
						struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_lifetime_tracking *lt = arg;
	int ret;

	if (lt->flags || lt->reserved)
		return -EINVAL;
	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	ret = sysmem_node_tracking_fd(node, node->coll->lifetime,
				      lt->buffers_remaining, "[sysmem-lifetime]",
				      ctx);
	mutex_unlock(&node->coll->lock);
	if (ret < 0)
		return ret;
	lt->fd = ret;
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
	if (IS_ERR(token))
		return PTR_ERR(token);
	/* On failure the ctx drops the file, and with it the new node. */
	fd = sysmem_node_install(token, ctx, sysmem_node_abort);
	if (fd < 0)
		return fd;
	ret = sysmem_node_lock_live_killable(node);
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
	struct sysmem_buffer_constraints *c = arg;
	u32 nr_heaps = sysmem_constraints_heaps_to_copy(c);
	u32 nr_images = sysmem_constraints_images_to_copy(c);
	struct sysmem_image_constraints *images = NULL;
	struct sysmem_heap_name *heaps = NULL;

	/*
	 * Image entries changed layout in ABI 0.6, whose constraints grew
	 * by the fields up to max_physical_address: a shorter structure
	 * comes from a client built for the old layout.
	 */
	if (nr_images &&
	    ctx->usize < offsetofend(struct sysmem_buffer_constraints,
				     max_physical_address))
		return -EPROTO;
	if (nr_heaps) {
		heaps = sysmem_copy_in(c->heaps, nr_heaps * sizeof(*heaps));
		if (IS_ERR(heaps))
			return PTR_ERR(heaps);
	}
	if (nr_images) {
		images = sysmem_copy_in(c->image_formats,
					nr_images * sizeof(*images));
		if (IS_ERR(images)) {
			kvfree(heaps);
			return PTR_ERR(images);
		}
	}
	/* Takes both copies, whatever the outcome. */
	return sysmem_node_set_constraints(file->private_data, c, heaps,
					   images);
}

/*
 * A node that waits for, or gets, its result: a weak node must first
 * promise to watch its close-weak fds (SYSMEM_IOC_NODE_SET_WEAK_OK),
 * which it cannot do any more after.  With the collection lock held or
 * not (WAIT).
 */
static int sysmem_node_start_wait(struct sysmem_node *node)
{
	/* Paired with SET_WEAK's release: a weak node reads as weak-ok. */
	if (smp_load_acquire(&node->weak) && !READ_ONCE(node->weak_ok))
		return -EPERM;
	WRITE_ONCE(node->waited, true);
	return 0;
}

/*
 * Lock the collection of a live node that gets its result.
 * Return: 0 with the lock held, or -errno without.
 */
static int sysmem_coll_lock_waiter(struct sysmem_node *node)
{
	int ret;

	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	ret = sysmem_node_start_wait(node);
	if (ret)
		mutex_unlock(&node->coll->lock);
	return ret;
}

/*
 * WAIT and CHECK do without the collection lock: it is held across an
 * allocation, which can take long, and a participant polling with a
 * timeout must not wait for another one's allocation to end.  What they
 * read is read without the lock anyway (sysmem_node_status()); the node
 * stays theirs while their file is open, and a call racing with the
 * caller's own RELEASE on another thread may see either side of it.
 */
static long sysmem_coll_ioctl_wait(struct file *file, void *arg,
				   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	struct sysmem_wait *w = arg;
	long ret;

	if (READ_ONCE(node->state) != SYSMEM_NODE_LIVE)
		return -ESTALE;
	ret = sysmem_node_start_wait(node);
	if (ret)
		return ret;

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
	return sysmem_node_outcome(node);
}

static long sysmem_coll_ioctl_check(struct file *file, void *arg,
				    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_check *chk = arg;

	/* Without the lock, as WAIT. */
	if (READ_ONCE(node->state) != SYSMEM_NODE_LIVE)
		return -ESTALE;
	chk->state = sysmem_node_status(node, &chk->reason);
	return 0;
}

/* Copy @settings out in the caller's structure size. */
static int sysmem_copy_settings(const struct sysmem_buffer_settings *settings,
				const struct sysmem_result *r)
{
	void __user *u = u64_to_user_ptr(r->settings);
	size_t ksize = sizeof(*settings);
	size_t usize = r->settings_size;

	if (!usize)
		return 0;
	if (copy_to_user(u, settings, min(usize, ksize)))
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

/* Reserve an fd for buffer @cb's strong dma-buf. */
static int sysmem_strong_fd(struct sysmem_collection *coll,
			    struct sysmem_coll_buffer *cb, bool writable,
			    int *fd, struct sysmem_ioctl_ctx *ctx)
{
	struct dma_buf *dmabuf = sysmem_coll_buffer_dmabuf(coll, cb, writable);
	int ret;

	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = sysmem_ctx_add_file(ctx, dmabuf->file, NULL);
	if (ret < 0)
		return ret;
	*fd = ret;
	return 0;
}

/*
 * Reserve the close-weak fd of buffer @cb for a weak node without
 * usage, which gets no dma-buf: -1 when the buffer has gone.
 */
static int sysmem_close_weak_fd(struct sysmem_coll_buffer *cb, int *close_fd,
				struct sysmem_ioctl_ctx *ctx)
{
	struct file *cfile;
	int ret;

	*close_fd = -1;
	if (!sysmem_buffer_strong(cb->buf))
		return 0;
	cfile = sysmem_buffer_close_weak_file(cb->buf);
	if (IS_ERR(cfile))
		return PTR_ERR(cfile);
	ret = sysmem_ctx_add_file(ctx, cfile, NULL);
	if (ret < 0)
		return ret;
	*close_fd = ret;
	return 0;
}

/*
 * Up to this many buffers, GET_RESULT gathers the fd numbers (and a weak
 * node's close-weak fd numbers) on its stack; more take one array.
 */
#define SYSMEM_RESULT_FDS_ON_STACK	16

/*
 * Reserve an fd for each of the collection's buffers (and a close-weak
 * fd each for a weak node) into @fds and @close_fds: in @few (room for
 * 2 * SYSMEM_RESULT_FDS_ON_STACK, not cleared) or, for more buffers, one
 * array made here, which the caller frees unless it is @few.  Only a
 * weak node gets @close_fds.  Every entry handed back is written: a
 * weak node without usage gets only the close-weak fds (@fds all -1).
 * The ctx gives the fds back if the ioctl fails.  @coll->lock held.
 */
static int sysmem_result_fds(struct sysmem_node *node, struct sysmem_result *r,
			     int *few, int **fds, int **close_fds,
			     struct sysmem_ioctl_ctx *ctx)
{
	bool no_usage = node->c.usage & SYSMEM_USAGE_NONE;
	struct sysmem_collection *coll = node->coll;
	unsigned int i, nr = r->buffer_count;
	bool writable;
	int ret;

	lockdep_assert_held(&coll->lock);
	if (r->fd_capacity < nr)
		return -ENOSPC;
	if (node->weak && !r->close_weak_fds)
		return -EINVAL;
	*fds = few;
	if (nr > SYSMEM_RESULT_FDS_ON_STACK) {
		*fds = kmalloc_array(nr, (node->weak ? 2 : 1) * sizeof(**fds),
				     GFP_KERNEL);
		if (!*fds)
			return -ENOMEM;
	}
	if (node->weak)
		*close_fds = *fds + nr;
	writable = sysmem_node_writable(node);
	for (i = 0; i < nr; i++) {
		(*fds)[i] = -1;
		if (node->weak && no_usage)
			ret = sysmem_close_weak_fd(&coll->buffers[i],
						   &(*close_fds)[i], ctx);
		else if (node->weak)
			ret = sysmem_weak_fds(coll, &coll->buffers[i], writable,
					      &(*fds)[i], &(*close_fds)[i], ctx);
		else
			ret = sysmem_strong_fd(coll, &coll->buffers[i],
					       writable, &(*fds)[i], ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Everything the result holds is gathered under the collection lock;
 * only then is it copied out, so that a participant whose user memory
 * faults slowly stalls nobody else.  Errors come in the order they
 * always did: those of the state, a fault on the settings, then those
 * of the fds.
 */
static long sysmem_coll_ioctl_get_result(struct file *file, void *arg,
					 struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;
	/* Both are written before they are read (INIT_STACK_ALL_ZERO). */
	struct sysmem_buffer_settings settings __uninitialized;
	int few[2 * SYSMEM_RESULT_FDS_ON_STACK] __uninitialized;
	struct sysmem_result *r = arg;
	int *fds = NULL, *close_fds = NULL;
	int ret, fds_ret = 0;
	bool want_fds;
	u32 reason;

	if (r->flags || r->reserved || r->reserved2)
		return -EINVAL;
	ret = sysmem_coll_lock_waiter(node);
	if (ret)
		return ret;
	switch (sysmem_node_status(node, &reason)) {
	case SYSMEM_STATE_ALLOCATED:
		break;
	case SYSMEM_STATE_FAILED:
		mutex_unlock(&coll->lock);
		return -EIO;
	default:
		mutex_unlock(&coll->lock);
		return -EAGAIN;
	}
	settings = coll->settings;
	r->buffer_count = coll->nr_buffers;
	r->collection_id = coll->id;
	r->fd_count = 0;
	r->result_flags = node->weak ? SYSMEM_RESULT_WEAK : 0;
	/* A weak node without usage still gets its close-weak fds. */
	want_fds = !(node->c.usage & SYSMEM_USAGE_NONE) || node->weak;
	if (want_fds)
		fds_ret = sysmem_result_fds(node, r, few, &fds, &close_fds,
					    ctx);
	mutex_unlock(&coll->lock);

	/* No lock from here on: copy out what was gathered. */
	ret = sysmem_copy_settings(&settings, r);
	if (ret || !want_fds)
		goto free_fds;
	ret = fds_ret;
	if (ret)
		goto free_fds;
	if ((!(node->c.usage & SYSMEM_USAGE_NONE) &&
	     copy_to_user(u64_to_user_ptr(r->fds), fds,
			  r->buffer_count * sizeof(*fds))) ||
	    ((r->result_flags & SYSMEM_RESULT_WEAK) &&
	     copy_to_user(u64_to_user_ptr(r->close_weak_fds), close_fds,
			  r->buffer_count * sizeof(*close_fds)))) {
		ret = -EFAULT;
		goto free_fds;
	}
	if (!(node->c.usage & SYSMEM_USAGE_NONE))
		r->fd_count = r->buffer_count;
free_fds:
	if (fds != few)
		kfree(fds);
	return ret;
}

static const struct sysmem_ioctl_desc sysmem_coll_entries[] = {
	SYSMEM_IOCTL(SET_CONSTRAINTS, sysmem_coll_ioctl_set_constraints),
	SYSMEM_IOCTL(WAIT, sysmem_coll_ioctl_wait),
	SYSMEM_IOCTL(CHECK, sysmem_coll_ioctl_check),
	SYSMEM_IOCTL(GET_RESULT, sysmem_coll_ioctl_get_result),
	SYSMEM_IOCTL(ATTACH_LIFETIME_TRACKING,
		     sysmem_coll_ioctl_lifetime_tracking),
	SYSMEM_IOCTL(ATTACH_TOKEN, sysmem_coll_ioctl_attach_token),
};

const struct sysmem_ioctl_table sysmem_coll_ioctls = {
	.entries = sysmem_coll_entries,
	.nr = ARRAY_SIZE(sysmem_coll_entries),
	.base = &sysmem_node_ioctls,
};
