// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem core: stall diagnostics.
 *
 * A collection that never completes would otherwise be invisible: its
 * waiters time out with the state still pending and no reason.  So each
 * collection has a stall deadline, an absolute CLOCK_MONOTONIC time: the
 * module's default (stall_log_seconds after creation) or an earlier one
 * a participant set (SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE, as
 * sysmem2's SetDebugTimeoutLogDeadline).  If the collection is still
 * pending then, one log line names it and every participant it still
 * waits for: a token not bound yet, a collection node without
 * constraints, a group whose children were not all declared present.
 * The line is logged once per collection, and rate-limited across them.
 *
 * A delayed work item on the collections' workqueue does it.  It holds
 * no reference on the collection: the collection cancels it when it
 * allocates or fails (under its lock, without waiting), and waits for it
 * when it is freed, before anything is torn down.
 *
 * The default deadline does not arm that work at once.  Nearly every
 * collection allocates within milliseconds, and arming a timer at
 * creation and cancelling it at allocation cost about 3 us per
 * collection in the bench guest.  Collections waiting for their default
 * deadline are queued instead, in deadline order, and one delayed work
 * (sysmem_stall_due_work), armed for the first of them, queues each due
 * collection's own work.  Creating and allocating a collection then
 * only adds it to and takes it off that queue; the shared work is armed
 * again only when the first deadline is earlier than the one it is
 * armed for, which in a steady stream of collections is once per
 * stall_log_seconds.  A deadline a participant sets arms the
 * collection's work directly, as it is rare.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "sysmem_core.h"

/*
 * Default deadline, in seconds after a collection's creation.  A
 * negotiation takes milliseconds once every participant has spoken, but
 * participants may rightly take a while to start (a process launched on
 * demand, a device probed late, a user who has not opened the camera
 * yet): one minute is far beyond any of that on a working system, yet
 * close enough to a hang to be found next to it in the log.  sysmem2's
 * default is 5 s for its own, faster start-up.  0: no default deadline.
 * Read when a collection is created.
 */
static unsigned int stall_log_seconds = 60;
module_param(stall_log_seconds, uint, 0644);
MODULE_PARM_DESC(stall_log_seconds,
		 "Log the participants a collection still waits for this many seconds after its creation; 0: only at deadlines participants set (default: 60)");

/* Room for the participants of one line; the rest are counted. */
#define SYSMEM_STALL_BUF	512

/*
 * The queue of default deadlines.  sysmem_stall_lock protects it, every
 * collection's @stall_link, and sysmem_stall_armed_ns: the deadline the
 * shared work is armed for, S64_MAX while it is not armed.  It nests
 * inside a collection lock and takes nothing else but the workqueue's
 * own locks.
 */
static DEFINE_SPINLOCK(sysmem_stall_lock);
static LIST_HEAD(sysmem_stall_queue);
static s64 sysmem_stall_armed_ns = S64_MAX;
static void sysmem_stall_due(struct work_struct *work);
static DECLARE_DELAYED_WORK(sysmem_stall_due_work, sysmem_stall_due);

/*
 * Delay until @deadline (CLOCK_MONOTONIC ns), rounded up to a jiffy.  The
 * coarse clock is at most a tick behind, so the delay is at most a tick
 * long, never short; the work checks the precise time when it runs.
 */
static unsigned long sysmem_stall_delay(s64 deadline)
{
	s64 now = ktime_get_coarse_ns();

	if (deadline <= now)
		return 0;
	return nsecs_to_jiffies(deadline - now) + 1;
}

/* Take @coll off the queue of default deadlines, if it is on it. */
static void sysmem_stall_dequeue(struct sysmem_collection *coll)
{
	spin_lock(&sysmem_stall_lock);
	list_del_init(&coll->stall_link);
	spin_unlock(&sysmem_stall_lock);
}

/* Make @deadline the collection's, if earlier than the one it has. */
static void sysmem_stall_arm(struct sysmem_collection *coll, s64 deadline)
{
	if (deadline >= coll->stall_deadline)
		return;
	/*
	 * Earlier than the default, which then has nothing left to do; off
	 * the queue, the shared work no longer reads the deadline.
	 */
	sysmem_stall_dequeue(coll);
	coll->stall_deadline = deadline;
	WRITE_ONCE(coll->stall_queued, true);
	mod_delayed_work(sysmem_collection_wq, &coll->stall_work,
			 sysmem_stall_delay(deadline));
}

/*
 * The shared work: queue the stall work of every collection whose
 * default deadline has come, and arm again for the next deadline.  A
 * queued collection is alive: freeing it takes it off the queue (under
 * sysmem_stall_lock) before it waits for its own work.
 */
static void sysmem_stall_due(struct work_struct *work)
{
	struct sysmem_collection *coll, *next;
	s64 now = ktime_get_ns(), first = S64_MAX;

	spin_lock(&sysmem_stall_lock);
	list_for_each_entry_safe(coll, next, &sysmem_stall_queue, stall_link) {
		if (coll->stall_deadline > now) {
			first = coll->stall_deadline;
			break;
		}
		list_del_init(&coll->stall_link);
		WRITE_ONCE(coll->stall_queued, true);
		mod_delayed_work(sysmem_collection_wq, &coll->stall_work, 0);
	}
	sysmem_stall_armed_ns = first;
	if (first != S64_MAX)
		mod_delayed_work(sysmem_collection_wq, &sysmem_stall_due_work,
				 sysmem_stall_delay(first));
	spin_unlock(&sysmem_stall_lock);
}

/* Queue @coll for its default deadline, @coll->stall_deadline. */
static void sysmem_stall_enqueue(struct sysmem_collection *coll)
{
	struct list_head *pos = &sysmem_stall_queue;
	s64 deadline = coll->stall_deadline;
	struct sysmem_collection *prev;

	spin_lock(&sysmem_stall_lock);
	/*
	 * After the last deadline not later than this one: the tail, unless
	 * stall_log_seconds was lowered since earlier collections came.
	 */
	list_for_each_entry_reverse(prev, &sysmem_stall_queue, stall_link) {
		if (prev->stall_deadline <= deadline) {
			pos = &prev->stall_link;
			break;
		}
	}
	list_add(&coll->stall_link, pos);
	if (deadline < sysmem_stall_armed_ns) {
		sysmem_stall_armed_ns = deadline;
		mod_delayed_work(sysmem_collection_wq, &sysmem_stall_due_work,
				 sysmem_stall_delay(deadline));
	}
	spin_unlock(&sysmem_stall_lock);
}

/* What a node of the collection's own domain lacks, or NULL. */
static const char *sysmem_stall_lack(const struct sysmem_node *n)
{
	unsigned int missing = sysmem_node_missing(n);

	if (missing & SYSMEM_MISSING_UNBOUND_TOKEN)
		return "token not bound";
	if (missing & SYSMEM_MISSING_NO_CONSTRAINTS)
		return "no constraints set";
	if (missing & SYSMEM_MISSING_GROUP_CHILDREN)
		return "children not all present";
	return NULL;
}

/*
 * Log the collection's stall line: every live node of its own failure
 * domain that keeps it from allocating (attached subtrees are allocated
 * after it and never hold it up), as many as fit in one line.
 */
static void sysmem_stall_log(struct sysmem_collection *coll, s64 now)
{
	unsigned int waiting = 0, shown = 0;
	struct sysmem_node *n;
	size_t len = 0;
	char *buf;

	lockdep_assert_held(&coll->lock);
	buf = kmalloc(SYSMEM_STALL_BUF, GFP_KERNEL);
	if (buf)
		buf[0] = '\0';
	for (n = coll->root; n; n = sysmem_domain_next(n, coll->root)) {
		const char *lack;
		int ret;

		if (sysmem_domain_skip(n, coll->root) ||
		    n->state != SYSMEM_NODE_LIVE || n->fail_reason)
			continue;
		lack = sysmem_stall_lack(n);
		if (!lack)
			continue;
		waiting++;
		if (!buf || shown + 1 < waiting)
			continue;
		ret = snprintf(buf + len, SYSMEM_STALL_BUF - len,
			       "%s%s %llu \"%*pE\" (id %llu, pid %d): %s",
			       len ? "; " : "", sysmem_node_type_word(n->type), n->id,
			       sysmem_name_len(n->dbg.name), n->dbg.name,
			       n->dbg.id, n->pid, lack);
		if (ret >= SYSMEM_STALL_BUF - len) {
			/* It does not fit: cut it off, count the rest. */
			buf[len] = '\0';
			continue;
		}
		len += ret;
		shown++;
	}
	pr_warn_ratelimited("collection %llu \"%*pE\" still pending %lld ms after creation: waiting for %u participant(s): %s%s\n",
			    coll->id, sysmem_name_len(coll->name), coll->name,
			    (now - (s64)coll->created_ns) / NSEC_PER_MSEC,
			    waiting, buf ? buf : "(out of memory)",
			    shown < waiting && buf ? "; and more" : "");
	kfree(buf);
}

static void sysmem_stall_work(struct work_struct *work)
{
	struct sysmem_collection *coll =
		container_of(to_delayed_work(work), struct sysmem_collection,
			     stall_work);
	s64 now;

	mutex_lock(&coll->lock);
	if (coll->state != SYSMEM_STATE_PENDING || coll->stall_logged ||
	    !coll->root)
		goto unlock;
	now = ktime_get_ns();
	if (now < coll->stall_deadline) {
		/* Early by a rounding, or a later deadline than queued. */
		mod_delayed_work(sysmem_collection_wq, &coll->stall_work,
				 sysmem_stall_delay(coll->stall_deadline));
		goto unlock;
	}
	coll->stall_logged = true;
	sysmem_stall_log(coll, now);
unlock:
	mutex_unlock(&coll->lock);
}

/**
 * sysmem_stall_init() - give a new collection its default deadline
 * @coll: the collection, being created (nobody else sees it yet)
 *
 * Queues the collection for the module's default deadline after
 * @coll->created_ns, unless stall_log_seconds is 0.
 */
void sysmem_stall_init(struct sysmem_collection *coll)
{
	unsigned int secs = READ_ONCE(stall_log_seconds);

	INIT_DELAYED_WORK(&coll->stall_work, sysmem_stall_work);
	INIT_LIST_HEAD(&coll->stall_link);
	coll->stall_deadline = SYSMEM_DEADLINE_NONE;
	if (!secs)
		return;
	/* At most about 136 years: no overflow of an s64 of ns. */
	coll->stall_deadline = coll->created_ns + (u64)secs * NSEC_PER_SEC;
	sysmem_stall_enqueue(coll);
}

/**
 * sysmem_stall_set_deadline() - a participant's stall log deadline
 * @coll: the collection
 * @deadline: CLOCK_MONOTONIC ns, at least 0; SYSMEM_DEADLINE_NONE
 *	changes nothing
 *
 * The earliest deadline wins.  One already past logs at once (from the
 * work item) if the collection is still pending.  Nothing happens once
 * the collection allocated or failed, or once its line was logged.
 *
 * Context: @coll->lock held.
 */
void sysmem_stall_set_deadline(struct sysmem_collection *coll, s64 deadline)
{
	lockdep_assert_held(&coll->lock);
	if (coll->state != SYSMEM_STATE_PENDING || coll->stall_logged)
		return;
	sysmem_stall_arm(coll, deadline);
}

/**
 * sysmem_stall_stop() - the collection no longer pends: no stall line
 * @coll: the collection, allocated or failing
 *
 * Does not wait: a work item already running finds the collection no
 * longer pending once it has the lock.
 *
 * Context: @coll->lock held.
 */
void sysmem_stall_stop(struct sysmem_collection *coll)
{
	lockdep_assert_held(&coll->lock);
	sysmem_stall_dequeue(coll);
	/*
	 * Off the queue, only this collection (under its lock) queues the
	 * work.  Had the shared work queued it before, the flag is set:
	 * under sysmem_stall_lock, which the dequeue took after.  A work
	 * that runs anyway finds the collection no longer pending.
	 */
	if (READ_ONCE(coll->stall_queued))
		cancel_delayed_work(&coll->stall_work);
}

/**
 * sysmem_stall_exit() - the collection is being freed
 * @coll: the collection, with no reference left
 *
 * Cancels the stall work and waits for it to finish if it is running.
 *
 * Context: process context, @coll->lock not held.
 */
void sysmem_stall_exit(struct sysmem_collection *coll)
{
	sysmem_stall_dequeue(coll);
	if (READ_ONCE(coll->stall_queued))
		cancel_delayed_work_sync(&coll->stall_work);
}

/**
 * sysmem_stall_module_exit() - stop the shared work before the module goes
 *
 * Context: no collection is left; before the collections' workqueue is
 * destroyed.
 */
void sysmem_stall_module_exit(void)
{
	cancel_delayed_work_sync(&sysmem_stall_due_work);
}
