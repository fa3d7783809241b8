/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: glibc's <errno.h> reaches here via <linux/errno.h>. */
#ifndef _PHYSR_SHIM_ERRNO_H
#define _PHYSR_SHIM_ERRNO_H
#include_next <linux/errno.h>
#include <errno.h>
#endif
