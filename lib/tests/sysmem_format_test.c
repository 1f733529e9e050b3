// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for lib/sysmem_format.c.  Every expected number is
 * worked out by hand in the comment next to it, from the layout rule of
 * sysmem_format.h: planes packed from offset 0; plane 0 has height rows
 * of bytes_per_row; chroma plane p has height / vsub rows of
 * bytes_per_row * cpp[p] / (cpp[0] * hsub) bytes.
 */
#include "kselftest_harness.h"
#include "sysmem_format.h"
#include "sysmem_math.h"

#define P2_62	0x4000000000000000ULL	/* 2^62 */
#define P2_63	0x8000000000000000ULL	/* 2^63 */

/* Everything one format is expected to report, and one layout of it. */
struct fmt_case {
	u32 fourcc;
	u8 nr_planes;
	u32 width_align;
	u32 height_align;
	u32 divisor;
	/* sysmem_format_min_bytes_per_row(width) == min_bpr */
	u32 width;
	u64 min_bpr;
	/* sysmem_format_layout(lw, lh, bpr) */
	u32 lw;
	u32 lh;
	u64 bpr;
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];
	u64 image_size;
};

/* Filled into outputs before a call, to see what the call wrote. */
static void poison(struct sysmem_plane_layout *planes, u64 *image_size)
{
	memset(planes, 0xa5, sizeof(*planes) * SYSMEM_FORMAT_MAX_PLANES);
	*image_size = 0xa5a5a5a5a5a5a5a5ULL;
}

/* True when poison() left everything as it was. */
static bool poisoned(const struct sysmem_plane_layout *planes, u64 image_size)
{
	const unsigned char *b = (const unsigned char *)planes;
	size_t i;

	for (i = 0; i < sizeof(*planes) * SYSMEM_FORMAT_MAX_PLANES; i++)
		if (b[i] != 0xa5)
			return false;
	return image_size == 0xa5a5a5a5a5a5a5a5ULL;
}

/* Layout of @fourcc must be refused without writing anything. */
static void expect_reject(struct __test_metadata *_metadata, u32 fourcc,
			  u32 w, u32 h, u64 bpr)
{
	const struct sysmem_format_desc *f = sysmem_format_lookup(fourcc);
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];
	u64 size;

	EXPECT_NE(NULL, f);
	poison(planes, &size);
	EXPECT_TRUE(sysmem_format_layout(f, w, h, bpr, planes, &size));
	EXPECT_TRUE(poisoned(planes, size));
}

/* Layout of @fourcc must succeed; returns the image size. */
static u64 expect_layout(struct __test_metadata *_metadata, u32 fourcc,
			 u32 w, u32 h, u64 bpr,
			 struct sysmem_plane_layout *planes)
{
	const struct sysmem_format_desc *f = sysmem_format_lookup(fourcc);
	u64 size;

	EXPECT_NE(NULL, f);
	poison(planes, &size);
	EXPECT_FALSE(sysmem_format_layout(f, w, h, bpr, planes, &size));
	return size;
}

static void check_format(struct __test_metadata *_metadata,
			 const struct fmt_case *c)
{
	const struct sysmem_format_desc *f = sysmem_format_lookup(c->fourcc);
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];
	u32 wa = 0, ha = 0;
	u64 bpr = 0, size;
	unsigned int p;

	EXPECT_NE(NULL, f);
	if (!f)
		return;
	EXPECT_EQ(c->fourcc, f->fourcc);
	EXPECT_EQ(c->nr_planes, f->nr_planes);

	sysmem_format_pixel_alignment(f, &wa, &ha);
	EXPECT_EQ(c->width_align, wa);
	EXPECT_EQ(c->height_align, ha);
	EXPECT_EQ(c->divisor, sysmem_format_bytes_per_row_divisor(f));

	EXPECT_FALSE(sysmem_format_min_bytes_per_row(f, c->width, &bpr));
	EXPECT_EQ(c->min_bpr, bpr);

	size = expect_layout(_metadata, c->fourcc, c->lw, c->lh, c->bpr,
			     planes);
	EXPECT_EQ(c->image_size, size);
	for (p = 0; p < SYSMEM_FORMAT_MAX_PLANES; p++) {
		/* Unused entries of c->planes are zero, as they must be. */
		EXPECT_EQ(c->planes[p].offset, planes[p].offset);
		EXPECT_EQ(c->planes[p].bytes_per_row, planes[p].bytes_per_row);
		EXPECT_EQ(c->planes[p].height, planes[p].height);
		EXPECT_EQ(c->planes[p].size, planes[p].size);
	}
}

/*
 * The layout of a single-plane image: one plane, pitch * rows bytes, and
 * an image of the same size (spelled twice, the macro using each argument
 * once).
 */
#define ONE_PLANE(pitch, rows, sz, image_sz)				\
	.planes = { { .offset = 0, .bytes_per_row = (pitch),		\
		      .height = (rows), .size = (sz) } },		\
	.image_size = (image_sz)

/*
 * 32-bit RGB: 4 bytes per pixel, alignment 1x1, divisor 4.
 * min bytes per row of 1366 pixels: 1366 * 4 = 5464.
 * 1366x768 with the pitch rounded up to 64: 5464 / 64 = 85.4 -> 86 * 64
 * = 5504; size 5504 * 768 = 5504 * 700 + 5504 * 68 = 3852800 + 374272
 * = 4227072.
 */
#define RGB32_CASE(fmt)							\
	{ .fourcc = (fmt), .nr_planes = 1, .width_align = 1,		\
	  .height_align = 1, .divisor = 4, .width = 1366,		\
	  .min_bpr = 5464, .lw = 1366, .lh = 768, .bpr = 5504,		\
	  ONE_PLANE(5504, 768, 4227072, 4227072) }

TEST(xrgb8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_XRGB8888);

	check_format(_metadata, &c);
}

TEST(argb8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_ARGB8888);

	check_format(_metadata, &c);
}

TEST(xbgr8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_XBGR8888);

	check_format(_metadata, &c);
}

TEST(abgr8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_ABGR8888);

	check_format(_metadata, &c);
}

TEST(rgbx8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_RGBX8888);

	check_format(_metadata, &c);
}

TEST(rgba8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_RGBA8888);

	check_format(_metadata, &c);
}

TEST(bgrx8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_BGRX8888);

	check_format(_metadata, &c);
}

TEST(bgra8888)
{
	static const struct fmt_case c = RGB32_CASE(SYSMEM_FMT_BGRA8888);

	check_format(_metadata, &c);
}

/*
 * RGB888 and BGR888: 3 bytes per pixel, alignment 1x1, divisor 3.
 * min bytes per row of 1366 pixels: 1366 * 3 = 4098.
 * 1366x768 with the pitch rounded up to lcm(64, 3) = 192: 4098 / 192 =
 * 21.3 -> 22 * 192 = 4224; size 4224 * 768 = 4000 * 768 + 224 * 768 =
 * 3072000 + 172032 = 3244032.
 */
