// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures injected into every step of the negotiation flow.
 *
 * For each operation, the test makes the 1st, 2nd, 3rd, ... kernel slab
 * allocation of the calling thread fail (fail-nth, with failslab made to
 * consider sleeping allocations) until the operation runs without
 * reaching the injected failure.  Every attempt must fail cleanly
 * (-ENOMEM, or the documented collection failure), leave the collection
 * usable or failed with a reason, and give every byte back to the heap.
 * Needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS; skips
 * without them.  The allocation sweeps run a second time with sysmem's
 * dma_noncoherent test knob set, so that the cache flush of new buffers,
 * which a coherent machine skips, meets the failures too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define FAILPAGE "/sys/kernel/debug/fail_page_alloc/"
#define NONCOHERENT_KNOB DEBUGFS_PATH "/sysmem/dma_noncoherent"
/* Far more allocations than any one operation makes. */
#define MAX_NTH 400

FIXTURE(fault) {
	int dev;
	int nth;			/* /proc/thread-self/fail-nth */
	struct sysmem_heap_stats baseline;	/* system heap at start */
};

FIXTURE_SETUP(fault)
{
	int nth;

	self->nth = -1;
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	/* The injected failures are expected: no stack dumps for them. */
	nth = fail_nth_open();
	if (nth == -ENOENT)
		SKIP(return, "kernel without failslab or fail-nth");
	ASSERT_LE(0, nth);
	self->nth = nth;
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &self->baseline));
}

/*
 * The 6.1 harness runs the test body even when the fixture setup
 * skipped; every test starts with this.
 */
#define NEED_FAIL_NTH() do { \
	if (self->nth < 0) \
		SKIP(return, "kernel without failslab or fail-nth"); \
} while (0)

FIXTURE_TEARDOWN(fault)
{
	write_file(NONCOHERENT_KNOB, "N");
	if (self->nth >= 0)
		fail_nth_close(self->nth);
	close(self->dev);
}

static const struct sysmem_buffer_constraints cpu3 = {
	.usage = SYSMEM_USAGE_CPU_WRITE,
	.min_buffer_count_for_camping = 3,
	.min_size_bytes = 3 * 4096 + 1,
};

/* Two-participant tree: token @t duplicated into @d, both bound. */
struct tree {
	int t, d, ct, cd;
};

static void tree_close(struct tree *tr)
{
	int *fds[] = { &tr->t, &tr->d, &tr->ct, &tr->cd };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (*fds[i] >= 0) {
			sysmem_release(*fds[i]);
			close(*fds[i]);
		}
		*fds[i] = -1;
	}
}

static int state_of(int fd, __u32 *reason)
{
	__u32 state;

	if (sysmem_check(fd, &state, reason))
		return -1;
	return state;
}

