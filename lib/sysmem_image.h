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
#include "sysmem_format.h"

/* DRM_FORMAT_MOD_INVALID, refused in every image constraint. */
#define SYSMEM_MODIFIER_INVALID	0x00ffffffffffffffULL

/*
 * One entry sanitized for one format (rule 2), or several combined
 * (rule 3.3).  Everything is u64 so no intermediate value wraps; the
 * "no limit" values are 0xffffffff for sizes and pitches and ~0 for
 * max_wxh and req_min_*.
 */
struct sysmem_image_limits {
	u64 min_w, min_h, max_w, max_h;
	u64 min_bpr, max_bpr;
	u64 max_wxh;
	u64 align_w, align_h;
	u64 divisor;
	u64 disp_w, disp_h;
	u64 offset_div;
	u64 req_min_w, req_min_h;
	u64 pad_w, pad_h;
	u64 pad_beyond;
	u32 color_spaces;
	bool has_max_size;
	bool has_max_bpr;
	bool has_req_min;
	bool pixel_boundary;
	bool alpha;
};

/*
 * What the image walk of a prefix of participants looks at, as counts
 * (sysmem_image_census_add()): used pairs, pairs with an explicit
 * modifier of a usable format, the same for the first participant with
 * image constraints and no DO_NOT_CARE modifier (lo), and whether some
 * pair names a format of the table.
 */
struct sysmem_image_census {
	u64 pairs;
	u64 mod_pairs;
	u64 lo_mod_pairs;
	bool lo;
	bool fmt_named;
};

/*
 * One candidate (format, modifier) followed over growing prefixes of the
 * participants: its combined limits so far (rules 3.2, 3.3), for
 * sysmem_aggregate_culprit().
 */
struct sysmem_image_probe {
	const struct sysmem_format_desc *f;
	u64 m;
	struct sysmem_image_limits c;
	bool dead;	/* refused, or its limits conflict */
	bool f_named;	/* some participant names the format */
	bool m_named;	/* some usable pair names the modifier */
	bool sizes;	/* some accepting entry has a required size */
	/* scratch of sysmem_image_probe_survives() */
	struct sysmem_image_limits tmp;
	struct sysmem_image_format img;
};

void sysmem_image_census_add(struct sysmem_image_census *cs,
			     const struct sysmem_participant *p);
bool sysmem_image_census_bounded(const struct sysmem_image_census *cs);
void sysmem_image_probe_start(struct sysmem_image_probe *pr, u32 fourcc,
			      u64 modifier);
void sysmem_image_probe_add(struct sysmem_image_probe *pr,
			    const struct sysmem_participant *p);
bool sysmem_image_probe_survives(struct sysmem_image_probe *pr,
				 const struct sysmem_participant *parts,
				 unsigned int nr_parts, u64 buffer_size,
				 u64 max_size_bytes);

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
