// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem heaps: the registry behind include/linux/sysmem.h, allocation
 * through a heap with clearing, flushing and accounting, the per-heap
 * byte caps (module parameter heap_max_bytes) and debugfs.
 *
 * Lifetime.  A struct sysmem_heap holds one reference for its
 * registration, one for every buffer whose memory is not yet back in the
 * heap, and one for each set of heaps (struct sysmem_heap_set) that
 * lists it.  It stays on sysmem_heaps (and in debugfs) until the last one
 * is gone, so a heap can be unregistered while its buffers live on: it
 * only stops getting new allocations.  Unregistering drops the current
 * set, and a negotiation still reading an older one finishes with it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/iosys-map.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sysmem_internal.h"

/* Serialises changes of and walks over sysmem_heaps, and sysmem_heap_set. */
static DEFINE_MUTEX(sysmem_heaps_lock);
/* Every struct sysmem_heap with a reference left, in registration order. */
static LIST_HEAD(sysmem_heaps);
/*
 * The registered heaps as negotiations see them, with a reference of its
 * own, or NULL until the next negotiation builds it.  Registering or
 * unregistering a heap drops it, so that the next negotiation sees the
 * change.
 */
static struct sysmem_heap_set *sysmem_heap_set;

/*
 * Byte caps by heap name, from the heap_max_bytes module parameter.
 * sysmem_caps_lock protects sysmem_caps and sysmem_nr_caps.
 */
#define SYSMEM_MAX_CAPS 16
struct sysmem_cap {
	char name[SYSMEM_HEAP_NAME_LEN];
	u64 bytes;
};

static DEFINE_SPINLOCK(sysmem_caps_lock);

static struct sysmem_cap sysmem_caps[SYSMEM_MAX_CAPS];
static unsigned int sysmem_nr_caps;

/* 0 when @name's cap is unset. */
static u64 sysmem_heap_cap(const char *name)
{
	u64 bytes = 0;
	unsigned int i;

	spin_lock(&sysmem_caps_lock);
	for (i = 0; i < sysmem_nr_caps; i++)
		if (!strcmp(sysmem_caps[i].name, name))
			bytes = sysmem_caps[i].bytes;
	spin_unlock(&sysmem_caps_lock);
	return bytes;
}

static bool sysmem_heap_name_valid(const char *name)
{
	size_t len = strnlen(name, SYSMEM_HEAP_NAME_LEN);
	size_t i;

	if (!len || len == SYSMEM_HEAP_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    !strchr("_.-", name[i]))
			return false;
	return true;
}

/*
 * Parse "name=size[,name=size...]" (size with an optional K, M or G
 * suffix; "" clears every cap) into @caps.  Return: the count or -EINVAL.
 */
