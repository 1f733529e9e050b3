// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for lib/sysmem_culprit.c: sysmem_aggregate_culprit()
 * against the definition it implements (sysmem_aggregate() over every
 * prefix, the module's search before it became one pass) on randomized
 * participant sets that fail for every kind of reason, and exact
 * culprits of hand-built cases.
 */
#include "kselftest_harness.h"
#include "sysmem_constraints.h"
#include "sysmem_culprit.h"
#include "sysmem_format.h"

#define MAX_PARTS	16
#define MAX_ENTRIES	4
#define NR_MANY_HEAPS	70	/* more than struct sysmem_agg keeps in bits */

static struct sysmem_culprit_scratch scratch;

/* The definition: the first prefix that fails the same way. */
static int reference(const struct sysmem_participant *parts, unsigned int n,
		     unsigned int first, const struct sysmem_heap_desc *heaps,
		     unsigned int nr_heaps, u32 reason, const char *why)
{
	struct sysmem_buffer_settings tmp;
	const char *w;
	unsigned int k;

	for (k = first; k < n; k++) {
		w = NULL;
		if (sysmem_aggregate(parts, k + 1, heaps, nr_heaps, &tmp, &w) ==
		    reason && w == why)
			return k;
	}
	return -1;
}

static const struct sysmem_heap_desc heaps[] = {
	{ .name = "system", .domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM },
	{ .name = "cma", .domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM,
	  .contiguous = true, .base_alignment = 4096,
	  .max_base_alignment = 1 << 20, .address_floor = 1 << 24 },
	{ .name = "secure", .domains = SYSMEM_DOMAIN_INACCESSIBLE,
	  .secure = true },
	{ .name = "other", .domains = SYSMEM_DOMAIN_ALL },
};

static struct sysmem_heap_desc many_heaps[NR_MANY_HEAPS];
static char many_names[NR_MANY_HEAPS][16];

static const char * const heap_names[] = {
	"system", "cma", "secure", "other", "nope", "h65", "h69",
};

static const u32 fmts[] = {
	SYSMEM_FMT_XRGB8888, SYSMEM_FMT_ARGB8888, SYSMEM_FMT_NV12,
	SYSMEM_FMT_RGB565, SYSMEM_FMT_YUV420, SYSMEM_FORMAT_DO_NOT_CARE,
	0x20202020, /* not in the table: skipped */
};

static const u64 mods[] = {
	SYSMEM_MODIFIER_LINEAR, SYSMEM_MODIFIER_DO_NOT_CARE,
	0x0100000000000001ULL, 0x0100000000000002ULL,
};

struct part_store {
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name heaps[2];
	struct sysmem_image_constraints img[MAX_ENTRIES];
};

static struct part_store store[MAX_PARTS];
static struct sysmem_participant parts[MAX_PARTS];

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u32 rnd(u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (u32)(rng_state >> 11) % n : 0;
}

/* Most fields usually harmless, now and then one that breaks a rule. */
static void random_entry(struct sysmem_image_constraints *ic)
{
	u32 j;

	memset(ic, 0, sizeof(*ic));
	ic->nr_formats = 1 + rnd(2);
	for (j = 0; j < ic->nr_formats; j++) {
		ic->formats[j].format = fmts[rnd(sizeof(fmts) / sizeof(fmts[0]))];
		ic->formats[j].modifier = mods[rnd(3) ? 0 : rnd(4)];
	}
	ic->nr_color_spaces = 1;
	ic->color_spaces[0] = rnd(6) ? SYSMEM_COLOR_SPACE_DO_NOT_CARE :
				       SYSMEM_COLOR_SPACE_SRGB;
	if (!rnd(8))
		ic->flags |= SYSMEM_IMAGE_ALPHA_PRESENT;
	ic->min_size.width = 16 * rnd(8);
	ic->min_size.height = 16 * rnd(8);
	if (rnd(3)) {
		ic->flags |= SYSMEM_IMAGE_HAS_MAX_SIZE;
		ic->max_size.width = ic->min_size.width + 16 * rnd(40);
		ic->max_size.height = ic->min_size.height + 16 * rnd(40);
	}
	if (!rnd(6)) {
		ic->flags |= SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
		ic->max_bytes_per_row = 64 * (1 + rnd(64));
	}
	if (!rnd(5)) {
		ic->flags |= SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
		ic->required_max_size.width = ic->min_size.width + 16 * rnd(20);
		ic->required_max_size.height = ic->min_size.height + 16 * rnd(20);
		if (!ic->required_max_size.width)
			ic->required_max_size.width = 16;
		if (!ic->required_max_size.height)
			ic->required_max_size.height = 16;
	}
	if (!rnd(8)) {
		ic->flags |= SYSMEM_IMAGE_HAS_REQUIRED_MIN_SIZE;
		ic->required_min_size.width = ic->min_size.width + 16 * rnd(4);
		ic->required_min_size.height = ic->min_size.height + 16 * rnd(4);
	}
	if (!rnd(6))
		ic->size_alignment.width = 1U << rnd(8);
	if (!rnd(10))
		ic->pad_for_block_size.height = 1 + rnd(4);
	if (!rnd(10))
		ic->pad_beyond_image_size_bytes = rnd(1 << 20);
}

/* Participant @i, valid; @heaps_n registered heaps may be named. */
static void random_part(unsigned int i)
{
	struct part_store *s = &store[i];
	struct sysmem_buffer_constraints *c = &s->c;
	u32 e, k;

	do {
		memset(s, 0, sizeof(*s));
		c->usage = rnd(12) ? SYSMEM_USAGE_CPU_READ << rnd(3) :
				     SYSMEM_USAGE_NONE;
		if (!rnd(10))
			c->usage = SYSMEM_USAGE_DISPLAY_LAYER;
		if (!rnd(10))
			c->usage = SYSMEM_USAGE_VIDEO_DECODER;
		c->min_buffer_count_for_camping = rnd(3);
		c->min_buffer_count_for_shared_slack = rnd(2);
		if (!rnd(8)) {
			c->flags |= SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
			c->max_buffer_count = 1 + rnd(6);
			c->min_buffer_count_for_camping %= c->max_buffer_count + 1;
			c->min_buffer_count_for_shared_slack = 0;
		}
		if (!rnd(30))
			c->min_buffer_count = 100 + rnd(60);
		c->min_size_bytes = rnd(3) ? 4096 * rnd(4) : 0;
		if (!rnd(8)) {
			c->flags |= SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
			c->max_size_bytes = c->min_size_bytes + 4096 * rnd(300);
		}
		if (!rnd(10) && !(c->usage & SYSMEM_USAGE_CPU_MASK))
			c->flags |= SYSMEM_CONSTRAINTS_SECURE;
		if (!rnd(10))
			c->flags |= SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
		if (!rnd(10)) {
			c->flags |= SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
			c->coherency_domains = 1 + rnd(SYSMEM_DOMAIN_ALL);
		}
		if (!rnd(12))
			c->min_physical_base_alignment = 1ULL << (12 + rnd(12));
		if (!rnd(12)) {
			c->flags |= SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
			c->max_physical_address = 1ULL << (20 + rnd(12));
		}
		parts[i].heaps = NULL;
		if (!rnd(6)) {
			c->flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
			c->heap_count = 1 + rnd(2);
			for (k = 0; k < c->heap_count; k++)
				strcpy(s->heaps[k].name,
				       heap_names[rnd(sizeof(heap_names) /
						      sizeof(heap_names[0]))]);
			parts[i].heaps = s->heaps;
		}
		parts[i].images = NULL;
		if (rnd(4)) {
			c->image_format_count = 1 + rnd(MAX_ENTRIES);
			for (e = 0; e < c->image_format_count; e++)
				random_entry(&s->img[e]);
			parts[i].images = s->img;
		}
		parts[i].c = c;
	} while (sysmem_constraints_validate(c, parts[i].heaps,
					     parts[i].images));
}

/*
 * Participants that mostly agree: the same formats and modifiers, with
 * sizes, pitches and required sizes that vary, so that the chosen format
 * lasts over many prefixes (the probe's path) and dies somewhere, or
 * moves to another format; now and then one random participant.
 */
static void agreeing_set(unsigned int n)
{
	static const u32 pool[] = {
		SYSMEM_FMT_XRGB8888, SYSMEM_FMT_ARGB8888, SYSMEM_FMT_NV12,
		SYSMEM_FMT_YUV420, SYSMEM_FMT_RGB565,
	};
	unsigned int nf = 1 + rnd(3), i, e, f0 = rnd(5);
	u64 mod = rnd(3) ? SYSMEM_MODIFIER_LINEAR : mods[2 + rnd(2)];

	for (i = 0; i < n; i++) {
		struct part_store *st = &store[i];
		unsigned int skip = rnd(4) ? nf : rnd(nf);

		memset(st, 0, sizeof(*st));
		st->c.usage = rnd(4) ? SYSMEM_USAGE_CPU_READ :
				       SYSMEM_USAGE_VIDEO_DECODER;
		st->c.min_buffer_count_for_camping = rnd(2);
		st->c.min_size_bytes = rnd(3) ? 0 : 4096 * rnd(1024);
		if (!rnd(10)) {
			st->c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
			st->c.max_size_bytes = st->c.min_size_bytes +
					       4096 * rnd(2048);
		}
		for (e = 0; e < nf; e++) {
			struct sysmem_image_constraints *ic = &st->img[e];

			random_entry(ic);
			ic->nr_formats = 1;
			/* This participant leaves out one of the formats. */
			ic->formats[0].format = pool[(f0 + e + (e == skip)) % 5];
			ic->formats[0].modifier = rnd(8) ? mod :
					SYSMEM_MODIFIER_DO_NOT_CARE;
			if (!rnd(3)) {
				ic->flags &= ~SYSMEM_IMAGE_HAS_MAX_SIZE;
				ic->flags &= ~SYSMEM_IMAGE_HAS_MAX_BYTES_PER_ROW;
			}
		}
		st->c.image_format_count = nf;
		parts[i].c = &st->c;
		parts[i].heaps = NULL;
		parts[i].images = st->img;
		if (!rnd(12))
			parts[i].images = NULL, st->c.image_format_count = 0;
		if (!rnd(3 * n) ||
		    sysmem_constraints_validate(&st->c, NULL, parts[i].images))
			random_part(i);
	}
}

static void setup_many_heaps(void)
{
	unsigned int i;

	for (i = 0; i < NR_MANY_HEAPS; i++) {
		snprintf(many_names[i], sizeof(many_names[i]), "h%u", i);
		many_heaps[i].name = many_names[i];
		many_heaps[i].domains = SYSMEM_DOMAIN_ALL;
		many_heaps[i].secure = i == 69;
	}
	many_heaps[3].name = NULL;	/* an unregistered slot */
}

/* The whys seen, to show the randomized sets cover every kind. */
static const char *seen[64];
static unsigned int nr_seen;

static void note(const char *why)
{
	unsigned int i;

	for (i = 0; i < nr_seen; i++)
		if (seen[i] == why)
			return;
	if (nr_seen < 64)
		seen[nr_seen++] = why;
}

static bool seen_text(const char *text)
{
	unsigned int i;

	for (i = 0; i < nr_seen; i++)
		if (!strcmp(seen[i], text))
			return true;
	return false;
}

TEST(random_sets_match_prefix_definition)
{
	struct sysmem_buffer_settings out;
	unsigned int iter, n, first, nr_heaps, failures = 0;
	const struct sysmem_heap_desc *hs;
	const char *why;
	int got, want;
	u32 reason;

	setup_many_heaps();
	for (iter = 0; iter < 40000; iter++) {
		n = 1 + rnd(iter % 3 ? 6 : MAX_PARTS);
		if (iter % 2)
			agreeing_set(n);
		else
			for (unsigned int i = 0; i < n; i++)
				random_part(i);
		hs = iter % 5 ? heaps : many_heaps;
		nr_heaps = iter % 5 ? 4 : NR_MANY_HEAPS;
		if (iter % 97 == 0)
			nr_heaps = 0;
		first = rnd(4) ? 0 : rnd(n);
		why = NULL;
		reason = sysmem_aggregate(parts, n, hs, nr_heaps, &out, &why);
		if (!reason)
			continue;
		failures++;
		note(why);
		want = reference(parts, n, first, hs, nr_heaps, reason, why);
		got = sysmem_aggregate_culprit(parts, n, first, hs, nr_heaps,
					       reason, why, &scratch);
		ASSERT_EQ(want, got) TH_LOG("iteration %u, %u participants, first %u: %u %s",
					    iter, n, first, reason, why);
	}
	EXPECT_LT(15000, failures);
	/* Every kind of failure was among them. */
	EXPECT_TRUE(seen_text("no participant uses the buffers"));
	EXPECT_TRUE(seen_text("buffer count above a participant's max_buffer_count"));
	EXPECT_TRUE(seen_text("buffer count above SYSMEM_MAX_BUFFERS"));
	EXPECT_TRUE(seen_text("no participant asked for a size"));
	EXPECT_TRUE(seen_text("buffer size above a participant's max_size_bytes"));
	EXPECT_TRUE(seen_text("no coherency domain every participant supports"));
	EXPECT_TRUE(seen_text("no image format every participant accepts"));
	EXPECT_TRUE(seen_text("image size or row pitch limits of the participants conflict"));
	EXPECT_TRUE(seen_text("vendor modifier needs min_size_bytes"));
	EXPECT_TRUE(seen_text("image size above a participant's max_size_bytes"));
	EXPECT_TRUE(seen_text("no heap registered"));
	EXPECT_TRUE(seen_text("no contiguous heap"));
	EXPECT_TRUE(seen_text("permitted heap lists share no registered heap"));
	EXPECT_TRUE(seen_text("no heap keeps buffers below the physical address limit"));
	for (unsigned int i = 0; i < nr_seen; i++)
		TH_LOG("seen: %s", seen[i]);
}

/* ---- hand-built cases ---- */

static void plain(unsigned int i, u64 usage, u32 camping)
{
	memset(&store[i], 0, sizeof(store[i]));
	store[i].c.usage = usage;
	store[i].c.min_buffer_count_for_camping = camping;
	store[i].c.min_size_bytes = 4096;
	parts[i].c = &store[i].c;
	parts[i].heaps = NULL;
	parts[i].images = NULL;
}

/* Participant @i permits the one heap @name. */
static void permit(unsigned int i, const char *name)
{
	store[i].c.flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	store[i].c.heap_count = 1;
	strcpy(store[i].heaps[0].name, name);
	parts[i].heaps = store[i].heaps;
}

/* Give participant @i one LINEAR entry per format of @f (0-ended). */
static void formats(unsigned int i, const u32 *f)
{
	unsigned int e;

	for (e = 0; f[e]; e++) {
		struct sysmem_image_constraints *ic = &store[i].img[e];

		memset(ic, 0, sizeof(*ic));
		ic->nr_formats = 1;
		ic->formats[0].format = f[e];
		ic->nr_color_spaces = 1;
		ic->color_spaces[0] = SYSMEM_COLOR_SPACE_DO_NOT_CARE;
		ic->min_size.width = 64;
		ic->min_size.height = 64;
	}
	store[i].c.image_format_count = e;
	parts[i].images = store[i].img;
}

static int culprit(unsigned int n, unsigned int first, const char **why)
{
	struct sysmem_buffer_settings out;
	u32 reason;
	int want, got;

	*why = NULL;
	reason = sysmem_aggregate(parts, n, heaps, 4, &out, why);
	if (!reason)
		return -2;
	want = reference(parts, n, first, heaps, 4, reason, *why);
	got = sysmem_aggregate_culprit(parts, n, first, heaps, 4, reason,
				       *why, &scratch);
	return want == got ? got : -3;
}

TEST(count_culprit_is_the_tight_maximum)
{
	const char *why;

	plain(0, SYSMEM_USAGE_CPU_READ, 3);
	plain(1, SYSMEM_USAGE_CPU_READ, 0);
	store[1].c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	store[1].c.max_buffer_count = 2;
	plain(2, SYSMEM_USAGE_CPU_READ, 0);
	EXPECT_EQ(1, culprit(3, 0, &why));
	EXPECT_STREQ("buffer count above a participant's max_buffer_count", why);
	/* Participants before @first are folded, never named. */
	EXPECT_EQ(1, culprit(3, 1, &why));
	EXPECT_EQ(2, culprit(3, 2, &why));
}

/* A prefix failing for another reason first does not count. */
TEST(earlier_other_failure_is_not_the_culprit)
{
	const char *why;

	plain(0, SYSMEM_USAGE_NONE, 0);	/* prefix 0: nobody uses them */
	plain(1, SYSMEM_USAGE_CPU_READ, 2);
	plain(2, SYSMEM_USAGE_CPU_READ, 1);
	store[2].c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	store[2].c.max_buffer_count = 2;
	EXPECT_EQ(2, culprit(3, 0, &why));
	EXPECT_STREQ("buffer count above a participant's max_buffer_count", why);
}

TEST(image_culprit_after_the_choice_moved)
{
	static const u32 both[] = { SYSMEM_FMT_XRGB8888, SYSMEM_FMT_NV12, 0 };
	static const u32 nv12[] = { SYSMEM_FMT_NV12, 0 };
	static const u32 xrgb[] = { SYSMEM_FMT_XRGB8888, 0 };
	const char *why;

	/* XRGB8888 is chosen, then NV12, then nothing is left. */
	plain(0, SYSMEM_USAGE_CPU_READ, 1);
	formats(0, both);
	plain(1, SYSMEM_USAGE_CPU_READ, 1);
	formats(1, both);
	plain(2, SYSMEM_USAGE_CPU_READ, 1);
	formats(2, nv12);
	plain(3, SYSMEM_USAGE_CPU_READ, 1);
	formats(3, both);
	plain(4, SYSMEM_USAGE_CPU_READ, 1);
	formats(4, xrgb);
	plain(5, SYSMEM_USAGE_CPU_READ, 1);
	EXPECT_EQ(4, culprit(6, 0, &why));
	EXPECT_STREQ("no image format every participant accepts", why);
}

TEST(heap_culprit_names_the_list)
{
	static const u32 xrgb[] = { SYSMEM_FMT_XRGB8888, 0 };
	const char *why;

	plain(0, SYSMEM_USAGE_CPU_READ, 1);
	formats(0, xrgb);
	plain(1, SYSMEM_USAGE_CPU_READ, 1);
	plain(2, SYSMEM_USAGE_CPU_READ, 1);
	permit(2, "nope");
	plain(3, SYSMEM_USAGE_CPU_READ, 1);
	formats(3, xrgb);
	EXPECT_EQ(2, culprit(4, 0, &why));
	EXPECT_STREQ("permitted heap lists share no registered heap", why);
}

/*
 * Not monotone: a non-secure prefix finds no permitted heap, the secure
 * participant after it makes the permitted "secure" heap fit, and the
 * contiguous one after that fails for the first reason's sibling.
 */
TEST(heap_failure_that_comes_back)
{
	const char *why;

	plain(0, SYSMEM_USAGE_VIDEO_DECODER, 1);
	permit(0, "secure");
	plain(1, SYSMEM_USAGE_VIDEO_DECODER, 1);
	store[1].c.flags = SYSMEM_CONSTRAINTS_SECURE;
	plain(2, SYSMEM_USAGE_VIDEO_DECODER, 1);
	store[2].c.flags = SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	EXPECT_EQ(2, culprit(3, 0, &why));
	EXPECT_STREQ("no contiguous secure heap", why);
	/* Without the secure one, the first prefix already fails so. */
	parts[1] = parts[2];
	EXPECT_EQ(0, culprit(2, 0, &why));
	EXPECT_STREQ("no permitted heap is secure, contiguous or placed as needed",
		     why);
}

/* Rule 3.11's bound: the probe is trusted only where it holds. */
TEST(census_bound)
{
	struct sysmem_image_census cs = { .pairs = 64 * 8, .mod_pairs = 512 };

	EXPECT_TRUE(sysmem_image_census_bounded(&cs));
	/* Two participants of 1024 explicit modifiers each. */
	cs.pairs = 2048;
	cs.mod_pairs = 2048;
	EXPECT_FALSE(sysmem_image_census_bounded(&cs));
	/* Only the first one without DO_NOT_CARE modifiers is walked. */
	cs.lo = true;
	cs.lo_mod_pairs = 8;
	EXPECT_TRUE(sysmem_image_census_bounded(&cs));
	cs.pairs = ~0ULL / 4;
	EXPECT_FALSE(sysmem_image_census_bounded(&cs));
}

TEST(success_and_no_reason_have_no_culprit)
{
	plain(0, SYSMEM_USAGE_CPU_READ, 1);
	EXPECT_EQ(-1, sysmem_aggregate_culprit(parts, 1, 0, heaps, 4,
					       SYSMEM_FAIL_NONE, NULL,
					       &scratch));
	EXPECT_EQ(-1, sysmem_aggregate_culprit(NULL, 0, 0, heaps, 4,
					       SYSMEM_FAIL_CONSTRAINTS,
					       "no participant set constraints",
					       &scratch));
}

TEST_HARNESS_MAIN
