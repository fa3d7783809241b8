// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/liveupdate without kexec: every errno of the UAPI, the
 * extensible-struct rule, exclusive open, CAP_SYS_ADMIN, duplicate names
 * and tokens, GET_NAME, unsupported files (a tmpfs file named like a memfd
 * too), double preservation, upstream's numbers (2000 sessions, 500 memfds
 * in a session) and the limits that bound them, and unpreserve on close.
 * Uses the test handler of CONFIG_LIVEUPDATE_TEST for files that can be
 * preserved.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "luo_test.h"

/* Upstream's selftests: sessions in one process, memfds in one session. */
#define MANY_SESSIONS	2000
#define MANY_FILES	500
#define PARAM_DIR	"/sys/module/liveupdate/parameters/"

static long read_param(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return read_text(path, buf, sizeof(buf)) > 0 ? atol(buf) : -1;
}

static int write_param(const char *name, long value)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	snprintf(buf, sizeof(buf), "%ld", value);
	return write_text(path, buf);
}

static int get_name(int s, char *name)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };

	if (ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg))
		return -errno;
	memcpy(name, arg.name, sizeof(arg.name));
	return 0;
}

FIXTURE(luo) {
	int dev;
};

FIXTURE_SETUP(luo)
{
	self->dev = open(LUO_DEV, O_RDWR);
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", LUO_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(luo)
{
	close(self->dev);
}

TEST_F(luo, exclusive_open)
{
	int fd = open(LUO_DEV, O_RDWR);

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	close(self->dev);
	fd = open(LUO_DEV, O_RDWR);
	EXPECT_LE(0, fd) TH_LOG("reopen after close: %s", strerror(errno));
	self->dev = fd;
}

/*
 * Opening /dev/liveupdate needs CAP_SYS_ADMIN: a process that dropped it
 * (root otherwise, the device node 0600 root's) is refused with EPERM.
 */
TEST(open_needs_cap_sys_admin)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int status, fd;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (syscall(SYS_capget, &hdr, data))
			_exit(2);
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &=
			~CAP_TO_MASK(CAP_SYS_ADMIN);
		data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &=
			~CAP_TO_MASK(CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			_exit(3);
		fd = open(LUO_DEV, O_RDWR);
		if (fd >= 0)
			_exit(4);
		_exit(errno == EPERM ? 0 : 5);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("2: capget, 3: capset failed, 4: opened without CAP_SYS_ADMIN, 5: another errno");
	/* With the capability, the same open works. */
	fd = open(LUO_DEV, O_RDWR);
	EXPECT_LE(0, fd) TH_LOG("open as root: %s", strerror(errno));
	close(fd);
}

/*
 * Only a real memfd is preserved by the memfd handler: a file named
 * "memfd:..." on a tmpfs that userspace mounted is not one, linked or
 * unlinked, and is refused like any file no handler takes (ENOENT).
 */
TEST_F(luo, fake_memfd_refused)
{
	char dir[] = "/tmp/luo-fake-memfd-XXXXXX", path[64];
	int s = luo_create_session(self->dev, "fake-memfd");
	int fd, mfd;

	ASSERT_LE(0, s);
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "size=1M"))
		TH_LOG("mount tmpfs: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/memfd:x", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	EXPECT_EQ(-ENOENT, luo_preserve(s, fd, 1));
	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(-ENOENT, luo_preserve(s, fd, 2));
	/* A real memfd in the same session is taken. */
	mfd = memfd_create("x", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 4096));
	EXPECT_EQ(0, luo_preserve(s, mfd, 3));
	close(mfd);
	close(fd);
	close(s);
	umount(dir);
	rmdir(dir);
}

