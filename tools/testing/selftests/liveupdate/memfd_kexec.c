// SPDX-License-Identifier: GPL-2.0
/*
 * memfds across a real kexec (two stages).
 *
 * Stage 1 preserves, in session "memfd-a":
 *   token 1  "one": 8 MiB of 4 KiB pages, position 12345; the first MiB
 *            is written again after preserve (those bytes must win);
 *   token 2  "sparse": 64 MiB with one page in 16 present; one hole is
 *            written after preserve (found again at freeze);
 *   token 3  "sealed": 1 MiB, sealed shrink/grow/write;
 * and two memfds in each of the sessions "memfd-b" and "memfd-c".  It
 * checks what preserve refuses and that a refused preserve leaves nothing
 * behind: size changes, writes past EOF and fallocate (EBUSY), a pipe and a tmpfs file
 * (ENOENT), a token reused (EEXIST), the same memfd twice (EBUSY, and
 * EBUSY through another open file description), a
 * read-only descriptor (EACCES).
 *
 * A kexec refused by a failing freeze (the test handler) unfreezes the
 * memfds: a hole written then is found by the real freeze.
 *
 * Stage 2 retrieves everything and checks every byte, size, position,
 * seals, the allocated block count of the sparse file (holes stay holes),
 * that the pages of "one" are the same physical frames as once preserved
 * (pagemap; the preserve moves folios out of KHO scratch), the
 * record version read, and that the new memfds are ordinary files again.
 */
#include <sys/reboot.h>
#include <linux/reboot.h>

#include "memfd_common.h"
#include "lib/libliveupdate.h"

#define ONE_SIZE	(8 * MiB)
#define ONE_POS		12345
#define SPARSE_SIZE	(64 * MiB)
#define SPARSE_STEP	16
#define SEALED_SIZE	(1 * MiB)
#define SMALL_SIZE	(256 * KiB)
#define SEALS		(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static const char *const small_sessions[] = { "memfd-b", "memfd-c" };

static int set_shmem_thp(const char *mode)
{
	return write_text("/sys/kernel/mm/transparent_hugepage/shmem_enabled", mode);
}

static int make_filled(const char *name, uint64_t size, uint64_t seed,
		       unsigned int flags)
{
	int fd = memfd_new(name, flags);
	void *p;

	if (fd < 0 || ftruncate(fd, size))
		return -1;
	p = map_fd(fd, size);
	if (!p)
		return -1;
	pat_fill(p, 0, size, seed);
	munmap(p, size);
	return fd;
}

