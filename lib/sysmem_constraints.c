// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Buffer constraint validation and aggregation, shared by the module,
 * libsysmem and the host tests.  The rules are DESIGN.md section 5 and
 * Documentation/sysmem/negotiation.rst; nothing here allocates, sleeps or
 * calls a library function.
 */
#include "sysmem_constraints.h"
#include "sysmem_image.h"
#include "sysmem_math.h"
#include "sysmem_uapi_layout.h"

static const char * const sysmem_invalid_strs[SYSMEM_INVALID_MAX] = {
	[SYSMEM_VALID] = "constraints are valid",
	[SYSMEM_INVALID_FLAGS] = "flags has unknown bits",
	[SYSMEM_INVALID_RESERVED] = "reserved is not 0",
	[SYSMEM_INVALID_USAGE_EMPTY] = "usage has no bit set",
	[SYSMEM_INVALID_USAGE_UNKNOWN] = "usage has unknown bits",
	[SYSMEM_INVALID_USAGE_NONE_NOT_ALONE] =
		"usage NONE is combined with other bits",
	[SYSMEM_INVALID_MAX_COUNT_ZERO] = "max_buffer_count is 0",
	[SYSMEM_INVALID_COUNT_RANGE] =
		"a minimum buffer count is above max_buffer_count",
	[SYSMEM_INVALID_SIZE_RANGE] = "min_size_bytes is above max_size_bytes",
	[SYSMEM_INVALID_DOMAINS] =
		"coherency_domains is empty or has unknown bits",
	[SYSMEM_INVALID_CPU_DOMAIN] =
		"CPU usage without the CPU or RAM coherency domain",
	[SYSMEM_INVALID_CPU_SECURE] = "CPU usage with secure memory",
	[SYSMEM_INVALID_HEAP_COUNT] =
		"heap_count is 0 or above SYSMEM_MAX_HEAPS",
	[SYSMEM_INVALID_HEAP_NAME] =
		"a permitted heap name is empty or not NUL-terminated",
	[SYSMEM_INVALID_IMAGE_FORMATS] =
		"image_format_count is too large or disagrees with image_formats",
	[SYSMEM_INVALID_IMAGE_FLAGS] =
		"an image entry has unknown flags or a reserved field not 0",
	[SYSMEM_INVALID_IMAGE_FORMAT_COUNT] =
		"an image entry's nr_formats is 0 or too large",
	[SYSMEM_INVALID_IMAGE_FORMAT] =
		"no image entry names a format sysmem can lay out",
	[SYSMEM_INVALID_IMAGE_MODIFIER] =
		"an image entry names DRM_FORMAT_MOD_INVALID",
	[SYSMEM_INVALID_IMAGE_COLOR_SPACES] =
		"an image entry's color spaces are missing, too many or unknown",
	[SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT] =
		"an image entry's color space does not go with its format",
	[SYSMEM_INVALID_IMAGE_SIZE_RANGE] =
		"an image entry's minimum is above its maximum",
	[SYSMEM_INVALID_IMAGE_REQUIRED_SIZES] =
		"an image entry's required sizes are bad or outside its limits",
	[SYSMEM_INVALID_BASE_ALIGNMENT] =
		"min_physical_base_alignment is not 0 or a power of two",
	[SYSMEM_INVALID_PHYSICAL_ADDRESS] =
		"max_physical_address is set without its flag",
	[SYSMEM_INVALID_IMAGE_DUPLICATE] =
		"a (format, modifier) pair appears twice in the image entries",
};

/**
 * sysmem_invalid_str() - explain an enum sysmem_invalid
 * @invalid: a value returned by sysmem_constraints_validate()
 *
 * Return: a static, human-readable sentence; "unknown" for a value that is
 * not an enum sysmem_invalid.
 */
const char *sysmem_invalid_str(int invalid)
{
	if (invalid < 0 || invalid >= SYSMEM_INVALID_MAX ||
	    !sysmem_invalid_strs[invalid])
		return "unknown";
	return sysmem_invalid_strs[invalid];
}

