// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for lib/sysmem_constraints.c.
 */
#include "kselftest_harness.h"
#include "sysmem_constraints.h"

#define DOM_CPU		SYSMEM_DOMAIN_CPU
#define DOM_RAM		SYSMEM_DOMAIN_RAM
#define DOM_INACC	SYSMEM_DOMAIN_INACCESSIBLE
#define DOM_ALL		SYSMEM_DOMAIN_ALL

#define F_CONTIG	SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS
#define F_SECURE	SYSMEM_CONSTRAINTS_SECURE
#define F_MAX_COUNT	SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT
#define F_MAX_SIZE	SYSMEM_CONSTRAINTS_HAS_MAX_SIZE
#define F_DOMAINS	SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS
#define F_HEAPS		SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* A valid participant: @usage, one camping buffer, 4096 bytes. */
static struct sysmem_buffer_constraints mk(u64 usage)
{
	struct sysmem_buffer_constraints c = { 0 };

	c.usage = usage;
	c.min_buffer_count_for_camping = 1;
	c.min_size_bytes = 4096;
	return c;
}

/* Say that @c has a permitted-heaps list of @n names. */
static void permit(struct sysmem_buffer_constraints *c, u32 n)
{
	c->flags |= F_HEAPS;
	c->heap_count = n;
}

/* "system" (CPU, RAM) then "other" (every domain), neither special. */
static const struct sysmem_heap_desc std_heaps[] = {
	{ .name = "system", .domains = DOM_CPU | DOM_RAM },
	{ .name = "other", .domains = DOM_ALL },
};

/* The same two in the other order. */
static const struct sysmem_heap_desc other_first[] = {
	{ .name = "other", .domains = DOM_ALL },
	{ .name = "system", .domains = DOM_CPU | DOM_RAM },
};

/* A full set: plain, contiguous and secure heaps. */
static const struct sysmem_heap_desc full_heaps[] = {
	{ .name = "other", .domains = DOM_ALL },
	{ .name = "secure-a", .domains = DOM_INACC, .secure = true },
	{ .name = "cma", .domains = DOM_CPU | DOM_RAM, .contiguous = true },
	{ .name = "system", .domains = DOM_CPU | DOM_RAM },
	{ .name = "secure-b", .domains = DOM_INACC, .secure = true },
	{ .name = "secure-cma", .domains = DOM_INACC, .contiguous = true,
	  .secure = true },
};

/* Aggregate constraints @cs[0..@n) with heap lists @hl (may be NULL). */
static struct sysmem_participant parts_buf[1000];

static u32 agg(const struct sysmem_buffer_constraints *cs, unsigned int n,
	       const struct sysmem_heap_name *const *hl,
	       const struct sysmem_heap_desc *heaps, unsigned int nr_heaps,
	       struct sysmem_buffer_settings *out, const char **why)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		parts_buf[i].c = &cs[i];
		parts_buf[i].heaps = hl ? hl[i] : NULL;
	}
	return sysmem_aggregate(parts_buf, n, heaps, nr_heaps, out, why);
}

#define AGG(cs, hl, heaps, out, why) \
	agg(cs, sizeof(cs) / sizeof(struct sysmem_buffer_constraints), hl, \
	    heaps, sizeof(heaps) / sizeof(struct sysmem_heap_desc), out, why)

static bool settings_zero(const struct sysmem_buffer_settings *s)
{
	const unsigned char *p = (const void *)s;
	size_t i;

	for (i = 0; i < sizeof(*s); i++)
		if (p[i])
			return false;
	return true;
}

/* ---- sysmem_constraints_validate() ---- */

TEST(validate_minimal_valid)
{
	struct sysmem_buffer_constraints c = { .usage = SYSMEM_USAGE_NONE };

	/* Everything optional left unset: NONE usage alone is enough. */
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	c = mk(SYSMEM_USAGE_CPU_READ);
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

/* What the doors copy in: what the flags and counts describe, in range. */
TEST(arrays_to_copy)
{
	struct sysmem_buffer_constraints c = { 0 };

	c.heap_count = 3;
	c.image_format_count = 2;
	EXPECT_EQ(0, sysmem_constraints_heaps_to_copy(&c));
	EXPECT_EQ(2, sysmem_constraints_images_to_copy(&c));
	c.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	EXPECT_EQ(3, sysmem_constraints_heaps_to_copy(&c));
	c.heap_count = SYSMEM_MAX_HEAPS;
	EXPECT_EQ(SYSMEM_MAX_HEAPS, sysmem_constraints_heaps_to_copy(&c));
	c.heap_count = SYSMEM_MAX_HEAPS + 1;
	EXPECT_EQ(0, sysmem_constraints_heaps_to_copy(&c));
	c.image_format_count = SYSMEM_MAX_IMAGE_FORMATS;
	EXPECT_EQ(SYSMEM_MAX_IMAGE_FORMATS, sysmem_constraints_images_to_copy(&c));
	c.image_format_count = SYSMEM_MAX_IMAGE_FORMATS + 1;
	EXPECT_EQ(0, sysmem_constraints_images_to_copy(&c));
}

TEST(validate_flags)
{
	static const struct sysmem_heap_name h[1] = { { "secure" } };
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_VIDEO_DECODER);

	c.flags = SYSMEM_CONSTRAINTS_FLAGS_ALL + 1;
	EXPECT_EQ(SYSMEM_INVALID_FLAGS, sysmem_constraints_validate(&c, NULL, NULL));
	c.flags = 1U << 31;
	EXPECT_EQ(SYSMEM_INVALID_FLAGS, sysmem_constraints_validate(&c, NULL, NULL));
	c.flags = 0xffffffffU;
	EXPECT_EQ(SYSMEM_INVALID_FLAGS, sysmem_constraints_validate(&c, NULL, NULL));

	/* Boundary: every known flag, each with a consistent field. */
	c.flags = SYSMEM_CONSTRAINTS_FLAGS_ALL;
	c.max_buffer_count = 1;
	c.max_size_bytes = 4096;
	c.coherency_domains = DOM_INACC;
	c.heap_count = 1;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, h, NULL));
}

