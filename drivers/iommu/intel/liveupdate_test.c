// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update test driver (CONFIG_IOMMU_LIVEUPDATE_TEST), driven
 * across real kexecs by the harness's iommu_lu_* tests.
 *
 *   echo preserve > /sys/kernel/debug/iommu_lu_test/control
 *	Binds a driver to QEMU's edu device (PCI 1234:11e8), attaches a
 *	paging domain, maps a source page at IOVA_SRC and a zeroed target
 *	page, preserved with KHO, at IOVA_X, loads a 4 KiB pattern into edu's
 *	buffer (RAM to edu through IOVA_SRC), writes edu's factorial register,
 *	preserves the domain with iommu_lu_preserve() and arms the in-flight
 *	DMA: when the kernel shuts edu down for the kexec, the driver starts
 *	an edu to RAM transfer of the pattern to IOVA_X and returns.  QEMU's
 *	edu completes a transfer ~100 ms after the command, so the bytes land
 *	while the next kernel boots.
 *   echo control > /sys/kernel/debug/iommu_lu_test/control
 *	The same without iommu_lu_preserve(): the DMA must not land.  IOVA_X
 *	(0xa0000) has no RAM behind it when untranslated.
 *   echo verify > /sys/kernel/debug/iommu_lu_test/control
 *	Next kernel: checks the target page, edu's factorial register and
 *	PCI command register, and (after "preserve") restores the domain with
 *	iommu_lu_restore() and keeps using it with no new map call: RAM to edu
 *	and edu to RAM through IOVA_X; then maps a new page at IOVA_Y, DMAs
 *	into it, unmaps it and checks that a DMA to IOVA_Y no longer lands.
 *   echo again > /sys/kernel/debug/iommu_lu_test/control
 *	After a successful verify: preserves the adopted domain again for the
 *	next kexec (generation + 1), with a new pattern in flight.
 *   echo landed > /sys/kernel/debug/iommu_lu_test/control
 *	Next kernel, without binding edu: checks the in-flight pattern landed,
 *	prints the recorded factorial and command registers, zeroes the target
 *	page; "check_target" then checks that the pattern is back (a DMA made
 *	by whoever drives edu now, such as userspace through vfio-pci).
 *   echo verify_rejected > /sys/kernel/debug/iommu_lu_test/control
 *	Next kernel, after /sys/kernel/debug/iommu_lu/test_corrupt damaged
 *	the handover: the domain is not restored, the device is on a fresh
 *	default domain and DMAs again after the ordinary reset path.
 *	"preserve" may follow in the same kernel.
 *   echo "bench_map FD" > /sys/kernel/debug/iommu_lu_test/control
 *	Pins all of the memfd FD (of the writing process), maps it into a new
 *	domain of edu and preserves that domain, for the handover-bytes
 *	benchmark (/sys/kernel/debug/iommu_lu/out); "bench_unmap" undoes it,
 *	"bench_free" too but frees the domain without unpreserving it.
 *   echo blackout_lu > /sys/kernel/debug/iommu_lu_test/control
 *   echo blackout_plain > /sys/kernel/debug/iommu_lu_test/control
 *	DMA blackout benchmark: like preserve (or control), and edu DMAs in a
 *	loop until the kexec; the next kernel's initcall makes its first DMA
 *	as early as it can, and "blackout_report" prints the time from the
 *	last DMA completed before the kexec to that one (TSC).
 *   echo release > /sys/kernel/debug/iommu_lu_test/control
 *	Frees the domain and the pages, unbinds the driver.
 *   cat /sys/kernel/debug/iommu_lu_test/status
 *	"ok ..." / "not ok ..." lines of the last command.
 *
 * The control write fails with -EIO when a check failed.
 */
#define pr_fmt(fmt) "iommu_lu_test: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/iommu-lu.h>
#include <linux/kexec_handover.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <asm/tsc.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/physr.h>
#include <linux/sizes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/seq_buf.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscore_ops.h>
#include <linux/uaccess.h>

#define EDU_REG_FACT		0x08
#define EDU_REG_STATUS		0x20
#define EDU_STATUS_COMPUTING	0x01
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_START		0x01
#define EDU_DMA_TO_RAM		0x02
#define EDU_BUF			0x40000
/* QEMU 7.2 refuses a transfer that ends on the buffer's last byte. */
#define EDU_LEN			4095

