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
 * adds it to the next command lines, stage 5 drops it again).
 *
 * Three kexecs alone would find all random placements in the same slot by
 * chance (1 in slots^2, some 1 in 600): the last stage adds NR_LOADS
 * placements of its own, kexec_file_load() with KEXEC_FILE_DEBUG and an
 * unload each, whose "Loaded 64bit kernel at" line in the kernel log says
 * where the kernel went (x86's decompressor leaves a kernel booted with a
 * handover where it was loaded, so "Kernel code" of a kexec'd kernel and
 * that address are the same measure).  It then checks that the random
 * placements are not all the same slot, with the chance of that by luck
 * computed from the number of slots (scratch size, the image's memsz and
 * alignment) and asserted below 1e-6, and that the two nokaslr placements
 * are the same one (top-down in scratch, as kexec_file placed every
 * kernel before).
 */
#include <stdbool.h>
#include <stdint.h>

#include "kho_tb.h"

#define LOG "kho_kaslr.log"
#define NR_LOADS 8
#define NR_MAX 32
#define CHANCE_MAX 1e-6

struct placement {
	int stage;
	unsigned long long code, from_end;
	int nokaslr;
};

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

/* The outgoing scratch areas (debugfs kho/out/scratch); how many, or -1. */
static int out_scratch(uint64_t *addr, uint64_t *size, int max)
{
	uint64_t raw[32];
	int fd = open(KHO_DIR "/out/scratch", O_RDONLY), len, i;

	len = fd < 0 ? -1 : read(fd, raw, sizeof(raw));
	if (fd >= 0)
		close(fd);
	if (len <= 0 || len % 16)
		return -1;
	for (i = 0; i < len / 16 && i < max; i++) {
		addr[i] = raw[2 * i];
		size[i] = raw[2 * i + 1];
	}
	return i;
}

/* The kernel_alignment field of /boot/bzImage's setup header, 0 on error. */
static unsigned long long image_alignment(void)
{
	uint32_t align = 0;
	int fd = open("/boot/bzImage", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &align, sizeof(align), 0x230) != sizeof(align))
		align = 0;
	close(fd);
	return align;
}

/*
 * Load /boot/bzImage with KEXEC_FILE_DEBUG and read where kexec_file put
 * the kernel (@at) and its memsz from the kernel log; 0 or -errno, -ENOENT
 * when the line is missing.
 */
static int debug_load(unsigned long long *at, unsigned long long *memsz)
{
	static const char key[] = "Loaded 64bit kernel at ";
	char rec[1024], *p;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), ret, n, found = 0;
	unsigned long long bufsz;

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	ret = tb_kexec_load("console=ttyS0", KEXEC_FILE_DEBUG);
	/* EPIPE: records were overwritten; the next read goes on. */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		p = strstr(rec, key);
		if (p && sscanf(p + strlen(key), "%llx bufsz=%llx memsz=%llx", at, &bufsz, memsz) == 3)
			found = 1;
	}
	close(fd);
	return ret ?: found ? 0 : -ENOENT;
}

/*
 * NR_LOADS loads and unloads of the kernel, each placement logged as a
 * random one (distance below the end of its scratch area); the number of
 * slots for the kernel in scratch in @slots.  0, or the first error.
 */
static int extra_placements(int stage, unsigned long long *slots)
{
	unsigned long long at, memsz = 0, align = image_alignment();
	uint64_t addr[16], size[16];
	int nr = out_scratch(addr, size, 16), k, i, ret = 0, inside;
	FILE *f;

	*slots = 0;
	if (nr <= 0 || !align)
		return -ENODEV;
	if (state_file(LOG, "a", &f))
		return -EIO;
	for (k = 0; k < NR_LOADS && !ret; k++) {
		ret = debug_load(&at, &memsz);
		if (!ret)
			ret = tb_kexec_unload();
		for (i = 0, inside = -1; !ret && i < nr; i++)
			if (at >= addr[i] && at + memsz <= addr[i] + size[i])
				inside = i;
		if (!ret && inside < 0)
			ret = -ERANGE;
		if (ret)
			break;
		printf("# load %d: kernel at %#llx, memsz %#llx, %#llx below the end of scratch area %d\n",
		       k + 1, at, memsz, addr[inside] + size[inside] - at, inside);
		fprintf(f, "%d %llx %llx %d\n", stage, at, addr[inside] + size[inside] - at, 0);
	}
	fclose(f);
	/* The slots kho_scratch_place_kernel() chooses from (no initrd). */
	for (i = 0; !ret && i < nr; i++) {
		unsigned long long lo = (addr[i] + align - 1) / align * align;

		if (addr[i] + size[i] >= lo + memsz)
			*slots += (addr[i] + size[i] - memsz - lo) / align + 1;
	}
	printf("# %llu slots of %#llx aligned for a kernel of memsz %#llx\n",
	       *slots, align, memsz);
	return ret;
}

int main(void)
{
	int stage = stage_number(), stages = stage_count(), nokaslr = cmdline_has("nokaslr");
	unsigned long long code = 0, code_end, bss, bss_end = 0, area_end = 0;
	unsigned long long slots = 0;
	struct placement p[NR_MAX];
	int n = 0, i, tests;
	FILE *f;

	printf("TAP version 13\n");
	tests = 1 + (stage > 1 ? 1 : 0) + (stage == 3 || stage == 5 ? 1 : 0) +
		(stage == stages ? 3 : 0);
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

	/* This stage is a random one: more placements, without a kexec each. */
	i = nokaslr ? -EINVAL : extra_placements(stage, &slots);
	tap(!i, "stage %d: %d more placements by kexec_file_load(), each inside scratch (%d)",
	    stage, NR_LOADS, i);

	if (!state_file(LOG, "r", &f)) {
		while (n < NR_MAX && fscanf(f, "%d %llx %llx %d", &p[n].stage, &p[n].code,
					&p[n].from_end, &p[n].nokaslr) == 4)
			n++;
		fclose(f);
	}
	{
		int nr_random = 0, nr_fixed = 0, distinct = 0, same = 1;
		double chance;
		unsigned long long first_random = 0, first_fixed = 0;

		for (i = 0; i < n; i++) {
			printf("# stage %d: kernel at %#llx, %#llx below the end of scratch%s\n",
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
		/*
		 * All in one slot by luck: slots^-(n-1).  Two slots fewer, as
		 * purgatory and the boot parameters go to scratch first.
		 */
		for (chance = slots > 3 ? 1 : 2, i = 1; slots > 3 && i < nr_random; i++)
			chance /= slots - 2;
		tap(nr_random >= 3 + NR_LOADS && distinct && chance < CHANCE_MAX,
		    "the %d placements without nokaslr are not all the same slot (all the same by chance: %.1e, below %.0e)",
		    nr_random, chance, CHANCE_MAX);
		tap(nr_fixed >= 2 && same,
		    "the %d kexecs with nokaslr placed it at the same slot", nr_fixed);
	}
	return failed;
}
