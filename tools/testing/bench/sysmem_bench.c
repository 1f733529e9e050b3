// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem_bench: sysmem next to what a program would use without it, in
 * one guest boot ("make bench", Documentation/sysmem/performance.rst).
 *
 * Each item times one thing done through sysmem and the same thing done
 * with the kernel's own interface (its anchor): a collection of buffers
 * against DMA_HEAP_IOCTL_ALLOC calls on /dev/dma_heap/, a token
 * duplicate against dup(2) and eventfd(2), the cost of one small
 * negotiation with 10,000 collections alive against the same with 10.
 * Three cold items of three processes (8 x 4 KiB of the system heap,
 * 8 x 1 MiB and 8 x 8 MiB of the contiguous heap) run again against a
 * second anchor: the dma-heap after a rendezvous, each other process
 * answering the creator over its socket before the creator allocates,
 * which is what hearing every participant before allocating costs a
 * program that does it itself.  Those items also time the plain
 * dma-heap round, as a third side, so that a line under the table can
 * give what the rendezvous alone costs from the same rounds.  The
 * one-participant item of one small buffer times both sides with 8
 * buffers too, as a third and fourth side, so that a line under the
 * table can split each side's time into what a collection costs once
 * and what each buffer costs.  The rounds of an item alternate between
 * sysmem and its anchor (in ABBA order: s a a s s a ...; with more
 * sides each round starts with the next side), so that whatever else
 * the host does falls on every side alike; the table gives each side's
 * median, the ratio of the medians, the extremes and the number of
 * rounds.
 *
 * Times come from CLOCK_MONOTONIC.  The program refuses to run on a
 * kernel whose clocksource is (refined-)jiffies, whose 4 ms steps would
 * make every small item 0 or 4 ms.
 *
 * Before and after each item a loop of arithmetic is timed on each CPU
 * in turn, and the lines under the table name the items around which
 * the CPUs ran at different speeds (the host's doing, see cpu_uneven()).
 *
 * --pool-mb N sets the system heap's page pool bound (the module
 * parameter pool_max_mb) for the run, 0 turning the pool off, so that
 * the table can show sysmem with and without it; the header names the
 * bound in force.
 *
 * --smoke runs every item once, with 100 live collections instead of
 * 10,000, and checks only that it ran and gave numbers (for "make
 * check"); nothing is asserted about any time.  It
 * then prints kselftest's "# Totals:" line so that the VM runner counts
 * it as one test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/dma-heap.h>

#include "libsysmem.h"

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define NSEC_PER_SEC	1000000000LL
#define WAIT_NS		(60 * NSEC_PER_SEC)

#define NR_BUFS		8		/* buffers of a cold collection */
#define NR_WORKERS	2		/* the other participants of "3p" */
#define WARM_CYCLES	50		/* alloc/free cycles of a warm round */
#define DUP_BATCH	100		/* duplicates per round (< 128 nodes) */
#define OPS_BATCH	20		/* negotiations per live-collections round */
#define FEW_LIVE	10
#define SMOKE_LIVE	100		/* live collections of --smoke */
#define MAX_REPS	101
#define WARMUP_ROUNDS	3		/* untimed rounds of each side */
#define POOL_PARAM	"/sys/module/sysmem/parameters/pool_max_mb"
#define MAX_ITEMS	32
#define SPEED_ITERS	1000000		/* iterations of the CPU speed loop */
#define SPEED_ROUNDS	5		/* passes per CPU and check */
#define SPEED_TRIES	5		/* runs of a pass the guest interrupted */
#define SPEED_UNEVEN	1.20		/* CPUs further apart are flagged */
#define MAX_CPUS	64

#define CLOCKSOURCE_PATH \
	"/sys/devices/system/clocksource/clocksource0/current_clocksource"
#define HEAPS_PATH	"/sys/kernel/debug/sysmem/heaps"
#define DMA_HEAP_DIR	"/dev/dma_heap/"

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "sysmem_bench: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime: %s", strerror(errno));
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static double us_since(long long t0)
{
	return (now_ns() - t0) / 1e3;
}

/* ---- settings ---------------------------------------------------------- */

static int smoke;
static int reps_cold = 11, reps_warm = 11, reps_dup = 21, reps_live = 5;
static unsigned int many_live = 10000;
static int dev;
static int heap_system, heap_cma;
static const char *cma_name;

/* ---- the table ---------------------------------------------------------- */

struct item {
	char what[48];		/* what is timed */
	char anchor[24];	/* what it is compared with */
	/*
	 * Sides timed in the same rounds besides these two (sides 2 and
	 * 3), by name, or "".
	 */
	char more[2][32];
	const char *unit;	/* what one sample is */
	int n;			/* rounds done */
	double s[MAX_REPS];	/* sysmem, microseconds */
	double a[MAX_REPS];	/* anchor, microseconds */
	double m[2][MAX_REPS];	/* sides 2 and 3, microseconds */
	double uneven[2];	/* cpu_uneven() before and after the rounds */
};

