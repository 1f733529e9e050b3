// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: token fds.
 *
 * The ioctls only a token takes: duplicating it (also how a group makes
 * its children, sysmem_group_fd.c), creating a group under it, and
 * making it dispensable.
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "sysmem_node_fd.h"

/*
 * Duplicates whose node pointers sysmem_token_dup() keeps on its stack
 * (not cleared on entry: only entries written are read), and whose
 * masks and fd numbers DUPLICATE_MANY keeps on its own; more take
 * arrays.  TOKEN_DUPLICATE, the common call, then allocates nothing but
 * its node.
 */
#define SYSMEM_DUP_ON_STACK	8

/*
 * Create @count duplicates of @token with @masks; reserve their fds into
 * @fds.  All or nothing: the new nodes get their files first and join
 * the tree only when nothing can fail any more, so a failure never
 * touches the tree, and the ctx's dropping the files made so far gives
 * their nodes back to the collection's node bound (-ENOSPC past it).
 * Only the first i entries of the node array are ever read.
 */
static int sysmem_token_dup(struct sysmem_node *token, const u32 *masks,
			    int *fds, unsigned int count,
			    struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_collection *coll = token->coll;
	struct sysmem_node *few[SYSMEM_DUP_ON_STACK] __uninitialized;
	struct sysmem_node **nodes = few;
	unsigned int i;
	int ret = 0;

	if (count > ARRAY_SIZE(few)) {
		nodes = kmalloc_array(count, sizeof(*nodes),
				      GFP_KERNEL_ACCOUNT);
		if (!nodes)
			return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		nodes[i] = sysmem_node_alloc(coll, SYSMEM_NODE_TOKEN);
		if (IS_ERR(nodes[i])) {
			ret = PTR_ERR(nodes[i]);
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
	ret = sysmem_node_lock_live_killable(token);
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
	if (nodes != few)
		kfree(nodes);
	return ret;
}

/**
 * sysmem_node_ioctl_duplicate() - SYSMEM_IOC_TOKEN_DUPLICATE and
 *	SYSMEM_IOC_GROUP_CREATE_CHILD
 * @file: a token or group fd
 * @arg: struct sysmem_duplicate
 * @ctx: the ioctl's context
 *
 * A new token, child of the node, with the node's rights masked.
 *
 * Return: 0 or -errno.
 */
long sysmem_node_ioctl_duplicate(struct file *file, void *arg,
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

/**
 * sysmem_node_ioctl_duplicate_many() - SYSMEM_IOC_TOKEN_DUPLICATE_MANY
 *	and SYSMEM_IOC_GROUP_CREATE_CHILDREN
 * @file: a token or group fd
 * @arg: struct sysmem_duplicate_many
 * @ctx: the ioctl's context
 *
 * New tokens, children of the node, all or none.
 *
 * Return: 0 or -errno.
 */
long sysmem_node_ioctl_duplicate_many(struct file *file, void *arg,
				      struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_duplicate_many *d = arg;
	u32 few_masks[SYSMEM_DUP_ON_STACK] __uninitialized;
	int few_fds[SYSMEM_DUP_ON_STACK] __uninitialized;
	u32 *masks = few_masks;
	int *fds = few_fds;
	unsigned int i;
	int ret;

	if (d->flags || !d->count || d->count > SYSMEM_MAX_DUPLICATES)
		return -EINVAL;
	/* Up to SYSMEM_DUP_ON_STACK, both arrays stay on the stack. */
	if (d->count <= SYSMEM_DUP_ON_STACK) {
		if (copy_from_user(masks, u64_to_user_ptr(d->rights_masks),
				   d->count * sizeof(*masks)))
			return -EFAULT;
	} else {
		masks = sysmem_copy_in(d->rights_masks,
				       d->count * sizeof(*masks));
		if (IS_ERR(masks))
			return PTR_ERR(masks);
		fds = kcalloc(d->count, sizeof(*fds), GFP_KERNEL_ACCOUNT);
		if (!fds) {
			ret = -ENOMEM;
			goto free_masks;
		}
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
	if (fds != few_fds)
		kfree(fds);
free_masks:
	if (masks != few_masks)
		kvfree(masks);
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
	if (IS_ERR(group))
		return PTR_ERR(group);
	/* On failure the ctx drops the file, and with it the new node. */
	fd = sysmem_node_install(group, ctx, sysmem_node_abort);
	if (fd < 0)
		return fd;
	ret = sysmem_node_lock_live_killable(token);
	if (ret)
		return ret;
	sysmem_node_link(group, token, token->rights, &token->dbg);
	nn->fd = fd;
	mutex_unlock(&token->coll->lock);
	return 0;
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

	ret = sysmem_node_lock_live_killable(node);
	if (ret)
		return ret;
	node->dispensable = true;
	mutex_unlock(&node->coll->lock);
	return 0;
}

static const struct sysmem_ioctl_desc sysmem_token_entries[] = {
	SYSMEM_IOCTL(TOKEN_DUPLICATE, sysmem_node_ioctl_duplicate),
	SYSMEM_IOCTL(TOKEN_DUPLICATE_MANY, sysmem_node_ioctl_duplicate_many),
	SYSMEM_IOCTL(TOKEN_SET_DISPENSABLE, sysmem_token_ioctl_set_dispensable),
	SYSMEM_IOCTL(TOKEN_CREATE_GROUP, sysmem_token_ioctl_create_group),
};

const struct sysmem_ioctl_table sysmem_token_ioctls = {
	.entries = sysmem_token_entries,
	.nr = ARRAY_SIZE(sysmem_token_entries),
	.base = &sysmem_node_ioctls,
};