#define RGB24_CASE(fmt)							\
	{ .fourcc = (fmt), .nr_planes = 1, .width_align = 1,		\
	  .height_align = 1, .divisor = 3, .width = 1366,		\
	  .min_bpr = 4098, .lw = 1366, .lh = 768, .bpr = 4224,		\
	  ONE_PLANE(4224, 768, 3244032, 3244032) }

TEST(rgb888)
{
	static const struct fmt_case c = RGB24_CASE(SYSMEM_FMT_RGB888);

	check_format(_metadata, &c);
}

TEST(bgr888)
{
	static const struct fmt_case c = RGB24_CASE(SYSMEM_FMT_BGR888);

	check_format(_metadata, &c);
}

TEST(rgb565)
{
	/*
	 * 2 bytes per pixel, alignment 1x1, divisor 2.
	 * min bytes per row of 1366: 1366 * 2 = 2732.
	 * 1366x768, tight pitch 2732: 2732 * 768 = 2700 * 768 + 32 * 768
	 * = 2073600 + 24576 = 2098176.
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_RGB565, .nr_planes = 1,
		.width_align = 1, .height_align = 1, .divisor = 2,
		.width = 1366, .min_bpr = 2732,
		.lw = 1366, .lh = 768, .bpr = 2732,
		ONE_PLANE(2732, 768, 2098176, 2098176),
	};

	check_format(_metadata, &c);
}

TEST(r8)
{
	/*
	 * 1 byte per pixel, alignment 1x1, divisor 1.
	 * min bytes per row of 1366: 1366.
	 * 3x5 with an odd pitch of 3: 3 * 5 = 15.
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_R8, .nr_planes = 1,
		.width_align = 1, .height_align = 1, .divisor = 1,
		.width = 1366, .min_bpr = 1366,
		.lw = 3, .lh = 5, .bpr = 3,
		ONE_PLANE(3, 5, 15, 15),
	};
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];

	check_format(_metadata, &c);
	/* 1366x768, pitch 1366: 1000 * 768 + 366 * 768 = 1049088. */
	EXPECT_EQ(1049088, expect_layout(_metadata, SYSMEM_FMT_R8, 1366, 768,
					 1366, planes));
}

TEST(r16)
{
	/*
	 * 2 bytes per pixel, alignment 1x1, divisor 2.
	 * min bytes per row of 641: 641 * 2 = 1282.
	 * 641x481 with pitch 1284: 1284 * 481 = 1284 * 400 + 1284 * 81 =
	 * 513600 + 104004 = 617604.
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_R16, .nr_planes = 1,
		.width_align = 1, .height_align = 1, .divisor = 2,
		.width = 641, .min_bpr = 1282,
		.lw = 641, .lh = 481, .bpr = 1284,
		ONE_PLANE(1284, 481, 617604, 617604),
	};

	check_format(_metadata, &c);
	/* 1283 is odd: not a multiple of 2 bytes. */
	expect_reject(_metadata, SYSMEM_FMT_R16, 641, 481, 1283);
}

TEST(gr88)
{
	/*
	 * 2 bytes per pixel, alignment 1x1, divisor 2.
	 * min bytes per row of 640: 640 * 2 = 1280.
	 * 640x480, pitch 1280: 1280 * 480 = 614400.
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_GR88, .nr_planes = 1,
		.width_align = 1, .height_align = 1, .divisor = 2,
		.width = 640, .min_bpr = 1280,
		.lw = 640, .lh = 480, .bpr = 1280,
		ONE_PLANE(1280, 480, 614400, 614400),
	};

	check_format(_metadata, &c);
}

TEST(nv12)
{
	/*
	 * Y 1 byte, UV 2 bytes per chroma sample, 4:2:0: alignment 2x2,
	 * divisor cpp[0] * hsub = 1 * 2 = 2.
	 * min bytes per row of 1920: 1920.
	 * 1920x1080, pitch 1920:
	 *   Y:  offset 0, pitch 1920, 1080 rows, 1920 * 1080 = 2073600
	 *   UV: offset 2073600, pitch 1920 * 2 / (1 * 2) = 1920,
	 *       1080 / 2 = 540 rows, 1920 * 540 = 1036800
	 *   image: 2073600 + 1036800 = 3110400
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_NV12, .nr_planes = 2,
		.width_align = 2, .height_align = 2, .divisor = 2,
		.width = 1920, .min_bpr = 1920,
		.lw = 1920, .lh = 1080, .bpr = 1920,
		.planes = {
			{ 0, 1920, 1080, 2073600 },
			{ 2073600, 1920, 540, 1036800 },
		},
		.image_size = 3110400,
	};
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];
	const struct sysmem_format_desc *f;
	u64 bpr = 0;

	check_format(_metadata, &c);

	/*
	 * The pitch rounded up to a 256-byte divisor: lcm(2, 256) = 256,
	 * 1920 -> 2048.
	 *   Y:  offset 0, pitch 2048, 1080 rows, 2048 * 1080 = 2211840
	 *   UV: offset 2211840, pitch 2048, 540 rows, 2048 * 540 = 1105920
	 *   image: 2211840 + 1105920 = 3317760
	 */
	f = sysmem_format_lookup(SYSMEM_FMT_NV12);
	EXPECT_FALSE(sysmem_lcm_overflow(sysmem_format_bytes_per_row_divisor(f),
					 256, &bpr));
	EXPECT_EQ(256, bpr);
	EXPECT_FALSE(sysmem_align_up_overflow(1920, bpr, &bpr));
	EXPECT_EQ(2048, bpr);
	EXPECT_EQ(3317760, expect_layout(_metadata, SYSMEM_FMT_NV12, 1920,
					 1080, bpr, planes));
	EXPECT_EQ(0, planes[0].offset);
	EXPECT_EQ(2048, planes[0].bytes_per_row);
	EXPECT_EQ(1080, planes[0].height);
	EXPECT_EQ(2211840, planes[0].size);
	EXPECT_EQ(2211840, planes[1].offset);
	EXPECT_EQ(2048, planes[1].bytes_per_row);
	EXPECT_EQ(540, planes[1].height);
	EXPECT_EQ(1105920, planes[1].size);
	EXPECT_EQ(0, planes[2].offset);
	EXPECT_EQ(0, planes[2].bytes_per_row);
	EXPECT_EQ(0, planes[2].height);
	EXPECT_EQ(0, planes[2].size);
}

