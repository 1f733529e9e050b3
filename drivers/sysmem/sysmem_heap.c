// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem heaps: the registry, per-heap accounting in debugfs, and the
 * system heap (zeroed pages from the page allocator).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "sysmem_internal.h"

/* Serialises changes of and walks over sysmem_heaps. */
DEFINE_MUTEX(sysmem_heaps_lock);
/* Every registered struct sysmem_heap, in registration order. */
LIST_HEAD(sysmem_heaps);

static int sysmem_system_alloc(struct sysmem_heap *heap,
			       struct sysmem_buffer *buf)
{
	/* Fail rather than wake the OOM killer for a participant's request. */
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN |
			  __GFP_RETRY_MAYFAIL | __GFP_ACCOUNT;
	unsigned long i;

	if (buf->nr_pages > totalram_pages())
		return -ENOMEM;
	buf->pages = kvcalloc(buf->nr_pages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages)
		return -ENOMEM;
	for (i = 0; i < buf->nr_pages; i++) {
		if (fatal_signal_pending(current))
			goto free_pages;
		buf->pages[i] = alloc_page(gfp);
		if (!buf->pages[i])
			goto free_pages;
	}
	return 0;

free_pages:
	while (i--)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
	buf->pages = NULL;
	return -ENOMEM;
}

static void sysmem_system_free(struct sysmem_heap *heap,
			       struct sysmem_buffer *buf)
{
	unsigned long i;

	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
	buf->pages = NULL;
}

static struct sysmem_heap sysmem_system_heap = {
	.desc = {
		.name = "system",
		.domains = SYSMEM_DOMAIN_ALL,
	},
	.alloc = sysmem_system_alloc,
	.free = sysmem_system_free,
};

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
		seq_printf(s, "%s buffers=%llu bytes=%llu peak=%llu failures=%llu\n",
			   heap->desc.name, buffers, bytes, peak, failures);
	}
	mutex_unlock(&sysmem_heaps_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sysmem_heaps);

static void sysmem_heap_add(struct sysmem_heap *heap)
{
	spin_lock_init(&heap->stats_lock);
	mutex_lock(&sysmem_heaps_lock);
	list_add_tail(&heap->link, &sysmem_heaps);
	mutex_unlock(&sysmem_heaps_lock);
}

/**
 * sysmem_heaps_init() - register the built-in heaps
 * @debugfs: sysmem's debugfs directory, for the "heaps" file
 *
 * Return: 0 (debugfs problems are not fatal).
 */
int sysmem_heaps_init(struct dentry *debugfs)
{
	sysmem_heap_add(&sysmem_system_heap);
	debugfs_create_file("heaps", 0444, debugfs, NULL, &sysmem_heaps_fops);
	return 0;
}

/**
 * sysmem_heaps_exit() - unregister the built-in heaps
 *
 * Called at module exit, when no buffer can be alive any more (every
 * dma-buf holds a reference on the module).
 */
void sysmem_heaps_exit(void)
{
	mutex_lock(&sysmem_heaps_lock);
	list_del(&sysmem_system_heap.link);
	mutex_unlock(&sysmem_heaps_lock);
}
