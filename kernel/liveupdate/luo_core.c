// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator: /dev/liveupdate and the handover of LUO's own
 * state.
 *
 * At kexec (liveupdate_kexec_prepare(), called by kernel_kexec() before
 * Kexec HandOver writes its lists) every outgoing file is frozen, then the
 * sessions and files are written into two preserved arrays (luo_array)
 * whose handles sit in one preserved page, added to the handover as the
 * KHO sub-blob LUO_KHO_NAME with compatible LUO_KHO_COMPATIBLE.  If any
 * step fails, or KHO then fails, everything is undone and the kexec is
 * refused with the error.
 *
 * The next kernel reads that state at boot (luo_read_incoming(), with the
 * checks of luo_parse.c), checks all of it, and keeps the sessions until
 * userspace retrieves and finishes them.  Once the last incoming session
 * is finished, LUO calls kho_finish(), which frees every preserved page
 * nobody restored and the handover's metadata.  Incoming sessions that
 * are never retrieved keep their memory reserved; retrieving and closing
 * them releases it.  A malformed state is rejected whole; a state that
 * could not be read for want of memory is kept whole instead, and read
 * again when /dev/liveupdate is next opened.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "kho_internal.h"
#include "luo_internal.h"

#include <trace/events/liveupdate.h>

/*
 * The session lists, the frozen state and the index of preserved files;
 * never held across a handler call (each session has its own lock).
 */
DEFINE_MUTEX(luo_lock);
LIST_HEAD(luo_outgoing);
LIST_HEAD(luo_incoming);
unsigned long luo_nr_outgoing;
bool luo_frozen;

/* Incoming sessions not finished yet; KHO finishes when it drops to 0. */
static unsigned long luo_nr_incoming_pending;
/* LUO state was received from the previous kernel (finish is ours). */
static bool luo_had_incoming;
/*
 * Its state page while reading it ran out of memory: the handover is kept
 * whole and the accept is retried at the next open of /dev/liveupdate.
 */
static struct folio *luo_accept_pending;
static int luo_accept(bool retry);
static void luo_debugfs_in_arrays(void);

/* The outgoing state written by the kexec under way. */
static struct {
	struct luo_state_abi *state;
	struct luo_array sessions;
	struct luo_array files;
} luo_out;

static atomic_t luo_dev_busy = ATOMIC_INIT(0);

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "liveupdate."

/*
 * The limits bound kernel memory, not what a live update needs: an
 * outgoing session costs about 200 bytes here and 80 in the handover, a
 * file about 300 bytes and 232 in the handover (plus its handler's own
 * record).  The defaults hold upstream's selftests (2000 sessions, 500
 * files in a session) many times over.
 */
unsigned int luo_max_sessions = 65536;
module_param_named(max_sessions, luo_max_sessions, uint, 0644);
MODULE_PARM_DESC(max_sessions,
		 "Most outgoing sessions, and most incoming ones accepted");

unsigned int luo_max_files = 65536;
module_param_named(max_files, luo_max_files, uint, 0644);
MODULE_PARM_DESC(max_files,
		 "Most files in a session, outgoing or incoming");

#ifdef CONFIG_FAIL_LIVEUPDATE_ACCEPT
/*
 * fail_luo_accept=: the allocations of luo_read_incoming() run at boot,
 * where no fail-nth of a test task reaches; this attribute fails them,
 * and only them (luo_accepting).
 */
static DECLARE_FAULT_ATTR(fail_luo_accept);
static bool luo_accepting;

static int __init fail_luo_accept_setup(char *str)
{
	return setup_fault_attr(&fail_luo_accept, str);
}
__setup("fail_luo_accept=", fail_luo_accept_setup);

bool luo_accept_should_fail(void)
{
	return READ_ONCE(luo_accepting) && should_fail(&fail_luo_accept, 1);
}

static void __init luo_accept_faults(bool on)
{
	WRITE_ONCE(luo_accepting, on);
	if (!on)
		fault_create_debugfs_attr("fail_luo_accept", NULL,
					  &fail_luo_accept);
}
#else
static inline void luo_accept_faults(bool on)
{
}
#endif

/*
 * Opening needs KHO enabled in this kernel (to create sessions) or a live
 * update state received from the previous one (to retrieve sessions): a
 * kernel booted without "kho=on" still hands back what it received.
 */
