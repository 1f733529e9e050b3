// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for sysmem_constraints_validate() and
 * sysmem_aggregate() of lib/sysmem_constraints.c, and for
 * sysmem_aggregate_culprit() of lib/sysmem_culprit.c.
 *
 * The input is decoded into 1 to 8 participants as described in
 * sysmem_fuzz_input.h.  Each participant is validated; the valid ones are
 * aggregated twice against a fixed table of three heaps, and the result
 * is checked against the invariants below.  A broken invariant prints
 * what broke and calls abort(), which libFuzzer reports as a crash; ASan
 * and UBSan (-fno-sanitize-recover=all) do the same for memory errors
 * and undefined behaviour in lib/.
 *
 * Invariants of sysmem_aggregate(), from lib/sysmem_constraints.h:
 *   A1  it returns SYSMEM_FAIL_NONE, _CONSTRAINTS or _NO_HEAP only;
 *   A2  on failure every byte of the settings is 0 and @why is set;
 *   A3  the same input aggregated twice (into buffers pre-filled with
 *       different bytes) gives the same return value, byte-identical
 *       settings and the same @why: deterministic, and on success every
 *       byte is written;
 * on success:
 *   S1  buffer_count is 1 to SYSMEM_MAX_BUFFERS and at most every
 *       participant's max_buffer_count (when flagged);
 *   S2  size_bytes is at least every min_size_bytes and at most every
 *       max_size_bytes (when flagged);
 *   S3  coherency_domain is exactly one SYSMEM_DOMAIN_* bit;
 *   S4  heap is one of the registered heap names, NUL-padded;
 *   with SYSMEM_SETTINGS_HAS_IMAGE_FORMAT:
 *   I1  image.size lies within [image.min_size, image.max_size];
 *   I2  image.bytes_per_row is a multiple of image.bytes_per_row_divisor
 *       (which is not 0);
 *   I3  every plane, offset + bytes_per_row * rows, ends within
 *       image.image_size (the rows of a plane are the image height, or
 *       height / vsub for a chroma plane, from lib/sysmem_format.h);
 *   I4  image.image_size is at most size_bytes.
 * And, from Documentation/sysmem/negotiation.rst:
 *   V1  sysmem_constraints_validate() returns SYSMEM_VALID or an enum
 *       sysmem_invalid, the same value twice, and a valid participant
 *       supports at least one known coherency domain;
 *   R1  no participant: SYSMEM_FAIL_CONSTRAINTS;
 *   R2  buffer_count is at least every min_buffer_count and at least
 *       sum(camping) + sum(dedicated slack) + max(shared slack);
 *   R3  coherency_domain is supported by every participant and the heap;
 *   R4  SECURE and PHYSICALLY_CONTIGUOUS are set exactly when some
 *       participant asked; the heap is secure exactly when the settings
 *       are, and contiguous when they are; no unknown settings flag;
 *   R5  usage is the OR of every participant's usage;
 *   R6  every participant with a permitted-heaps list names the heap;
 *   R7  the chosen image format is in lib/sysmem_format.c's table;
 *       with the LINEAR modifier image.nr_planes is its plane count (so
 *       I3 can be checked), with a vendor modifier nr_planes,
 *       bytes_per_row and image_size are 0 (sysmem knows no layout);
 * and from the rules at the top of lib/sysmem_image.c (3.5, 3.9):
 *   I5  with LINEAR, start_offset_divisor is not 0 and the planes are
 *       packed: plane 0 at 0, each next plane right after the last row
 *       of the one before (the divisor is about the image's start);
 *   L1  with LINEAR, sysmem_image_format_layout() of the chosen format
 *       at the chosen size succeeds and reproduces it byte for byte;
 * on failure, from lib/sysmem_culprit.h:
 *   C1  sysmem_aggregate_culprit() names the first participant k for
 *       which sysmem_aggregate() of participants 0..k fails with the
 *       same reason and why (the prefix definition, run here), from
 *       index 0 and from a later first index.
 *
 * With SYSMEM_FUZZ_VERBOSE set in the environment it also prints, for
 * each input it runs, why each participant is (in)valid and what the
 * aggregation chose; run it on corpus files to see what they exercise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysmem_constraints.h"
#include "sysmem_culprit.h"
#include "sysmem_format.h"
#include "sysmem_image.h"
#include "sysmem_fuzz_input.h"

/* The registered heaps, in registration order. */
static const struct sysmem_heap_desc fuzz_heaps[] = {
	{ .name = "system", .domains = SYSMEM_DOMAIN_ALL },
	{ .name = "cma", .domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM,
	  .contiguous = true },
	{ .name = "secure", .domains = SYSMEM_DOMAIN_INACCESSIBLE,
	  .secure = true },
};

#define NR_FUZZ_HEAPS	(sizeof(fuzz_heaps) / sizeof(fuzz_heaps[0]))

/*
 * One decoded participant.  The arrays are allocated to their exact size
 * so that ASan catches a read past heap_count or image_format_count.
 */
struct fuzz_part {
	struct sysmem_buffer_constraints *c;
	struct sysmem_heap_name *heaps;		/* NULL when none decoded */
	struct sysmem_image_constraints *images; /* NULL when none decoded */
	unsigned int nr_heaps, nr_images;
	int valid;
};

struct reader {
	const uint8_t *p;
	size_t left;
};

/* Copy @len input bytes to @dst; past the end of the input, zeros. */
static void rd(struct reader *r, void *dst, size_t len)
{
	size_t k = len < r->left ? len : r->left;

	memcpy(dst, r->p, k);
	memset((uint8_t *)dst + k, 0, len - k);
	r->p += k;
	r->left -= k;
}

static uint8_t rd_u8(struct reader *r)
{
	uint8_t v;

	rd(r, &v, 1);
	return v;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

static void decode_part(struct reader *r, struct fuzz_part *fp)
{
	struct sysmem_buffer_constraints *c;
	unsigned int i, ctl;

	c = fp->c = xcalloc(1, sizeof(*c));
	rd(r, c, sizeof(*c));
	ctl = rd_u8(r);
	fp->nr_heaps = SYSMEM_FUZZ_CTL_HEAPS(ctl);
	fp->nr_images = SYSMEM_FUZZ_CTL_IMAGES(ctl);

	if (fp->nr_heaps)
		fp->heaps = xcalloc(fp->nr_heaps, sizeof(*fp->heaps));
	for (i = 0; i < fp->nr_heaps; i++) {
		unsigned int sel = rd_u8(r);

		if (sel >= SYSMEM_FUZZ_HEAP_RAW)
			rd(r, fp->heaps[i].name, sizeof(fp->heaps[i].name));
		else
			strcpy(fp->heaps[i].name,
			       SYSMEM_FUZZ_HEAP_DICT[sel % SYSMEM_FUZZ_HEAP_DICT_LEN]);
	}

	if (fp->nr_images)
		fp->images = xcalloc(fp->nr_images, sizeof(*fp->images));
	for (i = 0; i < fp->nr_images; i++)
		rd(r, &fp->images[i], sizeof(fp->images[i]));

	/* Counts always match the arrays (bit 7: see sysmem_fuzz_input.h). */
	if (!(ctl & SYSMEM_FUZZ_CTL_RAW_HEAP_COUNT) ||
	    (c->flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS))
		c->heap_count = fp->nr_heaps;
	c->image_format_count = fp->nr_images;
	if (!(ctl & SYSMEM_FUZZ_CTL_RAW_POINTERS)) {
		c->heaps = (uintptr_t)fp->heaps;
		c->image_formats = (uintptr_t)fp->images;
	}
}

static void free_part(struct fuzz_part *fp)
{
	free(fp->c);
	free(fp->heaps);
	free(fp->images);
}

/* ---- reporting ---- */

static const struct sysmem_participant *g_parts;
static unsigned int g_nr_parts;

static void dump_settings(const char *tag, const struct sysmem_buffer_settings *s)
{
	const struct sysmem_image_format *im = &s->image;
	unsigned int p;

	fprintf(stderr,
		"  %s: size_bytes %llu buffer_count %u domain %#x flags %#x usage %#llx heap \"%.*s\"\n",
		tag, (unsigned long long)s->size_bytes, s->buffer_count,
		s->coherency_domain, s->flags, (unsigned long long)s->usage,
		(int)sizeof(s->heap), s->heap);
	if (!(s->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT))
		return;
	fprintf(stderr,
		"  image: format %#x (%.4s) modifier %#llx color_space %u size %ux%u bpr %u nr_planes %u image_size %llu\n"
		"         min %ux%u max %ux%u align %ux%u bpr [%u, %u] / %u start_offset / %u flags %#x\n",
		im->format, (const char *)&im->format,
		(unsigned long long)im->modifier, im->color_space,
		im->size.width, im->size.height, im->bytes_per_row,
		im->nr_planes, (unsigned long long)im->image_size,
		im->min_size.width, im->min_size.height,
		im->max_size.width, im->max_size.height,
		im->size_alignment.width, im->size_alignment.height,
		im->min_bytes_per_row, im->max_bytes_per_row,
		im->bytes_per_row_divisor, im->start_offset_divisor, im->flags);
	for (p = 0; p < SYSMEM_MAX_PLANES; p++)
		fprintf(stderr, "         plane %u: offset %llu bpr %u\n", p,
			(unsigned long long)im->planes[p].offset,
			im->planes[p].bytes_per_row);
}

static void dump_parts(void)
{
	unsigned int i;

	for (i = 0; i < g_nr_parts; i++) {
		const struct sysmem_buffer_constraints *c = g_parts[i].c;

		fprintf(stderr,
			"  part %u: usage %#llx flags %#x camping %u dedicated %u shared %u min %u max %u size [%llu, %llu] domains %#x heaps %u images %u\n",
			i, (unsigned long long)c->usage, c->flags,
			c->min_buffer_count_for_camping,
			c->min_buffer_count_for_dedicated_slack,
			c->min_buffer_count_for_shared_slack,
			c->min_buffer_count, c->max_buffer_count,
			(unsigned long long)c->min_size_bytes,
			(unsigned long long)c->max_size_bytes,
			c->coherency_domains, c->heap_count,
			c->image_format_count);
	}
}

static const struct sysmem_buffer_settings *g_out;

/* SYSMEM_FUZZ_VERBOSE set: print what each input decodes to (for seeds). */
static int verbose = -1;

#define CHECK(cond, id, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "sysmem fuzz: invariant %s broken: ", id); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			dump_parts();					\
			if (g_out)					\
				dump_settings("settings", g_out);	\
			abort();					\
		}							\
	} while (0)

