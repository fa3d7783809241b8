/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd live update, the part a device driver's live update handler
 * (vfio-pci's) uses: what iommufd knows about a bound device whose HWPT
 * is marked for preservation.  See
 * Documentation/userspace-api/iommufd-liveupdate.rst.
 */
#ifndef _LINUX_IOMMUFD_LU_H
#define _LINUX_IOMMUFD_LU_H

#include <linux/err.h>
#include <linux/iommufd_lu_abi.h>
#include <linux/types.h>

struct iommu_domain;
struct iommufd_device;

/**
 * struct iommufd_lu_dev_info - a bound device, as a live update sees it
 * @dev_id: the device's object id in its iommufd.
 * @ioas_id: the object id of the HWPT's IOAS.
 * @hwpt_id: the object id of the marked HWPT it is attached to.
 * @hwpt_token: that HWPT's token.
 * @domain: that HWPT's domain.
 * @session: the session that preserves the iommufd (NUL terminated).
 * @token: the iommufd's token in that session.
 */
struct iommufd_lu_dev_info {
	u32 dev_id;
	u32 ioas_id;
	u32 hwpt_id;
	u64 hwpt_token;
	struct iommu_domain *domain;
	char session[IOMMUFD_LU_SESSION_LEN];
	u64 token;
};

struct iommufd_ctx;

#if IS_ENABLED(CONFIG_IOMMUFD) && IS_ENABLED(CONFIG_LIVEUPDATE)
int iommufd_device_lu_info(struct iommufd_device *idev,
			   struct iommufd_lu_dev_info *info);
int iommufd_lu_hwpt_adopt(struct iommufd_ctx *ictx, u32 hwpt_id, u32 ioas_id,
			  struct iommu_domain *domain);
int iommufd_lu_device_set_id(struct iommufd_device *idev, u32 id);
#else
static inline int iommufd_device_lu_info(struct iommufd_device *idev,
					 struct iommufd_lu_dev_info *info)
{
	return -EOPNOTSUPP;
}

static inline int iommufd_lu_hwpt_adopt(struct iommufd_ctx *ictx, u32 hwpt_id,
					u32 ioas_id,
					struct iommu_domain *domain)
{
	return -EOPNOTSUPP;
}

static inline int iommufd_lu_device_set_id(struct iommufd_device *idev,
					   u32 id)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_IOMMUFD_LU_H */
