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
 *   root and every chunk of every preserved-memory list and referenced
 *   list, reserve the ranges in memblock, lift the restriction and take
 *   this kernel's own scratch areas for the kernel after it: the incoming
 *   ones, kept (kho_keep_incoming_scratch()), or a fresh one.
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
bool kho_scratch_kept;
struct kho_incoming kho_in;

/*
 * A list the root references (version 3, or through the reference array
 * of version 4), adopted in place for the boot,
 * and the page frames its ranges span, [@lo_pfn, @hi_pfn).
 */
struct kho_in_ref {
	struct physr pr;
	unsigned int order;
	unsigned long lo_pfn;
	unsigned long hi_pfn;
};

static struct kho_in_ref *kho_refs __initdata;
static unsigned int kho_nr_refs __initdata;
/* The reference array of a version 4 root, once its chain was checked. */
static phys_addr_t kho_ref_array __initdata;
static u64 kho_ref_array_pages __initdata;

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

/*
 * The last window of RAM a preserved range was found in: the part of one
 * memory region above the low limit and between the scratch areas around
 * that range, where every range kho_area_ok() accepts.  The ranges of a
 * list fall into a few such windows, so most are checked against the
 * window in hand, without a search of memblock or of the scratch areas.
 */
static struct {
	phys_addr_t start;
	phys_addr_t end;
} kho_window __initdata;

/* Note the window of [@addr, @addr + @size), a range kho_area_ok() took. */
static void __init kho_window_set(phys_addr_t addr, u64 size)
{
	phys_addr_t start = 0, end = 0, s, e;
	unsigned long i;

	for (i = 0; i < memblock.memory.cnt; i++) {
		s = memblock.memory.regions[i].base;
		e = s + memblock.memory.regions[i].size;
		if (s <= addr && addr + size <= e) {
			start = max(s, kho_setup.low_limit);
			end = e;
			break;
		}
	}
	for (i = 0; i < kho_setup.nr_scratch && end; i++) {
		s = kho_setup.scratch[i].addr;
		e = s + kho_setup.scratch[i].size;
		if (e <= addr)
			start = max(start, e);
		else if (s >= addr + size)
			end = min(end, s);
	}
	kho_window.start = start;
	kho_window.end = end;
}

