// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem payers: who pays for a collection's buffers.
 *
 * The rule (Documentation/sysmem/security.rst): the task that creates a
 * collection pays for all of its buffers, whichever participant's call
 * completes the negotiation.  It chose whom to hand tokens to, and it
 * can bound what it pays (SYSMEM_IOC_NODE_SET_MAX_TOTAL_BYTES).  A
 * struct sysmem_payer, taken from the creating task, holds:
 *
 * - its memory cgroup: allocations are made with that cgroup active,
 *   so a heap that charges its pages (__GFP_ACCOUNT, such as the system
 *   heap) and sysmem's own per-buffer structures charge the creator's
 *   cgroup, never the cgroup of whoever happened to complete the
 *   negotiation;
 * - its user and its locked-memory limit (RLIMIT_MEMLOCK, read when the
 *   collection is created): memory of a heap that no cgroup sees (the
 *   contiguous heap, and any heap without SYSMEM_HEAP_MEMCG) is pinned
 *   memory and counts against that limit, per user, as the kernel
 *   counts other pinned memory; CAP_IPC_LOCK lifts it, as for mlock();
 * - for a contiguous heap, in addition, the user may hold at most
 *   contig_user_percent percent of the contiguous area (the CMA areas,
 *   or all RAM on a kernel without CMA), again unless CAP_IPC_LOCK.
 *
 * Buffers made outside a collection (sysmem's heaps published under
 * /dev/dma_heap/) are paid for by the allocating task.
 *
 * Per-user counts live in sysmem_users, one entry per user that has
 * pinned memory counted: a payer looks its user up at its first count
 * (most payers, such as those of system heap buffers or of a task with
 * CAP_IPC_LOCK, never count anything), and the entry goes away with the
 * last payer that looked it up.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "sysmem_internal.h"

/**
 * struct sysmem_user - what one user holds of pinned memory
 * @ref: one per payer of this user
 * @uid: the user
 * @pinned: pages of heaps no cgroup sees, against RLIMIT_MEMLOCK
 * @contig: pages of contiguous heaps, against contig_user_percent
 */
struct sysmem_user {
	refcount_t ref;
	kuid_t uid;
	atomic_long_t pinned;
	atomic_long_t contig;
};

/**
 * struct sysmem_payer - who pays for a collection's buffers
 * @ref: one for the collection (or the caller), one per charge
 * @memcg: the memory cgroup made active around allocations, or NULL
 * @uid: the user pinned memory is counted for
 * @user: @uid's entry, looked up at the first count (set once, with
 *	cmpxchg); NULL before
 * @memlock_pages: pinned pages @user may hold, ULONG_MAX for no limit
 * @contig_limited: whether contig_user_percent applies
 */
struct sysmem_payer {
	refcount_t ref;
	struct mem_cgroup *memcg;
	kuid_t uid;
	struct sysmem_user *user;
	unsigned long memlock_pages;
	bool contig_limited;
};

/*
 * sysmem_users_lock serialises looking up, adding and removing entries
 * of sysmem_users (by kuid value); an entry's counts are atomics, read
 * and changed without it.  May be taken under a collection lock (see
 * the lock order in sysmem_core.h), never the other way round.
 */
static DEFINE_MUTEX(sysmem_users_lock);
static DEFINE_XARRAY(sysmem_users);

/* Pages of the contiguous area, counted once at module init. */
static unsigned long sysmem_contig_area_pages;

static unsigned int contig_user_percent = 25;

static int sysmem_percent_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 100);
}

static const struct kernel_param_ops sysmem_percent_ops = {
	.set = sysmem_percent_set,
	.get = param_get_uint,
};
module_param_cb(contig_user_percent, &sysmem_percent_ops,
		&contig_user_percent, 0644);
MODULE_PARM_DESC(contig_user_percent,
		 "Percent of the contiguous area one user without CAP_IPC_LOCK may hold (0-100, default 25)");

/*
 * Pages of the contiguous area: every CMA page of every zone, or all of
 * RAM where the kernel has no CMA area (the DMA API then takes
 * contiguous blocks from the page allocator).
 */
static unsigned long sysmem_count_contig_area(void)
{
	unsigned long pages = 0;
	int nid, z;

	for_each_online_node(nid)
		for (z = 0; z < MAX_NR_ZONES; z++)
			pages += zone_cma_pages(&NODE_DATA(nid)->node_zones[z]);
	return pages ? pages : totalram_pages();
}

