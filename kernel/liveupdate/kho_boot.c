// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: early boot.
 *
 * A kernel booted with KHO enabled ("kho=on", or
 * CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT without "kho=off") sets aside scratch
 * areas; kexec_file places the next kernel, its initrd and boot parameters
 * only there.  Whether KHO is enabled decides only that: a kernel that
 * receives a valid handover accepts it either way.  The kernel that
 * receives a handover finds it in the SETUP_KEXEC_KHO setup_data entry and
 * goes through three steps, called by the architecture:
 *
 * kho_populate(), while setup_data is parsed: check that the root is ours
 *   (its compatible; upstream Linux's handover has the same setup_data
 *   and another compatible), copy the root address and the scratch areas;
 *   nothing else is trusted or used yet.
 * kho_memblock_setup(), once memblock knows the RAM: mark the scratch areas
 *   and restrict memblock to them, so that no early allocation can land on
 *   preserved memory, whose location is not known yet.
 * kho_reserve_preserved(), once the direct map covers RAM: validate the
 *   root and every chunk of every preserved-memory list, reserve the ranges
 *   in memblock, lift the restriction and set aside this kernel's own
 *   scratch areas for the kernel after it.
 *
 * A handover that fails any check is reported once and dropped as a whole:
 * nothing of it is reserved, and the boot goes on as a cold boot.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/timex.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "kho_internal.h"

struct kho_area kho_scratch[KHO_MAX_SCRATCH];
unsigned int kho_nr_scratch;
struct kho_incoming kho_in;

static bool kho_enable = IS_ENABLED(CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT);
static phys_addr_t kho_scratch_size __initdata;

/* Incoming handover, as copied by kho_populate(). */
static struct {
	bool found;
	bool active;
	phys_addr_t root_phys;
	u64 root_size;
	phys_addr_t low_limit;
	unsigned int nr_scratch;
	struct kho_area scratch[KHO_MAX_SCRATCH];
} kho_setup __initdata;

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

static int __init kho_parse_scratch(char *p)
{
	char *end;

	if (!p)
		return -EINVAL;
	kho_scratch_size = memparse(p, &end);
	return *end ? -EINVAL : 0;
}
early_param("kho_scratch", kho_parse_scratch);

bool kho_enabled_at_boot(void)
{
	return kho_enable;
}

static bool kho_areas_overlap(const struct kho_area *areas, unsigned int nr,
			      phys_addr_t addr, phys_addr_t size)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (addr < areas[i].addr + areas[i].size &&
		    areas[i].addr < addr + size)
			return true;
	return false;
}

/* Whether [@addr, @addr + @size) touches an outgoing scratch area. */
bool kho_overlaps_scratch(phys_addr_t addr, phys_addr_t size)
{
	return kho_areas_overlap(kho_scratch, kho_nr_scratch, addr, size);
}

static void __init kho_reject(const char *why, long err)
{
	snprintf(kho_in.status, sizeof(kho_in.status),
		 "rejected: %s (%ld)", why, err);
	pr_err("handover rejected, booting without it: %s (%ld)\n", why, err);
}

/*
 * The version of the root @fdt: its compatible is KHO_FDT_COMPATIBLE_PREFIX
 * and a decimal number.  Returns 1 to KHO_FDT_VERSION; otherwise writes
 * why into @why and returns -EPROTONOSUPPORT (another format, upstream
 * Linux's "kho-v1" for one, or a version newer than this kernel reads).
 */
static int __init kho_root_version(const void *fdt, char *why, size_t len)
{
	size_t plen = strlen(KHO_FDT_COMPATIBLE_PREFIX);
	const char *compat;
	unsigned int v;
	int clen;

	compat = fdt_getprop(fdt, 0, "compatible", &clen);
	if (!compat || clen <= 0 || strnlen(compat, clen) == clen)
		compat = "(none)";
	if (!strncmp(compat, KHO_FDT_COMPATIBLE_PREFIX, plen) &&
	    compat[plen] >= '1' && compat[plen] <= '9' &&
	    !kstrtouint(compat + plen, 10, &v)) {
		if (v <= KHO_FDT_VERSION)
			return v;
		snprintf(why, len, "KHO root version %u is newer than this kernel reads (%u)",
			 v, KHO_FDT_VERSION);
		return -EPROTONOSUPPORT;
	}
	snprintf(why, len, "root compatible is \"%.40s\", not %s", compat,
		 KHO_FDT_COMPATIBLE);
	return -EPROTONOSUPPORT;
}

