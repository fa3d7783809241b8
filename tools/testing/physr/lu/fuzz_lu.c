// SPDX-License-Identifier: GPL-2.0
/*
 * The live update fuzz targets; see lu_harness.h.  What the harness adds
 * to the kernel's code is only the glue a boot would run between the
 * validators (as luo_read_incoming() and memfd_luo_retrieve() do) and
 * the checks of their promises:
 *
 * - a rejected handover reserves nothing and leaves no state behind, and
 *   the status line says "rejected: <why>";
 * - an accepted one reserved only RAM outside the scratch area, and
 *   exactly the pages it preserves (the lists' ranges, the referenced
 *   lists' pages) with its root and chunks; every
 *   folio it says is waiting can be restored once with its order, and
 *   kho_finish() releases every preserved page nobody restored;
 * - a rejected LUO state adds no session and holds no page (what it
 *   restored to look at, it gave back); a rejected luo_array takes no page
 *   at all; a rejected memfd record takes no page but those of its own
 *   entry array; an accepted state is what the ABI says it may be, and
 *   every folio of an accepted memfd record can be restored;
 * - every error is a documented one, nothing leaks, and no memory outside
 *   what the handover names is read (fakemem and the sanitizers catch it).
 */
#include "lu_kernel.h"
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include "../../../../kernel/liveupdate/kho_internal.h"
#include "../../../../kernel/liveupdate/luo_internal.h"
#include "../../../../mm/memfd_luo_check.h"
#include "../fakemem.h"
#include "../fuzz.h"
#include "lu_env.h"
#include "lu_harness.h"

#define RAM_BYTES	(LU_RAM_PAGES * PAGE_SIZE)
#define RAM_END		(FAKE_PHYS_BASE + RAM_BYTES)
#define SHMEM_MAX_ORDER	9

/* luo_core.c's list of incoming sessions, filled by luo_state_parse(). */
LIST_HEAD(luo_incoming);
/* luo_core.c's limits (liveupdate.max_sessions, max_files), at their defaults */
unsigned int luo_max_sessions = 65536;
unsigned int luo_max_files = 65536;

/* KHO's outgoing side: luo_array_alloc() links to it, no fuzzer calls it. */
int kho_preserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
int kho_unpreserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
int kho_preserve_physr(struct physr *pr) { return -EOPNOTSUPP; }
int kho_unpreserve_physr(const struct physr *pr) { return -EOPNOTSUPP; }
unsigned int kho_write_version(unsigned int newest) { return newest; }

static long lu_baseline;
static unsigned long lu_rsv_before[LU_RAM_PAGES / 64 + 1];

/* Which RAM pages are reserved (preserved and not restored). */
static void lu_snapshot(unsigned long *bits)
{
	unsigned long i;

	memset(bits, 0, sizeof(lu_rsv_before));
	for (i = 0; i < LU_RAM_PAGES; i++)
		if (PageReserved(pfn_to_page(PHYS_PFN(FAKE_PHYS_BASE) + i)))
			bits[i / 64] |= 1UL << (i % 64);
}

static void lu_allow(unsigned long *allowed, phys_addr_t phys)
{
	u64 i = (phys - FAKE_PHYS_BASE) >> PAGE_SHIFT;

	if (phys >= FAKE_PHYS_BASE && i < LU_RAM_PAGES)
		allowed[i / 64] |= 1UL << (i % 64);
}

/*
 * Whether the pages taken since @before are at most those of @arr (its
 * header, its list's chunks, its element pages).
 */
