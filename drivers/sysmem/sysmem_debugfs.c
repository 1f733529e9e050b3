// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: the debugfs view of every live collection
 * (/sys/kernel/debug/sysmem/collections), and the words and escaping it
 * shares with fdinfo (sysmem_fdinfo.c).
 *
 * The file is a snapshot, one collection at a time: each is reached
 * through sysmem_collection_next() with a reference held, and printed
 * under its own lock only, so a reader never holds two locks, never
 * holds the list lock while it waits, and never copies to user memory
 * under a lock (the seq_file core copies once show has returned).  The
 * format, agreed with the tools that parse it, is told in
 * Documentation/sysmem/diagnostics.rst: one record per line, a record
 * word then key=value fields in a fixed order; new fields only ever go
 * at the end of a line.
 */

#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "sysmem_core.h"
#include "sysmem_observe.h"

/**
 * sysmem_seq_escape() - print a string from userspace, escaped
 * @m: where to
 * @s: the string
 * @max: the most bytes @s can hold (it need not be NUL-terminated)
 *
 * Every byte outside printable ASCII (0x20..0x7e), and '"' and '\', is
 * printed as a backslash and three octal digits; the rest as is.  So the
 * result never holds a space-less separator of its own, a quote or a
 * line end, and is undone by reading each \ooo back.
 */
void sysmem_seq_escape(struct seq_file *m, const char *s, size_t max)
{
	size_t i, len = strnlen(s, max);

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}

/**
 * sysmem_state_word() - a collection state as one word
 * @state: SYSMEM_STATE_*
 *
 * Return: "pending", "allocated", "failed", or "unknown".
 */
const char *sysmem_state_word(u32 state)
{
	switch (state) {
	case SYSMEM_STATE_PENDING:
		return "pending";
	case SYSMEM_STATE_ALLOCATED:
		return "allocated";
	case SYSMEM_STATE_FAILED:
		return "failed";
	}
	return "unknown";
}

/**
 * sysmem_reason_word() - a failure reason as one word
 * @reason: SYSMEM_FAIL_*
 *
 * Return: the lowercase name of the reason without its SYSMEM_FAIL_
 * prefix ("none", "constraints", "no_memory", "no_heap",
 * "participant_lost", "too_many_groups", "not_chosen"), or "unknown".
 */
const char *sysmem_reason_word(u32 reason)
{
	switch (reason) {
	case SYSMEM_FAIL_NONE:
		return "none";
	case SYSMEM_FAIL_CONSTRAINTS:
		return "constraints";
	case SYSMEM_FAIL_NO_MEMORY:
		return "no_memory";
	case SYSMEM_FAIL_NO_HEAP:
		return "no_heap";
	case SYSMEM_FAIL_PARTICIPANT_LOST:
		return "participant_lost";
	case SYSMEM_FAIL_TOO_MANY_GROUPS:
		return "too_many_groups";
	case SYSMEM_FAIL_NOT_CHOSEN:
		return "not_chosen";
	}
	return "unknown";
}

/**
 * sysmem_node_state_word() - a node's state as one word
 * @node: the node
 *
 * "failed" once the node's failure domain or its collection failed, or
 * the node was closed without release; else "released" for a node that
 * left cleanly, "unbound" for a live token, "consumed" for a token
 * turned into a collection node (only its own fd still shows it), and
 * "bound" for a live collection or group node.
 *
 * Context: the collection lock held.
 * Return: a static string.
 */
const char *sysmem_node_state_word(const struct sysmem_node *node)
{
	u32 reason;

	if (node->state == SYSMEM_NODE_BOUND)
		return "consumed";
	if (node->state == SYSMEM_NODE_CLOSED ||
	    sysmem_node_status(node, &reason) == SYSMEM_STATE_FAILED)
		return "failed";
	if (node->state == SYSMEM_NODE_RELEASED)
		return "released";
	return node->type == SYSMEM_NODE_TOKEN ? "unbound" : "bound";
}

/**
 * sysmem_seq_missing() - print SYSMEM_MISSING_* bits
 * @m: where to
 * @missing: the bits
 *
 * "none", or the words of the bits set joined by commas, no spaces.
 */
void sysmem_seq_missing(struct seq_file *m, unsigned int missing)
{
	static const char * const words[] = {
		"unbound_token", "no_constraints", "group_children",
	};
	const char *sep = "";
	unsigned int i;

	if (!missing) {
		seq_puts(m, "none");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (!(missing & BIT(i)))
			continue;
		seq_printf(m, "%s%s", sep, words[i]);
		sep = ",";
	}
}

