// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "physr_dma": dma_map_physr() checked by real device DMA.
 *
 * The suite binds a small driver to QEMU's "edu" device (PCI 1234:11e8),
 * whose DMA engine copies at most 4 KiB between a DMA address and its
 * internal buffer (BAR0 + 0x40000).  Each case builds a physr list, maps
 * it, makes edu read and write sampled pieces of it through the DMA
 * addresses dma_map_physr() returned, and checks every transferred byte
 * from the CPU side.  A transfer takes ~100 ms under QEMU, so the cases
 * sample boundaries, heads, tails and a few random pages.
 *
 * What it proves depends on the boot: under VT-d the addresses are IOVAs
 * (and must fit edu's 28-bit mask), with intel_iommu=off they are bus
 * addresses or swiotlb slots, and with swiotlb=force every RAM byte goes
 * through a bounce slot.  physr_dma_kunit.dma_bits= tells the suite the
 * DMA mask the edu device was given on the QEMU command line (default 28).
 *
 * The P2P case maps ivshmem's BAR2 (PCI 1af4:1110, RAM-backed, no struct
 * page) as an MMIO physr list for edu, lets edu write into it, checks it
 * through an ioremap of the BAR and asks the host to check the backing
 * file ("# host-check" line in the suite log).  Both devices sit on the
 * root complex, so the path goes through the host bridge, which 6.12's
 * pci_p2pdma rules accept only on a known platform (an AMD Zen CPU or a
 * listed host bridge): physr_dma_kunit.p2p_host_bridge=0 says the boot's
 * platform is not one (the test plan's default CPU model), and the case
 * then checks that the mapping is refused with -EREMOTEIO.  With
 * physr_dma_kunit.edu_dev= and ivshmem_dev= naming an edu and an ivshmem
 * behind one PCIe switch, the case checks the bus-address path instead.
 */

#include <crypto/sha2.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-physr.h>
#include <linux/fault-inject.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/kmsg_dump.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "../../kernel/dma/physr_backend.h"

#define EDU_REG_ID		0x00
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_START		0x01
#define EDU_DMA_TO_RAM		0x02
#define EDU_BUF			0x40000
/*
 * The buffer is 4 KiB, but QEMU 7.2's range check refuses (and aborts the
 * VM on) a transfer that ends on its last byte, so stay one byte short.
 * The buffer is not readable through BAR0: everything is checked by
 * moving the bytes again, to or from a scratch page mapped by 6.12's own
 * dma_map_single().
 */
#define EDU_BUF_SIZE		4095

static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "DMA mask width of the edu device (QEMU dma_mask)");

/*
 * What the boot's platform says about peer-to-peer through the host
 * bridge, for edu and ivshmem on the root complex: the test plan knows
 * (by the CPU model it gives QEMU), the test does not work it out.
 */
static bool p2p_host_bridge = true;
module_param(p2p_host_bridge, bool, 0444);
MODULE_PARM_DESC(p2p_host_bridge,
		 "The root complex forwards peer-to-peer (default: yes)");

/*
 * A boot may put a second edu and ivshmem behind one PCIe switch and name
 * them here: the P2P case then uses them, a path through switches only.
 */
static char *edu_dev;
module_param(edu_dev, charp, 0444);
MODULE_PARM_DESC(edu_dev, "PCI name of the edu device to use (default: the first)");
static char *ivshmem_dev;
module_param(ivshmem_dev, charp, 0444);
MODULE_PARM_DESC(ivshmem_dev,
		 "PCI name of the ivshmem device to use (default: the first)");

static struct {
	struct pci_dev *pdev;
	void __iomem *bar0;
	u8 *scratch;
	dma_addr_t scratch_dma;
} edu;

/* The suite being run, whose log carries the host-check lines. */
static struct kunit_suite *physr_dma_running;

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	if (edu.pdev)
		return -EBUSY;
	if (edu_dev && strcmp(pci_name(pdev), edu_dev))
		return -ENODEV;
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, 0, "physr_dma_edu");
	if (ret)
		goto disable;
	edu.bar0 = pci_iomap(pdev, 0, 0);
	if (!edu.bar0) {
		ret = -ENOMEM;
		goto release;
	}
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(dma_bits));
	if (ret)
		goto unmap;
	pci_set_master(pdev);
	/* edu has no segment limit of its own; the limit cases set theirs */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	edu.scratch = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!edu.scratch) {
		ret = -ENOMEM;
		goto unmap;
	}
	edu.scratch_dma = dma_map_single(&pdev->dev, edu.scratch, PAGE_SIZE,
					 DMA_BIDIRECTIONAL);
	ret = dma_mapping_error(&pdev->dev, edu.scratch_dma);
	if (ret) {
		kfree(edu.scratch);
		goto unmap;
	}
	edu.pdev = pdev;
	return 0;
unmap:
	pci_iounmap(pdev, edu.bar0);
release:
	pci_release_region(pdev, 0);
disable:
	pci_disable_device(pdev);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	if (edu.pdev != pdev)
		return;
	if (edu.scratch_dma != DMA_MAPPING_ERROR)
		dma_unmap_single(&pdev->dev, edu.scratch_dma, PAGE_SIZE,
				 DMA_BIDIRECTIONAL);
	kfree(edu.scratch);
	/* Leave the device with PCI's default mask for whoever comes next. */
	dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	dma_set_max_seg_size(&pdev->dev, SZ_64K);
	pci_clear_master(pdev);
	pci_iounmap(pdev, edu.bar0);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
	edu.pdev = NULL;
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};

static struct pci_driver edu_driver = {
	.name = "physr_dma_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

/* One edu transfer between @addr and the edu buffer at @buf_off. */
static int edu_dma(dma_addr_t addr, u32 buf_off, u32 len, bool to_ram)
{
	unsigned long deadline = jiffies + 20 * HZ;

	if (!len || buf_off + len > EDU_BUF_SIZE)
		return -EINVAL;
	writeq(to_ram ? EDU_BUF + buf_off : addr, edu.bar0 + EDU_REG_DMA_SRC);
	writeq(to_ram ? addr : EDU_BUF + buf_off, edu.bar0 + EDU_REG_DMA_DST);
	writeq(len, edu.bar0 + EDU_REG_DMA_COUNT);
	writeq(EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0),
	       edu.bar0 + EDU_REG_DMA_CMD);
	while (readq(edu.bar0 + EDU_REG_DMA_CMD) & EDU_DMA_START) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(2000, 4000);
	}
	return 0;
}

static u8 pattern(u64 off, u32 seed)
{
	return (u8)(off * 131 + (off >> 9) + seed);
}

/*
 * Change the DMA mask.  dma_set_mask() recomputes whether the device needs
 * syncs at all and may decide it does not while the scratch page sits in
 * a bounce slot, so the scratch page is mapped again under the new mask.
 */
static int edu_set_mask(unsigned int bits)
{
	struct device *dev = &edu.pdev->dev;
	int ret;

	dma_unmap_single(dev, edu.scratch_dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = dma_set_mask(dev, DMA_BIT_MASK(bits));
	edu.scratch_dma = dma_map_single(dev, edu.scratch, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, edu.scratch_dma)) {
		/* The scratch page cannot be reached: later cases fail. */
		edu.scratch_dma = DMA_MAPPING_ERROR;
		return ret ? ret : -EIO;
	}
	return ret;
}

