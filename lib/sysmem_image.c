// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Image format constraints, shared by the module, libsysmem and the host
 * tests.  Nothing here allocates, sleeps, recurses or calls a library
 * function; every size computation is overflow-checked and every loop is
 * bounded by the ABI limits (participants x 64 entries x 16 pairs).
 *
 * RULES
 *
 * Terms.  An entry is one struct sysmem_image_constraints of a
 * participant; a pair is one of the entry's (format, modifier) pairs.
 * "Explicit" means not DO_NOT_CARE.  size_alignment,
 * display_rect_alignment, bytes_per_row_divisor and start_offset_divisor
 * of 0 mean 1.  A participant has image constraints when its
 * image_format_count is not 0.  Sizes and pitches are u32: a max_size
 * without SYSMEM_IMAGE_HAS_MAX_SIZE and a max_bytes_per_row without
 * SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW are 0xffffffff, a
 * max_width_times_height without its flag has no limit.
 *
 * 1. Validation of one participant.  The first broken rule is reported;
 *    entries are checked in order, and each entry by rules 1.2 to 1.10
 *    in order; rule 1.11 comes last.
 *
 *  1.1 image_format_count above SYSMEM_MAX_IMAGE_FORMATS, a count with
 *      no entries, or an image_formats pointer with a count of 0:
 *      IMAGE_FORMATS.
 *  1.2 flags outside SYSMEM_IMAGE_FLAGS_ALL or reserved not 0:
 *      IMAGE_FLAGS.
 *  1.3 nr_formats 0 or above SYSMEM_MAX_FORMAT_PAIRS:
 *      IMAGE_FORMAT_COUNT.
 *  1.4 For each used pair in order: reserved not 0: IMAGE_FLAGS;
 *      modifier DRM_FORMAT_MOD_INVALID (0x00ffffffffffffff):
 *      IMAGE_MODIFIER.  Any other modifier is allowed: LINEAR (0),
 *      DO_NOT_CARE, or a vendor modifier, which sysmem matches by exact
 *      value only.  A pair whose format is neither DO_NOT_CARE nor in
 *      the format table is *skipped*: rules 1.6 and 1.9 and aggregation
 *      ignore it (a compositor may list every format its display
 *      knows); sysmem_image_skipped() counts them for the module's
 *      debug log.  An entry of skipped pairs only never matches.
 *  1.5 nr_color_spaces 0 or above SYSMEM_MAX_COLOR_SPACES, or a value
 *      other than SRGB..PASSTHROUGH and DO_NOT_CARE: IMAGE_COLOR_SPACES.
 *  1.6 A listed color space that does not go with every explicit format
 *      of the entry: IMAGE_COLOR_SPACE_FORMAT.  RGB formats (every
 *      format that is not YUV: R8, R16 and GR88 too) take SRGB and
 *      PASSTHROUGH, and the 10-bit RGB formats (XRGB2101010 ...
 *      ABGR2101010) REC2020 and REC2100 too (HDR scan-out); YUV formats
 *      take REC601_NTSC, REC601_NTSC_FULL_RANGE, REC601_PAL,
 *      REC601_PAL_FULL_RANGE, REC709, REC2020, REC2100 and PASSTHROUGH;
 *      DO_NOT_CARE goes with every format.  Skipped pairs (1.4) are not
 *      checked.
 *  1.7 min_size above max_size in either dimension (with HAS_MAX_SIZE),
 *      min_bytes_per_row above max_bytes_per_row (with its flag), or
 *      min_size.width * min_size.height above max_width_times_height
 *      (with its flag): IMAGE_SIZE_RANGE.
 *  1.8 nr_required_max_sizes above SYSMEM_MAX_REQUIRED_SIZES (64); a used
 *      required_max_sizes entry with a width or height of 0;
 *      required_min_size above required_max_size in either dimension
 *      (both flags); a required size (required_min_size and
 *      required_max_size when flagged, every used required_max_sizes
 *      entry) below min_size or above max_size (with HAS_MAX_SIZE) in
 *      either dimension, or whose width * height is above
 *      max_width_times_height (with its flag): IMAGE_REQUIRED_SIZES.
 *  1.9 The entry sanitized (rule 2) for the format of each usable pair
 *      has a min above its max (either size dimension, or bytes per
 *      row; a min that rounds past 0xffffffff is above any max), or a
 *      size_alignment or bytes_per_row_divisor above 0xffffffff (no u32
 *      size or pitch is a positive multiple): IMAGE_SIZE_RANGE.  A
 *      DO_NOT_CARE format is sanitized as a 1x1 format with divisor 1,
 *      which applies only the entry's own alignments: when those alone
 *      leave no room, no format can.
 *  1.10 A (format, modifier) pair equal to a pair earlier in the same
 *      entry or in an earlier entry (exact values; DO_NOT_CARE is a
 *      value like any other; skipped pairs too): IMAGE_DUPLICATE.
 *  1.11 After every entry passed: no pair of any entry is usable (every
 *      format unknown): IMAGE_FORMAT, "no image entry names a format
 *      sysmem can lay out"; SET_CONSTRAINTS fails with -EINVAL.
 *
 *  ALPHA_PRESENT on an entry whose explicit formats have no alpha is
 *  valid: the entry simply never matches them (rule 3.2).
 *
 * 2. Sanitizing an entry for a format f (in validation and again in
 *    aggregation).  f's pixel alignment is 2x2 for 4:2:0, 2x1 for 4:2:2
 *    (YUYV and UYVY included), 1x1 otherwise; its divisor is
 *    cpp[0] * hsub; its bytes per pixel cpp[0] / block_w (2 for YUYV).
 *
 *	size_alignment        = lcm(entry's, f's pixel alignment), per
 *	                        dimension
 *	bytes_per_row_divisor = lcm(entry's, f's divisor), and with
 *	                        BYTES_PER_ROW_AT_PIXEL_BOUNDARY also
 *	                        lcm(that, f's bytes per pixel)
 *	min_size              = rounded up to size_alignment
 *	max_size              = rounded down to size_alignment
 *	min_bytes_per_row     = rounded up to bytes_per_row_divisor
 *	max_bytes_per_row     = rounded down to bytes_per_row_divisor
 *
 *    For all 32 table formats the divisor is already a multiple of the
 *    bytes per pixel, so BYTES_PER_ROW_AT_PIXEL_BOUNDARY changes no
 *    pitch today; it is kept for formats where it would.
 *
 * 3. Aggregation, inside sysmem_aggregate() once the buffer counts, the
 *    buffer-level size limits and the coherency domains have passed, and
 *    only when some participant has image constraints.  Participants
 *    without image constraints restrict nothing; "participant" below
 *    means one with image constraints.
 *
 *  3.1 Candidates (f, m).  f: every table format some participant names
 *      explicitly, or the whole table when nobody names one.  m: every
 *      modifier some participant names explicitly (vendor modifiers
 *      included), or LINEAR alone when nobody names one.  The cross
 *      product is walked without being stored; the order of the walk
 *      does not matter, since rule 3.7 orders all candidates.  (When
 *      some participant has no DO_NOT_CARE modifier, only the modifiers
 *      it names are walked: it refuses every other one, so the result is
 *      the same.)
 *  3.2 Acceptance.  A participant accepts (f, m) with its most specific
 *      matching entry.  A pair (f', m') matches when f' is f or
 *      DO_NOT_CARE and m' is m or DO_NOT_CARE; an entry with
 *      ALPHA_PRESENT matches only formats with alpha (so a less specific
 *      entry of the same participant may match instead).  Specificity:
 *      an explicit format beats DO_NOT_CARE, then an explicit modifier
 *      beats DO_NOT_CARE; among equals the earlier entry wins.  A
 *      candidate that some participant does not accept dies.
 *  3.3 Combination of the accepting entries, each sanitized for f:
 *
 *	| field                            | combined                         |
 *	|----------------------------------|----------------------------------|
 *	| min_size, min_bytes_per_row      | max                              |
 *	| max_size, max_bytes_per_row,     | min (absent: no limit)           |
 *	| max_width_times_height           |                                  |
 *	| size_alignment,                  | lcm per dimension (the max for   |
 *	| display_rect_alignment,          | powers of two), so every entry's |
 *	| start_offset_divisor             | own value still divides it       |
 *	| bytes_per_row_divisor            | lcm (each already holds f's      |
 *	|                                  | divisor, and f's bytes per pixel |
 *	|                                  | when the entry asks for pixel    |
 *	|                                  | boundary)                        |
 *	| required_min_size                | min per dimension of the flagged |
 *	| required max sizes               | not combined: each is laid out   |
 *	|                                  | on its own (rule 3.4)            |
 *	| pad_for_block_size               | lcm per dimension (0 means 1)    |
 *	| pad_beyond_image_size_bytes      | max                              |
 *	| ALPHA_PRESENT, pixel boundary    | OR                               |
 *	| color spaces                     | intersection, DO_NOT_CARE        |
 *	|                                  | standing for every space that    |
 *	|                                  | goes with f                      |
 *
 *      Then min/max size are rounded again to the combined size_alignment
 *      and min/max bytes per row to the combined divisor.  The candidate
 *      dies when the color space intersection is empty, a combined
 *      alignment, divisor or block size is above 0xffffffff, a min is
 *      above its max (either dimension, or bytes per row), the combined
 *      min_size is above the combined required_min_size in either
 *      dimension, or (LINEAR) pad_for_block_size.height is above 1 for a
 *      format of several planes (its padding rows would overwrite the
 *      next plane; pad the height with size_alignment instead).
 *  3.4 Image size.  The buffers must hold an image of each required max
 *      size (required_max_size when flagged, then every used
 *      required_max_sizes entry) of each accepting entry, in participant
 *      order, each laid out on its own (not folded into one box).  Each
 *      size R becomes, per dimension, max(R, min_size) rounded up to
 *      size_alignment (size_alignment when both are 0); it must be at
 *      most max_size with width * height at most
 *      max_width_times_height, and with LINEAR lay out by rule 3.5, else
 *      the candidate dies.  S, the reported size, is the first of them
 *      whose footprint (rule 3.5; width * height for a vendor modifier)
 *      is the largest.  Without any required size S is min_size, or
 *      size_alignment when that is 0: the smallest legal image.
 *  3.5 LINEAR layout at W x H.  PW is W rounded up to
 *      pad_for_block_size.width and then to f's width alignment, PH is
 *      H rounded up to pad_for_block_size.height.  bytes_per_row =
 *      max(min_bytes_per_row, f's minimum for PW) rounded up to
 *      bytes_per_row_divisor; above max_bytes_per_row the candidate
 *      dies.  The planes are sysmem_format_layout() at W x H with that
 *      pitch: packed in order, plane 0 at 0 and each plane right after
 *      the one before (UV at bytes_per_row * H for NV12), the layout
 *      every importer assumes; every plane pitch must fit a u32.
 *      start_offset_divisor does not move planes: it constrains where
 *      an image may start in a buffer, and sysmem's start at offset 0.
 *      The footprint, reported as image_size, is the end of the last
 *      plane (of PH rows of plane 0 when PH > H, one-plane formats
 *      only) plus pad_beyond_image_size_bytes.  An image_size above a
 *      participant's max_size_bytes kills the candidate, so that
 *      another one that fits can win.
 *  3.6 Vendor (non-LINEAR) modifiers: sysmem knows no layout and invents
 *      no size, so the candidate lives only when the buffer-level size
 *      (the largest min_size_bytes) is not 0.  Its image has nr_planes,
 *      bytes_per_row, planes and image_size 0; rules 3.3 and 3.4 (limits
 *      and S) apply as for LINEAR.  The paddings are reported but not
 *      added: the vendor's min_size_bytes must hold them.
 *  3.7 Choice among the surviving candidates, by these keys in order:
 *      the lowest cost (table below); the earliest naming: a format
 *      named by an earlier participant (in participant order) beats one
 *      first named by a later participant, and between two formats first
 *      named by the same participant the one named first (entry order,
 *      then pair order) wins (when nobody names any format, all tie
 *      here); the format's table order; the lower modifier value.
 *
 *	| format family                        | video usage | otherwise |
 *	|--------------------------------------|-------------|-----------|
 *	| 32-bit RGB (XRGB8888 ... BGRA8888)   |           8 |         1 |
 *	| 10-bit RGB (XRGB2101010 ... )        |           9 |         2 |
 *	| RGB888, BGR888                       |          10 |         4 |
 *	| RGB565                               |          11 |         3 |
 *	| R8, R16, GR88                        |          12 |        12 |
 *	| NV12, NV21                           |           1 |         5 |
 *	| P010                                 |           2 |         6 |
 *	| P012, P016                           |           3 |         7 |
 *	| YUV420, YVU420                       |           4 |         8 |
 *	| NV16, NV61, YUV422, YUYV, UYVY       |           5 |         9 |
 *	| Y210                                 |           6 |        10 |
 *	| NV24                                 |           7 |        11 |
 *
 *      "Video usage": the aggregate usage has a SYSMEM_USAGE_VIDEO_MASK
 *      bit (decoder, encoder, capture, decryptor output).  Within the
 *      32-bit RGB family XRGB8888 and ARGB8888 win only through the table
 *      order tie-break.  LINEAR and vendor modifiers cost the same.
 *  3.8 Color space: the best by rank in the intersection: SRGB 0,
 *      REC709 1, REC601_NTSC 2, REC601_NTSC_FULL_RANGE 3, REC601_PAL 4,
 *      REC601_PAL_FULL_RANGE 5, REC2020 6, REC2100 7, PASSTHROUGH 8.  When
 *      every entry says DO_NOT_CARE this gives SRGB for RGB formats and
 *      REC709 for YUV formats.
 *  3.9 Result: settings->image holds format, color_space, modifier, S,
 *      bytes_per_row, nr_planes, planes, image_size, the combined
 *      min_size (in a dimension where it is 0, size_alignment: the
 *      smallest usable size), max_size (0xffffffff in both dimensions
 *      when no participant gave one), size_alignment,
 *      display_rect_alignment, min_bytes_per_row (with LINEAR the pitch
 *      of an image of the reported min_size by rule 3.5, so at least
 *      the format's; with a vendor modifier at least the divisor when
 *      max_bytes_per_row allows), max_bytes_per_row (0xffffffff when
 *      nobody gave one), bytes_per_row_divisor, start_offset_divisor,
 *      pad_for_block_size (1x1 when nobody asked),
 *      pad_beyond_image_size_bytes and the flags
 *      ALPHA_PRESENT and BYTES_PER_ROW_AT_PIXEL_BOUNDARY when some
 *      accepting entry asked for them; SYSMEM_SETTINGS_HAS_IMAGE_FORMAT
 *      is set and settings->size_bytes = max(largest min_size_bytes,
 *      image_size), which must be at most every max_size_bytes.  The
 *      buffer-level "no participant asked for a size" failure does not
 *      apply when image constraints are present.
 *  3.10 No surviving candidate: SYSMEM_FAIL_CONSTRAINTS.  The reason is
 *      that of the candidate that got furthest: of all the candidates'
 *      reasons, the one latest in this list:
 *	"no image format every participant accepts",
 *	"no color space every participant accepts for the image format",
 *	"image size or row pitch limits of the participants conflict",
 *	"image min_size above a participant's required_min_size",
 *	"pad_for_block_size height needs a one-plane format",
 *	"image size outside a participant's limits",
 *	"row pitch above a participant's max_bytes_per_row",
 *	"image layout does not fit the ABI's pitches and offsets",
 *	"vendor modifier needs min_size_bytes",
 *	"image size above a participant's max_size_bytes".
 *  3.11 Work limit.  The walk counts the (format, modifier) pairs it
 *      looks at while matching candidates to entries (rule 3.2) and
 *      while skipping a modifier a participant names twice.  Past 2^26
 *      (about a tenth of a second) it stops and aggregation fails with
 *      SYSMEM_FAIL_CONSTRAINTS, "image constraints too large to
 *      negotiate", whatever it found so far, so the outcome never
 *      depends on where it stopped.  Realistic constraints stay far
 *      below it (a few participants naming a few dozen modifiers need a
 *      few million at most); two participants each naming 1024 distinct
 *      modifiers with DO_NOT_CARE formats, every candidate dying, reach
 *      it (they would need about 10^8).
 */
#include "sysmem_image.h"
#include "sysmem_format.h"
#include "sysmem_math.h"

#define SYSMEM_U32_MAX	0xffffffffULL
#define SYSMEM_U64_MAX	(~0ULL)

/* Color space sets: bit n stands for SYSMEM_COLOR_SPACE value n. */
#define SYSMEM_CS_BIT(cs)	(1U << (cs))
#define SYSMEM_CS_RGB	(SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_SRGB) | \
			 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_PASSTHROUGH))
