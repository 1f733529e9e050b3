// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: shared buffer negotiation and allocation.
 *
 * This file owns the /dev/sysmem misc device (the allocator), the ioctl
 * dispatcher every sysmem ioctl goes through, and module set-up.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "sysmem_internal.h"

/*
 * Every ioctl argument structure, so the dispatcher can hold any of them
 * on its stack.  An ioctl whose structure is missing here is refused at
 * module load by sysmem_ioctl_table_check().
 */
union sysmem_ioctl_arg {
	struct sysmem_version version;
	struct sysmem_new_node new_node;
	struct sysmem_bind bind;
	struct sysmem_buffer_info buffer_info;
	struct sysmem_debug_info debug_info;
	struct sysmem_set_name set_name;
	struct sysmem_collection_id collection_id;
	struct sysmem_duplicate duplicate;
	struct sysmem_duplicate_many duplicate_many;
	struct sysmem_buffer_constraints constraints;
	struct sysmem_wait wait;
	struct sysmem_check check;
	struct sysmem_result result;
	struct sysmem_weak_ok weak_ok;
};

/*
 * Most fds one ioctl can create: a whole collection's buffers, each with
 * its close-weak fd for a weak node.
 */
#define SYSMEM_MAX_PENDING_FDS \
	max_t(unsigned int, 2 * SYSMEM_MAX_BUFFERS, SYSMEM_MAX_DUPLICATES)

/**
 * sysmem_ctx_add_file() - reserve an fd for a file, installed on success
 * @ctx: the ioctl's context
 * @file: the file; the context owns this reference from now on, whatever
 *	the outcome
 * @abort: called before the file is dropped if the ioctl fails; may be
 *	NULL
 *
 * Return: the reserved fd number (O_CLOEXEC), or -errno.
 */
int sysmem_ctx_add_file(struct sysmem_ioctl_ctx *ctx, struct file *file,
			void (*abort)(struct file *file))
{
	struct sysmem_pending_fd *p;
	int fd;

	if (!ctx->pending) {
		ctx->pending = kcalloc(SYSMEM_MAX_PENDING_FDS,
				       sizeof(*ctx->pending), GFP_KERNEL);
		if (!ctx->pending)
			goto put_file;
	}
	if (ctx->nr >= SYSMEM_MAX_PENDING_FDS)
		goto put_file;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		if (abort)
			abort(file);
		fput(file);
		return fd;
	}
	p = &ctx->pending[ctx->nr++];
	p->fd = fd;
	p->file = file;
	p->abort = abort;
	return fd;

put_file:
	if (abort)
		abort(file);
	fput(file);
	return -ENOMEM;
}

static void sysmem_ctx_finish(struct sysmem_ioctl_ctx *ctx, bool install)
{
	unsigned int i;

	for (i = 0; i < ctx->nr; i++) {
		struct sysmem_pending_fd *p = &ctx->pending[i];

		if (install) {
			fd_install(p->fd, p->file);
			continue;
		}
		put_unused_fd(p->fd);
		if (p->abort)
			p->abort(p->file);
		fput(p->file);
	}
	kfree(ctx->pending);
}

/**
 * sysmem_ioctl_table_check() - refuse a table the dispatcher cannot serve
 * @table: ioctl table
 * @nr_entries: its length
 *
 * Return: 0, or -EINVAL when an argument is larger than the dispatcher's
 * buffer or two entries share a number.
 */
int sysmem_ioctl_table_check(const struct sysmem_ioctl_desc *table,
			     unsigned int nr_entries)
{
	unsigned int i, j;

	for (i = 0; i < nr_entries; i++) {
		if (_IOC_SIZE(table[i].cmd) > sizeof(union sysmem_ioctl_arg))
			goto bad;
		for (j = 0; j < i; j++)
			if (_IOC_NR(table[j].cmd) == _IOC_NR(table[i].cmd))
				goto bad;
	}
	return 0;
bad:
	pr_err("ioctl table entry %#x is invalid\n", table[i].cmd);
	return -EINVAL;
}

/**
 * sysmem_ioctl_dispatch() - run one ioctl from a table, with versioning
 * @table: the ioctls of this kind of file
 * @nr_entries: length of @table
 * @file: the file the ioctl was issued on
 * @cmd: the command
 * @uarg: the user argument pointer
 *
 * The caller's structure size comes from the command; it may be shorter
 * than the kernel's (missing fields read as zero) or longer (the unknown
 * tail must be zero on input and is zeroed on output).  fds the handler
 * reserved are installed only if everything, including the copy back,
 * succeeded.
 *
 * Return: the handler's result, -ENOTTY, -EFAULT or -E2BIG.
 */
