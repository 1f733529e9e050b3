// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for lib/sysmem_image.c: validation of image
 * constraints and the image part of sysmem_aggregate().  Every expected
 * number is worked out by hand in the comment next to it, from the rules
 * at the top of sysmem_image.c and the layout rule of sysmem_format.h.
 */
#include "kselftest_harness.h"
#include "sysmem_constraints.h"
#include "sysmem_format.h"
#include "sysmem_image.h"

#define LINEAR		SYSMEM_MODIFIER_LINEAR
#define MOD_DNC		SYSMEM_MODIFIER_DO_NOT_CARE
#define MOD_INVALID	SYSMEM_MODIFIER_INVALID
#define FMT_DNC		SYSMEM_FORMAT_DO_NOT_CARE
#define CS_DNC		SYSMEM_COLOR_SPACE_DO_NOT_CARE
#define VENDOR		0x0100000000000001ULL
#define MiB		0x100000ULL
#define U32_MAX		0xffffffffU

#define SRGB		SYSMEM_COLOR_SPACE_SRGB
#define NTSC		SYSMEM_COLOR_SPACE_REC601_NTSC
#define NTSC_FULL	SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE
#define PAL		SYSMEM_COLOR_SPACE_REC601_PAL
#define PAL_FULL	SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE
#define REC709		SYSMEM_COLOR_SPACE_REC709
#define REC2020		SYSMEM_COLOR_SPACE_REC2020
#define REC2100		SYSMEM_COLOR_SPACE_REC2100
#define PASS		SYSMEM_COLOR_SPACE_PASSTHROUGH

#define XRGB		SYSMEM_FMT_XRGB8888
#define ARGB		SYSMEM_FMT_ARGB8888
#define NV12		SYSMEM_FMT_NV12
#define NV21		SYSMEM_FMT_NV21
#define P010		SYSMEM_FMT_P010
#define RGB888		SYSMEM_FMT_RGB888

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* An entry with one (format, modifier) pair and one color space. */
static struct sysmem_image_constraints mk(u32 format, u64 modifier, u32 cs)
{
	struct sysmem_image_constraints ic;

	memset(&ic, 0, sizeof(ic));
	ic.nr_formats = 1;
	ic.formats[0].format = format;
	ic.formats[0].modifier = modifier;
	ic.nr_color_spaces = 1;
	ic.color_spaces[0] = cs;
	return ic;
}

static void add_pair(struct sysmem_image_constraints *ic, u32 format,
		     u64 modifier)
{
	ic->formats[ic->nr_formats].format = format;
	ic->formats[ic->nr_formats].modifier = modifier;
	ic->nr_formats++;
}

static void add_cs(struct sysmem_image_constraints *ic, u32 cs)
{
	ic->color_spaces[ic->nr_color_spaces++] = cs;
}

static void req_max(struct sysmem_image_constraints *ic, u32 w, u32 h)
{
	ic->flags |= SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic->required_max_size.width = w;
	ic->required_max_size.height = h;
}

static int v1(const struct sysmem_image_constraints *ic)
{
	return sysmem_image_validate(ic, 1);
}

/* A test participant: buffer constraints and up to 4 image entries. */
struct tp {
	struct sysmem_buffer_constraints c;
	struct sysmem_image_constraints img[4];
};

/* One camping buffer, no size, no image entries. */
static void tp_init(struct tp *p, u64 usage)
{
	memset(p, 0, sizeof(*p));
	p->c.usage = usage;
	p->c.min_buffer_count_for_camping = 1;
}

/* Append mk(@format, @modifier, @cs) to @p's entries; returns it. */
static struct sysmem_image_constraints *
tp_entry(struct tp *p, u32 format, u64 modifier, u32 cs)
{
	struct sysmem_image_constraints *ic =
		&p->img[p->c.image_format_count++];

	*ic = mk(format, modifier, cs);
	return ic;
}

static const struct sysmem_heap_desc sys_heap[] = {
	{ .name = "system",
	  .domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM },
};

static bool settings_zero(const struct sysmem_buffer_settings *s)
{
	const unsigned char *b = (const void *)s;
	size_t i;

	for (i = 0; i < sizeof(*s); i++)
		if (b[i])
			return false;
	return true;
}

/*
 * Validate every participant at @p (each must be valid), then aggregate
 * them with the "system" heap into a poisoned @out.
 */
static u32 run_heaps(struct __test_metadata *_metadata, struct tp *p,
		     unsigned int n, const struct sysmem_heap_desc *heaps,
		     unsigned int nr_heaps, struct sysmem_buffer_settings *out,
		     const char **why)
{
	struct sysmem_participant parts[8];
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct sysmem_image_constraints *img =
			p[i].c.image_format_count ? p[i].img : NULL;

		EXPECT_EQ(SYSMEM_VALID,
			  sysmem_constraints_validate(&p[i].c, NULL, img));
		parts[i].c = &p[i].c;
		parts[i].heaps = NULL;
		parts[i].images = img;
	}
	memset(out, 0xa5, sizeof(*out));
	if (why)
		*why = NULL;
	return sysmem_aggregate(parts, n, heaps, nr_heaps, out, why);
}

#define RUN(p, out, why) \
	run_heaps(_metadata, p, sizeof(p) / sizeof(struct tp), sys_heap, 1, \
		  out, why)

/* Aggregation must fail with SYSMEM_FAIL_CONSTRAINTS, @msg, all zero. */
#define EXPECT_FAIL(p, msg) do {					\
	struct sysmem_buffer_settings _o;				\
	const char *_why;						\
									\
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, RUN(p, &_o, &_why));		\
	EXPECT_STREQ(msg, _why);					\
	EXPECT_TRUE(settings_zero(&_o));				\
} while (0)

/* The planes of a successful aggregation, and nothing past them. */
static void expect_planes(struct __test_metadata *_metadata,
			  const struct sysmem_image_format *img,
			  u32 nr_planes, const u64 *offsets, const u32 *bprs)
{
	unsigned int i;

	EXPECT_EQ(nr_planes, img->nr_planes);
	for (i = 0; i < SYSMEM_MAX_PLANES; i++) {
		EXPECT_EQ(i < nr_planes ? offsets[i] : 0, img->planes[i].offset);
		EXPECT_EQ(i < nr_planes ? bprs[i] : 0,
			  img->planes[i].bytes_per_row);
		EXPECT_EQ(0, img->planes[i].reserved);
	}
}

/* ---- validation: rules 1.1 to 1.10 ---- */

TEST(validate_image_count)
{
	static struct sysmem_image_constraints many[SYSMEM_MAX_IMAGE_FORMATS + 1];
	struct sysmem_buffer_constraints c = { 0 };
	unsigned int i;

	/* Distinct vendor modifiers, so no pair repeats. */
	for (i = 0; i < ARRAY_LEN(many); i++)
		many[i] = mk(XRGB, 0x0100000000000000ULL + i, SRGB);
	EXPECT_EQ(SYSMEM_VALID, sysmem_image_validate(many, 64));
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_image_validate(many, 65));
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_image_validate(NULL, 1));
	EXPECT_EQ(SYSMEM_VALID, sysmem_image_validate(NULL, 0));

	/* The same through sysmem_constraints_validate(). */
	c.usage = SYSMEM_USAGE_CPU_READ;
	c.image_format_count = 64;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, many));
	c.image_format_count = 65;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_constraints_validate(&c, NULL, many));
	c.image_format_count = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	/* A pointer with a count of 0. */
	c.image_format_count = 0;
	c.image_formats = 0x1000;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	/* A pointer with a count is the normal case (the kernel copies). */
	c.image_format_count = 1;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, many));
}

TEST(validate_image_flags)
{
	struct sysmem_image_constraints ic = mk(ARGB, LINEAR, SRGB);

	ic.flags = SYSMEM_IMAGE_FLAGS_ALL + 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, v1(&ic));
	ic.flags = 1U << 31;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, v1(&ic));

	/* Boundary: every flag, each with a consistent field. */
	ic.flags = SYSMEM_IMAGE_FLAGS_ALL;
	ic.max_size.width = 4096;
	ic.max_size.height = 4096;
	ic.max_bytes_per_row = 16384;
	ic.max_width_times_height = 1 << 24;
	ic.required_min_size.width = 16;
	ic.required_min_size.height = 16;
	ic.required_max_size.width = 1920;
	ic.required_max_size.height = 1080;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	ic.reserved = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, v1(&ic));
	ic.reserved = 0;
	ic.formats[0].reserved = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, v1(&ic));
	ic.formats[0].reserved = 0;
	/* An unused pair is not looked at. */
	ic.formats[1].reserved = 1;
	ic.formats[1].format = 0x12345678;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
}

TEST(validate_image_format_count)
{
	struct sysmem_image_constraints ic = mk(XRGB, LINEAR, SRGB);
	unsigned int j;

	ic.nr_formats = 0;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT_COUNT, v1(&ic));
	ic.nr_formats = SYSMEM_MAX_FORMAT_PAIRS + 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT_COUNT, v1(&ic));
	ic.nr_formats = 0xffffffffU;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT_COUNT, v1(&ic));
	/* Boundary: 16 pairs, modifiers 0 to 15 (LINEAR and vendor). */
	for (j = 0; j < SYSMEM_MAX_FORMAT_PAIRS; j++) {
		ic.formats[j].format = XRGB;
		ic.formats[j].modifier = j;
	}
	ic.nr_formats = SYSMEM_MAX_FORMAT_PAIRS;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
}

TEST(validate_image_format)
{
	struct sysmem_image_constraints ic;
	unsigned int i;

	ic = mk(SYSMEM_FOURCC('A', 'B', 'C', 'D'), LINEAR, PASS);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT, v1(&ic));
	/* DRM_FORMAT_C8: a real DRM format the table does not have. */
	ic = mk(SYSMEM_FOURCC('C', '8', ' ', ' '), LINEAR, PASS);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT, v1(&ic));
	/*
	 * Rule 1.4: an unknown pair beside a usable one is skipped, not
	 * refused; only an entry list with no usable pair is (rule 1.11).
	 */
	ic = mk(NV12, LINEAR, PASS);
	add_pair(&ic, 0xffffffffU, LINEAR);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	ic = mk(FMT_DNC, LINEAR, PASS);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	for (i = 0; i < sysmem_format_count(); i++) {
		ic = mk(sysmem_format_at(i)->fourcc, LINEAR, PASS);
		EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	}
}

