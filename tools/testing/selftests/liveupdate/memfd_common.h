/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the memfd live update tests: checksummed patterns, the
 * physical frames behind a mapping (/proc/self/pagemap), smaps fields,
 * per-test state carried to the next stage and the kernel log (the
 * memfd handler's figures are trace events: event_line() in luo_test.h).
 * The /dev/liveupdate helpers are in luo_test.h.
 */
#ifndef MEMFD_COMMON_H
#define MEMFD_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <linux/falloc.h>

#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "../kselftest.h"
#include "luo_test.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS		1033
#define F_GET_SEALS		1034
#define F_SEAL_SEAL		0x0001
#define F_SEAL_SHRINK		0x0002
#define F_SEAL_GROW		0x0004
#define F_SEAL_WRITE		0x0008
#endif

#define KiB	1024ULL
#define MiB	(1024ULL * KiB)
#define GiB	(1024ULL * MiB)
#define PAGE	4096ULL

static inline int memfd_new(const char *name, unsigned int flags)
{
	return syscall(SYS_memfd_create, name, flags);
}

/* The 64-bit word at byte offset @off of the pattern @seed. */
static inline uint64_t pat_word(uint64_t seed, uint64_t off)
{
	return lu_pattern_word(seed, off);
}

/* Fill [@off, @off + @len) of @p (mapped at file offset 0); 8-aligned. */
static inline void pat_fill(void *p, uint64_t off, uint64_t len, uint64_t seed)
{
	uint64_t *w = (uint64_t *)((char *)p + off), i;

	for (i = 0; i < len / 8; i++)
		w[i] = pat_word(seed, off + i * 8);
}

/* Offset of the first wrong word in [@off, @off + @len), or -1. */
static inline int64_t pat_check(const void *p, uint64_t off, uint64_t len,
				uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)((const char *)p + off);
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != pat_word(seed, off + i * 8))
			return off + i * 8;
	return -1;
}

/* Offset of the first non-zero byte in the range, or -1. */
static inline int64_t zero_check(const void *p, uint64_t off, uint64_t len)
{
	const uint64_t *w = (const uint64_t *)((const char *)p + off);
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return off + i * 8;
	return -1;
}

