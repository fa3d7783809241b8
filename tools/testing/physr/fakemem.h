/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake physical memory for the userspace build of lib/physr.
 *
 * One mmap()ed arena stands for RAM at FAKE_PHYS_BASE.  Its first
 * FAKE_WINDOW_PAGES pages are a fixed window that tests and the validator
 * fuzzer fill by hand; the rest backs __get_free_page().  phys_to_virt()
 * aborts for an address outside the arena, so code that reads memory it
 * was not given is caught even without a sanitizer.
 */
#ifndef _PHYSR_FAKEMEM_H
#define _PHYSR_FAKEMEM_H

#include <linux/types.h>

#define FAKE_PHYS_BASE		0x80000000ULL
#define FAKE_ARENA_PAGES	(256UL * 1024)	/* 1 GiB, reserved lazily */
#ifndef FAKE_WINDOW_PAGES
#define FAKE_WINDOW_PAGES	16UL	/* the live update fuzzers use more */
#endif

/* Pages handed out by __get_free_page() and not yet freed. */
unsigned long fakemem_pages_in_use(void);
/* Slab blocks from krealloc_array() not yet freed with kfree(). */
unsigned long fakemem_slab_in_use(void);
/*
 * Fail the @nth next allocation, of a page or of slab memory (1 = the
 * next one); 0 disarms.
 */
void fakemem_fail_nth(unsigned long nth);
/* Whether the failure armed by fakemem_fail_nth() happened. */
bool fakemem_failed(void);
/* True if @phys is the start of a page allocated with __get_free_page(). */
bool fakemem_page_allocated(phys_addr_t phys);
/* The fixed window, FAKE_WINDOW_PAGES pages at FAKE_PHYS_BASE. */
void *fakemem_window(void);
/*
 * When set, free_page() of a window page calls it (the live update fuzzers
 * give window pages back to their page model); otherwise such a free is an
 * error.
 */
extern void (*fakemem_window_free)(void *addr);
/* Chunk predicate accepting exactly the pages of the window. */
bool fakemem_in_window(phys_addr_t phys, size_t size, void *arg);

#endif
