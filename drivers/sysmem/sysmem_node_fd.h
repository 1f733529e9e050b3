/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: the fd layer over the core's nodes.
 *
 * sysmem_node_fd.c gives nodes their files and serves the ioctls every
 * node fd takes; sysmem_token_fd.c, sysmem_group_fd.c and
 * sysmem_coll_fd.c each serve one kind of node fd.  These files include
 * sysmem_core.h; the core includes none of them.
 */
#ifndef _SYSMEM_NODE_FD_H
#define _SYSMEM_NODE_FD_H

#include "sysmem_core.h"
#include "sysmem_ioctl.h"

/* sysmem_node_fd.c */
int sysmem_node_install(struct sysmem_node *node, struct sysmem_ioctl_ctx *ctx,
			void (*abort)(struct file *file));
void sysmem_node_abort(struct file *file);
struct file *sysmem_node_file(struct sysmem_node *node);
struct sysmem_node *sysmem_node_from_file(struct file *file);
int sysmem_node_lock_live(struct sysmem_node *node);
int sysmem_node_lock_live_killable(struct sysmem_node *node);
void *sysmem_copy_in(u64 uptr, size_t size);
int sysmem_node_tracking_fd(struct sysmem_node *node, struct sysmem_tracker *t,
			    u32 threshold, const char *name,
			    struct sysmem_ioctl_ctx *ctx);
void sysmem_node_fd_init(const struct sysmem_ioctl_table *token,
			 const struct sysmem_ioctl_table *group,
			 const struct sysmem_ioctl_table *coll);

long sysmem_ioctl_alloc_token(struct file *file, void *arg,
			      struct sysmem_ioctl_ctx *ctx);
long sysmem_ioctl_alloc_nonshared(struct file *file, void *arg,
				  struct sysmem_ioctl_ctx *ctx);
long sysmem_ioctl_bind(struct file *file, void *arg,
		       struct sysmem_ioctl_ctx *ctx);

/* The ioctls every node fd takes: the base of each kind's table. */
extern const struct sysmem_ioctl_table sysmem_node_ioctls;

/* sysmem_token_fd.c */
extern const struct sysmem_ioctl_table sysmem_token_ioctls;
long sysmem_node_ioctl_duplicate(struct file *file, void *arg,
				 struct sysmem_ioctl_ctx *ctx);
long sysmem_node_ioctl_duplicate_many(struct file *file, void *arg,
				      struct sysmem_ioctl_ctx *ctx);

/* sysmem_group_fd.c */
extern const struct sysmem_ioctl_table sysmem_group_ioctls;

/* sysmem_coll_fd.c */
extern const struct sysmem_ioctl_table sysmem_coll_ioctls;

#endif /* _SYSMEM_NODE_FD_H */
