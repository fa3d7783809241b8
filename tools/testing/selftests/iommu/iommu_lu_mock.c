// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE against the mock IOMMU domain of
 * IOMMUFD_TEST (an intel_iommu=off boot): a HWPT whose IOAS maps only
 * memfds is marked; its token is unique in the iommufd (EADDRINUSE); the
 * IOAS is immutable afterwards (EBUSY for map, map_file, unmap and copy
 * into it) and stays mapped as it was; an IOAS with a dma-buf or user VA
 * area cannot be marked (EINVAL); destroying the marked HWPT ends it.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_utils.h"

#define NPAGES 16

#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define RW_FIXED (RW | IOMMU_IOAS_MAP_FIXED_IOVA)

static int map_file(int fd, __u32 ioas_id, int mfd, __u64 start, __u64 length,
		    __u64 iova)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = RW_FIXED,
		.ioas_id = ioas_id,
		.fd = mfd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);
}

static int mark(int fd, __u32 hwpt_id, __u64 token)
{
	struct iommu_hwpt_liveupdate_mark_preserve cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.hwpt_token = token,
	};

	return ioctl(fd, IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &cmd);
}

static int unmap(int fd, __u32 ioas_id, __u64 iova, __u64 length)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};

	return ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
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

static int test_dmabuf_get(int fd, size_t length)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = { .open_flags = O_CLOEXEC | O_RDWR,
				.length = length },
	};

	return ioctl(fd, _IOMMU_TEST_CMD(IOMMU_TEST_OP_DMABUF_GET), &cmd);
}

FIXTURE(lu_mark)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	int mfd;
	void *mem;
	size_t size;
};

FIXTURE_SETUP(lu_mark)
{
	unsigned int i;

	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	self->size = NPAGES * PAGE_SIZE;
	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, &self->hwpt_id,
			     NULL);
	self->mfd = memfd_create("lu_mark", 0);
	ASSERT_LE(0, self->mfd);
	ASSERT_EQ(0, ftruncate(self->mfd, self->size));
	self->mem = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->mfd, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	for (i = 0; i != self->size / sizeof(int); i++)
		((int *)self->mem)[i] = rand();
}

FIXTURE_TEARDOWN(lu_mark)
{
	munmap(self->mem, self->size);
	close(self->mfd);
	teardown_iommufd(self->fd, _metadata);
}

/* A memfd-only IOAS is marked; it cannot change until the HWPT is gone */
TEST_F(lu_mark, immutable)
{
	struct iommu_ioas_copy copy_cmd = {
		.size = sizeof(copy_cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.length = PAGE_SIZE,
	};
	__u64 iova = MOCK_APERTURE_START, iova2 = iova + self->size;
	__u32 ioas2;

	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, iova));
	ASSERT_EQ(0, mark(self->fd, self->hwpt_id, 0x1234));
	/* Marking again: the HWPT is already marked */
	EXPECT_ERRNO(EBUSY, mark(self->fd, self->hwpt_id, 0x5678));

	/* No map of any kind, no unmap, no copy into it */
	EXPECT_ERRNO(EBUSY, map_file(self->fd, self->ioas_id, self->mfd, 0,
				     PAGE_SIZE, iova2));
	EXPECT_ERRNO(EBUSY, _test_ioctl_ioas_map(self->fd, self->ioas_id,
						 self->mem, PAGE_SIZE, &iova2,
						 RW_FIXED));
	EXPECT_ERRNO(EBUSY, unmap(self->fd, self->ioas_id, iova, self->size));
	EXPECT_ERRNO(EBUSY, unmap(self->fd, self->ioas_id, 0, UINT64_MAX));
	test_ioctl_ioas_alloc(&ioas2);
	ASSERT_EQ(0, map_file(self->fd, ioas2, self->mfd, 0, PAGE_SIZE, iova));
	copy_cmd.src_ioas_id = ioas2;
	copy_cmd.src_iova = iova;
	copy_cmd.dst_ioas_id = self->ioas_id;
	copy_cmd.dst_iova = iova2;
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, IOMMU_IOAS_COPY, &copy_cmd));
	/* Copying out of it leaves it as it is: allowed */
	copy_cmd.src_ioas_id = self->ioas_id;
	copy_cmd.dst_ioas_id = ioas2;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_COPY, &copy_cmd));

	/* Still mapped as it was, page by page */
	ASSERT_EQ(0, md_check(self->fd, self->hwpt_id, self->mem, iova,
			      self->size));

	/* Another HWPT of the same iommufd cannot take the token */
	{
		__u32 ioas3, stdev3, hwpt3;

		test_ioctl_ioas_alloc(&ioas3);
		test_cmd_mock_domain(ioas3, &stdev3, &hwpt3, NULL);
		EXPECT_ERRNO(EADDRINUSE, mark(self->fd, hwpt3, 0x1234));
		ASSERT_EQ(0, mark(self->fd, hwpt3, 0x1235));
		/* The mock device goes, and its automatic HWPT with it */
		test_ioctl_destroy(stdev3);
		test_ioctl_destroy(ioas3);
	}

	/* The marked (automatic) HWPT goes: the IOAS is mutable again */
	test_ioctl_destroy(self->stdev_id);
	ASSERT_EQ(0, unmap(self->fd, self->ioas_id, iova, self->size));
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      PAGE_SIZE, iova2));
}

