// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem heap allocation benchmark, next to the kernel's own dma-heaps.
 *
 * Each measurement allocates NR_BUFS buffers of BUF_SIZE bytes: from a
 * sysmem heap, one non-shared collection (CPU usage, permitted heaps
 * naming exactly that heap, min_buffer_count NR_BUFS, min_size BUF_SIZE)
 * timed from SET_CONSTRAINTS until WAIT returns; from a dma-heap,
 * NR_BUFS DMA_HEAP_IOCTL_ALLOC calls.  Each is repeated RUNS times, with
 * everything freed in between, and the median is reported.  The last
 * test prints the table with the ratio of each sysmem heap to the
 * matching dma-heap (system to system, contiguous to CMA).
 *
 * What is asserted is only what must hold: every allocation succeeds
 * with the exact size and heap asked for, and sysmem's debugfs shows
 * every buffer back in its heap after the fds are closed.  Timings are
 * printed, never asserted.  The dma-heap rows skip where /dev/dma_heap
 * lacks the heap (Debian's stock kernel has no dma-heaps).
 *
 * The tests share their results through a MAP_SHARED page, since the
 * harness runs each test in a child process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define DMA_HEAP_DIR	"/dev/dma_heap/"

#define NR_BUFS		8
#define BUF_SIZE	(8ULL << 20)
#define RUNS		9

/* Longer than WAIT_NS: NR_BUFS of BUF_SIZE, under TCG with a debug kernel. */
#define BENCH_WAIT_NS	(60000 * MSEC_NS)
/* How long the heap may take to give the buffers back. */
#define EMPTY_MS	5000

enum row_id {
	ROW_SYSMEM_SYSTEM,
	ROW_DMA_HEAP_SYSTEM,
	ROW_SYSMEM_CONTIGUOUS,
	ROW_DMA_HEAP_CMA,
	NR_ROWS,
};

struct row {
	int done;		/* 1 when measured */
	char what[64];		/* which allocator */
	double us[RUNS];	/* each run, microseconds */
	double median;
};

/* Written by the test children, read by the last test. */
static struct row *rows;

__attribute__((constructor)) static void rows_init(void)
{
	rows = mmap(NULL, sizeof(*rows) * NR_ROWS, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rows == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void row_finish(enum row_id id, const char *what)
{
	double sorted[RUNS];
	struct row *r = &rows[id];

	snprintf(r->what, sizeof(r->what), "%s", what);
	memcpy(sorted, r->us, sizeof(sorted));
	qsort(sorted, RUNS, sizeof(sorted[0]), cmp_double);
	r->median = sorted[RUNS / 2];
	r->done = 1;
}

/*
 * One collection of NR_BUFS buffers of @size from @heap only.  Sets
 * *coll; returns the microseconds from SET_CONSTRAINTS until WAIT
 * returned, or a negative errno (wait's, -EIO for a failed collection).
 */
static double sysmem_alloc_timed(int dev, const char *heap, __u64 size,
				 __u32 count, int *coll)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	double t0, t1;
	int ret;

	*coll = sysmem_alloc_nonshared(dev);
	if (*coll < 0)
		return *coll;
	memset(&name, 0, sizeof(name));
	snprintf(name.name, sizeof(name.name), "%s", heap);
	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE;
	c.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.heap_count = 1;
	c.heaps = (uintptr_t)&name;
	c.min_buffer_count = count;
	c.min_size_bytes = size;

	t0 = now_us();
	ret = sysmem_set_constraints(*coll, &c);
	if (!ret)
		ret = sysmem_wait(*coll, BENCH_WAIT_NS);
	t1 = now_us();
	return ret ? ret : t1 - t0;
}

/* RUNS timed allocations from sysmem heap @heap, checked and freed. */
static void bench_sysmem(struct __test_metadata *_metadata, enum row_id id,
			 const char *heap)
{
	struct sysmem_buffer_settings s;
	unsigned int count, nfds, i;
	int dev, coll, fds[NR_BUFS], run;
	struct sysmem_heap_stats st;
	char what[64];
	double us;

	if (!have_debugfs())
		SKIP(return, "debugfs is not mounted at " DEBUGFS_PATH);
	dev = sysmem_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, sysmem_read_heap_stats(heap, &st))
		TH_LOG("no heap \"%s\" in " HEAPS_PATH, heap);
	ASSERT_EQ(0, st.buffers);

	for (run = 0; run < RUNS; run++) {
		us = sysmem_alloc_timed(dev, heap, BUF_SIZE, NR_BUFS, &coll);
		ASSERT_LE(0, us) {
			__u32 state = 0, reason = 0;

			if (coll >= 0)
				sysmem_check(coll, &state, &reason);
			TH_LOG("run %d: %s (state %u, %s)", run,
			       strerror((int)-us), state,
			       sysmem_fail_str(reason));
		}
		rows[id].us[run] = us;

		count = 0;
		nfds = 0;
		ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, NR_BUFS, &count,
					       &nfds));
		ASSERT_EQ(NR_BUFS, nfds);
		EXPECT_EQ(NR_BUFS, count);
		EXPECT_STREQ(heap, s.heap);
		EXPECT_EQ(BUF_SIZE, s.size_bytes);
		ASSERT_EQ(0, sysmem_read_heap_stats(heap, &st));
		EXPECT_EQ(NR_BUFS, st.buffers);
		for (i = 0; i < NR_BUFS; i++) {
			EXPECT_EQ((off_t)BUF_SIZE, lseek(fds[i], 0, SEEK_END));
			close(fds[i]);
		}
		leave(coll);
		EXPECT_EQ(0, sysmem_heap_settle(heap, 0, EMPTY_MS, &st));
		ASSERT_EQ(0, st.buffers) TH_LOG("run %d: memory not back", run);
	}
	close(dev);
	snprintf(what, sizeof(what), "sysmem %s", heap);
	row_finish(id, what);
}

