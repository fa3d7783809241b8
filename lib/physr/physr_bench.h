/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The debugfs side shared by the test-only physr benchmarks: userspace
 * writes "<uaddr> <len>" (hexadecimal) to the file, the benchmark runs on
 * that user memory, and reading the file returns the report of the last
 * run, one "key value" pair per line.
 */
#ifndef _LIB_PHYSR_BENCH_H
#define _LIB_PHYSR_BENCH_H

#include <linux/mutex.h>
#include <linux/types.h>

struct dentry;

/**
 * struct physr_bench_file - one benchmark file in debugfs
 * @run: the benchmark: runs on @len bytes of user memory at @uaddr and
 *	 prints its report into @buf (@size bytes); returns 0 or a
 *	 negative errno, which the write returns.
 * @lock: serialises runs and reads of @result
 * @result: the report of the last successful run
 */
struct physr_bench_file {
	int (*run)(unsigned long uaddr, size_t len, char *buf, size_t size);
	struct mutex lock;	/* serialises runs and reads of result */
	char result[4096];
};

struct dentry *physr_bench_create(const char *dir, const char *name,
				  struct physr_bench_file *bf);

#endif /* _LIB_PHYSR_BENCH_H */
