// SPDX-License-Identifier: GPL-2.0
/*
 * A damaged iommufd record from the previous kernel is rejected as a
 * whole, with a message, and the boot and the other files go on (mock
 * domain, kho=on, two stages).
 *
 * Stage 1 switches on the handler's test-only damage
 * (/sys/kernel/debug/iommufd_lu/test_corrupt, CONFIG_LIVEUPDATE_TEST) and
 * preserves one memfd and seven iommufds mapping it, each with a marked
 * HWPT: six whose token asks the freeze to damage one kind of record
 * (header, IOAS, HWPT, area, device, array handle) and a good one.
 * Stage 2: each damaged one is refused with EINVAL and its reason in the
 * kernel log, and again when asked twice; the good one comes back working.
 */
#include <stdbool.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>

#include "../liveupdate/memfd_common.h"
#include "../../../../drivers/iommu/iommufd/iommufd_test.h"

#define SESSION		"iommu-lu-corrupt"
#define SIZE		(32 * KiB)
#define IOVA		((uint64_t)MOCK_APERTURE_START)
#define TEST_TOKEN	0xc0de0000ULL
#define TOK_MEMFD	1
#define TOK_GOOD	100

static const struct {
	const char *how, *msg;
} cases[] = {
	{ "header", "malformed record header" },
	{ "IOAS", "IOAS 0: bad or duplicate id" },
	{ "HWPT", "HWPT 0: bad id" },
	{ "area", "area 0: malformed" },
	{ "device", "device 0: bad id" },
	{ "array", "area array rejected" },
};

#define NR_CASES ARRAY_SIZE(cases)

static int ioctl_ret(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* An iommufd with one IOAS mapping @mfd under a mock domain, marked */
static int iommufd_new(int mfd, uint64_t token, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = {
		.size = sizeof(mock),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct iommu_ioas_map_file map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.fd = mfd,
		.length = SIZE,
		.iova = IOVA,
	};
	struct iommu_hwpt_liveupdate_mark_preserve mark = {
		.size = sizeof(mark),
		.hwpt_token = token,
	};
	int fd = open("/dev/iommu", O_RDWR), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl_ret(fd, IOMMU_IOAS_ALLOC, &alloc);
	mock.id = alloc.out_ioas_id;
	map.ioas_id = alloc.out_ioas_id;
	ret = ret ?: ioctl_ret(fd, IOMMU_TEST_CMD, &mock);
	ret = ret ?: ioctl_ret(fd, IOMMU_IOAS_MAP_FILE, &map);
	mark.hwpt_id = mock.mock_domain.out_hwpt_id;
	ret = ret ?: ioctl_ret(fd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &mark);
	if (ret) {
		close(fd);
		return ret;
	}
	*ioas_id = alloc.out_ioas_id;
	return fd;
}

static void stage1(void)
{
	uint32_t ioas_id;
	unsigned int i;
	int s, mfd, fd, ret;
	void *p;

	ksft_set_plan(NR_CASES + 3);
	ret = write_text("/sys/kernel/debug/iommufd_lu/test_corrupt", "1");
	ksft_test_result(!ret, "test-only record damage switched on (%d)\n",
			 ret);
	s = session_new(SESSION);
	mfd = memfd_new("guest", 0);
	p = mfd < 0 || ftruncate(mfd, SIZE) ? NULL : map_fd(mfd, SIZE);
	if (s < 0 || !p)
		ksft_exit_fail_msg("setup: session %d memfd %d\n", s, mfd);
	pat_fill(p, 0, SIZE, 7);
	ret = luo_preserve(s, mfd, TOK_MEMFD);
	ksft_test_result(!ret, "memfd preserved (%d)\n", ret);
	for (i = 0; i < NR_CASES; i++) {
		fd = iommufd_new(mfd, TEST_TOKEN + i + 1, &ioas_id);
		ret = fd < 0 ? fd : luo_preserve(s, fd, 10 + i);
		ksft_test_result(!ret, "%s: preserved, to be damaged at freeze (%d)\n",
				 cases[i].how, ret);
	}
	fd = iommufd_new(mfd, 1, &ioas_id);
	ret = fd < 0 ? fd : luo_preserve(s, fd, TOK_GOOD);
	ret = ret ?: state_save("iommu_lu_corrupt", &ioas_id, sizeof(ioas_id));
	ksft_test_result(!ret, "good: preserved (%d)\n", ret);
}

static void stage2(void)
{
	struct iommu_test_cmd acc = {
		.size = sizeof(acc),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
	};
	static unsigned char buf[SIZE];
	char line[512];
	unsigned int i;
	uint32_t ioas_id;
	int s, mfd, fd, ret;

	ksft_set_plan(NR_CASES * 3 + 3);
	s = session_get(SESSION);
	if (s < 0 || state_load("iommu_lu_corrupt", &ioas_id, sizeof(ioas_id)))
		ksft_exit_fail_msg("retrieve session: %d\n", s);
	mfd = luo_retrieve(s, TOK_MEMFD);
	ksft_test_result(mfd >= 0, "memfd retrieved (%d)\n", mfd);
	for (i = 0; i < NR_CASES; i++) {
		fd = luo_retrieve(s, 10 + i);
		ksft_test_result(fd == -EINVAL, "%s: refused with EINVAL (%d)\n",
				 cases[i].how, fd);
		ret = kmsg_line(cases[i].msg, line, sizeof(line));
		ksft_test_result(!ret, "%s: the kernel says why (\"%s\")\n",
				 cases[i].how, cases[i].msg);
		if (!ret)
			ksft_print_msg("%s\n", line);
		fd = luo_retrieve(s, 10 + i);
		ksft_test_result(fd == -EINVAL, "%s: refused again (%d)\n",
				 cases[i].how, fd);
	}
	fd = luo_retrieve(s, TOK_GOOD);
	acc.id = ioas_id;
	ret = fd < 0 ? fd : ioctl_ret(fd, IOMMU_TEST_CMD, &acc);
	if (!ret) {
		struct iommu_test_cmd rw = {
			.size = sizeof(rw),
			.op = IOMMU_TEST_OP_ACCESS_RW,
			.id = acc.create_access.out_access_fd,
			.access_rw = { .iova = IOVA, .length = SIZE,
				       .uptr = (uintptr_t)buf },
		};

		ret = ioctl_ret(fd, IOMMU_TEST_CMD, &rw);
	}
	ksft_test_result(!ret && pat_check(buf, 0, SIZE, 7) == -1,
			 "good: retrieved next to the damaged ones, its IOVA reads the memfd (%d)\n",
			 ret);
	ret = luo_finish(s);
	ksft_test_result(!ret, "session finished (%d)\n", ret);
	ksft_finished();
}

LU_TEST_MAIN_HARNESS("iommu_lu_corrupt", stage1, stage2);
