// SPDX-License-Identifier: GPL-2.0
/*
 * The live update demo (make demo), in two stages.
 *
 * Stage 1 plays a VM host: its "guest RAM" is a 512 MiB THP-backed memfd
 * filled with a checksummed pattern, and a writer process (the running
 * guest) keeps rewriting its pages.  The host also has an assigned device:
 * edu, bound to vfio-pci and driven through its VFIO cdev, attached to an
 * iommufd HWPT whose IOAS maps all of guest RAM with IOMMU_IOAS_MAP_FILE
 * at "guest physical" address GPA; a second process (the guest's driver)
 * keeps edu copying numbered transfers through guest RAM.  The HWPT is
 * marked with IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, then the memfd, the
 * iommufd and the cdev are preserved while both run, and both go on
 * until the kernel stops them for the kexec into the same kernel.
 *
 * Stage 2 retrieves the memfd, the iommufd and the cdev, and at once has
 * edu write its buffer (the last transfer it loaded before the kexec: the
 * device was not reset) through the same IOVA, with no new map.  Then it
 * checks every page (each carries its own generation and checksum, so
 * every write the old kernel saw must be there: the sum of the
 * generations equals the writer's own count) and every byte edu wrote in
 * either kernel, has edu go on both ways through the IOVAs of stage 1,
 * and prints the timeline, measured with the TSC, which runs on across
 * the kexec: preserve, kexec (the freeze runs in it) and boot, retrieve, the blackout the
 * writer saw, the DMA blackout (last transfer completed before the kexec
 * to the first completed after it), bytes preserved and handover
 * metadata bytes.  "timeline:" lines describe the same as bars for
 * testbed/demo/timeline_svg.py, which draws out/demo.svg.
 */
#include "memfd_common.h"
#include "demo_edu.h"
#include <math.h>
#include <sys/wait.h>

#define RAM_SIZE	(512 * MiB)
/* The last 2 MiB of guest RAM belong to the device, not to the writer. */
#define DEV_SIZE	(2 * MiB)
#define DEV_OFF		(RAM_SIZE - DEV_SIZE)
#define GPA		0x40000000ULL
/* Pages of the device area: status, source, stage 1 and stage 2 targets */
#define DEV_SRC		1
#define DEV_SLOT1	16
#define NSLOT1		256
#define DEV_SLOT2	300
#define NSTAGE2		4
#define DMA_SEED	0xed0000ULL

/* Written by the DMA process as it goes, read back after the kexec. */
struct dma_status {
	uint64_t k;		/* transfer pair in progress */
	uint64_t phase;		/* 1: RAM to edu, 2: edu to RAM */
	uint64_t issued;	/* its command was written */
	uint64_t start_tsc;	/* when */
	uint64_t done_tsc;	/* the last completion seen */
	uint64_t done_k, done_phase, count;
	uint64_t first_tsc;	/* the first completion */
};

struct demo_state {
	double preserve_ms;
	uint64_t writes_during_preserve;
	uint64_t v3_bytes, v2_bytes, v1_bytes, runs, folios;
	double tsc_per_ms;
	uint64_t preserve_tsc0, preserve_tsc1, dev_tsc1;
	uint64_t dma_during_preserve;
	double dev_preserve_ms;
	char bdf[64];
	uint32_t ioas, hwpt;
};

static uint64_t dev_iova(uint64_t page)
{
	return GPA + DEV_OFF + page * PAGE;
}

/* One transfer's bytes: its number, then its pattern. */
static void xfer_fill(char *page, uint64_t k)
{
	pat_fill(page, 0, EDU_XFER, DMA_SEED + k);
	*(uint64_t *)page = k;
}

/* 0 when @page holds transfer @k (and zeroes after it), else -1 */
static int xfer_check(const char *page, uint64_t k)
{
	const uint64_t *w = (const uint64_t *)page;
	uint64_t i;

	if (w[0] != k || zero_check(page, EDU_XFER, PAGE - EDU_XFER) >= 0)
		return -1;
	for (i = 1; i < EDU_XFER / 8; i++)
		if (w[i] != pat_word(DMA_SEED + k, i * 8))
			return -1;
	return 0;
}

/*
 * The guest's driver: transfer pair k copies a numbered pattern from the
 * source page into edu's buffer, then from the buffer into target page
 * k % NSLOT1, through the IOVAs; until the kexec stops it.
 */
