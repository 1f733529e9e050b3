/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: structures shared by the files of the module.
 */
#ifndef _SYSMEM_INTERNAL_H
#define _SYSMEM_INTERNAL_H

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <linux/sysmem.h>
#include <uapi/linux/sysmem.h>

#include "sysmem_constraints.h"

struct dentry;
struct device;
struct mem_cgroup;
struct sysmem_buffer;
struct sysmem_payer;
struct sysmem_strong_watch;
struct sysmem_tracker;

/*
 * Kernel version differences, probed by Kbuild from the kernel the
 * module is built against:
 * - SYSMEM_NS_IS_STRING: EXPORT_SYMBOL_NS_GPL() takes the namespace as a
 *   string (6.13 and later);
 * - SYSMEM_HAVE_DMA_BUF_UNLOCKED: dma_buf_vmap_unlocked() and
 *   dma_buf_map_attachment_unlocked() exist, and the plain forms expect
 *   the dma-buf's reservation lock held (6.2 and later);
 * - SYSMEM_HAVE_DMA_HEAP_ADD: the kernel exports dma_heap_add(), so the
 *   built-in heaps can be published under /dev/dma_heap/ (7.2 does;
 *   6.1 and 6.12 do not);
 * - SYSMEM_HAVE_FD_FILE: struct fd is opaque and read with fd_file()
 *   (6.12 and later);
 * - SYSMEM_HAVE_SHRINKER_ALLOC: shrinkers are allocated by the kernel
 *   (shrinker_alloc(), 6.7 and later) instead of registered from a
 *   struct of the caller's;
 * - SYSMEM_HAVE_MM_ACCOUNT_RECLAIMED: a shrinker reports the pages it
 *   freed with mm_account_reclaimed_pages() (6.4 and later), not by
 *   adding to current->reclaim_state->reclaimed_slab.
 */
#ifdef SYSMEM_NS_IS_STRING
#define SYSMEM_NS	"SYSMEM"
#else
#define SYSMEM_NS	SYSMEM
#endif

#ifdef SYSMEM_HAVE_FD_FILE
#define sysmem_fd_file(f)	fd_file(f)
#else
#define sysmem_fd_file(f)	((f).file)
#endif

#ifdef SYSMEM_HAVE_DMA_BUF_UNLOCKED
#define sysmem_dma_buf_vmap		dma_buf_vmap_unlocked
#define sysmem_dma_buf_vunmap		dma_buf_vunmap_unlocked
#define sysmem_dma_buf_map		dma_buf_map_attachment_unlocked
#define sysmem_dma_buf_unmap		dma_buf_unmap_attachment_unlocked
#else
#define sysmem_dma_buf_vmap		dma_buf_vmap
#define sysmem_dma_buf_vunmap		dma_buf_vunmap
#define sysmem_dma_buf_map		dma_buf_map_attachment
#define sysmem_dma_buf_unmap		dma_buf_unmap_attachment
#endif

/*
 * Names from userspace (a collection's or a participant's, at most
 * SYSMEM_NAME_LEN bytes with the NUL) go into log lines only escaped, so
 * that no byte of one can end the line or forge another: "%*pE" with
 * sysmem_name_len(name), name.
 */
static inline int sysmem_name_len(const char *name)
{
	return strnlen(name, SYSMEM_NAME_LEN);
}

/**
 * struct sysmem_charge - pinned memory counted for one heap buffer
 * @payer: the payer counted against (a reference), or NULL for nothing
 * @pinned: pages against the payer's locked-memory limit
 * @contig: pages against its user's share of the contiguous area
 */
struct sysmem_charge {
	struct sysmem_payer *payer;
	unsigned long pinned;
	unsigned long contig;
};

/**
 * struct sysmem_heap_buffer_priv - a heap buffer with sysmem's own part
 * @buf: what the heap sees
 * @tracker: the collection's lifetime tracker, counting this buffer
 *	until the heap releases it (a reference), or NULL
 * @charge: the pinned memory counted for the buffer, given back with it
 * @footprint: the bytes counted for the buffer in the heap's accounting
 *	and in @charge (sysmem_buffer_footprint())
 *
 * A built-in heap's (one with &struct sysmem_mem_ops) is part of its
 * struct sysmem_buffer, whose memory always goes before the buffer; any
 * other heap's is allocated on its own.
 */