/* kho_area_ok() for the ranges of the lists, mostly from the window. */
static bool __init kho_range_ok(phys_addr_t addr, u64 size)
{
	if (addr >= kho_window.start && addr < kho_window.end &&
	    size && size <= kho_window.end - addr)
		return true;
	if (!kho_area_ok(addr, size))
		return false;
	kho_window_set(addr, size);
	return true;
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
		if (!kho_range_ok(r.phys, r.len))
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

/* Reject for a chain physr_adopt() refused with @err. */
static void __init kho_reject_chain(phys_addr_t first,
				    unsigned long max_chunks, int err,
				    const char *what)
{
	struct physr_walk_info info;
	char why[96];

	if (err != -EPROTONOSUPPORT) {
		kho_reject(what, err);
		return;
	}
	/* Walk it again for the version, to say which. */
	physr_validate_chain(first, max_chunks, kho_chunk_ok, NULL, &info);
	snprintf(why, sizeof(why),
		 "physr chunk version %u %s this kernel reads (%u)",
		 info.bad_version,
		 info.bad_version > PHYSR_CHUNK_VERSION_MAX ?
		 "is newer than" : "is not one",
		 PHYSR_CHUNK_VERSION_MAX);
	kho_reject(why, err);
}

#define KHO_WHY_PACKED_MAP \
	"packed physr chunk in a preserved-memory list, which is version 1 only"

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
		if (ret) {
			kho_reject_chain(first, max_chunks, ret,
					 "bad preserved-memory chunk chain");
			return ret;
		}
		/*
		 * The maps are written in chunk layout version 1 only
		 * (kho_build_maps()), and read so: kho_build_waiting() takes
		 * the bounds of a list from its first and last entries and
		 * kho_lookup_index() searches the entries of its chunks in
		 * place.  A packed chunk (version 2) here is malformed.
		 */
		if (physr_is_packed(pr)) {
			kho_reject(KHO_WHY_PACKED_MAP, -EINVAL);
			return -EINVAL;
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

/*
 * Check the ranges of a referenced list: aligned, in RAM, as announced.
 * The same walk notes the page frames they span, which bound the bitmap
 * of waiting pages (the list is in its owner's order, not sorted).
 */
static int __init kho_check_ref(struct kho_in_ref *ref, u64 nr, u64 bytes)
{
	u64 block = PAGE_SIZE << ref->order;
	unsigned long lo = ULONG_MAX, hi = 0;
	struct physr_range r;
	struct physr_iter it;

	physr_for_each_range(&ref->pr, &it, &r) {
		if (!IS_ALIGNED(r.phys, block) || !IS_ALIGNED(r.len, block))
			return -EINVAL;
		if (!kho_range_ok(r.phys, r.len))
			return -ERANGE;
		lo = min_t(unsigned long, lo, PHYS_PFN(r.phys));
		hi = max_t(unsigned long, hi, PHYS_PFN(r.phys + r.len));
	}
	ref->lo_pfn = lo;
	ref->hi_pfn = hi;
	if (physr_nr_ranges(&ref->pr) != nr ||
	    physr_total_bytes(&ref->pr) != bytes)
		return -EINVAL;
	return 0;
}

/* Adopt referenced list @i of @order at @first, announced with @nr, @bytes. */
static int __init kho_adopt_ref(unsigned int i, u64 order, u64 first, u64 nr,
				u64 bytes, unsigned long *max_chunks)
{
	struct kho_in_ref *ref = &kho_refs[i];
	int ret;

	physr_init(&ref->pr);
	if (order >= KHO_NR_ORDERS || !first || first > PHYS_ADDR_MAX) {
		kho_reject("bad order or address of a referenced list",
			   -EINVAL);
		return -EINVAL;
	}
	ref->order = order;
	ret = physr_adopt(&ref->pr, first, NULL, *max_chunks, kho_chunk_ok,
			  NULL);
	if (ret) {
		kho_reject_chain(first, *max_chunks, ret,
				 "bad referenced chunk chain");
		return ret;
	}
	ret = kho_check_ref(ref, nr, bytes);
	if (ret) {
		kho_reject("bad referenced range", ret);
		return ret;
	}
	*max_chunks -= physr_nr_chunks(&ref->pr);
	kho_in.ref_ranges += physr_nr_ranges(&ref->pr);
	kho_in.ref_chunk_bytes += physr_nr_chunks(&ref->pr) * PAGE_SIZE;
	return 0;
}

static int __init kho_alloc_refs(u64 n)
{
	kho_refs = memblock_alloc(n * sizeof(*kho_refs), SMP_CACHE_BYTES);
	if (!kho_refs) {
		kho_reject("cannot allocate the referenced lists", -ENOMEM);
		return -ENOMEM;
	}
	kho_nr_refs = n;
	return 0;
}

/*
 * Check the whole chain of the reference array of @total entries at
 * @first before any entry is read: every page in RAM, outside scratch and
 * the low limit, not the root, with the magic, version 1, zero reserved
 * fields, a full count but in the last page, which has the rest, and a
 * next pointer to such a page, 0 in the last page.  A chain that goes on
 * after its last page, a loop among others, is -ELOOP.  That its pages
 * are preserved order-0 pages is checked once the maps are indexed
 * (kho_check_ref_chunks()).
 */
static int __init kho_check_ref_array(u64 first, u64 total)
{
	u64 per = KHO_REF_ARRAY_PER_PAGE(PAGE_SIZE), npages, p, expect;
	const struct kho_ref_array_hdr *hdr;
	phys_addr_t phys = first;
	char why[96];
	u64 next;
	u16 v;

	if (!total || total > memblock_phys_mem_size() >> PAGE_SHIFT) {
		kho_reject("bad number of reference array entries", -EINVAL);
		return -EINVAL;
	}
	npages = DIV_ROUND_UP(total, per);
	if (!first || first > PHYS_ADDR_MAX || !PAGE_ALIGNED(first) ||
	    !kho_area_ok(first, PAGE_SIZE) || first == kho_setup.root_phys) {
		kho_reject("reference array page not in RAM outside scratch",
			   -ERANGE);
		return -ERANGE;
	}
	for (p = 0; p < npages; p++) {
		hdr = phys_to_virt(phys);
		if (le32_to_cpu(hdr->magic) != KHO_REF_ARRAY_MAGIC) {
			kho_reject("bad reference array magic", -EINVAL);
			return -EINVAL;
		}
		v = le16_to_cpu(hdr->version);
		if (v != KHO_REF_ARRAY_VERSION) {
			snprintf(why, sizeof(why),
				 "reference array version %u %s this kernel reads (%u)",
				 v, v > KHO_REF_ARRAY_VERSION ?
				 "is newer than" : "is not one",
				 KHO_REF_ARRAY_VERSION);
			kho_reject(why, -EPROTONOSUPPORT);
			return -EPROTONOSUPPORT;
		}
		if (hdr->reserved0 || hdr->reserved1 || hdr->reserved2) {
			kho_reject("bad reference array header", -EINVAL);
			return -EINVAL;
		}
		expect = p + 1 < npages ? per : total - p * per;
		if (le32_to_cpu(hdr->count) != expect) {
			kho_reject("bad reference array count", -EINVAL);
			return -EINVAL;
		}
		next = le64_to_cpu(hdr->next);
		if (next && (next > PHYS_ADDR_MAX || !PAGE_ALIGNED(next) ||
			     !kho_area_ok(next, PAGE_SIZE) ||
			     next == kho_setup.root_phys)) {
			kho_reject("bad reference array next page", -ERANGE);
			return -ERANGE;
		}
		if (p + 1 == npages && next) {
			kho_reject("reference array chain loops or is longer than its count",
				   -ELOOP);
			return -ELOOP;
		}
		if (p + 1 < npages && !next) {
			kho_reject("reference array chain shorter than its count",
				   -EINVAL);
			return -EINVAL;
		}
		phys = next;
	}
	kho_ref_array = first;
	kho_ref_array_pages = npages;
	return 0;
}

/*
 * Adopt the lists of the reference array of a version 4 root
 * (KHO_FDT_PROP_REF_ARRAY), the chain checked first as a whole.
 */
static int __init kho_adopt_ref_array(const void *fdt)
{
	unsigned long max_chunks = memblock_phys_mem_size() >> PAGE_SHIFT;
	u64 per = KHO_REF_ARRAY_PER_PAGE(PAGE_SIZE), total, i;
	const struct kho_ref_array_hdr *hdr;
	const struct kho_ref_entry *e;
	const __be64 *cells;
	int len, ret;

	if (fdt_getprop(fdt, 0, KHO_FDT_PROP_REF, &len)) {
		kho_reject(KHO_FDT_PROP_REF " in a version 4 root", -EINVAL);
		return -EINVAL;
	}
	cells = fdt_getprop(fdt, 0, KHO_FDT_PROP_REF_ARRAY, &len);
	if (!cells)
		return 0;
	if (len != 2 * sizeof(*cells)) {
		kho_reject("bad " KHO_FDT_PROP_REF_ARRAY " property", -EINVAL);
		return -EINVAL;
	}
	total = get_unaligned_be64(&cells[1]);
	ret = kho_check_ref_array(get_unaligned_be64(&cells[0]), total);
	ret = ret ?: kho_alloc_refs(total);
	if (ret)
		return ret;
	hdr = phys_to_virt(kho_ref_array);
	for (i = 0; i < total; i++) {
		if (i && !(i % per))
			hdr = phys_to_virt(le64_to_cpu(hdr->next));
		e = (const struct kho_ref_entry *)(hdr + 1) + i % per;
		if (e->reserved) {
			kho_reject("bad reference array entry", -EINVAL);
			return -EINVAL;
		}
		ret = kho_adopt_ref(i, le32_to_cpu(e->order),
				    le64_to_cpu(e->first),
				    le64_to_cpu(e->nr_ranges),
				    le64_to_cpu(e->bytes), &max_chunks);
		if (ret)
			return ret;
	}
	kho_in.nr_refs = total;
	return 0;
}

/*
 * Adopt the lists a version 3 root references (KHO_FDT_PROP_REF), or a
 * version 4 root through its reference array, in place, for the boot only:
 * their ranges are in no particular order, and kho_build_waiting() checks
 * them against everything else.
 */
static int __init kho_adopt_refs(const void *fdt)
{
	unsigned long max_chunks = memblock_phys_mem_size() >> PAGE_SHIFT;
	const __be64 *cells;
	unsigned int i, n;
	int len, ret;

	if (kho_in.root_version >= 4)
		return kho_adopt_ref_array(fdt);
	cells = fdt_getprop(fdt, 0, KHO_FDT_PROP_REF, &len);
	if (!cells)
		return 0;
	if (len <= 0 || len % (KHO_FDT_REF_CELLS * sizeof(*cells))) {
		kho_reject("bad " KHO_FDT_PROP_REF " property", -EINVAL);
		return -EINVAL;
	}
	n = len / (KHO_FDT_REF_CELLS * sizeof(*cells));
	ret = kho_alloc_refs(n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		const __be64 *c = &cells[KHO_FDT_REF_CELLS * i];

		ret = kho_adopt_ref(i, get_unaligned_be64(&c[0]),
				    get_unaligned_be64(&c[1]),
				    get_unaligned_be64(&c[2]),
				    get_unaligned_be64(&c[3]), &max_chunks);
		if (ret)
			return ret;
	}
	kho_in.nr_refs = n;
	return 0;
}

/* Forget the referenced lists: their chunks belong to their owners. */
static void __init kho_drop_refs(void)
{
	if (kho_refs)
		memblock_free(kho_refs, kho_nr_refs * sizeof(*kho_refs));
	kho_refs = NULL;
	kho_nr_refs = 0;
	kho_ref_array = 0;
	kho_ref_array_pages = 0;
}

static int __init kho_ref_chunk_ok(phys_addr_t phys, size_t size, void *arg)
{
	unsigned int order;

	return kho_lookup(phys, size, &order) ? 0 : -EINVAL;
}

/* The next page of the reference array after @phys, a checked chain. */
static phys_addr_t __init kho_ref_array_next(phys_addr_t phys)
{
	const struct kho_ref_array_hdr *hdr = phys_to_virt(phys);

	return le64_to_cpu(hdr->next);
}

/*
 * The chunks of a referenced list are preserved pages of the maps, for its
 * owner to take back with kho_restore_physr(); so are the pages of the
 * reference array, order-0 pages, for KHO itself.
 */
static int __init kho_check_ref_chunks(void)
{
	phys_addr_t phys = kho_ref_array;
	unsigned int i, order;
	u64 p;
	int ret;

	for (p = 0; p < kho_ref_array_pages; p++) {
		if (!kho_lookup(phys, PAGE_SIZE, &order) || order)
			return -ENOENT;
		phys = kho_ref_array_next(phys);
	}

	for (i = 0; i < kho_nr_refs; i++) {
		ret = physr_walk_chunks(&kho_refs[i].pr, kho_ref_chunk_ok,
					NULL);
		if (ret)
			return ret;
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
	unsigned int order, i;

	/*
	 * Each list is sorted: its first and last entries bound it.  Its
	 * chunks are version 1, read in place (kho_adopt_maps() refused a
	 * packed one, which has no tail).
	 */
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
	/* A referenced list's bounds came from kho_check_ref(). */
	for (i = 0; i < kho_nr_refs; i++) {
		hi = max(hi, kho_refs[i].hi_pfn);
		lo = min(lo, kho_refs[i].lo_pfn);
	}
	if (lo >= hi)
		return 0;
	size = PAGE_ALIGN(BITS_TO_LONGS(hi - lo) * sizeof(long));
	kho_in.waiting = memblock_alloc(size, PAGE_SIZE);
	if (!kho_in.waiting)
		return -ENOMEM;
	kho_in.waiting_base_pfn = lo;
	kho_in.waiting_nr = hi - lo;
	/*
	 * With referenced lists, the runs of this bitmap are what is
	 * reserved (kho_reserve_all()), so a page must not be in two lists
	 * of different orders either: tested as it is set, -EINVAL as
	 * memblock_reserve_sorted() says of ranges that overlap.
	 */
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		physr_for_each_range(&kho_in.maps[order], &it, &r) {
			start = PHYS_PFN(r.phys) - lo;
			n = r.len >> PAGE_SHIFT;
			if (kho_nr_refs &&
			    (n == 1 ? __test_and_set_bit(start, kho_in.waiting) :
			     find_next_bit(kho_in.waiting, start + n, start) !=
			     start + n))
				return -EINVAL;
			if (n == 1)
				__set_bit(start, kho_in.waiting);
			else
				bitmap_set(kho_in.waiting, start, n);
		}
	}
	/*
	 * Test and set: a page of a referenced list already tagged is in a
	 * preserved-memory list, in another referenced list or earlier in
	 * the same one.  One walk sets both bitmaps; a single page (every
	 * range of scattered memory) is tested and set inline.
	 */
	for (i = 0; i < kho_nr_refs; i++) {
		unsigned long *bits;

		order = kho_refs[i].order;
		if (!kho_in.ref_bits[order]) {
			kho_in.ref_bits[order] = memblock_alloc(size, PAGE_SIZE);
			if (!kho_in.ref_bits[order])
				return -ENOMEM;
		}
		bits = kho_in.ref_bits[order];
		physr_for_each_range(&kho_refs[i].pr, &it, &r) {
			start = PHYS_PFN(r.phys) - lo;
			n = r.len >> PAGE_SHIFT;
			if (n == 1) {
				if (__test_and_set_bit(start, kho_in.waiting))
					return -EEXIST;
				__set_bit(start, bits);
				continue;
			}
			if (find_next_bit(kho_in.waiting, start + n, start) !=
			    start + n)
				return -EEXIST;
			bitmap_set(kho_in.waiting, start, n);
			bitmap_set(bits, start, n);
		}
	}
	return 0;
}

static int __init kho_chunk_waiting(phys_addr_t phys, size_t size, void *arg)
{
	unsigned long bit = PHYS_PFN(phys) - kho_in.waiting_base_pfn;

	return test_bit(bit, kho_in.waiting) ? 0 : -EEXIST;
}

/* Set (@set) or clear the bits of the reference array's pages. */
static void __init kho_ref_array_bits(bool set)
{
	phys_addr_t phys = kho_ref_array;
	unsigned long bit;
	u64 p;

	for (p = 0; p < kho_ref_array_pages; p++) {
		bit = PHYS_PFN(phys) - kho_in.waiting_base_pfn;
		if (set)
			__set_bit(bit, kho_in.waiting);
		else
			__clear_bit(bit, kho_in.waiting);
		phys = kho_ref_array_next(phys);
	}
}

/*
 * KHO takes the pages of the reference array itself once they are
 * reserved: they are no page for anyone to restore (kho_finish() frees
 * them as metadata), so their bits of the bitmap of waiting pages are
 * cleared then.  A referenced list whose chunk is such a page is refused
 * before: with those bits cleared for the check, its chunk is not waiting.
 */
static int __init kho_check_ref_array_pages(void)
{
	unsigned int i;
	int ret = 0;

	if (!kho_ref_array_pages)
		return 0;
	kho_ref_array_bits(false);
	for (i = 0; i < kho_nr_refs && !ret; i++)
		ret = physr_walk_chunks(&kho_refs[i].pr, kho_chunk_waiting,
					NULL);
	kho_ref_array_bits(true);
	return ret;
}

static void __init kho_free_waiting(void)
{
	size_t size = PAGE_ALIGN(BITS_TO_LONGS(kho_in.waiting_nr) *
				 sizeof(long));
	unsigned int order;

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		if (kho_in.ref_bits[order])
			memblock_free(kho_in.ref_bits[order], size);
		kho_in.ref_bits[order] = NULL;
	}
	if (kho_in.waiting)
		memblock_free(kho_in.waiting, size);
	kho_in.waiting = NULL;
	kho_in.waiting_base_pfn = 0;
	kho_in.waiting_nr = 0;
}

/*
 * The preserved ranges of every order, merged in address order: the source
 * of memblock_reserve_sorted() when no list is referenced.  Each list is
 * sorted (kho_check_ranges()); only the orders that still have ranges are
 * compared, usually one or two, so a step costs about one range's read.
 */
struct kho_sorted {
	struct memblock_range_source src;
	struct physr_iter its[KHO_NR_ORDERS];
	struct physr_range cur[KHO_NR_ORDERS];
	unsigned int act[KHO_NR_ORDERS];
	unsigned int nr_act;
};

/* Not on the stack: 19 cursors are close to 2 KiB (more under KASAN). */
static struct kho_sorted kho_sorted __initdata;

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

/*
 * The runs of set bits of the bitmap of waiting pages, in address order:
 * the source of memblock_reserve_sorted() when lists are referenced.  The
 * bitmap holds every preserved page once (kho_build_waiting() refused a
 * page tagged twice), so its runs are the preserved ranges, those that
 * touch joined, sorted by construction, with no merge of lists and no
 * second bitmap to read.  @word holds the bits of word @idx not visited
 * yet: most runs of scattered memory are one bit, found with two __ffs()
 * on the word in hand, where find_next_bit() and find_next_zero_bit()
 * would each reload and mask it.
 */
struct kho_waiting_runs {
	struct memblock_range_source src;
	unsigned long word;
	unsigned long idx;
	unsigned long nr_words;
};

static void __init kho_waiting_rewind(struct memblock_range_source *src)
{
	struct kho_waiting_runs *w = container_of(src, struct kho_waiting_runs,
						  src);

	w->idx = 0;
	w->nr_words = kho_in.waiting ? BITS_TO_LONGS(kho_in.waiting_nr) : 0;
	w->word = w->nr_words ? kho_in.waiting[0] : 0;
}

static bool __init kho_waiting_next(struct memblock_range_source *src,
				    phys_addr_t *base, phys_addr_t *size)
{
	struct kho_waiting_runs *w = container_of(src, struct kho_waiting_runs,
						  src);
	unsigned long start, end, zeros;

	while (!w->word) {
		if (++w->idx >= w->nr_words)
			return false;
		w->word = kho_in.waiting[w->idx];
	}
	start = w->idx * BITS_PER_LONG + __ffs(w->word);
	/* The clear bits of the word from start on. */
	zeros = ~w->word & (~0UL << __ffs(w->word));
	while (!zeros) {
		if (++w->idx >= w->nr_words) {
			w->word = 0;
			end = kho_in.waiting_nr;
			goto out;
		}
		w->word = kho_in.waiting[w->idx];
		zeros = ~w->word;
	}
	end = min(w->idx * BITS_PER_LONG + __ffs(zeros), kho_in.waiting_nr);
	w->word &= ~0UL << __ffs(zeros);
out:
	*base = PFN_PHYS(kho_in.waiting_base_pfn + start);
	*size = PFN_PHYS(end - start);
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
	struct kho_waiting_runs runs = {
		.src = { .rewind = kho_waiting_rewind, .next = kho_waiting_next },
	};
	unsigned long nr = 0;
	unsigned int order;
	u64 range_bytes = 0;
	int ret;

	memset(&kho_sorted, 0, sizeof(kho_sorted));
	kho_sorted.src.rewind = kho_sorted_rewind;
	kho_sorted.src.next = kho_sorted_next;
	ret = kho_visit_all(&meta);
	if (ret == 1)
		ret = 0;
	if (!ret) {
		for (order = 0; order < KHO_NR_ORDERS; order++) {
			nr += physr_nr_ranges(&kho_in.maps[order]);
			range_bytes += physr_total_bytes(&kho_in.maps[order]);
		}
		/* A run of waiting pages joins ranges: at most as many. */
		for (order = 0; order < kho_nr_refs; order++) {
			nr += physr_nr_ranges(&kho_refs[order].pr);
			range_bytes += physr_total_bytes(&kho_refs[order].pr);
		}
		ret = memblock_reserve_sorted(kho_nr_refs ? &runs.src :
					      &kho_sorted.src, nr);
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
	if (!ret && kho_in.root_version >= 3)
		ret = kho_adopt_refs(fdt);
	if (ret)
		goto drop;
	meta.limit = kho_nr_meta();

	kho_build_index();
	ret = kho_check_ref_chunks();
	if (ret) {
		kho_reject(ret == -ENOENT ?
			   "a reference array page is not preserved memory" :
			   "a referenced list's chunk is not preserved memory",
			   ret == -ENOENT ? -EINVAL : ret);
		kho_free_index();
		goto drop;
	}
	/*
	 * The bitmap of preserved pages catches a referenced page that is in
	 * any other list; memblock_reserve_sorted() checks the ranges against
	 * each other and against memblock's reserved regions, before it
	 * reserves any; the root and chunk pages are checked here, against
	 * both.
	 */
	ret = kho_build_waiting();
	if (ret) {
		kho_reject(ret == -EEXIST ?
			   "referenced memory overlaps other preserved memory" :
			   ret == -EINVAL ?
			   "preserved memory overlaps other memory" :
			   "cannot allocate the bitmap of preserved pages", ret);
		kho_free_waiting();
		kho_free_index();
		goto drop;
	}
	ret = kho_check_ref_array_pages();
	if (ret) {
		kho_reject("a reference array page is a referenced list's chunk",
			   ret);
		kho_free_waiting();
		kho_free_index();
		goto drop;
	}
	ret = kho_visit_all(&meta);
	ret = ret == 1 ? 0 : ret;
	if (ret) {
		kho_reject("preserved memory overlaps other memory", ret);
		kho_free_waiting();
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
	/* Reserved with the ranges of the maps; KHO's from now on. */
	kho_ref_array_bits(false);
	kho_in.ref_array = kho_ref_array;
	kho_in.ref_array_pages = kho_ref_array_pages;
	kho_in.metadata_bytes += kho_ref_array_pages * PAGE_SIZE;
	kho_drop_refs();
	kho_in.root_phys = root;
	kho_in.root = fdt;
	kho_in.nr_reserved = count;
	kho_in.reserved_bytes = bytes;
	kho_keep_scratch();
	return 0;

drop:
	kho_drop_refs();
	kho_drop_maps();
	kho_in.metadata_bytes = 0;
	kho_in.nr_refs = 0;
	kho_in.ref_ranges = 0;
	kho_in.ref_chunk_bytes = 0;
	return ret;
}

/* The size of a fresh scratch area: kho_scratch=, or RAM/16 clamped. */
static phys_addr_t __init kho_fresh_scratch_size(void)
{
	phys_addr_t size = kho_scratch_size;

	if (!size)
		size = clamp_t(phys_addr_t, memblock_phys_mem_size() / 16,
			       SZ_64M, SZ_1G);
	return ALIGN(size, SZ_2M);
}

/* Set aside a fresh scratch area; false when there is no room for it. */
static bool __init kho_alloc_scratch(bool quiet)
{
	phys_addr_t size = kho_fresh_scratch_size(), addr;

	addr = memblock_phys_alloc_range(size, SZ_2M, SZ_16M,
					 MEMBLOCK_ALLOC_ACCESSIBLE);
	if (!addr) {
		if (!quiet)
			pr_err("cannot set aside %pa of scratch, KHO disabled\n",
			       &size);
		return false;
	}
	kho_scratch[0].addr = addr;
	kho_scratch[0].size = size;
	kho_nr_scratch = 1;
	kho_scratch_lend(0);
	pr_info("scratch for the next kernel at %pa, %llu MiB\n", &addr,
		(u64)size >> 20);
	return true;
}

/*
 * Whether the incoming scratch areas of an accepted handover can serve as
 * this kernel's own.  None of its preserved memory, root or chunk lies in
 * them (kho_area_ok()); this kernel's own preserved memory is kept out of
 * them by the preserve calls.  Each area must also be made of whole
 * pageblocks (they become MIGRATE_CMA), lie at or above 16 MiB (as a fresh
 * area does: not in ZONE_DMA) and overlap no other area.
 */
static bool __init kho_incoming_scratch_usable(const char **why)
{
	phys_addr_t block = PAGE_SIZE << pageblock_order;
	const struct kho_area *a;
	unsigned int i;

	/* Deferred pages get MIGRATE_MOVABLE after kho_scratch_mark_cma(). */
	if (IS_ENABLED(CONFIG_DEFERRED_STRUCT_PAGE_INIT)) {
		*why = "struct pages are initialized late (DEFERRED_STRUCT_PAGE_INIT)";
		return false;
	}
	for (i = 0; i < kho_setup.nr_scratch; i++) {
		a = &kho_setup.scratch[i];
		if (!IS_ALIGNED(a->addr, block) || !IS_ALIGNED(a->size, block)) {
			*why = "an area is not made of whole pageblocks";
			return false;
		}
		if (a->addr < SZ_16M) {
			*why = "an area lies below 16 MiB";
			return false;
		}
		if (kho_areas_overlap(kho_setup.scratch, i, a->addr, a->size)) {
			*why = "two areas overlap";
			return false;
		}
	}
	return true;
}

/*
 * Keep the incoming scratch areas as this kernel's scratch for the next
 * one, rather than a fresh area, which needs a hole of its size free of
 * preserved memory: with enough preserved memory scattered over RAM there
 * is none.  The areas are lent to the page allocator as MIGRATE_CMA
 * pageblocks (kho_scratch_mark_cma()) and passed on at the next kexec.
 * With "kho_scratch=SIZE" larger than the incoming areas, a fresh area of
 * SIZE is tried first.  Returns false when this kernel should set aside a
 * fresh area: no handover came in, or the incoming areas cannot be used.
 */
static bool __init kho_keep_incoming_scratch(void)
{
	phys_addr_t total = 0, want;
	const char *why;
	unsigned int i;

	if (!kho_setup.active)
		return false;
	if (!kho_in.root) {
		pr_info("handover rejected, its scratch areas not kept: setting aside a fresh one\n");
		return false;
	}
	if (!kho_incoming_scratch_usable(&why)) {
		pr_warn("incoming scratch areas not kept (%s), setting aside a fresh one\n",
			why);
		return false;
	}
	for (i = 0; i < kho_setup.nr_scratch; i++)
		total += kho_setup.scratch[i].size;
	want = kho_fresh_scratch_size();
	if (kho_scratch_size && want > total) {
		if (kho_alloc_scratch(true))
			return true;
		pr_warn("no room for the %llu MiB of kho_scratch=, keeping the incoming %llu MiB\n",
			(u64)want >> 20, (u64)total >> 20);
	}
	for (i = 0; i < kho_setup.nr_scratch; i++)
		kho_scratch[i] = kho_setup.scratch[i];
	kho_nr_scratch = kho_setup.nr_scratch;
	kho_scratch_kept = true;
	kho_scratch_hold_free();
	pr_info("scratch for the next kernel: the %u incoming areas kept, %llu MiB\n",
		kho_nr_scratch, (u64)total >> 20);
	return true;
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
	if (kho_enable && !kho_keep_incoming_scratch())
		kho_alloc_scratch(false);
}
