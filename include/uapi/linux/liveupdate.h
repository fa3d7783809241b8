/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Live Update Orchestrator: the /dev/liveupdate interface.
 *
 * A live update agent opens /dev/liveupdate (one opener at a time), creates
 * named sessions and preserves file descriptors in them, each under a
 * token of its choice.  The sessions and their files survive a kexec
 * (reboot(LINUX_REBOOT_CMD_KEXEC) into a kernel loaded with
 * kexec_file_load() while Kexec HandOver is on); in the next kernel the
 * agent retrieves each session by name, each file by token, and finishes
 * the session.  See Documentation/userspace-api/liveupdate.rst.
 *
 * Every ioctl takes a pointer to a struct whose first member, size, is
 * set by the caller to sizeof() the struct it was compiled with.  A size
 * smaller than the first version of the struct gives EINVAL.  A larger
 * one is accepted when the bytes this kernel does not know are all zero,
 * else E2BIG.  Output members are written up to the smaller of the two
 * sizes.
 *
 * Errors common to every ioctl:
 *   ENOTTY     unknown ioctl number for this file
 *   EINVAL     size too small, a reserved member not zero, or a bad value
 *   E2BIG      size larger than known with non-zero trailing bytes
 *   EFAULT     the struct cannot be read or written
 *   ENOMEM     out of memory
 * The errors of each ioctl are listed with it.
 */
#ifndef _UAPI_LINUX_LIVEUPDATE_H
#define _UAPI_LINUX_LIVEUPDATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LIVEUPDATE_IOCTL_TYPE		0xBA

/* Length of a session name, terminating NUL included. */
#define LIVEUPDATE_SESSION_NAME_LENGTH	64

enum {
	LIVEUPDATE_CMD_CREATE_SESSION = 0x00,
	LIVEUPDATE_CMD_RETRIEVE_SESSION = 0x01,
};

enum {
	LIVEUPDATE_CMD_SESSION_PRESERVE_FD = 0x40,
	LIVEUPDATE_CMD_SESSION_RETRIEVE_FD = 0x41,
	LIVEUPDATE_CMD_SESSION_FINISH = 0x42,
	LIVEUPDATE_CMD_SESSION_GET_NAME = 0x43,
};

/**
 * struct liveupdate_ioctl_create_session - LIVEUPDATE_IOCTL_CREATE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_create_session).
 * @fd: out: a new session file descriptor (close-on-exec).
 * @name: in: the session name, NUL-terminated, 1 to 63 characters.
 *
 * On /dev/liveupdate: creates an outgoing session.  Closing its fd
 * destroys the session and unpreserves its files.
 *
 * Errors: EINVAL (empty name or no NUL in @name), EEXIST (an outgoing
 * session has this name), ENOSPC (as many outgoing sessions as the
 * liveupdate.max_sessions parameter allows), EBUSY (a kexec is under way).
 */
struct liveupdate_ioctl_create_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_CREATE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_CREATE_SESSION)

/**
 * struct liveupdate_ioctl_retrieve_session - LIVEUPDATE_IOCTL_RETRIEVE_SESSION
 * @size: sizeof(struct liveupdate_ioctl_retrieve_session).
 * @fd: out: the session file descriptor (close-on-exec).
 * @name: in: the name the session had in the previous kernel.
 *
 * On /dev/liveupdate: takes an incoming session, once.
 *
 * Errors: EINVAL (empty name or no NUL in @name), ENOENT (no incoming
 * session of that name, or it was retrieved already).
 */
struct liveupdate_ioctl_retrieve_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_RETRIEVE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_RETRIEVE_SESSION)

/**
 * struct liveupdate_session_preserve_fd - LIVEUPDATE_SESSION_PRESERVE_FD
 * @size: sizeof(struct liveupdate_session_preserve_fd).
 * @fd: in: the file descriptor to preserve.
 * @token: in: the caller's name for it, unique in the session.
 *
 * On an outgoing session.  The session keeps a reference to the file;
 * the caller may close @fd.
 *
 * Errors: EBADF (@fd is not open), ENOENT (no handler can preserve this
 * kind of file), EBUSY (the file is preserved already, in this session or
 * in another one, whatever the token; or a kexec is under way), EEXIST
 * (@token is used in the session), ENOSPC (the session holds as many files
 * as the liveupdate.max_files parameter allows), EINVAL (an incoming
 * session), or the handler's own error.
 */
struct liveupdate_session_preserve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_PRESERVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_PRESERVE_FD)

/**
 * struct liveupdate_session_retrieve_fd - LIVEUPDATE_SESSION_RETRIEVE_FD
 * @size: sizeof(struct liveupdate_session_retrieve_fd).
 * @fd: out: a new file descriptor for the preserved file (close-on-exec).
 * @token: in: the token the file was preserved with.
 *
 * On an incoming session, in any order of tokens, once per token.
 *
 * Errors: ENOENT (no file with this token, or it was retrieved already),
 * EOPNOTSUPP (this kernel has no handler reading any version the previous
 * kernel wrote for the file), EINVAL (an outgoing or finished session), or
 * the handler's own error.
 */
struct liveupdate_session_retrieve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_RETRIEVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_RETRIEVE_FD)

/**
 * struct liveupdate_session_finish - LIVEUPDATE_SESSION_FINISH
 * @size: sizeof(struct liveupdate_session_finish).
 * @reserved: must be zero.
 *
 * On an incoming session: the agent is done with it.  Files not retrieved
 * are released; retrieved files stay with their file descriptors.  Closing
 * an incoming session that was not finished finishes it.
 *
 * Errors: EINVAL (@reserved not zero, an outgoing session, or finished
 * already).
 */
struct liveupdate_session_finish {
	__u32 size;
	__u32 reserved;
};

#define LIVEUPDATE_SESSION_FINISH \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_FINISH)

/**
 * struct liveupdate_session_get_name - LIVEUPDATE_SESSION_GET_NAME
 * @size: sizeof(struct liveupdate_session_get_name).
 * @reserved: must be zero.
 * @name: out: the session's name, NUL-terminated, as given to
 *	%LIVEUPDATE_IOCTL_CREATE_SESSION or %LIVEUPDATE_IOCTL_RETRIEVE_SESSION.
 *
 * On an outgoing or incoming session, finished or not.
 *
 * Errors: EINVAL (@reserved not zero).
 */
struct liveupdate_session_get_name {
	__u32 size;
	__u32 reserved;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_SESSION_GET_NAME \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_GET_NAME)

#endif /* _UAPI_LINUX_LIVEUPDATE_H */