long sysmem_ioctl_dispatch(const struct sysmem_ioctl_desc *table,
			   unsigned int nr_entries, struct file *file,
			   unsigned int cmd, unsigned long uarg)
{
	void __user *ubuf = (void __user *)uarg;
	struct sysmem_ioctl_ctx ctx = { 0 };
	const struct sysmem_ioctl_desc *desc;
	unsigned int usize, ksize, dir, i;
	union sysmem_ioctl_arg karg;
	void *kbuf = &karg;
	long ret;

	if (_IOC_TYPE(cmd) != SYSMEM_IOC_MAGIC)
		return -ENOTTY;
	for (i = 0; i < nr_entries; i++)
		if (_IOC_NR(table[i].cmd) == _IOC_NR(cmd))
			break;
	if (i == nr_entries)
		return -ENOTTY;
	desc = &table[i];
	dir = _IOC_DIR(cmd);
	if (dir != _IOC_DIR(desc->cmd))
		return -ENOTTY;

	usize = _IOC_SIZE(cmd);
	ksize = _IOC_SIZE(desc->cmd);
	if (dir & _IOC_WRITE) {
		ret = copy_struct_from_user(kbuf, ksize, ubuf, usize);
		if (ret)
			return ret;
	} else {
		memset(kbuf, 0, ksize);
	}

	ret = desc->fn(file, kbuf, &ctx);
	if (ret)
		goto out;

	if (dir & _IOC_READ) {
		if (copy_to_user(ubuf, kbuf, min(usize, ksize)) ||
		    (usize > ksize && clear_user(ubuf + ksize, usize - ksize)))
			ret = -EFAULT;
	}
out:
	sysmem_ctx_finish(&ctx, !ret);
	return ret;
}

/**
 * sysmem_debug_info_valid() - check a debug info structure from userspace
 * @dbg: the structure
 *
 * Return: true when the name is NUL-terminated within its array.
 */
bool sysmem_debug_info_valid(const struct sysmem_debug_info *dbg)
{
	return strnlen(dbg->name, sizeof(dbg->name)) < sizeof(dbg->name);
}

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

static const struct sysmem_ioctl_desc sysmem_dev_ioctls[] = {
	SYSMEM_IOCTL(SYSMEM_IOC_GET_VERSION, sysmem_ioctl_get_version),
	SYSMEM_IOCTL(SYSMEM_IOC_ALLOC_TOKEN, sysmem_ioctl_alloc_token),
	SYSMEM_IOCTL(SYSMEM_IOC_ALLOC_NONSHARED, sysmem_ioctl_alloc_nonshared),
	SYSMEM_IOCTL(SYSMEM_IOC_BIND, sysmem_ioctl_bind),
	SYSMEM_IOCTL(SYSMEM_IOC_BUFFER_INFO, sysmem_ioctl_buffer_info),
	SYSMEM_IOCTL(SYSMEM_IOC_SET_DEBUG_INFO, sysmem_ioctl_set_debug_info),
};

static long sysmem_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return sysmem_ioctl_dispatch(sysmem_dev_ioctls,
				     ARRAY_SIZE(sysmem_dev_ioctls),
				     file, cmd, arg);
}

static int sysmem_dev_open(struct inode *inode, struct file *file)
{
	struct sysmem_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
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
};

static struct miscdevice sysmem_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sysmem",
	.fops = &sysmem_dev_fops,
	.mode = 0666,
};

static struct dentry *sysmem_debugfs;

/*
 * sysmem's own device, for the DMA API: the contiguous heap allocates on
 * it, and sysmem maps new buffers on it to write the CPU caches back.
 */
static struct platform_device *sysmem_pdev;

/**
 * sysmem_dma_device() - the device sysmem uses the DMA API on
 *
 * Return: the device (64-bit DMA mask), valid while the module is loaded.
 */
struct device *sysmem_dma_device(void)
{
	return &sysmem_pdev->dev;
}

static int __init sysmem_dma_device_init(void)
{
	int ret;

	sysmem_pdev = platform_device_register_simple("sysmem",
						      PLATFORM_DEVID_NONE,
						      NULL, 0);
	if (IS_ERR(sysmem_pdev))
		return PTR_ERR(sysmem_pdev);
	ret = dma_coerce_mask_and_coherent(&sysmem_pdev->dev,
					   DMA_BIT_MASK(64));
	if (ret) {
		platform_device_unregister(sysmem_pdev);
		return ret;
	}
	/*
	 * Cannot fail for a platform device, which always has DMA
	 * parameters (and returns nothing from Linux 6.12 on).
	 */
	dma_set_max_seg_size(&sysmem_pdev->dev, UINT_MAX & PAGE_MASK);
	return 0;
}

static int __init sysmem_init(void)
{
	int ret;

	ret = sysmem_ioctl_table_check(sysmem_dev_ioctls,
				       ARRAY_SIZE(sysmem_dev_ioctls));
	if (ret)
		return ret;
	ret = sysmem_nodes_init();
	if (ret)
		return ret;
	ret = sysmem_dma_device_init();
	if (ret)
		return ret;
	sysmem_debugfs = debugfs_create_dir("sysmem", NULL);
	ret = sysmem_heaps_init(sysmem_debugfs);
	if (ret)
		goto remove_debugfs;
	ret = misc_register(&sysmem_miscdev);
	if (ret) {
		pr_err("cannot register /dev/sysmem: %d\n", ret);
		goto exit_heaps;
	}
	/* Last: a published heap can never be taken back. */
	sysmem_heaps_publish();
	pr_info("ABI %u.%u ready\n", SYSMEM_ABI_MAJOR, SYSMEM_ABI_MINOR);
	return 0;

exit_heaps:
	sysmem_heaps_exit();
remove_debugfs:
	debugfs_remove_recursive(sysmem_debugfs);
	platform_device_unregister(sysmem_pdev);
	return ret;
}

static void __exit sysmem_exit(void)
{
	misc_deregister(&sysmem_miscdev);
	sysmem_heaps_exit();
	debugfs_remove_recursive(sysmem_debugfs);
	platform_device_unregister(sysmem_pdev);
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
