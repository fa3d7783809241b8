/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the live update code of kernel/liveupdate/ and mm/ needs from the
 * rest of the kernel, for its userspace build (force-included).  Only the
 * environment is faked here: memory (fakemem.c, lu_env.c), memblock, the
 * page flags the code reads and writes, allocation and logging.  The code
 * under test is the kernel's own source, compiled unchanged.
 */
#ifndef _LU_KERNEL_H
#define _LU_KERNEL_H

#define CONFIG_KEXEC_HANDOVER	1
#define CONFIG_LIVEUPDATE	1
#define CONFIG_HUGETLBFS	1
#define CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT	0
#define CONFIG_DEFERRED_STRUCT_PAGE_INIT	0

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <linux/types.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include "fakemem.h"
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <asm/byteorder.h>
#include <asm/page.h>

/* Compiler and section annotations. */
#define __init
#define __initdata
#define __must_check
#define __user
#define __maybe_unused		__attribute__((unused))
#define __aligned(x)		__attribute__((aligned(x)))
#define early_param(str, fn)						\
	static int (*const __lu_param_##fn)(char *) __maybe_unused = fn
#define late_initcall(fn)						\
	static int (*const __lu_initcall_##fn)(void) __maybe_unused = fn
#define container_of(ptr, type, member)					\
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Logging: every message goes to the log of the run (lu_env.c). */
__printf(1, 2) void lu_log(const char *fmt, ...);
#define pr_err(fmt, ...)	lu_log("E " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	lu_log("W " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	lu_log("I " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	lu_log("D " pr_fmt(fmt), ##__VA_ARGS__)

/* A warning on input is a defect: the fuzzer stops on it. */
#define WARN_ON(cond) ({						\
	int __c = !!(cond);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #cond,	\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
	__c;								\
})

/* Arithmetic. */
#define BITS_PER_LONG		64
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ALIGN(x, a)		(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define PAGE_ALIGN(x)		ALIGN(x, PAGE_SIZE)
#define PAGE_ALIGNED(x)		IS_ALIGNED((unsigned long)(x), PAGE_SIZE)
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define max(a, b)		((a) > (b) ? (a) : (b))
#define max_t(t, a, b)		max((t)(a), (t)(b))
#define clamp_t(t, v, lo, hi)	min_t(t, max_t(t, v, lo), hi)
#define struct_size(p, member, n)					\
	(sizeof(*(p)) + (size_t)(n) * sizeof((p)->member[0]))
static inline u64 div_u64(u64 a, u32 b)
{
	return a / b;
}

static inline u64 div_u64_rem(u64 a, u32 b, u32 *rem)
{
	*rem = a % b;
	return a / b;
}
typedef uint64_t __be64;
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int32_t __s32;
typedef uint64_t __aligned_u64 __aligned(8);
#define SZ_16M			0x01000000
#define SZ_64M			0x04000000
#define be64_to_cpu(x)		((u64)be64toh(x))
#define cpu_to_be64(x)		((__be64)htobe64(x))

/* Strings. */
ssize_t lu_strscpy(char *dst, const char *src, size_t size);
#define __lu_strscpy3(d, s, n)	lu_strscpy(d, s, n)
#define __lu_strscpy2(d, s)	lu_strscpy(d, s, sizeof(d))
#define __lu_strscpy_sel(_1, _2, _3, name, ...) name
#define strscpy(...)							\
	__lu_strscpy_sel(__VA_ARGS__, __lu_strscpy3, __lu_strscpy2)(__VA_ARGS__)

/* Lists. */
struct list_head {
	struct list_head *next, *prev;
};

/* Only a member of struct luo_session here (its name hash). */
struct hlist_node {
	struct hlist_node *next, **pprev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = NULL;
	e->prev = NULL;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline size_t list_count_nodes(struct list_head *h)
{
	struct list_head *p;
	size_t n = 0;

	for (p = h->next; p != h; p = p->next)
		n++;
	return n;
}
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, __typeof__(*pos), member),	\
	     n = list_entry(pos->member.next, __typeof__(*pos), member);\
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

/* Locking: the userspace build is single threaded. */
struct mutex {
	int held;
};

#define DEFINE_MUTEX(m)		struct mutex m = { 0 }
#define mutex_lock(m)		((m)->held++)
#define mutex_unlock(m)		((m)->held--)
#define mutex_init(m)		((m)->held = 0)
#define lockdep_assert_held(m)	do { if (!(m)->held) abort(); } while (0)
#define cond_resched()		do { } while (0)

/* Allocation (lu_env.c): counted, so that a leak is seen. */
void *lu_alloc(size_t size, bool zero);
void lu_free(const void *p);
void *lu_alloc_array(size_t n, size_t size, bool zero);
#define kfree(p)			lu_free(p)
#define kvfree(p)			lu_free(p)

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return lu_alloc(size, true);
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return lu_alloc(size, false);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	return lu_alloc_array(n, size, true);
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return lu_alloc_array(n, size, false);
}

