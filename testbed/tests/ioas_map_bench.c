// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark: IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP of anonymous memory by
 * user address into a VT-d domain (the edu device's IOAS), with iommufd's
 * run-list path (each batch of pinned pages filled a run of physically
 * consecutive pages at a time, and mapped with iommu_map_runs_nosync(), which
 * VT-d does with one page-table descent per leaf table and one IOTLB sync
 * per batch) against 6.12's path (the batch filled a page at a time, one
 * iommu_map() per run), switched in the same boot by the IOMMUFD_TEST
 * debugfs file iommufd/map_runs. Memory backed by 2 MiB anonymous THPs,
 * and by 4 KiB pages (MADV_NOHUGEPAGE) as the allocator hands them out.
 *
 * Each repetition maps and unmaps once with each path, alternating which
 * goes first; the figures are the median and range of REPS repetitions,
 * and the ratio of 6.12's median to ours (above 1: ours is faster).
 *
 * Pass/fail checks what both paths mapped, never a time: the same number
 * of runs, run-list calls only on ours (both counted from the IOMMU trace
 * events map and map_runs, in two untimed rounds of each path before the
 * timed ones: ../../tools/testing/selftests/iommu/iommu_map_trace.h),
 * and edu copying pages through the IOVAs of each mapping (real DMA through
 * the emulated VT-d; edu reaches only the first 256 MiB of IOVA).
 */
#include "vfio_tb.h"
#include "../../tools/testing/selftests/iommu/iommu_map_trace.h"

#define SIZE (1024UL << 20)
#define PG 4096UL
#define HPAGE (2UL << 20)
#define REPS 9
#define IOVA 0x1000000ULL	/* 16 MiB: edu's 28-bit mask reaches 240 MiB */
#define EDU_REACH (0x10000000ULL - IOVA)
#define MAP_RUNS "/sys/kernel/debug/iommufd/map_runs"
#define THP_ANON "/sys/kernel/mm/transparent_hugepage/enabled"

/* Physically contiguous runs and pages in THPs of the memory at @mem */
static long count_runs(void *mem, size_t size, long *huge)
{
	static uint64_t e[512];
	uint64_t prev = 0;
	long runs = 0;
	size_t i, j;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	int kfd = open("/proc/kpageflags", O_RDONLY);

	need(fd >= 0 && kfd >= 0, "open pagemap, kpageflags");
	*huge = 0;
	for (i = 0; i < size / PG; i += 512) {
		need(pread(fd, e, sizeof(e), ((uintptr_t)mem / PG + i) * 8) ==
		     sizeof(e), "read pagemap");
		for (j = 0; j < 512; j++) {
			uint64_t pfn = e[j] & ((1ULL << 55) - 1), flags;

			need(e[j] >> 63 && pfn, "page %zu present, PFN (root)",
			     i + j);
			if (!(i + j) || pfn != prev + 1)
				runs++;
			prev = pfn;
			if (j == 0 || j == 511) {
				need(pread(kfd, &flags, 8, pfn * 8) == 8,
				     "read kpageflags");
				/* KPF_THP */
				if (j == 0 && (flags >> 22 & 1))
					*huge += 512;
			}
		}
	}
	close(kfd);
	close(fd);
	return runs;
}

