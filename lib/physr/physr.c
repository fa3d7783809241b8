// SPDX-License-Identifier: GPL-2.0
/*
 * physr core: building, walking and validating lists of physical ranges.
 *
 * A list is a singly linked chain of chunk pages.  Each chunk starts with a
 * struct physr_chunk_hdr and holds up to PHYSR_CAPACITY entries of 16 bytes
 * (le64 phys, le64 len); see include/linux/physr_abi.h.  A list about to be
 * handed over can be packed (physr_pack()): its chunks then hold up to
 * PHYSR_PACKED_CAP entries of 8 bytes (page frame and page count, layout
 * version 2) and it is read-only.  Chunks are linked
 * by the *physical* address of the next chunk, so the pages are complete as
 * they stand: Kexec HandOver preserves them and passes one address.
 *
 *   struct physr            chunk page               chunk page
 *   +-------------+        +------------------+     +------------------+
 *   | head ------------->  | hdr: next (phys) ----> | hdr: next = 0    |
 *   | tail --------+       | ranges[0..count) |  +> | ranges[0..count) |
 *   | totals      |  |     +------------------+  |  +------------------+
 *   +-------------+  +-----------------------------+
 *
 * struct physr only caches virtual pointers to the first and last chunk and
 * the totals, so appending is O(1) and reading the totals is free.
 *
 * A page is a lot for a few ranges, and lists of a few ranges are common
 * (a dma-buf or an MR of huge pages).  So a list starts short: its first
 * range sits in struct physr itself (@one), then up to PHYSR_SMALL_MAX
 * ranges live in one slab array (@small) that doubles from 2 entries, and
 * only the range after that moves the list to chunk pages (the array is
 * copied into the first chunk).  A short list is not in the handover
 * layout; physr_make_chunked() moves it to a chunk when it is preserved.
 *
 * Ranges are appended in order.  A range that starts where the last one
 * ends extends it, so the cost of a list follows the number of physically
 * contiguous runs rather than the number of pages.
 *
 * Lists that come from elsewhere (another kernel, through KHO) are not
 * trusted: physr_validate_chain() checks every chunk before reading it and
 * bounds the walk, and physr_adopt() only takes a chain that passed.
 *
 * This file does not use struct page or struct folio, so the same source is
 * built in userspace by tools/testing/physr for sanitizers, fuzzing and
 * benchmarks.  The helpers that need the memory management core live in
 * physr_mm.c.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/physr.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/byteorder.h>

#ifdef CONFIG_FAULT_INJECTION
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#endif

#include "physr_internal.h"

#define PHYSR_CAPACITY	PHYSR_CHUNK_CAPACITY(PAGE_SIZE)
#define PHYSR_PACKED_CAP	PHYSR_PACKED_CAPACITY(PAGE_SIZE)

static_assert(PHYSR_SMALL_MAX >= 2 && PHYSR_SMALL_MAX < PHYSR_CAPACITY &&
	      (PHYSR_SMALL_MAX & (PHYSR_SMALL_MAX - 1)) == 0);

#ifdef CONFIG_FAULT_INJECTION
/*
 * Fails the allocations of list storage (slab arrays and chunk pages), for
 * the KUnit tests of the moves between storage forms.
 */
struct fault_attr fail_physr_alloc = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_GPL(fail_physr_alloc);

/*
 * Only while the attribute is set up: should_fail() also counts every call
 * against the task's fail-nth (/proc/self/fail-nth), and the allocation
 * behind it is already such a site, so a list allocation must not count
 * twice in the fault sequences of iommufd's fail_nth selftest.
 */
static bool physr_alloc_should_fail(void)
{
	return READ_ONCE(fail_physr_alloc.probability) &&
	       should_fail(&fail_physr_alloc, 1);
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/*
 * /sys/kernel/debug/fail_physr_alloc: fails list storage allocations of
 * the kernel's users of physr (iommufd's run lists, for one), for their
 * error paths; with task-filter, only those of the tasks that ask.
 */
static int __init fail_physr_alloc_debugfs(void)
{
	return PTR_ERR_OR_ZERO(fault_create_debugfs_attr("fail_physr_alloc",
							 NULL,
							 &fail_physr_alloc));
}
late_initcall(fail_physr_alloc_debugfs);
#endif
#else
static bool physr_alloc_should_fail(void)
{
	return false;
}
#endif

static u32 physr_chunk_count(const struct physr_chunk *chunk)
{
	return le32_to_cpu(chunk->hdr.count);
}

static struct physr_chunk *physr_chunk_next(const struct physr_chunk *chunk)
{
	u64 next = le64_to_cpu(chunk->hdr.next);

	return next ? phys_to_virt(next) : NULL;
}

static struct physr_chunk *physr_chunk_alloc(const struct physr *pr, gfp_t gfp)
{
	struct physr_chunk *chunk;

	if (physr_alloc_should_fail())
		return NULL;
	/* Zeroed: the unused tail of a chunk is handed over too. */
	chunk = (struct physr_chunk *)__get_free_page(gfp | __GFP_ZERO);
	if (!chunk)
		return NULL;

	chunk->hdr.magic = cpu_to_le32(PHYSR_CHUNK_MAGIC);
	chunk->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION);
	chunk->hdr.hdr_size = cpu_to_le16(sizeof(struct physr_chunk_hdr));
	chunk->hdr.chunk_size = cpu_to_le32(PAGE_SIZE);
	chunk->hdr.kind = cpu_to_le32(physr_kind_of(pr));
	return chunk;
}

