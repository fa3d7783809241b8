// SPDX-License-Identifier: GPL-2.0
/*
 * Writes saved handovers (the "lu-inspect save" format) for test.sh and
 * the fuzz seeds: a valid incoming one (as /sys/kernel/debug/kho/in shows
 * after a kexec), a valid outgoing one (before kexec), and one file per
 * kind of damage the kernel tests inflict on a handover
 * (testbed/tests/kho_corrupt.c, luo_state_corrupt.c and the seeds of
 * tools/testing/physr/lu/mkluseeds.c), as far as it shows in what debugfs
 * exports: the root, the scratch array, the chunk pages of the maps and
 * the sub-blobs, and LUO's records and array headers
 * (/sys/kernel/debug/liveupdate/in).  The valid handovers come in
 * version 2 of the core formats (root v2, LUO state v2, luo_array v2; the
 * root's version 3 adds only referenced lists, whose chunks debugfs does
 * not export) and in version 1 (as kho.write_version=1 writes them).
 * The maps and the arrays' page lists are in physr chunk layout version 1,
 * as the kernel writes them; the damages include chunks rewritten in the
 * packed layout (version 2), which those lists must not hold, and an
 * outgoing handover whose out/maps counts packed referenced chunks.
 *
 *   mkcorrupt DIR     writes DIR/NAME.lu for every case, prints the names
 */
#include <endian.h>
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG		4096UL
#define SCRATCH		0x60000000ULL
#define SCRATCH_SIZE	0x4000000ULL
#define CHUNK0		0x20000000ULL	/* order 0 list: two chunks */
#define CHUNK9		0x20010000ULL	/* order 9 list: one chunk */
#define LUO_STATE	0x30000000ULL

static uint8_t root[PG], scratch[32], map0[2 * PG], map9[PG], luo[PG];
/* The headers of the session and file arrays, 40 bytes each. */
static uint8_t arrays[2 * 40];
/* The version of the core formats valid() writes, and the root's. */
static unsigned int fmt = 2;
static char root_compat[32];
/* Write LUO's state as luo/state (after a kexec), not blobs/liveupdate. */
static bool state_copy;
static int root_shift;
/* LUO's records: 2 sessions of 80 bytes, 3 files of 112 bytes. */
static uint8_t sessions[2 * 80], files[3 * 112];
static size_t root_len;
static const char *dir;
/*
 * The memfd record of file 0 (token 1, version 2) as debugfs
 * liveupdate/in/records shows it (struct luo_dbg_record pieces): its header
 * page, and its entry array (header, one chunk, one element page) of four
 * runs, folios the KHO maps above hand over.
 */
#define MREC		0x33000000ULL
#define MARR		0x35000000ULL
#define MCHUNK		(MARR + PG)
#define MELEMS		(MARR + 2 * PG)
static uint8_t mrec[352], marr[PG], mchunk[PG], melems[PG];
/* Which pieces go out, and a piece to put in instead of the array header. */
static bool rec_no_elems, rec_array_is_chunk;
static uint64_t rec_token = 1;

/*
 * File 1 (token 2) is an iommufd: its record and four arrays of one entry
 * each (IOAS, HWPT, area, device); file 2 (token 3) a vfio-pci cdev.
 */
#define IREC		0x36000000ULL
#define IARR(k)		(IREC + PG + (k) * 3 * PG)	/* header, chunk, elements */
#define VREC		0x37000000ULL
static uint8_t irec[72], iarr[4][3][PG], vrec[128];
static const uint32_t ielem[4] = { 8, 16, 104, 40 };

static void memfd_record(void);

/*
 * Root v4's reference array (kexec_handover_abi.h), as debugfs
 * in/ref_array shows it: REFARR_N entries in two pages at REFARR, each a
 * one-range order-0 list whose first chunk is at REFCHUNK + i pages (the
 * lists themselves are their owners', not in debugfs).  Written into the
 * root by make_root() while refarr_on is set.
 */
