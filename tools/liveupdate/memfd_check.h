/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lu-inspect: the kernel's checks of a memfd record (mm/memfd_luo_check.c,
 * compiled as it is in memfd_check.c against the userspace kernel shims of
 * tools/testing/physr/lu), behind an interface of plain C types.
 */
#ifndef _LU_MEMFD_CHECK_H
#define _LU_MEMFD_CHECK_H

#include <stdbool.h>
#include <stdint.h>

/* Which of the kernel's checks refused the record (memfd_luo.c's order). */
enum lu_memfd_stage {
	LU_MEMFD_OK,
	LU_MEMFD_HDR,		/* memfd_luo_check_hdr() */
	LU_MEMFD_ORDER,		/* an entry's order above what the file holds */
	LU_MEMFD_ENTRIES,	/* memfd_luo_validate() */
	LU_MEMFD_FOLIOS,	/* memfd_luo_check_folios() */
};

/* A restored entry array: its element pages in element order. */
struct lu_memfd_arr {
	uint64_t nr;
	uint32_t elem_size;
	uint32_t per_page;
	const uint8_t *const *pages;
};

/* One entry as the kernel reads it (struct memfd_luo_item). */
struct lu_memfd_item {
	uint64_t phys, index, nr_folios;
	unsigned int order;
};

/*
 * Check the record @hdr (a page) of @version with entry array @arr (NULL
 * when it has no entries) for a file whose largest folio order is
 * @max_order; @waiting says whether a folio of an order is handed over.
 * Returns the stage that refused it and sets *@err to its error and
 * *@entry to the entry at fault (LU_MEMFD_ORDER), or LU_MEMFD_OK.
 */
enum lu_memfd_stage lu_memfd_check(void *hdr, uint32_t version,
				   const struct lu_memfd_arr *arr,
				   unsigned int max_order,
				   bool (*waiting)(uint64_t phys,
						   unsigned int order,
						   void *arg),
				   void *arg, int *err, uint64_t *entry);
/* memfd_luo_check_hdr() of @hdr (a page): 0 or its error. */
int lu_memfd_check_hdr(void *hdr, uint32_t version);
/* Entry @i of @arr as the kernel reads it. */
void lu_memfd_item(const struct lu_memfd_arr *arr, uint32_t version,
		   uint64_t i, struct lu_memfd_item *it);

#endif
