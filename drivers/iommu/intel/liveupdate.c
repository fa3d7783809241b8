// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update: the translation of preserved devices keeps running
 * through a kexec, and the next kernel adopts it in place.
 *
 * Outgoing kernel.  iommu_lu_preserve() records a device and the paging
 * domain attached to it in one slot of the "intel-iommu" handover blob (one
 * page, format "intel-iommu-lu-v1") and preserves, with Kexec HandOver, the
 * unit's root table, the context table of the device's bus, and every
 * page-table page of the domain (listed in a physr list, which KHO hands
 * over as their only record: kho_preserve_physr_ref()).
 * At kexec the device keeps bus mastering (pci_device_shutdown()) and
 * intel_iommu_shutdown() leaves translation enabled on units with a
 * preserved device, after clearing every context entry that is not a
 * preserved device's: the next kernel will reuse the memory of those
 * context tables and of the domains behind them.
 *
 * Next kernel.  init_dmars() finds translation enabled; before 6.12's
 * answer (turn it off unless kdump) it asks intel_lu_adopt_unit().  The
 * whole blob is validated once, then every record of the unit: the root
 * table is the one the hardware walks, the context entry of the device is
 * live and points at the recorded page table with the recorded domain ID
 * and width, every table page reachable from it is on the preserved list
 * and reached once.  Only then are the pages taken back (no copy), the
 * domain IDs reserved, and every other context entry cleared.  A unit
 * whose records fail any check is reset as 6.12 would (translation off,
 * fresh tables) with a message; its pages stay with KHO, which frees them
 * at finish.  When the iommu core probes a preserved device,
 * iommu_lu_probe_domain() builds a paging domain around the adopted page
 * table and its domain ID, and the core attaches the group to it instead of
 * the default domain: the context entry is already right, so DMA never
 * stops translating.  The domain's owner gets it with iommu_lu_restore().
 *
 * Only legacy (non-scalable) mode, second-stage paging domains and devices
 * alone in their group with no DMA alias are handled.
 */
#define pr_fmt(fmt) "DMAR-LU: " fmt

#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/iommu-lu.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/physr.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "iommu.h"
#include "pasid.h"
#include "../iommu-pages.h"
#include "../iommu-priv.h"

#define INTEL_LU_BLOB		"intel-iommu"
#define INTEL_LU_COMPATIBLE	"intel-iommu-lu-v1"
#define INTEL_LU_MAGIC		0x31762d554c2d6476ULL	/* "vd-LU-v1" */
#define INTEL_LU_VERSION	1

/*
 * Bounds on what the next kernel accepts: a 1 GiB domain mapped with 4 KiB
 * pages has 515 table pages at 4 levels; the list chunks hold ~250 ranges.
 */
#define INTEL_LU_MAX_PT_PAGES	BIT(20)
#define INTEL_LU_MAX_CHUNKS	(INTEL_LU_MAX_PT_PAGES / 64)

/**
 * struct intel_lu_rec - one preserved device (little endian)
 * @reg_base: physical base of the unit's registers (identifies the unit).
 * @root: the unit's root table.
 * @context: context table of @source_id's bus.
 * @pgd: top page-table page of the device's domain.
 * @pt_first: first chunk of the physr list of the domain's table pages.
 * @pt_pages: number of table pages on that list.
 * @did: domain ID of the domain on this unit.
 * @source_id: bus << 8 | devfn.
 * @agaw: adjusted guest address width of the domain.
 * @in_use: 1 when the slot holds a device, 0 when free.
 * @reserved: zero.
 */
struct intel_lu_rec {
	__le64 reg_base;
	__le64 root;
	__le64 context;
	__le64 pgd;
	__le64 pt_first;
	__le64 pt_pages;
	__le16 did;
	__le16 source_id;
	u8 agaw;
	u8 in_use;
	__le16 reserved;
};

/**
 * struct intel_lu_hdr - the "intel-iommu" blob (one page, little endian)
 * @magic: %INTEL_LU_MAGIC.
 * @version: %INTEL_LU_VERSION.
 * @nr_slots: number of slots in @recs, at most %INTEL_LU_MAX_SLOTS.
 * @recs: the slots.
 */
struct intel_lu_hdr {
	__le64 magic;
	__le32 version;
	__le32 nr_slots;
	struct intel_lu_rec recs[];
};

#define INTEL_LU_MAX_SLOTS \
	((PAGE_SIZE - sizeof(struct intel_lu_hdr)) / sizeof(struct intel_lu_rec))

static DEFINE_MUTEX(intel_lu_lock);

/* ---- outgoing kernel ---- */

struct intel_lu_out_domain {
	struct dmar_domain *domain;
	struct physr pt;
	unsigned long nr_pages;
	unsigned int users;
};

struct intel_lu_out_dev {
	struct device *dev;
	struct intel_iommu *iommu;
	struct intel_lu_out_domain *d;
	u8 bus, devfn;
};

static struct intel_lu_hdr *intel_lu_out;
static struct intel_lu_out_dev *intel_lu_out_devs[INTEL_LU_MAX_SLOTS];
/* Root and context table pages preserved, by pfn: number of users. */
static DEFINE_XARRAY(intel_lu_out_tables);

static int intel_lu_hold_table(void *table)
{
	unsigned long pfn = PHYS_PFN(virt_to_phys(table));
	void *old = xa_load(&intel_lu_out_tables, pfn);
	int ret;

	if (old)
		return xa_err(xa_store(&intel_lu_out_tables, pfn,
				       xa_mk_value(xa_to_value(old) + 1),
				       GFP_KERNEL));
	ret = kho_preserve_pages(virt_to_page(table), 1);
	if (ret)
		return ret;
	ret = xa_err(xa_store(&intel_lu_out_tables, pfn, xa_mk_value(1),
			      GFP_KERNEL));
	if (ret)
		kho_unpreserve_pages(virt_to_page(table), 1);
	return ret;
}