struct sysmem_heap_buffer_priv {
	struct sysmem_heap_buffer buf;
	struct sysmem_tracker *tracker;
	struct sysmem_charge charge;
	u64 footprint;
};

/**
 * struct sysmem_mem_ops - a built-in heap's buffers, without dma-bufs
 * @allocate: allocate the memory of @buf (struct sysmem_heap_ops'
 *	rules, but return the heap's own object for it, not a dma-buf)
 * @release: free the memory, then call sysmem_heap_buffer_released()
 * @attach: an importer attached one of sysmem's dma-bufs of the buffer;
 *	the heap may set @attachment->priv
 * @detach: undo @attach
 * @map: the importer's table, mapped for its device
 * @unmap: undo @map
 * @sync: hand the memory to the CPU (@for_cpu) or back to the devices
 * @mmap: map the memory into @vma, whose file is sysmem's dma-buf
 * @vmap: map the memory into the kernel
 * @vunmap: undo @vmap
 *
 * Every sysmem dma-buf of the buffer calls these with the heap's object
 * directly, so a built-in heap makes no dma-buf of its own: one file
 * fewer per buffer.  Heaps outside sysmem register through the public
 * API (struct sysmem_heap_ops) and return a dma-buf.  sysmem's dma-bufs
 * pin the module, so the operations never outlive it.
 */
struct sysmem_mem_ops {
	void *(*allocate)(struct sysmem_heap *heap,
			  struct sysmem_heap_buffer *buf);
	void (*release)(void *mem);
	int (*attach)(void *mem, struct dma_buf_attachment *attachment);
	void (*detach)(void *mem, struct dma_buf_attachment *attachment);
	struct sg_table *(*map)(void *mem,
				struct dma_buf_attachment *attachment,
				enum dma_data_direction dir);
	void (*unmap)(void *mem, struct dma_buf_attachment *attachment,
		      struct sg_table *sgt, enum dma_data_direction dir);
	int (*sync)(void *mem, bool for_cpu);
	int (*mmap)(void *mem, struct vm_area_struct *vma);
	int (*vmap)(void *mem, struct iosys_map *map);
	void (*vunmap)(void *mem, struct iosys_map *map);
};

/**
 * struct sysmem_mem - one buffer's memory, as its heap gave it
 * @dmabuf: the heap's dma-buf (one reference), for a heap registered
 *	through the public API; else NULL
 * @ops: a built-in heap's memory operations; else NULL
 * @priv: the built-in heap's object for the memory, for @ops
 *
 * Exactly one of @dmabuf and @ops is set while the memory is held.
 */
struct sysmem_mem {
	struct dma_buf *dmabuf;
	const struct sysmem_mem_ops *ops;
	void *priv;
};

/**
 * struct sysmem_buffer - one buffer of a collection
 * @ref: one reference per sysmem dma-buf exported for it plus one for
 *	the collection; keeps the structure, not the memory
 * @lock: protects @users, @strong, @mem and the setting of @close_weak
 * @users: holds on the memory: the collection's hold plus one per sysmem
 *	dma-buf, strong or weak (a mapping cannot be taken back); the
 *	memory goes back to its heap when it falls to 0
 * @strong: holds that keep the buffer alive: the collection's hold
 *	(while the collection has a strong node) plus one per strong
 *	sysmem dma-buf; once 0 the buffer is gone for weak nodes and stays
 *	gone
 * @close_weak: counts 1 while @strong is not 0; close-weak fds poll on it;
 *	made with the first of them, NULL before (set under @lock)
 * @watch: counts the buffer among its collection's strong buffers while
 *	@strong is not 0 (a reference, dropped when @strong falls to 0);
 *	NULL for a buffer of no collection
 * @mem: the memory, which every sysmem dma-buf forwards to; empty once
 *	@users fell to 0
 * @resv: the reservation object of the buffer's sysmem dma-bufs when
 *	@mem is a built-in heap's (a heap's dma-buf brings its own)
 * @hpriv: the heap's view of the buffer, for a built-in heap: one
 *	allocation fewer per buffer (sysmem_heap_allocate())
 * @collection_id: id of the collection the buffer belongs to
 * @index: index of the buffer in its collection
 * @size: page-aligned size in bytes
 * @domain: the coherency domain chosen (SYSMEM_DOMAIN_*)
 */