struct sample {
	double map_us[REPS], unmap_us[REPS];
	long runs, rcalls;
	int n, same;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *lo, double *hi)
{
	double s[REPS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Copy page @a to page @b of the mapping with edu, check it landed */
static int edu_copy_ok(volatile void *bar, uint8_t *mem, size_t a, size_t b)
{
	fill_pattern(mem + a, EDU_XFER, (uint32_t)a);
	memset(mem + b, 0, EDU_XFER);
	if (edu_load(bar, IOVA + a, EDU_XFER) ||
	    edu_store(bar, IOVA + b, EDU_XFER))
		return 0;
	return !memcmp(mem + a, mem + b, EDU_XFER);
}

static int dma_checked;

static void run(int iommufd, uint32_t ioas, volatile void *bar, uint8_t *mem,
		int ours, struct sample *s)
{
	uint64_t iova = IOVA;
	double t0, t1, t2;

	need(!write_str(MAP_RUNS, ours ? "1" : "0"), "write %s", MAP_RUNS);
	t0 = now_us();
	need(!map_user(iommufd, ioas, mem, SIZE, &iova, MAP_RW_FIXED),
	     "IOAS_MAP of %lu MiB", SIZE >> 20);
	t1 = now_us();
	/* Once per path: pages at both ends of edu's reach, and one between */
	if (s->n == 0) {
		if (edu_copy_ok(bar, mem, 0, EDU_REACH - PG) &&
		    edu_copy_ok(bar, mem, EDU_REACH / 2 + 5 * PG, 3 * PG))
			dma_checked++;
	}
	t2 = now_us();
	need(!unmap_iova(iommufd, ioas, IOVA, SIZE), "IOAS_UNMAP");
	s->unmap_us[s->n] = now_us() - t2;
	s->map_us[s->n] = t1 - t0;
	s->n++;
}

/*
 * Two untimed rounds of a path with the IOMMU map events counted: the runs
 * mapped (map events plus the runs of map_runs events, VT-d has the
 * map_runs op) and the map_runs calls, the same both times?
 */
static void count(int iommufd, uint32_t ioas, uint8_t *mem, int ours,
		  struct sample *s)
{
	struct iommu_map_trace tr;
	struct iommu_map_count c;
	uint64_t iova = IOVA;
	int i;

	need(!write_str(MAP_RUNS, ours ? "1" : "0"), "write %s", MAP_RUNS);
	for (i = 0; i < 2; i++) {
		need(!iommu_map_trace_start(&tr, "ioas_map_bench"),
		     "trace the IOMMU map events");
		need(!map_user(iommufd, ioas, mem, SIZE, &iova, MAP_RW_FIXED),
		     "IOAS_MAP of %lu MiB", SIZE >> 20);
		need(!iommu_map_trace_stop(&tr, &c), "read the IOMMU map events");
		need(!unmap_iova(iommufd, ioas, IOVA, SIZE), "IOAS_UNMAP");
		if (!i) {
			s->runs = c.maps + c.runs;
			s->rcalls = c.runs_calls;
			s->same = 1;
		} else if (c.maps + c.runs != s->runs ||
			   c.runs_calls != s->rcalls) {
			s->same = 0;
		}
	}
}

static void report(const char *name, const char *path, struct sample *s)
{
	double lo, hi, lo2, hi2, m, u;

	m = median(s->map_us, s->n, &lo, &hi);
	u = median(s->unmap_us, s->n, &lo2, &hi2);
	printf("# %s: %-24s map %8.1f ms (%.1f-%.1f), unmap %8.1f ms (%.1f-%.1f), %ld runs, %ld map_runs calls\n",
	       name, path, m / 1000, lo / 1000, hi / 1000, u / 1000,
	       lo2 / 1000, hi2 / 1000, s->runs, s->rcalls);
}

static void bench(int iommufd, uint32_t ioas, volatile void *bar, int thp,
		  const char *name)
{
	struct sample ours = { 0 }, old = { 0 };
	double lo, hi, m_ours, m_old, u_ours, u_old;
	long runs, huge;
	uint8_t *raw, *mem;
	size_t off;
	int i;

	/* 2 MiB aligned, so that THPs can back all of it */
	raw = mmap(NULL, SIZE + HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	need(raw != MAP_FAILED, "mmap %lu MiB", SIZE >> 20);
	mem = (uint8_t *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	need(!madvise(mem, SIZE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE),
	     "madvise");
	for (off = 0; off < SIZE; off += PG)
		mem[off] = 0x5a;
	dma_checked = 0;
	runs = count_runs(mem, SIZE, &huge);
	printf("# %s: %lu MiB, %ld physically contiguous runs, %ld%% of the pages in THPs\n",
	       name, SIZE >> 20, runs, huge * 100 / (long)(SIZE / PG));

	count(iommufd, ioas, mem, 1, &ours);
	count(iommufd, ioas, mem, 0, &old);
	for (i = 0; i < REPS; i++) {
		if (i % 2) {
			run(iommufd, ioas, bar, mem, 0, &old);
			run(iommufd, ioas, bar, mem, 1, &ours);
		} else {
			run(iommufd, ioas, bar, mem, 1, &ours);
			run(iommufd, ioas, bar, mem, 0, &old);
		}
	}
	need(!write_str(MAP_RUNS, "1"), "write %s", MAP_RUNS);

	tap(ours.same && old.same && ours.runs == old.runs &&
	    ours.runs == runs && ours.rcalls > 0 && !old.rcalls,
	    "%s: both paths map the same %ld runs every time, only ours in run lists (%ld calls)",
	    name, runs, ours.rcalls);
	tap(dma_checked == 2,
	    "%s: edu copies pages through the IOVAs of both mappings", name);
	tap(thp ? huge * 4 >= (long)(SIZE / PG) * 3 : !huge,
	    "%s: %s", name, thp ? "at least 3/4 of the memory in THPs" :
				  "no THP in the memory");
	report(name, "ours (run lists)", &ours);
	report(name, "6.12 (iommu_map per run)", &old);
	m_ours = median(ours.map_us, ours.n, &lo, &hi);
	m_old = median(old.map_us, old.n, &lo, &hi);
	u_ours = median(ours.unmap_us, ours.n, &lo, &hi);
	u_old = median(old.unmap_us, old.n, &lo, &hi);
	printf("# %s: 6.12 / ours, medians: map %.2fx, unmap %.2fx, map+unmap %.2fx\n",
	       name, m_old / m_ours, u_old / u_ours,
	       (m_old + u_old) / (m_ours + u_ours));
	fflush(stdout);
	munmap(raw, SIZE + HPAGE);
}

int main(void)
{
	volatile uint32_t *bar;
	int iommufd, edu;
	uint32_t ioas;
	char bdf[64];

	printf("TAP version 13\n1..7\n");
	edu = edu_attach_new_ioas(&iommufd, &ioas, bdf);
	bar = edu_enable(edu);
	tap(bar[0] == 0x010000ed, "edu %s bound to vfio-pci, BAR0 mapped",
	    bdf);
	need(!write_str(THP_ANON, "madvise"), "anonymous THP on madvise");

	bench(iommufd, ioas, bar, 1, "THP 2 MiB");
	bench(iommufd, ioas, bar, 0, "4 KiB pages");

	close(edu);
	close(iommufd);
	return failed;
}
