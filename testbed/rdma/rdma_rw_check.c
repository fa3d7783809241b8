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
 * With -v OFFSET, the passive side's MR is device memory: 1 MiB of the BAR
 * of QEMU's ivshmem at OFFSET, bound to vfio-pci and exported as a dma-buf
 * (VFIO_DEVICE_FEATURE_DMA_BUF), which the software provider reaches
 * through ioremap() since VFIO allows the CPU to access that BAR. First its
 * bad input: the dma-buf open read-only for a writeable MR (EACCES), and
 * device memory whose exporter does not allow CPU access (IOMMUFD's test
 * exporter, EOPNOTSUPP, while its RAM registers). Then RDMA WRITEs (every byte checked through the
 * BAR's own mapping; the last one fills the whole MR, whose bytes the
 * shell has the host check in ivshmem's backing file: the pattern is left
 * in FILE, see "host-check" below), an RDMA READ on rxe (siw sends from
 * pages only), then the revoke: memory decoding turned off and on again in
 * ivshmem's command register, through VFIO. The BAR decodes again, but the
 * MR stays revoked: the next WRITE must get an error completion (siw: a
 * WRITE is not acknowledged in iWARP, so the responder's TERMINATE, a
 * fatal QP event, must come instead), and the
 * bytes in the BAR must not change. Prints
 * "rdma_rw_check: host-check OFFSET LENGTH FILE NAME" for the shell.
 *
 * Usage: rdma_rw_check [-u | -v OFFSET] ADDR [BUFFER_MIB]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/udmabuf.h>
#include <linux/vfio.h>
#include <netinet/in.h>
#include <rdma/rdma_cma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mman.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "verbs_cmd.h"

#define PORT 7471
#define NO_COMPLETION (-2)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

/*
 * The VFIO side of -v: ivshmem bound to vfio-pci through its cdev (the
 * setup of testbed/tests/vfio_tb.h, reduced to what this needs).
 */
#define IVSHMEM_ID	"0x1af4 0x1110"
#define VFIO_MR_LEN	0x100000u

struct ivs {
	int dev, iommufd;
	uint64_t cfg_off;	/* the config space region's offset */
	uint8_t *bar;		/* BAR2 mapped through VFIO */
	size_t bar_len;
};

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = !!fgets(buf, len, f);
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int write_line(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(s, f) >= 0;
	return fclose(f) || !ok ? -1 : 0;
}

/* The first ivshmem, bound to vfio-pci: its BDF in @bdf, its cdev's fd */
static int ivs_open(char *bdf, size_t len)
{
	char path[512], v[32], d[32], id[80], drv[256] = "", *base;
	struct dirent *de;
	DIR *dir;
	int fd = -1;

	bdf[0] = 0;
	dir = opendir("/sys/bus/pci/devices");
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (read_line(path, v, sizeof(v)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (read_line(path, d, sizeof(d)))
			continue;
		snprintf(id, sizeof(id), "%s %s", v, d);
		if (!strcmp(id, IVSHMEM_ID) && (!bdf[0] || strcmp(de->d_name, bdf) < 0))
			snprintf(bdf, len, "%s", de->d_name);
	}
	if (dir)
		closedir(dir);
	if (!bdf[0])
		die("no ivshmem device", ENODEV);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	if (readlink(path, drv, sizeof(drv) - 1) > 0) {
		base = strrchr(drv, '/');
		if (strcmp(base ? base + 1 : drv, "vfio-pci")) {
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
			if (write_line(path, bdf))
				die("unbind ivshmem", errno);
			drv[0] = 0;
		}
	}
	if (!drv[0]) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver_override", bdf);
		if (write_line(path, "vfio-pci") ||
		    write_line("/sys/bus/pci/drivers_probe", bdf))
			die("bind ivshmem to vfio-pci", errno);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		fd = open(path, O_RDWR);
		break;
	}
	if (dir)
		closedir(dir);
	if (fd < 0)
		die("open ivshmem's VFIO cdev", errno);
	return fd;
}

static void ivs_set_memory(struct ivs *ivs, int on)
{
	uint16_t cmd;

	if (pread(ivs->dev, &cmd, 2, ivs->cfg_off + PCI_COMMAND) != 2)
		die("read ivshmem's command register", errno);
	cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
	if (pwrite(ivs->dev, &cmd, 2, ivs->cfg_off + PCI_COMMAND) != 2)
		die("write ivshmem's command register", errno);
}

