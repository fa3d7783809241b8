// SPDX-License-Identifier: GPL-2.0
/*
 * KHO with corrupted handovers: each stage preserves memory and asks the
 * KHO test module to damage the handover in one way at the kexec (once it
 * is written); the next stage checks that its kernel booted, rejected the
 * handover for the reason that damage calls for (the status line names
 * the check and its errno), that nothing was restored, and that nothing
 * of the handover stays reserved: the root page (its address in the
 * setup_data) is not PG_reserved in /proc/kpageflags, and MemTotal is
 * within 16 kB of the previous stage's (the kernel before, which rejected
 * a handover too; they differ by 4 kB at most): the root and the chunk
 * pages (one at least per list of an order in use), or any preserved
 * range, left reserved would be missing.
 *
 * The handover of every stage holds a packed referenced list (physr chunk
 * layout version 2, the test module's order-2 list); the last mode damages
 * nothing: its next stage checks that such a handover is accepted and
 * every byte of the packed list's folios restored.
 */
#include <dirent.h>
#include <stdint.h>

#include "kho_tb.h"

#define NR_MODES 18

static const struct {
	const char *mode, *reason;
} modes[NR_MODES] = {
	{ "compatible", "rejected: root compatible is \"linux,kho-physr-v0\", not linux,kho-physr-v4 (-93)" },
	{ "magic", "rejected: bad preserved-memory chunk chain (-22)" },
	{ "cycle", "rejected: bad preserved-memory chunk chain (-40)" },
	{ "outside_ram", "rejected: bad preserved-memory range (-34)" },
	{ "count", "rejected: bad preserved-memory chunk chain (-22)" },
	/* Upstream Linux's handover: same setup_data, its own root. */
	{ "upstream", "rejected: root compatible is \"kho-v1\", not linux,kho-physr-v4 (-93)" },
	/* A root of the version after ours, from a newer kernel. */
	{ "newer", "rejected: KHO root version 5 is newer than this kernel reads (4) (-93)" },
	/* A preserved-memory list in the physr chunk version after ours. */
	{ "chunk_newer",
	  "rejected: physr chunk version 3 is newer than this kernel reads (2) (-93)" },
	/* A referenced list (root v4) whose first range is a listed page. */
	{ "ref_overlap",
	  "rejected: referenced memory overlaps other preserved memory (-17)" },
	/* A reference announcing one range more than its list has. */
	{ "ref_count", "rejected: bad referenced range (-22)" },
	/*
	 * Two lists overlap, each valid alone: found by the pass over all
	 * ranges (memblock_reserve_sorted()), after the root and the chunk
	 * pages were reserved, which must be undone.
	 */
	{ "overlap", "rejected: preserved memory overlaps other memory (-22)" },
	/*
	 * The reference array (root v4) naming the test module's two
	 * referenced lists, one page: its magic, its next pointer out of
	 * RAM, a loop back to itself, a count above a page's capacity.
	 */
	{ "ref_array_magic", "rejected: bad reference array magic (-22)" },
	{ "ref_array_next", "rejected: bad reference array next page (-34)" },
	{ "ref_array_loop",
	  "rejected: reference array chain loops or is longer than its count (-40)" },
	{ "ref_array_count", "rejected: bad reference array count (-22)" },
	/*
	 * The packed referenced list's chunk with a count above what a
	 * packed chunk holds (508 for 4 KiB), and the first chunk of the
	 * order-0 preserved-memory list rewritten packed, the same ranges:
	 * a valid physr chunk in a list that is version 1 only.
	 */
	{ "packed_count", "rejected: bad referenced chunk chain (-22)" },
	{ "maps_packed",
	  "rejected: packed physr chunk in a preserved-memory list, which is version 1 only (-22)" },
	/* No damage: the packed referenced list must come back whole. */
	{ "none", "accepted: " },
};

/*
 * How many lines of the test module's status start with @prefix and hold
 * @needle.
 */