TEST(validate_image_modifier)
{
	static const u64 ok[] = {
		LINEAR, MOD_DNC, VENDOR, MOD_INVALID + 1, MOD_INVALID - 2,
		~0ULL,
	};
	struct sysmem_image_constraints ic = mk(NV12, MOD_INVALID, REC709);
	unsigned int i;

	EXPECT_EQ(SYSMEM_INVALID_IMAGE_MODIFIER, v1(&ic));
	for (i = 0; i < ARRAY_LEN(ok); i++) {
		ic.formats[0].modifier = ok[i];
		EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	}
	/* Also in a later pair. */
	add_pair(&ic, NV21, MOD_INVALID);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_MODIFIER, v1(&ic));
}

TEST(validate_image_color_spaces)
{
	static const u32 bad[] = {
		SYSMEM_COLOR_SPACE_INVALID, SYSMEM_COLOR_SPACE_PASSTHROUGH + 1,
		0xfffffffdU, 0xffffffffU, 0x80000000U,
	};
	struct sysmem_image_constraints ic = mk(NV12, LINEAR, REC709);
	unsigned int i;

	ic.nr_color_spaces = 0;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACES, v1(&ic));
	ic.nr_color_spaces = SYSMEM_MAX_COLOR_SPACES + 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACES, v1(&ic));
	/* Boundary: 16, repeats allowed. */
	for (i = 0; i < SYSMEM_MAX_COLOR_SPACES; i++)
		ic.color_spaces[i] = REC709;
	ic.nr_color_spaces = SYSMEM_MAX_COLOR_SPACES;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	ic.nr_color_spaces = 2;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		ic.color_spaces[1] = bad[i];
		EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACES, v1(&ic));
	}
	ic.color_spaces[1] = CS_DNC;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
}

TEST(validate_image_color_space_format)
{
	static const u32 yuv_only[] = {
		NTSC, NTSC_FULL, PAL, PAL_FULL, REC709, REC2020, REC2100,
	};
	struct sysmem_image_constraints ic;
	unsigned int i, k;
	bool wide;

	for (i = 0; i < sysmem_format_count(); i++) {
		const struct sysmem_format_desc *f = sysmem_format_at(i);

		ic = mk(f->fourcc, LINEAR, PASS);
		EXPECT_EQ(SYSMEM_VALID, v1(&ic));
		ic.color_spaces[0] = CS_DNC;
		EXPECT_EQ(SYSMEM_VALID, v1(&ic));
		ic.color_spaces[0] = SRGB;
		EXPECT_EQ(f->is_yuv ? SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT :
				      SYSMEM_VALID, v1(&ic));
		for (k = 0; k < ARRAY_LEN(yuv_only); k++) {
			/* 10-bit RGB also takes REC2020 and REC2100. */
			wide = f->is_rgb10 && (yuv_only[k] == REC2020 ||
					       yuv_only[k] == REC2100);
			ic.color_spaces[0] = yuv_only[k];
			EXPECT_EQ(f->is_yuv || wide ? SYSMEM_VALID :
				  SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT,
				  v1(&ic));
		}
	}
	ic = mk(SYSMEM_FMT_ARGB2101010, LINEAR, REC2100);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	ic.color_spaces[0] = REC709;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT, v1(&ic));
	/* A skipped (unknown) pair is not checked against the space. */
	ic = mk(NV12, LINEAR, REC709);
	add_pair(&ic, SYSMEM_FOURCC('C', '8', ' ', ' '), LINEAR);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/* Every listed space must go with every explicit format. */
	ic = mk(NV12, LINEAR, REC709);
	add_pair(&ic, ARGB, LINEAR);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT, v1(&ic));
	ic.color_spaces[0] = SRGB;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT, v1(&ic));
	ic.color_spaces[0] = PASS;
	add_cs(&ic, CS_DNC);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	add_cs(&ic, REC709);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT, v1(&ic));

	/* A DO_NOT_CARE format goes with every space. */
	ic = mk(FMT_DNC, LINEAR, REC709);
	add_cs(&ic, SRGB);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	add_pair(&ic, XRGB, LINEAR);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT, v1(&ic));
}

TEST(validate_image_size_range)
{
	struct sysmem_image_constraints ic = mk(XRGB, LINEAR, SRGB);

	ic.min_size.width = 100;
	ic.min_size.height = 100;
	ic.flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic.max_size.width = 99;
	ic.max_size.height = 100;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.max_size.width = 100;
	ic.max_size.height = 99;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.max_size.height = 100;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	/* Without the flag max_size is not a limit. */
	ic.flags = 0;
	ic.max_size.width = 1;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	ic.flags = SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
	ic.min_bytes_per_row = 400;
	ic.max_bytes_per_row = 399;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.max_bytes_per_row = 400;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	ic.flags = 0;
	ic.max_bytes_per_row = 0;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/* min_size 100x100 = 10000 pixels. */
	ic.flags = SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT;
	ic.max_width_times_height = 9999;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.max_width_times_height = 10000;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
}

TEST(validate_image_sanitized_range)
{
	struct sysmem_image_constraints ic;

	/* NV12 needs even sizes: min 1x1 rounds up to 2x2, max 1x1 to 0x0. */
	ic = mk(NV12, LINEAR, REC709);
	ic.flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic.min_size.width = 1;
	ic.min_size.height = 1;
	ic.max_size.width = 1;
	ic.max_size.height = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.max_size.width = 2;
	ic.max_size.height = 2;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	/* Each format of the entry: XRGB8888 fits 1x1, NV12 does not. */
	ic = mk(XRGB, LINEAR, PASS);
	ic.flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic.min_size.width = 1;
	ic.min_size.height = 1;
	ic.max_size.width = 1;
	ic.max_size.height = 1;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	add_pair(&ic, NV12, LINEAR);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));

	/* XRGB8888's divisor 4: min 5 -> 8, max 7 -> 4; max 8 stays 8. */
	ic = mk(XRGB, LINEAR, SRGB);
	ic.flags = SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
	ic.min_bytes_per_row = 5;
	ic.max_bytes_per_row = 7;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.max_bytes_per_row = 8;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/* A DO_NOT_CARE format: the entry's alignment 16 alone. */
	ic = mk(FMT_DNC, LINEAR, CS_DNC);
	ic.flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic.size_alignment.width = 16;
	ic.size_alignment.height = 16;
	ic.min_size.width = 10;
	ic.min_size.height = 10;
	ic.max_size.width = 15;
	ic.max_size.height = 16;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.max_size.width = 16;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/* min 0x80000001 rounds up to 2^32 under alignment 2^31: no u32. */
	ic = mk(XRGB, LINEAR, SRGB);
	ic.size_alignment.width = 0x80000000U;
	ic.min_size.width = 0x80000001U;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
	ic.min_size.width = 0x80000000U;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/*
	 * bytes_per_row_divisor 0xffffffff (odd): with R8 (divisor 1) it
	 * stays 0xffffffff; with NV12 (divisor 2) lcm is 2 * 0xffffffff,
	 * which no u32 pitch is a multiple of.
	 */
	ic = mk(SYSMEM_FMT_R8, LINEAR, SRGB);
	ic.bytes_per_row_divisor = U32_MAX;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	ic = mk(NV12, LINEAR, REC709);
	ic.bytes_per_row_divisor = U32_MAX;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));

	/* Likewise size_alignment 0xffffffff: fine for R8, not for NV12. */
	ic = mk(SYSMEM_FMT_R8, LINEAR, SRGB);
	ic.size_alignment.height = U32_MAX;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	ic = mk(NV12, LINEAR, REC709);
	ic.size_alignment.height = U32_MAX;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic));
}

TEST(validate_image_required_sizes)
{
	struct sysmem_image_constraints ic;
	unsigned int i;

	ic = mk(XRGB, LINEAR, SRGB);
	for (i = 0; i < SYSMEM_MAX_REQUIRED_SIZES; i++) {
		ic.required_max_sizes[i].width = 640;
		ic.required_max_sizes[i].height = 480;
	}
	ic.nr_required_max_sizes = SYSMEM_MAX_REQUIRED_SIZES + 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	ic.nr_required_max_sizes = SYSMEM_MAX_REQUIRED_SIZES;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	ic.required_max_sizes[3].width = 0;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	ic.required_max_sizes[3].width = 640;
	ic.required_max_sizes[7].height = 0;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	/* Only the used entries count. */
	ic.nr_required_max_sizes = 7;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/* required_min_size above required_max_size. */
	ic = mk(XRGB, LINEAR, SRGB);
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE;
	ic.required_min_size.width = 100;
	ic.required_min_size.height = 100;
	req_max(&ic, 99, 100);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	req_max(&ic, 100, 100);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	/* Without both flags they are not compared. */
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE;
	ic.required_max_size.width = 1;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/* A required size above max_size. */
	ic = mk(XRGB, LINEAR, SRGB);
	ic.flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic.max_size.width = 1920;
	ic.max_size.height = 1080;
	req_max(&ic, 1921, 1080);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	req_max(&ic, 1920, 1080);
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	ic.nr_required_max_sizes = 1;
	ic.required_max_sizes[0].width = 1920;
	ic.required_max_sizes[0].height = 1081;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	ic.required_max_sizes[0].height = 1080;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));

	/* A required size below min_size. */
	ic = mk(XRGB, LINEAR, SRGB);
	ic.min_size.width = 64;
	ic.min_size.height = 64;
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE;
	ic.required_min_size.width = 63;
	ic.required_min_size.height = 64;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	ic.required_min_size.width = 64;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
	ic.nr_required_max_sizes = 1;
	ic.required_max_sizes[0].width = 64;
	ic.required_max_sizes[0].height = 63;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));

	/* 1920 * 1080 = 2073600 pixels against max_width_times_height. */
	ic = mk(XRGB, LINEAR, SRGB);
	ic.flags = SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT;
	ic.max_width_times_height = 2073599;
	req_max(&ic, 1920, 1080);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic));
	ic.max_width_times_height = 2073600;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
}

TEST(validate_image_duplicate)
{
	struct sysmem_image_constraints ic[3];

	ic[0] = mk(NV12, LINEAR, REC709);
	ic[1] = mk(NV12, LINEAR, NTSC);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_DUPLICATE,
		  sysmem_image_validate(ic, 2));
	/* Same format, another modifier. */
	ic[1].formats[0].modifier = VENDOR;
	EXPECT_EQ(SYSMEM_VALID, sysmem_image_validate(ic, 2));
	/* Twice in one entry. */
	add_pair(&ic[0], NV12, LINEAR);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_DUPLICATE, v1(&ic[0]));

	/* DO_NOT_CARE is a value like any other. */
	ic[0] = mk(FMT_DNC, MOD_DNC, CS_DNC);
	ic[1] = mk(FMT_DNC, MOD_DNC, PASS);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_DUPLICATE,
		  sysmem_image_validate(ic, 2));
	ic[0] = mk(NV12, MOD_DNC, CS_DNC);
	ic[1] = mk(NV12, LINEAR, CS_DNC);
	ic[2] = mk(FMT_DNC, LINEAR, CS_DNC);
	add_pair(&ic[2], FMT_DNC, MOD_DNC);
	EXPECT_EQ(SYSMEM_VALID, sysmem_image_validate(ic, 3));
	add_pair(&ic[2], NV12, MOD_DNC);
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_DUPLICATE,
		  sysmem_image_validate(ic, 3));
}

