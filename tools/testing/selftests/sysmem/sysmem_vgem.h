/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgem helpers the selftests share: find vgem's card node and move
 * dma-bufs in and out of it with PRIME.  vgem (DRM_VGEM) is in the debug
 * kernels; a test that finds no vgem card skips (Debian's stock kernel
 * builds it as a module the guest does not load).
 */
#ifndef _SYSMEM_VGEM_H
#define _SYSMEM_VGEM_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm/drm.h>

#define DRI_PATH	"/dev/dri"

/*
 * Open the vgem card node: the /dev/dri/card* whose DRM_IOCTL_VERSION
 * names the driver "vgem".  Returns the fd or -ENODEV.
 */
static inline int vgem_open(void)
{
	char path[64], name[32];
	struct drm_version v;
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), DRI_PATH "/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

/* PRIME import: the GEM handle of @dmabuf in @card, or -errno. */
static inline int prime_import(int card, int dmabuf, __u32 *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };

	if (ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return -errno;
	*handle = p.handle;
	return 0;
}

/* PRIME export: a new dma-buf fd for @handle, or -errno. */
static inline int prime_export(int card, __u32 handle)
{
	struct drm_prime_handle p = {
		.handle = handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
		.fd = -1,
	};

	if (ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		return -errno;
	return p.fd;
}

static inline int gem_close(int card, __u32 handle)
{
	struct drm_gem_close gc = { .handle = handle };

	return ioctl(card, DRM_IOCTL_GEM_CLOSE, &gc) ? -errno : 0;
}

#endif /* _SYSMEM_VGEM_H */
