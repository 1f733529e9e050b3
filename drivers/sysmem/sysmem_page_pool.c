// SPDX-License-Identifier: GPL-2.0
/*
 * The system heap's pool of cleared pages.
 *
 * A freed system heap buffer gives its blocks (compound pages of the
 * heap's orders) to the pool instead of the page allocator.  They are
 * dirty until a low-priority kernel thread has cleared them; only then
 * can an allocation take them, so a warm allocation skips clearing and
 * never waits for it, and no page is handed out that was not cleared
 * after its last use.
 *
 * Memory cgroups.  A block stays charged to the memory cgroup that paid
 * for it (__GFP_ACCOUNT at its first allocation), so the pool keeps one
 * group of blocks per memory cgroup and gives a buffer only blocks of
 * its payer's group: a pooled block is charged exactly as a fresh one
 * would be, and no cgroup can use another's memory.  Pooled blocks keep
 * counting in their cgroup's memory.current; a group unused for
 * SYSMEM_POOL_IDLE or whose cgroup went offline is freed by the thread.
 * Reclaim inside a cgroup at its limit does not reach the shrinker
 * below (it is not memcg-aware), so blocks of a cgroup with a limit
 * (memory.max or memory.high, on it or on an ancestor) are not pooled:
 * they are freed as before, and such a cgroup's processes never lose
 * memory to the pool.
 *
 * Single pages are not pooled: the page allocator's per-CPU lists
 * already keep them at hand, and clearing one costs less than handing
 * it to the thread.
 *
 * Bounds.  The pool holds at most pool_max_mb (module parameter) in all;
 * a block over it is freed at once.  A shrinker gives pooled blocks back
 * under memory pressure, dirty ones first.  A block that someone else
 * still holds a reference to (a page pinned through a mapping of the
 * buffer) is never pooled.  debugfs "pool" shows the counts.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/freezer.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/wait.h>

#include "sysmem_internal.h"

/* A group unused for this long is given back to the page allocator. */
#define SYSMEM_POOL_IDLE	(10 * HZ)

/**
 * struct sysmem_pool_group - the pooled blocks charged to one memory cgroup
 * @link: entry in sysmem_pool.groups
 * @memcg: the memory cgroup (a reference), NULL without memory cgroups
 * @users: buffers that will give their blocks here, plus the thread
 *	while it clears one of the group's blocks
 * @dirty: blocks still to be cleared, any order
 * @clean: cleared blocks, by order
 * @pages: pages in @dirty and @clean
 * @last_used: jiffies of the last block taken from or given to the group
 */
struct sysmem_pool_group {
	struct list_head link;
	struct mem_cgroup *memcg;
	unsigned int users;
	struct list_head dirty;
	struct list_head clean[SYSMEM_POOL_MAX_ORDER + 1];
	unsigned long pages;
	unsigned long last_used;
};

/*
 * The pool.  @lock protects every field below it and every group's
 * fields but @memcg; it is a leaf lock (see sysmem_core.h).
 */
static struct {
	spinlock_t lock;	/* protects everything below */
	struct list_head groups;
	unsigned long pages;	/* pooled, dirty or clean, in all groups */
	unsigned long dirty;	/* pages waiting to be cleared */
	unsigned long clearing;	/* pages the thread is clearing */
	u64 hits;		/* blocks handed out from the pool */
	u64 pooled;		/* blocks taken into the pool */
	u64 refused;		/* blocks freed at once (bound, pinned) */
	u64 cleared;		/* blocks cleared by the thread */
	u64 shrunk;		/* pages given back by the shrinker */
	u64 trimmed;		/* pages given back for the bound, idleness */
	struct task_struct *thread;
	wait_queue_head_t wait;
} sysmem_pool = {
	.lock = __SPIN_LOCK_UNLOCKED(sysmem_pool.lock),
	.groups = LIST_HEAD_INIT(sysmem_pool.groups),
	.wait = __WAIT_QUEUE_HEAD_INITIALIZER(sysmem_pool.wait),
};

static unsigned int pool_max_mb = 64;

static unsigned long sysmem_pool_max_pages(void)
{
	return (unsigned long)READ_ONCE(pool_max_mb) << (20 - PAGE_SHIFT);
}

static int sysmem_pool_max_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	/* The thread trims the pool down to a lower bound. */
	if (!ret)
		wake_up(&sysmem_pool.wait);
	return ret;
}