#define SYSMEM_CS_YUV \
	(SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC601_NTSC) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC601_PAL) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC709) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC2020) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC2100) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_PASSTHROUGH))
#define SYSMEM_CS_RGB10 \
	(SYSMEM_CS_RGB | SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC2020) | \
	 SYSMEM_CS_BIT(SYSMEM_COLOR_SPACE_REC2100))
#define SYSMEM_CS_ALL	(SYSMEM_CS_RGB | SYSMEM_CS_YUV)

/*
 * Rule 3.8: color spaces from the best rank to the worst.  The count is
 * spelled out because the host build has no ARRAY_SIZE().
 */
#define SYSMEM_NR_COLOR_SPACES	9

static const u32 sysmem_cs_by_rank[SYSMEM_NR_COLOR_SPACES] = {
	SYSMEM_COLOR_SPACE_SRGB,
	SYSMEM_COLOR_SPACE_REC709,
	SYSMEM_COLOR_SPACE_REC601_NTSC,
	SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE,
	SYSMEM_COLOR_SPACE_REC601_PAL,
	SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE,
	SYSMEM_COLOR_SPACE_REC2020,
	SYSMEM_COLOR_SPACE_REC2100,
	SYSMEM_COLOR_SPACE_PASSTHROUGH,
};

/* Rule 3.7: format families of the cost table. */
enum sysmem_image_family {
	SYSMEM_FAM_RGB32,
	SYSMEM_FAM_RGB24,
	SYSMEM_FAM_RGB565,
	SYSMEM_FAM_SMALL,
	SYSMEM_FAM_YUV420_2P,
	SYSMEM_FAM_P010,
	SYSMEM_FAM_YUV420_3P,
	SYSMEM_FAM_YUV422,
	SYSMEM_FAM_NV24,
	SYSMEM_FAM_RGB30,
	SYSMEM_FAM_P016,
	SYSMEM_FAM_Y210,
	SYSMEM_FAM_NR
};

static const u8 sysmem_cost_video[SYSMEM_FAM_NR] = {
	[SYSMEM_FAM_YUV420_2P] = 1,
	[SYSMEM_FAM_P010] = 2,
	[SYSMEM_FAM_P016] = 3,
	[SYSMEM_FAM_YUV420_3P] = 4,
	[SYSMEM_FAM_YUV422] = 5,
	[SYSMEM_FAM_Y210] = 6,
	[SYSMEM_FAM_NV24] = 7,
	[SYSMEM_FAM_RGB32] = 8,
	[SYSMEM_FAM_RGB30] = 9,
	[SYSMEM_FAM_RGB24] = 10,
	[SYSMEM_FAM_RGB565] = 11,
	[SYSMEM_FAM_SMALL] = 12,
};

