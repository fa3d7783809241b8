/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: slab memory from malloc(), failing with the countdown of
 * fakemem_fail_nth() like page allocations (fakemem.c).
 */
#ifndef _PHYSR_SHIM_SLAB_H
#define _PHYSR_SHIM_SLAB_H
#include <stddef.h>
#include <linux/gfp_types.h>

void *krealloc_array(void *p, size_t n, size_t size, gfp_t gfp);
void kfree(const void *p);
size_t ksize(const void *p);
#endif
