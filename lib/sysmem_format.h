/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Image formats sysmem knows how to lay out: a fixed table describing each
 * format's planes, and the pure arithmetic that turns a format, a size and
 * a row pitch into plane offsets and an image size.  Shared by sysmem.ko,
 * libsysmem and the host tests; nothing here allocates or calls a library
 * function.
 */
#ifndef _SYSMEM_LIB_FORMAT_H
#define _SYSMEM_LIB_FORMAT_H

#include "sysmem_compat.h"

/*
 * Pixel formats are DRM fourcc codes: four characters, the first in the
 * least significant byte.  lib/ cannot include DRM headers on the host, so
 * the codes are spelled out here; every SYSMEM_FMT_* value equals the
 * DRM_FORMAT_* value of the same name in <drm/drm_fourcc.h>.
 */
#define SYSMEM_FOURCC(a, b, c, d)					\
	((u32)(u8)(a) | ((u32)(u8)(b) << 8) | ((u32)(u8)(c) << 16) |	\
	 ((u32)(u8)(d) << 24))

/*
 * sysmem's "do not care": the format is chosen by the other participants.
 * It has no layout and sysmem_format_lookup() does not find it.
 */
#define SYSMEM_FMT_DO_NOT_CARE	0

/* 32-bit RGB, one plane. */
#define SYSMEM_FMT_XRGB8888	SYSMEM_FOURCC('X', 'R', '2', '4')
#define SYSMEM_FMT_ARGB8888	SYSMEM_FOURCC('A', 'R', '2', '4')
#define SYSMEM_FMT_XBGR8888	SYSMEM_FOURCC('X', 'B', '2', '4')
#define SYSMEM_FMT_ABGR8888	SYSMEM_FOURCC('A', 'B', '2', '4')
#define SYSMEM_FMT_RGBX8888	SYSMEM_FOURCC('R', 'X', '2', '4')
#define SYSMEM_FMT_RGBA8888	SYSMEM_FOURCC('R', 'A', '2', '4')
#define SYSMEM_FMT_BGRX8888	SYSMEM_FOURCC('B', 'X', '2', '4')
#define SYSMEM_FMT_BGRA8888	SYSMEM_FOURCC('B', 'A', '2', '4')

/* 24- and 16-bit RGB, one plane. */
#define SYSMEM_FMT_RGB888	SYSMEM_FOURCC('R', 'G', '2', '4')
#define SYSMEM_FMT_BGR888	SYSMEM_FOURCC('B', 'G', '2', '4')
#define SYSMEM_FMT_RGB565	SYSMEM_FOURCC('R', 'G', '1', '6')

/* One or two channels, one plane. */
#define SYSMEM_FMT_R8		SYSMEM_FOURCC('R', '8', ' ', ' ')
#define SYSMEM_FMT_R16		SYSMEM_FOURCC('R', '1', '6', ' ')
#define SYSMEM_FMT_GR88		SYSMEM_FOURCC('G', 'R', '8', '8')

/* YUV, a Y plane and one interleaved chroma plane. */
#define SYSMEM_FMT_NV12		SYSMEM_FOURCC('N', 'V', '1', '2')
#define SYSMEM_FMT_NV21		SYSMEM_FOURCC('N', 'V', '2', '1')
#define SYSMEM_FMT_NV16		SYSMEM_FOURCC('N', 'V', '1', '6')
#define SYSMEM_FMT_NV61		SYSMEM_FOURCC('N', 'V', '6', '1')
#define SYSMEM_FMT_NV24		SYSMEM_FOURCC('N', 'V', '2', '4')

/* YUV, three planes. */
#define SYSMEM_FMT_YUV420	SYSMEM_FOURCC('Y', 'U', '1', '2')
#define SYSMEM_FMT_YVU420	SYSMEM_FOURCC('Y', 'V', '1', '2')
#define SYSMEM_FMT_YUV422	SYSMEM_FOURCC('Y', 'U', '1', '6')

