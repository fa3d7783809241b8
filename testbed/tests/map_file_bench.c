// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark: mapping a 256 MiB memfd into a VT-d domain (the edu device's
 * IOAS) with IOMMU_IOAS_MAP_FILE, which pins it in batches through physr,
 * versus IOMMU_IOAS_MAP of the same memory by user address, which pins it
 * page by page with pin_user_pages() as 6.12 does (both then map their
 * batches as run lists, see ioas_map_bench.c for IOAS_MAP against 6.12's
 * own map path). Backed by 2 MiB shmem THPs,
 * by 2 MiB hugetlb folios, by 4 KiB pages as the allocator hands them out
 * (mostly adjacent in a fresh VM), and by 4 KiB pages scattered on
 * purpose. REPS alternating rounds of each side; printed for map and for
 * unmap: the median and the range (min-max) of the times, and the median
 * and range of the per-round ratios IOAS_MAP / IOAS_MAP_FILE (above 1:
 * MAP_FILE is faster). Also the number of runs iommufd mapped (from the
 * IOMMU trace events map and map_runs, in two untimed rounds of each side
 * before the timed ones, ../../tools/testing/selftests/iommu/
 * iommu_map_trace.h), the number of physically contiguous
 * runs of the memory (from pagemap), the time of MAP_FILE into an IOAS
 * with no domain (the pin, with the ioctl), and the pin alone in the
 * kernel: physr's batch pin against 6.12's memfd_pin_folios(), alternating
 * (/sys/kernel/debug/physr_pin/memfd, CONFIG_PHYSR_BENCH), with its cost
 * split: the page cache lookup alone, the pin of the same memory by
 * address as IOAS_MAP takes it (pin_user_pages_fast()) and into a physr
 * list (physr_pin_user()), and the batch pin's lookup-then-pin against
 * its pin on the page cache entry (lib/physr/physr_pin_bench.c).
 *
 * Pass/fail checks only that both sides mapped the same memory and that
 * IOMMU_IOAS_MAP_FILE mapped each contiguous run as one run; timing
 * is reported, never judged.
 */
#include "vfio_tb.h"
#include "../../tools/testing/selftests/iommu/iommu_map_trace.h"

#define SIZE (256UL << 20)
#define PG 4096UL
#define REPS 7
#define HUGE_PAGES "/proc/sys/vm/nr_hugepages"
#define IOVA 0x40000000ULL
#define SHMEM_THP "/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define PIN_BENCH "/sys/kernel/debug/physr_pin/memfd"

/* Physically contiguous runs of the pages mapped at @mem */
static long count_runs(void *mem, size_t size)
{
	uint64_t prev = 0, e;
	long runs = 0;
	size_t i;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	need(fd >= 0, "open pagemap");
	for (i = 0; i < size / PG; i++) {
		uint64_t pfn;

		need(pread(fd, &e, 8, ((uintptr_t)mem / PG + i) * 8) == 8,
		     "read pagemap");
		need(e >> 63, "page %zu present", i);
		pfn = e & ((1ULL << 55) - 1);
		need(pfn, "pagemap gives PFNs (root)");
		if (!i || pfn != prev + 1)
			runs++;
		prev = pfn;
	}
	close(fd);
	return runs;
}

struct result {
	double map_us[REPS], unmap_us[REPS];
	long calls;
	int n;
};

static int map_either(int iommufd, uint32_t ioas, int mfd, void *mem,
		      int by_file)
{
	uint64_t iova = IOVA;

	if (by_file)
		return map_file(iommufd, ioas, mfd, 0, SIZE, &iova, MAP_RW_FIXED);
	return map_user(iommufd, ioas, mem, SIZE, &iova, MAP_RW_FIXED);
}

/*
 * Two untimed rounds with the IOMMU map events counted: the runs mapped
 * (map events plus the runs of map_runs events; VT-d has the map_runs op),
 * or -1 when the two rounds differ.
 */
