// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Admission of a participant to buffers that already exist.
 *
 * A participant attached after allocation takes the buffers as they
 * are.  It is admitted when its own constraints allow them: the buffer
 * count, size, heap, coherency domain, contiguity and secure flag
 * allocated, the physical placement (base alignment and address
 * limit), and, when it has image constraints, the chosen format,
 * modifier, color space, image size, row pitch and plane layout.  What
 * a negotiation including it would now prefer (another domain for its
 * usage, another format for video usage) does not matter.
 */
#include "sysmem_admit.h"
#include "sysmem_format.h"
#include "sysmem_image.h"
#include "sysmem_math.h"

static u64 sysmem_admit_or1(u32 v)
{
	return v ? v : 1;
}

static bool sysmem_admit_divides(u32 d, u64 v)
{
	return !sysmem_mod64(v, sysmem_admit_or1(d));
}

/*
 * How specific pair @pair is for (@format, @modifier): -1 when it does
 * not match, else 2 for an explicit format plus 1 for an explicit
 * modifier (the order of rule 3.2 of negotiation.rst).
 */
static int sysmem_admit_pair_rank(const struct sysmem_format_pair *pair,
				  u32 format, u64 modifier)
{
	int rank = 0;

	if (pair->format == format && format != SYSMEM_FORMAT_DO_NOT_CARE)
		rank += 2;
	else if (pair->format != SYSMEM_FORMAT_DO_NOT_CARE)
		return -1;
	if (pair->modifier == modifier &&
	    modifier != SYSMEM_MODIFIER_DO_NOT_CARE)
		rank += 1;
	else if (pair->modifier != SYSMEM_MODIFIER_DO_NOT_CARE)
		return -1;
	return rank;
}

static bool sysmem_admit_color_space(const struct sysmem_image_constraints *ic,
				     u32 cs)
{
	u32 i, n = ic->nr_color_spaces;

	if (n > SYSMEM_MAX_COLOR_SPACES)
		n = SYSMEM_MAX_COLOR_SPACES;
	for (i = 0; i < n; i++)
		if (ic->color_spaces[i] == cs ||
		    ic->color_spaces[i] == SYSMEM_COLOR_SPACE_DO_NOT_CARE)
			return true;
	return false;
}

static bool sysmem_admit_size_in(const struct sysmem_image_constraints *ic,
				 u32 w, u32 h)
{
	if (w < ic->min_size.width || h < ic->min_size.height ||
	    !sysmem_admit_divides(ic->size_alignment.width, w) ||
	    !sysmem_admit_divides(ic->size_alignment.height, h))
		return false;
	if ((ic->flags & SYSMEM_IMAGE_HAS_MAX_SIZE) &&
	    (w > ic->max_size.width || h > ic->max_size.height))
		return false;
	if ((ic->flags & SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT) &&
	    (u64)w * h > ic->max_width_times_height)
		return false;
	return true;
}

/*
 * Whether buffers of @size_bytes laid out as @img hold an image of
 * @w x @h (a size some participant requires): the image's limits must
 * allow the size (rounded up to its alignment), and its layout at that
 * size must fit the buffer.  Without a layout (a vendor modifier) the
 * size must fit within the chosen one.
 */
static bool sysmem_admit_holds(const struct sysmem_image_format *img,
			       u64 size_bytes, u32 w, u32 h)
{
	struct sysmem_image_format tmp;
	u64 aw, ah;

	if (sysmem_align_up_overflow(w, sysmem_admit_or1(img->size_alignment.width),
				     &aw) ||
	    sysmem_align_up_overflow(h, sysmem_admit_or1(img->size_alignment.height),
				     &ah) ||
	    aw > 0xffffffffULL || ah > 0xffffffffULL)
		return false;
	if (img->modifier != SYSMEM_MODIFIER_LINEAR)
		return aw <= img->size.width && ah <= img->size.height;
	if (sysmem_image_format_layout(img, (u32)aw, (u32)ah, &tmp))
		return false;
	return tmp.image_size <= size_bytes;
}

