// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions across a real kexec, with the test handler of
 * CONFIG_LIVEUPDATE_TEST.
 *
 * Stage 1 builds:
 *   alpha, beta, gamma  three objects each, of various sizes and tokens,
 *                       written again ("LATE") after preserve;
 *   gone                a session closed before kexec;
 *   many-0000..0999     1000 sessions of one object each;
 *   unretrieved         8 objects of ~1 MiB that stage 2 never retrieves;
 *   future              an object written only in a version nobody reads.
 * It then makes the 5th freeze fail and kexecs itself: reboot() must
 * return EIO, every object frozen so far must be unfrozen and the
 * sessions must still work (a file and a session are added after the
 * refusal).  The library keeps the sessions open for the real kexec that
 * the harness does next.
 *
 * Stage 2 retrieves everything (in reverse token order), checks every
 * byte and the version read, the errnos of a second retrieve, unknown
 * tokens, finished sessions, that "gone" is gone, that "future" is
 * reported and refused, and that finishing the last session releases the
 * unretrieved objects and the handover: MemTotal grows by at least their
 * size and KHO says it finished.  Stage 2 then preserves one retrieved
 * object and a new one, and stage 3 gets both back.
 */
#include <sys/reboot.h>
#include <sys/wait.h>
#include <linux/reboot.h>

#include "../kselftest.h"
#include "luo_test.h"

#define NR_MANY		1000
#define NR_UNRETRIEVED	8
#define BIG_SIZE	((1 << 20) - 64)

struct obj_spec {
	const char *session;
	uint64_t token;
	size_t size;
};

static const struct obj_spec specs[] = {
	{ "alpha", 1, 100 },
	{ "alpha", 2, 5000 },
	{ "alpha", 3, 70000 },
	{ "beta", 100, 4 },
	{ "beta", 7, 4096 },
	{ "beta", 1ULL << 40, 300000 },
	{ "gamma", 0, 4 },
	{ "gamma", ~0ULL, 123456 },
	{ "gamma", 42, 8192 },
};

#define NR_SPECS (sizeof(specs) / sizeof(specs[0]))

static void tag_of(char *tag, size_t len, const char *session, uint64_t token)
{
	snprintf(tag, len, "%s/%llu", session, (unsigned long long)token);
}

/* Create and preserve one object; returns its fd or -errno. */
static int make_obj(int session, const char *sname, uint64_t token,
		    size_t size, int kind)
{
	char tag[96];
	int o = obj_new(kind), ret;

	if (o < 0)
		return o;
	tag_of(tag, sizeof(tag), sname, token);
	ret = obj_fill(o, tag, size);
	if (!ret)
		ret = luo_preserve(session, o, token);
	if (ret) {
		close(o);
		return ret;
	}
	return o;
}

static int find_session(const char *name, const char **names, int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return fds[i];
	return -1;
}

static int refused_kexec(int *objfds)
{
	long long fr = test_stat("freeze"), unfr = test_stat("unfreeze");
	int ret, err, i, ok = 1;
	char tag[96];

	ret = write_text(LUO_TEST_DIR "/fail_freeze", "5");
	ksft_test_result(!ret, "stage 1: arm a freeze failure (%d)\n", ret);
	ret = system("tb-kexec /boot/bzImage /testbed/plan 'panic=1' --load-only");
	ksft_test_result(!ret, "stage 1: load a kexec image (%d)\n", ret);
	if (ret)
		return -1;
	sync();
	ret = reboot(LINUX_REBOOT_CMD_KEXEC);
	err = errno;
	/* Still here. */
	ksft_test_result(ret == -1 && err == EIO,
			 "stage 1: reboot(KEXEC) refused with EIO (ret %d, %s)\n",
			 ret, strerror(err));
	ksft_test_result(test_stat("freeze") == fr + 4 &&
			 test_stat("unfreeze") == unfr + 4,
			 "stage 1: the 4 frozen objects were unfrozen (freeze +%lld, unfreeze +%lld)\n",
			 test_stat("freeze") - fr, test_stat("unfreeze") - unfr);
	ksft_test_result(kmsg_has("freeze failed (-5), kexec refused"),
			 "stage 1: the refusal is in the kernel log\n");
	ksft_test_result(access(KHO_DIR "/out/blobs/liveupdate", F_OK) != 0,
			 "stage 1: no live update state left in the handover\n");
	for (i = 0; i < (int)NR_SPECS; i++) {
		tag_of(tag, sizeof(tag), specs[i].session, specs[i].token);
		if (!obj_check(objfds[i], tag, specs[i].size,
			       specs[i].size >= 4 ? "LATE" : NULL))
			ok = 0;
	}
	ksft_test_result(ok, "stage 1: every object intact after the refusal\n");
	return 0;
}

