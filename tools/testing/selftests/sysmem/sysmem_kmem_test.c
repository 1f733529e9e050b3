// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel memory a user's calls cause: charged and bounded.
 *
 * A collection holds at most SYSMEM_MAX_NODES nodes, released nodes kept
 * for their constraints included; the call that would make one more
 * fails with ENOSPC and changes nothing.  The nodes and the constraint
 * copies they keep are charged to the caller's memory cgroup: the
 * pattern of issue 13 (duplicate a token, bind it, set 64 image format
 * entries, release and close, 3,000 times) run as uid 65534 in a cgroup
 * with memory.max=16M stops at the node bound, the cgroup's usage grows
 * by at least what the kept nodes copied, and falls back once the
 * collection is gone.
 *
 * Runs as root with sysmem.ko loaded (the VM runner's init).  The cgroup
 * test mounts cgroup2 at /sys/fs/cgroup if nothing is mounted there and
 * skips only where the kernel has no memory controller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <drm/drm_fourcc.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_cgroup.h"
#include "sysmem_selftest.h"
#define NOBODY		65534
#define ROUNDS		3000
#define NR_IMAGES	SYSMEM_MAX_IMAGE_FORMATS
#define IMAGE_BYTES	(NR_IMAGES * sizeof(struct sysmem_image_constraints))
/*
 * What memory.current may stay above its start once everything is gone:
 * each of the guest's 2 CPUs may keep a charge batch of 64 pages
 * (MEMCG_CHARGE_BATCH) precharged, plus less than a page of slab bytes
 * per CPU; the rest is slack for files still waiting for RCU.  The
 * pattern charges over 7 MiB, so a leak of the kept nodes shows.
 */
#define SETTLE_SLACK	(1 * MIB)

FIXTURE(kmem) {
	int dev;
	int fds[SYSMEM_MAX_NODES];
	unsigned int nr;
};

FIXTURE_SETUP(kmem)
{
	unsigned int i;

	for (i = 0; i < SYSMEM_MAX_NODES; i++)
		self->fds[i] = -1;
	self->nr = 0;
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(kmem)
{
	unsigned int i;

	for (i = 0; i < SYSMEM_MAX_NODES; i++)
		leave(self->fds[i]);
	close(self->dev);
}

static int cons(int coll, __u32 min_count)
{
	struct sysmem_buffer_constraints c;

	cons_init(&c, USAGE_RW, 0, page_size());
	c.min_buffer_count = min_count;
	return sysmem_set_constraints(coll, &c);
}

/* Release and close the last @n duplicates kept in @self. */
static void drop_dups(struct _test_data_kmem *self, unsigned int n)
{
	while (n--) {
		self->nr--;
		leave(self->fds[self->nr]);
		self->fds[self->nr] = -1;
	}
}

/*
 * The node bound on live nodes: exactly SYSMEM_MAX_NODES can exist;
 * every call that makes a node is refused with ENOSPC past it and makes
 * no fd; DUPLICATE_MANY is all or nothing; closing gives capacity back;
 * and the collection negotiates after all that.
 */
TEST_F(kmem, live_node_bound)
{
	__u32 masks[SYSMEM_MAX_DUPLICATES];
	int fds[SYSMEM_MAX_DUPLICATES];
	int t, g, gc, d0, c0, ct, cg, nfd, fd;
	unsigned int i, nodes;
	__u32 count = 0;

	for (i = 0; i < SYSMEM_MAX_DUPLICATES; i++)
		masks[i] = SYSMEM_RIGHTS_SAME;
	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	g = sysmem_create_group(t);
	ASSERT_LE(0, g);
	gc = sysmem_group_create_child(g, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, gc);
	d0 = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, d0);
	c0 = sysmem_bind(self->dev, d0);
	ASSERT_LE(0, c0);
	/* The bound token goes with its fd: t, g, gc and c0 are left. */
	close(d0);
	nodes = 4;
	while (nodes < SYSMEM_MAX_NODES) {
		fd = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
		ASSERT_LE(0, fd) TH_LOG("node %u", nodes + 1);
		self->fds[self->nr++] = fd;
		nodes++;
	}

	/* Full: every call that makes a node is refused, and makes no fd. */
	nfd = next_fd();
	EXPECT_EQ(-ENOSPC, sysmem_duplicate(t, SYSMEM_RIGHTS_SAME));
	EXPECT_EQ(-ENOSPC, sysmem_duplicate_many(t, masks, fds, 2));
	EXPECT_EQ(-ENOSPC, sysmem_create_group(t));
	EXPECT_EQ(-ENOSPC, sysmem_group_create_child(g, SYSMEM_RIGHTS_SAME));
	EXPECT_EQ(-ENOSPC, sysmem_group_create_children(g, masks, fds, 2));
	EXPECT_EQ(-ENOSPC, sysmem_attach_token(c0, SYSMEM_RIGHTS_SAME));
	/* Binding makes the collection node before the token goes. */
	EXPECT_EQ(-ENOSPC, sysmem_bind(self->dev, self->fds[0]));
	EXPECT_EQ(nfd, next_fd());

	/* One closed, one back; then full again. */
	drop_dups(self, 1);
	fd = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, fd);
	self->fds[self->nr++] = fd;
	EXPECT_EQ(-ENOSPC, sysmem_duplicate(t, SYSMEM_RIGHTS_SAME));

	/*
	 * 63 free: 64 duplicates at once fail whole and take nothing, so
	 * 63 then fit exactly.
	 */
	drop_dups(self, SYSMEM_MAX_DUPLICATES - 1);
	nfd = next_fd();
	EXPECT_EQ(-ENOSPC, sysmem_duplicate_many(t, masks, fds,
						 SYSMEM_MAX_DUPLICATES));
	EXPECT_EQ(nfd, next_fd());
	ASSERT_EQ(0, sysmem_duplicate_many(t, masks, fds,
					   SYSMEM_MAX_DUPLICATES - 1));
	for (i = 0; i < SYSMEM_MAX_DUPLICATES - 1; i++)
		self->fds[self->nr++] = fds[i];
	EXPECT_EQ(-ENOSPC, sysmem_duplicate(t, SYSMEM_RIGHTS_SAME));
	EXPECT_EQ(-ENOSPC, sysmem_attach_token(c0, SYSMEM_RIGHTS_SAME));

	/* The refusals changed nothing: the collection still negotiates. */
	drop_dups(self, self->nr);
	ASSERT_EQ(0, sysmem_group_all_children_present(g));
	ct = sysmem_bind(self->dev, t);
	ASSERT_LE(0, ct);
	close(t);
	cg = sysmem_bind(self->dev, gc);
	ASSERT_LE(0, cg);
	close(gc);
	ASSERT_EQ(0, cons(ct, 1));
	ASSERT_EQ(0, cons(cg, 1));
	ASSERT_EQ(0, cons(c0, 1));
	ASSERT_EQ(0, sysmem_wait(c0, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c0, NULL, fds, SYSMEM_MAX_DUPLICATES,
				       &count, NULL));
	EXPECT_LE(1, count);
	close_fds(fds, count);
	CHECK_STATE(ct, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(cg, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(c0);
	leave(ct);
	leave(cg);
	leave(g);
}

/*
 * Released nodes kept for their constraints count too: the issue's
 * pattern without the cgroup stops at the bind of round
 * SYSMEM_MAX_NODES - 1.  The collection still negotiates, with every
 * kept participant, and once allocated the kept nodes are gone: the
 * whole bound is free again.
 */
TEST_F(kmem, kept_node_bound)
{
	int t, d, c, ct, ret = 0, fds[1];
	unsigned int round, i;
	__u32 count = 0;

	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	for (round = 1; round <= ROUNDS; round++) {
		d = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
		if (d < 0) {
			ret = d;
			break;
		}
		c = sysmem_bind(self->dev, d);
		if (c < 0) {
			ret = c;
			leave(d);	/* still live: it must not fail anything */
			break;
		}
		close(d);
		ASSERT_EQ(0, cons(c, 0));
		leave(c);
	}
	/* The root, SYSMEM_MAX_NODES - 2 kept nodes and the last token. */
	EXPECT_EQ(-ENOSPC, ret);
	EXPECT_EQ(SYSMEM_MAX_NODES - 1, round);

	ct = sysmem_bind(self->dev, t);
	ASSERT_LE(0, ct);
	close(t);
	ASSERT_EQ(0, cons(ct, 1));
	ASSERT_EQ(0, sysmem_wait(ct, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(ct, NULL, fds, 1, &count, NULL));
	EXPECT_EQ(1, count);
	close_fds(fds, count);

	/* Allocated: only ct is left, and the bound is free again. */
	for (i = 1; i < SYSMEM_MAX_NODES; i++) {
		d = sysmem_attach_token(ct, SYSMEM_RIGHTS_SAME);
		ASSERT_LE(0, d) TH_LOG("attached token %u", i);
		self->fds[self->nr++] = d;
	}
	EXPECT_EQ(-ENOSPC, sysmem_attach_token(ct, SYSMEM_RIGHTS_SAME));
	leave(ct);
}

/* A /proc/meminfo line in bytes, or -1. */
static long long meminfo(const char *key)
{
	char line[128];
	long long kb = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			kb = strtoll(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb < 0 ? kb : kb * 1024;
}

/* What the pattern's child reports. */
struct pattern_report {
	int setup;		/* 0, or -errno of the set-up */
	int ret;		/* -errno of the call that stopped it, or 0 */
	int step;		/* 0 duplicate, 1 bind, 2 constraints */
	unsigned int round;	/* the round it stopped in (1-based) */
	unsigned int done;	/* rounds completed */
	long long start, peak, end;	/* memory.current */
	long long slab[2], sunreclaim[2], vmalloc[2];	/* start, peak */
};

static void meminfo_sample(struct pattern_report *r, int i)
{
	r->slab[i] = meminfo("Slab");
	r->sunreclaim[i] = meminfo("SUnreclaim");
	r->vmalloc[i] = meminfo("VmallocUsed");
}

static int image_entries(struct sysmem_image_constraints *ic)
{
	unsigned int i;

	for (i = 0; i < NR_IMAGES; i++) {
		memset(&ic[i], 0, sizeof(ic[i]));
		ic[i].nr_formats = 1;
		ic[i].formats[0].format = DRM_FORMAT_XRGB8888;
		/*
		 * Each pair once: linear, then modifiers sysmem does not
		 * know, which it keeps (and skips when negotiating).
		 */
		ic[i].formats[0].modifier = SYSMEM_MODIFIER_LINEAR + i;
		ic[i].nr_color_spaces = 1;
		ic[i].color_spaces[0] = SYSMEM_COLOR_SPACE_SRGB;
	}
	return 0;
}

/*
 * The child: in @group, as uid NOBODY, the pattern; then the
 * collection goes (the root token closed without release fails it) and
 * memory.current is read again once it has come down.
 */
static void pattern_child(const char *group, int out)
{
	static struct sysmem_image_constraints ic[NR_IMAGES];
	struct pattern_report r = { 0 };
	struct sysmem_buffer_constraints c;
	int dev, t, d = -1, coll, waited;

	r.setup = cg_enter(group);
	image_entries(ic);
	cons_init(&c, USAGE_RW, 0, page_size());
	c.image_formats = (__u64)(uintptr_t)ic;
	c.image_format_count = NR_IMAGES;
	/* Opened as root, so the test does not depend on the node's mode. */
	dev = sysmem_open();
	if (!r.setup && dev < 0)
		r.setup = dev;
	if (!r.setup && (setgroups(0, NULL) || setgid(NOBODY) ||
			 setuid(NOBODY)))
		r.setup = -errno;
	t = r.setup ? -1 : sysmem_alloc_token(dev);
	if (!r.setup && t < 0)
		r.setup = t;
	if (r.setup)
		goto out;
	r.start = cg_current(group);
	meminfo_sample(&r, 0);
	for (r.round = 1; r.round <= ROUNDS; r.round++) {
		d = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
		if (d < 0) {
			r.ret = d;
			r.step = 0;
			break;
		}
		coll = sysmem_bind(dev, d);
		if (coll < 0) {
			/* d stays open: it is live, its close would fail all */
			r.ret = coll;
			r.step = 1;
			break;
		}
		close(d);
		d = -1;
		r.ret = sysmem_set_constraints(coll, &c);
		leave(coll);
		if (r.ret) {
			r.step = 2;
			break;
		}
		r.done++;
	}
	r.peak = cg_current(group);
	meminfo_sample(&r, 1);
	if (d >= 0)
		close(d);
	close(t);
	close(dev);
	/* Freed files wait for RCU; the rest goes back at once. */
	for (waited = 0; waited < SETTLE_MS; waited += SETTLE_POLL_MS) {
		r.end = cg_current(group);
		if (r.end < r.start + (long long)SETTLE_SLACK)
			break;
		usleep(SETTLE_POLL_MS * 1000);
	}
out:
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

/*
 * Issue 13's pattern in a 16 MiB cgroup as an unprivileged user: it
 * stops at the node bound (SYSMEM_MAX_NODES kept nodes of 64 image
 * entries fit in 16 MiB, so the bound comes first), in the bind of round
 * SYSMEM_MAX_NODES - 1; the cgroup paid for what the kept nodes copied,
 * and got it back.
 */
TEST(cgroup_pattern)
{
	struct pattern_report r = { 0 };
	long long copied;
	char group[128];
	int pipefd[2], status, ret;
	pid_t pid;
	ssize_t n;

	ret = cg_setup();
	if (ret == -ENOENT)
		SKIP(return, "no memory cgroup controller in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, cg_make(group, sizeof(group), "sysmem-kmem"));
	ASSERT_EQ(0, cg_write(group, "memory.max", "16M"));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pipefd[0]);
		pattern_child(group, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &r, sizeof(r));
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	rmdir(group);
	ASSERT_EQ((ssize_t)sizeof(r), n) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, r.setup);

	ksft_print_msg("stopped in round %u, step %d, error %d; %u rounds done\n",
		       r.round, r.step, r.ret, r.done);
	ksft_print_msg("memory.current: start %lld, peak %lld (+%lld), end %lld (%+lld)\n",
		       r.start, r.peak, r.peak - r.start, r.end,
		       r.end - r.start);
	ksft_print_msg("meminfo deltas: Slab %+lld, SUnreclaim %+lld, VmallocUsed %+lld\n",
		       r.slab[1] - r.slab[0],
		       r.sunreclaim[1] - r.sunreclaim[0],
		       r.vmalloc[1] - r.vmalloc[0]);

	/* The bind of round 127: the root, 126 kept nodes, the new token. */
	EXPECT_EQ(-ENOSPC, r.ret);
	EXPECT_EQ(1, r.step);
	EXPECT_EQ(SYSMEM_MAX_NODES - 1, r.round);
	EXPECT_EQ(SYSMEM_MAX_NODES - 2, r.done);
	/* Charged: at least every kept node's copy of its image entries. */
	copied = (long long)r.done * IMAGE_BYTES;
	EXPECT_LE(r.start + copied, r.peak);
	/* And given back once the collection is gone. */
	EXPECT_GT(r.start + (long long)SETTLE_SLACK, r.end);
}

TEST_HARNESS_MAIN
