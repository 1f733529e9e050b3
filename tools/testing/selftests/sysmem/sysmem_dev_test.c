// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem device basics: the node and who may open it (mode 0660: a user
 * outside its group gets EACCES, a member opens it and allocates), the
 * version ioctl, ioctl argument handling, the client's ABI and module
 * reload.
 *
 * Also built with -m32 (make userspace-m32, which defines
 * SYSMEM_SELFTEST_M32): then it runs as a 32-bit process on the 64-bit
 * kernel, whose ioctls reach sysmem through compat_ptr_ioctl.
 *
 * SYSMEM_MODULE names the sysmem.ko to reload; without it the reload
 * tests are skipped.  A module that published its heaps under
 * /dev/dma_heap/ is pinned and must refuse to unload instead (see
 * sysmem_publish_test.c).  Runs as root (the VM runner's init).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

/* The version ioctl with the caller's structure size set to @size. */
#define GET_VERSION_SIZED(size) \
	_IOC(_IOC_READ, SYSMEM_IOC_MAGIC, 0x00, (size))

static int module_unload(void)
{
	return syscall(SYS_delete_module, "sysmem", O_NONBLOCK) ? -errno : 0;
}

static int module_load(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = sysmem_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", SYSMEM_DEV_PATH,
				       strerror(-self->fd));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/*
 * The node's mode is 0660: owner and group only.  The guest has no udev,
 * so devtmpfs leaves it root:root; on a host, udev/70-sysmem.rules gives
 * it to the "video" group, so the group is not checked here.
 */
TEST(node_is_char_device_mode_0660)
{
	char sysfs[64];
	unsigned int maj, min;
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, stat(SYSMEM_DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);

	/* The node is the misc device the module registered. */
	f = fopen("/sys/class/misc/sysmem/dev", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%u:%u", &maj, &min));
	fclose(f);
	EXPECT_EQ(maj, major(st.st_rdev));
	EXPECT_EQ(min, minor(st.st_rdev));
	snprintf(sysfs, sizeof(sysfs), "/sys/dev/char/%u:%u", maj, min);
	EXPECT_EQ(0, access(sysfs, F_OK));
}

/* The unprivileged user the tests become (nobody on Debian). */
#define NOBODY		65534
/* A group no account uses, lent to the node while a test runs. */
#define DEV_TEST_GID	4242

/* What a child that dropped its privileges reports (its exit status). */
enum unpriv_status {
	UNPRIV_OK = 0,		/* opened, allocated, wrote and read back */
	UNPRIV_EACCES = 1,	/* open failed with EACCES */
	UNPRIV_OPEN = 2,	/* open failed otherwise */
	UNPRIV_DROP = 3,	/* could not become NOBODY */
	UNPRIV_VERSION = 4,
	UNPRIV_ALLOC = 5,
	UNPRIV_MAP = 6,
};

/*
 * In a child: become uid and gid NOBODY with @gid (if not -1) as the only
 * supplementary group, then open the device, read its version and
 * allocate, map and use one buffer.  Returns the child's exit status.
 */
static int unpriv_child(gid_t gid)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_version v;
	unsigned int count, nfds;
	int dev, coll, buf = -1;
	char *p;

	if (setgroups(gid == (gid_t)-1 ? 0 : 1, &gid) || setgid(NOBODY) ||
	    setuid(NOBODY) || getuid() != NOBODY || geteuid() != NOBODY)
		return UNPRIV_DROP;
	dev = sysmem_open();
	if (dev == -EACCES)
		return UNPRIV_EACCES;
	if (dev < 0)
		return UNPRIV_OPEN;
	if (sysmem_get_version(dev, &v) || v.major != SYSMEM_ABI_MAJOR)
		return UNPRIV_VERSION;
	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		return UNPRIV_ALLOC;
	cons_init(&c, USAGE_RW, 1, page_size());
	if (sysmem_set_constraints(coll, &c) || sysmem_wait(coll, WAIT_NS) ||
	    sysmem_get_result(coll, NULL, &buf, 1, &count, &nfds) ||
	    count != 1 || nfds != 1)
		return UNPRIV_ALLOC;
	p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (p == MAP_FAILED || p[0] != 0)
		return UNPRIV_MAP;
	p[page_size() - 1] = 0x5a;
	if (p[page_size() - 1] != 0x5a)
		return UNPRIV_MAP;
	munmap(p, page_size());
	close(buf);
	leave(coll);
	close(dev);
	return UNPRIV_OK;
}

/* Run unpriv_child(@gid) in a child process; returns its exit status. */
static int unpriv_run(gid_t gid)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(unpriv_child(gid));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1000;
}

/*
 * The node lent to group DEV_TEST_GID for the test; teardown gives it
 * back its group (and mode, should a test change it).
 */
FIXTURE(unpriv) {
	struct stat orig;
	bool lent;
};

