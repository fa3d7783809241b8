/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PHYSR_SHIM_SIZES_H
#define _PHYSR_SHIM_SIZES_H
#define SZ_4K	0x00001000
#define SZ_8K	0x00002000
#define SZ_64K	0x00010000
#define SZ_2M	0x00200000
#define SZ_1G	0x40000000
#define SZ_2G	0x80000000
#endif
