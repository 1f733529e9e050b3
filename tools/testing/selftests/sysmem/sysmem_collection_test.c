// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem core negotiation flow: tokens, duplicates, bind, constraints,
 * aggregation, allocation, results, failure and memory accounting.
 *
 * Runs as root with sysmem.ko loaded (the VM runner's init).  Only the
 * parts that need a facility the kernel may lack (dma-heaps, udmabuf,
 * debugfs) are skipped when it is absent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>
#include <linux/udmabuf.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define DMA_HEAP_PATH	"/dev/dma_heap/system"
#define UDMABUF_PATH	"/dev/udmabuf"

static __u64 page_round(__u64 n)
{
	__u64 p = page_size();

	return (n + p - 1) / p * p;
}

static __s64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int set_cons(int coll, __u64 usage, __u32 camping, __u64 min_size)
{
	struct sysmem_buffer_constraints c;

	cons_init(&c, usage, camping, min_size);
	return sysmem_set_constraints(coll, &c);
}

/* The events poll() reports right now (0 when none), or -errno. */
static int revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	ret = poll(&p, 1, 0);
	if (ret < 0)
		return -errno;
	return ret ? p.revents : 0;
}

static int fd_valid(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/*
 * A shared collection with @n bound participants: one root token, n - 1
 * duplicates, each bound.  colls[] receives the collection fds.
 */
static int make_shared(int dev, int *colls, int n)
{
	int toks[16], i;

	if (n < 1 || n > 16)
		return -EINVAL;
	toks[0] = sysmem_alloc_token(dev);
	if (toks[0] < 0)
		return toks[0];
	for (i = 1; i < n; i++) {
		toks[i] = sysmem_duplicate(toks[0], SYSMEM_RIGHTS_SAME);
		if (toks[i] < 0)
			return toks[i];
	}
	for (i = 0; i < n; i++) {
		colls[i] = sysmem_bind(dev, toks[i]);
		close(toks[i]);
		if (colls[i] < 0)
			return colls[i];
	}
	return 0;
}

/* Release and close a node; closing alone would fail its collection. */
/* Reorder @fds so that fds[i] is buffer i of collection @id. */
static int order_by_index(int dev, int *fds, unsigned int n, __u64 id)
{
	int tmp[SYSMEM_MAX_BUFFERS];
	unsigned int i;
	__u64 bid;
	__u32 idx;

	if (n > SYSMEM_MAX_BUFFERS)
		return -E2BIG;
	for (i = 0; i < n; i++)
		tmp[i] = -1;
	for (i = 0; i < n; i++) {
		int ret = sysmem_buffer_info(dev, fds[i], &bid, &idx);

		if (ret)
			return ret;
		if (bid != id || idx >= n || tmp[idx] != -1)
			return -EBADMSG;
		tmp[idx] = fds[i];
	}
	memcpy(fds, tmp, n * sizeof(*fds));
	return 0;
}

/* Offset of the first non-zero byte, or -1 when all are zero. */
static long first_nonzero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return (long)i;
	return -1;
}

/* The dma-buf name of @fd as /proc shows it, "/dmabuf:<name>". */
static int fd_link(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

FIXTURE(sm) {
	int dev;
};

FIXTURE_SETUP(sm)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev)
		TH_LOG("open %s: %s", SYSMEM_DEV_PATH, strerror(-self->dev));
}

FIXTURE_TEARDOWN(sm)
{
	close(self->dev);
}

/* One participant, no token stage: from creation to mapped buffers. */
TEST_F(sm, nonshared_end_to_end)
{
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0, i;
	int coll, fds[4], fds2[4];
	__u64 id = 0;
	void *p, *q;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	EXPECT_TRUE(fcntl(coll, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	EXPECT_NE(0, id);
	ASSERT_EQ(0, sysmem_set_debug_info(coll, "nonshared", getpid()));

	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(0, revents(coll));
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(coll, 0));
	EXPECT_EQ(-EAGAIN, sysmem_get_result(coll, &s, fds, 4, &count, &nfds));

	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 2, 10000));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_EQ(POLLIN, revents(coll) & (POLLIN | POLLERR));
	EXPECT_EQ(0, sysmem_wait(coll, 0));

	memset(&s, 0xa5, sizeof(s));
	for (i = 0; i < 4; i++) {
		fds[i] = -1;
		fds2[i] = -1;
	}
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	ASSERT_EQ(2, nfds);
	EXPECT_EQ(10000, s.size_bytes);
	EXPECT_EQ(2, s.buffer_count);
	EXPECT_EQ(SYSMEM_DOMAIN_CPU, s.coherency_domain);
	EXPECT_EQ(0, s.flags);
	EXPECT_EQ(0, s.reserved);
	EXPECT_EQ(USAGE_RW, s.usage);
	EXPECT_STREQ("system", s.heap);
	ASSERT_EQ(0, order_by_index(self->dev, fds, 2, id));

	for (i = 0; i < 2; i++) {
		ASSERT_LE(0, fds[i]);
		EXPECT_TRUE(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		EXPECT_EQ(O_RDWR, fcntl(fds[i], F_GETFL) & O_ACCMODE);
		EXPECT_EQ((off_t)page_round(10000), lseek(fds[i], 0, SEEK_END));
		p = mmap(NULL, 10000, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[i], 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(-1, first_nonzero(p, 10000));
		memset(p, 0x11 * (i + 1), 10000);
		munmap(p, 10000);
	}

	/* A second call installs a new set of fds for the same buffers. */
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds2, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	ASSERT_EQ(2, nfds);
	ASSERT_EQ(0, order_by_index(self->dev, fds2, 2, id));
	for (i = 0; i < 2; i++) {
		EXPECT_NE(fds[i], fds2[i]);
		EXPECT_NE(fds[i ^ 1], fds2[i]);
		EXPECT_TRUE(fcntl(fds2[i], F_GETFD) & FD_CLOEXEC);
		q = mmap(NULL, 10000, PROT_READ, MAP_SHARED, fds2[i], 0);
		ASSERT_NE(MAP_FAILED, q);
		EXPECT_EQ(0x11 * (i + 1), ((unsigned char *)q)[0]);
		EXPECT_EQ(0x11 * (i + 1), ((unsigned char *)q)[9999]);
		munmap(q, 10000);
	}

	EXPECT_EQ(0, sysmem_release(coll));
	close(coll);
	close_fds(fds, 2);
	close_fds(fds2, 2);
}

/* What each participant process reports back to the test. */
struct report {
	int step;		/* 0 when everything worked */
	int err;		/* -errno of the failing step */
	__u64 id;		/* from SYSMEM_IOC_NODE_GET_COLLECTION_ID */
	__u64 buffer_id;	/* from buffer_info of its first buffer */
	struct sysmem_buffer_settings s;
	__u32 count;
	__u32 nfds;
	__u32 accmode;
	__u32 indices;		/* bit i: got buffer index i */
};

/*
 * A participant in its own process: receive a token on @sock, bind it,
 * set constraints, wait, get the buffers, write a marker into buffer 0
 * at offset 64 * @idx, report, leave cleanly.
 */
static void participant(int sock, int idx, __u64 usage, __u32 camping,
			__u32 min_count, __u64 min_size)
{
	struct sysmem_buffer_constraints c;
	int dev, tok, coll, fds[SYSMEM_MAX_BUFFERS];
	struct report r;
	unsigned int i;
	__u32 index;
	__u64 bid;
	char *p;

	memset(&r, 0, sizeof(r));
#define STEP(n, expr) do { \
	int __ret = (expr); \
	if (__ret < 0) { \
		r.step = (n); \
		r.err = __ret; \
		goto out; \
	} \
} while (0)
	dev = sysmem_open();
	STEP(1, dev);
	tok = sysmem_recv_token(sock);
	STEP(2, tok);
	coll = sysmem_bind(dev, tok);
	close(tok);
	STEP(3, coll);
	STEP(4, sysmem_set_debug_info(coll, "participant", idx));
	STEP(5, sysmem_get_collection_id(coll, &r.id));
	cons_init(&c, usage, camping, min_size);
	c.min_buffer_count = min_count;
	STEP(6, sysmem_set_constraints(coll, &c));
	STEP(7, sysmem_wait(coll, WAIT_NS));
	STEP(8, sysmem_get_result(coll, &r.s, fds, SYSMEM_MAX_BUFFERS,
				  &r.count, &r.nfds));
	for (i = 0; i < r.nfds; i++) {
		STEP(9, sysmem_buffer_info(dev, fds[i], &bid, &index));
		if (i == 0)
			r.buffer_id = bid;
		if (index < 32)
			r.indices |= 1U << index;
		if (index == 0 && (usage & SYSMEM_USAGE_CPU_WRITE)) {
			p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
				 MAP_SHARED, fds[i], 0);
			STEP(10, p == MAP_FAILED ? -errno : 0);
			p[64 * idx] = 0x40 + idx;
			munmap(p, page_size());
		}
	}
	if (r.nfds)
		r.accmode = fcntl(fds[0], F_GETFL) & O_ACCMODE;
	close_fds(fds, r.nfds);
	STEP(11, sysmem_release(coll));
	close(coll);
	close(dev);
