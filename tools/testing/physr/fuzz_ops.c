// SPDX-License-Identifier: GPL-2.0
/*
 * Random sequences of list operations, cross-checked against a reference
 * model that is a plain array of merged ranges.  Every operation's return
 * value, every iteration, slice and block walk, the totals, the chunk
 * count, validation of the list's own chain and adoption are compared.
 * Allocation failures are injected and must leave the list unchanged.
 * Lists start short (a range in the head, then a slab array); the model
 * knows when one moves to chunk pages, by growth or by
 * physr_make_chunked(), and every move is crossed with failures too.
 * physr_pack() rewrites the list in packed chunks (layout version 2): the
 * model splits its ranges as the packed entries do, counts 508 a chunk,
 * and from then on expects every append to fail with -EINVAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/physr.h>
#include <asm/byteorder.h>
#include "fakemem.h"
#include "fuzz.h"

#define CAP		((u64)PHYSR_CHUNK_CAPACITY(PAGE_SIZE))
#define PCAP		((u64)PHYSR_PACKED_CAPACITY(PAGE_SIZE))
#define PACKED_MAX_LEN	(PHYSR_PACKED_MAX_PAGES * PAGE_SIZE)
#define MAX_RANGES	(4 * CAP + 10)
#define MAX_BLOCKS	4096

struct reader {
	const u8 *p;
	size_t left;
};

struct model {
	struct physr_range r[MAX_RANGES];
	u64 n;
	u64 total;
	bool fail_armed;
	bool chunked;	/* in chunk pages rather than short */
	bool packed;	/* physr_pack() succeeded: read-only */
};

static struct model m;

static u64 take(struct reader *rd, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes && rd->left; i++, rd->left--)
		v |= (u64)*rd->p++ << (8 * i);
	return v;
}

/* @r reduced to [0, @max]. */
static u64 bounded(u64 r, u64 max)
{
	return max == U64_MAX ? r : r % (max + 1);
}

static u64 last_end(void)
{
	return m.n ? m.r[m.n - 1].phys + m.r[m.n - 1].len : 0;
}

static u64 pick_phys(struct reader *rd)
{
	switch (take(rd, 1) % 8) {
	case 0:
		return last_end();
	case 1:
		return take(rd, 2) * PAGE_SIZE;
	case 2:
		return U64_MAX - take(rd, 2);
	case 3:
		return take(rd, 8);
	case 4:
		return last_end() + take(rd, 1);
	case 5:
		return 0;
	case 6:
		return 1ULL << (take(rd, 1) % 64);
	default:
		return take(rd, 4);
	}
}

static u64 pick_len(struct reader *rd)
{
	switch (take(rd, 1) % 6) {
	case 0:
		return take(rd, 2);
	case 1:
		return PAGE_SIZE * take(rd, 1);
	case 2:
		return take(rd, 8);
	case 3:
		return 1ULL << (take(rd, 1) % 64);
	case 4:
		return U64_MAX - take(rd, 1);
	default:
		return take(rd, 3);
	}
}

static bool op_append(struct physr *pr, struct reader *rd)
{
	u64 phys = pick_phys(rd), len = pick_len(rd), end, total = 0;
	bool merge = m.n && last_end() == phys;
	int exp, ret;

	if (m.n >= MAX_RANGES)
		return true;
	if (!len)
		exp = -EINVAL;
	else if (__builtin_add_overflow(phys, len, &end) ||
		 __builtin_add_overflow(m.total, len, &total))
		exp = -EOVERFLOW;
	else if (m.packed)
		/* Read-only, even where the range would merge. */
		exp = -EINVAL;
	else if (!merge && m.fail_armed &&
		 (m.chunked ? m.n % CAP == 0 : is_power_of_2(m.n)))
		/* A new chunk, a first or larger slab array, or the move. */
		exp = -ENOMEM;
	else
		exp = 0;

	ret = physr_append(pr, phys, len, GFP_KERNEL);
	if (!(ret == exp))
		return fail("append(%#llx, %#llx) = %d, expected %d",
			    (unsigned long long)phys, (unsigned long long)len,
			    ret, exp);
	if (exp == -ENOMEM)
		m.fail_armed = false;
	if (exp)
		return true;
	if (merge) {
		m.r[m.n - 1].len += len;
	} else {
		m.r[m.n].phys = phys;
		m.r[m.n].len = len;
		m.n++;
		if (m.n > PHYSR_SMALL_MAX)
			m.chunked = true;
	}
	m.total = total;
	return true;
}

