// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA WRITE and READ with their bytes checked, over any verbs provider.
 *
 * perftest's ib_write_bw and ib_read_bw move bytes but never look at them;
 * this program does what they do and compares. One process holds both ends
 * of a reliable connection set up with the RDMA connection manager (which
 * iWARP, siw, requires): a passive side listening on ADDR and an active side
 * connecting to it, looped back by the network stack. Each side registers
 * its own buffer (anonymous memory, the second one THP-backed where THP is
 * enabled). For each transfer of a list of offsets and lengths (page
 * aligned, unaligned, crossing pages, the whole buffer), the active side
 *   - fills its source with a pattern unique to the transfer, RDMA WRITEs it
 *     into the passive side's buffer and checks every byte there, and that
 *     the bytes around the target were left alone;
 *   - fills the passive side's buffer with another pattern, RDMA READs it
 *     back into its own and checks every byte.
 * Prints one line per transfer and "rdma_rw_check: N bytes written, N bytes
 * read, all verified" at the end; exits 0 only then.
 *
 * With -u, the passive side's buffer is a memfd, exported as a udmabuf and
 * registered as a dma-buf MR (the kernel takes the udmabuf's physr list):
 * with ibv_reg_dmabuf_mr(), or where the provider library lacks it (Debian
 * 12's librxe and libsiw) with libibverbs' ibv_cmd_reg_dmabuf_mr(), the
 * kernel verb it would send. Every byte is then checked in the memfd's own
 * mapping, and
 * first, the registration's bad input is tried, each case printing
 * "rdma_rw_check: dmabuf bad input CASE: errno NAME (expected NAME)".
 *
 * Usage: rdma_rw_check [-u] ADDR [BUFFER_MIB]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <netinet/in.h>
#include <rdma/rdma_cma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PORT 7471

static void die(const char *what, int err)
{
	fprintf(stderr, "rdma_rw_check: %s: %s\n", what, strerror(err));
	exit(1);
}

static struct rdma_cm_event *expect(struct rdma_event_channel *ch,
				    enum rdma_cm_event_type type)
{
	struct rdma_cm_event *ev;

	if (rdma_get_cm_event(ch, &ev))
		die("rdma_get_cm_event", errno);
	if (ev->event != type) {
		fprintf(stderr, "rdma_rw_check: got event %s (status %d), expected %s\n",
			rdma_event_str(ev->event), ev->status, rdma_event_str(type));
		exit(1);
	}
	return ev;
}

static void make_qp(struct rdma_cm_id *id, struct ibv_pd *pd, struct ibv_cq *cq)
{
	struct ibv_qp_init_attr attr = {
		.send_cq = cq,
		.recv_cq = cq,
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};

	if (rdma_create_qp(id, pd, &attr))
		die("rdma_create_qp", errno);
}

static void *buffer(size_t len, int thp)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap", errno);
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

/*
 * A memfd of @len bytes (sealed against shrinking, as udmabuf requires),
 * mapped shared at *@map, and a udmabuf over all of it: its fd.
 */
static int udmabuf_of_memfd(size_t len, uint8_t **map)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC };
	int memfd, dev, fd;

	memfd = memfd_create("rdma_rw_check", MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, len) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("memfd", errno);
	*map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (*map == MAP_FAILED)
		die("mmap memfd", errno);
	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0)
		die("/dev/udmabuf", errno);
	create.memfd = memfd;
	create.size = len;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		die("UDMABUF_CREATE", errno);
	close(dev);
	close(memfd);
	return fd;
}

/*
 * libibverbs' provider helper that sends the kernel the REG_DMABUF_MR verb
 * (exported for providers, not in an installed header). The last argument
 * (a chain of driver attributes) is absent before rdma-core 46; NULL
 * either way.
 */
struct ibv_command_buffer;
int ibv_cmd_reg_dmabuf_mr(struct ibv_pd *pd, uint64_t offset, size_t length,
			  uint64_t iova, int fd, int access, void *vmr,
			  struct ibv_command_buffer *driver);

static const char *reg_how;

/*
 * ibv_reg_dmabuf_mr(). Debian 12's librxe and libsiw have no reg_dmabuf_mr,
 * so libibverbs answers EOPNOTSUPP without asking the kernel: then send
 * the kernel the verb as a provider's reg_dmabuf_mr would, with
 * ibv_cmd_reg_dmabuf_mr() (the MR is freed by the provider's dereg_mr,
 * which frees what it was given: a zeroed block larger than any provider's
 * MR structure).
 */