static bool lu_taken_only_lists(const unsigned long *before,
				const struct luo_array *arr,
				const struct physr *lists, unsigned int nr_lists)
{
	unsigned long now[LU_RAM_PAGES / 64 + 1], allowed[LU_RAM_PAGES / 64 + 1];
	const struct physr_chunk *c;
	phys_addr_t p;
	unsigned long i;

	memset(allowed, 0, sizeof(allowed));
	for (i = 0; i < nr_lists; i++)
		for (p = physr_first_chunk(&lists[i]); p;
		     p = le64_to_cpu(c->hdr.next)) {
			c = phys_to_virt(p);
			lu_allow(allowed, p);
		}
	if (arr && arr->hdr) {
		lu_allow(allowed, virt_to_phys(arr->hdr));
		for (i = 0; i < arr->nr_pages; i++)
			lu_allow(allowed, page_to_phys(arr->pages[i]));
		for (p = physr_first_chunk(&arr->list); p;
		     p = le64_to_cpu(c->hdr.next)) {
			c = phys_to_virt(p);
			lu_allow(allowed, p);
		}
	}
	lu_snapshot(now);
	for (i = 0; i < ARRAY_SIZE(now); i++)
		if ((before[i] & ~now[i]) & ~allowed[i])
			return false;
	return true;
}

static bool lu_taken_only(const unsigned long *before,
			  const struct luo_array *arr)
{
	return lu_taken_only_lists(before, arr, NULL, 0);
}

/* No RAM page restored and still held: all given back or still waiting. */
static bool lu_none_held(void)
{
	unsigned long i;

	for (i = 1; i < LU_RAM_PAGES; i++) {
		struct page *page = pfn_to_page(PHYS_PFN(FAKE_PHYS_BASE) + i);

		if (!PageReserved(page) && page->refcount)
			return false;
	}
	return true;
}

static bool lu_boot(const u8 *data, size_t size)
{
	u8 *ram = fakemem_window();
	const char *status;
	unsigned long i;

	lu_env_reset();
	lu_kho_boot_reset();
	memset(ram, 0, RAM_BYTES);
	memcpy(ram, data, size < RAM_BYTES ? size : RAM_BYTES);
	lu_baseline = lu_env_allocs();
	lu_env_fail_nth(ram[PAGE_SIZE - 1]);

	/* The architecture keeps its setup_data reserved. */
	memblock_reserve(FAKE_PHYS_BASE, PAGE_SIZE);
	kho_populate(FAKE_PHYS_BASE, PAGE_SIZE);
	kho_memblock_setup(0);
	kho_reserve_preserved();

	status = kho_in.status;
	if (!kho_is_incoming()) {
		unsigned int o;

		if (strncmp(status, "rejected: ", 10))
			return fail("not accepted, status \"%s\"", status);
		if (memblock.reserved.cnt != 1 ||
		    memblock.reserved.regions[0].base != FAKE_PHYS_BASE ||
		    memblock.reserved.regions[0].size != PAGE_SIZE)
			return fail("a rejected handover left memory reserved");
		for (o = 0; o < KHO_NR_ORDERS; o++)
			if (physr_nr_chunks(&kho_in.maps[o]) || kho_in.index[o] ||
			    kho_in.ref_bits[o])
				return fail("a rejected handover left lists");
		if (kho_in.metadata_bytes || kho_in.nr_reserved ||
		    kho_in.nr_refs || kho_in.ref_ranges)
			return fail("a rejected handover left counts");
		if (lu_env_allocs() != lu_baseline)
			return fail("a rejected handover leaked");
	} else {
		u64 rsv = 0, tagged = 0;

		if (strncmp(status, "accepted: ", 10))
			return fail("accepted, status \"%s\"", status);
		for (i = 0; i < memblock.reserved.cnt; i++) {
			const struct memblock_region *r =
				&memblock.reserved.regions[i];

			if (r->base < FAKE_PHYS_BASE || r->size > RAM_BYTES ||
			    r->base - FAKE_PHYS_BASE > RAM_BYTES - r->size)
				return fail("reserved %#llx+%#llx outside RAM",
					    (u64)r->base, (u64)r->size);
			rsv += r->size;
		}
		/*
		 * Exactly the handover is reserved: every page tagged waiting
		 * (the lists' ranges and the referenced lists' pages, the
		 * latter reserved from the runs of their bitmaps), the root
		 * and the chunks, beside the setup_data page.
		 */
		for (i = 0; kho_in.waiting && i < kho_in.waiting_nr; i++) {
			phys_addr_t p = PFN_PHYS(kho_in.waiting_base_pfn + i);

			if (!(kho_in.waiting[i / BITS_PER_LONG] &
			      (1UL << (i % BITS_PER_LONG))))
				continue;
			tagged++;
			if (!memblock_is_region_reserved(p, PAGE_SIZE))
				return fail("preserved page %#llx not reserved",
					    (u64)p);
		}
		if (rsv != PAGE_SIZE + kho_in.reserved_bytes ||
		    kho_in.reserved_bytes != tagged * PAGE_SIZE +
					     kho_in.metadata_bytes)
			return fail("reserved %llu B, %llu preserved pages, %llu B of metadata",
				    rsv, tagged, kho_in.metadata_bytes);
	}
	/* What mm init does with memblock-reserved memory. */
	for (i = 0; i < memblock.reserved.cnt; i++) {
		const struct memblock_region *r = &memblock.reserved.regions[i];
		phys_addr_t p;

		for (p = r->base; p < r->base + r->size; p += PAGE_SIZE) {
			SetPageReserved(pfn_to_page(PHYS_PFN(p)));
			init_page_count(pfn_to_page(PHYS_PFN(p)));
		}
	}
	return true;
}

