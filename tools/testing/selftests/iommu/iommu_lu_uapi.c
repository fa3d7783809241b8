// SPDX-License-Identifier: GPL-2.0
/*
 * An iommufd carried across a real kexec by /dev/liveupdate, against the
 * mock domain of IOMMUFD_TEST (an intel_iommu=off boot with kho=on; two
 * stages).
 *
 * Stage 1: two memfds with known patterns are mapped with
 * IOMMU_IOAS_MAP_FILE into an IOAS with a mock domain, and its HWPT is
 * marked. Preserving the iommufd is refused with EINVAL before the mark
 * and with ESRCH while a memfd it maps is not preserved (the memfds go
 * first); then it is preserved.
 *
 * Stage 2: retrieving the iommufd before its memfds gets ESRCH (and it
 * stays retrievable); after them it comes back working: the IOAS has the
 * same object id, each IOVA reads the retrieved memfd's bytes through an
 * in-kernel access and a write through the IOVA shows in the memfd (the
 * pins are on the retrieved memfd's folios), a new mock domain attached
 * to the IOAS maps exactly the memfd's pages, a new IOMMU_IOAS_MAP_FILE
 * and IOMMU_IOAS_UNMAP work.
 */
#include <stdbool.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>

#include "../liveupdate/memfd_common.h"
#include "../../../../drivers/iommu/iommufd/iommufd_test.h"

#define SESSION		"iommu-lu"
#define SIZE_A		(64 * KiB)
#define SIZE_B		(16 * KiB)
#define IOVA_A		((uint64_t)MOCK_APERTURE_START)
#define IOVA_B		(IOVA_A + 1 * MiB)
#define IOVA_C		(IOVA_A + 2 * MiB)
#define TOK_A		1
#define TOK_B		2
#define TOK_IOMMUFD	10

struct lu_state {
	uint32_t ioas_id;
	uint32_t hwpt_id;
};

static int ioctl_ret(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static int map_file(int fd, uint32_t ioas, int mfd, uint64_t start,
		    uint64_t len, uint64_t iova, uint32_t flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas,
		.fd = mfd,
		.start = start,
		.length = len,
		.iova = iova,
	};

	return ioctl_ret(fd, IOMMU_IOAS_MAP_FILE, &cmd);
}

static int unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	return ioctl_ret(fd, IOMMU_IOAS_UNMAP, &cmd);
}

static int mark(int fd, uint32_t hwpt, uint64_t token)
{
	struct iommu_hwpt_liveupdate_mark_preserve cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt,
		.hwpt_token = token,
	};

	return ioctl_ret(fd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &cmd);
}

static int mock_domain(int fd, uint32_t ioas, uint32_t *hwpt)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas,
	};
	int ret = ioctl_ret(fd, IOMMU_TEST_CMD, &cmd);

	*hwpt = cmd.mock_domain.out_hwpt_id;
	return ret;
}

/* 0 when every page of [iova, iova + len) of @hwpt maps @ptr's page */
static int md_check(int fd, uint32_t hwpt, void *ptr, uint64_t iova,
		    uint64_t len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt,
		.check_map = { .iova = iova, .length = len,
			       .uptr = (uintptr_t)ptr },
	};

	return ioctl_ret(fd, IOMMU_TEST_CMD, &cmd);
}

static int access_new(int fd, uint32_t ioas)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas,
	};
	int ret = ioctl_ret(fd, IOMMU_TEST_CMD, &cmd);

	return ret ? ret : (int)cmd.create_access.out_access_fd;
}

/* Read or write @len bytes at @iova through the in-kernel access */
static int access_rw(int fd, int access, uint64_t iova, void *buf,
		     uint64_t len, bool write)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = access,
		.access_rw = { .iova = iova, .length = len,
			       .uptr = (uintptr_t)buf,
			       .flags = write ? MOCK_ACCESS_RW_WRITE : 0 },
	};

	return ioctl_ret(fd, IOMMU_TEST_CMD, &cmd);
}

