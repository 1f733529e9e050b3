// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem trackers: counts that userspace waits on through pollable fds.
 *
 * A collection's lifetime tracker counts the collection's buffers whose
 * memory is not back in its heap yet: one more before each buffer is
 * asked of the heap, one less when the heap reports the memory free
 * (sysmem_heap_buffer_released()).  A node tracker counts one for the
 * node until the node is freed.  Each counted thing, the owner and every
 * tracking fd hold a reference, so a tracking fd keeps working after
 * the collection and its nodes are gone.
 */

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sysmem_internal.h"
#include "sysmem_stats.h"

/**
 * struct sysmem_tracker - a count with waiters
 * @ref: the owner's reference, one per counted item, one per fd
 * @lock: protects @count and @settled
 * @count: items not gone yet
 * @settled: the count can only fall from now on (allocation is over)
 * @wq: woken whenever @count falls or @settled is set
 */
struct sysmem_tracker {
	struct kref ref;
	spinlock_t lock;	/* @count and @settled */
	unsigned int count;
	bool settled;
	wait_queue_head_t wq;
};

/**
 * struct sysmem_tracking_fd - what one tracking fd waits for
 * @tracker: the tracker (a reference)
 * @threshold: the fd is readable once the count is at most this
 * @collection_id: the collection it was made for, for fdinfo
 * @name: its anon inode name (a string literal), for fdinfo
 */
struct sysmem_tracking_fd {
	struct sysmem_tracker *tracker;
	u32 threshold;
	u64 collection_id;
	const char *name;
};

/**
 * sysmem_tracker_new() - a new tracker
 * @count: the initial count
 * @settled: whether the count can only fall from now on
 *
 * Return: the tracker with one reference (the caller's), or NULL.
 */
struct sysmem_tracker *sysmem_tracker_new(unsigned int count, bool settled)
{
	struct sysmem_tracker *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	sysmem_stat_inc(SYSMEM_STAT_TRACKERS);
	kref_init(&t->ref);
	spin_lock_init(&t->lock);
	init_waitqueue_head(&t->wq);
	t->count = count;
	t->settled = settled;
	return t;
}

static void sysmem_tracker_free(struct kref *ref)
{
	kfree(container_of(ref, struct sysmem_tracker, ref));
	sysmem_stat_dec(SYSMEM_STAT_TRACKERS);
}

/**
 * sysmem_tracker_put() - drop a reference
 * @t: the tracker, or NULL
 */
void sysmem_tracker_put(struct sysmem_tracker *t)
{
	if (t)
		kref_put(&t->ref, sysmem_tracker_free);
}

/*
 * Wake the waiters after a change of the count or of @settled, made under
 * @t->lock.  Most trackers have none; wq_has_sleeper()'s barrier pairs
 * with the one a waiter passes between joining the queue and reading
 * the count under the lock, so a waiter either sees the change or is
 * seen here.
 */
static void sysmem_tracker_wake(struct sysmem_tracker *t)
{
	if (wq_has_sleeper(&t->wq))
		wake_up_all(&t->wq);
}

/**
 * sysmem_tracker_inc() - count one more item, which holds a reference
 * @t: the tracker
 */
void sysmem_tracker_inc(struct sysmem_tracker *t)
{
	kref_get(&t->ref);
	spin_lock(&t->lock);
	t->count++;
	spin_unlock(&t->lock);
}

/**
 * sysmem_tracker_dec() - an item counted by sysmem_tracker_inc() is gone
 * @t: the tracker; the item's reference is dropped
 */
void sysmem_tracker_dec(struct sysmem_tracker *t)
{
	spin_lock(&t->lock);
	if (t->count)
		t->count--;
	spin_unlock(&t->lock);
	sysmem_tracker_wake(t);
	sysmem_tracker_put(t);
}

/**
 * sysmem_tracker_settle() - the count can only fall from now on
 * @t: the tracker
 */
