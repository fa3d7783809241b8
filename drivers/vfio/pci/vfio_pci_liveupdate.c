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
 * While preserved, the device stays on its HWPT: VFIO_DEVICE_ATTACH_ and
 * DETACH_IOMMUFD_PT get EBUSY (the IOMMU layer's contract).
 *
 * The next kernel binds vfio-pci to the device (its first open neither
 * resets it nor clears bus mastering, see vfio_pci_core_enable()); the
 * retrieve, after the iommufd's, gives back the device's cdev bound to the
 * retrieved iommufd with its recorded device id and attached to a HWPT of
 * the recorded id around the domain the IOMMU layer adopted
 * (iommu_lu_restore()): no remapping, the DMA never stopped translating.
 *
 * See Documentation/driver-api/vfio-liveupdate.rst.
 */
#define pr_fmt(fmt) "vfio_pci_lu: " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
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
#include <linux/vfio_pci_lu_abi.h>

#include "../vfio.h"
#include "vfio_pci_priv.h"

#if IS_ENABLED(CONFIG_IOMMUFD)

static_assert(VFIO_PCI_LU_SESSION_LEN == IOMMUFD_LU_SESSION_LEN);

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
	/* No attach or detach from now on (EBUSY, see device_cdev.c) */
	device->lu_preserved = true;
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
	rec->ioas_id = cpu_to_le32(info.ioas_id);
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
	struct vfio_device *device = &lu->vdev->vdev;

	mutex_lock(&device->dev_set->lock);
	device->lu_preserved = false;
	mutex_unlock(&device->dev_set->lock);
	iommu_lu_unpreserve(lu->domain, &lu->vdev->pdev->dev);
	kho_unpreserve_folio(lu->rec);
	folio_put(lu->rec);
	kfree(lu);
	args->private = NULL;
}

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * Test only: with /sys/kernel/debug/vfio_pci_lu/test_corrupt set, a freeze
 * damages the vendor id of the record, so that the next kernel's refusal
 * of a record naming no such device can be tested (iommu_lu_vfio_corrupt).
 */
static bool vfio_pci_lu_test_corrupt;

static void vfio_pci_lu_corrupt(struct vfio_pci_lu *lu)
{
	struct vfio_pci_lu_rec *rec = folio_address(lu->rec);

	if (!vfio_pci_lu_test_corrupt)
		return;
	rec->vendor = cpu_to_le16(le16_to_cpu(rec->vendor) ^ 1);
	pci_info(lu->vdev->pdev, "test: damaged the vendor id of the record\n");
}

static void vfio_pci_lu_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("vfio_pci_lu", NULL);

	debugfs_create_bool("test_corrupt", 0600, dir,
			    &vfio_pci_lu_test_corrupt);
}
#else
static void vfio_pci_lu_corrupt(struct vfio_pci_lu *lu)
{
}

static void vfio_pci_lu_test_init(void)
{
}
#endif

/* Interrupts enabled since preserve: refuse the kexec */
static int vfio_pci_lu_freeze(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_lu *lu = args->private;

	if (vfio_pci_lu_irqs_enabled(lu->vdev)) {
		pci_warn(lu->vdev->pdev,
			 "interrupts enabled after preserve, kexec refused\n");
		return -EBUSY;
	}
	vfio_pci_lu_corrupt(lu);
	return 0;
}

/*
 * Next kernel, with the record validated and the device found: hand the
 * cdev back bound to the retrieved iommufd and attached to a HWPT of the
 * recorded id around the domain the IOMMU layer adopted.
 */
static int vfio_pci_lu_restore(struct vfio_pci_lu_rec *rec,
			       struct pci_dev *pdev, struct file **filep)
{
	struct vfio_pci_core_device *vdev;
	struct vfio_device_file *df;
	struct iommu_domain *domain;
	struct vfio_device *device;
	struct iommufd_ctx *ictx;
	struct file *ifile, *file;
	char path[64];
	u32 pt_id;
	int rc;

	if (!pdev->driver || strcmp(pdev->driver->name, "vfio-pci")) {
		pci_err(pdev, "not bound to vfio-pci: bind it before the retrieve\n");
		return -ENODEV;
	}
	vdev = dev_get_drvdata(&pdev->dev);
	device = &vdev->vdev;

	ifile = liveupdate_incoming_file(rec->iommufd_session,
					 le64_to_cpu(rec->iommufd_token));
	if (IS_ERR(ifile)) {
		pci_warn(pdev, "its iommufd (session %s, token %llu) is not retrieved: retrieve it first\n",
			 rec->iommufd_session, le64_to_cpu(rec->iommufd_token));
		return -ESRCH;
	}
	ictx = iommufd_ctx_from_file(ifile);
	fput(ifile);
	if (IS_ERR(ictx))
		return -EINVAL;