FIXTURE_SETUP(unpriv)
{
	self->lent = false;
	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges and chgrp the node");
	ASSERT_EQ(0, stat(SYSMEM_DEV_PATH, &self->orig));
	/* The test's group must not be one the node already has. */
	ASSERT_NE(DEV_TEST_GID, self->orig.st_gid);
	ASSERT_EQ(0, chown(SYSMEM_DEV_PATH, -1, DEV_TEST_GID));
	self->lent = true;
}

FIXTURE_TEARDOWN(unpriv)
{
	if (!self->lent)
		return;
	EXPECT_EQ(0, chown(SYSMEM_DEV_PATH, -1, self->orig.st_gid));
	EXPECT_EQ(0, chmod(SYSMEM_DEV_PATH, self->orig.st_mode & 07777));
}

/* A user outside the node's group is refused at open. */
TEST_F(unpriv, outside_group_eacces)
{
	EXPECT_EQ(UNPRIV_EACCES, unpriv_run(-1));
	/* Another group does not help either. */
	EXPECT_EQ(UNPRIV_EACCES, unpriv_run(DEV_TEST_GID + 1));
}

/* A member of the node's group opens the device and allocates. */
TEST_F(unpriv, group_member_allocates)
{
	EXPECT_EQ(UNPRIV_OK, unpriv_run(DEV_TEST_GID));
}

/* The mode, not the group alone, decides: 0600 refuses a member too. */
TEST_F(unpriv, group_needs_group_bits)
{
	ASSERT_EQ(0, chmod(SYSMEM_DEV_PATH, 0600));
	EXPECT_EQ(UNPRIV_EACCES, unpriv_run(DEV_TEST_GID));
	ASSERT_EQ(0, chmod(SYSMEM_DEV_PATH, self->orig.st_mode & 07777));
	EXPECT_EQ(UNPRIV_OK, unpriv_run(DEV_TEST_GID));
}

TEST_F(dev, version)
{
	struct sysmem_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, SYSMEM_IOC_GET_VERSION, &v));
	EXPECT_EQ(SYSMEM_ABI_MAJOR, v.major);
	EXPECT_EQ(SYSMEM_ABI_MINOR, v.minor);
	EXPECT_EQ(0, sysmem_check_version(self->fd));
}

TEST_F(dev, version_shorter_struct)
{
	__u32 buf[2] = { 0xdeadbeef, 0xdeadbeef };

	/* An older caller that knows only the major field. */
	ASSERT_EQ(0, ioctl(self->fd, GET_VERSION_SIZED(sizeof(__u32)), buf));
	EXPECT_EQ(SYSMEM_ABI_MAJOR, buf[0]);
	EXPECT_EQ(0xdeadbeef, buf[1]);
}

TEST_F(dev, version_longer_struct)
{
	__u32 buf[4];

	/* A newer caller: the tail the kernel does not know reads as zero. */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, GET_VERSION_SIZED(sizeof(buf)), buf));
	EXPECT_EQ(SYSMEM_ABI_MAJOR, buf[0]);
	EXPECT_EQ(SYSMEM_ABI_MINOR, buf[1]);
	EXPECT_EQ(0, buf[2]);
	EXPECT_EQ(0, buf[3]);
}

TEST_F(dev, unknown_ioctl_enotty)
{
	struct sysmem_version v;

	/* Unused number, foreign type byte, wrong direction. */
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SYSMEM_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(SYSMEM_IOC_MAGIC, 0xff,
					    struct sysmem_version), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR('x', 0x00, struct sysmem_version),
			    &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(SYSMEM_IOC_MAGIC, 0x00,
					    struct sysmem_version), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SYSMEM_IOC_MAGIC, 0x00)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, bad_pointer_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	void *ro, *none;

	EXPECT_EQ(-1, ioctl(self->fd, SYSMEM_IOC_GET_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);

	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-1, ioctl(self->fd, SYSMEM_IOC_GET_VERSION, none));
	EXPECT_EQ(EFAULT, errno);
	munmap(none, page);

	/* Readable but not writable: the kernel can't store the result. */
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, ioctl(self->fd, SYSMEM_IOC_GET_VERSION, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, page);

	/* Straddling into an unmapped page. */
	none = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_EQ(0, munmap((char *)none + page, page));
	EXPECT_EQ(-1, ioctl(self->fd, SYSMEM_IOC_GET_VERSION,
			    (char *)none + page - 4));
	EXPECT_EQ(EFAULT, errno);
	munmap(none, page);
}

/*
 * The uapi has one layout on 32-bit and 64-bit ABIs, so compat_ptr_ioctl
 * passes every structure through untranslated.  lib/sysmem_uapi_layout.h
 * asserts all of it at build time (in both builds of libsysmem); this
 * repeats a few of its numbers in the binary that is actually run.
 */