struct sysmem_buffer {
	struct kref ref;
	spinlock_t lock;	/* @users, @strong, @mem, @close_weak */
	unsigned int users;
	unsigned int strong;
	struct sysmem_tracker *close_weak;
	struct sysmem_strong_watch *watch;
	struct sysmem_mem mem;
	struct dma_resv resv;
	struct sysmem_heap_buffer_priv hpriv;
	u64 collection_id;
	u32 index;
	size_t size;
	u32 domain;
};

/* sysmem_dma_device.c */
struct device *sysmem_dma_device(void);
struct device *sysmem_dma32_device(void);
u64 sysmem_ram_limit(void);
bool sysmem_dma_coherent(void);
void sysmem_dma_debugfs_init(struct dentry *debugfs);
int sysmem_dma_device_init(void);
void sysmem_dma_device_exit(void);

/* Longest DMA segment @dev takes, in whole pages (at least one). */
static inline unsigned int sysmem_max_segment(struct device *dev)
{
	return max_t(unsigned int, dma_get_max_seg_size(dev) & PAGE_MASK,
		     PAGE_SIZE);
}

/* sysmem_payer.c */
void sysmem_payer_init(void);
void sysmem_payer_debugfs_init(struct dentry *debugfs);
struct sysmem_payer *sysmem_payer_current(void);
struct sysmem_payer *sysmem_payer_get(struct sysmem_payer *p);
void sysmem_payer_put(struct sysmem_payer *p);
struct mem_cgroup *sysmem_payer_enter(struct sysmem_payer *p);
void sysmem_payer_leave(struct mem_cgroup *old);
int sysmem_payer_charge(struct sysmem_payer *p, u64 bytes, bool contiguous,
			struct sysmem_charge *charge);
void sysmem_payer_uncharge(struct sysmem_charge *charge);

/* sysmem_heap.c */
void sysmem_heaps_debugfs_init(struct dentry *debugfs);
/**
 * struct sysmem_heap_set - the registered heaps, for negotiations
 * @ref: one for sysmem_heap.c while the set is current, one per user
 * @nr: number of heaps
 * @heaps: the heaps, each with a reference, in registration order
 * @descs: what aggregation needs of each heap, in the same order
 *
 * Never changes once built: a heap registered or unregistered makes a new
 * set for later negotiations.
 */
struct sysmem_heap_set {
	struct kref ref;
	unsigned int nr;
	struct sysmem_heap **heaps;
	struct sysmem_heap_desc descs[];
};

struct sysmem_heap_set *sysmem_heaps_get(void);
void sysmem_heaps_put(struct sysmem_heap_set *set);
void sysmem_heaps_exit(void);
void sysmem_heap_put(struct sysmem_heap *heap);
int sysmem_heap_allocate(struct sysmem_heap *heap, size_t size,
			 const struct sysmem_buffer_settings *settings,
			 u64 collection_id, u32 index,
			 struct sysmem_tracker *tracker,
			 struct sysmem_payer *payer,
			 struct sysmem_heap_buffer_priv *embed,
			 struct sysmem_mem *mem);
void sysmem_mem_release(struct sysmem_mem *mem);
struct sysmem_heap *
sysmem_heap_register_builtin(const struct sysmem_heap_info *info,
			     const struct sysmem_mem_ops *mem_ops);

/* sysmem_dma_heap.c, built where the kernel exports dma_heap_add() */
#ifdef SYSMEM_HAVE_DMA_HEAP_ADD
void sysmem_dma_heap_publish(struct sysmem_heap *heap, const char *name);
#else
static inline void sysmem_dma_heap_publish(struct sysmem_heap *heap,
					   const char *name)
{
}
#endif

