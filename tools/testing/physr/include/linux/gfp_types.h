/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PHYSR_SHIM_GFP_TYPES_H
#define _PHYSR_SHIM_GFP_TYPES_H
#define GFP_KERNEL	0x1u
#define GFP_NOWAIT	0x2u
#define __GFP_ZERO	0x100u
#endif