out:
#undef STEP
	if (write(sock, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	_exit(0);
}

static pid_t spawn_participant(int *sock, int idx, __u64 usage,
			       __u32 camping, __u32 min_count, __u64 min_size)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(sv[0]);
		participant(sv[1], idx, usage, camping, min_count, min_size);
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

FIXTURE(three) {
	int dev;
};

FIXTURE_VARIANT(three) {
	__u32 camping[3];
	__u32 min_count[3];
	__u32 expected;
};

/* Camping 3 + 3 (+ 0) gives 6. */
FIXTURE_VARIANT_ADD(three, camping) {
	.camping = { 3, 3, 0 },
	.min_count = { 0, 0, 0 },
	.expected = 6,
};

/* A min_buffer_count above the camping sum raises the total. */
FIXTURE_VARIANT_ADD(three, min_count) {
	.camping = { 3, 3, 0 },
	.min_count = { 0, 0, 10 },
	.expected = 10,
};

FIXTURE_SETUP(three)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(three)
{
	close(self->dev);
}

/* Three participants in three processes, tokens passed over sockets. */
TEST_F_TIMEOUT(three, processes, 120)
{
	static const __u64 usages[3] = {
		SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE,
		SYSMEM_USAGE_CPU_WRITE,
		SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE_OFTEN,
	};
	static const __u64 sizes[3] = { 4096, 10000, 6000 };
	int root, coll, tok[3], sock[3], status, fds[SYSMEM_MAX_BUFFERS];
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0;
	struct report r[3];
	pid_t pid[3];
	__u64 id = 0;
	ssize_t n;
	char *p;
	int i;

	for (i = 1; i < 3; i++) {
		pid[i] = spawn_participant(&sock[i], i, usages[i],
					   variant->camping[i],
					   variant->min_count[i], sizes[i]);
		ASSERT_LT(0, pid[i]);
	}

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	for (i = 1; i < 3; i++) {
		tok[i] = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
		ASSERT_LE(0, tok[i]);
		ASSERT_EQ(0, sysmem_send_token(sock[i], tok[i]));
		/* The message in flight holds its own reference. */
		close(tok[i]);
	}
	coll = sysmem_bind(self->dev, root);
	ASSERT_LE(0, coll);
	close(root);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	EXPECT_NE(0, id);

	cons_init(&c, usages[0], variant->camping[0], sizes[0]);
	c.min_buffer_count = variant->min_count[0];
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, SYSMEM_MAX_BUFFERS,
				       &count, &nfds));
	EXPECT_EQ(variant->expected, count);
	ASSERT_EQ(variant->expected, nfds);
	EXPECT_EQ(variant->expected, s.buffer_count);
	EXPECT_EQ(10000, s.size_bytes);
	EXPECT_EQ(SYSMEM_DOMAIN_CPU, s.coherency_domain);
	EXPECT_EQ(usages[0] | usages[1] | usages[2], s.usage);
	EXPECT_STREQ("system", s.heap);
	ASSERT_EQ(0, order_by_index(self->dev, fds, nfds, id));

	for (i = 1; i < 3; i++) {
		n = recv(sock[i], &r[i], sizeof(r[i]), MSG_WAITALL);
		ASSERT_EQ(sizeof(r[i]), n);
		EXPECT_EQ(0, r[i].step) TH_LOG("participant %d: step %d: %s",
					       i, r[i].step,
					       strerror(-r[i].err));
		EXPECT_EQ(id, r[i].id);
		EXPECT_EQ(id, r[i].buffer_id);
		EXPECT_EQ(count, r[i].count);
		EXPECT_EQ(count, r[i].nfds);
		EXPECT_EQ((1U << count) - 1, r[i].indices);
		EXPECT_EQ(O_RDWR, r[i].accmode);
		EXPECT_EQ(s.size_bytes, r[i].s.size_bytes);
		EXPECT_EQ(s.buffer_count, r[i].s.buffer_count);
		EXPECT_EQ(s.coherency_domain, r[i].s.coherency_domain);
		EXPECT_EQ(s.flags, r[i].s.flags);
		EXPECT_EQ(s.usage, r[i].s.usage);
		EXPECT_STREQ(s.heap, r[i].s.heap);
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
		close(sock[i]);
	}

	/* Participant 1 wrote its marker through its own fds of buffer 0. */
	p = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fds[0], 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0x41, p[64]);
	EXPECT_EQ(0, p[128]);	/* participant 2 has no CPU_WRITE bit */
	munmap(p, page_size());

	/* The others left cleanly: this collection is still fine. */
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	close_fds(fds, nfds);
	leave(coll);
}

/* A released collection keeps the constraints it set. */
TEST_F(sm, constraints_retained_after_release)
{
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0;
	int c[2], fds[8];

	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 2, 8192));
	ASSERT_EQ(0, sysmem_release(c[0]));
	close(c[0]);
	CHECK_STATE(c[1], SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	ASSERT_EQ(0, set_cons(c[1], SYSMEM_USAGE_CPU_READ, 3, 4096));
	ASSERT_EQ(0, sysmem_wait(c[1], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c[1], &s, fds, 8, &count, &nfds));
	EXPECT_EQ(5, count);
	EXPECT_EQ(5, nfds);
	EXPECT_EQ(8192, s.size_bytes);
	EXPECT_EQ(USAGE_RW, s.usage);
	close_fds(fds, nfds);
	leave(c[1]);
}

/* A token released without bind takes no part in the negotiation. */
TEST_F(sm, released_token_contributes_nothing)
{
	unsigned int count = 0, nfds = 0;
	int root, t2, t3, a, fds[8];

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t2 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	t3 = sysmem_duplicate(t2, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t3);
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 2, 4096));

	/* t2 and t3 are still outstanding tokens. */
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(a, 0));
	ASSERT_EQ(0, sysmem_release(t2));
	close(t2);
	CHECK_STATE(a, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, sysmem_release(t3));
	close(t3);

	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(a, NULL, fds, 8, &count, &nfds));
	EXPECT_EQ(2, count);
	close_fds(fds, nfds);
	leave(a);
}

/* A NONE participant contributes constraints but gets no fds. */
TEST_F(sm, none_usage_gets_no_fds)
{
	struct sysmem_buffer_settings sa, sb;
	unsigned int count = 0, nfds = 0;
	int c[2], fds[8], i;

	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, set_cons(c[0], SYSMEM_USAGE_CPU_WRITE, 1, 4096));
	ASSERT_EQ(0, set_cons(c[1], SYSMEM_USAGE_NONE, 1, 8192));
	ASSERT_EQ(0, sysmem_wait(c[1], WAIT_NS));

	ASSERT_EQ(0, sysmem_get_result(c[0], &sa, fds, 8, &count, &nfds));
	EXPECT_EQ(2, count);
	EXPECT_EQ(2, nfds);
	close_fds(fds, nfds);
	EXPECT_EQ(8192, sa.size_bytes);
	EXPECT_EQ(SYSMEM_USAGE_CPU_WRITE,
		  sa.usage & ~(__u64)SYSMEM_USAGE_NONE);

	count = 99;
	nfds = 99;
	ASSERT_EQ(0, sysmem_get_result(c[1], &sb, NULL, 0, &count, &nfds));
	EXPECT_EQ(2, count);
	EXPECT_EQ(0, nfds);
	EXPECT_EQ(sa.size_bytes, sb.size_bytes);
	EXPECT_EQ(sa.buffer_count, sb.buffer_count);
	EXPECT_EQ(sa.coherency_domain, sb.coherency_domain);
	EXPECT_EQ(sa.usage, sb.usage);
	EXPECT_STREQ(sa.heap, sb.heap);

	/* Room for fds changes nothing: still none installed. */
	for (i = 0; i < 8; i++)
		fds[i] = -1;
	i = next_fd();
	ASSERT_EQ(0, sysmem_get_result(c[1], NULL, fds, 8, &count, &nfds));
	EXPECT_EQ(2, count);
	EXPECT_EQ(0, nfds);
	EXPECT_EQ(i, next_fd());

	leave(c[0]);
	leave(c[1]);
}

TEST_F(sm, none_usage_not_alone_einval)
{
	int coll;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	EXPECT_EQ(-EINVAL, set_cons(coll, SYSMEM_USAGE_NONE |
				    SYSMEM_USAGE_CPU_READ, 1, 4096));
	EXPECT_EQ(-EINVAL, set_cons(coll, SYSMEM_USAGE_NONE |
				    SYSMEM_USAGE_VIDEO_DECODER, 1, 4096));
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(0, set_cons(coll, SYSMEM_USAGE_CPU_READ, 1, 4096));
	EXPECT_EQ(0, sysmem_wait(coll, WAIT_NS));
	leave(coll);
}

/* The aggregate needs a usage besides NONE. */
TEST_F(sm, none_usage_everywhere_fails)
{
	unsigned int count, nfds;
	int c[2], coll, i;

	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, set_cons(c[0], SYSMEM_USAGE_NONE, 1, 4096));
	ASSERT_EQ(0, set_cons(c[1], SYSMEM_USAGE_NONE, 1, 4096));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-EIO, sysmem_wait(c[i], WAIT_NS));
		CHECK_STATE(c[i], SYSMEM_STATE_FAILED,
			    SYSMEM_FAIL_CONSTRAINTS);
		EXPECT_TRUE(revents(c[i]) & POLLERR);
		EXPECT_EQ(-EIO, sysmem_get_result(c[i], NULL, NULL, 0,
						  &count, &nfds));
		leave(c[i]);
	}

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, set_cons(coll, SYSMEM_USAGE_NONE, 1, 4096));
	EXPECT_EQ(-EIO, sysmem_wait(coll, WAIT_NS));
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	leave(coll);
}

TEST_F(sm, cpu_usage_inaccessible_domain_einval)
{
	struct sysmem_buffer_constraints c;
	int coll;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 1, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
	c.coherency_domains = SYSMEM_DOMAIN_INACCESSIBLE;
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(coll, &c));
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	/* The RAM domain is enough for CPU usage. */
	c.coherency_domains = SYSMEM_DOMAIN_INACCESSIBLE | SYSMEM_DOMAIN_RAM;
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	EXPECT_EQ(0, sysmem_wait(coll, WAIT_NS));
	leave(coll);
}

TEST_F(sm, max_buffer_count_zero_einval)
{
	struct sysmem_buffer_constraints c;
	unsigned int count = 0, nfds = 0;
	int coll, fds[4];

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 1, 4096);
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	c.max_buffer_count = 0;
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(coll, &c));
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	c.max_buffer_count = 1;
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 4, &count, &nfds));
	EXPECT_EQ(1, count);
	close_fds(fds, nfds);
	leave(coll);
}

/*
 * The @i-th invalid variant of otherwise valid constraints; NULL past the
 * last one.
 */
