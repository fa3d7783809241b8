// SPDX-License-Identifier: GPL-2.0
/*
 * KHO with corrupted handovers: each stage preserves memory and asks the
 * KHO test module to damage the handover in one way at the kexec (once it
 * is written); the next stage checks that its kernel booted, rejected the
 * handover for the reason that damage calls for (the status line names
 * the check and its errno), and that nothing was restored.
 */
#include "kho_tb.h"

#define NR_MODES 6

static const struct {
	const char *mode, *reason;
} modes[NR_MODES] = {
	{ "compatible", "rejected: root compatible is \"linux,kho-physr-v0\", not linux,kho-physr-v1 (-93)" },
	{ "magic", "rejected: bad preserved-memory chunk chain (-22)" },
	{ "cycle", "rejected: bad preserved-memory chunk chain (-40)" },
	{ "outside_ram", "rejected: bad preserved-memory range (-34)" },
	{ "count", "rejected: bad preserved-memory chunk chain (-22)" },
	/* Upstream Linux's handover: same setup_data, its own root. */
	{ "upstream", "rejected: root compatible is \"kho-v1\", not linux,kho-physr-v1 (-93)" },
};

int main(void)
{
	int stage = stage_number(), stages = stage_count(), ret;

	printf("TAP version 13\n");
	printf("1..%d\n", (stage > 1 ? 3 : 0) + (stage < stages ? 2 : 0));
	if (stage > 1) {
		const char *mode = modes[(stage - 2) % NR_MODES].mode;
		const char *reason = modes[(stage - 2) % NR_MODES].reason;

		show_incoming();
		tap(incoming_starts_with(reason),
		    "stage %d: the kernel booted and rejected a handover with a bad %s: \"%s\"",
		    stage, mode, reason);
		ret = kho_test_cmd("verify");
		tap(ret == -ENOENT, "stage %d: nothing to restore after a bad %s (%d)",
		    stage, mode, ret);
		tap(access(KHO_DIR "/in/root", F_OK) != 0,
		    "stage %d: no incoming root is shown", stage);
	}
	if (stage < stages) {
		const char *mode = modes[(stage - 1) % NR_MODES].mode;

		ret = kho_test_cmd("preserve");
		tap(!ret, "stage %d: preserve (%d)", stage, ret);
		ret = write_file(KHO_TEST_DIR "/corrupt", mode);
		tap(!ret, "stage %d: corrupt the handover: %s (%d)", stage, mode, ret);
	}
	return failed;
}
