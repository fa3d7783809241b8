// SPDX-License-Identifier: GPL-2.0
/*
 * Arbitrary bytes as a set of chunk pages: the input fills the pages of the
 * fake physical memory window (FAKE_WINDOW_PAGES pages at FAKE_PHYS_BASE,
 * the rest zero) and the chain starting at the first page is validated with
 * a predicate that accepts exactly the window.  The validator must never
 * read outside the window (fakemem aborts if it does), must return one of
 * its documented errors, and when it accepts a chain, an independent walk,
 * adoption and iteration must agree with what it reported.  The independent
 * walk reads both layouts: version 1 (16-byte entries) and version 2
 * (packed: page frame in bits 0-39, pages - 1 in bits 40-63), and the
 * adopted list must give exactly its ranges, in order.
 */
#include <stdio.h>
#include <string.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/physr.h>
#include <asm/byteorder.h>
#include "fakemem.h"
#include "fuzz.h"

#define WINDOW_BYTES	(FAKE_WINDOW_PAGES * PAGE_SIZE)
#define MAX_CHUNKS	12
#define MAX_BLOCKS	4096
#define MAX_RANGES	(MAX_CHUNKS * PHYSR_PACKED_CAPACITY(PAGE_SIZE))

/* The ranges of an accepted chain, as the independent walk read them. */
static struct physr_range walked[MAX_RANGES];

static bool documented_error(int ret)
{
	switch (ret) {
	case -EINVAL:
	case -EPROTONOSUPPORT:
	case -EOPNOTSUPP:
	case -EOVERFLOW:
	case -ERANGE:
	case -ELOOP:
	case -E2BIG:
		return true;
	}
	return false;
}

static bool check_adopted(const struct physr_walk_info *info)
{
	static const struct physr_provider prov = { .bar = 0 };
	struct physr_block_iter bi;
	struct physr_range r, blk;
	struct physr_iter it, copy;
	struct physr pr;
	u64 n = 0, bytes = 0, nr_blocks = 0;
	int ret;

	ret = physr_adopt(&pr, FAKE_PHYS_BASE,
			  info->kind == PHYSR_MMIO ? &prov : NULL, MAX_CHUNKS,
			  fakemem_in_window, NULL);
	if (!(ret == 0))
		return fail("adopt of a validated chain: %d", ret);
	/* Any packed chunk makes the list packed, and so read-only. */
	if (!(physr_is_packed(&pr) == !!info->nr_packed))
		return fail("adopted list packed %d, %lu packed chunks",
			    physr_is_packed(&pr), info->nr_packed);
	if (info->nr_packed && !(physr_append(&pr, 0x1000, 1, GFP_KERNEL) ==
				 -EINVAL))
		return fail("append to an adopted packed list");
	physr_for_each_range(&pr, &it, &r) {
		if (!(r.len && r.phys + r.len >= r.phys))
			return fail("bad range");
		if (!(n < info->nr_ranges && r.phys == walked[n].phys &&
		      r.len == walked[n].len))
			return fail("range %llu differs from the walk",
				    (unsigned long long)n);
		n++;
		bytes += r.len;
	}
	if (!(n == info->nr_ranges && bytes == info->total_bytes))
		return fail("iteration disagrees");

	/* A copy taken mid-walk goes on alone, from the same place. */
	physr_iter_init(&it, &pr);
	for (n = 0; n < info->nr_ranges / 2; n++)
		physr_iter_next(&it, &r);
	physr_iter_copy(&copy, &it);
	for (; physr_iter_next(&copy, &r); n++)
		if (!(n < info->nr_ranges && r.phys == walked[n].phys &&
		      r.len == walked[n].len))
			return fail("copied cursor: range %llu differs",
				    (unsigned long long)n);
	if (!(n == info->nr_ranges))
		return fail("copied cursor ended at %llu",
			    (unsigned long long)n);
	for (n = info->nr_ranges / 2; physr_iter_next(&it, &r); n++)
		if (!(n < info->nr_ranges && r.phys == walked[n].phys &&
		      r.len == walked[n].len))
			return fail("cursor moved by its copy");
	if (!(n == info->nr_ranges))
		return fail("cursor ended at %llu", (unsigned long long)n);

	if (!(!physr_iter_init_slice(&it, &pr, bytes / 3, bytes / 3)))
		return fail("slice");
	physr_for_each_block(&bi, &it, 1ULL << 21, 1ULL << 30, &blk) {
		if (!(blk.len && blk.len <= 1ULL << 30))
			return fail("block length");
		if (!((blk.phys >> 21) == ((blk.phys + blk.len - 1) >> 21)))
			return fail("block crosses a boundary");
		if (++nr_blocks == MAX_BLOCKS)
			break;
	}
	/* The window is not allocator memory: forget, do not free. */
	physr_init(&pr);
	return true;
}

