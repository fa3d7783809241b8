// SPDX-License-Identifier: GPL-2.0
/*
 * kernel/liveupdate/kho_boot.c, compiled as it is, and a way to start each
 * fuzz input from a fresh boot: its state is static to it.
 */
#include "kernel/liveupdate/kho_boot.c"
#include "lu_harness.h"

void lu_kho_boot_reset(void)
{
	unsigned int order;

	/* The lists were adopted in place: forget, do not free. */
	for (order = 0; order < KHO_NR_ORDERS; order++)
		physr_init(&kho_in.maps[order]);
	/* Like the lists, the referenced ones are only forgotten. */
	kho_refs = NULL;
	kho_nr_refs = 0;
	kho_ref_array = 0;
	kho_ref_array_pages = 0;
	memset(&kho_setup, 0, sizeof(kho_setup));
	memset(&kho_in, 0, sizeof(kho_in));
	for (order = 0; order < KHO_NR_ORDERS; order++)
		physr_init(&kho_in.maps[order]);
	kho_nr_scratch = 0;
	kho_scratch_kept = false;
	kho_enable = true;
}

/*
 * kho_waiting_next(), which reads the runs of the bitmap of waiting pages
 * for the reservation when lists are referenced, against a scan bit by
 * bit, on bitmaps of up to five words (the fake RAM fits in one): runs
 * across words, words all set or all clear, a run up to the last bit,
 * lengths that are not a multiple of a word.
 */
bool lu_kho_bit_runs_check(void)
{
	unsigned long map[5], nbits, i, want;
	struct kho_waiting_runs w = {
		.src = { .rewind = kho_waiting_rewind, .next = kho_waiting_next },
	};
	unsigned long *saved = kho_in.waiting;
	unsigned long saved_base = kho_in.waiting_base_pfn;
	unsigned long saved_nr = kho_in.waiting_nr;
	phys_addr_t base, size;
	unsigned int t, seed = 1;
	bool ok = true;

	kho_in.waiting = map;
	kho_in.waiting_base_pfn = 0;
	for (t = 0; t < 3000 && ok; t++) {
		nbits = 1 + t % (5 * BITS_PER_LONG);
		kho_in.waiting_nr = nbits;
		memset(map, 0, sizeof(map));
		for (i = 0; i < nbits; i++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 8 < t % 9)
				map[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
		}
		w.src.rewind(&w.src);
		for (i = 0;;) {
			while (i < nbits && !(map[i / BITS_PER_LONG] &
					      (1UL << (i % BITS_PER_LONG))))
				i++;
			if (i == nbits) {
				if (w.src.next(&w.src, &base, &size))
					ok = false;
				break;
			}
			want = i;
			while (i < nbits && (map[i / BITS_PER_LONG] &
					     (1UL << (i % BITS_PER_LONG))))
				i++;
			if (!w.src.next(&w.src, &base, &size) ||
			    base != PFN_PHYS(want) || size != PFN_PHYS(i - want)) {
				ok = false;
				break;
			}
		}
	}
	kho_in.waiting = saved;
	kho_in.waiting_base_pfn = saved_base;
	kho_in.waiting_nr = saved_nr;
	return ok;
}
