// SPDX-License-Identifier: GPL-2.0
/*
 * KHO reservation benchmark, across real kexecs: the next kernel's time to
 * validate and reserve what a handover preserved, for
 *
 *   0     a kexec with nothing preserved (the handover's root only): the
 *         plain kexec, whose boot time is the reference
 *   32K   32768 scattered 4 KiB folios, no two adjacent
 *   64K   65536 of them
 *   128K  131072 of them (512 MiB)
 *   THP   512 MiB as 2 MiB folios
 *   128K referenced: the 128K case with the folios preserved through
 *         their list (kho_preserve_physr_ref(), root v4), which the next
 *         kernel tags by test and set and reserves from its bitmap
 *   128K packed: the same list packed first (physr_pack(), 8 bytes a
 *         range), as memfd_luo hands its folio lists over
 *
 * measured REPS times each, in rounds: stage 1 (cold boot) preserves
 * nothing and kexecs; every later stage reads the figures of the handover
 * it received, releases what it preserved (restores and frees every
 * folio), preserves the next case of the round and kexecs.  The last stage
 * prints, per case, the median and range of the reservation time, of the
 * areas reserved and of the uptime when the test starts (the kernel's
 * boot plus a roughly constant share of init), and a least-squares line
 * through the reservation times of the 32K, 64K and 128K cases.
 *
 * TAP results check only that the work was done (every handover accepted,
 * as many areas and bytes reserved as were preserved, everything
 * restored), never a time.
 */
#include "kho_tb.h"

#define REPS	5
#define NCASES	7

static const struct bench_case {
	const char *name;
	const char *cmd;		/* how the previous stage preserves it */
	unsigned long long min_areas, min_bytes;
} cases[NCASES] = {
	{ "0 (nothing preserved)", NULL, 1, 4096 },
	{ "32K scattered 4 KiB", "bench_scatter 32768", 32768, 32768ULL << 12 },
	{ "64K scattered 4 KiB", "bench_scatter 65536", 65536, 65536ULL << 12 },
	{ "128K scattered 4 KiB", "bench_scatter 131072", 131072, 131072ULL << 12 },
	{ "512 MiB of 2 MiB THP", "bench_huge", 1, 512ULL << 20 },
	{ "128K scattered 4 KiB, referenced list", "bench_scatter_ref 131072",
	  131072, 131072ULL << 12 },
	{ "128K scattered 4 KiB, packed list", "bench_scatter_packed 131072",
	  131072, 131072ULL << 12 },
};

struct fig {
	double uptime_ms;
	unsigned long long reserve_ns, areas, metadata, reserved;
};

