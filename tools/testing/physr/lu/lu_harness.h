/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live update fuzz targets.  An input is an image of the fake RAM
 * (LU_RAM_PAGES pages, the rest zero): page 0 holds the SETUP_KEXEC_KHO
 * setup_data the previous kernel would pass, and everything it leads to
 * (the KHO root FDT, the preserved-memory lists, LUO's state, its arrays,
 * memfd records) is wherever the image puts it.  The kernel's own code
 * reads it: kho_populate(), kho_memblock_setup() and
 * kho_reserve_preserved() (the root acceptance), then the restore side of
 * KHO, luo_state_parse() (LUO's state, through luo_array_restore()) and
 * the memfd record checks.  The last byte of page 0 (after any setup_data
 * the kernel reads) makes the Nth allocation of each kind fail, so that
 * the error paths are fuzzed too; 0 for none.
 */
#ifndef _LU_HARNESS_H
#define _LU_HARNESS_H

#include <linux/types.h>

/* Boot with the image, accept or reject, restore some folios, finish. */
bool lu_fuzz_kho(const u8 *data, size_t size);
/* Boot with the image, then read LUO's state and every memfd record. */
bool lu_fuzz_luo(const u8 *data, size_t size);

/* kho_boot.c's state back to a fresh boot with kho=on. */
void lu_kho_boot_reset(void);
/* kho_boot.c's reader of bitmap runs against a plain scan; true if equal. */
bool lu_kho_bit_runs_check(void);

#endif
