/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Buffer constraint validation and aggregation: pure, deterministic code
 * shared by sysmem.ko, libsysmem and the host tests.  The rules are
 * DESIGN.md section 5 and Documentation/sysmem/negotiation.rst.
 */
#ifndef _SYSMEM_LIB_CONSTRAINTS_H
#define _SYSMEM_LIB_CONSTRAINTS_H

#include "sysmem_compat.h"

#ifdef __KERNEL__
#include <uapi/linux/sysmem.h>
#else
#include <linux/sysmem.h>
#endif

/*
 * Why one participant's constraints are refused.  The module returns
 * -EINVAL for every one of them and logs sysmem_invalid_str().
 */
enum sysmem_invalid {
	SYSMEM_VALID = 0,
	SYSMEM_INVALID_FLAGS,		/* unknown flag bits */
	SYSMEM_INVALID_RESERVED,	/* a reserved field is not 0 */
	SYSMEM_INVALID_USAGE_EMPTY,	/* no usage bit */
	SYSMEM_INVALID_USAGE_UNKNOWN,	/* unknown usage bits */
	SYSMEM_INVALID_USAGE_NONE_NOT_ALONE,
	SYSMEM_INVALID_MAX_COUNT_ZERO,
	SYSMEM_INVALID_COUNT_RANGE,	/* a minimum above max_buffer_count */
	SYSMEM_INVALID_SIZE_RANGE,	/* min_size_bytes above max_size_bytes */
	SYSMEM_INVALID_DOMAINS,		/* unknown or no domain bits */
	SYSMEM_INVALID_CPU_DOMAIN,	/* CPU usage without CPU or RAM domain */
	SYSMEM_INVALID_CPU_SECURE,	/* CPU usage with secure */
	SYSMEM_INVALID_HEAP_COUNT,	/* 0 or above SYSMEM_MAX_HEAPS */
	SYSMEM_INVALID_HEAP_NAME,	/* empty or not NUL-terminated */
	SYSMEM_INVALID_IMAGE_FORMATS,	/* image_format_count above the limit */
	SYSMEM_INVALID_IMAGE_FLAGS,	/* unknown image flags or reserved bits */
	SYSMEM_INVALID_IMAGE_FORMAT_COUNT, /* nr_formats 0 or too many */
	SYSMEM_INVALID_IMAGE_FORMAT,	/* no entry names a known format */
	SYSMEM_INVALID_IMAGE_MODIFIER,	/* DRM_FORMAT_MOD_INVALID */
	SYSMEM_INVALID_IMAGE_COLOR_SPACES, /* none, too many, unknown */
	SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT, /* color space vs format */
	SYSMEM_INVALID_IMAGE_SIZE_RANGE,	/* a min above its max */
	SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, /* too many, or outside limits */
	SYSMEM_INVALID_IMAGE_DUPLICATE,	/* a (format, modifier) twice */
	SYSMEM_INVALID_BASE_ALIGNMENT,	/* not 0 and not a power of two */
	SYSMEM_INVALID_PHYSICAL_ADDRESS, /* a limit without its flag */
	SYSMEM_INVALID_MAX
};

/* A static, human-readable explanation of an enum sysmem_invalid. */
const char *sysmem_invalid_str(int invalid);

/*
 * Check one participant's constraints.  @heaps points at the
 * c->heap_count heap names already copied from the caller (NULL when
 * SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS is clear; heap_count is then
 * ignored).  @images points at the c->image_format_count image
 * constraints already copied from the caller (NULL when the count is 0).
 * Returns SYSMEM_VALID or an enum sysmem_invalid.
 */
int sysmem_constraints_validate(const struct sysmem_buffer_constraints *c,
				const struct sysmem_heap_name *heaps,
				const struct sysmem_image_constraints *images);

/*
 * How many heap names and image entries a caller copies in for @c: the
 * counts its flags and counts describe, 0 when there is nothing to copy
 * or the count is out of range (validation then judges the count).
 * Both doors, the ioctl and kernel participants, copy by these.
 */
u32 sysmem_constraints_heaps_to_copy(const struct sysmem_buffer_constraints *c);
u32 sysmem_constraints_images_to_copy(const struct sysmem_buffer_constraints *c);