static int read_fig(struct fig *f)
{
	char buf[4096], *p;

	memset(f, 0, sizeof(*f));
	if (read_file("/proc/uptime", buf, sizeof(buf)) <= 0)
		return -1;
	f->uptime_ms = strtod(buf, NULL) * 1000;
	if (read_file(KHO_DIR "/in/stats", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "reserve_ns ");
	f->reserve_ns = p ? strtoull(p + 11, NULL, 10) : 0;
	p = strstr(buf, "areas ");
	f->areas = p ? strtoull(p + 6, NULL, 10) : 0;
	p = strstr(buf, "metadata_bytes ");
	f->metadata = p ? strtoull(p + 15, NULL, 10) : 0;
	p = strstr(buf, "reserved_bytes ");
	f->reserved = p ? strtoull(p + 15, NULL, 10) : 0;
	return 0;
}

static void state_path(char *path, size_t len, int idx)
{
	snprintf(path, len, "%s/kho_bench.%d", getenv("TESTBED_STATE") ?: "/tmp", idx);
}

static void save_fig(int idx, const struct fig *f)
{
	char path[256];
	FILE *fp;

	state_path(path, sizeof(path), idx);
	fp = fopen(path, "w");
	if (!fp)
		return;
	fprintf(fp, "%f %llu %llu %llu %llu\n", f->uptime_ms, f->reserve_ns, f->areas,
		f->metadata, f->reserved);
	fclose(fp);
}

static int load_fig(int idx, struct fig *f)
{
	char path[256];
	FILE *fp;
	int n;

	state_path(path, sizeof(path), idx);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	n = fscanf(fp, "%lf %llu %llu %llu %llu", &f->uptime_ms, &f->reserve_ns, &f->areas,
		   &f->metadata, &f->reserved);
	fclose(fp);
	return n == 5 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, minimum and maximum of @n values (sorted in place). */
static void stats(double *v, int n, double *med, double *lo, double *hi)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*lo = v[0];
	*hi = v[n - 1];
}

static int report(void)
{
	static struct fig f[REPS][NCASES];
	double rsv[REPS], up[REPS], med, lo, hi, umed, ulo, uhi;
	double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0, slope, icpt;
	double plain_up = 0, rsv128 = 0;
	int r, c;

	for (r = 0; r < REPS; r++)
		for (c = 0; c < NCASES; c++)
			if (load_fig(r * NCASES + c, &f[r][c])) {
				tap(0, "the figures of every stage came across");
				return -1;
			}
	tap(1, "the figures of every stage came across");
	printf("# reservation by the next kernel, %d runs of each case, QEMU TCG\n", REPS);
	printf("# %-24s %10s %19s %8s %10s %10s %17s\n", "case", "reserve ms",
	       "(min - max)", "areas", "metadata", "uptime ms", "(min - max)");
	for (c = 0; c < NCASES; c++) {
		for (r = 0; r < REPS; r++) {
			rsv[r] = f[r][c].reserve_ns / 1e6;
			up[r] = f[r][c].uptime_ms;
			if (c >= 1 && c <= 3) {
				double x = f[r][c].areas, y = rsv[r];

				sx += x;
				sy += y;
				sxx += x * x;
				sxy += x * y;
				n++;
			}
		}
		stats(rsv, REPS, &med, &lo, &hi);
		stats(up, REPS, &umed, &ulo, &uhi);
		if (c == 0)
			plain_up = umed;
		if (c == 3)
			rsv128 = med;
		printf("# %-24s %10.2f (%7.2f - %7.2f) %8llu %10llu %10.0f (%6.0f - %6.0f)\n",
		       cases[c].name, med, lo, hi, f[0][c].areas, f[0][c].metadata,
		       umed, ulo, uhi);
	}
	slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	icpt = (sy - slope * sx) / n;
	printf("# linear fit over 32K/64K/128K (%d points): reserve = %.3f ms + %.1f ns * areas\n",
	       (int)n, icpt, slope * 1e6);
	printf("# 128K scattered: reserve %.2f ms, %.2f%% of the plain kexec's uptime (%.0f ms)\n",
	       rsv128, 100 * rsv128 / plain_up, plain_up);
	return 0;
}

int main(void)
{
	int stage = stage_number(), idx = stage - 2, ret, c, next;
	struct fig now;

	printf("TAP version 13\n");
	if (stage == 1) {
		printf("1..1\n");
		tap(access(KHO_TEST_DIR "/control", W_OK) == 0,
		    "stage 1: the KHO test module is present");
		return failed;
	}
	c = idx % NCASES;
	show_incoming();
	tap(!read_fig(&now), "stage %d: read the reservation figures", stage);
	save_fig(idx, &now);
	tap(incoming_starts_with("accepted"), "stage %d: the handover was accepted", stage);
	/* A chunk page of a list may touch a folio: a few areas merge. */
	tap(now.areas >= cases[c].min_areas - cases[c].min_areas / 16 &&
	    now.reserved >= cases[c].min_bytes,
	    "stage %d (%s): reserved %llu areas, %llu bytes", stage, cases[c].name,
	    now.areas, now.reserved);
	if (cases[c].cmd) {
		ret = kho_test_cmd("bench_release");
		tap(!ret, "stage %d: restore and free the benchmark memory (%d)", stage, ret);
	}
	if (idx + 1 < REPS * NCASES) {
		next = (idx + 1) % NCASES;
		if (cases[next].cmd) {
			ret = kho_test_cmd(cases[next].cmd);
			tap(!ret, "stage %d: preserve %s (%d)", stage, cases[next].name, ret);
		}
	} else {
		report();
	}
	printf("1..%d\n", nr_test);
	return failed;
}
