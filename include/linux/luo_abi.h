/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live Update Orchestrator (LUO): the format one kernel hands to the next,
 * and the layout of LUO's debugfs records.
 *
 * An ABI between two kernels that may be of different versions; see
 * Documentation/core-api/liveupdate.rst.  Every field is little endian.
 * This header depends on nothing but the fixed-size types, so that
 * userspace tools (tools/liveupdate/lu-inspect) read the same structures
 * the kernel writes, as with kexec_handover_abi.h.
 */
#ifndef _LINUX_LUO_ABI_H
#define _LINUX_LUO_ABI_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>

/* Bytes of a session name, the NUL included (LIVEUPDATE_SESSION_NAME_LENGTH). */
#define LUO_ABI_NAME_LEN	64
/* Bytes of a handler compatible, the NUL included (LIVEUPDATE_COMPAT_MAX). */
#define LUO_ABI_COMPAT_MAX	48
/* Versions one file is written in at most (LIVEUPDATE_MAX_VERSIONS). */
#define LUO_ABI_MAX_VERSIONS	4

/* "LUOA" read as a little-endian u32. */
#define LUO_ARRAY_MAGIC		0x414f554cU
/* Newest array version written and read; 1 is still read and written. */
#define LUO_ARRAY_VERSION	2
/* Largest array accepted from a previous kernel: 4 GiB of elements. */
#define LUO_ARRAY_MAX_PAGES	BIT(20)

/**
 * struct luo_array_hdr - header page of a preserved array
 * @magic: %LUO_ARRAY_MAGIC.
 * @version: 1 or 2 (%LUO_ARRAY_VERSION).
 * @elem_size: bytes per element, 1 to PAGE_SIZE.
 * @per_page: version 2: elements per element page, 1 to PAGE_SIZE /
 *	@elem_size; element i is at byte (i % @per_page) * @elem_size of
 *	page i / @per_page.  Version 1: zero (the field was reserved), and
 *	the elements per page are PAGE_SIZE / @elem_size, PAGE_SIZE being
 *	the reader's own.
 * @nr: number of elements.
 * @nr_pages: number of element pages: @nr divided by the elements per
 *	page, rounded up.
 * @pages: first chunk of a physr list of the element pages, in element
 *	order, 0 when @nr_pages is 0.
 */
struct luo_array_hdr {
	__le32 magic;
	__le32 version;
	__le32 elem_size;
	__le32 per_page;
	__le64 nr;
	__le64 nr_pages;
	__le64 pages;
};

/* The KHO sub-blob of LUO: its name and format. */
#define LUO_KHO_NAME		"liveupdate"
#define LUO_KHO_COMPATIBLE	"linux,luo-v1"
/* "LUO1" read as a little-endian u32. */
#define LUO_STATE_MAGIC		0x314f554cU
/* Newest state version written and read; 1 is still read and written. */
#define LUO_STATE_VERSION	2
/* Bytes of luo_state_abi::release, the NUL included. */
#define LUO_STATE_RELEASE_LEN	64

/**
 * struct luo_state_abi - LUO's sub-blob (one page)
 * @magic: %LUO_STATE_MAGIC.
 * @version: 1 or 2 (%LUO_STATE_VERSION).
 * @nr_sessions: number of sessions.
 * @sessions: luo_array handle of @nr_sessions &struct luo_session_abi.
 * @nr_files: number of files, all sessions together.
 * @files: luo_array handle of @nr_files &struct luo_file_abi, grouped by
 *	session.
 * @release: version 2 only (version 1 ends before it): the release of the
 *	kernel that wrote the state (``uname -r``), NUL-terminated, truncated
 *	to fit.  The next kernel logs it, and an operator's tool shows it.
 */
struct luo_state_abi {
	__le32 magic;
	__le32 version;
	__le64 nr_sessions;
	__le64 sessions;
	__le64 nr_files;
	__le64 files;
	char release[LUO_STATE_RELEASE_LEN];
};

/* Bytes of a version 1 state: the fields before @release. */
#define LUO_STATE_V1_SIZE	((size_t)40)

/**
 * struct luo_session_abi - one session
 * @name: NUL-terminated name.
 * @first_file: index of its first file in the files array.
 * @nr_files: number of its files.
 */
struct luo_session_abi {
	u8 name[LUO_ABI_NAME_LEN];
	__le64 first_file;
	__le64 nr_files;
};

/**
 * struct luo_file_abi - one preserved file
 * @compatible: NUL-terminated compatible of its handler.
 * @token: the token userspace gave it.
 * @nr_versions: valid entries of @version and @data, 1 to
 *	%LUO_ABI_MAX_VERSIONS.
 * @reserved: zero.
 * @version: the versions written, newest first.
 * @data: the handler's value for each version.
 */
struct luo_file_abi {
	char compatible[LUO_ABI_COMPAT_MAX];
	__le64 token;
	__le32 nr_versions;
	__le32 reserved;
	__le32 version[LUO_ABI_MAX_VERSIONS];
	__le64 data[LUO_ABI_MAX_VERSIONS];
};

/* The handover ABI: sizes a later kernel relies on. */
static_assert(sizeof(struct luo_array_hdr) == 40);
static_assert(LUO_STATE_V1_SIZE ==
	      sizeof(struct luo_state_abi) - LUO_STATE_RELEASE_LEN);
static_assert(sizeof(struct luo_state_abi) == 40 + LUO_STATE_RELEASE_LEN);
static_assert(sizeof(struct luo_session_abi) == LUO_ABI_NAME_LEN + 16);
static_assert(sizeof(struct luo_file_abi) ==
	      LUO_ABI_COMPAT_MAX + 16 + 12 * LUO_ABI_MAX_VERSIONS);

/*
 * debugfs liveupdate/{out,in}/records: the handlers' records of the files
 * of liveupdate/{out,in}/files, as a sequence of struct luo_dbg_record,
 * each followed by @len bytes.  Not handed over; read by lu-inspect.
 */
#define LUO_DBG_RECORD		1	/* the handler's record at data[v] */
#define LUO_DBG_ARRAY		2	/* a luo_array header page it names */
#define LUO_DBG_CHUNK		3	/* a physr chunk page of that array */
#define LUO_DBG_ELEMS		4	/* an element page of that array */
#define LUO_DBG_GONE		5	/* incoming: retrieved or finished */

/**
 * struct luo_dbg_record - one piece of memory in debugfs ``records``
 * @file: index of the file in ``files`` of the same directory.
 * @token: that file's token (``files`` and ``records`` are read apart).
 * @version: index of the version (0: the newest) in that file's record.
 * @kind: %LUO_DBG_RECORD, %LUO_DBG_ARRAY, %LUO_DBG_CHUNK, %LUO_DBG_ELEMS
 *	or %LUO_DBG_GONE (no bytes: the record is no longer readable).
 * @phys: physical address of the bytes.
 * @len: number of bytes that follow this header.
 */
struct luo_dbg_record {
	__le64 file;
	__le64 token;
	__le32 version;
	__le32 kind;
	__le64 phys;
	__le64 len;
};

static_assert(sizeof(struct luo_dbg_record) == 40);

#endif /* _LINUX_LUO_ABI_H */
