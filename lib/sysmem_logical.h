/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Logical allocation: whether a subtree attached to an allocated
 * collection can share the buffers it already has.  Pure code shared by
 * sysmem.ko and the host tests; the rules are in
 * Documentation/sysmem/negotiation.rst ("Attach token").
 */
#ifndef _SYSMEM_LIB_LOGICAL_H
#define _SYSMEM_LIB_LOGICAL_H

#include "sysmem_compat.h"
#include "sysmem_constraints.h"

/**
 * struct sysmem_logical_base - what an attached subtree is judged against
 * @settings: the collection's settings
 * @held: buffers the participants still holding slots camp on or keep
 *	as dedicated slack (see sysmem_logical_count())
 * @shared_slack: the largest shared slack among them
 */
struct sysmem_logical_base {
	const struct sysmem_buffer_settings *settings;
	u64 held;
	u32 shared_slack;
};

/*
 * Add the buffers @parts camp on or keep as dedicated slack to *@held,
 * and raise *@shared_slack to their largest shared slack.  A u64 sum of
 * u32 counts cannot overflow for any number of participants that fits
 * in memory.
 */
void sysmem_logical_count(const struct sysmem_participant *parts,
			  unsigned int nr_parts, u64 *held, u32 *shared_slack);

/*
 * Logically allocate: whether the subtree's participants @parts can
 * share the buffers @base describes.  Returns SYSMEM_FAIL_NONE, or
 * SYSMEM_FAIL_CONSTRAINTS with @why naming the rule that broke.
 */
u32 sysmem_logical_allocate(const struct sysmem_participant *parts,
			    unsigned int nr_parts,
			    const struct sysmem_logical_base *base,
			    const char **why);

#endif /* _SYSMEM_LIB_LOGICAL_H */
