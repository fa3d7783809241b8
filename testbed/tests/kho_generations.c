// SPDX-License-Identifier: GPL-2.0
/*
 * KHO across a chain of kexecs: every stage but the first verifies what
 * the previous kernel preserved, and every stage but the last preserves a
 * new generation, so five kexecs in a row check five handovers.
 * Generation 2 goes over with kho.write_version=2: a root of version 2,
 * which has no referenced lists, so KHO copies the ranges of the test
 * module's referenced lists into its preserved-memory lists, and stage 3
 * checks that it received root v2 and every byte of them.
 */
#include "kho_tb.h"

#define DOWNGRADE_STAGE	2

int main(void)
{
	int stage = stage_number(), stages = stage_count(), ret;
	char want[64], buf[8192];

	printf("TAP version 13\n");
	printf("1..%d\n", (stage > 1 ? 3 : 0) + (stage < stages ? 1 : 0) +
	       (stage == DOWNGRADE_STAGE) + (stage == DOWNGRADE_STAGE + 1));
	if (stage > 1) {
		show_incoming();
		tap(incoming_starts_with("accepted"),
		    "stage %d: the handover was accepted", stage);
		if (stage == DOWNGRADE_STAGE + 1) {
			read_file(KHO_DIR "/in/status", buf, sizeof(buf));
			tap(!!strstr(buf, ", root v2"),
			    "stage %d: it came as root v2, referenced lists copied", stage);
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
			ret = write_file("/sys/module/kho/parameters/write_version", "2");
			tap(!ret, "stage %d: kho.write_version=2 for this kexec (%d)",
			    stage, ret);
		}
		ret = kho_test_cmd("preserve");
		tap(!ret, "stage %d: preserve generation %d (%d)", stage, stage, ret);
	}
	return failed;
}
