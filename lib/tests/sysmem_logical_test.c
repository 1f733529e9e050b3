// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for lib/sysmem_logical.c: whether an attached subtree
 * fits the buffers a collection already has.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "sysmem_format.h"
#include "sysmem_logical.h"

#define RW	(SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE)
#define MAXP	16

static const struct sysmem_heap_desc heaps[] = {
	{ .name = "system", .domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM },
	{ .name = "contiguous", .domains = SYSMEM_DOMAIN_CPU |
	  SYSMEM_DOMAIN_RAM, .contiguous = true },
};
#define NR_HEAPS	(sizeof(heaps) / sizeof(heaps[0]))

static struct sysmem_buffer_constraints mk(u32 camping, u64 min_size)
{
	struct sysmem_buffer_constraints c;

	memset(&c, 0, sizeof(c));
	c.usage = RW;
	c.min_buffer_count_for_camping = camping;
	c.min_size_bytes = min_size;
	return c;
}

/*
 * A collection: the participants in force at allocation, the buffers
 * accepted subtrees took, and the settings allocated.
 */
struct coll {
	struct sysmem_buffer_constraints in_force[MAXP];
	unsigned int nr;
	u64 taken;
	u32 shared;
	struct sysmem_buffer_settings settings;
};

static u32 allocate(struct coll *co)
{
	struct sysmem_participant p[MAXP];
	const char *why = NULL;
	unsigned int i;

	for (i = 0; i < co->nr; i++) {
		p[i].c = &co->in_force[i];
		p[i].heaps = NULL;
		p[i].images = NULL;
	}
	co->taken = 0;
	co->shared = 0;
	return sysmem_aggregate(p, co->nr, heaps, NR_HEAPS, &co->settings,
				&why);
}

/*
 * Attach a subtree of @n participants (@cs, heap lists @hl or NULL);
 * on success its buffers are taken, as the module does.
 */
static u32 attach(struct coll *co, const struct sysmem_buffer_constraints *cs,
		  const struct sysmem_heap_name *const *hl, unsigned int n,
		  const char **why)
{
	struct sysmem_participant p[MAXP];
	struct sysmem_logical_base base = { .settings = &co->settings };
	unsigned int i;
	u32 ret;

	for (i = 0; i < co->nr; i++) {
		p[i].c = &co->in_force[i];
		p[i].heaps = NULL;
		p[i].images = NULL;
	}
	sysmem_logical_count(p, co->nr, &base.held, &base.shared_slack);
	base.held += co->taken;
	if (co->shared > base.shared_slack)
		base.shared_slack = co->shared;
	for (i = 0; i < n; i++) {
		p[i].c = &cs[i];
		p[i].heaps = hl ? hl[i] : NULL;
		p[i].images = NULL;
	}
	*why = NULL;
	ret = sysmem_logical_allocate(p, n, &base, why);
	if (!ret)
		sysmem_logical_count(p, n, &co->taken, &co->shared);
	return ret;
}

/* Camping 3 + 3 with a minimum count of 8: 8 buffers, 2 slots free. */
TEST(camping_first_come_first_served)
{
	struct sysmem_buffer_constraints c;
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(3, 4096);
	co.in_force[1] = mk(3, 4096);
	co.in_force[1].min_buffer_count = 8;
	co.nr = 2;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	ASSERT_EQ(8, co.settings.buffer_count);

	c = mk(2, 4096);
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	EXPECT_EQ(NULL, why);
	EXPECT_EQ(2, co.taken);
	/* The two free slots are gone: one more camping buffer is not. */
	c = mk(1, 4096);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("not enough free buffer slots for the subtree's camping and slack", why);
	EXPECT_EQ(2, co.taken);
	/* A participant that camps on nothing still fits. */
	c = mk(0, 4096);
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	EXPECT_EQ(2, co.taken);
}

