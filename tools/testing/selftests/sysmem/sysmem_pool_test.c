// SPDX-License-Identifier: GPL-2.0
/*
 * The system heap's pool of cleared pages (drivers/sysmem/sysmem_page_pool.c):
 * a freed buffer's blocks are pooled per memory cgroup, cleared by the
 * pool's thread and handed to that cgroup's next buffers; no page is
 * ever handed out with what a buffer wrote into it, also while the
 * thread races the allocations, under memory pressure and across the
 * shrinker; pooled blocks stay charged to their cgroup and to no other;
 * a cgroup with a limit is not pooled, nor a block someone else still
 * holds; the bound holds; reclaim counts the pages the shrinker frees.
 *
 * Each test runs in a fresh unlimited cgroup of its own, so that the
 * pool group it checks is its own.  Needs debugfs and cgroup v2 with
 * the memory controller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_cgroup.h"
#include "sysmem_selftest.h"

#define NR_BUFS		8
#define BUF_SIZE	(1 * MIB)	/* one 1 MiB block, the heap's largest */
#define BUF_PAGES	(BUF_SIZE / 4096)
#define PATTERN		0xa5
#define POOL_MAX	"/sys/module/sysmem/parameters/pool_max_mb"

/*
 * Map each buffer, check that every byte is 0, then (with @fill) write
 * the pattern into all of it.  Return: 0, or the index + 1 of the first
 * buffer that was not zero, or -errno.
 */
static int check_zero_and_fill(const int *fds, unsigned int n, size_t size,
			       bool fill)
{
	unsigned int i;
	size_t j;

	for (i = 0; i < n; i++) {
		unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
					MAP_SHARED, fds[i], 0);

		if (p == MAP_FAILED)
			return -errno;
		for (j = 0; j < size; j++)
			if (p[j])
				break;
		if (j == size && fill)
			memset(p, PATTERN, size);
		munmap(p, size);
		if (j != size)
			return i + 1;
	}
	return 0;
}

/* One round: allocate, check zero, write the pattern, free everything. */
static int dirty_round(int dev, unsigned int n, size_t size)
{
	int fds[NR_BUFS], coll, ret;

	coll = sysmem_alloc_system(dev, fds, n, size, NULL);
	if (coll < 0)
		return coll;
	ret = check_zero_and_fill(fds, n, size, true);
	close_fds(fds, n);
	close(coll);
	return ret;
}

FIXTURE(pool) {
	char group[128];
	char max_before[32];
	int dev;
};

FIXTURE_SETUP(pool)
{
	int ret;

	self->dev = -1;
	self->group[0] = '\0';
	if (!have_debugfs())
		SKIP(return, "no debugfs");
	ret = cg_setup();
	if (ret == -ENOENT)
		SKIP(return, "no memory cgroup controller in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, read_file(POOL_MAX, self->max_before,
			       sizeof(self->max_before)));
	/* Start from an empty pool of the default size. */
	ASSERT_EQ(0, write_file(POOL_MAX, "64"));
	ASSERT_EQ(0, sysmem_pool_shrink());
	ASSERT_EQ(0, cg_make(self->group, sizeof(self->group), "sysmem-pool"));
	ASSERT_EQ(0, cg_enter(self->group));
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(pool)
{
	if (self->dev >= 0)
		close(self->dev);
	if (self->max_before[0])
		write_file(POOL_MAX, self->max_before);
	sysmem_pool_shrink();
	cg_remove(self->group);
}

/*
 * Freed blocks are pooled for the group, cleared, and serve its next
 * buffers: exactly one pool hit per 1 MiB buffer, every byte zero, and
 * the group is not charged a second time.
 */
