// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem_test_heap: heaps and an importer for sysmem's selftests.
 *
 * Registers two heaps through the public heap API (<linux/sysmem.h>):
 *
 *  - "test-secure": SYSMEM_HEAP_SECURE, inaccessible domain only.  Real
 *    pages that devices can attach and map, but mmap, vmap and CPU
 *    access are refused, as they would be for protected memory.
 *  - "test-faulty": every domain, SYSMEM_HEAP_NEED_CLEAR.  Fills its
 *    pages with 0xa5 so that a test sees whether sysmem cleared them,
 *    and fails allocations on demand.
 *
 * Its debugfs directory, /sys/kernel/debug/sysmem_test_heap/, holds:
 *
 *  - fail_next (rw): how many test-faulty allocations to fail;
 *  - fail_after (rw): how many test-faulty allocations still succeed
 *    before those failures (counted only while fail_next is not 0);
 *  - registered (rw): 1 while both heaps are registered; write 0 to
 *    unregister them (live buffers stay usable), 1 to register again;
 *  - hold (rw): while 1, every test-faulty allocation waits in the heap
 *    (killably) until 0 is written, so that a test can look at a
 *    collection while its allocation is under way; writing 0 lets the
 *    waiting ones go on; unloading the module writes 0 too;
 *  - held (r): how many allocations wait there now;
 *  - buffers (r): live buffers and bytes of each heap, and how many
 *    failures were injected;
 *  - import (rw): write a dma-buf fd of the writing process, optionally
 *    followed by a DMA direction ("FD" or "FD DIR", DIR 0 bidirectional,
 *    1 to the device (the default), 2 from the device); the module
 *    attaches its own device to that dma-buf, maps it in that direction,
 *    records what the DMA mapping looked like and lets go again; the
 *    write fails with the map's error.  Reading gives
 *    "segments=N bytes=N dma_addr=0x... vmap=N first=0x... last=0x...
 *    phys_lo=0x... phys_hi=0x... pages_consecutive=N" of the last
 *    import: the lowest and highest address of its memory as the
 *    module's device sees it (without an IOMMU, the physical address),
 *    and whether its DMA segments follow each other.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysmem.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#define TEST_HEAP_PATTERN	0xa5

/*
 * The reservation-lock convention of the importer calls.  From 6.2 the
 * plain dma_buf_map_attachment() expects the dma-buf's reservation lock
 * held and an importer that does not hold it calls the _unlocked forms.
 * On 6.1 a static (non-dynamic) importer calls the plain forms without
 * the lock (6.1 stable gained the _unlocked names too, but the plain
 * forms remain right there).  sysmem's Kbuild probes which kernel this
 * is (SYSMEM_HAVE_DMA_BUF_UNLOCKED), as sysmem itself does.
 */
#ifdef SYSMEM_HAVE_DMA_BUF_UNLOCKED
#define test_map_attachment	dma_buf_map_attachment_unlocked
#define test_unmap_attachment	dma_buf_unmap_attachment_unlocked
#define test_vmap		dma_buf_vmap_unlocked
#define test_vunmap		dma_buf_vunmap_unlocked
#else
#define test_map_attachment	dma_buf_map_attachment
#define test_unmap_attachment	dma_buf_unmap_attachment
#define test_vmap		dma_buf_vmap
#define test_vunmap		dma_buf_vunmap
#endif

/**
 * struct test_heap - one of the module's heaps
 * @info: its registration
 * @heap: the registered heap, NULL while unregistered (under test_reg_lock)
 * @gfp: flags for its pages
 * @live_buffers: buffers allocated and not yet released
 * @live_bytes: bytes of those buffers
 */
struct test_heap {
	struct sysmem_heap_info info;
	struct sysmem_heap *heap;
	gfp_t gfp;
	atomic_long_t live_buffers;
	atomic_long_t live_bytes;
};

/**
 * struct test_buffer - the memory behind one heap dma-buf
 * @th: the heap it came from
 * @sbuf: sysmem's description, handed back on release
 * @pages: @nr_pages pages, not highmem
 * @nr_pages: number of pages
 * @size: size in bytes
 * @lock: protects @attachments and the @mapped fields in it
 * @attachments: struct test_attachment of every importer
 */
struct test_buffer {
	struct test_heap *th;
	struct sysmem_heap_buffer *sbuf;
	struct page **pages;
	unsigned long nr_pages;
	size_t size;
	struct mutex lock;	/* protects @attachments, test_attachment.mapped */
	struct list_head attachments;
};

