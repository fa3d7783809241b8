// SPDX-License-Identifier: GPL-2.0
/*
 * KHO scratch lent to the page allocator (kernel/liveupdate/kho_scratch.c).
 *
 * Stage 1 (after unloading any image an earlier test of the boot left
 * loaded): the scratch areas for the next kernel are CMA: /proc/meminfo's
 * CmaTotal is their size, and they count in MemTotal and MemFree (the
 * figures are printed, with MemTotal as it was when scratch stayed
 * reserved).  The KHO test module checks that kho_preserve_folio() and
 * kho_preserve_pages() refuse a page of scratch.  Then page cache (a tmpfs
 * file) and a memfd are written until pages of both lie in scratch (read
 * from /proc/self/pagemap); the memfd keeps only its 8 MiB chunks that had
 * pages in scratch (the others are punched out, so that the next kernel
 * finds room for its own scratch), is preserved in a live update session,
 * and none of its pages may lie in scratch afterwards.  A kexec_file_load()
 * must then empty scratch (CmaFree drops to 0, the page cache leaves it,
 * its bytes intact) and the unload must give it back.  Last, page cache is
 * written into scratch again, so that the harness's own load (the real
 * kexec) has to migrate it out.
 * Stage 2, after the kexec: the memfd comes back with every byte (and its
 * holes), and this kernel lends its own scratch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/kexec.h>
#include <linux/liveupdate.h>

#include "kho_tb.h"

#define SESSION "kho-scratch"
#define TOKEN 18
#define PG 4096UL
#define CHUNK (8UL << 20)
#define MEMFD_MAX (512UL << 20)
#define CACHE_MAX (768UL << 20)
#define WANT_PAGES 256		/* pages of each kind in scratch: 1 MiB */
#define CACHE_PATH "/dev/shm/kho_scratch_cache"
#define MEMFD_SEED 0x736372617463ULL
#define CACHE_SEED 0x6361636865ULL

static uint64_t scratch_addr[16], scratch_size[16];
/* Per memfd chunk: '1' when it had pages in scratch and is kept, else '0'. */
static char kept[MEMFD_MAX / CHUNK + 1];
static unsigned int nr_scratch;
static int pagemap = -1;

static uint64_t word(uint64_t seed, uint64_t i)
{
	uint64_t z = (seed + i) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 31);
}

/* A /proc/meminfo figure in kB, -1 when absent. */
static long long meminfo(const char *key)
{
	char buf[8192], *p;
	size_t n = strlen(key);

	if (read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ':')
			return atoll(p + n + 1);
	return -1;
}

static void show_meminfo(const char *when)
{
	printf("# %s: MemTotal %lld kB, MemFree %lld kB, CmaTotal %lld kB, CmaFree %lld kB\n",
	       when, meminfo("MemTotal"), meminfo("MemFree"), meminfo("CmaTotal"),
	       meminfo("CmaFree"));
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

static void fill(uint64_t *mem, uint64_t seed, size_t from, size_t len)
{
	size_t i;

	for (i = from / 8; i < (from + len) / 8; i++)
		mem[i] = word(seed, i);
}

static uint64_t bad_words(const uint64_t *mem, uint64_t seed, size_t len)
{
	uint64_t bad = 0;
	size_t i;

	for (i = 0; i < len / 8; i++)
		bad += mem[i] != word(seed, i);
	return bad;
}

static int put_kept(void)
{
	char path[256];
	FILE *f;
	int ret;

	if (!getenv("TESTBED_STATE"))
		return -1;
	snprintf(path, sizeof(path), "%s/kho_scratch.kept", getenv("TESTBED_STATE"));
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(kept, f) < 0;
	return fclose(f) | ret;
}

/*
 * Words of chunk @c of @fd that are neither its pattern (kept) nor zero
 * (hole), read with pread(): a fault into a hole of a preserved memfd is
 * refused, a read is not.
 */
static uint64_t bad_chunk(int fd, size_t c, bool is_kept)
{
	static uint64_t buf[CHUNK / 8];
	uint64_t bad = 0;
	size_t i;

	if (pread(fd, buf, CHUNK, c * CHUNK) != (ssize_t)CHUNK)
		return CHUNK / 8;
	for (i = 0; i < CHUNK / 8; i++)
		bad += buf[i] != (is_kept ? word(MEMFD_SEED, c * CHUNK / 8 + i) : 0);
	return bad;
}

static int session(bool incoming)
{
	struct liveupdate_ioctl_create_session c = { .size = sizeof(c) };
	struct liveupdate_ioctl_retrieve_session r = { .size = sizeof(r) };
	int dev = open("/dev/liveupdate", O_RDWR), ret;

	if (dev < 0)
		return -errno;
	snprintf((char *)c.name, sizeof(c.name), "%s", SESSION);
	snprintf((char *)r.name, sizeof(r.name), "%s", SESSION);
	if (incoming)
		ret = ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &r) ? -errno : r.fd;
	else
		ret = ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &c) ? -errno : c.fd;
	close(dev);
	return ret;
}