static bool check_totals(const struct physr *pr)
{
	if (!(physr_nr_ranges(pr) == m.n))
		return fail("nr_ranges %llu model %llu",
			    (unsigned long long)physr_nr_ranges(pr),
			    (unsigned long long)m.n);
	if (!(physr_total_bytes(pr) == m.total))
		return fail("total differs");
	if (!(physr_nr_chunks(pr) == (m.packed ? DIV_ROUND_UP(m.n, PCAP) :
				      m.chunked ? DIV_ROUND_UP(m.n, CAP) : 0)))
		return fail("nr_chunks %lu for %llu ranges (%s)",
			    physr_nr_chunks(pr), (unsigned long long)m.n,
			    m.packed ? "packed" : m.chunked ? "chunked" : "short");
	if (!(physr_is_packed(pr) == m.packed))
		return fail("packed %d, model %d", physr_is_packed(pr),
			    m.packed);
	if (m.chunked && !(!!physr_first_chunk(pr) == !!m.n))
		return fail("first chunk");
	if (!(physr_metadata_bytes(pr) >= sizeof(*pr) +
	      (m.chunked ? physr_nr_chunks(pr) * PAGE_SIZE :
	       m.n > 1 ? m.n * sizeof(struct physr_abi_range) : 0)))
		return fail("metadata bytes %zu for %llu ranges",
			    physr_metadata_bytes(pr), (unsigned long long)m.n);
	return true;
}

static bool check_iter(struct physr_iter *it, const struct physr_range *exp,
		       u64 n)
{
	struct physr_range r;
	u64 i = 0;

	while (physr_iter_next(it, &r)) {
		if (!(i < n))
			return fail("extra range");
		if (!(r.phys == exp[i].phys && r.len == exp[i].len))
			return fail("range %llu: %#llx+%#llx, expected %#llx+%#llx",
				    (unsigned long long)i,
				    (unsigned long long)r.phys,
				    (unsigned long long)r.len,
				    (unsigned long long)exp[i].phys,
				    (unsigned long long)exp[i].len);
		i++;
	}
	if (!(i == n))
		return fail("%llu ranges, expected %llu",
			    (unsigned long long)i, (unsigned long long)n);
	return true;
}

/* The model's view of a window, into @out; returns the count. */
static u64 model_slice(u64 off, u64 len, struct physr_range *out)
{
	u64 i, k = 0;

	for (i = 0; i < m.n && len; i++) {
		u64 s = m.r[i].phys, l = m.r[i].len;

		if (off >= l) {
			off -= l;
			continue;
		}
		s += off;
		l -= off;
		off = 0;
		if (l > len)
			l = len;
		out[k].phys = s;
		out[k].len = l;
		k++;
		len -= l;
	}
	return k;
}

static struct physr_range scratch[MAX_RANGES];

static bool pick_window(struct reader *rd, u64 *off, u64 *len)
{
	if (take(rd, 1) % 4 == 0) {
		*off = take(rd, 8);
		*len = take(rd, 8);
		return false;
	}
	*off = bounded(take(rd, 8), m.total);
	*len = bounded(take(rd, 8), m.total - *off);
	return true;
}

static bool check_iter_all(const struct physr *pr)
{
	struct physr_iter it;

	physr_iter_init(&it, pr);
	return check_iter(&it, m.r, m.n);
}

static bool op_slice(const struct physr *pr, struct reader *rd)
{
	struct physr_iter it;
	u64 off, len, end, k;
	int ret, exp;

	pick_window(rd, &off, &len);
	if (__builtin_add_overflow(off, len, &end))
		exp = -EOVERFLOW;
	else if (end > m.total)
		exp = -ERANGE;
	else
		exp = 0;
	ret = physr_iter_init_slice(&it, pr, off, len);
	if (!(ret == exp))
		return fail("slice(%#llx, %#llx) = %d, expected %d",
			    (unsigned long long)off, (unsigned long long)len,
			    ret, exp);
	k = exp ? 0 : model_slice(off, len, scratch);
	return check_iter(&it, scratch, k);
}

