/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: pages come from the fake physical memory in fakemem.c. */
#ifndef _PHYSR_SHIM_GFP_H
#define _PHYSR_SHIM_GFP_H
#include <linux/gfp_types.h>
#include <linux/types.h>

unsigned long __get_free_page(gfp_t gfp);
void free_page(unsigned long addr);
#endif
