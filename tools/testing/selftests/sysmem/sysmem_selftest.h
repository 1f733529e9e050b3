/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the sysmem VM selftests (the *_test.c files next to
 * this header): common macros, the parser of the sysmem debugfs "heaps"
 * file, a wait for a heap's live buffer count to settle, small file
 * helpers and a few collection helpers.
 *
 * Each test is built into its own binary, so everything here is static
 * inline: a test that does not use a helper gets no copy and no warning.
 */
#ifndef SYSMEM_SELFTEST_H
#define SYSMEM_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "kselftest_harness.h"
#include "libsysmem.h"

#define DEBUGFS_PATH	"/sys/kernel/debug"
#define HEAPS_PATH	DEBUGFS_PATH "/sysmem/heaps"

#define MSEC_NS		1000000LL
/* Generous: the test VM runs under TCG with a debug kernel. */
#define WAIT_NS		(10000 * MSEC_NS)

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)

#define USAGE_RW	(SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE)

/* Check a collection's state and reason with sysmem_check(). */
#define CHECK_STATE(fd, _state, _reason) do { \
	__u32 __st = 0xdead, __rs = 0xdead; \
	ASSERT_EQ(0, sysmem_check((fd), &__st, &__rs)); \
	EXPECT_EQ((_state), __st); \
	EXPECT_EQ((_reason), __rs); \
} while (0)

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline int have_debugfs(void)
{
	struct statfs sfs;

	return !statfs(DEBUGFS_PATH, &sfs) && sfs.f_type == DEBUGFS_MAGIC;
}

/* Write @s to @path in one write(): 0, -EIO when short, or -errno. */
static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* Read a small text file, NUL-terminated, trailing newline dropped. */
static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* One line of the sysmem debugfs heaps file. */
struct sysmem_heap_stats {
	unsigned long long buffers, bytes, peak, failures, max;
	int unregistered;
};

/*
 * The line of @heap in the sysmem heaps file:
 * "NAME buffers=N bytes=N peak=N failures=N max=N[ unregistered]".
 * Returns 0, -ENOENT when the heap has no line, or -errno.
 */
static inline int sysmem_read_heap_stats(const char *heap,
					 struct sysmem_heap_stats *st)
{
	char line[256], name[64], tail[64];
	int ret = -ENOENT, n;
	FILE *f;