static void intel_lu_drop_table(void *table)
{
	unsigned long pfn = PHYS_PFN(virt_to_phys(table));
	void *old = xa_load(&intel_lu_out_tables, pfn);

	if (WARN_ON(!old))
		return;
	if (xa_to_value(old) > 1) {
		xa_store(&intel_lu_out_tables, pfn,
			 xa_mk_value(xa_to_value(old) - 1), GFP_KERNEL);
		return;
	}
	xa_erase(&intel_lu_out_tables, pfn);
	kho_unpreserve_pages(virt_to_page(table), 1);
}

/* List @table and every table page below it (depth first). */
static int intel_lu_collect(struct dma_pte *table, int level,
			    struct physr *pt, unsigned long *nr)
{
	int i, ret;

	ret = physr_append(pt, virt_to_phys(table), VTD_PAGE_SIZE, GFP_KERNEL);
	if (ret)
		return ret;
	(*nr)++;
	if (level <= 1)
		return 0;
	for (i = 0; i < VTD_PAGE_SIZE / sizeof(*table); i++) {
		struct dma_pte *pte = &table[i];

		if (!dma_pte_present(pte) || dma_pte_superpage(pte))
			continue;
		ret = intel_lu_collect(phys_to_virt(dma_pte_addr(pte)),
				       level - 1, pt, nr);
		if (ret)
			return ret;
	}
	return 0;
}

static void intel_lu_put_domain(struct intel_lu_out_domain *d)
{
	if (--d->users)
		return;
	kho_unpreserve_physr_ref(&d->pt);
	physr_destroy(&d->pt);
	kfree(d);
}

static struct intel_lu_out_domain *
intel_lu_get_domain(struct dmar_domain *domain)
{
	struct intel_lu_out_domain *d;
	int i, ret;

	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++) {
		if (intel_lu_out_devs[i] &&
		    intel_lu_out_devs[i]->d->domain == domain) {
			intel_lu_out_devs[i]->d->users++;
			return intel_lu_out_devs[i]->d;
		}
	}

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->domain = domain;
	d->users = 1;
	physr_init(&d->pt);
	ret = intel_lu_collect(domain->pgd, agaw_to_level(domain->agaw),
			       &d->pt, &d->nr_pages);
	if (ret)
		goto err_destroy;
	/*
	 * The list of table pages is the only record of them that goes
	 * over: KHO references it instead of listing the pages again.
	 */
	ret = kho_preserve_physr_ref(&d->pt, 0);
	if (ret)
		goto err_destroy;
	return d;

err_destroy:
	physr_destroy(&d->pt);
	kfree(d);
	return ERR_PTR(ret);
}

static int intel_lu_blob_init(void)
{
	struct page *page;
	int ret;

	if (intel_lu_out)
		return 0;
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	intel_lu_out = page_address(page);
	intel_lu_out->magic = cpu_to_le64(INTEL_LU_MAGIC);
	intel_lu_out->version = cpu_to_le32(INTEL_LU_VERSION);
	intel_lu_out->nr_slots = cpu_to_le32(INTEL_LU_MAX_SLOTS);
	ret = kho_preserve_pages(page, 1);
	if (ret)
		goto err_free;
	ret = kho_add_subtree(INTEL_LU_BLOB, INTEL_LU_COMPATIBLE,
			      page_to_phys(page), PAGE_SIZE);
	if (ret)
		goto err_unpreserve;
	return 0;

err_unpreserve:
	kho_unpreserve_pages(page, 1);
err_free:
	__free_page(page);
	intel_lu_out = NULL;
	return ret;
}

static int intel_lu_count_dev(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

static int intel_lu_count_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	(*(int *)data)++;
	return 0;
}

/* The device's slot in the outgoing blob, or -ENOENT. */
static int intel_lu_out_slot(struct device *dev)
{
	int i;

	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++)
		if (intel_lu_out_devs[i] && intel_lu_out_devs[i]->dev == dev)
			return i;
	return -ENOENT;
}

static int intel_lu_check_preservable(struct iommu_domain *domain,
				      struct device *dev)
{
	struct device_domain_info *info;
	struct iommu_group *group;
	int n = 0;

	if (!dev_is_pci(dev) || !dev->iommu ||
	    dev_iommu_ops(dev) != &intel_iommu_ops)
		return -EOPNOTSUPP;
	info = dev_iommu_priv_get(dev);
	if (sm_supported(info->iommu))
		return -EOPNOTSUPP;
	if (domain->type != IOMMU_DOMAIN_UNMANAGED ||
	    domain->ops != intel_iommu_ops.default_domain_ops)
		return -EINVAL;
	if (to_dmar_domain(domain)->use_first_level ||
	    to_dmar_domain(domain)->nested_parent)
		return -EOPNOTSUPP;
	if (info->domain != to_dmar_domain(domain) || !info->domain_attached)
		return -EINVAL;

	group = iommu_group_get(dev);
	if (!group)
		return -EINVAL;
	iommu_group_for_each_dev(group, &n, intel_lu_count_dev);
	iommu_group_put(group);
	if (n != 1)
		return -EXDEV;
	n = 0;
	pci_for_each_dma_alias(to_pci_dev(dev), intel_lu_count_alias, &n);
	if (n != 1)
		return -EXDEV;
	return 0;
}

/**
 * iommu_lu_preserve() - keep a device's translation through the next kexec
 * @domain: paging domain attached to @dev.
 * @dev: the device, alone in its IOMMU group.
 * @handle: receives the handle to give to iommu_lu_restore() in the next
 *	kernel.
 *
 * Records @domain's page tables and @dev's context entry for the next
 * kernel and exempts @dev (bus mastering kept at kexec) and its IOMMU unit
 * (translation left enabled).  The caller must not map into or unmap from
 * @domain, nor detach it from @dev, until kexec or iommu_lu_unpreserve().
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EOPNOTSUPP when the device's IOMMU or the
 * configuration cannot preserve (no VT-d, scalable mode, a first-stage or
 * nesting-parent domain, Kexec HandOver off); -EINVAL when @domain is not a
 * paging domain of VT-d attached to @dev; -EBUSY when @dev is preserved
 * already; -EXDEV when @dev shares its group or has a DMA alias; -ENOSPC
 * when every slot of the handover is taken; -ENOMEM; or an error of Kexec
 * HandOver.  On error nothing is preserved.
 */