TEST(validate_image_alpha_not_checked)
{
	struct sysmem_image_constraints ic = mk(XRGB, LINEAR, SRGB);

	/* Refused at aggregation only (rule 3.2). */
	ic.flags = SYSMEM_IMAGE_ALPHA_PRESENT;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic));
}

TEST(validate_image_order)
{
	struct sysmem_image_constraints ic[2];
	struct sysmem_buffer_constraints c = { 0 };

	/* Break every rule of one entry, then mend them one by one. */
	memset(ic, 0, sizeof(ic));
	ic[0].flags = 0x80;
	ic[0].formats[0].reserved = 1;
	ic[0].formats[0].format = 0x12345678;
	ic[0].formats[0].modifier = MOD_INVALID;
	ic[0].color_spaces[0] = SRGB;
	ic[0].min_size.width = 3;
	ic[0].min_size.height = 3;
	ic[0].max_size.width = 2;
	ic[0].max_size.height = 2;
	ic[0].nr_required_max_sizes = 9;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, v1(&ic[0]));
	ic[0].flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT_COUNT, v1(&ic[0]));
	ic[0].nr_formats = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, v1(&ic[0]));
	ic[0].formats[0].reserved = 0;
	/* The unknown format is skipped; rule 1.11 comes last. */
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_MODIFIER, v1(&ic[0]));
	ic[0].formats[0].format = NV12;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_MODIFIER, v1(&ic[0]));
	ic[0].formats[0].modifier = LINEAR;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACES, v1(&ic[0]));
	ic[0].nr_color_spaces = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT, v1(&ic[0]));
	ic[0].color_spaces[0] = REC709;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic[0]));
	ic[0].max_size.width = 3;
	ic[0].max_size.height = 3;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_REQUIRED_SIZES, v1(&ic[0]));
	ic[0].nr_required_max_sizes = 0;
	/* NV12: min 3 -> 4, max 3 -> 2. */
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_SIZE_RANGE, v1(&ic[0]));
	ic[0].max_size.width = 4;
	ic[0].max_size.height = 4;
	EXPECT_EQ(SYSMEM_VALID, v1(&ic[0]));

	/* Entries in order: a duplicate in entry 1 before its bad flags. */
	ic[1] = ic[0];
	ic[1].flags = 0x80;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, sysmem_image_validate(ic, 2));
	ic[1].flags = 0;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_DUPLICATE,
		  sysmem_image_validate(ic, 2));
	/* An unknown pair is skipped while another entry is usable... */
	ic[0].formats[0].format = 0x12345678;
	EXPECT_EQ(SYSMEM_VALID, sysmem_image_validate(ic, 2));
	/* ...and refused, after every entry rule, when none is. */
	ic[1].formats[0].format = 0x12345679;
	ic[1].flags = 0x80;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FLAGS, sysmem_image_validate(ic, 2));
	ic[1].flags = 0;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT, sysmem_image_validate(ic, 2));

	/* Image rules come right after flags and reserved. */
	c.usage = 0;
	c.image_format_count = 2;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT,
		  sysmem_constraints_validate(&c, NULL, ic));
	c.reserved = 1;
	EXPECT_EQ(SYSMEM_INVALID_RESERVED,
		  sysmem_constraints_validate(&c, NULL, ic));
	c.reserved = 0;
	ic[0].formats[0].format = NV21;
	EXPECT_EQ(SYSMEM_INVALID_USAGE_EMPTY,
		  sysmem_constraints_validate(&c, NULL, ic));
}

/* ---- aggregation ---- */

/*
 * The camera + display example.  The camera captures NV12 up to
 * 1920x1080 with rows on 256-byte boundaries; the display takes NV12 or
 * ARGB8888.  @cam_usage is the camera's usage, @cam_argb gives the
 * camera an ARGB8888 entry too.
 */
static void camera_display(struct tp p[2], u64 cam_usage, bool cam_argb)
{
	struct sysmem_image_constraints *ic;

	tp_init(&p[0], cam_usage);
	ic = tp_entry(&p[0], NV12, LINEAR, REC709);
	add_cs(ic, NTSC);
	req_max(ic, 1920, 1080);
	ic->bytes_per_row_divisor = 256;
	if (cam_argb) {
		ic = tp_entry(&p[0], ARGB, LINEAR, SRGB);
		req_max(ic, 1920, 1080);
		ic->bytes_per_row_divisor = 256;
	}

	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[1], NV12, LINEAR, NTSC);
	add_cs(ic, REC709);
	tp_entry(&p[1], ARGB, LINEAR, SRGB);
}

/*
 * NV12 1920x1080 with the pitch rounded up to lcm(256, NV12's 2) = 256:
 * 1920 / 256 = 7.5 -> 8 * 256 = 2048.  Y: 2048 * 1080 = 2211840 bytes at
 * 0; UV at 2211840, pitch 2048 * 2 / (1 * 2) = 2048, 540 rows = 1105920
 * bytes; image 2211840 + 1105920 = 3317760.  Color spaces {REC709,
 * REC601_NTSC} in both: REC709 (rank 1) beats REC601_NTSC (rank 2).
 */
static void expect_camera_nv12(struct __test_metadata *_metadata,
			       const struct sysmem_buffer_settings *out)
{
	static const u64 offs[] = { 0, 2211840 };
	static const u32 bprs[] = { 2048, 2048 };
	const struct sysmem_image_format *img = &out->image;

	EXPECT_EQ(SYSMEM_SETTINGS_HAS_IMAGE_FORMAT,
		  out->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT);
	EXPECT_EQ(3317760, out->size_bytes);
	EXPECT_EQ(NV12, img->format);
	EXPECT_EQ(REC709, img->color_space);
	EXPECT_EQ(LINEAR, img->modifier);
	EXPECT_EQ(1920, img->size.width);
	EXPECT_EQ(1080, img->size.height);
	EXPECT_EQ(2048, img->bytes_per_row);
	expect_planes(_metadata, img, 2, offs, bprs);
	EXPECT_EQ(3317760, img->image_size);
	/*
	 * Nobody gave a min or max: the min is the smallest usable size,
	 * one alignment unit (rule 3.9); no max is 0xffffffff.
	 */
	EXPECT_EQ(2, img->min_size.width);
	EXPECT_EQ(2, img->min_size.height);
	EXPECT_EQ(U32_MAX, img->max_size.width);
	EXPECT_EQ(U32_MAX, img->max_size.height);
	EXPECT_EQ(2, img->size_alignment.width);
	EXPECT_EQ(2, img->size_alignment.height);
	EXPECT_EQ(1, img->display_rect_alignment.width);
	EXPECT_EQ(1, img->display_rect_alignment.height);
	/* The pitch of a 2x2 image: 2 rounded up to 256. */
	EXPECT_EQ(256, img->min_bytes_per_row);
	EXPECT_EQ(U32_MAX, img->max_bytes_per_row);
	EXPECT_EQ(256, img->bytes_per_row_divisor);
	EXPECT_EQ(1, img->start_offset_divisor);
	EXPECT_EQ(0, img->flags);
	EXPECT_EQ(0, img->reserved);
}

TEST(agg_camera_display_nv12)
{
	struct sysmem_buffer_settings out;
	const char *why;
	struct tp p[2];

	camera_display(p, SYSMEM_USAGE_VIDEO_CAPTURE, false);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, &why));
	EXPECT_EQ(NULL, why);
	expect_camera_nv12(_metadata, &out);
	EXPECT_EQ(2, out.buffer_count);
	EXPECT_STREQ("system", out.heap);
	/* Display usage with RAM allowed by everyone: RAM. */
	EXPECT_EQ(SYSMEM_DOMAIN_RAM, out.coherency_domain);

	/* The camera also takes ARGB8888; video usage still wants NV12. */
	camera_display(p, SYSMEM_USAGE_VIDEO_CAPTURE, true);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, &why));
	expect_camera_nv12(_metadata, &out);
}

TEST(agg_rgb_preferred_without_video)
{
	static const u64 offs[] = { 0 };
	static const u32 bprs[] = { 7680 };
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* No video usage, but NV12 is all the camera takes. */
	camera_display(p, SYSMEM_USAGE_CPU_READ, false);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	expect_camera_nv12(_metadata, &out);

	/*
	 * Both take ARGB8888: cost 1 beats NV12's 4.  Pitch 1920 * 4 = 7680
	 * = 30 * lcm(256, 4); image 7680 * 1080 = 8294400.  Only SRGB.
	 */
	camera_display(p, SYSMEM_USAGE_CPU_READ, true);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(ARGB, out.image.format);
	EXPECT_EQ(SRGB, out.image.color_space);
	EXPECT_EQ(1920, out.image.size.width);
	EXPECT_EQ(1080, out.image.size.height);
	EXPECT_EQ(7680, out.image.bytes_per_row);
	expect_planes(_metadata, &out.image, 1, offs, bprs);
	EXPECT_EQ(8294400, out.image.image_size);
	EXPECT_EQ(8294400, out.size_bytes);
	EXPECT_EQ(1, out.image.size_alignment.width);
	EXPECT_EQ(256, out.image.bytes_per_row_divisor);
}

TEST(agg_dnc_format_fanout)
{
	static const u64 nv12_offs[] = { 0, 4 };
	static const u32 nv12_bprs[] = { 2, 2 };
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/*
	 * P0 takes any format; P1 names P010 then NV12.  Candidates
	 * {NV12, P010}; video usage: NV12 costs 1, P010 2.  Nobody gave a
	 * size: NV12's alignment 2x2.  Pitch 2 (2 pixels, divisor 2); Y
	 * 2 * 2 = 4 bytes; UV at 4, pitch 2, 1 row; image 6.
	 */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	tp_entry(&p[0], FMT_DNC, LINEAR, CS_DNC);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[1], P010, LINEAR, REC709);
	add_pair(ic, NV12, LINEAR);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV12, out.image.format);
	EXPECT_EQ(REC709, out.image.color_space);
	EXPECT_EQ(2, out.image.size.width);
	EXPECT_EQ(2, out.image.size.height);
	EXPECT_EQ(2, out.image.bytes_per_row);
	expect_planes(_metadata, &out.image, 2, nv12_offs, nv12_bprs);
	EXPECT_EQ(6, out.image.image_size);
	EXPECT_EQ(6, out.size_bytes);

	/*
	 * Nobody names a format: the whole table.  Without video usage
	 * XRGB8888 (cost 1, first in the table), 1x1: pitch 4, image 4;
	 * everyone does not care about color: SRGB for RGB.
	 */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	tp_entry(&p[0], FMT_DNC, LINEAR, CS_DNC);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[1], FMT_DNC, LINEAR, CS_DNC);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(XRGB, out.image.format);
	EXPECT_EQ(SRGB, out.image.color_space);
	EXPECT_EQ(1, out.image.size.width);
	EXPECT_EQ(4, out.image.bytes_per_row);
	EXPECT_EQ(4, out.image.image_size);
	EXPECT_EQ(4, out.size_bytes);

	/* With video usage: NV12 (cost 1, before NV21); REC709 for YUV. */
	p[0].c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV12, out.image.format);
	EXPECT_EQ(REC709, out.image.color_space);
	EXPECT_EQ(6, out.image.image_size);
}

