// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci live update: a device assigned through its VFIO cdev keeps
 * DMAing through a kexec.
 *
 * A vfio-pci cdev preserved through /dev/liveupdate (handler "vfio-pci")
 * asks the IOMMU layer to keep the device's translation across the kexec
 * (iommu_lu_preserve(): the device is not reset and keeps bus mastering,
 * its IOMMU unit keeps translating through the domain of the device's
 * HWPT) and records which device it is, which iommufd, HWPT and token it
 * belongs to, and the IOMMU layer's handle. Refused, each with its errno:
 *
 * - EBADFD: not a cdev: a VFIO group fd, or a device fd obtained from a
 *   group;
 * - ESRCH: the device's iommufd is not preserved yet (the order is memfds,
 *   then the iommufd, then the cdev);
 * - EINVAL: the device is not bound to an iommufd and attached to a HWPT
 *   marked with IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE (only an IOAS all of
 *   memfds can be marked);
 * - EXDEV: the device shares its IOMMU group;
 * - EBUSY: interrupts are enabled (VFIO_DEVICE_SET_IRQS): nothing would
 *   deliver them during and after the kexec; also at freeze, which then
 *   refuses the kexec;
 * - EOPNOTSUPP and the other errors of iommu_lu_preserve().
 *
 * See Documentation/driver-api/vfio-liveupdate.rst.
 */
#define pr_fmt(fmt) "vfio_pci_lu: " fmt

#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/iommu-lu.h>
#include <linux/iommufd-lu.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "../vfio.h"
#include "vfio_pci_priv.h"

#define VFIO_PCI_LU_MAGIC	0x696370664f554c00ULL	/* "\0LUOfpci" */
#define VFIO_PCI_LU_V1		1

/**
 * struct vfio_pci_lu_rec - the record of a preserved vfio-pci cdev (v1)
 * @magic: %VFIO_PCI_LU_MAGIC.
 * @version: %VFIO_PCI_LU_V1.
 * @reserved: zero.
 * @segment: PCI domain of the device.
 * @bus: PCI bus number.
 * @devfn: PCI device and function.
 * @vendor: PCI vendor id, checked against the device found.
 * @device: PCI device id, likewise.
 * @dev_id: the device's object id in its iommufd.
 * @hwpt_id: the object id of the marked HWPT it is attached to.
 * @hwpt_token: that HWPT's token.
 * @iommu_handle: the IOMMU layer's handle (iommu_lu_restore()).
 * @iommufd_token: the iommufd's token in its session.
 * @iommufd_session: that session's name, NUL terminated.
 */
struct vfio_pci_lu_rec {
	__le64 magic;
	__le32 version;
	__le32 reserved;
	__le32 segment;
	__le16 bus;
	__le16 devfn;
	__le16 vendor;
	__le16 device;
	__le32 dev_id;
	__le32 hwpt_id;
	__le32 reserved2;
	__le64 hwpt_token;
	__le64 iommu_handle;
	__le64 iommufd_token;
	char iommufd_session[IOMMUFD_LU_SESSION_LEN];
};

static_assert(sizeof(struct vfio_pci_lu_rec) == 128);

/* A preserved cdev (outgoing kernel) */
struct vfio_pci_lu {
	struct vfio_pci_core_device *vdev;
	struct iommu_domain *domain;
	struct folio *rec;
};

/* The vfio-pci device behind a VFIO device file, or NULL */
static struct vfio_device_file *vfio_pci_lu_df(struct file *file)
{
	struct vfio_device_file *df;

	if (!vfio_file_is_valid(file) || vfio_file_is_group(file))
		return NULL;
	df = file->private_data;
	if (!df || !df->device->ops || !df->device->ops->name ||
	    strcmp(df->device->ops->name, "vfio-pci"))
		return NULL;
	return df;
}

/*
 * Every VFIO file is ours to judge, so that a group fd gets a documented
 * errno (EBADFD) rather than "no handler".
 */
static bool vfio_pci_lu_can_preserve(struct liveupdate_file_handler *handler,
				     struct file *file)
{
	return vfio_file_is_valid(file);
}

static int vfio_pci_lu_count(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/* Whether @dev is alone in its IOMMU group */
static bool vfio_pci_lu_alone(struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);
	unsigned int n = 0;

	if (!group)
		return false;
	iommu_group_for_each_dev(group, &n, vfio_pci_lu_count);
	iommu_group_put(group);
	return n == 1;
}