/* Entries of the slab array of a short list of @nr ranges (2 or more). */
static size_t physr_small_cap(u64 nr)
{
	return nr <= 2 ? 2 : roundup_pow_of_two(nr);
}

static struct physr_abi_range *physr_small_realloc(struct physr_abi_range *old,
						   size_t entries, gfp_t gfp)
{
	if (physr_alloc_should_fail())
		return NULL;
	return krealloc_array(old, entries, sizeof(*old), gfp);
}

/*
 * The entries of a short list, as one array: @one, @small, or none.  Not
 * for a chunked list.
 */
static const struct physr_abi_range *physr_short_entries(const struct physr *pr)
{
	if (!pr->nr_ranges)
		return NULL;
	return pr->nr_ranges == 1 ? &pr->one : pr->small;
}

/**
 * physr_init() - initialise an empty list of RAM ranges
 * @pr: the list.
 *
 * An empty list owns no memory; the first physr_append() allocates a chunk.
 *
 * Context: any.
 */
void physr_init(struct physr *pr)
{
	memset(pr, 0, sizeof(*pr));
}
EXPORT_SYMBOL_GPL(physr_init);

/**
 * physr_init_mmio() - initialise an empty list of MMIO ranges
 * @pr: the list.
 * @provider: the device memory the ranges belong to; must outlive the list.
 *
 * Context: any.
 * Return: 0, or -EINVAL when @provider is NULL.
 */
int physr_init_mmio(struct physr *pr, const struct physr_provider *provider)
{
	physr_init(pr);
	if (!provider)
		return -EINVAL;
	pr->provider = provider;
	return 0;
}
EXPORT_SYMBOL_GPL(physr_init_mmio);

/**
 * physr_destroy() - free the storage of a list
 * @pr: the list.
 *
 * The list is left empty, with its kind and provider, and may be reused.
 * The list of a &struct physr_pinned is not the caller's: physr_unpin()
 * releases it.
 *
 * Context: any; the caller excludes every other user of the list.
 */
void physr_destroy(struct physr *pr)
{
	/* An empty list may keep spare chunk pages (physr_reset()). */
	struct physr_chunk *chunk = pr->nr_chunks || !pr->nr_ranges ?
					    pr->head : NULL;

	if (!pr->nr_chunks && pr->nr_ranges > 1)
		kfree(pr->small);
	while (chunk) {
		struct physr_chunk *next = physr_chunk_next(chunk);

		free_page((unsigned long)chunk);
		chunk = next;
	}
	pr->head = NULL;
	pr->tail = NULL;
	pr->nr_chunks = 0;
	pr->nr_ranges = 0;
	pr->total_bytes = 0;
}
EXPORT_SYMBOL_GPL(physr_destroy);

/**
 * physr_reset() - empty a list and keep its chunk pages for the next appends
 * @pr: the list.
 *
 * For a caller that builds one list after another in the same &struct
 * physr (a batch at a time): the list is left empty, with its kind and
 * provider, as after physr_destroy(), but the chunk pages of a chunked list
 * stay with it as spares.  The next physr_append() goes straight into the
 * first of them, and a full chunk moves on to the next spare, so that
 * rebuilding a list of up to as many ranges as before allocates nothing
 * and cannot fail for lack of memory.  A short list frees its slab array,
 * and a packed list its chunk pages, as physr_destroy() does (the next
 * list starts short again).
 *
 * The spares hang off the chain after the last chunk in use: walks of the
 * list, physr_walk_chunks() and physr_first_chunk() see only the chunks in
 * use, physr_destroy() frees the spares too, and physr_make_chunked()
 * (which kho_preserve_physr() calls) frees them before a list is handed
 * over.
 *
 * Context: any; the caller excludes every other user of the list.
 */
void physr_reset(struct physr *pr)
{
	struct physr_chunk *head = pr->nr_chunks || !pr->nr_ranges ?
					   pr->head : NULL;

	/* Packed chunks are not reused: their layout is another one. */
	if (!head || physr_is_packed(pr)) {
		physr_destroy(pr);
		return;
	}
	pr->head = head;
	pr->tail = NULL;
	pr->nr_chunks = 0;
	pr->nr_ranges = 0;
	pr->total_bytes = 0;
}
EXPORT_SYMBOL_GPL(physr_reset);