static int kexec_load(void)
{
	static const char cmdline[] = "console=ttyS0";
	int kfd = open("/boot/bzImage", O_RDONLY), ret;

	if (kfd < 0)
		return -errno;
	ret = syscall(SYS_kexec_file_load, kfd, -1, sizeof(cmdline), cmdline,
		      (unsigned long)KEXEC_FILE_NO_INITRAMFS) ? -errno : 0;
	close(kfd);
	return ret;
}

static int kexec_unload(void)
{
	return syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
		       (unsigned long)KEXEC_FILE_UNLOAD) ? -errno : 0;
}

/*
 * Write page cache in chunks (and, with @mem, the memfd too) until at
 * least WANT_PAGES of each lie in scratch or the caps are reached.  The
 * page allocator takes movable memory from CMA once more than half of the
 * free memory is CMA: with 512 MiB of scratch in 2 GiB, after some 800 MiB.
 */
static void fill_until_in_scratch(uint64_t *cache, size_t *cache_len,
				  uint64_t *mem, size_t *mem_len,
				  long *cache_in, long *mem_in)
{
	*cache_in = 0;
	if (mem)
		*mem_in = 0;
	while (*cache_len + CHUNK <= CACHE_MAX && meminfo("MemAvailable") > (256 << 10) &&
	       (*cache_in < WANT_PAGES || (mem && *mem_in < WANT_PAGES))) {
		fill(cache, CACHE_SEED, *cache_len, CHUNK);
		*cache_in += in_scratch((char *)cache + *cache_len, CHUNK);
		*cache_len += CHUNK;
		if (mem && *mem_len + CHUNK <= MEMFD_MAX &&
		    *mem_in < WANT_PAGES) {
			long k;

			fill(mem, MEMFD_SEED, *mem_len, CHUNK);
			k = in_scratch((char *)mem + *mem_len, CHUNK);
			kept[*mem_len / CHUNK] = k > 0 ? '1' : '0';
			*mem_in += k;
			*mem_len += CHUNK;
		}
	}
	printf("# written: %zu MiB of page cache (%ld pages in scratch), %zu MiB of memfd (%ld pages in scratch)\n",
	       *cache_len >> 20, *cache_in, mem ? *mem_len >> 20 : 0,
	       mem ? *mem_in : 0L);
}