static int luo_dev_open(struct inode *inode, struct file *file)
{
	int ret = 0;

	/* Sessions keep memory and devices across kexec: an admin's tool. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!kho_is_enabled() && !luo_had_incoming)
		return -EOPNOTSUPP;
	if (atomic_cmpxchg(&luo_dev_busy, 0, 1))
		return -EBUSY;
	mutex_lock(&luo_lock);
	if (luo_accept_pending)
		ret = luo_accept(true);
	mutex_unlock(&luo_lock);
	if (ret)
		atomic_set(&luo_dev_busy, 0);
	return ret;
}

static int luo_dev_release(struct inode *inode, struct file *file)
{
	atomic_set(&luo_dev_busy, 0);
	return 0;
}

static int luo_create_session(void __user *uarg)
{
	struct liveupdate_ioctl_create_session arg;
	struct luo_session *session = NULL;
	struct file *file;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg), offsetofend(typeof(arg), name),
			   uarg);
	if (ret)
		return ret;
	ret = luo_check_name(arg.name);
	if (ret)
		return ret;

	mutex_lock(&luo_lock);
	ret = -EOPNOTSUPP;
	if (!kho_is_enabled())
		goto out;
	ret = -EBUSY;
	if (luo_frozen)
		goto out;
	ret = -EEXIST;
	if (luo_session_find(false, arg.name))
		goto out;
	ret = -ENOSPC;
	if (luo_nr_outgoing >= READ_ONCE(luo_max_sessions))
		goto out;
	ret = -ENOMEM;
	session = luo_session_alloc(arg.name, false);
	if (!session)
		goto out;
	list_add_tail(&session->list, &luo_outgoing);
	luo_session_hash(session);
	luo_nr_outgoing++;
	ret = luo_session_install(session, &file);
	if (ret < 0)
		goto out_free;
	arg.fd = ret;
	ret = luo_copy_out(uarg, &arg, sizeof(arg));
	if (!ret) {
		fd_install(arg.fd, file);
		goto out;
	}
	/* Userspace cannot learn the fd: as if the session never was. */
	luo_session_uninstall(arg.fd, file);

out_free:
	list_del(&session->list);
	luo_session_unhash(session);
	luo_nr_outgoing--;
	mutex_unlock(&luo_lock);
	/* No file in it: freed outside luo_lock, which comes after its lock. */
	luo_session_free(session);
	return ret;
out:
	mutex_unlock(&luo_lock);
	return ret;
}

static int luo_retrieve_session(void __user *uarg)
{
	struct liveupdate_ioctl_retrieve_session arg;
	struct luo_session *session;
	struct file *file;
	int ret;

	ret = luo_copy_arg(&arg, sizeof(arg), offsetofend(typeof(arg), name),
			   uarg);
	if (ret)
		return ret;
	ret = luo_check_name(arg.name);
	if (ret)
		return ret;

	mutex_lock(&luo_lock);
	session = luo_session_find(true, arg.name);
	ret = -ENOENT;
	if (!session || session->retrieved)
		goto out;
	ret = luo_session_install(session, &file);
	if (ret < 0)
		goto out;
	arg.fd = ret;
	ret = luo_copy_out(uarg, &arg, sizeof(arg));
	if (ret) {
		/* Not retrieved: a later RETRIEVE_SESSION may try again. */
		luo_session_uninstall(arg.fd, file);
		goto out;
	}
	session->retrieved = true;
	fd_install(arg.fd, file);
out:
	mutex_unlock(&luo_lock);
	return ret;
}

static long luo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case LIVEUPDATE_IOCTL_CREATE_SESSION:
		return luo_create_session(uarg);
	case LIVEUPDATE_IOCTL_RETRIEVE_SESSION:
		return luo_retrieve_session(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations luo_dev_fops = {
	.owner = THIS_MODULE,
	.open = luo_dev_open,
	.release = luo_dev_release,
	.unlocked_ioctl = luo_dev_ioctl,
};

static struct miscdevice luo_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate",
	.fops = &luo_dev_fops,
};

static void luo_out_free(void)
{
	if (luo_out.state) {
		kho_remove_subtree(LUO_KHO_NAME);
		kho_unpreserve_folio(virt_to_folio(luo_out.state));
		free_page((unsigned long)luo_out.state);
		luo_out.state = NULL;
	}
	luo_array_free(&luo_out.files);
	luo_array_free(&luo_out.sessions);
}

