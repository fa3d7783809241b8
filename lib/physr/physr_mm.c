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
#include <kunit/visibility.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/hugetlb.h>
#include <linux/memfd.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/pfn.h>
#include <linux/physr.h>
#include <linux/sched/mm.h>
#include <linux/scatterlist.h>
#include <linux/shmem_fs.h>
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

/* Whether the 8 pointers at @p are the pages from nth_page(@first, @n) on */
static inline bool physr_next8(struct page **p, struct page *first,
			       unsigned int n)
{
	unsigned long diff = 0;

	diff |= (unsigned long)p[0] ^ (unsigned long)nth_page(first, n + 0);
	diff |= (unsigned long)p[1] ^ (unsigned long)nth_page(first, n + 1);
	diff |= (unsigned long)p[2] ^ (unsigned long)nth_page(first, n + 2);
	diff |= (unsigned long)p[3] ^ (unsigned long)nth_page(first, n + 3);
	diff |= (unsigned long)p[4] ^ (unsigned long)nth_page(first, n + 4);
	diff |= (unsigned long)p[5] ^ (unsigned long)nth_page(first, n + 5);
	diff |= (unsigned long)p[6] ^ (unsigned long)nth_page(first, n + 6);
	diff |= (unsigned long)p[7] ^ (unsigned long)nth_page(first, n + 7);
	return !diff;
}

/**
 * physr_page_run() - count the pages of an array that follow the first one
 * @pages: an array of pages, as pin_user_pages_fast() fills it.
 * @nr: number of entries, at least 1.
 *
 * Counts how many entries from the first on are physically consecutive
 * pages (the pages of a folio, or folios that are neighbours), comparing
 * only the pointers with nth_page() of the first: no &struct page is read.
 * The walk of the array is most of what building runs costs on top of
 * pin_user_pages_fast(), which fills the array for a huge folio with
 * about as little work per page, so after the second entry it takes one
 * branch for 8 entries (the compiler does not unroll a loop for it), then
 * goes entry by entry.  A run of one, scattered memory, costs one compare.
 *
 * Context: any.
 * Return: the length of the run, between 1 and @nr.
 */
unsigned int physr_page_run(struct page **pages, unsigned int nr)
{
	struct page *first = pages[0];
	unsigned int n = 2;

	/* Scattered pages: no stride read for a run of one */
	if (nr < 2 || pages[1] != nth_page(first, 1))
		return 1;
	while (n + 8 <= nr && physr_next8(pages + n, first, n))
		n += 8;
	while (n < nr && pages[n] == nth_page(first, n))
		n++;
	return n;
}
EXPORT_SYMBOL_GPL(physr_page_run);

/*
 * Append @nr pinned pages, the first used from byte @*off, at most @*left
 * bytes in all.  The page array is walked once and only its pointers are
 * compared, no struct page is read: each run of physically consecutive
 * pages (the pages of a folio, folios that are neighbours) goes in with
 * one physr_append(), which also extends the last range of the list when
 * the run continues it (a folio that the previous call's array ended in).
 * A run may span several folios: physr_unpin() releases page ranges folio
 * by folio.  Returns the number of pages appended; on error that is less
 * than @nr and the caller unpins the rest.
 */
