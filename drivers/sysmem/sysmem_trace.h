/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmem tracepoints: trace system "sysmem".
 *
 * One event at each step a performance or bug hunt follows: nodes made
 * (token_create, token_duplicate, token_bind), constraints set, the
 * negotiation's outcome (negotiation_done, negotiation_failed), buffers
 * allocated and their memory released, and the collection freed.  Every
 * event carries the collection id; node events carry the node id, the
 * same number the stall log line names.  See
 * Documentation/sysmem/diagnostics.rst.
 *
 * The module is built out of tree: define_trace.h finds this file as
 * TRACE_INCLUDE_PATH/TRACE_INCLUDE_FILE.h on the include path, which
 * Kbuild extends with drivers/sysmem/.  sysmem_trace.c defines
 * CREATE_TRACE_POINTS.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sysmem

#if !defined(_SYSMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SYSMEM_TRACE_H

#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "sysmem_core.h"

/* The node types by name in the events' format files, for tools. */
TRACE_DEFINE_ENUM(SYSMEM_NODE_TOKEN);
TRACE_DEFINE_ENUM(SYSMEM_NODE_COLLECTION);
TRACE_DEFINE_ENUM(SYSMEM_NODE_GROUP);

TRACE_EVENT(sysmem_token_create,
	    TP_PROTO(const struct sysmem_node *node),
	    TP_ARGS(node),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, node_id)
			     __field(u64, client_id)
			     __field(u32, type)
			     __field(u32, rights)
			     __field(pid_t, pid)
	    ),
	    TP_fast_assign(__entry->coll_id = node->coll->id;
			   __entry->node_id = node->id;
			   __entry->client_id = node->dbg.id;
			   __entry->type = node->type;
			   __entry->rights = node->rights;
			   __entry->pid = node->pid;
	    ),
	    TP_printk("collection=%llu node=%llu type=%s rights=0x%x pid=%d client=%llu",
		      __entry->coll_id, __entry->node_id,
		      __print_symbolic(__entry->type,
				       { SYSMEM_NODE_TOKEN, "token" },
				       { SYSMEM_NODE_COLLECTION, "collection" },
				       { SYSMEM_NODE_GROUP, "group" }),
		      __entry->rights, __entry->pid, __entry->client_id)
);

TRACE_EVENT(sysmem_token_duplicate,
	    TP_PROTO(const struct sysmem_node *node),
	    TP_ARGS(node),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, node_id)
			     __field(u64, parent_id)
			     __field(u32, type)
			     __field(u32, parent_type)
			     __field(u32, rights)
			     __field(pid_t, pid)
	    ),
	    TP_fast_assign(__entry->coll_id = node->coll->id;
			   __entry->node_id = node->id;
			   __entry->parent_id = node->parent ? node->parent->id : 0;
			   __entry->type = node->type;
			   __entry->parent_type = node->parent ? node->parent->type : 0;
			   __entry->rights = node->rights;
			   __entry->pid = node->pid;
	    ),
	    TP_printk("collection=%llu node=%llu type=%s parent=%llu parent_type=%s rights=0x%x pid=%d",
		      __entry->coll_id, __entry->node_id,
		      __print_symbolic(__entry->type,
				       { SYSMEM_NODE_TOKEN, "token" },
				       { SYSMEM_NODE_COLLECTION, "collection" },
				       { SYSMEM_NODE_GROUP, "group" }),
		      __entry->parent_id,
		      __print_symbolic(__entry->parent_type,
				       { SYSMEM_NODE_TOKEN, "token" },
				       { SYSMEM_NODE_COLLECTION, "collection" },
				       { SYSMEM_NODE_GROUP, "group" }),
		      __entry->rights, __entry->pid)
);

TRACE_EVENT(sysmem_token_bind,
	    TP_PROTO(const struct sysmem_node *node),
	    TP_ARGS(node),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, node_id)
			     __field(pid_t, pid)
	    ),
	    TP_fast_assign(__entry->coll_id = node->coll->id;
			   __entry->node_id = node->id;
			   __entry->pid = node->pid;
	    ),
	    TP_printk("collection=%llu node=%llu pid=%d",
		      __entry->coll_id, __entry->node_id, __entry->pid)
);