TEST_F(pool, reuse_is_cleared_and_charged_once)
{
	struct sysmem_pool_stats p0, p1;
	int fds[NR_BUFS], coll;
	long long pooled, c0, c1;

	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	pooled = sysmem_pool_bytes(self->group);
	EXPECT_EQ(NR_BUFS * BUF_SIZE, pooled);
	ASSERT_EQ(0, sysmem_pool_settle(&p0));
	c0 = cg_current(self->group);
	/* The pooled blocks are charged to the group while they wait. */
	EXPECT_LE(NR_BUFS * BUF_SIZE, c0);

	coll = sysmem_alloc_system(self->dev, fds, NR_BUFS, BUF_SIZE, NULL);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, sysmem_read_pool(&p1));
	EXPECT_EQ(p0.hits + NR_BUFS, p1.hits);
	EXPECT_EQ(0, sysmem_pool_bytes(self->group));
	c1 = cg_current(self->group);
	/* No second charge: at most some slab and tables on top. */
	EXPECT_GT(c0 + 1 * (long long)MIB, c1)
		TH_LOG("charged %lld before, %lld after", c0, c1);
	EXPECT_EQ(0, check_zero_and_fill(fds, NR_BUFS, BUF_SIZE, false));
	close_fds(fds, NR_BUFS);
	close(coll);
}

/*
 * Allocation races the clearing thread: each round frees written
 * buffers and allocates at once, so blocks may be dirty, in clearing or
 * clean.  Every buffer handed out reads zero.
 */
TEST_F(pool, never_hands_out_dirty_blocks)
{
	struct sysmem_pool_stats p0, p1;
	int round;

	ASSERT_EQ(0, sysmem_read_pool(&p0));
	for (round = 0; round < 24; round++)
		ASSERT_EQ(0, dirty_round(self->dev, 4, BUF_SIZE))
			TH_LOG("round %d", round);
	/* Smaller blocks (64 KiB and single pages) too. */
	for (round = 0; round < 8; round++)
		ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, 68 * KIB))
			TH_LOG("small round %d", round);
	ASSERT_EQ(0, sysmem_read_pool(&p1));
	EXPECT_LT(p0.pooled, p1.pooled);
}

/*
 * The shrinker (run through drop_caches) gives every pooled block back:
 * the pool is empty, the group's charge falls by what was pooled, and
 * the next buffers come fresh from the page allocator, zeroed.
 */
TEST_F(pool, shrinker_gives_back)
{
	struct sysmem_pool_stats p0, p1;
	int fds[NR_BUFS], coll;
	long long c0, c1;

	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	ASSERT_EQ(0, sysmem_pool_settle(&p0));
	EXPECT_EQ(NR_BUFS * BUF_SIZE, sysmem_pool_bytes(self->group));
	c0 = cg_current(self->group);
	ASSERT_EQ(0, write_file(DROP_CACHES, "2"));
	ASSERT_EQ(0, sysmem_read_pool(&p1));
	EXPECT_EQ(0, p1.pages);
	EXPECT_LE(p0.shrunk + NR_BUFS * BUF_PAGES, p1.shrunk);
	EXPECT_EQ(0, sysmem_pool_bytes(self->group));
	c1 = cg_current(self->group);
	/* Down by what was pooled, give or take 1 MiB of slab. */
	EXPECT_GT(c0 - (long long)(NR_BUFS * BUF_SIZE - MIB), c1)
		TH_LOG("charged %lld before the shrinker, %lld after", c0, c1);

	coll = sysmem_alloc_system(self->dev, fds, NR_BUFS, BUF_SIZE, NULL);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, sysmem_read_pool(&p0));
	EXPECT_EQ(p1.hits, p0.hits);
	EXPECT_EQ(0, check_zero_and_fill(fds, NR_BUFS, BUF_SIZE, false));
	close_fds(fds, NR_BUFS);
	close(coll);
}

/*
 * Memory pressure while the pool holds written blocks: min_free_kbytes
 * raised to 256 MiB under what is free puts every zone below its low
 * watermark, so kswapd reclaims (running the shrinker) while written
 * buffers are freed and allocated again.  Every buffer reads zero, the
 * shrinker took pooled pages, and the counts add up.
 */
#define MIN_FREE	"/proc/sys/vm/min_free_kbytes"