/* 3 + 3 without a minimum: 6 buffers, none free. */
TEST(camping_no_free_slot)
{
	struct sysmem_buffer_constraints c;
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(3, 4096);
	co.in_force[1] = mk(3, 4096);
	co.nr = 2;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	ASSERT_EQ(6, co.settings.buffer_count);
	c = mk(1, 4096);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("not enough free buffer slots for the subtree's camping and slack", why);
	EXPECT_EQ(0, co.taken);
	/* Dedicated slack takes slots like camping does. */
	c = mk(0, 4096);
	c.min_buffer_count_for_dedicated_slack = 1;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	/* A minimum count up to the allocated count fits... */
	c = mk(0, 4096);
	c.min_buffer_count = 6;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	/* ...above it does not. */
	c.min_buffer_count = 7;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("buffer count allocated below a participant's min_buffer_count",
		     why);
	/* A maximum below the allocated count: it would get too many. */
	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	c.max_buffer_count = 5;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("buffer count allocated above a participant's max_buffer_count",
		     why);
	c.max_buffer_count = 6;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
}

/* A subtree of several participants is judged as a whole. */
TEST(subtree_of_two)
{
	struct sysmem_buffer_constraints c[2];
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(2, 4096);
	co.in_force[0].min_buffer_count = 5;
	co.nr = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	ASSERT_EQ(5, co.settings.buffer_count);
	c[0] = mk(2, 4096);
	c[1] = mk(2, 4096);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, c, NULL, 2, &why));
	EXPECT_EQ(0, co.taken);
	c[1] = mk(1, 4096);
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, c, NULL, 2, &why));
	EXPECT_EQ(3, co.taken);
}

TEST(sizes)
{
	struct sysmem_buffer_constraints c;
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(1, 8192);
	co.nr = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	ASSERT_EQ(8192, co.settings.size_bytes);
	c = mk(0, 4096);
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	c = mk(0, 8192);
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	c = mk(0, 8193);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("buffer size allocated below a participant's min_size_bytes",
		     why);
	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
	c.max_size_bytes = 8191;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("buffer size allocated above a participant's max_size_bytes",
		     why);
	c.max_size_bytes = 8192;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	EXPECT_EQ(0, co.taken);
}

TEST(heap_domain_contiguity)
{
	static const struct sysmem_heap_name contig[1] = { { "contiguous" } };
	static const struct sysmem_heap_name sys[1] = { { "system" } };
	const struct sysmem_heap_name *hl[1];
	struct sysmem_buffer_constraints c;
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(1, 4096);
	co.in_force[0].flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	co.in_force[0].coherency_domains = SYSMEM_DOMAIN_CPU |
					   SYSMEM_DOMAIN_RAM;
	co.nr = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	ASSERT_STREQ("system", co.settings.heap);
	ASSERT_EQ(SYSMEM_DOMAIN_CPU, co.settings.coherency_domain);

	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("the participant requires physically contiguous buffers; they are not",
		     why);
	c.flags = SYSMEM_CONSTRAINTS_SECURE;
	c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("coherency domain allocated is not one the participant supports",
		     why);
	c.flags |= SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	c.coherency_domains = SYSMEM_DOMAIN_ALL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("the participant requires secure buffers; they are not",
		     why);

	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.heap_count = 1;
	hl[0] = contig;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, hl, 1, &why));
	EXPECT_STREQ("heap allocated from is not one the participant permits",
		     why);
	hl[0] = sys;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, hl, 1, &why));

	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	c.coherency_domains = SYSMEM_DOMAIN_RAM;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("coherency domain allocated is not one the participant supports",
		     why);
	c.coherency_domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	/* CPU usage takes RAM out of the defaults: CPU is still common. */
	c = mk(0, 4096);
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	c.flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	c.coherency_domains = SYSMEM_DOMAIN_INACCESSIBLE;
	c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("coherency domain allocated is not one the participant supports",
		     why);
}

static struct sysmem_image_constraints img1(u32 fourcc, u32 cs, u32 w, u32 h)
{
	struct sysmem_image_constraints ic;

