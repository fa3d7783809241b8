// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target of tools/liveupdate/lu-inspect: an input is a saved
 * handover ("lu-inspect save" format), parsed, checked and printed as
 * text and as JSON, as "lu-inspect FILE [--json]" would.  lu-inspect must
 * never crash, whatever it is given; the seeds are mkcorrupt's valid and
 * damaged handovers.
 */
#include <stdio.h>
#include <stdlib.h>
#include "../../liveupdate/lu-inspect.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static FILE *null;
	struct handover *h = lu_handover_new();
	struct report *r = malloc(lu_report_size());
	size_t at;

	if (!null)
		null = fopen("/dev/null", "w");
	if (!h || !r || !null)
		abort();
	if (!lu_handover_parse(h, data, size, &at)) {
		lu_analyze(r, h, "fuzz");
		lu_print_text(null, r);
		lu_print_json(null, r);
	}
	lu_handover_free(h);
	free(r);
	return 0;
}
