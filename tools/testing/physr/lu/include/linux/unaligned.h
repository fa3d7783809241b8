/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LU_SHIM_UNALIGNED_H
#define _LU_SHIM_UNALIGNED_H
#include <string.h>
#include <endian.h>
#include <stdint.h>

static inline uint64_t get_unaligned_be64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static inline uint32_t get_unaligned_be32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}
#endif
