/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem: what the module shows of itself, in /proc/PID/fdinfo
 * (sysmem_fdinfo.c) and in debugfs's sysmem/collections
 * (sysmem_debugfs.c).  Both use the words and the escaping below, so
 * that one state reads the same everywhere; Documentation/sysmem/uapi.rst
 * and Documentation/sysmem/diagnostics.rst list them.
 */
#ifndef _SYSMEM_OBSERVE_H
#define _SYSMEM_OBSERVE_H

#include <linux/types.h>

struct dentry;
struct file;
struct seq_file;
struct sysmem_collection;
struct sysmem_node;

/* sysmem_debugfs.c */
void sysmem_seq_escape(struct seq_file *m, const char *s, size_t max);
const char *sysmem_state_word(u32 state);
const char *sysmem_reason_word(u32 reason);
const char *sysmem_node_state_word(const struct sysmem_node *node);
void sysmem_seq_missing(struct seq_file *m, unsigned int missing);
size_t sysmem_collection_buffer_size(const struct sysmem_collection *coll);
void sysmem_collections_debugfs_init(struct dentry *debugfs);

/* sysmem_fdinfo.c */
void sysmem_node_show_fdinfo(struct seq_file *m, struct file *file);
void sysmem_node_ref_show_fdinfo(struct seq_file *m, struct file *file);
void sysmem_dev_show_fdinfo(struct seq_file *m, struct file *file);

#endif /* _SYSMEM_OBSERVE_H */