/* Write the sessions and files into preserved memory.  Under luo_lock. */
static int luo_serialize(void)
{
	struct luo_state_abi *state;
	struct luo_session *session;
	u64 nr_files = 0, s = 0, f = 0;
	struct luo_file *lf;
	unsigned int i;
	int ret;

	list_for_each_entry(session, &luo_outgoing, list)
		nr_files += session->nr_files;
	ret = luo_array_alloc(&luo_out.sessions,
			      sizeof(struct luo_session_abi), luo_nr_outgoing);
	if (ret)
		return ret;
	ret = luo_array_alloc(&luo_out.files, sizeof(struct luo_file_abi),
			      nr_files);
	if (ret)
		goto err;

	list_for_each_entry(session, &luo_outgoing, list) {
		struct luo_session_abi *sa = luo_array_elem(&luo_out.sessions,
							    s++);

		memcpy(sa->name, session->name, sizeof(sa->name));
		sa->first_file = cpu_to_le64(f);
		sa->nr_files = cpu_to_le64(session->nr_files);
		list_for_each_entry(lf, &session->files, list) {
			struct luo_file_abi *fa = luo_array_elem(&luo_out.files,
								 f++);

			strscpy(fa->compatible, lf->handler->compatible,
				sizeof(fa->compatible));
			fa->token = cpu_to_le64(lf->token);
			fa->nr_versions = cpu_to_le32(lf->args.nr_versions);
			for (i = 0; i < lf->args.nr_versions; i++) {
				fa->version[i] = cpu_to_le32(lf->args.version[i]);
				fa->data[i] = cpu_to_le64(lf->args.data[i]);
			}
		}
	}

	ret = -ENOMEM;
	state = (void *)get_zeroed_page(GFP_KERNEL);
	if (!state)
		goto err;
	state->magic = cpu_to_le32(LUO_STATE_MAGIC);
	state->version = cpu_to_le32(kho_write_version(LUO_STATE_VERSION));
	/* Version 1 ends before the release: the rest of the page is 0. */
	if (le32_to_cpu(state->version) >= 2)
		strscpy(state->release, init_utsname()->release,
			sizeof(state->release));
	state->nr_sessions = cpu_to_le64(luo_nr_outgoing);
	state->sessions = cpu_to_le64(luo_array_handle(&luo_out.sessions));
	state->nr_files = cpu_to_le64(nr_files);
	state->files = cpu_to_le64(luo_array_handle(&luo_out.files));
	ret = kho_preserve_folio(virt_to_folio(state));
	if (ret) {
		free_page((unsigned long)state);
		goto err;
	}
	ret = kho_add_subtree(LUO_KHO_NAME, LUO_KHO_COMPATIBLE,
			      virt_to_phys(state), PAGE_SIZE);
	if (ret) {
		kho_unpreserve_folio(virt_to_folio(state));
		free_page((unsigned long)state);
		goto err;
	}
	luo_out.state = state;
	return 0;
err:
	luo_out_free();
	return ret;
}

/**
 * liveupdate_kexec_prepare() - freeze and hand over the outgoing sessions
 *
 * Called by kernel_kexec() before kho_kexec_prepare().  Freezes every
 * preserved file and writes LUO's state into the handover.  With no
 * outgoing session there is nothing to do.  From a successful return
 * until liveupdate_kexec_abort(), sessions cannot change (-EBUSY).
 *
 * Context: process context, may sleep; takes luo_lock.
 * Return: 0; -EOPNOTSUPP when sessions exist but the loaded image gets
 * no handover (see kho_will_hand_over()); or the error of the freeze
 * that failed or of writing the state.  Nothing stays frozen or written
 * then, and the kexec must not go on.
 */
int liveupdate_kexec_prepare(void)
{
	LIST_HEAD(reaped);
	int ret = 0;

	mutex_lock(&luo_lock);
	if (list_empty(&luo_outgoing) || WARN_ON(luo_frozen))
		goto out;
	if (!kho_will_hand_over()) {
		/* Going on would drop every session without a word. */
		pr_err("the kexec image gets no handover (not loaded with kexec_file_load() into the KHO scratch areas): %lu sessions would be lost, kexec refused\n",
		       luo_nr_outgoing);
		ret = -EOPNOTSUPP;
		goto out;
	}
	/*
	 * From here no session is created or freed and no file preserved:
	 * the files are frozen session lock by session lock, without
	 * luo_lock, which comes after those locks.
	 */
	luo_frozen = true;
	mutex_unlock(&luo_lock);
	ret = luo_session_freeze_all();
	mutex_lock(&luo_lock);
	if (ret)
		goto unfrozen;
	ret = luo_serialize();
	if (ret) {
		pr_err("cannot write the live update state (%d), kexec refused\n",
		       ret);
		mutex_unlock(&luo_lock);
		luo_session_unfreeze_all();
		mutex_lock(&luo_lock);
		goto unfrozen;
	}
	pr_debug("handing over %lu sessions\n", luo_nr_outgoing);
	goto out;

unfrozen:
	luo_frozen = false;
	luo_session_reap_closed(&reaped);
out:
	if (!list_empty(&luo_outgoing))
		trace_liveupdate_freeze(luo_nr_outgoing, ret);
	mutex_unlock(&luo_lock);
	luo_session_free_list(&reaped);
	return ret;
}