static bool op_blocks(const struct physr *pr, struct reader *rd)
{
	u8 sel = take(rd, 1);
	u64 boundary = sel % 5 == 0 ? 0 : 1ULL << (take(rd, 1) % 64);
	u64 max_len = sel % 3 == 0 ? 0 : pick_len(rd);
	struct physr_block_iter bi;
	struct physr_range blk;
	struct physr_iter it;
	u64 off = 0, len = m.total, k, i, nr = 0;
	int ret;

	if (sel % 7 == 1)
		boundary = 3 + 2 * (u64)take(rd, 1);
	if (sel & 0x80) {
		pick_window(rd, &off, &len);
		if (off > m.total || len > m.total - off)
			return true;
	}
	k = model_slice(off, len, scratch);
	if (!(!physr_iter_init_slice(&it, pr, off, len)))
		return fail("slice");

	ret = physr_block_iter_init(&bi, &it, boundary, max_len);
	if (boundary & (boundary - 1)) {
		if (!(ret == -EINVAL))
			return fail("boundary %#llx accepted",
				    (unsigned long long)boundary);
		if (!(!physr_block_iter_next(&bi, &blk)))
			return fail("block after error");
		return true;
	}
	if (!(ret == 0))
		return fail("block init %d", ret);

	for (i = 0; i < k; i++) {
		u64 pos = scratch[i].phys, end = pos + scratch[i].len;

		while (pos < end) {
			u64 lim = end - pos;

			if (max_len && max_len < lim)
				lim = max_len;
			if (boundary && boundary - (pos & (boundary - 1)) < lim)
				lim = boundary - (pos & (boundary - 1));
			if (++nr > MAX_BLOCKS)
				return true;
			if (!(physr_block_iter_next(&bi, &blk)))
				return fail("missing block");
			if (!(blk.phys == pos && blk.len == lim))
				return fail("block %#llx+%#llx, expected %#llx+%#llx",
					    (unsigned long long)blk.phys,
					    (unsigned long long)blk.len,
					    (unsigned long long)pos,
					    (unsigned long long)lim);
			pos += lim;
		}
	}
	if (!(!physr_block_iter_next(&bi, &blk)))
		return fail("extra block");
	return true;
}

static bool page_ok(phys_addr_t phys, size_t size, void *arg)
{
	return size == PAGE_SIZE && fakemem_page_allocated(phys);
}

static bool op_validate(const struct physr *pr)
{
	unsigned long chunks = physr_nr_chunks(pr);
	struct physr_walk_info info;
	int ret;

	/* A short list has no chain (op_adopt moves it into chunks first). */
	if (!m.chunked && m.n)
		return true;

	ret = physr_validate_chain(physr_first_chunk(pr), chunks, page_ok,
				   NULL, &info);
	if (!(ret == 0))
		return fail("own chain rejected: %d", ret);
	/* An empty chain records no kind; it reads as RAM. */
	if (!(info.nr_ranges == m.n && info.total_bytes == m.total &&
	      info.nr_chunks == chunks &&
	      info.kind == (m.n ? physr_kind_of(pr) : PHYSR_RAM) &&
	      info.nr_packed == (m.packed ? chunks : 0)))
		return fail("walk info differs");
	if (chunks) {
		ret = physr_validate_chain(physr_first_chunk(pr), chunks - 1,
					   page_ok, NULL, &info);
		if (!(ret == -E2BIG))
			return fail("chunk limit ignored: %d", ret);
	}
	return true;
}

static bool op_adopt(struct physr *pr)
{
	const struct physr_provider *prov = physr_provider_of(pr);
	struct physr copy;
	int ret;

	/* As kho_preserve_physr(): a short list goes across as a chunk. */
	ret = physr_make_chunked(pr, GFP_KERNEL);
	if (!m.chunked && m.n && m.fail_armed) {
		m.fail_armed = false;
		if (!(ret == -ENOMEM))
			return fail("make_chunked with a failure armed: %d",
				    ret);
		return check_totals(pr) && check_iter_all(pr);
	}
	if (!(ret == 0))
		return fail("make_chunked: %d", ret);
	if (m.n)
		m.chunked = true;
	if (!check_totals(pr) || !check_iter_all(pr))
		return false;

	ret = physr_adopt(&copy, physr_first_chunk(pr), prov,
			  physr_nr_chunks(pr), page_ok, NULL);
	if (!m.n && prov) {
		/* An empty chain records no kind: RAM, which has no provider. */
		if (!(ret == -EINVAL))
			return fail("adopt of empty MMIO list: %d",
				    ret);
		return true;
	}
	if (!(ret == 0))
		return fail("adopt: %d", ret);
	*pr = copy;
	return check_totals(pr);
}

/*
 * physr_pack(): all or nothing.  Ranges must be page aligned and below page
 * frame 2^40; one of more than 2^24 pages takes several entries.
 */