/*
 * Whether the root at @phys is a handover of this format: its compatible,
 * read before anything else, so that upstream Linux's handover (the same
 * setup_data, another root) or a newer one is refused before its scratch
 * areas are used.  The full checks of the root come in kho_accept().
 */
static int __init kho_check_root_compatible(phys_addr_t phys, u64 size)
{
	char why[96];
	void *fdt;
	int ret = 0;

	if (size != PAGE_SIZE || !PAGE_ALIGNED(phys)) {
		kho_reject("root not a page", -ERANGE);
		return -ERANGE;
	}
	fdt = early_memremap(phys, PAGE_SIZE);
	if (!fdt) {
		kho_reject("cannot map the root", -ENOMEM);
		return -ENOMEM;
	}
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > PAGE_SIZE) {
		kho_reject("root is not a valid FDT", -EINVAL);
		ret = -EINVAL;
	} else {
		ret = kho_root_version(fdt, why, sizeof(why));
		if (ret < 0)
			kho_reject(why, ret);
		else
			ret = 0;
	}
	early_memunmap(fdt, PAGE_SIZE);
	return ret;
}

/**
 * kho_populate() - note the handover passed by the previous kernel
 * @pa_data: physical address of the SETUP_KEXEC_KHO payload, a
 *	&struct kho_data.
 * @data_len: its length in bytes.
 *
 * Called by the architecture while it parses its boot data, before
 * memblock knows the RAM and before any allocation.  Checks the root's
 * compatible and copies the scratch areas; kho_memblock_setup() decides.
 *
 * Context: early boot, single threaded.
 */
void __init kho_populate(u64 pa_data, u32 data_len)
{
	struct kho_scratch_abi *sa;
	u64 fdt, fdt_size, sa_phys, sa_size;
	struct kho_data *kd;
	unsigned int i, nr;

	if (kho_setup.found) {
		kho_reject("more than one handover", -EINVAL);
		kho_setup.nr_scratch = 0;
		return;
	}
	kho_setup.found = true;
	if (data_len < sizeof(*kd)) {
		kho_reject("setup_data too short", -EINVAL);
		return;
	}
	kd = early_memremap(pa_data, sizeof(*kd));
	if (!kd) {
		kho_reject("cannot map setup_data", -ENOMEM);
		return;
	}
	fdt = le64_to_cpu(kd->fdt_addr);
	fdt_size = le64_to_cpu(kd->fdt_size);
	sa_phys = le64_to_cpu(kd->scratch_addr);
	sa_size = le64_to_cpu(kd->scratch_size);
	early_memunmap(kd, sizeof(*kd));

	if (kho_check_root_compatible(fdt, fdt_size))
		return;
	if (!sa_size || sa_size % sizeof(*sa) ||
	    sa_size > KHO_MAX_SCRATCH * sizeof(*sa) ||
	    sa_phys + sa_size < sa_phys) {
		kho_reject("bad number of scratch areas", -EINVAL);
		return;
	}
	if (!IS_ALIGNED(sa_phys, __alignof__(*sa))) {
		kho_reject("scratch array misaligned", -EINVAL);
		return;
	}
	nr = sa_size / sizeof(*sa);
	sa = early_memremap(sa_phys, sa_size);
	if (!sa) {
		kho_reject("cannot map the scratch array", -ENOMEM);
		return;
	}
	for (i = 0; i < nr; i++) {
		kho_setup.scratch[i].addr = le64_to_cpu(sa[i].addr);
		kho_setup.scratch[i].size = le64_to_cpu(sa[i].size);
	}
	early_memunmap(sa, sa_size);
	kho_setup.root_phys = fdt;
	kho_setup.root_size = fdt_size;
	kho_setup.nr_scratch = nr;
}