static const u8 sysmem_cost_other[SYSMEM_FAM_NR] = {
	[SYSMEM_FAM_RGB32] = 1,
	[SYSMEM_FAM_RGB30] = 2,
	[SYSMEM_FAM_RGB565] = 3,
	[SYSMEM_FAM_RGB24] = 4,
	[SYSMEM_FAM_YUV420_2P] = 5,
	[SYSMEM_FAM_P010] = 6,
	[SYSMEM_FAM_P016] = 7,
	[SYSMEM_FAM_YUV420_3P] = 8,
	[SYSMEM_FAM_YUV422] = 9,
	[SYSMEM_FAM_Y210] = 10,
	[SYSMEM_FAM_NV24] = 11,
	[SYSMEM_FAM_SMALL] = 12,
};

/* Why a candidate died, from the least to the most informative. */
enum sysmem_image_kill {
	SYSMEM_KILL_NONE,
	SYSMEM_KILL_UNACCEPTED,
	SYSMEM_KILL_COLOR,
	SYSMEM_KILL_RANGE,
	SYSMEM_KILL_REQ_MIN,
	SYSMEM_KILL_BLOCK_PAD,
	SYSMEM_KILL_SIZE,
	SYSMEM_KILL_PITCH,
	SYSMEM_KILL_LAYOUT,
	SYSMEM_KILL_VENDOR,
	SYSMEM_KILL_MAX_BYTES,
	SYSMEM_KILL_NR
};

static const char * const sysmem_kill_strs[SYSMEM_KILL_NR] = {
	[SYSMEM_KILL_NONE] = "image format chosen",
	[SYSMEM_KILL_UNACCEPTED] = "no image format every participant accepts",
	[SYSMEM_KILL_COLOR] =
		"no color space every participant accepts for the image format",
	[SYSMEM_KILL_RANGE] =
		"image size or row pitch limits of the participants conflict",
	[SYSMEM_KILL_REQ_MIN] =
		"image min_size above a participant's required_min_size",
	[SYSMEM_KILL_BLOCK_PAD] =
		"pad_for_block_size height needs a one-plane format",
	[SYSMEM_KILL_SIZE] = "image size outside a participant's limits",
	[SYSMEM_KILL_PITCH] =
		"row pitch above a participant's max_bytes_per_row",
	[SYSMEM_KILL_LAYOUT] =
		"image layout does not fit the ABI's pitches and offsets",
	[SYSMEM_KILL_VENDOR] = "vendor modifier needs min_size_bytes",
	[SYSMEM_KILL_MAX_BYTES] =
		"image size above a participant's max_size_bytes",
};

/*
 * Where a format is first named (rule 3.7), as one number: the first
 * participant naming it times 1024 (SYSMEM_MAX_IMAGE_FORMATS *
 * SYSMEM_MAX_FORMAT_PAIRS) plus entry * SYSMEM_MAX_FORMAT_PAIRS + pair
 * there.  Participants from index SYSMEM_NAMING_PART_MAX on share that
 * index (they tie and the table order decides); SYSMEM_NOT_NAMED, above
 * every other value, when nobody names the format.
 */
#define SYSMEM_NAMING_PART_MAX	0x3ffffeU
#define SYSMEM_NOT_NAMED	0xffffffffU

/* The order of rule 3.7; smaller is better. */
struct sysmem_image_key {
	u32 cost;
	u32 naming;
	u32 index;	/* table position */
	u64 modifier;
};

/*
 * Rule 3.11: the most (format, modifier) pairs one aggregation may look
 * at while matching candidates, about a tenth of a second of work.
 */
#define SYSMEM_IMAGE_WORK_MAX	0x4000000ULL

/* One aggregation: its input and the state of the candidate walk. */
struct sysmem_image_agg {
	const struct sysmem_participant *parts;
	unsigned int nr_parts;
	u64 usage;
	u64 buffer_size;
	u64 max_size_bytes;
	/* participants whose modifiers are walked: [mod_lo, mod_hi) */
	unsigned int mod_lo, mod_hi;
	/* where each table format is first named; any_named: some is */
	u32 naming[SYSMEM_FORMAT_COUNT];
	bool any_named;
	/* the best surviving candidate so far, when found */
	bool found;
	struct sysmem_image_key best;
	/* the most informative reason a candidate died */
	enum sysmem_image_kill worst;
	/* pairs looked at, and whether SYSMEM_IMAGE_WORK_MAX was passed */
	u64 work;
	bool over;
	/* scratch image of the candidate being evaluated */
	struct sysmem_image_format *out;
};

static u64 sysmem_or1(u32 v)
{
	return v ? v : 1;
}

static u64 sysmem_max64(u64 a, u64 b)
{
	return a > b ? a : b;
}

static u64 sysmem_min64(u64 a, u64 b)
{
	return a < b ? a : b;
}

/* @v rounded down to a multiple of @align (not 0); never wraps. */
static u64 sysmem_round_down(u64 v, u64 align)
{
	return v - sysmem_mod64(v, align);
}

/* Image entries of @p, clamped to the ABI limit; 0 without images. */
static u32 sysmem_image_count(const struct sysmem_participant *p)
{
	u32 n;

	if (!p->c || !p->images)
		return 0;
	n = p->c->image_format_count;
	return n > SYSMEM_MAX_IMAGE_FORMATS ? SYSMEM_MAX_IMAGE_FORMATS : n;
}

/* Used pairs of @ic, clamped to the ABI limit. */
static u32 sysmem_image_nr_pairs(const struct sysmem_image_constraints *ic)
{
	return ic->nr_formats > SYSMEM_MAX_FORMAT_PAIRS ?
	       SYSMEM_MAX_FORMAT_PAIRS : ic->nr_formats;
}

/*
 * Rule 1.4: true when sysmem can lay out the format of @q, DO_NOT_CARE or
 * a table format; the pairs of any other format are skipped.
 */
static bool sysmem_pair_usable(const struct sysmem_format_pair *q)
{
	return q->format == SYSMEM_FORMAT_DO_NOT_CARE ||
	       sysmem_format_lookup(q->format);
}

/* The color spaces that go with @f (every one for a NULL @f). */
static u32 sysmem_cs_compatible(const struct sysmem_format_desc *f)
{
	if (!f)
		return SYSMEM_CS_ALL;
	if (f->is_rgb10)
		return SYSMEM_CS_RGB10;
	return f->is_yuv ? SYSMEM_CS_YUV : SYSMEM_CS_RGB;
}

/* True when @cs is DO_NOT_CARE or one of SRGB..PASSTHROUGH. */
static bool sysmem_cs_known(u32 cs)
{
	return cs == SYSMEM_COLOR_SPACE_DO_NOT_CARE ||
	       (cs >= SYSMEM_COLOR_SPACE_SRGB &&
		cs <= SYSMEM_COLOR_SPACE_PASSTHROUGH);
}

/* The set of color spaces @ic accepts for @f; DO_NOT_CARE is all. */
static u32 sysmem_cs_mask(const struct sysmem_image_constraints *ic,
			  const struct sysmem_format_desc *f)
{
	u32 i, n, cs, mask = 0;

	n = ic->nr_color_spaces;
	if (n > SYSMEM_MAX_COLOR_SPACES)
		n = SYSMEM_MAX_COLOR_SPACES;
	for (i = 0; i < n; i++) {
		cs = ic->color_spaces[i];
		if (cs == SYSMEM_COLOR_SPACE_DO_NOT_CARE)
			mask |= SYSMEM_CS_ALL;
		else if (sysmem_cs_known(cs))
			mask |= SYSMEM_CS_BIT(cs);
	}
	return mask & sysmem_cs_compatible(f);
}

/*
 * Round the mins of @l up and its maxes down to its alignments.  True
 * when a min overflows or ends above its max.
 */
static bool sysmem_limits_round(struct sysmem_image_limits *l)
{
	if (sysmem_align_up_overflow(l->min_w, l->align_w, &l->min_w) ||
	    sysmem_align_up_overflow(l->min_h, l->align_h, &l->min_h) ||
	    sysmem_align_up_overflow(l->min_bpr, l->divisor, &l->min_bpr))
		return true;
	l->max_w = sysmem_round_down(l->max_w, l->align_w);
	l->max_h = sysmem_round_down(l->max_h, l->align_h);
	l->max_bpr = sysmem_round_down(l->max_bpr, l->divisor);
	return l->min_w > l->max_w || l->min_h > l->max_h ||
	       l->min_bpr > l->max_bpr;
}

/* The neutral element of sysmem_image_fold(): no restriction at all. */
static void sysmem_limits_init(struct sysmem_image_limits *l)
{
	l->min_w = 0;
	l->min_h = 0;
	l->max_w = SYSMEM_U32_MAX;
	l->max_h = SYSMEM_U32_MAX;
	l->min_bpr = 0;
	l->max_bpr = SYSMEM_U32_MAX;
	l->max_wxh = SYSMEM_U64_MAX;
	l->align_w = 1;
	l->align_h = 1;
	l->divisor = 1;
	l->disp_w = 1;
	l->disp_h = 1;
	l->offset_div = 1;
	l->req_min_w = SYSMEM_U64_MAX;
	l->req_min_h = SYSMEM_U64_MAX;
	l->pad_w = 1;
	l->pad_h = 1;
	l->pad_beyond = 0;
	l->color_spaces = SYSMEM_CS_ALL;
	l->has_max_size = false;
	l->has_max_bpr = false;
	l->has_req_min = false;
	l->pixel_boundary = false;
	l->alpha = false;
}

/*
 * Rule 2 for one range: round @min up and @max down to @align and
 * narrow [*@cmin, *@cmax] to the result.  True when the sanitized @min
 * overflows or is above the sanitized @max.
 */
static bool sysmem_fold_range(u64 min, u64 max, u64 align, u64 *cmin,
			      u64 *cmax)
{
	if (sysmem_align_up_overflow(min, align, &min))
		return true;
	max = sysmem_round_down(max, align);
	*cmin = sysmem_max64(*cmin, min);
	*cmax = sysmem_min64(*cmax, max);
	return min > max;
}

