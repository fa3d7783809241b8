// SPDX-License-Identifier: GPL-2.0
/*
 * KHO round trip: stage 1 preserves folios of orders 0, 2 and 9, two page
 * runs and a sub-blob, and preserves then unpreserves one more folio;
 * stage 2, after a real kexec, restores everything, checks order and every
 * byte, checks that KHO holds none of the unpreserved folio, and that the
 * memory goes back to the allocator (the test module does the work and
 * reports each check).  Then the incoming sub-blob, restored and freed by
 * its owner, must no longer be readable through debugfs; and kho_finish()
 * must not free a preserved page that was restored, freed and allocated
 * again (marked reserved by its new owner, as a driver may).
 *
 * Stage 1 first fills the root to its last bytes with sub-blobs, once
 * as it is and once under kho.write_version=1 (a root without
 * page-shift): the same must fit, or a root filled under the switch would
 * overflow (ENOSPC) at a kexec after it was undone.
 */
#include "kho_tb.h"

#define WRITE_VERSION "/sys/module/kho/parameters/write_version"

/* Read one byte of @path: the byte count, or -errno of open or read. */
static int read_errno(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

/* Fill the root under kho.write_version=@version: the name bytes, or -1. */
static long fill_root(const char *version)
{
	unsigned int blobs, bytes;
	char buf[8192], *p;
	int ret;

	if (write_file(WRITE_VERSION, version))
		return -1;
	ret = kho_test_cmd("fill_root");
	read_file(KHO_TEST_DIR "/status", buf, sizeof(buf));
	p = strstr(buf, "fill: ");
	if (ret || !p || sscanf(p, "fill: %u sub-blobs, %u name bytes",
				&blobs, &bytes) != 2)
		bytes = -1;
	kho_test_cmd("unfill_root");
	write_file(WRITE_VERSION, "0");
	return bytes == (unsigned int)-1 ? -1 : (long)bytes;
}

int main(void)
{
	int stage = stage_number(), ret;
	char buf[8192];

	printf("TAP version 13\n");
	if (stage == 1) {
		long v0, v1;

		printf("1..5\n");
		tap(access(KHO_TEST_DIR "/control", W_OK) == 0,
		    "stage 1: the KHO test module is present");
		tap(incoming_starts_with("none"), "stage 1: a cold boot has no incoming handover");
		v0 = fill_root("0");
		v1 = fill_root("1");
		tap(v0 > 0 && v1 == v0,
		    "stage 1: a root filled under kho.write_version=1 holds what fits in the newest version (%ld name bytes, %ld in the newest)",
		    v1, v0);
		ret = kho_test_cmd("preserve");
		tap(!ret, "stage 1: preserve (%d)", ret);
		ret = read_file(KHO_DIR "/out/blobs/kho-test", buf, sizeof(buf));
		tap(ret == 4096, "stage 1: the sub-blob shows in debugfs (%d bytes)", ret);
		return failed;
	}
	printf("1..7\n");
	show_incoming();
	tap(stage == 2, "stage 2: runs as stage 2");
	tap(incoming_starts_with("accepted"), "stage 2: the handover was accepted");
	ret = read_file(KHO_DIR "/in/blobs/kho-test", buf, sizeof(buf));
	tap(ret == 4096, "stage 2: the incoming sub-blob shows in debugfs (%d bytes)", ret);
	ret = kho_test_cmd("verify");
	tap(!ret, "stage 2: every preserved byte came across, orders kept (%d)", ret);
	ret = read_errno(KHO_DIR "/in/blobs/kho-test");
	tap(ret == -ENODATA,
	    "stage 2: the sub-blob, restored and freed by its owner, reads as an error (%d)", ret);
	ret = kho_test_cmd("finish");
	tap(!ret, "stage 2: finish released the handover, not the page reused after restore (%d)",
	    ret);
	ret = read_errno(KHO_DIR "/in/blobs/kho-test");
	tap(ret == -ENOENT, "stage 2: after finish the sub-blob is gone from debugfs (%d)", ret);
	return failed;
}
