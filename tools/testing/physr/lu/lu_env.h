/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fake machine of the live update fuzzers: RAM is the fakemem window
 * (LU_RAM_PAGES pages at FAKE_PHYS_BASE, filled from the fuzz input) and,
 * right after it, LU_SCRATCH_PAGES pages of scratch (the previous kernel's
 * scratch area, where the fakemem allocator hands out pages).
 */
#ifndef _LU_ENV_H
#define _LU_ENV_H

#include <linux/types.h>

#define LU_RAM_PAGES		FAKE_WINDOW_PAGES
#define LU_SCRATCH_PAGES	64UL

/* Empty memblock and page flags, logs cleared, allocations counted from 0. */
void lu_env_reset(void);
/* Mark memblock-reserved RAM pages reserved, as mm init would. */
void lu_env_reserve_pages(void);
/* Live allocations of lu_alloc() and pages of fakemem. */
long lu_env_allocs(void);
/* The log of the run so far (NUL-terminated), and whether it holds @s. */
const char *lu_env_log(void);
bool lu_env_logged(const char *s);
/*
 * Make the @nth allocation from now on fail (kmalloc, kvmalloc, memblock
 * and page allocations are counted apart: the @nth of each kind); 0 for
 * none.  lu_env_failed() says whether a kmalloc or memblock one did.
 */
void lu_env_fail_nth(unsigned int nth);
bool lu_env_failed(void);
/* Print the log to stderr as it is written (for reproducing a crash). */
void lu_env_log_to_stderr(bool on);

#endif
