// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_IOAS_MAP_FILE against the mock IOMMU domain of IOMMUFD_TEST: memfd
 * ranges mapped, checked page by page against the memfd's own mapping, read
 * and written through an emulated access, copied to another IOAS, and every
 * bad input answered with its documented errno and nothing left mapped.
 * The mock domain records the protection bits of each mapping: RAM is
 * cacheable, device memory (MOCK_DMABUF_MMIO) is MMIO and never cacheable
 * on every path. A read-only dma-buf fd refuses a writeable map, and a
 * memfd over RLIMIT_MEMLOCK is refused before anything is pinned.
 *
 * user_va_runs maps user memory with IOMMU_IOAS_MAP, through the run-list
 * map of iommufd's batches and through 6.12's path (one iommu_map() per
 * run), and checks that both map and pin the same pages. user_va_run_list
 * maps scattered user memory in several batches of several hundred runs,
 * mapped from the pfn_reader's physr list, and fails each of the list's
 * allocations in turn (fault injection); user_va_thp_runs maps THPs, one
 * run per folio run.
 *
 * The map_runs tests drive iommu_map_runs() on the mock domain directly
 * (IOMMU_TEST_OP_MD_MAP_RUNS): a long list of runs lands page by page at
 * consecutive IOVAs, a list that fails part way leaves nothing of itself
 * mapped, and bad lists are refused with their errno.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>

#include "iommufd_utils.h"
#include "iommu_map_trace.h"

#define NPAGES 64
#define HUGE_SIZE (2UL << 20)

/* drivers/dma-buf/sw_sync.c, a debugfs interface (CONFIG_SW_SYNC) */
#define SW_SYNC "/sys/kernel/debug/sync/sw_sync"
struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};

#define SW_SYNC_IOC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC _IOW('W', 1, __u32)

static int map_file(int fd, __u32 ioas_id, int mfd, __u64 start, __u64 length,
		    __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = mfd,
		.start = start,
		.length = length,
		.iova = *iova,
	};
	int ret;

	ret = ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);
	*iova = cmd.iova;
	return ret;
}

#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define RW_FIXED (RW | IOMMU_IOAS_MAP_FIXED_IOVA)

/*
 * Runs mapped into IOMMU domains by this process since
 * iommu_map_trace_start(): one map event per iommu_map() of a run, plus
 * the runs of each map_runs event (iommu_map_trace.h); each run is traced
 * once, whether the domain has the map_runs op or not (map_runs,
 * trace_once).  -1 on failure.
 */
static long map_trace_runs(struct iommu_map_trace *t, long *runs_calls)
{
	struct iommu_map_count c;

	if (iommu_map_trace_stop(t, &c))
		return -1;
	if (runs_calls)
		*runs_calls = c.runs_calls;
	return c.maps + c.runs;
}

/*
 * 0 when every IOVA page of [iova, iova + length) of mock domain @hwpt is
 * mapped with exactly the protection bits @prot (MOCK_PROT_*); -1 with
 * ENOENT (a page not mapped) or EIO (other bits) when not.
 */
static int md_check_prot(int fd, __u32 hwpt, __u64 iova, __u64 length,
			 __u32 prot)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_PROT,
		.id = hwpt,
		.check_prot = { .iova = iova, .length = length, .prot = prot },
	};

	return ioctl(fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_MD_CHECK_PROT), &cmd);
}

#define PROT_RW (MOCK_PROT_READ | MOCK_PROT_WRITE)

/* Drop CAP_IPC_LOCK from every set, so that locked memory is charged */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].inheritable &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &hdr, data);
}

/*
 * Run @body in a child under RLIMIT_MEMLOCK @limit and without
 * CAP_IPC_LOCK: its result (0 when every step held, else the number of
 * the step that failed), 12 when the limit cannot be set, -1 when the
 * child cannot be run.
 */
static int under_memlock(size_t limit,
			 int (*body)(int fd, __u32 ioas_id, size_t limit),
			 int fd, __u32 ioas_id)
{
	struct rlimit rl = { .rlim_cur = limit, .rlim_max = limit };
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || drop_ipc_lock())
			_exit(12);
		_exit(body(fd, ioas_id, limit));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Fault injection (failslab, fail_page_alloc, fail_iommufd) through the
 * task's fail-nth file: the nth fault point the task reaches fails.
 */
static int fail_nth_open(void)
{
	static const char *const files[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		/* No stack dump per injected fault */
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
		{ "/sys/kernel/debug/fail_iommufd/verbose", "0" },
	};
	char path[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		int fd = open(files[i][0], O_WRONLY);

		if (fd < 0 || write(fd, files[i][1], 1) != 1)
			return -1;
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	return open(path, O_RDWR);
}

static void fail_nth_arm(int fd, unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	if (pwrite(fd, buf, len, 0) != len)
		abort();
}

/* Disarm; true when the armed fault was injected */
static bool fail_nth_disarm(int fd)
{
	char buf[16] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (pwrite(fd, "0", 1, 0) != 1)
		abort();
	return n > 0 && atoi(buf) == 0;
}

/*
 * Map with each fault point in turn failing, until a run reaches none:
 * a failed map must leave nothing mapped (a fixed map of the whole range
 * then works), a successful one must map the right pages.
 */
#define map_fail_nth(_fd, _ioas, _file, _length, _check, _idle)              \
	({                                                                   \
		int __nthfd = fail_nth_open(), __f = (_fd), __mf = (_file);  \
		unsigned int __nth, __failed = 0, __ioas = (_ioas);          \
		__u64 __iova, __len = (_length);                             \
		bool __hit;                                                  \
		int __ret;                                                   \
		ASSERT_LE(0, __nthfd);                                       \
		for (__nth = 1; __nth < 2000; __nth++) {                     \
			__iova = MOCK_APERTURE_START;                        \
			fail_nth_arm(__nthfd, __nth);                        \
			__ret = map_file(__f, __ioas, __mf, 0, __len,        \
					 &__iova, RW_FIXED);                 \
			__hit = fail_nth_disarm(__nthfd);                    \
			if (__ret) {                                         \
				ASSERT_TRUE(__hit);                          \
				__failed++;                                  \
			} else {                                             \
				_check;                                      \
				test_ioctl_ioas_unmap(__iova, __len);        \
			}                                                    \
			__iova = MOCK_APERTURE_START;                        \
			ASSERT_EQ(0, map_file(__f, __ioas, __mf, 0, __len,   \
					      &__iova, RW_FIXED));           \
			test_ioctl_ioas_unmap(__iova, __len);                \
			_idle;                                               \
			if (!__hit)                                          \
				break;                                       \
		}                                                            \
		ASSERT_GT(2000, __nth);                                      \
		ASSERT_LT(0, __failed);                                      \
		close(__nthfd);                                              \
		printf("# %u fault points reached, %u made the map fail\n", \
		       __nth - 1, __failed);                                 \
	})

FIXTURE(map_file)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 hwpt_ids[2];
	int mfd;
	void *mem;
	size_t size;
};

FIXTURE_SETUP(map_file)
{
	unsigned int i;

	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	self->size = NPAGES * PAGE_SIZE;
	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, &self->hwpt_id,
			     NULL);
	self->hwpt_ids[1] = 0;

	self->mfd = memfd_create("map_file", 0);
	ASSERT_LE(0, self->mfd);
	ASSERT_EQ(0, ftruncate(self->mfd, self->size));
	self->mem = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->mfd, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	for (i = 0; i != self->size / sizeof(int); i++)
		((int *)self->mem)[i] = rand();
}

FIXTURE_TEARDOWN(map_file)
{
	munmap(self->mem, self->size);
	close(self->mfd);
	teardown_iommufd(self->fd, _metadata);
}

