// SPDX-License-Identifier: GPL-2.0
/* The fake machine of the live update fuzzers; see lu_env.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lu_kernel.h"
#include "../fakemem.h"
#include "lu_env.h"

#define LU_ARENA_PAGES	FAKE_ARENA_PAGES
#define LU_MAX_RESERVED	4096

static struct page lu_pages[LU_ARENA_PAGES];
static struct memblock_region lu_mem_regions[1];
static struct memblock_region lu_rsv_regions[LU_MAX_RESERVED];
struct memblock memblock = {
	.memory = { .cnt = 1, .regions = lu_mem_regions },
	.reserved = { .cnt = 0, .regions = lu_rsv_regions },
};

static long lu_allocs;
static unsigned int lu_fail_countdown;
static bool lu_fail_hit;
static char lu_logbuf[1 << 16];
static size_t lu_loglen;
static bool lu_log_stderr;

void lu_log(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (lu_log_stderr) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	if (lu_loglen >= sizeof(lu_logbuf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(lu_logbuf + lu_loglen, sizeof(lu_logbuf) - lu_loglen,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		lu_loglen += n;
	if (lu_loglen > sizeof(lu_logbuf) - 1)
		lu_loglen = sizeof(lu_logbuf) - 1;
}

void lu_env_log_to_stderr(bool on)
{
	lu_log_stderr = on;
}

const char *lu_env_log(void)
{
	return lu_logbuf;
}

bool lu_env_logged(const char *s)
{
	return strstr(lu_logbuf, s);
}

/* free_page() of a RAM page: a page restored from the handover. */
static void lu_free_ram_page(void *addr)
{
	__free_page(virt_to_page(addr));
}

void lu_env_reset(void)
{
	fakemem_window_free = lu_free_ram_page;
	/* The allocator's pages keep their state from run to run. */
	memset(lu_pages, 0, LU_RAM_PAGES * sizeof(*lu_pages));
	lu_mem_regions[0].base = FAKE_PHYS_BASE;
	lu_mem_regions[0].size = (LU_RAM_PAGES + LU_SCRATCH_PAGES) * PAGE_SIZE;
	memblock.reserved.cnt = 0;
	lu_loglen = 0;
	lu_logbuf[0] = 0;
	lu_fail_countdown = 0;
	lu_fail_hit = false;
	fakemem_fail_nth(0);
}

long lu_env_allocs(void)
{
	return lu_allocs + (long)fakemem_pages_in_use();
}

ssize_t lu_strscpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (!size)
		return -E2BIG;
	n = strnlen(src, size);
	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = 0;
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return n;
}

void lu_env_fail_nth(unsigned int nth)
{
	lu_fail_countdown = nth;
	fakemem_fail_nth(nth);
}

bool lu_env_failed(void)
{
	return lu_fail_hit;
}

/* The injected failure, shared by every allocator of the fake kernel. */
static bool lu_should_fail(void)
{
	if (lu_fail_countdown && !--lu_fail_countdown) {
		lu_fail_hit = true;
		return true;
	}
	return false;
}

void *lu_alloc(size_t size, bool zero)
{
	void *p;

	if (lu_should_fail())
		return NULL;
	p = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (!p)
		abort();
	if (!zero)
		memset(p, 0xa5, size);
	lu_allocs++;
	return p;
}

void *lu_alloc_array(size_t n, size_t size, bool zero)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	/* The kernel's kvmalloc refuses above INT_MAX. */
	if (bytes > INT_MAX)
		return NULL;
	return lu_alloc(bytes, zero);
}

void lu_free(const void *p)
{
	if (!p)
		return;
	lu_allocs--;
	free((void *)p);
}

void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *a, const void *b),
	  void (*swap)(void *a, void *b, int size))
{
	qsort(base, num, size, cmp);
}

struct page *pfn_to_page(unsigned long pfn)
{
	unsigned long first = FAKE_PHYS_BASE >> PAGE_SHIFT;

	if (pfn < first || pfn - first >= LU_ARENA_PAGES) {
		fprintf(stderr, "lu_env: %s(%#lx): no such page\n", __func__,
			pfn);
		abort();
	}
	return &lu_pages[pfn - first];
}

unsigned long page_to_pfn(const struct page *page)
{
	if (page < lu_pages || page >= lu_pages + LU_ARENA_PAGES) {
		fprintf(stderr, "lu_env: %s(%p): not a page\n", __func__,
			page);
		abort();
	}
	return (FAKE_PHYS_BASE >> PAGE_SHIFT) + (page - lu_pages);
}

/* Only the memory memblock knows has pages (no holes in the fake RAM). */
bool pfn_valid(unsigned long pfn)
{
	phys_addr_t phys = PFN_PHYS(pfn);

	return phys >= lu_mem_regions[0].base &&
	       phys - lu_mem_regions[0].base < lu_mem_regions[0].size;
}

void prep_compound_page(struct page *page, unsigned int order)
{
	unsigned long i;

	page->order = order;
	for (i = 1; i < 1UL << order; i++)
		page[i].head = page;
}

static void lu_page_free(struct page *page, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		if (PageReserved(&page[i]) || page[i].refcount) {
			fprintf(stderr, "lu_env: freeing a page in use\n");
			abort();
		}
		page[i].head = NULL;
		page[i].order = 0;
	}
	/* Pages of the allocator go back to it; RAM pages just stay free. */
	if (fakemem_page_allocated(page_to_phys(page)))
		free_page((unsigned long)page_address(page));
}