/* Load the edu buffer with @len bytes of pattern @seed from the scratch page. */
static int edu_load(u64 off, u32 len, u32 seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		edu.scratch[i] = pattern(off + i, seed);
	dma_sync_single_for_device(&edu.pdev->dev, edu.scratch_dma, PAGE_SIZE,
				   DMA_BIDIRECTIONAL);
	return edu_dma(edu.scratch_dma, 0, len, false);
}

/* Copy the edu buffer to the scratch page; return the first byte that is
 * not pattern @seed, or @len.
 */
static u32 edu_check(u64 off, u32 len, u32 seed)
{
	u32 i;

	memset(edu.scratch, 0, len);
	dma_sync_single_for_device(&edu.pdev->dev, edu.scratch_dma, PAGE_SIZE,
				   DMA_BIDIRECTIONAL);
	if (edu_dma(edu.scratch_dma, 0, len, true))
		return 0;
	dma_sync_single_for_cpu(&edu.pdev->dev, edu.scratch_dma, PAGE_SIZE,
				DMA_BIDIRECTIONAL);
	for (i = 0; i < len; i++)
		if (edu.scratch[i] != pattern(off + i, seed))
			break;
	return i;
}

/* CPU pointer to byte @off of the window at @start of @pr, and its run. */
static u8 *window_byte(const struct physr *pr, u64 start, u64 off, u64 *contig)
{
	struct physr_range r;
	struct physr_iter it;

	if (physr_iter_init_slice(&it, pr, start + off,
				  physr_total_bytes(pr) - start - off))
		return NULL;
	if (!physr_iter_next(&it, &r))
		return NULL;
	*contig = r.len;
	return phys_to_virt(r.phys);
}

/* Checks that hold for every mapping: sizes add up, the device reaches it. */
static void check_map(struct kunit *test, const struct dma_physr_map *map)
{
	const struct dma_physr_seg *seg;
	u64 mask = dma_get_mask(map->dev), total = 0;
	u64 boundary = dma_get_seg_boundary(map->dev);
	u64 max_seg = dma_get_max_seg_size(map->dev);
	struct dma_iova_state st = map->state;
	bool untrusted = to_pci_dev(map->dev)->untrusted;

	KUNIT_EXPECT_GT(test, map->nr_segs, 0);
	dma_physr_for_each_seg(map, seg) {
		KUNIT_EXPECT_GT(test, seg->len, 0);
		KUNIT_EXPECT_LE(test, seg->addr + seg->len - 1, mask);
		KUNIT_EXPECT_LE(test, seg->len, max_seg);
		KUNIT_EXPECT_EQ(test, seg->addr | boundary,
				(seg->addr + seg->len - 1) | boundary);
		/* All of it in the one IOVA allocation (bounces are apart) */
		if (dma_use_iova(&st) && !untrusted) {
			KUNIT_EXPECT_GE(test, seg->addr, st.addr);
			KUNIT_EXPECT_LE(test, seg->addr + seg->len,
					st.addr + dma_iova_size(&st));
		}
		total += seg->len;
	}
	KUNIT_EXPECT_EQ(test, total, map->len);
}

/*
 * Move @len bytes at window offset @off through edu in both directions
 * (as @dir allows) and check them.  The piece must be contiguous in DMA
 * space and in one physr range.
 */
static void check_piece(struct kunit *test, struct dma_physr_map *map,
			u64 off, u32 len, u32 seed)
{
	const struct physr *pr = map->pr;
	u64 dlen, plen;
	dma_addr_t addr;
	u8 *cpu;
	u32 i;

	addr = dma_physr_addr(map, off, &dlen);
	KUNIT_ASSERT_NE(test, addr, DMA_MAPPING_ERROR);
	cpu = window_byte(pr, map->offset, off, &plen);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	len = min3((u64)len, dlen, plen);

	if (map->dir == DMA_TO_DEVICE || map->dir == DMA_BIDIRECTIONAL) {
		for (i = 0; i < len; i++)
			cpu[i] = pattern(off + i, seed);
		dma_sync_physr_for_device(map);
		KUNIT_ASSERT_EQ(test, edu_dma(addr, 0, len, false), 0);
		i = edu_check(off, len, seed);
		KUNIT_EXPECT_EQ_MSG(test, i, len, "device read wrong byte at window offset %llu",
				    off + i);
	}
	if (map->dir == DMA_FROM_DEVICE || map->dir == DMA_BIDIRECTIONAL) {
		KUNIT_ASSERT_EQ(test, edu_load(off, len, ~seed), 0);
		memset(cpu, 0, len);
		dma_sync_physr_for_device(map);
		KUNIT_ASSERT_EQ(test, edu_dma(addr, 0, len, true), 0);
		dma_sync_physr_for_cpu(map);
		for (i = 0; i < len; i++)
			if (cpu[i] != pattern(off + i, ~seed))
				break;
		KUNIT_EXPECT_EQ_MSG(test, i, len, "device wrote wrong byte at window offset %llu",
				    off + i);
	}
}

static void require_edu(struct kunit *test)
{
	KUNIT_ASSERT_NOT_NULL_MSG(test, edu.pdev,
				  "no edu device (PCI 1234:11e8) bound: the suite needs one");
}

static const char *backend_name(const struct dma_physr_map *map)
{
	if (dma_use_iova(&map->state))
		return "iova";
	return is_swiotlb_force_bounce(map->dev) ? "dma_map_phys+swiotlb" :
	       "dma_map_phys";
}

static void free_pages_list(struct physr *pr, struct page **pages,
			    unsigned int nr, unsigned int order)
{
	unsigned int i;

	physr_destroy(pr);
	for (i = 0; i < nr; i++)
		if (pages[i])
			__free_pages(pages[i], order);
}

/* Ranges with unaligned heads and tails, and a slice starting mid-range. */
static void physr_dma_unaligned(struct kunit *test)
{
	static const struct { u32 off, len; } shape[] = {
		{ 100, 3000 }, { 0, PAGE_SIZE }, { 0, 1000 }, { 4000, 96 },
		{ 1, PAGE_SIZE - 2 },
	};
	struct page *pages[ARRAY_SIZE(shape)] = {};
	struct dma_physr_map map;
	struct physr pr;
	u64 pos = 0;
	unsigned int i;

	require_edu(test);
	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(shape); i++) {
		/* Mix pages below 4 GiB with whatever GFP_KERNEL gives. */
		pages[i] = alloc_page(GFP_KERNEL | (i & 1 ? GFP_DMA32 : 0));
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(pages[i]) + shape[i].off,
						   shape[i].len, GFP_KERNEL), 0);
	}

	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	kunit_info(test, "%s: %llu ranges -> %u segments\n", backend_name(&map),
		   physr_nr_ranges(&pr), dma_physr_nr_segs(&map));
	for (i = 0; i < ARRAY_SIZE(shape); i++) {
		/* head and tail of every range */
		check_piece(test, &map, pos, min_t(u32, 64, shape[i].len), i);
		if (shape[i].len > 64)
			check_piece(test, &map, pos + shape[i].len - 64, 64, i + 7);
		pos += shape[i].len;
	}
	dma_unmap_physr(&map);
	KUNIT_EXPECT_EQ(test, map.nr_segs, 0);

	/* A slice that starts and ends inside ranges. */
	KUNIT_ASSERT_EQ(test, dma_map_physr_slice(&edu.pdev->dev, &pr, 1234, 5000,
						  DMA_FROM_DEVICE, 0, GFP_KERNEL,
						  &map), 0);
	check_map(test, &map);
	check_piece(test, &map, 0, EDU_BUF_SIZE, 3);
	check_piece(test, &map, 4900, 100, 4);
	dma_unmap_physr(&map);

	/* Bad arguments are refused and leave nothing mapped. */
	KUNIT_EXPECT_EQ(test, dma_map_physr_slice(&edu.pdev->dev, &pr, 0, 0,
						  DMA_TO_DEVICE, 0, GFP_KERNEL, &map),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dma_map_physr_slice(&edu.pdev->dev, &pr, 1,
						  physr_total_bytes(&pr),
						  DMA_TO_DEVICE, 0, GFP_KERNEL, &map),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_NONE, 0,
					    GFP_KERNEL, &map), -EINVAL);
	KUNIT_EXPECT_EQ(test, map.nr_segs, 0);
	free_pages_list(&pr, pages, ARRAY_SIZE(pages), 0);
}

