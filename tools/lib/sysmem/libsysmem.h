/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libsysmem: userspace access to /dev/sysmem.
 *
 * Every function returns 0 or a positive value on success and a negative
 * errno value on failure; errno itself is left as the failing system call
 * set it.
 */
#ifndef _LIBSYSMEM_H
#define _LIBSYSMEM_H

#include <linux/sysmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default path of the sysmem device node. */
#define SYSMEM_DEV_PATH "/dev/sysmem"

/**
 * sysmem_open() - open the sysmem device
 *
 * Opens SYSMEM_DEV_PATH read-write with O_CLOEXEC.
 *
 * Return: a file descriptor, or -errno (-ENOENT when the module is not
 * loaded).
 */
int sysmem_open(void);

/**
 * sysmem_get_version() - read the ABI version of the running module
 * @fd: a file descriptor from sysmem_open()
 * @version: filled with the module's ABI version
 *
 * Return: 0 or -errno.
 */
int sysmem_get_version(int fd, struct sysmem_version *version);

/**
 * sysmem_check_version() - check that the module speaks this library's ABI
 * @fd: a file descriptor from sysmem_open()
 *
 * Return: 0 when the module's major version equals SYSMEM_ABI_MAJOR and
 * its minor version is at least SYSMEM_ABI_MINOR (the one this library
 * was built against), -EPROTO when it does not, or another -errno.
 */
int sysmem_check_version(int fd);

#ifdef __cplusplus
}
#endif

#endif /* _LIBSYSMEM_H */
