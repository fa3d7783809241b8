/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PHYSR_SHIM_EXPORT_H
#define _PHYSR_SHIM_EXPORT_H
#define EXPORT_SYMBOL_GPL(sym)
#endif
