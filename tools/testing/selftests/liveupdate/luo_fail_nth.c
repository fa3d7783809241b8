// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth over the live update paths, as iommufd_fail_nth does for
 * iommufd: every fault-injectable call (slab and page allocations, through
 * failslab and fail_page_alloc) of each step is made to fail in turn, N =
 * 1, 2, ... until the step runs through without meeting the failure (N - 1
 * is then the number of injection points of that step, printed as
 * "fail_nth: <step>: <n> injection points").  At each N the step must fail
 * with a clean errno (or absorb the failure and succeed), nothing may
 * crash, the state must stay usable, and the memory accounted before and
 * after the sweep must agree (see acct_check()); each point of preserve
 * and freeze is failed REPEAT times, so that a small leak adds up.  On the
 * sanitizer kernel of make check-debug the figures are printed only
 * (skipped results): kmemleak looks for leaks there.
 *
 * Stage 1 (outgoing kernel), in this task's context (/proc/self/fail-nth):
 * - CREATE_SESSION, then PRESERVE_FD of a 4 KiB, a THP, a sparse and a
 *   hugetlb memfd: each failed try leaves the file preservable, the next
 *   try goes on with the same file; a try that succeeds is undone by
 *   closing its session.
 * - the freeze, that is reboot(LINUX_REBOOT_CMD_KEXEC) up to the written
 *   handover (liveupdate_kexec_prepare(): every memfd frozen, one of them
 *   rescanned because a hole was filled since the last try, LUO's state
 *   written; then kho_kexec_prepare()), with kho_test/refuse_kexec set so
 *   that a try that meets no failure is refused at its very end with
 *   ECANCELED instead of leaving.  After each try the session is usable
 *   (a hole can be filled again: nothing stayed frozen) and no live
 *   update state is left in the handover.  The kexec of the harness then
 *   carries the session.
 * Stage 2 (next kernel): every byte of that session comes back, the holes
 *   filled between the failed freezes included; RETRIEVE_SESSION,
 *   RETRIEVE_FD of each memfd and FINISH are swept the same way (a memfd
 *   left unretrieved and one whose retrieve failed half way are released
 *   by the finish).  Then a small session is preserved for the accept.
 * Stages 3 and on: the next kernel's accept (luo_read_incoming(), at boot,
 *   where no task's fail-nth reaches) fails at its Nth allocation through
 *   the fault attribute of CONFIG_FAIL_LIVEUPDATE_ACCEPT, set by the
 *   kernel parameter fail_luo_accept=N,100,0,1 that each stage passes to
 *   the next: nothing is thrown away, the handover is kept whole (not
 *   finished, nothing released) with a message, and the boot goes on;
 *   the next open of /dev/liveupdate retries the accept, and the session
 *   comes back whole, every byte checked, with the array headers in
 *   debugfs liveupdate/in/arrays (as after an accept at boot, where the
 *   retry is the one that read them).  The stage where the Nth
 *   failure is no longer reached accepts the session at boot.  The plan
 *   gives the test as many stages as the accept has injection points,
 *   plus three.
 *
 * Needs CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB,
 * CONFIG_FAIL_PAGE_ALLOC, CONFIG_KEXEC_HANDOVER_TEST,
 * CONFIG_FAIL_LIVEUPDATE_ACCEPT and reserved huge pages.
 */
#include <dirent.h>
#include <linux/reboot.h>
#include <sys/reboot.h>

#include "memfd_common.h"

#define PRESERVE_SESSION	"nth-preserve"
#define FREEZE_SESSION		"nth-freeze"
#define ACCEPT_SESSION		"nth-accept"
#define FAIL_ACCEPT_DIR		"/sys/kernel/debug/fail_luo_accept"
#define REFUSE_KEXEC		"/sys/kernel/debug/kho_test/refuse_kexec"
#define SHMEM_THP		"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
/* What the kernel logs when its accept ran out of memory and kept all. */
#define ACCEPT_KEPT_MSG \
	"out of memory reading the live update state (-12): nothing dropped"

/* A sweep that does not end by then is a failure. */
#define MAX_POINTS		300

/*
 * The slack of the accounting, for what moves without being leaked.
 * Used memory is MemTotal - MemFree - the pages on the per-CPU free lists,
 * read after dropping caches and folding the per-CPU counters: it moved
 * by 0 to +28 kB over the sweeps of the runs made (kernel threads and
 * their stacks come and go); one page leaked per failure of a sweep
 * (REPEAT times each) shows far above the slack.  Slab caches are shrunk
 * before each reading, so active objects are exact and each cache is
 * compared on its own (caches of tasks aside); what the sweep
 * legitimately keeps is KHO's xarray nodes for the pages a freeze
 * preserved before a later step failed (radix_tree_node, allowed per page
 * added: at most the nodes that the pages' frame numbers can need, see
 * xa_nodes_bound(); how many of them are new depends on where the pages
 * lie).  A leak on an error path repeats at every failure that takes
 * it, so it shows above these.
 */
