// SPDX-License-Identifier: GPL-2.0
/*
 * One negotiation of lib/'s aggregation, for counting instructions under
 * callgrind (tools/testing/bench/negotiate-count.sh).
 *
 *   negotiate_count [--prefix-scan] N CASE
 *
 * builds N participants with 8 image entries each (one LINEAR pair, a
 * common size range, DO_NOT_CARE color space), aggregates them with
 * sysmem_aggregate() against three heaps and, on failure, finds the
 * culprit with sysmem_aggregate_culprit(), as the module does.  CASE is
 * "ok" (every participant names the same 8 formats), "count" (the last
 * one allows fewer buffers than the others camp on), "image" (the last
 * one names 8 formats nobody else names) or "heap" (the last one permits
 * only a heap that is not registered).  --prefix-scan finds the culprit
 * by the definition instead: sysmem_aggregate() over every prefix, the
 * module's search before it became linear.  Prints the outcome and the
 * culprit's index, and exits non-zero when they are not as expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysmem_constraints.h"
#include "sysmem_culprit.h"
#include "sysmem_format.h"

#define NR_ENTRIES	8
#define MAX_PARTS	64

static const u32 common_fmts[NR_ENTRIES] = {
	SYSMEM_FMT_XRGB8888, SYSMEM_FMT_ARGB8888, SYSMEM_FMT_XBGR8888,
	SYSMEM_FMT_ABGR8888, SYSMEM_FMT_RGB565, SYSMEM_FMT_NV12,
	SYSMEM_FMT_NV21, SYSMEM_FMT_YUV420,
};

static const u32 other_fmts[NR_ENTRIES] = {
	SYSMEM_FMT_RGB888, SYSMEM_FMT_BGR888, SYSMEM_FMT_R8, SYSMEM_FMT_R16,
	SYSMEM_FMT_GR88, SYSMEM_FMT_NV16, SYSMEM_FMT_NV61, SYSMEM_FMT_NV24,
};

static const struct sysmem_heap_desc heaps[] = {
	{ .name = "system", .domains = SYSMEM_DOMAIN_ALL },
	{ .name = "cma", .domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM,
	  .contiguous = true },
	{ .name = "secure", .domains = SYSMEM_DOMAIN_INACCESSIBLE,
	  .secure = true },
};

static struct sysmem_buffer_constraints cons[MAX_PARTS];
static struct sysmem_image_constraints images[MAX_PARTS][NR_ENTRIES];
static struct sysmem_heap_name permitted[1] = { { "carveout" } };
static struct sysmem_participant parts[MAX_PARTS];
static struct sysmem_culprit_scratch scratch;

static void build(unsigned int n, const char *what)
{
	unsigned int i, e;

	for (i = 0; i < n; i++) {
		bool last = i == n - 1;
		const u32 *fmts = last && !strcmp(what, "image") ?
				  other_fmts : common_fmts;

		cons[i].usage = SYSMEM_USAGE_CPU_READ;
		cons[i].min_buffer_count_for_camping = 1;
		cons[i].image_format_count = NR_ENTRIES;
		if (last && !strcmp(what, "count")) {
			cons[i].flags |= SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
			cons[i].max_buffer_count = 1;
		}
		if (last && !strcmp(what, "heap")) {
			cons[i].flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
			cons[i].heap_count = 1;
			parts[i].heaps = permitted;
		}
		for (e = 0; e < NR_ENTRIES; e++) {
			struct sysmem_image_constraints *ic = &images[i][e];

			ic->flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
			ic->nr_formats = 1;
			ic->formats[0].format = fmts[e];
			ic->formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
			ic->nr_color_spaces = 1;
			ic->color_spaces[0] = SYSMEM_COLOR_SPACE_DO_NOT_CARE;
			ic->min_size.width = 64 + i;
			ic->min_size.height = 64;
			ic->max_size.width = 4096;
			ic->max_size.height = 4096;
		}
		parts[i].c = &cons[i];
		parts[i].images = images[i];
		if (sysmem_constraints_validate(&cons[i], parts[i].heaps,
						images[i])) {
			fprintf(stderr, "participant %u is not valid\n", i);
			exit(2);
		}
	}
}

/* The culprit by its definition: the first failing prefix (see above). */
static int prefix_scan(unsigned int n, u32 reason, const char *why)
{
	struct sysmem_buffer_settings tmp;
	const char *w;
	unsigned int k;

	for (k = 0; k < n; k++) {
		w = NULL;
		if (sysmem_aggregate(parts, k + 1, heaps, 3, &tmp, &w) ==
		    reason && w == why)
			return k;
	}
	return -1;
}

/*
 * The path measured: what the module does for one negotiation.  The
 * script counts the instructions of this function and its callees only
 * (callgrind --toggle-collect), not the program's start-up.
 */
static __attribute__((noinline)) int negotiate(unsigned int n, bool scan,
					       u32 *reason, const char **why)
{
	struct sysmem_buffer_settings out;

	*reason = sysmem_aggregate(parts, n, heaps, 3, &out, why);
	if (!*reason)
		return -1;
	if (scan)
		return prefix_scan(n, *reason, *why);
	return sysmem_aggregate_culprit(parts, n, 0, heaps, 3, *reason, *why,
					&scratch);
}

int main(int argc, char **argv)
{
	bool scan = argc > 1 && !strcmp(argv[1], "--prefix-scan");
	const char *why = NULL, *what;
	int culprit, want;
	unsigned int n;
	u32 reason;

	if (argc != 3 + scan) {
		fprintf(stderr, "usage: %s [--prefix-scan] N ok|count|image|heap\n",
			argv[0]);
		return 2;
	}
	n = strtoul(argv[1 + scan], NULL, 0);
	what = argv[2 + scan];
	if (n < 2 || n > MAX_PARTS || (strcmp(what, "ok") &&
	    strcmp(what, "count") && strcmp(what, "image") &&
	    strcmp(what, "heap"))) {
		fprintf(stderr, "N is 2 to %d; CASE ok, count, image or heap\n",
			MAX_PARTS);
		return 2;
	}
	build(n, what);
	culprit = negotiate(n, scan, &reason, &why);
	printf("%u %s: reason %u (%s), culprit %d\n", n, what, reason,
	       reason ? why : "ok", culprit);
	want = strcmp(what, "ok") ? (int)n - 1 : -1;
	return culprit == want && !reason == !strcmp(what, "ok") ? 0 : 1;
}
