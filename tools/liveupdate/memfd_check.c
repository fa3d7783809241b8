// SPDX-License-Identifier: GPL-2.0
/*
 * lu-inspect: mm/memfd_luo_check.c driven as mm/memfd_luo.c drives it
 * before a memfd is restored (memfd_luo_in_start(), memfd_luo_in_check()),
 * built against the kernel shims of tools/testing/physr/lu.  What the
 * shims cannot know is supplied by the caller: the element pages of the
 * entry array, and whether a folio is handed over (the KHO maps); every
 * page frame is taken as valid memory (pfn_valid()).
 */
#include <stdlib.h>

#include "mm/memfd_luo_check.h"
#include "memfd_check.h"

static const struct lu_memfd_arr *cur_arr;
static bool (*cur_waiting)(uint64_t phys, unsigned int order, void *arg);
static void *cur_arg;

void *luo_array_elem(struct luo_array *arr, u64 index)
{
	if (index >= arr->nr)
		return NULL;
	return (void *)(cur_arr->pages[index / arr->per_page] +
			(index % arr->per_page) * arr->elem_size);
}

bool kho_folio_waiting(phys_addr_t phys, unsigned int order)
{
	return cur_waiting(phys, order, cur_arg);
}

bool pfn_valid(unsigned long pfn)
{
	return true;
}

/*
 * memfd_luo_v3_take_lists() takes the lists of a v3 record back; the
 * lists' chunks are not in debugfs, so lu-inspect never calls it.
 */
int kho_restore_physr(struct physr *pr, phys_addr_t first)
{
	physr_init(pr);
	return -EOPNOTSUPP;
}

void *lu_alloc_array(size_t n, size_t size, bool zero)
{
	if (size && n > INT_MAX / size)
		return NULL;
	return zero ? calloc(n ? n : 1, size ? size : 1) :
		      malloc(n && size ? n * size : 1);
}

void lu_free(const void *p)
{
	free((void *)p);
}

void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *a, const void *b),
	  void (*swap)(void *a, void *b, int size))
{
	qsort(base, num, size, cmp);
}

static void lu_memfd_arr(struct luo_array *arr, const struct lu_memfd_arr *a)
{
	memset(arr, 0, sizeof(*arr));
	arr->nr = a->nr;
	arr->elem_size = a->elem_size;
	arr->per_page = a->per_page;
	cur_arr = a;
}

void lu_memfd_item(const struct lu_memfd_arr *a, uint32_t version,
		   uint64_t i, struct lu_memfd_item *it)
{
	struct memfd_luo_item item;
	struct luo_array arr;

	lu_memfd_arr(&arr, a);
	memfd_luo_get_item(&arr, version, i, &item);
	it->phys = item.phys;
	it->index = item.index;
	it->nr_folios = item.nr_folios;
	it->order = item.order;
}

enum lu_memfd_stage lu_memfd_check(void *hdr, uint32_t version,
				   const struct lu_memfd_arr *a,
				   unsigned int max_order,
				   bool (*waiting)(uint64_t phys,
						   unsigned int order,
						   void *arg),
				   void *arg, int *err, uint64_t *entry)
{
	struct memfd_luo_hdr *h = hdr;
	struct memfd_luo_item it;
	struct luo_array arr;
	u64 i;

	cur_waiting = waiting;
	cur_arg = arg;
	*err = memfd_luo_check_hdr(h, version);
	if (*err)
		return LU_MEMFD_HDR;
	if (a)
		lu_memfd_arr(&arr, a);
	for (i = 0; a && i < arr.nr; i++) {
		memfd_luo_get_item(&arr, version, i, &it);
		if (it.order > max_order) {
			*err = -EINVAL;
			*entry = i;
			return LU_MEMFD_ORDER;
		}
	}
	if (version == MEMFD_LUO_V3) {
		/*
		 * The folio lists' chunks are not in debugfs: the segments
		 * against the header's list references only, and no folio
		 * check (lu-inspect says so).
		 */
		*err = memfd_luo_validate_v3(h, a ? &arr : NULL, NULL,
					     max_order);
		return *err ? LU_MEMFD_ENTRIES : LU_MEMFD_OK;
	}
	*err = memfd_luo_validate(h, a ? &arr : NULL, version, max_order);
	if (*err)
		return LU_MEMFD_ENTRIES;
	*err = memfd_luo_check_folios(a ? &arr : NULL, version,
				      le64_to_cpu(h->nr_entries));
	if (*err)
		return LU_MEMFD_FOLIOS;
	return LU_MEMFD_OK;
}

int lu_memfd_check_hdr(void *hdr, uint32_t version)
{
	return memfd_luo_check_hdr(hdr, version);
}