#define MANY	700

/* Hundreds of ranges over several chunks, each ending before its page end. */
static void physr_dma_many_ranges(struct kunit *test)
{
	struct page **pages;
	struct dma_physr_map map;
	struct physr pr;
	const u32 len = PAGE_SIZE - 128;
	u32 samples[] = { 0, 1, 253, 254, 255, 507, 508, MANY - 1, 0, 0, 0 };
	unsigned int i;

	require_edu(test);
	pages = kunit_kcalloc(test, MANY, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	physr_init(&pr);
	for (i = 0; i < MANY; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(pages[i]), len,
						   GFP_KERNEL), 0);
	}
	KUNIT_ASSERT_EQ(test, physr_nr_ranges(&pr), MANY);
	KUNIT_ASSERT_GE(test, physr_nr_chunks(&pr), 3);

	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	kunit_info(test, "%s: %d ranges in %lu chunks -> %u segments\n",
		   backend_name(&map), MANY, physr_nr_chunks(&pr),
		   dma_physr_nr_segs(&map));
	for (i = ARRAY_SIZE(samples) - 3; i < ARRAY_SIZE(samples); i++)
		samples[i] = get_random_u32_below(MANY);
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		u64 base = (u64)samples[i] * len;

		check_piece(test, &map, base, 48, i);
		check_piece(test, &map, base + len - 48, 48, i + 100);
	}
	dma_unmap_physr(&map);
	free_pages_list(&pr, pages, MANY, 0);
}

#define PACKED_PAGES	700

/*
 * A packed list (chunk layout version 2, physr_pack()): hundreds of
 * separate pages in two packed chunks, whose cursor decodes every entry
 * into itself, so the walker must copy it with physr_iter_copy().  The
 * mapping gives the segments of the same list unpacked, and edu moves the
 * bytes of sampled pages, around the edge of the packed chunks too, in
 * both directions; a slice across that edge as well.
 */
static void physr_dma_packed(struct kunit *test)
{
	u32 samples[] = { 0, 1, 253, 254, 507, 508, 509, PACKED_PAGES - 1,
			  0, 0, 0 };
	struct dma_physr_map map, *ref;
	struct physr pr, unpacked;
	struct page **pages;
	unsigned int i;

	require_edu(test);
	pages = kunit_kcalloc(test, PACKED_PAGES, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	ref = kunit_kzalloc(test, sizeof(*ref), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref);
	physr_init(&pr);
	physr_init(&unpacked);
	/* The first page of order-1 blocks: never adjacent, never merged. */
	for (i = 0; i < PACKED_PAGES; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, 1);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(pages[i]),
						   PAGE_SIZE, GFP_KERNEL), 0);
		KUNIT_ASSERT_EQ(test, physr_append(&unpacked,
						   page_to_phys(pages[i]),
						   PAGE_SIZE, GFP_KERNEL), 0);
	}
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_ASSERT_TRUE(test, physr_is_packed(&pr));
	KUNIT_ASSERT_EQ(test, physr_nr_chunks(&pr), 2);
	KUNIT_ASSERT_EQ(test, physr_nr_ranges(&pr), PACKED_PAGES);

	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	kunit_info(test, "%s: %d pages in %lu packed chunks -> %u segments\n",
		   backend_name(&map), PACKED_PAGES, physr_nr_chunks(&pr),
		   dma_physr_nr_segs(&map));

	/*
	 * As the list in version 1 maps: the same segments through the
	 * IOMMU, the same bus address for every page that is not bounced.
	 * The same pages are mapped twice at once: the second mapping is
	 * only looked at, never used for DMA or synced, which is what
	 * DMA_ATTR_SKIP_CPU_SYNC tells dma-debug (it refuses overlapping
	 * mappings otherwise).
	 */
	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &unpacked,
					    DMA_BIDIRECTIONAL,
					    DMA_ATTR_SKIP_CPU_SYNC, GFP_KERNEL,
					    ref), 0);
	if (dma_use_iova(&map.state)) {
		KUNIT_EXPECT_EQ(test, dma_physr_nr_segs(&map), dma_physr_nr_segs(ref));
		for (i = 0; i < min(map.nr_segs, ref->nr_segs); i++)
			KUNIT_EXPECT_EQ(test, map.segs[i].len, ref->segs[i].len);
	}
	for (i = 0; i < PACKED_PAGES; i++) {
		dma_addr_t a, b, bus = phys_to_dma(map.dev, page_to_phys(pages[i]));
		u64 alen, blen;

		a = dma_physr_addr(&map, (u64)i * PAGE_SIZE, &alen);
		b = dma_physr_addr(ref, (u64)i * PAGE_SIZE, &blen);
		KUNIT_ASSERT_NE(test, a, DMA_MAPPING_ERROR);
		KUNIT_EXPECT_GE(test, alen, (u64)PAGE_SIZE);
		if (!dma_use_iova(&map.state) && b == bus)
			KUNIT_EXPECT_EQ(test, a, bus);
	}
	dma_unmap_physr(ref);

	for (i = ARRAY_SIZE(samples) - 3; i < ARRAY_SIZE(samples); i++)
		samples[i] = get_random_u32_below(PACKED_PAGES);
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		u64 base = (u64)samples[i] * PAGE_SIZE;

		check_piece(test, &map, base, 48, i);
		check_piece(test, &map, base + PAGE_SIZE - 48, 48, i + 100);
	}
	dma_unmap_physr(&map);

	/* A slice from inside page 506 to inside page 510. */
	KUNIT_ASSERT_EQ(test, dma_map_physr_slice(&edu.pdev->dev, &pr,
						  506 * PAGE_SIZE + 100,
						  4 * PAGE_SIZE, DMA_BIDIRECTIONAL,
						  0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	for (i = 0; i < 5; i++)
		check_piece(test, &map, i ? i * PAGE_SIZE - 100 - 24 : 0, 48,
			    200 + i);
	check_piece(test, &map, 4 * PAGE_SIZE - 48, 48, 210);
	dma_unmap_physr(&map);
	physr_destroy(&unpacked);
	free_pages_list(&pr, pages, PACKED_PAGES, 1);
}

/* One 4 MiB range: one IOMMU run, or many bounce slots. */
static void physr_dma_huge_range(struct kunit *test)
{
	const unsigned int order = get_order(SZ_4M);
	const u64 size = PAGE_SIZE << order;
	u64 offs[] = { 0, SZ_2M - 2048, SZ_256K - 100, size - EDU_BUF_SIZE, 0, 0 };
	struct dma_physr_map map;
	struct page *page;
	struct physr pr;
	unsigned int i;

	require_edu(test);
	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(page), size, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_ranges(&pr), 1);

	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	if (dma_use_iova(&map.state))
		KUNIT_EXPECT_EQ(test, dma_physr_nr_segs(&map), 1);
	kunit_info(test, "%s: 1 range of %llu KiB at %pap -> %u segments\n",
		   backend_name(&map), size >> 10, &(phys_addr_t){ page_to_phys(page) },
		   dma_physr_nr_segs(&map));
	offs[4] = get_random_u32_below(size - EDU_BUF_SIZE);
	offs[5] = get_random_u32_below(size - EDU_BUF_SIZE);
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		check_piece(test, &map, offs[i], EDU_BUF_SIZE, i);
	dma_unmap_physr(&map);
	physr_destroy(&pr);
	__free_pages(page, order);
}

