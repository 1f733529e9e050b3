// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem buffers: a heap's memory, exported to participants as dma-bufs
 * of sysmem's own.
 *
 * A buffer may be exported twice, once writable and once read-only,
 * because a dma-buf's access mode belongs to its one struct file.  Both
 * forward to the memory: to a built-in heap's memory operations, or to
 * the dma-buf a heap registered through the public API returned (struct
 * sysmem_mem).  sysmem gives the memory back when the collection and
 * every sysmem dma-buf (fds, mmaps, attachments) have let go: a built-in
 * heap frees it at once, a public heap when its dma-buf is released.
 *
 * Weak nodes get weak dma-bufs, exported afresh for each of them.  They
 * forward the same way but do not keep the buffer alive: once the
 * collection has no strong node and the last strong dma-buf is gone,
 * the buffer's close-weak fds poll readable and no weak node is given
 * the buffer again.  The pages themselves stay until the weak dma-bufs
 * are closed too, because a mapping or a device's mapping cannot be
 * taken back safely.  The buffer's collection counts its buffers still
 * held strongly (struct sysmem_strong_watch): when the last of them
 * goes, and no strong node is left either, the collection fails.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <uapi/linux/dma-buf.h>

#include "sysmem_internal.h"
#include "sysmem_stats.h"
#include "sysmem_trace.h"

static void sysmem_buffer_release(struct kref *ref)
{
	struct sysmem_buffer *buf = container_of(ref, struct sysmem_buffer, ref);

	/* Every hold, and with the last one the memory, went before. */
	sysmem_tracker_put(buf->close_weak);
	dma_resv_fini(&buf->resv);
	kfree(buf);
	sysmem_stat_dec(SYSMEM_STAT_BUFFERS);
}

/**
 * sysmem_buffer_put() - drop a reference on a buffer
 * @buf: the buffer
 */
void sysmem_buffer_put(struct sysmem_buffer *buf)
{
	kref_put(&buf->ref, sysmem_buffer_release);
}

/**
 * sysmem_buffer_unhold() - drop one hold on a buffer's memory
 * @buf: the buffer
 * @strong: the hold kept the buffer alive too (the collection's hold, or
 *	a strong dma-buf's)
 *
 * The last strong hold signals the buffer's close-weak fds and tells the
 * collection (its strong watch); the last hold of any kind gives the
 * memory back to its heap (sysmem_mem_release()).
 *
 * Context: process context; may be called with the buffer's collection
 * lock held (the collection letting go), so nothing here takes it.
 */
void sysmem_buffer_unhold(struct sysmem_buffer *buf, bool strong)
{
	struct sysmem_tracker *close_weak = NULL;
	struct sysmem_mem mem = { };
	bool gone = false, last;

	spin_lock(&buf->lock);
	if (strong)
		gone = !--buf->strong;
	if (gone)
		close_weak = buf->close_weak;
	last = !--buf->users;
	if (last) {
		mem = buf->mem;
		buf->mem = (struct sysmem_mem) { };
	}
	spin_unlock(&buf->lock);
	if (gone) {
		if (close_weak)
			sysmem_tracker_dec(close_weak);
		/* @strong never rises again: the watch is done with. */
		if (buf->watch)
			sysmem_strong_watch_drop(buf->watch);
	}
	if (last) {
		trace_sysmem_buffer_release(buf);
		sysmem_mem_release(&mem);
	}
}

/**
 * sysmem_buffer_alloc() - allocate one cleared buffer from a heap
 * @heap: the heap, with a reference held by the caller
 * @size: size in bytes, page-aligned, not 0
 * @settings: the collection's settings
 * @collection_id: id of the owning collection
 * @index: index of the buffer in the collection
 * @tracker: counts the buffer until its memory is back, or NULL
 * @watch: counts the buffer while something strong holds it, or NULL
 * @payer: who pays: the buffer, its structures and (for a heap that
 *	charges a cgroup) its memory are charged to @payer's memory cgroup
 *
 * Return: the buffer with one reference and one strong hold (both the
 * caller's), or an ERR_PTR (-EDQUOT: over a limit of @payer).
 */
