// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem heaps: heap choice (secure, contiguous, by name), clearing and
 * the cache flush of new buffers (skipped where sysmem's DMA device is
 * coherent, done once per buffer with the dma_noncoherent test knob),
 * contiguous memory given back to CMA, allocation failures, per-heap
 * caps, unregistering a heap with live buffers, what an importing device
 * sees, and the calls other participants make while an allocation holds
 * the collection's lock.
 *
 * Uses the test heaps of sysmem_test_heap.ko ("test-secure",
 * "test-faulty") and its importer, and loads that module itself from
 * /lib/sysmem/sysmem_test_heap.ko (where the VM runner puts it); skips
 * when the module file is not there.  Needs debugfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define TEST_HEAP_KO	"/lib/sysmem/sysmem_test_heap.ko"
#define TEST_HEAP_MOD	"sysmem_test_heap"
#define THDIR		"/sys/kernel/debug/sysmem_test_heap/"
#define MAX_BYTES_PARAM	"/sys/module/sysmem/parameters/heap_max_bytes"
#define DMA_PATH	DEBUGFS_PATH "/sysmem/dma"
#define NONCOHERENT_KNOB DEBUGFS_PATH "/sysmem/dma_noncoherent"

/*
 * The 6.1 harness runs the test body even when the fixture setup
 * skipped; every test starts with this.
 */
#define NEED_TEST_HEAP() do { \
	if (!self->loaded) \
		SKIP(return, "%s", self->why); \
} while (0)

static int th_knob(const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), THDIR "%s", knob);
	return write_file(path, val);
}

static int th_read(const char *knob, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), THDIR "%s", knob);
	return read_file(path, buf, len);
}

/* Wait (up to 2 s) until @heap has no line any more. */
static int heap_gone(const char *heap)
{
	struct sysmem_heap_stats st;
	int i, ret;

	for (i = 0; i < 200; i++) {
		ret = sysmem_read_heap_stats(heap, &st);
		if (ret == -ENOENT)
			return 0;
		if (ret)
			return ret;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Live buffers of @heap in the test module's own "buffers" file. */
static int th_buffers(const char *heap, unsigned long long *buffers,
		      unsigned long long *bytes)
{
	char text[256], name[64], *line, *save = NULL;

	if (th_read("buffers", text, sizeof(text)))
		return -EIO;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s buffers=%llu bytes=%llu", name, buffers,
			   bytes) == 3 && !strcmp(name, heap))
			return 0;
	}
	return -ENOENT;
}

/* What the test module's importer saw of a dma-buf fd. */
struct import {
	unsigned int segments;
	unsigned long long bytes, dma_addr;
	int vmap;			/* 0, or the kernel mapping's error */
	unsigned int first, last;	/* words read through that mapping */
};

static int import_fd(int fd, struct import *imp)
{
	char num[16], text[256];
	int ret;

	snprintf(num, sizeof(num), "%d", fd);
	ret = th_knob("import", num);
	if (ret)
		return ret;
	if (th_read("import", text, sizeof(text)))
		return -EIO;
	if (sscanf(text, "segments=%u bytes=%llu dma_addr=%llx vmap=%d first=%x last=%x",
		   &imp->segments, &imp->bytes, &imp->dma_addr, &imp->vmap,
		   &imp->first, &imp->last) != 6)
		return -EBADMSG;
	return 0;
}

static int load_test_heap(void)
{
	int fd, ret = 0;

	fd = open(TEST_HEAP_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		ret = -errno;
	close(fd);
	return ret;
}

static int unload_test_heap(void)
{
	if (syscall(SYS_delete_module, TEST_HEAP_MOD, O_NONBLOCK))
		return -errno;
	return 0;
}

static int module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/*
 * sysmem's debugfs dma file, "coherent=0|1 flushes=N": whether new
 * buffers skip the flush round trip, and how many were done.
 */
static int dma_state(int *coherent, long long *flushes)
{
	char buf[128];
	int ret;

	ret = read_file(DMA_PATH, buf, sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "coherent=%d flushes=%lld", coherent, flushes) != 2)
		return -EPROTO;
	return 0;
}

static long long dma_flushes(void)
{
	long long flushes = -1;
	int coherent;

	if (dma_state(&coherent, &flushes))
		return -1;
	return flushes;
}

/* A /proc/meminfo line's value in bytes ("@key: N kB"), or -1. */
static long long meminfo(const char *key)
{
	long long kb = -1;
	char line[128], fmt[64];
	FILE *f;

	snprintf(fmt, sizeof(fmt), "%s: %%lld kB", key);
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* CMA areas' size in bytes; 0 or -1 without CMA (the stock kernel). */
static long long cma_total(void)
{
	return meminfo("CmaTotal");
}

static long long cma_free(void)
{
	return meminfo("CmaFree");
}

/* Permit only the heap @name. */
static void cons_heap(struct sysmem_buffer_constraints *c,
		      struct sysmem_heap_name *h, const char *name)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	c->flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c->heap_count = 1;
	c->heaps = (uintptr_t)h;
}

/*
 * A non-shared collection with constraints @c.  Returns the collection
 * fd (the caller leaves it) once allocated or failed, or -errno; on
 * success with @fds, the buffer fds are in fds[0..*nfds).
 */
