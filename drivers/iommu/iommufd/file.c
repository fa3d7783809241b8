// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_IOAS_MAP_FILE: map a range of a memfd or of a dma-buf into an IOAS.
 *
 * Both give iopt_pages whose pfns come from a physr list instead of a user
 * VA; pages.c reads the list where it would otherwise pin user pages, and
 * never pins or unpins a pfn one by one:
 *
 *  - A memfd range is pinned once, folio by folio, by physr_pin_memfd()
 *    and stays pinned until the iopt_pages is released. It is charged to
 *    the locked memory limit as a whole.
 *
 *  - A dma-buf is attached as a dynamic, peer-to-peer importer and the
 *    exporter's own physr (dma_buf_get_physr(), device memory for a VFIO
 *    BAR) is used as it is, mapped with IOMMU_MMIO. It has no struct page,
 *    so no in-kernel access (iommufd_access) can use it. When the exporter
 *    revokes the buffer its move_notify unmaps every area of the pages from
 *    every domain and marks the pages revoked: they stay unmapped, new
 *    domains do not get them, and only IOMMU_IOAS_UNMAP is left to do.
 *
 * Locking: the dma-buf's reservation lock comes first. move_notify runs
 * under it and takes an IOAS's domains_rwsem then the pages mutex, so this
 * file never takes the reservation lock while holding an iommufd lock; the
 * detach, which takes it, runs from a work item after the pages are gone.
 */
#include <linux/debugfs.h>
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
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"
#include "iommufd_private.h"

MODULE_IMPORT_NS(DMA_BUF);

/* What an iopt_pages of IOMMU_IOAS_MAP_FILE holds besides the pages */
struct iopt_file {
	/* memfd: the pinned range, pages->physr points here */
	struct physr pinned;
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

/* Pin a memfd range for MAP_FILE, or for a live update retrieve */
struct iopt_pages *iopt_memfd_pages(struct iommufd_ctx *ictx,
				    struct file *filp, u64 start,
				    u64 length, bool writable)
{
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
	physr_init(&file->pinned);
	if (writable)
		pin |= PHYSR_PIN_WRITE;
	/* Whole pages: index i of the pages is byte i * PAGE_SIZE of the list */
	rc = physr_pin_memfd(&file->pinned, filp, (uintptr_t)pages->uptr,
			     PFN_PHYS(pages->npages), pin, GFP_KERNEL_ACCOUNT);
	if (rc)
		goto err_free;
	rc = iopt_pages_account_physr(pages, true);
	if (rc) {
		physr_unpin(&file->pinned);
		goto err_free;
	}
	pages->physr = &file->pinned;
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
					    u64 length, bool writable,
					    int *iommu_prot)
{
	struct dma_buf_attachment *attach;
	const struct physr *pr;
	struct iopt_pages *pages;
	struct iopt_file *file;
	u64 end;
	int rc;

	if (!dma_buf_physr_capable(dmabuf)) {
		rc = -EOPNOTSUPP;
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
	pages->mmio = true;

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
	rc = dma_buf_get_physr(attach, &pr);
	if (!rc && (physr_total_bytes(pr) < PFN_PHYS(pages->npages) +
						    (uintptr_t)pages->uptr ||
		    !iopt_physr_page_aligned(pr)))
		rc = -EINVAL;
	if (!rc) {
		pages->physr = pr;
		pages->physr_start = (uintptr_t)pages->uptr;
		if (physr_get_kind(pr) == PHYSR_MMIO)
			*iommu_prot |= IOMMU_MMIO;
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
		iopt_pages_account_physr(pages, false);
		physr_unpin(&file->pinned);
		fput(file->memfd);
		kfree(file);
		return;
	}

	spin_lock(&file->lock);
	file->pages = NULL;
	spin_unlock(&file->lock);
	/* Possibly under iommufd locks or the reservation lock itself */
	schedule_work(&file->detach_work);
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
					  cmd->length, writable, &iommu_prot);
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

#ifdef CONFIG_IOMMUFD_TEST
/*
 * Test only: iommufd/iommu_map_calls in debugfs counts the iommu_map() calls
 * made to map areas into domains, so a test or benchmark can check that a
 * range of contiguous memory costs one call. Writing resets it.
 */
atomic64_t iopt_iommu_map_calls;
static struct dentry *iommufd_file_debugfs;

static int iopt_map_calls_get(void *data, u64 *val)
{
	*val = atomic64_read(&iopt_iommu_map_calls);
	return 0;
}

static int iopt_map_calls_set(void *data, u64 val)
{
	atomic64_set(&iopt_iommu_map_calls, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(iopt_map_calls_fops, iopt_map_calls_get,
			 iopt_map_calls_set, "%llu\n");

/*
 * Test only: a dma-buf exporter of ordinary pages that hands out its physr
 * and can be revoked on request (IOMMU_TEST_OP_DMABUF_GET/REVOKE), so the
 * mock domain selftests can drive the dma-buf paths, revocation included.
 * Userspace can mmap it to compare the pages with the mock domain's.
 */
struct iommufd_test_dmabuf {
	struct physr pr;
	struct page **pages;
	unsigned long npages;
	bool revoked;
};

static int iommufd_test_dmabuf_attach(struct dma_buf *dmabuf,
				      struct dma_buf_attachment *attach)
{
	if (!attach->peer2peer || !attach->importer_ops ||
	    !attach->importer_ops->move_notify)
		return -EOPNOTSUPP;
	return 0;
}

static int iommufd_test_dmabuf_pin(struct dma_buf_attachment *attach)
{
	return -EOPNOTSUPP;
}

static void iommufd_test_dmabuf_unpin(struct dma_buf_attachment *attach)
{
}

static struct sg_table *
iommufd_test_dmabuf_map(struct dma_buf_attachment *attach,
			enum dma_data_direction dir)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void iommufd_test_dmabuf_unmap(struct dma_buf_attachment *attach,
				      struct sg_table *sgt,
				      enum dma_data_direction dir)
{
}

static int iommufd_test_dmabuf_mmap(struct dma_buf *dmabuf,
				    struct vm_area_struct *vma)
{
	struct iommufd_test_dmabuf *priv = dmabuf->priv;
	unsigned long i, n = vma_pages(vma);
	int rc;

	if (vma->vm_pgoff + n > priv->npages)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		rc = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				    priv->pages[vma->vm_pgoff + i]);
		if (rc)
			return rc;
	}
	return 0;
}

static void iommufd_test_dmabuf_free(struct iommufd_test_dmabuf *priv)
{
	unsigned long i;

	for (i = 0; i < priv->npages; i++)
		if (priv->pages[i])
			__free_page(priv->pages[i]);
	kfree(priv->pages);
	physr_destroy(&priv->pr);
	kfree(priv);
}

static void iommufd_test_dmabuf_release(struct dma_buf *dmabuf)
{
	iommufd_test_dmabuf_free(dmabuf->priv);
}

static const struct dma_buf_ops iommufd_test_dmabuf_ops = {
	.attach = iommufd_test_dmabuf_attach,
	.pin = iommufd_test_dmabuf_pin,
	.unpin = iommufd_test_dmabuf_unpin,
	.map_dma_buf = iommufd_test_dmabuf_map,
	.unmap_dma_buf = iommufd_test_dmabuf_unmap,
	.mmap = iommufd_test_dmabuf_mmap,
	.release = iommufd_test_dmabuf_release,
};

static int iommufd_test_dmabuf_get_physr(struct dma_buf_attachment *attach,
					 const struct physr **pr)
{
	struct iommufd_test_dmabuf *priv = attach->dmabuf->priv;

	if (priv->revoked)
		return -ENODEV;
	*pr = &priv->pr;
	return 0;
}

static struct dma_buf_physr_exporter iommufd_test_dmabuf_exporter = {
	.ops = &iommufd_test_dmabuf_ops,
	.get_physr = iommufd_test_dmabuf_get_physr,
};

/* IOMMU_TEST_OP_DMABUF_GET: returns the fd of a new dma-buf */
int iommufd_test_dmabuf_get(struct iommufd_ucmd *ucmd, unsigned int open_flags,
			    size_t length)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct iommufd_test_dmabuf *priv;
	struct dma_buf *dmabuf;
	unsigned long i;
	int rc;

	if (!length || length % PAGE_SIZE || length > SZ_64M ||
	    (open_flags & ~(O_CLOEXEC | O_ACCMODE)))
		return -EINVAL;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	physr_init(&priv->pr);
	priv->npages = length / PAGE_SIZE;
	priv->pages = kcalloc(priv->npages, sizeof(*priv->pages), GFP_KERNEL);
	rc = priv->pages ? 0 : -ENOMEM;
	for (i = 0; !rc && i < priv->npages; i++) {
		priv->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!priv->pages[i])
			rc = -ENOMEM;
		else
			rc = physr_append(&priv->pr,
					  page_to_phys(priv->pages[i]),
					  PAGE_SIZE, GFP_KERNEL);
	}
	if (rc)
		goto err_free;

