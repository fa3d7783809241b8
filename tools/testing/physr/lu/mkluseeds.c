// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds of the live update fuzzers: RAM images (see lu_harness.h) of
 * valid handovers, laid out as a kernel lays them out, and of each kind of
 * damage the kernel tests use (testbed/tests/kho_corrupt.c,
 * luo_state_corrupt.c, memfd_corrupt.c), an array count that wraps, and
 * the full handover with each of its first 16 allocations failing.
 *
 *   mkluseeds DIR    writes DIR/<name> for every seed
 *
 * The layout of the full handover, by page of the image:
 *   0 setup_data (one scratch area: the LU_SCRATCH_PAGES after RAM)
 *   1 KHO root FDT: preserved-memory lists of order 0 and 2, sub-blob
 *     "liveupdate" at page 4
 *   2, 3 the order 0 and order 2 lists (one chunk each)
 *   4 LUO state
 *   5-7 session array (header, physr chunk, elements): s1, s2
 *   8-10 file array: tokens 10 and 11 in s1 (memfd, v2 then v1), 12 in s2
 *   11-14 memfd record v2 of token 10 (header, run array)
 *   15-18 memfd record v1 of token 10
 *   20-23 memfd record v2 of token 11, hugetlb-less, empty
 *   32-33 two order-0 folios, 36-39 one order-2 folio: the memfd's data
 * and, in the seeds of full_v3(), token 10's record v3 first:
 *   24 its header (with the list references), 25-27 its segment array,
 *   28, 29 its folio lists of orders 0 and 2 (the order-0 preserved-memory
 *   list grows to pages 4-29 for them)
 * The seeds of referenced lists (kho-ref-*: root v3, kho-refarray-*: root
 * v4) have the lists' chunks at pages 24 and 25, their ranges at 44-59,
 * and in root v4 the reference array at page 26.
 *
 * Chunks are written in physr chunk layout version 1; pack() rewrites one
 * in place in the packed layout (version 2), for the seeds of referenced
 * lists as their owners hand them over packed (memfd's folio lists), and
 * of the lists that must stay version 1 (KHO's maps, a luo_array's pages).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>
#include "lu_kernel.h"
#include <linux/fcntl.h>
#include <linux/kexec_handover_abi.h>
#include <linux/memfd_luo_abi.h>
#include "../../../../kernel/liveupdate/luo_internal.h"
#include "../fakemem.h"
#include "lu_env.h"

#define PG(n)		(FAKE_PHYS_BASE + (u64)(n) * PAGE_SIZE)
#define RAM_BYTES	(LU_RAM_PAGES * PAGE_SIZE)

static u8 img[RAM_BYTES];
static const char *outdir;
static int nr_seeds;

static void *page(unsigned int n)
{
	return img + (size_t)n * PAGE_SIZE;
}

/* One physr chunk at page @at, RAM kind, listing @n ranges of pages. */
static void chunk(unsigned int at, const u64 (*ranges)[2], unsigned int n,
		  u64 next)
{
	struct physr_chunk *c = page(at);
	unsigned int i;

	c->hdr.magic = cpu_to_le32(PHYSR_CHUNK_MAGIC);
	c->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION);
	c->hdr.hdr_size = cpu_to_le16(sizeof(c->hdr));
	c->hdr.chunk_size = cpu_to_le32(PAGE_SIZE);
	c->hdr.count = cpu_to_le32(n);
	c->hdr.next = cpu_to_le64(next);
	c->hdr.kind = cpu_to_le32(PHYSR_ABI_KIND_RAM);
	c->hdr.flags = 0;
	for (i = 0; i < n; i++) {
		c->ranges[i].phys = cpu_to_le64(PG(ranges[i][0]));
		c->ranges[i].len = cpu_to_le64(ranges[i][1] * PAGE_SIZE);
	}
}

/*
 * The chunk at page @at rewritten in place in the packed layout (version
 * 2): the same page-granular ranges, one __le64 each.
 */
static void pack(unsigned int at)
{
	struct physr_chunk *c = page(at);
	__le64 *e = (__le64 *)c->ranges;
	u32 i, n = le32_to_cpu(c->hdr.count);

	/* Entry i goes where entry i / 2 was: read before it is written. */
	for (i = 0; i < n; i++) {
		u64 pfn = le64_to_cpu(c->ranges[i].phys) >> PAGE_SHIFT;
		u64 pages = le64_to_cpu(c->ranges[i].len) >> PAGE_SHIFT;

		e[i] = cpu_to_le64(pfn | (pages - 1) << PHYSR_PACKED_PFN_BITS);
	}
	memset(e + n, 0, PAGE_SIZE - sizeof(c->hdr) - n * sizeof(*e));
	c->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION_PACKED);
}