int iommu_lu_preserve(struct iommu_domain *domain, struct device *dev,
		      u64 *handle)
{
	struct device_domain_info *info;
	struct intel_lu_out_dev *od;
	struct context_entry *ctx;
	struct intel_lu_rec *rec;
	int slot, ret;

	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	ret = intel_lu_check_preservable(domain, dev);
	if (ret)
		return ret;
	info = dev_iommu_priv_get(dev);

	mutex_lock(&intel_lu_lock);
	if (intel_lu_out_slot(dev) >= 0) {
		ret = -EBUSY;
		goto out_unlock;
	}
	for (slot = 0; slot < INTEL_LU_MAX_SLOTS; slot++)
		if (!intel_lu_out_devs[slot])
			break;
	if (slot == INTEL_LU_MAX_SLOTS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	ret = intel_lu_blob_init();
	if (ret)
		goto out_unlock;

	od = kzalloc(sizeof(*od), GFP_KERNEL);
	if (!od) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	od->dev = dev;
	od->iommu = info->iommu;
	od->bus = info->bus;
	od->devfn = info->devfn;

	spin_lock(&od->iommu->lock);
	ctx = iommu_context_addr(od->iommu, od->bus, od->devfn, 0);
	spin_unlock(&od->iommu->lock);
	if (!ctx || !context_present(ctx)) {
		ret = -EINVAL;
		goto err_free;
	}
	ret = intel_lu_hold_table(od->iommu->root_entry);
	if (ret)
		goto err_free;
	ret = intel_lu_hold_table(PTR_ALIGN_DOWN(ctx, VTD_PAGE_SIZE));
	if (ret)
		goto err_root;
	od->d = intel_lu_get_domain(to_dmar_domain(domain));
	if (IS_ERR(od->d)) {
		ret = PTR_ERR(od->d);
		goto err_ctx;
	}

	rec = &intel_lu_out->recs[slot];
	memset(rec, 0, sizeof(*rec));
	rec->reg_base = cpu_to_le64(od->iommu->reg_phys);
	rec->root = cpu_to_le64(virt_to_phys(od->iommu->root_entry));
	rec->context = cpu_to_le64(virt_to_phys(PTR_ALIGN_DOWN(ctx, VTD_PAGE_SIZE)));
	rec->pgd = cpu_to_le64(virt_to_phys(od->d->domain->pgd));
	rec->pt_first = cpu_to_le64(physr_first_chunk(&od->d->pt));
	rec->pt_pages = cpu_to_le64(od->d->nr_pages);
	rec->did = cpu_to_le16(context_domain_id(ctx));
	rec->source_id = cpu_to_le16(PCI_DEVID(od->bus, od->devfn));
	rec->agaw = od->d->domain->agaw;
	rec->in_use = 1;
	intel_lu_out_devs[slot] = od;
	*handle = slot + 1;
	mutex_unlock(&intel_lu_lock);
	dev_info(dev, "DMAR-LU: translation preserved (slot %d, %lu table pages in %llu runs)\n",
		 slot, od->d->nr_pages, physr_nr_ranges(&od->d->pt));
	return 0;

err_ctx:
	intel_lu_drop_table(PTR_ALIGN_DOWN(ctx, VTD_PAGE_SIZE));
err_root:
	intel_lu_drop_table(od->iommu->root_entry);
err_free:
	kfree(od);
out_unlock:
	mutex_unlock(&intel_lu_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_lu_preserve);

/* Undo the preservation of slot @slot; intel_lu_lock held. */
static void intel_lu_drop_slot(int slot)
{
	struct intel_lu_out_dev *od = intel_lu_out_devs[slot];
	struct context_entry *ctx;

	intel_lu_out_devs[slot] = NULL;
	ctx = phys_to_virt(le64_to_cpu(intel_lu_out->recs[slot].context));
	memset(&intel_lu_out->recs[slot], 0, sizeof(intel_lu_out->recs[slot]));
	intel_lu_drop_table(ctx);
	intel_lu_drop_table(od->iommu->root_entry);
	intel_lu_put_domain(od->d);
	kfree(od);
}

/**
 * iommu_lu_unpreserve() - undo iommu_lu_preserve() before kexec
 * @domain: the domain given to iommu_lu_preserve().
 * @dev: the device given to iommu_lu_preserve().
 *
 * Does nothing for a device that is not preserved.
 *
 * Context: process context, may sleep.
 */
void iommu_lu_unpreserve(struct iommu_domain *domain, struct device *dev)
{
	int slot;

	mutex_lock(&intel_lu_lock);
	slot = intel_lu_out_slot(dev);
	if (slot >= 0 && intel_lu_out_devs[slot]->d->domain ==
	    to_dmar_domain(domain))
		intel_lu_drop_slot(slot);
	mutex_unlock(&intel_lu_lock);
}
EXPORT_SYMBOL_GPL(iommu_lu_unpreserve);

static bool intel_lu_out_preserved(u8 bus, u8 devfn,
				   struct intel_iommu *iommu)
{
	int i;

	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++) {
		struct intel_lu_out_dev *od = intel_lu_out_devs[i];

		if (od && od->iommu == iommu && od->bus == bus &&
		    od->devfn == devfn)
			return true;
	}
	return false;
}

/*
 * Clear every context entry of @iommu that is not a preserved device's and
 * every root entry of a bus without one, so that the hardware walks only
 * preserved memory once the next kernel runs.  Called at kexec only.
 */
static void intel_lu_prune_unit(struct intel_iommu *iommu,
				bool (*keep)(u8 bus, u8 devfn,
					     struct intel_iommu *iommu))
{
	struct root_entry *root = iommu->root_entry;
	int bus, devfn;

	for (bus = 0; bus < 256; bus++) {
		struct context_entry *ctx;
		bool any = false;

		if (!(root[bus].lo & 1))
			continue;
		ctx = phys_to_virt(root[bus].lo & VTD_PAGE_MASK);
		for (devfn = 0; devfn < 256; devfn++) {
			if (keep(bus, devfn, iommu)) {
				any = true;
				continue;
			}
			if (context_present(&ctx[devfn])) {
				context_clear_entry(&ctx[devfn]);
				__iommu_flush_cache(iommu, &ctx[devfn],
						    sizeof(ctx[devfn]));
			}
		}
		if (!any) {
			root[bus].lo = 0;
			root[bus].hi = 0;
			__iommu_flush_cache(iommu, &root[bus], sizeof(root[bus]));
		}
	}
	iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
	iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
}

#ifdef CONFIG_IOMMU_LIVEUPDATE_TEST
/*
 * Test only: /sys/kernel/debug/iommu_lu/test_corrupt names one damage done
 * to the outgoing records at kexec, after which the next kernel must
 * reject the unit's handover, reset the unit and boot on.
 */
enum intel_lu_corrupt {
	INTEL_LU_CORRUPT_NONE,
	INTEL_LU_CORRUPT_MAGIC,		/* blob magic */
	INTEL_LU_CORRUPT_VERSION,	/* blob version */
	INTEL_LU_CORRUPT_COUNT,		/* more slots than a page holds */
	INTEL_LU_CORRUPT_RESERVED,	/* a reserved field set */
	INTEL_LU_CORRUPT_ROOT,		/* root table not the one in RTADDR */
	INTEL_LU_CORRUPT_CONTEXT,	/* context table not the bus's */
	INTEL_LU_CORRUPT_DID,		/* domain ID not the context entry's */
	INTEL_LU_CORRUPT_PGD,		/* page table not the context entry's */
	INTEL_LU_CORRUPT_PT_LIST,	/* list of table pages: bad chunk */
	INTEL_LU_CORRUPT_PT_COUNT,	/* list shorter than the count */
	INTEL_LU_CORRUPT_MAX,
};

static const char * const intel_lu_corrupt_names[INTEL_LU_CORRUPT_MAX] = {
	"none", "magic", "version", "count", "reserved", "root", "context",
	"did", "pgd", "pt_list", "pt_count",
};

static enum intel_lu_corrupt intel_lu_corrupt_mode;

static void intel_lu_corrupt_out(void)
{
	struct intel_lu_rec *r;
	int i;

	if (!intel_lu_out || !intel_lu_corrupt_mode)
		return;
	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++)
		if (intel_lu_out_devs[i])
			break;
	if (i == INTEL_LU_MAX_SLOTS)
		return;
	r = &intel_lu_out->recs[i];
	switch (intel_lu_corrupt_mode) {
	case INTEL_LU_CORRUPT_MAGIC:
		intel_lu_out->magic = cpu_to_le64(INTEL_LU_MAGIC ^ 1);
		break;
	case INTEL_LU_CORRUPT_VERSION:
		intel_lu_out->version = cpu_to_le32(INTEL_LU_VERSION + 1);
		break;
	case INTEL_LU_CORRUPT_COUNT:
		intel_lu_out->nr_slots = cpu_to_le32(U32_MAX);
		break;
	case INTEL_LU_CORRUPT_RESERVED:
		r->reserved = cpu_to_le16(1);
		break;
	case INTEL_LU_CORRUPT_ROOT:
		r->root = cpu_to_le64(le64_to_cpu(r->context));
		break;
	case INTEL_LU_CORRUPT_CONTEXT:
		r->context = cpu_to_le64(le64_to_cpu(r->root));
		break;
	case INTEL_LU_CORRUPT_DID:
		r->did = cpu_to_le16(le16_to_cpu(r->did) + 1);
		break;
	case INTEL_LU_CORRUPT_PGD:
		r->pgd = cpu_to_le64(le64_to_cpu(r->context));
		break;
	case INTEL_LU_CORRUPT_PT_LIST:
		/* The root table is preserved but is no physr chunk. */
		r->pt_first = r->root;
		break;
	case INTEL_LU_CORRUPT_PT_COUNT:
		r->pt_pages = cpu_to_le64(le64_to_cpu(r->pt_pages) + 1);
		break;
	default:
		break;
	}
	pr_warn("test: outgoing record damaged (%s)\n",
		intel_lu_corrupt_names[intel_lu_corrupt_mode]);
}

