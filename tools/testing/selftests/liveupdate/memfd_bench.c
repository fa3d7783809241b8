// SPDX-License-Identifier: GPL-2.0
/*
 * memfd live update figures (nine stages; printed, never judged by time).
 *
 * Stage 1: bytes handed over per GiB of memfd, for 4 KiB pages allocated
 * in a fresh VM (physically contiguous runs), 4 KiB pages interleaved
 * with another file (scattered: every folio its own run, the worst case),
 * 2 MiB THP folios and 2 MiB hugetlb folios.  Every byte that goes over
 * for the file is counted: the memfd record (version 3: header and
 * segments; versions 2 and 1 only with the downgrade switch
 * memfd_luo.downgrade=1, measured once more for the scattered file), the
 * entries the file adds to KHO's preserved-memory map (kho/out/maps before
 * and after the preserve: the ranges of its folio lists, which KHO
 * references as they are, and the record's own pages) and the file's
 * entry in LUO's state.  Against
 * upstream Linux's format for the same folios, computed from their frames
 * (pagemap): 16 bytes per folio plus the pages of KHO's radix tree of
 * bitmaps that track them (see upstream_bytes()).  Then a plain kexec:
 * a writer stamps the TSC into ivshmem (host memory that a kexec leaves
 * alone) until the CPUs stop.
 * Even stages (2, 4, 6, 8): the plain kexec's blackout (last stamp ->
 * this program runs).  Then a memfd of up to 1 GiB that fits next to the
 * KHO scratch area is filled, a writer keeps rewriting it, and it is
 * preserved: THP-backed at stage 2, of scattered 4 KiB pages (written page
 * by page in turn with another file, which is then freed: every folio its
 * own run, 262144 for 1 GiB) at stages 4, 6 and 8.
 * Odd stages (3, 5, 7, 9): retrieve; the blackout is the writer's last
 * stamp -> memfd back; every byte is checked.  Stages 3-7 start another
 * plain kexec; stage 9 prints, per kind, the median and range of the
 * samples and the ratio of the medians against the plain kexec.
 */
#include "memfd_common.h"

#define META_SIZE	(256 * MiB)
#define INTER_SIZE	(64 * MiB)
#define BAR_WORD	(15 * MiB)

#define NR_SAMPLES	4

/* The kinds of kexec measured: nothing preserved, a THP memfd, a scattered one. */
enum { PLAIN, THP, SCAT, NR_KINDS };

static const char * const kind_name[NR_KINDS] = {
	"plain kexec (KHO on, nothing preserved)", "THP memfd", "scattered 4 KiB memfd",
};

/* The samples of one kind, and what the last preserve of it handed over. */
struct kind_state {
	double ms[NR_SAMPLES], up_ms[NR_SAMPLES], retrieve_ms[NR_SAMPLES];
	int nr;
	uint64_t size;
	double preserve_ms;
	uint64_t folios, runs, v3, v2, v1, kho_meta, reserve_ns;
};

struct bench_state {
	struct kind_state k[NR_KINDS];
	int cur;	/* the kind of memfd preserved for the coming kexec */
};

/* One entry of LUO's files array in its state (luo_file_abi). */
#define LUO_FILE_ENTRY	112

/* What one preserve added to the handover, and upstream's figure. */
struct meta {
	uint64_t folios, runs, v3, v2, v1;
	uint64_t map_ranges, map_chunks;	/* added to KHO's map */
	uint64_t map_bytes;			/* their entries' bytes */
	uint64_t up_bytes, up_pages;		/* upstream: entries, tree pages */
};

/*
 * Sum of "ranges" and "chunks" over the lines of kho/out/maps, and the
 * bytes of those entries: 8 a range in a packed list ("packed P", P of its
 * chunks packed: physr_pack() packs all of them), 16 otherwise.
 */