#define REFARR		0x3a000000ULL
#define REFCHUNK	0x3b000000ULL
#define REFARR_N	130
static uint8_t refarr[2 * PG];
static bool refarr_on;

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

/* Outgoing: the out/maps text to save ("maps"), or NULL for none. */
static const char *out_maps;

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

/*
 * Rewrite version-1 chunk @c in place in the packed layout (physr chunk
 * version 2, include/linux/physr_abi.h): the same page-granular ranges,
 * one __le64 each, page frame in bits 0-39 and pages minus one above.
 */
static void pack(uint8_t *c)
{
	uint32_t i, n;

	memcpy(&n, c + 12, 4);
	n = le32toh(n);
	for (i = 0; i < n; i++) {
		uint64_t phys = get64(c + 32 + 16 * i);
		uint64_t pages = get64(c + 40 + 16 * i) / PG;

		put64(c + 32 + 8 * i, phys / PG | (pages - 1) << 40);
	}
	memset(c + 32 + 8 * n, 0, PG - 32 - 8 * n);
	put16(c + 4, 2);
}

static void chunk(uint8_t *c, uint64_t next, unsigned int n, uint64_t base,
		  uint64_t len)
{
	unsigned int i;

	memset(c, 0, PG);
	put32(c, 0x52534850);	/* PHYSR_CHUNK_MAGIC */
	put16(c + 4, 1);
	put16(c + 6, 32);
	put32(c + 8, PG);
	put32(c + 12, n);
	put64(c + 16, next);
	for (i = 0; i < n; i++) {
		put64(c + 32 + 16 * i, base + 2 * i * len);
		put64(c + 40 + 16 * i, len);
	}
}

/* @outgoing: every order with list address 0, as before kexec. */
static void make_root(const char *compat, bool outgoing, const char *luo_compat)
{
	uint64_t cells[2 * 19];
	unsigned int n = 0, o;

	if (outgoing) {
		for (o = 0; o < 19; o++) {
			cells[n++] = htobe64(o);
			cells[n++] = 0;
		}
	} else {
		cells[n++] = htobe64(0);
		cells[n++] = htobe64(CHUNK0);
		cells[n++] = htobe64(9);
		cells[n++] = htobe64(CHUNK9);
	}
	fdt_create(root, PG);
	fdt_finish_reservemap(root);
	fdt_begin_node(root, "");
	fdt_property_string(root, "compatible", compat);
	if (root_shift >= 0)
		fdt_property_u32(root, "page-shift", root_shift);
	fdt_property(root, "preserved-memory", cells, n * 8);
	if (refarr_on) {
		uint64_t ra[2] = { htobe64(outgoing ? 0 : REFARR),
				   htobe64(outgoing ? 0 : REFARR_N) };

		fdt_property(root, "reference-array", ra, sizeof(ra));
	}
	fdt_begin_node(root, "liveupdate");
	fdt_property_string(root, "compatible", luo_compat);
	fdt_property_u64(root, "phys", LUO_STATE);
	fdt_property_u64(root, "size", PG);
	fdt_end_node(root);
	fdt_end_node(root);
	fdt_finish(root);
	root_len = fdt_totalsize(root);
}

/* A valid reference array of REFARR_N entries and the root v4 naming it. */
static void ref_array(void)
{
	unsigned int i, per = (PG - 32) / 32;

	memset(refarr, 0, sizeof(refarr));
	for (i = 0; i < 2; i++) {
		uint8_t *h = refarr + i * PG;

		memcpy(h, "KHOR", 4);
		put16(h + 4, 1);
		put32(h + 8, i ? REFARR_N - per : per);
		put64(h + 16, i ? 0 : REFARR + PG);
	}
	for (i = 0; i < REFARR_N; i++) {
		uint8_t *e = refarr + (i / per) * PG + 32 + (i % per) * 32;

		put64(e, REFCHUNK + (uint64_t)i * PG);
		put64(e + 8, 1);
		put64(e + 16, PG);
		put32(e + 24, 0);
	}
	refarr_on = true;
	root_shift = 12;
	make_root("linux,kho-physr-v4", false, "linux,luo-v1");
}