static ssize_t intel_lu_corrupt_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	char buf[32];
	int i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	i = sysfs_match_string(intel_lu_corrupt_names, strim(buf));
	if (i < 0)
		return i;
	intel_lu_corrupt_mode = i;
	return len;
}

static int intel_lu_corrupt_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", intel_lu_corrupt_names[intel_lu_corrupt_mode]);
	return 0;
}

static int intel_lu_corrupt_open(struct inode *inode, struct file *file)
{
	return single_open(file, intel_lu_corrupt_show, NULL);
}

static const struct file_operations intel_lu_corrupt_fops = {
	.owner = THIS_MODULE,
	.open = intel_lu_corrupt_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = intel_lu_corrupt_write,
};

#else
static void intel_lu_corrupt_out(void)
{
}
#endif /* CONFIG_IOMMU_LIVEUPDATE_TEST */

/*
 * /sys/kernel/debug/iommu_lu/out: one line per preserved device, with what
 * its handover costs: the page-table pages (preserved in place), the runs
 * they form, and the metadata written for them (the physr list's chunk
 * pages and the slot).
 */
static int intel_lu_out_show(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&intel_lu_lock);
	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++) {
		struct intel_lu_out_dev *od = intel_lu_out_devs[i];

		if (!od)
			continue;
		seq_printf(m, "slot %d dev %s did %u table_pages %lu table_bytes %lu runs %llu list_chunks %lu list_bytes %zu record_bytes %zu\n",
			   i, dev_name(od->dev),
			   le16_to_cpu(intel_lu_out->recs[i].did),
			   od->d->nr_pages, od->d->nr_pages * VTD_PAGE_SIZE,
			   physr_nr_ranges(&od->d->pt),
			   physr_nr_chunks(&od->d->pt),
			   physr_nr_chunks(&od->d->pt) * PAGE_SIZE,
			   sizeof(struct intel_lu_rec));
	}
	mutex_unlock(&intel_lu_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(intel_lu_out);

static int __init intel_lu_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("iommu_lu", NULL);

	debugfs_create_file("out", 0400, dir, NULL, &intel_lu_out_fops);
#ifdef CONFIG_IOMMU_LIVEUPDATE_TEST
	debugfs_create_file("test_corrupt", 0600, dir, NULL,
			    &intel_lu_corrupt_fops);
#endif
	return 0;
}
late_initcall(intel_lu_debugfs_init);