/**
 * kho_memblock_setup() - restrict early allocations to the scratch areas
 * @low_limit: memory below this address is never preserved on this
 *	architecture (x86 reserves its first MiB) and may be allocated from
 *	too; 0 for none.
 *
 * Called by the architecture right after memblock learnt the RAM and
 * before the first memblock allocation.
 *
 * Context: early boot, single threaded.
 */
void __init kho_memblock_setup(phys_addr_t low_limit)
{
	unsigned int i;

	/*
	 * A valid handover is accepted whatever "kho=" says: that option only
	 * decides whether this kernel can preserve memory for the next one.
	 */
	if (!kho_setup.found || !kho_setup.nr_scratch)
		return;
	for (i = 0; i < kho_setup.nr_scratch; i++) {
		const struct kho_area *a = &kho_setup.scratch[i];

		if (!a->size || !PAGE_ALIGNED(a->addr) ||
		    !PAGE_ALIGNED(a->size) || a->addr + a->size < a->addr ||
		    !memblock_is_region_memory(a->addr, a->size)) {
			kho_reject("scratch area not in RAM", -ERANGE);
			return;
		}
	}
	for (i = 0; i < kho_setup.nr_scratch; i++)
		memblock_mark_kho_scratch(kho_setup.scratch[i].addr,
					  kho_setup.scratch[i].size);
	if (low_limit)
		memblock_mark_kho_scratch(0, low_limit);
	kho_setup.low_limit = low_limit;
	memblock_set_kho_scratch_only();
	kho_setup.active = true;
}

/* Memory a chunk, root or range of the handover may occupy. */
static bool __init kho_area_ok(phys_addr_t addr, u64 size)
{
	return size && addr + size > addr && addr >= kho_setup.low_limit &&
	       addr + size - 1 <= PHYS_ADDR_MAX &&
	       memblock_is_region_memory(addr, size) &&
	       !kho_areas_overlap(kho_setup.scratch, kho_setup.nr_scratch,
				  addr, size);
}

static bool __init kho_chunk_ok(phys_addr_t phys, size_t size, void *arg)
{
	return kho_area_ok(phys, size) &&
	       (phys >= kho_setup.root_phys + PAGE_SIZE ||
		phys + size <= kho_setup.root_phys);
}

/* Check the ranges of one adopted list: aligned, in RAM, sorted. */
static int __init kho_check_ranges(const struct physr *pr, unsigned int order)
{
	u64 block = PAGE_SIZE << order, prev_end = 0;
	struct physr_range r;
	struct physr_iter it;

	physr_for_each_range(pr, &it, &r) {
		if (!IS_ALIGNED(r.phys, block) || !IS_ALIGNED(r.len, block))
			return -EINVAL;
		if (r.phys < prev_end)
			return -EINVAL;
		if (!kho_area_ok(r.phys, r.len))
			return -ERANGE;
		prev_end = r.phys + r.len;
	}
	return 0;
}

/*
 * Visit everything the handover occupies, in a fixed order: the root page,
 * the chunk pages of every list, the ranges of every list.
 */
struct kho_visit {
	int (*fn)(phys_addr_t addr, phys_addr_t size, struct kho_visit *v);
	u64 count;
	u64 limit;
	u64 bytes;
};

static int __init kho_visit_chunk(phys_addr_t phys, size_t size, void *arg)
{
	struct kho_visit *v = arg;

	return v->fn(phys, size, v);
}

static int __init kho_visit_all(struct kho_visit *v)
{
	struct physr_range r;
	struct physr_iter it;
	unsigned int order;
	int ret;

	ret = v->fn(kho_setup.root_phys, PAGE_SIZE, v);
	for (order = 0; order < KHO_NR_ORDERS && !ret; order++)
		ret = physr_walk_chunks(&kho_in.maps[order], kho_visit_chunk, v);
	for (order = 0; order < KHO_NR_ORDERS && !ret; order++) {
		physr_for_each_range(&kho_in.maps[order], &it, &r) {
			ret = v->fn(r.phys, r.len, v);
			if (ret)
				break;
		}
	}
	return ret;
}

