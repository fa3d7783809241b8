/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the Live Update Orchestrator selftests that need an open
 * /dev/liveupdate (the ioctls on a device fd), the test handler of
 * CONFIG_LIVEUPDATE_TEST (/sys/kernel/debug/liveupdate_test) and a few
 * /proc readers.  What every live update test shares is in
 * lib/libliveupdate.h.
 */
#ifndef LUO_TEST_H
#define LUO_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#include "lib/libliveupdate.h"

#define LUO_DEV			"/dev/liveupdate"
#define LUO_TEST_DIR		"/sys/kernel/debug/liveupdate_test"
#define KHO_DIR			"/sys/kernel/debug/kho"

/* Test handler ioctls (kernel/liveupdate/luo_test.c). */
#define LUO_TEST_NEW		_IO(0xBA, 0xF0)
#define LUO_TEST_VERSION	_IO(0xBA, 0xF1)
#define LUO_TEST_KIND_NORMAL	0
#define LUO_TEST_KIND_FUTURE	1

static inline int luo_create_session(int dev, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg))
		return -errno;
	return arg.fd;
}

static inline int luo_retrieve_session(int dev, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	if (ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg))
		return -errno;
	return arg.fd;
}

static inline int luo_preserve(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

static inline int luo_retrieve(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg))
		return -errno;
	return arg.fd;
}

static inline int luo_finish(int session)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(session, LIVEUPDATE_SESSION_FINISH, &arg) ? -errno : 0;
}

/* A new test object of @kind; returns its fd or -errno. */
static inline int obj_new(int kind)
{
	int ctl = open(LUO_TEST_DIR "/control", O_RDWR), fd;

	if (ctl < 0)
		return -errno;
	fd = ioctl(ctl, LUO_TEST_NEW, kind);
	fd = fd < 0 ? -errno : fd;
	close(ctl);
	return fd;
}

/* The byte at @i of the blob named @tag. */
static inline unsigned char pattern_byte(const char *tag, size_t i)
{
	unsigned int h = 2166136261u;

	for (; *tag; tag++)
		h = (h ^ (unsigned char)*tag) * 16777619u;
	return (unsigned char)(h + i * 131 + (i >> 8));
}

/* Fill a test object with the pattern of @tag; 0 or -errno. */
static inline int obj_fill(int fd, const char *tag, size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	size_t i;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(tag, i);
	n = pwrite(fd, buf, len, 0);
	free(buf);
	return n == (ssize_t)len ? 0 : (n < 0 ? -errno : -EIO);
}

/*
 * Check a test object: @len bytes of @tag's pattern, except that the
 * first strlen(@head) bytes are @head when it is not NULL.  Returns 1 when
 * every byte matches.
 */
static inline int obj_check(int fd, const char *tag, size_t len,
			    const char *head)
{
	unsigned char *buf = malloc(len + 1);
	size_t i, hl = head ? strlen(head) : 0;
	ssize_t n;
	int ok = 1;

	if (!buf)
		return 0;
	n = pread(fd, buf, len + 1, 0);
	if (n != (ssize_t)len)
		ok = 0;
	for (i = 0; ok && i < len; i++)
		ok = buf[i] == (i < hl ? (unsigned char)head[i] :
				pattern_byte(tag, i));
	free(buf);
	return ok;
}

/* The library's, under the names these tests use. */
static inline int read_text(const char *path, char *buf, size_t len)
{
	return lu_read_text(path, buf, len);
}

static inline int write_text(const char *path, const char *text)
{
	return lu_write_text(path, text);
}

/* "key value" lines (debugfs stats): the value, or -1. */
static inline long long stat_value(const char *path, const char *key)
{
	char buf[4096], *p;
	size_t kl = strlen(key);

	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && (p[kl] == ' ' || p[kl] == ':'))
			return atoll(p + kl + 1);
	return -1;
}

static inline long long test_stat(const char *key)
{
	return stat_value(LUO_TEST_DIR "/stats", key);
}

/* A /proc/meminfo value in kB, or -1. */
static inline long long meminfo_kb(const char *key)
{
	char buf[8192], *p;
	size_t kl = strlen(key);

	if (read_text("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return atoll(p + kl + 1);
	return -1;
}

/* Whether the kernel log holds @needle. */
static inline int kmsg_has(const char *needle)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	int n, found;

	if (len <= 0)
		return 0;
	buf = malloc(len + 1);
	if (!buf)
		return 0;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[n > 0 ? n : 0] = 0;
	found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

/*
 * The live update trace events (include/trace/events/liveupdate.h): the
 * kernel logs only refusals; what each preserve, freeze, retrieve and
 * finish did is traced.  Every test program that includes this header
 * enables the events when it starts (tracefs mounted if needed) and reads
 * them back from the trace buffer.
 */
#define LU_TRACEFS		"/sys/kernel/tracing"

__attribute__((constructor)) static void lu_events_enable(void)
{
	int fd;

	if (access(LU_TRACEFS "/events", F_OK))
		mount("tracefs", LU_TRACEFS, "tracefs", 0, NULL);
	fd = open(LU_TRACEFS "/events/liveupdate/enable", O_WRONLY);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		perror("enable the liveupdate trace events");
	close(fd);
}

/* The trace buffer as text, NUL terminated; NULL when unreadable. */
static inline char *lu_trace_read(void)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1), *n;
	int fd = open(LU_TRACEFS "/trace", O_RDONLY);
	ssize_t r;

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((r = read(fd, buf + len, cap - len)) > 0) {
		len += r;
		if (len == cap) {
			n = realloc(buf, 2 * cap + 1);
			if (!n)
				break;
			buf = n;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/*
 * The last line of @buf holding @needle, copied into @out (cut to @len - 1
 * bytes); 0 when found, -ENOENT otherwise.
 */
static inline int last_line_with(const char *buf, const char *needle,
				 char *out, size_t len)
{
	const char *p, *s, *e, *hit = NULL;
	int n;

	for (p = strstr(buf, needle); p; p = strstr(p + 1, needle))
		hit = p;
	if (!hit)
		return -ENOENT;
	for (s = hit; s > buf && s[-1] != '\n'; s--)
		;
	e = strchr(hit, '\n');
	n = e ? e - s : (int)strlen(s);
	if ((size_t)n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

/*
 * The last trace event line holding @needle, copied into @out; 0 when
 * found.  Same contract as kmsg_line() for the kernel log.
 */
static inline int event_line(const char *needle, char *out, size_t len)
{
	char *buf = lu_trace_read();
	int ret;

	if (!buf)
		return -EIO;
	ret = last_line_with(buf, needle, out, len);
	free(buf);
	return ret;
}

/* Whether a live update trace event holds @needle. */
static inline int event_has(const char *needle)
{
	char *buf = lu_trace_read();
	int found = buf && strstr(buf, needle);

	free(buf);
	return found;
}

static inline int raise_nofile(rlim_t n)
{
	struct rlimit rl = { n, n };

	return setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * Add kernel arguments to the next stage only: the guest init appends
 * $TESTBED_STATE/next.append to the command line of the next kexec.
 */
static inline int next_stage_append(const char *args)
{
	const char *dir = getenv("TESTBED_STATE");
	char path[256];
	int fd, ret = 0;

	if (!dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/next.append", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, args, strlen(args)) != (ssize_t)strlen(args))
		ret = -EIO;
	close(fd);
	return ret;
}

#endif