static bool vfio_pci_lu_irqs_enabled(struct vfio_pci_core_device *vdev)
{
	bool on;

	mutex_lock(&vdev->igate);
	on = vdev->irq_type != VFIO_PCI_NUM_IRQS;
	mutex_unlock(&vdev->igate);
	return on;
}

static int vfio_pci_lu_preserve(struct liveupdate_file_op_args *args)
{
	struct vfio_device_file *df = vfio_pci_lu_df(args->file);
	struct iommufd_lu_dev_info info = {};
	struct vfio_pci_core_device *vdev;
	struct vfio_pci_lu_rec *rec;
	struct vfio_device *device;
	struct pci_dev *pdev;
	struct vfio_pci_lu *lu;
	u64 handle = 0;
	int rc;

	if (!df || df->group)
		return -EBADFD;
	device = df->device;
	vdev = container_of(device, struct vfio_pci_core_device, vdev);
	pdev = vdev->pdev;

	lu = kzalloc(sizeof(*lu), GFP_KERNEL);
	if (!lu)
		return -ENOMEM;
	mutex_lock(&device->dev_set->lock);
	rc = -EINVAL;
	if (!df->iommufd || !device->iommufd_device ||
	    !device->iommufd_attached)
		goto out_unlock;
	rc = iommufd_device_lu_info(device->iommufd_device, &info);
	if (rc)
		goto out_unlock;
	rc = -EXDEV;
	if (!vfio_pci_lu_alone(&pdev->dev))
		goto out_unlock;
	rc = -EBUSY;
	if (vfio_pci_lu_irqs_enabled(vdev))
		goto out_unlock;

	rc = -ENOMEM;
	lu->rec = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!lu->rec)
		goto out_unlock;
	rc = kho_preserve_folio(lu->rec);
	if (rc)
		goto out_put;
	rc = iommu_lu_preserve(info.domain, &pdev->dev, &handle);
	if (rc)
		goto out_unpreserve;
	mutex_unlock(&device->dev_set->lock);

	rec = folio_address(lu->rec);
	rec->magic = cpu_to_le64(VFIO_PCI_LU_MAGIC);
	rec->version = cpu_to_le32(VFIO_PCI_LU_V1);
	rec->segment = cpu_to_le32(pci_domain_nr(pdev->bus));
	rec->bus = cpu_to_le16(pdev->bus->number);
	rec->devfn = cpu_to_le16(pdev->devfn);
	rec->vendor = cpu_to_le16(pdev->vendor);
	rec->device = cpu_to_le16(pdev->device);
	rec->dev_id = cpu_to_le32(info.dev_id);
	rec->hwpt_id = cpu_to_le32(info.hwpt_id);
	rec->hwpt_token = cpu_to_le64(info.hwpt_token);
	rec->iommu_handle = cpu_to_le64(handle);
	rec->iommufd_token = cpu_to_le64(info.token);
	memcpy(rec->iommufd_session, info.session,
	       sizeof(rec->iommufd_session));
	lu->vdev = vdev;
	lu->domain = info.domain;
	args->data[0] = PFN_PHYS(folio_pfn(lu->rec));
	args->private = lu;
	pci_info(pdev, "preserved for live update (HWPT %u, token %llu)\n",
		 info.hwpt_id, info.hwpt_token);
	return 0;

out_unpreserve:
	kho_unpreserve_folio(lu->rec);
out_put:
	folio_put(lu->rec);
out_unlock:
	mutex_unlock(&device->dev_set->lock);
	kfree(lu);
	return rc;
}

static void vfio_pci_lu_unpreserve(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_lu *lu = args->private;

	iommu_lu_unpreserve(lu->domain, &lu->vdev->pdev->dev);
	kho_unpreserve_folio(lu->rec);
	folio_put(lu->rec);
	kfree(lu);
	args->private = NULL;
}

/* Interrupts enabled since preserve: refuse the kexec */
static int vfio_pci_lu_freeze(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_lu *lu = args->private;

	if (vfio_pci_lu_irqs_enabled(lu->vdev)) {
		pci_warn(lu->vdev->pdev,
			 "interrupts enabled after preserve, kexec refused\n");
		return -EBUSY;
	}
	return 0;
}

