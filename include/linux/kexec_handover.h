/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): memory that survives kexec.
 *
 * A subsystem preserves folios or runs of pages at any time before kexec
 * and hangs its own state off the handover as named sub-blobs.  The next
 * kernel reserves the preserved memory early in boot, and the subsystem
 * restores it from there.  See Documentation/core-api/kho/.
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/err.h>
#include <linux/types.h>

struct folio;
struct kexec_buf;
struct page;
struct physr;
struct resource;

#ifdef CONFIG_KEXEC_HANDOVER

bool kho_is_enabled(void);
unsigned int kho_write_version(unsigned int newest);

int kho_preserve_folio(struct folio *folio);
int kho_unpreserve_folio(struct folio *folio);
int kho_preserve_pages(struct page *page, unsigned long nr_pages);
int kho_unpreserve_pages(struct page *page, unsigned long nr_pages);
int kho_preserve_physr(struct physr *pr);
int kho_unpreserve_physr(const struct physr *pr);
int kho_preserve_physr_ref(struct physr *pr, unsigned int order);
int kho_unpreserve_physr_ref(struct physr *pr);

int kho_add_subtree(const char *name, const char *compatible,
		    phys_addr_t phys, size_t size);
int kho_remove_subtree(const char *name);

bool kho_is_incoming(void);
struct folio *kho_restore_folio(phys_addr_t phys);
bool kho_folio_waiting(phys_addr_t phys, unsigned int order);
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages);
bool kho_in_preserved(phys_addr_t phys, u64 size);
int kho_restore_physr(struct physr *pr, phys_addr_t first);
int kho_retrieve_subtree(const char *name, const char *compatible,
			 phys_addr_t *phys, size_t *size);

/* Hooks for the architecture and kexec code. */
void kho_populate(u64 pa_data, u32 data_len);
void kho_memblock_setup(phys_addr_t low_limit);
void kho_reserve_preserved(void);
int kho_walk_scratch(struct kexec_buf *kbuf,
		     int (*fn)(struct resource *res, void *arg));
size_t kho_setup_data_size(void);
int kho_fill_setup_data(void *buf, size_t size);
int kho_kexec_prepare(void);
bool kho_will_hand_over(void);
int kho_scratch_claim(void);
void kho_scratch_sync(bool in_use);
void kho_scratch_mark_cma(void);
bool kho_folio_in_scratch(struct folio *folio);
int kho_scratch_place_kernel(struct kexec_buf *kbuf,
			     int (*fn)(struct resource *res, void *arg));

#else /* CONFIG_KEXEC_HANDOVER */

static inline unsigned int kho_write_version(unsigned int newest)
{
	return newest;
}

static inline bool kho_is_enabled(void)
{
	return false;
}

static inline int kho_preserve_folio(struct folio *folio)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_folio(struct folio *folio)
{
	return -EOPNOTSUPP;
}

static inline int kho_preserve_pages(struct page *page,
				     unsigned long nr_pages)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_pages(struct page *page,
				       unsigned long nr_pages)
{
	return -EOPNOTSUPP;
}

static inline int kho_preserve_physr(struct physr *pr)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_physr(const struct physr *pr)
{
	return -EOPNOTSUPP;
}

static inline int kho_preserve_physr_ref(struct physr *pr, unsigned int order)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_physr_ref(struct physr *pr)
{
	return -EOPNOTSUPP;
}

static inline int kho_add_subtree(const char *name, const char *compatible,
				  phys_addr_t phys, size_t size)
{
	return -EOPNOTSUPP;
}

static inline int kho_remove_subtree(const char *name)
{
	return -EOPNOTSUPP;
}

static inline bool kho_is_incoming(void)
{
	return false;
}

static inline struct folio *kho_restore_folio(phys_addr_t phys)
{
	return NULL;
}

static inline bool kho_folio_waiting(phys_addr_t phys, unsigned int order)
{
	return false;
}

static inline struct page *kho_restore_pages(phys_addr_t phys,
					     unsigned long nr_pages)
{
	return NULL;
}

static inline bool kho_in_preserved(phys_addr_t phys, u64 size)
{
	return false;
}

static inline int kho_restore_physr(struct physr *pr, phys_addr_t first)
{
	return -EOPNOTSUPP;
}

static inline int kho_retrieve_subtree(const char *name,
				       const char *compatible,
				       phys_addr_t *phys, size_t *size)
{
	return -EOPNOTSUPP;
}

static inline void kho_populate(u64 pa_data, u32 data_len)
{
}

static inline void kho_memblock_setup(phys_addr_t low_limit)
{
}

static inline void kho_reserve_preserved(void)
{
}

static inline int kho_walk_scratch(struct kexec_buf *kbuf,
				   int (*fn)(struct resource *res, void *arg))
{
	return -EOPNOTSUPP;
}

static inline size_t kho_setup_data_size(void)
{
	return 0;
}

static inline int kho_fill_setup_data(void *buf, size_t size)
{
	return -EOPNOTSUPP;
}

static inline int kho_kexec_prepare(void)
{
	return 0;
}

static inline bool kho_will_hand_over(void)
{
	return false;
}

static inline int kho_scratch_claim(void)
{
	return 0;
}

static inline void kho_scratch_sync(bool in_use)
{
}

static inline void kho_scratch_mark_cma(void)
{
}

static inline bool kho_folio_in_scratch(struct folio *folio)
{
	return false;
}

static inline int
kho_scratch_place_kernel(struct kexec_buf *kbuf,
			 int (*fn)(struct resource *res, void *arg))
{
	return 0;
}

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