/*
 * Free the spare chunk pages that physr_reset() kept after the last chunk
 * in use, and zero the unused entries of that chunk, which a reused chunk
 * may still hold from an earlier list: a list about to be handed over then
 * is exactly the chunks of its ranges, as physr_abi.h lays them out.
 */
static void physr_drop_spares(struct physr *pr)
{
	struct physr_chunk *chunk, *next;
	u32 count;

	if (!pr->nr_chunks) {
		if (!pr->nr_ranges && pr->head)
			physr_destroy(pr);
		return;
	}
	/* A packed list has no spares. */
	if (physr_is_packed(pr))
		return;
	next = physr_chunk_next(pr->tail);
	if (!next)
		return;
	pr->tail->hdr.next = 0;
	count = physr_chunk_count(pr->tail);
	memset(&pr->tail->ranges[count], 0,
	       (PHYSR_CAPACITY - count) * sizeof(pr->tail->ranges[0]));
	while (next) {
		chunk = next;
		next = physr_chunk_next(chunk);
		free_page((unsigned long)chunk);
	}
}

/*
 * Move a short list into one new chunk page; @phys/@len, when @len is not
 * 0, is added after its ranges.  On error the list is unchanged.
 */
static int physr_short_to_chunk(struct physr *pr, u64 phys, u64 len,
				gfp_t gfp)
{
	const struct physr_abi_range *entries = physr_short_entries(pr);
	u64 n = pr->nr_ranges;
	struct physr_chunk *chunk;

	chunk = physr_chunk_alloc(pr, gfp);
	if (!chunk)
		return -ENOMEM;
	if (n)
		memcpy(chunk->ranges, entries, n * sizeof(*entries));
	if (len) {
		chunk->ranges[n].phys = cpu_to_le64(phys);
		chunk->ranges[n].len = cpu_to_le64(len);
		n++;
	}
	chunk->hdr.count = cpu_to_le32(n);
	if (pr->nr_ranges > 1)
		kfree(pr->small);
	pr->head = chunk;
	pr->tail = chunk;
	pr->nr_chunks = 1;
	pr->nr_ranges = n;
	return 0;
}

/**
 * __physr_append_chunk() - add a range that needs new storage
 * @pr: the list; it is empty, holds one range, has a full slab array, or
 *	its last chunk is full.
 * @phys: physical address of the first byte.
 * @len: length in bytes, not 0.
 * @total: the list total once the range is added, already checked.
 * @gfp: allocation flags for the slab array or the chunk page.
 *
 * The slow path of physr_append(), out of line: the first range goes into
 * the list head, the second moves both into a slab array of 2, a full slab
 * array doubles up to %PHYSR_SMALL_MAX entries and then moves into a chunk
 * page, and a full chunk gets a new one linked after it.
 *
 * Context: may sleep if @gfp allows it; the caller serialises all access to
 * the list while it changes.
 * Return: 0 on success, -ENOMEM when the storage cannot be allocated,
 * -EINVAL when the list is packed (read-only); the list is then unchanged.
 */
int __physr_append_chunk(struct physr *pr, u64 phys, u64 len, u64 total,
			 gfp_t gfp)
{
	struct physr_chunk *tail = pr->tail;
	struct physr_abi_range *small;
	struct physr_chunk *chunk;
	u64 n = pr->nr_ranges;
	int ret;

	if (physr_is_packed(pr))
		return -EINVAL;

	if (!pr->nr_chunks) {
		if (!n && pr->head) {
			/* Reset with spare chunk pages: into the first one. */
			chunk = pr->head;
			chunk->ranges[0].phys = cpu_to_le64(phys);
			chunk->ranges[0].len = cpu_to_le64(len);
			chunk->hdr.count = cpu_to_le32(1);
			pr->tail = chunk;
			pr->nr_chunks = 1;
			pr->nr_ranges = 1;
			pr->total_bytes = total;
			return 0;
		}
		if (!n) {
			pr->one.phys = cpu_to_le64(phys);
			pr->one.len = cpu_to_le64(len);
		} else if (n < PHYSR_SMALL_MAX) {
			/* @n is 1 or a power of two: the array is full. */
			small = physr_small_realloc(n == 1 ? NULL : pr->small,
						    physr_small_cap(n + 1), gfp);
			if (!small)
				return -ENOMEM;
			if (n == 1)
				small[0] = pr->one;
			small[n].phys = cpu_to_le64(phys);
			small[n].len = cpu_to_le64(len);
			pr->small = small;
		} else {
			ret = physr_short_to_chunk(pr, phys, len, gfp);
			if (ret)
				return ret;
			pr->total_bytes = total;
			return 0;
		}
		pr->nr_ranges++;
		pr->total_bytes = total;
		return 0;
	}

	/* A spare chunk kept by physr_reset(), or a new one. */
	chunk = physr_chunk_next(tail);
	if (!chunk) {
		chunk = physr_chunk_alloc(pr, gfp);
		if (!chunk)
			return -ENOMEM;
		tail->hdr.next = cpu_to_le64(virt_to_phys(chunk));
	}
	chunk->ranges[0].phys = cpu_to_le64(phys);
	chunk->ranges[0].len = cpu_to_le64(len);
	chunk->hdr.count = cpu_to_le32(1);
	pr->tail = chunk;
	pr->nr_chunks++;
	pr->nr_ranges++;
	pr->total_bytes = total;
	return 0;
}
EXPORT_SYMBOL_GPL(__physr_append_chunk);