TEST(agg_dnc_modifier_vendor)
{
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/*
	 * P0 takes NV12 with any modifier; P1 only with a vendor modifier
	 * and asks for 4 MiB buffers.  sysmem knows no vendor layout: no
	 * planes, no pitch, image_size 0; the buffers are 4 MiB.  The
	 * limits are still NV12's: size 2x2 (its alignment), divisor 2.
	 */
	tp_init(&p[0], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[0], NV12, MOD_DNC, REC709);
	tp_init(&p[1], SYSMEM_USAGE_VIDEO_DECODER);
	tp_entry(&p[1], NV12, VENDOR, REC709);
	p[1].c.min_size_bytes = 4 * MiB;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV12, out.image.format);
	EXPECT_EQ(VENDOR, out.image.modifier);
	EXPECT_EQ(REC709, out.image.color_space);
	EXPECT_EQ(2, out.image.size.width);
	EXPECT_EQ(2, out.image.size.height);
	EXPECT_EQ(0, out.image.bytes_per_row);
	expect_planes(_metadata, &out.image, 0, NULL, NULL);
	EXPECT_EQ(0, out.image.image_size);
	EXPECT_EQ(2, out.image.bytes_per_row_divisor);
	EXPECT_EQ(4 * MiB, out.size_bytes);
	EXPECT_EQ(SYSMEM_SETTINGS_HAS_IMAGE_FORMAT, out.flags);

	/* The size may come from any participant. */
	p[1].c.min_size_bytes = 0;
	p[0].c.min_size_bytes = 4 * MiB;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(VENDOR, out.image.modifier);
	EXPECT_EQ(4 * MiB, out.size_bytes);

	/* Nobody gives a size: sysmem invents none. */
	p[0].c.min_size_bytes = 0;
	EXPECT_FAIL(p, "vendor modifier needs min_size_bytes");

	/* The image limits still apply: 1920x1080 against 1280x720. */
	p[0].c.min_size_bytes = 4 * MiB;
	req_max(&p[1].img[0], 1920, 1080);
	p[0].img[0].flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	p[0].img[0].max_size.width = 1280;
	p[0].img[0].max_size.height = 720;
	EXPECT_FAIL(p, "image size outside a participant's limits");
	p[0].img[0].max_size.width = 1920;
	p[0].img[0].max_size.height = 1080;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(1920, out.image.size.width);
	EXPECT_EQ(1920, out.image.max_size.width);
	EXPECT_EQ(0, out.image.image_size);
}

TEST(agg_modifier_order)
{
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* P1 names VENDOR then LINEAR: equal otherwise, 0 < VENDOR. */
	tp_init(&p[0], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[0], NV12, MOD_DNC, REC709);
	tp_init(&p[1], SYSMEM_USAGE_VIDEO_DECODER);
	ic = tp_entry(&p[1], NV12, VENDOR, REC709);
	add_pair(ic, NV12, LINEAR);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(LINEAR, out.image.modifier);
	EXPECT_EQ(2, out.image.nr_planes);
	EXPECT_EQ(6, out.size_bytes);

	/* Nobody names a modifier: LINEAR. */
	ic->nr_formats = 1;
	ic->formats[0].modifier = MOD_DNC;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(LINEAR, out.image.modifier);
	EXPECT_EQ(6, out.image.image_size);

	/* LINEAR against VENDOR: nothing in common. */
	p[0].img[0].formats[0].modifier = LINEAR;
	ic->formats[0].modifier = VENDOR;
	p[1].c.min_size_bytes = 4 * MiB;
	EXPECT_FAIL(p, "no image format every participant accepts");
}

TEST(agg_color_space_rank)
{
	struct sysmem_image_constraints *a, *b;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* {NTSC, 709, 2020} and {709, NTSC, PAL}: {NTSC, 709} -> REC709. */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	a = tp_entry(&p[0], NV12, LINEAR, NTSC);
	add_cs(a, REC709);
	add_cs(a, REC2020);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	b = tp_entry(&p[1], NV12, LINEAR, REC709);
	add_cs(b, NTSC);
	add_cs(b, PAL);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(REC709, out.image.color_space);

	/* {PASS, 2020, 709} and {2020, PASS, PAL}: {2020, PASS} -> 2020. */
	a->color_spaces[0] = PASS;
	a->color_spaces[1] = REC2020;
	a->color_spaces[2] = REC709;
	b->color_spaces[0] = REC2020;
	b->color_spaces[1] = PASS;
	b->color_spaces[2] = PAL;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(REC2020, out.image.color_space);

	/* One does not care, the other wants REC2100. */
	a->nr_color_spaces = 1;
	a->color_spaces[0] = CS_DNC;
	b->nr_color_spaces = 1;
	b->color_spaces[0] = REC2100;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(REC2100, out.image.color_space);

	/* The four REC601 spaces rank NTSC, NTSC full, PAL, PAL full. */
	b->color_spaces[0] = PAL_FULL;
	add_cs(b, PAL);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(PAL, out.image.color_space);
	add_cs(b, NTSC_FULL);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NTSC_FULL, out.image.color_space);

	/* RGB: DO_NOT_CARE and {PASSTHROUGH} -> PASSTHROUGH. */
	p[0].img[0] = mk(XRGB, LINEAR, CS_DNC);
	p[1].img[0] = mk(XRGB, LINEAR, PASS);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(PASS, out.image.color_space);
	/* Everyone does not care: SRGB for RGB. */
	p[1].img[0].color_spaces[0] = CS_DNC;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(SRGB, out.image.color_space);
}

TEST(agg_color_space_empty)
{
	struct tp p[2];

	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	tp_entry(&p[0], NV12, LINEAR, REC709);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[1], NV12, LINEAR, NTSC);
	EXPECT_FAIL(p,
		    "no color space every participant accepts for the image format");
}

TEST(agg_required_sizes_list)
{
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/*
	 * Required sizes 640x480, 1280x720, 1024x768, each laid out on its
	 * own (rule 3.4): 2560 * 480 = 1228800, 5120 * 720 = 3686400,
	 * 4096 * 768 = 3145728.  S is 1280x720, the largest image; the
	 * per-dimension box 1280x768 would need 5120 * 768 = 3932160.
	 */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	ic = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	ic->nr_required_max_sizes = 3;
	ic->required_max_sizes[0].width = 640;
	ic->required_max_sizes[0].height = 480;
	ic->required_max_sizes[1].width = 1280;
	ic->required_max_sizes[1].height = 720;
	ic->required_max_sizes[2].width = 1024;
	ic->required_max_sizes[2].height = 768;
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[1], XRGB, LINEAR, SRGB);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(1280, out.image.size.width);
	EXPECT_EQ(720, out.image.size.height);
	EXPECT_EQ(5120, out.image.bytes_per_row);
	EXPECT_EQ(3686400, out.image.image_size);
	EXPECT_EQ(3686400, out.size_bytes);

	/*
	 * P1 requires 800x1200: 3200 * 1200 = 3840000, now the largest:
	 * S 800x1200 (the box 1280x1200 would need 6144000).
	 */
	req_max(&p[1].img[0], 800, 1200);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(800, out.image.size.width);
	EXPECT_EQ(1200, out.image.size.height);
	EXPECT_EQ(3200, out.image.bytes_per_row);
	EXPECT_EQ(3840000, out.image.image_size);
	EXPECT_EQ(3840000, out.size_bytes);
	/* Other sizes still lay out within the buffer. */
	EXPECT_FALSE(sysmem_image_format_layout(&out.image, 1280, 720,
						&out.image));
	EXPECT_EQ(3686400, out.image.image_size);
}

/* Rule 1.4: pairs sysmem cannot lay out are skipped, not fatal. */
TEST(agg_unknown_formats_skipped)
{
	static const u32 c8 = SYSMEM_FOURCC('C', '8', ' ', ' ');
	static const u32 zz = SYSMEM_FOURCC('Z', 'Z', 'Z', 'Z');
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];
	u32 first;

	/*
	 * A compositor lists every display format: C8 and ZZZZ unknown,
	 * XRGB8888 known.  Until ABI 0.6 the whole participant was refused
	 * (IMAGE_FORMAT); now the two pairs are skipped.
	 */
	tp_init(&p[0], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[0], c8, LINEAR, SRGB);
	add_pair(ic, zz, VENDOR);
	ic = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	req_max(ic, 64, 64);
	EXPECT_EQ(2, sysmem_image_skipped(p[0].img, 2, &first));
	EXPECT_EQ(c8, first);
	EXPECT_EQ(0, sysmem_image_skipped(&p[0].img[1], 1, &first));
	EXPECT_EQ(0, first);
	tp_init(&p[1], SYSMEM_USAGE_CPU_WRITE);
	tp_entry(&p[1], FMT_DNC, MOD_DNC, CS_DNC);
	p[1].c.min_size_bytes = 4096;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(XRGB, out.image.format);
	/* The skipped pair's vendor modifier is not a candidate. */
	EXPECT_EQ(LINEAR, out.image.modifier);
	EXPECT_EQ(16384, out.image.image_size);

	/* Only unknown formats left: refused, with rule 1.11's reason. */
	p[0].c.image_format_count = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT, sysmem_image_validate(p[0].img, 1));
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMAT,
		  sysmem_constraints_validate(&p[0].c, NULL, p[0].img));
	EXPECT_STREQ("no image entry names a format sysmem can lay out",
		     sysmem_invalid_str(SYSMEM_INVALID_IMAGE_FORMAT));

	/* The 10-bit RGB family is known now, with HDR color spaces. */
	tp_init(&p[0], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[0], SYSMEM_FMT_XRGB2101010, LINEAR, REC2100);
	req_max(ic, 3840, 2160);
	tp_init(&p[1], SYSMEM_USAGE_VULKAN_COLOR_ATTACHMENT);
	tp_entry(&p[1], SYSMEM_FMT_XRGB2101010, LINEAR, CS_DNC);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(SYSMEM_FMT_XRGB2101010, out.image.format);
	EXPECT_EQ(REC2100, out.image.color_space);
	/* 3840 * 4 = 15360; 15360 * 2160 = 33177600. */
	EXPECT_EQ(15360, out.image.bytes_per_row);
	EXPECT_EQ(33177600, out.image.image_size);
}