/**
 * sysmem_payer_init() - measure the contiguous area
 *
 * Context: module init.
 */
void sysmem_payer_init(void)
{
	sysmem_contig_area_pages = sysmem_count_contig_area();
}

static struct sysmem_user *sysmem_user_get(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	struct sysmem_user *u;
	int ret;

	mutex_lock(&sysmem_users_lock);
	u = xa_load(&sysmem_users, key);
	if (u) {
		refcount_inc(&u->ref);
		goto unlock;
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		goto unlock;
	refcount_set(&u->ref, 1);
	u->uid = uid;
	ret = xa_err(xa_store(&sysmem_users, key, u, GFP_KERNEL));
	if (ret) {
		kfree(u);
		u = NULL;
	}
unlock:
	mutex_unlock(&sysmem_users_lock);
	return u;
}

static void sysmem_user_put(struct sysmem_user *u)
{
	if (!refcount_dec_and_mutex_lock(&u->ref, &sysmem_users_lock))
		return;
	xa_erase(&sysmem_users, __kuid_val(u->uid));
	mutex_unlock(&sysmem_users_lock);
	kfree(u);
}

/**
 * sysmem_payer_current() - the calling task as a payer
 *
 * Reads the task's memory cgroup, user, RLIMIT_MEMLOCK and CAP_IPC_LOCK
 * now: later changes of the task do not move what it pays for.
 *
 * Context: process context, may sleep.
 * Return: the payer with one reference, or NULL without memory.
 */
struct sysmem_payer *sysmem_payer_current(void)
{
	struct sysmem_payer *p;
	unsigned long lim;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return NULL;
	p->uid = current_uid();
	refcount_set(&p->ref, 1);
	p->memcg = get_mem_cgroup_from_mm(current->mm);
	lim = rlimit(RLIMIT_MEMLOCK);
	/* Asked implicitly: a task without it is limited, not denied. */
	p->contig_limited = !ns_capable_noaudit(&init_user_ns, CAP_IPC_LOCK);
	if (!p->contig_limited || lim == RLIM_INFINITY)
		p->memlock_pages = ULONG_MAX;
	else
		p->memlock_pages = lim >> PAGE_SHIFT;
	return p;
}

/**
 * sysmem_payer_get() - another reference to a payer
 * @p: the payer
 *
 * Return: @p.
 */
struct sysmem_payer *sysmem_payer_get(struct sysmem_payer *p)
{
	refcount_inc(&p->ref);
	return p;
}

/**
 * sysmem_payer_put() - drop a reference to a payer
 * @p: the payer, or NULL
 *
 * Context: may sleep.
 */
void sysmem_payer_put(struct sysmem_payer *p)
{
	if (!p || !refcount_dec_and_test(&p->ref))
		return;
	mem_cgroup_put(p->memcg);
	if (p->user)
		sysmem_user_put(p->user);
	kfree(p);
}

/**
 * sysmem_payer_enter() - charge the payer's cgroup from here on
 * @p: the payer
 *
 * Until sysmem_payer_leave(), accounted allocations of the calling task
 * are charged to @p's memory cgroup.
 *
 * Return: what sysmem_payer_leave() needs.
 */
struct mem_cgroup *sysmem_payer_enter(struct sysmem_payer *p)
{
	return set_active_memcg(p->memcg);
}

/**
 * sysmem_payer_leave() - end sysmem_payer_enter()
 * @old: its return value
 */
void sysmem_payer_leave(struct mem_cgroup *old)
{
	set_active_memcg(old);
}

/*
 * The payer's user entry, looked up the first time: NULL without memory.
 * Racing first charges of one payer look it up alike; one entry wins.
 */
static struct sysmem_user *sysmem_payer_user(struct sysmem_payer *p)
{
	/* Pairs with the cmpxchg() below, which publishes the entry. */
	struct sysmem_user *u = smp_load_acquire(&p->user), *old;

	if (u)
		return u;
	u = sysmem_user_get(p->uid);
	if (!u)
		return NULL;
	old = cmpxchg(&p->user, NULL, u);
	if (!old)
		return u;
	sysmem_user_put(u);
	return old;
}

/* Add @pages to @count unless that takes it over @limit. */
static bool sysmem_count_add(atomic_long_t *count, unsigned long pages,
			     unsigned long limit)
{
	long cur = atomic_long_read(count);

	do {
		if (pages > limit || (unsigned long)cur > limit - pages)
			return false;
	} while (!atomic_long_try_cmpxchg(count, &cur, cur + pages));
	return true;
}

/* The pages one user may hold of the contiguous area, now. */
static unsigned long sysmem_contig_user_pages(void)
{
	return mult_frac(sysmem_contig_area_pages,
			 READ_ONCE(contig_user_percent), 100);
}

/**
 * sysmem_payer_charge() - count a heap buffer no cgroup sees
 * @p: the payer
 * @bytes: what the buffer takes from its heap, page-aligned
 * @contiguous: whether the heap is a contiguous one
 * @charge: out: what sysmem_payer_uncharge() gives back
 *
 * Counts @bytes against the payer's locked-memory limit and, for a
 * contiguous heap, against the user's share of the contiguous area.
 *
 * Context: may sleep (the first count looks the user up).
 * Return: 0, or -EDQUOT when a limit would be exceeded, -ENOMEM when the
 * user's entry cannot be made (nothing is counted then).
 */
int sysmem_payer_charge(struct sysmem_payer *p, u64 bytes, bool contiguous,
			struct sysmem_charge *charge)
{
	bool contig = contiguous && p->contig_limited;
	unsigned long pages;
	struct sysmem_user *u;

	charge->payer = NULL;
	charge->pinned = 0;
	charge->contig = 0;
	if (p->memlock_pages == ULONG_MAX && !contig)
		return 0;	/* nothing to count */
	/* More pages than a count can hold are over any limit. */
	if (bytes >> PAGE_SHIFT > ULONG_MAX)
		return -EDQUOT;
	pages = bytes >> PAGE_SHIFT;
	u = sysmem_payer_user(p);
	if (!u)
		return -ENOMEM;
	if (p->memlock_pages != ULONG_MAX) {
		if (!sysmem_count_add(&u->pinned, pages, p->memlock_pages))
			return -EDQUOT;
		charge->pinned = pages;
	}
	if (contig) {
		if (!sysmem_count_add(&u->contig, pages,
				      sysmem_contig_user_pages())) {
			atomic_long_sub(charge->pinned, &u->pinned);
			charge->pinned = 0;
			return -EDQUOT;
		}
		charge->contig = pages;
	}
	charge->payer = sysmem_payer_get(p);
	return 0;
}

/**
 * sysmem_payer_uncharge() - give back what sysmem_payer_charge() counted
 * @charge: the charge; empty afterwards
 *
 * Context: may sleep.
 */
void sysmem_payer_uncharge(struct sysmem_charge *charge)
{
	struct sysmem_payer *p = charge->payer;

	if (!p)
		return;
	atomic_long_sub(charge->pinned, &p->user->pinned);
	atomic_long_sub(charge->contig, &p->user->contig);
	charge->payer = NULL;
	sysmem_payer_put(p);
}

static int sysmem_users_show(struct seq_file *m, void *unused)
{
	struct sysmem_user *u;
	unsigned long key;

	seq_printf(m, "contig_area_bytes=%llu contig_user_limit_bytes=%llu\n",
		   (u64)sysmem_contig_area_pages << PAGE_SHIFT,
		   (u64)sysmem_contig_user_pages() << PAGE_SHIFT);
	mutex_lock(&sysmem_users_lock);
	xa_for_each(&sysmem_users, key, u)
		seq_printf(m, "user uid=%u pinned_bytes=%llu contig_bytes=%llu\n",
			   from_kuid_munged(&init_user_ns, u->uid),
			   (u64)atomic_long_read(&u->pinned) << PAGE_SHIFT,
			   (u64)atomic_long_read(&u->contig) << PAGE_SHIFT);
	mutex_unlock(&sysmem_users_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sysmem_users);

/**
 * sysmem_payer_debugfs_init() - debugfs "users": pinned memory per user
 * @debugfs: sysmem's debugfs directory
 */
void sysmem_payer_debugfs_init(struct dentry *debugfs)
{
	debugfs_create_file("users", 0400, debugfs, NULL, &sysmem_users_fops);
}
