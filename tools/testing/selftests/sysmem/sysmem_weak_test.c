// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem weak nodes and weak buffers.
 *
 * A weak node's buffers do not keep memory alive: once the collection
 * has no strong node left and a buffer's last strong dma-buf is closed,
 * the buffer's close-weak fd polls readable, a weak node asking later
 * sees a sparse set, and the memory goes back to the heap as soon as
 * the weak fds are closed too.  Before allocation, a collection with
 * only weak nodes left fails; after it, one with no strong node and no
 * strong buffer left fails too (SYSMEM_FAIL_PARTICIPANT_LOST), so that
 * its weak participants see it end.
 *
 * Runs as root with sysmem.ko loaded (the VM runner's init).  Memory
 * accounting reads the system heap's line of the sysmem debugfs file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define NBUF	4

FIXTURE(weak) {
	int dev;
	bool have_debugfs;
	struct sysmem_heap_stats base;	/* system heap at start */
};

FIXTURE_SETUP(weak)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	self->have_debugfs = !sysmem_read_heap_stats("system", &self->base);
}

FIXTURE_TEARDOWN(weak)
{
	struct sysmem_heap_stats st;

	/* Every test gives back every buffer it made. */
	if (self->have_debugfs)
		EXPECT_EQ(0, sysmem_heap_settle_bytes("system",
						      self->base.buffers,
						      self->base.bytes,
						      SETTLE_MS, &st));
	close(self->dev);
}

/* Live system heap buffers above the test's baseline, or -1. */
static long long live(FIXTURE_DATA(weak) *self, unsigned long long want)
{
	struct sysmem_heap_stats st;

	if (!self->have_debugfs)
		return want;
	sysmem_heap_settle("system", self->base.buffers + want, SETTLE_MS, &st);
	return (long long)(st.buffers - self->base.buffers);
}

/* What @fd polls now, of POLLIN and POLLERR. */
static int revents_of(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents & (POLLIN | POLLERR);
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Poll @fd readable within 2 s. */
static bool becomes_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 2000) == 1 && (p.revents & POLLIN);
}

/*
 * Poll @fd for an error (a failed collection) within 2 s.  No events
 * asked: an allocated node polls readable, and only POLLERR (always
 * reported) may end the wait.
 */
static bool becomes_failed(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 2000) == 1 && (p.revents & POLLERR);
}

static int bind_cons(int dev, int token, __u64 usage, __u32 camping,
		     __u64 size)
{
	struct sysmem_buffer_constraints c;
	int coll = sysmem_bind(dev, token);

	if (coll < 0)
		return coll;
	close(token);
	cons_init(&c, usage, camping, size);
	if (sysmem_set_constraints(coll, &c)) {
		close(coll);
		return -EINVAL;
	}
	return coll;
}

/* A root token @tok and a weak duplicate @w of it.  Return: 0 or -errno. */
static int weak_pair(int dev, int *tok, int *w)
{
	*tok = sysmem_alloc_token(dev);
	if (*tok < 0)
		return *tok;
	*w = sysmem_duplicate(*tok, SYSMEM_RIGHTS_SAME);
	if (*w < 0)
		return *w;
	return sysmem_set_weak(*w);
}