/* Every page of the IOVA range maps the page the memfd mapping shows */
#define check_mock_iova(_ptr, _iova, _length)                                \
	({                                                                   \
		struct iommu_test_cmd check_map_cmd = {                      \
			.size = sizeof(check_map_cmd),                       \
			.op = IOMMU_TEST_OP_MD_CHECK_MAP,                    \
			.id = self->hwpt_id,                                 \
			.check_map = { .iova = _iova,                        \
				       .length = _length,                    \
				       .uptr = (uintptr_t)(_ptr) },          \
		};                                                           \
		ASSERT_EQ(0, ioctl(self->fd,                                 \
				   _IOMMU_TEST_CMD(IOMMU_TEST_OP_MD_CHECK_MAP), \
				   &check_map_cmd));                         \
	})

/* Nothing is mapped at [iova, iova + length): a fixed map there works */
#define check_nothing_at(_iova, _length)                                     \
	({                                                                   \
		__u64 __iova = (_iova), __len = (_length);                   \
		ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0, \
				      __len, &__iova, RW_FIXED));            \
		test_ioctl_ioas_unmap(__iova, __len);                        \
	})

TEST_F(map_file, whole_and_slices)
{
	__u64 iova = MOCK_APERTURE_START;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, &iova, RW_FIXED));
	ASSERT_EQ(MOCK_APERTURE_START, iova);
	check_mock_iova(self->mem, iova, self->size);
	/* Each page pinned once while mapped, released by the unmap */
	check_refs(self->mem, self->size, 1);
	test_ioctl_ioas_unmap(iova, self->size);
	check_refs(self->mem, self->size, 0);

	/* A slice in the middle, at an IOVA the kernel picks */
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd,
			      3 * PAGE_SIZE, 5 * PAGE_SIZE, &iova, RW));
	check_mock_iova(self->mem + 3 * PAGE_SIZE, iova, 5 * PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, 5 * PAGE_SIZE);

	/* Read-only mapping of the last page */
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd,
			      self->size - PAGE_SIZE, PAGE_SIZE, &iova,
			      IOMMU_IOAS_MAP_READABLE));
	check_mock_iova(self->mem + self->size - PAGE_SIZE, iova, PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, PAGE_SIZE);
}

/* A domain attached after the map is filled from the pinned list */
TEST_F(map_file, domain_after_map)
{
	__u32 ioas_id, stdev_id, hwpt_id;
	__u64 iova = MOCK_APERTURE_START;

	test_ioctl_ioas_alloc(&ioas_id);
	ASSERT_EQ(0, map_file(self->fd, ioas_id, self->mfd, 0, self->size,
			      &iova, RW_FIXED));
	test_cmd_mock_domain(ioas_id, &stdev_id, &hwpt_id, NULL);
	self->hwpt_id = hwpt_id;
	check_mock_iova(self->mem, iova, self->size);
	/* Detach while mapped, then unmap the domain-less IOAS */
	test_ioctl_destroy(stdev_id);
	test_ioctl_ioas_unmap_id(ioas_id, iova, self->size);
	test_ioctl_destroy(ioas_id);
}

/* IOMMU_IOAS_COPY shares the pinned pages with another IOAS */
TEST_F(map_file, copy)
{
	struct iommu_ioas_copy copy_cmd = {
		.size = sizeof(copy_cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.src_ioas_id = self->ioas_id,
		.length = self->size,
	};
	__u64 iova = MOCK_APERTURE_START;
	__u32 ioas_id, stdev_id, hwpt_id;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, &iova, RW_FIXED));
	test_ioctl_ioas_alloc(&ioas_id);
	test_cmd_mock_domain(ioas_id, &stdev_id, &hwpt_id, NULL);
	copy_cmd.dst_ioas_id = ioas_id;
	copy_cmd.src_iova = iova;
	copy_cmd.dst_iova = MOCK_APERTURE_START + self->size;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_COPY, &copy_cmd));
	/* The source can go: the copy keeps the pages */
	test_ioctl_ioas_unmap(iova, self->size);
	self->hwpt_id = hwpt_id;
	check_mock_iova(self->mem, copy_cmd.dst_iova, self->size);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(ioas_id);
}

/* An emulated device reads and writes the memfd by IOVA */
TEST_F(map_file, access_rw)
{
	unsigned char buf[3 * 4096 / 2];
	struct iommu_test_cmd rw = {
		.size = sizeof(rw),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.access_rw = { .uptr = (uintptr_t)buf },
	};
	__u64 iova = MOCK_APERTURE_START;
	__u32 access_id;
	unsigned int i;

	ASSERT_EQ(4096, PAGE_SIZE);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, &iova, RW_FIXED));
	test_cmd_create_access(self->ioas_id, &access_id,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	rw.id = access_id;

	/* Across a page boundary, both directions */
	rw.access_rw.iova = iova + 5 * PAGE_SIZE - 100;
	rw.access_rw.length = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
			   &rw));
	ASSERT_EQ(0, memcmp(buf, self->mem + 5 * PAGE_SIZE - 100,
			    sizeof(buf)));
	for (i = 0; i != sizeof(buf); i++)
		buf[i] = i * 7 + 1;
	rw.access_rw.flags = MOCK_ACCESS_RW_WRITE;
	ASSERT_EQ(0, ioctl(self->fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
			   &rw));
	ASSERT_EQ(0, memcmp(buf, self->mem + 5 * PAGE_SIZE - 100,
			    sizeof(buf)));
	test_cmd_destroy_access(access_id);
	test_ioctl_ioas_unmap(iova, self->size);
}

/* Pinning for an access gives exactly the memfd's pages */
TEST_F(map_file, access_pages)
{
	struct iommu_test_cmd pin = {
		.size = sizeof(pin),
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
	};
	__u64 iova = MOCK_APERTURE_START;
	__u32 access_id;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, &iova, RW_FIXED));
	test_cmd_create_access(self->ioas_id, &access_id,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	pin.id = access_id;
	pin.access_pages.iova = iova + 2 * PAGE_SIZE;
	pin.access_pages.length = 7 * PAGE_SIZE;
	pin.access_pages.uptr = (uintptr_t)self->mem + 2 * PAGE_SIZE;
	pin.access_pages.flags = MOCK_FLAGS_ACCESS_WRITE;
	ASSERT_EQ(0, ioctl(self->fd,
			   _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_PAGES), &pin));
	test_cmd_destroy_access_pages(access_id,
				      pin.access_pages.out_access_pages_id);
	test_cmd_destroy_access(access_id);
	test_ioctl_ioas_unmap(iova, self->size);
}

/* Whatever allocation fails, nothing is left mapped or pinned */
TEST_F(map_file, fail_nth)
{
	map_fail_nth(self->fd, self->ioas_id, self->mfd, self->size,
		     check_mock_iova(self->mem, __iova, self->size),
		     check_refs(self->mem, self->size, 0));
}

/*
 * A memfd of three pin batches and a part (physr pins 512 pages at a time,
 * each batch charged first, with a fail_iommufd fault point per charge):
 * whatever fails, in the first batch or after some were pinned, nothing
 * is left mapped or pinned.  Into an IOAS with no domain, so that the
 * fault points are those of the pin, not the mock domain's per page.
 */
TEST_F(map_file, fail_nth_batches)
{
	const size_t size = (3 * 512 + 100) * PAGE_SIZE;
	__u32 ioas_id, fixture_ioas;
	char *mem;
	int mfd;

	test_ioctl_ioas_alloc(&ioas_id);

	mfd = memfd_create("map_file_fail_batches", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, size));
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0x6b, size);
	/*
	 * Mapped: every page pinned once; failed or unmapped: not at all.
	 * The macro unmaps from self->ioas_id: that is the bare IOAS here.
	 */
	fixture_ioas = self->ioas_id;
	self->ioas_id = ioas_id;
	map_fail_nth(self->fd, self->ioas_id, mfd, size,
		     check_refs(mem, size, 1), check_refs(mem, size, 0));
	self->ioas_id = fixture_ioas;
	munmap(mem, size);
	close(mfd);
}

