// SPDX-License-Identifier: GPL-2.0
/*
 * KHO across a chain of kexecs: every stage but the first verifies what
 * the previous kernel preserved, and every stage but the last preserves a
 * new generation, so five kexecs in a row check five handovers.
 * Generation 2 goes over with kho.write_version=3: a root of version 3,
 * as a kernel that reads no reference array takes it; this kernel writes
 * no reference into it, but copies the ranges of the test module's
 * referenced lists into its preserved-memory lists, and stage 3 checks
 * that it received root v3 without any referenced list or reference
 * array, and every byte of them.  The other generations go over in root
 * v4, their lists in its reference array.
 */
#include "kho_tb.h"

#define DOWNGRADE_STAGE	2

/* The value of "KEY VALUE" in kho/in/stats, or -1. */
static long long stat_value(const char *path, const char *key)
{
	char buf[4096], *p;
	size_t kl = strlen(key);

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return atoll(p + kl + 1);
	return -1;
}

int main(void)
{
	int stage = stage_number(), stages = stage_count(), ret;
	char want[64], buf[8192];

	printf("TAP version 13\n");
	printf("1..%d\n", (stage > 1 ? 4 : 0) + (stage < stages ? 1 : 0) +
	       (stage == DOWNGRADE_STAGE));
	if (stage > 1) {
		show_incoming();
		tap(incoming_starts_with("accepted"),
		    "stage %d: the handover was accepted", stage);
		if (stage == DOWNGRADE_STAGE + 1) {
			read_file(KHO_DIR "/in/status", buf, sizeof(buf));
			tap(!!strstr(buf, ", root v3") &&
			    stat_value(KHO_DIR "/in/stats", "ref_lists") == 0 &&
			    access(KHO_DIR "/in/ref_array", F_OK),
			    "stage %d: it came as root v3, referenced lists copied, no reference array",
			    stage);
		} else {
			read_file(KHO_DIR "/in/status", buf, sizeof(buf));
			long long lists = stat_value(KHO_DIR "/in/stats", "ref_lists");

			tap(!!strstr(buf, ", root v4") && lists >= 2 &&
			    stat_value(KHO_DIR "/in/stats", "ref_array_pages") ==
			    (lists + 126) / 127,
			    "stage %d: it came as root v4, %lld referenced lists in its reference array",
			    stage, lists);
		}
		ret = write_file(KHO_TEST_DIR "/control", "verify");
		read_file(KHO_TEST_DIR "/status", buf, sizeof(buf));
		show_status();
		tap(!ret, "stage %d: generation %d verified (%d)", stage, stage - 1, ret);
		snprintf(want, sizeof(want), "# generation %d,", stage - 1);
		tap(!!strstr(buf, want), "stage %d: it is generation %d", stage, stage - 1);
	}
	if (stage < stages) {
		if (stage == DOWNGRADE_STAGE) {
			ret = write_file("/sys/module/kho/parameters/write_version", "3");
			tap(!ret, "stage %d: kho.write_version=3 for this kexec (%d)",
			    stage, ret);
		}
		ret = kho_test_cmd("preserve");
		tap(!ret, "stage %d: preserve generation %d (%d)", stage, stage, ret);
	}
	return failed;
}