/**
 * struct test_attachment - one importer of a test buffer
 * @dev: the importing device
 * @sgt: the importer's own page list, DMA-mapped for @dev while @mapped
 * @link: entry in test_buffer.attachments
 * @mapped: @sgt is mapped
 */
struct test_attachment {
	struct device *dev;
	struct sg_table sgt;
	struct list_head link;
	bool mapped;
};

static const struct sysmem_heap_ops test_heap_ops;

static struct test_heap test_secure_heap = {
	.info = {
		.name = "test-secure",
		.ops = &test_heap_ops,
		.priv = &test_secure_heap,
		.domains = SYSMEM_DOMAIN_INACCESSIBLE,
		.flags = SYSMEM_HEAP_SECURE,
	},
	/* Nobody clears a secure heap for it: hand out zeroed pages. */
	.gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL,
};

static struct test_heap test_faulty_heap = {
	.info = {
		.name = "test-faulty",
		.ops = &test_heap_ops,
		.priv = &test_faulty_heap,
		.domains = SYSMEM_DOMAIN_ALL,
		.flags = SYSMEM_HEAP_NEED_CLEAR,
	},
	/* Filled with TEST_HEAP_PATTERN; sysmem must clear it. */
	.gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL,
};

static struct test_heap *const test_heaps[] = {
	&test_secure_heap,
	&test_faulty_heap,
};

/* Serialises registering and unregistering; protects test_heap.heap. */
static DEFINE_MUTEX(test_reg_lock);

/* Protects test_fail_next, test_fail_after and test_fail_injected. */
static DEFINE_MUTEX(test_fail_lock);
static u32 test_fail_next;
static u32 test_fail_after;
static u64 test_fail_injected;

/* test_hold: whether allocations wait; test_held: how many do now. */
static DECLARE_WAIT_QUEUE_HEAD(test_hold_wq);
static bool test_hold;
static atomic_t test_held = ATOMIC_INIT(0);

/* Protects test_import_result and test_import_valid. */
static DEFINE_MUTEX(test_import_lock);
static struct {
	unsigned int segments;
	u64 bytes;
	dma_addr_t dma_addr;
	int vmap;		/* 0, or the error of the kernel mapping */
	u32 first, last;	/* first and last word, read through it */
	u64 phys_lo, phys_hi;	/* lowest byte, highest byte */
	bool consecutive;	/* the pages follow each other */
} test_import_result;
static bool test_import_valid;

static struct platform_device *test_pdev;
static struct dentry *test_debugfs;

static bool test_buffer_secure(struct test_buffer *tb)
{
	return tb->th->info.flags & SYSMEM_HEAP_SECURE;
}

static void test_free_pages(struct page **pages, unsigned long nr_pages)
{
	unsigned long i;

	for (i = 0; i < nr_pages; i++)
		__free_page(pages[i]);
	kvfree(pages);
}

static int test_dmabuf_attach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attachment)
{
	struct test_buffer *tb = dmabuf->priv;
	struct test_attachment *ta;
	int ret;

	ta = kzalloc(sizeof(*ta), GFP_KERNEL);
	if (!ta)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(&ta->sgt, tb->pages, tb->nr_pages, 0,
					tb->size, GFP_KERNEL);
	if (ret)
		goto free_attachment;
	ta->dev = attachment->dev;
	attachment->priv = ta;
	mutex_lock(&tb->lock);
	list_add_tail(&ta->link, &tb->attachments);
	mutex_unlock(&tb->lock);
	return 0;

free_attachment:
	kfree(ta);
	return ret;
}

static void test_dmabuf_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attachment)
{
	struct test_buffer *tb = dmabuf->priv;
	struct test_attachment *ta = attachment->priv;

	mutex_lock(&tb->lock);
	list_del(&ta->link);
	mutex_unlock(&tb->lock);
	sg_free_table(&ta->sgt);
	kfree(ta);
}

static struct sg_table *test_dmabuf_map(struct dma_buf_attachment *attachment,
					enum dma_data_direction dir)
{
	struct test_buffer *tb = attachment->dmabuf->priv;
	struct test_attachment *ta = attachment->priv;
	int ret;

	ret = dma_map_sgtable(ta->dev, &ta->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&tb->lock);
	ta->mapped = true;
	mutex_unlock(&tb->lock);
	return &ta->sgt;
}

