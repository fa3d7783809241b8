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
#define pr_fmt(fmt) "iommufd_lu: " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/iommufd-lu.h>
#include <linux/iommufd_lu_abi.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>
#include <uapi/linux/liveupdate.h>

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

/*
 * The live update file handler: an iommufd preserved through
 * /dev/liveupdate (LIVEUPDATE_SESSION_PRESERVE_FD) hands its marked HWPTs,
 * their IOASes, the areas of those (each a range of a memfd that is itself
 * preserved, in any session, before the iommufd) and the devices attached
 * to the HWPTs to the next kernel. The record (version 1, little endian)
 * is one header page and four preserved arrays (luo_array):
 *
 *   header   magic, version, the count and array handle of each kind
 *   ioas     object id
 *   hwpt     object id, IOAS id, token
 *   area     IOAS id, IOVA, length, memfd offset, prot, memfd session
 *            name and token; sorted by IOVA within each IOAS
 *   device   object id, HWPT id, device name
 *
 * The next kernel validates the whole record before it creates anything,
 * then builds a new iommufd: the IOASes with their recorded ids, each area
 * mapped at its IOVA from the retrieved memfd (pinned again, folio by
 * folio). The memfds must have been retrieved first.
 */
static_assert(IOMMUFD_LU_SESSION_LEN == LIVEUPDATE_SESSION_NAME_LENGTH);

/* The four arrays of a record, in header order. */
enum {
	IOMMUFD_LU_IOAS,
	IOMMUFD_LU_HWPT,
	IOMMUFD_LU_AREA,
	IOMMUFD_LU_DEV,
	IOMMUFD_LU_NR_ARRAYS
};

static const u32 iommufd_lu_elem_size[IOMMUFD_LU_NR_ARRAYS] = {
	sizeof(struct iommufd_lu_ioas), sizeof(struct iommufd_lu_hwpt),
	sizeof(struct iommufd_lu_area), sizeof(struct iommufd_lu_device),
};

/* Runtime state of a preserved iommufd (outgoing kernel). */
struct iommufd_lu {
	struct iommufd_ctx *ictx;
	/* The marked HWPTs, each with a users reference */
	struct iommufd_hwpt_paging **hwpts;
	unsigned int nr_hwpts;
	struct folio *hdr;
	struct luo_array arr[IOMMUFD_LU_NR_ARRAYS];
	bool has_arr[IOMMUFD_LU_NR_ARRAYS];
};

static bool iommufd_lu_can_preserve(struct liveupdate_file_handler *handler,
				    struct file *file)
{
	struct iommufd_ctx *ictx = iommufd_ctx_from_file(file);

	if (IS_ERR(ictx))
		return false;
	iommufd_ctx_put(ictx);
	return true;
}

static void iommufd_lu_put_hwpts(struct iommufd_lu *lu)
{
	unsigned int i;

	for (i = 0; i < lu->nr_hwpts; i++)
		refcount_dec(&lu->hwpts[i]->common.obj.users);
	kfree(lu->hwpts);
	lu->hwpts = NULL;
	lu->nr_hwpts = 0;
}

/*
 * Take a users reference on every marked HWPT of the iommufd, so that none
 * can be destroyed while the iommufd is preserved (IOMMU_DESTROY gets
 * EBUSY). Called under iommufd_lu_lock, so that no HWPT gets marked
 * meanwhile.
 */
static int iommufd_lu_get_hwpts(struct iommufd_lu *lu)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_object *obj;
	unsigned long index;
	unsigned int n = 0;

	xa_lock(&lu->ictx->objects);
	xa_for_each(&lu->ictx->objects, index, obj) {
		if (obj->type != IOMMUFD_OBJ_HWPT_PAGING)
			continue;
		hwpt_paging = container_of(obj, struct iommufd_hwpt_paging,
					   common.obj);
		n += hwpt_paging->lu_preserved;
	}
	xa_unlock(&lu->ictx->objects);
	if (!n)
		return -EINVAL;
	if (n > IOMMUFD_LU_MAX_OBJS)
		return -E2BIG;
	lu->hwpts = kcalloc(n, sizeof(*lu->hwpts), GFP_KERNEL);
	if (!lu->hwpts)
		return -ENOMEM;

	xa_lock(&lu->ictx->objects);
	xa_for_each(&lu->ictx->objects, index, obj) {
		if (obj->type != IOMMUFD_OBJ_HWPT_PAGING || lu->nr_hwpts == n)
			continue;
		hwpt_paging = container_of(obj, struct iommufd_hwpt_paging,
					   common.obj);
		if (!hwpt_paging->lu_preserved)
			continue;
		refcount_inc(&obj->users);
		lu->hwpts[lu->nr_hwpts++] = hwpt_paging;
	}
	xa_unlock(&lu->ictx->objects);
	return lu->nr_hwpts ? 0 : -EINVAL;
}

/* The IOASes of the marked HWPTs, each once: its first HWPT's index */
static bool iommufd_lu_first_of_ioas(struct iommufd_lu *lu, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (lu->hwpts[j]->ioas == lu->hwpts[i]->ioas)
			return false;
	return true;
}

/*
 * Fill (or, with @areas NULL, count) the area records of @iopt. Returns
 * the number of areas or -ESRCH when a memfd is not preserved by any
 * session.
 */