/* Tokens are per iommufd: another iommufd may reuse one */
TEST_F(lu_mark, token_per_iommufd)
{
	__u32 ioas, stdev, hwpt;
	int fd2 = open("/dev/iommu", O_RDWR);
	int fd = self->fd;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, mark(self->fd, self->hwpt_id, 7));
	self->fd = fd2;
	test_ioctl_ioas_alloc(&ioas);
	test_cmd_mock_domain(ioas, &stdev, &hwpt, NULL);
	ASSERT_EQ(0, mark(fd2, hwpt, 7));
	self->fd = fd;
	close(fd2);
	/* An empty IOAS can be marked: it has no area that is not a memfd */
}

/* A dma-buf area: the IOAS cannot be marked, and stays mutable */
TEST_F(lu_mark, dmabuf_refused)
{
	__u64 iova = MOCK_APERTURE_START;
	int dbuf = test_dmabuf_get(self->fd, 4 * PAGE_SIZE);

	ASSERT_LE(0, dbuf);
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, self->mfd, 0,
			      self->size, iova));
	ASSERT_EQ(0, map_file(self->fd, self->ioas_id, dbuf, 0, 4 * PAGE_SIZE,
			      iova + self->size));
	EXPECT_ERRNO(EINVAL, mark(self->fd, self->hwpt_id, 1));
	/* Nothing was marked: unmapping works, then marking does */
	ASSERT_EQ(0, unmap(self->fd, self->ioas_id, iova + self->size,
			   4 * PAGE_SIZE));
	ASSERT_EQ(0, mark(self->fd, self->hwpt_id, 1));
	close(dbuf);
}

/* A user VA area (IOMMU_IOAS_MAP): not file-backed, refused */
TEST_F(lu_mark, user_va_refused)
{
	__u64 iova = MOCK_APERTURE_START;

	ASSERT_EQ(0, _test_ioctl_ioas_map(self->fd, self->ioas_id, self->mem,
					  self->size, &iova, RW_FIXED));
	EXPECT_ERRNO(EINVAL, mark(self->fd, self->hwpt_id, 1));
	ASSERT_EQ(0, unmap(self->fd, self->ioas_id, iova, self->size));
}

/* Bad ids and a short struct */
TEST_F(lu_mark, bad_input)
{
	struct iommu_hwpt_liveupdate_mark_preserve cmd = {
		.size = offsetof(struct iommu_hwpt_liveupdate_mark_preserve,
				 hwpt_token),
		.hwpt_id = self->hwpt_id,
	};

	/* The IOAS is not a HWPT, and no object has id 9999 */
	EXPECT_ERRNO(ENOENT, mark(self->fd, self->ioas_id, 1));
	EXPECT_ERRNO(ENOENT, mark(self->fd, 9999, 1));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd,
				   IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE, &cmd));
	/* None of these marked anything */
	ASSERT_EQ(0, mark(self->fd, self->hwpt_id, 1));
}

TEST_HARNESS_MAIN
