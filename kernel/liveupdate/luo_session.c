// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator: sessions and their files.
 *
 * An outgoing session is created by userspace and lives as long as its
 * file descriptor: closing it unpreserves every file in it.  Its files
 * are frozen at kexec and serialized by luo_core.c.  An incoming session
 * comes from the previous kernel; userspace retrieves it once by name,
 * retrieves its files by token, and finishes it (explicitly or by closing
 * it).  When the last incoming session is finished, luo_core.c releases
 * what is left of the handover.
 *
 * Locking: each session has a mutex, held by its ioctls across the
 * handler calls they make, and by the freeze of its files at kexec, so a
 * session never changes under an ioctl, a freeze or a finish.  luo_lock
 * (the session lists, the frozen state, the index of preserved files) is
 * taken inside a session's lock, briefly, and never across a handler
 * call: a preserve that rescans a GiB-sized file holds only its own
 * session.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/physr.h>
#include <linux/physr_abi.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/stringhash.h>
#include <linux/xarray.h>

#include "kho_internal.h"
#include "luo_internal.h"

/* Files preserved by any outgoing session, to refuse a second preserve. */
static DEFINE_XARRAY(luo_preserved_files);

/*
 * The sessions of each list by name, under luo_lock: CREATE_SESSION
 * checks that a name is unused and RETRIEVE_SESSION looks one up, among
 * thousands of sessions (upstream's selftests create 2000), so not by
 * walking the list.  The lists keep their order, for the handover and
 * debugfs.
 */
static DEFINE_HASHTABLE(luo_out_names, 10);
static DEFINE_HASHTABLE(luo_in_names, 10);

static u32 luo_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

/* Add @session to the name hash of its list; under luo_lock. */
void luo_session_hash(struct luo_session *session)
{
	u32 key = luo_name_hash(session->name);

	if (session->incoming)
		hash_add(luo_in_names, &session->hnode, key);
	else
		hash_add(luo_out_names, &session->hnode, key);
}

/* Take @session off its name hash (if it is in one); under luo_lock. */
void luo_session_unhash(struct luo_session *session)
{
	hash_del(&session->hnode);
}

/* The incoming or outgoing session named @name, or NULL; under luo_lock. */
struct luo_session *luo_session_find(bool incoming, const char *name)
{
	u32 key = luo_name_hash(name);
	struct luo_session *session;

	if (incoming) {
		hash_for_each_possible(luo_in_names, session, hnode, key)
			if (!strcmp(session->name, name))
				return session;
	} else {
		hash_for_each_possible(luo_out_names, session, hnode, key)
			if (!strcmp(session->name, name))
				return session;
	}
	return NULL;
}

struct luo_file *luo_file_find_token(struct luo_session *session, u64 token)
{
	struct luo_file *lf;

	list_for_each_entry(lf, &session->files, list)
		if (lf->token == token)
			return lf;
	return NULL;
}

static void luo_file_drop_outgoing(struct luo_file *lf)
{
	/* Hidden from debugfs (records) before its memory goes. */
	mutex_lock(&luo_lock);
	lf->preserved = false;
	mutex_unlock(&luo_lock);
	lf->handler->ops->unpreserve(&lf->args);
	mutex_lock(&luo_lock);
	xa_erase(&luo_preserved_files, (unsigned long)lf->file);
	mutex_unlock(&luo_lock);
	fput(lf->file);
	module_put(lf->handler->owner);
	list_del(&lf->list);
	kfree(lf);
}

/* Tell once why an incoming object cannot be read. */
static void luo_report_unreadable(struct luo_session *session,
				  struct luo_file *lf)
{
	if (lf->reported)
		return;
	lf->reported = true;
	pr_warn("session %s token %llu (%s): no handler reads any written version (newest v%u), not restored; its memory is released at finish\n",
		session->name, lf->token, lf->compatible, lf->versions[0]);
}

