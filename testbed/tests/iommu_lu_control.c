// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update, control: the same as iommu_lu_inflight but the domain
 * is not preserved.  6.12's kexec clears bus mastering and turns VT-d off,
 * and the IOVA (0xa0000) has no RAM behind it when untranslated, so the
 * pattern must not land in the (KHO-preserved) target page.  This is what
 * shows that iommu_lu_inflight can fail.
 */
#include "iommu_lu_tb.h"

int main(void)
{
	int stage = stage_number(), ret;

	printf("TAP version 13\n");
	if (stage == 1) {
		printf("1..1\n");
		ret = lu_cmd("control");
		tap(!ret, "stage 1: domain not preserved, edu DMA armed for the kexec (%d)", ret);
		return failed;
	}
	printf("1..3\n");
	tap(incoming_starts_with("accepted"), "stage 2: the handover was accepted");
	ret = lu_cmd("verify");
	tap(!ret, "stage 2: control: the in flight DMA did not land (%d)", ret);
	ret = lu_cmd("release");
	tap(!ret, "stage 2: released (%d)", ret);
	return failed;
}
