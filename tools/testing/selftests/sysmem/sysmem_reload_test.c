// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem module unload and reload cycles.
 *
 * Whatever holds the module, an open /dev/sysmem, a token, group,
 * collection, node ref or tracking fd, a buffer's dma-buf fd or only a
 * mapping of it, makes unloading fail with EWOULDBLOCK
 * (delete_module() with O_NONBLOCK: the module's reference count is
 * not zero), and the held object keeps working, its buffer contents
 * intact; once everything is closed the module unloads, /dev/sysmem
 * goes away, and a reload brings a working device back.  Then a child
 * process uses the device in a loop (open, allocate, map, write, read
 * back, close) while the parent unloads and reloads the module many
 * times: every unload either fails with EWOULDBLOCK or succeeds, the
 * child only ever sees the device missing (ENOENT, ENODEV) or working,
 * and nothing is left behind.
 *
 * SYSMEM_MODULE names the sysmem.ko to reload; without it the test
 * skips.  A reload passes the publish_dma_heaps value of the module it
 * replaced.  A module that published its heaps under /dev/dma_heap is
 * pinned: there the test checks that unloading is refused, with and
 * without live buffers, and skips the cycles.  sysmem_test_camera and
 * sysmem_test_heap, which depend on sysmem, are unloaded first if they
 * are loaded.
 * SYSMEM_RELOAD_CYCLES sets the number of cycles of the race (default
 * 16).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define PUBLISH_PARAM	"/sys/module/sysmem/parameters/publish_dma_heaps"
#define BUF_SIZE	(3 * 4096)
#define RACE_CYCLES	16
/* Unload attempts per cycle before giving up on the child letting go. */
#define MAX_ATTEMPTS	2000

/* The module's reference count (/sys/module/sysmem/refcnt), or -1. */
static int module_refcnt(void)
{
	char v[16];

	if (read_file("/sys/module/sysmem/refcnt", v, sizeof(v)))
		return -1;
	return atoi(v);
}

static bool pinned(void)
{
	return !access("/dev/dma_heap/sysmem-system", F_OK) ||
	       !access("/dev/dma_heap/sysmem-contiguous", F_OK);
}

/* The parameters a reload passes: those of the module loaded now. */
static void reload_params(char *params, size_t len)
{
	char v[8];

	params[0] = '\0';
	if (!read_file(PUBLISH_PARAM, v, sizeof(v)))
		snprintf(params, len, "publish_dma_heaps=%c", v[0]);
}

/* A non-shared collection of one buffer; its dma-buf fd in *buf. */
static int one_buffer(int dev, int *buf)
{
	struct sysmem_buffer_constraints c = {
		.usage = SYSMEM_USAGE_CPU_READ | SYSMEM_USAGE_CPU_WRITE,
		.min_buffer_count_for_camping = 1,
		.min_size_bytes = BUF_SIZE,
	};
	int coll, ret;

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		return coll;
	ret = sysmem_set_constraints(coll, &c);
	if (!ret)
		ret = sysmem_wait(coll, WAIT_NS);
	if (!ret)
		ret = sysmem_get_result(coll, NULL, buf, 1, NULL, NULL);
	if (ret) {
		close(coll);
		return ret;
	}
	return coll;
}

/* Write @seed's pattern through a mapping of @buf, or check it. */
static int pattern(int buf, unsigned char seed, bool write)
{
	unsigned char *p;
	int ret = 0;
	size_t i;

	p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 0; i < BUF_SIZE; i++) {
		if (write)
			p[i] = (unsigned char)(seed + i * 7);
		else if (p[i] != (unsigned char)(seed + i * 7))
			ret = -EILSEQ;
	}
	munmap(p, BUF_SIZE);
	return ret;
}

/* Whether the device works: open, allocate, write, read back, close. */
static int device_works(void)
{
	int dev, coll, buf = -1, ret;

	dev = sysmem_open();
	if (dev < 0)
		return dev;
	ret = sysmem_check_version(dev);
	coll = ret ? ret : one_buffer(dev, &buf);
	if (coll < 0) {
		close(dev);
		return coll;
	}
	ret = pattern(buf, 0x11, true);
	if (!ret)
		ret = pattern(buf, 0x11, false);
	close(buf);
	sysmem_release(coll);
	close(coll);
	close(dev);
	return ret;
}