static int alloc_coll(int dev, const struct sysmem_buffer_constraints *c,
		      struct sysmem_buffer_settings *s, int *fds,
		      unsigned int cap, unsigned int *nfds)
{
	unsigned int count = 0;
	int coll, ret;

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		return coll;
	ret = sysmem_set_constraints(coll, c);
	if (ret) {
		close(coll);
		return ret;
	}
	ret = sysmem_wait(coll, WAIT_NS);
	if (ret == -EIO)
		return coll;
	if (ret) {
		close(coll);
		return ret;
	}
	ret = sysmem_get_result(coll, s, fds, cap, &count, nfds);
	if (ret) {
		close(coll);
		return ret;
	}
	return coll;
}

/* Release and close a node; closing alone would fail its collection. */
/* Offset of the first byte that is not @v, or -1. */
static long first_not(const unsigned char *p, size_t n, unsigned char v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return (long)i;
	return -1;
}

/*
 * Map each of @n buffer fds of @size bytes; return the offset of the
 * first non-zero byte as buffer * size + offset, -1 when all are zero,
 * or -2 - errno when a mapping fails.  Then fill them with @fill.
 */
static long check_zero_then_fill(const int *fds, unsigned int n, size_t size,
				 unsigned char fill)
{
	unsigned int i;
	long bad = -1;

	for (i = 0; i < n; i++) {
		unsigned char *p;
		long off;

		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[i], 0);
		if (p == MAP_FAILED)
			return -2 - errno;
		off = first_not(p, size, 0);
		if (off >= 0 && bad < 0)
			bad = (long)(i * size) + off;
		memset(p, fill, size);
		munmap(p, size);
	}
	return bad;
}

FIXTURE(heap) {
	int dev;
	int loaded;
	char why[128];
};

FIXTURE_SETUP(heap)
{
	int ret;

	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev)
		TH_LOG("open %s: %s", SYSMEM_DEV_PATH, strerror(-self->dev));
	ret = load_test_heap();
	if (ret == -ENOENT) {
		snprintf(self->why, sizeof(self->why),
			 "%s is not in this guest", TEST_HEAP_KO);
		SKIP(return, "%s", self->why);
	}
	ASSERT_EQ(0, ret) TH_LOG("loading %s: %s", TEST_HEAP_KO,
				 strerror(-ret));
	if (access(THDIR "registered", W_OK)) {
		snprintf(self->why, sizeof(self->why),
			 "no %s: debugfs not mounted?", THDIR);
		SKIP(return, "%s", self->why);
	}
	/* A clean start, whatever an earlier test left behind. */
	ASSERT_EQ(0, th_knob("fail_next", "0"));
	ASSERT_EQ(0, th_knob("fail_after", "0"));
	ASSERT_EQ(0, th_knob("hold", "0"));
	ASSERT_EQ(0, th_knob("registered", "1"));
	self->loaded = 1;
}

FIXTURE_TEARDOWN(heap)
{
	if (self->loaded) {
		th_knob("hold", "0");
		write_file(NONCOHERENT_KNOB, "N");
		th_knob("fail_next", "0");
		th_knob("fail_after", "0");
	}
	close(self->dev);
}

/* The test heaps register after the built-in ones, with empty counts. */
TEST_F(heap, registered_heaps)
{
	struct sysmem_heap_stats st;
	char text[32];

	NEED_TEST_HEAP();
	ASSERT_EQ(0, th_read("registered", text, sizeof(text)));
	EXPECT_STREQ("1", text);
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &st));
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &st));
	ASSERT_EQ(0, sysmem_read_heap_stats("test-secure", &st));
	EXPECT_EQ(0, st.buffers);
	EXPECT_EQ(0, st.bytes);
	EXPECT_EQ(0, st.unregistered);
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(0, st.buffers);
	EXPECT_EQ(0, st.bytes);
	EXPECT_EQ(0, st.unregistered);
}

/*
 * Secure constraints are met by test-secure, whose buffers the CPU can't
 * touch but a device can map.
 */
