// SPDX-License-Identifier: GPL-2.0
/*
 * The live update demo (make demo), in two stages.
 *
 * Stage 1 plays a VM host: its "guest RAM" is a 512 MiB THP-backed memfd
 * filled with a checksummed pattern, and a writer process (the running
 * guest) keeps rewriting its pages.  The memfd is preserved while the
 * writer runs, and the writer goes on until the kernel stops it for the
 * kexec into the same kernel.
 *
 * Stage 2 retrieves the memfd, checks every page (each carries its own
 * generation and checksum, so every write the old kernel saw must be
 * there: the sum of the generations equals the writer's own count), and
 * prints the timeline, measured with the TSC, which runs on across the
 * kexec: preserve, freeze, kexec and boot, retrieve, the blackout the
 * writer saw, bytes preserved and handover metadata bytes.
 */
#include "memfd_common.h"

#define RAM_SIZE	(512 * MiB)

struct demo_state {
	double preserve_ms;
	uint64_t writes_during_preserve;
	uint64_t v2_bytes, v1_bytes, runs, folios;
	double tsc_per_ms;
};

static void stage1(void)
{
	struct demo_state ds = {};
	volatile uint64_t *clock;
	char line[512];
	long long pmd;
	uint64_t c0;
	double t;
	pid_t w;
	int fd, s, ret;
	char *p;

	ksft_set_plan(5);
	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "always");
	fd = memfd_new("guest-ram", 0);
	p = fd < 0 || ftruncate(fd, RAM_SIZE) ? NULL : map_fd(fd, RAM_SIZE);
	if (!p)
		ksft_exit_fail_msg("cannot make the guest RAM memfd\n");
	t = now_ms();
	ram_fill(p, RAM_SIZE);
	pmd = smaps_kb(p, "ShmemPmdMapped");
	ksft_print_msg("demo: guest RAM: memfd \"guest-ram\", %llu MiB, %lld MiB of it in 2 MiB THP folios, filled in %.0f ms\n",
		       RAM_SIZE / MiB, pmd / 1024, now_ms() - t);
	{
		uint64_t n = RAM_SIZE / PAGE, *pfn = calloc(n, 8);

		ret = !pfn || pfns_of(p, n, pfn) || state_save("memfd_demo.pfn", pfn, n * 8);
		free(pfn);
	}
	ksft_test_result(pmd == (long long)(RAM_SIZE / KiB) && !ret,
			 "guest RAM is THP-backed, its frames recorded\n");

	clock = (volatile uint64_t *)p;
	w = ram_writer(p, RAM_SIZE);
	ksft_test_result(w > 0, "writer (the running guest) started, pid %d\n", w);
	usleep(300000);

	s = session_new("vm");
	c0 = clock[1];
	t = now_ms();
	ret = s < 0 ? s : luo_preserve(s, fd, 1);
	ds.preserve_ms = now_ms() - t;
	ds.writes_during_preserve = clock[1] - c0;
	ksft_test_result(!ret, "guest RAM preserved in session \"vm\" (%d)\n", ret);
	ksft_print_msg("demo: preserve took %.1f ms; the guest rewrote %llu pages meanwhile (%llu so far)\n",
		       ds.preserve_ms, (unsigned long long)ds.writes_during_preserve,
		       (unsigned long long)clock[1]);
	ret = kmsg_line("preserved memfd:guest-ram:", line, sizeof(line));
	if (!ret) {
		ksft_print_msg("demo: %s\n", strstr(line, "memfd_luo") ?: line);
		ds.folios = line_value(line, "pages in ");
		ds.runs = line_value(line, "folios, ");
		ds.v2_bytes = line_value(line, "record v2 ");
		ds.v1_bytes = line_value(line, "v1 ");
	}
	ksft_test_result(!ret && !state_save("memfd_demo.state", &ds, sizeof(ds)),
			 "preserve figures recorded\n");
	close(fd);
	ret = hold_until_kexec();
	ksft_test_result(!ret, "session held open; the guest keeps writing until the kexec\n");
	ksft_print_msg("demo: ---- kexec into the same kernel ----\n");
	ksft_finished();
}

