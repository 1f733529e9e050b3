/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Admission: whether one participant's constraints admit buffers that
 * already exist.  Used by the logical allocation of attached subtrees
 * (lib/sysmem_logical.c): a participant that arrives after allocation is
 * judged against the settings allocated, never against what a new
 * negotiation would prefer.  Pure code shared by sysmem.ko, libsysmem
 * and the host tests; the rules are in Documentation/sysmem/negotiation.rst
 * ("Attach token").
 */
#ifndef _SYSMEM_LIB_ADMIT_H
#define _SYSMEM_LIB_ADMIT_H

#include "sysmem_compat.h"
#include "sysmem_constraints.h"

/*
 * Whether the image constraints entry @ic (valid) admits the chosen
 * image @img of buffers of @size_bytes, @ic being the entry that
 * matches @img's format and modifier.  Returns NULL, or a static string
 * naming the limit @img is outside of.
 */
const char *sysmem_admit_image_entry(const struct sysmem_image_constraints *ic,
				     const struct sysmem_image_format *img,
				     u64 size_bytes);

/*
 * Whether a participant's @count image constraint entries (valid)
 * admit @img: its most specific entry matching @img's format and
 * modifier (the rule aggregation uses) must admit it.  Returns NULL or
 * a static reason.
 */
const char *sysmem_admit_image(const struct sysmem_image_constraints *images,
			       u32 count,
			       const struct sysmem_image_format *img,
			       u64 size_bytes);

/*
 * Whether participant @p (valid constraints) can use the buffers @s
 * describes: the buffer count within its min and max, the size, the
 * coherency domain, contiguity, secure, the physical base alignment (at
 * least the participant's) and address limit (not above the
 * participant's, when it gives one), the heap and, when it has image
 * constraints, the chosen image.  Usage is not compared, nor the
 * buffers other participants camp on (see sysmem_logical_allocate()).
 * Returns NULL or a static reason.
 */
const char *sysmem_admit_buffers(const struct sysmem_participant *p,
				 const struct sysmem_buffer_settings *s);

#endif /* _SYSMEM_LIB_ADMIT_H */
