// SPDX-License-Identifier: GPL-2.0
/*
 * A failed retrieve loses nothing: every fault-injectable call of a memfd
 * retrieve is made to fail in turn (fail_nth, as iommufd_fail_nth does),
 * across a real kexec (two stages).  Needs CONFIG_FAULT_INJECTION_DEBUG_FS,
 * CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC.
 *
 * Stage 1 preserves, in session "memfd-nth", NR_EACH memfds of each kind:
 * 64 KiB of 4 KiB pages, 4 MiB of 2 MiB THPs, 2 MiB of hugetlb (the boot
 * reserves huge pages), each filled with its own pattern.
 *
 * Stage 2, for each kind: the Nth memfd is retrieved with the Nth
 * injectable call of its retrieve failing, N = 1, 2, ... until a retrieve
 * runs through without meeting the failure (N - 1 is then the number of
 * injection points of that retrieve).  Every failed try must fail with
 * ENOMEM or ENOSPC, and the same memfd retrieved again must give back
 * every byte: a failure at any point keeps it retrievable.  The memfds
 * left over are retrieved and checked too; finishing the session then
 * releases nothing that was retrieved.
 */
#include <dirent.h>

#include "memfd_common.h"

#define NR_EACH		40

struct nth_kind {
	const char *name;
	unsigned int flags;
	uint64_t size;
};

static const struct nth_kind kinds[] = {
	{ "4k", 0, 64 * KiB },
	{ "thp", 0, 4 * MiB },
	{ "hugetlb", MFD_HUGETLB, 2 * MiB },
};
#define NR_KINDS	(sizeof(kinds) / sizeof(kinds[0]))

static uint64_t token_of(unsigned int k, unsigned int i)
{
	return 1000 * (k + 1) + i;
}

static void stage1(void)
{
	unsigned int k, i, bad;
	int s, fd, ret;
	char name[64];

	ksft_set_plan(1 + NR_KINDS);
	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "always");
	s = lu_session_create("memfd-nth");
	ksft_test_result(s >= 0, "stage 1: create session (%d)\n", s);
	for (k = 0; k < NR_KINDS; k++) {
		for (i = 0, bad = 0; i < NR_EACH; i++) {
			snprintf(name, sizeof(name), "nth-%s-%u", kinds[k].name, i);
			fd = memfd_new(name, kinds[k].flags);
			ret = fd < 0 ? -errno :
			      lu_memfd_fill(fd, kinds[k].size, token_of(k, i));
			if (!ret)
				ret = lu_preserve(s, fd, token_of(k, i));
			if (ret) {
				ksft_print_msg("%s: %d\n", name, ret);
				bad++;
			}
			if (fd >= 0)
				close(fd);
		}
		ksft_test_result(!bad, "stage 1: %d %s memfds filled and preserved\n",
				 NR_EACH, kinds[k].name);
	}
}

/* Every byte and the size of a retrieved memfd; 1 when right. */
static int check(int fd, uint64_t size, uint64_t seed)
{
	struct stat st;

	if (fstat(fd, &st) || st.st_size != (off_t)size)
		return 0;
	return !lu_memfd_check(fd, 0, size, seed, NULL);
}

/*
 * Retrieve @token with its Nth injectable call failing.  Returns the fd,
 * or -errno; *reached tells whether the failure was met.
 */
static int retrieve_nth(int nth, int s, uint64_t token, unsigned int n,
			int *reached)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%u", n), fd;
	ssize_t r;

	*reached = 0;
	if (pwrite(nth, buf, len, 0) != len)
		return -EIO;
	fd = lu_retrieve(s, token);
	memset(buf, 0, sizeof(buf));
	r = pread(nth, buf, sizeof(buf) - 1, 0);
	pwrite(nth, "0", 1, 0);
	/* fail-nth reads 0 once the Nth call was made to fail. */
	*reached = r > 0 && atoi(buf) == 0;
	return fd;
}

static void stage2(void)
{
	unsigned int k, i, points, bad, lost;
	int s, fd, ret, nth, reached;
	char path[64];

	ksft_set_plan(2 + NR_KINDS);
	ret = fail_nth_prepare();
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", getpid());
	nth = open(path, O_RDWR);
	s = lu_session_retrieve("memfd-nth");
	ksft_test_result(!ret && nth >= 0 && s >= 0,
			 "stage 2: fault injection set up (%d), session retrieved (%d)\n",
			 ret, s);
	for (k = 0; k < NR_KINDS; k++) {
		points = 0;
		bad = 0;
		lost = 0;
		for (i = 0; i < NR_EACH; i++) {
			uint64_t t = token_of(k, i);

			reached = 0;
			fd = -ENOENT;
			if (!points && s >= 0 && nth >= 0)
				fd = retrieve_nth(nth, s, t, i + 1, &reached);
			if (!points && !reached)
				points = i ? i : NR_EACH + 1;
			if (fd < 0 && reached && fd != -ENOMEM && fd != -ENOSPC) {
				ksft_print_msg("%s %u: the failure gave %d\n",
					       kinds[k].name, i + 1, fd);
				bad++;
			}
			/* Failed or not injected: it must come back now. */
			if (fd < 0 && s >= 0)
				fd = lu_retrieve(s, t);
			if (fd < 0 || !check(fd, kinds[k].size, t)) {
				ksft_print_msg("%s %u: lost after a failure at call %u (%d)\n",
					       kinds[k].name, i, i + 1, fd);
				lost++;
			}
			if (fd >= 0)
				close(fd);
		}
		ksft_print_msg("fail_nth: %s memfd retrieve: %u injection points\n",
			       kinds[k].name, points);
		ksft_test_result(!bad && !lost && points && points <= NR_EACH,
				 "stage 2: %s: a failure at each of the %u injection points kept the memfd whole (%u bad errors, %u lost)\n",
				 kinds[k].name, points, bad, lost);
	}
	ret = s < 0 ? s : lu_finish(s);
	ksft_test_result(!ret, "stage 2: finish (%d)\n", ret);
	if (s >= 0)
		close(s);
	if (nth >= 0)
		close(nth);
}

LU_TEST_MAIN("memfd_fail_nth", stage1, stage2)
