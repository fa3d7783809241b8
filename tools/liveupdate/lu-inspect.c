// SPDX-License-Identifier: GPL-2.0
/*
 * lu-inspect: the Kexec HandOver of a kernel, made readable.
 *
 *   lu-inspect out [--json]          what the running kernel will hand over
 *   lu-inspect in [--json]           what it received from its predecessor
 *   lu-inspect PATH [--json]         a saved handover: a copy of one of the
 *                                    two debugfs directories (cp -r), or a
 *                                    file written by "lu-inspect save"
 *   lu-inspect save out|in|PATH FILE save a handover as one file
 *
 * It reads /sys/kernel/debug/kho/{out,in} (kernel/liveupdate/kho_debugfs.c)
 * and prints the root and its version, the scratch areas, the
 * preserved-memory map (ranges, bytes and chunks per folio order), every
 * sub-blob (name, compatible, version, size) and LUO's state.  The physr
 * chunk chains of an incoming map are checked by the kernel's own
 * physr_validate_chain() (lib/physr/physr.c, compiled here as it is); the
 * rest follows kernel/liveupdate/kho_boot.c and luo_parse.c.  Every
 * problem is printed with where (file, offset) and why, and the exit
 * status is 0 for a valid handover, 1 for a malformed one, 2 for a usage
 * or read error.
 *
 * The saved file format ("lu-inspect save"), version 1: the line
 * "lu-inspect-handover 1\n", then for each file of the directory a line
 * "NAME LENGTH\n" (NAME relative to the directory, e.g. "root",
 * "blobs/liveupdate", "maps/order-9"; LENGTH in decimal), LENGTH bytes and
 * "\n".
 */
#include <ctype.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../include/linux/kexec_handover_abi.h"
#include "../../include/linux/luo_abi.h"
#include "../../include/linux/memfd_luo_abi.h"
#include "../../include/linux/iommufd_lu_abi.h"
#include "../../include/linux/vfio_pci_lu_abi.h"
#include <linux/compiler.h>
#include <linux/physr.h>
#include <linux/physr_abi.h>

#include "lu-inspect.h"
#include "memfd_check.h"

#define KHO_DEBUGFS	"/sys/kernel/debug/kho"
#define LUO_DEBUGFS	"/sys/kernel/debug/liveupdate"
#define SAVE_MAGIC	"lu-inspect-handover 1\n"
#define PG		4096UL
#define MAX_ENTRIES	4096
#define MAX_CHUNKS	(1024UL * 1024)

/*
 * Every version check of lu-inspect is here: the versions of each format
 * this tool reads, the same as the kernel's readers (the rules:
 * Documentation/core-api/kho/concepts.rst, "Versions").  A reader takes
 * every version from 1 to its newest; a newer one is refused with the
 * kernel's reason.
 *
 * - KHO root: the -vN of its compatible, 1 to 4 (kho_boot.c's
 *   kho_root_version()); version 2 adds "page-shift", which must be the
 *   reader's PAGE_SHIFT; version 3 adds "referenced-memory", the lists
 *   preserved as they are (kho_preserve_physr_ref()); version 4 moves
 *   them into the reference array ("reference-array", debugfs
 *   in/ref_array), whose pages have their own version, 1.  lu-inspect
 *   reads as a kernel of 4 KiB pages (PG), the page size of every other
 *   check here.
 * - physr chunk: hdr.version, 1 or 2 ("packed", 8-byte entries), up to
 *   PHYSR_CHUNK_VERSION_MAX (checked by physr_validate_chain() itself, the
 *   reason from its bad_version as kho_boot.c words it).  A chain may mix
 *   them; the entries are read with physr_chunk_entry().  The lists KHO
 *   and LUO write themselves are version 1 only and a packed chunk there
 *   is refused, with the kernel's reason: KHO's preserved-memory maps
 *   (kho_boot.c's kho_adopt_maps()) and the page list of a luo_array
 *   (luo_array.c's luo_array_check_list()).  Packed chunks are what the
 *   owner of a referenced list may hand over (memfd's folio lists): their
 *   chunks are not in debugfs, but out/maps counts them ("packed P").
 * - LUO state: its version field, 1 or 2 (luo_parse.c); version 2 adds the
 *   writer's release.  The sub-blob's compatible stays "linux,luo-v1".
 * - luo_array: its version field, 1 or 2 (luo_array.c); version 2 declares
 *   per_page, version 1 has 0 there and means PG / elem_size.
 */
#define KHO_ROOT_VERSION_MAX	KHO_FDT_VERSION
#define READER_PAGE_SHIFT	12
#define LUO_COMPAT_PREFIX	"linux,luo-v"
#define LUO_COMPAT_VERSION_MAX	1
#define LUO_STATE_VERSION_MAX	2
#define LUO_ARRAY_VERSION_MAX	2

static_assert(PG == 1UL << READER_PAGE_SHIFT);

/*
 * The version of a compatible @compat of @prefix followed by a decimal
 * number, as the kernel parses it (a first digit 1 to 9, kstrtouint: one
 * trailing newline allowed, no overflow); 0 if it is not of that form.
 */
static unsigned long version_of(const char *compat, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned long v;
	char *end;

	if (strncmp(compat, prefix, n) || compat[n] < '1' || compat[n] > '9')
		return 0;
	errno = 0;
	v = strtoul(compat + n, &end, 10);
	if (errno || v > UINT32_MAX || (*end && strcmp(end, "\n")))
		return 0;
	return v;
}

/* Generic: the N of a trailing "-vN", 0 when there is none. */
static long compat_version(const char *compat)
{
	const char *v = strrchr(compat, 'v');
	char *end;
	long n;

	if (!v || v == compat || v[-1] != '-' || !isdigit((unsigned char)v[1]))
		return 0;
	n = strtol(v + 1, &end, 10);
	return *end ? 0 : n;
}

/*
 * LUO's formats (state page, array header, session and file records, the
 * debugfs records of the handlers), from the kernel's own header.
 */
#define LUO_NAME_LEN		LUO_ABI_NAME_LEN
#define LUO_COMPAT_MAX		LUO_ABI_COMPAT_MAX
#define LUO_MAX_VERSIONS	LUO_ABI_MAX_VERSIONS

/* ---- the handover as a set of named files ---- */

struct entry {
	char *name;
	u8 *data;
	size_t len;
};

struct handover {
	struct entry e[MAX_ENTRIES];
	unsigned int n;
};

static const struct entry *find(const struct handover *h, const char *name)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->e[i].name, name))
			return &h->e[i];
	return NULL;
}

static int add_entry(struct handover *h, const char *name, const u8 *data,
		     size_t len)
{
	struct entry *e;

	if (h->n == MAX_ENTRIES)
		return -E2BIG;
	e = &h->e[h->n];
	e->name = strdup(name);
	/* One more byte, always 0: text files can be read as strings. */
	e->data = malloc(len + 1);
	if (!e->name || !e->data) {
		free(e->name);
		free(e->data);
		return -ENOMEM;
	}
	memcpy(e->data, data, len);
	e->data[len] = 0;
	e->len = len;
	h->n++;
	return 0;
}

void lu_handover_free(struct handover *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		free(h->e[i].name);
		free(h->e[i].data);
	}
	free(h);
}

struct handover *lu_handover_new(void)
{
	return calloc(1, sizeof(struct handover));
}

/* Parse the saved format from memory; -EINVAL with *@at = offset if bad. */
int lu_handover_parse(struct handover *h, const u8 *buf, size_t len,
		      size_t *at)
{
	size_t pos = strlen(SAVE_MAGIC);

	*at = 0;
	if (len < pos || memcmp(buf, SAVE_MAGIC, pos))
		return -EINVAL;
	while (pos < len) {
		char name[256];
		const u8 *nl = memchr(buf + pos, '\n', len - pos);
		const u8 *sp;
		unsigned long long n;
		size_t hl;
		char *end;
		char num[24];
		int ret;

		*at = pos;
		if (!nl)
			return -EINVAL;
		hl = nl - (buf + pos);
		sp = memchr(buf + pos, ' ', hl);
		if (!sp || sp == buf + pos || (size_t)(sp - (buf + pos)) >= sizeof(name) ||
		    (size_t)(nl - sp - 1) >= sizeof(num) || nl == sp + 1)
			return -EINVAL;
		memcpy(name, buf + pos, sp - (buf + pos));
		name[sp - (buf + pos)] = 0;
		if (memchr(name, 0, sp - (buf + pos)))
			return -EINVAL;
		memcpy(num, sp + 1, nl - sp - 1);
		num[nl - sp - 1] = 0;
		if (!isdigit((unsigned char)num[0]))
			return -EINVAL;
		errno = 0;
		n = strtoull(num, &end, 10);
		if (*end || errno)
			return -EINVAL;
		pos = nl - buf + 1;
		if (n > len - pos || len - pos - n < 1 || buf[pos + n] != '\n')
			return -EINVAL;
		ret = add_entry(h, name, buf + pos, n);
		if (ret)
			return ret;
		pos += n + 1;
	}
	return 0;
}

#ifndef LU_INSPECT_NO_MAIN	/* files: not for the fuzz target */
static int read_whole(const char *path, u8 **out, size_t *outlen)
{
	size_t cap = 8192, len = 0;
	u8 *buf = malloc(cap), *nb;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		int err = fd < 0 ? -errno : -ENOMEM;

		if (fd >= 0)
			close(fd);
		free(buf);
		return err;
	}
	for (;;) {
		if (len == cap) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			int err = -errno;

			free(buf);
			close(fd);
			return err;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
}

/* Load @dir/@rel recursively; unreadable files (restored blobs) are skipped. */
static int load_dir(struct handover *h, const char *dir, const char *rel)
{
	char path[4096], sub[512];
	struct dirent *d;
	DIR *dp;
	int ret = 0;

	snprintf(path, sizeof(path), "%s%s%s", dir, *rel ? "/" : "", rel);
	dp = opendir(path);
	if (!dp)
		return -errno;
	while ((d = readdir(dp)) && !ret) {
		struct stat st;
		u8 *data;
		size_t len;

		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 d->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			ret = load_dir(h, dir, sub);
			continue;
		}
		if (read_whole(path, &data, &len))
			continue;
		ret = add_entry(h, sub, data, len);
		free(data);
	}
	closedir(dp);
	return ret;
}

#endif

static bool any_maps(const struct handover *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (!strncmp(h->e[i].name, "maps/", 5))
			return true;
	return false;
}

/* ---- validation with the kernel's own physr checks ---- */

struct page_map {
	u64 phys;
	const u8 *data;
};

static struct page_map *cur_map;
static unsigned long cur_map_n;

void *phys_to_virt(phys_addr_t phys)
{
	unsigned long i;

	for (i = 0; i < cur_map_n; i++)
		if (cur_map[i].phys == phys)
			return (void *)cur_map[i].data;
	fprintf(stderr, "lu-inspect: internal error: unmapped 0x%llx\n",
		(unsigned long long)phys);
	abort();
}

phys_addr_t virt_to_phys(const void *addr)
{
	unsigned long i;

	for (i = 0; i < cur_map_n; i++)
		if (cur_map[i].data == addr)
			return cur_map[i].phys;
	abort();
}

unsigned long __get_free_page(gfp_t gfp)
{
	return 0;
}

void free_page(unsigned long addr)
{
}

/* physr.c's slab array of a short list: lu-inspect builds no list. */
void *krealloc_array(void *p, size_t n, size_t size, gfp_t gfp)
{
	return NULL;
}

void kfree(const void *p)
{
}

size_t ksize(const void *p)
{
	return 0;
}

static bool chunk_in_map(phys_addr_t phys, size_t size, void *arg)
{
	unsigned long i;

	if (size != PG)
		return false;
	for (i = 0; i < cur_map_n; i++)
		if (cur_map[i].phys == phys)
			return true;
	return false;
}

/* ---- the report ---- */

/* One version of a handler's record, from luo/records. */
struct frec_v {
	bool have;
	u32 version;
	unsigned long long phys, len;
	bool memfd, memfd_ok;
	unsigned long long size, nr_pages, nr_folios, nr_entries;
	u32 seals, mode, flags;
	char name[80];
	/* its preserved arrays (memfd: the entries; iommufd: four) */
	struct rarr {
		bool have;
		u32 version;
		unsigned long long nr, ranges, bytes, chunks;
	} arr[4];
	/* iommufd */
	bool iommufd;
	unsigned long long nr_ioas, nr_hwpts, nr_devices, nr_areas, mapped;
	char device[40];
	/* vfio-pci */
	bool vfio;
	u32 segment, bus, devfn, vendor, device_id, dev_id, hwpt_id, ioas_id;
	unsigned long long iommu_handle, iommufd_token;
};

#define MAX_DIAG 64

struct report {
	const char *source;
	bool outgoing;		/* root has the pre-kexec placeholder */
	bool have_root;
	char root_compat[80];
	int root_version;
	int root_page_shift;	/* -1: none (version 1) or not a u32 */
	bool root_refused;	/* the kernel would read no further */
	bool finished;		/* in: kho_finish() freed root, maps, blobs */
	size_t root_size;
	unsigned int nr_scratch;
	unsigned long long scratch[KHO_MAX_SCRATCH][2];
	struct {
		bool listed, have;
		unsigned long long first, ranges, bytes, chunks;
	} map[KHO_NR_ORDERS];
	bool maps_figures;	/* out/maps text rather than chunk pages */
	/* out/maps: the referenced lists, their chunks, how many packed */
	unsigned long long fig_refs, fig_ref_chunks, fig_ref_packed;
	/* root v3: the lists referenced in place (referenced-memory) */
	unsigned int nr_refs;
	/* root v4: the reference array (its entries are the refs above) */
	unsigned long long ref_array, ref_array_entries, ref_array_pages;
	unsigned int ref_orders;	/* bit per order with a referenced list */
#define SHOW_REFS	64
	struct {
		unsigned int order;
		unsigned long long first, ranges, bytes;
	} ref[SHOW_REFS];
	unsigned int nr_blobs;
	struct {
		char name[64], compat[80];
		long version;
		unsigned long long phys, size;
		long data_len;	/* -1: not readable (restored, or not saved) */
		bool luo;
		u32 luo_version;
		char luo_release[LUO_STATE_RELEASE_LEN];	/* version 2 */
		bool state_copy;	/* LUO's state read from luo/state */
		unsigned long long nr_sessions, nr_files, sessions, files;
	} blob[64];
	bool have_luo;
	unsigned long long luo_sessions, luo_files;
	/* luo/arrays: the headers of the session and file arrays */
	bool have_arrays;
	struct {
		u32 version, elem_size, per_page;
		unsigned long long nr, nr_pages;
	} array[2];
#define SHOW_SESSIONS	32
#define SHOW_FILES	64
	struct {
		char name[LUO_NAME_LEN];
		unsigned long long nr_files;
	} session[SHOW_SESSIONS];
	struct {
		unsigned int session;
		unsigned long long index;	/* in luo/files */
		char compat[LUO_COMPAT_MAX];
		unsigned long long token;
		unsigned int nr_versions;
		unsigned int version[LUO_MAX_VERSIONS];
	} file[SHOW_FILES];
	unsigned int nr_shown_files;
	/* luo/records: the handlers' records of the files shown */
	bool have_records;
	struct {
		bool have, gone;
		struct frec_v v[LUO_MAX_VERSIONS];
	} frec[SHOW_FILES];
	char status[160];
	unsigned int nr_diag;
	char diag[MAX_DIAG][256];
};

static void vproblem(struct report *r, const char *where, const char *fmt,
		     va_list ap)
{
	int n;

	if (r->nr_diag == MAX_DIAG)
		return;
	n = snprintf(r->diag[r->nr_diag], sizeof(r->diag[0]), "%s: ", where);
	vsnprintf(r->diag[r->nr_diag] + n, sizeof(r->diag[0]) - n, fmt, ap);
	r->nr_diag++;
}

static void __printf(3, 4)
problem(struct report *r, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(r, where, fmt, ap);
	va_end(ap);
}

/* A problem at byte @off of chunk @c of @file. */
static void __printf(5, 6)
chunk_problem(struct report *r, const char *file, unsigned long c, size_t off,
	      const char *fmt, ...)
{
	char where[128];
	va_list ap;

	snprintf(where, sizeof(where), "%s chunk %lu offset 0x%zx", file, c, off);
	va_start(ap, fmt);
	vproblem(r, where, fmt, ap);
	va_end(ap);
}

static const char *errname(int err)
{
	switch (err) {
	case -EINVAL: return "EINVAL";
	case -EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	case -EOVERFLOW: return "EOVERFLOW";
	case -ERANGE: return "ERANGE";
	case -ELOOP: return "ELOOP";
	case -E2BIG: return "E2BIG";
	default: return "error";
	}
}