/*
 * Over the locked memory limit after two batches: ENOMEM, and the pages of
 * the two batches already pinned are unpinned and their charge given
 * back (a map of the whole limit works afterwards).
 */
static int memlock_mid_batches(int fd, __u32 ioas_id, size_t limit)
{
	const size_t big = 16UL << 20;
	struct iommu_test_cmd refs = {
		.size = sizeof(refs),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = big },
	};
	__u64 iova = MOCK_APERTURE_START;
	char *mem;
	int mfd;

	mfd = memfd_create("memlock_mid", 0);
	if (mfd < 0 || ftruncate(mfd, big))
		return 10;
	mem = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (mem == MAP_FAILED)
		return 11;
	memset(mem, 0x2d, big);
	/* Two batches (4 MiB) fit the limit, the third does not */
	if (map_file(fd, ioas_id, mfd, 0, big, &iova, RW_FIXED) != -1 ||
	    errno != ENOMEM)
		return 13;
	/* No page of the memfd stays pinned */
	refs.check_refs.uptr = (uintptr_t)mem;
	if (ioctl(fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_MD_CHECK_REFS), &refs))
		return 14;
	/* The charge came back: the whole limit can be mapped */
	if (map_file(fd, ioas_id, mfd, 0, limit, &iova, RW_FIXED))
		return 15;
	return 0;
}

TEST_F(map_file, memlock_mid_batches)
{
	ASSERT_EQ(0, under_memlock(4UL << 20, memlock_mid_batches, self->fd,
				   self->ioas_id));
}

/*
 * Many batches: a memfd whose pages were allocated in reverse order, each
 * right after a page of a second memfd (so that each page is a range of
 * its own whether the allocator hands out pages going up, going down or
 * scattered), read into batches of three entries:
 * every batch continues the walk of the list where the previous stopped,
 * and a slice starts it in the middle.
 */
TEST_F(map_file, many_batches)
{
	const size_t n = 512, size = n * PAGE_SIZE;
	__u64 iova = MOCK_APERTURE_START;
	struct iommu_map_trace tr;
	long calls;
	char *mem, *spacer;
	int mfd, sfd;
	size_t i;

	mfd = memfd_create("map_file_batches", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, size));
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	sfd = memfd_create("map_file_spacer", 0);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, ftruncate(sfd, size));
	spacer = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	ASSERT_NE(MAP_FAILED, spacer);
	for (i = n; i--;) {
		spacer[i * PAGE_SIZE] = i;
		mem[i * PAGE_SIZE] = i;
	}

	test_ioctl_set_temp_memory_limit(36);
	ASSERT_EQ(0, iommu_map_trace_start(&tr, "map_file"));
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, mfd, 0, size, &iova,
			      RW_FIXED));
	/* One run per range: many more ranges than one batch holds */
	calls = map_trace_runs(&tr, NULL);
	printf("# %ld ranges of a %zu-page memfd, 3 per batch\n", calls, n);
	ASSERT_LT(10, calls);
	check_mock_iova(mem, iova, size);
	test_ioctl_ioas_unmap(iova, size);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, mfd, 101 * PAGE_SIZE,
			      300 * PAGE_SIZE, &iova, RW));
	check_mock_iova(mem + 101 * PAGE_SIZE, iova, 300 * PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, 300 * PAGE_SIZE);
	test_ioctl_set_temp_memory_limit(65536);
	munmap(spacer, size);
	close(sfd);
	munmap(mem, size);
	close(mfd);
}

/* A hugetlb folio is one run: one iommu_map() call for the whole of it */
TEST_F(map_file, hugetlb_one_call)
{
	__u64 iova = MOCK_APERTURE_START;
	struct iommu_map_trace tr;
	void *mem;
	int hfd;

	hfd = memfd_create("map_file_huge", MFD_HUGETLB);
	ASSERT_LE(0, hfd);
	ASSERT_EQ(0, ftruncate(hfd, HUGE_SIZE));
	mem = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0x5a, HUGE_SIZE);

	ASSERT_EQ(0, iommu_map_trace_start(&tr, "map_file"));
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, hfd, 0, HUGE_SIZE,
			      &iova, RW_FIXED));
	ASSERT_EQ(1, map_trace_runs(&tr, NULL));
	check_mock_iova(mem, iova, HUGE_SIZE);
	test_ioctl_ioas_unmap(iova, HUGE_SIZE);
	munmap(mem, HUGE_SIZE);
	close(hfd);
}

/*
 * A hugetlb memfd never touched: the pin fills the hole (a huge folio
 * allocated from the reserve, as memfd_pin_folios() does) and maps it as
 * one run; the memfd mapped afterwards shows the same, zeroed, folio.
 */
TEST_F(map_file, hugetlb_hole)
{
	__u64 iova = MOCK_APERTURE_START;
	struct iommu_map_trace tr;
	size_t i;
	char *mem;
	int hfd;

	hfd = memfd_create("map_file_huge_hole", MFD_HUGETLB);
	ASSERT_LE(0, hfd);
	ASSERT_EQ(0, ftruncate(hfd, HUGE_SIZE));
	ASSERT_EQ(0, iommu_map_trace_start(&tr, "map_file"));
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, hfd, 0, HUGE_SIZE,
			      &iova, RW_FIXED));
	ASSERT_EQ(1, map_trace_runs(&tr, NULL));
	mem = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < HUGE_SIZE; i += PAGE_SIZE)
		ASSERT_EQ(0, mem[i]);
	check_mock_iova(mem, iova, HUGE_SIZE);
	test_ioctl_ioas_unmap(iova, HUGE_SIZE);
	munmap(mem, HUGE_SIZE);
	close(hfd);
}