struct sysmem_buffer *sysmem_buffer_alloc(struct sysmem_heap *heap, size_t size,
					  const struct sysmem_buffer_settings *settings,
					  u64 collection_id, u32 index,
					  struct sysmem_tracker *tracker,
					  struct sysmem_strong_watch *watch,
					  struct sysmem_payer *payer)
{
	struct mem_cgroup *old = sysmem_payer_enter(payer);
	struct sysmem_buffer *buf;
	int ret = -ENOMEM;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto leave_payer;
	ret = sysmem_heap_allocate(heap, size, settings, collection_id,
				   index, tracker, payer, &buf->hpriv, &buf->mem);
	if (ret)
		goto free_buf;
	sysmem_stat_inc(SYSMEM_STAT_BUFFERS);
	kref_init(&buf->ref);
	spin_lock_init(&buf->lock);
	dma_resv_init(&buf->resv);
	buf->users = 1;
	buf->strong = 1;
	buf->size = size;
	buf->domain = settings->coherency_domain;
	buf->collection_id = collection_id;
	buf->index = index;
	buf->watch = watch;
	if (watch)
		sysmem_strong_watch_add(watch);
	trace_sysmem_buffer_alloc(buf, settings->heap);
	sysmem_payer_leave(old);
	return buf;

free_buf:
	kfree(buf);
leave_payer:
	sysmem_payer_leave(old);
	return ERR_PTR(ret);
}

/*
 * sysmem's dma-bufs forward to the memory.  A built-in heap's operations
 * are called directly, with sysmem's attachments; the dma-bufs of one
 * buffer share the buffer's reservation object.  A public heap's dma-buf
 * is reached through the dma-buf API for attach, map and CPU access (the
 * importer's locking then covers both), and its reservation object is
 * the shared one.  Its mmap and vmap are called directly: the dma-buf
 * core calls ours with the (shared) reservation lock held on kernels
 * that lock there, and with the outer dma-buf's vmap mutex held on those
 * that use one, so going through dma_buf_mmap() or dma_buf_vmap() would
 * lock twice.
 *
 * The memory stays while any sysmem dma-buf exists (each holds it), so
 * @mem is read without the buffer's lock here.
 */
static int sysmem_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attachment)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf_attachment *inner;

	if (buf->mem.ops)
		return buf->mem.ops->attach(buf->mem.priv, attachment);
	inner = dma_buf_attach(buf->mem.dmabuf, attachment->dev);
	if (IS_ERR(inner))
		return PTR_ERR(inner);
	attachment->priv = inner;
	return 0;
}

static void sysmem_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attachment)
{
	struct sysmem_buffer *buf = dmabuf->priv;

	if (buf->mem.ops)
		buf->mem.ops->detach(buf->mem.priv, attachment);
	else
		dma_buf_detach(buf->mem.dmabuf, attachment->priv);
}

/*
 * Rights: a read-only export (its file opened without FMODE_WRITE)
 * refuses what would let the device or the CPU write through it, where
 * the dma-buf API says so: a device mapping for DMA_FROM_DEVICE, and
 * CPU access for writing (DMA_TO_DEVICE or DMA_BIDIRECTIONAL, which is
 * how DMA_BUF_IOCTL_SYNC passes WRITE and READ | WRITE).  A device
 * mapping for DMA_BIDIRECTIONAL is allowed: DRM's PRIME import maps
 * every buffer that way, readers such as displays included.  vmap is
 * allowed too: a kernel mapping has no read-only form.
 * Documentation/sysmem/uapi.rst lists what this leaves open.
 */
static bool sysmem_dmabuf_writable(const struct dma_buf *dmabuf)
{
	return dmabuf->file->f_mode & FMODE_WRITE;
}

static struct sg_table *sysmem_dmabuf_map(struct dma_buf_attachment *attachment,
					  enum dma_data_direction dir)
{
	struct sysmem_buffer *buf = attachment->dmabuf->priv;

	if (dir == DMA_FROM_DEVICE &&
	    !sysmem_dmabuf_writable(attachment->dmabuf))
		return ERR_PTR(-EACCES);
	if (buf->mem.ops)
		return buf->mem.ops->map(buf->mem.priv, attachment, dir);
	return dma_buf_map_attachment(attachment->priv, dir);
}

static void sysmem_dmabuf_unmap(struct dma_buf_attachment *attachment,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct sysmem_buffer *buf = attachment->dmabuf->priv;

	if (buf->mem.ops)
		buf->mem.ops->unmap(buf->mem.priv, attachment, sgt, dir);
	else
		dma_buf_unmap_attachment(attachment->priv, sgt, dir);
}

/* Hand the memory to the CPU (@for_cpu) or back to the devices. */
static int sysmem_dmabuf_sync(struct dma_buf *dmabuf,
			      enum dma_data_direction dir, bool for_cpu)
{
	struct sysmem_buffer *buf = dmabuf->priv;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	if (dir != DMA_FROM_DEVICE && !sysmem_dmabuf_writable(dmabuf))
		return -EACCES;
	if (buf->mem.ops)
		return buf->mem.ops->sync(buf->mem.priv, for_cpu);
	if (for_cpu)
		return dma_buf_begin_cpu_access(buf->mem.dmabuf, dir);
	return dma_buf_end_cpu_access(buf->mem.dmabuf, dir);
}