#define IOVA_SRC		0x100000UL
#define IOVA_X			0xa0000UL
#define IOVA_Y			0x300000UL

#define LU_TEST_BLOB		"iommu-lu-test"
#define LU_TEST_COMPATIBLE	"iommu-lu-test-v1"
#define LU_TEST_MAGIC		0x747365742d756c69ULL

struct lu_test_blob {
	u64 magic;
	u32 generation;
	u32 preserved;		/* 1: iommu_lu_preserve() was called */
	u64 handle;
	u64 target;		/* phys of the target page (IOVA_X) */
	u64 src;		/* phys of the source page (IOVA_SRC) */
	u32 seed;
	u32 fact;		/* value written to edu's factorial register */
	u16 command;		/* PCI command register before kexec */
	u8 fired;		/* the DMA was started at shutdown */
	u8 in_flight;		/* ... and had not completed when shutdown returned */
	u8 in_flight_late;	/* ... nor at the last syscore shutdown step */
	u8 blackout;		/* blackout benchmark: DMA until the kexec */
	u8 reserved[2];
	u64 last_done_tsc;	/* TSC at the last DMA completed before kexec */
};

static DEFINE_MUTEX(lu_test_lock);
static char lu_test_status[4096];
static struct seq_buf lu_test_sb;
static int lu_test_failed;

static struct {
	struct pci_dev *pdev;
	void __iomem *bar0;
	u16 probe_command;	/* PCI command register as found at probe */
	bool registered;
	struct iommu_domain *domain;
	struct page *src, *target, *blob_page;
	struct lu_test_blob *blob;
	bool armed;
	bool restored;
	struct task_struct *thread;	/* blackout: DMA loop until the kexec */
	u64 first_done_tsc;		/* blackout: first DMA of this kernel */
	int early_ret;
} lt;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	seq_buf_printf(&lu_test_sb, "%sok ", ok ? "" : "not ");
	va_start(ap, fmt);
	seq_buf_vprintf(&lu_test_sb, fmt, ap);
	va_end(ap);
	seq_buf_putc(&lu_test_sb, '\n');
	if (!ok)
		lu_test_failed = 1;
}

static u8 pattern(u32 off, u32 seed)
{
	return (u8)(off * 131 + (off >> 9) + seed);
}

static void fill(struct page *page, u32 seed)
{
	u8 *p = page_address(page);
	u32 i;

	for (i = 0; i < PAGE_SIZE; i++)
		p[i] = pattern(i, seed);
}

/* Bytes of @page that differ from @seed's pattern over the DMA length. */
static u32 mismatches(struct page *page, u32 seed)
{
	u8 *p = page_address(page);
	u32 i, bad = 0;

	for (i = 0; i < EDU_LEN; i++)
		bad += p[i] != pattern(i, seed);
	return bad;
}

static void edu_start(u64 iova, bool to_ram)
{
	writeq(to_ram ? EDU_BUF : iova, lt.bar0 + EDU_REG_DMA_SRC);
	writeq(to_ram ? iova : EDU_BUF, lt.bar0 + EDU_REG_DMA_DST);
	writeq(EDU_LEN, lt.bar0 + EDU_REG_DMA_COUNT);
	writeq(EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0),
	       lt.bar0 + EDU_REG_DMA_CMD);
}

static int edu_dma(u64 iova, bool to_ram)
{
	unsigned long deadline = jiffies + 20 * HZ;

	edu_start(iova, to_ram);
	while (readq(lt.bar0 + EDU_REG_DMA_CMD) & EDU_DMA_START) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(2000, 4000);
	}
	return 0;
}

static int lu_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	if (lt.pdev)
		return -EBUSY;
	pci_read_config_word(pdev, PCI_COMMAND, &lt.probe_command);
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, 0, "iommu_lu_test");
	if (ret)
		goto err_disable;
	lt.bar0 = pci_iomap(pdev, 0, 0);
	if (!lt.bar0) {
		ret = -ENOMEM;
		goto err_release;
	}
	pci_set_master(pdev);
	lt.pdev = pdev;
	return 0;

err_release:
	pci_release_region(pdev, 0);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void lu_edu_remove(struct pci_dev *pdev)
{
	if (lt.pdev != pdev)
		return;
	pci_iounmap(pdev, lt.bar0);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
	lt.pdev = NULL;
}

