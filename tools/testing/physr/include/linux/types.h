/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the kernel integer types used by lib/physr. */
#ifndef _PHYSR_SHIM_TYPES_H
#define _PHYSR_SHIM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
typedef uint64_t phys_addr_t;
typedef unsigned int gfp_t;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#endif