static const char *
sysmem_admit_required(const struct sysmem_image_constraints *ic,
		      const struct sysmem_image_format *img, u64 size_bytes)
{
	static const char * const why =
		"the buffers cannot hold an image size the participant requires";
	u32 i, n = ic->nr_required_max_sizes;

	if ((ic->flags & SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE) &&
	    (ic->required_min_size.width < img->min_size.width ||
	     ic->required_min_size.height < img->min_size.height))
		return "a required_min_size is below the allocated image's min_size";
	if ((ic->flags & SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE) &&
	    !sysmem_admit_holds(img, size_bytes, ic->required_max_size.width,
				ic->required_max_size.height))
		return why;
	if (n > SYSMEM_MAX_REQUIRED_SIZES)
		n = SYSMEM_MAX_REQUIRED_SIZES;
	for (i = 0; i < n; i++)
		if (!sysmem_admit_holds(img, size_bytes,
					ic->required_max_sizes[i].width,
					ic->required_max_sizes[i].height))
			return why;
	return NULL;
}

static const char *
sysmem_admit_layout(const struct sysmem_image_constraints *ic,
		    const struct sysmem_image_format *img)
{
	const struct sysmem_format_desc *f = sysmem_format_lookup(img->format);
	u32 bpr = img->bytes_per_row, i;

	if (img->modifier != SYSMEM_MODIFIER_LINEAR || !f)
		return NULL;	/* sysmem knows no layout to judge */
	if (bpr < ic->min_bytes_per_row ||
	    ((ic->flags & SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW) &&
	     bpr > ic->max_bytes_per_row) ||
	    !sysmem_admit_divides(ic->bytes_per_row_divisor, bpr) ||
	    ((ic->flags & SYSMEM_IMAGE_BYTES_PER_ROW_AT_PIXEL_BOUNDARY) &&
	     !sysmem_admit_divides(sysmem_format_bytes_per_pixel(f), bpr)))
		return "the allocated row pitch is outside the participant's limits";
	/*
	 * A start offset divisor the allocated one is a multiple of is met
	 * by construction; another one must hold for the layout as it is.
	 */
	if (!sysmem_admit_divides(ic->start_offset_divisor,
				  sysmem_admit_or1(img->start_offset_divisor)))
		for (i = 0; i < img->nr_planes && i < SYSMEM_MAX_PLANES; i++)
			if (!sysmem_admit_divides(ic->start_offset_divisor,
						  img->planes[i].offset))
				return "plane offsets miss the participant's start_offset_divisor";
	return NULL;
}

/**
 * sysmem_admit_image_entry() - does one entry admit a chosen image?
 * @ic: the participant's entry matching @img's format and modifier
 * @img: the image allocated
 * @size_bytes: the size of the buffers allocated
 *
 * Checked: the color space is one @ic lists (or @ic says DO_NOT_CARE);
 * the image size lies within @ic's min_size, max_size and
 * max_width_times_height and is a multiple of its size_alignment; every
 * size @ic requires fits the buffers (each laid out on its own at the
 * chosen pitch rules) and within the image's limits, and a
 * required_min_size is not below the image's min_size; @ic's display
 * rect alignment divides the image's; for LINEAR, the row pitch lies
 * within @ic's limits and is a multiple of its divisor (and of the
 * bytes per pixel when @ic asks for pixel boundaries), and every plane
 * offset is a multiple of @ic's start_offset_divisor.
 *
 * Return: NULL when admitted, else a static reason.
 */
const char *sysmem_admit_image_entry(const struct sysmem_image_constraints *ic,
				     const struct sysmem_image_format *img,
				     u64 size_bytes)
{
	const char *why;

	if (!sysmem_admit_color_space(ic, img->color_space))
		return "the allocated color space is not one the participant accepts";
	if (!sysmem_admit_size_in(ic, img->size.width, img->size.height))
		return "the allocated image size is outside the participant's limits";
	why = sysmem_admit_required(ic, img, size_bytes);
	if (why)
		return why;
	if (!sysmem_admit_divides(ic->display_rect_alignment.width,
				  sysmem_admit_or1(img->display_rect_alignment.width)) ||
	    !sysmem_admit_divides(ic->display_rect_alignment.height,
				  sysmem_admit_or1(img->display_rect_alignment.height)))
		return "display rect alignment below the participant's";
	return sysmem_admit_layout(ic, img);
}

