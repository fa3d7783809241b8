/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the staged VT-d live update tests (iommu_lu_*): the test
 * driver's debugfs files (drivers/iommu/intel/liveupdate_test.c) and a
 * check of the kernel log for DMA remapping faults.
 */
#ifndef IOMMU_LU_TB_H
#define IOMMU_LU_TB_H

#include <sys/klog.h>
/* Not every test uses every helper of kho_tb.h. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "kho_tb.h"

#define LU_TEST_DIR "/sys/kernel/debug/iommu_lu_test"

/* Run one command of the test driver and print its checks as comments. */
static int lu_cmd(const char *cmd)
{
	char buf[8192], *line, *save;
	int ret = write_file(LU_TEST_DIR "/control", cmd);

	if (read_file(LU_TEST_DIR "/status", buf, sizeof(buf)) >= 0)
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("# %s\n", line);
	return ret;
}

/* Number of DMA remapping fault reports in this kernel's log, or -1. */
static int dmar_faults(void)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	int faults = 0;
	char *p;

	if (n < 0)
		return -1;
	log[n] = 0;
	for (p = log; (p = strstr(p, "DMAR-LU: ")); p++) {
		char *bol = p, *eol = strchr(p, '\n');

		while (bol > log && bol[-1] != '\n')
			bol--;
		printf("# log: %.*s\n", eol ? (int)(eol - bol) : 80, bol);
	}
	for (p = log; (p = strstr(p, "DMAR: [DMA ")); p++) {
		char *eol = strchr(p, '\n');

		printf("# fault: %.*s\n", eol ? (int)(eol - p) : 80, p);
		faults++;
	}
	return faults;
}

/* Whether this kernel's log has a DMA remapping fault at @addr. */
static int dmar_fault_at(const char *addr)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	char *p, *eol;

	if (n < 0)
		return 0;
	log[n] = 0;
	for (p = log; (p = strstr(p, "DMAR: [DMA ")); p++) {
		eol = strchr(p, '\n');
		if (eol)
			*eol = 0;
		if (strstr(p, addr))
			return 1;
		if (eol)
			*eol = '\n';
	}
	return 0;
}

#endif
