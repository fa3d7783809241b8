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
 * DMA blackout: edu DMAs in a loop until the kexec; the next kernel's
 * first DMA is made from the test driver's initcall, through the adopted
 * domain after a live update (stage 1 to 2), after setting a domain and a
 * mapping up again after a plain kexec (stage 2 to 3).  The blackout is
 * the time from the last DMA completed before the kexec to that first one
 * (TSC, which runs on through a kexec).  Both sides boot the same kernel
 * to the same initcall; the table shows both, and their ratio.
 *
 * The pass/fail results only check that each side did the same work.
 */
#include <sys/mman.h>
#include "iommu_lu_tb.h"

#define GIB (1UL << 30)

struct bytes {
	unsigned long pages, table_bytes, runs, chunks, list_bytes, rec_bytes;
};

static int measure(const char *thp, struct bytes *b, const char *undo)
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
	ret = ret ?: lu_cmd(undo);
	if (!ret && read_file("/sys/kernel/debug/iommu_lu/out", buf, sizeof(buf)) != 0)
		ret = -EEXIST;
	close(fd);
	return ret;
}

/* Run "blackout_report" and return its figure in microseconds, or -1. */
static long blackout(void)
{
	char buf[4096], *p;
	long us = -1;

	if (lu_cmd("blackout_report"))
		return -1;
	if (read_file(LU_TEST_DIR "/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "blackout_us ");
	if (p)
		sscanf(strchr(p + 12, ' ') + 1, "%ld", &us);
	return us;
}

int main(void)
{
	struct bytes small = { 0 }, huge = { 0 };
	long us, lu_us;
	int ret, stage = stage_number();
	FILE *f;

	printf("TAP version 13\n");
	if (stage == 2) {
		printf("1..3\n");
		us = blackout();
		tap(us > 0, "stage 2: live update blackout measured (%ld us)", us);
		f = fopen("/testbed/state/iommu_lu_blackout", "w");
		if (f) {
			fprintf(f, "%ld\n", us);
			fclose(f);
		}
		ret = lu_cmd("release");
		tap(!ret, "stage 2: released (%d)", ret);
		ret = lu_cmd("blackout_plain");
		tap(!ret, "stage 2: plain kexec armed: edu DMAs until the kexec (%d)", ret);
		return failed;
	}
	if (stage == 3) {
		printf("1..2\n");
		us = blackout();
		tap(us > 0, "stage 3: plain kexec blackout measured (%ld us)", us);
		lu_us = -1;
		f = fopen("/testbed/state/iommu_lu_blackout", "r");
		if (f) {
			if (fscanf(f, "%ld", &lu_us) != 1)
				lu_us = -1;
			fclose(f);
		}
		printf("# DMA blackout, last DMA completed before the kexec to the first after it\n");
		printf("# %-14s %10s\n", "kexec", "blackout");
		printf("# %-14s %7.1f ms\n", "live update", lu_us / 1000.0);
		printf("# %-14s %7.1f ms\n", "plain kexec", us / 1000.0);
		if (lu_us > 0 && us > 0)
			printf("# live update / plain: %.2f\n", (double)lu_us / us);
		tap(lu_us > 0, "stage 3: both sides measured");
		lu_cmd("release");
		return failed;
	}

	printf("1..4\n");
	ret = measure("never", &small, "bench_unmap");
	tap(!ret && small.pages, "1 GiB memfd of 4 KiB folios mapped, preserved, unpreserved (%d)", ret);
	/* Freeing a preserved domain drops its preservation. */
	ret = measure("always", &huge, "bench_free");
	tap(!ret && huge.pages, "1 GiB memfd of 2 MiB folios mapped, preserved, freed: nothing stays preserved (%d)", ret);
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
	ret = lu_cmd("blackout_lu");
	tap(!ret, "live update armed: domain preserved, edu DMAs until the kexec (%d)", ret);
	return failed;
}