TEST(nv21)
{
	/*
	 * As NV12 (V before U in the chroma pair): alignment 2x2,
	 * divisor 2.  min bytes per row of 1280: 1280.
	 * 1280x720, pitch 1280:
	 *   Y:  offset 0, pitch 1280, 720 rows, 1280 * 720 = 921600
	 *   UV: offset 921600, pitch 1280 * 2 / 2 = 1280, 360 rows,
	 *       1280 * 360 = 460800
	 *   image: 921600 + 460800 = 1382400
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_NV21, .nr_planes = 2,
		.width_align = 2, .height_align = 2, .divisor = 2,
		.width = 1280, .min_bpr = 1280,
		.lw = 1280, .lh = 720, .bpr = 1280,
		.planes = {
			{ 0, 1280, 720, 921600 },
			{ 921600, 1280, 360, 460800 },
		},
		.image_size = 1382400,
	};

	check_format(_metadata, &c);
}

TEST(nv16)
{
	/*
	 * 4:2:2: alignment 2x1, divisor 1 * 2 = 2.
	 * min bytes per row of 1280: 1280.
	 * 640x481 (odd height is fine with vsub 1), pitch 640:
	 *   Y:  offset 0, pitch 640, 481 rows, 640 * 481 = 307840
	 *   UV: offset 307840, pitch 640 * 2 / 2 = 640, 481 rows, 307840
	 *   image: 2 * 307840 = 615680
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_NV16, .nr_planes = 2,
		.width_align = 2, .height_align = 1, .divisor = 2,
		.width = 1280, .min_bpr = 1280,
		.lw = 640, .lh = 481, .bpr = 640,
		.planes = {
			{ 0, 640, 481, 307840 },
			{ 307840, 640, 481, 307840 },
		},
		.image_size = 615680,
	};

	check_format(_metadata, &c);
	/* Width 641 is odd. */
	expect_reject(_metadata, SYSMEM_FMT_NV16, 641, 481, 642);
}

TEST(nv61)
{
	/*
	 * 4:2:2: alignment 2x1, divisor 2.
	 * min bytes per row of 1920: 1920.
	 * 1920x1080, pitch 1920:
	 *   Y:  offset 0, pitch 1920, 1080 rows, 2073600
	 *   UV: offset 2073600, pitch 1920, 1080 rows, 2073600
	 *   image: 4147200
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_NV61, .nr_planes = 2,
		.width_align = 2, .height_align = 1, .divisor = 2,
		.width = 1920, .min_bpr = 1920,
		.lw = 1920, .lh = 1080, .bpr = 1920,
		.planes = {
			{ 0, 1920, 1080, 2073600 },
			{ 2073600, 1920, 1080, 2073600 },
		},
		.image_size = 4147200,
	};

	check_format(_metadata, &c);
}

TEST(nv24)
{
	/*
	 * 4:4:4: alignment 1x1, divisor 1 * 1 = 1.
	 * min bytes per row of 641: 641.
	 * 641x481, pitch 641:
	 *   Y:  offset 0, pitch 641, 481 rows, 641 * 481 = 256400 + 51921
	 *       = 308321
	 *   UV: offset 308321, pitch 641 * 2 / 1 = 1282, 481 rows,
	 *       1282 * 481 = 616642
	 *   image: 308321 + 616642 = 924963
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_NV24, .nr_planes = 2,
		.width_align = 1, .height_align = 1, .divisor = 1,
		.width = 641, .min_bpr = 641,
		.lw = 641, .lh = 481, .bpr = 641,
		.planes = {
			{ 0, 641, 481, 308321 },
			{ 308321, 1282, 481, 616642 },
		},
		.image_size = 924963,
	};

	check_format(_metadata, &c);
}

TEST(yuv420)
{
	/*
	 * Three planes, 1 byte each, 4:2:0: alignment 2x2, divisor 2.
	 * min bytes per row of 640: 640.
	 * 640x480, pitch 640:
	 *   Y: offset 0, pitch 640, 480 rows, 307200
	 *   U: offset 307200, pitch 640 * 1 / 2 = 320, 240 rows, 76800
	 *   V: offset 384000, pitch 320, 240 rows, 76800
	 *   image: 460800
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_YUV420, .nr_planes = 3,
		.width_align = 2, .height_align = 2, .divisor = 2,
		.width = 640, .min_bpr = 640,
		.lw = 640, .lh = 480, .bpr = 640,
		.planes = {
			{ 0, 640, 480, 307200 },
			{ 307200, 320, 240, 76800 },
			{ 384000, 320, 240, 76800 },
		},
		.image_size = 460800,
	};
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];

	check_format(_metadata, &c);

	/* An odd pitch would give half-byte chroma rows. */
	expect_reject(_metadata, SYSMEM_FMT_YUV420, 640, 480, 641);
	/*
	 * 642 is even; chroma pitch 321 is odd, which is fine:
	 * Y 642 * 480 = 308160; U, V 321 * 240 = 77040 each at 308160 and
	 * 385200; image 462240.
	 */
	EXPECT_EQ(462240, expect_layout(_metadata, SYSMEM_FMT_YUV420, 640,
					480, 642, planes));
	EXPECT_EQ(321, planes[1].bytes_per_row);
	EXPECT_EQ(308160, planes[1].offset);
	EXPECT_EQ(385200, planes[2].offset);
}

TEST(yvu420)
{
	/*
	 * As YUV420 (V plane first): alignment 2x2, divisor 2.
	 * min bytes per row of 1920: 1920.
	 * 1920x1080, pitch 2048:
	 *   Y: offset 0, pitch 2048, 1080 rows, 2211840
	 *   V: offset 2211840, pitch 1024, 540 rows, 1024 * 540 = 552960
	 *   U: offset 2211840 + 552960 = 2764800, pitch 1024, 540 rows,
	 *      552960
	 *   image: 2764800 + 552960 = 3317760
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_YVU420, .nr_planes = 3,
		.width_align = 2, .height_align = 2, .divisor = 2,
		.width = 1920, .min_bpr = 1920,
		.lw = 1920, .lh = 1080, .bpr = 2048,
		.planes = {
			{ 0, 2048, 1080, 2211840 },
			{ 2211840, 1024, 540, 552960 },
			{ 2764800, 1024, 540, 552960 },
		},
		.image_size = 3317760,
	};

	check_format(_metadata, &c);
}

TEST(yuv422)
{
	/*
	 * Three planes, 1 byte each, 4:2:2: alignment 2x1, divisor 2.
	 * min bytes per row of 720: 720.
	 * 720x481, pitch 720:
	 *   Y: offset 0, pitch 720, 481 rows, 720 * 481 = 346320
	 *   U: offset 346320, pitch 360, 481 rows, 360 * 481 = 173160
	 *   V: offset 346320 + 173160 = 519480, pitch 360, 481 rows, 173160
	 *   image: 519480 + 173160 = 692640
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_YUV422, .nr_planes = 3,
		.width_align = 2, .height_align = 1, .divisor = 2,
		.width = 720, .min_bpr = 720,
		.lw = 720, .lh = 481, .bpr = 720,
		.planes = {
			{ 0, 720, 481, 346320 },
			{ 346320, 360, 481, 173160 },
			{ 519480, 360, 481, 173160 },
		},
		.image_size = 692640,
	};

	check_format(_metadata, &c);
}

TEST(yuyv)
{
	/*
	 * Two pixels in four bytes: alignment 2x1, divisor 4.
	 * min bytes per row of 1366: 1366 / 2 * 4 = 2732.
	 * 1366x768, pitch 2732 (683 blocks): 2732 * 768 = 2098176.
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_YUYV, .nr_planes = 1,
		.width_align = 2, .height_align = 1, .divisor = 4,
		.width = 1366, .min_bpr = 2732,
		.lw = 1366, .lh = 768, .bpr = 2732,
		ONE_PLANE(2732, 768, 2098176, 2098176),
	};
	const struct sysmem_format_desc *f;
	u64 bpr = 7;

	check_format(_metadata, &c);

	f = sysmem_format_lookup(SYSMEM_FMT_YUYV);
	/* Half a block. */
	EXPECT_TRUE(sysmem_format_min_bytes_per_row(f, 1365, &bpr));
	EXPECT_EQ(7, bpr);
	expect_reject(_metadata, SYSMEM_FMT_YUYV, 1365, 768, 2732);
	/* 2734 is 683.5 blocks. */
	expect_reject(_metadata, SYSMEM_FMT_YUYV, 1366, 768, 2734);
}