static long long meminfo_kib(const char *key)
{
	char buf[4096], *s;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	s = strstr(buf, key);
	return s ? strtoll(s + strlen(key), NULL, 10) : -1;
}

/*
 * Whether kswapd has given up on a node (node_unreclaimable in
 * /proc/zoneinfo): after MAX_RECLAIM_RETRIES passes that reclaimed
 * nothing it no longer wakes for the node's watermarks, until a reclaim
 * makes progress there.  Return: 1, 0 or -errno.
 */
static int kswapd_gave_up(void)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[256];
	int v, ret = -EPROTO;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " node_unreclaimable: %d", &v) == 1)
			ret = ret == 1 ? 1 : !!v;
	fclose(f);
	return ret;
}

#define RECLAIM_BUF	(4 * MIB)
#define ROOT_RECLAIM	CGROOT "/memory.reclaim"

/*
 * Pool NR_BUFS written blocks of RECLAIM_BUF, then ask for @ask of
 * proactive reclaim of the whole machine (the root cgroup's
 * memory.reclaim).  The guest has nothing else to reclaim (no swap, no
 * file pages on a disk), so the pool's pages are what meets the request:
 * the write fails with EAGAIN unless the reclaim counts them.  Return:
 * 0 or -errno; @before and @after (settled) around the reclaim.
 */
static int reclaim_through_pool(int dev, const char *group, const char *ask,
				struct sysmem_pool_stats *before,
				struct sysmem_pool_stats *after)
{
	int ret;

	ret = dirty_round(dev, NR_BUFS, RECLAIM_BUF);
	if (ret)
		return ret < 0 ? ret : -EIO;
	ret = sysmem_pool_settle(before);
	if (ret)
		return ret;
	if (sysmem_pool_bytes(group) != NR_BUFS * RECLAIM_BUF)
		return -ENOSPC;
	ret = write_file(ROOT_RECLAIM, ask);
	if (ret)
		return ret;
	return sysmem_pool_settle(after);
}

TEST_F(pool, pressure_keeps_blocks_cleared)
{
	struct sysmem_pool_stats p0, p1;
	char min_before[32], min[32];
	long long free_kib, waited;
	int round, ret = 0;

	/*
	 * kswapd may have given up on the node after an earlier run of
	 * this test: a reclaim through the pool makes it try again.
	 */
	ret = kswapd_gave_up();
	ASSERT_LE(0, ret);
	if (ret) {
		ASSERT_EQ(0, reclaim_through_pool(self->dev, self->group,
						  "16M", &p0, &p1));
		ASSERT_EQ(0, kswapd_gave_up());
		ASSERT_EQ(0, sysmem_pool_shrink());
		ret = 0;
	}
	ASSERT_EQ(0, read_file(MIN_FREE, min_before, sizeof(min_before)));
	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	ASSERT_EQ(0, sysmem_pool_settle(&p0));
	ASSERT_EQ(NR_BUFS * BUF_SIZE, sysmem_pool_bytes(self->group));
	free_kib = meminfo_kib("MemFree:");
	ASSERT_LT(512 * 1024, free_kib);
	snprintf(min, sizeof(min), "%lld", free_kib - 256 * 1024);
	ASSERT_EQ(0, write_file(MIN_FREE, min));
	for (round = 0; round < 8 && !ret; round++)
		ret = dirty_round(self->dev, 4, BUF_SIZE);
	for (waited = 0; waited < WAIT_NS && !ret;
	     waited += SETTLE_POLL_MS * MSEC_NS) {
		ret = sysmem_read_pool(&p1);
		if (ret || p1.shrunk > p0.shrunk)
			break;
		usleep(SETTLE_POLL_MS * 1000);
	}
	/* Put the watermarks back before anything can fail. */
	ASSERT_EQ(0, write_file(MIN_FREE, min_before));
	ASSERT_EQ(0, ret) TH_LOG("round %d", round);
	EXPECT_LT(p0.shrunk, p1.shrunk);
	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	ASSERT_EQ(0, sysmem_pool_settle(&p1));
	ksft_print_msg("pool under pressure: shrunk %lld pages\n",
		       p1.shrunk - p0.shrunk);
	EXPECT_GE(p1.max_pages, p1.pages);
	EXPECT_EQ(0, p1.dirty);
}

