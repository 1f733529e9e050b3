// SPDX-License-Identifier: GPL-2.0
/*
 * Regressions found by the reliability gate (random operations from a
 * few processes, as a new user would try them), each reduced to the
 * shortest sequence that showed it:
 *
 * - binding the top of a failed attached subtree made the new collection
 *   node the collection's root: releasing it locked the CPU up in an
 *   endless update loop, releasing the original node crashed;
 * - a CPU mapping did not hold its buffer strongly once its dma-buf fd
 *   was closed;
 * - a tracking fd that could not be handed out used up one of the
 *   node's slots for good;
 * - participant and collection names went to the kernel log unescaped;
 * - a node ref fd polled ready;
 * - sysmem_get_weak_result() did not say how many fds it filled.
 *
 * Each test also proves that every sysmem object went away afterwards
 * (the debugfs objects file), where debugfs is mounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

FIXTURE(regress) {
	int dev;
	bool have_debugfs;
};

FIXTURE_SETUP(regress)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	self->have_debugfs = have_debugfs();
}

FIXTURE_TEARDOWN(regress)
{
	struct sysmem_objects o;

	close(self->dev);
	if (!self->have_debugfs)
		return;
	/* Nothing of any test outlives its fds. */
	EXPECT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o)) {
		TH_LOG("left: %lld collections, %lld nodes, %lld buffers, %lld trackers, %lld tracking fds",
		       o.collections, o.nodes, o.buffers, o.trackers,
		       o.tracking_fds);
	}
}

static int set_cons(int coll, __u64 usage, __u32 camping, __u64 min_size)
{
	struct sysmem_buffer_constraints c;

	cons_init(&c, usage, camping, min_size);
	return sysmem_set_constraints(coll, &c);
}

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/*
 * An attached token whose subtree failed (its duplicate was closed
 * without release), then bound: the collection node made from it is
 * born failed and stays out of the tree.  @coll is the original
 * collection, allocated first (one buffer) when @allocated; @c2 the
 * node bound from the failed attached token.
 */
static void bind_failed_attached(struct __test_metadata *_metadata, int dev,
				 bool allocated, int *coll, int *c2)
{
	__u32 state = allocated ? SYSMEM_STATE_ALLOCATED : SYSMEM_STATE_PENDING;
	int tok, dup;

	*coll = sysmem_alloc_nonshared(dev);
	ASSERT_LE(0, *coll);
	if (allocated) {
		ASSERT_EQ(0, set_cons(*coll, USAGE_RW, 1, page_size()));
		ASSERT_EQ(0, sysmem_wait(*coll, WAIT_NS));
	}
	tok = sysmem_attach_token(*coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	dup = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, dup);
	close(dup);	/* without release: the attached subtree fails */
	EXPECT_EQ(POLLERR, revents(tok) & (POLLIN | POLLERR));
	CHECK_STATE(*coll, state, SYSMEM_FAIL_NONE);
	*c2 = sysmem_bind(dev, tok);
	ASSERT_LE(0, *c2);
	close(tok);
	CHECK_STATE(*c2, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	/* Binding a failed token fails nothing else. */
	CHECK_STATE(*coll, state, SYSMEM_FAIL_NONE);
}

/* The two sequences of the report, each on an allocated collection. */

/* Releasing the bound node locked the CPU up (soft lockup). */
TEST_F(regress, failed_attached_bound_then_released)
{
	int coll, c2, fd;
	unsigned int count = 0;

	bind_failed_attached(_metadata, self->dev, true, &coll, &c2);
	ASSERT_EQ(0, sysmem_release(c2));
	close(c2);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, &fd, 1, &count, NULL));
	EXPECT_EQ(1, count);
	close(fd);
	leave(coll);
}