static unsigned long long be64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static unsigned long long le64(const u8 *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static u32 le32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static u16 le16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

/* Where in a chain the kernel's check failed: the first bad field. */
static void locate_chunk_problem(struct report *r, const char *file,
				 const struct entry *e)
{
	u32 count, kind0 = 0, flags0 = 0, i;
	unsigned long c, cap;
	bool packed;

	for (c = 0; c < e->len / PG; c++) {
		const u8 *p = e->data + c * PG;
		size_t off = c * PG;

		count = le32(p + 12);
		if (le32(p) != PHYSR_CHUNK_MAGIC) {
			chunk_problem(r, file, c, off, "bad magic 0x%08x", le32(p));
			return;
		}
		packed = le16(p + 4) == PHYSR_CHUNK_VERSION_PACKED;
		if (le16(p + 4) != PHYSR_CHUNK_VERSION && !packed) {
			/* kho_boot.c's words for physr_walk_info.bad_version */
			chunk_problem(r, file, c, off + 4,
				      "physr chunk version %u %s this kernel reads (%d)",
				      le16(p + 4), le16(p + 4) > PHYSR_CHUNK_VERSION_MAX ?
				      "is newer than" : "is not one", PHYSR_CHUNK_VERSION_MAX);
			return;
		}
		cap = packed ? PHYSR_PACKED_CAPACITY(PG) : PHYSR_CHUNK_CAPACITY(PG);
		if (le16(p + 6) != sizeof(struct physr_chunk_hdr)) {
			chunk_problem(r, file, c, off + 6, "header size %u", le16(p + 6));
			return;
		}
		if (le32(p + 8) != PG) {
			chunk_problem(r, file, c, off + 8, "chunk size %u, not %lu",
				      le32(p + 8), PG);
			return;
		}
		if (!count || count > cap) {
			chunk_problem(r, file, c, off + 12, "entry count %u (1 to %lu%s)",
				      count, cap, packed ? ", packed" : "");
			return;
		}
		if (c == 0) {
			kind0 = le32(p + 24);
			flags0 = le32(p + 28);
		}
		if (le32(p + 24) > PHYSR_ABI_KIND_MMIO || le32(p + 24) != kind0) {
			chunk_problem(r, file, c, off + 24, "kind %u", le32(p + 24));
			return;
		}
		if (le32(p + 28) & ~PHYSR_ABI_FLAGS_KNOWN) {
			chunk_problem(r, file, c, off + 28, "unknown list flags 0x%x",
				      le32(p + 28));
			return;
		}
		if (le32(p + 28) != flags0) {
			chunk_problem(r, file, c, off + 28,
				      "flags 0x%x differ from the first chunk's",
				      le32(p + 28));
			return;
		}
		/* A packed entry is never empty and cannot wrap. */
		for (i = 0; i < count && !packed; i++) {
			unsigned long long len = le64(p + 32 + 16 * i + 8);
			unsigned long long ph = le64(p + 32 + 16 * i);

			if (!len) {
				chunk_problem(r, file, c, off + 40 + 16 * i,
					      "range %u has length 0", i);
				return;
			}
			if (ph + len < ph) {
				chunk_problem(r, file, c, off + 32 + 16 * i,
					      "range %u wraps past 2^64", i);
				return;
			}
		}
		if (!le64(p + 16))
			break;
	}
}

struct rng {
	unsigned long long phys, len;
	unsigned int order;
};

static int cmp_rng(const void *a, const void *b)
{
	const struct rng *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* An incoming list of @order: the chunk pages of maps/order-N. */
static void check_map(struct report *r, unsigned int order,
		      const struct entry *e, struct rng **all, size_t *nall)
{
	struct physr_walk_info info;
	char file[32], where[96];
	unsigned long n, i;
	unsigned long long phys, block = PG << order, prev_end = 0;
	int ret;

	snprintf(file, sizeof(file), "maps/order-%u", order);
	if (e->len % PG || !e->len) {
		problem(r, file, "size %zu is not a whole number of chunk pages", e->len);
		return;
	}
	n = e->len / PG;
	if (n > MAX_CHUNKS) {
		problem(r, file, "%lu chunks, more than %lu", n, MAX_CHUNKS);
		return;
	}
	cur_map = calloc(n, sizeof(*cur_map));
	if (!cur_map) {
		problem(r, file, "out of memory");
		return;
	}
	/* Chunk k of the file is at the address chunk k - 1 names. */
	phys = r->map[order].first;
	for (i = 0; i < n && phys; i++) {
		unsigned long j;

		for (j = 0; j < i; j++)
			if (cur_map[j].phys == phys)
				break;
		if (j < i)
			break;
		cur_map[i].phys = phys;
		cur_map[i].data = e->data + i * PG;
		phys = le64(e->data + i * PG + 16);
	}
	cur_map_n = i;
	ret = physr_validate_chain(r->map[order].first, n + 1, chunk_in_map, NULL,
				   &info);
	if (ret) {
		if (ret == -ERANGE)
			problem(r, file,
				"the chain leads to a chunk that is not among the %lu pages saved (or is not page aligned): %s",
				n, errname(ret));
		else
			problem(r, file, "physr chain rejected as the kernel would: %s (%d)",
				errname(ret), ret);
		locate_chunk_problem(r, file, e);
		goto out;
	}
	if (info.nr_chunks != n)
		problem(r, file, "the chain has %lu chunks, %lu pages were saved",
			info.nr_chunks, n);
	/* kho_boot.c's kho_adopt_maps(): the maps are version 1 only. */
	if (info.nr_packed) {
		for (i = 0; i < info.nr_chunks; i++)
			if (physr_chunk_packed((const void *)cur_map[i].data))
				break;
		chunk_problem(r, file, i, i * PG + 4,
			      "packed physr chunk in a preserved-memory list, which is version 1 only (%lu of %lu chunks packed)",
			      info.nr_packed, info.nr_chunks);
		goto out;
	}
	r->map[order].have = true;
	r->map[order].ranges = info.nr_ranges;
	r->map[order].bytes = info.total_bytes;
	r->map[order].chunks = info.nr_chunks;
	/* kho_boot.c's kho_check_ranges(): aligned, sorted, outside scratch. */
	for (i = 0; i < info.nr_chunks; i++) {
		const u8 *p = cur_map[i].data;
		u32 c, count = le32(p + 12);

		for (c = 0; c < count; c++) {
			unsigned long long ph = le64(p + 32 + 16 * c), len = le64(p + 40 + 16 * c);
			unsigned int s;
			struct rng *nr;

			snprintf(where, sizeof(where), "%s chunk %lu offset 0x%lx",
				 file, i, i * PG + 32 + 16 * c);
			if (ph % block || len % block) {
				problem(r, where,
					"range 0x%llx+0x%llx not aligned to its order's block of 0x%llx",
					ph, len, block);
				goto out;
			}
			if (ph < prev_end) {
				problem(r, where, "range 0x%llx not after the previous one", ph);
				goto out;
			}
			prev_end = ph + len;
			for (s = 0; s < r->nr_scratch; s++)
				if (ph < r->scratch[s][0] + r->scratch[s][1] &&
				    r->scratch[s][0] < ph + len) {
					problem(r, where,
						"range 0x%llx+0x%llx overlaps scratch area %u",
						ph, len, s);
					goto out;
				}
			if (*nall % 1024 == 0) {
				nr = realloc(*all, (*nall + 1024) * sizeof(**all));
				if (!nr)
					goto out;
				*all = nr;
			}
			(*all)[(*nall)++] = (struct rng){ ph, len, order };
		}
	}
out:
	free(cur_map);
	cur_map = NULL;
	cur_map_n = 0;
}

/* out/maps: "order O ranges R bytes B chunks C" lines. */
static void read_map_figures(struct report *r, const struct entry *e)
{
	char *text = strndup((const char *)e->data, e->len), *line, *save;
	unsigned int order;
	unsigned long long ranges, bytes, chunks, packed;
	int ln = 0, n;

	if (!text)
		return;
	r->maps_figures = true;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char where[32];

		ln++;
		snprintf(where, sizeof(where), "maps line %d", ln);
		/*
		 * A referenced list: the root's referenced-memory says it;
		 * only counted here, with its packed chunks (a kernel before
		 * physr chunk version 2 does not say: none).
		 */
		packed = 0;
		n = sscanf(line, "ref order %u ranges %llu bytes %llu chunks %llu packed %llu",
			   &order, &ranges, &bytes, &chunks, &packed);
		if (n >= 4 && order < KHO_NR_ORDERS) {
			if (n == 5 && packed > chunks)
				problem(r, where, "%llu of %llu chunks packed", packed, chunks);
			r->fig_refs++;
			r->fig_ref_chunks += chunks;
			r->fig_ref_packed += packed;
			continue;
		}
		/* The reference array the kexec would write (root v4). */
		if (sscanf(line, "ref_array entries %llu pages %llu",
			   &r->ref_array_entries, &r->ref_array_pages) == 2)
			continue;
		if (sscanf(line, "order %u ranges %llu bytes %llu chunks %llu",
			   &order, &ranges, &bytes, &chunks) != 4 ||
		    order >= KHO_NR_ORDERS) {
			problem(r, where, "unreadable: \"%.60s\"", line);
			continue;
		}
		r->map[order].have = true;
		r->map[order].ranges = ranges;
		r->map[order].bytes = bytes;
		r->map[order].chunks = chunks;
	}
	free(text);
}

/* Note one referenced list, from a root v3 entry or the array of v4. */
static void add_ref(struct report *r, const char *where,
		    unsigned long long order, unsigned long long first,
		    unsigned long long ranges, unsigned long long bytes)
{
	if (order >= KHO_NR_ORDERS || !first) {
		problem(r, where,
			"bad order or address of a referenced list (order %llu, first chunk 0x%llx)",
			order, first);
		return;
	}
	if (r->nr_refs < SHOW_REFS) {
		r->ref[r->nr_refs].order = order;
		r->ref[r->nr_refs].first = first;
		r->ref[r->nr_refs].ranges = ranges;
		r->ref[r->nr_refs].bytes = bytes;
	}
	r->ref_orders |= 1U << order;
	r->nr_refs++;
}

/*
 * Root v4: kho_boot.c's kho_check_ref_array() and kho_adopt_ref_array()
 * on the pages of in/ref_array (in chain order, so page i's next must be
 * page i + 1's address), with the kernel's reasons.  Before kexec the
 * property is a placeholder and there is no array yet.
 */
static void check_ref_array(struct report *r, const struct handover *h,
			    const void *fdt)
{
	unsigned long long per = KHO_REF_ARRAY_PER_PAGE(PG), total, npages;
	unsigned long long p, expect, next, phys;
	const struct entry *e = find(h, "ref_array");
	const u8 *cells, *pg;
	char where[96];
	int len;

	if (fdt_getprop(fdt, 0, KHO_FDT_PROP_REF, &len)) {
		problem(r, "root /" KHO_FDT_PROP_REF, KHO_FDT_PROP_REF " in a version 4 root");
		return;
	}
	cells = fdt_getprop(fdt, 0, KHO_FDT_PROP_REF_ARRAY, &len);
	if (!cells)
		return;
	if (len != 16) {
		problem(r, "root /" KHO_FDT_PROP_REF_ARRAY,
			"bad " KHO_FDT_PROP_REF_ARRAY " property (length %d, not 16)", len);
		return;
	}
	phys = be64(cells);
	total = be64(cells + 8);
	if (r->outgoing && !phys && !total)
		return;
	r->ref_array = phys;
	r->ref_array_entries = total;
	if (!total) {
		problem(r, "root /" KHO_FDT_PROP_REF_ARRAY,
			"bad number of reference array entries (0)");
		return;
	}
	if (!phys || phys % PG) {
		problem(r, "root /" KHO_FDT_PROP_REF_ARRAY,
			"reference array page not in RAM outside scratch (0x%llx)", phys);
		return;
	}
	npages = (total + per - 1) / per;
	r->ref_array_pages = npages;
	if (!e) {
		/* A saved outgoing root, or the array was not saved. */
		return;
	}
	if (e->len % PG || e->len / PG != npages) {
		problem(r, "ref_array",
			"%zu bytes, not the %llu pages of %llu entries", e->len,
			npages, total);
		return;
	}
	for (p = 0; p < npages; p++) {
		const struct kho_ref_array_hdr *hdr;
		unsigned long long i, count;

		pg = e->data + p * PG;
		hdr = (const void *)pg;
		snprintf(where, sizeof(where), "ref_array page %llu (offset 0x%llx)",
			 p, p * PG);
		if (le32((const u8 *)&hdr->magic) != KHO_REF_ARRAY_MAGIC) {
			problem(r, where, "bad reference array magic");
			return;
		}
		if (le16((const u8 *)&hdr->version) != KHO_REF_ARRAY_VERSION) {
			problem(r, where, "reference array version %u %s this kernel reads (%u)",
				le16((const u8 *)&hdr->version),
				le16((const u8 *)&hdr->version) > KHO_REF_ARRAY_VERSION ?
				"is newer than" : "is not one", KHO_REF_ARRAY_VERSION);
			return;
		}
		if (hdr->reserved0 || hdr->reserved1 || hdr->reserved2) {
			problem(r, where, "bad reference array header");
			return;
		}
		count = le32((const u8 *)&hdr->count);
		expect = p + 1 < npages ? per : total - p * per;
		if (count != expect) {
			problem(r, where, "bad reference array count (%llu, not %llu)",
				count, expect);
			return;
		}
		next = le64((const u8 *)&hdr->next);
		if (p + 1 == npages && next) {
			problem(r, where,
				"reference array chain loops or is longer than its count (next 0x%llx)",
				next);
			return;
		}
		if (p + 1 < npages && (!next || next % PG)) {
			problem(r, where, "bad reference array next page (0x%llx)", next);
			return;
		}
		for (i = 0; i < count; i++) {
			const u8 *en = pg + sizeof(*hdr) + i * sizeof(struct kho_ref_entry);
			char ewhere[128];

			snprintf(ewhere, sizeof(ewhere), "%s entry %llu", where, i);
			if (le32(en + 28)) {
				problem(r, ewhere, "bad reference array entry (reserved 0x%x)",
					le32(en + 28));
				continue;
			}
			add_ref(r, ewhere, le32(en + 24), le64(en), le64(en + 8),
				le64(en + 16));
		}
	}
}

static void check_root(struct report *r, const struct handover *h)
{
	const struct entry *e = find(h, "root");
	const void *fdt;
	const char *compat;
	const u8 *cells;
	int len, node, i, n;
	unsigned long long prev = 0;
	bool any_zero = false, any_set = false;
	char where[96];
	unsigned long v;

	if (!e) {
		/* After kho_finish() only status, scratch and stats are left. */
		if (!strncmp(r->status, "finished", 8))
			r->finished = true;
		else
			problem(r, "root", "missing (no handover, or KHO disabled)");
		return;
	}
	r->root_size = e->len;
	if (e->len < sizeof(struct fdt_header) || e->len > PG) {
		problem(r, "root", "size %zu, not an FDT of at most one page", e->len);
		return;
	}
	fdt = e->data;
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > e->len) {
		problem(r, "root offset 0x0", "not a valid FDT header (%s)",
			fdt_strerror(fdt_check_header(fdt) ?: -FDT_ERR_TRUNCATED));
		return;
	}
	/* fdt_check_full() walks every tag, as the kernel's readers may. */
	if (fdt_check_full(fdt, e->len)) {
		problem(r, "root", "FDT structure is malformed (%s)",
			fdt_strerror(fdt_check_full(fdt, e->len)));
		return;
	}
	r->have_root = true;
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	if (!compat || len <= 0 || strnlen(compat, len) == (size_t)len) {
		problem(r, "root /compatible", "missing or not a string");
		return;
	}
	snprintf(r->root_compat, sizeof(r->root_compat), "%s", compat);
	/* kho_boot.c's kho_root_version() and its reasons. */
	v = version_of(compat, KHO_FDT_COMPATIBLE_PREFIX);
	if (!v) {
		problem(r, "root /compatible", "root compatible is \"%.40s\", not %s",
			compat, KHO_FDT_COMPATIBLE);
		return;
	}
	if (v > KHO_ROOT_VERSION_MAX) {
		problem(r, "root /compatible",
			"KHO root version %lu is newer than this kernel reads (%d)",
			v, KHO_ROOT_VERSION_MAX);
		return;
	}
	r->root_version = v;
	/* Version 2: the writer's page size, which must be the reader's. */
	if (v >= 2) {
		cells = fdt_getprop(fdt, 0, KHO_FDT_PROP_PAGE_SHIFT, &len);
		r->root_page_shift = cells && len == 4 ? (int)fdt32_ld((const fdt32_t *)cells) : -1;
		if (r->root_page_shift != READER_PAGE_SHIFT) {
			problem(r, "root /" KHO_FDT_PROP_PAGE_SHIFT,
				"root page-shift %d, this kernel's is %d",
				r->root_page_shift, READER_PAGE_SHIFT);
			r->root_refused = true;	/* the maps are not read */
			return;
		}
	}
	cells = fdt_getprop(fdt, 0, KHO_FDT_PROP_MEM, &len);
	if (!cells || len < 0 || len % 16) {
		problem(r, "root /" KHO_FDT_PROP_MEM,
			"missing or length %d not a multiple of 16", len);
		return;
	}
	n = len / 16;
	for (i = 0; i < n; i++) {
		unsigned long long order = be64(cells + 16 * i), first = be64(cells + 16 * i + 8);

		snprintf(where, sizeof(where), "root /%s entry %d (property offset 0x%x)",
			 KHO_FDT_PROP_MEM, i, 16 * i);
		if (order >= KHO_NR_ORDERS || (i && order <= prev)) {
			problem(r, where,
				"order %llu: orders must be below %d and strictly increasing",
				order, KHO_NR_ORDERS);
			return;
		}
		prev = order;
		if (!first)
			any_zero = true;
		else
			any_set = true;
		r->map[order].listed = true;
		r->map[order].first = first;
	}
	/* Before kexec: every order listed, no list built yet. */
	r->outgoing = n == KHO_NR_ORDERS && any_zero && !any_set;
	if (any_zero && !r->outgoing)
		problem(r, "root /" KHO_FDT_PROP_MEM, "a list address is 0");

	/*
	 * Version 3: kho_boot.c's kho_adopt_refs().  The chunks of a
	 * referenced list are its owner's, not exported: only the entries
	 * are checked here; the next kernel walks the lists.
	 */
	cells = v >= 3 ? fdt_getprop(fdt, 0, KHO_FDT_PROP_REF, &len) : NULL;
	if (cells && (len <= 0 || len % (8 * KHO_FDT_REF_CELLS))) {
		problem(r, "root /" KHO_FDT_PROP_REF,
			"length %d not a multiple of %d", len, 8 * KHO_FDT_REF_CELLS);
		cells = NULL;
	}
	n = cells ? len / (8 * KHO_FDT_REF_CELLS) : 0;
	for (i = 0; i < n; i++) {
		const u8 *c = cells + 8 * KHO_FDT_REF_CELLS * i;
		unsigned long long order = be64(c), first = be64(c + 8);

		snprintf(where, sizeof(where), "root /%s entry %d (property offset 0x%x)",
			 KHO_FDT_PROP_REF, i, 8 * KHO_FDT_REF_CELLS * i);
		if (order >= KHO_NR_ORDERS || !first) {
			problem(r, where,
				"bad order or address of a referenced list (order %llu, first chunk 0x%llx)",
				order, first);
			continue;
		}
		if (r->nr_refs < SHOW_REFS) {
			r->ref[r->nr_refs].order = order;
			r->ref[r->nr_refs].first = first;
			r->ref[r->nr_refs].ranges = be64(c + 16);
			r->ref[r->nr_refs].bytes = be64(c + 24);
		}
		r->ref_orders |= 1U << order;
		r->nr_refs++;
	}
	if (v >= 4)
		check_ref_array(r, h, fdt);

	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);
		const void *p;
		unsigned int b = r->nr_blobs;

		if (b == ARRAY_SIZE(r->blob)) {
			problem(r, "root", "more than %zu sub-blobs, the rest not shown",
				ARRAY_SIZE(r->blob));
			break;
		}
		snprintf(r->blob[b].name, sizeof(r->blob[b].name), "%s", name ?: "?");
		snprintf(where, sizeof(where), "root /%s", r->blob[b].name);
		r->blob[b].data_len = -1;
		compat = fdt_getprop(fdt, node, "compatible", &len);
		if (!compat || len <= 0 || strnlen(compat, len) == (size_t)len) {
			problem(r, where, "compatible missing or not a string");
			continue;
		}
		snprintf(r->blob[b].compat, sizeof(r->blob[b].compat), "%s", compat);
		r->blob[b].version = compat_version(compat);
		p = fdt_getprop(fdt, node, KHO_FDT_PROP_BLOB_PHYS, &len);
		if (!p || len != 8) {
			problem(r, where,
				"property " KHO_FDT_PROP_BLOB_PHYS " missing or not 8 bytes");
			continue;
		}
		r->blob[b].phys = be64(p);
		p = fdt_getprop(fdt, node, KHO_FDT_PROP_BLOB_SIZE, &len);
		if (!p || len != 8) {
			problem(r, where,
				"property " KHO_FDT_PROP_BLOB_SIZE " missing or not 8 bytes");
			continue;
		}
		r->blob[b].size = be64(p);
		if (!r->blob[b].size || r->blob[b].phys + r->blob[b].size < r->blob[b].phys)
			problem(r, where, "size 0x%llx at 0x%llx is empty or wraps",
				r->blob[b].size, r->blob[b].phys);
		r->nr_blobs++;
	}
}

/* luo_parse.c's luo_state_parse(): the state page and its reasons. */
static void check_luo(struct report *r, unsigned int b, const struct entry *e,
		      const char *file)
{
	const struct luo_state_abi *s = (const void *)e->data;
	char where[64];
	u32 version;

	snprintf(where, sizeof(where), "%s", file);
	if (version_of(r->blob[b].compat, LUO_COMPAT_PREFIX) != LUO_COMPAT_VERSION_MAX) {
		problem(r, where, "compatible \"%s\" is not a version this kernel reads",
			r->blob[b].compat);
		return;
	}
	if (e->len < LUO_STATE_V1_SIZE) {
		problem(r, where, "%zu bytes, shorter than LUO's state (%zu)",
			e->len, LUO_STATE_V1_SIZE);
		return;
	}
	version = le32toh(s->version);
	snprintf(where, sizeof(where), "%s offset 0x0", file);
	if (le32toh(s->magic) != LUO_STATE_MAGIC || !version) {
		problem(r, where,
			"live update state of unknown format (magic %#x version %u)",
			le32toh(s->magic), version);
		return;
	}
	snprintf(where, sizeof(where), "%s offset 0x4", file);
	if (version > LUO_STATE_VERSION_MAX) {
		problem(r, where,
			"live update state version %u is newer than this kernel reads (%d)",
			version, LUO_STATE_VERSION_MAX);
		return;
	}
	r->blob[b].luo = true;
	r->blob[b].luo_version = version;
	r->blob[b].nr_sessions = le64toh(s->nr_sessions);
	r->blob[b].nr_files = le64toh(s->nr_files);
	r->blob[b].sessions = le64toh(s->sessions);
	r->blob[b].files = le64toh(s->files);
	if (version >= 2) {
		snprintf(where, sizeof(where), "%s offset 0x%zx", file,
			 LUO_STATE_V1_SIZE);
		if (e->len < sizeof(*s)) {
			problem(r, where, "%zu bytes, shorter than LUO's state v%u (%zu)",
				e->len, version, sizeof(*s));
			return;
		}
		if (!s->release[0] || !memchr(s->release, 0, sizeof(s->release))) {
			problem(r, where, "live update state v%u: bad kernel release", version);
			return;
		}
		snprintf(r->blob[b].luo_release, sizeof(r->blob[b].luo_release), "%s",
			 s->release);
	}
	snprintf(where, sizeof(where), "%s offset 0x10", file);
	if (!r->blob[b].nr_sessions != !r->blob[b].sessions)
		problem(r, where, "%llu sessions but array handle 0x%llx",
			r->blob[b].nr_sessions, r->blob[b].sessions);
	snprintf(where, sizeof(where), "%s offset 0x20", file);
	if (!r->blob[b].nr_files != !r->blob[b].files)
		problem(r, where, "%llu files but array handle 0x%llx",
			r->blob[b].nr_files, r->blob[b].files);
	if (r->blob[b].nr_files && !r->blob[b].nr_sessions)
		problem(r, where, "files without a session");
}

