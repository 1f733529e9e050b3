// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Image format descriptions and layout arithmetic, shared by the module,
 * libsysmem and the host tests.  The layout rule and the row pitch divisor
 * are documented in sysmem_format.h; every size is computed with the
 * overflow-checked helpers of sysmem_math.h.
 */
#include "sysmem_format.h"
#include "sysmem_math.h"

/*
 * How many formats the table holds.  Spelled out because the host build
 * has no ARRAY_SIZE(); an entry too many draws an "excess elements"
 * warning (an error under -Werror) and an entry too few leaves a zero
 * fourcc, which the unit tests catch.
 */
#define SYSMEM_NR_FORMATS	SYSMEM_FORMAT_COUNT

/*
 * The formats, in the order sysmem_format_at() reports them.  cpp counts
 * bytes per block of block_w pixels in plane 0 and bytes per chroma
 * sample in planes 1 and up.
 */
static const struct sysmem_format_desc sysmem_formats[SYSMEM_NR_FORMATS] = {
	/* 32-bit RGB */
	{ .fourcc = SYSMEM_FMT_XRGB8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_ARGB8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .has_alpha = true },
	{ .fourcc = SYSMEM_FMT_XBGR8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_ABGR8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .has_alpha = true },
	{ .fourcc = SYSMEM_FMT_RGBX8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_RGBA8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .has_alpha = true },
	{ .fourcc = SYSMEM_FMT_BGRX8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_BGRA8888, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .has_alpha = true },
	/* 24- and 16-bit RGB */
	{ .fourcc = SYSMEM_FMT_RGB888, .nr_planes = 1, .cpp = { 3 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_BGR888, .nr_planes = 1, .cpp = { 3 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_RGB565, .nr_planes = 1, .cpp = { 2 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	/* one or two channels */
	{ .fourcc = SYSMEM_FMT_R8, .nr_planes = 1, .cpp = { 1 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_R16, .nr_planes = 1, .cpp = { 2 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	{ .fourcc = SYSMEM_FMT_GR88, .nr_planes = 1, .cpp = { 2 },
	  .block_w = 1, .hsub = 1, .vsub = 1 },
	/* Y plane and interleaved chroma plane */
	{ .fourcc = SYSMEM_FMT_NV12, .nr_planes = 2, .cpp = { 1, 2 },
	  .block_w = 1, .hsub = 2, .vsub = 2, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_NV21, .nr_planes = 2, .cpp = { 1, 2 },
	  .block_w = 1, .hsub = 2, .vsub = 2, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_NV16, .nr_planes = 2, .cpp = { 1, 2 },
	  .block_w = 1, .hsub = 2, .vsub = 1, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_NV61, .nr_planes = 2, .cpp = { 1, 2 },
	  .block_w = 1, .hsub = 2, .vsub = 1, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_NV24, .nr_planes = 2, .cpp = { 1, 2 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .is_yuv = true },
	/* three planes */
	{ .fourcc = SYSMEM_FMT_YUV420, .nr_planes = 3, .cpp = { 1, 1, 1 },
	  .block_w = 1, .hsub = 2, .vsub = 2, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_YVU420, .nr_planes = 3, .cpp = { 1, 1, 1 },
	  .block_w = 1, .hsub = 2, .vsub = 2, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_YUV422, .nr_planes = 3, .cpp = { 1, 1, 1 },
	  .block_w = 1, .hsub = 2, .vsub = 1, .is_yuv = true },
	/* packed 4:2:2, two pixels in four bytes */
	{ .fourcc = SYSMEM_FMT_YUYV, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 2, .hsub = 1, .vsub = 1, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_UYVY, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 2, .hsub = 1, .vsub = 1, .is_yuv = true },
	/* 10 bits in 16, 4:2:0 */
	{ .fourcc = SYSMEM_FMT_P010, .nr_planes = 2, .cpp = { 2, 4 },
	  .block_w = 1, .hsub = 2, .vsub = 2, .is_yuv = true },
	/* 32-bit RGB, 10 bits per color (appended: table order is ABI) */
	{ .fourcc = SYSMEM_FMT_XRGB2101010, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .is_rgb10 = true },
	{ .fourcc = SYSMEM_FMT_ARGB2101010, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .has_alpha = true,
	  .is_rgb10 = true },
	{ .fourcc = SYSMEM_FMT_XBGR2101010, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .is_rgb10 = true },
	{ .fourcc = SYSMEM_FMT_ABGR2101010, .nr_planes = 1, .cpp = { 4 },
	  .block_w = 1, .hsub = 1, .vsub = 1, .has_alpha = true,
	  .is_rgb10 = true },
	/* 12 and 16 bits in 16, 4:2:0, laid out as P010 */
	{ .fourcc = SYSMEM_FMT_P012, .nr_planes = 2, .cpp = { 2, 4 },
	  .block_w = 1, .hsub = 2, .vsub = 2, .is_yuv = true },
	{ .fourcc = SYSMEM_FMT_P016, .nr_planes = 2, .cpp = { 2, 4 },
	  .block_w = 1, .hsub = 2, .vsub = 2, .is_yuv = true },
	/* packed 4:2:2, 10 bits in 16, two pixels in eight bytes */
	{ .fourcc = SYSMEM_FMT_Y210, .nr_planes = 1, .cpp = { 8 },
	  .block_w = 2, .hsub = 1, .vsub = 1, .is_yuv = true },
};

/**
 * sysmem_format_count() - number of formats in the table
 *
 * Return: how many formats sysmem_format_at() reports.
 */
unsigned int sysmem_format_count(void)
{
	return SYSMEM_NR_FORMATS;
}

/**
 * sysmem_format_at() - one format of the table, by position
 * @i: position, below sysmem_format_count()
 *
 * The order is fixed and documented in sysmem_format.h.
 *
 * Return: the @i-th format, or NULL when @i is out of range.
 */
const struct sysmem_format_desc *sysmem_format_at(unsigned int i)
{
	if (i >= sysmem_format_count())
		return NULL;
	return &sysmem_formats[i];
}

/**
 * sysmem_format_lookup() - find a format by its DRM fourcc code
 * @fourcc: a SYSMEM_FMT_* value
 *
 * Return: the format's description, or NULL for SYSMEM_FMT_DO_NOT_CARE
 * and for codes this table does not know.
 */
const struct sysmem_format_desc *sysmem_format_lookup(u32 fourcc)
{
	unsigned int i;

	if (fourcc == SYSMEM_FMT_DO_NOT_CARE)
		return NULL;
	for (i = 0; i < sysmem_format_count(); i++)
		if (sysmem_formats[i].fourcc == fourcc)
			return &sysmem_formats[i];
	return NULL;
}

/*
 * lcm of two table values, both between 1 and 255: the result is at most
 * 255 * 255, so it cannot overflow.
 */
static u32 sysmem_lcm_u8(u8 a, u8 b)
{
	return (u32)sysmem_div64(a, sysmem_gcd(a, b)) * b;
}

/**
 * sysmem_format_pixel_alignment() - width and height granularity
 * @f: a format from the table, not NULL
 * @width_align: set to lcm(@f->hsub, @f->block_w)
 * @height_align: set to @f->vsub
 *
 * Every image width must be a multiple of @width_align and every height a
 * multiple of @height_align, so chroma samples and packed blocks are
 * whole: 2x2 for 4:2:0, 2x1 for 4:2:2 (YUYV and UYVY included), 1x1 for
 * RGB and NV24.
 */
void sysmem_format_pixel_alignment(const struct sysmem_format_desc *f,
				   u32 *width_align, u32 *height_align)
{
	*width_align = sysmem_lcm_u8(f->hsub, f->block_w);
	*height_align = f->vsub;
}

/**
 * sysmem_format_bytes_per_row_divisor() - granularity of the row pitch
 * @f: a format from the table, not NULL
 *
 * Plane 0's pitch must hold whole blocks, so it is a multiple of
 * @f->cpp[0].  Chroma plane p's pitch is pitch0 * cpp[p] / (cpp[0] * hsub),
 * a whole number of cpp[p]-byte samples exactly when pitch0 is a multiple
 * of cpp[0] * hsub.  hsub is 1 for single-plane formats, so both cases
 * are covered by cpp[0] * hsub.
 *
 * Return: @f->cpp[0] * @f->hsub, the smallest divisor of every valid
 * plane-0 row pitch.
 */
u32 sysmem_format_bytes_per_row_divisor(const struct sysmem_format_desc *f)
{
	return (u32)f->cpp[0] * f->hsub;
}

/**
 * sysmem_format_min_bytes_per_row() - smallest plane-0 row pitch
 * @f: a format from the table
 * @width: image width in pixels
 * @bpr: where @width / @f->block_w * @f->cpp[0] is stored on success
 *
 * Return: true, leaving @bpr untouched, when @f is NULL, @width is 0 or
 * not a multiple of the width alignment, or the result overflows.
 */
bool sysmem_format_min_bytes_per_row(const struct sysmem_format_desc *f,
				     u32 width, u64 *bpr)
{
	u32 walign, halign;

	if (!f || !width)
		return true;
	sysmem_format_pixel_alignment(f, &walign, &halign);
	if (width % walign)
		return true;
	return sysmem_mul_overflow(width / f->block_w, f->cpp[0], bpr);
}

/**
 * sysmem_format_bytes_per_pixel() - bytes per pixel of plane 0
 * @f: a format from the table, not NULL
 *
 * Return: @f->cpp[0] / @f->block_w; exact for every table format (2 for
 * YUYV and UYVY, whose four-byte blocks hold two pixels).
 */
u32 sysmem_format_bytes_per_pixel(const struct sysmem_format_desc *f)
{
	return f->cpp[0] / f->block_w;
}

/**
 * sysmem_format_layout() - plane offsets, pitches and image size
 * @f: a format from the table
 * @width: image width in pixels
 * @height: image height in pixels
 * @bytes_per_row: plane-0 row pitch in bytes
 * @planes: filled with the layout of each plane; entries from
 *	@f->nr_planes on are zeroed
 * @image_size: set to the end of the last plane
 *
 * Planes are packed one after another with no gaps, plane 0 at offset 0.
 * Plane 0 has @height rows of @bytes_per_row bytes; chroma plane p has
 * @height / vsub rows of @bytes_per_row * cpp[p] / (cpp[0] * hsub) bytes.
 *
 * Return: true, writing nothing, when @f is NULL, @width or @height is 0
 * or not a multiple of the pixel alignment, @bytes_per_row is below the
 * minimum for @width or not a multiple of the divisor, or a value
 * overflows a u64.
 */
bool sysmem_format_layout(const struct sysmem_format_desc *f,
			  u32 width, u32 height, u64 bytes_per_row,
			  struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES],
			  u64 *image_size)
{
	return sysmem_format_layout_aligned(f, width, height, bytes_per_row, 1,
					    planes, image_size);
}

/**
 * sysmem_format_layout_aligned() - layout with aligned plane offsets
 * @f: a format from the table
 * @width: image width in pixels
 * @height: image height in pixels
 * @bytes_per_row: plane-0 row pitch in bytes
 * @offset_divisor: every plane offset is a multiple of it (0 means 1)
 * @planes: filled with the layout of each plane; entries from
 *	@f->nr_planes on are zeroed
 * @image_size: set to the end of the last plane
 *
 * As sysmem_format_layout(), except that each plane after the first
 * starts at the end of the previous plane rounded up to a multiple of
 * @offset_divisor, leaving padding between planes.  Plane 0 is at 0, a
 * multiple of anything.  The image size is the end of the last plane.
 *
 * Return: true, writing nothing, in the cases sysmem_format_layout()
 * refuses and when a rounded offset overflows a u64.
 */
bool sysmem_format_layout_aligned(const struct sysmem_format_desc *f,
				  u32 width, u32 height, u64 bytes_per_row,
				  u64 offset_divisor,
				  struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES],
				  u64 *image_size)
{
	struct sysmem_plane_layout out[SYSMEM_FORMAT_MAX_PLANES] = {};
	u32 walign, halign, divisor;
	u64 min_bpr, end = 0;
	unsigned int p;

	if (!f || !height)
		return true;
	if (!offset_divisor)
		offset_divisor = 1;
	if (sysmem_format_min_bytes_per_row(f, width, &min_bpr))
		return true;
	sysmem_format_pixel_alignment(f, &walign, &halign);
	if (height % halign)
		return true;
	divisor = sysmem_format_bytes_per_row_divisor(f);
	if (bytes_per_row < min_bpr || sysmem_mod64(bytes_per_row, divisor))
		return true;

	for (p = 0; p < f->nr_planes; p++) {
		struct sysmem_plane_layout *pl = &out[p];

		if (p == 0) {
			pl->bytes_per_row = bytes_per_row;
			pl->height = height;
		} else {
			/* Exact: bytes_per_row is a multiple of divisor. */
			if (sysmem_mul_overflow(sysmem_div64(bytes_per_row,
							     divisor),
						f->cpp[p], &pl->bytes_per_row))
				return true;
			pl->height = height / f->vsub;
		}
		if (sysmem_align_up_overflow(end, offset_divisor, &pl->offset))
			return true;
		if (sysmem_mul_overflow(pl->bytes_per_row, pl->height,
					&pl->size) ||
		    sysmem_add_overflow(pl->offset, pl->size, &end))
			return true;
	}

	for (p = 0; p < SYSMEM_FORMAT_MAX_PLANES; p++)
		planes[p] = out[p];
	*image_size = end;
	return false;
}