/**
 * liveupdate_kexec_abort() - undo liveupdate_kexec_prepare()
 *
 * Called by kernel_kexec() when the kexec fails after
 * liveupdate_kexec_prepare() succeeded: LUO's state is removed from the
 * handover and every file is unfrozen; the sessions go on as before.
 *
 * Context: process context, may sleep; takes luo_lock.
 */
void liveupdate_kexec_abort(void)
{
	LIST_HEAD(reaped);

	mutex_lock(&luo_lock);
	if (!luo_frozen) {
		mutex_unlock(&luo_lock);
		return;
	}
	luo_out_free();
	mutex_unlock(&luo_lock);
	/* Still frozen: the outgoing list does not change meanwhile. */
	luo_session_unfreeze_all();
	mutex_lock(&luo_lock);
	luo_frozen = false;
	luo_session_reap_closed(&reaped);
	mutex_unlock(&luo_lock);
	luo_session_free_list(&reaped);
}

/* Called under luo_lock when an incoming session is finished. */
void luo_incoming_session_done(void)
{
	if (WARN_ON(!luo_nr_incoming_pending))
		return;
	if (!--luo_nr_incoming_pending && luo_had_incoming) {
		pr_debug("every incoming session finished, releasing the handover\n");
		kho_finish();
	}
}

/*
 * Accept the state page kept in luo_accept_pending.  Under luo_lock.  Out
 * of memory, the page and what luo_state_parse() restored stay for a
 * retry: a transient failure must not throw away a valid handover.
 * Otherwise the page is freed, and a rejected state or one without
 * sessions releases the handover at once.
 */
static int luo_accept(bool retry)
{
	struct luo_session *session;
	int ret;

	ret = luo_state_parse(folio_address(luo_accept_pending));
	/* A retry that read the arrays gives them their debugfs file. */
	luo_debugfs_in_arrays();
	if (ret == -ENOMEM) {
		pr_err("out of memory reading the live update state (%d): nothing dropped, the handover is kept and the accept is retried at the next open of /dev/liveupdate\n",
		       ret);
		return ret;
	}
	folio_put(luo_accept_pending);
	luo_accept_pending = NULL;
	if (retry && !ret)
		pr_info("live update state accepted on retry\n");
	if (!ret) {
		list_for_each_entry(session, &luo_incoming, list)
			luo_session_hash(session);
		luo_nr_incoming_pending = list_count_nodes(&luo_incoming);
		pr_debug("%lu incoming sessions\n", luo_nr_incoming_pending);
		trace_liveupdate_incoming(luo_nr_incoming_pending);
		if (luo_nr_incoming_pending)
			return 0;
	}
	kho_finish();
	return 0;
}

/*
 * Read LUO's state from the previous kernel.  A malformed state is
 * rejected as a whole, with a message: no session comes back, and the
 * handover is released at once.  Running out of memory keeps it all for
 * a retry (luo_accept()).
 */
static void __init luo_read_incoming(void)
{
	struct folio *folio;
	phys_addr_t phys;
	size_t size;
	int ret;

	ret = kho_retrieve_subtree(LUO_KHO_NAME, LUO_KHO_COMPATIBLE, &phys,
				   &size);
	if (ret == -ENOENT)
		return;
	luo_had_incoming = true;
	if (ret) {
		pr_err("live update state not readable (%d), no session restored\n",
		       ret);
		goto release;
	}
	folio = size == PAGE_SIZE ? kho_restore_folio(phys) : NULL;
	if (!folio) {
		pr_err("live update state not a preserved page, no session restored\n");
		goto release;
	}
	luo_accept_pending = folio;
	luo_accept(false);
	return;
release:
	kho_finish();
}

