// SPDX-License-Identifier: GPL-2.0
/*
 * KHO across a chain of kexecs: every stage but the first verifies what
 * the previous kernel preserved, and every stage but the last preserves a
 * new generation, so five kexecs in a row check five handovers.
 */
#include "kho_tb.h"

int main(void)
{
	int stage = stage_number(), stages = stage_count(), ret;
	char want[64], buf[8192];

	printf("TAP version 13\n");
	printf("1..%d\n", (stage > 1 ? 3 : 0) + (stage < stages ? 1 : 0));
	if (stage > 1) {
		show_incoming();
		tap(incoming_starts_with("accepted"),
		    "stage %d: the handover was accepted", stage);
		ret = write_file(KHO_TEST_DIR "/control", "verify");
		read_file(KHO_TEST_DIR "/status", buf, sizeof(buf));
		show_status();
		tap(!ret, "stage %d: generation %d verified (%d)", stage, stage - 1, ret);
		snprintf(want, sizeof(want), "# generation %d,", stage - 1);
		tap(!!strstr(buf, want), "stage %d: it is generation %d", stage, stage - 1);
	}
	if (stage < stages) {
		ret = kho_test_cmd("preserve");
		tap(!ret, "stage %d: preserve generation %d (%d)", stage, stage, ret);
	}
	return failed;
}