static int fill(const char *name, uint64_t size, uint64_t seed)
{
	int fd = memfd_new(name, 0);
	void *p = fd < 0 || ftruncate(fd, size) ? NULL : map_fd(fd, size);

	if (!p)
		return -1;
	pat_fill(p, 0, size, seed);
	munmap(p, size);
	return fd;
}

static void stage1(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct lu_state st = {};
	int fd, a, b, s, ret;

	ksft_set_plan(9);
	fd = open("/dev/iommu", O_RDWR);
	a = fill("guest-a", SIZE_A, 1);
	b = fill("guest-b", SIZE_B, 2);
	s = session_new(SESSION);
	if (fd < 0 || a < 0 || b < 0 || s < 0)
		ksft_exit_fail_msg("setup: iommufd %d memfds %d %d session %d\n",
				   fd, a, b, s);
	ret = ioctl_ret(fd, IOMMU_IOAS_ALLOC, &alloc);
	st.ioas_id = alloc.out_ioas_id;
	ksft_test_result(!ret, "IOAS %u allocated\n", st.ioas_id);
	ret = mock_domain(fd, st.ioas_id, &st.hwpt_id);
	ksft_test_result(!ret, "mock domain HWPT %u (%d)\n", st.hwpt_id, ret);
	ret = map_file(fd, st.ioas_id, a, 0, SIZE_A, IOVA_A,
		       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
	ret = ret ?: map_file(fd, st.ioas_id, b, 4 * KiB, 8 * KiB, IOVA_B,
			      IOMMU_IOAS_MAP_READABLE);
	ksft_test_result(!ret, "memfds mapped at %#llx and %#llx (%d)\n",
			 (unsigned long long)IOVA_A,
			 (unsigned long long)IOVA_B, ret);

	ret = luo_preserve(s, fd, TOK_IOMMUFD);
	ksft_test_result(ret == -EINVAL,
			 "no HWPT marked: preserve refused with EINVAL (%d)\n",
			 ret);
	ret = mark(fd, st.hwpt_id, 0x77);
	ksft_test_result(!ret, "HWPT marked (%d)\n", ret);
	ret = luo_preserve(s, fd, TOK_IOMMUFD);
	ksft_test_result(ret == -ESRCH,
			 "memfds not preserved: refused with ESRCH (%d)\n",
			 ret);
	ret = luo_preserve(s, a, TOK_A);
	ret = ret ?: luo_preserve(s, fd, TOK_IOMMUFD);
	ksft_test_result(ret == -ESRCH,
			 "one memfd not preserved: refused with ESRCH (%d)\n",
			 ret);
	ret = luo_preserve(s, b, TOK_B);
	ret = ret ?: luo_preserve(s, fd, TOK_IOMMUFD);
	ksft_test_result(!ret, "memfds, then the iommufd preserved (%d)\n",
			 ret);
	ret = state_save("iommu_lu_uapi", &st, sizeof(st));
	ksft_test_result(!ret, "state saved (%d)\n", ret);
}

static void stage2(void)
{
	static unsigned char buf[SIZE_A], wbuf[PAGE];
	uint32_t hwpt;
	struct lu_state st;
	int s, fd, a, b, c, acc, ret;
	void *pa, *pb;
	uint64_t i;

	ksft_set_plan(12);
	if (state_load("iommu_lu_uapi", &st, sizeof(st)))
		ksft_exit_fail_msg("no state from stage 1\n");
	s = session_get(SESSION);
	if (s < 0)
		ksft_exit_fail_msg("retrieve session: %d\n", s);
	fd = luo_retrieve(s, TOK_IOMMUFD);
	ksft_test_result(fd == -ESRCH,
			 "iommufd before its memfds: ESRCH (%d)\n", fd);
	a = luo_retrieve(s, TOK_A);
	b = luo_retrieve(s, TOK_B);
	fd = luo_retrieve(s, TOK_IOMMUFD);
	ksft_test_result(a >= 0 && b >= 0 && fd >= 0,
			 "memfds, then the iommufd retrieved (%d %d %d)\n",
			 a, b, fd);
	if (a < 0 || b < 0 || fd < 0)
		ksft_exit_fail_msg("cannot go on\n");
	pa = map_fd(a, SIZE_A);
	pb = map_fd(b, SIZE_B);
	if (!pa || !pb)
		ksft_exit_fail_msg("mmap the memfds\n");

	acc = access_new(fd, st.ioas_id);
	ksft_test_result(acc >= 0, "IOAS %u is there with its id (access %d)\n",
			 st.ioas_id, acc);
	ret = acc < 0 ? acc : access_rw(fd, acc, IOVA_A, buf, SIZE_A, false);
	ksft_test_result(!ret && pat_check(buf, 0, SIZE_A, 1) == -1,
			 "IOVA %#llx reads memfd A's pattern (%d)\n",
			 (unsigned long long)IOVA_A, ret);
	ret = acc < 0 ? acc : access_rw(fd, acc, IOVA_B, buf, 8 * KiB, false);
	ksft_test_result(!ret &&
			 !memcmp(buf, (char *)pb + 4 * KiB, 8 * KiB) &&
			 pat_check(pb, 0, SIZE_B, 2) == -1,
			 "IOVA %#llx reads memfd B from offset 4 KiB (%d)\n",
			 (unsigned long long)IOVA_B, ret);
	for (i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = i * 13 + 5;
	ret = acc < 0 ? acc : access_rw(fd, acc, IOVA_A + 8 * KiB, wbuf,
					sizeof(wbuf), true);
	ksft_test_result(!ret && !memcmp((char *)pa + 8 * KiB, wbuf,
					 sizeof(wbuf)),
			 "a write to IOVA A + 8 KiB lands in the retrieved memfd (%d)\n",
			 ret);
	ret = acc < 0 ? acc : access_rw(fd, acc, IOVA_B, wbuf, PAGE, true);
	ksft_test_result(ret == -EPERM,
			 "B stays read-only: write refused (%d)\n", ret);
	if (acc >= 0)
		close(acc);

	ret = mock_domain(fd, st.ioas_id, &hwpt);
	ret = ret ?: md_check(fd, hwpt, pa, IOVA_A, SIZE_A);
	ret = ret ?: md_check(fd, hwpt, (char *)pb + 4 * KiB, IOVA_B, 8 * KiB);
	ksft_test_result(!ret,
			 "a new domain maps exactly the retrieved memfds' pages (%d)\n",
			 ret);

	c = fill("guest-c", 8 * KiB, 3);
	ret = c < 0 ? -1 : map_file(fd, st.ioas_id, c, 0, 8 * KiB, IOVA_C,
				    IOMMU_IOAS_MAP_READABLE);
	ksft_test_result(!ret, "a new IOMMU_IOAS_MAP_FILE works (%d)\n", ret);
	ret = unmap(fd, st.ioas_id, IOVA_A, SIZE_A);
	ksft_test_result(!ret, "IOMMU_IOAS_UNMAP of a retrieved area works (%d)\n",
			 ret);
	ret = unmap(fd, st.ioas_id, IOVA_C, 8 * KiB);
	ret = ret ?: unmap(fd, st.ioas_id, IOVA_B, 8 * KiB);
	ksft_test_result(!ret, "and of the others (%d)\n", ret);
	ret = kmsg_has("iommufd_lu: retrieved an iommufd: 1 IOAS, 2 areas, 1 HWPTs");
	ksft_test_result(ret, "the kernel logged the retrieve\n");
	close(fd);
	ksft_finished();
}

LU_TEST_MAIN_HARNESS("iommu_lu_uapi", stage1, stage2);
