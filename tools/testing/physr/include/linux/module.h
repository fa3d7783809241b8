/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: module information is checked to be a string, no more. */
#ifndef _PHYSR_SHIM_MODULE_H
#define _PHYSR_SHIM_MODULE_H
#include <linux/build_bug.h>
#define MODULE_DESCRIPTION(desc)	static_assert(sizeof(desc) > 1)
#define MODULE_LICENSE(license)		static_assert(sizeof(license) > 1)
#endif