/* A luo_array of @nr elements of @size, header at @at, list at @at + 1. */
static void *array(unsigned int at, u32 size, u64 nr)
{
	struct luo_array_hdr *h = page(at);
	const u64 r[1][2] = { { at + 2, 1 } };

	h->magic = cpu_to_le32(LUO_ARRAY_MAGIC);
	h->version = cpu_to_le32(LUO_ARRAY_VERSION);
	h->elem_size = cpu_to_le32(size);
	h->per_page = cpu_to_le32(PAGE_SIZE / size);
	h->nr = cpu_to_le64(nr);
	h->nr_pages = cpu_to_le64(1);
	h->pages = cpu_to_le64(PG(at + 1));
	chunk(at + 1, r, 1, 0);
	return page(at + 2);
}

/*
 * Page 0: the setup_data payload (upstream's struct kho_data) and, right
 * after it, the array of scratch areas it names.
 */
static void setup(u64 root, unsigned int nr_scratch)
{
	struct kho_data *kd = page(0);
	struct kho_scratch_abi *sa = (void *)(kd + 1);

	kd->fdt_addr = cpu_to_le64(root);
	kd->fdt_size = cpu_to_le64(PAGE_SIZE);
	kd->scratch_addr = cpu_to_le64(PG(0) + sizeof(*kd));
	kd->scratch_size = cpu_to_le64(nr_scratch * sizeof(*sa));
	sa[0].addr = cpu_to_le64(PG(LU_RAM_PAGES));
	sa[0].size = cpu_to_le64(LU_SCRATCH_PAGES * PAGE_SIZE);
}

/* Referenced lists for the next root() (version 3), and their size. */
static const fdt64_t *ref_cells;
static int ref_len;
/* The reference array for the next root() (version 4): page, entries. */
static const fdt64_t *ref_array;

/* The root at page 1: lists of orders 0 and 2, and LUO's sub-blob. */
static void root(const char *compat, bool luo)
{
	void *fdt = page(1);
	fdt64_t cells[4] = {
		cpu_to_fdt64(0), cpu_to_fdt64(PG(2)),
		cpu_to_fdt64(2), cpu_to_fdt64(PG(3)),
	};
	int err;

	err = fdt_create(fdt, PAGE_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", compat);
	/* Version 2 and later say in which pages the orders count. */
	if (strcmp(compat, KHO_FDT_COMPATIBLE_V1))
		err = err ?: fdt_property_u32(fdt, KHO_FDT_PROP_PAGE_SHIFT,
					      PAGE_SHIFT);
	err = err ?: fdt_property(fdt, KHO_FDT_PROP_MEM, cells, sizeof(cells));
	if (ref_len)
		err = err ?: fdt_property(fdt, KHO_FDT_PROP_REF, ref_cells,
					  ref_len);
	if (ref_array)
		err = err ?: fdt_property(fdt, KHO_FDT_PROP_REF_ARRAY,
					  ref_array, 2 * sizeof(*ref_array));
	if (luo) {
		err = err ?: fdt_begin_node(fdt, LUO_KHO_NAME);
		err = err ?: fdt_property_string(fdt, "compatible",
						 LUO_KHO_COMPATIBLE);
		err = err ?: fdt_property_u64(fdt, KHO_FDT_PROP_BLOB_PHYS, PG(4));
		err = err ?: fdt_property_u64(fdt, KHO_FDT_PROP_BLOB_SIZE,
					      PAGE_SIZE);
		err = err ?: fdt_end_node(fdt);
	}
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err) {
		fprintf(stderr, "mkluseeds: fdt: %s\n", fdt_strerror(err));
		exit(1);
	}
}

/* The preserved-memory lists of the full handover. */
static void kho_lists(void)
{
	const u64 o0[][2] = { { 4, 20 }, { 32, 2 } };
	const u64 o2[][2] = { { 36, 4 } };

	chunk(2, o0, 2, 0);
	chunk(3, o2, 1, 0);
}