static int __init kho_unreserve_one(phys_addr_t addr, phys_addr_t size,
				    struct kho_visit *v)
{
	if (v->count == v->limit)
		return 1;
	v->count++;
	memblock_phys_free(addr, size);
	return 0;
}

static void __init kho_drop_maps(void)
{
	unsigned int order;

	/* The chunk pages are not ours to free: only forget them. */
	for (order = 0; order < KHO_NR_ORDERS; order++)
		physr_init(&kho_in.maps[order]);
}

static int __init kho_adopt_maps(const void *fdt)
{
	unsigned long max_chunks = memblock_phys_mem_size() >> PAGE_SHIFT;
	const __be64 *cells;
	unsigned int i, n;
	int len, ret;
	u64 prev = 0;

	cells = fdt_getprop(fdt, 0, KHO_FDT_PROP_MEM, &len);
	if (!cells || len < 0 || len % (2 * sizeof(*cells))) {
		kho_reject("bad " KHO_FDT_PROP_MEM " property", -EINVAL);
		return -EINVAL;
	}
	n = len / (2 * sizeof(*cells));
	for (i = 0; i < n; i++) {
		/* FDT property values are only 4-byte aligned. */
		u64 order = get_unaligned_be64(&cells[2 * i]);
		u64 first = get_unaligned_be64(&cells[2 * i + 1]);
		struct physr *pr;

		if (order >= KHO_NR_ORDERS || (i && order <= prev) || !first ||
		    first > PHYS_ADDR_MAX) {
			kho_reject("bad order or list address", -EINVAL);
			return -EINVAL;
		}
		prev = order;
		pr = &kho_in.maps[order];
		ret = physr_adopt(pr, first, NULL, max_chunks, kho_chunk_ok,
				  NULL);
		if (ret == -EPROTONOSUPPORT) {
			struct physr_walk_info info;
			char why[96];

			/* Walk it again for the version, to say which. */
			physr_validate_chain(first, max_chunks, kho_chunk_ok,
					     NULL, &info);
			snprintf(why, sizeof(why),
				 "physr chunk version %u %s this kernel reads (%u)",
				 info.bad_version,
				 info.bad_version > PHYSR_CHUNK_VERSION ?
				 "is newer than" : "is not one",
				 PHYSR_CHUNK_VERSION);
			kho_reject(why, ret);
			return ret;
		}
		if (ret) {
			kho_reject("bad preserved-memory chunk chain", ret);
			return ret;
		}
		ret = kho_check_ranges(pr, order);
		if (ret) {
			kho_reject("bad preserved-memory range", ret);
			return ret;
		}
		max_chunks -= physr_nr_chunks(pr);
		kho_in.metadata_bytes += physr_nr_chunks(pr) * PAGE_SIZE;
	}
	return 0;
}

static int __init kho_index_chunk(phys_addr_t phys, size_t size, void *arg)
{
	const struct physr_chunk ***slot = arg;

	*(*slot)++ = phys_to_virt(phys);
	return 0;
}

/* Chunk tables so that restore lookups are binary searches. */
static void __init kho_build_index(void)
{
	const struct physr_chunk **table, **slot;
	unsigned int order;
	unsigned long nr;

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		nr = physr_nr_chunks(&kho_in.maps[order]);
		if (!nr)
			continue;
		table = memblock_alloc(nr * sizeof(*table), SMP_CACHE_BYTES);
		if (!table)
			continue;
		slot = table;
		physr_walk_chunks(&kho_in.maps[order], kho_index_chunk, &slot);
		kho_in.index[order] = table;
	}
}

static void __init kho_free_index(void)
{
	unsigned int order;

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		if (kho_in.index[order])
			memblock_free(kho_in.index[order],
				      physr_nr_chunks(&kho_in.maps[order]) *
				      sizeof(*kho_in.index[order]));
		kho_in.index[order] = NULL;
	}
}

