// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem's built-in heaps published under /dev/dma_heap/, and the
 * contract that comes with them: published heaps free their buffers,
 * publishing is the last step of module init, a module that published
 * is pinned, one loaded with publish_dma_heaps=0 is not.
 *
 * Only kernels that export dma_heap_add() can publish (Linux 6.18 and
 * later); elsewhere the tests check that nothing is published and skip
 * the rest.  The unload and init-failure tests need SYSMEM_MODULE (the
 * sysmem.ko to load) and sysmem loaded with publish_dma_heaps=0; the
 * init-failure test ends with sysmem loaded, published and pinned, so
 * the tests after it see published heaps.  make check runs this binary
 * on 7.2 in a guest of its own (tools/testing/vm/dmabuf-heaps.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-heap.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define PUBLISH_PARAM	"/sys/module/sysmem/parameters/publish_dma_heaps"
#define FAILPAGE	DEBUGFS_PATH "/fail_page_alloc/"
/* Far more allocations than module init makes. */
#define MAX_NTH		2000

static const char *const heaps[] = { "system", "contiguous" };

/* Whether the running kernel exports @sym to modules. */
static bool kernel_exports(const char *sym)
{
	char line[256], want[128];
	bool found = false;
	FILE *f;

	snprintf(want, sizeof(want), " __ksymtab_%s", sym);
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);

		found = p && (p[strlen(want)] == '\n' ||
			      p[strlen(want)] == ' ' || p[strlen(want)] == '\0');
	}
	fclose(f);
	return found;
}

/* Address of kernel function @sym and of the symbol after it. */
static int kernel_sym_range(const char *sym, unsigned long *start,
			    unsigned long *end)
{
	char line[256], name[128], type;
	unsigned long addr, best = 0;
	bool take_next = false;
	FILE *f;

	*start = *end = 0;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %127s", &addr, &type, name) != 3)
			continue;
		if (!strcmp(name, sym) && (type == 't' || type == 'T')) {
			*start = addr;
			take_next = true;
			continue;
		}
		/* kallsyms is sorted by address for the kernel image. */
		if (take_next && addr > *start) {
			best = addr;
			break;
		}
	}
	fclose(f);
	if (!*start || !best)
		return -ENOENT;
	*end = best;
	return 0;
}

/* 1 when @heap ("system", ...) is under /dev/dma_heap as sysmem-@heap. */
static bool published(const char *heap)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/dma_heap/sysmem-%s", heap);
	return !access(path, F_OK);
}

static bool any_published(void)
{
	return published(heaps[0]) || published(heaps[1]);
}

static bool sysmem_loaded(void)
{
	return !access("/sys/module/sysmem", F_OK);
}

/* publish_dma_heaps of the loaded module: 1, 0, or -errno. */
static int publish_param(void)
{
	char s[8];
	int ret = read_file(PUBLISH_PARAM, s, sizeof(s));

	return ret ? ret : s[0] == 'Y';
}

static int module_unload(void)
{
	return syscall(SYS_delete_module, "sysmem", O_NONBLOCK) ? -errno : 0;
}

static int module_load(const char *path, const char *params)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Skip unless the kernel lets sysmem publish at all. */
#define NEED_PUBLISHING() do { \
	if (!kernel_exports("dma_heap_add")) \
		SKIP(return, "kernel does not export dma_heap_add"); \
} while (0)

/* Skip unless sysmem can be unloaded and reloaded here. */
#define NEED_UNPINNED_MODULE(path) do { \
	NEED_PUBLISHING(); \
	if (!(path)) \
		SKIP(return, "SYSMEM_MODULE not set"); \
	if (any_published()) \
		SKIP(return, "sysmem is already published and pinned " \
		     "(load it with publish_dma_heaps=0)"); \
} while (0)

/*
 * What is under /dev/dma_heap matches what the kernel allows and the
 * module was asked for: both heaps, or none.
 */
TEST(published_as_configured)
{
	bool want;
	int param;

	ASSERT_TRUE(sysmem_loaded());
	param = publish_param();
	ASSERT_LE(0, param) TH_LOG("%s: %s", PUBLISH_PARAM, strerror(-param));
	want = kernel_exports("dma_heap_add") && param;
	EXPECT_EQ(want, published("system"));
	EXPECT_EQ(want, published("contiguous"));
	if (!kernel_exports("dma_heap_add"))
		TH_LOG("kernel does not export dma_heap_add: nothing published");
}