VISIBLE_IF_KUNIT unsigned int physr_add_pages(struct physr *pr,
					      struct page **pages,
					      unsigned int nr, size_t *off,
					      size_t *left, gfp_t gfp,
					      int *err)
{
	unsigned int i, n;

	*err = 0;
	for (i = 0; i < nr; i += n) {
		struct page *first = pages[i];
		size_t len;

		n = physr_page_run(pages + i, nr - i);

		len = min_t(size_t, (size_t)n * PAGE_SIZE - *off, *left);
		*err = physr_append(pr, PFN_PHYS(page_to_pfn(first)) + *off,
				    len, gfp);
		if (*err)
			return i;
		*off = 0;
		*left -= len;
	}
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(physr_add_pages);

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

/*
 * Pages of a memfd charged, looked up and pinned at a time by
 * physr_pin_memfd_account(): 2 MiB of 4 KiB pages, one page of folio
 * pointers.
 */
#define PHYSR_MEMFD_BATCH	(PAGE_SIZE / sizeof(struct folio *))

/* Drop the references physr_memfd_lookup() took */
static void physr_put_folios(struct folio **folios, unsigned int nr)
{
	while (nr)
		folio_put(folios[--nr]);
}

/*
 * Collect the folios of @mapping from index @*idx on, contiguous in the
 * file, each with a reference, as long as they start at or before @last
 * and fit in @folios (@max).  A large folio that @*idx falls into comes
 * first.  @*idx is left at the index after the last folio taken.
 */
static unsigned int physr_memfd_lookup(struct address_space *mapping,
				       pgoff_t *idx, pgoff_t last,
				       struct folio **folios, unsigned int max)
{
	struct folio_batch fbatch;
	unsigned int nr = 0, i, n;
	pgoff_t next = *idx;

	while (nr < max && next <= last) {
		folio_batch_init(&fbatch);
		n = filemap_get_folios_contig(mapping, &next, last, &fbatch);
		for (i = 0; i < n; i++) {
			struct folio *folio = fbatch.folios[i];

			/* Each folio once, and no gap between two of them */
			if (nr == max || folio->index > *idx ||
			    folio_next_index(folio) <= *idx) {
				folio_put(folio);
				continue;
			}
			folios[nr++] = folio;
			*idx = folio_next_index(folio);
		}
		if (n < PAGEVEC_SIZE || next != *idx)
			break;
	}
	return nr;
}

/*
 * Append the part of @folios[0 .. @nr) inside [@pos, @end) of the file to
 * @pr, physically adjacent folios as one range.  Returns how many folios
 * went in; on error the caller still owns the pins of the others.
 */
static unsigned int physr_memfd_append(struct physr *pr, struct folio **folios,
				       unsigned int nr, loff_t pos, loff_t end,
				       gfp_t gfp, int *err)
{
	unsigned int i, first = 0;
	phys_addr_t run = 0;
	u64 run_len = 0;

	*err = 0;
	for (i = 0; i < nr; i++) {
		struct folio *folio = folios[i];
		loff_t from = max_t(loff_t, folio_pos(folio), pos);
		loff_t to = min_t(loff_t, folio_pos(folio) + folio_size(folio),
				  end);
		phys_addr_t phys = PFN_PHYS(folio_pfn(folio)) +
				   (from - folio_pos(folio));

		if (run_len && run + run_len == phys) {
			run_len += to - from;
			continue;
		}
		if (run_len) {
			*err = physr_append(pr, run, run_len, gfp);
			if (*err)
				return first;
		}
		first = i;
		run = phys;
		run_len = to - from;
	}
	*err = physr_append(pr, run, run_len, gfp);
	return *err ? first : nr;
}

/*
 * The batch pin behind physr_pin_memfd() and physr_pin_memfd_account(),
 * @batch pages at a time (a parameter for the KUnit tests).
 *
 * Each round charges the next @batch pages of the range to @acct before
 * anything of them is looked up, allocated or pinned (after a round of
 * large folios, as many pages as @batch folios of that size hold, so
 * that a memfd of 2 MiB folios is not pinned one folio per round).  For
 * shmem, the folios present there and wholly inside the charged pages are
 * looked up and pinned in one pass (filemap_pin_folios_longterm(), one
 * atomic operation per small folio).  Otherwise, and for hugetlbfs, it
 * looks up the folios present with one reference each
 * (filemap_get_folios_contig());
 * fills a hole the way memfd_pin_folios() does (memfd_alloc_folio(), and
 * looks again); charges the rest of a large folio that ends past the
 * charged pages; then turns the references into long-term pins in one
 * call (folios_ref_to_longterm_pin()).  Both migrate folios that may not
 * stay pinned, as memfd_pin_folios() does.  Then it appends the folios to the
 * list as runs of physically adjacent folios.  A round ends at the end of
 * a folio, so no folio is pinned twice and a range of the list only joins
 * folios that are whole on the joining side.
 */
VISIBLE_IF_KUNIT struct physr_pinned *
__physr_pin_memfd(struct file *memfd, loff_t offset, loff_t len,
		  unsigned int flags, struct physr_pin_account *acct,
		  unsigned int batch, gfp_t gfp)
{
	const unsigned int max_folios = PAGE_SIZE / sizeof(struct folio *);
	unsigned long charged, base, window = batch;
	struct folio *hole = NULL;
	struct physr_pinned *pin;
	struct folio **folios;
	unsigned int memflags;
	loff_t pos, end;
	int ret = 0;

	if ((flags & ~PHYSR_PIN_FLAGS) || offset < 0 || len <= 0 || !batch)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(offset, len, &end))
		return ERR_PTR(-EOVERFLOW);
	if (!shmem_file(memfd) && !is_file_hugepages(memfd))
		return ERR_PTR(-EINVAL);
	if (end > i_size_read(file_inode(memfd)))
		return ERR_PTR(-EINVAL);

	pin = physr_pinned_alloc(PHYSR_PINNED_FOLIOS, flags, gfp);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	folios = (struct folio **)__get_free_page(gfp);
	if (!folios) {
		kfree(pin);
		return ERR_PTR(-ENOMEM);
	}

	/* Pages [base, charged) of the file are charged to @acct */
	base = PHYS_PFN(offset);
	charged = base;
	pos = offset;
	memflags = memalloc_pin_save();
	while (pos < end) {
		pgoff_t idx = PHYS_PFN(pos);
		unsigned long want;
		unsigned int nr, done;
		bool pinned = false;
		loff_t bend;

		if (idx >= charged) {
			want = min_t(unsigned long, window,
				     PFN_UP(end) - charged);
			ret = acct ? acct->charge(acct, want) : 0;
			if (ret)
				break;
			charged += want;
		}
		/*
		 * shmem: the folios wholly inside the charged pages are looked
		 * up and pinned in one pass, one atomic operation per small
		 * folio.  A hole, or a large folio that ends past the charged
		 * pages, is left to the lookup below.
		 */
		nr = 0;
		if (!is_file_hugepages(memfd)) {
			long got = filemap_pin_folios_longterm(memfd->f_mapping,
							       &idx, charged - 1,
							       folios,
							       min(batch,
								   max_folios));

			if (got == -EAGAIN)
				continue;
			if (got < 0) {
				ret = got;
				break;
			}
			nr = got;
		}
		if (!nr)
			nr = physr_memfd_lookup(memfd->f_mapping, &idx,
						charged - 1, folios,
						min(batch, max_folios));
		else
			pinned = true;
		if (hole) {
			folio_put(hole);
			hole = NULL;
		}
		if (!nr) {
			hole = memfd_alloc_folio(memfd, PHYS_PFN(pos));
			if (IS_ERR(hole)) {
				ret = PTR_ERR(hole);
				hole = NULL;
				if (ret != -EEXIST)
					break;
				ret = 0;
			}
			continue;
		}
		bend = min_t(loff_t, end, folio_pos(folios[nr - 1]) +
					  folio_size(folios[nr - 1]));
		if (!pinned && PFN_UP(bend) > charged) {
			want = PFN_UP(bend) - charged;
			ret = acct ? acct->charge(acct, want) : 0;
			if (ret) {
				physr_put_folios(folios, nr);
				break;
			}
			charged += want;
		}
		if (!pinned)
			ret = folios_ref_to_longterm_pin(folios, nr);
		if (ret == -EAGAIN) {
			/* Migrated, nothing held: look them up again */
			ret = 0;
			continue;
		}
		if (ret)
			break;
		done = physr_memfd_append(&pin->list, folios, nr, pos, bend,
					  gfp, &ret);
		if (ret) {
			unpin_folios(folios + done, nr - done);
			break;
		}
		/*
		 * Large folios: let the next round's pages cover as many
		 * folios as this one's, up to @batch folios.
		 */
		window = clamp_t(unsigned long,
				 (unsigned long)batch *
				 (PFN_UP(bend) - PHYS_PFN(pos)) / nr,
				 batch, (unsigned long)batch * max_folios);
		pos = bend;
		cond_resched();
	}
	memalloc_pin_restore(memflags);
	if (hole)
		folio_put(hole);
	free_page((unsigned long)folios);
	if (ret) {
		physr_unpin(pin);
		if (acct && charged > base)
			acct->uncharge(acct, charged - base);
		return ERR_PTR(ret);
	}
	return pin;
}
EXPORT_SYMBOL_IF_KUNIT(__physr_pin_memfd);

