/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The only header lib/ code may include besides its own: it gives the same
 * basic types in the kernel and in a hosted C environment, so every file
 * in lib/ compiles unchanged into sysmem.ko, libsysmem, host unit tests
 * and fuzzers.
 */
#ifndef _SYSMEM_LIB_COMPAT_H
#define _SYSMEM_LIB_COMPAT_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/math64.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* 64-bit division that links on 32-bit kernels too. */
static inline u64 sysmem_div64(u64 a, u64 b)
{
	return div64_u64(a, b);
}

static inline u64 sysmem_mod64(u64 a, u64 b)
{
	u64 rem;

	div64_u64_rem(a, b, &rem);
	return rem;
}
#else
#include <assert.h>	/* static_assert() only */
#include <stdbool.h>
#include <stddef.h>

/* The compiler's own fixed-width types: no libc header needed. */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT32_TYPE__ s32;
typedef __INT64_TYPE__ s64;

static inline u64 sysmem_div64(u64 a, u64 b)
{
	return a / b;
}

static inline u64 sysmem_mod64(u64 a, u64 b)
{
	return a % b;
}
#endif

#endif /* _SYSMEM_LIB_COMPAT_H */