static const struct kernel_param_ops sysmem_pool_max_ops = {
	.set = sysmem_pool_max_set,
	.get = param_get_uint,
};
module_param_cb(pool_max_mb, &sysmem_pool_max_ops, &pool_max_mb, 0644);
MODULE_PARM_DESC(pool_max_mb,
		 "Most MiB of freed system heap pages kept cleared for reuse; 0 turns the pool off (default: 64)");

static unsigned long sysmem_memcg_ino(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	return memcg ? cgroup_ino(memcg->css.cgroup) : 0;
#else
	return 0;
#endif
}

/* No memory.max or memory.high on @memcg or any ancestor. */
static bool sysmem_memcg_unlimited(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	for (; memcg; memcg = parent_mem_cgroup(memcg))
		if (READ_ONCE(memcg->memory.max) != PAGE_COUNTER_MAX ||
		    READ_ONCE(memcg->memory.high) != PAGE_COUNTER_MAX)
			return false;
#endif
	return true;
}

/* Whether the blocks of @g may stay in the pool. */
static bool sysmem_pool_may_keep(struct sysmem_pool_group *g)
{
	if (!g->memcg)
		return true;
	return mem_cgroup_online(g->memcg) && sysmem_memcg_unlimited(g->memcg);
}

static struct sysmem_pool_group *sysmem_pool_find(struct mem_cgroup *memcg)
{
	struct sysmem_pool_group *g;

	list_for_each_entry(g, &sysmem_pool.groups, link)
		if (g->memcg == memcg)
			return g;
	return NULL;
}

/*
 * Unlink @g onto @dead once nothing refers to it and it holds no block.
 * Called with the lock held; sysmem_pool_free_groups() frees them.
 */
static void sysmem_pool_reap(struct sysmem_pool_group *g,
			     struct list_head *dead)
{
	if (!g->users && !g->pages)
		list_move(&g->link, dead);
}

static void sysmem_pool_free_groups(struct list_head *dead)
{
	struct sysmem_pool_group *g, *next;

	list_for_each_entry_safe(g, next, dead, link) {
		mem_cgroup_put(g->memcg);
		kfree(g);
	}
}

/* Free blocks linked through page->lru, each of its own order. */
static void sysmem_pool_free_blocks(struct list_head *blocks)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, blocks, lru) {
		list_del(&page->lru);
		__free_pages(page, compound_order(page));
	}
}

/**
 * sysmem_pool_get() - the pool group of the active memory cgroup
 *
 * The caller allocates with the payer's memory cgroup active
 * (sysmem_payer_enter()), or as the paying task itself.
 *
 * Return: the group, with a use the caller gives back with
 * sysmem_pool_put(), or NULL without memory (then the buffer does
 * without the pool).
 */
struct sysmem_pool_group *sysmem_pool_get(void)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(NULL);
	struct sysmem_pool_group *g, *new;
	unsigned int o;

	spin_lock(&sysmem_pool.lock);
	g = sysmem_pool_find(memcg);
	if (g)
		goto found;
	spin_unlock(&sysmem_pool.lock);

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new) {
		mem_cgroup_put(memcg);
		return NULL;
	}
	new->memcg = memcg;
	INIT_LIST_HEAD(&new->dirty);
	for (o = 0; o <= SYSMEM_POOL_MAX_ORDER; o++)
		INIT_LIST_HEAD(&new->clean[o]);
	new->last_used = jiffies;

	spin_lock(&sysmem_pool.lock);
	g = sysmem_pool_find(memcg);
	if (g) {	/* another allocation made it meanwhile */
		kfree(new);
		goto found;
	}
	g = new;
	list_add(&g->link, &sysmem_pool.groups);
	g->users++;
	spin_unlock(&sysmem_pool.lock);
	return g;	/* the group keeps the memory cgroup's reference */

found:
	g->users++;
	spin_unlock(&sysmem_pool.lock);
	mem_cgroup_put(memcg);
	return g;
}

/**
 * sysmem_pool_put() - give back a use of a pool group
 * @g: the group, from sysmem_pool_get()
 */
void sysmem_pool_put(struct sysmem_pool_group *g)
{
	LIST_HEAD(dead);

	spin_lock(&sysmem_pool.lock);
	g->users--;
	sysmem_pool_reap(g, &dead);
	spin_unlock(&sysmem_pool.lock);
	sysmem_pool_free_groups(&dead);
}

/**
 * sysmem_pool_take() - a cleared block from a pool group
 * @g: the group of the allocation's payer
 * @order: the block's order, at most SYSMEM_POOL_MAX_ORDER
 *
 * Never waits: a block still being cleared is not offered.
 *
 * Return: a compound page of @order (order 0: a single page) whose
 * contents are zero, charged to @g's memory cgroup, or NULL.
 */