/*
 * Tag every preserved page in a bitmap owned by KHO, so that restore and
 * kho_finish() know which pages are still waiting without asking struct
 * page anything: a page that was restored, freed and reused may carry any
 * flag, PG_reserved included, and any private value.  The bitmap spans the
 * lowest to the highest preserved page, one bit per page (32 KiB per GiB of
 * span).
 */
static int __init kho_build_waiting(void)
{
	unsigned long lo = ULONG_MAX, hi = 0, size, start, n;
	const struct physr_chunk *tail;
	const struct physr *pr;
	struct physr_range r;
	struct physr_iter it;
	unsigned int order;

	/* Each list is sorted: its first and last entries bound it. */
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		pr = &kho_in.maps[order];
		if (!physr_nr_ranges(pr))
			continue;
		tail = pr->tail;
		r.phys = le64_to_cpu(tail->ranges[le32_to_cpu(tail->hdr.count) - 1].phys);
		r.len = le64_to_cpu(tail->ranges[le32_to_cpu(tail->hdr.count) - 1].len);
		hi = max_t(unsigned long, hi, PHYS_PFN(r.phys + r.len));
		lo = min_t(unsigned long, lo,
			   PHYS_PFN(le64_to_cpu(pr->head->ranges[0].phys)));
	}
	if (lo >= hi)
		return 0;
	size = PAGE_ALIGN(BITS_TO_LONGS(hi - lo) * sizeof(long));
	kho_in.waiting = memblock_alloc(size, PAGE_SIZE);
	if (!kho_in.waiting)
		return -ENOMEM;
	kho_in.waiting_base_pfn = lo;
	kho_in.waiting_nr = hi - lo;
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		physr_for_each_range(&kho_in.maps[order], &it, &r) {
			start = PHYS_PFN(r.phys) - lo;
			n = r.len >> PAGE_SHIFT;
			if (n == 1)
				__set_bit(start, kho_in.waiting);
			else
				bitmap_set(kho_in.waiting, start, n);
		}
	}
	return 0;
}

static void __init kho_free_waiting(void)
{
	if (kho_in.waiting)
		memblock_free(kho_in.waiting,
			      PAGE_ALIGN(BITS_TO_LONGS(kho_in.waiting_nr) *
					 sizeof(long)));
	kho_in.waiting = NULL;
	kho_in.waiting_base_pfn = 0;
	kho_in.waiting_nr = 0;
}

/*
 * The preserved ranges of every order, merged in address order: the source
 * of memblock_reserve_sorted().  Each list is sorted (kho_check_ranges());
 * only the orders that still have ranges are
 * compared, usually one or two, so a step costs about one range's read.
 */
struct kho_sorted {
	struct memblock_range_source src;
	struct physr_iter its[KHO_NR_ORDERS];
	struct physr_range cur[KHO_NR_ORDERS];
	unsigned int act[KHO_NR_ORDERS];
	unsigned int nr_act;
};

static void __init kho_sorted_rewind(struct memblock_range_source *src)
{
	struct kho_sorted *s = container_of(src, struct kho_sorted, src);
	unsigned int o;

	s->nr_act = 0;
	for (o = 0; o < KHO_NR_ORDERS; o++) {
		physr_iter_init(&s->its[o], &kho_in.maps[o]);
		if (physr_iter_next(&s->its[o], &s->cur[o]))
			s->act[s->nr_act++] = o;
	}
}

static bool __init kho_sorted_next(struct memblock_range_source *src,
				   phys_addr_t *base, phys_addr_t *size)
{
	struct kho_sorted *s = container_of(src, struct kho_sorted, src);
	unsigned int i, min = 0, o;

	if (!s->nr_act)
		return false;
	for (i = 1; i < s->nr_act; i++)
		if (s->cur[s->act[i]].phys < s->cur[s->act[min]].phys)
			min = i;
	o = s->act[min];
	*base = s->cur[o].phys;
	*size = s->cur[o].len;
	if (!physr_iter_next(&s->its[o], &s->cur[o]))
		s->act[min] = s->act[--s->nr_act];
	return true;
}

/* Number of metadata pages: the root and every chunk. */
static u64 __init kho_nr_meta(void)
{
	unsigned int order;
	u64 nr = 1;

	for (order = 0; order < KHO_NR_ORDERS; order++)
		nr += physr_nr_chunks(&kho_in.maps[order]);
	return nr;
}