static void ivs_setup(struct ivs *ivs)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	struct vfio_region_info bar = {
		.argsz = sizeof(bar), .index = VFIO_PCI_BAR2_REGION_INDEX,
	};
	char bdf[272];	/* a d_name */

	ivs->dev = ivs_open(bdf, sizeof(bdf));
	ivs->iommufd = open("/dev/iommu", O_RDWR);
	if (ivs->iommufd < 0)
		die("/dev/iommu", errno);
	bind.iommufd = ivs->iommufd;
	if (ioctl(ivs->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD", errno);
	if (ioctl(ivs->dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    ioctl(ivs->dev, VFIO_DEVICE_GET_REGION_INFO, &bar))
		die("VFIO_DEVICE_GET_REGION_INFO", errno);
	ivs->cfg_off = cfg.offset;
	ivs_set_memory(ivs, 1);
	ivs->bar_len = bar.size;
	ivs->bar = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			ivs->dev, bar.offset);
	if (ivs->bar == MAP_FAILED)
		die("mmap ivshmem's BAR2", errno);
	printf("rdma_rw_check: ivshmem %s bound to vfio-pci, BAR2 of %zu MiB mapped\n",
	       bdf, ivs->bar_len >> 20);
}

/* VFIO_DEVICE_FEATURE_DMA_BUF of [@off, @off + @len) of BAR2 */
static int ivs_export(struct ivs *ivs, uint64_t off, uint64_t len, int mode)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf db;
		struct vfio_region_dma_range r;
	} req = {	/* no padding: 8 + 16 + 16 bytes */
		.f.argsz = sizeof(req),
		.f.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF,
		.db.region_index = VFIO_PCI_BAR2_REGION_INDEX,
		.db.open_flags = O_CLOEXEC | mode,
		.db.nr_ranges = 1,
		.r = { .offset = off, .length = len },
	};
	int fd = ioctl(ivs->dev, VFIO_DEVICE_FEATURE, &req);

	if (fd < 0)
		die("VFIO_DEVICE_FEATURE_DMA_BUF", errno);
	return fd;
}

/*
 * A dma-buf of device memory whose exporter does not say that the CPU may
 * access it: IOMMUFD's test exporter with MOCK_DMABUF_MMIO (RAM pages
 * standing in for a BAR). The command's layout is the kernel's
 * drivers/iommu/iommufd/iommufd_test.h (CONFIG_IOMMUFD_TEST).
 */
struct mock_test_cmd {
	uint32_t size, op, id, reserved;
	union {
		struct {
			uint32_t open_flags, length, flags;
		} dmabuf_get;
		uint8_t pad[48];
	};
	uint32_t last;
};

#define MOCK_TEST_CMD		_IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)
#define MOCK_OP_DMABUF_GET	16
#define MOCK_DMABUF_MMIO	1

static int mock_dmabuf(int iommufd, uint32_t len, uint32_t flags)
{
	struct mock_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = MOCK_OP_DMABUF_GET,
		.dmabuf_get = { .open_flags = O_CLOEXEC | O_RDWR,
				.length = len, .flags = flags },
	};
	int fd = ioctl(iommufd, MOCK_TEST_CMD, &cmd);

	if (fd < 0)
		die("IOMMU_TEST_OP_DMABUF_GET (CONFIG_IOMMUFD_TEST)", errno);
	return fd;
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

/*
 * After a transfer of the pattern of @seed into [@off, @off + @len) of
 * @buf (@size bytes), the rest of which held @v: the offset of the first
 * wrong byte, in the window or around it, or -1.
 */
static long check_window(const uint8_t *buf, size_t size, size_t off,
			 size_t len, uint32_t seed, uint8_t v)
{
	long bad = check(buf + off, len, seed);

	if (bad >= 0)
		return bad + off;
	bad = check_byte(buf, off, v);
	if (bad < 0 && off + len < size) {
		bad = check_byte(buf + off + len, size - off - len, v);
		if (bad >= 0)
			bad += off + len;
	}
	return bad;
}

/* Post one signaled WR and wait for its completion: its status */
static int post_status(struct rdma_cm_id *id, struct ibv_cq *cq,
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
	struct timespec t0, t;
	struct ibv_wc wc;
	int n;

	if (ibv_post_send(id->qp, &wr, &bad))
		die("ibv_post_send", errno);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = ibv_poll_cq(cq, 1, &wc);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (n == 0 && t.tv_sec - t0.tv_sec < 30);
	if (n < 0)
		die("ibv_poll_cq", EIO);
	/* a lost completion fails the caller instead of the test's time */
	return n ? (int)wc.status : NO_COMPLETION;
}

/* A fatal QP event within 10 s (an iWARP TERMINATE): its name, or NULL */
static const char *qp_fatal_event(struct ibv_context *ctx)
{
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;
	enum ibv_event_type t;

	while (poll(&p, 1, 10000) == 1 && !ibv_get_async_event(ctx, &ev)) {
		t = ev.event_type;
		ibv_ack_async_event(&ev);
		if (t == IBV_EVENT_QP_FATAL || t == IBV_EVENT_QP_ACCESS_ERR)
			return ibv_event_type_str(t);
	}
	return NULL;
}

