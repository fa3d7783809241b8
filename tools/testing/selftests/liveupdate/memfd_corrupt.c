// SPDX-License-Identifier: GPL-2.0
/*
 * A damaged memfd record from the previous kernel is rejected with a
 * message, and the boot and the other files go on (three stages).
 *
 * The LUO test module damages records at kexec, once they are written
 * (/sys/kernel/debug/liveupdate_test/corrupt_memfd, CONFIG_LIVEUPDATE_TEST).
 *
 * Stage 1, the default handover (record version 3 only): memfds whose
 * version 3 record is damaged in its header magic, in a list reference's
 * page count (the header's total moved with it), a segment beyond the
 * file, a segment of an impossible order, a list whose first chunk is not
 * preserved memory, the list of order 1 naming the chunks of the list of
 * order 0, a segment holding a page less than its list; and one good
 * memfd.  Stage 2: lu-inspect in diagnoses each damage (of the lists, it
 * sees the first chunk only), then each damaged memfd is refused with
 * EINVAL and its reason in the kernel log, again on a second try (nothing
 * was half taken), and the good one comes back whole.
 *
 * Then stage 2 makes the handover an older kernel would read (the
 * downgrade switch memfd_luo.downgrade=1, versions 3, 2 and 1 written, and
 * kho.write_version=2, so that KHO's root lists the memfds' folio lists in
 * its maps, where lu-inspect sees them), has the next kernel read record
 * versions up to 2 only (liveupdate.test_max_version=2), and damages the
 * version 2 records: header magic, page count, array handle, an entry
 * beyond the file, an impossible order, an address that is not preserved
 * memory, an order the page allocator has but a shmem file cannot hold
 * (MAX_PAGE_ORDER), a reserved header field that is not zero; and one
 * good memfd.  Stage 3: lu-inspect in must diagnose each damaged record
 * and find the good one valid; each damaged one is refused with EINVAL
 * and its reason; the good one comes back whole.
 */
#include <stdbool.h>
#include <sys/wait.h>

#include "memfd_common.h"
#include "lib/libliveupdate.h"

#define SIZE	(1 * MiB)

/* @tool: what lu-inspect in says of the damaged version 2 record. */
static const struct {
	const char *how, *msg, *tool;
} cases[] = {
	{ "magic", "malformed record header", "malformed record header (v2): offset 0x0: magic" },
	{ "count", "malformed v2 entries", "malformed v2 entries: the entries hold" },
	{ "array", "entry array rejected", "entry array rejected: " },
	{ "range", "malformed v2 entries", "malformed v2 entries: entry 0: pages" },
	{ "order", "holds at most order", "a folio of order 11, the new file holds at most order 9" },
	{ "phys", "not handed over", "name memory not handed over as such: entry 0: " },
	{ "bigorder", "holds at most order", "a folio of order 10, the new file holds at most order 9" },
	{ "reserved", "malformed record header", "malformed record header (v2): offset 0x50: reserved" },
};

/*
 * The damages of the version 3 record; @tool NULL where lu-inspect cannot
 * see the damage (the lists' chunks are not in debugfs).
 */
static const struct {
	const char *how, *msg, *tool;
} cases_v3[] = {
	{ "v3magic", "malformed record header", "malformed record header (v3): offset 0x0: magic" },
	{ "v3listpages", "folio list of order 0 rejected", "the segments of order 0 hold 256 pages, its list 257" },
	{ "v3segrange", "malformed v3 entries", "malformed v3 entries: entry 0: pages 256 to 512, beyond the file's 256" },
	{ "v3segorder", "holds at most order", "a folio of order 11, the new file holds at most order 9" },
	{ "v3listfirst", "folio list of order 0 rejected", "folio list of order 0 rejected: its first chunk 0x80000 is not a page in the KHO maps" },
	{ "v3listshare", "folio list of order 1 not taken", "the segments of order 1 hold 0 pages, its list 256" },
	{ "v3segsum", "malformed v3 entries", "the segments of order 0 hold 255 pages, its list 256" },
};

