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
 * from /proc/self/pagemap).  While scratch serves movable allocations so:
 * a third memfd gets a page there that a pipe holds (vmsplice()), so it
 * cannot be migrated: preserving that memfd fails with EBUSY after the
 * kernel's retries, saying so in its log, and leaves it untouched (resizable, bytes intact), a kexec_file_load() fails with
 * EBUSY with no image loaded, nothing of scratch claimed and no byte lost;
 * with the pipe closed the memfd preserves (in a session then dropped).
 * Huge pages added to the pool then land in scratch too (hugetlb allocates
 * them movable): a hugetlb memfd takes them.  The first memfd keeps only
 * its 8 MiB chunks that had pages in scratch (the others are punched out,
 * so that the next kernel finds room for its own scratch), is preserved in
 * a live update session, and none of its pages may lie in scratch
 * afterwards; the hugetlb memfd too (memfd_luo_leave_scratch() migrates
 * huge pages out of scratch as a long-term pin does).  A kexec_file_load()
 * must then empty scratch (CmaFree drops to 0, the page cache leaves it,
 * its bytes intact) and the unload must give it back.  Last, page cache is
 * written into scratch again, so that the harness's own load (the real
 * kexec) has to migrate it out.
 * Stage 2, after the kexec: the memfd comes back with every byte (and its
 * holes), the hugetlb memfd with every byte, and this kernel lends its own
 * scratch, the incoming areas kept.  Then a memfd fills RAM and keeps one
 * page in every 64 MiB outside scratch (and the pages closest to it): no
 * hole of the scratch size is left outside scratch; it is preserved.
 * Stage 3: KHO is on (the incoming scratch kept: a fresh area would not
 * fit), the memfd comes back intact and is preserved again: a second live
 * update.  Stage 4: it comes back intact again; the KHO test module is
 * asked to name a scratch area a page short at the kexec.  Stage 5: that
 * handover is accepted, the area is not kept, with the reason on the
 * console, and a fresh area is set aside.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/klog.h>
#include <sys/uio.h>
#include <linux/kexec.h>
#include <linux/liveupdate.h>

#include "kho_scratch_tb.h"

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
#define HUGE (2UL << 20)
#define HUGE_NEW 16		/* huge pages added to the pool while scratch serves */
#define HUGE_FILE 8		/* of which the hugetlb memfd takes the newest */
#define HUGE_TOKEN (TOKEN + 1)
#define HUGE_SEED 0x6875676574ULL
#define BUSY_MAX (64UL << 20)
#define BUSY_STEP (1UL << 20)
#define BUSY_SEED 0x62757379ULL

/* Per memfd chunk: '1' when it had pages in scratch and is kept, else '0'. */
static char kept[MEMFD_MAX / CHUNK + 1];

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

/* The offset of the first page of [@p, @p + @len) in scratch, or -1. */
static long first_in_scratch(const volatile char *p, size_t len)
{
	uint64_t e;
	size_t i;

	for (i = 0; i < len / PG; i++) {
		(void)p[i * PG];
		if (pread(pagemap, &e, 8, ((uintptr_t)p / PG + i) * 8) != 8)
			return -1;
		if ((e >> 63) & 1 && pfn_in_scratch(e & ((1ULL << 55) - 1)))
			return i * PG;
	}
	return -1;
}

static int set_nr_hugepages(long long n)
{
	char w[32];

	snprintf(w, sizeof(w), "%lld", n);
	return write_file("/proc/sys/vm/nr_hugepages", w);
}

/*
 * A hugetlb memfd with huge pages in scratch: hugetlb allocates its pages
 * movable, so huge pages added to the pool while the page allocator takes
 * movable memory from CMA (after fill_until_in_scratch()) may lie there;
 * the pool hands out its newest pages first.  Returns the memfd's huge
 * pages in scratch (-1 on error), the memfd in @hfd and its mapping in
 * @hmem, filled with its pattern.
 */