static int kho_out_maps(uint64_t *ranges, uint64_t *chunks, uint64_t *bytes)
{
	char buf[16384], line[256], *p, *nl;
	long long r, c;
	size_t n;

	*ranges = *chunks = *bytes = 0;
	if (read_text(KHO_DIR "/out/maps", buf, sizeof(buf)) < 0)
		return -EIO;
	for (p = buf; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line))
			return -E2BIG;
		memcpy(line, p, n);
		line[n] = 0;
		r = line_value(line, "ranges ");
		c = line_value(line, "chunks ");
		if (r <= 0)
			continue;
		*ranges += r;
		*chunks += c > 0 ? c : 0;
		*bytes += r * (line_value(line, "packed ") > 0 ? 8 : 16);
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct values of @v[0..n) (sorts @v). */
static uint64_t nr_distinct(uint64_t *v, uint64_t n)
{
	uint64_t i, d = 0;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		d += !i || v[i] != v[i - 1];
	return d;
}

/*
 * Upstream Linux's format for the same @nr folios of 2^@order pages at
 * frames @pfn[i << order]: its memfd handler writes 16 bytes per folio
 * (frame and flags, file index), and its KHO tracks preserved memory in a
 * radix tree keyed by (order, frame >> order) whose leaves are 4 KiB
 * bitmaps (32768 blocks of 2^order pages each) and whose inner nodes are
 * 4 KiB tables of 512 entries.  Counted here: the distinct leaves the
 * folios touch, and at each of the four inner levels above them (9 bits
 * each, up to the 52 bits of a frame number) the distinct nodes.  The
 * pages holding upstream's folio array are left out (a few per GiB).
 */
static void upstream_bytes(const uint64_t *pfn, uint64_t nr, unsigned int order,
			   struct meta *m)
{
	uint64_t *key = calloc(nr ? nr : 1, 8), i, pages = 0;
	unsigned int shift, level;

	m->up_bytes = 16 * nr;
	m->up_pages = 0;
	if (!key)
		return;
	for (level = 0, shift = 15; level < 5; level++, shift += 9) {
		for (i = 0; i < nr; i++)
			key[i] = (pfn[i << order] >> order) >> shift;
		pages += nr_distinct(key, nr);
	}
	m->up_pages = pages;
	free(key);
}

/* A "key value" line of KHO's incoming stats; 0 when absent. */
static uint64_t kho_in_stat(const char *key)
{
	char buf[4096], *p;
	size_t kl = strlen(key);

	if (read_text(KHO_DIR "/in/stats", buf, sizeof(buf)) <= 0)
		return 0;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
	return 0;
}

/*
 * Preserve the memfd @fd of @size bytes (its folios of 2^@order pages,
 * mapped at @p) in a throwaway session and measure what it adds to the
 * handover; the session is closed again (unpreserves).
 */
static int meta_of(int fd, void *p, uint64_t size, unsigned int order,
		   const char *name, struct meta *m)
{
	uint64_t r0, c0, b0, r1, c1, b1, n = size / PAGE, *pfn = calloc(n, 8);
	char needle[64], line[512];
	int s, ret;

	memset(m, 0, sizeof(*m));
	ret = !pfn ? -ENOMEM : pfns_of(p, n, pfn);
	ret = ret ?: kho_out_maps(&r0, &c0, &b0);
	s = ret ? -1 : lu_session_create("bench-meta");
	ret = ret ?: (s < 0 ? s : lu_preserve(s, fd, 1));
	ret = ret ?: kho_out_maps(&r1, &c1, &b1);
	snprintf(needle, sizeof(needle), "preserved memfd:%s:", name);
	ret = ret ?: event_line(needle, line, sizeof(line));
	if (!ret) {
		m->folios = line_value(line, "pages in ");
		m->runs = line_value(line, "folios, ");
		m->v2 = line_value(line, "record v2 ");
		m->v3 = line_value(line, ", v3 ");
		m->v1 = line_value(line, ", v1 ");
		m->map_ranges = r1 - r0;
		m->map_bytes = b1 - b0;
		m->map_chunks = c1 > c0 ? c1 - c0 : 0;
		upstream_bytes(pfn, m->folios, order, m);
	}
	if (s >= 0)
		close(s);
	free(pfn);
	return ret;
}

/* A new memfd of META_SIZE filled with @seed's pattern, measured. */
static int meta_of_filled(const char *name, uint64_t seed, unsigned int order,
			  struct meta *m)
{
	int fd = lu_memfd_filled(name, META_SIZE, seed), ret;
	void *p = fd < 0 ? NULL : map_fd(fd, META_SIZE);

