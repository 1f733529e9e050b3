/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: the ioctl dispatcher and its pending-fd context, shared by
 * every kind of sysmem file (sysmem_ioctl.c).
 */
#ifndef _SYSMEM_IOCTL_H
#define _SYSMEM_IOCTL_H

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/kernel.h>

#include <uapi/linux/sysmem.h>

/*
 * Every ioctl argument structure, so the dispatcher can hold any of them
 * on its stack.  An ioctl whose structure is larger than all of these
 * does not build (SYSMEM_IOCTL()).
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
	struct sysmem_debug_timeout debug_timeout;
	struct sysmem_max_total max_total;
};

/*
 * Deferred fd installation.  Handlers reserve fds and hand over files;
 * the dispatcher installs them only once the whole ioctl has succeeded
 * (including copying its result out), and otherwise gives every fd back
 * and drops every file, calling @abort first where given.  A handler
 * that counted something for its fds sets @undo (with @undo_arg, which
 * must stay valid until the ioctl returns): the dispatcher calls it, with
 * no lock held, if the fds are not handed out after all.  @usize is the
 * size of the caller's argument structure, for handlers whose reading
 * depends on the ABI version the caller was built for.  The reserved
 * fds are kept in @inline_fds up to SYSMEM_INLINE_PENDING_FDS of them
 * (most ioctls make one), then in an array grown as needed; only the
 * first @nr entries of @pending are ever read, so none is cleared.
 */
#define SYSMEM_INLINE_PENDING_FDS	4

struct sysmem_pending_fd {
	int fd;
	struct file *file;
	void (*abort)(struct file *file);
};

struct sysmem_ioctl_ctx {
	unsigned int usize;
	unsigned int nr;
	unsigned int capacity;
	struct sysmem_pending_fd *pending;
	struct sysmem_pending_fd inline_fds[SYSMEM_INLINE_PENDING_FDS];
	void (*undo)(void *arg);
	void *undo_arg;
};

int sysmem_ctx_add_file(struct sysmem_ioctl_ctx *ctx, struct file *file,
			void (*abort)(struct file *file));

typedef long (*sysmem_ioctl_fn)(struct file *file, void *arg,
				struct sysmem_ioctl_ctx *ctx);

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

/**
 * struct sysmem_ioctl_table - the ioctls of one kind of file
 * @entries: the entries, indexed by ioctl number (SYSMEM_IOCTL()); an
 *	entry without a handler is a number the file does not take
 * @nr: entries of @entries
 * @base: a table whose ioctls this file takes too, looked at after
 *	this one (the ioctls every node fd takes), or NULL
 */
struct sysmem_ioctl_table {
	const struct sysmem_ioctl_desc *entries;
	unsigned int nr;
	const struct sysmem_ioctl_table *base;
};

/*
 * One entry of a table: SYSMEM_IOC_##_name at the index of its number
 * (the DRM_IOCTL_DEF_DRV() idiom).  Both table checks are made at build
 * time: an argument structure larger than the dispatcher's buffer
 * breaks the build here, and a number given twice in one table is an
 * overriding initializer, an error (Kbuild).
 */
#define SYSMEM_IOCTL(_name, _fn)					\
	[_IOC_NR(SYSMEM_IOC_##_name)] = {				\
		.cmd = SYSMEM_IOC_##_name +				\
		       BUILD_BUG_ON_ZERO(_IOC_SIZE(SYSMEM_IOC_##_name) > \
					 sizeof(union sysmem_ioctl_arg)), \
		.fn = (_fn),						\
	}

long sysmem_ioctl_dispatch(const struct sysmem_ioctl_table *table,
			   struct file *file, unsigned int cmd,
			   unsigned long uarg);
bool sysmem_debug_info_valid(const struct sysmem_debug_info *dbg);

#endif /* _SYSMEM_IOCTL_H */