/*
 * The coherency domains a valid participant supports: the explicit set
 * when given, else the defaults (CPU unless secure; RAM unless secure or
 * CPU usage; INACCESSIBLE unless CPU usage).
 */
u32 sysmem_constraints_domains(const struct sysmem_buffer_constraints *c);

/* One participant that has set (valid) constraints. */
struct sysmem_participant {
	const struct sysmem_buffer_constraints *c;
	const struct sysmem_heap_name *heaps;	/* NULL: any heap */
	/* c->image_format_count entries; NULL: no image constraints */
	const struct sysmem_image_constraints *images;
};

/*
 * A registered heap, as aggregation sees it.  @base_alignment is the
 * physical base alignment of every buffer (reported when nobody asks for
 * more); @max_base_alignment the largest the heap gives on request (0:
 * none beyond @base_alignment is promised, and no request is honoured);
 * @address_floor the lowest max_physical_address it can keep buffers
 * under (0: any).
 */
struct sysmem_heap_desc {
	const char *name;	/* "system" is system memory */
	u32 domains;		/* SYSMEM_DOMAIN_* the heap supports */
	bool contiguous;	/* buffers are physically contiguous */
	bool secure;		/* buffers are CPU-inaccessible, protected */
	u64 base_alignment;
	u64 max_base_alignment;
	u64 address_floor;
};

/*
 * Aggregate @nr_parts participants' constraints and choose settings.
 * @heaps lists the registered heaps in registration order.
 *
 * On success returns SYSMEM_FAIL_NONE and fills @out (every byte of it,
 * heap name NUL-padded).  On failure returns SYSMEM_FAIL_CONSTRAINTS or
 * SYSMEM_FAIL_NO_HEAP, leaves @out zeroed and points @why at a static
 * string naming the rule that broke.  Deterministic: the same input gives
 * the same output.
 */
u32 sysmem_aggregate(const struct sysmem_participant *parts,
		     unsigned int nr_parts,
		     const struct sysmem_heap_desc *heaps,
		     unsigned int nr_heaps,
		     struct sysmem_buffer_settings *out, const char **why);

/* Registered heaps whose permitted state struct sysmem_agg keeps in bits. */
#define SYSMEM_AGG_PERMITTED_BITS	64

/*
 * An aggregation in progress: what the participants folded so far, in
 * order, add up to.  sysmem_aggregate() is sysmem_agg_init(), one
 * sysmem_agg_add() per participant and sysmem_agg_finish();
 * sysmem_aggregate_culprit() (sysmem_culprit.h) looks at the prefix after
 * each fold.  Plain data: a copy is an independent accumulator.
 */
struct sysmem_agg {
	const struct sysmem_participant *parts;
	unsigned int nr_parts;		/* parts[0..nr_parts) are folded */
	const struct sysmem_heap_desc *heaps;
	unsigned int nr_heaps;
	u64 usage;
	u64 camping, dedicated, shared;	/* sum, sum, max */
	u64 min_count, max_count;	/* max, min (~0: none) */
	u64 size, max_size;		/* max, min (~0: none) */
	u64 alignment;			/* largest base alignment, or 0 */
	u64 address_limit;		/* lowest address limit, or ~0 */
	/* bit i: every permitted-heaps list so far names heaps[i] */
	u64 permitted;
	u32 domains;
	bool overflow;			/* a count sum overflowed */
	bool contiguous, secure;
	bool images;			/* someone has image constraints */
	/* set by sysmem_agg_finish() when the image rules chose a format */
	bool image_chosen;
	u32 image_format;
	u64 image_modifier;
};

void sysmem_agg_init(struct sysmem_agg *a,
		     const struct sysmem_participant *parts,
		     const struct sysmem_heap_desc *heaps,
		     unsigned int nr_heaps);
void sysmem_agg_add(struct sysmem_agg *a);
u32 sysmem_agg_check(const struct sysmem_agg *a, const char **why);
u32 sysmem_agg_heap(const struct sysmem_agg *a,
		    const struct sysmem_heap_desc **heap, const char **why);
u32 sysmem_agg_finish(struct sysmem_agg *a, struct sysmem_buffer_settings *out,
		      const char **why);
u64 sysmem_buffer_footprint(u64 size, const struct sysmem_buffer_settings *s);

#endif /* _SYSMEM_LIB_CONSTRAINTS_H */
