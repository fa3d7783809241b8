// SPDX-License-Identifier: GPL-2.0
/*
 * memfd live update: the checks of a record from the previous kernel.
 *
 * The next kernel checks the whole record of a memfd (its header, every
 * entry, every folio named) before it takes anything.  These checks are
 * kept apart from mm/memfd_luo.c so that the userspace fuzzer of
 * tools/testing/physr builds and runs this same code.
 */
#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/memfd_luo_abi.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "memfd_luo_check.h"

int memfd_luo_get_item(struct luo_array *arr, u32 version, u64 i,
		       struct memfd_luo_item *it)
{
	if (version == MEMFD_LUO_V3) {
		/* The addresses are in the lists: see memfd_luo_retrieve(). */
		struct memfd_luo_seg *s = luo_array_elem(arr, i);

		it->phys = 0;
		it->index = le64_to_cpu(s->index);
		it->order = le32_to_cpu(s->order);
		it->nr_folios = it->order < MEMFD_LUO_NR_ORDERS ?
				le32_to_cpu(s->nr_pages) >> it->order : 0;
	} else if (version == MEMFD_LUO_V2) {
		struct memfd_luo_run *r = luo_array_elem(arr, i);

		it->phys = le64_to_cpu(r->phys);
		it->index = le64_to_cpu(r->index);
		it->nr_folios = le32_to_cpu(r->nr_folios);
		it->order = le32_to_cpu(r->order);
	} else {
		struct memfd_luo_folio *f = luo_array_elem(arr, i);
		u64 po = le64_to_cpu(f->phys_order);

		it->phys = po & ~MEMFD_LUO_ORDER_MASK;
		it->order = po & MEMFD_LUO_ORDER_MASK;
		it->index = le64_to_cpu(f->index);
		it->nr_folios = 1;
	}
	return 0;
}

/* Physical extent of one entry, for the overlap check. */
struct memfd_luo_extent {
	u64 start;
	u64 end;
};