static void test_dmabuf_unmap(struct dma_buf_attachment *attachment,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
	struct test_buffer *tb = attachment->dmabuf->priv;
	struct test_attachment *ta = attachment->priv;

	mutex_lock(&tb->lock);
	ta->mapped = false;
	mutex_unlock(&tb->lock);
	dma_unmap_sgtable(ta->dev, sgt, dir, 0);
}

static int test_dmabuf_cpu_access(struct dma_buf *dmabuf,
				  enum dma_data_direction dir, bool begin)
{
	struct test_buffer *tb = dmabuf->priv;
	struct test_attachment *ta;

	if (test_buffer_secure(tb))
		return -EPERM;
	mutex_lock(&tb->lock);
	list_for_each_entry(ta, &tb->attachments, link) {
		if (!ta->mapped)
			continue;
		if (begin)
			dma_sync_sgtable_for_cpu(ta->dev, &ta->sgt, dir);
		else
			dma_sync_sgtable_for_device(ta->dev, &ta->sgt, dir);
	}
	mutex_unlock(&tb->lock);
	return 0;
}

static int test_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	return test_dmabuf_cpu_access(dmabuf, dir, true);
}

static int test_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
				      enum dma_data_direction dir)
{
	return test_dmabuf_cpu_access(dmabuf, dir, false);
}

static int test_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct test_buffer *tb = dmabuf->priv;

	if (test_buffer_secure(tb))
		return -EPERM;
	/* Copy-on-write copies would hide writes from other users. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	return vm_map_pages(vma, tb->pages, tb->nr_pages);
}

static int test_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct test_buffer *tb = dmabuf->priv;
	void *vaddr;

	if (test_buffer_secure(tb))
		return -EPERM;
	vaddr = vmap(tb->pages, tb->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void test_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	vunmap(map->vaddr);
	iosys_map_clear(map);
}

/* The last reference to the heap's dma-buf is gone: give the memory back. */
static void test_dmabuf_release(struct dma_buf *dmabuf)
{
	struct test_buffer *tb = dmabuf->priv;
	struct test_heap *th = tb->th;

	test_free_pages(tb->pages, tb->nr_pages);
	atomic_long_dec(&th->live_buffers);
	atomic_long_sub(tb->size, &th->live_bytes);
	sysmem_heap_buffer_released(tb->sbuf);
	mutex_destroy(&tb->lock);
	kfree(tb);
}

static const struct dma_buf_ops test_dmabuf_ops = {
	.attach = test_dmabuf_attach,
	.detach = test_dmabuf_detach,
	.map_dma_buf = test_dmabuf_map,
	.unmap_dma_buf = test_dmabuf_unmap,
	.begin_cpu_access = test_dmabuf_begin_cpu_access,
	.end_cpu_access = test_dmabuf_end_cpu_access,
	.mmap = test_dmabuf_mmap,
	.vmap = test_dmabuf_vmap,
	.vunmap = test_dmabuf_vunmap,
	.release = test_dmabuf_release,
};

/* Whether this test-faulty allocation is one to fail. */
static bool test_fail_this(void)
{
	bool fail = false;

	mutex_lock(&test_fail_lock);
	if (test_fail_next) {
		if (test_fail_after) {
			test_fail_after--;
		} else {
			test_fail_next--;
			test_fail_injected++;
			fail = true;
		}
	}
	mutex_unlock(&test_fail_lock);
	return fail;
}

/*
 * Wait while the hold knob is on: the caller allocates for a collection
 * and holds its lock all the while.  Return: 0, or -EINTR when killed.
 */
static int test_hold_wait(void)
{
	int ret;

	if (!READ_ONCE(test_hold))
		return 0;
	atomic_inc(&test_held);
	ret = wait_event_killable(test_hold_wq, !READ_ONCE(test_hold));
	atomic_dec(&test_held);
	return ret ? -EINTR : 0;
}

static struct page **test_alloc_pages(struct test_heap *th,
				      unsigned long nr_pages)
{
	struct page **pages;
	unsigned long i;

	pages = kvcalloc(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < nr_pages; i++) {
		if (fatal_signal_pending(current))
			goto free_pages;
		pages[i] = alloc_page(th->gfp);
		if (!pages[i])
			goto free_pages;
		if (th == &test_faulty_heap)
			memset(page_address(pages[i]), TEST_HEAP_PATTERN,
			       PAGE_SIZE);
	}
	return pages;

free_pages:
	test_free_pages(pages, i);
	return NULL;
}