/**
 * physr_make_chunked() - move a short list into chunk pages
 * @pr: the list.
 * @gfp: allocation flags for the chunk page.
 *
 * A list of up to %PHYSR_SMALL_MAX ranges keeps them in its head or in a
 * slab array, which is not the handover layout and has no physical address
 * to hand over.  This moves them into one chunk page, so that
 * physr_first_chunk() and physr_walk_chunks() describe the whole list.
 * kho_preserve_physr() calls it; a caller that hands physr_first_chunk() to
 * another party by other means calls it first too.  The list keeps its
 * ranges, order and totals; later appends go to the chunks.  Spare chunk
 * pages that physr_reset() kept are freed first.
 *
 * Context: may sleep if @gfp allows it; the caller serialises all access to
 * the list while it changes.
 * Return: 0 on success, also for an empty list (it needs no chunk) and for
 * a list already in chunks (packed or not); -ENOMEM when the chunk page cannot be
 * allocated, and the list is then unchanged.
 */
int physr_make_chunked(struct physr *pr, gfp_t gfp)
{
	physr_drop_spares(pr);
	if (pr->nr_chunks || !pr->nr_ranges)
		return 0;
	return physr_short_to_chunk(pr, 0, 0, gfp);
}
EXPORT_SYMBOL_GPL(physr_make_chunked);

/* Free a chain of chunk pages that no list owns yet. */
static void physr_free_chain(struct physr_chunk *chunk)
{
	while (chunk) {
		struct physr_chunk *next = physr_chunk_next(chunk);

		free_page((unsigned long)chunk);
		chunk = next;
	}
}

/* Can every range of @pr be a packed entry (page granular, small pfn)? */
static bool physr_packable(const struct physr *pr)
{
	struct physr_iter it;
	struct physr_range r;

	physr_for_each_range(pr, &it, &r) {
		if ((r.phys | r.len) & ~PAGE_MASK)
			return false;
		/* The last page's frame bounds every entry's. */
		if (((r.phys + r.len - 1) >> PAGE_SHIFT) > PHYSR_PACKED_PFN_MASK)
			return false;
	}
	return true;
}

/**
 * physr_pack() - rewrite a list in packed chunks, for a handover
 * @pr: the list; every range page aligned.
 * @gfp: allocation flags for the new chunk pages.
 *
 * Writes the ranges of @pr in chunk layout version 2 (include/linux/
 * physr_abi.h): 8 bytes a range instead of 16, in new chunk pages, and
 * frees the old storage.  A range of more than %PHYSR_PACKED_MAX_PAGES
 * pages takes several entries, so physr_nr_ranges() may grow; the walk
 * gives the same bytes in the same order.  The list is then packed: it can
 * be walked, sliced, handed over (kho_preserve_physr()) and destroyed, but
 * physr_append() refuses it.  For a list that is complete and about to be
 * preserved, when the next kernel reads version 2.  Walking a packed list
 * costs more per range than walking a list in version 1.
 *
 * Context: may sleep if @gfp allows it; the caller serialises all access to
 * the list while it changes.
 * Return: 0 on success, also for an empty list (it stays empty, with no
 * chunk) and for a list already packed; -EINVAL when a range is not page
 * aligned or lies above what an entry can address (2^40 pages); -ENOMEM
 * when the chunk pages cannot be allocated.  On error the list is
 * unchanged.
 */
