// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem core: negotiation over one failure domain.
 *
 * Gathers the participants of a domain under each combination of its
 * groups' choices in turn and hands them to lib/ (sysmem_aggregate() for
 * a collection's allocation, sysmem_logical_allocate() for an attached
 * subtree) until one combination negotiates.  It changes nothing but
 * the groups' current choice: acting on the outcome is
 * sysmem_collection.c's.
 */

#include <linux/list.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sysmem_core.h"
#include "sysmem_culprit.h"
#include "sysmem_group.h"
#include "sysmem_logical.h"

/**
 * sysmem_chosen_next() - the next node under the current group choices
 * @n: the node the walk is at, starting at @top
 * @top: the top of the domain
 *
 * Walks like sysmem_domain_next(), but at a group only the chosen child
 * is entered (a group with no child left contributes nothing).
 *
 * Context: the collection lock held.
 * Return: the next node, or NULL at the end of the walk.
 */
struct sysmem_node *sysmem_chosen_next(struct sysmem_node *n,
				       struct sysmem_node *top)
{
	if (n == top || !n->attach_root) {
		if (n->type == SYSMEM_NODE_GROUP) {
			if (n->group_chosen)
				return n->group_chosen;
		} else if (!list_empty(&n->children)) {
			return list_first_entry(&n->children,
						struct sysmem_node, sibling);
		}
	}
	while (n != top) {
		struct sysmem_node *p = n->parent;

		if (p->type != SYSMEM_NODE_GROUP &&
		    !list_is_last(&n->sibling, &p->children))
			return list_next_entry(n, sibling);
		n = p;
	}
	return NULL;
}

/**
 * sysmem_negotiation_free() - free what sysmem_negotiation_init() made
 * @ng: the negotiation
 */
void sysmem_negotiation_free(struct sysmem_negotiation *ng)
{
	/* One allocation holds every array, or none does. */
	if (ng->parts != ng->small.parts)
		kfree(ng->parts);
	ng->parts = NULL;
}

/* The child of group @g that @n lies under (@n is below @g). */
static u32 sysmem_group_child_index(struct sysmem_node *g,
				    struct sysmem_node *n)
{
	struct sysmem_node *c;
	u32 i = 0;

	while (n->parent != g)
		n = n->parent;
	list_for_each_entry(c, &g->children, sibling) {
		if (c == n)
			break;
		i++;
	}
	return i;
}

/*
 * Give @ng its arrays: room for @np participants and @nr groups.  A
 * negotiation of at most SYSMEM_NG_SMALL_PARTS participants and no group
 * uses @ng->small; any other, one allocation for all five arrays, each
 * with a spare entry (so that none is empty), in order of falling
 * alignment (each size is a multiple of its type's alignment).
 */
static int sysmem_negotiation_arrays(struct sysmem_negotiation *ng,
				     unsigned int np, unsigned int nr)
{
	size_t size;

	if (np <= ARRAY_SIZE(ng->small.parts) && !nr) {
		ng->parts = ng->small.parts;
		ng->nodes = ng->small.nodes;
		ng->groups = ng->small.groups;
		ng->desc = ng->small.desc;
		ng->choice = ng->small.choice;
		return 0;
	}
	np++;
	nr++;
	size = size_add(size_add(array_size(np, sizeof(*ng->parts)),
				 array_size(np, sizeof(*ng->nodes))),
			size_add(array_size(nr, sizeof(*ng->groups)),
				 size_add(array_size(nr, sizeof(*ng->desc)),
					  array_size(nr, sizeof(*ng->choice)))));
	BUILD_BUG_ON(__alignof__(*ng->desc) > __alignof__(*ng->groups) ||
		     __alignof__(*ng->choice) > __alignof__(*ng->desc) ||
		     __alignof__(*ng->groups) > __alignof__(*ng->parts) ||
		     __alignof__(*ng->nodes) > __alignof__(*ng->parts));
	ng->parts = kzalloc(size, GFP_KERNEL);
	if (!ng->parts)
		return -ENOMEM;
	ng->nodes = (struct sysmem_node **)(ng->parts + np);
	ng->groups = (struct sysmem_node **)(ng->nodes + np);
	ng->desc = (struct sysmem_group_desc *)(ng->groups + nr);
	ng->choice = (u32 *)(ng->desc + nr);
	return 0;
}

/**
 * sysmem_negotiation_init() - set up a negotiation over a failure domain
 * @ng: the negotiation
 * @top: the top of the domain
 * @nr_prefix: room for this many participants first, filled by the
 *	caller
 *
 * Context: the collection lock held.
 * Return: 0 or -ENOMEM.
 */
int sysmem_negotiation_init(struct sysmem_negotiation *ng,
			    struct sysmem_node *top, unsigned int nr_prefix)
{
	unsigned int nr_cons = 0, nr_groups = 0, i;
	struct sysmem_node *n, *a;

