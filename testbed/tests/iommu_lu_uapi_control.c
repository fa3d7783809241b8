// SPDX-License-Identifier: GPL-2.0
/*
 * The control of iommu_lu_uapi_inflight: the HWPT is not marked and only
 * the memfd is preserved; the DMA in flight at the kexec must not land.
 */
#define IOMMU_LU_UAPI_CONTROL 1
#include "iommu_lu_uapi_inflight.c"