/* With publish_dma_heaps=0, sysmem unloads and reloads like before. */
TEST(unpublished_module_unloads)
{
	const char *path = getenv("SYSMEM_MODULE");

	NEED_UNPINNED_MODULE(path);
	ASSERT_EQ(0, publish_param());
	ASSERT_EQ(0, module_unload());
	EXPECT_FALSE(sysmem_loaded());
	ASSERT_EQ(0, module_load(path, "publish_dma_heaps=0"));
	EXPECT_FALSE(any_published());
	EXPECT_EQ(0, publish_param());
	EXPECT_EQ(0, module_unload());
	ASSERT_EQ(0, module_load(path, "publish_dma_heaps=0"));
}

struct fail_attr_saved {
	char require_start[32], require_end[32];
	char reject_start[32], reject_end[32];
	char depth[16], wait[4], verbose[16];
};

static int fail_attr_set(const char *dir, const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s%s", dir, file);
	return write_file(path, val);
}

static void fail_attr_save(const char *dir, struct fail_attr_saved *s)
{
	char path[128];

#define SAVE(field, name) do { \
	snprintf(path, sizeof(path), "%s%s", dir, name); \
	if (read_file(path, s->field, sizeof(s->field))) \
		s->field[0] = '\0'; \
} while (0)
	SAVE(require_start, "require-start");
	SAVE(require_end, "require-end");
	SAVE(reject_start, "reject-start");
	SAVE(reject_end, "reject-end");
	SAVE(depth, "stacktrace-depth");
	SAVE(wait, "ignore-gfp-wait");
	SAVE(verbose, "verbose");
#undef SAVE
}

static void fail_attr_restore(const char *dir, const struct fail_attr_saved *s)
{
	fail_attr_set(dir, "require-start", s->require_start);
	fail_attr_set(dir, "require-end", s->require_end);
	fail_attr_set(dir, "reject-start", s->reject_start);
	fail_attr_set(dir, "reject-end", s->reject_end);
	fail_attr_set(dir, "stacktrace-depth", s->depth);
	fail_attr_set(dir, "ignore-gfp-wait", s->wait);
	fail_attr_set(dir, "verbose", s->verbose);
}

/*
 * Limit the fault points of @dir to allocations made under kernel
 * function @under but not under dma_heap_add(), whose failures
 * publishing ignores.
 */
static int fail_attr_limit(const char *dir, const char *under, bool wait)
{
	unsigned long rs, re, js, je;
	char v[32];
	int ret;

	ret = kernel_sym_range(under, &rs, &re);
	if (!ret)
		ret = kernel_sym_range("dma_heap_add", &js, &je);
	if (ret)
		return ret;
#define SET(name, fmt, val) do { \
	snprintf(v, sizeof(v), fmt, val); \
	ret = fail_attr_set(dir, name, v); \
	if (ret) \
		return ret; \
} while (0)
	SET("require-start", "%lu", rs);
	SET("require-end", "%lu", re);
	SET("reject-start", "%lu", js);
	SET("reject-end", "%lu", je);
	SET("stacktrace-depth", "%d", 32);
	SET("verbose", "%d", 0);
	SET("ignore-gfp-wait", "%s", wait ? "N" : "Y");
#undef SET
	return 0;
}

/* Whether a /dev/kmsg record from now on contains @needle. */
static bool kmsg_contains(int kmsg, const char *needle)
{
	char rec[1024];
	bool found = false;
	ssize_t n;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		if (n <= 0)
			continue;	/* EPIPE: records were overwritten */
		rec[n] = '\0';
		if (strstr(rec, needle))
			found = true;
	}
	return found;
}

/*
 * Load sysmem with @params and the @n-th counted allocation failing.
 * Returns the load's result; *@reached tells whether the n-th
 * allocation happened at all.
 */
static int load_failing(int nth, int n, const char *path, const char *params,
			bool *reached)
{
	char s[16] = "";
	int ret;

	snprintf(s, sizeof(s), "%d", n);
	if (pwrite(nth, s, strlen(s), 0) < 0)
		return -errno;
	ret = module_load(path, params);
	if (pread(nth, s, sizeof(s) - 1, 0) < 0 ||
	    pwrite(nth, "0", 1, 0) < 0)
		abort();
	*reached = atoi(s) == 0;
	return ret;
}

/*
 * Module init fails at each of its allocations in turn (fail-nth, with
 * failslab and fail_page_alloc limited to allocations under module init,
 * do_one_initcall()), loaded with publish_dma_heaps=0: every failure
 * unwinds (some allocations, such as debugfs files, init may do without)
 * and the module loads again.  Then, with publishing on, the allocations
 * of the misc device, the last step before publishing, fail in turn:
 * after every failed load /dev/dma_heap must hold no sysmem heap, since
 * a published heap can never be taken back.  The load that gets through
 * publishes both heaps and pins the module.  Allocations under
 * dma_heap_add() are never failed: publishing ignores its own failures.
 */
