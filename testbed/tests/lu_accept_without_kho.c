// SPDX-License-Identifier: GPL-2.0
/*
 * A handover is accepted by a kernel booted without "kho=on": stage 1
 * (kho=on) preserves a memfd filled with a pattern in a session and asks
 * for "kho=on" to be dropped from the next command line; stage 2, booted
 * without it, must accept the handover, hand back the session and every
 * byte of the memfd, refuse to create an outgoing session (this kernel
 * cannot preserve: EOPNOTSUPP), and release the handover on FINISH.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/liveupdate.h>

/* Only some of the KHO helpers are used here */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "kho_tb.h"

#define SESSION "no-kho"
#define TOKEN 7
#define SIZE (4UL << 20)
#define SEED 0x6b686f6f6666ULL

static uint64_t word(uint64_t i)
{
	uint64_t z = (SEED + i) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 31);
}

static int stage1(void)
{
	struct liveupdate_session_preserve_fd p = { .size = sizeof(p) };
	uint64_t *mem, i;
	int mfd, s, ret;

	printf("1..4\n");
	tap(cmdline_has("kho=on"), "stage 1: booted with kho=on");
	mfd = memfd_create("no-kho", 0);
	mem = mfd >= 0 && !ftruncate(mfd, SIZE) ?
	      mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0) :
	      MAP_FAILED;
	if (mem == MAP_FAILED) {
		tap(0, "stage 1: a 4 MiB memfd (%s)", strerror(errno));
		return 1;
	}
	for (i = 0; i < SIZE / 8; i++)
		mem[i] = word(i);
	s = tb_session(SESSION, false);
	p.fd = mfd;
	p.token = TOKEN;
	ret = s < 0 ? s : ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &p) ? -errno : 0;
	tap(!ret, "stage 1: the memfd preserved in session " SESSION " (%d)", ret);
	/* The next stage boots without kho=on (see testbed/guest/init) */
	ret = -1;
	if (getenv("TESTBED_STATE")) {
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/next.drop", getenv("TESTBED_STATE"));
		f = fopen(path, "w");
		ret = !f || fputs("kho=on\n", f) < 0;
		if (f)
			ret |= fclose(f);
	}
	tap(!ret, "stage 1: kho=on dropped from the next command line");
	/* Keep the session open through the kexec, off the results port */
	ret = lu_keep_sessions();
	tap(!ret, "stage 1: a process holds the session until the kexec");
	return failed;
}

static int stage2(void)
{
	struct liveupdate_session_retrieve_fd r = { .size = sizeof(r) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	uint64_t *mem, i, bad = 0;
	int s, mfd, ret;
	struct stat st;

	printf("1..9\n");
	show_incoming();
	tap(!cmdline_has("kho=on"), "stage 2: booted without kho=on");
	tap(incoming_starts_with("accepted"), "stage 2: the handover was accepted");
	s = tb_session(SESSION, true);
	tap(s >= 0, "stage 2: session " SESSION " retrieved (%d)", s);
	if (s < 0)
		return 1;
	r.token = TOKEN;
	mfd = ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &r) ? -errno : r.fd;
	tap(mfd >= 0 && !fstat(mfd, &st) && st.st_size == SIZE,
	    "stage 2: the memfd retrieved, 4 MiB (%d)", mfd);
	if (mfd < 0)
		return 1;
	mem = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, mfd, 0);
	if (mem == MAP_FAILED) {
		tap(0, "stage 2: mmap the memfd (%s)", strerror(errno));
		return 1;
	}
	for (i = 0; i < SIZE / 8; i++)
		bad += mem[i] != word(i);
	tap(!bad, "stage 2: every byte of the memfd came across (%llu bad words)",
	    (unsigned long long)bad);
	ret = tb_session(SESSION, false);
	tap(ret == -EOPNOTSUPP,
	    "stage 2: without kho=on no outgoing session: EOPNOTSUPP (%d)", ret);
	ret = ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin) ? -errno : 0;
	tap(!ret, "stage 2: session finished (%d)", ret);
	tap(incoming_starts_with("finished"),
	    "stage 2: the handover is released after the last FINISH");
	/* The retrieved memfd stays usable after the FINISH */
	tap(mem[SIZE / 8 - 1] == word(SIZE / 8 - 1),
	    "stage 2: the retrieved memfd still reads back after FINISH");
	return failed;
}

int main(void)
{
	int stage = stage_number();

	printf("TAP version 13\n");
	return stage == 1 ? stage1() : stage2();
}