static void objects_zero(struct __test_metadata *_metadata)
{
	struct sysmem_objects o;

	if (sysmem_read_objects(&o))
		return;		/* no debugfs */
	ASSERT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o))
		TH_LOG("left: %lld colls %lld nodes %lld bufs %lld trackers %lld tfds",
		       o.collections, o.nodes, o.buffers, o.trackers,
		       o.tracking_fds);
}

/* Unload (it must work), check the device is gone, load again. */
static void reload(struct __test_metadata *_metadata, const char *path,
		   const char *params)
{
	struct stat st;

	ASSERT_EQ(0, sysmem_module_unload("sysmem"));
	ASSERT_FALSE(sysmem_module_loaded("sysmem"));
	ASSERT_EQ(-1, stat(SYSMEM_DEV_PATH, &st));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-ENOENT, sysmem_open());
	ASSERT_EQ(0, sysmem_module_load(path, params));
	ASSERT_EQ(0, stat(SYSMEM_DEV_PATH, &st));
	ASSERT_EQ(0660, st.st_mode & 07777);
	ASSERT_EQ(0, device_works());
}

FIXTURE(reload) {
	const char *path;
	char params[32];
	bool ready;
};

FIXTURE_SETUP(reload)
{
	self->ready = false;
	self->path = getenv("SYSMEM_MODULE");
	if (!self->path)
		SKIP(return, "SYSMEM_MODULE not set");
	ASSERT_TRUE(sysmem_module_loaded("sysmem"));
	/* The selftests' helper modules use sysmem: none may hold it. */
	if (sysmem_module_loaded("sysmem_test_camera"))
		ASSERT_EQ(0, sysmem_module_unload("sysmem_test_camera"));
	if (sysmem_module_loaded("sysmem_test_heap"))
		ASSERT_EQ(0, sysmem_module_unload("sysmem_test_heap"));
	reload_params(self->params, sizeof(self->params));
	self->ready = true;
}

FIXTURE_TEARDOWN(reload)
{
	/* Leave sysmem loaded, as the runner's init expects. */
	if (self->ready && !sysmem_module_loaded("sysmem"))
		sysmem_module_load(self->path, self->params);
}

/*
 * Why the cycles cannot run here, or NULL.  The 6.1 harness runs the
 * body even when the setup skipped, so each test asks.
 */
static const char *cannot_cycle(bool ready)
{
	if (!ready)
		return "SYSMEM_MODULE not set";
	if (pinned())
		return "sysmem published its heaps and is pinned (see published_module_refuses)";
	return NULL;
}

/*
 * A published module refuses to unload, with or without live buffers,
 * and keeps working.  Skips where nothing is published.
 */
TEST_F(reload, published_module_refuses)
{
	int dev, coll, buf, i;

	if (!self->ready)
		SKIP(return, "SYSMEM_MODULE not set");
	if (!pinned())
		SKIP(return, "sysmem did not publish its heaps: not pinned");
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-EWOULDBLOCK, sysmem_module_unload("sysmem"));
		ASSERT_EQ(0, device_works());
	}
	dev = sysmem_open();
	ASSERT_LE(0, dev);
	coll = one_buffer(dev, &buf);
	ASSERT_LE(0, coll);
	ASSERT_EQ(0, pattern(buf, 0x42, true));
	EXPECT_EQ(-EWOULDBLOCK, sysmem_module_unload("sysmem"));
	EXPECT_EQ(0, pattern(buf, 0x42, false));
	close(buf);
	leave(coll);
	close(dev);
	EXPECT_EQ(-EWOULDBLOCK, sysmem_module_unload("sysmem"));
	ASSERT_EQ(0, device_works());
	objects_zero(_metadata);
}

/* Unload and reload with nothing open, a few times. */
TEST_F(reload, idle_cycles)
{
	const char *why;
	int i;

	why = cannot_cycle(self->ready);
	if (why)
		SKIP(return, "%s", why);
	objects_zero(_metadata);
	for (i = 0; i < 3; i++)
		reload(_metadata, self->path, self->params);
	EXPECT_EQ(-EEXIST, sysmem_module_load(self->path, self->params));
	objects_zero(_metadata);
}

