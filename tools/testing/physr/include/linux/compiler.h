/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PHYSR_SHIM_COMPILER_H
#define _PHYSR_SHIM_COMPILER_H
#define noinline		__attribute__((__noinline__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#endif