#define MIXED_SMALL	1024

/*
 * 2 MiB-aligned blocks around 1024 separate pages: under VT-d the blocks
 * map as superpages and the pages as 4 KiB entries, in three batches of
 * iommu_map_runs() whose edges fall between pages, and the map_runs op
 * switches between the two page sizes inside a batch.  Every page must
 * translate to its own physical page, and edu must reach all kinds.
 */
static void physr_dma_mixed_runs(struct kunit *test)
{
	const unsigned int order = get_order(SZ_4M);
	struct page *blocks[2] = {}, **pages;
	struct iommu_domain *domain;
	struct dma_physr_map map;
	struct physr_range r;
	struct physr_iter it;
	u64 off = 0, bad = 0, n, dlen;
	struct physr pr;
	dma_addr_t addr;
	unsigned int i;

	require_edu(test);
	pages = kunit_kcalloc(test, MIXED_SMALL, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	physr_init(&pr);
	for (i = 0; i < 2; i++) {
		blocks[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(blocks[0]), SZ_4M,
					   GFP_KERNEL), 0);
	/* The first half of order-1 pages: never adjacent, never merged. */
	for (i = 0; i < MIXED_SMALL; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, 1);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(pages[i]),
						   PAGE_SIZE, GFP_KERNEL), 0);
	}
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(blocks[1]), SZ_4M,
					   GFP_KERNEL), 0);

	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_ranges(&pr), MIXED_SMALL + 2);
	check_map(test, &map);
	kunit_info(test, "%s: %llu ranges -> %u segments\n", backend_name(&map),
		   physr_nr_ranges(&pr), dma_physr_nr_segs(&map));
	if (dma_use_iova(&map.state)) {
		KUNIT_EXPECT_EQ(test, dma_physr_nr_segs(&map), 1);
		domain = iommu_get_dma_domain(&edu.pdev->dev);
		addr = dma_physr_addr(&map, 0, &dlen);
		KUNIT_ASSERT_EQ(test, dlen, map.len);
		KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&it, &pr, 0,
							    physr_total_bytes(&pr)), 0);
		while (physr_iter_next(&it, &r))
			for (n = 0; n < r.len; n += PAGE_SIZE, off += PAGE_SIZE)
				bad += iommu_iova_to_phys(domain, addr + off) !=
				       r.phys + n;
		KUNIT_EXPECT_EQ(test, off, map.len);
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "IOVA pages translating elsewhere");
	}
	/* A superpage, the pages at the batch edges, the last block. */
	check_piece(test, &map, SZ_2M - 64, 64, 1);
	check_piece(test, &map, SZ_2M, EDU_BUF_SIZE, 2);
	for (i = 510; i < 514; i++)
		check_piece(test, &map, SZ_4M + (u64)i * PAGE_SIZE, EDU_BUF_SIZE, i);
	check_piece(test, &map, SZ_4M + (u64)MIXED_SMALL * PAGE_SIZE + SZ_2M,
		    EDU_BUF_SIZE, 3);
	dma_unmap_physr(&map);
	free_pages_list(&pr, pages, MIXED_SMALL, 1);
	for (i = 0; i < 2; i++)
		__free_pages(blocks[i], order);
}

/* Device reads one part of a bidirectional mapping and writes another. */
static void physr_dma_bidirectional(struct kunit *test)
{
	struct page *pages[2] = {};
	struct dma_physr_map map;
	dma_addr_t src, dst;
	struct physr pr;
	u8 *a, *b;
	int i;

	require_edu(test);
	physr_init(&pr);
	for (i = 0; i < 2; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(pages[i]) + 8,
						   PAGE_SIZE - 8, GFP_KERNEL), 0);
	}
	a = page_address(pages[0]) + 8;
	b = page_address(pages[1]) + 8;
	for (i = 0; i < PAGE_SIZE - 8; i++) {
		a[i] = pattern(i, 0x5a);
		b[i] = 0;
	}
	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	src = dma_physr_addr(&map, 0, NULL);
	dst = dma_physr_addr(&map, PAGE_SIZE - 8, NULL);
	/* PAGE_SIZE - 8 < EDU_BUF_SIZE: one transfer each way. */
	KUNIT_ASSERT_EQ(test, edu_dma(src, 0, PAGE_SIZE - 8, false), 0);
	KUNIT_ASSERT_EQ(test, edu_dma(dst, 0, PAGE_SIZE - 8, true), 0);
	dma_unmap_physr(&map);
	KUNIT_EXPECT_EQ(test, memcmp(a, b, PAGE_SIZE - 8), 0);
	physr_destroy(&pr);
	__free_page(pages[0]);
	__free_page(pages[1]);
}

static bool iommu_in_use(void)
{
	return edu.pdev && device_iommu_mapped(&edu.pdev->dev) &&
	       iommu_get_dma_domain(&edu.pdev->dev) &&
	       iommu_get_dma_domain(&edu.pdev->dev)->type & __IOMMU_DOMAIN_DMA_API;
}

/* Number of kernel log lines containing @needle. */
static unsigned int kmsg_count(const char *needle)
{
	struct kmsg_dump_iter iter;
	unsigned int n = 0;
	size_t len;
	char *line;

	line = kmalloc(1024, GFP_KERNEL);
	if (!line)
		return 0;
	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, false, line, 1023, &len)) {
		line[len] = 0;
		if (strstr(line, needle))
			n++;
	}
	kfree(line);
	return n;
}

