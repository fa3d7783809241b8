// SPDX-License-Identifier: GPL-2.0
/*
 * THP-backed and MFD_HUGETLB memfds across a real kexec (two stages).
 *
 * Stage 1: a 64 MiB memfd with shmem THP on (shmem_enabled=always) whose
 * mapping is all PMD-mapped 2 MiB folios, a THP memfd of 3 MiB + 12344
 * bytes whose second 2 MiB folio reaches past the end of the file, and a
 * 32 MiB MFD_HUGETLB memfd (the boot reserves huge pages), all filled with
 * a checksummed pattern, preserved in session "memfd-huge", then every
 * byte checked and the frames recorded (after the preserve, which moves
 * folios out of KHO scratch); the hugetlb file's size is then frozen too.
 *
 * Stage 2: all come back with every byte, the same frames, as 2 MiB
 * folios (the THP file maps with PMDs again; the handler's log line
 * counts the folios); the hugetlb pages are counted in the pool while the
 * file holds them and join the free pool when it is closed.
 */
#include "memfd_common.h"
#include "lib/libliveupdate.h"

#define THP_SIZE	(64 * MiB)
#define ODD_SIZE	(3 * MiB + 12344)	/* its last 2 MiB folio ends past EOF */
#define HTLB_SIZE	(32 * MiB)
#define HPAGE		(2 * MiB)

static int fill(int fd, uint64_t size, uint64_t seed)
{
	void *p = map_fd(fd, size);

	if (!p)
		return -1;
	pat_fill(p, 0, size, seed);
	munmap(p, size);
	return 0;
}

/*
 * Once preserved: every byte as filled, each 2 MiB one folio, and the
 * frames saved in @state.  The frames to find again are those after the
 * preserve, which migrates folios out of KHO scratch (scratch serves
 * movable allocations, so a THP may lie there before).
 */
static int record(int fd, uint64_t size, uint64_t seed, const char *state)
{
	uint64_t n = size / PAGE, *pfn = calloc(n, 8), i;
	void *p = map_fd(fd, size);
	int64_t bad;
	int ret = -1;

	if (!p || !pfn)
		goto out;
	bad = pat_check(p, 0, size, seed);
	if (bad != -1) {
		ksft_print_msg("%s: wrong byte at %lld after the preserve\n", state,
			       (long long)bad);
		goto out;
	}
	ret = pfns_of(p, n, pfn);
	for (i = 0; !ret && i < n; i++)
		if (!pfn[i] || (i % (HPAGE / PAGE) && pfn[i] != pfn[i - 1] + 1))
			ret = -1;	/* each 2 MiB is one folio */
	if (!ret)
		ret = state_save(state, pfn, n * 8);
out:
	if (p)
		munmap(p, size);
	free(pfn);
	return ret;
}

/* 1 when every byte and every frame is as before the kexec. */
static int check_same(void *p, uint64_t size, uint64_t seed, const char *state)
{
	uint64_t n = size / PAGE, *old = calloc(n, 8), *pfn = calloc(n, 8), i;
	int64_t bad = pat_check(p, 0, size, seed);
	uint64_t same = 0;

	if (bad != -1)
		ksft_print_msg("%s: wrong byte at %lld\n", state, (long long)bad);
	if (!old || !pfn || state_load(state, old, n * 8) || pfns_of(p, n, pfn))
		return 0;
	for (i = 0; i < n; i++)
		same += old[i] && old[i] == pfn[i];
	ksft_print_msg("%s: %llu of %llu pages on the same frames\n", state,
		       (unsigned long long)same, (unsigned long long)n);
	free(old);
	free(pfn);
	return bad == -1 && same == n;
}

