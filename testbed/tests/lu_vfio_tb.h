/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the VFIO live update tests (iommu_lu_uapi_*,
 * iommu_lu_vfio_*): /dev/liveupdate sessions and files, the iommufd HWPT
 * mark, the cdev attach, and a per-test state file that survives the kexec
 * (in $TESTBED_STATE). Errors come back as -errno; need() stops the test.
 */
#ifndef LU_VFIO_TB_H
#define LU_VFIO_TB_H

#include <stdbool.h>
#include <linux/liveupdate.h>

#include "vfio_tb.h"

/* Create the session @name, or retrieve it (@incoming); its fd or -errno */
static inline int luo_session(const char *name, bool incoming)
{
	struct liveupdate_ioctl_create_session c = { .size = sizeof(c) };
	struct liveupdate_ioctl_retrieve_session r = { .size = sizeof(r) };
	int dev = open("/dev/liveupdate", O_RDWR), ret;

	if (dev < 0)
		return -errno;
	if (incoming) {
		snprintf((char *)r.name, sizeof(r.name), "%s", name);
		ret = ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &r) ? -errno : r.fd;
	} else {
		snprintf((char *)c.name, sizeof(c.name), "%s", name);
		ret = ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &c) ? -errno : c.fd;
	}
	close(dev);
	return ret;
}

static inline int luo_preserve(int s, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

/* The fd of the file preserved as @token, or -errno */
static inline int luo_retrieve(int s, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	return ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) ? -errno : arg.fd;
}

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
