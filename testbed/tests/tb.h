/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every testbed test shares: TAP output, small debugfs and sysfs file
 * access (the selftests' lib/libliveupdate.c, linked into every test),
 * and the stage the harness runs (TESTBED_STAGE of TESTBED_STAGES).
 * kho_tb.h and vfio_tb.h build on it; the live update session helpers
 * come from the selftests' lib/libliveupdate.h.
 */
#ifndef TB_H
#define TB_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/kexec.h>
#include <linux/liveupdate.h>

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

/*
 * Small text files: the live update selftests' library, which every
 * testbed test links (lib/libliveupdate.c), has them.
 */
int lu_read_text(const char *path, char *buf, size_t len);
int lu_write_text(const char *path, const char *text);
/*
 * Keep this process's files (a live update session) open until the kexec:
 * a child inherits them and sleeps, having let go of the results port
 * before this returns.  0 or -errno.
 */
int lu_keep_sessions(void);

/* Read a whole small file; returns the length or -1. */
static int read_file(const char *path, char *buf, size_t len)
{
	return lu_read_text(path, buf, len);
}

/* Write a word to a debugfs file; returns 0 or -errno of the write. */
static int write_file(const char *path, const char *word)
{
	return lu_write_text(path, word);
}

/* A /proc/meminfo figure in kB, -1 when absent. */
static long long tb_meminfo(const char *key)
{
	char buf[8192], *p;
	size_t n = strlen(key);

	if (read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ':')
			return atoll(p + n + 1);
	return -1;
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

/* Whether /proc/cmdline holds the word @w. */
static bool cmdline_has(const char *w)
{
	char buf[4096], *tok, *save;

	if (read_file("/proc/cmdline", buf, sizeof(buf)) <= 0)
		return false;
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, w))
			return true;
	return false;
}

/*
 * Create (@incoming false) or retrieve the live update session @name
 * through /dev/liveupdate; its fd or -errno.
 */
static int tb_session(const char *name, bool incoming)
{
	struct liveupdate_ioctl_create_session c = { .size = sizeof(c) };
	struct liveupdate_ioctl_retrieve_session r = { .size = sizeof(r) };
	int dev = open("/dev/liveupdate", O_RDWR), ret;

	if (dev < 0)
		return -errno;
	snprintf((char *)c.name, sizeof(c.name), "%s", name);
	snprintf((char *)r.name, sizeof(r.name), "%s", name);
	if (incoming)
		ret = ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &r) ? -errno : r.fd;
	else
		ret = ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &c) ? -errno : c.fd;
	close(dev);
	return ret;
}

/*
 * kexec_file_load() of /boot/bzImage with the command line @cmdline, no
 * initrd, and the extra @flags (e.g. KEXEC_FILE_DEBUG); 0 or -errno.
 */
static int tb_kexec_load(const char *cmdline, unsigned long flags)
{
	int kfd = open("/boot/bzImage", O_RDONLY), ret;

	if (kfd < 0)
		return -errno;
	ret = syscall(SYS_kexec_file_load, kfd, -1, strlen(cmdline) + 1, cmdline,
		      KEXEC_FILE_NO_INITRAMFS | flags) ? -errno : 0;
	close(kfd);
	return ret;
}

/* Unload the kexec_file image; 0 or -errno. */
static int tb_kexec_unload(void)
{
	return syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
		       (unsigned long)KEXEC_FILE_UNLOAD) ? -errno : 0;
}

#endif