static long hugetlb_in_scratch(long long pool0, int *hfd, uint64_t **hmem)
{
	long long pool, free_pages;
	long n;

	*hmem = MAP_FAILED;
	set_nr_hugepages(pool0 + HUGE_NEW);
	pool = tb_meminfo("HugePages_Total");
	free_pages = tb_meminfo("HugePages_Free");
	printf("# hugetlb pool grown from %lld to %lld pages, %lld free\n",
	       pool0, pool, free_pages);
	if (pool < pool0 + HUGE_FILE || free_pages < HUGE_FILE)
		return -1;
	*hfd = memfd_create("kho-scratch-huge", MFD_HUGETLB);
	if (*hfd < 0 || ftruncate(*hfd, HUGE_FILE * HUGE))
		return -1;
	*hmem = mmap(NULL, HUGE_FILE * HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, *hfd, 0);
	if (*hmem == MAP_FAILED)
		return -1;
	fill(*hmem, HUGE_SEED, 0, HUGE_FILE * HUGE);
	n = in_scratch((char *)*hmem, HUGE_FILE * HUGE);
	return n < 0 ? -1 : n / (HUGE / PG);
}

/*
 * A memfd with a page in scratch that a pipe references (vmsplice()), so
 * that it cannot be migrated while the pipe holds it: the memfd is written
 * a MiB at a time until a page lands in scratch.  Returns that page's
 * offset (-1 when none did or vmsplice failed), the memfd in @bfd, its
 * mapping in @bmem and its written length in @blen.
 */
static long busy_page_in_scratch(int pipefd[2], int *bfd, uint64_t **bmem, size_t *blen)
{
	struct iovec iov;
	long off = -1;

	*blen = 0;
	*bmem = MAP_FAILED;
	*bfd = memfd_create("kho-scratch-busy", 0);
	if (*bfd < 0 || ftruncate(*bfd, BUSY_MAX) || pipe(pipefd))
		return -1;
	*bmem = mmap(NULL, BUSY_MAX, PROT_READ | PROT_WRITE, MAP_SHARED, *bfd, 0);
	if (*bmem == MAP_FAILED)
		return -1;
	while (off < 0 && *blen < BUSY_MAX) {
		fill(*bmem, BUSY_SEED, *blen, BUSY_STEP);
		off = first_in_scratch((char *)*bmem + *blen, BUSY_STEP);
		if (off >= 0)
			off += *blen;
		*blen += BUSY_STEP;
	}
	if (off < 0 || ftruncate(*bfd, *blen))
		return -1;
	iov.iov_base = (char *)*bmem + off;
	iov.iov_len = PG;
	return vmsplice(pipefd[1], &iov, 1, 0) == (ssize_t)PG ? off : -1;
}