TEST(validate_reserved)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);

	c.reserved = 1;
	EXPECT_EQ(SYSMEM_INVALID_RESERVED,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.reserved = 0x80000000U;
	EXPECT_EQ(SYSMEM_INVALID_RESERVED,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.reserved = 0;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_image_formats)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);

	c.image_formats = 0x1000;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.image_formats = 0;
	c.image_format_count = 1;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.image_format_count = 0;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_usage)
{
	struct sysmem_buffer_constraints c = mk(0);

	EXPECT_EQ(SYSMEM_INVALID_USAGE_EMPTY,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.usage = 1ULL << 5;
	EXPECT_EQ(SYSMEM_INVALID_USAGE_UNKNOWN,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.usage = SYSMEM_USAGE_CPU_READ | (1ULL << 63);
	EXPECT_EQ(SYSMEM_INVALID_USAGE_UNKNOWN,
		  sysmem_constraints_validate(&c, NULL, NULL));
	/* Unknown bits are reported before NONE not standing alone. */
	c.usage = SYSMEM_USAGE_NONE | (1ULL << 28);
	EXPECT_EQ(SYSMEM_INVALID_USAGE_UNKNOWN,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.usage = SYSMEM_USAGE_NONE | SYSMEM_USAGE_CPU_READ;
	EXPECT_EQ(SYSMEM_INVALID_USAGE_NONE_NOT_ALONE,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.usage = SYSMEM_USAGE_NONE | SYSMEM_USAGE_VIDEO_DECRYPTOR_OUTPUT;
	EXPECT_EQ(SYSMEM_INVALID_USAGE_NONE_NOT_ALONE,
		  sysmem_constraints_validate(&c, NULL, NULL));

	/* Boundaries: NONE alone, and every known bit but NONE. */
	c.usage = SYSMEM_USAGE_NONE;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	c.usage = SYSMEM_USAGE_ALL & ~SYSMEM_USAGE_NONE;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_max_count_zero)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);

	c.flags = F_MAX_COUNT;
	c.max_buffer_count = 0;
	c.min_buffer_count_for_camping = 0;
	EXPECT_EQ(SYSMEM_INVALID_MAX_COUNT_ZERO,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.max_buffer_count = 1;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	/* Without the flag max_buffer_count is ignored. */
	c.flags = 0;
	c.max_buffer_count = 0;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_count_range)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);
	u32 *fields[] = {
		&c.min_buffer_count,
		&c.min_buffer_count_for_camping,
		&c.min_buffer_count_for_dedicated_slack,
		&c.min_buffer_count_for_shared_slack,
	};
	unsigned int i;

	c.flags = F_MAX_COUNT;
	c.max_buffer_count = 5;
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		c.min_buffer_count = 0;
		c.min_buffer_count_for_camping = 0;
		c.min_buffer_count_for_dedicated_slack = 0;
		c.min_buffer_count_for_shared_slack = 0;
		*fields[i] = 6;
		EXPECT_EQ(SYSMEM_INVALID_COUNT_RANGE,
			  sysmem_constraints_validate(&c, NULL, NULL));
		*fields[i] = 5;
		EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	}
	/* Each field alone is checked, not their sum. */
	c.min_buffer_count = 5;
	c.min_buffer_count_for_camping = 5;
	c.min_buffer_count_for_dedicated_slack = 5;
	c.min_buffer_count_for_shared_slack = 5;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	/* Without the flag there is no maximum. */
	c.flags = 0;
	c.max_buffer_count = 1;
	c.min_buffer_count = 0xffffffffU;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_size_range)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);

	c.flags = F_MAX_SIZE;
	c.min_size_bytes = 4097;
	c.max_size_bytes = 4096;
	EXPECT_EQ(SYSMEM_INVALID_SIZE_RANGE,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.min_size_bytes = 4096;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	c.min_size_bytes = ~0ULL;
	c.max_size_bytes = ~0ULL - 1;
	EXPECT_EQ(SYSMEM_INVALID_SIZE_RANGE,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.flags = 0;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_domains)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_VULKAN_SAMPLED);

	c.flags = F_DOMAINS;
	c.coherency_domains = 0;
	EXPECT_EQ(SYSMEM_INVALID_DOMAINS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.coherency_domains = 1U << 3;
	EXPECT_EQ(SYSMEM_INVALID_DOMAINS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.coherency_domains = DOM_ALL | (1U << 31);
	EXPECT_EQ(SYSMEM_INVALID_DOMAINS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.coherency_domains = DOM_ALL;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	c.coherency_domains = DOM_INACC;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	/* Without the flag the field is ignored. */
	c.flags = 0;
	c.coherency_domains = 0xff;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_cpu_secure)
{
	static const u64 cpu_bits[] = {
		SYSMEM_USAGE_CPU_READ, SYSMEM_USAGE_CPU_READ_OFTEN,
		SYSMEM_USAGE_CPU_WRITE, SYSMEM_USAGE_CPU_WRITE_OFTEN,
	};
	struct sysmem_buffer_constraints c;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cpu_bits); i++) {
		c = mk(cpu_bits[i] | SYSMEM_USAGE_VIDEO_DECODER);
		c.flags = F_SECURE;
		EXPECT_EQ(SYSMEM_INVALID_CPU_SECURE,
			  sysmem_constraints_validate(&c, NULL, NULL));
	}
	/* Secure without CPU usage is fine. */
	c = mk(SYSMEM_USAGE_VIDEO_DECODER | SYSMEM_USAGE_DISPLAY_LAYER);
	c.flags = F_SECURE;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	/* CPU_SECURE is reported before CPU_DOMAIN. */
	c = mk(SYSMEM_USAGE_CPU_READ);
	c.flags = F_SECURE | F_DOMAINS;
	c.coherency_domains = DOM_INACC;
	EXPECT_EQ(SYSMEM_INVALID_CPU_SECURE,
		  sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_cpu_domain)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_WRITE);

	c.flags = F_DOMAINS;
	c.coherency_domains = DOM_INACC;
	EXPECT_EQ(SYSMEM_INVALID_CPU_DOMAIN,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.coherency_domains = DOM_RAM;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	c.coherency_domains = DOM_CPU | DOM_INACC;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	/* Without CPU usage, inaccessible alone is fine. */
	c.usage = SYSMEM_USAGE_VULKAN_STORAGE;
	c.coherency_domains = DOM_INACC;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_heap_count)
{
	static struct sysmem_heap_name names[SYSMEM_MAX_HEAPS + 1];
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(names); i++)
		snprintf(names[i].name, sizeof(names[i].name), "heap%u", i);

	permit(&c, 0);
	EXPECT_EQ(SYSMEM_INVALID_HEAP_COUNT,
		  sysmem_constraints_validate(&c, names, NULL));
	permit(&c, SYSMEM_MAX_HEAPS + 1);
	EXPECT_EQ(SYSMEM_INVALID_HEAP_COUNT,
		  sysmem_constraints_validate(&c, names, NULL));
	permit(&c, 0xffffffffU);
	EXPECT_EQ(SYSMEM_INVALID_HEAP_COUNT,
		  sysmem_constraints_validate(&c, names, NULL));
	permit(&c, 1);
	EXPECT_EQ(SYSMEM_INVALID_HEAP_COUNT,
		  sysmem_constraints_validate(&c, NULL, NULL));
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, names, NULL));
	permit(&c, SYSMEM_MAX_HEAPS);
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, names, NULL));
	/* Without the flag heap_count and heaps are ignored. */
	c.flags = 0;
	c.heap_count = 1000;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
}