static pid_t dma_process(volatile uint64_t *bar, char *dev)
{
	volatile struct dma_status *st = (volatile struct dma_status *)dev;
	pid_t pid = fork();
	uint64_t k;
	int fd;

	if (pid)
		return pid < 0 ? -errno : pid;
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 1);
	dup2(fd, 2);
	for (k = 1;; k++) {
		int phase;

		xfer_fill(dev + DEV_SRC * PAGE, k);
		for (phase = 1; phase <= 2; phase++) {
			st->issued = 0;
			st->k = k;
			st->phase = phase;
			__sync_synchronize();
			st->start_tsc = rdtsc();
			edu_start(bar, dev_iova(phase == 1 ? DEV_SRC : DEV_SLOT1 + k % NSLOT1),
				  EDU_XFER, phase == 2);
			st->issued = 1;
			if (edu_wait(bar))
				_exit(1);
			st->done_tsc = rdtsc();
			if (!st->first_tsc)
				st->first_tsc = st->done_tsc;
			st->done_k = k;
			st->done_phase = phase;
			st->count++;
		}
	}
}

static void stage1(void)
{
	struct demo_state ds = {};
	volatile struct dma_status *st;
	volatile uint64_t *clock, *bar = NULL;
	int fd, s, ret, iommufd, edu;
	uint64_t c0, d0;
	char line[512];
	double t;
	uint16_t cmd;
	long long pmd;
	char *p, *dev;
	pid_t w, dw;

	ksft_set_plan(7);
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
	ksft_test_result(pmd == (long long)(RAM_SIZE / KiB),
			 "guest RAM is THP-backed\n");
	dev = p + DEV_OFF;
	st = (volatile struct dma_status *)dev;

	/* The device's part of guest RAM starts out zero. */
	memset(dev, 0, DEV_SIZE);

	/* The assigned device: edu on vfio-pci, guest RAM mapped at GPA */
	iommufd = open("/dev/iommu", O_RDWR);
	ret = iommufd < 0 ? -errno : edu_find(ds.bdf);
	ret = ret ?: edu_bind_vfio(ds.bdf);
	edu = ret ? ret : edu_open_cdev(ds.bdf);
	ret = edu < 0 ? edu : edu_iommufd_setup(edu, iommufd, fd, RAM_SIZE, GPA,
						&ds.ioas, &ds.hwpt);
	bar = ret ? NULL : edu_bar(edu, &cmd);
	if (bar) {
		xfer_fill(dev + DEV_SRC * PAGE, 0);
		edu_start(bar, dev_iova(DEV_SRC), EDU_XFER, 0);
		ret = edu_wait(bar);
		edu_start(bar, dev_iova(DEV_SLOT2 + NSTAGE2), EDU_XFER, 1);
		ret = ret ?: edu_wait(bar);
		ret = ret ?: xfer_check(dev + (DEV_SLOT2 + NSTAGE2) * PAGE, 0);
		memset(dev, 0, DEV_SIZE);
	}
	ksft_test_result(bar && !ret,
			 "edu %s on vfio-pci (cdev), guest RAM mapped with IOMMU_IOAS_MAP_FILE at IOVA %#llx (IOAS %u, HWPT %u), a DMA both ways checked\n",
			 ds.bdf, GPA, ds.ioas, ds.hwpt);
	ksft_print_msg("demo: assigned device: edu %s on vfio-pci through its cdev, guest RAM mapped at IOVA %#llx, its last %llu MiB for edu's transfers\n",
		       ds.bdf, GPA, DEV_SIZE / MiB);
	if (!bar)
		ksft_exit_fail_msg("cannot set up the assigned device (%d)\n", ret);

	clock = (volatile uint64_t *)p;
	w = ram_writer(p, DEV_OFF);
	ksft_test_result(w > 0, "writer (the running guest) started, pid %d\n", w);
	dw = dma_process(bar, dev);
	ksft_test_result(dw > 0, "edu DMAing through guest RAM (the guest's driver), pid %d\n", dw);
	usleep(300000);

	s = session_new("vm");
	c0 = clock[1];
	d0 = st->count;
	ds.preserve_tsc0 = rdtsc();
	t = now_ms();
	ret = s < 0 ? s : luo_preserve(s, fd, 1);
	ds.preserve_ms = now_ms() - t;
	ds.preserve_tsc1 = rdtsc();
	ds.writes_during_preserve = clock[1] - c0;
	/*
	 * The frames the next kernel must keep are those after the preserve:
	 * the long-term pin of IOMMU_IOAS_MAP_FILE and the preserve move
	 * folios out of KHO scratch (CMA), where the allocator may put them.
	 */
	if (!ret) {
		uint64_t n = RAM_SIZE / PAGE, *pfn = calloc(n, 8);

		ret = !pfn || pfns_of(p, n, pfn) || state_save("memfd_demo.pfn", pfn, n * 8) ?
		      -EIO : 0;
		free(pfn);
	}
	ksft_test_result(!ret, "guest RAM preserved in session \"vm\", its frames recorded (%d)\n",
			 ret);
	t = now_ms();
	ret = hwpt_mark_preserve(iommufd, ds.hwpt, 1);
	ret = ret ?: luo_preserve(s, iommufd, 2);
	ret = ret ?: luo_preserve(s, edu, 3);
	ds.dev_tsc1 = rdtsc();
	ds.dev_preserve_ms = now_ms() - t;
	ds.dma_during_preserve = st->count - d0;
	ksft_test_result(!ret, "HWPT %u marked, then the iommufd and edu's cdev preserved (%d)\n",
			 ds.hwpt, ret);
	ksft_print_msg("demo: preserve took %.1f ms (memfd) + %.1f ms (HWPT mark, iommufd, cdev); meanwhile the guest rewrote %llu pages (%llu so far) and edu completed %llu transfers (%llu so far)\n",
		       ds.preserve_ms, ds.dev_preserve_ms,
		       (unsigned long long)ds.writes_during_preserve,
		       (unsigned long long)clock[1],
		       (unsigned long long)ds.dma_during_preserve, (unsigned long long)st->count);
	ret = event_line("preserved memfd:guest-ram:", line, sizeof(line));
	if (!ret) {
		ksft_print_msg("demo: %s\n", strstr(line, "memfd_luo") ?: line);
		ds.folios = line_value(line, "pages in ");
		ds.runs = line_value(line, "folios, ");
		ds.v2_bytes = line_value(line, "record v2 ");
		ds.v3_bytes = line_value(line, ", v3 ");
		ds.v1_bytes = line_value(line, "v1 ");
	}
	ksft_test_result(!ret && !state_save("memfd_demo.state", &ds, sizeof(ds)),
			 "preserve figures recorded\n");
	close(fd);
	close(iommufd);
	close(edu);
	/* The library keeps the session open; the guest and edu go on. */
	ksft_print_msg("demo: ---- kexec into the same kernel ----\n");
}