int physr_pack(struct physr *pr, gfp_t gfp)
{
	struct physr_chunk *head = NULL, *chunk = NULL, *next;
	unsigned long nr_chunks = 0;
	struct physr_iter it;
	struct physr_range r;
	u64 nr = 0, total;
	u32 count = 0;

	if (!pr->nr_ranges || physr_is_packed(pr))
		return 0;
	if (!physr_packable(pr))
		return -EINVAL;

	physr_for_each_range(pr, &it, &r) {
		u64 pfn = r.phys >> PAGE_SHIFT;
		u64 pages = r.len >> PAGE_SHIFT;

		while (pages) {
			u64 n = min_t(u64, pages, PHYSR_PACKED_MAX_PAGES);
			__le64 *entries;

			if (!chunk || count == PHYSR_PACKED_CAP) {
				next = physr_chunk_alloc(pr, gfp);
				if (!next) {
					physr_free_chain(head);
					return -ENOMEM;
				}
				next->hdr.version =
					cpu_to_le16(PHYSR_CHUNK_VERSION_PACKED);
				if (chunk) {
					chunk->hdr.count = cpu_to_le32(count);
					chunk->hdr.next =
						cpu_to_le64(virt_to_phys(next));
				} else {
					head = next;
				}
				chunk = next;
				count = 0;
				nr_chunks++;
			}
			entries = (__le64 *)chunk->ranges;
			entries[count++] = cpu_to_le64(pfn |
				((n - 1) << PHYSR_PACKED_PFN_BITS));
			pfn += n;
			pages -= n;
			nr++;
		}
	}
	chunk->hdr.count = cpu_to_le32(count);

	total = pr->total_bytes;
	physr_destroy(pr);
	pr->head = head;
	pr->tail = NULL;
	pr->nr_chunks = nr_chunks;
	pr->nr_ranges = nr;
	pr->total_bytes = total;
	return 0;
}
EXPORT_SYMBOL_GPL(physr_pack);

/**
 * physr_metadata_bytes() - memory used to describe a list
 * @pr: the list.
 *
 * Context: any; the caller keeps the list from changing.
 * Return: the size of the &struct physr, plus the bytes allocated for its
 * slab array (ksize(), what the allocator really set aside) or its chunk
 * pages (spares kept by physr_reset() included).
 */
size_t physr_metadata_bytes(const struct physr *pr)
{
	const struct physr_chunk *spare = NULL;
	size_t bytes = sizeof(*pr);

	if (pr->nr_chunks) {
		bytes += pr->nr_chunks * PAGE_SIZE;
		spare = pr->tail ? physr_chunk_next(pr->tail) : NULL;
	} else if (pr->nr_ranges > 1) {
		bytes += ksize(pr->small);
	} else if (!pr->nr_ranges) {
		spare = pr->head;
	}
	/* Spare chunk pages kept by physr_reset() */
	for (; spare; spare = physr_chunk_next(spare))
		bytes += PAGE_SIZE;
	return bytes;
}
EXPORT_SYMBOL_GPL(physr_metadata_bytes);

/* Decode the next entry of a packed chunk into the cursor's buffer. */
static void physr_iter_unpack(struct physr_iter *it)
{
	struct physr_range r;

	physr_packed_decode(*it->packed++, &r);
	it->buf.phys = cpu_to_le64(r.phys);
	it->buf.len = cpu_to_le64(r.len);
	it->entry = &it->buf;
	it->end = &it->buf + 1;
}

/* Point @it at the first entry of @chunk, or at nothing for NULL. */
static void physr_iter_load(struct physr_iter *it,
			    const struct physr_chunk *chunk)
{
	it->chunk = chunk;
	it->packed = NULL;
	it->packed_end = NULL;
	if (!chunk) {
		it->entry = NULL;
		it->end = NULL;
	} else if (physr_chunk_packed(chunk)) {
		it->packed = physr_chunk_packed_entries(chunk);
		it->packed_end = it->packed + physr_chunk_count(chunk);
		physr_iter_unpack(it);
	} else {
		it->entry = chunk->ranges;
		it->end = it->entry + physr_chunk_count(chunk);
	}
}

/* Point @it at the first entry of @pr, whatever its storage. */
static void physr_iter_start(struct physr_iter *it, const struct physr *pr)
{
	if (pr->nr_chunks) {
		physr_iter_load(it, pr->head);
	} else {
		it->chunk = NULL;
		it->packed = NULL;
		it->packed_end = NULL;
		it->entry = physr_short_entries(pr);
		it->end = it->entry ? it->entry + pr->nr_ranges : NULL;
	}
}

/**
 * physr_iter_init() - start iterating over every range of a list
 * @it: the cursor.
 * @pr: the list; it must not change while @it is in use.
 *
 * Context: any.
 */
void physr_iter_init(struct physr_iter *it, const struct physr *pr)
{
	physr_iter_start(it, pr);
	it->skip = 0;
	it->remaining = pr->total_bytes;
}
EXPORT_SYMBOL_GPL(physr_iter_init);

/**
 * physr_iter_init_slice() - start iterating over a byte window of a list
 * @it: the cursor.
 * @pr: the list; it must not change while @it is in use.
 * @offset: first byte of the window, counted over the concatenated ranges.
 * @len: length of the window in bytes; 0 gives an empty walk.
 *
 * The ranges returned are the list's ranges clipped to the window, without
 * copying the list.  Finding the start costs one step per range before
 * @offset.
 *
 * Context: any.
 * Return: 0 on success, -EOVERFLOW when @offset + @len wraps, -ERANGE when
 * the window ends past physr_total_bytes().  On error @it is empty.
 */