TRACE_EVENT(sysmem_constraints_set,
	    TP_PROTO(const struct sysmem_node *node),
	    TP_ARGS(node),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, node_id)
			     __field(u64, usage)
			     __field(u64, min_size)
			     __field(u64, max_size)
			     __field(u32, flags)
			     __field(u32, camping)
			     __field(u32, dedicated_slack)
			     __field(u32, shared_slack)
			     __field(u32, min_count)
			     __field(u32, max_count)
			     __field(u32, heap_count)
			     __field(u32, image_format_count)
			     __field(pid_t, pid)
	    ),
	    TP_fast_assign(__entry->coll_id = node->coll->id;
			   __entry->node_id = node->id;
			   __entry->usage = node->c.usage;
			   __entry->min_size = node->c.min_size_bytes;
			   __entry->max_size = node->c.flags & SYSMEM_CONSTRAINTS_HAS_MAX_SIZE ?
					       node->c.max_size_bytes : 0;
			   __entry->flags = node->c.flags;
			   __entry->camping = node->c.min_buffer_count_for_camping;
			   __entry->dedicated_slack =
				   node->c.min_buffer_count_for_dedicated_slack;
			   __entry->shared_slack = node->c.min_buffer_count_for_shared_slack;
			   __entry->min_count = node->c.min_buffer_count;
			   __entry->max_count =
				   node->c.flags & SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT ?
				   node->c.max_buffer_count : 0;
			   __entry->heap_count =
				   node->c.flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS ?
				   node->c.heap_count : 0;
			   __entry->image_format_count = node->c.image_format_count;
			   __entry->pid = node->pid;
	    ),
	    TP_printk("collection=%llu node=%llu pid=%d usage=0x%llx flags=0x%x min_size=%llu max_size=%llu camping=%u dedicated_slack=%u shared_slack=%u min_count=%u max_count=%u heaps=%u image_formats=%u",
		      __entry->coll_id, __entry->node_id, __entry->pid,
		      __entry->usage, __entry->flags, __entry->min_size,
		      __entry->max_size, __entry->camping,
		      __entry->dedicated_slack, __entry->shared_slack,
		      __entry->min_count, __entry->max_count, __entry->heap_count,
		      __entry->image_format_count)
);

TRACE_EVENT(sysmem_negotiation_done,
	    TP_PROTO(const struct sysmem_collection *coll, u64 duration_ns,
		     u64 pending_ns),
	    TP_ARGS(coll, duration_ns, pending_ns),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, size)
			     __field(u64, duration_ns)
			     __field(u64, pending_ns)
			     __field(u32, buffer_count)
			     __field(u32, domain)
			     __field(u32, format)
			     __array(char, heap, SYSMEM_HEAP_NAME_LEN)
	    ),
	    TP_fast_assign(__entry->coll_id = coll->id;
			   __entry->size = coll->settings.size_bytes;
			   __entry->duration_ns = duration_ns;
			   __entry->pending_ns = pending_ns;
			   __entry->buffer_count = coll->settings.buffer_count;
			   __entry->domain = coll->settings.coherency_domain;
			   __entry->format =
				   coll->settings.flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT ?
				   coll->settings.image.format : 0;
			   strscpy_pad(__entry->heap, coll->settings.heap,
				       SYSMEM_HEAP_NAME_LEN);
	    ),
	    TP_printk("collection=%llu buffers=%u size=%llu heap=%s domain=0x%x format=0x%08x duration_ns=%llu pending_ns=%llu",
		      __entry->coll_id, __entry->buffer_count, __entry->size,
		      __entry->heap, __entry->domain, __entry->format,
		      __entry->duration_ns, __entry->pending_ns)
);