TEST(validate_heap_name)
{
	static struct sysmem_heap_name names[SYSMEM_MAX_HEAPS];
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(names); i++)
		snprintf(names[i].name, sizeof(names[i].name), "heap%u", i);
	permit(&c, SYSMEM_MAX_HEAPS);

	/* The last entry is checked too. */
	names[SYSMEM_MAX_HEAPS - 1].name[0] = '\0';
	EXPECT_EQ(SYSMEM_INVALID_HEAP_NAME,
		  sysmem_constraints_validate(&c, names, NULL));
	/* 32 bytes without a NUL. */
	memset(names[SYSMEM_MAX_HEAPS - 1].name, 'x', SYSMEM_HEAP_NAME_LEN);
	EXPECT_EQ(SYSMEM_INVALID_HEAP_NAME,
		  sysmem_constraints_validate(&c, names, NULL));
	/* Boundary: 31 characters and the NUL. */
	names[SYSMEM_MAX_HEAPS - 1].name[SYSMEM_HEAP_NAME_LEN - 1] = '\0';
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, names, NULL));
	/* A bad name beyond heap_count is not looked at. */
	permit(&c, SYSMEM_MAX_HEAPS - 1);
	names[SYSMEM_MAX_HEAPS - 1].name[0] = '\0';
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, names, NULL));
}

TEST(validate_order)
{
	struct sysmem_buffer_constraints c = { 0 };
	static const struct sysmem_heap_name empty[1];

	/* Break every rule, then mend them one by one. */
	c.flags = 0xffffffffU;
	c.reserved = 1;
	c.image_format_count = 1;
	c.usage = 0;
	c.max_buffer_count = 0;
	c.min_size_bytes = 2;
	c.max_size_bytes = 1;
	c.coherency_domains = DOM_INACC;
	c.heap_count = 1;
	EXPECT_EQ(SYSMEM_INVALID_FLAGS, sysmem_constraints_validate(&c, empty, NULL));
	c.flags = SYSMEM_CONSTRAINTS_FLAGS_ALL;
	EXPECT_EQ(SYSMEM_INVALID_RESERVED,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.reserved = 0;
	EXPECT_EQ(SYSMEM_INVALID_IMAGE_FORMATS,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.image_format_count = 0;
	EXPECT_EQ(SYSMEM_INVALID_USAGE_EMPTY,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.usage = SYSMEM_USAGE_NONE | SYSMEM_USAGE_CPU_READ;
	EXPECT_EQ(SYSMEM_INVALID_USAGE_NONE_NOT_ALONE,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.usage = SYSMEM_USAGE_CPU_READ;
	EXPECT_EQ(SYSMEM_INVALID_MAX_COUNT_ZERO,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.max_buffer_count = 1;
	c.min_buffer_count = 2;
	EXPECT_EQ(SYSMEM_INVALID_COUNT_RANGE,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.min_buffer_count = 1;
	EXPECT_EQ(SYSMEM_INVALID_SIZE_RANGE,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.max_size_bytes = 2;
	c.coherency_domains = 0;
	EXPECT_EQ(SYSMEM_INVALID_DOMAINS,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.coherency_domains = DOM_INACC;
	EXPECT_EQ(SYSMEM_INVALID_CPU_SECURE,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.flags &= ~F_SECURE;
	EXPECT_EQ(SYSMEM_INVALID_CPU_DOMAIN,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.coherency_domains = DOM_CPU;
	EXPECT_EQ(SYSMEM_INVALID_HEAP_NAME,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.heap_count = 0;
	EXPECT_EQ(SYSMEM_INVALID_HEAP_COUNT,
		  sysmem_constraints_validate(&c, empty, NULL));
	c.flags &= ~F_HEAPS;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, empty, NULL));
}

TEST(invalid_str)
{
	int i, j;

	EXPECT_STREQ("max_buffer_count is 0",
		     sysmem_invalid_str(SYSMEM_INVALID_MAX_COUNT_ZERO));
	for (i = 0; i < SYSMEM_INVALID_MAX; i++) {
		const char *s = sysmem_invalid_str(i);

		ASSERT_NE(NULL, s);
		EXPECT_NE(0, s[0]);
		EXPECT_STRNE("unknown", s);
		for (j = 0; j < i; j++)
			EXPECT_STRNE(sysmem_invalid_str(j), s);
	}
	EXPECT_STREQ("unknown", sysmem_invalid_str(-1));
	EXPECT_STREQ("unknown", sysmem_invalid_str(SYSMEM_INVALID_MAX));
	EXPECT_STREQ("unknown", sysmem_invalid_str(1000));
}

/* ---- sysmem_constraints_domains() ---- */

TEST(domains_defaults)
{
	struct sysmem_buffer_constraints c;

	c = mk(SYSMEM_USAGE_VULKAN_SAMPLED);
	EXPECT_EQ(DOM_CPU | DOM_RAM | DOM_INACC,
		  sysmem_constraints_domains(&c));
	c = mk(SYSMEM_USAGE_NONE);
	EXPECT_EQ(DOM_CPU | DOM_RAM | DOM_INACC,
		  sysmem_constraints_domains(&c));
	/* CPU usage: CPU only. */
	c = mk(SYSMEM_USAGE_CPU_READ_OFTEN | SYSMEM_USAGE_DISPLAY_LAYER);
	EXPECT_EQ(DOM_CPU, sysmem_constraints_domains(&c));
	/* Secure: inaccessible only. */
	c = mk(SYSMEM_USAGE_VIDEO_DECODER);
	c.flags = F_SECURE;
	EXPECT_EQ(DOM_INACC, sysmem_constraints_domains(&c));
	/* Contiguity does not change the defaults. */
	c.flags = F_CONTIG;
	EXPECT_EQ(DOM_ALL, sysmem_constraints_domains(&c));
	/* An explicit set wins over every default. */
	c.flags = F_SECURE | F_DOMAINS;
	c.coherency_domains = DOM_RAM;
	EXPECT_EQ(DOM_RAM, sysmem_constraints_domains(&c));
	c = mk(SYSMEM_USAGE_CPU_WRITE);
	c.flags = F_DOMAINS;
	c.coherency_domains = DOM_RAM | DOM_INACC;
	EXPECT_EQ(DOM_RAM | DOM_INACC, sysmem_constraints_domains(&c));
	/* The field is ignored without the flag. */
	c.flags = 0;
	EXPECT_EQ(DOM_CPU, sysmem_constraints_domains(&c));
}

/* ---- sysmem_aggregate(): counts ---- */

TEST(aggregate_count_camping_shared)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[0].min_buffer_count_for_camping = 3;
	cs[0].min_buffer_count_for_shared_slack = 1;
	cs[1].min_buffer_count_for_camping = 3;
	cs[1].min_buffer_count_for_shared_slack = 2;
	/* 3 + 3 camping, max(1, 2) shared slack. */
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_EQ(8, out.buffer_count);
	EXPECT_EQ(NULL, why);
}

TEST(aggregate_count_dedicated)
{
	struct sysmem_buffer_constraints cs[3] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_VULKAN_SAMPLED),
		mk(SYSMEM_USAGE_NONE),
	};
	struct sysmem_buffer_settings out;

	cs[0].min_buffer_count_for_camping = 2;
	cs[0].min_buffer_count_for_dedicated_slack = 2;
	cs[1].min_buffer_count_for_camping = 1;
	cs[1].min_buffer_count_for_dedicated_slack = 1;
	cs[2].min_buffer_count_for_camping = 0;
	cs[2].min_buffer_count_for_shared_slack = 3;
	/* (2 + 1) camping + (2 + 1) dedicated + 3 shared. */
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(9, out.buffer_count);
}

TEST(aggregate_count_min_buffer_count)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;

	cs[0].min_buffer_count_for_camping = 3;
	cs[0].min_buffer_count_for_shared_slack = 1;
	cs[1].min_buffer_count_for_camping = 3;
	cs[1].min_buffer_count_for_shared_slack = 2;
	cs[1].min_buffer_count = 10;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(10, out.buffer_count);
	/* A minimum below the sum does not lower it. */
	cs[1].min_buffer_count = 5;
	cs[0].min_buffer_count = 7;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(8, out.buffer_count);
	/* min_buffer_count alone sets the count. */
	cs[0] = mk(SYSMEM_USAGE_CPU_READ);
	cs[1] = mk(SYSMEM_USAGE_CPU_READ);
	cs[0].min_buffer_count_for_camping = 0;
	cs[1].min_buffer_count_for_camping = 0;
	cs[1].min_buffer_count = 4;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(4, out.buffer_count);
}

TEST(aggregate_count_max)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[0].min_buffer_count_for_camping = 3;
	cs[1].min_buffer_count_for_camping = 3;
	cs[1].flags = F_MAX_COUNT;
	cs[1].max_buffer_count = 5;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("buffer count above a participant's max_buffer_count",
		     why);
	EXPECT_TRUE(settings_zero(&out));
	/* Boundary: a total equal to the maximum. */
	cs[1].max_buffer_count = 6;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(6, out.buffer_count);
	/* The smallest maximum applies. */
	cs[0].flags = F_MAX_COUNT;
	cs[0].max_buffer_count = 10;
	cs[0].min_buffer_count_for_camping = 4;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, NULL));
	/* min_buffer_count of one participant against another's max. */
	cs[0] = mk(SYSMEM_USAGE_CPU_READ);
	cs[0].min_buffer_count = 7;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, NULL));
}

