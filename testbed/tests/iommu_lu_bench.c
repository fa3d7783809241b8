// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d live update benchmark.
 *
 * Handover bytes: a 1 GiB memfd, backed by 4 KiB folios and by 2 MiB THPs,
 * is mapped whole into a VT-d domain of edu and the domain is preserved;
 * /sys/kernel/debug/iommu_lu/out tells what its handover costs: the
 * page-table pages (handed over in place, not copied), the runs they form
 * and the metadata written for them (physr list chunks and the record).
 *
 * The pass/fail results only check that each side did the same work.
 */
#include <sys/mman.h>
#include "iommu_lu_tb.h"

#define GIB (1UL << 30)

struct bytes {
	unsigned long pages, table_bytes, runs, chunks, list_bytes, rec_bytes;
};

static int measure(const char *thp, struct bytes *b)
{
	char cmd[64], buf[1024];
	int fd, ret;

	write_file("/sys/kernel/mm/transparent_hugepage/shmem_enabled", thp);
	fd = memfd_create("iommu_lu_bench", 0);
	if (fd < 0 || ftruncate(fd, GIB))
		return -errno;
	snprintf(cmd, sizeof(cmd), "bench_map %d", fd);
	ret = lu_cmd(cmd);
	if (!ret && read_file("/sys/kernel/debug/iommu_lu/out", buf, sizeof(buf)) > 0) {
		printf("# %s", buf);
		if (sscanf(strstr(buf, "table_pages"),
			   "table_pages %lu table_bytes %lu runs %lu list_chunks %lu list_bytes %lu record_bytes %lu",
			   &b->pages, &b->table_bytes, &b->runs, &b->chunks,
			   &b->list_bytes, &b->rec_bytes) != 6)
			ret = -EINVAL;
	}
	lu_cmd("bench_unmap");
	close(fd);
	return ret;
}

int main(void)
{
	struct bytes small = { 0 }, huge = { 0 };
	int ret;

	printf("TAP version 13\n1..3\n");
	ret = measure("never", &small);
	tap(!ret && small.pages, "1 GiB memfd of 4 KiB folios mapped and preserved (%d)", ret);
	ret = measure("always", &huge);
	tap(!ret && huge.pages, "1 GiB memfd of 2 MiB folios mapped and preserved (%d)", ret);
	printf("# handover of the IOMMU state of a 1 GiB memfd (QEMU VT-d, 39-bit: 3 levels)\n");
	printf("# %-8s %12s %12s %6s %12s %12s %14s\n", "folios", "table pages",
	       "table bytes", "runs", "list bytes", "record bytes", "metadata/table");
	printf("# %-8s %12lu %12lu %6lu %12lu %12lu %13.4f%%\n", "4 KiB", small.pages,
	       small.table_bytes, small.runs, small.list_bytes, small.rec_bytes,
	       100.0 * (small.list_bytes + small.rec_bytes) / (small.table_bytes ?: 1));
	printf("# %-8s %12lu %12lu %6lu %12lu %12lu %13.4f%%\n", "2 MiB", huge.pages,
	       huge.table_bytes, huge.runs, huge.list_bytes, huge.rec_bytes,
	       100.0 * (huge.list_bytes + huge.rec_bytes) / (huge.table_bytes ?: 1));
	tap(small.pages > huge.pages, "4 KiB folios need more table pages than 2 MiB ones (%lu > %lu)",
	    small.pages, huge.pages);
	lu_cmd("release");
	return failed;
}