/*
 * Next kernel: validate the record and find the device. Handing the cdev
 * back bound and attached is not done yet (EOPNOTSUPP); the device's DMA
 * keeps translating through the domain the IOMMU layer adopted.
 */
static int vfio_pci_lu_retrieve(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_lu_rec *rec;
	struct pci_dev *pdev;
	struct folio *folio;
	int rc = -EINVAL;

	if (args->version[0] != VFIO_PCI_LU_V1)
		return -EINVAL;
	folio = kho_restore_folio(args->data[0]);
	if (!folio) {
		pr_err("record at %#llx is not preserved memory\n",
		       args->data[0]);
		return -EINVAL;
	}
	rec = folio_address(folio);
	if (folio_order(folio) ||
	    le64_to_cpu(rec->magic) != VFIO_PCI_LU_MAGIC ||
	    le32_to_cpu(rec->version) != VFIO_PCI_LU_V1 ||
	    rec->reserved || rec->reserved2 ||
	    le16_to_cpu(rec->devfn) > 0xff || le16_to_cpu(rec->bus) > 0xff ||
	    !memchr(rec->iommufd_session, 0, sizeof(rec->iommufd_session))) {
		pr_err("malformed record at %#llx\n", args->data[0]);
		goto out;
	}
	pdev = pci_get_domain_bus_and_slot(le32_to_cpu(rec->segment),
					   le16_to_cpu(rec->bus),
					   le16_to_cpu(rec->devfn));
	if (!pdev || pdev->vendor != le16_to_cpu(rec->vendor) ||
	    pdev->device != le16_to_cpu(rec->device)) {
		pr_err("record of %04x:%02x:%02x.%d: no such device\n",
		       le32_to_cpu(rec->segment), le16_to_cpu(rec->bus),
		       PCI_SLOT(le16_to_cpu(rec->devfn)),
		       PCI_FUNC(le16_to_cpu(rec->devfn)));
		pci_dev_put(pdev);
		goto out;
	}
	pci_info(pdev, "handed over (HWPT %u, token %llu); the cdev is not handed back yet\n",
		 le32_to_cpu(rec->hwpt_id), le64_to_cpu(rec->hwpt_token));
	pci_dev_put(pdev);
	rc = -EOPNOTSUPP;
out:
	folio_put(folio);
	return rc;
}

static void vfio_pci_lu_finish(struct liveupdate_file_op_args *args)
{
}

static const struct liveupdate_file_ops vfio_pci_lu_ops = {
	.can_preserve = vfio_pci_lu_can_preserve,
	.preserve = vfio_pci_lu_preserve,
	.unpreserve = vfio_pci_lu_unpreserve,
	.freeze = vfio_pci_lu_freeze,
	.retrieve = vfio_pci_lu_retrieve,
	.finish = vfio_pci_lu_finish,
};

static const u32 vfio_pci_lu_versions[] = { VFIO_PCI_LU_V1 };

static struct liveupdate_file_handler vfio_pci_lu_handler = {
	.ops = &vfio_pci_lu_ops,
	.compatible = "vfio-pci",
	.write_versions = vfio_pci_lu_versions,
	.nr_write_versions = ARRAY_SIZE(vfio_pci_lu_versions),
	.read_versions = vfio_pci_lu_versions,
	.nr_read_versions = ARRAY_SIZE(vfio_pci_lu_versions),
	.owner = THIS_MODULE,
};

/**
 * vfio_pci_lu_init() - register the vfio-pci live update file handler
 *
 * Context: module init of vfio-pci-core.
 */
void vfio_pci_lu_init(void)
{
	int rc;

	if (!IS_ENABLED(CONFIG_LIVEUPDATE))
		return;
	rc = liveupdate_register_file_handler(&vfio_pci_lu_handler);
	if (rc)
		pr_warn("cannot register the handler (%d)\n", rc);
}

/**
 * vfio_pci_lu_exit() - unregister it
 *
 * Context: module exit of vfio-pci-core.
 */
void vfio_pci_lu_exit(void)
{
	if (IS_ENABLED(CONFIG_LIVEUPDATE))
		liveupdate_unregister_file_handler(&vfio_pci_lu_handler);
}
