/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The participant to blame for a failed aggregation: the first one
 * whose fold makes the prefix of participants up to it fail with the
 * same reason and why as the whole.  Pure code shared by sysmem.ko and
 * the host tests; see Documentation/sysmem/negotiation.rst.
 */
#ifndef _SYSMEM_LIB_CULPRIT_H
#define _SYSMEM_LIB_CULPRIT_H

#include "sysmem_compat.h"
#include "sysmem_constraints.h"
#include "sysmem_image.h"

/* The working state of sysmem_aggregate_culprit(), about 1.1 KiB. */
struct sysmem_culprit_scratch {
	struct sysmem_agg run;		/* the prefix so far */
	struct sysmem_agg tmp;		/* a copy, finished */
	struct sysmem_image_census census;
	struct sysmem_image_probe probe;
	bool probing;			/* probe follows a chosen format */
	struct sysmem_buffer_settings out;
};

/*
 * The index k, at least @first, of the first participant for which
 * sysmem_aggregate(@parts, k + 1, @heaps, @nr_heaps) returns @reason
 * with the same @why (the same pointer), or -1 when none does or
 * @reason is SYSMEM_FAIL_NONE.  @scratch is working space.
 */
int sysmem_aggregate_culprit(const struct sysmem_participant *parts,
			     unsigned int nr_parts, unsigned int first,
			     const struct sysmem_heap_desc *heaps,
			     unsigned int nr_heaps, u32 reason,
			     const char *why,
			     struct sysmem_culprit_scratch *scratch);

#endif /* _SYSMEM_LIB_CULPRIT_H */