TEST(aggregate_count_limit)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[0].min_buffer_count_for_camping = 64;
	cs[1].min_buffer_count_for_camping = 65;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("buffer count above SYSMEM_MAX_BUFFERS", why);
	cs[1].min_buffer_count_for_camping = 64;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(SYSMEM_MAX_BUFFERS, out.buffer_count);
	EXPECT_EQ(128, out.buffer_count);

	/* The same through min_buffer_count, and a max above the limit. */
	cs[0].min_buffer_count_for_camping = 0;
	cs[1].min_buffer_count_for_camping = 0;
	cs[1].min_buffer_count = 129;
	cs[1].flags = F_MAX_COUNT;
	cs[1].max_buffer_count = 1000;
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("buffer count above SYSMEM_MAX_BUFFERS", why);
	cs[1].min_buffer_count = 128;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(128, out.buffer_count);
}

TEST(aggregate_count_zero)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[0].min_buffer_count_for_camping = 0;
	cs[1].min_buffer_count_for_camping = 0;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("no participant asked for a buffer", why);
	cs[1].min_buffer_count_for_shared_slack = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(1, out.buffer_count);
	cs[1].min_buffer_count_for_shared_slack = 0;
	cs[0].min_buffer_count_for_dedicated_slack = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(1, out.buffer_count);
}

TEST(aggregate_count_no_wrap)
{
	static struct sysmem_buffer_constraints cs[1000];
	struct sysmem_buffer_settings out;
	const char *why = NULL;
	unsigned int i;

	/* 1000 * 0xffffffff camping: far above the limit, never wrapped. */
	for (i = 0; i < ARRAY_LEN(cs); i++) {
		cs[i] = mk(SYSMEM_USAGE_CPU_READ);
		cs[i].min_buffer_count_for_camping = 0xffffffffU;
		cs[i].min_buffer_count_for_dedicated_slack = 0xffffffffU;
		cs[i].min_buffer_count_for_shared_slack = 0xffffffffU;
		cs[i].min_buffer_count = 0xffffffffU;
	}
	memset(&out, 0xa5, sizeof(out));
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("buffer count above SYSMEM_MAX_BUFFERS", why);
	EXPECT_TRUE(settings_zero(&out));

	/* Sums that would wrap a u32 to 0 or to a small count. */
	cs[0] = mk(SYSMEM_USAGE_CPU_READ);
	cs[1] = mk(SYSMEM_USAGE_CPU_READ);
	cs[0].min_buffer_count_for_camping = 0x80000000U;
	cs[1].min_buffer_count_for_camping = 0x80000000U;
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, agg(cs, 2, NULL, std_heaps,
					       ARRAY_LEN(std_heaps), &out,
					       &why));
	EXPECT_STREQ("buffer count above SYSMEM_MAX_BUFFERS", why);
	cs[1].min_buffer_count_for_camping = 0;
	cs[0].min_buffer_count_for_camping = 0xffffffffU;
	cs[1].min_buffer_count_for_shared_slack = 2;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, agg(cs, 2, NULL, std_heaps,
					       ARRAY_LEN(std_heaps), &out,
					       NULL));
	cs[0].min_buffer_count_for_camping = 0;
	cs[0].min_buffer_count_for_dedicated_slack = 0xffffffffU;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, agg(cs, 2, NULL, std_heaps,
					       ARRAY_LEN(std_heaps), &out,
					       NULL));
	/* The same 1000 participants, each with a sane count, fit. */
	for (i = 0; i < ARRAY_LEN(cs); i++)
		cs[i] = mk(SYSMEM_USAGE_CPU_READ);
	for (i = 128; i < ARRAY_LEN(cs); i++)
		cs[i].min_buffer_count_for_camping = 0;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(128, out.buffer_count);
}