static long iommufd_lu_areas(struct io_pagetable *iopt, u32 ioas_id,
			     struct luo_array *areas, u64 first)
{
	struct iopt_area *area;
	long n = 0;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX), n++) {
		struct file *memfd = area->pages ?
				     iopt_file_memfd(area->pages) : NULL;
		char session[IOMMUFD_LU_SESSION_LEN];
		struct iommufd_lu_area *rec;
		unsigned long iova;
		u64 token;
		u32 prot;

		/* The IOAS is immutable since the mark */
		if (WARN_ON(!memfd)) {
			n = -EINVAL;
			break;
		}
		if (liveupdate_file_token(memfd, session, &token)) {
			n = -ESRCH;
			break;
		}
		if (!areas)
			continue;
		rec = luo_array_elem(areas, first + n);
		iova = iopt_area_iova(area);
		rec->iova = cpu_to_le64(iova);
		rec->length = cpu_to_le64(iopt_area_length(area));
		rec->start = cpu_to_le64((uintptr_t)area->pages->uptr +
					 iopt_area_start_byte(area, iova));
		rec->memfd_token = cpu_to_le64(token);
		rec->ioas_id = cpu_to_le32(ioas_id);
		prot = area->iommu_prot & IOMMU_READ ? IOMMUFD_LU_PROT_READ : 0;
		if (area->iommu_prot & IOMMU_WRITE)
			prot |= IOMMUFD_LU_PROT_WRITE;
		rec->prot = cpu_to_le32(prot);
		memcpy(rec->session, session, sizeof(rec->session));
	}
	up_read(&iopt->iova_rwsem);
	return n;
}

/* Is @idev attached to one of the marked HWPTs? Its index, or -1. */
static int iommufd_lu_dev_hwpt(struct iommufd_lu *lu,
			       struct iommufd_device *idev)
{
	int i, found = -1;

	mutex_lock(&idev->igroup->lock);
	for (i = 0; i < lu->nr_hwpts; i++)
		if (idev->igroup->hwpt == &lu->hwpts[i]->common)
			found = i;
	mutex_unlock(&idev->igroup->lock);
	return found;
}

/*
 * Fill (or, with @devs NULL, count) the device records. The devices stay
 * bound while the iommufd is preserved: the vfio cdev handler keeps them.
 */
static unsigned int iommufd_lu_devices(struct iommufd_lu *lu,
				       struct luo_array *devs)
{
	struct iommufd_object *entry, *obj;
	unsigned long index;
	unsigned int n = 0;

	/*
	 * igroup->lock is a mutex: take each device by its id like an ioctl
	 * would (the entry itself is not safe to look at without the lock)
	 */
	xa_for_each(&lu->ictx->objects, index, entry) {
		struct iommufd_device *idev;
		struct iommufd_lu_device *rec;
		int h;

		obj = iommufd_get_object(lu->ictx, index, IOMMUFD_OBJ_DEVICE);
		if (IS_ERR(obj))
			continue;
		idev = container_of(obj, struct iommufd_device, obj);
		h = iommufd_lu_dev_hwpt(lu, idev);
		if (h >= 0 && devs && n < devs->nr) {
			rec = luo_array_elem(devs, n);
			rec->id = cpu_to_le32(obj->id);
			rec->hwpt_id = cpu_to_le32(lu->hwpts[h]->common.obj.id);
			strscpy(rec->name, dev_name(idev->dev),
				sizeof(rec->name));
		}
		if (h >= 0)
			n++;
		iommufd_put_object(lu->ictx, obj);
	}
	return n;
}

static void iommufd_lu_free_record(struct iommufd_lu *lu)
{
	unsigned int i;

	for (i = 0; i < IOMMUFD_LU_NR_ARRAYS; i++) {
		if (lu->has_arr[i])
			luo_array_free(&lu->arr[i]);
		lu->has_arr[i] = false;
	}
	if (lu->hdr) {
		kho_unpreserve_folio(lu->hdr);
		folio_put(lu->hdr);
		lu->hdr = NULL;
	}
}

