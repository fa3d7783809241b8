// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_IOAS_MAP_FILE: map a range of a memfd or of a dma-buf into an IOAS.
 *
 * Both give iopt_pages whose pfns come from a physr list instead of a user
 * VA; pages.c reads the list where it would otherwise pin user pages, and
 * never pins or unpins a pfn one by one:
 *
 *  - A memfd range is pinned once, one pin per folio, by
 *    physr_pin_memfd_account() and stays pinned until the iopt_pages is
 *    released. It is charged to the locked memory limit batch by batch,
 *    each batch before any of its pages is allocated or pinned; a failed
 *    pin gives back every pin and every page charged.
 *
 *  - A dma-buf is attached as a dynamic, peer-to-peer importer and the
 *    exporter's own physr (dma_buf_physr(), device memory for a VFIO
 *    BAR) is used as it is. A PHYSR_MMIO list marks the pages as MMIO:
 *    pages.c then maps them with IOMMU_MMIO and without IOMMU_CACHE on
 *    every path, IOAS_COPY included. It has no struct page, so no
 *    in-kernel access (iommufd_access) can use it. When the exporter
 *    revokes the buffer its move_notify unmaps every area of the pages from
 *    every domain and marks the pages revoked: they stay unmapped, new
 *    domains do not get them, and only IOMMU_IOAS_UNMAP is left to do.
 *
 * Locking: the dma-buf's reservation lock comes first. move_notify runs
 * under it and takes an IOAS's domains_rwsem then the pages mutex, so this
 * file never takes the reservation lock while holding an iommufd lock; the
 * detach, which takes it, runs from a work item after the pages are gone.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-physr.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/hugetlb.h>
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/mm.h>
#include <linux/physr.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"
#include "iommufd_private.h"

MODULE_IMPORT_NS(DMA_BUF);

/*
 * Detaches from dma-bufs run here, not on system_wq: module exit destroys
 * the queue, which waits for the last of them before the code goes away.
 */
static struct workqueue_struct *iopt_file_wq;

/* What an iopt_pages of IOMMU_IOAS_MAP_FILE holds besides the pages */
struct iopt_file {
	/* memfd: the pinned range, pages->physr is its list */
	struct physr_pinned *pinned;
	/* memfd: the file, for live update (see liveupdate.c) */
	struct file *memfd;
	/* dma-buf: importer side, the exporter's physr is used */
	struct iommufd_ctx *ictx;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	/* The pages while they exist, for move_notify; under @lock */
	struct iopt_pages *pages;
	spinlock_t lock;		/* protects @pages */
	struct work_struct detach_work;
};

