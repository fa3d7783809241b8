// SPDX-License-Identifier: GPL-2.0
/*
 * The edges of VFIO_DEVICE_FEATURE_DMA_BUF, on an e1000e bound to vfio-pci
 * (chosen for its power management capability; its BAR0 of 128 KiB is the
 * exported memory, no DMA is done) and a virtio-net device bound to the
 * virtio_vfio_pci variant driver:
 *
 *  - a variant driver that does not opt in to the export (a device op)
 *    does not have the feature: ENOTTY, also for PROBE;
 *  - a dma-buf opened read-only cannot be mapped writeable (EPERM);
 *  - access revoked by D3hot does not come back when memory decoding is
 *    enabled in the command register while the device is still in D3hot,
 *    only once it is back in D0;
 *  - revocation waits for the fences of the dma-buf's reservation object
 *    (DMA another importer may still have in flight): an unsignalled
 *    sw_sync fence imported as a write fence holds the command register
 *    write that revokes until it signals;
 *  - a dma-buf keeps the device registered: unbinding vfio-pci waits until
 *    the last dma-buf is closed, even after the device fd is closed.
 *
 * Whether access is allowed is read from IOMMU_IOAS_MAP_FILE: ENODEV while
 * the exporter has revoked it, success when it allows it.
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>

#include "vfio_tb.h"

#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
#define BAR_LEN		0x20000ULL
#define IOVA		0x1000000ULL
#define VIRTIO_VENDOR	0x1af4
#define VIRTIO_NET_MODERN	0x1041
#define VIRTIO_BAR	VFIO_PCI_BAR4_REGION_INDEX

/* drivers/dma-buf/sw_sync.c (debugfs, CONFIG_SW_SYNC) */
struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};

#define SW_SYNC_IOC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC _IOW('W', 1, __u32)

static int iommufd;
static uint32_t ioas;

static int export_range(int dev, uint32_t region, uint64_t len,
			uint32_t open_flags, uint32_t feature_flags)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf db;
		struct vfio_region_dma_range r[1];
	} __attribute__((packed)) req = {
		.f.argsz = sizeof(req),
		.f.flags = feature_flags | VFIO_DEVICE_FEATURE_DMA_BUF,
		.db.region_index = region,
		.db.open_flags = open_flags,
		.db.nr_ranges = 1,
		.r[0] = { .offset = 0, .length = len },
	};

	return ioctl(dev, VFIO_DEVICE_FEATURE, &req);
}

static int export_bar0(int dev, uint32_t open_flags)
{
	return export_range(dev, VFIO_PCI_BAR0_REGION_INDEX, BAR_LEN,
			    open_flags, VFIO_DEVICE_FEATURE_GET);
}

/* The variant driver's name: its module name */
static const char *virtio_vfio_driver(void)
{
	if (!access("/sys/bus/pci/drivers/virtio_vfio_pci", F_OK))
		return "virtio_vfio_pci";
	return "virtio-vfio-pci";
}

/* 0 when the dma-buf maps (and unmaps again), else the errno */
static int try_map(int dbuf, uint32_t flags)
{
	uint64_t iova = IOVA;

	if (map_file(iommufd, ioas, dbuf, 0, BAR_LEN, &iova,
		     flags | IOMMU_IOAS_MAP_FIXED_IOVA))
		return errno;
	if (unmap_iova(iommufd, ioas, iova, BAR_LEN))
		return -1;
	return 0;
}

static unsigned int find_pm_cap(int dev)
{
	unsigned int pos = cfg_read16(dev, PCI_CAPABILITY_LIST) & 0xff;
	int n;

	for (n = 0; pos && n < 48; n++) {
		uint16_t hdr = cfg_read16(dev, pos);

		if ((hdr & 0xff) == PCI_CAP_ID_PM)
			return pos;
		pos = hdr >> 8;
	}
	return 0;
}

