// SPDX-License-Identifier: GPL-2.0
/*
 * A memfd preserved while its pages in KHO scratch are on the move
 * (mm/memfd_luo.c: memfd_luo_leave_scratch() and the collection after it).
 *
 * One stage, no kexec.  Each of ROUNDS rounds writes a memfd whose pages
 * are interleaved with another memfd's (closed afterwards, so the first
 * one's pages are scattered) until pages of it lie in scratch, which the
 * page allocator lends to movable allocations as CMA.  Then a thread keeps
 * writing the first word of every page, a child process keeps asking for
 * compaction (/proc/sys/vm/compact_memory), which isolates and migrates
 * the very folios the preserve wants to move out of scratch, and the memfd
 * is preserved in a session.  The preserve must succeed (a folio held for
 * a moment by compaction or by the writer's fault is tried again, not an
 * EBUSY), none of the memfd's pages may lie in scratch afterwards, and
 * every page must still hold its pattern (words 1..511; word 0 is the
 * writer's).  The session is then closed, which unpreserves the memfd.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kho_scratch_tb.h"

#define ROUNDS 6
#define STEP (8UL << 20)
#define MAX_LEN (1024UL << 20)
#define WANT_PAGES 2048		/* pages in scratch per round: 8 MiB */
#define KEEP_FREE (320LL << 10)	/* kB of MemAvailable the filling leaves */
#define SEED 0x636875726eULL
#define WORDS (PG / 8)

static volatile int stop;
static uint64_t *mem;
static size_t mem_len;

static void *writer(void *arg)
{
	uint64_t gen = 0;
	size_t i;

	while (!stop)
		for (i = 0; i < mem_len / PG && !stop; i++)
			((volatile uint64_t *)mem)[i * WORDS] = ++gen;
	return NULL;
}

static pid_t compactor(void)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	for (;;)
		write_file("/proc/sys/vm/compact_memory", "1");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Write @fd's mapping, STEP at a time, page by page interleaved with a
 * second memfd, until WANT_PAGES of it lie in scratch, MAX_LEN is reached
 * or memory runs low; the second memfd is closed.  Returns the pages in
 * scratch (-1 on error) and sets mem and mem_len.
 */
static long fill_scattered(int fd)
{
	int other = memfd_create("scratch-churn-other", 0);
	uint64_t *o, *p;
	long in = 0, n;
	size_t i, k;

	mem_len = 0;
	if (other < 0 || ftruncate(fd, MAX_LEN) || ftruncate(other, MAX_LEN))
		return -1;
	mem = mmap(NULL, MAX_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	o = mmap(NULL, MAX_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, other, 0);
	if (mem == MAP_FAILED || o == MAP_FAILED)
		return -1;
	while (in < WANT_PAGES && mem_len < MAX_LEN &&
	       tb_meminfo("MemAvailable") > KEEP_FREE) {
		for (i = mem_len / PG; i < (mem_len + STEP) / PG; i++) {
			p = mem + i * WORDS;
			for (k = 0; k < WORDS; k++)
				p[k] = word(SEED, i * WORDS + k);
			o[i * WORDS] = i;
		}
		n = in_scratch((char *)mem + mem_len, STEP);
		if (n < 0)
			return -1;
		in += n;
		mem_len += STEP;
	}
	munmap(o, MAX_LEN);
	close(other);
	munmap((char *)mem + mem_len, MAX_LEN - mem_len);
	return ftruncate(fd, mem_len) ? -1 : in;
}

static uint64_t bad_pages(void)
{
	uint64_t bad = 0;
	size_t i, k;

	for (i = 0; i < mem_len / PG; i++)
		for (k = 1; k < WORDS; k++)
			if (mem[i * WORDS + k] != word(SEED, i * WORDS + k)) {
				bad++;
				break;
			}
	return bad;
}

static void round_of(int r)
{
	char name[32];
	pthread_t thr;
	double t0, ms;
	int fd, s, ret;
	long in, after;
	pid_t pid;

	fd = memfd_create("scratch-churn", 0);
	in = fd < 0 ? -1 : fill_scattered(fd);
	tap(in > 0, "round %d: %ld pages of a %zu MiB scattered memfd lie in scratch",
	    r, in, mem_len >> 20);
	if (in <= 0) {
		tap(0, "round %d: preserved while written and compacted (not tried)", r);
		tap(0, "round %d: none of its pages in scratch afterwards (not tried)", r);
		tap(0, "round %d: every page holds its pattern (not tried)", r);
		return;
	}
	stop = 0;
	ret = pthread_create(&thr, NULL, writer, NULL);
	pid = compactor();
	usleep(100000);
	snprintf(name, sizeof(name), "scratch-churn-%d", r);
	s = tb_session(name, false);
	t0 = now_ms();
	ret = ret ? -ret : preserve(s, fd, 1);
	ms = now_ms() - t0;
	stop = 1;
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	pthread_join(thr, NULL);
	tap(!ret && pid > 0,
	    "round %d: preserved in %.0f ms while a thread wrote it and compaction ran (%d)",
	    r, ms, ret);
	after = in_scratch((char *)mem, mem_len);
	tap(after == 0, "round %d: none of its pages in scratch afterwards (%ld)", r, after);
	tap(!bad_pages(), "round %d: every page holds its pattern", r);
	if (s >= 0)
		close(s);
	munmap(mem, mem_len);
	close(fd);
}

int main(void)
{
	int r;

	printf("1..%d\n", 1 + 4 * ROUNDS);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	r = read_scratch();
	tap(pagemap >= 0 && !r && nr_scratch,
	    "the outgoing scratch areas are known (%u, %llu MiB)", nr_scratch,
	    (unsigned long long)scratch_bytes() >> 20);
	show_meminfo("start");
	if (!nr_scratch)
		return 1;
	for (r = 1; r <= ROUNDS; r++)
		round_of(r);
	show_meminfo("end");
	return failed;
}