/* Preserved pages of the accepted handover that nobody restored. */
static u64 lu_waiting_pages(void)
{
	struct physr_range r;
	struct physr_iter it;
	unsigned int o;
	phys_addr_t p;
	u64 n = 0;

	for (o = 0; o < KHO_NR_ORDERS; o++)
		physr_for_each_range(&kho_in.maps[o], &it, &r)
			for (p = r.phys; p < r.phys + r.len; p += PAGE_SIZE)
				n += PageReserved(pfn_to_page(PHYS_PFN(p)));
	/* The pages of the referenced lists (root v3), from their bitmaps. */
	for (o = 0; o < KHO_NR_ORDERS; o++) {
		unsigned long i;

		for (i = 0; kho_in.ref_bits[o] && i < kho_in.waiting_nr; i++)
			if (kho_in.ref_bits[o][i / BITS_PER_LONG] &
			    (1UL << (i % BITS_PER_LONG)))
				n += PageReserved(pfn_to_page(kho_in.waiting_base_pfn + i));
	}
	/* The reference array's pages (root v4): KHO's, freed as metadata. */
	return n - kho_in.ref_array_pages;
}

/* Finish, and check that every page went back and nothing leaked. */
static bool lu_finish(void)
{
	u64 waiting = kho_is_incoming() ? lu_waiting_pages() : 0;
	void *index[KHO_NR_ORDERS], *waiting_map = kho_in.waiting;
	void *ref_bits[KHO_NR_ORDERS];
	unsigned int o;
	unsigned long i;

	memcpy(index, kho_in.index, sizeof(index));
	memcpy(ref_bits, kho_in.ref_bits, sizeof(ref_bits));
	kho_finish();
	if (kho_is_incoming())
		return fail("still incoming after finish");
	if (kho_in.released_pages != waiting)
		return fail("finish released %llu pages of %llu waiting",
			    kho_in.released_pages, waiting);
	/* Only the setup_data page stays reserved. */
	for (i = 1; i < LU_RAM_PAGES; i++)
		if (PageReserved(pfn_to_page(PHYS_PFN(FAKE_PHYS_BASE) + i)))
			return fail("page %lu still reserved after finish", i);
	/*
	 * memblock memory of the index and of the bitmap of waiting pages
	 * is not the allocator's to free (in the kernel it is reserved
	 * memory, which finish releases).
	 */
	for (o = 0; o < KHO_NR_ORDERS; o++) {
		if (index[o])
			free_page((unsigned long)index[o]);
		if (ref_bits[o])
			free_page((unsigned long)ref_bits[o]);
	}
	if (waiting_map)
		free_page((unsigned long)waiting_map);
	if (lu_env_allocs() != lu_baseline)
		return fail("%ld allocations leaked",
			    lu_env_allocs() - lu_baseline);
	return true;
}

