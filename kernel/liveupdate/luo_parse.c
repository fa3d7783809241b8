// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator: reading the state of the previous kernel.
 *
 * Everything here trusts nothing of what it reads: the state page, the
 * two arrays it names (restored with luo_array_restore(), which validates
 * them) and every session and file record are checked, and a malformed
 * state is rejected as a whole with a message.  Kept apart from the rest
 * of LUO so that the userspace fuzzer of tools/testing/physr builds and
 * runs this same code.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/kexec_handover.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "luo_internal.h"

/**
 * luo_check_name() - check a session name
 * @name: %LIVEUPDATE_SESSION_NAME_LENGTH bytes, from userspace or from the
 *	previous kernel.
 *
 * Return: 0 when @name is NUL-terminated and not empty, -EINVAL otherwise.
 */
int luo_check_name(const u8 *name)
{
	if (!name[0] || !memchr(name, 0, LIVEUPDATE_SESSION_NAME_LENGTH))
		return -EINVAL;
	return 0;
}

/**
 * luo_session_alloc() - allocate an empty session
 * @name: its name, NUL-terminated.
 * @incoming: whether it comes from the previous kernel.
 *
 * Return: the session, on no list, or NULL when out of memory.
 */
struct luo_session *luo_session_alloc(const char *name, bool incoming)
{
	struct luo_session *session = kzalloc(sizeof(*session), GFP_KERNEL);

	if (!session)
		return NULL;
	strscpy(session->name, name, sizeof(session->name));
	mutex_init(&session->lock);
	session->incoming = incoming;
	INIT_LIST_HEAD(&session->files);
	INIT_LIST_HEAD(&session->list);
	return session;
}

/* Build the incoming sessions from the arrays; under luo_lock. */
static int luo_cmp_name(const void *a, const void *b)
{
	return strncmp(*(const char * const *)a, *(const char * const *)b,
		       LIVEUPDATE_SESSION_NAME_LENGTH);
}

static int luo_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Duplicate session names and duplicate tokens in a session, found by
 * sorting: O(n log n) for the largest state the limits allow, where a
 * lookup per entry would be quadratic.
 */
static int luo_check_unique(struct luo_array *sessions,
			    struct luo_array *files)
{
	u64 *tokens = NULL, s, f, most = 1;
	const char **names;
	int ret = 0;

	/* The largest session within the limits, for one token buffer. */
	for (s = 0; s < sessions->nr; s++) {
		struct luo_session_abi *sa = luo_array_elem(sessions, s);
		u64 nr = le64_to_cpu(sa->nr_files);

		if (nr <= luo_max_files && nr <= files->nr)
			most = max(most, nr);
	}
	names = luo_accept_should_fail() ? NULL :
		kvmalloc_array(max_t(u64, sessions->nr, 1), sizeof(*names),
			       GFP_KERNEL);
	tokens = luo_accept_should_fail() ? NULL :
		 kvmalloc_array(most, sizeof(*tokens), GFP_KERNEL);
	if (!names || !tokens) {
		ret = -ENOMEM;
		goto out;
	}
	for (s = 0; s < sessions->nr; s++)
		names[s] = ((struct luo_session_abi *)
			    luo_array_elem(sessions, s))->name;
	sort(names, sessions->nr, sizeof(*names), luo_cmp_name, NULL);
	for (s = 1; s < sessions->nr && !ret; s++)
		if (!luo_cmp_name(&names[s - 1], &names[s])) {
			pr_err("two sessions named %.*s\n",
			       LIVEUPDATE_SESSION_NAME_LENGTH, names[s]);
			ret = -EINVAL;
		}
	for (s = 0; s < sessions->nr && !ret; s++) {
		struct luo_session_abi *sa = luo_array_elem(sessions, s);
		u64 first = le64_to_cpu(sa->first_file);
		u64 nr = le64_to_cpu(sa->nr_files);

		/* Ranges are checked by the caller; only read what exists. */
		if (nr > most || first > files->nr ||
		    nr > files->nr - first)
			break;
		for (f = 0; f < nr; f++)
			tokens[f] = le64_to_cpu(((struct luo_file_abi *)
				luo_array_elem(files, first + f))->token);
		sort(tokens, nr, sizeof(*tokens), luo_cmp_u64, NULL);
		for (f = 1; f < nr && !ret; f++)
			if (tokens[f] == tokens[f - 1]) {
				pr_err("session %llu: token %llu twice\n", s,
				       tokens[f]);
				ret = -EINVAL;
			}
		cond_resched();
	}
out:
	kvfree(tokens);
	kvfree(names);
	return ret;
}