struct page *sysmem_pool_take(struct sysmem_pool_group *g, unsigned int order)
{
	struct page *page;

	spin_lock(&sysmem_pool.lock);
	page = list_first_entry_or_null(&g->clean[order], struct page, lru);
	if (page) {
		list_del(&page->lru);
		g->pages -= 1UL << order;
		sysmem_pool.pages -= 1UL << order;
		sysmem_pool.hits++;
		g->last_used = jiffies;
	}
	spin_unlock(&sysmem_pool.lock);
	return page;
}

/**
 * sysmem_pool_give() - give a freed block to the pool, or free it
 * @g: the group of the buffer's payer
 * @page: the block: a compound page of @order, or a single page
 * @order: its order, at most SYSMEM_POOL_MAX_ORDER
 *
 * The block goes to @g to be cleared, unless it is a single page, the
 * pool is full, @g's memory cgroup has a limit or someone else still
 * holds a reference to the block; then it is freed (and the page allocator frees it when the
 * last reference goes).
 */
void sysmem_pool_give(struct sysmem_pool_group *g, struct page *page,
		      unsigned int order)
{
	unsigned long nr = 1UL << order;
	bool pooled = false, wake = false;

	if (order < SYSMEM_POOL_MIN_ORDER) {
		__free_pages(page, order);
		return;
	}
	if (page_ref_count(page) == 1 && sysmem_pool_may_keep(g)) {
		spin_lock(&sysmem_pool.lock);
		if (sysmem_pool.pages + nr <= sysmem_pool_max_pages()) {
			/*
			 * Wake the thread only if it may be idle: with
			 * blocks already waiting it is awake or woken.
			 */
			wake = sysmem_pool.dirty == sysmem_pool.clearing;
			list_add_tail(&page->lru, &g->dirty);
			g->pages += nr;
			sysmem_pool.pages += nr;
			sysmem_pool.dirty += nr;
			sysmem_pool.pooled++;
			g->last_used = jiffies;
			pooled = true;
		} else {
			sysmem_pool.refused++;
		}
		spin_unlock(&sysmem_pool.lock);
	} else {
		spin_lock(&sysmem_pool.lock);
		sysmem_pool.refused++;
		spin_unlock(&sysmem_pool.lock);
	}
	if (wake)
		wake_up(&sysmem_pool.wait);
	if (!pooled)
		__free_pages(page, order);
}

/*
 * Move up to @target pages out of the pool onto @blocks: dirty blocks
 * first (they would cost a clearing), then clean ones, of every group
 * when @only is NULL, else of @only.  Called with the lock held.
 * Return: the pages moved.
 */
static unsigned long sysmem_pool_evict(struct sysmem_pool_group *only,
				       unsigned long target,
				       struct list_head *blocks,
				       struct list_head *dead)
{
	struct sysmem_pool_group *g, *next;
	unsigned long done = 0;
	struct page *page;
	int o;

	list_for_each_entry_safe(g, next, &sysmem_pool.groups, link) {
		if (only && g != only)
			continue;
		while (done < target &&
		       (page = list_first_entry_or_null(&g->dirty,
							struct page, lru))) {
			unsigned long nr = 1UL << compound_order(page);

			list_move(&page->lru, blocks);
			g->pages -= nr;
			sysmem_pool.pages -= nr;
			sysmem_pool.dirty -= nr;
			done += nr;
		}
		for (o = 0; o <= SYSMEM_POOL_MAX_ORDER; o++) {
			while (done < target &&
			       (page = list_first_entry_or_null(&g->clean[o],
								struct page,
								lru))) {
				list_move(&page->lru, blocks);
				g->pages -= 1UL << o;
				sysmem_pool.pages -= 1UL << o;
				done += 1UL << o;
			}
		}
		sysmem_pool_reap(g, dead);
		if (done >= target)
			break;
	}
	return done;
}

/*
 * The thread's housekeeping: free what is over the bound, the groups
 * of offline or limited memory cgroups and the groups unused for
 * SYSMEM_POOL_IDLE.
 */