/* True when @name has a NUL within its SYSMEM_HEAP_NAME_LEN bytes. */
static bool sysmem_heap_name_terminated(const struct sysmem_heap_name *name)
{
	unsigned int i;

	for (i = 0; i < SYSMEM_HEAP_NAME_LEN; i++)
		if (!name->name[i])
			return true;
	return false;
}

/*
 * True when the registered heap name @a equals the permitted name @b
 * exactly.  @b is read only within its SYSMEM_HEAP_NAME_LEN bytes and @a
 * no further than its NUL or that bound, so a registered name longer than
 * any permitted name can hold never matches.
 */
static bool sysmem_heap_name_eq(const char *a, const char *b)
{
	unsigned int i;

	for (i = 0; i < SYSMEM_HEAP_NAME_LEN; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			return true;
	}
	return false;
}

/* True when the NUL-terminated @a is exactly @b. */
static bool sysmem_str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/**
 * sysmem_constraints_validate() - check one participant's constraints
 * @c: the constraints, copied from the caller
 * @heaps: the @c->heap_count permitted heap names, copied from the caller;
 *	only looked at with SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS
 * @images: the @c->image_format_count image constraints, copied from the
 *	caller; NULL when the count is 0
 *
 * The checks run in a fixed order and the first one that fails is
 * reported: flags, reserved, image formats (an image_formats pointer
 * with a count of 0, then sysmem_image_validate() on the entries),
 * usage, buffer counts, sizes, coherency domains, CPU usage against
 * secure and domains, permitted heaps, physical base alignment and
 * address limit.
 *
 * Return: SYSMEM_VALID or the enum sysmem_invalid of the first rule
 * broken.
 */
int sysmem_constraints_validate(const struct sysmem_buffer_constraints *c,
				const struct sysmem_heap_name *heaps,
				const struct sysmem_image_constraints *images)
{
	bool cpu = c->usage & SYSMEM_USAGE_CPU_MASK;
	int ret;
	u32 i;

	if (c->flags & ~SYSMEM_CONSTRAINTS_FLAGS_ALL)
		return SYSMEM_INVALID_FLAGS;
	if (c->reserved)
		return SYSMEM_INVALID_RESERVED;
	if (c->image_formats && !c->image_format_count)
		return SYSMEM_INVALID_IMAGE_FORMATS;
	ret = sysmem_image_validate(images, c->image_format_count);
	if (ret)
		return ret;

	if (!c->usage)
		return SYSMEM_INVALID_USAGE_EMPTY;
	if (c->usage & ~SYSMEM_USAGE_ALL)
		return SYSMEM_INVALID_USAGE_UNKNOWN;
	if ((c->usage & SYSMEM_USAGE_NONE) && c->usage != SYSMEM_USAGE_NONE)
		return SYSMEM_INVALID_USAGE_NONE_NOT_ALONE;

	if (c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT) {
		u32 max = c->max_buffer_count;

		if (!max)
			return SYSMEM_INVALID_MAX_COUNT_ZERO;
		if (c->min_buffer_count > max ||
		    c->min_buffer_count_for_camping > max ||
		    c->min_buffer_count_for_dedicated_slack > max ||
		    c->min_buffer_count_for_shared_slack > max)
			return SYSMEM_INVALID_COUNT_RANGE;
	}

	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_SIZE) &&
	    c->min_size_bytes > c->max_size_bytes)
		return SYSMEM_INVALID_SIZE_RANGE;

	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS) &&
	    (!c->coherency_domains ||
	     (c->coherency_domains & ~SYSMEM_DOMAIN_ALL)))
		return SYSMEM_INVALID_DOMAINS;

	if (cpu && (c->flags & SYSMEM_CONSTRAINTS_SECURE))
		return SYSMEM_INVALID_CPU_SECURE;
	if (cpu && (c->flags & SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS) &&
	    !(c->coherency_domains & (SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM)))
		return SYSMEM_INVALID_CPU_DOMAIN;

	if (c->flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS) {
		if (!c->heap_count || c->heap_count > SYSMEM_MAX_HEAPS ||
		    !heaps)
			return SYSMEM_INVALID_HEAP_COUNT;
		for (i = 0; i < c->heap_count; i++)
			if (!heaps[i].name[0] ||
			    !sysmem_heap_name_terminated(&heaps[i]))
				return SYSMEM_INVALID_HEAP_NAME;
	}

	if (c->min_physical_base_alignment &
	    (c->min_physical_base_alignment - 1))
		return SYSMEM_INVALID_BASE_ALIGNMENT;
	if (!(c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS) &&
	    c->max_physical_address)
		return SYSMEM_INVALID_PHYSICAL_ADDRESS;

	return SYSMEM_VALID;
}