/* The first of @names that exists under /dev/dma_heap, or -errno. */
static int dma_heap_open(const char *const *names, const char **found)
{
	char path[128];
	int fd = -ENOENT;

	for (; *names; names++) {
		snprintf(path, sizeof(path), DMA_HEAP_DIR "%s", *names);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*found = *names;
			return fd;
		}
		fd = -errno;
	}
	return fd;
}

/* RUNS timed batches of NR_BUFS DMA_HEAP_IOCTL_ALLOC calls. */
static void bench_dma_heap(struct __test_metadata *_metadata, enum row_id id,
			   const char *const *names)
{
	struct dma_heap_allocation_data d;
	int heap, fds[NR_BUFS], run, i, ret;
	const char *name = NULL;
	char what[64];
	double t0, t1;

	heap = dma_heap_open(names, &name);
	if (heap < 0)
		SKIP(return, DMA_HEAP_DIR "%s: %s (kernel without dma-heaps?)",
		     names[0], strerror(-heap));

	for (run = 0; run < RUNS; run++) {
		t0 = now_us();
		for (i = 0; i < NR_BUFS; i++) {
			memset(&d, 0, sizeof(d));
			d.len = BUF_SIZE;
			d.fd_flags = O_RDWR | O_CLOEXEC;
			ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d);
			if (ret)
				break;
			fds[i] = d.fd;
		}
		t1 = now_us();
		ASSERT_EQ(NR_BUFS, i)
			TH_LOG("run %d: allocation %d from %s: %s", run, i,
			       name, strerror(errno));
		rows[id].us[run] = t1 - t0;
		for (i = 0; i < NR_BUFS; i++) {
			EXPECT_EQ((off_t)BUF_SIZE, lseek(fds[i], 0, SEEK_END));
			close(fds[i]);
		}
	}
	close(heap);
	snprintf(what, sizeof(what), "dma-heap %s", name);
	row_finish(id, what);
}

TEST(sysmem_system)
{
	bench_sysmem(_metadata, ROW_SYSMEM_SYSTEM, "system");
}

TEST(dma_heap_system)
{
	static const char *const names[] = { "system", NULL };

	bench_dma_heap(_metadata, ROW_DMA_HEAP_SYSTEM, names);
}

/* CmaTotal from /proc/meminfo in bytes; 0 without CMA. */
static unsigned long long cma_total(void)
{
	unsigned long long kib = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CmaTotal: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib << 10;
}

TEST(sysmem_contiguous)
{
	/*
	 * Without CMA the heap gets one block from the page allocator,
	 * which cannot give BUF_SIZE at once (MAX_ORDER).
	 */
	if (cma_total() < NR_BUFS * BUF_SIZE)
		SKIP(return, "CMA area of %llu MiB, %llu MiB needed (no CMA: stock kernel?)",
		     cma_total() >> 20, (NR_BUFS * BUF_SIZE) >> 20);
	bench_sysmem(_metadata, ROW_SYSMEM_CONTIGUOUS, "contiguous");
}

