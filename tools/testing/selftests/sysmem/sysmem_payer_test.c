// SPDX-License-Identifier: GPL-2.0
/*
 * Who pays for a collection's buffers (Documentation/sysmem/security.rst):
 *
 * - the cgroup of the process that created the collection, even when a
 *   participant in another cgroup completes the negotiation and asks for
 *   more than its own cgroup could hold;
 * - no more than the bound the creator set on its token
 *   (SYSMEM_IOC_NODE_SET_MAX_TOTAL_BYTES): a participant asking for more
 *   fails the collection with SYSMEM_FAIL_CONSTRAINTS, nothing charged;
 * - contiguous memory counts against the creator's RLIMIT_MEMLOCK and
 *   its user's share of the contiguous area (contig_user_percent), for a
 *   user without CAP_IPC_LOCK; root's allocations from the kernel's CMA
 *   dma-heap still succeed while such a user holds its maximum.
 *
 * Needs cgroup v2 with the memory controller for the first two (mounted
 * at /sys/fs/cgroup if nothing is there), and debugfs for the counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-heap.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_cgroup.h"
#include "sysmem_selftest.h"

#define NOBODY		65534
#define USERS_PATH	DEBUGFS_PATH "/sysmem/users"
#define PERCENT_PATH	"/sys/module/sysmem/parameters/contig_user_percent"

/* The participant's request: 4 x 16 MiB, beyond its cgroup's 16 MiB. */
#define BIG_COUNT	4
#define BIG_SIZE	(16 * MIB)
#define BIG_TOTAL	(BIG_COUNT * BIG_SIZE)

/* Constraints for @count buffers of @size from heap @heap, CPU usage. */
static void heap_cons(struct sysmem_buffer_constraints *c,
		      struct sysmem_heap_name *name, const char *heap,
		      __u32 count, __u64 size)
{
	memset(c, 0, sizeof(*c));
	memset(name, 0, sizeof(*name));
	snprintf(name->name, sizeof(name->name), "%s", heap);
	c->usage = USAGE_RW;
	c->flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c->min_buffer_count = count;
	c->min_size_bytes = size;
	c->heap_count = 1;
	c->heaps = (__u64)(uintptr_t)name;
}

/*
 * In a child in cgroup @group: bind @token, ask for BIG_COUNT x BIG_SIZE
 * system-heap buffers (this call completes the negotiation), wait, and
 * leave cleanly.  Exit status: 0 allocated, 100 + reason when the
 * collection failed, 99 for anything else.
 */
static int participant(int dev, int token, const char *group)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	__u32 state, reason = 0;
	int coll, ret;

	if (cg_enter(group))
		return 99;
	coll = sysmem_bind(dev, token);
	if (coll < 0)
		return 99;
	heap_cons(&c, &name, "system", BIG_COUNT, BIG_SIZE);
	if (sysmem_set_constraints(coll, &c))
		return 99;
	ret = sysmem_wait(coll, WAIT_NS);
	if (ret == -EIO) {
		sysmem_check(coll, &state, &reason);
		return 100 + reason;
	}
	if (ret)
		return 99;
	sysmem_release(coll);
	close(coll);
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(payer) {
	char a[128];	/* the creator's cgroup */
	char b[128];	/* the other participant's, memory.max 16M */
	int dev;
};

