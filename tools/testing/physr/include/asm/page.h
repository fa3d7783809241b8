/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: x86-64's 4 KiB pages. */
#ifndef _PHYSR_SHIM_PAGE_H
#define _PHYSR_SHIM_PAGE_H
#define _AC(x, y)	(x##y)
#define PAGE_SHIFT	12
#define PAGE_SIZE	(_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#endif