static void array_hdr(uint8_t *a, uint32_t elem_size, uint64_t nr, uint64_t pages)
{
	memset(a, 0, 40);
	put32(a, 0x414f554c);		/* LUO_ARRAY_MAGIC */
	put32(a + 4, fmt);
	put32(a + 8, elem_size);
	put32(a + 12, fmt >= 2 ? PG / elem_size : 0);	/* per_page */
	put64(a + 16, nr);
	put64(a + 24, 1);		/* nr_pages */
	put64(a + 32, pages);
}

static void valid(void)
{
	unsigned int i;

	snprintf(root_compat, sizeof(root_compat), "linux,kho-physr-v%u", fmt);
	root_shift = fmt >= 2 ? 12 : -1;
	make_root(root_compat, false, "linux,luo-v1");
	put64(scratch, SCRATCH);
	put64(scratch + 8, SCRATCH_SIZE);
	/* order 0: 300 ranges of 1 page, in two chunks (254 + 46). */
	chunk(map0, CHUNK0 + 0x3000, 254, 0x40000000, PG);
	chunk(map0 + PG, 0, 46, 0x40000000 + 254 * 2 * PG, PG);
	/* order 9: 3 runs of 2 MiB blocks. */
	chunk(map9, 0, 3, 0x50000000, 2UL << 20);
	memset(luo, 0, sizeof(luo));
	put32(luo, 0x314f554c);
	put32(luo + 4, fmt);
	put64(luo + 8, 2);
	put64(luo + 16, 0x31000000);
	put64(luo + 24, 3);
	put64(luo + 32, 0x32000000);
	if (fmt >= 2)
		memcpy(luo + 40, "6.12.0-physr-test", sizeof("6.12.0-physr-test"));
	array_hdr(arrays, 80, 2, 0x31001000);
	array_hdr(arrays + 40, 112, 3, 0x32001000);
	memset(sessions, 0, sizeof(sessions));
	memset(files, 0, sizeof(files));
	memcpy((char *)sessions, "vm", sizeof("vm"));
	put64(sessions + 64, 0);
	put64(sessions + 72, 2);
	memcpy((char *)sessions + 80, "state", sizeof("state"));
	put64(sessions + 80 + 64, 2);
	put64(sessions + 80 + 72, 1);
	for (i = 0; i < 3; i++) {
		uint8_t *f = files + 112 * i;

		static const char * const compat[3] = { "memfd", "iommufd", "vfio-pci" };

		memcpy((char *)f, compat[i], strlen(compat[i]) + 1);
		put64(f + 48, i + 1);
		if (i) {
			/* iommufd and vfio-pci write version 1 only. */
			put32(f + 56, 1);
			put32(f + 64, 1);
			put64(f + 80, i == 1 ? IREC : VREC);
			continue;
		}
		put32(f + 56, 2);		/* nr_versions */
		put32(f + 64, 2);		/* version[0] */
		put32(f + 68, 1);		/* version[1] */
		put64(f + 80, 0x33000000 + i * PG);
		put64(f + 88, 0x34000000 + i * PG);
	}
	memfd_record();
}

static void run(unsigned int i, uint64_t phys, uint64_t index, uint32_t order)
{
	put64(melems + 24 * i, phys);
	put64(melems + 24 * i + 8, index);
	put32(melems + 24 * i + 16, 1);
	put32(melems + 24 * i + 20, order);
}