static struct dma_buf *test_heap_allocate(struct sysmem_heap *heap,
					  struct sysmem_heap_buffer *sbuf)
{
	struct test_heap *th = sysmem_heap_priv(heap);
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct test_buffer *tb;
	struct dma_buf *dmabuf;
	int ret = -ENOMEM;

	if (th == &test_faulty_heap) {
		ret = test_hold_wait();
		if (ret)
			return ERR_PTR(ret);
		if (test_fail_this())
			return ERR_PTR(-ENOMEM);
	}
	/* Bound the page array before kvcalloc() sees the size. */
	if (!sbuf->size || !PAGE_ALIGNED(sbuf->size) ||
	    sbuf->size >> PAGE_SHIFT > totalram_pages())
		return ERR_PTR(-ENOMEM);

	tb = kzalloc(sizeof(*tb), GFP_KERNEL);
	if (!tb)
		return ERR_PTR(-ENOMEM);
	mutex_init(&tb->lock);
	INIT_LIST_HEAD(&tb->attachments);
	tb->th = th;
	tb->sbuf = sbuf;
	tb->size = sbuf->size;
	tb->nr_pages = sbuf->size >> PAGE_SHIFT;
	tb->pages = test_alloc_pages(th, tb->nr_pages);
	if (!tb->pages)
		goto free_buffer;

	exp_info.ops = &test_dmabuf_ops;
	exp_info.size = tb->size;
	exp_info.flags = O_RDWR;
	exp_info.priv = tb;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto free_pages;
	}
	atomic_long_inc(&th->live_buffers);
	atomic_long_add(tb->size, &th->live_bytes);
	return dmabuf;

free_pages:
	test_free_pages(tb->pages, tb->nr_pages);
free_buffer:
	mutex_destroy(&tb->lock);
	kfree(tb);
	return ERR_PTR(ret);
}

static const struct sysmem_heap_ops test_heap_ops = {
	.allocate = test_heap_allocate,
};

/* Unregister every registered test heap.  Called under test_reg_lock. */
static void test_heaps_unregister(void)
{
	int i;

	for (i = ARRAY_SIZE(test_heaps) - 1; i >= 0; i--) {
		if (!test_heaps[i]->heap)
			continue;
		sysmem_heap_unregister(test_heaps[i]->heap);
		test_heaps[i]->heap = NULL;
	}
}

/*
 * Register every test heap not registered yet; all or nothing.  Called
 * under test_reg_lock.
 */
static int test_heaps_register(void)
{
	struct sysmem_heap *heap;
	int i;

	for (i = 0; i < ARRAY_SIZE(test_heaps); i++) {
		if (test_heaps[i]->heap)
			continue;
		heap = sysmem_heap_register(&test_heaps[i]->info);
		if (IS_ERR(heap)) {
			pr_err("cannot register heap %s: %pe\n",
			       test_heaps[i]->info.name, heap);
			test_heaps_unregister();
			return PTR_ERR(heap);
		}
		test_heaps[i]->heap = heap;
	}
	return 0;
}

static int test_registered_get(void *data, u64 *val)
{
	mutex_lock(&test_reg_lock);
	*val = test_secure_heap.heap && test_faulty_heap.heap;
	mutex_unlock(&test_reg_lock);
	return 0;
}

static int test_registered_set(void *data, u64 val)
{
	int ret = 0;

	if (val > 1)
		return -EINVAL;
	mutex_lock(&test_reg_lock);
	if (val)
		ret = test_heaps_register();
	else
		test_heaps_unregister();
	mutex_unlock(&test_reg_lock);
	return ret;
}
DEFINE_DEBUGFS_ATTRIBUTE(test_registered_fops, test_registered_get,
			 test_registered_set, "%llu\n");

static int test_fail_get(void *data, u64 *val)
{
	u32 *knob = data;

	mutex_lock(&test_fail_lock);
	*val = *knob;
	mutex_unlock(&test_fail_lock);
	return 0;
}