/* Rule 3.3 and 3.5: pad_for_block_size and pad_beyond_image_size_bytes. */
TEST(agg_padding)
{
	static const u64 offs[] = { 0 };
	static const u32 bprs[] = { 4032 };
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct sysmem_image_format l;
	struct tp p[2];

	/*
	 * XRGB 1000x500.  The codec pads to 16x16 blocks: rows hold 1008
	 * pixels, 1008 * 4 = 4032 bytes; 512 rows of it: 4032 * 512 =
	 * 2064384.  Before ABI 0.6 the field was ignored: 4000 * 500 =
	 * 2000000, and the codec's last block row wrote past the buffer.
	 */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	ic = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	req_max(ic, 1000, 500);
	ic->pad_for_block_size.width = 16;
	ic->pad_for_block_size.height = 16;
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[1], XRGB, LINEAR, SRGB);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(1000, out.image.size.width);
	EXPECT_EQ(500, out.image.size.height);
	EXPECT_EQ(4032, out.image.bytes_per_row);
	expect_planes(_metadata, &out.image, 1, offs, bprs);
	EXPECT_EQ(2064384, out.image.image_size);
	EXPECT_EQ(2064384, out.size_bytes);
	EXPECT_EQ(16, out.image.pad_for_block_size.width);
	EXPECT_EQ(16, out.image.pad_for_block_size.height);
	EXPECT_EQ(0, out.image.pad_beyond_image_size_bytes);

	/*
	 * Blocks combine by lcm: 16x16 and 12x1 give 48x16 (1000 -> 1008
	 * still); bytes beyond the image by max: 4096 and 100 give 4096.
	 * Image 2064384 + 4096 = 2068480.
	 */
	ic->pad_for_block_size.width = 12;
	ic->pad_beyond_image_size_bytes = 100;
	p[0].img[0].pad_beyond_image_size_bytes = 4096;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(48, out.image.pad_for_block_size.width);
	EXPECT_EQ(16, out.image.pad_for_block_size.height);
	EXPECT_EQ(4096, out.image.pad_beyond_image_size_bytes);
	EXPECT_EQ(4032, out.image.bytes_per_row);
	EXPECT_EQ(2068480, out.image.image_size);
	EXPECT_EQ(2068480, out.size_bytes);

	/*
	 * libsysmem's layout applies the same padding: 990x490 -> rows of
	 * 1008 pixels (4032 bytes), 496 rows: 1999872 + 4096 = 2003968.
	 */
	ASSERT_FALSE(sysmem_image_format_layout(&out.image, 990, 490, &l));
	EXPECT_EQ(4032, l.bytes_per_row);
	EXPECT_EQ(2003968, l.image_size);

	/*
	 * NV12: width padding is fine (the chroma pitch follows), 64x1:
	 * 1000 -> 1024, pitch 1024; Y 1024 * 500 = 512000, UV at 512000,
	 * 1024 * 250 = 256000: 768000, plus 4096 = 772096.
	 */
	p[0].img[0] = mk(NV12, LINEAR, REC709);
	req_max(&p[0].img[0], 1000, 500);
	p[0].img[0].pad_for_block_size.width = 64;
	p[0].img[0].pad_beyond_image_size_bytes = 4096;
	p[1].img[0] = mk(NV12, LINEAR, REC709);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(1024, out.image.bytes_per_row);
	EXPECT_EQ(512000, out.image.planes[1].offset);
	EXPECT_EQ(772096, out.image.image_size);
	/* Height padding would spill Y rows into UV: no candidate. */
	p[0].img[0].pad_for_block_size.height = 16;
	EXPECT_FAIL(p, "pad_for_block_size height needs a one-plane format");
	/* An lcm above 0xffffffff kills the candidate. */
	p[0].img[0] = mk(XRGB, LINEAR, SRGB);
	p[1].img[0] = mk(XRGB, LINEAR, SRGB);
	p[0].img[0].pad_for_block_size.width = 0xfffffffb;
	p[1].img[0].pad_for_block_size.width = 0xfffffff1;
	EXPECT_FAIL(p, "image size or row pitch limits of the participants conflict");
}

/* Rule 3.9: the reported minimums are usable sizes and pitches. */
TEST(agg_reported_limits_usable)
{
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct sysmem_image_format l;
	struct tp p[1];

	/*
	 * Alignment 16x16, rows on 256 bytes, no min: until ABI 0.6 the
	 * result said min 0x0 and min pitch 0, which
	 * sysmem_image_format_layout() refuses.  Now min 16x16 and min
	 * pitch 16 * 4 = 64 rounded up to 256.
	 */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	ic = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	ic->size_alignment.width = 16;
	ic->size_alignment.height = 16;
	ic->bytes_per_row_divisor = 256;
	req_max(ic, 640, 480);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(16, out.image.min_size.width);
	EXPECT_EQ(16, out.image.min_size.height);
	EXPECT_EQ(256, out.image.min_bytes_per_row);
	ASSERT_FALSE(sysmem_image_format_layout(&out.image,
						out.image.min_size.width,
						out.image.min_size.height, &l));
	EXPECT_EQ(256, l.bytes_per_row);
	EXPECT_EQ(256 * 16, l.image_size);
	/* The chosen image is unchanged: 640 * 4 = 2560 = 10 * 256. */
	EXPECT_EQ(2560, out.image.bytes_per_row);

	/* A min pitch above the format's stays: 3000 -> 3072. */
	ic->min_bytes_per_row = 3000;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(3072, out.image.min_bytes_per_row);
	EXPECT_EQ(3072, out.image.bytes_per_row);

	/* With a vendor modifier: at least the divisor. */
	ic->min_bytes_per_row = 0;
	ic->formats[0].modifier = VENDOR;
	p[0].c.min_size_bytes = MiB;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(16, out.image.min_size.width);
	EXPECT_EQ(256, out.image.min_bytes_per_row);
}

/* The example of the issue: NV12 500x1000 and 1000x500. */
TEST(agg_required_sizes_nv12_each)
{
	static const u64 offs[] = { 0, 500000 };
	static const u32 bprs[] = { 500, 500 };
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[1];
	unsigned int i;

	/*
	 * 500x1000: Y 500 * 1000 = 500000, UV 500 * 500 = 250000: 750000.
	 * 1000x500: Y 1000 * 500 = 500000, UV 1000 * 250: 750000.  A tie:
	 * the first listed is reported.  The 1000x1000 box took 1500000.
	 */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	ic = tp_entry(&p[0], NV12, LINEAR, REC709);
	ic->nr_required_max_sizes = 2;
	ic->required_max_sizes[0].width = 500;
	ic->required_max_sizes[0].height = 1000;
	ic->required_max_sizes[1].width = 1000;
	ic->required_max_sizes[1].height = 500;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(500, out.image.size.width);
	EXPECT_EQ(1000, out.image.size.height);
	expect_planes(_metadata, &out.image, 2, offs, bprs);
	EXPECT_EQ(750000, out.image.image_size);
	EXPECT_EQ(750000, out.size_bytes);

	/*
	 * A required size below another limit is raised to it: min_size
	 * 600x600 makes 500x1000 600x1000 (Y 600000 + UV 300000 = 900000)
	 * and 1000x500 1000x600 (600000 + 300000): a tie, the first wins.
	 */
	ic->min_size.width = 600;
	ic->min_size.height = 600;
	ic->nr_required_max_sizes = 2;
	ic->required_max_sizes[0].width = 600;
	ic->required_max_sizes[0].height = 1000;
	ic->required_max_sizes[1].width = 1000;
	ic->required_max_sizes[1].height = 600;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(600, out.image.size.width);
	EXPECT_EQ(1000, out.image.size.height);
	EXPECT_EQ(900000, out.image.image_size);

	/* Every one of the 64 sizes is honoured: the last is largest. */
	ic->min_size.width = 0;
	ic->min_size.height = 0;
	ic->nr_required_max_sizes = SYSMEM_MAX_REQUIRED_SIZES;
	for (i = 0; i < SYSMEM_MAX_REQUIRED_SIZES; i++) {
		ic->required_max_sizes[i].width = 2 * (i + 1);
		ic->required_max_sizes[i].height = 2;
	}
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	/* 128x2: Y 256 + UV 128 = 384. */
	EXPECT_EQ(128, out.image.size.width);
	EXPECT_EQ(2, out.image.size.height);
	EXPECT_EQ(384, out.image.image_size);
}

TEST(agg_pixel_boundary_rows)
{
	static const u64 offs[] = { 0 };
	static const u32 bprs[] = { 4224 };
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[1];

	/*
	 * RGB888 1366x768 tight: 1366 * 3 = 4098 bytes per row (a multiple
	 * of the divisor 3); image 4098 * 768 = 3147264.
	 */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	ic = tp_entry(&p[0], RGB888, LINEAR, SRGB);
	req_max(ic, 1366, 768);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(4098, out.image.bytes_per_row);
	EXPECT_EQ(3, out.image.bytes_per_row_divisor);
	EXPECT_EQ(3147264, out.image.image_size);
	EXPECT_EQ(0, out.image.flags);

	/*
	 * Divisor 64 and whole pixels: lcm(64, 3) = 192, and 192 is a
	 * multiple of 3 bytes per pixel already.  4098 / 192 = 21.3 ->
	 * 22 * 192 = 4224; image 4224 * 768 = 3244032.
	 */
	ic->bytes_per_row_divisor = 64;
	ic->flags |= SYSMEM_IMAGE_BYTES_PER_ROW_AT_PIXEL_BOUNDARY;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(4224, out.image.bytes_per_row);
	expect_planes(_metadata, &out.image, 1, offs, bprs);
	EXPECT_EQ(192, out.image.bytes_per_row_divisor);
	EXPECT_EQ(3244032, out.image.image_size);
	EXPECT_EQ(3244032, out.size_bytes);
	EXPECT_EQ(SYSMEM_IMAGE_FORMAT_BYTES_PER_ROW_AT_PIXEL_BOUNDARY,
		  out.image.flags);
}