/**
 * intel_lu_shutdown_unit() - at kexec, keep a unit translating if needed
 * @iommu: the unit.
 *
 * Return: true when @iommu has a preserved device and a handover is being
 * made: the other context entries are cleared and translation must stay
 * enabled; false when the unit is turned off as usual.
 */
bool intel_lu_shutdown_unit(struct intel_iommu *iommu)
{
	int i;

	if (!kexec_in_progress || !kho_will_hand_over())
		return false;
	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++)
		if (intel_lu_out_devs[i] && intel_lu_out_devs[i]->iommu == iommu)
			break;
	if (i == INTEL_LU_MAX_SLOTS)
		return false;
	intel_lu_prune_unit(iommu, intel_lu_out_preserved);
	intel_lu_corrupt_out();
	pr_info("%s: translation kept enabled for the next kernel\n",
		iommu->name);
	return true;
}

/* ---- next kernel ---- */

enum intel_lu_in_state {
	INTEL_LU_UNUSED,	/* free slot, or no unit of ours */
	INTEL_LU_PENDING,	/* valid blob, unit not seen yet */
	INTEL_LU_REJECTED,	/* unit reset, records dropped */
	INTEL_LU_ADOPTED,	/* tables taken over, domain not built */
	INTEL_LU_ATTACHED,	/* domain built and attached at probe */
	INTEL_LU_RESTORED,	/* handed to its owner */
	INTEL_LU_FINISHED,
};

struct intel_lu_in {
	enum intel_lu_in_state state;
	u64 reg_base, root, context, pgd, pt_first, pt_pages;
	u16 did, source_id;
	u8 agaw;
	struct intel_iommu *iommu;
	struct dmar_domain *domain;
	struct device *dev;
};

static struct intel_lu_in *intel_lu_in;
static unsigned int intel_lu_in_nr;
static bool intel_lu_in_parsed;

static bool intel_lu_ram_ok(phys_addr_t phys, size_t size, void *arg)
{
	return kho_in_preserved(phys, size);
}

/* Read and check the blob as a whole; false rejects every record. */
static bool intel_lu_parse(void)
{
	const struct intel_lu_hdr *hdr;
	phys_addr_t phys;
	size_t size;
	u32 i, nr;
	int ret;

	ret = kho_retrieve_subtree(INTEL_LU_BLOB, INTEL_LU_COMPATIBLE, &phys,
				   &size);
	if (ret == -ENOENT)
		return false;
	if (ret) {
		pr_err("handover blob rejected (%d), every unit is reset\n", ret);
		return false;
	}
	if (size != PAGE_SIZE || !PAGE_ALIGNED(phys) ||
	    !kho_in_preserved(phys, PAGE_SIZE)) {
		pr_err("handover blob rejected: bad size or place, every unit is reset\n");
		return false;
	}
	hdr = phys_to_virt(phys);
	nr = le32_to_cpu(hdr->nr_slots);
	if (le64_to_cpu(hdr->magic) != INTEL_LU_MAGIC ||
	    le32_to_cpu(hdr->version) != INTEL_LU_VERSION ||
	    nr > INTEL_LU_MAX_SLOTS) {
		pr_err("handover blob rejected: bad magic, version or count, every unit is reset\n");
		return false;
	}
	for (i = 0; i < nr; i++) {
		const struct intel_lu_rec *r = &hdr->recs[i];

		if (r->in_use > 1 || r->reserved ||
		    (!r->in_use && memchr_inv(r, 0, sizeof(*r)))) {
			pr_err("handover blob rejected: record %u has reserved fields set, every unit is reset\n",
			       i);
			return false;
		}
	}
	intel_lu_in = kcalloc(nr, sizeof(*intel_lu_in), GFP_KERNEL);
	if (!intel_lu_in)
		return false;
	for (i = 0; i < nr; i++) {
		const struct intel_lu_rec *r = &hdr->recs[i];
		struct intel_lu_in *in = &intel_lu_in[i];

		if (!r->in_use)
			continue;
		in->state = INTEL_LU_PENDING;
		in->reg_base = le64_to_cpu(r->reg_base);
		in->root = le64_to_cpu(r->root);
		in->context = le64_to_cpu(r->context);
		in->pgd = le64_to_cpu(r->pgd);
		in->pt_first = le64_to_cpu(r->pt_first);
		in->pt_pages = le64_to_cpu(r->pt_pages);
		in->did = le16_to_cpu(r->did);
		in->source_id = le16_to_cpu(r->source_id);
		in->agaw = r->agaw;
	}
	intel_lu_in_nr = nr;
	/* The blob page itself is not needed any more: KHO frees it at finish. */
	return true;
}

/*
 * Walk the page table below @table, marking each table page visited in
 * @pages (which holds the preserved list, value 1).  Every table page must
 * be on the list and reached once: anything else is not a page table this
 * kernel can take over.
 */
static int intel_lu_check_tree(struct xarray *pages, u64 table, int level)
{
	struct dma_pte *pte;
	void *v;
	int i, ret;

	v = xa_load(pages, PHYS_PFN(table));
	if (!PAGE_ALIGNED(table) || !v)
		return -ERANGE;
	if (xa_to_value(v) != 1)
		return -ELOOP;
	ret = xa_err(xa_store(pages, PHYS_PFN(table), xa_mk_value(2),
			      GFP_KERNEL));
	if (ret)
		return ret;
	if (level <= 1)
		return 0;
	pte = phys_to_virt(table);
	for (i = 0; i < VTD_PAGE_SIZE / sizeof(*pte); i++) {
		if (!dma_pte_present(&pte[i]) || dma_pte_superpage(&pte[i]))
			continue;
		ret = intel_lu_check_tree(pages, dma_pte_addr(&pte[i]),
					  level - 1);
		if (ret)
			return ret;
	}
	return 0;
}

