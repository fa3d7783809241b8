// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test: a two-stage test across a real kexec.
 *
 * Stage 1 records its kernel's boot id and a random nonce in the state
 * folder that the harness carries to the next kernel. Stage 2 checks that
 * it runs as stage 2, on a different boot of the kernel (a new boot id,
 * so a kexec really happened) and that it finds stage 1's record intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nr_test;
static int failed;

static void tap(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++nr_test, what);
	if (!ok)
		failed = 1;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return 0;
	ok = !!fgets(buf, len, f);
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

int main(void)
{
	const char *stage = getenv("TESTBED_STAGE");
	const char *state = getenv("TESTBED_STATE");
	char path[256], cmdline[2048], boot_id[64], nonce[64], rec_id[64], rec_nonce[64];
	FILE *f;

	printf("TAP version 13\n");
	if (!stage || !state) {
		printf("1..1\n");
		tap(0, "TESTBED_STAGE and TESTBED_STATE are set by the harness");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/kexec_roundtrip", state);
	if (!read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id))) {
		printf("1..1\n");
		tap(0, "read boot_id");
		return 1;
	}

	if (!strcmp(stage, "1")) {
		printf("1..2\n");
		tap(read_line("/proc/sys/kernel/random/uuid", nonce, sizeof(nonce)),
		    "stage 1: make a nonce");
		f = fopen(path, "w");
		tap(f && fprintf(f, "%s\n%s\n", boot_id, nonce) > 0 && !fclose(f),
		    "stage 1: record boot id and nonce for stage 2");
		return failed;
	}

	printf("1..4\n");
	tap(!strcmp(stage, "2"), "stage 2: the harness says this is stage 2");
	f = fopen(path, "r");
	tap(f && fscanf(f, "%63s %63s", rec_id, rec_nonce) == 2 && strlen(rec_nonce) == 36,
	    "stage 2: stage 1's record came across");
	if (f)
		fclose(f);
	else
		rec_id[0] = 0;
	tap(rec_id[0] && strcmp(rec_id, boot_id) != 0,
	    "stage 2: runs on a new boot of the kernel (boot id changed)");
	tap(read_line("/proc/cmdline", cmdline, sizeof(cmdline)) &&
	    strstr(cmdline, "testbed.stage=2"),
	    "stage 2: kernel command line carries testbed.stage=2");
	return failed;
}
