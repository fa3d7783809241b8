// SPDX-License-Identifier: GPL-2.0
/*
 * The downgrade path for memfds (two stages).  Stage 1 preserves a memfd
 * with the downgrade switch off (memfd_luo.downgrade=0, the default): the
 * handler writes record version 3 only, and packs its folio list (physr
 * chunk layout version 2: "packed P" in kho/out/maps counts its packed
 * chunks).  Then, with the switch on, a
 * 4 KiB page memfd and a THP-backed one (the handler writes record
 * versions 3, 2 and 1 of each, and their folio lists stay in chunk layout
 * version 1), and asks for liveupdate.test_max_version=1 on
 * the next kernel, which then reads only version 1, as an older kernel
 * would.  Stage 2 checks that both came back from record v1, with every
 * byte, their size and position, on the same physical frames (as they
 * were once preserved: the preserve moves folios out of KHO scratch), and that
 * the first one, which has no v1 record, cannot be retrieved there.
 */
#include "memfd_common.h"
#include "lib/libliveupdate.h"

#define SIZE	(16 * MiB)
#define SWITCH	"/sys/module/memfd_luo/parameters/downgrade"
#define DEFAULT_TOKEN	9

static const char *const names[] = { "dg-4k", "dg-thp" };

/*
 * The referenced folio lists KHO would hand over now (kho/out/maps "ref"
 * lines): how many are packed (physr chunk layout version 2) and how many
 * are not.
 */
static void count_ref_lists(int *packed, int *unpacked)
{
	char buf[8192], *p, *q;

	*packed = *unpacked = 0;
	if (read_text(KHO_DIR "/out/maps", buf, sizeof(buf)) <= 0)
		return;
	for (p = strstr(buf, "ref order "); p; p = strstr(p + 1, "ref order ")) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = 0;
		q = strstr(p, " packed ");
		if (q && atoi(q + 8) > 0)
			(*packed)++;
		else if (q)
			(*unpacked)++;
		if (!nl)
			break;
		*nl = '\n';
	}
}

static void stage1(void)
{
	uint64_t n = SIZE / PAGE, *pfn = calloc(n, 8);
	char state[64], line[512];
	int s, i, fd, ret, packed, unpacked;
	void *p;

	ksft_set_plan(8);
	s = session_new("memfd-downgrade");
	if (s < 0 || !pfn)
		ksft_exit_fail_msg("create session: %d\n", s);

	/* The default: only the newest record. */
	ret = write_text(SWITCH, "0");
	fd = ret ? ret : memfd_new("dg-default", 0);
	ret = ret ? ret : fd < 0 ? fd : ftruncate(fd, 1 * MiB);
	p = ret ? NULL : map_fd(fd, 1 * MiB);
	if (p) {
		pat_fill(p, 0, 1 * MiB, 29);
		munmap(p, 1 * MiB);
	}
	ret = p ? luo_preserve(s, fd, DEFAULT_TOKEN) : -EIO;
	if (fd >= 0)
		close(fd);
	ksft_test_result(!ret, "dg-default: preserved with %s = 0 (%d)\n", SWITCH, ret);
	ret = event_line("preserved memfd:dg-default:", line, sizeof(line));
	ksft_print_msg("%s\n", ret ? "(no event)" : line);
	ksft_test_result(!ret && strstr(line, ", v3 ") && !strstr(line, ", v3 0 ") &&
			 strstr(line, "record v2 0 bytes") && strstr(line, ", v1 0 bytes"),
			 "dg-default: the default handover has only the v3 record\n");

	ret = write_text(SWITCH, "1");
	ksft_test_result(!ret, "%s = 1: downgrade-capable handover (%d)\n", SWITCH, ret);
	for (i = 0; i < 2; i++) {
		write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
			   i ? "always" : "never");
		fd = memfd_new(names[i], 0);
		ret = fd < 0 || ftruncate(fd, SIZE);
		p = ret ? NULL : map_fd(fd, SIZE);
		if (p) {
			pat_fill(p, 0, SIZE, 30 + i);
			munmap(p, SIZE);
		}
		lseek(fd, 777 * (i + 1), SEEK_SET);
		ret = ret ? ret : luo_preserve(s, fd, i + 1);
		/*
		 * The frames to find again are those after the preserve: it
		 * migrates folios out of KHO scratch, where the allocator may
		 * have put them (scratch serves movable allocations).
		 */
		p = ret ? NULL : map_fd(fd, SIZE);
		if (p) {
			ret = pat_check(p, 0, SIZE, 30 + i) >= 0 ? -EIO :
			      pfns_of(p, n, pfn);
			snprintf(state, sizeof(state), "memfd_%s.pfn", names[i]);
			ret = ret ? ret : state_save(state, pfn, n * 8);
			munmap(p, SIZE);
		} else if (!ret) {
			ret = -ENOMEM;
		}
		ksft_test_result(!ret, "%s: 16 MiB filled and preserved (%d)\n", names[i], ret);
		close(fd);
	}
	ret = next_stage_append("liveupdate.test_max_version=1");
	ksft_test_result(!ret, "next kernel reads versions <= 1 only (%d)\n", ret);
	for (i = 0, ret = 0; i < 2 && !ret; i++) {
		snprintf(state, sizeof(state), "preserved memfd:%s:", names[i]);
		ret = event_line(state, line, sizeof(line));
		ksft_print_msg("%s\n", ret ? "(no event)" : line);
		ret = ret || !strstr(line, "record v2 ") || strstr(line, "record v2 0 ") ||
		      !strstr(line, ", v1 ") || strstr(line, ", v1 0 bytes") ||
		      !strstr(line, ", v3 ") || strstr(line, ", v3 0 bytes");
	}
	ksft_test_result(!ret, "all three record versions written with the switch on\n");
	count_ref_lists(&packed, &unpacked);
	ksft_test_result(packed == 1 && unpacked >= 2,
			 "folio lists: %d packed (dg-default), %d in version 1 (the switch on; want >= 2)\n",
			 packed, unpacked);
	free(pfn);
}

static void stage2(void)
{
	uint64_t n = SIZE / PAGE, *pfn = calloc(n, 8), *old = calloc(n, 8), j;
	char state[64], needle[128], cmdline[1024];
	int s, i, fd, ret, same;
	struct stat st;
	void *p;

	ksft_set_plan(8);
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
	ksft_test_result(!event_has("(v2)") && !event_has("(v3)"),
			 "nothing was read from record v2 or v3\n");
	fd = luo_retrieve(s, DEFAULT_TOKEN);
	ksft_test_result(fd == -EOPNOTSUPP,
			 "dg-default (no v1 record): not retrievable by a v1 reader (%d)\n", fd);
	if (fd >= 0)
		close(fd);
	ret = luo_finish(s);
	ksft_test_result(!ret, "session finished (%d)\n", ret);
}

LU_TEST_MAIN("memfd_downgrade", stage1, stage2)
