// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: shared buffer negotiation and allocation.
 *
 * This file owns the /dev/sysmem misc device (the allocator), its ioctl
 * table, and module set-up.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "sysmem_internal.h"
#include "sysmem_ioctl.h"
#include "sysmem_stats.h"
#include "sysmem_node_fd.h"
#include "sysmem_observe.h"

static long sysmem_ioctl_get_version(struct file *file, void *arg,
				     struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_version *v = arg;

	v->major = SYSMEM_ABI_MAJOR;
	v->minor = SYSMEM_ABI_MINOR;
	return 0;
}

static long sysmem_ioctl_set_debug_info(struct file *file, void *arg,
					struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_client *client = file->private_data;
	struct sysmem_debug_info *dbg = arg;

	if (!sysmem_debug_info_valid(dbg))
		return -EINVAL;
	spin_lock(&client->lock);
	client->dbg = *dbg;
	spin_unlock(&client->lock);
	return 0;
}

static long sysmem_ioctl_buffer_info(struct file *file, void *arg,
				     struct sysmem_ioctl_ctx *ctx)
{
	struct sysmem_buffer_info *info = arg;
	struct sysmem_buffer *buf;
	struct dma_buf *dmabuf;

	dmabuf = dma_buf_get(info->dmabuf_fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	buf = sysmem_dmabuf_buffer(dmabuf);
	if (buf) {
		info->collection_id = buf->collection_id;
		info->buffer_index = buf->index;
	}
	dma_buf_put(dmabuf);
	return buf ? 0 : -ENOENT;
}

static const struct sysmem_ioctl_desc sysmem_dev_entries[] = {
	SYSMEM_IOCTL(GET_VERSION, sysmem_ioctl_get_version),
	SYSMEM_IOCTL(ALLOC_TOKEN, sysmem_ioctl_alloc_token),
	SYSMEM_IOCTL(ALLOC_NONSHARED, sysmem_ioctl_alloc_nonshared),
	SYSMEM_IOCTL(BIND, sysmem_ioctl_bind),
	SYSMEM_IOCTL(BUFFER_INFO, sysmem_ioctl_buffer_info),
	SYSMEM_IOCTL(SET_DEBUG_INFO, sysmem_ioctl_set_debug_info),
};

static const struct sysmem_ioctl_table sysmem_dev_ioctls = {
	.entries = sysmem_dev_entries,
	.nr = ARRAY_SIZE(sysmem_dev_entries),
};

static long sysmem_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return sysmem_ioctl_dispatch(&sysmem_dev_ioctls, file, cmd, arg);
}

static int sysmem_dev_open(struct inode *inode, struct file *file)
{
	struct sysmem_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (!client)
		return -ENOMEM;
	spin_lock_init(&client->lock);
	/* Until told otherwise, name the client after the opening task. */
	BUILD_BUG_ON(sizeof(client->dbg.name) < TASK_COMM_LEN);
	task_lock(current);
	strscpy_pad(client->dbg.name, current->comm, sizeof(client->dbg.name));
	task_unlock(current);
	client->dbg.id = task_tgid_vnr(current);
	file->private_data = client;
	return nonseekable_open(inode, file);
}

static int sysmem_dev_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations sysmem_dev_fops = {
	.owner = THIS_MODULE,
	.open = sysmem_dev_open,
	.release = sysmem_dev_release,
	.unlocked_ioctl = sysmem_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = sysmem_dev_show_fdinfo,
};

/*
 * Owner and group only: one local user can still drain contiguous memory
 * that others need, so access is granted through a group (udev's
 * 70-sysmem.rules gives the node to "video", as for V4L2 devices).
 */
static struct miscdevice sysmem_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sysmem",
	.fops = &sysmem_dev_fops,
	.mode = 0660,
};

static struct dentry *sysmem_debugfs;

/*
 * The built-in heaps, registered at init and published last (see
 * sysmem_builtin_heaps_publish()).
 */
static int __init sysmem_builtin_heaps_init(struct dentry *debugfs)
{
	int ret;

	ret = sysmem_system_heap_init();
	if (ret)
		return ret;
	ret = sysmem_contig_heap_init();
	if (ret)
		goto exit_system;
	sysmem_heaps_debugfs_init(debugfs);
	sysmem_pool_debugfs_init(debugfs);
	sysmem_payer_debugfs_init(debugfs);
	sysmem_stats_debugfs_init(debugfs);
	sysmem_collections_debugfs_init(debugfs);
	return 0;

exit_system:
	sysmem_system_heap_exit();
	return ret;
}

static bool publish_dma_heaps = true;
module_param(publish_dma_heaps, bool, 0444);
MODULE_PARM_DESC(publish_dma_heaps,
		 "Publish the built-in heaps under /dev/dma_heap/ where the kernel allows it; publishing pins the module (default: yes)");

/*
 * Publish the built-in heaps under /dev/dma_heap/, only where the kernel
 * exports dma_heap_add() and publish_dma_heaps is set.  The dma-heap
 * core can never remove a heap, so this must be the last step of module
 * init, after everything that can fail: a published heap pins the
 * module (see sysmem_dma_heap_publish()).  A heap that cannot be
 * published is logged and otherwise ignored.
 */
static void __init sysmem_builtin_heaps_publish(void)
{
	if (!publish_dma_heaps)
		return;
	sysmem_system_heap_publish();
	sysmem_contig_heap_publish();
}

/*
 * Unregister the built-in heaps, at module exit when no buffer can be
 * alive any more (every dma-buf of sysmem or of its heaps holds a
 * reference on the module), or when init fails.
 */
static void sysmem_builtin_heaps_exit(void)
{
	sysmem_contig_heap_exit();
	sysmem_system_heap_exit();
	sysmem_heaps_exit();
}

static int __init sysmem_init(void)
{
	int ret;

	sysmem_node_fd_init(&sysmem_token_ioctls, &sysmem_group_ioctls,
			    &sysmem_coll_ioctls);
	sysmem_payer_init();
	ret = sysmem_collection_init();
	if (ret)
		return ret;
	ret = sysmem_dma_device_init();
	if (ret)
		goto exit_collections;
	sysmem_debugfs = debugfs_create_dir("sysmem", NULL);
	ret = sysmem_builtin_heaps_init(sysmem_debugfs);
	if (ret)
		goto remove_debugfs;
	ret = misc_register(&sysmem_miscdev);
	if (ret) {
		pr_err("cannot register /dev/sysmem: %d\n", ret);
		goto exit_heaps;
	}
	/* Last: a published heap can never be taken back. */
	sysmem_builtin_heaps_publish();
	pr_info("ABI %u.%u ready\n", SYSMEM_ABI_MAJOR, SYSMEM_ABI_MINOR);
	return 0;

exit_heaps:
	sysmem_builtin_heaps_exit();
remove_debugfs:
	debugfs_remove_recursive(sysmem_debugfs);
	sysmem_dma_device_exit();
exit_collections:
	sysmem_collection_exit();
	return ret;
}

static void __exit sysmem_exit(void)
{
	misc_deregister(&sysmem_miscdev);
	/* A collection's last work item may hold buffers of the heaps. */
	sysmem_collection_exit();
	sysmem_builtin_heaps_exit();
	debugfs_remove_recursive(sysmem_debugfs);
	sysmem_dma_device_exit();
}

module_init(sysmem_init);
module_exit(sysmem_exit);

MODULE_DESCRIPTION("sysmem: shared buffer negotiation and allocation");
MODULE_LICENSE("GPL");
#ifdef SYSMEM_NS_IS_STRING
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif
