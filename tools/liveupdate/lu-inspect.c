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
#include <linux/compiler.h>
#include <linux/physr.h>
#include <linux/physr_abi.h>

#include "lu-inspect.h"

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
 * - KHO root: the -vN of its compatible, 1 or 2 (kho_boot.c's
 *   kho_root_version()); version 2 adds "page-shift", which must be the
 *   reader's PAGE_SHIFT.  lu-inspect reads as a kernel of 4 KiB pages
 *   (PG), the page size of every other check here.
 * - physr chunk: hdr.version, 1 (checked by physr_validate_chain() itself,
 *   the reason from its bad_version as kho_boot.c words it).
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
 * LUO's state page and array header (kernel/liveupdate/luo_internal.h,
 * whose other contents keep it out of userspace: the layouts are copied,
 * the static_asserts are the kernel's), little endian.
 */
#define LUO_KHO_NAME		"liveupdate"
#define LUO_STATE_MAGIC		0x314f554cU
#define LUO_STATE_RELEASE_LEN	64
struct luo_state_abi {
	__le32 magic;
	__le32 version;
	__le64 nr_sessions;
	__le64 sessions;
	__le64 nr_files;
	__le64 files;
	char release[LUO_STATE_RELEASE_LEN];	/* version 2 */
};

#define LUO_STATE_V1_SIZE	offsetof(struct luo_state_abi, release)
static_assert(LUO_STATE_V1_SIZE == 40);
static_assert(sizeof(struct luo_state_abi) == 40 + LUO_STATE_RELEASE_LEN);

#define LUO_ARRAY_MAGIC		0x414f554cU
#define LUO_ARRAY_MAX_PAGES	(1024ULL * 1024)
struct luo_array_hdr {
	__le32 magic;
	__le32 version;
	__le32 elem_size;
	__le32 per_page;	/* version 2; 0 in version 1 */
	__le64 nr;
	__le64 nr_pages;
	__le64 pages;
};

static_assert(sizeof(struct luo_array_hdr) == 40);

/*
 * LUO's session and file records (luo_internal.h), as the arrays of the
 * handover hold them and as debugfs liveupdate/{out,in}/{sessions,files}
 * shows them.
 */
#define LUO_NAME_LEN		64
#define LUO_COMPAT_MAX		48
#define LUO_MAX_VERSIONS	4
struct luo_session_abi {
	u8 name[LUO_NAME_LEN];
	__le64 first_file;
	__le64 nr_files;
};

struct luo_file_abi {
	char compatible[LUO_COMPAT_MAX];
	__le64 token;
	__le32 nr_versions;
	__le32 reserved;
	__le32 version[LUO_MAX_VERSIONS];
	__le64 data[LUO_MAX_VERSIONS];
};

static_assert(sizeof(struct luo_session_abi) == 80);
static_assert(sizeof(struct luo_file_abi) == 112);

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

#define MAX_DIAG 64

struct report {
	const char *source;
	bool outgoing;		/* root has the pre-kexec placeholder */
	bool have_root;
	char root_compat[80];
	int root_version;
	int root_page_shift;	/* -1: none (version 1) or not a u32 */
	bool root_refused;	/* the kernel would read no further */
	size_t root_size;
	unsigned int nr_scratch;
	unsigned long long scratch[KHO_MAX_SCRATCH][2];
	struct {
		bool listed, have;
		unsigned long long first, ranges, bytes, chunks;
	} map[KHO_NR_ORDERS];
	bool maps_figures;	/* out/maps text rather than chunk pages */
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
		char compat[LUO_COMPAT_MAX];
		unsigned long long token;
		unsigned int nr_versions;
		unsigned int version[LUO_MAX_VERSIONS];
	} file[SHOW_FILES];
	unsigned int nr_shown_files;
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
	unsigned long c;

	for (c = 0; c < e->len / PG; c++) {
		const u8 *p = e->data + c * PG;
		size_t off = c * PG;

		count = le32(p + 12);
		if (le32(p) != PHYSR_CHUNK_MAGIC) {
			chunk_problem(r, file, c, off, "bad magic 0x%08x", le32(p));
			return;
		}
		if (le16(p + 4) != PHYSR_CHUNK_VERSION) {
			/* kho_boot.c's words for physr_walk_info.bad_version */
			chunk_problem(r, file, c, off + 4,
				      "physr chunk version %u %s this kernel reads (%d)",
				      le16(p + 4), le16(p + 4) > PHYSR_CHUNK_VERSION ?
				      "is newer than" : "is not one", PHYSR_CHUNK_VERSION);
			return;
		}
		if (le16(p + 6) != sizeof(struct physr_chunk_hdr)) {
			chunk_problem(r, file, c, off + 6, "header size %u", le16(p + 6));
			return;
		}
		if (le32(p + 8) != PG) {
			chunk_problem(r, file, c, off + 8, "chunk size %u, not %lu",
				      le32(p + 8), PG);
			return;
		}
		if (!count || count > PHYSR_CHUNK_CAPACITY(PG)) {
			chunk_problem(r, file, c, off + 12, "entry count %u (1 to %lu)",
				      count, (unsigned long)PHYSR_CHUNK_CAPACITY(PG));
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
		for (i = 0; i < count; i++) {
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
	unsigned long long ranges, bytes, chunks;
	int ln = 0;

	if (!text)
		return;
	r->maps_figures = true;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char where[32];

		ln++;
		snprintf(where, sizeof(where), "maps line %d", ln);
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
	free(all);
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
	fprintf(f, ", \"version\": %d, \"page_shift\": %d, \"size\": %zu, \"before_kexec\": %s},\n",
		r->root_version, r->root_page_shift, r->root_size,
		r->outgoing ? "true" : "false");
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
	fprintf(f, "]},\n \"blobs\": [");
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
				fprintf(f, "]}");
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
	static const char * const names[] = { "sessions", "files", "state", "arrays" };
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