TEST_F(heap, secure)
{
	const size_t size = 256 * KIB;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct dma_buf_sync sync = { 0 };
	unsigned long long nb, nbytes;
	unsigned int nfds = 0, i;
	struct sysmem_heap_stats st;
	struct import imp;
	int coll, fds[2];
	void *p;

	NEED_TEST_HEAP();
	cons_init(&c, SYSMEM_USAGE_VIDEO_DECODER, 2, size);
	c.flags = SYSMEM_CONSTRAINTS_SECURE;
	coll = alloc_coll(self->dev, &c, &s, fds, 2, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(2, nfds);
	EXPECT_STREQ("test-secure", s.heap);
	EXPECT_EQ(2, s.buffer_count);
	EXPECT_EQ(size, s.size_bytes);
	EXPECT_EQ(SYSMEM_DOMAIN_INACCESSIBLE, s.coherency_domain);
	EXPECT_TRUE(s.flags & SYSMEM_SETTINGS_SECURE);
	leave(coll);

	ASSERT_EQ(0, sysmem_read_heap_stats("test-secure", &st));
	EXPECT_EQ(2, st.buffers);
	EXPECT_EQ(2 * size, st.bytes);
	ASSERT_EQ(0, th_buffers("test-secure", &nb, &nbytes));
	EXPECT_EQ(2, nb);
	EXPECT_EQ(2 * size, nbytes);

	for (i = 0; i < nfds; i++) {
		/* No CPU mapping, no CPU access bracket. */
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, fds[i], 0);
		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EPERM, errno);
		if (p != MAP_FAILED)
			munmap(p, size);
		sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
		EXPECT_EQ(-1, ioctl(fds[i], DMA_BUF_IOCTL_SYNC, &sync));
		EXPECT_EQ(EPERM, errno);

		/*
		 * A device maps the whole buffer; the kernel's CPU can't:
		 * the dma-buf has no vmap (-EINVAL, and no warning).
		 */
		memset(&imp, 0, sizeof(imp));
		ASSERT_EQ(0, import_fd(fds[i], &imp));
		EXPECT_LE(1, imp.segments);
		EXPECT_EQ(size, imp.bytes);
		EXPECT_EQ(-EINVAL, imp.vmap);
	}

	close_fds(fds, nfds);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-secure", 0, 0,
					      SETTLE_MS, &st));
	ASSERT_EQ(0, th_buffers("test-secure", &nb, &nbytes));
	EXPECT_EQ(0, nb);
	EXPECT_EQ(0, nbytes);
}

/* A participant names the one heap it accepts. */
TEST_F(heap, permitted_by_name)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_name h;
	unsigned int nfds = 0;
	struct sysmem_heap_stats st;
	int coll, fds[1];

	NEED_TEST_HEAP();
	cons_init(&c, USAGE_RW, 1, 8 * KIB);
	cons_heap(&c, &h, "test-faulty");
	coll = alloc_coll(self->dev, &c, &s, fds, 1, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(1, nfds);
	EXPECT_STREQ("test-faulty", s.heap);
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(1, st.buffers);
	EXPECT_EQ(8 * KIB, st.bytes);
	close_fds(fds, nfds);
	leave(coll);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 0, 0,
					      SETTLE_MS, &st));

	/* A name no heap has. */
	cons_init(&c, USAGE_RW, 1, 8 * KIB);
	cons_heap(&c, &h, "no-such-heap");
	coll = alloc_coll(self->dev, &c, &s, fds, 1, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_HEAP);
	leave(coll);
}

/*
 * Buffers are zero however the heap hands its memory over, also when
 * the same memory comes back after a previous user wrote to it.
 */
static void check_clearing(struct __test_metadata *_metadata, int dev,
			   const char *heap, __u32 flags,
			   unsigned int flushes_per_buffer)
{
	long long flushes;
	const size_t size = 192 * KIB;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_name h;
	unsigned int nfds = 0;
	struct sysmem_heap_stats st0, st;
	int round, coll, fds[3];

	ASSERT_EQ(0, sysmem_read_heap_stats(heap, &st0));
	for (round = 0; round < 3; round++) {
		flushes = dma_flushes();
		ASSERT_LE(0, flushes);
		cons_init(&c, USAGE_RW, 3, size);
		c.flags = flags;
		cons_heap(&c, &h, heap);
		coll = alloc_coll(dev, &c, &s, fds, 3, &nfds);
		ASSERT_LE(0, coll);
		CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
		ASSERT_EQ(3, nfds);
		EXPECT_STREQ(heap, s.heap);
		leave(coll);
		EXPECT_EQ(flushes + 3 * flushes_per_buffer, dma_flushes())
			TH_LOG("%s round %d", heap, round);
		ASSERT_EQ(0, sysmem_read_heap_stats(heap, &st));
		EXPECT_EQ(st0.buffers + 3, st.buffers);
		EXPECT_EQ(st0.bytes + 3 * size, st.bytes);
		EXPECT_EQ(-1, check_zero_then_fill(fds, nfds, size, 0x5a))
			TH_LOG("%s round %d", heap, round);
		close_fds(fds, nfds);
		EXPECT_EQ(0, sysmem_heap_settle_bytes(heap, st0.buffers,
						      st0.bytes, SETTLE_MS,
						      &st));
	}
}

/*
 * Flushes per new buffer where sysmem's DMA device is as the kernel
 * says: none on x86, which is cache-coherent.
 */
static unsigned int native_flushes(struct __test_metadata *_metadata)
{
	long long flushes;
	int coherent;

	ASSERT_EQ(0, dma_state(&coherent, &flushes));
#if defined(__x86_64__) || defined(__i386__)
	EXPECT_EQ(1, coherent);
#endif
	return coherent ? 0 : 1;
}

TEST_F(heap, clearing_test_faulty)
{
	unsigned long long nb, nbytes;

	NEED_TEST_HEAP();
	check_clearing(_metadata, self->dev, "test-faulty", 0,
		       native_flushes(_metadata));
	ASSERT_EQ(0, th_buffers("test-faulty", &nb, &nbytes));
	EXPECT_EQ(0, nb);
	EXPECT_EQ(0, nbytes);
}

TEST_F(heap, clearing_system)
{
	NEED_TEST_HEAP();
	check_clearing(_metadata, self->dev, "system", 0,
		       native_flushes(_metadata));
}

