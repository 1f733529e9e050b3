/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Overflow-checked integer helpers used by every size computation in
 * sysmem.  Each helper stores its result only on success and returns
 * true when the true result does not fit (or the input is invalid), in
 * the style of the kernel's check_*_overflow() helpers.
 */
#ifndef _SYSMEM_LIB_MATH_H
#define _SYSMEM_LIB_MATH_H

#include "sysmem_compat.h"

bool sysmem_add_overflow(u64 a, u64 b, u64 *res);
bool sysmem_mul_overflow(u64 a, u64 b, u64 *res);
bool sysmem_align_up_overflow(u64 value, u64 align, u64 *res);
u64 sysmem_gcd(u64 a, u64 b);
bool sysmem_lcm_overflow(u64 a, u64 b, u64 *res);

/* True when @v is a power of two (0 is not). */
static inline bool sysmem_is_pow2(u64 v)
{
	return v && !(v & (v - 1));
}

#endif /* _SYSMEM_LIB_MATH_H */
