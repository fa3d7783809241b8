/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests of KHO scratch lent to the page allocator: the
 * scratch areas this kernel hands over (debugfs kho/out/scratch) and which
 * pages of a mapping lie in them (/proc/self/pagemap; the caller opens
 * pagemap), on top of kho_tb.h.
 */
#ifndef KHO_SCRATCH_TB_H
#define KHO_SCRATCH_TB_H

#include <stdint.h>

#include "kho_tb.h"

#ifndef PG
#define PG 4096UL
#endif

static uint64_t scratch_addr[16], scratch_size[16];
static unsigned int nr_scratch;
static int pagemap = -1;

static uint64_t word(uint64_t seed, uint64_t i)
{
	uint64_t z = (seed + i) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 31);
}

static void show_meminfo(const char *when)
{
	printf("# %s: MemTotal %lld kB, MemFree %lld kB, CmaTotal %lld kB, CmaFree %lld kB\n",
	       when, tb_meminfo("MemTotal"), tb_meminfo("MemFree"), tb_meminfo("CmaTotal"),
	       tb_meminfo("CmaFree"));
}

/* The scratch areas this kernel hands to the next one (debugfs kho/out). */
static int read_scratch(void)
{
	uint64_t raw[32];
	int fd = open(KHO_DIR "/out/scratch", O_RDONLY), n;
	unsigned int i;

	if (fd < 0)
		return -1;
	n = read(fd, raw, sizeof(raw));
	close(fd);
	if (n <= 0 || n % 16)
		return -1;
	nr_scratch = n / 16;
	for (i = 0; i < nr_scratch; i++) {
		scratch_addr[i] = raw[2 * i];
		scratch_size[i] = raw[2 * i + 1];
		printf("# scratch area %u: %#llx, %llu MiB\n", i,
		       (unsigned long long)scratch_addr[i],
		       (unsigned long long)scratch_size[i] >> 20);
	}
	return 0;
}

static uint64_t scratch_bytes(void)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < nr_scratch; i++)
		sum += scratch_size[i];
	return sum;
}

static bool pfn_in_scratch(uint64_t pfn)
{
	uint64_t pa = pfn * PG;
	unsigned int i;

	for (i = 0; i < nr_scratch; i++)
		if (pa >= scratch_addr[i] && pa < scratch_addr[i] + scratch_size[i])
			return true;
	return false;
}

/*
 * Pages of the mapping [@p, @p + @len) that lie in scratch, each page
 * touched first so that it is mapped; -1 when pagemap cannot be read.
 */
static long in_scratch(const volatile char *p, size_t len)
{
	size_t i, n = len / PG;
	uint64_t e[512];
	long count = 0;

	for (i = 0; i < n; i++)
		(void)p[i * PG];
	for (i = 0; i < n; i += 512) {
		size_t k, m = n - i < 512 ? n - i : 512;
		off_t off = ((uintptr_t)p / PG + i) * 8;

		if (pread(pagemap, e, m * 8, off) != (ssize_t)(m * 8))
			return -1;
		for (k = 0; k < m; k++)
			if ((e[k] >> 63) & 1 &&
			    pfn_in_scratch(e[k] & ((1ULL << 55) - 1)))
				count++;
	}
	return count;
}

/* Preserve @fd in the session @session_fd under @token; 0 or -errno. */
static int preserve(int session_fd, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd p = { .size = sizeof(p) };

	if (session_fd < 0)
		return session_fd;
	p.fd = fd;
	p.token = token;
	return ioctl(session_fd, LIVEUPDATE_SESSION_PRESERVE_FD, &p) ? -errno : 0;
}

#endif
