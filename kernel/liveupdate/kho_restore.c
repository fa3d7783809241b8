// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: giving preserved memory back in the next kernel.
 *
 * Preserved memory was reserved in memblock at boot, so its pages reach
 * the page allocator's era as reserved pages with one reference each.  A
 * restore turns them into what the previous kernel had: a folio of the
 * recorded order, or plain order-0 pages.  Which pages are still waiting
 * to be restored is told by KHO's own bitmap (kho_in.waiting), set at boot
 * and cleared by restore and by kho_finish(), never by a page flag: a page
 * restored, freed and reused may be PG_reserved again for its new owner.
 * A second restore of the same memory fails instead of handing it out
 * twice, and kho_finish() frees only pages that never left KHO.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/sched.h>
#include <linux/libfdt.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/page_ref.h>
#include <linux/physr.h>
#include <linux/unaligned.h>

#include "../../mm/internal.h"
#include "kho_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/liveupdate.h>

static DEFINE_MUTEX(kho_restore_lock);

/**
 * kho_is_incoming() - whether this kernel accepted a handover
 *
 * Context: any, after early boot.
 * Return: true when preserved memory from the previous kernel is reserved
 * and can be restored.
 */
bool kho_is_incoming(void)
{
	return kho_in.root;
}
EXPORT_SYMBOL_GPL(kho_is_incoming);

static bool kho_range_holds(const struct physr_abi_range *r,
			    phys_addr_t phys, u64 len)
{
	u64 start = le64_to_cpu(r->phys), size = le64_to_cpu(r->len);

	return phys >= start && phys - start < size &&
	       len <= size - (phys - start);
}

/*
 * Binary search of one sorted list through its chunk table, reading the
 * entries of its chunks in place: the maps are version 1 only, a packed
 * chunk was refused at boot (kho_adopt_maps()).
 */