TEST_F(map_file, bad_input)
{
	struct udmabuf_create create = {};
	__u64 iova = MOCK_APERTURE_START;
	int rofd, efd, dfd, bfd;
	char path[64];

	/* Flags: unknown ones, none of read/write */
	EXPECT_ERRNO(EOPNOTSUPP, map_file(self->fd, self->ioas_id, self->mfd,
					  0, PAGE_SIZE, &iova, RW | 1 << 10));
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->mfd, 0,
				      PAGE_SIZE, &iova,
				      IOMMU_IOAS_MAP_FIXED_IOVA));
	/* Lengths and offsets */
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->mfd, 0,
				      0, &iova, RW_FIXED));
	EXPECT_ERRNO(EOVERFLOW, map_file(self->fd, self->ioas_id, self->mfd,
					 -4096ULL, 2 * PAGE_SIZE, &iova,
					 RW_FIXED));
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->mfd,
				      self->size - PAGE_SIZE, 2 * PAGE_SIZE,
				      &iova, RW_FIXED));
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->mfd,
				      self->size, PAGE_SIZE, &iova, RW_FIXED));
	/* Unknown IOAS */
	EXPECT_ERRNO(ENOENT, map_file(self->fd, self->ioas_id + 1000,
				      self->mfd, 0, PAGE_SIZE, &iova,
				      RW_FIXED));
	/* Fds: closed, not a memfd or dma-buf */
	EXPECT_ERRNO(EBADF, map_file(self->fd, self->ioas_id, -1, 0,
				     PAGE_SIZE, &iova, RW_FIXED));
	efd = open("/proc/self/stat", O_RDONLY);
	ASSERT_LE(0, efd);
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, efd, 0,
				      PAGE_SIZE, &iova, RW_FIXED));
	close(efd);
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->fd, 0,
				      PAGE_SIZE, &iova, RW_FIXED));
	/* Writable mapping of a memfd opened read-only */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->mfd);
	rofd = open(path, O_RDONLY);
	ASSERT_LE(0, rofd);
	EXPECT_ERRNO(EPERM, map_file(self->fd, self->ioas_id, rofd, 0,
				     PAGE_SIZE, &iova, RW_FIXED));
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, rofd, 0, PAGE_SIZE,
			      &iova, IOMMU_IOAS_MAP_READABLE |
					     IOMMU_IOAS_MAP_FIXED_IOVA));
	close(rofd);
	/* Already mapped IOVA */
	EXPECT_ERRNO(EEXIST, map_file(self->fd, self->ioas_id, self->mfd, 0,
				      PAGE_SIZE, &iova, RW_FIXED));
	test_ioctl_ioas_unmap(iova, PAGE_SIZE);

	/* A dma-buf whose exporter cannot revoke access: udmabuf */
	create.memfd = memfd_create("udmabuf", MFD_ALLOW_SEALING);
	create.size = 4 * PAGE_SIZE;
	ASSERT_LE(0, create.memfd);
	ASSERT_EQ(0, ftruncate(create.memfd, create.size));
	ASSERT_EQ(0, fcntl(create.memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	dfd = open("/dev/udmabuf", O_RDWR);
	ASSERT_LE(0, dfd);
	bfd = ioctl(dfd, UDMABUF_CREATE, &create);
	ASSERT_LE(0, bfd);
	EXPECT_ERRNO(EOPNOTSUPP, map_file(self->fd, self->ioas_id, bfd, 0,
					  PAGE_SIZE, &iova, RW_FIXED));
	close(bfd);
	close(create.memfd);
	close(dfd);

	/* None of the failures left anything behind */
	check_nothing_at(MOCK_APERTURE_START, self->size);
}

/*
 * The locked memory limit is charged batch by batch, each batch before any
 * of it is allocated or pinned: with a limit below one batch (512 pages),
 * a sparse memfd gets no page allocated by the failed map.
 */
static int memlock_before_pin(int fd, __u32 ioas_id, size_t limit)
{
	const size_t big = 16UL << 20;
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas_id,
		.length = limit / 2,
	};
	__u64 iova = MOCK_APERTURE_START;
	struct stat st;
	int mfd;

	mfd = memfd_create("memlock", 0);
	if (mfd < 0 || ftruncate(mfd, big))
		return 10;
	/* Over the limit: ENOMEM, and nothing was pinned or allocated */
	if (map_file(fd, ioas_id, mfd, 0, big, &iova, RW_FIXED) != -1 ||
	    errno != ENOMEM)
		return 11;
	if (fstat(mfd, &st))
		return 12;
	if (st.st_blocks) {
		printf("# %llu KiB of the memfd were allocated by a refused map\n",
		       (unsigned long long)st.st_blocks / 2);
		return 13;
	}
	/* Under the limit it works, and the charge comes back */
	if (map_file(fd, ioas_id, mfd, 0, limit / 2, &iova, RW_FIXED))
		return 14;
	unmap.iova = iova;
	if (ioctl(fd, IOMMU_IOAS_UNMAP, &unmap))
		return 15;
	if (map_file(fd, ioas_id, mfd, 0, limit, &iova, RW_FIXED))
		return 16;
	return 0;
}

TEST_F(map_file, memlock_before_pin)
{
	ASSERT_EQ(0, under_memlock(1UL << 20, memlock_before_pin, self->fd,
				   self->ioas_id));
}

/* Cacheable RAM: a memfd is mapped with IOMMU_CACHE, never IOMMU_MMIO */
TEST_F(map_file, prot_bits)
{
	__u64 iova = MOCK_APERTURE_START;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, &iova, RW_FIXED));
	ASSERT_EQ(0, md_check_prot(self->fd, self->hwpt_id, iova, self->size,
				   PROT_RW | MOCK_PROT_CACHE));
	test_ioctl_ioas_unmap(iova, self->size);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, &iova,
			      IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, md_check_prot(self->fd, self->hwpt_id, iova, self->size,
				   MOCK_PROT_READ | MOCK_PROT_CACHE));
	test_ioctl_ioas_unmap(iova, self->size);
	EXPECT_ERRNO(ENOENT, md_check_prot(self->fd, self->hwpt_id, iova,
					   PAGE_SIZE, MOCK_PROT_READ));
}

/*
 * dma-bufs, from the test exporter of IOMMUFD_TEST: pages it owns, that it
 * can revoke like a VFIO device being reset.
 */
static int test_dmabuf_get_flags(int fd, size_t length, __u32 open_flags,
				 __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = { .open_flags = open_flags,
				.length = length,
				.flags = flags },
	};

	return ioctl(fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_DMABUF_GET), &cmd);
}

static int test_dmabuf_get(int fd, size_t length)
{
	return test_dmabuf_get_flags(fd, length, O_CLOEXEC | O_RDWR, 0);
}

static int test_dmabuf_revoke(int fd, int dmabuf, bool revoked)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_REVOKE,
		.dmabuf_revoke = { .dmabuf_fd = dmabuf, .revoked = revoked },
	};

	return ioctl(fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_DMABUF_REVOKE), &cmd);
}

/* 0 when every page of [iova, iova + length) of @hwpt maps @ptr's page */
static int md_check(int fd, __u32 hwpt, void *ptr, __u64 iova, __u64 length)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt,
		.check_map = { .iova = iova, .length = length,
			       .uptr = (uintptr_t)ptr },
	};

	return ioctl(fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_MD_CHECK_MAP), &cmd);
}

FIXTURE(map_dmabuf)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 idev_id;
	__u32 hwpt_id[2];
	int dbuf;
	void *mem;
	size_t size;
};

FIXTURE_SETUP(map_dmabuf)
{
	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	self->size = 16 * PAGE_SIZE;
	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	/* Two mock domains on the IOAS: the device's and one more */
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, &self->hwpt_id[0],
			     &self->idev_id);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0, &self->hwpt_id[1]);
	ASSERT_NE(self->hwpt_id[0], self->hwpt_id[1]);
	self->dbuf = test_dmabuf_get(self->fd, self->size);
	ASSERT_LE(0, self->dbuf);
	self->mem = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->dbuf, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(map_dmabuf)
{
	munmap(self->mem, self->size);
	close(self->dbuf);
	teardown_iommufd(self->fd, _metadata);
}

#define check_both(_ptr, _iova, _length)                                     \
	({                                                                   \
		void *__p = (_ptr);                                          \
		__u64 __i = (_iova), __l = (_length);                        \
		ASSERT_EQ(0, md_check(self->fd, self->hwpt_id[0], __p, __i,  \
				      __l));                                 \
		ASSERT_EQ(0, md_check(self->fd, self->hwpt_id[1], __p, __i,  \
				      __l));                                 \
	})

/* The domain has nothing at the first page of [iova, ...) */
#define check_gone(_hwpt, _ptr, _iova)                                       \
	({                                                                   \
		ASSERT_EQ(-1, md_check(self->fd, (_hwpt), (_ptr), (_iova),   \
				       PAGE_SIZE));                          \
		ASSERT_EQ(EINVAL, errno);                                    \
	})

TEST_F(map_dmabuf, map_and_slices)
{
	__u64 iova = MOCK_APERTURE_START;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	check_both(self->mem, iova, self->size);
	test_ioctl_ioas_unmap(iova, self->size);

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf,
			      5 * PAGE_SIZE, 3 * PAGE_SIZE, &iova, RW));
	check_both(self->mem + 5 * PAGE_SIZE, iova, 3 * PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, 3 * PAGE_SIZE);

	/* Past the end of the dma-buf */
	EXPECT_ERRNO(EINVAL, map_file(self->fd, self->ioas_id, self->dbuf,
				      self->size - PAGE_SIZE, 2 * PAGE_SIZE,
				      &iova, RW));
	/* Nothing left mapped: the whole IOVA range is free */
	iova = MOCK_APERTURE_START;
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	test_ioctl_ioas_unmap(iova, self->size);
}