TRACE_EVENT(sysmem_negotiation_failed,
	    TP_PROTO(const struct sysmem_collection *coll, u32 reason,
		     const struct sysmem_node *culprit, u64 pending_ns),
	    TP_ARGS(coll, reason, culprit, pending_ns),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, culprit_id)
			     __field(u64, culprit_client)
			     __field(u64, pending_ns)
			     __field(u32, reason)
	    ),
	    TP_fast_assign(__entry->coll_id = coll->id;
			   __entry->culprit_id = culprit ? culprit->id : 0;
			   __entry->culprit_client = culprit ? culprit->dbg.id : 0;
			   __entry->pending_ns = pending_ns;
			   __entry->reason = reason;
	    ),
	    TP_printk("collection=%llu reason=%u (%s) culprit=%llu culprit_client=%llu pending_ns=%llu",
		      __entry->coll_id, __entry->reason,
		      __print_symbolic(__entry->reason,
				       { SYSMEM_FAIL_NONE, "none" },
				       { SYSMEM_FAIL_CONSTRAINTS, "constraints" },
				       { SYSMEM_FAIL_NO_MEMORY, "no_memory" },
				       { SYSMEM_FAIL_NO_HEAP, "no_heap" },
				       { SYSMEM_FAIL_PARTICIPANT_LOST,
					 "participant_lost" },
				       { SYSMEM_FAIL_TOO_MANY_GROUPS,
					 "too_many_groups" },
				       { SYSMEM_FAIL_NOT_CHOSEN, "not_chosen" }),
		      __entry->culprit_id, __entry->culprit_client,
		      __entry->pending_ns)
);

TRACE_EVENT(sysmem_buffer_alloc,
	    TP_PROTO(const struct sysmem_buffer *buf, const char *heap),
	    TP_ARGS(buf, heap),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, size)
			     __field(u32, index)
			     __field(u32, domain)
			     __array(char, heap, SYSMEM_HEAP_NAME_LEN)
	    ),
	    TP_fast_assign(__entry->coll_id = buf->collection_id;
			   __entry->size = buf->size;
			   __entry->index = buf->index;
			   __entry->domain = buf->domain;
			   strscpy_pad(__entry->heap, heap, SYSMEM_HEAP_NAME_LEN);
	    ),
	    TP_printk("collection=%llu index=%u size=%llu heap=%s domain=0x%x",
		      __entry->coll_id, __entry->index, __entry->size,
		      __entry->heap, __entry->domain)
);

TRACE_EVENT(sysmem_buffer_release,
	    TP_PROTO(const struct sysmem_buffer *buf),
	    TP_ARGS(buf),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, size)
			     __field(u32, index)
	    ),
	    TP_fast_assign(__entry->coll_id = buf->collection_id;
			   __entry->size = buf->size;
			   __entry->index = buf->index;
	    ),
	    TP_printk("collection=%llu index=%u size=%llu",
		      __entry->coll_id, __entry->index, __entry->size)
);

TRACE_EVENT(sysmem_collection_free,
	    TP_PROTO(const struct sysmem_collection *coll, u64 lifetime_ns),
	    TP_ARGS(coll, lifetime_ns),
	    TP_STRUCT__entry(__field(u64, coll_id)
			     __field(u64, lifetime_ns)
			     __field(u32, state)
			     __field(u32, reason)
			     __field(u32, buffer_count)
	    ),
	    TP_fast_assign(__entry->coll_id = coll->id;
			   __entry->lifetime_ns = lifetime_ns;
			   __entry->state = coll->state;
			   __entry->reason = coll->reason;
			   __entry->buffer_count = coll->nr_buffers;
	    ),
	    TP_printk("collection=%llu state=%s reason=%u buffers=%u lifetime_ns=%llu",
		      __entry->coll_id,
		      __print_symbolic(__entry->state,
				       { SYSMEM_STATE_PENDING, "pending" },
				       { SYSMEM_STATE_ALLOCATED, "allocated" },
				       { SYSMEM_STATE_FAILED, "failed" }),
		      __entry->reason, __entry->buffer_count, __entry->lifetime_ns)
);

#endif /* _SYSMEM_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sysmem_trace
#include <trace/define_trace.h>