static struct item items[MAX_ITEMS];
static int nr_items;
/* Rounds whose memory was not yet back in its heap after the last close. */
static int late_frees, settled_rounds;

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double median(const double *v, int n)
{
	double sorted[MAX_REPS];

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*v), cmp_double);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static double vmin(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double vmax(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static int nr_sides(const struct item *it)
{
	return 2 + !!it->more[0][0] + !!it->more[1][0];
}

/* ---- the CPUs' speed ---------------------------------------------------- */

/*
 * A guest CPU under TCG is a thread of the host, and the host does not
 * always run its threads at one speed: in some boots one guest CPU ran
 * everything, a loop of register arithmetic included, 1.4 times slower
 * than the other, for minutes (Documentation/sysmem/performance.rst).
 * Where the two sides of an item do their work in different processes
 * (the 3p items: the anchor allocates in the creator, sysmem in
 * whichever process completes the negotiation), such a boot compares
 * the CPUs, not the sides.  Each item is therefore framed by a check of
 * the CPUs' speed, and the lines under the table name the items where
 * the CPUs were uneven.
 */
static int cpu_ids[MAX_CPUS], nr_cpus;
/* The fastest CPU's median loop time in the first check, microseconds. */
static double speed_first_us;
static cpu_set_t cpus_allowed;

static void cpus_init(void)
{
	int c;

	if (sched_getaffinity(0, sizeof(cpus_allowed), &cpus_allowed))
		die("sched_getaffinity: %s", strerror(errno));
	for (c = 0; c < CPU_SETSIZE && nr_cpus < MAX_CPUS; c++)
		if (CPU_ISSET(c, &cpus_allowed))
			cpu_ids[nr_cpus++] = c;
}

static long thread_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		die("getrusage: %s", strerror(errno));
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/*
 * One pass of a loop that touches no memory, in microseconds.  A pass
 * during which the guest switched to other work (a kernel thread still
 * freeing the last item's memory) is run again, up to SPEED_TRIES
 * times, so that what is timed is how fast the host ran this CPU.  (The
 * thread's CPU-time clock would leave such work out by itself, but in
 * the debug guests, whose TSC the kernel finds unstable, it read 0 for
 * a whole pass.)
 */
static double speed_loop(void)
{
	unsigned long x = 1;
	long long t0;
	long sw;
	double us = 0;
	int i, try;

	for (try = 0; try < SPEED_TRIES; try++) {
		sw = thread_switches();
		t0 = now_ns();
		for (i = 0; i < SPEED_ITERS; i++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			__asm__ volatile("" : "+r"(x));
		}
		us = us_since(t0);
		if (thread_switches() == sw)
			break;
	}
	return us;
}

static void run_on(const cpu_set_t *set)
{
	if (sched_setaffinity(0, sizeof(*set), set))
		die("sched_setaffinity: %s", strerror(errno));
}

/*
 * The slowest CPU's median time for speed_loop() over the fastest's,
 * from SPEED_ROUNDS passes on each CPU in turn (one with --smoke); 1
 * with one CPU.  The calling thread may run on all its CPUs again when
 * it returns.
 */
static double cpu_uneven(void)
{
	double t[MAX_CPUS][SPEED_ROUNDS], m, lo = 0, hi = 0;
	int rounds = smoke ? 1 : SPEED_ROUNDS;
	cpu_set_t one;
	int r, k, c;

	for (r = 0; r < rounds; r++)
		for (k = 0; k < nr_cpus; k++) {
			c = (r + k) % nr_cpus;
			CPU_ZERO(&one);
			CPU_SET(cpu_ids[c], &one);
			run_on(&one);
			t[c][r] = speed_loop();
		}
	run_on(&cpus_allowed);
	for (c = 0; c < nr_cpus; c++) {
		m = median(t[c], rounds);
		if (!c || m < lo)
			lo = m;
		if (!c || m > hi)
			hi = m;
	}
	if (!speed_first_us)
		speed_first_us = lo;
	return lo > 0 ? hi / lo : NAN;
}

/* ---- running an item ---------------------------------------------------- */

/*
 * Run @reps rounds of @it: @side(ctx, 0) is sysmem, @side(ctx, 1) the
 * anchor and @side(ctx, 2) and (ctx, 3) the item's more sides; each
 * returns the microseconds of its sample.  Each round runs every side
 * once, starting with the next side each round: with two sides the
 * order alternates (s a, a s, s a, ...), with more it rotates (s a b,
 * a b s, b s a, ...), so that no side always follows the same one.
 */
static void run_item(struct item *it, int reps,
		     double (*side)(void *ctx, int side), void *ctx)
{
	double *t[4] = { it->s, it->a, it->m[0], it->m[1] };
	int sides = nr_sides(it);
	int r, j, k;

	if (reps > MAX_REPS)
		reps = MAX_REPS;
	fprintf(stderr, "sysmem_bench: %s vs %s%s%s%s%s, %d rounds\n",
		it->what, it->anchor, sides > 2 ? ", " : "", it->more[0],
		sides > 3 ? ", " : "", it->more[1], reps);
	it->uneven[0] = cpu_uneven();
	/* Rounds of each side untimed first: page tables, caches, pools. */
	for (r = 0; !smoke && r < WARMUP_ROUNDS; r++)
		for (k = 0; k < sides; k++)
			side(ctx, k);
	for (r = 0; r < reps; r++) {
		for (j = 0; j < sides; j++) {
			k = (r + j) % sides;
			t[k][r] = side(ctx, k);
		}
		it->n = r + 1;
	}
	it->uneven[1] = cpu_uneven();
}

static struct item *new_item(const char *unit, const char *anchor,
			     const char *fmt, ...)
{
	struct item *it;
	va_list ap;

	if (nr_items == MAX_ITEMS)
		die("too many items");
	it = &items[nr_items++];
	va_start(ap, fmt);
	vsnprintf(it->what, sizeof(it->what), fmt, ap);
	va_end(ap);
	snprintf(it->anchor, sizeof(it->anchor), "%s", anchor);
	it->unit = unit;
	return it;
}

/* The pool bound in force, "" where the module has no pool. */
static void pool_bound(char *buf, size_t len)
{
	FILE *f = fopen(POOL_PARAM, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void pool_set(const char *mb)
{
	FILE *f = fopen(POOL_PARAM, "w");

	if (!f || fputs(mb, f) < 0 || fclose(f))
		die(POOL_PARAM ": cannot set %s", mb);
}

/*
 * The lines under the table for the items with more sides.  Three: the
 * anchor against the third side, the same rounds.  Four (sysmem and
 * the anchor with 1 buffer, then with NR_BUFS): each side's time split
 * into what it costs once per collection and what each buffer costs,
 * from the medians: each buffer = (NR_BUFS - 1 buffer) / (NR_BUFS - 1),
 * once = 1 buffer - each buffer.
 */
static void print_more(const struct item *it)
{
	double ma = median(it->a, it->n), mb = median(it->m[0], it->n);
	double ms, mc, bs, ba;

	if (nr_sides(it) == 3) {
		printf("%s: %s / %s = %.1f / %.1f = %.2f (%s min/max %.1f/%.1f, the same %d rounds)\n",
		       it->what, it->anchor, it->more[0], ma, mb,
		       mb > 0 ? ma / mb : 0.0, it->more[0],
		       vmin(it->m[0], it->n), vmax(it->m[0], it->n), it->n);
		return;
	}
	ms = median(it->s, it->n);
	mc = median(it->m[1], it->n);
	bs = (mb - ms) / (NR_BUFS - 1);
	ba = (mc - ma) / (NR_BUFS - 1);
	printf("%s, %s and %s, the same %d rounds: sysmem %.1f once per collection + %.1f per buffer; %s %.1f + %.1f\n",
	       it->what, it->more[0], it->more[1], it->n, ms - bs, bs,
	       it->anchor, ma - ba, ba);
}

/*
 * The CPU speed checks around the items: the largest unevenness, then
 * each item where it was above SPEED_UNEVEN.
 */
static void print_uneven(void)
{
	double worst = 1;
	int i, j, uneven = 0;

	for (i = 0; i < nr_items; i++)
		for (j = 0; j < 2 && items[i].n; j++) {
			if (items[i].uneven[j] > worst)
				worst = items[i].uneven[j];
			if (items[i].uneven[j] > SPEED_UNEVEN)
				uneven = 1;
		}
	printf("CPU speeds: the slowest CPU's time for a loop of arithmetic (%.0f us) over the\n"
	       "fastest's, before and after each item: at most %.2f (%d CPUs), ",
	       speed_first_us, worst, nr_cpus);
	if (!uneven) {
		printf("never above %.2f\n", SPEED_UNEVEN);
		return;
	}
	printf("above %.2f\naround these items (a 3p row there compares the CPUs as much as the sides):\n",
	       SPEED_UNEVEN);
	for (i = 0; i < nr_items; i++) {
		const struct item *it = &items[i];

		if (it->n && (it->uneven[0] > SPEED_UNEVEN ||
			      it->uneven[1] > SPEED_UNEVEN))
			printf("  %s (%s): %.2f before, %.2f after\n",
			       it->what, it->anchor, it->uneven[0],
			       it->uneven[1]);
	}
}

static void print_table(const char *clocksource)
{
	struct utsname u;
	char pool[32];
	int i;

	uname(&u);
	pool_bound(pool, sizeof(pool));
	printf("\nsysmem benchmark: kernel %s, %ld CPUs, clocksource %s, CLOCK_MONOTONIC\n",
	       u.release, sysconf(_SC_NPROCESSORS_ONLN), clocksource);
	if (pool[0])
		printf("system heap page pool: pool_max_mb=%s%s\n", pool,
		       strcmp(pool, "0") ? "" : " (off)");
	printf("medians in microseconds; ratio = sysmem median / anchor median; rounds interleaved\n\n");
	printf("%-34s %10s  %-19s %10s %7s  %-21s %-21s %4s\n", "item",
	       "sysmem", "anchor", "anchor", "ratio", "sysmem min/max",
	       "anchor min/max", "reps");
	for (i = 0; i < nr_items; i++) {
		const struct item *it = &items[i];
		double ms, ma;
		char smm[32], amm[32];

		if (!it->n) {
			printf("%-34s %10s\n", it->what, "not run");
			continue;
		}
		ms = median(it->s, it->n);
		ma = median(it->a, it->n);
		snprintf(smm, sizeof(smm), "%.1f/%.1f", vmin(it->s, it->n),
			 vmax(it->s, it->n));
		snprintf(amm, sizeof(amm), "%.1f/%.1f", vmin(it->a, it->n),
			 vmax(it->a, it->n));
		printf("%-34s %10.1f  %-19s %10.1f %7.2f  %-21s %-21s %4d\n",
		       it->what, ms, it->anchor, ma, ma > 0 ? ms / ma : 0.0,
		       smm, amm, it->n);
	}
	printf("\none sample: cold = one collection of the row's N x SIZE (1p) or the same shared by\n"
	       "3 processes, tokens or dma-buf fds passed over unix sockets (3p), from\n"
	       "the first call until every fd is closed; warm = %d alloc/free cycles of\n"
	       "one buffer; duplicate = per call, batches of %d; live = per small\n"
	       "negotiation (token, bind, constraints, wait, result, close), batches of %d;\n"
	       "rendezvous+dma-heap = the creator asks the other two over their sockets\n"
	       "and waits for both answers, then allocates from the dma-heap and passes\n"
	       "the fds (every participant heard before allocating, without sysmem);\n"
	       "its rows time the plain dma-heap in the same rounds too, and the lines\n"
	       "below give what the rendezvous alone costs; the 1 x 4 KiB row times\n"
	       "both its sides with %d buffers too, in the same rounds, and the line\n"
	       "after splits each side's time into once per collection and per buffer.\n",
	       WARM_CYCLES, DUP_BATCH, OPS_BATCH, NR_BUFS);
	for (i = 0; i < nr_items; i++)
		if (nr_sides(&items[i]) > 2 && items[i].n)
			print_more(&items[i]);
	print_uneven();
	if (settled_rounds)
		printf("sysmem memory back in its heap at the last close: %d of %d rounds\n",
		       settled_rounds - late_frees, settled_rounds);
}

/* ---- environment -------------------------------------------------------- */

/* The kernel's clocksource; jiffies would make every small time 0 or 4 ms. */
static void check_clocksource(char *cs, size_t len)
{
	FILE *f = fopen(CLOCKSOURCE_PATH, "re");

	if (!f)
		die("cannot read %s: %s", CLOCKSOURCE_PATH, strerror(errno));
	if (!fgets(cs, len, f))
		die("%s is empty", CLOCKSOURCE_PATH);
	fclose(f);
	cs[strcspn(cs, "\n")] = '\0';
	if (!strcmp(cs, "jiffies") || !strcmp(cs, "refined-jiffies"))
		die("the kernel's clocksource is %s: CLOCK_MONOTONIC moves in ticks, no time here would mean anything; boot with a real clocksource (tsc, hpet, acpi_pm)",
		    cs);
}

/* Room for the live collections' fds. */
static void raise_nofile(unsigned int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE %u (for %u live collections): %s", need,
		    many_live, strerror(errno));
}

/* The first of @names under /dev/dma_heap/. */
static int dma_heap_open(const char *const *names, const char **found)
{
	char path[128];
	int fd;

	for (; *names; names++) {
		snprintf(path, sizeof(path), DMA_HEAP_DIR "%s", *names);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*found = *names;
			return fd;
		}
	}
	return -1;
}

/*
 * Live buffers of sysmem heap @heap (debugfs), or -1 without debugfs.
 * The file stays open and is read again from offset 0 (seq_file starts
 * over there): opening and closing a file after every round disturbed
 * the round after it (8 x 4 KiB cold sysmem rounds took about 10 us
 * more, see Documentation/sysmem/performance.rst).
 */
static long long heap_buffers(const char *heap)
{
	static int fd = -1;
	char buf[4096], name[64], *line, *save;
	long long n = -1, v;
	ssize_t len;

	if (fd < 0)
		fd = open(HEAPS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%63s buffers=%lld", name, &v) == 2 &&
		    !strcmp(name, heap)) {
			n = v;
			break;
		}
	return n;
}

/*
 * After a round, untimed: wait until @heap holds @base buffers again,
 * and count the rounds that freed after their last close returned.
 */
static void heap_settle(const char *heap, long long base)
{
	long long t0 = now_ns(), n;
	int late = 0;

	if (base < 0)
		return;
	while ((n = heap_buffers(heap)) != base) {
		late = 1;
		if (now_ns() - t0 > 10 * NSEC_PER_SEC)
			die("heap %s: %lld buffers 10 s after the last close, expected %lld",
			    heap, n, base);
		usleep(100);
	}
	settled_rounds++;
	late_frees += late;
}

/* ---- sysmem helpers ----------------------------------------------------- */

static void set_constraints(int coll, const char *heap, __u64 usage,
			    __u32 count, __u64 size)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	int ret;

	memset(&name, 0, sizeof(name));
	snprintf(name.name, sizeof(name.name), "%s", heap);
	memset(&c, 0, sizeof(c));
	c.usage = usage;
	c.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.heap_count = 1;
	c.heaps = (uintptr_t)&name;
	c.min_buffer_count = count;
	c.min_size_bytes = size;
	ret = sysmem_set_constraints(coll, &c);
	if (ret)
		die("SET_CONSTRAINTS (%s, %u x %llu): %s", heap, count,
		    (unsigned long long)size, strerror(-ret));
}

/* Wait for @coll's buffers; their fds into @fds (room for @count). */
static void wait_result(int coll, const char *heap, __u32 count, __u64 size,
			int *fds, unsigned int want_fds)
{
	struct sysmem_buffer_settings s;
	unsigned int n = 0, nfds = 0;
	__u32 state = 0, reason = 0;
	int ret;

	ret = sysmem_wait(coll, WAIT_NS);
	if (ret) {
		sysmem_check(coll, &state, &reason);
		die("WAIT (%s, %u x %llu): %s (state %u, %s)", heap, count,
		    (unsigned long long)size, strerror(-ret), state,
		    sysmem_fail_str(reason));
	}
	ret = sysmem_get_result(coll, &s, fds, want_fds, &n, &nfds);
	if (ret)
		die("GET_RESULT: %s", strerror(-ret));
	if (n != count || nfds != want_fds || s.size_bytes < size ||
	    strcmp(s.heap, heap))
		die("result: %u buffers (%u fds) of %llu bytes from %s; asked %u of %llu from %s",
		    n, nfds, (unsigned long long)s.size_bytes, s.heap, count,
		    (unsigned long long)size, heap);
}

static void close_all(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

static void leave(int coll)
{
	sysmem_release(coll);
	close(coll);
}

/* One non-shared collection of @count x @size from @heap, then free it. */
static void sysmem_one(const char *heap, __u32 count, __u64 size)
{
	int coll, fds[NR_BUFS];

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		die("ALLOC_NONSHARED: %s", strerror(-coll));
	set_constraints(coll, heap, SYSMEM_USAGE_CPU_READ |
			SYSMEM_USAGE_CPU_WRITE, count, size);
	wait_result(coll, heap, count, size, fds, count);
	close_all(fds, count);
	leave(coll);
}

static void dma_heap_alloc(int heap, const char *name, __u64 size, int *fds,
			   unsigned int count)
{
	struct dma_heap_allocation_data d;
	unsigned int i;

	for (i = 0; i < count; i++) {
		memset(&d, 0, sizeof(d));
		d.len = size;
		d.fd_flags = O_RDWR | O_CLOEXEC;
		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d))
			die("DMA_HEAP_IOCTL_ALLOC %llu bytes from %s: %s",
			    (unsigned long long)size, name, strerror(errno));
		fds[i] = d.fd;
	}
}