TEST(uyvy)
{
	/*
	 * As YUYV: alignment 2x1, divisor 4.
	 * min bytes per row of 640: 640 / 2 * 4 = 1280.
	 * 640x481, pitch 1280: 1280 * 481 = 615680.
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_UYVY, .nr_planes = 1,
		.width_align = 2, .height_align = 1, .divisor = 4,
		.width = 640, .min_bpr = 1280,
		.lw = 640, .lh = 481, .bpr = 1280,
		ONE_PLANE(1280, 481, 615680, 615680),
	};

	check_format(_metadata, &c);
}

TEST(p010)
{
	/*
	 * Y 2 bytes, UV 4 bytes per chroma sample, 4:2:0: alignment 2x2,
	 * divisor cpp[0] * hsub = 2 * 2 = 4.
	 * min bytes per row of 1920: 1920 * 2 = 3840.
	 * 1920x1080, pitch 3840:
	 *   Y:  offset 0, pitch 3840, 1080 rows, 3840 * 1080 = 4147200
	 *   UV: offset 4147200, pitch 3840 * 4 / (2 * 2) = 3840, 540 rows,
	 *       3840 * 540 = 2073600
	 *   image: 4147200 + 2073600 = 6220800
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_P010, .nr_planes = 2,
		.width_align = 2, .height_align = 2, .divisor = 4,
		.width = 1920, .min_bpr = 3840,
		.lw = 1920, .lh = 1080, .bpr = 3840,
		.planes = {
			{ 0, 3840, 1080, 4147200 },
			{ 4147200, 3840, 540, 2073600 },
		},
		.image_size = 6220800,
	};

	check_format(_metadata, &c);
	/* 3842 is whole Y samples but half a UV sample per chroma row. */
	expect_reject(_metadata, SYSMEM_FMT_P010, 1920, 1080, 3842);
}