static void stage1(void)
{
	uint64_t pfn[ONE_SIZE / PAGE], blocks;
	int a, fd_one, fd_sparse, fd_sealed, fd, ro, pipefd[2], ret, i, j;
	char path[64];
	struct stat st;
	void *p;

	ksft_set_plan(22);
	set_shmem_thp("never");

	a = session_new("memfd-a");
	if (a < 0)
		ksft_exit_fail_msg("create session memfd-a: %d\n", a);

	/* one */
	fd_one = make_filled("one", ONE_SIZE, 1, 0);
	lseek(fd_one, ONE_POS, SEEK_SET);
	j = fd_one < 0 ? -1 : luo_preserve(a, fd_one, 1);
	/*
	 * The frames to find again are those after the preserve: it migrates
	 * folios out of KHO scratch, where the allocator may have put them
	 * (scratch serves movable allocations).  Every byte is checked there.
	 */
	p = fd_one >= 0 ? map_fd(fd_one, ONE_SIZE) : NULL;
	ret = !j && p && pat_check(p, 0, ONE_SIZE, 1) == -1 ?
	      pfns_of(p, ONE_SIZE / PAGE, pfn) : -1;
	for (i = 0; !ret && i < (int)(ONE_SIZE / PAGE); i++)
		if (!pfn[i])
			ret = -1;
	ksft_test_result(!ret && !state_save("memfd_one.pfn", pfn, sizeof(pfn)),
			 "one: 8 MiB memfd filled, frames recorded after the preserve\n");
	ksft_test_result(!j, "one: preserved (%d)\n", j);
	/* Writes into existing pages after preserve are what survives. */
	if (p) {
		pat_fill(p, 0, MiB, 2);
		munmap(p, ONE_SIZE);
	}
	ksft_test_result(ftruncate(fd_one, 2 * ONE_SIZE) && errno == EBUSY,
			 "one: grow after preserve refused with EBUSY\n");
	ksft_test_result(ftruncate(fd_one, ONE_SIZE / 2) && errno == EBUSY,
			 "one: truncate after preserve refused with EBUSY\n");
	ksft_test_result(fallocate(fd_one, 0, 0, 2 * ONE_SIZE) && errno == EBUSY &&
			 fallocate(fd_one, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				   0, PAGE) && errno == EBUSY,
			 "one: fallocate and hole punch after preserve refused with EBUSY\n");
	{
		uint64_t w = pat_word(2, 8), r = 0, tail[2] = { 0, 0 };

		ksft_test_result(pwrite(fd_one, &w, 8, 8) == 8 &&
				 pread(fd_one, &r, 8, 8) == 8 && r == w &&
				 fstat(fd_one, &st) == 0 && st.st_size == (off_t)ONE_SIZE,
				 "one: write() into an existing page works, size unchanged\n");

		/*
		 * An append would change the size the record carries; a write
		 * across EOF stops there (it writes back the last 8 bytes).
		 */
		errno = 0;
		ksft_test_result(pwrite(fd_one, &w, 8, ONE_SIZE) < 0 && errno == EBUSY &&
				 pread(fd_one, tail, 8, ONE_SIZE - 8) == 8 &&
				 pwrite(fd_one, tail, 16, ONE_SIZE - 8) == 8 &&
				 fstat(fd_one, &st) == 0 && st.st_size == (off_t)ONE_SIZE,
				 "one: write() past EOF after preserve refused with EBUSY, size unchanged (errno %d)\n",
				 errno);
	}

	/* sparse */
	fd_sparse = memfd_new("sparse", 0);
	ret = fd_sparse < 0 || ftruncate(fd_sparse, SPARSE_SIZE);
	p = ret ? NULL : map_fd(fd_sparse, SPARSE_SIZE);
	if (p) {
		for (i = 0; i < (int)(SPARSE_SIZE / PAGE); i += SPARSE_STEP)
			pat_fill(p, i * PAGE, PAGE, 3);
	}
	blocks = fstat(fd_sparse, &st) ? 0 : st.st_blocks;
	ksft_test_result(p && blocks == SPARSE_SIZE / PAGE / SPARSE_STEP * 8,
			 "sparse: 64 MiB with %llu blocks allocated\n",
			 (unsigned long long)blocks);
	ret = luo_preserve(a, fd_sparse, 2);
	/* A hole filled between preserve and freeze is preserved too. */
	if (p) {
		pat_fill(p, PAGE, PAGE, 4);
		munmap(p, SPARSE_SIZE);
	}
	ksft_test_result(!ret && !fstat(fd_sparse, &st) &&
			 st.st_blocks == (blkcnt_t)(blocks + 8),
			 "sparse: preserved (%d), a hole written after preserve\n", ret);

	/* sealed */
	fd_sealed = make_filled("sealed", SEALED_SIZE, 5, MFD_ALLOW_SEALING);
	ret = fd_sealed < 0 ? -1 : fcntl(fd_sealed, F_ADD_SEALS, SEALS);
	ksft_test_result(!ret && fcntl(fd_sealed, F_GET_SEALS) == SEALS,
			 "sealed: 1 MiB sealed shrink, grow and write\n");
	ret = luo_preserve(a, fd_sealed, 3);
	ksft_test_result(!ret, "sealed: preserved (%d)\n", ret);

	/* several sessions */
	ret = 0;
	for (i = 0; i < 2; i++) {
		int s = session_new(small_sessions[i]);

		for (j = 0; j < 2; j++) {
			snprintf(path, sizeof(path), "small-%d-%d", i, j);
			fd = make_filled(path, SMALL_SIZE, 10 + i * 2 + j, 0);
			if (s < 0 || fd < 0 || luo_preserve(s, fd, j + 1))
				ret = -1;
			close(fd);	/* LUO keeps the file */
		}
	}
	ksft_test_result(!ret, "sessions memfd-b and memfd-c: two memfds each\n");

	/* refusals */
	ret = pipe(pipefd) ? -1 : luo_preserve(a, pipefd[0], 100);
	ksft_test_result(ret == -ENOENT, "a pipe is refused with ENOENT (%d)\n", ret);
	fd = open("/tmp/memfd_kexec.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ret = fd < 0 || ftruncate(fd, PAGE) ? -1 : luo_preserve(a, fd, 101);
	ksft_test_result(ret == -ENOENT, "a tmpfs file (not a memfd) is refused with ENOENT (%d)\n",
			 ret);
	close(fd);
	fd = make_filled("reuse", PAGE, 6, 0);
	ret = luo_preserve(a, fd, 1);
	ksft_test_result(ret == -EEXIST, "a token used twice is refused with EEXIST (%d)\n", ret);
	ksft_test_result(!ftruncate(fd, 2 * PAGE),
			 "after the refusal that memfd is not frozen (ftruncate works)\n");
	close(fd);
	ret = luo_preserve(a, fd_one, 102);
	ksft_test_result(ret == -EBUSY, "the same memfd under a second token: EBUSY (%d)\n", ret);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd_one);
	fd = open(path, O_RDWR);
	ret = fd < 0 ? -1 : luo_preserve(a, fd, 104);
	ksft_test_result(ret == -EBUSY,
			 "the same memfd reopened through /proc (another file): EBUSY (%d)\n", ret);
	close(fd);
	fd = make_filled("readonly", PAGE, 7, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY);
	ret = ro < 0 ? -1 : luo_preserve(a, ro, 103);
	ksft_test_result(ret == -EACCES, "a read-only descriptor is refused with EACCES (%d)\n",
			 ret);
	ksft_test_result(!ftruncate(fd, 2 * PAGE) && luo_retrieve(a, 103) < 0,
			 "nothing of it stays preserved\n");
	close(ro);
	close(fd);

	/*
	 * A kexec refused by a failing freeze (the test handler's object,
	 * frozen after every memfd): the memfds are unfrozen again, so a
	 * hole can be written (and the real freeze will find that page),
	 * while the size stays frozen.
	 */
	{
		int r = session_new("memfd-refuse"), obj = obj_new(LUO_TEST_KIND_NORMAL);
		uint64_t buf[PAGE / 8];

		ret = r < 0 || obj < 0 ? -1 : luo_preserve(r, obj, 1);
		ret = ret ? ret : write_text(LUO_TEST_DIR "/fail_freeze", "1");
		ret = ret ? ret : system("tb-kexec /boot/bzImage /testbed/plan 'panic=1' --load-only");
		sync();
		ret = ret ? ret : reboot(LINUX_REBOOT_CMD_KEXEC);
		ksft_test_result(ret == -1 && errno == EIO,
				 "a kexec refused by a failing freeze returns EIO\n");
		for (i = 0; i < (int)(PAGE / 8); i++)
			buf[i] = pat_word(8, 2 * PAGE + i * 8);
		ret = pwrite(fd_sparse, buf, PAGE, 2 * PAGE);
		ksft_test_result(ret == (int)PAGE && ftruncate(fd_sparse, PAGE) && errno == EBUSY,
				 "after it, a hole can be written again, the size is still frozen\n");
		close(obj);
		close(r);
		write_text(LUO_TEST_DIR "/fail_freeze", "0");
	}

	/* The preserved files need no descriptor of ours any more. */
	close(fd_one);
	close(fd_sparse);
	close(fd_sealed);
}

