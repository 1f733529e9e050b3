// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Overflow-checked integer helpers shared by the module and userspace.
 */
#include "sysmem_math.h"

/**
 * sysmem_add_overflow() - add two u64 values, detecting wrap-around
 * @a: first addend
 * @b: second addend
 * @res: where the sum is stored when it fits
 *
 * Return: true if @a + @b does not fit in a u64 (@res is untouched).
 */
bool sysmem_add_overflow(u64 a, u64 b, u64 *res)
{
	u64 sum;

	if (__builtin_add_overflow(a, b, &sum))
		return true;
	*res = sum;
	return false;
}

/**
 * sysmem_mul_overflow() - multiply two u64 values, detecting wrap-around
 * @a: first factor
 * @b: second factor
 * @res: where the product is stored when it fits
 *
 * Return: true if @a * @b does not fit in a u64 (@res is untouched).
 */
bool sysmem_mul_overflow(u64 a, u64 b, u64 *res)
{
	u64 prod;

	if (__builtin_mul_overflow(a, b, &prod))
		return true;
	*res = prod;
	return false;
}

/**
 * sysmem_align_up_overflow() - round up to a multiple of any alignment
 * @value: value to round
 * @align: alignment; need not be a power of two, must not be zero
 * @res: where the rounded value is stored on success
 *
 * Row pitches and divisors are often not powers of two (three bytes per
 * pixel, for one), so this rounds to any multiple.
 *
 * Return: true if @align is zero or the result does not fit in a u64.
 */
bool sysmem_align_up_overflow(u64 value, u64 align, u64 *res)
{
	u64 rem;

	if (!align)
		return true;
	rem = sysmem_mod64(value, align);
	if (!rem) {
		*res = value;
		return false;
	}
	return sysmem_add_overflow(value, align - rem, res);
}

/**
 * sysmem_gcd() - greatest common divisor
 * @a: first value
 * @b: second value
 *
 * Return: gcd(@a, @b); gcd(x, 0) is x and gcd(0, 0) is 0.
 */
u64 sysmem_gcd(u64 a, u64 b)
{
	while (b) {
		u64 t = sysmem_mod64(a, b);

		a = b;
		b = t;
	}
	return a;
}

/**
 * sysmem_lcm_overflow() - least common multiple, detecting wrap-around
 * @a: first value, not zero
 * @b: second value, not zero
 * @res: where the lcm is stored on success
 *
 * Return: true if either input is zero or the lcm does not fit in a u64.
 */
bool sysmem_lcm_overflow(u64 a, u64 b, u64 *res)
{
	if (!a || !b)
		return true;
	return sysmem_mul_overflow(sysmem_div64(a, sysmem_gcd(a, b)), b, res);
}