/* Releasing the original node crashed (a NULL parent). */
TEST_F(regress, failed_attached_bound_then_original_released)
{
	int coll, c2;

	bind_failed_attached(_metadata, self->dev, true, &coll, &c2);
	leave(coll);
	CHECK_STATE(c2, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(POLLERR, revents(c2) & (POLLIN | POLLERR));
	leave(c2);
}

/*
 * Before the allocation, binding the failed attached token failed the
 * whole collection ("no strong node left"): the bound node had taken
 * the root's place.  The original participant must allocate alone.
 */
TEST_F(regress, failed_attached_bound_before_allocation)
{
	struct sysmem_buffer_settings s;
	unsigned int count = 0;
	int coll, c2, fds[2];

	bind_failed_attached(_metadata, self->dev, false, &coll, &c2);
	/* A failed node takes no constraints. */
	EXPECT_EQ(-EIO, set_cons(c2, USAGE_RW, 1, page_size()));
	leave(c2);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 2, page_size()));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, 2, &count, NULL));
	EXPECT_EQ(2, count);
	EXPECT_EQ(page_size(), s.size_bytes);
	close_fds(fds, count);
	leave(coll);
}

/* The same, the original participant leaving without constraints. */
TEST_F(regress, failed_attached_bound_original_leaves_first)
{
	int coll, c2;

	bind_failed_attached(_metadata, self->dev, false, &coll, &c2);
	ASSERT_EQ(0, sysmem_release(coll));
	EXPECT_EQ(POLLERR, revents(coll) & (POLLIN | POLLERR));
	close(coll);
	CHECK_STATE(c2, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	leave(c2);
}

/*
 * A strong participant that keeps only a CPU mapping of a buffer keeps
 * that buffer alive for weak participants (uapi.rst, "Weak nodes").
 */
TEST_F(regress, cpu_mapping_is_a_strong_hold)
{
	int tok, w, c, cw, fds[2], wfds[2], cwfds[2], cw2[2];
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0;
	struct pollfd p[2];
	bool weak = false;
	char *map;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	w = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, sysmem_set_weak(w));
	c = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, c);
	close(tok);
	cw = sysmem_bind(self->dev, w);
	ASSERT_LE(0, cw);
	close(w);
	ASSERT_EQ(0, sysmem_set_weak_ok(cw, false));
	ASSERT_EQ(0, set_cons(c, USAGE_RW, 2, page_size()));
	ASSERT_EQ(0, set_cons(cw, USAGE_RW, 0, page_size()));
	ASSERT_EQ(0, sysmem_wait(c, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c, &s, fds, 2, &count, NULL));
	ASSERT_EQ(2, count);
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, wfds, cwfds, 2, &count,
					    &nfds, &weak));
	ASSERT_EQ(2, nfds);
	ASSERT_TRUE(weak);
	close_fds(wfds, 2);

	/* The strong side keeps a mapping of buffer 0 and nothing else. */
	map = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
		   fds[0], 0);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 0x5a, page_size());
	close_fds(fds, 2);
	leave(c);

	p[0] = (struct pollfd){ .fd = cwfds[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = cwfds[1], .events = POLLIN };
	ASSERT_EQ(1, poll(p, 2, 2000));
	EXPECT_EQ(0, p[0].revents);	/* still held by the mapping */
	EXPECT_EQ(POLLIN, p[1].revents);
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, wfds, cw2, 2, &count,
					    &nfds, &weak));
	EXPECT_EQ(2, count);
	EXPECT_EQ(2, nfds);	/* slots filled, one of them with -1 */
	EXPECT_LE(0, wfds[0]);
	EXPECT_EQ(-1, wfds[1]);
	if (wfds[0] >= 0) {
		char *wmap = mmap(NULL, page_size(), PROT_READ, MAP_SHARED,
				  wfds[0], 0);

		ASSERT_NE(MAP_FAILED, wmap);
		EXPECT_EQ(0x5a, wmap[page_size() - 1]);
		munmap(wmap, page_size());
	}
	EXPECT_EQ(-1, cw2[1]);
	close_fds(wfds, 2);
	close_fds(cw2, 2);

	/* The mapping goes: now the buffer is gone for weak nodes too. */
	munmap(map, page_size());
	p[0].revents = 0;
	EXPECT_EQ(1, poll(p, 1, 2000));
	EXPECT_EQ(POLLIN, p[0].revents);
	close_fds(cwfds, 2);
	leave(cw);
}