int physr_iter_init_slice(struct physr_iter *it, const struct physr *pr,
			  u64 offset, u64 len)
{
	u64 end;

	memset(it, 0, sizeof(*it));
	if (check_add_overflow(offset, len, &end))
		return -EOVERFLOW;
	if (end > pr->total_bytes)
		return -ERANGE;
	if (!len)
		return 0;

	/* offset < total_bytes, so an entry holding it exists. */
	physr_iter_start(it, pr);
	for (;;) {
		u64 elen = le64_to_cpu(it->entry->len);

		if (offset < elen)
			break;
		offset -= elen;
		if (++it->entry >= it->end)
			__physr_iter_next_chunk(it);
	}
	it->skip = offset;
	it->remaining = len;
	return 0;
}
EXPORT_SYMBOL_GPL(physr_iter_init_slice);

/**
 * __physr_iter_next_chunk() - move a cursor to the next chunk
 * @it: a cursor that has used every entry of its chunk or slab array, or
 *	the entry it decoded from a packed chunk.
 *
 * The slow path of physr_iter_next(), out of line so the per-range path
 * stays small.  In a packed chunk it is taken for every entry: it decodes
 * the next one into the cursor, so the inline path reads 16-byte entries
 * only.
 *
 * Context: any.
 */
void __physr_iter_next_chunk(struct physr_iter *it)
{
	if (it->packed && it->packed < it->packed_end) {
		physr_iter_unpack(it);
		return;
	}
	physr_iter_load(it, it->chunk ? physr_chunk_next(it->chunk) : NULL);
}
EXPORT_SYMBOL_GPL(__physr_iter_next_chunk);

/**
 * physr_block_iter_init() - split the ranges of a walk into blocks
 * @bi: the block cursor.
 * @it: an initialised range cursor (whole list or slice); it is copied, so
 *	@it itself does not move.
 * @boundary: power-of-two size; no block crosses a multiple of it.  0 means
 *	no boundary.
 * @max_len: largest block length in bytes, 0 for no limit.
 *
 * Each block lies inside one range, does not cross a @boundary aligned
 * address and is at most @max_len long; blocks come in list order and
 * together cover exactly the ranges of @it.  This is what an IOMMU mapper
 * or a segment-limited device needs.
 *
 * Context: any.
 * Return: 0 on success, -EINVAL when @boundary is not 0 or a power of two;
 * the cursor then gives no block and physr_block_iter_error() returns the
 * same error.
 */
int physr_block_iter_init(struct physr_block_iter *bi,
			  const struct physr_iter *it, u64 boundary,
			  u64 max_len)
{
	memset(bi, 0, sizeof(*bi));
	if (boundary && !is_power_of_2(boundary)) {
		bi->err = -EINVAL;
		return -EINVAL;
	}
	physr_iter_copy(&bi->it, it);
	bi->boundary_mask = boundary ? boundary - 1 : U64_MAX;
	bi->max_len = max_len ? max_len : U64_MAX;
	return 0;
}
EXPORT_SYMBOL_GPL(physr_block_iter_init);

/**
 * physr_block_iter_next() - get the next block
 * @bi: the block cursor.
 * @block: receives the block.
 *
 * Context: any.
 * Return: true when @block was filled, false at the end of the walk.
 */
bool physr_block_iter_next(struct physr_block_iter *bi,
			   struct physr_range *block)
{
	u64 len;

	if (bi->err)
		return false;
	if (!bi->cur.len && !physr_iter_next(&bi->it, &bi->cur))
		return false;

	len = min(bi->cur.len, bi->max_len);
	if (bi->boundary_mask != U64_MAX) {
		u64 to_boundary = bi->boundary_mask -
				  (bi->cur.phys & bi->boundary_mask) + 1;

		len = min(len, to_boundary);
	}
	block->phys = bi->cur.phys;
	block->len = len;
	bi->cur.phys += len;
	bi->cur.len -= len;
	return true;
}
EXPORT_SYMBOL_GPL(physr_block_iter_next);

/**
 * physr_first_chunk() - physical address of the first chunk of a list
 * @pr: the list.
 *
 * This single address is what a receiver needs to walk the whole list, for
 * example with physr_adopt() in the next kernel.  A short list has no
 * chunk: physr_make_chunked() (or kho_preserve_physr(), which calls it)
 * must come first, and asking a short list that is not empty is a bug of
 * the caller (a warning, and 0).
 *
 * Context: any; the caller keeps the list from changing.
 * Return: the address, or 0 for an empty list.
 */
phys_addr_t physr_first_chunk(const struct physr *pr)
{
	if (!pr->nr_chunks) {
		WARN_ON_ONCE(pr->nr_ranges);
		return 0;
	}
	return virt_to_phys(pr->head);
}
EXPORT_SYMBOL_GPL(physr_first_chunk);