/* All checks of one record against the live hardware state. */
static int intel_lu_check_rec(struct intel_iommu *iommu,
			      struct intel_lu_in *in)
{
	u8 bus = PCI_BUS_NUM(in->source_id), devfn = in->source_id & 0xff;
	struct root_entry *root;
	struct context_entry *ctx;
	struct physr_range r;
	struct physr_iter it;
	struct physr pt;
	DEFINE_XARRAY(pages);
	u64 nr = 0, p;
	int ret;

	if (!PAGE_ALIGNED(in->root) || !PAGE_ALIGNED(in->context) ||
	    !PAGE_ALIGNED(in->pgd) || !in->pt_pages ||
	    in->pt_pages > INTEL_LU_MAX_PT_PAGES)
		return -EINVAL;
	if ((dmar_readq(iommu->reg + DMAR_RTADDR_REG) & ~VTD_PAGE_MASK) ||
	    (dmar_readq(iommu->reg + DMAR_RTADDR_REG) & VTD_PAGE_MASK) != in->root)
		return -ESTALE;
	if (!kho_in_preserved(in->root, PAGE_SIZE) ||
	    !kho_in_preserved(in->context, PAGE_SIZE))
		return -ERANGE;
	if (in->did < NUM_RESERVED_DID || in->did >= cap_ndoms(iommu->cap))
		return -EINVAL;
	if (in->agaw != iommu->agaw)
		return -EOPNOTSUPP;

	root = phys_to_virt(in->root);
	if (!(root[bus].lo & 1) || root[bus].hi ||
	    (root[bus].lo & VTD_PAGE_MASK) != in->context)
		return -ESTALE;
	ctx = (struct context_entry *)phys_to_virt(in->context) + devfn;
	if (!context_present(ctx) || context_domain_id(ctx) != in->did ||
	    (ctx->lo & VTD_PAGE_MASK) != in->pgd ||
	    (ctx->hi & 7) != in->agaw || ((ctx->lo >> 2) & 3) > 1)
		return -ESTALE;

	/*
	 * The list of table pages: well formed and all preserved.  It is only
	 * read here; its chunk pages stay with KHO until taken.
	 */
	ret = physr_adopt(&pt, in->pt_first, NULL, INTEL_LU_MAX_CHUNKS,
			  intel_lu_ram_ok, NULL);
	if (ret)
		return ret;
	physr_for_each_range(&pt, &it, &r) {
		if (!PAGE_ALIGNED(r.phys) || !PAGE_ALIGNED(r.len) ||
		    !kho_in_preserved(r.phys, r.len)) {
			ret = -ERANGE;
			goto out;
		}
		for (p = r.phys; p < r.phys + r.len; p += PAGE_SIZE) {
			if (++nr > in->pt_pages) {
				ret = -E2BIG;
				goto out;
			}
			ret = xa_err(xa_store(&pages, PHYS_PFN(p),
					      xa_mk_value(1), GFP_KERNEL));
			if (ret)
				goto out;
		}
	}
	if (nr != in->pt_pages) {
		ret = -EINVAL;
		goto out;
	}
	ret = intel_lu_check_tree(&pages, in->pgd, agaw_to_level(in->agaw));
out:
	/* Only the walk state: the chunk pages still belong to KHO. */
	xa_destroy(&pages);
	return ret;
}

/* Take a preserved page back unless another record of the unit did. */
static int intel_lu_take(struct xarray *taken, u64 phys, unsigned long nr)
{
	struct page *page;
	unsigned long i;

	if (xa_load(taken, PHYS_PFN(phys)))
		return 0;
	page = kho_restore_pages(phys, nr);
	if (!page)
		return -EBUSY;
	for (i = 0; i < nr; i++) {
		__iommu_alloc_account(page + i, 0);
		if (xa_err(xa_store(taken, PHYS_PFN(phys) + i, xa_mk_value(1),
				    GFP_KERNEL)))
			return -ENOMEM;
	}
	return 0;
}

static int intel_lu_take_rec(struct xarray *taken, struct intel_lu_in *in)
{
	struct physr_range r;
	struct physr_iter it;
	struct physr pt;
	int ret;

	ret = intel_lu_take(taken, in->root, 1);
	ret = ret ?: intel_lu_take(taken, in->context, 1);
	if (ret || xa_load(taken, PHYS_PFN(in->pgd)))
		return ret;
	ret = kho_restore_physr(&pt, in->pt_first);
	if (ret)
		return ret;
	physr_for_each_range(&pt, &it, &r) {
		ret = intel_lu_take(taken, r.phys, r.len >> PAGE_SHIFT);
		if (ret)
			break;
	}
	physr_destroy(&pt);
	return ret;
}

static bool intel_lu_in_keep(u8 bus, u8 devfn, struct intel_iommu *iommu)
{
	unsigned int i;

	for (i = 0; i < intel_lu_in_nr; i++)
		if (intel_lu_in[i].iommu == iommu &&
		    intel_lu_in[i].state == INTEL_LU_ADOPTED &&
		    intel_lu_in[i].source_id == PCI_DEVID(bus, devfn))
			return true;
	return false;
}

/**
 * intel_lu_adopt_unit() - take over a unit left translating by a live update
 * @iommu: a unit found with translation enabled, in a kernel that is not a
 *	kdump kernel.
 *
 * Called by init_dmars() before it allocates a root table.  On success the
 * unit keeps translating with its previous root table (now
 * @iommu->root_entry), the preserved devices' context entries and page
 * tables, their domain IDs reserved, and every other context entry
 * cleared.
 *
 * Return: 0 when adopted; -ENOENT when there is no handover for this unit
 * (the caller resets it as usual); another negative errno when the
 * handover was rejected (a message says why; the caller resets the unit).
 */