static void count(int iommufd, uint32_t ioas, int mfd, void *mem, int by_file,
		  struct result *res)
{
	struct iommu_map_trace tr;
	struct iommu_map_count c;
	int i;

	for (i = 0; i < 2; i++) {
		need(!iommu_map_trace_start(&tr, "map_file_bench"),
		     "trace the IOMMU map events");
		need(!map_either(iommufd, ioas, mfd, mem, by_file),
		     "%s of 256 MiB", by_file ? "IOAS_MAP_FILE" : "IOAS_MAP");
		need(!iommu_map_trace_stop(&tr, &c), "read the IOMMU map events");
		need(!unmap_iova(iommufd, ioas, IOVA, SIZE), "IOAS_UNMAP");
		if (!i || c.maps + c.runs != res->calls)
			res->calls = i ? -1 : c.maps + c.runs;
	}
}

static void run(int iommufd, uint32_t ioas, int mfd, void *mem, int by_file,
		struct result *res)
{
	double t0, t1, t2;
	int ret;

	t0 = now_us();
	ret = map_either(iommufd, ioas, mfd, mem, by_file);
	t1 = now_us();
	need(!ret, "%s of 256 MiB", by_file ? "IOAS_MAP_FILE" : "IOAS_MAP");
	need(!unmap_iova(iommufd, ioas, IOVA, SIZE), "IOAS_UNMAP");
	t2 = now_us();
	res->map_us[res->n] = t1 - t0;
	res->unmap_us[res->n] = t2 - t1;
	res->n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of @n samples (sorted in place) */
static void stats(double *v, int n, double *med, double *lo, double *hi)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*lo = v[0];
	*hi = v[n - 1];
}

/* "median ms (min-max)" of @us into @buf (sorts @us) */
static const char *times(double *us, char *buf, size_t size)
{
	double med, lo, hi;

	stats(us, REPS, &med, &lo, &hi);
	snprintf(buf, size, "%.2f ms (%.2f-%.2f)", med / 1000, lo / 1000,
		 hi / 1000);
	return buf;
}

/* IOAS_MAP / IOAS_MAP_FILE of each round: above 1, MAP_FILE is faster */
static void print_ratio(const char *name, const char *what,
			const double *user, const double *file)
{
	double r[REPS], med, lo, hi;
	int i;

	for (i = 0; i < REPS; i++)
		r[i] = user[i] / file[i];
	stats(r, REPS, &med, &lo, &hi);
	printf("# %s: %s IOAS_MAP / IOAS_MAP_FILE per round: median %.2fx (%.2f-%.2f)\n",
	       name, what, med, lo, hi);
}

/*
 * @scatter: fault the memfd in page by page alternating with a second
 * memfd, freed afterwards, so that hardly two pages are adjacent.
 */
static uint32_t bare_ioas;	/* an IOAS with no domain: pinning only */

/*
 * The pin alone, in the kernel (CONFIG_PHYSR_BENCH): the batch pin of
 * physr_pin_memfd() against 6.12's memfd_pin_folios() with one
 * physr_append() per folio, on the memfd mapped at @mem, alternating.
 */
static void pin_bench(char *mem, const char *name)
{
	char cmd[64], buf[1024], *line, *save;
	int fd = open(PIN_BENCH, O_RDWR);
	ssize_t n;

	need(fd >= 0, "open %s", PIN_BENCH);
	snprintf(cmd, sizeof(cmd), "%lx %lx", (unsigned long)mem, SIZE);
	n = write(fd, cmd, strlen(cmd));
	tap(n == (ssize_t)strlen(cmd),
	    "%s: the batch pin and memfd_pin_folios() give the same list",
	    name);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	printf("# %s: in-kernel pin of 256 MiB, median min max in us:\n", name);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", line);
}