TEST_F(luo, unknown_ioctls)
{
	int s = luo_create_session(self->dev, "unknown-ioctls");
	char buf[128] = { 0 };

	ASSERT_LE(0, s);
	*(uint32_t *)buf = 16;
	EXPECT_EQ(-1, ioctl(self->dev, _IO(0xBA, 0x02), buf));
	EXPECT_EQ(ENOTTY, errno);
	/* Session ioctls are not device ioctls, and the reverse. */
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_SESSION_FINISH, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_IOCTL_CREATE_SESSION, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(s, _IO(0xBA, 0x44), buf));
	EXPECT_EQ(ENOTTY, errno);
	*(uint32_t *)buf = sizeof(struct liveupdate_session_get_name);
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_SESSION_GET_NAME, buf));
	EXPECT_EQ(ENOTTY, errno);
	close(s);
}

TEST_F(luo, create_size_rule)
{
	struct {
		struct liveupdate_ioctl_create_session arg;
		unsigned char tail[64];
	} big;
	struct liveupdate_ioctl_create_session arg;

	memset(&arg, 0, sizeof(arg));
	strcpy((char *)arg.name, "size-rule");
	arg.size = 0;
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.size = sizeof(arg) - 1;
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);

	/* Larger than known: zero trailing bytes are fine, others E2BIG. */
	memset(&big, 0, sizeof(big));
	strcpy((char *)big.arg.name, "size-rule");
	big.arg.size = sizeof(big);
	big.tail[63] = 1;
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail[63] = 0;
	ASSERT_EQ(0, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	EXPECT_LE(0, big.arg.fd);
	close(big.arg.fd);

	/* An unreadable struct. */
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(luo, create_names)
{
	struct liveupdate_ioctl_create_session arg;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int a, b;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	/* Empty name. */
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);
	/* No NUL within the 64 bytes. */
	memset(arg.name, 'x', sizeof(arg.name));
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);
	/* 63 characters is the longest name, and comes back whole. */
	arg.name[63] = 0;
	ASSERT_EQ(0, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	memset(name, 0x55, sizeof(name));
	EXPECT_EQ(0, get_name(arg.fd, name));
	EXPECT_EQ(63, strnlen(name, sizeof(name)));
	EXPECT_EQ(0, memcmp(name, arg.name, sizeof(name)));
	close(arg.fd);

	a = luo_create_session(self->dev, "dup");
	ASSERT_LE(0, a);
	EXPECT_EQ(-EEXIST, luo_create_session(self->dev, "dup"));
	/* Closing the session frees its name. */
	close(a);
	b = luo_create_session(self->dev, "dup");
	EXPECT_LE(0, b);
	close(b);
}

/*
 * An answer userspace cannot receive (the struct is read-only) gives
 * EFAULT and leaves nothing behind: no fd installed, no session.
 */
TEST_F(luo, create_unwritable_answer)
{
	struct liveupdate_ioctl_create_session *arg;
	int next_fd, s;

	arg = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arg);
	arg->size = sizeof(*arg);
	snprintf((char *)arg->name, sizeof(arg->name), "unwritable");
	ASSERT_EQ(0, mprotect(arg, getpagesize(), PROT_READ));

	next_fd = dup(self->dev);
	ASSERT_LE(0, next_fd);
	close(next_fd);
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_CREATE_SESSION, arg));
	EXPECT_EQ(EFAULT, errno);
	/* The fd number the kernel had reserved is free again. */
	s = dup(self->dev);
	EXPECT_EQ(next_fd, s);
	close(s);
	/* And the name was never taken. */
	s = luo_create_session(self->dev, "unwritable");
	EXPECT_LE(0, s);
	close(s);
	munmap(arg, getpagesize());
}

