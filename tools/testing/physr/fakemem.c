// SPDX-License-Identifier: GPL-2.0
/*
 * Fake physical memory for the userspace build of lib/physr; see fakemem.h.
 *
 * Freed pages are poisoned for AddressSanitizer and reused in FIFO order,
 * so a use after free is reported for as long as possible.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/io.h>
#include <asm/page.h>
#include "fakemem.h"

#if defined(__SANITIZE_ADDRESS__)
#define FAKEMEM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAKEMEM_ASAN 1
#endif
#endif

#ifdef FAKEMEM_ASAN
#include <sanitizer/asan_interface.h>
#define poison(p, n)	ASAN_POISON_MEMORY_REGION(p, n)
#define unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define poison(p, n)	((void)(p), (void)(n))
#define unpoison(p, n)	((void)(p), (void)(n))
#endif

static unsigned char *arena;
static unsigned char *allocated;	/* one flag per arena page */
static unsigned long next_fresh = FAKE_WINDOW_PAGES;
static unsigned long *fifo;		/* freed page indexes */
static unsigned long fifo_head, fifo_len;
static unsigned long in_use;
static unsigned long fail_countdown;
static bool fail_hit;

static void fakemem_setup(void)
{
	if (arena)
		return;
	arena = mmap(NULL, FAKE_ARENA_PAGES * PAGE_SIZE,
		     PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	allocated = calloc(FAKE_ARENA_PAGES, 1);
	fifo = calloc(FAKE_ARENA_PAGES, sizeof(*fifo));
	if (arena == MAP_FAILED || !allocated || !fifo) {
		fprintf(stderr, "fakemem: cannot reserve the arena\n");
		abort();
	}
	poison(arena + FAKE_WINDOW_PAGES * PAGE_SIZE,
	       (FAKE_ARENA_PAGES - FAKE_WINDOW_PAGES) * PAGE_SIZE);
}

void *fakemem_window(void)
{
	fakemem_setup();
	return arena;
}

bool fakemem_in_window(phys_addr_t phys, size_t size, void *arg)
{
	const u64 window = FAKE_WINDOW_PAGES * PAGE_SIZE;

	return phys >= FAKE_PHYS_BASE && size <= window &&
	       phys - FAKE_PHYS_BASE <= window - size;
}

unsigned long fakemem_pages_in_use(void)
{
	return in_use;
}

bool fakemem_failed(void)
{
	return fail_hit;
}

void fakemem_fail_nth(unsigned long nth)
{
	fail_countdown = nth;
	fail_hit = false;
}

bool fakemem_page_allocated(phys_addr_t phys)
{
	unsigned long idx;

	if (!arena || phys < FAKE_PHYS_BASE || (phys & ~PAGE_MASK))
		return false;
	idx = (phys - FAKE_PHYS_BASE) >> PAGE_SHIFT;
	return idx < FAKE_ARENA_PAGES && allocated[idx];
}

/* The countdown of fakemem_fail_nth(), shared by pages and slab memory. */
static bool fakemem_should_fail(void)
{
	if (fail_countdown && !--fail_countdown) {
		fail_hit = true;
		return true;
	}
	return false;
}

/* The live update fuzzers bring their own slab (lu/lu_kernel.h). */
#ifndef _LU_KERNEL_H
static unsigned long slab_in_use;

unsigned long fakemem_slab_in_use(void)
{
	return slab_in_use;
}

void *krealloc_array(void *p, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes, old = p ? malloc_usable_size(p) : 0;
	void *q;

	if (__builtin_mul_overflow(n, size, &bytes) || fakemem_should_fail())
		return NULL;
	/* Always a new block, so a stale pointer to the old one is caught. */
	q = malloc(bytes);
	if (!q)
		return NULL;
	memset(q, 0xa5, bytes);
	if (p) {
		memcpy(q, p, old < bytes ? old : bytes);
		free(p);
	} else {
		slab_in_use++;
	}
	return q;
}

void kfree(const void *p)
{
	if (!p)
		return;
	slab_in_use--;
	free((void *)p);
}

size_t ksize(const void *p)
{
	return p ? malloc_usable_size((void *)p) : 0;
}
#endif

unsigned long __get_free_page(gfp_t gfp)
{
	unsigned long idx;
	void *page;

	fakemem_setup();
	if (fakemem_should_fail())
		return 0;
	/* Reuse freed pages only once many are waiting: longer UAF window. */
	if (fifo_len > 64 || next_fresh == FAKE_ARENA_PAGES) {
		if (!fifo_len)
			return 0;
		idx = fifo[fifo_head];
		fifo_head = (fifo_head + 1) % FAKE_ARENA_PAGES;
		fifo_len--;
	} else {
		idx = next_fresh++;
	}
	page = arena + idx * PAGE_SIZE;
	unpoison(page, PAGE_SIZE);
	/* Garbage unless asked for zero, as from the real allocator. */
	memset(page, (gfp & __GFP_ZERO) ? 0 : 0xa5, PAGE_SIZE);
	allocated[idx] = 1;
	in_use++;
	return (unsigned long)page;
}

void (*fakemem_window_free)(void *addr);

void free_page(unsigned long addr)
{
	unsigned long idx;

	if (!addr)
		return;
	idx = ((unsigned char *)addr - arena) / PAGE_SIZE;
	if (fakemem_window_free && (unsigned char *)addr >= arena &&
	    idx < FAKE_WINDOW_PAGES && !(addr & ~PAGE_MASK)) {
		fakemem_window_free((void *)addr);
		return;
	}
	if ((unsigned char *)addr < arena || idx >= FAKE_ARENA_PAGES ||
	    (addr & ~PAGE_MASK) || idx < FAKE_WINDOW_PAGES || !allocated[idx]) {
		fprintf(stderr, "fakemem: %s(%#lx): not an allocated page\n", __func__,
			addr);
		abort();
	}
	allocated[idx] = 0;
	in_use--;
	memset((void *)addr, 0x5a, PAGE_SIZE);
	poison((void *)addr, PAGE_SIZE);
	fifo[(fifo_head + fifo_len) % FAKE_ARENA_PAGES] = idx;
	fifo_len++;
}

void *phys_to_virt(phys_addr_t phys)
{
	fakemem_setup();
	if (phys < FAKE_PHYS_BASE ||
	    phys - FAKE_PHYS_BASE >= FAKE_ARENA_PAGES * PAGE_SIZE) {
		fprintf(stderr, "fakemem: %s(%#llx): outside RAM\n", __func__,
			(unsigned long long)phys);
		abort();
	}
	return arena + (phys - FAKE_PHYS_BASE);
}

phys_addr_t virt_to_phys(const void *addr)
{
	const unsigned char *p = (const unsigned char *)addr;

	if (!arena || p < arena || p >= arena + FAKE_ARENA_PAGES * PAGE_SIZE) {
		fprintf(stderr, "fakemem: %s(%p): outside RAM\n", __func__, p);
		abort();
	}
	return FAKE_PHYS_BASE + (phys_addr_t)(p - arena);
}