/**
 * physr_pin_memfd_account() - pin a range of a memfd, charging it batch by batch
 * @memfd: a shmem or hugetlbfs backed file, such as a memfd.
 * @offset: file offset of the first byte, any alignment.
 * @len: length in bytes; the range must lie inside the file.
 * @flags: %PHYSR_PIN_WRITE to dirty the folios on unpin; the pin is always
 *	long term, %PHYSR_PIN_LONGTERM is accepted and changes nothing.
 * @acct: what to charge the pinned pages to, or NULL.
 * @gfp: allocation flags for chunk pages and the temporary folio array.
 *
 * The range is pinned in batches of up to 512 folios: 512 pages at first,
 * after a batch of large folios as many pages as 512 of them hold.  The
 * pages of a batch are charged with @acct->charge() before any of them is looked up,
 * allocated or pinned; the charge of a batch grows to the end of a large
 * folio that ends past it before that folio is pinned.  Then the folios
 * present are pinned together, missing ones allocated as memfd_pin_folios()
 * would, movable ones migrated first (the pin is long term), and each run
 * of physically adjacent folios becomes one range.  The %PHYSR_RAM list is
 * physr_pinned_list() of the result; release it with physr_unpin().
 *
 * On success @acct holds PFN_UP(@offset + @len) - PFN_DOWN(@offset) pages,
 * for the caller to give back after physr_unpin().  On any failure every
 * pin taken is dropped and every page charged is given back with
 * @acct->uncharge() before the function returns.
 *
 * Context: process context, may sleep.
 * Return: the pinned list on success; ERR_PTR(-EINVAL) for a negative
 * @offset, a zero or negative @len, unknown @flags, a file that is not shmem
 * or hugetlbfs or a range past its end; ERR_PTR(-EOVERFLOW) when the range
 * wraps; the error of @acct->charge(); ERR_PTR(-ENOMEM); an error of
 * allocating a missing folio or of migrating a movable one.
 */