#define USED_SLACK_KB		128
#define SLAB_SLACK_BYTES	(16 * 1024)
#define CACHE_SLACK_BYTES	4096
/* Bits of index an xarray node covers (XA_CHUNK_SHIFT), and its levels. */
#define XA_NODE_SHIFT		6
#define XA_LEVELS		8

/* Caches of tasks that come and go (kernel threads) are not ours. */
static const char * const task_caches[] = {
	"task_struct", "sighand_cache", "signal_cache", "pid", "cred_jar",
	"files_cache", "fs_cache", "mm_struct", "vm_area_struct",
	"anon_vma", "anon_vma_chain", "thread_stack",
};

/*
 * Each injection point of preserve and freeze is failed this many times,
 * so that a leak of one page on an error path shows above the slack.
 */
#define REPEAT			3

struct kind {
	const char *name;
	unsigned int flags;
	uint64_t size;
	int thp;
	int sparse;
};

static const struct kind kinds[] = {
	{ "4k", 0, 256 * KiB, 0, 0 },
	{ "thp", 0, 4 * MiB, 1, 0 },
	{ "sparse", 0, 1 * MiB, 0, 1 },
	{ "hugetlb", MFD_HUGETLB, 2 * MiB, 0, 0 },
};

#define NR_KINDS	ARRAY_SIZE(kinds)

/* Stage 1 to 2: the freeze session. */
#define F_A_SIZE	(256 * KiB)	/* token 1, 4 KiB pages */
#define F_B_SIZE	(4 * MiB)	/* token 2, THP */
#define F_C_SIZE	(4 * MiB)	/* token 3, holes filled one by one */
#define F_D_SIZE	(64 * KiB)	/* token 4, never retrieved */
#define F_E_SIZE	(256 * KiB)	/* token 5, retrieve fails half way */
#define F_SEED(t)	(0x5eed0000ULL + (t))

struct freeze_state {
	uint32_t filled;	/* pages 0 .. filled - 1 of C are written */
	uint32_t points;
};

/* Stage 2 and on: the accept session. */
#define A_SIZE		(64 * KiB)
#define A_NR		2

struct accept_state {
	uint32_t stage;		/* stage that preserved it */
	uint32_t done;		/* the sweep ended at this stage */
};

static uint64_t accept_seed(uint32_t stage, unsigned int i)
{
	return 0xacce0000ULL + stage * 16 + i;
}

static int nth_fd = -1;

static void shrink_open(void);

/* Every allocation may be failed, by this task's fail-nth. */
static int setup_fault_injection(void)
{
	char path[64];
	int ret = fail_nth_prepare();

	if (ret)
		return ret;
	shrink_open();
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", getpid());
	nth_fd = open(path, O_RDWR);
	return nth_fd < 0 ? -errno : 0;
}

/* Make the Nth fault-injectable call of this task fail. */
static void nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		ksft_exit_fail_msg("cannot arm fail-nth: %s\n", strerror(errno));
}

/* Disarm; 1 when the armed failure was made (fail-nth then reads 0). */
static int nth_disarm(void)
{
	char buf[16] = {};
	ssize_t r = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	if (pwrite(nth_fd, "0", 1, 0) != 1)
		ksft_exit_fail_msg("cannot disarm fail-nth: %s\n", strerror(errno));
	return r > 0 && atoi(buf) == 0;
}

/* ---- memory accounting ---- */

#define MAX_CACHES	512

struct acct {
	long long used_kb;	/* MemTotal - MemFree - per-CPU free lists */
	long long slab_bytes;	/* active objects times their size */
	unsigned int nr;
	struct {
		char name[64];
		long long bytes;
	} cache[MAX_CACHES];
};

/*
 * The shrink files of every slab cache, opened once: a write flushes the
 * cache's per-CPU slabs, so that its active objects are exact, and files
 * kept open add no dentry or inode of their own between two readings.
 */
static int shrink_fd[MAX_CACHES];
static unsigned int nr_shrink;

static void shrink_open(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[300];
	int fd;

	if (!d)
		return;
	while ((e = readdir(d)) && nr_shrink < MAX_CACHES) {
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 e->d_name);
		fd = open(path, O_WRONLY);
		if (fd >= 0)
			shrink_fd[nr_shrink++] = fd;
	}
	closedir(d);
}

static void slab_read(struct acct *a)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[64];
	long long active, num, size;

	a->slab_bytes = -1;
	a->nr = 0;
	if (!f)
		return;
	a->slab_bytes = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lld %lld %lld", name, &active, &num,
			   &size) != 4)
			continue;
		a->slab_bytes += active * size;
		if (a->nr < MAX_CACHES) {
			snprintf(a->cache[a->nr].name, sizeof(a->cache[0].name),
				 "%s", name);
			a->cache[a->nr++].bytes = active * size;
		}
	}
	fclose(f);
}

