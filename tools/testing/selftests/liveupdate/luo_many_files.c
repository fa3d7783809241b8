// SPDX-License-Identifier: GPL-2.0
/*
 * 500 memfds in one session across a kexec, as upstream's selftests
 * preserve them: each of two pages with a pattern of its own.  The next
 * kernel hands every one back by its token, and its first page is checked
 * byte for byte.
 */
#include <stdio.h>
#include <unistd.h>

#include "lib/libliveupdate.h"

#define NR_FILES	500
#define SESSION		"many-files"

static void stage1(void)
{
	int i, s, fd, ret, kept = 0;
	char name[32];

	ksft_set_plan(2);
	lu_raise_nofile(4 * NR_FILES);
	s = lu_session_create(SESSION);
	ksft_test_result(s >= 0, "session %s created (%d)\n", SESSION, s);
	if (s < 0)
		return;
	for (i = 0; i < NR_FILES; i++) {
		snprintf(name, sizeof(name), "many-files-%03d", i);
		fd = lu_memfd_filled(name, 2 * LU_PAGE, 7000 + i);
		ret = fd < 0 ? fd : lu_preserve(s, fd, 100 + i);
		if (ret)
			ksft_print_msg("memfd %d: %s\n", i, strerror(-ret));
		kept += !ret;
		if (fd >= 0)
			close(fd);
	}
	ksft_test_result(kept == NR_FILES, "%d of %d memfds preserved in one session\n",
			 kept, NR_FILES);
}

static void stage2(void)
{
	int i, s, fd, back = 0, intact = 0, ret;

	ksft_set_plan(4);
	lu_raise_nofile(4 * NR_FILES);
	s = lu_session_retrieve(SESSION);
	ksft_test_result(s >= 0, "session %s retrieved (%d)\n", SESSION, s);
	if (s < 0)
		return;
	for (i = 0; i < NR_FILES; i++) {
		fd = lu_retrieve(s, 100 + i);
		if (fd < 0)
			continue;
		back++;
		intact += !lu_memfd_check(fd, 0, LU_PAGE, 7000 + i, NULL);
		close(fd);
	}
	ksft_test_result(back == NR_FILES, "%d of %d memfds retrieved by token\n",
			 back, NR_FILES);
	ksft_test_result(intact == NR_FILES, "the first page of %d memfds intact\n", intact);
	ret = lu_finish(s);
	ksft_test_result(!ret, "session finished (%d)\n", ret);
	close(s);
}

LU_TEST_MAIN("luo_many_files", stage1, stage2)
