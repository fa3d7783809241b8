// SPDX-License-Identifier: GPL-2.0
/*
 * A malformed live update state from the previous kernel is rejected as a
 * whole, with a message, and the boot goes on: no session comes back, the
 * handover is released at once, and /dev/liveupdate works as after a cold
 * boot.  Stage N (1 to 7) preserves two sessions (three objects) and asks
 * the test handler to damage LUO's state in way N at kexec; stage N + 1
 * checks the rejection, and that the kernel log gives the reason of that
 * kind of damage (the messages of kernel/liveupdate/luo_parse.c).
 */
#include "../kselftest.h"
#include "luo_test.h"

#define NR_MODES	7

static const char * const modes[NR_MODES + 1] = {
	NULL, "magic", "version", "file_range", "dup_name", "nr_versions",
	"dup_token", "name_nul",
};

/*
 * Why each damage is rejected: session "s1" (index 0) holds the objects
 * of tokens 10 and 11 (files 0 and 1), "s2" the one of token 12.
 */
static const char * const reasons[NR_MODES + 1] = {
	NULL,
	"live update state of unknown format (magic 0x314f554d version 2)",
	/* The version after ours, as a newer kernel would write. */
	"live update state version 3 is newer than this kernel reads (2)",
	"session s1: bad file range",
	"two sessions named s1",
	"session s1 file 0: malformed",
	"session 0: token 10 twice",
	"session 0: bad name",
};

static void check(int mode)
{
	char status[256];
	int s, o;

	read_text(KHO_DIR "/in/status", status, sizeof(status));
	ksft_test_result(!strncmp(status, "finished", 8),
			 "stage %d: %s: handover released at once: %s",
			 mode + 1, modes[mode], status);
	ksft_test_result(kmsg_has("no session restored"),
			 "stage %d: %s: the rejection is in the kernel log\n",
			 mode + 1, modes[mode]);
	ksft_test_result(kmsg_has(reasons[mode]),
			 "stage %d: %s: the log gives the reason: %s\n",
			 mode + 1, modes[mode], reasons[mode]);
	s = lu_session_retrieve("s1");
	o = lu_session_retrieve("s2");
	ksft_test_result(s == -ENOENT && o == -ENOENT,
			 "stage %d: %s: no session came back (%d, %d)\n",
			 mode + 1, modes[mode], s, o);
	s = lu_session_create("s1");
	o = s < 0 ? s : obj_new(LUO_TEST_KIND_NORMAL);
	ksft_test_result(o >= 0 && !lu_preserve(s, o, 1),
			 "stage %d: %s: new sessions work\n", mode + 1, modes[mode]);
	if (o >= 0)
		close(o);
	if (s >= 0)
		close(s);
}

/* The sessions stay open for the kexec. */
static int prepare(int mode)
{
	int s1, s2, ret = 0, i;
	char buf[16];

	s1 = lu_session_create("s1");
	s2 = lu_session_create("s2");
	if (s1 < 0 || s2 < 0)
		ret = s1 < 0 ? s1 : s2;
	for (i = 0; i < 3 && !ret; i++) {
		int o = obj_new(LUO_TEST_KIND_NORMAL);

		ret = o < 0 ? o : obj_fill(o, "corrupt", 100 + i);
		if (!ret)
			ret = lu_preserve(i < 2 ? s1 : s2, o, 10 + i);
		close(o);
	}
	snprintf(buf, sizeof(buf), "%d", mode);
	if (!ret)
		ret = write_text(LUO_TEST_DIR "/corrupt_state", buf);
	return ret;
}

/* Its state is rejected on purpose: the harness counts the stages. */
static void run_stage(int stage, int nr)
{
	int ret;

	ksft_set_plan((stage > 1 ? 5 : 0) + (stage <= NR_MODES ? 1 : 0));
	if (stage > 1)
		check(stage - 1);
	if (stage <= NR_MODES) {
		ret = prepare(stage);
		ksft_test_result(!ret, "stage %d: two sessions to be damaged (%s) at kexec (%d)\n",
				 stage, modes[stage], ret);
	}
}

LU_TEST_MAIN_NUMBERED("luo_state_corrupt", run_stage, NR_MODES + 1)
