/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Image format constraints: validation of one participant's entries and
 * the choice of the one image format every participant accepts.  Pure,
 * deterministic code shared by sysmem.ko, libsysmem and the host tests;
 * the rules are written out at the top of sysmem_image.c.
 */
#ifndef _SYSMEM_LIB_IMAGE_H
#define _SYSMEM_LIB_IMAGE_H

#include "sysmem_compat.h"
#include "sysmem_constraints.h"

/* DRM_FORMAT_MOD_INVALID, refused in every image constraint. */
#define SYSMEM_MODIFIER_INVALID	0x00ffffffffffffffULL

/*
 * Check one participant's @count image constraint entries at @images
 * (NULL when @count is 0).  Returns SYSMEM_VALID or the enum
 * sysmem_invalid of the first rule broken.
 */
int sysmem_image_validate(const struct sysmem_image_constraints *images,
			  u32 count);

/*
 * How many used pairs of the valid entries at @images name a format
 * sysmem cannot lay out (aggregation skips them), with the first such
 * format in @first (0 when none); for the caller's debug log.
 */
u32 sysmem_image_skipped(const struct sysmem_image_constraints *images,
			 u32 count, u32 *first);

/* True when some participant at @parts has image constraints. */
bool sysmem_image_constrained(const struct sysmem_participant *parts,
			      unsigned int nr_parts);

/*
 * Choose the image format for @nr_parts valid participants whose
 * aggregate usage is @usage, whose largest min_size_bytes is
 * @buffer_size and whose smallest max_size_bytes is @max_size_bytes
 * (~0 when none).  Returns false with @out filled, or true with @out
 * zeroed and @why (may be NULL) pointing at a static reason.
 */
bool sysmem_image_aggregate(const struct sysmem_participant *parts,
			    unsigned int nr_parts, u64 usage, u64 buffer_size,
			    u64 max_size_bytes, struct sysmem_image_format *out,
			    const char **why);

/*
 * Lay out the chosen LINEAR image format @img at another @width x
 * @height within its limits, with the rules aggregation used.  Writes a
 * copy of @img with size, bytes_per_row, planes and image_size updated
 * to @out (which may be @img) and returns false; returns true, writing
 * nothing, when the size or the format does not allow it.
 */
bool sysmem_image_format_layout(const struct sysmem_image_format *img,
				u32 width, u32 height,
				struct sysmem_image_format *out);

#endif /* _SYSMEM_LIB_IMAGE_H */
