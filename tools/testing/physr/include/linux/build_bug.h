/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the kernel's static_assert(), message optional. */
#ifndef _PHYSR_SHIM_BUILD_BUG_H
#define _PHYSR_SHIM_BUILD_BUG_H
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#endif
