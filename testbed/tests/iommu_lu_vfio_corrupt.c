// SPDX-License-Identifier: GPL-2.0
/*
 * A damaged vfio-pci cdev record (VT-d, kho=on, two stages): stage 1 sets
 * up edu as iommu_lu_vfio_retrieve does and has the freeze damage the
 * record's vendor id (test-only, CONFIG_LIVEUPDATE_TEST:
 * /sys/kernel/debug/vfio_pci_lu/test_corrupt). Stage 2: the memfd and
 * the iommufd come back, the cdev is refused with EINVAL and the reason in
 * the log, twice; finishing the session ends the IOMMU layer's handover of
 * the device, which is then usable the ordinary way: opened, bound to a new
 * iommufd, attached to a new IOAS, it DMAs into a new memfd.
 */
#include <stdbool.h>
#include <sys/klog.h>
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
	int iommufd, edu, mfd, s, ret;
	uint64_t iova = IOVA;
	char bdf[64];
	FILE *f;

	printf("1..4\n");
	iommufd = open("/dev/iommu", O_RDWR);
	edu = vfio_open_pci(EDU_VENDOR, EDU_DEVICE, bdf);
	need(iommufd >= 0, "open /dev/iommu");
	vfio_bind(edu, iommufd);
	at.pt_id = ioas_alloc(iommufd);
	mfd = memfd_create("guest", 0);
	need(mfd >= 0 && !ftruncate(mfd, NPG * PG), "memfd");
	need(!map_file(iommufd, at.pt_id, mfd, 0, NPG * PG, &iova,
		       MAP_RW_FIXED), "MAP_FILE the memfd at %#llx", IOVA);
	need(!ioctl(edu, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), "attach");
	mark.hwpt_id = at.pt_id;
	ret = ioctl(iommufd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &mark);
	tap(!ret, "HWPT %u marked (%d)", at.pt_id, ret ? -errno : 0);
	ret = write_str("/sys/kernel/debug/vfio_pci_lu/test_corrupt", "1");
	tap(!ret, "test-only record damage switched on (%d)", ret);
	s = lu_session_create(SESSION);
	ret = s < 0 ? s : lu_preserve(s, mfd, 1);
	ret = ret ?: lu_preserve(s, iommufd, 2);
	ret = ret ?: lu_preserve(s, edu, 3);
	tap(!ret, "memfd, iommufd, cdev preserved (%d)", ret);
	f = tb_state_file("iommu_lu_vfio_corrupt", "w");
	ret = !f || fprintf(f, "%s\n", bdf) < 0;
	if (f)
		fclose(f);
	tap(!ret, "state saved");
	/* The session stays open through the kexec */
	need(!lu_keep_sessions(), "hold the session for the kexec");
}

static int kmsg_has(const char *needle)
{
	static char log[1 << 20];
	int n = klogctl(3, log, sizeof(log) - 1);

	if (n < 0)
		return 0;
	log[n] = 0;
	return !!strstr(log, needle);
}

static void stage2(void)
{
	volatile uint32_t *bar;
	int s, mfd, iommufd, edu, fd2, m2, ret;
	uint64_t iova = IOVA2;
	uint32_t ioas;
	uint8_t *mem;
	char bdf[64];
	FILE *f;

	printf("1..6\n");
	f = tb_state_file("iommu_lu_vfio_corrupt", "r");
	need(f && fscanf(f, "%63s", bdf) == 1, "state of stage 1");
	fclose(f);
	bind_vfio_pci(bdf);
	s = lu_session_retrieve(SESSION);
	need(s >= 0, "retrieve the session (%d)", s);
	mfd = lu_retrieve(s, 1);
	iommufd = lu_retrieve(s, 2);
	tap(mfd >= 0 && iommufd >= 0, "memfd and iommufd retrieved (%d %d)",
	    mfd, iommufd);
	edu = lu_retrieve(s, 3);
	tap(edu == -EINVAL, "the damaged cdev record: EINVAL (%d)", edu);
	tap(kmsg_has("vfio_pci_lu: record of ") && kmsg_has(": no such device"),
	    "the kernel says why (no such device)");
	edu = lu_retrieve(s, 3);
	tap(edu == -EINVAL, "and again (%d)", edu);
	ret = close(s);
	tap(!ret, "session finished by closing it");

	/* The ordinary way: a new iommufd, IOAS and memfd */
	close(iommufd);
	fd2 = open("/dev/iommu", O_RDWR);
	edu = vfio_open_pci(EDU_VENDOR, EDU_DEVICE, bdf);
	vfio_bind(edu, fd2);
	ioas = ioas_alloc(fd2);
	m2 = memfd_create("fresh", 0);
	need(m2 >= 0 && !ftruncate(m2, PG), "memfd");
	mem = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, m2, 0);
	need(mem != MAP_FAILED, "mmap");
	fill_pattern(mem, X, 5);
	need(!map_file(fd2, ioas, m2, 0, PG, &iova, MAP_RW_FIXED), "map");
	vfio_attach(edu, ioas);
	bar = map_bar(edu, 0, NULL);
	set_command(edu, PCI_COMMAND_MASTER, 0);
	ret = edu_load(bar, IOVA2, X) || edu_store(bar, IOVA2 + X, X);
	tap(!ret && !memcmp(mem, mem + X, X),
	    "the device is usable again the ordinary way: DMA through a new IOAS");
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