bool lu_fuzz_kho(const u8 *data, size_t size)
{
	phys_addr_t phys, p;
	unsigned int order;
	size_t sz;
	int ret;

	if (!lu_boot(data, size))
		return false;
	if (!kho_is_incoming())
		return lu_finish();

	ret = kho_retrieve_subtree(LUO_KHO_NAME, LUO_KHO_COMPATIBLE, &phys,
				   &sz);
	if (ret && ret != -ENOENT && ret != -EINVAL && ret != -EPROTONOSUPPORT)
		return fail("kho_retrieve_subtree: %d", ret);
	if (!ret && !kho_in_preserved(phys, sz))
		return fail("sub-blob outside preserved memory");

	/* Every other waiting folio comes back once, with its order. */
	for (p = FAKE_PHYS_BASE + PAGE_SIZE; p < RAM_END; p += PAGE_SIZE) {
		struct folio *folio;

		if (!kho_lookup(p, PAGE_SIZE, &order) ||
		    !kho_folio_waiting(p, order))
			continue;
		if (!kho_pages_waiting(p, 1UL << order))
			return fail("folio waiting, its pages not");
		if (((p - FAKE_PHYS_BASE) >> PAGE_SHIFT) % 2)
			continue;
		folio = kho_restore_folio(p);
		if (!folio || folio->page.order != order ||
		    page_to_phys(&folio->page) != p)
			return fail("waiting folio at %#llx not restored",
				    (u64)p);
		if (kho_folio_waiting(p, order) || kho_restore_folio(p))
			return fail("folio restored twice");
		folio_put(folio);
	}
	return lu_finish();
}

static bool lu_documented(int ret)
{
	if (ret == -ENOMEM)
		return lu_env_failed() || fakemem_failed();
	switch (ret) {
	case -EINVAL:
	case -EPROTONOSUPPORT:
	case -EOPNOTSUPP:
	case -EOVERFLOW:
	case -ERANGE:
	case -ELOOP:
	case -E2BIG:
		return true;
	}
	return false;
}

/*
 * Version 3, as memfd_luo_retrieve() reads it, with its own checks
 * (mm/memfd_luo_check.c): the header and the lists' chains checked in
 * place, the segment array and the lists taken, all checked, then every
 * folio restored through its order's list.
 */