/**
 * sysmem_admit_image() - do a participant's image entries admit an image?
 * @images: the participant's entries
 * @count: their number
 * @img: the image allocated
 * @size_bytes: the size of the buffers allocated
 *
 * The entry judged is the participant's most specific one matching
 * @img's (format, modifier): an explicit format before DO_NOT_CARE, then
 * an explicit modifier before DO_NOT_CARE, the earlier entry among
 * equals; an entry with ALPHA_PRESENT matches only formats with alpha.
 *
 * Return: NULL when admitted, else a static reason.
 */
const char *sysmem_admit_image(const struct sysmem_image_constraints *images,
			       u32 count,
			       const struct sysmem_image_format *img,
			       u64 size_bytes)
{
	const struct sysmem_format_desc *f = sysmem_format_lookup(img->format);
	const struct sysmem_image_constraints *best = NULL;
	int best_rank = -1, rank;
	u32 i, j, n;

	if (count > SYSMEM_MAX_IMAGE_FORMATS)
		count = SYSMEM_MAX_IMAGE_FORMATS;
	for (i = 0; i < count; i++) {
		const struct sysmem_image_constraints *ic = &images[i];

		if ((ic->flags & SYSMEM_IMAGE_ALPHA_PRESENT) &&
		    (!f || !f->has_alpha))
			continue;
		n = ic->nr_formats;
		if (n > SYSMEM_MAX_FORMAT_PAIRS)
			n = SYSMEM_MAX_FORMAT_PAIRS;
		for (j = 0; j < n; j++) {
			rank = sysmem_admit_pair_rank(&ic->formats[j],
						      img->format,
						      img->modifier);
			if (rank > best_rank) {
				best_rank = rank;
				best = ic;
			}
		}
	}
	if (!best)
		return "no image format entry of the participant accepts the format allocated";
	return sysmem_admit_image_entry(best, img, size_bytes);
}

static bool sysmem_admit_heap(const struct sysmem_participant *p,
			      const char *heap)
{
	u32 i, j;

	if (!(p->c->flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS) ||
	    !p->heaps)
		return true;
	for (i = 0; i < p->c->heap_count && i < SYSMEM_MAX_HEAPS; i++) {
		for (j = 0; j < SYSMEM_HEAP_NAME_LEN; j++) {
			if (p->heaps[i].name[j] != heap[j])
				break;
			if (!heap[j])
				return true;
		}
	}
	return false;
}

/**
 * sysmem_admit_buffers() - can a participant use the buffers that exist?
 * @p: the participant, with valid constraints
 * @s: the settings allocated
 *
 * Return: NULL when admitted, else a static reason.
 */
const char *sysmem_admit_buffers(const struct sysmem_participant *p,
				 const struct sysmem_buffer_settings *s)
{
	const struct sysmem_buffer_constraints *c = p->c;
	u32 count = c->image_format_count;

	if (s->buffer_count < c->min_buffer_count)
		return "buffer count allocated below a participant's min_buffer_count";
	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT) &&
	    s->buffer_count > c->max_buffer_count)
		return "buffer count allocated above a participant's max_buffer_count";
	if (s->size_bytes < c->min_size_bytes)
		return "buffer size allocated below a participant's min_size_bytes";
	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_SIZE) &&
	    s->size_bytes > c->max_size_bytes)
		return "buffer size allocated above a participant's max_size_bytes";
	if (!(sysmem_constraints_domains(c) & s->coherency_domain))
		return "coherency domain allocated is not one the participant supports";
	if ((c->flags & SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS) &&
	    !(s->flags & SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS))
		return "the participant requires physically contiguous buffers; they are not";
	if ((c->flags & SYSMEM_CONSTRAINTS_SECURE) &&
	    !(s->flags & SYSMEM_SETTINGS_SECURE))
		return "the participant requires secure buffers; they are not";
	/* Both powers of two: a larger alignment is a multiple. */
	if (s->min_physical_base_alignment < c->min_physical_base_alignment)
		return "physical base alignment allocated below the participant's";
	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS) &&
	    s->max_physical_address > c->max_physical_address)
		return "buffers may lie above the participant's physical address limit";
	if (!sysmem_admit_heap(p, s->heap))
		return "heap allocated from is not one the participant permits";
	if (!p->images || !count)
		return NULL;
	if (!(s->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT))
		return "the participant has image constraints; the buffers have no image format";
	return sysmem_admit_image(p->images, count, &s->image, s->size_bytes);
}
