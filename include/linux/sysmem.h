/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: the in-kernel API for heap backends.
 *
 * A heap backend gives sysmem memory of one kind (system pages,
 * physically contiguous memory, protected memory, a device's carve-out).
 * It registers an ops table and its properties; when a collection chooses
 * the heap, sysmem asks it for each buffer in turn and gets a dma-buf
 * back.  Participants never see that dma-buf: sysmem hands out dma-bufs
 * of its own that forward to it, so that sysmem can give read-only and
 * read-write access to the same memory and tell its buffers apart.
 *
 * Every symbol here is exported in the SYSMEM namespace; a heap module
 * says SYSMEM_HEAP_IMPORT_NS() once.  See Documentation/sysmem/heaps.rst.
 */
#ifndef _LINUX_SYSMEM_H
#define _LINUX_SYSMEM_H

#include <linux/bits.h>
#include <linux/module.h>
#include <linux/types.h>

#include <uapi/linux/sysmem.h>

struct dma_buf;
struct sysmem_heap;

/*
 * MODULE_IMPORT_NS() takes a bare word up to Linux 6.12 and a string
 * from 6.13; sysmem's Kbuild probes which (SYSMEM_NS_IS_STRING).
 */
#ifdef SYSMEM_NS_IS_STRING
#define SYSMEM_HEAP_IMPORT_NS()	MODULE_IMPORT_NS("SYSMEM")
#else
#define SYSMEM_HEAP_IMPORT_NS()	MODULE_IMPORT_NS(SYSMEM)
#endif

/* struct sysmem_heap_info.flags */
#define SYSMEM_HEAP_NEED_CLEAR	BIT(0)	/* sysmem must zero the memory */
#define SYSMEM_HEAP_NEED_FLUSH	BIT(1)	/* sysmem must write caches back */
#define SYSMEM_HEAP_CONTIGUOUS	BIT(2)	/* buffers are physically contiguous */
#define SYSMEM_HEAP_SECURE	BIT(3)	/* buffers are protected from the CPU */
#define SYSMEM_HEAP_FLAGS_ALL	(SYSMEM_HEAP_NEED_CLEAR | \
				 SYSMEM_HEAP_NEED_FLUSH | \
				 SYSMEM_HEAP_CONTIGUOUS | SYSMEM_HEAP_SECURE)

/**
 * struct sysmem_heap_buffer - one buffer sysmem asks a heap for
 * @heap: the heap asked
 * @collection_id: the collection the buffer belongs to
 * @index: the buffer's index in its collection
 * @size: bytes to allocate: page-aligned, not 0; the dma-buf returned
 *	must be exactly this size
 * @settings: what the collection chose (coherency domain, flags, usage,
 *	image format); most heaps need none of it
 * @heap_priv: the heap's own, for example its per-buffer structure
 *
 * sysmem owns this structure.  It stays valid from the allocate call
 * until the heap calls sysmem_heap_buffer_released() for it.
 */
struct sysmem_heap_buffer {
	struct sysmem_heap *heap;
	u64 collection_id;
	u32 index;
	size_t size;
	struct sysmem_buffer_settings settings;
	void *heap_priv;
};

/**
 * struct sysmem_heap_ops - what a heap does for sysmem
 * @allocate: allocate the memory of @buf and return a new dma-buf for it
 *	(one reference, which sysmem takes over) or an ERR_PTR: -ENOMEM
 *	when there is no memory of that kind, anything else for other
 *	failures.  Called in process context, may sleep, never twice at
 *	once for the same collection.  The dma-buf must support attach,
 *	map and unmap; mmap, vmap and CPU access where the coherency
 *	domain allows CPU access (@buf->settings.coherency_domain).  Its
 *	mmap is called on a mapping of sysmem's own dma-buf, which the
 *	mapping keeps (vma->vm_file is not the heap's file): it must map
 *	its memory in at once or through vm_ops of its own, without
 *	relying on vma->vm_file.  The heap must call
 *	sysmem_heap_buffer_released() once that dma-buf's memory is back
 *	in the heap, normally from its release callback.
 */
struct sysmem_heap_ops {
	struct dma_buf *(*allocate)(struct sysmem_heap *heap,
				    struct sysmem_heap_buffer *buf);
};

/**
 * struct sysmem_heap_info - a heap's registration
 * @name: unique, 1 to SYSMEM_HEAP_NAME_LEN - 1 characters of
 *	[a-z0-9_.-]; participants name permitted heaps by it
 * @ops: the heap's operations; must outlive the registration
 * @priv: the heap's own, returned by sysmem_heap_priv()
 * @domains: SYSMEM_DOMAIN_* the heap's buffers can be used in, not 0
 * @flags: SYSMEM_HEAP_*; a secure heap supports only
 *	SYSMEM_DOMAIN_INACCESSIBLE and cannot ask sysmem to clear it
 */
struct sysmem_heap_info {
	const char *name;
	const struct sysmem_heap_ops *ops;
	void *priv;
	u32 domains;
	u32 flags;
};

struct sysmem_heap *sysmem_heap_register(const struct sysmem_heap_info *info);
void sysmem_heap_unregister(struct sysmem_heap *heap);
void *sysmem_heap_priv(struct sysmem_heap *heap);
const char *sysmem_heap_name(struct sysmem_heap *heap);
void sysmem_heap_buffer_released(struct sysmem_heap_buffer *buf);

#endif /* _LINUX_SYSMEM_H */