/* ---- invariants ---- */

static int all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

static const struct sysmem_heap_desc *
find_heap(const struct sysmem_buffer_settings *s)
{
	unsigned int i;

	for (i = 0; i < NR_FUZZ_HEAPS; i++) {
		char padded[SYSMEM_HEAP_NAME_LEN] = { 0 };

		strcpy(padded, fuzz_heaps[i].name);
		if (!memcmp(padded, s->heap, sizeof(padded)))
			return &fuzz_heaps[i];
	}
	return NULL;
}

static int names_heap(const struct sysmem_participant *p, const char *name)
{
	u32 j;

	for (j = 0; j < p->c->heap_count; j++)
		if (!strncmp(p->heaps[j].name, name, SYSMEM_HEAP_NAME_LEN))
			return 1;
	return 0;
}

static void check_image(const struct sysmem_buffer_settings *s)
{
	const struct sysmem_image_format *im = &s->image;
	const struct sysmem_format_desc *f;
	unsigned int p;
	u64 end = 0;

	CHECK(im->min_size.width <= im->size.width &&
	      im->size.width <= im->max_size.width &&
	      im->min_size.height <= im->size.height &&
	      im->size.height <= im->max_size.height,
	      "I1", "image.size %ux%u outside [%ux%u, %ux%u]",
	      im->size.width, im->size.height, im->min_size.width,
	      im->min_size.height, im->max_size.width, im->max_size.height);
	CHECK(im->bytes_per_row_divisor, "I2", "bytes_per_row_divisor is 0");
	CHECK(im->bytes_per_row % im->bytes_per_row_divisor == 0, "I2",
	      "bytes_per_row %u not a multiple of %u", im->bytes_per_row,
	      im->bytes_per_row_divisor);

	f = sysmem_format_lookup(im->format);
	CHECK(f, "R7", "chosen format %#x is not in the format table",
	      im->format);
	if (im->modifier != SYSMEM_MODIFIER_LINEAR) {
		/*
		 * Vendor modifier: no layout, the buffer size is the
		 * participants' (lib/sysmem_image.c rule 3.6).
		 */
		CHECK(!im->nr_planes && !im->image_size && !im->bytes_per_row,
		      "R7", "vendor modifier with a layout");
	} else {
		CHECK(im->nr_planes == f->nr_planes &&
		      im->nr_planes <= SYSMEM_MAX_PLANES, "R7",
		      "nr_planes %u, format has %u", im->nr_planes,
		      f->nr_planes);
		CHECK(im->start_offset_divisor, "I5",
		      "start_offset_divisor is 0");
	}
	for (p = 0; p < im->nr_planes; p++) {
		u64 rows = p ? im->size.height / f->vsub : im->size.height;
		u64 size = (u64)im->planes[p].bytes_per_row * rows;
		u64 off = im->planes[p].offset;

		CHECK(off <= im->image_size && size <= im->image_size - off,
		      "I3", "plane %u [%llu, +%llu) beyond image_size %llu", p,
		      (unsigned long long)off, (unsigned long long)size,
		      (unsigned long long)im->image_size);
		CHECK(off == end, "I5", "plane %u at %llu, not packed at %llu",
		      p, (unsigned long long)off, (unsigned long long)end);
		end = off + size;
	}
	if (im->modifier == SYSMEM_MODIFIER_LINEAR) {
		struct sysmem_image_format again;

		memset(&again, 0xa5, sizeof(again));
		CHECK(!sysmem_image_format_layout(im, im->size.width,
						  im->size.height, &again) &&
		      !memcmp(&again, im, sizeof(again)), "L1",
		      "sysmem_image_format_layout() at the chosen size differs");
	}
	CHECK(im->image_size <= s->size_bytes, "I4",
	      "image_size %llu above size_bytes %llu",
	      (unsigned long long)im->image_size,
	      (unsigned long long)s->size_bytes);
}