	ret = !p ? -EIO : meta_of(fd, p, META_SIZE, order, name, m);
	if (p)
		munmap(p, META_SIZE);
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * Ours: record bytes + the bytes of the entries added to KHO's map (16 a
 * range, 8 in a packed folio list) + LUO's file entry (bytes of the
 * formats; the chunk pages KHO's map grew by are shown beside).
 * Upstream: 16 bytes per folio plus its tree pages.  Both for this file;
 * per GiB scales the file's total linearly, which holds
 * for ours and for upstream's 16 bytes per folio, not for its tree (a
 * larger file in the same span touches few more leaves).
 */
static uint64_t meta_ours(const struct meta *m)
{
	return m->v3 + m->v2 + m->v1 + m->map_bytes + LUO_FILE_ENTRY;
}

static void print_meta(const char *what, uint64_t size, const struct meta *m)
{
	double per = (double)GiB / size, nf = m->folios ? m->folios : 1;
	uint64_t ours = meta_ours(m);
	uint64_t up = m->up_bytes + m->up_pages * PAGE;

	ksft_print_msg("handed over, %s (%llu MiB, %llu folios, %llu runs): ours %llu B = record v3 %llu + v2 %llu + v1 %llu + KHO map %llu (%llu entries, the referenced folio lists included; +%llu chunk pages) + LUO %d: %.2f B per folio, %.0f B per GiB\n",
		       what, (unsigned long long)(size / MiB), (unsigned long long)m->folios,
		       (unsigned long long)m->runs, (unsigned long long)ours,
		       (unsigned long long)m->v3,
		       (unsigned long long)m->v2, (unsigned long long)m->v1,
		       (unsigned long long)m->map_bytes,
		       (unsigned long long)m->map_ranges, (unsigned long long)m->map_chunks,
		       LUO_FILE_ENTRY, ours / nf, ours * per);
	ksft_print_msg("handed over, %s: upstream %llu B = 16 B/folio %llu (%.0f B per GiB) + radix tree %llu pages: %.1f B per folio; ours/upstream %.3f\n",
		       what, (unsigned long long)up, (unsigned long long)m->up_bytes,
		       m->up_bytes * per, (unsigned long long)m->up_pages, up / nf,
		       up ? (double)ours / up : 0);
}

static struct bench_state bs;

static double uptime_ms(void)
{
	char buf[64];

	return read_text("/proc/uptime", buf, sizeof(buf)) > 0 ? strtod(buf, NULL) * 1e3 : -1;
}

/* The plain kexec's writer: the TSC into ivshmem, until the CPUs stop. */
static int start_plain(void)
{
	uint64_t bar_size;
	void *bar = ivshmem_map(&bar_size);

	if (!bar || bar_size <= BAR_WORD)
		return -1;
	*(volatile uint64_t *)((char *)bar + BAR_WORD) = 0;
	return tsc_writer((uint64_t *)((char *)bar + BAR_WORD));
}

#define DOWNGRADE	"/sys/module/memfd_luo/parameters/downgrade"
#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define HTLB_SIZE	(64 * MiB)

