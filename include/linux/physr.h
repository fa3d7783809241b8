/* SPDX-License-Identifier: GPL-2.0 */
/*
 * physr: lists of physical address ranges that need no struct page.
 *
 * See Documentation/core-api/physr.rst for the user guide and
 * include/linux/physr_abi.h for the chunk layout, which is an ABI.
 */
#ifndef _LINUX_PHYSR_H
#define _LINUX_PHYSR_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/gfp_types.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/physr_abi.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#include <asm/page.h>

struct file;
struct folio;
struct page;
struct pci_dev;
struct physr_pinned;
struct sg_table;

/**
 * enum physr_kind - what kind of memory the ranges of a list describe
 * @PHYSR_RAM: ordinary system RAM, every page has a struct page.
 * @PHYSR_MMIO: device memory (a PCI BAR, for peer-to-peer DMA), described
 *	by a &struct physr_provider; no struct page is needed.
 */
enum physr_kind {
	PHYSR_RAM = PHYSR_ABI_KIND_RAM,
	PHYSR_MMIO = PHYSR_ABI_KIND_MMIO,
};

/**
 * struct physr_provider - owner of the MMIO ranges of a list
 * @pdev: PCI device whose BAR holds the ranges.
 * @bar: index of that BAR.
 * @bus_addr_is_phys: true when a device on the bus reaches the BAR at its
 *	CPU physical address; @bus_offset is then 0.
 * @bus_offset: value added (modulo 2^64) to a CPU physical address in the
 *	BAR to get the bus address other devices must use.
 *
 * The provider is owned by the exporter and must outlive every list that
 * points at it.
 */
struct physr_provider {
	struct pci_dev *pdev;
	unsigned int bar;
	bool bus_addr_is_phys;
	u64 bus_offset;
};

/**
 * struct physr_range - one physical address range
 * @phys: CPU physical address of the first byte.
 * @len: length in bytes.
 */
struct physr_range {
	u64 phys;
	u64 len;
};

/*
 * A list keeps its first range in its head and up to PHYSR_SMALL_MAX ranges
 * in one slab array (doubling from 2), and moves to chunk pages, in the
 * layout of include/linux/physr_abi.h, only when it grows past that.
 */
#define PHYSR_SMALL_MAX		128

/**
 * struct physr - a list of physical address ranges
 * @head: first chunk page (chunked list).
 * @tail: last chunk page (chunked list); NULL for a packed list, which is
 *	read-only (see physr_pack()).
 * @nr_chunks: number of chunk pages; 0 when the list is short.
 * @one: the range of a short list of one range.
 * @small: the ranges of a short list of 2 to %PHYSR_SMALL_MAX ranges, a
 *	slab array of max(2, roundup_pow_of_two(@nr_ranges)) entries.
 * @provider: owner of the ranges of a %PHYSR_MMIO list, NULL for RAM (the
 *	kind of the list follows from it).
 * @nr_ranges: number of range entries.
 * @total_bytes: sum of the range lengths.
 *
 * Which storage is in use follows from @nr_chunks and @nr_ranges: chunk
 * pages when @nr_chunks is not 0, otherwise nothing (empty), @one, or
 * @small.  A short list has no chunk page: physr_make_chunked() gives it
 * one, as kho_preserve_physr() does before handing it over.  Treat the
 * members as private and use the accessors below.
 */
struct physr {
	union {
		struct {
			struct physr_chunk *head;
			struct physr_chunk *tail;
			unsigned long nr_chunks;
		};
		struct physr_abi_range one;
		struct physr_abi_range *small;
	};
	const struct physr_provider *provider;
	u64 nr_ranges;
	u64 total_bytes;
};

/**
 * struct physr_iter - cursor over the ranges of a list or of a slice of it
 * @entry: next entry, NULL when done.
 * @end: end of the entry array holding @entry.
 * @chunk: chunk page holding @entry, NULL for a short list.
 * @skip: bytes at the start of that entry that lie before the window.
 * @remaining: bytes of the window not yet returned.
 * @packed: in a packed chunk (version 2), the entry after the one decoded
 *	into @buf; NULL otherwise.
 * @packed_end: end of the entries of that packed chunk.
 * @buf: the packed entry being returned, decoded; @entry then points here.
 *
 * A cursor over a list of one range points into the &struct physr itself:
 * the list must neither change nor move while the cursor is in use.  A
 * cursor over a packed list points into itself: copy it with
 * physr_iter_copy(), not by assignment.
 */