static void check_success(const struct sysmem_participant *parts,
			  unsigned int n, const struct sysmem_buffer_settings *s)
{
	const u32 known_flags = SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS |
				SYSMEM_SETTINGS_SECURE |
				SYSMEM_SETTINGS_HAS_IMAGE_FORMAT;
	u64 camping = 0, dedicated = 0, shared = 0, usage = 0;
	bool secure = false, contiguous = false;
	const struct sysmem_heap_desc *heap;
	unsigned int i;

	CHECK(s->buffer_count >= 1 && s->buffer_count <= SYSMEM_MAX_BUFFERS,
	      "S1", "buffer_count %u", s->buffer_count);
	CHECK(s->coherency_domain &&
	      !(s->coherency_domain & (s->coherency_domain - 1)) &&
	      !(s->coherency_domain & ~SYSMEM_DOMAIN_ALL),
	      "S3", "coherency_domain %#x", s->coherency_domain);
	heap = find_heap(s);
	CHECK(heap, "S4", "heap \"%.*s\" is not a registered heap",
	      SYSMEM_HEAP_NAME_LEN, s->heap);

	for (i = 0; i < n; i++) {
		const struct sysmem_buffer_constraints *c = parts[i].c;

		if (c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT)
			CHECK(s->buffer_count <= c->max_buffer_count, "S1",
			      "buffer_count %u above part %u's max %u",
			      s->buffer_count, i, c->max_buffer_count);
		CHECK(s->size_bytes >= c->min_size_bytes, "S2",
		      "size_bytes %llu below part %u's min %llu",
		      (unsigned long long)s->size_bytes, i,
		      (unsigned long long)c->min_size_bytes);
		if (c->flags & SYSMEM_CONSTRAINTS_HAS_MAX_SIZE)
			CHECK(s->size_bytes <= c->max_size_bytes, "S2",
			      "size_bytes %llu above part %u's max %llu",
			      (unsigned long long)s->size_bytes, i,
			      (unsigned long long)c->max_size_bytes);
		CHECK(s->buffer_count >= c->min_buffer_count, "R2",
		      "buffer_count %u below part %u's min_buffer_count %u",
		      s->buffer_count, i, c->min_buffer_count);
		CHECK(s->coherency_domain & sysmem_constraints_domains(c), "R3",
		      "domain %#x not supported by part %u (%#x)",
		      s->coherency_domain, i, sysmem_constraints_domains(c));
		if ((c->flags & SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS) &&
		    parts[i].heaps)
			CHECK(names_heap(&parts[i], heap->name), "R6",
			      "heap %s not permitted by part %u", heap->name, i);
		camping += c->min_buffer_count_for_camping;
		dedicated += c->min_buffer_count_for_dedicated_slack;
		if (c->min_buffer_count_for_shared_slack > shared)
			shared = c->min_buffer_count_for_shared_slack;
		usage |= c->usage;
		secure |= !!(c->flags & SYSMEM_CONSTRAINTS_SECURE);
		contiguous |= !!(c->flags & SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS);
	}
	/* At most 8 participants of u32 counts: no u64 overflow. */
	CHECK(s->buffer_count >= camping + dedicated + shared, "R2",
	      "buffer_count %u below camping %llu + dedicated %llu + shared %llu",
	      s->buffer_count, (unsigned long long)camping,
	      (unsigned long long)dedicated, (unsigned long long)shared);
	CHECK(s->coherency_domain & heap->domains, "R3",
	      "domain %#x not supported by heap %s", s->coherency_domain,
	      heap->name);
	CHECK(!(s->flags & ~known_flags), "R4", "unknown flags %#x", s->flags);
	CHECK(!!(s->flags & SYSMEM_SETTINGS_SECURE) == secure &&
	      heap->secure == secure, "R4",
	      "secure: settings %d, participants %d, heap %s %d",
	      !!(s->flags & SYSMEM_SETTINGS_SECURE), secure, heap->name,
	      heap->secure);
	CHECK(!!(s->flags & SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS) == contiguous &&
	      (!contiguous || heap->contiguous), "R4",
	      "contiguous: settings %d, participants %d, heap %s %d",
	      !!(s->flags & SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS),
	      contiguous, heap->name, heap->contiguous);
	CHECK(s->usage == usage, "R5", "usage %#llx, participants' OR %#llx",
	      (unsigned long long)s->usage, (unsigned long long)usage);

	if (s->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT)
		check_image(s);
}