static bool lu_memfd_v3(const struct luo_file *lf, struct memfd_luo_hdr *h)
{
	struct physr lists[MEMFD_LUO_NR_ORDERS];
	unsigned int o, max_order = SHMEM_MAX_ORDER, packed = 0;
	unsigned long taken = 0;
	u64 folios = 0;
	struct luo_array arr;
	bool has_arr = false;
	u64 e, j;
	int err;

	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		physr_init(&lists[o]);
	lu_snapshot(lu_rsv_before);
	err = memfd_luo_check_hdr(h, MEMFD_LUO_V3);
	if (!err)
		err = memfd_luo_v3_lists_ok(h, &o);
	if (!err && h->nr_entries) {
		err = luo_array_restore(&arr, le64_to_cpu(h->entries),
					sizeof(struct memfd_luo_seg));
		has_arr = !err;
	}
	if (!err)
		err = memfd_luo_v3_take_lists(h, lists, &taken, &o);
	if (!err && (le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB))
		max_order = le32_to_cpu(h->huge_order);
	if (!err)
		err = memfd_luo_validate_v3(h, has_arr ? &arr : NULL, lists,
					    max_order);
	if (!err)
		err = memfd_luo_check_folios_v3(lists);
	if (err) {
		/* The array and the lists' chunks may be taken, no folio. */
		bool only = lu_taken_only_lists(lu_rsv_before,
						has_arr ? &arr : NULL, lists,
						MEMFD_LUO_NR_ORDERS);

		lu_log("I fuzz: memfd record v3 of token %llu rejected (%d)\n",
		       (unsigned long long)lf->token, err);
		for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
			physr_destroy(&lists[o]);
		if (has_arr)
			luo_array_release(&arr);
		if (!lu_documented(err))
			return fail("memfd record v3: error %d", err);
		if (!only)
			return fail("a rejected memfd record v3 took pages");
		if (!lu_none_held())
			return fail("a rejected memfd record v3 holds pages");
		return true;
	}
	/* Accepted: every folio of every segment comes back, in list order. */
	{
		struct physr_iter its[MEMFD_LUO_NR_ORDERS];
		struct physr_range cur[MEMFD_LUO_NR_ORDERS] = {};

		for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
			physr_iter_init(&its[o], &lists[o]);
		for (e = 0; e < le64_to_cpu(h->nr_entries); e++) {
			struct memfd_luo_seg *seg = luo_array_elem(&arr, e);
			u64 block;

			o = le32_to_cpu(seg->order);
			block = PAGE_SIZE << o;
			for (j = 0; j < le32_to_cpu(seg->nr_pages) >> o; j++) {
				struct folio *folio;

				if (!cur[o].len &&
				    !physr_iter_next(&its[o], &cur[o]))
					return fail("accepted v3 list of order %u too short",
						    o);
				folio = kho_restore_folio(cur[o].phys);
				if (!folio || folio->page.order != o)
					return fail("accepted memfd folio %#llx not restored",
						    (u64)cur[o].phys);
				folio_put(folio);
				cur[o].phys += block;
				cur[o].len -= block;
				folios++;
			}
		}
	}
	/* The lists as their owner handed them over: packed or not. */
	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		packed += physr_is_packed(&lists[o]);
	lu_log("I fuzz: memfd record v3 of token %llu restored: %llu folios, %u packed lists\n",
	       (unsigned long long)lf->token, (unsigned long long)folios,
	       packed);
	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		physr_destroy(&lists[o]);
	if (has_arr)
		luo_array_release(&arr);
	return true;
}

/* memfd_luo_retrieve()'s checks, in its order, on one record. */
static bool lu_memfd(const struct luo_file *lf)
{
	unsigned int i, v, max_order = SHMEM_MAX_ORDER;
	struct memfd_luo_item it;
	struct memfd_luo_hdr *h;
	struct luo_array arr;
	bool has_arr = false;
	u64 e, j, nr;
	phys_addr_t phys;
	int err;

	/* LUO hands the handler the first version it reads. */
	for (i = 0; i < lf->nr_versions; i++)
		if (lf->versions[i] == MEMFD_LUO_V1 ||
		    lf->versions[i] == MEMFD_LUO_V2 ||
		    lf->versions[i] == MEMFD_LUO_V3)
			break;
	if (i == lf->nr_versions)
		return true;
	v = lf->versions[i];
	phys = lf->data[i];
	if (!kho_folio_waiting(phys, 0))
		return true;
	h = phys_to_virt(phys);
	if (v == MEMFD_LUO_V3)
		return lu_memfd_v3(lf, h);
	lu_snapshot(lu_rsv_before);
	err = memfd_luo_check_hdr(h, v);
	if (!err && h->nr_entries) {
		err = luo_array_restore(&arr, le64_to_cpu(h->entries),
					v == MEMFD_LUO_V2 ?
					sizeof(struct memfd_luo_run) :
					sizeof(struct memfd_luo_folio));
		has_arr = !err;
	}
	if (!err && (le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB))
		max_order = le32_to_cpu(h->huge_order);
	if (!err)
		err = memfd_luo_validate(h, has_arr ? &arr : NULL, v,
					 max_order);
	if (!err)
		err = memfd_luo_check_folios(&arr, v,
					     le64_to_cpu(h->nr_entries));
	if (err) {
		/* The record's own array may be taken; no folio may be. */
		bool only = lu_taken_only(lu_rsv_before, has_arr ? &arr : NULL);

		lu_log("I fuzz: memfd record v%u of token %llu rejected (%d)\n",
		       v, (unsigned long long)lf->token, err);
		if (!lu_documented(err))
			return fail("memfd record: error %d", err);
		if (has_arr)
			luo_array_release(&arr);
		if (!only)
			return fail("a rejected memfd record took pages");
		if (!lu_none_held())
			return fail("a rejected memfd record holds pages");
		return true;
	}
	/* Accepted: every folio it names must come back, once. */
	nr = le64_to_cpu(h->nr_entries);
	for (e = 0; e < nr; e++) {
		memfd_luo_get_item(&arr, v, e, &it);
		for (j = 0; j < it.nr_folios; j++) {
			phys_addr_t p = it.phys + ((j << it.order) << PAGE_SHIFT);
			struct folio *folio = kho_restore_folio(p);

			if (!folio || folio->page.order != it.order)
				return fail("accepted memfd folio %#llx not restored",
					    (u64)p);
			folio_put(folio);
		}
	}
	if (has_arr)
		luo_array_release(&arr);
	return true;
}

