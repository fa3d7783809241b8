// SPDX-License-Identifier: GPL-2.0
/*
 * Preserved arrays (luo_array) across a real kexec, through the array
 * objects of the test handler: stage 1 preserves arrays of 0, 32 (one
 * element), 1000 and 200000 bytes of blob (0 to 63 pages of elements),
 * and ten more that freeze damages in ten ways (header magic,
 * version, element size, page count, a cycle in the physr chain, an
 * unaligned handle, an element page that was never preserved, handle 0,
 * an element count near 2^64 with no pages, whose rounding up wraps, the
 * page list's chunk rewritten in the packed physr layout, version 2,
 * which an array's page list never uses).
 * Stage 2 gets the good ones back byte for byte, and every damaged one
 * is refused with an error (no crash, nothing half restored, a second
 * try refused the same way); finishing the session releases everything.
 */
#include "../kselftest.h"
#include "luo_test.h"
#include "lib/libliveupdate.h"

#define LUO_TEST_CORRUPT	_IO(0xBA, 0xF2)
#define LUO_TEST_KIND_ARRAY	2

static const size_t good_sizes[] = { 0, 32, 1000, 200000 };
#define NR_GOOD		(sizeof(good_sizes) / sizeof(good_sizes[0]))

static const char * const corrupt_names[] = {
	NULL, "magic", "version", "elem_size", "nr_pages", "cycle",
	"unaligned", "foreign", "zero", "wrap", "packed",
};
#define NR_CORRUPT	10
#define CORRUPT_PACKED	10

static void stage1(void)
{
	int dev, s, o, i, bad = 0;
	char tag[64];

	ksft_set_plan(3);
	dev = open(LUO_DEV, O_RDWR);
	s = dev < 0 ? -errno : luo_create_session(dev, "arrays");
	ksft_test_result(s >= 0, "stage 1: create session (%d)\n", s);
	for (i = 0; i < (int)NR_GOOD; i++) {
		snprintf(tag, sizeof(tag), "array/%d", i);
		o = obj_new(LUO_TEST_KIND_ARRAY);
		if (o < 0 || obj_fill(o, tag, good_sizes[i]) ||
		    luo_preserve(s, o, i)) {
			ksft_print_msg("good array %d failed\n", i);
			bad++;
		}
		close(o);
	}
	ksft_test_result(!bad, "stage 1: %zu good arrays preserved\n", NR_GOOD);
	for (i = 1, bad = 0; i <= NR_CORRUPT; i++) {
		snprintf(tag, sizeof(tag), "array/bad/%d", i);
		o = obj_new(LUO_TEST_KIND_ARRAY);
		if (o < 0 || obj_fill(o, tag, 5000) ||
		    ioctl(o, LUO_TEST_CORRUPT, i) || luo_preserve(s, o, 100 + i)) {
			ksft_print_msg("array to damage (%s) failed\n", corrupt_names[i]);
			bad++;
		}
		close(o);
	}
	ksft_test_result(!bad, "stage 1: %d arrays to damage at freeze\n", NR_CORRUPT);
	close(dev);
}

static void stage2(void)
{
	long long wrong0 = test_stat("array_wrong_size_rejected");
	long long rej0 = test_stat("array_rejected");
	int dev, s, o, i, ret, bad = 0;
	char tag[64], status[256];

	ksft_set_plan(9 + NR_CORRUPT);
	dev = open(LUO_DEV, O_RDWR);
	s = dev < 0 ? -errno : luo_retrieve_session(dev, "arrays");
	ksft_test_result(s >= 0, "stage 2: retrieve session (%d)\n", s);
	for (i = NR_GOOD - 1; i >= 0; i--) {
		snprintf(tag, sizeof(tag), "array/%d", i);
		o = luo_retrieve(s, i);
		if (o < 0 || !obj_check(o, tag, good_sizes[i], NULL) ||
		    ioctl(o, LUO_TEST_VERSION) != 1) {
			ksft_print_msg("array of %zu bytes: %d\n", good_sizes[i], o);
			bad++;
		}
		if (o >= 0)
			close(o);
	}
	ksft_test_result(!bad, "stage 2: every good array back byte for byte\n");
	for (i = 1; i <= NR_CORRUPT; i++) {
		int again;

		ret = luo_retrieve(s, 100 + i);
		again = luo_retrieve(s, 100 + i);
		ksft_test_result(ret < 0 && again == ret &&
				 (i != 2 || ret == -EPROTONOSUPPORT) &&
				 (i != CORRUPT_PACKED || ret == -EINVAL),
				 "stage 2: damaged %s refused (%d, then %d)\n",
				 corrupt_names[i], ret, again);
		if (ret >= 0)
			close(ret);
		if (again >= 0)
			close(again);
	}
	ksft_test_result(kmsg_has("preserved array of version 3, this kernel reads 1 to 2"),
			 "stage 2: the newer array version is named in the log\n");
	ksft_test_result(kmsg_has("of its page list's chunks are packed (physr chunk version 2), an array's are version 1 only"),
			 "stage 2: the packed page list is named in the log\n");
	ksft_test_result(test_stat("array_rejected") == rej0 + 2 * NR_CORRUPT,
			 "stage 2: the handler saw %d rejections\n", 2 * NR_CORRUPT);
	ksft_test_result(test_stat("array_wrong_size_rejected") ==
			 wrong0 + NR_GOOD + 2 * NR_CORRUPT,
			 "stage 2: a wrong element size was refused every time\n");
	ret = luo_finish(s);
	ksft_test_result(!ret, "stage 2: finish (%d)\n", ret);
	close(s);
	read_text(KHO_DIR "/in/status", status, sizeof(status));
	ksft_test_result(!strncmp(status, "finished", 8), "stage 2: KHO %s", status);
	ksft_test_result(stat_value(KHO_DIR "/in/stats", "released_pages") > 0,
			 "stage 2: %lld unclaimed pages released\n",
			 stat_value(KHO_DIR "/in/stats", "released_pages"));
	close(dev);
}

LU_TEST_MAIN("luo_array_kexec", stage1, stage2)
