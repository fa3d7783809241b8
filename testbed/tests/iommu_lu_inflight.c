// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update, DMA in flight: stage 1 maps a KHO-preserved page at an
 * IOVA of a paging domain of edu, preserves the domain with
 * iommu_lu_preserve() and has edu start a 4 KiB transfer to that IOVA when
 * the kernel shuts the device down for the kexec (QEMU's edu completes it
 * ~100 ms later, while the next kernel boots).  Stage 2 finds the pattern
 * in the preserved page, no DMA remapping fault in the log, edu not reset
 * (factorial register, PCI command register), gets the adopted domain back
 * with iommu_lu_restore() and keeps using it: DMA both ways through the
 * same IOVA with no new map, then a new mapping, then its unmapping.
 */
#include "iommu_lu_tb.h"

int main(void)
{
	int stage = stage_number(), ret, faults;

	printf("TAP version 13\n");
	if (stage == 1) {
		printf("1..2\n");
		tap(incoming_starts_with("none"), "stage 1: a cold boot has no incoming handover");
		ret = lu_cmd("preserve");
		tap(!ret, "stage 1: domain preserved, edu DMA armed for the kexec (%d)", ret);
		return failed;
	}
	printf("1..5\n");
	tap(incoming_starts_with("accepted"), "stage 2: the handover was accepted");
	faults = dmar_faults();
	tap(faults == 0, "stage 2: no DMA remapping fault through the kexec (%d)", faults);
	ret = lu_cmd("verify");
	tap(!ret, "stage 2: in flight DMA landed, no reset, DMA continues on the adopted domain (%d)", ret);
	/*
	 * The DMA after the unmap of IOVA_Y (0x300000) is refused by VT-d;
	 * the fault is logged from the DMAR fault interrupt, which may come
	 * after the DMA command returned: wait for it, up to 5 s.
	 */
	for (ret = 0; ret < 50 && !dmar_fault_at("0x300000"); ret++)
		usleep(100000);
	faults = dmar_faults();
	tap(faults == 1 && dmar_fault_at("0x300000"),
	    "stage 2: the DMA after the unmap faulted at IOVA 0x300000 (%d fault(s))", faults);
	ret = lu_cmd("release");
	tap(!ret, "stage 2: adopted domain released (%d)", ret);
	return failed;
}
