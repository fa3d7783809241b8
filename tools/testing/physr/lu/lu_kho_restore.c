// SPDX-License-Identifier: GPL-2.0
/* kernel/liveupdate/kho_restore.c, compiled as it is. */
#include "kernel/liveupdate/kho_restore.c"