/**
 * struct sysmem_attachments - the importers of one built-in heap buffer
 * @lock: protects @list and the mapping state of each entry
 * @list: struct sysmem_attachment of every importer (sysmem_attach.c)
 */
struct sysmem_attachments {
	struct mutex lock;	/* protects @list and its entries' state */
	struct list_head list;
};

/* sysmem_attach.c */
void sysmem_attachments_init(struct sysmem_attachments *set);
void sysmem_attachments_destroy(struct sysmem_attachments *set);
int sysmem_attachments_add(struct sysmem_attachments *set,
			   struct dma_buf_attachment *attachment,
			   int (*fill)(struct sg_table *sgt,
				       unsigned int max_seg, void *arg),
			   void *arg);
void sysmem_attachments_remove(struct sysmem_attachments *set,
			       struct dma_buf_attachment *attachment);
struct sg_table *sysmem_attachments_map(struct sysmem_attachments *set,
					struct dma_buf_attachment *attachment,
					enum dma_data_direction dir);
void sysmem_attachments_unmap(struct sysmem_attachments *set,
			      struct dma_buf_attachment *attachment,
			      struct sg_table *sgt,
			      enum dma_data_direction dir);
void sysmem_attachments_sync(struct sysmem_attachments *set, bool for_cpu);

/* sysmem_page_pool.c */
/* The block orders the pool keeps: 64 KiB to 1 MiB blocks (4 KiB pages). */
#define SYSMEM_POOL_MIN_ORDER	4
#define SYSMEM_POOL_MAX_ORDER	8
struct sysmem_pool_group;
struct sysmem_pool_group *sysmem_pool_get(void);
void sysmem_pool_put(struct sysmem_pool_group *g);
struct page *sysmem_pool_take(struct sysmem_pool_group *g, unsigned int order);
void sysmem_pool_give(struct sysmem_pool_group *g, struct page *page,
		      unsigned int order);
void sysmem_pool_debugfs_init(struct dentry *debugfs);
int sysmem_pool_init(void);
void sysmem_pool_exit(void);

/* sysmem_system_heap.c, sysmem_contig_heap.c */
int sysmem_system_heap_init(void);
void sysmem_system_heap_publish(void);
void sysmem_system_heap_exit(void);
int sysmem_contig_heap_init(void);
void sysmem_contig_heap_publish(void);
void sysmem_contig_heap_exit(void);

/* sysmem_buffer.c */
struct sysmem_buffer *sysmem_buffer_alloc(struct sysmem_heap *heap, size_t size,
					  const struct sysmem_buffer_settings *settings,
					  u64 collection_id, u32 index,
					  struct sysmem_tracker *tracker,
					  struct sysmem_strong_watch *watch,
					  struct sysmem_payer *payer);
void sysmem_buffer_put(struct sysmem_buffer *buf);
void sysmem_buffer_unhold(struct sysmem_buffer *buf, bool strong);
struct dma_buf *sysmem_buffer_export(struct sysmem_buffer *buf, bool writable,
				     bool weak, const char *name);
struct file *sysmem_buffer_close_weak_file(struct sysmem_buffer *buf);
bool sysmem_buffer_strong(struct sysmem_buffer *buf);
void sysmem_dmabuf_set_name(struct dma_buf *dmabuf, const char *name);
struct sysmem_buffer *sysmem_dmabuf_buffer(struct dma_buf *dmabuf);

/* sysmem_collection.c: a collection's count of its strong buffers */
void sysmem_strong_watch_add(struct sysmem_strong_watch *watch);
void sysmem_strong_watch_drop(struct sysmem_strong_watch *watch);
int sysmem_collection_init(void);
void sysmem_collection_exit(void);

/* sysmem_tracker.c */
struct sysmem_tracker *sysmem_tracker_new(unsigned int count, bool settled);
void sysmem_tracker_put(struct sysmem_tracker *t);
void sysmem_tracker_inc(struct sysmem_tracker *t);
void sysmem_tracker_dec(struct sysmem_tracker *t);
void sysmem_tracker_settle(struct sysmem_tracker *t);
struct file *sysmem_tracking_file(struct sysmem_tracker *t, u32 threshold,
				  const char *name, u64 collection_id);

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