static int status_lines(const char *prefix, const char *needle)
{
	char buf[16384], *line, *save;
	int n = 0;

	if (read_file(KHO_TEST_DIR "/status", buf, sizeof(buf)) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		n += !strncmp(line, prefix, strlen(prefix)) && strstr(line, needle);
	return n;
}

/* The checks of a stage after an undamaged handover. */
static void check_accepted(int stage, const char *reason)
{
	int ret;

	tap(incoming_starts_with(reason),
	    "stage %d: the kernel accepted a handover with a packed referenced list", stage);
	ret = kho_test_cmd("verify");
	tap(ret == 0, "stage %d: verify: every record restored, every byte intact (%d)",
	    stage, ret);
	/* verify's status: one packed list, its folios each intact. */
	tap(!status_lines("not ok", "") &&
	    status_lines("ok record", "the referenced list came back packed") == 1 &&
	    status_lines("ok record", "the referenced list came back in version 1") == 1 &&
	    status_lines("ok record", "bytes intact") >= 6,
	    "stage %d: the packed referenced list came back packed, its folios intact",
	    stage);
	tap(access(KHO_DIR "/in/root", F_OK) == 0,
	    "stage %d: the incoming root is shown", stage);
	ret = kho_test_cmd("finish");
	tap(ret == 0, "stage %d: finish releases the rest, the page taken back kept (%d)",
	    stage, ret);
}

/*
 * The SETUP_KEXEC_KHO (10) payload this kernel was booted with, as x86
 * shows it in /sys/kernel/boot_params/setup_data/N/: exactly upstream's
 * struct kho_data { u64 fdt_addr, fdt_size, scratch_addr, scratch_size; }.
 */
static int check_kho_data(char *why, size_t len, uint64_t *root)
{
	const char *dir = "/sys/kernel/boot_params/setup_data";
	uint64_t kd[5];
	char path[320], buf[32];
	struct dirent *de;
	int found = 0, fd, n = -1;
	DIR *d = opendir(dir);

	if (!d)
		return snprintf(why, len, "no %s", dir), 0;
	while ((de = readdir(d)) && !found) {
		snprintf(path, sizeof(path), "%s/%s/type", dir, de->d_name);
		if (de->d_name[0] == '.' || read_file(path, buf, sizeof(buf)) < 0 ||
		    strtol(buf, NULL, 0) != 10)
			continue;
		found = 1;
		snprintf(path, sizeof(path), "%s/%s/data", dir, de->d_name);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, kd, sizeof(kd));
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	if (!found)
		return snprintf(why, len, "no setup_data of type 10"), 0;
	snprintf(why, len, "%d bytes: fdt_addr %#llx fdt_size %llu scratch_addr %#llx scratch_size %llu",
		 n, (unsigned long long)kd[0], (unsigned long long)kd[1],
		 (unsigned long long)kd[2], (unsigned long long)kd[3]);
	*root = kd[0];
	return n == 32 && kd[0] && !(kd[0] & 4095) && kd[1] == 4096 && kd[2] &&
	       kd[3] && kd[3] % 16 == 0 && kd[3] <= 16 * 16;
}

/* Whether the page at @phys is PG_reserved (KPF_RESERVED); -1 if unknown. */
static int page_reserved(uint64_t phys)
{
	uint64_t flags;
	int fd = open("/proc/kpageflags", O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = pread(fd, &flags, 8, phys / 4096 * 8);
	close(fd);
	return n == 8 ? (int)((flags >> 32) & 1) : -1;
}

/* MemTotal of the previous stage's kernel (in the test's state). */
static long long state_total(const char *mode, long long set)
{
	char path[256], buf[32];
	const char *dir = getenv("TESTBED_STATE");
	FILE *f;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/kho_corrupt.memtotal", dir);
	if (*mode == 'w') {
		f = fopen(path, "w");
		if (!f)
			return -1;
		fprintf(f, "%lld\n", set);
		return fclose(f) ? -1 : 0;
	}
	return read_file(path, buf, sizeof(buf)) > 0 ? atoll(buf) : -1;
}

int main(void)
{
	int stage = stage_number(), stages = stage_count(), ret;
	long long total = tb_meminfo("MemTotal"), before = state_total("r", 0);
	uint64_t root = 0;
	/* The mode of the previous stage's handover: damaged, or not at all. */
	int accepted = stage > 1 &&
		       !strcmp(modes[(stage - 2) % NR_MODES].mode, "none");

	printf("TAP version 13\n");
	printf("1..%d\n", (accepted ? 6 : stage > 1 ? 5 + (stage > 2) : 0) +
	       (stage < stages ? 2 : 0));
	if (stage > 1) {
		char why[256];

		ret = check_kho_data(why, sizeof(why), &root);
		tap(ret, "stage %d: the handover came as upstream's struct kho_data: %s",
		    stage, why);

		show_incoming();
	}
	if (accepted) {
		/*
		 * Not a rejecting kernel: its MemTotal lacks what it reserved,
		 * so it is not the next stage's reference.
		 */
		check_accepted(stage, modes[(stage - 2) % NR_MODES].reason);
	} else if (stage > 1) {
		const char *mode = modes[(stage - 2) % NR_MODES].mode;
		const char *reason = modes[(stage - 2) % NR_MODES].reason;

		tap(incoming_starts_with(reason),
		    "stage %d: the kernel booted and rejected a handover with a bad %s: \"%s\"",
		    stage, mode, reason);
		ret = kho_test_cmd("verify");
		tap(ret == -ENOENT, "stage %d: nothing to restore after a bad %s (%d)",
		    stage, mode, ret);
		tap(access(KHO_DIR "/in/root", F_OK) != 0,
		    "stage %d: no incoming root is shown", stage);
		ret = root ? page_reserved(root) : -1;
		tap(ret == 0, "stage %d: the root page %#llx is not reserved (PG_reserved %d)",
		    stage, (unsigned long long)root, ret);
		/* Stage 2 has no rejecting kernel before it to compare with. */
		if (stage > 2)
			tap(total > 0 && before > 0 && total >= before - 16 &&
			    total <= before + 16,
			    "stage %d: MemTotal %lld kB, the previous rejecting kernel's %lld kB: nothing stays reserved",
			    stage, total, before);
		state_total("w", total);
	}
	if (stage < stages) {
		const char *mode = modes[(stage - 1) % NR_MODES].mode;

		ret = kho_test_cmd("preserve");
		tap(!ret, "stage %d: preserve (%d)", stage, ret);
		ret = write_file(KHO_TEST_DIR "/corrupt", mode);
		tap(!ret, "stage %d: corrupt the handover: %s (%d)", stage, mode, ret);
	}
	return failed;
}