static int iommufd_lu_write_record(struct iommufd_lu *lu)
{
	u64 nr[IOMMUFD_LU_NR_ARRAYS] = {};
	u64 nr_ioas = 0, nr_areas = 0;
	struct iommufd_lu_hdr *h;
	unsigned int i;
	long n;
	int rc;

	for (i = 0; i < lu->nr_hwpts; i++) {
		if (!iommufd_lu_first_of_ioas(lu, i))
			continue;
		nr[IOMMUFD_LU_IOAS]++;
		n = iommufd_lu_areas(&lu->hwpts[i]->ioas->iopt, 0, NULL, 0);
		if (n < 0)
			return n;
		nr[IOMMUFD_LU_AREA] += n;
	}
	if (nr[IOMMUFD_LU_AREA] > IOMMUFD_LU_MAX_AREAS)
		return -E2BIG;
	nr[IOMMUFD_LU_HWPT] = lu->nr_hwpts;
	nr[IOMMUFD_LU_DEV] = iommufd_lu_devices(lu, NULL);
	if (nr[IOMMUFD_LU_DEV] > IOMMUFD_LU_MAX_OBJS)
		return -E2BIG;

	lu->hdr = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!lu->hdr)
		return -ENOMEM;
	rc = kho_preserve_folio(lu->hdr);
	if (rc) {
		folio_put(lu->hdr);
		lu->hdr = NULL;
		return rc;
	}
	for (i = 0; i < IOMMUFD_LU_NR_ARRAYS; i++) {
		if (!nr[i])
			continue;
		rc = luo_array_alloc(&lu->arr[i], iommufd_lu_elem_size[i],
				     nr[i]);
		if (rc)
			goto fail;
		lu->has_arr[i] = true;
	}

	for (i = 0; i < lu->nr_hwpts; i++) {
		struct iommufd_hwpt_paging *hwpt = lu->hwpts[i];
		struct iommufd_lu_hwpt *rh;
		struct iommufd_lu_ioas *ri;
		u32 ioas_id = hwpt->ioas->obj.id;

		rh = luo_array_elem(&lu->arr[IOMMUFD_LU_HWPT], i);
		rh->id = cpu_to_le32(hwpt->common.obj.id);
		rh->ioas_id = cpu_to_le32(ioas_id);
		rh->token = cpu_to_le64(hwpt->lu_token);
		if (!iommufd_lu_first_of_ioas(lu, i))
			continue;
		ri = luo_array_elem(&lu->arr[IOMMUFD_LU_IOAS], nr_ioas++);
		ri->id = cpu_to_le32(ioas_id);
		n = iommufd_lu_areas(&hwpt->ioas->iopt, ioas_id,
				     &lu->arr[IOMMUFD_LU_AREA], nr_areas);
		if (n < 0) {
			rc = n;
			goto fail;
		}
		nr_areas += n;
	}
	if (nr[IOMMUFD_LU_DEV])
		iommufd_lu_devices(lu, &lu->arr[IOMMUFD_LU_DEV]);

	h = folio_address(lu->hdr);
	h->magic = cpu_to_le64(IOMMUFD_LU_MAGIC);
	h->version = cpu_to_le32(IOMMUFD_LU_V1);
	h->nr_ioas = cpu_to_le32(nr[IOMMUFD_LU_IOAS]);
	h->nr_hwpts = cpu_to_le32(nr[IOMMUFD_LU_HWPT]);
	h->nr_devices = cpu_to_le32(nr[IOMMUFD_LU_DEV]);
	h->nr_areas = cpu_to_le64(nr[IOMMUFD_LU_AREA]);
	h->ioas = cpu_to_le64(lu->has_arr[IOMMUFD_LU_IOAS] ?
			      luo_array_handle(&lu->arr[IOMMUFD_LU_IOAS]) : 0);
	h->hwpts = cpu_to_le64(lu->has_arr[IOMMUFD_LU_HWPT] ?
			       luo_array_handle(&lu->arr[IOMMUFD_LU_HWPT]) : 0);
	h->areas = cpu_to_le64(lu->has_arr[IOMMUFD_LU_AREA] ?
			       luo_array_handle(&lu->arr[IOMMUFD_LU_AREA]) : 0);
	h->devices = cpu_to_le64(lu->has_arr[IOMMUFD_LU_DEV] ?
				 luo_array_handle(&lu->arr[IOMMUFD_LU_DEV]) : 0);
	return 0;
fail:
	iommufd_lu_free_record(lu);
	return rc;
}

/*
 * Preserve an iommufd: errors EINVAL no HWPT is marked, ESRCH an area maps
 * a memfd no session preserves (the memfds go first), E2BIG more objects
 * than a record holds, ENOMEM.
 */
static int iommufd_lu_preserve(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu *lu;
	int rc;

	lu = kzalloc(sizeof(*lu), GFP_KERNEL);
	if (!lu)
		return -ENOMEM;
	lu->ictx = args->file->private_data;

	mutex_lock(&iommufd_lu_lock);
	rc = iommufd_lu_get_hwpts(lu);
	if (!rc)
		rc = iommufd_lu_write_record(lu);
	mutex_unlock(&iommufd_lu_lock);
	if (rc) {
		iommufd_lu_put_hwpts(lu);
		kfree(lu);
		return rc;
	}
	args->data[0] = PFN_PHYS(folio_pfn(lu->hdr));
	args->private = lu;
	return 0;
}

static void iommufd_lu_unpreserve(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu *lu = args->private;

	iommufd_lu_free_record(lu);
	iommufd_lu_put_hwpts(lu);
	kfree(lu);
	args->private = NULL;
}

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * Test only: with /sys/kernel/debug/iommufd_lu/test_corrupt set, a freeze
 * damages the record of an iommufd whose first HWPT's token is
 * IOMMUFD_LU_TEST_TOKEN + one of the kinds below, so that the next
 * kernel's checks can be tested (selftest iommu_lu_corrupt).
 */
#define IOMMUFD_LU_TEST_TOKEN	0xc0de0000ULL
enum {
	IOMMUFD_LU_TEST_MAGIC = 1,	/* header magic */
	IOMMUFD_LU_TEST_IOAS,		/* an IOAS of id 0 */
	IOMMUFD_LU_TEST_HWPT,		/* a HWPT of an IOAS not recorded */
	IOMMUFD_LU_TEST_AREA,		/* an area whose IOVA range wraps */
	IOMMUFD_LU_TEST_DEVICE,		/* a device of a HWPT not recorded */
	IOMMUFD_LU_TEST_ARRAY,		/* the area array handle */
};

static bool iommufd_lu_test_corrupt;