static void stage1(void)
{
	int s, thp, htlb, odd, ret;
	long long pmd;
	char line[512];
	void *p;

	ksft_set_plan(9);
	ret = write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "always");
	ksft_test_result(!ret, "shmem THP switched on (%d)\n", ret);
	s = session_new("memfd-huge");
	if (s < 0)
		ksft_exit_fail_msg("create session: %d\n", s);

	thp = memfd_new("thp", 0);
	ret = thp < 0 || ftruncate(thp, THP_SIZE) ? -1 : fill(thp, THP_SIZE, 21);
	p = map_fd(thp, THP_SIZE);
	pmd = p ? smaps_kb(p, "ShmemPmdMapped") : -1;
	if (p) {
		/* Touch it through the new mapping so that smaps counts it. */
		ret |= pat_check(p, 0, THP_SIZE, 21) != -1;
		pmd = smaps_kb(p, "ShmemPmdMapped");
		munmap(p, THP_SIZE);
	}
	ksft_test_result(!ret && pmd == (long long)(THP_SIZE / KiB),
			 "thp: 64 MiB in 2 MiB folios (ShmemPmdMapped %lld kB)\n", pmd);
	ret = luo_preserve(s, thp, 1);
	ret = ret ? ret : record(thp, THP_SIZE, 21, "memfd_thp.pfn");
	ksft_test_result(!ret, "thp: preserved, frames recorded after it (%d)\n", ret);
	ret = event_line("preserved memfd:thp:", line, sizeof(line));
	ksft_test_result(!ret && line_value(line, "pages in ") == 32,
			 "thp: preserved as 32 folios\n");
	if (!ret)
		ksft_print_msg("%s\n", line);

	/* write(), not a mapping: a fault would not cover the 2 MiB past EOF. */
	odd = memfd_new("thp-odd", 0);
	p = malloc(ODD_SIZE);
	if (p) {
		pat_fill(p, 0, ODD_SIZE, 23);
		if (odd < 0 || pwrite(odd, p, ODD_SIZE, 0) != ODD_SIZE) {
			free(p);
			p = NULL;
		}
	}
	ret = p ? luo_preserve(s, odd, 3) : -1;
	free(p);
	if (!ret)
		ret = event_line("preserved memfd:thp-odd:", line, sizeof(line));
	ksft_test_result(!ret && line_value(line, "pages in ") == 2,
			 "thp-odd: 3 MiB + 12344 bytes in two 2 MiB folios, preserved (%d)\n", ret);
	if (!ret)
		ksft_print_msg("%s\n", line);
	close(odd);

	htlb = memfd_new("htlb", MFD_HUGETLB);
	ksft_test_result(htlb >= 0 && meminfo_kb("HugePages_Free") >= HTLB_SIZE / HPAGE,
			 "hugetlb: memfd created, %lld huge pages free\n",
			 meminfo_kb("HugePages_Free"));
	ret = htlb < 0 || ftruncate(htlb, HTLB_SIZE) ? -1 : fill(htlb, HTLB_SIZE, 22);
	ksft_test_result(!ret, "hugetlb: 32 MiB filled\n");
	ret = luo_preserve(s, htlb, 2);
	ret = ret ? ret : record(htlb, HTLB_SIZE, 22, "memfd_htlb.pfn");
	ksft_test_result(!ret, "hugetlb: preserved, frames recorded after it (%d)\n", ret);
	ksft_test_result(ftruncate(htlb, 2 * HTLB_SIZE) && errno == EBUSY &&
			 fallocate(htlb, 0, HTLB_SIZE, HPAGE) && errno == EBUSY,
			 "hugetlb: grow and fallocate after preserve refused with EBUSY\n");
	close(thp);
	close(htlb);
}

static void stage2(void)
{
	long long total0, total1, free1, free2, pmd;
	int s, fd, ret;
	char line[512];
	void *p;

	ksft_set_plan(10);
	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "always");
	s = session_get("memfd-huge");
	if (s < 0)
		ksft_exit_fail_msg("retrieve session: %d\n", s);

	fd = luo_retrieve(s, 1);
	p = fd >= 0 ? map_fd(fd, THP_SIZE) : NULL;
	ksft_test_result(p != NULL, "thp: retrieved (%d)\n", fd);
	ksft_test_result(p && check_same(p, THP_SIZE, 21, "memfd_thp.pfn"),
			 "thp: every byte, same physical frames\n");
	pmd = p ? smaps_kb(p, "ShmemPmdMapped") : -1;
	ksft_test_result(pmd == (long long)(THP_SIZE / KiB),
			 "thp: maps with 2 MiB PMDs again (ShmemPmdMapped %lld kB)\n", pmd);
	ret = event_line("retrieved memfd:thp ", line, sizeof(line));
	ksft_test_result(!ret && line_value(line, "pages in ") == 32,
			 "thp: restored as 32 folios\n");
	if (!ret)
		ksft_print_msg("%s\n", line);
	if (p)
		munmap(p, THP_SIZE);
	close(fd);

	fd = luo_retrieve(s, 3);
	{
		struct stat st;
		char *buf = malloc(ODD_SIZE + 1);

		ksft_test_result(fd >= 0 && !fstat(fd, &st) && st.st_size == ODD_SIZE &&
				 buf && pread(fd, buf, ODD_SIZE + 1, 0) == ODD_SIZE &&
				 pat_check(buf, 0, ODD_SIZE, 23) == -1,
				 "thp-odd: retrieved (%d), size and every byte\n", fd);
		free(buf);
	}
	close(fd);

	total0 = meminfo_kb("HugePages_Total");
	fd = luo_retrieve(s, 2);
	total1 = meminfo_kb("HugePages_Total");
	free1 = meminfo_kb("HugePages_Free");
	ksft_test_result(fd >= 0 && total1 == total0 + HTLB_SIZE / HPAGE,
			 "hugetlb: retrieved (%d), pool %lld -> %lld pages\n", fd, total0, total1);
	p = fd >= 0 ? map_fd(fd, HTLB_SIZE) : NULL;
	ksft_test_result(p && check_same(p, HTLB_SIZE, 22, "memfd_htlb.pfn"),
			 "hugetlb: every byte, same physical frames\n");
	ret = event_line("retrieved memfd:htlb ", line, sizeof(line));
	ksft_test_result(!ret && line_value(line, "pages in ") == 16,
			 "hugetlb: restored as 16 huge folios\n");
	if (!ret)
		ksft_print_msg("%s\n", line);
	if (p)
		munmap(p, HTLB_SIZE);
	close(fd);
	ret = luo_finish(s);
	close(s);
	free2 = meminfo_kb("HugePages_Free");
	ksft_test_result(!ret, "session finished (%d)\n", ret);
	ksft_test_result(free2 == free1 + HTLB_SIZE / HPAGE,
			 "hugetlb: closing the memfd frees its pages into the pool (%lld -> %lld)\n",
			 free1, free2);
}

LU_TEST_MAIN("memfd_huge", stage1, stage2)
