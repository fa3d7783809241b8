/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PHYSR_SHIM_BITS_H
#define _PHYSR_SHIM_BITS_H
#define BIT(n)	(1UL << (n))
#endif