static int sysmem_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	return sysmem_dmabuf_sync(dmabuf, dir, true);
}

static int sysmem_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	return sysmem_dmabuf_sync(dmabuf, dir, false);
}

static int sysmem_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf *inner = buf->mem.dmabuf;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE ||
	    (inner && !inner->ops->mmap))
		return -EPERM;
	/*
	 * A private mapping would hide writes in copies: refuse it.  (A
	 * shared mapping of a read-only file has VM_MAYSHARE only.)
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/*
	 * The core checked the range against our size, which is inner's.
	 * The mapping keeps our dma-buf's file (vma->vm_file), and with it
	 * that dma-buf's hold on the buffer: a mapping holds the buffer as
	 * its fd did, strongly or weakly.  The heap only puts its pages in
	 * (see struct sysmem_heap_ops).
	 */
	if (buf->mem.ops)
		return buf->mem.ops->mmap(buf->mem.priv, vma);
	return inner->ops->mmap(inner, vma);
}

/* Only in the ops of buffers whose heap can vmap (sysmem_buffer_export()). */
static int sysmem_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf *inner = buf->mem.dmabuf;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	if (buf->mem.ops)
		return buf->mem.ops->vmap(buf->mem.priv, map);
	return inner->ops->vmap(inner, map);
}

static void sysmem_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf *inner = buf->mem.dmabuf;

	if (buf->mem.ops)
		buf->mem.ops->vunmap(buf->mem.priv, map);
	else if (inner->ops->vunmap)
		inner->ops->vunmap(inner, map);
}

static void sysmem_dmabuf_release(struct dma_buf *dmabuf)
{
	sysmem_buffer_unhold(dmabuf->priv, true);
	sysmem_buffer_put(dmabuf->priv);
}

static void sysmem_weak_dmabuf_release(struct dma_buf *dmabuf)
{
	sysmem_buffer_unhold(dmabuf->priv, false);
	sysmem_buffer_put(dmabuf->priv);
}

#define SYSMEM_DMABUF_OPS(_release, _vmap, _vunmap) {		\
	.attach = sysmem_dmabuf_attach,				\
	.detach = sysmem_dmabuf_detach,				\
	.map_dma_buf = sysmem_dmabuf_map,			\
	.unmap_dma_buf = sysmem_dmabuf_unmap,			\
	.begin_cpu_access = sysmem_dmabuf_begin_cpu_access,	\
	.end_cpu_access = sysmem_dmabuf_end_cpu_access,		\
	.mmap = sysmem_dmabuf_mmap,				\
	.vmap = (_vmap),					\
	.vunmap = (_vunmap),					\
	.release = (_release),					\
}

/*
 * [weak][kernel mapping]: buffers the kernel cannot map (inaccessible
 * domain, or a heap without vmap) have no vmap at all, so that
 * dma_buf_vmap() refuses them quietly instead of warning about a failed
 * exporter vmap.
 */
static const struct dma_buf_ops sysmem_dmabuf_ops[2][2] = {
	{
		SYSMEM_DMABUF_OPS(sysmem_dmabuf_release, NULL, NULL),
		SYSMEM_DMABUF_OPS(sysmem_dmabuf_release, sysmem_dmabuf_vmap,
				  sysmem_dmabuf_vunmap),
	}, {
		SYSMEM_DMABUF_OPS(sysmem_weak_dmabuf_release, NULL, NULL),
		SYSMEM_DMABUF_OPS(sysmem_weak_dmabuf_release,
				  sysmem_dmabuf_vmap, sysmem_dmabuf_vunmap),
	},
};

/**
 * sysmem_dmabuf_set_name() - give a sysmem dma-buf a name
 * @dmabuf: a dma-buf exported by sysmem
 * @name: the name; NULL or "" clears it
 *
 * The name shows in /proc/<pid>/fd links and the dma-buf debugfs views.
 * The dma-buf keeps at most DMA_BUF_NAME_LEN - 1 bytes of it: newer
 * kernels show a longer name as an empty one.  The full name stays in
 * sysmem's own records.
 */
void sysmem_dmabuf_set_name(struct dma_buf *dmabuf, const char *name)
{
	const char *old, *new = NULL;

	if (name && *name) {
		new = kstrndup(name, DMA_BUF_NAME_LEN - 1, GFP_KERNEL);
		if (!new)
			return;	/* the name is only a debugging aid */
	}
	spin_lock(&dmabuf->name_lock);
	old = dmabuf->name;
	dmabuf->name = new;
	spin_unlock(&dmabuf->name_lock);
	kfree(old);
}

/**
 * sysmem_buffer_export() - export a buffer as a new dma-buf
 * @buf: the buffer; the dma-buf takes a reference and a hold of its own
 * @writable: O_RDWR rather than O_RDONLY
 * @weak: a weak dma-buf, which does not keep the buffer alive
 * @name: dma-buf name, may be NULL
 *
 * Return: the dma-buf (one file reference, the caller's), -ENOENT when
 * nothing strong holds the buffer any more, or another ERR_PTR.
 */
struct dma_buf *sysmem_buffer_export(struct sysmem_buffer *buf, bool writable,
				     bool weak, const char *name)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	bool vmap;

	spin_lock(&buf->lock);
	if (!buf->strong) {
		spin_unlock(&buf->lock);
		return ERR_PTR(-ENOENT);
	}
	buf->users++;
	if (!weak)
		buf->strong++;
	/* A strong hold is left, so @mem stays until we unhold. */
	if (buf->mem.ops) {
		info.resv = &buf->resv;
		vmap = buf->mem.ops->vmap;
	} else {
		info.resv = buf->mem.dmabuf->resv;
		vmap = buf->mem.dmabuf->ops->vmap;
	}
	vmap = vmap && buf->domain != SYSMEM_DOMAIN_INACCESSIBLE;
	spin_unlock(&buf->lock);

	info.exp_name = weak ? "sysmem-weak" : "sysmem";
	info.ops = &sysmem_dmabuf_ops[weak][vmap];
	info.size = buf->size;
	info.flags = writable ? O_RDWR : O_RDONLY;
	info.priv = buf;
	kref_get(&buf->ref);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		sysmem_buffer_unhold(buf, !weak);
		sysmem_buffer_put(buf);
		return dmabuf;
	}
	/* A new dma-buf has no name: nothing to clear. */
	if (name && *name)
		sysmem_dmabuf_set_name(dmabuf, name);
	return dmabuf;
}

/**
 * sysmem_dmabuf_buffer() - the sysmem buffer behind a dma-buf
 * @dmabuf: any dma-buf
 *
 * Return: the buffer, or NULL when sysmem did not export @dmabuf.
 */
struct sysmem_buffer *sysmem_dmabuf_buffer(struct dma_buf *dmabuf)
{
	const struct dma_buf_ops *first = &sysmem_dmabuf_ops[0][0];
	const struct dma_buf_ops *last = &sysmem_dmabuf_ops[1][1];

	if (dmabuf->ops >= first && dmabuf->ops <= last)
		return dmabuf->priv;
	return NULL;
}

/**
 * sysmem_buffer_close_weak_file() - a close-weak fd's file for a buffer
 * @buf: the buffer
 *
 * The file polls readable once nothing strong holds @buf any more.
 *
 * Return: the file (O_RDONLY), or an ERR_PTR.
 */
struct file *sysmem_buffer_close_weak_file(struct sysmem_buffer *buf)
{
	struct sysmem_tracker *t, *new;

	/*
	 * Made on the first request: most buffers never have a weak node,
	 * and a tracker for each would cost an allocation per buffer.
	 */
	spin_lock(&buf->lock);
	t = buf->close_weak;
	spin_unlock(&buf->lock);
	if (!t) {
		new = sysmem_tracker_new(0, true);
		if (!new)
			return ERR_PTR(-ENOMEM);
		spin_lock(&buf->lock);
		if (!buf->close_weak) {
			/* It counts 1 while something strong holds @buf. */
			if (buf->strong)
				sysmem_tracker_inc(new);
			buf->close_weak = new;
			new = NULL;
		}
		t = buf->close_weak;
		spin_unlock(&buf->lock);
		sysmem_tracker_put(new);
	}
	/* The buffer's reference keeps @t until the file takes its own. */
	return sysmem_tracking_file(t, 0, "[sysmem-close-weak]",
				    buf->collection_id);
}

/**
 * sysmem_buffer_strong() - whether something strong still holds a buffer
 * @buf: the buffer
 *
 * Once false, false for good: the buffer is gone for weak nodes.
 *
 * Return: true while the buffer's strong count is not 0.
 */
bool sysmem_buffer_strong(struct sysmem_buffer *buf)
{
	bool strong;

	spin_lock(&buf->lock);
	strong = buf->strong;
	spin_unlock(&buf->lock);
	return strong;
}