#define NR_V3 (sizeof(cases_v3) / sizeof(cases_v3[0]))
#define V3_TOKEN0 200

static char tool_out[65536];

/*
 * lu-inspect in, before anything is retrieved: its report (printed as
 * comments) into tool_out; its exit status, or -1.
 */
static int lu_inspect_in(void)
{
	FILE *p = popen("/usr/bin/lu-inspect in 2>&1", "r");
	size_t got = 0, n;
	int st;

	if (!p)
		return -1;
	while (got < sizeof(tool_out) - 1 &&
	       (n = fread(tool_out + got, 1, sizeof(tool_out) - 1 - got, p)) > 0)
		got += n;
	tool_out[got] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whether one line of tool_out holds both @a and @b. */
static bool tool_says(const char *a, const char *b)
{
	const char *line = tool_out;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char buf[512];

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		if (strstr(buf, a) && strstr(buf, b))
			return true;
		line += len + (line[len] == '\n');
	}
	return false;
}

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* Kernel log lines holding @needle. */
static int kmsg_count(const char *needle)
{
	int size = klogctl(10, NULL, 0), n, count = 0;
	char *buf, *p;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	n = klogctl(3, buf, size);
	buf[n > 0 ? n : 0] = 0;
	for (p = strstr(buf, needle); p; p = strstr(p + 1, needle))
		count++;
	free(buf);
	return count;
}

static int fill(const char *name, uint64_t seed)
{
	int fd = memfd_new(name, 0);
	void *p = fd < 0 || ftruncate(fd, SIZE) ? NULL : map_fd(fd, SIZE);

	if (!p)
		return -1;
	pat_fill(p, 0, SIZE, seed);
	munmap(p, SIZE);
	return fd;
}

/* The handover an older kernel reads, its version 2 records damaged. */
static void setup_v2(void)
{
	char name[64];
	unsigned int i;
	int s, fd, ret;

	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "never");
	ret = write_text("/sys/module/memfd_luo/parameters/downgrade", "1");
	ret = ret ?: write_text("/sys/module/kho/parameters/write_version", "2");
	ret = ret ?: next_stage_append("liveupdate.test_max_version=2");
	ksft_test_result(!ret, "records v2 written, and read by the next kernel (%d)\n",
			 ret);
	ret = access(LUO_TEST_DIR "/corrupt_memfd", W_OK) ? -errno : 0;
	ksft_test_result(!ret, "the test module's record damage is there (%d)\n", ret);
	s = session_new("memfd-corrupt");
	if (s < 0)
		ksft_exit_fail_msg("create session: %d\n", s);
	for (i = 0; i < NR_CASES; i++) {
		char cmd[64];

		snprintf(name, sizeof(name), "corrupt-%s", cases[i].how);
		snprintf(cmd, sizeof(cmd), "%u %s", i + 1, cases[i].how);
		fd = fill(name, 50 + i);
		ret = fd < 0 ? -1 : luo_preserve(s, fd, i + 1);
		if (!ret)
			ret = write_text(LUO_TEST_DIR "/corrupt_memfd", cmd);
		ksft_test_result(!ret, "%s: preserved, to be damaged at kexec (%d)\n", name, ret);
		close(fd);
	}
	fd = fill("good", 99);
	ret = fd < 0 ? -1 : luo_preserve(s, fd, 100);
	ksft_test_result(!ret, "good: preserved (%d)\n", ret);
	close(fd);
}

/* lu-inspect in, its report lines about memfds printed as comments. */
static int lu_inspect_in_print(void)
{
	char line[512];
	int ret = lu_inspect_in();

	for (const char *l = tool_out; *l; ) {
		int len = strcspn(l, "\n");

		snprintf(line, sizeof(line), "%.*s", len, l);
		if (strstr(line, "token ") || strstr(line, "valid: "))
			ksft_print_msg("lu-inspect: %s\n", line);
		l += len + (l[len] == '\n');
	}
	return ret;
}

