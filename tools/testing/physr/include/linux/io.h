/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: translation to and from the fake physical memory. */
#ifndef _PHYSR_SHIM_IO_H
#define _PHYSR_SHIM_IO_H
#include <linux/types.h>

void *phys_to_virt(phys_addr_t phys);
phys_addr_t virt_to_phys(const void *addr);
#endif