static int luo_parse(struct luo_array *sessions, struct luo_array *files)
{
	u64 s, f, next = 0;
	unsigned int i;
	int ret;

	/*
	 * Bounded by this kernel's limits, the same that bound userspace
	 * here (a kernel handed more must be booted with larger ones), and
	 * by the arrays' sizes, which luo_array_restore() checked against
	 * the pages actually preserved.
	 */
	if (sessions->nr > luo_max_sessions) {
		pr_err("%llu sessions, at most %u (liveupdate.max_sessions)\n",
		       sessions->nr, luo_max_sessions);
		return -E2BIG;
	}
	ret = luo_check_unique(sessions, files);
	if (ret)
		return ret;
	for (s = 0; s < sessions->nr; s++) {
		struct luo_session_abi *sa = luo_array_elem(sessions, s);
		u64 first = le64_to_cpu(sa->first_file);
		u64 nr = le64_to_cpu(sa->nr_files);
		struct luo_session *session;

		if (luo_check_name(sa->name)) {
			pr_err("session %llu: bad name\n", s);
			return -EINVAL;
		}
		if (first != next || nr > files->nr - first) {
			pr_err("session %s: bad file range\n", sa->name);
			return -EINVAL;
		}
		if (nr > luo_max_files) {
			pr_err("session %s: %llu files, at most %u (liveupdate.max_files)\n",
			       sa->name, nr, luo_max_files);
			return -E2BIG;
		}
		next += nr;
		session = luo_accept_should_fail() ? NULL :
			  luo_session_alloc(sa->name, true);
		if (!session)
			return -ENOMEM;
		list_add_tail(&session->list, &luo_incoming);
		for (f = first; f < first + nr; f++) {
			struct luo_file_abi *fa = luo_array_elem(files, f);
			u32 n = le32_to_cpu(fa->nr_versions);
			struct luo_file *lf;

			if (!memchr(fa->compatible, 0, sizeof(fa->compatible)) ||
			    !n || n > LIVEUPDATE_MAX_VERSIONS || fa->reserved) {
				pr_err("session %s file %llu: malformed\n",
				       session->name, f - first);
				return -EINVAL;
			}
			lf = luo_accept_should_fail() ? NULL :
			     kzalloc(sizeof(*lf), GFP_KERNEL);
			if (!lf)
				return -ENOMEM;
			strscpy(lf->compatible, fa->compatible,
				sizeof(lf->compatible));
			lf->token = le64_to_cpu(fa->token);
			lf->nr_versions = n;
			for (i = 0; i < n; i++) {
				lf->versions[i] = le32_to_cpu(fa->version[i]);
				lf->data[i] = le64_to_cpu(fa->data[i]);
			}
			list_add_tail(&lf->list, &session->files);
			session->nr_files++;
		}
	}
	if (next != files->nr) {
		pr_err("%llu files belong to no session\n", files->nr - next);
		return -EINVAL;
	}
	return 0;
}

struct luo_state_abi luo_in_state;
bool luo_in_state_read;
struct luo_array_hdr luo_in_array_hdr[2];
bool luo_in_arrays_read;

/* The format version of a restored array, for the log. */
static u32 luo_array_version(const struct luo_array *arr)
{
	const struct luo_array_hdr *hdr = arr->hdr;

	return le32_to_cpu(hdr->version);
}

static void luo_drop_incoming(void)
{
	struct luo_session *session, *tmp;
	struct luo_file *lf, *ftmp;

	list_for_each_entry_safe(session, tmp, &luo_incoming, list) {
		list_for_each_entry_safe(lf, ftmp, &session->files, list) {
			list_del(&lf->list);
			kfree(lf);
		}
		list_del(&session->list);
		kfree(session);
	}
}