static void stage1(void)
{
	struct meta m = {};
	int fd, fd2, ret, ok;
	char *p, *q;
	uint64_t i;

	ksft_set_plan(6);
	write_text(DOWNGRADE, "0");
	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "never");
	ret = meta_of_filled("meta-4k", 1, 0, &m);
	if (!ret)
		print_meta("4 KiB pages, fresh VM", META_SIZE, &m);
	ksft_test_result(!ret && m.folios == META_SIZE / PAGE,
			 "4 KiB memfd: %llu folios preserved and measured\n",
			 (unsigned long long)m.folios);

	/* Two files written page by page in turn: their frames interleave. */
	fd = memfd_new("meta-inter", 0);
	fd2 = memfd_new("meta-other", 0);
	p = fd < 0 || ftruncate(fd, INTER_SIZE) ? NULL : map_fd(fd, INTER_SIZE);
	q = fd2 < 0 || ftruncate(fd2, INTER_SIZE) ? NULL : map_fd(fd2, INTER_SIZE);
	for (i = 0; p && q && i < INTER_SIZE / PAGE; i++) {
		p[i * PAGE] = 1;
		q[i * PAGE] = 1;
	}
	ret = p && q ? meta_of(fd, p, INTER_SIZE, 0, "meta-inter", &m) : -1;
	if (!ret)
		print_meta("4 KiB pages, scattered (interleaved)", INTER_SIZE, &m);
	/*
	 * Not a timing: the bytes of the formats.  By default the folio list
	 * is packed, 8 bytes a range; with the record, the chunk headers and
	 * LUO's entry a scattered folio must stay under 9 bytes (16 unpacked).
	 */
	ok = !ret && m.folios == INTER_SIZE / PAGE && !m.v1 && !m.v2 && m.v3 &&
	     m.map_ranges > 0 && meta_ours(&m) <= 9 * m.folios;
	ksft_test_result(ok, "scattered 4 KiB memfd: %llu folios in %llu runs, only the v3 record by default, "
			 "%.2f B per folio (at most 9: packed list)\n",
			 (unsigned long long)m.folios, (unsigned long long)m.runs,
			 m.folios ? (double)meta_ours(&m) / m.folios : 0);
	/* The same file, downgrade-capable: version 1 goes over too. */
	ret = p && q ? write_text(DOWNGRADE, "1") : -1;
	ret = ret ?: meta_of(fd, p, INTER_SIZE, 0, "meta-inter", &m);
	write_text(DOWNGRADE, "0");
	if (!ret)
		print_meta("4 KiB pages, scattered, memfd_luo.downgrade=1", INTER_SIZE, &m);
	ksft_test_result(!ret && m.v1 >= 16 * m.folios &&
			 m.map_bytes == 16 * m.map_ranges,
			 "scattered 4 KiB memfd, downgrade switch on: record v1 %llu B\n",
			 (unsigned long long)m.v1);
	if (p)
		munmap(p, INTER_SIZE);
	if (q)
		munmap(q, INTER_SIZE);
	close(fd);
	close(fd2);

	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "always");
	ret = meta_of_filled("meta-thp", 2, 9, &m);
	if (!ret)
		print_meta("2 MiB THP", META_SIZE, &m);
	ksft_test_result(!ret && m.folios == META_SIZE / (2 * MiB),
			 "THP memfd: %llu folios preserved and measured\n",
			 (unsigned long long)m.folios);

	/* hugetlb: huge pages taken for this measurement and given back. */
	write_text(NR_HUGEPAGES, "32");
	fd = memfd_new("meta-htlb", MFD_HUGETLB);
	p = fd < 0 || ftruncate(fd, HTLB_SIZE) ? NULL : map_fd(fd, HTLB_SIZE);
	if (p)
		pat_fill(p, 0, HTLB_SIZE, 3);
	ret = p ? meta_of(fd, p, HTLB_SIZE, 9, "meta-htlb", &m) : -ENOMEM;
	if (!ret)
		print_meta("2 MiB hugetlb", HTLB_SIZE, &m);
	ksft_test_result(!ret && m.folios == HTLB_SIZE / (2 * MiB),
			 "hugetlb memfd: %llu folios preserved and measured (%d)\n",
			 (unsigned long long)m.folios, ret);
	if (p)
		munmap(p, HTLB_SIZE);
	if (fd >= 0)
		close(fd);
	write_text(NR_HUGEPAGES, "0");

	ret = start_plain();
	ksft_test_result(ret > 0, "plain kexec next: TSC writer on ivshmem started\n");
	state_save("memfd_bench.state", &bs, sizeof(bs));
}

/* The three largest gaps between kernel log lines of this boot. */
static void print_boot_gaps(const char *what)
{
	int size = klogctl(10, NULL, 0), n, k;
	double prev = 0, gap[3] = {}, at[3] = {};
	char *buf, *line, *save, *txt[3] = {};

	if (size <= 0)
		return;
	buf = malloc(size + 1);
	if (!buf)
		return;
	n = klogctl(3, buf, size);
	buf[n > 0 ? n : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *b = strchr(line, '[');
		double t;

		if (!b || sscanf(b + 1, "%lf", &t) != 1)
			continue;
		for (k = 0; k < 3; k++) {
			if (t - prev > gap[k]) {
				memmove(gap + k + 1, gap + k, (2 - k) * sizeof(*gap));
				memmove(at + k + 1, at + k, (2 - k) * sizeof(*at));
				memmove(txt + k + 1, txt + k, (2 - k) * sizeof(*txt));
				gap[k] = t - prev;
				at[k] = t;
				txt[k] = line;
				break;
			}
		}
		prev = t;
	}
	for (k = 0; k < 3; k++)
		if (txt[k])
			ksft_print_msg("%s boot: %.0f ms gap before %.3f s: %.100s\n", what,
				       gap[k] * 1e3, at[k], strchr(txt[k], ']') ? strchr(txt[k], ']') + 2 : txt[k]);
	free(buf);
}

