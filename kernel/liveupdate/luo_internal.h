/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator: state shared by the files of LUO, and the
 * format LUO hands to the next kernel (an ABI between kernels; see
 * Documentation/core-api/liveupdate.rst).  Every field is little endian.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/liveupdate.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

/* "LUOA" read as a little-endian u32. */
#define LUO_ARRAY_MAGIC		0x414f554cU
#define LUO_ARRAY_VERSION	1
/* Largest array accepted from a previous kernel: 4 GiB of elements. */
#define LUO_ARRAY_MAX_PAGES	(1UL << 20)

/**
 * struct luo_array_hdr - header page of a preserved array
 * @magic: %LUO_ARRAY_MAGIC.
 * @version: %LUO_ARRAY_VERSION.
 * @elem_size: bytes per element, 1 to PAGE_SIZE.
 * @reserved: zero.
 * @nr: number of elements.
 * @nr_pages: number of element pages: @nr divided by the elements per page
 *	(PAGE_SIZE / @elem_size), rounded up.
 * @pages: first chunk of a physr list of the element pages, in element
 *	order, 0 when @nr_pages is 0.
 */
struct luo_array_hdr {
	__le32 magic;
	__le32 version;
	__le32 elem_size;
	__le32 reserved;
	__le64 nr;
	__le64 nr_pages;
	__le64 pages;
};

/* The KHO sub-blob of LUO: its name and format. */
#define LUO_KHO_NAME		"liveupdate"
#define LUO_KHO_COMPATIBLE	"linux,luo-v1"
/* "LUO1" read as a little-endian u32. */
#define LUO_STATE_MAGIC		0x314f554cU
#define LUO_STATE_VERSION	1

/**
 * struct luo_state_abi - LUO's sub-blob (one page)
 * @magic: %LUO_STATE_MAGIC.
 * @version: %LUO_STATE_VERSION.
 * @nr_sessions: number of sessions.
 * @sessions: luo_array handle of @nr_sessions &struct luo_session_abi.
 * @nr_files: number of files, all sessions together.
 * @files: luo_array handle of @nr_files &struct luo_file_abi, grouped by
 *	session.
 */
struct luo_state_abi {
	__le32 magic;
	__le32 version;
	__le64 nr_sessions;
	__le64 sessions;
	__le64 nr_files;
	__le64 files;
};

/**
 * struct luo_session_abi - one session
 * @name: NUL-terminated name.
 * @first_file: index of its first file in the files array.
 * @nr_files: number of its files.
 */
struct luo_session_abi {
	u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
	__le64 first_file;
	__le64 nr_files;
};

/**
 * struct luo_file_abi - one preserved file
 * @compatible: NUL-terminated compatible of its handler.
 * @token: the token userspace gave it.
 * @nr_versions: valid entries of @version and @data, 1 to
 *	%LIVEUPDATE_MAX_VERSIONS.
 * @reserved: zero.
 * @version: the versions written, newest first.
 * @data: the handler's value for each version.
 */
struct luo_file_abi {
	char compatible[LIVEUPDATE_COMPAT_MAX];
	__le64 token;
	__le32 nr_versions;
	__le32 reserved;
	__le32 version[LIVEUPDATE_MAX_VERSIONS];
	__le64 data[LIVEUPDATE_MAX_VERSIONS];
};

struct file;

struct liveupdate_file_handler *luo_handler_for_file(struct file *file);
struct liveupdate_file_handler *luo_handler_for_object(const char *compat,
							const u32 *versions,
							unsigned int nr,
							unsigned int *index);

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
