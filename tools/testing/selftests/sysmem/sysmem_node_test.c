// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem node tree: failure domains and dispensable tokens.
 *
 * Runs as root with sysmem.ko loaded (the VM runner's init).  Memory
 * accounting checks read the system heap's line of the sysmem debugfs
 * file and are skipped only where debugfs is absent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"

#define HEAPS_PATH	"/sys/kernel/debug/sysmem/heaps"
#define MSEC_NS		1000000LL
/* Generous: the test VM runs under TCG with a debug kernel. */
#define WAIT_NS		(10000 * MSEC_NS)
#define USAGE_RW	(SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE)

#define CHECK_STATE(fd, _state, _reason) do { \
	__u32 __st = 0xdead, __rs = 0xdead; \
	ASSERT_EQ(0, sysmem_check((fd), &__st, &__rs)); \
	EXPECT_EQ((_state), __st); \
	EXPECT_EQ((_reason), __rs); \
} while (0)

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static int set_cons(int coll, __u64 usage, __u32 camping, __u64 min_size)
{
	struct sysmem_buffer_constraints c;

	memset(&c, 0, sizeof(c));
	c.usage = usage;
	c.min_buffer_count_for_camping = camping;
	c.min_size_bytes = min_size;
	return sysmem_set_constraints(coll, &c);
}

static int revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	ret = poll(&p, 1, 0);
	if (ret < 0)
		return -errno;
	return ret ? p.revents : 0;
}

/* Whether @fd polls readable within @ms milliseconds. */
static bool poll_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static void leave(int fd)
{
	if (fd < 0)
		return;
	sysmem_release(fd);
	close(fd);
}

/* Live buffers and bytes of the system heap from debugfs. */
static int heap_stats(__u64 *buffers, __u64 *bytes)
{
	unsigned long long nb, nbytes;
	char line[256], name[64];
	int ret = -ENOENT;
	FILE *f;

	f = fopen(HEAPS_PATH, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s buffers=%llu bytes=%llu",
			   name, &nb, &nbytes) != 3 || strcmp(name, "system"))
			continue;
		*buffers = nb;
		*bytes = nbytes;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* Wait (up to 2 s) for the system heap to hold exactly these counts. */
static int heap_settle(__u64 want_buffers, __u64 want_bytes)
{
	__u64 nb = 0, nbytes = 0;
	int i, ret;

	for (i = 0; i < 200; i++) {
		ret = heap_stats(&nb, &nbytes);
		if (ret)
			return ret;
		if (nb == want_buffers && nbytes == want_bytes)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/*
 * The tree most tests use, every token bound:
 *
 *	root ─┬─ a
 *	      └─ d (dispensable) ─── e
 *
 * colls[] = { root, a, d, e }; each sets RW constraints camping one
 * buffer of one page, so the collection has 4 buffers.
 */
enum { ROOT, A, D, E, NR };

static int make_tree(int dev, int *colls, int set_constraints)
{
	int t[NR], i, ret;

	t[ROOT] = sysmem_alloc_token(dev);
	if (t[ROOT] < 0)
		return t[ROOT];
	t[A] = sysmem_duplicate(t[ROOT], SYSMEM_RIGHTS_SAME);
	t[D] = sysmem_duplicate(t[ROOT], SYSMEM_RIGHTS_SAME);
	if (t[A] < 0 || t[D] < 0)
		return -EIO;
	ret = sysmem_set_dispensable(t[D]);
	if (ret)
		return ret;
	t[E] = sysmem_duplicate(t[D], SYSMEM_RIGHTS_SAME);
	if (t[E] < 0)
		return t[E];
	for (i = 0; i < NR; i++) {
		colls[i] = sysmem_bind(dev, t[i]);
		close(t[i]);
		if (colls[i] < 0)
			return colls[i];
	}
	for (i = 0; set_constraints && i < NR; i++) {
		ret = set_cons(colls[i], USAGE_RW, 1, page_size());
		if (ret)
			return ret;
	}
	return 0;
}

/* Get the buffers of @coll into @fds (4 entries); 0 or -errno. */
static int get_fds(int coll, int *fds)
{
	unsigned int count = 0, nfds = 0;
	int ret;

	ret = sysmem_get_result(coll, NULL, fds, 4, &count, &nfds);
	if (ret)
		return ret;
	return count == 4 && nfds == 4 ? 0 : -EBADMSG;
}

FIXTURE(node) {
	int dev;
	__u64 buffers0, bytes0;
	int have_debugfs;
};

FIXTURE_SETUP(node)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	self->have_debugfs = !heap_stats(&self->buffers0, &self->bytes0);
}

FIXTURE_TEARDOWN(node)
{
	/* Every test gives back every buffer it made. */
	if (self->have_debugfs)
		EXPECT_EQ(0, heap_settle(self->buffers0, self->bytes0));
	close(self->dev);
}

TEST_F(node, set_dispensable_rules)
{
	int tok, dup, coll, non;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	ASSERT_EQ(0, sysmem_set_dispensable(tok));
	/* Idempotent. */
	ASSERT_EQ(0, sysmem_set_dispensable(tok));
	dup = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, dup);
	ASSERT_EQ(0, sysmem_release(dup));
	EXPECT_EQ(-ESTALE, sysmem_set_dispensable(dup));
	close(dup);
	coll = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, coll);
	/* Consumed by bind. */
	EXPECT_EQ(-ESTALE, sysmem_set_dispensable(tok));
	/* Only tokens. */
	EXPECT_EQ(-ENOTTY, sysmem_set_dispensable(coll));
	non = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, non);
	EXPECT_EQ(-ENOTTY, sysmem_set_dispensable(non));
	EXPECT_EQ(-ENOTTY, sysmem_set_dispensable(self->dev));
	/* Nothing failed on the way. */
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	close(tok);
	leave(coll);
	leave(non);
}

/* Before allocation a dispensable subtree's failure fails everyone. */
TEST_F(node, dispensable_fails_all_before_allocation)
{
	int c[NR], i;

	ASSERT_EQ(0, make_tree(self->dev, c, 0));
	ASSERT_EQ(0, set_cons(c[ROOT], USAGE_RW, 1, page_size()));
	ASSERT_EQ(0, set_cons(c[A], USAGE_RW, 1, page_size()));
	close(c[E]);	/* below the dispensable node, without release */
	for (i = 0; i < NR; i++) {
		if (i == E)
			continue;
		CHECK_STATE(c[i], SYSMEM_STATE_FAILED,
			    SYSMEM_FAIL_PARTICIPANT_LOST);
		EXPECT_EQ(POLLERR, revents(c[i]) & (POLLIN | POLLERR));
		EXPECT_EQ(-EIO, sysmem_wait(c[i], 0));
		close(c[i]);
	}
}

/* The dispensable node itself closing before allocation: likewise. */
TEST_F(node, dispensable_itself_fails_all_before_allocation)
{
	int c[NR], i;

	ASSERT_EQ(0, make_tree(self->dev, c, 0));
	close(c[D]);
	for (i = 0; i < NR; i++) {
		if (i == D)
			continue;
		CHECK_STATE(c[i], SYSMEM_STATE_FAILED,
			    SYSMEM_FAIL_PARTICIPANT_LOST);
		EXPECT_EQ(-EIO, set_cons(c[i], USAGE_RW, 1, page_size()));
		close(c[i]);
	}
}

/*
 * After allocation a failure below the dispensable node stops there: d
 * and e fail, root and a keep their buffers and their state.
 */