TEST(rgb2101010)
{
	/*
	 * 10 bits per color and 2 of alpha (or padding) in 32: as 32-bit
	 * RGB, 4 bytes per pixel, alignment 1x1, divisor 4.  1366x768
	 * with pitch 5504: 5504 * 768 = 4227072.
	 */
	static const struct fmt_case c[] = {
		RGB32_CASE(SYSMEM_FMT_XRGB2101010),
		RGB32_CASE(SYSMEM_FMT_ARGB2101010),
		RGB32_CASE(SYSMEM_FMT_XBGR2101010),
		RGB32_CASE(SYSMEM_FMT_ABGR2101010),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		check_format(_metadata, &c[i]);
	/* 5466 is not a whole number of pixels. */
	expect_reject(_metadata, SYSMEM_FMT_XRGB2101010, 1366, 768, 5466);
}

TEST(p012_p016)
{
	/*
	 * Laid out exactly as P010: Y 2 bytes, UV 4 per chroma sample,
	 * alignment 2x2, divisor 4.  1280x720, pitch 2560:
	 *   Y:  offset 0, 720 rows of 2560, 1843200
	 *   UV: offset 1843200, 360 rows of 2560 * 4 / 4 = 2560, 921600
	 *   image: 2764800
	 */
	static const struct fmt_case c[] = {
		{ .fourcc = SYSMEM_FMT_P012, .nr_planes = 2,
		  .width_align = 2, .height_align = 2, .divisor = 4,
		  .width = 1280, .min_bpr = 2560,
		  .lw = 1280, .lh = 720, .bpr = 2560,
		  .planes = {
			{ 0, 2560, 720, 1843200 },
			{ 1843200, 2560, 360, 921600 },
		  },
		  .image_size = 2764800 },
		{ .fourcc = SYSMEM_FMT_P016, .nr_planes = 2,
		  .width_align = 2, .height_align = 2, .divisor = 4,
		  .width = 1280, .min_bpr = 2560,
		  .lw = 1280, .lh = 720, .bpr = 2560,
		  .planes = {
			{ 0, 2560, 720, 1843200 },
			{ 1843200, 2560, 360, 921600 },
		  },
		  .image_size = 2764800 },
	};

	check_format(_metadata, &c[0]);
	check_format(_metadata, &c[1]);
	expect_reject(_metadata, SYSMEM_FMT_P016, 1280, 721, 2560);
}

TEST(y210)
{
	/*
	 * Packed 4:2:2, 16 bits per sample: Y0 Cb Y1 Cr in eight bytes
	 * per two pixels.  Alignment 2x1, divisor 8, 4 bytes per pixel.
	 * min bytes per row of 1366: 1366 / 2 * 8 = 5464.  1366x768,
	 * pitch 5464: 5464 * 768 = 4196352.
	 */
	static const struct fmt_case c = {
		.fourcc = SYSMEM_FMT_Y210, .nr_planes = 1,
		.width_align = 2, .height_align = 1, .divisor = 8,
		.width = 1366, .min_bpr = 5464,
		.lw = 1366, .lh = 768, .bpr = 5464,
		ONE_PLANE(5464, 768, 4196352, 4196352),
	};
	const struct sysmem_format_desc *f =
		sysmem_format_lookup(SYSMEM_FMT_Y210);

	check_format(_metadata, &c);
	EXPECT_EQ(4, sysmem_format_bytes_per_pixel(f));
	/* Half a block; 5468 is 683.5 blocks. */
	expect_reject(_metadata, SYSMEM_FMT_Y210, 1365, 768, 5464);
	expect_reject(_metadata, SYSMEM_FMT_Y210, 1366, 768, 5468);
}

/* Values worked out from the characters by hand: 'X' = 0x58 etc. */
TEST(fourcc_hex_values)
{
	/* 'X' 0x58, 'R' 0x52, '2' 0x32, '4' 0x34, first in the low byte. */
	EXPECT_EQ(0x34325258, SYSMEM_FMT_XRGB8888);
	/* 'A' 0x41 */
	EXPECT_EQ(0x34325241, SYSMEM_FMT_ARGB8888);
	/* 'A' 0x41, 'B' 0x42 */
	EXPECT_EQ(0x34324241, SYSMEM_FMT_ABGR8888);
	/* 'R' 0x52, 'G' 0x47, '1' 0x31, '6' 0x36 */
	EXPECT_EQ(0x36314752, SYSMEM_FMT_RGB565);
	/* 'R' 0x52, '8' 0x38, ' ' 0x20, ' ' 0x20 */
	EXPECT_EQ(0x20203852, SYSMEM_FMT_R8);
	/* 'N' 0x4e, 'V' 0x56, '1' 0x31, '2' 0x32 */
	EXPECT_EQ(0x3231564e, SYSMEM_FMT_NV12);
	/* 'Y' 0x59, 'U' 0x55, '1' 0x31, '2' 0x32 */
	EXPECT_EQ(0x32315559, SYSMEM_FMT_YUV420);
	/* 'Y' 0x59, 'U' 0x55, 'Y' 0x59, 'V' 0x56 */
	EXPECT_EQ(0x56595559, SYSMEM_FMT_YUYV);
	/* 'P' 0x50, '0' 0x30, '1' 0x31, '0' 0x30 */
	EXPECT_EQ(0x30313050, SYSMEM_FMT_P010);
	/* 'X' 0x58, 'R' 0x52, '3' 0x33, '0' 0x30 */
	EXPECT_EQ(0x30335258, SYSMEM_FMT_XRGB2101010);
	/* 'P' 0x50, '0' 0x30, '1' 0x31, '6' 0x36 */
	EXPECT_EQ(0x36313050, SYSMEM_FMT_P016);
	/* 'Y' 0x59, '2' 0x32, '1' 0x31, '0' 0x30 */
	EXPECT_EQ(0x30313259, SYSMEM_FMT_Y210);
	EXPECT_EQ(0, SYSMEM_FMT_DO_NOT_CARE);
}

/* The table order, with each code's four characters. */
static const struct {
	u32 fourcc;
	const char *chars;
} table_order[] = {
	{ SYSMEM_FMT_XRGB8888, "XR24" }, { SYSMEM_FMT_ARGB8888, "AR24" },
	{ SYSMEM_FMT_XBGR8888, "XB24" }, { SYSMEM_FMT_ABGR8888, "AB24" },
	{ SYSMEM_FMT_RGBX8888, "RX24" }, { SYSMEM_FMT_RGBA8888, "RA24" },
	{ SYSMEM_FMT_BGRX8888, "BX24" }, { SYSMEM_FMT_BGRA8888, "BA24" },
	{ SYSMEM_FMT_RGB888, "RG24" }, { SYSMEM_FMT_BGR888, "BG24" },
	{ SYSMEM_FMT_RGB565, "RG16" }, { SYSMEM_FMT_R8, "R8  " },
	{ SYSMEM_FMT_R16, "R16 " }, { SYSMEM_FMT_GR88, "GR88" },
	{ SYSMEM_FMT_NV12, "NV12" }, { SYSMEM_FMT_NV21, "NV21" },
	{ SYSMEM_FMT_NV16, "NV16" }, { SYSMEM_FMT_NV61, "NV61" },
	{ SYSMEM_FMT_NV24, "NV24" }, { SYSMEM_FMT_YUV420, "YU12" },
	{ SYSMEM_FMT_YVU420, "YV12" }, { SYSMEM_FMT_YUV422, "YU16" },
	{ SYSMEM_FMT_YUYV, "YUYV" }, { SYSMEM_FMT_UYVY, "UYVY" },
	{ SYSMEM_FMT_P010, "P010" },
	{ SYSMEM_FMT_XRGB2101010, "XR30" }, { SYSMEM_FMT_ARGB2101010, "AR30" },
	{ SYSMEM_FMT_XBGR2101010, "XB30" }, { SYSMEM_FMT_ABGR2101010, "AB30" },
	{ SYSMEM_FMT_P012, "P012" }, { SYSMEM_FMT_P016, "P016" },
	{ SYSMEM_FMT_Y210, "Y210" },
};

/* Every code equals its characters, little-endian, computed arithmetically. */
TEST(fourcc_chars)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(table_order); i++) {
		const unsigned char *s =
			(const unsigned char *)table_order[i].chars;
		u32 v = s[0] + s[1] * 0x100u + s[2] * 0x10000u +
			s[3] * 0x1000000u;

		EXPECT_EQ(4, strlen(table_order[i].chars));
		EXPECT_EQ(v, table_order[i].fourcc);
		EXPECT_EQ(v, SYSMEM_FOURCC(s[0], s[1], s[2], s[3]));
	}
}

TEST(iteration)
{
	bool seen[ARRAY_SIZE(table_order)] = { false };
	unsigned int i, j;

	EXPECT_EQ(32, ARRAY_SIZE(table_order));
	EXPECT_EQ(32, sysmem_format_count());
	EXPECT_EQ(SYSMEM_FORMAT_COUNT, sysmem_format_count());
	for (i = 0; i < sysmem_format_count(); i++) {
		const struct sysmem_format_desc *f = sysmem_format_at(i);

		EXPECT_NE(NULL, f);
		if (!f)
			continue;
		/* In the documented order. */
		EXPECT_EQ(table_order[i].fourcc, f->fourcc);
		/* Each exactly once. */
		for (j = 0; j < ARRAY_SIZE(table_order); j++) {
			if (table_order[j].fourcc != f->fourcc)
				continue;
			EXPECT_FALSE(seen[j]);
			seen[j] = true;
		}
		EXPECT_EQ(f, sysmem_format_lookup(f->fourcc));
	}
	for (j = 0; j < ARRAY_SIZE(table_order); j++)
		EXPECT_TRUE(seen[j]);
	EXPECT_EQ(NULL, sysmem_format_at(32));
	EXPECT_EQ(NULL, sysmem_format_at(~0u));
}

