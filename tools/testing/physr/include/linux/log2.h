/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PHYSR_SHIM_LOG2_H
#define _PHYSR_SHIM_LOG2_H
#include <linux/types.h>
static inline bool is_power_of_2(unsigned long long n)
{
	return n && !(n & (n - 1));
}

static inline unsigned long long roundup_pow_of_two(unsigned long long n)
{
	return n <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(n - 1));
}
#endif