struct physr_iter {
	const struct physr_abi_range *entry;
	const struct physr_abi_range *end;
	const struct physr_chunk *chunk;
	u64 skip;
	u64 remaining;
	const __le64 *packed;
	const __le64 *packed_end;
	struct physr_abi_range buf;
};

/**
 * struct physr_block_iter - cursor over a list split into aligned blocks
 * @it: range cursor feeding the blocks.
 * @cur: part of the current range not yet returned.
 * @boundary_mask: block boundary size minus one, or ~0 for no boundary.
 * @max_len: largest block length.
 * @err: 0, or why the walk gives no block (see physr_block_iter_error()).
 */
struct physr_block_iter {
	struct physr_iter it;
	struct physr_range cur;
	u64 boundary_mask;
	u64 max_len;
	int err;
};

/**
 * struct physr_walk_info - what physr_validate_chain() found
 * @nr_ranges: number of range entries in the chain.
 * @total_bytes: sum of the range lengths.
 * @nr_chunks: number of chunks.
 * @kind: memory kind recorded in the chunks (%PHYSR_RAM for an empty chain).
 * @last: physical address of the last chunk, 0 for an empty chain.
 * @nr_packed: how many of the chunks are packed (layout version 2); a
 *	reader of chunk entries that knows only version 1 refuses a chain
 *	with any.
 * @bad_version: after -EPROTONOSUPPORT, the layout version of the chunk
 *	refused (for the message of the caller); 0 otherwise.
 */
struct physr_walk_info {
	u64 nr_ranges;
	u64 total_bytes;
	unsigned long nr_chunks;
	unsigned long nr_packed;
	enum physr_kind kind;
	phys_addr_t last;
	u16 bad_version;
};

/* Flags for physr_pin_user() and physr_pin_memfd(). */
#define PHYSR_PIN_WRITE		BIT(0)	/* the device will write the memory */
#define PHYSR_PIN_LONGTERM	BIT(1)	/* held for an indefinite time */

/**
 * struct physr_pin_account - what pinned memory is charged to
 * @charge: called with a number of pages before they are pinned; an error
 *	stops the pin, which then returns it.
 * @uncharge: gives back pages that @charge took, when the pin fails.
 *
 * For physr_pin_memfd_account().  The caller embeds it in its own
 * structure to find its context with container_of().
 */
struct physr_pin_account {
	int (*charge)(struct physr_pin_account *acct, unsigned long npages);
	void (*uncharge)(struct physr_pin_account *acct, unsigned long npages);
};

void physr_init(struct physr *pr);
int physr_init_mmio(struct physr *pr, const struct physr_provider *provider);
void physr_destroy(struct physr *pr);
void physr_reset(struct physr *pr);
int __physr_append_chunk(struct physr *pr, u64 phys, u64 len, u64 total,
			 gfp_t gfp);
int physr_make_chunked(struct physr *pr, gfp_t gfp);
int physr_pack(struct physr *pr, gfp_t gfp);

void physr_iter_init(struct physr_iter *it, const struct physr *pr);
int physr_iter_init_slice(struct physr_iter *it, const struct physr *pr,
			  u64 offset, u64 len);
void __physr_iter_next_chunk(struct physr_iter *it);
int physr_block_iter_init(struct physr_block_iter *bi,
			  const struct physr_iter *it, u64 boundary,
			  u64 max_len);
bool physr_block_iter_next(struct physr_block_iter *bi,
			   struct physr_range *block);

phys_addr_t physr_first_chunk(const struct physr *pr);
int physr_walk_chunks(const struct physr *pr,
		      int (*fn)(phys_addr_t phys, size_t size, void *arg),
		      void *arg);
int physr_validate_chain(phys_addr_t first, unsigned long max_chunks,
			 bool (*chunk_ok)(phys_addr_t phys, size_t size,
					  void *arg),
			 void *arg, struct physr_walk_info *info);