static long long kexec_loaded(void)
{
	char buf[16];

	return read_file("/sys/kernel/kexec_loaded", buf, sizeof(buf)) > 0 ? atoll(buf) : -1;
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
	while (*cache_len + CHUNK <= CACHE_MAX && tb_meminfo("MemAvailable") > (256 << 10) &&
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

/*
 * Stages 2 to 4: RAM filled with preserved memory scattered so that no
 * hole of the scratch size is left outside scratch.  A memfd of 4 KiB
 * pages takes nearly all free memory, then keeps one page per SCATTER_WIN
 * of physical memory outside scratch and the pages closest to each end
 * of each scratch area (the rest is punched out).  The next kernel cannot
 * set aside a fresh scratch area of the same size: it must keep the
 * incoming one, or KHO is off and the second live update is impossible.
 */
#define SCATTER_MAX (1536UL << 20)
#define SCATTER_WIN (64UL << 20)
#define SCATTER_NR_WIN 1024		/* windows: 64 GiB of physical memory */
#define SCATTER_KEEP 512
#define SCATTER_TOKEN (TOKEN + 2)
#define SCATTER_SEED 0x73636174ULL
#define SCATTER_SESSION SESSION "-scatter"

static uint64_t keep_off[SCATTER_KEEP], keep_pa[SCATTER_KEEP];
static unsigned int nr_keep;
static size_t scatter_len;

static void hold_sessions(void)
{
	int ret = lu_keep_sessions();

	tap(!ret, "stage %d: a process holds the session until the kexec", stage_number());
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void keep_page(uint64_t off, uint64_t pa)
{
	unsigned int i;

	for (i = 0; i < nr_keep; i++)
		if (keep_off[i] == off)
			return;
	if (nr_keep < SCATTER_KEEP) {
		keep_off[nr_keep] = off;
		keep_pa[nr_keep++] = pa;
	}
}

/* System RAM ranges of /proc/iomem (top level); how many. */
static int ram_ranges(uint64_t *lo, uint64_t *hi, int max)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/iomem", "r");

	while (f && n < max && fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (line[0] != ' ' && strstr(line, ": System RAM") &&
		    sscanf(line, "%llx-%llx", &a, &b) == 2) {
			lo[n] = a;
			hi[n++] = b + 1;
		}
	}
	if (f)
		fclose(f);
	return n;
}

/*
 * The longest stretch of RAM outside the scratch areas (and above 16 MiB,
 * where a scratch area may go) that holds none of the kept pages.
 */
static uint64_t longest_free_stretch(void)
{
	uint64_t lo[64], hi[64], pa[SCATTER_KEEP + 64], best = 0;
	int nr = ram_ranges(lo, hi, 64), r;
	unsigned int i, k;

	for (r = 0; r < nr; r++) {
		uint64_t from = lo[r] < (16UL << 20) ? 16UL << 20 : lo[r];

		if (from >= hi[r])
			continue;
		/* Barriers: the kept pages, the scratch areas, the range's end. */
		for (k = 0, i = 0; i < nr_keep; i++)
			pa[k++] = keep_pa[i];
		for (i = 0; i < nr_scratch; i++)
			pa[k++] = scratch_addr[i];
		pa[k++] = hi[r];
		qsort(pa, k, sizeof(pa[0]), cmp_u64);
		for (i = 0; i < k; i++) {
			if (pa[i] < from)
				continue;
			if (pa[i] - from > best)
				best = pa[i] - from;
			if (pa[i] >= hi[r])
				break;
			from = pa[i] + PG;
			/* A scratch area is not free for a new one. */
			for (unsigned int a = 0; a < nr_scratch; a++)
				if (pa[i] == scratch_addr[a])
					from = scratch_addr[a] + scratch_size[a];
		}
	}
	return best;
}

static int put_scatter(void)
{
	char path[256];
	unsigned int i;
	FILE *f;

	if (!getenv("TESTBED_STATE"))
		return -1;
	snprintf(path, sizeof(path), "%s/kho_scratch.scatter", getenv("TESTBED_STATE"));
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%zx\n", scatter_len);
	for (i = 0; i < nr_keep; i++)
		fprintf(f, "%llx\n", (unsigned long long)keep_off[i]);
	return fclose(f);
}

static int get_scatter(void)
{
	char path[256];
	unsigned long long v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kho_scratch.scatter", getenv("TESTBED_STATE") ?: ".");
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llx", &v) != 1) {
		if (f)
			fclose(f);
		return -1;
	}
	scatter_len = v;
	for (nr_keep = 0; nr_keep < SCATTER_KEEP && fscanf(f, "%llx", &v) == 1; nr_keep++)
		keep_off[nr_keep] = v;
	fclose(f);
	return nr_keep ? 0 : -1;
}

/*
 * Words of the scattered memfd that are wrong: each kept page holds its
 * pattern, the page after each kept one (when not kept) is a hole.
 */
static uint64_t bad_scatter(int fd)
{
	uint64_t buf[PG / 8], bad = 0;
	unsigned int i, k;
	size_t w;

	for (i = 0; i < nr_keep; i++) {
		uint64_t off = keep_off[i], next = off + PG;
		bool next_kept = next >= scatter_len;

		if (pread(fd, buf, PG, off) != (ssize_t)PG)
			return PG / 8;
		for (w = 0; w < PG / 8; w++)
			bad += buf[w] != word(SCATTER_SEED, off / 8 + w);
		for (k = 0; k < nr_keep; k++)
			next_kept |= keep_off[k] == next;
		if (next_kept)
			continue;
		if (pread(fd, buf, PG, next) != (ssize_t)PG)
			return PG / 8;
		for (w = 0; w < PG / 8; w++)
			bad += buf[w] != 0;
	}
	return bad;
}

/* Stage 2: fill RAM, keep the scattered pages, preserve them (6 tests). */
static void scatter_preserve(void)
{
	static bool covered[SCATTER_NR_WIN];
	uint64_t below[16] = { 0 }, above[16] = { 0 }, e[512], prev, stretch;
	uint64_t below_off[16], above_off[16];
	size_t i, k, n;
	uint64_t *mem;
	int fd, s, ret;
	unsigned int a;

	if (pagemap < 0)
		pagemap = open("/proc/self/pagemap", O_RDONLY);
	fd = memfd_create("kho-scratch-scatter", 0);
	mem = fd < 0 || ftruncate(fd, SCATTER_MAX) ? MAP_FAILED :
	      mmap(NULL, SCATTER_MAX, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		tap(0, "stage 2: a memfd to fill RAM (%s)", strerror(errno));
		return;
	}
	while (scatter_len + CHUNK <= SCATTER_MAX && tb_meminfo("MemAvailable") > (160 << 10)) {
		fill(mem, SCATTER_SEED, scatter_len, CHUNK);
		scatter_len += CHUNK;
	}
	show_meminfo("stage 2, RAM filled");
	/* One page per window outside scratch, and the closest to scratch. */
	n = scatter_len / PG;
	for (i = 0; i < n; i += 512) {
		size_t m = n - i < 512 ? n - i : 512;

		if (pread(pagemap, e, m * 8, ((uintptr_t)mem / PG + i) * 8) != (ssize_t)(m * 8))
			break;
		for (k = 0; k < m; k++) {
			uint64_t pfn = e[k] & ((1ULL << 55) - 1), pa = pfn * PG, w = pa / SCATTER_WIN;

			if (!((e[k] >> 63) & 1) || !pfn || pfn_in_scratch(pfn))
				continue;
			if (w < SCATTER_NR_WIN && !covered[w]) {
				covered[w] = true;
				keep_page((i + k) * PG, pa);
			}
			for (a = 0; a < nr_scratch && a < 16; a++) {
				if (pa < scratch_addr[a] && pa >= below[a]) {
					below[a] = pa;
					below_off[a] = (i + k) * PG;
				}
				if (pa >= scratch_addr[a] + scratch_size[a] &&
				    (!above[a] || pa < above[a])) {
					above[a] = pa;
					above_off[a] = (i + k) * PG;
				}
			}
		}
	}
	for (a = 0; a < nr_scratch && a < 16; a++) {
		if (below[a])
			keep_page(below_off[a], below[a]);
		if (above[a])
			keep_page(above_off[a], above[a]);
	}
	qsort(keep_off, nr_keep, sizeof(keep_off[0]), cmp_u64);
	stretch = longest_free_stretch();
	printf("# %zu MiB written, %u pages kept; the longest stretch of RAM outside scratch with none of them: %llu MiB\n",
	       scatter_len >> 20, nr_keep, (unsigned long long)stretch >> 20);
	tap(nr_keep >= 8 && stretch < scratch_bytes(),
	    "stage 2: RAM filled, %u scattered pages kept: no hole of the scratch size (%llu MiB) outside scratch (longest %llu MiB)",
	    nr_keep, (unsigned long long)scratch_bytes() >> 20, (unsigned long long)stretch >> 20);
	/* Everything else punched out. */
	munmap(mem, SCATTER_MAX);
	ret = ftruncate(fd, scatter_len);
	for (prev = 0, i = 0; !ret && i <= nr_keep; i++) {
		uint64_t to = i < nr_keep ? keep_off[i] : scatter_len;

		if (to > prev)
			ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, prev, to - prev);
		prev = to + PG;
	}
	show_meminfo("stage 2, holes punched");
	tap(!ret && !put_scatter() && !bad_scatter(fd),
	    "stage 2: the other pages punched out, the kept ones intact (%d)", ret);
	s = tb_session(SCATTER_SESSION, false);
	ret = preserve(s, fd, SCATTER_TOKEN);
	tap(!ret, "stage 2: the scattered memfd preserved (%d)", ret);
	hold_sessions();
}