TEST_F(heap, clearing_contiguous)
{
	NEED_TEST_HEAP();
	check_clearing(_metadata, self->dev, "contiguous",
		       SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS,
		       native_flushes(_metadata));
}

/*
 * With the test knob sysmem treats its device as non-coherent: every new
 * buffer of a heap that needs clearing or flushing is mapped and
 * unmapped once (checked by DMA-API debugging on the debug kernels), and
 * the buffers still read zero.
 */
static void check_noncoherent(struct __test_metadata *_metadata, int dev,
			      const char *heap, __u32 flags)
{
	long long flushes;
	int coherent;

	ASSERT_EQ(0, write_file(NONCOHERENT_KNOB, "Y"));
	ASSERT_EQ(0, dma_state(&coherent, &flushes));
	EXPECT_EQ(0, coherent);
	check_clearing(_metadata, dev, heap, flags, 1);
	ASSERT_EQ(0, write_file(NONCOHERENT_KNOB, "N"));
}

TEST_F(heap, noncoherent_test_faulty)
{
	NEED_TEST_HEAP();
	check_noncoherent(_metadata, self->dev, "test-faulty", 0);
}

TEST_F(heap, noncoherent_system)
{
	NEED_TEST_HEAP();
	check_noncoherent(_metadata, self->dev, "system", 0);
}

TEST_F(heap, noncoherent_contiguous)
{
	NEED_TEST_HEAP();
	check_noncoherent(_metadata, self->dev, "contiguous",
			  SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS);
}

/*
 * Contiguous buffers come from the CMA area where the kernel has one
 * (cma=128M in the test guests; the stock kernel has none), zeroed, and
 * go back to it when freed.  Blocks of 32 MiB are larger than the page
 * allocator's largest, so only the CMA area can give them: that three
 * rounds of two succeed shows the blocks went back.  CmaFree (free pages
 * of CMA areas) is below CmaTotal by at least the live blocks, and rises
 * by most of them on free (some freed pages may wait on per-CPU lists,
 * which CmaFree does not count; the area may also lend pages to movable
 * allocations and take them back for a block).  A block that comes back
 * to the next buffer after a previous user filled it reads zero: cleared
 * once, by the DMA API (see sysmem_contig_heap.c).
 */
TEST_F_TIMEOUT(heap, contiguous_cma, 120)
{
	const long long size = 32 * MIB;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_stats st0, st;
	long long total, during, after;
	unsigned int nfds = 0, round, waited;
	int coll, fds[2];

	NEED_TEST_HEAP();
	total = cma_total();
	if (total <= 0)
		SKIP(return, "no CMA area in this kernel");
	ASSERT_LE(3 * size, total);
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &st0));
	for (round = 0; round < 3; round++) {
		cons_init(&c, USAGE_RW, 2, size);
		c.flags = SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
		coll = alloc_coll(self->dev, &c, &s, fds, 2, &nfds);
		ASSERT_LE(0, coll);
		CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
		ASSERT_EQ(2, nfds);
		EXPECT_STREQ("contiguous", s.heap);
		leave(coll);
		during = cma_free();
		EXPECT_GE(total - 2 * size, during)
			TH_LOG("CmaTotal %lld, CmaFree %lld with the buffers",
			       total, during);
		EXPECT_EQ(-1, check_zero_then_fill(fds, nfds, size, 0xa5))
			TH_LOG("round %u", round);
		close_fds(fds, nfds);
		EXPECT_EQ(0, sysmem_heap_settle_bytes("contiguous",
						      st0.buffers, st0.bytes,
						      SETTLE_MS, &st));
		/* The release gave the blocks back before the count fell. */
		for (waited = 0; (after = cma_free()) - during < size &&
		     waited < SETTLE_MS; waited += SETTLE_POLL_MS)
			usleep(SETTLE_POLL_MS * 1000);
		EXPECT_LE(size, after - during)
			TH_LOG("CmaFree %lld with the buffers, %lld after",
			       during, after);
	}
}

/*
 * The third of four allocations fails: the collection fails for lack
 * of memory, and the two buffers already allocated go back.
 */
TEST_F(heap, fail_third_of_four)
{
	const size_t size = 64 * KIB;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	unsigned long long nb, nbytes;
	struct sysmem_heap_name h;
	struct sysmem_heap_stats st0, st;
	unsigned int nfds = 0;
	int coll, fds[4];
	char text[32];

	NEED_TEST_HEAP();
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st0));
	ASSERT_EQ(0, th_knob("fail_after", "2"));
	ASSERT_EQ(0, th_knob("fail_next", "1"));

	cons_init(&c, USAGE_RW, 4, size);
	cons_heap(&c, &h, "test-faulty");
	coll = alloc_coll(self->dev, &c, &s, fds, 4, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_MEMORY);
	EXPECT_EQ(-EIO, sysmem_wait(coll, 0));
	EXPECT_EQ(-EIO, sysmem_get_result(coll, NULL, fds, 4, NULL, NULL));

	/* The injected failure was used up, exactly at the third. */
	ASSERT_EQ(0, th_read("fail_next", text, sizeof(text)));
	EXPECT_STREQ("0", text);
	ASSERT_EQ(0, th_read("fail_after", text, sizeof(text)));
	EXPECT_STREQ("0", text);

	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 0, 0,
					      SETTLE_MS, &st));
	EXPECT_EQ(0, st.buffers);
	EXPECT_EQ(0, st.bytes);
	EXPECT_EQ(st0.failures + 1, st.failures);
	/* Two buffers existed at once before the failure. */
	EXPECT_LE(2 * size, st.peak);
	ASSERT_EQ(0, th_buffers("test-faulty", &nb, &nbytes));
	EXPECT_EQ(0, nb);
	EXPECT_EQ(0, nbytes);
	leave(coll);

	/* The heap works again. */
	coll = alloc_coll(self->dev, &c, &s, fds, 4, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(4, nfds);
	close_fds(fds, nfds);
	leave(coll);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 0, 0,
					      SETTLE_MS, &st));
	EXPECT_EQ(st0.failures + 1, st.failures);
}

