/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: the in-kernel API: heap backends, and kernel participants
 * (below).
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
struct file;
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
/*
 * The heap charges its memory to the memory cgroup active when its
 * allocate operation runs (__GFP_ACCOUNT pages).  Memory of a heap
 * without this flag is counted as pinned memory against the payer's
 * locked-memory limit instead (Documentation/sysmem/security.rst).
 */
#define SYSMEM_HEAP_MEMCG	BIT(4)
#define SYSMEM_HEAP_FLAGS_ALL	(SYSMEM_HEAP_NEED_CLEAR | \
				 SYSMEM_HEAP_NEED_FLUSH | \
				 SYSMEM_HEAP_CONTIGUOUS | SYSMEM_HEAP_SECURE | \
				 SYSMEM_HEAP_MEMCG)

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
 * @base_alignment: every buffer's first byte has a physical address that
 *	is a multiple of this: a power of two, 0 for PAGE_SIZE
 * @max_base_alignment: the largest alignment the heap gives when a
 *	buffer's settings ask for it (@settings.min_physical_base_alignment
 *	of struct sysmem_heap_buffer): a power of two at least
 *	@base_alignment, 0 for @base_alignment (no request honoured)
 * @address_floor: the lowest limit the heap can keep every byte of a
 *	buffer under when the settings ask for it
 *	(@settings.max_physical_address); 0 when the heap cannot choose
 *	where its buffers lie, so sysmem gives it only limits at or above
 *	the end of RAM
 *
 * A heap that states an alignment or a floor must meet it on every
 * allocation, or fail the allocation.
 */
struct sysmem_heap_info {
	const char *name;
	const struct sysmem_heap_ops *ops;
	void *priv;
	u32 domains;
	u32 flags;
	u64 base_alignment;
	u64 max_base_alignment;
	u64 address_floor;
};

struct sysmem_heap *sysmem_heap_register(const struct sysmem_heap_info *info);
void sysmem_heap_unregister(struct sysmem_heap *heap);
void *sysmem_heap_priv(struct sysmem_heap *heap);
const char *sysmem_heap_name(struct sysmem_heap *heap);
void sysmem_heap_buffer_released(struct sysmem_heap_buffer *buf);

/*
 * Kernel participants.
 *
 * A driver that knows its hardware's constraints takes part in a
 * negotiation itself, next to userspace participants and with the same
 * rules: it gets a token (from an fd its userspace handed it, or one it
 * makes), binds it, sets constraints and gets one referenced dma-buf
 * per buffer.  A struct sysmem_knode is the driver's handle on one node
 * of a collection's tree, as an fd is userspace's; it must end with
 * sysmem_knode_release() (leave cleanly) or sysmem_knode_close() (go
 * away without release, which fails the node's failure domain like an
 * fd closed without release).  Calls on one node must not race each
 * other, as a driver serializes its own state anyway; different nodes
 * are independent.  sysmem_knode_release() and sysmem_knode_close() wait
 * for a callback that is running, so a driver must not call them holding
 * a lock its callback takes.  A module using these says
 * SYSMEM_IMPORT_NS().  See Documentation/sysmem/kernel-participants.rst.
 */
#define SYSMEM_IMPORT_NS()	SYSMEM_HEAP_IMPORT_NS()

struct sysmem_knode;

/**
 * struct sysmem_knode_ops - how sysmem tells a kernel participant
 * @changed: the node's state, as the node sees it, changed to @state:
 *	SYSMEM_STATE_ALLOCATED (at most once), then SYSMEM_STATE_FAILED
 *	with @reason (SYSMEM_FAIL_*, at most once; also without being
 *	allocated first).  Called from a workqueue in process context,
 *	never with a sysmem lock held, never twice at once for one node
 *	and never once sysmem_knode_release() or sysmem_knode_close() of
 *	the node returned.  It may call any sysmem_knode_*() function on
 *	the node, sysmem_knode_release() and sysmem_knode_close() included.
 */
struct sysmem_knode_ops {
	void (*changed)(struct sysmem_knode *kn, u32 state, u32 reason,
			void *priv);
};

struct sysmem_knode *sysmem_knode_from_fd(int fd,
					  const struct sysmem_debug_info *dbg);
struct sysmem_knode *sysmem_knode_alloc_token(const struct sysmem_debug_info *dbg);
struct sysmem_knode *sysmem_knode_duplicate(struct sysmem_knode *token,
					    u32 rights_mask);
struct file *sysmem_knode_get_file(struct sysmem_knode *token,
				   u32 rights_mask);
int sysmem_knode_get_fd(struct sysmem_knode *token, u32 rights_mask);
int sysmem_knode_bind(struct sysmem_knode *token,
		      const struct sysmem_knode_ops *ops, void *priv);
int sysmem_knode_set_name(struct sysmem_knode *kn, u32 priority,
			  const char *name);
int sysmem_knode_set_debug_info(struct sysmem_knode *kn,
				const struct sysmem_debug_info *dbg);
int sysmem_knode_set_constraints(struct sysmem_knode *kn,
				 const struct sysmem_buffer_constraints *c,
				 const struct sysmem_heap_name *heaps,
				 const struct sysmem_image_constraints *images);
u32 sysmem_knode_check(struct sysmem_knode *kn, u32 *reason);
int sysmem_knode_wait(struct sysmem_knode *kn, unsigned long timeout);
int sysmem_knode_get_result(struct sysmem_knode *kn,
			    struct sysmem_buffer_settings *settings,
			    struct dma_buf **bufs, unsigned int capacity,
			    unsigned int *count);
u64 sysmem_knode_collection_id(struct sysmem_knode *kn);
void sysmem_knode_release(struct sysmem_knode *kn);
void sysmem_knode_close(struct sysmem_knode *kn);

#endif /* _LINUX_SYSMEM_H */
