// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem buffers: memory from a heap, exported as dma-bufs.
 *
 * A buffer may be exported twice, once writable and once read-only,
 * because a dma-buf's access mode belongs to its one struct file.  Both
 * dma-bufs share the pages; the memory goes back to the heap when the
 * collection and every dma-buf (fds, mmaps, attachments) let go.
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

/**
 * struct sysmem_attachment - one importer's view of a buffer
 * @dev: the importing device
 * @sgt: the importer's own copy of the page list
 * @link: entry in sysmem_buffer.attachments
 * @mapped: @sgt is DMA-mapped for @dev
 * @dir: direction of the current mapping
 */
struct sysmem_attachment {
	struct device *dev;
	struct sg_table sgt;
	struct list_head link;
	bool mapped;
	enum dma_data_direction dir;
};

static void sysmem_buffer_release(struct kref *ref)
{
	struct sysmem_buffer *buf = container_of(ref, struct sysmem_buffer, ref);
	struct sysmem_heap *heap = buf->heap;

	heap->free(heap, buf);
	spin_lock(&heap->stats_lock);
	heap->live_buffers--;
	heap->live_bytes -= buf->size;
	spin_unlock(&heap->stats_lock);
	mutex_destroy(&buf->lock);
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
 * sysmem_buffer_alloc() - allocate one zeroed buffer from a heap
 * @heap: the heap
 * @size: size in bytes, page-aligned, not 0
 * @domain: the coherency domain chosen for the collection
 * @collection_id: id of the owning collection
 * @index: index of the buffer in the collection
 *
 * Return: the buffer with one reference, or an ERR_PTR.
 */
struct sysmem_buffer *sysmem_buffer_alloc(struct sysmem_heap *heap,
					  size_t size, u32 domain,
					  u64 collection_id, u32 index)
{
	struct sysmem_buffer *buf;
	int ret;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	kref_init(&buf->ref);
	mutex_init(&buf->lock);
	INIT_LIST_HEAD(&buf->attachments);
	buf->heap = heap;
	buf->size = size;
	buf->domain = domain;
	buf->collection_id = collection_id;
	buf->index = index;
	buf->nr_pages = size >> PAGE_SHIFT;

	ret = heap->alloc(heap, buf);
	spin_lock(&heap->stats_lock);
	if (ret) {
		heap->failures++;
	} else {
		heap->live_buffers++;
		heap->live_bytes += size;
		heap->peak_bytes = max(heap->peak_bytes, heap->live_bytes);
	}
	spin_unlock(&heap->stats_lock);
	if (ret)
		goto free_buf;
	return buf;

free_buf:
	mutex_destroy(&buf->lock);
	kfree(buf);
	return ERR_PTR(ret);
}

static int sysmem_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attachment)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct sysmem_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(&a->sgt, buf->pages, buf->nr_pages, 0,
					buf->size, GFP_KERNEL);
	if (ret)
		goto free_attachment;
	a->dev = attachment->dev;
	attachment->priv = a;
	mutex_lock(&buf->lock);
	list_add(&a->link, &buf->attachments);
	mutex_unlock(&buf->lock);
	return 0;

free_attachment:
	kfree(a);
	return ret;
}

static void sysmem_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attachment)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct sysmem_attachment *a = attachment->priv;

	mutex_lock(&buf->lock);
	list_del(&a->link);
	mutex_unlock(&buf->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

static struct sg_table *sysmem_dmabuf_map(struct dma_buf_attachment *attachment,
					  enum dma_data_direction dir)
{
	struct sysmem_buffer *buf = attachment->dmabuf->priv;
	struct sysmem_attachment *a = attachment->priv;
	int ret;

	ret = dma_map_sgtable(a->dev, &a->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&buf->lock);
	a->mapped = true;
	a->dir = dir;
	mutex_unlock(&buf->lock);
	return &a->sgt;
}

static void sysmem_dmabuf_unmap(struct dma_buf_attachment *attachment,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct sysmem_buffer *buf = attachment->dmabuf->priv;
	struct sysmem_attachment *a = attachment->priv;

	mutex_lock(&buf->lock);
	a->mapped = false;
	mutex_unlock(&buf->lock);
	dma_unmap_sgtable(a->dev, sgt, dir, 0);
}

/* Hand every mapped importer's view over to the CPU or back. */
static int sysmem_dmabuf_sync(struct dma_buf *dmabuf,
			      enum dma_data_direction dir, bool for_cpu)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	struct sysmem_attachment *a;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	mutex_lock(&buf->lock);
	list_for_each_entry(a, &buf->attachments, link) {
		if (!a->mapped)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, dir);
		else
			dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);
	}
	mutex_unlock(&buf->lock);
	return 0;
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

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	/*
	 * A private mapping would hide writes in copies: refuse it.  (A
	 * shared mapping of a read-only file has VM_MAYSHARE only.)
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	return vm_map_pages(vma, buf->pages, buf->nr_pages);
}

static int sysmem_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct sysmem_buffer *buf = dmabuf->priv;
	void *vaddr;

	if (buf->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void sysmem_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	vunmap(map->vaddr);
	iosys_map_clear(map);
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