/*
 * The arrays of an accept that ran out of memory half way, restored and
 * kept for its retry: restoring takes their pages out of the handover,
 * so releasing them would lose the state.
 */
static struct luo_array luo_kept_sessions, luo_kept_files;

/**
 * luo_state_parse() - build the incoming sessions from LUO's state page
 * @state: the state page of the previous kernel, restored by the caller.
 *
 * Checks the format (version 1 or 2, see struct luo_state_abi; a newer
 * one is refused with a message naming both versions), restores and
 * validates the session and file arrays
 * the page names, and adds one incoming session per record to
 * luo_incoming.  The arrays are released again before returning.
 *
 * Running out of memory rejects nothing: the arrays restored so far are
 * kept, and a later call with the same @state (kept by the caller) goes
 * on from there, with the outcome it would have had without the failure.
 *
 * Context: under luo_lock, with luo_incoming empty.
 * Return: 0 on success; -ENOMEM when out of memory: no session is added,
 * nothing of the handover is lost, call again; on other errors (-EINVAL,
 * -EPROTONOSUPPORT, -E2BIG, an error of luo_array_restore()) a message
 * says why, no session is added, and nothing of the arrays stays taken.
 */
int luo_state_parse(const struct luo_state_abi *state)
{
	struct luo_array *sessions = &luo_kept_sessions;
	struct luo_array *files = &luo_kept_files;
	u32 version;
	int ret;

	/* A copy for debugfs: the page is freed once parsed. */
	memcpy(&luo_in_state, state, sizeof(luo_in_state));
	luo_in_state_read = true;
	version = le32_to_cpu(state->version);
	if (le32_to_cpu(state->magic) != LUO_STATE_MAGIC || !version) {
		pr_err("live update state of unknown format (magic %#x version %u), no session restored\n",
		       le32_to_cpu(state->magic), version);
		return -EPROTONOSUPPORT;
	}
	if (version > LUO_STATE_VERSION) {
		pr_warn("live update state version %u is newer than this kernel reads (%u), no session restored\n",
			version, LUO_STATE_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (version >= 2 &&
	    (!state->release[0] ||
	     !memchr(state->release, 0, sizeof(state->release)))) {
		pr_err("live update state v%u: bad kernel release, no session restored\n",
		       version);
		return -EINVAL;
	}
	if (!sessions->hdr) {
		ret = luo_array_restore(sessions, le64_to_cpu(state->sessions),
					sizeof(struct luo_session_abi));
		if (ret == -ENOMEM)
			return ret;
		if (ret) {
			pr_err("session array rejected (%d), no session restored\n",
			       ret);
			return ret;
		}
	}
	if (!files->hdr) {
		ret = luo_array_restore(files, le64_to_cpu(state->files),
					sizeof(struct luo_file_abi));
		if (ret == -ENOMEM)
			return ret;
		if (ret) {
			pr_err("file array rejected (%d), no session restored\n",
			       ret);
			luo_array_release(sessions);
			return ret;
		}
	}
	memcpy(&luo_in_array_hdr[0], sessions->hdr, sizeof(luo_in_array_hdr[0]));
	memcpy(&luo_in_array_hdr[1], files->hdr, sizeof(luo_in_array_hdr[1]));
	luo_in_arrays_read = true;
	pr_info("live update state v%u%s%.*s: %llu sessions, %llu files (arrays v%u, v%u)\n",
		version, version >= 2 ? " from kernel " : "",
		version >= 2 ? LUO_STATE_RELEASE_LEN : 0, state->release,
		sessions->nr, files->nr, luo_array_version(sessions),
		luo_array_version(files));
	ret = -EINVAL;
	if (sessions->nr != le64_to_cpu(state->nr_sessions) ||
	    files->nr != le64_to_cpu(state->nr_files))
		pr_err("array sizes disagree with the state, no session restored\n");
	else
		ret = luo_parse(sessions, files);
	if (ret == -ENOMEM) {
		/* Keep the arrays: the retry parses them again. */
		luo_drop_incoming();
		return ret;
	}
	luo_array_release(files);
	luo_array_release(sessions);
	if (ret) {
		pr_err("live update state rejected (%d), no session restored\n",
		       ret);
		luo_drop_incoming();
	}
	return ret;
}
