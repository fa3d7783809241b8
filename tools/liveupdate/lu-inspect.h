/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lu-inspect as a library, for its fuzz target
 * (tools/testing/physr/fuzz_inspect.c): parse a saved handover, check it,
 * print the report.
 */
#ifndef _LU_INSPECT_H
#define _LU_INSPECT_H

#include <stdio.h>
#include <linux/types.h>

struct handover;
struct report;

struct handover *lu_handover_new(void);
void lu_handover_free(struct handover *h);
/* The "lu-inspect save" format from memory; -errno, *at = bad offset. */
int lu_handover_parse(struct handover *h, const u8 *buf, size_t len,
		      size_t *at);
size_t lu_report_size(void);
void lu_analyze(struct report *r, const struct handover *h,
		const char *source);
unsigned int lu_report_problems(const struct report *r);
void lu_print_text(FILE *f, const struct report *r);
void lu_print_json(FILE *f, const struct report *r);

#endif