static const char *make_invalid(int i, struct sysmem_buffer_constraints *c,
				struct sysmem_heap_name *heaps)
{
	cons_init(c, USAGE_RW, 1, 4096);
	switch (i) {
	case 0:
		c->usage = 0;
		return "usage 0";
	case 1:
		c->usage = SYSMEM_USAGE_NONE | SYSMEM_USAGE_CPU_READ;
		return "usage NONE|CPU_READ";
	case 2:
		c->usage |= 1ULL << 40;
		return "unknown usage bit";
	case 3:
		c->flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
		c->max_buffer_count = 0;
		return "max_buffer_count 0";
	case 4:
		c->flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
		c->coherency_domains = SYSMEM_DOMAIN_INACCESSIBLE;
		return "CPU usage, inaccessible domain only";
	case 5:
		c->flags = SYSMEM_CONSTRAINTS_SECURE;
		return "CPU usage with SECURE";
	case 6:
		c->flags = 1U << 7;
		return "unknown flag bit 7";
	case 7:
		c->flags = 1U << 31;
		return "unknown flag bit 31";
	case 8:
		c->reserved = 1;
		return "reserved != 0";
	case 9:
		c->image_format_count = SYSMEM_MAX_IMAGE_FORMATS + 1;
		return "image_format_count above SYSMEM_MAX_IMAGE_FORMATS";
	case 10:
		c->flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c->heap_count = 0;
		c->heaps = (uintptr_t)heaps;
		return "permitted heaps, heap_count 0";
	case 11:
		c->flags = SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
		c->min_size_bytes = 8192;
		c->max_size_bytes = 8191;
		return "min_size > max_size";
	case 12:
		c->flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c->heap_count = SYSMEM_MAX_HEAPS + 1;
		c->heaps = (uintptr_t)heaps;
		return "heap_count above SYSMEM_MAX_HEAPS";
	case 13:
		c->flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c->heap_count = 1;
		c->heaps = (uintptr_t)&heaps[SYSMEM_MAX_HEAPS + 1];
		return "heap name without NUL";
	case 14:
		c->flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
		c->coherency_domains = SYSMEM_DOMAIN_CPU | (1U << 3);
		return "unknown coherency domain bit";
	case 15:
		c->flags = SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
		c->coherency_domains = 0;
		return "no coherency domain";
	case 16:
		c->usage = SYSMEM_USAGE_CPU_READ;
		c->flags = SYSMEM_CONSTRAINTS_SECURE;
		return "CPU_READ with SECURE";
	default:
		return NULL;
	}
}

/* Every invalid set: -EINVAL and nothing set; then a valid one works. */
TEST_F(sm, invalid_constraints_set_nothing)
{
	struct sysmem_heap_name heaps[SYSMEM_MAX_HEAPS + 2];
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	unsigned int count = 0, nfds = 0;
	int coll[2], fds[8], i;
	const char *what;

	memset(heaps, 0, sizeof(heaps));
	for (i = 0; i <= SYSMEM_MAX_HEAPS; i++)
		strcpy(heaps[i].name, "system");
	memset(heaps[SYSMEM_MAX_HEAPS + 1].name, 'x',
	       sizeof(heaps[0].name));

	ASSERT_EQ(0, make_shared(self->dev, coll, 2));
	for (i = 0; (what = make_invalid(i, &c, heaps)); i++) {
		EXPECT_EQ(-EINVAL, sysmem_set_constraints(coll[0], &c))
			TH_LOG("invalid constraints accepted: %s", what);
		CHECK_STATE(coll[0], SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	}
	/* Invalid input fails nothing: the other participant is fine. */
	CHECK_STATE(coll[1], SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(0, revents(coll[1]));

	/* Every optional field present and satisfiable. */
	cons_init(&c, USAGE_RW, 2, 5000);
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT |
		  SYSMEM_CONSTRAINTS_HAS_MAX_SIZE |
		  SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS |
		  SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.max_buffer_count = 4;
	c.max_size_bytes = 8192;
	c.coherency_domains = SYSMEM_DOMAIN_CPU | SYSMEM_DOMAIN_RAM;
	c.heap_count = 1;
	c.heaps = (uintptr_t)heaps;
	ASSERT_EQ(0, sysmem_set_constraints(coll[0], &c));
	EXPECT_EQ(-EALREADY, sysmem_set_constraints(coll[0], &c));
	CHECK_STATE(coll[0], SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	ASSERT_EQ(0, set_cons(coll[1], SYSMEM_USAGE_CPU_READ, 1, 6000));
	EXPECT_EQ(-EALREADY, set_cons(coll[1], SYSMEM_USAGE_CPU_READ, 1, 6000));
	ASSERT_EQ(0, sysmem_wait(coll[0], WAIT_NS));
	/* Setting again after allocation is still refused. */
	EXPECT_EQ(-EALREADY, sysmem_set_constraints(coll[0], &c));
	ASSERT_EQ(0, sysmem_get_result(coll[0], &s, fds, 8, &count, &nfds));
	EXPECT_EQ(3, count);
	EXPECT_EQ(6000, s.size_bytes);
	EXPECT_EQ(SYSMEM_DOMAIN_CPU, s.coherency_domain);
	EXPECT_STREQ("system", s.heap);
	close_fds(fds, nfds);
	leave(coll[0]);
	leave(coll[1]);
}

/* Constraints structure versioning: older shorter, newer longer. */
TEST_F(sm, constraints_struct_size)
{
	struct {
		struct sysmem_buffer_constraints c;
		__u64 tail[2];
	} big;
	unsigned int count = 0, nfds = 0;
	unsigned long cmd;
	int coll, fds[4];
	size_t old;

	/* An older caller that knew only the fields up to heaps. */
	old = offsetof(struct sysmem_buffer_constraints, image_formats);
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	cons_init(&big.c, USAGE_RW, 2, 4096);
	big.c.image_format_count = 1;	/* beyond the old size: unseen */
	cmd = _IOC(_IOC_WRITE, SYSMEM_IOC_MAGIC, 0x30, old);
	ASSERT_EQ(0, ioctl(coll, cmd, &big));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 4, &count, &nfds));
	EXPECT_EQ(2, count);
	close_fds(fds, nfds);
	leave(coll);

	/* A newer caller: an unknown non-zero tail is refused. */
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	cons_init(&big.c, USAGE_RW, 1, 4096);
	big.tail[0] = 0;
	big.tail[1] = 1;
	cmd = _IOC(_IOC_WRITE, SYSMEM_IOC_MAGIC, 0x30, sizeof(big));
	EXPECT_EQ(-1, ioctl(coll, cmd, &big));
	EXPECT_EQ(E2BIG, errno);
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	big.tail[1] = 0;
	ASSERT_EQ(0, ioctl(coll, cmd, &big));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	leave(coll);
}

/* Allocate a nonshared collection with the given counts; state after. */
static int nonshared_counts(int dev, __u32 camping, __u32 min_count,
			    __u64 min_size, __u32 *state, __u32 *reason)
{
	struct sysmem_buffer_constraints c;
	int coll, ret;

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		return coll;
	cons_init(&c, USAGE_RW, camping, min_size);
	c.min_buffer_count = min_count;
	ret = sysmem_set_constraints(coll, &c);
	if (!ret) {
		ret = sysmem_wait(coll, WAIT_NS);
		if (ret == -EIO)
			ret = 0;
	}
	if (!ret)
		ret = sysmem_check(coll, state, reason);
	leave(coll);
	return ret;
}

TEST_F(sm, buffer_count_limits)
{
	__u32 state, reason;
	int c[2];

	/* 129 buffers, by camping or by min count: too many. */
	ASSERT_EQ(0, nonshared_counts(self->dev, 129, 0, 4096, &state,
				      &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, reason);
	ASSERT_EQ(0, nonshared_counts(self->dev, 0, 129, 4096, &state,
				      &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, reason);

	/* No buffer at all: a count must be at least 1. */
	ASSERT_EQ(0, nonshared_counts(self->dev, 0, 0, 4096, &state,
				      &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, reason);

	/* A size of 0 bytes cannot be allocated. */
	ASSERT_EQ(0, nonshared_counts(self->dev, 1, 0, 0, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, reason);

	/* 64 + 65 camping across two participants. */
	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 64, 4096));
	ASSERT_EQ(0, set_cons(c[1], USAGE_RW, 65, 4096));
	EXPECT_EQ(-EIO, sysmem_wait(c[0], WAIT_NS));
	CHECK_STATE(c[0], SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	CHECK_STATE(c[1], SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	leave(c[0]);
	leave(c[1]);
}

/* One participant's max_buffer_count below the others' sum. */
TEST_F(sm, max_buffer_count_exceeded_fails)
{
	struct sysmem_buffer_constraints cons;
	unsigned int count = 0, nfds = 0;
	int c[2], fds[8];

	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	cons_init(&cons, USAGE_RW, 1, 4096);
	cons.flags = SYSMEM_CONSTRAINTS_HAS_MAX_BUFFER_COUNT;
	cons.max_buffer_count = 4;
	ASSERT_EQ(0, sysmem_set_constraints(c[0], &cons));
	ASSERT_EQ(0, set_cons(c[1], USAGE_RW, 4, 4096));
	EXPECT_EQ(-EIO, sysmem_wait(c[1], WAIT_NS));
	CHECK_STATE(c[0], SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	CHECK_STATE(c[1], SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	leave(c[0]);
	leave(c[1]);

	/* 1 + 3 = 4 fits exactly. */
	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, sysmem_set_constraints(c[0], &cons));
	ASSERT_EQ(0, set_cons(c[1], USAGE_RW, 3, 4096));
	ASSERT_EQ(0, sysmem_wait(c[1], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c[1], NULL, fds, 8, &count, &nfds));
	EXPECT_EQ(4, count);
	close_fds(fds, nfds);
	leave(c[0]);
	leave(c[1]);
}

TEST_F_TIMEOUT(sm, max_buffers_128, 120)
{
	unsigned int count = 0, nfds = 0, i;
	int coll, fds[SYSMEM_MAX_BUFFERS], before;
	__u64 id;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, SYSMEM_MAX_BUFFERS, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));

	/* One slot short: -ENOSPC and no fd installed. */
	before = next_fd();
	EXPECT_EQ(-ENOSPC, sysmem_get_result(coll, NULL, fds,
					     SYSMEM_MAX_BUFFERS - 1,
					     &count, &nfds));
	EXPECT_EQ(before, next_fd());

	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, SYSMEM_MAX_BUFFERS,
				       &count, &nfds));
	EXPECT_EQ(SYSMEM_MAX_BUFFERS, count);
	ASSERT_EQ(SYSMEM_MAX_BUFFERS, nfds);
	/* Distinct fds, one per index 0..127. */
	EXPECT_EQ(0, order_by_index(self->dev, fds, nfds, id));
	for (i = 0; i < nfds; i++) {
		EXPECT_EQ((off_t)page_size(), lseek(fds[i], 0, SEEK_END));
	}
	close_fds(fds, nfds);
	leave(coll);
}

/* SECURE is valid for non-CPU usage, but no heap provides it. */
TEST_F(sm, secure_fails_no_heap)
{
	struct sysmem_buffer_constraints c;
	int coll;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	cons_init(&c, SYSMEM_USAGE_VIDEO_DECODER, 1, 4096);
	c.flags = SYSMEM_CONSTRAINTS_SECURE;
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	EXPECT_EQ(-EIO, sysmem_wait(coll, WAIT_NS));
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_HEAP);
	EXPECT_TRUE(revents(coll) & POLLERR);
	leave(coll);
}

/*
 * mmap(PROT_WRITE) of a read-only buffer fd fails with EACCES and
 * PROT_READ works.  Returns 0, or 1000 * failed step + errno.
 */
static int check_read_only(int fd, size_t size, unsigned char expect)
{
	unsigned char *p;
	int ret = 0;

	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
		return 1000;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		munmap(p, size);
		return 2000;
	}
	if (errno != EACCES)
		return 3000 + errno;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 4000 + errno;
	if (p[0] != expect || p[size - 1] != expect)
		ret = 5000;
	munmap(p, size);
	return ret;
}