/* Pages on the per-CPU free lists, which MemFree does not count. */
static long long pcp_pages(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	long long n, sum = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &n) == 1)
			sum += n;
	fclose(f);
	return sum;
}

static void acct_take(struct acct *a)
{
	unsigned int i;

	sync();
	writeat("/proc/sys/vm/drop_caches", "3");
	/*
	 * Objects freed after an RCU grace period (xarray nodes, files,
	 * kfree_rcu()): MEMBARRIER_CMD_GLOBAL waits for one, then let the
	 * callbacks run.
	 */
	syscall(__NR_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0);
	syscall(__NR_membarrier, 1, 0, 0);
	usleep(500000);
	for (i = 0; i < nr_shrink; i++)
		pwrite(shrink_fd[i], "1", 1, 0);
	slab_read(a);
	/*
	 * Fold the per-CPU counter deltas into MemFree; a batch of pages
	 * may move between a per-CPU list and the buddy allocator while
	 * both are read: read again until the lists did not change.
	 */
	writeat("/proc/sys/vm/stat_refresh", "1");
	for (i = 0; i < 10; i++) {
		long long pcp = pcp_pages();

		a->used_kb = meminfo_kb("MemTotal") - meminfo_kb("MemFree") -
			     pcp * (PAGE / KiB);
		if (pcp == pcp_pages())
			break;
	}
}

/*
 * Compare with @a0: used memory may grow by @expect_kb (what the test
 * itself added) plus the slack, slab objects by the slack.  The caches
 * that grew most are named.
 */
static int task_cache(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(task_caches); i++)
		if (!strcmp(name, task_caches[i]))
			return 1;
	return 0;
}

static void acct_check(const char *what, const struct acct *a0,
		       long long expect_kb, long long radix_allow)
{
	static struct acct a1;
	long long used, slab, d, grown = 0;
	unsigned int i, j, shown = 0;

	acct_take(&a1);
	used = a1.used_kb - a0->used_kb - expect_kb;
	slab = a1.slab_bytes - a0->slab_bytes;
	ksft_print_msg("%s: memory used %+lld kB beyond the %lld kB added, slab %+lld bytes\n",
		       what, used, expect_kb, slab);
	if (radix_allow)
		ksft_print_msg("%s: %lld bytes of radix_tree_node growth allowed (the nodes the new pages' frames can need)\n",
			       what, radix_allow);
	for (i = 0; i < a1.nr; i++) {
		for (j = 0; j < a0->nr; j++)
			if (!strcmp(a0->cache[j].name, a1.cache[i].name))
				break;
		d = a1.cache[i].bytes - (j < a0->nr ? a0->cache[j].bytes : 0);
		if (d > 1024 && shown++ < 4)
			ksft_print_msg("  %s %+lld bytes\n", a1.cache[i].name, d);
		if (!strcmp(a1.cache[i].name, "radix_tree_node")) {
			/* What KHO legitimately keeps counts in neither. */
			slab -= d < radix_allow ? (d > 0 ? d : 0) : radix_allow;
			d -= radix_allow;
		}
		if (d > grown && !task_cache(a1.cache[i].name))
			grown = d;
	}
	if (!access("/sys/kernel/debug/kmemleak", F_OK)) {
		/*
		 * The sanitizer kernel: KASAN's quarantine and kmemleak's
		 * own objects move the figures; kmemleak looks for leaks
		 * there (the harness fails the boot on its reports).
		 */
		ksft_test_result_skip("%s: accounting left to kmemleak on this kernel\n",
				      what);
		return;
	}
	ksft_test_result(a0->slab_bytes >= 0 && a1.slab_bytes >= 0 &&
			 used <= USED_SLACK_KB && slab <= SLAB_SLACK_BYTES &&
			 grown <= CACHE_SLACK_BYTES,
			 "%s: no memory left behind (used %+lld kB, slack %d; slab %+lld bytes, slack %d; largest cache growth %lld bytes, slack %d)\n",
			 what, used, USED_SLACK_KB, slab, SLAB_SLACK_BYTES,
			 grown, CACHE_SLACK_BYTES);
}

/* The object size of radix_tree_node (xarray nodes), or -1. */
static long long radix_node_bytes(void)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[64];
	long long active, num, size, ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld %lld %lld", name, &active, &num,
			   &size) == 4 && !strcmp(name, "radix_tree_node"))
			ret = size;
	fclose(f);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The most xarray nodes that inserting order-0 entries at the frame
 * numbers @pfn[0..@n) can add: a new node covers at least one of them,
 * so at each level count the distinct ranges of 64^level entries they
 * fall in.  Sorts @pfn.
 */
