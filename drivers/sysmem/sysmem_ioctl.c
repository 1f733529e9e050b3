// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: the ioctl dispatcher every sysmem ioctl goes through, and the
 * pending-fd context that installs an ioctl's new fds only once the
 * whole ioctl has succeeded.  It knows the argument structures but no
 * node, collection or buffer.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "sysmem_ioctl.h"

/*
 * Most fds one ioctl can create: a whole collection's buffers, each with
 * its close-weak fd for a weak node.
 */
#define SYSMEM_MAX_PENDING_FDS \
	max_t(unsigned int, 2 * SYSMEM_MAX_BUFFERS, SYSMEM_MAX_DUPLICATES)

/* Room for twice as many pending fds, up to SYSMEM_MAX_PENDING_FDS. */
static int sysmem_ctx_grow(struct sysmem_ioctl_ctx *ctx)
{
	unsigned int capacity = min_t(unsigned int, 2 * ctx->capacity,
				      SYSMEM_MAX_PENDING_FDS);
	struct sysmem_pending_fd *p;

	if (capacity <= ctx->capacity)
		return -ENOMEM;
	p = kmalloc_array(capacity, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	memcpy(p, ctx->pending, ctx->nr * sizeof(*p));
	if (ctx->pending != ctx->inline_fds)
		kfree(ctx->pending);
	ctx->pending = p;
	ctx->capacity = capacity;
	return 0;
}

/* Free what sysmem_ctx_grow() allocated. */
static void sysmem_ctx_free(struct sysmem_ioctl_ctx *ctx)
{
	if (ctx->pending != ctx->inline_fds)
		kfree(ctx->pending);
}

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

	if (ctx->nr == ctx->capacity && sysmem_ctx_grow(ctx))
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

/* The ioctl succeeded: hand every reserved fd out. */
static void sysmem_ctx_install(struct sysmem_ioctl_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr; i++)
		fd_install(ctx->pending[i].fd, ctx->pending[i].file);
	sysmem_ctx_free(ctx);
}

/*
 * The ioctl failed: take back what the handler counted, give every
 * reserved fd back and drop every file, running its abort first (for a
 * new node, sysmem_node_abort()).
 */
static void sysmem_ctx_abort(struct sysmem_ioctl_ctx *ctx)
{
	unsigned int i;

	if (ctx->undo)
		ctx->undo(ctx->undo_arg);

	for (i = 0; i < ctx->nr; i++) {
		struct sysmem_pending_fd *p = &ctx->pending[i];

		put_unused_fd(p->fd);
		if (p->abort)
			p->abort(p->file);
		fput(p->file);
	}
	sysmem_ctx_free(ctx);
}

/* The entry of ioctl number @nr in @table or its bases, or NULL. */
static const struct sysmem_ioctl_desc *
sysmem_ioctl_find(const struct sysmem_ioctl_table *table, unsigned int nr)
{
	for (; table; table = table->base)
		if (nr < table->nr && table->entries[nr].fn)
			return &table->entries[nr];
	return NULL;
}

/**
 * sysmem_ioctl_dispatch() - run one ioctl from a table, with versioning
 * @table: the ioctls of this kind of file
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
long sysmem_ioctl_dispatch(const struct sysmem_ioctl_table *table,
			   struct file *file, unsigned int cmd,
			   unsigned long uarg)
{
	void __user *ubuf = (void __user *)uarg;
	/*
	 * Neither is cleared on entry, although the kernel may clear
	 * every stack variable (CONFIG_INIT_STACK_ALL_ZERO): 232 bytes on
	 * every sysmem ioctl.  Only the first @ksize bytes of @karg are
	 * read or copied out, and they are copied in or cleared below;
	 * the ctx is set up field by field, and only its first @nr
	 * pending entries are read.
	 */
	struct sysmem_ioctl_ctx ctx __uninitialized;
	union sysmem_ioctl_arg karg __uninitialized;
	const struct sysmem_ioctl_desc *desc;
	unsigned int usize, ksize, dir;
	void *kbuf = &karg;
	long ret;

	if (_IOC_TYPE(cmd) != SYSMEM_IOC_MAGIC)
		return -ENOTTY;
	desc = sysmem_ioctl_find(table, _IOC_NR(cmd));
	if (!desc)
		return -ENOTTY;
	dir = _IOC_DIR(cmd);
	if (dir != _IOC_DIR(desc->cmd))
		return -ENOTTY;

	usize = _IOC_SIZE(cmd);
	ksize = _IOC_SIZE(desc->cmd);
	ctx.usize = usize;
	ctx.nr = 0;
	ctx.capacity = SYSMEM_INLINE_PENDING_FDS;
	ctx.pending = ctx.inline_fds;
	ctx.undo = NULL;
	ctx.undo_arg = NULL;
	if (dir & _IOC_WRITE) {
		ret = copy_struct_from_user(kbuf, ksize, ubuf, usize);
		if (ret)
			return ret;
	} else {
		memset(kbuf, 0, ksize);
	}

	ret = desc->fn(file, kbuf, &ctx);
	if (ret)
		goto abort_ctx;
	if ((dir & _IOC_READ) &&
	    (copy_to_user(ubuf, kbuf, min(usize, ksize)) ||
	     (usize > ksize && clear_user(ubuf + ksize, usize - ksize)))) {
		ret = -EFAULT;
		goto abort_ctx;
	}
	sysmem_ctx_install(&ctx);
	return 0;

abort_ctx:
	sysmem_ctx_abort(&ctx);
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