enum holder {
	HOLD_DEV, HOLD_TOKEN, HOLD_GROUP, HOLD_COLL, HOLD_REF, HOLD_NODE_TRACKING,
	HOLD_LIFETIME_TRACKING, HOLD_DMABUF, HOLD_MMAP, NR_HOLDERS
};

static const char *const holder_names[NR_HOLDERS] = {
	"/dev/sysmem fd", "token fd", "group fd", "collection fd",
	"node ref fd", "node tracking fd", "lifetime tracking fd",
	"dma-buf fd", "mapping",
};

/*
 * Each kind of holder alone keeps the module: unloading fails with
 * EWOULDBLOCK and the held object still works; once it is closed the
 * module's reference count is back to 0 (so it would unload: one
 * reload after the last holder proves it, and saves eight slow loads).
 */
TEST_F(reload, held_objects_refuse_unload)
{
	int h, dev, dev2, tok, dup_tok, fd, coll, buf;
	unsigned char *map;
	const char *why;

	why = cannot_cycle(self->ready);
	if (why)
		SKIP(return, "%s", why);
	for (h = 0; h < NR_HOLDERS; h++) {
		map = MAP_FAILED;
		buf = -1;
		coll = -1;
		dup_tok = -1;
		dev = sysmem_open();
		ASSERT_LE(0, dev);
		tok = sysmem_alloc_token(dev);
		ASSERT_LE(0, tok);
		switch (h) {
		case HOLD_DEV:
			fd = dup(dev);
			break;
		case HOLD_TOKEN:
			fd = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
			break;
		case HOLD_GROUP:
			fd = sysmem_create_group(tok);
			break;
		case HOLD_COLL:
			dup_tok = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
			ASSERT_LE(0, dup_tok);
			fd = sysmem_bind(dev, dup_tok);
			break;
		case HOLD_REF:
			fd = sysmem_get_node_ref(tok);
			break;
		case HOLD_NODE_TRACKING:
			fd = sysmem_attach_node_tracking(tok);
			break;
		default:
			coll = one_buffer(dev, &buf);
			ASSERT_LE(0, coll);
			ASSERT_EQ(0, pattern(buf, h, true));
			fd = buf;
			if (h == HOLD_LIFETIME_TRACKING)
				fd = sysmem_attach_lifetime_tracking(coll, 0);
			if (h == HOLD_MMAP) {
				map = mmap(NULL, BUF_SIZE,
					   PROT_READ | PROT_WRITE, MAP_SHARED,
					   buf, 0);
				ASSERT_NE(MAP_FAILED, map);
			}
			break;
		}
		ASSERT_LE(0, fd)
			TH_LOG("%s: %s", holder_names[h], strerror(-fd));
		/* Everything else goes: only the holder is left. */
		if (coll >= 0)
			leave(coll);
		if (dup_tok >= 0)
			close(dup_tok);
		if (buf >= 0 && fd != buf)
			close(buf);
		if (h == HOLD_MMAP)
			close(fd);
		leave(tok);
		close(dev);

		EXPECT_LT(0, module_refcnt())
			TH_LOG("held by a %s", holder_names[h]);
		EXPECT_EQ(-EWOULDBLOCK, sysmem_module_unload("sysmem"))
			TH_LOG("held by a %s", holder_names[h]);
		ASSERT_TRUE(sysmem_module_loaded("sysmem"));
		ASSERT_EQ(0, access(SYSMEM_DEV_PATH, F_OK));
		/* The holder still works. */
		if (h == HOLD_DMABUF)
			EXPECT_EQ(0, pattern(fd, h, false));
		if (h == HOLD_MMAP) {
			size_t i;

			for (i = 0; i < BUF_SIZE; i++)
				if (map[i] != (unsigned char)(h + i * 7))
					break;
			EXPECT_EQ(BUF_SIZE, i) TH_LOG("mapping changed at %zu", i);
			memset(map, 0x77, BUF_SIZE);
			ASSERT_EQ(0, munmap(map, BUF_SIZE));
		} else if (h == HOLD_TOKEN) {
			int c;

			dev2 = sysmem_open();
			ASSERT_LE(0, dev2);
			c = sysmem_bind(dev2, fd);
			ASSERT_LE(0, c);
			close(fd);
			close(dev2);
			fd = c;
		} else if (h == HOLD_DEV) {
			EXPECT_EQ(0, sysmem_check_version(fd));
		}
		if (h != HOLD_MMAP)
			leave(fd);
		objects_zero(_metadata);
		/* Nothing holds it now: it would unload (one reload below). */
		EXPECT_EQ(0, module_refcnt())
			TH_LOG("%s closed", holder_names[h]);
	}
	reload(_metadata, self->path, self->params);
}