TEST_F(sm, rights_attenuation_read_only)
{
	static const __u64 usages[4] = {
		USAGE_RW,			/* rw token */
		USAGE_RW,			/* read-only token */
		SYSMEM_USAGE_CPU_WRITE_OFTEN,	/* read-only via SAME */
		SYSMEM_USAGE_CPU_READ,		/* rw token, read usage */
	};
	int tok[4], coll[4], fds[4][2], i, j, ret;
	unsigned int count = 0, nfds = 0;
	size_t size = page_size();
	unsigned char *p;
	__u64 id;

	tok[0] = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok[0]);
	EXPECT_EQ(-EINVAL, sysmem_duplicate(tok[0], 0));
	tok[1] = sysmem_duplicate(tok[0], SYSMEM_RIGHT_READ);
	ASSERT_LE(0, tok[1]);
	tok[2] = sysmem_duplicate(tok[1], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok[2]);
	tok[3] = sysmem_duplicate(tok[0], SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok[3]);
	for (i = 0; i < 4; i++) {
		coll[i] = sysmem_bind(self->dev, tok[i]);
		ASSERT_LE(0, coll[i]);
		close(tok[i]);
		ASSERT_EQ(0, set_cons(coll[i], usages[i], i < 2, size));
	}
	ASSERT_EQ(0, sysmem_wait(coll[0], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_collection_id(coll[0], &id));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, sysmem_get_result(coll[i], NULL, fds[i], 2,
					       &count, &nfds));
		ASSERT_EQ(2, nfds);
		ASSERT_EQ(0, order_by_index(self->dev, fds[i], 2, id));
	}

	/* The writer with full rights gets O_RDWR and fills the buffers. */
	for (j = 0; j < 2; j++) {
		EXPECT_EQ(O_RDWR, fcntl(fds[0][j], F_GETFL) & O_ACCMODE);
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[0][j], 0);
		ASSERT_NE(MAP_FAILED, p);
		memset(p, 0x5a + j, size);
		munmap(p, size);
	}
	for (i = 1; i < 4; i++) {
		for (j = 0; j < 2; j++) {
			ret = check_read_only(fds[i][j], size, 0x5a + j);
			EXPECT_EQ(0, ret)
				TH_LOG("participant %d buffer %d: step %d: %s",
				       i, j, ret / 1000, strerror(ret % 1000));
		}
	}

	for (i = 0; i < 4; i++) {
		close_fds(fds[i], 2);
		leave(coll[i]);
	}
}

/* Before allocation, a token closed without release fails the tree. */
TEST_F(sm, close_token_without_release_fails_others)
{
	unsigned int count, nfds;
	int root, t2, t3, a, other, scratch[4];
	__u32 state, reason;
	const char *str;

	other = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, other);

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t2 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	t3 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t3);
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, 4096));
	CHECK_STATE(a, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(0, revents(a));
	EXPECT_EQ(0, revents(t3));

	close(t2);	/* no release: that participant "died" */

	ASSERT_EQ(0, sysmem_check(a, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, reason);
	str = sysmem_fail_str(reason);
	ASSERT_NE(NULL, str);
	EXPECT_NE(0, str[0]);
	EXPECT_TRUE(revents(a) & POLLERR);
	EXPECT_TRUE(revents(t3) & POLLERR);
	EXPECT_EQ(-EIO, sysmem_wait(a, WAIT_NS));
	EXPECT_EQ(-EIO, sysmem_get_result(a, NULL, scratch, 4, &count, &nfds));

	/* Another collection is not affected. */
	CHECK_STATE(other, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	EXPECT_EQ(0, revents(other));
	ASSERT_EQ(0, set_cons(other, USAGE_RW, 1, 4096));
	EXPECT_EQ(0, sysmem_wait(other, WAIT_NS));

	close(t3);
	close(a);
	leave(other);
}

/* Before allocation, a collection closed without release fails too. */
TEST_F(sm, close_collection_without_release_fails_others)
{
	int c[3];

	ASSERT_EQ(0, make_shared(self->dev, c, 3));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 1, 4096));
	ASSERT_EQ(0, set_cons(c[1], USAGE_RW, 1, 4096));
	close(c[1]);
	EXPECT_EQ(-EIO, sysmem_wait(c[0], WAIT_NS));
	CHECK_STATE(c[0], SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	CHECK_STATE(c[2], SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_TRUE(revents(c[0]) & POLLERR);
	EXPECT_TRUE(revents(c[2]) & POLLERR);
	/* Too late to join a failed collection. */
	close(c[0]);
	close(c[2]);
}

/* After allocation: the others see the failure, buffers stay usable. */
TEST_F(sm, close_after_allocation_keeps_buffers)
{
	int c[3], fa[2], fb[2], scratch[4], other, i;
	unsigned int count = 0, nfds = 0;
	size_t size = page_size();
	unsigned char *pa, *pb;
	__u64 id;

	other = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, set_cons(other, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(other, WAIT_NS));

	ASSERT_EQ(0, make_shared(self->dev, c, 3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, set_cons(c[i], USAGE_RW, i < 2, size));
	}
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_collection_id(c[0], &id));
	ASSERT_EQ(0, sysmem_get_result(c[0], NULL, fa, 2, &count, &nfds));
	ASSERT_EQ(2, nfds);
	ASSERT_EQ(0, sysmem_get_result(c[1], NULL, fb, 2, &count, &nfds));
	ASSERT_EQ(2, nfds);
	ASSERT_EQ(0, order_by_index(self->dev, fa, 2, id));
	ASSERT_EQ(0, order_by_index(self->dev, fb, 2, id));
	pa = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fa[1], 0);
	ASSERT_NE(MAP_FAILED, pa);

	close(c[1]);	/* without release */

	for (i = 0; i < 3; i += 2) {
		CHECK_STATE(c[i], SYSMEM_STATE_FAILED,
			    SYSMEM_FAIL_PARTICIPANT_LOST);
		EXPECT_TRUE(revents(c[i]) & POLLERR);
		EXPECT_EQ(-EIO, sysmem_wait(c[i], 0));
		EXPECT_EQ(-EIO, sysmem_get_result(c[i], NULL, scratch, 4,
						  &count, &nfds));
	}

	/* Mapping from before, fds of both participants: all still work. */
	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(fd_valid(fa[i]));
		EXPECT_TRUE(fd_valid(fb[i]));
	}
	memset(pa, 0x3c, size);
	pb = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fb[1], 0);
	ASSERT_NE(MAP_FAILED, pb);
	EXPECT_EQ(0x3c, pb[0]);
	EXPECT_EQ(0x3c, pb[size - 1]);
	pb[17] = 0x77;
	EXPECT_EQ(0x77, pa[17]);
	munmap(pb, size);
	munmap(pa, size);
	pa = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fa[0], 0);
	ASSERT_NE(MAP_FAILED, pa);
	EXPECT_EQ(-1, first_nonzero(pa, size));
	munmap(pa, size);

	/* The other collection is unaffected. */
	CHECK_STATE(other, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_EQ(POLLIN, revents(other) & (POLLIN | POLLERR));

	close_fds(fa, 2);
	close_fds(fb, 2);
	close(c[0]);
	close(c[2]);
	leave(other);
}

/* Release then close fails nothing, before and after allocation. */
TEST_F(sm, close_after_release_fails_nothing)
{
	unsigned int count = 0, nfds = 0;
	int c[3], fds[4];

	ASSERT_EQ(0, make_shared(self->dev, c, 3));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 1, 4096));
	ASSERT_EQ(0, set_cons(c[1], USAGE_RW, 1, 4096));
	leave(c[1]);
	CHECK_STATE(c[0], SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, set_cons(c[2], USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));

	leave(c[2]);
	CHECK_STATE(c[0], SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_EQ(POLLIN, revents(c[0]) & (POLLIN | POLLERR));
	ASSERT_EQ(0, sysmem_get_result(c[0], NULL, fds, 4, &count, &nfds));
	EXPECT_EQ(3, count);
	close_fds(fds, nfds);
	leave(c[0]);
}

