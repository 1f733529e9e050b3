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

/*
 * Add the buffers @parts camp on or keep as dedicated slack to *@taken.
 * Returns false (and leaves *@taken alone) when the sum does not fit in
 * a u32.
 */
bool sysmem_logical_take(const struct sysmem_participant *parts,
			 unsigned int nr_parts, u32 *taken);

/*
 * Fill @c with the stand-in participant for the buffers earlier attached
 * subtrees took: usage NONE, @taken camping buffers, nothing else.
 */
void sysmem_logical_taken_constraints(struct sysmem_buffer_constraints *c,
				      u32 taken);

/*
 * Logically allocate: aggregate @parts (the constraints in force when the
 * collection allocated, the stand-in for what earlier attached subtrees
 * took, and the new subtree's participants) and compare the outcome with
 * the collection's @existing settings.  Returns SYSMEM_FAIL_NONE when
 * the subtree can share the buffers, else SYSMEM_FAIL_CONSTRAINTS with
 * @why naming the rule that broke.
 */
u32 sysmem_logical_allocate(const struct sysmem_participant *parts,
			    unsigned int nr_parts,
			    const struct sysmem_heap_desc *heaps,
			    unsigned int nr_heaps,
			    const struct sysmem_buffer_settings *existing,
			    const char **why);

#endif /* _SYSMEM_LIB_LOGICAL_H */
