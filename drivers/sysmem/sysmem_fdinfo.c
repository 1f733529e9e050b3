// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: /proc/PID/fdinfo of sysmem's own files.
 *
 * Each file kind adds "sysmem-KEY:\tVALUE" lines after the ones the VFS
 * prints (pos, flags, mnt_id, ino); Documentation/sysmem/uapi.rst lists
 * every key.  Strings from userspace are escaped as in debugfs
 * (sysmem_seq_escape()).  Tracking fds print theirs in sysmem_tracker.c.
 * sysmem's dma-bufs are files of the dma-buf core, whose fdinfo (size,
 * exp_name "sysmem" or "sysmem-weak", name) is left as it is.
 *
 * A node fd's lines are printed under its collection's lock, taken
 * killable, held only while printing into the seq_file's buffer; the
 * ioctls of the fd take that same lock with nothing held inside it that
 * a reader of fdinfo holds, so neither can wait for the other for good.
 */

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "sysmem_core.h"
#include "sysmem_observe.h"

static void sysmem_seq_string(struct seq_file *m, const char *key,
			      const char *s, size_t max)
{
	seq_printf(m, "%s:\t", key);
	sysmem_seq_escape(m, s, max);
	seq_putc(m, '\n');
}

static void sysmem_seq_rights(struct seq_file *m, u32 rights)
{
	seq_puts(m, "sysmem-rights:\t");
	if (!(rights & SYSMEM_RIGHTS_ALL))
		seq_puts(m, "none");
	else if ((rights & SYSMEM_RIGHTS_ALL) == SYSMEM_RIGHTS_ALL)
		seq_puts(m, "read,write");
	else if (rights & SYSMEM_RIGHT_READ)
		seq_puts(m, "read");
	else
		seq_puts(m, "write");
	seq_putc(m, '\n');
}

/* The lines of a node fd.  The collection lock held. */
static void sysmem_node_fdinfo(struct seq_file *m,
			       const struct sysmem_node *node)
{
	const struct sysmem_collection *coll = node->coll;
	u32 reason, state = sysmem_node_status(node, &reason);

	seq_printf(m, "sysmem-kind:\t%s\n", sysmem_node_type_word(node->type));
	seq_printf(m, "sysmem-collection-id:\t%llu\n", coll->id);
	seq_printf(m, "sysmem-node-id:\t%llu\n", node->id);
	seq_printf(m, "sysmem-node-state:\t%s\n", sysmem_node_state_word(node));
	seq_printf(m, "sysmem-state:\t%s\n", sysmem_state_word(state));
	seq_printf(m, "sysmem-reason:\t%s\n", sysmem_reason_word(reason));
	seq_puts(m, "sysmem-missing:\t");
	sysmem_seq_missing(m, sysmem_node_missing(node));
	seq_putc(m, '\n');
	sysmem_seq_string(m, "sysmem-name", coll->name, sizeof(coll->name));
	sysmem_seq_string(m, "sysmem-debug-name", node->dbg.name,
			  sizeof(node->dbg.name));
	seq_printf(m, "sysmem-debug-id:\t%llu\n", node->dbg.id);
	seq_printf(m, "sysmem-pid:\t%u\n", (u32)node->pid);
	sysmem_seq_rights(m, node->rights);
	seq_printf(m, "sysmem-weak:\t%u\n", node->weak);
	if (node->type != SYSMEM_NODE_COLLECTION)
		return;
	seq_printf(m, "sysmem-constraints:\t%u\n", node->has_constraints);
	seq_printf(m, "sysmem-buffers:\t%u\n", coll->nr_buffers);
	seq_printf(m, "sysmem-buffer-size:\t%zu\n",
		   sysmem_collection_buffer_size(coll));
	sysmem_seq_string(m, "sysmem-heap", coll->settings.heap,
			  sizeof(coll->settings.heap));
}

/**
 * sysmem_node_show_fdinfo() - fdinfo of a token, collection or group fd
 * @m: the fdinfo file
 * @file: the node's file
 *
 * Context: process context; takes the collection lock (killable: a
 * reader killed while an allocation holds it prints nothing of sysmem's).
 */
void sysmem_node_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct sysmem_node *node = file->private_data;
	struct sysmem_collection *coll = node->coll;

	if (mutex_lock_killable(&coll->lock))
		return;
	sysmem_node_fdinfo(m, node);
	mutex_unlock(&coll->lock);
}

/**
 * sysmem_node_ref_show_fdinfo() - fdinfo of a node ref fd
 * @m: the fdinfo file
 * @file: the node ref's file
 *
 * What the ref names, which never changes: no lock.
 */
void sysmem_node_ref_show_fdinfo(struct seq_file *m, struct file *file)
{
	const struct sysmem_node_ident *ident = file->private_data;

	seq_puts(m, "sysmem-kind:\tnode-ref\n");
	seq_printf(m, "sysmem-collection-id:\t%llu\n", ident->coll_id);
	seq_printf(m, "sysmem-node-id:\t%llu\n", ident->node_id);
}

/**
 * sysmem_dev_show_fdinfo() - fdinfo of an open /dev/sysmem
 * @m: the fdinfo file
 * @file: the allocator file
 *
 * The debug info new nodes made through this file get.  Only the
 * client's spinlock, never held with a collection lock.
 */
void sysmem_dev_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct sysmem_client *client = file->private_data;
	struct sysmem_debug_info dbg;

	spin_lock(&client->lock);
	dbg = client->dbg;
	spin_unlock(&client->lock);
	seq_puts(m, "sysmem-kind:\tdevice\n");
	sysmem_seq_string(m, "sysmem-debug-name", dbg.name, sizeof(dbg.name));
	seq_printf(m, "sysmem-debug-id:\t%llu\n", dbg.id);
}
