/* SPDX-License-Identifier: GPL-2.0 */
/* Chains of chunk pages laid out in the fake-memory window, for seeds. */
#ifndef _PHYSR_SEEDS_H
#define _PHYSR_SEEDS_H

#include <linux/types.h>

struct physr_seed {
	const char *name;
	unsigned int nchunks;
	unsigned int per_chunk;		/* entries per chunk, 0 = full */
	u32 kind;
	int loop_to;			/* last chunk links here, -1 = none */
	u16 version;			/* of every chunk but those in v2_mask */
	int expect;			/* physr_validate_chain() result */
	u32 v2_mask;			/* chunks written packed (version 2) */
};

extern const struct physr_seed physr_seeds[];
extern const unsigned int physr_nr_seeds;

/* Write @seed into @buf (the window layout); returns the bytes used. */
size_t physr_seed_write(const struct physr_seed *seed, u8 *buf);

#endif
