/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd live update: the record one kernel hands to the next for each
 * preserved iommufd (drivers/iommu/iommufd/liveupdate.c).
 *
 * An ABI between two kernels that may be of different versions; see
 * Documentation/userspace-api/iommufd-liveupdate.rst.  Every field is
 * little endian.  The LUO file's data is the physical address of a page
 * holding a struct iommufd_lu_hdr, whose four handles are preserved
 * arrays (luo_array) of IOASes, HWPTs, areas and devices.  This header
 * depends on fixed-size types only, so that tools/liveupdate/lu-inspect
 * reads the record as the kernel does.
 */
#ifndef _LINUX_IOMMUFD_LU_ABI_H
#define _LINUX_IOMMUFD_LU_ABI_H

#include <asm/byteorder.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>

/* LIVEUPDATE_SESSION_NAME_LENGTH */
#define IOMMUFD_LU_SESSION_LEN	64

#define IOMMUFD_LU_MAGIC	0x64666f694f554c00ULL	/* "\0LUOiofd" */
#define IOMMUFD_LU_V1		1

/* Limits of a record this kernel accepts. */
#define IOMMUFD_LU_MAX_OBJS	1024
#define IOMMUFD_LU_MAX_AREAS	BIT(20)

#define IOMMUFD_LU_DEV_NAME_LEN	32

/**
 * struct iommufd_lu_hdr - the header page of a preserved iommufd
 * @magic: %IOMMUFD_LU_MAGIC.
 * @version: %IOMMUFD_LU_V1.
 * @reserved: zero.
 * @nr_ioas: entries of @ioas.
 * @nr_hwpts: entries of @hwpts.
 * @nr_devices: entries of @devices.
 * @reserved2: zero.
 * @nr_areas: entries of @areas.
 * @ioas: luo_array handle of &struct iommufd_lu_ioas, 0 if none.
 * @hwpts: luo_array handle of &struct iommufd_lu_hwpt, 0 if none.
 * @areas: luo_array handle of &struct iommufd_lu_area, 0 if none.
 * @devices: luo_array handle of &struct iommufd_lu_device, 0 if none.
 */
struct iommufd_lu_hdr {
	__le64 magic;
	__le32 version;
	__le32 reserved;
	__le32 nr_ioas;
	__le32 nr_hwpts;
	__le32 nr_devices;
	__le32 reserved2;
	__le64 nr_areas;
	__le64 ioas;
	__le64 hwpts;
	__le64 areas;
	__le64 devices;
};

/**
 * struct iommufd_lu_ioas - an IOAS of the record
 * @id: its object id, restored as it was.
 * @reserved: zero.
 */
struct iommufd_lu_ioas {
	__le32 id;
	__le32 reserved;
};

/**
 * struct iommufd_lu_hwpt - a marked HWPT of the record
 * @id: its object id.
 * @ioas_id: the object id of its IOAS.
 * @token: the token it was marked with, unique in the record.
 */
struct iommufd_lu_hwpt {
	__le32 id;
	__le32 ioas_id;
	__le64 token;
};

#define IOMMUFD_LU_PROT_READ	BIT(0)
#define IOMMUFD_LU_PROT_WRITE	BIT(1)

/**
 * struct iommufd_lu_area - an area of an IOAS, mapped from a memfd
 * @iova: its first IOVA.
 * @length: its bytes.
 * @start: the offset in the memfd.
 * @memfd_token: the memfd's token in session @session.
 * @ioas_id: the object id of its IOAS.
 * @prot: %IOMMUFD_LU_PROT_READ and %IOMMUFD_LU_PROT_WRITE.
 * @session: the memfd's session, NUL terminated.
 */
struct iommufd_lu_area {
	__le64 iova;
	__le64 length;
	__le64 start;
	__le64 memfd_token;
	__le32 ioas_id;
	__le32 prot;
	char session[IOMMUFD_LU_SESSION_LEN];
};

/**
 * struct iommufd_lu_device - a device bound to the iommufd
 * @id: its object id.
 * @hwpt_id: the object id of the HWPT it is attached to.
 * @name: its device name, NUL terminated.
 */
struct iommufd_lu_device {
	__le32 id;
	__le32 hwpt_id;
	char name[IOMMUFD_LU_DEV_NAME_LEN];
};

static_assert(sizeof(struct iommufd_lu_hdr) == 72);
static_assert(sizeof(struct iommufd_lu_ioas) == 8);
static_assert(sizeof(struct iommufd_lu_hwpt) == 16);
static_assert(sizeof(struct iommufd_lu_area) == 104);
static_assert(sizeof(struct iommufd_lu_device) == 40);

/**
 * iommufd_lu_hdr_valid() - the checks of a record header, before its arrays
 * @h: the header, as the previous kernel wrote it.
 *
 * Return: true when magic and version are %IOMMUFD_LU_MAGIC and
 * %IOMMUFD_LU_V1, the reserved fields zero, there is at least one HWPT and
 * no more IOASes than HWPTs, and every count is within this kernel's
 * limits.
 */
static inline bool iommufd_lu_hdr_valid(const struct iommufd_lu_hdr *h)
{
	u64 nr_ioas = le32_to_cpu(h->nr_ioas), nr_hwpts = le32_to_cpu(h->nr_hwpts);

	return le64_to_cpu(h->magic) == IOMMUFD_LU_MAGIC &&
	       le32_to_cpu(h->version) == IOMMUFD_LU_V1 &&
	       !h->reserved && !h->reserved2 && nr_hwpts &&
	       nr_ioas <= nr_hwpts && nr_hwpts <= IOMMUFD_LU_MAX_OBJS &&
	       le32_to_cpu(h->nr_devices) <= IOMMUFD_LU_MAX_OBJS &&
	       le64_to_cpu(h->nr_areas) <= IOMMUFD_LU_MAX_AREAS;
}

#endif /* _LINUX_IOMMUFD_LU_ABI_H */