static struct ibv_mr *reg_dmabuf(struct ibv_pd *pd, uint64_t off, size_t len,
				 uint64_t iova, int fd, int access)
{
	struct ibv_mr *mr = ibv_reg_dmabuf_mr(pd, off, len, iova, fd, access);
	void *vmr;
	int ret;

	if (mr || errno != EOPNOTSUPP) {
		reg_how = "ibv_reg_dmabuf_mr";
		return mr;
	}
	reg_how = "ibv_cmd_reg_dmabuf_mr (the provider library has no reg_dmabuf_mr)";
	vmr = calloc(1, 4096);
	if (!vmr)
		die("calloc", ENOMEM);
	ret = ibv_cmd_reg_dmabuf_mr(pd, off, len, iova, fd, access, vmr, NULL);
	if (ret) {
		free(vmr);
		errno = ret;
		return NULL;
	}
	return vmr;	/* struct verbs_mr begins with its struct ibv_mr */
}

/* One bad registration: it must fail with @want; returns 0 if it does. */
static int bad_reg(struct ibv_pd *pd, const char *what, uint64_t off,
		   size_t len, uint64_t iova, int fd, int access, int want)
{
	struct ibv_mr *mr = reg_dmabuf(pd, off, len, iova, fd, access);
	int got = mr ? 0 : errno;

	if (mr)
		ibv_dereg_mr(mr);
	printf("rdma_rw_check: dmabuf bad input %s: errno %s (expected %s)\n",
	       what, got ? strerrorname_np(got) : "none (registered)",
	       strerrorname_np(want));
	return got != want;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = x >> 16;
	}
}

/* Index of the first byte of @p that differs from the pattern, or -1. */
static long check(const uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		if (p[i] != (uint8_t)(x >> 16))
			return i;
	}
	return -1;
}

static long check_byte(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return i;
	return -1;
}