/* After unmap the IOVA is gone: the device's write faults and is reported. */
static void physr_dma_unmap_revokes(struct kunit *test)
{
	struct dma_physr_map map;
	unsigned int before, after = 0;
	struct page *page;
	struct physr pr;
	char needle[48];
	dma_addr_t addr;
	u8 *cpu;
	int i;

	require_edu(test);
	if (!iommu_in_use())
		kunit_skip(test, "needs a DMA IOMMU domain (boot with VT-d on)");
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	cpu = page_address(page);
	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(page), PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_FROM_DEVICE, 0,
					    GFP_KERNEL, &map), 0);
	addr = dma_physr_addr(&map, 0, NULL);

	/* While mapped, the write lands (and fills the IOTLB). */
	KUNIT_ASSERT_EQ(test, edu_load(0, 256, 1), 0);
	memset(cpu, 0, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, edu_dma(addr, 0, 256, true), 0);
	dma_sync_physr_for_cpu(&map);
	KUNIT_EXPECT_EQ(test, cpu[0], pattern(0, 1));
	KUNIT_EXPECT_EQ(test, cpu[255], pattern(255, 1));
	dma_unmap_physr(&map);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(iommu_get_dma_domain(&edu.pdev->dev),
						 addr), 0);

	/* After unmap it must not. */
	memset(cpu, 0x11, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, edu_load(0, 256, 2), 0);
	snprintf(needle, sizeof(needle), "fault addr 0x%llx", (u64)addr & PAGE_MASK);
	before = kmsg_count(needle);
	KUNIT_ASSERT_EQ(test, edu_dma(addr, 0, 256, true), 0);
	for (i = 0; i < 100 && after <= before; i++) {
		msleep(20);
		after = kmsg_count(needle);
	}
	for (i = 0; i < PAGE_SIZE; i++)
		if (cpu[i] != 0x11)
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, PAGE_SIZE, "DMA after unmap reached the page");
	KUNIT_EXPECT_GT_MSG(test, after, before, "no DMAR fault logged for '%s'", needle);
	kunit_info(test, "write to %pad after unmap: page intact, %u fault record(s) logged\n",
		   &addr, after - before);
	physr_destroy(&pr);
	__free_page(page);
}

/* Under VT-d the direction is enforced: a DMA_TO_DEVICE mapping is read-only. */
static void physr_dma_direction(struct kunit *test)
{
	struct dma_physr_map map;
	struct page *page;
	struct physr pr;
	dma_addr_t addr;
	u8 *cpu;
	int i;

	require_edu(test);
	if (!iommu_in_use())
		kunit_skip(test, "needs a DMA IOMMU domain (boot with VT-d on)");
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	cpu = page_address(page);
	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(page), PAGE_SIZE, GFP_KERNEL), 0);
	for (i = 0; i < PAGE_SIZE; i++)
		cpu[i] = pattern(i, 3);
	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_TO_DEVICE, 0,
					    GFP_KERNEL, &map), 0);
	addr = dma_physr_addr(&map, 0, NULL);

	/* Reading works... */
	KUNIT_ASSERT_EQ(test, edu_dma(addr, 0, 128, false), 0);
	KUNIT_EXPECT_EQ(test, edu_check(0, 128, 3), 128);
	/*
	 * ...writing is blocked and leaves the page alone.  The fault is not
	 * looked for in the log: QEMU 7.2 records only the first fault of a
	 * device ("compression of faults"), which physr_dma_unmap_revokes
	 * already took.
	 */
	KUNIT_ASSERT_EQ(test, edu_load(0, 128, 4), 0);
	KUNIT_ASSERT_EQ(test, edu_dma(addr, 0, 128, true), 0);
	for (i = 0; i < 128; i++)
		if (cpu[i] != pattern(i, 3))
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, 128, "device wrote through a DMA_TO_DEVICE mapping");
	dma_unmap_physr(&map);
	physr_destroy(&pr);
	__free_page(page);
}

/* Every IOVA the device can use (mask of @bits) is unmapped. */
static unsigned long mapped_iovas(unsigned int bits)
{
	struct iommu_domain *domain = iommu_get_dma_domain(&edu.pdev->dev);
	unsigned long n = 0;
	u64 a;

	for (a = 0; a < BIT_ULL(bits); a += PAGE_SIZE)
		if (iommu_iova_to_phys(domain, a))
			n++;
	return n;
}

#define ROLL_PAGES	8
#define ROLL_BITS	22

/* A map failing part way, or out of IOVA space, leaves nothing behind. */
static void physr_dma_rollback(struct kunit *test)
{
	struct page *pages[ROLL_PAGES * 2] = {};
	struct dma_physr_map map;
	struct page *big;
	struct physr pr, pr_big;
	const unsigned int big_order = get_order(SZ_4M);
	int i, ret, runs, fails = 0;

	require_edu(test);
	if (!iommu_in_use())
		kunit_skip(test, "needs a DMA IOMMU domain (boot with VT-d on)");
#if !defined(CONFIG_FAULT_INJECTION) || !defined(CONFIG_IOMMU_DMA)
	KUNIT_FAIL(test, "needs CONFIG_FAULT_INJECTION and CONFIG_IOMMU_DMA");
	return;
#else
	physr_init(&pr);
	/* Every other page: physically separate runs, one iommu_map each. */
	for (i = 0; i < ROLL_PAGES * 2; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
	for (i = 0; i < ROLL_PAGES * 2; i += 2)
		KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(pages[i]), PAGE_SIZE - 64,
						   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_ranges(&pr), ROLL_PAGES);
	/* Pages that happen to be adjacent share an IOMMU run. */
	for (i = 2, runs = 1; i < ROLL_PAGES * 2; i += 2)
		runs += page_to_phys(pages[i]) != page_to_phys(pages[i - 2]) + PAGE_SIZE;

	/* A 22-bit mask leaves 4 MiB of IOVA space, small enough to scan. */
	/* Raw mask change: the scratch page keeps its IOVA (above 4 MiB). */
	KUNIT_ASSERT_EQ(test, dma_set_mask(&edu.pdev->dev, DMA_BIT_MASK(ROLL_BITS)), 0);
	KUNIT_EXPECT_EQ(test, mapped_iovas(ROLL_BITS), 0);

	/* Fail the iommu_map of run k, for every k, 64 times over. */
	fail_iommu_dma_physr.verbose = 0;
	fail_iommu_dma_physr.interval = 1;
	for (i = 0; i < 64 * ROLL_PAGES; i++) {
		fail_iommu_dma_physr.probability = 100;
		atomic_set(&fail_iommu_dma_physr.times, 1);
		atomic_set(&fail_iommu_dma_physr.space, i % runs);
		ret = dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL, 0,
				    GFP_KERNEL, &map);
		fails += ret == -ENOMEM;
		if (!ret)
			dma_unmap_physr(&map);
		KUNIT_EXPECT_EQ(test, map.nr_segs, 0);
	}
	fail_iommu_dma_physr.probability = 0;
	atomic_set(&fail_iommu_dma_physr.space, 0);
	KUNIT_EXPECT_EQ(test, fails, 64 * ROLL_PAGES);
	KUNIT_EXPECT_EQ(test, mapped_iovas(ROLL_BITS), 0);

	/* More than the IOVA space: refused up front. */
	big = alloc_pages(GFP_KERNEL | __GFP_NOWARN, big_order);
	KUNIT_ASSERT_NOT_NULL(test, big);
	physr_init(&pr_big);
	KUNIT_ASSERT_EQ(test, physr_append(&pr_big, page_to_phys(big), SZ_4M, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr_big, DMA_TO_DEVICE, 0,
					    GFP_KERNEL, &map), -ENOMEM);

	/*
	 * The allocator works top down and aligns a 2 MiB block to 2 MiB, so
	 * the upper half of the space is the only place for it: had any of
	 * the failures above leaked its IOVA, this would fail.
	 */
	KUNIT_ASSERT_EQ(test, dma_map_physr_slice(&edu.pdev->dev, &pr_big, 0, SZ_2M,
						  DMA_BIDIRECTIONAL, 0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	check_piece(test, &map, SZ_2M - 64, 64, 9);
	dma_unmap_physr(&map);
	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL, 0,
					    GFP_KERNEL, &map), 0);
	check_piece(test, &map, 3 * (PAGE_SIZE - 64), 64, 10);
	dma_unmap_physr(&map);
	KUNIT_EXPECT_EQ(test, mapped_iovas(ROLL_BITS), 0);

	KUNIT_EXPECT_EQ(test, dma_set_mask(&edu.pdev->dev, DMA_BIT_MASK(dma_bits)), 0);
	physr_destroy(&pr_big);
	__free_pages(big, big_order);
	free_pages_list(&pr, pages, ARRAY_SIZE(pages), 0);
