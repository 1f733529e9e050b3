// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libsysmem: userspace access to /dev/sysmem.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libsysmem.h"

static int sysmem_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int sysmem_open(void)
{
	int fd = open(SYSMEM_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int sysmem_get_version(int fd, struct sysmem_version *version)
{
	return sysmem_ioctl(fd, SYSMEM_IOC_GET_VERSION, version);
}

int sysmem_check_version(int fd)
{
	struct sysmem_version v;
	int ret;

	ret = sysmem_get_version(fd, &v);
	if (ret < 0)
		return ret;
	if (v.major != SYSMEM_ABI_MAJOR || v.minor < SYSMEM_ABI_MINOR)
		return -EPROTO;
	return 0;
}
