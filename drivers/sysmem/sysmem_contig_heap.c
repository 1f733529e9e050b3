// SPDX-License-Identifier: GPL-2.0
/*
 * The "contiguous" heap: one physically contiguous block per buffer,
 * from the DMA API on sysmem's own device.  The DMA API draws on the CMA
 * area where the kernel has one (cma= on the command line, or the
 * platform's) and on the page allocator otherwise, so on a kernel
 * without CMA it serves what the page allocator can give in one block.
 *
 * Every buffer's physical base is aligned to a page, as the kernel's
 * CMA dma-heap aligns its buffers, and to more on request, up to what
 * the DMA API's allocators give (a block is aligned to its order, capped
 * at the CMA alignment and at the largest page order); a buffer smaller
 * than the alignment it asks for takes a block of that size.  A larger
 * floor would cost every small buffer a block of the floor's size: with
 * 64 KiB, sixteen times a 4 KiB buffer's CMA and clearing.  A buffer
 * that must lie below the end of RAM is allocated on sysmem's 32-bit
 * device, which the DMA API serves below 4 GiB.  The memory is
 * non-coherent DMA memory: it is handed to the CPU and back with the DMA
 * sync calls around CPU access.
 *
 * Clearing.  The heap asks dma_alloc_pages() for __GFP_ZERO and sysmem
 * does not clear again (no SYSMEM_HEAP_NEED_CLEAR).  That rests on the
 * documented interface, not on what the allocator happens to do:
 * Documentation/core-api/dma-api.rst (6.1 to 7.2) says dma_alloc_pages()
 * takes the GFP_ flags of kmalloc() and rejects only the zone ones, and
 * __GFP_ZERO means a zeroed page on success (include/linux/gfp_types.h).
 * Where the block comes from a CMA area, which does not zero, the DMA
 * API's own clear is then the only one; the kernel's CMA dma-heap,
 * which calls cma_alloc() and clears, clears once too.  (cma_alloc()
 * itself is exported to modules only from Linux 7.2 on, so sysmem goes
 * through the DMA API on every kernel.)  The CPU writes of the clear
 * are written back for devices by sysmem's flush
 * (SYSMEM_HEAP_NEED_FLUSH) where sysmem's device is not coherent.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "sysmem_internal.h"

/*
 * The largest alignment the DMA API gives a block: its order, up to the
 * largest block the page allocator has (MAX_ORDER_NR_PAGES pages on
 * every version, whatever the order constants are called) and, for
 * blocks from a CMA area, up to CONFIG_CMA_ALIGNMENT.
 */
#define SYSMEM_CONTIG_MAX_BLOCK	((u64)PAGE_SIZE * MAX_ORDER_NR_PAGES)
#ifdef CONFIG_DMA_CMA
#define SYSMEM_CONTIG_MAX_ALIGN \
	min_t(u64, (u64)PAGE_SIZE << CONFIG_CMA_ALIGNMENT, \
	      SYSMEM_CONTIG_MAX_BLOCK)
#else
#define SYSMEM_CONTIG_MAX_ALIGN	SYSMEM_CONTIG_MAX_BLOCK
#endif

/*
 * Direction of sysmem's own mapping of each block.  sysmem's device
 * never writes to memory: it holds the block so that CPU writes can be
 * written back for every device.  DMA_TO_DEVICE says so, and keeps
 * DMA-API debugging from taking the importers' mappings of the same
 * block for overlapping device-writable mappings (cacheline tracking
 * EEXIST).  Importers' own syncs invalidate what they wrote.
 */
#define SYSMEM_CONTIG_DIR	DMA_TO_DEVICE

/**
 * struct sysmem_contig_buffer - the memory of one contiguous buffer
 * @hbuf: sysmem's request, given back when the memory is freed
 * @dev: the device the block was allocated on
 * @page: the first page of the block
 * @dma_addr: the block's address for sysmem's device
 * @alloc_size: bytes allocated (at least the alignment asked for)
 * @size: bytes of the buffer, at most @alloc_size
 * @domain: the coherency domain (SYSMEM_DOMAIN_*)
 * @importers: every importer's view of the buffer
 */
struct sysmem_contig_buffer {
	struct sysmem_heap_buffer *hbuf;
	struct device *dev;
	struct page *page;
	dma_addr_t dma_addr;
	size_t alloc_size;
	size_t size;
	u32 domain;
	struct sysmem_attachments importers;
};