static int check_small(void)
{
	char name[64];
	int i, j, bad = 0;

	for (i = 0; i < 2; i++) {
		int s = session_get(small_sessions[i]);

		for (j = 0; j < 2; j++) {
			int fd = s < 0 ? -1 : luo_retrieve(s, j + 1);
			void *p = fd < 0 ? NULL : mmap(NULL, SMALL_SIZE, PROT_READ,
						       MAP_SHARED, fd, 0);

			if (!p || p == MAP_FAILED ||
			    pat_check(p, 0, SMALL_SIZE, 10 + i * 2 + j) != -1) {
				ksft_print_msg("small-%d-%d: wrong\n", i, j);
				bad = 1;
			}
			snprintf(name, sizeof(name), "retrieved memfd:small-%d-%d (v3)", i, j);
			if (!event_has(name))
				bad = 1;
			close(fd);
		}
		if (s < 0 || luo_finish(s))
			bad = 1;
		close(s);
	}
	return !bad;
}

static void stage2(void)
{
	uint64_t old[ONE_SIZE / PAGE], pfn[ONE_SIZE / PAGE];
	int a, fd, one, i, ret, same = 0;
	char line[512];
	struct stat st;
	int64_t bad;
	void *p;

	ksft_set_plan(16);
	a = session_get("memfd-a");
	if (a < 0)
		ksft_exit_fail_msg("retrieve session memfd-a: %d\n", a);

	/* one */
	fd = luo_retrieve(a, 1);
	ksft_test_result(fd >= 0 && !fstat(fd, &st) && st.st_size == (off_t)ONE_SIZE &&
			 lseek(fd, 0, SEEK_CUR) == ONE_POS,
			 "one: retrieved (%d), size 8 MiB, position %d\n", fd, ONE_POS);
	p = fd >= 0 ? map_fd(fd, ONE_SIZE) : NULL;
	bad = p ? pat_check(p, 0, MiB, 2) : 0;
	if (p && bad == -1)
		bad = pat_check(p, MiB, ONE_SIZE - MiB, 1);
	ksft_test_result(p && bad == -1,
			 "one: every byte as written, the writes after preserve included (bad at %lld)\n",
			 (long long)bad);
	ret = p ? pfns_of(p, ONE_SIZE / PAGE, pfn) : -1;
	if (!ret)
		ret = state_load("memfd_one.pfn", old, sizeof(old));
	for (i = 0; !ret && i < (int)(ONE_SIZE / PAGE); i++)
		same += old[i] && pfn[i] == old[i];
	ksft_test_result(!ret && same == ONE_SIZE / PAGE,
			 "one: %d of %llu pages are the same physical frames as before kexec\n",
			 same, ONE_SIZE / PAGE);
	ret = event_line("retrieved memfd:one ", line, sizeof(line));
	ksft_test_result(!ret && strstr(line, "(v3)"), "one: restored from record v3\n");
	if (!ret)
		ksft_print_msg("%s\n", line);
	ksft_test_result(luo_retrieve(a, 1) < 0, "one: a second retrieve of token 1 fails\n");
	if (p)
		munmap(p, ONE_SIZE);
	one = fd;

	/* sparse */
	fd = luo_retrieve(a, 2);
	ret = fd < 0 || fstat(fd, &st);
	ksft_test_result(!ret && st.st_size == (off_t)SPARSE_SIZE &&
			 st.st_blocks == (blkcnt_t)((SPARSE_SIZE / PAGE / SPARSE_STEP + 2) * 8),
			 "sparse: size 64 MiB, %lld blocks: holes stayed holes\n",
			 ret ? -1LL : (long long)st.st_blocks);
	/* read(), unlike a fault, does not allocate a page for a hole. */
	p = malloc(SPARSE_SIZE);
	bad = p && pread(fd, p, SPARSE_SIZE, 0) == (ssize_t)SPARSE_SIZE ? -1 : 0;
	for (i = 0; bad == -1 && i < (int)(SPARSE_SIZE / PAGE); i++) {
		if (i % SPARSE_STEP == 0)
			bad = pat_check(p, i * PAGE, PAGE, 3);
		else if (i == 1)
			bad = pat_check(p, i * PAGE, PAGE, 4);
		else if (i == 2)
			bad = pat_check(p, i * PAGE, PAGE, 8);
		else
			bad = zero_check(p, i * PAGE, PAGE);
	}
	ksft_test_result(bad == -1,
			 "sparse: present pages, the hole written after preserve, zeros elsewhere (bad at %lld)\n",
			 (long long)bad);
	free(p);
	ret = fstat(fd, &st);
	ksft_test_result(!ret && st.st_blocks == (blkcnt_t)((SPARSE_SIZE / PAGE / SPARSE_STEP + 2) * 8),
			 "sparse: reading the holes allocated nothing\n");
	close(fd);

	/* sealed */
	fd = luo_retrieve(a, 3);
	ksft_test_result(fd >= 0 && fcntl(fd, F_GET_SEALS) == SEALS,
			 "sealed: retrieved with its seals (%#x)\n",
			 fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1);
	p = fd >= 0 ? mmap(NULL, SEALED_SIZE, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	ksft_test_result(p != MAP_FAILED && pat_check(p, 0, SEALED_SIZE, 5) == -1,
			 "sealed: every byte as written\n");
	{
		char c = 1;

		ksft_test_result(pwrite(fd, &c, 1, 0) < 0 && errno == EPERM &&
				 ftruncate(fd, 2 * SEALED_SIZE) < 0 && errno == EPERM &&
				 mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED,
				 "sealed: the seals still hold (write, grow, writable map: EPERM)\n");
	}
	close(fd);

	ksft_test_result(luo_retrieve(a, 99) == -ENOENT, "an unknown token gives ENOENT\n");
	ret = luo_finish(a);
	ksft_test_result(!ret, "session memfd-a finished (%d)\n", ret);

	ksft_test_result(check_small(), "sessions memfd-b and memfd-c: every byte, finished\n");

	/* A retrieved memfd is an ordinary memfd: not frozen, can grow. */
	fd = luo_retrieve(a, 1);
	ksft_test_result(fd < 0, "after finish, tokens are gone (%d)\n", fd);
	ksft_test_result(one >= 0 && !ftruncate(one, 2 * ONE_SIZE) &&
			 !fallocate(one, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, MiB),
			 "the retrieved memfd is an ordinary file again (grow, hole punch)\n");
	close(one);
	close(a);
}

LU_TEST_MAIN("memfd_kexec", stage1, stage2)