	memset(&ic, 0, sizeof(ic));
	ic.nr_formats = 1;
	ic.formats[0].format = fourcc;
	ic.formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
	ic.nr_color_spaces = 1;
	ic.color_spaces[0] = cs;
	if (w) {
		ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
		ic.required_max_size.width = w;
		ic.required_max_size.height = h;
	}
	return ic;
}

/* Judge one newcomer @c (with @ic when @nr_ic) against @s, no slots held. */
static u32 admit1(const struct sysmem_buffer_settings *s,
		  const struct sysmem_buffer_constraints *c,
		  const struct sysmem_image_constraints *ic, const char **why)
{
	struct sysmem_logical_base base = { .settings = s };
	struct sysmem_participant p = { .c = c, .images = ic };

	*why = NULL;
	return sysmem_logical_allocate(&p, 1, &base, why);
}

/*
 * The newcomer's usage would make aggregation prefer another coherency
 * domain (RAM for display usage); the buffers it gets are in the CPU
 * domain, which it supports: it is admitted.  (Re-negotiating refused
 * it with "coherency domain differs from the one allocated".)
 */
TEST(domain_preference_not_renegotiated)
{
	struct sysmem_buffer_constraints c;
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(1, 4096);
	co.in_force[0].flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	co.in_force[0].coherency_domains = SYSMEM_DOMAIN_CPU |
					   SYSMEM_DOMAIN_RAM;
	co.in_force[0].min_buffer_count = 2;
	co.nr = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	ASSERT_EQ(SYSMEM_DOMAIN_CPU, co.settings.coherency_domain);
	c = mk(1, 4096);
	c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	EXPECT_EQ(NULL, why);
	EXPECT_EQ(1, co.taken);
}

/*
 * Allocated as XRGB8888 64x32 (CPU usage prefers RGB).  A video decoder
 * listing NV12 and XRGB8888 would make aggregation prefer NV12 (and
 * another size), but it accepts the XRGB8888 buffers: admitted.
 * (Re-negotiating refused it with "buffer size differs from the size
 * allocated".)
 */
TEST(video_usage_keeps_format)
{
	struct sysmem_image_constraints ic[2], nic[2];
	struct sysmem_buffer_constraints c0, c;
	struct sysmem_participant p;
	struct sysmem_buffer_settings s;
	const char *why = NULL;

	ic[0] = img1(SYSMEM_FMT_XRGB8888, SYSMEM_COLOR_SPACE_SRGB, 64, 32);
	ic[1] = img1(SYSMEM_FMT_NV12, SYSMEM_COLOR_SPACE_REC709, 64, 32);
	c0 = mk(1, 0);
	c0.image_format_count = 2;
	p.c = &c0;
	p.heaps = NULL;
	p.images = ic;
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_aggregate(&p, 1, heaps, NR_HEAPS, &s, &why));
	ASSERT_EQ(SYSMEM_FMT_XRGB8888, s.image.format);
	ASSERT_EQ(64 * 4 * 32, s.size_bytes);

	c = mk(0, 0);
	c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	c.image_format_count = 2;
	nic[0] = ic[1];
	nic[1] = ic[0];
	/* Together they would now choose NV12 of 3072 bytes. */
	{
		struct sysmem_participant two[2] = { p, { .c = &c, .images = nic } };
		struct sysmem_buffer_settings s2;

		ASSERT_EQ(SYSMEM_FAIL_NONE,
			  sysmem_aggregate(two, 2, heaps, NR_HEAPS, &s2, &why));
		EXPECT_EQ(SYSMEM_FMT_NV12, s2.image.format);
		EXPECT_EQ(64 * 32 * 3 / 2, s2.size_bytes);
	}
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, nic, &why));
	EXPECT_EQ(NULL, why);
	/* NV12 alone does not take XRGB8888 buffers. */
	c.image_format_count = 1;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, nic, &why));
	EXPECT_STREQ("no image format entry of the participant accepts the format allocated",
		     why);
}

