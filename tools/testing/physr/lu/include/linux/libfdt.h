/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's libfdt is the same library as the system's (libfdt-dev). */
#include <libfdt.h>