/*
 * A fixture only for the timeout of the sweep below (a plain TEST has
 * the harness's 30 s, and it loads the module some seventy times) and
 * for the order: the harness runs the global tests first, then each
 * fixture's in file order, and the tests after the sweep need the
 * published module its last load leaves.
 */
FIXTURE(last) {
	int unused;
};

FIXTURE_SETUP(last)
{
}

FIXTURE_TEARDOWN(last)
{
}

TEST_F_TIMEOUT(last, init_failure_publishes_nothing, 240)
{
	const char *path = getenv("SYSMEM_MODULE");
	struct fail_attr_saved slab, page;
	int nth, kmsg, n, ret, pass1 = 0, failed = 0;
	bool reached;

	NEED_UNPINNED_MODULE(path);
	if (access(FAILSLAB "require-start", W_OK) ||
	    access("/proc/thread-self/fail-nth", W_OK))
		SKIP(return, "kernel without failslab, its stacktrace filter or fail-nth");

	fail_attr_save(FAILSLAB, &slab);
	fail_attr_save(FAILPAGE, &page);
	ASSERT_EQ(0, fail_attr_limit(FAILSLAB, "do_one_initcall", true));
	/* Page allocations that can sleep are not failed (as by default). */
	ASSERT_EQ(0, fail_attr_limit(FAILPAGE, "do_one_initcall", false));
	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);

	ASSERT_EQ(0, module_unload());
	/* Pass 1: every allocation of init, unpublished. */
	for (n = 1; n < MAX_NTH; n++) {
		ret = load_failing(nth, n, path, "publish_dma_heaps=0", &reached);
		if (!ret) {
			/* Done, or an allocation init may do without. */
			ASSERT_FALSE(any_published());
			ASSERT_EQ(0, module_unload()) TH_LOG("allocation %d", n);
			if (!reached)
				break;
			continue;
		}
		/* ENOMEM, or EINVAL from the device core for a lost name. */
		ASSERT_TRUE(reached) TH_LOG("allocation %d", n);
		ASSERT_GT(0, ret) TH_LOG("allocation %d", n);
		ASSERT_FALSE(sysmem_loaded()) TH_LOG("allocation %d", n);
		pass1++;
	}
	ASSERT_LT(n, MAX_NTH);
	TH_LOG("init made %d allocations; %d of them fail the load, cleanly",
	       n - 1, pass1);

	/* Pass 2: the misc device's allocations, publishing on. */
	ASSERT_EQ(0, fail_attr_limit(FAILSLAB, "misc_register", true));
	ASSERT_EQ(0, fail_attr_limit(FAILPAGE, "misc_register", false));
	kmsg_contains(kmsg, "");	/* forget pass 1's messages */
	for (n = 1; n < MAX_NTH; n++) {
		ret = load_failing(nth, n, path, "", &reached);
		if (!ret)
			break;
		ASSERT_TRUE(reached) TH_LOG("allocation %d", n);
		ASSERT_FALSE(sysmem_loaded()) TH_LOG("allocation %d", n);
		ASSERT_FALSE(any_published())
			TH_LOG("allocation %d: a sysmem heap outlived a failed init",
			       n);
		ASSERT_TRUE(kmsg_contains(kmsg, "cannot register /dev/sysmem"))
			TH_LOG("allocation %d", n);
		failed++;
	}
	close(nth);
	close(kmsg);
	fail_attr_restore(FAILSLAB, &slab);
	fail_attr_restore(FAILPAGE, &page);

	TH_LOG("the misc device failed at %d allocations, none left a heap",
	       failed);
	EXPECT_LT(0, failed);
	ASSERT_TRUE(sysmem_loaded());
	EXPECT_TRUE(published("system"));
	EXPECT_TRUE(published("contiguous"));
	EXPECT_EQ(0, access(SYSMEM_DEV_PATH, F_OK));
}

/*
 * Buffers from the published heaps are sysmem buffers of the right
 * size, readable and writable, and go back to their heap when closed.
 */