#endif
}

/*
 * Refusals of the path without an IOMMU: RAM the device cannot reach and
 * whose bounce slot it cannot reach either (-EIO).  It may not leave
 * anything mapped or warn.  (Under an IOMMU nothing of this kind is
 * refused any more: see physr_dma_untrusted.)
 */
static void physr_dma_refusals(struct kunit *test)
{
	struct dma_physr_map map;
	phys_addr_t phys;
	struct page *page;
	struct physr pr;
	u64 pool_end = 0;
	int ret;

	require_edu(test);
	if (iommu_in_use())
		kunit_skip(test, "refusals of the direct path (boot without VT-d)");
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	physr_init(&pr);
	phys = page_to_phys(page);

	/* A 28-bit device: the swiotlb pool near 2 GiB is out of reach. */
	KUNIT_ASSERT_EQ(test, physr_append(&pr, phys, PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, dma_set_mask(&edu.pdev->dev, DMA_BIT_MASK(28)), 0);
	ret = dma_map_physr(&edu.pdev->dev, &pr, DMA_TO_DEVICE, 0,
			    GFP_KERNEL, &map);
	if (!ret) {
		const struct dma_physr_seg *seg;

		dma_physr_for_each_seg(&map, seg)
			pool_end = max(pool_end, seg->addr + seg->len);
		dma_unmap_physr(&map);
	}
	KUNIT_EXPECT_EQ(test, edu_set_mask(dma_bits), 0);
	kunit_info(test, "page at %pap, 28-bit mask: map -> %d\n", &phys, ret);
	if (phys >= SZ_256M || is_swiotlb_force_bounce(&edu.pdev->dev))
		KUNIT_EXPECT_EQ(test, ret, -EIO);
	else
		KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_LE(test, pool_end, (u64)SZ_256M);
	KUNIT_EXPECT_EQ(test, map.nr_segs, 0);
	physr_destroy(&pr);
	__free_page(page);
}

static void physr_dma_trust_again(void *unused)
{
	if (edu.pdev)
		edu.pdev->untrusted = 0;
}

/*
 * An untrusted device (pci_dev->untrusted, e.g. behind an external-facing
 * port) under VT-d: the partial IOVA granules at either end of a RAM range
 * are bounced through swiotlb, the whole granules between them linked in
 * the window's IOVA space.  Checked: the partial granules translate to
 * swiotlb slots, the whole ones to the list's pages, the device never
 * sees the bytes next to a range in its granule (the padding of a bounce
 * slot reads as zeroes), and bytes moved both ways by real DMA arrive.
 */
static void physr_dma_untrusted(struct kunit *test)
{
	const unsigned int order = 2;
	const u32 head = 100, tail = 300, small_off = 10, small_len = 100;
	const u64 big_len = (PAGE_SIZE << order) - head - tail;
	struct page *big, *whole, *small;
	struct iommu_domain *domain;
	struct dma_physr_map map;
	u64 dlen, woff;
	phys_addr_t phys;
	dma_addr_t addr;
	struct physr pr;
	u8 *cpu;
	u32 i, bad;

	require_edu(test);
	if (!iommu_in_use())
		kunit_skip(test, "needs a DMA IOMMU domain (boot with VT-d on)");
	/*
	 * x86 keeps swiotlb beside an IOMMU only with RAM above 4 GiB (the
	 * physr_dma_vtd boot has it); without one there is nothing to bounce
	 * through and the case is not run (counted as a skip).
	 */
	if (!is_swiotlb_active(&edu.pdev->dev))
		kunit_skip(test, "no swiotlb beside VT-d (boot with RAM above 4 GiB)");
	domain = iommu_get_dma_domain(&edu.pdev->dev);
	big = alloc_pages(GFP_KERNEL, order);
	whole = alloc_page(GFP_KERNEL);
	small = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, whole);
	KUNIT_ASSERT_NOT_NULL(test, small);
	/* The bytes around the ranges: the device must never read these. */
	memset(page_address(big), 0xa5, PAGE_SIZE << order);
	memset(page_address(small), 0xa5, PAGE_SIZE);
	memset(page_address(big) + head, 0x3c, big_len);
	memset(page_address(small) + small_off, 0x3c, small_len);
	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(big) + head, big_len,
					   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(whole), PAGE_SIZE,
					   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(small) + small_off,
					   small_len, GFP_KERNEL), 0);

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, physr_dma_trust_again,
							NULL), 0);
	edu.pdev->untrusted = 1;
	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	check_map(test, &map);
	kunit_info(test, "%s: %llu ranges -> %u segments\n", backend_name(&map),
		   physr_nr_ranges(&pr), dma_physr_nr_segs(&map));
	KUNIT_EXPECT_TRUE(test, dma_use_iova(&map.state));
	/* head granule, 2 whole granules, tail granule, whole page, small */
	KUNIT_EXPECT_EQ(test, dma_physr_nr_segs(&map), 5);

	/* Head and tail of the big range and the small one: bounce slots. */
	{
		const u64 bounced[] = { 0, big_len - 1, big_len + PAGE_SIZE };

		for (i = 0; i < ARRAY_SIZE(bounced); i++) {
			addr = dma_physr_addr(&map, bounced[i], NULL);
			phys = iommu_iova_to_phys(domain, addr);
			KUNIT_EXPECT_TRUE_MSG(test, !!swiotlb_find_pool(&edu.pdev->dev, phys),
					      "window byte %llu at %pad -> %pap: not bounced",
					      bounced[i], &addr, &phys);
		}
	}
	/* The whole granules translate to the list's own pages. */
	for (woff = PAGE_SIZE - head; woff < big_len - (PAGE_SIZE - tail);
	     woff += PAGE_SIZE) {
		addr = dma_physr_addr(&map, woff, NULL);
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, addr),
				page_to_phys(big) + head + woff);
	}
	addr = dma_physr_addr(&map, big_len, NULL);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, addr), page_to_phys(whole));

	/* What the device sees from the head's slot to its granule's end. */
	addr = dma_physr_addr(&map, 0, &dlen);
	KUNIT_EXPECT_EQ(test, dlen, (u64)(PAGE_SIZE - head));
	KUNIT_ASSERT_EQ(test, edu_dma(addr & PAGE_MASK, 0, EDU_BUF_SIZE, false), 0);
	memset(edu.scratch, 0x11, PAGE_SIZE);
	dma_sync_single_for_device(&edu.pdev->dev, edu.scratch_dma, PAGE_SIZE,
				   DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_EQ(test, edu_dma(edu.scratch_dma, 0, EDU_BUF_SIZE, true), 0);
	dma_sync_single_for_cpu(&edu.pdev->dev, edu.scratch_dma, PAGE_SIZE,
				DMA_BIDIRECTIONAL);
	for (i = 0, bad = 0; i < EDU_BUF_SIZE; i++)
		bad += edu.scratch[i] == 0xa5;
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "device read %u bytes next to the range", bad);

	/* Real DMA both ways through every kind of piece. */
	cpu = page_address(big) + head;
	check_piece(test, &map, 0, PAGE_SIZE - head, 1);
	check_piece(test, &map, PAGE_SIZE - head, EDU_BUF_SIZE, 2);
	check_piece(test, &map, big_len - (PAGE_SIZE - tail), PAGE_SIZE - tail, 3);
	check_piece(test, &map, big_len, EDU_BUF_SIZE, 4);
	check_piece(test, &map, big_len + PAGE_SIZE, small_len, 5);

	/* A device write lands in the list's memory only after unmap/sync. */
	KUNIT_ASSERT_EQ(test, edu_load(0, 64, 6), 0);
	KUNIT_ASSERT_EQ(test, edu_dma(dma_physr_addr(&map, 0, NULL), 0, 64, true), 0);
	dma_unmap_physr(&map);
	for (i = 0; i < 64; i++)
		if (cpu[i] != pattern(i, 6))
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, 64, "bounced write lost at byte %u", i);
	/* ...and never outside the range. */
	for (i = 0, bad = 0; i < head; i++)
		bad += ((u8 *)page_address(big))[i] != 0xa5;
	for (i = 0; i < small_off; i++)
		bad += ((u8 *)page_address(small))[i] != 0xa5;
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, map.nr_segs, 0);
	edu.pdev->untrusted = 0;
	physr_destroy(&pr);
	__free_pages(big, order);
	__free_page(whole);
	__free_page(small);
}

