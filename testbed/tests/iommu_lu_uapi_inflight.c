// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update through the UAPI, DMA in flight (and its control,
 * iommu_lu_uapi_control.c, which builds this file with
 * IOMMU_LU_UAPI_CONTROL).
 *
 * Stage 1 plays a VM host: guest RAM is a memfd, mapped with
 * IOMMU_IOAS_MAP_FILE at IOVA 0xa0000 (no RAM behind it untranslated) for
 * edu bound to vfio-pci through its cdev; the HWPT is marked with
 * IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE and the memfd, the iommufd and the
 * cdev are preserved through /dev/liveupdate (control: the HWPT is not
 * marked and only the memfd is preserved).  A child then keeps edu busy
 * until the kexec freezes it: for k = 1, 2, ... it zeroes guest page
 * 1 + k % 3, records k in guest page 0 and starts a 4 KiB edu-to-RAM
 * transfer of a pattern into that page, which QEMU completes ~100 ms
 * later.  So one transfer, started less than 100 ms before, is in flight
 * when the kernel kexecs.  Stage 2 retrieves the memfd and finds the
 * pattern in the page of the last k (control: that page is still zero),
 * and no DMAR fault in the log.
 */
#include <sys/klog.h>
#include "lu_vfio_tb.h"

#define PG	4096
#define IOVA	0xa0000ULL
#define NPAGES	5		/* status, 3 targets, pattern */
#define SESSION	"iommu-lu-uapi"

static int dmar_faults(void)
{
	static char log[1 << 20];
	int n = klogctl(3, log, sizeof(log) - 1), faults = 0;
	char *p;

	if (n < 0)
		return -1;
	log[n] = 0;
	for (p = log; (p = strstr(p, "DMAR: [DMA ")); p++)
		faults++;
	for (p = log; (p = strstr(p, "DMAR-LU: ")); p++) {
		char *bol = p, *eol = strchr(p, '\n');

		while (bol > log && bol[-1] != '\n')
			bol--;
		printf("# log: %.*s\n", eol ? (int)(eol - bol) : 80, bol);
	}
	return faults;
}

/* The child that keeps edu busy until the kexec. */
static void dma_loop(volatile void *bar, uint8_t *guest)
{
	volatile uint64_t *r = (volatile uint64_t *)bar;
	volatile uint64_t *status = (volatile uint64_t *)guest;
	uint64_t k;
	int fd = open("/dev/null", O_RDWR);

	dup2(fd, 1);
	dup2(fd, 2);
	for (k = 1;; k++) {
		unsigned int page = 1 + k % 3;

		memset(guest + page * PG, 0, PG);
		__sync_synchronize();
		status[0] = k;
		__sync_synchronize();
		r[EDU_DMA_SRC / 8] = EDU_BUF;
		r[EDU_DMA_DST / 8] = IOVA + page * PG;
		r[EDU_DMA_CNT / 8] = PG - 1;
		r[EDU_DMA_CMD / 8] = EDU_DMA_RUN | EDU_DMA_TO_RAM;
		while (r[EDU_DMA_CMD / 8] & EDU_DMA_RUN)
			usleep(500);
	}
}

