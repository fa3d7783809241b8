/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Count the IOMMU mappings a piece of code makes, from the IOMMU trace
 * events (include/trace/events/iommu.h): "map", emitted once per
 * __iommu_map() (one physically contiguous run mapped by iommu_map()), and
 * "map_runs", emitted once per iommu_map_runs_nosync() call that the
 * domain's map_runs op served (VT-d, the iommufd mock domain), with the
 * number of runs it mapped; for a domain without the op the core maps each
 * run with __iommu_map(), which traces it as a map event.  So for any
 * domain the runs mapped are the map events plus the runs of the map_runs
 * events, each run counted once.
 *
 * Each count uses its own tracefs instance, so that it neither disturbs
 * nor sees other users of the top-level buffer, and records only the
 * events of the calling process (an event filter on common_pid): the
 * ioctls map in the caller's context, mappings made by other tasks (the
 * DMA API of other devices) are not counted.  Not set_event_pid: it hooks
 * the scheduler's tracepoints, and patching the call site in __schedule()
 * in and out while every CPU runs it oopsed on an int3 under QEMU's TCG
 * (3 of 14 boots of p2p).  The map events are counted without reading
 * them (per-CPU entries plus overruns, the ring buffer overwrites), the
 * map_runs events are read back, and a lost one fails the count.
 *
 * Used by the iommufd selftests (iommufd_map_file.c) and by the testbed
 * benchmarks (testbed/tests/ioas_map_bench.c, map_file_bench.c); needs
 * tracefs (mounted here if it is not) and root.
 */
#ifndef __IOMMU_MAP_TRACE_H
#define __IOMMU_MAP_TRACE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define IOMMU_MAP_TRACEFS	"/sys/kernel/tracing"

struct iommu_map_trace {
	char map[128];		/* instance counting map events */
	char runs[128];		/* instance recording map_runs events */
};

/* Counts between iommu_map_trace_start() and iommu_map_trace_stop(). */
struct iommu_map_count {
	long maps;		/* map events: __iommu_map() calls */
	long runs_calls;	/* map_runs events */
	long runs;		/* runs mapped by those map_runs calls */
};

static inline int iommu_map_trace_write(const char *dir, const char *file,
					const char *val)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%.400s/%.64s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -EIO;
	close(fd);
	return ret;
}

/* The whole of @dir/@file as text, NUL terminated; NULL on failure. */
static inline char *iommu_map_trace_slurp(const char *dir, const char *file)
{
	size_t cap = 1 << 16, len = 0;
	char path[512], *buf, *n;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%.400s/%.64s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (r = read(fd, buf + len, cap - len)) > 0) {
		len += r;
		if (len == cap) {
			n = realloc(buf, 2 * cap + 1);
			if (!n) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = n;
			cap *= 2;
		}
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* Sum of the "@key: N" lines of the per-CPU stats files of @dir. */
static inline long iommu_map_trace_stat(const char *dir, const char *key)
{
	char sub[512], *buf, *p;
	struct dirent *d;
	long sum = 0;
	DIR *dp;

	snprintf(sub, sizeof(sub), "%.400s/per_cpu", dir);
	dp = opendir(sub);
	if (!dp)
		return -1;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, "cpu", 3))
			continue;
		snprintf(sub, sizeof(sub), "%.400s/per_cpu/%.32s", dir, d->d_name);
		buf = iommu_map_trace_slurp(sub, "stats");
		if (!buf) {
			sum = -1;
			break;
		}
		for (p = buf; (p = strstr(p, key)); p++)
			if ((p == buf || p[-1] == '\n') &&
			    p[strlen(key)] == ':')
				sum += strtol(p + strlen(key) + 1, NULL, 10);
		free(buf);
	}
	closedir(dp);
	return sum;
}

static inline void iommu_map_trace_remove(struct iommu_map_trace *t)
{
	iommu_map_trace_write(t->map, "tracing_on", "0");
	iommu_map_trace_write(t->runs, "tracing_on", "0");
	rmdir(t->map);
	rmdir(t->runs);
}

/* Set up one instance with @event of the iommu system enabled, stopped. */
static inline int iommu_map_trace_instance(const char *dir, const char *event,
					   const char *kb)
{
	char filter[48], path[160];
	int ret;

	rmdir(dir);	/* left by an earlier run */
	if (mkdir(dir, 0700))
		return -errno;
	snprintf(filter, sizeof(filter), "common_pid == %d", getpid());
	ret = iommu_map_trace_write(dir, "tracing_on", "0");
	if (!ret)
		ret = iommu_map_trace_write(dir, "buffer_size_kb", kb);
	if (!ret) {
		snprintf(path, sizeof(path), "events/iommu/%s/filter", event);
		ret = iommu_map_trace_write(dir, path, filter);
	}
	if (!ret) {
		snprintf(path, sizeof(path), "events/iommu/%s/enable", event);
		ret = iommu_map_trace_write(dir, path, "1");
	}
	if (!ret)
		ret = iommu_map_trace_write(dir, "trace", "");
	return ret;
}

/*
 * Start counting the mappings made by this process under the name @name
 * (two tracefs instances, iommu_map_<name> and iommu_runs_<name>).
 * Returns 0, or a negative errno with nothing left behind.
 */
static inline int iommu_map_trace_start(struct iommu_map_trace *t,
					const char *name)
{
	int ret;

	if (access(IOMMU_MAP_TRACEFS "/instances", F_OK))
		mount("tracefs", IOMMU_MAP_TRACEFS, "tracefs", 0, NULL);
	snprintf(t->map, sizeof(t->map), IOMMU_MAP_TRACEFS "/instances/iommu_map_%s",
		 name);
	snprintf(t->runs, sizeof(t->runs),
		 IOMMU_MAP_TRACEFS "/instances/iommu_runs_%s", name);
	ret = iommu_map_trace_instance(t->map, "map", "64");
	if (!ret)
		ret = iommu_map_trace_instance(t->runs, "map_runs", "1024");
	if (!ret)
		ret = iommu_map_trace_write(t->map, "tracing_on", "1");
	if (!ret)
		ret = iommu_map_trace_write(t->runs, "tracing_on", "1");
	if (ret)
		iommu_map_trace_remove(t);
	return ret;
}

/*
 * Stop counting, fill @c and remove the instances.  Returns 0, -EIO when
 * tracefs could not be read, -EOVERFLOW when a map_runs event was lost.
 */
static inline int iommu_map_trace_stop(struct iommu_map_trace *t,
				       struct iommu_map_count *c)
{
	long entries, overrun, lost;
	char *buf, *p;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	iommu_map_trace_write(t->map, "tracing_on", "0");
	iommu_map_trace_write(t->runs, "tracing_on", "0");
	entries = iommu_map_trace_stat(t->map, "entries");
	overrun = iommu_map_trace_stat(t->map, "overrun");
	lost = iommu_map_trace_stat(t->runs, "overrun");
	buf = iommu_map_trace_slurp(t->runs, "trace");
	if (entries < 0 || overrun < 0 || lost < 0 || !buf) {
		ret = -EIO;
		goto out;
	}
	if (lost) {
		ret = -EOVERFLOW;
		goto out;
	}
	c->maps = entries + overrun;
	for (p = strstr(buf, " map_runs: "); p; p = strstr(p + 1, " map_runs: ")) {
		char *r = strstr(p, " runs=");

		if (!r) {
			ret = -EIO;
			break;
		}
		c->runs_calls++;
		c->runs += strtol(r + 6, NULL, 10);
	}
out:
	free(buf);
	iommu_map_trace_remove(t);
	return ret;
}

#endif /* __IOMMU_MAP_TRACE_H */
