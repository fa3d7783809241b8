// SPDX-License-Identifier: GPL-2.0
/*
 * libliveupdate: session, stage and memfd helpers of the live update
 * selftests.  See libliveupdate.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libliveupdate.h"

static int lu_dev_call(unsigned long cmd, void *arg)
{
	int dev = open(LU_DEV, O_RDWR | O_CLOEXEC), ret = 0;

	if (dev < 0)
		return -errno;
	if (ioctl(dev, cmd, arg))
		ret = -errno;
	close(dev);
	return ret;
}

int lu_session_create(const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	int ret;

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	ret = lu_dev_call(LIVEUPDATE_IOCTL_CREATE_SESSION, &arg);
	return ret ? ret : arg.fd;
}

int lu_session_retrieve(const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };
	int ret;

	snprintf((char *)arg.name, sizeof(arg.name), "%s", name);
	ret = lu_dev_call(LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg);
	return ret ? ret : arg.fd;
}

int lu_session_get_name(int session, char *name)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };

	if (ioctl(session, LIVEUPDATE_SESSION_GET_NAME, &arg))
		return -errno;
	memcpy(name, arg.name, sizeof(arg.name));
	return 0;
}

int lu_preserve(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

int lu_retrieve(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg))
		return -errno;
	return arg.fd;
}

int lu_finish(int session)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(session, LIVEUPDATE_SESSION_FINISH, &arg) ? -errno : 0;
}

int lu_keep_sessions(void)
{
	int gate[2];
	pid_t pid;
	char c;

	fflush(NULL);
	if (pipe(gate))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(gate[0]);
		close(gate[1]);
		return -errno;
	}
	if (!pid) {
		int fd = open("/dev/null", O_RDWR);

		/*
		 * Let go of the results port before the parent goes on:
		 * otherwise this close could be the last one, after the
		 * test exited, and race with the harness opening the port
		 * again for its next line (EAGAIN, the line lost).
		 */
		dup2(fd, 1);
		dup2(fd, 2);
		close(gate[0]);
		close(gate[1]);
		for (;;)
			pause();
	}
	close(gate[1]);
	/* End of file once the child closed its copies. */
	while (read(gate[0], &c, 1) < 0 && errno == EINTR)
		;
	close(gate[0]);
	return 0;
}

int lu_raise_nofile(unsigned long n)
{
	struct rlimit rl = { n, n };

	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

int lu_read_text(const char *path, char *buf, size_t len)
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

int lu_write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

uint64_t lu_pattern_word(uint64_t seed, uint64_t off)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + (off >> 3) + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int lu_memfd_fill(int fd, uint64_t size, uint64_t seed)
{
	uint64_t *w, i;

	if (ftruncate(fd, size))
		return -errno;
	if (!size)
		return 0;
	w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED)
		return -errno;
	for (i = 0; i < size / 8; i++)
		w[i] = lu_pattern_word(seed, i * 8);
	munmap(w, size);
	return 0;
}

int lu_memfd_filled(const char *name, uint64_t size, uint64_t seed)
{
	int fd = syscall(SYS_memfd_create, name, 0), ret;

	if (fd < 0)
		return -errno;
	ret = lu_memfd_fill(fd, size, seed);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int lu_memfd_check(int fd, uint64_t off, uint64_t len, uint64_t seed,
		   uint64_t *bad)
{
	uint64_t start = off & ~(LU_PAGE - 1), i;
	const uint64_t *w;
	char *p;
	int ret = 0;

	p = mmap(NULL, off - start + len, PROT_READ, MAP_SHARED, fd, start);
	if (p == MAP_FAILED)
		return -errno;
	w = (const uint64_t *)(p + (off - start));
	for (i = 0; i < len / 8; i++) {
		if (w[i] != lu_pattern_word(seed, off + i * 8)) {
			if (bad)
				*bad = off + i * 8;
			ret = -EIO;
			break;
		}
	}
	munmap(p, off - start + len);
	return ret;
}

static void lu_state_name(const char *test, char *name, size_t len)
{
	snprintf(name, len, "%s.state", test);
}

int lu_stage_begin(const char *test)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	const char *env = getenv("TESTBED_STAGE");
	int s, fd, stage = 1;

	lu_state_name(test, name, sizeof(name));
	s = lu_session_retrieve(name);
	if (s >= 0) {
		fd = lu_retrieve(s, 0);
		if (fd < 0 || pread(fd, &stage, sizeof(stage), 0) != sizeof(stage))
			stage = fd < 0 ? fd : -EIO;
		if (fd >= 0)
			close(fd);
		lu_finish(s);
		close(s);
	} else if (s != -ENOENT) {
		return s;
	}
	/* The harness counts the stages too: both must agree. */
	if (stage > 0 && env && atoi(env) != stage)
		return -ESTALE;
	return stage;
}

int lu_stage_end(const char *test, int next)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int s, fd, ret;

	lu_state_name(test, name, sizeof(name));
	s = lu_session_create(name);
	if (s < 0)
		return s;
	fd = syscall(SYS_memfd_create, name, 0);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, &next, sizeof(next), 0) != sizeof(next))
		return -EIO;
	ret = lu_preserve(s, fd, 0);
	close(fd);
	if (ret)
		return ret;
	/* The session fd stays open: lu_keep_sessions() holds it. */
	return lu_keep_sessions();
}

int lu_stage_harness(int *nr)
{
	const char *stage = getenv("TESTBED_STAGE");
	const char *stages = getenv("TESTBED_STAGES");

	if (!stage || !stages)
		return -ENOENT;
	*nr = atoi(stages);
	return atoi(stage);
}