/* Packed YUV 4:2:2, one plane of two-pixel blocks. */
#define SYSMEM_FMT_YUYV		SYSMEM_FOURCC('Y', 'U', 'Y', 'V')
#define SYSMEM_FMT_UYVY		SYSMEM_FOURCC('U', 'Y', 'V', 'Y')

/* YUV 4:2:0, 10 bits in the high bits of 16, Y plane and UV plane. */
#define SYSMEM_FMT_P010		SYSMEM_FOURCC('P', '0', '1', '0')

/* 32-bit RGB with 10 bits per color channel, one plane. */
#define SYSMEM_FMT_XRGB2101010	SYSMEM_FOURCC('X', 'R', '3', '0')
#define SYSMEM_FMT_ARGB2101010	SYSMEM_FOURCC('A', 'R', '3', '0')
#define SYSMEM_FMT_XBGR2101010	SYSMEM_FOURCC('X', 'B', '3', '0')
#define SYSMEM_FMT_ABGR2101010	SYSMEM_FOURCC('A', 'B', '3', '0')

/* YUV 4:2:0, 12 or 16 bits in 16, laid out as P010. */
#define SYSMEM_FMT_P012		SYSMEM_FOURCC('P', '0', '1', '2')
#define SYSMEM_FMT_P016		SYSMEM_FOURCC('P', '0', '1', '6')

/* Packed YUV 4:2:2, 10 bits in 16: two pixels in eight bytes. */
#define SYSMEM_FMT_Y210		SYSMEM_FOURCC('Y', '2', '1', '0')

#define SYSMEM_FORMAT_MAX_PLANES	3

/*
 * One format's memory layout.
 *
 * Plane 0 is stored in blocks of @block_w pixels side by side on one row,
 * @cpp[0] bytes per block: @block_w is 2 for the packed 4:2:2 formats
 * (YUYV, UYVY: two pixels in four bytes; Y210: two pixels in eight) and
 * 1 for every other format.
 * Planes 1 and up are chroma planes with one sample per @hsub x @vsub
 * pixels, @cpp[p] bytes per sample (2 for an interleaved UV pair of 8-bit
 * values).  @hsub and @vsub are 1 for single-plane formats, packed YUV
 * included; @block_w is 1 for every multi-plane format.  Unused @cpp
 * entries are 0.  @has_alpha: the format has a meaningful alpha channel;
 * @is_yuv: a YUV format (its color spaces are the YUV ones); @is_rgb10:
 * RGB with 10 bits per color, which also takes the wide-gamut color
 * spaces REC2020 and REC2100 (HDR scan-out).
 */
struct sysmem_format_desc {
	u32 fourcc;
	u8 nr_planes;
	u8 cpp[SYSMEM_FORMAT_MAX_PLANES];
	u8 block_w;
	u8 hsub;
	u8 vsub;
	bool has_alpha;
	bool is_yuv;
	bool is_rgb10;
};

/*
 * One plane of a laid-out image: where it starts in the buffer, its row
 * pitch, its number of rows and its size (bytes_per_row * height), all in
 * bytes except height.
 */
struct sysmem_plane_layout {
	u64 offset;
	u64 bytes_per_row;
	u64 height;
	u64 size;
};

/*
 * The table entry of @fourcc; NULL for an unknown code and for
 * SYSMEM_FMT_DO_NOT_CARE.
 */
const struct sysmem_format_desc *sysmem_format_lookup(u32 fourcc);

/*
 * The table, in a fixed order: XRGB8888, ARGB8888, XBGR8888, ABGR8888,
 * RGBX8888, RGBA8888, BGRX8888, BGRA8888, RGB888, BGR888, RGB565, R8, R16,
 * GR88, NV12, NV21, NV16, NV61, NV24, YUV420, YVU420, YUV422, YUYV, UYVY,
 * P010, XRGB2101010, ARGB2101010, XBGR2101010, ABGR2101010, P012, P016,
 * Y210.  sysmem_format_at() returns NULL for i >= sysmem_format_count().
 */
unsigned int sysmem_format_count(void);
const struct sysmem_format_desc *sysmem_format_at(unsigned int i);

/* sysmem_format_count(), as a constant for array sizes. */
#define SYSMEM_FORMAT_COUNT	32

