// SPDX-License-Identifier: GPL-2.0
/*
 * Scale (two stages): 500 memfds in one session, and one 512 MiB memfd
 * of 4 KiB pages (131072 folios) in another.  Stage 2 retrieves them all
 * and checks every byte, and for the big one that every page is on the
 * frame it had once preserved (the preserve moves folios out of KHO
 * scratch, so stage 1 reads the frames after it) and that the pages count
 * as shmem and are on the LRU like faulted ones (/proc/meminfo).  Preserve
 * and retrieve times are printed.  Every memfd's folio list goes over as a
 * list KHO references, however many (KHO's reference array, root v4): the
 * outgoing kernel's out/maps and the next kernel's in/stats and
 * in/ref_array say so.
 */
#include "memfd_common.h"
#include "lib/libliveupdate.h"

#define NR_MANY		500
#define MANY_SIZE	(64 * KiB)
#define BIG_SIZE	(512 * MiB)
/* Entries of a 4 KiB reference array page (kexec_handover_abi.h). */
#define REF_PER_PAGE	127

/* "ref_array entries N pages K" of out/maps: N, K; -1 when absent. */
static void out_ref_array(long long *entries, long long *pages)
{
	/* One "ref order" line per referenced list before it: 500 and more. */
	static char buf[1 << 18];
	char *p;

	*entries = *pages = -1;
	if (read_text(KHO_DIR "/out/maps", buf, sizeof(buf)) < 0)
		return;
	p = strstr(buf, "ref_array entries ");
	if (p)
		sscanf(p, "ref_array entries %lld pages %lld", entries, pages);
}

/*
 * Walk in/ref_array, the incoming reference array's pages: each header
 * (magic "KHOR", version 1, count, next), full but the last; the number
 * of entries, or -1 for a malformed one.
 */
static long long in_ref_array_entries(long long *pages)
{
	static unsigned char buf[1 << 20];
	long long n = 0, i;
	uint32_t count;
	uint64_t next;
	int fd = open(KHO_DIR "/in/ref_array", O_RDONLY);
	ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	*pages = len > 0 ? len / 4096 : 0;
	if (len <= 0 || len % 4096)
		return -1;
	for (i = 0; i < *pages; i++) {
		const unsigned char *h = buf + i * 4096;

		memcpy(&count, h + 8, 4);
		memcpy(&next, h + 16, 8);
		if (memcmp(h, "KHOR", 4) || h[4] != 1 || h[5] ||
		    (i + 1 < *pages ? count != REF_PER_PAGE || !next :
		     !count || count > REF_PER_PAGE || next))
			return -1;
		n += count;
	}
	return n;
}

static void stage1(void)
{
	uint64_t n = BIG_SIZE / PAGE, *pfn = calloc(n, 8);
	int s, b, i, fd, ret, bad = 0;
	char name[32], line[512];
	double t;
	void *p;

	long long entries, pages;

	ksft_set_plan(5);
	raise_nofile(4096);
	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "never");
	s = session_new("memfd-many");
	b = session_new("memfd-big");
	if (s < 0 || b < 0 || !pfn)
		ksft_exit_fail_msg("create sessions: %d %d\n", s, b);
	t = now_ms();
	for (i = 0; i < NR_MANY; i++) {
		snprintf(name, sizeof(name), "many-%03d", i);
		fd = memfd_new(name, 0);
		p = fd < 0 || ftruncate(fd, MANY_SIZE) ? NULL : map_fd(fd, MANY_SIZE);
		if (!p) {
			bad++;
			continue;
		}
		pat_fill(p, 0, MANY_SIZE, 1000 + i);
		munmap(p, MANY_SIZE);
		if (luo_preserve(s, fd, 5000 + i))
			bad++;
		close(fd);
	}
	ksft_test_result(!bad, "500 memfds of 64 KiB preserved in one session (%d failed, %.0f ms)\n",
			 bad, now_ms() - t);

	fd = memfd_new("big", 0);
	p = fd < 0 || ftruncate(fd, BIG_SIZE) ? NULL : map_fd(fd, BIG_SIZE);
	if (p) {
		pat_fill(p, 0, BIG_SIZE, 77);
		munmap(p, BIG_SIZE);
	}
	ksft_test_result(p != NULL, "big: 512 MiB of 4 KiB pages filled\n");
	t = now_ms();
	ret = luo_preserve(b, fd, 1);
	t = now_ms() - t;
	/*
	 * The frames to find again are those after the preserve: it migrates
	 * folios out of KHO scratch, where the allocator may have put them
	 * (scratch serves movable allocations).  Reading every byte back
	 * faults every page in for the pagemap.
	 */
	p = ret ? NULL : map_fd(fd, BIG_SIZE);
	if (p) {
		ret = pat_check(p, 0, BIG_SIZE, 77) >= 0 ? -EIO : pfns_of(p, n, pfn);
		ret = ret ? ret : state_save("memfd_big.pfn", pfn, n * 8);
		munmap(p, BIG_SIZE);
	} else if (!ret) {
		ret = -ENOMEM;
	}
	ksft_test_result(!ret, "big: preserved in %.0f ms, every byte read back, frames recorded (%d)\n",
			 t, ret);
	ret = event_line("preserved memfd:big:", line, sizeof(line));
	ksft_test_result(!ret, "big: handler record logged\n");
	if (!ret)
		ksft_print_msg("%s\n", line);
	/* One list per memfd (order 0 only: no THP), all referenced. */
	out_ref_array(&entries, &pages);
	ksft_test_result(entries >= NR_MANY + 1 &&
			 pages == (entries + REF_PER_PAGE - 1) / REF_PER_PAGE,
			 "%lld referenced lists to hand over, a reference array of %lld pages\n",
			 entries, pages);
	close(fd);
	free(pfn);
}