static void sysmem_pool_trim(void)
{
	unsigned long max = sysmem_pool_max_pages(), done = 0;
	struct sysmem_pool_group *g, *next;
	LIST_HEAD(blocks);
	LIST_HEAD(dead);

	spin_lock(&sysmem_pool.lock);
	if (sysmem_pool.pages > max)
		done += sysmem_pool_evict(NULL, sysmem_pool.pages - max,
					  &blocks, &dead);
	list_for_each_entry_safe(g, next, &sysmem_pool.groups, link) {
		if (!g->pages)
			continue;
		if (!sysmem_pool_may_keep(g) ||
		    time_after(jiffies, g->last_used + SYSMEM_POOL_IDLE))
			done += sysmem_pool_evict(g, ULONG_MAX, &blocks, &dead);
	}
	sysmem_pool.trimmed += done;
	spin_unlock(&sysmem_pool.lock);
	sysmem_pool_free_blocks(&blocks);
	sysmem_pool_free_groups(&dead);
}

/* A dirty block to clear, with a use of its group, or NULL. */
static struct page *sysmem_pool_next_dirty(struct sysmem_pool_group **gp)
{
	struct sysmem_pool_group *g;
	struct page *page = NULL;

	spin_lock(&sysmem_pool.lock);
	list_for_each_entry(g, &sysmem_pool.groups, link) {
		page = list_first_entry_or_null(&g->dirty, struct page, lru);
		if (!page)
			continue;
		list_del(&page->lru);
		g->users++;
		sysmem_pool.clearing += 1UL << compound_order(page);
		*gp = g;
		break;
	}
	spin_unlock(&sysmem_pool.lock);
	return page;
}

/* File a block the thread cleared with its group, or free it. */
static void sysmem_pool_add_clean(struct sysmem_pool_group *g,
				  struct page *page, unsigned int order)
{
	unsigned long nr = 1UL << order;
	bool keep;
	LIST_HEAD(dead);

	spin_lock(&sysmem_pool.lock);
	sysmem_pool.clearing -= nr;
	sysmem_pool.dirty -= nr;
	sysmem_pool.cleared++;
	/* Still counted in the pool; the bound may have fallen meanwhile. */
	keep = sysmem_pool.pages <= sysmem_pool_max_pages() &&
	       sysmem_pool_may_keep(g);
	if (keep) {
		list_add(&page->lru, &g->clean[order]);
	} else {
		g->pages -= nr;
		sysmem_pool.pages -= nr;
		sysmem_pool.trimmed += nr;
	}
	g->users--;
	sysmem_pool_reap(g, &dead);
	spin_unlock(&sysmem_pool.lock);
	if (!keep)
		__free_pages(page, order);
	sysmem_pool_free_groups(&dead);
}

static bool sysmem_pool_has_dirty(void)
{
	bool dirty;

	spin_lock(&sysmem_pool.lock);
	dirty = sysmem_pool.dirty > sysmem_pool.clearing;
	spin_unlock(&sysmem_pool.lock);
	return dirty;
}

/* The clearing thread, at the lowest priority of normal tasks. */
static int sysmem_pool_thread(void *unused)
{
	struct sysmem_pool_group *g;
	struct page *page;
	unsigned long i;

	sched_set_normal(current, MAX_NICE);
	set_freezable();
	while (!kthread_should_stop()) {
		page = sysmem_pool_next_dirty(&g);
		if (page) {
			unsigned int order = compound_order(page);

			for (i = 0; i < (1UL << order); i++) {
				clear_highpage(page + i);
				cond_resched();
			}
			sysmem_pool_add_clean(g, page, order);
			continue;
		}
		sysmem_pool_trim();
		wait_event_freezable_timeout(sysmem_pool.wait,
					     kthread_should_stop() ||
					     sysmem_pool_has_dirty(),
					     SYSMEM_POOL_IDLE);
	}
	return 0;
}

static unsigned long sysmem_pool_count(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	unsigned long pages;

	spin_lock(&sysmem_pool.lock);
	pages = sysmem_pool.pages - sysmem_pool.clearing;
	spin_unlock(&sysmem_pool.lock);
	return pages ? pages : SHRINK_EMPTY;
}

/*
 * Tell the reclaim that called the shrinker how many pages the pool gave
 * back, as slab does for its own.  Uncounted, a kswapd pass that only
 * emptied the pool counts as a pass that reclaimed nothing; after
 * MAX_RECLAIM_RETRIES of them kswapd gives up on the node until a direct
 * reclaim makes progress (/proc/zoneinfo: node_unreclaimable), and
 * memory pressure no longer reaches the pool through it.  Called outside
 * reclaim (drop_caches), it counts nothing.
 */
static void sysmem_pool_reclaimed(unsigned long pages)
{
#ifdef SYSMEM_HAVE_MM_ACCOUNT_RECLAIMED
	mm_account_reclaimed_pages(pages);
#else
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += pages;
#endif
}