TEST(agg_size_alignment)
{
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/*
	 * Alignment 16x16, min 1000x500: 1000 -> 63 * 16 = 1008, 500 ->
	 * 32 * 16 = 512.  Nobody requires a size, so S = min_size =
	 * 1008x512; pitch 1008 * 4 = 4032; image 4032 * 512 = 2064384.
	 */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	ic = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	ic->size_alignment.width = 16;
	ic->size_alignment.height = 16;
	ic->min_size.width = 1000;
	ic->min_size.height = 500;
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[1], XRGB, LINEAR, SRGB);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(1008, out.image.size.width);
	EXPECT_EQ(512, out.image.size.height);
	EXPECT_EQ(1008, out.image.min_size.width);
	EXPECT_EQ(512, out.image.min_size.height);
	EXPECT_EQ(16, out.image.size_alignment.width);
	EXPECT_EQ(16, out.image.size_alignment.height);
	EXPECT_EQ(4032, out.image.bytes_per_row);
	EXPECT_EQ(2064384, out.image.image_size);

	/*
	 * P1: alignment 32x8, rows of at least 4100 bytes on 64-byte
	 * boundaries, at most 1920x1080.  Alignment lcm(16, 32) x
	 * lcm(16, 8) = 32x16; min 1008x512 -> 1024x512; max 1920x1080 ->
	 * 1920 x 67 * 16 = 1920x1072.  Divisor lcm(4, 64) = 64; min pitch
	 * 4100 -> 65 * 64 = 4160, above 1024 * 4 = 4096: pitch 4160;
	 * image 4160 * 512 = 2129920.
	 */
	ic = &p[1].img[0];
	ic->size_alignment.width = 32;
	ic->size_alignment.height = 8;
	ic->min_bytes_per_row = 4100;
	ic->bytes_per_row_divisor = 64;
	ic->flags |= SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic->max_size.width = 1920;
	ic->max_size.height = 1080;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(1024, out.image.size.width);
	EXPECT_EQ(512, out.image.size.height);
	EXPECT_EQ(1024, out.image.min_size.width);
	EXPECT_EQ(512, out.image.min_size.height);
	EXPECT_EQ(1920, out.image.max_size.width);
	EXPECT_EQ(1072, out.image.max_size.height);
	EXPECT_EQ(32, out.image.size_alignment.width);
	EXPECT_EQ(16, out.image.size_alignment.height);
	EXPECT_EQ(4160, out.image.min_bytes_per_row);
	EXPECT_EQ(U32_MAX, out.image.max_bytes_per_row);
	EXPECT_EQ(64, out.image.bytes_per_row_divisor);
	EXPECT_EQ(4160, out.image.bytes_per_row);
	EXPECT_EQ(2129920, out.image.image_size);
	EXPECT_EQ(2129920, out.size_bytes);
}

TEST(agg_start_offset_divisor)
{
	static const u64 offs[] = { 0, 2073600 };
	static const u32 bprs[] = { 1920, 1920 };
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/*
	 * NV12 1920x1080, pitch 1920 (a multiple of NV12's 2).  The start
	 * offset divisor is about the image's first byte (offset 0), not
	 * the planes (rule 3.5): UV right after Y at 1920 * 1080 =
	 * 2073600, as every single-planar importer assumes; UV 1920 * 540
	 * = 1036800; image 3110400.  Until ABI 0.6 UV was rounded up to
	 * 507 * 4096 = 2076672 (image 3113472).  The display's 256
	 * divides 4096: lcm(4096, 256) = 4096 is reported.
	 */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	ic = tp_entry(&p[0], NV12, LINEAR, REC709);
	req_max(ic, 1920, 1080);
	ic->start_offset_divisor = 4096;
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[1], NV12, LINEAR, REC709);
	ic->start_offset_divisor = 256;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(1920, out.image.bytes_per_row);
	expect_planes(_metadata, &out.image, 2, offs, bprs);
	EXPECT_EQ(3110400, out.image.image_size);
	EXPECT_EQ(3110400, out.size_bytes);
	EXPECT_EQ(4096, out.image.start_offset_divisor);
	EXPECT_EQ(2, out.image.bytes_per_row_divisor);

	/* display_rect_alignment: lcm per dimension, 0 means 1. */
	p[0].img[0].display_rect_alignment.width = 8;
	p[1].img[0].display_rect_alignment.width = 2;
	p[1].img[0].display_rect_alignment.height = 4;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(8, out.image.display_rect_alignment.width);
	EXPECT_EQ(4, out.image.display_rect_alignment.height);
}

/*
 * Alignments that are not powers of two combine by lcm, so that each
 * participant's own alignment still divides the result.
 */
TEST(agg_alignment_lcm)
{
	static const u64 offs[] = { 0, 8 };
	static const u32 bprs[] = { 4, 4 };
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/*
	 * XRGB, required 6x6; width alignment 3 and 4: lcm 12, so S =
	 * 12x6 (max would give 8, not a multiple of 3); pitch 12 * 4 =
	 * 48; image 48 * 6 = 288.  Display rect alignment 6 and 4 in
	 * height: lcm 12.
	 */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	ic = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	req_max(ic, 6, 6);
	ic->size_alignment.width = 3;
	ic->display_rect_alignment.height = 6;
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[1], XRGB, LINEAR, SRGB);
	ic->size_alignment.width = 4;
	ic->display_rect_alignment.height = 4;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(12, out.image.size_alignment.width);
	EXPECT_EQ(1, out.image.size_alignment.height);
	EXPECT_EQ(12, out.image.size.width);
	EXPECT_EQ(6, out.image.size.height);
	EXPECT_EQ(48, out.image.bytes_per_row);
	EXPECT_EQ(288, out.image.image_size);
	EXPECT_EQ(12, out.image.display_rect_alignment.height);

	/*
	 * NV12 4x2, start offsets on multiples of 3 and of 4: lcm 12 is
	 * reported.  The planes stay packed: Y is 4 * 2 = 8 bytes, UV at
	 * 8, UV 4 * 1 = 4 bytes: image 12.
	 */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	ic = tp_entry(&p[0], NV12, LINEAR, REC709);
	req_max(ic, 4, 2);
	ic->start_offset_divisor = 3;
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[1], NV12, LINEAR, REC709);
	ic->start_offset_divisor = 4;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(12, out.image.start_offset_divisor);
	expect_planes(_metadata, &out.image, 2, offs, bprs);
	EXPECT_EQ(12, out.image.image_size);

	/* An lcm above 0xffffffff kills the candidate. */
	p[0].img[0].start_offset_divisor = 0xfffffffb;	/* prime */
	p[1].img[0].start_offset_divisor = 0xfffffff1;	/* prime */
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, RUN(p, &out, NULL));
}

TEST(agg_alpha)
{
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* P0 needs alpha: XRGB8888 (named first, first in the table) loses. */
	tp_init(&p[0], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	add_pair(ic, ARGB, LINEAR);
	ic->flags = SYSMEM_IMAGE_ALPHA_PRESENT;
	tp_init(&p[1], SYSMEM_USAGE_CPU_WRITE);
	ic = tp_entry(&p[1], XRGB, LINEAR, SRGB);
	add_pair(ic, ARGB, LINEAR);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(ARGB, out.image.format);
	EXPECT_EQ(SYSMEM_IMAGE_FORMAT_ALPHA_PRESENT, out.image.flags);
	EXPECT_EQ(4, out.image.image_size);

	/* P1 only has XRGB8888. */
	ic->nr_formats = 1;
	EXPECT_FAIL(p, "no image format every participant accepts");

	/*
	 * A less specific entry of P0 without the flag takes XRGB8888:
	 * the alpha entry does not match a format without alpha.
	 */
	tp_entry(&p[0], FMT_DNC, LINEAR, SRGB);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(XRGB, out.image.format);
	EXPECT_EQ(0, out.image.flags);
}

TEST(agg_max_width_times_height)
{
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* 1920 * 1080 = 2073600 pixels. */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	req_max(tp_entry(&p[0], XRGB, LINEAR, SRGB), 1920, 1080);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ic = tp_entry(&p[1], XRGB, LINEAR, SRGB);
	ic->flags = SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT;
	ic->max_width_times_height = 2073599;
	EXPECT_FAIL(p, "image size outside a participant's limits");
	ic->max_width_times_height = 2073600;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	/* 1920 * 4 * 1080 = 8294400. */
	EXPECT_EQ(8294400, out.size_bytes);
}

TEST(agg_max_size_bytes)
{
	struct sysmem_image_constraints *ic;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* XRGB8888 1920x1080: 7680 * 1080 = 8294400 bytes. */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	req_max(tp_entry(&p[0], XRGB, LINEAR, SRGB), 1920, 1080);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[1], XRGB, LINEAR, SRGB);
	p[1].c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
	p[1].c.max_size_bytes = 8294399;
	EXPECT_FAIL(p, "image size above a participant's max_size_bytes");
	p[1].c.max_size_bytes = 8294400;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(8294400, out.size_bytes);

	/*
	 * A candidate that fits wins over a cheaper one that does not:
	 * with 4 MiB at most, XRGB8888 (8294400) dies and NV12 wins:
	 * 1920 * 1080 + 1920 * 540 = 3110400.
	 */
	ic = tp_entry(&p[0], NV12, LINEAR, REC709);
	req_max(ic, 1920, 1080);
	p[1].img[0] = mk(FMT_DNC, LINEAR, CS_DNC);
	p[1].c.max_size_bytes = 4 * MiB;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV12, out.image.format);
	EXPECT_EQ(3110400, out.image.image_size);
	EXPECT_EQ(3110400, out.size_bytes);

	/* A buffer-level size above the image: the larger one. */
	p[0].c.min_size_bytes = 4 * MiB;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(3110400, out.image.image_size);
	EXPECT_EQ(4 * MiB, out.size_bytes);
}

TEST(agg_limits_conflict)
{
	struct sysmem_image_constraints *a, *b;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	a = tp_entry(&p[0], XRGB, LINEAR, SRGB);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	b = tp_entry(&p[1], XRGB, LINEAR, SRGB);

	/* max 640x480 against min 800x600. */
	a->flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	a->max_size.width = 640;
	a->max_size.height = 480;
	b->min_size.width = 800;
	b->min_size.height = 600;
	EXPECT_FAIL(p, "image size or row pitch limits of the participants conflict");

	/* Buffers for images down to 320x240 against min 800x600. */
	a->flags = SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE;
	a->required_min_size.width = 320;
	a->required_min_size.height = 240;
	EXPECT_FAIL(p, "image min_size above a participant's required_min_size");

	/*
	 * Buffers for 640x480 against min 800x600: the required size is
	 * raised to the min (rule 3.4), S 800x600.
	 */
	a->flags = 0;
	req_max(a, 640, 480);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(800, out.image.size.width);
	EXPECT_EQ(600, out.image.size.height);
	/* Buffers for 1920x1080 against max 1280x720. */
	req_max(a, 1920, 1080);
	b->flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	b->max_size.width = 1280;
	b->max_size.height = 720;
	EXPECT_FAIL(p, "image size outside a participant's limits");

	/*
	 * Rows of 1920 * 4 = 7680 bytes against at most 7679 (7676 after
	 * rounding down to 4).
	 */
	req_max(a, 1920, 1080);
	b->min_size.width = 0;
	b->min_size.height = 0;
	b->flags = SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
	b->max_bytes_per_row = 7679;
	EXPECT_FAIL(p, "row pitch above a participant's max_bytes_per_row");

	/*
	 * The reason is that of the candidate that got furthest: NV12,
	 * refused by P1, walked after XRGB8888, does not hide the pitch.
	 */
	add_pair(a, NV12, LINEAR);
	a->color_spaces[0] = CS_DNC;
	EXPECT_FAIL(p, "row pitch above a participant's max_bytes_per_row");
	b->max_bytes_per_row = 7680;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(XRGB, out.image.format);
	EXPECT_EQ(7680, out.image.max_bytes_per_row);
}

