// SPDX-License-Identifier: GPL-2.0
/*
 * The limits that bound userspace also bound what a kernel accepts from
 * its predecessor.  Stage 1 hands over three sessions to a kernel booted
 * with liveupdate.max_sessions=2; stage 2 sees the state rejected with
 * the reason and nothing restored, then hands over a session of three
 * files to a kernel booted with liveupdate.max_files=2; stage 3 sees that
 * rejected too.  Its state is rejected on purpose, so it keeps no state
 * session: its stages come from the harness (LU_TEST_MAIN_HARNESS).
 */
#include "../kselftest.h"
#include "luo_test.h"

static const char * const names[] = { "limit-a", "limit-b", "limit-c" };

/*
 * Three sessions of one file each, or one session of three files; the
 * sessions stay open for the kexec.
 */
static int hand_over(int sessions)
{
	int s = -1, o, i, ret = 0;

	for (i = 0; i < 3 && !ret; i++) {
		if (sessions || s < 0)
			s = lu_session_create(names[i]);
		o = s < 0 ? s : obj_new(LUO_TEST_KIND_NORMAL);
		ret = o < 0 ? o : lu_preserve(s, o, i + 1);
		if (o >= 0)
			close(o);
	}
	return ret;
}

static int nothing_back(void)
{
	int i, s, back = 0;

	for (i = 0; i < 3; i++) {
		s = lu_session_retrieve(names[i]);
		back += s >= 0;
		if (s >= 0)
			close(s);
	}
	return back;
}

static void stage1(void)
{
	int ret;

	ksft_set_plan(2);
	ret = next_stage_append("liveupdate.max_sessions=2");
	ksft_test_result(!ret, "next kernel: liveupdate.max_sessions=2 (%d)\n", ret);
	ret = hand_over(1);
	ksft_test_result(!ret, "three sessions handed over (%d)\n", ret);
}

static void stage2(void)
{
	int ret;

	ksft_set_plan(4);
	ksft_test_result(kmsg_has("3 sessions, at most 2 (liveupdate.max_sessions)"),
			 "three sessions for a limit of two: rejected with the reason\n");
	ret = nothing_back();
	ksft_test_result(!ret, "no session came back (%d)\n", ret);
	ret = next_stage_append("liveupdate.max_files=2");
	ksft_test_result(!ret, "next kernel: liveupdate.max_files=2 (%d)\n", ret);
	ret = hand_over(0);
	ksft_test_result(!ret, "one session of three files handed over (%d)\n", ret);
}

static void stage3(void)
{
	int ret;

	ksft_set_plan(2);
	ksft_test_result(kmsg_has("limit-a: 3 files, at most 2 (liveupdate.max_files)"),
			 "three files for a limit of two: rejected with the reason\n");
	ret = nothing_back();
	ksft_test_result(!ret, "no session came back (%d)\n", ret);
}

LU_TEST_MAIN_HARNESS("luo_incoming_limits", stage1, stage2, stage3)