/* Find the handler and version for an incoming file; false if none. */
static bool luo_file_resolve(struct luo_session *session, struct luo_file *lf)
{
	unsigned int idx;

	if (lf->handler)
		return true;
	lf->handler = luo_handler_for_object(lf->compatible, lf->versions,
					     lf->nr_versions, &idx);
	if (!lf->handler) {
		luo_report_unreadable(session, lf);
		return false;
	}
	memset(&lf->args, 0, sizeof(lf->args));
	lf->args.handler = lf->handler;
	lf->args.nr_versions = 1;
	lf->args.version[0] = lf->versions[idx];
	lf->args.data[0] = lf->data[idx];
	return true;
}

/* Finish one incoming file and free it.  Under the session's lock. */
static void luo_file_finish(struct luo_session *session, struct luo_file *lf)
{
	mutex_lock(&luo_lock);
	lf->taken = true;
	mutex_unlock(&luo_lock);
	if (luo_file_resolve(session, lf)) {
		lf->args.retrieved = lf->retrieved;
		lf->args.file = lf->file;
		if (lf->handler->ops->finish)
			lf->handler->ops->finish(&lf->args);
		module_put(lf->handler->owner);
	}
	mutex_lock(&luo_lock);
	list_del(&lf->list);
	mutex_unlock(&luo_lock);
	if (lf->file)
		fput(lf->file);
	kfree(lf);
}

/*
 * Free a session that is on no list any more: an outgoing one unpreserves
 * its files, an incoming one finishes them.
 */
void luo_session_free(struct luo_session *session)
{
	struct luo_file *lf, *tmp;

	mutex_lock(&session->lock);
	list_for_each_entry_safe(lf, tmp, &session->files, list) {
		if (session->incoming)
			luo_file_finish(session, lf);
		else
			luo_file_drop_outgoing(lf);
	}
	mutex_unlock(&session->lock);
	mutex_destroy(&session->lock);
	kfree(session);
}

/* Free every session of @head (taken off the global lists already). */
void luo_session_free_list(struct list_head *head)
{
	struct luo_session *session, *tmp;

	list_for_each_entry_safe(session, tmp, head, list) {
		list_del(&session->list);
		luo_session_free(session);
	}
}

/*
 * Finish an incoming session: under its lock.  It is marked finished
 * first, under luo_lock, so that liveupdate_incoming_file() stops
 * handing out its files while they are released.
 */
static void luo_session_finish(struct luo_session *session)
{
	struct luo_file *lf, *tmp;

	mutex_lock(&luo_lock);
	session->finished = true;
	mutex_unlock(&luo_lock);
	list_for_each_entry_safe(lf, tmp, &session->files, list)
		luo_file_finish(session, lf);
	session->nr_files = 0;
	mutex_lock(&luo_lock);
	luo_incoming_session_done();
	mutex_unlock(&luo_lock);
}

static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *session = file->private_data;

	if (!session)		/* luo_session_uninstall() */
		return 0;
	mutex_lock(&luo_lock);
	if (!session->incoming && luo_frozen) {
		/*
		 * The kexec under way hands this session over already: keep
		 * it as it is; liveupdate_kexec_abort() frees it if the kexec
		 * fails after all.
		 */
		session->closed = true;
		mutex_unlock(&luo_lock);
		return 0;
	}
	/* Off the lists: nobody finds the session any more. */
	list_del(&session->list);
	luo_session_unhash(session);
	if (!session->incoming)
		luo_nr_outgoing--;
	mutex_unlock(&luo_lock);
	if (session->incoming && !session->finished) {
		mutex_lock(&session->lock);
		luo_session_finish(session);
		mutex_unlock(&session->lock);
	}
	luo_session_free(session);
	return 0;
}

/*
 * After a failed kexec: move the sessions closed while it was under way to
 * @reaped, for luo_session_free_list() once luo_lock is dropped.  Under
 * luo_lock.
 */
void luo_session_reap_closed(struct list_head *reaped)
{
	struct luo_session *session, *tmp;

	list_for_each_entry_safe(session, tmp, &luo_outgoing, list) {
		if (!session->closed)
			continue;
		list_move_tail(&session->list, reaped);
		luo_session_unhash(session);
		luo_nr_outgoing--;
	}
}

