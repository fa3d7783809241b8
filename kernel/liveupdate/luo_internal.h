/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator: state shared by the files of LUO, and the
 * format LUO hands to the next kernel (an ABI between kernels; see
 * Documentation/core-api/liveupdate.rst).  Every field is little endian.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/bits.h>
#include <linux/liveupdate.h>
#include <linux/luo_abi.h>
#include <linux/mutex.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

/*
 * The handover format (array header, state, session and file records) is
 * in <linux/luo_abi.h>, shared with userspace tools; its sizes are LUO's.
 */
static_assert(LUO_ABI_NAME_LEN == LIVEUPDATE_SESSION_NAME_LENGTH);
static_assert(LUO_ABI_COMPAT_MAX == LIVEUPDATE_COMPAT_MAX);
static_assert(LUO_ABI_MAX_VERSIONS == LIVEUPDATE_MAX_VERSIONS);
static_assert(offsetof(struct luo_state_abi, release) == LUO_STATE_V1_SIZE);

struct file;

/*
 * Limits, module parameters liveupdate.max_sessions and
 * liveupdate.max_files (see Documentation/userspace-api/liveupdate.rst):
 * outgoing sessions, and files per session.  They bound what userspace
 * can create and what this kernel accepts from the previous one.
 */
extern unsigned int luo_max_sessions;
extern unsigned int luo_max_files;

/**
 * struct luo_file - one preserved file of a session
 * @list: in the session's @files.
 * @session: the session it belongs to.
 * @token: userspace's name for it.
 * @handler: its handler (with a module reference); in the next kernel,
 *	NULL until a handler reading one of its versions was found.
 * @args: the arguments handed to the handler, kept between calls.
 * @file: outgoing: the preserved file (LUO holds a reference).  Incoming:
 *	the retrieved file until finish (LUO holds a reference), or NULL.
 * @preserved: outgoing: the handler's preserve succeeded (set under
 *	luo_lock, for liveupdate_file_token()).
 * @frozen: outgoing: freeze succeeded for the kexec under way.
 * @retrieved: incoming: handed to userspace.
 * @reported: incoming: the missing reader was reported.
 * @taken: incoming: the handler's retrieve or finish runs or ran on it,
 *	so debugfs reads no more of its record (set under luo_lock).
 * @compatible: incoming: its handler's compatible.
 * @nr_versions: incoming: entries of @versions and @data.
 * @versions: incoming: the versions written by the previous kernel.
 * @data: incoming: the handler's value for each.
 */
struct luo_file {
	struct list_head list;
	struct luo_session *session;
	u64 token;
	struct liveupdate_file_handler *handler;
	struct liveupdate_file_op_args args;
	struct file *file;
	bool preserved;
	bool frozen;
	bool retrieved;
	bool reported;
	bool taken;
	char compatible[LIVEUPDATE_COMPAT_MAX];
	unsigned int nr_versions;
	u32 versions[LIVEUPDATE_MAX_VERSIONS];
	u64 data[LIVEUPDATE_MAX_VERSIONS];
};

/**
 * struct luo_session - a named group of preserved files
 * @list: in the outgoing or incoming session list (under luo_lock).
 * @hnode: in the name hash of that list (under luo_lock), see
 *	luo_session_find().
 * @lock: serialises the ioctls of the session, its handler calls, and the
 *	freeze of its files.  Taken before luo_lock, never inside it.
 * @name: NUL-terminated; never changes.
 * @incoming: received from the previous kernel.
 * @retrieved: incoming: handed to userspace.
 * @finished: incoming: finished.
 * @closed: outgoing: its fd was closed while a kexec was under way.
 * @files: its &struct luo_file, under @lock; an incoming session's list
 *	and its files' @retrieved and @file change under luo_lock too, for
 *	liveupdate_incoming_file().
 * @nr_files: number of @files.
 */
struct luo_session {
	struct list_head list;
	struct hlist_node hnode;
	struct mutex lock;	/* the session's ioctls and handler calls */
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	bool incoming;
	bool retrieved;
	bool finished;
	bool closed;
	struct list_head files;
	unsigned long nr_files;
};

/*
 * The global state, under luo_lock: both session lists and their counts,
 * whether a kexec froze the outgoing sessions, and the index of preserved
 * files.  luo_lock is held briefly, never across a handler call: each
 * session has its own lock for those, so that preserving a GiB-sized file
 * in one session does not stall the others.  While luo_frozen is set the
 * outgoing list does not change (no session is created or freed), so a
 * kexec walks it session lock by session lock without holding luo_lock.
 */
extern struct mutex luo_lock;
extern struct list_head luo_outgoing;
extern struct list_head luo_incoming;
extern unsigned long luo_nr_outgoing;
extern bool luo_frozen;

int luo_check_name(const u8 *name);
struct luo_session *luo_session_alloc(const char *name, bool incoming);
int luo_state_parse(const struct luo_state_abi *state);
/*
 * What luo_state_parse() read, for debugfs liveupdate/in/{state,arrays}:
 * the state (a version 1 state ends at LUO_STATE_V1_SIZE, the rest is
 * what the writer left in its page), valid when luo_in_state_read; the
 * headers of the session and file arrays, valid when luo_in_arrays_read.
 */
extern struct luo_state_abi luo_in_state;
extern bool luo_in_state_read;
extern struct luo_array_hdr luo_in_array_hdr[2];
extern bool luo_in_arrays_read;
struct luo_session *luo_session_find(bool incoming, const char *name);
void luo_session_hash(struct luo_session *session);
void luo_session_unhash(struct luo_session *session);
int luo_session_install(struct luo_session *session, struct file **filep);
void luo_session_uninstall(int fd, struct file *file);
void luo_session_free(struct luo_session *session);
int luo_session_freeze_all(void);
void luo_session_unfreeze_all(void);
void luo_session_reap_closed(struct list_head *reaped);
void luo_session_free_list(struct list_head *head);
void luo_incoming_session_done(void);
struct luo_file *luo_file_find_token(struct luo_session *session, u64 token);
int luo_copy_arg(void *dst, size_t ksize, size_t min, void __user *uarg);
int luo_copy_out(void __user *uarg, const void *src, size_t ksize);

/*
 * A fault point of the next kernel's accept (CONFIG_FAIL_LIVEUPDATE_ACCEPT):
 * true when the allocation that follows must fail.  Active only while
 * luo_init() reads the incoming state.
 */
#ifdef CONFIG_FAIL_LIVEUPDATE_ACCEPT
bool luo_accept_should_fail(void);
#else
static inline bool luo_accept_should_fail(void)
{
	return false;
}
#endif

int luo_records(bool incoming, struct luo_session_abi **sessions,
		u64 *nr_sessions, struct luo_file_abi **files, u64 *nr_files);
int luo_record_dump(bool incoming, void **buf, size_t *size);

struct liveupdate_file_handler *luo_handler_for_file(struct file *file);
struct liveupdate_file_handler *
luo_handler_for_object(const char *compat, const u32 *versions,
		       unsigned int nr, unsigned int *index);
int luo_handler_record_layout(const char *compat, size_t *size, u16 *arrays,
			      unsigned int *nr);

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
