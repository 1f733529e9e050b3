/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Human-readable names of sysmem ABI values, shared by the module's log
 * lines and libsysmem.
 */
#ifndef _SYSMEM_LIB_STRINGS_H
#define _SYSMEM_LIB_STRINGS_H

#include "sysmem_compat.h"

/* A static description of a SYSMEM_FAIL_* reason. */
const char *sysmem_fail_str(u32 reason);

#endif /* _SYSMEM_LIB_STRINGS_H */