/* A memfd of 4 MiB + 8 KiB: two 2 MiB folios, then two pages. */
static void memfd_record(void)
{
	memset(mrec, 0, sizeof(mrec));
	put64(mrec, 0x6466656d4f554c00ULL);	/* MEMFD_LUO_MAGIC */
	put32(mrec + 8, 2);			/* version */
	put64(mrec + 16, 1026 * PG);		/* size */
	put32(mrec + 36, 0600);			/* mode */
	put64(mrec + 40, 1026);			/* nr_pages */
	put64(mrec + 48, 4);			/* nr_folios */
	put64(mrec + 56, 4);			/* nr_entries */
	put64(mrec + 64, MARR);			/* entries */
	put32(mrec + 76, 11);			/* name_len */
	memcpy(mrec + 96, "memfd:guest", 12);
	memset(marr, 0, sizeof(marr));
	array_hdr(marr, 24, 4, MCHUNK);
	chunk(mchunk, 0, 1, MELEMS, PG);
	memset(melems, 0, sizeof(melems));
	run(0, 0x50000000, 0, 9);
	run(1, 0x50400000, 512, 9);
	run(2, 0x40000000, 1024, 0);
	run(3, 0x40002000, 1025, 0);
	rec_no_elems = rec_array_is_chunk = false;
	rec_token = 1;

	memset(irec, 0, sizeof(irec));
	put64(irec, 0x64666f694f554c00ULL);	/* IOMMUFD_LU_MAGIC */
	put32(irec + 8, 1);
	put32(irec + 16, 1);			/* nr_ioas */
	put32(irec + 20, 1);			/* nr_hwpts */
	put32(irec + 24, 1);			/* nr_devices */
	put64(irec + 32, 1);			/* nr_areas */
	for (unsigned int k = 0; k < 4; k++) {
		put64(irec + 40 + 8 * k, IARR(k));
		memset(iarr[k], 0, sizeof(iarr[k]));
		array_hdr(iarr[k][0], ielem[k], 1, IARR(k) + PG);
		chunk(iarr[k][1], 0, 1, IARR(k) + 2 * PG, PG);
	}
	put32(iarr[0][2], 1);			/* IOAS 1 */
	put32(iarr[1][2], 2);			/* HWPT 2 of IOAS 1, token 5 */
	put32(iarr[1][2] + 4, 1);
	put64(iarr[1][2] + 8, 5);
	put64(iarr[2][2], 0x40000000);		/* area: 4 MiB at IOVA 1 GiB */
	put64(iarr[2][2] + 8, 4UL << 20);
	put64(iarr[2][2] + 24, 1);
	put32(iarr[2][2] + 32, 1);
	put32(iarr[2][2] + 36, 3);
	memcpy(iarr[2][2] + 40, "vm", 3);
	put32(iarr[3][2], 3);			/* device 3 on HWPT 2 */
	put32(iarr[3][2] + 4, 2);
	memcpy(iarr[3][2] + 8, "0000:00:04.0", 13);

	memset(vrec, 0, sizeof(vrec));
	put64(vrec, 0x696370664f554c00ULL);	/* VFIO_PCI_LU_MAGIC */
	put32(vrec + 8, 1);
	put16(vrec + 22, 0x20);			/* devfn 04.0 */
	put16(vrec + 24, 0x1234);
	put16(vrec + 26, 0x11e8);
	put32(vrec + 28, 3);			/* dev_id */
	put32(vrec + 32, 2);			/* hwpt_id */
	put32(vrec + 36, 1);			/* ioas_id */
	put64(vrec + 40, 5);			/* hwpt_token */
	put64(vrec + 48, 0x38000000);		/* iommu_handle */
	put64(vrec + 56, 2);			/* iommufd_token */
	memcpy(vrec + 64, "vm", 3);
}

static uint64_t piece_file;

static void piece(uint8_t **buf, size_t *len, uint32_t kind, uint64_t phys,
		  const void *data, size_t n)
{
	uint8_t *p;

	*buf = realloc(*buf, *len + 40 + n);
	if (!*buf)
		exit(1);
	p = *buf + *len;
	memset(p, 0, 40);
	put64(p, piece_file);		/* file */
	put64(p + 8, piece_file ? piece_file + 1 : rec_token);	/* token */
	put32(p + 16, 0);		/* version index */
	put32(p + 20, kind);
	put64(p + 24, phys);
	put64(p + 32, n);
	memcpy(p + 40, data, n);
	*len += 40 + n;
}

static void rec(FILE *f, const char *name, const void *data, size_t len)
{
	fprintf(f, "%s %zu\n", name, len);
	fwrite(data, 1, len, f);
	fputc('\n', f);
}