static void iommufd_lu_corrupt(struct iommufd_lu *lu)
{
	struct iommufd_lu_hdr *h = folio_address(lu->hdr);
	struct iommufd_lu_hwpt *hwpt;
	u64 kind;

	if (!iommufd_lu_test_corrupt || !lu->has_arr[IOMMUFD_LU_HWPT])
		return;
	hwpt = luo_array_elem(&lu->arr[IOMMUFD_LU_HWPT], 0);
	kind = le64_to_cpu(hwpt->token) - IOMMUFD_LU_TEST_TOKEN;
	if (kind == IOMMUFD_LU_TEST_MAGIC) {
		h->magic = cpu_to_le64(IOMMUFD_LU_MAGIC ^ 1);
	} else if (kind == IOMMUFD_LU_TEST_IOAS &&
		   lu->has_arr[IOMMUFD_LU_IOAS]) {
		struct iommufd_lu_ioas *r =
			luo_array_elem(&lu->arr[IOMMUFD_LU_IOAS], 0);

		r->id = 0;
	} else if (kind == IOMMUFD_LU_TEST_HWPT) {
		hwpt->ioas_id = cpu_to_le32(INT_MAX);
	} else if (kind == IOMMUFD_LU_TEST_AREA &&
		   lu->has_arr[IOMMUFD_LU_AREA]) {
		struct iommufd_lu_area *r =
			luo_array_elem(&lu->arr[IOMMUFD_LU_AREA], 0);

		r->iova = cpu_to_le64(-PAGE_SIZE);
	} else if (kind == IOMMUFD_LU_TEST_DEVICE &&
		   lu->has_arr[IOMMUFD_LU_DEV]) {
		struct iommufd_lu_device *r =
			luo_array_elem(&lu->arr[IOMMUFD_LU_DEV], 0);

		r->hwpt_id = cpu_to_le32(INT_MAX);
	} else if (kind == IOMMUFD_LU_TEST_ARRAY && h->areas) {
		/*
		 * A handle inside its header page: never a valid array,
		 * whatever the layout (the page after it may be another
		 * array's header).
		 */
		le64_add_cpu(&h->areas, 8);
	} else {
		return;
	}
	pr_info("test: damaged the record of HWPT token %#llx\n",
		le64_to_cpu(hwpt->token));
}

static void iommufd_lu_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("iommufd_lu", NULL);

	debugfs_create_bool("test_corrupt", 0600, dir,
			    &iommufd_lu_test_corrupt);
}
#else
static void iommufd_lu_corrupt(struct iommufd_lu *lu)
{
}

static void iommufd_lu_test_init(void)
{
}
#endif

/*
 * Last step before kexec: the IOASes did not change (they are immutable),
 * but a memfd may have been dropped from its session, or preserved again
 * under another token, since preserve. Write the area records again; if a
 * memfd is not preserved any more, refuse the kexec (ESRCH) rather than
 * hand over an area the next kernel cannot pin.
 */
static int iommufd_lu_freeze(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu *lu = args->private;
	struct luo_array *areas = &lu->arr[IOMMUFD_LU_AREA];
	unsigned int h;
	u64 first = 0;
	long n;

	if (!lu->has_arr[IOMMUFD_LU_AREA]) {
		iommufd_lu_corrupt(lu);
		return 0;
	}
	for (h = 0; h < lu->nr_hwpts; h++) {
		struct iommufd_ioas *ioas = lu->hwpts[h]->ioas;

		if (!iommufd_lu_first_of_ioas(lu, h))
			continue;
		n = iommufd_lu_areas(&ioas->iopt, ioas->obj.id, areas, first);
		if (n < 0)
			return n;
		first += n;
	}
	iommufd_lu_corrupt(lu);
	return 0;
}

/* Next kernel: the whole record, checked before anything is made of it */
struct iommufd_lu_in {
	struct folio *hdr_folio;
	struct iommufd_lu_hdr *h;
	struct luo_array arr[IOMMUFD_LU_NR_ARRAYS];
	bool has_arr[IOMMUFD_LU_NR_ARRAYS];
	u64 nr[IOMMUFD_LU_NR_ARRAYS];
	struct file **memfds;
};

static void iommufd_lu_in_put_memfds(struct iommufd_lu_in *in)
{
	u64 i;

	if (!in->memfds)
		return;
	for (i = 0; i < in->nr[IOMMUFD_LU_AREA]; i++)
		if (in->memfds[i])
			fput(in->memfds[i]);
	kvfree(in->memfds);
	in->memfds = NULL;
}

static void iommufd_lu_in_release(struct iommufd_lu_in *in)
{
	unsigned int i;

	iommufd_lu_in_put_memfds(in);
	for (i = 0; i < IOMMUFD_LU_NR_ARRAYS; i++)
		if (in->has_arr[i])
			luo_array_release(&in->arr[i]);
	if (in->hdr_folio)
		folio_put(in->hdr_folio);
	kfree(in);
}

