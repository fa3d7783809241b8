// SPDX-License-Identifier: GPL-2.0
/*
 * KHO reservation benchmark, across real kexecs:
 *
 *   stage 1 (cold boot)  preserve nothing, kexec
 *   stage 2              figures of a kexec with an empty handover;
 *                        preserve 512 MiB as 2 MiB folios, kexec
 *   stage 3              figures for (a); release it; preserve 512 MiB as
 *                        4 KiB folios no two of which are adjacent, kexec
 *   stage 4              figures for (b); release it
 *
 * Figures: the next kernel's time to validate and reserve the handover,
 * the areas it reserved, the metadata bytes (root and physr chunks), and
 * the uptime when the test starts (the kernel's boot time plus a roughly
 * constant share of init).  The records of each stage are kept in the
 * state folder and the last stage prints the comparison.  TAP results are
 * the functional checks; the goals are checked too: (a) reserves in under
 * 5% of the empty-handover boot time, and metadata follows runs, not
 * pages.
 */
#include "kho_tb.h"

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

static void state_path(char *path, size_t len, int stage)
{
	snprintf(path, len, "%s/kho_bench.%d", getenv("TESTBED_STATE") ?: "/tmp", stage);
}

static void save_fig(int stage, const struct fig *f)
{
	char path[256];
	FILE *fp;

	state_path(path, sizeof(path), stage);
	fp = fopen(path, "w");
	if (!fp)
		return;
	fprintf(fp, "%f %llu %llu %llu %llu\n", f->uptime_ms, f->reserve_ns, f->areas,
		f->metadata, f->reserved);
	fclose(fp);
}

static int load_fig(int stage, struct fig *f)
{
	char path[256];
	FILE *fp;
	int n;

	state_path(path, sizeof(path), stage);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	n = fscanf(fp, "%lf %llu %llu %llu %llu", &f->uptime_ms, &f->reserve_ns, &f->areas,
		   &f->metadata, &f->reserved);
	fclose(fp);
	return n == 5 ? 0 : -1;
}

static void print_fig(const char *what, const struct fig *f)
{
	printf("# %-32s reserve %8.1f us  areas %6llu  metadata %8llu B",
	       what, f->reserve_ns / 1000.0, f->areas, f->metadata);
	printf("  reserved %10llu B  uptime %6.0f ms\n", f->reserved, f->uptime_ms);
}

int main(void)
{
	int stage = stage_number(), ret;
	struct fig plain, huge, small, now;

	printf("TAP version 13\n");
	if (stage == 1) {
		printf("1..1\n");
		tap(access(KHO_TEST_DIR "/control", W_OK) == 0,
		    "stage 1: the KHO test module is present");
		return failed;
	}
	show_incoming();
	tap(!read_fig(&now), "stage %d: read the reservation figures", stage);
	save_fig(stage, &now);
	tap(incoming_starts_with("accepted"), "stage %d: the handover was accepted", stage);
	if (stage == 2) {
		ret = kho_test_cmd("bench_huge");
		tap(!ret, "stage 2: preserve 512 MiB as 2 MiB folios (%d)", ret);
		printf("1..%d\n", nr_test);
		return failed;
	}
	ret = kho_test_cmd("bench_release");
	tap(!ret, "stage %d: restore and free the benchmark memory (%d)", stage, ret);
	if (stage == 3) {
		ret = kho_test_cmd("bench_small");
		tap(!ret, "stage 3: preserve 512 MiB as scattered 4 KiB folios (%d)", ret);
		printf("1..%d\n", nr_test);
		return failed;
	}
	if (load_fig(2, &plain) || load_fig(3, &huge) || load_fig(4, &small)) {
		tap(0, "stage 4: the records of stages 2 and 3 came across");
		printf("1..%d\n", nr_test);
		return failed;
	}
	print_fig("kexec, empty handover", &plain);
	print_fig("(a) 512 MiB as 2 MiB folios", &huge);
	print_fig("(b) 512 MiB as scattered 4 KiB", &small);
	printf("# (a) reservation is %.3f%% of the empty-handover boot time\n",
	       100.0 * huge.reserve_ns / 1e6 / plain.uptime_ms);
	printf("# metadata per preserved MiB: (a) %.1f B, (b) %.1f B\n",
	       huge.metadata / 512.0, small.metadata / 512.0);
	tap(huge.reserve_ns / 1e6 < 0.05 * plain.uptime_ms,
	    "(a) adds under 5%% of the boot time to reserve 512 MiB");
	tap(huge.metadata <= 4 * 4096 && small.metadata > 16 * huge.metadata,
	    "metadata follows runs, not pages: (a) %llu B, (b) %llu B",
	    huge.metadata, small.metadata);
	printf("1..%d\n", nr_test);
	return failed;
}
