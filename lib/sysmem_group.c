// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Token group combinations.
 *
 * Every group of a collection's failure domain chooses one of its
 * children.  sysmem tries the combinations in one documented order and
 * takes the first that negotiates: the choices read as a number whose
 * digits are the groups in tree pre-order (a parent group before the
 * groups inside its children, an earlier group before a later one), the
 * first group the most significant digit, each digit counting the
 * group's children from the earliest.  A group inside a child its parent
 * did not choose takes no part and keeps 0.
 */
#include "sysmem_group.h"

/**
 * sysmem_group_active() - whether a group takes part in a combination
 * @groups: the groups, in pre-order
 * @choice: the current choice of each group
 * @i: the group asked about
 *
 * Return: true when every enclosing group chose the child @i lies under.
 */
bool sysmem_group_active(const struct sysmem_group_desc *groups,
			 const u32 *choice, unsigned int i)
{
	s32 p;

	while ((p = groups[i].parent) >= 0) {
		if (choice[p] != groups[i].parent_child)
			return false;
		i = (unsigned int)p;
	}
	return true;
}

/**
 * sysmem_groups_next() - the next combination to try
 * @groups: the groups, in pre-order
 * @nr_groups: their number
 * @choice: in: the combination just tried; out: the next one
 *
 * Return: true, or false when there is no next combination.
 */
bool sysmem_groups_next(const struct sysmem_group_desc *groups,
			unsigned int nr_groups, u32 *choice)
{
	unsigned int i = nr_groups, j;

	while (i--) {
		if (!sysmem_group_active(groups, choice, i) ||
		    choice[i] + 1 >= groups[i].nr_children)
			continue;
		choice[i]++;
		for (j = i + 1; j < nr_groups; j++)
			choice[j] = 0;
		return true;
	}
	return false;
}

/**
 * sysmem_groups_valid() - check a group list
 * @groups: the groups
 * @nr_groups: their number
 *
 * Return: true when well formed (see sysmem_group.h).
 */
bool sysmem_groups_valid(const struct sysmem_group_desc *groups,
			 unsigned int nr_groups)
{
	unsigned int i;

	for (i = 0; i < nr_groups; i++) {
		s32 p = groups[i].parent;

		if (!groups[i].nr_children)
			return false;
		if (p < -1 || (p >= 0 && (unsigned int)p >= i))
			return false;
		if (p >= 0 && groups[i].parent_child >= groups[p].nr_children)
			return false;
	}
	return true;
}