/* luo_array.c's luo_array_counts_ok(). */
static bool luo_array_counts_ok(unsigned long long nr, unsigned long long nr_pages,
				u32 per_page)
{
	if (nr_pages > LUO_ARRAY_MAX_PAGES)
		return false;
	if (!nr_pages)
		return !nr;
	return nr <= nr_pages * per_page && nr > (nr_pages - 1) * per_page;
}

/*
 * luo/arrays (debugfs liveupdate/in/arrays): the headers of the session
 * and file arrays as the kernel read them; luo_array.c's
 * luo_array_restore() checks, against the counts of @b's state.
 */
static void check_luo_arrays(struct report *r, const struct entry *e, int b)
{
	static const char * const what[] = { "sessions", "files" };
	static const u32 elem_size[] = { 80, 112 };
	unsigned int i;
	char where[64];

	if (e->len != 2 * sizeof(struct luo_array_hdr)) {
		problem(r, "luo/arrays", "%zu bytes, not two %zu-byte array headers",
			e->len, sizeof(struct luo_array_hdr));
		return;
	}
	for (i = 0; i < 2; i++) {
		const struct luo_array_hdr *a = (const void *)(e->data + i * sizeof(*a));
		u32 version = le32toh(a->version), per_page = le32toh(a->per_page);
		unsigned long long nr = le64toh(a->nr), nr_pages = le64toh(a->nr_pages);
		size_t off = i * sizeof(*a);

		snprintf(where, sizeof(where), "luo/arrays %s offset 0x%zx", what[i], off);
		if (le32toh(a->magic) != LUO_ARRAY_MAGIC) {
			problem(r, where, "bad array magic 0x%08x", le32toh(a->magic));
			continue;
		}
		snprintf(where, sizeof(where), "luo/arrays %s offset 0x%zx", what[i], off + 4);
		if (!version || version > LUO_ARRAY_VERSION_MAX) {
			problem(r, where,
				"preserved array of version %u, this kernel reads 1 to %d",
				version, LUO_ARRAY_VERSION_MAX);
			continue;
		}
		/* Version 1: per_page was a reserved zero, the packing implied. */
		if (version == 1)
			per_page = per_page ? 0 : PG / elem_size[i];
		r->array[i].version = version;
		r->array[i].elem_size = le32toh(a->elem_size);
		r->array[i].per_page = per_page;
		r->array[i].nr = nr;
		r->array[i].nr_pages = nr_pages;
		snprintf(where, sizeof(where), "luo/arrays %s offset 0x%zx", what[i],
			 off + 8);
		if (le32toh(a->elem_size) != elem_size[i]) {
			problem(r, where, "element size %u, not %u", le32toh(a->elem_size),
				elem_size[i]);
			continue;
		}
		snprintf(where, sizeof(where), "luo/arrays %s offset 0x%zx", what[i],
			 off + 12);
		if (!per_page || per_page > PG / elem_size[i]) {
			if (version == 1)
				problem(r, where, "version 1 with per_page 0x%x, not 0 (reserved)",
					le32toh(a->per_page));
			else
				problem(r, where, "per_page %u, not 1 to %lu", per_page,
					PG / elem_size[i]);
			continue;
		}
		snprintf(where, sizeof(where), "luo/arrays %s offset 0x%zx", what[i],
			 off + 16);
		if (!luo_array_counts_ok(nr, nr_pages, per_page)) {
			problem(r, where, "%llu elements, %u a page, do not take %llu pages",
				nr, per_page, nr_pages);
			continue;
		}
		if (b >= 0 && r->blob[b].luo &&
		    nr != (i ? r->blob[b].nr_files : r->blob[b].nr_sessions))
			problem(r, where,
				"array sizes disagree with the state: %llu %s, the state says %llu",
				nr, what[i], i ? r->blob[b].nr_files : r->blob[b].nr_sessions);
	}
	r->have_arrays = true;
}

static int cmp_name(const void *a, const void *b)
{
	return strncmp(*(const char * const *)a, *(const char * const *)b, LUO_NAME_LEN);
}

static int cmp_token(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* luo/sessions and luo/files: the checks of luo_parse.c's luo_parse(). */
static void check_luo_records(struct report *r, const struct entry *se,
			      const struct entry *fe)
{
	unsigned long long ns, nf, s, f, next = 0, first, nr;
	const char **names = NULL;
	unsigned long long *tokens = NULL;
	char where[96];

	if (se->len % sizeof(struct luo_session_abi)) {
		problem(r, "luo/sessions", "%zu bytes, not a whole number of %zu-byte records",
			se->len, sizeof(struct luo_session_abi));
		return;
	}
	if (fe->len % sizeof(struct luo_file_abi)) {
		problem(r, "luo/files", "%zu bytes, not a whole number of %zu-byte records",
			fe->len, sizeof(struct luo_file_abi));
		return;
	}
	ns = se->len / sizeof(struct luo_session_abi);
	nf = fe->len / sizeof(struct luo_file_abi);
	r->have_luo = true;
	r->luo_sessions = ns;
	r->luo_files = nf;
	names = calloc(ns + 1, sizeof(*names));
	tokens = calloc(nf + 1, sizeof(*tokens));
	if (!names || !tokens)
		goto out;
	for (s = 0; s < ns; s++) {
		const struct luo_session_abi *sa = (const void *)(se->data + s * sizeof(*sa));
		size_t off = s * sizeof(*sa);

		snprintf(where, sizeof(where), "luo/sessions record %llu offset 0x%zx", s, off);
		if (!sa->name[0] || !memchr(sa->name, 0, LUO_NAME_LEN)) {
			problem(r, where, "name empty or not NUL-terminated");
			goto out;
		}
		names[s] = (const char *)sa->name;
		first = le64toh(sa->first_file);
		nr = le64toh(sa->nr_files);
		if (s < SHOW_SESSIONS) {
			snprintf(r->session[s].name, LUO_NAME_LEN, "%s", sa->name);
			r->session[s].nr_files = nr;
		}
		snprintf(where, sizeof(where), "luo/sessions record %llu offset 0x%zx", s,
			 off + LUO_NAME_LEN);
		if (first != next || nr > nf - first) {
			problem(r, where,
				"session \"%s\": files %llu+%llu, not the next %llu of %llu",
				sa->name, first, nr, next, nf);
			goto out;
		}
		for (f = first; f < first + nr; f++) {
			const struct luo_file_abi *fa = (const void *)(fe->data + f * sizeof(*fa));
			unsigned int n = le32toh(fa->nr_versions), v;

			snprintf(where, sizeof(where), "luo/files record %llu offset 0x%zx", f,
				 (size_t)(f * sizeof(*fa)));
			if (!memchr(fa->compatible, 0, sizeof(fa->compatible)) || !n ||
			    n > LUO_MAX_VERSIONS || fa->reserved) {
				problem(r, where,
					"session \"%s\" file %llu: compatible not NUL-terminated, %u versions (1 to %d) or reserved 0x%x not 0",
					sa->name, f - first, n, LUO_MAX_VERSIONS,
					le32toh(fa->reserved));
				goto out;
			}
			tokens[f] = le64toh(fa->token);
			if (r->nr_shown_files < SHOW_FILES && s < SHOW_SESSIONS) {
				unsigned int i = r->nr_shown_files++;

				r->file[i].session = s;
				r->file[i].index = f;
				snprintf(r->file[i].compat, LUO_COMPAT_MAX, "%s", fa->compatible);
				r->file[i].token = tokens[f];
				r->file[i].nr_versions = n;
				for (v = 0; v < n; v++)
					r->file[i].version[v] = le32toh(fa->version[v]);
			}
		}
		qsort(tokens + first, nr, sizeof(*tokens), cmp_token);
		for (f = first + 1; f < first + nr; f++)
			if (tokens[f] == tokens[f - 1]) {
				problem(r, "luo/files", "session \"%s\": token %llu twice",
					sa->name, tokens[f]);
				goto out;
			}
		next = first + nr;
	}
	if (next != nf) {
		problem(r, "luo/files", "%llu files belong to no session", nf - next);
		goto out;
	}
	qsort(names, ns, sizeof(*names), cmp_name);
	for (s = 1; s < ns; s++)
		if (!strncmp(names[s], names[s - 1], LUO_NAME_LEN)) {
			problem(r, "luo/sessions", "session name \"%s\" twice", names[s]);
			break;
		}
out:
	free(names);
	free(tokens);
}

/* ---- the handlers' records (luo/records) ---- */

/*
 * The largest folio order of a memfd the reader can hold: an x86-64
 * kernel with transparent huge pages (PMD order); a hugetlb memfd holds
 * its huge page order (memfd_luo.c's memfd_luo_max_order()).
 */
#define READER_SHMEM_MAX_ORDER	9

/* One page or record of a file version in luo/records. */
struct rpiece {
	u32 kind;
	unsigned long long phys, len;
	const u8 *data;
	size_t off;
};

/* The folios the incoming KHO maps hand over, for memfd_luo_check_folios(). */
struct kho_ranges {
	const struct rng *all;
	size_t n;
	bool known;	/* false: no map chunks (before a kexec): anything goes */
	/*
	 * Orders that referenced lists of a root v3 hand over: their ranges
	 * are not in debugfs, so a folio of such an order that is in no map
	 * cannot be told from one that is not handed over, and is taken as
	 * handed over (a weaker check; see the Limitations of
	 * Documentation/core-api/liveupdate-memfd.rst).
	 */
	unsigned int ref_orders;
};

/* The range of the incoming maps (sorted, disjoint) holding @phys, or NULL. */
static const struct rng *kho_range_of(const struct kho_ranges *k, uint64_t phys)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rng *g = &k->all[mid];

		if (phys < g->phys)
			hi = mid;
		else if (phys >= g->phys + g->len)
			lo = mid + 1;
		else
			return g;
	}
	return NULL;
}

static bool folio_handed_over(uint64_t phys, unsigned int order, void *arg)
{
	const struct kho_ranges *k = arg;
	const struct rng *g;

	if (!k->known)
		return true;
	g = kho_range_of(k, phys);
	if (g)
		return g->order == order && !((phys - g->phys) % (PG << order));
	return order < 32 && (k->ref_orders & (1U << order));
}

/*
 * Whether @phys is a page the incoming KHO maps hand over at order 0, as
 * the chunk pages of every physr list are (a referenced list's too): no
 * referenced-order guess here.
 */
static bool page_in_maps(const struct kho_ranges *k, uint64_t phys)
{
	const struct rng *g;

	if (!k->known)
		return true;
	g = kho_range_of(k, phys);
	return g && g->order == 0;
}

static int shown_file(const struct report *r, unsigned long long f)
{
	unsigned int i;

	for (i = 0; i < r->nr_shown_files; i++)
		if (r->file[i].index == f)
			return i;
	return -1;
}