TEST_F(node, dispensable_subtree_fails_alone_after_allocation)
{
	int c[NR], fr[4], fd_[4], scratch[4], i;
	unsigned int count, nfds;
	__u64 nb, nbytes;
	unsigned char *p;

	ASSERT_EQ(0, make_tree(self->dev, c, 1));
	ASSERT_EQ(0, sysmem_wait(c[ROOT], WAIT_NS));
	ASSERT_EQ(0, get_fds(c[ROOT], fr));
	ASSERT_EQ(0, get_fds(c[D], fd_));
	if (self->have_debugfs) {
		ASSERT_EQ(0, heap_stats(&nb, &nbytes));
		EXPECT_EQ(self->buffers0 + 4, nb);
		EXPECT_EQ(self->bytes0 + 4 * page_size(), nbytes);
	}

	close(c[E]);	/* without release */

	CHECK_STATE(c[D], SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(POLLERR, revents(c[D]) & (POLLIN | POLLERR));
	EXPECT_EQ(-EIO, sysmem_wait(c[D], WAIT_NS));
	EXPECT_EQ(-EIO, sysmem_get_result(c[D], NULL, scratch, 4, &count,
					  &nfds));
	for (i = ROOT; i <= A; i++) {
		CHECK_STATE(c[i], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
		EXPECT_EQ(POLLIN, revents(c[i]) & (POLLIN | POLLERR));
		EXPECT_EQ(0, sysmem_wait(c[i], 0));
	}
	/* a can still get buffers: the collection kept them. */
	ASSERT_EQ(0, get_fds(c[A], scratch));
	close_fds(scratch, 4);
	/* The failed participant's buffers stay valid, and shared. */
	p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd_[0], 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x5a;
	munmap(p, page_size());
	if (self->have_debugfs) {
		ASSERT_EQ(0, heap_stats(&nb, &nbytes));
		EXPECT_EQ(self->buffers0 + 4, nb);
	}
	/* Closing the failed node without release fails nothing more. */
	close(c[D]);
	CHECK_STATE(c[ROOT], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close_fds(fd_, 4);
	close_fds(fr, 4);
	leave(c[A]);
	leave(c[ROOT]);
}

/* The dispensable node itself failing after allocation: its subtree. */
TEST_F(node, dispensable_itself_fails_subtree_after_allocation)
{
	int c[NR], i;

	ASSERT_EQ(0, make_tree(self->dev, c, 1));
	ASSERT_EQ(0, sysmem_wait(c[ROOT], WAIT_NS));
	close(c[D]);
	CHECK_STATE(c[E], SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(-EIO, sysmem_wait(c[E], 0));
	for (i = ROOT; i <= A; i++)
		CHECK_STATE(c[i], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close(c[E]);
	leave(c[A]);
	leave(c[ROOT]);
}

/*
 * The default: after allocation a failure outside any dispensable
 * subtree fails everyone, the dispensable subtree included (failure
 * always travels down).
 */
TEST_F(node, failure_above_dispensable_fails_all)
{
	int c[NR], i;

	ASSERT_EQ(0, make_tree(self->dev, c, 1));
	ASSERT_EQ(0, sysmem_wait(c[ROOT], WAIT_NS));
	close(c[A]);
	for (i = 0; i < NR; i++) {
		if (i == A)
			continue;
		CHECK_STATE(c[i], SYSMEM_STATE_FAILED,
			    SYSMEM_FAIL_PARTICIPANT_LOST);
		EXPECT_EQ(-EIO, sysmem_wait(c[i], 0));
		close(c[i]);
	}
}

/*
 * A released dispensable node stays a boundary for the nodes below it:
 * e's failure fails only e's domain (d is gone, e is its last node).
 */
TEST_F(node, released_dispensable_still_a_boundary)
{
	int c[NR];

	ASSERT_EQ(0, make_tree(self->dev, c, 1));
	ASSERT_EQ(0, sysmem_wait(c[ROOT], WAIT_NS));
	leave(c[D]);
	close(c[E]);
	CHECK_STATE(c[ROOT], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(c[A], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(c[A]);
	leave(c[ROOT]);
}

/* Nested boundaries: the nearest dispensable ancestor stops a failure. */
TEST_F(node, nearest_boundary_wins)
{
	int r, t1, t2, t3, c1, c2, c3, cr;

	/* root ── t1 (dispensable) ── t2 (dispensable) ── t3 */
	r = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, r);
	t1 = sysmem_duplicate(r, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t1);
	ASSERT_EQ(0, sysmem_set_dispensable(t1));
	t2 = sysmem_duplicate(t1, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	ASSERT_EQ(0, sysmem_set_dispensable(t2));
	t3 = sysmem_duplicate(t2, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t3);
	cr = sysmem_bind(self->dev, r);
	c1 = sysmem_bind(self->dev, t1);
	c2 = sysmem_bind(self->dev, t2);
	c3 = sysmem_bind(self->dev, t3);
	ASSERT_LE(0, cr);
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	ASSERT_LE(0, c3);
	close(r);
	close(t1);
	close(t2);
	close(t3);
	ASSERT_EQ(0, set_cons(cr, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, set_cons(c1, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, set_cons(c2, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, set_cons(c3, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(cr, WAIT_NS));

	close(c3);
	CHECK_STATE(c2, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	CHECK_STATE(c1, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(cr, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close(c1);	/* now t1's domain: c1 alone is left in it */
	CHECK_STATE(cr, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	/* c2 already failed; closing it changes nothing. */
	close(c2);
	CHECK_STATE(cr, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(cr);
}

/*
 * Poll and a blocking wait wake up for a subtree failure, not only for
 * a collection-wide one.
 */
TEST_F(node, wait_wakes_on_subtree_failure)
{
	int c[NR], fds[4];
	struct pollfd p;

	ASSERT_EQ(0, make_tree(self->dev, c, 1));
	ASSERT_EQ(0, sysmem_wait(c[ROOT], WAIT_NS));
	ASSERT_EQ(0, get_fds(c[E], fds));
	close_fds(fds, 4);
	/* d's wait is already over (allocated): poll says so... */
	EXPECT_EQ(POLLIN, revents(c[D]) & (POLLIN | POLLERR));
	/* ...and reports the failure once it happens. */
	close(c[E]);
	p.fd = c[D];
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(POLLERR, p.revents & (POLLIN | POLLERR));
	close(c[D]);
	leave(c[A]);
	leave(c[ROOT]);
}

/*
 * A participant process killed after allocation, in a dispensable
 * subtree: the others keep working and every buffer goes back to the
 * heap once they are done.
 */
TEST_F(node, killed_dispensable_participant)
{
	int sv[2], root, tok, coll, fds[4], cfds[2];
	unsigned int count = 0, nfds = 0;
	char byte;
	pid_t pid;
	int status;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	tok = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	ASSERT_EQ(0, sysmem_set_dispensable(tok));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = sysmem_open(), t, c, f[2];

		t = sysmem_recv_token(sv[1]);
		c = sysmem_bind(dev, t);
		close(t);
		if (c < 0 || set_cons(c, USAGE_RW, 1, 8192) ||
		    sysmem_wait(c, WAIT_NS) ||
		    sysmem_get_result(c, NULL, f, 2, NULL, NULL))
			_exit(1);
		if (write(sv[1], "r", 1) != 1)
			_exit(2);
		pause();	/* killed while holding c and the buffers */
		_exit(3);
	}
	ASSERT_EQ(0, sysmem_send_token(sv[0], tok));
	close(tok);
	coll = sysmem_bind(self->dev, root);
	ASSERT_LE(0, coll);
	close(root);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(1, read(sv[0], &byte, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));

	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	EXPECT_EQ(2, nfds);
	cfds[0] = fds[0];
	cfds[1] = fds[1];
	close_fds(cfds, 2);
	close(sv[0]);
	close(sv[1]);
	leave(coll);
	/* The fixture's teardown checks the heap is back where it was. */
}

/* The same kill without dispensable fails everyone (the default). */
TEST_F(node, killed_participant_fails_all)
{
	int root, tok, coll;
	pid_t pid;
	int status;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	tok = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	coll = sysmem_bind(self->dev, root);
	ASSERT_LE(0, coll);
	close(root);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = sysmem_open(), c;

		c = sysmem_bind(dev, tok);
		if (c < 0 || set_cons(c, USAGE_RW, 1, 4096))
			_exit(1);
		sysmem_wait(c, WAIT_NS);
		pause();
		_exit(3);
	}
	close(tok);
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	close(coll);
}

/*
 * /dev/kmsg from its end on, once the log's rate limit had time to
 * recover from earlier failures; -errno when there is none.
 */
static int kmsg_open_quiet(void)
{
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (kmsg < 0)
		return -errno;
	lseek(kmsg, 0, SEEK_END);
	sleep(6);
	return kmsg;
}

/* Whether a record read from @kmsg from now on holds @a and @b. */
static bool kmsg_has(int kmsg, const char *a, const char *b)
{
	char rec[1024];
	bool found = false;
	ssize_t n;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b))
			found = true;
	}
	return found;
}

/*
 * Before allocation, a tree whose last live node leaves fails: nothing
 * is allocated for nobody.  The kernel log says so for this collection.
 */
TEST_F(node, no_live_node_left_fails_before_allocation)
{
	int root, tok, coll, kmsg;
	char want[128];
	__u64 id = 0;

	kmsg = kmsg_open_quiet();
	if (kmsg < 0)
		SKIP(return, "no /dev/kmsg");

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	tok = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	coll = sysmem_bind(self->dev, root);
	ASSERT_LE(0, coll);
	close(root);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 2, 4096));
	leave(coll);	/* constraints kept; tok still outstanding */
	if (self->have_debugfs)
		EXPECT_EQ(0, heap_settle(self->buffers0, self->bytes0));
	leave(tok);	/* the last live node: fail, allocate nothing */

	snprintf(want, sizeof(want), "collection %llu ",
		 (unsigned long long)id);
	EXPECT_TRUE(kmsg_has(kmsg, want,
			     "no participant left before allocation"));
	close(kmsg);
}

/*
 * Constraints that cannot be met together: the kernel log names the
 * first participant (in tree order) whose constraints conflict with
 * those before it, with its debug info.
 */
TEST_F(node, constraints_failure_names_the_participant)
{
	struct sysmem_buffer_constraints c;
	int root, t[2], a, b, d, kmsg;
	char want[160];
	__u64 id = 0;

	kmsg = kmsg_open_quiet();
	if (kmsg < 0)
		SKIP(return, "no /dev/kmsg");

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t[0] = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t[0]);
	t[1] = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t[1]);
	a = sysmem_bind(self->dev, root);
	b = sysmem_bind(self->dev, t[0]);
	d = sysmem_bind(self->dev, t[1]);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, d);
	close(root);
	close(t[0]);
	close(t[1]);
	ASSERT_EQ(0, sysmem_set_debug_info(a, "cons-a", 4241));
	ASSERT_EQ(0, sysmem_set_debug_info(b, "cons-b", 4242));
	ASSERT_EQ(0, sysmem_set_debug_info(d, "cons-d", 4243));
	ASSERT_EQ(0, sysmem_get_collection_id(a, &id));
	/* a camps on 3; b allows at most 2 buffers; d is easy. */
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 3, 4096));
	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_CPU_READ;
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	c.max_buffer_count = 2;
	ASSERT_EQ(0, sysmem_set_constraints(b, &c));
	ASSERT_EQ(0, set_cons(d, SYSMEM_USAGE_CPU_READ, 0, 4096));
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	leave(a);
	leave(b);
	leave(d);

	snprintf(want, sizeof(want),
		 "collection %llu \"\" failed: %s: participant \"cons-b\" (id 4242): ",
		 (unsigned long long)id, "constraints intersection empty");
	EXPECT_TRUE(kmsg_has(kmsg, want, "")) TH_LOG("no log line with: %s",
						    want);
	close(kmsg);
}

/* Poll @fd for POLLIN for up to @ms milliseconds: 1 readable, 0 not. */
static int readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	ret = poll(&p, 1, ms);
	if (ret < 0)
		return -errno;
	return ret && (p.revents & POLLIN);
}

/*
 * Lifetime tracking counts buffers until their memory is back in the
 * heap: after every fd, and every mapping, is gone; and it outlives the
 * collection.
 */
TEST_F(node, lifetime_tracking_after_all_buffers_dropped)
{
	int coll, lt0, lt2, lt3, fds[3], ltlate;
	unsigned int count = 0, nfds = 0;
	__u64 nb, nbytes;
	void *map;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	lt0 = sysmem_attach_lifetime_tracking(coll, 0);
	ASSERT_LE(0, lt0);
	EXPECT_TRUE(fcntl(lt0, F_GETFD) & FD_CLOEXEC);
	lt2 = sysmem_attach_lifetime_tracking(coll, 2);
	ASSERT_LE(0, lt2);
	lt3 = sysmem_attach_lifetime_tracking(coll, 3);
	ASSERT_LE(0, lt3);
	/* Pending: no buffer yet, but no signal either. */
	EXPECT_EQ(0, revents(lt0));
	EXPECT_EQ(0, revents(lt3));

	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 3, page_size()));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	/* 3 buffers hold memory: only "at most 3" is true. */
	EXPECT_EQ(0, revents(lt0));
	EXPECT_EQ(0, revents(lt2));
	EXPECT_EQ(POLLIN, revents(lt3) & POLLIN);
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 3, &count, &nfds));
	ASSERT_EQ(3, nfds);
	/* Attached after allocation, it is judged at once. */
	ltlate = sysmem_attach_lifetime_tracking(coll, 1);
	ASSERT_LE(0, ltlate);
	EXPECT_EQ(0, revents(ltlate));

	map = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
		   fds[0], 0);
	ASSERT_NE(MAP_FAILED, map);
	leave(coll);	/* the collection is gone; the trackers are not */
	EXPECT_EQ(0, readable_within(lt2, 100));
	close(fds[0]);	/* the mapping still holds buffer 0 */
	EXPECT_EQ(0, readable_within(lt2, 100));
	munmap(map, page_size());
	ASSERT_EQ(1, readable_within(lt2, 2000));
	EXPECT_EQ(0, revents(ltlate));
	EXPECT_EQ(0, revents(lt0));
	close(fds[1]);
	ASSERT_EQ(1, readable_within(ltlate, 2000));
	EXPECT_EQ(0, revents(lt0));
	close(fds[2]);
	ASSERT_EQ(1, readable_within(lt0, 2000));
	/* Signalled only once the heap has the memory back. */
	if (self->have_debugfs) {
		ASSERT_EQ(0, heap_stats(&nb, &nbytes));
		EXPECT_EQ(self->buffers0, nb);
		EXPECT_EQ(self->bytes0, nbytes);
	}
	close(lt0);
	close(lt2);
	close(lt3);
	close(ltlate);
}