/* ---- the other participants (3p) ---------------------------------------- */

enum { MSG_QUIT, MSG_TOKEN, MSG_DMABUFS, MSG_ASK };

struct msg {
	__u32 kind;
	__u32 count;
	__u64 size;
	char heap[SYSMEM_HEAP_NAME_LEN];
};

struct worker {
	pid_t pid;
	int sock;
};

static struct worker workers[NR_WORKERS];

static void send_msg(int sock, const struct msg *m, const int *fds,
		     unsigned int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NR_BUFS)];
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != sizeof(*m))
		die("sendmsg: %s", strerror(errno));
}

/* Receive a message and its fds; the number of fds, or -1 at EOF. */
static int recv_msg(int sock, struct msg *m, int *fds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NR_BUFS)];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int nfds = 0;

	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	if (n != sizeof(*m))
		_exit(3);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cm), sizeof(int) * nfds);
	}
	return nfds;
}

/*
 * A participant in its own process: binds each token it gets, asks for
 * what the creator asks for, reading, takes its buffers and closes
 * everything; closes the dma-buf fds it gets; answers a question (the
 * rendezvous anchor) at once; then acknowledges.
 */
static void worker_main(int sock)
{
	int fds[NR_BUFS], bufs[NR_BUFS], nfds, coll, ack;
	struct msg m;

	/* Its own open of the device, as a separate client would have. */
	close(dev);
	dev = sysmem_open();
	if (dev < 0)
		die("worker: %s: %s", SYSMEM_DEV_PATH, strerror(-dev));
	for (;;) {
		nfds = recv_msg(sock, &m, fds);
		if (nfds < 0 || m.kind == MSG_QUIT)
			_exit(0);
		ack = 0;
		if (m.kind == MSG_TOKEN) {
			if (nfds != 1)
				_exit(4);
			coll = sysmem_bind(dev, fds[0]);
			close(fds[0]);
			if (coll < 0)
				die("worker: BIND: %s", strerror(-coll));
			set_constraints(coll, m.heap, SYSMEM_USAGE_CPU_READ, 0,
					m.size);
			wait_result(coll, m.heap, m.count, m.size, bufs,
				    m.count);
			close_all(bufs, m.count);
			leave(coll);
		} else if (m.kind == MSG_DMABUFS) {
			close_all(fds, nfds);
		}
		if (write(sock, &ack, sizeof(ack)) != sizeof(ack))
			_exit(5);
	}
}

