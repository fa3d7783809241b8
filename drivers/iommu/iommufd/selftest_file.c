// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only parts of IOMMU_IOAS_MAP_FILE, built with CONFIG_IOMMUFD_TEST
 * beside selftest.c: the counts of runs and run-list calls mapped for
 * areas, the switch back to 6.12's map path, and a dma-buf exporter that
 * the mock domain selftests drive.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-physr.h>
#include <linux/dma-resv.h>
#include <linux/iommufd.h>
#include <linux/mm.h>
#include <linux/physr.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"
#include "iommufd_private.h"
#include "iommufd_test.h"

/*
 * Test only, in debugfs iommufd/: map_runs (default 1), written 0, makes
 * iommufd fill and map its batches as 6.12 did (a page at a time into the
 * batch, one iommu_map() per run), so that a benchmark compares both paths
 * in one boot.  How many runs were mapped, and in how many calls, is read
 * from the IOMMU trace events map and map_runs
 * (tools/testing/selftests/iommu/iommu_map_trace.h), not counted here.
 */
bool iopt_map_runs_off;
static struct dentry *iommufd_file_debugfs;

static int iopt_map_runs_get(void *data, u64 *val)
{
	*val = !READ_ONCE(iopt_map_runs_off);
	return 0;
}

static int iopt_map_runs_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	WRITE_ONCE(iopt_map_runs_off, !val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(iopt_map_runs_fops, iopt_map_runs_get,
			 iopt_map_runs_set, "%llu\n");

/*
 * Test only: a dma-buf exporter of ordinary pages that hands out its physr
 * and can be revoked on request (IOMMU_TEST_OP_DMABUF_GET/REVOKE), so the
 * mock domain selftests can drive the dma-buf paths, revocation included.
 * Userspace can mmap it to compare the pages with the mock domain's.
 */
struct iommufd_test_dmabuf {
	struct physr pr;
	/* For MOCK_DMABUF_MMIO: RAM that the list calls device memory */
	struct physr_provider provider;
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

static int iommufd_test_dmabuf_get_physr(struct dma_buf_attachment *attach,
					 const struct physr **pr)
{
	struct iommufd_test_dmabuf *priv = attach->dmabuf->priv;

	if (priv->revoked)
		return -ENODEV;
	*pr = &priv->pr;
	return 0;
}

static const struct dma_buf_ops iommufd_test_dmabuf_ops = {
	.attach = iommufd_test_dmabuf_attach,
	.pin = iommufd_test_dmabuf_pin,
	.unpin = iommufd_test_dmabuf_unpin,
	.map_dma_buf = iommufd_test_dmabuf_map,
	.unmap_dma_buf = iommufd_test_dmabuf_unmap,
	.mmap = iommufd_test_dmabuf_mmap,
	.release = iommufd_test_dmabuf_release,
	.get_physr = iommufd_test_dmabuf_get_physr,
};

/* IOMMU_TEST_OP_DMABUF_GET: returns the fd of a new dma-buf */
int iommufd_test_dmabuf_get(struct iommufd_ucmd *ucmd, unsigned int open_flags,
			    size_t length, u32 flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct iommufd_test_dmabuf *priv;
	struct dma_buf *dmabuf;
	unsigned long i;
	int rc;

	if (!length || length % PAGE_SIZE || length > SZ_64M ||
	    (open_flags & ~(O_CLOEXEC | O_ACCMODE)) ||
	    (flags & ~MOCK_DMABUF_MMIO))
		return -EINVAL;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	/*
	 * The mock domain never touches the memory, so ordinary pages can
	 * stand in for a BAR: what matters is how iommufd maps a PHYSR_MMIO
	 * list, which the mock domain records.
	 */
	if (flags & MOCK_DMABUF_MMIO)
		physr_init_mmio(&priv->pr, &priv->provider);
	else
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
		if (revoked) {
			dma_buf_move_notify(dmabuf);
			/*
			 * As a real exporter must: DMA an importer still has in
			 * flight is tracked by its fences; the revocation is
			 * complete only when they have all signalled.
			 */
			dma_resv_wait_timeout(dmabuf->resv,
					      DMA_RESV_USAGE_BOOKKEEP, false,
					      MAX_SCHEDULE_TIMEOUT);
		}
	}
	dma_resv_unlock(dmabuf->resv);
out_put:
	dma_buf_put(dmabuf);
	return rc;
}

void iommufd_file_test_init(void)
{
	iommufd_file_debugfs = debugfs_create_dir("iommufd", NULL);
	debugfs_create_file_unsafe("map_runs", 0600, iommufd_file_debugfs,
				   NULL, &iopt_map_runs_fops);
}

void iommufd_file_test_exit(void)
{
	debugfs_remove_recursive(iommufd_file_debugfs);
}