/*
 * The pixel alignment of @f: width must be a multiple of
 * lcm(hsub, block_w) and height a multiple of vsub, so every chroma sample
 * and every packed block is whole.  2x2 for 4:2:0, 2x1 for 4:2:2 (YUYV and
 * UYVY included), 1x1 for RGB and NV24.
 */
void sysmem_format_pixel_alignment(const struct sysmem_format_desc *f,
				   u32 *width_align, u32 *height_align);

/*
 * The divisor every plane-0 row pitch of @f must be a multiple of:
 *
 *	divisor = cpp[0] * hsub
 *
 * Plane 0's pitch must hold whole blocks, so it is a multiple of cpp[0].
 * A chroma plane p has pitch pitch0 * cpp[p] / (cpp[0] * hsub) (see the
 * layout rule below), which is a whole number of cpp[p]-byte samples
 * exactly when pitch0 is a multiple of cpp[0] * hsub.  For single-plane
 * formats hsub is 1 and the divisor is cpp[0] (4 for YUYV and UYVY).
 */
u32 sysmem_format_bytes_per_row_divisor(const struct sysmem_format_desc *f);

/*
 * The smallest plane-0 row pitch for @width pixels of @f:
 * width / block_w * cpp[0] (width * 2 for YUYV).  Returns true, leaving
 * @bpr untouched, for a NULL @f, a @width of 0 or not a multiple of the
 * width alignment, or overflow.
 */
bool sysmem_format_min_bytes_per_row(const struct sysmem_format_desc *f,
				     u32 width, u64 *bpr);

/*
 * Lay out a @width x @height image of @f whose plane-0 rows are
 * @bytes_per_row bytes apart.  The layout rule:
 *
 *  - planes are packed one after another with no gaps, plane 0 at
 *    offset 0: offset[p] = offset[p - 1] + size[p - 1];
 *  - plane 0 has @height rows of @bytes_per_row bytes;
 *  - chroma plane p (1 <= p < nr_planes) has height / vsub rows of
 *    bytes_per_row * cpp[p] / (cpp[0] * hsub) bytes;
 *  - size[p] = rows[p] * pitch[p], and the image size is the end of the
 *    last plane, offset[nr_planes - 1] + size[nr_planes - 1].
 *
 * Entries of @planes beyond nr_planes are zeroed.  Returns true, writing
 * nothing, for a NULL @f, a @width or @height of 0 or not a multiple of
 * the pixel alignment, a @bytes_per_row below the minimum for @width or
 * not a multiple of the divisor, or when any value overflows a u64.
 */
bool sysmem_format_layout(const struct sysmem_format_desc *f,
			  u32 width, u32 height, u64 bytes_per_row,
			  struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES],
			  u64 *image_size);

/*
 * The same layout with every plane offset rounded up to a multiple of
 * @offset_divisor (0 means 1), padding between planes:
 *
 *	offset[0] = 0
 *	offset[p] = align_up(offset[p - 1] + size[p - 1], offset_divisor)
 *
 * The image size is still the end of the last plane (not rounded).  With
 * an @offset_divisor of 0 or 1 it is exactly sysmem_format_layout().
 * Returns true, writing nothing, in the same cases and when a rounded
 * offset overflows a u64.
 */
bool sysmem_format_layout_aligned(const struct sysmem_format_desc *f,
				  u32 width, u32 height, u64 bytes_per_row,
				  u64 offset_divisor,
				  struct sysmem_plane_layout planes[SYSMEM_FORMAT_MAX_PLANES],
				  u64 *image_size);

/*
 * Bytes per pixel of plane 0: cpp[0] / block_w (4 for 32-bit RGB, 3 for
 * RGB888, 2 for YUYV and UYVY, 4 for Y210, 1 for NV12).  A row pitch that is a whole
 * number of pixels is a multiple of it.  Every table format's row pitch
 * divisor (sysmem_format_bytes_per_row_divisor()) is already a multiple.
 */
u32 sysmem_format_bytes_per_pixel(const struct sysmem_format_desc *f);

#endif /* _SYSMEM_LIB_FORMAT_H */