/* The seconds after which the watchdog lets a held allocation go. */
#define HOLD_WATCHDOG_S	30

/* How many allocations wait in the test heap's hold now, or -errno. */
static int th_held(void)
{
	char text[32];
	int ret;

	ret = th_read("held", text, sizeof(text));
	return ret ? ret : atoi(text);
}

/*
 * Wait until @want allocations wait in the hold: 0 once it is there,
 * -ETIMEDOUT after about 20 s (the test fails then, it does not time).
 */
static int th_wait_held(int want)
{
	int i;

	for (i = 0; i < 20000; i++) {
		if (th_held() == want)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/* The state letter of /proc/@pid/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], text[256], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, text, sizeof(text)))
		return 0;
	p = strrchr(text, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * A child that writes 0 to the hold knob after HOLD_WATCHDOG_S, so that
 * a kernel that makes a call wait for the held allocation fails the
 * test below instead of hanging it.
 */
static pid_t hold_watchdog(void)
{
	pid_t pid = fork();

	if (!pid) {
		sleep(HOLD_WATCHDOG_S);
		th_knob("hold", "0");
		_exit(0);
	}
	return pid;
}

/*
 * One of the calls that wait for the collection lock: on collection node
 * @node, or on @token, an attach token under it (which the collection's
 * allocation does not wait for), with @dev for BIND.
 */
static int victim_call(int call, int dev, int node, int token,
		       const struct sysmem_buffer_constraints *c)
{
	int fds[2], ret;

	switch (call) {
	case 0:
		return sysmem_set_name(node, 1, "victim");
	case 1:
		return sysmem_set_constraints(node, c);
	case 2:
		return sysmem_get_result(node, NULL, fds, 2, NULL, NULL);
	case 3:
		ret = sysmem_bind(dev, token);
		break;
	default:
		ret = sysmem_duplicate(token, SYSMEM_RIGHTS_SAME);
		break;
	}
	return ret < 0 ? ret : 0;
}

/*
 * The collection lock is held across an allocation, which can take long.
 * With the test heap holding one: CHECK and WAIT with a timeout answer
 * from another participant without waiting for it, and a participant
 * whose ioctl waits for the lock can be killed (SET_NAME,
 * SET_CONSTRAINTS, which kernel participants share, GET_RESULT, and BIND
 * and DUPLICATE of an attach token, whose new nodes are undone).  The
 * hold is still on after each of the first three, so none of them waited
 * for the allocation to end.
 */
TEST_F_TIMEOUT(heap, calls_during_allocation, 120)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_name h;
	struct sysmem_heap_stats st;
	unsigned int n = 0, nfds = 0;
	pid_t watchdog, alloc, victims[5];
	int root, tok, a, b, at, status, call, i, fds[2];
	__u32 state = 0, reason = 0;
	char ps;

	NEED_TEST_HEAP();
	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	tok = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, tok);
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	b = sysmem_bind(self->dev, tok);
	ASSERT_LE(0, b);
	close(root);
	close(tok);
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 1, 64 * KIB);
	cons_heap(&c, &h, "test-faulty");
	ASSERT_EQ(0, sysmem_set_constraints(b, &c));
	at = sysmem_attach_token(b, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, at);
	cons_init(&c, USAGE_RW, 1, 64 * KIB);
	cons_heap(&c, &h, "test-faulty");

	ASSERT_EQ(0, th_knob("hold", "1"));
	watchdog = hold_watchdog();
	ASSERT_LT(0, watchdog);
	/* The last constraints: this child allocates, under the lock. */
	alloc = fork();
	if (!alloc)
		_exit(sysmem_set_constraints(a, &c) ? 1 : 0);
	ASSERT_LT(0, alloc);
	ASSERT_EQ(0, th_wait_held(1));

	ASSERT_EQ(0, sysmem_check(b, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_PENDING, state);
	EXPECT_EQ(SYSMEM_FAIL_NONE, reason);
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(b, 0));
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(b, 20 * MSEC_NS));
	EXPECT_EQ(1, th_held());

	/*
	 * SET_NAME, (a second) SET_CONSTRAINTS, GET_RESULT, BIND and
	 * DUPLICATE take the lock: each waits for it, killably.  The first
	 * three have nothing to undo and their process is gone while the
	 * allocation still waits.  A killed BIND or DUPLICATE has made a
	 * node: closing it takes the lock, so its process finishes dying
	 * only after the allocation (reaped below).
	 */
	for (call = 0; call < 5; call++) {
		victims[call] = fork();
		if (!victims[call])
			_exit(victim_call(call, self->dev, b, at, &c) ? 1 : 0);
		ASSERT_LT(0, victims[call]);
		ps = 0;
		for (i = 0; i < 20000 && ps != 'D'; i++) {
			usleep(1000);
			ps = proc_state(victims[call]);
		}
		EXPECT_EQ('D', ps) TH_LOG("call %d", call);
		ASSERT_EQ(0, kill(victims[call], SIGKILL));
		if (call > 2)
			continue;
		ASSERT_EQ(victims[call], waitpid(victims[call], &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("call %d: status 0x%x", call, status);
		EXPECT_EQ(1, th_held()) TH_LOG("call %d", call);
	}

	/* Let the allocation go: it completes for both. */
	ASSERT_EQ(0, th_knob("hold", "0"));
	ASSERT_EQ(alloc, waitpid(alloc, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status 0x%x", status);
	kill(watchdog, SIGKILL);
	waitpid(watchdog, NULL, 0);
	for (call = 3; call < 5; call++) {
		ASSERT_EQ(victims[call], waitpid(victims[call], &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("call %d: status 0x%x", call, status);
	}
	EXPECT_EQ(0, sysmem_wait(b, WAIT_NS));
	CHECK_STATE(a, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	/* One buffer each participant camps on. */
	ASSERT_EQ(0, sysmem_get_result(b, &s, fds, 2, &n, &nfds));
	EXPECT_EQ(2, n);
	EXPECT_EQ(2, nfds);
	EXPECT_EQ(64 * KIB, s.size_bytes);
	EXPECT_STREQ("test-faulty", s.heap);
	close_fds(fds, nfds);
	/*
	 * The killed BIND gave up before it took the token: still live (a
	 * BIND that went on after the allocation would have bound it).
	 */
	EXPECT_EQ(0, sysmem_release(at));
	close(at);
	leave(a);
	leave(b);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 0, 0,
					      SETTLE_MS, &st));
	EXPECT_EQ(0, st.buffers);
}

/* heap_max_bytes caps what a heap may hold at once. */
TEST_F(heap, max_bytes_cap)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_name h;
	struct sysmem_heap_stats st0, st;
	unsigned int nfds = 0, n2 = 0;
	char saved[256];
	int coll, fds[2], more[1];

	NEED_TEST_HEAP();
	ASSERT_EQ(0, read_file(MAX_BYTES_PARAM, saved, sizeof(saved)))
		TH_LOG("no %s", MAX_BYTES_PARAM);
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st0));
	ASSERT_EQ(0, write_file(MAX_BYTES_PARAM, "test-faulty=64K"));
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(64 * KIB, st.max);

	/* 2 x 40 KiB would be 80 KiB: over the cap. */
	cons_init(&c, USAGE_RW, 2, 40 * KIB);
	cons_heap(&c, &h, "test-faulty");
	coll = alloc_coll(self->dev, &c, &s, fds, 2, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_MEMORY);
	leave(coll);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 0, 0,
					      SETTLE_MS, &st));
	EXPECT_EQ(st0.failures + 1, st.failures);

	/* 2 x 32 KiB is exactly the cap. */
	cons_init(&c, USAGE_RW, 2, 32 * KIB);
	cons_heap(&c, &h, "test-faulty");
	coll = alloc_coll(self->dev, &c, &s, fds, 2, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(2, nfds);
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(2, st.buffers);
	EXPECT_EQ(64 * KIB, st.bytes);
	leave(coll);

	/* Full: not one more page while those live. */
	cons_init(&c, USAGE_RW, 1, 4 * KIB);
	cons_heap(&c, &h, "test-faulty");
	coll = alloc_coll(self->dev, &c, &s, more, 1, &n2);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_MEMORY);
	leave(coll);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 0, 0,
					      SETTLE_MS, &st));
	EXPECT_EQ(st0.failures + 2, st.failures);

	/* Other heaps are not capped by it. */
	cons_init(&c, USAGE_RW, 2, 40 * KIB);
	cons_heap(&c, &h, "system");
	coll = alloc_coll(self->dev, &c, &s, fds, 2, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(2, nfds);
	close_fds(fds, nfds);
	leave(coll);

	ASSERT_EQ(0, write_file(MAX_BYTES_PARAM, saved[0] ? saved : "\n"));
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(0, st.max);
}