/* The root and the chunk pages must not be inside preserved ranges. */
static int __init kho_check_meta(phys_addr_t addr, phys_addr_t size,
				 struct kho_visit *v)
{
	unsigned int order;

	if (v->count++ >= v->limit)
		return 1;
	if (kho_lookup(addr, size, &order) ||
	    memblock_is_region_reserved(addr, size))
		return -EEXIST;
	return 0;
}

/* Keep the incoming scratch areas for debugfs (kho_setup is init data). */
static void __init kho_keep_scratch(void)
{
	unsigned int i;

	for (i = 0; i < kho_setup.nr_scratch; i++) {
		kho_in.scratch[i].addr = cpu_to_le64(kho_setup.scratch[i].addr);
		kho_in.scratch[i].size = cpu_to_le64(kho_setup.scratch[i].size);
	}
	kho_in.nr_scratch = kho_setup.nr_scratch;
}

static int __init kho_reserve_one(phys_addr_t addr, phys_addr_t size,
				  struct kho_visit *v)
{
	if (v->count == v->limit)
		return 1;
	if (memblock_reserve(addr, size))
		return -ENOMEM;
	v->count++;
	v->bytes += size;
	return 0;
}

/*
 * Reserve everything the handover occupies: the root and the chunk pages
 * one by one (a few, in no particular order), then every preserved range
 * in one pass of memblock_reserve_sorted(), O(ranges + regions).  On
 * failure nothing stays reserved.
 */
static int __init kho_reserve_all(u64 *count, u64 *bytes)
{
	struct kho_visit meta = { .fn = kho_reserve_one,
				  .limit = kho_nr_meta() };
	struct kho_sorted sorted = {
		.src = { .rewind = kho_sorted_rewind, .next = kho_sorted_next },
	};
	unsigned long nr = 0;
	unsigned int order;
	u64 range_bytes = 0;
	int ret;

	ret = kho_visit_all(&meta);
	if (ret == 1)
		ret = 0;
	if (!ret) {
		for (order = 0; order < KHO_NR_ORDERS; order++) {
			nr += physr_nr_ranges(&kho_in.maps[order]);
			range_bytes += physr_total_bytes(&kho_in.maps[order]);
		}
		ret = memblock_reserve_sorted(&sorted.src, nr);
	}
	if (ret) {
		struct kho_visit undo = { .fn = kho_unreserve_one,
					  .limit = meta.count };

		kho_visit_all(&undo);
		return ret;
	}
	*count = meta.count + nr;
	*bytes = meta.bytes + range_bytes;
	return 0;
}

