// SPDX-License-Identifier: GPL-2.0
/*
 * The downgrade switch of the core handover formats, kho.write_version=
 * (Documentation/core-api/kho/concepts.rst, "Versions"), across real
 * kexecs.  Stage 1 sets it to 1 and preserves a filled memfd: the KHO
 * root, LUO's state and every preserved array (LUO's session and file
 * arrays, the memfd's record array) go over in version 1.  Stage 2 checks
 * that this kernel read each of them in version 1 (the root it received,
 * the log of KHO and LUO) and that every byte of the memfd came back; then
 * it preserves another memfd with the switch back at 0.  Stage 3 checks
 * that the same formats came in their newest version (the root 4, LUO's
 * state and arrays 2), and the bytes.  In stages 2
 * and 3 lu-inspect (tools/liveupdate, /usr/bin/lu-inspect in the test
 * guest; skipped where it is not installed) must read the handover as
 * valid and in the version it came in.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest.h"
#include "luo_test.h"
#include "lib/libliveupdate.h"

#define SIZE		(8ULL << 20)
#define SWITCH		"/sys/module/kho/parameters/write_version"
#define LU_INSPECT	"/usr/bin/lu-inspect"

/* lu-inspect in: valid, root in version @rv and LUO state in version @v. */
static void tool_reads(int rv, int v)
{
	char root[64], state[48], out[16384];
	size_t n;
	FILE *p;
	int st;

	if (access(LU_INSPECT, X_OK)) {
		ksft_test_result_skip("lu-inspect: " LU_INSPECT " not installed\n");
		return;
	}
	p = popen(LU_INSPECT " in", "r");
	n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = 0;
	st = p ? pclose(p) : -1;
	snprintf(root, sizeof(root), "root: linux,kho-physr-v%d, version %d,", rv, rv);
	snprintf(state, sizeof(state), "LUO state version %d%s", v,
		 v >= 2 ? " from kernel " : ": ");
	if (st)
		ksft_print_msg("lu-inspect in:\n%s", out);
	ksft_test_result(st == 0 && strstr(out, "valid: yes") && strstr(out, root) &&
			 strstr(out, state),
			 "lu-inspect in: valid, \"%s\", \"%s\" (status %d)\n",
			 root, state, st);
}

/* Whether the incoming root (an FDT) holds the bytes of @s. */
static int root_has(const char *s)
{
	static char buf[4096];
	int fd = open(KHO_DIR "/in/root", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	return n > 0 && memmem(buf, n, s, strlen(s) + 1);
}

/* Whether the kernel log holds @needle; its last such line is shown. */
static int kmsg_show(const char *needle)
{
	int size = klogctl(10 /* SIZE_BUFFER */, NULL, 0), n, ret = -ENOENT;
	char *buf = size > 0 ? malloc(size + 1) : NULL;
	char line[256];

	if (!buf)
		return 0;
	n = klogctl(3 /* READ_ALL */, buf, size);
	buf[n > 0 ? n : 0] = 0;
	ret = last_line_with(buf, needle, line, sizeof(line));
	free(buf);
	if (!ret)
		ksft_print_msg("log: %s\n", line);
	return !ret;
}

static void preserve(const char *session, uint64_t seed, int version)
{
	char val[16] = "";
	int s, fd, ret;

	snprintf(val, sizeof(val), "%d", version);
	ret = write_text(SWITCH, val);
	ksft_test_result(!ret, "kho.write_version=%d (%d)\n", version, ret);
	s = lu_session_create(session);
	fd = s < 0 ? s : lu_memfd_filled(session, SIZE, seed);
	ret = fd < 0 ? fd : lu_preserve(s, fd, 1);
	ksft_test_result(!ret, "%s: 8 MiB memfd filled and preserved (%d)\n",
			 session, ret);
	if (fd >= 0)
		close(fd);
}

/* The root in version @rv, LUO's state and arrays in version @v. */
static void check(const char *session, uint64_t seed, int rv, int v)
{
	char line[64], compat[32];
	uint64_t bad = 0;
	int s, fd, ret;

	snprintf(line, sizeof(line), "bytes reserved, root v%d\n", rv);
	snprintf(compat, sizeof(compat), "linux,kho-physr-v%d", rv);
	ksft_test_result(kmsg_has(line) && kmsg_show("handover accepted") &&
			 root_has(compat) &&
			 root_has("page-shift") == (rv >= 2),
			 "KHO root: received and accepted in version %d (%s%s)\n",
			 rv, compat, rv >= 2 ? ", page-shift" : ", no page-shift");
	snprintf(line, sizeof(line), "live update state v%d%s", v,
		 v >= 2 ? " from kernel " : ": ");
	ksft_test_result(kmsg_show(line),
			 "LUO state: read in version %d (\"%s\")\n", v, line);
	snprintf(line, sizeof(line), "(arrays v%d, v%d)", v, v);
	ksft_test_result(kmsg_show(line),
			 "luo_array: LUO's arrays read in version %d\n", v);
	tool_reads(rv, v);
	s = lu_session_retrieve(session);
	fd = s < 0 ? s : lu_retrieve(s, 1);
	ret = fd < 0 ? fd : lu_memfd_check(fd, 0, SIZE, seed, &bad);
	ksft_test_result(!ret,
			 "%s: every byte of the memfd back (%d at %llu)\n",
			 session, ret, (unsigned long long)bad);
	if (fd >= 0)
		close(fd);
	ret = s < 0 ? s : lu_finish(s);
	ksft_test_result(!ret, "%s: finished (%d)\n", session, ret);
	if (s >= 0)
		close(s);
}

static void stage1(void)
{
	ksft_set_plan(2);
	preserve("core-v1", 41, 1);
}

static void stage2(void)
{
	char val[16] = "";

	ksft_set_plan(9);
	read_text(SWITCH, val, sizeof(val));
	ksft_test_result(atoi(val) == 0, "the switch is 0 after a kexec: %s", val);
	check("core-v1", 41, 1, 1);
	preserve("core-v2", 42, 0);
}

static void stage3(void)
{
	ksft_set_plan(6);
	check("core-v2", 42, 4, 2);
}

LU_TEST_MAIN("core_downgrade", stage1, stage2, stage3)