TEST_F(last, published_heaps_free_their_buffers)
{
	static const __u64 sizes[] = { 4096, 3 * 4096 + 1, 1 << 20 };
	const size_t nr = sizeof(sizes) / sizeof(sizes[0]);
	struct sysmem_heap_stats base, st;
	unsigned int h, i;
	int dev, fd;

	NEED_PUBLISHING();
	if (!publish_param())
		SKIP(return, "sysmem loaded with publish_dma_heaps=0");
	dev = sysmem_open();
	ASSERT_LE(0, dev);
	for (h = 0; h < 2; h++) {
		char path[64];
		int fds[3];
		__u64 bytes = 0;

		snprintf(path, sizeof(path), "/dev/dma_heap/sysmem-%s", heaps[h]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		ASSERT_EQ(0, sysmem_read_heap_stats(heaps[h], &base));
		for (i = 0; i < nr; i++) {
			struct dma_heap_allocation_data d = {
				.len = sizes[i],
				.fd_flags = O_RDWR | O_CLOEXEC,
			};
			__u64 coll = 1;
			__u32 index = 1;
			unsigned char *p;
			size_t len = (sizes[i] + 4095) & ~4095ULL;

			ASSERT_EQ(0, ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &d))
				TH_LOG("%s %llu bytes: %s", path,
				       (unsigned long long)sizes[i],
				       strerror(errno));
			fds[i] = d.fd;
			bytes += len;
			EXPECT_EQ(len, lseek(d.fd, 0, SEEK_END));
			/* A sysmem buffer that belongs to no collection. */
			EXPECT_EQ(0, sysmem_buffer_info(dev, d.fd, &coll, &index));
			EXPECT_EQ(0, coll);
			EXPECT_EQ(0, index);
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 d.fd, 0);
			ASSERT_NE(MAP_FAILED, p);
			EXPECT_EQ(0, p[0]);
			EXPECT_EQ(0, p[len - 1]);
			p[0] = 0x5a;
			p[len - 1] = 0xa5;
			EXPECT_EQ(0x5a, p[0]);
			munmap(p, len);
		}
		ASSERT_EQ(0, sysmem_read_heap_stats(heaps[h], &st));
		EXPECT_EQ(base.buffers + nr, st.buffers);
		EXPECT_EQ(base.bytes + bytes, st.bytes);
		close_fds(fds, nr);
		/* Every byte goes back when the last fd closes. */
		EXPECT_EQ(0, sysmem_heap_settle_bytes(heaps[h], base.buffers,
						      base.bytes, SETTLE_MS, &st))
			TH_LOG("%s: %llu buffers, %llu bytes left", heaps[h],
			       st.buffers, st.bytes);
		close(fd);
	}
	close(dev);
}

/* A module whose heaps are published refuses to unload, and works on. */
TEST_F(last, published_module_is_pinned)
{
	struct dma_heap_allocation_data d = {
		.len = 4096,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	struct sysmem_version v;
	int fd;

	NEED_PUBLISHING();
	if (!publish_param())
		SKIP(return, "sysmem loaded with publish_dma_heaps=0");
	ASSERT_TRUE(any_published());
	EXPECT_EQ(-EWOULDBLOCK, module_unload());
	ASSERT_TRUE(sysmem_loaded());
	fd = sysmem_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, sysmem_get_version(fd, &v));
	close(fd);
	fd = open("/dev/dma_heap/sysmem-system", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &d));
	close(d.fd);
	close(fd);
}

/*
 * Outside a collection the allocating task pays: through the published
 * contiguous heap, a task dropped to nobody with RLIMIT_MEMLOCK 8 MiB
 * (fd opened as root, like any dma-heap user the node's mode lets in)
 * gets two 4 MiB buffers and EDQUOT for a third, and nothing it was
 * refused stays counted (Documentation/sysmem/security.rst).
 */
TEST_F(last, published_heap_charges_the_allocator)
{
	struct sysmem_heap_stats base, st;
	int fd, status, i, got = 0, err = 0;
	char users[4096];
	pid_t pid;

	NEED_PUBLISHING();
	if (!publish_param())
		SKIP(return, "sysmem loaded with publish_dma_heaps=0");
	ASSERT_EQ(0, sysmem_read_heap_stats("contiguous", &base));
	fd = open("/dev/dma_heap/sysmem-contiguous", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit rl = { 8 << 20, 8 << 20 };
		int fds[3] = { -1, -1, -1 };

		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
		    setgid(65534) || setuid(65534))
			_exit(99);
		for (i = 0; i < 3; i++) {
			struct dma_heap_allocation_data d = {
				.len = 4 << 20,
				.fd_flags = O_RDWR | O_CLOEXEC,
			};

			if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &d)) {
				err = errno;
				break;
			}
			fds[got++] = d.fd;
		}
		close_fds(fds, 3);
		/* 10 * got + (third refused with EDQUOT) */
		_exit(10 * got + (err == EDQUOT));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(fd);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(21, WEXITSTATUS(status));
	/* Freed, the buffers leave nothing counted for nobody. */
	EXPECT_EQ(0, sysmem_heap_settle_bytes("contiguous", base.buffers,
					      base.bytes, SETTLE_MS, &st));
	ASSERT_EQ(0, read_file(DEBUGFS_PATH "/sysmem/users", users,
			       sizeof(users)));
	EXPECT_EQ(NULL, strstr(users, "uid=65534 "))
		TH_LOG("%s", users);
}

TEST_HARNESS_MAIN