/*
 * Rules 2 and 3.3: sanitize @ic for @f (NULL: a 1x1 format with divisor
 * 1) and combine it into @c.  Folding one entry into sysmem_limits_init()
 * gives the entry sanitized.  True when the sanitized entry alone has a
 * min above its max or a size alignment above 0xffffffff (no u32 size is
 * a positive multiple), or when the combined divisor is above
 * 0xffffffff.
 */
static bool sysmem_image_fold(const struct sysmem_image_constraints *ic,
			      const struct sysmem_format_desc *f,
			      struct sysmem_image_limits *c)
{
	u32 fw = 1, fh = 1, fdiv = 1, bpp = 1, flags = ic->flags;
	bool pb = flags & SYSMEM_IMAGE_BYTES_PER_ROW_AT_PIXEL_BOUNDARY;
	bool has_max = flags & SYSMEM_IMAGE_HAS_MAX_SIZE;
	bool has_max_bpr = flags & SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
	u64 aw, ah, div;

	if (f) {
		sysmem_format_pixel_alignment(f, &fw, &fh);
		fdiv = sysmem_format_bytes_per_row_divisor(f);
		bpp = sysmem_format_bytes_per_pixel(f);
	}
	if (sysmem_lcm_overflow(sysmem_or1(ic->size_alignment.width), fw,
				&aw) ||
	    sysmem_lcm_overflow(sysmem_or1(ic->size_alignment.height), fh,
				&ah) ||
	    sysmem_lcm_overflow(sysmem_or1(ic->bytes_per_row_divisor), fdiv,
				&div) ||
	    (pb && sysmem_lcm_overflow(div, bpp, &div)) ||
	    aw > SYSMEM_U32_MAX || ah > SYSMEM_U32_MAX)
		return true;
	if (sysmem_fold_range(ic->min_size.width,
			      has_max ? ic->max_size.width : SYSMEM_U32_MAX,
			      aw, &c->min_w, &c->max_w) ||
	    sysmem_fold_range(ic->min_size.height,
			      has_max ? ic->max_size.height : SYSMEM_U32_MAX,
			      ah, &c->min_h, &c->max_h) ||
	    sysmem_fold_range(ic->min_bytes_per_row,
			      has_max_bpr ? ic->max_bytes_per_row :
					    SYSMEM_U32_MAX,
			      div, &c->min_bpr, &c->max_bpr))
		return true;
	/*
	 * Alignments and divisors combine by lcm: every participant's own
	 * value must still divide the result (for powers of two, the lcm
	 * is the max).
	 */
	if (sysmem_lcm_overflow(c->align_w, aw, &c->align_w) ||
	    sysmem_lcm_overflow(c->align_h, ah, &c->align_h) ||
	    sysmem_lcm_overflow(c->divisor, div, &c->divisor) ||
	    sysmem_lcm_overflow(c->disp_w,
				sysmem_or1(ic->display_rect_alignment.width),
				&c->disp_w) ||
	    sysmem_lcm_overflow(c->disp_h,
				sysmem_or1(ic->display_rect_alignment.height),
				&c->disp_h) ||
	    sysmem_lcm_overflow(c->offset_div,
				sysmem_or1(ic->start_offset_divisor),
				&c->offset_div) ||
	    sysmem_lcm_overflow(c->pad_w,
				sysmem_or1(ic->pad_for_block_size.width),
				&c->pad_w) ||
	    sysmem_lcm_overflow(c->pad_h,
				sysmem_or1(ic->pad_for_block_size.height),
				&c->pad_h) ||
	    c->align_w > SYSMEM_U32_MAX || c->align_h > SYSMEM_U32_MAX ||
	    c->divisor > SYSMEM_U32_MAX || c->disp_w > SYSMEM_U32_MAX ||
	    c->disp_h > SYSMEM_U32_MAX || c->offset_div > SYSMEM_U32_MAX ||
	    c->pad_w > SYSMEM_U32_MAX || c->pad_h > SYSMEM_U32_MAX)
		return true;
	c->pad_beyond = sysmem_max64(c->pad_beyond,
				     ic->pad_beyond_image_size_bytes);

	if (flags & SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT)
		c->max_wxh = sysmem_min64(c->max_wxh,
					  ic->max_width_times_height);
	if (flags & SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE) {
		c->has_req_min = true;
		c->req_min_w = sysmem_min64(c->req_min_w,
					    ic->required_min_size.width);
		c->req_min_h = sysmem_min64(c->req_min_h,
					    ic->required_min_size.height);
	}
	c->color_spaces &= sysmem_cs_mask(ic, f);
	c->has_max_size |= has_max;
	c->has_max_bpr |= has_max_bpr;
	c->pixel_boundary |= pb;
	c->alpha |= flags & SYSMEM_IMAGE_ALPHA_PRESENT;
	return false;
}

/*
 * True when @w x @h is within [@ic's min_size, max_size] and its
 * max_width_times_height, each limit only when given.
 */
static bool sysmem_size_fits(const struct sysmem_image_constraints *ic,
			     u32 w, u32 h)
{
	u64 wxh;

	if (w < ic->min_size.width || h < ic->min_size.height)
		return false;
	if ((ic->flags & SYSMEM_IMAGE_HAS_MAX_SIZE) &&
	    (w > ic->max_size.width || h > ic->max_size.height))
		return false;
	if (!(ic->flags & SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT))
		return true;
	return !sysmem_mul_overflow(w, h, &wxh) &&
	       wxh <= ic->max_width_times_height;
}

/* Rules 1.7 and 1.8: the raw ranges and required sizes of @ic. */
static int
sysmem_image_validate_sizes(const struct sysmem_image_constraints *ic)
{
	u32 flags = ic->flags;
	u64 wxh;
	u32 i;

	if ((flags & SYSMEM_IMAGE_HAS_MAX_SIZE) &&
	    (ic->min_size.width > ic->max_size.width ||
	     ic->min_size.height > ic->max_size.height))
		return SYSMEM_INVALID_IMAGE_SIZE_RANGE;
	if ((flags & SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW) &&
	    ic->min_bytes_per_row > ic->max_bytes_per_row)
		return SYSMEM_INVALID_IMAGE_SIZE_RANGE;
	if ((flags & SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT) &&
	    (sysmem_mul_overflow(ic->min_size.width, ic->min_size.height,
				 &wxh) ||
	     wxh > ic->max_width_times_height))
		return SYSMEM_INVALID_IMAGE_SIZE_RANGE;

	if (ic->nr_required_max_sizes > SYSMEM_MAX_REQUIRED_SIZES)
		return SYSMEM_INVALID_IMAGE_REQUIRED_SIZES;
	for (i = 0; i < ic->nr_required_max_sizes; i++)
		if (!ic->required_max_sizes[i].width ||
		    !ic->required_max_sizes[i].height)
			return SYSMEM_INVALID_IMAGE_REQUIRED_SIZES;
	if ((flags & SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE) &&
	    (flags & SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE) &&
	    (ic->required_min_size.width > ic->required_max_size.width ||
	     ic->required_min_size.height > ic->required_max_size.height))
		return SYSMEM_INVALID_IMAGE_REQUIRED_SIZES;
	if ((flags & SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE) &&
	    !sysmem_size_fits(ic, ic->required_min_size.width,
			      ic->required_min_size.height))
		return SYSMEM_INVALID_IMAGE_REQUIRED_SIZES;
	if ((flags & SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE) &&
	    !sysmem_size_fits(ic, ic->required_max_size.width,
			      ic->required_max_size.height))
		return SYSMEM_INVALID_IMAGE_REQUIRED_SIZES;
	for (i = 0; i < ic->nr_required_max_sizes; i++)
		if (!sysmem_size_fits(ic, ic->required_max_sizes[i].width,
				      ic->required_max_sizes[i].height))
			return SYSMEM_INVALID_IMAGE_REQUIRED_SIZES;
	return SYSMEM_VALID;
}

/* Rules 1.2 to 1.9 for one entry. */
static int
sysmem_image_validate_entry(const struct sysmem_image_constraints *ic)
{
	struct sysmem_image_limits l;
	u32 i, j, n, ncs;
	int ret;

	if ((ic->flags & ~SYSMEM_IMAGE_FLAGS_ALL) || ic->reserved)
		return SYSMEM_INVALID_IMAGE_FLAGS;
	n = ic->nr_formats;
	if (!n || n > SYSMEM_MAX_FORMAT_PAIRS)
		return SYSMEM_INVALID_IMAGE_FORMAT_COUNT;
	for (j = 0; j < n; j++) {
		const struct sysmem_format_pair *pair = &ic->formats[j];

		if (pair->reserved)
			return SYSMEM_INVALID_IMAGE_FLAGS;
		if (pair->modifier == SYSMEM_MODIFIER_INVALID)
			return SYSMEM_INVALID_IMAGE_MODIFIER;
	}

	ncs = ic->nr_color_spaces;
	if (!ncs || ncs > SYSMEM_MAX_COLOR_SPACES)
		return SYSMEM_INVALID_IMAGE_COLOR_SPACES;
	for (i = 0; i < ncs; i++)
		if (!sysmem_cs_known(ic->color_spaces[i]))
			return SYSMEM_INVALID_IMAGE_COLOR_SPACES;
	for (i = 0; i < ncs; i++) {
		u32 cs = ic->color_spaces[i];

		if (cs == SYSMEM_COLOR_SPACE_DO_NOT_CARE)
			continue;
		for (j = 0; j < n; j++) {
			const struct sysmem_format_desc *f =
				sysmem_format_lookup(ic->formats[j].format);

			if (!sysmem_pair_usable(&ic->formats[j]))
				continue;
			if (!(sysmem_cs_compatible(f) & SYSMEM_CS_BIT(cs)))
				return SYSMEM_INVALID_IMAGE_COLOR_SPACE_FORMAT;
		}
	}

	ret = sysmem_image_validate_sizes(ic);
	if (ret)
		return ret;

	for (j = 0; j < n; j++) {
		if (!sysmem_pair_usable(&ic->formats[j]))
			continue;
		sysmem_limits_init(&l);
		if (sysmem_image_fold(ic,
				      sysmem_format_lookup(ic->formats[j].format),
				      &l))
			return SYSMEM_INVALID_IMAGE_SIZE_RANGE;
	}
	return SYSMEM_VALID;
}