	exp_info.ops = &iommufd_test_dmabuf_ops;
	exp_info.size = length;
	exp_info.flags = open_flags;
	exp_info.priv = priv;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		rc = PTR_ERR(dmabuf);
		goto err_free;
	}
	rc = dma_buf_fd(dmabuf, open_flags);
	if (rc < 0)
		dma_buf_put(dmabuf);
	return rc;

err_free:
	iommufd_test_dmabuf_free(priv);
	return rc;
}

/* IOMMU_TEST_OP_DMABUF_REVOKE: revoke (importers are told) or allow again */
int iommufd_test_dmabuf_revoke(struct iommufd_ucmd *ucmd, int fd, bool revoked)
{
	struct iommufd_test_dmabuf *priv;
	struct dma_buf *dmabuf;
	int rc = 0;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (dmabuf->ops != &iommufd_test_dmabuf_ops) {
		rc = -EOPNOTSUPP;
		goto out_put;
	}
	priv = dmabuf->priv;
	dma_resv_lock(dmabuf->resv, NULL);
	if (priv->revoked != revoked) {
		priv->revoked = revoked;
		if (revoked)
			dma_buf_move_notify(dmabuf);
	}
	dma_resv_unlock(dmabuf->resv);
out_put:
	dma_buf_put(dmabuf);
	return rc;
}

void iommufd_file_test_init(void)
{
	iommufd_file_debugfs = debugfs_create_dir("iommufd", NULL);
	debugfs_create_file_unsafe("iommu_map_calls", 0600,
				   iommufd_file_debugfs, NULL,
				   &iopt_map_calls_fops);
	dma_buf_physr_register(&iommufd_test_dmabuf_exporter);
}

void iommufd_file_test_exit(void)
{
	dma_buf_physr_unregister(&iommufd_test_dmabuf_exporter);
	debugfs_remove_recursive(iommufd_file_debugfs);
}
#endif
