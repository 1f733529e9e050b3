/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 helpers shared by the selftests that check memory charging:
 * mount cgroup2 where nothing is mounted, make a group with the memory
 * controller, move a process into it, read its counters.
 */
#ifndef SYSMEM_CGROUP_H
#define SYSMEM_CGROUP_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysmem_selftest.h"

#define CGROOT		"/sys/fs/cgroup"

/* A number file such as memory.current, or -errno (-EIO when empty). */
static inline long long cg_read_number(const char *path)
{
	char buf[64];
	int ret;

	ret = read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!buf[0])
		return -EIO;
	return strtoll(buf, NULL, 10);
}

/*
 * Make cgroup2 with the memory controller usable at CGROOT: mount it
 * where nothing is mounted, and enable the controller for children.
 * Return: 0, -ENOENT without a memory controller, or -errno.
 */
static inline int cg_setup(void)
{
	char buf[256] = "";

	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		mkdir(CGROOT, 0755);
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
			return -errno;
	}
	if (read_file(CGROOT "/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		return -ENOENT;
	return write_file(CGROOT "/cgroup.subtree_control", "+memory");
}

/* Make the group CGROOT/@name into @path (at least 128 bytes). */
static inline int cg_make(char *path, size_t len, const char *name)
{
	snprintf(path, len, CGROOT "/%s-%d", name, getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write @value to the file @file of group @group. */
static inline int cg_write(const char *group, const char *file,
			   const char *value)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", group, file);
	return write_file(path, value);
}

/* Move the calling process into @group. */
static inline int cg_enter(const char *group)
{
	return cg_write(group, "cgroup.procs", "0");
}

/* Bytes charged to @group now, or -errno. */
static inline long long cg_current(const char *group)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/memory.current", group);
	return cg_read_number(path);
}

/* Move the caller back to the root group and remove @group. */
static inline void cg_remove(const char *group)
{
	if (!group[0])
		return;
	write_file(CGROOT "/cgroup.procs", "0");
	rmdir(group);
}

/*
 * The system heap's page pool (debugfs sysmem/pool): freed blocks stay
 * charged to their cgroup while pooled, so a test that checks what a
 * cgroup is charged after freeing reads what the pool holds for it.
 */
#define POOL_PATH	DEBUGFS_PATH "/sysmem/pool"
#define DROP_CACHES	"/proc/sys/vm/drop_caches"

struct sysmem_pool_stats {
	long long max_pages, pages, dirty, hits, pooled, refused, cleared;
	long long shrunk, trimmed;
};

/* The pool's totals, the first line of the pool file. */
static inline int sysmem_read_pool(struct sysmem_pool_stats *p)
{
	char buf[4096];
	int ret;

	ret = read_file(POOL_PATH, buf, sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "max_pages=%lld pages=%lld dirty=%lld hits=%lld pooled=%lld refused=%lld cleared=%lld shrunk=%lld trimmed=%lld",
		   &p->max_pages, &p->pages, &p->dirty, &p->hits, &p->pooled,
		   &p->refused, &p->cleared, &p->shrunk, &p->trimmed) != 9)
		return -EPROTO;
	return 0;
}

/* Bytes the pool holds for cgroup directory @group (0: no group), or -errno. */
static inline long long sysmem_pool_bytes(const char *group)
{
	unsigned long long ino, pages;
	char buf[4096], *line;
	struct stat st;
	int ret;

	if (stat(group, &st))
		return -errno;
	ret = read_file(POOL_PATH, buf, sizeof(buf));
	if (ret)
		return ret;
	for (line = strchr(buf, '\n'); line; line = strchr(line + 1, '\n'))
		if (sscanf(line + 1, "cgroup=%llu pages=%llu", &ino, &pages) == 2 &&
		    ino == (unsigned long long)st.st_ino)
			return (long long)pages * (long long)page_size();
	return 0;
}

/* Wait up to WAIT_NS until the pool's thread has cleared every block. */
static inline int sysmem_pool_settle(struct sysmem_pool_stats *p)
{
	long long waited;
	int ret;

	for (waited = 0; waited < WAIT_NS; waited += SETTLE_POLL_MS * MSEC_NS) {
		ret = sysmem_read_pool(p);
		if (ret || !p->dirty)
			return ret;
		usleep(SETTLE_POLL_MS * 1000);
	}
	return -ETIMEDOUT;
}

/* Run every shrinker, the pool's among them (it then holds nothing). */
static inline int sysmem_pool_shrink(void)
{
	struct sysmem_pool_stats p;
	int ret;

	ret = sysmem_pool_settle(&p);
	if (ret)
		return ret;
	return write_file(DROP_CACHES, "2");
}

#endif /* SYSMEM_CGROUP_H */