FIXTURE_SETUP(payer)
{
	int ret;

	self->dev = -1;
	self->a[0] = '\0';
	self->b[0] = '\0';
	ret = cg_setup();
	if (ret == -ENOENT)
		SKIP(return, "no memory cgroup controller in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, cg_make(self->a, sizeof(self->a), "sysmem-payer-a"));
	ASSERT_EQ(0, cg_make(self->b, sizeof(self->b), "sysmem-payer-b"));
	ASSERT_EQ(0, cg_write(self->b, "memory.max", "16M"));
	ASSERT_EQ(0, cg_enter(self->a));
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(payer)
{
	if (self->dev >= 0)
		close(self->dev);
	cg_remove(self->b);
	cg_remove(self->a);
}

/*
 * The creator's side in cgroup A: a root token @token (already made,
 * perhaps bounded), a duplicate handed to the participant in cgroup B,
 * and the creator's own collection node wanting one small buffer; then
 * the participant runs to its end.  Returns the collection fd (or
 * -errno) and the participant's exit status in *@status.
 */
static int share_with_b(int dev, int token, const char *b, int *status)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	int dup, coll;
	pid_t pid;

	dup = sysmem_duplicate(token, SYSMEM_RIGHTS_SAME);
	if (dup < 0)
		return dup;
	coll = sysmem_bind(dev, token);
	if (coll < 0)
		return coll;
	heap_cons(&c, &name, "system", 1, 4 * KIB);
	if (sysmem_set_constraints(coll, &c) < 0)
		return -EPROTO;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(participant(dev, dup, b));
	close(dup);
	*status = wait_child(pid);
	return coll;
}

/*
 * The creator in cgroup A wants one small buffer; a participant in
 * cgroup B (memory.max 16M) asks for 64 MiB and completes the
 * negotiation.  A pays for all of it, B for (next to) nothing.
 */
TEST_F(payer, creator_pays)
{
	long long a0, b0, a1, b1, a2;
	struct sysmem_buffer_settings s;
	int token, coll, status, fds[BIG_COUNT];
	unsigned int count = 0;

	a0 = cg_current(self->a);
	b0 = cg_current(self->b);
	ASSERT_LE(0, a0);
	ASSERT_LE(0, b0);
	token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, token);
	coll = share_with_b(self->dev, token, self->b, &status);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, status);

	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, BIG_COUNT, &count,
				       NULL));
	ASSERT_EQ(BIG_COUNT, count);
	EXPECT_EQ(BIG_SIZE, s.size_bytes);
	a1 = cg_current(self->a);
	b1 = cg_current(self->b);
	/*
	 * Every page of every buffer in A, give or take 1 MiB of unrelated
	 * kernel memory charged to or freed from A meanwhile (up to 44 KiB
	 * were seen freed), plus at most 4 MiB of slab.
	 */
	EXPECT_LE(a0 + (long long)BIG_TOTAL - (long long)MIB, a1);
	EXPECT_GT(a0 + (long long)BIG_TOTAL + 4 * (long long)MIB, a1);
	/* B: its node and its wrapper dma-bufs at most. */
	EXPECT_GT(b0 + 2 * (long long)MIB, b1)
		TH_LOG("B before %lld after %lld", b0, b1);

	close_fds(fds, count);
	leave(coll);
	/* Freed blocks may wait in A's page pool, still charged to A. */
	ASSERT_EQ(0, sysmem_pool_shrink());
	EXPECT_EQ(0, sysmem_pool_bytes(self->a));
	a2 = cg_current(self->a);
	EXPECT_GT(a0 + (long long)MIB, a2)
		TH_LOG("A before %lld during %lld after %lld", a0, a1, a2);
}

/*
 * The creator bounds the collection at 32 MiB on its token before it
 * hands out the duplicate: the participant's 64 MiB fails the collection
 * with SYSMEM_FAIL_CONSTRAINTS and nobody is charged for buffers.
 */
TEST_F(payer, bound_stops_participant)
{
	long long a0, a1;
	__u32 state, reason;
	int token, coll, status;

	a0 = cg_current(self->a);
	token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, token);
	EXPECT_EQ(-EINVAL, sysmem_set_max_total_bytes(token, 0));
	ASSERT_EQ(0, sysmem_set_max_total_bytes(token, BIG_TOTAL / 2));
	/* A higher bound later changes nothing: the lowest applies. */
	ASSERT_EQ(0, sysmem_set_max_total_bytes(token, BIG_TOTAL * 2));
	coll = share_with_b(self->dev, token, self->b, &status);
	ASSERT_LE(0, coll);
	EXPECT_EQ(100 + SYSMEM_FAIL_CONSTRAINTS, status);
	EXPECT_EQ(-EIO, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_check(coll, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, reason);
	a1 = cg_current(self->a);
	EXPECT_GT(a0 + (long long)MIB, a1);
	/* Not pending any more. */
	EXPECT_EQ(-EBUSY, sysmem_set_max_total_bytes(coll, BIG_TOTAL));
	close(coll);
}