/* Damaged version 3 records on the default handover. */
static void stage1(void)
{
	char name[64], cmd[64], line[512];
	unsigned int i;
	int s, fd, ret;

	ksft_set_plan(NR_V3 + 3);
	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "never");
	ret = access(LUO_TEST_DIR "/corrupt_memfd", W_OK) ? -errno : 0;
	ksft_test_result(!ret, "the test module's record damage is there (%d)\n", ret);
	s = session_new("memfd-corrupt-v3");
	if (s < 0)
		ksft_exit_fail_msg("create session: %d\n", s);
	for (i = 0; i < NR_V3; i++) {
		snprintf(name, sizeof(name), "corrupt-%s", cases_v3[i].how);
		snprintf(cmd, sizeof(cmd), "%u %s", i + 1, cases_v3[i].how);
		fd = fill(name, 150 + i);
		ret = fd < 0 ? -1 : luo_preserve(s, fd, i + 1);
		if (!ret)
			ret = write_text(LUO_TEST_DIR "/corrupt_memfd", cmd);
		ksft_test_result(!ret, "%s: preserved, to be damaged at kexec (%d)\n", name, ret);
		close(fd);
	}
	fd = fill("good-v3", 199);
	ret = fd < 0 ? -1 : luo_preserve(s, fd, 100);
	ksft_test_result(!ret, "good-v3: preserved (%d)\n", ret);
	close(fd);
	ret = event_line("preserved memfd:good-v3:", line, sizeof(line));
	if (!ret)
		ksft_print_msg("%s\n", line);
	ksft_test_result(!ret && strstr(line, ", v3 ") && !strstr(line, ", v3 0 ") &&
			 strstr(line, "record v2 0 bytes") && strstr(line, ", v1 0 bytes"),
			 "the default handover: record v3 only\n");
}

static void stage2(void)
{
	unsigned int i, nr_tool = 0;
	char needle[128], line[512];
	int s, fd, ret;
	void *p;

	for (i = 0; i < NR_V3; i++)
		nr_tool += cases_v3[i].tool != NULL;
	ksft_set_plan(1 + nr_tool + NR_V3 * 3 + 2 + NR_CASES + 3);
	s = session_get("memfd-corrupt-v3");
	if (s < 0)
		ksft_exit_fail_msg("retrieve session: %d\n", s);
	ret = lu_inspect_in_print();
	ksft_test_result(ret == 1 && tool_says("v3 record: ", "memfd \"memfd:good-v3\"") &&
			 !tool_says("token 100 ", "luo/records"),
			 "lu-inspect in: malformed (exit %d), the good memfd's v3 record valid\n",
			 ret);
	for (i = 0; i < NR_V3; i++) {
		snprintf(needle, sizeof(needle), "token %u v3): ", i + 1);
		if (!cases_v3[i].tool) {
			ksft_print_msg("corrupt-%s: lu-inspect cannot see this damage (%s)\n",
				       cases_v3[i].how,
				       tool_says(needle, "") ? "it reports the record" :
				       "it finds the record valid");
			continue;
		}
		ksft_test_result(tool_says(needle, cases_v3[i].tool),
				 "corrupt-%s: lu-inspect in says \"%s\"\n", cases_v3[i].how,
				 cases_v3[i].tool);
	}
	for (i = 0; i < NR_V3; i++) {
		int seen = kmsg_count(cases_v3[i].msg);

		fd = luo_retrieve(s, i + 1);
		ksft_test_result(fd == -EINVAL, "corrupt-%s: refused with EINVAL (%d)\n",
				 cases_v3[i].how, fd);
		snprintf(needle, sizeof(needle), "memfd:corrupt-%s", cases_v3[i].how);
		ret = -1;
		if (!strcmp(cases_v3[i].how, "v3magic")) {
			/* Refused before its name is trusted, as for v2. */
			if (kmsg_count(cases_v3[i].msg) > seen)
				ret = kmsg_line(cases_v3[i].msg, line, sizeof(line));
		} else if (!kmsg_line(needle, line, sizeof(line))) {
			ret = strstr(line, cases_v3[i].msg) ? 0 : -1;
		}
		ksft_test_result(!ret, "corrupt-%s: the kernel says why (\"%s\")\n",
				 cases_v3[i].how, cases_v3[i].msg);
		if (!ret)
			ksft_print_msg("%s\n", line);
		/* Nothing of it was taken: the same refusal again. */
		fd = luo_retrieve(s, i + 1);
		ksft_test_result(fd == -EINVAL, "corrupt-%s: refused again, EINVAL (%d)\n",
				 cases_v3[i].how, fd);
	}
	fd = luo_retrieve(s, 100);
	p = fd < 0 ? NULL : mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ksft_test_result(p && p != MAP_FAILED && pat_check(p, 0, SIZE, 199) == -1,
			 "good-v3: retrieved whole next to the damaged ones (%d)\n", fd);
	close(fd);
	ret = luo_finish(s);
	ksft_test_result(!ret, "session memfd-corrupt-v3 finished (%d)\n", ret);
	close(s);

	setup_v2();
}