/*
 * debugfs liveupdate/{out,in}/{sessions,files,records}: the session and
 * file records (struct luo_session_abi, struct luo_file_abi) of
 * luo_records(), and the handlers' records of those files
 * (luo_record_dump(), struct luo_dbg_record), taken when the file is
 * opened.  The inode's private value: bit 0 for incoming, bit 1 for the
 * files, bit 2 for the records.  liveupdate/in/state, when the previous
 * kernel handed over a state page: a copy of its struct luo_state_abi
 * (the page itself is freed at boot); liveupdate/in/arrays, once its
 * arrays were read (at boot, or by the retry of an accept that ran out
 * of memory: luo_debugfs_in_arrays()): their two headers (struct
 * luo_array_hdr, sessions then files) as they came.  For their versions, release and packing.
 */
struct luo_dbg_buf {
	void *data;
	size_t size;
};

static int luo_dbg_open(struct inode *inode, struct file *file)
{
	unsigned long what = (unsigned long)inode->i_private;
	struct luo_session_abi *sa;
	struct luo_file_abi *fa;
	struct luo_dbg_buf *buf;
	u64 ns, nf;
	int ret;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (what & 4) {
		ret = luo_record_dump(what & 1, &buf->data, &buf->size);
		if (ret) {
			kfree(buf);
			return ret;
		}
		file->private_data = buf;
		return 0;
	}
	ret = luo_records(what & 1, &sa, &ns, &fa, &nf);
	if (ret) {
		kfree(buf);
		return ret;
	}
	if (what & 2) {
		buf->data = fa;
		buf->size = nf * sizeof(*fa);
		kvfree(sa);
	} else {
		buf->data = sa;
		buf->size = ns * sizeof(*sa);
		kvfree(fa);
	}
	file->private_data = buf;
	return 0;
}

static ssize_t luo_dbg_read(struct file *file, char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	struct luo_dbg_buf *buf = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, buf->data, buf->size);
}

static int luo_dbg_release(struct inode *inode, struct file *file)
{
	struct luo_dbg_buf *buf = file->private_data;

	kvfree(buf->data);
	kfree(buf);
	return 0;
}

static const struct file_operations luo_dbg_fops = {
	.owner = THIS_MODULE,
	.open = luo_dbg_open,
	.read = luo_dbg_read,
	.release = luo_dbg_release,
	.llseek = default_llseek,
};

/* debugfs liveupdate/in, and whether in/arrays was created in it. */
static struct dentry *luo_dbg_in;
static bool luo_dbg_in_arrays;

/*
 * Create liveupdate/in/arrays once the arrays are read: at boot, or at the
 * open of /dev/liveupdate that retried an accept which ran out of memory
 * before reading them (luo_accept()).  Under luo_lock, or at init.
 */
static void luo_debugfs_in_arrays(void)
{
	static struct debugfs_blob_wrapper arrays = {
		.data = luo_in_array_hdr,
		.size = sizeof(luo_in_array_hdr),
	};

	if (!luo_in_arrays_read || !luo_dbg_in || luo_dbg_in_arrays)
		return;
	debugfs_create_blob("arrays", 0400, luo_dbg_in, &arrays);
	luo_dbg_in_arrays = true;
}

static void __init luo_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("liveupdate", NULL);
	struct dentry *out = debugfs_create_dir("out", dir);
	struct dentry *in = debugfs_create_dir("in", dir);

	debugfs_create_file("sessions", 0400, out, (void *)0UL, &luo_dbg_fops);
	debugfs_create_file("files", 0400, out, (void *)2UL, &luo_dbg_fops);
	debugfs_create_file("sessions", 0400, in, (void *)1UL, &luo_dbg_fops);
	debugfs_create_file("files", 0400, in, (void *)3UL, &luo_dbg_fops);
	debugfs_create_file("records", 0400, out, (void *)4UL, &luo_dbg_fops);
	debugfs_create_file("records", 0400, in, (void *)5UL, &luo_dbg_fops);
	if (luo_in_state_read) {
		static struct debugfs_blob_wrapper state = {
			.data = &luo_in_state,
			.size = sizeof(luo_in_state),
		};

		debugfs_create_blob("state", 0400, in, &state);
	}
	luo_dbg_in = in;
	luo_debugfs_in_arrays();
}

static int __init luo_init(void)
{
	mutex_lock(&luo_lock);
	luo_accept_faults(true);
	luo_read_incoming();
	luo_accept_faults(false);
	mutex_unlock(&luo_lock);
	luo_debugfs_init();
	return misc_register(&luo_miscdev);
}
late_initcall(luo_init);