TEST_F(sm, wait_timeout)
{
	int root, t2, a;
	__s64 t0, dt;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t2 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, 4096));

	t0 = now_ns();
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(a, 50 * MSEC_NS));
	dt = now_ns() - t0;
	EXPECT_LE(50 * MSEC_NS, dt);
	EXPECT_GT(5000 * MSEC_NS, dt);
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(a, 0));
	CHECK_STATE(a, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	ASSERT_EQ(0, sysmem_release(t2));
	close(t2);
	EXPECT_EQ(0, sysmem_wait(a, WAIT_NS));
	EXPECT_EQ(0, sysmem_wait(a, 0));
	leave(a);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

TEST_F(sm, wait_interrupted_by_signal)
{
	struct itimerval it = { .it_value = { .tv_usec = 100000 } };
	struct sigaction sa;
	__s64 t0, dt;
	int coll;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	got_signal = 0;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	t0 = now_ns();
	EXPECT_EQ(-EINTR, sysmem_wait(coll, 5000 * MSEC_NS));
	dt = now_ns() - t0;
	EXPECT_EQ(SIGALRM, got_signal);
	EXPECT_GT(4000 * MSEC_NS, dt);
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	/* Also with an infinite timeout. */
	got_signal = 0;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, sysmem_wait(coll, -1));
	EXPECT_EQ(SIGALRM, got_signal);

	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	EXPECT_EQ(0, sysmem_wait(coll, WAIT_NS));
	leave(coll);
}

struct late_setter {
	int coll;
	int ret;
};

static void *set_later(void *p)
{
	struct late_setter *l = p;

	usleep(100000);
	l->ret = set_cons(l->coll, USAGE_RW, 1, 4096);
	return NULL;
}

/* A blocked wait and a blocked poll() wake up when allocation is done. */
TEST_F(sm, poll_and_wait_wake_up)
{
	struct pollfd pfd[2];
	struct late_setter l;
	pthread_t th;
	int c[2], i;

	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 1, 4096));
	EXPECT_EQ(0, revents(c[0]));
	EXPECT_EQ(0, revents(c[1]));

	l.coll = c[1];
	l.ret = 1;
	ASSERT_EQ(0, pthread_create(&th, NULL, set_later, &l));
	for (i = 0; i < 2; i++) {
		pfd[i].fd = c[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	EXPECT_LE(1, poll(pfd, 2, 10000));
	EXPECT_EQ(POLLIN, pfd[0].revents & (POLLIN | POLLERR));
	pthread_join(th, NULL);
	EXPECT_EQ(0, l.ret);
	EXPECT_EQ(0, sysmem_wait(c[1], WAIT_NS));
	EXPECT_EQ(POLLIN, revents(c[1]) & (POLLIN | POLLERR));
	leave(c[0]);
	leave(c[1]);

	/* The same with the wait ioctl. */
	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 1, 4096));
	l.coll = c[1];
	l.ret = 1;
	ASSERT_EQ(0, pthread_create(&th, NULL, set_later, &l));
	EXPECT_EQ(0, sysmem_wait(c[0], WAIT_NS));
	pthread_join(th, NULL);
	EXPECT_EQ(0, l.ret);
	leave(c[0]);
	leave(c[1]);
}

/* poll(): nothing pending, POLLIN allocated, POLLERR failed; all nodes. */
TEST_F(sm, poll_readiness)
{
	int root, t2, t3, a, b, c[2];

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t2 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	EXPECT_EQ(0, revents(root));
	EXPECT_EQ(0, revents(t2));
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	EXPECT_EQ(0, revents(a));
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, 4096));
	EXPECT_EQ(0, revents(a));
	t3 = sysmem_duplicate(t2, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t3);
	ASSERT_EQ(0, sysmem_release(t2));
	close(t2);
	b = sysmem_bind(self->dev, t3);
	ASSERT_LE(0, b);
	close(t3);
	EXPECT_EQ(0, revents(a));
	EXPECT_EQ(0, revents(b));
	ASSERT_EQ(0, set_cons(b, SYSMEM_USAGE_CPU_READ, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	EXPECT_EQ(POLLIN, revents(a) & (POLLIN | POLLERR));
	EXPECT_EQ(POLLIN, revents(b) & (POLLIN | POLLERR));
	leave(a);
	leave(b);

	/* Failed: POLLERR on every node, token and collection. */
	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t2 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	t3 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t3);
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	close(t3);	/* without release */
	EXPECT_TRUE(revents(a) & POLLERR);
	EXPECT_TRUE(revents(t2) & POLLERR);
	close(a);
	close(t2);

	/* Failed by constraints: POLLERR as well. */
	ASSERT_EQ(0, make_shared(self->dev, c, 2));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 100, 4096));
	ASSERT_EQ(0, set_cons(c[1], USAGE_RW, 100, 4096));
	EXPECT_EQ(-EIO, sysmem_wait(c[0], WAIT_NS));
	EXPECT_TRUE(revents(c[0]) & POLLERR);
	EXPECT_TRUE(revents(c[1]) & POLLERR);
	leave(c[0]);
	leave(c[1]);
}

/* Buffers are cleared, also when their memory was used before. */
TEST_F_TIMEOUT(sm, buffers_zero_filled, 120)
{
	const size_t size = 256 * 1024;
	unsigned int count = 0, nfds = 0, i;
	int round, coll, fds[4];
	unsigned char *p;

	for (round = 0; round < 3; round++) {
		coll = sysmem_alloc_nonshared(self->dev);
		ASSERT_LE(0, coll);
		ASSERT_EQ(0, set_cons(coll, USAGE_RW, 4, size));
		ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
		ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 4, &count,
					       &nfds));
		ASSERT_EQ(4, nfds);
		leave(coll);
		for (i = 0; i < nfds; i++) {
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fds[i], 0);
			ASSERT_NE(MAP_FAILED, p);
			EXPECT_EQ(-1, first_nonzero(p, size))
				TH_LOG("round %d buffer %u", round, i);
			memset(p, 0xa5, size);
			munmap(p, size);
		}
		close_fds(fds, nfds);
	}
}

/* Memory goes back only after the last fd and the last mapping. */
TEST_F(sm, memory_returns_after_last_fd_and_mmap)
{
	const __u64 size = 5000, rsize = page_round(5000);
	struct sysmem_heap_stats base, st;
	unsigned int count = 0, nfds = 0;
	int coll, fds[3];
	void *p;

	if (!have_debugfs())
		SKIP(return, "debugfs is not mounted at " DEBUGFS_PATH);
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &base))
		TH_LOG("no \"system\" line in " HEAPS_PATH);

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 3, size));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &st));
	EXPECT_EQ(base.buffers + 3, st.buffers);
	EXPECT_EQ(base.bytes + 3 * rsize, st.bytes);

	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 3, &count, &nfds));
	ASSERT_EQ(3, nfds);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, size);

	/* The collection is gone; buffer fds and the mapping remain. */
	leave(coll);
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &st));
	EXPECT_EQ(base.buffers + 3, st.buffers);
	EXPECT_EQ(base.bytes + 3 * rsize, st.bytes);

	close(fds[2]);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("system", base.buffers + 2,
					      base.bytes + 2 * rsize, SETTLE_MS,
					      &st));
	EXPECT_EQ(base.buffers + 2, st.buffers);
	EXPECT_EQ(base.bytes + 2 * rsize, st.bytes);

	/* Only a mapping keeps buffer 1 alive now. */
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("system", base.buffers + 1,
					      base.bytes + rsize, SETTLE_MS,
					      &st));
	usleep(100000);
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &st));
	EXPECT_EQ(base.buffers + 1, st.buffers);
	EXPECT_EQ(base.bytes + rsize, st.bytes);
	EXPECT_EQ(1, ((unsigned char *)p)[size - 1]);

	munmap(p, size);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("system", base.buffers,
					      base.bytes, SETTLE_MS, &st));
	EXPECT_EQ(base.buffers, st.buffers);
	EXPECT_EQ(base.bytes, st.bytes);
}

/* Bind refuses everything that is not a live token, cleanly. */
TEST_F(sm, bind_wrong_fds)
{
	struct sysmem_bind b;
	int tok, coll, pipefd[2], closed, nulfd, fds[1];
	unsigned int count = 0, nfds = 0;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	EXPECT_EQ(-EINVAL, sysmem_bind(self->dev, coll));
	EXPECT_EQ(-EINVAL, sysmem_bind(self->dev, self->dev));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	EXPECT_EQ(-EINVAL, sysmem_bind(self->dev, pipefd[0]));
	nulfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nulfd);
	EXPECT_EQ(-EINVAL, sysmem_bind(self->dev, nulfd));

	/* A dma-buf from sysmem itself is not a token either. */
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 1, &count, &nfds));
	ASSERT_EQ(1, nfds);
	EXPECT_EQ(-EINVAL, sysmem_bind(self->dev, fds[0]));

	closed = next_fd();
	ASSERT_LE(0, closed);
	EXPECT_EQ(-EBADF, sysmem_bind(self->dev, closed));
	EXPECT_EQ(-EBADF, sysmem_bind(self->dev, -1));

	/* flags and reserved must be 0; the token survives the refusal. */
	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	memset(&b, 0, sizeof(b));
	b.token_fd = tok;
	b.flags = 1;
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_BIND, &b));
	EXPECT_EQ(EINVAL, errno);
	b.flags = 0;
	b.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_BIND, &b));
	EXPECT_EQ(EINVAL, errno);
	b.reserved = 0;
	ASSERT_EQ(0, ioctl(self->dev, SYSMEM_IOC_BIND, &b));
	ASSERT_LE(0, b.collection_fd);
	EXPECT_TRUE(fcntl(b.collection_fd, F_GETFD) & FD_CLOEXEC);

	/* Already bound, then released. */
	EXPECT_EQ(-ESTALE, sysmem_bind(self->dev, tok));
	close(tok);
	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	ASSERT_EQ(0, sysmem_release(tok));
	EXPECT_EQ(-ESTALE, sysmem_bind(self->dev, tok));
	close(tok);

	leave(b.collection_fd);
	close_fds(fds, nfds);
	close(pipefd[0]);
	close(pipefd[1]);
	close(nulfd);
	leave(coll);
}

