// SPDX-License-Identifier: GPL-2.0
/*
 * KHO with corrupted handovers: each stage preserves memory and asks KHO's
 * test switch to damage the handover in one way before the kexec; the next
 * stage checks that its kernel booted, rejected the handover saying why,
 * and that nothing was restored.
 */
#include "kho_tb.h"

#define NR_MODES 5

static const char *const modes[NR_MODES] = {
	"compatible", "magic", "cycle", "outside_ram", "count",
};

int main(void)
{
	int stage = stage_number(), stages = stage_count(), ret;

	printf("TAP version 13\n");
	printf("1..%d\n", (stage > 1 ? 3 : 0) + (stage < stages ? 2 : 0));
	if (stage > 1) {
		const char *mode = modes[(stage - 2) % NR_MODES];

		show_incoming();
		tap(incoming_starts_with("rejected"),
		    "stage %d: the kernel booted and rejected a handover with a bad %s",
		    stage, mode);
		ret = kho_test_cmd("verify");
		tap(ret == -ENOENT, "stage %d: nothing to restore after a bad %s (%d)",
		    stage, mode, ret);
		tap(access(KHO_DIR "/in/root", F_OK) != 0,
		    "stage %d: no incoming root is shown", stage);
	}
	if (stage < stages) {
		const char *mode = modes[(stage - 1) % NR_MODES];

		ret = kho_test_cmd("preserve");
		tap(!ret, "stage %d: preserve (%d)", stage, ret);
		ret = write_file(KHO_DIR "/test_corrupt", mode);
		tap(!ret, "stage %d: corrupt the handover: %s (%d)", stage, mode, ret);
	}
	return failed;
}
