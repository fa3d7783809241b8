// SPDX-License-Identifier: GPL-2.0
/*
 * tb-kexec: load a kernel with kexec_file_load() and reboot into it.
 *
 *   tb-kexec KERNEL INITRD CMDLINE [--load-only]
 *
 * The test guest's init uses it to go from one test stage to the next;
 * tests may use --load-only and then reboot(LINUX_REBOOT_CMD_KEXEC)
 * themselves. Returns only on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int kfd, ifd;

	if (argc < 4) {
		fprintf(stderr, "usage: %s KERNEL INITRD CMDLINE [--load-only]\n", argv[0]);
		return 2;
	}
	kfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	ifd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (kfd < 0 || ifd < 0) {
		fprintf(stderr, "tb-kexec: open %s: %s\n",
			kfd < 0 ? argv[1] : argv[2], strerror(errno));
		return 1;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(argv[3]) + 1, argv[3], 0UL)) {
		fprintf(stderr, "tb-kexec: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 4 && !strcmp(argv[4], "--load-only"))
		return 0;
	sync();
	reboot(LINUX_REBOOT_CMD_KEXEC);
	fprintf(stderr, "tb-kexec: reboot(LINUX_REBOOT_CMD_KEXEC): %s\n", strerror(errno));
	return 1;
}