static int __init kho_accept(void)
{
	struct kho_visit meta = { .fn = kho_check_meta };
	phys_addr_t root = kho_setup.root_phys;
	u64 count, bytes;
	const void *fdt;
	char why[96];
	int ret, len;

	if (!PAGE_ALIGNED(root) || kho_setup.root_size != PAGE_SIZE ||
	    !kho_area_ok(root, PAGE_SIZE)) {
		kho_reject("root not a page of RAM outside scratch", -ERANGE);
		return -ERANGE;
	}
	fdt = phys_to_virt(root);
	ret = fdt_check_header(fdt);
	if (ret || fdt_totalsize(fdt) > PAGE_SIZE) {
		kho_reject("root is not a valid FDT", ret ?: -FDT_ERR_TRUNCATED);
		return -EINVAL;
	}
	ret = kho_root_version(fdt, why, sizeof(why));
	if (ret < 0) {
		kho_reject(why, ret);
		return ret;
	}
	kho_in.root_version = ret;
	/* Version 2 says in which pages the orders count; 1 means ours. */
	if (ret >= 2) {
		const void *shift = fdt_getprop(fdt, 0, KHO_FDT_PROP_PAGE_SHIFT,
						&len);

		if (!shift || len != sizeof(u32) ||
		    get_unaligned_be32(shift) != PAGE_SHIFT) {
			snprintf(why, sizeof(why), "root page-shift %d, this kernel's is %d",
				 shift && len == sizeof(u32) ?
				 (int)get_unaligned_be32(shift) : -1,
				 PAGE_SHIFT);
			kho_reject(why, -EINVAL);
			return -EINVAL;
		}
	}
	kho_in.metadata_bytes = PAGE_SIZE;
	ret = kho_adopt_maps(fdt);
	if (ret)
		goto drop;
	meta.limit = kho_nr_meta();

	kho_build_index();
	/*
	 * The ranges are checked against each other and against memblock's
	 * reserved regions by memblock_reserve_sorted(), before it reserves
	 * any; the root and chunk pages here.
	 */
	ret = kho_visit_all(&meta);
	ret = ret == 1 ? 0 : ret;
	if (ret) {
		kho_reject("preserved memory overlaps other memory", ret);
		kho_free_index();
		goto drop;
	}

	ret = kho_build_waiting();
	if (ret) {
		kho_reject("cannot allocate the bitmap of preserved pages", ret);
		kho_free_index();
		goto drop;
	}
	ret = kho_reserve_all(&count, &bytes);
	if (ret) {
		kho_reject(ret == -ENOMEM ? "cannot reserve preserved memory" :
			   "preserved memory overlaps other memory", ret);
		kho_free_waiting();
		kho_free_index();
		goto drop;
	}
	kho_in.root_phys = root;
	kho_in.root = fdt;
	kho_in.nr_reserved = count;
	kho_in.reserved_bytes = bytes;
	kho_keep_scratch();
	return 0;

drop:
	kho_drop_maps();
	kho_in.metadata_bytes = 0;
	return ret;
}

static void __init kho_alloc_scratch(void)
{
	phys_addr_t size = kho_scratch_size, addr;

	if (!size)
		size = clamp_t(phys_addr_t, memblock_phys_mem_size() / 16,
			       SZ_64M, SZ_1G);
	size = ALIGN(size, SZ_2M);
	addr = memblock_phys_alloc_range(size, SZ_2M, SZ_16M,
					 MEMBLOCK_ALLOC_ACCESSIBLE);
	if (!addr) {
		pr_err("cannot set aside %pa of scratch, KHO disabled\n", &size);
		return;
	}
	kho_scratch[0].addr = addr;
	kho_scratch[0].size = size;
	kho_nr_scratch = 1;
	kho_scratch_lend(0);
	pr_info("scratch for the next kernel at %pa, %llu MiB\n", &addr,
		(u64)size >> 20);
}

/**
 * kho_reserve_preserved() - accept or reject the incoming handover
 *
 * Called by the architecture once the direct map covers RAM and before the
 * page allocator is set up.  Reserves everything a valid handover
 * preserved, lifts the scratch-only restriction of memblock, and, when KHO
 * is enabled ("kho="), sets aside the scratch areas for the next kernel.
 *
 * Context: early boot, single threaded.
 */
void __init kho_reserve_preserved(void)
{
	unsigned int i;
	cycles_t t0;

	if (kho_setup.active) {
		t0 = get_cycles();
		if (!kho_accept()) {
			kho_in.reserve_cycles = get_cycles() - t0;
			snprintf(kho_in.status, sizeof(kho_in.status),
				 "accepted: %llu areas, %llu bytes, root v%u",
				 kho_in.nr_reserved, kho_in.reserved_bytes,
				 kho_in.root_version);
			pr_info("handover accepted: %llu areas, %llu bytes reserved, root v%u\n",
				kho_in.nr_reserved, kho_in.reserved_bytes,
				kho_in.root_version);
		}
		memblock_clear_kho_scratch_only();
		for (i = 0; i < kho_setup.nr_scratch; i++)
			memblock_clear_kho_scratch(kho_setup.scratch[i].addr,
						   kho_setup.scratch[i].size);
		if (kho_setup.low_limit)
			memblock_clear_kho_scratch(0, kho_setup.low_limit);
	} else if (!kho_in.status[0]) {
		strscpy(kho_in.status, "none");
	}
	if (kho_enable)
		kho_alloc_scratch();
}
