/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libliveupdate: the one library of the live update selftests.
 *
 * A test is its stages and nothing else:
 *
 *	static void stage1(void) { ... preserve ... }
 *	static void stage2(void) { ... retrieve and check ... }
 *	LU_TEST_MAIN("my_test", stage1, stage2)
 *
 * LU_TEST_MAIN() prints the kselftest header, learns which stage runs
 * from the test's *state session* and calls that stage function; after
 * every stage but the last it preserves the next stage's number in the
 * state session and keeps every open session alive until the kexec
 * (lu_keep_sessions()), then ends the program with the kselftest totals.
 * A stage function sets its plan (ksft_set_plan()) and reports with
 * ksft_test_result(); it never exits on success.
 *
 * The state session ("<test>.state") holds one memfd with the number of
 * the stage that comes next: found after a kexec, it is the stage number,
 * checked against the harness's TESTBED_STAGE when that is set, and
 * finished at once.  Its absence means stage 1.
 *
 * A test whose handover the next kernel rejects on purpose (a damaged or
 * over-limit state, a failed accept) cannot keep a state session, and a
 * benchmark of a plain kexec must hand over nothing: LU_TEST_MAIN_HARNESS()
 * and LU_TEST_MAIN_NUMBERED() take the stage from the harness instead
 * (TESTBED_STAGE of TESTBED_STAGES) and keep the open sessions alive after
 * every stage but the last, the same way.
 *
 * Every helper returns a file descriptor or 0 on success and a negative
 * errno on failure, never exits, and prints nothing.  The session helpers
 * open /dev/liveupdate for each call and close it: it can be open only
 * once, so a test that opens it itself closes it before it calls them,
 * and before a stage function returns.
 */
#ifndef LIBLIVEUPDATE_H
#define LIBLIVEUPDATE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/liveupdate.h>

#include "../../kselftest.h"

#define LU_DEV		"/dev/liveupdate"
#define LU_PAGE		4096ULL

/* Sessions: /dev/liveupdate is opened and closed around each call. */
int lu_session_create(const char *name);
int lu_session_retrieve(const char *name);
/* The session's name into @name (LIVEUPDATE_SESSION_NAME_LENGTH bytes). */
int lu_session_get_name(int session, char *name);
int lu_preserve(int session, int fd, uint64_t token);
int lu_retrieve(int session, uint64_t token);
int lu_finish(int session);

/*
 * Keep every open file (the sessions) alive until the kexec: a child
 * inherits them and sleeps; the test itself may exit.  Returns once the
 * child has let go of stdout and stderr.
 */
int lu_keep_sessions(void);

/* Raise RLIMIT_NOFILE to @n, for tests holding many sessions or files. */
int lu_raise_nofile(unsigned long n);

/*
 * Small text files (sysfs, debugfs, /proc), also for the testbed's tests
 * (testbed/tests/tb.h).  Read at most @len - 1 bytes of @path into @buf,
 * NUL-terminated: their number, or -1 when @path cannot be opened.
 */
int lu_read_text(const char *path, char *buf, size_t len);
/* Write @text to @path in one write(): 0 or -errno of open or write. */
int lu_write_text(const char *path, const char *text);

/* memfds filled with, and checked against, a pattern named by @seed. */
uint64_t lu_pattern_word(uint64_t seed, uint64_t off);
/* Size @fd (a memfd) to @size bytes (a multiple of 8), @seed's pattern. */
int lu_memfd_fill(int fd, uint64_t size, uint64_t seed);
/* A new memfd of @size bytes (a multiple of 8) filled with @seed's pattern. */
int lu_memfd_filled(const char *name, uint64_t size, uint64_t seed);
/*
 * Check [@off, @off + @len) of @fd (multiples of 8) against @seed's
 * pattern: 0 when every word matches, -EIO at the first wrong word (its
 * offset in *@bad when @bad is not NULL), other -errno when unreadable.
 */
int lu_memfd_check(int fd, uint64_t off, uint64_t len, uint64_t seed,
		   uint64_t *bad);

/* Stages (see the top of this file). */
typedef void (*lu_stage_fn)(void);
/* The stage this boot runs: 1 without a state session; or -errno. */
int lu_stage_begin(const char *test);
/* Preserve @next as the next stage's number and keep sessions alive. */
int lu_stage_end(const char *test, int next);
/* The harness's stage, and its number of stages in *@nr; or -ENOENT. */
int lu_stage_harness(int *nr);
/* A stage of a test of same-shaped stages: its number, of @nr. */
typedef void (*lu_stage_nr_fn)(int stage, int nr);

/*
 * Inline, so that the kselftest counters it ends with are the test's own
 * (kselftest.h keeps them per compilation unit).
 */
static inline __noreturn void lu_run(const char *test,
				     const lu_stage_fn *stages, int nr)
{
	int stage, ret;

	ksft_print_header();
	stage = lu_stage_begin(test);
	if (stage == -ESTALE)
		ksft_exit_fail_msg("%s: the state session and TESTBED_STAGE=%s disagree\n",
				   test, getenv("TESTBED_STAGE"));
	if (stage < 1 || stage > nr)
		ksft_exit_fail_msg("%s: no stage %d (%d stages)\n", test, stage, nr);
	stages[stage - 1]();
	if (stage < nr) {
		ret = lu_stage_end(test, stage + 1);
		if (ret)
			ksft_exit_fail_msg("%s: state session for stage %d: %s\n",
					   test, stage + 1, strerror(-ret));
	}
	ksft_finished();
}

/*
 * Stages counted by the harness: @stages (@nr of them), or @each for every
 * stage of as many as the harness gives when @nr is 0.
 */
static inline __noreturn void lu_run_harness(const char *test,
					     const lu_stage_fn *stages,
					     lu_stage_nr_fn each, int nr)
{
	int stage, total = 0, ret;

	ksft_print_header();
	stage = lu_stage_harness(&total);
	if (stage < 0)
		ksft_exit_fail_msg("%s: runs under the testbed (TESTBED_STAGE, TESTBED_STAGES)\n",
				   test);
	if (nr && total != nr)
		ksft_exit_fail_msg("%s: the harness gives %d stages, the test has %d\n",
				   test, total, nr);
	if (stage < 1 || stage > total)
		ksft_exit_fail_msg("%s: no stage %d (%d stages)\n", test, stage, total);
	if (stages)
		stages[stage - 1]();
	else
		each(stage, total);
	if (stage < total) {
		ret = lu_keep_sessions();
		if (ret)
			ksft_exit_fail_msg("%s: keeping the sessions for stage %d: %s\n",
					   test, stage + 1, strerror(-ret));
	}
	ksft_finished();
}

#define LU_TEST_MAIN(test, ...)						\
	static const lu_stage_fn lu_stages[] = { __VA_ARGS__ };		\
	int main(void)							\
	{								\
		lu_run(test, lu_stages, ARRAY_SIZE(lu_stages));		\
	}

#define LU_TEST_MAIN_HARNESS(test, ...)					\
	static const lu_stage_fn lu_stages[] = { __VA_ARGS__ };		\
	int main(void)							\
	{								\
		lu_run_harness(test, lu_stages, NULL, ARRAY_SIZE(lu_stages)); \
	}

/* @fn runs every stage; @nr stages, or 0 for as many as the harness gives. */
#define LU_TEST_MAIN_NUMBERED(test, fn, nr)				\
	int main(void)							\
	{								\
		lu_run_harness(test, NULL, fn, nr);			\
	}

#endif
