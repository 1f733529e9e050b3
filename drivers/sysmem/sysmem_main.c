// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: shared buffer negotiation and allocation.
 *
 * This file owns the /dev/sysmem misc device and the ioctl dispatcher
 * that every sysmem ioctl goes through.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <uapi/linux/sysmem.h>

typedef long (*sysmem_ioctl_fn)(struct file *file, void *arg);

/*
 * Every ioctl argument structure, so the dispatcher can hold any of them
 * on its stack.  An ioctl whose structure is missing here is refused at
 * module load by sysmem_ioctl_table_check().
 */
union sysmem_ioctl_arg {
	struct sysmem_version version;
};

/**
 * struct sysmem_ioctl_desc - one entry of an ioctl table
 * @cmd: full ioctl command as defined by the uapi header; its size is the
 *	kernel's idea of the argument structure
 * @fn: handler, called with a zero-filled kernel copy of the argument
 */
struct sysmem_ioctl_desc {
	unsigned int cmd;
	sysmem_ioctl_fn fn;
};

static long sysmem_ioctl_get_version(struct file *file, void *arg)
{
	struct sysmem_version *v = arg;

	v->major = SYSMEM_ABI_MAJOR;
	v->minor = SYSMEM_ABI_MINOR;
	return 0;
}

#define SYSMEM_IOCTL(_cmd, _fn) { .cmd = (_cmd), .fn = (_fn) }

static const struct sysmem_ioctl_desc sysmem_dev_ioctls[] = {
	SYSMEM_IOCTL(SYSMEM_IOC_GET_VERSION, sysmem_ioctl_get_version),
};

/* Refuse to load with a table the dispatcher cannot serve. */
static int sysmem_ioctl_table_check(const struct sysmem_ioctl_desc *table,
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

/*
 * sysmem_ioctl_dispatch - run one ioctl from @table with struct versioning.
 *
 * The caller's structure size comes from the command; it may be shorter
 * than the kernel's (missing fields read as zero) or longer (the unknown
 * tail must be zero on input and is zeroed on output).
 */
static long sysmem_ioctl_dispatch(const struct sysmem_ioctl_desc *table,
				  unsigned int nr_entries, struct file *file,
				  unsigned int cmd, unsigned long uarg)
{
	void __user *ubuf = (void __user *)uarg;
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

	ret = desc->fn(file, kbuf);
	if (ret)
		return ret;

	if (dir & _IOC_READ) {
		if (copy_to_user(ubuf, kbuf, min(usize, ksize)))
			return -EFAULT;
		if (usize > ksize && clear_user(ubuf + ksize, usize - ksize))
			return -EFAULT;
	}
	return 0;
}

static long sysmem_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return sysmem_ioctl_dispatch(sysmem_dev_ioctls,
				     ARRAY_SIZE(sysmem_dev_ioctls),
				     file, cmd, arg);
}

static const struct file_operations sysmem_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = sysmem_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice sysmem_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sysmem",
	.fops = &sysmem_dev_fops,
	.mode = 0666,
};

static int __init sysmem_init(void)
{
	int ret;

	ret = sysmem_ioctl_table_check(sysmem_dev_ioctls,
				       ARRAY_SIZE(sysmem_dev_ioctls));
	if (ret)
		return ret;
	ret = misc_register(&sysmem_miscdev);
	if (ret) {
		pr_err("cannot register /dev/sysmem: %d\n", ret);
		return ret;
	}
	pr_info("ABI %u.%u ready\n", SYSMEM_ABI_MAJOR, SYSMEM_ABI_MINOR);
	return 0;
}

static void __exit sysmem_exit(void)
{
	misc_deregister(&sysmem_miscdev);
}

module_init(sysmem_init);
module_exit(sysmem_exit);

MODULE_DESCRIPTION("sysmem: shared buffer negotiation and allocation");
MODULE_LICENSE("GPL");