/*
 * Reclaim counts the pages the shrinker gives back, as it counts slab
 * pages: proactive reclaim of 16 MiB met by 32 MiB of pooled blocks
 * succeeds, having taken at least that much from the pool; kswapd, if
 * it had given up on the node (the test above leaves it so, its
 * pressure being more than anything can relieve), wakes for it again;
 * and what the pool still holds or serves next reads zero.
 */
TEST_F(pool, reclaim_counts_pool_pages)
{
	struct sysmem_pool_stats p0, p1;
	int gave_up;

	gave_up = kswapd_gave_up();
	ASSERT_LE(0, gave_up);
	if (access(ROOT_RECLAIM, W_OK))
		SKIP(return, "no memory.reclaim in the root cgroup (before 5.19)");
	/* Elsewhere reclaim would meet the request with other memory. */
	if (meminfo_kib("SwapTotal:") ||
	    meminfo_kib("Active(file):") + meminfo_kib("Inactive(file):") >
	    4 * 1024)
		SKIP(return, "swap or file pages to reclaim: the pool is not all that reclaim finds here (the test VM has neither)");
	ASSERT_EQ(0, reclaim_through_pool(self->dev, self->group, "16M",
					  &p0, &p1));
	EXPECT_LE(p0.shrunk + 16 * MIB / 4096, p1.shrunk);
	EXPECT_GE(p0.pages - 16 * MIB / 4096, p1.pages);
	EXPECT_EQ(0, kswapd_gave_up());
	ksft_print_msg("reclaim took %lld pooled pages; kswapd had %sgiven up before\n",
		       p1.shrunk - p0.shrunk, gave_up ? "" : "not ");
	EXPECT_EQ(0, dirty_round(self->dev, NR_BUFS, RECLAIM_BUF));
	ASSERT_EQ(0, sysmem_pool_settle(&p1));
	EXPECT_EQ(0, p1.dirty);
}

/*
 * A group's pooled blocks serve no other cgroup: a child in a second
 * group allocates, is charged for fresh pages, and takes no pool hit.
 */
TEST_F(pool, other_cgroup_not_served)
{
	struct sysmem_pool_stats p0, p1;
	char other[128];
	long long c0, c1;
	int status;
	pid_t pid;

	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	ASSERT_EQ(0, sysmem_pool_settle(&p0));
	ASSERT_EQ(NR_BUFS * BUF_SIZE, sysmem_pool_bytes(self->group));
	ASSERT_EQ(0, cg_make(other, sizeof(other), "sysmem-pool-other"));
	c0 = cg_current(other);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fds[NR_BUFS], coll;

		if (cg_enter(other))
			_exit(1);
		coll = sysmem_alloc_system(self->dev, fds, NR_BUFS, BUF_SIZE, NULL);
		if (coll < 0)
			_exit(2);
		if (cg_current(other) < c0 + (long long)(NR_BUFS * BUF_SIZE))
			_exit(3);
		if (check_zero_and_fill(fds, NR_BUFS, BUF_SIZE, false))
			_exit(4);
		_exit(0);	/* frees into the other group's pool */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, sysmem_read_pool(&p1));
	EXPECT_EQ(p0.hits, p1.hits);
	EXPECT_EQ(NR_BUFS * BUF_SIZE, sysmem_pool_bytes(self->group));
	c1 = sysmem_pool_bytes(other);
	EXPECT_EQ(NR_BUFS * BUF_SIZE, c1);
	ASSERT_EQ(0, sysmem_pool_shrink());
	EXPECT_EQ(0, sysmem_pool_bytes(other));
	cg_remove(other);
	/* cg_remove moved this process to the root group. */
	ASSERT_EQ(0, cg_enter(self->group));
}

/*
 * A block someone else still holds is not pooled: vmsplice() takes a
 * reference on a page of the mapped buffer; after the buffer is gone the
 * pipe still reads what was written there (the page was neither cleared
 * nor reused under it), and the pool refused the block.
 */