int intel_lu_adopt_unit(struct intel_iommu *iommu)
{
	DEFINE_XARRAY(taken);
	unsigned int i, found = 0;
	int ret = 0;

	mutex_lock(&intel_lu_lock);
	if (!intel_lu_in_parsed) {
		intel_lu_in_parsed = true;
		if (kho_is_incoming())
			intel_lu_parse();
	}
	for (i = 0; i < intel_lu_in_nr; i++) {
		struct intel_lu_in *in = &intel_lu_in[i];

		if (in->state != INTEL_LU_PENDING || in->reg_base != iommu->reg_phys)
			continue;
		in->iommu = iommu;
		found++;
		if (!ret) {
			ret = intel_lu_check_rec(iommu, in);
			if (ret)
				pr_err("%s: record %u (%02x:%02x.%d) refused: %d\n",
				       iommu->name, i, PCI_BUS_NUM(in->source_id),
				       PCI_SLOT(in->source_id & 0xff),
				       PCI_FUNC(in->source_id & 0xff), ret);
		}
	}
	if (!found) {
		ret = -ENOENT;
		goto out;
	}
	if (sm_supported(iommu))
		ret = ret ?: -EOPNOTSUPP;
	for (i = 0; !ret && i < intel_lu_in_nr; i++) {
		if (intel_lu_in[i].iommu == iommu)
			ret = intel_lu_take_rec(&taken, &intel_lu_in[i]);
	}
	if (ret) {
		for (i = 0; i < intel_lu_in_nr; i++)
			if (intel_lu_in[i].iommu == iommu)
				intel_lu_in[i].state = INTEL_LU_REJECTED;
		pr_err("%s: live update handover rejected (%d), resetting the unit\n",
		       iommu->name, ret);
		goto out;
	}

	for (i = 0; i < intel_lu_in_nr; i++) {
		struct intel_lu_in *in = &intel_lu_in[i];

		if (in->iommu != iommu)
			continue;
		iommu->root_entry = phys_to_virt(in->root);
		in->state = INTEL_LU_ADOPTED;
		set_bit(in->did, iommu->domain_ids);
	}
	intel_lu_prune_unit(iommu, intel_lu_in_keep);
	pr_info("%s: adopted %u preserved device translation(s) in place\n",
		iommu->name, found);
out:
	xa_destroy(&taken);
	mutex_unlock(&intel_lu_lock);
	return ret;
}

static struct intel_lu_in *intel_lu_find_in(struct device *dev)
{
	struct device_domain_info *info;
	unsigned int i;

	if (!dev->iommu || dev_iommu_ops(dev) != &intel_iommu_ops)
		return NULL;
	info = dev_iommu_priv_get(dev);
	if (!info)
		return NULL;
	for (i = 0; i < intel_lu_in_nr; i++) {
		struct intel_lu_in *in = &intel_lu_in[i];

		if (in->iommu == info->iommu &&
		    in->source_id == PCI_DEVID(info->bus, info->devfn) &&
		    in->state >= INTEL_LU_ADOPTED &&
		    in->state != INTEL_LU_FINISHED)
			return in;
	}
	return NULL;
}

/* Build the paging domain around an adopted page table. */
static struct dmar_domain *intel_lu_build_domain(struct device *dev,
						 struct intel_lu_in *in)
{
	struct iommu_domain_info *di;
	struct dmar_domain *domain;
	unsigned int i;
	int ret;

	/* Another adopted device on the same page table shares the domain. */
	for (i = 0; i < intel_lu_in_nr; i++)
		if (intel_lu_in[i].domain && intel_lu_in[i].pgd == in->pgd &&
		    intel_lu_in[i].iommu == in->iommu)
			return intel_lu_in[i].domain;

	domain = paging_domain_alloc(dev, false);
	if (IS_ERR(domain))
		return domain;
	if (domain->agaw != in->agaw) {
		ret = -EOPNOTSUPP;
		goto err;
	}
	di = kzalloc(sizeof(*di), GFP_KERNEL);
	if (!di) {
		ret = -ENOMEM;
		goto err;
	}
	di->iommu = in->iommu;
	di->did = in->did;
	di->refcnt = 0;	/* the first attach takes the reference */
	ret = xa_err(xa_store(&domain->iommu_array, in->iommu->seq_id, di,
			      GFP_KERNEL));
	if (ret) {
		kfree(di);
		goto err;
	}
	iommu_free_page(domain->pgd);
	domain->pgd = phys_to_virt(in->pgd);
	domain->domain.type = IOMMU_DOMAIN_UNMANAGED;
	domain->domain.owner = &intel_iommu_ops;
	domain->domain.ops = intel_iommu_ops.default_domain_ops;
	return domain;
err:
	domain_exit(domain);
	return ERR_PTR(ret);
}

/**
 * iommu_lu_probe_domain() - the domain to attach a probed device to
 * @dev: a device the iommu core is setting up.
 *
 * For the iommu core: when @dev's translation was adopted from the previous
 * kernel, the paging domain around its adopted page table, to attach
 * instead of the default domain; otherwise NULL.
 *
 * Context: process context, may sleep; the group mutex is held.
 * Return: the domain, NULL, or an ERR_PTR when it could not be built (the
 * device then gets its default domain, which stops its DMA).
 */
struct iommu_domain *iommu_lu_probe_domain(struct device *dev)
{
	struct dmar_domain *domain;
	struct intel_lu_in *in;

	mutex_lock(&intel_lu_lock);
	in = intel_lu_find_in(dev);
	if (!in || in->state != INTEL_LU_ADOPTED) {
		mutex_unlock(&intel_lu_lock);
		return NULL;
	}
	domain = intel_lu_build_domain(dev, in);
	if (IS_ERR(domain)) {
		dev_err(dev, "DMAR-LU: cannot rebuild the preserved domain (%ld)\n",
			PTR_ERR(domain));
		in->state = INTEL_LU_FINISHED;
		mutex_unlock(&intel_lu_lock);
		return ERR_CAST(domain);
	}
	in->domain = domain;
	in->dev = dev;
	in->state = INTEL_LU_ATTACHED;
	mutex_unlock(&intel_lu_lock);
	dev_info(dev, "DMAR-LU: attached to the adopted domain (did %u)\n",
		 in->did);
	return &domain->domain;
}

/**
 * iommu_lu_domain_adopted() - whether a domain was adopted at boot
 * @domain: a domain.
 *
 * For the iommu core, which keeps such a domain attached when the group's
 * DMA ownership is claimed.
 *
 * Context: any process context.
 * Return: true for a domain built by iommu_lu_probe_domain() whose handover
 * is not finished.
 */
