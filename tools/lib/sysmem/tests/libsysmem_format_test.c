// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of libsysmem's public format calls:
 * sysmem_format_get_info(), sysmem_format_known_count() and
 * sysmem_format_known_at().  They need no device, so they run on the host
 * with libsysmem.c and lib/ compiled in.  Every expected value is written
 * out by hand from the format's definition (DRM fourcc documentation):
 * bytes per block of plane 0, bytes per chroma sample, subsampling.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "libsysmem.h"

#define FOURCC(a, b, c, d) \
	((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))

#define ALPHA	SYSMEM_FORMAT_INFO_ALPHA
#define YUV	SYSMEM_FORMAT_INFO_YUV
#define RGB10	SYSMEM_FORMAT_INFO_RGB10

static const struct sysmem_format_info expected[] = {
	/* XRGB8888: one plane, 4 bytes a pixel */
	{ FOURCC('X', 'R', '2', '4'), 1, { 4 }, 1, 1, 1, 0 },
	{ FOURCC('A', 'R', '2', '4'), 1, { 4 }, 1, 1, 1, ALPHA },
	{ FOURCC('R', 'A', '2', '4'), 1, { 4 }, 1, 1, 1, ALPHA },
	/* RGB888: 3 bytes a pixel; RGB565: 2 */
	{ FOURCC('R', 'G', '2', '4'), 1, { 3 }, 1, 1, 1, 0 },
	{ FOURCC('R', 'G', '1', '6'), 1, { 2 }, 1, 1, 1, 0 },
	{ FOURCC('R', '8', ' ', ' '), 1, { 1 }, 1, 1, 1, 0 },
	/* NV12: Y plane, then one UV pair (2 bytes) per 2x2 pixels */
	{ FOURCC('N', 'V', '1', '2'), 2, { 1, 2 }, 1, 2, 2, YUV },
	/* NV16: 4:2:2, a UV pair per 2x1 pixels */
	{ FOURCC('N', 'V', '1', '6'), 2, { 1, 2 }, 1, 2, 1, YUV },
	/* NV24: 4:4:4, a UV pair per pixel */
	{ FOURCC('N', 'V', '2', '4'), 2, { 1, 2 }, 1, 1, 1, YUV },
	/* YUV420: three planes, one byte of U and of V per 2x2 pixels */
	{ FOURCC('Y', 'U', '1', '2'), 3, { 1, 1, 1 }, 1, 2, 2, YUV },
	{ FOURCC('Y', 'U', '1', '6'), 3, { 1, 1, 1 }, 1, 2, 1, YUV },
	/* YUYV: two pixels in one 4-byte block, no chroma plane */
	{ FOURCC('Y', 'U', 'Y', 'V'), 1, { 4 }, 2, 1, 1, YUV },
	{ FOURCC('U', 'Y', 'V', 'Y'), 1, { 4 }, 2, 1, 1, YUV },
	/* Y210: two pixels in one 8-byte block */
	{ FOURCC('Y', '2', '1', '0'), 1, { 8 }, 2, 1, 1, YUV },
	/* P010: 16-bit Y, then a 4-byte UV pair per 2x2 pixels */
	{ FOURCC('P', '0', '1', '0'), 2, { 2, 4 }, 1, 2, 2, YUV },
	{ FOURCC('P', '0', '1', '6'), 2, { 2, 4 }, 1, 2, 2, YUV },
	/* 10 bits per color RGB */
	{ FOURCC('X', 'R', '3', '0'), 1, { 4 }, 1, 1, 1, RGB10 },
	{ FOURCC('A', 'B', '3', '0'), 1, { 4 }, 1, 1, 1, ALPHA | RGB10 },
};

TEST(get_info_exact)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(expected); i++) {
		struct sysmem_format_info info;

		memset(&info, 0xa5, sizeof(info));
		ASSERT_EQ(0, sysmem_format_get_info(expected[i].fourcc, &info));
		EXPECT_EQ(0, memcmp(&expected[i], &info, sizeof(info)))
			TH_LOG("format %.4s differs", (const char *)&expected[i].fourcc);
	}
}

TEST(get_info_unknown)
{
	struct sysmem_format_info info, before;

	memset(&info, 0x5a, sizeof(info));
	before = info;
	/* "do not care" has no layout; "ABCD" is no format at all. */
	EXPECT_EQ(-EINVAL, sysmem_format_get_info(SYSMEM_FORMAT_DO_NOT_CARE,
						  &info));
	EXPECT_EQ(-EINVAL, sysmem_format_get_info(FOURCC('A', 'B', 'C', 'D'),
						  &info));
	/* A format with a different byte order of the same letters. */
	EXPECT_EQ(-EINVAL, sysmem_format_get_info(FOURCC('4', '2', 'R', 'X'),
						  &info));
	EXPECT_EQ(0, memcmp(&before, &info, sizeof(info)));
	EXPECT_EQ(-EINVAL, sysmem_format_get_info(FOURCC('X', 'R', '2', '4'),
						  NULL));
}

TEST(known_list)
{
	unsigned int i, j, n = sysmem_format_known_count();

	/* The 32 formats of the table, in its fixed order. */
	ASSERT_EQ(32, n);
	EXPECT_EQ(FOURCC('X', 'R', '2', '4'), sysmem_format_known_at(0));
	EXPECT_EQ(FOURCC('N', 'V', '1', '2'), sysmem_format_known_at(14));
	EXPECT_EQ(FOURCC('Y', '2', '1', '0'), sysmem_format_known_at(31));
	EXPECT_EQ(0, sysmem_format_known_at(32));
	EXPECT_EQ(0, sysmem_format_known_at(~0u));

	for (i = 0; i < n; i++) {
		struct sysmem_format_info info;
		__u32 fourcc = sysmem_format_known_at(i);
		unsigned int p;

		ASSERT_NE(0, fourcc);
		ASSERT_EQ(0, sysmem_format_get_info(fourcc, &info));
		EXPECT_EQ(fourcc, info.fourcc);
		EXPECT_GE(info.nr_planes, 1);
		EXPECT_LE(info.nr_planes, SYSMEM_MAX_PLANES);
		for (p = 0; p < SYSMEM_MAX_PLANES; p++) {
			if (p < info.nr_planes) {
				EXPECT_NE(0, info.bytes_per_sample[p]);
			} else {
				EXPECT_EQ(0, info.bytes_per_sample[p]);
			}
		}
		/* Packed blocks only in one-plane formats. */
		if (info.block_width != 1) {
			EXPECT_EQ(1, info.nr_planes);
		}
		if (info.nr_planes == 1) {
			EXPECT_EQ(1, info.hsub);
			EXPECT_EQ(1, info.vsub);
		}
		for (j = 0; j < i; j++)
			EXPECT_NE(fourcc, sysmem_format_known_at(j));
	}
}

TEST_HARNESS_MAIN