static struct memfd_luo_hdr *memfd_hdr(unsigned int at, u32 version,
				       u64 nr_entries, u64 entries)
{
	struct memfd_luo_hdr *h = page(at);

	h->magic = cpu_to_le64(MEMFD_LUO_MAGIC);
	h->version = cpu_to_le32(version);
	h->size = cpu_to_le64(8 * PAGE_SIZE);
	h->pos = cpu_to_le64(100);
	h->seals = cpu_to_le32(F_SEAL_SEAL);
	h->mode = cpu_to_le32(0600);
	h->nr_pages = cpu_to_le64(nr_entries ? 6 : 0);
	h->nr_folios = cpu_to_le64(nr_entries ? 3 : 0);
	h->nr_entries = cpu_to_le64(nr_entries);
	h->entries = cpu_to_le64(entries);
	snprintf(h->name, sizeof(h->name), "memfd:seed");
	h->name_len = cpu_to_le32(strlen(h->name));
	return h;
}

static void file(struct luo_file_abi *f, u64 token, u32 v0, u64 d0, u32 v1,
		 u64 d1)
{
	snprintf(f->compatible, sizeof(f->compatible), "memfd");
	f->token = cpu_to_le64(token);
	f->nr_versions = cpu_to_le32(v1 ? 2 : 1);
	f->version[0] = cpu_to_le32(v0);
	f->data[0] = cpu_to_le64(d0);
	f->version[1] = cpu_to_le32(v1);
	f->data[1] = cpu_to_le64(d1);
}

/* The full handover: KHO, LUO's state, two sessions, three memfds. */
static void full(void)
{
	struct luo_state_abi *st = page(4);
	struct luo_session_abi *s;
	struct luo_file_abi *f;
	struct memfd_luo_run *run;
	struct memfd_luo_folio *fo;

	memset(img, 0, sizeof(img));
	setup(PG(1), 1);
	root(KHO_FDT_COMPATIBLE, true);
	kho_lists();
	st->magic = cpu_to_le32(LUO_STATE_MAGIC);
	st->version = cpu_to_le32(LUO_STATE_VERSION);
	snprintf(st->release, sizeof(st->release), "6.12-seed");
	st->nr_sessions = cpu_to_le64(2);
	st->sessions = cpu_to_le64(PG(5));
	st->nr_files = cpu_to_le64(3);
	st->files = cpu_to_le64(PG(8));
	s = array(5, sizeof(*s), 2);
	snprintf((char *)s[0].name, sizeof(s[0].name), "s1");
	s[0].first_file = cpu_to_le64(0);
	s[0].nr_files = cpu_to_le64(2);
	snprintf((char *)s[1].name, sizeof(s[1].name), "s2");
	s[1].first_file = cpu_to_le64(2);
	s[1].nr_files = cpu_to_le64(1);
	f = array(8, sizeof(*f), 3);
	file(&f[0], 10, MEMFD_LUO_V2, PG(11), MEMFD_LUO_V1, PG(15));
	file(&f[1], 11, MEMFD_LUO_V2, PG(20), 0, 0);
	snprintf(f[2].compatible, sizeof(f[2].compatible), "luo-test");
	f[2].token = cpu_to_le64(12);
	f[2].nr_versions = cpu_to_le32(1);
	f[2].version[0] = cpu_to_le32(1);
	f[2].data[0] = cpu_to_le64(12345);
	/* v2: a run of two order-0 folios, one order-2 folio. */
	memfd_hdr(11, MEMFD_LUO_V2, 2, PG(12));
	run = array(12, sizeof(*run), 2);
	run[0].phys = cpu_to_le64(PG(32));
	run[0].index = cpu_to_le64(0);
	run[0].nr_folios = cpu_to_le32(2);
	run[0].order = cpu_to_le32(0);
	run[1].phys = cpu_to_le64(PG(36));
	run[1].index = cpu_to_le64(4);
	run[1].nr_folios = cpu_to_le32(1);
	run[1].order = cpu_to_le32(2);
	/* v1 of the same file: one entry per folio. */
	memfd_hdr(15, MEMFD_LUO_V1, 3, PG(16));
	fo = array(16, sizeof(*fo), 3);
	fo[0].phys_order = cpu_to_le64(PG(32));
	fo[0].index = cpu_to_le64(0);
	fo[1].phys_order = cpu_to_le64(PG(33));
	fo[1].index = cpu_to_le64(1);
	fo[2].phys_order = cpu_to_le64(PG(36) | 2);
	fo[2].index = cpu_to_le64(4);
	/* An empty memfd. */
	memfd_hdr(20, MEMFD_LUO_V2, 0, 0);
}

/*
 * full() with a record version 3 for token 10, read by preference: two
 * segments (pages 0-1 of order 0, pages 4-7 of order 2) over one list per
 * order.
 */