/* ---- sysmem_aggregate(): sizes, usage, participants ---- */

TEST(aggregate_size)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[0].min_size_bytes = 4096;
	cs[1].min_size_bytes = 8192;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(8192, out.size_bytes);
	/* A maximum equal to the size passes. */
	cs[0].flags = F_MAX_SIZE;
	cs[0].max_size_bytes = 8192;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(8192, out.size_bytes);
	/* One byte less fails; the smallest maximum applies. */
	cs[1].flags = F_MAX_SIZE;
	cs[1].max_size_bytes = 1ULL << 40;
	cs[0].max_size_bytes = 8191;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("buffer size above a participant's max_size_bytes", why);
	/* Sizes above 4 GiB are kept exactly. */
	cs[0].flags = 0;
	cs[1].min_size_bytes = (1ULL << 40) - 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ((1ULL << 40) - 1, out.size_bytes);
}

TEST(aggregate_size_zero)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[0].min_size_bytes = 0;
	cs[1].min_size_bytes = 0;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("no participant asked for a size", why);
	cs[1].min_size_bytes = 1;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(1, out.size_bytes);
}

TEST(aggregate_usage)
{
	struct sysmem_buffer_constraints cs[3] = {
		mk(SYSMEM_USAGE_NONE), mk(SYSMEM_USAGE_NONE),
		mk(SYSMEM_USAGE_NONE),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("no participant uses the buffers", why);
	cs[1].usage = SYSMEM_USAGE_VIDEO_ENCODER;
	cs[2].usage = SYSMEM_USAGE_VULKAN_SAMPLED | SYSMEM_USAGE_VIDEO_CAPTURE;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(SYSMEM_USAGE_NONE | SYSMEM_USAGE_VIDEO_ENCODER |
		  SYSMEM_USAGE_VULKAN_SAMPLED | SYSMEM_USAGE_VIDEO_CAPTURE,
		  out.usage);
}

TEST(aggregate_no_participants)
{
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	memset(&out, 0xa5, sizeof(out));
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_aggregate(parts_buf, 0, std_heaps,
				   ARRAY_LEN(std_heaps), &out, &why));
	EXPECT_STREQ("no participant set constraints", why);
	EXPECT_TRUE(settings_zero(&out));
	memset(&out, 0xa5, sizeof(out));
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  sysmem_aggregate(NULL, 0, std_heaps, ARRAY_LEN(std_heaps),
				   &out, &why));
	EXPECT_STREQ("no participant set constraints", why);
	EXPECT_TRUE(settings_zero(&out));
}

TEST(aggregate_flags)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_VIDEO_DECODER), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;

	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, full_heaps, &out, NULL));
	EXPECT_EQ(0, out.flags);
	EXPECT_STREQ("system", out.heap);
	cs[1].flags = F_CONTIG;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, full_heaps, &out, NULL));
	EXPECT_EQ(SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS, out.flags);
	EXPECT_STREQ("cma", out.heap);
	cs[0].flags = F_SECURE;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, full_heaps, &out, NULL));
	EXPECT_EQ(SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS |
		  SYSMEM_SETTINGS_SECURE, out.flags);
	EXPECT_STREQ("secure-cma", out.heap);
	cs[1].flags = 0;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, full_heaps, &out, NULL));
	EXPECT_EQ(SYSMEM_SETTINGS_SECURE, out.flags);
	EXPECT_STREQ("secure-a", out.heap);
}

/* ---- sysmem_aggregate(): coherency domains ---- */

TEST(aggregate_domain_display_ram)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_DISPLAY_LAYER), mk(SYSMEM_USAGE_VIDEO_DECODER),
	};
	struct sysmem_buffer_settings out;

	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_RAM, out.coherency_domain);
	EXPECT_STREQ("system", out.heap);
	/* A cursor is display usage too. */
	cs[0].usage = SYSMEM_USAGE_DISPLAY_CURSOR;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_RAM, out.coherency_domain);
	/* Display with CPU usage that allows RAM explicitly: RAM. */
	cs[1] = mk(SYSMEM_USAGE_CPU_WRITE_OFTEN);
	cs[1].flags = F_DOMAINS;
	cs[1].coherency_domains = DOM_CPU | DOM_RAM;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_RAM, out.coherency_domain);
	/* With default CPU domains, CPU usage rules RAM out: CPU. */
	cs[1].flags = 0;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_CPU, out.coherency_domain);
}

TEST(aggregate_domain_cpu)
{
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE),
	};
	struct sysmem_buffer_settings out;

	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_CPU, out.coherency_domain);
	/* No display usage: CPU is preferred over RAM. */
	cs[0] = mk(SYSMEM_USAGE_VULKAN_SAMPLED);
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_CPU, out.coherency_domain);
	/* Without CPU, RAM before inaccessible. */
	cs[0].flags = F_DOMAINS;
	cs[0].coherency_domains = DOM_RAM | DOM_INACC;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_RAM, out.coherency_domain);
	EXPECT_STREQ("system", out.heap);
	/* Inaccessible only: "system" cannot, "other" can. */
	cs[0].coherency_domains = DOM_INACC;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_EQ(DOM_INACC, out.coherency_domain);
	EXPECT_STREQ("other", out.heap);
}

TEST(aggregate_domain_heap_limits)
{
	static const struct sysmem_heap_desc ram_only[] = {
		{ .name = "system", .domains = DOM_RAM },
	};
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_VULKAN_SAMPLED),
	};
	struct sysmem_buffer_settings out;

	/* The heap's domains narrow the candidates. */
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, ram_only, &out, NULL));
	EXPECT_EQ(DOM_RAM, out.coherency_domain);
}

TEST(aggregate_domain_empty)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_READ), mk(SYSMEM_USAGE_VIDEO_DECODER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[1].flags = F_DOMAINS;
	cs[1].coherency_domains = DOM_RAM | DOM_INACC;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("no coherency domain every participant supports", why);
	/* Secure and CPU usage in different participants. */
	cs[1].flags = F_SECURE;
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, full_heaps, &out, &why));
	EXPECT_STREQ("no coherency domain every participant supports", why);
}