TEST_F(weak, ordering_rules)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_weak_ok wo = { 0 };
	int tok, dup, coll, grp, fds[2], cfd[2];

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	/* Unknown flags and reserved fields are refused. */
	wo.flags = 1U << 5;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_NODE_SET_WEAK_OK, &wo));
	EXPECT_EQ(EINVAL, errno);
	wo.flags = 0;
	wo.reserved = 1;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_NODE_SET_WEAK_OK, &wo));
	EXPECT_EQ(EINVAL, errno);

	dup = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, dup);
	/* A token may turn weak at any time before its allocation. */
	ASSERT_EQ(0, sysmem_set_weak(dup));
	ASSERT_EQ(0, sysmem_set_weak(dup));	/* idempotent */

	/* A group declared complete is too late. */
	grp = sysmem_create_group(tok);
	ASSERT_LE(0, grp);
	fds[0] = sysmem_group_create_child(grp, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, fds[0]);
	ASSERT_EQ(0, sysmem_group_all_children_present(grp));
	EXPECT_EQ(-EBUSY, sysmem_set_weak(grp));
	ASSERT_EQ(0, sysmem_release(fds[0]));
	close(fds[0]);
	leave(grp);

	/* A collection that set constraints is too late. */
	coll = bind_cons(self->dev, tok, USAGE_RW, 1, 4096);
	ASSERT_LE(0, coll);
	EXPECT_EQ(-EBUSY, sysmem_set_weak(coll));

	/* A weak collection can't attach tokens. */
	dup = sysmem_bind(self->dev, dup);
	ASSERT_LE(0, dup);
	EXPECT_EQ(-EPERM, sysmem_attach_token(dup, SYSMEM_RIGHTS_SAME));
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 1, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(dup, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));

	/*
	 * SET_WEAK made the node weak-ok as well (sysmem2's SetWeak
	 * implies SetWeakOk): it may wait and get at once.  (Nodes that
	 * only inherit weakness still need weak-ok: see inheritance.)
	 */
	EXPECT_EQ(0, sysmem_wait(dup, 0));
	EXPECT_EQ(0, sysmem_get_weak_result(dup, NULL, fds, cfd, 2,
					    NULL, NULL, NULL));
	close_fds(fds, 2);
	close_fds(cfd, 2);
	/* A collection that waited can't promise any more. */
	EXPECT_EQ(-EBUSY, sysmem_set_weak_ok(coll, false));
	EXPECT_EQ(-EBUSY, sysmem_set_weak_ok(dup, false));
	/* Too late for weak once allocated. */
	EXPECT_EQ(-EBUSY, sysmem_set_weak(dup));

	leave(dup);
	leave(coll);
	/* Gone nodes answer -ESTALE. */
	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	ASSERT_EQ(0, sysmem_release(tok));
	EXPECT_EQ(-ESTALE, sysmem_set_weak(tok));
	EXPECT_EQ(-ESTALE, sysmem_set_weak_ok(tok, true));
	close(tok);
}

/* Weak and weak-ok pass to nodes created afterwards, not before. */
TEST_F(weak, inheritance)
{
	int tok, before, w, wkid, wkid2, c[4], fds[2], cfds[2], i;
	unsigned int count;
	bool is_weak;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	w = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, w);
	before = sysmem_duplicate(w, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, sysmem_set_weak(w));
	wkid = sysmem_duplicate(w, SYSMEM_RIGHTS_SAME);	/* weak, not ok */
	ASSERT_LE(0, wkid);
	ASSERT_EQ(0, sysmem_set_weak_ok(w, true));
	wkid2 = sysmem_duplicate(w, SYSMEM_RIGHTS_SAME);	/* weak and ok */
	ASSERT_LE(0, wkid2);

	c[0] = bind_cons(self->dev, tok, USAGE_RW, 1, 4096);
	c[1] = bind_cons(self->dev, before, SYSMEM_USAGE_CPU_READ, 0, 4096);
	c[2] = bind_cons(self->dev, wkid, SYSMEM_USAGE_CPU_READ, 0, 4096);
	c[3] = bind_cons(self->dev, wkid2, SYSMEM_USAGE_CPU_READ, 1, 4096);
	for (i = 0; i < 4; i++)
		ASSERT_LE(0, c[i]);
	ASSERT_EQ(0, sysmem_release(w));
	close(w);
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));

	/* Made before SET_WEAK: strong. */
	ASSERT_EQ(0, sysmem_get_weak_result(c[1], NULL, fds, cfds, 2, &count, NULL,
					    &is_weak));
	EXPECT_EQ(2, count);
	EXPECT_FALSE(is_weak);
	EXPECT_EQ(-1, cfds[0]);
	close_fds(fds, 2);
	/* Weak, but made before SET_WEAK_OK. */
	EXPECT_EQ(-EPERM, sysmem_get_weak_result(c[2], NULL, fds, cfds, 2,
						 NULL, NULL, NULL));
	/* Weak and weak-ok through FOR_CHILDREN. */
	ASSERT_EQ(0, sysmem_get_weak_result(c[3], NULL, fds, cfds, 2, &count, NULL,
					    &is_weak));
	EXPECT_TRUE(is_weak);
	for (i = 0; i < 2; i++) {
		EXPECT_LE(0, fds[i]);
		EXPECT_LE(0, cfds[i]);
		EXPECT_FALSE(readable(cfds[i]));
	}
	/* A weak node must give room for its close-weak fds. */
	EXPECT_EQ(-EINVAL, sysmem_get_result(c[3], NULL, fds + 0, 2, NULL,
					     NULL));
	close_fds(fds, 2);
	close_fds(cfds, 2);
	for (i = 0; i < 4; i++)
		leave(c[i]);
}

