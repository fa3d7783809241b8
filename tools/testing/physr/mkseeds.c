// SPDX-License-Identifier: GPL-2.0
/* Writes the validator fuzzer's seed corpus into the directory argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <asm/page.h>
#include "fakemem.h"
#include "seeds.h"

int main(int argc, char **argv)
{
	static u8 buf[FAKE_WINDOW_PAGES * PAGE_SIZE];
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < physr_nr_seeds; i++) {
		size_t n = physr_seed_write(&physr_seeds[i], buf);
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", argv[1],
			 physr_seeds[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