/* Memory handed out as a dma-buf is not given to emulated accesses */
TEST_F(map_dmabuf, no_access)
{
	char buf[64];
	struct iommu_test_cmd rw = {
		.size = sizeof(rw),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.access_rw = { .uptr = (uintptr_t)buf, .length = sizeof(buf) },
	};
	struct iommu_test_cmd pin = {
		.size = sizeof(pin),
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
	};
	__u64 iova = MOCK_APERTURE_START;
	__u32 access_id;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	test_cmd_create_access(self->ioas_id, &access_id,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	rw.id = access_id;
	rw.access_rw.iova = iova + 100;
	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_RW),
			   &rw));
	pin.id = access_id;
	pin.access_pages.iova = iova;
	pin.access_pages.length = PAGE_SIZE;
	pin.access_pages.uptr = (uintptr_t)self->mem;
	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd,
			   _IOMMU_TEST_CMD(IOMMU_TEST_OP_ACCESS_PAGES), &pin));
	test_cmd_destroy_access(access_id);
	test_ioctl_ioas_unmap(iova, self->size);
}

/*
 * Revocation unmaps from both domains; the area stays revoked through
 * domain removal and addition and after access is allowed again, while a
 * new mapping works once it is.
 */
TEST_F(map_dmabuf, revoke)
{
	__u64 iova = MOCK_APERTURE_START, iova2;
	__u32 hwpt_id;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	check_both(self->mem, iova, self->size);

	ASSERT_EQ(0, test_dmabuf_revoke(self->fd, self->dbuf, true));
	check_gone(self->hwpt_id[0], self->mem, iova);
	check_gone(self->hwpt_id[1], self->mem, iova + self->size - PAGE_SIZE);
	iova2 = iova + self->size;
	EXPECT_ERRNO(ENODEV, map_file(self->fd, self->ioas_id, self->dbuf, 0,
				      self->size, &iova2, RW_FIXED));

	/* One domain goes (another remains), a new one comes */
	test_ioctl_destroy(self->hwpt_id[1]);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0, &hwpt_id);
	check_gone(hwpt_id, self->mem, iova);

	/* Allowed again: the old area stays dead, a new one works */
	ASSERT_EQ(0, test_dmabuf_revoke(self->fd, self->dbuf, false));
	check_gone(self->hwpt_id[0], self->mem, iova);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova2, RW_FIXED));
	ASSERT_EQ(0, md_check(self->fd, self->hwpt_id[0], self->mem, iova2,
			      self->size));
	ASSERT_EQ(0, md_check(self->fd, hwpt_id, self->mem, iova2,
			      self->size));
	test_ioctl_ioas_unmap(iova, self->size);
	test_ioctl_ioas_unmap(iova2, self->size);

	/* Every domain gone with a revoked area left in the IOAS */
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	ASSERT_EQ(0, test_dmabuf_revoke(self->fd, self->dbuf, true));
	test_ioctl_destroy(hwpt_id);
	test_ioctl_destroy(self->stdev_id);
	test_ioctl_ioas_unmap(iova, self->size);
}

/*
 * An importer's DMA still in flight is tracked by the fences of the
 * reservation object: revocation returns only once they have signalled,
 * as the move_notify contract asks of an exporter.
 */
TEST_F(map_dmabuf, revoke_waits_for_fences)
{
	struct sw_sync_create_fence_data fence = {
		.value = 1, .name = "map_dmabuf",
	};
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	struct pollfd pfd = { .fd = self->dbuf, .events = POLLOUT };
	__u64 iova = MOCK_APERTURE_START;
	int tl, status, i;
	__u32 inc = 1;
	pid_t pid, rc;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	tl = open(SW_SYNC, O_RDWR);
	ASSERT_LE(0, tl) TH_LOG("%s: %s (CONFIG_SW_SYNC?)", SW_SYNC,
				strerror(errno));
	ASSERT_EQ(0, ioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &fence));
	imp.fd = fence.fence;
	ASSERT_EQ(0, ioctl(self->dbuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(test_dmabuf_revoke(self->fd, self->dbuf, true) ? 1 : 0);
	sleep(1);
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG))
		TH_LOG("revocation returned with an unsignalled fence");

	ASSERT_EQ(0, ioctl(tl, SW_SYNC_IOC_INC, &inc));
	for (rc = 0, i = 0; i < 100 && rc == 0; i++) {
		usleep(100000);
		rc = waitpid(pid, &status, WNOHANG);
	}
	ASSERT_EQ(pid, rc) TH_LOG("revocation still blocked after the fence");
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	check_gone(self->hwpt_id[0], self->mem, iova);
	close(fence.fence);
	close(tl);
	test_ioctl_ioas_unmap(iova, self->size);
}

/* A mapping copied to another IOAS is revoked there too */
TEST_F(map_dmabuf, revoke_copy)
{
	struct iommu_ioas_copy copy_cmd = {
		.size = sizeof(copy_cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.src_ioas_id = self->ioas_id,
		.length = self->size,
	};
	__u64 iova = MOCK_APERTURE_START;
	__u32 ioas_id, stdev_id, hwpt_id;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	test_ioctl_ioas_alloc(&ioas_id);
	test_cmd_mock_domain(ioas_id, &stdev_id, &hwpt_id, NULL);
	copy_cmd.dst_ioas_id = ioas_id;
	copy_cmd.src_iova = iova;
	copy_cmd.dst_iova = iova + self->size;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_COPY, &copy_cmd));
	ASSERT_EQ(0, md_check(self->fd, hwpt_id, self->mem, copy_cmd.dst_iova,
			      self->size));

	ASSERT_EQ(0, test_dmabuf_revoke(self->fd, self->dbuf, true));
	check_gone(self->hwpt_id[0], self->mem, iova);
	check_gone(self->hwpt_id[1], self->mem, iova);
	check_gone(hwpt_id, self->mem, copy_cmd.dst_iova);
	/* A revoked mapping cannot be copied */
	copy_cmd.dst_iova += self->size;
	EXPECT_ERRNO(ENODEV, ioctl(self->fd, IOMMU_IOAS_COPY, &copy_cmd));

	test_ioctl_ioas_unmap_id(ioas_id, iova + self->size, self->size);
	test_ioctl_ioas_unmap(iova, self->size);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(ioas_id);
}

TEST_F(map_dmabuf, fail_nth)
{
	map_fail_nth(self->fd, self->ioas_id, self->dbuf, self->size,
		     check_both(self->mem, __iova, self->size), (void)0);
}

/* The dma-buf outlives its mapping; closing it first is fine too */
TEST_F(map_dmabuf, close_while_mapped)
{
	__u64 iova = MOCK_APERTURE_START;
	int dbuf = test_dmabuf_get(self->fd, 4 * PAGE_SIZE);

	ASSERT_LE(0, dbuf);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, dbuf, 0, 4 * PAGE_SIZE,
			      &iova, RW_FIXED));
	close(dbuf);
	test_ioctl_ioas_unmap(iova, 4 * PAGE_SIZE);
	/* The test op only takes the test exporter's dma-bufs */
	EXPECT_ERRNO(EINVAL, test_dmabuf_revoke(self->fd, self->fd, true));
}

/* A dma-buf fd opened read-only cannot be mapped writeable */
TEST_F(map_dmabuf, read_only_fd)
{
	__u64 iova = MOCK_APERTURE_START;
	int rbuf = test_dmabuf_get_flags(self->fd, self->size, O_CLOEXEC, 0);

	ASSERT_LE(0, rbuf);
	EXPECT_ERRNO(EPERM, map_file(self->fd, self->ioas_id, rbuf, 0,
				     self->size, &iova, RW_FIXED));
	EXPECT_ERRNO(EPERM, map_file(self->fd, self->ioas_id, rbuf, 0,
				     self->size, &iova,
				     IOMMU_IOAS_MAP_WRITEABLE |
					     IOMMU_IOAS_MAP_FIXED_IOVA));
	/* Nothing was mapped by the refused calls; reading is allowed */
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, rbuf, 0, self->size,
			      &iova, IOMMU_IOAS_MAP_READABLE |
					     IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, md_check_prot(self->fd, self->hwpt_id[0], iova,
				   self->size, MOCK_PROT_READ | MOCK_PROT_CACHE));
	test_ioctl_ioas_unmap(iova, self->size);
	close(rbuf);
}

