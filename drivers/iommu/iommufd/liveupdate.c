// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd live update: HWPTs marked for preservation across kexec.
 *
 * IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE marks a paging HWPT: its domain (and
 * the device translation through it) is meant to survive a live update,
 * and userspace names it by a token it picks, unique in the iommufd. From
 * the mark on, the IOAS the HWPT maps is immutable: IOMMU_IOAS_MAP,
 * IOMMU_IOAS_MAP_FILE, IOMMU_IOAS_UNMAP and an IOMMU_IOAS_COPY into it get
 * -EBUSY, because what the next kernel finds in the domain must be exactly
 * what the handover records say. There is no unmark: the mark goes with
 * the HWPT when it is destroyed, which makes the IOAS mutable again.
 *
 * Only an IOAS whose every area maps a memfd through IOMMU_IOAS_MAP_FILE
 * can be marked: the memfd's folios are what LUO carries to the next
 * kernel; user VA mappings and dma-bufs (device memory) have nothing the
 * next kernel could pin again.
 *
 * Locking: iommufd_lu_lock serializes marks (the token check and the
 * mark itself); an io_pagetable's lu_preserved count is changed and read
 * under its iova_rwsem, the lock every map and unmap takes for writing.
 *
 * See Documentation/userspace-api/iommufd-liveupdate.rst.
 */
#include <linux/file.h>
#include <linux/iommufd.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"
#include "iommufd_private.h"

static DEFINE_MUTEX(iommufd_lu_lock);

/*
 * Make @iopt immutable for a marked HWPT, if every area of it maps a
 * memfd. Returns -EINVAL if one does not, -EBUSY if an area is being
 * mapped or unmapped right now.
 */
static int iopt_lu_freeze(struct io_pagetable *iopt)
{
	struct iopt_area *area;
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX)) {
		if (!area->pages) {
			rc = -EBUSY;
			goto out;
		}
		if (!iopt_file_memfd(area->pages)) {
			rc = -EINVAL;
			goto out;
		}
	}
	iopt->lu_preserved++;
out:
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_lu_thaw() - a marked HWPT of @iopt is gone
 * @iopt: the io_pagetable of the HWPT's IOAS
 *
 * Context: process context; takes @iopt's iova_rwsem.
 */
void iopt_lu_thaw(struct io_pagetable *iopt)
{
	down_write(&iopt->iova_rwsem);
	if (!WARN_ON(!iopt->lu_preserved))
		iopt->lu_preserved--;
	up_write(&iopt->iova_rwsem);
}

/* Is @token the token of a marked HWPT of @ictx? */
static bool iommufd_lu_token_used(struct iommufd_ctx *ictx, u64 token)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_object *obj;
	unsigned long index;
	bool used = false;

	lockdep_assert_held(&iommufd_lu_lock);
	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		if (obj->type != IOMMUFD_OBJ_HWPT_PAGING)
			continue;
		hwpt_paging = container_of(obj, struct iommufd_hwpt_paging,
					   common.obj);
		if (hwpt_paging->lu_preserved &&
		    hwpt_paging->lu_token == token) {
			used = true;
			break;
		}
	}
	xa_unlock(&ictx->objects);
	return used;
}

/*
 * IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE. Errors: ENOENT no such paging HWPT,
 * EINVAL an area of its IOAS does not map a memfd, EBUSY the HWPT is
 * already marked or an area is being mapped or unmapped, EADDRINUSE the
 * token is the token of another marked HWPT of this iommufd.
 */
int iommufd_hwpt_lu_mark_preserve(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_liveupdate_mark_preserve *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;
	int rc;

	hwpt_paging = iommufd_get_hwpt_paging(ucmd, cmd->hwpt_id);
	if (IS_ERR(hwpt_paging))
		return PTR_ERR(hwpt_paging);

	mutex_lock(&iommufd_lu_lock);
	rc = -EBUSY;
	if (hwpt_paging->lu_preserved)
		goto out;
	rc = -EADDRINUSE;
	if (iommufd_lu_token_used(ucmd->ictx, cmd->hwpt_token))
		goto out;
	rc = iopt_lu_freeze(&hwpt_paging->ioas->iopt);
	if (rc)
		goto out;
	hwpt_paging->lu_token = cmd->hwpt_token;
	hwpt_paging->lu_preserved = true;
out:
	mutex_unlock(&iommufd_lu_lock);
	iommufd_put_object(ucmd->ictx, &hwpt_paging->common.obj);
	return rc;
}