static long long xa_nodes_bound(uint64_t *pfn, uint64_t n)
{
	long long nodes = 0;
	unsigned int lvl;
	uint64_t i;

	qsort(pfn, n, sizeof(*pfn), cmp_u64);
	for (lvl = 1; lvl <= XA_LEVELS; lvl++) {
		unsigned int sh = lvl * XA_NODE_SHIFT;

		for (i = 0; i < n; i++)
			nodes += !i || (pfn[i] >> sh) != (pfn[i - 1] >> sh);
		if (n && !(pfn[0] >> sh) && !(pfn[n - 1] >> sh))
			break;	/* one node at this level holds them all */
	}
	return nodes;
}

/*
 * The radix_tree_node bytes that KHO's tracking of pages [@first, @last)
 * of memfd @fd may need, from their frames; -1 if they cannot be read.
 */
static long long kho_radix_allow(int fd, uint64_t first, uint64_t last)
{
	long long node = radix_node_bytes(), ret = -1;
	uint64_t n = last - first, i, *pfn;
	volatile const char *p;

	if (node <= 0 || !n)
		return n ? -1 : 0;
	p = mmap(NULL, n * PAGE, PROT_READ, MAP_SHARED, fd, first * PAGE);
	if (p == MAP_FAILED)
		return -1;
	pfn = calloc(n, sizeof(*pfn));
	for (i = 0; pfn && i < n; i++)
		(void)p[i * PAGE];
	if (pfn && !pfns_of((const void *)p, n, pfn)) {
		for (i = 0; i < n && pfn[i]; i++)
			;
		if (i == n)
			ret = xa_nodes_bound(pfn, n) * node;
	}
	free(pfn);
	munmap((void *)p, n * PAGE);
	return ret;
}

/* ---- memfds ---- */

/* A memfd of @k filled with @seed (every other page when sparse). */
static int kind_new(const struct kind *k, const char *name, uint64_t seed)
{
	uint64_t off;
	void *p;
	int fd;

	write_text(SHMEM_THP, k->thp ? "always" : "never");
	fd = memfd_new(name, k->flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, k->size))
		goto err;
	p = map_fd(fd, k->size);
	if (!p)
		goto err;
	for (off = 0; off < k->size; off += k->sparse ? 2 * PAGE : k->size)
		pat_fill(p, off, k->sparse ? PAGE : k->size, seed);
	munmap(p, k->size);
	return fd;
err:
	close(fd);
	return -errno;
}

