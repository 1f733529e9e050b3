/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: counts of the live objects of the module, shown in debugfs
 * ("objects"), so that tests can prove every object went away.
 */
#ifndef _SYSMEM_STATS_H
#define _SYSMEM_STATS_H

#include <linux/atomic.h>

struct dentry;

enum sysmem_stat {
	SYSMEM_STAT_COLLECTIONS,	/* struct sysmem_collection */
	SYSMEM_STAT_NODES,		/* struct sysmem_node */
	SYSMEM_STAT_BUFFERS,		/* struct sysmem_buffer */
	SYSMEM_STAT_TRACKERS,		/* struct sysmem_tracker */
	SYSMEM_STAT_TRACKING_FDS,	/* lifetime, node and close-weak fds */
	SYSMEM_STAT_WATCHES,		/* struct sysmem_strong_watch */
	SYSMEM_STAT_NR,
};

extern atomic_long_t sysmem_stats[SYSMEM_STAT_NR];

static inline void sysmem_stat_inc(enum sysmem_stat s)
{
	atomic_long_inc(&sysmem_stats[s]);
}

static inline void sysmem_stat_dec(enum sysmem_stat s)
{
	atomic_long_dec(&sysmem_stats[s]);
}

void sysmem_stats_debugfs_init(struct dentry *debugfs);

#endif /* _SYSMEM_STATS_H */