/**
 * sysmem_collection_buffer_size() - the size of each of a collection's
 *	buffers
 * @coll: the collection
 *
 * Context: the collection lock held.
 * Return: the page-aligned size in bytes, 0 while the collection holds
 *	no buffer (pending, or failed).
 */
size_t sysmem_collection_buffer_size(const struct sysmem_collection *coll)
{
	return coll->nr_buffers ? coll->buffers[0].buf->size : 0;
}

/* The kind of a node in the collections file. */
static const char *sysmem_node_kind_word(const struct sysmem_node *node)
{
	return node->kernel ? "knode" : sysmem_node_type_word(node->type);
}

static void sysmem_show_node(struct seq_file *m, const struct sysmem_node *n)
{
	seq_printf(m, "node coll=%llu id=%llu parent=%llu kind=%s state=%s debug_name=\"",
		   n->coll->id, n->id, n->parent ? n->parent->id : 0,
		   sysmem_node_kind_word(n), sysmem_node_state_word(n));
	sysmem_seq_escape(m, n->dbg.name, sizeof(n->dbg.name));
	seq_printf(m, "\" debug_id=%llu pid=%u missing=", n->dbg.id,
		   (u32)n->pid);
	sysmem_seq_missing(m, sysmem_node_missing(n));
	seq_putc(m, '\n');
}

/*
 * A buffer's holders: its users count, that is the collection's own
 * hold (until it lets go of its buffers) plus one per sysmem dma-buf of
 * the buffer still open, strong or weak, whatever number of fds,
 * mappings and importers share that dma-buf.  The heap's own dma-buf is
 * not counted: it lives exactly while this count is not 0.  Taken under
 * the buffer's spinlock, which nests inside the collection lock.
 */
static unsigned int sysmem_buffer_holders(struct sysmem_buffer *buf)
{
	unsigned int users;

	spin_lock(&buf->lock);
	users = buf->users;
	spin_unlock(&buf->lock);
	return users;
}

/* One collection's records.  @coll->lock held. */
static void sysmem_show_collection(struct seq_file *m,
				   struct sysmem_collection *coll)
{
	const char *heap = coll->settings.heap;
	unsigned int nodes = 0, i;
	struct sysmem_node *n;
	u64 age_ms;

	for (n = coll->root; n; n = sysmem_node_next(n, coll->root))
		nodes++;
	age_ms = div_u64(ktime_get_ns() - coll->created_ns, NSEC_PER_MSEC);
	seq_printf(m, "collection id=%llu name=\"", coll->id);
	sysmem_seq_escape(m, coll->name, sizeof(coll->name));
	seq_printf(m, "\" state=%s reason=%s age_ms=%llu nodes=%u buffers=%u size=%zu heap=\"",
		   sysmem_state_word(coll->state),
		   sysmem_reason_word(coll->reason), age_ms, nodes,
		   coll->nr_buffers, sysmem_collection_buffer_size(coll));
	sysmem_seq_escape(m, heap, sizeof(coll->settings.heap));
	seq_puts(m, "\"\n");
	for (n = coll->root; n; n = sysmem_node_next(n, coll->root))
		sysmem_show_node(m, n);
	for (i = 0; i < coll->nr_buffers; i++) {
		struct sysmem_buffer *buf = coll->buffers[i].buf;

		seq_printf(m, "buffer coll=%llu index=%u heap=\"", coll->id,
			   buf->index);
		sysmem_seq_escape(m, heap, sizeof(coll->settings.heap));
		seq_printf(m, "\" size=%zu holders=%u\n", buf->size,
			   sysmem_buffer_holders(buf));
	}
}

static int sysmem_collections_show(struct seq_file *m, void *unused)
{
	struct sysmem_collection *coll = NULL;

	while ((coll = sysmem_collection_next(coll))) {
		if (mutex_lock_killable(&coll->lock)) {
			sysmem_collection_put(coll);
			return -EINTR;
		}
		sysmem_show_collection(m, coll);
		mutex_unlock(&coll->lock);
		/* The seq_file core starts over with a larger buffer. */
		if (seq_has_overflowed(m)) {
			sysmem_collection_put(coll);
			break;
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sysmem_collections);

/**
 * sysmem_collections_debugfs_init() - create the collections file
 * @debugfs: sysmem's debugfs directory
 *
 * Root only (0400): it names every process taking part in a
 * negotiation.  debugfs problems are not fatal.
 */
void sysmem_collections_debugfs_init(struct dentry *debugfs)
{
	debugfs_create_file("collections", 0400, debugfs, NULL,
			    &sysmem_collections_fops);
}