/* Aggregate into a buffer pre-filled with @fill; check A1 and A2. */
static u32 aggregate(const struct sysmem_participant *parts, unsigned int n,
		     struct sysmem_buffer_settings *out, uint8_t fill,
		     const char **why)
{
	u32 ret;

	memset(out, fill, sizeof(*out));
	*why = NULL;
	ret = sysmem_aggregate(n ? parts : NULL, n, fuzz_heaps, NR_FUZZ_HEAPS,
			       out, why);
	g_out = out;
	CHECK(ret == SYSMEM_FAIL_NONE || ret == SYSMEM_FAIL_CONSTRAINTS ||
	      ret == SYSMEM_FAIL_NO_HEAP, "A1", "sysmem_aggregate() returned %u",
	      ret);
	if (ret != SYSMEM_FAIL_NONE) {
		CHECK(*why, "A2", "failure %u without a why", ret);
		CHECK(all_zero(out, sizeof(*out)), "A2",
		      "failure %u (%s) left non-zero settings bytes", ret, *why);
	}
	return ret;
}

/* The culprit by its definition: sysmem_aggregate() on every prefix. */
static int prefix_culprit(const struct sysmem_participant *parts,
			  unsigned int n, unsigned int first, u32 reason,
			  const char *why)
{
	static struct sysmem_buffer_settings tmp;
	const char *w;
	unsigned int k;

	for (k = first; k < n; k++) {
		w = NULL;
		if (sysmem_aggregate(parts, k + 1, fuzz_heaps, NR_FUZZ_HEAPS,
				     &tmp, &w) == reason && w == why)
			return k;
	}
	return -1;
}

