/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every testbed test shares: TAP output, small debugfs and sysfs file
 * access, and the stage the harness runs (TESTBED_STAGE of
 * TESTBED_STAGES).  kho_tb.h and vfio_tb.h build on it; the live update
 * session helpers come from the selftests' lib/libliveupdate.h.
 */
#ifndef TB_H
#define TB_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Not every test uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"

static int nr_test;
static int failed;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++nr_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failed = 1;
}

/* Read a whole small file; returns the length or -1. */
static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY), n, got = 0;

	if (fd < 0)
		return -1;
	while (got < (int)len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/* Write a word to a debugfs file; returns 0 or -errno of the write. */
static int write_file(const char *path, const char *word)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, word, strlen(word)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The stage the harness runs, 0 outside it. */
static inline int stage_number(void)
{
	const char *s = getenv("TESTBED_STAGE");

	return s ? atoi(s) : 0;
}

/* How many stages the harness runs, 0 outside it. */
static inline int stage_count(void)
{
	const char *s = getenv("TESTBED_STAGES");

	return s ? atoi(s) : 0;
}

#endif