TEST(aggregate_domain_secure)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_VIDEO_DECRYPTOR_OUTPUT),
		mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;

	cs[0].flags = F_SECURE;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, full_heaps, &out, NULL));
	EXPECT_EQ(DOM_INACC, out.coherency_domain);
	EXPECT_STREQ("secure-a", out.heap);
}

/* ---- sysmem_aggregate(): heaps ---- */

TEST(aggregate_heap_system_preferred)
{
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_VULKAN_SAMPLED),
	};
	struct sysmem_buffer_settings out;

	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, other_first, &out, NULL));
	EXPECT_STREQ("system", out.heap);
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_STREQ("system", out.heap);
}

TEST(aggregate_heap_first_eligible)
{
	static const struct sysmem_heap_desc no_system[] = {
		{ .name = "a", .domains = DOM_INACC },
		{ .name = "b", .domains = DOM_CPU },
		{ .name = "c", .domains = DOM_CPU | DOM_RAM },
	};
	static const struct sysmem_heap_desc system_too_long[] = {
		{ .name = "systemx", .domains = DOM_ALL },
		{ .name = "sys", .domains = DOM_ALL },
	};
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_CPU_READ),
	};
	struct sysmem_buffer_settings out;

	/* "a" cannot hold CPU-domain buffers; "b" is the first that can. */
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, no_system, &out, NULL));
	EXPECT_STREQ("b", out.heap);
	EXPECT_EQ(DOM_CPU, out.coherency_domain);
	/* Only the exact name "system" is special. */
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  AGG(cs, NULL, system_too_long, &out, NULL));
	EXPECT_STREQ("systemx", out.heap);
}

TEST(aggregate_heap_system_domains)
{
	static const struct sysmem_heap_name sys[1] = { { "system" } };
	const struct sysmem_heap_name *hl[1] = { sys };
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_VIDEO_DECODER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	/* "system" lacks the only domain: the next eligible heap. */
	cs[0].flags = F_DOMAINS;
	cs[0].coherency_domains = DOM_INACC;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, other_first, &out, NULL));
	EXPECT_STREQ("other", out.heap);
	/* Only "system" is permitted: no heap. */
	permit(&cs[0], 1);
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, hl, std_heaps, &out, &why));
	EXPECT_STREQ("no permitted heap supports the coherency domains", why);
	EXPECT_TRUE(settings_zero(&out));
}

TEST(aggregate_heap_secure)
{
	static const struct sysmem_heap_desc only_secure[] = {
		{ .name = "secure", .domains = DOM_ALL, .secure = true },
	};
	static const struct sysmem_heap_desc secure_system[] = {
		{ .name = "tee", .domains = DOM_INACC, .secure = true },
		{ .name = "system", .domains = DOM_INACC, .secure = true },
	};
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_VIDEO_DECODER), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	/* Secure takes the first secure heap, even before "system". */
	cs[0].flags = F_SECURE;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, full_heaps, &out, NULL));
	EXPECT_STREQ("secure-a", out.heap);
	EXPECT_EQ(SYSMEM_SETTINGS_SECURE, out.flags);
	/* "system" is not preferred for a secure collection. */
	ASSERT_EQ(SYSMEM_FAIL_NONE,
		  AGG(cs, NULL, secure_system, &out, NULL));
	EXPECT_STREQ("tee", out.heap);
	/* Secure without a secure heap. */
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("no secure heap", why);
	EXPECT_TRUE(settings_zero(&out));
	/* A non-secure collection never takes a secure heap. */
	cs[0].flags = 0;
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, NULL, only_secure, &out, &why));
	EXPECT_STREQ("no non-secure heap", why);
}

TEST(aggregate_heap_contiguous)
{
	static const struct sysmem_heap_desc secure_plain[] = {
		{ .name = "system", .domains = DOM_ALL },
		{ .name = "cma", .domains = DOM_ALL, .contiguous = true },
		{ .name = "secure", .domains = DOM_INACC, .secure = true },
	};
	static const struct sysmem_heap_desc cma_only[] = {
		{ .name = "cma", .domains = DOM_ALL, .contiguous = true },
	};
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_VIDEO_ENCODER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	cs[1].flags = F_CONTIG;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, full_heaps, &out, NULL));
	EXPECT_STREQ("cma", out.heap);
	EXPECT_EQ(SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS, out.flags);
	EXPECT_EQ(DOM_CPU, out.coherency_domain);
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, NULL, std_heaps, &out, &why));
	EXPECT_STREQ("no contiguous heap", why);
	EXPECT_TRUE(settings_zero(&out));
	/* A contiguous heap may serve a collection that does not need it. */
	cs[1].flags = 0;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, cma_only, &out, NULL));
	EXPECT_STREQ("cma", out.heap);
	EXPECT_EQ(0, out.flags);
	/* Secure and contiguous with only a non-contiguous secure heap. */
	cs[0] = mk(SYSMEM_USAGE_VIDEO_DECODER);
	cs[0].flags = F_SECURE | F_CONTIG;
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP,
		  AGG(cs, NULL, secure_plain, &out, &why));
	EXPECT_STREQ("no contiguous secure heap", why);
}

TEST(aggregate_heap_permitted)
{
	static const struct sysmem_heap_name other[1] = { { "other" } };
	static const struct sysmem_heap_name both[2] = {
		{ "system" }, { "other" },
	};
	static const struct sysmem_heap_name sys[1] = { { "system" } };
	struct sysmem_buffer_constraints cs[3] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_VIDEO_ENCODER),
		mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	const struct sysmem_heap_name *hl[3] = { NULL, NULL, NULL };
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	/* One list that excludes "system". */
	permit(&cs[0], 1);
	hl[0] = other;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, hl, std_heaps, &out, NULL));
	EXPECT_STREQ("other", out.heap);
	/* Intersection of {system, other} and {other}; third: any heap. */
	permit(&cs[0], 2);
	hl[0] = both;
	permit(&cs[1], 1);
	hl[1] = other;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, hl, std_heaps, &out, NULL));
	EXPECT_STREQ("other", out.heap);
	/* {system, other} alone: "system" is preferred. */
	cs[1].flags = 0;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, hl, other_first, &out, NULL));
	EXPECT_STREQ("system", out.heap);
	/* {system} and {other}: empty intersection. */
	hl[0] = sys;
	permit(&cs[0], 1);
	permit(&cs[1], 1);
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, hl, std_heaps, &out, &why));
	EXPECT_STREQ("permitted heap lists share no registered heap", why);
	EXPECT_TRUE(settings_zero(&out));
	/* The heaps field is ignored without the flag. */
	cs[1].flags = 0;
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, hl, std_heaps, &out, NULL));
	EXPECT_STREQ("system", out.heap);
}