/* The incoming scratch areas (debugfs kho/in/scratch) are the outgoing ones. */
static bool scratch_kept(void)
{
	uint64_t raw[32];
	int fd = open(KHO_DIR "/in/scratch", O_RDONLY), len;
	unsigned int i;

	len = fd < 0 ? -1 : read(fd, raw, sizeof(raw));
	if (fd >= 0)
		close(fd);
	if (len <= 0 || len % 16 || (unsigned int)len / 16 != nr_scratch)
		return false;
	for (i = 0; i < nr_scratch; i++)
		if (raw[2 * i] != scratch_addr[i] || raw[2 * i + 1] != scratch_size[i])
			return false;
	return true;
}

/* Whether this kernel's log has a line containing @text. */
static bool klog_has(const char *text)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);

	log[n > 0 ? n : 0] = 0;
	return strstr(log, text) != NULL;
}

/*
 * Stage 5: the previous kernel named a scratch area that is not whole
 * pageblocks (kho_test's "scratch_pageblock"): the handover is accepted,
 * the area is not kept, this kernel says why and sets aside a fresh one.
 */
static int stage5(void)
{
	int n, in_nr, len;
	uint64_t raw[32];
	int fd;

	printf("1..4\n");
	show_incoming();
	tap(incoming_starts_with("accepted"), "stage 5: the handover was accepted");
	fd = open(KHO_DIR "/in/scratch", O_RDONLY);
	len = fd < 0 ? -1 : read(fd, raw, sizeof(raw));
	if (fd >= 0)
		close(fd);
	in_nr = len > 0 ? len / 16 : 0;
	tap(in_nr && raw[1] % (2UL << 20) == (2UL << 20) - PG,
	    "stage 5: the incoming scratch area is a page short of whole pageblocks (%#llx bytes)",
	    in_nr ? (unsigned long long)raw[1] : 0ULL);
	tap(klog_has("KHO: incoming scratch areas not kept (an area is not made of whole pageblocks), setting aside a fresh one"),
	    "stage 5: this kernel said why it did not keep it");
	n = read_scratch();
	tap(!n && nr_scratch && !scratch_kept(),
	    "stage 5: KHO is on, with a fresh scratch area (%u areas, %llu MiB)", nr_scratch,
	    (unsigned long long)scratch_bytes() >> 20);
	return failed;
}