int physr_adopt(struct physr *pr, phys_addr_t first,
		const struct physr_provider *provider,
		unsigned long max_chunks,
		bool (*chunk_ok)(phys_addr_t phys, size_t size, void *arg),
		void *arg);

int physr_append_folio(struct physr *pr, struct folio *folio, size_t offset,
		       size_t len, gfp_t gfp);
unsigned int physr_page_run(struct page **pages, unsigned int nr);
struct physr_pinned *physr_pin_user(unsigned long uaddr, size_t len,
				    unsigned int flags, gfp_t gfp);
struct physr_pinned *physr_pin_memfd(struct file *memfd, loff_t offset,
				     loff_t len, unsigned int flags, gfp_t gfp);
struct physr_pinned *physr_pin_memfd_account(struct file *memfd, loff_t offset,
					     loff_t len, unsigned int flags,
					     struct physr_pin_account *acct,
					     gfp_t gfp);
const struct physr *physr_pinned_list(const struct physr_pinned *pin);
void physr_unpin(struct physr_pinned *pin);
int physr_to_sgtable(const struct physr *pr, struct sg_table *sgt,
		     unsigned int max_seg, gfp_t gfp);

/* Helpers for the iteration macros below. */
/* Grow @last when @phys is where it ends; @end = @phys + length. */
static inline bool __physr_merge(struct physr_abi_range *last, u64 phys,
				 u64 end)
{
	u64 last_phys = le64_to_cpu(last->phys);

	if (last_phys + le64_to_cpu(last->len) != phys)
		return false;
	/* Cannot overflow: the merged end is @end. */
	last->len = cpu_to_le64(end - last_phys);
	return true;
}

/**
 * physr_append() - add a range at the end of a list
 * @pr: the list.
 * @phys: physical address of the first byte; any alignment.
 * @len: length in bytes; ranges above 4 GiB are fine.
 * @gfp: allocation flags for new storage (a slab array or a chunk page).
 *
 * A range that starts where the last range ends extends it instead of
 * taking a new entry.  Ranges are not checked against each other otherwise:
 * they may overlap or come in any order.
 *
 * Context: may sleep if @gfp allows it; the caller serialises all access to
 * the list while it changes.
 * Return: 0 on success, -EINVAL when @len is 0 (a zero-length range is
 * rejected, not ignored) or the list is packed (physr_pack()), -EOVERFLOW
 * when @phys + @len does not fit in 64 bits or the list total would
 * overflow, -ENOMEM when new storage cannot be allocated.  On error the
 * list is unchanged.
 *
 * Inline: merging, or adding to a chunk or slab array with room, costs a
 * few instructions; only new storage takes the out-of-line path (the first
 * range, the move from one range to a slab array, its doubling, the move
 * from a full slab array to a chunk page, and a new chunk).
 */
static inline int physr_append(struct physr *pr, u64 phys, u64 len,
			       gfp_t gfp)
{
	struct physr_abi_range *last;
	u64 end, total, n;

	if (!len)
		return -EINVAL;
	if (check_add_overflow(phys, len, &end) ||
	    check_add_overflow(pr->total_bytes, len, &total))
		return -EOVERFLOW;

	if (pr->nr_chunks) {
		struct physr_chunk *tail = pr->tail;
		u32 count;

		/* A packed list is read-only: the slow path refuses it. */
		if (unlikely(!tail))
			goto slow;
		count = le32_to_cpu(tail->hdr.count);

		last = &tail->ranges[count - 1];
		if (__physr_merge(last, phys, end))
			goto done;
		if (count >= PHYSR_CHUNK_CAPACITY(PAGE_SIZE))
			goto slow;
		tail->hdr.count = cpu_to_le32(count + 1);
	} else {
		/* A short list: the range in the head, or a slab array. */
		n = pr->nr_ranges;
		if (!n)
			goto slow;
		last = n == 1 ? &pr->one : &pr->small[n - 1];
		if (__physr_merge(last, phys, end))
			goto done;
		/* The slab array holds the next power of two entries. */
		if (is_power_of_2(n))
			goto slow;
	}
	last[1].phys = cpu_to_le64(phys);
	last[1].len = cpu_to_le64(len);
	pr->nr_ranges++;
done:
	pr->total_bytes = total;
	return 0;
slow:
	return __physr_append_chunk(pr, phys, len, total, gfp);
}