/* A collection that fails before allocation signals at once. */
TEST_F(node, lifetime_tracking_failed_before_allocation)
{
	int c[NR], lt;

	ASSERT_EQ(0, make_tree(self->dev, c, 0));
	lt = sysmem_attach_lifetime_tracking(c[ROOT], 0);
	ASSERT_LE(0, lt);
	EXPECT_EQ(0, revents(lt));
	close(c[A]);	/* fails everyone, before allocation */
	EXPECT_EQ(POLLIN, revents(lt) & POLLIN);
	close(lt);
	close(c[ROOT]);
	close(c[D]);
	close(c[E]);
}

/* After a failure, buffers still held by participants still count. */
TEST_F(node, lifetime_tracking_failed_after_allocation)
{
	int c[NR], fds[4], lt, i;

	ASSERT_EQ(0, make_tree(self->dev, c, 1));
	ASSERT_EQ(0, sysmem_wait(c[ROOT], WAIT_NS));
	lt = sysmem_attach_lifetime_tracking(c[A], 0);
	ASSERT_LE(0, lt);
	ASSERT_EQ(0, get_fds(c[A], fds));
	close(c[ROOT]);	/* fails the collection, which drops its buffers */
	CHECK_STATE(c[A], SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(0, readable_within(lt, 100));
	for (i = 0; i < 3; i++)
		close(fds[i]);
	EXPECT_EQ(0, readable_within(lt, 100));
	close(fds[3]);
	EXPECT_EQ(1, readable_within(lt, 2000));
	close(lt);
	close(c[A]);
	close(c[D]);
	close(c[E]);
}

TEST_F(node, tracking_rules)
{
	int tok, coll, fds[SYSMEM_MAX_TRACKING], i;
	struct sysmem_lifetime_tracking lt;
	struct sysmem_new_node nn;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	/* Lifetime tracking is for collections only. */
	EXPECT_EQ(-ENOTTY, sysmem_attach_lifetime_tracking(tok, 0));
	EXPECT_EQ(-ENOTTY, sysmem_attach_node_tracking(self->dev));
	memset(&nn, 0, sizeof(nn));
	nn.flags = 1;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING, &nn));
	EXPECT_EQ(EINVAL, errno);
	coll = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, coll);
	EXPECT_EQ(-ESTALE, sysmem_attach_node_tracking(tok));
	memset(&lt, 0, sizeof(lt));
	lt.reserved = 1;
	EXPECT_EQ(-1, ioctl(coll, SYSMEM_IOC_ATTACH_LIFETIME_TRACKING, &lt));
	EXPECT_EQ(EINVAL, errno);
	lt.reserved = 0;
	lt.flags = 1;
	EXPECT_EQ(-1, ioctl(coll, SYSMEM_IOC_ATTACH_LIFETIME_TRACKING, &lt));
	EXPECT_EQ(EINVAL, errno);

	/* The per-node bound counts both kinds, including closed fds. */
	for (i = 0; i < SYSMEM_MAX_TRACKING; i++) {
		fds[i] = i % 2 ? sysmem_attach_node_tracking(coll) :
				 sysmem_attach_lifetime_tracking(coll, i);
		ASSERT_LE(0, fds[i]);
	}
	close(fds[0]);
	EXPECT_EQ(-ENOSPC, sysmem_attach_node_tracking(coll));
	EXPECT_EQ(-ENOSPC, sysmem_attach_lifetime_tracking(coll, 0));
	fds[0] = -1;
	close_fds(fds, SYSMEM_MAX_TRACKING);
	/* Nothing failed on the way. */
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	close(tok);
	leave(coll);
}

/*
 * Node tracking follows a node through bind, release and orphanhood:
 * a released collection node with constraints lives on until they no
 * longer count (allocation).
 */