bool iommu_lu_domain_adopted(struct iommu_domain *domain)
{
	unsigned int i;
	bool ret = false;

	if (!domain)
		return false;
	mutex_lock(&intel_lu_lock);
	for (i = 0; i < intel_lu_in_nr; i++)
		if (intel_lu_in[i].domain &&
		    &intel_lu_in[i].domain->domain == domain &&
		    intel_lu_in[i].state != INTEL_LU_FINISHED)
			ret = true;
	mutex_unlock(&intel_lu_lock);
	return ret;
}

/**
 * iommu_lu_device_preserved() - whether a device's translation is preserved
 * @dev: the device.
 *
 * Context: process context.
 * Return: in the outgoing kernel, true once iommu_lu_preserve() succeeded
 * for @dev; in the next kernel, true while @dev's adopted translation has
 * not been released by iommu_lu_finish().
 */
bool iommu_lu_device_preserved(struct device *dev)
{
	bool ret;

	mutex_lock(&intel_lu_lock);
	ret = intel_lu_out_slot(dev) >= 0 || intel_lu_find_in(dev);
	mutex_unlock(&intel_lu_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_lu_device_preserved);

/**
 * iommu_lu_pci_keep_master() - whether kexec must leave bus mastering on
 * @pdev: a PCI device being shut down for kexec.
 *
 * Return: true when @pdev is preserved or is a bridge upstream of a
 * preserved device (its DMA goes through it).
 */
bool iommu_lu_pci_keep_master(struct pci_dev *pdev)
{
	int i;

	if (!kho_will_hand_over())
		return false;

	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++) {
		struct intel_lu_out_dev *od = intel_lu_out_devs[i];
		struct pci_dev *p;

		if (!od)
			continue;
		for (p = to_pci_dev(od->dev); p; p = pci_upstream_bridge(p))
			if (p == pdev)
				return true;
	}
	return false;
}

/**
 * iommu_lu_restore() - get a preserved domain back in the next kernel
 * @dev: the device given to iommu_lu_preserve() in the previous kernel.
 * @handle: the handle iommu_lu_preserve() returned.
 *
 * Context: process context, may sleep.
 * Return: the adopted domain, attached to @dev's group, whose owner the
 * caller becomes; ERR_PTR(-ENOENT) for an unknown handle or a @dev that is
 * not the handle's device (or was never probed), -EBUSY when restored
 * already, -EINVAL when the handover of that unit was rejected.
 */
struct iommu_domain *iommu_lu_restore(struct device *dev, u64 handle)
{
	struct iommu_domain *ret;
	struct intel_lu_in *in;

	mutex_lock(&intel_lu_lock);
	if (!handle || handle > intel_lu_in_nr) {
		ret = ERR_PTR(-ENOENT);
		goto out;
	}
	in = &intel_lu_in[handle - 1];
	switch (in->state) {
	case INTEL_LU_ATTACHED:
		break;
	case INTEL_LU_REJECTED:
		ret = ERR_PTR(-EINVAL);
		goto out;
	case INTEL_LU_RESTORED:
		ret = ERR_PTR(in->dev == dev ? -EBUSY : -ENOENT);
		goto out;
	default:
		ret = ERR_PTR(-ENOENT);
		goto out;
	}
	if (in->dev != dev || iommu_get_domain_for_dev(dev) !=
	    &in->domain->domain) {
		ret = ERR_PTR(-ENOENT);
		goto out;
	}
	in->state = INTEL_LU_RESTORED;
	ret = &in->domain->domain;
out:
	mutex_unlock(&intel_lu_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_lu_restore);

/**
 * iommu_lu_finish() - end the handover of one preserved device
 * @handle: the handle of iommu_lu_preserve().
 *
 * A domain nobody restored is detached (the group goes back to its default
 * domain, which stops the device's old DMA) and freed.  In every case the
 * device stops being "preserved".  Unknown handles are ignored.
 *
 * Context: process context, may sleep.
 */
void iommu_lu_finish(u64 handle)
{
	struct dmar_domain *domain = NULL;
	struct device *dev = NULL;
	struct intel_lu_in *in;
	bool last = true;
	unsigned int i;

	mutex_lock(&intel_lu_lock);
	if (!handle || handle > intel_lu_in_nr) {
		mutex_unlock(&intel_lu_lock);
		return;
	}
	in = &intel_lu_in[handle - 1];
	if (in->state == INTEL_LU_ATTACHED) {
		domain = in->domain;
		dev = in->dev;
	}
	if (in->state >= INTEL_LU_ADOPTED)
		in->state = INTEL_LU_FINISHED;
	for (i = 0; domain && i < intel_lu_in_nr; i++)
		if (intel_lu_in[i].domain == domain &&
		    intel_lu_in[i].state != INTEL_LU_FINISHED)
			last = false;
	mutex_unlock(&intel_lu_lock);

	if (dev) {
		struct iommu_group *group = iommu_group_get(dev);

		if (group) {
			iommu_detach_group(&domain->domain, group);
			iommu_group_put(group);
		}
		if (last)
			iommu_domain_free(&domain->domain);
	}
}
EXPORT_SYMBOL_GPL(iommu_lu_finish);

/**
 * intel_lu_domain_free() - a domain is being freed
 * @domain: the domain.
 *
 * A preserved domain freed before kexec loses its preservation (with a
 * warning: its owner broke the contract of iommu_lu_preserve()), and an
 * adopted one is forgotten, so that nothing refers to its memory any more.
 *
 * Context: process context, may sleep; not under intel_lu_lock.
 */
void intel_lu_domain_free(struct dmar_domain *domain)
{
	unsigned int i;

	mutex_lock(&intel_lu_lock);
	for (i = 0; i < INTEL_LU_MAX_SLOTS; i++) {
		if (intel_lu_out_devs[i] &&
		    intel_lu_out_devs[i]->d->domain == domain) {
			dev_warn(intel_lu_out_devs[i]->dev,
				 "DMAR-LU: preserved domain freed before kexec, preservation dropped\n");
			intel_lu_drop_slot(i);
		}
	}
	for (i = 0; i < intel_lu_in_nr; i++) {
		if (intel_lu_in[i].domain == domain) {
			intel_lu_in[i].domain = NULL;
			intel_lu_in[i].state = INTEL_LU_FINISHED;
		}
	}
	mutex_unlock(&intel_lu_lock);
}