static void workers_start(void)
{
	int i, sv[2];

	for (i = 0; i < NR_WORKERS; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
			die("socketpair: %s", strerror(errno));
		workers[i].pid = fork();
		if (workers[i].pid < 0)
			die("fork: %s", strerror(errno));
		if (!workers[i].pid) {
			close(sv[0]);
			worker_main(sv[1]);
		}
		close(sv[1]);
		workers[i].sock = sv[0];
	}
}

static void workers_ack(void)
{
	int i, ack;

	for (i = 0; i < NR_WORKERS; i++)
		if (read(workers[i].sock, &ack, sizeof(ack)) != sizeof(ack) ||
		    ack)
			die("participant %d failed (see its message above)",
			    i + 2);
}

static void workers_stop(void)
{
	struct msg m = { .kind = MSG_QUIT };
	int i, status;

	for (i = 0; i < NR_WORKERS; i++) {
		send_msg(workers[i].sock, &m, NULL, 0);
		close(workers[i].sock);
		if (waitpid(workers[i].pid, &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			die("participant %d ended with status 0x%x", i + 2,
			    status);
	}
}

/* ---- cold: one collection of NR_BUFS buffers ---------------------------- */

struct cold {
	const char *heap;	/* sysmem heap */
	int dma_heap;		/* its anchor */
	const char *dma_name;
	__u64 size;
	unsigned int count;	/* buffers: NR_BUFS, or 1 (cold 1p 1 x 4 KiB) */
	int parts;		/* 1 or 1 + NR_WORKERS */
	int rendezvous;		/* 3p anchor: everyone answers first */
	long long base;		/* heap's buffers when idle */
};

static double cold_sysmem(struct cold *c)
{
	int coll, root, tok, fds[NR_BUFS], i;
	struct msg m;
	long long t0;
	double us;

	t0 = now_ns();
	if (c->parts == 1) {
		coll = sysmem_alloc_nonshared(dev);
		if (coll < 0)
			die("ALLOC_NONSHARED: %s", strerror(-coll));
	} else {
		root = sysmem_alloc_token(dev);
		if (root < 0)
			die("ALLOC_TOKEN: %s", strerror(-root));
		memset(&m, 0, sizeof(m));
		m.kind = MSG_TOKEN;
		m.count = c->count;
		m.size = c->size;
		snprintf(m.heap, sizeof(m.heap), "%s", c->heap);
		for (i = 0; i < NR_WORKERS; i++) {
			tok = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
			if (tok < 0)
				die("TOKEN_DUPLICATE: %s", strerror(-tok));
			send_msg(workers[i].sock, &m, &tok, 1);
			close(tok);
		}
		coll = sysmem_bind(dev, root);
		if (coll < 0)
			die("BIND: %s", strerror(-coll));
		close(root);
	}
	set_constraints(coll, c->heap, SYSMEM_USAGE_CPU_READ |
			SYSMEM_USAGE_CPU_WRITE, c->count, c->size);
	wait_result(coll, c->heap, c->count, c->size, fds, c->count);
	if (c->parts > 1)
		workers_ack();
	close_all(fds, c->count);
	leave(coll);
	us = us_since(t0);
	heap_settle(c->heap, c->base);
	return us;
}

/*
 * The dma-heap's side: allocate and pass the fds.  With @c->rendezvous,
 * the creator first asks each other process and waits for every answer,
 * as a negotiation must hear every participant before it allocates.
 */
static double cold_dma_heap(struct cold *c)
{
	struct msg m = { .kind = MSG_DMABUFS };
	struct msg ask = { .kind = MSG_ASK };
	int fds[NR_BUFS], i;
	long long t0;

	t0 = now_ns();
	if (c->rendezvous) {
		for (i = 0; i < NR_WORKERS; i++)
			send_msg(workers[i].sock, &ask, NULL, 0);
		workers_ack();
	}
	dma_heap_alloc(c->dma_heap, c->dma_name, c->size, fds, c->count);
	if (c->parts > 1) {
		for (i = 0; i < NR_WORKERS; i++)
			send_msg(workers[i].sock, &m, fds, c->count);
		workers_ack();
	}
	close_all(fds, c->count);
	return us_since(t0);
}

static double cold_side(void *ctx, int anchor)
{
	struct cold *c = ctx;
	struct cold plain;

	if (!anchor)
		return cold_sysmem(c);
	if (anchor == 1)
		return cold_dma_heap(c);
	/* The second anchor: the same without the rendezvous. */
	plain = *c;
	plain.rendezvous = 0;
	return cold_dma_heap(&plain);
}

/* Sides 0 and 1 with @ctx's count of buffers, 2 and 3 with NR_BUFS. */
static double split_side(void *ctx, int side)
{
	struct cold c = *(struct cold *)ctx;

	if (side > 1)
		c.count = NR_BUFS;
	return side % 2 ? cold_dma_heap(&c) : cold_sysmem(&c);
}

static const char *size_str(__u64 size)
{
	static char buf[4][24];
	static int i;

	i = (i + 1) % 4;
	if (size >= MIB)
		snprintf(buf[i], sizeof(buf[i]), "%llu MiB", size / MIB);
	else
		snprintf(buf[i], sizeof(buf[i]), "%llu KiB", size / KIB);
	return buf[i];
}

/* @c for 8 buffers of the system heap, or of the contiguous one. */
static void cold_init(struct cold *c, int contiguous)
{
	memset(c, 0, sizeof(*c));
	c->heap = contiguous ? "contiguous" : "system";
	c->dma_heap = contiguous ? heap_cma : heap_system;
	c->dma_name = contiguous ? cma_name : "system";
	c->base = heap_buffers(c->heap);
	c->count = NR_BUFS;
}

static void bench_cold(void)
{
	static const __u64 sizes[] = { 4 * KIB, 1 * MIB, 8 * MIB };
	static const int parts[] = { 1, 1 + NR_WORKERS };
	static const struct {
		int contiguous;
		__u64 size;
	} rendezvous[] = {
		{ 0, 4 * KIB }, { 1, 1 * MIB }, { 1, 8 * MIB },
	};
	struct item *it;
	struct cold c;
	char anchor[24];
	unsigned int h, i, p, s;

	for (h = 0; h < 2; h++) {
		cold_init(&c, h);
		snprintf(anchor, sizeof(anchor), "dma-heap %s", c.dma_name);
		for (p = 0; p < 2; p++)
			for (s = 0; s < 3; s++) {
				c.parts = parts[p];
				c.size = sizes[s];
				run_item(new_item("collection", anchor,
						  "cold %dp %s %d x %s", c.parts,
						  c.heap, c.count,
						  size_str(c.size)),
					 reps_cold, cold_side, &c);
			}
	}
	/*
	 * One small buffer, with both sides of 8 in the same rounds: what
	 * a collection costs once and what each buffer costs (printed
	 * under the table).
	 */
	cold_init(&c, 0);
	c.parts = 1;
	c.size = sizes[0];
	c.count = 1;
	snprintf(anchor, sizeof(anchor), "dma-heap %s", c.dma_name);
	it = new_item("collection", anchor, "cold %dp %s %d x %s", c.parts,
		      c.heap, c.count, size_str(c.size));
	snprintf(it->more[0], sizeof(it->more[0]), "sysmem %d x %s",
		 NR_BUFS, size_str(c.size));
	snprintf(it->more[1], sizeof(it->more[1]), "%s %d x %s", anchor,
		 NR_BUFS, size_str(c.size));
	run_item(it, reps_cold, split_side, &c);
	/*
	 * Three processes against the rendezvous anchor, for the 3p rows
	 * not clear of their targets: small buffers of the system heap,
	 * 1 MiB and 8 MiB ones of the contiguous heap.  The plain anchor
	 * again, in the same rounds: what the rendezvous alone costs,
	 * measured in one row (printed under the table).
	 */
	for (i = 0; i < sizeof(rendezvous) / sizeof(rendezvous[0]); i++) {
		cold_init(&c, rendezvous[i].contiguous);
		c.parts = 1 + NR_WORKERS;
		c.size = rendezvous[i].size;
		c.rendezvous = 1;
		it = new_item("collection", "rendezvous+dma-heap",
			      "cold %dp %s %d x %s", c.parts, c.heap, c.count,
			      size_str(c.size));
		snprintf(it->more[0], sizeof(it->more[0]), "dma-heap %s",
			 c.dma_name);
		run_item(it, reps_cold, cold_side, &c);
	}
}

/* ---- warm: WARM_CYCLES allocations and frees of one buffer --------------- */

static double warm_side(void *ctx, int anchor)
{
	struct cold *c = ctx;
	long long t0;
	double us;
	int i, fd;

	t0 = now_ns();
	for (i = 0; i < WARM_CYCLES; i++) {
		if (anchor) {
			dma_heap_alloc(c->dma_heap, "system", c->size, &fd, 1);
			close(fd);
		} else {
			sysmem_one(c->heap, 1, c->size);
		}
	}
	us = us_since(t0);
	if (!anchor)
		heap_settle(c->heap, c->base);
	return us;
}

static void bench_warm(void)
{
	static const __u64 sizes[] = { 8 * MIB, 1 * MIB, 4 * KIB };
	struct cold c;
	unsigned int s;

	memset(&c, 0, sizeof(c));
	c.heap = "system";
	c.dma_heap = heap_system;
	c.base = heap_buffers(c.heap);
	for (s = 0; s < 3; s++) {
		c.size = sizes[s];
		run_item(new_item("cycles", "dma-heap system",
				  "warm %d cycles system 1 x %s",
				  WARM_CYCLES, size_str(c.size)),
			 reps_warm, warm_side, &c);
	}
}

/* ---- token duplicate against dup(2) and eventfd(2) ------------------------ */

struct dup_ctx {
	int use_eventfd;
	int fd;		/* what dup(2) duplicates */
};

static double dup_side(void *ctx, int anchor)
{
	struct dup_ctx *d = ctx;
	int fds[DUP_BATCH], i, root = -1;
	long long t0;
	double us;

	if (!anchor) {
		root = sysmem_alloc_token(dev);
		if (root < 0)
			die("ALLOC_TOKEN: %s", strerror(-root));
	}
	t0 = now_ns();
	for (i = 0; i < DUP_BATCH; i++) {
		if (!anchor)
			fds[i] = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
		else if (d->use_eventfd)
			fds[i] = eventfd(0, EFD_CLOEXEC);
		else
			fds[i] = dup(d->fd);
		if (fds[i] < 0)
			die("%s: %s", anchor ? (d->use_eventfd ? "eventfd" :
			    "dup") : "TOKEN_DUPLICATE",
			    strerror(anchor ? errno : -fds[i]));
	}
	us = us_since(t0) / DUP_BATCH;
	for (i = 0; i < DUP_BATCH; i++) {
		if (!anchor)
			sysmem_release(fds[i]);
		close(fds[i]);
	}
	if (!anchor) {
		sysmem_release(root);
		close(root);
	}
	return us;
}

static void bench_dup(void)
{
	struct dup_ctx d = { .use_eventfd = 0 };

	d.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (d.fd < 0)
		die("/dev/null: %s", strerror(errno));
	run_item(new_item("per call", "dup(2)", "token DUPLICATE"), reps_dup,
		 dup_side, &d);
	d.use_eventfd = 1;
	run_item(new_item("per call", "eventfd(2)", "token DUPLICATE"),
		 reps_dup, dup_side, &d);
	close(d.fd);
}

/* ---- one small negotiation with few and with many live collections ------- */

struct live_ctx {
	int *colls;	/* the live collections */
	unsigned int n;
};

static int live_one(unsigned int i)
{
	int coll, fd;

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		die("ALLOC_NONSHARED (live collection %u): %s", i,
		    strerror(-coll));
	set_constraints(coll, "system", SYSMEM_USAGE_CPU_READ, 1, 4 * KIB);
	wait_result(coll, "system", 1, 4 * KIB, &fd, 1);
	close(fd);
	return coll;
}

static void live_grow(struct live_ctx *l, unsigned int n)
{
	while (l->n < n) {
		l->colls[l->n] = live_one(l->n);
		l->n++;
	}
}

static void live_shrink(struct live_ctx *l, unsigned int n)
{
	while (l->n > n)
		leave(l->colls[--l->n]);
}

static double live_side(void *ctx, int anchor)
{
	struct live_ctx *l = ctx;
	int tok, coll, fd, i;
	long long t0;
	double us;

	if (anchor)
		live_shrink(l, FEW_LIVE);
	else
		live_grow(l, many_live);
	t0 = now_ns();
	for (i = 0; i < OPS_BATCH; i++) {
		tok = sysmem_alloc_token(dev);
		if (tok < 0)
			die("ALLOC_TOKEN: %s", strerror(-tok));
		coll = sysmem_bind(dev, tok);
		if (coll < 0)
			die("BIND: %s", strerror(-coll));
		close(tok);
		set_constraints(coll, "system", SYSMEM_USAGE_CPU_READ |
				SYSMEM_USAGE_CPU_WRITE, 1, 4 * KIB);
		wait_result(coll, "system", 1, 4 * KIB, &fd, 1);
		close(fd);
		leave(coll);
	}
	us = us_since(t0) / OPS_BATCH;
	return us;
}

static void bench_live(void)
{
	struct live_ctx l = { .n = 0 };
	char what[48], anchor[24];

	raise_nofile(many_live + 256);
	l.colls = calloc(many_live, sizeof(*l.colls));
	if (!l.colls)
		die("out of memory");
	live_grow(&l, FEW_LIVE);
	snprintf(what, sizeof(what), "negotiation, %u live", many_live);
	snprintf(anchor, sizeof(anchor), "%d live", FEW_LIVE);
	run_item(new_item("per negotiation", anchor, "%s", what), reps_live,
		 live_side, &l);
	live_shrink(&l, 0);
	free(l.colls);
}

/* ---- main ----------------------------------------------------------------- */

/* --smoke: every item ran and every sample is a positive, finite time. */
static int smoke_check(void)
{
	int i, r, bad = 0;

	for (i = 0; i < nr_items; i++) {
		const struct item *it = &items[i];
		int ok = it->n > 0 && isfinite(it->uneven[0]) &&
			 isfinite(it->uneven[1]);

		for (r = 0; r < it->n; r++)
			ok = ok && isfinite(it->s[r]) && it->s[r] > 0 &&
			     isfinite(it->a[r]) && it->a[r] > 0 &&
			     (nr_sides(it) < 3 ||
			      (isfinite(it->m[0][r]) && it->m[0][r] > 0)) &&
			     (nr_sides(it) < 4 ||
			      (isfinite(it->m[1][r]) && it->m[1][r] > 0));
		printf("%s %d %s vs %s\n", ok ? "ok" : "not ok", i + 1,
		       it->what, it->anchor);
		bad += !ok;
	}
	printf("# smoke: %d items, no time asserted\n", nr_items);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       bad ? 0 : 1, bad ? 1 : 0);
	return bad ? 1 : 0;
}

static void set_reps(int n)
{
	reps_cold = n;
	reps_warm = n;
	reps_dup = n;
	reps_live = n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sysmem_bench [--smoke] [--reps N] [--live N] [--pool-mb N]\n"
		"  --smoke    every item once; checks only that each ran\n"
		"  --reps N   rounds of every item (default: 11 cold and warm,\n"
		"             21 duplicate, 5 live collections)\n"
		"  --live N   live collections of the last item (default 10000,\n"
		"             100 with --smoke)\n"
		"  --pool-mb N  the system heap's page pool bound for the run\n"
		"             (pool_max_mb; 0 turns the pool off)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "live", required_argument, NULL, 'l' },
		{ "pool-mb", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cma_names[] = {
		/* 6.1 names the CMA heap after the default area. */
		"reserved", "linux,cma", "default_cma_region", NULL
	};
	static const char *const system_names[] = { "system", NULL };
	int o, n, live_given = 0;
	const char *found, *pool_mb = NULL;
	char cs[64];

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			smoke = 1;
			break;
		case 'r':
			n = atoi(optarg);
			if (n < 1 || n > MAX_REPS)
				usage();
			set_reps(n);
			break;
		case 'p':
			if (strspn(optarg, "0123456789") != strlen(optarg) ||
			    !*optarg || strlen(optarg) > 6)
				usage();
			pool_mb = optarg;
			break;
		case 'l':
			n = atoi(optarg);
			if (n <= FEW_LIVE)
				usage();
			many_live = n;
			live_given = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (smoke) {
		set_reps(1);
		/*
		 * Each live collection costs tens of milliseconds on a
		 * debug kernel under TCG: 10,000 would take minutes.
		 */
		if (!live_given)
			many_live = SMOKE_LIVE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	check_clocksource(cs, sizeof(cs));
	dev = sysmem_open();
	if (dev < 0)
		die("%s: %s (module not loaded?)", SYSMEM_DEV_PATH,
		    strerror(-dev));
	heap_system = dma_heap_open(system_names, &found);
	if (heap_system < 0)
		die(DMA_HEAP_DIR "system: %s (kernel without CONFIG_DMABUF_HEAPS_SYSTEM?)",
		    strerror(errno));
	heap_cma = dma_heap_open(cma_names, &cma_name);
	if (heap_cma < 0)
		die("no CMA heap under " DMA_HEAP_DIR " (kernel without CONFIG_DMABUF_HEAPS_CMA, or no cma= area?)");
	if (heap_buffers("system") < 0)
		fprintf(stderr, "sysmem_bench: no %s: the table cannot tell whether sysmem freed late\n",
			HEAPS_PATH);

	if (pool_mb)
		pool_set(pool_mb);
	signal(SIGPIPE, SIG_IGN);
	cpus_init();
	workers_start();
	bench_cold();
	bench_warm();
	bench_dup();
	bench_live();
	workers_stop();
	close(heap_cma);
	close(heap_system);
	close(dev);

	print_table(cs);
	return smoke ? smoke_check() : 0;
}