static const char *status_str(int st)
{
	return st == NO_COMPLETION ? "no completion in 30 s" :
	       ibv_wc_status_str(st);
}

static int post_and_wait(struct rdma_cm_id *id, struct ibv_cq *cq,
			 enum ibv_wr_opcode op, void *local, struct ibv_mr *lmr,
			 uint64_t remote, uint32_t rkey, size_t len)
{
	int st = post_status(id, cq, op, local, lmr, remote, rkey, len);

	if (st != IBV_WC_SUCCESS) {
		fprintf(stderr, "rdma_rw_check: %s completion: %s\n",
			op == IBV_WR_RDMA_WRITE ? "WRITE" : "READ",
			status_str(st));
		return -1;
	}
	return 0;
}

/*
 * -v: the passive MR on 1 MiB of ivshmem's BAR2 at @bar_off, a VFIO
 * dma-buf; @rxe: the provider also answers READs from it. 0 if all held.
 */
static int vfio_run(struct ibv_pd *pd, struct rdma_cm_id *aid,
		    struct ibv_cq *acq, struct ibv_mr *amr, uint8_t *abuf,
		    uint64_t bar_off, int rxe)
{
	const struct { size_t off, len; } xfer[] = {
		{ 0, 4096 }, { 1, 1 }, { 4095, 2 }, { 123, 70001 },
		{ 0, VFIO_MR_LEN },
	};
	const int nx = ARRAY_SIZE(xfer);
	const uint64_t iova = 0x10000000;
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ;
	int i, fd, failed = 0, wst, decodes, kept;
	const char *refusal = NULL;
	char path[128], name[64];
	uint8_t *bar, *expect;
	struct ibv_mr *pmr;
	struct ivs ivs;
	FILE *f;
	long bad;

	ivs_setup(&ivs);
	if (bar_off % 4096 || bar_off + VFIO_MR_LEN > ivs.bar_len)
		die("the MR's offset in the BAR", EINVAL);
	bar = ivs.bar + bar_off;

	/* Bad input first */
	fd = ivs_export(&ivs, bar_off, VFIO_MR_LEN, O_RDONLY);
	failed |= bad_reg(pd, "read-only dma-buf fd for a writeable MR", 0,
			  VFIO_MR_LEN, iova, fd, access, EACCES);
	close(fd);
	fd = mock_dmabuf(ivs.iommufd, VFIO_MR_LEN, MOCK_DMABUF_MMIO);
	failed |= bad_reg(pd, "device memory without CPU access", 0,
			  VFIO_MR_LEN, iova, fd, access, EOPNOTSUPP);
	close(fd);
	/* The control: the same exporter's RAM registers, so the flag refused */
	fd = mock_dmabuf(ivs.iommufd, VFIO_MR_LEN, 0);
	pmr = reg_dmabuf(pd, 0, VFIO_MR_LEN, iova, fd, access);
	printf("rdma_rw_check: control: the same test exporter's RAM registers: %s\n",
	       pmr ? "yes" : strerror(errno));
	if (pmr)
		ibv_dereg_mr(pmr);
	else
		failed = 1;
	close(fd);

	fd = ivs_export(&ivs, bar_off, VFIO_MR_LEN, O_RDWR);
	pmr = reg_dmabuf(pd, 0, VFIO_MR_LEN, iova, fd, access);
	if (!pmr)
		die("ibv_reg_dmabuf_mr of the BAR's dma-buf", errno);
	printf("rdma_rw_check: passive buffer: 1 MiB of ivshmem's BAR2 at %#llx, %s %s\n",
	       (unsigned long long)bar_off, "a VFIO dma-buf registered with",
	       reg_how);

	for (i = 0; i < nx; i++) {
		size_t off = xfer[i].off, len = xfer[i].len;

		memset(bar, 0x5a, VFIO_MR_LEN);
		fill(abuf + off, len, 100 + i);
		if (post_and_wait(aid, acq, IBV_WR_RDMA_WRITE, abuf + off, amr,
				  iova + off, pmr->rkey, len))
			return 1;
		bad = check_window(bar, VFIO_MR_LEN, off, len, 100 + i, 0x5a);
		printf("rdma_rw_check: BAR WRITE %zu bytes at %zu: %s", len, off,
		       bad < 0 ? "verified\n" : "MISMATCH");
		if (bad >= 0) {
			printf(" at byte %ld\n", bad);
			failed = 1;
		}
	}
	/* The last WRITE filled the MR: the host checks it after the boot */
	expect = malloc(VFIO_MR_LEN);
	if (!expect)
		die("malloc", ENOMEM);
	memcpy(expect, abuf, VFIO_MR_LEN);
	snprintf(path, sizeof(path), "/tmp/rdma_rw_check.%s.bin",
		 ibv_get_device_name(aid->verbs->device));
	snprintf(name, sizeof(name), "rdma_dmabuf_mr_%s",
		 ibv_get_device_name(aid->verbs->device));
	f = fopen(path, "w");
	if (!f || fwrite(expect, 1, VFIO_MR_LEN, f) != VFIO_MR_LEN || fclose(f))
		die(path, errno);
	printf("rdma_rw_check: host-check %llu %u %s %s\n",
	       (unsigned long long)bar_off, VFIO_MR_LEN, path, name);

	if (rxe) {
		memset(abuf, 0xa5, 8192);
		if (post_and_wait(aid, acq, IBV_WR_RDMA_READ, abuf, amr,
				  iova + 4096, pmr->rkey, 8192))
			return 1;
		bad = memcmp(abuf, expect + 4096, 8192);
		printf("rdma_rw_check: BAR READ 8192 bytes at 4096: %s\n",
		       bad ? "MISMATCH" : "verified");
		failed |= !!bad;
	}

	/*
	 * Revoke through VFIO: memory decoding off (the exporter revokes its
	 * dma-bufs, the MR's revoke runs) and on again. The BAR decodes
	 * again (its bytes read back through VFIO's mapping), so what keeps
	 * a WRITE out now is the revoked MR alone.
	 */
	ivs_set_memory(&ivs, 0);
	ivs_set_memory(&ivs, 1);
	decodes = !memcmp(bar, expect, VFIO_MR_LEN);
	fill(abuf, 4096, 7777);
	wst = post_status(aid, acq, IBV_WR_RDMA_WRITE, abuf, amr, iova,
			  pmr->rkey, 4096);
	/*
	 * iWARP does not acknowledge a WRITE: the responder refuses it with
	 * a TERMINATE, which the requester reports as a fatal QP event (a
	 * READ posted after it may stay queued on siw's terminated QP, never
	 * completing, so none is posted).
	 */
	if (wst == IBV_WC_SUCCESS)
		refusal = qp_fatal_event(aid->verbs);
	kept = !memcmp(bar, expect, VFIO_MR_LEN);
	printf("rdma_rw_check: revoked MR %s%s%s%s%s%s%s%s%s\n",
	       "(memory decoding off and on through VFIO): ",
	       "BAR decodes again: ", decodes ? "yes" : "NO",
	       "; WRITE completion: ", status_str(wst),
	       "; the responder's refusal: ",
	       refusal ? refusal : wst == IBV_WC_SUCCESS ? "NONE" : "not needed",
	       "; the BAR's bytes ", kept ? "unchanged" : "CHANGED");
	/* rxe acknowledges WRITEs: its WRITE itself must fail */
	if (!decodes || !kept || wst == NO_COMPLETION ||
	    (rxe && wst == IBV_WC_SUCCESS) ||
	    (wst == IBV_WC_SUCCESS && !refusal))
		failed = 1;
	free(expect);
	ibv_dereg_mr(pmr);
	close(fd);
	return failed;
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
	long long vfio_off = -1;

	/* lines survive a kill by the test's timeout */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-u")) {
		dmabuf_fd = 0;
		argc--;
		argv++;
	} else if (argc > 2 && !strcmp(argv[1], "-v")) {
		vfio_off = strtoll(argv[2], NULL, 0);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: rdma_rw_check [-u | -v OFFSET] ADDR [BUFFER_MIB]\n");
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
	if (vfio_off >= 0) {
		if (!amr)
			die("ibv_reg_mr", errno);
		failed = vfio_run(pd, aid, acq, amr, abuf, vfio_off,
				  !strncmp(ibv_get_device_name(aid->verbs->device),
					   "rxe", 3));
		rdma_disconnect(aid);
		ibv_dereg_mr(amr);
		printf("rdma_rw_check: %s\n", failed ? "FAILED" :
		       "VFIO dma-buf MR: all verified");
		return failed;
	}
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
			printf("rdma_rw_check: passive buffer: %s %s\n",
			       "udmabuf of a memfd, registered with", reg_how);
	}
	if (!amr || !pmr)
		die(dmabuf_fd < 0 ? "ibv_reg_mr" : "ibv_reg_dmabuf_mr", errno);

	/* offset and length of each transfer, in both buffers */
	const struct { size_t off, len; } xfer[] = {
		{ 0, 4096 }, { 4096, 8192 }, { 1, 1 }, { 4095, 2 }, { 123, 70001 },
		{ (1 << 20) - 7, 300000 }, { 0, size },
	};

	for (i = 0; i < (int)ARRAY_SIZE(xfer); i++) {
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
		bad = check_window(pbuf, size, off, len, 2 * i + 1, 0x5a);
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
		bad = check_window(abuf, size, off, len, 2 * i + 2, 0xa5);
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
