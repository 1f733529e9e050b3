// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Write the seed corpus of sysmem_constraints_fuzz: one file per
 * meaningful scenario, encoded as sysmem_fuzz_input.h describes.
 * Usage: gen_seeds DIR.  The output is the same on every run (all bytes
 * are set explicitly), so the committed seeds only change when this file
 * does.  "make fuzz-seeds" rebuilds and reruns it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/sysmem.h>

#include "sysmem_fuzz_input.h"

/* lib/sysmem_format.h's fourccs, without pulling in lib/. */
#define FOURCC(a, b, c, d) \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | \
	 ((uint32_t)(d) << 24))
#define FMT_XRGB8888	FOURCC('X', 'R', '2', '4')
#define FMT_ARGB8888	FOURCC('A', 'R', '2', '4')
#define FMT_NV12	FOURCC('N', 'V', '1', '2')
#define FMT_YUV420	FOURCC('Y', 'U', '1', '2')
#define FMT_YUYV	FOURCC('Y', 'U', 'Y', 'V')
#define FMT_P010	FOURCC('P', '0', '1', '0')

/* DRM format modifiers (<drm/drm_fourcc.h>). */
#define MOD_VENDOR(v, x)	(((uint64_t)(v) << 56) | (x))
#define MOD_INTEL_Y_TILED	MOD_VENDOR(0x01, 2)
#define MOD_ARM_AFBC_16X16	MOD_VENDOR(0x08, 1)
#define MOD_INVALID		0x00ffffffffffffffULL

#define CPU_RW	(SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE)

/* ---- encoder ---- */

struct seed {
	uint8_t buf[8192];
	size_t len;
};

/* One participant under construction. */
struct part {
	struct sysmem_buffer_constraints c;
	unsigned int ctl_extra;		/* SYSMEM_FUZZ_CTL_RAW_* */
	unsigned int nr_heaps;
	int heap_sel[SYSMEM_FUZZ_MAX_HEAP_NAMES];	/* -1: raw */
	char heap_raw[SYSMEM_FUZZ_MAX_HEAP_NAMES][SYSMEM_HEAP_NAME_LEN];
	unsigned int nr_images;
	struct sysmem_image_constraints img[SYSMEM_FUZZ_MAX_IMAGES];
};

static void put(struct seed *s, const void *p, size_t len)
{
	if (s->len + len > sizeof(s->buf)) {
		fprintf(stderr, "gen_seeds: seed too large\n");
		exit(1);
	}
	memcpy(s->buf + s->len, p, len);
	s->len += len;
}

static void put_u8(struct seed *s, unsigned int v)
{
	uint8_t b = v;

	put(s, &b, 1);
}

static void encode(struct seed *s, struct part *parts, unsigned int n)
{
	unsigned int i, j;

	s->len = 0;
	put_u8(s, n - 1);
	for (i = 0; i < n; i++) {
		struct part *p = &parts[i];

		put(s, &p->c, sizeof(p->c));
		put_u8(s, SYSMEM_FUZZ_CTL(p->nr_heaps, p->nr_images) |
			  p->ctl_extra);
		for (j = 0; j < p->nr_heaps; j++) {
			if (p->heap_sel[j] >= 0) {
				put_u8(s, p->heap_sel[j]);
			} else {
				put_u8(s, SYSMEM_FUZZ_HEAP_RAW);
				put(s, p->heap_raw[j], SYSMEM_HEAP_NAME_LEN);
			}
		}
		for (j = 0; j < p->nr_images; j++)
			put(s, &p->img[j], sizeof(p->img[j]));
	}
}

static const char *outdir;
static unsigned int nr_written;