/**
 * physr_walk_chunks() - call a function for every chunk page of a list
 * @pr: the list.
 * @fn: called with the physical address and size of each chunk, in chain
 *	order; a non-zero return stops the walk.
 * @arg: passed to @fn.
 *
 * Used by Kexec HandOver to preserve the pages that hold a list.  A short
 * list has no chunk page (see physr_make_chunked()): @fn is not called.
 *
 * Context: as allowed by @fn; the caller keeps the list from changing.
 * Return: 0, or the first non-zero value returned by @fn.
 */
int physr_walk_chunks(const struct physr *pr,
		      int (*fn)(phys_addr_t phys, size_t size, void *arg),
		      void *arg)
{
	const struct physr_chunk *chunk;
	int ret;

	unsigned long i;

	/* Not the spares after the last chunk in use (physr_reset()). */
	for (i = 0, chunk = pr->head; i < pr->nr_chunks;
	     i++, chunk = physr_chunk_next(chunk)) {
		ret = fn(virt_to_phys((void *)chunk), PAGE_SIZE, arg);
		if (ret)
			return ret;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(physr_walk_chunks);

static int physr_check_chunk(const struct physr_chunk *chunk,
			     const struct physr_chunk_hdr *first,
			     struct physr_walk_info *info)
{
	const struct physr_chunk_hdr *hdr = &chunk->hdr;
	u32 count, kind, flags, i;
	bool packed;
	u16 version;

	if (le32_to_cpu(hdr->magic) != PHYSR_CHUNK_MAGIC)
		return -EINVAL;
	version = le16_to_cpu(hdr->version);
	if (version != PHYSR_CHUNK_VERSION &&
	    version != PHYSR_CHUNK_VERSION_PACKED) {
		info->bad_version = version;
		return -EPROTONOSUPPORT;
	}
	packed = version == PHYSR_CHUNK_VERSION_PACKED;
	if (le16_to_cpu(hdr->hdr_size) != sizeof(*hdr) ||
	    le32_to_cpu(hdr->chunk_size) != PAGE_SIZE)
		return -EINVAL;

	count = le32_to_cpu(hdr->count);
	if (!count || count > (packed ? PHYSR_PACKED_CAP : PHYSR_CAPACITY))
		return -EINVAL;

	kind = le32_to_cpu(hdr->kind);
	if (kind != PHYSR_ABI_KIND_RAM && kind != PHYSR_ABI_KIND_MMIO)
		return -EINVAL;
	if (kind != le32_to_cpu(first->kind))
		return -EINVAL;

	flags = le32_to_cpu(hdr->flags);
	if (flags & ~PHYSR_ABI_FLAGS_KNOWN)
		return -EOPNOTSUPP;
	if (flags != le32_to_cpu(first->flags))
		return -EINVAL;

	for (i = 0; i < count; i++) {
		struct physr_range r;
		u64 end;

		/* A packed entry is never empty and cannot wrap. */
		physr_chunk_entry(chunk, i, &r);
		if (!r.len)
			return -EINVAL;
		if (check_add_overflow(r.phys, r.len, &end) ||
		    check_add_overflow(info->total_bytes, r.len,
				       &info->total_bytes))
			return -EOVERFLOW;
	}
	info->nr_ranges += count;
	info->nr_packed += packed;
	info->kind = kind;
	return 0;
}

/**
 * physr_validate_chain() - check a chain of chunks received from elsewhere
 * @first: physical address of the first chunk, 0 for an empty list.
 * @max_chunks: largest number of chunks accepted.
 * @chunk_ok: called with the address and size of a chunk before the chunk
 *	is read; it returns true only if that memory is acceptable, for
 *	example RAM that the previous kernel preserved and that phys_to_virt()
 *	maps.
 * @arg: passed to @chunk_ok.
 * @info: receives the totals of the chain; zeroed on error but for
 *	@info->bad_version.
 *
 * Chunks of both layouts are accepted, mixed in any order;
 * @info->nr_packed counts those of version 2, so that a reader of version-1
 * entries can refuse them.  Walks the chain without trusting any of it: every chunk address is
 * checked for alignment and against @chunk_ok before it is read, every
 * header field and every entry is checked, and the walk is bounded by
 * @max_chunks and guarded against cycles.  Nothing is written.
 *
 * Context: any, as allowed by @chunk_ok; the chain must not change during
 * the walk.
 * Return: 0 when the chain is well formed, otherwise:
 *
 * * -EINVAL - a chunk address that is not page aligned; a bad magic,
 *   header size or chunk size; a count of 0 or more than fits in a chunk
 *   of its layout;
 *   an unknown kind or one that differs from the first chunk; flags that
 *   differ from the first chunk; a range of length 0.
 * * -EPROTONOSUPPORT - a layout version this kernel does not read (then
 *   @info->bad_version is that version, for the caller's message).
 * * -EOPNOTSUPP - list flags this kernel does not know.
 * * -EOVERFLOW - a range whose end wraps past 2^64, or a total that does.
 * * -ERANGE - a chunk address refused by @chunk_ok or beyond phys_addr_t.
 * * -ELOOP - a next pointer leading back into the chain.
 * * -E2BIG - more than @max_chunks chunks.  A cycle that is not detected
 *   within @max_chunks chunks is reported this way too.
 */
int physr_validate_chain(phys_addr_t first, unsigned long max_chunks,
			 bool (*chunk_ok)(phys_addr_t phys, size_t size,
					  void *arg),
			 void *arg, struct physr_walk_info *info)
{
	const struct physr_chunk_hdr *first_hdr = NULL;
	unsigned long power = 1, steps = 0;
	phys_addr_t cur = first, saved = first;
	u16 version;
	int ret;

	memset(info, 0, sizeof(*info));
	info->kind = PHYSR_RAM;

	while (cur) {
		const struct physr_chunk *chunk;
		u64 next;

		if (info->nr_chunks >= max_chunks) {
			ret = -E2BIG;
			goto err;
		}
		if (cur & ~PAGE_MASK) {
			ret = -EINVAL;
			goto err;
		}
		if (!chunk_ok(cur, PAGE_SIZE, arg)) {
			ret = -ERANGE;
			goto err;
		}
		chunk = phys_to_virt(cur);
		if (!first_hdr)
			first_hdr = &chunk->hdr;
		ret = physr_check_chunk(chunk, first_hdr, info);
		if (ret)
			goto err;
		info->nr_chunks++;
		info->last = cur;

		next = le64_to_cpu(chunk->hdr.next);
		if (next > PHYS_ADDR_MAX) {
			ret = -ERANGE;
			goto err;
		}
		/*
		 * Brent's cycle detection: @saved is a chain member, moved
		 * ahead at power-of-two distances.  A walk that meets it
		 * again is in a loop; no extra memory and no second read.
		 */
		if (next && next == saved) {
			ret = -ELOOP;
			goto err;
		}
		if (++steps == power) {
			saved = next;
			power <<= 1;
			steps = 0;
		}
		cur = next;
	}
	return 0;

err:
	version = ret == -EPROTONOSUPPORT ? info->bad_version : 0;
	memset(info, 0, sizeof(*info));
	info->kind = PHYSR_RAM;
	info->bad_version = version;
	return ret;
}
EXPORT_SYMBOL_GPL(physr_validate_chain);

/**
 * physr_adopt() - turn a chain received from elsewhere into a list
 * @pr: the list to fill; initialised here.
 * @first: physical address of the first chunk, 0 for an empty list.
 * @provider: the provider of an %PHYSR_MMIO chain, NULL for a %PHYSR_RAM one.
 * @max_chunks: largest number of chunks accepted.
 * @chunk_ok: acceptance test for chunk memory, see physr_validate_chain().
 * @arg: passed to @chunk_ok.
 *
 * The chain is checked with physr_validate_chain() first.  On success the
 * list owns the chunk pages: they must be pages free_page() can release
 * (Kexec HandOver restores preserved pages before handing them out), and
 * physr_destroy() frees them.  The list can be walked and appended to like
 * any other, but a chain with a packed chunk (layout version 2) gives a
 * packed list, which cannot be appended to (see physr_pack()).
 *
 * Context: any, as allowed by @chunk_ok.
 * Return: 0 on success, an error of physr_validate_chain(), or -EINVAL when
 * @provider does not match the kind recorded in the chain.  On error @pr is
 * an empty list and the chunk pages still belong to the caller.
 */
int physr_adopt(struct physr *pr, phys_addr_t first,
		const struct physr_provider *provider,
		unsigned long max_chunks,
		bool (*chunk_ok)(phys_addr_t phys, size_t size, void *arg),
		void *arg)
{
	struct physr_walk_info info;
	int ret;

	physr_init(pr);
	ret = physr_validate_chain(first, max_chunks, chunk_ok, arg, &info);
	if (ret)
		return ret;
	if (info.kind == PHYSR_MMIO && !provider)
		return -EINVAL;
	if (info.kind == PHYSR_RAM && provider)
		return -EINVAL;

	pr->provider = provider;
	if (first) {
		pr->head = phys_to_virt(first);
		/* No tail: a list with packed chunks is read-only. */
		pr->tail = info.nr_packed ? NULL : phys_to_virt(info.last);
		pr->nr_chunks = info.nr_chunks;
	}
	pr->nr_ranges = info.nr_ranges;
	pr->total_bytes = info.total_bytes;
	return 0;
}
EXPORT_SYMBOL_GPL(physr_adopt);