bool physr_fuzz_validate(const u8 *data, size_t size)
{
	u8 *win = fakemem_window();
	struct physr_walk_info info;
	u64 ranges = 0, bytes = 0;
	unsigned long chunks = 0, packed = 0;
	phys_addr_t phys;
	int ret;

	memset(win, 0, WINDOW_BYTES);
	memcpy(win, data, size < WINDOW_BYTES ? size : WINDOW_BYTES);

	ret = physr_validate_chain(FAKE_PHYS_BASE, MAX_CHUNKS,
				   fakemem_in_window, NULL, &info);
	if (ret) {
		if (!(documented_error(ret)))
			return fail("undocumented error %d", ret);
		if (!(!info.nr_chunks && !info.nr_ranges && !info.total_bytes &&
		      !info.last && !info.nr_packed))
			return fail("info not cleared on error");
		/* The version refused, for the message; only for that error. */
		if (!(ret == -EPROTONOSUPPORT ?
		      info.bad_version != 1 && info.bad_version != 2 :
		      !info.bad_version))
			return fail("bad_version %u after %d", info.bad_version,
				    ret);
		return true;
	}

	/* Accepted: an independent walk that trusts the chain must agree. */
	for (phys = FAKE_PHYS_BASE; phys; ) {
		const struct physr_chunk *c;
		u32 i, count;
		u16 version;

		if (!(fakemem_in_window(phys, PAGE_SIZE, NULL) &&
		      !(phys % PAGE_SIZE)))
			return fail("accepted chunk outside the window");
		if (!(++chunks <= MAX_CHUNKS))
			return fail("accepted too many chunks");
		c = (const void *)(win + (phys - FAKE_PHYS_BASE));
		count = le32_to_cpu(c->hdr.count);
		version = le16_to_cpu(c->hdr.version);
		if (version == 2) {
			/* Packed: one __le64 per range, 508 a 4 KiB chunk. */
			const __le64 *e = (const void *)c->ranges;

			if (!(count && count <= (PAGE_SIZE - 32) / 8))
				return fail("packed count %u", count);
			for (i = 0; i < count; i++) {
				u64 v = le64_to_cpu(e[i]);

				walked[ranges + i].phys =
					(v & ((1ULL << 40) - 1)) * PAGE_SIZE;
				walked[ranges + i].len =
					((v >> 40) + 1) * PAGE_SIZE;
			}
			packed++;
		} else {
			if (!(version == 1 && count &&
			      count <= (PAGE_SIZE - 32) / 16))
				return fail("version %u count %u", version,
					    count);
			for (i = 0; i < count; i++) {
				walked[ranges + i].phys =
					le64_to_cpu(c->ranges[i].phys);
				walked[ranges + i].len =
					le64_to_cpu(c->ranges[i].len);
			}
		}
		for (i = 0; i < count; i++)
			bytes += walked[ranges + i].len;
		ranges += count;
		if (!c->hdr.next)
			if (!(info.last == phys))
				return fail("last chunk");
		phys = le64_to_cpu(c->hdr.next);
	}
	if (!(chunks == info.nr_chunks && ranges == info.nr_ranges &&
	      bytes == info.total_bytes && packed == info.nr_packed))
		return fail("walk info disagrees");
	return check_adopted(&info);
}