/*
 * Copy an extensible ioctl struct in: @usize is the caller's size, @min
 * the first version's.  Returns 0, -EINVAL (too small), -E2BIG (unknown
 * non-zero bytes) or -EFAULT.
 */
int luo_copy_arg(void *dst, size_t ksize, size_t min, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < min)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, uarg, usize);
}

/* Copy the struct back, up to the smaller of both sizes. */
int luo_copy_out(void __user *uarg, const void *src, size_t ksize)
{
	u32 usize = *(const u32 *)src;

	return copy_to_user(uarg, src, min_t(size_t, usize, ksize)) ?
	       -EFAULT : 0;
}

static int luo_preserve_fd(struct luo_session *session, void __user *uarg)
{
	struct liveupdate_session_preserve_fd arg;
	struct liveupdate_file_handler *h;
	struct luo_file *lf;
	struct file *file;
	unsigned int i;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg), offsetofend(typeof(arg), token),
			   uarg);
	if (ret)
		return ret;
	file = fget(arg.fd);
	if (!file)
		return -EBADF;

	mutex_lock(&session->lock);
	ret = -EINVAL;
	if (session->incoming)
		goto out;
	ret = -ENOENT;
	h = luo_handler_for_file(file);
	if (!h)
		goto out;
	ret = -ENOMEM;
	lf = kzalloc(sizeof(*lf), GFP_KERNEL);
	if (!lf)
		goto out_put;
	lf->session = session;
	lf->token = arg.token;
	lf->handler = h;
	lf->file = file;

	/*
	 * A kexec sets luo_frozen before it takes this session's lock to
	 * freeze it: seen clear here, the file is frozen with the others.
	 */
	mutex_lock(&luo_lock);
	ret = -EBUSY;
	if (luo_frozen || xa_load(&luo_preserved_files, (unsigned long)file))
		goto out_unlock;
	ret = -EEXIST;
	if (luo_file_find_token(session, arg.token))
		goto out_unlock;
	ret = -ENOSPC;
	if (session->nr_files >= READ_ONCE(luo_max_files))
		goto out_unlock;
	/* Taken now, so that a preserve of the same file elsewhere is EBUSY. */
	ret = xa_insert(&luo_preserved_files, (unsigned long)file, lf,
			GFP_KERNEL);
	mutex_unlock(&luo_lock);
	if (ret)
		goto out_free;

	lf->args.handler = h;
	lf->args.file = file;
	lf->args.nr_versions = h->nr_write_versions;
	for (i = 0; i < h->nr_write_versions; i++)
		lf->args.version[i] = h->write_versions[i];
	ret = h->ops->preserve(&lf->args);
	mutex_lock(&luo_lock);
	if (ret) {
		xa_erase(&luo_preserved_files, (unsigned long)file);
		goto out_unlock;
	}
	lf->preserved = true;
	list_add_tail(&lf->list, &session->files);
	session->nr_files++;
	mutex_unlock(&luo_lock);
	mutex_unlock(&session->lock);
	/* The session keeps the reference taken by fget(). */
	return 0;

out_unlock:
	mutex_unlock(&luo_lock);
out_free:
	kfree(lf);
out_put:
	module_put(h->owner);
out:
	mutex_unlock(&session->lock);
	fput(file);
	return ret;
}

