// SPDX-License-Identifier: GPL-2.0
/*
 * ibv_reg_mr() and ibv_dereg_mr() of one buffer, the physr umem against
 * 6.12's scatterlist umem in the same run.
 *
 * The kernel's ib_umem_get() pins through a physr list and maps it with
 * dma_map_physr(); ib_uverbs.umem_sg=1 (a module parameter, written at run
 * time) makes it pin and map as 6.12 did: page-sized batches of
 * pin_user_pages_fast() appended to a scatterlist. For each kind of
 * memory (THP-backed, and 4 KiB pages: MADV_NOHUGEPAGE), the buffer is
 * faulted in once, then registered and deregistered ROUNDS times with each
 * umem, alternating. Printed per kind and umem: the best time of a
 * registration and of a deregistration, per GiB, and the bytes of the
 * umem's metadata as the kernel's tracepoint ib_umem:ib_umem_get reports
 * them (the umem, the physr list's chunk pages, the scatterlist's entry
 * arrays, the DMA segment array; the provider's own MR structures are
 * not counted), with the counts behind them; then the ratios physr / sg.
 *
 * Usage: rdma_reg_bench [BUFFER_MIB] (default 1024)
 */
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3
#define PARAM "/sys/module/ib_uverbs/parameters/umem_sg"
#define TRACE "/sys/kernel/tracing"

static void die(const char *what, int err)
{
	fprintf(stderr, "rdma_reg_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static void set_sg(int on)
{
	int fd = open(PARAM, O_WRONLY);

	if (fd < 0 || write(fd, on ? "1" : "0", 1) != 1)
		die(PARAM, errno);
	close(fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		die(path, errno);
	close(fd);
}

/* The last ib_umem_get event in the trace buffer, as "key=value ..." */
static int last_event(char *out, size_t len)
{
	static char buf[1 << 16];
	FILE *f = fopen(TRACE "/trace", "r");
	char *p = NULL;
	size_t n;

	if (!f)
		die(TRACE "/trace", errno);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (char *q = strstr(buf, "length="); q; q = strstr(q + 1, "length="))
		p = q;
	if (!p)
		return -1;
	snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
	return 0;
}

struct result {
	double reg, dereg;	/* best seconds */
	unsigned long long meta;	/* metadata bytes */
	char event[256];	/* the tracepoint's line */
};

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	size_t size = mib << 20;
	static const char *const kinds[] = { "THP", "4 KiB pages" };
	static const char *const umems[] = { "physr", "sg (6.12)" };
	struct result res[2][2];
	struct ibv_device **list;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	int k, u, r;

	list = ibv_get_device_list(NULL);
	if (!list || !list[0])
		die("no RDMA device", ENODEV);
	ctx = ibv_open_device(list[0]);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	if (!pd)
		die("ibv_open_device/ibv_alloc_pd", errno);
	write_file(TRACE "/events/ib_umem/ib_umem_get/enable", "1");
	printf("rdma_reg_bench: device %s, %zu MiB, best of %d rounds\n",
	       ibv_get_device_name(list[0]), mib, ROUNDS);

	for (k = 0; k < 2; k++) {
		uint8_t *buf = mmap(NULL, size + (2 << 20), PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (buf == MAP_FAILED)
			die("mmap", errno);
		buf = (uint8_t *)(((uintptr_t)buf + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
		madvise(buf, size, k ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
		memset(buf, 0x5a, size);
		for (u = 0; u < 2; u++)
			res[k][u] = (struct result){ 1e9, 1e9, 0, "" };
		for (r = 0; r < ROUNDS; r++) {
			for (u = 0; u < 2; u++) {
				struct ibv_mr *mr;
				double t0, t1, t2;
				char *m;

				set_sg(u);
				write_file(TRACE "/trace", "");
				t0 = now();
				mr = ibv_reg_mr(pd, buf, size, IBV_ACCESS_LOCAL_WRITE |
						IBV_ACCESS_REMOTE_WRITE);
				t1 = now() - t0;
				if (!mr)
					die("ibv_reg_mr", errno);
				t0 = now();
				if (ibv_dereg_mr(mr))
					die("ibv_dereg_mr", errno);
				t2 = now() - t0;
				if (t1 < res[k][u].reg)
					res[k][u].reg = t1;
				if (t2 < res[k][u].dereg)
					res[k][u].dereg = t2;
				if (last_event(res[k][u].event, sizeof(res[k][u].event)))
					die("no ib_umem_get event in the trace", ENOENT);
				m = strstr(res[k][u].event, "metadata_bytes=");
				res[k][u].meta = m ? strtoull(m + 15, NULL, 10) : 0;
			}
		}
		set_sg(0);
		for (u = 0; u < 2; u++) {
			printf("rdma_reg_bench: %-11s %-9s reg %8.1f ms/GiB, ",
			       kinds[k], umems[u], res[k][u].reg * 1e3 * 1024 / mib);
			printf("dereg %8.1f ms/GiB, umem metadata %9llu bytes (%.1f KiB/GiB)\n",
			       res[k][u].dereg * 1e3 * 1024 / mib, res[k][u].meta,
			       res[k][u].meta / 1024.0 * 1024 / mib);
			printf("rdma_reg_bench:   (%s)\n", res[k][u].event);
		}
		printf("rdma_reg_bench: %-11s physr / sg: reg %.2f, dereg %.2f, metadata %.3f\n",
		       kinds[k], res[k][0].reg / res[k][1].reg,
		       res[k][0].dereg / res[k][1].dereg,
		       res[k][1].meta ? (double)res[k][0].meta / res[k][1].meta : 0.0);
		munmap(buf, size);
	}
	write_file(TRACE "/events/ib_umem/ib_umem_get/enable", "0");
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	ibv_free_device_list(list);
	printf("rdma_reg_bench: done\n");
	return 0;
}