static void set_power(int dev, unsigned int pm, unsigned int state)
{
	uint16_t ctrl = cfg_read16(dev, pm + PCI_PM_CTRL);

	cfg_write16(dev, pm + PCI_PM_CTRL,
		    (ctrl & ~PCI_PM_CTRL_STATE_MASK) | state);
}

int main(void)
{
	char bdf[64], path[128];
	int dev, dbuf, rbuf, rc, status;
	unsigned int pm;
	pid_t pid;

	printf("TAP version 13\n1..18\n");
	iommufd = open("/dev/iommu", O_RDWR);
	need(iommufd >= 0, "open /dev/iommu");
	ioas = ioas_alloc(iommufd);

	/* A variant driver that has not opted in: no export */
	{
		struct vfio_region_info info;
		int vdev;

		vdev = vfio_open_drv(VIRTIO_VENDOR, VIRTIO_NET_MODERN, 0,
				     virtio_vfio_driver(), bdf);
		vfio_bind(vdev, iommufd);
		set_command(vdev, PCI_COMMAND_MEMORY, 0);
		info = region_info(vdev, VIRTIO_BAR);
		tap(info.size >= 4096 && (info.flags & VFIO_REGION_INFO_FLAG_MMAP),
		    "virtio-net %s bound to %s, BAR4 of %llu bytes mmap-able",
		    bdf, virtio_vfio_driver(), (unsigned long long)info.size);
		rc = export_range(vdev, VIRTIO_BAR, 4096, O_CLOEXEC | O_RDWR,
				  VFIO_DEVICE_FEATURE_PROBE |
					  VFIO_DEVICE_FEATURE_GET);
		tap(rc == -1 && errno == ENOTTY,
		    "variant driver: PROBE of the dma-buf feature, ENOTTY (got %d %s)",
		    rc, rc ? strerror(errno) : "");
		rc = export_range(vdev, VIRTIO_BAR, 4096, O_CLOEXEC | O_RDWR,
				  VFIO_DEVICE_FEATURE_GET);
		tap(rc == -1 && errno == ENOTTY,
		    "variant driver: no dma-buf of its BAR, ENOTTY (got %d %s)",
		    rc, rc < 0 ? strerror(errno) : "an fd");
		if (rc >= 0)
			close(rc);
		close(vdev);
	}

	dev = vfio_open_pci(E1000E_VENDOR, E1000E_DEVICE, bdf);
	vfio_bind(dev, iommufd);
	set_command(dev, PCI_COMMAND_MEMORY, 0);
	pm = find_pm_cap(dev);
	tap(pm != 0, "e1000e %s bound to vfio-pci, PM capability at %#x", bdf,
	    pm);

	/* Permissions: the dma-buf fd's mode, as for a memfd */
	rbuf = export_bar0(dev, O_CLOEXEC | O_RDONLY);
	need(rbuf >= 0, "export BAR0 read-only");
	rc = try_map(rbuf, MAP_RW);
	tap(rc == EPERM, "read-only dma-buf mapped writeable: EPERM (got %s)",
	    rc ? strerror(rc) : "success");
	rc = try_map(rbuf, IOMMU_IOAS_MAP_READABLE);
	tap(rc == 0, "read-only dma-buf mapped readable (got %s)",
	    rc ? strerror(rc) : "success");
	close(rbuf);

	/* Power state: D3hot revokes, memory enable alone does not restore */
	dbuf = export_bar0(dev, O_CLOEXEC | O_RDWR);
	need(dbuf >= 0, "export BAR0");
	rc = try_map(dbuf, MAP_RW);
	tap(rc == 0, "D0, memory enabled: the dma-buf maps (got %s)",
	    rc ? strerror(rc) : "success");
	need(pm != 0, "a PM capability");
	set_power(dev, pm, 3);
	tap((cfg_read16(dev, pm + PCI_PM_CTRL) & PCI_PM_CTRL_STATE_MASK) == 3,
	    "PMCSR says D3hot");
	rc = try_map(dbuf, MAP_RW);
	tap(rc == ENODEV, "D3hot: access revoked, ENODEV (got %s)",
	    rc ? strerror(rc) : "success");
	set_command(dev, 0, PCI_COMMAND_MEMORY);
	set_command(dev, PCI_COMMAND_MEMORY, 0);
	rc = try_map(dbuf, MAP_RW);
	tap(rc == ENODEV,
	    "D3hot, memory enable written: still revoked, ENODEV (got %s)",
	    rc ? strerror(rc) : "success");
	set_power(dev, pm, 0);
	rc = try_map(dbuf, MAP_RW);
	tap(rc == 0, "back in D0 with memory enabled: the dma-buf maps (got %s)",
	    rc ? strerror(rc) : "success");

	/*
	 * Fences: an importer's DMA that has not finished (an unsignalled
	 * write fence) holds the revocation until it signals.
	 */
	{
		struct sw_sync_create_fence_data fence = {
			.value = 1, .name = "vfio_dmabuf_hard",
		};
		struct dma_buf_import_sync_file imp = {
			.flags = DMA_BUF_SYNC_WRITE,
		};
		struct pollfd pfd = { .fd = dbuf, .events = POLLOUT };
		__u32 inc = 1;
		int tl, i;

		tl = open("/sys/kernel/debug/sync/sw_sync", O_RDWR);
		need(tl >= 0, "open sw_sync");
		need(!ioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &fence),
		     "SW_SYNC_IOC_CREATE_FENCE");
		imp.fd = fence.fence;
		need(!ioctl(dbuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp),
		     "DMA_BUF_IOCTL_IMPORT_SYNC_FILE");
		need(poll(&pfd, 1, 0) == 0, "the dma-buf is busy");
		pid = fork();
		need(pid >= 0, "fork");
		if (!pid) {
			set_command(dev, 0, PCI_COMMAND_MEMORY);
			_exit(0);
		}
		sleep(2);
		rc = waitpid(pid, &status, WNOHANG);
		tap(rc == 0,
		    "revocation (memory enable cleared) waits for an unsignalled fence");
		need(!ioctl(tl, SW_SYNC_IOC_INC, &inc), "SW_SYNC_IOC_INC");
		for (i = 0; i < 100 && rc == 0; i++) {
			usleep(100000);
			rc = waitpid(pid, &status, WNOHANG);
		}
		tap(rc == pid && WIFEXITED(status) && !WEXITSTATUS(status),
		    "and finishes once the fence signals");
		rc = try_map(dbuf, MAP_RW);
		tap(rc == ENODEV, "revoked: ENODEV (got %s)",
		    rc ? strerror(rc) : "success");
		set_command(dev, PCI_COMMAND_MEMORY, 0);
		rc = try_map(dbuf, MAP_RW);
		tap(rc == 0, "memory enabled again: the dma-buf maps (got %s)",
		    rc ? strerror(rc) : "success");
		close(fence.fence);
		close(tl);
	}

	/*
	 * Lifetime: with the device closed, the dma-buf still holds its
	 * registration, so an unbind of vfio-pci waits for it.
	 */
	close(dev);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf);
	pid = fork();
	need(pid >= 0, "fork");
	if (!pid) {
		/* Only the parent holds the dma-buf */
		close(dbuf);
		close(iommufd);
		_exit(write_str(path, bdf) ? 1 : 0);
	}
	sleep(2);
	rc = waitpid(pid, &status, WNOHANG);
	tap(rc == 0, "unbind of vfio-pci waits while a dma-buf is open");
	close(dbuf);
	if (rc == 0) {
		int i;

		/* The dma-buf is released from a work item: give it time */
		for (i = 0; i < 100 && !(rc = waitpid(pid, &status, WNOHANG));
		     i++)
			usleep(100000);
		if (!rc) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	tap(rc == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	    "the unbind finishes once the dma-buf is closed");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	tap(access(path, F_OK) != 0, "%s has no driver any more", bdf);

	close(iommufd);
	return failed;
}
