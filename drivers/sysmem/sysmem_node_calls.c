// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem core: what a participant does to its node, whichever door it
 * comes through.
 *
 * The calls that the node fds' ioctls and the kernel participant API
 * (sysmem_knode.c) share: setting a collection node's constraints,
 * naming the collection, and taking a buffer's dma-buf for a result.
 * The callers copy their input into kernel memory first; nothing here
 * sees a user pointer or an fd.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sysmem_core.h"
#include "sysmem_image.h"
#include "sysmem_trace.h"

/**
 * sysmem_collection_name() - name a collection, if @priority wins
 * @coll: the collection
 * @priority: the name's priority: it replaces a name of lower priority
 * @name: 1 to SYSMEM_NAME_LEN - 1 bytes and a NUL
 *
 * The buffers' dma-bufs already exported take the new name too.
 *
 * Context: @coll->lock held.
 */
void sysmem_collection_name(struct sysmem_collection *coll, u32 priority,
			    const char *name)
{
	unsigned int i, j;

	lockdep_assert_held(&coll->lock);
	if (coll->name[0] && priority <= coll->name_priority)
		return;
	strscpy(coll->name, name, sizeof(coll->name));
	coll->name_priority = priority;
	for (i = 0; i < coll->nr_buffers; i++)
		for (j = 0; j < ARRAY_SIZE(coll->buffers[i].dmabuf); j++)
			if (coll->buffers[i].dmabuf[j])
				sysmem_dmabuf_set_name(coll->buffers[i].dmabuf[j],
						       coll->name);
}

/**
 * sysmem_node_set_constraints() - a live collection node's constraints
 * @node: the collection node
 * @c: the constraints; @c->heaps and @c->image_formats are not read
 * @heaps: kvmalloc'd copy of the @c->heap_count permitted heap names, or
 *	NULL; taken over (kept or freed) whatever the outcome
 * @images: kvmalloc'd copy of the @c->image_format_count image format
 *	constraints, or NULL; taken over likewise
 *
 * The one way in for the ioctl and for kernel participants: validate,
 * then set once.  Setting them may make the collection ready: it is
 * then negotiated and allocated before this returns.
 *
 * Context: takes and drops the collection lock (killably).
 * Return: 0, -EINVAL (invalid constraints), -ESTALE (node not live),
 * -EALREADY (set before), -EIO (the node's domain failed) or -EINTR
 * (a fatal signal came while waiting for the lock).
 */
int sysmem_node_set_constraints(struct sysmem_node *node,
				const struct sysmem_buffer_constraints *c,
				struct sysmem_heap_name *heaps,
				struct sysmem_image_constraints *images)
{
	struct sysmem_collection *coll = node->coll;
	u32 reason, skipped, unknown;
	int invalid, ret = 0;

	invalid = sysmem_constraints_validate(c, heaps, images);
	if (invalid) {
		pr_debug("participant \"%*pE\" (id %llu): invalid constraints: %s\n",
			 sysmem_name_len(node->dbg.name), node->dbg.name,
			 node->dbg.id, sysmem_invalid_str(invalid));
		ret = -EINVAL;
		goto free_arrays;
	}
	skipped = sysmem_image_skipped(images, c->image_format_count,
				       &unknown);
	if (skipped)
		pr_debug("participant \"%*pE\" (id %llu): %u image format pairs skipped, format unknown to sysmem (first %p4cc)\n",
			 sysmem_name_len(node->dbg.name), node->dbg.name,
			 node->dbg.id, skipped, &unknown);
	/* Killable: another participant may be allocating under it. */
	if (mutex_lock_killable(&coll->lock)) {
		ret = -EINTR;
		goto free_arrays;
	}
	if (node->state != SYSMEM_NODE_LIVE) {
		ret = -ESTALE;
	} else if (node->has_constraints) {
		ret = -EALREADY;
	} else if (sysmem_node_status(node, &reason) == SYSMEM_STATE_FAILED) {
		ret = -EIO;
	} else {
		node->c = *c;
		node->c.heaps = 0;
		node->c.image_formats = 0;
		node->heaps = heaps;
		node->images = images;
		heaps = NULL;
		images = NULL;
		node->has_constraints = true;
		trace_sysmem_constraints_set(node);
		sysmem_collection_update(coll, node);
	}
	mutex_unlock(&coll->lock);
free_arrays:
	kvfree(images);
	kvfree(heaps);
	return ret;
}

/**
 * sysmem_node_writable() - whether a node gets its buffers writable
 * @node: a collection node with constraints
 *
 * Return: true when it has the write right and a write usage.
 */
bool sysmem_node_writable(const struct sysmem_node *node)
{
	return (node->rights & SYSMEM_RIGHT_WRITE) &&
	       (node->c.usage & SYSMEM_USAGE_WRITE_MASK);
}

/**
 * sysmem_coll_buffer_dmabuf() - a strong dma-buf of one of the buffers
 * @coll: the allocated collection
 * @cb: one of its buffers, still held
 * @writable: the read-write export, else the read-only one
 *
 * Each export is made on first demand and kept by the collection until
 * it lets go of the buffers; every caller gets a reference of its own.
 *
 * Context: @coll->lock held.
 * Return: the dma-buf, with a new reference, or an ERR_PTR.
 */
struct dma_buf *sysmem_coll_buffer_dmabuf(struct sysmem_collection *coll,
					  struct sysmem_coll_buffer *cb,
					  bool writable)
{
	struct dma_buf *dmabuf = cb->dmabuf[writable];

	lockdep_assert_held(&coll->lock);
	if (!dmabuf) {
		dmabuf = sysmem_buffer_export(cb->buf, writable, false,
					      coll->name);
		if (IS_ERR(dmabuf))
			return dmabuf;
		cb->dmabuf[writable] = dmabuf;
	}
	get_dma_buf(dmabuf);
	return dmabuf;
}
