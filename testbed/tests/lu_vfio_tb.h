/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the VFIO live update tests (iommu_lu_uapi_*,
 * iommu_lu_vfio_*): the iommufd HWPT mark, the cdev attach, and a per-test
 * state file that survives the kexec (in $TESTBED_STATE). /dev/liveupdate
 * sessions and files come from lib/libliveupdate of the live update
 * selftests (lu_session_create(), lu_preserve(), lu_keep_sessions(), ...).
 * Errors come back as -errno; need() stops the test.
 */
#ifndef LU_VFIO_TB_H
#define LU_VFIO_TB_H

#include <stdbool.h>
#include <linux/liveupdate.h>

#include "vfio_tb.h"
/* Sessions, files and keeping them through the kexec: the selftests' one */
#include "libliveupdate.h"

static inline int mark(int iommufd, uint32_t hwpt, uint64_t token)
{
	struct iommu_hwpt_liveupdate_mark_preserve cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .hwpt_token = token,
	};

	return ioctl(iommufd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &cmd) ?
	       -errno : 0;
}

/* Attach to the IOAS; the id of the HWPT the kernel made for it */
static inline uint32_t attach(int devfd, uint32_t ioas)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = ioas,
	};

	need(!ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at),
	     "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	return at.pt_id;
}

/* The file @name in the state folder that the next stage finds again */
static inline FILE *tb_state_file(const char *name, const char *mode)
{
	const char *dir = getenv("TESTBED_STATE");
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/tmp", name);
	return fopen(path, mode);
}

/* Bind @bdf to vfio-pci without opening its cdev */
static inline void bind_vfio_pci(const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	need(!write_str(path, "vfio-pci"), "driver_override %s", bdf);
	need(!write_str("/sys/bus/pci/drivers_probe", bdf),
	     "bind %s to vfio-pci", bdf);
}

#endif