static int test_fail_set(void *data, u64 val)
{
	u32 *knob = data;

	if (val > U32_MAX)
		return -EINVAL;
	mutex_lock(&test_fail_lock);
	*knob = val;
	mutex_unlock(&test_fail_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(test_fail_fops, test_fail_get, test_fail_set,
			 "%llu\n");

static int test_hold_get(void *data, u64 *val)
{
	*val = READ_ONCE(test_hold);
	return 0;
}

static void test_hold_release(void)
{
	WRITE_ONCE(test_hold, false);
	wake_up_all(&test_hold_wq);
}

static int test_hold_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	if (val)
		WRITE_ONCE(test_hold, true);
	else
		test_hold_release();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(test_hold_fops, test_hold_get, test_hold_set,
			 "%llu\n");

static int test_held_get(void *data, u64 *val)
{
	*val = atomic_read(&test_held);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(test_held_fops, test_held_get, NULL, "%llu\n");

static int test_buffers_show(struct seq_file *s, void *unused)
{
	u64 injected;
	int i;

	for (i = 0; i < ARRAY_SIZE(test_heaps); i++)
		seq_printf(s, "%s buffers=%ld bytes=%ld\n",
			   test_heaps[i]->info.name,
			   atomic_long_read(&test_heaps[i]->live_buffers),
			   atomic_long_read(&test_heaps[i]->live_bytes));
	mutex_lock(&test_fail_lock);
	injected = test_fail_injected;
	mutex_unlock(&test_fail_lock);
	seq_printf(s, "injected_failures=%llu\n", injected);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(test_buffers);

/*
 * Map @dmabuf into the kernel as a driver would to touch it with the CPU
 * and read its first and last word.  Return: 0 or the error.
 */
static int test_vmap_read(struct dma_buf *dmabuf, u32 *first, u32 *last)
{
	struct iosys_map map;
	int ret;

	ret = test_vmap(dmabuf, &map);
	if (ret)
		return ret;
	ret = dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE);
	if (!ret) {
		if (map.is_iomem) {
			ret = -EOPNOTSUPP;
		} else {
			*first = *(u32 *)map.vaddr;
			*last = *(u32 *)(map.vaddr + dmabuf->size - 4);
		}
		dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE);
	}
	test_vunmap(dmabuf, &map);
	return ret;
}

/*
 * Import the dma-buf @fd of the calling process the way a device driver
 * would: attach, map, look at the DMA addresses, unmap, detach; and map
 * it into the kernel to read it.
 */
static int test_import(int fd, enum dma_data_direction dir)
{
	struct dma_buf_attachment *attach;
	struct scatterlist *sg;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	u32 first_word = 0, last_word = 0;
	u64 lo = U64_MAX, hi = 0, next = 0;
	bool consecutive = true;
	dma_addr_t first;
	unsigned int segments;
	u64 bytes = 0;
	int ret = 0;
	int i, vret;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	attach = dma_buf_attach(dmabuf, &test_pdev->dev);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto put_dmabuf;
	}
	sgt = test_map_attachment(attach, dir);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto detach;
	}
	/* After dma_map_sgtable(), nents counts the DMA segments. */
	for_each_sgtable_dma_sg(sgt, sg, i)
		bytes += sg_dma_len(sg);
	first = sgt->nents ? sg_dma_address(sgt->sgl) : 0;
	/*
	 * Where the memory lies, as the device sees it: importers get no
	 * pages from 7.x on (and mangled ones with DMABUF_DEBUG), only DMA
	 * addresses.  The device's mask is 64-bit, so nothing is bounced,
	 * and without an IOMMU (the test guests) DMA addresses are
	 * physical addresses.
	 */
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (i && sg_dma_address(sg) != next)
			consecutive = false;
		lo = min_t(u64, lo, sg_dma_address(sg));
		hi = max_t(u64, hi, sg_dma_address(sg) + sg_dma_len(sg) - 1);
		next = sg_dma_address(sg) + sg_dma_len(sg);
	}
	/* The table is gone after the unmap (7.x frees the core's copy). */
	segments = sgt->nents;
	test_unmap_attachment(attach, sgt, dir);
	vret = test_vmap_read(dmabuf, &first_word, &last_word);

	mutex_lock(&test_import_lock);
	test_import_result.segments = segments;
	test_import_result.bytes = bytes;
	test_import_result.dma_addr = first;
	test_import_result.vmap = vret;
	test_import_result.first = first_word;
	test_import_result.last = last_word;
	test_import_result.phys_lo = lo;
	test_import_result.phys_hi = hi;
	test_import_result.consecutive = consecutive;
	test_import_valid = true;
	mutex_unlock(&test_import_lock);

detach:
	dma_buf_detach(dmabuf, attach);