/* Stages 3 and 4: the scattered memfd back; at 3 preserved again. */
static int stage_scatter(int stage)
{
	struct liveupdate_session_retrieve_fd r = { .size = sizeof(r) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	long long cma_free;
	char name[64];
	uint64_t bad;
	int s, fd, ret;

	printf("1..%d\n", stage == 3 ? 8 : 6);
	show_incoming();
	show_meminfo(stage == 3 ? "stage 3" : "stage 4");
	tap(incoming_starts_with("accepted"), "stage %d: the handover was accepted", stage);
	ret = read_scratch();
	tap(!ret && nr_scratch, "stage %d: KHO is on, this kernel has scratch for the next one (%u areas)",
	    stage, nr_scratch);
	tap(!ret && scratch_kept(), "stage %d: it kept the incoming scratch areas as its own", stage);
	snprintf(name, sizeof(name), "%s%s", SCATTER_SESSION, stage == 3 ? "" : "-2");
	s = tb_session(name, true);
	r.token = SCATTER_TOKEN;
	fd = s < 0 ? s : ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &r) ? -errno : r.fd;
	bad = fd < 0 || get_scatter() ? 1 : bad_scatter(fd);
	tap(!bad, "stage %d: the scattered memfd came across, %u pages intact, holes too (%d, %llu bad words)",
	    stage, nr_keep, fd, (unsigned long long)bad);
	ret = s < 0 ? s : ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin) ? -errno : 0;
	tap(!ret, "stage %d: session finished (%d)", stage, ret);
	if (stage != 3) {
		/* Stage 5: a scratch area the next kernel cannot keep. */
		ret = write_file(KHO_TEST_DIR "/corrupt", "scratch_pageblock");
		tap(!ret, "stage 4: the scratch array will name an area a page short of 512 MiB (%d)",
		    ret);
		return failed;
	}
	/* The kept areas are claimed by a load and given back by the unload. */
	ret = tb_kexec_load("console=ttyS0", 0);
	cma_free = tb_meminfo("CmaFree");
	ret = ret ?: tb_kexec_unload();
	tap(!ret && cma_free < 1024 && tb_meminfo("CmaFree") >= tb_meminfo("CmaTotal") / 2,
	    "stage 3: a load claims the kept scratch (CmaFree %lld kB), the unload gives it back (%lld kB) (%d)",
	    cma_free, tb_meminfo("CmaFree"), ret);
	s = tb_session(SCATTER_SESSION "-2", false);
	ret = fd < 0 ? fd : preserve(s, fd, SCATTER_TOKEN);
	tap(!ret, "stage 3: a second live update: the same memfd preserved again (%d)", ret);
	hold_sessions();
	return failed;
}