/*
 * The child of the race: use the device until told to stop.  Exit 0
 * with counts in @res, or the step that failed.
 */
struct race_counts {
	int rounds, absent, unloads, busy;
};

static int race_child(int *stop, struct race_counts *res)
{
	int dev, coll, buf, ret;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		dev = sysmem_open();
		if (dev == -ENOENT || dev == -ENODEV) {
			res->absent++;
			usleep(1000);
			continue;
		}
		if (dev < 0)
			return 10;
		/* The device is held from here on: everything must work. */
		coll = one_buffer(dev, &buf);
		if (coll < 0)
			return 11;
		ret = pattern(buf, res->rounds, true);
		if (!ret)
			ret = pattern(buf, res->rounds, false);
		if (ret)
			return 12;
		close(buf);
		if (sysmem_release(coll))
			return 13;
		close(coll);
		close(dev);
		res->rounds++;
		/* Nothing held: a window for the parent's unload. */
		usleep(2000);
	}
	return 0;
}

/*
 * A child uses the device in a loop while the parent unloads and
 * reloads the module: SYSMEM_RELOAD_CYCLES unloads that succeed, each
 * followed by a reload; every other attempt finds the module busy.
 */
/* Longer than the default timeout with more SYSMEM_RELOAD_CYCLES. */
TEST_F_TIMEOUT(reload, race_with_user, 300)
{
	const char *env = getenv("SYSMEM_RELOAD_CYCLES");
	int cycles = env ? atoi(env) : RACE_CYCLES;
	struct race_counts *res;
	int status, ret, attempts;
	const char *why;
	int *stop;
	struct stat st;
	pid_t pid;
	void *shm;

	why = cannot_cycle(self->ready);
	if (why)
		SKIP(return, "%s", why);
	shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shm);
	stop = shm;
	res = (struct race_counts *)((char *)shm + 64);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Never outlive a parent that stopped on an assertion. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(race_child(stop, res));
	}

	while (res->unloads < cycles) {
		for (attempts = 0; attempts < MAX_ATTEMPTS; attempts++) {
			ret = sysmem_module_unload("sysmem");
			if (!ret)
				break;
			ASSERT_EQ(-EWOULDBLOCK, ret);
			res->busy++;
			usleep(1000);
		}
		if (attempts == MAX_ATTEMPTS) {
			__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
			waitpid(pid, &status, 0);
		}
		ASSERT_EQ(0, ret) TH_LOG("still busy after %d attempts",
					 attempts);
		res->unloads++;
		/* Gone while the child keeps trying. */
		EXPECT_EQ(-1, stat(SYSMEM_DEV_PATH, &st));
		usleep(20000);
		ret = sysmem_module_load(self->path, self->params);
		ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
		/* Let the child get a few rounds in. */
		usleep(100000);
	}
	__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child failed at step %d", WEXITSTATUS(status));
	ksft_print_msg("race: %d unload/reload cycles, %d unloads refused busy\n",
		       res->unloads, res->busy);
	ksft_print_msg("race: child: %d rounds, %d opens found no device\n",
		       res->rounds, res->absent);
	EXPECT_LT(0, res->rounds);
	objects_zero(_metadata);
	/* Nothing holds it any more: a last cycle works. */
	reload(_metadata, self->path, self->params);
	munmap(shm, 4096);
}

TEST_HARNESS_MAIN
