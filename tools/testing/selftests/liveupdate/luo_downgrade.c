// SPDX-License-Identifier: GPL-2.0
/*
 * The downgrade path: the test handler writes every object in versions 2
 * and 1.  Stage 1 preserves objects and asks the next stage to boot with
 * liveupdate.test_max_version=1, so that kernel reads like an older one
 * that knows only version 1.  Stage 2 must get every object back from
 * version 1, byte for byte.  The test library carries the stage across
 * in a memfd, which that kernel also reads in version 1 only: stage 1
 * asks the memfd handler for a downgrade-capable handover
 * (memfd_luo.downgrade=1), as an administrator would before such a kexec.
 */
#include "../kselftest.h"
#include "luo_test.h"
#include "lib/libliveupdate.h"

#define NR_OBJ	4
#define MEMFD_SWITCH	"/sys/module/memfd_luo/parameters/downgrade"

static size_t obj_size(int i)
{
	return 1000 + i * 9000;
}

static void stage1(void)
{
	int dev, s, o, i, ret;
	char tag[32];

	ksft_set_plan(4);
	ret = write_text(MEMFD_SWITCH, "1");
	ksft_test_result(!ret, "stage 1: %s = 1, memfds written in version 1 too (%d)\n",
			 MEMFD_SWITCH, ret);
	dev = open(LUO_DEV, O_RDWR);
	s = dev < 0 ? -errno : luo_create_session(dev, "downgrade");
	ksft_test_result(s >= 0, "stage 1: create session (%d)\n", s);
	for (i = 0, ret = 0; i < NR_OBJ && !ret; i++) {
		snprintf(tag, sizeof(tag), "down/%d", i);
		o = obj_new(LUO_TEST_KIND_NORMAL);
		ret = o < 0 ? o : obj_fill(o, tag, obj_size(i));
		if (!ret)
			ret = luo_preserve(s, o, 100 + i);
		close(o);
	}
	ksft_test_result(!ret, "stage 1: %d objects preserved (%d)\n", NR_OBJ, ret);
	ret = next_stage_append("liveupdate.test_max_version=1");
	close(dev);
	ksft_test_result(!ret, "stage 1: next stage boots with liveupdate.test_max_version=1 (%d)\n",
			 ret);
}

static void stage2(void)
{
	int dev, s, o, i, ok = 1, v2 = 0;
	char tag[32], cmdline[4096];

	ksft_set_plan(4);
	read_text("/proc/cmdline", cmdline, sizeof(cmdline));
	ksft_test_result(strstr(cmdline, "liveupdate.test_max_version=1") != NULL,
			 "stage 2: booted with liveupdate.test_max_version=1\n");
	dev = open(LUO_DEV, O_RDWR);
	s = dev < 0 ? -errno : luo_retrieve_session(dev, "downgrade");
	ksft_test_result(s >= 0, "stage 2: retrieve session (%d)\n", s);
	for (i = 0; i < NR_OBJ; i++) {
		long v;

		snprintf(tag, sizeof(tag), "down/%d", i);
		o = luo_retrieve(s, 100 + i);
		if (o < 0) {
			ksft_print_msg("token %d: retrieve %d\n", 100 + i, o);
			ok = 0;
			continue;
		}
		v = ioctl(o, LUO_TEST_VERSION);
		if (v != 1)
			v2++;
		if (!obj_check(o, tag, obj_size(i), NULL)) {
			ksft_print_msg("token %d: data differs\n", 100 + i);
			ok = 0;
		}
		close(o);
	}
	ksft_test_result(ok && !v2, "stage 2: every object came back from version 1 (%d not v1)\n",
			 v2);
	ksft_test_result(!luo_finish(s), "stage 2: finish\n");
	close(s);
	close(dev);
}

LU_TEST_MAIN("luo_downgrade", stage1, stage2)
