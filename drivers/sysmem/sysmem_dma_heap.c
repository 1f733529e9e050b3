// SPDX-License-Identifier: GPL-2.0
/*
 * Publishing sysmem's built-in heaps under /dev/dma_heap/, for programs
 * that allocate single buffers with DMA_HEAP_IOCTL_ALLOC instead of
 * negotiating a collection.
 *
 * Built only where the kernel exports dma_heap_add() (Kbuild looks for
 * it in the kernel's Module.symvers; Linux 6.1 and 6.12 do not export
 * it).  The dma-heap core has no way to remove a heap, so once a heap is
 * published sysmem pins itself: the module can no longer be unloaded.
 * Module init publishes last, after every step that can fail
 * (sysmem_builtin_heaps_publish()); the publish_dma_heaps parameter turns
 * publishing off for those who need to unload.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/module.h>
#include <linux/overflow.h>

#include "sysmem_internal.h"

#ifdef SYSMEM_NS_IS_STRING
MODULE_IMPORT_NS("DMA_BUF_HEAP");
#else
MODULE_IMPORT_NS(DMA_BUF_HEAP);
#endif

static struct dma_buf *sysmem_dma_heap_allocate(struct dma_heap *dma_heap,
						unsigned long len, u32 fd_flags,
						u64 heap_flags)
{
	struct sysmem_heap *heap = dma_heap_get_drvdata(dma_heap);
	struct sysmem_buffer_settings settings = {
		.buffer_count = 1,
		.coherency_domain = SYSMEM_DOMAIN_CPU,
		.max_physical_address = U64_MAX,
	};
	struct sysmem_payer *payer;
	struct sysmem_buffer *buf;
	struct dma_buf *dmabuf;

	if (!len || len > SIZE_MAX - PAGE_SIZE + 1)
		return ERR_PTR(-EINVAL);
	settings.size_bytes = PAGE_ALIGN(len);
	strscpy(settings.heap, sysmem_heap_name(heap), sizeof(settings.heap));
	/* Outside a collection, the allocating task pays. */
	payer = sysmem_payer_current();
	if (!payer)
		return ERR_PTR(-ENOMEM);
	/* Collection id 0: the buffer belongs to no collection. */
	buf = sysmem_buffer_alloc(heap, settings.size_bytes, &settings, 0, 0,
				  NULL, NULL, payer);
	sysmem_payer_put(payer);
	if (IS_ERR(buf))
		return ERR_CAST(buf);
	dmabuf = sysmem_buffer_export(buf, true, false, "dma-heap");
	/*
	 * The dma-buf took a reference and a hold of its own (or the export
	 * failed): drop the allocation's, so the memory goes back to the
	 * heap when the dma-buf is released.
	 */
	sysmem_buffer_unhold(buf, true);
	sysmem_buffer_put(buf);
	return dmabuf;
}

static const struct dma_heap_ops sysmem_dma_heap_ops = {
	.allocate = sysmem_dma_heap_allocate,
};

/**
 * sysmem_dma_heap_publish() - publish a built-in heap under /dev/dma_heap/
 * @heap: the heap; it must stay registered for as long as the kernel runs
 * @name: the dma-heap name, for example "sysmem-system"
 *
 * A failure is logged and otherwise ignored: sysmem works without it.
 * A published heap pins the module.
 */
void sysmem_dma_heap_publish(struct sysmem_heap *heap, const char *name)
{
	struct dma_heap_export_info info = {
		.name = name,
		.ops = &sysmem_dma_heap_ops,
		.priv = heap,
	};
	struct dma_heap *dma_heap;

	dma_heap = dma_heap_add(&info);
	if (IS_ERR(dma_heap)) {
		pr_warn("cannot publish /dev/dma_heap/%s: %ld\n", name,
			PTR_ERR(dma_heap));
		return;
	}
	/*
	 * The dma-heap core cannot let go of the heap: stay loaded, which
	 * also keeps the built-in heap registered.
	 */
	__module_get(THIS_MODULE);
}