static int stage1(void)
{
	struct liveupdate_session_preserve_fd p = { .size = sizeof(p) };
	long long total, free_kb, cma_total, cma_free, before;
	size_t cache_len = 0, mem_len = 0;
	long cache_in, mem_in, n;
	uint64_t *cache, *mem;
	size_t i;
	int cfd, mfd, s, ret;

	printf("1..15\n");
	ret = read_scratch();
	tap(!ret && nr_scratch, "stage 1: the outgoing scratch areas are known (%u)", nr_scratch);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (!nr_scratch || pagemap < 0)
		return 1;

	/* A test before this one may have left an image loaded: scratch is claimed. */
	ret = kexec_unload();
	tap(!ret, "stage 1: no kexec image loaded, scratch lent again (%d)", ret);

	/* The memory figures: scratch counts as RAM, and as free RAM. */
	show_meminfo("stage 1, at start");
	total = meminfo("MemTotal");
	free_kb = meminfo("MemFree");
	cma_total = meminfo("CmaTotal");
	cma_free = meminfo("CmaFree");
	before = total - cma_total;
	printf("# MemTotal %lld kB; with scratch reserved, as before it was lent: %lld kB; gain %lld kB (+%.1f%%)\n",
	       total, before, cma_total, 100.0 * cma_total / before);
	tap(cma_total == (long long)(scratch_bytes() >> 10),
	    "stage 1: CmaTotal is the scratch size (%lld kB of %llu kB)", cma_total,
	    (unsigned long long)(scratch_bytes() >> 10));
	/* Earlier tests of the boot may have put some movable memory there. */
	tap(cma_free >= cma_total / 2 && free_kb >= cma_free,
	    "stage 1: scratch is free memory, in MemFree (CmaFree %lld kB, MemFree %lld kB)",
	    cma_free, free_kb);

	ret = kho_test_cmd("scratch");
	tap(!ret, "stage 1: a page of scratch: kho_preserve_folio() and _pages() refuse it (%d)",
	    ret);

	cfd = open(CACHE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	mfd = memfd_create("kho-scratch", 0);
	if (cfd < 0 || mfd < 0 || ftruncate(cfd, CACHE_MAX) || ftruncate(mfd, MEMFD_MAX)) {
		tap(0, "stage 1: a tmpfs file and a memfd (%s)", strerror(errno));
		return 1;
	}
	cache = mmap(NULL, CACHE_MAX, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
	mem = mmap(NULL, MEMFD_MAX, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (cache == MAP_FAILED || mem == MAP_FAILED) {
		tap(0, "stage 1: mmap (%s)", strerror(errno));
		return 1;
	}
	fill_until_in_scratch(cache, &cache_len, mem, &mem_len, &cache_in, &mem_in);
	show_meminfo("stage 1, filled");
	tap(cache_in >= WANT_PAGES && mem_in >= WANT_PAGES,
	    "stage 1: page cache and memfd pages were allocated in scratch (%ld and %ld pages)",
	    cache_in, mem_in);
	/* The memfd is as long as what was written. */
	munmap((char *)mem + mem_len, MEMFD_MAX - mem_len);
	ret = ftruncate(mfd, mem_len);
	/*
	 * Only the chunks with pages in scratch are preserved: the others
	 * become holes, so that the preserved memory leaves the next kernel
	 * room for its own 512 MiB of scratch.
	 */
	for (size_t c = 0; !ret && c < mem_len / CHUNK; c++)
		if (kept[c] != '1')
			ret = fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					c * CHUNK, CHUNK);
	if (!ret)
		ret = put_kept();

	s = session(false);
	p.fd = mfd;
	p.token = TOKEN;
	ret = ret ? -errno : s < 0 ? s : ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &p) ? -errno : 0;
	tap(!ret, "stage 1: the memfd, partly in scratch, preserved (%d)", ret);
	for (n = 0, i = 0; i < mem_len / CHUNK; i++)
		if (kept[i] == '1')
			n += in_scratch((char *)mem + i * CHUNK, CHUNK);
	tap(n == 0, "stage 1: no page of the preserved memfd lies in scratch any more (%ld)", n);
	for (n = 0, i = 0; i < mem_len / CHUNK; i++)
		n += bad_chunk(mfd, i, kept[i] == '1');
	tap(!n, "stage 1: the memfd's bytes are intact, %s (%ld bad words)", kept, n);

	/* A kexec load empties scratch; the unload gives it back. */
	ret = kexec_load();
	tap(!ret, "stage 1: kexec_file_load() with page cache in scratch (%d)", ret);
	show_meminfo("stage 1, image loaded");
	tap(meminfo("CmaFree") < 1024, "stage 1: scratch is claimed while loaded (CmaFree %lld kB)",
	    meminfo("CmaFree"));
	n = in_scratch((char *)cache, cache_len);
	tap(n == 0 && !bad_words(cache, CACHE_SEED, cache_len),
	    "stage 1: the page cache left scratch, bytes intact (%ld pages still there)", n);
	ret = kexec_unload();
	show_meminfo("stage 1, image unloaded");
	tap(!ret && meminfo("CmaFree") >= cma_total / 2,
	    "stage 1: the unload gives scratch back (%d, CmaFree %lld kB)", ret,
	    meminfo("CmaFree"));

	/* Scratch holds page cache again when the harness loads the kernel. */
	fill_until_in_scratch(cache, &cache_len, NULL, NULL, &cache_in, NULL);
	tap(cache_in >= WANT_PAGES,
	    "stage 1: page cache in scratch again for the real kexec (%ld pages)", cache_in);

	/* Keep the session open through the kexec, off the results port. */
	ret = fork();
	if (!ret) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		for (;;)
			pause();
	}
	tap(ret > 0, "stage 1: a process holds the session until the kexec");
	return failed;
}

static int stage2(void)
{
	struct liveupdate_session_retrieve_fd r = { .size = sizeof(r) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	uint64_t bad;
	struct stat st;
	int s, mfd, ret;

	printf("1..6\n");
	show_incoming();
	show_meminfo("stage 2");
	tap(incoming_starts_with("accepted"), "stage 2: the handover was accepted");
	tap(!read_scratch() &&
	    meminfo("CmaTotal") == (long long)(scratch_bytes() >> 10),
	    "stage 2: this kernel lends its own scratch too (CmaTotal %lld kB)",
	    meminfo("CmaTotal"));
	s = session(true);
	r.token = TOKEN;
	mfd = s < 0 ? s : ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &r) ? -errno : r.fd;
	if (mfd < 0 || fstat(mfd, &st))
		st.st_size = 0;
	tap(mfd >= 0 && st.st_size > 0,
	    "stage 2: the memfd retrieved (%d, %lld MiB)", mfd,
	    mfd >= 0 ? (long long)st.st_size >> 20 : 0LL);
	if (mfd < 0)
		return 1;
	{
		char path[256];
		size_t c;

		snprintf(path, sizeof(path), "%s/kho_scratch.kept",
			 getenv("TESTBED_STATE") ?: ".");
		if (read_file(path, kept, sizeof(kept)) != (int)(st.st_size / CHUNK)) {
			tap(0, "stage 2: the chunk map of stage 1 (%s)", kept);
			return 1;
		}
		for (bad = 0, c = 0; c < (size_t)st.st_size / CHUNK; c++)
			bad += bad_chunk(mfd, c, kept[c] == '1');
	}
	tap(!bad, "stage 2: every byte of the memfd came across, holes too: %s (%llu bad words)",
	    kept, (unsigned long long)bad);
	ret = ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin) ? -errno : 0;
	tap(!ret, "stage 2: session finished (%d)", ret);
	ret = kho_test_cmd("scratch");
	tap(!ret, "stage 2: a page of this kernel's scratch is refused by the preserve calls (%d)",
	    ret);
	return failed;
}

int main(void)
{
	int stage = stage_number();

	printf("TAP version 13\n");
	return stage == 1 ? stage1() : stage2();
}
