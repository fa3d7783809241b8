/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the VFIO/IOMMUFD tests, on top of tb.h: binding the
 * edu and ivshmem devices to vfio-pci, opening them through the VFIO cdev
 * and /dev/iommu, BAR and config space access, edu DMA, IOMMUFD mapping
 * calls and a small SHA-256 for the host-side checks of ivshmem bytes.
 *
 * edu (QEMU docs/specs/edu.txt): DMA source/destination/count/command
 * registers at 0x80/0x88/0x90/0x98 of BAR0, a 4 KiB internal buffer at
 * device address 0x40000, and a 28-bit DMA mask (IOVAs stay below 2^28).
 */
#ifndef VFIO_TB_H
#define VFIO_TB_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tb.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110

#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_BUF		0x40000
#define EDU_BUF_SIZE	4096
/*
 * The edu of QEMU 7.2 refuses (and aborts QEMU on) a transfer that ends
 * exactly at the end of its buffer, so transfers stay below 4 KiB.
 */
#define EDU_XFER	2048

/* A step the rest of the test cannot do without: report it and stop */
static void need(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	printf("not ok %d ", ++nr_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", errno, strerror(errno));
	printf("# cannot go on\n");
	exit(1);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static unsigned long read_hex(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	return strtoul(buf, NULL, 0);
}

/*
 * Bind the PCI device vendor:device to @driver (driver_override) and open
 * its VFIO cdev. With several such devices, @nth picks one in BDF order.
 * Returns the device fd and its BDF in @bdf.
 */
static int vfio_open_drv(unsigned int vendor, unsigned int device,
			 unsigned int nth, const char *driver, char *bdf)
{
	char want[80];
	char path[600], drv[256], found[8][64];
	unsigned int n = 0, i, j;
	struct dirent *de;
	DIR *d;
	int fd = -1;

	d = opendir("/sys/bus/pci/devices");
	need(!!d, "open /sys/bus/pci/devices");
	while ((de = readdir(d)) && n < 8) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		if (read_hex(path) != vendor)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (read_hex(path) != device)
			continue;
		strcpy(found[n++], de->d_name);
	}
	closedir(d);
	need(nth < n, "find PCI device %04x:%04x number %u", vendor, device,
	     nth);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(found[j], found[i]) < 0) {
				strcpy(drv, found[i]);
				strcpy(found[i], found[j]);
				strcpy(found[j], drv);
			}
	strcpy(bdf, found[nth]);
	snprintf(want, sizeof(want), "/%s", driver);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	memset(drv, 0, sizeof(drv));
	if (readlink(path, drv, sizeof(drv) - 1) > 0 &&
	    strcmp(strrchr(drv, '/'), want)) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		need(!write_str(path, bdf), "unbind %s from its driver", bdf);
		drv[0] = 0;
	}
	if (!drv[0]) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver_override", bdf);
		need(!write_str(path, driver), "driver_override %s", bdf);
		need(!write_str("/sys/bus/pci/drivers_probe", bdf),
		     "bind %s to %s", bdf, driver);
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(path);
	need(!!d, "%s has a VFIO cdev (%s)", bdf, path);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s",
			 de->d_name);
		fd = open(path, O_RDWR);
		break;
	}
	closedir(d);
	need(fd >= 0, "open the VFIO cdev of %s", bdf);
	return fd;
}

/* The same, with vfio-pci itself */
static int vfio_open_nth(unsigned int vendor, unsigned int device,
			 unsigned int nth, char *bdf)
{
	return vfio_open_drv(vendor, device, nth, "vfio-pci", bdf);
}

static int vfio_open_pci(unsigned int vendor, unsigned int device, char *bdf)
{
	return vfio_open_nth(vendor, device, 0, bdf);
}

static void vfio_bind(int devfd, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	need(!ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind),
	     "VFIO_DEVICE_BIND_IOMMUFD");
}

static void vfio_attach(int devfd, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	need(!ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach),
	     "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
}

static uint32_t ioas_alloc(int iommufd)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	need(!ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), "IOMMU_IOAS_ALLOC");
	return alloc.out_ioas_id;
}

/*
 * How most edu tests start: open /dev/iommu, bind edu to vfio-pci and to
 * that iommufd through its VFIO cdev, and attach it to a new IOAS (a real
 * VT-d domain: every map goes through its page tables). Returns edu's
 * device fd and sets *@iommufd, *@ioas and edu's BDF in @bdf.
 */
static int edu_attach_new_ioas(int *iommufd, uint32_t *ioas, char *bdf)
{
	int edu;

	*iommufd = open("/dev/iommu", O_RDWR);
	need(*iommufd >= 0, "open /dev/iommu");
	edu = vfio_open_pci(EDU_VENDOR, EDU_DEVICE, bdf);
	vfio_bind(edu, *iommufd);
	*ioas = ioas_alloc(*iommufd);
	vfio_attach(edu, *ioas);
	return edu;
}

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_RW_FIXED (MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)

/* IOMMU_IOAS_MAP_FILE; returns 0 or -1 with errno */
static int map_file(int iommufd, uint32_t ioas, int fd, uint64_t start,
		    uint64_t length, uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = *iova,
	};
	int ret = ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &cmd);

	*iova = cmd.iova;
	return ret;
}

static int map_user(int iommufd, uint32_t ioas, void *va, uint64_t length,
		    uint64_t *iova, uint32_t flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = length,
		.iova = *iova,
	};
	int ret = ioctl(iommufd, IOMMU_IOAS_MAP, &cmd);

	*iova = cmd.iova;
	return ret;
}