static void emit(const char *name, bool with_maps)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.lu", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs("lu-inspect-handover 1\n", f);
	rec(f, "status", "accepted\n", 9);
	rec(f, "root", root, root_len);
	rec(f, "scratch", scratch, sizeof(scratch) / 2);
	if (with_maps) {
		rec(f, "maps/order-0", map0, sizeof(map0));
		rec(f, "maps/order-9", map9, sizeof(map9));
		if (refarr_on)
			rec(f, "ref_array", refarr, sizeof(refarr));
	}
	if (!with_maps && out_maps)
		rec(f, "maps", out_maps, strlen(out_maps));
	if (state_copy)
		rec(f, "luo/state", luo, 104);
	else
		rec(f, "blobs/liveupdate", luo, sizeof(luo));
	rec(f, "luo/sessions", sessions, sizeof(sessions));
	rec(f, "luo/files", files, sizeof(files));
	rec(f, "luo/arrays", arrays, sizeof(arrays));
	{
		uint8_t *buf = NULL;
		size_t len = 0;

		piece(&buf, &len, 1, MREC, mrec, sizeof(mrec));
		if (rec_array_is_chunk) {
			piece(&buf, &len, 2, MCHUNK, mchunk, PG);
		} else {
			piece(&buf, &len, 2, MARR, marr, PG);
			piece(&buf, &len, 3, MCHUNK, mchunk, PG);
			if (!rec_no_elems)
				piece(&buf, &len, 4, MELEMS, melems, PG);
		}
		piece_file = 1;
		piece(&buf, &len, 1, IREC, irec, sizeof(irec));
		for (unsigned int k = 0; k < 4; k++) {
			piece(&buf, &len, 2, IARR(k), iarr[k][0], PG);
			piece(&buf, &len, 3, IARR(k) + PG, iarr[k][1], PG);
			piece(&buf, &len, 4, IARR(k) + 2 * PG, iarr[k][2], PG);
		}
		piece_file = 2;
		piece(&buf, &len, 1, VREC, vrec, sizeof(vrec));
		piece_file = 0;
		rec(f, "luo/records", buf, len);
		free(buf);
	}
	fclose(f);
	printf("%s\n", name);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkcorrupt DIR\n");
		return 2;
	}
	dir = argv[1];

	valid();
	emit("valid-in", true);
	make_root(root_compat, true, "linux,luo-v1");
	emit("valid-out", false);
	/* Version 1 of every core format: kho.write_version=1. */
	fmt = 1;
	valid();
	emit("valid-in-v1", true);
	make_root(root_compat, true, "linux,luo-v1");
	emit("valid-out-v1", false);
	fmt = 2;
	/* As "lu-inspect in" reads a real handover: the state page is gone. */
	state_copy = true;
	valid();
	emit("valid-in-copy", true);
	put32(luo + 4, 3);
	emit("luo-copy-newer", true);
	state_copy = false;

	/* Root v4 with a reference array of two pages, and its damages. */
	valid();
	ref_array();
	emit("valid-in-v4", true);
	make_root("linux,kho-physr-v4", true, "linux,luo-v1");
	emit("valid-out-v4", false);
	/*
	 * Its out/maps as a kernel shows it before the kexec: two referenced
	 * lists, one of them packed, and a line as a kernel before physr
	 * chunk version 2 wrote it.
	 */
	out_maps = "order 0 ranges 300 bytes 1228800 chunks 2\n"
		   "ref order 0 ranges 12 bytes 49152 chunks 1 packed 0\n"
		   "ref order 2 ranges 600 bytes 9830400 chunks 2 packed 2\n"
		   "ref order 0 ranges 1 bytes 4096 chunks 1\n"
		   "ref_array entries 3 pages 1\n";
	emit("valid-out-v4-packed", false);
	out_maps = "order 0 ranges 300 bytes 1228800 chunks 2\n"
		   "ref order 2 ranges 600 bytes 9830400 chunks 2 packed 3\n"
		   "ref_array entries 1 pages 1\n";
	emit("out-maps-packed-count", false);
	out_maps = NULL;
	ref_array();
	put32(refarr, 0x524f484c);
	emit("refarr-magic", true);
	ref_array();
	put64(refarr + 16, 0);
	emit("refarr-next", true);
	ref_array();
	put64(refarr + PG + 16, REFARR);
	emit("refarr-loop", true);
	ref_array();
	put32(refarr + 8, 128);
	emit("refarr-count", true);
	ref_array();
	put16(refarr + PG + 4, 2);
	emit("refarr-newer", true);
	ref_array();
	put32(refarr + PG + 32 + 28, 7);
	emit("refarr-entry-reserved", true);
	ref_array();
	put32(refarr + 32 + 24, 19);
	emit("refarr-entry-order", true);
	refarr_on = false;

	/* kho_corrupt's kinds. */
	valid();
	make_root("kho-v1", false, "linux,luo-v1");
	emit("kho-upstream", true);
	valid();
	make_root("linux,kho-physr-v9", false, "linux,luo-v1");
	emit("kho-compatible", true);
	valid();
	make_root("linux,kho-physr-v5", false, "linux,luo-v1");
	emit("kho-newer", true);
	valid();
	root_shift = 16;
	make_root(root_compat, false, "linux,luo-v1");
	emit("kho-page-shift", true);
	valid();
	root_shift = -1;
	make_root(root_compat, false, "linux,luo-v1");
	emit("kho-page-shift-missing", true);
	valid();
	map0[0] ^= 1;
	emit("kho-magic", true);
	valid();
	put64(map0 + PG + 16, CHUNK0);
	emit("kho-cycle", true);
	valid();
	put32(map0 + PG + 12, 1000);
	emit("kho-count", true);
	valid();
	put64(map9 + 32, 0x50001000);
	emit("kho-misaligned", true);
	valid();
	put64(map9 + 32 + 2 * 16, SCRATCH);
	emit("kho-in-scratch", true);
	valid();
	put64(map9 + 32, 0x40000000);
	emit("kho-overlap", true);
	valid();
	put16(map9 + 4, 3);	/* PHYSR_CHUNK_VERSION_MAX + 1 */
	emit("kho-chunk-newer", true);
	valid();
	put16(map9 + 4, 0);
	emit("kho-chunk-version", true);
	/*
	 * Packed chunks (physr chunk version 2) in the maps, valid as chunks:
	 * the whole order-9 list, the second chunk of the order-0 list; then
	 * a packed chunk holding more than a packed chunk can (508), and a
	 * version-1 chunk one above its capacity (254), which a packed one
	 * would hold.
	 */
	valid();
	pack(map9);
	emit("kho-maps-packed", true);
	valid();
	pack(map0 + PG);
	emit("kho-maps-packed-mixed", true);
	valid();
	pack(map0);
	put32(map0 + 12, 509);
	emit("kho-packed-count", true);
	valid();
	put32(map0 + 12, 255);
	emit("kho-count-v1", true);
	valid();
	put64(map0 + PG + 16, 0x7000000);
	emit("kho-chain-beyond", true);
	valid();
	put64(map9 + 40, 0);
	emit("kho-range-zero", true);
	valid();
	root[8] ^= 0xff;	/* off_dt_struct */
	emit("kho-root-header", true);
	valid();
	memset(scratch, 0, sizeof(scratch));
	emit("kho-scratch", true);

	/* luo_state_corrupt's kinds, as far as the state page shows them. */
	valid();
	luo[0] ^= 1;
	emit("luo-magic", true);
	valid();
	put32(luo + 4, 3);
	emit("luo-version", true);
	valid();
	memset(luo + 40, 'x', 64);
	emit("luo-release-nul", true);
	valid();
	memset(luo + 40, 0, 64);
	emit("luo-release-empty", true);
	valid();
	put64(luo + 16, 0);
	emit("luo-count", true);
	valid();
	make_root(root_compat, false, "linux,luo-v7");
	emit("luo-compatible", true);
	valid();
	put64(sessions + 72, 1000);
	emit("luo-file-range", true);
	valid();
	memcpy((char *)sessions + 80, "vm", sizeof("vm"));
	emit("luo-dup-name", true);
	valid();
	put32(files + 112 + 56, 0);
	emit("luo-nr-versions", true);
	valid();
	put64(files + 112 + 48, 1);
	emit("luo-dup-token", true);
	valid();
	memset(sessions, 'x', 64);
	emit("luo-name-nul", true);
	valid();
	put64(luo + 24, 2);
	emit("luo-state-count", true);

	/* luo_array_kexec's kinds: the array headers. */
	valid();
	put32(arrays + 40 + 4, 3);
	emit("array-newer", true);
	valid();
	put32(arrays + 12, 0);
	emit("array-per-page-zero", true);
	valid();
	put32(arrays + 40 + 12, 37);		/* 4096 / 112 = 36 */
	emit("array-per-page-big", true);
	valid();
	put32(arrays + 12, 1);			/* 2 sessions need 2 pages */
	emit("array-per-page-count", true);
	fmt = 1;
	valid();
	put32(arrays + 12, 51);
	emit("array-v1-reserved", true);
	fmt = 2;
	valid();
	put64(arrays + 16, 1);
	emit("array-state-count", true);

	/*
	 * memfd_corrupt's kinds (luo_test.c's damage of a version 2 record),
	 * as debugfs liveupdate/in/records shows them, and more.
	 */
	valid();
	mrec[0] ^= 1;
	emit("memfd-magic", true);
	valid();
	put64(mrec + 40, 1027);
	emit("memfd-count", true);
	valid();
	put64(mrec + 64, MARR + PG);
	rec_array_is_chunk = true;	/* the page there, exported as a header */
	emit("memfd-array", true);
	valid();
	put64(melems + 24 * 3 + 8, 1026);	/* the last page beyond the file */
	emit("memfd-range", true);
	valid();
	put32(melems + 20, 11);			/* MAX_PAGE_ORDER + 1 */
	emit("memfd-order", true);
	valid();
	put64(melems + 24 * 3, 0x80000);	/* not handed over */
	emit("memfd-phys", true);
	valid();
	put32(melems + 20, 10);			/* MAX_PAGE_ORDER */
	emit("memfd-bigorder", true);
	valid();
	put64(mrec + 88, 0x123456789ULL);	/* reserved[1] */
	emit("memfd-reserved", true);
	valid();
	put32(mrec + 8, 1);
	emit("memfd-version", true);
	valid();
	rec_no_elems = true;
	emit("memfd-elems-missing", true);
	valid();
	put64(melems + 24 * 3, 0x40000000);	/* the folio of run 2 again */
	emit("memfd-overlap", true);
	valid();
	rec_token = 7;
	emit("memfd-token", true);
	valid();
	memcpy(mrec + 96, "guest", 6);
	put32(mrec + 76, 5);
	emit("memfd-name", true);
	/*
	 * The entry array's page list in a packed chunk: the kernel's dump
	 * (luo_session.c) gives its header and chunk and no element page.
	 */
	valid();
	pack(mchunk);
	rec_no_elems = true;
	emit("array-packed", true);

	/* iommufd_lu_test's header kinds, and the array checks on its arrays. */
	valid();
	irec[0] ^= 1;
	emit("iommufd-magic", true);
	valid();
	put32(irec + 20, 0);			/* no HWPT */
	emit("iommufd-no-hwpt", true);
	valid();
	put64(irec + 56, 0);			/* areas: 1, no handle */
	emit("iommufd-area-handle", true);
	valid();
	put32(iarr[2][0] + 8, 96);		/* area elements of 96 bytes */
	emit("iommufd-area-size", true);
	valid();
	put64(iarr[3][1] + 16, IARR(0) + PG);	/* the device list runs on */
	emit("iommufd-device-chain", true);
	valid();
	put16(vrec + 22, 0x100);		/* devfn beyond a byte */
	emit("vfio-devfn", true);
	return 0;
}
