/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-pci live update: the record one kernel hands to the next for each
 * preserved VFIO cdev (drivers/vfio/pci/vfio_pci_liveupdate.c).
 *
 * An ABI between two kernels that may be of different versions; see
 * Documentation/driver-api/vfio-liveupdate.rst.  Every field is
 * little endian.  The LUO file's data is the physical address of a page
 * holding a struct vfio_pci_lu_rec.  This header depends on fixed-size
 * types only, so that tools/liveupdate/lu-inspect reads the record as the
 * kernel does.
 */
#ifndef _LINUX_VFIO_PCI_LU_ABI_H
#define _LINUX_VFIO_PCI_LU_ABI_H

#include <asm/byteorder.h>
#include <linux/build_bug.h>
#include <linux/string.h>
#include <linux/types.h>

/* LIVEUPDATE_SESSION_NAME_LENGTH, IOMMUFD_LU_SESSION_LEN */
#define VFIO_PCI_LU_SESSION_LEN	64

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
 * @ioas_id: the object id of that HWPT's IOAS.
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
	__le32 ioas_id;
	__le64 hwpt_token;
	__le64 iommu_handle;
	__le64 iommufd_token;
	char iommufd_session[VFIO_PCI_LU_SESSION_LEN];
};

static_assert(sizeof(struct vfio_pci_lu_rec) == 128);

/**
 * vfio_pci_lu_rec_valid() - the checks of a record, before the device
 * @rec: the record, as the previous kernel wrote it.
 *
 * Return: true when magic and version are %VFIO_PCI_LU_MAGIC and
 * %VFIO_PCI_LU_V1, @rec->reserved is zero, bus and devfn fit in a byte,
 * the three object ids are set and the session name is NUL terminated.
 */
static inline bool vfio_pci_lu_rec_valid(const struct vfio_pci_lu_rec *rec)
{
	return le64_to_cpu(rec->magic) == VFIO_PCI_LU_MAGIC &&
	       le32_to_cpu(rec->version) == VFIO_PCI_LU_V1 && !rec->reserved &&
	       le16_to_cpu(rec->devfn) <= 0xff && le16_to_cpu(rec->bus) <= 0xff &&
	       le32_to_cpu(rec->dev_id) && le32_to_cpu(rec->hwpt_id) &&
	       le32_to_cpu(rec->ioas_id) &&
	       memchr(rec->iommufd_session, 0, sizeof(rec->iommufd_session));
}

#endif /* _LINUX_VFIO_PCI_LU_ABI_H */