/*
 * A tracking fd the ioctl could not hand out (here: the result could
 * not be copied out) gives its slot back: the node can still make all
 * SYSMEM_MAX_TRACKING of them.
 */
TEST_F(regress, failed_tracking_fd_gives_its_slot_back)
{
	struct sysmem_new_node *ro;
	int tok, fds[SYSMEM_MAX_TRACKING], i, fd;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	ro = mmap(NULL, page_size(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	fd = next_fd();
	for (i = 0; i < 2 * SYSMEM_MAX_TRACKING; i++) {
		EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING,
				    ro));
		EXPECT_EQ(EFAULT, errno);
	}
	EXPECT_EQ(fd, next_fd());
	for (i = 0; i < SYSMEM_MAX_TRACKING; i++) {
		fds[i] = sysmem_attach_node_tracking(tok);
		EXPECT_LE(0, fds[i]);
	}
	EXPECT_EQ(-ENOSPC, sysmem_attach_node_tracking(tok));
	close_fds(fds, SYSMEM_MAX_TRACKING);
	munmap(ro, page_size());
	leave(tok);
}

/* /dev/kmsg records from now on, without blocking. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a record read from @kmsg contains @a, and not @bad. */
static bool kmsg_find(int kmsg, const char *a, const char *bad, bool *saw_bad)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (!strstr(rec, a))
			continue;
		found = true;
		if (strstr(rec, bad))
			*saw_bad = true;
	}
	return found;
}

/*
 * Names are escaped in the kernel log: a newline cannot forge a console
 * line.  /dev/kmsg shows a raw newline as \x0a and a backslash as
 * \x5c.  The names also carry "WARNING:", which the VM harness's splat
 * scan must not take for a kernel warning (this test's run would fail).
 */
/* A collection named @cname fails as @pname (id 4242) closes unreleased. */
static void fail_named(struct __test_metadata *_metadata, int dev,
		       const char *cname, const char *pname)
{
	int tok, dup, coll;

	tok = sysmem_alloc_token(dev);
	ASSERT_LE(0, tok);
	ASSERT_EQ(0, sysmem_set_name(tok, 10, cname));
	dup = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, dup);
	ASSERT_EQ(0, sysmem_set_debug_info(dup, pname, 4242));
	coll = sysmem_bind(dev, tok);
	ASSERT_LE(0, coll);
	close(tok);
	close(dup);	/* without release: the collection fails */
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	close(coll);
}

TEST_F(regress, names_are_escaped_in_the_kernel_log)
{
	static const char cname[] = "coll\nWARNING: forged name";
	static const char pname[] = "cam\nWARNING: forged line";
	bool raw = false, found;
	int kmsg;

	kmsg = kmsg_open();
	if (kmsg < 0)
		SKIP(return, "no /dev/kmsg");
	fail_named(_metadata, self->dev, cname, pname);
	found = kmsg_find(kmsg, "(id 4242)", "\\x0a", &raw);
	if (!found) {
		/*
		 * Failure lines are rate limited (10 per 5 s): the tests
		 * before this one may have used the burst up.  Once more
		 * after the interval.
		 */
		sleep(6);
		fail_named(_metadata, self->dev, cname, pname);
		found = kmsg_find(kmsg, "(id 4242)", "\\x0a", &raw);
	}
	EXPECT_TRUE(found);
	EXPECT_FALSE(raw);
	close(kmsg);
}

/* A node ref fd has nothing to wait for: poll() reports no event. */
TEST_F(regress, node_ref_polls_nothing)
{
	int tok, ref;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	ref = sysmem_get_node_ref(tok);
	ASSERT_LE(0, ref);
	EXPECT_EQ(0, revents(ref));
	leave(tok);
	EXPECT_EQ(0, revents(ref));
	close(ref);
}

TEST_HARNESS_MAIN