static int stage1(int control)
{
	int iommufd, edu, mfd, s, ret;
	uint64_t iova = IOVA;
	uint32_t ioas, hwpt;
	volatile void *bar;
	uint8_t *guest;
	char bdf[64];
	size_t size;

	printf("1..4\n");
	iommufd = open("/dev/iommu", O_RDWR);
	need(iommufd >= 0, "open /dev/iommu");
	edu = vfio_open_pci(EDU_VENDOR, EDU_DEVICE, bdf);
	vfio_bind(edu, iommufd);
	ioas = ioas_alloc(iommufd);
	mfd = memfd_create("guest", 0);
	need(mfd >= 0 && !ftruncate(mfd, NPAGES * PG), "memfd");
	guest = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	need(guest != MAP_FAILED, "mmap the memfd");
	fill_pattern(guest + 4 * PG, PG, 0x5eed);
	need(!map_file(iommufd, ioas, mfd, 0, NPAGES * PG, &iova, MAP_RW_FIXED),
	     "MAP_FILE the memfd");
	hwpt = attach(edu, ioas);
	bar = map_bar(edu, VFIO_PCI_BAR0_REGION_INDEX, &size);
	set_command(edu, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);
	ret = edu_load(bar, IOVA + 4 * PG, PG - 1);
	ret = ret ?: edu_store(bar, IOVA + 1 * PG, PG - 1);
	ret = ret ?: memcmp(guest + PG, guest + 4 * PG, PG - 1) ? -EIO : 0;
	memset(guest + PG, 0, PG);
	tap(!ret, "stage 1: edu copies the pattern within guest RAM through IOVA 0x%llx (%d)",
	    IOVA, ret);
	s = lu_session_create(SESSION);
	need(s >= 0, "create a live update session (%d)", s);
	ret = lu_preserve(s, mfd, 1);
	tap(!ret, "stage 1: the memfd preserved (%d)", ret);
	if (control) {
		tap(1, "stage 1: control: HWPT %u not marked, iommufd and cdev not preserved", hwpt);
	} else {
		ret = mark(iommufd, hwpt, 100);
		ret = ret ?: lu_preserve(s, iommufd, 2);
		ret = ret ?: lu_preserve(s, edu, 3);
		tap(!ret, "stage 1: HWPT %u marked, iommufd and cdev preserved (%d)", hwpt, ret);
	}
	/* The child holds every fd (and the session) until the kexec. */
	ret = fork();
	if (!ret)
		dma_loop(bar, guest);
	tap(ret > 0, "stage 1: edu DMAs into guest RAM until the kexec");
	return failed;
}

static int stage2(int control)
{
	int s, mfd, faults, bad = 0, zero = 1;
	unsigned int page, i;
	uint8_t expect[PG], *guest;
	uint64_t k;

	printf("1..4\n");
	faults = dmar_faults();
	tap(faults == 0, "stage 2: no DMA remapping fault through the kexec (%d)", faults);
	s = lu_session_retrieve(SESSION);
	mfd = s >= 0 ? lu_retrieve(s, 1) : -1;
	tap(mfd >= 0, "stage 2: the guest RAM memfd retrieved (%d, %d)", s, mfd);
	if (mfd < 0)
		return failed;
	guest = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	need(guest != MAP_FAILED, "mmap the retrieved memfd");
	k = *(uint64_t *)guest;
	page = 1 + k % 3;
	tap(k > 0, "stage 2: %llu transfers started in stage 1, the last into guest page %u",
	    (unsigned long long)k, page);
	fill_pattern(expect, PG, 0x5eed);
	for (i = 1; i <= 3; i++)
		printf("# guest page %u: %s\n", i,
		       !memcmp(guest + i * PG, expect, PG - 1) ? "pattern" :
		       guest[i * PG] || guest[i * PG + 100] ? "other" : "zero");
	for (i = 0; i < PG - 1; i++) {
		bad += guest[page * PG + i] != expect[i];
		zero &= !guest[page * PG + i];
	}
	if (control)
		tap(zero, "stage 2: control: the DMA in flight at the kexec did not land (page %u still zero)",
		    page);
	else
		tap(!bad, "stage 2: in flight: the DMA started before the kexec landed in guest page %u (%d of %d bytes differ)",
		    page, bad, PG - 1);
	return failed;
}

int main(int argc, char **argv)
{
#ifdef IOMMU_LU_UAPI_CONTROL
	int control = 1;
#else
	int control = 0;
#endif

	(void)argc;
	(void)argv;
	printf("TAP version 13\n");
	return stage_number() == 2 ? stage2(control) : stage1(control);
}
