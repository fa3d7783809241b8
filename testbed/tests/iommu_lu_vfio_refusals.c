// SPDX-License-Identifier: GPL-2.0
/*
 * The refusals of the vfio-pci cdev live update handler, each with its
 * errno, on edu bound to vfio-pci under VT-d (one stage, no kexec):
 *
 * - an IOAS with a user VA area cannot be marked (EINVAL), so no HWPT of
 *   it is preserved: the iommufd is refused (EINVAL, nothing marked);
 * - the cdev before its iommufd (ESRCH), the iommufd before its memfd
 *   (ESRCH);
 * - the VFIO group fd instead of the cdev (EBADFD);
 * - interrupts enabled (EBUSY);
 * - a device that shares its IOMMU group (EXDEV): an edu behind a
 *   PCIe-to-PCI bridge with another edu (whose group fd is the one above);
 * then the right order works, the preserved device cannot be detached
 * from its HWPT (EBUSY), and closing the session drops it all.
 */
#include <libgen.h>
#include <stdbool.h>
#include <sys/eventfd.h>
#include "lu_vfio_tb.h"

#define PG	4096
#define IOVA	0x100000ULL

/* INTx with an eventfd (on), or off */
static int intx(int devfd, bool on)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} irq = { .set = {
		.argsz = sizeof(irq),
		.index = VFIO_PCI_INTX_IRQ_INDEX,
	} };

	if (on) {
		irq.set.flags = VFIO_IRQ_SET_DATA_EVENTFD |
				VFIO_IRQ_SET_ACTION_TRIGGER;
		irq.set.count = 1;
		irq.fd = eventfd(0, 0);
	} else {
		irq.set.flags = VFIO_IRQ_SET_DATA_NONE |
				VFIO_IRQ_SET_ACTION_TRIGGER;
		irq.set.argsz = sizeof(irq.set);
	}
	return ioctl(devfd, VFIO_DEVICE_SET_IRQS, &irq) ? -errno : 0;
}

/* Open the VFIO group of @bdf (/dev/vfio/N) */
static int group_open(const char *bdf)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
	return open(path, O_RDWR);
}

int main(void)
{
	int iommufd, edu, mfd, s, gfd, edu2, fd2, ret;
	uint32_t ioas, hwpt, ioas2, hwpt2;
	uint64_t iova = IOVA;
	char bdf[64], bdf2[64], bdf3[64];
	uint8_t *va;

	printf("TAP version 13\n1..13\n");
	iommufd = open("/dev/iommu", O_RDWR);
	need(iommufd >= 0, "open /dev/iommu");
	edu = vfio_open_pci(EDU_VENDOR, EDU_DEVICE, bdf);
	vfio_bind(edu, iommufd);
	ioas = ioas_alloc(iommufd);
	mfd = memfd_create("guest", 0);
	need(mfd >= 0 && !ftruncate(mfd, 4 * PG), "memfd");
	need(!map_file(iommufd, ioas, mfd, 0, 4 * PG, &iova, MAP_RW_FIXED),
	     "MAP_FILE the memfd");
	hwpt = attach(edu, ioas);
	s = lu_session_create("iommu-lu-refusals");
	need(s >= 0, "create a live update session (%d)", s);

	/* A user VA area: the IOAS cannot be marked */
	va = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	iova = IOVA + 16 * PG;
	need(va != MAP_FAILED &&
	     !map_user(iommufd, ioas, va, PG, &iova, MAP_RW_FIXED),
	     "map a user VA page");
	ret = mark(iommufd, hwpt, 1);
	tap(ret == -EINVAL,
	    "an IOAS that is not all file-backed cannot be marked: EINVAL (%d)",
	    ret);
	ret = lu_preserve(s, iommufd, 10);
	tap(ret == -EINVAL, "so the iommufd has nothing to preserve: EINVAL (%d)",
	    ret);
	need(!unmap_iova(iommufd, ioas, iova, PG), "unmap the user VA page");

	ret = mark(iommufd, hwpt, 1);
	tap(!ret, "all memfd now: HWPT %u marked (%d)", hwpt, ret);
	ret = lu_preserve(s, edu, 20);
	tap(ret == -ESRCH, "the cdev before its iommufd: ESRCH (%d)", ret);
	ret = lu_preserve(s, iommufd, 10);
	tap(ret == -ESRCH, "the iommufd before its memfd: ESRCH (%d)", ret);
	ret = lu_preserve(s, mfd, 1);
	ret = ret ?: lu_preserve(s, iommufd, 10);
	tap(!ret, "the memfd, then the iommufd preserved (%d)", ret);

	/*
	 * A group fd: of the third edu (no cdev of its group may be open
	 * while the group is)
	 */
	gfd = vfio_open_nth(EDU_VENDOR, EDU_DEVICE, 2, bdf3);
	close(gfd);
	gfd = group_open(bdf3);
	ret = gfd < 0 ? -errno : lu_preserve(s, gfd, 21);
	tap(ret == -EBADFD, "the VFIO group fd instead of the cdev: EBADFD (%d)",
	    ret);
	close(gfd);

	ret = intx(edu, true);
	ret = ret ?: lu_preserve(s, edu, 20);
	tap(ret == -EBUSY, "interrupts enabled: EBUSY (%d)", ret);
	ret = intx(edu, false);
	tap(!ret, "interrupts disabled again (%d)", ret);

	/* An edu that shares its group (behind a PCIe-to-PCI bridge) */
	edu2 = vfio_open_nth(EDU_VENDOR, EDU_DEVICE, 1, bdf2);
	fd2 = open("/dev/iommu", O_RDWR);
	vfio_bind(edu2, fd2);
	ioas2 = ioas_alloc(fd2);
	hwpt2 = attach(edu2, ioas2);
	ret = mark(fd2, hwpt2, 1);
	ret = ret ?: lu_preserve(s, fd2, 11);
	ret = ret ?: lu_preserve(s, edu2, 22);
	tap(ret == -EXDEV, "%s shares its IOMMU group: EXDEV (%d)", bdf2, ret);

	ret = lu_preserve(s, edu, 20);
	tap(!ret, "%s preserved after its iommufd (%d)", bdf, ret);
	{
		struct vfio_device_detach_iommufd_pt det = {
			.argsz = sizeof(det),
		};

		ret = ioctl(edu, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det) ? -errno : 0;
		tap(ret == -EBUSY, "a preserved device stays on its HWPT: detach EBUSY (%d)",
		    ret);
	}
	ret = close(s);
	tap(!ret, "closing the session drops the preservation (%d)", ret);
	return failed;
}