TEST(aggregate_heap_permitted_names)
{
	static const struct sysmem_heap_name prefix[1] = { { "syst" } };
	static const struct sysmem_heap_name ghost[2] = {
		{ "ghost" }, { "system2" },
	};
	static const struct sysmem_heap_name sec[1] = { { "secure-a" } };
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_CPU_WRITE),
	};
	const struct sysmem_heap_name *hl[1];
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	/* Names match exactly: no prefix matches. */
	permit(&cs[0], 1);
	hl[0] = prefix;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, hl, std_heaps, &out, &why));
	EXPECT_STREQ("permitted heap lists share no registered heap", why);
	permit(&cs[0], 2);
	hl[0] = ghost;
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, hl, std_heaps, &out, &why));
	EXPECT_STREQ("permitted heap lists share no registered heap", why);
	/* The only permitted heap is secure, the collection is not. */
	permit(&cs[0], 1);
	hl[0] = sec;
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, hl, full_heaps, &out, &why));
	EXPECT_STREQ("no permitted heap is secure, contiguous or placed as needed",
		     why);
}

/* ---- physical base alignment and address limit (ABI 0.6) ---- */

TEST(validate_physical)
{
	struct sysmem_buffer_constraints c = mk(SYSMEM_USAGE_CPU_READ);

	c.min_physical_base_alignment = 1ULL << 20;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	c.min_physical_base_alignment = 3 << 12;
	EXPECT_EQ(SYSMEM_INVALID_BASE_ALIGNMENT,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.min_physical_base_alignment = 0;
	c.max_physical_address = 0xffffffffULL;
	EXPECT_EQ(SYSMEM_INVALID_PHYSICAL_ADDRESS,
		  sysmem_constraints_validate(&c, NULL, NULL));
	c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	/* A limit of 0 is valid input: no heap can meet it. */
	c.max_physical_address = 0;
	EXPECT_EQ(SYSMEM_VALID, sysmem_constraints_validate(&c, NULL, NULL));
	EXPECT_STREQ("min_physical_base_alignment is not 0 or a power of two",
		     sysmem_invalid_str(SYSMEM_INVALID_BASE_ALIGNMENT));
	EXPECT_STREQ("max_physical_address is set without its flag",
		     sysmem_invalid_str(SYSMEM_INVALID_PHYSICAL_ADDRESS));
}

/* A system heap below 4 GiB on request, and a CMA-like contiguous heap. */
static const struct sysmem_heap_desc placed_heaps[] = {
	{ .name = "system", .domains = DOM_CPU | DOM_RAM,
	  .base_alignment = 4096, .max_base_alignment = 4096,
	  .address_floor = 0xffffffffULL },
	{ .name = "contiguous", .domains = DOM_ALL, .contiguous = true,
	  .base_alignment = 1 << 16, .max_base_alignment = 1 << 20,
	  .address_floor = 0x7fffffffULL },
};

TEST(aggregate_physical)
{
	struct sysmem_buffer_constraints cs[3] = {
		mk(SYSMEM_USAGE_CPU_READ), mk(SYSMEM_USAGE_VIDEO_DECODER),
		mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	/* Nobody asks: the heap's own alignment, no limit. */
	EXPECT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("system", out.heap);
	EXPECT_EQ(4096, out.min_physical_base_alignment);
	EXPECT_EQ(~0ULL, out.max_physical_address);

	/* The largest alignment wins; only the contiguous heap gives it. */
	cs[0].min_physical_base_alignment = 1 << 14;
	cs[1].min_physical_base_alignment = 1 << 18;
	EXPECT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("contiguous", out.heap);
	EXPECT_EQ(1 << 18, out.min_physical_base_alignment);

	/* Asking less than the heap gives reports what it gives. */
	cs[0].min_physical_base_alignment = 0;
	cs[1].min_physical_base_alignment = 1 << 13;
	EXPECT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("contiguous", out.heap);
	EXPECT_EQ(1 << 16, out.min_physical_base_alignment);

	/* Beyond every heap: refused with the reason. */
	cs[1].min_physical_base_alignment = 1 << 21;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("no heap gives the physical base alignment asked for",
		     why);
	EXPECT_TRUE(settings_zero(&out));
	cs[1].min_physical_base_alignment = 0;

	/* The lowest limit wins; the system heap serves 4 GiB and up. */
	cs[0].flags |= SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
	cs[0].max_physical_address = 0xfffffffffULL;
	cs[2].flags |= SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
	cs[2].max_physical_address = 0xffffffffULL;
	EXPECT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("system", out.heap);
	EXPECT_EQ(0xffffffffULL, out.max_physical_address);

	/* 2 GiB: only the contiguous heap (its area ends below it)... */
	cs[2].max_physical_address = 0x7fffffffULL;
	EXPECT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("contiguous", out.heap);
	EXPECT_EQ(0x7fffffffULL, out.max_physical_address);
	EXPECT_EQ(1 << 16, out.min_physical_base_alignment);

	/* ...and below that nothing. */
	cs[2].max_physical_address = 0x3fffffffULL;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("no heap keeps buffers below the physical address limit",
		     why);

	/* Alignment is judged before the limit. */
	cs[1].min_physical_base_alignment = 1ULL << 30;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, NULL, placed_heaps, &out, &why));
	EXPECT_STREQ("no heap gives the physical base alignment asked for",
		     why);
}

TEST(aggregate_no_heaps)
{
	static const struct sysmem_heap_desc unnamed[] = {
		{ .name = NULL, .domains = DOM_ALL },
	};
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_CPU_WRITE),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;

	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP,
		  agg(cs, 1, NULL, std_heaps, 0, &out, &why));
	EXPECT_STREQ("no heap registered", why);
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, agg(cs, 1, NULL, NULL, 5, &out, &why));
	EXPECT_STREQ("no heap registered", why);
	why = NULL;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP, AGG(cs, NULL, unnamed, &out, &why));
	EXPECT_STREQ("no heap registered", why);
	EXPECT_TRUE(settings_zero(&out));
}

/* ---- sysmem_aggregate(): the settings structure ---- */