/* Why memfd_luo_check_hdr() refused @h: the field, as the kernel checks. */
static void memfd_hdr_why(const struct memfd_luo_hdr *h, u32 version, char *why,
			  size_t n)
{
	u32 name_len = le32toh(h->name_len);
	u32 flags = le32toh(h->flags);
	const struct memfd_luo_v3_lists *refs = (const void *)(h + 1);
	unsigned long long total = 0;
	unsigned int o, bad_ref = MEMFD_LUO_NR_ORDERS;

	for (o = 0; version == MEMFD_LUO_V3 && o < MEMFD_LUO_NR_ORDERS; o++) {
		unsigned long long first = le64toh(refs->lists[o].first);
		unsigned long long np = le64toh(refs->lists[o].nr_pages);

		if ((!first != !np || first % PG) && bad_ref == MEMFD_LUO_NR_ORDERS)
			bad_ref = o;
		total += np;
	}
	if (version == MEMFD_LUO_V3 && bad_ref < MEMFD_LUO_NR_ORDERS)
		snprintf(why, n, "offset 0x%zx: list of order %u: first chunk 0x%llx, %llu pages",
			 sizeof(*h) + bad_ref * sizeof(struct memfd_luo_list_ref), bad_ref,
			 (unsigned long long)le64toh(refs->lists[bad_ref].first),
			 (unsigned long long)le64toh(refs->lists[bad_ref].nr_pages));
	else if (version == MEMFD_LUO_V3 && total != le64toh(h->nr_pages))
		snprintf(why, n, "offset 0x%zx: the lists hold %llu pages, the header says %llu",
			 sizeof(*h), total, (unsigned long long)le64toh(h->nr_pages));
	else if (le64toh(h->magic) != MEMFD_LUO_MAGIC)
		snprintf(why, n, "offset 0x0: magic 0x%llx, not 0x%llx",
			 (unsigned long long)le64toh(h->magic), MEMFD_LUO_MAGIC);
	else if (le32toh(h->version) != version)
		snprintf(why, n, "offset 0x8: version %u, LUO's file record says %u",
			 le32toh(h->version), version);
	else if (flags & ~MEMFD_LUO_HUGETLB)
		snprintf(why, n, "offset 0xc: unknown flags 0x%x", flags);
	else if (le64toh(h->size) > INT64_MAX || le64toh(h->pos) > INT64_MAX)
		snprintf(why, n, "offset 0x10: size %llu or position %llu beyond the largest file",
			 (unsigned long long)le64toh(h->size),
			 (unsigned long long)le64toh(h->pos));
	else if (le32toh(h->seals) & ~0x3fU)
		snprintf(why, n, "offset 0x20: unknown seals 0x%x", le32toh(h->seals));
	else if (le32toh(h->mode) & ~07777)
		snprintf(why, n, "offset 0x24: mode 0%o has more than permission bits",
			 le32toh(h->mode));
	else if (name_len > 255 || h->name[name_len] || strlen(h->name) != name_len ||
		 strncmp(h->name, "memfd:", 6))
		snprintf(why, n, "offset 0x4c: a name of %u bytes that is not \"memfd:...\" of that length",
			 name_len);
	else if (!h->nr_entries != !h->entries)
		snprintf(why, n, "offset 0x38: %llu entries but array handle 0x%llx",
			 (unsigned long long)le64toh(h->nr_entries),
			 (unsigned long long)le64toh(h->entries));
	else if (h->reserved[0] || h->reserved[1])
		snprintf(why, n, "offset 0x50: reserved 0x%llx 0x%llx, not zero",
			 (unsigned long long)le64toh(h->reserved[0]),
			 (unsigned long long)le64toh(h->reserved[1]));
	else if (flags & MEMFD_LUO_HUGETLB)
		snprintf(why, n, "offset 0x48: huge page order %u is not one of x86's (9, 18)",
			 le32toh(h->huge_order));
	else
		snprintf(why, n, "refused by memfd_luo_check_hdr()");
}

/* Why memfd_luo_validate() refused the entries, as it checks them. */
static void memfd_entries_why(const struct memfd_luo_hdr *h, const struct lu_memfd_arr *a,
			      u32 version, unsigned int max_order, char *why, size_t n)
{
	unsigned long long size = le64toh(h->size), end_index = (size + PG - 1) / PG;
	unsigned long long next = 0, pages = 0, folios = 0, i;
	bool hugetlb = le32toh(h->flags) & MEMFD_LUO_HUGETLB;
	struct lu_memfd_item it;

	if (hugetlb) {
		if (le32toh(h->huge_order) != max_order) {
			snprintf(why, n, "huge page order %u, not the file's", le32toh(h->huge_order));
			return;
		}
		end_index = (end_index + (1ULL << max_order) - 1) & ~((1ULL << max_order) - 1);
	} else if (h->huge_order) {
		snprintf(why, n, "a huge page order %u for a shmem file", le32toh(h->huge_order));
		return;
	}
	for (i = 0; a && i < a->nr; i++) {
		unsigned long long np;

		lu_memfd_item(a, version, i, &it);
		np = it.nr_folios << it.order;
		if (!it.nr_folios || it.nr_folios > (1ULL << 40) ||
		    it.phys % (PG << it.order) || it.index % (1ULL << it.order)) {
			snprintf(why, n, "entry %llu (0x%llx index %llu, %llu folios of order %u) empty or not aligned to its order",
				 i, (unsigned long long)it.phys, (unsigned long long)it.index,
				 (unsigned long long)it.nr_folios, it.order);
			return;
		}
		if (it.index < next) {
			snprintf(why, n, "entry %llu at index %llu overlaps or precedes the one before (ends at %llu)",
				 i, (unsigned long long)it.index, next);
			return;
		}
		if (it.index + np < it.index || it.index + np - (1ULL << it.order) >= end_index) {
			snprintf(why, n, "entry %llu: pages %llu to %llu, beyond the file's %llu",
				 i, (unsigned long long)it.index,
				 (unsigned long long)(it.index + np), end_index);
			return;
		}
		next = it.index + np;
		pages += np;
		folios += it.nr_folios;
	}
	if (version == MEMFD_LUO_V3) {
		const struct memfd_luo_v3_lists *refs = (const void *)(h + 1);
		unsigned int o;

		for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++) {
			unsigned long long sp = 0;

			for (i = 0; a && i < a->nr; i++) {
				lu_memfd_item(a, version, i, &it);
				if (it.order == o)
					sp += it.nr_folios << o;
			}
			if (sp != le64toh(refs->lists[o].nr_pages)) {
				snprintf(why, n, "the segments of order %u hold %llu pages, its list %llu",
					 o, sp,
					 (unsigned long long)le64toh(refs->lists[o].nr_pages));
				return;
			}
		}
	}
	snprintf(why, n, "the entries hold %llu pages in %llu folios, the header says %llu and %llu",
		 pages, folios, (unsigned long long)le64toh(h->nr_pages),
		 (unsigned long long)le64toh(h->nr_folios));
}

struct rext {
	unsigned long long start, end;
};

