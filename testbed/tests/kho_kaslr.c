// SPDX-License-Identifier: GPL-2.0
/*
 * Physical KASLR within KHO scratch (kho_scratch_place_kernel()): after a
 * handover the kernel must lie inside the scratch area the previous kernel
 * named, at a slot that kernel chose at random, unless the command line
 * says "nokaslr".
 *
 * Every stage reads where it runs ("Kernel code" and "Kernel bss" in
 * /proc/iomem) and, after a kexec, the incoming scratch areas
 * (debugfs kho/in/scratch): the whole image must lie in one of them.  Its
 * distance from the end of that area is logged in the test's state.
 * Stages 2, 3 and 6 are placed at random, 4 and 5 with "nokaslr" (stage 3
 * adds it to the next command lines, stage 5 drops it again).  The last
 * stage checks that the random placements are not all the same slot and
 * that the two nokaslr placements are the same one (top-down in scratch,
 * as kexec_file placed every kernel before).
 */
#include <stdbool.h>
#include <stdint.h>

#include "kho_tb.h"

#define LOG "kho_kaslr.log"

struct placement {
	int stage;
	unsigned long long code, from_end;
	int nokaslr;
};

static bool cmdline_has(const char *w)
{
	char buf[4096], *tok, *save;

	if (read_file("/proc/cmdline", buf, sizeof(buf)) <= 0)
		return false;
	for (tok = strtok_r(buf, "\n ", &save); tok; tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, w))
			return true;
	return false;
}

/* The physical range of @name (first match) in /proc/iomem. */
static int iomem(const char *name, unsigned long long *start, unsigned long long *end)
{
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name) && sscanf(line, " %llx-%llx", start, end) == 2) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

static int state_file(const char *name, const char *mode, FILE **f)
{
	char path[256];
	const char *dir = getenv("TESTBED_STATE");

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*f = fopen(path, mode);
	return *f ? 0 : -1;
}

static int put_state(const char *name, const char *text)
{
	FILE *f;
	int ret;

	if (state_file(name, "w", &f))
		return -1;
	ret = fputs(text, f) < 0;
	return fclose(f) | ret;
}

int main(void)
{
	int stage = stage_number(), stages = stage_count(), nokaslr = cmdline_has("nokaslr");
	unsigned long long code = 0, code_end, bss, bss_end = 0, area_end = 0;
	struct placement p[16];
	int n = 0, i, tests;
	FILE *f;

	printf("TAP version 13\n");
	tests = 1 + (stage > 1 ? 1 : 0) + (stage == 3 || stage == 5 ? 1 : 0) +
		(stage == stages ? 2 : 0);
	printf("1..%d\n", tests);
	i = iomem("Kernel code", &code, &code_end) || iomem("Kernel bss", &bss, &bss_end);
	tap(!i, "stage %d: this kernel at %#llx-%#llx%s", stage, code, bss_end,
	    nokaslr ? " (nokaslr)" : "");
	if (stage > 1) {
		uint64_t raw[32];
		int fd = open(KHO_DIR "/in/scratch", O_RDONLY), len, inside = 0;

		len = fd < 0 ? -1 : read(fd, raw, sizeof(raw));
		if (fd >= 0)
			close(fd);
		for (i = 0; len > 0 && i < len / 16; i++) {
			printf("# incoming scratch area %d: %#llx-%#llx\n", i,
			       (unsigned long long)raw[2 * i],
			       (unsigned long long)(raw[2 * i] + raw[2 * i + 1] - 1));
			if (code >= raw[2 * i] && bss_end < raw[2 * i] + raw[2 * i + 1]) {
				inside = 1;
				area_end = raw[2 * i] + raw[2 * i + 1];
			}
		}
		tap(inside, "stage %d: the whole image lies in the previous kernel's scratch, %#llx below its end",
		    stage, area_end - code);
		if (!state_file(LOG, "a", &f)) {
			fprintf(f, "%d %llx %llx %d\n", stage, code, area_end - code, nokaslr);
			fclose(f);
		}
	}
	if (stage == 3)
		tap(!put_state("next.append", "nokaslr\n"),
		    "stage 3: nokaslr on the next command lines");
	if (stage == 5)
		tap(!put_state("next.drop", "nokaslr\n"),
		    "stage 5: nokaslr off the next command line");
	if (stage != stages)
		return failed;

	if (!state_file(LOG, "r", &f)) {
		while (n < 16 && fscanf(f, "%d %llx %llx %d", &p[n].stage, &p[n].code,
					&p[n].from_end, &p[n].nokaslr) == 4)
			n++;
		fclose(f);
	}
	{
		int nr_random = 0, nr_fixed = 0, distinct = 0, same = 1;
		unsigned long long first_random = 0, first_fixed = 0;

		for (i = 0; i < n; i++) {
			printf("# stage %d: Kernel code at %#llx, %#llx below the end of scratch%s\n",
			       p[i].stage, p[i].code, p[i].from_end,
			       p[i].nokaslr ? ", nokaslr" : "");
			if (p[i].nokaslr) {
				if (nr_fixed++ && p[i].from_end != first_fixed)
					same = 0;
				else if (nr_fixed == 1)
					first_fixed = p[i].from_end;
			} else {
				if (nr_random++ && p[i].from_end != first_random)
					distinct = 1;
				else if (nr_random == 1)
					first_random = p[i].from_end;
			}
		}
		tap(nr_random >= 3 && distinct,
		    "the %d kexecs without nokaslr placed the kernel at different slots",
		    nr_random);
		tap(nr_fixed >= 2 && same,
		    "the %d kexecs with nokaslr placed it at the same slot", nr_fixed);
	}
	return failed;
}