/*
 * Unregistering a heap stops new allocations from it; its live buffers
 * keep working, and its accounting goes when the last of them does.
 */
TEST_F(heap, unregister_with_live_buffers)
{
	const size_t size = 64 * KIB;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_name h;
	unsigned int nfds = 0, n2 = 0;
	struct sysmem_heap_stats st;
	int coll, fds[2], fds2[1];
	unsigned char *p, *q;
	struct import imp;
	char text[32];

	NEED_TEST_HEAP();
	cons_init(&c, USAGE_RW, 2, size);
	cons_heap(&c, &h, "test-faulty");
	coll = alloc_coll(self->dev, &c, &s, fds, 2, &nfds);
	ASSERT_LE(0, coll);
	ASSERT_EQ(2, nfds);
	leave(coll);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x11, size);

	ASSERT_EQ(0, th_knob("registered", "0"));
	ASSERT_EQ(0, th_read("registered", text, sizeof(text)));
	EXPECT_STREQ("0", text);

	/* Still listed while its buffers live, marked unregistered. */
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(2, st.buffers);
	EXPECT_EQ(2 * size, st.bytes);
	EXPECT_EQ(1, st.unregistered);
	/* test-secure had no buffers: gone at once. */
	EXPECT_EQ(-ENOENT, sysmem_read_heap_stats("test-secure", &st));

	/* No new allocations. */
	cons_init(&c, USAGE_RW, 1, size);
	cons_heap(&c, &h, "test-faulty");
	coll = alloc_coll(self->dev, &c, &s, fds2, 1, &n2);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_HEAP);
	leave(coll);

	/* The live buffers work: old and new mappings, import. */
	EXPECT_EQ(-1, first_not(p, size, 0x11));
	q = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(-1, first_not(q, size, 0));
	memset(q, 0x22, size);
	EXPECT_EQ(-1, first_not(q, size, 0x22));
	munmap(q, size);
	q = mmap(NULL, size, PROT_READ, MAP_SHARED, fds[0], 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(-1, first_not(q, size, 0x11));
	munmap(q, size);
	ASSERT_EQ(0, import_fd(fds[1], &imp));
	EXPECT_EQ(size, imp.bytes);

	/* The last buffer takes the line with it; a mapping counts. */
	close_fds(fds, nfds);
	ASSERT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 1, size,
					      SETTLE_MS, &st));
	EXPECT_EQ(1, st.unregistered);
	munmap(p, size);
	EXPECT_EQ(0, heap_gone("test-faulty"));

	/* Back again, empty, and usable. */
	ASSERT_EQ(0, th_knob("registered", "1"));
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(0, st.buffers);
	EXPECT_EQ(0, st.unregistered);
	ASSERT_EQ(0, sysmem_read_heap_stats("test-secure", &st));
	coll = alloc_coll(self->dev, &c, &s, fds2, 1, &n2);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	EXPECT_STREQ("test-faulty", s.heap);
	close_fds(fds2, n2);
	leave(coll);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("test-faulty", 0, 0,
					      SETTLE_MS, &st));
}