TEST_F(pool, pinned_block_not_pooled)
{
	struct sysmem_pool_stats p0, p1;
	unsigned char *map, page[4096];
	int fds[1], coll, pipefd[2];
	struct iovec iov;
	size_t i;

	coll = sysmem_alloc_system(self->dev, fds, 1, BUF_SIZE, NULL);
	ASSERT_LE(0, coll);
	map = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0],
		   0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, PATTERN, BUF_SIZE);
	ASSERT_EQ(0, pipe(pipefd));
	iov.iov_base = map;
	iov.iov_len = sizeof(page);
	ASSERT_EQ((ssize_t)sizeof(page), vmsplice(pipefd[1], &iov, 1, 0));
	munmap(map, BUF_SIZE);
	ASSERT_EQ(0, sysmem_read_pool(&p0));
	close(fds[0]);
	close(coll);
	ASSERT_EQ(0, sysmem_read_pool(&p1));
	EXPECT_EQ(p0.pooled, p1.pooled);
	EXPECT_EQ(p0.refused + 1, p1.refused);
	EXPECT_EQ(0, sysmem_pool_bytes(self->group));

	/* What the pipe holds is still the buffer's data. */
	coll = sysmem_alloc_system(self->dev, fds, 1, BUF_SIZE, NULL);
	ASSERT_LE(0, coll);
	EXPECT_EQ(0, check_zero_and_fill(fds, 1, BUF_SIZE, true));
	close(fds[0]);
	close(coll);
	ASSERT_EQ((ssize_t)sizeof(page), read(pipefd[0], page, sizeof(page)));
	for (i = 0; i < sizeof(page); i++)
		if (page[i] != PATTERN)
			break;
	EXPECT_EQ(sizeof(page), i);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* A group with memory.max gets nothing pooled: its blocks are freed. */
TEST_F(pool, limited_cgroup_not_pooled)
{
	struct sysmem_pool_stats p0, p1;

	ASSERT_EQ(0, cg_write(self->group, "memory.max", "512M"));
	ASSERT_EQ(0, sysmem_read_pool(&p0));
	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	ASSERT_EQ(0, sysmem_read_pool(&p1));
	EXPECT_EQ(0, sysmem_pool_bytes(self->group));
	EXPECT_EQ(p0.pooled, p1.pooled);
	EXPECT_EQ(p0.refused + NR_BUFS, p1.refused);
}

/*
 * pool_max_mb bounds the pool: at 4 MiB only four of eight 1 MiB blocks
 * are kept; lowered to 0, the thread empties the pool.
 */
TEST_F(pool, bound_holds)
{
	struct sysmem_pool_stats p0, p1;
	long long waited;

	ASSERT_EQ(0, write_file(POOL_MAX, "4"));
	ASSERT_EQ(0, sysmem_read_pool(&p0));
	EXPECT_EQ(4 * BUF_PAGES, p0.max_pages);
	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	ASSERT_EQ(0, sysmem_read_pool(&p1));
	EXPECT_EQ(4 * BUF_SIZE, sysmem_pool_bytes(self->group));
	EXPECT_EQ(p0.refused + 4, p1.refused);

	ASSERT_EQ(0, write_file(POOL_MAX, "0"));
	for (waited = 0; waited < WAIT_NS; waited += SETTLE_POLL_MS * MSEC_NS) {
		ASSERT_EQ(0, sysmem_read_pool(&p1));
		if (!p1.pages)
			break;
		usleep(SETTLE_POLL_MS * 1000);
	}
	EXPECT_EQ(0, p1.pages);
	EXPECT_EQ(0, sysmem_pool_bytes(self->group));
	/* Off: freed blocks are not pooled at all. */
	ASSERT_EQ(0, dirty_round(self->dev, NR_BUFS, BUF_SIZE));
	EXPECT_EQ(0, sysmem_pool_bytes(self->group));
}

TEST_HARNESS_MAIN