static void stage1(void)
{
	static const char *names[] = { "alpha", "beta", "gamma" };
	int dev, sfd[3], objfds[NR_SPECS], s, o, i, bad, bad_objects;
	long long unp;
	char name[64];

	ksft_set_plan(17);
	if (raise_nofile(8192))
		ksft_print_msg("cannot raise RLIMIT_NOFILE: %s\n", strerror(errno));
	dev = open(LUO_DEV, O_RDWR);
	ksft_test_result(dev >= 0, "stage 1: open %s (%s)\n", LUO_DEV,
			 dev < 0 ? strerror(errno) : "ok");
	if (dev < 0)
		return;

	for (i = 0, bad = 0; i < 3; i++) {
		sfd[i] = luo_create_session(dev, names[i]);
		bad |= sfd[i] < 0;
	}
	ksft_test_result(!bad, "stage 1: create alpha, beta, gamma\n");
	for (i = 0, bad = 0; i < (int)NR_SPECS; i++) {
		s = find_session(specs[i].session, names, sfd, 3);
		objfds[i] = make_obj(s, specs[i].session, specs[i].token,
				     specs[i].size, LUO_TEST_KIND_NORMAL);
		if (objfds[i] < 0) {
			ksft_print_msg("%s/%llu: %d\n", specs[i].session,
				       (unsigned long long)specs[i].token,
				       objfds[i]);
			bad++;
		} else if (specs[i].size >= 4 &&
			   pwrite(objfds[i], "LATE", 4, 0) != 4) {
			bad++;
		}
	}
	ksft_test_result(!bad, "stage 1: %zu objects preserved, then written again\n",
			 NR_SPECS);
	bad_objects = bad;

	unp = test_stat("unpreserve");
	s = luo_create_session(dev, "gone");
	o = s < 0 ? s : make_obj(s, "gone", 1, 1000, LUO_TEST_KIND_NORMAL);
	if (o >= 0)
		close(o);
	if (s >= 0)
		close(s);
	ksft_test_result(o >= 0 && test_stat("unpreserve") == unp + 1,
			 "stage 1: session gone closed, its object unpreserved\n");

	for (i = 0, bad = 0; i < NR_MANY; i++) {
		snprintf(name, sizeof(name), "many-%04d", i);
		s = luo_create_session(dev, name);
		o = s < 0 ? s : make_obj(s, name, i, 64 + i, LUO_TEST_KIND_NORMAL);
		if (o < 0) {
			if (!bad++)
				ksft_print_msg("%s: %d\n", name, o);
		} else {
			close(o);
		}
	}
	ksft_test_result(!bad, "stage 1: %d sessions of one object (%d failed)\n",
			 NR_MANY, bad);

	s = luo_create_session(dev, "unretrieved");
	for (i = 0, bad = 0; i < NR_UNRETRIEVED; i++) {
		o = s < 0 ? s : make_obj(s, "unretrieved", i, BIG_SIZE,
					 LUO_TEST_KIND_NORMAL);
		if (o < 0)
			bad++;
		else
			close(o);
	}
	ksft_test_result(!bad, "stage 1: %d objects of %d bytes to leave unretrieved\n",
			 NR_UNRETRIEVED, BIG_SIZE);

	s = luo_create_session(dev, "future");
	o = s < 0 ? s : make_obj(s, "future", 42, 4096, LUO_TEST_KIND_FUTURE);
	ksft_test_result(o >= 0, "stage 1: an object in a version nobody reads (%d)\n", o);
	if (o >= 0)
		close(o);

	/* Without frozen objects nothing would stop the kexec. */
	if (bad_objects) {
		ksft_print_msg("objects missing, not trying the refused kexec\n");
		ksft_exit_fail();
	}
	if (refused_kexec(objfds))
		return;

	/* The sessions still work after the refusal. */
	s = find_session("alpha", names, sfd, 3);
	o = make_obj(s, "alpha", 4, 2222, LUO_TEST_KIND_NORMAL);
	ksft_test_result(o >= 0, "stage 1: preserve after the refusal (%d)\n", o);
	s = luo_create_session(dev, "after-refusal");
	o = s < 0 ? s : make_obj(s, "after-refusal", 5, 3333, LUO_TEST_KIND_NORMAL);
	ksft_test_result(o >= 0, "stage 1: new session after the refusal (%d)\n", o);
	ksft_test_result(access(LUO_TEST_DIR "/fail_freeze", F_OK) == 0 &&
			 !write_text(LUO_TEST_DIR "/fail_freeze", "0"),
			 "stage 1: freeze failure disarmed\n");

	close(dev);
}