static int sysmem_caps_parse(const char *val, struct sysmem_cap *caps)
{
	char *buf, *cur, *entry;
	int n = 0, ret = 0;

	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = strim(buf);
	while ((entry = strsep(&cur, ",")) != NULL) {
		char *eq = strchr(entry, '='), *end;
		u64 bytes;

		if (!*entry && !cur && !n)
			break;		/* the empty string */
		if (!eq || n == SYSMEM_MAX_CAPS) {
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		bytes = memparse(eq + 1, &end);
		if (end == eq + 1 || *end || !sysmem_heap_name_valid(entry)) {
			ret = -EINVAL;
			break;
		}
		strscpy(caps[n].name, entry, sizeof(caps[n].name));
		caps[n++].bytes = bytes;
	}
	kfree(buf);
	return ret ? ret : n;
}

static int sysmem_caps_set(const char *val, const struct kernel_param *kp)
{
	struct sysmem_cap *caps;
	int n;

	caps = kcalloc(SYSMEM_MAX_CAPS, sizeof(*caps), GFP_KERNEL);
	if (!caps)
		return -ENOMEM;
	n = sysmem_caps_parse(val, caps);
	if (n >= 0) {
		spin_lock(&sysmem_caps_lock);
		memcpy(sysmem_caps, caps, sizeof(sysmem_caps));
		sysmem_nr_caps = n;
		spin_unlock(&sysmem_caps_lock);
	}
	kfree(caps);
	return n < 0 ? n : 0;
}

static int sysmem_caps_get(char *buffer, const struct kernel_param *kp)
{
	unsigned int i;
	int len = 0;

	spin_lock(&sysmem_caps_lock);
	for (i = 0; i < sysmem_nr_caps; i++)
		len += scnprintf(buffer + len, PAGE_SIZE - len, "%s%s=%llu",
				 i ? "," : "", sysmem_caps[i].name,
				 sysmem_caps[i].bytes);
	spin_unlock(&sysmem_caps_lock);
	len += scnprintf(buffer + len, PAGE_SIZE - len, "\n");
	return len;
}

static const struct kernel_param_ops sysmem_caps_ops = {
	.set = sysmem_caps_set,
	.get = sysmem_caps_get,
};
module_param_cb(heap_max_bytes, &sysmem_caps_ops, NULL, 0644);
MODULE_PARM_DESC(heap_max_bytes,
		 "Most live bytes per heap: name=size[,name=size...], K/M/G suffixes");

/**
 * struct sysmem_heap - a registered heap
 * @ref: one for the registration, one per buffer not yet released, one
 *	per set of heaps listing it
 * @link: entry in sysmem_heaps, under sysmem_heaps_lock
 * @name: the heap's name
 * @ops: the heap's operations (a heap registered through the public API)
 * @mem_ops: a built-in heap's memory operations, used instead of @ops
 * @priv: the heap's private data
 * @domains: SYSMEM_DOMAIN_* supported
 * @flags: SYSMEM_HEAP_*
 * @base_alignment: physical base alignment of every buffer
 * @max_base_alignment: the largest base alignment given on request
 * @address_floor: the lowest physical address limit honoured
 * @registered: false once unregistered; written under @unregister_sem
 *	held for writing, read under it held for reading (or racily, with
 *	READ_ONCE, where a stale answer is rechecked)
 * @unregister_sem: held for reading around every allocate call, so that
 *	unregistering waits for calls in flight
 * @stats_lock: protects the counters below
 * @live_buffers: buffers whose memory is not yet back in the heap
 * @live_bytes: bytes of those buffers, each counted with its footprint
 *	(sysmem_buffer_footprint())
 * @peak_bytes: highest @live_bytes seen
 * @failures: allocations that failed (the cap, the heap, clearing)
 */
struct sysmem_heap {
	struct kref ref;
	struct list_head link;
	char name[SYSMEM_HEAP_NAME_LEN];
	const struct sysmem_heap_ops *ops;
	const struct sysmem_mem_ops *mem_ops;
	void *priv;
	u32 domains;
	u32 flags;
	u64 base_alignment;
	u64 max_base_alignment;
	u64 address_floor;
	bool registered;
	struct rw_semaphore unregister_sem;	/* see above */
	spinlock_t stats_lock;	/* protects the four counters below */
	u64 live_buffers;
	u64 live_bytes;
	u64 peak_bytes;
	u64 failures;
};

/* Called by kref_put_mutex() with sysmem_heaps_lock held; drops it. */
static void sysmem_heap_free(struct kref *ref)
{
	struct sysmem_heap *heap = container_of(ref, struct sysmem_heap, ref);

	list_del(&heap->link);
	mutex_unlock(&sysmem_heaps_lock);
	kfree(heap);
}

void sysmem_heap_put(struct sysmem_heap *heap)
{
	kref_put_mutex(&heap->ref, sysmem_heap_free, &sysmem_heaps_lock);
}

static void sysmem_heap_set_free(struct kref *ref)
{
	struct sysmem_heap_set *set =
		container_of(ref, struct sysmem_heap_set, ref);
	unsigned int i = set->nr;

	while (i--)
		sysmem_heap_put(set->heaps[i]);
	kfree(set);
}

/**
 * sysmem_heaps_put() - drop a reference to a set of heaps
 * @set: from sysmem_heaps_get()
 *
 * Context: may sleep (the last reference drops the heaps'); not under
 * sysmem_heaps_lock.
 */
void sysmem_heaps_put(struct sysmem_heap_set *set)
{
	kref_put(&set->ref, sysmem_heap_set_free);
}

/*
 * A heap was registered or unregistered: drop the current set, so that
 * the next negotiation builds one with the change.  Negotiations that hold
 * the old set finish with it, as they would have with a list taken just
 * before the change.
 */
static void sysmem_heaps_changed(void)
{
	struct sysmem_heap_set *old;

	mutex_lock(&sysmem_heaps_lock);
	old = sysmem_heap_set;
	sysmem_heap_set = NULL;
	mutex_unlock(&sysmem_heaps_lock);
	/* After the unlock: the heaps' last puts take sysmem_heaps_lock. */
	if (old)
		sysmem_heaps_put(old);
}

static bool sysmem_heap_info_valid(const struct sysmem_heap_info *info,
				   const struct sysmem_mem_ops *mem_ops)
{
	if (!info || !info->name || !sysmem_heap_name_valid(info->name))
		return false;
	/* A built-in heap clears its memory itself. */
	if (mem_ops && (!mem_ops->allocate ||
			(info->flags & SYSMEM_HEAP_NEED_CLEAR)))
		return false;
	if (!mem_ops && (!info->ops || !info->ops->allocate))
		return false;
	if (!info->domains || (info->domains & ~SYSMEM_DOMAIN_ALL) ||
	    (info->flags & ~SYSMEM_HEAP_FLAGS_ALL))
		return false;
	/* sysmem clears through a CPU mapping, which a secure heap refuses. */
	if ((info->flags & SYSMEM_HEAP_SECURE) &&
	    (info->domains != SYSMEM_DOMAIN_INACCESSIBLE ||
	     (info->flags & SYSMEM_HEAP_NEED_CLEAR)))
		return false;
	if ((info->base_alignment && !is_power_of_2(info->base_alignment)) ||
	    (info->max_base_alignment &&
	     (!is_power_of_2(info->max_base_alignment) ||
	      info->max_base_alignment < info->base_alignment)))
		return false;
	return true;
}

/* Register a heap: public (@mem_ops NULL) or built-in. */
static struct sysmem_heap *
sysmem_heap_add(const struct sysmem_heap_info *info,
		const struct sysmem_mem_ops *mem_ops)
{
	struct sysmem_heap *heap, *other;

	if (!sysmem_heap_info_valid(info, mem_ops))
		return ERR_PTR(-EINVAL);
	heap = kzalloc(sizeof(*heap), GFP_KERNEL);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	kref_init(&heap->ref);
	strscpy(heap->name, info->name, sizeof(heap->name));
	heap->ops = mem_ops ? NULL : info->ops;
	heap->mem_ops = mem_ops;
	heap->priv = info->priv;
	heap->domains = info->domains;
	heap->flags = info->flags;
	heap->base_alignment = max_t(u64, info->base_alignment, PAGE_SIZE);
	heap->max_base_alignment = max(info->max_base_alignment,
				       heap->base_alignment);
	/* Every limit at or above the end of RAM needs no placement. */
	heap->address_floor = info->address_floor ?
			      min(info->address_floor, sysmem_ram_limit()) :
			      sysmem_ram_limit();
	heap->registered = true;
	init_rwsem(&heap->unregister_sem);
	spin_lock_init(&heap->stats_lock);

	mutex_lock(&sysmem_heaps_lock);
	list_for_each_entry(other, &sysmem_heaps, link) {
		if (READ_ONCE(other->registered) &&
		    !strcmp(other->name, heap->name)) {
			mutex_unlock(&sysmem_heaps_lock);
			kfree(heap);
			return ERR_PTR(-EEXIST);
		}
	}
	list_add_tail(&heap->link, &sysmem_heaps);
	mutex_unlock(&sysmem_heaps_lock);
	sysmem_heaps_changed();
	return heap;
}

/**
 * sysmem_heap_register() - make a heap available to collections
 * @info: the heap's name, operations and properties; copied
 *
 * From the return on, collections whose constraints the heap meets may
 * allocate from it (see Documentation/sysmem/negotiation.rst for the
 * choice of heap).  May sleep.
 *
 * Return: the heap, or ERR_PTR(-EINVAL) for an invalid @info,
 * ERR_PTR(-EEXIST) when a registered heap has the name already,
 * ERR_PTR(-ENOMEM).
 */
struct sysmem_heap *sysmem_heap_register(const struct sysmem_heap_info *info)
{
	return sysmem_heap_add(info, NULL);
}
EXPORT_SYMBOL_NS_GPL(sysmem_heap_register, SYSMEM_NS);

/**
 * sysmem_heap_register_builtin() - register one of sysmem's own heaps
 * @info: as for sysmem_heap_register(); @info->ops is not used, and
 *	SYSMEM_HEAP_NEED_CLEAR is refused (the heap clears its memory)
 * @mem_ops: the heap's memory operations
 *
 * The heap hands sysmem its memory without a dma-buf of its own (see
 * struct sysmem_mem_ops).
 *
 * Return: as for sysmem_heap_register().
 */
struct sysmem_heap *
sysmem_heap_register_builtin(const struct sysmem_heap_info *info,
			     const struct sysmem_mem_ops *mem_ops)
{
	if (!mem_ops)
		return ERR_PTR(-EINVAL);
	return sysmem_heap_add(info, mem_ops);
}

/**
 * sysmem_heap_unregister() - stop allocating from a heap
 * @heap: a heap returned by sysmem_heap_register()
 *
 * Waits for allocation calls in flight; after the return sysmem calls
 * none of @heap's operations again.  Buffers already allocated stay
 * valid, and the heap must still call sysmem_heap_buffer_released() for
 * each of them when their memory is back.  Its name is free for a new
 * registration at once.  May sleep.
 */
void sysmem_heap_unregister(struct sysmem_heap *heap)
{
	down_write(&heap->unregister_sem);
	WRITE_ONCE(heap->registered, false);
	up_write(&heap->unregister_sem);
	sysmem_heaps_changed();
	sysmem_heap_put(heap);
}
EXPORT_SYMBOL_NS_GPL(sysmem_heap_unregister, SYSMEM_NS);

/**
 * sysmem_heap_priv() - a heap's private data
 * @heap: the heap
 *
 * Return: &sysmem_heap_info.priv given at registration.
 */
void *sysmem_heap_priv(struct sysmem_heap *heap)
{
	return heap->priv;
}
EXPORT_SYMBOL_NS_GPL(sysmem_heap_priv, SYSMEM_NS);

/**
 * sysmem_heap_name() - a heap's name
 * @heap: the heap
 *
 * Return: the name given at registration.
 */
const char *sysmem_heap_name(struct sysmem_heap *heap)
{
	return heap->name;
}
EXPORT_SYMBOL_NS_GPL(sysmem_heap_name, SYSMEM_NS);

static void sysmem_heap_account(struct sysmem_heap *heap, s64 buffers,
				s64 bytes, bool failed)
{
	spin_lock(&heap->stats_lock);
	heap->live_buffers += buffers;
	heap->live_bytes += bytes;
	heap->peak_bytes = max(heap->peak_bytes, heap->live_bytes);
	if (failed)
		heap->failures++;
	spin_unlock(&heap->stats_lock);
}

/*
 * Free sysmem's record of a buffer of @heap, unless it is part of the
 * struct sysmem_buffer, as a built-in heap's is (sysmem_heap_allocate()).
 */
static void sysmem_heap_priv_free(const struct sysmem_heap *heap,
				  struct sysmem_heap_buffer_priv *priv)
{
	if (!heap->mem_ops)
		kfree(priv);
}

/**
 * sysmem_heap_buffer_released() - a buffer's memory is back in its heap
 * @buf: the buffer, as passed to &sysmem_heap_ops.allocate
 *
 * Called by the heap exactly once per buffer it allocated, once the
 * memory is free again: normally from the release callback of the
 * dma-buf it returned.  @buf is freed; the heap must not use it after
 * the call.  May sleep.
 */
void sysmem_heap_buffer_released(struct sysmem_heap_buffer *buf)
{
	struct sysmem_heap_buffer_priv *priv =
		container_of(buf, struct sysmem_heap_buffer_priv, buf);
	struct sysmem_heap *heap = buf->heap;

	sysmem_heap_account(heap, -1, -(s64)priv->footprint, false);
	sysmem_payer_uncharge(&priv->charge);
	if (priv->tracker)
		sysmem_tracker_dec(priv->tracker);
	sysmem_heap_priv_free(heap, priv);
	sysmem_heap_put(heap);
}
EXPORT_SYMBOL_NS_GPL(sysmem_heap_buffer_released, SYSMEM_NS);

/* Zero a heap's new dma-buf through a kernel mapping. */
static int sysmem_heap_clear(struct dma_buf *dmabuf, size_t size)
{
	struct iosys_map map;
	int ret;

	ret = sysmem_dma_buf_vmap(dmabuf, &map);
	if (ret)
		return ret;
	iosys_map_memset(&map, 0, 0, size);
	sysmem_dma_buf_vunmap(dmabuf, &map);
	return 0;
}

/* Flush round trips done since the module was loaded (debugfs dma). */
static atomic64_t sysmem_heap_flushes = ATOMIC64_INIT(0);

/*
 * Write the CPU caches back for a heap's new memory, so that a device
 * reading it directly sees the zeroes: map it for sysmem's own device
 * towards the device, then unmap.  The caller skips it where
 * sysmem_dma_coherent() says that does nothing (x86, for one).
 */
static int sysmem_heap_flush_dmabuf(struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attachment;
	struct sg_table *sgt;
	int ret = 0;

	attachment = dma_buf_attach(dmabuf, sysmem_dma_device());
	if (IS_ERR(attachment))
		return PTR_ERR(attachment);
	sgt = sysmem_dma_buf_map(attachment, DMA_TO_DEVICE);
	if (IS_ERR(sgt))
		ret = PTR_ERR(sgt);
	else
		sysmem_dma_buf_unmap(attachment, sgt, DMA_TO_DEVICE);
	dma_buf_detach(dmabuf, attachment);
	return ret;
}

/*
 * The same for a built-in heap's memory, through its operations: the
 * attachment is sysmem's alone and only ever seen by the heap, which
 * reads its device and keeps its own state in its priv.
 */
static int sysmem_heap_flush_mem(const struct sysmem_mem *mem)
{
	struct dma_buf_attachment attachment = {
		.dev = sysmem_dma_device(),
	};
	struct sg_table *sgt;
	int ret;

	ret = mem->ops->attach(mem->priv, &attachment);
	if (ret)
		return ret;
	sgt = mem->ops->map(mem->priv, &attachment, DMA_TO_DEVICE);
	if (IS_ERR(sgt))
		ret = PTR_ERR(sgt);
	else
		mem->ops->unmap(mem->priv, &attachment, sgt, DMA_TO_DEVICE);
	mem->ops->detach(mem->priv, &attachment);
	return ret;
}

static int sysmem_heap_flush(const struct sysmem_mem *mem)
{
	int ret;

	ret = mem->ops ? sysmem_heap_flush_mem(mem) :
			 sysmem_heap_flush_dmabuf(mem->dmabuf);
	if (!ret)
		atomic64_inc(&sysmem_heap_flushes);
	return ret;
}

/**
 * sysmem_mem_release() - give a buffer's memory back to its heap
 * @mem: what sysmem_heap_allocate() filled in; emptied
 *
 * A heap's dma-buf is put (the heap frees the memory when it is
 * released); a built-in heap frees its memory at once.
 *
 * Context: process context; may sleep.  Callers may hold a collection
 * lock: what the heap takes then comes after it in the lock order.
 */
void sysmem_mem_release(struct sysmem_mem *mem)
{
	if (mem->ops)
		mem->ops->release(mem->priv);
	else if (mem->dmabuf)
		dma_buf_put(mem->dmabuf);
	*mem = (struct sysmem_mem) { };
}

/**
 * sysmem_heap_allocate() - allocate one buffer's memory from a heap
 * @heap: the heap, with a reference held by the caller
 * @size: page-aligned size, not 0
 * @settings: the collection's settings
 * @collection_id: the collection's id (0: not for a collection)
 * @index: the buffer's index
 * @tracker: counts the buffer until the heap releases it, or NULL
 * @payer: who pays for the buffer
 * @embed: zeroed room for sysmem's record of the buffer, used for a
 *	built-in heap, whose memory goes back before @embed does (the
 *	struct sysmem_buffer it is part of outlives sysmem_mem_release());
 *	a heap of another module gets a record of its own, since its
 *	dma-buf may outlive the buffer
 * @mem: out: the memory, for sysmem_mem_release()
 *
 * Checks the heap's cap and, for a heap that does not charge a memory
 * cgroup, the payer's pinned-memory limits, each with the buffer's
 * footprint (sysmem_buffer_footprint(): its size, or its alignment when
 * that is larger).  Calls the heap's allocate operation, checks the
 * dma-buf a public heap returns, clears and flushes the memory as the
 * heap asks (flushes only where sysmem's DMA device is not coherent).
 * The memory counts in the heap's accounting (and the payer's pinned
 * memory) until the heap releases it.  The caller makes the payer's
 * memory cgroup active (sysmem_payer_enter()).
 *
 * Return: 0 with @mem filled in (the caller's), or -EDQUOT over a limit
 * of the payer, -ENOMEM over the heap's cap or without memory, or the
 * heap's error.
 */
int sysmem_heap_allocate(struct sysmem_heap *heap, size_t size,
			 const struct sysmem_buffer_settings *settings,
			 u64 collection_id, u32 index,
			 struct sysmem_tracker *tracker,
			 struct sysmem_payer *payer,
			 struct sysmem_heap_buffer_priv *embed,
			 struct sysmem_mem *mem)
{
	u64 footprint = sysmem_buffer_footprint(size, settings);
	struct sysmem_heap_buffer_priv *priv;
	struct sysmem_heap_buffer *buf;
	u64 cap = sysmem_heap_cap(heap->name);
	void *obj = NULL;
	bool over;
	int ret;

	*mem = (struct sysmem_mem) { };
	if (heap->mem_ops) {
		priv = embed;
	} else {
		priv = kzalloc(sizeof(*priv), GFP_KERNEL_ACCOUNT);
		if (!priv)
			return -ENOMEM;
	}
	priv->footprint = footprint;
	if (!(heap->flags & SYSMEM_HEAP_MEMCG)) {
		ret = sysmem_payer_charge(payer, footprint,
					  heap->flags & SYSMEM_HEAP_CONTIGUOUS,
					  &priv->charge);
		if (ret) {
			sysmem_heap_priv_free(heap, priv);
			return ret;
		}
	}
	buf = &priv->buf;
	buf->heap = heap;
	buf->collection_id = collection_id;
	buf->index = index;
	buf->size = size;
	buf->settings = *settings;

	/* Count the bytes before allocating, so racing callers see them. */
	spin_lock(&heap->stats_lock);
	over = cap && (heap->live_bytes > cap ||
		       footprint > cap - heap->live_bytes);
	if (over) {
		heap->failures++;
	} else {
		heap->live_buffers++;
		heap->live_bytes += footprint;
	}
	heap->peak_bytes = max(heap->peak_bytes, heap->live_bytes);
	spin_unlock(&heap->stats_lock);
	if (over) {
		sysmem_payer_uncharge(&priv->charge);
		sysmem_heap_priv_free(heap, priv);
		return -ENOMEM;
	}

	kref_get(&heap->ref);	/* the buffer's, until released */
	if (tracker) {
		sysmem_tracker_inc(tracker);
		priv->tracker = tracker;
	}
	down_read(&heap->unregister_sem);
	if (!heap->registered)
		obj = ERR_PTR(-ENODEV);
	else if (heap->mem_ops)
		obj = heap->mem_ops->allocate(heap, buf);
	else
		mem->dmabuf = heap->ops->allocate(heap, buf);
	up_read(&heap->unregister_sem);
	if (heap->mem_ops && !IS_ERR_OR_NULL(obj)) {
		mem->ops = heap->mem_ops;
		mem->priv = obj;
	} else if (IS_ERR(mem->dmabuf)) {
		obj = mem->dmabuf;
		mem->dmabuf = NULL;
	}
	if (!mem->ops && !mem->dmabuf) {
		ret = IS_ERR(obj) ? PTR_ERR(obj) : -ENOMEM;
		sysmem_heap_account(heap, -1, -(s64)footprint, true);
		sysmem_payer_uncharge(&priv->charge);
		if (tracker)
			sysmem_tracker_dec(tracker);
		sysmem_heap_priv_free(heap, priv);
		sysmem_heap_put(heap);
		return ret;
	}
	/* From here on the heap owns @buf and releases it with @mem. */
	ret = -EPROTO;
	if (mem->dmabuf && mem->dmabuf->size != size) {
		pr_warn_ratelimited("heap %s returned a dma-buf of %zu bytes for %zu\n",
				    heap->name, mem->dmabuf->size, size);
		goto release_mem;
	}
	/* Only a public heap can ask (sysmem_heap_info_valid()). */
	if (heap->flags & SYSMEM_HEAP_NEED_CLEAR) {
		ret = sysmem_heap_clear(mem->dmabuf, size);
		if (ret)
			goto release_mem;
	}
	if ((heap->flags & (SYSMEM_HEAP_NEED_CLEAR | SYSMEM_HEAP_NEED_FLUSH)) &&
	    !sysmem_dma_coherent()) {
		ret = sysmem_heap_flush(mem);
		if (ret)
			goto release_mem;
	}
	return 0;

release_mem:
	sysmem_heap_account(heap, 0, 0, true);
	sysmem_mem_release(mem);
	return ret;
}

/* The set of the registered heaps, built under sysmem_heaps_lock. */
static struct sysmem_heap_set *sysmem_heap_set_build(void)
{
	struct sysmem_heap_set *set;
	struct sysmem_heap *heap;
	unsigned int n = 0;
	size_t size;

	lockdep_assert_held(&sysmem_heaps_lock);
	list_for_each_entry(heap, &sysmem_heaps, link)
		n++;
	/* One allocation: the set, its descriptions, the heap pointers. */
	BUILD_BUG_ON(__alignof__(*set->heaps) > __alignof__(*set->descs));
	size = size_add(struct_size(set, descs, n),
			array_size(n, sizeof(*set->heaps)));
	set = kzalloc(size, GFP_KERNEL);
	if (!set)
		return NULL;
	kref_init(&set->ref);
	set->heaps = (struct sysmem_heap **)(set->descs + n);
	n = 0;
	list_for_each_entry(heap, &sysmem_heaps, link) {
		if (!READ_ONCE(heap->registered))
			continue;
		kref_get(&heap->ref);
		set->descs[n] = (struct sysmem_heap_desc) {
			.name = heap->name,
			.domains = heap->domains,
			.contiguous = heap->flags & SYSMEM_HEAP_CONTIGUOUS,
			.secure = heap->flags & SYSMEM_HEAP_SECURE,
			.base_alignment = heap->base_alignment,
			.max_base_alignment = heap->max_base_alignment,
			.address_floor = heap->address_floor,
		};
		set->heaps[n++] = heap;
	}
	set->nr = n;
	return set;
}

/**
 * sysmem_heaps_get() - the registered heaps, for one negotiation
 *
 * The set is built once and shared by every negotiation until a heap is
 * registered or unregistered.  The names in its descriptions point into
 * the heaps and stay valid until sysmem_heaps_put().
 *
 * Context: process context, may sleep.
 * Return: the set with a reference, or NULL without memory.
 */
struct sysmem_heap_set *sysmem_heaps_get(void)
{
	struct sysmem_heap_set *set;

	mutex_lock(&sysmem_heaps_lock);
	if (!sysmem_heap_set)
		sysmem_heap_set = sysmem_heap_set_build();
	set = sysmem_heap_set;
	if (set)
		kref_get(&set->ref);
	mutex_unlock(&sysmem_heaps_lock);
	return set;
}

/**
 * sysmem_heaps_exit() - drop the set of heaps kept for negotiations
 *
 * At module exit, after every heap is unregistered and every collection
 * is gone.
 */
void sysmem_heaps_exit(void)
{
	sysmem_heaps_changed();
}

static int sysmem_heaps_show(struct seq_file *s, void *unused)
{
	struct sysmem_heap *heap;

	mutex_lock(&sysmem_heaps_lock);
	list_for_each_entry(heap, &sysmem_heaps, link) {
		u64 buffers, bytes, peak, failures;

		spin_lock(&heap->stats_lock);
		buffers = heap->live_buffers;
		bytes = heap->live_bytes;
		peak = heap->peak_bytes;
		failures = heap->failures;
		spin_unlock(&heap->stats_lock);
		seq_printf(s, "%s buffers=%llu bytes=%llu peak=%llu failures=%llu max=%llu%s\n",
			   heap->name, buffers, bytes, peak, failures,
			   sysmem_heap_cap(heap->name),
			   READ_ONCE(heap->registered) ? "" : " unregistered");
	}
	mutex_unlock(&sysmem_heaps_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sysmem_heaps);

static int sysmem_heaps_dma_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "coherent=%d flushes=%lld\n", sysmem_dma_coherent(),
		   (long long)atomic64_read(&sysmem_heap_flushes));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sysmem_heaps_dma);

/**
 * sysmem_heaps_debugfs_init() - create the heaps and dma files and the
 * dma_noncoherent test knob in debugfs
 * @debugfs: sysmem's debugfs directory
 *
 * debugfs problems are not fatal.
 */
void sysmem_heaps_debugfs_init(struct dentry *debugfs)
{
	debugfs_create_file("heaps", 0444, debugfs, NULL, &sysmem_heaps_fops);
	debugfs_create_file("dma", 0444, debugfs, NULL, &sysmem_heaps_dma_fops);
	sysmem_dma_debugfs_init(debugfs);
}