/* LIVEUPDATE_SESSION_GET_NAME: _IO(0xBA, 0x43), 72 bytes, reserved 0. */
TEST_F(luo, get_name)
{
	struct {
		struct liveupdate_session_get_name arg;
		unsigned char tail[8];
	} big;
	struct liveupdate_session_get_name arg;
	int s = luo_create_session(self->dev, "get-name");

	ASSERT_LE(0, s);
	EXPECT_EQ(72, sizeof(arg));
	EXPECT_EQ(_IO(0xBA, 0x43), LIVEUPDATE_SESSION_GET_NAME);

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	ASSERT_EQ(0, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg));
	EXPECT_STREQ("get-name", (char *)arg.name);

	/* Reserved not zero, size too small, unknown non-zero bytes. */
	arg.reserved = 1;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.reserved = 0;
	arg.size = offsetof(struct liveupdate_session_get_name, name);
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &arg));
	EXPECT_EQ(EINVAL, errno);
	memset(&big, 0, sizeof(big));
	big.arg.size = sizeof(big);
	big.tail[7] = 1;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail[7] = 0;
	ASSERT_EQ(0, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &big));
	EXPECT_STREQ("get-name", (char *)big.arg.name);
	EXPECT_EQ(0, big.tail[0]);
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(s);
}

TEST_F(luo, retrieve_session_cold)
{
	struct liveupdate_ioctl_retrieve_session arg;

	/* This kernel did not come from a live update with such a session. */
	EXPECT_EQ(-ENOENT, luo_retrieve_session(self->dev, "no-such-session"));
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.size = 4;
	strcpy((char *)arg.name, "x");
	EXPECT_EQ(-1, ioctl(self->dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(luo, preserve_errors)
{
	struct {
		struct liveupdate_session_preserve_fd arg;
		uint64_t tail;
	} big;
	int s = luo_create_session(self->dev, "preserve-errors");
	int s2 = luo_create_session(self->dev, "preserve-errors-2");
	int pipefd[2], o1 = obj_new(LUO_TEST_KIND_NORMAL);
	int o2 = obj_new(LUO_TEST_KIND_NORMAL);

	ASSERT_LE(0, s);
	ASSERT_LE(0, s2);
	ASSERT_LE(0, o1) TH_LOG("test handler missing: %s", strerror(-o1));
	ASSERT_LE(0, o2);
	ASSERT_EQ(0, pipe(pipefd));

	EXPECT_EQ(-EBADF, luo_preserve(s, 1000, 1));
	EXPECT_EQ(-ENOENT, luo_preserve(s, pipefd[0], 1));
	EXPECT_EQ(-ENOENT, luo_preserve(s, self->dev, 1));
	EXPECT_EQ(-ENOENT, luo_preserve(s, s2, 1));

	EXPECT_EQ(0, luo_preserve(s, o1, 1));
	/* A duplicate token is EEXIST. */
	EXPECT_EQ(-EEXIST, luo_preserve(s, o2, 1));
	/* The same file again: EBUSY, same session or not, whatever the token. */
	EXPECT_EQ(-EBUSY, luo_preserve(s, o1, 1));
	EXPECT_EQ(-EBUSY, luo_preserve(s, o1, 2));
	EXPECT_EQ(-EBUSY, luo_preserve(s2, o1, 1));
	EXPECT_EQ(-EBUSY, luo_preserve(s2, o1, 3));
	/* The same token in another session is another file. */
	EXPECT_EQ(0, luo_preserve(s2, o2, 1));

	memset(&big, 0, sizeof(big));
	big.arg.size = offsetof(struct liveupdate_session_preserve_fd, token);
	big.arg.fd = o2;
	big.arg.token = 5;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &big));
	EXPECT_EQ(EINVAL, errno);
	big.arg.size = sizeof(big);
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &big));
	EXPECT_EQ(E2BIG, errno);

	/* Outgoing sessions cannot retrieve or finish. */
	EXPECT_EQ(-EINVAL, luo_retrieve(s, 1));
	EXPECT_EQ(-EINVAL, luo_finish(s));

	close(pipefd[0]);
	close(pipefd[1]);
	close(o1);
	close(o2);
	close(s);
	close(s2);
}

