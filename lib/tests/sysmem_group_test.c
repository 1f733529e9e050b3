// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for lib/sysmem_group.c: the order of group child
 * combinations.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "sysmem_group.h"

/*
 * Every combination in order, as "a.b.c" strings separated by spaces
 * (inactive groups shown as '-'), at most @max of them.
 */
static void walk(const struct sysmem_group_desc *g, unsigned int n,
		 unsigned int max, char *out, size_t len)
{
	u32 choice[16] = { 0 };
	unsigned int i, k = 0;
	size_t pos = 0;

	out[0] = '\0';
	do {
		for (i = 0; i < n; i++)
			pos += snprintf(out + pos, len - pos, "%s%c",
					i ? "." : (k ? " " : ""),
					sysmem_group_active(g, choice, i) ?
					'0' + choice[i] : '-');
	} while (++k < max && sysmem_groups_next(g, n, choice));
}

TEST(one_group)
{
	static const struct sysmem_group_desc g[] = { { 3, -1, 0 } };
	char s[256];

	walk(g, 1, 100, s, sizeof(s));
	EXPECT_STREQ("0 1 2", s);
}

/* Two sibling groups: the earlier one is the most significant. */
TEST(two_groups_priority)
{
	static const struct sysmem_group_desc g[] = {
		{ 2, -1, 0 },
		{ 3, -1, 0 },
	};
	char s[256];

	walk(g, 2, 100, s, sizeof(s));
	EXPECT_STREQ("0.0 0.1 0.2 1.0 1.1 1.2", s);
}

/* A group inside child 0 of another: only active while child 0 is. */
TEST(nested_parent_first)
{
	static const struct sysmem_group_desc g[] = {
		{ 2, -1, 0 },	/* A */
		{ 2, 0, 0 },	/* B, inside A's child 0 */
		{ 2, 0, 1 },	/* C, inside A's child 1 */
	};
	char s[256];

	walk(g, 3, 100, s, sizeof(s));
	EXPECT_STREQ("0.0.- 0.1.- 1.-.0 1.-.1", s);
}

/* Nesting two deep, plus a later sibling group. */
TEST(deep_and_sibling)
{
	static const struct sysmem_group_desc g[] = {
		{ 2, -1, 0 },	/* A */
		{ 2, 0, 1 },	/* B in A.1 */
		{ 2, 1, 0 },	/* C in B.0 */
		{ 2, -1, 0 },	/* D, after A */
	};
	char s[512];

	walk(g, 4, 100, s, sizeof(s));
	EXPECT_STREQ("0.-.-.0 0.-.-.1 1.0.0.0 1.0.0.1 1.0.1.0 1.0.1.1 "
		     "1.1.-.0 1.1.-.1", s);
}

/* Nothing to choose: one combination, no next. */
TEST(no_groups)
{
	u32 choice[1] = { 0 };

	EXPECT_FALSE(sysmem_groups_next(NULL, 0, choice));
}

/* The end leaves the last combination in place. */
TEST(exhausted_unchanged)
{
	static const struct sysmem_group_desc g[] = {
		{ 2, -1, 0 },
		{ 2, -1, 0 },
	};
	u32 choice[2] = { 1, 1 };

	EXPECT_FALSE(sysmem_groups_next(g, 2, choice));
	EXPECT_EQ(1, choice[0]);
	EXPECT_EQ(1, choice[1]);
}

/* 7 groups of 2: 128 combinations; the 65th is 1.0.0.0.0.0.0. */
TEST(count_and_limit)
{
	struct sysmem_group_desc g[7];
	u32 choice[7] = { 0 };
	unsigned int i, n = 1;

	for (i = 0; i < 7; i++) {
		g[i].nr_children = 2;
		g[i].parent = -1;
		g[i].parent_child = 0;
	}
	while (n < 65 && sysmem_groups_next(g, 7, choice))
		n++;
	EXPECT_EQ(65, n);
	EXPECT_EQ(1, choice[0]);
	for (i = 1; i < 7; i++)
		EXPECT_EQ(0, choice[i]);
	while (sysmem_groups_next(g, 7, choice))
		n++;
	EXPECT_EQ(128, n);
}

TEST(valid)
{
	struct sysmem_group_desc g[2] = { { 2, -1, 0 }, { 1, 0, 1 } };

	EXPECT_TRUE(sysmem_groups_valid(g, 2));
	g[1].parent_child = 2;
	EXPECT_FALSE(sysmem_groups_valid(g, 2));
	g[1].parent_child = 0;
	g[1].parent = 1;
	EXPECT_FALSE(sysmem_groups_valid(g, 2));
	g[1].parent = -2;
	EXPECT_FALSE(sysmem_groups_valid(g, 2));
	g[1].parent = -1;
	g[0].nr_children = 0;
	EXPECT_FALSE(sysmem_groups_valid(g, 2));
}

TEST_HARNESS_MAIN
