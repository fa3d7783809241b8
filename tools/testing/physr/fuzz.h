/* SPDX-License-Identifier: GPL-2.0 */
/* One-input functions shared by the fuzz targets and the test program. */
#ifndef _PHYSR_FUZZ_H
#define _PHYSR_FUZZ_H

#include <stdarg.h>
#include <stdio.h>
#include <linux/compiler.h>
#include <linux/types.h>

/* Say why an input failed; false, so that a check can "return fail(...)". */
static inline __printf(3, 4) bool fuzz_fail(const char *file, int line,
					    const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return false;
}

#define fail(fmt, ...) fuzz_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* Random list operations checked against a reference model. */
bool physr_fuzz_ops(const u8 *data, size_t size);
/* Arbitrary bytes as chunk pages in fake physical memory, validated. */
bool physr_fuzz_validate(const u8 *data, size_t size);

#endif
