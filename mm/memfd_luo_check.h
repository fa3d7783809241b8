/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd live update: the checks of a record from the previous kernel,
 * shared by mm/memfd_luo.c and the userspace fuzzer of tools/testing/physr.
 */
#ifndef _MM_MEMFD_LUO_CHECK_H
#define _MM_MEMFD_LUO_CHECK_H

#include <linux/liveupdate.h>
#include <linux/memfd_luo_abi.h>
#include <linux/physr.h>
#include <linux/types.h>

/* The name of every memfd starts with this. */
#define MFD_PREFIX		"memfd:"

/* One folio to restore, from either version of the record. */
struct memfd_luo_item {
	u64 phys;
	u64 index;
	u64 nr_folios;
	unsigned int order;
};

int memfd_luo_get_item(struct luo_array *arr, u32 version, u64 i,
		       struct memfd_luo_item *it);
int memfd_luo_check_folios(struct luo_array *arr, u32 version, u64 nr_entries);
int memfd_luo_validate(struct memfd_luo_hdr *h, struct luo_array *arr,
		       u32 version, unsigned int max_order);
int memfd_luo_check_hdr(struct memfd_luo_hdr *h, u32 version);

/* The folio lists that follow a version 3 header in its page. */
static inline struct memfd_luo_v3_lists *
memfd_luo_v3_lists(struct memfd_luo_hdr *h)
{
	return (void *)h + MEMFD_LUO_V3_LISTS;
}

int memfd_luo_validate_v3(struct memfd_luo_hdr *h, struct luo_array *arr,
			  const struct physr *lists, unsigned int max_order);
int memfd_luo_check_folios_v3(const struct physr *lists);
int memfd_luo_v3_lists_ok(struct memfd_luo_hdr *h, unsigned int *bad_order);
int memfd_luo_v3_take_lists(struct memfd_luo_hdr *h, struct physr *lists,
			    unsigned long *taken, unsigned int *bad_order);

#endif /* _MM_MEMFD_LUO_CHECK_H */