static void full_v3(void)
{
	const u64 o0[][2] = { { 4, 26 }, { 32, 2 } };
	const u64 l0[][2] = { { 32, 2 } };
	const u64 l2[][2] = { { 36, 4 } };
	struct memfd_luo_v3_lists *refs;
	struct memfd_luo_seg *seg;
	struct luo_file_abi *f;

	full();
	chunk(2, o0, 2, 0);
	f = (struct luo_file_abi *)page(10);
	f->nr_versions = cpu_to_le32(3);
	f->version[0] = cpu_to_le32(MEMFD_LUO_V3);
	f->data[0] = cpu_to_le64(PG(24));
	f->version[1] = cpu_to_le32(MEMFD_LUO_V2);
	f->data[1] = cpu_to_le64(PG(11));
	f->version[2] = cpu_to_le32(MEMFD_LUO_V1);
	f->data[2] = cpu_to_le64(PG(15));
	memfd_hdr(24, MEMFD_LUO_V3, 2, PG(25));
	refs = (void *)((u8 *)page(24) + MEMFD_LUO_V3_LISTS);
	refs->lists[0].first = cpu_to_le64(PG(28));
	refs->lists[0].nr_pages = cpu_to_le64(2);
	refs->lists[2].first = cpu_to_le64(PG(29));
	refs->lists[2].nr_pages = cpu_to_le64(4);
	seg = array(25, sizeof(*seg), 2);
	seg[0].index = cpu_to_le64(0);
	seg[0].nr_pages = cpu_to_le32(2);
	seg[0].order = cpu_to_le32(0);
	seg[1].index = cpu_to_le64(4);
	seg[1].nr_pages = cpu_to_le32(4);
	seg[1].order = cpu_to_le32(2);
	chunk(28, l0, 1, 0);
	chunk(29, l2, 1, 0);
}

static struct memfd_luo_seg *v3_seg(unsigned int i)
{
	return (struct memfd_luo_seg *)page(27) + i;
}

static struct memfd_luo_v3_lists *v3_refs(void)
{
	return (void *)((u8 *)page(24) + MEMFD_LUO_V3_LISTS);
}

static void emit(const char *name)
{
	char path[4096];
	size_t len = sizeof(img);
	FILE *fp;

	/* Trailing zero pages are implied. */
	while (len > PAGE_SIZE && !img[len - 1])
		len--;
	snprintf(path, sizeof(path), "%s/seed-%s", outdir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(img, 1, len, fp) != len || fclose(fp)) {
		perror(path);
		exit(1);
	}
	nr_seeds++;
}

static struct luo_state_abi *state(void)
{
	return page(4);
}

static struct luo_session_abi *sess(unsigned int i)
{
	return (struct luo_session_abi *)page(7) + i;
}

static struct luo_file_abi *lfile(unsigned int i)
{
	return (struct luo_file_abi *)page(10) + i;
}

