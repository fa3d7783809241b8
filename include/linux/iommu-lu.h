/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOMMU live update: a paging domain and the translation of the devices
 * attached to it survive a kexec, and the next kernel adopts them in place.
 *
 * The outgoing kernel preserves a domain for a device with
 * iommu_lu_preserve(); from then on the device is not reset and keeps bus
 * mastering through the kexec, and its IOMMU unit keeps translating.  The
 * IOMMU driver hands its root table, the context tables of the preserved
 * devices and the domain's page-table pages over to the next kernel through
 * Kexec HandOver, as physr lists.  The next kernel validates the handover
 * as a whole, adopts the tables in place (no copy), and attaches the
 * preserved device's group to the adopted domain when the device is probed,
 * so that its DMA keeps translating to the same memory.  The owner of the
 * domain (iommufd) takes it back with iommu_lu_restore() and ends the
 * handover with iommu_lu_finish().
 *
 * See Documentation/core-api/kho/iommu.rst.
 */
#ifndef _LINUX_IOMMU_LU_H
#define _LINUX_IOMMU_LU_H

#include <linux/err.h>
#include <linux/types.h>

struct device;
struct iommu_domain;
struct pci_dev;

/**
 * DOC: contract between the domain owner (iommufd) and the IOMMU layer
 *
 * Outgoing kernel:
 *
 * iommu_lu_preserve(domain, dev, &handle) - @domain is a paging domain
 * (IOMMU_DOMAIN_UNMANAGED, allocated by the IOMMU driver of @dev, not
 * nested) currently attached to @dev's IOMMU group, and @dev is alone in its
 * group.  Records the domain's page tables and @dev's translation for the
 * next kernel and exempts @dev (no reset, no bus-master clear at kexec) and
 * its IOMMU unit (translation stays enabled).  *@handle identifies the
 * record; the caller stores it in its own handover record and passes it to
 * iommu_lu_restore() in the next kernel.  The caller guarantees that
 * nothing is mapped into or unmapped from @domain afterwards, and that the
 * domain stays attached to @dev until kexec or iommu_lu_unpreserve().
 * Preserving a second device on the same domain is allowed and returns the
 * same domain record (one handle per device).  Returns 0, or -EOPNOTSUPP
 * (the IOMMU driver or the configuration cannot preserve: no Kexec HandOver,
 * scalable mode, ...), -EINVAL (not a paging domain of this driver, or not
 * attached to @dev), -EBUSY (@dev is already preserved), -EXDEV (@dev
 * shares its IOMMU group), -ENOMEM.  Process context, may sleep.
 *
 * iommu_lu_unpreserve(domain, dev) - rollback of iommu_lu_preserve() before
 * kexec: the record is dropped and @dev and its unit get the ordinary kexec
 * treatment again.
 *
 * iommu_lu_device_preserved(dev) - in the outgoing kernel, whether @dev has
 * been preserved; in the next kernel, whether @dev's translation was adopted
 * and has not been released by iommu_lu_finish() yet.  A driver uses it to
 * skip the reset of such a device (vfio-pci at open, freeze and shutdown).
 *
 * Next kernel:
 *
 * iommu_lu_restore(dev, handle) - returns the adopted domain (the page
 * tables as they were, same IOVAs, no copy), which is already the domain
 * attached to @dev's group: the device never stopped translating.  The
 * caller becomes the domain's owner (frees it with iommu_domain_free()).
 * iommu_device_claim_dma_owner() on @dev keeps the adopted domain attached
 * (it does not switch to the blocking domain), and iommu_attach_group() of
 * the adopted domain to @dev's group succeeds without touching the
 * hardware.  iommu_map() and iommu_unmap() work on the domain as on any
 * other.  ERR_PTR(-ENOENT) for an unknown handle or a @dev that is not the
 * handle's device (also when the whole VT-d handover was rejected),
 * -EBUSY if already restored, -EINVAL if the handover of that unit was
 * rejected (the unit was reset as 6.12 would, the device got an ordinary
 * default domain).
 *
 * iommu_lu_finish(handle) - the handover of @handle is over.  A domain
 * nobody restored is detached (the group goes back to its default domain)
 * and freed, and its device loses the "preserved" mark.  Safe to call with
 * a handle that was restored (it only clears the mark) or unknown.
 *
 * Freeing a preserved domain before kexec drops its preservation (with a
 * warning); freeing the restored domain in the next kernel is the normal
 * end of it.
 *
 * For the cores only: iommu_lu_probe_domain() gives the iommu core the
 * adopted domain to attach a probed device to, iommu_lu_domain_adopted()
 * tells it which domain to keep attached when DMA ownership is claimed,
 * and iommu_lu_pci_keep_master() tells pci_device_shutdown() which devices
 * (and bridges above them) keep bus mastering through the kexec.
 *
 * Only VT-d implements this today (CONFIG_IOMMU_LIVEUPDATE, legacy mode).
 */

#ifdef CONFIG_IOMMU_LIVEUPDATE

int iommu_lu_preserve(struct iommu_domain *domain, struct device *dev,
		      u64 *handle);
void iommu_lu_unpreserve(struct iommu_domain *domain, struct device *dev);
bool iommu_lu_device_preserved(struct device *dev);
struct iommu_domain *iommu_lu_restore(struct device *dev, u64 handle);
void iommu_lu_finish(u64 handle);

/* For the iommu core and the PCI core only. */
struct iommu_domain *iommu_lu_probe_domain(struct device *dev);
bool iommu_lu_domain_adopted(struct iommu_domain *domain);
bool iommu_lu_pci_keep_master(struct pci_dev *pdev);

#else /* CONFIG_IOMMU_LIVEUPDATE */

static inline int iommu_lu_preserve(struct iommu_domain *domain,
				    struct device *dev, u64 *handle)
{
	return -EOPNOTSUPP;
}

static inline void iommu_lu_unpreserve(struct iommu_domain *domain,
				       struct device *dev)
{
}

static inline bool iommu_lu_device_preserved(struct device *dev)
{
	return false;
}

static inline struct iommu_domain *iommu_lu_restore(struct device *dev,
						    u64 handle)
{
	return ERR_PTR(-ENOENT);
}

static inline void iommu_lu_finish(u64 handle)
{
}

static inline struct iommu_domain *iommu_lu_probe_domain(struct device *dev)
{
	return NULL;
}

static inline bool iommu_lu_domain_adopted(struct iommu_domain *domain)
{
	return false;
}

static inline bool iommu_lu_pci_keep_master(struct pci_dev *pdev)
{
	return false;
}

#endif /* CONFIG_IOMMU_LIVEUPDATE */

#endif /* _LINUX_IOMMU_LU_H */