TEST(uapi_layout)
{
	EXPECT_EQ(8, sizeof(struct sysmem_version));
	EXPECT_EQ(944, sizeof(struct sysmem_image_constraints));
	EXPECT_EQ(432, offsetof(struct sysmem_image_constraints,
				required_max_sizes));
	EXPECT_EQ(96, sizeof(struct sysmem_buffer_constraints));
	EXPECT_EQ(56, offsetof(struct sysmem_buffer_constraints, heaps));
	EXPECT_EQ(176, sizeof(struct sysmem_image_format));
	EXPECT_EQ(256, sizeof(struct sysmem_buffer_settings));
	EXPECT_EQ(64, offsetof(struct sysmem_buffer_settings, image));
	EXPECT_EQ(24, sizeof(struct sysmem_duplicate_many));
	EXPECT_EQ(64, sizeof(struct sysmem_result));
	EXPECT_EQ(48, offsetof(struct sysmem_result, close_weak_fds));
	EXPECT_EQ(16, sizeof(struct sysmem_lifetime_tracking));
}

/*
 * The client is what it was built as: a 32-bit process in the -m32
 * build, 64-bit otherwise, on a 64-bit kernel either way.  The i386 ABI
 * aligns a __u64 member to 4 bytes, which is what made a hole of the
 * 64-bit layout invisible to 32-bit callers before ABI 0.6.
 */
struct abi_probe {
	__u32 a;
	__u64 b;
};

#ifdef SYSMEM_SELFTEST_M32
TEST(client_abi_m32_on_64bit_kernel)
#else
TEST(client_abi_native_64bit)
#endif
{
	struct sysmem_version v;
	struct utsname u;
	int fd;

#ifdef SYSMEM_SELFTEST_M32
	ASSERT_EQ(4, sizeof(void *));
	ASSERT_EQ(4, sizeof(long));
	EXPECT_EQ(4, offsetof(struct abi_probe, b));
#else
	ASSERT_EQ(8, sizeof(void *));
	ASSERT_EQ(8, sizeof(long));
	EXPECT_EQ(8, offsetof(struct abi_probe, b));
#endif
	ASSERT_EQ(0, uname(&u));
	ASSERT_STREQ("x86_64", u.machine);

	fd = sysmem_open();
	ASSERT_LE(0, fd);
	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(fd, SYSMEM_IOC_GET_VERSION, &v));
	EXPECT_EQ(SYSMEM_ABI_MAJOR, v.major);
	EXPECT_EQ(SYSMEM_ABI_MINOR, v.minor);
	close(fd);
}

/*
 * The test VM brings up every CPU it was given (SYSMEM_VM_CPUS, set by
 * the VM runner), so concurrency tests run truly in parallel and lockdep
 * sees real races.
 */
TEST(vm_cpus_online)
{
	const char *want = getenv("SYSMEM_VM_CPUS");
	char online[64];

	if (!want)
		SKIP(return, "not in the sysmem test VM (SYSMEM_VM_CPUS not set)");
	EXPECT_EQ(atol(want), sysconf(_SC_NPROCESSORS_ONLN));
	ASSERT_EQ(0, read_file("/sys/devices/system/cpu/online", online,
			       sizeof(online)));
	if (atol(want) == 2)
		EXPECT_STREQ("0-1", online);
}

TEST(module_busy_while_open)
{
	int fd;

	if (!getenv("SYSMEM_MODULE"))
		SKIP(return, "SYSMEM_MODULE not set");
	fd = sysmem_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, module_unload());
	close(fd);
	EXPECT_EQ(0, access(SYSMEM_DEV_PATH, F_OK));
}

TEST(module_unload_reload)
{
	const char *path = getenv("SYSMEM_MODULE");
	struct sysmem_version v;
	struct stat st;
	int fd;

	if (!path)
		SKIP(return, "SYSMEM_MODULE not set");

	if (!access("/dev/dma_heap/sysmem-system", F_OK)) {
		/* Published heaps pin the module: unloading is refused. */
		EXPECT_EQ(-EWOULDBLOCK, module_unload());
		EXPECT_EQ(0, stat(SYSMEM_DEV_PATH, &st));
		fd = sysmem_open();
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, sysmem_get_version(fd, &v));
		close(fd);
		return;
	}
	ASSERT_EQ(0, module_unload());
	EXPECT_EQ(-1, stat(SYSMEM_DEV_PATH, &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOENT, sysmem_open());
	EXPECT_EQ(-ENOENT, module_unload());

	ASSERT_EQ(0, module_load(path));
	ASSERT_EQ(0, stat(SYSMEM_DEV_PATH, &st));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(-EEXIST, module_load(path));

	fd = sysmem_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sysmem_get_version(fd, &v));
	EXPECT_EQ(SYSMEM_ABI_MAJOR, v.major);
	close(fd);
}

TEST_HARNESS_MAIN