static void stage2(void)
{
	uint64_t n = BIG_SIZE / PAGE, *pfn = calloc(n, 8), *old = calloc(n, 8), j, same = 0;
	long long shmem0, shmem1, lru0, lru1;
	int s, b, i, fd, ret, bad = 0;
	char line[512];
	double t;
	void *p;

	long long lists, apages, aentries;

	ksft_set_plan(8);
	raise_nofile(4096);
	/* Before anything is finished: in/ref_array goes at kho_finish(). */
	lists = stat_value(KHO_DIR "/in/stats", "ref_lists");
	apages = stat_value(KHO_DIR "/in/stats", "ref_array_pages");
	ksft_test_result(lists >= NR_MANY + 1 &&
			 apages == (lists + REF_PER_PAGE - 1) / REF_PER_PAGE,
			 "%lld referenced lists (%lld ranges) came over, in a reference array of %lld pages\n",
			 lists, stat_value(KHO_DIR "/in/stats", "ref_ranges"), apages);
	aentries = in_ref_array_entries(&apages);
	ksft_test_result(aentries == lists,
			 "in/ref_array: %lld pages, headers valid, %lld entries\n",
			 apages, aentries);
	s = session_get("memfd-many");
	b = session_get("memfd-big");
	if (s < 0 || b < 0 || !pfn || !old)
		ksft_exit_fail_msg("retrieve sessions: %d %d\n", s, b);
	t = now_ms();
	/* In reverse order, for good measure. */
	for (i = NR_MANY - 1; i >= 0; i--) {
		fd = luo_retrieve(s, 5000 + i);
		p = fd < 0 ? NULL : mmap(NULL, MANY_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (!p || p == MAP_FAILED || pat_check(p, 0, MANY_SIZE, 1000 + i) != -1)
			bad++;
		else
			munmap(p, MANY_SIZE);
		close(fd);
	}
	ksft_test_result(!bad, "500 memfds retrieved, every byte checked (%d bad, %.0f ms)\n",
			 bad, now_ms() - t);
	ret = luo_finish(s);
	ksft_test_result(!ret, "session memfd-many finished (%d)\n", ret);

	shmem0 = meminfo_kb("Shmem");
	lru0 = meminfo_kb("Active(anon)") + meminfo_kb("Inactive(anon)");
	t = now_ms();
	fd = luo_retrieve(b, 1);
	t = now_ms() - t;
	shmem1 = meminfo_kb("Shmem");
	lru1 = meminfo_kb("Active(anon)") + meminfo_kb("Inactive(anon)");
	/* Per-CPU counter deltas and LRU batches may lag by a few MiB. */
	ksft_test_result(shmem1 - shmem0 >= (long long)(BIG_SIZE / KiB) - 8192 &&
			 lru1 - lru0 >= (long long)(BIG_SIZE / KiB) - 8192,
			 "big: the retrieved pages count as shmem (+%lld kB) and are on the LRU (+%lld kB)\n",
			 shmem1 - shmem0, lru1 - lru0);
	p = fd < 0 ? NULL : map_fd(fd, BIG_SIZE);
	ksft_test_result(p && pat_check(p, 0, BIG_SIZE, 77) == -1,
			 "big: retrieved in %.0f ms, every byte of 512 MiB checked\n", t);
	if (p && !pfns_of(p, n, pfn) && !state_load("memfd_big.pfn", old, n * 8))
		for (j = 0; j < n; j++)
			same += old[j] && old[j] == pfn[j];
	ksft_test_result(same == n, "big: %llu of %llu pages on the same frames\n",
			 (unsigned long long)same, (unsigned long long)n);
	if (!event_line("retrieved memfd:big ", line, sizeof(line)))
		ksft_print_msg("%s\n", line);
	ret = luo_finish(b);
	ksft_test_result(!ret, "session memfd-big finished (%d)\n", ret);
}

LU_TEST_MAIN("memfd_many", stage1, stage2)