/*
 * Weak buffers share the memory while strong holders exist; each
 * buffer's close-weak fd fires when its last strong dma-buf goes after
 * the strong nodes left, and the memory is back once the weak fd goes.
 */
TEST_F(weak, close_weak_signals_per_buffer)
{
	int tok, w, cs, cw, sfd[NBUF], wfd[NBUF], cfd[NBUF], lt, i;
	struct sysmem_buffer_constraints c;
	size_t sz = 2 * page_size();
	unsigned int count;
	unsigned char *ws, *ss;
	bool is_weak;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	cs = bind_cons(self->dev, tok, SYSMEM_USAGE_CPU_READ, NBUF - 1, sz);
	ASSERT_LE(0, cs);
	cw = sysmem_bind(self->dev, w);
	ASSERT_LE(0, cw);
	close(w);
	ASSERT_EQ(0, sysmem_set_weak_ok(cw, false));
	cons_init(&c, USAGE_RW, 1, sz);
	ASSERT_EQ(0, sysmem_set_constraints(cw, &c));
	ASSERT_EQ(0, sysmem_wait(cw, WAIT_NS));
	lt = sysmem_attach_lifetime_tracking(cw, 0);
	ASSERT_LE(0, lt);
	ASSERT_EQ(0, sysmem_get_weak_result(cs, NULL, sfd, NULL, NBUF,
					    &count, NULL, &is_weak));
	ASSERT_EQ(NBUF, count);
	EXPECT_FALSE(is_weak);
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, wfd, cfd, NBUF, &count, NULL,
					    &is_weak));
	ASSERT_EQ(NBUF, count);
	EXPECT_TRUE(is_weak);
	EXPECT_EQ(NBUF, live(self, NBUF));

	/* Same memory: what the weak participant writes, the strong reads. */
	ws = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, wfd[1], 0);
	ASSERT_NE(MAP_FAILED, ws);
	ss = mmap(NULL, sz, PROT_READ, MAP_SHARED, sfd[1], 0);
	ASSERT_NE(MAP_FAILED, ss);
	EXPECT_EQ(0, ss[sz - 1]);
	ws[sz - 1] = 0x5a;
	EXPECT_EQ(0x5a, ss[sz - 1]);
	munmap(ss, sz);

	/* The strong node leaves; its dma-bufs still hold every buffer. */
	leave(cs);
	for (i = 0; i < NBUF; i++)
		EXPECT_FALSE(readable(cfd[i])) TH_LOG("buffer %d", i);
	EXPECT_EQ(NBUF, live(self, NBUF));

	/* Buffer 0's last strong fd: only its close-weak fd fires. */
	close(sfd[0]);
	EXPECT_TRUE(becomes_readable(cfd[0]));
	for (i = 1; i < NBUF; i++)
		EXPECT_FALSE(readable(cfd[i])) TH_LOG("buffer %d", i);
	/* The weak fd still maps the pages; they go when it closes. */
	EXPECT_EQ(NBUF, live(self, NBUF));
	close(wfd[0]);
	EXPECT_EQ(NBUF - 1, live(self, NBUF - 1));

	/* The rest of the strong fds go: every close-weak fd fires. */
	for (i = 1; i < NBUF; i++)
		close(sfd[i]);
	for (i = 1; i < NBUF; i++)
		EXPECT_TRUE(becomes_readable(cfd[i])) TH_LOG("buffer %d", i);
	/* Nothing strong is left: the collection ends for the weak node. */
	EXPECT_TRUE(becomes_failed(cw));
	CHECK_STATE(cw, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_FALSE(readable(lt));
	/* A mapping of a weak buffer still works until it is dropped. */
	EXPECT_EQ(0x5a, ws[sz - 1]);
	close(wfd[1]);
	EXPECT_EQ(NBUF - 1, live(self, NBUF - 1));
	munmap(ws, sz);
	for (i = 2; i < NBUF; i++)
		close(wfd[i]);
	EXPECT_EQ(0, live(self, 0));
	EXPECT_TRUE(becomes_readable(lt));
	close_fds(cfd, NBUF);
	close(lt);
	leave(cw);
}

