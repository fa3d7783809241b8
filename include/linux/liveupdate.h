/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator (LUO): the in-kernel interface.
 *
 * Userspace groups file descriptors into named sessions through
 * /dev/liveupdate (include/uapi/linux/liveupdate.h).  A file handler
 * knows how to carry one kind of file across kexec: it registers a
 * &struct liveupdate_file_handler, and LUO calls its ops when a file is
 * preserved, frozen before kexec, retrieved after it, and finished.
 * Every preserved object is versioned: the handler writes one or more
 * versions of it, and the next kernel reads the newest one it knows.
 *
 * The preserved-array helpers (luo_array_*) give handlers an array of
 * fixed-size records that survives kexec, kept in non-contiguous pages
 * listed by a physr list.
 *
 * See Documentation/core-api/liveupdate.rst.
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/physr.h>
#include <linux/types.h>

/* Most versions one object may be written in (and offered for reading). */
#define LIVEUPDATE_MAX_VERSIONS	4

struct file;
struct module;
struct page;
struct liveupdate_file_handler;

/**
 * struct liveupdate_file_op_args - arguments of one handler call
 * @handler: the handler called.
 * @file: the preserved file (preserve, freeze, unfreeze, unpreserve); set
 *	by retrieve to a new file whose reference goes to the caller; the
 *	retrieved file (or NULL) at finish.
 * @private: the handler's per-file runtime state, set at preserve or
 *	retrieve and handed back in every later call for the same file.
 * @retrieved: at finish, whether retrieve succeeded for this file earlier.
 *	When false, the handler releases the preserved memory of the object.
 * @nr_versions: number of valid entries in @version and @data.  preserve
 *	may lower it to write only the first (newest) versions offered, for
 *	example to leave out the older records nobody asked for.
 * @version: the versions of the object.  At preserve, freeze, unfreeze
 *	and unpreserve, the handler's write_versions, newest first.  At
 *	retrieve and finish (next kernel) a single entry: the newest version
 *	written by the previous kernel that this kernel's handler reads.
 * @data: one opaque value per entry of @version, filled by the handler at
 *	preserve (and possibly rewritten at freeze); it reaches the next
 *	kernel unchanged.  Normally the physical address of the handler's
 *	preserved metadata for that version.
 */
struct liveupdate_file_op_args {
	struct liveupdate_file_handler *handler;
	struct file *file;
	void *private;
	bool retrieved;
	unsigned int nr_versions;
	u32 version[LIVEUPDATE_MAX_VERSIONS];
	u64 data[LIVEUPDATE_MAX_VERSIONS];
};

/**
 * struct liveupdate_file_ops - what a file handler does
 * @can_preserve: whether @file is a file of this handler.  Required.
 *	Called under the session's lock; must not sleep for long nor
 *	call LUO.
 * @preserve: preserve the object behind @args->file (all its versions).
 *	Required.  On error nothing may stay preserved.
 * @unpreserve: undo @preserve (the session was closed or the file
 *	dropped before kexec).  Required.
 * @freeze: last step before kexec: the object stops changing in ways the
 *	handover cannot follow; may rewrite @args->data.  Optional.  An
 *	error refuses the kexec.
 * @unfreeze: undo @freeze when the kexec is refused.  Optional.
 * @retrieve: next kernel: rebuild the object from @args->version[0] and
 *	@args->data[0] and set @args->file.  Required.  On error nothing of
 *	the object may be restored, so that finish can still release it.
 * @finish: next kernel: the session is done with the object.  When
 *	@args->retrieved is false, release its preserved memory.  Optional:
 *	memory nobody restored is released by KHO's finish step anyway.
 *
 * Every op runs in process context and may sleep unless said otherwise.
 */
struct liveupdate_file_ops {
	bool (*can_preserve)(struct liveupdate_file_handler *handler,
			     struct file *file);
	int (*preserve)(struct liveupdate_file_op_args *args);
	void (*unpreserve)(struct liveupdate_file_op_args *args);
	int (*freeze)(struct liveupdate_file_op_args *args);
	void (*unfreeze)(struct liveupdate_file_op_args *args);
	int (*retrieve)(struct liveupdate_file_op_args *args);
	void (*finish)(struct liveupdate_file_op_args *args);
};

