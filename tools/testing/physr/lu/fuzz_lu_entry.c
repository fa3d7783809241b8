// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry point of the live update fuzzers; LU_TARGET names the
 * one-input function.  LU_FUZZ_LOG=1 in the environment prints the
 * kernel's messages (to see why a reproducer is rejected).
 */
#include <stdio.h>
#include <stdlib.h>
#include "lu_kernel.h"
#include "lu_env.h"
#include "lu_harness.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static int log = -1;

	if (log < 0) {
		log = getenv("LU_FUZZ_LOG") && *getenv("LU_FUZZ_LOG") == '1';
		lu_env_log_to_stderr(log);
		/* Bitmaps wider than the fake RAM's, checked once. */
		if (!lu_kho_bit_runs_check()) {
			fprintf(stderr, "kho_bit_runs_next() disagrees with a plain scan\n");
			abort();
		}
	}
	if (!LU_TARGET(data, size))
		abort();
	return 0;
}
