// SPDX-License-Identifier: GPL-2.0
/*
 * The downgrade path for memfds (two stages): stage 1 preserves a 4 KiB
 * page memfd and a THP-backed one (the handler writes record versions 2
 * and 1 of each) and asks for liveupdate.test_max_version=1 on the next
 * kernel, which then reads only version 1, as an older kernel would.
 * Stage 2 checks that both came back from record v1, with every byte,
 * their size and position, on the same physical frames.
 */
#include "memfd_common.h"
#include "lib/libliveupdate.h"

#define SIZE	(16 * MiB)

static const char *const names[] = { "dg-4k", "dg-thp" };

static void stage1(void)
{
	uint64_t n = SIZE / PAGE, *pfn = calloc(n, 8);
	int s, i, fd, ret;
	char state[64];
	void *p;

	ksft_set_plan(4);
	s = session_new("memfd-downgrade");
	if (s < 0 || !pfn)
		ksft_exit_fail_msg("create session: %d\n", s);
	for (i = 0; i < 2; i++) {
		write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
			   i ? "always" : "never");
		fd = memfd_new(names[i], 0);
		ret = fd < 0 || ftruncate(fd, SIZE);
		p = ret ? NULL : map_fd(fd, SIZE);
		if (p) {
			pat_fill(p, 0, SIZE, 30 + i);
			ret = pfns_of(p, n, pfn);
			snprintf(state, sizeof(state), "memfd_%s.pfn", names[i]);
			ret = ret ? ret : state_save(state, pfn, n * 8);
			munmap(p, SIZE);
		}
		lseek(fd, 777 * (i + 1), SEEK_SET);
		ret = ret ? ret : luo_preserve(s, fd, i + 1);
		ksft_test_result(!ret, "%s: 16 MiB filled and preserved (%d)\n", names[i], ret);
		close(fd);
	}
	ret = next_stage_append("liveupdate.test_max_version=1");
	ksft_test_result(!ret, "next kernel reads versions <= 1 only (%d)\n", ret);
	ksft_test_result(event_has("record v2 ") && event_has("v1 "),
			 "both record versions written\n");
	free(pfn);
}

static void stage2(void)
{
	uint64_t n = SIZE / PAGE, *pfn = calloc(n, 8), *old = calloc(n, 8), j;
	char state[64], needle[128], cmdline[1024];
	int s, i, fd, ret, same;
	struct stat st;
	void *p;

	ksft_set_plan(7);
	read_text("/proc/cmdline", cmdline, sizeof(cmdline));
	ksft_test_result(strstr(cmdline, "liveupdate.test_max_version=1") != NULL,
			 "this kernel runs with liveupdate.test_max_version=1\n");
	s = session_get("memfd-downgrade");
	if (s < 0 || !pfn || !old)
		ksft_exit_fail_msg("retrieve session: %d\n", s);
	for (i = 0; i < 2; i++) {
		fd = luo_retrieve(s, i + 1);
		ret = fd < 0 || fstat(fd, &st) || st.st_size != (off_t)SIZE ||
		      lseek(fd, 0, SEEK_CUR) != 777 * (i + 1);
		p = ret ? NULL : map_fd(fd, SIZE);
		ret = !p || pat_check(p, 0, SIZE, 30 + i) != -1;
		snprintf(state, sizeof(state), "memfd_%s.pfn", names[i]);
		same = 0;
		if (p && !pfns_of(p, n, pfn) && !state_load(state, old, n * 8))
			for (j = 0; j < n; j++)
				same += old[j] && old[j] == pfn[j];
		ksft_test_result(!ret && same == (int)n,
				 "%s: size, position, every byte, %d of %llu frames the same\n",
				 names[i], same, (unsigned long long)n);
		snprintf(needle, sizeof(needle), "retrieved memfd:%s (v1)", names[i]);
		ksft_test_result(event_has(needle), "%s: restored from record v1\n", names[i]);
		if (p)
			munmap(p, SIZE);
		close(fd);
	}
	ksft_test_result(!event_has("(v2)"), "nothing was read from record v2\n");
	ret = luo_finish(s);
	ksft_test_result(!ret, "session finished (%d)\n", ret);
}

LU_TEST_MAIN("memfd_downgrade", stage1, stage2)