static void physr_dma_restore_limits(void *unused)
{
	if (!edu.pdev)
		return;
	dma_set_max_seg_size(&edu.pdev->dev, UINT_MAX);
	dma_set_seg_boundary(&edu.pdev->dev, DMA_BIT_MASK(32));
}

/* A 64 KiB range and two pages, mapped with segment limits in force. */
static void physr_dma_limits(struct kunit *test, unsigned int max_seg,
			     unsigned long boundary)
{
	const unsigned int order = get_order(SZ_64K);
	struct page *big, *pages[2];
	struct dma_physr_map map;
	struct physr pr;
	u64 off;
	int i;

	require_edu(test);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, physr_dma_restore_limits,
							NULL), 0);
	big = alloc_pages(GFP_KERNEL, order);
	KUNIT_ASSERT_NOT_NULL(test, big);
	physr_init(&pr);
	/* Start mid-page so that the cuts do not fall on the range's pages. */
	KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(big) + 512, SZ_64K - 512,
					   GFP_KERNEL), 0);
	for (i = 0; i < 2; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, physr_append(&pr, page_to_phys(pages[i]), PAGE_SIZE,
						   GFP_KERNEL), 0);
	}
	dma_set_max_seg_size(&edu.pdev->dev, max_seg);
	dma_set_seg_boundary(&edu.pdev->dev, boundary);
	KUNIT_ASSERT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_BIDIRECTIONAL,
					    0, GFP_KERNEL, &map), 0);
	/* check_map() checks every segment against both limits. */
	check_map(test, &map);
	kunit_info(test, "%s: max %u, boundary %#lx: %llu ranges -> %u segments\n",
		   backend_name(&map), max_seg, boundary, physr_nr_ranges(&pr),
		   dma_physr_nr_segs(&map));
	KUNIT_EXPECT_GE(test, dma_physr_nr_segs(&map),
			(u32)DIV_ROUND_UP(SZ_64K - 512, min_t(u64, max_seg, boundary + 1)));
	/* Bytes on both sides of every cut of the big range. */
	for (off = 0; off < SZ_64K - 512; ) {
		u64 dlen;

		KUNIT_ASSERT_NE(test, dma_physr_addr(&map, off, &dlen), DMA_MAPPING_ERROR);
		KUNIT_EXPECT_LE(test, dlen, (u64)max_seg);
		if (off)
			check_piece(test, &map, off - 32, 32, off >> 9);
		check_piece(test, &map, off, 32, (off >> 9) + 1);
		off += dlen;
	}
	check_piece(test, &map, SZ_64K - 512, EDU_BUF_SIZE, 7);
	dma_unmap_physr(&map);
	physr_dma_restore_limits(NULL);
	physr_destroy(&pr);
	__free_pages(big, order);
	for (i = 0; i < 2; i++)
		__free_page(pages[i]);
}

/* dma_get_max_seg_size(): no segment longer, cut anywhere. */
static void physr_dma_max_seg_size(struct kunit *test)
{
	physr_dma_limits(test, 12288, DMA_BIT_MASK(32));
}

/* dma_get_seg_boundary(): no segment crosses a 16 KiB line. */
static void physr_dma_seg_boundary(struct kunit *test)
{
	physr_dma_limits(test, UINT_MAX, SZ_16K - 1);
}

static void physr_dma_put_pdev(void *pdev)
{
	pci_dev_put(pdev);
}

static void physr_dma_disable_pdev(void *pdev)
{
	pci_disable_device(pdev);
}

#define P2P_LEN		8000
#define P2P_HEAD	100

