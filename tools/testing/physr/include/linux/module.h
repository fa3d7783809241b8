/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PHYSR_SHIM_MODULE_H
#define _PHYSR_SHIM_MODULE_H
#define MODULE_DESCRIPTION(s)
#define MODULE_LICENSE(s)
#endif
