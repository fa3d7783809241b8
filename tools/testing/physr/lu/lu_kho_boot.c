// SPDX-License-Identifier: GPL-2.0
/*
 * kernel/liveupdate/kho_boot.c, compiled as it is, and a way to start each
 * fuzz input from a fresh boot: its state is static to it.
 */
#include "kernel/liveupdate/kho_boot.c"
#include "lu_harness.h"

void lu_kho_boot_reset(void)
{
	unsigned int order;

	/* The lists were adopted in place: forget, do not free. */
	for (order = 0; order < KHO_NR_ORDERS; order++)
		physr_init(&kho_in.maps[order]);
	memset(&kho_setup, 0, sizeof(kho_setup));
	memset(&kho_in, 0, sizeof(kho_in));
	for (order = 0; order < KHO_NR_ORDERS; order++)
		physr_init(&kho_in.maps[order]);
	kho_nr_scratch = 0;
	kho_enable = true;
}