/**
 * physr_iter_next() - get the next range of a walk
 * @it: the cursor.
 * @range: receives the range.
 *
 * Inline: walking a list costs a few instructions per range.
 *
 * Context: any.
 * Return: true when @range was filled, false at the end of the walk.
 */
static inline bool physr_iter_next(struct physr_iter *it,
				   struct physr_range *range)
{
	const struct physr_abi_range *e = it->entry;
	u64 len;

	if (!it->remaining || !e)
		return false;

	range->phys = le64_to_cpu(e->phys) + it->skip;
	len = le64_to_cpu(e->len) - it->skip;
	range->len = len < it->remaining ? len : it->remaining;
	it->remaining -= range->len;
	it->skip = 0;
	if (++it->entry >= it->end)
		__physr_iter_next_chunk(it);
	return true;
}

/**
 * physr_iter_copy() - copy a cursor
 * @dst: receives the copy.
 * @src: the cursor to copy.
 *
 * A cursor over a packed chunk points into itself, so plain assignment
 * would leave the copy reading the original's decoded entry.
 *
 * Context: any.
 */
static inline void physr_iter_copy(struct physr_iter *dst,
				   const struct physr_iter *src)
{
	*dst = *src;
	if (src->entry == &src->buf) {
		dst->entry = &dst->buf;
		dst->end = &dst->buf + 1;
	}
}

static inline struct physr_iter *__physr_iter_start(struct physr_iter *it,
						    const struct physr *pr)
{
	physr_iter_init(it, pr);
	return it;
}

static inline struct physr_block_iter *
__physr_block_iter_start(struct physr_block_iter *bi,
			 const struct physr_iter *it, u64 boundary, u64 max_len)
{
	physr_block_iter_init(bi, it, boundary, max_len);
	return bi;
}

/**
 * physr_block_iter_error() - why a block walk gave nothing
 * @bi: a block cursor set up by physr_block_iter_init() or
 *	physr_for_each_block().
 *
 * Context: any.
 * Return: 0, or -EINVAL when the boundary of the walk was not 0 or a power
 * of two (the walk then gives no block).
 */
static inline int physr_block_iter_error(const struct physr_block_iter *bi)
{
	return bi->err;
}

/**
 * physr_for_each_range - iterate over every range of a list
 * @pr: the list.
 * @it: a &struct physr_iter used as cursor.
 * @range: a &struct physr_range that receives each range in turn.
 *
 * The list must not change during the walk.
 */
#define physr_for_each_range(pr, it, range) \
	for (struct physr_iter *__physr_it = __physr_iter_start(it, pr); \
	     physr_iter_next(__physr_it, range);)

/**
 * physr_for_each_block - iterate over the blocks of a range cursor
 * @bi: a &struct physr_block_iter used as cursor.
 * @it: an initialised &struct physr_iter giving the ranges (list or slice).
 * @boundary: power-of-two size that no block crosses, 0 for none.
 * @max_len: largest block length, 0 for no limit.
 * @block: a &struct physr_range that receives each block in turn.
 *
 * When @boundary is not 0 or a power of two the loop body never runs and
 * physr_block_iter_error(@bi) is -EINVAL: a caller whose boundary is not
 * a known constant checks it after the loop.
 */
#define physr_for_each_block(bi, it, boundary, max_len, block) \
	for (struct physr_block_iter *__physr_bi = \
		__physr_block_iter_start(bi, it, boundary, max_len); \
	     __physr_bi && physr_block_iter_next(__physr_bi, block);)

/**
 * physr_nr_ranges - number of range entries in a list
 * @pr: the list.
 *
 * Context: any; the caller keeps the list from changing.
 * Return: the number of entries, after merging of adjacent ranges.
 */
static inline u64 physr_nr_ranges(const struct physr *pr)
{
	return pr->nr_ranges;
}

/**
 * physr_total_bytes - sum of the range lengths of a list
 * @pr: the list.
 *
 * Context: any; the caller keeps the list from changing.
 * Return: the number of bytes described by the list.
 */
static inline u64 physr_total_bytes(const struct physr *pr)
{
	return pr->total_bytes;
}