	f = fopen(HEAPS_PATH, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		memset(st, 0, sizeof(*st));
		tail[0] = '\0';
		n = sscanf(line, "%63s buffers=%llu bytes=%llu peak=%llu "
			   "failures=%llu max=%llu %63s", name, &st->buffers,
			   &st->bytes, &st->peak, &st->failures, &st->max,
			   tail);
		if (n < 6 || strcmp(name, heap))
			continue;
		st->unregistered = !strcmp(tail, "unregistered");
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* Poll interval of the settle helpers. */
#define SETTLE_POLL_MS	10
/* The usual settle timeout: dma-buf release runs soon after close(). */
#define SETTLE_MS	2000

static inline int sysmem__heap_wait(const char *heap,
				    unsigned long long buffers,
				    const unsigned long long *bytes,
				    unsigned int timeout_ms,
				    struct sysmem_heap_stats *st)
{
	unsigned int waited;
	int ret;

	for (waited = 0;; waited += SETTLE_POLL_MS) {
		ret = sysmem_read_heap_stats(heap, st);
		if (ret)
			return ret;
		if (st->buffers == buffers && (!bytes || st->bytes == *bytes))
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(SETTLE_POLL_MS * 1000);
	}
}

/*
 * Wait up to @timeout_ms until @heap holds @buffers live buffers.
 * Buffers go back from dma-buf release, which may run a little after
 * the last close().  Returns 0, -ETIMEDOUT, or the error of
 * sysmem_read_heap_stats(); the last values read are left in *st.
 */
static inline int sysmem_heap_settle(const char *heap,
				     unsigned long long buffers,
				     unsigned int timeout_ms,
				     struct sysmem_heap_stats *st)
{
	return sysmem__heap_wait(heap, buffers, NULL, timeout_ms, st);
}

/* sysmem_heap_settle(), and the live bytes must be @bytes too. */
static inline int sysmem_heap_settle_bytes(const char *heap,
					   unsigned long long buffers,
					   unsigned long long bytes,
					   unsigned int timeout_ms,
					   struct sysmem_heap_stats *st)
{
	return sysmem__heap_wait(heap, buffers, &bytes, timeout_ms, st);
}

#define OBJECTS_PATH	DEBUGFS_PATH "/sysmem/objects"

/* The sysmem debugfs objects file: live objects of each kind. */
struct sysmem_objects {
	long long collections, nodes, buffers, trackers, tracking_fds;
	long long strong_watches;	/* 0 on modules without the line */
};

/* Read the objects file into *o.  Returns 0 or -errno. */
static inline int sysmem_read_objects(struct sysmem_objects *o)
{
	char name[32];
	long long v;
	FILE *f;

	memset(o, 0, sizeof(*o));
	f = fopen(OBJECTS_PATH, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%31s %lld", name, &v) == 2) {
		if (!strcmp(name, "collections"))
			o->collections = v;
		else if (!strcmp(name, "nodes"))
			o->nodes = v;
		else if (!strcmp(name, "buffers"))
			o->buffers = v;
		else if (!strcmp(name, "trackers"))
			o->trackers = v;
		else if (!strcmp(name, "tracking_fds"))
			o->tracking_fds = v;
		else if (!strcmp(name, "strong_watches"))
			o->strong_watches = v;
	}
	fclose(f);
	return 0;
}

static inline int sysmem_objects_zero(const struct sysmem_objects *o)
{
	return !o->collections && !o->nodes && !o->buffers && !o->trackers &&
	       !o->tracking_fds && !o->strong_watches;
}

/*
 * Wait up to @timeout_ms until sysmem has no live object left (every
 * sysmem fd, mapping and dma-buf of every process closed).  Returns 0,
 * -ETIMEDOUT with the last counts in *o, or -errno.
 */
static inline int sysmem_objects_settle(unsigned int timeout_ms,
					struct sysmem_objects *o)
{
	unsigned int waited;
	int ret;

	for (waited = 0;; waited += SETTLE_POLL_MS) {
		ret = sysmem_read_objects(o);
		if (ret)
			return ret;
		if (sysmem_objects_zero(o))
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(SETTLE_POLL_MS * 1000);
	}
}

/* Load the module file @path with @params.  Returns 0 or -errno. */
static inline int sysmem_module_load(const char *path, const char *params)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload module @name without waiting.  Returns 0 or -errno. */
static inline int sysmem_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* Whether module @name is loaded (has its /sys/module directory). */
static inline bool sysmem_module_loaded(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

#define FAILSLAB	DEBUGFS_PATH "/failslab/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"

/*
 * Open this thread's fail-nth file, with failslab set to fail sleeping
 * allocations too and quietly.  Return: the fd (fail_nth_close() it),
 * -ENOENT on a kernel without failslab or fail-nth (skip), or -errno
 * with sleeping allocations spared again.
 */
static inline int fail_nth_open(void)
{
	int ret;

	if (access(FAILSLAB "ignore-gfp-wait", W_OK) || access(FAIL_NTH, W_OK))
		return -ENOENT;
	ret = write_file(FAILSLAB "ignore-gfp-wait", "N");
	if (ret)
		return ret;
	ret = write_file(FAILSLAB "verbose", "0");
	if (!ret) {
		ret = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
		if (ret >= 0)
			return ret;
		ret = -errno;
	}
	write_file(FAILSLAB "ignore-gfp-wait", "Y");
	return ret;
}

/* Undo fail_nth_open(): sleeping allocations are spared again. */
static inline void fail_nth_close(int nth)
{
	write_file(FAILSLAB "ignore-gfp-wait", "Y");
	close(nth);
}

/* Make the @n-th fault point of this thread fail (fail-nth fd @nth). */
static inline void fail_nth_arm(int nth, int n)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", n);
	if (pwrite(nth, s, strlen(s), 0) < 0)
		abort();
}

/* Disarm; true when the armed failure was injected. */
static inline bool fail_nth_disarm(int nth)
{
	char s[16] = "";

	if (pread(nth, s, sizeof(s) - 1, 0) < 0)
		abort();
	if (pwrite(nth, "0", 1, 0) < 0)
		abort();
	return atoi(s) == 0;
}

static inline void cons_init(struct sysmem_buffer_constraints *c,
			     __u64 usage, __u32 camping, __u64 min_size)
{
	memset(c, 0, sizeof(*c));
	c->usage = usage;
	c->min_buffer_count_for_camping = camping;
	c->min_size_bytes = min_size;
}

/* Close the valid fds of @fds and mark every slot -1. */
static inline void close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* The number the next new fd gets: all-or-nothing checks compare it. */
static inline int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Release and close a collection fd; nothing for a negative one. */
static inline void leave(int fd)
{
	if (fd < 0)
		return;
	sysmem_release(fd);
	close(fd);
}

/*
 * A non-shared collection of @n buffers of @size from the system heap,
 * CPU read and write: returns the collection fd and the buffers' fds in
 * @fds, or -errno (-EIO when the collection failed, its reason then in
 * *@reason when @reason is not NULL).
 */
static inline int sysmem_alloc_system(int dev, int *fds, unsigned int n,
				      __u64 size, __u32 *reason)
{
	struct sysmem_heap_name heap = { .name = "system" };
	struct sysmem_buffer_constraints c = {
		.usage = USAGE_RW,
		.flags = SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS,
		.min_buffer_count = n,
		.min_size_bytes = size,
		.heap_count = 1,
		.heaps = (__u64)(uintptr_t)&heap,
	};
	unsigned int count = 0;
	__u32 state, why = 0;
	int coll, ret;

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		return coll;
	ret = sysmem_set_constraints(coll, &c);
	if (!ret)
		ret = sysmem_wait(coll, WAIT_NS);
	if (ret == -EIO && reason) {
		sysmem_check(coll, &state, &why);
		*reason = why;
	}
	if (!ret)
		ret = sysmem_get_result(coll, NULL, fds, n, &count, NULL);
	if (!ret && count != n)
		ret = -EPROTO;
	if (ret) {
		close(coll);
		return ret;
	}
	return coll;
}

#endif /* SYSMEM_SELFTEST_H */
