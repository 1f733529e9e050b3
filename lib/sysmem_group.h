/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Token group combinations: the order in which sysmem tries the choices
 * of one child per group.  Pure code shared by sysmem.ko and the host
 * tests; the rules are in Documentation/sysmem/negotiation.rst ("Token
 * groups").
 */
#ifndef _SYSMEM_LIB_GROUP_H
#define _SYSMEM_LIB_GROUP_H

#include "sysmem_compat.h"

/*
 * One group of a failure domain.  Groups are listed in the pre-order of
 * the node tree (parents before children, earlier children first), so a
 * group's enclosing group always comes before it.
 */
struct sysmem_group_desc {
	u32 nr_children;	/* at least 1 */
	s32 parent;		/* index of the nearest enclosing group, -1 */
	u32 parent_child;	/* the child of @parent this group lies under */
};

/*
 * Whether group @i takes part under @choice: it is not inside a child
 * that an enclosing group did not choose.
 */
bool sysmem_group_active(const struct sysmem_group_desc *groups,
			 const u32 *choice, unsigned int i);

/*
 * Advance @choice (one child index per group, all 0 at first) to the
 * next combination: the choices of the active groups counted like the
 * digits of a number, the first group the most significant, each digit
 * running from 0 (the earliest child) up.  Groups that are not active
 * keep 0.  Returns false, @choice unchanged, when every combination has
 * been tried.
 */
bool sysmem_groups_next(const struct sysmem_group_desc *groups,
			unsigned int nr_groups, u32 *choice);

/*
 * Whether @groups is well formed: every group has a child, and each
 * parent index points before the group at a group with that child.
 */
bool sysmem_groups_valid(const struct sysmem_group_desc *groups,
			 unsigned int nr_groups);

#endif /* _SYSMEM_LIB_GROUP_H */