/* edu writes into ivshmem's BAR2 through an MMIO physr list. */
static void physr_dma_p2p(struct kunit *test)
{
	const struct physr_provider *provp;
	struct physr_provider prov = {};
	struct dma_physr_map map;
	struct pci_dev *iv;
	struct physr pr;
	resource_size_t bar, bar_len, region;
	u8 digest[SHA256_DIGEST_SIZE];
	void __iomem *va;
	const char *mode;
	u8 *expect;
	int ret, i, bad = 0;
	u64 off;

	require_edu(test);
	iv = NULL;
	while ((iv = pci_get_device(0x1af4, 0x1110, iv)))
		if (!ivshmem_dev || !strcmp(pci_name(iv), ivshmem_dev))
			break;
	KUNIT_ASSERT_NOT_NULL_MSG(test, iv, "no ivshmem device (PCI 1af4:1110)");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, physr_dma_put_pdev, iv), 0);
	KUNIT_ASSERT_EQ(test, pci_enable_device_mem(iv), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, physr_dma_disable_pdev, iv), 0);
	bar = pci_resource_start(iv, 2);
	bar_len = pci_resource_len(iv, 2);
	KUNIT_ASSERT_GE(test, bar_len, (resource_size_t)SZ_16M);

	prov.pdev = iv;
	prov.bar = 2;
	prov.bus_addr_is_phys = pci_bus_address(iv, 2) == bar;
	prov.bus_offset = pci_bus_address(iv, 2) - bar;
	provp = &prov;

	if (iommu_in_use()) {
		mode = "iommu";
		region = SZ_1M;
	} else if (is_swiotlb_force_bounce(&edu.pdev->dev)) {
		mode = "swiotlb_force";
		region = 3 * SZ_1M;
	} else {
		mode = "direct";
		region = 2 * SZ_1M;
	}
	KUNIT_ASSERT_EQ(test, physr_init_mmio(&pr, provp), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, bar + region + P2P_HEAD, P2P_LEN,
					   GFP_KERNEL), 0);

	if (ivshmem_dev) {
		/* Behind one switch: both below the same upstream port */
		KUNIT_ASSERT_NOT_NULL(test, pci_upstream_bridge(iv));
		KUNIT_ASSERT_NOT_NULL(test, pci_upstream_bridge(edu.pdev));
		KUNIT_ASSERT_PTR_EQ(test,
				    pci_upstream_bridge(pci_upstream_bridge(iv)),
				    pci_upstream_bridge(pci_upstream_bridge(edu.pdev)));
		mode = "switch";
	} else {
		/* On the root complex: the path goes through the host bridge */
		KUNIT_ASSERT_NULL(test, pci_upstream_bridge(iv));
		KUNIT_ASSERT_NULL(test, pci_upstream_bridge(edu.pdev));
	}
	ret = dma_map_physr(&edu.pdev->dev, &pr, DMA_FROM_DEVICE, 0, GFP_KERNEL, &map);
	if (!ivshmem_dev && !p2p_host_bridge) {
		/* No peer-to-peer through this host bridge, IOMMU or not */
		kunit_info(test, "%s: host bridge does not forward P2P: map -> %d\n",
			   mode, ret);
		KUNIT_EXPECT_EQ(test, ret, -EREMOTEIO);
		if (!ret)
			dma_unmap_physr(&map);
		goto out;
	}
	if (!iommu_in_use()) {
		u64 bus = physr_provider_bus_addr(provp, bar + region);
		bool reach = !is_swiotlb_force_bounce(&edu.pdev->dev) &&
			     bus + P2P_HEAD + P2P_LEN - 1 <= dma_get_mask(&edu.pdev->dev);

		kunit_info(test, "%s: BAR2 at %pa, bus %#llx, mask %#llx: map -> %d\n",
			   mode, &bar, bus, dma_get_mask(&edu.pdev->dev), ret);
		if (!reach) {
			KUNIT_EXPECT_EQ(test, ret, -EREMOTEIO);
			goto out;
		}
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	check_map(test, &map);
	if (!iommu_in_use()) {
		/* A device with 28 address bits cannot reach the BAR: refused. */
		struct dma_physr_map map2;

		if (bar + region >= BIT_ULL(28)) {
			/* Raw: the scratch page may be out of 28-bit reach. */
			KUNIT_EXPECT_EQ(test, dma_set_mask(&edu.pdev->dev, DMA_BIT_MASK(28)), 0);
			KUNIT_EXPECT_EQ(test, dma_map_physr(&edu.pdev->dev, &pr, DMA_FROM_DEVICE,
							    0, GFP_KERNEL, &map2), -EREMOTEIO);
			KUNIT_EXPECT_EQ(test, edu_set_mask(dma_bits), 0);
		}
	}

	expect = kunit_kmalloc(test, P2P_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, expect);
	for (off = 0; off < P2P_LEN; off += EDU_BUF_SIZE) {
		u32 n = min_t(u64, EDU_BUF_SIZE, P2P_LEN - off);
		u64 dlen;
		dma_addr_t addr = dma_physr_addr(&map, off, &dlen);

		KUNIT_ASSERT_GE(test, dlen, (u64)n);
		for (i = 0; i < n; i++)
			expect[off + i] = pattern(off + i, region >> 20);
		KUNIT_ASSERT_EQ(test, edu_load(off, n, region >> 20), 0);
		KUNIT_ASSERT_EQ(test, edu_check(off, n, region >> 20), n);
		KUNIT_ASSERT_EQ(test, edu_dma(addr, 0, n, true), 0);
	}
	dma_unmap_physr(&map);

	va = ioremap(bar + region, P2P_HEAD + P2P_LEN);
	KUNIT_ASSERT_NOT_NULL(test, va);
	for (i = 0; i < P2P_LEN; i++)
		if (readb(va + P2P_HEAD + i) != expect[i] && !bad++)
			KUNIT_FAIL(test, "BAR byte %d: %#x, want %#x", i,
				   readb(va + P2P_HEAD + i), expect[i]);
	for (i = 0; i < P2P_HEAD; i++)
		if (readb(va + i))
			bad++;
	iounmap(va);
	KUNIT_EXPECT_EQ(test, bad, 0);

	/* The host checks the boot's first ivshmem, not one behind a switch */
	if (ivshmem_dev)
		goto done;
	sha256(expect, P2P_LEN, digest);
	kunit_log(KERN_INFO, physr_dma_running,
		  "# host-check ivshmem %llu %u %*phN physr_dma_p2p_%s\n",
		  (u64)region + P2P_HEAD, P2P_LEN, SHA256_DIGEST_SIZE, digest, mode);
done:
	kunit_info(test, "%s: edu wrote %u bytes into ivshmem BAR2 + %#llx\n", mode,
		   P2P_LEN, (u64)region + P2P_HEAD);
out:
	physr_destroy(&pr);
}

static int physr_dma_suite_init(struct kunit_suite *suite)
{
	int ret = pci_register_driver(&edu_driver);

	/* With kunit.filter_glob the running suite is a copy of ours. */
	physr_dma_running = suite;

	if (ret)
		return ret;
	if (edu.pdev)
		pr_info("physr_dma: edu %s, %u-bit DMA mask, id %#x\n",
			pci_name(edu.pdev), dma_bits, readl(edu.bar0 + EDU_REG_ID));
	return 0;
}

static void physr_dma_suite_exit(struct kunit_suite *suite)
{
	pci_unregister_driver(&edu_driver);
}

static struct kunit_case physr_dma_cases[] = {
	KUNIT_CASE_SLOW(physr_dma_unaligned),
	KUNIT_CASE_SLOW(physr_dma_many_ranges),
	KUNIT_CASE_SLOW(physr_dma_packed),
	KUNIT_CASE_SLOW(physr_dma_huge_range),
	KUNIT_CASE_SLOW(physr_dma_mixed_runs),
	KUNIT_CASE_SLOW(physr_dma_bidirectional),
	KUNIT_CASE_SLOW(physr_dma_unmap_revokes),
	KUNIT_CASE_SLOW(physr_dma_direction),
	KUNIT_CASE_SLOW(physr_dma_rollback),
	KUNIT_CASE(physr_dma_refusals),
	KUNIT_CASE_SLOW(physr_dma_untrusted),
	KUNIT_CASE_SLOW(physr_dma_max_seg_size),
	KUNIT_CASE_SLOW(physr_dma_seg_boundary),
	KUNIT_CASE_SLOW(physr_dma_p2p),
	{}
};

static struct kunit_suite physr_dma_suite = {
	.name = "physr_dma",
	.suite_init = physr_dma_suite_init,
	.suite_exit = physr_dma_suite_exit,
	.test_cases = physr_dma_cases,
};

kunit_test_suite(physr_dma_suite);

MODULE_DESCRIPTION("KUnit tests of dma_map_physr() with QEMU's edu device");
MODULE_LICENSE("GPL");
