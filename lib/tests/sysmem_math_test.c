// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for lib/sysmem_math.c.
 */
#include "kselftest_harness.h"
#include "sysmem_math.h"

TEST(add)
{
	u64 r = 7;

	EXPECT_FALSE(sysmem_add_overflow(1, 2, &r));
	EXPECT_EQ(3, r);
	EXPECT_FALSE(sysmem_add_overflow(UINT64_MAX - 5, 5, &r));
	EXPECT_EQ(UINT64_MAX, r);
	r = 7;
	EXPECT_TRUE(sysmem_add_overflow(UINT64_MAX - 5, 6, &r));
	EXPECT_EQ(7, r);
	EXPECT_TRUE(sysmem_add_overflow(UINT64_MAX, UINT64_MAX, &r));
	EXPECT_EQ(7, r);
}

TEST(mul)
{
	u64 r = 7;

	EXPECT_FALSE(sysmem_mul_overflow(1920, 1080, &r));
	EXPECT_EQ(2073600, r);
	EXPECT_FALSE(sysmem_mul_overflow(0, UINT64_MAX, &r));
	EXPECT_EQ(0, r);
	EXPECT_FALSE(sysmem_mul_overflow(1ULL << 32, (1ULL << 32) - 1, &r));
	EXPECT_EQ(0xffffffff00000000ULL, r);
	r = 7;
	EXPECT_TRUE(sysmem_mul_overflow(1ULL << 32, 1ULL << 32, &r));
	EXPECT_EQ(7, r);
	EXPECT_TRUE(sysmem_mul_overflow(UINT64_MAX, 2, &r));
	EXPECT_EQ(7, r);
}

TEST(align_up)
{
	u64 r = 7;

	EXPECT_FALSE(sysmem_align_up_overflow(0, 4096, &r));
	EXPECT_EQ(0, r);
	EXPECT_FALSE(sysmem_align_up_overflow(1, 4096, &r));
	EXPECT_EQ(4096, r);
	EXPECT_FALSE(sysmem_align_up_overflow(4096, 4096, &r));
	EXPECT_EQ(4096, r);
	EXPECT_FALSE(sysmem_align_up_overflow(4097, 4096, &r));
	EXPECT_EQ(8192, r);
	/* Not a power of two: RGB888 rows of 1366 pixels, 3 bytes each. */
	EXPECT_FALSE(sysmem_align_up_overflow(4097, 3, &r));
	EXPECT_EQ(4098, r);
	EXPECT_FALSE(sysmem_align_up_overflow(1366 * 3, 192, &r));
	EXPECT_EQ(4224, r);
	EXPECT_FALSE(sysmem_align_up_overflow(UINT64_MAX, 1, &r));
	EXPECT_EQ(UINT64_MAX, r);
	r = 7;
	EXPECT_TRUE(sysmem_align_up_overflow(5, 0, &r));
	EXPECT_EQ(7, r);
	EXPECT_TRUE(sysmem_align_up_overflow(UINT64_MAX - 10, 4096, &r));
	EXPECT_EQ(7, r);
}

TEST(gcd_lcm)
{
	u64 r = 7;

	EXPECT_EQ(0, sysmem_gcd(0, 0));
	EXPECT_EQ(12, sysmem_gcd(12, 0));
	EXPECT_EQ(12, sysmem_gcd(0, 12));
	EXPECT_EQ(6, sysmem_gcd(12, 18));
	EXPECT_EQ(1, sysmem_gcd(17, 64));

	EXPECT_FALSE(sysmem_lcm_overflow(12, 18, &r));
	EXPECT_EQ(36, r);
	EXPECT_FALSE(sysmem_lcm_overflow(64, 3, &r));
	EXPECT_EQ(192, r);
	EXPECT_FALSE(sysmem_lcm_overflow(256, 64, &r));
	EXPECT_EQ(256, r);
	r = 7;
	EXPECT_TRUE(sysmem_lcm_overflow(0, 5, &r));
	EXPECT_TRUE(sysmem_lcm_overflow(5, 0, &r));
	EXPECT_TRUE(sysmem_lcm_overflow(1ULL << 63, 3, &r));
	EXPECT_EQ(7, r);
}

TEST(is_pow2)
{
	EXPECT_FALSE(sysmem_is_pow2(0));
	EXPECT_TRUE(sysmem_is_pow2(1));
	EXPECT_TRUE(sysmem_is_pow2(4096));
	EXPECT_FALSE(sysmem_is_pow2(4095));
	EXPECT_TRUE(sysmem_is_pow2(1ULL << 63));
	EXPECT_FALSE(sysmem_is_pow2(UINT64_MAX));
}

TEST_HARNESS_MAIN