TEST_F(node, node_tracking_orphan_until_allocation)
{
	int root, tok, coll, croot, nt, nt_root;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	tok = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	nt = sysmem_attach_node_tracking(tok);
	ASSERT_LE(0, nt);
	EXPECT_TRUE(fcntl(nt, F_GETFD) & FD_CLOEXEC);
	coll = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, coll);
	close(tok);	/* bound: the node lives on as coll */
	EXPECT_EQ(0, revents(nt));
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	leave(coll);	/* orphaned: its constraints still count */
	EXPECT_EQ(0, readable_within(nt, 100));

	croot = sysmem_bind(self->dev, root);
	ASSERT_LE(0, croot);
	close(root);
	nt_root = sysmem_attach_node_tracking(croot);
	ASSERT_LE(0, nt_root);
	ASSERT_EQ(0, set_cons(croot, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(croot, WAIT_NS));
	/* Allocated: the orphan's constraints have done their part. */
	EXPECT_EQ(POLLIN, revents(nt) & POLLIN);
	EXPECT_EQ(0, revents(nt_root));
	leave(croot);
	EXPECT_EQ(POLLIN, revents(nt_root) & POLLIN);
	close(nt);
	close(nt_root);
}

/* A node with children is not gone until its children are. */
TEST_F(node, node_tracking_waits_for_children)
{
	int root, t, u, cu, nt;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t);
	u = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, u);
	nt = sysmem_attach_node_tracking(t);
	ASSERT_LE(0, nt);
	leave(t);	/* released, but u is its child */
	EXPECT_EQ(0, revents(nt));
	cu = sysmem_bind(self->dev, u);
	ASSERT_LE(0, cu);
	close(u);
	leave(root);
	EXPECT_EQ(0, revents(nt));
	ASSERT_EQ(0, set_cons(cu, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(cu, WAIT_NS));
	EXPECT_EQ(0, revents(nt));
	leave(cu);
	EXPECT_EQ(POLLIN, revents(nt) & POLLIN);
	close(nt);
}

