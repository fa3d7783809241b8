// SPDX-License-Identifier: GPL-2.0
/*
 * DMA mapping benchmark of dma_map_physr() against 6.12's dma_map_sg():
 * the kernel side (CONFIG_PHYSR_DMA_BENCH) maps and unmaps the same pinned
 * memory for QEMU's edu device through the IOMMU both ways, in 9
 * alternating rounds, checks that every page of both mappings translates to
 * the right physical page, and counts, from the IOMMU trace events, map
 * calls, page-table walks and IOTLB syncs.  This program provides 64 MiB
 * of (a) scattered 4 KiB pages and (b) 2 MiB THP and prints time per page
 * (median and range over the rounds), the counts and the physr/sg ratios
 * (median and range of the per-round ratios).  The TAP results are the
 * translation checks and the shape of the physr mapping, not the timings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kselftest.h"

#define BENCH_FILE	"/sys/kernel/debug/physr_dma/bench"
#define BENCH_LEN	(64UL << 20)
#define HPAGE		(2UL << 20)

static const char *const keys[] = {
	"pages", "sg_entries", "physr_ranges", "lazy", "runs", "ratio_ns",
	"ratio_ns_min", "ratio_ns_max", "ratio_map_ns", "ratio_map_ns_min",
	"ratio_map_ns_max", "ratio_unmap_ns", "ratio_unmap_ns_min",
	"ratio_unmap_ns_max", "sg_ns", "sg_ns_min", "sg_ns_max", "sg_map_ns",
	"sg_map_ns_min", "sg_map_ns_max", "sg_unmap_ns", "sg_unmap_ns_min",
	"sg_unmap_ns_max", "sg_segs", "sg_map_calls", "sg_map_runs",
	"sg_walks_map", "sg_walks_unmap", "sg_sync_maps", "sg_flushes_map",
	"sg_flushes_unmap", "sg_flushes_later", "sg_check", "physr_ns",
	"physr_ns_min", "physr_ns_max", "physr_map_ns", "physr_map_ns_min",
	"physr_map_ns_max", "physr_unmap_ns", "physr_unmap_ns_min",
	"physr_unmap_ns_max", "physr_segs", "physr_map_calls",
	"physr_map_runs", "physr_walks_map", "physr_walks_unmap",
	"physr_sync_maps", "physr_flushes_map", "physr_flushes_unmap",
	"physr_flushes_later", "physr_check", "part_walk_ns",
	"part_walk_ns_min", "part_walk_ns_max", "part_iova_ns",
	"part_iova_ns_min", "part_iova_ns_max", "part_pte_ns", "part_pte_ns_min",
	"part_pte_ns_max", "part_sync_ns", "part_sync_ns_min", "part_sync_ns_max",
	"part_unmap_ns", "part_unmap_ns_min", "part_unmap_ns_max",
	"part_whole_ns", "part_whole_ns_min", "part_whole_ns_max",
};

#define NKEYS	ARRAY_SIZE(keys)

static long val[NKEYS];

static long get(const char *key)
{
	unsigned int i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i], key))
			return val[i];
	return -1;
}

static int bench(void *buf, size_t len)
{
	char cmd[64], out[4096], *line;
	unsigned int i, seen = 0;
	int fd, n;

	fd = open(BENCH_FILE, O_RDWR);
	if (fd < 0)
		return -errno;
	n = snprintf(cmd, sizeof(cmd), "%lx %zx", (unsigned long)buf, len);
	if (write(fd, cmd, n) != n) {
		n = -errno;
		close(fd);
		return n;
	}
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	if (n <= 0)
		return -EIO;
	out[n] = 0;
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char key[32];
		long v;

		if (sscanf(line, "%31s %ld", key, &v) != 2)
			return -EIO;
		for (i = 0; i < NKEYS; i++)
			if (!strcmp(keys[i], key)) {
				val[i] = v;
				seen++;
			}
	}
	return seen == NKEYS && get("pages") == (long)(len / getpagesize()) ? 0 : -EIO;
}

static long side(const char *side, const char *key)
{
	char k[32];

	snprintf(k, sizeof(k), "%s_%s", side, key);
	return get(k);
}

static void report_side(const char *name, const char *s, const char *label)
{
	double pages = get("pages");

	ksft_print_msg("%-9s %-14s ns/page: map+unmap %.1f (%.1f-%.1f), map %.1f (%.1f-%.1f), unmap %.1f (%.1f-%.1f)\n",
		       name, label, side(s, "ns") / pages, side(s, "ns_min") / pages,
		       side(s, "ns_max") / pages, side(s, "map_ns") / pages,
		       side(s, "map_ns_min") / pages, side(s, "map_ns_max") / pages,
		       side(s, "unmap_ns") / pages, side(s, "unmap_ns_min") / pages,
		       side(s, "unmap_ns_max") / pages);
	ksft_print_msg("%-9s %-14s %ld DMA segs\n", name, label, side(s, "segs"));
	ksft_print_msg("%-9s %-14s %ld iommu_map + %ld iommu_map_runs calls, page-table walks %ld map, %ld unmap\n",
		       name, label, side(s, "map_calls"), side(s, "map_runs"),
		       side(s, "walks_map"), side(s, "walks_unmap"));
	ksft_print_msg("%-9s %-14s %ld sync_map, IOTLB flushes: %ld in map, %ld in unmap, %ld later (flush queue)\n",
		       name, label, side(s, "sync_maps"), side(s, "flushes_map"),
		       side(s, "flushes_unmap"), side(s, "flushes_later"));
}

static double part(const char *key)
{
	return side("part", key);
}

static void report(const char *name)
{
	double pages = get("pages");

	ksft_print_msg("%-9s %ld pages (%ld sg entries, %ld physr ranges), IOMMU domain %s, %ld rounds, median (min-max)\n",
		       name, get("pages"), get("sg_entries"), get("physr_ranges"),
		       get("lazy") ? "lazy (flush queue)" : "strict", get("runs"));
	report_side(name, "sg", "dma_map_sg:");
	report_side(name, "physr", "dma_map_physr:");
	ksft_print_msg("%-9s ratio physr/sg per round: map+unmap %.3f (%.3f-%.3f), map %.3f (%.3f-%.3f), unmap %.3f (%.3f-%.3f)\n",
		       name, get("ratio_ns") / 1000.0, get("ratio_ns_min") / 1000.0,
		       get("ratio_ns_max") / 1000.0, get("ratio_map_ns") / 1000.0,
		       get("ratio_map_ns_min") / 1000.0, get("ratio_map_ns_max") / 1000.0,
		       get("ratio_unmap_ns") / 1000.0, get("ratio_unmap_ns_min") / 1000.0,
		       get("ratio_unmap_ns_max") / 1000.0);
	ksft_print_msg("%-9s dma_map_physr parts, ns/page: list walk %.1f (%.1f-%.1f), IOVA alloc+free %.1f (%.1f-%.1f), PTE fill of the runs %.1f (%.1f-%.1f), IOTLB sync_map %.1f (%.1f-%.1f), unmap %.1f (%.1f-%.1f)\n",
		       name, part("walk_ns") / pages, part("walk_ns_min") / pages,
		       part("walk_ns_max") / pages, part("iova_ns") / pages,
		       part("iova_ns_min") / pages, part("iova_ns_max") / pages,
		       part("pte_ns") / pages, part("pte_ns_min") / pages,
		       part("pte_ns_max") / pages, part("sync_ns") / pages,
		       part("sync_ns_min") / pages, part("sync_ns_max") / pages,
		       part("unmap_ns") / pages, part("unmap_ns_min") / pages,
		       part("unmap_ns_max") / pages);
	ksft_print_msg("%-9s dma_map_physr alone in the same loop %.1f ns/page (%.1f-%.1f); walker bookkeeping (that - walk - IOVA - PTE fill - sync): %.1f ns/page\n",
		       name, part("whole_ns") / pages, part("whole_ns_min") / pages,
		       part("whole_ns_max") / pages,
		       (part("whole_ns") - part("walk_ns") - part("iova_ns") -
			part("pte_ns") - part("sync_ns")) / pages);
	ksft_print_msg("%-9s ratio physr/sg: page-table walks per map %.4f, per unmap %.3f\n",
		       name, (double)get("physr_walks_map") / get("sg_walks_map"),
		       (double)get("physr_walks_unmap") / get("sg_walks_unmap"));
}

/* The same scattering as physr_bench: every other page of a filler freed. */
static void *scattered(size_t len)
{
	size_t psz = getpagesize(), i;
	char *filler, *buf;

	filler = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (filler == MAP_FAILED || buf == MAP_FAILED)
		return NULL;
	madvise(filler, 2 * len, MADV_NOHUGEPAGE);
	madvise(buf, len, MADV_NOHUGEPAGE);
	memset(filler, 1, 2 * len);
	for (i = 0; i < 2 * len; i += 2 * psz)
		madvise(filler + i, psz, MADV_DONTNEED);
	for (i = 0; i < len; i += psz)
		buf[i] = 2;
	return buf;
}