static int memfd_luo_extent_cmp(const void *a, const void *b)
{
	const struct memfd_luo_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Every folio of every entry: preserved with its order, not taken yet. */
int memfd_luo_check_folios(struct luo_array *arr, u32 version, u64 nr_entries)
{
	struct memfd_luo_extent *ext;
	struct memfd_luo_item it;
	u64 i, j;
	int err = 0;

	if (!nr_entries)
		return 0;
	ext = kvmalloc_array(nr_entries, sizeof(*ext), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	for (i = 0; i < nr_entries && !err; i++) {
		memfd_luo_get_item(arr, version, i, &it);
		ext[i].start = it.phys;
		ext[i].end = it.phys + ((it.nr_folios << it.order) << PAGE_SHIFT);
		for (j = 0; j < it.nr_folios; j++) {
			if (!kho_folio_waiting(it.phys +
					       ((j << it.order) << PAGE_SHIFT),
					       it.order)) {
				err = -EINVAL;
				break;
			}
			if (!(j % 1024))
				cond_resched();
		}
	}
	if (!err) {
		/* Two entries naming the same memory: refuse both. */
		sort(ext, nr_entries, sizeof(*ext), memfd_luo_extent_cmp, NULL);
		for (i = 1; i < nr_entries; i++)
			if (ext[i].start < ext[i - 1].end)
				err = -EINVAL;
	}
	kvfree(ext);
	return err;
}

/*
 * Check the whole record before anything is restored: entries sorted by
 * index without overlap, inside the file, aligned to their order, of an
 * order the new file can hold (@max_order), and adding up to the counts in
 * the header.
 */
int memfd_luo_validate(struct memfd_luo_hdr *h, struct luo_array *arr,
		       u32 version, unsigned int max_order)
{
	u64 size = le64_to_cpu(h->size), nr_entries = le64_to_cpu(h->nr_entries);
	u64 end_index = DIV_ROUND_UP(size, PAGE_SIZE), next = 0;
	u64 pages = 0, folios = 0, i;
	bool hugetlb = le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB;
	struct memfd_luo_item it;

	if (hugetlb) {
		if (le32_to_cpu(h->huge_order) != max_order || !max_order)
			return -EINVAL;
		end_index = round_up(end_index, 1ULL << max_order);
	} else if (h->huge_order) {
		return -EINVAL;
	}
	if (nr_entries && (!arr || arr->nr != nr_entries))
		return -EINVAL;
	for (i = 0; i < nr_entries; i++) {
		u64 n_pages, end;

		memfd_luo_get_item(arr, version, i, &it);
		if (it.order > max_order || (hugetlb && it.order != max_order) ||
		    !it.nr_folios || it.nr_folios > (1ULL << 40) ||
		    !IS_ALIGNED(it.phys, PAGE_SIZE << it.order) ||
		    !IS_ALIGNED(it.index, 1ULL << it.order) || it.index < next)
			return -EINVAL;
		n_pages = it.nr_folios << it.order;
		/*
		 * Every folio starts inside the file; a large shmem folio may
		 * reach beyond its end (i_size not a multiple of its size).
		 */
		if (check_add_overflow(it.index, n_pages, &end) ||
		    end - (1ULL << it.order) >= end_index)
			return -EINVAL;
		if (it.phys + (n_pages << PAGE_SHIFT) < it.phys ||
		    !pfn_valid(PHYS_PFN(it.phys + (n_pages << PAGE_SHIFT) - 1)))
			return -EINVAL;
		next = end;
		pages += n_pages;
		folios += it.nr_folios;
	}
	if (pages != le64_to_cpu(h->nr_pages) ||
	    folios != le64_to_cpu(h->nr_folios))
		return -EINVAL;
	return 0;
}

/*
 * Version 3: the segments consume the lists of their orders exactly, in
 * file order.  @lists are the folio lists the record names, taken back
 * with kho_restore_physr() (an empty list for an order it does not name).
 * Checks what memfd_luo_validate() checks of the other versions, and that
 * every range of a list is made of naturally aligned blocks of its order.
 * @lists NULL (lu-inspect, which cannot read the lists' chunks) checks
 * the segments against the header's list references only.
 */
int memfd_luo_validate_v3(struct memfd_luo_hdr *h, struct luo_array *arr,
			  const struct physr *lists, unsigned int max_order)
{
	struct memfd_luo_v3_lists *refs = memfd_luo_v3_lists(h);
	u64 size = le64_to_cpu(h->size), nr_entries = le64_to_cpu(h->nr_entries);
	u64 end_index = DIV_ROUND_UP(size, PAGE_SIZE), next = 0;
	u64 pages[MEMFD_LUO_NR_ORDERS] = {}, total = 0, folios = 0, i;
	bool hugetlb = le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB;
	unsigned int o;

	if (hugetlb) {
		if (le32_to_cpu(h->huge_order) != max_order || !max_order)
			return -EINVAL;
		end_index = round_up(end_index, 1ULL << max_order);
	} else if (h->huge_order) {
		return -EINVAL;
	}
	if (nr_entries && (!arr || arr->nr != nr_entries))
		return -EINVAL;
	for (i = 0; i < nr_entries; i++) {
		struct memfd_luo_seg *s = luo_array_elem(arr, i);
		u64 index = le64_to_cpu(s->index), n = le32_to_cpu(s->nr_pages);
		u64 end;

		o = le32_to_cpu(s->order);
		if (o >= MEMFD_LUO_NR_ORDERS || o > max_order ||
		    (hugetlb && o != max_order) || !n ||
		    !IS_ALIGNED(n, 1ULL << o) ||
		    !IS_ALIGNED(index, 1ULL << o) || index < next)
			return -EINVAL;
		/* As for the other versions: every folio starts in the file. */
		if (check_add_overflow(index, n, &end) ||
		    end - (1ULL << o) >= end_index)
			return -EINVAL;
		next = end;
		pages[o] += n;
		folios += n >> o;
	}
	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++) {
		u64 block = PAGE_SIZE << o;
		struct physr_range r;
		struct physr_iter it;

		if (le64_to_cpu(refs->lists[o].nr_pages) != pages[o])
			return -EINVAL;
		total += pages[o];
		if (!lists)
			continue;
		if (physr_total_bytes(&lists[o]) >> PAGE_SHIFT != pages[o] ||
		    physr_total_bytes(&lists[o]) & ~PAGE_MASK)
			return -EINVAL;
		physr_for_each_range(&lists[o], &it, &r) {
			if (!IS_ALIGNED(r.phys, block) ||
			    !IS_ALIGNED(r.len, block) ||
			    !pfn_valid(PHYS_PFN(r.phys + r.len - 1)))
				return -EINVAL;
		}
	}
	if (total != le64_to_cpu(h->nr_pages) ||
	    folios != le64_to_cpu(h->nr_folios))
		return -EINVAL;
	return 0;
}

/*
 * Version 3: every block of every list is a folio of the list's order
 * that the previous kernel preserved and nobody took, and no two ranges
 * of the lists share memory (the same folio twice would be taken twice).
 */
int memfd_luo_check_folios_v3(const struct physr *lists)
{
	struct memfd_luo_extent *ext;
	struct physr_range r;
	struct physr_iter it;
	u64 n = 0, i, j;
	unsigned int o;
	int err = 0;

	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		n += physr_nr_ranges(&lists[o]);
	if (!n)
		return 0;
	ext = kvmalloc_array(n, sizeof(*ext), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	for (o = 0, i = 0; o < MEMFD_LUO_NR_ORDERS && !err; o++) {
		physr_for_each_range(&lists[o], &it, &r) {
			if (i >= n) {
				err = -EINVAL;
				break;
			}
			ext[i].start = r.phys;
			ext[i++].end = r.phys + r.len;
			for (j = 0; j < r.len >> (PAGE_SHIFT + o); j++) {
				if (!kho_folio_waiting(r.phys +
						       ((j << o) << PAGE_SHIFT),
						       o)) {
					err = -EINVAL;
					break;
				}
				if (!(j % 1024))
					cond_resched();
			}
			if (err)
				break;
		}
	}
	if (!err && i != n)
		err = -EINVAL;
	if (!err) {
		sort(ext, n, sizeof(*ext), memfd_luo_extent_cmp, NULL);
		for (i = 1; i < n; i++)
			if (ext[i].start < ext[i - 1].end)
				err = -EINVAL;
	}
	kvfree(ext);
	return err;
}

static bool memfd_luo_chunk_ok(phys_addr_t phys, size_t size, void *arg)
{
	return size == PAGE_SIZE && kho_folio_waiting(phys, 0);
}

/*
 * Version 3, before anything is taken: every list the header names is a
 * well-formed chain of preserved chunk pages nobody took, describing RAM,
 * as many pages as the header says.  Nothing is written or taken.  On
 * error *@bad_order is the order of the list refused.
 */
int memfd_luo_v3_lists_ok(struct memfd_luo_hdr *h, unsigned int *bad_order)
{
	struct memfd_luo_v3_lists *refs = memfd_luo_v3_lists(h);
	struct physr_walk_info info;
	unsigned int o;
	int err;

	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++) {
		u64 first = le64_to_cpu(refs->lists[o].first);

		if (!first)
			continue;
		err = physr_validate_chain(first, ULONG_MAX, memfd_luo_chunk_ok,
					   NULL, &info);
		if (!err && (info.kind != PHYSR_RAM ||
			     info.total_bytes >> PAGE_SHIFT !=
			     le64_to_cpu(refs->lists[o].nr_pages) ||
			     info.total_bytes & ~PAGE_MASK))
			err = -EINVAL;
		if (err) {
			*bad_order = o;
			return err;
		}
	}
	return 0;
}

/*
 * Version 3: take back the folio lists the header names into @lists (their
 * chunk pages, not the folios), one after the other, skipping the orders
 * set in *@taken and setting the bit of each list taken.  After
 * memfd_luo_v3_lists_ok() this fails only for a chunk that two lists
 * share or a concurrent restore (kho_restore_physr() takes nothing of the
 * list it refuses); on error *@bad_order is that list's order.
 */
int memfd_luo_v3_take_lists(struct memfd_luo_hdr *h, struct physr *lists,
			    unsigned long *taken, unsigned int *bad_order)
{
	struct memfd_luo_v3_lists *refs = memfd_luo_v3_lists(h);
	unsigned int o;
	int err;

	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++) {
		if (!refs->lists[o].first || (*taken & BIT(o)))
			continue;
		err = kho_restore_physr(&lists[o],
					le64_to_cpu(refs->lists[o].first));
		if (err) {
			*bad_order = o;
			return err;
		}
		*taken |= BIT(o);
	}
	return 0;
}

