// SPDX-License-Identifier: GPL-2.0
/*
 * Importer bookkeeping shared by the built-in heaps: each importer of a
 * buffer gets a table of its own, mapped and unmapped on demand, and CPU
 * access syncs every table that is mapped at the time.  The heap says
 * how to build a table; everything else is the same for every heap.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "sysmem_internal.h"

/**
 * struct sysmem_attachment - one importer's view of a buffer
 * @dev: the importing device
 * @sgt: the importer's own table of the memory
 * @link: entry in &sysmem_attachments.list
 * @mapped: @sgt is DMA-mapped for @dev
 * @dir: direction of that mapping
 */
struct sysmem_attachment {
	struct device *dev;
	struct sg_table sgt;
	struct list_head link;
	bool mapped;
	enum dma_data_direction dir;
};

/**
 * sysmem_attachments_init() - a buffer without importers
 * @set: the buffer's importer list
 */
void sysmem_attachments_init(struct sysmem_attachments *set)
{
	mutex_init(&set->lock);
	INIT_LIST_HEAD(&set->list);
}

/**
 * sysmem_attachments_destroy() - the buffer is gone
 * @set: the importer list, empty by now (the dma-buf core detaches every
 *	importer before it releases a dma-buf)
 */
void sysmem_attachments_destroy(struct sysmem_attachments *set)
{
	mutex_destroy(&set->lock);
}

/**
 * sysmem_attachments_add() - a dma-buf attach operation
 * @set: the buffer's importer list
 * @attachment: the new attachment
 * @fill: builds @sgt for the importer, in entries of at most @max_seg
 *	bytes (what the importing device accepts); returns 0 or -errno
 * @arg: for @fill
 *
 * Return: 0 or -errno.
 */
int sysmem_attachments_add(struct sysmem_attachments *set,
			   struct dma_buf_attachment *attachment,
			   int (*fill)(struct sg_table *sgt,
				       unsigned int max_seg, void *arg),
			   void *arg)
{
	struct sysmem_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return -ENOMEM;
	ret = fill(&a->sgt, sysmem_max_segment(attachment->dev), arg);
	if (ret)
		goto free_attachment;
	a->dev = attachment->dev;
	attachment->priv = a;
	mutex_lock(&set->lock);
	list_add(&a->link, &set->list);
	mutex_unlock(&set->lock);
	return 0;

free_attachment:
	kfree(a);
	return ret;
}

/**
 * sysmem_attachments_remove() - a dma-buf detach operation
 * @set: the buffer's importer list
 * @attachment: the attachment going away
 */
void sysmem_attachments_remove(struct sysmem_attachments *set,
			       struct dma_buf_attachment *attachment)
{
	struct sysmem_attachment *a = attachment->priv;

	mutex_lock(&set->lock);
	list_del(&a->link);
	mutex_unlock(&set->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

/**
 * sysmem_attachments_map() - a dma-buf map operation
 * @set: the buffer's importer list
 * @attachment: the importer's attachment
 * @dir: the direction of the transfers
 *
 * Return: the importer's table, mapped for its device, or an ERR_PTR.
 */
struct sg_table *sysmem_attachments_map(struct sysmem_attachments *set,
					struct dma_buf_attachment *attachment,
					enum dma_data_direction dir)
{
	struct sysmem_attachment *a = attachment->priv;
	int ret;

	ret = dma_map_sgtable(a->dev, &a->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&set->lock);
	a->mapped = true;
	a->dir = dir;
	mutex_unlock(&set->lock);
	return &a->sgt;
}

/**
 * sysmem_attachments_unmap() - a dma-buf unmap operation
 * @set: the buffer's importer list
 * @attachment: the importer's attachment
 * @sgt: the table sysmem_attachments_map() returned
 * @dir: the direction it was mapped with
 */
void sysmem_attachments_unmap(struct sysmem_attachments *set,
			      struct dma_buf_attachment *attachment,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	struct sysmem_attachment *a = attachment->priv;

	mutex_lock(&set->lock);
	a->mapped = false;
	mutex_unlock(&set->lock);
	dma_unmap_sgtable(a->dev, sgt, dir, 0);
}

/*
 * Sync one importer's mapping, segment by segment, from the DMA
 * addresses alone.  The importer holds the table while it is mapped, and
 * with CONFIG_DMABUF_DEBUG the dma-buf core of 6.1 and 6.12 scrambles its
 * page links in place for that time (bits kept: the chain and end marks),
 * so the sg-list sync calls, whose DMA-API debugging reads the pages,
 * must not see it.
 */
static void sysmem_attachment_sync(struct sysmem_attachment *a, bool for_cpu)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(&a->sgt, sg, i) {
		if (for_cpu)
			dma_sync_single_for_cpu(a->dev, sg_dma_address(sg),
						sg_dma_len(sg), a->dir);
		else
			dma_sync_single_for_device(a->dev, sg_dma_address(sg),
						   sg_dma_len(sg), a->dir);
	}
}

/**
 * sysmem_attachments_sync() - hand the buffer to the CPU or back
 * @set: the buffer's importer list
 * @for_cpu: to the CPU (begin CPU access) or back to the devices (end)
 *
 * Syncs the mapping of every importer that has the buffer mapped.
 */
void sysmem_attachments_sync(struct sysmem_attachments *set, bool for_cpu)
{
	struct sysmem_attachment *a;

	mutex_lock(&set->lock);
	list_for_each_entry(a, &set->list, link)
		if (a->mapped)
			sysmem_attachment_sync(a, for_cpu);
	mutex_unlock(&set->lock);
}