static int kind_check(const struct kind *k, int fd, uint64_t seed)
{
	struct stat st;
	uint64_t off;
	void *p;
	int ok = 1;

	if (fstat(fd, &st) || st.st_size != (off_t)k->size)
		return 0;
	p = mmap(NULL, k->size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	for (off = 0; off < k->size && ok; off += PAGE) {
		int data = !k->sparse || !((off / PAGE) & 1);

		ok = data ? pat_check(p, off, PAGE, seed) == -1 :
			    zero_check(p, off, PAGE) == -1;
	}
	munmap(p, k->size);
	return ok;
}

/* Fill page @i of @fd (pwrite: no page tables) with its pattern. */
static int fill_page(int fd, uint64_t i, uint64_t seed)
{
	uint64_t buf[PAGE / 8], j;

	for (j = 0; j < PAGE / 8; j++)
		buf[j] = pat_word(seed, i * PAGE + j * 8);
	return pwrite(fd, buf, PAGE, i * PAGE) == PAGE ? 0 : -errno;
}

/* ---- stage 1 ---- */

static void sweep_create(int dev)
{
	unsigned int n, points = 0, bad = 0;
	int s, reached;

	for (n = 1; n <= MAX_POINTS; n++) {
		nth_arm(n);
		s = luo_create_session(dev, "nth-create");
		reached = nth_disarm();
		if (s >= 0) {
			close(s);
			if (!reached) {
				points = n - 1;
				break;
			}
			continue;
		}
		if (!reached || (s != -ENOMEM && s != -ENFILE)) {
			ksft_print_msg("create %u: %d (reached %d)\n", n, s,
				       reached);
			bad++;
		}
	}
	ksft_print_msg("fail_nth: create session: %u injection points\n",
		       points);
	ksft_test_result(n <= MAX_POINTS && !bad,
			 "stage 1: CREATE_SESSION failed at each of its %u injection points cleanly, then worked\n",
			 points);
}

static void sweep_preserve(int dev, const struct kind *k)
{
	unsigned int n, r, points = 0, bad = 0, absorbed = 0;
	uint64_t seed = 0x9e5e0000ULL + (k - kinds);
	int fd, s = -1, ret = -1, reached, done = 0;
	static struct acct a0;
	char name[64];

	snprintf(name, sizeof(name), "nth-preserve-%s", k->name);
	fd = kind_new(k, name, seed);
	if (fd < 0) {
		ksft_test_result_fail("stage 1: %s memfd (%d)\n", k->name, fd);
		return;
	}
	acct_take(&a0);
	for (n = 1; n <= MAX_POINTS && !done; n++) {
		for (r = 0; r < REPEAT && !done; r++) {
			if (s < 0)
				s = luo_create_session(dev, PRESERVE_SESSION);
			if (s < 0) {
				ksft_print_msg("create: %d\n", s);
				bad++;
				done = 1;
				break;
			}
			nth_arm(n);
			ret = lu_preserve(s, fd, 1);
			reached = nth_disarm();
			if (!ret) {
				/* Preserved: undone by closing the session. */
				close(s);
				s = -1;
				if (!reached) {
					points = n - 1;
					done = 1;
				} else if (!r) {
					absorbed++;
				}
				continue;
			}
			if (!reached || ret != -ENOMEM) {
				ksft_print_msg("%s preserve %u: %d (reached %d)\n",
					       k->name, n, ret, reached);
				bad++;
			}
		}
	}
	if (s >= 0)
		close(s);
	ksft_print_msg("fail_nth: %s memfd preserve: %u injection points (%u failures absorbed)\n",
		       k->name, points, absorbed);
	ksft_test_result(done && !bad && !ret && kind_check(k, fd, seed),
			 "stage 1: %s memfd: PRESERVE_FD failed at each of its %u injection points with ENOMEM, the file stayed preservable and whole\n",
			 k->name, points);
	acct_check(k->name, &a0, 0, 0);
	close(fd);
}

/* Load an image for reboot(LINUX_REBOOT_CMD_KEXEC): it never boots. */
static int load_refused_image(void)
{
	int ret = system("tb-kexec /boot/bzImage /testbed/plan 'panic=1' --load-only");

	return ret ?: writeat(REFUSE_KEXEC, "1");
}

static void sweep_freeze(int dev)
{
	static const uint64_t sizes[] = {
		F_A_SIZE, F_B_SIZE, F_C_SIZE, F_D_SIZE, F_E_SIZE,
	};
	unsigned int n, r, points = 0, bad = 0, stuck = 0, absorbed = 0, t;
	struct freeze_state fs = {};
	int s, fd[5], ret = 0, err, reached, ok = 1;
	long long allow;
	uint32_t filled0;
	static struct acct a0;
	char name[64];

	s = luo_create_session(dev, FREEZE_SESSION);
	for (t = 1; t <= 5; t++) {
		struct kind k = { "", 0, sizes[t - 1], t == 2, 0 };

		snprintf(name, sizeof(name), "nth-freeze-%u", t);
		if (t == 3) {
			/* Sparse: pages are added one by one below. */
			write_text(SHMEM_THP, "never");
			fd[2] = memfd_new(name, 0);
			if (fd[2] < 0 || ftruncate(fd[2], F_C_SIZE) ||
			    fill_page(fd[2], fs.filled++, F_SEED(3)))
				ok = 0;
		} else {
			fd[t - 1] = kind_new(&k, name, F_SEED(t));
		}
		if (fd[t - 1] < 0 || s < 0 || lu_preserve(s, fd[t - 1], t))
			ok = 0;
	}
	write_text(SHMEM_THP, "never");
	ret = ok ? load_refused_image() : -EINVAL;
	ksft_test_result(ok && !ret,
			 "stage 1: freeze session preserved, kexec image loaded, refusal armed (%d)\n",
			 ret);
	if (!ok || ret)
		return;

	filled0 = fs.filled;
	acct_take(&a0);
	for (n = 1, r = 0; n <= MAX_POINTS; r = (r + 1) % REPEAT, n += !r) {
		/*
		 * A hole filled since the last try: the freeze has to scan
		 * C again and rewrite its record.  Refused if C stayed
		 * frozen after the last try.
		 */
		if (fs.filled >= F_C_SIZE / PAGE ||
		    fill_page(fd[2], fs.filled, F_SEED(3))) {
			ksft_print_msg("freeze %u: cannot fill page %u of C: %s\n",
				       n, fs.filled, strerror(errno));
			stuck++;
			break;
		}
		fs.filled++;
		sync();
		nth_arm(n);
		ret = reboot(LINUX_REBOOT_CMD_KEXEC);
		err = errno;
		reached = nth_disarm();
		if (!ret) {
			ksft_print_msg("reboot(KEXEC) returned 0\n");
			bad++;
			break;
		}
		if (access(KHO_DIR "/out/blobs/liveupdate", F_OK) == 0) {
			ksft_print_msg("freeze %u: live update state left in the handover\n",
				       n);
			stuck++;
		}
		if (!reached) {
			if (err != ECANCELED) {
				ksft_print_msg("freeze %u: %s without an injected failure\n",
					       n, strerror(err));
				bad++;
			}
			points = n - 1;
			break;
		}
		if (err == ECANCELED) {
			absorbed += !r;
		} else if (err != ENOMEM) {
			ksft_print_msg("freeze %u: %s\n", n, strerror(err));
			bad++;
		}
	}
	writeat(REFUSE_KEXEC, "0");
	fs.points = points;
	ksft_print_msg("fail_nth: freeze: %u injection points (%u failures absorbed)\n",
		       points, absorbed);
	ksft_test_result(n <= MAX_POINTS && !bad && !stuck,
			 "stage 1: the kexec's freeze failed at each of its %u injection points with ENOMEM and was rolled back (session usable, no state left in the handover)\n",
			 points);
	allow = kho_radix_allow(fd[2], filled0, fs.filled);
	if (allow < 0)
		ksft_print_msg("freeze: cannot read the frames of C's %u new pages\n",
			       fs.filled - filled0);
	acct_check("freeze", &a0, (long long)(fs.filled - filled0) * PAGE / KiB,
		   allow < 0 ? 0 : allow);
	ret = state_save("luo_fail_nth.freeze", &fs, sizeof(fs));
	ksft_test_result(!ret, "stage 1: %u pages of C written, state saved (%d)\n",
			 fs.filled, ret);
}

static void stage1(void)
{
	unsigned int k;
	int dev, ret;

	ksft_set_plan(2 + 1 + 2 * NR_KINDS + 4);
	ret = setup_fault_injection();
	dev = open(LUO_DEV, O_RDWR);
	ksft_test_result(!ret && dev >= 0,
			 "stage 1: fault injection set up (%d), /dev/liveupdate open\n",
			 ret);
	if (ret || dev < 0)
		ksft_exit_fail();
	ret = writeat("/sys/kernel/debug/fail_luo_accept/probability", "0");
	ksft_test_result(!ret, "stage 1: fail_luo_accept present (%d)\n", ret);
	sweep_create(dev);
	for (k = 0; k < NR_KINDS; k++)
		sweep_preserve(dev, &kinds[k]);
	sweep_freeze(dev);
	close(dev);
}

/* ---- stage 2 ---- */

static int check_c(int fd, uint32_t filled)
{
	struct stat st;
	uint64_t i;
	void *p;
	int ok = 1;

	if (fstat(fd, &st) || st.st_size != (off_t)F_C_SIZE)
		return 0;
	p = mmap(NULL, F_C_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	for (i = 0; i < F_C_SIZE / PAGE && ok; i++)
		ok = i < filled ? pat_check(p, i * PAGE, PAGE, F_SEED(3)) == -1 :
				  zero_check(p, i * PAGE, PAGE) == -1;
	munmap(p, F_C_SIZE);
	return ok;
}

/*
 * Retrieve @token with the sweep; the fd or -errno.  *@points gets the
 * number of injection points (a lower bound when a failure was absorbed).
 */
static int sweep_retrieve(int s, uint64_t token, unsigned int stop_at,
			  unsigned int *points, unsigned int *bad)
{
	unsigned int n;
	int fd = -ENOENT, reached;

	*points = 0;
	for (n = 1; n <= MAX_POINTS; n++) {
		nth_arm(n);
		fd = lu_retrieve(s, token);
		reached = nth_disarm();
		if (fd >= 0) {
			*points = reached ? n : n - 1;
			return fd;
		}
		if (!reached || (fd != -ENOMEM && fd != -ENOSPC)) {
			ksft_print_msg("retrieve %llu at %u: %d (reached %d)\n",
				       (unsigned long long)token, n, fd,
				       reached);
			(*bad)++;
			return fd;
		}
		if (n == stop_at)
			return fd;
	}
	(*bad)++;
	return -ELOOP;
}

static void stage2_freeze(void)
{
	unsigned int n, points, bad = 0, pa, pb, pc, pe;
	struct freeze_state fs;
	int dev, s = -1, fa, fb, fc, fe, ret, reached;
	struct kind ka = { "", 0, F_A_SIZE, 0, 0 };
	struct kind kb = { "", 0, F_B_SIZE, 1, 0 };
	static struct acct a0;

	ret = state_load("luo_fail_nth.freeze", &fs, sizeof(fs));
	dev = open(LUO_DEV, O_RDWR);
	ksft_test_result(!ret && dev >= 0,
			 "stage 2: state of stage 1 (%d), /dev/liveupdate open\n",
			 ret);
	if (ret || dev < 0)
		ksft_exit_fail();
	acct_take(&a0);

	for (n = 1, points = 0; n <= MAX_POINTS; n++) {
		nth_arm(n);
		s = luo_retrieve_session(dev, FREEZE_SESSION);
		reached = nth_disarm();
		if (s >= 0) {
			points = reached ? n : n - 1;
			break;
		}
		if (!reached || (s != -ENOMEM && s != -ENFILE)) {
			ksft_print_msg("retrieve session %u: %d\n", n, s);
			bad++;
			break;
		}
	}
	ksft_print_msg("fail_nth: retrieve session: %u injection points\n",
		       points);
	ksft_test_result(s >= 0 && !bad,
			 "stage 2: RETRIEVE_SESSION failed at each of its %u injection points cleanly, then worked\n",
			 points);
	if (s < 0)
		ksft_exit_fail();

	fa = sweep_retrieve(s, 1, 0, &pa, &bad);
	fb = sweep_retrieve(s, 2, 0, &pb, &bad);
	fc = sweep_retrieve(s, 3, 0, &pc, &bad);
	ksft_print_msg("fail_nth: memfd retrieve: 4k %u, thp %u, sparse (%u pages) %u points\n",
		       pa, pb, fs.filled, pc);
	ksft_test_result(fa >= 0 && fb >= 0 && fc >= 0 && !bad,
			 "stage 2: RETRIEVE_FD failed at each injection point cleanly (4k %u, thp %u, sparse %u points), then worked\n",
			 pa, pb, pc);
	ksft_test_result(fa >= 0 && kind_check(&ka, fa, F_SEED(1)) &&
			 fb >= 0 && kind_check(&kb, fb, F_SEED(2)) &&
			 fc >= 0 && check_c(fc, fs.filled),
			 "stage 2: every byte carried, the %u pages written between the %u failed freezes included\n",
			 fs.filled, fs.points);
	/* Token 5: its retrieve fails half way, and is left so. */
	fe = sweep_retrieve(s, 5, (pa + 1) / 2, &pe, &bad);
	ksft_test_result(fe == -ENOMEM || fe == -ENOSPC,
			 "stage 2: a retrieve failed half way (at call %u) is left for the finish (%d)\n",
			 (pa + 1) / 2, fe);
	if (fe >= 0)
		close(fe);

	/* Token 4 was never retrieved. */
	for (n = 1, points = 0; n <= MAX_POINTS; n++) {
		nth_arm(n);
		ret = lu_finish(s);
		reached = nth_disarm();
		if (!ret) {
			points = reached ? n : n - 1;
			break;
		}
		if (!reached) {
			ksft_print_msg("finish %u: %d\n", n, ret);
			break;
		}
	}
	ksft_print_msg("fail_nth: finish: %u injection points\n", points);
	ksft_test_result(!ret,
			 "stage 2: FINISH went through its %u injection points and released the rest (%d)\n",
			 points, ret);
	ret = lu_retrieve(s, 4);
	ksft_test_result(ret == -EINVAL,
			 "stage 2: nothing to retrieve after the finish (%d)\n",
			 ret);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	if (fc >= 0)
		close(fc);
	close(s);
	close(dev);
	/* Everything of the session is released: nothing may be left. */
	acct_check("stage 2: retrieve and finish", &a0, 0, 0);
}

/* ---- the accept, stages 2 and on ---- */

/*
 * Preserve the accept session, which stays open for the kexec; the next
 * boot fails accept call @next.
 */
static int accept_prepare(int stage, unsigned int next)
{
	struct accept_state as = { .stage = stage };
	struct kind k = { "", 0, A_SIZE, 0, 0 };
	int s, fd, i, ret = 0;
	char buf[64];

	s = lu_session_create(ACCEPT_SESSION);
	if (s < 0)
		ret = s;
	for (i = 0; !ret && i < A_NR; i++) {
		snprintf(buf, sizeof(buf), "nth-accept-%d", i);
		fd = kind_new(&k, buf, accept_seed(stage, i));
		ret = fd < 0 ? fd : lu_preserve(s, fd, 100 + i);
		if (fd >= 0)
			close(fd);
	}
	snprintf(buf, sizeof(buf), "fail_luo_accept=%u,100,0,1", next);
	ret = ret ?: state_save("luo_fail_nth.accept", &as, sizeof(as));
	ret = ret ?: next_stage_append(buf);
	return ret;
}

/*
 * debugfs liveupdate/in/arrays: the two array headers (struct
 * luo_array_hdr, 40 bytes: sessions then files) as the accept read them.
 * Returns 1 when the file holds exactly two headers with the array magic
 * ("LUOA"), 0 when it is missing or holds anything else.
 */
static int in_arrays_present(void)
{
	unsigned char buf[2 * 40 + 1];
	ssize_t r;
	int fd;

	fd = open("/sys/kernel/debug/liveupdate/in/arrays", O_RDONLY);
	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof(buf));
	close(fd);
	return r == 2 * 40 && !memcmp(buf, "LUOA", 4) &&
	       !memcmp(buf + 40, "LUOA", 4);
}

/* Retrieve the accept session's memfds, check every byte, finish it. */
static int accept_check(int s, uint32_t stage)
{
	struct kind k = { "", 0, A_SIZE, 0, 0 };
	int fd, i, ok = 1;

	for (i = 0; i < A_NR; i++) {
		fd = s < 0 ? s : lu_retrieve(s, 100 + i);
		if (fd < 0 || !kind_check(&k, fd, accept_seed(stage, i)))
			ok = 0;
		if (fd >= 0)
			close(fd);
	}
	return s >= 0 && ok && !lu_finish(s);
}

static void stage_accept(int stage, int last)
{
	unsigned int n = stage - 2;
	long long times, interval, released;
	struct accept_state as;
	char status[256] = "", buf[32];
	int s, ret, ok, arrays, arrays_before;

	ret = state_load("luo_fail_nth.accept", &as, sizeof(as));
	if (!ret && as.done) {
		ksft_set_plan(1);
		ksft_test_result_pass("stage %d: the accept sweep ended at stage %u\n",
				      stage, as.done);
		return;
	}
	times = -1;
	interval = -1;
	if (read_text(FAIL_ACCEPT_DIR "/times", buf, sizeof(buf)) > 0)
		times = atoll(buf);
	if (read_text(FAIL_ACCEPT_DIR "/interval", buf, sizeof(buf)) > 0)
		interval = atoll(buf);
	ksft_set_plan(times == 0 ? 4 : 3);
	ksft_test_result(!ret && as.stage == (uint32_t)stage - 1 &&
			 interval == n && (times == 0 || times == 1),
			 "stage %d: accept call %u armed (interval %lld), %s\n",
			 stage, n, interval,
			 times == 0 ? "failure made" : "not reached");
	if (times == 0) {
		/*
		 * Out of memory at boot: nothing thrown away.  The handover
		 * is kept whole (not finished, nothing released), with a
		 * message, until /dev/liveupdate is opened again.
		 */
		read_text(KHO_DIR "/in/status", status, sizeof(status));
		status[strcspn(status, "\n")] = 0;
		released = stat_value(KHO_DIR "/in/stats", "released_pages");
		ksft_test_result(kmsg_has(ACCEPT_KEPT_MSG) &&
				 !strncmp(status, "accepted", 8) && released <= 0,
				 "stage %d: accept failed at call %u: the handover is kept whole with a message, nothing released (%s)\n",
				 stage, n, status);
		arrays_before = in_arrays_present();
		/* The open of the retrieve retries the accept. */
		s = lu_session_retrieve(ACCEPT_SESSION);
		ok = accept_check(s, as.stage);
		if (s >= 0)
			close(s);
		read_text(KHO_DIR "/in/status", status, sizeof(status));
		status[strcspn(status, "\n")] = 0;
		/*
		 * The retry read the arrays (if the failure came before):
		 * their headers are in debugfs as after an accept at boot.
		 */
		arrays = in_arrays_present();
		ksft_test_result(ok && kmsg_has("live update state accepted on retry") &&
				 !strncmp(status, "finished", 8) && arrays,
				 "stage %d: the next open retried the accept: session whole, every byte back, finished, handover released (%s), liveupdate/in/arrays %s (before the retry: %s)\n",
				 stage, status, arrays ? "there" : "MISSING",
				 arrays_before ? "there" : "not yet");
		if (last) {
			ksft_test_result_fail("stage %d: %s\n", stage,
					      "the accept has more injection points than the plan has stages: raise stages=");
			return;
		}
		ret = accept_prepare(stage, n + 1);
		ksft_test_result(!ret,
				 "stage %d: accept session preserved again, next boot fails accept call %u (%d)\n",
				 stage, n + 1, ret);
		return;
	}
	/* Not reached: accepted whole at boot. */
	s = lu_session_retrieve(ACCEPT_SESSION);
	ok = accept_check(s, as.stage);
	ksft_print_msg("fail_nth: accept: %u injection points\n", n - 1);
	arrays = in_arrays_present();
	ksft_test_result(ok && arrays,
			 "stage %d: the accept met no failure (%u injection points): session accepted whole, every byte back, finished, liveupdate/in/arrays %s\n",
			 stage, n - 1, arrays ? "there" : "MISSING");
	if (s >= 0)
		close(s);
	read_text(KHO_DIR "/in/status", status, sizeof(status));
	status[strcspn(status, "\n")] = 0;
	ksft_test_result(!strncmp(status, "finished", 8),
			 "stage %d: the handover is released once the session is finished (%s)\n",
			 stage, status);
	as.done = stage;
	state_save("luo_fail_nth.accept", &as, sizeof(as));
}

static void stage2(void)
{
	ksft_set_plan(9);
	if (setup_fault_injection())
		ksft_exit_fail_msg("fault injection not available\n");
	stage2_freeze();
	ksft_test_result(!accept_prepare(2, 1),
			 "stage 2: accept session preserved, next boot fails accept call 1\n");
}

/*
 * The accept sweep's failures reject the state on purpose, so the harness
 * counts the stages: as many as its plan gives.
 */
static void run_stage(int stage, int nr)
{
	if (stage == 1)
		stage1();
	else if (stage == 2)
		stage2();
	else
		stage_accept(stage, stage >= nr);
}

LU_TEST_MAIN_NUMBERED("luo_fail_nth", run_stage, 0)