/* The nodes of a failed dispensable subtree go when their fds close. */
TEST_F(node, node_tracking_failed_subtree)
{
	int c[NR], nd, ne, na;

	ASSERT_EQ(0, make_tree(self->dev, c, 1));
	nd = sysmem_attach_node_tracking(c[D]);
	ne = sysmem_attach_node_tracking(c[E]);
	na = sysmem_attach_node_tracking(c[A]);
	ASSERT_LE(0, nd);
	ASSERT_LE(0, ne);
	ASSERT_LE(0, na);
	ASSERT_EQ(0, sysmem_wait(c[ROOT], WAIT_NS));
	close(c[E]);
	EXPECT_EQ(POLLIN, revents(ne) & POLLIN);
	EXPECT_EQ(0, revents(nd));	/* failed, but its fd is open */
	CHECK_STATE(c[D], SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	close(c[D]);
	EXPECT_EQ(POLLIN, revents(nd) & POLLIN);
	EXPECT_EQ(0, revents(na));
	leave(c[A]);
	EXPECT_EQ(POLLIN, revents(na) & POLLIN);
	leave(c[ROOT]);
	close(nd);
	close(ne);
	close(na);
}

/* A shared collection of two bound participants, camping @c0 and @c1. */
static int make_two(int dev, int *c, __u32 c0, __u32 c1, __u32 min_count)
{
	struct sysmem_buffer_constraints cons;
	int t0, t1, ret;

	t0 = sysmem_alloc_token(dev);
	if (t0 < 0)
		return t0;
	t1 = sysmem_duplicate(t0, SYSMEM_RIGHTS_SAME);
	if (t1 < 0)
		return t1;
	c[0] = sysmem_bind(dev, t0);
	c[1] = sysmem_bind(dev, t1);
	close(t0);
	close(t1);
	if (c[0] < 0 || c[1] < 0)
		return -EIO;
	ret = set_cons(c[0], USAGE_RW, c0, page_size());
	if (ret)
		return ret;
	memset(&cons, 0, sizeof(cons));
	cons.usage = USAGE_RW;
	cons.min_buffer_count_for_camping = c1;
	cons.min_buffer_count = min_count;
	cons.min_size_bytes = page_size();
	return sysmem_set_constraints(c[1], &cons);
}

/* Attach a participant to @coll: bind, constraints; the collection fd. */
static int attach_one(int dev, int coll, __u32 camping, __u64 min_size)
{
	int tok, c, ret;

	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	if (tok < 0)
		return tok;
	c = sysmem_bind(dev, tok);
	close(tok);
	if (c < 0)
		return c;
	ret = set_cons(c, USAGE_RW, camping, min_size);
	if (ret) {
		close(c);
		return ret;
	}
	return c;
}

/*
 * Attached before allocation: the token does not hold the allocation
 * up, and its participant later shares the very same buffers.
 */
TEST_F(node, attach_before_allocation_shares_buffers)
{
	unsigned int count = 0, nfds = 0, i;
	int coll, tok, ct, fds[4];
	__u64 id, bid, nb, nbytes;
	__u32 idx, seen = 0;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	EXPECT_TRUE(fcntl(tok, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	ASSERT_EQ(0, sysmem_get_collection_id(tok, &bid));
	EXPECT_EQ(id, bid);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 2, page_size()));
	/* Allocated although the attached token is still unbound. */
	ASSERT_EQ(0, sysmem_wait(coll, 0));
	EXPECT_EQ(0, revents(tok));
	if (self->have_debugfs) {
		ASSERT_EQ(0, heap_stats(&nb, &nbytes));
		EXPECT_EQ(self->buffers0 + 2, nb);
	}

	ct = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, ct);
	close(tok);
	CHECK_STATE(ct, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(-EAGAIN, sysmem_get_result(ct, NULL, fds, 4, &count, &nfds));
	ASSERT_EQ(0, set_cons(ct, SYSMEM_USAGE_CPU_READ, 0, 4096));
	ASSERT_EQ(0, sysmem_wait(ct, WAIT_NS));
	CHECK_STATE(ct, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, sysmem_get_result(ct, NULL, fds, 4, &count, &nfds));
	ASSERT_EQ(2, count);
	ASSERT_EQ(2, nfds);
	for (i = 0; i < nfds; i++) {
		ASSERT_EQ(0, sysmem_buffer_info(self->dev, fds[i], &bid, &idx));
		EXPECT_EQ(id, bid);
		seen |= 1U << idx;
	}
	EXPECT_EQ(3, seen);
	/* Nothing new was allocated for it. */
	if (self->have_debugfs) {
		ASSERT_EQ(0, heap_stats(&nb, &nbytes));
		EXPECT_EQ(self->buffers0 + 2, nb);
		EXPECT_EQ(self->bytes0 + 2 * page_size(), nbytes);
	}
	close_fds(fds, nfds);
	leave(ct);
	leave(coll);
}

/*
 * Camping 3 + 3 with a minimum count of 8 allocates 8: a participant
 * attached later camping 2 fits, one more camping 1 no longer does
 * (first come, first served), and fails alone.
 */
TEST_F(node, attach_camping_first_come_first_served)
{
	int c[2], a1, a2, a3, fds[8];
	unsigned int count = 0, nfds = 0;

	ASSERT_EQ(0, make_two(self->dev, c, 3, 3, 8));
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c[0], NULL, fds, 8, &count, &nfds));
	ASSERT_EQ(8, count);
	close_fds(fds, nfds);
	a1 = attach_one(self->dev, c[0], 2, 4096);
	ASSERT_LE(0, a1);
	ASSERT_EQ(0, sysmem_wait(a1, WAIT_NS));
	CHECK_STATE(a1, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);

	a2 = attach_one(self->dev, c[1], 1, 4096);
	ASSERT_LE(0, a2);
	EXPECT_EQ(-EIO, sysmem_wait(a2, WAIT_NS));
	CHECK_STATE(a2, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	EXPECT_EQ(POLLERR, revents(a2) & (POLLIN | POLLERR));
	/* The rest keeps working. */
	CHECK_STATE(c[0], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(c[1], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(a1, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close(a2);

	/* Camping on nothing still fits. */
	a3 = attach_one(self->dev, c[0], 0, 4096);
	ASSERT_LE(0, a3);
	CHECK_STATE(a3, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(a3);
	/* Once their holder is gone, its slots are free again. */
	leave(a1);
	a3 = attach_one(self->dev, c[0], 2, 4096);
	ASSERT_LE(0, a3);
	CHECK_STATE(a3, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(a3);
	leave(c[0]);
	leave(c[1]);
}

/*
 * Slots are given back: a participant camping on the last 2 free slots
 * goes away; once the node tracking fd of its subtree's top fires, a
 * replacement with the same needs attaches.  Whether it left cleanly or
 * died makes no difference, and while any node of its subtree is left
 * (here a duplicate still open) its slots stay taken.
 */
TEST_F(node, attach_slots_given_back)
{
	int c[2], tok, dup, a, b, nt, fds[8], round;
	unsigned int count = 0, nfds = 0;

	ASSERT_EQ(0, make_two(self->dev, c, 3, 3, 8));
	ASSERT_EQ(0, sysmem_get_result(c[0], NULL, fds, 8, &count, &nfds));
	ASSERT_EQ(8, count);
	close_fds(fds, nfds);
	for (round = 0; round < 3; round++) {
		tok = sysmem_attach_token(c[0], SYSMEM_RIGHTS_SAME);
		ASSERT_LE(0, tok);
		nt = sysmem_attach_node_tracking(tok);
		ASSERT_LE(0, nt);
		/* A duplicate kept open holds the subtree in round 2. */
		dup = round == 2 ? sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME) : -1;
		a = sysmem_bind(self->dev, tok);
		ASSERT_LE(0, a);
		close(tok);
		if (dup >= 0) {
			b = sysmem_bind(self->dev, dup);
			ASSERT_LE(0, b);
			close(dup);
			ASSERT_EQ(0, set_cons(b, USAGE_RW, 0, 4096));
		} else {
			b = -1;
		}
		ASSERT_EQ(0, set_cons(a, USAGE_RW, 2, 4096));
		ASSERT_EQ(0, sysmem_wait(a, WAIT_NS)) TH_LOG("round %d", round);
		ASSERT_EQ(0, sysmem_get_result(a, NULL, fds, 8, &count, &nfds));
		close_fds(fds, nfds);
		/* No slot is free while it is there. */
		dup = attach_one(self->dev, c[1], 1, 4096);
		ASSERT_LE(0, dup);
		CHECK_STATE(dup, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
		close(dup);
		EXPECT_FALSE(poll_in(nt, 0));
		/* Rounds 0 and 2 leave cleanly, round 1 dies. */
		if (round == 1)
			close(a);
		else
			leave(a);
		if (b >= 0) {
			EXPECT_FALSE(poll_in(nt, 100));
			dup = attach_one(self->dev, c[1], 2, 4096);
			ASSERT_LE(0, dup);
			CHECK_STATE(dup, SYSMEM_STATE_FAILED,
				    SYSMEM_FAIL_CONSTRAINTS);
			close(dup);
			leave(b);
		}
		EXPECT_TRUE(poll_in(nt, 2000)) TH_LOG("round %d", round);
		close(nt);
	}
	/* The collection itself never noticed. */
	CHECK_STATE(c[0], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(c[1], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	a = attach_one(self->dev, c[1], 2, 4096);
	ASSERT_LE(0, a);
	CHECK_STATE(a, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(a);
	leave(c[0]);
	leave(c[1]);
}

/*
 * A dispensable participant of the allocation gives its slots back too:
 * camping 3 + 3 (the second dispensable) with a minimum of 8 leaves 2
 * free; once the dispensable one is gone, one camping 5 fits.
 */
TEST_F(node, dispensable_slots_given_back)
{
	struct sysmem_buffer_constraints cons;
	int t0, t1, c0, c1, a, nt;

	t0 = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t0);
	t1 = sysmem_duplicate(t0, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t1);
	ASSERT_EQ(0, sysmem_set_dispensable(t1));
	nt = sysmem_attach_node_tracking(t1);
	ASSERT_LE(0, nt);
	c0 = sysmem_bind(self->dev, t0);
	c1 = sysmem_bind(self->dev, t1);
	ASSERT_LE(0, c0);
	ASSERT_LE(0, c1);
	close(t0);
	close(t1);
	ASSERT_EQ(0, set_cons(c0, USAGE_RW, 3, page_size()));
	memset(&cons, 0, sizeof(cons));
	cons.usage = USAGE_RW;
	cons.min_buffer_count_for_camping = 3;
	cons.min_buffer_count = 8;
	cons.min_size_bytes = page_size();
	ASSERT_EQ(0, sysmem_set_constraints(c1, &cons));
	ASSERT_EQ(0, sysmem_wait(c0, WAIT_NS));
	a = attach_one(self->dev, c0, 5, 4096);
	ASSERT_LE(0, a);
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	close(a);
	/* Dies: a dispensable node fails alone. */
	close(c1);
	EXPECT_TRUE(poll_in(nt, 2000));
	close(nt);
	CHECK_STATE(c0, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	a = attach_one(self->dev, c0, 5, 4096);
	ASSERT_LE(0, a);
	CHECK_STATE(a, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(a);
	leave(c0);
}

/* With 6 allocated (3 + 3), one camping 1 does not fit. */
TEST_F(node, attach_camping_no_free_slot)
{
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0;
	int c[2], a, fds[8];

	ASSERT_EQ(0, make_two(self->dev, c, 3, 3, 0));
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c[0], &s, fds, 8, &count, &nfds));
	ASSERT_EQ(6, count);
	close_fds(fds, nfds);
	a = attach_one(self->dev, c[0], 1, 4096);
	ASSERT_LE(0, a);
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	EXPECT_EQ(-EIO, sysmem_get_result(a, NULL, fds, 8, &count, &nfds));
	CHECK_STATE(c[0], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close(a);
	leave(c[0]);
	leave(c[1]);
}

/*
 * The newcomer's display usage would make a negotiation prefer the RAM
 * domain; the buffers are in the CPU domain, which it supports, so it
 * shares them.  (Re-negotiating refused it: "coherency domain differs".)
 */
TEST_F(node, attach_admits_other_domain_preference)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0;
	int coll, tok, ct, fds[4];

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	memset(&c, 0, sizeof(c));
	c.usage = USAGE_RW;
	c.min_buffer_count_for_camping = 1;
	c.min_buffer_count = 2;
	c.min_size_bytes = page_size();
	c.flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	c.coherency_domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM;
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, 4, &count, &nfds));
	close_fds(fds, nfds);
	ASSERT_EQ(SYSMEM_DOMAIN_CPU, s.coherency_domain);

	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	ct = sysmem_bind(self->dev, tok);
	close(tok);
	ASSERT_LE(0, ct);
	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	c.min_buffer_count_for_camping = 1;
	ASSERT_EQ(0, sysmem_set_constraints(ct, &c));
	ASSERT_EQ(0, sysmem_wait(ct, WAIT_NS));
	CHECK_STATE(ct, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sysmem_get_result(ct, &s, fds, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	EXPECT_EQ(SYSMEM_DOMAIN_CPU, s.coherency_domain);
	close_fds(fds, nfds);
	leave(ct);
	leave(coll);
}

#define XR24	0x34325258U	/* DRM_FORMAT_XRGB8888 */
#define NV12	0x3231564eU	/* DRM_FORMAT_NV12 */

static void image_entry(struct sysmem_image_constraints *ic, __u32 fourcc,
			__u32 cs)
{
	memset(ic, 0, sizeof(*ic));
	ic->nr_formats = 1;
	ic->formats[0].format = fourcc;
	ic->formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
	ic->nr_color_spaces = 1;
	ic->color_spaces[0] = cs;
	ic->flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic->required_max_size.width = 64;
	ic->required_max_size.height = 32;
}

/*
 * Allocated as XRGB8888 64x32 (8192 bytes) for CPU usage.  A video
 * decoder that lists NV12 first and XRGB8888 too would make a
 * negotiation prefer NV12 (3072 bytes); it accepts the XRGB8888 buffers
 * and shares them.  (Re-negotiating refused it: "buffer size differs".)
 * One that lists only NV12 cannot use them and fails alone.
 */
TEST_F(node, attach_video_usage_keeps_format)
{
	struct sysmem_image_constraints ic[2];
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0;
	int coll, tok, ct, fds[4];

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	image_entry(&ic[0], XR24, SYSMEM_COLOR_SPACE_SRGB);
	image_entry(&ic[1], NV12, SYSMEM_COLOR_SPACE_REC709);
	memset(&c, 0, sizeof(c));
	c.usage = USAGE_RW;
	c.min_buffer_count_for_camping = 1;
	c.image_formats = (__u64)(uintptr_t)ic;
	c.image_format_count = 2;
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, 4, &count, &nfds));
	close_fds(fds, nfds);
	ASSERT_EQ(XR24, s.image.format);
	ASSERT_EQ(8192, s.size_bytes);

	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	ct = sysmem_bind(self->dev, tok);
	close(tok);
	ASSERT_LE(0, ct);
	image_entry(&ic[0], NV12, SYSMEM_COLOR_SPACE_REC709);
	image_entry(&ic[1], XR24, SYSMEM_COLOR_SPACE_SRGB);
	c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	c.min_buffer_count_for_camping = 0;
	ASSERT_EQ(0, sysmem_set_constraints(ct, &c));
	ASSERT_EQ(0, sysmem_wait(ct, WAIT_NS));
	CHECK_STATE(ct, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sysmem_get_result(ct, &s, fds, 4, &count, &nfds));
	EXPECT_EQ(XR24, s.image.format);
	EXPECT_EQ(8192, s.size_bytes);
	close_fds(fds, nfds);
	leave(ct);

	/* NV12 only: it cannot use XRGB8888 buffers. */
	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	ct = sysmem_bind(self->dev, tok);
	close(tok);
	ASSERT_LE(0, ct);
	c.image_format_count = 1;
	ASSERT_EQ(0, sysmem_set_constraints(ct, &c));
	EXPECT_EQ(-EIO, sysmem_wait(ct, WAIT_NS));
	CHECK_STATE(ct, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	close(ct);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(coll);
}

/* Sizes: smaller or equal fits, larger fails alone. */
TEST_F(node, attach_sizes)
{
	int coll, a, b, d;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 2 * page_size()));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	a = attach_one(self->dev, coll, 0, 2 * page_size());
	ASSERT_LE(0, a);
	CHECK_STATE(a, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	b = attach_one(self->dev, coll, 0, 100);
	ASSERT_LE(0, b);
	CHECK_STATE(b, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	d = attach_one(self->dev, coll, 0, 2 * page_size() + 1);
	ASSERT_LE(0, d);
	CHECK_STATE(d, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(a, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close(d);
	leave(a);
	leave(b);
	leave(coll);
}

/* An attached subtree's failures stay in it, before and after. */
TEST_F(node, attach_failure_stays_in_subtree)
{
	int coll, tok, t2, ct, c2;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	/* Before the collection's allocation. */
	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	t2 = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	close(tok);	/* without release */
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(POLLERR, revents(t2) & (POLLIN | POLLERR));
	c2 = sysmem_bind(self->dev, t2);
	ASSERT_LE(0, c2);
	close(t2);
	CHECK_STATE(c2, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	close(c2);
	/* A released attach token fails nothing either. */
	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	leave(tok);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));

	/* After: before its logical allocation, then after it. */
	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	ct = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, ct);
	close(tok);
	close(ct);	/* without constraints, without release */
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ct = attach_one(self->dev, coll, 0, 4096);
	ASSERT_LE(0, ct);
	CHECK_STATE(ct, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close(ct);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_EQ(POLLIN, revents(coll) & (POLLIN | POLLERR));
	leave(coll);
}

/* A failure of the collection travels down into attached subtrees. */
TEST_F(node, collection_failure_reaches_attached)
{
	int c[2], pre, a;

	ASSERT_EQ(0, make_two(self->dev, c, 1, 1, 0));
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));
	a = attach_one(self->dev, c[0], 0, 4096);
	ASSERT_LE(0, a);
	CHECK_STATE(a, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	pre = sysmem_attach_token(c[1], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, pre);
	close(c[1]);	/* without release: the whole collection fails */
	CHECK_STATE(c[0], SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(POLLERR, revents(pre) & (POLLIN | POLLERR));
	/* Too late to attach. */
	EXPECT_EQ(-EIO, sysmem_attach_token(c[0], SYSMEM_RIGHTS_SAME));
	close(pre);
	close(a);
	close(c[0]);
}

/* Nested: a subtree attached to an attached participant waits for it. */
TEST_F(node, attach_nested)
{
	struct sysmem_buffer_constraints c;
	int coll, tok, ct, inner, ci, ci2;

	/* 3 buffers, 1 camped on: 2 slots free. */
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	memset(&c, 0, sizeof(c));
	c.usage = USAGE_RW;
	c.min_buffer_count_for_camping = 1;
	c.min_buffer_count = 3;
	c.min_size_bytes = 4096;
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	ct = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, ct);
	close(tok);
	inner = sysmem_attach_token(ct, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, inner);
	ci = sysmem_bind(self->dev, inner);
	ASSERT_LE(0, ci);
	close(inner);
	ASSERT_EQ(0, set_cons(ci, SYSMEM_USAGE_CPU_READ, 2, 4096));
	/* ct is not allocated yet, so neither is ci. */
	CHECK_STATE(ci, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, set_cons(ct, USAGE_RW, 1, 4096));
	CHECK_STATE(ct, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	/* ct came first and took a slot: ci's 2 no longer fit... */
	CHECK_STATE(ci, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	CHECK_STATE(ct, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close(ci);
	/* ...but 1 still does. */
	ci2 = attach_one(self->dev, ct, 1, 4096);
	ASSERT_LE(0, ci2);
	CHECK_STATE(ci2, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(ci2);
	leave(ct);
	leave(coll);
}

TEST_F(node, attach_token_rules)
{
	struct sysmem_duplicate d;
	int tok, coll;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	EXPECT_EQ(-ENOTTY, sysmem_attach_token(tok, SYSMEM_RIGHTS_SAME));
	coll = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, coll);
	close(tok);
	EXPECT_EQ(-EINVAL, sysmem_attach_token(coll, 0));
	memset(&d, 0, sizeof(d));
	d.rights_mask = SYSMEM_RIGHTS_SAME;
	d.flags = 1;
	EXPECT_EQ(-1, ioctl(coll, SYSMEM_IOC_ATTACH_TOKEN, &d));
	EXPECT_EQ(EINVAL, errno);
	d.flags = 0;
	d.reserved = 1;
	EXPECT_EQ(-1, ioctl(coll, SYSMEM_IOC_ATTACH_TOKEN, &d));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, sysmem_release(coll));
	EXPECT_EQ(-ESTALE, sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME));
	close(coll);
}

/*
 * A participant process that joined through an attach token is killed
 * at each stage: before binding, after binding, after its logical
 * allocation with buffers in hand.  The collection never notices, and
 * every buffer goes back once the rest is done.
 */
TEST_F(node, attach_participant_killed_at_each_stage)
{
	int stage, coll, fds[2];
	unsigned int count, nfds;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	for (stage = 0; stage < 3; stage++) {
		int sv[2], tok, status;
		char byte;
		pid_t pid;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		tok = sysmem_attach_token(coll, SYSMEM_RIGHTS_SAME);
		ASSERT_LE(0, tok);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int dev = sysmem_open(), t, c = -1, f[2];

			t = sysmem_recv_token(sv[1]);
			if (stage >= 1) {
				c = sysmem_bind(dev, t);
				if (c < 0)
					_exit(1);
			}
			if (stage >= 2 &&
			    (set_cons(c, USAGE_RW, 0, 4096) ||
			     sysmem_wait(c, WAIT_NS) ||
			     sysmem_get_result(c, NULL, f, 2, NULL, NULL)))
				_exit(2);
			if (write(sv[1], "r", 1) != 1)
				_exit(3);
			pause();
			_exit(4);
		}
		ASSERT_EQ(0, sysmem_send_token(sv[0], tok));
		close(tok);
		ASSERT_EQ(1, read(sv[0], &byte, 1));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
		close(sv[0]);
		close(sv[1]);
		CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	}
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 2, &count, &nfds));
	EXPECT_EQ(1, count);
	close_fds(fds, nfds);
	leave(coll);
}

/*
 * A collection "a" (RW, camping 1, one page) and a group of @n children
 * under the root token; the children's tokens go to @kids.  The root
 * token is bound into *a; the group is left open in *group.
 */
static int make_group(int dev, int *a, int *group, int *kids, unsigned int n)
{
	__u32 masks[8];
	unsigned int i;
	int root, ret;

	if (n > 8)
		return -EINVAL;
	root = sysmem_alloc_token(dev);
	if (root < 0)
		return root;
	*group = sysmem_create_group(root);
	if (*group < 0)
		return *group;
	for (i = 0; i < n; i++)
		masks[i] = SYSMEM_RIGHTS_SAME;
	ret = sysmem_group_create_children(*group, masks, kids, n);
	if (ret)
		return ret;
	*a = sysmem_bind(dev, root);
	close(root);
	if (*a < 0)
		return *a;
	return set_cons(*a, USAGE_RW, 1, page_size());
}

/* Bind a group child token and set constraints: the collection fd. */
static int bind_cons(int dev, int tok, const struct sysmem_buffer_constraints *c)
{
	int coll = sysmem_bind(dev, tok);

	close(tok);
	if (coll < 0)
		return coll;
	if (sysmem_set_constraints(coll, c)) {
		close(coll);
		return -EINVAL;
	}
	return coll;
}

static struct sysmem_buffer_constraints cons(__u32 camping, __u64 min_size,
					     __u64 max_size)
{
	struct sysmem_buffer_constraints c;

	memset(&c, 0, sizeof(c));
	c.usage = USAGE_RW;
	c.min_buffer_count_for_camping = camping;
	c.min_size_bytes = min_size;
	if (max_size) {
		c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
		c.max_size_bytes = max_size;
	}
	return c;
}

/* The group takes its first child that works; the rest are not chosen. */
TEST_F(node, group_prefers_first_child_that_works)
{
	struct sysmem_buffer_constraints c;
	int a, g, kids[3], k[3], i;
	unsigned int count = 0, nfds = 0;
	int fds[4];

	ASSERT_EQ(0, make_group(self->dev, &a, &g, kids, 3));
	/* Child 0 cannot take a page; 1 and 2 can. */
	c = cons(1, 100, 2048);
	k[0] = bind_cons(self->dev, kids[0], &c);
	c = cons(1, 100, 0);
	k[1] = bind_cons(self->dev, kids[1], &c);
	c = cons(2, 100, 0);
	k[2] = bind_cons(self->dev, kids[2], &c);
	for (i = 0; i < 3; i++)
		ASSERT_LE(0, k[i]);
	/* Not before all children are declared present. */
	CHECK_STATE(a, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(0, revents(g));
	ASSERT_EQ(0, sysmem_group_all_children_present(g));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	CHECK_STATE(k[0], SYSMEM_STATE_FAILED, SYSMEM_FAIL_NOT_CHOSEN);
	CHECK_STATE(k[1], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(k[2], SYSMEM_STATE_FAILED, SYSMEM_FAIL_NOT_CHOSEN);
	EXPECT_EQ(POLLIN, revents(g) & (POLLIN | POLLERR));
	EXPECT_EQ(POLLERR, revents(k[2]) & (POLLIN | POLLERR));
	/* Child 1's camping counted, child 2's did not: 2 buffers. */
	ASSERT_EQ(0, sysmem_get_result(k[1], NULL, fds, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	close_fds(fds, nfds);
	/* The unchosen leave without failing anything. */
	close(k[0]);
	close(k[2]);
	CHECK_STATE(a, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	leave(k[1]);
	leave(g);
	leave(a);
}

/* Two groups: the earlier group's preference wins over the later's. */
TEST_F(node, group_priority_across_two_groups)
{
	struct sysmem_buffer_constraints c;
	int root, a, g1, g2, t1[2], t2[2], x[2], y[2], fds[4];
	unsigned int count = 0, nfds = 0;
	__u32 masks[2] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_SAME };

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	g1 = sysmem_create_group(root);
	ASSERT_LE(0, g1);
	g2 = sysmem_create_group(root);
	ASSERT_LE(0, g2);
	ASSERT_EQ(0, sysmem_group_create_children(g1, masks, t1, 2));
	ASSERT_EQ(0, sysmem_group_create_children(g2, masks, t2, 2));
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, 4096));
	/* x0 allows 2 buffers at most; y0 camps on 2: (x0, y0) fails. */
	c = cons(1, 4096, 0);
	c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	c.max_buffer_count = 2;
	x[0] = bind_cons(self->dev, t1[0], &c);
	c = cons(1, 4096, 0);
	x[1] = bind_cons(self->dev, t1[1], &c);
	c = cons(2, 4096, 0);
	y[0] = bind_cons(self->dev, t2[0], &c);
	c = cons(0, 4096, 0);
	y[1] = bind_cons(self->dev, t2[1], &c);
	ASSERT_LE(0, x[0]);
	ASSERT_LE(0, x[1]);
	ASSERT_LE(0, y[0]);
	ASSERT_LE(0, y[1]);
	ASSERT_EQ(0, sysmem_group_all_children_present(g1));
	ASSERT_EQ(0, sysmem_group_all_children_present(g2));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	/* (x0, y1) comes before (x1, y0), which would work too. */
	CHECK_STATE(x[0], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	CHECK_STATE(x[1], SYSMEM_STATE_FAILED, SYSMEM_FAIL_NOT_CHOSEN);
	CHECK_STATE(y[0], SYSMEM_STATE_FAILED, SYSMEM_FAIL_NOT_CHOSEN);
	CHECK_STATE(y[1], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, sysmem_get_result(a, NULL, fds, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	close_fds(fds, nfds);
	close(x[1]);
	close(y[0]);
	leave(x[0]);
	leave(y[1]);
	leave(g1);
	leave(g2);
	leave(a);
}

/* A child no heap can serve: the next child is tried. */
TEST_F(node, group_heap_conflict_moves_to_next_child)
{
	static const struct sysmem_heap_name sys[1] = { { "system" } };
	struct sysmem_buffer_settings s;
	struct sysmem_buffer_constraints c;
	int a, g, kids[2], k0, k1, sub, csub, fds[4];
	unsigned int count = 0, nfds = 0;

	ASSERT_EQ(0, make_group(self->dev, &a, &g, kids, 2));
	/* Child 0: contiguous, but only from "system", which is not. */
	sub = sysmem_duplicate(kids[0], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, sub);
	c = cons(1, 4096, 0);
	c.flags |= SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS |
		   SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.heap_count = 1;
	c.heaps = (__u64)(uintptr_t)sys;
	k0 = bind_cons(self->dev, kids[0], &c);
	ASSERT_LE(0, k0);
	c = cons(1, 4096, 0);
	csub = bind_cons(self->dev, sub, &c);
	ASSERT_LE(0, csub);
	c = cons(1, 4096, 0);
	k1 = bind_cons(self->dev, kids[1], &c);
	ASSERT_LE(0, k1);
	ASSERT_EQ(0, sysmem_group_all_children_present(g));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	/* Child 0's whole subtree is not chosen. */
	CHECK_STATE(k0, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NOT_CHOSEN);
	CHECK_STATE(csub, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NOT_CHOSEN);
	CHECK_STATE(k1, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, sysmem_get_result(k1, &s, fds, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	EXPECT_STREQ("system", s.heap);
	EXPECT_EQ(0, s.flags & SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS);
	close_fds(fds, nfds);
	close(k0);
	close(csub);
	leave(k1);
	leave(g);
	leave(a);
}

/*
 * @nr groups of 2 children each; in the first group child 0 cannot take
 * a page, every other child can.  The first combination that works is
 * (1, 0, 0, ...), number 2^(nr - 1) + 1.
 */
static void groups_limit(struct __test_metadata *_metadata, int dev,
			 unsigned int nr, __u32 want_state, __u32 want_reason)
{
	struct sysmem_buffer_constraints c;
	int root, a, g[8], t[8][2], k[8][2];
	__u32 masks[2] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_SAME };
	unsigned int i, j;

	root = sysmem_alloc_token(dev);
	ASSERT_LE(0, root);
	for (i = 0; i < nr; i++) {
		g[i] = sysmem_create_group(root);
		ASSERT_LE(0, g[i]);
		ASSERT_EQ(0, sysmem_group_create_children(g[i], masks, t[i],
							  2));
	}
	a = sysmem_bind(dev, root);
	ASSERT_LE(0, a);
	close(root);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, 4096));
	for (i = 0; i < nr; i++) {
		for (j = 0; j < 2; j++) {
			c = cons(0, 100, i == 0 && j == 0 ? 2048 : 0);
			k[i][j] = bind_cons(dev, t[i][j], &c);
			ASSERT_LE(0, k[i][j]);
		}
		ASSERT_EQ(0, sysmem_group_all_children_present(g[i]));
	}
	CHECK_STATE(a, want_state, want_reason);
	if (want_state == SYSMEM_STATE_ALLOCATED) {
		CHECK_STATE(k[0][0], SYSMEM_STATE_FAILED,
			    SYSMEM_FAIL_NOT_CHOSEN);
		CHECK_STATE(k[0][1], SYSMEM_STATE_ALLOCATED,
			    SYSMEM_FAIL_NONE);
		for (i = 1; i < nr; i++) {
			CHECK_STATE(k[i][0], SYSMEM_STATE_ALLOCATED,
				    SYSMEM_FAIL_NONE);
			CHECK_STATE(k[i][1], SYSMEM_STATE_FAILED,
				    SYSMEM_FAIL_NOT_CHOSEN);
		}
	} else {
		CHECK_STATE(k[nr - 1][1], want_state, want_reason);
	}
	for (i = 0; i < nr; i++) {
		leave(k[i][0]);
		leave(k[i][1]);
		leave(g[i]);
	}
	leave(a);
}

/* 7 groups: the working combination is the 65th; sysmem gives up. */
TEST_F(node, group_combination_limit)
{
	groups_limit(_metadata, self->dev, 7, SYSMEM_STATE_FAILED,
		     SYSMEM_FAIL_TOO_MANY_GROUPS);
}

/* 6 groups: the working combination is the 33rd; it is found. */
TEST_F(node, group_combination_within_limit)
{
	groups_limit(_metadata, self->dev, 6, SYSMEM_STATE_ALLOCATED,
		     SYSMEM_FAIL_NONE);
}

/* Every one of exactly 64 combinations fails: the first one's reason. */
TEST_F(node, group_all_64_fail_with_first_reason)
{
	struct sysmem_buffer_constraints c;
	int root, a, g[6], t[6][2], k[6][2];
	__u32 masks[2] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_SAME };
	unsigned int i, j;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	for (i = 0; i < 6; i++) {
		g[i] = sysmem_create_group(root);
		ASSERT_LE(0, g[i]);
		ASSERT_EQ(0, sysmem_group_create_children(g[i], masks, t[i],
							  2));
	}
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, 4096));
	for (i = 0; i < 6; i++) {
		for (j = 0; j < 2; j++) {
			/* Group 0 can never take a page. */
			c = cons(0, 100, i == 0 ? 2048 : 0);
			k[i][j] = bind_cons(self->dev, t[i][j], &c);
			ASSERT_LE(0, k[i][j]);
		}
		ASSERT_EQ(0, sysmem_group_all_children_present(g[i]));
	}
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	for (i = 0; i < 6; i++) {
		close(k[i][0]);
		close(k[i][1]);
		close(g[i]);
	}
	close(a);
}

/* A real allocation failure is not retried with the next child. */
TEST_F(node, group_no_retry_after_allocation_failure)
{
	const char *param = "/sys/module/sysmem/parameters/heap_max_bytes";
	struct sysmem_buffer_constraints c;
	int a, g, kids[2], k0, k1, fd;
	char old[256] = "", cap[64];
	ssize_t n;

	fd = open(param, O_RDWR | O_CLOEXEC);
	if (fd < 0 || !self->have_debugfs)
		SKIP(return, "no heap_max_bytes or debugfs");
	n = read(fd, old, sizeof(old) - 1);
	ASSERT_LE(0, n);
	if (n < 0)
		n = 0;
	old[n] = '\0';
	if (!n || old[n - 1] != '\n')
		strcat(old, "\n");	/* "\n" alone removes every cap */
	/* Room for 16 more pages, not for 1 MiB. */
	snprintf(cap, sizeof(cap), "system=%llu",
		 (unsigned long long)(self->bytes0 + 16 * page_size()));
	ASSERT_LT(0, pwrite(fd, cap, strlen(cap), 0));

	ASSERT_EQ(0, make_group(self->dev, &a, &g, kids, 2));
	c = cons(1, 1 << 20, 0);	/* negotiates, cannot be allocated */
	k0 = bind_cons(self->dev, kids[0], &c);
	c = cons(1, 4096, 0);		/* would fit */
	k1 = bind_cons(self->dev, kids[1], &c);
	ASSERT_LE(0, k0);
	ASSERT_LE(0, k1);
	ASSERT_EQ(0, sysmem_group_all_children_present(g));
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_MEMORY);
	CHECK_STATE(k1, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_MEMORY);

	ASSERT_LT(0, pwrite(fd, old, strlen(old), 0));
	close(fd);
	close(k0);
	close(k1);
	close(g);
	close(a);
}

/* Released before declaring all children present: the domain fails. */
TEST_F(node, group_release_before_all_present_fails)
{
	int a, g, kids[2];

	ASSERT_EQ(0, make_group(self->dev, &a, &g, kids, 2));
	ASSERT_EQ(0, sysmem_release(g));
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_EQ(POLLERR, revents(kids[0]) & (POLLIN | POLLERR));
	close(g);
	close(kids[0]);
	close(kids[1]);
	close(a);
}

TEST_F(node, group_rules)
{
	int root, g, g2, t, a;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	g = sysmem_create_group(root);
	ASSERT_LE(0, g);
	EXPECT_TRUE(fcntl(g, F_GETFD) & FD_CLOEXEC);
	/* No child yet. */
	EXPECT_EQ(-EINVAL, sysmem_group_all_children_present(g));
	EXPECT_EQ(-EINVAL, sysmem_group_create_child(g, 0));
	t = sysmem_group_create_child(g, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, t);
	ASSERT_EQ(0, sysmem_group_all_children_present(g));
	EXPECT_EQ(-EALREADY, sysmem_group_all_children_present(g));
	EXPECT_EQ(-EALREADY, sysmem_group_create_child(g, SYSMEM_RIGHTS_SAME));
	/* Kinds: groups are neither tokens nor collections. */
	EXPECT_EQ(-EINVAL, sysmem_bind(self->dev, g));
	EXPECT_EQ(-ENOTTY, sysmem_duplicate(g, SYSMEM_RIGHTS_SAME));
	EXPECT_EQ(-ENOTTY, sysmem_create_group(g));
	EXPECT_EQ(-ENOTTY, sysmem_group_all_children_present(root));
	/* Groups nest: a group under a group's child. */
	g2 = sysmem_create_group(t);
	ASSERT_LE(0, g2);
	leave(g2);	/* no child: the collection fails */
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	close(g2);
	close(t);
	close(g);
	close(root);
	close(a);
}

/* Node refs and "is alternate for". */
TEST_F(node, group_is_alternate_for)
{
	int root, g, kids[2], c0a, g2, d[2], other, a, r[6], cb;
	__u32 masks[2] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_SAME };

	/* root ── g ─┬─ c0 ─┬─ c0a
	 *            │      └─ g2 ─┬─ d0
	 *            │             └─ d1
	 *            └─ c1
	 */
	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	g = sysmem_create_group(root);
	ASSERT_LE(0, g);
	ASSERT_EQ(0, sysmem_group_create_children(g, masks, kids, 2));
	c0a = sysmem_duplicate(kids[0], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, c0a);
	g2 = sysmem_create_group(kids[0]);
	ASSERT_LE(0, g2);
	ASSERT_EQ(0, sysmem_group_create_children(g2, masks, d, 2));

	r[0] = sysmem_get_node_ref(kids[0]);
	r[1] = sysmem_get_node_ref(kids[1]);
	r[2] = sysmem_get_node_ref(c0a);
	r[3] = sysmem_get_node_ref(d[1]);
	r[4] = sysmem_get_node_ref(root);
	r[5] = sysmem_get_node_ref(g);
	for (a = 0; a < 6; a++) {
		ASSERT_LE(0, r[a]);
		EXPECT_TRUE(fcntl(r[a], F_GETFD) & FD_CLOEXEC);
	}
	EXPECT_EQ(1, sysmem_is_alternate_for(kids[0], r[1]));
	EXPECT_EQ(1, sysmem_is_alternate_for(kids[1], r[0]));
	EXPECT_EQ(1, sysmem_is_alternate_for(c0a, r[1]));
	EXPECT_EQ(1, sysmem_is_alternate_for(d[0], r[3]));
	EXPECT_EQ(1, sysmem_is_alternate_for(d[0], r[1]));
	/* Same child of g: c0a and d1 meet at c0, not at a group. */
	EXPECT_EQ(0, sysmem_is_alternate_for(c0a, r[3]));
	/* Ancestors, the node itself, the group itself. */
	EXPECT_EQ(0, sysmem_is_alternate_for(kids[0], r[2]));
	EXPECT_EQ(0, sysmem_is_alternate_for(c0a, r[0]));
	EXPECT_EQ(0, sysmem_is_alternate_for(kids[0], r[0]));
	EXPECT_EQ(0, sysmem_is_alternate_for(kids[1], r[4]));
	EXPECT_EQ(0, sysmem_is_alternate_for(kids[1], r[5]));
	EXPECT_EQ(1, sysmem_is_alternate_for(g2, r[1]));

	/* A ref keeps naming the node through bind. */
	cb = sysmem_bind(self->dev, kids[1]);
	ASSERT_LE(0, cb);
	EXPECT_EQ(1, sysmem_is_alternate_for(kids[0], r[1]));
	EXPECT_EQ(1, sysmem_is_alternate_for(cb, r[0]));
	EXPECT_EQ(-ESTALE, sysmem_is_alternate_for(kids[1], r[0]));

	/* Not a ref; a ref of another collection; a node that is gone. */
	EXPECT_EQ(-EINVAL, sysmem_is_alternate_for(kids[0], kids[1]));
	EXPECT_EQ(-EBADF, sysmem_is_alternate_for(kids[0], 1000));
	other = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, other);
	EXPECT_EQ(-ENOENT, sysmem_is_alternate_for(other, r[0]));
	ASSERT_EQ(0, sysmem_release(c0a));
	close(c0a);
	EXPECT_EQ(-ENOENT, sysmem_is_alternate_for(kids[0], r[2]));
	/* Refs grant nothing: no node ioctl works on them. */
	EXPECT_EQ(-ENOTTY, sysmem_release(r[0]));

	close_fds(r, 6);
	leave(other);
	/* Tear down without failing anything. */
	ASSERT_EQ(0, sysmem_group_all_children_present(g2));
	ASSERT_EQ(0, sysmem_group_all_children_present(g));
	leave(d[0]);
	leave(d[1]);
	leave(g2);
	leave(g);
	leave(kids[0]);
	leave(cb);
	close(kids[1]);
	leave(root);
}

TEST_HARNESS_MAIN
