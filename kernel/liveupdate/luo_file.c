// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator: file handlers and object versions.
 *
 * A handler is found in the outgoing kernel by asking each registered
 * handler whether it can preserve a file, and in the next kernel by the
 * compatible string recorded with the object.  Which version of an
 * object the next kernel reads is decided here: the newest version the
 * previous kernel wrote that the handler lists in its read_versions (and,
 * in a test build, that is not above liveupdate.test_max_version).
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/liveupdate.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "luo_internal.h"

static LIST_HEAD(luo_handlers);
static DEFINE_MUTEX(luo_handlers_lock);

#ifdef CONFIG_LIVEUPDATE_TEST
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "liveupdate."

static unsigned int luo_test_max_version = UINT_MAX;
module_param_named(test_max_version, luo_test_max_version, uint, 0444);
MODULE_PARM_DESC(test_max_version,
		 "Test only: read no object version above this one");
#endif

static bool luo_handler_valid(const struct liveupdate_file_handler *h)
{
	const struct liveupdate_file_ops *ops = h->ops;

	return ops && ops->can_preserve && ops->preserve && ops->unpreserve &&
	       ops->retrieve && h->compatible && h->compatible[0] &&
	       strlen(h->compatible) < LIVEUPDATE_COMPAT_MAX &&
	       h->write_versions && h->nr_write_versions &&
	       h->nr_write_versions <= LIVEUPDATE_MAX_VERSIONS &&
	       h->nr_read_versions <= LIVEUPDATE_MAX_VERSIONS &&
	       (h->read_versions || !h->nr_read_versions) &&
	       h->record_size <= PAGE_SIZE &&
	       h->nr_record_arrays <= LIVEUPDATE_MAX_VERSIONS &&
	       (h->record_arrays || !h->nr_record_arrays);
}

static struct liveupdate_file_handler *luo_find_compatible(const char *compat)
{
	struct liveupdate_file_handler *h;

	list_for_each_entry(h, &luo_handlers, list)
		if (!strcmp(h->compatible, compat))
			return h;
	return NULL;
}

/**
 * liveupdate_register_file_handler() - add a kind of file LUO can preserve
 * @handler: the handler; must stay valid until unregistered.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -EINVAL when a required op or field is missing or
 * out of range, -EEXIST when a handler with the same compatible is
 * registered.
 */
int liveupdate_register_file_handler(struct liveupdate_file_handler *handler)
{
	int ret = 0;

	if (!luo_handler_valid(handler))
		return -EINVAL;
	mutex_lock(&luo_handlers_lock);
	if (luo_find_compatible(handler->compatible))
		ret = -EEXIST;
	else
		list_add_tail(&handler->list, &luo_handlers);
	mutex_unlock(&luo_handlers_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

/**
 * liveupdate_unregister_file_handler() - remove a handler
 * @handler: a registered handler.
 *
 * The caller must make sure no file of this handler is preserved; a
 * module handler holds its module while it has preserved files.
 *
 * Context: process context, may sleep.
 */
void liveupdate_unregister_file_handler(struct liveupdate_file_handler *handler)
{
	mutex_lock(&luo_handlers_lock);
	list_del_init(&handler->list);
	mutex_unlock(&luo_handlers_lock);
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_file_handler);

/*
 * Find the handler that can preserve @file and take a reference on its
 * module.  Returns NULL when there is none.
 */
struct liveupdate_file_handler *luo_handler_for_file(struct file *file)
{
	struct liveupdate_file_handler *h, *found = NULL;

	mutex_lock(&luo_handlers_lock);
	list_for_each_entry(h, &luo_handlers, list) {
		if (h->ops->can_preserve(h, file) && try_module_get(h->owner)) {
			found = h;
			break;
		}
	}
	mutex_unlock(&luo_handlers_lock);
	return found;
}

/*
 * Find the handler of @compat and the version of an incoming object it
 * reads: the newest of @versions (@nr of them) in its read_versions.
 * Returns the handler with a module reference and sets *@index to the
 * entry of @versions, or NULL with *@index untouched when no handler
 * reads any of them.
 */
struct liveupdate_file_handler *
luo_handler_for_object(const char *compat, const u32 *versions,
		       unsigned int nr, unsigned int *index)
{
	struct liveupdate_file_handler *h;
	unsigned int i, j, best = nr;

	mutex_lock(&luo_handlers_lock);
	h = luo_find_compatible(compat);
	if (h) {
		for (i = 0; i < nr; i++) {
#ifdef CONFIG_LIVEUPDATE_TEST
			if (versions[i] > luo_test_max_version)
				continue;
#endif
			for (j = 0; j < h->nr_read_versions; j++)
				if (h->read_versions[j] == versions[i])
					break;
			if (j < h->nr_read_versions &&
			    (best == nr || versions[i] > versions[best]))
				best = i;
		}
		if (best == nr || !try_module_get(h->owner))
			h = NULL;
	}
	mutex_unlock(&luo_handlers_lock);
	if (h)
		*index = best;
	return h;
}

/*
 * The record layout @compat's handler declares, for debugfs: the bytes of
 * its record (*@size) and the offsets of the luo_array handles in it.
 * Returns -ENOENT when no such handler is registered or it declares none.
 */
int luo_handler_record_layout(const char *compat, size_t *size, u16 *arrays,
			      unsigned int *nr)
{
	struct liveupdate_file_handler *h;
	unsigned int i;
	int ret = -ENOENT;

	mutex_lock(&luo_handlers_lock);
	h = luo_find_compatible(compat);
	if (h && h->record_size) {
		*size = h->record_size;
		*nr = 0;
		for (i = 0; i < h->nr_record_arrays; i++)
			if (h->record_arrays[i] + sizeof(__le64) <= h->record_size)
				arrays[(*nr)++] = h->record_arrays[i];
		ret = 0;
	}
	mutex_unlock(&luo_handlers_lock);
	return ret;
}
