/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sysmem: shared buffer negotiation and allocation, userspace ABI.
 *
 * All ioctls are issued on a file descriptor obtained by opening
 * /dev/sysmem.  Every ioctl argument is a fixed-layout structure.  Rules
 * common to all of them:
 *
 *  - Reserved fields and unknown flag bits must be zero, else -EINVAL.
 *  - Structures grow only at their end.  The kernel accepts a shorter
 *    (older) structure and treats the missing tail as zero; it accepts a
 *    longer (newer) structure only if the tail it does not know is zero,
 *    else -E2BIG.  Output structures are copied back up to the size the
 *    caller passed.
 *  - An ioctl number the kernel does not know fails with -ENOTTY; an
 *    argument pointer the kernel cannot read or write fails with -EFAULT.
 *
 * See Documentation/sysmem/uapi.rst for the full description.
 */
#ifndef _UAPI_LINUX_SYSMEM_H
#define _UAPI_LINUX_SYSMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * ABI version.  The major number changes only on an incompatible change
 * (which sysmem promises never to make once released); the minor number
 * grows each time ioctls, flags or structure fields are added.
 */
#define SYSMEM_ABI_MAJOR	0
#define SYSMEM_ABI_MINOR	1

/**
 * struct sysmem_version - ABI version implemented by the running module
 * @major: SYSMEM_ABI_MAJOR of the module
 * @minor: SYSMEM_ABI_MINOR of the module
 *
 * Filled by %SYSMEM_IOC_GET_VERSION.  A client built against minor N can
 * use every ioctl of minors <= N when @major matches.
 */
struct sysmem_version {
	__u32 major;
	__u32 minor;
};

/* ioctl type byte of sysmem; see Documentation/sysmem/uapi.rst. */
#define SYSMEM_IOC_MAGIC	0xBA

/**
 * SYSMEM_IOC_GET_VERSION - report the ABI version
 *
 * Takes: a pointer to struct sysmem_version, written by the kernel.
 * Returns: 0, or -EFAULT if the structure cannot be written.
 */
#define SYSMEM_IOC_GET_VERSION	_IOR(SYSMEM_IOC_MAGIC, 0x00, struct sysmem_version)

#endif /* _UAPI_LINUX_SYSMEM_H */
