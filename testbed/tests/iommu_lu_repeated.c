// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update, repeated: three kexecs in a row with the same domain.
 * Each kernel verifies the DMA that was in flight through its kexec, keeps
 * DMAing through the adopted domain, and preserves it again (a new
 * pattern in flight) for the next kexec; the last one releases it.
 */
#include "iommu_lu_tb.h"

int main(void)
{
	int stage = stage_number(), last = stage_count(), ret, faults;

	printf("TAP version 13\n");
	if (stage == 1) {
		printf("1..1\n");
		ret = lu_cmd("preserve");
		tap(!ret, "stage 1: domain preserved, edu DMA armed for kexec 1 (%d)", ret);
		return failed;
	}
	printf("1..4\n");
	faults = dmar_faults();
	tap(faults == 0, "stage %d: no DMA remapping fault through kexec %d (%d)",
	    stage, stage - 1, faults);
	ret = lu_cmd("verify");
	tap(!ret, "stage %d: DMA in flight through kexec %d landed and continues (%d)",
	    stage, stage - 1, ret);
	if (stage < last) {
		ret = lu_cmd("again");
		tap(!ret, "stage %d: adopted domain preserved again for kexec %d (%d)",
		    stage, stage, ret);
	} else {
		tap(1, "stage %d: last stage, nothing to preserve", stage);
	}
	if (stage == last) {
		ret = lu_cmd("release");
		tap(!ret, "stage %d: adopted domain released (%d)", stage, ret);
	} else {
		tap(1, "stage %d: domain kept for the next kexec", stage);
	}
	return failed;
}