/*
 * Rule 1.10: true when pair @j of entry @e equals a pair before it, in
 * entry @e or an earlier one (all of them already validated).
 */
static bool
sysmem_image_pair_seen(const struct sysmem_image_constraints *images, u32 e,
		       u32 j)
{
	const struct sysmem_format_pair *p = &images[e].formats[j];
	u32 k, i, n;

	for (k = 0; k <= e; k++) {
		n = k == e ? j : images[k].nr_formats;
		for (i = 0; i < n; i++) {
			const struct sysmem_format_pair *q =
				&images[k].formats[i];

			if (q->format == p->format &&
			    q->modifier == p->modifier)
				return true;
		}
	}
	return false;
}

/**
 * sysmem_image_validate() - check one participant's image constraints
 * @images: the @count entries, copied from the caller; NULL when @count
 *	is 0
 * @count: the participant's image_format_count
 *
 * Applies rules 1.1 to 1.10 of the comment at the top of this file:
 * entries in order, and within an entry flags, format count, pairs,
 * color spaces, color space against format, size ranges, required
 * sizes, sanitized ranges, duplicates.  At most 64 entries of 16 pairs
 * each are looked at; the duplicate scan is quadratic in those 1024
 * pairs.
 *
 * Return: SYSMEM_VALID or the enum sysmem_invalid of the first rule
 * broken.
 */
int sysmem_image_validate(const struct sysmem_image_constraints *images,
			  u32 count)
{
	bool usable = false;
	u32 e, j;
	int ret;

	if (count > SYSMEM_MAX_IMAGE_FORMATS || (count && !images))
		return SYSMEM_INVALID_IMAGE_FORMATS;
	for (e = 0; e < count; e++) {
		ret = sysmem_image_validate_entry(&images[e]);
		if (ret)
			return ret;
		for (j = 0; j < images[e].nr_formats; j++) {
			if (sysmem_image_pair_seen(images, e, j))
				return SYSMEM_INVALID_IMAGE_DUPLICATE;
			if (sysmem_pair_usable(&images[e].formats[j]))
				usable = true;
		}
	}
	if (count && !usable)
		return SYSMEM_INVALID_IMAGE_FORMAT;
	return SYSMEM_VALID;
}

/**
 * sysmem_image_skipped() - the pairs aggregation ignores (rule 1.4)
 * @images: the @count entries of a participant that passed
 *	sysmem_image_validate()
 * @count: the participant's image_format_count
 * @first: set to the format of the first skipped pair, 0 when none
 *
 * For the caller's log: lib/ does not log.  Only the used pairs
 * (nr_formats of each entry) are looked at.
 *
 * Return: how many used pairs name a format sysmem cannot lay out (not
 * DO_NOT_CARE and not in the format table); aggregation skips them.
 */
u32 sysmem_image_skipped(const struct sysmem_image_constraints *images,
			 u32 count, u32 *first)
{
	u32 e, j, n, skipped = 0;

	*first = 0;
	if (!images || count > SYSMEM_MAX_IMAGE_FORMATS)
		return 0;
	for (e = 0; e < count; e++) {
		n = sysmem_image_nr_pairs(&images[e]);
		for (j = 0; j < n; j++) {
			if (sysmem_pair_usable(&images[e].formats[j]))
				continue;
			if (!skipped)
				*first = images[e].formats[j].format;
			skipped++;
		}
	}
	return skipped;
}

/**
 * sysmem_image_constrained() - whether image rules apply at all
 * @parts: the participants
 * @nr_parts: number of entries at @parts
 *
 * Return: true when some participant has image constraints (a non-zero
 * image_format_count and its entries).
 */
bool sysmem_image_constrained(const struct sysmem_participant *parts,
			      unsigned int nr_parts)
{
	unsigned int i;

	for (i = 0; i < nr_parts; i++)
		if (sysmem_image_count(&parts[i]))
			return true;
	return false;
}

/* Rule 3.7: the family of a table format. */
static unsigned int sysmem_image_family(u32 fourcc)
{
	switch (fourcc) {
	case SYSMEM_FMT_RGB888:
	case SYSMEM_FMT_BGR888:
		return SYSMEM_FAM_RGB24;
	case SYSMEM_FMT_RGB565:
		return SYSMEM_FAM_RGB565;
	case SYSMEM_FMT_R8:
	case SYSMEM_FMT_R16:
	case SYSMEM_FMT_GR88:
		return SYSMEM_FAM_SMALL;
	case SYSMEM_FMT_NV12:
	case SYSMEM_FMT_NV21:
		return SYSMEM_FAM_YUV420_2P;
	case SYSMEM_FMT_P010:
		return SYSMEM_FAM_P010;
	case SYSMEM_FMT_YUV420:
	case SYSMEM_FMT_YVU420:
		return SYSMEM_FAM_YUV420_3P;
	case SYSMEM_FMT_NV16:
	case SYSMEM_FMT_NV61:
	case SYSMEM_FMT_YUV422:
	case SYSMEM_FMT_YUYV:
	case SYSMEM_FMT_UYVY:
		return SYSMEM_FAM_YUV422;
	case SYSMEM_FMT_NV24:
		return SYSMEM_FAM_NV24;
	case SYSMEM_FMT_XRGB2101010:
	case SYSMEM_FMT_ARGB2101010:
	case SYSMEM_FMT_XBGR2101010:
	case SYSMEM_FMT_ABGR2101010:
		return SYSMEM_FAM_RGB30;
	case SYSMEM_FMT_P012:
	case SYSMEM_FMT_P016:
		return SYSMEM_FAM_P016;
	case SYSMEM_FMT_Y210:
		return SYSMEM_FAM_Y210;
	}
	return SYSMEM_FAM_RGB32;
}

/* Rule 3.7: the cost of @fourcc for the aggregate @usage. */
static u32 sysmem_image_cost(u32 fourcc, u64 usage)
{
	unsigned int fam = sysmem_image_family(fourcc);

	if (usage & SYSMEM_USAGE_VIDEO_MASK)
		return sysmem_cost_video[fam];
	return sysmem_cost_other[fam];
}

/* Rule 3.7: where @fourcc is first named, see SYSMEM_NOT_NAMED. */
static u32 sysmem_image_naming(const struct sysmem_image_agg *a, u32 fourcc)
{
	unsigned int i;
	u32 e, j, n, ne, part;

	for (i = 0; i < a->nr_parts; i++) {
		const struct sysmem_participant *p = &a->parts[i];

		ne = sysmem_image_count(p);
		for (e = 0; e < ne; e++) {
			n = sysmem_image_nr_pairs(&p->images[e]);
			for (j = 0; j < n; j++) {
				if (p->images[e].formats[j].format != fourcc)
					continue;
				part = i < SYSMEM_NAMING_PART_MAX ?
				       i : SYSMEM_NAMING_PART_MAX;
				return part * SYSMEM_MAX_IMAGE_FORMATS *
				       SYSMEM_MAX_FORMAT_PAIRS +
				       e * SYSMEM_MAX_FORMAT_PAIRS + j;
			}
		}
	}
	return SYSMEM_NOT_NAMED;
}

/*
 * True when @p names no modifier DO_NOT_CARE anywhere (skipped pairs
 * included: walking more modifiers than needed is only slower).
 */
static bool sysmem_image_all_mods_explicit(const struct sysmem_participant *p)
{
	u32 e, j, n, ne = sysmem_image_count(p);

	for (e = 0; e < ne; e++) {
		n = sysmem_image_nr_pairs(&p->images[e]);
		for (j = 0; j < n; j++)
			if (p->images[e].formats[j].modifier ==
			    SYSMEM_MODIFIER_DO_NOT_CARE)
				return false;
	}
	return true;
}

/*
 * True when @m, pair @j of entry @e of @p, already appears at an earlier
 * pair of @p: the candidates with @m were walked then.
 */
static bool sysmem_image_mod_seen(struct sysmem_image_agg *a,
				  const struct sysmem_participant *p, u32 e,
				  u32 j, u64 m)
{
	u32 k, i, n;

	for (k = 0; k <= e; k++) {
		n = k == e ? j : sysmem_image_nr_pairs(&p->images[k]);
		a->work += n;
		for (i = 0; i < n; i++)
			if (p->images[k].formats[i].modifier == m &&
			    sysmem_pair_usable(&p->images[k].formats[i]))
				return true;
	}
	return false;
}

/*
 * Rule 3.2: the index of @p's most specific entry matching (@f, @m), or
 * -1 when none does.
 */
static int sysmem_image_match(u64 *work, const struct sysmem_participant *p,
			      const struct sysmem_format_desc *f, u64 m)
{
	u32 e, j, n, ne = sysmem_image_count(p);
	int best = -1, best_score = -1, score;

	for (e = 0; e < ne && best_score < 3; e++) {
		const struct sysmem_image_constraints *ic = &p->images[e];

		if ((ic->flags & SYSMEM_IMAGE_ALPHA_PRESENT) && !f->has_alpha)
			continue;
		n = sysmem_image_nr_pairs(ic);
		*work += n;
		for (j = 0; j < n; j++) {
			const struct sysmem_format_pair *q = &ic->formats[j];
			bool fx = q->format != SYSMEM_FORMAT_DO_NOT_CARE;
			bool mx = q->modifier != SYSMEM_MODIFIER_DO_NOT_CARE;

			if ((fx && q->format != f->fourcc) ||
			    (mx && q->modifier != m))
				continue;
			score = (fx ? 2 : 0) + (mx ? 1 : 0);
			if (score > best_score) {
				best_score = score;
				best = e;
			}
		}
	}
	return best;
}

