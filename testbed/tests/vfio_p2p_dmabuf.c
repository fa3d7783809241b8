// SPDX-License-Identifier: GPL-2.0
/*
 * Peer-to-peer DMA with no struct page: ivshmem's BAR2 is exported as a
 * dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF, two ranges given out of order),
 * mapped with IOMMU_IOAS_MAP_FILE into the IOAS of the edu device, and
 * edu's DMA engine writes patterns into it by IOVA. The bytes are checked
 * through the BAR's own mapping and, after the boot, by the host in
 * ivshmem's backing file ("# host-check" lines).
 *
 * Then access is revoked, by clearing memory enable in ivshmem's command
 * register and by VFIO_DEVICE_RESET: a DMA to the mapped IOVA must not
 * land (VT-d reports a translation fault for it: the mapping is gone, not
 * only the BAR silent), mapping the revoked dma-buf fails with ENODEV, and
 * once memory decoding is back a new mapping works while the old one stays
 * dead.
 * Bad requests to the exporter get their documented errnos, and closing
 * the device revokes the dma-buf for good.
 *
 * BAR2 offsets used (each written once per boot, zero before):
 *   0x300000 dma-buf offset 0		pattern 11, host-checked
 *   0x200100 dma-buf offset 0x10100	pattern 12, host-checked
 *   0x302000 DMA while memory is disabled: stays zero, host-checked
 *   0x303000 new mapping after re-enable: pattern 14, host-checked
 *   0x304000 old mapping after re-enable: stays zero, host-checked
 *   0x306000 old mapping in a new domain: stays zero, host-checked
 *   0x307000 new mapping in a new domain: pattern 20, host-checked
 *
 * The reset is done on a second ivshmem (1 MiB of RAM, checked through its
 * BAR mapping only) that the boot puts behind a PCIe root port: alone on
 * its bus it has a bus reset, which the one on the root bus lacks.
 */
#include "vfio_tb.h"

#define PG 4096
#define X EDU_XFER
#define IOVA_MEM 0x100000ULL	/* memfd page the patterns come from */
#define IOVA_DB 0x800000ULL	/* the dma-buf */
#define IOVA_DB2 0xc00000ULL	/* the dma-buf mapped again */
#define IOVA_DB3 0x1000000ULL	/* the second ivshmem's dma-buf */
#define DB_LEN 0x20000ULL
#define R1_OFF 0x300000ULL	/* first range: dma-buf offset 0 */
#define R2_OFF 0x200000ULL	/* second range: dma-buf offset 0x10000 */

static int iommufd, edu, ivs;
static uint32_t ioas;
static volatile void *edu_bar;
static uint8_t *mem;

/* Put pattern @seed in the edu buffer (via the memfd page), then DMA it */
static int dma_pattern(uint32_t seed, uint64_t iova)
{
	fill_pattern(mem, X, seed);
	if (edu_load(edu_bar, IOVA_MEM, X))
		return -1;
	return edu_store(edu_bar, iova, X);
}

static int export_dev(int dev, uint32_t region, uint32_t flags,
		      uint32_t open_flags,
		      const struct vfio_region_dma_range *r, uint32_t nr)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf db;
		struct vfio_region_dma_range r[4];
	} __attribute__((packed)) req = {
		.f.argsz = sizeof(req),
		.f.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF,
		.db.region_index = region,
		.db.open_flags = open_flags,
		.db.flags = flags,
		.db.nr_ranges = nr,
	};

	/* More than fit here: only the count matters (E2BIG) */
	if (nr <= 4)
		memcpy(req.r, r, nr * sizeof(*r));
	return ioctl(dev, VFIO_DEVICE_FEATURE, &req);
}

static int export(uint32_t region, uint32_t flags, uint32_t open_flags,
		  const struct vfio_region_dma_range *r, uint32_t nr)
{
	return export_dev(ivs, region, flags, open_flags, r, nr);
}

static int export_from(int dev, uint32_t region,
		       const struct vfio_region_dma_range *r, uint32_t nr)
{
	return export_dev(dev, region, 0, O_CLOEXEC | O_RDWR, r, nr);
}

static void expect_errno(int ret, int err, const char *what)
{
	tap(ret == -1 && errno == err, "%s: %s (got %d, %s)", what,
	    strerror(err), ret, ret == -1 ? strerror(errno) : "no error");
	if (ret >= 0)
		close(ret);
}

