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
	u32 taken;
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
	struct sysmem_participant p[2 * MAXP + 1];
	struct sysmem_buffer_constraints stand_in;
	unsigned int i, k = 0;
	u32 ret;

	for (i = 0; i < co->nr; i++) {
		p[k].c = &co->in_force[i];
		p[k].heaps = NULL;
		p[k++].images = NULL;
	}
	sysmem_logical_taken_constraints(&stand_in, co->taken);
	p[k].c = &stand_in;
	p[k].heaps = NULL;
	p[k++].images = NULL;
	for (i = 0; i < n; i++) {
		p[k].c = &cs[i];
		p[k].heaps = hl ? hl[i] : NULL;
		p[k++].images = NULL;
	}
	*why = NULL;
	ret = sysmem_logical_allocate(p, k, heaps, NR_HEAPS, &co->settings,
				      why);
	if (!ret && !sysmem_logical_take(p + co->nr + 1, n, &co->taken))
		return 0xbad;
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
	EXPECT_STREQ("buffer count above the count allocated", why);
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
	EXPECT_STREQ("buffer count above the count allocated", why);
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
	EXPECT_STREQ("buffer count above the count allocated", why);
	/* A maximum below the allocated count: the aggregate itself fails. */
	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	c.max_buffer_count = 5;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("buffer count above a participant's max_buffer_count",
		     why);
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
	EXPECT_STREQ("buffer size differs from the size allocated", why);
	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
	c.max_size_bytes = 8191;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("buffer size above a participant's max_size_bytes", why);
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
	EXPECT_STREQ("contiguous or secure differs from the buffers allocated",
		     why);

	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.heap_count = 1;
	hl[0] = contig;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, hl, 1, &why));
	EXPECT_STREQ("heap differs from the heap allocated from", why);
	hl[0] = sys;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, hl, 1, &why));

	c = mk(0, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	c.coherency_domains = SYSMEM_DOMAIN_RAM;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("coherency domain differs from the one allocated", why);
	c.coherency_domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM;
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	/* CPU usage takes RAM out of the defaults: CPU is still common. */
	c = mk(0, 4096);
	EXPECT_EQ(SYSMEM_FAIL_NONE, attach(&co, &c, NULL, 1, &why));
	c.flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	c.coherency_domains = SYSMEM_DOMAIN_INACCESSIBLE;
	c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, attach(&co, &c, NULL, 1, &why));
	EXPECT_STREQ("no coherency domain every participant supports", why);
}

/* Image constraints: the chosen format and layout must not move. */
TEST(image_format)
{
	struct sysmem_image_constraints ic, ic2;
	struct sysmem_participant p[3];
	struct sysmem_buffer_constraints c0, stand_in, c;
	struct sysmem_buffer_settings s;
	const char *why = NULL;

	memset(&ic, 0, sizeof(ic));
	ic.nr_formats = 1;
	ic.formats[0].format = SYSMEM_FMT_XRGB8888;
	ic.formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
	ic.nr_color_spaces = 1;
	ic.color_spaces[0] = SYSMEM_COLOR_SPACE_SRGB;
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic.required_max_size.width = 64;
	ic.required_max_size.height = 32;
	c0 = mk(1, 0);
	c0.image_format_count = 1;
	p[0].c = &c0;
	p[0].heaps = NULL;
	p[0].images = &ic;
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_aggregate(p, 1, heaps, NR_HEAPS, &s, &why));
	ASSERT_EQ(64 * 4, s.image.bytes_per_row);
	ASSERT_EQ(64 * 4 * 32, s.size_bytes);

	sysmem_logical_taken_constraints(&stand_in, 0);
	p[1].c = &stand_in;
	p[1].heaps = NULL;
	p[1].images = NULL;
	c = mk(0, 0);
	c.image_format_count = 1;
	p[2].c = &c;
	p[2].heaps = NULL;
	p[2].images = &ic2;

	/* The same format with a looser color space list: fits. */
	ic2 = ic;
	ic2.flags = 0;
	ic2.nr_color_spaces = 2;
	ic2.color_spaces[1] = SYSMEM_COLOR_SPACE_REC709;
	EXPECT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_logical_allocate(p, 3, heaps, NR_HEAPS, &s, &why));
	/* A row pitch divisor the pitch already meets: fits. */
	ic2.bytes_per_row_divisor = 256;
	EXPECT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_logical_allocate(p, 3, heaps, NR_HEAPS, &s, &why));
	/* One it does not: the layout would move. */
	ic2.bytes_per_row_divisor = 512;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_logical_allocate(p, 3, heaps, NR_HEAPS, &s, &why));
	EXPECT_STREQ("buffer size differs from the size allocated", why);
	/* A larger required image: the size would move. */
	ic2.bytes_per_row_divisor = 0;
	ic2.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic2.required_max_size.width = 64;
	ic2.required_max_size.height = 33;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_logical_allocate(p, 3, heaps, NR_HEAPS, &s, &why));
	/* Another format only: no common format at all. */
	ic2 = ic;
	ic2.formats[0].format = SYSMEM_FMT_NV12;
	ic2.color_spaces[0] = SYSMEM_COLOR_SPACE_REC709;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_logical_allocate(p, 3, heaps, NR_HEAPS, &s, &why));
	/* Image constraints on buffers allocated without any. */
	c0.image_format_count = 0;
	c0.min_size_bytes = 64 * 4 * 32;
	p[0].images = NULL;
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  sysmem_aggregate(p, 1, heaps, NR_HEAPS, &s, &why));
	ic2 = ic;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_logical_allocate(p, 3, heaps, NR_HEAPS, &s, &why));
	EXPECT_STREQ("image format differs from the one allocated", why);
}

TEST(take_overflow)
{
	struct sysmem_buffer_constraints c = mk(0xfffffff0U, 4096);
	struct sysmem_participant p = { .c = &c };
	u32 taken = 0xf;

	EXPECT_TRUE(sysmem_logical_take(&p, 1, &taken));
	EXPECT_EQ(0xffffffffU, taken);
	taken = 0x10;
	EXPECT_FALSE(sysmem_logical_take(&p, 1, &taken));
	EXPECT_EQ(0x10, taken);
	c.min_buffer_count_for_dedicated_slack = 1;
	EXPECT_FALSE(sysmem_logical_take(&p, 1, &taken));
	EXPECT_EQ(0x10, taken);
}

TEST_HARNESS_MAIN