TEST(dma_heap_cma)
{
	/* 6.1 names the CMA heap after the default area, "reserved". */
	static const char *const names[] = {
		"reserved", "linux,cma", "default_cma_region", NULL
	};

	bench_dma_heap(_metadata, ROW_DMA_HEAP_CMA, names);
}

/*
 * More contiguous memory than exists: the collection fails with
 * SYSMEM_FAIL_NO_MEMORY, the heap counts one failure, nothing stays
 * allocated (and the kernel log stays clean: no allocation warning).
 */
TEST(contiguous_too_large)
{
	const __u64 size = 1ULL << 30;	/* beyond cma= and any page order */
	struct sysmem_heap_stats st0, st;
	__u32 state = 0, reason = 0;
	int dev, coll;
	double us;

	if (!have_debugfs())
		SKIP(return, "debugfs is not mounted at " DEBUGFS_PATH);
	dev = sysmem_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &st0));
	us = sysmem_alloc_timed(dev, "contiguous", size, 1, &coll);
	ASSERT_LE(0, coll);
	EXPECT_EQ(-EIO, (int)us);
	ASSERT_EQ(0, sysmem_check(coll, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_NO_MEMORY, reason)
		TH_LOG("reason: %s", sysmem_fail_str(reason));
	leave(coll);
	EXPECT_EQ(0, sysmem_heap_settle("contiguous", 0, EMPTY_MS, &st));
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &st));
	EXPECT_EQ(st0.failures + 1, st.failures);
	close(dev);
}

/* The kernel's clocksource: "jiffies" means a coarse CLOCK_MONOTONIC. */
static const char *clocksource(char *buf, size_t len)
{
	FILE *f;

	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  "re");
	if (!f || !fgets(buf, len, f))
		snprintf(buf, len, "unknown");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void print_row(const struct row *r, const struct row *base)
{
	char ratio[32] = "";
	int i;

	if (!r->done) {
		ksft_print_msg("%-28s %12s\n", r->what[0] ? r->what : "-",
			       "not measured");
		return;
	}
	if (base && base->done && base->median > 0)
		snprintf(ratio, sizeof(ratio), "%.2f", r->median / base->median);
	ksft_print_msg("%-28s %12.0f %8s   [", r->what, r->median, ratio);
	for (i = 0; i < RUNS; i++)
		printf("%s%.0f", i ? " " : "", r->us[i]);
	printf("]\n");
}

/* The table: runs after the measurements, in the same process group. */
TEST(table)
{
	int measured = 0, i;
	char cs[64];

	ksft_print_msg("heap allocation: %d buffers of %llu MiB, median of %d runs (microseconds)\n",
		       NR_BUFS, BUF_SIZE >> 20, RUNS);
	ksft_print_msg("kernel clock: %s\n", clocksource(cs, sizeof(cs)));
	ksft_print_msg("%-28s %12s %8s   %s\n", "allocator", "median_us",
		       "ratio", "[runs]");
	if (!rows[ROW_SYSMEM_SYSTEM].what[0])
		strcpy(rows[ROW_SYSMEM_SYSTEM].what, "sysmem system");
	if (!rows[ROW_DMA_HEAP_SYSTEM].what[0])
		strcpy(rows[ROW_DMA_HEAP_SYSTEM].what, "dma-heap system");
	if (!rows[ROW_SYSMEM_CONTIGUOUS].what[0])
		strcpy(rows[ROW_SYSMEM_CONTIGUOUS].what, "sysmem contiguous");
	if (!rows[ROW_DMA_HEAP_CMA].what[0])
		strcpy(rows[ROW_DMA_HEAP_CMA].what, "dma-heap CMA");
	print_row(&rows[ROW_DMA_HEAP_SYSTEM], NULL);
	print_row(&rows[ROW_SYSMEM_SYSTEM], &rows[ROW_DMA_HEAP_SYSTEM]);
	print_row(&rows[ROW_DMA_HEAP_CMA], NULL);
	print_row(&rows[ROW_SYSMEM_CONTIGUOUS], &rows[ROW_DMA_HEAP_CMA]);
	ksft_print_msg("ratio: sysmem heap median / matching dma-heap median\n");
	for (i = 0; i < NR_ROWS; i++)
		measured += rows[i].done;
	/* At least sysmem's system heap must have been measured. */
	EXPECT_TRUE(rows[ROW_SYSMEM_SYSTEM].done || !have_debugfs());
	TH_LOG("%d of %d rows measured", measured, NR_ROWS);
}

TEST_HARNESS_MAIN