	memset(ng, 0, sizeof(*ng));
	ng->top = top;
	ng->nr_prefix = nr_prefix;
	for (n = top; n; n = sysmem_domain_next(n, top)) {
		if (sysmem_domain_skip(n, top))
			continue;
		if (n->has_constraints)
			nr_cons++;
		if (n->type == SYSMEM_NODE_GROUP) {
			n->group_chosen = NULL;
			if (!list_empty(&n->children))
				nr_groups++;
		}
	}
	/* At most one participant per node: the sums cannot overflow. */
	if (sysmem_negotiation_arrays(ng, nr_prefix + nr_cons, nr_groups))
		return -ENOMEM;
	i = 0;
	for (n = top; n; n = sysmem_domain_next(n, top)) {
		if (sysmem_domain_skip(n, top) ||
		    n->type != SYSMEM_NODE_GROUP || list_empty(&n->children))
			continue;
		n->group_index = i;
		ng->groups[i] = n;
		ng->desc[i].nr_children = 0;
		list_for_each_entry(a, &n->children, sibling)
			ng->desc[i].nr_children++;
		ng->desc[i].parent = -1;
		/* The nearest enclosing group, already numbered. */
		for (a = n; a != top; a = a->parent) {
			if (a->parent->type == SYSMEM_NODE_GROUP) {
				ng->desc[i].parent = a->parent->group_index;
				ng->desc[i].parent_child =
					sysmem_group_child_index(a->parent, n);
				break;
			}
		}
		i++;
	}
	ng->nr_groups = nr_groups;
	return 0;
}

/* Apply the current choice and gather the participants it gives. */
static void sysmem_negotiation_gather(struct sysmem_negotiation *ng)
{
	struct sysmem_node *n, *c;
	unsigned int i, k;

	for (i = 0; i < ng->nr_groups; i++) {
		k = 0;
		ng->groups[i]->group_chosen = NULL;
		list_for_each_entry(c, &ng->groups[i]->children, sibling)
			if (k++ == ng->choice[i])
				ng->groups[i]->group_chosen = c;
	}
	k = ng->nr_prefix;
	for (n = ng->top; n; n = sysmem_chosen_next(n, ng->top)) {
		if (!n->has_constraints || sysmem_domain_skip(n, ng->top))
			continue;
		ng->nodes[k] = n;
		ng->parts[k].c = &n->c;
		ng->parts[k].heaps = n->heaps;
		ng->parts[k++].images = n->images;
	}
	ng->nr_parts = k;
}

/*
 * The first participant of the current combination whose aggregation
 * with the participants before it fails for the same reason and why:
 * the one to name in the log.  Only run on failure; one pass over the
 * participants (lib/sysmem_culprit.c).
 */
static const struct sysmem_node *
sysmem_negotiation_culprit(struct sysmem_negotiation *ng,
			   const struct sysmem_heap_desc *descs,
			   unsigned int nr_descs, u32 reason, const char *why)
{
	struct sysmem_culprit_scratch *scratch;
	int k;

	scratch = kmalloc(sizeof(*scratch), GFP_KERNEL);
	if (!scratch)
		return NULL;
	k = sysmem_aggregate_culprit(ng->parts, ng->nr_parts, ng->nr_prefix,
				     descs, nr_descs, reason, why, scratch);
	kfree(scratch);
	return k < 0 ? NULL : ng->nodes[k];
}

/**
 * sysmem_negotiate() - try the group combinations until one negotiates
 * @ng: the negotiation, from sysmem_negotiation_init()
 * @descs: the registered heaps
 * @nr_descs: entries of @descs
 * @base: the collection's settings and the buffer slots held in it, for
 *	an attached subtree; NULL for the collection's own allocation
 * @out: the settings chosen, when @base is NULL
 * @why: set to what went wrong, for the log
 *
 * Tries the combinations in order: sysmem_aggregate() into @out when
 * @base is NULL, else sysmem_logical_allocate() against @base.
 * The combination that negotiated stays chosen in the groups.
 *
 * Context: the collection lock held.
 * Return: SYSMEM_FAIL_NONE; else the reason of the first (preferred)
 * combination, or SYSMEM_FAIL_TOO_MANY_GROUPS after
 * SYSMEM_MAX_GROUP_COMBINATIONS tries with more left.
 */
u32 sysmem_negotiate(struct sysmem_negotiation *ng,
		     const struct sysmem_heap_desc *descs,
		     unsigned int nr_descs,
		     const struct sysmem_logical_base *base,
		     struct sysmem_buffer_settings *out, const char **why)
{
	u32 reason, first = SYSMEM_FAIL_NONE;
	const char *first_why = NULL;
	unsigned int tries = 0;

	for (;;) {
		sysmem_negotiation_gather(ng);
		if (base)
			reason = sysmem_logical_allocate(ng->parts +
							 ng->nr_prefix,
							 ng->nr_parts -
							 ng->nr_prefix,
							 base, why);
		else
			reason = sysmem_aggregate(ng->parts, ng->nr_parts,
						  descs, nr_descs, out, why);
		if (!reason)
			return SYSMEM_FAIL_NONE;
		if (!first) {
			first = reason;
			first_why = *why;
			/* An attached subtree's failure names its top. */
			if (!base)
				ng->culprit =
					sysmem_negotiation_culprit(ng, descs,
								   nr_descs,
								   reason,
								   *why);
		}
		if (!sysmem_groups_next(ng->desc, ng->nr_groups, ng->choice))
			break;
		if (++tries == SYSMEM_MAX_GROUP_COMBINATIONS) {
			*why = "gave up after 64 group child combinations";
			ng->culprit = NULL;
			return SYSMEM_FAIL_TOO_MANY_GROUPS;
		}
	}
	*why = first_why;
	return first;
}