#define MAX_NTH		400

/*
 * Negotiations share one set of the registered heaps, built by the first
 * negotiation after a heap comes or goes: the SET_CONSTRAINTS that
 * follows such a change makes more slab allocations, the set's among
 * them.  Whichever fails, only that collection fails (the call's
 * ENOMEM or SYSMEM_FAIL_NO_MEMORY), the next negotiation allocates, and
 * nothing is left behind.  The same fail-nth sweep with the set kept
 * (passes 0 and 2) and dropped before each call by unregistering and
 * registering the test heaps again (pass 1).  How many injected failures
 * a call absorbs (allocations it can do without) varies with the slab
 * caches' state and only ever adds fault points, so pass 1 must meet
 * more than the fewer of the other two; not how many more.
 */
TEST_F_TIMEOUT(heap, heap_set_built_again_after_failure, 120)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	int points[3] = { 0, 0, 0 }, failed[3] = { 0, 0, 0 };
	struct sysmem_heap_stats base, st;
	struct sysmem_objects o;
	unsigned int nfds = 0;
	int nth, pass, n, coll, ret, fd;
	struct sysmem_heap_name h;
	__u32 state, reason;
	bool hit;

	NEED_TEST_HEAP();
	nth = fail_nth_open();
	if (nth == -ENOENT)
		SKIP(return, "kernel without failslab or fail-nth");
	ASSERT_LE(0, nth);
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &base));
	cons_init(&c, USAGE_RW, 1, 4096);
	cons_heap(&c, &h, "system");

	for (pass = 0; pass < 3; pass++) {
		hit = true;
		for (n = 1; hit && n < MAX_NTH; n++) {
			if (pass == 1) {
				ASSERT_EQ(0, th_knob("registered", "0"));
				ASSERT_EQ(0, th_knob("registered", "1"));
			}
			coll = sysmem_alloc_nonshared(self->dev);
			ASSERT_LE(0, coll);
			fail_nth_arm(nth, n);
			ret = sysmem_set_constraints(coll, &c);
			hit = fail_nth_disarm(nth);
			points[pass] += hit;
			ASSERT_TRUE(!ret || (ret == -ENOMEM && hit))
				TH_LOG("pass %d nth %d: %s", pass, n,
				       strerror(-ret));
			if (!ret) {
				ASSERT_EQ(0, sysmem_check(coll, &state,
							  &reason));
				if (state == SYSMEM_STATE_FAILED) {
					ASSERT_TRUE(hit);
					ASSERT_EQ(SYSMEM_FAIL_NO_MEMORY, reason);
					failed[pass]++;
				} else {
					ASSERT_EQ(SYSMEM_STATE_ALLOCATED, state)
						TH_LOG("pass %d nth %d", pass, n);
				}
			}
			leave(coll);
			/* Without a failure the next negotiation allocates. */
			coll = alloc_coll(self->dev, &c, &s, &fd, 1, &nfds);
			ASSERT_LE(0, coll);
			CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED,
				    SYSMEM_FAIL_NONE);
			ASSERT_EQ(1, nfds);
			close(fd);
			leave(coll);
		}
		ASSERT_LT(n, MAX_NTH);
	}
	fail_nth_close(nth);
	TH_LOG("failures injected: %d and %d with the set kept, %d with it built",
	       points[0], points[2], points[1]);
	/* Absorbed failures only add points: the fewest is the base. */
	EXPECT_LT(points[0] < points[2] ? points[0] : points[2], points[1]);
	EXPECT_LE(1, failed[1]);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("system", base.buffers,
					      base.bytes, SETTLE_MS, &st));
	EXPECT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o));
}