static int check_retrieved(int s, const char *sname, uint64_t token,
			   size_t size, const char *head)
{
	char tag[96];
	long v;
	int o, ok;

	o = luo_retrieve(s, token);
	if (o < 0) {
		ksft_print_msg("%s/%llu: retrieve %d\n", sname,
			       (unsigned long long)token, o);
		return 0;
	}
	tag_of(tag, sizeof(tag), sname, token);
	v = ioctl(o, LUO_TEST_VERSION);
	ok = obj_check(o, tag, size, head);
	if (!ok || v != 2)
		ksft_print_msg("%s/%llu: data %s, version %ld\n", sname,
			       (unsigned long long)token, ok ? "ok" : "differs", v);
	close(o);
	return ok && v == 2;
}

static void stage2(void)
{
	static const char *names[] = { "alpha", "beta", "gamma" };
	long long mem0, mem1, rel0, released;
	int dev, sfd[3], s, i, bad, ret, keep;
	char name[64], status[256], tag[96];

	ksft_set_plan(22);
	read_text(KHO_DIR "/in/status", status, sizeof(status));
	ksft_test_result(!strncmp(status, "accepted", 8), "stage 2: handover accepted: %s",
			 status);
	dev = open(LUO_DEV, O_RDWR);
	ksft_test_result(dev >= 0, "stage 2: open %s\n", LUO_DEV);
	if (dev < 0)
		return;
	ksft_test_result(luo_retrieve_session(dev, "gone") == -ENOENT,
			 "stage 2: the session closed before kexec is gone (ENOENT)\n");
	ksft_test_result(luo_retrieve_session(dev, "never-created") == -ENOENT,
			 "stage 2: unknown session name: ENOENT\n");

	for (i = 0, bad = 0; i < 3; i++) {
		sfd[i] = luo_retrieve_session(dev, names[i]);
		bad |= sfd[i] < 0;
	}
	ksft_test_result(!bad, "stage 2: retrieve alpha, beta, gamma\n");
	ksft_test_result(luo_retrieve_session(dev, "alpha") == -ENOENT,
			 "stage 2: second retrieve of a session: ENOENT\n");
	for (i = NR_SPECS - 1, bad = 0; i >= 0; i--) {
		s = find_session(specs[i].session, names, sfd, 3);
		bad += !check_retrieved(s, specs[i].session, specs[i].token,
					specs[i].size,
					specs[i].size >= 4 ? "LATE" : NULL);
	}
	ksft_test_result(!bad, "stage 2: every object back, in reverse order, v2, last writes included (%d bad)\n",
			 bad);
	ksft_test_result(check_retrieved(sfd[0], "alpha", 4, 2222, NULL),
			 "stage 2: the object preserved after the refusal is back\n");
	s = luo_retrieve_session(dev, "after-refusal");
	ksft_test_result(s >= 0 && check_retrieved(s, "after-refusal", 5, 3333, NULL),
			 "stage 2: the session created after the refusal is back\n");
	if (s >= 0)
		close(s);
	ksft_test_result(luo_retrieve(sfd[0], 1) == -ENOENT &&
			 luo_retrieve(sfd[1], 12345) == -ENOENT,
			 "stage 2: second retrieve and unknown token: ENOENT\n");
	i = obj_new(LUO_TEST_KIND_NORMAL);
	ksft_test_result(luo_preserve(sfd[1], i, 5) == -EINVAL,
			 "stage 2: preserve into an incoming session: EINVAL\n");
	close(i);
	ret = luo_finish(sfd[0]);
	ksft_test_result(!ret && luo_finish(sfd[0]) == -EINVAL &&
			 luo_retrieve(sfd[0], 2) == -EINVAL,
			 "stage 2: finish, then finish and retrieve again: EINVAL (%d)\n", ret);
	for (i = 0; i < 3; i++)
		close(sfd[i]);

	for (i = 0, bad = 0; i < NR_MANY - 1; i++) {
		snprintf(name, sizeof(name), "many-%04d", i);
		s = luo_retrieve_session(dev, name);
		if (s < 0 || !check_retrieved(s, name, i, 64 + i, NULL))
			bad++;
		if (s >= 0)
			close(s);
	}
	/* The last one is kept open, to go on to stage 3. */
	snprintf(name, sizeof(name), "many-%04d", i);
	s = luo_retrieve_session(dev, name);
	keep = s < 0 ? s : luo_retrieve(s, i);
	tag_of(tag, sizeof(tag), name, i);
	if (keep < 0 || !obj_check(keep, tag, 64 + i, NULL))
		bad++;
	if (s >= 0)
		close(s);
	ksft_test_result(!bad, "stage 2: %d sessions back (%d bad)\n", NR_MANY, bad);

	s = luo_retrieve_session(dev, "future");
	ret = s < 0 ? s : luo_retrieve(s, 42);
	ksft_test_result(ret == -EOPNOTSUPP,
			 "stage 2: object in an unread version: EOPNOTSUPP (%d)\n", ret);
	ksft_test_result(kmsg_has("session future token 42 (liveupdate-test-future): no handler reads"),
			 "stage 2: the unread object is reported\n");
	if (s >= 0)
		close(s);

	/* The last session: finishing it releases the handover. */
	rel0 = test_stat("finish_released");
	mem0 = meminfo_kb("MemTotal");
	s = luo_retrieve_session(dev, "unretrieved");
	ksft_test_result(s >= 0, "stage 2: retrieve session unretrieved (%d)\n", s);
	read_text(KHO_DIR "/in/status", status, sizeof(status));
	ksft_test_result(!strncmp(status, "accepted", 8),
			 "stage 2: handover still held before the last finish\n");
	close(s);
	mem1 = meminfo_kb("MemTotal");
	ksft_test_result(test_stat("finish_released") == rel0 + NR_UNRETRIEVED,
			 "stage 2: closing it finished its %d objects unretrieved\n",
			 NR_UNRETRIEVED);
	read_text(KHO_DIR "/in/status", status, sizeof(status));
	ksft_test_result(!strncmp(status, "finished", 8), "stage 2: KHO %s", status);
	released = stat_value(KHO_DIR "/in/stats", "released_pages");
	ksft_print_msg("MemTotal %lld -> %lld kB (+%lld kB); KHO released %lld preserved pages, %lld metadata pages\n",
		       mem0, mem1, mem1 - mem0, released,
		       stat_value(KHO_DIR "/in/stats", "released_metadata_pages"));
	/* Each object: one 1 MiB folio per version, two versions. */
	ksft_test_result(mem1 - mem0 >= 2LL * NR_UNRETRIEVED * 1024,
			 "stage 2: the unretrieved memory came back (+%lld kB, >= %d kB)\n",
			 mem1 - mem0, 2 * NR_UNRETRIEVED * 1024);
	ksft_test_result(luo_retrieve_session(dev, "unretrieved") == -ENOENT,
			 "stage 2: nothing left to retrieve\n");

	/* A retrieved object goes on, with a new one, to stage 3. */
	s = luo_create_session(dev, "gen2");
	ret = s < 0 ? s : luo_preserve(s, keep, 77);
	i = ret ? ret : make_obj(s, "gen2", 78, 7000, LUO_TEST_KIND_NORMAL);
	close(keep);
	close(dev);
	ksft_test_result(!ret && i >= 0,
			 "stage 2: a retrieved and a new object preserved for stage 3 (%d, %d)\n",
			 ret, i);
}