static unsigned long sysmem_pool_scan(struct shrinker *shrinker,
				      struct shrink_control *sc)
{
	LIST_HEAD(blocks);
	LIST_HEAD(dead);
	unsigned long done;

	spin_lock(&sysmem_pool.lock);
	done = sysmem_pool_evict(NULL, sc->nr_to_scan, &blocks, &dead);
	sysmem_pool.shrunk += done;
	spin_unlock(&sysmem_pool.lock);
	sysmem_pool_free_blocks(&blocks);
	sysmem_pool_reclaimed(done);
	sysmem_pool_free_groups(&dead);
	return done ? done : SHRINK_STOP;
}

#ifdef SYSMEM_HAVE_SHRINKER_ALLOC
static struct shrinker *sysmem_pool_shrinker;

static int sysmem_pool_shrinker_init(void)
{
	sysmem_pool_shrinker = shrinker_alloc(0, "sysmem-pool");
	if (!sysmem_pool_shrinker)
		return -ENOMEM;
	sysmem_pool_shrinker->count_objects = sysmem_pool_count;
	sysmem_pool_shrinker->scan_objects = sysmem_pool_scan;
	shrinker_register(sysmem_pool_shrinker);
	return 0;
}

static void sysmem_pool_shrinker_exit(void)
{
	shrinker_free(sysmem_pool_shrinker);
}
#else
static struct shrinker sysmem_pool_shrinker = {
	.count_objects = sysmem_pool_count,
	.scan_objects = sysmem_pool_scan,
	.seeks = DEFAULT_SEEKS,
};

static int sysmem_pool_shrinker_init(void)
{
	return register_shrinker(&sysmem_pool_shrinker, "sysmem-pool");
}

static void sysmem_pool_shrinker_exit(void)
{
	unregister_shrinker(&sysmem_pool_shrinker);
}
#endif

static int sysmem_pool_show(struct seq_file *s, void *unused)
{
	struct sysmem_pool_group *g;

	spin_lock(&sysmem_pool.lock);
	seq_printf(s, "max_pages=%lu pages=%lu dirty=%lu hits=%llu pooled=%llu refused=%llu cleared=%llu shrunk=%llu trimmed=%llu\n",
		   sysmem_pool_max_pages(), sysmem_pool.pages,
		   sysmem_pool.dirty, sysmem_pool.hits, sysmem_pool.pooled,
		   sysmem_pool.refused, sysmem_pool.cleared,
		   sysmem_pool.shrunk, sysmem_pool.trimmed);
	list_for_each_entry(g, &sysmem_pool.groups, link)
		seq_printf(s, "cgroup=%lu pages=%lu users=%u\n",
			   sysmem_memcg_ino(g->memcg), g->pages, g->users);
	spin_unlock(&sysmem_pool.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sysmem_pool);

/**
 * sysmem_pool_debugfs_init() - create the pool file in debugfs
 * @debugfs: sysmem's debugfs directory
 */
void sysmem_pool_debugfs_init(struct dentry *debugfs)
{
	debugfs_create_file("pool", 0444, debugfs, NULL, &sysmem_pool_fops);
}

/**
 * sysmem_pool_init() - start the pool's thread and shrinker
 *
 * Return: 0 or -errno.
 */
int sysmem_pool_init(void)
{
	int ret;

	ret = sysmem_pool_shrinker_init();
	if (ret)
		return ret;
	sysmem_pool.thread = kthread_run(sysmem_pool_thread, NULL,
					 "sysmem-pool");
	if (IS_ERR(sysmem_pool.thread)) {
		ret = PTR_ERR(sysmem_pool.thread);
		goto free_shrinker;
	}
	return 0;

free_shrinker:
	sysmem_pool_shrinker_exit();
	return ret;
}

/**
 * sysmem_pool_exit() - stop the pool and free every block in it
 *
 * At module exit, when no buffer is left to give blocks back.
 */
void sysmem_pool_exit(void)
{
	LIST_HEAD(blocks);
	LIST_HEAD(dead);

	kthread_stop(sysmem_pool.thread);
	sysmem_pool_shrinker_exit();
	spin_lock(&sysmem_pool.lock);
	sysmem_pool_evict(NULL, ULONG_MAX, &blocks, &dead);
	spin_unlock(&sysmem_pool.lock);
	sysmem_pool_free_blocks(&blocks);
	sysmem_pool_free_groups(&dead);
}