u32 sysmem_constraints_heaps_to_copy(const struct sysmem_buffer_constraints *c)
{
	if (!(c->flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS) ||
	    c->heap_count > SYSMEM_MAX_HEAPS)
		return 0;
	return c->heap_count;
}

u32 sysmem_constraints_images_to_copy(const struct sysmem_buffer_constraints *c)
{
	if (c->image_format_count > SYSMEM_MAX_IMAGE_FORMATS)
		return 0;
	return c->image_format_count;
}

/**
 * sysmem_constraints_domains() - coherency domains a participant supports
 * @c: valid constraints
 *
 * Return: @c->coherency_domains with
 * SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS, else the defaults: CPU unless
 * secure; RAM unless secure or CPU usage; INACCESSIBLE unless CPU usage.
 */
u32 sysmem_constraints_domains(const struct sysmem_buffer_constraints *c)
{
	bool secure = c->flags & SYSMEM_CONSTRAINTS_SECURE;
	bool cpu = c->usage & SYSMEM_USAGE_CPU_MASK;
	u32 domains = 0;

	if (c->flags & SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS)
		return c->coherency_domains;
	if (!secure)
		domains |= SYSMEM_DOMAIN_CPU;
	if (!secure && !cpu)
		domains |= SYSMEM_DOMAIN_RAM;
	if (!cpu)
		domains |= SYSMEM_DOMAIN_INACCESSIBLE;
	return domains;
}

/* True when @p restricts the heaps; valid participants with the flag do. */
static bool sysmem_part_has_heaps(const struct sysmem_participant *p)
{
	return (p->c->flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS) &&
	       p->heaps;
}

/* True when the permitted-heaps list of @p names @name. */
static bool sysmem_part_names_heap(const struct sysmem_participant *p,
				   const char *name)
{
	u32 j, n = p->c->heap_count;

	if (n > SYSMEM_MAX_HEAPS)
		n = SYSMEM_MAX_HEAPS;
	for (j = 0; j < n; j++)
		if (sysmem_heap_name_eq(name, p->heaps[j].name))
			return true;
	return false;
}

/*
 * True when every participant folded into @a with a permitted-heaps list
 * names registered heap @i: a bit of @a->permitted for the first 64
 * heaps, a walk over the participants for any further one.
 */
static bool sysmem_heap_permitted(const struct sysmem_agg *a, unsigned int i)
{
	unsigned int k;

	if (i < SYSMEM_AGG_PERMITTED_BITS)
		return a->permitted & (1ULL << i);
	for (k = 0; k < a->nr_parts; k++)
		if (sysmem_part_has_heaps(&a->parts[k]) &&
		    !sysmem_part_names_heap(&a->parts[k], a->heaps[i].name))
			return false;
	return true;
}

/* Heap filters, in the order sysmem_no_heap_why() applies them. */
enum sysmem_heap_test {
	SYSMEM_HEAP_TEST_SECURE,
	SYSMEM_HEAP_TEST_CONTIGUOUS,
	SYSMEM_HEAP_TEST_ALIGNMENT,
	SYSMEM_HEAP_TEST_ADDRESS,
	SYSMEM_HEAP_TEST_PERMITTED,
	SYSMEM_HEAP_TEST_ALL		/* and the coherency domains */
};

/* True when heap @i passes every filter up to and including @upto. */
static bool sysmem_heap_passes(const struct sysmem_agg *a, unsigned int i,
			       enum sysmem_heap_test upto)
{
	const struct sysmem_heap_desc *h = &a->heaps[i];

