/* SPDX-License-Identifier: GPL-2.0 */
/*
 * physr chunk layout: the in-memory format of a physr list.
 *
 * This layout is an ABI.  Kexec HandOver passes the chunk pages of a list
 * to the next kernel as they are, together with the physical address of
 * the first chunk, and the next kernel walks them.  The kernel that reads a
 * chain may therefore be older or newer than the one that wrote it.  Rules:
 *
 * - Every field is fixed width and little endian.
 * - A chunk is one page (PAGE_SIZE bytes of the writer), page aligned.
 *   It starts with a struct physr_chunk_hdr and is followed by an array of
 *   struct physr_abi_range entries.  Bytes after the last used entry are
 *   written as zero; readers do not rely on it.
 * - Chunks are linked by the physical address of the next chunk; 0 ends the
 *   chain.  An empty list has no chunk at all (its first address is 0).
 *   A short list keeps its ranges in memory in another form (see
 *   Documentation/core-api/physr.rst) and is written as a chunk when it is
 *   handed over.
 * - A writer never emits a chunk without entries.
 * - @version changes whenever the meaning of any field changes.  A reader
 *   rejects a version it does not know.  Two versions are described here;
 *   one chain may mix them, chunk by chunk.  The rules shared by every core
 *   handover format are in "Versions" of
 *   Documentation/core-api/kho/concepts.rst.
 * - Version 1 ("ranges"): the entries are struct physr_abi_range, 16 bytes.
 * - Version 2 ("packed"): the same header, then entries of one __le64 each
 *   for page-granular ranges: bits 0-39 hold the page frame number of the
 *   first page (pages of @chunk_size bytes, the writer's PAGE_SIZE) and
 *   bits 40-63 the number of pages minus one, so an entry covers 1 to 2^24
 *   pages.  A longer run takes several entries.  It halves the handover of
 *   scattered memory (8 bytes per 4 KiB page instead of 16).
 * - @flags describes the whole list and is the same in every chunk.  A
 *   reader rejects bits it does not know, so a later version can use them to
 *   announce per-entry metadata (for example a folio order kept in a
 *   companion array) without changing the 16-byte entry.
 * - Entries of version 1 may be byte granular: @phys and @len need not be
 *   page aligned.  @len is never 0 and @phys + @len never exceeds 2^64 - 1.
 *   An entry of version 2 cannot overflow (its end is below 2^53 bytes for
 *   4 KiB pages).
 */
#ifndef _LINUX_PHYSR_ABI_H
#define _LINUX_PHYSR_ABI_H

#include <linux/build_bug.h>
#include <linux/types.h>

/* "PHSR" read as a little-endian u32. */
#define PHYSR_CHUNK_MAGIC	0x52534850U
#define PHYSR_CHUNK_VERSION	1
#define PHYSR_CHUNK_VERSION_PACKED	2
/* The newest layout version this kernel reads. */
#define PHYSR_CHUNK_VERSION_MAX	PHYSR_CHUNK_VERSION_PACKED

/* A version-2 entry: page frame number and page count minus one. */
#define PHYSR_PACKED_PFN_BITS	40
#define PHYSR_PACKED_PFN_MASK	((1ULL << PHYSR_PACKED_PFN_BITS) - 1)
#define PHYSR_PACKED_MAX_PAGES	(1ULL << (64 - PHYSR_PACKED_PFN_BITS))

/* Values of physr_chunk_hdr::kind. */
#define PHYSR_ABI_KIND_RAM	0
#define PHYSR_ABI_KIND_MMIO	1

/* No list flag is defined in version 1. */
#define PHYSR_ABI_FLAGS_KNOWN	0U

/**
 * struct physr_chunk_hdr - header at the start of every physr chunk page
 * @magic: PHYSR_CHUNK_MAGIC.
 * @version: layout version, PHYSR_CHUNK_VERSION.
 * @hdr_size: size of this header in bytes; the entry array starts here.
 * @chunk_size: size of the chunk in bytes (the writer's PAGE_SIZE).
 * @count: number of entries used in this chunk, at least 1.
 * @next: physical address of the next chunk, 0 for the last one.
 * @kind: memory kind of every range in the list, PHYSR_ABI_KIND_*.
 * @flags: list flags, none defined in version 1 (must be 0).
 */
struct physr_chunk_hdr {
	__le32 magic;
	__le16 version;
	__le16 hdr_size;
	__le32 chunk_size;
	__le32 count;
	__le64 next;
	__le32 kind;
	__le32 flags;
};

/**
 * struct physr_abi_range - one range entry in a physr chunk
 * @phys: physical (CPU) address of the first byte.
 * @len: length in bytes, never 0.
 */
struct physr_abi_range {
	__le64 phys;
	__le64 len;
};

/**
 * struct physr_chunk - a physr chunk page
 * @hdr: the chunk header.
 * @ranges: the range entries of a version-1 chunk, physr_chunk_hdr::count
 *	of them are used.  A version-2 chunk holds __le64 entries at the same
 *	offset (see physr_chunk_packed_entries() in linux/physr.h).
 */
struct physr_chunk {
	struct physr_chunk_hdr hdr;
	struct physr_abi_range ranges[];
};

static_assert(sizeof(struct physr_chunk_hdr) == 32);
static_assert(sizeof(struct physr_abi_range) == 16);

/* Number of entries that fit in a chunk of @chunk_size bytes. */
#define PHYSR_CHUNK_CAPACITY(chunk_size) \
	(((chunk_size) - sizeof(struct physr_chunk_hdr)) / \
	 sizeof(struct physr_abi_range))

/* Number of entries that fit in a version-2 chunk of @chunk_size bytes. */
#define PHYSR_PACKED_CAPACITY(chunk_size) \
	(((chunk_size) - sizeof(struct physr_chunk_hdr)) / sizeof(__le64))

#endif /* _LINUX_PHYSR_ABI_H */