/* C1 for the failure @reason, @why of @parts[0..@n). */
static void check_culprit(const struct sysmem_participant *parts,
			  unsigned int n, u32 reason, const char *why)
{
	static struct sysmem_culprit_scratch scratch;
	unsigned int first;
	int want, got;

	for (first = 0; first < n; first += n > 1 ? n - 1 : 1) {
		want = prefix_culprit(parts, n, first, reason, why);
		got = sysmem_aggregate_culprit(parts, n, first, fuzz_heaps,
					       NR_FUZZ_HEAPS, reason, why,
					       &scratch);
		CHECK(want == got, "C1",
		      "culprit %d, the prefix definition says %d (first %u, %u: %s)",
		      got, want, first, reason, why);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sysmem_buffer_settings out1, out2;
	struct fuzz_part fp[SYSMEM_FUZZ_MAX_PARTS] = { 0 };
	struct sysmem_participant parts[SYSMEM_FUZZ_MAX_PARTS];
	struct reader r = { data, size };
	unsigned int nr, n = 0, i;
	const char *why1, *why2;
	u32 ret1, ret2;

	nr = (rd_u8(&r) & 7U) + 1;
	for (i = 0; i < nr; i++)
		decode_part(&r, &fp[i]);

	g_parts = parts;
	g_nr_parts = 0;
	g_out = NULL;
	for (i = 0; i < nr; i++) {
		const struct sysmem_buffer_constraints *c = fp[i].c;
		int v = sysmem_constraints_validate(c, fp[i].heaps, fp[i].images);

		CHECK(v >= SYSMEM_VALID && v < SYSMEM_INVALID_MAX, "V1",
		      "sysmem_constraints_validate() returned %d", v);
		CHECK(sysmem_invalid_str(v) != NULL, "V1",
		      "sysmem_invalid_str(%d) is NULL", v);
		CHECK(v == sysmem_constraints_validate(c, fp[i].heaps,
						       fp[i].images),
		      "V1", "validate is not deterministic");
		if (v != SYSMEM_VALID)
			continue;
		CHECK(sysmem_constraints_domains(c) &&
		      !(sysmem_constraints_domains(c) & ~SYSMEM_DOMAIN_ALL),
		      "V1", "valid participant with domains %#x",
		      sysmem_constraints_domains(c));
		parts[n].c = c;
		parts[n].heaps = fp[i].heaps;
		parts[n].images = fp[i].images;
		n++;
	}
	g_nr_parts = n;
	if (verbose < 0)
		verbose = getenv("SYSMEM_FUZZ_VERBOSE") != NULL;

	ret1 = aggregate(parts, n, &out1, 0xa5, &why1);
	if (!n)
		CHECK(ret1 == SYSMEM_FAIL_CONSTRAINTS, "R1",
		      "no participant gave %u", ret1);
	if (ret1 == SYSMEM_FAIL_NONE)
		check_success(parts, n, &out1);
	else if (n)
		check_culprit(parts, n, ret1, why1);

	ret2 = aggregate(parts, n, &out2, 0x5a, &why2);
	CHECK(ret1 == ret2, "A3", "returned %u then %u", ret1, ret2);
	if (memcmp(&out1, &out2, sizeof(out1))) {
		const uint8_t *a = (const void *)&out1, *b = (const void *)&out2;
		size_t k = 0;

		while (a[k] == b[k])
			k++;
		dump_settings("first", &out1);
		CHECK(0, "A3", "settings differ at byte %zu (%#x vs %#x)%s", k,
		      a[k], b[k],
		      (a[k] == 0xa5 && b[k] == 0x5a) ? ": never written" : "");
	}
	CHECK(ret1 == SYSMEM_FAIL_NONE || !strcmp(why1, why2), "A3",
	      "why \"%s\" then \"%s\"", why1, why2);

	if (verbose) {
		for (i = 0; i < nr; i++) {
			int v = sysmem_constraints_validate(fp[i].c, fp[i].heaps,
							    fp[i].images);

			fprintf(stderr, "  part %u: %s\n", i,
				sysmem_invalid_str(v));
		}
		if (ret1 == SYSMEM_FAIL_NONE)
			dump_settings("settings", &out1);
		else
			fprintf(stderr, "  %u valid, aggregate: %u (%s)\n", n,
				ret1, why1);
	}

	for (i = 0; i < nr; i++)
		free_part(&fp[i]);
	return 0;
}
