// SPDX-License-Identifier: GPL-2.0
/*
 * Seed chains for the validator fuzzer, written with the ABI structures of
 * include/linux/physr_abi.h.  Chunk i lives in window page (7 * i) % 16, so
 * chains are not in address order.  A chain may mix layout versions 1 and 2
 * (packed), chunk by chunk.
 */
#include <string.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/physr.h>
#include <asm/byteorder.h>
#include "fakemem.h"
#include "seeds.h"

#define MAX_CHUNKS	12	/* as in fuzz_validate.c */

const struct physr_seed physr_seeds[] = {
	{ "one-range",    1,   1, PHYSR_ABI_KIND_RAM,  -1, 1, 0 },
	{ "one-full",     1,   0, PHYSR_ABI_KIND_RAM,  -1, 1, 0 },
	{ "three",        3,   0, PHYSR_ABI_KIND_RAM,  -1, 1, 0 },
	{ "max-chunks",  12,   3, PHYSR_ABI_KIND_RAM,  -1, 1, 0 },
	{ "too-many",    13,   2, PHYSR_ABI_KIND_RAM,  -1, 1, -E2BIG },
	{ "loop",         4,   5, PHYSR_ABI_KIND_RAM,   1, 1, -ELOOP },
	{ "self-loop",    1,   5, PHYSR_ABI_KIND_RAM,   0, 1, -ELOOP },
	{ "mmio",         2,   9, PHYSR_ABI_KIND_MMIO, -1, 1, 0 },
	{ "version-3",    2,   9, PHYSR_ABI_KIND_RAM,  -1, 3, -EPROTONOSUPPORT },
	{ "packed-one",   1,   1, PHYSR_ABI_KIND_RAM,  -1, 2, 0 },
	{ "packed-full",  1,   0, PHYSR_ABI_KIND_RAM,  -1, 2, 0 },
	{ "packed-three", 3,   0, PHYSR_ABI_KIND_RAM,  -1, 2, 0 },
	{ "packed-mmio",  2,   9, PHYSR_ABI_KIND_MMIO, -1, 2, 0 },
	{ "packed-loop",  3,   5, PHYSR_ABI_KIND_RAM,   1, 2, -ELOOP },
	{ "mixed",        6,   7, PHYSR_ABI_KIND_RAM,  -1, 1, 0, 0x2a },
	{ "mixed-full",   3,   0, PHYSR_ABI_KIND_RAM,  -1, 1, 0, 0x2 },
	{ "mixed-v3",     3,   4, PHYSR_ABI_KIND_RAM,  -1, 3, -EPROTONOSUPPORT,
	  0x3 },
};

const unsigned int physr_nr_seeds = ARRAY_SIZE(physr_seeds);

static size_t page_of(unsigned int i)
{
	return (7 * i) % FAKE_WINDOW_PAGES;
}

size_t physr_seed_write(const struct physr_seed *seed, u8 *buf)
{
	size_t used = 0;
	unsigned int i, j;

	memset(buf, 0, FAKE_WINDOW_PAGES * PAGE_SIZE);
	for (i = 0; i < seed->nchunks; i++) {
		struct physr_chunk *c = (void *)(buf + page_of(i) * PAGE_SIZE);
		bool v2 = seed->version == PHYSR_CHUNK_VERSION_PACKED ||
			  (seed->v2_mask & (1U << i));
		u32 cap = v2 ? PHYSR_PACKED_CAPACITY(PAGE_SIZE) :
			       PHYSR_CHUNK_CAPACITY(PAGE_SIZE);
		u32 per = seed->per_chunk ? seed->per_chunk : cap;
		u64 next = 0;

		if (i + 1 < seed->nchunks)
			next = FAKE_PHYS_BASE + page_of(i + 1) * PAGE_SIZE;
		else if (seed->loop_to >= 0)
			next = FAKE_PHYS_BASE + page_of(seed->loop_to) * PAGE_SIZE;

		c->hdr.magic = cpu_to_le32(PHYSR_CHUNK_MAGIC);
		c->hdr.version = cpu_to_le16(v2 ? PHYSR_CHUNK_VERSION_PACKED :
					     seed->version);
		c->hdr.hdr_size = cpu_to_le16(sizeof(c->hdr));
		c->hdr.chunk_size = cpu_to_le32(PAGE_SIZE);
		c->hdr.count = cpu_to_le32(per);
		c->hdr.next = cpu_to_le64(next);
		c->hdr.kind = cpu_to_le32(seed->kind);
		for (j = 0; j < per && v2; j++) {
			/* Page frame, then pages - 1 in bits 40-63. */
			u64 pfn = 0x100000ULL + ((u64)i * per + j) * 5;
			__le64 *e = (__le64 *)c->ranges;

			e[j] = cpu_to_le64(pfn | ((u64)(j % 4) <<
						  PHYSR_PACKED_PFN_BITS));
		}
		for (j = 0; j < per && !v2; j++) {
			u64 k = (u64)i * per + j;

			c->ranges[j].phys = cpu_to_le64(0x100000000ULL +
							k * 0x3000 + j);
			c->ranges[j].len = cpu_to_le64(0x1000 + j);
		}
		if ((page_of(i) + 1) * PAGE_SIZE > used)
			used = (page_of(i) + 1) * PAGE_SIZE;
	}
	return used;
}