/* Zero every byte of @img. */
static void sysmem_image_zero(struct sysmem_image_format *img)
{
	u8 *b = (u8 *)img;
	size_t i;

	for (i = 0; i < sizeof(*img); i++)
		b[i] = 0;
}

/*
 * Rules 3.5 and 3.6: the layout of a LINEAR @w x @h image of format @f
 * under the limits of @img (its pitch limits, divisor and paddings).  The
 * pitch holds the width rounded up to pad_for_block_size.width (and to
 * @f's width alignment); the planes are the standard packed ones at
 * @w x @h; the footprint @size is the end of the last plane, or of
 * plane 0's rows down to the height rounded up to
 * pad_for_block_size.height, plus pad_beyond_image_size_bytes.  Writes
 * @bpr, @pl and @size only on success.
 */
static enum sysmem_image_kill
sysmem_image_footprint(const struct sysmem_format_desc *f,
		       const struct sysmem_image_format *img, u64 w, u64 h,
		       u64 *bpr, struct sysmem_plane_layout *pl, u64 *size)
{
	struct sysmem_plane_layout tmp[SYSMEM_FORMAT_MAX_PLANES];
	u64 pw, ph, pitch, end;
	u32 walign, halign;
	unsigned int p;

	if (w > SYSMEM_U32_MAX || h > SYSMEM_U32_MAX)
		return SYSMEM_KILL_LAYOUT;
	sysmem_format_pixel_alignment(f, &walign, &halign);
	if (sysmem_align_up_overflow(w, sysmem_or1(img->pad_for_block_size.width),
				     &pw) ||
	    sysmem_align_up_overflow(pw, walign, &pw) || pw > SYSMEM_U32_MAX ||
	    sysmem_align_up_overflow(h,
				     sysmem_or1(img->pad_for_block_size.height),
				     &ph))
		return SYSMEM_KILL_LAYOUT;
	if (ph != h && f->nr_planes > 1)
		return SYSMEM_KILL_BLOCK_PAD;
	if (sysmem_format_min_bytes_per_row(f, pw, &pitch))
		return SYSMEM_KILL_LAYOUT;
	pitch = sysmem_max64(pitch, img->min_bytes_per_row);
	if (sysmem_align_up_overflow(pitch,
				     sysmem_or1(img->bytes_per_row_divisor),
				     &pitch) ||
	    pitch > img->max_bytes_per_row)
		return SYSMEM_KILL_PITCH;
	if (sysmem_format_layout(f, w, h, pitch, tmp, &end))
		return SYSMEM_KILL_LAYOUT;
	for (p = 0; p < SYSMEM_FORMAT_MAX_PLANES; p++)
		if (tmp[p].bytes_per_row > SYSMEM_U32_MAX)
			return SYSMEM_KILL_LAYOUT;
	/* Only one-plane formats get here with ph above h. */
	if ((ph != h && sysmem_mul_overflow(pitch, ph, &end)) ||
	    sysmem_add_overflow(end, img->pad_beyond_image_size_bytes, &end))
		return SYSMEM_KILL_LAYOUT;
	*bpr = pitch;
	*size = end;
	for (p = 0; p < SYSMEM_FORMAT_MAX_PLANES; p++)
		pl[p] = tmp[p];
	return SYSMEM_KILL_NONE;
}

/*
 * Rule 3.5: the pitch and planes of the LINEAR image @img of format @f
 * at img->size, within img's limits.  Writes img->bytes_per_row,
 * nr_planes, planes and image_size only on success.
 */
static enum sysmem_image_kill
sysmem_image_place(const struct sysmem_format_desc *f,
		   struct sysmem_image_format *img)
{
	struct sysmem_plane_layout pl[SYSMEM_FORMAT_MAX_PLANES];
	enum sysmem_image_kill kill;
	u64 bpr, size;
	unsigned int p;

	kill = sysmem_image_footprint(f, img, img->size.width,
				      img->size.height, &bpr, pl, &size);
	if (kill)
		return kill;

	img->bytes_per_row = bpr;
	img->nr_planes = f->nr_planes;
	for (p = 0; p < SYSMEM_MAX_PLANES; p++) {
		img->planes[p].offset = 0;
		img->planes[p].bytes_per_row = 0;
		img->planes[p].reserved = 0;
	}
	for (p = 0; p < SYSMEM_FORMAT_MAX_PLANES; p++) {
		img->planes[p].offset = pl[p].offset;
		img->planes[p].bytes_per_row = pl[p].bytes_per_row;
	}
	img->image_size = size;
	return SYSMEM_KILL_NONE;
}

/*
 * Rule 3.4 for one dimension of one size: the larger of @req and @min
 * (@align when both are 0), rounded up to @align.  True when it does
 * not fit a u32.
 */
static bool sysmem_image_dim(u64 req, u64 min, u64 align, u64 *res)
{
	u64 v = sysmem_max64(req, min);

	if (!v)
		v = align;
	return sysmem_align_up_overflow(v, align, res) ||
	       *res > SYSMEM_U32_MAX;
}

/* Rule 3.8: the best-ranked color space of the set @mask (not 0). */
static u32 sysmem_image_color_space(u32 mask)
{
	unsigned int i;

	for (i = 0; i < SYSMEM_NR_COLOR_SPACES; i++)
		if (mask & SYSMEM_CS_BIT(sysmem_cs_by_rank[i]))
			return sysmem_cs_by_rank[i];
	return SYSMEM_COLOR_SPACE_INVALID;
}

/*
 * Rule 3.9 with the combined limits @c: fill every field of @img but
 * the size, the pitch, the planes and the image size (left 0).
 */
static void sysmem_image_build(const struct sysmem_format_desc *f, u64 m,
			       const struct sysmem_image_limits *c,
			       struct sysmem_image_format *img)
{
	/* Every value below fits: see sysmem_limits_round() and fold(). */
	sysmem_image_zero(img);
	img->format = f->fourcc;
	img->color_space = sysmem_image_color_space(c->color_spaces);
	img->modifier = m;
	/* Rule 3.9: the smallest usable size, not 0. */
	img->min_size.width = c->min_w ? c->min_w : c->align_w;
	img->min_size.height = c->min_h ? c->min_h : c->align_h;
	img->max_size.width = c->has_max_size ? c->max_w : SYSMEM_U32_MAX;
	img->max_size.height = c->has_max_size ? c->max_h : SYSMEM_U32_MAX;
	img->size_alignment.width = c->align_w;
	img->size_alignment.height = c->align_h;
	img->display_rect_alignment.width = c->disp_w;
	img->display_rect_alignment.height = c->disp_h;
	img->min_bytes_per_row = c->min_bpr;
	img->max_bytes_per_row = c->has_max_bpr ? c->max_bpr : SYSMEM_U32_MAX;
	img->bytes_per_row_divisor = c->divisor;
	img->start_offset_divisor = c->offset_div;
	img->pad_for_block_size.width = c->pad_w;
	img->pad_for_block_size.height = c->pad_h;
	img->pad_beyond_image_size_bytes = c->pad_beyond;
	if (c->alpha)
		img->flags |= SYSMEM_IMAGE_FORMAT_ALPHA_PRESENT;
	if (c->pixel_boundary)
		img->flags |=
			SYSMEM_IMAGE_FORMAT_BYTES_PER_ROW_AT_PIXEL_BOUNDARY;
}

/*
 * Rule 3.3 once every accepting entry is folded into @c: the color
 * spaces, the limits rounded again, the required minimum and the block
 * padding of several planes.
 */
static enum sysmem_image_kill
sysmem_limits_check(const struct sysmem_format_desc *f, u64 m,
		    struct sysmem_image_limits *c)
{
	if (!c->color_spaces)
		return SYSMEM_KILL_COLOR;
	if (sysmem_limits_round(c))
		return SYSMEM_KILL_RANGE;
	if (c->has_req_min &&
	    (c->min_w > c->req_min_w || c->min_h > c->req_min_h))
		return SYSMEM_KILL_REQ_MIN;
	if (c->pad_h > 1 && f->nr_planes > 1 && m == SYSMEM_MODIFIER_LINEAR)
		return SYSMEM_KILL_BLOCK_PAD;
	return SYSMEM_KILL_NONE;
}

/*
 * Rules 3.2 and 3.3 for the candidate (@f, @m): SYSMEM_KILL_NONE with
 * the combined limits in @c, or why the candidate dies.
 */
static enum sysmem_image_kill
sysmem_image_limits(struct sysmem_image_agg *a,
		    const struct sysmem_format_desc *f, u64 m,
		    struct sysmem_image_limits *c)
{
	unsigned int i;
	int idx;

	sysmem_limits_init(c);
	for (i = 0; i < a->nr_parts; i++) {
		const struct sysmem_participant *p = &a->parts[i];

		if (!sysmem_image_count(p))
			continue;
		idx = sysmem_image_match(&a->work, p, f, m);
		if (idx < 0)
			return SYSMEM_KILL_UNACCEPTED;
		if (sysmem_image_fold(&p->images[idx], f, c))
			return SYSMEM_KILL_RANGE;
	}
	return sysmem_limits_check(f, m, c);
}

/* The best required size so far (rule 3.4). */
struct sysmem_image_pick {
	u64 w, h, bytes;
	bool found;
};

/*
 * Rule 3.4 for one required size @rw x @rh (0 x 0: none), raised to the
 * combined min_size and rounded up to the alignment; it must fit the
 * combined limits @c and, with LINEAR, lay out under @img's.  Keeps in
 * @pick the first size whose footprint (with a vendor modifier, whose
 * width * height) is the largest.
 */
