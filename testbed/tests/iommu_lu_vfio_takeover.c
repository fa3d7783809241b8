// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update, the next kernel's vfio-pci: stage 1 preserves edu's
 * domain with a DMA in flight (test driver, as iommu_lu_inflight).  In
 * stage 2 edu is bound to vfio-pci, its cdev opened and bound to an
 * iommufd, which claims the group's DMA ownership; vfio-pci enables the
 * device.  Neither may stop the preserved device: it is not reset (edu's
 * factorial register keeps its value), keeps bus mastering, and a DMA
 * programmed from userspace through the vfio BAR mapping to the same IOVA,
 * with no attach and no map, lands through the adopted domain.
 */
#include "vfio_tb.h"

#define LU_CTL "/sys/kernel/debug/iommu_lu_test/control"
#define LU_STATUS "/sys/kernel/debug/iommu_lu_test/status"
#define IOVA_X 0xa0000UL

static int lu_cmd(const char *cmd, char *status, size_t len)
{
	int fd = open(LU_CTL, O_WRONLY), ret = 0, n;
	char *line, *save;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	close(fd);
	fd = open(LU_STATUS, O_RDONLY);
	n = fd >= 0 ? read(fd, status, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	status[n > 0 ? n : 0] = 0;
	for (line = strtok_r(status, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		printf("# %s\n", line);
		line[strlen(line)] = '\n';
	}
	return ret;
}

int main(void)
{
	unsigned int fact = 0, command = 0;
	int stage = stage_number(), ret, devfd, iommufd;
	char status[8192], bdf[64], *p;
	volatile uint32_t *bar;
	size_t size;
	uint16_t cmd;

	printf("TAP version 13\n");
	if (stage == 1) {
		printf("1..1\n");
		ret = lu_cmd("preserve", status, sizeof(status));
		tap(!ret, "stage 1: domain preserved, edu DMA armed for the kexec (%d)", ret);
		return failed;
	}
	printf("1..6\n");
	ret = lu_cmd("landed", status, sizeof(status));
	p = strstr(status, "fact ");
	if (p)
		sscanf(p, "fact %u command 0x%x", &fact, &command);
	tap(!ret && fact, "stage 2: the DMA in flight landed (%d), target zeroed", ret);

	devfd = vfio_open_pci(EDU_VENDOR, EDU_DEVICE, bdf);
	iommufd = open("/dev/iommu", O_RDWR);
	need(iommufd >= 0, "open /dev/iommu");
	vfio_bind(devfd, iommufd);
	tap(1, "stage 2: %s bound to vfio-pci, its cdev bound to an iommufd", bdf);

	cmd = cfg_read16(devfd, PCI_COMMAND);
	tap(cmd & PCI_COMMAND_MASTER,
	    "stage 2: vfio-pci kept bus mastering on (command 0x%04x, 0x%04x before the kexec)",
	    cmd, command);
	bar = map_bar(devfd, VFIO_PCI_BAR0_REGION_INDEX, &size);
	tap(bar[0x08 / 4] == fact,
	    "stage 2: not reset: edu's factorial register reads %u (%u before the kexec)",
	    bar[0x08 / 4], fact);
	/* edu's buffer still holds stage 1's pattern: write it to IOVA_X. */
	ret = edu_store(bar, IOVA_X, 4095);
	tap(!ret, "stage 2: edu to RAM at IOVA 0x%lx from userspace, no attach, no map (%d)",
	    IOVA_X, ret);
	ret = lu_cmd("check_target", status, sizeof(status));
	tap(!ret, "stage 2: the DMA landed through the adopted domain (%d)", ret);
	close(devfd);
	close(iommufd);
	return failed;
}