/*
 * A weak participant attached after the strong ones let some buffers go
 * gets a sparse set: -1 where a buffer is gone.
 */
TEST_F(weak, sparse_set_after_strong_nodes_left)
{
	int a, t, cw, sfd[NBUF], wfd[NBUF], cfd[NBUF], i;
	struct sysmem_buffer_info bi = { 0 };
	struct sysmem_buffer_constraints c;
	unsigned int count;
	bool is_weak;

	a = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, a);
	cons_init(&c, SYSMEM_USAGE_CPU_READ, NBUF, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(a, &c));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	t = sysmem_attach_token(a, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t);
	ASSERT_EQ(0, sysmem_set_weak(t));
	ASSERT_EQ(0, sysmem_set_weak_ok(t, true));
	ASSERT_EQ(0, sysmem_get_result(a, NULL, sfd, NBUF, &count, NULL));
	ASSERT_EQ(NBUF, count);
	EXPECT_EQ(NBUF, live(self, NBUF));

	/* Buffers 0 and 2 lose their strong fds, then the node leaves. */
	close(sfd[0]);
	close(sfd[2]);
	EXPECT_EQ(NBUF, live(self, NBUF));	/* the node still holds */
	leave(a);
	EXPECT_EQ(NBUF - 2, live(self, NBUF - 2));

	/* The weak participant joins now (camping nothing: all are taken). */
	cw = sysmem_bind(self->dev, t);
	ASSERT_LE(0, cw);
	close(t);
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 0, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(cw, &c));
	ASSERT_EQ(0, sysmem_wait(cw, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, wfd, cfd, NBUF, &count, NULL,
					    &is_weak));
	ASSERT_EQ(NBUF, count);
	EXPECT_TRUE(is_weak);
	for (i = 0; i < NBUF; i++) {
		if (i == 0 || i == 2) {
			EXPECT_EQ(-1, wfd[i]) TH_LOG("buffer %d", i);
			EXPECT_EQ(-1, cfd[i]) TH_LOG("buffer %d", i);
		} else {
			ASSERT_LE(0, wfd[i]) TH_LOG("buffer %d", i);
			ASSERT_LE(0, cfd[i]) TH_LOG("buffer %d", i);
			EXPECT_FALSE(readable(cfd[i])) TH_LOG("buffer %d", i);
		}
	}
	/* Still the same buffers: the lookup gives their indices. */
	bi.dmabuf_fd = wfd[3];
	ASSERT_EQ(0, ioctl(self->dev, SYSMEM_IOC_BUFFER_INFO, &bi));
	EXPECT_EQ(3, bi.buffer_index);
	close(sfd[1]);
	EXPECT_TRUE(becomes_readable(cfd[1]));
	EXPECT_FALSE(readable(cfd[3]));
	close(sfd[3]);
	EXPECT_TRUE(becomes_readable(cfd[3]));
	EXPECT_TRUE(becomes_failed(cw));
	/* Only the weak fds hold memory now. */
	EXPECT_EQ(2, live(self, 2));
	close_fds(wfd, NBUF);
	close_fds(cfd, NBUF);
	EXPECT_EQ(0, live(self, 0));
	leave(cw);
}