static inline void *map_fd(int fd, uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Physical frame numbers of the @n pages at @addr (0 for a page not
 * present); the pages must be faulted in.  Returns 0 or -errno.
 */
static inline int pfns_of(const void *addr, uint64_t n, uint64_t *pfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t i, off = (uint64_t)(uintptr_t)addr / PAGE * 8;
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = pread(fd, pfn, n * 8, off);
	close(fd);
	if (r != (ssize_t)(n * 8))
		return -EIO;
	for (i = 0; i < n; i++)
		pfn[i] = (pfn[i] >> 63) ? pfn[i] & ((1ULL << 55) - 1) : 0;
	return 0;
}

/* A field (in kB) of the smaps entry of the mapping at @addr, or -1. */
static inline long long smaps_kb(const void *addr, const char *key)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	int in = 0;
	long long v = -1;
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		/* Field lines start with a capital, mapping lines with hex. */
		if (!(line[0] >= 'A' && line[0] <= 'Z')) {
			in = sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
			     (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && !strncmp(line, key, kl) && line[kl] == ':') {
			v = atoll(line + kl + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Test state carried to the next stage in $TESTBED_STATE/@name. */
static inline int state_save(const char *name, const void *buf, size_t len)
{
	const char *dir = getenv("TESTBED_STATE");
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/tmp", name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static inline int state_load(const char *name, void *buf, size_t len)
{
	const char *dir = getenv("TESTBED_STATE");
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/tmp", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/*
 * The last kernel log line holding @needle, copied into @out; 0 when
 * found.  For the handler's refusals; what it did is in event_line().
 */
static inline int kmsg_line(const char *needle, char *out, size_t len)
{
	int size = klogctl(10, NULL, 0), n, ret;
	char *buf;

	if (size <= 0)
		return -EIO;
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	n = klogctl(3, buf, size);
	buf[n > 0 ? n : 0] = 0;
	ret = last_line_with(buf, needle, out, len);
	free(buf);
	return ret;
}

/* A number that follows @key in @line ("... key 123 ..."), or -1. */
static inline long long line_value(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? atoll(p + strlen(key)) : -1;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* TSC ticks per millisecond, measured against CLOCK_MONOTONIC. */
static inline double tsc_per_ms(void)
{
	double t0 = now_ms(), t1;
	uint64_t c0 = rdtsc(), c1;

	do {
		t1 = now_ms();
	} while (t1 - t0 < 200);
	c1 = rdtsc();
	return (c1 - c0) / (t1 - t0);
}

/* Sessions through lib/libliveupdate (which opens the device per call). */
static inline int session_new(const char *name)
{
	return lu_session_create(name);
}

static inline int session_get(const char *name)
{
	return lu_session_retrieve(name);
}

/*
 * "Guest RAM" for the demo and the benchmark: page 0 is the clock page
 * (word 0: TSC of the writer's latest page write, word 1: pages written);
 * every other page holds its generation in its first and last words and
 * the pattern of (page, generation) in between.  A writer rewrites pages
 * with the next generation, in a loop, until the kexec stops it; a page
 * it was writing at that moment has first word = last word + 1.
 */
#define RAM_WORDS	(PAGE / 8)

static inline uint64_t ram_seed(uint64_t page, uint64_t gen)
{
	return page * 1000003ULL + gen * 7919ULL + 1;
}

static inline void ram_write_page(char *base, uint64_t i, uint64_t gen)
{
	volatile uint64_t *w = (volatile uint64_t *)(base + i * PAGE);
	uint64_t k, seed = ram_seed(i, gen);

	w[0] = gen;
	__asm__ volatile("" ::: "memory");
	for (k = 1; k < RAM_WORDS - 1; k++)
		w[k] = pat_word(seed, k * 8);
	__asm__ volatile("" ::: "memory");
	w[RAM_WORDS - 1] = gen;
}

/*
 * Check page @i: 0 when whole, 1 when torn (being written at the kexec:
 * every word is of the old or the new generation), -1 when wrong.
 */
static inline int ram_check_page(const char *base, uint64_t i, uint64_t *gen)
{
	const uint64_t *w = (const uint64_t *)(base + i * PAGE);
	uint64_t k, g = w[RAM_WORDS - 1], s0 = ram_seed(i, g), s1 = ram_seed(i, g + 1);

	*gen = g;
	if (w[0] == g) {
		for (k = 1; k < RAM_WORDS - 1; k++)
			if (w[k] != pat_word(s0, k * 8))
				return -1;
		return 0;
	}
	if (w[0] != g + 1)
		return -1;
	for (k = 1; k < RAM_WORDS - 1; k++)
		if (w[k] != pat_word(s0, k * 8) && w[k] != pat_word(s1, k * 8))
			return -1;
	return 1;
}

/* Fill pages 1..n-1 with generation 0. */
static inline void ram_fill(char *base, uint64_t size)
{
	uint64_t i;

	for (i = 1; i < size / PAGE; i++)
		ram_write_page(base, i, 0);
}

/*
 * Start a writer process that rewrites the pages of @base (a shared
 * mapping of @size bytes) forever and stamps the clock page; it detaches
 * from the test's output.  Returns its pid or -errno.
 */
static inline pid_t ram_writer(char *base, uint64_t size)
{
	pid_t pid = fork();
	uint64_t n = size / PAGE, i = 1;
	volatile uint64_t *clock = (volatile uint64_t *)base;

	if (pid)
		return pid < 0 ? -errno : pid;
	{
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		dup2(fd, 2);
	}
	for (;;) {
		uint64_t gen = ((uint64_t *)(base + i * PAGE))[RAM_WORDS - 1] + 1;

		ram_write_page(base, i, gen);
		clock[1]++;
		clock[0] = rdtsc();
		if (++i == n)
			i = 1;
	}
}

/* A writer that only stamps the TSC into @word (the plain kexec baseline). */
static inline pid_t tsc_writer(volatile uint64_t *word)
{
	pid_t pid = fork();

	if (pid)
		return pid < 0 ? -errno : pid;
	{
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		dup2(fd, 2);
	}
	for (;;)
		*word = rdtsc();
}

/*
 * Map BAR 2 of the ivshmem-plain device (host-backed RAM that survives
 * a kexec untouched); NULL when there is none.
 */
static inline void *ivshmem_map(uint64_t *size)
{
	char path[128], buf[32];
	int i, fd;
	void *p;

	for (i = 0; i < 32; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.0/vendor", i);
		if (read_text(path, buf, sizeof(buf)) <= 0 || strncmp(buf, "0x1af4", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.0/device", i);
		if (read_text(path, buf, sizeof(buf)) <= 0 || strncmp(buf, "0x1110", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.0/resource2", i);
		fd = open(path, O_RDWR | O_SYNC);
		if (fd < 0)
			return NULL;
		*size = lseek(fd, 0, SEEK_END);
		p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		return p == MAP_FAILED ? NULL : p;
	}
	return NULL;
}

/* Write @val to the file at @path: 0, or a negative errno. */
static inline int writeat(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * For the fail_nth tests: every allocation may be failed (failslab and
 * fail_page_alloc, sleeping ones and order 0 included), with no stack dump
 * per failure.
 */
static inline int fail_nth_prepare(void)
{
	DIR *d = opendir("/sys/kernel/debug");
	struct dirent *e;
	char path[300];
	int ret;

	if (!d)
		return -errno;
	ret = writeat("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	ret = ret ?: writeat("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N");
	ret = ret ?: writeat("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N");
	ret = ret ?: writeat("/sys/kernel/debug/fail_page_alloc/min-order", "0");
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "fail", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/verbose",
			 e->d_name);
		writeat(path, "0");
	}
	closedir(d);
	return ret;
}

#endif
