// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Logical allocation for attached subtrees.
 *
 * A subtree attached with SYSMEM_IOC_ATTACH_TOKEN gets no buffers of its
 * own: it shares the collection's.  It fits when aggregating every
 * constraint in force (those of the initial allocation, plus the buffers
 * earlier attached subtrees took, plus the subtree's own) gives the same
 * settings the collection has, except that the buffer count may be lower
 * than the count allocated.  Camping and dedicated slack of accepted
 * subtrees stay taken, so slots go first come, first served.
 */
#include "sysmem_logical.h"

/**
 * sysmem_logical_take() - count the buffers a subtree takes
 * @parts: the subtree's participants
 * @nr_parts: their number
 * @taken: in: buffers taken so far; out: with @parts' camping and
 *	dedicated slack added
 *
 * Return: true, or false when the sum overflows a u32 (*@taken kept).
 */
bool sysmem_logical_take(const struct sysmem_participant *parts,
			 unsigned int nr_parts, u32 *taken)
{
	u64 sum = *taken;
	unsigned int i;

	for (i = 0; i < nr_parts; i++) {
		sum += parts[i].c->min_buffer_count_for_camping;
		sum += parts[i].c->min_buffer_count_for_dedicated_slack;
		if (sum > 0xffffffffULL)
			return false;
	}
	*taken = (u32)sum;
	return true;
}

/**
 * sysmem_logical_taken_constraints() - a stand-in for taken buffers
 * @c: filled: usage NONE, @taken camping buffers, nothing else
 * @taken: buffers earlier attached subtrees took
 */
void sysmem_logical_taken_constraints(struct sysmem_buffer_constraints *c,
				      u32 taken)
{
	u8 *p = (u8 *)c;
	size_t i;

	for (i = 0; i < sizeof(*c); i++)
		p[i] = 0;
	c->usage = SYSMEM_USAGE_NONE;
	c->min_buffer_count_for_camping = taken;
}

static bool sysmem_str_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			return true;
	}
	return true;
}

/* The chosen image (not the combined limits around it) is the same. */
static bool sysmem_image_same(const struct sysmem_image_format *a,
			      const struct sysmem_image_format *b)
{
	unsigned int i;

	if (a->format != b->format || a->modifier != b->modifier ||
	    a->color_space != b->color_space ||
	    a->size.width != b->size.width ||
	    a->size.height != b->size.height ||
	    a->bytes_per_row != b->bytes_per_row ||
	    a->nr_planes != b->nr_planes || a->image_size != b->image_size)
		return false;
	for (i = 0; i < a->nr_planes && i < SYSMEM_MAX_PLANES; i++)
		if (a->planes[i].offset != b->planes[i].offset ||
		    a->planes[i].bytes_per_row != b->planes[i].bytes_per_row)
			return false;
	return true;
}

/**
 * sysmem_logical_allocate() - can a subtree share the allocated buffers?
 * @parts: the constraints in force, the stand-in for taken buffers (see
 *	sysmem_logical_taken_constraints()) and the subtree's participants
 * @nr_parts: their number
 * @heaps: the registered heaps, in registration order
 * @nr_heaps: their number
 * @existing: the collection's settings
 * @why: on failure, a static string naming what does not fit
 *
 * Compared: the buffer count (the combined count must not exceed the
 * allocated one), the size, the coherency domain, the contiguous and
 * secure flags, the heap, and, with image constraints, the chosen
 * format, modifier, color space, image size, row pitch and plane
 * layout.  Usage is not compared: a new use of the same memory changes
 * nothing allocated.
 *
 * Return: SYSMEM_FAIL_NONE, or SYSMEM_FAIL_CONSTRAINTS.
 */
u32 sysmem_logical_allocate(const struct sysmem_participant *parts,
			    unsigned int nr_parts,
			    const struct sysmem_heap_desc *heaps,
			    unsigned int nr_heaps,
			    const struct sysmem_buffer_settings *existing,
			    const char **why)
{
	struct sysmem_buffer_settings s;
	const char *msg = NULL;

	if (sysmem_aggregate(parts, nr_parts, heaps, nr_heaps, &s, &msg))
		goto fail;
	if (s.buffer_count > existing->buffer_count) {
		msg = "buffer count above the count allocated";
		goto fail;
	}
	if (s.size_bytes != existing->size_bytes) {
		msg = "buffer size differs from the size allocated";
		goto fail;
	}
	if (s.coherency_domain != existing->coherency_domain) {
		msg = "coherency domain differs from the one allocated";
		goto fail;
	}
	if ((s.flags ^ existing->flags) &
	    (SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS | SYSMEM_SETTINGS_SECURE)) {
		msg = "contiguous or secure differs from the buffers allocated";
		goto fail;
	}
	if (!sysmem_str_eq(s.heap, existing->heap, sizeof(s.heap))) {
		msg = "heap differs from the heap allocated from";
		goto fail;
	}
	if ((s.flags ^ existing->flags) & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT ||
	    ((s.flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT) &&
	     !sysmem_image_same(&s.image, &existing->image))) {
		msg = "image format differs from the one allocated";
		goto fail;
	}
	return SYSMEM_FAIL_NONE;

fail:
	if (why)
		*why = msg;
	return SYSMEM_FAIL_CONSTRAINTS;
}