static int stage1(void)
{
	struct liveupdate_session_preserve_fd p = { .size = sizeof(p) };
	long long total, free_kb, cma_total, cma_free, before, pool0;
	size_t cache_len = 0, mem_len = 0, blen;
	long cache_in, mem_in, n, off, huge_in;
	uint64_t *cache, *mem, *bmem, *hmem;
	int cfd, mfd, s, ret, bfd, hfd = -1, pipefd[2];
	size_t i;

	printf("1..25\n");
	ret = read_scratch();
	tap(!ret && nr_scratch, "stage 1: the outgoing scratch areas are known (%u)", nr_scratch);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (!nr_scratch || pagemap < 0)
		return 1;

	/* A test before this one may have left an image loaded: scratch is claimed. */
	ret = tb_kexec_unload();
	tap(!ret, "stage 1: no kexec image loaded, scratch lent again (%d)", ret);

	/* The memory figures: scratch counts as RAM, and as free RAM. */
	show_meminfo("stage 1, at start");
	total = tb_meminfo("MemTotal");
	free_kb = tb_meminfo("MemFree");
	cma_total = tb_meminfo("CmaTotal");
	cma_free = tb_meminfo("CmaFree");
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

	/*
	 * Scratch serves movable allocations now: a page there that cannot
	 * move (a pipe holds it) makes a preserve and a load fail, and
	 * neither changes anything.
	 */
	off = busy_page_in_scratch(pipefd, &bfd, &bmem, &blen);
	tap(off >= 0, "stage 1: a memfd page in scratch, held by a pipe (vmsplice), at %#lx of %zu MiB",
	    off, blen >> 20);
	if (off < 0)
		return 1;
	s = tb_session(SESSION "-busy", false);
	ret = preserve(s, bfd, TOKEN);
	tap(ret == -EBUSY, "stage 1: preserving that memfd: EBUSY, its page cannot leave scratch (%d)",
	    ret);
	tap(klog_has("memfd:kho-scratch-busy: 1 folios stay in KHO scratch after 5 passes"),
	    "stage 1: the kernel said which memfd kept a folio in scratch, after retrying");
	n = in_scratch((char *)bmem + off, PG);
	ret = ftruncate(bfd, blen + PG) || ftruncate(bfd, blen);
	tap(n == 1 && !ret && !bad_words(bmem, BUSY_SEED, blen),
	    "stage 1: the memfd is untouched: resizable (not frozen), bytes intact, the page still in scratch (%ld)",
	    n);
	cma_free = tb_meminfo("CmaFree");
	ret = tb_kexec_load("console=ttyS0", 0);
	tap(ret == -EBUSY && kexec_loaded() == 0,
	    "stage 1: kexec_file_load() with that page in scratch: EBUSY, no image loaded (%d, kexec_loaded %lld)",
	    ret, kexec_loaded());
	show_meminfo("stage 1, load refused");
	tap(tb_meminfo("CmaFree") + 4096 >= cma_free && !bad_words(bmem, BUSY_SEED, blen) &&
	    !bad_words(cache, CACHE_SEED, cache_len) && !bad_words(mem, MEMFD_SEED, mem_len),
	    "stage 1: nothing claimed (CmaFree %lld kB, %lld kB before), page cache and memfds intact",
	    tb_meminfo("CmaFree"), cma_free);
	close(pipefd[0]);
	close(pipefd[1]);
	ret = preserve(s, bfd, TOKEN);
	tap(!ret, "stage 1: the pipe closed, the same memfd preserves (%d); the session is dropped",
	    ret);
	close(s);
	munmap(bmem, BUSY_MAX);
	close(bfd);

	/* Huge pages in scratch: the memfd handler migrates them out too. */
	pool0 = tb_meminfo("HugePages_Total");
	huge_in = hugetlb_in_scratch(pool0, &hfd, &hmem);
	tap(huge_in > 0, "stage 1: a hugetlb memfd, %ld of its %d huge pages in scratch",
	    huge_in, HUGE_FILE);
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

	s = tb_session(SESSION, false);
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
	ret = huge_in > 0 ? preserve(s, hfd, HUGE_TOKEN) : -ENOENT;
	tap(!ret, "stage 1: the hugetlb memfd preserved (%d)", ret);
	n = huge_in > 0 ? in_scratch((char *)hmem, HUGE_FILE * HUGE) : -1;
	tap(!n && !bad_words(hmem, HUGE_SEED, HUGE_FILE * HUGE),
	    "stage 1: its huge pages left scratch, bytes intact (%ld pages still there)", n);
	/* Back to the boot's pool; the preserved pages stay allocated. */
	set_nr_hugepages(pool0);

	/* A kexec load empties scratch; the unload gives it back. */
	ret = tb_kexec_load("console=ttyS0", 0);
	tap(!ret, "stage 1: kexec_file_load() with page cache in scratch (%d)", ret);
	show_meminfo("stage 1, image loaded");
	tap(tb_meminfo("CmaFree") < 1024, "stage 1: scratch is claimed while loaded (CmaFree %lld kB)",
	    tb_meminfo("CmaFree"));
	n = in_scratch((char *)cache, cache_len);
	tap(n == 0 && !bad_words(cache, CACHE_SEED, cache_len),
	    "stage 1: the page cache left scratch, bytes intact (%ld pages still there)", n);
	ret = tb_kexec_unload();
	show_meminfo("stage 1, image unloaded");
	tap(!ret && tb_meminfo("CmaFree") >= cma_total / 2,
	    "stage 1: the unload gives scratch back (%d, CmaFree %lld kB)", ret,
	    tb_meminfo("CmaFree"));

	/* Scratch holds page cache again when the harness loads the kernel. */
	fill_until_in_scratch(cache, &cache_len, NULL, NULL, &cache_in, NULL);
	tap(cache_in >= WANT_PAGES,
	    "stage 1: page cache in scratch again for the real kexec (%ld pages)", cache_in);

	/* Keep the session open through the kexec, off the results port. */
	hold_sessions();
	return failed;
}

