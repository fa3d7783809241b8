/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the physr pin helpers (physr_mm.c) and their KUnit tests: how
 * the memory of a pinned list was pinned.  Users only see the opaque
 * &struct physr_pinned and the list inside it (physr_pinned_list()).
 */
#ifndef _LIB_PHYSR_PHYSR_MM_H
#define _LIB_PHYSR_PHYSR_MM_H

#include <linux/physr.h>
#include <linux/types.h>

/**
 * enum physr_pin_mode - how the memory of a pinned list was pinned
 * @PHYSR_PINNED_PAGES: page by page, by pin_user_pages_fast().
 * @PHYSR_PINNED_FOLIOS: one pin per folio, as memfd_pin_folios() takes
 *	them (physr_pin_memfd() and physr_pin_memfd_account()).
 */
enum physr_pin_mode {
	PHYSR_PINNED_PAGES = 1,
	PHYSR_PINNED_FOLIOS,
};

/**
 * struct physr_pinned - a list of pinned memory and how to release it
 * @list: the ranges; every page of them is pinned.
 * @mode: how physr_unpin() must drop the pins.
 * @dirty: physr_unpin() marks the memory dirty first.
 */
struct physr_pinned {
	struct physr list;
	enum physr_pin_mode mode;
	bool dirty;
};

#if IS_ENABLED(CONFIG_KUNIT)
struct page;

struct physr_pinned *__physr_pin_memfd(struct file *memfd, loff_t offset,
				       loff_t len, unsigned int flags,
				       struct physr_pin_account *acct,
				       unsigned int batch, gfp_t gfp);
unsigned int physr_add_pages(struct physr *pr, struct page **pages,
			     unsigned int nr, size_t *off, size_t *left,
			     gfp_t gfp, int *err);
#endif

#endif /* _LIB_PHYSR_PHYSR_MM_H */
