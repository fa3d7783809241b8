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
	if (version == MEMFD_LUO_V2) {
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

/* Check the header in place, before anything is taken. */
int memfd_luo_check_hdr(struct memfd_luo_hdr *h, u32 version)
{
	u64 nr_entries = le64_to_cpu(h->nr_entries);
	bool hugetlb = le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB;

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