/* The slab array of a short physr list: counted and failed like the rest. */
static inline size_t ksize(const void *p)
{
	return p ? malloc_usable_size((void *)p) : 0;
}

static inline void *krealloc_array(void *p, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes, old = ksize(p);
	void *q;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	q = lu_alloc(bytes, false);
	if (!q)
		return NULL;
	if (p) {
		memcpy(q, p, old < bytes ? old : bytes);
		lu_free(p);
	}
	return q;
}

#define get_zeroed_page(gfp)		__get_free_page((gfp) | __GFP_ZERO)
void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *a, const void *b),
	  void (*swap)(void *a, void *b, int size));

/*
 * Pages: one struct page per page of the fake physical memory.  Only what
 * the code under test uses: the reserved flag (memblock-reserved memory
 * reaches the page allocator's era as reserved pages), a reference count
 * and the order of a compound page.
 */
struct page {
	unsigned long flags;
	int refcount;
	unsigned int order;
	struct page *head;
};

struct folio {
	struct page page;
};

#define PG_reserved		1UL
#define PageReserved(p)		(!!((p)->flags & PG_reserved))
#define SetPageReserved(p)	((p)->flags |= PG_reserved)
#define ClearPageReserved(p)	((p)->flags &= ~PG_reserved)
#define set_page_count(p, n)	((p)->refcount = (n))
#define init_page_count(p)	((p)->refcount = 1)
#define PHYS_PFN(x)		((unsigned long)((x) >> PAGE_SHIFT))
/* x86's pageblock: 2 MiB, the order of a huge page. */
#define pageblock_order		9
#define PFN_PHYS(x)		((phys_addr_t)(x) << PAGE_SHIFT)
#define offset_in_page(p)	((unsigned long)(p) & (PAGE_SIZE - 1))

/* debugfs reads of incoming sub-blobs (kho_in_blob_read()): a plain copy. */
static inline ssize_t simple_read_from_buffer(void *to, size_t count,
					      loff_t *ppos, const void *from,
					      size_t available)
{
	loff_t pos = *ppos;

	if (pos < 0)
		return -EINVAL;
	if ((size_t)pos >= available || !count)
		return 0;
	if (count > available - pos)
		count = available - pos;
	memcpy(to, (const char *)from + pos, count);
	*ppos = pos + count;
	return count;
}
struct page *pfn_to_page(unsigned long pfn);
unsigned long page_to_pfn(const struct page *page);
bool pfn_valid(unsigned long pfn);
#define page_to_phys(p)		PFN_PHYS(page_to_pfn(p))
#define page_address(p)		phys_to_virt(page_to_phys(p))
#define page_folio(p)		((struct folio *)((p)->head ? (p)->head : (p)))
#define folio_page(f, n)	(&(f)->page + (n))
#define folio_address(f)	page_address(&(f)->page)
#define virt_to_folio(v)	page_folio(pfn_to_page(PHYS_PFN(virt_to_phys(v))))
#define virt_to_page(v)		pfn_to_page(PHYS_PFN(virt_to_phys(v)))
void prep_compound_page(struct page *page, unsigned int order);
static inline void adjust_managed_page_count(struct page *page, long n)
{
}

