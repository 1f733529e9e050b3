// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: live object counts, for debugfs.
 *
 * Each counter goes up when an object is allocated and down when it is
 * freed; with no sysmem fd, mapping or dma-buf left anywhere, every
 * count is 0.  Tests read /sys/kernel/debug/sysmem/objects after each
 * run to prove nothing was leaked.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "sysmem_stats.h"

atomic_long_t sysmem_stats[SYSMEM_STAT_NR];

static const char *const sysmem_stat_names[SYSMEM_STAT_NR] = {
	[SYSMEM_STAT_COLLECTIONS] = "collections",
	[SYSMEM_STAT_NODES] = "nodes",
	[SYSMEM_STAT_BUFFERS] = "buffers",
	[SYSMEM_STAT_TRACKERS] = "trackers",
	[SYSMEM_STAT_TRACKING_FDS] = "tracking_fds",
	[SYSMEM_STAT_WATCHES] = "strong_watches",
};

static int sysmem_objects_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < SYSMEM_STAT_NR; i++)
		seq_printf(m, "%s %ld\n", sysmem_stat_names[i],
			   atomic_long_read(&sysmem_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sysmem_objects);

/**
 * sysmem_stats_debugfs_init() - create the objects file in debugfs
 * @debugfs: sysmem's debugfs directory
 *
 * debugfs problems are not fatal.
 */
void sysmem_stats_debugfs_init(struct dentry *debugfs)
{
	debugfs_create_file("objects", 0444, debugfs, NULL,
			    &sysmem_objects_fops);
}