static int iommufd_lu_in_arrays(struct iommufd_lu_in *in)
{
	const __le64 handles[IOMMUFD_LU_NR_ARRAYS] = {
		in->h->ioas, in->h->hwpts, in->h->areas, in->h->devices,
	};
	static const char *const names[IOMMUFD_LU_NR_ARRAYS] = {
		"IOAS", "HWPT", "area", "device",
	};
	unsigned int i;
	int rc;

	for (i = 0; i < IOMMUFD_LU_NR_ARRAYS; i++) {
		if (!in->nr[i] != !handles[i]) {
			pr_err("%s array: count %llu with handle %#llx\n",
			       names[i], in->nr[i], le64_to_cpu(handles[i]));
			return -EINVAL;
		}
		if (!in->nr[i])
			continue;
		rc = luo_array_restore(&in->arr[i], le64_to_cpu(handles[i]),
				       iommufd_lu_elem_size[i]);
		if (rc) {
			pr_err("%s array rejected (%d)\n", names[i], rc);
			return -EINVAL;
		}
		in->has_arr[i] = true;
		if (in->arr[i].nr != in->nr[i]) {
			pr_err("%s array: %llu entries, header says %llu\n",
			       names[i], in->arr[i].nr, in->nr[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Is @id a valid object id not used by entries [0, @before) of kind @kind? */
static bool iommufd_lu_id_free(struct iommufd_lu_in *in, u32 id,
			       unsigned int kind, u64 before)
{
	unsigned int k;
	u64 i;

	if (!id || id > INT_MAX)
		return false;
	for (k = 0; k <= kind; k++) {
		u64 n = k == kind ? before : in->nr[k];

		if (k == IOMMUFD_LU_AREA)
			continue;
		for (i = 0; i < n; i++) {
			/* Every kind starts with its __le32 id */
			__le32 *other = luo_array_elem(&in->arr[k], i);

			if (le32_to_cpu(*other) == id)
				return false;
		}
	}
	return true;
}

/* The index of the @kind entry (IOAS or HWPT) with object id @id, or -1 */
static s64 iommufd_lu_find(struct iommufd_lu_in *in, unsigned int kind, u32 id)
{
	u64 i;

	for (i = 0; i < in->nr[kind]; i++) {
		__le32 *e = luo_array_elem(&in->arr[kind], i);

		if (le32_to_cpu(*e) == id)
			return i;
	}
	return -1;
}

static int iommufd_lu_validate(struct iommufd_lu_in *in)
{
	const struct iommufd_lu_area *prev = NULL;
	u64 i, j;

	for (i = 0; i < in->nr[IOMMUFD_LU_IOAS]; i++) {
		struct iommufd_lu_ioas *r = luo_array_elem(&in->arr[IOMMUFD_LU_IOAS], i);

		if (r->reserved ||
		    !iommufd_lu_id_free(in, le32_to_cpu(r->id), IOMMUFD_LU_IOAS, i)) {
			pr_err("IOAS %llu: bad or duplicate id %u\n", i,
			       le32_to_cpu(r->id));
			return -EINVAL;
		}
	}
	for (i = 0; i < in->nr[IOMMUFD_LU_HWPT]; i++) {
		struct iommufd_lu_hwpt *r = luo_array_elem(&in->arr[IOMMUFD_LU_HWPT], i);

		if (!iommufd_lu_id_free(in, le32_to_cpu(r->id), IOMMUFD_LU_HWPT, i) ||
		    iommufd_lu_find(in, IOMMUFD_LU_IOAS, le32_to_cpu(r->ioas_id)) < 0) {
			pr_err("HWPT %llu: bad id %u or IOAS %u\n", i,
			       le32_to_cpu(r->id), le32_to_cpu(r->ioas_id));
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			struct iommufd_lu_hwpt *o = luo_array_elem(&in->arr[IOMMUFD_LU_HWPT], j);

			if (o->token == r->token) {
				pr_err("HWPT %llu: token %llu used twice\n", i,
				       le64_to_cpu(r->token));
				return -EINVAL;
			}
		}
	}
	for (i = 0; i < in->nr[IOMMUFD_LU_AREA]; i++) {
		struct iommufd_lu_area *r = luo_array_elem(&in->arr[IOMMUFD_LU_AREA], i);
		u64 iova = le64_to_cpu(r->iova), len = le64_to_cpu(r->length);
		u64 start = le64_to_cpu(r->start), last, end;
		u32 prot = le32_to_cpu(r->prot);

		if (iommufd_lu_find(in, IOMMUFD_LU_IOAS, le32_to_cpu(r->ioas_id)) < 0 ||
		    !len || check_add_overflow(iova, len - 1, &last) ||
		    last > ULONG_MAX ||
		    check_add_overflow(start, len, &end) ||
		    end > MAX_LFS_FILESIZE ||
		    !prot || (prot & ~(IOMMUFD_LU_PROT_READ | IOMMUFD_LU_PROT_WRITE)) ||
		    !memchr(r->session, 0, sizeof(r->session)) ||
		    (prev && prev->ioas_id == r->ioas_id &&
		     le64_to_cpu(prev->iova) + le64_to_cpu(prev->length) > iova)) {
			pr_err("area %llu: malformed (IOAS %u, IOVA %#llx, length %#llx, offset %#llx, prot %#x)\n",
			       i, le32_to_cpu(r->ioas_id), iova, len, start,
			       prot);
			return -EINVAL;
		}
		prev = r;
	}
	for (i = 0; i < in->nr[IOMMUFD_LU_DEV]; i++) {
		struct iommufd_lu_device *r = luo_array_elem(&in->arr[IOMMUFD_LU_DEV], i);

		if (!iommufd_lu_id_free(in, le32_to_cpu(r->id), IOMMUFD_LU_DEV, i) ||
		    iommufd_lu_find(in, IOMMUFD_LU_HWPT, le32_to_cpu(r->hwpt_id)) < 0 ||
		    !memchr(r->name, 0, sizeof(r->name))) {
			pr_err("device %llu: bad id %u or HWPT %u\n", i,
			       le32_to_cpu(r->id), le32_to_cpu(r->hwpt_id));
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Find the retrieved memfd of every area. ESRCH when one is not retrieved
 * yet (retrieve the memfds first) or does not exist; EINVAL when its range
 * is past the end of the memfd.
 */
static int iommufd_lu_in_memfds(struct iommufd_lu_in *in)
{
	u64 i, n = in->nr[IOMMUFD_LU_AREA];

	in->memfds = kvcalloc(n, sizeof(*in->memfds), GFP_KERNEL);
	if (n && !in->memfds)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct iommufd_lu_area *r = luo_array_elem(&in->arr[IOMMUFD_LU_AREA], i);
		struct file *f;

		f = liveupdate_incoming_file(r->session,
					     le64_to_cpu(r->memfd_token));
		if (IS_ERR(f)) {
			pr_warn("area %llu: memfd %llu of session %s %s\n", i,
				le64_to_cpu(r->memfd_token), r->session,
				PTR_ERR(f) == -EAGAIN ?
				"not retrieved yet: retrieve the memfds first" :
				"not handed over");
			return -ESRCH;
		}
		in->memfds[i] = f;
		if (le64_to_cpu(r->start) + le64_to_cpu(r->length) >
		    i_size_read(file_inode(f))) {
			pr_err("area %llu: past the end of its memfd\n", i);
			return -EINVAL;
		}
	}
	return 0;
}

/* Give the not yet finalized @obj the object id @id (free in @ictx) */
static int iommufd_lu_move_id(struct iommufd_ctx *ictx,
			      struct iommufd_object *obj, u32 id)
{
	int rc;

	if (obj->id == id)
		return 0;
	rc = xa_insert(&ictx->objects, id, NULL, GFP_KERNEL_ACCOUNT);
	if (rc)
		return rc;
	xa_erase(&ictx->objects, obj->id);
	obj->id = id;
	return 0;
}

/* Build the new iommufd; on error the caller fputs @file, which undoes it */
static int iommufd_lu_build(struct iommufd_lu_in *in, struct file *file)
{
	struct iommufd_ctx *ictx = file->private_data;
	struct iommufd_ioas **ioas;
	u64 i, nr_ioas = in->nr[IOMMUFD_LU_IOAS];
	int rc = 0;

	ioas = kcalloc(nr_ioas, sizeof(*ioas), GFP_KERNEL);
	if (nr_ioas && !ioas)
		return -ENOMEM;
	for (i = 0; i < nr_ioas; i++) {
		struct iommufd_lu_ioas *r = luo_array_elem(&in->arr[IOMMUFD_LU_IOAS], i);

		ioas[i] = iommufd_ioas_alloc(ictx);
		if (IS_ERR(ioas[i])) {
			rc = PTR_ERR(ioas[i]);
			ioas[i] = NULL;
			goto out;
		}
		rc = iommufd_lu_move_id(ictx, &ioas[i]->obj, le32_to_cpu(r->id));
		if (rc) {
			iommufd_object_abort_and_destroy(ictx, &ioas[i]->obj);
			ioas[i] = NULL;
			goto out;
		}
		iommufd_object_finalize(ictx, &ioas[i]->obj);
	}
	for (i = 0; i < in->nr[IOMMUFD_LU_AREA]; i++) {
		struct iommufd_lu_area *r = luo_array_elem(&in->arr[IOMMUFD_LU_AREA], i);
		u32 prot = le32_to_cpu(r->prot);
		u64 start = le64_to_cpu(r->start);
		unsigned long iova = le64_to_cpu(r->iova);
		struct iommufd_ioas *dst;
		struct iopt_pages *pages;
		int iommu_prot = IOMMU_CACHE;

		dst = ioas[iommufd_lu_find(in, IOMMUFD_LU_IOAS,
					   le32_to_cpu(r->ioas_id))];
		if (prot & IOMMUFD_LU_PROT_READ)
			iommu_prot |= IOMMU_READ;
		if (prot & IOMMUFD_LU_PROT_WRITE)
			iommu_prot |= IOMMU_WRITE;
		pages = iopt_memfd_pages(ictx, in->memfds[i], start,
					 le64_to_cpu(r->length),
					 iommu_prot & IOMMU_WRITE);
		if (IS_ERR(pages)) {
			rc = PTR_ERR(pages);
			pr_err("area %llu: cannot pin its memfd range (%d)\n",
			       i, rc);
			goto out;
		}
		rc = iopt_map_one_pages(&dst->iopt, pages, &iova,
					start - (uintptr_t)pages->uptr,
					le64_to_cpu(r->length), iommu_prot, 0);
		if (rc) {
			pr_err("area %llu: cannot map IOVA %#llx (%d)\n", i,
			       le64_to_cpu(r->iova), rc);
			goto out;
		}
	}
out:
	kfree(ioas);
	return rc;
}

/* Restore and validate the whole record; NULL when it is rejected */
static struct iommufd_lu_in *iommufd_lu_in_load(u32 version, u64 data)
{
	struct iommufd_lu_in *in;
	struct iommufd_lu_hdr *h;

	if (version != IOMMUFD_LU_V1) {
		pr_err("record version %u is not one this kernel reads\n",
		       version);
		return NULL;
	}
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return NULL;
	in->hdr_folio = kho_restore_folio(data);
	if (!in->hdr_folio) {
		pr_err("record at %#llx is not preserved memory\n", data);
		goto fail;
	}
	h = folio_address(in->hdr_folio);
	in->h = h;
	in->nr[IOMMUFD_LU_IOAS] = le32_to_cpu(h->nr_ioas);
	in->nr[IOMMUFD_LU_HWPT] = le32_to_cpu(h->nr_hwpts);
	in->nr[IOMMUFD_LU_AREA] = le64_to_cpu(h->nr_areas);
	in->nr[IOMMUFD_LU_DEV] = le32_to_cpu(h->nr_devices);
	if (folio_order(in->hdr_folio) || !iommufd_lu_hdr_valid(h)) {
		pr_err("malformed record header at %#llx\n", data);
		goto fail;
	}
	if (iommufd_lu_in_arrays(in) || iommufd_lu_validate(in))
		goto fail;
	return in;
fail:
	iommufd_lu_in_release(in);
	return NULL;
}

/*
 * Next kernel. Errors: EINVAL the record is malformed (the reason is in
 * the kernel log; nothing was made of it), ESRCH a memfd it maps was not
 * retrieved yet (the record stays loaded: retrieve the memfds, then the
 * iommufd again), ENOMEM, or what pinning or mapping an area returned.
 */
static int iommufd_lu_retrieve(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu_in *in = args->private;
	struct file *file;
	int rc;

	if (IS_ERR(in))
		return PTR_ERR(in);
	if (!in) {
		in = iommufd_lu_in_load(args->version[0], args->data[0]);
		if (!in) {
			/* Rejected as a whole: every later attempt is too */
			args->private = ERR_PTR(-EINVAL);
			return -EINVAL;
		}
		args->private = in;
	}
	rc = iommufd_lu_in_memfds(in);
	if (rc)
		goto out_memfds;

	file = iommufd_new_file();
	if (IS_ERR(file)) {
		rc = PTR_ERR(file);
		goto out_memfds;
	}
	rc = iommufd_lu_build(in, file);
	if (rc) {
		fput(file);
		goto out_memfds;
	}
	pr_info("retrieved an iommufd: %llu IOAS, %llu areas, %llu HWPTs, %llu devices\n",
		in->nr[IOMMUFD_LU_IOAS], in->nr[IOMMUFD_LU_AREA],
		in->nr[IOMMUFD_LU_HWPT], in->nr[IOMMUFD_LU_DEV]);
	args->file = file;
	iommufd_lu_in_release(in);
	args->private = NULL;
	return 0;

out_memfds:
	iommufd_lu_in_put_memfds(in);
	return rc;
}

/* The session is done with the iommufd: drop a record left loaded */
static void iommufd_lu_finish(struct liveupdate_file_op_args *args)
{
	if (!IS_ERR_OR_NULL(args->private))
		iommufd_lu_in_release(args->private);
	args->private = NULL;
}

/**
 * iommufd_device_lu_info() - a bound device whose HWPT is preserved
 * @idev: the device, bound to an iommufd.
 * @info: filled on success.
 *
 * For the live update handler of the device's driver (vfio-pci): the
 * device can be preserved only once its iommufd is, and only when it is
 * attached to a marked HWPT.
 *
 * Context: from a file handler op in the outgoing kernel (its session's
 * lock held); the caller keeps @idev bound.
 * Return: 0, -ESRCH when no session preserves the device's iommufd yet,
 * -EINVAL when the device is not attached to a marked paging HWPT.
 */
int iommufd_device_lu_info(struct iommufd_device *idev,
			   struct iommufd_lu_dev_info *info)
{
	struct iommufd_hwpt_paging *hwpt_paging = NULL;
	struct iommufd_hw_pagetable *hwpt;
	int rc = -EINVAL;

	if (liveupdate_file_token(idev->ictx->file, info->session,
				  &info->token))
		return -ESRCH;
	mutex_lock(&iommufd_lu_lock);
	mutex_lock(&idev->igroup->lock);
	hwpt = idev->igroup->hwpt;
	if (hwpt && hwpt_is_paging(hwpt))
		hwpt_paging = to_hwpt_paging(hwpt);
	if (hwpt_paging && hwpt_paging->lu_preserved) {
		info->dev_id = idev->obj.id;
		info->ioas_id = hwpt_paging->ioas->obj.id;
		info->hwpt_id = hwpt->obj.id;
		info->hwpt_token = hwpt_paging->lu_token;
		info->domain = hwpt->domain;
		rc = 0;
	}
	mutex_unlock(&idev->igroup->lock);
	mutex_unlock(&iommufd_lu_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_lu_info, IOMMUFD);

/*
 * Does @domain translate every page of every area of @iopt to the page
 * the area pinned? Checked before a domain adopted from the previous
 * kernel is taken as already filled.
 */
static bool iopt_lu_check_premapped(struct io_pagetable *iopt,
				    struct iommu_domain *domain)
{
	struct iopt_area *area;
	bool ok = true;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area && ok;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX)) {
		struct iopt_pages *pages = area->pages;
		unsigned long iova = iopt_area_iova(area);
		struct physr_range r;
		struct physr_iter it;

		if (!pages || !pages->physr ||
		    physr_iter_init_slice(&it, pages->physr,
					  pages->physr_start +
					  iopt_area_start_byte(area, iova),
					  iopt_area_length(area))) {
			ok = false;
			break;
		}
		while (ok && physr_iter_next(&it, &r)) {
			u64 off;

			for (off = 0; off < r.len; off += PAGE_SIZE)
				if (iommu_iova_to_phys(domain, iova + off) !=
				    r.phys + off) {
					pr_err("IOVA %#llx: the adopted domain does not map the memfd page\n",
					       (u64)iova + off);
					ok = false;
					break;
				}
			iova += r.len;
		}
	}
	up_read(&iopt->iova_rwsem);
	return ok;
}

/**
 * iommufd_lu_hwpt_adopt() - a HWPT around a domain from the previous kernel
 * @ictx: a retrieved iommufd.
 * @hwpt_id: the HWPT's object id in the previous kernel, free in @ictx.
 * @ioas_id: its IOAS (retrieved with @ictx).
 * @domain: the domain the IOMMU layer adopted (iommu_lu_restore()); it
 *	already maps every area of the IOAS, which is checked page by page.
 *
 * The HWPT owns @domain from then on (frees it when destroyed); it is not
 * marked: its IOAS can be mapped and unmapped again.
 *
 * Context: process context.
 * Return: 0, -ENOENT no such IOAS, -EBUSY @hwpt_id is taken, -EINVAL the
 * domain does not map the areas, -ENOMEM.
 */
int iommufd_lu_hwpt_adopt(struct iommufd_ctx *ictx, u32 hwpt_id, u32 ioas_id,
			  struct iommu_domain *domain)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_get_ioas(ictx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	hwpt_paging = __iommufd_object_alloc(ictx, hwpt_paging,
					     IOMMUFD_OBJ_HWPT_PAGING,
					     common.obj);
	if (IS_ERR(hwpt_paging)) {
		rc = PTR_ERR(hwpt_paging);
		goto out_put;
	}
	INIT_LIST_HEAD(&hwpt_paging->hwpt_item);
	refcount_inc(&ioas->obj.users);
	hwpt_paging->ioas = ioas;
	rc = iommufd_lu_move_id(ictx, &hwpt_paging->common.obj, hwpt_id);
	if (rc)
		goto out_abort;

	mutex_lock(&ioas->mutex);
	rc = -EINVAL;
	if (!iopt_lu_check_premapped(&ioas->iopt, domain))
		goto out_unlock;
	ioas->iopt.lu_premapped = domain;
	rc = iopt_table_add_domain(&ioas->iopt, domain);
	ioas->iopt.lu_premapped = NULL;
	if (rc)
		goto out_unlock;
	hwpt_paging->common.domain = domain;
	list_add_tail(&hwpt_paging->hwpt_item, &ioas->hwpt_list);
	mutex_unlock(&ioas->mutex);
	iommufd_object_finalize(ictx, &hwpt_paging->common.obj);
	iommufd_put_object(ictx, &ioas->obj);
	return 0;

out_unlock:
	mutex_unlock(&ioas->mutex);
out_abort:
	/* No domain in it yet: the destroy leaves @domain to the caller */
	iommufd_object_abort_and_destroy(ictx, &hwpt_paging->common.obj);
out_put:
	iommufd_put_object(ictx, &ioas->obj);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_lu_hwpt_adopt, IOMMUFD);

/**
 * iommufd_lu_device_set_id() - give a bound device its previous object id
 * @idev: a device just bound to a retrieved iommufd.
 * @id: its id in the previous kernel.
 *
 * Context: process context, right after iommufd_device_bind().
 * Return: 0, or -EBUSY when @id is taken in the iommufd.
 */
int iommufd_lu_device_set_id(struct iommufd_device *idev, u32 id)
{
	struct iommufd_ctx *ictx = idev->ictx;
	int rc;

	if (idev->obj.id == id)
		return 0;
	xa_lock(&ictx->objects);
	rc = __xa_insert(&ictx->objects, id, &idev->obj, GFP_ATOMIC);
	if (!rc) {
		__xa_erase(&ictx->objects, idev->obj.id);
		idev->obj.id = id;
	}
	xa_unlock(&ictx->objects);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_lu_device_set_id, IOMMUFD);

static const struct liveupdate_file_ops iommufd_lu_ops = {
	.can_preserve = iommufd_lu_can_preserve,
	.preserve = iommufd_lu_preserve,
	.unpreserve = iommufd_lu_unpreserve,
	.freeze = iommufd_lu_freeze,
	.retrieve = iommufd_lu_retrieve,
	.finish = iommufd_lu_finish,
};

static const u32 iommufd_lu_versions[] = { IOMMUFD_LU_V1 };

/* For debugfs liveupdate/{out,in}/records: the header and its arrays. */
static const u16 iommufd_lu_record_arrays[] = {
	offsetof(struct iommufd_lu_hdr, ioas),
	offsetof(struct iommufd_lu_hdr, hwpts),
	offsetof(struct iommufd_lu_hdr, areas),
	offsetof(struct iommufd_lu_hdr, devices),
};

static struct liveupdate_file_handler iommufd_lu_handler = {
	.ops = &iommufd_lu_ops,
	.compatible = "iommufd",
	.write_versions = iommufd_lu_versions,
	.nr_write_versions = ARRAY_SIZE(iommufd_lu_versions),
	.read_versions = iommufd_lu_versions,
	.nr_read_versions = ARRAY_SIZE(iommufd_lu_versions),
	.record_size = sizeof(struct iommufd_lu_hdr),
	.record_arrays = iommufd_lu_record_arrays,
	.nr_record_arrays = ARRAY_SIZE(iommufd_lu_record_arrays),
	.owner = THIS_MODULE,
};

/**
 * iommufd_lu_init() - register the iommufd live update file handler
 *
 * Context: module init.
 */
void iommufd_lu_init(void)
{
	int rc;

	if (!IS_ENABLED(CONFIG_LIVEUPDATE))
		return;
	iommufd_lu_test_init();
	rc = liveupdate_register_file_handler(&iommufd_lu_handler);
	if (rc)
		pr_warn("cannot register the iommufd live update handler (%d)\n",
			rc);
}

/**
 * iommufd_lu_exit() - unregister it
 *
 * Context: module exit.
 */
void iommufd_lu_exit(void)
{
	if (IS_ENABLED(CONFIG_LIVEUPDATE))
		liveupdate_unregister_file_handler(&iommufd_lu_handler);
}