	if (!h->name)
		return false;
	if (h->secure != a->secure)
		return false;
	if (upto == SYSMEM_HEAP_TEST_SECURE)
		return true;
	if (a->contiguous && !h->contiguous)
		return false;
	if (upto == SYSMEM_HEAP_TEST_CONTIGUOUS)
		return true;
	if (a->alignment > h->base_alignment &&
	    a->alignment > h->max_base_alignment)
		return false;
	if (upto == SYSMEM_HEAP_TEST_ALIGNMENT)
		return true;
	if (h->address_floor > a->address_limit)
		return false;
	if (upto == SYSMEM_HEAP_TEST_ADDRESS)
		return true;
	if (!sysmem_heap_permitted(a, i))
		return false;
	if (upto == SYSMEM_HEAP_TEST_PERMITTED)
		return true;
	return h->domains & a->domains;
}

/* True when some heap passes every filter up to and including @upto. */
static bool sysmem_any_heap(const struct sysmem_agg *a,
			    enum sysmem_heap_test upto)
{
	unsigned int i;

	for (i = 0; i < a->nr_heaps; i++)
		if (sysmem_heap_passes(a, i, upto))
			return true;
	return false;
}

/*
 * Why no heap is eligible: the first filter, applied cumulatively in the
 * order secure, contiguous, base alignment, address limit, permitted,
 * domains, that leaves no heap.
 */
static const char *sysmem_no_heap_why(const struct sysmem_agg *a)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < a->nr_heaps; i++)
		if (a->heaps[i].name)
			any = true;
	if (!any)
		return "no heap registered";
	if (!sysmem_any_heap(a, SYSMEM_HEAP_TEST_SECURE))
		return a->secure ? "no secure heap" : "no non-secure heap";
	if (!sysmem_any_heap(a, SYSMEM_HEAP_TEST_CONTIGUOUS))
		return a->secure ? "no contiguous secure heap" :
				   "no contiguous heap";
	if (!sysmem_any_heap(a, SYSMEM_HEAP_TEST_ALIGNMENT))
		return "no heap gives the physical base alignment asked for";
	if (!sysmem_any_heap(a, SYSMEM_HEAP_TEST_ADDRESS))
		return "no heap keeps buffers below the physical address limit";
	if (sysmem_any_heap(a, SYSMEM_HEAP_TEST_PERMITTED))
		return "no permitted heap supports the coherency domains";
	for (i = 0; i < a->nr_heaps; i++)
		if (a->heaps[i].name && sysmem_heap_permitted(a, i))
			break;
	if (i == a->nr_heaps)
		return "permitted heap lists share no registered heap";
	return "no permitted heap is secure, contiguous or placed as needed";
}

/*
 * The heap to allocate from: a secure collection takes the first eligible
 * heap; any other takes the eligible heap named "system", else the first
 * eligible heap.  NULL when no heap is eligible.
 */
static const struct sysmem_heap_desc *
sysmem_choose_heap(const struct sysmem_agg *a)
{
	const struct sysmem_heap_desc *first = NULL;
	unsigned int i;

	for (i = 0; i < a->nr_heaps; i++) {
		const struct sysmem_heap_desc *h = &a->heaps[i];

		if (!sysmem_heap_passes(a, i, SYSMEM_HEAP_TEST_ALL))
			continue;
		if (!first)
			first = h;
		if (a->secure)
			break;
		if (sysmem_str_eq(h->name, "system"))
			return h;
	}
	return first;
}

/* The one coherency domain to use among the candidates @cand (not 0). */
static u32 sysmem_choose_domain(u64 usage, u32 cand)
{
	if ((usage & SYSMEM_USAGE_DISPLAY_MASK) && (cand & SYSMEM_DOMAIN_RAM))
		return SYSMEM_DOMAIN_RAM;
	if (cand & SYSMEM_DOMAIN_CPU)
		return SYSMEM_DOMAIN_CPU;
	if (cand & SYSMEM_DOMAIN_RAM)
		return SYSMEM_DOMAIN_RAM;
	return SYSMEM_DOMAIN_INACCESSIBLE;
}

/* Zero every byte of @out. */
static void sysmem_settings_zero(struct sysmem_buffer_settings *out)
{
	u8 *p = (u8 *)out;
	size_t i;

	for (i = 0; i < sizeof(*out); i++)
		p[i] = 0;
}

