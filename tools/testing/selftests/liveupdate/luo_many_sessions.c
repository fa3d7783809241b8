// SPDX-License-Identifier: GPL-2.0
/*
 * 2000 sessions across a kexec, as upstream's selftests create them in
 * one process: each holds a one-page memfd of its own pattern.  The next
 * kernel hands every session back by name (GET_NAME agrees), and every
 * memfd with its bytes.
 */
#include <stdio.h>
#include <unistd.h>

#include "lib/libliveupdate.h"

#define NR_SESSIONS	2000

static void session_name(int i, char *name, size_t len)
{
	snprintf(name, len, "many-sessions-%04d", i);
}

static void stage1(void)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH], got[LIVEUPDATE_SESSION_NAME_LENGTH];
	int i, s, fd, ret, made = 0, kept = 0, named = 0;

	ksft_set_plan(3);
	lu_raise_nofile(3 * NR_SESSIONS);
	for (i = 0; i < NR_SESSIONS; i++) {
		session_name(i, name, sizeof(name));
		s = lu_session_create(name);
		if (s < 0) {
			ksft_print_msg("session %d: %s\n", i, strerror(-s));
			break;
		}
		made++;
		named += !lu_session_get_name(s, got) && !strcmp(got, name);
		fd = lu_memfd_filled(name, LU_PAGE, i);
		ret = fd < 0 ? fd : lu_preserve(s, fd, i);
		kept += !ret;
		if (fd >= 0)
			close(fd);
	}
	ksft_test_result(made == NR_SESSIONS, "%d of %d sessions created in one process\n",
			 made, NR_SESSIONS);
	ksft_test_result(named == NR_SESSIONS, "GET_NAME gave back the name of %d of them\n",
			 named);
	ksft_test_result(kept == NR_SESSIONS, "a one-page memfd preserved in %d of them\n",
			 kept);
}

static void stage2(void)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH], got[LIVEUPDATE_SESSION_NAME_LENGTH];
	int i, s, fd, back = 0, named = 0, intact = 0, finished = 0;

	ksft_set_plan(4);
	lu_raise_nofile(3 * NR_SESSIONS);
	for (i = 0; i < NR_SESSIONS; i++) {
		session_name(i, name, sizeof(name));
		s = lu_session_retrieve(name);
		if (s < 0)
			continue;
		back++;
		named += !lu_session_get_name(s, got) && !strcmp(got, name);
		fd = lu_retrieve(s, i);
		intact += fd >= 0 && !lu_memfd_check(fd, 0, LU_PAGE, i, NULL);
		if (fd >= 0)
			close(fd);
		finished += !lu_finish(s);
		close(s);
	}
	ksft_test_result(back == NR_SESSIONS,
			 "%d of %d sessions retrieved by name after the kexec\n",
			 back, NR_SESSIONS);
	ksft_test_result(named == NR_SESSIONS,
			 "GET_NAME on %d incoming sessions gave their names\n", named);
	ksft_test_result(intact == NR_SESSIONS, "%d memfds retrieved with every byte intact\n",
			 intact);
	ksft_test_result(finished == NR_SESSIONS, "%d sessions finished\n", finished);
}

LU_TEST_MAIN("luo_many_sessions", stage1, stage2)