static void stage3(void)
{
	char needle[128], line[512];
	unsigned int i;
	int s, fd, ret;
	void *p;

	ksft_set_plan(NR_CASES * 3 + 3);
	s = session_get("memfd-corrupt");
	if (s < 0)
		ksft_exit_fail_msg("retrieve session: %d\n", s);
	/* The operator's view first: lu-inspect must see each damage. */
	ret = lu_inspect_in_print();
	ksft_test_result(ret == 1 && tool_says("v2 record: ", "memfd \"memfd:good\"") &&
			 !tool_says("token 100 ", "luo/records"),
			 "lu-inspect in: malformed (exit %d), the good memfd's record valid\n",
			 ret);
	for (i = 0; i < NR_CASES; i++) {
		snprintf(needle, sizeof(needle), "token %u v2): ", i + 1);
		ksft_test_result(tool_says(needle, cases[i].tool),
				 "corrupt-%s: lu-inspect in says \"%s\"\n", cases[i].how,
				 cases[i].tool);
	}
	for (i = 0; i < NR_CASES; i++) {
		int seen = kmsg_count(cases[i].msg);

		fd = luo_retrieve(s, i + 1);
		ksft_test_result(fd == -EINVAL, "corrupt-%s: refused with EINVAL (%d)\n",
				 cases[i].how, fd);
		snprintf(needle, sizeof(needle), "memfd:corrupt-%s", cases[i].how);
		ret = -1;
		if (!strcmp(cases[i].how, "magic") ||
		    !strcmp(cases[i].how, "reserved")) {
			/*
			 * The header is refused before its name is trusted:
			 * the message has none; this retrieve must add one.
			 */
			if (kmsg_count(cases[i].msg) > seen)
				ret = kmsg_line(cases[i].msg, line, sizeof(line));
		} else if (!kmsg_line(needle, line, sizeof(line))) {
			ret = strstr(line, cases[i].msg) ? 0 : -1;
		}
		ksft_test_result(!ret, "corrupt-%s: the kernel says why (\"%s\")\n",
				 cases[i].how, cases[i].msg);
		if (!ret)
			ksft_print_msg("%s\n", line);
	}
	fd = luo_retrieve(s, 100);
	p = fd < 0 ? NULL : mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ksft_test_result(p && p != MAP_FAILED && pat_check(p, 0, SIZE, 99) == -1,
			 "good: retrieved whole next to the damaged ones (%d)\n", fd);
	close(fd);
	ret = luo_finish(s);
	ksft_test_result(!ret, "session finished (%d)\n", ret);
}

LU_TEST_MAIN("memfd_corrupt", stage1, stage2, stage3)
