// SPDX-License-Identifier: GPL-2.0
/*
 * The UAPI of a live update with an assigned device, end to end (VT-d,
 * kho=on, two stages): edu bound to vfio-pci through its cdev, a memfd
 * mapped with IOMMU_IOAS_MAP_FILE, the HWPT marked, then the memfd, the
 * iommufd and the cdev preserved through /dev/liveupdate.
 *
 * Stage 2: the cdev before the iommufd gets ESRCH; after the memfd and
 * the iommufd it comes back bound and attached (no VFIO_DEVICE_BIND or
 * ATTACH, no map): edu's factorial register and bus mastering survived (no
 * reset), edu DMAs both ways through the IOVAs of stage 1 into the
 * retrieved memfd, a new IOMMU_IOAS_MAP_FILE takes a DMA, and after
 * IOMMU_IOAS_UNMAP the IOVA reaches nothing.
 */
#include <stdbool.h>
#include "lu_vfio_tb.h"

#define PG	4096
#define NPG	4
#define IOVA	0x100000ULL
#define IOVA2	0x200000ULL
#define SESSION	"iommu-lu-vfio"
#define FACT_IN	7
#define FACT	5040
#define X	EDU_XFER

static void stage1(void)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_hwpt_liveupdate_mark_preserve mark = {
		.size = sizeof(mark), .hwpt_token = 0x1234,
	};
	volatile uint32_t *bar;
	int iommufd, edu, mfd, s, ret;
	uint64_t iova = IOVA;
	uint32_t ioas;
	uint8_t *mem;
	char bdf[64];
	FILE *f;

	printf("1..5\n");
	iommufd = open("/dev/iommu", O_RDWR);
	edu = vfio_open_pci(EDU_VENDOR, EDU_DEVICE, bdf);
	need(iommufd >= 0, "open /dev/iommu");
	vfio_bind(edu, iommufd);
	ioas = ioas_alloc(iommufd);
	at.pt_id = ioas;
	mfd = memfd_create("guest", 0);
	need(mfd >= 0 && !ftruncate(mfd, NPG * PG), "memfd");
	mem = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	need(mem != MAP_FAILED, "mmap the memfd");
	fill_pattern(mem, NPG * PG, 42);
	need(!map_file(iommufd, ioas, mfd, 0, NPG * PG, &iova,
		       MAP_RW_FIXED), "MAP_FILE the memfd at %#llx", IOVA);
	need(!ioctl(edu, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), "attach");
	mark.hwpt_id = at.pt_id;
	ret = ioctl(iommufd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &mark);
	tap(!ret, "HWPT %u marked (%d)", at.pt_id, ret ? -errno : 0);

	bar = map_bar(edu, 0, NULL);
	set_command(edu, PCI_COMMAND_MASTER, 0);
	ret = edu_load(bar, IOVA, X) || edu_store(bar, IOVA + PG, X);
	tap(!ret && !memcmp(mem, mem + PG, X),
	    "stage 1: edu copies page 0 to page 1 by IOVA");
	bar[0x08 / 4] = FACT_IN;
	/* edu computes it in the background */
	for (ret = 0; ret < 1000 && bar[0x08 / 4] != FACT; ret++)
		usleep(1000);
	tap(bar[0x08 / 4] == FACT, "factorial register holds %u", bar[0x08 / 4]);

	s = lu_session_create(SESSION);
	ret = s < 0 ? s : lu_preserve(s, mfd, 1);
	ret = ret ?: lu_preserve(s, iommufd, 2);
	ret = ret ?: lu_preserve(s, edu, 3);
	tap(!ret, "memfd, iommufd, cdev preserved in that order (%d)", ret);
	f = tb_state_file("iommu_lu_vfio_retrieve", "w");
	ret = !f || fprintf(f, "%s %u %u\n", bdf, ioas, at.pt_id) < 0;
	if (f)
		fclose(f);
	tap(!ret, "state saved");
	/* The session stays open through the kexec */
	need(!lu_keep_sessions(), "hold the session for the kexec");
}

static void stage2(void)
{
	volatile uint32_t *bar;
	int s, mfd, mfd2, iommufd, edu, ret;
	uint8_t *mem, *mem2;
	unsigned int ioas, hwpt;
	uint16_t cmd;
	uint64_t iova2 = IOVA2;
	char bdf[64];
	FILE *f;

	printf("1..10\n");
	f = tb_state_file("iommu_lu_vfio_retrieve", "r");
	need(f && fscanf(f, "%63s %u %u", bdf, &ioas, &hwpt) == 3,
	     "state of stage 1");
	fclose(f);
	bind_vfio_pci(bdf);
	s = lu_session_retrieve(SESSION);
	need(s >= 0, "retrieve the session (%d)", s);
	edu = lu_retrieve(s, 3);
	tap(edu == -ESRCH, "the cdev before its iommufd: ESRCH (%d)", edu);
	mfd = lu_retrieve(s, 1);
	iommufd = lu_retrieve(s, 2);
	edu = lu_retrieve(s, 3);
	tap(mfd >= 0 && iommufd >= 0 && edu >= 0,
	    "memfd, iommufd, cdev retrieved (%d %d %d)", mfd, iommufd, edu);
	need(mfd >= 0 && iommufd >= 0 && edu >= 0, "retrieved");
	mem = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	need(mem != MAP_FAILED, "mmap the memfd");

	bar = map_bar(edu, 0, NULL);
	tap(bar[0x08 / 4] == FACT, "not reset: factorial register %u",
	    bar[0x08 / 4]);
	cmd = cfg_read16(edu, PCI_COMMAND);
	tap(cmd & PCI_COMMAND_MASTER, "bus mastering kept (command %#x)", cmd);

	/* Both ways through the IOVAs of stage 1, no new map */
	fill_pattern(mem + 2 * PG, X, 77);
	ret = edu_load(bar, IOVA + 2 * PG, X) || edu_store(bar, IOVA + 3 * PG, X);
	tap(!ret && !memcmp(mem + 2 * PG, mem + 3 * PG, X),
	    "DMA both ways through IOVA %#llx of stage 1 (%d)", IOVA, ret);

	/* A new memfd mapped after the retrieve takes a DMA */
	mfd2 = memfd_create("more", 0);
	need(mfd2 >= 0 && !ftruncate(mfd2, PG), "second memfd");
	mem2 = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd2, 0);
	need(mem2 != MAP_FAILED, "mmap it");
	/* The retrieved IOAS has the id of stage 1 */
	ret = map_file(iommufd, ioas, mfd2, 0, PG, &iova2, MAP_RW_FIXED);
	tap(!ret, "MAP_FILE of a new memfd on IOAS %u, HWPT %u (%d)", ioas,
	    hwpt, ret ? -errno : 0);
	ret = ret ?: edu_store(bar, IOVA2, X);
	tap(!ret && !memcmp(mem2, mem + 2 * PG, X),
	    "and edu DMAs into it (%d)", ret);
	ret = unmap_iova(iommufd, ioas, IOVA2, PG);
	tap(!ret, "IOMMU_IOAS_UNMAP of it (%d)", ret ? -errno : 0);
	memset(mem2, 0, PG);
	ret = edu_store(bar, IOVA2, X);
	tap(memcmp(mem2, mem + 2 * PG, X) && !mem2[0] && !mem2[X - 1],
	    "after the unmap nothing lands there (%d)", ret);
	ret = close(s);
	tap(!ret, "session closed");
}

int main(void)
{
	printf("TAP version 13\n");
	if (stage_number() <= 1)
		stage1();
	else
		stage2();
	return failed;
}