/* Image constraints: within the entry's limits, or a reason. */
TEST(image_admission)
{
	struct sysmem_image_constraints ic, ic2;
	struct sysmem_buffer_constraints c0, c;
	struct sysmem_participant p;
	struct sysmem_buffer_settings s;
	const char *why = NULL;

	ic = img1(SYSMEM_FMT_XRGB8888, SYSMEM_COLOR_SPACE_SRGB, 64, 32);
	c0 = mk(1, 0);
	c0.image_format_count = 1;
	p.c = &c0;
	p.heaps = NULL;
	p.images = &ic;
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_aggregate(&p, 1, heaps, NR_HEAPS, &s, &why));
	ASSERT_EQ(64 * 4, s.image.bytes_per_row);
	ASSERT_EQ(64 * 4 * 32, s.size_bytes);

	c = mk(0, 0);
	c.image_format_count = 1;

	/* The same format with a looser color space list: fits. */
	ic2 = ic;
	ic2.flags = 0;
	ic2.nr_color_spaces = 2;
	ic2.color_spaces[1] = SYSMEM_COLOR_SPACE_REC709;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, &ic2, &why));
	/* Another color space only. */
	ic2.nr_color_spaces = 1;
	ic2.color_spaces[0] = SYSMEM_COLOR_SPACE_PASSTHROUGH;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	EXPECT_STREQ("the allocated color space is not one the participant accepts",
		     why);
	ic2.color_spaces[0] = SYSMEM_COLOR_SPACE_DO_NOT_CARE;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, &ic2, &why));
	/* A row pitch divisor the pitch (256) meets: fits. */
	ic2.bytes_per_row_divisor = 256;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, &ic2, &why));
	/* One it does not. */
	ic2.bytes_per_row_divisor = 512;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	EXPECT_STREQ("the allocated row pitch is outside the participant's limits",
		     why);
	ic2.bytes_per_row_divisor = 0;
	ic2.flags = SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
	ic2.max_bytes_per_row = 255;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	EXPECT_STREQ("the allocated row pitch is outside the participant's limits",
		     why);
	/* Image size limits. */
	ic2.flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic2.max_size.width = 64;
	ic2.max_size.height = 31;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	EXPECT_STREQ("the allocated image size is outside the participant's limits",
		     why);
	ic2.flags = SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT;
	ic2.max_width_times_height = 64 * 32;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, &ic2, &why));
	ic2.flags = 0;
	ic2.size_alignment.width = 128;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	ic2.size_alignment.width = 0;
	/* A larger required image does not fit the buffers. */
	ic2.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic2.required_max_size.width = 64;
	ic2.required_max_size.height = 33;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	EXPECT_STREQ("the buffers cannot hold an image size the participant requires",
		     why);
	/* A smaller one, or a narrower one, does (32x16, 48x32). */
	ic2.required_max_size.width = 32;
	ic2.required_max_size.height = 16;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, &ic2, &why));
	ic2.nr_required_max_sizes = 1;
	ic2.required_max_sizes[0].width = 48;
	ic2.required_max_sizes[0].height = 32;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, &ic2, &why));
	ic2.required_max_sizes[0].width = 65;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	ic2.nr_required_max_sizes = 0;
	/* ALPHA_PRESENT does not match XRGB8888: no entry left. */
	ic2.flags = SYSMEM_IMAGE_ALPHA_PRESENT;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	EXPECT_STREQ("no image format entry of the participant accepts the format allocated",
		     why);
	/* A do-not-care format takes it. */
	ic2 = ic;
	ic2.flags = 0;
	ic2.formats[0].format = SYSMEM_FORMAT_DO_NOT_CARE;
	ic2.formats[0].modifier = SYSMEM_MODIFIER_DO_NOT_CARE;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&s, &c, &ic2, &why));
	/* A vendor modifier only: no. */
	ic2.formats[0].format = SYSMEM_FMT_XRGB8888;
	ic2.formats[0].modifier = 0x0100000000000001ULL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic2, &why));
	/* Image constraints on buffers allocated without any. */
	c0.image_format_count = 0;
	c0.min_size_bytes = 64 * 4 * 32;
	p.images = NULL;
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_aggregate(&p, 1, heaps, NR_HEAPS, &s, &why));
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&s, &c, &ic, &why));
	EXPECT_STREQ("the participant has image constraints; the buffers have no image format",
		     why);
}