bool lu_fuzz_luo(const u8 *data, size_t size)
{
	struct luo_session *session, *stmp;
	struct luo_file *lf, *ftmp;
	struct folio *folio;
	phys_addr_t phys;
	size_t sz;
	int ret;

	if (!lu_boot(data, size))
		return false;
	/* luo_read_incoming()'s steps. */
	if (kho_retrieve_subtree(LUO_KHO_NAME, LUO_KHO_COMPATIBLE, &phys, &sz))
		return lu_finish();
	folio = sz == PAGE_SIZE ? kho_restore_folio(phys) : NULL;
	if (!folio)
		return lu_finish();
	ret = luo_state_parse(folio_address(folio));
	if (ret == -ENOMEM) {
		/*
		 * Out of memory (the injected failure, which happens once):
		 * nothing may be lost, the retry of luo_accept() goes on to
		 * the outcome a run without the failure has.
		 */
		if (!lu_documented(ret))
			return fail("luo_state_parse: undocumented error %d", ret);
		if (!list_empty(&luo_incoming))
			return fail("an accept out of memory left sessions");
		ret = luo_state_parse(folio_address(folio));
		if (ret == -ENOMEM)
			return fail("the retry of an accept ran out of memory again");
	}
	folio_put(folio);
	if (ret) {
		if (!lu_documented(ret))
			return fail("luo_state_parse: undocumented error %d", ret);
		if (!list_empty(&luo_incoming))
			return fail("a rejected state left sessions");
		if (!lu_none_held())
			return fail("a rejected state holds pages");
		if (!lu_env_logged("no session restored"))
			return fail("a rejected state without its message");
		return lu_finish();
	}

	/* Accepted: what the ABI allows, then each memfd record. */
	list_for_each_entry(session, &luo_incoming, list) {
		struct luo_session *other;
		size_t n = 0;

		if (!session->name[0] || !session->incoming)
			return fail("bad incoming session");
		list_for_each_entry(other, &luo_incoming, list)
			if (other != session && !strcmp(other->name, session->name))
				return fail("two sessions named %s", session->name);
		list_for_each_entry(lf, &session->files, list) {
			struct luo_file *lf2;

			n++;
			if (!lf->nr_versions || lf->nr_versions > LIVEUPDATE_MAX_VERSIONS)
				return fail("bad file versions");
			list_for_each_entry(lf2, &session->files, list)
				if (lf2 != lf && lf2->token == lf->token)
					return fail("token twice");
			if (!strcmp(lf->compatible, "memfd") &&
			    !lu_memfd(lf))
				return false;
		}
		if (n != session->nr_files || n > luo_max_files)
			return fail("file count");
	}
	list_for_each_entry_safe(session, stmp, &luo_incoming, list) {
		list_for_each_entry_safe(lf, ftmp, &session->files, list) {
			list_del(&lf->list);
			kfree(lf);
		}
		list_del(&session->list);
		kfree(session);
	}
	return lu_finish();
}
