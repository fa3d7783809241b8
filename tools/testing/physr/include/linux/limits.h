/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: glibc's <limits.h> reaches here via <linux/limits.h>. */
#ifndef _PHYSR_SHIM_LIMITS_H
#define _PHYSR_SHIM_LIMITS_H
#include_next <linux/limits.h>
#include <limits.h>
#include <stdint.h>
#include <linux/types.h>
#define U16_MAX		UINT16_MAX
#define U32_MAX		UINT32_MAX
#define U64_MAX		UINT64_MAX
#define PHYS_ADDR_MAX	(~(phys_addr_t)0)
#endif