/* A bound of exactly the buffers' total lets them through. */
TEST_F(payer, bound_exact_fits)
{
	int token, coll, status;

	token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, token);
	ASSERT_EQ(0, sysmem_set_max_total_bytes(token, BIG_TOTAL));
	coll = share_with_b(self->dev, token, self->b, &status);
	ASSERT_LE(0, coll);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, sysmem_wait(coll, WAIT_NS));
	EXPECT_EQ(-EBUSY, sysmem_set_max_total_bytes(coll, BIG_TOTAL));
	leave(coll);
}

/* "user uid=N pinned_bytes=P contig_bytes=C" for @uid, or -errno. */
static int user_counts(unsigned int uid, long long *pinned,
		       long long *contig)
{
	char buf[4096], want[48], *line;
	int ret;

	ret = read_file(USERS_PATH, buf, sizeof(buf));
	if (ret)
		return ret;
	*pinned = 0;
	*contig = 0;
	snprintf(want, sizeof(want), "user uid=%u ", uid);
	line = strstr(buf, want);
	if (!line)
		return 0;	/* no entry: nothing held */
	if (sscanf(line + strlen(want), "pinned_bytes=%lld contig_bytes=%lld",
		   pinned, contig) != 2)
		return -EPROTO;
	return 0;
}

/* The number after @key in the users file's first line, or -errno. */
static long long users_header(const char *key)
{
	char buf[4096], *p;
	int ret;

	ret = read_file(USERS_PATH, buf, sizeof(buf));
	if (ret)
		return ret;
	p = strstr(buf, key);
	if (!p)
		return -EPROTO;
	return strtoll(p + strlen(key), NULL, 10);
}

/*
 * One contiguous buffer of @size, physically aligned to @align (0: no
 * request), in its own collection; the collection fd (holding the
 * buffer), or -100 - reason when the collection failed.
 */
static int contig_one(int dev, __u64 size, __u64 align)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	__u32 state, reason = 0;
	int coll, ret;

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		return coll;
	heap_cons(&c, &name, "contiguous", 1, size);
	c.min_physical_base_alignment = align;
	ret = sysmem_set_constraints(coll, &c);
	if (!ret)
		ret = sysmem_wait(coll, WAIT_NS);
	if (ret == -EIO) {
		sysmem_check(coll, &state, &reason);
		close(coll);
		return -100 - (int)reason;
	}
	if (ret) {
		close(coll);
		return ret;
	}
	return coll;
}

/*
 * As NOBODY (no CAP_IPC_LOCK) with RLIMIT_MEMLOCK @memlock: hold
 * contiguous buffers of @size aligned to @align, one collection each,
 * until one fails; write the number held to @out, then wait for a byte
 * on @go before letting them go.  Exit status: 0, or 99 for an
 * unexpected error.
 */
static int hold_contig(int dev, rlim_t memlock, __u64 size, __u64 align,
		       int out, int go)
{
	struct rlimit rl = { memlock, memlock };
	int colls[256], n = 0, ret = 0, i;
	char c;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setgid(NOBODY) || setuid(NOBODY))
		return 99;
	while (n < 256) {
		colls[n] = contig_one(dev, size, align);
		if (colls[n] < 0)
			break;
		n++;
	}
	/* Over the limit is SYSMEM_FAIL_NO_MEMORY, nothing else. */
	if (n == 256 || colls[n] != -100 - SYSMEM_FAIL_NO_MEMORY)
		ret = 99;
	if (write(out, &n, sizeof(n)) != sizeof(n))
		ret = 99;
	if (read(go, &c, 1) != 1)
		ret = 99;
	for (i = 0; i < n; i++)
		leave(colls[i]);
	return ret;
}