struct event {
	double t;
	int seq;
	char text[200];
};

static void ev_add(struct event *ev, int *n, double t, const char *fmt, ...)
{
	va_list ap;

	ev[*n].t = t;
	ev[*n].seq = *n;
	va_start(ap, fmt);
	vsnprintf(ev[*n].text, sizeof(ev[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->t != y->t)
		return x->t > y->t ? 1 : -1;
	return x->seq - y->seq;
}

/* A bar (or, with @end NAN, a mark) of the SVG timeline, in ms */
static void svg_bar(const char *row, const char *kind, double start, double end,
		    const char *fmt, ...)
{
	char label[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	if (isnan(end))
		ksft_print_msg("timeline: mark|%s|%s|%.1f|%s\n", row, kind, start, label);
	else
		ksft_print_msg("timeline: bar|%s|%s|%.1f|%.1f|%s\n", row, kind, start, end, label);
}

/*
 * The handover this kernel received, as lu-inspect (tools/liveupdate)
 * reads it from debugfs; printed before the session's finish, which
 * releases the incoming maps.
 */
static void lu_inspect_summary(void)
{
	FILE *p = popen("/usr/bin/lu-inspect in 2>&1", "r");
	char line[256];
	int st;

	if (!p) {
		ksft_print_msg("demo: lu-inspect: cannot run it\n");
		return;
	}
	ksft_print_msg("demo: ---- the handover, as lu-inspect in reads it ----\n");
	while (fgets(line, sizeof(line), p))
		ksft_print_msg("demo: %s", line);
	st = pclose(p);
	if (st)
		ksft_print_msg("demo: lu-inspect exited with status %d\n",
			       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void stage2(void)
{
	uint64_t t_start = rdtsc(), t0, t1, t2, t_dma, t_end, i, gen, sum = 0, last, count;
	char up[64];
	double uptime = read_text("/proc/uptime", up, sizeof(up)) > 0 ?
			strtod(up, NULL) * 1e3 : 0;
	uint64_t whole = 0, torn = 0, wrong = 0, same = 0;
	uint64_t lo, hi, kb, slots = 0, slots_bad = 0, more_ok = 0;
	int fd, s, iommufd, edu, ret, first_ok, in_flight, landed, n = 0, retrieved;
	volatile uint64_t *bar = NULL;
	struct demo_state ds = {};
	struct dma_status old;
	struct event ev[12];
	char line[512], *dev;
	uint16_t cmd = 0;
	double tpm, dma_ms, x0, x1;
	char *p;

	ksft_set_plan(10);
	ret = state_load("memfd_demo.state", &ds, sizeof(ds));
	ret = ret ?: edu_bind_vfio(ds.bdf);
	s = session_get("vm");
	t0 = rdtsc();
	fd = s < 0 ? s : luo_retrieve(s, 1);
	t1 = rdtsc();
	iommufd = s < 0 ? s : luo_retrieve(s, 2);
	edu = s < 0 ? s : luo_retrieve(s, 3);
	t2 = rdtsc();
	ksft_test_result(fd >= 0, "guest RAM retrieved (%d)\n", fd);
	p = fd < 0 ? NULL : map_fd(fd, RAM_SIZE);
	if (!p)
		ksft_exit_fail_msg("cannot map the retrieved memfd\n");
	dev = p + DEV_OFF;
	memcpy(&old, dev, sizeof(old));

	/* At once: edu writes out its buffer through the IOVA of stage 1. */
	bar = iommufd >= 0 && edu >= 0 && !ret ? edu_bar(edu, &cmd) : NULL;
	ksft_test_result(bar && (cmd & PCI_COMMAND_MASTER),
			 "iommufd and edu's cdev retrieved bound and attached (%d, %d), bus mastering kept (command %#x)\n",
			 iommufd, edu, cmd);
	if (!bar)
		ksft_exit_fail_msg("cannot use the retrieved cdev (%d)\n", ret);
	edu_start(bar, dev_iova(DEV_SLOT2), EDU_XFER, 1);
	ret = edu_wait(bar);
	t_dma = rdtsc();
	/* What edu loaded last: transfer k, or k - 1 if k's load never started */
	kb = old.phase == 2 || old.issued ? old.k : old.k - 1;
	first_ok = !ret && (!xfer_check(dev + DEV_SLOT2 * PAGE, kb) ||
			    (old.phase == 1 && !old.issued &&
			     !xfer_check(dev + DEV_SLOT2 * PAGE, old.k)));
	ksft_test_result(first_ok,
			 "first DMA after the kexec, through IOVA %#llx with no new map: edu's buffer still holds transfer %llu, every byte (not reset)\n",
			 (unsigned long long)dev_iova(DEV_SLOT2), (unsigned long long)kb);
	in_flight = old.issued && !(old.done_k == old.k && old.done_phase == old.phase);

	/* Every target page of stage 1 holds the last transfer aimed at it. */
	lo = old.phase == 2 && old.issued ? old.k : old.k - 1;
	hi = old.phase == 2 ? old.k : old.k - 1;
	for (i = 0; i < NSLOT1; i++) {
		const char *pg = dev + (DEV_SLOT1 + i) * PAGE;
		uint64_t e = lo >= 1 ? lo - (lo + NSLOT1 - i) % NSLOT1 : 0;

		if (e > lo || !e ? zero_check(pg, 0, PAGE) < 0 : !xfer_check(pg, e))
			slots++;
		else if (hi > lo && i == hi % NSLOT1 && !xfer_check(pg, hi))
			slots++;
		else
			slots_bad++;
	}
	/* The rest of the device's area (status and source aside) stays zero */
	for (i = DEV_SLOT1 + NSLOT1; i < DEV_SIZE / PAGE; i++)
		if ((i < DEV_SLOT2 || i > DEV_SLOT2 + NSTAGE2) &&
		    zero_check(dev, i * PAGE, PAGE) >= 0)
			slots_bad++;
	for (i = DEV_SRC + 1; i < DEV_SLOT1; i++)
		if (zero_check(dev, i * PAGE, PAGE) >= 0)
			slots_bad++;
	/* The transfer in flight at the kexec, if any, landed */
	landed = old.phase == 2 ? !xfer_check(dev + (DEV_SLOT1 + old.k % NSLOT1) * PAGE, old.k) :
		 first_ok;
	ksft_test_result(!slots_bad && old.count > 0 && (!in_flight || landed),
			 "stage 1's DMA: %llu transfers completed, %llu target pages hold the last one aimed at them, every byte, the rest of edu's area zero (%llu pages wrong)%s\n",
			 (unsigned long long)old.count, (unsigned long long)slots,
			 (unsigned long long)slots_bad,
			 !in_flight ? "" : landed ? "; the transfer in flight at the kexec landed" :
			 "; the transfer in flight at the kexec did NOT land");

	/* edu goes on both ways through the IOVAs of stage 1 */
	for (i = 1; i <= NSTAGE2; i++) {
		uint64_t k = old.k + i;

		xfer_fill(dev + DEV_SRC * PAGE, k);
		edu_start(bar, dev_iova(DEV_SRC), EDU_XFER, 0);
		ret = edu_wait(bar);
		edu_start(bar, dev_iova(DEV_SLOT2 + i), EDU_XFER, 1);
		ret = ret ?: edu_wait(bar);
		more_ok += !ret && !xfer_check(dev + (DEV_SLOT2 + i) * PAGE, k);
	}
	t_end = rdtsc();
	ksft_test_result(more_ok == NSTAGE2,
			 "edu goes on both ways through the IOVAs of stage 1: %llu of %d transfer pairs, every byte\n",
			 (unsigned long long)more_ok, NSTAGE2);

	last = ((uint64_t *)p)[0];
	count = ((uint64_t *)p)[1];
	for (i = 1; i < DEV_OFF / PAGE; i++) {
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
	/*
	 * The memfd's freeze runs inside the kexec (between the guest's last
	 * write and the new kernel's start); the record carries no clock of
	 * the old kernel, so it has no bar of its own.
	 */
	retrieved = !event_line("retrieved memfd:guest-ram ", line, sizeof(line));
	if (retrieved)
		ksft_print_msg("demo: %s\n", strstr(line, "retrieved") ?: line);
	ksft_test_result(retrieved && ds.bdf[0], "timeline figures found\n");
	tpm = tsc_per_ms();
#define MS(tsc) (((double)(tsc) - (double)last) / tpm)
	dma_ms = MS(t_dma) - MS(old.done_tsc);

	ksft_print_msg("demo: ---- live update timeline (ms, from the guest's last write in the old kernel) ----\n");
	ksft_print_msg("demo: %9s  preserve (stage 1, guest and edu running): %.1f ms memfd, then %.1f ms HWPT mark, iommufd, cdev; %llu page writes and %llu edu transfers meanwhile\n",
		       "before", ds.preserve_ms, ds.dev_preserve_ms,
		       (unsigned long long)ds.writes_during_preserve,
		       (unsigned long long)ds.dma_during_preserve);
	ev_add(ev, &n, 0.0, "guest's last write (the CPUs stop, kexec)");
	ev_add(ev, &n, MS(old.done_tsc),
	       "edu's last transfer completed in the old kernel (pair %llu, %s)",
	       (unsigned long long)old.done_k, old.done_phase == 1 ? "RAM to edu" : "edu to RAM");
	if (in_flight)
		ev_add(ev, &n, MS(old.start_tsc),
		       "edu transfer started, in flight at the kexec (pair %llu, %s; %s)",
		       (unsigned long long)old.k, old.phase == 1 ? "RAM to edu" : "edu to RAM",
		       landed ? "it landed" : "it did not land");
	ev_add(ev, &n, MS(t_start) - uptime,
	       "new kernel starts (its clock at 0; before: shutdown, purgatory, decompression)");
	ev_add(ev, &n, MS(t0), "new kernel booted, userspace asks for the memfd");
	ev_add(ev, &n, MS(t1), "memfd retrieved (retrieve took %.1f ms)", (t1 - t0) / tpm);
	ev_add(ev, &n, MS(t2),
	       "iommufd and edu's cdev retrieved, bound and attached (took %.1f ms)", (t2 - t1) / tpm);
	ev_add(ev, &n, MS(t_dma),
	       "edu's first transfer completed in the new kernel (same IOVA, no new map)");
	qsort(ev, n, sizeof(ev[0]), event_cmp);
	for (i = 0; i < (uint64_t)n; i++)
		ksft_print_msg("demo: %+9.1f  %s\n", ev[i].t, ev[i].text);
	ksft_print_msg("demo: blackout: %.0f ms (guest's last write -> its RAM is back)\n", MS(t1));
	ksft_print_msg("demo: DMA blackout: %.0f ms (edu's last transfer completed before the kexec -> first completed after)\n",
		       dma_ms);
	ksft_print_msg("demo: bytes preserved: %llu (%llu MiB) in %llu folios, handed over in place\n",
		       RAM_SIZE, RAM_SIZE / MiB, (unsigned long long)ds.folios);
	ksft_print_msg("demo: handover metadata: %llu bytes (record v3; its folio lists, %llu runs, are KHO's map) + %llu bytes (records v2 and v1: only with memfd_luo.downgrade=1); upstream's format: %llu bytes\n",
		       (unsigned long long)ds.v3_bytes, (unsigned long long)ds.runs,
		       (unsigned long long)(ds.v2_bytes + ds.v1_bytes),
		       (unsigned long long)ds.folios * 16);
	ksft_print_msg("demo: verified: all %llu guest pages, every byte; the guest's %llu page writes after the fill are all there; edu's %llu transfers of stage 1 and %d of stage 2\n",
		       DEV_OFF / PAGE - 1, (unsigned long long)count,
		       (unsigned long long)old.count, 1 + 2 * NSTAGE2);
	ksft_print_msg("demo: (stage 2 started at %+.1f ms)\n", MS(t_start));
	lu_inspect_summary();

	/* The same as bars, for testbed/demo/timeline_svg.py */
	x0 = MS(ds.preserve_tsc0) - 500;
	x1 = MS(t_end) + 200;
	ksft_print_msg("timeline: axis|%.1f|%.1f|live update timeline: ms from the guest's last write in the old kernel\n",
		       x0, x1);
	ksft_print_msg("timeline: note|guest RAM blackout %.0f ms, DMA blackout %.0f ms; %llu MiB of guest RAM handed over in place, edu not reset, every byte checked\n",
		       MS(t1), dma_ms, RAM_SIZE / MiB);
	svg_bar("kernel", "old", x0, 0, "old kernel");
	svg_bar("kernel", "kexec", 0, MS(t_start) - uptime, "kexec: shutdown, purgatory, decompression %.0f ms",
		MS(t_start) - uptime);
	svg_bar("kernel", "boot", MS(t_start) - uptime, MS(t0), "new kernel boots %.0f ms",
		MS(t0) - MS(t_start) + uptime);
	svg_bar("kernel", "new", MS(t0), x1, "new kernel");
	svg_bar("live update", "step", MS(ds.preserve_tsc0), MS(ds.dev_tsc1),
		"preserve %.1f ms", ds.preserve_ms + ds.dev_preserve_ms);
	svg_bar("live update", "step", MS(t0), MS(t2), "retrieve %.0f ms", (t2 - t0) / tpm);
	svg_bar("guest RAM (CPU)", "run", x0, 0, "guest writing");
	svg_bar("guest RAM (CPU)", "blackout", 0, MS(t1), "blackout %.0f ms", MS(t1));
	svg_bar("guest RAM (CPU)", "check", MS(t1), x1, "back, same pages");
	svg_bar("edu DMA", "run", MS(old.first_tsc) > x0 ? MS(old.first_tsc) : x0, MS(old.done_tsc), "edu DMAing");
	svg_bar("edu DMA", "blackout", MS(old.done_tsc), MS(t_dma), "DMA blackout %.0f ms", dma_ms);
	svg_bar("edu DMA", "run", MS(t_dma), MS(t_end), "edu DMAing");
	if (in_flight)
		svg_bar("edu DMA", "inflight", MS(old.start_tsc), NAN, "transfer in flight at the kexec: %s",
			landed ? "landed" : "lost");
	ksft_test_result(!luo_finish(s), "session finished\n");
}

LU_TEST_MAIN("memfd_demo", stage1, stage2)