/* Every token and node ioctl on a consumed token: -ESTALE. */
TEST_F(sm, bound_token_is_stale)
{
	struct sysmem_collection_id cid;
	unsigned int count = 0, nfds = 0;
	int tok, coll, out[2], fds[1];
	__u32 masks[2] = { SYSMEM_RIGHTS_SAME, SYSMEM_RIGHTS_SAME };
	__u64 id;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	coll = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, coll);

	EXPECT_EQ(-ESTALE, sysmem_get_collection_id(tok, &id));
	EXPECT_EQ(-ESTALE, sysmem_set_name(tok, 1, "stale"));
	EXPECT_EQ(-ESTALE, sysmem_set_debug_info(tok, "stale", 1));
	EXPECT_EQ(-ESTALE, sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME));
	EXPECT_EQ(-ESTALE, sysmem_duplicate_many(tok, masks, out, 2));
	EXPECT_EQ(-ESTALE, sysmem_release(tok));
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_NODE_GET_COLLECTION_ID, &cid));
	EXPECT_EQ(ESTALE, errno);

	/* Closing the consumed token fails nothing. */
	close(tok);
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 1, &count, &nfds));
	close_fds(fds, nfds);
	leave(coll);
}

/* Every ioctl on a released token or collection: -ESTALE. */
TEST_F(sm, released_node_is_stale)
{
	struct sysmem_buffer_constraints c;
	unsigned int count = 0, nfds = 0;
	__u32 masks[1] = { SYSMEM_RIGHTS_SAME };
	int tok, coll, out[1], fds[1];
	__u32 state, reason;
	__u64 id;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	ASSERT_EQ(0, sysmem_release(tok));
	EXPECT_EQ(-ESTALE, sysmem_release(tok));
	EXPECT_EQ(-ESTALE, sysmem_get_collection_id(tok, &id));
	EXPECT_EQ(-ESTALE, sysmem_set_name(tok, 1, "stale"));
	EXPECT_EQ(-ESTALE, sysmem_set_debug_info(tok, "stale", 1));
	EXPECT_EQ(-ESTALE, sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME));
	EXPECT_EQ(-ESTALE, sysmem_duplicate_many(tok, masks, out, 1));
	close(tok);

	/* Released before constraints. */
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, sysmem_release(coll));
	cons_init(&c, USAGE_RW, 1, 4096);
	EXPECT_EQ(-ESTALE, sysmem_set_constraints(coll, &c));
	EXPECT_EQ(-ESTALE, sysmem_wait(coll, 0));
	EXPECT_EQ(-ESTALE, sysmem_check(coll, &state, &reason));
	EXPECT_EQ(-ESTALE, sysmem_get_result(coll, NULL, fds, 1, &count,
					     &nfds));
	EXPECT_EQ(-ESTALE, sysmem_get_collection_id(coll, &id));
	EXPECT_EQ(-ESTALE, sysmem_set_name(coll, 1, "stale"));
	EXPECT_EQ(-ESTALE, sysmem_set_debug_info(coll, "stale", 1));
	EXPECT_EQ(-ESTALE, sysmem_release(coll));
	close(coll);

	/* Released after allocation. */
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_release(coll));
	EXPECT_EQ(-ESTALE, sysmem_set_constraints(coll, &c));
	EXPECT_EQ(-ESTALE, sysmem_wait(coll, 0));
	EXPECT_EQ(-ESTALE, sysmem_check(coll, &state, &reason));
	EXPECT_EQ(-ESTALE, sysmem_get_result(coll, NULL, fds, 1, &count,
					     &nfds));
	EXPECT_EQ(-ESTALE, sysmem_release(coll));
	close(coll);
}

/* Ioctls of the wrong node kind: -ENOTTY. */
TEST_F(sm, wrong_node_kind_enotty)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_collection_id cid;
	struct sysmem_debug_info dbg;
	struct sysmem_set_name name;
	struct sysmem_new_node nn;
	struct sysmem_check chk;
	struct sysmem_wait w;
	struct sysmem_duplicate_many dm;
	__u32 masks[1] = { SYSMEM_RIGHTS_SAME };
	unsigned int count, nfds;
	int tok, coll, out[1], fds[1];
	__u32 state, reason;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);

	/* Token-only on a collection. */
	EXPECT_EQ(-ENOTTY, sysmem_duplicate(coll, SYSMEM_RIGHTS_SAME));
	EXPECT_EQ(-ENOTTY, sysmem_duplicate_many(coll, masks, out, 1));

	/* Collection-only on a token. */
	cons_init(&c, USAGE_RW, 1, 4096);
	EXPECT_EQ(-ENOTTY, sysmem_set_constraints(tok, &c));
	EXPECT_EQ(-ENOTTY, sysmem_wait(tok, 0));
	EXPECT_EQ(-ENOTTY, sysmem_check(tok, &state, &reason));
	EXPECT_EQ(-ENOTTY, sysmem_get_result(tok, NULL, fds, 1, &count,
					     &nfds));

	/* Node ioctls on the allocator. */
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_NODE_RELEASE));
	EXPECT_EQ(ENOTTY, errno);
	memset(&name, 0, sizeof(name));
	strcpy(name.name, "x");
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_NODE_SET_NAME, &name));
	EXPECT_EQ(ENOTTY, errno);
	memset(&dbg, 0, sizeof(dbg));
	strcpy(dbg.name, "x");
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_NODE_SET_DEBUG_INFO, &dbg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_NODE_GET_COLLECTION_ID,
			    &cid));
	EXPECT_EQ(ENOTTY, errno);
	/* Token and collection ioctls on the allocator. */
	memset(&dm, 0, sizeof(dm));
	dm.rights_masks = (uintptr_t)masks;
	dm.fds = (uintptr_t)out;
	dm.count = 1;
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, &dm));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_SET_CONSTRAINTS, &c));
	EXPECT_EQ(ENOTTY, errno);
	w.timeout_ns = 0;
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_WAIT, &w));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_CHECK, &chk));
	EXPECT_EQ(ENOTTY, errno);

	/* Allocator ioctls on node fds. */
	memset(&nn, 0, sizeof(nn));
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_ALLOC_TOKEN, &nn));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(coll, SYSMEM_IOC_ALLOC_NONSHARED, &nn));
	EXPECT_EQ(ENOTTY, errno);

	/* Node ioctls work on both node kinds; the allocator debug info. */
	EXPECT_EQ(0, sysmem_set_debug_info(self->dev, "allocator", 1));
	EXPECT_EQ(0, sysmem_set_debug_info(tok, "token", 2));
	EXPECT_EQ(0, sysmem_set_debug_info(coll, "collection", 3));
	EXPECT_EQ(0, sysmem_set_name(tok, 1, "token"));
	EXPECT_EQ(0, sysmem_set_name(coll, 1, "collection"));

	/* Nothing above changed either node. */
	CHECK_STATE(coll, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	leave(tok);
	leave(coll);
}

/* Reserved fields and flags of the node-creating ioctls. */
TEST_F(sm, node_ioctl_reserved_fields)
{
	struct sysmem_duplicate d;
	struct sysmem_new_node nn;
	struct sysmem_set_name name;
	int tok, before;

	before = next_fd();
	memset(&nn, 0, sizeof(nn));
	nn.flags = 1;
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_ALLOC_TOKEN, &nn));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->dev, SYSMEM_IOC_ALLOC_NONSHARED, &nn));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, next_fd());

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	EXPECT_TRUE(fcntl(tok, F_GETFD) & FD_CLOEXEC);
	before = next_fd();
	memset(&d, 0, sizeof(d));
	d.rights_mask = SYSMEM_RIGHTS_SAME;
	d.flags = 1;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE, &d));
	EXPECT_EQ(EINVAL, errno);
	d.flags = 0;
	d.reserved = 1;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE, &d));
	EXPECT_EQ(EINVAL, errno);
	d.reserved = 0;
	d.rights_mask = 0;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE, &d));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, next_fd());

	memset(&name, 0, sizeof(name));
	strcpy(name.name, "name");
	name.reserved = 1;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_NODE_SET_NAME, &name));
	EXPECT_EQ(EINVAL, errno);

	d.rights_mask = SYSMEM_RIGHTS_SAME;
	ASSERT_EQ(0, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE, &d));
	ASSERT_LE(0, d.fd);
	EXPECT_TRUE(fcntl(d.fd, F_GETFD) & FD_CLOEXEC);
	leave(d.fd);
	leave(tok);
}