static enum sysmem_image_kill
sysmem_image_size_try(const struct sysmem_format_desc *f, u64 m,
		      const struct sysmem_image_limits *c,
		      const struct sysmem_image_format *img, u64 rw, u64 rh,
		      struct sysmem_image_pick *pick)
{
	struct sysmem_plane_layout pl[SYSMEM_FORMAT_MAX_PLANES];
	enum sysmem_image_kill kill;
	u64 w, h, wxh, bpr, bytes;

	if (sysmem_image_dim(rw, c->min_w, c->align_w, &w) ||
	    sysmem_image_dim(rh, c->min_h, c->align_h, &h) ||
	    w > c->max_w || h > c->max_h ||
	    sysmem_mul_overflow(w, h, &wxh) || wxh > c->max_wxh)
		return SYSMEM_KILL_SIZE;
	bytes = wxh;
	if (m == SYSMEM_MODIFIER_LINEAR) {
		kill = sysmem_image_footprint(f, img, w, h, &bpr, pl, &bytes);
		if (kill)
			return kill;
	}
	if (!pick->found || bytes > pick->bytes) {
		pick->w = w;
		pick->h = h;
		pick->bytes = bytes;
		pick->found = true;
	}
	return SYSMEM_KILL_NONE;
}

/*
 * Rule 3.4: every required max size of every accepting entry, each on
 * its own; img->size is set to the one picked.  The accepting entries
 * are matched again (sysmem_image_limits() keeps no list of them).
 */
static enum sysmem_image_kill
sysmem_image_sizes(struct sysmem_image_agg *a,
		   const struct sysmem_format_desc *f, u64 m,
		   const struct sysmem_image_limits *c,
		   struct sysmem_image_format *img)
{
	struct sysmem_image_pick pick = { .found = false };
	enum sysmem_image_kill kill;
	unsigned int i;
	u32 k, n;
	int idx;

	for (i = 0; i < a->nr_parts; i++) {
		const struct sysmem_participant *p = &a->parts[i];
		const struct sysmem_image_constraints *ic;

		if (!sysmem_image_count(p))
			continue;
		idx = sysmem_image_match(&a->work, p, f, m);
		if (idx < 0)
			return SYSMEM_KILL_UNACCEPTED;
		ic = &p->images[idx];
		if (ic->flags & SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE) {
			kill = sysmem_image_size_try(f, m, c, img,
						     ic->required_max_size.width,
						     ic->required_max_size.height,
						     &pick);
			if (kill)
				return kill;
		}
		n = ic->nr_required_max_sizes;
		if (n > SYSMEM_MAX_REQUIRED_SIZES)
			n = SYSMEM_MAX_REQUIRED_SIZES;
		for (k = 0; k < n; k++) {
			kill = sysmem_image_size_try(f, m, c, img,
						     ic->required_max_sizes[k].width,
						     ic->required_max_sizes[k].height,
						     &pick);
			if (kill)
				return kill;
		}
	}
	if (!pick.found) {
		kill = sysmem_image_size_try(f, m, c, img, 0, 0, &pick);
		if (kill)
			return kill;
	}
	img->size.width = pick.w;
	img->size.height = pick.h;
	return SYSMEM_KILL_NONE;
}

/*
 * Rule 3.9: the smallest usable min_bytes_per_row: with LINEAR the pitch
 * of an image of min_size (never above the chosen pitch), with a vendor
 * modifier at least the divisor when the maximum allows it.
 */
static void sysmem_image_min_pitch(const struct sysmem_format_desc *f,
				   struct sysmem_image_format *img)
{
	struct sysmem_plane_layout pl[SYSMEM_FORMAT_MAX_PLANES];
	u64 bpr, bytes;

	if (img->modifier != SYSMEM_MODIFIER_LINEAR) {
		if (!img->min_bytes_per_row &&
		    img->bytes_per_row_divisor <= img->max_bytes_per_row)
			img->min_bytes_per_row = img->bytes_per_row_divisor;
		return;
	}
	if (!sysmem_image_footprint(f, img, img->min_size.width,
				    img->min_size.height, &bpr, pl, &bytes))
		img->min_bytes_per_row = bpr;
}

/*
 * Rules 3.4 to 3.6 and 3.9 for the candidate (@f, @m) whose combined
 * limits @c passed rule 3.3: SYSMEM_KILL_NONE with @img filled, or why
 * the candidate dies.
 */
static enum sysmem_image_kill
sysmem_image_try_sized(struct sysmem_image_agg *a,
		       const struct sysmem_format_desc *f, u64 m,
		       const struct sysmem_image_limits *c,
		       struct sysmem_image_format *img)
{
	enum sysmem_image_kill kill;

	sysmem_image_build(f, m, c, img);
	kill = sysmem_image_sizes(a, f, m, c, img);
	if (kill)
		return kill;
	if (m != SYSMEM_MODIFIER_LINEAR) {
		sysmem_image_min_pitch(f, img);
		return a->buffer_size ? SYSMEM_KILL_NONE : SYSMEM_KILL_VENDOR;
	}
	kill = sysmem_image_place(f, img);
	if (kill)
		return kill;
	if (img->image_size > a->max_size_bytes)
		return SYSMEM_KILL_MAX_BYTES;
	sysmem_image_min_pitch(f, img);
	return SYSMEM_KILL_NONE;
}

/*
 * Rules 3.2 to 3.6 and 3.9 for the candidate (@f, @m): SYSMEM_KILL_NONE
 * with @img filled, or why the candidate dies (@img is then garbage).
 */
static enum sysmem_image_kill
sysmem_image_try(struct sysmem_image_agg *a,
		 const struct sysmem_format_desc *f, u64 m,
		 struct sysmem_image_format *img)
{
	struct sysmem_image_limits c;
	enum sysmem_image_kill kill;

	kill = sysmem_image_limits(a, f, m, &c);
	if (kill)
		return kill;
	return sysmem_image_try_sized(a, f, m, &c, img);
}

/* True when @k comes before @best in the order of rule 3.7. */
static bool sysmem_image_key_less(const struct sysmem_image_key *k,
				  const struct sysmem_image_key *best)
{
	if (k->cost != best->cost)
		return k->cost < best->cost;
	if (k->naming != best->naming)
		return k->naming < best->naming;
	if (k->index != best->index)
		return k->index < best->index;
	return k->modifier < best->modifier;
}

/*
 * Rules 3.2 to 3.7 for the candidates (every candidate format, @m): those
 * that can still beat the best are evaluated.  @m is pair @j of entry @e
 * of @p, or LINEAR when @p is NULL; when @m already appeared earlier in
 * @p, its candidates were walked then and are skipped.
 */
static void sysmem_image_walk(struct sysmem_image_agg *a, u64 m,
			      const struct sysmem_participant *p, u32 e, u32 j)
{
	const struct sysmem_format_desc *f;
	struct sysmem_image_key key;
	enum sysmem_image_kill kill;
	bool fresh = !p;
	unsigned int t;

	for (t = 0; t < SYSMEM_FORMAT_COUNT && !a->over; t++) {
		f = sysmem_format_at(t);
		if (!f || (a->any_named && a->naming[t] == SYSMEM_NOT_NAMED))
			continue;
		key.cost = sysmem_image_cost(f->fourcc, a->usage);
		key.naming = a->naming[t];
		key.index = t;
		key.modifier = m;
		if (a->found && !sysmem_image_key_less(&key, &a->best))
			continue;
		if (!fresh) {
			if (sysmem_image_mod_seen(a, p, e, j, m))
				return;
			fresh = true;
		}
		kill = sysmem_image_try(a, f, m, a->out);
		if (a->work > SYSMEM_IMAGE_WORK_MAX) {
			a->over = true;
		} else if (kill) {
			if (kill > a->worst)
				a->worst = kill;
		} else {
			a->best = key;
			a->found = true;
		}
	}
}

/*
 * Walk the candidates of every explicit modifier of @p.  True when @p
 * names one.
 */
static bool sysmem_image_walk_part(struct sysmem_image_agg *a,
				   const struct sysmem_participant *p)
{
	u32 e, j, n, ne = sysmem_image_count(p);
	bool named = false;
	u64 m;

	for (e = 0; e < ne && !a->over; e++) {
		n = sysmem_image_nr_pairs(&p->images[e]);
		for (j = 0; j < n && !a->over; j++) {
			m = p->images[e].formats[j].modifier;
			if (m == SYSMEM_MODIFIER_DO_NOT_CARE ||
			    !sysmem_pair_usable(&p->images[e].formats[j]))
				continue;
			named = true;
			sysmem_image_walk(a, m, p, e, j);
		}
	}
	return named;
}

/**
 * sysmem_image_aggregate() - choose the image format of a collection
 * @parts: the participants, each valid
 * @nr_parts: number of entries at @parts
 * @usage: the union of every participant's usage
 * @buffer_size: the largest min_size_bytes of the participants
 * @max_size_bytes: the smallest max_size_bytes given, ~0 when none
 * @out: the chosen image format; every byte is written
 * @why: on failure, set to a static reason (may be NULL)
 *
 * Applies rules 3.1 to 3.11 of the comment at the top of this file.  The
 * candidates are walked modifier by modifier, in the order the
 * participants name them, and format by format, without being stored;
 * the result does not depend on that order, since rule 3.7 orders every
 * candidate.  A candidate that cannot beat the best one found so far is
 * not evaluated, and a modifier a participant names twice is walked
 * once.  @out is the scratch space of the walk; the winner is evaluated
 * again into it at the end.
 *
 * Return: false with @out filled; true with @out zeroed and @why set
 * when no candidate survives or the work limit is passed.
 */