static int unmap_iova(int iommufd, uint32_t ioas, uint64_t iova,
		      uint64_t length)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = length,
	};

	return ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd);
}

static struct vfio_region_info region_info(int devfd, unsigned int index)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = index,
	};

	need(!ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &info),
	     "VFIO_DEVICE_GET_REGION_INFO %u", index);
	return info;
}

static void *map_bar(int devfd, unsigned int index, size_t *size)
{
	struct vfio_region_info info = region_info(devfd, index);
	void *p;

	need(info.flags & VFIO_REGION_INFO_FLAG_MMAP, "region %u is mmap-able",
	     index);
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, devfd,
		 info.offset);
	need(p != MAP_FAILED, "mmap region %u", index);
	if (size)
		*size = info.size;
	return p;
}

static uint16_t cfg_read16(int devfd, unsigned int off)
{
	struct vfio_region_info info =
		region_info(devfd, VFIO_PCI_CONFIG_REGION_INDEX);
	uint16_t v = 0;

	need(pread(devfd, &v, 2, info.offset + off) == 2, "config read");
	return v;
}

static void cfg_write16(int devfd, unsigned int off, uint16_t v)
{
	struct vfio_region_info info =
		region_info(devfd, VFIO_PCI_CONFIG_REGION_INDEX);

	need(pwrite(devfd, &v, 2, info.offset + off) == 2, "config write");
}

static void set_command(int devfd, uint16_t set, uint16_t clear)
{
	uint16_t cmd = cfg_read16(devfd, PCI_COMMAND);

	cfg_write16(devfd, PCI_COMMAND, (cmd | set) & ~clear);
}

/* Map edu's BAR0 and turn on memory decode and bus mastering, for DMA */
static volatile void *edu_enable(int edu)
{
	volatile void *bar = map_bar(edu, VFIO_PCI_BAR0_REGION_INDEX, NULL);

	set_command(edu, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);
	return bar;
}

/* Run one edu DMA; returns 0 once the engine is idle again */
static int edu_dma(volatile void *bar, uint64_t src, uint64_t dst,
		   uint32_t count, int to_ram)
{
	volatile uint64_t *r = (volatile uint64_t *)bar;
	int i;

	r[EDU_DMA_SRC / 8] = src;
	r[EDU_DMA_DST / 8] = dst;
	r[EDU_DMA_CNT / 8] = count;
	r[EDU_DMA_CMD / 8] = EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0);
	for (i = 0; i < 20000; i++) {
		if (!(r[EDU_DMA_CMD / 8] & EDU_DMA_RUN))
			return 0;
		usleep(1000);
	}
	return -1;
}

/* Into the edu buffer from an IOVA, then from the buffer to an IOVA */
static int edu_load(volatile void *bar, uint64_t iova, uint32_t count)
{
	return edu_dma(bar, iova, EDU_BUF, count, 0);
}

static int edu_store(volatile void *bar, uint64_t iova, uint32_t count)
{
	return edu_dma(bar, EDU_BUF, iova, count, 1);
}

static void fill_pattern(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

/*
 * The kernel log from now on, to see the IOMMU refuse a DMA: VT-d reports a
 * translation fault as "DMAR: ... fault addr 0x<page>". Its reports are
 * rate limited (10 per 5 s), so a test that needs one waits that long
 * after any earlier burst of faults.
 */
static int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a DMAR fault at @iova was logged since kmsg_from_now() */
static int dmar_fault_logged(int kfd, uint64_t iova)
{
	char rec[1024], want[64];
	int tries;

	snprintf(want, sizeof(want), "fault addr 0x%llx ",
		 (unsigned long long)(iova & ~0xfffULL));
	for (tries = 0; tries < 200; tries++) {
		ssize_t n = read(kfd, rec, sizeof(rec) - 1);

		if (n > 0) {
			rec[n] = 0;
			if (strstr(rec, "DMAR") && strstr(rec, want))
				return 1;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EPIPE)
			return 0;
		usleep(10000);
	}
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* SHA-256 (FIPS 180-4), for "# host-check" lines */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t *b)
{
	uint32_t w[64], a, bb, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | b[4 * i + 1] << 16 |
		       b[4 * i + 2] << 8 | b[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR32(w[i - 15], 7) ^ ROR32(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ROR32(w[i - 2], 17) ^ ROR32(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; bb = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ROR32(e, 6) ^ ROR32(e, 11) ^ ROR32(e, 25)) +
		     ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ROR32(a, 2) ^ ROR32(a, 13) ^ ROR32(a, 22)) +
		     ((a & bb) ^ (a & c) ^ (bb & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = bb; bb = a; a = t1 + t2;
	}
	h[0] += a; h[1] += bb; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	const uint8_t *p = data;
	uint8_t tail[128] = { 0 };
	size_t rest = len % 64, n = len - rest, tl;
	uint64_t bits = (uint64_t)len * 8;
	int i;

	for (size_t off = 0; off < n; off += 64)
		sha256_block(h, p + off);
	memcpy(tail, p + n, rest);
	tail[rest] = 0x80;
	tl = rest < 56 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = bits >> (8 * i);
	sha256_block(h, tail);
	if (tl == 128)
		sha256_block(h, tail + 64);
	for (i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", h[i]);
}

/* Ask the host to check LEN bytes at OFF of ivshmem's backing file */
static void host_check(const void *expect, size_t off, size_t len,
		       const char *name)
{
	char hex[65];

	sha256_hex(expect, len, hex);
	printf("# host-check ivshmem %zu %zu %s %s\n", off, len, hex, name);
	fflush(stdout);
}

#endif /* VFIO_TB_H */