TEST_F(luo, finish_reserved)
{
	struct {
		struct liveupdate_session_finish arg;
		uint32_t tail;
	} big;
	int s = luo_create_session(self->dev, "finish-reserved");

	ASSERT_LE(0, s);
	memset(&big, 0, sizeof(big));
	big.arg.size = sizeof(big.arg);
	big.arg.reserved = 1;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_FINISH, &big));
	EXPECT_EQ(EINVAL, errno);
	big.arg.reserved = 0;
	big.arg.size = 4;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_FINISH, &big));
	EXPECT_EQ(EINVAL, errno);
	big.arg.size = sizeof(big);
	big.tail = 7;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_FINISH, &big));
	EXPECT_EQ(E2BIG, errno);
	close(s);
}

/* Closing an outgoing session unpreserves its files. */
TEST_F(luo, close_unpreserves)
{
	long long unp = test_stat("unpreserve");
	int s = luo_create_session(self->dev, "close-unpreserves");
	int o = obj_new(LUO_TEST_KIND_NORMAL), o2 = obj_new(LUO_TEST_KIND_NORMAL);

	ASSERT_LE(0, s);
	ASSERT_LE(0, o);
	ASSERT_LE(0, o2);
	ASSERT_LE(0, unp);
	ASSERT_EQ(0, obj_fill(o, "close", 10000));
	ASSERT_EQ(0, luo_preserve(s, o, 1));
	ASSERT_EQ(0, luo_preserve(s, o2, 2));
	close(s);
	EXPECT_EQ(unp + 2, test_stat("unpreserve"));
	/* Not preserved any more: it can go into a new session. */
	s = luo_create_session(self->dev, "close-unpreserves");
	ASSERT_LE(0, s);
	EXPECT_EQ(0, luo_preserve(s, o, 1));
	EXPECT_TRUE(obj_check(o, "close", 10000, NULL));
	close(s);
	close(o);
	close(o2);
}

/* The session holds the file: closing the caller's fd changes nothing. */
TEST_F(luo, session_holds_file)
{
	long long unp = test_stat("unpreserve");
	int s = luo_create_session(self->dev, "holds-file");
	int o = obj_new(LUO_TEST_KIND_NORMAL);

	ASSERT_LE(0, s);
	ASSERT_LE(0, o);
	ASSERT_EQ(0, luo_preserve(s, o, 9));
	close(o);
	EXPECT_EQ(unp, test_stat("unpreserve"));
	close(s);
	EXPECT_EQ(unp + 1, test_stat("unpreserve"));
}

/* A file no handler takes: ENOENT, and nothing is left behind. */
TEST_F(luo, dev_null)
{
	int s = luo_create_session(self->dev, "dev-null");
	int n = open("/dev/null", O_RDWR), o = obj_new(LUO_TEST_KIND_NORMAL);

	ASSERT_LE(0, s);
	ASSERT_LE(0, n);
	ASSERT_LE(0, o);
	EXPECT_EQ(-ENOENT, luo_preserve(s, n, 1));
	/* The token is still free. */
	EXPECT_EQ(0, luo_preserve(s, o, 1));
	close(n);
	close(o);
	close(s);
}

/*
 * Upstream's 2000 sessions in one process pass with the default limit;
 * liveupdate.max_sessions lowered to what exists makes the next ENOSPC,
 * and raised again lets it through.
 */