TEST(agg_naming_order)
{
	struct sysmem_image_constraints *a, *b;
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* NV12 and NV21 cost the same; P0 names NV21 first. */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	a = tp_entry(&p[0], NV21, LINEAR, REC709);
	add_pair(a, NV12, LINEAR);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	b = tp_entry(&p[1], NV12, LINEAR, REC709);
	add_pair(b, NV21, LINEAR);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV21, out.image.format);

	/* Swapped in P0: NV12. */
	a->formats[0].format = NV12;
	a->formats[1].format = NV21;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV12, out.image.format);

	/*
	 * P0 names only NV21 (and takes anything else through a DO_NOT_CARE
	 * entry): NV21, named by the earlier participant, beats NV12.
	 */
	p[0].c.image_format_count = 0;
	tp_entry(&p[0], NV21, LINEAR, REC709);
	tp_entry(&p[0], FMT_DNC, LINEAR, REC709);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV21, out.image.format);

	/* P0 names nothing: P1's order, NV12 first. */
	p[0].c.image_format_count = 0;
	tp_entry(&p[0], FMT_DNC, LINEAR, REC709);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV12, out.image.format);
	b->formats[0].format = NV21;
	b->formats[1].format = NV12;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV21, out.image.format);
}

TEST(agg_entry_specificity)
{
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/*
	 * P0's entry 0 (any format) wants PAL, entry 1 (NV12) REC709.  The
	 * explicit format wins although entry 0 comes first: REC709.  With
	 * entry 0 the intersection with P1's {REC709} would be empty.
	 */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	tp_entry(&p[0], FMT_DNC, LINEAR, PAL);
	tp_entry(&p[0], NV12, LINEAR, REC709);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	tp_entry(&p[1], NV12, LINEAR, REC709);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(REC709, out.image.color_space);

	/* The explicit modifier wins over a DO_NOT_CARE one. */
	p[0].img[0] = mk(NV12, MOD_DNC, PAL);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(REC709, out.image.color_space);

	/* An explicit format beats an explicit modifier. */
	p[0].img[0] = mk(FMT_DNC, LINEAR, PAL);
	p[0].img[1] = mk(NV12, MOD_DNC, REC709);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(REC709, out.image.color_space);

	/* The other way round: PAL against REC709, nothing in common. */
	p[0].img[0] = mk(FMT_DNC, LINEAR, REC709);
	p[0].img[1] = mk(NV12, MOD_DNC, PAL);
	EXPECT_FAIL(p,
		    "no color space every participant accepts for the image format");

	/* Only the matching entry's limits apply. */
	p[0].img[0] = mk(FMT_DNC, LINEAR, REC709);
	p[0].img[0].min_size.width = 4000;
	p[0].img[1] = mk(NV12, LINEAR, REC709);
	p[0].img[1].min_size.width = 64;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(64, out.image.size.width);
}

/* Formats, by rule 3.7, from the cheapest to the dearest. */
static const u32 order_other[SYSMEM_FORMAT_COUNT] = {
	SYSMEM_FMT_XRGB8888, SYSMEM_FMT_ARGB8888, SYSMEM_FMT_XBGR8888,
	SYSMEM_FMT_ABGR8888, SYSMEM_FMT_RGBX8888, SYSMEM_FMT_RGBA8888,
	SYSMEM_FMT_BGRX8888, SYSMEM_FMT_BGRA8888,	/* 1 */
	SYSMEM_FMT_XRGB2101010, SYSMEM_FMT_ARGB2101010,
	SYSMEM_FMT_XBGR2101010, SYSMEM_FMT_ABGR2101010,	/* 2 */
	SYSMEM_FMT_RGB565,				/* 3 */
	SYSMEM_FMT_RGB888, SYSMEM_FMT_BGR888,		/* 4 */
	SYSMEM_FMT_NV12, SYSMEM_FMT_NV21,		/* 5 */
	SYSMEM_FMT_P010,				/* 6 */
	SYSMEM_FMT_P012, SYSMEM_FMT_P016,		/* 7 */
	SYSMEM_FMT_YUV420, SYSMEM_FMT_YVU420,		/* 8 */
	SYSMEM_FMT_NV16, SYSMEM_FMT_NV61, SYSMEM_FMT_YUV422,
	SYSMEM_FMT_YUYV, SYSMEM_FMT_UYVY,		/* 9 */
	SYSMEM_FMT_Y210,				/* 10 */
	SYSMEM_FMT_NV24,				/* 11 */
	SYSMEM_FMT_R8, SYSMEM_FMT_R16, SYSMEM_FMT_GR88,	/* 12 */
};

static const u32 order_video[SYSMEM_FORMAT_COUNT] = {
	SYSMEM_FMT_NV12, SYSMEM_FMT_NV21,		/* 1 */
	SYSMEM_FMT_P010,				/* 2 */
	SYSMEM_FMT_P012, SYSMEM_FMT_P016,		/* 3 */
	SYSMEM_FMT_YUV420, SYSMEM_FMT_YVU420,		/* 4 */
	SYSMEM_FMT_NV16, SYSMEM_FMT_NV61, SYSMEM_FMT_YUV422,
	SYSMEM_FMT_YUYV, SYSMEM_FMT_UYVY,		/* 5 */
	SYSMEM_FMT_Y210,				/* 6 */
	SYSMEM_FMT_NV24,				/* 7 */
	SYSMEM_FMT_XRGB8888, SYSMEM_FMT_ARGB8888, SYSMEM_FMT_XBGR8888,
	SYSMEM_FMT_ABGR8888, SYSMEM_FMT_RGBX8888, SYSMEM_FMT_RGBA8888,
	SYSMEM_FMT_BGRX8888, SYSMEM_FMT_BGRA8888,	/* 8 */
	SYSMEM_FMT_XRGB2101010, SYSMEM_FMT_ARGB2101010,
	SYSMEM_FMT_XBGR2101010, SYSMEM_FMT_ABGR2101010,	/* 9 */
	SYSMEM_FMT_RGB888, SYSMEM_FMT_BGR888,		/* 10 */
	SYSMEM_FMT_RGB565,				/* 11 */
	SYSMEM_FMT_R8, SYSMEM_FMT_R16, SYSMEM_FMT_GR88,	/* 12 */
};

/*
 * One participant names every format not yet chosen, in table order;
 * the chosen one is then taken out, 32 times.
 */
static void check_cost_order(struct __test_metadata *_metadata, u64 usage,
			     const u32 *expected)
{
	bool taken[SYSMEM_FORMAT_COUNT] = { false };
	struct sysmem_buffer_settings out;
	struct sysmem_image_constraints *ic;
	unsigned int round, i;
	struct tp p[1];

	for (round = 0; round < SYSMEM_FORMAT_COUNT; round++) {
		tp_init(&p[0], usage);
		ic = NULL;
		for (i = 0; i < SYSMEM_FORMAT_COUNT; i++) {
			if (taken[i])
				continue;
			if (!ic || ic->nr_formats == SYSMEM_MAX_FORMAT_PAIRS) {
				ic = tp_entry(&p[0], sysmem_format_at(i)->fourcc,
					      LINEAR, CS_DNC);
				continue;
			}
			add_pair(ic, sysmem_format_at(i)->fourcc, LINEAR);
		}
		ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
		EXPECT_EQ(expected[round], out.image.format);
		for (i = 0; i < SYSMEM_FORMAT_COUNT; i++)
			if (sysmem_format_at(i)->fourcc == out.image.format)
				taken[i] = true;
	}
}

TEST(agg_cost_order)
{
	check_cost_order(_metadata, SYSMEM_USAGE_CPU_WRITE |
			 SYSMEM_USAGE_DISPLAY_LAYER |
			 SYSMEM_USAGE_VULKAN_SAMPLED, order_other);
	check_cost_order(_metadata, SYSMEM_USAGE_VIDEO_DECODER, order_video);
	check_cost_order(_metadata, SYSMEM_USAGE_VIDEO_ENCODER, order_video);
	check_cost_order(_metadata, SYSMEM_USAGE_VIDEO_CAPTURE, order_video);
	check_cost_order(_metadata, SYSMEM_USAGE_VIDEO_DECRYPTOR_OUTPUT,
			 order_video);
}

TEST(agg_size_zero_rule)
{
	struct sysmem_buffer_settings out;
	struct tp p[2];

	/* No image constraints: a size of 0 still fails. */
	tp_init(&p[0], SYSMEM_USAGE_CPU_WRITE);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	EXPECT_FAIL(p, "no participant asked for a size");

	/* Image constraints give a size: XRGB8888 1x1, 4 bytes. */
	tp_entry(&p[1], XRGB, LINEAR, SRGB);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(4, out.size_bytes);
	EXPECT_EQ(4, out.image.image_size);

	/* Buffer-level size limits still apply before images. */
	p[0].c.min_size_bytes = 8;
	p[1].c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
	p[1].c.max_size_bytes = 8;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(8, out.size_bytes);
	p[1].c.max_size_bytes = 3;
	p[0].c.min_size_bytes = 0;
	EXPECT_FAIL(p, "image size above a participant's max_size_bytes");
	p[0].c.min_size_bytes = 4;
	EXPECT_FAIL(p, "buffer size above a participant's max_size_bytes");
}

