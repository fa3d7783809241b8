// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update, corruption: one kexec per kind of damage done to the
 * outgoing VT-d records (/sys/kernel/debug/iommu_lu/test_corrupt, test
 * only).  Each next kernel must reject the handover with a message, reset
 * the unit as 6.12 would and boot on; the device is then on a fresh default
 * domain, does not read as preserved, iommu_lu_restore() refuses its
 * handle, and it DMAs again after the ordinary reset path.  Each stage
 * then damages the next kind.
 */
#include "iommu_lu_tb.h"

static const char * const kinds[] = {
	"magic", "version", "count", "reserved", "root", "context", "did",
	"pgd", "pt_list", "pt_count",
};

#define NR_KINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

/* Whether this kernel's log says a live update handover was rejected. */
static int log_says_rejected(void)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	char *p;

	if (n < 0)
		return 0;
	log[n] = 0;
	for (p = log; (p = strstr(p, "DMAR-LU: ")); p++)
		if (strstr(p, "rejected") && strstr(p, "rejected") < strchr(p, '\n'))
			return 1;
	return 0;
}

static int arm(const char *kind)
{
	int ret = write_file("/sys/kernel/debug/iommu_lu/test_corrupt", kind);

	return ret ? ret : lu_cmd("preserve");
}

int main(void)
{
	int stage = stage_number(), ret;

	printf("TAP version 13\n");
	if (stage == 1) {
		printf("1..1\n");
		ret = arm(kinds[0]);
		tap(!ret, "stage 1: preserved, record damage '%s' armed (%d)", kinds[0], ret);
		return failed;
	}
	printf("1..4\n");
	dmar_faults();
	tap(incoming_starts_with("accepted"), "stage %d: the KHO handover itself was accepted", stage);
	tap(log_says_rejected(), "stage %d: damage '%s': the VT-d handover was rejected with a message",
	    stage, kinds[stage - 2]);
	ret = lu_cmd("verify_rejected");
	tap(!ret, "stage %d: damage '%s': fresh domain, not restorable, DMA works after the ordinary reset path (%d)",
	    stage, kinds[stage - 2], ret);
	if (stage - 1 < NR_KINDS) {
		ret = arm(kinds[stage - 1]);
		tap(!ret, "stage %d: preserved again, damage '%s' armed (%d)", stage, kinds[stage - 1], ret);
	} else {
		ret = lu_cmd("release");
		tap(!ret, "stage %d: released (%d)", stage, ret);
	}
	return failed;
}