static int stage2(void)
{
	struct liveupdate_session_retrieve_fd r = { .size = sizeof(r) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	uint64_t bad, *hmem;
	struct stat st;
	int s, mfd, hfd, ret;

	printf("1..11\n");
	show_incoming();
	show_meminfo("stage 2");
	tap(incoming_starts_with("accepted"), "stage 2: the handover was accepted");
	/*
	 * It keeps the incoming scratch as its own: what its boot occupies
	 * there (its image, early allocations) is not lent.
	 */
	ret = read_scratch();
	tap(!ret && tb_meminfo("CmaTotal") > 0 &&
	    tb_meminfo("CmaTotal") <= (long long)(scratch_bytes() >> 10),
	    "stage 2: this kernel lends its own scratch too (CmaTotal %lld kB of %llu kB)",
	    tb_meminfo("CmaTotal"), (unsigned long long)(scratch_bytes() >> 10));
	s = tb_session(SESSION, true);
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
	r.token = HUGE_TOKEN;
	hfd = ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &r) ? -errno : r.fd;
	hmem = hfd < 0 || fstat(hfd, &st) || st.st_size != HUGE_FILE * HUGE ? MAP_FAILED :
	       mmap(NULL, HUGE_FILE * HUGE, PROT_READ, MAP_SHARED, hfd, 0);
	bad = hmem == MAP_FAILED ? 1 : bad_words(hmem, HUGE_SEED, HUGE_FILE * HUGE);
	tap(!bad, "stage 2: the hugetlb memfd, whose huge pages were in scratch, came across whole (%d, %llu bad words)",
	    hfd, (unsigned long long)bad);
	ret = ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin) ? -errno : 0;
	tap(!ret, "stage 2: session finished (%d)", ret);
	ret = kho_test_cmd("scratch");
	tap(!ret, "stage 2: a page of this kernel's scratch is refused by the preserve calls (%d)",
	    ret);
	munmap(hmem, HUGE_FILE * HUGE);
	close(hfd);
	close(mfd);
	close(s);
	scatter_preserve();
	return failed;
}

int main(void)
{
	int stage = stage_number();

	printf("TAP version 13\n");
	if (stage == 5)
		return stage5();
	return stage == 1 ? stage1() : stage == 2 ? stage2() : stage_scatter(stage);
}
