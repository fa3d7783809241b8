// SPDX-License-Identifier: GPL-2.0
/*
 * Ten live updates in a row (TESTBED_STAGES stages, ten kexecs with 11),
 * each carrying memfds of every kind and a preserved array, with every
 * byte checked in every generation.
 *
 * Each stage but the first retrieves session "gen" of the previous kernel
 * and checks, against the patterns of the previous generation: a 1 MiB
 * memfd of 4 KiB pages, a 4 MiB memfd of 2 MiB THPs, a 4 MiB MFD_HUGETLB
 * memfd (the boot reserves huge pages), an 8 MiB sparse memfd (one page
 * in eight written, the holes still holes and zero) and a test-handler
 * object kept as a luo_array (5000 bytes of blob).  It then rewrites the
 * memfds it got back with this generation's patterns, finishes the old
 * session and preserves them again, with a new array object, in a new
 * session "gen" for the next kernel.  The last stage only checks.
 */
#include "memfd_common.h"

#define LUO_TEST_KIND_ARRAY	2
#define ARRAY_BYTES		5000
#define SPARSE_STEP		(8 * PAGE)

struct gen_memfd {
	const char *name;
	unsigned int flags;
	uint64_t size;
	int sparse;
};

static const struct gen_memfd memfds[] = {
	{ "gen-4k", 0, 1 * MiB, 0 },
	{ "gen-thp", 0, 4 * MiB, 0 },
	{ "gen-hugetlb", MFD_HUGETLB, 4 * MiB, 0 },
	{ "gen-sparse", 0, 8 * MiB, 1 },
};
#define NR_MEMFDS	(sizeof(memfds) / sizeof(memfds[0]))
#define ARRAY_TOKEN	100

static uint64_t seed_of(int gen, unsigned int i)
{
	return 1000 * gen + i;
}

/* Write generation @gen's pattern (every page, or one in eight). */
static int fill(int fd, const struct gen_memfd *m, uint64_t seed)
{
	uint64_t off;
	void *p = map_fd(fd, m->size);

	if (!p)
		return -errno;
	/* THP only where asked for (shmem_enabled=advise): sparse stays 4 KiB. */
	if (!strcmp(m->name, "gen-thp"))
		madvise(p, m->size, MADV_HUGEPAGE);
	if (!m->sparse)
		pat_fill(p, 0, m->size, seed);
	for (off = 0; m->sparse && off < m->size; off += SPARSE_STEP)
		pat_fill(p, off, PAGE, seed);
	munmap(p, m->size);
	return 0;
}

/* 1 when every byte is generation @seed's (holes zero, still holes). */
static int check(int fd, const struct gen_memfd *m, uint64_t seed)
{
	struct stat st;
	uint64_t off;
	int ok = 1;
	void *p;

	if (fstat(fd, &st) || st.st_size != (off_t)m->size)
		return 0;
	/* read(), not a mapping: a read fault on a shmem hole fills it. */
	p = malloc(m->size);
	if (!p || pread(fd, p, m->size, 0) != (ssize_t)m->size) {
		free(p);
		return 0;
	}
	if (!m->sparse)
		ok = pat_check(p, 0, m->size, seed) == -1;
	for (off = 0; m->sparse && ok && off < m->size; off += SPARSE_STEP) {
		ok = pat_check(p, off, PAGE, seed) == -1 &&
		     zero_check(p, off + PAGE, SPARSE_STEP - PAGE) == -1;
		if (!ok)
			ksft_print_msg("%s: wrong bytes in [%llu, %llu)\n", m->name,
				       (unsigned long long)off,
				       (unsigned long long)(off + SPARSE_STEP));
	}
	free(p);
	/* The holes were not filled by the handover. */
	if (ok && m->sparse && (uint64_t)st.st_blocks * 512 > m->size / 8) {
		ksft_print_msg("%s: %llu bytes allocated, %llu written\n", m->name,
			       (unsigned long long)st.st_blocks * 512,
			       (unsigned long long)m->size / 8);
		ok = 0;
	}
	return ok;
}

int main(void)
{
	int gen, last = atoi(getenv("TESTBED_STAGES") ?: "1");
	int dev, old = -1, s = -1, fd[NR_MEMFDS], o, ret;
	unsigned int i, bad = 0;
	char tag[64];

	ksft_print_header();
	/* One stage function for every generation: the library's parts. */
	gen = lu_stage_begin("luo_generations");
	if (gen < 1)
		ksft_exit_fail_msg("state session: %s\n", strerror(-gen));
	ksft_set_plan((gen > 1 ? 3 : 0) + (gen < last ? 2 : 0));
	write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "advise");
	dev = open(LUO_DEV, O_RDWR);
	for (i = 0; i < NR_MEMFDS; i++)
		fd[i] = -1;
	if (gen > 1) {
		old = dev < 0 ? -errno : luo_retrieve_session(dev, "gen");
		for (i = 0; i < NR_MEMFDS; i++) {
			fd[i] = old < 0 ? old : luo_retrieve(old, i + 1);
			if (fd[i] < 0 || !check(fd[i], &memfds[i], seed_of(gen - 1, i))) {
				ksft_print_msg("%s: %d, not generation %d\n",
					       memfds[i].name, fd[i], gen - 1);
				bad++;
			}
		}
		ksft_test_result(old >= 0 && !bad,
				 "generation %d: 4 KiB, THP, hugetlb and sparse memfds back, every byte\n",
				 gen - 1);
		snprintf(tag, sizeof(tag), "gen/%d", gen - 1);
		o = old < 0 ? old : luo_retrieve(old, ARRAY_TOKEN);
		ksft_test_result(o >= 0 && obj_check(o, tag, ARRAY_BYTES, NULL),
				 "generation %d: the array object back, every byte (%d)\n",
				 gen - 1, o);
		if (o >= 0)
			close(o);
		ret = old < 0 ? old : luo_finish(old);
		ksft_test_result(!ret, "generation %d: session finished (%d)\n",
				 gen - 1, ret);
		close(old);
	}
	if (gen < last) {
		s = dev < 0 ? -errno : luo_create_session(dev, "gen");
		for (i = 0, bad = 0; i < NR_MEMFDS; i++) {
			if (fd[i] < 0) {
				fd[i] = memfd_new(memfds[i].name, memfds[i].flags);
				if (fd[i] >= 0 && ftruncate(fd[i], memfds[i].size))
					fd[i] = -errno;
			}
			ret = fd[i] < 0 ? fd[i] : fill(fd[i], &memfds[i], seed_of(gen, i));
			if (!ret)
				ret = s < 0 ? s : luo_preserve(s, fd[i], i + 1);
			if (ret) {
				ksft_print_msg("%s: %d\n", memfds[i].name, ret);
				bad++;
			}
		}
		snprintf(tag, sizeof(tag), "gen/%d", gen);
		o = obj_new(LUO_TEST_KIND_ARRAY);
		ret = o < 0 ? o : obj_fill(o, tag, ARRAY_BYTES);
		if (!ret)
			ret = s < 0 ? s : luo_preserve(s, o, ARRAY_TOKEN);
		ksft_test_result(s >= 0 && !bad && !ret,
				 "generation %d: memfds rewritten and preserved with an array object (%d)\n",
				 gen, ret);
		/* /dev/liveupdate is exclusive: the library opens it now. */
		close(dev);
		dev = -1;
		ret = lu_stage_end("luo_generations", gen + 1);
		ksft_test_result(!ret, "generation %d: held for the kexec (%d)\n", gen, ret);
	}
	ksft_finished();
}