/* Raw get_result: reserved fields and the settings structure size. */
TEST_F(sm, get_result_raw_abi)
{
	struct {
		struct sysmem_buffer_settings s;
		__u8 tail[16];
	} big;
	struct sysmem_buffer_settings s;
	struct sysmem_result r;
	int coll, fds[2], before;
	unsigned int i;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 2, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));

	before = next_fd();
	memset(&r, 0, sizeof(r));
	r.settings = (uintptr_t)&s;
	r.settings_size = sizeof(s);
	r.fd_capacity = 2;
	r.fds = (uintptr_t)fds;
	r.flags = 1;
	EXPECT_EQ(-1, ioctl(coll, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(EINVAL, errno);
	r.flags = 0;
	r.reserved = 1;
	EXPECT_EQ(-1, ioctl(coll, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, next_fd());

	/* A shorter settings structure: only its bytes are written. */
	memset(&big, 0xee, sizeof(big));
	r.reserved = 0;
	r.settings = (uintptr_t)&big;
	r.settings_size = sizeof(__u64);
	ASSERT_EQ(0, ioctl(coll, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(4096, big.s.size_bytes);
	EXPECT_EQ(0xeeeeeeee, big.s.buffer_count);
	EXPECT_EQ(2, r.buffer_count);
	EXPECT_EQ(2, r.fd_count);
	EXPECT_NE(0, r.collection_id);
	close_fds(fds, r.fd_count);

	/* A longer one: the unknown tail comes back zeroed. */
	memset(&big, 0xee, sizeof(big));
	r.settings_size = sizeof(big);
	ASSERT_EQ(0, ioctl(coll, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(4096, big.s.size_bytes);
	EXPECT_EQ(2, big.s.buffer_count);
	for (i = 0; i < sizeof(big.tail); i++) {
		EXPECT_EQ(0, big.tail[i]);
	}
	close_fds(fds, r.fd_count);

	/* No settings at all. */
	r.settings = 0;
	r.settings_size = 0;
	ASSERT_EQ(0, ioctl(coll, SYSMEM_IOC_GET_RESULT, &r));
	EXPECT_EQ(2, r.fd_count);
	close_fds(fds, r.fd_count);
	leave(coll);
}

TEST_F(sm, duplicate_rights_and_ids)
{
	int tok, d, coll;
	__u64 id, did, cid;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	EXPECT_EQ(-EINVAL, sysmem_duplicate(tok, 0));
	d = sysmem_duplicate(tok, SYSMEM_RIGHT_READ | SYSMEM_RIGHT_WRITE);
	ASSERT_LE(0, d);
	EXPECT_TRUE(fcntl(d, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, sysmem_get_collection_id(tok, &id));
	ASSERT_EQ(0, sysmem_get_collection_id(d, &did));
	EXPECT_NE(0, id);
	EXPECT_EQ(id, did);
	coll = sysmem_bind(self->dev, d);
	ASSERT_LE(0, coll);
	close(d);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &cid));
	EXPECT_EQ(id, cid);
	leave(coll);
	leave(tok);
}

/* Duplicate many: argument checks, all or nothing, 64 at once. */
TEST_F(sm, duplicate_many_all_or_nothing)
{
	__u32 masks[SYSMEM_MAX_DUPLICATES + 1];
	int out[SYSMEM_MAX_DUPLICATES + 1];
	struct sysmem_duplicate_many dm;
	unsigned int count = 0, nfds = 0;
	int tok, a, before, i, j, fds[1];
	__u64 id, did;

	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	ASSERT_EQ(0, sysmem_get_collection_id(tok, &id));
	for (i = 0; i <= SYSMEM_MAX_DUPLICATES; i++) {
		masks[i] = SYSMEM_RIGHTS_SAME;
		out[i] = -1;
	}

	before = next_fd();
	EXPECT_EQ(-EINVAL, sysmem_duplicate_many(tok, masks, out, 0));
	EXPECT_EQ(-EINVAL, sysmem_duplicate_many(tok, masks, out,
						 SYSMEM_MAX_DUPLICATES + 1));
	masks[5] = 0;
	EXPECT_EQ(-EINVAL, sysmem_duplicate_many(tok, masks, out, 10));
	/* Up to 8 the kernel keeps the masks on its stack: same checks. */
	EXPECT_EQ(-EINVAL, sysmem_duplicate_many(tok, masks, out, 6));
	EXPECT_EQ(-EFAULT, sysmem_duplicate_many(tok, NULL, out, 8));
	EXPECT_EQ(-EFAULT, sysmem_duplicate_many(tok, NULL, out, 9));
	EXPECT_EQ(before, next_fd());
	masks[5] = SYSMEM_RIGHTS_SAME;
	/* The fds are copied out from the stack (8) or an array (9). */
	EXPECT_EQ(-EFAULT, sysmem_duplicate_many(tok, masks, NULL, 8));
	EXPECT_EQ(-EFAULT, sysmem_duplicate_many(tok, masks, NULL, 9));
	EXPECT_EQ(before, next_fd());

	/* The same through the raw ioctl. */
	memset(&dm, 0, sizeof(dm));
	dm.rights_masks = (uintptr_t)masks;
	dm.fds = (uintptr_t)out;
	dm.count = 0;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, &dm));
	EXPECT_EQ(EINVAL, errno);
	dm.count = SYSMEM_MAX_DUPLICATES + 1;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, &dm));
	EXPECT_EQ(EINVAL, errno);
	dm.count = 4;
	dm.flags = 1;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, &dm));
	EXPECT_EQ(EINVAL, errno);
	dm.flags = 0;
	masks[SYSMEM_MAX_DUPLICATES - 1] = 0;
	dm.count = SYSMEM_MAX_DUPLICATES;
	EXPECT_EQ(-1, ioctl(tok, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, &dm));
	EXPECT_EQ(EINVAL, errno);
	masks[SYSMEM_MAX_DUPLICATES - 1] = SYSMEM_RIGHTS_SAME;
	EXPECT_EQ(before, next_fd());

	/* 64 at once: 64 distinct tokens of the same collection. */
	for (i = 0; i < SYSMEM_MAX_DUPLICATES; i++)
		masks[i] = i & 1 ? SYSMEM_RIGHT_READ : SYSMEM_RIGHTS_SAME;
	ASSERT_EQ(0, sysmem_duplicate_many(tok, masks, out,
					   SYSMEM_MAX_DUPLICATES));
	for (i = 0; i < SYSMEM_MAX_DUPLICATES; i++) {
		ASSERT_LE(0, out[i]);
		EXPECT_TRUE(fcntl(out[i], F_GETFD) & FD_CLOEXEC);
		ASSERT_EQ(0, sysmem_get_collection_id(out[i], &did));
		EXPECT_EQ(id, did);
		for (j = 0; j < i; j++) {
			EXPECT_NE(out[j], out[i]);
		}
	}
	for (i = 0; i < SYSMEM_MAX_DUPLICATES; i++) {
		EXPECT_EQ(0, sysmem_release(out[i]));
	}
	close_fds(out, SYSMEM_MAX_DUPLICATES);

	/*
	 * No token was left behind by the failed calls: with the root
	 * bound and constrained, the collection allocates at once.
	 */
	a = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, a);
	close(tok);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(a, NULL, fds, 1, &count, &nfds));
	EXPECT_EQ(1, count);
	close_fds(fds, nfds);
	leave(a);
}

TEST_F(sm, collection_ids)
{
	unsigned int count = 0, nfds = 0;
	__u64 prev = 0, id, id2, bid;
	int i, coll, coll2, fds[2];
	__u32 idx;

	for (i = 0; i < 6; i++) {
		coll = sysmem_alloc_nonshared(self->dev);
		ASSERT_LE(0, coll);
		ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
		EXPECT_NE(0, id);
		EXPECT_LT(prev, id)
			TH_LOG("ids not increasing: %llu then %llu",
			       (unsigned long long)prev,
			       (unsigned long long)id);
		prev = id;
		if (i & 1)
			leave(coll);
		else
			close(coll);

		coll = sysmem_alloc_token(self->dev);
		ASSERT_LE(0, coll);
		ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
		EXPECT_LT(prev, id);
		prev = id;
		leave(coll);
	}

	/* Two live collections: different ids; buffers carry theirs. */
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	coll2 = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll2);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	ASSERT_EQ(0, sysmem_get_collection_id(coll2, &id2));
	EXPECT_NE(id, id2);
	EXPECT_LT(prev, id);
	ASSERT_EQ(0, set_cons(coll2, USAGE_RW, 2, 4096));
	ASSERT_EQ(0, sysmem_wait(coll2, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll2, NULL, fds, 2, &count, &nfds));
	ASSERT_EQ(2, nfds);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, sysmem_buffer_info(self->dev, fds[i], &bid, &idx));
		EXPECT_EQ(id2, bid);
	}
	close_fds(fds, 2);
	leave(coll);
	leave(coll2);
}

/* buffer_info on sysmem buffers: the collection id and each index once. */
TEST_F(sm, buffer_info_sysmem)
{
	unsigned int count = 0, nfds = 0, i, seen = 0;
	struct sysmem_buffer_info bi;
	int coll, fds[5];
	__u64 id, bid;
	__u32 idx;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	ASSERT_EQ(0, set_cons(coll, USAGE_RW, 5, 4096));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 5, &count, &nfds));
	ASSERT_EQ(5, nfds);
	for (i = 0; i < nfds; i++) {
		bid = 0;
		idx = 99;
		ASSERT_EQ(0, sysmem_buffer_info(self->dev, fds[i], &bid, &idx));
		EXPECT_EQ(id, bid);
		ASSERT_GT(5, idx);
		EXPECT_FALSE(seen & (1U << idx));
		seen |= 1U << idx;
		EXPECT_EQ(0, sysmem_buffer_info(self->dev, fds[i], NULL, NULL));
	}
	EXPECT_EQ(0x1f, seen);

	/* Raw: the output fields. */
	memset(&bi, 0, sizeof(bi));
	bi.dmabuf_fd = fds[0];
	ASSERT_EQ(0, ioctl(self->dev, SYSMEM_IOC_BUFFER_INFO, &bi));
	EXPECT_EQ(id, bi.collection_id);

	/* Still known after the collection is gone. */
	leave(coll);
	ASSERT_EQ(0, sysmem_buffer_info(self->dev, fds[4], &bid, &idx));
	EXPECT_EQ(id, bid);
	close_fds(fds, nfds);
}

TEST_F(sm, buffer_info_not_dmabuf)
{
	int pipefd[2], tok, coll, mfd;

	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	EXPECT_EQ(-EINVAL, sysmem_buffer_info(self->dev, pipefd[0], NULL,
					      NULL));
	mfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	ASSERT_LE(0, mfd);
	EXPECT_EQ(-EINVAL, sysmem_buffer_info(self->dev, mfd, NULL, NULL));
	tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, tok);
	EXPECT_EQ(-EINVAL, sysmem_buffer_info(self->dev, tok, NULL, NULL));
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	EXPECT_EQ(-EINVAL, sysmem_buffer_info(self->dev, coll, NULL, NULL));
	EXPECT_EQ(-EINVAL, sysmem_buffer_info(self->dev, self->dev, NULL,
					      NULL));
	leave(tok);
	leave(coll);
	close(mfd);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(sm, buffer_info_dma_heap_enoent)
{
	struct dma_heap_allocation_data d;
	int heap;

	heap = open(DMA_HEAP_PATH, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		SKIP(return, DMA_HEAP_PATH " not available: %s",
		     strerror(errno));
	memset(&d, 0, sizeof(d));
	d.len = page_size();
	d.fd_flags = O_RDWR | O_CLOEXEC;
	ASSERT_EQ(0, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d));
	EXPECT_EQ(-ENOENT, sysmem_buffer_info(self->dev, d.fd, NULL, NULL));
	close(d.fd);
	close(heap);
}

