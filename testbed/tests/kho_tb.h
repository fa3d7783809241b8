/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the staged KHO tests: TAP output and the debugfs files
 * of KHO (/sys/kernel/debug/kho) and of its test module
 * (/sys/kernel/debug/kho_test).
 */
#ifndef KHO_TB_H
#define KHO_TB_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KHO_DIR "/sys/kernel/debug/kho"
#define KHO_TEST_DIR "/sys/kernel/debug/kho_test"

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

/* Print the test module's status as TAP comments. */
static void show_status(void)
{
	char buf[8192], *line, *save;

	if (read_file(KHO_TEST_DIR "/status", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
}

static int kho_test_cmd(const char *cmd)
{
	int ret = write_file(KHO_TEST_DIR "/control", cmd);

	show_status();
	return ret;
}

static void show_incoming(void)
{
	char buf[1024], *line, *save;

	if (read_file(KHO_DIR "/in/status", buf, sizeof(buf)) >= 0)
		printf("# incoming handover: %s", buf);
	if (read_file(KHO_DIR "/in/stats", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
}

static int incoming_starts_with(const char *prefix)
{
	char buf[256];

	return read_file(KHO_DIR "/in/status", buf, sizeof(buf)) > 0 &&
	       !strncmp(buf, prefix, strlen(prefix));
}

static inline int stage_number(void)
{
	const char *s = getenv("TESTBED_STAGE");

	return s ? atoi(s) : 0;
}

static inline int stage_count(void)
{
	const char *s = getenv("TESTBED_STAGES");

	return s ? atoi(s) : 0;
}

#endif