TEST(agg_participants_without_images)
{
	static const u64 offs[] = { 0, 307200 };
	static const u32 bprs[] = { 640, 640 };
	struct sysmem_buffer_settings out;
	struct sysmem_image_format zero;
	struct tp p[2];

	/*
	 * P1 sets no image constraints and restricts nothing.  NV12
	 * 640x480: Y 640 * 480 = 307200; UV 640 * 240 = 153600; image
	 * 460800.
	 */
	tp_init(&p[0], SYSMEM_USAGE_VIDEO_DECODER);
	req_max(tp_entry(&p[0], NV12, LINEAR, REC709), 640, 480);
	tp_init(&p[1], SYSMEM_USAGE_DISPLAY_LAYER);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(NV12, out.image.format);
	expect_planes(_metadata, &out.image, 2, offs, bprs);
	EXPECT_EQ(460800, out.size_bytes);

	/* Nobody has image constraints: no image, the old rules only. */
	p[0].c.image_format_count = 0;
	p[0].c.min_size_bytes = 4096;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));
	EXPECT_EQ(0, out.flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT);
	EXPECT_EQ(4096, out.size_bytes);
	memset(&zero, 0, sizeof(zero));
	EXPECT_EQ(0, memcmp(&zero, &out.image, sizeof(zero)));
}

TEST(agg_zeroed_on_heap_failure)
{
	static const struct sysmem_heap_desc secure_only[] = {
		{ .name = "secure", .domains = SYSMEM_DOMAIN_INACCESSIBLE,
		  .secure = true },
	};
	struct sysmem_buffer_settings out;
	const char *why;
	struct tp p[2];

	/* The image is chosen, then no heap fits: everything zeroed. */
	camera_display(p, SYSMEM_USAGE_VIDEO_CAPTURE, false);
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP,
		  run_heaps(_metadata, p, 2, secure_only, 1, &out, &why));
	EXPECT_STREQ("no non-secure heap", why);
	EXPECT_TRUE(settings_zero(&out));
}

TEST(agg_deterministic)
{
	struct sysmem_buffer_settings a, b;
	struct sysmem_image_constraints *ic;
	struct tp p[3];

	camera_display(p, SYSMEM_USAGE_VIDEO_CAPTURE, true);
	tp_init(&p[2], SYSMEM_USAGE_VIDEO_ENCODER);
	ic = tp_entry(&p[2], FMT_DNC, MOD_DNC, CS_DNC);
	ic->start_offset_divisor = 4096;
	ic->size_alignment.width = 16;
	ic->size_alignment.height = 16;
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &a, NULL));
	memset(&b, 0x5a, sizeof(b));
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &b, NULL));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	/*
	 * NV12 1920 x 1088 (1080 -> 68 * 16): pitch 2048; Y 2048 * 1088 =
	 * 2228224 = 544 * 4096; UV 2048 * 544 = 1114112; image 3342336.
	 */
	EXPECT_EQ(NV12, a.image.format);
	EXPECT_EQ(1088, a.image.size.height);
	EXPECT_EQ(2228224, a.image.planes[1].offset);
	EXPECT_EQ(3342336, a.size_bytes);
}

TEST(image_format_layout)
{
	static const u64 offs[] = { 0, 1049088 };
	static const u32 bprs[] = { 1366, 1366 };
	struct sysmem_buffer_settings out;
	struct sysmem_image_format img, o;
	struct tp p[2];

	camera_display(p, SYSMEM_USAGE_VIDEO_CAPTURE, false);
	ASSERT_EQ(SYSMEM_FAIL_NONE, RUN(p, &out, NULL));

	/* Back at its own size: the same image. */
	ASSERT_FALSE(sysmem_image_format_layout(&out.image, 1920, 1080, &o));
	EXPECT_EQ(0, memcmp(&o, &out.image, sizeof(o)));

	/*
	 * 1280x720: pitch 1280 = 5 * 256; Y 1280 * 720 = 921600; UV at
	 * 921600, 1280 * 360 = 460800; image 1382400.
	 */
	img = out.image;
	ASSERT_FALSE(sysmem_image_format_layout(&img, 1280, 720, &img));
	EXPECT_EQ(1280, img.size.width);
	EXPECT_EQ(1280, img.bytes_per_row);
	EXPECT_EQ(921600, img.planes[1].offset);
	EXPECT_EQ(1382400, img.image_size);
	EXPECT_EQ(256, img.bytes_per_row_divisor);

	/*
	 * 1366x768 with divisor 1 and start offsets on 4096: pitch 1366;
	 * the planes stay packed: UV at 1366 * 768 = 1049088; UV 1366 *
	 * 384 = 524544; image 1573632.
	 */
	img = out.image;
	img.bytes_per_row_divisor = 1;
	img.start_offset_divisor = 4096;
	ASSERT_FALSE(sysmem_image_format_layout(&img, 1366, 768, &o));
	EXPECT_EQ(1366, o.bytes_per_row);
	expect_planes(_metadata, &o, 2, offs, bprs);
	EXPECT_EQ(1573632, o.image_size);

	/* Refused: odd width, 0, above a max, vendor, unknown format. */
	memset(&o, 0xa5, sizeof(o));
	img = o;
	EXPECT_TRUE(sysmem_image_format_layout(&out.image, 1281, 720, &o));
	EXPECT_TRUE(sysmem_image_format_layout(&out.image, 0, 720, &o));
	out.image.max_size.width = 1920;
	EXPECT_TRUE(sysmem_image_format_layout(&out.image, 1922, 720, &o));
	EXPECT_FALSE(sysmem_image_format_layout(&out.image, 1920, 720, &o));
	memset(&o, 0xa5, sizeof(o));
	out.image.modifier = VENDOR;
	EXPECT_TRUE(sysmem_image_format_layout(&out.image, 1920, 720, &o));
	out.image.modifier = LINEAR;
	out.image.format = 0x12345678;
	EXPECT_TRUE(sysmem_image_format_layout(&out.image, 1920, 720, &o));
	/* Pitch above the max: 1920 -> 2048 > 2047. */
	out.image.format = NV12;
	out.image.max_bytes_per_row = 2047;
	EXPECT_TRUE(sysmem_image_format_layout(&out.image, 1920, 720, &o));
	EXPECT_EQ(0, memcmp(&o, &img, sizeof(o)));
}

/*
 * The largest input the ABI allows for a few dozen participants: 32
 * participants with 64 entries of 16 pairs each, all vendor modifiers
 * distinct, every format named, everyone also taking anything.  Ends
 * quickly: the first modifier already gives the best format.
 */
TEST(agg_large_input)
{
	static struct sysmem_image_constraints img[32][SYSMEM_MAX_IMAGE_FORMATS];
	static struct sysmem_buffer_constraints c[32];
	struct sysmem_participant parts[32];
	struct sysmem_buffer_settings out;
	unsigned int i, e, j;

	for (i = 0; i < 32; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].usage = SYSMEM_USAGE_CPU_WRITE;
		c[i].min_buffer_count_for_camping = 1;
		c[i].min_size_bytes = MiB;
		c[i].image_format_count = SYSMEM_MAX_IMAGE_FORMATS;
		for (e = 0; e < SYSMEM_MAX_IMAGE_FORMATS; e++) {
			struct sysmem_image_constraints *ic = &img[i][e];
			const struct sysmem_format_desc *f;

			*ic = mk(FMT_DNC, MOD_DNC, CS_DNC);
			ic->nr_formats = SYSMEM_MAX_FORMAT_PAIRS;
			for (j = 0; j < SYSMEM_MAX_FORMAT_PAIRS; j++) {
				unsigned int k = e * SYSMEM_MAX_FORMAT_PAIRS + j;

				f = sysmem_format_at(k % SYSMEM_FORMAT_COUNT);
				ic->formats[j].format = f->fourcc;
				ic->formats[j].modifier = 0x0100000000000000ULL +
							  i * 1024 + k;
			}
		}
		/* The last pair: anything. */
		img[i][63].formats[15].format = FMT_DNC;
		img[i][63].formats[15].modifier = MOD_DNC;
		ASSERT_EQ(SYSMEM_VALID,
			  sysmem_constraints_validate(&c[i], NULL, img[i]));
		parts[i].c = &c[i];
		parts[i].heaps = NULL;
		parts[i].images = img[i];
	}
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_aggregate(parts, 32, sys_heap, 1, &out, NULL));
	/* XRGB8888 (cost 1, named first) with the smallest modifier. */
	EXPECT_EQ(XRGB, out.image.format);
	EXPECT_EQ(0x0100000000000000ULL, out.image.modifier);
	EXPECT_EQ(0, out.image.nr_planes);
	EXPECT_EQ(MiB, out.size_bytes);
}

/*
 * Rule 3.11: two participants each naming 1024 distinct modifiers with
 * DO_NOT_CARE formats, whose color spaces never meet.  Every one of the
 * 25 * 2048 candidates dies only after both participants' 1024 pairs
 * are matched: about 10^8 pairs, past the limit of 2^26.  With a
 * quarter of the entries (16 per participant) it is 25 * 512 * 512 =
 * 6.5 million and the real reason comes out.
 */
TEST(agg_work_limit)
{
	static struct sysmem_image_constraints img[2][SYSMEM_MAX_IMAGE_FORMATS];
	struct sysmem_buffer_constraints c[2];
	struct sysmem_participant parts[2];
	struct sysmem_buffer_settings out;
	unsigned int i, e, j;
	const char *why;

	for (i = 0; i < 2; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].usage = SYSMEM_USAGE_CPU_WRITE;
		c[i].min_buffer_count_for_camping = 1;
		c[i].min_size_bytes = MiB;
		c[i].image_format_count = SYSMEM_MAX_IMAGE_FORMATS;
		for (e = 0; e < SYSMEM_MAX_IMAGE_FORMATS; e++) {
			struct sysmem_image_constraints *ic = &img[i][e];

			*ic = mk(FMT_DNC, 0, i ? PAL : REC709);
			ic->nr_formats = SYSMEM_MAX_FORMAT_PAIRS;
			for (j = 0; j < SYSMEM_MAX_FORMAT_PAIRS; j++)
				ic->formats[j].modifier = 0x0100000000000000ULL +
					i * 1024 + e * SYSMEM_MAX_FORMAT_PAIRS + j;
		}
		img[i][63].formats[15].modifier = MOD_DNC;
		ASSERT_EQ(SYSMEM_VALID,
			  sysmem_constraints_validate(&c[i], NULL, img[i]));
		parts[i].c = &c[i];
		parts[i].heaps = NULL;
		parts[i].images = img[i];
	}
	memset(&out, 0xa5, sizeof(out));
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_aggregate(parts, 2, sys_heap, 1, &out, &why));
	EXPECT_STREQ("image constraints too large to negotiate", why);
	EXPECT_TRUE(settings_zero(&out));

	for (i = 0; i < 2; i++) {
		c[i].image_format_count = 16;
		img[i][15].formats[15].modifier = MOD_DNC;
	}
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_aggregate(parts, 2, sys_heap, 1, &out, &why));
	EXPECT_STREQ("no color space every participant accepts for the image format",
		     why);
}

TEST_HARNESS_MAIN