static bool op_pack(struct physr *pr)
{
	u64 i, k = 0;
	int ret, exp = 0;

	for (i = 0; i < m.n && !m.packed; i++) {
		const struct physr_range *r = &m.r[i];

		if ((r->phys | r->len) % PAGE_SIZE ||
		    (r->phys + r->len - 1) / PAGE_SIZE > PHYSR_PACKED_PFN_MASK) {
			exp = -EINVAL;
			break;
		}
		k += DIV_ROUND_UP(r->len, PACKED_MAX_LEN);
	}
	/* More entries than the model holds: not this time. */
	if (!exp && k > MAX_RANGES)
		return true;
	/* The first chunk page is the first allocation. */
	if (!exp && !m.packed && m.n && m.fail_armed)
		exp = -ENOMEM;

	ret = physr_pack(pr, GFP_KERNEL);
	if (!(ret == exp))
		return fail("pack of %llu ranges = %d, expected %d",
			    (unsigned long long)m.n, ret, exp);
	if (exp == -ENOMEM)
		m.fail_armed = false;
	/* Refused, already packed or empty: nothing changed. */
	if (exp || m.packed || !m.n)
		return check_iter_all(pr);

	/* The model's ranges as packed entries, through scratch. */
	k = 0;
	for (i = 0; i < m.n; i++) {
		u64 phys = m.r[i].phys, len = m.r[i].len;

		while (len) {
			u64 l = len < PACKED_MAX_LEN ? len : PACKED_MAX_LEN;

			scratch[k].phys = phys;
			scratch[k].len = l;
			k++;
			phys += l;
			len -= l;
		}
	}
	memcpy(m.r, scratch, k * sizeof(m.r[0]));
	m.n = k;
	m.packed = true;
	m.chunked = true;
	return check_iter_all(pr);
}

static const struct physr_provider fuzz_provider = { .bar = 1 };

bool physr_fuzz_ops(const u8 *data, size_t size)
{
	struct reader rd = { data, size };
	unsigned long pages = fakemem_pages_in_use();
	unsigned long slabs = fakemem_slab_in_use();
	struct physr_iter it;
	struct physr pr;
	bool ok = true;

	memset(&m, 0, sizeof(m));
	if (take(&rd, 1) & 1)
		physr_init_mmio(&pr, &fuzz_provider);
	else
		physr_init(&pr);

	while (ok && rd.left) {
		switch (take(&rd, 1) % 11) {
		case 0:
		case 1:
		case 2:
			ok = op_append(&pr, &rd);
			break;
		case 3:
			physr_iter_init(&it, &pr);
			ok = check_iter(&it, m.r, m.n);
			break;
		case 4:
			ok = op_slice(&pr, &rd);
			break;
		case 5:
			ok = op_blocks(&pr, &rd);
			break;
		case 6:
			ok = op_validate(&pr);
			break;
		case 7:
			ok = op_adopt(&pr);
			break;
		case 8:
			fakemem_fail_nth(1);
			m.fail_armed = true;
			break;
		case 9:
			ok = op_pack(&pr);
			break;
		default:
			if (take(&rd, 1) == 0xff) {
				physr_destroy(&pr);
				m.n = 0;
				m.total = 0;
				m.chunked = false;
				m.packed = false;
			} else {
				/* Bulk growth, to cross many chunk edges. */
				u64 i, n = take(&rd, 1) * 4;
				u64 base = last_end() + PAGE_SIZE;

				if (m.fail_armed || m.packed ||
				    m.n + n > MAX_RANGES ||
				    base < PAGE_SIZE || base > (1ULL << 62) ||
				    m.total > U64_MAX - n * PAGE_SIZE)
					break;
				for (i = 0; i < n && ok; i++) {
					ok = physr_append(&pr, base + 2 * i *
							  PAGE_SIZE, PAGE_SIZE,
							  GFP_KERNEL) == 0;
					m.r[m.n].phys = base + 2 * i * PAGE_SIZE;
					m.r[m.n].len = PAGE_SIZE;
					m.n++;
					m.total += PAGE_SIZE;
					if (m.n > PHYSR_SMALL_MAX)
						m.chunked = true;
				}
			}
			break;
		}
		if (ok)
			ok = check_totals(&pr);
	}
	fakemem_fail_nth(0);
	physr_destroy(&pr);
	if (ok && fakemem_pages_in_use() != pages) {
		fprintf(stderr, "fuzz_ops: chunk pages leaked\n");
		ok = false;
	}
	if (ok && fakemem_slab_in_use() != slabs) {
		fprintf(stderr, "fuzz_ops: slab arrays leaked\n");
		ok = false;
	}
	return ok;
}