/*
 * A memfd of @size bytes, mapped: THP-backed, or of 4 KiB pages written in
 * turn with another file's, which is then freed, so that no two of its
 * folios are adjacent (every folio its own run).
 */
static char *bench_memfd(int kind, uint64_t size, int *fd)
{
	int other = -1;
	char *p, *q = NULL;
	uint64_t i;

	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
		   kind == THP ? "always" : "never");
	*fd = memfd_new("bench", 0);
	p = *fd < 0 || ftruncate(*fd, size) ? NULL : map_fd(*fd, size);
	if (p && kind == SCAT) {
		other = memfd_new("bench-other", 0);
		q = other < 0 || ftruncate(other, size) ? NULL : map_fd(other, size);
		for (i = 0; q && i < size / PAGE; i++) {
			p[i * PAGE] = 1;
			q[i * PAGE] = 1;
		}
		if (q)
			munmap(q, size);
		if (other >= 0)
			close(other);
		if (!q) {
			munmap(p, size);
			p = NULL;
		}
	}
	return p;
}

/* After a plain kexec: its blackout; then preserve a memfd of @kind for the next. */
static void measure_plain_then_preserve(uint64_t t, int kind)
{
	double up = uptime_ms(), tpm = tsc_per_ms();
	struct kind_state *ks = &bs.k[PLAIN], *km = &bs.k[kind];
	uint64_t last, bar_size, avail, size;
	char line[512];
	void *bar;
	char *p;
	int fd, s, ret, k = ks->nr;

	bar = ivshmem_map(&bar_size);
	last = bar ? *(volatile uint64_t *)((char *)bar + BAR_WORD) : 0;
	ksft_test_result(bar && last && last < t && k < NR_SAMPLES,
			 "plain kexec: blackout %.0f ms (last stamp -> userspace; kernel uptime then %.0f ms)\n",
			 (t - last) / tpm, up);
	print_boot_gaps("plain kexec");
	if (k < NR_SAMPLES) {
		ks->ms[k] = (t - last) / tpm;
		ks->up_ms[k] = up;
		ks->nr++;
	}

	/*
	 * The largest memfd up to 1 GiB that leaves 384 MiB free (the
	 * scattered one needs as much again for the file it is written
	 * with).
	 */
	avail = meminfo_kb("MemAvailable") * KiB;
	size = GiB;
	while (size > 128 * MiB && size * (kind == SCAT ? 2 : 1) + 384 * MiB > avail)
		size -= 128 * MiB;
	ksft_print_msg("%s: size %llu MiB (MemAvailable %llu MiB)%s\n", kind_name[kind],
		       (unsigned long long)(size / MiB), (unsigned long long)(avail / MiB),
		       size < GiB ? ": 1 GiB does not fit next to scratch and the root fs" : "");
	p = bench_memfd(kind, size, &fd);
	if (p)
		ram_fill(p, size);
	ksft_test_result(p && ram_writer(p, size) > 0,
			 "%llu MiB %s filled, writer running\n",
			 (unsigned long long)(size / MiB), kind_name[kind]);
	usleep(200000);
	s = lu_session_create("bench");
	t = rdtsc();
	ret = s < 0 ? s : lu_preserve(s, fd, 1);
	km->preserve_ms = (rdtsc() - t) / tpm;
	km->size = size;
	if (!ret && !event_line("preserved memfd:bench:", line, sizeof(line))) {
		km->folios = line_value(line, "pages in ");
		km->runs = line_value(line, "folios, ");
		km->v2 = line_value(line, "record v2 ");
		km->v3 = line_value(line, ", v3 ");
		km->v1 = line_value(line, "v1 ");
	}
	bs.cur = kind;
	if (ret && !kmsg_line("memfd:bench", line, sizeof(line)))
		ksft_print_msg("kernel log: %s\n", line);
	ksft_test_result(!ret && !state_save("memfd_bench.state", &bs, sizeof(bs)),
			 "preserved in %.1f ms (%d): %llu folios in %llu runs\n", km->preserve_ms,
			 ret, (unsigned long long)km->folios, (unsigned long long)km->runs);
	close(fd);
}