static int iopt_file_prot(u32 map_flags)
{
	int prot = IOMMU_CACHE;

	if (map_flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= IOMMU_WRITE;
	if (map_flags & IOMMU_IOAS_MAP_READABLE)
		prot |= IOMMU_READ;
	return prot;
}

static struct iopt_pages *iopt_alloc_file_pages(struct iommufd_ctx *ictx,
						u64 start, u64 length,
						bool writable)
{
	struct iopt_pages *pages;

	/*
	 * The index space of the pages is the byte offsets of the file: the
	 * "uptr" of user pages is the offset of page 0, only ever used by
	 * pages.c to compute indexes and by the IOVA allocator as an
	 * alignment hint.
	 */
	pages = iopt_alloc_pages(u64_to_user_ptr(start), length, writable);
	if (IS_ERR(pages))
		return pages;
	if (ictx->account_mode == IOPT_PAGES_ACCOUNT_MM &&
	    pages->account_mode == IOPT_PAGES_ACCOUNT_USER)
		pages->account_mode = IOPT_PAGES_ACCOUNT_MM;
	return pages;
}

/* The locked memory charge of a memfd pin, batch by batch */
struct iopt_memfd_account {
	struct physr_pin_account acct;
	struct iopt_pages *pages;
};

static int iopt_memfd_charge(struct physr_pin_account *acct,
			     unsigned long npages)
{
	struct iopt_memfd_account *ma =
		container_of(acct, struct iopt_memfd_account, acct);

	/* A fault point per batch: fail_nth also fails a pin half way */
	if (iommufd_should_fail())
		return -ENOMEM;
	return iopt_pages_account_physr(ma->pages, npages, true);
}

static void iopt_memfd_uncharge(struct physr_pin_account *acct,
				unsigned long npages)
{
	struct iopt_memfd_account *ma =
		container_of(acct, struct iopt_memfd_account, acct);

	iopt_pages_account_physr(ma->pages, npages, false);
}

/* Pin a memfd range for MAP_FILE, or for a live update retrieve */
struct iopt_pages *iopt_memfd_pages(struct iommufd_ctx *ictx,
				    struct file *filp, u64 start,
				    u64 length, bool writable)
{
	struct iopt_memfd_account acct = {
		.acct = {
			.charge = iopt_memfd_charge,
			.uncharge = iopt_memfd_uncharge,
		},
	};
	unsigned int pin = PHYSR_PIN_LONGTERM;
	struct iopt_pages *pages;
	struct iopt_file *file;
	int rc;

	if (!shmem_file(filp) && !is_file_hugepages(filp))
		return ERR_PTR(-EINVAL);
	if (writable && !(filp->f_mode & FMODE_WRITE))
		return ERR_PTR(-EPERM);

	pages = iopt_alloc_file_pages(ictx, start, length, writable);
	if (IS_ERR(pages))
		return pages;

	file = kzalloc(sizeof(*file), GFP_KERNEL_ACCOUNT);
	if (!file) {
		rc = -ENOMEM;
		goto err_put;
	}
	if (writable)
		pin |= PHYSR_PIN_WRITE;
	/*
	 * Whole pages: index i of the pages is byte i * PAGE_SIZE of the
	 * list. Each batch is charged to the locked memory limit before any
	 * of its pages is allocated or pinned; on success the charge is
	 * pages->npages, on failure nothing stays charged or pinned.
	 */
	acct.pages = pages;
	file->pinned = physr_pin_memfd_account(filp, (uintptr_t)pages->uptr,
					       PFN_PHYS(pages->npages), pin,
					       &acct.acct, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(file->pinned)) {
		rc = PTR_ERR(file->pinned);
		goto err_free;
	}
	pages->physr = physr_pinned_list(file->pinned);
	pages->physr_start = 0;
	file->memfd = get_file(filp);
	pages->file = file;
	return pages;

err_free:
	kfree(file);
err_put:
	iopt_put_pages(pages);
	return ERR_PTR(rc);
}

/* Unmap every area of @pages that lives in @iopt from all its domains */
static void iopt_file_revoke_iopt(struct iopt_pages *pages,
				  struct io_pagetable *iopt)
{
	struct interval_tree_node *node;

	down_read(&iopt->domains_rwsem);
	mutex_lock(&pages->mutex);
restart:
	for (node = interval_tree_iter_first(&pages->domains_itree, 0,
					     ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		struct iopt_area *area =
			container_of(node, struct iopt_area, pages_node);
		struct iommu_domain *domain;
		unsigned long index;

		if (area->iopt != iopt)
			continue;
		xa_for_each(&iopt->domains, index, domain)
			iopt_area_unmap_domain(area, domain);
		interval_tree_remove(&area->pages_node, &pages->domains_itree);
		area->storage_domain = NULL;
		goto restart;
	}
	mutex_unlock(&pages->mutex);
	up_read(&iopt->domains_rwsem);
}

static void iopt_file_revoke(struct iopt_pages *pages, struct iommufd_ctx *ictx)
{
	struct interval_tree_node *node;

	mutex_lock(&pages->mutex);
	/* From here on no domain gets the pages mapped (io_pagetable.c) */
	pages->revoked = true;
	while ((node = interval_tree_iter_first(&pages->domains_itree, 0,
						ULONG_MAX))) {
		struct iopt_area *area =
			container_of(node, struct iopt_area, pages_node);
		struct iommufd_ioas *ioas =
			container_of(area->iopt, struct iommufd_ioas, iopt);

		/*
		 * The area is mapped, so a domain of the IOAS exists and its
		 * hw_pagetable holds a reference on the IOAS: it cannot be
		 * freed before we take ours.
		 */
		if (WARN_ON(!iommufd_lock_obj(&ioas->obj)))
			break;
		mutex_unlock(&pages->mutex);
		iopt_file_revoke_iopt(pages, &ioas->iopt);
		iommufd_put_object(ictx, &ioas->obj);
		mutex_lock(&pages->mutex);
	}
	mutex_unlock(&pages->mutex);
}

/* Called by the exporter, under the reservation lock, to revoke access */
static void iopt_file_move_notify(struct dma_buf_attachment *attach)
{
	struct iopt_file *file = attach->importer_priv;
	struct iopt_pages *pages;

	spin_lock(&file->lock);
	pages = file->pages;
	if (pages && !kref_get_unless_zero(&pages->kref))
		pages = NULL;
	spin_unlock(&file->lock);
	if (!pages)
		return;
	/* pages->file may not be set yet: the attach is still returning */
	iopt_file_revoke(pages, file->ictx);
	iopt_put_pages(pages);
}

static const struct dma_buf_attach_ops iopt_file_attach_ops = {
	.allow_peer2peer = true,
	.move_notify = iopt_file_move_notify,
};

static void iopt_file_detach_work(struct work_struct *work)
{
	struct iopt_file *file =
		container_of(work, struct iopt_file, detach_work);

	dma_buf_detach(file->dmabuf, file->attach);
	dma_buf_put(file->dmabuf);
	kfree(file);
}

/* iopt_pages work in whole pages: so must every range of the list */
static bool iopt_physr_page_aligned(const struct physr *pr)
{
	struct physr_range r;
	struct physr_iter it;

	physr_for_each_range(pr, &it, &r)
		if (!PAGE_ALIGNED(r.phys) || !PAGE_ALIGNED(r.len))
			return false;
	return true;
}

/* Takes over the caller's reference on @dmabuf */
static struct iopt_pages *iopt_dmabuf_pages(struct iommufd_ctx *ictx,
					    struct dma_buf *dmabuf, u64 start,
					    u64 length, bool writable)
{
	struct dma_buf_attachment *attach;
	const struct physr *pr;
	struct iopt_pages *pages;
	struct iopt_file *file;
	u64 end;
	int rc;

	/*
	 * Device memory from an exporter that can revoke it (VFIO): one that
	 * is not dynamic (udmabuf, which gives its RAM pages as a physr list
	 * to software RDMA providers) would map every attachment when it is
	 * made, for iommufd's device, which does no DMA of its own.
	 */
	if (!dma_buf_physr_capable(dmabuf) || !dma_buf_is_dynamic(dmabuf)) {
		rc = -EOPNOTSUPP;
		goto err_dmabuf;
	}
	/* Device DMA writes through the mapping: the fd must allow writing */
	if (writable && !(dmabuf->file->f_mode & FMODE_WRITE)) {
		rc = -EPERM;
		goto err_dmabuf;
	}
	if (check_add_overflow(start, length, &end) || end > dmabuf->size) {
		rc = -EINVAL;
		goto err_dmabuf;
	}

	pages = iopt_alloc_file_pages(ictx, start, length, writable);
	if (IS_ERR(pages)) {
		rc = PTR_ERR(pages);
		goto err_dmabuf;
	}
	/* No struct page behind it: never handed to an iommufd_access */
	pages->nopage = true;

	file = kzalloc(sizeof(*file), GFP_KERNEL_ACCOUNT);
	if (!file) {
		rc = -ENOMEM;
		goto err_put;
	}
	spin_lock_init(&file->lock);
	INIT_WORK(&file->detach_work, iopt_file_detach_work);
	file->ictx = ictx;
	file->pages = pages;

	attach = dma_buf_dynamic_attach(dmabuf, iommufd_global_device(),
					&iopt_file_attach_ops, file);
	if (IS_ERR(attach)) {
		rc = PTR_ERR(attach);
		kfree(file);
		goto err_put;
	}
	file->dmabuf = dmabuf;
	file->attach = attach;
	/* From here the release of the pages detaches and puts the dma-buf */
	pages->file = file;

	dma_resv_lock(dmabuf->resv, NULL);
	rc = dma_buf_physr(attach, &pr);
	if (!rc && (physr_total_bytes(pr) < PFN_PHYS(pages->npages) +
						    (uintptr_t)pages->uptr ||
		    !iopt_physr_page_aligned(pr)))
		rc = -EINVAL;
	if (!rc) {
		pages->physr = pr;
		pages->physr_start = (uintptr_t)pages->uptr;
		/* Before any mapping: pages.c maps these as MMIO */
		pages->mmio = physr_kind_of(pr) == PHYSR_MMIO;
	}
	dma_resv_unlock(dmabuf->resv);
	if (rc) {
		iopt_put_pages(pages);
		return ERR_PTR(rc);
	}
	return pages;

err_put:
	iopt_put_pages(pages);
err_dmabuf:
	dma_buf_put(dmabuf);
	return ERR_PTR(rc);
}

/* From iopt_release_pages(): the last reference on the pages is gone */
void iopt_file_release(struct iopt_pages *pages)
{
	struct iopt_file *file = pages->file;

	if (!file->dmabuf) {
		physr_unpin(file->pinned);
		iopt_pages_account_physr(pages, pages->npages, false);
		fput(file->memfd);
		kfree(file);
		return;
	}

	spin_lock(&file->lock);
	file->pages = NULL;
	spin_unlock(&file->lock);
	/* Possibly under iommufd locks or the reservation lock itself */
	queue_work(iopt_file_wq, &file->detach_work);
}

/* Module init and exit of iommufd */
int iommufd_file_init(void)
{
	iopt_file_wq = alloc_workqueue("iommufd_file", 0, 0);
	return iopt_file_wq ? 0 : -ENOMEM;
}

void iommufd_file_exit(void)
{
	/* Every file is closed: only detaches already queued are left */
	destroy_workqueue(iopt_file_wq);
}

/**
 * iopt_file_memfd() - the memfd @pages maps
 * @pages: any iopt_pages
 *
 * Return: the memfd of pages made by IOMMU_IOAS_MAP_FILE from a memfd,
 * NULL for every other kind of pages. The reference is the pages' own.
 */
struct file *iopt_file_memfd(struct iopt_pages *pages)
{
	return pages->file ? pages->file->memfd : NULL;
}

int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	unsigned long iova = cmd->iova;
	struct iommufd_ioas *ioas;
	struct iopt_pages *pages;
	struct dma_buf *dmabuf;
	unsigned int flags = 0;
	bool writable;
	int iommu_prot;
	u64 end;
	int rc;

	if (cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA |
			   IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE))
		return -EOPNOTSUPP;
	if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX ||
	    check_add_overflow(cmd->start, cmd->length, &end) ||
	    end >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	iommu_prot = iopt_file_prot(cmd->flags);
	writable = iommu_prot & IOMMU_WRITE;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	dmabuf = dma_buf_get(cmd->fd);
	if (!IS_ERR(dmabuf)) {
		pages = iopt_dmabuf_pages(ucmd->ictx, dmabuf, cmd->start,
					  cmd->length, writable);
	} else if (PTR_ERR(dmabuf) == -EINVAL) {
		/* Not a dma-buf: a memfd, or the wrong kind of file */
		struct file *filp = fget(cmd->fd);

		if (!filp) {
			rc = -EBADF;
			goto out_put;
		}
		pages = iopt_memfd_pages(ucmd->ictx, filp, cmd->start,
					 cmd->length, writable);
		fput(filp);
	} else {
		pages = ERR_CAST(dmabuf);
	}
	if (IS_ERR(pages)) {
		rc = PTR_ERR(pages);
		goto out_put;
	}

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_one_pages(&ioas->iopt, pages, &iova,
				cmd->start - (uintptr_t)pages->uptr,
				cmd->length, iommu_prot, flags);
	if (rc)
		goto out_put;

	cmd->iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &ioas->obj);
	return rc;
}