static void emit(const char *name, struct part *parts, unsigned int n)
{
	struct seed s;
	char path[4096];
	FILE *f;

	encode(&s, parts, n);
	snprintf(path, sizeof(path), "%s/seed-%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s.buf, 1, s.len, f) != s.len || fclose(f)) {
		fprintf(stderr, "gen_seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nr_written++;
}

/* ---- building blocks ---- */

/* A valid participant: @usage, @camping buffers of @size bytes. */
static struct part mk(uint64_t usage, uint32_t camping, uint64_t size)
{
	struct part p;

	memset(&p, 0, sizeof(p));
	p.c.usage = usage;
	p.c.min_buffer_count_for_camping = camping;
	p.c.min_size_bytes = size;
	return p;
}

static void max_count(struct part *p, uint32_t max)
{
	p->c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	p->c.max_buffer_count = max;
}

static void max_size(struct part *p, uint64_t max)
{
	p->c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
	p->c.max_size_bytes = max;
}

static void domains(struct part *p, uint32_t d)
{
	p->c.flags |= SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	p->c.coherency_domains = d;
}

/* Add permitted heap @sel (a SYSMEM_FUZZ_SEL_*); sets the flag. */
static void heap(struct part *p, int sel)
{
	p->c.flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	p->heap_sel[p->nr_heaps++] = sel;
}

/* Add a permitted heap spelled out in 32 raw bytes. */
static void heap_raw(struct part *p, const char *bytes)
{
	p->c.flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	memcpy(p->heap_raw[p->nr_heaps], bytes, SYSMEM_HEAP_NAME_LEN);
	p->heap_sel[p->nr_heaps++] = -1;
}

/*
 * Add an image entry accepting (@format, @modifier) in @cs, at least
 * @w x @h; returns it for more settings.
 */
static struct sysmem_image_constraints *
image(struct part *p, uint32_t format, uint64_t modifier, uint32_t cs,
      uint32_t w, uint32_t h)
{
	struct sysmem_image_constraints *ic = &p->img[p->nr_images++];

	memset(ic, 0, sizeof(*ic));
	ic->nr_formats = 1;
	ic->formats[0].format = format;
	ic->formats[0].modifier = modifier;
	ic->nr_color_spaces = 1;
	ic->color_spaces[0] = cs;
	ic->min_size.width = w;
	ic->min_size.height = h;
	return ic;
}

static void add_format(struct sysmem_image_constraints *ic, uint32_t format,
		       uint64_t modifier)
{
	ic->formats[ic->nr_formats].format = format;
	ic->formats[ic->nr_formats].modifier = modifier;
	ic->nr_formats++;
}

static void add_cs(struct sysmem_image_constraints *ic, uint32_t cs)
{
	ic->color_spaces[ic->nr_color_spaces++] = cs;
}

static void img_max(struct sysmem_image_constraints *ic, uint32_t w,
		    uint32_t h)
{
	ic->flags |= SYSMEM_IMAGE_HAS_MAX_SIZE;
	ic->max_size.width = w;
	ic->max_size.height = h;
}

static void img_required_max(struct sysmem_image_constraints *ic, uint32_t w,
			     uint32_t h)
{
	ic->flags |= SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic->required_max_size.width = w;
	ic->required_max_size.height = h;
}

/* The NV12 camera of the camera + display scenarios: 1080p, REC709. */
static struct part camera(void)
{
	struct part p = mk(SYSMEM_USAGE_VIDEO_CAPTURE, 3, 0);
	struct sysmem_image_constraints *ic;

	ic = image(&p, FMT_NV12, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_REC709, 640, 480);
	img_max(ic, 1920, 1080);
	img_required_max(ic, 1920, 1080);
	ic->bytes_per_row_divisor = 16;
	ic->size_alignment.width = 2;
	ic->size_alignment.height = 2;
	return p;
}

/* A display layer scanning out NV12 or XRGB8888 with 64-byte pitches. */
static struct part display(void)
{
	struct part p = mk(SYSMEM_USAGE_DISPLAY_LAYER, 1, 0);
	struct sysmem_image_constraints *ic;

	ic = image(&p, FMT_NV12, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_REC709, 64, 64);
	add_cs(ic, SYSMEM_COLOR_SPACE_REC601_NTSC);
	img_max(ic, 4096, 4096);
	ic->flags |= SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
	ic->max_bytes_per_row = 16384;
	ic->bytes_per_row_divisor = 64;
	ic->start_offset_divisor = 4096;
	ic = image(&p, FMT_XRGB8888, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_SRGB, 64, 64);
	img_max(ic, 4096, 4096);
	ic->bytes_per_row_divisor = 64;
	return p;
}

int main(int argc, char **argv)
{
	struct part p[SYSMEM_FUZZ_MAX_PARTS];
	struct sysmem_image_constraints *ic;
	unsigned int i;
	char raw[SYSMEM_HEAP_NAME_LEN];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	outdir = argv[1];

	/* ---- buffer constraints only ---- */
	p[0] = mk(CPU_RW, 1, 4096);
	emit("valid-single-cpu", p, 1);

	p[0] = mk(SYSMEM_USAGE_NONE, 0, 0);
	p[1] = mk(SYSMEM_USAGE_VULKAN_SAMPLED, 2, 65536);
	emit("usage-none-plus-vulkan", p, 2);

	/*
	 * Camping 3 + 3 + 2, dedicated slack 1, shared slack max(1, 2):
	 * 11 buffers; a fourth participant's min_buffer_count of 12 makes
	 * it 12, and a max_buffer_count of 8 fails.
	 */
	p[0] = mk(SYSMEM_USAGE_VIDEO_DECODER, 3, 1 << 20);
	p[0].c.min_buffer_count_for_shared_slack = 1;
	p[1] = mk(SYSMEM_USAGE_VULKAN_SAMPLED, 3, 1 << 19);
	p[1].c.min_buffer_count_for_shared_slack = 2;
	p[1].c.min_buffer_count_for_dedicated_slack = 1;
	p[2] = mk(SYSMEM_USAGE_DISPLAY_LAYER, 2, 1 << 20);
	max_count(&p[2], 16);
	emit("three-camping", p, 3);
	p[3] = mk(SYSMEM_USAGE_CPU_READ, 0, 4096);
	p[3].c.min_buffer_count = 12;
	emit("four-camping-min-count", p, 4);
	max_count(&p[2], 8);
	emit("three-camping-above-max", p, 3);

	p[0] = mk(SYSMEM_USAGE_VIDEO_DECODER, 100, 4096);
	p[1] = mk(SYSMEM_USAGE_DISPLAY_LAYER, 29, 4096);
	emit("count-above-128", p, 2);

	p[0] = mk(CPU_RW, 1, 4096);
	max_size(&p[0], 8192);
	p[1] = mk(SYSMEM_USAGE_VULKAN_STORAGE, 1, 6000);
	max_size(&p[1], 1 << 20);
	emit("size-range-ok", p, 2);
	p[1].c.min_size_bytes = 16384;
	emit("size-above-max", p, 2);

	/* ---- secure, contiguous, domains ---- */
	p[0] = mk(SYSMEM_USAGE_VIDEO_DECODER, 4, 1 << 21);
	p[0].c.flags |= SYSMEM_CONSTRAINTS_SECURE;
	p[1] = mk(SYSMEM_USAGE_DISPLAY_LAYER, 1, 0);
	emit("secure-decoder-display", p, 2);
	p[1] = mk(SYSMEM_USAGE_CPU_READ, 1, 0);
	p[1].c.flags |= SYSMEM_CONSTRAINTS_SECURE;
	emit("secure-with-cpu-invalid", p, 2);
	p[0].c.flags |= SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	emit("secure-contiguous-no-heap", p, 1);

	p[0] = mk(SYSMEM_USAGE_DISPLAY_LAYER, 2, 1 << 22);
	p[0].c.flags |= SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	p[1] = mk(CPU_RW, 1, 4096);
	emit("contiguous-display-cpu", p, 2);

	p[0] = mk(SYSMEM_USAGE_DISPLAY_LAYER, 2, 4096);
	domains(&p[0], SYSMEM_DOMAIN_RAM);
	p[1] = mk(SYSMEM_USAGE_CPU_WRITE, 1, 4096);
	domains(&p[1], SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM);
	emit("domains-ram", p, 2);
	domains(&p[1], SYSMEM_DOMAIN_CPU);
	emit("domains-disjoint", p, 2);

	/* ---- permitted heaps ---- */
	p[0] = mk(SYSMEM_USAGE_VULKAN_SAMPLED, 2, 1 << 16);
	heap(&p[0], SYSMEM_FUZZ_SEL_CMA);
	heap(&p[0], SYSMEM_FUZZ_SEL_SYSTEM);
	p[1] = mk(CPU_RW, 1, 4096);
	heap(&p[1], SYSMEM_FUZZ_SEL_SYSTEM);
	heap(&p[1], SYSMEM_FUZZ_SEL_OTHER);
	emit("permitted-heaps-system", p, 2);
	p[1].nr_heaps = 0;
	heap(&p[1], SYSMEM_FUZZ_SEL_CMA);
	emit("permitted-heaps-cma", p, 2);
	p[0].nr_heaps = 0;
	heap(&p[0], SYSMEM_FUZZ_SEL_SECURE);
	emit("permitted-heaps-disjoint", p, 2);

	p[0] = mk(CPU_RW, 1, 4096);
	memset(raw, 'A', sizeof(raw));
	heap_raw(&p[0], raw);
	emit("heap-name-unterminated", p, 1);
	p[0].nr_heaps = 0;
	emit("heap-flag-without-list", p, 1);
	p[0] = mk(CPU_RW, 1, 4096);
	heap(&p[0], SYSMEM_FUZZ_SEL_CMA);
	p[0].c.flags &= ~SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	emit("heap-list-without-flag", p, 1);
	p[0].c.heap_count = 1000;
	p[0].ctl_extra = SYSMEM_FUZZ_CTL_RAW_HEAP_COUNT;
	emit("heap-count-raw-ignored", p, 1);

	/* ---- per-participant rejections ---- */
	p[0] = mk(CPU_RW, 1, 4096);
	p[0].c.flags = 0x40;
	p[1] = mk(CPU_RW, 1, 4096);
	p[1].c.reserved = 1;
	p[2] = mk(SYSMEM_USAGE_NONE | SYSMEM_USAGE_CPU_READ, 1, 4096);
	p[3] = mk(1ULL << 5, 1, 4096);
	p[4] = mk(SYSMEM_USAGE_CPU_READ, 1, 4096);
	max_count(&p[4], 0);
	p[5] = mk(SYSMEM_USAGE_CPU_READ, 5, 4096);
	max_count(&p[5], 4);
	p[6] = mk(SYSMEM_USAGE_CPU_READ, 1, 8192);
	max_size(&p[6], 4096);
	p[7] = mk(SYSMEM_USAGE_VIDEO_ENCODER, 1, 4096);
	emit("eight-mostly-invalid", p, 8);

	/* ---- image formats ---- */
	p[0] = camera();
	p[1] = display();
	emit("nv12-camera-display", p, 2);
	p[2] = mk(SYSMEM_USAGE_VULKAN_SAMPLED, 2, 0);
	ic = image(&p[2], FMT_NV12, SYSMEM_MODIFIER_DO_NOT_CARE,
		   SYSMEM_COLOR_SPACE_DO_NOT_CARE, 1, 1);
	ic->bytes_per_row_divisor = 256;
	emit("nv12-camera-display-vulkan", p, 3);

	p[0] = camera();
	p[0].c.flags |= SYSMEM_CONSTRAINTS_SECURE;
	p[0].c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	p[1] = display();
	emit("nv12-secure-decoder-display", p, 2);

	/*
	 * Vendor modifier: a tiled NV12 both sides understand.  sysmem
	 * cannot lay out a vendor modifier, so the buffer size must come
	 * from min_size_bytes.
	 */
	p[0] = camera();
	p[0].img[0].formats[0].modifier = MOD_INTEL_Y_TILED;
	p[0].c.min_size_bytes = 4 << 20;
	p[1] = display();
	add_format(&p[1].img[0], FMT_NV12, MOD_INTEL_Y_TILED);
	emit("vendor-modifier-shared", p, 2);
	p[1] = display();
	emit("vendor-modifier-mismatch", p, 2);
	p[0].img[0].formats[0].modifier = MOD_ARM_AFBC_16X16;
	p[0].img[0].formats[0].format = FMT_ARGB8888;
	p[0].img[0].color_spaces[0] = SYSMEM_COLOR_SPACE_SRGB;
	p[0].img[0].flags |= SYSMEM_IMAGE_ALPHA_PRESENT;
	p[1] = mk(SYSMEM_USAGE_VULKAN_COLOR_ATTACHMENT, 2, 0);
	image(&p[1], FMT_ARGB8888, MOD_ARM_AFBC_16X16,
	      SYSMEM_COLOR_SPACE_SRGB, 256, 256);
	p[1].c.min_size_bytes = 9 << 20;
	emit("vendor-modifier-afbc-alpha", p, 2);

	/* Do-not-care on one side, a concrete RGB format on the other. */
	p[0] = mk(SYSMEM_USAGE_CPU_READ, 1, 0);
	image(&p[0], SYSMEM_FORMAT_DO_NOT_CARE, SYSMEM_MODIFIER_DO_NOT_CARE,
	      SYSMEM_COLOR_SPACE_DO_NOT_CARE, 1, 1);
	p[1] = mk(SYSMEM_USAGE_VULKAN_SAMPLED, 1, 0);
	ic = image(&p[1], FMT_XRGB8888, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_SRGB, 800, 600);
	ic->flags |= SYSMEM_IMAGE_BYTES_PER_ROW_AT_PIXEL_BOUNDARY;
	emit("image-do-not-care-rgb", p, 2);

	/* Three-plane YUV with required sizes and offset alignment. */
	p[0] = mk(SYSMEM_USAGE_VIDEO_DECODER, 4, 0);
	ic = image(&p[0], FMT_YUV420, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_REC601_PAL, 176, 144);
	img_max(ic, 3840, 2160);
	ic->flags |= SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE;
	ic->required_min_size.width = 352;
	ic->required_min_size.height = 288;
	ic->nr_required_max_sizes = 2;
	ic->required_max_sizes[0].width = 1280;
	ic->required_max_sizes[0].height = 720;
	ic->required_max_sizes[1].width = 720;
	ic->required_max_sizes[1].height = 1280;
	ic->start_offset_divisor = 4096;
	ic->bytes_per_row_divisor = 32;
	p[1] = mk(SYSMEM_USAGE_CPU_READ_OFTEN, 1, 0);
	ic = image(&p[1], FMT_YUV420, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_REC601_PAL, 2, 2);
	add_format(ic, FMT_NV12, SYSMEM_MODIFIER_LINEAR);
	emit("yuv420-required-sizes", p, 2);

	/* P010 bounded by max width * height, YUYV second choice. */
	p[0] = mk(SYSMEM_USAGE_VIDEO_DECODER, 2, 0);
	ic = image(&p[0], FMT_P010, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_REC2100, 1920, 1080);
	add_cs(ic, SYSMEM_COLOR_SPACE_REC2020);
	ic->flags |= SYSMEM_IMAGE_HAS_MAX_WIDTH_TIMES_HEIGHT;
	ic->max_width_times_height = 3840ULL * 2160;
	ic = image(&p[0], FMT_YUYV, SYSMEM_MODIFIER_LINEAR,
		   SYSMEM_COLOR_SPACE_REC709, 1920, 1080);
	p[1] = mk(SYSMEM_USAGE_DISPLAY_LAYER, 1, 1 << 20);
	image(&p[1], FMT_YUYV, SYSMEM_MODIFIER_LINEAR,
	      SYSMEM_COLOR_SPACE_REC709, 2, 2);
	emit("p010-yuyv-fallback", p, 2);

	/* Image size above the buffer's max_size_bytes. */
	p[0] = camera();
	max_size(&p[0], 4096);
	emit("image-larger-than-max-size", p, 1);

	/* Invalid image entries, one rule each. */
	p[0] = camera();
	p[0].img[0].nr_formats = 0;
	emit("image-no-formats", p, 1);
	p[0] = camera();
	p[0].img[0].formats[0].format = FOURCC('Z', 'Z', 'Z', 'Z');
	emit("image-unknown-fourcc", p, 1);
	p[0] = camera();
	p[0].img[0].formats[0].modifier = MOD_INVALID;
	emit("image-invalid-modifier", p, 1);
	p[0] = camera();
	p[0].img[0].color_spaces[0] = SYSMEM_COLOR_SPACE_SRGB;
	emit("image-color-space-vs-format", p, 1);
	p[0] = camera();
	p[0].img[0].max_size.width = 320;
	emit("image-min-above-max", p, 1);
	p[0] = camera();
	add_format(&p[0].img[0], FMT_NV12, SYSMEM_MODIFIER_LINEAR);
	emit("image-duplicate-pair", p, 1);
	p[0] = camera();
	p[0].img[0].nr_required_max_sizes = SYSMEM_MAX_REQUIRED_SIZES + 1;
	emit("image-too-many-required-sizes", p, 1);

	/* Raw user-pointer fields: non-zero image_formats with no entries. */
	p[0] = mk(CPU_RW, 1, 4096);
	p[0].c.image_formats = 0x7fff00001000ULL;
	p[0].ctl_extra = SYSMEM_FUZZ_CTL_RAW_POINTERS;
	emit("raw-pointer-no-images", p, 1);

	for (i = 0; i < SYSMEM_FUZZ_HEAP_DICT_LEN; i++)
		if (!SYSMEM_FUZZ_HEAP_DICT[i])
			return 1;
	printf("gen_seeds: %u seeds in %s\n", nr_written, outdir);
	return 0;
}
