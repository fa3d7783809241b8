// SPDX-License-Identifier: GPL-2.0
/*
 * lu-inspect on a real handover.  Stage 1 has the KHO test module
 * preserve folios of orders 0, 2 and 9, page runs and a sub-blob, runs
 * "lu-inspect out" (printed as TAP comments) and keeps its JSON; its
 * figures must be those of the kernel's own debugfs (out/maps, the
 * sub-blob's size, out/scratch).  Stage 2, after a real kexec, runs
 * "lu-inspect in": the handover must be valid, its totals per order
 * (counted by walking the chunk pages the kernel exports) must match
 * the kernel's counters in kho/in/stats, its chunk count the kernel's
 * metadata_bytes, its scratch areas those stage 1 saw outgoing, and the
 * per-order figures stage 1 predicted; a save of it must read the same.
 */
#include <sys/wait.h>
#include "kho_tb.h"

#define LU_INSPECT "/usr/bin/lu-inspect"
#define NR_ORDERS 19

struct figures {
	unsigned long long runs[NR_ORDERS], bytes[NR_ORDERS], chunks[NR_ORDERS];
	unsigned long long ranges, total, nr_chunks;
	char scratch[256];
	int valid;
};

/* Run a command, its stdout into @buf; the exit status or -1. */
static int run(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t got = 0, n;
	int st;

	if (!p)
		return -1;
	while (got < len - 1 && (n = fread(buf + got, 1, len - 1 - got, p)) > 0)
		got += n;
	buf[got] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void comment(const char *text)
{
	char *copy = strdup(text), *line, *save;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	free(copy);
}

/* The figures of lu-inspect's --json output. */
static void parse_json(const char *json, struct figures *f)
{
	const char *p = json, *s;

	memset(f, 0, sizeof(*f));
	while ((p = strstr(p, "{\"order\": "))) {
		unsigned int o;
		unsigned long long runs, bytes, chunks;

		if (sscanf(p, "{\"order\": %u, \"runs\": %llu, \"bytes\": %llu, \"chunks\": %llu",
			   &o, &runs, &bytes, &chunks) == 4 && o < NR_ORDERS) {
			f->runs[o] = runs;
			f->bytes[o] = bytes;
			f->chunks[o] = chunks;
		}
		p++;
	}
	s = strstr(json, "\"preserved_memory\": {");
	if (s)
		sscanf(strstr(s, "\"ranges\""),
		       "\"ranges\": %llu, \"bytes\": %llu, \"chunks\": %llu",
		       &f->ranges, &f->total, &f->nr_chunks);
	s = strstr(json, "\"scratch\": [");
	if (s) {
		size_t n = strcspn(s, "]");

		snprintf(f->scratch, sizeof(f->scratch), "%.*s", (int)n, s);
	}
	f->valid = !!strstr(json, "\"valid\": true");
}

/* The kernel's own figures: "order O ranges R bytes B[ chunks C]" lines. */
static int kernel_figures(const char *path, struct figures *k, unsigned long long *meta)
{
	char buf[4096], *line, *save;
	int n = 0;

	memset(k, 0, sizeof(*k));
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int o;
		unsigned long long r, b;

		if (meta)
			sscanf(line, "metadata_bytes %llu", meta);
		if (sscanf(line, "order %u ranges %llu bytes %llu", &o, &r, &b) == 3 &&
		    o < NR_ORDERS) {
			k->runs[o] = r;
			k->bytes[o] = b;
			k->ranges += r;
			k->total += b;
			n++;
		}
	}
	return n;
}

static int same_orders(const struct figures *a, const struct figures *b, char *why,
		       size_t len)
{
	unsigned int o;

	for (o = 0; o < NR_ORDERS; o++)
		if (a->runs[o] != b->runs[o] || a->bytes[o] != b->bytes[o]) {
			snprintf(why, len, "order %u: %llu runs %llu bytes vs %llu runs %llu bytes",
				 o, a->runs[o], a->bytes[o], b->runs[o], b->bytes[o]);
			return 0;
		}
	snprintf(why, len, "%llu ranges, %llu bytes", a->ranges, a->total);
	return 1;
}