struct physr_pinned *physr_pin_memfd_account(struct file *memfd, loff_t offset,
					     loff_t len, unsigned int flags,
					     struct physr_pin_account *acct,
					     gfp_t gfp)
{
	return __physr_pin_memfd(memfd, offset, len, flags, acct,
				 PHYSR_MEMFD_BATCH, gfp);
}
EXPORT_SYMBOL_GPL(physr_pin_memfd_account);

/**
 * physr_pin_memfd() - pin a range of a memfd and describe it in a list
 * @memfd: a shmem or hugetlbfs backed file, such as a memfd.
 * @offset: file offset of the first byte, any alignment.
 * @len: length in bytes; the range must lie inside the file.
 * @flags: %PHYSR_PIN_WRITE to dirty the folios on unpin; the pin is always
 *	long term, %PHYSR_PIN_LONGTERM is accepted and changes nothing.
 * @gfp: allocation flags for chunk pages and the temporary folio array.
 *
 * physr_pin_memfd_account() with nothing to charge: the folios are pinned
 * in batches, missing ones allocated, one range per folio or per run of
 * physically adjacent folios.  The %PHYSR_RAM list is physr_pinned_list()
 * of the result; release it with physr_unpin().
 *
 * Context: process context, may sleep.
 * Return: the pinned list on success; ERR_PTR(-EINVAL) for a negative
 * @offset, a zero or negative @len, unknown @flags, a file that is not shmem
 * or hugetlbfs or a range past its end; ERR_PTR(-EOVERFLOW) when the range
 * wraps; ERR_PTR(-ENOMEM); an error of allocating a missing folio or of
 * migrating a movable one.  On error nothing stays pinned.
 */
struct physr_pinned *physr_pin_memfd(struct file *memfd, loff_t offset,
				     loff_t len, unsigned int flags, gfp_t gfp)
{
	return __physr_pin_memfd(memfd, offset, len, flags, NULL,
				 PHYSR_MEMFD_BATCH, gfp);
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