void folio_put(struct folio *folio);
void __free_page(struct page *page);
void free_reserved_page(struct page *page);
struct page *alloc_page(gfp_t gfp);

/* memblock (lu_env.c). */
struct memblock_region {
	phys_addr_t base;
	phys_addr_t size;
};

struct memblock_type {
	unsigned long cnt;
	struct memblock_region *regions;
};

struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
};

extern struct memblock memblock;
#define SMP_CACHE_BYTES			64
#define MEMBLOCK_ALLOC_ACCESSIBLE	0
bool memblock_is_region_memory(phys_addr_t base, phys_addr_t size);
bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size);
int memblock_reserve(phys_addr_t base, phys_addr_t size);
int memblock_phys_free(phys_addr_t base, phys_addr_t size);
struct memblock_range_source {
	void (*rewind)(struct memblock_range_source *src);
	bool (*next)(struct memblock_range_source *src, phys_addr_t *base,
		     phys_addr_t *size);
};
int memblock_reserve_sorted(struct memblock_range_source *src,
			    unsigned long nr);
phys_addr_t memblock_phys_mem_size(void);
void *memblock_alloc(phys_addr_t size, phys_addr_t align);
void memblock_free(void *ptr, size_t size);
phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align,
				      phys_addr_t start, phys_addr_t end);

/* Scratch-only allocation: nothing allocates early in the fake machine. */
static inline int memblock_mark_kho_scratch(phys_addr_t base, phys_addr_t size)
{
	return 0;
}

static inline int memblock_clear_kho_scratch(phys_addr_t base,
					     phys_addr_t size)
{
	return 0;
}

static inline void memblock_set_kho_scratch_only(void)
{
}

static inline void memblock_clear_kho_scratch_only(void)
{
}

/*
 * The handover names the setup_data's root and scratch array by physical
 * address before anything checked them against RAM; the kernel's
 * early_memremap() maps whatever it is given, this one refuses what lies
 * outside the fake RAM (as an early_memremap() failure, which the kernel
 * handles) instead of aborting.
 */
static inline void *early_memremap(u64 phys, unsigned long size)
{
	const u64 ram = FAKE_WINDOW_PAGES * PAGE_SIZE;

	if (phys < FAKE_PHYS_BASE || size > ram ||
	    phys - FAKE_PHYS_BASE > ram - size)
		return NULL;
	return phys_to_virt(phys);
}

static inline void early_memunmap(void *addr, unsigned long size)
{
}

/* Boot parameters: not parsed in userspace. */
static inline int kstrtobool(const char *s, bool *res)
{
	return -EINVAL;
}

/* Numbers, for the version in the KHO root's compatible. */
static inline int kstrtouint(const char *s, unsigned int base,
			     unsigned int *res)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	v = strtoul(s, &end, base);
	if (*end || v > UINT_MAX)
		return -EINVAL;
	*res = v;
	return 0;
}

static inline unsigned long long memparse(const char *s, char **end)
{
	*end = (char *)s;
	return 0;
}

/* Time. */
typedef u64 cycles_t;
#define get_cycles()		((cycles_t)0)

/* Files and hugetlb, for the memfd record checks. */
#define MAX_LFS_FILESIZE	((loff_t)LLONG_MAX)
struct hstate;
/*
 * x86's huge page sizes (2 MiB, 1 GiB), the ones these builds know; for
 * the fuzzers and lu-inspect alike.  Only whether it is NULL is used.
 */
static inline struct hstate *size_to_hstate(unsigned long size)
{
	static char h2m, h1g;

	if (size == 0x200000UL)
		return (struct hstate *)&h2m;
	if (size == 0x40000000UL)
		return (struct hstate *)&h1g;
	return NULL;
}
#define IS_ENABLED(option)	((option) + 0)

#endif /* _LU_KERNEL_H */