static char out[65536], json[65536];

int main(void)
{
	const char *state = getenv("TESTBED_STATE") ?: "/testbed/state";
	int stage = stage_number(), ret;
	struct figures tool, kern, before;
	unsigned long long meta = 0;
	char path[256], why[160], cmd[512], again[65536];

	printf("TAP version 13\n");
	snprintf(path, sizeof(path), "%s/lu_inspect_out.json", state);
	if (stage == 1) {
		printf("1..5\n");
		ret = kho_test_cmd("preserve");
		tap(!ret, "stage 1: the KHO test module preserved its folios and sub-blob (%d)",
		    ret);
		ret = run(LU_INSPECT " out", out, sizeof(out));
		comment(out);
		tap(ret == 0 && strstr(out, "valid: yes"),
		    "stage 1: lu-inspect out reads a valid outgoing handover (exit %d)", ret);
		ret = run(LU_INSPECT " out --json", json, sizeof(json));
		parse_json(json, &tool);
		kernel_figures(KHO_DIR "/out/maps", &kern, NULL);
		tap(ret == 0 && tool.ranges && same_orders(&tool, &kern, why, sizeof(why)),
		    "stage 1: its preserved-memory figures are the kernel's out/maps: %s", why);
		tap(strstr(out, "kho-test: ") && strstr(out, ", 4096 bytes at 0x"),
		    "stage 1: it lists the kho-test sub-blob with its size");
		snprintf(cmd, sizeof(cmd), LU_INSPECT " out --json > %s", path);
		ret = system(cmd);
		tap(ret == 0, "stage 1: its JSON kept for stage 2 (%d)", ret);
		return failed;
	}

	printf("1..8\n");
	show_incoming();
	tap(incoming_starts_with("accepted"), "stage 2: the kernel accepted the handover");
	ret = run(LU_INSPECT " in", out, sizeof(out));
	comment(out);
	tap(ret == 0 && strstr(out, "valid: yes"),
	    "stage 2: lu-inspect in reads a valid incoming handover (exit %d)", ret);
	ret = run(LU_INSPECT " in --json", json, sizeof(json));
	parse_json(json, &tool);
	ret = kernel_figures(KHO_DIR "/in/stats", &kern, &meta);
	tap(ret > 0 && tool.ranges && same_orders(&tool, &kern, why, sizeof(why)),
	    "stage 2: its totals per order are the kernel's (kho/in/stats): %s", why);
	tap(meta && meta == 4096 * (1 + tool.nr_chunks),
	    "stage 2: root + %llu chunk pages = the kernel's metadata_bytes %llu",
	    tool.nr_chunks, meta);
	ret = read_file(path, again, sizeof(again));
	parse_json(ret > 0 ? again : "", &before);
	tap(before.scratch[0] && !strcmp(before.scratch, tool.scratch),
	    "stage 2: the incoming scratch areas are those stage 1 saw outgoing: %s",
	    tool.scratch);
	/* The test module preserves nothing more at kexec than before it. */
	tap(before.valid && same_orders(&before, &tool, why, sizeof(why)),
	    "stage 2: the figures stage 1 predicted from out/maps came across: %s", why);
	snprintf(cmd, sizeof(cmd),
		 LU_INSPECT " save in %s/in.lu && " LU_INSPECT " %s/in.lu | tail -n +2",
		 state, state);
	ret = run(cmd, again, sizeof(again));
	tap(ret == 0 && !strcmp(again, strchr(out, '\n') + 1),
	    "stage 2: a saved copy of the handover reads the same (%d)", ret);
	ret = kho_test_cmd("verify");
	ret = ret ?: kho_test_cmd("finish");
	tap(!ret, "stage 2: the test module restored and finished (%d)", ret);
	return failed;
}