void sysmem_tracker_settle(struct sysmem_tracker *t)
{
	spin_lock(&t->lock);
	t->settled = true;
	spin_unlock(&t->lock);
	sysmem_tracker_wake(t);
}

static bool sysmem_tracker_reached(struct sysmem_tracker *t, u32 threshold)
{
	bool ret;

	spin_lock(&t->lock);
	ret = t->settled && t->count <= threshold;
	spin_unlock(&t->lock);
	return ret;
}

static __poll_t sysmem_tracking_poll(struct file *file, poll_table *wait)
{
	struct sysmem_tracking_fd *tfd = file->private_data;

	poll_wait(file, &tfd->tracker->wq, wait);
	if (sysmem_tracker_reached(tfd->tracker, tfd->threshold))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static int sysmem_tracking_release(struct inode *inode, struct file *file)
{
	struct sysmem_tracking_fd *tfd = file->private_data;

	sysmem_tracker_put(tfd->tracker);
	kfree(tfd);
	sysmem_stat_dec(SYSMEM_STAT_TRACKING_FDS);
	return 0;
}

/*
 * fdinfo (Documentation/sysmem/uapi.rst): the kind of tracking fd, named
 * after its anon inode name without the brackets and "sysmem-", its
 * collection, and the tracker's state.  Only the tracker's spinlock.
 */
static void sysmem_tracking_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct sysmem_tracking_fd *tfd = file->private_data;
	struct sysmem_tracker *t = tfd->tracker;
	const char *kind = tfd->name;
	unsigned int count;
	size_t len;
	bool settled;

	if (str_has_prefix(kind, "[sysmem-"))
		kind += strlen("[sysmem-");
	len = strcspn(kind, "]");
	spin_lock(&t->lock);
	count = t->count;
	settled = t->settled;
	spin_unlock(&t->lock);
	seq_puts(m, "sysmem-kind:\ttracking\n");
	seq_printf(m, "sysmem-tracking:\t%.*s\n", (int)len, kind);
	seq_printf(m, "sysmem-collection-id:\t%llu\n", tfd->collection_id);
	seq_printf(m, "sysmem-count:\t%u\n", count);
	seq_printf(m, "sysmem-threshold:\t%u\n", tfd->threshold);
	seq_printf(m, "sysmem-settled:\t%u\n", settled);
	seq_printf(m, "sysmem-ready:\t%u\n", settled && count <= tfd->threshold);
}

static const struct file_operations sysmem_tracking_fops = {
	.owner = THIS_MODULE,
	.show_fdinfo = sysmem_tracking_show_fdinfo,
	.poll = sysmem_tracking_poll,
	.release = sysmem_tracking_release,
	.llseek = noop_llseek,
};

/**
 * sysmem_tracking_file() - a pollable file for a tracker
 * @t: the tracker; the file takes a reference of its own
 * @threshold: the file polls readable once the count is at most this
 *	(and the tracker is settled)
 * @name: anon inode name, a string literal such as "[sysmem-lifetime]";
 *	fdinfo names the kind of tracking fd after it
 * @collection_id: the collection the fd is made for, for fdinfo
 *
 * Return: the file (O_RDONLY), or an ERR_PTR.
 */
struct file *sysmem_tracking_file(struct sysmem_tracker *t, u32 threshold,
				  const char *name, u64 collection_id)
{
	struct sysmem_tracking_fd *tfd;
	struct file *file;

	tfd = kzalloc(sizeof(*tfd), GFP_KERNEL_ACCOUNT);
	if (!tfd)
		return ERR_PTR(-ENOMEM);
	kref_get(&t->ref);
	tfd->tracker = t;
	tfd->threshold = threshold;
	tfd->collection_id = collection_id;
	tfd->name = name;
	file = anon_inode_getfile(name, &sysmem_tracking_fops, tfd, O_RDONLY);
	if (IS_ERR(file)) {
		sysmem_tracker_put(t);
		kfree(tfd);
		return file;
	}
	sysmem_stat_inc(SYSMEM_STAT_TRACKING_FDS);
	return file;
}