TEST(aggregate_zeroed_on_failure)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
	};
	struct sysmem_buffer_settings out;
	const char *why = NULL;
	int step;

	for (step = 0; step < 5; step++) {
		cs[0] = mk(SYSMEM_USAGE_CPU_WRITE);
		cs[1] = mk(SYSMEM_USAGE_DISPLAY_LAYER);
		switch (step) {
		case 0:		/* count above the maximum */
			cs[1].flags = F_MAX_COUNT;
			cs[1].max_buffer_count = 1;
			break;
		case 1:		/* size 0 */
			cs[0].min_size_bytes = 0;
			cs[1].min_size_bytes = 0;
			break;
		case 2:		/* no common domain */
			cs[1].flags = F_DOMAINS;
			cs[1].coherency_domains = DOM_INACC;
			break;
		case 3:		/* contiguous, no such heap */
			cs[1].flags = F_CONTIG;
			break;
		case 4:		/* count 0 */
			cs[0].min_buffer_count_for_camping = 0;
			cs[1].min_buffer_count_for_camping = 0;
			break;
		}
		memset(&out, 0xa5, sizeof(out));
		why = NULL;
		EXPECT_NE(SYSMEM_FAIL_NONE,
			  AGG(cs, NULL, std_heaps, &out, &why));
		EXPECT_NE(NULL, why);
		EXPECT_EQ(0, out.size_bytes);
		EXPECT_EQ(0, out.buffer_count);
		EXPECT_EQ(0, out.coherency_domain);
		EXPECT_EQ(0, out.flags);
		EXPECT_EQ(0, out.reserved);
		EXPECT_EQ(0, out.usage);
		EXPECT_EQ(0, out.heap[0]);
		EXPECT_EQ(0, out.heap[SYSMEM_HEAP_NAME_LEN - 1]);
		EXPECT_TRUE(settings_zero(&out));
	}
	/* A NULL @why is allowed. */
	memset(&out, 0xa5, sizeof(out));
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS,
		  AGG(cs, NULL, std_heaps, &out, NULL));
	EXPECT_TRUE(settings_zero(&out));
}

TEST(aggregate_settings_complete)
{
	struct sysmem_buffer_constraints cs[2] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_VULKAN_SAMPLED),
	};
	struct sysmem_buffer_settings out;
	const char *why = "untouched";
	unsigned int i;

	cs[0].min_buffer_count_for_camping = 2;
	cs[1].min_size_bytes = 12345;
	memset(&out, 0xa5, sizeof(out));
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, other_first, &out, &why));
	EXPECT_STREQ("untouched", why);
	EXPECT_EQ(12345, out.size_bytes);
	EXPECT_EQ(3, out.buffer_count);
	EXPECT_EQ(DOM_CPU, out.coherency_domain);
	EXPECT_EQ(0, out.flags);
	EXPECT_EQ(0, out.reserved);
	EXPECT_EQ(SYSMEM_USAGE_CPU_WRITE | SYSMEM_USAGE_VULKAN_SAMPLED,
		  out.usage);
	EXPECT_STREQ("system", out.heap);
	/* NUL padding after the name, to the end of the array. */
	for (i = sizeof("system") - 1; i < SYSMEM_HEAP_NAME_LEN; i++)
		EXPECT_EQ(0, out.heap[i]);
}

/* A buffer counts its size, or its alignment when that is larger. */
TEST(buffer_footprint)
{
	struct sysmem_buffer_settings s;

	memset(&s, 0, sizeof(s));
	EXPECT_EQ(8192, sysmem_buffer_footprint(8192, &s));
	s.min_physical_base_alignment = 4096;
	EXPECT_EQ(8192, sysmem_buffer_footprint(8192, &s));
	s.min_physical_base_alignment = 1 << 20;
	EXPECT_EQ(1 << 20, sysmem_buffer_footprint(64 << 10, &s));
	EXPECT_EQ(1 << 20, sysmem_buffer_footprint(1 << 20, &s));
	EXPECT_EQ(3 << 20, sysmem_buffer_footprint(3 << 20, &s));
	s.min_physical_base_alignment = 1ULL << 63;
	EXPECT_EQ(1ULL << 63, sysmem_buffer_footprint(4096, &s));
}

TEST(aggregate_heap_name_long)
{
	static const struct sysmem_heap_desc long_names[] = {
		/* 40 characters: truncated to 31 and the NUL. */
		{ .name = "a-very-long-heap-name-0123456789abcdefgh",
		  .domains = DOM_ALL },
	};
	static const struct sysmem_heap_desc exact[] = {
		/* 31 characters: fits exactly. */
		{ .name = "0123456789012345678901234567890",
		  .domains = DOM_ALL },
	};
	struct sysmem_buffer_constraints cs[1] = {
		mk(SYSMEM_USAGE_CPU_WRITE),
	};
	struct sysmem_buffer_settings out;

	memset(&out, 0xa5, sizeof(out));
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, long_names, &out, NULL));
	EXPECT_EQ(0, memcmp(out.heap, "a-very-long-heap-name-012345678",
			    SYSMEM_HEAP_NAME_LEN - 1));
	EXPECT_EQ(0, out.heap[SYSMEM_HEAP_NAME_LEN - 1]);
	memset(&out, 0xa5, sizeof(out));
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, NULL, exact, &out, NULL));
	EXPECT_STREQ("0123456789012345678901234567890", out.heap);
	EXPECT_EQ(0, out.heap[SYSMEM_HEAP_NAME_LEN - 1]);
}

TEST(aggregate_deterministic)
{
	static const struct sysmem_heap_name both[2] = {
		{ "cma" }, { "other" },
	};
	struct sysmem_buffer_constraints cs[3] = {
		mk(SYSMEM_USAGE_CPU_WRITE), mk(SYSMEM_USAGE_DISPLAY_LAYER),
		mk(SYSMEM_USAGE_VIDEO_ENCODER),
	};
	const struct sysmem_heap_name *hl[3] = { both, NULL, NULL };
	struct sysmem_buffer_settings a, b;

	permit(&cs[0], 2);
	cs[1].min_buffer_count_for_shared_slack = 2;
	cs[2].min_size_bytes = 1 << 20;
	memset(&a, 0x11, sizeof(a));
	memset(&b, 0x22, sizeof(b));
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, hl, full_heaps, &a, NULL));
	ASSERT_EQ(SYSMEM_FAIL_NONE, AGG(cs, hl, full_heaps, &b, NULL));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	/* "other" comes first and "system" is not permitted. */
	EXPECT_STREQ("other", a.heap);
	EXPECT_EQ(5, a.buffer_count);
	EXPECT_EQ(1 << 20, a.size_bytes);
	EXPECT_EQ(DOM_CPU, a.coherency_domain);
}

TEST_HARNESS_MAIN