/*
 * The block as a table of entries of at most @max_seg bytes: one entry
 * when the importer takes segments that long (it still gets one
 * contiguous range either way).
 */
static int sysmem_contig_sgt(struct sg_table *sgt, unsigned int max_seg,
			     void *arg)
{
	const struct sysmem_contig_buffer *cb = arg;
	unsigned int nents = DIV_ROUND_UP(cb->size, max_seg);
	struct scatterlist *sg;
	size_t offset = 0;
	unsigned int i;
	int ret;

	ret = sg_alloc_table(sgt, nents, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	for_each_sgtable_sg(sgt, sg, i) {
		size_t len = min_t(size_t, cb->size - offset, max_seg);

		sg_set_page(sg, cb->page + (offset >> PAGE_SHIFT), len, 0);
		offset += len;
	}
	return 0;
}

static int sysmem_contig_attach(void *mem,
				struct dma_buf_attachment *attachment)
{
	struct sysmem_contig_buffer *cb = mem;

	return sysmem_attachments_add(&cb->importers, attachment,
				      sysmem_contig_sgt, cb);
}

static void sysmem_contig_detach(void *mem,
				 struct dma_buf_attachment *attachment)
{
	struct sysmem_contig_buffer *cb = mem;

	sysmem_attachments_remove(&cb->importers, attachment);
}

static struct sg_table *sysmem_contig_map(void *mem,
					  struct dma_buf_attachment *attachment,
					  enum dma_data_direction dir)
{
	struct sysmem_contig_buffer *cb = mem;

	return sysmem_attachments_map(&cb->importers, attachment, dir);
}

static void sysmem_contig_unmap(void *mem,
				struct dma_buf_attachment *attachment,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct sysmem_contig_buffer *cb = mem;

	sysmem_attachments_unmap(&cb->importers, attachment, sgt, dir);
}

/* Hand the block over to the CPU (@for_cpu) or back to the devices. */
static int sysmem_contig_sync(void *mem, bool for_cpu)
{
	struct sysmem_contig_buffer *cb = mem;

	if (cb->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	sysmem_attachments_sync(&cb->importers, for_cpu);
	/*
	 * The block itself is owned by sysmem's device between accesses;
	 * see SYSMEM_CONTIG_DIR.  Ending CPU access writes the caches back.
	 */
	if (for_cpu)
		dma_sync_single_for_cpu(cb->dev, cb->dma_addr,
					cb->size, SYSMEM_CONTIG_DIR);
	else
		dma_sync_single_for_device(cb->dev, cb->dma_addr,
					   cb->size, SYSMEM_CONTIG_DIR);
	return 0;
}

static int sysmem_contig_mmap(void *mem, struct vm_area_struct *vma)
{
	struct sysmem_contig_buffer *cb = mem;

	if (cb->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	return dma_mmap_pages(cb->dev, vma, cb->alloc_size,
			      cb->page);
}

static int sysmem_contig_vmap(void *mem, struct iosys_map *map)
{
	struct sysmem_contig_buffer *cb = mem;

	/*
	 * Even for an inaccessible buffer, like every heap's (sysmem's own
	 * dma-bufs refuse vmap of inaccessible buffers to everyone else).
	 * The block is in the linear map unless it is high memory.
	 */
	if (PageHighMem(cb->page))
		return -ENOMEM;
	iosys_map_set_vaddr(map, page_address(cb->page));
	return 0;
}

static void sysmem_contig_vunmap(void *mem, struct iosys_map *map)
{
	iosys_map_clear(map);
}

static void sysmem_contig_release(void *mem)
{
	struct sysmem_contig_buffer *cb = mem;
	struct sysmem_heap_buffer *hbuf = cb->hbuf;

	dma_free_pages(cb->dev, cb->alloc_size, cb->page,
		       cb->dma_addr, SYSMEM_CONTIG_DIR);
	sysmem_attachments_destroy(&cb->importers);
	kfree(cb);
	sysmem_heap_buffer_released(hbuf);
}

static void *sysmem_contig_allocate(struct sysmem_heap *heap,
				    struct sysmem_heap_buffer *hbuf)
{
	struct sysmem_contig_buffer *cb;
	phys_addr_t phys;
	u64 align, limit;

	cb = kzalloc(sizeof(*cb), GFP_KERNEL_ACCOUNT);
	if (!cb)
		return ERR_PTR(-ENOMEM);
	sysmem_attachments_init(&cb->importers);
	cb->hbuf = hbuf;
	cb->domain = hbuf->settings.coherency_domain;
	cb->size = hbuf->size;
	align = max_t(u64, hbuf->settings.min_physical_base_alignment,
		      PAGE_SIZE);
	limit = hbuf->settings.max_physical_address;
	cb->dev = limit < sysmem_ram_limit() ? sysmem_dma32_device() :
					       sysmem_dma_device();
	/*
	 * A block's alignment follows its size: allocate at least the
	 * alignment, the footprint sysmem counted for the buffer.
	 */
	cb->alloc_size = sysmem_buffer_footprint(hbuf->size, &hbuf->settings);
	/* Zeroed by the DMA API: see "Clearing" at the top. */
	cb->page = dma_alloc_pages(cb->dev, cb->alloc_size,
				   &cb->dma_addr, SYSMEM_CONTIG_DIR,
				   GFP_KERNEL | __GFP_NOWARN | __GFP_ZERO);
	if (!cb->page) {
		pr_info_ratelimited("contiguous heap: no %zu contiguous bytes\n",
				    cb->alloc_size);
		goto free_cb;
	}
	/*
	 * The handle of pages dma_alloc_pages() returned is always valid,
	 * but DMA-API debugging (6.1) records it as a mapping whose error
	 * check is still due and complains when it is freed unchecked.
	 */
	if (dma_mapping_error(cb->dev, cb->dma_addr))
		goto free_block;
	phys = page_to_phys(cb->page);
	if (!IS_ALIGNED(phys, align) || phys + cb->alloc_size - 1 > limit) {
		pr_warn_ratelimited("contiguous heap: block at %pa is not %llu-byte aligned below %#llx\n",
				    &phys, align, limit);
		goto free_block;
	}
	return cb;

free_block:
	dma_free_pages(cb->dev, cb->alloc_size, cb->page,
		       cb->dma_addr, SYSMEM_CONTIG_DIR);
free_cb:
	sysmem_attachments_destroy(&cb->importers);
	kfree(cb);
	return ERR_PTR(-ENOMEM);
}

static const struct sysmem_mem_ops sysmem_contig_mem_ops = {
	.allocate = sysmem_contig_allocate,
	.release = sysmem_contig_release,
	.attach = sysmem_contig_attach,
	.detach = sysmem_contig_detach,
	.map = sysmem_contig_map,
	.unmap = sysmem_contig_unmap,
	.sync = sysmem_contig_sync,
	.mmap = sysmem_contig_mmap,
	.vmap = sysmem_contig_vmap,
	.vunmap = sysmem_contig_vunmap,
};

static struct sysmem_heap *sysmem_contig_heap;

/**
 * sysmem_contig_heap_init() - register the contiguous heap
 *
 * Return: 0 or -errno.
 */
int sysmem_contig_heap_init(void)
{
	const struct sysmem_heap_info info = {
		.name = "contiguous",
		.domains = SYSMEM_DOMAIN_ALL,
		.flags = SYSMEM_HEAP_CONTIGUOUS | SYSMEM_HEAP_NEED_FLUSH,
		.base_alignment = PAGE_SIZE,
		.max_base_alignment = SYSMEM_CONTIG_MAX_ALIGN,
		.address_floor = IS_ENABLED(CONFIG_ZONE_DMA32) ?
				 DMA_BIT_MASK(32) : 0,
	};

	sysmem_contig_heap = sysmem_heap_register_builtin(&info,
							  &sysmem_contig_mem_ops);
	if (IS_ERR(sysmem_contig_heap))
		return PTR_ERR(sysmem_contig_heap);
	return 0;
}

/**
 * sysmem_contig_heap_publish() - publish the contiguous heap under
 * /dev/dma_heap/ (which pins the module)
 */
void sysmem_contig_heap_publish(void)
{
	sysmem_dma_heap_publish(sysmem_contig_heap, "sysmem-contiguous");
}

/**
 * sysmem_contig_heap_exit() - unregister the contiguous heap
 */
void sysmem_contig_heap_exit(void)
{
	sysmem_heap_unregister(sysmem_contig_heap);
}