static int post_and_wait(struct rdma_cm_id *id, struct ibv_cq *cq,
			 enum ibv_wr_opcode op, void *local, struct ibv_mr *lmr,
			 uint64_t remote, uint32_t rkey, size_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local, .length = len, .lkey = lmr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 1, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = remote, .rkey = rkey },
	}, *bad;
	struct ibv_wc wc;
	int n;

	if (ibv_post_send(id->qp, &wr, &bad))
		die("ibv_post_send", errno);
	do
		n = ibv_poll_cq(cq, 1, &wc);
	while (n == 0);
	if (n < 0)
		die("ibv_poll_cq", EIO);
	if (wc.status != IBV_WC_SUCCESS) {
		fprintf(stderr, "rdma_rw_check: %s completion: %s\n",
			op == IBV_WR_RDMA_WRITE ? "WRITE" : "READ",
			ibv_wc_status_str(wc.status));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rdma_event_channel *pch, *ach;
	struct rdma_cm_id *listen_id, *aid, *pid;
	struct rdma_conn_param param = {
		.responder_resources = 1, .initiator_depth = 1, .retry_count = 7,
	};
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct rdma_cm_event *ev;
	struct ibv_pd *pd;
	struct ibv_cq *acq, *pcq;
	struct ibv_mr *amr, *pmr;
	uint8_t *abuf, *pbuf;
	size_t size, written = 0, read = 0;
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ;
	int i, failed = 0, dmabuf_fd = -1;

	if (argc > 1 && !strcmp(argv[1], "-u")) {
		dmabuf_fd = 0;
		argc--;
		argv++;
	}
	if (argc < 2 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: rdma_rw_check [-u] ADDR [BUFFER_MIB]\n");
		return 2;
	}
	size = (argc > 2 ? strtoul(argv[2], NULL, 0) : 8) << 20;
	if (size < (1 << 20)) {
		fprintf(stderr, "rdma_rw_check: the buffer is at least 1 MiB\n");
		return 2;
	}

	pch = rdma_create_event_channel();
	ach = rdma_create_event_channel();
	if (!pch || !ach)
		die("rdma_create_event_channel", errno);
	if (rdma_create_id(pch, &listen_id, NULL, RDMA_PS_TCP) ||
	    rdma_create_id(ach, &aid, NULL, RDMA_PS_TCP))
		die("rdma_create_id", errno);
	if (rdma_bind_addr(listen_id, (struct sockaddr *)&sin) || rdma_listen(listen_id, 1))
		die("bind/listen", errno);

	if (rdma_resolve_addr(aid, NULL, (struct sockaddr *)&sin, 2000))
		die("rdma_resolve_addr", errno);
	rdma_ack_cm_event(expect(ach, RDMA_CM_EVENT_ADDR_RESOLVED));
	if (rdma_resolve_route(aid, 2000))
		die("rdma_resolve_route", errno);
	rdma_ack_cm_event(expect(ach, RDMA_CM_EVENT_ROUTE_RESOLVED));
	printf("rdma_rw_check: device %s, buffers of %zu MiB\n",
	       ibv_get_device_name(aid->verbs->device), size >> 20);

	pd = ibv_alloc_pd(aid->verbs);
	acq = ibv_create_cq(aid->verbs, 8, NULL, NULL, 0);
	pcq = ibv_create_cq(aid->verbs, 8, NULL, NULL, 0);
	if (!pd || !acq || !pcq)
		die("ibv_alloc_pd/ibv_create_cq", errno);
	make_qp(aid, pd, acq);
	if (rdma_connect(aid, &param))
		die("rdma_connect", errno);

	ev = expect(pch, RDMA_CM_EVENT_CONNECT_REQUEST);
	pid = ev->id;
	rdma_ack_cm_event(ev);
	if (pid->verbs != aid->verbs) {
		fprintf(stderr, "rdma_rw_check: both ends must be on one device\n");
		return 1;
	}
	make_qp(pid, pd, pcq);
	if (rdma_accept(pid, &param))
		die("rdma_accept", errno);
	rdma_ack_cm_event(expect(ach, RDMA_CM_EVENT_ESTABLISHED));
	rdma_ack_cm_event(expect(pch, RDMA_CM_EVENT_ESTABLISHED));

	abuf = buffer(size, 0);
	memset(abuf, 0, size);
	amr = ibv_reg_mr(pd, abuf, size, access);
	if (dmabuf_fd < 0) {
		pbuf = buffer(size, 1);
		memset(pbuf, 0, size);
		pmr = ibv_reg_mr(pd, pbuf, size, access);
	} else {
		dmabuf_fd = udmabuf_of_memfd(size, &pbuf);
		failed |= bad_reg(pd, "zero length", 0, 0, 0, dmabuf_fd,
				  access, EINVAL);
		failed |= bad_reg(pd, "offset and IOVA unaligned", 1, 4096, 0,
				  dmabuf_fd, access, EINVAL);
		failed |= bad_reg(pd, "beyond the dma-buf", size - 4096, 8192,
				  0, dmabuf_fd, access, EINVAL);
		failed |= bad_reg(pd, "not a dma-buf", 0, 4096, 0, 0, access,
				  EINVAL);
		pmr = reg_dmabuf(pd, 0, size, (uintptr_t)pbuf, dmabuf_fd,
				 access);
		if (pmr)
			printf("rdma_rw_check: passive buffer: udmabuf of a memfd, registered with %s\n",
			       reg_how);
	}
	if (!amr || !pmr)
		die(dmabuf_fd < 0 ? "ibv_reg_mr" : "ibv_reg_dmabuf_mr", errno);

	/* offset and length of each transfer, in both buffers */
	const struct { size_t off, len; } xfer[] = {
		{ 0, 4096 }, { 4096, 8192 }, { 1, 1 }, { 4095, 2 }, { 123, 70001 },
		{ (1 << 20) - 7, 300000 }, { 0, size },
	};

	for (i = 0; i < (int)(sizeof(xfer) / sizeof(xfer[0])); i++) {
		size_t off = xfer[i].off, len = xfer[i].len;
		long bad;

		/* WRITE: the passive side's bytes, and around them */
		memset(pbuf, 0x5a, size);
		fill(abuf + off, len, 2 * i + 1);
		if (post_and_wait(aid, acq, IBV_WR_RDMA_WRITE, abuf + off, amr,
				  (uintptr_t)pbuf + off, pmr->rkey, len)) {
			failed = 1;
			break;
		}
		bad = check(pbuf + off, len, 2 * i + 1);
		if (bad < 0)
			bad = check_byte(pbuf, off, 0x5a);
		else
			bad += off;
		if (bad < 0 && off + len < size) {
			bad = check_byte(pbuf + off + len, size - off - len, 0x5a);
			if (bad >= 0)
				bad += off + len;
		}
		printf("rdma_rw_check: WRITE %zu bytes at %zu: %s", len, off,
		       bad < 0 ? "verified\n" : "MISMATCH");
		if (bad >= 0) {
			printf(" at byte %ld\n", bad);
			failed = 1;
		}
		written += len;

		/* READ: back into the active side */
		memset(abuf, 0xa5, size);
		fill(pbuf + off, len, 2 * i + 2);
		if (post_and_wait(aid, acq, IBV_WR_RDMA_READ, abuf + off, amr,
				  (uintptr_t)pbuf + off, pmr->rkey, len)) {
			failed = 1;
			break;
		}
		bad = check(abuf + off, len, 2 * i + 2);
		if (bad >= 0)
			bad += off;
		else
			bad = check_byte(abuf, off, 0xa5);
		if (bad < 0 && off + len < size) {
			bad = check_byte(abuf + off + len, size - off - len, 0xa5);
			if (bad >= 0)
				bad += off + len;
		}
		printf("rdma_rw_check: READ %zu bytes at %zu: %s", len, off,
		       bad < 0 ? "verified\n" : "MISMATCH");
		if (bad >= 0) {
			printf(" at byte %ld\n", bad);
			failed = 1;
		}
		read += len;
	}

	rdma_disconnect(aid);
	ibv_dereg_mr(amr);
	ibv_dereg_mr(pmr);
	if (failed) {
		printf("rdma_rw_check: FAILED\n");
		return 1;
	}
	printf("rdma_rw_check: %zu bytes written, %zu bytes read, all verified\n",
	       written, read);
	return 0;
}