static int luo_retrieve_fd(struct luo_session *session, void __user *uarg)
{
	struct liveupdate_session_retrieve_fd arg;
	struct luo_file *lf;
	int ret, fd;

	ret = luo_copy_arg(&arg, sizeof(arg), offsetofend(typeof(arg), token),
			   uarg);
	if (ret)
		return ret;

	mutex_lock(&session->lock);
	ret = -EINVAL;
	if (!session->incoming || session->finished)
		goto out;
	lf = luo_file_find_token(session, arg.token);
	ret = -ENOENT;
	if (!lf || lf->retrieved)
		goto out;
	ret = -EOPNOTSUPP;
	if (!luo_file_resolve(session, lf))
		goto out;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	lf->args.file = NULL;
	mutex_lock(&luo_lock);
	lf->taken = true;
	mutex_unlock(&luo_lock);
	ret = lf->handler->ops->retrieve(&lf->args);
	if (!ret && WARN_ON(!lf->args.file))
		ret = -EIO;
	if (ret) {
		/* Nothing of it was restored: its record can be read again. */
		mutex_lock(&luo_lock);
		lf->taken = false;
		mutex_unlock(&luo_lock);
		put_unused_fd(fd);
		goto out;
	}
	arg.fd = fd;
	ret = luo_copy_out(uarg, &arg, sizeof(arg));
	if (ret) {
		/*
		 * The object is restored and cannot go back: keep it for
		 * finish, which then releases it like any retrieved file.
		 */
		put_unused_fd(fd);
		mutex_lock(&luo_lock);
		lf->file = lf->args.file;
		lf->retrieved = true;
		mutex_unlock(&luo_lock);
		goto out;
	}
	mutex_lock(&luo_lock);
	lf->file = get_file(lf->args.file);
	lf->retrieved = true;
	mutex_unlock(&luo_lock);
	fd_install(fd, lf->args.file);
out:
	mutex_unlock(&session->lock);
	return ret;
}

static int luo_finish_ioctl(struct luo_session *session, void __user *uarg)
{
	struct liveupdate_session_finish arg;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg),
			   offsetofend(typeof(arg), reserved), uarg);
	if (ret)
		return ret;
	if (arg.reserved)
		return -EINVAL;
	mutex_lock(&session->lock);
	if (!session->incoming || session->finished)
		ret = -EINVAL;
	else
		luo_session_finish(session);
	mutex_unlock(&session->lock);
	return ret;
}

/* The name never changes: no lock needed. */
static int luo_get_name(struct luo_session *session, void __user *uarg)
{
	struct liveupdate_session_get_name arg;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg), offsetofend(typeof(arg), name),
			   uarg);
	if (ret)
		return ret;
	if (arg.reserved)
		return -EINVAL;
	static_assert(sizeof(arg.name) == sizeof(session->name));
	memcpy(arg.name, session->name, sizeof(arg.name));
	return luo_copy_out(uarg, &arg, sizeof(arg));
}