int main(int argc, char **argv)
{
	struct physr_chunk *c;
	struct memfd_luo_hdr *h;
	struct luo_array_hdr *a;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];

	/* KHO alone, valid, without and with LUO. */
	memset(img, 0, sizeof(img));
	setup(PG(1), 1);
	root(KHO_FDT_COMPATIBLE, false);
	kho_lists();
	emit("kho-valid");
	full();
	emit("full-valid");

	/*
	 * Root v3 with two referenced lists, of orders 0 and 2, their
	 * ranges out of address order, their chunks (pages 24, 25)
	 * preserved pages of the order-0 list; then one whose range lies
	 * on a page the order-0 list holds already; then two whose pages
	 * overlap among the referenced lists; then one whose chunks are
	 * not preserved.
	 */
	{
		const u64 o0[][2] = { { 4, 20 }, { 24, 2 }, { 32, 2 } };
		const u64 o0_nochunks[][2] = { { 4, 20 }, { 32, 2 } };
		const u64 o2[][2] = { { 36, 4 } };
		const u64 r0[][2] = { { 50, 1 }, { 44, 2 }, { 48, 1 } };
		const u64 r2[][2] = { { 56, 4 }, { 52, 4 } };
		const fdt64_t refs[8] = {
			cpu_to_fdt64(0), cpu_to_fdt64(PG(24)),
			cpu_to_fdt64(3), cpu_to_fdt64(4 * PAGE_SIZE),
			cpu_to_fdt64(2), cpu_to_fdt64(PG(25)),
			cpu_to_fdt64(2), cpu_to_fdt64(8 * PAGE_SIZE),
		};

		memset(img, 0, sizeof(img));
		setup(PG(1), 1);
		ref_cells = refs;
		ref_len = sizeof(refs);
		root(KHO_FDT_COMPATIBLE_PREFIX "3", false);
		chunk(2, o0, 3, 0);
		chunk(3, o2, 1, 0);
		chunk(24, r0, 3, 0);
		chunk(25, r2, 2, 0);
		emit("kho-ref-valid");
		/* The same lists packed, as their owners may hand them over. */
		pack(24);
		pack(25);
		emit("kho-ref-packed-valid");
		chunk(24, r0, 3, 0);
		chunk(25, r2, 2, 0);
		/*
		 * Two preserved-memory lists overlapping (order 0 on the
		 * order-2 block), each valid alone, beside referenced lists:
		 * the runs of the bitmap of waiting pages would hide it from
		 * the reservation, so tagging them must find it.
		 */
		((struct physr_chunk *)page(2))->ranges[2].phys =
			cpu_to_le64(PG(36));
		emit("kho-ref-maps-overlap");
		((struct physr_chunk *)page(2))->ranges[2].phys =
			cpu_to_le64(PG(32));
		((struct physr_chunk *)page(24))->ranges[1].phys =
			cpu_to_le64(PG(6));
		emit("kho-ref-overlap");
		/*
		 * A page twice in the same list, then a page of the order-0
		 * list inside a block of the order-2 one: each list valid on
		 * its own, tagged page by page (a single page inline).
		 */
		((struct physr_chunk *)page(24))->ranges[1].phys =
			cpu_to_le64(PG(44));
		((struct physr_chunk *)page(24))->ranges[2].phys =
			cpu_to_le64(PG(50));
		emit("kho-ref-dup");
		((struct physr_chunk *)page(24))->ranges[2].phys =
			cpu_to_le64(PG(53));
		emit("kho-ref-refs-overlap");
		((struct physr_chunk *)page(24))->ranges[2].phys =
			cpu_to_le64(PG(48));
		/* The list's chunks not preserved: the order-0 list without them. */
		((struct physr_chunk *)page(24))->ranges[1].phys =
			cpu_to_le64(PG(44));
		chunk(2, o0_nochunks, 2, 0);
		emit("kho-ref-chunk-unpreserved");
		ref_cells = NULL;
		ref_len = 0;
	}

	/*
	 * Root v4: the same two referenced lists through a reference array
	 * at page 26, a preserved page of the order-0 list; then each kind
	 * of damage of the array that kho_corrupt makes, and more.
	 */
	{
		const u64 o0[][2] = { { 4, 20 }, { 24, 3 }, { 32, 2 } };
		const u64 o0_noarray[][2] = { { 4, 20 }, { 24, 2 }, { 32, 2 } };
		const u64 o2[][2] = { { 36, 4 } };
		const u64 r0[][2] = { { 50, 1 }, { 44, 2 }, { 48, 1 } };
		const u64 r2[][2] = { { 56, 4 }, { 52, 4 } };
		const fdt64_t arr[2] = { cpu_to_fdt64(PG(26)), cpu_to_fdt64(2) };
		const fdt64_t refs[4] = {
			cpu_to_fdt64(0), cpu_to_fdt64(PG(24)),
			cpu_to_fdt64(3), cpu_to_fdt64(4 * PAGE_SIZE),
		};
		struct kho_ref_array_hdr *h = page(26);
		struct kho_ref_entry *e = (void *)(h + 1);

#define REFARRAY()							\
	do {								\
		memset(img, 0, sizeof(img));				\
		setup(PG(1), 1);					\
		ref_array = arr;					\
		root(KHO_FDT_COMPATIBLE, false);			\
		chunk(2, o0, 3, 0);					\
		chunk(3, o2, 1, 0);					\
		chunk(24, r0, 3, 0);					\
		chunk(25, r2, 2, 0);					\
		h->magic = cpu_to_le32(KHO_REF_ARRAY_MAGIC);		\
		h->version = cpu_to_le16(KHO_REF_ARRAY_VERSION);	\
		h->count = cpu_to_le32(2);				\
		e[0].first = cpu_to_le64(PG(24));			\
		e[0].nr_ranges = cpu_to_le64(3);			\
		e[0].bytes = cpu_to_le64(4 * PAGE_SIZE);		\
		e[1].first = cpu_to_le64(PG(25));			\
		e[1].nr_ranges = cpu_to_le64(2);			\
		e[1].bytes = cpu_to_le64(8 * PAGE_SIZE);		\
		e[1].order = cpu_to_le32(2);				\
	} while (0)

		REFARRAY();
		emit("kho-refarray-valid");
		/*
		 * Packed referenced lists: both, valid; one beside one in
		 * version 1; a packed chunk counting more entries than a
		 * packed chunk holds; one counting an entry more than it has
		 * (a zero entry reads as the first page: in no list).
		 */
		REFARRAY();
		pack(24);
		pack(25);
		emit("kho-refarray-packed-valid");
		REFARRAY();
		pack(25);
		emit("kho-refarray-packed-mixed");
		REFARRAY();
		pack(25);
		((struct physr_chunk *)page(25))->hdr.count =
			cpu_to_le32(PHYSR_PACKED_CAPACITY(PAGE_SIZE) + 1);
		emit("kho-refarray-packed-count");
		REFARRAY();
		pack(24);
		((struct physr_chunk *)page(24))->hdr.count = cpu_to_le32(4);
		emit("kho-refarray-packed-extra");
		REFARRAY();
		h->magic ^= cpu_to_le32(1);
		emit("kho-refarray-magic");
		REFARRAY();
		h->next = cpu_to_le64(PG(LU_RAM_PAGES + LU_SCRATCH_PAGES + 64));
		emit("kho-refarray-next");
		REFARRAY();
		h->next = cpu_to_le64(PG(26));
		emit("kho-refarray-loop");
		REFARRAY();
		h->count = cpu_to_le32(KHO_REF_ARRAY_PER_PAGE(PAGE_SIZE) + 1);
		emit("kho-refarray-count");
		REFARRAY();
		h->version = cpu_to_le16(KHO_REF_ARRAY_VERSION + 1);
		emit("kho-refarray-newer");
		REFARRAY();
		h->reserved2 = cpu_to_le64(1);
		emit("kho-refarray-reserved");
		REFARRAY();
		e[1].reserved = cpu_to_le32(1);
		emit("kho-refarray-entry-reserved");
		REFARRAY();
		e[1].nr_ranges = cpu_to_le64(3);
		emit("kho-refarray-ref-count");
		/* The array's page not preserved: the order-0 list without it. */
		REFARRAY();
		chunk(2, o0_noarray, 3, 0);
		emit("kho-refarray-unpreserved");
		/* The array in the scratch area (outside the image). */
		REFARRAY();
		ref_array = (const fdt64_t[2]){ cpu_to_fdt64(PG(LU_RAM_PAGES)),
						cpu_to_fdt64(2) };
		root(KHO_FDT_COMPATIBLE, false);
		emit("kho-refarray-scratch");
		/* A v4 root with the version 3 property too. */
		REFARRAY();
		ref_cells = refs;
		ref_len = sizeof(refs);
		root(KHO_FDT_COMPATIBLE, false);
		emit("kho-refarray-v3-property");
		ref_cells = NULL;
		ref_len = 0;
		/* More entries announced than the array has. */
		REFARRAY();
		ref_array = (const fdt64_t[2]){ cpu_to_fdt64(PG(26)),
						cpu_to_fdt64(3) };
		root(KHO_FDT_COMPATIBLE, false);
		emit("kho-refarray-total");
		ref_array = NULL;
#undef REFARRAY
	}

	/* Every core format in version 1, as kho.write_version=1 writes. */
	full();
	root(KHO_FDT_COMPATIBLE_V1, true);
	state()->version = cpu_to_le32(1);
	memset(state()->release, 0, sizeof(state()->release));
	((struct luo_array_hdr *)page(5))->version = cpu_to_le32(1);
	((struct luo_array_hdr *)page(5))->per_page = 0;
	((struct luo_array_hdr *)page(8))->version = cpu_to_le32(1);
	((struct luo_array_hdr *)page(8))->per_page = 0;
	emit("full-v1");

	/* Versions newer than this kernel reads, and a foreign page size. */
	full();
	root(KHO_FDT_COMPATIBLE_PREFIX "5", true);
	emit("kho-newer");
	full();
	((struct physr_chunk *)page(2))->hdr.version =
		cpu_to_le16(PHYSR_CHUNK_VERSION_MAX + 1);
	emit("kho-chunk-newer");
	/*
	 * Packed chunks where only version 1 is read: a preserved-memory
	 * list (kho_adopt_maps()), the page list of LUO's file array
	 * (luo_array_check_list()).
	 */
	full();
	pack(2);
	emit("kho-maps-packed");
	full();
	pack(3);
	emit("kho-maps-packed-order2");
	full();
	pack(9);
	emit("luo-array-packed");
	full();
	fdt_setprop_inplace_u32(page(1), 0, KHO_FDT_PROP_PAGE_SHIFT,
				PAGE_SHIFT + 2);
	emit("kho-page-shift");
	full();
	((struct luo_array_hdr *)page(5))->version =
		cpu_to_le32(LUO_ARRAY_VERSION + 1);
	emit("luo-array-newer");
	full();
	((struct luo_array_hdr *)page(8))->per_page = cpu_to_le32(PAGE_SIZE);
	emit("luo-array-per-page");
	full();
	memset(state()->release, 'x', sizeof(state()->release));
	emit("luo-release-nul");

	/* kho_corrupt's kinds, and the setup_data. */
	full();
	root("linux,kho-physr-v0", true);
	emit("kho-compatible");
	full();
	((struct physr_chunk *)page(2))->hdr.magic ^= cpu_to_le32(1);
	emit("kho-magic");
	full();
	((struct physr_chunk *)page(2))->hdr.next = cpu_to_le64(PG(2));
	emit("kho-cycle");
	full();
	c = page(3);
	c->ranges[0].phys = cpu_to_le64(PG(LU_RAM_PAGES + LU_SCRATCH_PAGES + 64));
	emit("kho-outside-ram");
	full();
	((struct physr_chunk *)page(2))->hdr.count = cpu_to_le32(1000);
	emit("kho-count");
	full();
	setup(PG(1), 0);
	emit("kho-setup-scratch");
	full();
	/* Found by fuzz_kho: a scratch array at an odd address. */
	((struct kho_data *)page(0))->scratch_addr =
		cpu_to_le64(PG(0) + sizeof(struct kho_data) + 3);
	emit("kho-scratch-misaligned");
	full();
	c = page(2);
	c->ranges[1].phys = cpu_to_le64(PG(2));
	emit("kho-chunk-preserved");
	full();
	setup(PG(4), 1);
	emit("kho-root-preserved");
	full();
	c = page(3);
	c->ranges[0].phys = cpu_to_le64(PG(34));
	emit("kho-misaligned");
	/* kho_corrupt's overlap: each list valid alone, not together. */
	full();
	c = page(2);
	c->ranges[1].phys = cpu_to_le64(PG(36));
	emit("kho-overlap");

	/* luo_state_corrupt's kinds. */
	full();
	state()->magic ^= cpu_to_le32(1);
	emit("luo-magic");
	full();
	state()->version = cpu_to_le32(LUO_STATE_VERSION + 1);
	emit("luo-version");
	full();
	sess(0)->nr_files = cpu_to_le64(1002);
	emit("luo-file-range");
	full();
	memcpy(sess(1)->name, sess(0)->name, sizeof(sess(0)->name));
	emit("luo-dup-name");
	full();
	lfile(0)->nr_versions = 0;
	emit("luo-nr-versions");
	full();
	lfile(1)->token = lfile(0)->token;
	emit("luo-dup-token");
	full();
	memset(sess(0)->name, 'x', sizeof(sess(0)->name));
	emit("luo-name-nul");
	full();
	state()->nr_files = cpu_to_le64(2);
	emit("luo-count");

	/* luo_array's: defect 1 (a count that wraps), and a bad list. */
	full();
	a = page(8);
	a->nr = cpu_to_le64(-(u64)(PAGE_SIZE / sizeof(struct luo_file_abi)) + 1);
	a->nr_pages = 0;
	a->pages = 0;
	state()->nr_files = a->nr;
	emit("array-wrap");
	full();
	a = page(5);
	a->nr_pages = cpu_to_le64(2);
	emit("array-pages");
	full();
	a = page(5);
	a->pages = cpu_to_le64(PG(7));
	emit("array-list");
	/* Pages named twice: found by fuzz_luo (-EBUSY after taking some). */
	full();
	((struct physr_chunk *)page(9))->ranges[0].phys = cpu_to_le64(PG(8));
	emit("array-elem-is-hdr");
	full();
	((struct physr_chunk *)page(9))->ranges[0].phys = cpu_to_le64(PG(9));
	emit("array-elem-is-chunk");
	full();
	((struct luo_array_hdr *)page(8))->pages = cpu_to_le64(PG(8));
	emit("array-chunk-is-hdr");
	full();
	a = page(8);
	a->nr = cpu_to_le64(72);
	a->nr_pages = cpu_to_le64(2);
	state()->nr_files = a->nr;
	c = page(9);
	c->hdr.count = cpu_to_le32(2);
	c->ranges[1] = c->ranges[0];
	emit("array-elem-twice");

	/* memfd_corrupt's kinds, on the v2 record. */
	full();
	h = page(11);
	h->magic ^= cpu_to_le64(1);
	emit("memfd-magic");
	full();
	h = page(11);
	h->nr_pages = cpu_to_le64(7);
	emit("memfd-count");
	full();
	h = page(11);
	h->entries = cpu_to_le64(PG(15));
	emit("memfd-array");
	full();
	((struct memfd_luo_run *)page(14))[1].phys = cpu_to_le64(PG(32));
	emit("memfd-overlap");
	full();
	((struct memfd_luo_run *)page(14))[1].order = cpu_to_le32(10);
	emit("memfd-order");
	full();
	((struct memfd_luo_run *)page(14))[1].index = cpu_to_le64(1);
	emit("memfd-index");
	full();
	h = page(11);
	h->size = cpu_to_le64(PAGE_SIZE);
	emit("memfd-size");
	full();
	h = page(11);
	h->name[2] = 'X';
	emit("memfd-name");
	full();
	h = page(11);
	h->flags = cpu_to_le32(MEMFD_LUO_HUGETLB);
	h->huge_order = cpu_to_le32(9);
	emit("memfd-hugetlb");
	/* v1 read first, as by a kernel that reads only v1. */
	full();
	lfile(0)->version[0] = cpu_to_le32(MEMFD_LUO_V1);
	lfile(0)->data[0] = cpu_to_le64(PG(15));
	emit("memfd-v1");
	full();
	lfile(0)->version[0] = cpu_to_le32(MEMFD_LUO_V1);
	lfile(0)->data[0] = cpu_to_le64(PG(15));
	((struct memfd_luo_folio *)page(18))[2].phys_order =
		cpu_to_le64(PG(36) | 3);
	emit("memfd-v1-order");

	/* Record v3: valid, then one damage each. */
	full_v3();
	emit("memfd-v3-valid");
	/*
	 * Its folio lists packed, as memfd_luo hands them over: valid; then
	 * a packed chunk counting more than a packed chunk holds.
	 */
	full_v3();
	pack(28);
	pack(29);
	emit("memfd-v3-packed-valid");
	full_v3();
	pack(28);
	pack(29);
	((struct physr_chunk *)page(29))->hdr.count =
		cpu_to_le32(PHYSR_PACKED_CAPACITY(PAGE_SIZE) + 1);
	emit("memfd-v3-packed-count");
	full_v3();
	v3_refs()->lists[0].nr_pages = cpu_to_le64(3);
	((struct memfd_luo_hdr *)page(24))->nr_pages = cpu_to_le64(7);
	emit("memfd-v3-listpages");
	full_v3();
	v3_seg(1)->order = cpu_to_le32(1);
	emit("memfd-v3-segorder");
	full_v3();
	v3_seg(1)->index = cpu_to_le64(1);
	emit("memfd-v3-segindex");
	full_v3();
	v3_seg(0)->nr_pages = cpu_to_le32(3);
	v3_seg(1)->nr_pages = cpu_to_le32(3);
	emit("memfd-v3-segsplit");
	full_v3();
	v3_refs()->lists[0].first = cpu_to_le64(PG(30));
	emit("memfd-v3-list-unpreserved");
	full_v3();
	v3_refs()->lists[2].first = cpu_to_le64(PG(28));
	v3_refs()->lists[2].nr_pages = cpu_to_le64(2);
	((struct memfd_luo_hdr *)page(24))->nr_pages = cpu_to_le64(4);
	emit("memfd-v3-list-shared");
	full_v3();
	((struct physr_chunk *)page(28))->ranges[0].phys = cpu_to_le64(PG(36));
	emit("memfd-v3-list-wrongorder");
	/* The same folio twice in one list: only the overlap check sees it. */
	full_v3();
	{
		const u64 twice[][2] = { { 32, 1 }, { 32, 1 } };

		chunk(28, twice, 2, 0);
	}
	emit("memfd-v3-list-overlap");

	/* The full handover with the Nth allocation failing (lu_harness.h). */
	for (n = 1; n <= 16; n++) {
		char name[32];

		full();
		img[PAGE_SIZE - 1] = n;
		snprintf(name, sizeof(name), "fail-%d", n);
		emit(name);
	}

	printf("%d seeds in %s\n", nr_seeds, outdir);
	return 0;
}
