// SPDX-License-Identifier: GPL-2.0
/*
 * Build-cost benchmark of physr against 6.12's sg_alloc_table_from_pages():
 * the kernel side (CONFIG_PHYSR_BENCH) describes the same pinned memory
 * both ways and checks that the two descriptions agree; this program
 * provides the memory, 64 MiB of (a) scattered 4 KiB pages and (b) 2 MiB
 * THP, and prints metadata bytes and build time per page as figures and
 * ratios. The TAP results are the agreement checks, not the timings.
 * For the scattered pages it also prints the bytes of both descriptions
 * of the first 1, 2, 8, 64, 1K and 16K pages (as many ranges, less any
 * pages that happen to be adjacent), measured by the kernel from what it
 * allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kselftest.h"

#define BENCH_FILE	"/sys/kernel/debug/physr/bench"
#define BENCH_LEN	(64UL << 20)
#define HPAGE		(2UL << 20)

#define NR_SIZES	6

struct size_figures {
	unsigned long pages, sg_entries, physr_ranges, sg_bytes, physr_bytes;
};

struct figures {
	unsigned long pages, sg_entries, sg_bytes, sg_ns;
	unsigned long physr_ranges, physr_bytes, physr_ns;
	struct size_figures sizes[NR_SIZES];
	unsigned int nr_sizes;
};

static int bench(void *buf, size_t len, struct figures *f)
{
	char cmd[64], out[2048], *line;
	int fd, n;

	fd = open(BENCH_FILE, O_RDWR);
	if (fd < 0)
		return -errno;
	n = snprintf(cmd, sizeof(cmd), "%lx %zx", (unsigned long)buf, len);
	if (write(fd, cmd, n) != n) {
		n = -errno;
		close(fd);
		return n;
	}
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	if (n <= 0)
		return -EIO;
	out[n] = 0;
	memset(f, 0, sizeof(*f));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char key[32];
		unsigned long v;

		if (sscanf(line, "%31s %lu", key, &v) != 2)
			return -EIO;
		if (!strncmp(key, "size_", 5)) {
			struct size_figures *z = &f->sizes[f->nr_sizes];

			if (f->nr_sizes >= NR_SIZES ||
			    sscanf(line, "size_%lu %lu %lu %lu %lu", &z->pages,
				   &z->sg_entries, &z->physr_ranges,
				   &z->sg_bytes, &z->physr_bytes) != 5)
				return -EIO;
			f->nr_sizes++;
		} else if (!strcmp(key, "pages"))
			f->pages = v;
		else if (!strcmp(key, "sg_entries"))
			f->sg_entries = v;
		else if (!strcmp(key, "sg_bytes"))
			f->sg_bytes = v;
		else if (!strcmp(key, "sg_ns"))
			f->sg_ns = v;
		else if (!strcmp(key, "physr_ranges"))
			f->physr_ranges = v;
		else if (!strcmp(key, "physr_bytes"))
			f->physr_bytes = v;
		else if (!strcmp(key, "physr_ns"))
			f->physr_ns = v;
	}
	return f->pages == len / getpagesize() ? 0 : -EIO;
}

static void report(const char *name, const struct figures *f)
{
	double pages = f->pages;

	ksft_print_msg("%-9s %lu pages, sg:    %lu entries, %lu B, %.2f B/page, %.1f ns/page\n",
		       name, f->pages, f->sg_entries, f->sg_bytes,
		       f->sg_bytes / pages, f->sg_ns / pages);
	ksft_print_msg("%-9s %lu pages, physr: %lu ranges,  %lu B, %.2f B/page, %.1f ns/page\n",
		       name, f->pages, f->physr_ranges, f->physr_bytes,
		       f->physr_bytes / pages, f->physr_ns / pages);
	ksft_print_msg("%-9s ratio physr/scatterlist: bytes %.3f, time %.3f\n", name,
		       (double)f->physr_bytes / f->sg_bytes,
		       (double)f->physr_ns / f->sg_ns);
}

/* Bytes of each description at each count, and whether physr stays below. */
static bool report_sizes(const struct figures *f)
{
	bool ok = f->nr_sizes > 0;
	unsigned int i;

	ksft_print_msg("bytes by size   pages   ranges  sg_entries   sg bytes  physr bytes  ratio\n");
	for (i = 0; i < f->nr_sizes; i++) {
		const struct size_figures *z = &f->sizes[i];

		ksft_print_msg("bytes by size %7lu %8lu %11lu %10lu %12lu  %.3f\n",
			       z->pages, z->physr_ranges, z->sg_entries,
			       z->sg_bytes, z->physr_bytes,
			       (double)z->physr_bytes / z->sg_bytes);
		ok = ok && z->sg_entries == z->physr_ranges &&
		     z->physr_bytes <= z->sg_bytes;
	}
	return ok;
}

/*
 * 4 KiB pages that are not physically adjacent: fault in twice the memory,
 * free every other page, then fault the benchmark buffer into the holes.
 */
static void *scattered(size_t len)
{
	size_t psz = getpagesize(), i;
	char *filler, *buf;

	filler = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (filler == MAP_FAILED || buf == MAP_FAILED)
		return NULL;
	madvise(filler, 2 * len, MADV_NOHUGEPAGE);
	madvise(buf, len, MADV_NOHUGEPAGE);
	memset(filler, 1, 2 * len);
	for (i = 0; i < 2 * len; i += 2 * psz)
		madvise(filler + i, psz, MADV_DONTNEED);
	for (i = 0; i < len; i += psz)
		buf[i] = 2;
	return buf;
}

static void *thp(size_t len)
{
	char *raw, *buf;

	raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	buf = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(buf, len, MADV_HUGEPAGE);
	memset(buf, 3, len);
	return buf;
}

int main(void)
{
	struct figures f;
	void *buf;
	int ret;

	ksft_print_header();
	ksft_set_plan(3);
	if (access(BENCH_FILE, W_OK))
		ksft_exit_fail_msg("%s: %s (needs CONFIG_PHYSR_BENCH)\n",
				   BENCH_FILE, strerror(errno));

	buf = scattered(BENCH_LEN);
	ret = buf ? bench(buf, BENCH_LEN, &f) : -ENOMEM;
	if (!ret)
		report("4KiB", &f);
	ksft_test_result(!ret && f.sg_entries == f.physr_ranges,
			 "scattered 4 KiB pages: physr and scatterlist describe the same memory (%d)\n",
			 ret);
	ksft_test_result(!ret && f.nr_sizes == NR_SIZES && report_sizes(&f),
			 "physr bytes <= sg_table bytes at 1, 2, 8, 64, 1K and 16K pages (%d)\n",
			 ret);

	buf = thp(BENCH_LEN);
	ret = buf ? bench(buf, BENCH_LEN, &f) : -ENOMEM;
	if (!ret)
		report("2MiB-THP", &f);
	ksft_test_result(!ret && f.physr_ranges <= BENCH_LEN / HPAGE,
			 "2 MiB THP: physr describes it in at most one range per huge page (%d)\n",
			 ret);
	ksft_finished();
}
