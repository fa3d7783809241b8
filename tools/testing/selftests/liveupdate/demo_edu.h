/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The assigned device of the live update demo (memfd_demo.c): QEMU's edu
 * bound to vfio-pci and driven through its VFIO cdev, its DMA translated by
 * VT-d through an iommufd IOAS that maps the guest RAM memfd with
 * IOMMU_IOAS_MAP_FILE.
 *
 * edu (QEMU docs/specs/edu.txt): BAR0 holds the DMA source, destination,
 * count and command registers at 0x80/0x88/0x90/0x98 and a 4 KiB internal
 * buffer at device address 0x40000; a transfer completes about 100 ms
 * after its command.  The demo boot gives edu a 32-bit DMA mask.
 */
#ifndef DEMO_EDU_H
#define DEMO_EDU_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "luo_test.h"	/* read_text() */

#define EDU_ID		"0x1234 0x11e8"
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_BUF		0x40000
/* QEMU 7.2's edu aborts on a transfer that ends at the end of its buffer. */
#define EDU_XFER	2048

static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -EIO;
}

/* The BDF of the first edu into @bdf (64 bytes); 0 or -ENODEV. */
static inline int edu_find(char *bdf)
{
	char path[300], v[16], d[16], id[40];
	DIR *dir = opendir("/sys/bus/pci/devices");
	struct dirent *de;
	int ret = -ENODEV;

	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 63)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (read_text(path, v, sizeof(v)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (read_text(path, d, sizeof(d)) <= 0)
			continue;
		snprintf(id, sizeof(id), "%.6s %.6s", v, d);
		if (!strcmp(id, EDU_ID) && (ret || strcmp(de->d_name, bdf) < 0)) {
			strcpy(bdf, de->d_name);
			ret = 0;
		}
	}
	if (dir)
		closedir(dir);
	return ret;
}

/* Bind @bdf to vfio-pci (unbinding another driver first). */
static inline int edu_bind_vfio(const char *bdf)
{
	char path[300], drv[256] = "";
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n > 0) {
		drv[n] = 0;
		if (!strcmp(strrchr(drv, '/'), "/vfio-pci"))
			return 0;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		if (write_str(path, bdf))
			return -EBUSY;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (write_str(path, "vfio-pci"))
		return -EIO;
	return write_str("/sys/bus/pci/drivers_probe", bdf);
}

/* Open the VFIO cdev of @bdf (bound to vfio-pci); fd or -errno. */
static inline int edu_open_cdev(const char *bdf)
{
	char path[300];
	struct dirent *de;
	int fd = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		fd = open(path, O_RDWR);
		fd = fd < 0 ? -errno : fd;
		break;
	}
	if (dir)
		closedir(dir);
	return fd;
}

/*
 * Bind the cdev to @iommufd, make an IOAS, map @len bytes of @memfd at
 * @iova with IOMMU_IOAS_MAP_FILE and attach the device: 0 or -errno, the
 * IOAS and HWPT ids in @ioas and @hwpt.
 */
static inline int edu_iommufd_setup(int dev, int iommufd, int memfd,
				    uint64_t len, uint64_t iova,
				    uint32_t *ioas, uint32_t *hwpt)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = iommufd,
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map_file map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 IOMMU_IOAS_MAP_FIXED_IOVA,
		.fd = memfd, .length = len, .iova = iova,
	};
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

	if (ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
	    ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	map.ioas_id = alloc.out_ioas_id;
	at.pt_id = alloc.out_ioas_id;
	if (ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &map) ||
	    ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		return -errno;
	*ioas = alloc.out_ioas_id;
	*hwpt = at.pt_id;
	return 0;
}

static inline int hwpt_mark_preserve(int iommufd, uint32_t hwpt, uint64_t token)
{
	struct iommu_hwpt_liveupdate_mark_preserve cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .hwpt_token = token,
	};

	return ioctl(iommufd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &cmd) ? -errno : 0;
}

/*
 * Map BAR0 and set memory decoding and bus mastering (the command register
 * found goes to @was); NULL on error.
 */
static inline volatile uint64_t *edu_bar(int dev, uint16_t *was)
{
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = 0 };
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;
	void *p;

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    pread(dev, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return NULL;
	*was = cmd;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(dev, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return NULL;
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev, bar.offset);
	return p == MAP_FAILED ? NULL : p;
}

/* Start one transfer of @len bytes: to RAM (from the buffer) or from RAM. */
static inline void edu_start(volatile uint64_t *r, uint64_t iova, uint32_t len,
			     int to_ram)
{
	r[EDU_DMA_SRC / 8] = to_ram ? EDU_BUF : iova;
	r[EDU_DMA_DST / 8] = to_ram ? iova : EDU_BUF;
	r[EDU_DMA_CNT / 8] = len;
	r[EDU_DMA_CMD / 8] = EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0);
}

/* Wait for the transfer to complete, polling every 0.2 ms; 0 or -ETIMEDOUT. */
static inline int edu_wait(volatile uint64_t *r)
{
	int i;

	for (i = 0; i < 25000; i++) {
		if (!(r[EDU_DMA_CMD / 8] & EDU_DMA_RUN))
			return 0;
		usleep(200);
	}
	return -ETIMEDOUT;
}

#endif