/**
 * struct liveupdate_file_handler - a kind of file that survives kexec
 * @ops: the handler's operations.
 * @compatible: unique name of the object format family, e.g. "memfd";
 *	recorded with each object, it selects the handler in the next
 *	kernel.  At most %LIVEUPDATE_COMPAT_MAX - 1 characters.
 * @write_versions: the versions preserve writes, newest first.
 * @nr_write_versions: 1 to %LIVEUPDATE_MAX_VERSIONS.
 * @read_versions: the versions retrieve can read, in any order.
 * @nr_read_versions: 0 to %LIVEUPDATE_MAX_VERSIONS.
 * @record_size: optional, for debugfs (liveupdate/{out,in}/records): the
 *	bytes, at most PAGE_SIZE, of the record each @data value is the
 *	physical address of (a page the handler preserved); 0 when @data is
 *	not such an address.  Every version's record starts alike.
 * @record_arrays: optional: byte offsets in that record of __le64 luo_array
 *	handles (0 for none) that debugfs shows with the record.
 * @nr_record_arrays: entries of @record_arrays, 0 to
 *	%LIVEUPDATE_MAX_VERSIONS.
 * @owner: the module holding the ops.
 * @list: private to LUO.
 */
struct liveupdate_file_handler {
	const struct liveupdate_file_ops *ops;
	const char *compatible;
	const u32 *write_versions;
	unsigned int nr_write_versions;
	const u32 *read_versions;
	unsigned int nr_read_versions;
	size_t record_size;
	const u16 *record_arrays;
	unsigned int nr_record_arrays;
	struct module *owner;
	struct list_head list;
};

/* Longest handler compatible, with its NUL. */
#define LIVEUPDATE_COMPAT_MAX	48

/**
 * struct luo_array - an array that survives kexec
 * @nr: number of elements.
 * @elem_size: size of one element in bytes (1 to PAGE_SIZE).
 * @per_page: private: elements per page; no element crosses a page.
 * @nr_pages: private: number of element pages.
 * @pages: private: the element pages, for O(1) indexing.
 * @hdr: private: the header page (what the handle points at).
 * @list: private: the element pages as a physr list (what is handed over).
 * @incoming: private: restored from the previous kernel.
 *
 * Only @nr and @elem_size may be read by users.
 */
struct luo_array {
	u64 nr;
	u32 elem_size;
	u32 per_page;
	unsigned long nr_pages;
	struct page **pages;
	void *hdr;
	struct physr list;
	bool incoming;
};

#ifdef CONFIG_LIVEUPDATE

int liveupdate_register_file_handler(struct liveupdate_file_handler *handler);
void liveupdate_unregister_file_handler(struct liveupdate_file_handler *handler);

int liveupdate_file_token(struct file *file, char *session, u64 *token);
struct file *liveupdate_incoming_file(const char *session, u64 token);

int luo_array_alloc(struct luo_array *arr, u32 elem_size, u64 nr);
void *luo_array_elem(struct luo_array *arr, u64 index);
u64 luo_array_handle(const struct luo_array *arr);
void luo_array_free(struct luo_array *arr);
int luo_array_restore(struct luo_array *arr, u64 handle, u32 elem_size);
void luo_array_release(struct luo_array *arr);

/* Hooks for kernel_kexec(). */
int liveupdate_kexec_prepare(void);
void liveupdate_kexec_abort(void);

#else /* CONFIG_LIVEUPDATE */

static inline int
liveupdate_register_file_handler(struct liveupdate_file_handler *handler)
{
	return -EOPNOTSUPP;
}

static inline void
liveupdate_unregister_file_handler(struct liveupdate_file_handler *handler)
{
}

static inline int liveupdate_file_token(struct file *file, char *session,
					u64 *token)
{
	return -ENOENT;
}

static inline struct file *
liveupdate_incoming_file(const char *session, u64 token)
{
	return ERR_PTR(-ENOENT);
}

static inline int luo_array_alloc(struct luo_array *arr, u32 elem_size,
				  u64 nr)
{
	return -EOPNOTSUPP;
}

static inline void *luo_array_elem(struct luo_array *arr, u64 index)
{
	return NULL;
}

static inline u64 luo_array_handle(const struct luo_array *arr)
{
	return 0;
}

static inline void luo_array_free(struct luo_array *arr)
{
}

static inline int luo_array_restore(struct luo_array *arr, u64 handle,
				    u32 elem_size)
{
	return -EOPNOTSUPP;
}

static inline void luo_array_release(struct luo_array *arr)
{
}

static inline int liveupdate_kexec_prepare(void)
{
	return 0;
}

static inline void liveupdate_kexec_abort(void)
{
}

#endif /* CONFIG_LIVEUPDATE */

#endif /* _LINUX_LIVEUPDATE_H */
