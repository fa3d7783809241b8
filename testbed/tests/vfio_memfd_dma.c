// SPDX-License-Identifier: GPL-2.0
/*
 * edu reads and writes memfd pages by IOVA, through IOMMU_IOAS_MAP_FILE
 * and the emulated VT-d: the edu device (bound to vfio-pci, attached to an
 * IOAS through its VFIO cdev) copies a page of the memfd into its buffer
 * and back out to another page, and the bytes are checked through the
 * memfd's own mapping. A read-only mapping must refuse the device's write,
 * and after IOMMU_IOAS_UNMAP the IOVA must reach nothing.
 */
#include "vfio_tb.h"

#define PG 4096
#define NPG 8
#define IOVA_A 0x100000ULL	/* whole memfd */
#define IOVA_B 0x200000ULL	/* pages 4..5 */
#define IOVA_RO 0x300000ULL	/* page 6, read-only */
#define X EDU_XFER		/* bytes per edu transfer */

int main(void)
{
	uint8_t expect[PG], zero[PG] = { 0 };
	uint64_t iova;
	volatile uint32_t *bar;
	int iommufd, edu, mfd;
	uint32_t ioas;
	uint8_t *mem;
	char bdf[64];

	printf("TAP version 13\n1..8\n");
	edu = edu_attach_new_ioas(&iommufd, &ioas, bdf);
	bar = edu_enable(edu);
	tap(bar[0] == 0x010000ed, "edu %s bound to vfio-pci, BAR0 mapped (ident %#x)",
	    bdf, bar[0]);

	mfd = memfd_create("edu_dma", 0);
	need(mfd >= 0 && !ftruncate(mfd, NPG * PG), "memfd");
	mem = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	need(mem != MAP_FAILED, "mmap memfd");
	memset(mem, 0, NPG * PG);
	fill_pattern(mem, PG, 1);

	iova = IOVA_A;
	tap(!map_file(iommufd, ioas, mfd, 0, NPG * PG, &iova, MAP_RW_FIXED),
	    "IOMMU_IOAS_MAP_FILE of the whole memfd at %#llx",
	    (unsigned long long)IOVA_A);

	/* Page 0 -> edu buffer -> page 2 */
	fill_pattern(expect, PG, 1);
	tap(!edu_load(bar, IOVA_A, X) && !edu_store(bar, IOVA_A + 2 * PG, X) &&
	    !memcmp(mem + 2 * PG, expect, X),
	    "edu read page 0 and wrote it to page 2 by IOVA");

	/* A slice from file offset 4 pages: IOVA_B is page 4 */
	iova = IOVA_B;
	fill_pattern(mem + 4 * PG, PG, 2);
	fill_pattern(expect, PG, 2);
	tap(!map_file(iommufd, ioas, mfd, 4 * PG, 2 * PG, &iova, MAP_RW_FIXED) &&
	    !edu_load(bar, IOVA_B, X) && !edu_store(bar, IOVA_B + PG, X) &&
	    !memcmp(mem + 5 * PG, expect, X),
	    "a slice mapped from a file offset: page 4 copied to page 5");

	/* Read-only: the device can read but not write */
	iova = IOVA_RO;
	fill_pattern(mem + 6 * PG, PG, 3);
	fill_pattern(expect, PG, 3);
	tap(!map_file(iommufd, ioas, mfd, 6 * PG, PG, &iova,
		      IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA) &&
	    !edu_load(bar, IOVA_RO, X) && !edu_store(bar, IOVA_A + 7 * PG, X) &&
	    !memcmp(mem + 7 * PG, expect, X),
	    "read-only mapping: the device reads page 6");
	tap(!edu_load(bar, IOVA_A, X) && !edu_store(bar, IOVA_RO, X) &&
	    !memcmp(mem + 6 * PG, expect, PG),
	    "read-only mapping: the device's write is refused");

	/* Unmapped: nothing lands */
	tap(!unmap_iova(iommufd, ioas, IOVA_A, NPG * PG), "IOMMU_IOAS_UNMAP");
	tap(!edu_load(bar, IOVA_B, X) && !edu_store(bar, IOVA_A + 3 * PG, X) &&
	    !memcmp(mem + 3 * PG, zero, PG),
	    "after unmap a DMA to the old IOVA does not land");

	unmap_iova(iommufd, ioas, IOVA_B, 2 * PG);
	unmap_iova(iommufd, ioas, IOVA_RO, PG);
	munmap((void *)bar, 4096);
	close(edu);
	close(iommufd);
	return failed;
}
