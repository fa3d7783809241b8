// SPDX-License-Identifier: GPL-2.0
/*
 * physr helpers that work with the memory management core: folios, pinning
 * of user memory and memfds, and conversion to a scatterlist for consumers
 * that still take one.  The list format itself is handled in physr.c.
 *
 * Pinned memory is released range by range.  Every range of a pinned list
 * is built from whole pinned units (pages for physr_pin_user(), folios for
 * physr_pin_memfd()) except for the partial first and last page or folio,
 * and two units only merge when the first ends on its unit boundary.  So
 * the pages a range touches are exactly the pinned pages it came from, and
 * physr_unpin() needs no record besides the list itself and how it was
 * pinned, which the opaque &struct physr_pinned (physr_mm.h) keeps.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/pfn.h>
#include <linux/physr.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "physr_mm.h"

/**
 * physr_append_folio() - add part of a folio at the end of a list
 * @pr: a %PHYSR_RAM list.
 * @folio: the folio; the caller keeps it alive as long as the list uses it.
 * @offset: first byte inside the folio.
 * @len: number of bytes.
 * @gfp: allocation flags for a new chunk page.
 *
 * The range is merged with the last one when physically adjacent, as with
 * physr_append().  No reference is taken on @folio.
 *
 * Context: may sleep if @gfp allows it; the caller serialises all access to
 * the list while it changes.
 * Return: 0 on success, -EINVAL for a %PHYSR_MMIO list, a zero @len or a
 * range not inside the folio, -ENOMEM when a chunk cannot be allocated.
 */
int physr_append_folio(struct physr *pr, struct folio *folio, size_t offset,
		       size_t len, gfp_t gfp)
{
	size_t end;

	if (physr_kind_of(pr) != PHYSR_RAM)
		return -EINVAL;
	if (check_add_overflow(offset, len, &end) || end > folio_size(folio))
		return -EINVAL;
	return physr_append(pr, PFN_PHYS(folio_pfn(folio)) + offset, len, gfp);
}
EXPORT_SYMBOL_GPL(physr_append_folio);

#define PHYSR_PIN_FLAGS	(PHYSR_PIN_WRITE | PHYSR_PIN_LONGTERM)

static struct physr_pinned *physr_pinned_alloc(enum physr_pin_mode mode,
					       unsigned int flags, gfp_t gfp)
{
	struct physr_pinned *pin = kzalloc(sizeof(*pin), gfp);

	if (!pin)
		return NULL;
	physr_init(&pin->list);
	pin->mode = mode;
	pin->dirty = flags & PHYSR_PIN_WRITE;
	return pin;
}

/*
 * Append @nr pinned pages, the first used from byte @*off, at most @*left
 * bytes in all.  Consecutive pages of one folio go in as one range.
 * Returns the number of pages appended; on error that is less than @nr and
 * the caller unpins the rest.
 */
static unsigned int physr_add_pages(struct physr *pr, struct page **pages,
				    unsigned int nr, size_t *off, size_t *left,
				    gfp_t gfp, int *err)
{
	unsigned int i, n;

	*err = 0;
	for (i = 0; i < nr; i += n) {
		struct folio *folio = page_folio(pages[i]);
		unsigned long idx = folio_page_idx(folio, pages[i]);
		unsigned long fnr = folio_nr_pages(folio);
		size_t len;

		n = 1;
		while (i + n < nr && idx + n < fnr &&
		       pages[i + n] == folio_page(folio, idx + n))
			n++;

		len = min_t(size_t, (size_t)n * PAGE_SIZE - *off, *left);
		*err = physr_append(pr, PFN_PHYS(page_to_pfn(pages[i])) + *off,
				    len, gfp);
		if (*err)
			return i;
		*off = 0;
		*left -= len;
	}
	return nr;
}

/**
 * physr_pin_user() - pin a user address range and describe it in a list
 * @uaddr: user virtual address of the first byte, any alignment.
 * @len: length in bytes.
 * @flags: %PHYSR_PIN_WRITE if the memory will be written (the pages are
 *	then dirtied on unpin), %PHYSR_PIN_LONGTERM if the pin is held for an
 *	indefinite time (FOLL_LONGTERM: movable memory is migrated first).
 * @gfp: allocation flags for chunk pages and the temporary page array.
 *
 * The pages of the current process's range are pinned with
 * pin_user_pages_fast() in batches.  Pages that are consecutive in one
 * folio, and any physically adjacent pages, become a single range, so a
 * range backed by huge folios costs one entry per folio or less.  The
 * %PHYSR_RAM list is physr_pinned_list() of the result; release it with
 * physr_unpin().
 *
 * Context: process context, may sleep; takes and drops the mmap lock as
 * needed.
 * Return: the pinned list on success; ERR_PTR(-EINVAL) for a zero @len or
 * unknown @flags, ERR_PTR(-EOVERFLOW) when the range wraps, ERR_PTR(-EFAULT)
 * or another error of pin_user_pages_fast() when the range cannot be
 * pinned, ERR_PTR(-ENOMEM).  On error nothing stays pinned.
 */