/*
 * Physically contiguous buffers come from the contiguous heap: one DMA
 * segment, aligned as the settings say (a page: nothing was asked).
 */
TEST_F_TIMEOUT(heap, contiguous, 120)
{
	const size_t size = 4 * MIB;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_stats st0, st;
	unsigned int nfds = 0, i;
	struct import imp;
	int coll, fds[2];

	NEED_TEST_HEAP();
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &st0));
	cons_init(&c, USAGE_RW, 2, size);
	c.flags = SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	coll = alloc_coll(self->dev, &c, &s, fds, 2, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(2, nfds);
	EXPECT_STREQ("contiguous", s.heap);
	EXPECT_TRUE(s.flags & SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS);
	ASSERT_EQ(page_size(), s.min_physical_base_alignment);
	leave(coll);
	for (i = 0; i < nfds; i++) {
		memset(&imp, 0, sizeof(imp));
		ASSERT_EQ(0, import_fd(fds[i], &imp));
		EXPECT_EQ(1, imp.segments);
		EXPECT_EQ(size, imp.bytes);
		EXPECT_EQ(0, imp.dma_addr % s.min_physical_base_alignment)
			TH_LOG("dma_addr 0x%llx", imp.dma_addr);
	}
	close_fds(fds, nfds);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("contiguous", st0.buffers,
					      st0.bytes, SETTLE_MS, &st));

	/* 1 GiB in one piece: more than the machine can give. */
	cons_init(&c, USAGE_RW, 1, GIB);
	c.flags = SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS |
		  SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
	c.max_size_bytes = GIB;
	coll = alloc_coll(self->dev, &c, &s, fds, 1, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_MEMORY);
	leave(coll);
	EXPECT_EQ(0, sysmem_heap_settle_bytes("contiguous", st0.buffers,
					      st0.bytes, SETTLE_MS, &st));
	EXPECT_EQ(st0.failures + 1, st.failures);
}

/* For comparison: an 8 MiB system-heap buffer as a device sees it. */
TEST_F(heap, system_import)
{
	const size_t size = 8 * MIB;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	unsigned int nfds = 0;
	struct import imp;
	int coll, fds[1];
	__u32 *p;

	NEED_TEST_HEAP();
	cons_init(&c, USAGE_RW, 1, size);
	coll = alloc_coll(self->dev, &c, &s, fds, 1, &nfds);
	ASSERT_LE(0, coll);
	CHECK_STATE(coll, SYSMEM_STATE_ALLOCATED, SYSMEM_FAIL_NONE);
	ASSERT_EQ(1, nfds);
	EXPECT_STREQ("system", s.heap);
	leave(coll);
	/* What the CPU writes, a kernel mapping (vmap) reads. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x5157e301;
	p[size / 4 - 1] = 0x5157e3ff;
	munmap(p, size);
	memset(&imp, 0, sizeof(imp));
	ASSERT_EQ(0, import_fd(fds[0], &imp));
	EXPECT_LE(1, imp.segments);
	EXPECT_GE(size / 4096, imp.segments);
	EXPECT_EQ(size, imp.bytes);
	EXPECT_EQ(0, imp.vmap);
	EXPECT_EQ(0x5157e301, imp.first);
	EXPECT_EQ(0x5157e3ff, imp.last);
	TH_LOG("system heap, 8 MiB: %u DMA segments", imp.segments);
	close_fds(fds, nfds);

	/* Not a dma-buf: the importer refuses it. */
	EXPECT_EQ(-EBADF, import_fd(999, &imp));
	EXPECT_EQ(-EINVAL, import_fd(self->dev, &imp));
}

/* Last: the module goes away cleanly and takes its heaps with it. */
TEST_F(heap, unload)
{
	struct sysmem_heap_stats st;

	NEED_TEST_HEAP();
	ASSERT_EQ(0, unload_test_heap()) TH_LOG("%s", strerror(errno));
	EXPECT_FALSE(module_loaded(TEST_HEAP_MOD));
	EXPECT_EQ(-ENOENT, sysmem_read_heap_stats("test-faulty", &st));
	EXPECT_EQ(-ENOENT, sysmem_read_heap_stats("test-secure", &st));
	EXPECT_EQ(0, sysmem_read_heap_stats("system", &st));
	/* And loads again. */
	ASSERT_EQ(0, load_test_heap());
	ASSERT_EQ(0, sysmem_read_heap_stats("test-faulty", &st));
	ASSERT_EQ(0, unload_test_heap());
}

TEST_HARNESS_MAIN