/*
 * Device memory is mapped as MMIO and never cacheable, on every path that
 * maps it: MAP_FILE, a domain added later, IOAS_COPY (whose flags know
 * nothing of MMIO), and a new map after revoke and restore.
 */
TEST_F(map_dmabuf, mmio_prot)
{
	struct iommu_ioas_copy copy_cmd = {
		.size = sizeof(copy_cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.src_ioas_id = self->ioas_id,
		.length = self->size,
	};
	__u32 ioas_id, stdev_id, hwpt_dst, hwpt_late;
	__u64 iova = MOCK_APERTURE_START, iova2;
	const __u32 mmio_rw = PROT_RW | MOCK_PROT_MMIO;
	int mbuf;

	mbuf = test_dmabuf_get_flags(self->fd, self->size, O_CLOEXEC | O_RDWR,
				     MOCK_DMABUF_MMIO);
	ASSERT_LE(0, mbuf);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, mbuf, 0, self->size,
			      &iova, RW_FIXED));
	ASSERT_EQ(0, md_check_prot(self->fd, self->hwpt_id[0], iova,
				   self->size, mmio_rw));
	ASSERT_EQ(0, md_check_prot(self->fd, self->hwpt_id[1], iova,
				   self->size, mmio_rw));

	/* A domain attached after the map */
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0, &hwpt_late);
	ASSERT_EQ(0, md_check_prot(self->fd, hwpt_late, iova, self->size,
				   mmio_rw));

	/* IOAS_COPY, read-only, into another IOAS with its own domain */
	test_ioctl_ioas_alloc(&ioas_id);
	test_cmd_mock_domain(ioas_id, &stdev_id, &hwpt_dst, NULL);
	copy_cmd.dst_ioas_id = ioas_id;
	copy_cmd.src_iova = iova;
	copy_cmd.dst_iova = iova + self->size;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_COPY, &copy_cmd));
	ASSERT_EQ(0, md_check_prot(self->fd, hwpt_dst, copy_cmd.dst_iova,
				   self->size,
				   MOCK_PROT_READ | MOCK_PROT_MMIO));

	/* Revoked: mapped nowhere; restored: a new map is MMIO again */
	ASSERT_EQ(0, test_dmabuf_revoke(self->fd, mbuf, true));
	EXPECT_ERRNO(ENOENT, md_check_prot(self->fd, self->hwpt_id[0], iova,
					   self->size, mmio_rw));
	EXPECT_ERRNO(ENOENT, md_check_prot(self->fd, hwpt_dst,
					   copy_cmd.dst_iova, self->size,
					   MOCK_PROT_READ | MOCK_PROT_MMIO));
	ASSERT_EQ(0, test_dmabuf_revoke(self->fd, mbuf, false));
	iova2 = iova + 2 * self->size;
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, mbuf, 0, self->size,
			      &iova2, RW_FIXED));
	ASSERT_EQ(0, md_check_prot(self->fd, self->hwpt_id[0], iova2,
				   self->size, mmio_rw));
	ASSERT_EQ(0, md_check_prot(self->fd, hwpt_late, iova2, self->size,
				   mmio_rw));

	/* The RAM dma-buf of the fixture, for contrast: cacheable */
	iova = iova + 3 * self->size;
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->dbuf, 0,
			      self->size, &iova, RW_FIXED));
	ASSERT_EQ(0, md_check_prot(self->fd, self->hwpt_id[0], iova,
				   self->size, PROT_RW | MOCK_PROT_CACHE));

	test_ioctl_ioas_unmap(iova, self->size);
	test_ioctl_ioas_unmap(iova2, self->size);
	test_ioctl_ioas_unmap(MOCK_APERTURE_START, self->size);
	test_ioctl_ioas_unmap_id(ioas_id, copy_cmd.dst_iova, self->size);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(ioas_id);
	test_ioctl_destroy(hwpt_late);
	close(mbuf);
}

/* IOMMU_TEST_OP_MD_MAP_RUNS of @mode on the mock domain @hwpt */
static int md_map_runs(int fd, __u32 hwpt, __u64 iova,
		       const struct iommu_test_run *runs, __u32 nr, __u32 mode)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_MAP_RUNS,
		.id = hwpt,
		.map_runs = { .iova = iova, .runs = (uintptr_t)runs,
			      .nr_runs = nr, .mode = mode },
	};

	return ioctl(fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_MD_MAP_RUNS), &cmd);
}

#define MAP_RUNS_SWITCH "/sys/kernel/debug/iommufd/map_runs"
#define USER_NPAGES 300
#define BATCH_MAP_RUNS 32	/* drivers/iommu/iommufd/pages.c */