static bool kho_lookup_index(unsigned int order, phys_addr_t phys, u64 len)
{
	const struct physr_chunk **table = kho_in.index[order];
	unsigned long lo = 0, hi = physr_nr_chunks(&kho_in.maps[order]), mid;
	const struct physr_chunk *chunk;
	u32 l, h, m;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (le64_to_cpu(table[mid]->ranges[0].phys) <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	chunk = table[lo - 1];
	l = 0;
	h = le32_to_cpu(chunk->hdr.count);
	while (l < h) {
		m = l + (h - l) / 2;
		if (le64_to_cpu(chunk->ranges[m].phys) <= phys)
			l = m + 1;
		else
			h = m;
	}
	/* l >= 1: the first range of the chunk starts at or below @phys. */
	return kho_range_holds(&chunk->ranges[l - 1], phys, len);
}

static bool kho_lookup_walk(unsigned int order, phys_addr_t phys, u64 len)
{
	struct physr_range r;
	struct physr_iter it;

	physr_for_each_range(&kho_in.maps[order], &it, &r) {
		if (r.phys > phys)
			break;
		if (phys - r.phys < r.len && len <= r.len - (phys - r.phys))
			return true;
	}
	return false;
}

/* Whether every page of [@phys, @phys + @len) is referenced with @order. */
static bool kho_lookup_ref(unsigned int order, phys_addr_t phys, u64 len)
{
	unsigned long first = PHYS_PFN(phys), last;

	if (!len || phys + len - 1 < phys ||
	    first < kho_in.waiting_base_pfn)
		return false;
	last = PHYS_PFN(phys + len - 1);
	if (last - kho_in.waiting_base_pfn >= kho_in.waiting_nr)
		return false;
	first -= kho_in.waiting_base_pfn;
	last -= kho_in.waiting_base_pfn;
	return find_next_zero_bit(kho_in.ref_bits[order], last + 1, first) ==
	       last + 1;
}

/*
 * Find the preserved range holding [@phys, @phys + @len) and its order.
 * The lists were validated sorted and not overlapping at boot; the pages
 * of the referenced lists are found in their bitmaps.
 */
bool kho_lookup(phys_addr_t phys, u64 len, unsigned int *order)
{
	unsigned int o;
	bool found;

	for (o = 0; o < KHO_NR_ORDERS; o++) {
		if (!physr_nr_chunks(&kho_in.maps[o]))
			continue;
		if (kho_in.index[o])
			found = kho_lookup_index(o, phys, len);
		else
			found = kho_lookup_walk(o, phys, len);
		if (found) {
			*order = o;
			return true;
		}
	}
	for (o = 0; o < KHO_NR_ORDERS; o++) {
		if (kho_in.ref_bits[o] && kho_lookup_ref(o, phys, len)) {
			*order = o;
			return true;
		}
	}
	return false;
}

/* Whether every page of [@pfn, @pfn + @nr) is preserved and not taken. */
static bool kho_pfns_waiting(unsigned long pfn, unsigned long nr)
{
	unsigned long first;

	lockdep_assert_held(&kho_restore_lock);
	if (!kho_in.waiting || pfn < kho_in.waiting_base_pfn ||
	    pfn - kho_in.waiting_base_pfn > kho_in.waiting_nr ||
	    nr > kho_in.waiting_nr - (pfn - kho_in.waiting_base_pfn))
		return false;
	first = pfn - kho_in.waiting_base_pfn;
	return find_next_zero_bit(kho_in.waiting, first + nr, first) ==
	       first + nr;
}

static void kho_pfns_taken(unsigned long pfn, unsigned long nr)
{
	lockdep_assert_held(&kho_restore_lock);
	bitmap_clear(kho_in.waiting, pfn - kho_in.waiting_base_pfn, nr);
}

/**
 * kho_restore_folio() - get back a folio preserved by the previous kernel
 * @phys: physical address the folio had, as the previous kernel passed it.
 *
 * Only for memory preserved with kho_preserve_folio(); a run preserved
 * with kho_preserve_pages() comes back with kho_restore_pages().
 *
 * Context: process context; takes the KHO restore lock.
 * Return: the folio, with one reference and the order it was preserved
 * with, or NULL when @phys is not the start of a preserved folio (no
 * accepted handover, not preserved, misaligned for its order, or restored
 * already).
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	struct folio *folio = NULL;
	unsigned long i, nr;
	unsigned int order;
	struct page *page;

	mutex_lock(&kho_restore_lock);
	if (!kho_is_incoming() || !PAGE_ALIGNED(phys) ||
	    !kho_lookup(phys, PAGE_SIZE, &order) ||
	    !IS_ALIGNED(phys, PAGE_SIZE << order))
		goto out;
	nr = 1UL << order;
	page = pfn_to_page(PHYS_PFN(phys));

	if (kho_pfns_waiting(page_to_pfn(page), nr)) {
		kho_pfns_taken(page_to_pfn(page), nr);
		for (i = 0; i < nr; i++) {
			ClearPageReserved(page + i);
			set_page_count(page + i, i ? 0 : 1);
		}
		if (order)
			prep_compound_page(page, order);
		adjust_managed_page_count(page, nr);
		folio = page_folio(page);
	}
out:
	mutex_unlock(&kho_restore_lock);
	return folio;
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_folio_waiting() - whether kho_restore_folio() would give a folio
 * @phys: physical address of the folio.
 * @order: the order the caller expects it to have.
 *
 * For a caller that checks a whole object of its own before it takes any
 * of it, so that a malformed object is refused with nothing taken.  The
 * answer holds until someone restores the folio.
 *
 * Context: process context; takes the KHO restore lock.
 * Return: true when @phys starts a folio of @order preserved by the
 * previous kernel and not restored yet.
 */
bool kho_folio_waiting(phys_addr_t phys, unsigned int order)
{
	unsigned int o;
	bool ret = false;

	mutex_lock(&kho_restore_lock);
	if (kho_is_incoming() && PAGE_ALIGNED(phys) &&
	    kho_lookup(phys, PAGE_SIZE, &o) && o == order &&
	    IS_ALIGNED(phys, PAGE_SIZE << order))
		ret = kho_pfns_waiting(PHYS_PFN(phys), 1UL << order);
	mutex_unlock(&kho_restore_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_folio_waiting);

/* kho_restore_pages() with the restore lock held. */
static struct page *__kho_restore_pages(phys_addr_t phys,
					unsigned long nr_pages)
{
	struct page *page;
	unsigned int order;
	unsigned long i;

	lockdep_assert_held(&kho_restore_lock);
	if (!kho_is_incoming() || !PAGE_ALIGNED(phys) || !nr_pages)
		return NULL;
	for (i = 0; i < nr_pages; i++)
		if (!kho_lookup(phys + PFN_PHYS(i), PAGE_SIZE, &order))
			return NULL;
	if (!kho_pfns_waiting(PHYS_PFN(phys), nr_pages))
		return NULL;
	kho_pfns_taken(PHYS_PFN(phys), nr_pages);
	page = pfn_to_page(PHYS_PFN(phys));
	for (i = 0; i < nr_pages; i++) {
		ClearPageReserved(page + i);
		init_page_count(page + i);
	}
	adjust_managed_page_count(page, nr_pages);
	return page;
}

/**
 * kho_restore_pages() - get back a run of pages preserved by the previous
 *	kernel
 * @phys: physical address of the first page.
 * @nr_pages: number of pages, at least 1.
 *
 * The pages come back as order-0 pages, each with one reference, whatever
 * order they were preserved with; free them with __free_page().
 *
 * Context: process context; takes the KHO restore lock.
 * Return: the first page, or NULL when some page of the run is not
 * preserved or was restored already (nothing is restored then).
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	struct page *page;

	mutex_lock(&kho_restore_lock);
	page = __kho_restore_pages(phys, nr_pages);
	mutex_unlock(&kho_restore_lock);
	return page;
}
EXPORT_SYMBOL_GPL(kho_restore_pages);

static bool kho_physr_chunk_ok(phys_addr_t phys, size_t size, void *arg)
{
	unsigned int order;

	return PAGE_ALIGNED(phys) && size == PAGE_SIZE &&
	       kho_lookup(phys, PAGE_SIZE, &order) &&
	       kho_pfns_waiting(PHYS_PFN(phys), 1);
}

static int kho_restore_chunk(phys_addr_t phys, size_t size, void *arg)
{
	unsigned long *restored = arg;

	if (!__kho_restore_pages(phys, 1))
		return -EBUSY;
	(*restored)++;
	return 0;
}

static int kho_free_chunk(phys_addr_t phys, size_t size, void *arg)
{
	unsigned long *left = arg;

	if (!*left)
		return 1;
	(*left)--;
	__free_page(pfn_to_page(PHYS_PFN(phys)));
	return 0;
}

/**
 * kho_restore_physr() - get back a physr list preserved with
 *	kho_preserve_physr()
 * @pr: the list to fill.
 * @first: physr_first_chunk() of the list in the previous kernel.
 *
 * The chain is validated (physr_adopt()) and every chunk must be preserved
 * memory not restored yet; the list then owns its chunk pages as in the
 * previous kernel and physr_destroy() frees them.  The memory the ranges
 * describe is not restored by this.
 *
 * Context: process context; takes the KHO restore lock.
 * Return: 0 on success, -ENOENT when there is no accepted handover, an
 * error of physr_adopt() (-ERANGE for a chunk that is not preserved), or
 * -EBUSY when a chunk was restored concurrently.  On error @pr is empty.
 */
int kho_restore_physr(struct physr *pr, phys_addr_t first)
{
	unsigned long restored = 0;
	int ret;

	mutex_lock(&kho_restore_lock);
	if (!kho_is_incoming()) {
		physr_init(pr);
		ret = -ENOENT;
		goto out;
	}
	ret = physr_adopt(pr, first, NULL, ULONG_MAX, kho_physr_chunk_ok,
			  NULL);
	if (ret)
		goto out;
	ret = physr_walk_chunks(pr, kho_restore_chunk, &restored);
	if (ret) {
		/*
		 * Every chunk was checked waiting under this lock, so this
		 * takes a chain that holds one page twice: give back the
		 * pages restored so far (the same walk, as far as it got).
		 */
		physr_walk_chunks(pr, kho_free_chunk, &restored);
		physr_init(pr);
	}
out:
	mutex_unlock(&kho_restore_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_restore_physr);

/**
 * kho_in_preserved() - whether memory was preserved by the previous kernel
 * @phys: physical address of the first byte.
 * @size: size in bytes.
 *
 * Lets a subsystem validate what the previous kernel handed it before it
 * takes anything back: nothing is restored by this.
 *
 * Context: any, after early boot.
 * Return: true when every page of [@phys, @phys + @size) was preserved
 * (restored or not); false otherwise, also for an empty or wrapping range.
 */
bool kho_in_preserved(phys_addr_t phys, u64 size)
{
	phys_addr_t p, end = phys + size;
	unsigned int order;

	if (!size || end < phys)
		return false;
	for (p = phys & PAGE_MASK; p < end; p += PAGE_SIZE)
		if (!kho_lookup(p, PAGE_SIZE, &order))
			return false;
	return true;
}

/**
 * kho_retrieve_subtree() - find a sub-blob the previous kernel added
 * @name: its name.
 * @compatible: the format the caller reads.
 * @phys: receives its physical address.
 * @size: receives its size.
 *
 * The caller restores the sub-blob's memory itself, as it was preserved.
 *
 * Context: any, after early boot.
 * Return: 0 on success, -ENOENT when there is no accepted handover or no
 * such sub-blob, -EPROTONOSUPPORT when its compatible differs, -EINVAL when
 * its node is malformed or it does not lie in preserved memory.
 */
int kho_retrieve_subtree(const char *name, const char *compatible,
			 phys_addr_t *phys, size_t *size)
{
	int ret;

	mutex_lock(&kho_restore_lock);
	ret = __kho_retrieve_subtree(name, compatible, phys, size);
	mutex_unlock(&kho_restore_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);

/* kho_retrieve_subtree() for a caller that excludes kho_finish(). */
int __kho_retrieve_subtree(const char *name, const char *compatible,
			   phys_addr_t *phys, size_t *size)
{
	const void *fdt = kho_in.root;
	const fdt64_t *p, *s;
	int node, lp, ls;

	if (!fdt)
		return -ENOENT;
	node = fdt_subnode_offset(fdt, 0, name);
	if (node < 0)
		return -ENOENT;
	if (fdt_node_check_compatible(fdt, node, compatible))
		return -EPROTONOSUPPORT;
	p = fdt_getprop(fdt, node, KHO_FDT_PROP_BLOB_PHYS, &lp);
	s = fdt_getprop(fdt, node, KHO_FDT_PROP_BLOB_SIZE, &ls);
	if (!p || !s || lp != sizeof(*p) || ls != sizeof(*s))
		return -EINVAL;
	/* FDT property values are only 4-byte aligned. */
	if (!kho_in_preserved(get_unaligned_be64(p), get_unaligned_be64(s)))
		return -EINVAL;
	*phys = get_unaligned_be64(p);
	*size = get_unaligned_be64(s);
	return 0;
}

/*
 * Whether [@phys, @phys + @nr pages) is preserved memory of the incoming
 * handover that nobody restored yet.  For callers that validate a
 * handover of their own before taking any of it.
 */
bool kho_pages_waiting(phys_addr_t phys, unsigned long nr)
{
	bool ret = false;

	mutex_lock(&kho_restore_lock);
	if (kho_is_incoming() && PAGE_ALIGNED(phys) && nr &&
	    kho_in_preserved(phys, (u64)nr << PAGE_SHIFT))
		ret = kho_pfns_waiting(PHYS_PFN(phys), nr);
	mutex_unlock(&kho_restore_lock);
	return ret;
}

/**
 * kho_in_blob_read() - read an incoming sub-blob for debugfs
 * @phys: physical address of the sub-blob.
 * @size: its size in bytes.
 * @ubuf: user buffer.
 * @count: bytes asked for.
 * @ppos: file position.
 *
 * The memory of a sub-blob belongs to its owner once restored, and may be
 * freed and reused from then on: it is shown only while every page of it
 * is still preserved and not restored, under the restore lock.
 *
 * Context: process context; takes the KHO restore lock.
 * Return: bytes read, -ENODATA once the owner restored the sub-blob or
 * there is no incoming handover any more, or -EFAULT.
 */
ssize_t kho_in_blob_read(phys_addr_t phys, size_t size, char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	unsigned long nr = DIV_ROUND_UP(offset_in_page(phys) + size, PAGE_SIZE);
	ssize_t ret = -ENODATA;

	mutex_lock(&kho_restore_lock);
	if (kho_is_incoming() && size &&
	    kho_pfns_waiting(PHYS_PFN(phys), nr))
		ret = simple_read_from_buffer(ubuf, count, ppos,
					      phys_to_virt(phys), size);
	mutex_unlock(&kho_restore_lock);
	return ret;
}

/*
 * Give back every page of the preserved range [@phys, @phys + @len) that
 * nobody restored: the bitmap says which, whatever the flags of the pages
 * that were restored and reused meanwhile.
 */
static u64 kho_release_range(phys_addr_t phys, u64 len)
{
	unsigned long pfn = PHYS_PFN(phys), i, nr = len >> PAGE_SHIFT;
	u64 freed = 0;

	for (i = 0; i < nr; i++) {
		if (kho_pfns_waiting(pfn + i, 1)) {
			struct page *page = pfn_to_page(pfn + i);

			kho_pfns_taken(pfn + i, 1);
			/* Never handed out, so still as memblock left it. */
			if (!WARN_ON_ONCE(!PageReserved(page))) {
				free_reserved_page(page);
				freed++;
			}
		}
		if (!(i % 4096))
			cond_resched();
	}
	return freed;
}

/*
 * Give back the pages of KHO's own metadata in [@phys, @phys + @len): the
 * root, chunks of the preserved-memory lists, the reference array, the
 * index and the bitmap.
 * Nobody else ever restores them, so they are still reserved.
 */
static u64 kho_release_meta(phys_addr_t phys, u64 len)
{
	struct page *page = pfn_to_page(PHYS_PFN(phys));
	unsigned long i, nr = len >> PAGE_SHIFT;
	u64 freed = 0;

	for (i = 0; i < nr; i++) {
		if (PageReserved(page + i)) {
			free_reserved_page(page + i);
			freed++;
		}
	}
	return freed;
}

/* Free the chunk pages of an incoming list; they were reserved at boot. */
static u64 kho_release_chunks(struct physr *pr)
{
	phys_addr_t phys = physr_first_chunk(pr);
	u64 freed = 0;

	while (phys) {
		struct physr_chunk *chunk = phys_to_virt(phys);
		phys_addr_t next = le64_to_cpu(chunk->hdr.next);

		freed += kho_release_meta(phys, PAGE_SIZE);
		phys = next;
	}
	physr_init(pr);
	return freed;
}

/**
 * kho_finish() - release what is left of the incoming handover
 *
 * Every preserved page that nobody restored goes back to the page
 * allocator, and so does the handover's own metadata (root, preserved
 * memory lists, their index).  From here on this kernel has no incoming
 * handover: kho_is_incoming() is false and restores fail.  The Live
 * Update Orchestrator calls it once userspace finished every incoming
 * session; other users of KHO must have restored their memory by then.
 *
 * Context: process context, may sleep; takes the KHO restore lock.
 * Return: the number of pages released (preserved memory and metadata),
 * 0 when there is no incoming handover.
 */
u64 kho_finish(void)
{
	u64 data = 0, meta = 0, i;
	struct physr_range r;
	struct physr_iter it;
	unsigned int order;

	/*
	 * Before the lock: removing a debugfs file waits for its readers,
	 * and a reader of an incoming sub-blob takes the lock.
	 */
	kho_debugfs_in_remove();
	mutex_lock(&kho_restore_lock);
	if (!kho_in.root) {
		mutex_unlock(&kho_restore_lock);
		return 0;
	}
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		physr_for_each_range(&kho_in.maps[order], &it, &r)
			data += kho_release_range(r.phys, r.len);
	}
	/*
	 * The referenced lists belong to their owners, who may have freed
	 * them: their pages are found in the bitmaps, one run at a time.
	 */
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		unsigned long *bits = kho_in.ref_bits[order];
		unsigned long start = 0, end;

		while (bits) {
			start = find_next_bit(bits, kho_in.waiting_nr, start);
			if (start >= kho_in.waiting_nr)
				break;
			end = find_next_zero_bit(bits, kho_in.waiting_nr, start);
			data += kho_release_range(PFN_PHYS(kho_in.waiting_base_pfn +
							   start),
						  PFN_PHYS(end - start));
			start = end;
		}
	}
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		if (kho_in.ref_bits[order])
			meta += kho_release_meta(virt_to_phys(kho_in.ref_bits[order]),
						 PAGE_ALIGN(BITS_TO_LONGS(kho_in.waiting_nr) *
							    sizeof(long)));
		kho_in.ref_bits[order] = NULL;
	}
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		if (kho_in.index[order]) {
			/* memblock memory: free the pages it fully covers. */
			phys_addr_t start = virt_to_phys(kho_in.index[order]);
			phys_addr_t end = start +
				physr_nr_chunks(&kho_in.maps[order]) *
				sizeof(*kho_in.index[order]);

			start = PAGE_ALIGN(start);
			end &= PAGE_MASK;
			if (end > start)
				meta += kho_release_meta(start, end - start);
		}
		kho_in.index[order] = NULL;
		meta += kho_release_chunks(&kho_in.maps[order]);
	}
	if (kho_in.waiting)
		meta += kho_release_meta(virt_to_phys(kho_in.waiting),
					 PAGE_ALIGN(BITS_TO_LONGS(kho_in.waiting_nr) *
						    sizeof(long)));
	kho_in.waiting = NULL;
	kho_in.waiting_nr = 0;
	/* The reference array's pages: KHO's, no longer waiting since boot. */
	for (i = 0; i < kho_in.ref_array_pages; i++) {
		struct kho_ref_array_hdr *hdr = phys_to_virt(kho_in.ref_array);
		phys_addr_t next = le64_to_cpu(hdr->next);

		meta += kho_release_meta(kho_in.ref_array, PAGE_SIZE);
		kho_in.ref_array = next;
	}
	/* kho_in.ref_array_pages stays, for in/stats. */
	kho_in.ref_array = 0;
	kho_in.root = NULL;
	meta += kho_release_meta(kho_in.root_phys, PAGE_SIZE);
	kho_in.root_phys = 0;
	kho_in.released_pages = data;
	kho_in.released_meta_pages = meta;
	snprintf(kho_in.status, sizeof(kho_in.status),
		 "finished: %llu preserved pages and %llu metadata pages released",
		 data, meta);
	mutex_unlock(&kho_restore_lock);
	trace_kho_finish(data, meta);
	pr_debug("finish: released %llu unclaimed preserved pages, %llu metadata pages\n",
		 data, meta);
	return data + meta;
}
