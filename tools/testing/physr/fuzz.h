/* SPDX-License-Identifier: GPL-2.0 */
/* One-input functions shared by the fuzz targets and the test program. */
#ifndef _PHYSR_FUZZ_H
#define _PHYSR_FUZZ_H

#include <linux/types.h>

/* Random list operations checked against a reference model. */
bool physr_fuzz_ops(const u8 *data, size_t size);
/* Arbitrary bytes as chunk pages in fake physical memory, validated. */
bool physr_fuzz_validate(const u8 *data, size_t size);

#endif