TEST_F(sm, buffer_info_udmabuf_enoent)
{
	struct udmabuf_create uc;
	int dev, mfd, buf;

	dev = open(UDMABUF_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		SKIP(return, UDMABUF_PATH " not available: %s",
		     strerror(errno));
	mfd = memfd_create("udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, page_size()));
	ASSERT_EQ(0, fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK));
	memset(&uc, 0, sizeof(uc));
	uc.memfd = mfd;
	uc.flags = UDMABUF_FLAGS_CLOEXEC;
	uc.size = page_size();
	buf = ioctl(dev, UDMABUF_CREATE, &uc);
	ASSERT_LE(0, buf);
	EXPECT_EQ(-ENOENT, sysmem_buffer_info(self->dev, buf, NULL, NULL));
	close(buf);
	close(mfd);
	close(dev);
}

/* Collection names: priorities, dma-buf names, invalid names. */
TEST_F(sm, names)
{
	unsigned int count = 0, nfds = 0, i;
	struct sysmem_set_name sn;
	char link[128], longest[SYSMEM_NAME_LEN];
	int root, t2, c[2], fds[2];

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t2 = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, t2);
	EXPECT_EQ(0, sysmem_set_name(root, 5, "low"));
	EXPECT_EQ(0, sysmem_set_name(t2, 10, "first-ten"));
	EXPECT_EQ(0, sysmem_set_name(root, 10, "second-ten"));
	EXPECT_EQ(0, sysmem_set_name(t2, 3, "lower"));

	/* Invalid names are refused and change nothing. */
	EXPECT_EQ(-EINVAL, sysmem_set_name(root, 100, ""));
	memset(&sn, 0, sizeof(sn));
	sn.priority = 100;
	memset(sn.name, 'x', sizeof(sn.name));
	EXPECT_EQ(-1, ioctl(root, SYSMEM_IOC_NODE_SET_NAME, &sn));
	EXPECT_EQ(EINVAL, errno);
	memset(sn.name, 0, sizeof(sn.name));
	EXPECT_EQ(-1, ioctl(root, SYSMEM_IOC_NODE_SET_NAME, &sn));
	EXPECT_EQ(EINVAL, errno);
	/* The longest valid name, at a low priority. */
	memset(longest, 'y', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	EXPECT_EQ(0, sysmem_set_name(t2, 1, longest));

	c[0] = sysmem_bind(self->dev, root);
	ASSERT_LE(0, c[0]);
	c[1] = sysmem_bind(self->dev, t2);
	ASSERT_LE(0, c[1]);
	close(root);
	close(t2);
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 1, 4096));
	ASSERT_EQ(0, set_cons(c[1], SYSMEM_USAGE_CPU_READ, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));

	ASSERT_EQ(0, sysmem_get_result(c[0], NULL, fds, 2, &count, &nfds));
	ASSERT_EQ(2, nfds);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, fd_link(fds[i], link, sizeof(link)));
		EXPECT_STREQ("/dmabuf:first-ten", link);
	}
	close_fds(fds, 2);

	/* A higher priority after allocation renames the buffers. */
	EXPECT_EQ(0, sysmem_set_name(c[1], 20, "late"));
	EXPECT_EQ(0, sysmem_set_name(c[0], 19, "too-low"));
	EXPECT_EQ(0, sysmem_set_name(c[0], 20, "tie"));
	ASSERT_EQ(0, sysmem_get_result(c[1], NULL, fds, 2, &count, &nfds));
	ASSERT_EQ(2, nfds);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, fd_link(fds[i], link, sizeof(link)));
		EXPECT_STREQ("/dmabuf:late", link);
	}
	close_fds(fds, 2);
	leave(c[0]);
	leave(c[1]);

	/* A nonshared collection named before allocation. */
	c[0] = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, c[0]);
	EXPECT_EQ(0, sysmem_set_name(c[0], 0, longest));
	ASSERT_EQ(0, set_cons(c[0], USAGE_RW, 1, 4096));
	ASSERT_EQ(0, sysmem_wait(c[0], WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(c[0], NULL, fds, 1, &count, &nfds));
	ASSERT_EQ(1, nfds);
	ASSERT_EQ(0, fd_link(fds[0], link, sizeof(link)));
	EXPECT_EQ(0, strncmp(link, "/dmabuf:", 8));
	/* /proc shows at most DMA_BUF_NAME_LEN - 1 characters of it. */
	longest[DMA_BUF_NAME_LEN - 1] = '\0';
	EXPECT_STREQ(longest, link + 8);
	close_fds(fds, 1);
	leave(c[0]);
}

/* Per-thread state of the concurrency test. */
struct stress {
	int dev;
	int token;		/* shared by every thread */
	int iters;
	int failures;
	int first_step;
	int first_err;
};

static void stress_fail(struct stress *s, int step, int err)
{
	if (!s->failures++) {
		s->first_step = step;
		s->first_err = err;
	}
}

static void *stress_thread(void *p)
{
	__u32 masks[4] = {
		SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ,
		SYSMEM_RIGHTS_SAME, SYSMEM_RIGHT_READ,
	};
	struct stress *s = p;
	int i, j, d, d2, c, many[4], ret, many_ret;
	__u64 id;

	for (i = 0; i < s->iters; i++) {
		d = sysmem_duplicate(s->token, SYSMEM_RIGHTS_SAME);
		if (d < 0) {
			stress_fail(s, 1, d);
			continue;
		}
		switch (i % 4) {
		case 0:
			ret = sysmem_get_collection_id(d, &id);
			if (ret)
				stress_fail(s, 2, ret);
			ret = sysmem_release(d);
			if (ret)
				stress_fail(s, 3, ret);
			close(d);
			break;
		case 1:
			c = sysmem_bind(s->dev, d);
			close(d);
			if (c < 0) {
				stress_fail(s, 4, c);
				break;
			}
			ret = sysmem_release(c);
			if (ret)
				stress_fail(s, 5, ret);
			close(c);
			break;
		case 2:
			d2 = sysmem_duplicate(d, SYSMEM_RIGHT_READ);
			if (d2 < 0)
				stress_fail(s, 6, d2);
			ret = sysmem_release(d);
			if (ret)
				stress_fail(s, 7, ret);
			close(d);
			if (d2 >= 0) {
				c = sysmem_bind(s->dev, d2);
				close(d2);
				if (c < 0)
					stress_fail(s, 8, c);
				else
					leave(c);
			}
			break;
		case 3:
			many_ret = sysmem_duplicate_many(d, masks, many, 4);
			if (many_ret)
				stress_fail(s, 9, many_ret);
			ret = sysmem_release(d);
			if (ret)
				stress_fail(s, 10, ret);
			close(d);
			for (j = 0; j < 4 && !many_ret; j++)
				leave(many[j]);
			break;
		}
	}
	return NULL;
}

#define STRESS_THREADS	4
#define STRESS_ITERS	200

/* Concurrent duplicate, bind, release and close on one tree. */
TEST_F_TIMEOUT(sm, concurrent_duplicate_bind_close, 300)
{
	struct stress st[STRESS_THREADS];
	pthread_t th[STRESS_THREADS];
	unsigned int count = 0, nfds = 0;
	int root, shared, a, i, fds[2];

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	shared = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, shared);
	for (i = 0; i < STRESS_THREADS; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		st[i].dev = self->dev;
		st[i].token = shared;
		st[i].iters = STRESS_ITERS;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_thread,
					    &st[i]));
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, st[i].failures)
			TH_LOG("thread %d: %d failures, first at step %d: %s",
			       i, st[i].failures, st[i].first_step,
			       strerror(-st[i].first_err));
	}
	ASSERT_EQ(0, sysmem_release(shared));
	close(shared);

	/* Everything was released: only the root decides. */
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	close(root);
	CHECK_STATE(a, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 2, 4096));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(a, NULL, fds, 2, &count, &nfds));
	EXPECT_EQ(2, count);
	close_fds(fds, nfds);
	leave(a);
}

struct binder {
	pthread_barrier_t *barrier;
	int dev;
	int token;
	int ret;
};

static void *bind_once(void *p)
{
	struct binder *b = p;

	pthread_barrier_wait(b->barrier);
	b->ret = sysmem_bind(b->dev, b->token);
	return NULL;
}

/* Two threads bind one token at once: exactly one wins. */
TEST_F_TIMEOUT(sm, concurrent_bind_one_winner, 120)
{
	pthread_barrier_t barrier;
	struct binder b[2];
	pthread_t th[2];
	int root, tok, i, k, wins;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	for (i = 0; i < 50; i++) {
		tok = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
		ASSERT_LE(0, tok);
		for (k = 0; k < 2; k++) {
			b[k].barrier = &barrier;
			b[k].dev = self->dev;
			b[k].token = tok;
			b[k].ret = 0;
			ASSERT_EQ(0, pthread_create(&th[k], NULL, bind_once,
						    &b[k]));
		}
		wins = 0;
		for (k = 0; k < 2; k++) {
			pthread_join(th[k], NULL);
			if (b[k].ret >= 0) {
				wins++;
				leave(b[k].ret);
			} else {
				EXPECT_EQ(-ESTALE, b[k].ret);
			}
		}
		EXPECT_EQ(1, wins);
		close(tok);
	}
	pthread_barrier_destroy(&barrier);
	leave(root);
}

/* CPU access brackets (DMA_BUF_IOCTL_SYNC) work on sysmem buffers. */
TEST_F(sm, dma_buf_sync)
{
	struct sysmem_buffer_constraints c;
	struct dma_buf_sync sync = { 0 };
	unsigned int count = 0, nfds = 0;
	int coll, fds[2];
	__u8 *map;

	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	cons_init(&c, USAGE_RW, 2, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, NULL, fds, 2, &count, &nfds));
	ASSERT_EQ(2, nfds);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	ASSERT_NE(MAP_FAILED, map);
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(fds[0], DMA_BUF_IOCTL_SYNC, &sync));
	map[17] = 0x42;
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(fds[0], DMA_BUF_IOCTL_SYNC, &sync));
	/* Private mappings would hide writes: refused. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE,
				   fds[1], 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0x42, map[17]);
	munmap(map, 4096);
	close_fds(fds, nfds);
	leave(coll);
}

TEST_HARNESS_MAIN