bool sysmem_image_aggregate(const struct sysmem_participant *parts,
			    unsigned int nr_parts, u64 usage, u64 buffer_size,
			    u64 max_size_bytes, struct sysmem_image_format *out,
			    const char **why)
{
	struct sysmem_image_agg a = {
		.parts = parts,
		.nr_parts = parts ? nr_parts : 0,
		.usage = usage,
		.buffer_size = buffer_size,
		.max_size_bytes = max_size_bytes,
		.worst = SYSMEM_KILL_UNACCEPTED,
		.out = out,
	};
	bool named = false;
	unsigned int i, t;

	sysmem_image_zero(out);

	/* Rule 3.1: one participant's modifiers suffice if it has no DNC. */
	a.mod_hi = a.nr_parts;
	for (i = 0; i < a.nr_parts; i++) {
		if (!sysmem_image_count(&parts[i]) ||
		    !sysmem_image_all_mods_explicit(&parts[i]))
			continue;
		a.mod_lo = i;
		a.mod_hi = i + 1;
		break;
	}

	/* Rules 3.1 and 3.7: where each format is named, if anywhere. */
	for (t = 0; t < SYSMEM_FORMAT_COUNT; t++) {
		const struct sysmem_format_desc *f = sysmem_format_at(t);

		a.naming[t] = f ? sysmem_image_naming(&a, f->fourcc) :
				  SYSMEM_NOT_NAMED;
		if (a.naming[t] != SYSMEM_NOT_NAMED)
			a.any_named = true;
	}

	for (i = a.mod_lo; i < a.mod_hi && !a.over; i++)
		if (sysmem_image_walk_part(&a, &parts[i]))
			named = true;
	if (!named && !a.over)
		sysmem_image_walk(&a, SYSMEM_MODIFIER_LINEAR, NULL, 0, 0);

	/* Deterministic: evaluating the winner again gives it back. */
	if (!a.over && a.found &&
	    !sysmem_image_try(&a, sysmem_format_at(a.best.index),
			      a.best.modifier, out))
		return false;
	sysmem_image_zero(out);
	if (why)
		*why = a.over ? "image constraints too large to negotiate" :
				sysmem_kill_strs[a.worst];
	return true;
}

/**
 * sysmem_image_format_layout() - lay out a chosen image at another size
 * @img: an image format chosen by sysmem_image_aggregate(), LINEAR
 * @width: the new width, a multiple of @img->size_alignment.width within
 *	[@img->min_size.width, @img->max_size.width]
 * @height: the new height, likewise
 * @out: where the result is written; may be @img
 *
 * Rule 3.5 of sysmem_image_aggregate(): the pitch is the larger of
 * @img->min_bytes_per_row and the format's minimum for @width rounded up
 * to @img->pad_for_block_size.width, rounded up to
 * @img->bytes_per_row_divisor, at most @img->max_bytes_per_row; the
 * planes are packed (start_offset_divisor does not move them); the
 * image_size counts the block padding rows and
 * @img->pad_beyond_image_size_bytes, so it is the buffer size an image
 * of @width x @height needs.  Participants' max_width_times_height is
 * not part of @img and is not checked.
 *
 * Return: false with @out a copy of @img whose size, bytes_per_row,
 * nr_planes, planes and image_size describe @width x @height; true,
 * writing nothing, for a vendor modifier, an unknown format, a size
 * outside the limits or not aligned, a layout that does not fit, or
 * height padding on a format of several planes.
 */
bool sysmem_image_format_layout(const struct sysmem_image_format *img,
				u32 width, u32 height,
				struct sysmem_image_format *out)
{
	const struct sysmem_format_desc *f = sysmem_format_lookup(img->format);
	struct sysmem_image_format tmp = *img;

	if (!f || img->modifier != SYSMEM_MODIFIER_LINEAR ||
	    sysmem_mod64(width, sysmem_or1(img->size_alignment.width)) ||
	    sysmem_mod64(height, sysmem_or1(img->size_alignment.height)) ||
	    width < img->min_size.width || width > img->max_size.width ||
	    height < img->min_size.height || height > img->max_size.height)
		return true;
	tmp.size.width = width;
	tmp.size.height = height;
	if (sysmem_image_place(f, &tmp))
		return true;
	*out = tmp;
	return false;
}

/**
 * sysmem_image_census_add() - note what the image walk of a prefix needs
 * @cs: the census of the participants before @p (all zero for none)
 * @p: the next participant
 *
 * Counts @p's used pairs and those with an explicit modifier of a usable
 * format, notes whether @p names a table format, and whether it is the
 * first participant with image constraints and no DO_NOT_CARE modifier
 * (whose modifiers alone sysmem_image_aggregate() walks, rule 3.1).
 */
void sysmem_image_census_add(struct sysmem_image_census *cs,
			     const struct sysmem_participant *p)
{
	u32 e, j, n, mods = 0, ne = sysmem_image_count(p);
	bool dnc = false;

	for (e = 0; e < ne; e++) {
		n = sysmem_image_nr_pairs(&p->images[e]);
		cs->pairs += n;
		for (j = 0; j < n; j++) {
			const struct sysmem_format_pair *q =
				&p->images[e].formats[j];

			if (!cs->fmt_named && sysmem_format_lookup(q->format))
				cs->fmt_named = true;
			if (q->modifier == SYSMEM_MODIFIER_DO_NOT_CARE)
				dnc = true;
			else if (sysmem_pair_usable(q))
				mods++;
		}
	}
	cs->mod_pairs += mods;
	if (ne && !dnc && !cs->lo) {
		cs->lo = true;
		cs->lo_mod_pairs = mods;
	}
}

/**
 * sysmem_image_census_bounded() - whether the walk surely ends in time
 * @cs: the census of a prefix
 *
 * Rule 3.11 bounds the work of one sysmem_image_aggregate().  The walk
 * of the prefix does one pass per walked modifier pair (or one, LINEAR,
 * when none is named), each at most SYSMEM_FORMAT_COUNT candidates that
 * match every pair twice and one look-back over a participant's pairs.
 *
 * Return: true when that bound is within the work limit, so that the
 * walk cannot stop early and a surviving candidate is found.
 */
bool sysmem_image_census_bounded(const struct sysmem_image_census *cs)
{
	u64 walks = cs->lo ? cs->lo_mod_pairs : cs->mod_pairs, per, work;

	if (!walks)
		walks = 1;
	return !sysmem_mul_overflow(cs->pairs, 2 * SYSMEM_FORMAT_COUNT + 1,
				    &per) &&
	       !sysmem_mul_overflow(walks, per, &work) &&
	       work <= SYSMEM_IMAGE_WORK_MAX;
}

/**
 * sysmem_image_probe_start() - follow one candidate over growing prefixes
 * @pr: the probe
 * @fourcc: the candidate's format
 * @modifier: the candidate's modifier
 *
 * The probe starts with no participant folded; sysmem_image_probe_add()
 * folds them in order.
 */
void sysmem_image_probe_start(struct sysmem_image_probe *pr, u32 fourcc,
			      u64 modifier)
{
	pr->f = sysmem_format_lookup(fourcc);
	pr->m = modifier;
	sysmem_limits_init(&pr->c);
	pr->dead = !pr->f || modifier == SYSMEM_MODIFIER_DO_NOT_CARE;
	pr->f_named = false;
	pr->m_named = false;
	pr->sizes = false;
}

/**
 * sysmem_image_probe_add() - fold the next participant into a probe
 * @pr: the probe
 * @p: the participant after those already folded
 *
 * Rules 3.2 and 3.3 for one participant: its most specific entry
 * accepting the candidate is combined into the probe's limits; the probe
 * is dead once a participant accepts no entry or the combination fails.
 */
void sysmem_image_probe_add(struct sysmem_image_probe *pr,
			    const struct sysmem_participant *p)
{
	const struct sysmem_image_constraints *ic;
	u32 e, j, n, ne = sysmem_image_count(p);
	u64 work = 0;
	int idx;

	if (pr->dead || !ne)
		return;
	for (e = 0; e < ne; e++) {
		n = sysmem_image_nr_pairs(&p->images[e]);
		for (j = 0; j < n; j++) {
			const struct sysmem_format_pair *q =
				&p->images[e].formats[j];

			if (q->format == pr->f->fourcc)
				pr->f_named = true;
			if (q->modifier == pr->m && sysmem_pair_usable(q))
				pr->m_named = true;
		}
	}
	idx = sysmem_image_match(&work, p, pr->f, pr->m);
	if (idx < 0) {
		pr->dead = true;
		return;
	}
	ic = &p->images[idx];
	if ((ic->flags & SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE) ||
	    ic->nr_required_max_sizes)
		pr->sizes = true;
	if (sysmem_image_fold(ic, pr->f, &pr->c))
		pr->dead = true;
}

/**
 * sysmem_image_probe_survives() - whether the candidate lives
 * @pr: the probe, with @parts[0..@nr_parts) folded
 * @parts: the participants
 * @nr_parts: number of them
 * @buffer_size: their largest min_size_bytes
 * @max_size_bytes: their smallest max_size_bytes, ~0 when none
 *
 * Rules 3.2 to 3.6 for the probe's candidate, as sysmem_image_aggregate()
 * evaluates it for these participants, from the limits folded so far:
 * constant work unless an accepting entry has required sizes (rule 3.4
 * then matches every participant again).  Whether the walk would reach
 * the candidate is the caller's to check (sysmem_culprit.c).
 *
 * Return: true when the candidate survives.
 */
bool sysmem_image_probe_survives(struct sysmem_image_probe *pr,
				 const struct sysmem_participant *parts,
				 unsigned int nr_parts, u64 buffer_size,
				 u64 max_size_bytes)
{
	struct sysmem_image_agg a = {
		.parts = parts,
		/* Without required sizes rule 3.4 needs no participant. */
		.nr_parts = pr->sizes ? nr_parts : 0,
		.buffer_size = buffer_size,
		.max_size_bytes = max_size_bytes,
	};

	if (pr->dead)
		return false;
	pr->tmp = pr->c;
	if (sysmem_limits_check(pr->f, pr->m, &pr->tmp))
		return false;
	return !sysmem_image_try_sized(&a, pr->f, pr->m, &pr->tmp, &pr->img);
}