struct physr_pinned *physr_pin_user(unsigned long uaddr, size_t len,
				    unsigned int flags, gfp_t gfp)
{
	const unsigned int batch = PAGE_SIZE / sizeof(struct page *);
	unsigned int gup_flags = 0;
	unsigned long addr, end, npages;
	struct physr_pinned *pin;
	struct page **pages;
	size_t off, left;
	int ret = 0;

	if ((flags & ~PHYSR_PIN_FLAGS) || !len)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(uaddr, len, &end))
		return ERR_PTR(-EOVERFLOW);
	if (flags & PHYSR_PIN_WRITE)
		gup_flags |= FOLL_WRITE;
	if (flags & PHYSR_PIN_LONGTERM)
		gup_flags |= FOLL_LONGTERM;

	pin = physr_pinned_alloc(PHYSR_PINNED_PAGES, flags, gfp);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	pages = (struct page **)__get_free_page(gfp);
	if (!pages) {
		kfree(pin);
		return ERR_PTR(-ENOMEM);
	}

	addr = uaddr & PAGE_MASK;
	npages = DIV_ROUND_UP(end - addr, PAGE_SIZE);
	off = offset_in_page(uaddr);
	left = len;
	while (npages) {
		unsigned int want = min_t(unsigned long, npages, batch);
		unsigned int done;
		int got;

		got = pin_user_pages_fast(addr, want, gup_flags, pages);
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			break;
		}
		done = physr_add_pages(&pin->list, pages, got, &off, &left,
				       gfp, &ret);
		if (ret) {
			unpin_user_pages(pages + done, got - done);
			break;
		}
		addr += (unsigned long)got * PAGE_SIZE;
		npages -= got;
	}
	free_page((unsigned long)pages);
	if (ret) {
		physr_unpin(pin);
		return ERR_PTR(ret);
	}
	return pin;
}
EXPORT_SYMBOL_GPL(physr_pin_user);

/**
 * physr_pin_memfd() - pin a range of a memfd and describe it in a list
 * @memfd: a shmem or hugetlbfs backed file, such as a memfd.
 * @offset: file offset of the first byte, any alignment.
 * @len: length in bytes; the range must lie inside the file.
 * @flags: %PHYSR_PIN_WRITE to dirty the folios on unpin; the pin is always
 *	long term, %PHYSR_PIN_LONGTERM is accepted and changes nothing.
 * @gfp: allocation flags for chunk pages and the temporary folio array.
 *
 * The folios are pinned with memfd_pin_folios(), allocating missing ones,
 * one range per folio or per run of physically adjacent folios.  The
 * %PHYSR_RAM list is physr_pinned_list() of the result; release it with
 * physr_unpin().
 *
 * Context: process context, may sleep.
 * Return: the pinned list on success; ERR_PTR(-EINVAL) for a negative
 * @offset, a zero or negative @len, unknown @flags, a file that is not shmem
 * or hugetlbfs or a range past its end; ERR_PTR(-EOVERFLOW) when the range
 * wraps; ERR_PTR(-ENOMEM); another error of memfd_pin_folios().  On error
 * nothing stays pinned.
 */
struct physr_pinned *physr_pin_memfd(struct file *memfd, loff_t offset,
				     loff_t len, unsigned int flags, gfp_t gfp)
{
	const unsigned int batch = PAGE_SIZE / sizeof(struct folio *);
	struct physr_pinned *pin;
	struct folio **folios;
	loff_t pos, end, left;
	int ret = 0;

	if ((flags & ~PHYSR_PIN_FLAGS) || offset < 0 || len <= 0)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(offset, len, &end))
		return ERR_PTR(-EOVERFLOW);

	pin = physr_pinned_alloc(PHYSR_PINNED_FOLIOS, flags, gfp);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	folios = (struct folio **)__get_free_page(gfp);
	if (!folios) {
		kfree(pin);
		return ERR_PTR(-ENOMEM);
	}

	pos = offset;
	left = len;
	while (left) {
		pgoff_t first_off = 0;
		long nr, i;

		nr = memfd_pin_folios(memfd, pos, pos + left - 1, folios, batch,
				      &first_off);
		if (nr <= 0) {
			ret = nr ? nr : -EFAULT;
			break;
		}
		for (i = 0; i < nr; i++) {
			size_t foff = i ? 0 : first_off;
			loff_t flen = min_t(loff_t, folio_size(folios[i]) - foff,
					    left);

			ret = physr_append(&pin->list,
					   PFN_PHYS(folio_pfn(folios[i])) + foff,
					   flen, gfp);
			if (ret) {
				unpin_folios(folios + i, nr - i);
				break;
			}
			pos += flen;
			left -= flen;
		}
		if (ret)
			break;
	}
	free_page((unsigned long)folios);
	if (ret) {
		physr_unpin(pin);
		return ERR_PTR(ret);
	}
	return pin;
}
EXPORT_SYMBOL_GPL(physr_pin_memfd);