static void stage2(void)
{
	uint64_t t_start = rdtsc(), t0, t1, i, gen, sum = 0, last, count;
	char up[64];
	double uptime = read_text("/proc/uptime", up, sizeof(up)) > 0 ?
			strtod(up, NULL) * 1e3 : 0;
	uint64_t freeze_at = 0, freeze_cycles = 0, whole = 0, torn = 0, wrong = 0, same = 0;
	struct demo_state ds = {};
	char line[512], *f;
	double tpm;
	int fd, s;
	char *p;

	ksft_set_plan(6);
	s = session_get("vm");
	t0 = rdtsc();
	fd = s < 0 ? s : luo_retrieve(s, 1);
	t1 = rdtsc();
	ksft_test_result(fd >= 0, "guest RAM retrieved (%d)\n", fd);
	p = fd < 0 ? NULL : map_fd(fd, RAM_SIZE);
	if (!p)
		ksft_exit_fail_msg("cannot map the retrieved memfd\n");
	last = ((uint64_t *)p)[0];
	count = ((uint64_t *)p)[1];
	for (i = 1; i < RAM_SIZE / PAGE; i++) {
		switch (ram_check_page(p, i, &gen)) {
		case 0:
			whole++;
			break;
		case 1:
			torn++;
			break;
		default:
			wrong++;
		}
		sum += gen;
	}
	ksft_test_result(!wrong && torn <= 1,
			 "every page checked: %llu whole, %llu torn by the stop, %llu wrong\n",
			 (unsigned long long)whole, (unsigned long long)torn,
			 (unsigned long long)wrong);
	{
		uint64_t n = RAM_SIZE / PAGE, *pfn = calloc(n, 8), *old = calloc(n, 8), j;

		if (pfn && old && !pfns_of(p, n, pfn) &&
		    !state_load("memfd_demo.pfn", old, n * 8))
			for (j = 0; j < n; j++)
				same += old[j] && old[j] == pfn[j];
		free(pfn);
		free(old);
	}
	ksft_test_result(same == RAM_SIZE / PAGE,
			 "no copy: %llu of %llu pages on the same physical frames\n",
			 (unsigned long long)same, RAM_SIZE / PAGE);
	ksft_test_result(sum == count || sum == count + 1,
			 "every write the old kernel saw is there (%llu page writes, generations add up to %llu)\n",
			 (unsigned long long)count, (unsigned long long)sum);
	if (!kmsg_line("retrieved memfd:guest-ram ", line, sizeof(line))) {
		f = strstr(line, "frozen at cycle ");
		if (f) {
			freeze_at = line_value(f, "cycle ");
			freeze_cycles = line_value(f, " for ");
		}
	}
	ksft_test_result(freeze_at && !state_load("memfd_demo.state", &ds, sizeof(ds)),
			 "timeline figures found\n");
	tpm = tsc_per_ms();

	ksft_print_msg("demo: ---- live update timeline (ms, from the guest's last write in the old kernel) ----\n");
	ksft_print_msg("demo: %9s  preserve (stage 1, guest running): %.1f ms, %llu page writes meanwhile\n",
		       "before", ds.preserve_ms, (unsigned long long)ds.writes_during_preserve);
	ksft_print_msg("demo: %+9.1f  freeze of the memfd starts (reboot), takes %.2f ms\n",
		       ((double)freeze_at - last) / tpm, freeze_cycles / tpm);
	ksft_print_msg("demo: %+9.1f  guest's last write (the CPUs stop, kexec)\n", 0.0);
	ksft_print_msg("demo: %+9.1f  new kernel starts (its clock at 0; before: shutdown, purgatory, decompression)\n",
		       ((double)t_start - last) / tpm - uptime);
	ksft_print_msg("demo: %+9.1f  new kernel booted, userspace asks for the memfd\n",
		       ((double)t0 - last) / tpm);
	ksft_print_msg("demo: %+9.1f  memfd retrieved (retrieve took %.1f ms)\n",
		       ((double)t1 - last) / tpm, (t1 - t0) / tpm);
	ksft_print_msg("demo: blackout: %.0f ms (guest's last write -> its RAM is back)\n",
		       ((double)t1 - last) / tpm);
	ksft_print_msg("demo: bytes preserved: %llu (%llu MiB) in %llu folios, handed over in place\n",
		       RAM_SIZE, RAM_SIZE / MiB, (unsigned long long)ds.folios);
	ksft_print_msg("demo: handover metadata: %llu bytes (record v2, %llu runs) + %llu bytes (record v1, for an older kernel); upstream's format: %llu bytes\n",
		       (unsigned long long)ds.v2_bytes, (unsigned long long)ds.runs,
		       (unsigned long long)ds.v1_bytes, (unsigned long long)ds.folios * 16);
	ksft_print_msg("demo: verified: all %llu pages, every byte; the guest's %llu page writes after the fill are all there\n",
		       RAM_SIZE / PAGE - 1, (unsigned long long)count);
	ksft_print_msg("demo: (stage 2 started at %+.1f ms)\n", ((double)t_start - last) / tpm);
	ksft_test_result(!luo_finish(s), "session finished\n");
	ksft_finished();
}

int main(void)
{
	ksft_print_header();
	if (stage_or_die() == 1)
		stage1();
	else
		stage2();
	return 0;
}