/* At kexec: start the transfer that lands while the kernels change hands. */
static void lu_edu_shutdown(struct pci_dev *pdev)
{
	if (lt.pdev != pdev || !lt.armed || !lt.blob)
		return;
	if (lt.thread) {
		kthread_stop(lt.thread);
		lt.thread = NULL;
	}
	edu_start(IOVA_X, true);
	lt.blob->fired = 1;
	lt.blob->in_flight = !!(readq(lt.bar0 + EDU_REG_DMA_CMD) &
				EDU_DMA_START);
}

/*
 * The last step of the outgoing kernel this driver can observe: after every
 * device is shut down, just before machine_shutdown() and the jump.  If
 * the transfer is still running and nothing landed yet, it completes in
 * the next kernel.
 */
static void lu_syscore_shutdown(void *data)
{
	if (!lt.pdev || !lt.armed || !lt.blob || !lt.blob->fired)
		return;
	lt.blob->in_flight_late =
		(readq(lt.bar0 + EDU_REG_DMA_CMD) & EDU_DMA_START) &&
		!memchr_inv(page_address(lt.target), 0, EDU_LEN);
}

static const struct syscore_ops lu_syscore_ops = {
	.shutdown = lu_syscore_shutdown,
};

static struct syscore lu_syscore = {
	.ops = &lu_syscore_ops,
};

static const struct pci_device_id lu_edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};

static struct pci_driver lu_edu_driver = {
	.name = "iommu_lu_test_edu",
	.id_table = lu_edu_ids,
	.probe = lu_edu_probe,
	.remove = lu_edu_remove,
	.shutdown = lu_edu_shutdown,
};

static int lu_bind(void)
{
	int ret;

	if (!lt.registered) {
		ret = pci_register_driver(&lu_edu_driver);
		if (ret)
			return ret;
		lt.registered = true;
	}
	return lt.pdev ? 0 : -ENODEV;
}

static int lu_blob_out(void)
{
	int ret;

	if (lt.blob)
		return 0;
	lt.blob_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!lt.blob_page)
		return -ENOMEM;
	lt.blob = page_address(lt.blob_page);
	ret = kho_preserve_pages(lt.blob_page, 1);
	if (!ret)
		ret = kho_add_subtree(LU_TEST_BLOB, LU_TEST_COMPATIBLE,
				      page_to_phys(lt.blob_page), PAGE_SIZE);
	return ret;
}

/* Stage 1 (and "again"): arm a transfer of a new pattern for the kexec. */
static int lu_arm(bool preserve, u32 generation)
{
	struct lu_test_blob *b;
	u32 seed = get_random_u32() | 1;
	u64 handle = 0;
	int ret;

	ret = lu_blob_out();
	check(!ret, "handover blob (%d)", ret);
	if (ret)
		return ret;
	/* The target starts zeroed: only the in-flight DMA can fill it. */
	memset(page_address(lt.target), 0, PAGE_SIZE);
	fill(lt.src, seed);
	ret = edu_dma(IOVA_SRC, false);
	check(!ret, "pattern loaded into edu through IOVA_SRC (%d)", ret);
	if (ret)
		return ret;
	/* Both pages stay mapped in the preserved domain: both go over. */
	ret = kho_preserve_pages(lt.target, 1);
	ret = ret ?: kho_preserve_pages(lt.src, 1);
	check(!ret, "source and target pages preserved (%d)", ret);
	if (ret)
		return ret;
	if (preserve) {
		ret = iommu_lu_preserve(lt.domain, &lt.pdev->dev, &handle);
		check(!ret, "iommu_lu_preserve() (%d)", ret);
		if (ret)
			return ret;
		check(iommu_lu_device_preserved(&lt.pdev->dev),
		      "the device reads as preserved");
	}
	/* edu computes n! of what is written there (32-bit accesses only). */
	writel(generation + 9, lt.bar0 + EDU_REG_FACT);
	while (readl(lt.bar0 + EDU_REG_STATUS) & EDU_STATUS_COMPUTING)
		usleep_range(1000, 2000);
	b = lt.blob;
	b->magic = LU_TEST_MAGIC;
	b->generation = generation;
	b->preserved = preserve;
	b->handle = handle;
	b->target = page_to_phys(lt.target);
	b->src = page_to_phys(lt.src);
	b->seed = seed;
	b->fact = readl(lt.bar0 + EDU_REG_FACT);
	pci_read_config_word(lt.pdev, PCI_COMMAND, &b->command);
	b->fired = 0;
	b->in_flight = 0;
	b->in_flight_late = 0;
	lt.armed = true;
	check(true, "generation %u armed: edu DMA to IOVA 0x%lx at shutdown",
	      generation, IOVA_X);
	return 0;
}

