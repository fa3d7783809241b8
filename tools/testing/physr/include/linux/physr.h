/* SPDX-License-Identifier: GPL-2.0 */
/* The real header, found through the shims above. */
#include "../../../../../include/linux/physr.h"