static void bench(int iommufd, uint32_t ioas, const char *thp, int scatter,
		  int hugetlb, const char *name)
{
	struct result user = { 0 }, file = { 0 }, pin = { 0 };
	char *mem, *other = NULL, t1[64], t2[64];
	int mfd, ofd = -1, i;
	size_t off;
	long runs;

	need(!write_str(SHMEM_THP, thp), "shmem THP %s", thp);
	mfd = memfd_create(name, hugetlb ? MFD_HUGETLB : 0);
	need(mfd >= 0 && !ftruncate(mfd, SIZE), "memfd of 256 MiB");
	mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	need(mem != MAP_FAILED, "mmap memfd");
	if (scatter) {
		ofd = memfd_create("scatter", 0);
		need(ofd >= 0 && !ftruncate(ofd, SIZE), "second memfd");
		other = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			     ofd, 0);
		need(other != MAP_FAILED, "mmap second memfd");
	}
	for (off = 0; off < SIZE; off += PG) {
		mem[off] = 0x3c;
		if (other)
			other[off] = 0x3c;
	}
	if (other) {
		munmap(other, SIZE);
		close(ofd);
	}
	runs = count_runs(mem, SIZE);

	count(iommufd, ioas, mfd, mem, 0, &user);
	count(iommufd, ioas, mfd, mem, 1, &file);
	count(iommufd, bare_ioas, mfd, mem, 1, &pin);
	for (i = 0; i < REPS; i++) {
		run(iommufd, ioas, mfd, mem, 0, &user);
		run(iommufd, ioas, mfd, mem, 1, &file);
		run(iommufd, bare_ioas, mfd, mem, 1, &pin);
	}
	tap(user.calls > 0 && file.calls > 0 && !pin.calls,
	    "%s: both map the 256 MiB, the same number of runs every time",
	    name);
	tap(file.calls == runs,
	    "%s: IOAS_MAP_FILE maps each contiguous run as one run (%ld mapped, %ld runs)",
	    name, file.calls, runs);
	printf("# %s: %ld physically contiguous runs, %d rounds: median (min-max)\n",
	       name, runs, REPS);
	/* Ratios first: stats() sorts the samples of each side in place */
	print_ratio(name, "map", user.map_us, file.map_us);
	print_ratio(name, "unmap", user.unmap_us, file.unmap_us);
	printf("# %s: IOAS_MAP by user VA:        map %s, unmap %s, %ld runs mapped\n",
	       name, times(user.map_us, t1, sizeof(t1)),
	       times(user.unmap_us, t2, sizeof(t2)), user.calls);
	printf("# %s: IOAS_MAP_FILE (physr):      map %s, unmap %s, %ld runs mapped\n",
	       name, times(file.map_us, t1, sizeof(t1)),
	       times(file.unmap_us, t2, sizeof(t2)), file.calls);
	printf("# %s: of which pinning into a physr (MAP_FILE, no domain): %s\n",
	       name, times(pin.map_us, t1, sizeof(t1)));
	pin_bench(mem, name);
	fflush(stdout);
	munmap(mem, SIZE);
	close(mfd);
}

int main(void)
{
	uint32_t ioas;
	int iommufd, edu;
	char bdf[64];

	printf("TAP version 13\n1..12\n");
	edu = edu_attach_new_ioas(&iommufd, &ioas, bdf);
	bare_ioas = ioas_alloc(iommufd);

	bench(iommufd, ioas, "always", 0, 0, "THP 2 MiB");
	/* 128 huge pages for the hugetlb memfd, given back afterwards */
	need(!write_str(HUGE_PAGES, "128"), "reserve 128 huge pages");
	bench(iommufd, ioas, "never", 0, 1, "hugetlb 2 MiB");
	need(!write_str(HUGE_PAGES, "0"), "free the huge pages");
	bench(iommufd, ioas, "never", 0, 0, "4 KiB pages");
	bench(iommufd, ioas, "never", 1, 0, "4 KiB scattered");

	close(edu);
	close(iommufd);
	return failed;
}