/* The invariants sysmem_format.h promises of every table entry. */
TEST(table_shape)
{
	unsigned int i, p;

	for (i = 0; i < sysmem_format_count(); i++) {
		const struct sysmem_format_desc *f = sysmem_format_at(i);

		EXPECT_NE(0, f->fourcc);
		EXPECT_GE(f->nr_planes, 1);
		EXPECT_LE(f->nr_planes, SYSMEM_FORMAT_MAX_PLANES);
		EXPECT_NE(0, f->block_w);
		EXPECT_NE(0, f->hsub);
		EXPECT_NE(0, f->vsub);
		for (p = 0; p < SYSMEM_FORMAT_MAX_PLANES; p++) {
			/* cpp is set for the planes in use, 0 beyond. */
			EXPECT_EQ(p < f->nr_planes, f->cpp[p] != 0);
		}
		if (f->nr_planes == 1) {
			EXPECT_EQ(1, f->hsub);
			EXPECT_EQ(1, f->vsub);
		} else {
			EXPECT_EQ(1, f->block_w);
			EXPECT_TRUE(f->is_yuv);
		}
		/* Whole bytes per pixel or per block. */
		EXPECT_EQ(0, f->cpp[0] % f->block_w);
	}
}

TEST(alpha_and_yuv)
{
	unsigned int i;

	for (i = 0; i < sysmem_format_count(); i++) {
		const struct sysmem_format_desc *f = sysmem_format_at(i);
		u32 c = f->fourcc;
		bool alpha = c == SYSMEM_FMT_ARGB8888 ||
			     c == SYSMEM_FMT_ABGR8888 ||
			     c == SYSMEM_FMT_RGBA8888 ||
			     c == SYSMEM_FMT_BGRA8888 ||
			     c == SYSMEM_FMT_ARGB2101010 ||
			     c == SYSMEM_FMT_ABGR2101010;
		/*
		 * Table order: the YUV formats are NV12 (index 14) to P010
		 * (24), then the four 10-bit RGB (25 to 28), then YUV again.
		 */
		bool rgb10 = i >= 25 && i <= 28;
		bool yuv = i >= 14 && !rgb10;

		EXPECT_EQ(alpha, f->has_alpha);
		EXPECT_EQ(yuv, f->is_yuv);
		EXPECT_EQ(rgb10, f->is_rgb10);
	}
}

TEST(lookup_misses)
{
	EXPECT_EQ(NULL, sysmem_format_lookup(SYSMEM_FMT_DO_NOT_CARE));
	/* DRM's YUV444 ('Y','U','2','4') is not in the table. */
	EXPECT_EQ(NULL, sysmem_format_lookup(SYSMEM_FOURCC('Y', 'U', '2', '4')));
	/* Lower case "xr24" is no code at all. */
	EXPECT_EQ(NULL, sysmem_format_lookup(SYSMEM_FOURCC('x', 'r', '2', '4')));
	EXPECT_EQ(NULL, sysmem_format_lookup(0xffffffff));
}

TEST(null_format)
{
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];
	u64 bpr = 7, size;

	EXPECT_TRUE(sysmem_format_min_bytes_per_row(NULL, 64, &bpr));
	EXPECT_EQ(7, bpr);
	poison(planes, &size);
	EXPECT_TRUE(sysmem_format_layout(NULL, 64, 64, 256, planes, &size));
	EXPECT_TRUE(poisoned(planes, size));
}

TEST(zero_and_unaligned_sizes)
{
	const struct sysmem_format_desc *f =
		sysmem_format_lookup(SYSMEM_FMT_NV12);
	u64 bpr = 7;

	EXPECT_TRUE(sysmem_format_min_bytes_per_row(f, 0, &bpr));
	EXPECT_TRUE(sysmem_format_min_bytes_per_row(f, 1919, &bpr));
	EXPECT_EQ(7, bpr);

	expect_reject(_metadata, SYSMEM_FMT_XRGB8888, 0, 768, 5504);
	expect_reject(_metadata, SYSMEM_FMT_XRGB8888, 1366, 0, 5504);
	/* 4:2:0 needs an even width and an even height. */
	expect_reject(_metadata, SYSMEM_FMT_NV12, 1919, 1080, 1920);
	expect_reject(_metadata, SYSMEM_FMT_NV12, 1920, 1079, 1920);
	expect_reject(_metadata, SYSMEM_FMT_YUV420, 641, 480, 642);
	expect_reject(_metadata, SYSMEM_FMT_YUV420, 640, 481, 640);
	expect_reject(_metadata, SYSMEM_FMT_P010, 1920, 1079, 3840);
	/* 4:2:2 takes an odd height, not an odd width. */
	expect_reject(_metadata, SYSMEM_FMT_YUV422, 719, 481, 720);
}

TEST(bad_bytes_per_row)
{
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];

	/* Below the minimum: 1366 * 4 = 5464. */
	expect_reject(_metadata, SYSMEM_FMT_XRGB8888, 1366, 768, 5460);
	expect_reject(_metadata, SYSMEM_FMT_NV12, 1920, 1080, 1918);
	/* Not a whole number of pixels: 5466 = 1366.5 * 4. */
	expect_reject(_metadata, SYSMEM_FMT_XRGB8888, 1366, 768, 5466);
	/* RGB888: 4098 is the minimum; 4100 is not a multiple of 3. */
	expect_reject(_metadata, SYSMEM_FMT_RGB888, 1366, 768, 4100);
	/* 4101 = 1367 * 3 is: 4101 * 768 = 3149568. */
	EXPECT_EQ(3149568, expect_layout(_metadata, SYSMEM_FMT_RGB888, 1366,
					 768, 4101, planes));
	/* RGB888 at the exact minimum: 4098 * 768 = 3147264. */
	EXPECT_EQ(3147264, expect_layout(_metadata, SYSMEM_FMT_RGB888, 1366,
					 768, 4098, planes));
	/* NV12: 1921 leaves the UV rows half a sample. */
	expect_reject(_metadata, SYSMEM_FMT_NV12, 1920, 1080, 1921);
}

TEST(unused_planes_zeroed)
{
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];
	unsigned int p;

	/* 64x64 XRGB8888, pitch 256: 256 * 64 = 16384. */
	EXPECT_EQ(16384, expect_layout(_metadata, SYSMEM_FMT_XRGB8888, 64, 64,
				       256, planes));
	for (p = 1; p < SYSMEM_FORMAT_MAX_PLANES; p++) {
		EXPECT_EQ(0, planes[p].offset);
		EXPECT_EQ(0, planes[p].bytes_per_row);
		EXPECT_EQ(0, planes[p].height);
		EXPECT_EQ(0, planes[p].size);
	}
	/* 64x64 NV12, pitch 64: Y 4096, UV 64 * 32 = 2048, total 6144. */
	EXPECT_EQ(6144, expect_layout(_metadata, SYSMEM_FMT_NV12, 64, 64, 64,
				      planes));
	EXPECT_EQ(0, planes[2].offset);
	EXPECT_EQ(0, planes[2].bytes_per_row);
	EXPECT_EQ(0, planes[2].height);
	EXPECT_EQ(0, planes[2].size);
}

