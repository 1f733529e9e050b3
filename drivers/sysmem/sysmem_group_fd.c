// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: group fds.
 *
 * A group stands for a choice of one of its children.  It makes them as
 * a token makes duplicates (sysmem_token_fd.c) until it declares them
 * all present.
 */

#include <linux/list.h>

#include "sysmem_node_fd.h"

static long sysmem_group_ioctl_all_present(struct file *file, void *arg,
					   struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_node *group = file->private_data;
	int ret;

	ret = sysmem_node_lock_live_killable(group);
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

static const struct sysmem_ioctl_desc sysmem_group_entries[] = {
	SYSMEM_IOCTL(GROUP_CREATE_CHILD, sysmem_node_ioctl_duplicate),
	SYSMEM_IOCTL(GROUP_CREATE_CHILDREN, sysmem_node_ioctl_duplicate_many),
	SYSMEM_IOCTL(GROUP_ALL_CHILDREN_PRESENT,
		     sysmem_group_ioctl_all_present),
};

const struct sysmem_ioctl_table sysmem_group_ioctls = {
	.entries = sysmem_group_entries,
	.nr = ARRAY_SIZE(sysmem_group_entries),
	.base = &sysmem_node_ioctls,
};
