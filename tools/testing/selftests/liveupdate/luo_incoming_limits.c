// SPDX-License-Identifier: GPL-2.0
/*
 * The limits that bound userspace also bound what a kernel accepts from
 * its predecessor.  Stage 1 hands over three sessions to a kernel booted
 * with liveupdate.max_sessions=2; stage 2 sees the state rejected with
 * the reason and nothing restored, then hands over a session of three
 * files to a kernel booted with liveupdate.max_files=2; stage 3 sees that
 * rejected too.  Its state is rejected on purpose, so it keeps no state
 * session: its stages come from the harness.
 */
#include "../kselftest.h"
#include "luo_test.h"

static const char * const names[] = { "limit-a", "limit-b", "limit-c" };

/* Three sessions of one file each, or one session of three files. */
static int hand_over(int sessions)
{
	int dev = open(LUO_DEV, O_RDWR), s = -1, o, i, ret = 0;

	if (dev < 0)
		return -errno;
	for (i = 0; i < 3 && !ret; i++) {
		if (sessions || s < 0)
			s = luo_create_session(dev, names[i]);
		o = s < 0 ? s : obj_new(LUO_TEST_KIND_NORMAL);
		ret = o < 0 ? o : luo_preserve(s, o, i + 1);
		if (o >= 0)
			close(o);
	}
	close(dev);
	return ret ? ret : hold_until_kexec();
}

static int nothing_back(void)
{
	int dev = open(LUO_DEV, O_RDWR), i, s, back = 0;

	if (dev < 0)
		return -errno;
	for (i = 0; i < 3; i++) {
		s = luo_retrieve_session(dev, names[i]);
		back += s >= 0;
		if (s >= 0)
			close(s);
	}
	close(dev);
	return back;
}

int main(void)
{
	int stage = stage_number(), ret;

	ksft_print_header();
	if (stage == 1) {
		ksft_set_plan(2);
		ret = next_stage_append("liveupdate.max_sessions=2");
		ksft_test_result(!ret, "next kernel: liveupdate.max_sessions=2 (%d)\n", ret);
		ret = hand_over(1);
		ksft_test_result(!ret, "three sessions handed over (%d)\n", ret);
	} else if (stage == 2) {
		ksft_set_plan(4);
		ksft_test_result(kmsg_has("3 sessions, at most 2 (liveupdate.max_sessions)"),
				 "three sessions for a limit of two: rejected with the reason\n");
		ret = nothing_back();
		ksft_test_result(!ret, "no session came back (%d)\n", ret);
		ret = next_stage_append("liveupdate.max_files=2");
		ksft_test_result(!ret, "next kernel: liveupdate.max_files=2 (%d)\n", ret);
		ret = hand_over(0);
		ksft_test_result(!ret, "one session of three files handed over (%d)\n", ret);
	} else if (stage == 3) {
		ksft_set_plan(2);
		ksft_test_result(kmsg_has("limit-a: 3 files, at most 2 (liveupdate.max_files)"),
				 "three files for a limit of two: rejected with the reason\n");
		ret = nothing_back();
		ksft_test_result(!ret, "no session came back (%d)\n", ret);
	} else {
		ksft_exit_fail_msg("no stage %d\n", stage);
	}
	ksft_finished();
}