static int lu_stage1(bool preserve)
{
	int ret;

	ret = lu_bind();
	check(!ret, "edu bound (%d)", ret);
	if (ret)
		return ret;
	lt.src = alloc_page(GFP_KERNEL | __GFP_ZERO);
	lt.target = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!lt.src || !lt.target)
		return -ENOMEM;
	lt.domain = iommu_paging_domain_alloc(&lt.pdev->dev);
	if (IS_ERR(lt.domain)) {
		ret = PTR_ERR(lt.domain);
		lt.domain = NULL;
		check(false, "paging domain (%d)", ret);
		return ret;
	}
	ret = iommu_attach_device(lt.domain, &lt.pdev->dev);
	check(!ret, "paging domain attached (%d)", ret);
	if (ret)
		return ret;
	ret = iommu_map(lt.domain, IOVA_SRC, page_to_phys(lt.src), PAGE_SIZE,
			IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	ret = ret ?: iommu_map(lt.domain, IOVA_X, page_to_phys(lt.target),
			       PAGE_SIZE, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	check(!ret, "source and target mapped (%d)", ret);
	if (ret)
		return ret;
	return lu_arm(preserve, 1);
}

static int lu_verify(void)
{
	struct lu_test_blob *b;
	struct iommu_domain *domain;
	struct page *page;
	phys_addr_t phys;
	size_t size;
	u16 cmd;
	u32 bad, seed;
	int ret;

	ret = kho_retrieve_subtree(LU_TEST_BLOB, LU_TEST_COMPATIBLE, &phys,
				   &size);
	check(!ret && size == PAGE_SIZE, "test blob found (%d)", ret);
	if (ret || size != PAGE_SIZE)
		return -ENOENT;
	lt.blob_page = kho_restore_pages(phys, 1);
	if (!lt.blob_page)
		return -ENOENT;
	b = page_address(lt.blob_page);
	check(b->magic == LU_TEST_MAGIC, "test blob magic");
	if (b->magic != LU_TEST_MAGIC)
		return -EINVAL;
	lt.target = kho_restore_pages(b->target, 1);
	check(lt.target, "target page restored");
	if (!lt.target)
		return -ENOENT;
	lt.src = kho_restore_pages(b->src, 1);
	check(lt.src, "source page restored");
	if (!lt.src)
		return -ENOENT;
	check(b->fired && b->in_flight,
	      "generation %u: edu DMA started at shutdown, still in flight when the device was shut down (fired %u, in flight %u)",
	      b->generation, b->fired, b->in_flight);
	check(b->in_flight_late,
	      "generation %u: still in flight, nothing landed, at the outgoing kernel's last syscore shutdown step",
	      b->generation);

	bad = mismatches(lt.target, b->seed);
	if (b->preserved)
		check(!bad,
		      "in flight: the pattern landed in the preserved page across the kexec (%u of %u bytes differ)",
		      bad, EDU_LEN);
	else
		check(!memchr_inv(page_address(lt.target), 0, EDU_LEN),
		      "control: the pattern did not land without preservation (%u of %u bytes differ, page still zero)",
		      bad, EDU_LEN);

	ret = lu_bind();
	check(!ret, "edu bound in the next kernel (%d)", ret);
	if (ret)
		return ret;
	cmd = lt.probe_command;
	if (b->preserved) {
		check(cmd == b->command,
		      "no reset: PCI command 0x%04x before, 0x%04x after the kexec",
		      b->command, cmd);
		check(b->fact && readl(lt.bar0 + EDU_REG_FACT) == b->fact,
		      "no reset: edu factorial register %u before, %u after",
		      b->fact, readl(lt.bar0 + EDU_REG_FACT));
	} else {
		check(!(cmd & PCI_COMMAND_MASTER),
		      "control: bus mastering was cleared at kexec (command 0x%04x)",
		      cmd);
		return lu_test_failed ? -EIO : 0;
	}

	domain = iommu_lu_restore(&lt.pdev->dev, b->handle);
	check(!IS_ERR(domain), "iommu_lu_restore() (%ld)", PTR_ERR_OR_ZERO(domain));
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	lt.domain = domain;
	lt.restored = true;
	check(iommu_get_domain_for_dev(&lt.pdev->dev) == domain,
	      "the adopted domain is the device's domain");
	check(iommu_iova_to_phys(domain, IOVA_X) == b->target,
	      "IOVA_X still translates to the target page");
	check(iommu_lu_restore(&lt.pdev->dev, b->handle) == ERR_PTR(-EBUSY),
	      "a second restore is refused with EBUSY");

	/* Continue, with no new map call: both directions through IOVA_X. */
	seed = b->seed + 1;
	fill(lt.target, seed);
	ret = edu_dma(IOVA_X, false);
	memset(page_address(lt.target), 0, PAGE_SIZE);
	ret = ret ?: edu_dma(IOVA_X, true);
	bad = mismatches(lt.target, seed);
	check(!ret && !bad,
	      "continue: RAM to edu and edu to RAM through IOVA_X (%d, %u bytes differ)",
	      ret, bad);

	/* A new mapping on the adopted domain, then its removal. */
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	ret = iommu_map(domain, IOVA_Y, page_to_phys(page), PAGE_SIZE,
			IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	ret = ret ?: edu_dma(IOVA_Y, true);
	bad = mismatches(page, seed);
	check(!ret && !bad, "continue: map a new page and DMA into it (%d, %u bytes differ)",
	      ret, bad);
	size = iommu_unmap(domain, IOVA_Y, PAGE_SIZE);
	memset(page_address(page), 0, PAGE_SIZE);
	ret = edu_dma(IOVA_Y, true);
	check(size == PAGE_SIZE && !ret &&
	      !memchr_inv(page_address(page), 0, PAGE_SIZE),
	      "continue: after unmap, a DMA to the old IOVA does not land (%zu, %d)",
	      size, ret);
	__free_page(page);
	lt.blob = b;
	return lu_test_failed ? -EIO : 0;
}

/*
 * Next kernel, after a damaged handover: the unit was reset, the device got
 * an ordinary default domain, and it works again through the ordinary
 * reset path and the DMA API.
 */
static int lu_verify_rejected(void)
{
	struct lu_test_blob *b;
	struct iommu_domain *domain;
	struct page *page;
	phys_addr_t phys;
	dma_addr_t dma;
	size_t size;
	u32 bad;
	int ret;

	ret = kho_retrieve_subtree(LU_TEST_BLOB, LU_TEST_COMPATIBLE, &phys,
				   &size);
	check(!ret && size == PAGE_SIZE, "test blob found (%d)", ret);
	if (ret || size != PAGE_SIZE)
		return -ENOENT;
	page = kho_restore_pages(phys, 1);
	if (!page)
		return -ENOENT;
	b = page_address(page);
	check(b->magic == LU_TEST_MAGIC && b->preserved && b->handle,
	      "test blob of a preserved domain");
	ret = lu_bind();
	check(!ret, "edu bound in the next kernel (%d)", ret);
	if (ret)
		goto out;
	check(!iommu_lu_device_preserved(&lt.pdev->dev),
	      "rejected: the device is not marked preserved");
	domain = iommu_lu_restore(&lt.pdev->dev, b->handle);
	check(domain == ERR_PTR(-EINVAL) || domain == ERR_PTR(-ENOENT),
	      "rejected: iommu_lu_restore() refuses the handle (%ld)",
	      PTR_ERR_OR_ZERO(domain));
	domain = iommu_get_domain_for_dev(&lt.pdev->dev);
	check(domain && domain->type != IOMMU_DOMAIN_UNMANAGED,
	      "rejected: the device is on a fresh default domain (type %#x)",
	      domain ? domain->type : 0);

	ret = pci_reset_function(lt.pdev);
	check(!ret || ret == -ENOTTY, "ordinary reset path (%d)", ret);
	pci_set_master(lt.pdev);
	ret = dma_set_mask_and_coherent(&lt.pdev->dev, DMA_BIT_MASK(28));
	check(!ret, "28-bit DMA mask (%d)", ret);
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page) {
		ret = -ENOMEM;
		goto out;
	}
	fill(page, b->seed + 2);
	dma = dma_map_page(&lt.pdev->dev, page, 0, PAGE_SIZE,
			   DMA_BIDIRECTIONAL);
	ret = dma_mapping_error(&lt.pdev->dev, dma);
	ret = ret ?: edu_dma(dma, false);
	if (!ret) {
		memset(page_address(page), 0, PAGE_SIZE);
		dma_sync_single_for_device(&lt.pdev->dev, dma, PAGE_SIZE,
					   DMA_BIDIRECTIONAL);
		ret = edu_dma(dma, true);
		dma_sync_single_for_cpu(&lt.pdev->dev, dma, PAGE_SIZE,
					DMA_BIDIRECTIONAL);
	}
	bad = mismatches(page, b->seed + 2);
	check(!ret && !bad,
	      "the device DMAs again through the DMA API (%d, %u bytes differ)",
	      ret, bad);
	if (!dma_mapping_error(&lt.pdev->dev, dma))
		dma_unmap_page(&lt.pdev->dev, dma, PAGE_SIZE,
			       DMA_BIDIRECTIONAL);
	__free_page(page);
out:
	return lu_test_failed ? -EIO : ret;
}

/*
 * Benchmark of the handover bytes: map all of a memfd (its folios as they
 * are, 4 KiB or 2 MiB) into a new domain of edu at IOVA_BENCH and preserve
 * the domain; /sys/kernel/debug/iommu_lu/out then tells the cost.
 * "bench_unmap" undoes it all.
 */
#define IOVA_BENCH	SZ_1G

static struct physr_pinned *lu_bench_pin;

static int lu_bench_map(int fd)
{
	const struct physr *pr;
	struct physr_range r;
	struct physr_iter it;
	struct file *file;
	loff_t size;
	u64 iova = IOVA_BENCH, handle;
	int ret;

	ret = lu_bind();
	if (ret)
		return ret;
	file = fget(fd);
	if (!file)
		return -EBADF;
	size = i_size_read(file_inode(file));
	lu_bench_pin = physr_pin_memfd(file, 0, size, 0, GFP_KERNEL);
	fput(file);
	if (IS_ERR(lu_bench_pin)) {
		ret = PTR_ERR(lu_bench_pin);
		lu_bench_pin = NULL;
		check(false, "memfd pinned (%d)", ret);
		return ret;
	}
	pr = physr_pinned_list(lu_bench_pin);
	check(physr_total_bytes(pr) == size,
	      "memfd pinned: %llu bytes in %llu ranges", physr_total_bytes(pr),
	      physr_nr_ranges(pr));
	lt.domain = iommu_paging_domain_alloc(&lt.pdev->dev);
	if (IS_ERR(lt.domain)) {
		ret = PTR_ERR(lt.domain);
		lt.domain = NULL;
		return ret;
	}
	ret = iommu_attach_device(lt.domain, &lt.pdev->dev);
	physr_for_each_range(pr, &it, &r) {
		if (ret)
			break;
		ret = iommu_map(lt.domain, iova, r.phys, r.len,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		iova += r.len;
	}
	check(!ret, "memfd mapped at IOVA 0x%lx (%d)", (unsigned long)IOVA_BENCH, ret);
	if (ret)
		return ret;
	ret = iommu_lu_preserve(lt.domain, &lt.pdev->dev, &handle);
	check(!ret, "iommu_lu_preserve() (%d)", ret);
	return ret;
}

static void lu_bench_unmap(bool unpreserve)
{
	if (lt.domain) {
		if (unpreserve)
			iommu_lu_unpreserve(lt.domain, &lt.pdev->dev);
		iommu_detach_device(lt.domain, &lt.pdev->dev);
		iommu_domain_free(lt.domain);
		lt.domain = NULL;
	}
	/* No domain maps the memory any more (or never did) */
	physr_unpin(lu_bench_pin);
	lu_bench_pin = NULL;
}

/*
 * DMA blackout benchmark.  The outgoing kernel keeps edu busy (one 4 KiB
 * transfer to IOVA_X after the other) until the device is shut down for the
 * kexec, stamping the TSC of each completion into the handover blob.  The
 * next kernel, from this driver's initcall, makes the first transfer it
 * can: through the adopted domain as it stands after a live update, or,
 * after a plain kexec, once it has set a domain and a mapping up again.
 * The blackout is the TSC distance between the two completions.
 */
static int lu_dma_loop(void *data)
{
	while (!kthread_should_stop()) {
		if (edu_dma(IOVA_X, true))
			break;
		WRITE_ONCE(lt.blob->last_done_tsc, rdtsc());
	}
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static int lu_blackout_arm(bool preserve)
{
	int ret = lu_stage1(preserve);

	if (ret)
		return ret;
	lt.blob->blackout = 1;
	lt.thread = kthread_run(lu_dma_loop, NULL, "iommu_lu_dma");
	if (IS_ERR(lt.thread)) {
		ret = PTR_ERR(lt.thread);
		lt.thread = NULL;
	}
	check(!ret, "edu DMAs in a loop until the kexec (%d)", ret);
	return ret;
}

/* Next kernel, initcall: the first DMA, as early as this driver can. */
static void lu_blackout_early(void)
{
	struct lu_test_blob *b;
	struct page *page;
	phys_addr_t phys;
	size_t size;
	int ret;

	if (kho_retrieve_subtree(LU_TEST_BLOB, LU_TEST_COMPATIBLE, &phys, &size) ||
	    size != PAGE_SIZE)
		return;
	b = phys_to_virt(phys);
	if (b->magic != LU_TEST_MAGIC || !b->blackout)
		return;
	ret = lu_bind();
	if (ret)
		goto out;
	/* The transfer started at shutdown may still be running. */
	while (readq(lt.bar0 + EDU_REG_DMA_CMD) & EDU_DMA_START)
		usleep_range(1000, 2000);
	if (!b->preserved) {
		/* A plain kexec: the device's owner sets everything up again. */
		page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		lt.domain = iommu_paging_domain_alloc(&lt.pdev->dev);
		ret = !page ? -ENOMEM : PTR_ERR_OR_ZERO(lt.domain);
		if (ret) {
			lt.domain = NULL;
			goto out;
		}
		ret = iommu_attach_device(lt.domain, &lt.pdev->dev);
		ret = ret ?: iommu_map(lt.domain, IOVA_X, page_to_phys(page),
				       PAGE_SIZE, IOMMU_READ | IOMMU_WRITE,
				       GFP_KERNEL);
		if (ret)
			goto out;
	}
	ret = edu_dma(IOVA_X, true);
	lt.first_done_tsc = rdtsc();
out:
	lt.early_ret = ret;
}

static int lu_blackout_report(void)
{
	struct lu_test_blob *b;
	phys_addr_t phys;
	size_t size;
	u64 us;
	int ret;

	ret = kho_retrieve_subtree(LU_TEST_BLOB, LU_TEST_COMPATIBLE, &phys,
				   &size);
	if (ret || size != PAGE_SIZE)
		return -ENOENT;
	b = phys_to_virt(phys);
	check(b->magic == LU_TEST_MAGIC && b->blackout && b->last_done_tsc,
	      "blackout handover found");
	check(!lt.early_ret && lt.first_done_tsc,
	      "first DMA of this kernel completed (%d)", lt.early_ret);
	if (lu_test_failed)
		return -EIO;
	us = div_u64((lt.first_done_tsc - b->last_done_tsc) * 1000, tsc_khz);
	seq_buf_printf(&lu_test_sb, "blackout_us %s %llu\n",
		       b->preserved ? "live_update" : "plain_kexec", us);
	lt.blob = b;
	return 0;
}

/*
 * Next kernel, for a test that gives edu to vfio-pci: check the in-flight
 * DMA landed and zero the target page ("landed"), without binding edu; then
 * check that a DMA made through vfio refilled it ("check_target").
 */
static int lu_landed(void)
{
	struct lu_test_blob *b;
	phys_addr_t phys;
	size_t size;
	u32 bad;
	int ret;

	ret = kho_retrieve_subtree(LU_TEST_BLOB, LU_TEST_COMPATIBLE, &phys,
				   &size);
	if (ret || size != PAGE_SIZE)
		return -ENOENT;
	lt.blob_page = kho_restore_pages(phys, 1);
	if (!lt.blob_page)
		return -ENOENT;
	b = page_address(lt.blob_page);
	lt.target = kho_restore_pages(b->target, 1);
	lt.src = kho_restore_pages(b->src, 1);
	check(b->magic == LU_TEST_MAGIC && lt.target && lt.src,
	      "test blob, target and source pages restored");
	if (lu_test_failed)
		return -EIO;
	bad = mismatches(lt.target, b->seed);
	check(b->preserved && !bad,
	      "in flight: the pattern landed in the preserved page across the kexec (%u of %u bytes differ)",
	      bad, EDU_LEN);
	seq_buf_printf(&lu_test_sb, "fact %u command 0x%04x\n", b->fact,
		       b->command);
	memset(page_address(lt.target), 0, PAGE_SIZE);
	lt.blob = b;
	return lu_test_failed ? -EIO : 0;
}

static int lu_check_target(void)
{
	u32 bad;

	if (!lt.blob || !lt.target)
		return -EINVAL;
	bad = mismatches(lt.target, lt.blob->seed);
	check(!bad, "the target page holds edu's pattern again (%u of %u bytes differ)",
	      bad, EDU_LEN);
	return lu_test_failed ? -EIO : 0;
}

static void lu_release(void)
{
	if (lt.domain && lt.pdev) {
		iommu_detach_device(lt.domain, &lt.pdev->dev);
		iommu_domain_free(lt.domain);
	}
	if (lt.blob && lt.blob->handle)
		iommu_lu_finish(lt.blob->handle);
	lt.blob = NULL;
	lt.domain = NULL;
	lt.armed = false;
	if (lt.registered)
		pci_unregister_driver(&lu_edu_driver);
	lt.registered = false;
}

static ssize_t lu_control_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char cmd[32];
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = 0;
	strim(cmd);

	mutex_lock(&lu_test_lock);
	seq_buf_init(&lu_test_sb, lu_test_status, sizeof(lu_test_status));
	lu_test_failed = 0;
	if (!strcmp(cmd, "preserve") || !strcmp(cmd, "control")) {
		ret = lu_stage1(!strcmp(cmd, "preserve"));
	} else if (!strcmp(cmd, "verify")) {
		ret = lu_verify();
	} else if (!strcmp(cmd, "landed")) {
		ret = lu_landed();
	} else if (!strcmp(cmd, "check_target")) {
		ret = lu_check_target();
	} else if (!strcmp(cmd, "verify_rejected")) {
		ret = lu_verify_rejected();
	} else if (!strcmp(cmd, "again")) {
		if (!lt.restored || !lt.blob) {
			ret = -EINVAL;
		} else {
			u32 gen = lt.blob->generation + 1;
			u64 old = lt.blob->handle;

			/* This kernel's handover blob is a new page. */
			lt.blob = NULL;
			ret = lu_arm(true, gen);
			/* The previous kernel's record is done with. */
			iommu_lu_finish(old);
		}
	} else if (!strncmp(cmd, "bench_map ", 10)) {
		int fd;

		ret = kstrtoint(cmd + 10, 10, &fd);
		ret = ret ?: lu_bench_map(fd);
	} else if (!strcmp(cmd, "blackout_lu") || !strcmp(cmd, "blackout_plain")) {
		ret = lu_blackout_arm(!strcmp(cmd, "blackout_lu"));
	} else if (!strcmp(cmd, "blackout_report")) {
		ret = lu_blackout_report();
	} else if (!strcmp(cmd, "bench_unmap") || !strcmp(cmd, "bench_free")) {
		/* bench_free frees the domain without unpreserving it first. */
		lu_bench_unmap(!strcmp(cmd, "bench_unmap"));
		check(!iommu_lu_device_preserved(&lt.pdev->dev),
		      "the device is not preserved any more");
		ret = 0;
	} else if (!strcmp(cmd, "release")) {
		lu_release();
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	if (!ret && lu_test_failed)
		ret = -EIO;
	mutex_unlock(&lu_test_lock);
	return ret ? ret : len;
}

static int lu_status_show(struct seq_file *m, void *v)
{
	mutex_lock(&lu_test_lock);
	seq_puts(m, lu_test_status);
	mutex_unlock(&lu_test_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lu_status);

static const struct file_operations lu_control_fops = {
	.owner = THIS_MODULE,
	.write = lu_control_write,
};

static int __init lu_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("iommu_lu_test", NULL);

	debugfs_create_file("control", 0200, dir, NULL, &lu_control_fops);
	debugfs_create_file("status", 0400, dir, NULL, &lu_status_fops);
	register_syscore(&lu_syscore);
	if (kho_is_incoming())
		lu_blackout_early();
	return 0;
}
late_initcall(lu_test_init);