/* Version 3: the list references after the header. */
static int memfd_luo_check_v3_refs(struct memfd_luo_hdr *h)
{
	struct memfd_luo_v3_lists *refs = memfd_luo_v3_lists(h);
	u64 total = 0, first, n;
	unsigned int o;

	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++) {
		first = le64_to_cpu(refs->lists[o].first);
		n = le64_to_cpu(refs->lists[o].nr_pages);
		if (!first != !n || !PAGE_ALIGNED(first) ||
		    check_add_overflow(total, n, &total))
			return -EINVAL;
	}
	return total == le64_to_cpu(h->nr_pages) ? 0 : -EINVAL;
}

/* Check the header in place, before anything is taken. */
int memfd_luo_check_hdr(struct memfd_luo_hdr *h, u32 version)
{
	u64 nr_entries = le64_to_cpu(h->nr_entries);
	bool hugetlb = le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB;

	if (version == MEMFD_LUO_V3 && memfd_luo_check_v3_refs(h))
		return -EINVAL;

	if (le64_to_cpu(h->magic) != MEMFD_LUO_MAGIC ||
	    le32_to_cpu(h->version) != version ||
	    (le32_to_cpu(h->flags) & ~MEMFD_LUO_HUGETLB) ||
	    le64_to_cpu(h->size) > MAX_LFS_FILESIZE ||
	    le64_to_cpu(h->pos) > MAX_LFS_FILESIZE ||
	    (le32_to_cpu(h->seals) & ~(F_SEAL_SEAL | F_SEAL_EXEC |
				       F_SEAL_SHRINK | F_SEAL_GROW |
				       F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
	    (le32_to_cpu(h->mode) & ~07777) ||
	    le32_to_cpu(h->name_len) > NAME_MAX ||
	    h->name[le32_to_cpu(h->name_len)] ||
	    strlen(h->name) != le32_to_cpu(h->name_len) ||
	    strncmp(h->name, MFD_PREFIX, strlen(MFD_PREFIX)) ||
	    (!nr_entries != !h->entries) ||
	    h->reserved[0] || h->reserved[1])
		return -EINVAL;
	if (hugetlb && !IS_ENABLED(CONFIG_HUGETLBFS))
		return -EOPNOTSUPP;
#ifdef CONFIG_HUGETLBFS
	if (hugetlb &&
	    (le32_to_cpu(h->huge_order) >= BITS_PER_LONG - PAGE_SHIFT ||
	     !size_to_hstate(PAGE_SIZE << le32_to_cpu(h->huge_order))))
		return -EOPNOTSUPP;
#endif
	return 0;
}