TEST(min_bytes_per_row_large)
{
	const struct sysmem_format_desc *f;
	u64 bpr = 7;

	/* 0xffffffff * 4 = 0x3fffffffc = 17179869180: fits a u64. */
	f = sysmem_format_lookup(SYSMEM_FMT_XRGB8888);
	EXPECT_FALSE(sysmem_format_min_bytes_per_row(f, 0xffffffff, &bpr));
	EXPECT_EQ(0x3fffffffcULL, bpr);
	EXPECT_EQ(17179869180ULL, bpr);
	/* RGB888: 0xffffffff * 3 = 0x2fffffffd = 12884901885. */
	f = sysmem_format_lookup(SYSMEM_FMT_RGB888);
	EXPECT_FALSE(sysmem_format_min_bytes_per_row(f, 0xffffffff, &bpr));
	EXPECT_EQ(12884901885ULL, bpr);
	/* YUYV: 0xfffffffe / 2 * 4 = 0x7fffffff * 4 = 0x1fffffffc. */
	f = sysmem_format_lookup(SYSMEM_FMT_YUYV);
	EXPECT_FALSE(sysmem_format_min_bytes_per_row(f, 0xfffffffe, &bpr));
	EXPECT_EQ(0x1fffffffcULL, bpr);
	/* P010: 0xfffffffe * 2 = 0x1fffffffc. */
	f = sysmem_format_lookup(SYSMEM_FMT_P010);
	EXPECT_FALSE(sysmem_format_min_bytes_per_row(f, 0xfffffffe, &bpr));
	EXPECT_EQ(0x1fffffffcULL, bpr);
}

TEST(layout_large_fits)
{
	struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES];

	/*
	 * R8, 0xffffffff square, tight: (2^32 - 1)^2 = 2^64 - 2^33 + 1 =
	 * 0xfffffffe00000001.
	 */
	EXPECT_EQ(0xfffffffe00000001ULL,
		  expect_layout(_metadata, SYSMEM_FMT_R8, 0xffffffff,
				0xffffffff, 0xffffffff, planes));
	/* R8, one row of UINT64_MAX bytes: exactly the largest u64. */
	EXPECT_EQ(UINT64_MAX, expect_layout(_metadata, SYSMEM_FMT_R8, 1, 1,
					    UINT64_MAX, planes));
	/* XRGB8888, one row of 2^63 bytes. */
	EXPECT_EQ(P2_63, expect_layout(_metadata, SYSMEM_FMT_XRGB8888, 4, 1,
				       P2_63, planes));
	/*
	 * NV12 2x2, pitch 2^62: Y 2 * 2^62 = 2^63; UV at 2^63, pitch 2^62,
	 * 1 row; image 2^63 + 2^62.
	 */
	EXPECT_EQ(P2_63 + P2_62, expect_layout(_metadata, SYSMEM_FMT_NV12, 2,
					       2, P2_62, planes));
	EXPECT_EQ(P2_63, planes[1].offset);
	EXPECT_EQ(P2_62, planes[1].size);
}

TEST(layout_overflow)
{
	/* R8, two rows of UINT64_MAX bytes. */
	expect_reject(_metadata, SYSMEM_FMT_R8, 1, 2, UINT64_MAX);
	/* XRGB8888, two rows of 2^63: plane size 2^64. */
	expect_reject(_metadata, SYSMEM_FMT_XRGB8888, 4, 2, P2_63);
	/* XRGB8888, the largest width and height, tight: about 2^66. */
	expect_reject(_metadata, SYSMEM_FMT_XRGB8888, 0xffffffff, 0xffffffff,
		      0x3fffffffcULL);
	/*
	 * NV12 2x2, pitch 2^63 - 2: Y (2^63 - 2) * 2 = 2^64 - 4 fits, the
	 * UV plane (2^63 - 2 bytes) ends past 2^64.
	 */
	expect_reject(_metadata, SYSMEM_FMT_NV12, 2, 2, P2_63 - 2);
	/*
	 * YUV420 2x2, pitch 2^63 - 2: Y 2^64 - 4 fits, U (2^62 - 1 bytes)
	 * at 2^64 - 4 ends past 2^64.
	 */
	expect_reject(_metadata, SYSMEM_FMT_YUV420, 2, 2, P2_63 - 2);
	/* NV24 1x1, pitch 2^63: Y fits, the UV pitch 2^63 * 2 does not. */
	expect_reject(_metadata, SYSMEM_FMT_NV24, 1, 1, P2_63);
	/* P010 2x2, pitch near 2^64: Y rows alone overflow. */
	expect_reject(_metadata, SYSMEM_FMT_P010, 2, 2, UINT64_MAX - 3);
}

/*
 * For every format and small sizes: a pitch is accepted exactly when it
 * is at least the minimum and a multiple of the divisor, and then every
 * chroma pitch is exact (pitch * cpp[p] / (cpp[0] * hsub) with no
 * remainder), a whole number of samples, and wide enough for its row.
 */
TEST(divisor_is_exact)
{
	unsigned int i, p;
	u32 w, h, k;

	for (i = 0; i < sysmem_format_count(); i++) {
		const struct sysmem_format_desc *f = sysmem_format_at(i);
		u32 d = sysmem_format_bytes_per_row_divisor(f);
		u32 wa, ha;

		sysmem_format_pixel_alignment(f, &wa, &ha);
		for (w = wa; w <= 8 * wa; w += wa) {
			u64 min;

			EXPECT_FALSE(sysmem_format_min_bytes_per_row(f, w,
								     &min));
			EXPECT_EQ(0, min % d);
			for (h = ha; h <= 4 * ha; h += ha) {
				for (k = 0; k < 3 * d; k++) {
					struct sysmem_plane_layout pl[3];
					u64 bpr = min + k, size;
					bool bad = bpr % d;

					EXPECT_EQ(bad,
						  sysmem_format_layout(f, w, h,
								       bpr, pl,
								       &size));
					if (bad)
						continue;
					EXPECT_EQ(bpr * h, pl[0].size);
					for (p = 1; p < f->nr_planes; p++) {
						u64 cp = pl[p].bytes_per_row;

						EXPECT_EQ(bpr * f->cpp[p],
							  cp * f->cpp[0] *
							  f->hsub);
						EXPECT_EQ(0, cp % f->cpp[p]);
						EXPECT_GE(cp, (u64)w / f->hsub *
							  f->cpp[p]);
						EXPECT_EQ(h / f->vsub,
							  pl[p].height);
						EXPECT_EQ(pl[p - 1].offset +
							  pl[p - 1].size,
							  pl[p].offset);
					}
					p = f->nr_planes - 1;
					EXPECT_EQ(pl[p].offset + pl[p].size,
						  size);
				}
			}
		}
	}
}