static void physr_unpin_folios(u64 phys, u64 len, bool dirty)
{
	unsigned long pfn = PHYS_PFN(phys);
	unsigned long last = PHYS_PFN(phys + len - 1);

	while (pfn <= last) {
		struct folio *folio = page_folio(pfn_to_page(pfn));

		pfn = folio_pfn(folio) + folio_nr_pages(folio);
		if (dirty && !folio_test_dirty(folio)) {
			folio_lock(folio);
			folio_mark_dirty(folio);
			folio_unlock(folio);
		}
		unpin_folio(folio);
	}
}

/**
 * physr_pinned_list() - the list of a pinned range
 * @pin: the result of physr_pin_user() or physr_pin_memfd().
 *
 * The list is read-only for the caller and lives until physr_unpin().
 *
 * Context: any.
 * Return: the %PHYSR_RAM list describing the pinned memory.
 */
const struct physr *physr_pinned_list(const struct physr_pinned *pin)
{
	return &pin->list;
}
EXPORT_SYMBOL_GPL(physr_pinned_list);

/**
 * physr_unpin() - release pinned memory and its list
 * @pin: the result of physr_pin_user() or physr_pin_memfd(), or NULL.
 *
 * Every pin taken for the list is dropped, marking the memory dirty first
 * when it was pinned with %PHYSR_PIN_WRITE, and the list and @pin are
 * freed.  NULL is ignored.
 *
 * Context: process context, may sleep.  The caller excludes every other
 * user of the list, and must have stopped all DMA to the memory.
 */
void physr_unpin(struct physr_pinned *pin)
{
	struct physr_range r;
	struct physr_iter it;

	if (!pin)
		return;
	physr_for_each_range(&pin->list, &it, &r) {
		unsigned long first = PHYS_PFN(r.phys);
		unsigned long last = PHYS_PFN(r.phys + r.len - 1);

		if (pin->mode == PHYSR_PINNED_PAGES)
			unpin_user_page_range_dirty_lock(pfn_to_page(first),
							 last - first + 1,
							 pin->dirty);
		else
			physr_unpin_folios(r.phys, r.len, pin->dirty);
	}
	physr_destroy(&pin->list);
	kfree(pin);
}
EXPORT_SYMBOL_GPL(physr_unpin);

/**
 * physr_to_sgtable() - build a scatterlist describing a RAM list
 * @pr: a %PHYSR_RAM list.
 * @sgt: the table to allocate and fill; free it with sg_free_table().
 * @max_seg: largest segment length, 0 for the largest page multiple that
 *	fits the scatterlist length field.
 * @gfp: allocation flags for the table.
 *
 * For consumers that still take an sg_table, such as dma-buf's
 * map_dma_buf.  Each range gives one entry, or several when it is longer
 * than @max_seg.  The table is not DMA mapped.  The list may be destroyed
 * afterwards; the table holds no reference on the memory.
 *
 * Context: may sleep if @gfp allows it; the list must not change meanwhile.
 * Return: 0 on success, -EINVAL for a %PHYSR_MMIO or empty list or a range
 * outside memory that has a struct page, -E2BIG when more entries are
 * needed than a table holds, -ENOMEM.
 */
int physr_to_sgtable(const struct physr *pr, struct sg_table *sgt,
		     unsigned int max_seg, gfp_t gfp)
{
	struct physr_block_iter bi;
	struct physr_range blk;
	struct physr_iter it;
	struct scatterlist *sg;
	u64 nents = 0;
	int ret;

	if (physr_kind_of(pr) != PHYSR_RAM || !pr->nr_ranges)
		return -EINVAL;
	if (!max_seg)
		max_seg = UINT_MAX & PAGE_MASK;

	physr_iter_init(&it, pr);
	physr_for_each_block(&bi, &it, 0, max_seg, &blk) {
		if (!pfn_valid(PHYS_PFN(blk.phys)) ||
		    !pfn_valid(PHYS_PFN(blk.phys + blk.len - 1)))
			return -EINVAL;
		nents++;
	}
	if (nents > UINT_MAX)
		return -E2BIG;

	ret = sg_alloc_table(sgt, nents, gfp);
	if (ret)
		return ret;

	sg = sgt->sgl;
	physr_for_each_block(&bi, &it, 0, max_seg, &blk) {
		sg_set_page(sg, pfn_to_page(PHYS_PFN(blk.phys)), blk.len,
			    offset_in_page(blk.phys));
		sg = sg_next(sg);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(physr_to_sgtable);