void folio_put(struct folio *folio)
{
	struct page *page = &folio->page;

	if (page->refcount <= 0) {
		fprintf(stderr, "lu_env: %s() of a free folio\n", __func__);
		abort();
	}
	if (!--page->refcount)
		lu_page_free(page, 1UL << page->order);
}

void __free_page(struct page *page)
{
	if (page->head || page->refcount != 1) {
		fprintf(stderr, "lu_env: %s() of a page not ours\n", __func__);
		abort();
	}
	page->refcount = 0;
	lu_page_free(page, 1);
}

void free_reserved_page(struct page *page)
{
	ClearPageReserved(page);
	page->refcount = 0;
}

struct page *alloc_page(gfp_t gfp)
{
	unsigned long addr = __get_free_page(gfp);
	struct page *page;

	if (!addr)
		return NULL;
	page = virt_to_page((void *)addr);
	page->refcount = 1;
	return page;
}

bool memblock_is_region_memory(phys_addr_t base, phys_addr_t size)
{
	const struct memblock_region *m = &lu_mem_regions[0];

	return base >= m->base && size <= m->size &&
	       base - m->base <= m->size - size;
}

bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size)
{
	unsigned long i;

	for (i = 0; i < memblock.reserved.cnt; i++) {
		const struct memblock_region *r = &lu_rsv_regions[i];

		if (base < r->base + r->size && r->base < base + size)
			return true;
	}
	return false;
}

/* Kept sorted and merged, as memblock does. */
int memblock_reserve(phys_addr_t base, phys_addr_t size)
{
	struct memblock_region *r = lu_rsv_regions;
	unsigned long i, n = memblock.reserved.cnt;

	if (!size)
		return 0;
	if (n == LU_MAX_RESERVED)
		return -ENOMEM;
	for (i = 0; i < n && r[i].base < base; i++)
		;
	memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
	r[i].base = base;
	r[i].size = size;
	n++;
	/* Merge touching or overlapping neighbours. */
	for (i = 0; i + 1 < n; ) {
		if (r[i].base + r[i].size >= r[i + 1].base) {
			phys_addr_t end = max(r[i].base + r[i].size,
					      r[i + 1].base + r[i + 1].size);

			r[i].size = end - r[i].base;
			memmove(&r[i + 1], &r[i + 2], (n - i - 2) * sizeof(*r));
			n--;
		} else {
			i++;
		}
	}
	memblock.reserved.cnt = n;
	return 0;
}

/*
 * The kernel's contract: the ranges are checked (count, order, no overlap
 * with each other or with a reserved region) before any is reserved, so
 * that a failure leaves nothing reserved.
 */
int memblock_reserve_sorted(struct memblock_range_source *src,
			    unsigned long nr)
{
	phys_addr_t base, size, prev_end = 0;
	unsigned long seen = 0;

	src->rewind(src);
	while (src->next(src, &base, &size)) {
		if (++seen > nr || !size || base + size - 1 < base ||
		    (seen > 1 && base < prev_end))
			return -EINVAL;
		if (memblock_is_region_reserved(base, size))
			return -EEXIST;
		prev_end = base + size;
	}
	if (memblock.reserved.cnt + seen > LU_MAX_RESERVED)
		return -ENOMEM;
	src->rewind(src);
	while (src->next(src, &base, &size))
		if (memblock_reserve(base, size))
			abort();
	return 0;
}

int memblock_phys_free(phys_addr_t base, phys_addr_t size)
{
	struct memblock_region *r = lu_rsv_regions;
	phys_addr_t end = base + size;
	unsigned long i;

	for (i = 0; i < memblock.reserved.cnt; i++) {
		phys_addr_t rend = r[i].base + r[i].size;

		if (rend <= base || r[i].base >= end)
			continue;
		if (r[i].base < base && rend > end) {
			/* Split. */
			if (memblock.reserved.cnt == LU_MAX_RESERVED)
				abort();
			memmove(&r[i + 1], &r[i],
				(memblock.reserved.cnt - i) * sizeof(*r));
			memblock.reserved.cnt++;
			r[i].size = base - r[i].base;
			r[i + 1].base = end;
			r[i + 1].size = rend - end;
			return 0;
		}
		if (r[i].base < base) {
			r[i].size = base - r[i].base;
		} else if (rend > end) {
			r[i].size = rend - end;
			r[i].base = end;
		} else {
			memmove(&r[i], &r[i + 1],
				(memblock.reserved.cnt - i - 1) * sizeof(*r));
			memblock.reserved.cnt--;
			i--;
		}
	}
	return 0;
}

phys_addr_t memblock_phys_mem_size(void)
{
	return lu_mem_regions[0].size;
}

/* From the scratch pages, as early allocations are; at most a page. */
void *memblock_alloc(phys_addr_t size, phys_addr_t align)
{
	if (size > PAGE_SIZE || lu_should_fail())
		return NULL;
	return (void *)__get_free_page(GFP_KERNEL | __GFP_ZERO);
}

void memblock_free(void *ptr, size_t size)
{
	free_page((unsigned long)ptr);
}

/* No room for the next kernel's scratch in the fake machine. */
phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align,
				      phys_addr_t start, phys_addr_t end)
{
	return 0;
}

/*
 * kho_scratch.c is not built here: no fresh scratch is lent, and kept
 * incoming areas are only noted in kho_scratch[].
 */
void kho_scratch_lend(unsigned int i)
{
}

void kho_scratch_hold_free(void)
{
}