/**
 * sysmem_agg_init() - start an aggregation with no participant folded
 * @a: the accumulator
 * @parts: the participants, folded in order by sysmem_agg_add(); may be
 *	NULL when none will be
 * @heaps: the registered heaps, in registration order
 * @nr_heaps: number of entries at @heaps
 */
void sysmem_agg_init(struct sysmem_agg *a,
		     const struct sysmem_participant *parts,
		     const struct sysmem_heap_desc *heaps,
		     unsigned int nr_heaps)
{
	*a = (struct sysmem_agg) {
		.parts = parts,
		.heaps = heaps,
		.nr_heaps = heaps ? nr_heaps : 0,
		.max_count = ~0ULL,
		.max_size = ~0ULL,
		.address_limit = ~0ULL,
		.domains = SYSMEM_DOMAIN_ALL,
		.permitted = ~0ULL,
	};
}

/**
 * sysmem_agg_add() - fold the next participant into an aggregation
 * @a: the accumulator; @a->parts[@a->nr_parts] is folded in
 *
 * Constant work per participant, but for a permitted-heaps list, which
 * is matched against the first 64 registered heaps here (further heaps
 * are matched when they are looked at).
 */
void sysmem_agg_add(struct sysmem_agg *a)
{
	const struct sysmem_participant *p = &a->parts[a->nr_parts++];
	const struct sysmem_buffer_constraints *c = p->c;
	unsigned int i;

	a->usage |= c->usage;
	if (sysmem_add_overflow(a->camping, c->min_buffer_count_for_camping,
				&a->camping) ||
	    sysmem_add_overflow(a->dedicated,
				c->min_buffer_count_for_dedicated_slack,
				&a->dedicated))
		a->overflow = true;
	if (c->min_buffer_count_for_shared_slack > a->shared)
		a->shared = c->min_buffer_count_for_shared_slack;
	if (c->min_buffer_count > a->min_count)
		a->min_count = c->min_buffer_count;
	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT) &&
	    c->max_buffer_count < a->max_count)
		a->max_count = c->max_buffer_count;
	if (c->min_size_bytes > a->size)
		a->size = c->min_size_bytes;
	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_SIZE) &&
	    c->max_size_bytes < a->max_size)
		a->max_size = c->max_size_bytes;
	if (c->flags & SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS)
		a->contiguous = true;
	if (c->flags & SYSMEM_CONSTRAINTS_SECURE)
		a->secure = true;
	if (c->min_physical_base_alignment > a->alignment)
		a->alignment = c->min_physical_base_alignment;
	if ((c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS) &&
	    c->max_physical_address < a->address_limit)
		a->address_limit = c->max_physical_address;
	a->domains &= sysmem_constraints_domains(c);
	if (p->images && c->image_format_count)
		a->images = true;
	if (!sysmem_part_has_heaps(p))
		return;
	for (i = 0; i < a->nr_heaps && i < SYSMEM_AGG_PERMITTED_BITS; i++)
		if ((a->permitted & (1ULL << i)) && a->heaps[i].name &&
		    !sysmem_part_names_heap(p, a->heaps[i].name))
			a->permitted &= ~(1ULL << i);
}

/**
 * sysmem_agg_check() - the checks that come before the image rules
 * @a: the accumulator, with at least one participant folded
 * @why: on failure, set to a static string naming the rule that broke
 *
 * Usage, buffer counts, the buffer-level size and the coherency domains,
 * in the order sysmem_aggregate() applies them.  Each of these checks,
 * once failed, fails again with the same reason when more participants
 * are folded in, unless an earlier one fails first.
 *
 * Return: SYSMEM_FAIL_NONE, or SYSMEM_FAIL_CONSTRAINTS with @why set.
 */
