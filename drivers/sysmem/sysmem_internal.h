/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: structures shared by the files of the module.
 */
#ifndef _SYSMEM_INTERNAL_H
#define _SYSMEM_INTERNAL_H

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <uapi/linux/sysmem.h>

#include "sysmem_constraints.h"

struct dentry;
struct sysmem_buffer;

/**
 * struct sysmem_heap - a memory source buffers are allocated from
 * @desc: what aggregation needs to know of the heap
 * @alloc: fill @buf->pages with @buf->nr_pages zeroed pages
 * @free: give @buf->pages back
 * @link: entry in the heap registry, under sysmem_heaps_lock
 * @stats_lock: protects the counters below
 * @live_buffers: buffers whose memory is not yet back in the heap
 * @live_bytes: bytes of those buffers
 * @peak_bytes: highest @live_bytes seen
 * @failures: allocations that failed
 */
struct sysmem_heap {
	struct sysmem_heap_desc desc;
	int (*alloc)(struct sysmem_heap *heap, struct sysmem_buffer *buf);
	void (*free)(struct sysmem_heap *heap, struct sysmem_buffer *buf);
	struct list_head link;
	spinlock_t stats_lock;	/* protects the four counters below */
	u64 live_buffers;
	u64 live_bytes;
	u64 peak_bytes;
	u64 failures;
};

/**
 * struct sysmem_buffer - the memory of one buffer of a collection
 * @ref: one reference per exported dma-buf plus one for the collection;
 *	the memory goes back to @heap when it drops to zero
 * @heap: where the memory came from
 * @collection_id: id of the collection the buffer belongs to
 * @index: index of the buffer in its collection
 * @size: page-aligned size in bytes
 * @domain: the coherency domain chosen (SYSMEM_DOMAIN_*)
 * @pages: @nr_pages pages, owned by @heap
 * @nr_pages: number of pages
 * @lock: protects @attachments
 * @attachments: struct sysmem_attachment of every importer
 */
struct sysmem_buffer {
	struct kref ref;
	struct sysmem_heap *heap;
	u64 collection_id;
	u32 index;
	size_t size;
	u32 domain;
	struct page **pages;
	unsigned long nr_pages;
	struct mutex lock;	/* protects @attachments */
	struct list_head attachments;
};

/* sysmem_heap.c */
extern struct mutex sysmem_heaps_lock;
extern struct list_head sysmem_heaps;
int sysmem_heaps_init(struct dentry *debugfs);
void sysmem_heaps_exit(void);

/* sysmem_buffer.c */
struct sysmem_buffer *sysmem_buffer_alloc(struct sysmem_heap *heap,
					  size_t size, u32 domain,
					  u64 collection_id, u32 index);
void sysmem_buffer_put(struct sysmem_buffer *buf);
struct dma_buf *sysmem_buffer_export(struct sysmem_buffer *buf, bool writable,
				     const char *name);
void sysmem_dmabuf_set_name(struct dma_buf *dmabuf, const char *name);
struct sysmem_buffer *sysmem_dmabuf_buffer(struct dma_buf *dmabuf);

/*
 * Deferred fd installation.  Handlers reserve fds and hand over files;
 * the dispatcher installs them only once the whole ioctl has succeeded
 * (including copying its result out), and otherwise gives every fd back
 * and drops every file, calling @abort first where given.
 */
struct sysmem_ioctl_ctx {
	unsigned int nr;
	struct sysmem_pending_fd {
		int fd;
		struct file *file;
		void (*abort)(struct file *file);
	} *pending;
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

#define SYSMEM_IOCTL(_cmd, _fn) { .cmd = (_cmd), .fn = (_fn) }

long sysmem_ioctl_dispatch(const struct sysmem_ioctl_desc *table,
			   unsigned int nr_entries, struct file *file,
			   unsigned int cmd, unsigned long uarg);
int sysmem_ioctl_table_check(const struct sysmem_ioctl_desc *table,
			     unsigned int nr_entries);
bool sysmem_debug_info_valid(const struct sysmem_debug_info *dbg);

/* sysmem_node.c */
long sysmem_ioctl_alloc_token(struct file *file, void *arg,
			      struct sysmem_ioctl_ctx *ctx);
long sysmem_ioctl_alloc_nonshared(struct file *file, void *arg,
				  struct sysmem_ioctl_ctx *ctx);
long sysmem_ioctl_bind(struct file *file, void *arg,
		       struct sysmem_ioctl_ctx *ctx);
int sysmem_nodes_init(void);

/**
 * struct sysmem_client - an open /dev/sysmem
 * @lock: protects @dbg
 * @dbg: debug info given to nodes created through this file
 */
struct sysmem_client {
	spinlock_t lock;	/* protects @dbg */
	struct sysmem_debug_info dbg;
};

#endif /* _SYSMEM_INTERNAL_H */
