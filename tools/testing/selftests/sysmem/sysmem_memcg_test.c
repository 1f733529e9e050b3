// SPDX-License-Identifier: GPL-2.0
/*
 * Memory cgroup charging of the system heap: buffers are charged to the
 * cgroup of the task that created the collection (sysmem_payer_test.c
 * checks that with two cgroups), uncharged when their
 * memory goes back (from the page pool, where freed blocks wait charged), and a cgroup's memory.max makes an allocation that
 * does not fit fail its collection (SYSMEM_FAIL_NO_MEMORY) instead of
 * invoking the OOM killer.
 *
 * Needs cgroup v2 with the memory controller; the test mounts cgroup2 at
 * /sys/fs/cgroup if nothing is mounted there, and skips where the kernel
 * has no memory controller (Debian's stock kernel has one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_cgroup.h"
#include "sysmem_selftest.h"

#define NR_BUFFERS	4
#define BUFFER_SIZE	(4 * MIB)

/* NR_BUFFERS system-heap buffers of BUFFER_SIZE, their fds in @fds. */
static int allocate(int dev, int *fds, __u32 *reason)
{
	return sysmem_alloc_system(dev, fds, NR_BUFFERS, BUFFER_SIZE, reason);
}

FIXTURE(memcg) {
	char path[128];
	int dev;
};

FIXTURE_SETUP(memcg)
{
	int ret;

	self->dev = -1;
	self->path[0] = '\0';
	ret = cg_setup();
	if (ret == -ENOENT)
		SKIP(return, "no memory cgroup controller in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, cg_make(self->path, sizeof(self->path), "sysmem-test"));
	/* Move this process (and its later allocations) into the group. */
	ASSERT_EQ(0, cg_enter(self->path));
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(memcg)
{
	if (self->dev >= 0)
		close(self->dev);
	cg_remove(self->path);
}

/*
 * Buffers are charged to the cgroup of the task that created the
 * collection (here also the one allocating), and uncharged.
 */
TEST_F(memcg, buffers_charged_and_uncharged)
{
	int fds[NR_BUFFERS], coll, i;
	long long before, during, after, pooled;
	__u32 reason = 0;

	before = cg_current(self->path);
	ASSERT_LE(0, before);
	coll = allocate(self->dev, fds, &reason);
	ASSERT_LE(0, coll) TH_LOG("reason %u", reason);
	during = cg_current(self->path);
	/* Every page of every buffer, plus at most some slab and tables. */
	EXPECT_LE(before + NR_BUFFERS * BUFFER_SIZE, during);
	EXPECT_GT(before + NR_BUFFERS * BUFFER_SIZE + 4 * MIB, during);
	for (i = 0; i < NR_BUFFERS; i++)
		close(fds[i]);
	close(coll);
	/* Pooled blocks stay charged to the group (sysmem_page_pool.c). */
	pooled = sysmem_pool_bytes(self->path);
	ASSERT_LE(0, pooled);
	EXPECT_GE(NR_BUFFERS * BUFFER_SIZE, pooled);
	after = cg_current(self->path);
	EXPECT_GT(before + pooled + 1 * MIB, after)
		TH_LOG("before %lld during %lld after %lld pooled %lld",
		       before, during, after, pooled);
	EXPECT_LE(before + pooled - 1 * (long long)MIB, after);
	/* The shrinker gives them back: nothing stays charged. */
	ASSERT_EQ(0, sysmem_pool_shrink());
	EXPECT_EQ(0, sysmem_pool_bytes(self->path));
	after = cg_current(self->path);
	EXPECT_GT(before + 1 * MIB, after)
		TH_LOG("before %lld after the shrinker %lld", before, after);
}

/*
 * memory.max below what the collection needs: the allocation fails
 * cleanly and the collection fails with SYSMEM_FAIL_NO_MEMORY; no OOM
 * kill (this process survives), and what was charged goes back.
 */
TEST_F(memcg, limit_fails_collection)
{
	char max[160];
	int fds[NR_BUFFERS], coll;
	__u32 reason = 0;

	snprintf(max, sizeof(max), "%s/memory.max", self->path);
	ASSERT_EQ(0, write_file(max, "8M"));
	coll = allocate(self->dev, fds, &reason);
	EXPECT_EQ(-EIO, coll);
	EXPECT_EQ(SYSMEM_FAIL_NO_MEMORY, reason);
	EXPECT_GT(2 * MIB, cg_current(self->path));
	/* Raised again, the same request fits. */
	ASSERT_EQ(0, write_file(max, "max"));
	coll = allocate(self->dev, fds, &reason);
	ASSERT_LE(0, coll);
	for (int i = 0; i < NR_BUFFERS; i++)
		close(fds[i]);
	close(coll);
}

TEST_HARNESS_MAIN