TEST_F(luo, many_sessions)
{
	int *fds = calloc(MANY_SESSIONS + 1, sizeof(int));
	long limit = read_param("max_sessions");
	char name[64], got[64];
	int i, n = 0, named = 0;

	ASSERT_NE(NULL, fds);
	ASSERT_LE(MANY_SESSIONS * 4, limit) TH_LOG("default max_sessions %ld", limit);
	ASSERT_EQ(0, raise_nofile(8192));
	for (i = 0; i < MANY_SESSIONS; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		fds[i] = luo_create_session(self->dev, name);
		if (fds[i] < 0)
			break;
		n++;
		named += !get_name(fds[i], got) && !strcmp(got, name);
	}
	EXPECT_EQ(MANY_SESSIONS, n) TH_LOG("session %d: %d", n, fds[n]);
	EXPECT_EQ(MANY_SESSIONS, named);

	ASSERT_EQ(0, write_param("max_sessions", n));
	EXPECT_EQ(-ENOSPC, luo_create_session(self->dev, "one-too-many"));
	close(fds[0]);
	fds[MANY_SESSIONS] = luo_create_session(self->dev, "one-too-many");
	EXPECT_LE(0, fds[MANY_SESSIONS]);
	EXPECT_EQ(-ENOSPC, luo_create_session(self->dev, "two-too-many"));
	EXPECT_EQ(0, write_param("max_sessions", limit));
	i = luo_create_session(self->dev, "two-too-many");
	EXPECT_LE(0, i);
	close(i);
	for (i = 1; i <= MANY_SESSIONS; i++)
		close(fds[i]);
	free(fds);
}

/*
 * Upstream's 500 memfds in one session pass with the default limit;
 * liveupdate.max_files lowered to 500 makes the 501st ENOSPC.
 */
TEST_F(luo, many_files)
{
	int *fds = calloc(MANY_FILES + 1, sizeof(int));
	int s = luo_create_session(self->dev, "many-files");
	long limit = read_param("max_files");
	int i, n = 0, ret = 0;

	ASSERT_NE(NULL, fds);
	ASSERT_LE(0, s);
	ASSERT_LE(MANY_FILES * 4, limit) TH_LOG("default max_files %ld", limit);
	ASSERT_EQ(0, raise_nofile(8192));
	for (i = 0; i <= MANY_FILES; i++) {
		fds[i] = syscall(SYS_memfd_create, "many-files", 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, ftruncate(fds[i], 4096));
	}
	for (i = 0; i < MANY_FILES; i++) {
		ret = luo_preserve(s, fds[i], i);
		if (ret)
			break;
		n++;
	}
	EXPECT_EQ(MANY_FILES, n) TH_LOG("preserve %d: %d", n, ret);
	ASSERT_EQ(0, write_param("max_files", MANY_FILES));
	EXPECT_EQ(-ENOSPC, luo_preserve(s, fds[MANY_FILES], MANY_FILES));
	EXPECT_EQ(0, write_param("max_files", limit));
	EXPECT_EQ(0, luo_preserve(s, fds[MANY_FILES], MANY_FILES));
	close(s);
	for (i = 0; i <= MANY_FILES; i++)
		close(fds[i]);
	free(fds);
}

/* The limits themselves: module parameters, written as numbers. */
TEST_F(luo, limit_params)
{
	long sessions = read_param("max_sessions");
	long files = read_param("max_files");
	int s, o;

	ASSERT_LT(0, sessions);
	ASSERT_LT(0, files);
	/* No session allowed at all: the first is ENOSPC. */
	ASSERT_EQ(0, write_param("max_sessions", 0));
	EXPECT_EQ(-ENOSPC, luo_create_session(self->dev, "no-room"));
	ASSERT_EQ(0, write_param("max_sessions", sessions));
	s = luo_create_session(self->dev, "no-room");
	ASSERT_LE(0, s);
	o = obj_new(LUO_TEST_KIND_NORMAL);
	ASSERT_LE(0, o);
	ASSERT_EQ(0, write_param("max_files", 0));
	EXPECT_EQ(-ENOSPC, luo_preserve(s, o, 1));
	ASSERT_EQ(0, write_param("max_files", files));
	EXPECT_EQ(0, luo_preserve(s, o, 1));
	/* Not a number the parameter takes: refused, the value unchanged. */
	EXPECT_NE(0, write_param("max_files", -1));
	EXPECT_EQ(files, read_param("max_files"));
	close(o);
	close(s);
}

TEST_HARNESS_MAIN
