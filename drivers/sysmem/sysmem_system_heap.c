// SPDX-License-Identifier: GPL-2.0
/*
 * The "system" heap: zeroed pages from the page allocator, largest
 * blocks first, charged to the allocating task's memory cgroup.  Blocks
 * stay whole (compound pages) from allocation to free, and a freed
 * buffer's blocks go to the pool of cleared pages (sysmem_page_pool.c),
 * from which the next buffers of the same payer are served first.
 *
 * It hands sysmem its memory directly (struct sysmem_mem_ops), with no
 * dma-buf of its own; sysmem's dma-bufs call the operations below.
 * Importers get an sg_table of their own per attachment.  CPU access
 * follows the coherency domain: a CPU-domain buffer is synced for the
 * importers that have it mapped; a RAM-domain buffer is also kept mapped
 * on sysmem's own device so that ending CPU access writes the caches
 * back to memory for any device; an inaccessible buffer cannot be
 * mapped or accessed by the CPU at all.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "sysmem_internal.h"

/*
 * Block orders tried, largest first: 1 MiB and 64 KiB blocks (with 4 KiB
 * pages) are cheap for IOMMUs and TLBs; single pages always work.
 */
static const unsigned int sysmem_system_orders[] = { 8, 4, 0 };

/*
 * Large blocks: no retrying, no reclaim, no warning, since a smaller
 * order follows.  Single pages: reclaim, but fail rather than wake the
 * OOM killer for a participant's request.
 */
#define SYSMEM_HIGH_ORDER_GFP	((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				  __GFP_NORETRY | __GFP_ACCOUNT | __GFP_COMP) & \
				 ~__GFP_RECLAIM)
#define SYSMEM_LOW_ORDER_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
				 __GFP_RETRY_MAYFAIL | __GFP_ACCOUNT)

/**
 * struct sysmem_system_buffer - the memory of one system heap buffer
 * @hbuf: sysmem's request, given back when the memory is freed
 * @pool: the page pool group of the buffer's payer, or NULL
 * @pages: @nr_pages pages: a block of order n (a compound page for
 *	n > 0) is its 2^n pages in a row, head first
 * @nr_pages: number of pages
 * @domain: the coherency domain (SYSMEM_DOMAIN_*)
 * @ram_sgt: for the RAM domain, the pages mapped on sysmem's device
 * @importers: every importer's view of the buffer
 * @few: @pages itself for a buffer of at most SYSMEM_SYSTEM_FEW_PAGES
 *	pages, which then takes one allocation, not two
 */
struct sysmem_system_buffer {
	struct sysmem_heap_buffer *hbuf;
	struct sysmem_pool_group *pool;
	struct page **pages;
	unsigned long nr_pages;
	u32 domain;
	struct sg_table ram_sgt;
	struct sysmem_attachments importers;
	struct page *few[];
};

#define SYSMEM_SYSTEM_FEW_PAGES	16

/* Runs of adjacent pages merge, up to what the importer accepts. */
static int sysmem_system_fill_sgt(struct sg_table *sgt, unsigned int max_seg,
				  void *arg)
{
	struct sysmem_system_buffer *sb = arg;

	return sg_alloc_table_from_pages_segment(sgt, sb->pages, sb->nr_pages,
						 0, sb->nr_pages << PAGE_SHIFT,
						 max_seg, GFP_KERNEL_ACCOUNT);
}

static int sysmem_system_attach(void *mem,
				struct dma_buf_attachment *attachment)
{
	struct sysmem_system_buffer *sb = mem;

	return sysmem_attachments_add(&sb->importers, attachment,
				      sysmem_system_fill_sgt, sb);
}

static void sysmem_system_detach(void *mem,
				 struct dma_buf_attachment *attachment)
{
	struct sysmem_system_buffer *sb = mem;

	sysmem_attachments_remove(&sb->importers, attachment);
}

static struct sg_table *sysmem_system_map(void *mem,
					  struct dma_buf_attachment *attachment,
					  enum dma_data_direction dir)
{
	struct sysmem_system_buffer *sb = mem;

	return sysmem_attachments_map(&sb->importers, attachment, dir);
}

static void sysmem_system_unmap(void *mem,
				struct dma_buf_attachment *attachment,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct sysmem_system_buffer *sb = mem;

	sysmem_attachments_unmap(&sb->importers, attachment, sgt, dir);
}