static void *thp(size_t len)
{
	char *raw, *buf;

	raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	buf = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(buf, len, MADV_HUGEPAGE);
	memset(buf, 3, len);
	return buf;
}

static void one(const char *name, void *buf)
{
	int ret = buf ? bench(buf, BENCH_LEN) : -ENOMEM;

	if (!ret)
		report(name);
	ksft_test_result(!ret && !get("sg_check") && !get("physr_check"),
			 "%s: both mappings translate every page to its pinned page (%d)\n",
			 name, ret);
	/*
	 * dma_map_physr() hands the runs to iommu_map_runs() in batches of
	 * up to 512, each one descent that fills leaf table after leaf table:
	 * at most one walk per batch plus one per 2 MiB of IOVA (a VT-d leaf
	 * table), where one iommu_map() per run walks once per run.
	 */
	ksft_test_result(!ret && get("physr_segs") == 1 &&
			 get("physr_map_calls") == 0 &&
			 get("physr_map_runs") == (get("physr_ranges") + 511) / 512 &&
			 get("physr_walks_map") <= get("physr_map_runs") +
						   (long)(BENCH_LEN / HPAGE) &&
			 get("physr_sync_maps") == 1 && get("physr_flushes_unmap") == 1,
			 "%s: physr: 1 DMA segment, 1 iommu_map_runs per 512 ranges, <= 1 walk per call and 2 MiB, 1 sync_map, 1 IOTLB flush on unmap\n",
			 name);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(4);
	if (access(BENCH_FILE, W_OK))
		ksft_exit_fail_msg("%s: %s (needs CONFIG_PHYSR_DMA_BENCH)\n",
				   BENCH_FILE, strerror(errno));
	one("4KiB", scattered(BENCH_LEN));
	one("2MiB-THP", thp(BENCH_LEN));
	ksft_finished();
}