/* After a kexec carrying the memfd: retrieve, check, blackout. */
static void measure_memfd_then_plain(int last_stage)
{
	struct kind_state *km = &bs.k[bs.cur];
	uint64_t t0, t1, last, count, i, gen, sum = 0, wrong = 0;
	double up = uptime_ms(), tpm;
	int fd, s, ret, k = km->nr;
	char line[512];
	char *p;

	s = lu_session_retrieve("bench");
	t0 = rdtsc();
	fd = s < 0 ? s : lu_retrieve(s, 1);
	t1 = rdtsc();
	p = fd < 0 ? NULL : map_fd(fd, km->size);
	if (!p)
		ksft_exit_fail_msg("retrieve: %d\n", fd);
	last = ((uint64_t *)p)[0];
	count = ((uint64_t *)p)[1];
	for (i = 1; i < km->size / PAGE; i++) {
		if (ram_check_page(p, i, &gen) < 0)
			wrong++;
		sum += gen;
	}
	ksft_test_result(!wrong && (sum == count || sum == count + 1),
			 "%s: every byte of %llu MiB checked, %llu writes of the writer there\n",
			 kind_name[bs.cur], (unsigned long long)(km->size / MiB),
			 (unsigned long long)count);
	tpm = tsc_per_ms();
	if (!event_line("retrieved memfd:bench ", line, sizeof(line)))
		ksft_print_msg("%s\n", line);
	ksft_test_result(k < NR_SAMPLES && last && last < t1,
			 "%s kexec: blackout %.0f ms (kernel uptime at start %.0f ms, reserve %.1f ms, retrieve %.1f ms)\n",
			 kind_name[bs.cur], (t1 - last) / tpm, up,
			 kho_in_stat("reserve_ns") / 1e6, (t1 - t0) / tpm);
	print_boot_gaps("memfd kexec");
	if (k < NR_SAMPLES) {
		km->ms[k] = (t1 - last) / tpm;
		km->up_ms[k] = up;
		km->retrieve_ms[k] = (t1 - t0) / tpm;
		/* The referenced lists' chunks: the v3 folio lists. */
		km->kho_meta = kho_in_stat("metadata_bytes") +
			       kho_in_stat("ref_chunk_bytes");
		km->reserve_ns = kho_in_stat("reserve_ns");
		km->nr++;
	}
	munmap(p, km->size);
	close(fd);
	ksft_test_result(!lu_finish(s), "session finished\n");
	close(s);
	if (!last_stage) {
		ret = start_plain();
		ksft_test_result(ret > 0, "plain kexec next: TSC writer on ivshmem started\n");
	}
	state_save("memfd_bench.state", &bs, sizeof(bs));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n samples (sorted in a copy); their range in @lo, @hi. */
static double median(const double *v, int n, double *lo, double *hi)
{
	double s[NR_SAMPLES];

	if (n <= 0) {
		*lo = *hi = 0;
		return 0;
	}
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void summary(void)
{
	double med[NR_KINDS], up[NR_KINDS], r[NR_KINDS], lo, hi, ulo, uhi, rlo, rhi;
	int kind;

	for (kind = 0; kind < NR_KINDS; kind++) {
		const struct kind_state *ks = &bs.k[kind];

		med[kind] = median(ks->ms, ks->nr, &lo, &hi);
		up[kind] = median(ks->up_ms, ks->nr, &ulo, &uhi);
		r[kind] = median(ks->retrieve_ms, ks->nr, &rlo, &rhi);
		ksft_print_msg("blackout, %s%s%s: median %.0f ms (%.0f - %.0f, %d samples); kernel uptime at test start %.0f ms (%.0f - %.0f); retrieve %.1f ms (%.1f - %.1f)\n",
			       kind_name[kind], kind == PLAIN ? "" : " of ",
			       kind == PLAIN ? "" : ks->size == GiB ? "1 GiB" : "less than 1 GiB",
			       med[kind], lo, hi, ks->nr, up[kind], ulo, uhi, r[kind], rlo, rhi);
	}
	for (kind = THP; kind < NR_KINDS; kind++) {
		const struct kind_state *ks = &bs.k[kind];

		ksft_print_msg("blackout ratio %s/plain: %.3f (goal <= 1.10; under TCG the time before the new kernel's clock starts varies by seconds); new kernel's side only (boot to userspace by its own clock, + retrieve): %.3f\n",
			       kind_name[kind], med[PLAIN] > 0 ? med[kind] / med[PLAIN] : 0,
			       up[PLAIN] > 0 ? (up[kind] + r[kind]) / up[PLAIN] : 0);
		ksft_print_msg("preserve of the %llu MiB %s: %.1f ms; record v3 %llu B (%llu runs of %llu folios) = %.0f B per GiB, v2 %llu B, v1 %llu B; next kernel's reserve %.1f ms; upstream 16 B/folio: %llu B\n",
			       (unsigned long long)(ks->size / MiB), kind_name[kind],
			       ks->preserve_ms, (unsigned long long)ks->v3,
			       (unsigned long long)ks->runs, (unsigned long long)ks->folios,
			       ks->size ? (double)ks->v3 * GiB / ks->size : 0,
			       (unsigned long long)ks->v2,
			       (unsigned long long)ks->v1, ks->reserve_ns / 1e6,
			       (unsigned long long)ks->folios * 16);
		/*
		 * Everything the next kernel received for it: the record (v3;
		 * v2 and v1 only with the downgrade switch, off here), KHO's
		 * own lists of preserved memory (root and chunk pages, in
		 * whole pages, for the whole handover: LUO's state and the
		 * record pages are listed there too) and the chunk pages of
		 * the lists KHO references (the memfd's v3 folio lists).
		 */
		ksft_print_msg("handed over for the %llu MiB %s: record v3 %llu B + v2 %llu B + v1 %llu B + KHO's lists %llu B = %llu B (%.0f B per GiB); upstream's 16 B/folio alone: %llu B\n",
			       (unsigned long long)(ks->size / MiB), kind_name[kind],
			       (unsigned long long)ks->v3,
			       (unsigned long long)ks->v2, (unsigned long long)ks->v1,
			       (unsigned long long)ks->kho_meta,
			       (unsigned long long)(ks->v3 + ks->v2 + ks->v1 + ks->kho_meta),
			       ks->size ? (double)(ks->v3 + ks->v2 + ks->v1 + ks->kho_meta) * GiB / ks->size : 0,
			       (unsigned long long)ks->folios * 16);
	}
}

/* The state of the earlier stages (not a state session: see the top). */
static void load_state(void)
{
	if (state_load("memfd_bench.state", &bs, sizeof(bs)))
		ksft_exit_fail_msg("no state from the previous stage\n");
}

/* Stage 2: plain kexec measured, a THP memfd preserved. */
static void stage_plain_thp(void)
{
	uint64_t t = rdtsc();

	load_state();
	ksft_set_plan(3);
	measure_plain_then_preserve(t, THP);
}

/* Stages 4, 6, 8: plain kexec measured, a scattered memfd preserved. */
static void stage_plain_scat(void)
{
	uint64_t t = rdtsc();

	load_state();
	ksft_set_plan(3);
	measure_plain_then_preserve(t, SCAT);
}

/* Stages 3, 5, 7: the memfd kexec measured, a plain kexec next. */
static void stage_memfd(void)
{
	load_state();
	ksft_set_plan(4);
	measure_memfd_then_plain(0);
}

static void stage_last(void)
{
	load_state();
	ksft_set_plan(3);
	measure_memfd_then_plain(1);
	summary();
}

/*
 * Counted by the harness: a state session would make the plain kexecs
 * (stages 1, 3, 5, 7) hand something over.
 */
LU_TEST_MAIN_HARNESS("memfd_bench", stage1, stage_plain_thp, stage_memfd,
		     stage_plain_scat, stage_memfd, stage_plain_scat, stage_memfd,
		     stage_plain_scat, stage_last)
