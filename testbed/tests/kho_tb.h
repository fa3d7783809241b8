/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the staged KHO tests: the debugfs files of KHO
 * (/sys/kernel/debug/kho) and of its test module (/sys/kernel/debug/kho_test),
 * on top of tb.h.
 */
#ifndef KHO_TB_H
#define KHO_TB_H

#include "tb.h"

#define KHO_DIR "/sys/kernel/debug/kho"
#define KHO_TEST_DIR "/sys/kernel/debug/kho_test"

/* Print the test module's status as TAP comments. */
static void show_status(void)
{
	char buf[16384], *line, *save;

	if (read_file(KHO_TEST_DIR "/status", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
}

static int kho_test_cmd(const char *cmd)
{
	int ret = write_file(KHO_TEST_DIR "/control", cmd);

	show_status();
	return ret;
}

static void show_incoming(void)
{
	char buf[1024], *line, *save;

	if (read_file(KHO_DIR "/in/status", buf, sizeof(buf)) >= 0)
		printf("# incoming handover: %s", buf);
	if (read_file(KHO_DIR "/in/stats", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
}

static int incoming_starts_with(const char *prefix)
{
	char buf[256];

	return read_file(KHO_DIR "/in/status", buf, sizeof(buf)) > 0 &&
	       !strncmp(buf, prefix, strlen(prefix));
}

#endif