static int write_switch(int on)
{
	int fd = open(MAP_RUNS_SWITCH, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, on ? "1" : "0", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/* Physically contiguous runs of the pages at @mem (pagemap, as root) */
static long count_pfn_runs(void *mem, size_t npages)
{
	uint64_t e, pfn, prev = 0;
	long runs = 0;
	size_t i;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -1;
	for (i = 0; i < npages; i++) {
		if (pread(fd, &e, 8, ((uintptr_t)mem / PAGE_SIZE + i) * 8) != 8)
			e = 0;
		pfn = e & ((1ULL << 55) - 1);
		/* Not present, or no PFN (not root) */
		if (!(e >> 63) || !pfn) {
			runs = -1;
			break;
		}
		if (!i || pfn != prev + 1)
			runs++;
		prev = pfn;
	}
	close(fd);
	return runs;
}

/*
 * IOMMU_IOAS_MAP of user memory: the pinned pages go into the batch as
 * physically contiguous runs and each batch is mapped with
 * iommu_map_runs_nosync(), BATCH_MAP_RUNS runs a call; with the debugfs
 * switch off, as 6.12 did, one iommu_map() per run. Both map exactly the
 * same pages, each pinned once, starting half a page in (the first run
 * starts inside a page, the last ends inside one).
 */
TEST_F(map_file, user_va_runs)
{
	size_t size = USER_NPAGES * PAGE_SIZE, off = PAGE_SIZE / 2;
	__u64 iova = MOCK_APERTURE_START + off;
	struct iommu_map_trace tr;
	long runs, calls, rcalls;
	char *mem, *spacer;
	unsigned int i;
	int on;

	if (access(MAP_RUNS_SWITCH, W_OK))
		SKIP(return, "no %s", MAP_RUNS_SWITCH);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	spacer = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, spacer);
	ASSERT_EQ(0, madvise(mem, size, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, madvise(spacer, size, MADV_NOHUGEPAGE));
	/* Some pages adjacent, most not: runs of one and of several pages */
	for (i = 0; i < USER_NPAGES; i++) {
		if (i % 4 == 0)
			spacer[i * PAGE_SIZE] = 1;
		mem[i * PAGE_SIZE] = i;
	}
	runs = count_pfn_runs(mem, USER_NPAGES);
	ASSERT_LT(BATCH_MAP_RUNS, runs);
	printf("# %ld runs in %u pages\n", runs, USER_NPAGES);

	for (on = 1; on >= 0; on--) {
		ASSERT_EQ(0, write_switch(on));
		ASSERT_EQ(0, iommu_map_trace_start(&tr, "user_va_runs"));
		test_ioctl_ioas_map_fixed(mem + off, size - PAGE_SIZE, iova);
		calls = map_trace_runs(&tr, &rcalls);
		/* One run per contiguous run either way: nothing split */
		ASSERT_EQ(runs, calls);
		ASSERT_EQ(on ? (runs + BATCH_MAP_RUNS - 1) / BATCH_MAP_RUNS : 0,
			  rcalls);
		check_mock_iova(mem + off, iova, size - PAGE_SIZE);
		check_refs(mem, size, 1);
		test_ioctl_ioas_unmap(iova, size - PAGE_SIZE);
		check_refs(mem, size, 0);
	}
	ASSERT_EQ(0, write_switch(1));
	munmap(spacer, size);
	munmap(mem, size);
}

#define LIST_NPAGES 1200
/* A batch of 333 runs: 12 bytes an entry (pfns and npfns, pages.c) */
#define LIST_BATCH_MEM 4000
#define LIST_BATCH_RUNS (LIST_BATCH_MEM / 12)
#define FAIL_PHYSR "/sys/kernel/debug/fail_physr_alloc/"

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * Fail the @nth physr list storage allocation (slab array or chunk page)
 * of this task from now on, once; 0 disarms.
 */
static int fail_physr_nth(unsigned int nth)
{
	char space[16];

	snprintf(space, sizeof(space), "%u", nth);
	if (!nth)
		return write_str(FAIL_PHYSR "probability", "0");
	if (write_str(FAIL_PHYSR "verbose", "0") ||
	    write_str(FAIL_PHYSR "task-filter", "Y") ||
	    write_str(FAIL_PHYSR "interval", "1") ||
	    write_str(FAIL_PHYSR "times", "1") ||
	    write_str(FAIL_PHYSR "space", space) ||
	    write_str("/proc/self/make-it-fail", "1"))
		return -1;
	return write_str(FAIL_PHYSR "probability", "100");
}

/*
 * IOMMU_IOAS_MAP of scattered user memory, in batches of LIST_BATCH_RUNS
 * runs (the test's temp memory limit), each mapped from the physr list of
 * the pfn_reader: more than PHYSR_SMALL_MAX runs a batch, so the list
 * moves into a chunk page and crosses into a second one, and more than
 * three batches, so the list is reset and refilled from its kept chunks.
 * The mock domain must hold exactly the user pages, each pinned once: a
 * list that is not what the batch pinned (a stale range of an earlier
 * batch, a lost one) maps other pages.
 *
 * Then every list storage allocation of the map fails in turn
 * (fail_physr_alloc, this task only): each failure, part way through the
 * first batch, returns ENOMEM with nothing mapped and nothing pinned, and
 * the map goes through once the count passes the allocations of the first
 * batch; the later batches reuse its chunks and allocate nothing.
 */
TEST_F(map_file, user_va_run_list)
{
	size_t size = LIST_NPAGES * PAGE_SIZE, off = PAGE_SIZE / 2;
	__u64 iova = MOCK_APERTURE_START + off;
	unsigned int nth, failures = 0;
	struct iommu_map_trace tr;
	long runs, calls, rcalls;
	char *mem, *spacer;
	unsigned int i;

	if (access(MAP_RUNS_SWITCH, W_OK))
		SKIP(return, "no %s", MAP_RUNS_SWITCH);
	if (access(FAIL_PHYSR "space", W_OK))
		SKIP(return, "no %s", FAIL_PHYSR);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	spacer = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, spacer);
	ASSERT_EQ(0, madvise(mem, size, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, madvise(spacer, size, MADV_NOHUGEPAGE));
	/* A spacer page faulted in between every two pages: few neighbours */
	for (i = 0; i < LIST_NPAGES; i++) {
		spacer[i * PAGE_SIZE] = 1;
		mem[i * PAGE_SIZE] = i;
	}
	runs = count_pfn_runs(mem, LIST_NPAGES);
	printf("# %ld runs in %u pages\n", runs, LIST_NPAGES);
	ASSERT_LT(3 * LIST_BATCH_RUNS, runs);
	ASSERT_EQ(0, write_switch(1));
	test_ioctl_set_temp_memory_limit(LIST_BATCH_MEM);

	ASSERT_EQ(0, iommu_map_trace_start(&tr, "user_va_run_list"));
	test_ioctl_ioas_map_fixed(mem + off, size - PAGE_SIZE, iova);
	calls = map_trace_runs(&tr, &rcalls);
	/*
	 * One run per contiguous run, nothing merged; split only where a
	 * batch ends inside a run.
	 */
	ASSERT_LE(runs, calls);
	ASSERT_GE(runs + runs / (LIST_BATCH_RUNS - 1) + 1, calls);
	/* One run-list call per BATCH_MAP_RUNS runs of each batch at least */
	ASSERT_LE((runs + BATCH_MAP_RUNS - 1) / BATCH_MAP_RUNS, rcalls);
	check_mock_iova(mem + off, iova, size - PAGE_SIZE);
	check_refs(mem, size, 1);
	test_ioctl_ioas_unmap(iova, size - PAGE_SIZE);
	check_refs(mem, size, 0);

	for (nth = 1; nth < 64; nth++) {
		int rc;

		ASSERT_EQ(0, fail_physr_nth(nth));
		rc = _test_ioctl_ioas_map(self->fd, self->ioas_id, mem + off,
					  size - PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | RW);
		ASSERT_EQ(0, fail_physr_nth(0));
		if (!rc)
			break;
		ASSERT_EQ(ENOMEM, errno);
		failures++;
		/* Nothing of the failed map is left, mapped or pinned */
		ASSERT_NE(0, md_check_prot(self->fd, self->hwpt_id, iova,
					   PAGE_SIZE - off, PROT_RW));
		ASSERT_EQ(ENOENT, errno);
		check_refs(mem, size, 0);
	}
	printf("# %u list allocations failed in turn\n", failures);
	ASSERT_NE(64, nth);
	/*
	 * The first batch's list storage: slab arrays, then its chunk pages.
	 * A list allocated anew for each of the four batches would have four
	 * times as many.
	 */
	ASSERT_LE(2, failures);
	ASSERT_GE(12, failures);
	check_mock_iova(mem + off, iova, size - PAGE_SIZE);
	check_refs(mem, size, 1);
	test_ioctl_ioas_unmap(iova, size - PAGE_SIZE);
	check_refs(mem, size, 0);

	ASSERT_EQ(0, write_str("/proc/self/make-it-fail", "0"));
	test_ioctl_set_default_memory_limit();
	munmap(spacer, size);
	munmap(mem, size);
}

#define THP_NPAGES ((8UL << 20) / PAGE_SIZE)

/*
 * IOMMU_IOAS_MAP of 8 MiB of anonymous THPs, mapped from the pfn_reader's
 * physr list: one run per physically contiguous run of the memory (a THP,
 * or THPs that are neighbours), counted from the IOMMU map events, and the
 * mock domain holding exactly the user pages (its refcount check skips
 * compound pages). The kernel's THP mode is "always" (kernel.config).
 */
TEST_F(map_file, user_va_thp_runs)
{
	size_t size = THP_NPAGES * PAGE_SIZE;
	__u64 iova = MOCK_APERTURE_START;
	struct iommu_map_trace tr;
	long runs, calls, rcalls;
	char *raw, *mem;
	unsigned int i;

	if (access(MAP_RUNS_SWITCH, W_OK))
		SKIP(return, "no %s", MAP_RUNS_SWITCH);
	raw = mmap(NULL, size + HUGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (char *)(((uintptr_t)raw + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
	ASSERT_EQ(0, madvise(mem, size, MADV_HUGEPAGE));
	for (i = 0; i < THP_NPAGES; i++)
		mem[i * PAGE_SIZE] = i;
	runs = count_pfn_runs(mem, THP_NPAGES);
	printf("# %ld runs in %lu MiB of THPs\n", runs, size >> 20);
	/* THPs, at most one run per 2 MiB folio */
	ASSERT_LT(0, runs);
	ASSERT_GE((long)(size / HUGE_SIZE), runs);
	ASSERT_EQ(0, write_switch(1));

	ASSERT_EQ(0, iommu_map_trace_start(&tr, "user_va_thp_runs"));
	test_ioctl_ioas_map_fixed(mem, size, iova);
	calls = map_trace_runs(&tr, &rcalls);
	ASSERT_EQ(runs, calls);
	ASSERT_EQ(1, rcalls);
	check_mock_iova(mem, iova, size);
	check_refs(mem, size, 1);
	test_ioctl_ioas_unmap(iova, size);
	check_refs(mem, size, 0);
	munmap(raw, size + HUGE_SIZE);
}

#define NR_RUNS		3000
#define MOCK_PAGE	(PAGE_SIZE / 2)	/* MOCK_IO_PAGE_SIZE */
#define RUNS_IOVA	(MOCK_APERTURE_START + (64UL << 20))

FIXTURE(map_runs)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	struct iommu_test_run *runs;
	__u64 span;
};

FIXTURE_SETUP(map_runs)
{
	unsigned int i;

	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, &self->hwpt_id,
			     NULL);
	/* Runs of 1 to 4 mock pages, scattered, none adjacent to the next */
	self->runs = calloc(NR_RUNS, sizeof(*self->runs));
	ASSERT_NE(NULL, self->runs);
	self->span = 0;
	for (i = 0; i < NR_RUNS; i++) {
		self->runs[i].paddr = (__u64)((i * 7919) % NR_RUNS) << 24 |
				      (__u64)(i % 3) * 8 * MOCK_PAGE;
		self->runs[i].length = (1 + i % 4) * MOCK_PAGE;
		self->span += self->runs[i].length;
	}
}

FIXTURE_TEARDOWN(map_runs)
{
	free(self->runs);
	teardown_iommufd(self->fd, _metadata);
}

/* Many runs in one call, every page where it belongs, then unmapped */
TEST_F(map_runs, many)
{
	struct iommu_test_run whole = { .paddr = 0, .length = self->span };

	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
				 &whole, 1, MOCK_MAP_RUNS_CHECK_UNMAPPED));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
				 self->runs, NR_RUNS, MOCK_MAP_RUNS_MAP));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
				 self->runs, NR_RUNS, MOCK_MAP_RUNS_CHECK));
	/* The check can fail: one page further on, nothing matches */
	EXPECT_ERRNO(EIO, md_map_runs(self->fd, self->hwpt_id,
				      RUNS_IOVA + MOCK_PAGE, self->runs,
				      NR_RUNS - 1, MOCK_MAP_RUNS_CHECK));
	EXPECT_ERRNO(EEXIST, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 &whole, 1,
					 MOCK_MAP_RUNS_CHECK_UNMAPPED));
	/* Mapping it again over itself is refused, and changes nothing */
	EXPECT_ERRNO(EEXIST, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 self->runs, NR_RUNS,
					 MOCK_MAP_RUNS_MAP));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
				 self->runs, NR_RUNS, MOCK_MAP_RUNS_CHECK));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
				 self->runs, NR_RUNS, MOCK_MAP_RUNS_UNMAP));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
				 &whole, 1, MOCK_MAP_RUNS_CHECK_UNMAPPED));
}