/*
 * sysmem_format_layout_aligned(): plane offsets rounded up to the
 * divisor, the image size still the end of the last plane.
 */
TEST(layout_aligned_offsets)
{
	const struct sysmem_format_desc *nv12 =
		sysmem_format_lookup(SYSMEM_FMT_NV12);
	const struct sysmem_format_desc *yuv420 =
		sysmem_format_lookup(SYSMEM_FMT_YUV420);
	const struct sysmem_format_desc *xrgb =
		sysmem_format_lookup(SYSMEM_FMT_XRGB8888);
	struct sysmem_plane_layout a[SYSMEM_FORMAT_MAX_PLANES];
	struct sysmem_plane_layout b[SYSMEM_FORMAT_MAX_PLANES];
	u64 sa, sb;

	/*
	 * NV12 1920x1080, pitch 1920, divisor 4096: Y 1920 * 1080 =
	 * 2073600 = 506.25 * 4096, so UV starts at 507 * 4096 = 2076672;
	 * UV 1920 * 540 = 1036800; image 2076672 + 1036800 = 3113472.
	 */
	poison(a, &sa);
	ASSERT_FALSE(sysmem_format_layout_aligned(nv12, 1920, 1080, 1920,
						  4096, a, &sa));
	EXPECT_EQ(0, a[0].offset);
	EXPECT_EQ(2073600, a[0].size);
	EXPECT_EQ(2076672, a[1].offset);
	EXPECT_EQ(1920, a[1].bytes_per_row);
	EXPECT_EQ(540, a[1].height);
	EXPECT_EQ(1036800, a[1].size);
	EXPECT_EQ(0, a[2].offset);
	EXPECT_EQ(0, a[2].size);
	EXPECT_EQ(3113472, sa);

	/*
	 * YUV420 1920x1080, pitch 1920, divisor 4096: Y 2073600, U at
	 * 2076672 with pitch 960 and 540 rows (518400 bytes), ending at
	 * 2595072 = 633.56 * 4096; V at 634 * 4096 = 2596864, 518400
	 * bytes; image 2596864 + 518400 = 3115264.
	 */
	poison(a, &sa);
	ASSERT_FALSE(sysmem_format_layout_aligned(yuv420, 1920, 1080, 1920,
						  4096, a, &sa));
	EXPECT_EQ(2076672, a[1].offset);
	EXPECT_EQ(960, a[1].bytes_per_row);
	EXPECT_EQ(518400, a[1].size);
	EXPECT_EQ(2596864, a[2].offset);
	EXPECT_EQ(518400, a[2].size);
	EXPECT_EQ(3115264, sa);

	/* Divisors 0 and 1, and one the planes already meet, change nothing. */
	poison(b, &sb);
	ASSERT_FALSE(sysmem_format_layout(yuv420, 1920, 1080, 1920, b, &sb));
	EXPECT_EQ(2073600 + 518400, b[2].offset);
	poison(a, &sa);
	ASSERT_FALSE(sysmem_format_layout_aligned(yuv420, 1920, 1080, 1920, 0,
						  a, &sa));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	EXPECT_EQ(sb, sa);
	poison(a, &sa);
	ASSERT_FALSE(sysmem_format_layout_aligned(yuv420, 1920, 1080, 1920, 1,
						  a, &sa));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	/* 2073600 and 2592000 are multiples of 64. */
	poison(a, &sa);
	ASSERT_FALSE(sysmem_format_layout_aligned(yuv420, 1920, 1080, 1920,
						  64, a, &sa));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	EXPECT_EQ(sb, sa);

	/* One plane: nothing to pad; the divisor does not round the size. */
	poison(a, &sa);
	ASSERT_FALSE(sysmem_format_layout_aligned(xrgb, 3, 3, 12, 4096, a,
						  &sa));
	EXPECT_EQ(36, sa);

	/* Refused like sysmem_format_layout(), writing nothing. */
	poison(a, &sa);
	EXPECT_TRUE(sysmem_format_layout_aligned(nv12, 3, 2, 4, 4096, a,
						 &sa));
	EXPECT_TRUE(poisoned(a, sa));
	/*
	 * NV12 2x2, pitch 2^62 - 2: Y (2^62 - 2) * 2 = 2^63 - 4, rounded up
	 * to the divisor 2^63 + 2^62: UV at 2^63 + 2^62; the UV plane (one
	 * row of 2^62 - 2 bytes) ends at 2^64 - 2, which fits.
	 */
	poison(a, &sa);
	ASSERT_FALSE(sysmem_format_layout_aligned(nv12, 2, 2, P2_62 - 2,
						  P2_63 + P2_62, a, &sa));
	EXPECT_EQ(P2_63 + P2_62, a[1].offset);
	EXPECT_EQ(UINT64_MAX - 1, sa);
	/*
	 * NV12 2x2, pitch 2^62 + 2: Y ends at 2^63 + 4; the next multiple
	 * of 2^63 + 2 is 2^64 + 4, past 2^64: the UV offset overflows.
	 */
	poison(a, &sa);
	EXPECT_TRUE(sysmem_format_layout_aligned(nv12, 2, 2, P2_62 + 2,
						 P2_63 + 2, a, &sa));
	EXPECT_TRUE(poisoned(a, sa));
}

/* cpp[0] / block_w, and the divisor is always a multiple of it. */
TEST(bytes_per_pixel)
{
	static const struct {
		u32 fourcc;
		u32 bpp;
	} cases[8] = {
		{ SYSMEM_FMT_XRGB8888, 4 }, { SYSMEM_FMT_RGB888, 3 },
		{ SYSMEM_FMT_RGB565, 2 }, { SYSMEM_FMT_R8, 1 },
		{ SYSMEM_FMT_NV12, 1 }, { SYSMEM_FMT_P010, 2 },
		{ SYSMEM_FMT_YUYV, 2 }, { SYSMEM_FMT_UYVY, 2 },
	};
	unsigned int i;

	for (i = 0; i < 8; i++) {
		const struct sysmem_format_desc *f =
			sysmem_format_lookup(cases[i].fourcc);

		EXPECT_EQ(cases[i].bpp, sysmem_format_bytes_per_pixel(f));
	}
	EXPECT_EQ(SYSMEM_FORMAT_COUNT, sysmem_format_count());
	for (i = 0; i < sysmem_format_count(); i++) {
		const struct sysmem_format_desc *f = sysmem_format_at(i);

		EXPECT_EQ(0, sysmem_format_bytes_per_row_divisor(f) %
			     sysmem_format_bytes_per_pixel(f));
	}
}

TEST_HARNESS_MAIN