u32 sysmem_agg_check(const struct sysmem_agg *a, const char **why)
{
	u64 count;

	if (!(a->usage & ~SYSMEM_USAGE_NONE)) {
		*why = "no participant uses the buffers";
		return SYSMEM_FAIL_CONSTRAINTS;
	}
	if (a->overflow ||
	    sysmem_add_overflow(a->camping, a->dedicated, &count) ||
	    sysmem_add_overflow(count, a->shared, &count)) {
		*why = "buffer count sum overflows";
		return SYSMEM_FAIL_CONSTRAINTS;
	}
	if (a->min_count > count)
		count = a->min_count;
	if (!count)
		*why = "no participant asked for a buffer";
	else if (count > a->max_count)
		*why = "buffer count above a participant's max_buffer_count";
	else if (count > SYSMEM_MAX_BUFFERS)
		*why = "buffer count above SYSMEM_MAX_BUFFERS";
	else if (!a->size && !a->images)
		*why = "no participant asked for a size";
	else if (a->size > a->max_size)
		*why = "buffer size above a participant's max_size_bytes";
	else if (!a->domains)
		*why = "no coherency domain every participant supports";
	else
		return SYSMEM_FAIL_NONE;
	return SYSMEM_FAIL_CONSTRAINTS;
}

/**
 * sysmem_agg_heap() - the heap the participants folded so far would get
 * @a: the accumulator
 * @heap: set to the heap chosen (may be NULL)
 * @why: on failure, set to a static string naming the filter that left
 *	no heap
 *
 * Return: SYSMEM_FAIL_NONE, or SYSMEM_FAIL_NO_HEAP with @why set.
 */
u32 sysmem_agg_heap(const struct sysmem_agg *a,
		    const struct sysmem_heap_desc **heap, const char **why)
{
	const struct sysmem_heap_desc *h;

	if (!a->nr_heaps) {
		*why = "no heap registered";
		return SYSMEM_FAIL_NO_HEAP;
	}
	h = sysmem_choose_heap(a);
	if (!h) {
		*why = sysmem_no_heap_why(a);
		return SYSMEM_FAIL_NO_HEAP;
	}
	if (heap)
		*heap = h;
	return SYSMEM_FAIL_NONE;
}

/**
 * sysmem_agg_finish() - choose the settings of the participants folded
 * @a: the accumulator; its image outcome is recorded in it
 * @out: the chosen settings; every byte is written
 * @why: on failure, set to a static string naming the rule that broke
 *	(may be NULL); left untouched on success
 *
 * What sysmem_aggregate() returns for @a->parts[0..@a->nr_parts).  When
 * the image rules ran and chose a format, @a->image_chosen is set and
 * @a->image_format and @a->image_modifier name it, even when the heap
 * choice fails afterwards.
 *
 * Return: as sysmem_aggregate().
 */
u32 sysmem_agg_finish(struct sysmem_agg *a, struct sysmem_buffer_settings *out,
		      const char **why)
{
	u32 reason = SYSMEM_FAIL_CONSTRAINTS;
	const struct sysmem_heap_desc *heap;
	u64 size = a->size, count;
	const char *msg;
	unsigned int i;

	sysmem_settings_zero(out);
	a->image_chosen = false;

	if (!a->parts || !a->nr_parts) {
		msg = "no participant set constraints";
		goto fail;
	}
	if (sysmem_agg_check(a, &msg))
		goto fail;

	if (a->images) {
		if (sysmem_image_aggregate(a->parts, a->nr_parts, a->usage,
					   size, a->max_size, &out->image,
					   &msg))
			goto fail;
		a->image_chosen = true;
		a->image_format = out->image.format;
		a->image_modifier = out->image.modifier;
		/*
		 * Never true today: the image rules keep image_size at
		 * most max_size_bytes and above 0 (see sysmem_culprit.c).
		 */
		if (out->image.image_size > size)
			size = out->image.image_size;
		if (!size) {
			msg = "no participant asked for a size";
			goto fail;
		}
		if (size > a->max_size) {
			msg = "image size above a participant's max_size_bytes";
			goto fail;
		}
	}

	reason = sysmem_agg_heap(a, &heap, &msg);
	if (reason)
		goto fail;

	/* The count sum was checked by sysmem_agg_check(). */
	count = a->camping + a->dedicated + a->shared;
	if (a->min_count > count)
		count = a->min_count;
	out->size_bytes = size;
	out->buffer_count = count;
	out->coherency_domain = sysmem_choose_domain(a->usage,
						     a->domains & heap->domains);
	if (a->contiguous)
		out->flags |= SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS;
	if (a->secure)
		out->flags |= SYSMEM_SETTINGS_SECURE;
	if (a->images)
		out->flags |= SYSMEM_SETTINGS_HAS_IMAGE_FORMAT;
	out->usage = a->usage;
	out->min_physical_base_alignment = a->alignment > heap->base_alignment ?
					   a->alignment : heap->base_alignment;
	out->max_physical_address = a->address_limit;
	for (i = 0; i < SYSMEM_HEAP_NAME_LEN - 1 && heap->name[i]; i++)
		out->heap[i] = heap->name[i];
	return SYSMEM_FAIL_NONE;

fail:
	sysmem_settings_zero(out);
	if (why)
		*why = msg;
	return reason;
}