/**
 * physr_nr_chunks - number of chunk pages of a list
 * @pr: the list.
 *
 * Context: any; the caller keeps the list from changing.
 * Return: the number of chunk pages, 0 for an empty or a short list (one
 * whose ranges are kept in its head or in a slab array).
 */
static inline unsigned long physr_nr_chunks(const struct physr *pr)
{
	return pr->nr_chunks;
}

size_t physr_metadata_bytes(const struct physr *pr);

/**
 * physr_is_packed() - whether a list is in packed chunks
 * @pr: the list.
 *
 * A packed list (physr_pack(), or a chain adopted with any chunk of layout
 * version 2) can be walked and handed over but not appended to.
 *
 * Context: any; the caller keeps the list from changing.
 * Return: true for a packed list.
 */
static inline bool physr_is_packed(const struct physr *pr)
{
	return pr->nr_chunks && !pr->tail;
}

/**
 * physr_chunk_packed() - whether a chunk is in the packed layout
 * @chunk: a chunk page whose header was checked (physr_validate_chain()).
 *
 * Context: any.
 * Return: true for layout version 2, false for version 1.
 */
static inline bool physr_chunk_packed(const struct physr_chunk *chunk)
{
	return le16_to_cpu(chunk->hdr.version) == PHYSR_CHUNK_VERSION_PACKED;
}

/**
 * physr_chunk_packed_entries() - the entries of a packed chunk
 * @chunk: a chunk page of layout version 2.
 *
 * Context: any.
 * Return: the array of physr_chunk_hdr::count entries after the header.
 */
static inline const __le64 *
physr_chunk_packed_entries(const struct physr_chunk *chunk)
{
	return (const __le64 *)chunk->ranges;
}

/**
 * physr_packed_decode() - the range of a packed entry
 * @e: the entry, as stored.
 * @range: receives the range.
 *
 * Context: any.
 */
static inline void physr_packed_decode(__le64 e, struct physr_range *range)
{
	u64 v = le64_to_cpu(e);

	range->phys = (v & PHYSR_PACKED_PFN_MASK) << PAGE_SHIFT;
	range->len = ((v >> PHYSR_PACKED_PFN_BITS) + 1) << PAGE_SHIFT;
}

/**
 * physr_chunk_entry() - read one entry of a chunk of either layout
 * @chunk: a chunk page that physr_validate_chain() accepted.
 * @i: index of the entry, below physr_chunk_hdr::count.
 * @range: receives the range.
 *
 * For readers that look at chunk entries directly (a binary search over
 * the chunks of a list, a tool printing a handover).
 *
 * Context: any.
 */
static inline void physr_chunk_entry(const struct physr_chunk *chunk, u32 i,
				     struct physr_range *range)
{
	if (physr_chunk_packed(chunk)) {
		physr_packed_decode(physr_chunk_packed_entries(chunk)[i], range);
		return;
	}
	range->phys = le64_to_cpu(chunk->ranges[i].phys);
	range->len = le64_to_cpu(chunk->ranges[i].len);
}

/**
 * physr_kind_of() - memory kind of a list
 * @pr: the list.
 *
 * Return: %PHYSR_RAM or %PHYSR_MMIO.
 */
static inline enum physr_kind physr_kind_of(const struct physr *pr)
{
	return pr->provider ? PHYSR_MMIO : PHYSR_RAM;
}

/**
 * physr_provider_of() - provider of a %PHYSR_MMIO list
 * @pr: the list.
 *
 * Return: the provider given to physr_init_mmio() or physr_adopt(), NULL
 * for a %PHYSR_RAM list.
 */
static inline const struct physr_provider *
physr_provider_of(const struct physr *pr)
{
	return pr->provider;
}

/**
 * physr_provider_bus_addr - bus address of a CPU physical address in a BAR
 * @prov: the provider owning @phys.
 * @phys: CPU physical address inside the provider's BAR.
 *
 * Return: the address a peer device uses to reach @phys.
 */
static inline u64 physr_provider_bus_addr(const struct physr_provider *prov,
					  u64 phys)
{
	return prov->bus_addr_is_phys ? phys : phys + prov->bus_offset;
}

#endif /* _LINUX_PHYSR_H */