/* Hand the buffer over to the CPU (@for_cpu) or back to the devices. */
static int sysmem_system_sync(void *mem, bool for_cpu)
{
	struct sysmem_system_buffer *sb = mem;

	if (sb->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	sysmem_attachments_sync(&sb->importers, for_cpu);
	if (sb->domain != SYSMEM_DOMAIN_RAM)
		return 0;
	/*
	 * RAM domain: memory must hold what the CPU wrote, for anyone.
	 * sysmem's device only ever "reads" (DMA_TO_DEVICE): a writable
	 * mapping would overlap every importer's, which DMA-API debugging
	 * reports, and importers' own syncs invalidate what they wrote.
	 */
	if (for_cpu)
		dma_sync_sgtable_for_cpu(sysmem_dma_device(), &sb->ram_sgt,
					 DMA_TO_DEVICE);
	else
		dma_sync_sgtable_for_device(sysmem_dma_device(), &sb->ram_sgt,
					    DMA_TO_DEVICE);
	return 0;
}

static int sysmem_system_mmap(void *mem, struct vm_area_struct *vma)
{
	struct sysmem_system_buffer *sb = mem;

	if (sb->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	return vm_map_pages(vma, sb->pages, sb->nr_pages);
}

static int sysmem_system_vmap(void *mem, struct iosys_map *map)
{
	struct sysmem_system_buffer *sb = mem;
	void *vaddr;

	if (sb->domain == SYSMEM_DOMAIN_INACCESSIBLE)
		return -EPERM;
	vaddr = vmap(sb->pages, sb->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void sysmem_system_vunmap(void *mem, struct iosys_map *map)
{
	vunmap(map->vaddr);
	iosys_map_clear(map);
}

/*
 * Give back the blocks of the first @nr pages, each whole: to the pool
 * when the buffer has one and @pool is set, else to the page allocator.
 */
static void sysmem_system_free_pages(struct sysmem_system_buffer *sb,
				     unsigned long nr, bool pool)
{
	unsigned long i = 0;

	while (i < nr) {
		struct page *page = sb->pages[i];
		unsigned int order = compound_order(page);

		if (pool && sb->pool)
			sysmem_pool_give(sb->pool, page, order);
		else
			__free_pages(page, order);
		i += 1UL << order;
	}
}

static void sysmem_system_release(void *mem)
{
	struct sysmem_system_buffer *sb = mem;
	struct sysmem_heap_buffer *hbuf = sb->hbuf;

	if (sb->domain == SYSMEM_DOMAIN_RAM) {
		dma_unmap_sgtable(sysmem_dma_device(), &sb->ram_sgt,
				  DMA_TO_DEVICE, 0);
		sg_free_table(&sb->ram_sgt);
	}
	sysmem_system_free_pages(sb, sb->nr_pages, true);
	if (sb->pool)
		sysmem_pool_put(sb->pool);
	if (sb->pages != sb->few)
		kvfree(sb->pages);
	sysmem_attachments_destroy(&sb->importers);
	kfree(sb);
	sysmem_heap_buffer_released(hbuf);
}

/*
 * The zone flags that keep pages at or below the physical address
 * @limit: none when every page of RAM is, else the 32-bit DMA zone (the
 * heap's address floor promises no lower limit).
 */
static gfp_t sysmem_system_zone(u64 limit, gfp_t gfp)
{
	if (limit >= sysmem_ram_limit())
		return gfp;
	return (gfp & ~__GFP_HIGHMEM) | __GFP_DMA32;
}

/*
 * One block of @order at or below the physical address @limit: a
 * cleared one from the payer's pool when the limit allows any page,
 * else a zeroed one from the page allocator.
 */
static struct page *sysmem_system_block(struct sysmem_system_buffer *sb,
					unsigned int order, u64 limit)
{
	struct page *page;
	phys_addr_t phys;
	gfp_t gfp;

	if (sb->pool && order >= SYSMEM_POOL_MIN_ORDER &&
	    limit >= sysmem_ram_limit()) {
		page = sysmem_pool_take(sb->pool, order);
		if (page)
			return page;
	}
	gfp = order ? SYSMEM_HIGH_ORDER_GFP : SYSMEM_LOW_ORDER_GFP;
	/*
	 * Pooled blocks need no special release here: a cgroup with a limit
	 * has none, and global reclaim reaches the pool's shrinker.
	 */
	page = alloc_pages(sysmem_system_zone(limit, gfp), order);
	if (!page)
		return NULL;
	phys = page_to_phys(page);
	if (phys + (PAGE_SIZE << order) - 1 > limit) {
		/* The zone should have made this impossible. */
		pr_warn_ratelimited("system heap: page at %pa above the limit %#llx\n",
				    &phys, limit);
		__free_pages(page, order);
		return ERR_PTR(-EFAULT);
	}
	return page;
}

/*
 * Fill @sb->pages with zeroed pages, in the largest blocks that fit and
 * that the pool or the page allocator has, each at or below the
 * physical address @limit.  Return: 0 or -ENOMEM (also when a fatal
 * signal is pending, since the task will never see the buffer).
 */
static int sysmem_system_fill(struct sysmem_system_buffer *sb, u64 limit)
{
	unsigned long done = 0, left = sb->nr_pages, i;
	unsigned int o = 0;

	BUILD_BUG_ON(sysmem_system_orders[0] > SYSMEM_POOL_MAX_ORDER);
	while (left) {
		unsigned int order = sysmem_system_orders[o];
		struct page *page;

		if (fatal_signal_pending(current))
			goto free_pages;
		if ((1UL << order) > left) {
			o++;
			continue;
		}
		page = sysmem_system_block(sb, order, limit);
		if (IS_ERR(page))
			goto free_pages;
		if (!page) {
			if (!order)
				goto free_pages;
			o++;	/* this order is exhausted: go smaller */
			continue;
		}
		for (i = 0; i < (1UL << order); i++)
			sb->pages[done++] = page + i;
		left -= 1UL << order;
	}
	return 0;

free_pages:
	/* Memory is short: give it back rather than pool it. */
	sysmem_system_free_pages(sb, done, false);
	return -ENOMEM;
}

static void *sysmem_system_allocate(struct sysmem_heap *heap,
				    struct sysmem_heap_buffer *hbuf)
{
	struct sysmem_system_buffer *sb;
	int ret = -ENOMEM;

	unsigned long nr_pages = hbuf->size >> PAGE_SHIFT;
	bool few = nr_pages <= SYSMEM_SYSTEM_FEW_PAGES;

	if (nr_pages > totalram_pages())
		return ERR_PTR(-ENOMEM);
	sb = kzalloc(struct_size(sb, few, few ? nr_pages : 0),
		     GFP_KERNEL_ACCOUNT);
	if (!sb)
		return ERR_PTR(-ENOMEM);
	sysmem_attachments_init(&sb->importers);
	sb->hbuf = hbuf;
	sb->domain = hbuf->settings.coherency_domain;
	sb->nr_pages = nr_pages;
	sb->pages = few ? sb->few :
		    kvcalloc(nr_pages, sizeof(*sb->pages), GFP_KERNEL_ACCOUNT);
	if (!sb->pages)
		goto free_sb;
	/*
	 * A buffer of single pages only has no use for the pool; without a
	 * group (no memory for one) a buffer skips it too.
	 */
	if (sb->nr_pages >= 1UL << SYSMEM_POOL_MIN_ORDER)
		sb->pool = sysmem_pool_get();
	ret = sysmem_system_fill(sb, hbuf->settings.max_physical_address);
	if (ret)
		goto free_array;
	if (sb->domain == SYSMEM_DOMAIN_RAM) {
		ret = sg_alloc_table_from_pages_segment(&sb->ram_sgt, sb->pages,
							sb->nr_pages, 0,
							hbuf->size,
							sysmem_max_segment(sysmem_dma_device()),
							GFP_KERNEL_ACCOUNT);
		if (ret)
			goto free_pages;
		ret = dma_map_sgtable(sysmem_dma_device(), &sb->ram_sgt,
				      DMA_TO_DEVICE, 0);
		if (ret)
			goto free_ram_sgt;
	}
	return sb;

free_ram_sgt:
	sg_free_table(&sb->ram_sgt);
free_pages:
	sysmem_system_free_pages(sb, sb->nr_pages, false);
free_array:
	if (sb->pool)
		sysmem_pool_put(sb->pool);
	if (sb->pages != sb->few)
		kvfree(sb->pages);
free_sb:
	sysmem_attachments_destroy(&sb->importers);
	kfree(sb);
	return ERR_PTR(ret);
}

static const struct sysmem_mem_ops sysmem_system_mem_ops = {
	.allocate = sysmem_system_allocate,
	.release = sysmem_system_release,
	.attach = sysmem_system_attach,
	.detach = sysmem_system_detach,
	.map = sysmem_system_map,
	.unmap = sysmem_system_unmap,
	.sync = sysmem_system_sync,
	.mmap = sysmem_system_mmap,
	.vmap = sysmem_system_vmap,
	.vunmap = sysmem_system_vunmap,
};

static struct sysmem_heap *sysmem_system_heap;

/**
 * sysmem_system_heap_init() - register the system heap
 *
 * Its pages come zeroed (__GFP_ZERO) or cleared by the pool's thread,
 * so sysmem only writes the caches back where its device is not
 * coherent.  Starts the page pool first.
 * Return: 0 or -errno.
 */
int sysmem_system_heap_init(void)
{
	const struct sysmem_heap_info info = {
		.name = "system",
		.domains = SYSMEM_DOMAIN_ALL,
		.flags = SYSMEM_HEAP_NEED_FLUSH | SYSMEM_HEAP_MEMCG,
		/* Single pages: a request for more cannot be met. */
		.base_alignment = PAGE_SIZE,
		.address_floor = IS_ENABLED(CONFIG_ZONE_DMA32) ?
				 DMA_BIT_MASK(32) : 0,
	};

	int ret;

	ret = sysmem_pool_init();
	if (ret)
		return ret;
	sysmem_system_heap = sysmem_heap_register_builtin(&info,
							  &sysmem_system_mem_ops);
	if (IS_ERR(sysmem_system_heap)) {
		ret = PTR_ERR(sysmem_system_heap);
		goto exit_pool;
	}
	return 0;

exit_pool:
	sysmem_pool_exit();
	return ret;
}

/**
 * sysmem_system_heap_publish() - publish the system heap under /dev/dma_heap/
 * (which pins the module)
 */
void sysmem_system_heap_publish(void)
{
	sysmem_dma_heap_publish(sysmem_system_heap, "sysmem-system");
}

/**
 * sysmem_system_heap_exit() - unregister the system heap
 */
void sysmem_system_heap_exit(void)
{
	sysmem_heap_unregister(sysmem_system_heap);
	sysmem_pool_exit();
}