/**
 * sysmem_aggregate() - aggregate constraints and choose buffer settings
 * @parts: the participants; each one's constraints already passed
 *	sysmem_constraints_validate()
 * @nr_parts: number of entries at @parts
 * @heaps: the registered heaps, in registration order
 * @nr_heaps: number of entries at @heaps
 * @out: the chosen settings; every byte is written
 * @why: on failure, set to a static string naming the rule that broke
 *	(may be NULL); left untouched on success
 *
 * Counts: camping and dedicated slack are summed, shared slack and
 * min_buffer_count take the maximum; the total is the larger of
 * camping + dedicated + shared and min_buffer_count and must be at least
 * 1, at most every max_buffer_count given and at most SYSMEM_MAX_BUFFERS.
 * Size: the largest min_size_bytes, at least 1 and at most every
 * max_size_bytes given.  Contiguous, secure and usage are ORed, coherency
 * domains ANDed, the physical base alignment is the largest asked and
 * the physical address limit the lowest.  A heap is eligible when every
 * permitted-heaps list names it, it is secure exactly when the collection
 * is, it is contiguous when that is required, it gives the base
 * alignment, it can keep buffers below the address limit and it
 * supports one of the domains.  A secure
 * collection takes the first eligible heap; any other takes "system" if
 * eligible, else the first eligible heap.  The domain is RAM for display
 * usage when possible, else CPU, else RAM, else INACCESSIBLE.
 *
 * Images: when some participant has image constraints, once the counts,
 * the buffer-level sizes and the domains have passed,
 * sysmem_image_aggregate() chooses the image format (the rules are at
 * the top of sysmem_image.c) and the size becomes the larger of the
 * largest min_size_bytes and the image size; it must still be at most
 * every max_size_bytes given.  Only without image constraints does a
 * largest min_size_bytes of 0 fail.
 *
 * The participants are folded one by one into a struct sysmem_agg
 * (sysmem_agg_add()) and the settings chosen by sysmem_agg_finish(),
 * the same code sysmem_aggregate_culprit() runs over growing prefixes.
 *
 * Return: SYSMEM_FAIL_NONE with @out filled; else SYSMEM_FAIL_CONSTRAINTS
 * or SYSMEM_FAIL_NO_HEAP with @out all zero and @why set.
 */
u32 sysmem_aggregate(const struct sysmem_participant *parts,
		     unsigned int nr_parts,
		     const struct sysmem_heap_desc *heaps,
		     unsigned int nr_heaps,
		     struct sysmem_buffer_settings *out, const char **why)
{
	struct sysmem_agg a;
	unsigned int i;

	sysmem_agg_init(&a, parts, heaps, nr_heaps);
	for (i = 0; parts && i < nr_parts; i++)
		sysmem_agg_add(&a);
	return sysmem_agg_finish(&a, out, why);
}

/**
 * sysmem_buffer_footprint() - what one buffer takes from its heap
 * @size: the buffer's size, page-aligned
 * @s: the collection's settings
 *
 * A heap that places a buffer smaller than its physical base alignment
 * sets a block of the alignment's size aside for it (the contiguous heap
 * does), so a buffer counts the larger of the two: against the payer's
 * limits, the heap's cap and the collection's maximum total size.
 *
 * Return: the bytes to count.
 */
u64 sysmem_buffer_footprint(u64 size, const struct sysmem_buffer_settings *s)
{
	return size > s->min_physical_base_alignment ?
	       size : s->min_physical_base_alignment;
}