/*
 * Placement: buffers allocated 64 KiB aligned and below 4 GiB take a
 * newcomer asking for at most that alignment and a limit at or above
 * theirs; one asking for more alignment, or a lower limit, is refused.
 */
TEST(placement_admission)
{
	struct sysmem_buffer_constraints c;
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(1, 4096);
	co.in_force[0].min_buffer_count = 4;
	co.nr = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	co.settings.min_physical_base_alignment = 65536;
	co.settings.max_physical_address = 0xffffffffULL;

	c = mk(1, 4096);
	c.min_physical_base_alignment = 65536;
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
	c.max_physical_address = 0xffffffffULL;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&co.settings, &c, NULL, &why));
	EXPECT_EQ(NULL, why);
	/* Less alignment, a higher limit: fine. */
	c.min_physical_base_alignment = 4096;
	c.max_physical_address = 0xfffffffffULL;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&co.settings, &c, NULL, &why));
	/* 128 KiB asked, 64 KiB given. */
	c.min_physical_base_alignment = 131072;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&co.settings, &c, NULL, &why));
	EXPECT_STREQ("physical base alignment allocated below the participant's",
		     why);
	/* A device reaching the low 1 GiB only. */
	c.min_physical_base_alignment = 0;
	c.max_physical_address = 0x3fffffffULL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&co.settings, &c, NULL, &why));
	EXPECT_STREQ("buffers may lie above the participant's physical address limit",
		     why);
	/* Without the flag the field is no limit. */
	c.flags = 0;
	c.max_physical_address = 0;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&co.settings, &c, NULL, &why));
	/* Buffers with no limit (all ones) refuse any limit below it. */
	co.settings.max_physical_address = ~0ULL;
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
	c.max_physical_address = 0xffffffffULL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, admit1(&co.settings, &c, NULL, &why));
	c.max_physical_address = ~0ULL;
	EXPECT_EQ(SYSMEM_FAIL_NONE, admit1(&co.settings, &c, NULL, &why));
}

/* Shared slack: the largest counts once, its excess takes free slots. */
TEST(shared_slack)
{
	struct sysmem_buffer_constraints c;
	struct coll co = { 0 };
	const char *why;

	co.in_force[0] = mk(2, 4096);
	co.in_force[0].min_buffer_count_for_shared_slack = 2;
	co.in_force[0].min_buffer_count = 6;
	co.nr = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, allocate(&co));
	ASSERT_EQ(6, co.settings.buffer_count);
	/* 2 camping + 2 shared held: 2 free. */
	c = mk(0, 4096);
	c.min_buffer_count_for_shared_slack = 5;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	c.min_buffer_count_for_shared_slack = 4;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	EXPECT_EQ(4, co.shared);
	c = mk(1, 4096);
	c.min_buffer_count_for_shared_slack = 1;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_EQ(0, co.taken);
}

TEST(count)
{
	struct sysmem_buffer_constraints c[2] = { mk(0xffffffffU, 4096),
						  mk(3, 4096) };
	struct sysmem_participant p[2] = { { .c = &c[0] }, { .c = &c[1] } };
	u64 held = 1;
	u32 shared = 2;

	c[0].min_buffer_count_for_dedicated_slack = 0xffffffffU;
	c[1].min_buffer_count_for_shared_slack = 7;
	sysmem_logical_count(p, 2, &held, &shared);
	EXPECT_EQ(1 + 2 * 0xffffffffULL + 3, held);
	EXPECT_EQ(7, shared);
}

TEST_HARNESS_MAIN