/*
 * The IOMMU trace events count every run once, on a domain with the
 * map_runs op (one map_runs event for the list) and on one without it
 * (the core maps, and traces, each run with __iommu_map(): one map event
 * each, no map_runs event); the same pages are mapped either way.
 */
TEST_F(map_runs, trace_once)
{
	struct iommu_test_run whole = { .paddr = 0, .length = self->span };
	static const __u32 modes[] = { MOCK_MAP_RUNS_MAP,
				       MOCK_MAP_RUNS_MAP_NO_OP };
	struct iommu_map_trace tr;
	long runs, rcalls;
	unsigned int m;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 &whole, 1,
					 MOCK_MAP_RUNS_CHECK_UNMAPPED));
		ASSERT_EQ(0, iommu_map_trace_start(&tr, "map_runs_trace_once"));
		ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 self->runs, NR_RUNS, modes[m]));
		runs = map_trace_runs(&tr, &rcalls);
		printf("# %s: %ld runs traced for %d mapped, %ld map_runs events\n",
		       m ? "without the op" : "with the op", runs, NR_RUNS,
		       rcalls);
		EXPECT_EQ(NR_RUNS, runs);
		EXPECT_EQ(m ? 0 : 1, rcalls);
		ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 self->runs, NR_RUNS,
					 MOCK_MAP_RUNS_CHECK));
		ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 self->runs, NR_RUNS,
					 MOCK_MAP_RUNS_UNMAP));
	}
}

/*
 * A list that fails part way (an IOVA page in its span is taken) leaves
 * nothing of itself mapped, before or after the failing run, and the page
 * that was there stays as it was.
 */
TEST_F(map_runs, rollback)
{
	struct iommu_test_run whole = { .paddr = 0, .length = self->span };
	unsigned int fail_at = NR_RUNS * 2 / 3, i;
	struct iommu_test_run taken = { .paddr = 1UL << 40 };
	__u64 before = 0, iova;

	for (i = 0; i < fail_at; i++)
		before += self->runs[i].length;
	taken.length = self->runs[fail_at].length;
	iova = RUNS_IOVA + before;
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, iova, &taken, 1,
				 MOCK_MAP_RUNS_MAP));

	EXPECT_ERRNO(EEXIST, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 self->runs, NR_RUNS,
					 MOCK_MAP_RUNS_MAP));
	whole.length = before;
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA, &whole,
				 1, MOCK_MAP_RUNS_CHECK_UNMAPPED));
	whole.length = self->span - before - taken.length;
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id,
				 iova + taken.length, &whole, 1,
				 MOCK_MAP_RUNS_CHECK_UNMAPPED));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, iova, &taken, 1,
				 MOCK_MAP_RUNS_CHECK));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, iova, &taken, 1,
				 MOCK_MAP_RUNS_UNMAP));
}

/* Bad lists: their errno, and nothing mapped */
TEST_F(map_runs, bad_input)
{
	struct iommu_test_run whole = { .paddr = 0, .length = self->span };
	struct iommu_test_run bad[2] = {
		{ .paddr = 0, .length = MOCK_PAGE },
		{ .paddr = 1UL << 30, .length = MOCK_PAGE },
	};

	/* No run at all */
	EXPECT_ERRNO(EINVAL, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 bad, 0, MOCK_MAP_RUNS_MAP));
	/* A misaligned address, an empty run, a misaligned size */
	bad[1].paddr += 8;
	EXPECT_ERRNO(EINVAL, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 bad, 2, MOCK_MAP_RUNS_MAP));
	bad[1].paddr -= 8;
	bad[1].length = 0;
	EXPECT_ERRNO(EINVAL, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 bad, 2, MOCK_MAP_RUNS_MAP));
	bad[1].length = MOCK_PAGE + 8;
	EXPECT_ERRNO(EINVAL, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA,
					 bad, 2, MOCK_MAP_RUNS_MAP));
	/* A misaligned IOVA */
	bad[1].length = MOCK_PAGE;
	EXPECT_ERRNO(EINVAL, md_map_runs(self->fd, self->hwpt_id,
					 RUNS_IOVA + 8, bad, 2,
					 MOCK_MAP_RUNS_MAP));
	/* A span past the end of the IOVA space */
	EXPECT_ERRNO(EOVERFLOW, md_map_runs(self->fd, self->hwpt_id,
					    -(__u64)MOCK_PAGE, bad, 2,
					    MOCK_MAP_RUNS_MAP));
	/* Not a mock paging domain: the IOAS id */
	EXPECT_ERRNO(ENOENT, md_map_runs(self->fd, self->ioas_id, RUNS_IOVA,
					 bad, 2, MOCK_MAP_RUNS_MAP));
	ASSERT_EQ(0, md_map_runs(self->fd, self->hwpt_id, RUNS_IOVA, &whole,
				 1, MOCK_MAP_RUNS_CHECK_UNMAPPED));
}

TEST_HARNESS_MAIN