struct holder {
	pid_t pid;
	int held;
	int go;
};

static int start_holder(struct holder *h, int dev, rlim_t memlock,
			__u64 size, __u64 align)
{
	int out[2], go[2];

	if (pipe(out) || pipe(go))
		return -errno;
	h->pid = fork();
	if (h->pid < 0)
		return -errno;
	if (!h->pid) {
		close(out[0]);
		close(go[1]);
		_exit(hold_contig(dev, memlock, size, align, out[1], go[0]));
	}
	close(out[1]);
	close(go[0]);
	h->go = go[1];
	h->held = -1;
	if (read(out[0], &h->held, sizeof(h->held)) != sizeof(h->held))
		h->held = -1;
	close(out[0]);
	return 0;
}

static int stop_holder(struct holder *h)
{
	int ret;

	ret = write(h->go, "x", 1) == 1 ? 0 : -1;
	close(h->go);
	if (wait_child(h->pid) != 0)
		ret = -1;
	return ret;
}

FIXTURE(pinned) {
	int dev;
	char percent[16];
};

FIXTURE_SETUP(pinned)
{
	self->percent[0] = '\0';
	if (!have_debugfs())
		SKIP(return, "no debugfs");
	ASSERT_EQ(0, read_file(PERCENT_PATH, self->percent,
			       sizeof(self->percent)));
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(pinned)
{
	if (self->percent[0])
		write_file(PERCENT_PATH, self->percent);
	if (self->dev > 0)
		close(self->dev);
}

/*
 * RLIMIT_MEMLOCK of 8 MiB: NOBODY holds exactly two 4 MiB contiguous
 * buffers, the third fails with SYSMEM_FAIL_NO_MEMORY, and debugfs
 * counts 8 MiB pinned for it until the buffers go.
 */
TEST_F(pinned, memlock_limits_contiguous)
{
	long long pinned, contig;
	struct holder h;

	ASSERT_EQ(0, start_holder(&h, self->dev, 8 * MIB, 4 * MIB, 0));
	EXPECT_EQ(2, h.held);
	ASSERT_EQ(0, user_counts(NOBODY, &pinned, &contig));
	EXPECT_EQ(8 * (long long)MIB, pinned);
	EXPECT_EQ(8 * (long long)MIB, contig);
	ASSERT_EQ(0, stop_holder(&h));
	ASSERT_EQ(0, user_counts(NOBODY, &pinned, &contig));
	EXPECT_EQ(0, pinned);
	EXPECT_EQ(0, contig);
}

/*
 * A buffer counts at least its alignment: with RLIMIT_MEMLOCK of 8 MiB,
 * NOBODY holds exactly eight 64 KiB contiguous buffers that ask for
 * 1 MiB alignment (each takes a 1 MiB block of the area), not 128, and
 * debugfs counts 8 MiB for it.  The contiguous heap's debugfs bytes and
 * a collection's maximum total size count them alike.
 */
TEST_F(pinned, memlock_counts_alignment)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	struct sysmem_heap_stats st0, st;
	long long pinned, contig;
	__u32 state, reason;
	struct holder h;
	int coll;

	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &st0));
	ASSERT_EQ(0, start_holder(&h, self->dev, 8 * MIB, 64 * KIB, MIB));
	EXPECT_EQ(8, h.held);
	ASSERT_EQ(0, user_counts(NOBODY, &pinned, &contig));
	EXPECT_EQ(8 * (long long)MIB, pinned);
	EXPECT_EQ(8 * (long long)MIB, contig);
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &st));
	EXPECT_EQ(st0.buffers + 8, st.buffers);
	EXPECT_EQ(st0.bytes + 8 * MIB, st.bytes);
	ASSERT_EQ(0, stop_holder(&h));
	ASSERT_EQ(0, user_counts(NOBODY, &pinned, &contig));
	EXPECT_EQ(0, pinned);
	EXPECT_EQ(0, contig);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("contiguous", st0.buffers,
					      st0.bytes, SETTLE_MS, &st));

	/* 2 x 64 KiB at 1 MiB alignment is 2 MiB: over a 1 MiB bound. */
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, sysmem_set_max_total_bytes(coll, MIB));
	heap_cons(&c, &name, "contiguous", 2, 64 * KIB);
	c.min_physical_base_alignment = MIB;
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	EXPECT_EQ(-EIO, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_check(coll, &state, &reason));
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, reason);
	close(coll);
}

