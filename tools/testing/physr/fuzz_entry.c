// SPDX-License-Identifier: GPL-2.0
/* libFuzzer entry point; FUZZ_TARGET names the one-input function. */
#include <stdlib.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	if (!FUZZ_TARGET(data, size))
		abort();
	return 0;
}