/* Before allocation, a collection left with only weak nodes fails. */
TEST_F(weak, last_strong_node_gone_before_allocation_fails)
{
	int tok, w, cw, non;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	/* Weak-ok given to the token passes to the collection bound. */
	ASSERT_EQ(0, sysmem_set_weak_ok(w, false));
	cw = bind_cons(self->dev, w, SYSMEM_USAGE_CPU_READ, 1, 4096);
	ASSERT_LE(0, cw);
	CHECK_STATE(cw, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	/* The strong token leaves cleanly, without constraints. */
	ASSERT_EQ(0, sysmem_release(tok));
	close(tok);
	CHECK_STATE(cw, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(-EIO, sysmem_wait(cw, 0));
	leave(cw);

	/* The only node turning weak is the last strong node going. */
	non = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, non);
	ASSERT_EQ(0, sysmem_set_weak(non));
	CHECK_STATE(non, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	leave(non);
	EXPECT_EQ(0, live(self, 0));
}

/*
 * A strong node that released with its constraints still counts until
 * allocation; after it, nothing strong is left, so the collection
 * allocates and fails at once: the weak node never gets a buffer.
 */
TEST_F(weak, released_strong_constraints_count_until_allocation)
{
	struct sysmem_buffer_constraints c;
	int tok, w, cs, cw, wfd[2], cfd[2], lt;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	ASSERT_EQ(0, sysmem_set_weak_ok(w, false));
	cs = bind_cons(self->dev, tok, SYSMEM_USAGE_CPU_READ, 2, 4096);
	ASSERT_LE(0, cs);
	leave(cs);
	cw = sysmem_bind(self->dev, w);
	ASSERT_LE(0, cw);
	close(w);
	CHECK_STATE(cw, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	lt = sysmem_attach_lifetime_tracking(cw, 0);
	ASSERT_LE(0, lt);
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 0, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(cw, &c));
	EXPECT_EQ(-EIO, sysmem_wait(cw, WAIT_NS));
	CHECK_STATE(cw, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(-EIO, sysmem_get_weak_result(cw, NULL, wfd, cfd, 2, NULL,
					       NULL, NULL));
	/* The memory is back in the heap. */
	EXPECT_TRUE(becomes_readable(lt));
	close(lt);
	EXPECT_EQ(0, live(self, 0));
	leave(cw);
}

/* A weak participant that dies mid-flow fails the collection as usual. */
TEST_F(weak, weak_close_without_release_fails_collection)
{
	int tok, w, cs, cw, fds[1];
	unsigned int count;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	ASSERT_EQ(0, sysmem_set_weak_ok(w, false));
	cs = bind_cons(self->dev, tok, SYSMEM_USAGE_CPU_READ, 1, 4096);
	ASSERT_LE(0, cs);
	cw = bind_cons(self->dev, w, SYSMEM_USAGE_CPU_READ, 0, 4096);
	ASSERT_LE(0, cw);
	ASSERT_EQ(0, sysmem_get_result(cs, NULL, fds, 1, &count, NULL));
	close(cw);
	CHECK_STATE(cs, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	/* The strong fd handed out stays valid until dropped. */
	EXPECT_EQ(1, live(self, 1));
	close(fds[0]);
	EXPECT_EQ(0, live(self, 0));
	leave(cs);
}

/*
 * GET_RESULT's weak arguments: a bad pointer or a reserved field fails
 * that call alone, installs no fd and leaves the node able to ask again.
 */
TEST_F(weak, result_argument_errors)
{
	int tok, w, cs, cw, fds[2], cfds[2], probe;
	struct sysmem_result r;
	unsigned int count;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	ASSERT_EQ(0, sysmem_set_weak_ok(w, false));
	cs = bind_cons(self->dev, tok, SYSMEM_USAGE_CPU_READ, 1, 4096);
	cw = bind_cons(self->dev, w, SYSMEM_USAGE_CPU_READ, 1, 4096);
	ASSERT_LE(0, cs);
	ASSERT_LE(0, cw);
	ASSERT_EQ(0, sysmem_wait(cw, WAIT_NS));
	probe = next_fd();

	memset(&r, 0, sizeof(r));
	r.fd_capacity = 2;
	r.fds = (__u64)(uintptr_t)fds;
	r.close_weak_fds = (__u64)(uintptr_t)cfds;
	r.reserved2 = 1;
	EXPECT_EQ(-1, ioctl(cw, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(EINVAL, errno);
	r.reserved2 = 0;
	/* Not writable: the close-weak fds, then the buffer fds. */
	r.close_weak_fds = 8;
	EXPECT_EQ(-1, ioctl(cw, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(EFAULT, errno);
	r.close_weak_fds = (__u64)(uintptr_t)cfds;
	r.fds = 8;
	EXPECT_EQ(-1, ioctl(cw, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(EFAULT, errno);
	r.fds = (__u64)(uintptr_t)fds;
	r.fd_capacity = 1;
	EXPECT_EQ(-1, ioctl(cw, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(ENOSPC, errno);
	/* No fd leaked from any of them. */
	EXPECT_EQ(probe, next_fd());

	/* The node, and the collection, are unharmed. */
	CHECK_STATE(cs, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, fds, cfds, 2, &count, NULL,
					    NULL));
	EXPECT_EQ(2, count);
	EXPECT_LE(0, fds[0]);
	EXPECT_LE(0, cfds[1]);
	close_fds(fds, 2);
	close_fds(cfds, 2);
	leave(cw);
	leave(cs);
}

/*
 * A weak participant without usage gets no dma-buf but still one
 * close-weak fd per buffer, which fires when the strong holders leave.
 */
TEST_F(weak, no_usage_gets_close_weak_fds)
{
	int tok, w, cs, cw, fds[NBUF], cfd[NBUF], i;
	unsigned int count = 0, nfds = 99;
	bool is_weak = false;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	cs = bind_cons(self->dev, tok, USAGE_RW, NBUF, page_size());
	ASSERT_LE(0, cs);
	cw = bind_cons(self->dev, w, SYSMEM_USAGE_NONE, 0, 0);
	ASSERT_LE(0, cw);
	ASSERT_EQ(0, sysmem_wait(cw, WAIT_NS));
	for (i = 0; i < NBUF; i++)
		fds[i] = cfd[i] = -2;
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, fds, cfd, NBUF, &count,
					    &nfds, &is_weak));
	EXPECT_EQ(NBUF, count);
	EXPECT_EQ(0, nfds);
	EXPECT_TRUE(is_weak);
	for (i = 0; i < NBUF; i++) {
		EXPECT_LE(0, cfd[i]);
		if (cfd[i] >= 0)
			EXPECT_FALSE(readable(cfd[i]));
	}
	/* No strong dma-buf was handed out: the end comes at once. */
	leave(cs);
	CHECK_STATE(cw, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	for (i = 0; i < NBUF; i++)
		if (cfd[i] >= 0)
			EXPECT_TRUE(becomes_readable(cfd[i]));
	close_fds(cfd, NBUF);
	leave(cw);
}

/*
 * Weak collections end: once the strong participant has left and its
 * last buffer fd is closed (here by another process, while the weak
 * participant blocks in poll()), the weak participant sees the
 * collection fail with SYSMEM_FAIL_PARTICIPANT_LOST: poll() wakes with
 * POLLERR, wait and get-result give EIO, every close-weak fd fires.
 */
TEST_F(weak, strong_gone_fails_collection)
{
	int tok, w, cs, cw, sfd[NBUF], wfd[NBUF], cfd[NBUF], i, status;
	int xfd[NBUF], xcfd[NBUF];
	struct pollfd p = { .events = 0 };	/* wait for POLLERR alone */
	unsigned int count;
	pid_t pid;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	cs = bind_cons(self->dev, tok, SYSMEM_USAGE_CPU_READ, NBUF, 4096);
	ASSERT_LE(0, cs);
	cw = bind_cons(self->dev, w, SYSMEM_USAGE_CPU_READ, 0, 4096);
	ASSERT_LE(0, cw);
	ASSERT_EQ(0, sysmem_get_result(cs, NULL, sfd, NBUF, &count, NULL));
	ASSERT_EQ(NBUF, count);
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, wfd, cfd, NBUF, &count,
					    NULL, NULL));
	ASSERT_EQ(NBUF, count);

	/* The strong node leaves; its buffer fds keep the collection. */
	leave(cs);
	CHECK_STATE(cw, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	for (i = 0; i < NBUF - 1; i++)
		close(sfd[i]);
	for (i = 0; i < NBUF - 1; i++)
		EXPECT_TRUE(becomes_readable(cfd[i])) TH_LOG("buffer %d", i);
	usleep(100 * 1000);
	CHECK_STATE(cw, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_FALSE(readable(cfd[NBUF - 1]));

	/* The last strong fd goes with a child, while we wait in poll(). */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		usleep(300 * 1000);
		_exit(0);
	}
	close(sfd[NBUF - 1]);
	CHECK_STATE(cw, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_EQ(POLLIN, revents_of(cw));
	p.fd = cw;
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLERR, p.revents);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	CHECK_STATE(cw, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(-EIO, sysmem_wait(cw, 0));
	EXPECT_EQ(-EIO, sysmem_get_weak_result(cw, NULL, xfd, xcfd, NBUF,
					       NULL, NULL, NULL));
	EXPECT_TRUE(becomes_readable(cfd[NBUF - 1]));
	/* The weak fds still hold the memory until they are closed. */
	EXPECT_EQ(NBUF, live(self, NBUF));
	close_fds(wfd, NBUF);
	EXPECT_EQ(0, live(self, 0));
	close_fds(cfd, NBUF);
	leave(cw);
}

/*
 * A strong mapping holds its buffer as its fd did: the collection stays
 * allocated for the weak participant until the mapping goes.
 */
TEST_F(weak, strong_mapping_keeps_collection)
{
	int tok, w, cs, cw, sfd[1], wfd[1], cfd[1];
	size_t sz = page_size();
	unsigned int count;
	void *map;

	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	cs = bind_cons(self->dev, tok, SYSMEM_USAGE_CPU_READ, 1, sz);
	ASSERT_LE(0, cs);
	cw = bind_cons(self->dev, w, SYSMEM_USAGE_CPU_READ, 0, sz);
	ASSERT_LE(0, cw);
	ASSERT_EQ(0, sysmem_get_result(cs, NULL, sfd, 1, &count, NULL));
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, wfd, cfd, 1, &count,
					    NULL, NULL));
	leave(cs);
	map = mmap(NULL, sz, PROT_READ, MAP_SHARED, sfd[0], 0);
	ASSERT_NE(MAP_FAILED, map);
	close(sfd[0]);
	usleep(200 * 1000);
	CHECK_STATE(cw, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_EQ(0, sysmem_wait(cw, 0));
	EXPECT_FALSE(readable(cfd[0]));
	munmap(map, sz);
	EXPECT_TRUE(becomes_failed(cw));
	CHECK_STATE(cw, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_TRUE(readable(cfd[0]));
	close(wfd[0]);
	close(cfd[0]);
	EXPECT_EQ(0, live(self, 0));
	leave(cw);
}

/*
 * GET_RESULT gathers up to 16 buffers' fd numbers on the kernel's stack
 * and more in an array, a weak node's close-weak fds after its dma-buf
 * fds: at 16 and at 17 buffers every fd is where it belongs.  Each
 * dma-buf fd names its own buffer (BUFFER_INFO), the strong read-only
 * node's are read-only and the weak writer's writable, and each
 * close-weak fd fires for its own buffer only.
 */
static void result_fds_in_order(struct __test_metadata *_metadata,
				FIXTURE_DATA(weak) *self, unsigned int n)
{
	int tok, w, cs, cw, sfd[17], wfd[17], cfd[17];
	struct sysmem_buffer_constraints c;
	unsigned int count, fd_count, i;
	unsigned long long coll_id;
	__u64 id;
	__u32 index;
	bool is_weak;

	ASSERT_GE(17, n);
	ASSERT_EQ(0, weak_pair(self->dev, &tok, &w));
	cs = bind_cons(self->dev, tok, SYSMEM_USAGE_CPU_READ, n - 1, 4096);
	ASSERT_LE(0, cs);
	cw = sysmem_bind(self->dev, w);
	ASSERT_LE(0, cw);
	close(w);
	cons_init(&c, USAGE_RW, 1, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(cw, &c));
	ASSERT_EQ(0, sysmem_wait(cw, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_weak_result(cs, NULL, sfd, NULL, n, &count,
					    &fd_count, &is_weak));
	ASSERT_EQ(n, count);
	ASSERT_EQ(n, fd_count);
	EXPECT_FALSE(is_weak);
	ASSERT_EQ(0, sysmem_get_weak_result(cw, NULL, wfd, cfd, n, &count,
					    &fd_count, &is_weak));
	ASSERT_EQ(n, count);
	ASSERT_EQ(n, fd_count);
	EXPECT_TRUE(is_weak);
	ASSERT_EQ(0, sysmem_buffer_info(self->dev, sfd[0], &id, NULL));
	coll_id = id;
	for (i = 0; i < n; i++) {
		ASSERT_LE(0, sfd[i]);
		ASSERT_LE(0, wfd[i]);
		ASSERT_LE(0, cfd[i]);
		EXPECT_EQ(O_RDONLY, fcntl(sfd[i], F_GETFL) & O_ACCMODE);
		EXPECT_EQ(O_RDWR, fcntl(wfd[i], F_GETFL) & O_ACCMODE);
		EXPECT_EQ(0, sysmem_buffer_info(self->dev, sfd[i], &id, &index));
		EXPECT_EQ(coll_id, id);
		EXPECT_EQ(i, index);
		EXPECT_EQ(0, sysmem_buffer_info(self->dev, wfd[i], &id, &index));
		EXPECT_EQ(coll_id, id);
		EXPECT_EQ(i, index);
		/* A close-weak fd is no dma-buf. */
		EXPECT_EQ(-EINVAL, sysmem_buffer_info(self->dev, cfd[i], NULL,
						      NULL));
		EXPECT_FALSE(readable(cfd[i])) TH_LOG("buffer %u", i);
	}
	EXPECT_EQ(n, live(self, n));

	/* The strong node leaves; its last buffer's fd, then the first's. */
	leave(cs);
	close(sfd[n - 1]);
	sfd[n - 1] = -1;
	EXPECT_TRUE(becomes_readable(cfd[n - 1]));
	for (i = 0; i < n - 1; i++)
		EXPECT_FALSE(readable(cfd[i])) TH_LOG("buffer %u", i);
	close(sfd[0]);
	sfd[0] = -1;
	EXPECT_TRUE(becomes_readable(cfd[0]));
	for (i = 1; i < n - 1; i++)
		EXPECT_FALSE(readable(cfd[i])) TH_LOG("buffer %u", i);
	close_fds(sfd, n);
	close_fds(wfd, n);
	EXPECT_EQ(0, live(self, 0));
	close_fds(cfd, n);
	leave(cw);
}

TEST_F(weak, result_fds_16_buffers)
{
	result_fds_in_order(_metadata, self, 16);
}

TEST_F(weak, result_fds_17_buffers)
{
	result_fds_in_order(_metadata, self, 17);
}

TEST_HARNESS_MAIN