static int cmp_rext(const void *a, const void *b)
{
	const struct rext *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * luo_array.c's luo_array_restore() on the pages of @p: the header page at
 * @handle, the chain of chunk pages, every element page.  Fills @a (its
 * pages malloc()ed) and the file version's array figures; false with a
 * problem at @where when the kernel would refuse the array.
 */
static bool check_rec_array(struct report *r, const char *where, const char *what,
			    unsigned long long handle, u32 elem_size,
			    const struct rpiece *p, unsigned int np,
			    struct lu_memfd_arr *a, struct rarr *fv)
{
	const u8 **pages = NULL;
	struct physr_walk_info info;
	const u8 *hdr = NULL;
	struct rext *ext = NULL;
	unsigned long long nr, nr_pages, phys, n = 0, next;
	unsigned int i, j, nc = 0, ne = 0;
	u32 version, per_page;
	bool ok = false;
	int ret;

	for (i = 0; i < np; i++)
		if (p[i].kind == LUO_DBG_ARRAY && p[i].phys == handle)
			hdr = p[i].data;
	if (!hdr) {
		problem(r, where,
			"%s array rejected: its header 0x%llx was not exported (not preserved memory waiting to be restored)", what,
			handle);
		return false;
	}
	version = le32(hdr + 4);
	if (le32(hdr) != LUO_ARRAY_MAGIC) {
		problem(r, where, "%s array rejected: 0x%llx has magic 0x%x, not an array header", what,
			handle, le32(hdr));
		return false;
	}
	if (!version || version > LUO_ARRAY_VERSION_MAX) {
		problem(r, where,
			"%s array rejected: preserved array of version %u, this kernel reads 1 to %d", what,
			version, LUO_ARRAY_VERSION_MAX);
		return false;
	}
	per_page = version == 1 ? (le32(hdr + 12) ? 0 : PG / elem_size) : le32(hdr + 12);
	nr = le64(hdr + 16);
	nr_pages = le64(hdr + 24);
	fv->have = true;
	fv->version = version;
	fv->nr = nr;
	if (le32(hdr + 8) != elem_size || !per_page || per_page > PG / elem_size ||
	    !luo_array_counts_ok(nr, nr_pages, per_page)) {
		problem(r, where,
			"%s array rejected: elements of %u bytes (want %u), %u a page, %llu in %llu pages", what,
			le32(hdr + 8), elem_size, per_page, nr, nr_pages);
		return false;
	}
	cur_map = calloc(np + 1, sizeof(*cur_map));
	pages = calloc(nr_pages + 1, sizeof(*pages));
	if (!cur_map || !pages)
		goto out;
	for (i = 0; i < np; i++)
		if (p[i].kind == LUO_DBG_CHUNK) {
			cur_map[nc].phys = p[i].phys;
			cur_map[nc++].data = p[i].data;
		}
	cur_map_n = nc;
	ret = physr_validate_chain(le64(hdr + 32), LUO_ARRAY_MAX_PAGES, chunk_in_map, NULL,
				   &info);
	if (ret) {
		problem(r, where, "%s array rejected: its page list %s: %s (%d)", what,
			ret == -ERANGE ? "leads to a chunk that was not exported" :
			"is rejected as the kernel would", errname(ret), ret);
		goto out;
	}
	fv->ranges = info.nr_ranges;
	fv->bytes = info.total_bytes;
	fv->chunks = info.nr_chunks;
	/* luo_array.c's luo_array_check_list(): version 1 only. */
	if (info.nr_packed) {
		problem(r, where,
			"%s array rejected: %lu of its page list's chunks are packed (physr chunk version 2), an array's are version 1 only", what,
			info.nr_packed);
		goto out;
	}
	if (info.kind != PHYSR_RAM || info.total_bytes != nr_pages * PG) {
		problem(r, where, "%s array rejected: its list holds %llu bytes, not %llu pages", what,
			(unsigned long long)info.total_bytes, nr_pages);
		goto out;
	}
	/* The header, every chunk and every range: what must not overlap. */
	ext = calloc(1 + info.nr_chunks + info.nr_ranges, sizeof(*ext));
	if (!ext)
		goto out;
	ext[ne++] = (struct rext){ handle, handle + PG };
	for (phys = le64(hdr + 32); phys; phys = next) {
		const u8 *c = phys_to_virt(phys);
		u32 count = le32(c + 12);

		next = le64(c + 16);
		ext[ne++] = (struct rext){ phys, phys + PG };
		for (i = 0; i < count; i++) {
			unsigned long long s = le64(c + 32 + 16 * i), len = le64(c + 40 + 16 * i), o;

			if (s % PG || len % PG) {
				problem(r, where, "%s array rejected: range 0x%llx+0x%llx not page aligned", what,
					s, len);
				goto out;
			}
			ext[ne++] = (struct rext){ s, s + len };
			for (o = 0; o < len; o += PG) {
				for (j = 0; j < np; j++)
					if (p[j].kind == LUO_DBG_ELEMS && p[j].phys == s + o)
						break;
				if (j == np || n >= nr_pages) {
					problem(r, where,
						"%s array rejected: element page 0x%llx was not exported (not preserved memory waiting to be restored)", what,
						s + o);
					goto out;
				}
				pages[n++] = p[j].data;
			}
		}
	}
	qsort(ext, ne, sizeof(*ext), cmp_rext);
	for (i = 1; i < ne; i++)
		if (ext[i].start < ext[i - 1].end) {
			problem(r, where, "%s array rejected: page 0x%llx named twice", what,
				ext[i].start);
			goto out;
		}
	a->nr = nr;
	a->elem_size = elem_size;
	a->per_page = per_page;
	a->pages = (const uint8_t *const *)pages;
	pages = NULL;
	ok = true;
out:
	free(cur_map);
	cur_map = NULL;
	cur_map_n = 0;
	free(pages);
	free(ext);
	return ok;
}

/* memfd_luo.c's checks of a record before a retrieve takes anything. */
static void check_memfd_record(struct report *r, const char *where, u32 version,
			       const struct rpiece *rec, const struct rpiece *p,
			       unsigned int np, const struct kho_ranges *k,
			       struct frec_v *fv)
{
	static u8 page[PG] __attribute__((aligned(8)));
	struct memfd_luo_hdr *h = (void *)page;
	struct lu_memfd_arr a = { 0 };
	enum lu_memfd_stage st;
	unsigned int max_order;
	unsigned long long entry = 0;
	struct lu_memfd_item it;
	char why[200];
	int err;

	if (version != MEMFD_LUO_V1 && version != MEMFD_LUO_V2 &&
	    version != MEMFD_LUO_V3) {
		problem(r, where, "record version %u is not one this kernel reads (1, 2, 3)",
			version);
		return;
	}
	if (rec->len < sizeof(*h) + (version == MEMFD_LUO_V3 ?
				     sizeof(struct memfd_luo_v3_lists) : 0)) {
		problem(r, where, "%llu bytes, a memfd record v%u has %zu", rec->len, version,
			sizeof(*h) + (version == MEMFD_LUO_V3 ?
				      sizeof(struct memfd_luo_v3_lists) : 0));
		return;
	}
	memset(page, 0, sizeof(page));
	memcpy(page, rec->data, rec->len);
	fv->memfd = true;
	fv->size = le64toh(h->size);
	fv->seals = le32toh(h->seals);
	fv->mode = le32toh(h->mode);
	fv->flags = le32toh(h->flags);
	fv->nr_pages = le64toh(h->nr_pages);
	fv->nr_folios = le64toh(h->nr_folios);
	fv->nr_entries = le64toh(h->nr_entries);
	snprintf(fv->name, sizeof(fv->name), "%.*s", (int)strnlen(h->name, sizeof(h->name)),
		 h->name);
	if (lu_memfd_check_hdr(h, version)) {
		memfd_hdr_why(h, version, why, sizeof(why));
		problem(r, where, "malformed record header (v%u): %s", version, why);
		return;
	}
	/*
	 * memfd_luo_v3_lists_ok(): each list's first chunk is a preserved
	 * page (the rest of the chain is not in debugfs).
	 */
	for (unsigned int o = 0; version == MEMFD_LUO_V3 && o < MEMFD_LUO_NR_ORDERS; o++) {
		const struct memfd_luo_v3_lists *refs = (const void *)(h + 1);
		unsigned long long first = le64toh(refs->lists[o].first);

		if (first && !page_in_maps(k, first)) {
			problem(r, where,
				"%s: folio list of order %u rejected: its first chunk 0x%llx is not a page in the KHO maps",
				fv->name, o, first);
			return;
		}
	}
	if (h->nr_entries &&
	    !check_rec_array(r, where, "entry", le64toh(h->entries),
			     version == MEMFD_LUO_V3 ? sizeof(struct memfd_luo_seg) :
			     version == MEMFD_LUO_V2 ? sizeof(struct memfd_luo_run) :
			     sizeof(struct memfd_luo_folio), p, np, &a, &fv->arr[0]))
		return;
	max_order = fv->flags & MEMFD_LUO_HUGETLB ? le32toh(h->huge_order) :
		    READER_SHMEM_MAX_ORDER;
	st = lu_memfd_check(h, version, h->nr_entries ? &a : NULL, max_order,
			    folio_handed_over, (void *)k, &err, (uint64_t *)&entry);
	switch (st) {
	case LU_MEMFD_OK:
		fv->memfd_ok = true;
		break;
	case LU_MEMFD_HDR:
		problem(r, where, "malformed record header (v%u)", version);
		break;
	case LU_MEMFD_ORDER:
		lu_memfd_item(&a, version, entry, &it);
		problem(r, where, "%s: entry %llu: a folio of order %u, the new file holds at most order %u",
			fv->name, entry, it.order, max_order);
		break;
	case LU_MEMFD_ENTRIES:
		memfd_entries_why(h, &a, version, max_order, why, sizeof(why));
		problem(r, where, "%s: malformed v%u entries: %s", fv->name, version, why);
		break;
	case LU_MEMFD_FOLIOS: {
		unsigned long long i, j;

		snprintf(why, sizeof(why), "two entries name the same memory");
		for (i = 0; i < a.nr; i++) {
			lu_memfd_item(&a, version, i, &it);
			for (j = 0; j < it.nr_folios; j++)
				if (!folio_handed_over(it.phys + ((j << it.order) * PG), it.order,
						       (void *)k)) {
					snprintf(why, sizeof(why),
						 "entry %llu: 0x%llx is not a folio of order %u in the KHO maps",
						 i, (unsigned long long)(it.phys + ((j << it.order) * PG)),
						 it.order);
					i = a.nr;
					break;
				}
		}
		problem(r, where, "%s: v%u entries name memory not handed over as such: %s",
			fv->name, version, why);
		break;
	}
	}
	free((void *)a.pages);
}

/* iommufd's checks of its record before it makes anything of it (bounds). */
static void check_iommufd_record(struct report *r, const char *where, u32 version,
				 const struct rpiece *rec, const struct rpiece *p,
				 unsigned int np, struct frec_v *fv)
{
	static const char * const names[4] = { "IOAS", "HWPT", "area", "device" };
	static const u32 elem[4] = {
		sizeof(struct iommufd_lu_ioas), sizeof(struct iommufd_lu_hwpt),
		sizeof(struct iommufd_lu_area), sizeof(struct iommufd_lu_device),
	};
	struct iommufd_lu_hdr h = { 0 };
	unsigned long long nr[4], handle[4], i;
	unsigned int k;

	if (version != IOMMUFD_LU_V1) {
		problem(r, where, "record version %u is not one this kernel reads (1)", version);
		return;
	}
	if (rec->len < sizeof(h)) {
		problem(r, where, "%llu bytes, an iommufd record has %zu", rec->len, sizeof(h));
		return;
	}
	memcpy(&h, rec->data, sizeof(h));
	fv->iommufd = true;
	nr[0] = fv->nr_ioas = le32toh(h.nr_ioas);
	nr[1] = fv->nr_hwpts = le32toh(h.nr_hwpts);
	nr[2] = fv->nr_areas = le64toh(h.nr_areas);
	nr[3] = fv->nr_devices = le32toh(h.nr_devices);
	handle[0] = le64toh(h.ioas);
	handle[1] = le64toh(h.hwpts);
	handle[2] = le64toh(h.areas);
	handle[3] = le64toh(h.devices);
	if (!iommufd_lu_hdr_valid(&h)) {
		if (le64toh(h.magic) != IOMMUFD_LU_MAGIC)
			problem(r, where, "malformed record header: offset 0x0: magic 0x%llx, not 0x%llx",
				(unsigned long long)le64toh(h.magic), IOMMUFD_LU_MAGIC);
		else if (le32toh(h.version) != IOMMUFD_LU_V1)
			problem(r, where, "malformed record header: offset 0x8: version %u, not %d",
				le32toh(h.version), IOMMUFD_LU_V1);
		else if (h.reserved || h.reserved2)
			problem(r, where, "malformed record header: reserved fields not zero");
		else
			problem(r, where,
				"malformed record header: %llu IOAS, %llu HWPT (1 to %d, at least as many as IOAS), %llu devices (at most %d), %llu areas (at most %lu)",
				nr[0], nr[1], IOMMUFD_LU_MAX_OBJS, nr[3], IOMMUFD_LU_MAX_OBJS, nr[2],
				(unsigned long)IOMMUFD_LU_MAX_AREAS);
		return;
	}
	for (k = 0; k < 4; k++) {
		struct lu_memfd_arr a = { 0 };

		if (!nr[k] != !handle[k]) {
			problem(r, where, "%s array: count %llu with handle 0x%llx", names[k], nr[k],
				handle[k]);
			return;
		}
		if (!nr[k])
			continue;
		if (!check_rec_array(r, where, names[k], handle[k], elem[k], p, np, &a,
				     &fv->arr[k]))
			return;
		if (a.nr != nr[k]) {
			problem(r, where, "%s array: %llu entries, header says %llu", names[k],
				(unsigned long long)a.nr, nr[k]);
			free((void *)a.pages);
			return;
		}
		for (i = 0; i < a.nr; i++) {
			const u8 *e = a.pages[i / a.per_page] + (i % a.per_page) * elem[k];

			if (k == 2)
				fv->mapped += le64(e + 8);
			if (k == 3 && !i)
				snprintf(fv->device, sizeof(fv->device), "%.*s",
					 (int)strnlen((const char *)e + 8, IOMMUFD_LU_DEV_NAME_LEN),
					 e + 8);
		}
		free((void *)a.pages);
	}
}

/* vfio-pci's checks of its record before it looks for the device. */
static void check_vfio_record(struct report *r, const char *where, u32 version,
			      const struct rpiece *rec, struct frec_v *fv)
{
	struct vfio_pci_lu_rec v;

	if (version != VFIO_PCI_LU_V1) {
		problem(r, where, "record version %u is not one this kernel reads (1)", version);
		return;
	}
	if (rec->len < sizeof(v)) {
		problem(r, where, "%llu bytes, a vfio-pci record has %zu", rec->len, sizeof(v));
		return;
	}
	memcpy(&v, rec->data, sizeof(v));
	fv->vfio = true;
	fv->segment = le32toh(v.segment);
	fv->bus = le16toh(v.bus);
	fv->devfn = le16toh(v.devfn);
	fv->vendor = le16toh(v.vendor);
	fv->device_id = le16toh(v.device);
	fv->dev_id = le32toh(v.dev_id);
	fv->hwpt_id = le32toh(v.hwpt_id);
	fv->ioas_id = le32toh(v.ioas_id);
	fv->iommu_handle = le64toh(v.iommu_handle);
	fv->iommufd_token = le64toh(v.iommufd_token);
	if (!vfio_pci_lu_rec_valid(&v))
		problem(r, where,
			"malformed record: magic 0x%llx (0x%llx), version %u (%d), reserved 0x%x, bus %u, devfn %u, ids %u/%u/%u, session name NUL-terminated: %s",
			(unsigned long long)le64toh(v.magic), VFIO_PCI_LU_MAGIC,
			le32toh(v.version), VFIO_PCI_LU_V1, le32toh(v.reserved), fv->bus, fv->devfn,
			fv->dev_id, fv->hwpt_id, fv->ioas_id,
			memchr(v.iommufd_session, 0, sizeof(v.iommufd_session)) ? "yes" : "no");
}

/* One file version's pieces: its record first, then the pages it names. */
static void check_rec_group(struct report *r, const struct luo_file_abi *fa,
			    unsigned long long f, unsigned int v, const struct rpiece *p,
			    unsigned int np, const struct kho_ranges *k)
{
	int si = shown_file(r, f);
	struct frec_v dummy, *fv = &dummy;
	unsigned int i;
	char where[128];

	memset(&dummy, 0, sizeof(dummy));
	snprintf(where, sizeof(where), "luo/records offset 0x%zx (file %llu token %llu v%u)",
		 p[0].off, f, (unsigned long long)le64toh(fa->token),
		 le32toh(fa->version[v]));
	if (p[0].kind == LUO_DBG_GONE) {
		if (si >= 0)
			r->frec[si].gone = true;
		return;
	}
	if (p[0].kind != LUO_DBG_RECORD) {
		problem(r, where, "kind %u before the file's record", p[0].kind);
		return;
	}
	for (i = 1; i < np; i++)
		if ((p[i].kind != LUO_DBG_ARRAY && p[i].kind != LUO_DBG_CHUNK &&
		     p[i].kind != LUO_DBG_ELEMS) || p[i].len != PG || p[i].phys % PG) {
			problem(r, where, "piece at 0x%zx: kind %u of %llu bytes at 0x%llx, not a page of an array",
				p[i].off, p[i].kind, p[i].len, p[i].phys);
			return;
		}
	if (si >= 0) {
		fv = &r->frec[si].v[v];
		r->frec[si].have = true;
	}
	fv->have = true;
	fv->version = le32toh(fa->version[v]);
	fv->phys = p[0].phys;
	fv->len = p[0].len;
	if (p[0].phys != le64toh(fa->data[v])) {
		problem(r, where, "a record at 0x%llx, LUO's file record says 0x%llx",
			p[0].phys, (unsigned long long)le64toh(fa->data[v]));
		return;
	}
	if (!strncmp(fa->compatible, "memfd", sizeof(fa->compatible)))
		check_memfd_record(r, where, fv->version, &p[0], p + 1, np - 1, k, fv);
	else if (!strncmp(fa->compatible, "iommufd", sizeof(fa->compatible)))
		check_iommufd_record(r, where, fv->version, &p[0], p + 1, np - 1, fv);
	else if (!strncmp(fa->compatible, "vfio-pci", sizeof(fa->compatible)))
		check_vfio_record(r, where, fv->version, &p[0], fv);
}

/* luo/records (debugfs liveupdate/{out,in}/records) against luo/files. */
static void check_records(struct report *r, const struct handover *h,
			  const struct kho_ranges *k)
{
	const struct entry *re = find(h, "luo/records"), *fe = find(h, "luo/files");
	struct rpiece *p = NULL;
	unsigned int np = 0, cap = 0;
	size_t off = 0, nf;
	unsigned long long f = 0;
	unsigned int v = 0;
	char where[64];

	if (!re)
		return;
	r->have_records = true;
	if (!fe || !r->have_luo) {
		problem(r, "luo/records", "saved without valid luo/sessions and luo/files");
		return;
	}
	nf = fe->len / sizeof(struct luo_file_abi);
	while (off <= re->len) {
		struct luo_dbg_record d;
		const struct luo_file_abi *fa;
		unsigned long long df = 0, len;
		unsigned int dv = 0;

		if (off < re->len) {
			snprintf(where, sizeof(where), "luo/records offset 0x%zx", off);
			if (re->len - off < sizeof(d)) {
				problem(r, where, "%zu bytes, a piece header has %zu", re->len - off,
					sizeof(d));
				break;
			}
			memcpy(&d, re->data + off, sizeof(d));
			df = le64toh(d.file);
			dv = le32toh(d.version);
			len = le64toh(d.len);
			if (len > re->len - off - sizeof(d)) {
				problem(r, where, "a piece of %llu bytes, %zu left", len,
					re->len - off - sizeof(d));
				break;
			}
		}
		/* A group ends where the file or version changes, or at the end. */
		if (np && (off == re->len || df != f || dv != v)) {
			check_rec_group(r, (const void *)(fe->data + f * sizeof(*fa)), f, v, p,
					np, k);
			np = 0;
		}
		if (off == re->len)
			break;
		if (df >= nf) {
			problem(r, where, "file %llu, luo/files has %zu", df, nf);
			break;
		}
		fa = (const void *)(fe->data + df * sizeof(*fa));
		if (le64toh(d.token) != le64toh(fa->token) || dv >= le32toh(fa->nr_versions)) {
			problem(r, where,
				"file %llu token %llu version %u, luo/files has token %llu and %u versions (read at different times?)",
				df, (unsigned long long)le64toh(d.token), dv,
				(unsigned long long)le64toh(fa->token), le32toh(fa->nr_versions));
			break;
		}
		if (np == cap) {
			struct rpiece *n = realloc(p, (cap + 64) * sizeof(*p));

			if (!n)
				break;
			p = n;
			cap += 64;
		}
		p[np++] = (struct rpiece){ le32toh(d.kind), le64toh(d.phys), len,
					   re->data + off + sizeof(d), off };
		f = df;
		v = dv;
		off += sizeof(d) + len;
	}
	free(p);
}

void lu_analyze(struct report *r, const struct handover *h, const char *source)
{
	const struct entry *e;
	struct rng *all = NULL;
	size_t nall = 0, i;
	unsigned int o, b;
	char name[32];

	memset(r, 0, sizeof(*r));
	r->source = source;
	r->root_version = -1;
	r->root_page_shift = -1;
	e = find(h, "status");
	if (e)
		snprintf(r->status, sizeof(r->status), "%.*s",
			 (int)strcspn((const char *)e->data, "\n"),
			 (const char *)e->data);
	e = find(h, "scratch");
	if (e) {
		if (e->len % 16 || e->len > 16 * KHO_MAX_SCRATCH || !e->len) {
			problem(r, "scratch", "%zu bytes: not 1 to %d entries of 16 bytes",
				e->len, KHO_MAX_SCRATCH);
		} else {
			r->nr_scratch = e->len / 16;
			for (o = 0; o < r->nr_scratch; o++) {
				char where[48];

				r->scratch[o][0] = le64(e->data + 16 * o);
				r->scratch[o][1] = le64(e->data + 16 * o + 8);
				snprintf(where, sizeof(where), "scratch offset 0x%x", 16 * o);
				if (!r->scratch[o][1] || r->scratch[o][0] % PG ||
				    r->scratch[o][1] % PG ||
				    r->scratch[o][0] + r->scratch[o][1] < r->scratch[o][0])
					problem(r, where,
						"area 0x%llx+0x%llx empty, unaligned or wrapping",
						r->scratch[o][0], r->scratch[o][1]);
			}
		}
	}
	check_root(r, h);
	if (!r->have_root || r->root_version < 0 || r->root_refused)
		goto blobs;

	e = find(h, "maps");
	if (e)
		read_map_figures(r, e);
	for (o = 0; o < KHO_NR_ORDERS; o++) {
		snprintf(name, sizeof(name), "maps/order-%u", o);
		e = find(h, name);
		if (e && !r->map[o].listed) {
			problem(r, name, "saved, but the root lists no order %u", o);
			continue;
		}
		if (e && r->map[o].first)
			check_map(r, o, e, &all, &nall);
		else if (r->map[o].first && any_maps(h))
			problem(r, name,
				"the root lists a list of order %u, its chunk pages were not saved",
				o);
	}
	/* kho_check_overlaps(): no two ranges of any order overlap. */
	if (nall) {
		qsort(all, nall, sizeof(*all), cmp_rng);
		for (i = 1; i < nall; i++)
			if (all[i].phys < all[i - 1].phys + all[i - 1].len) {
				char where[48];

				snprintf(where, sizeof(where), "maps/order-%u", all[i].order);
				problem(r, where, "range 0x%llx overlaps 0x%llx+0x%llx of order %u",
					all[i].phys, all[i - 1].phys, all[i - 1].len,
					all[i - 1].order);
				break;
			}
	}
blobs:
	e = find(h, "luo/sessions");
	if (e && find(h, "luo/files"))
		check_luo_records(r, e, find(h, "luo/files"));
	else if (e || find(h, "luo/files"))
		problem(r, "luo", "sessions and files must be saved together");
	for (b = 0; b < r->nr_blobs; b++) {
		snprintf(name, sizeof(name), "blobs/%.24s", r->blob[b].name);
		e = find(h, name);
		/*
		 * After a kexec LUO's state page is freed at boot: its copy,
		 * liveupdate/in/state (struct luo_state_abi only).
		 */
		if (!e && !strcmp(r->blob[b].name, LUO_KHO_NAME) && find(h, "luo/state")) {
			r->blob[b].state_copy = true;
			check_luo(r, b, find(h, "luo/state"), "luo/state");
			continue;
		}
		if (!e)
			continue;
		r->blob[b].data_len = e->len;
		if (e->len != r->blob[b].size)
			problem(r, name, "%zu bytes, the root says %llu", e->len,
				r->blob[b].size);
		if (!strcmp(r->blob[b].name, LUO_KHO_NAME))
			check_luo(r, b, e, name);
		if (r->blob[b].luo && r->have_luo &&
		    (r->blob[b].nr_sessions != r->luo_sessions ||
		     r->blob[b].nr_files != r->luo_files))
			problem(r, name,
				"the state says %llu sessions and %llu files, the records %llu and %llu",
				r->blob[b].nr_sessions, r->blob[b].nr_files,
				r->luo_sessions, r->luo_files);
	}
	e = find(h, "luo/arrays");
	if (e) {
		int luo = -1;

		for (b = 0; b < r->nr_blobs; b++)
			if (r->blob[b].luo)
				luo = b;
		check_luo_arrays(r, e, luo);
	}
	{
		struct kho_ranges k = { all, nall, nall > 0 || any_maps(h),
					r->ref_orders };

		check_records(r, h, &k);
	}
	free(all);
}

/* ---- output ---- */

static void human(FILE *f, unsigned long long bytes)
{
	if (bytes >= (1ULL << 30) && !(bytes % (1ULL << 20)))
		fprintf(f, " (%llu MiB)", bytes >> 20);
	else if (bytes >= (1ULL << 20))
		fprintf(f, " (%.1f MiB)", bytes / 1048576.0);
	else if (bytes >= 1024)
		fprintf(f, " (%.1f KiB)", bytes / 1024.0);
}

static void totals(const struct report *r, unsigned long long *ranges,
		   unsigned long long *bytes, unsigned long long *chunks)
{
	unsigned int o;

	*ranges = *bytes = *chunks = 0;
	for (o = 0; o < KHO_NR_ORDERS; o++) {
		*ranges += r->map[o].ranges;
		*bytes += r->map[o].bytes;
		*chunks += r->map[o].chunks;
	}
}

static const char * const rarr_name[2][4] = {
	{ "entry" }, { "IOAS", "HWPT", "area", "device" },
};

static void print_rarr(FILE *f, const struct frec_v *fv)
{
	unsigned int k;

	for (k = 0; k < 4; k++) {
		const struct rarr *a = &fv->arr[k];

		if (!a->have)
			continue;
		fprintf(f, "          %s array (luo_array v%u): %llu entr%s; its physr list: %llu range%s, %llu bytes, %llu chunk%s\n",
			rarr_name[fv->iommufd][k], a->version, a->nr, a->nr == 1 ? "y" : "ies",
			a->ranges, a->ranges == 1 ? "" : "s", a->bytes, a->chunks,
			a->chunks == 1 ? "" : "s");
	}
}

static void print_frec(FILE *f, const struct report *r, unsigned int i)
{
	unsigned int v;

	if (!r->have_records)
		return;
	if (r->frec[i].gone) {
		fprintf(f, "        record: retrieved or finished, no longer readable\n");
		return;
	}
	if (!r->frec[i].have) {
		fprintf(f, "        record: not exported (its handler declares none, or it is not preserved memory)\n");
		return;
	}
	for (v = 0; v < LUO_MAX_VERSIONS; v++) {
		const struct frec_v *fv = &r->frec[i].v[v];

		if (!fv->have)
			continue;
		fprintf(f, "        v%u record: %llu bytes at 0x%llx", fv->version, fv->len, fv->phys);
		if (fv->memfd) {
			fprintf(f, ": memfd \"%s\"%s, size %llu, seals 0x%x, mode 0%o, %llu folios, %llu pages (%llu bytes), %llu entries%s\n",
				fv->name, fv->flags & MEMFD_LUO_HUGETLB ? " (hugetlb)" : "",
				fv->size, fv->seals, fv->mode, fv->nr_folios, fv->nr_pages,
				fv->nr_pages * PG, fv->nr_entries,
				fv->memfd_ok ? "" : " (refused, below)");
		} else if (fv->iommufd) {
			fprintf(f, ": iommufd, %llu IOAS, %llu HWPT, %llu area%s (%llu bytes mapped), %llu device%s%s%s%s\n",
				fv->nr_ioas, fv->nr_hwpts, fv->nr_areas,
				fv->nr_areas == 1 ? "" : "s", fv->mapped, fv->nr_devices,
				fv->nr_devices == 1 ? "" : "s", fv->device[0] ? " (" : "",
				fv->device, fv->device[0] ? ")" : "");
		} else if (fv->vfio) {
			fprintf(f, ": vfio-pci %04x:%02x:%02x.%u [%04x:%04x], device %u on HWPT %u of IOAS %u, IOMMU domain handle 0x%llx, iommufd token %llu\n",
				fv->segment, fv->bus, fv->devfn >> 3, fv->devfn & 7, fv->vendor,
				fv->device_id, fv->dev_id, fv->hwpt_id, fv->ioas_id,
				fv->iommu_handle, fv->iommufd_token);
		} else {
			fprintf(f, "\n");
		}
		print_rarr(f, fv);
	}
}

static void print_luo(FILE *f, const struct report *r)
{
	unsigned int s, i, v;

	fprintf(f, "  LUO: %llu session%s, %llu file%s\n", r->luo_sessions,
		r->luo_sessions == 1 ? "" : "s", r->luo_files, r->luo_files == 1 ? "" : "s");
	for (s = 0; s < r->luo_sessions && s < SHOW_SESSIONS; s++) {
		fprintf(f, "    session \"%s\": %llu file%s\n", r->session[s].name,
			r->session[s].nr_files, r->session[s].nr_files == 1 ? "" : "s");
		for (i = 0; i < r->nr_shown_files; i++) {
			if (r->file[i].session != s)
				continue;
			fprintf(f, "      token %llu: handler %s, record versions",
				r->file[i].token, r->file[i].compat);
			for (v = 0; v < r->file[i].nr_versions; v++)
				fprintf(f, "%s %u", v ? "," : "", r->file[i].version[v]);
			fprintf(f, "\n");
			print_frec(f, r, i);
		}
	}
	if (r->luo_sessions > SHOW_SESSIONS || r->nr_shown_files < r->luo_files)
		fprintf(f, "    (first %d sessions and %d files shown)\n", SHOW_SESSIONS,
			SHOW_FILES);
}

void lu_print_text(FILE *f, const struct report *r)
{
	unsigned long long ranges, bytes, chunks;
	unsigned int i;

	fprintf(f, "handover %s\n", r->source);
	if (r->status[0])
		fprintf(f, "  status: %s\n", r->status);
	if (r->have_root) {
		fprintf(f, "  root: %s, version %d", r->root_compat, r->root_version);
		if (r->root_version >= 2)
			fprintf(f, ", page-shift %d", r->root_page_shift);
		fprintf(f, ", %zu bytes%s\n", r->root_size,
			r->outgoing ? " (before kexec: map placeholder)" : "");
	}
	if (r->finished)
		fprintf(f, "  root: none, the handover is finished (root, maps, blobs freed)\n");
	fprintf(f, "  scratch: %u area%s\n", r->nr_scratch, r->nr_scratch == 1 ? "" : "s");
	for (i = 0; i < r->nr_scratch; i++) {
		fprintf(f, "    [%u] 0x%llx-0x%llx", i, r->scratch[i][0],
			r->scratch[i][0] + r->scratch[i][1] - 1);
		human(f, r->scratch[i][1]);
		fprintf(f, "\n");
	}
	totals(r, &ranges, &bytes, &chunks);
	fprintf(f, "  preserved memory%s: %llu ranges, %llu bytes",
		r->maps_figures ? " (as it would be built now)" : "", ranges, bytes);
	human(f, bytes);
	fprintf(f, ", %llu chunks\n", chunks);
	for (i = 0; i < KHO_NR_ORDERS; i++) {
		if (!r->map[i].have)
			continue;
		fprintf(f, "    order %2u: %llu run%s, %llu bytes", i,
			r->map[i].ranges, r->map[i].ranges == 1 ? "" : "s", r->map[i].bytes);
		human(f, r->map[i].bytes);
		fprintf(f, ", %llu chunk%s", r->map[i].chunks,
			r->map[i].chunks == 1 ? "" : "s");
		if (r->map[i].first)
			fprintf(f, ", first chunk 0x%llx", r->map[i].first);
		fprintf(f, "\n");
	}
	if (r->nr_refs)
		fprintf(f, "  referenced lists (preserved as they are): %u\n", r->nr_refs);
	if (r->fig_refs)
		fprintf(f, "  referenced lists (preserved as they are, now): %llu, %llu chunk%s, %llu packed (physr chunk version 2)\n",
			r->fig_refs, r->fig_ref_chunks, r->fig_ref_chunks == 1 ? "" : "s",
			r->fig_ref_packed);
	if (r->ref_array_pages)
		fprintf(f, "  reference array%s: %llu entries in %llu page%s, first page 0x%llx\n",
			r->maps_figures ? " (as it would be written now)" : "",
			r->ref_array_entries, r->ref_array_pages,
			r->ref_array_pages == 1 ? "" : "s", r->ref_array);
	for (i = 0; i < r->nr_refs && i < SHOW_REFS; i++) {
		fprintf(f, "    order %2u: %llu range%s, %llu bytes", r->ref[i].order,
			r->ref[i].ranges, r->ref[i].ranges == 1 ? "" : "s",
			r->ref[i].bytes);
		human(f, r->ref[i].bytes);
		fprintf(f, ", first chunk 0x%llx\n", r->ref[i].first);
	}
	fprintf(f, "  sub-blobs: %u\n", r->nr_blobs);
	for (i = 0; i < r->nr_blobs; i++) {
		fprintf(f, "    %s: %s, version %ld, %llu bytes at 0x%llx%s\n",
			r->blob[i].name, r->blob[i].compat, r->blob[i].version,
			r->blob[i].size, r->blob[i].phys,
			r->blob[i].state_copy ? " (restored; its state from luo/state)" :
			r->blob[i].data_len < 0 ?
			" (content not readable: restored or not saved)" : "");
		if (r->blob[i].luo)
			fprintf(f,
				"      LUO state version %u%s%s: %llu sessions (array 0x%llx), %llu files (array 0x%llx)\n",
				r->blob[i].luo_version,
				r->blob[i].luo_release[0] ? " from kernel " : "",
				r->blob[i].luo_release, r->blob[i].nr_sessions,
				r->blob[i].sessions, r->blob[i].nr_files,
				r->blob[i].files);
	}
	for (i = 0; i < 2 && r->have_arrays; i++)
		if (r->array[i].version)
			fprintf(f,
				"      %s array version %u: %llu element%s of %u bytes, %u a page (per_page), %llu page%s\n",
				i ? "files" : "sessions", r->array[i].version, r->array[i].nr,
				r->array[i].nr == 1 ? "" : "s",
				r->array[i].elem_size, r->array[i].per_page,
				r->array[i].nr_pages, r->array[i].nr_pages == 1 ? "" : "s");
	if (r->have_luo)
		print_luo(f, r);
	if (!r->nr_diag) {
		fprintf(f, "  valid: yes\n");
		return;
	}
	fprintf(f, "  valid: no, %u problem%s\n", r->nr_diag, r->nr_diag == 1 ? "" : "s");
	for (i = 0; i < r->nr_diag; i++)
		fprintf(f, "    %s\n", r->diag[i]);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_frec(FILE *f, const struct report *r, unsigned int i)
{
	unsigned int v, k;
	bool first = true, any;

	if (!r->have_records)
		return;
	fprintf(f, ", \"records\": ");
	if (r->frec[i].gone || !r->frec[i].have) {
		fprintf(f, "{\"readable\": false, \"gone\": %s}",
			r->frec[i].gone ? "true" : "false");
		return;
	}
	fprintf(f, "[");
	for (v = 0; v < LUO_MAX_VERSIONS; v++) {
		const struct frec_v *fv = &r->frec[i].v[v];

		if (!fv->have)
			continue;
		fprintf(f, "%s{\"version\": %u, \"phys\": %llu, \"bytes\": %llu",
			first ? "" : ", ", fv->version, fv->phys, fv->len);
		first = false;
		if (fv->memfd) {
			fprintf(f, ", \"memfd\": {\"name\": ");
			json_str(f, fv->name);
			fprintf(f, ", \"hugetlb\": %s, \"size\": %llu, \"seals\": %u, \"mode\": %u, \"folios\": %llu, \"pages\": %llu, \"bytes\": %llu, \"entries\": %llu, \"valid\": %s}",
				fv->flags & MEMFD_LUO_HUGETLB ? "true" : "false", fv->size,
				fv->seals, fv->mode, fv->nr_folios, fv->nr_pages,
				fv->nr_pages * PG, fv->nr_entries, fv->memfd_ok ? "true" : "false");
		}
		if (fv->iommufd)
			fprintf(f, ", \"iommufd\": {\"ioas\": %llu, \"hwpts\": %llu, \"areas\": %llu, \"mapped\": %llu, \"devices\": %llu}",
				fv->nr_ioas, fv->nr_hwpts, fv->nr_areas, fv->mapped,
				fv->nr_devices);
		if (fv->vfio)
			fprintf(f, ", \"vfio_pci\": {\"segment\": %u, \"bus\": %u, \"devfn\": %u, \"vendor\": %u, \"device\": %u, \"dev_id\": %u, \"hwpt_id\": %u, \"ioas_id\": %u, \"iommu_handle\": %llu, \"iommufd_token\": %llu}",
				fv->segment, fv->bus, fv->devfn, fv->vendor, fv->device_id,
				fv->dev_id, fv->hwpt_id, fv->ioas_id, fv->iommu_handle,
				fv->iommufd_token);
		fprintf(f, ", \"arrays\": [");
		for (k = 0, any = false; k < 4; k++) {
			const struct rarr *a = &fv->arr[k];

			if (!a->have)
				continue;
			fprintf(f, "%s{\"name\": \"%s\", \"version\": %u, \"nr\": %llu, \"ranges\": %llu, \"bytes\": %llu, \"chunks\": %llu}",
				any ? ", " : "", rarr_name[fv->iommufd][k], a->version, a->nr,
				a->ranges, a->bytes, a->chunks);
			any = true;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]");
}

void lu_print_json(FILE *f, const struct report *r)
{
	unsigned long long ranges, bytes, chunks;
	unsigned int i;
	bool first = true;

	totals(r, &ranges, &bytes, &chunks);
	fprintf(f, "{\"source\": ");
	json_str(f, r->source);
	fprintf(f, ", \"status\": ");
	json_str(f, r->status);
	fprintf(f, ", \"root\": {\"present\": %s, \"compatible\": ",
		r->have_root ? "true" : "false");
	json_str(f, r->root_compat);
	fprintf(f, ", \"version\": %d, \"page_shift\": %d, \"size\": %zu, \"before_kexec\": %s",
		r->root_version, r->root_page_shift, r->root_size,
		r->outgoing ? "true" : "false");
	fprintf(f, ", \"finished\": %s},\n", r->finished ? "true" : "false");
	fprintf(f, " \"scratch\": [");
	for (i = 0; i < r->nr_scratch; i++)
		fprintf(f, "%s{\"addr\": %llu, \"size\": %llu}",
			i ? ", " : "", r->scratch[i][0], r->scratch[i][1]);
	fprintf(f,
		"],\n \"preserved_memory\": {\"figures_only\": %s, \"ranges\": %llu, \"bytes\": %llu, \"chunks\": %llu, \"orders\": [",
		r->maps_figures ? "true" : "false", ranges, bytes, chunks);
	for (i = 0; i < KHO_NR_ORDERS; i++) {
		if (!r->map[i].have)
			continue;
		fprintf(f,
			"%s{\"order\": %u, \"runs\": %llu, \"bytes\": %llu, \"chunks\": %llu, \"first_chunk\": %llu}",
			first ? "" : ", ", i, r->map[i].ranges, r->map[i].bytes,
			r->map[i].chunks, r->map[i].first);
		first = false;
	}
	fprintf(f, "]},\n \"referenced_lists\": [");
	for (i = 0; i < r->nr_refs && i < SHOW_REFS; i++)
		fprintf(f,
			"%s{\"order\": %u, \"ranges\": %llu, \"bytes\": %llu, \"first_chunk\": %llu}",
			i ? ", " : "", r->ref[i].order, r->ref[i].ranges,
			r->ref[i].bytes, r->ref[i].first);
	fprintf(f, "],\n \"referenced_figures\": {\"lists\": %llu, \"chunks\": %llu, \"packed_chunks\": %llu},",
		r->fig_refs, r->fig_ref_chunks, r->fig_ref_packed);
	fprintf(f, "\n \"reference_array\": {\"entries\": %llu, \"pages\": %llu, \"first_page\": %llu},",
		r->ref_array_entries, r->ref_array_pages, r->ref_array);
	fprintf(f, "\n \"blobs\": [");
	for (i = 0; i < r->nr_blobs; i++) {
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		json_str(f, r->blob[i].name);
		fprintf(f, ", \"compatible\": ");
		json_str(f, r->blob[i].compat);
		fprintf(f, ", \"version\": %ld, \"phys\": %llu, \"size\": %llu, \"readable\": %s",
			r->blob[i].version, r->blob[i].phys,
			r->blob[i].size, r->blob[i].data_len < 0 ? "false" : "true");
		if (r->blob[i].luo) {
			fprintf(f, ", \"luo\": {\"version\": %u, \"release\": ",
				r->blob[i].luo_version);
			json_str(f, r->blob[i].luo_release);
			fprintf(f, ", \"sessions\": %llu, \"files\": %llu}",
				r->blob[i].nr_sessions, r->blob[i].nr_files);
		}
		fprintf(f, "}");
	}
	fprintf(f, "],\n \"luo_arrays\": [");
	for (i = 0; i < 2 && r->have_arrays; i++)
		fprintf(f,
			"%s{\"name\": \"%s\", \"version\": %u, \"elem_size\": %u, \"per_page\": %u, \"nr\": %llu, \"nr_pages\": %llu}",
			i ? ", " : "", i ? "files" : "sessions", r->array[i].version,
			r->array[i].elem_size, r->array[i].per_page, r->array[i].nr,
			r->array[i].nr_pages);
	fprintf(f, "],\n \"luo\": ");
	if (r->have_luo) {
		unsigned int s, i, v;

		fprintf(f, "{\"sessions\": %llu, \"files\": %llu, \"shown\": [",
			r->luo_sessions, r->luo_files);
		for (s = 0; s < r->luo_sessions && s < SHOW_SESSIONS; s++) {
			fprintf(f, "%s\n  {\"name\": ", s ? "," : "");
			json_str(f, r->session[s].name);
			fprintf(f, ", \"nr_files\": %llu, \"files\": [", r->session[s].nr_files);
			first = true;
			for (i = 0; i < r->nr_shown_files; i++) {
				if (r->file[i].session != s)
					continue;
				fprintf(f, "%s{\"token\": %llu, \"handler\": ", first ? "" : ", ",
					r->file[i].token);
				json_str(f, r->file[i].compat);
				fprintf(f, ", \"versions\": [");
				for (v = 0; v < r->file[i].nr_versions; v++)
					fprintf(f, "%s%u", v ? ", " : "", r->file[i].version[v]);
				fprintf(f, "]");
				json_frec(f, r, i);
				fprintf(f, "}");
				first = false;
			}
			fprintf(f, "]}");
		}
		fprintf(f, "]}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\n \"valid\": %s, \"problems\": [", r->nr_diag ? "false" : "true");
	for (i = 0; i < r->nr_diag; i++) {
		fprintf(f, "%s\n  ", i ? "," : "");
		json_str(f, r->diag[i]);
	}
	fprintf(f, "]}\n");
}

size_t lu_report_size(void)
{
	return sizeof(struct report);
}

unsigned int lu_report_problems(const struct report *r)
{
	return r->nr_diag;
}

#ifndef LU_INSPECT_NO_MAIN
/* LUO's records, debugfs liveupdate/{out,in}, saved as luo/NAME. */
static void load_luo(struct handover *h, const char *what)
{
	static const char * const names[] = {
		"sessions", "files", "state", "arrays", "records"
	};
	char path[128], name[32];
	unsigned int i;
	size_t len;
	u8 *data;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), LUO_DEBUGFS "/%s/%s", what, names[i]);
		snprintf(name, sizeof(name), "luo/%s", names[i]);
		if (read_whole(path, &data, &len))
			continue;
		add_entry(h, name, data, len);
		free(data);
	}
}

static int load(struct handover *h, const char *what, const char **source)
{
	static char src[4200];
	struct stat st;
	const char *path = what;
	u8 *buf;
	size_t len, at;
	int ret;

	if (!strcmp(what, "out") || !strcmp(what, "in")) {
		snprintf(src, sizeof(src), KHO_DEBUGFS "/%s", what);
		path = src;
	}
	*source = path;
	if (stat(path, &st)) {
		fprintf(stderr, "lu-inspect: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = load_dir(h, path, "");
		if (ret) {
			fprintf(stderr, "lu-inspect: %s: %s\n", path, strerror(-ret));
			return -1;
		}
		if (path == src)
			load_luo(h, what);
		return 0;
	}
	ret = read_whole(path, &buf, &len);
	if (ret) {
		fprintf(stderr, "lu-inspect: %s: %s\n", path, strerror(-ret));
		return -1;
	}
	ret = lu_handover_parse(h, buf, len, &at);
	free(buf);
	if (ret) {
		fprintf(stderr, "lu-inspect: %s offset %zu: not a saved handover (%s)\n",
			path, at, strerror(-ret));
		return -1;
	}
	return 0;
}

static int save(const struct handover *h, const char *file)
{
	FILE *f = fopen(file, "w");
	unsigned int i;

	if (!f) {
		fprintf(stderr, "lu-inspect: %s: %s\n", file, strerror(errno));
		return 2;
	}
	fputs(SAVE_MAGIC, f);
	for (i = 0; i < h->n; i++) {
		fprintf(f, "%s %zu\n", h->e[i].name, h->e[i].len);
		fwrite(h->e[i].data, 1, h->e[i].len, f);
		fputc('\n', f);
	}
	if (fclose(f)) {
		fprintf(stderr, "lu-inspect: %s: %s\n", file, strerror(errno));
		return 2;
	}
	return 0;
}

static void help_and_exit(void)
{
	fprintf(stderr,
		"usage: lu-inspect out|in|PATH [--json]\n"
		"       lu-inspect save out|in|PATH FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct handover *h = lu_handover_new();
	struct report *r = malloc(sizeof(*r));
	const char *source;
	bool json = false;
	int ret = 2;

	if (!h || !r)
		goto out;
	if (argc == 4 && !strcmp(argv[1], "save")) {
		if (!load(h, argv[2], &source))
			ret = save(h, argv[3]);
		goto out;
	}
	if (argc == 3 && !strcmp(argv[2], "--json"))
		json = true;
	else if (argc != 2 || argv[1][0] == '-')
		help_and_exit();
	if (load(h, argv[1], &source))
		goto out;
	lu_analyze(r, h, source);
	if (json)
		lu_print_json(stdout, r);
	else
		lu_print_text(stdout, r);
	ret = r->nr_diag ? 1 : 0;
out:
	if (h)
		lu_handover_free(h);
	free(r);
	return ret;
}
#endif
