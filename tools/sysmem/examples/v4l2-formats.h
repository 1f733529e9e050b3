/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * V4L2 <-> sysmem: the pixel formats and color spaces of the two APIs.
 *
 * sysmem names formats with DRM fourcc codes, V4L2 with its own; the two
 * code spaces overlap in letters but not in meaning ('AR24' is B,G,R,A
 * in memory for both, while V4L2's "ARGB32" is 'BA24').  The table below
 * pairs each single-buffer V4L2 format whose memory layout is exactly
 * one sysmem can lay out.  Shared by tools/sysmem/examples/v4l2-pipeline.c,
 * tools/testing/selftests/sysmem/sysmem_v4l2_test.c and the guide,
 * Documentation/sysmem/v4l2.rst.
 *
 * Header only (static inline), needs <linux/videodev2.h> and libsysmem.h.
 */
#ifndef SYSMEM_V4L2_FORMATS_H
#define SYSMEM_V4L2_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/videodev2.h>

#include "libsysmem.h"

/* A DRM fourcc code, as <drm/drm_fourcc.h> builds it. */
#define V4L2S_DRM_FOURCC(a, b, c, d) \
	((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | \
	 ((__u32)(d) << 24))

/**
 * struct v4l2s_format - one V4L2 pixel format and its DRM twin
 * @v4l2: V4L2_PIX_FMT_* (single-planar API, or a one-buffer format of
 *	the multi-planar API: every plane in one buffer)
 * @drm: the DRM fourcc sysmem negotiates
 * @name: the DRM name, for messages
 *
 * V4L2's multi-buffer formats (NV12M, YUV420M, ...) have no entry: they
 * put each plane in its own buffer, while a sysmem buffer holds the
 * whole image, planes packed.
 */
struct v4l2s_format {
	__u32 v4l2;
	__u32 drm;
	const char *name;
};

/* Memory bytes in the comments, lowest address first. */
static const struct v4l2s_format v4l2s_formats[] = {
	/* B G R A */
	{ V4L2_PIX_FMT_ABGR32, V4L2S_DRM_FOURCC('A', 'R', '2', '4'), "ARGB8888" },
	/* B G R X */
	{ V4L2_PIX_FMT_XBGR32, V4L2S_DRM_FOURCC('X', 'R', '2', '4'), "XRGB8888" },
	/* R G B A */
	{ V4L2_PIX_FMT_RGBA32, V4L2S_DRM_FOURCC('A', 'B', '2', '4'), "ABGR8888" },
	/* R G B X */
	{ V4L2_PIX_FMT_RGBX32, V4L2S_DRM_FOURCC('X', 'B', '2', '4'), "XBGR8888" },
	/* A B G R */
	{ V4L2_PIX_FMT_BGRA32, V4L2S_DRM_FOURCC('R', 'A', '2', '4'), "RGBA8888" },
	/* X B G R */
	{ V4L2_PIX_FMT_BGRX32, V4L2S_DRM_FOURCC('R', 'X', '2', '4'), "RGBX8888" },
	/* A R G B */
	{ V4L2_PIX_FMT_ARGB32, V4L2S_DRM_FOURCC('B', 'A', '2', '4'), "BGRA8888" },
	/* X R G B */
	{ V4L2_PIX_FMT_XRGB32, V4L2S_DRM_FOURCC('B', 'X', '2', '4'), "BGRX8888" },
	/* R G B */
	{ V4L2_PIX_FMT_RGB24, V4L2S_DRM_FOURCC('B', 'G', '2', '4'), "BGR888" },
	/* B G R */
	{ V4L2_PIX_FMT_BGR24, V4L2S_DRM_FOURCC('R', 'G', '2', '4'), "RGB888" },
	/* little-endian 16 bits: R 15-11, G 10-5, B 4-0 */
	{ V4L2_PIX_FMT_RGB565, V4L2S_DRM_FOURCC('R', 'G', '1', '6'), "RGB565" },
	{ V4L2_PIX_FMT_GREY, V4L2S_DRM_FOURCC('R', '8', ' ', ' '), "R8" },
	/* little-endian 16 bits */
	{ V4L2_PIX_FMT_Y16, V4L2S_DRM_FOURCC('R', '1', '6', ' '), "R16" },
	/* Y plane, then interleaved Cb Cr (NV21: Cr Cb) */
	{ V4L2_PIX_FMT_NV12, V4L2S_DRM_FOURCC('N', 'V', '1', '2'), "NV12" },
	{ V4L2_PIX_FMT_NV21, V4L2S_DRM_FOURCC('N', 'V', '2', '1'), "NV21" },
	{ V4L2_PIX_FMT_NV16, V4L2S_DRM_FOURCC('N', 'V', '1', '6'), "NV16" },
	{ V4L2_PIX_FMT_NV61, V4L2S_DRM_FOURCC('N', 'V', '6', '1'), "NV61" },
	{ V4L2_PIX_FMT_NV24, V4L2S_DRM_FOURCC('N', 'V', '2', '4'), "NV24" },
	/* Y, Cb, Cr planes (YVU420: Y, Cr, Cb) */
	{ V4L2_PIX_FMT_YUV420, V4L2S_DRM_FOURCC('Y', 'U', '1', '2'), "YUV420" },
	{ V4L2_PIX_FMT_YVU420, V4L2S_DRM_FOURCC('Y', 'V', '1', '2'), "YVU420" },
	{ V4L2_PIX_FMT_YUV422P, V4L2S_DRM_FOURCC('Y', 'U', '1', '6'), "YUV422" },
	/* Y0 Cb Y1 Cr / Cb Y0 Cr Y1 */
	{ V4L2_PIX_FMT_YUYV, V4L2S_DRM_FOURCC('Y', 'U', 'Y', 'V'), "YUYV" },
	{ V4L2_PIX_FMT_UYVY, V4L2S_DRM_FOURCC('U', 'Y', 'V', 'Y'), "UYVY" },
};

#define V4L2S_NR_FORMATS (sizeof(v4l2s_formats) / sizeof(v4l2s_formats[0]))

/* The entry of a V4L2 pixel format, or NULL when sysmem has no twin. */
static inline const struct v4l2s_format *v4l2s_from_v4l2(__u32 v4l2)
{
	size_t i;

	for (i = 0; i < V4L2S_NR_FORMATS; i++)
		if (v4l2s_formats[i].v4l2 == v4l2)
			return &v4l2s_formats[i];
	return NULL;
}

/* The entry of a DRM fourcc, or NULL. */
static inline const struct v4l2s_format *v4l2s_from_drm(__u32 drm)
{
	size_t i;

	for (i = 0; i < V4L2S_NR_FORMATS; i++)
		if (v4l2s_formats[i].drm == drm)
			return &v4l2s_formats[i];
	return NULL;
}

/* A fourcc as four characters plus NUL, for messages. */
static inline const char *v4l2s_fourcc_str(__u32 f, char buf[5])
{
	int i;

	for (i = 0; i < 4; i++) {
		char c = (char)((f >> (8 * i)) & 0xff);

		buf[i] = (c >= 32 && c < 127) ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

/**
 * v4l2s_color_space() - the sysmem color space of a V4L2 format's colors
 * @colorspace: V4L2_COLORSPACE_* (the primaries family)
 * @ycbcr_enc: V4L2_YCBCR_ENC_* (DEFAULT resolved from @colorspace)
 * @quantization: V4L2_QUANTIZATION_* (DEFAULT resolved likewise)
 * @yuv: whether the pixel format is YUV (sysmem_format_info flags)
 *
 * sysmem's color spaces name what the pixel values mean: for RGB only
 * SRGB (or PASSTHROUGH, V4L2's RAW); for YUV the Y'CbCr matrix and the
 * range, with the primaries of the standard (NTSC: SMPTE 170M, PAL:
 * EBU/BT.470 B/G).  V4L2's sRGB with the BT.601 matrix (what webcams
 * and vivid's webcam input produce) has BT.709 primaries; sysmem has no
 * such space, and REC601_NTSC, same matrix and range, is the nearest.
 *
 * Return: SYSMEM_COLOR_SPACE_*, or SYSMEM_COLOR_SPACE_INVALID when
 * sysmem has no equivalent (full-range BT.709, for example).
 */
static inline __u32 v4l2s_color_space(__u32 colorspace, __u32 ycbcr_enc,
				      __u32 quantization, bool yuv)
{
	bool full;

	if (colorspace == V4L2_COLORSPACE_RAW)
		return SYSMEM_COLOR_SPACE_PASSTHROUGH;
	if (!yuv)
		return SYSMEM_COLOR_SPACE_SRGB;
	if (ycbcr_enc == V4L2_YCBCR_ENC_DEFAULT)
		ycbcr_enc = V4L2_MAP_YCBCR_ENC_DEFAULT(colorspace);
	if (quantization == V4L2_QUANTIZATION_DEFAULT)
		quantization = V4L2_MAP_QUANTIZATION_DEFAULT(false, colorspace,
							     ycbcr_enc);
	full = quantization == V4L2_QUANTIZATION_FULL_RANGE;
	switch (ycbcr_enc) {
	case V4L2_YCBCR_ENC_601:
	case V4L2_YCBCR_ENC_XV601:
		if (colorspace == V4L2_COLORSPACE_470_SYSTEM_BG)
			return full ? SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE :
				      SYSMEM_COLOR_SPACE_REC601_PAL;
		return full ? SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE :
			      SYSMEM_COLOR_SPACE_REC601_NTSC;
	case V4L2_YCBCR_ENC_709:
	case V4L2_YCBCR_ENC_XV709:
		return full ? SYSMEM_COLOR_SPACE_INVALID :
			      SYSMEM_COLOR_SPACE_REC709;
	case V4L2_YCBCR_ENC_BT2020:
	case V4L2_YCBCR_ENC_BT2020_CONST_LUM:
		if (full)
			return SYSMEM_COLOR_SPACE_INVALID;
		return colorspace == V4L2_COLORSPACE_BT2020 ?
		       SYSMEM_COLOR_SPACE_REC2020 : SYSMEM_COLOR_SPACE_INVALID;
	default:
		return SYSMEM_COLOR_SPACE_INVALID;
	}
}

/* A sysmem color space's name, for messages. */
static inline const char *v4l2s_color_space_str(__u32 cs)
{
	switch (cs) {
	case SYSMEM_COLOR_SPACE_SRGB: return "SRGB";
	case SYSMEM_COLOR_SPACE_REC601_NTSC: return "REC601_NTSC";
	case SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE:
		return "REC601_NTSC_FULL_RANGE";
	case SYSMEM_COLOR_SPACE_REC601_PAL: return "REC601_PAL";
	case SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE:
		return "REC601_PAL_FULL_RANGE";
	case SYSMEM_COLOR_SPACE_REC709: return "REC709";
	case SYSMEM_COLOR_SPACE_REC2020: return "REC2020";
	case SYSMEM_COLOR_SPACE_REC2100: return "REC2100";
	case SYSMEM_COLOR_SPACE_PASSTHROUGH: return "PASSTHROUGH";
	case SYSMEM_COLOR_SPACE_DO_NOT_CARE: return "DO_NOT_CARE";
	default: return "INVALID";
	}
}

#endif /* SYSMEM_V4L2_FORMATS_H */