static long luo_session_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct luo_session *session = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case LIVEUPDATE_SESSION_PRESERVE_FD:
		return luo_preserve_fd(session, uarg);
	case LIVEUPDATE_SESSION_RETRIEVE_FD:
		return luo_retrieve_fd(session, uarg);
	case LIVEUPDATE_SESSION_FINISH:
		return luo_finish_ioctl(session, uarg);
	case LIVEUPDATE_SESSION_GET_NAME:
		return luo_get_name(session, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations luo_session_fops = {
	.owner = THIS_MODULE,
	.release = luo_session_release,
	.unlocked_ioctl = luo_session_ioctl,
};

/*
 * Open a file for @session, which must already be on its list, and reserve
 * an fd for it.  The caller tells userspace the fd number, then either
 * publishes the file with fd_install() or, when that fails, drops both with
 * luo_session_uninstall().  Returns the fd or a negative error.
 */
int luo_session_install(struct luo_session *session, struct file **filep)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile("[liveupdate_session]", &luo_session_fops,
				  session, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	*filep = file;
	return fd;
}

/*
 * Undo luo_session_install() before fd_install(): the file is detached from
 * its session first, so its release leaves the session as it is.
 */
void luo_session_uninstall(int fd, struct file *file)
{
	file->private_data = NULL;
	put_unused_fd(fd);
	fput(file);
}

/* Unfreeze the files of @session frozen before @stop; true if met. */
static bool luo_unfreeze_session(struct luo_session *session,
				 struct luo_file *stop)
{
	struct luo_file *lf;
	bool met = false;

	mutex_lock(&session->lock);
	list_for_each_entry(lf, &session->files, list) {
		if (lf == stop) {
			met = true;
			break;
		}
		if (!lf->frozen)
			continue;
		if (lf->handler->ops->unfreeze)
			lf->handler->ops->unfreeze(&lf->args);
		lf->frozen = false;
	}
	mutex_unlock(&session->lock);
	return met;
}

static void luo_unfreeze_upto(struct luo_file *stop)
{
	struct luo_session *session;

	list_for_each_entry(session, &luo_outgoing, list)
		if (luo_unfreeze_session(session, stop))
			return;
}

/*
 * Freeze every outgoing file, session by session under each session's
 * lock.  If one fails, unfreeze those frozen so far and return its error.
 * Called with luo_frozen set and luo_lock not held: the outgoing list
 * does not change meanwhile.
 */
int luo_session_freeze_all(void)
{
	struct luo_session *session;
	struct luo_file *lf;
	int ret;

	list_for_each_entry(session, &luo_outgoing, list) {
		mutex_lock(&session->lock);
		list_for_each_entry(lf, &session->files, list) {
			if (lf->handler->ops->freeze) {
				ret = lf->handler->ops->freeze(&lf->args);
				if (ret) {
					pr_warn("session %s token %llu (%s): freeze failed (%d), kexec refused\n",
						session->name, lf->token,
						lf->handler->compatible, ret);
					mutex_unlock(&session->lock);
					luo_unfreeze_upto(lf);
					return ret;
				}
			}
			lf->frozen = true;
		}
		mutex_unlock(&session->lock);
	}
	return 0;
}

/* Undo luo_session_freeze_all() after a refused kexec. */
void luo_session_unfreeze_all(void)
{
	luo_unfreeze_upto(NULL);
}

/**
 * liveupdate_file_token() - which outgoing session preserves a file
 * @file: any file.
 * @session: set to the session's name (%LIVEUPDATE_SESSION_NAME_LENGTH
 *	bytes, NUL terminated) when found.
 * @token: set to the file's token in that session when found.
 *
 * For a handler whose object refers to other preserved files (an iommufd
 * mapping memfds): it records them by session and token, and the next
 * kernel finds them with liveupdate_incoming_file().
 *
 * Context: process context, may sleep; from an op of a file handler in
 * the outgoing kernel (preserve, freeze), which LUO calls with the lock of
 * the calling session held.  Takes luo_lock.
 * Return: 0 when found, -ENOENT when no outgoing session preserves @file
 * (a preserve of it still under way does not count).
 */
int liveupdate_file_token(struct file *file, char *session, u64 *token)
{
	struct luo_file *lf;
	int ret = -ENOENT;

	mutex_lock(&luo_lock);
	lf = xa_load(&luo_preserved_files, (unsigned long)file);
	if (lf && lf->preserved) {
		strscpy(session, lf->session->name,
			LIVEUPDATE_SESSION_NAME_LENGTH);
		*token = lf->token;
		ret = 0;
	}
	mutex_unlock(&luo_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(liveupdate_file_token);

/**
 * liveupdate_incoming_file() - a file userspace already retrieved
 * @session: name of an incoming session.
 * @token: token of a file in it.
 *
 * The counterpart of liveupdate_file_token() in the next kernel.
 *
 * Context: process context, may sleep; from the retrieve op of a file
 * handler, which LUO calls with the lock of the calling session held.
 * Takes luo_lock.
 * Return: the retrieved file with a new reference, ERR_PTR(-ENOENT) when
 * the session (unfinished) or the file does not exist, ERR_PTR(-EAGAIN)
 * when the file exists but was not retrieved yet.
 */
struct file *liveupdate_incoming_file(const char *session, u64 token)
{
	struct file *file = ERR_PTR(-ENOENT);
	struct luo_session *s;
	struct luo_file *lf;

	mutex_lock(&luo_lock);
	s = luo_session_find(true, session);
	if (!s || s->finished)
		goto out;
	lf = luo_file_find_token(s, token);
	if (!lf)
		goto out;
	if (!lf->retrieved || !lf->file)
		file = ERR_PTR(-EAGAIN);
	else
		file = get_file(lf->file);
out:
	mutex_unlock(&luo_lock);
	return file;
}
EXPORT_SYMBOL_GPL(liveupdate_incoming_file);

/* One file record, as luo_serialize() writes it. */
static void luo_file_record(struct luo_file_abi *fa, const char *compat,
			    u64 token, unsigned int nr, const u32 *versions,
			    const u64 *data)
{
	unsigned int i;

	strscpy(fa->compatible, compat, sizeof(fa->compatible));
	fa->token = cpu_to_le64(token);
	fa->nr_versions = cpu_to_le32(nr);
	for (i = 0; i < nr && i < LIVEUPDATE_MAX_VERSIONS; i++) {
		fa->version[i] = cpu_to_le32(versions[i]);
		fa->data[i] = cpu_to_le64(data[i]);
	}
}

static bool luo_shown(const struct luo_session *session, bool incoming)
{
	return !incoming || !session->finished;
}

/**
 * luo_records() - the session and file records of a session list
 * @incoming: the incoming sessions not finished yet; else the outgoing ones.
 * @sessions: receives a kvmalloc()ed array of &struct luo_session_abi.
 * @nr_sessions: receives its number of entries.
 * @files: receives a kvmalloc()ed array of &struct luo_file_abi, grouped
 *	by session as @sessions says.
 * @nr_files: receives its number of entries.
 *
 * The records in the format of the handover: what the previous kernel
 * handed over, or what a kexec would hand over now (the handlers' data as
 * it is before the freeze; an outgoing session's files in no particular
 * order).  For debugfs (liveupdate/in and liveupdate/out), which
 * tools/liveupdate/lu-inspect reads.  An outgoing file is read through the
 * index of preserved files, whose entries are removed under luo_lock
 * before a file is freed; an incoming session's files only change once it
 * is marked finished, under luo_lock.
 *
 * Context: process context, may sleep; takes luo_lock.
 * Return: 0, or -ENOMEM (nothing allocated then).
 */
int luo_records(bool incoming, struct luo_session_abi **sessions,
		u64 *nr_sessions, struct luo_file_abi **files, u64 *nr_files)
{
	struct list_head *head = incoming ? &luo_incoming : &luo_outgoing;
	struct luo_session_abi *sa = NULL;
	struct luo_file_abi *fa = NULL;
	struct luo_session *session;
	u64 ns = 0, nf = 0, s = 0, f = 0, first;
	struct luo_file *lf;
	unsigned long idx;

	mutex_lock(&luo_lock);
	list_for_each_entry(session, head, list) {
		if (!luo_shown(session, incoming))
			continue;
		ns++;
		if (incoming)
			nf += list_count_nodes(&session->files);
	}
	if (!incoming)
		xa_for_each(&luo_preserved_files, idx, lf)
			nf += lf->preserved;
	sa = kvcalloc(max_t(u64, ns, 1), sizeof(*sa), GFP_KERNEL);
	fa = kvcalloc(max_t(u64, nf, 1), sizeof(*fa), GFP_KERNEL);
	if (!sa || !fa) {
		mutex_unlock(&luo_lock);
		kvfree(sa);
		kvfree(fa);
		return -ENOMEM;
	}
	list_for_each_entry(session, head, list) {
		if (!luo_shown(session, incoming))
			continue;
		first = f;
		memcpy(sa[s].name, session->name, sizeof(sa[s].name));
		if (incoming) {
			list_for_each_entry(lf, &session->files, list)
				luo_file_record(&fa[f++], lf->compatible,
						lf->token, lf->nr_versions,
						lf->versions, lf->data);
		} else {
			xa_for_each(&luo_preserved_files, idx, lf) {
				if (lf->session != session || !lf->preserved)
					continue;
				luo_file_record(&fa[f++],
						lf->handler->compatible,
						lf->token, lf->args.nr_versions,
						lf->args.version, lf->args.data);
			}
		}
		sa[s].first_file = cpu_to_le64(first);
		sa[s].nr_files = cpu_to_le64(f - first);
		s++;
	}
	mutex_unlock(&luo_lock);
	*sessions = sa;
	*nr_sessions = ns;
	*files = fa;
	*nr_files = nf;
	return 0;
}

/*
 * debugfs records: the handlers' records of the files luo_records() lists,
 * and the preserved arrays they name, copied page by page into one buffer
 * of struct luo_dbg_record headers and bytes.  An outgoing record is read
 * while its file is preserved (luo_lock keeps it so: a file is marked
 * unpreserved under luo_lock before its handler frees anything); an
 * incoming one while it is preserved memory not taken yet, every page
 * checked with KHO first, as the handler's retrieve would.
 */
#define LUO_DUMP_MAX	(64UL << 20)

struct luo_dump {
	void *buf;
	size_t size;
	size_t cap;
	int err;
	bool incoming;
	u64 file;
	u64 token;
	u32 version;
};

static void luo_dump_put(struct luo_dump *d, u32 kind, u64 phys,
			 const void *src, size_t len)
{
	struct luo_dbg_record rec = {
		.file = cpu_to_le64(d->file),
		.token = cpu_to_le64(d->token),
		.version = cpu_to_le32(d->version),
		.kind = cpu_to_le32(kind),
		.phys = cpu_to_le64(phys),
		.len = cpu_to_le64(len),
	};
	size_t need = d->size + sizeof(rec) + len;

	if (d->err)
		return;
	if (need > LUO_DUMP_MAX) {
		d->err = -E2BIG;
		return;
	}
	if (need > d->cap) {
		size_t cap = max3(need, 2 * d->cap, (size_t)PAGE_SIZE);
		void *nb = kvmalloc(cap, GFP_KERNEL);

		if (!nb) {
			d->err = -ENOMEM;
			return;
		}
		if (d->size)
			memcpy(nb, d->buf, d->size);
		kvfree(d->buf);
		d->buf = nb;
		d->cap = cap;
	}
	memcpy(d->buf + d->size, &rec, sizeof(rec));
	memcpy(d->buf + d->size + sizeof(rec), src, len);
	d->size = need;
}

/* A page of the record that can be read: this kernel's, or still waiting. */
static bool luo_dump_page_ok(phys_addr_t phys, bool incoming)
{
	if (!PAGE_ALIGNED(phys) || !pfn_valid(PHYS_PFN(phys)))
		return false;
	return !incoming || kho_pages_waiting(phys, 1);
}

static bool luo_dump_chunk_ok(phys_addr_t phys, size_t size, void *arg)
{
	return size == PAGE_SIZE && luo_dump_page_ok(phys, *(bool *)arg);
}

/*
 * A preserved array: header page, physr chunk pages, element pages (none
 * when a chunk is packed, which no array's page list may be).
 */
static void luo_dump_array(struct luo_dump *d, u64 handle)
{
	const struct luo_array_hdr *hdr;
	const struct physr_chunk *chunk;
	struct physr_walk_info info;
	phys_addr_t phys;
	unsigned long pages = 0;
	u64 first, p;
	u32 i;

	if (!handle || !luo_dump_page_ok(handle, d->incoming))
		return;
	hdr = phys_to_virt(handle);
	luo_dump_put(d, LUO_DBG_ARRAY, handle, hdr, PAGE_SIZE);
	first = le64_to_cpu(hdr->pages);
	if (!first ||
	    physr_validate_chain(first, LUO_ARRAY_MAX_PAGES, luo_dump_chunk_ok,
				 &d->incoming, &info) ||
	    info.kind != PHYSR_RAM)
		return;
	if (info.nr_packed)
		pr_warn_ratelimited("preserved array %#llx: %lu of its page list's chunks are packed (physr chunk version 2), an array's are version 1 only: its elements are not dumped\n",
				    handle, info.nr_packed);
	for (phys = first; phys && !d->err; phys = le64_to_cpu(chunk->hdr.next)) {
		chunk = phys_to_virt(phys);
		luo_dump_put(d, LUO_DBG_CHUNK, phys, chunk, PAGE_SIZE);
		/*
		 * An array's page list is version 1 only and its entries are
		 * read in place: with a packed chunk (which
		 * luo_array_restore() refuses) the chunks are dumped, for a
		 * reader to say so, and no element page.
		 */
		if (info.nr_packed)
			continue;
		for (i = 0; i < le32_to_cpu(chunk->hdr.count) && !d->err; i++) {
			u64 start = le64_to_cpu(chunk->ranges[i].phys);
			u64 len = le64_to_cpu(chunk->ranges[i].len);

			if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(len))
				return;
			for (p = 0; p < len && !d->err; p += PAGE_SIZE) {
				if (++pages > LUO_ARRAY_MAX_PAGES ||
				    !luo_dump_page_ok(start + p, d->incoming))
					return;
				luo_dump_put(d, LUO_DBG_ELEMS, start + p,
					     phys_to_virt(start + p), PAGE_SIZE);
			}
			cond_resched();
		}
	}
}

static void luo_dump_file(struct luo_dump *d, const char *compat,
			  unsigned int nr, const u64 *data)
{
	u16 arrays[LIVEUPDATE_MAX_VERSIONS];
	unsigned int na, a;
	const void *rec;
	size_t size;

	if (luo_handler_record_layout(compat, &size, arrays, &na))
		return;
	for (d->version = 0; d->version < nr; d->version++) {
		u64 phys = data[d->version];

		if (offset_in_page(phys) + size > PAGE_SIZE ||
		    !luo_dump_page_ok(PAGE_ALIGN_DOWN(phys), d->incoming))
			continue;
		rec = phys_to_virt(phys);
		luo_dump_put(d, LUO_DBG_RECORD, phys, rec, size);
		for (a = 0; a < na; a++)
			luo_dump_array(d, get_unaligned_le64(rec + arrays[a]));
	}
}

/**
 * luo_record_dump() - the handlers' records of a session list, for debugfs
 * @incoming: the incoming sessions not finished yet; else the outgoing ones.
 * @buf: receives a kvmalloc()ed buffer of &struct luo_dbg_record entries,
 *	each followed by its bytes (NULL when there are none).
 * @size: receives its size.
 *
 * The files in the order of luo_records(); a handler that declares no
 * record (&liveupdate_file_handler.record_size) contributes nothing, an
 * incoming file being or already retrieved or finished a %LUO_DBG_GONE
 * entry.  Outgoing records are the ones preserve wrote; a freeze may
 * rewrite them, so while a kexec is under way there is no answer.
 *
 * Context: process context, may sleep; takes luo_lock.
 * Return: 0, -EBUSY while the outgoing sessions are frozen, -E2BIG past
 * 64 MiB, or -ENOMEM (nothing allocated then).
 */
int luo_record_dump(bool incoming, void **buf, size_t *size)
{
	struct list_head *head = incoming ? &luo_incoming : &luo_outgoing;
	struct luo_dump d = { .incoming = incoming };
	struct luo_session *session;
	struct luo_file *lf;
	unsigned long idx;

	mutex_lock(&luo_lock);
	if (!incoming && luo_frozen) {
		mutex_unlock(&luo_lock);
		return -EBUSY;
	}
	list_for_each_entry(session, head, list) {
		if (!luo_shown(session, incoming))
			continue;
		if (incoming) {
			list_for_each_entry(lf, &session->files, list) {
				d.token = lf->token;
				d.version = 0;
				if (lf->retrieved || lf->taken)
					luo_dump_put(&d, LUO_DBG_GONE, 0, NULL, 0);
				else
					luo_dump_file(&d, lf->compatible,
						      lf->nr_versions, lf->data);
				d.file++;
			}
			continue;
		}
		xa_for_each(&luo_preserved_files, idx, lf) {
			if (lf->session != session || !lf->preserved)
				continue;
			d.token = lf->token;
			luo_dump_file(&d, lf->handler->compatible,
				      lf->args.nr_versions, lf->args.data);
			d.file++;
		}
	}
	mutex_unlock(&luo_lock);
	if (d.err) {
		kvfree(d.buf);
		return d.err;
	}
	*buf = d.buf;
	*size = d.size;
	return 0;
}