	domain = iommu_lu_restore(&pdev->dev, le64_to_cpu(rec->iommu_handle));
	if (IS_ERR(domain)) {
		pci_err(pdev, "the IOMMU layer gives no domain back (%ld)\n",
			PTR_ERR(domain));
		iommufd_ctx_put(ictx);
		return PTR_ERR(domain);
	}
	rc = iommufd_lu_hwpt_adopt(ictx, le32_to_cpu(rec->hwpt_id),
				   le32_to_cpu(rec->ioas_id), domain);
	if (rc) {
		pci_err(pdev, "cannot make HWPT %u of the adopted domain (%d)\n",
			le32_to_cpu(rec->hwpt_id), rc);
		iommu_domain_free(domain);
		iommufd_ctx_put(ictx);
		return rc;
	}

	/* The cdev as userspace would open it (devtmpfs on /dev) */
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s",
		 dev_name(&device->device));
	file = filp_open(path, O_RDWR | O_CLOEXEC, 0);
	if (IS_ERR(file)) {
		pci_err(pdev, "cannot open %s (%ld)\n", path, PTR_ERR(file));
		iommufd_ctx_put(ictx);
		return PTR_ERR(file);
	}
	df = file->private_data;
	rc = vfio_df_bind_iommufd_ctx(df, ictx, NULL);
	if (rc) {
		pci_err(pdev, "cannot bind to the retrieved iommufd (%d)\n", rc);
		goto out_fput;
	}
	mutex_lock(&device->dev_set->lock);
	rc = iommufd_lu_device_set_id(device->iommufd_device,
				      le32_to_cpu(rec->dev_id));
	if (!rc) {
		df->devid = le32_to_cpu(rec->dev_id);
		pt_id = le32_to_cpu(rec->hwpt_id);
		rc = device->ops->attach_ioas(device, &pt_id);
	}
	mutex_unlock(&device->dev_set->lock);
	if (rc) {
		pci_err(pdev, "cannot attach to HWPT %u as device %u (%d)\n",
			le32_to_cpu(rec->hwpt_id), le32_to_cpu(rec->dev_id),
			rc);
		goto out_fput;
	}
	*filep = file;
	return 0;

out_fput:
	fput(file);
	return rc;
}

/*
 * Next kernel: validate the record, find the device, hand the cdev back.
 * Errors: EINVAL malformed record or no such device, ESRCH the iommufd is
 * not retrieved yet, ENODEV the device is not bound to vfio-pci (after
 * these two a retry can work), or what restoring the domain, binding or
 * attaching returned. The record stays loaded until finish.
 */
static int vfio_pci_lu_retrieve(struct liveupdate_file_op_args *args)
{
	struct folio *folio = args->private;
	struct vfio_pci_lu_rec *rec;
	struct pci_dev *pdev;
	int rc = -EINVAL;

	if (IS_ERR(folio))
		return PTR_ERR(folio);
	if (!folio) {
		if (args->version[0] != VFIO_PCI_LU_V1)
			return -EINVAL;
		folio = kho_restore_folio(args->data[0]);
		if (!folio) {
			pr_err("record at %#llx is not preserved memory\n",
			       args->data[0]);
			args->private = ERR_PTR(-EINVAL);
			return -EINVAL;
		}
	}
	rec = folio_address(folio);
	if (folio_order(folio) || !vfio_pci_lu_rec_valid(rec)) {
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
	rc = vfio_pci_lu_restore(rec, pdev, &args->file);
	if (!rc) {
		pci_info(pdev, "handed back: device %u attached to HWPT %u\n",
			 le32_to_cpu(rec->dev_id), le32_to_cpu(rec->hwpt_id));
		/* The HWPT owns the domain: the device is an ordinary one now */
		iommu_lu_finish(le64_to_cpu(rec->iommu_handle));
	}
	pci_dev_put(pdev);
	if (!rc) {
		folio_put(folio);
		args->private = NULL;
		return 0;
	}
out:
	/*
	 * Keep the record: a retry reads it again (after ESRCH or ENODEV it
	 * can work), and finish ends the IOMMU layer's handover with it.
	 */
	args->private = folio;
	return rc;
}

/*
 * The session is done with the cdev. If it was not handed back, end the
 * IOMMU layer's handover of the device: the adopted domain is detached
 * (the group goes back to its default domain) and the device can be
 * opened, and reset, the ordinary way.
 */
static void vfio_pci_lu_finish(struct liveupdate_file_op_args *args)
{
	struct folio *folio = args->private;
	struct vfio_pci_lu_rec *rec;

	args->private = NULL;
	if (IS_ERR(folio))
		return;
	if (args->retrieved) {
		if (folio)
			folio_put(folio);
		return;
	}
	if (!folio && args->version[0] == VFIO_PCI_LU_V1)
		folio = kho_restore_folio(args->data[0]);
	if (!folio)
		return;
	rec = folio_address(folio);
	if (!folio_order(folio) &&
	    le64_to_cpu(rec->magic) == VFIO_PCI_LU_MAGIC &&
	    le32_to_cpu(rec->version) == VFIO_PCI_LU_V1)
		iommu_lu_finish(le64_to_cpu(rec->iommu_handle));
	folio_put(folio);
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
	.record_size = sizeof(struct vfio_pci_lu_rec),
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
	vfio_pci_lu_test_init();
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

#else /* !CONFIG_IOMMUFD: a cdev needs iommufd */

void vfio_pci_lu_init(void)
{
}

void vfio_pci_lu_exit(void)
{
}

#endif /* CONFIG_IOMMUFD */