/*
 * No memlock limit, but the share: NOBODY holds exactly as many 4 MiB
 * buffers as fit its share of the contiguous area; root's 4 MiB
 * allocation from the kernel's own CMA dma-heap still succeeds while it
 * does.  A smaller share then refuses even one more.
 */
TEST_F(pinned, share_limits_contiguous)
{
	static const char *const cma_heaps[] = {
		"/dev/dma_heap/reserved", "/dev/dma_heap/linux,cma",
		"/dev/dma_heap/default_cma_region", NULL,
	};
	struct dma_heap_allocation_data d = {
		.len = 4 * MIB, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	long long area, limit, pinned, contig;
	unsigned long long percent;
	const char *const *heap;
	char value[16];
	struct holder h;
	int fd = -1, coll;

	/*
	 * A share of some 32 MiB: 25 % of the guest's 128 MiB CMA area, 1 %
	 * of RAM where the kernel has no CMA area (Debian's stock kernel).
	 */
	area = users_header("contig_area_bytes=");
	ASSERT_LT(0, area);
	percent = 32 * MIB * 100 / area;
	snprintf(value, sizeof(value), "%llu",
		 percent < 1 ? 1 : percent > 100 ? 100 : percent);
	ASSERT_EQ(0, write_file(PERCENT_PATH, value));
	limit = users_header("contig_user_limit_bytes=");
	ASSERT_LT(0, limit);
	TH_LOG("contiguous area %lld MiB, share %s %%, limit %lld bytes",
	       area >> 20, value, limit);
	ASSERT_EQ(0, start_holder(&h, self->dev, RLIM_INFINITY, 4 * MIB, 0));
	EXPECT_EQ(limit / (4 * (long long)MIB), h.held);
	ASSERT_EQ(0, user_counts(NOBODY, &pinned, &contig));
	EXPECT_EQ(h.held * 4 * (long long)MIB, contig);
	EXPECT_EQ(0, pinned);	/* no memlock limit: not counted there */

	for (heap = cma_heaps; *heap; heap++) {
		fd = open(*heap, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			break;
	}
	if (fd >= 0) {
		EXPECT_EQ(0, ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &d))
			TH_LOG("root's CMA allocation from %s: %s", *heap,
			       strerror(errno));
		if (d.fd > 0)
			close(d.fd);
		close(fd);
	} else {
		TH_LOG("no CMA dma-heap in this kernel: root's allocation not tried");
	}
	/* Root (CAP_IPC_LOCK) is not held to the share. */
	coll = contig_one(self->dev, 4 * MIB, 0);
	EXPECT_LE(0, coll);
	leave(coll);
	ASSERT_EQ(0, stop_holder(&h));

	/* 0 %: nothing at all for a user without CAP_IPC_LOCK. */
	ASSERT_EQ(0, write_file(PERCENT_PATH, "0"));
	ASSERT_EQ(0, start_holder(&h, self->dev, RLIM_INFINITY, 4 * MIB, 0));
	EXPECT_EQ(0, h.held);
	ASSERT_EQ(0, stop_holder(&h));
	EXPECT_EQ(-EINVAL, write_file(PERCENT_PATH, "101"));
}

TEST_HARNESS_MAIN