TEST_F_TIMEOUT(fault, alloc_token_and_duplicate, 120)
{
	int n, fd, t, fds[4];
	__u32 masks[4] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ,
			   SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ };
	bool hit = true;
	NEED_FAIL_NTH();

	for (n = 1; hit && n < MAX_NTH; n++) {
		fail_nth_arm(self->nth, n);
		fd = sysmem_alloc_token(self->dev);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(fd >= 0 || fd == -ENOMEM) TH_LOG("nth %d: %d", n, fd);
		ASSERT_TRUE(fd >= 0 || hit);
		if (fd >= 0)
			close(fd);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%d allocation failures injected", n - 2);

	hit = true;
	for (n = 1; hit && n < MAX_NTH; n++) {
		t = sysmem_alloc_token(self->dev);
		ASSERT_LE(0, t);
		fail_nth_arm(self->nth, n);
		fd = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(fd >= 0 || fd == -ENOMEM) TH_LOG("nth %d: %d", n, fd);
		/* The parent token is unharmed either way. */
		ASSERT_EQ(0, sysmem_release(t));
		if (fd >= 0) {
			ASSERT_EQ(0, sysmem_release(fd));
			close(fd);
		}
		close(t);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%d allocation failures injected", n - 2);

	hit = true;
	for (n = 1; hit && n < MAX_NTH; n++) {
		int probe, ret, i;

		t = sysmem_alloc_token(self->dev);
		ASSERT_LE(0, t);
		probe = next_fd();
		fail_nth_arm(self->nth, n);
		ret = sysmem_duplicate_many(t, masks, fds, 4);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(!ret || ret == -ENOMEM) TH_LOG("nth %d: %d", n, ret);
		if (ret) {
			/* All or nothing: no fd appeared. */
			EXPECT_EQ(probe, next_fd());
		} else {
			for (i = 0; i < 4; i++) {
				ASSERT_EQ(0, sysmem_release(fds[i]));
				close(fds[i]);
			}
		}
		/* Hidden tokens would keep it pending: release must allocate. */
		ASSERT_EQ(0, sysmem_release(t));
		close(t);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%d allocation failures injected", n - 2);
}

TEST_F_TIMEOUT(fault, bind, 120)
{
	struct tree tr = { -1, -1, -1, -1 };
	bool hit = true;
	__u32 reason;
	int n;
	NEED_FAIL_NTH();

	for (n = 1; hit && n < MAX_NTH; n++) {
		tr.t = sysmem_alloc_token(self->dev);
		ASSERT_LE(0, tr.t);
		fail_nth_arm(self->nth, n);
		tr.ct = sysmem_bind(self->dev, tr.t);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(tr.ct >= 0 || tr.ct == -ENOMEM)
			TH_LOG("nth %d: %d", n, tr.ct);
		if (tr.ct < 0) {
			/* The token is still live: binding again works. */
			tr.ct = sysmem_bind(self->dev, tr.t);
			ASSERT_LE(0, tr.ct);
		}
		ASSERT_EQ(0, sysmem_set_constraints(tr.ct, &cpu3));
		ASSERT_EQ(0, sysmem_wait(tr.ct, -1));
		ASSERT_EQ(SYSMEM_STATE_ALLOCATED, state_of(tr.ct, &reason));
		tree_close(&tr);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%d allocation failures injected", n - 2);
}

static void set_constraints_faults(struct __test_metadata *_metadata,
				   FIXTURE_DATA(fault) *self)
{
	struct sysmem_heap_name heaps[2] = { { "system" }, { "other" } };
	struct sysmem_buffer_constraints c = cpu3;
	struct sysmem_heap_stats hs;
	bool hit = true;
	int n, i, ret, fds[6];
	__u32 reason;

	c.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.heap_count = 2;
	c.heaps = (__u64)(uintptr_t)heaps;
	for (n = 1; hit && n < MAX_NTH; n++) {
		struct tree tr = { -1, -1, -1, -1 };
		int st;

		tr.t = sysmem_alloc_token(self->dev);
		tr.d = sysmem_duplicate(tr.t, SYSMEM_RIGHTS_SAME);
		tr.ct = sysmem_bind(self->dev, tr.t);
		tr.cd = sysmem_bind(self->dev, tr.d);
		ASSERT_LE(0, tr.cd);
		ASSERT_EQ(0, sysmem_set_constraints(tr.ct, &cpu3));
		/* The last participant's call negotiates and allocates. */
		fail_nth_arm(self->nth, n);
		ret = sysmem_set_constraints(tr.cd, &c);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(!ret || ret == -ENOMEM) TH_LOG("nth %d: %d", n, ret);
		st = state_of(tr.ct, &reason);
		if (ret) {
			/* Nothing was set: still pending, and a retry works. */
			ASSERT_EQ(SYSMEM_STATE_PENDING, st);
			ASSERT_EQ(0, sysmem_set_constraints(tr.cd, &c));
			st = state_of(tr.ct, &reason);
		}
		if (st == SYSMEM_STATE_FAILED) {
			ASSERT_TRUE(hit);
			ASSERT_EQ(SYSMEM_FAIL_NO_MEMORY, reason);
			ASSERT_EQ(-EIO, sysmem_wait(tr.cd, 0));
		} else {
			/* Camping 3 + 3. */
			ASSERT_EQ(SYSMEM_STATE_ALLOCATED, st);
			ASSERT_EQ(0, sysmem_get_result(tr.cd, NULL, fds, 6, NULL,
						       NULL));
			for (i = 0; i < 6; i++)
				close(fds[i]);
		}
		tree_close(&tr);
		ASSERT_EQ(0, sysmem_read_heap_stats("system", &hs));
		ASSERT_EQ(self->baseline.bytes, hs.bytes) TH_LOG("nth %d", n);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%d allocation failures injected", n - 2);
}

TEST_F_TIMEOUT(fault, set_constraints_and_allocate, 120)
{
	NEED_FAIL_NTH();
	set_constraints_faults(_metadata, self);
}

/* The same with every new buffer flushed (the dma_noncoherent knob). */
TEST_F_TIMEOUT(fault, set_constraints_and_allocate_noncoherent, 120)
{
	NEED_FAIL_NTH();
	ASSERT_EQ(0, write_file(NONCOHERENT_KNOB, "Y"));
	set_constraints_faults(_metadata, self);
}

TEST_F_TIMEOUT(fault, get_result_and_name, 120)
{
	struct sysmem_buffer_settings s;
	struct sysmem_heap_stats hs;
	unsigned int count, nfds;
	bool hit = true;
	int n, ret, c, probe, i, fds[3];
	NEED_FAIL_NTH();

	for (n = 1; hit && n < MAX_NTH; n++) {
		c = sysmem_alloc_nonshared(self->dev);
		ASSERT_LE(0, c);
		ASSERT_EQ(0, sysmem_set_constraints(c, &cpu3));
		ASSERT_EQ(0, sysmem_wait(c, -1));
		probe = next_fd();
		fail_nth_arm(self->nth, n);
		ret = sysmem_get_result(c, &s, fds, 3, &count, &nfds);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(!ret || ret == -ENOMEM) TH_LOG("nth %d: %d", n, ret);
		if (ret) {
			EXPECT_EQ(probe, next_fd());
			/* The collection is unharmed: try again. */
			ASSERT_EQ(0, sysmem_get_result(c, &s, fds, 3, &count,
						       &nfds));
		}
		ASSERT_EQ(3, nfds);
		for (i = 0; i < 3; i++)
			close(fds[i]);

		/* Renaming exported buffers allocates too. */
		ASSERT_EQ(0, sysmem_get_result(c, &s, fds, 3, &count, &nfds));
		fail_nth_arm(self->nth, n);
		ret = sysmem_set_name(c, 1, "renamed");
		fail_nth_disarm(self->nth);
		ASSERT_EQ(0, ret);
		for (i = 0; i < 3; i++)
			close(fds[i]);
		ASSERT_EQ(0, sysmem_release(c));
		close(c);
		ASSERT_EQ(0, sysmem_read_heap_stats("system", &hs));
		ASSERT_EQ(self->baseline.bytes, hs.bytes) TH_LOG("nth %d", n);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%d allocation failures injected", n - 2);
}

/*
 * A weak node's result allocates a weak dma-buf and a close-weak file
 * per buffer: each allocation failing gives -ENOMEM, no fd, and leaves
 * the collection as it was; every byte goes back afterwards.
 */
TEST_F_TIMEOUT(fault, weak_get_result, 120)
{
	struct sysmem_heap_stats hs;
	int n, ret, tok, w, cs, cw, probe, i, fds[6], cfds[6];
	unsigned int count;
	bool hit = true;
	NEED_FAIL_NTH();

	for (n = 1; hit && n < MAX_NTH; n++) {
		tok = sysmem_alloc_token(self->dev);
		ASSERT_LE(0, tok);
		w = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
		ASSERT_LE(0, w);
		ASSERT_EQ(0, sysmem_set_weak(w));
		ASSERT_EQ(0, sysmem_set_weak_ok(w, false));
		cs = sysmem_bind(self->dev, tok);
		cw = sysmem_bind(self->dev, w);
		ASSERT_LE(0, cs);
		ASSERT_LE(0, cw);
		close(tok);
		close(w);
		ASSERT_EQ(0, sysmem_set_constraints(cs, &cpu3));
		ASSERT_EQ(0, sysmem_set_constraints(cw, &cpu3));
		ASSERT_EQ(0, sysmem_wait(cw, -1));
		probe = next_fd();
		fail_nth_arm(self->nth, n);
		ret = sysmem_get_weak_result(cw, NULL, fds, cfds, 6, &count, NULL,
					     NULL);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(!ret || ret == -ENOMEM) TH_LOG("nth %d: %d", n, ret);
		if (ret) {
			EXPECT_EQ(probe, next_fd());
			ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, fds, cfds,
							    6, &count, NULL, NULL));
		}
		/* Camping 3 + 3. */
		ASSERT_EQ(6, count);
		for (i = 0; i < 6; i++) {
			ASSERT_LE(0, fds[i]);
			ASSERT_LE(0, cfds[i]);
			close(fds[i]);
			close(cfds[i]);
		}
		ASSERT_EQ(0, sysmem_release(cs));
		close(cs);
		ASSERT_EQ(0, sysmem_release(cw));
		close(cw);
		ASSERT_EQ(0, sysmem_read_heap_stats("system", &hs));
		ASSERT_EQ(self->baseline.bytes, hs.bytes) TH_LOG("nth %d", n);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%d allocation failures injected", n - 2);
}

/*
 * Page allocations fail too: the heaps' own allocations (large blocks
 * with their fallback to smaller ones, the contiguous block, the page
 * tables of mappings made for flushing, with the dma_noncoherent knob)
 * as well as slab.  fail-nth counts every fault point of the thread,
 * so each attempt fails exactly one of them.  The collection either
 * gets its buffers, zeroed, or fails with SYSMEM_FAIL_NO_MEMORY; either
 * way every byte goes back.
 */
static void page_faults_for_heap(struct __test_metadata *_metadata,
				 FIXTURE_DATA(fault) *self, const char *heap)
{
	struct sysmem_heap_name name = { "" };
	struct sysmem_buffer_constraints c = {
		.usage = SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE,
		.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS,
		.min_buffer_count = 2,
		/* A 1 MiB block, then single pages, per buffer. */
		.min_size_bytes = (1 << 20) + 4096,
		.heap_count = 1,
		.heaps = (__u64)(uintptr_t)&name,
	};
	struct sysmem_heap_stats base, hs;
	int n, ret, coll, fds[2], allocated = 0;
	bool hit = true;
	__u32 reason;

	strcpy(name.name, heap);
	ASSERT_EQ(0, sysmem_read_heap_stats(heap, &base));
	for (n = 1; hit && n < MAX_NTH; n++) {
		coll = sysmem_alloc_nonshared(self->dev);
		ASSERT_LE(0, coll);
		fail_nth_arm(self->nth, n);
		ret = sysmem_set_constraints(coll, &c);
		hit = fail_nth_disarm(self->nth);
		ASSERT_TRUE(!ret || ret == -ENOMEM) TH_LOG("nth %d: %d", n, ret);
		if (ret)
			ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
		if (state_of(coll, &reason) == SYSMEM_STATE_FAILED) {
			ASSERT_TRUE(hit);
			ASSERT_EQ(SYSMEM_FAIL_NO_MEMORY, reason);
		} else {
			unsigned char *p;
			int i;

			ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 2, NULL,
						       NULL));
			for (i = 0; i < 2; i++) {
				p = mmap(NULL, c.min_size_bytes, PROT_READ,
					 MAP_SHARED, fds[i], 0);
				ASSERT_NE(MAP_FAILED, p);
				/* First and last byte of each block size. */
				EXPECT_EQ(0, p[0]);
				EXPECT_EQ(0, p[(1 << 20) - 1]);
				EXPECT_EQ(0, p[c.min_size_bytes - 1]);
				munmap(p, c.min_size_bytes);
				close(fds[i]);
			}
			allocated++;
		}
		ASSERT_EQ(0, sysmem_release(coll));
		close(coll);
		ASSERT_EQ(0, sysmem_read_heap_stats(heap, &hs));
		ASSERT_EQ(base.bytes, hs.bytes) TH_LOG("nth %d", n);
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("%s: %d failures injected, %d allocations survived one",
	       heap, n - 2, allocated - 1);
}

static void page_faults(struct __test_metadata *_metadata,
			FIXTURE_DATA(fault) *self)
{
	/* Consider every page allocation, of any order, sleeping or not. */
	ASSERT_EQ(0, write_file(FAILPAGE "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_file(FAILPAGE "ignore-gfp-highmem", "N"));
	ASSERT_EQ(0, write_file(FAILPAGE "min-order", "0"));
	ASSERT_EQ(0, write_file(FAILPAGE "verbose", "0"));
	page_faults_for_heap(_metadata, self, "system");
	page_faults_for_heap(_metadata, self, "contiguous");
	write_file(FAILPAGE "ignore-gfp-wait", "Y");
	write_file(FAILPAGE "ignore-gfp-highmem", "Y");
}

TEST_F_TIMEOUT(fault, page_allocation_in_heaps, 120)
{
	NEED_FAIL_NTH();
	if (access(FAILPAGE "ignore-gfp-wait", W_OK))
		SKIP(return, "kernel without fail_page_alloc");
	page_faults(_metadata, self);
}

/* The same with every new buffer flushed (the dma_noncoherent knob). */
TEST_F_TIMEOUT(fault, page_allocation_in_heaps_noncoherent, 120)
{
	NEED_FAIL_NTH();
	if (access(FAILPAGE "ignore-gfp-wait", W_OK))
		SKIP(return, "kernel without fail_page_alloc");
	ASSERT_EQ(0, write_file(NONCOHERENT_KNOB, "Y"));
	page_faults(_metadata, self);
}

TEST_HARNESS_MAIN