static void stage3(void)
{
	char name[64], status[256];
	int dev, s, o, ok;

	ksft_set_plan(4);
	read_text(KHO_DIR "/in/status", status, sizeof(status));
	ksft_test_result(!strncmp(status, "accepted", 8),
			 "stage 3: second handover accepted: %s", status);
	dev = open(LUO_DEV, O_RDWR);
	s = dev < 0 ? -errno : luo_retrieve_session(dev, "gen2");
	/* Token 77 holds the blob of many-0999/999. */
	snprintf(name, sizeof(name), "many-%04d/%d", NR_MANY - 1, NR_MANY - 1);
	o = s < 0 ? s : luo_retrieve(s, 77);
	ok = o >= 0 && obj_check(o, name, 64 + NR_MANY - 1, NULL) &&
	     ioctl(o, LUO_TEST_VERSION) == 2 &&
	     check_retrieved(s, "gen2", 78, 7000, NULL);
	if (o >= 0)
		close(o);
	ksft_test_result(ok, "stage 3: the object kexec'd twice and the new one are back\n");
	ksft_test_result(luo_retrieve_session(dev, "alpha") == -ENOENT,
			 "stage 3: stage 1's sessions are not handed over again\n");
	close(s);
	read_text(KHO_DIR "/in/status", status, sizeof(status));
	ksft_test_result(!strncmp(status, "finished", 8), "stage 3: KHO %s", status);
	close(dev);
}

LU_TEST_MAIN("luo_kexec", stage1, stage2, stage3)