put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
}

static ssize_t test_import_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	unsigned int dir = DMA_TO_DEVICE;
	char text[32];
	int fd, n, ret;

	if (!count || count >= sizeof(text))
		return -EINVAL;
	if (copy_from_user(text, ubuf, count))
		return -EFAULT;
	text[count] = '\0';
	n = sscanf(text, "%d %u", &fd, &dir);
	if (n < 1 || (dir != DMA_BIDIRECTIONAL && dir != DMA_TO_DEVICE &&
		      dir != DMA_FROM_DEVICE))
		return -EINVAL;
	mutex_lock(&test_import_lock);
	test_import_valid = false;
	mutex_unlock(&test_import_lock);
	ret = test_import(fd, dir);
	return ret ? ret : count;
}

static ssize_t test_import_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char text[256];
	int len;

	mutex_lock(&test_import_lock);
	if (test_import_valid)
		len = scnprintf(text, sizeof(text),
				"segments=%u bytes=%llu dma_addr=%pad vmap=%d first=%#x last=%#x phys_lo=%#llx phys_hi=%#llx pages_consecutive=%d\n",
				test_import_result.segments,
				test_import_result.bytes,
				&test_import_result.dma_addr,
				test_import_result.vmap,
				test_import_result.first,
				test_import_result.last,
				test_import_result.phys_lo,
				test_import_result.phys_hi,
				test_import_result.consecutive);
	else
		len = scnprintf(text, sizeof(text), "none\n");
	mutex_unlock(&test_import_lock);
	return simple_read_from_buffer(ubuf, count, ppos, text, len);
}

static const struct file_operations test_import_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = test_import_read,
	.write = test_import_write,
	.llseek = default_llseek,
};

static void test_debugfs_init(void)
{
	test_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file_unsafe("fail_next", 0600, test_debugfs,
				   &test_fail_next, &test_fail_fops);
	debugfs_create_file_unsafe("fail_after", 0600, test_debugfs,
				   &test_fail_after, &test_fail_fops);
	debugfs_create_file_unsafe("registered", 0600, test_debugfs, NULL,
				   &test_registered_fops);
	debugfs_create_file_unsafe("hold", 0600, test_debugfs, NULL,
				   &test_hold_fops);
	debugfs_create_file_unsafe("held", 0400, test_debugfs, NULL,
				   &test_held_fops);
	debugfs_create_file("buffers", 0444, test_debugfs, NULL,
			    &test_buffers_fops);
	debugfs_create_file("import", 0600, test_debugfs, NULL,
			    &test_import_fops);
}

static int __init test_heap_init(void)
{
	int ret;

	test_pdev = platform_device_register_simple(KBUILD_MODNAME,
						    PLATFORM_DEVID_NONE,
						    NULL, 0);
	if (IS_ERR(test_pdev))
		return PTR_ERR(test_pdev);
	/*
	 * A device that can reach all memory in segments of any length:
	 * what a device behind an IOMMU or a 64-bit DMA engine with
	 * scatter-gather sees, so segment counts reflect the buffer alone.
	 */
	ret = dma_set_mask_and_coherent(&test_pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto unregister_pdev;
	dma_set_max_seg_size(&test_pdev->dev, UINT_MAX);
	dma_set_seg_boundary(&test_pdev->dev, ULONG_MAX);

	mutex_lock(&test_reg_lock);
	ret = test_heaps_register();
	mutex_unlock(&test_reg_lock);
	if (ret)
		goto unregister_pdev;

	test_debugfs_init();
	return 0;

unregister_pdev:
	platform_device_unregister(test_pdev);
	return ret;
}

static void __exit test_heap_exit(void)
{
	/* Waits for the debugfs handlers running now; none start after. */
	debugfs_remove_recursive(test_debugfs);
	/* No allocation can wait in the module once it is gone. */
	test_hold_release();
	/* Every test dma-buf holds a module reference: none is alive. */
	mutex_lock(&test_reg_lock);
	test_heaps_unregister();
	mutex_unlock(&test_reg_lock);
	platform_device_unregister(test_pdev);
}

module_init(test_heap_init);
module_exit(test_heap_exit);

MODULE_DESCRIPTION("sysmem selftest heaps (secure, faulty) and importer");
MODULE_LICENSE("GPL");
SYSMEM_HEAP_IMPORT_NS();
#ifdef SYSMEM_NS_IS_STRING
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif
