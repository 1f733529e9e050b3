// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem buffers: a heap's dma-buf, exported to participants as dma-bufs
 * of sysmem's own.
 *
 * A buffer may be exported twice, once writable and once read-only,
 * because a dma-buf's access mode belongs to its one struct file.  Both
 * forward to the heap's dma-buf; sysmem drops that when the collection
 * and every sysmem dma-buf (fds, mmaps, attachments) have let go, and
 * the heap frees the memory when its dma-buf is released.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "sysmem_internal.h"

static void sysmem_buffer_release(struct kref *ref)
{
	struct sysmem_buffer *buf = container_of(ref, struct sysmem_buffer, ref);

	/* The heap frees the memory when its dma-buf goes. */
	dma_buf_put(buf->dmabuf);
	kfree(buf);
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
 * sysmem_buffer_alloc() - allocate one cleared buffer from a heap
 * @heap: the heap, with a reference held by the caller
 * @size: size in bytes, page-aligned, not 0
 * @settings: the collection's settings
 * @collection_id: id of the owning collection
 * @index: index of the buffer in the collection
 * @tracker: counts the buffer until its memory is back, or NULL
 *
 * Return: the buffer with one reference, or an ERR_PTR.
 */
struct sysmem_buffer *sysmem_buffer_alloc(struct sysmem_heap *heap, size_t size,
					  const struct sysmem_buffer_settings *settings,
					  u64 collection_id, u32 index,
					  struct sysmem_tracker *tracker)
{
	struct sysmem_buffer *buf;
	struct dma_buf *dmabuf;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	dmabuf = sysmem_heap_allocate(heap, size, settings, collection_id,
				      index, tracker);
	if (IS_ERR(dmabuf)) {
		kfree(buf);
		return ERR_CAST(dmabuf);
	}
	kref_init(&buf->ref);
	buf->dmabuf = dmabuf;
	buf->size = size;
	buf->domain = settings->coherency_domain;
	buf->collection_id = collection_id;
	buf->index = index;
	return buf;
}

/*
 * sysmem's dma-bufs forward to the heap's, with which they share the
 * reservation object.  Attach, map and CPU access go through the dma-buf
 * API; the importer's locking then covers both.  mmap and vmap call the
 * heap's operations directly: the dma-buf core calls ours with the
 * (shared) reservation lock held on kernels that lock there, and with
 * the outer dma-buf's vmap mutex held on those that use one, so going
 * through dma_buf_mmap() or dma_buf_vmap() would lock twice.
 */
static int sysmem_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attachment)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf_attachment *inner;

	inner = dma_buf_attach(buf->dmabuf, attachment->dev);
	if (IS_ERR(inner))
		return PTR_ERR(inner);
	attachment->priv = inner;
	return 0;
}

static void sysmem_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attachment)
{
	struct sysmem_buffer *buf = dmabuf->priv;

	dma_buf_detach(buf->dmabuf, attachment->priv);
}

static struct sg_table *sysmem_dmabuf_map(struct dma_buf_attachment *attachment,
					  enum dma_data_direction dir)
{
	return dma_buf_map_attachment(attachment->priv, dir);
}

static void sysmem_dmabuf_unmap(struct dma_buf_attachment *attachment,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	dma_buf_unmap_attachment(attachment->priv, sgt, dir);
}

static int sysmem_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	struct sysmem_buffer *buf = dmabuf->priv;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	return dma_buf_begin_cpu_access(buf->dmabuf, dir);
}

static int sysmem_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	struct sysmem_buffer *buf = dmabuf->priv;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	return dma_buf_end_cpu_access(buf->dmabuf, dir);
}

static int sysmem_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf *inner = buf->dmabuf;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE || !inner->ops->mmap)
		return -EPERM;
	/*
	 * A private mapping would hide writes in copies: refuse it.  (A
	 * shared mapping of a read-only file has VM_MAYSHARE only.)
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/* The core checked the range against our size, which is inner's. */
	vma_set_file(vma, inner->file);
	return inner->ops->mmap(inner, vma);
}

static int sysmem_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf *inner = buf->dmabuf;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE || !inner->ops->vmap)
		return -EPERM;
	return inner->ops->vmap(inner, map);
}

static void sysmem_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct dma_buf *inner = buf->dmabuf;

	if (inner->ops->vunmap)
		inner->ops->vunmap(inner, map);
}

static void sysmem_dmabuf_release(struct dma_buf *dmabuf)
{
	sysmem_buffer_put(dmabuf->priv);
}

static const struct dma_buf_ops sysmem_dmabuf_ops = {
	.attach = sysmem_dmabuf_attach,
	.detach = sysmem_dmabuf_detach,
	.map_dma_buf = sysmem_dmabuf_map,
	.unmap_dma_buf = sysmem_dmabuf_unmap,
	.begin_cpu_access = sysmem_dmabuf_begin_cpu_access,
	.end_cpu_access = sysmem_dmabuf_end_cpu_access,
	.mmap = sysmem_dmabuf_mmap,
	.vmap = sysmem_dmabuf_vmap,
	.vunmap = sysmem_dmabuf_vunmap,
	.release = sysmem_dmabuf_release,
};

/**
 * sysmem_dmabuf_set_name() - give a sysmem dma-buf a name
 * @dmabuf: a dma-buf exported by sysmem
 * @name: the name; NULL or "" clears it
 *
 * The name shows in /proc/<pid>/fd links and the dma-buf debugfs views.
 */
void sysmem_dmabuf_set_name(struct dma_buf *dmabuf, const char *name)
{
	const char *old, *new = NULL;

	if (name && *name) {
		new = kstrdup(name, GFP_KERNEL);
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
 * @buf: the buffer; the dma-buf takes a reference of its own
 * @writable: O_RDWR rather than O_RDONLY
 * @name: dma-buf name, may be NULL
 *
 * Return: the dma-buf (one file reference, the caller's), or an ERR_PTR.
 */
struct dma_buf *sysmem_buffer_export(struct sysmem_buffer *buf, bool writable,
				     const char *name)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	info.exp_name = "sysmem";
	info.ops = &sysmem_dmabuf_ops;
	info.size = buf->size;
	info.flags = writable ? O_RDWR : O_RDONLY;
	info.priv = buf;
	info.resv = buf->dmabuf->resv;
	kref_get(&buf->ref);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		sysmem_buffer_put(buf);
		return dmabuf;
	}
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
	return dmabuf->ops == &sysmem_dmabuf_ops ? dmabuf->priv : NULL;
}