int main(void)
{
	const struct vfio_region_dma_range two[2] = {
		{ .offset = R1_OFF, .length = 0x10000 },
		{ .offset = R2_OFF, .length = 0x10000 },
	};
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint8_t expect[X], zero[X] = { 0 };
	uint8_t *ivs_bar;
	size_t ivs_size;
	uint64_t iova;
	char bdf[64];
	int mfd, dbuf, kfd;

	printf("TAP version 13\n1..36\n");
	edu = edu_attach_new_ioas(&iommufd, &ioas, bdf);
	edu_bar = edu_enable(edu);

	ivs = vfio_open_pci(IVSHMEM_VENDOR, IVSHMEM_DEVICE, bdf);
	vfio_bind(ivs, iommufd);
	set_command(ivs, PCI_COMMAND_MEMORY, 0);
	ivs_bar = map_bar(ivs, VFIO_PCI_BAR2_REGION_INDEX, &ivs_size);
	tap(ivs_size == 16 << 20, "ivshmem %s bound, BAR2 of %zu bytes mapped",
	    bdf, ivs_size);

	mfd = memfd_create("p2p_src", 0);
	need(mfd >= 0 && !ftruncate(mfd, PG), "memfd");
	mem = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	need(mem != MAP_FAILED, "mmap memfd");
	iova = IOVA_MEM;
	need(!map_file(iommufd, ioas, mfd, 0, PG, &iova, MAP_RW_FIXED),
	     "map the source memfd");

	/* Export: two ranges, the higher one first */
	dbuf = export(VFIO_PCI_BAR2_REGION_INDEX, 0, O_CLOEXEC | O_RDWR, two, 2);
	tap(dbuf >= 0, "VFIO_DEVICE_FEATURE_DMA_BUF of two BAR2 ranges");
	need(dbuf >= 0, "dma-buf");
	tap(lseek(dbuf, 0, SEEK_END) == DB_LEN, "the dma-buf is %#llx bytes",
	    (unsigned long long)DB_LEN);

	iova = IOVA_DB;
	tap(!map_file(iommufd, ioas, dbuf, 0, DB_LEN, &iova, MAP_RW_FIXED),
	    "IOMMU_IOAS_MAP_FILE of the dma-buf at %#llx",
	    (unsigned long long)IOVA_DB);

	/* P2P: edu writes into ivshmem's BAR by IOVA */
	fill_pattern(expect, X, 11);
	tap(!dma_pattern(11, IOVA_DB) && !memcmp(ivs_bar + R1_OFF, expect, X),
	    "edu DMA to dma-buf offset 0 landed at BAR2 %#llx",
	    (unsigned long long)R1_OFF);
	host_check(expect, R1_OFF, X, "p2p_range1");
	fill_pattern(expect, X, 12);
	tap(!dma_pattern(12, IOVA_DB + 0x10100) &&
	    !memcmp(ivs_bar + R2_OFF + 0x100, expect, X),
	    "edu DMA to dma-buf offset 0x10100 landed at BAR2 %#llx",
	    (unsigned long long)R2_OFF + 0x100);
	host_check(expect, R2_OFF + 0x100, X, "p2p_range2");

	/* And reads from it: BAR -> edu -> memfd */
	fill_pattern(expect, X, 11);
	memset(mem + X, 0, X);
	tap(!edu_load(edu_bar, IOVA_DB, X) &&
	    !edu_store(edu_bar, IOVA_MEM + X, X) && !memcmp(mem + X, expect, X),
	    "edu DMA read the BAR through the dma-buf mapping");

	/* Emulated access cannot touch device memory: covered by errnos */
	expect_errno(map_file(iommufd, ioas, dbuf, DB_LEN - PG, 2 * PG, &iova,
			      MAP_RW), EINVAL, "MAP_FILE past the dma-buf end");

	/*
	 * Revoke: memory enable off. A BAR that does not decode drops writes
	 * anyway, so what proves the revocation is the IOMMU: the mapping is
	 * gone, and VT-d reports edu's write as a translation fault.
	 */
	set_command(ivs, 0, PCI_COMMAND_MEMORY);
	sleep(6);	/* past the rate limit of earlier faults' reports */
	kfd = kmsg_from_now();
	need(kfd >= 0, "open /dev/kmsg");
	tap(!dma_pattern(13, IOVA_DB + 0x2000),
	    "memory enable cleared, edu DMA to the dma-buf ran");
	tap(dmar_fault_logged(kfd, IOVA_DB + 0x2000),
	    "the IOMMU refused it: DMAR fault at IOVA %#llx (mapping revoked)",
	    (unsigned long long)IOVA_DB + 0x2000);
	close(kfd);
	iova = IOVA_DB2;
	expect_errno(map_file(iommufd, ioas, dbuf, 0, DB_LEN, &iova,
			      MAP_RW_FIXED), ENODEV,
		     "MAP_FILE of a revoked dma-buf");
	set_command(ivs, PCI_COMMAND_MEMORY, 0);
	tap(!memcmp(ivs_bar + R1_OFF + 0x2000, zero, X),
	    "the DMA while memory was disabled did not land");
	host_check(zero, R1_OFF + 0x2000, X, "p2p_revoked_memory_disabled");

	/* Re-enabled: a new mapping works, the old one stays revoked */
	iova = IOVA_DB2;
	tap(!map_file(iommufd, ioas, dbuf, 0, DB_LEN, &iova, MAP_RW_FIXED),
	    "memory enabled again: the dma-buf maps again");
	fill_pattern(expect, X, 14);
	tap(!dma_pattern(14, IOVA_DB2 + 0x3000) &&
	    !memcmp(ivs_bar + R1_OFF + 0x3000, expect, X),
	    "edu DMA through the new mapping landed");
	host_check(expect, R1_OFF + 0x3000, X, "p2p_after_reenable");
	tap(!dma_pattern(15, IOVA_DB + 0x4000) &&
	    !memcmp(ivs_bar + R1_OFF + 0x4000, zero, X),
	    "edu DMA through the revoked mapping did not land");
	host_check(zero, R1_OFF + 0x4000, X, "p2p_old_mapping_stays_revoked");

	/*
	 * A new domain for the IOAS (edu detached, its domain freed, edu
	 * attached again): the revoked area stays out of it, the others are
	 * mapped into it.
	 */
	{
		struct vfio_device_detach_iommufd_pt detach = {
			.argsz = sizeof(detach),
		};

		tap(!ioctl(edu, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach),
		    "edu detached from the IOAS, its domain freed");
		vfio_attach(edu, ioas);
	}
	tap(!dma_pattern(19, IOVA_DB + 0x6000) &&
	    !memcmp(ivs_bar + R1_OFF + 0x6000, zero, X),
	    "in a new domain the revoked mapping stays unmapped");
	host_check(zero, R1_OFF + 0x6000, X, "p2p_revoked_new_domain");
	fill_pattern(expect, X, 20);
	tap(!dma_pattern(20, IOVA_DB2 + 0x7000) &&
	    !memcmp(ivs_bar + R1_OFF + 0x7000, expect, X),
	    "in a new domain the live mapping works");
	host_check(expect, R1_OFF + 0x7000, X, "p2p_live_new_domain");

	tap(!unmap_iova(iommufd, ioas, IOVA_DB, DB_LEN),
	    "IOMMU_IOAS_UNMAP of the revoked mapping");

	/*
	 * Revoke: device reset. ivshmem on the root bus has no reset method;
	 * the boot adds a second one alone behind a root port, which has a
	 * bus reset.
	 */
	{
		const struct vfio_region_dma_range r = { 0, 0x10000 };
		uint64_t iova3 = IOVA_DB3;
		uint8_t *bar2;
		int ivs2, dbuf2;

		ivs2 = vfio_open_nth(IVSHMEM_VENDOR, IVSHMEM_DEVICE, 1, bdf);
		vfio_bind(ivs2, iommufd);
		set_command(ivs2, PCI_COMMAND_MEMORY, 0);
		bar2 = map_bar(ivs2, VFIO_PCI_BAR2_REGION_INDEX, NULL);
		need(!ioctl(ivs2, VFIO_DEVICE_GET_INFO, &info),
		     "VFIO_DEVICE_GET_INFO");
		tap(info.flags & VFIO_DEVICE_FLAGS_RESET,
		    "ivshmem %s behind a root port can be reset", bdf);
		dbuf2 = export_from(ivs2, VFIO_PCI_BAR2_REGION_INDEX, &r, 1);
		fill_pattern(expect, X, 16);
		tap(dbuf2 >= 0 &&
		    !map_file(iommufd, ioas, dbuf2, 0, r.length, &iova3,
			      MAP_RW_FIXED) &&
		    !dma_pattern(16, IOVA_DB3) && !memcmp(bar2, expect, X),
		    "its dma-buf mapped, edu DMA landed in its BAR");
		tap(!ioctl(ivs2, VFIO_DEVICE_RESET), "VFIO_DEVICE_RESET");
		tap(!dma_pattern(17, IOVA_DB3 + 0x1000) &&
		    !memcmp(bar2 + 0x1000, zero, X),
		    "after the reset, DMA through the old mapping did not land");
		iova3 = IOVA_DB3 + 0x100000;
		fill_pattern(expect, X, 18);
		tap(!map_file(iommufd, ioas, dbuf2, 0, r.length, &iova3,
			      MAP_RW_FIXED) &&
		    !dma_pattern(18, iova3 + 0x2000) &&
		    !memcmp(bar2 + 0x2000, expect, X),
		    "after the reset a new mapping works");
		unmap_iova(iommufd, ioas, IOVA_DB3, r.length);
		unmap_iova(iommufd, ioas, iova3, r.length);
		close(dbuf2);
		munmap(bar2, 1 << 20);
		close(ivs2);
	}
	tap(!unmap_iova(iommufd, ioas, IOVA_DB2, DB_LEN),
	    "IOMMU_IOAS_UNMAP of the second mapping");

	/* Bad requests to the exporter */
	{
		struct vfio_region_dma_range r;

		expect_errno(export(VFIO_PCI_BAR1_REGION_INDEX, 0, 0, two, 1),
			     ENODEV, "export of an absent BAR");
		expect_errno(export(VFIO_PCI_ROM_REGION_INDEX, 0, 0, two, 1),
			     ENODEV, "export of the ROM region");
		expect_errno(export(VFIO_PCI_BAR0_REGION_INDEX, 0, 0, two, 0),
			     EINVAL, "export of zero ranges");
		r = (struct vfio_region_dma_range){ 0, 0x1000 };
		expect_errno(export(VFIO_PCI_BAR0_REGION_INDEX, 0, 0, &r, 1),
			     EINVAL, "export of BAR0 (256 bytes, not mmap-able)");
		r = (struct vfio_region_dma_range){ 0x800, 0x1000 };
		expect_errno(export(VFIO_PCI_BAR2_REGION_INDEX, 0, 0, &r, 1),
			     EINVAL, "export of an unaligned range");
		r = (struct vfio_region_dma_range){ 0x1000, 0 };
		expect_errno(export(VFIO_PCI_BAR2_REGION_INDEX, 0, 0, &r, 1),
			     EINVAL, "export of an empty range");
		r = (struct vfio_region_dma_range){ (16 << 20) - 0x1000,
						    0x2000 };
		expect_errno(export(VFIO_PCI_BAR2_REGION_INDEX, 0, 0, &r, 1),
			     EINVAL, "export of a range past the BAR");
		{
			const struct vfio_region_dma_range ov[2] = {
				{ 0x10000, 0x4000 }, { 0xe000, 0x4000 },
			};

			expect_errno(export(VFIO_PCI_BAR2_REGION_INDEX, 0, 0,
					    ov, 2), EINVAL,
				     "export of overlapping ranges");
		}
		expect_errno(export(VFIO_PCI_BAR2_REGION_INDEX, 1, 0, two, 1),
			     EINVAL, "export with non-zero flags");
		expect_errno(export(VFIO_PCI_BAR2_REGION_INDEX, 0, 0, two,
				    65537), E2BIG, "export of 65537 ranges");
	}

	/* Close of the device revokes for good */
	munmap(ivs_bar, ivs_size);
	close(ivs);
	iova = IOVA_DB2;
	expect_errno(map_file(iommufd, ioas, dbuf, 0, DB_LEN, &iova,
			      MAP_RW_FIXED), ENODEV,
		     "MAP_FILE of a dma-buf whose device is closed");
	close(dbuf);

	unmap_iova(iommufd, ioas, IOVA_MEM, PG);
	close(edu);
	close(iommufd);
	return failed;
}
