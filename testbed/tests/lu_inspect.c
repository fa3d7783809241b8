// SPDX-License-Identifier: GPL-2.0
/*
 * lu-inspect on a real handover.  Stage 1 has the KHO test module
 * preserve folios of orders 0, 2 and 9, page runs and a sub-blob,
 * preserves a memfd in a LUO session, runs "lu-inspect out" (printed as
 * TAP comments) and keeps its JSON; its figures must be those of the
 * kernel's own debugfs (out/maps, the sub-blob's size), and it must show
 * the session and the memfd's record, and count the packed chunks of the
 * referenced lists (the test module packs one).  Stage 2, after a real kexec, runs
 * "lu-inspect in": the handover must be valid, its totals per order
 * (counted by walking the chunk pages the kernel exports) must match
 * the kernel's counters in kho/in/stats, its chunk count the kernel's
 * metadata_bytes, its scratch areas those stage 1 saw outgoing; all that
 * stage 1 predicted must have come across (LUO adds its own state at
 * the kexec), the session must show with its file, and a save of the
 * handover must read the same.  Both stages check that the tool reads the
 * newest core formats this kernel writes: the root in version 3 with this
 * kernel's page-shift, and after the kexec LUO's state in version 2 with
 * this kernel's release, its two arrays in version 2 with their per_page.
 * The memfd's record (liveupdate/{out,in}/records) must show the memfd's
 * size and the pages it had in memory, before and after the kexec, be
 * valid, and be shown as gone once the memfd is retrieved.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/liveupdate.h>
#include "kho_tb.h"

#define SESSION "lu-inspect"
#define TOKEN 7

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

#define MEMFD_SIZE 8192
/* Pages of the memfd in memory when it was preserved: what it hands over. */
static long memfd_pages = -1;

static long resident_pages(int fd)
{
	unsigned char vec[MEMFD_SIZE / 4096];
	void *p = mmap(NULL, MEMFD_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	long n = 0;
	size_t i;

	if (p == MAP_FAILED)
		return -1;
	if (mincore(p, MEMFD_SIZE, vec))
		n = -1;
	for (i = 0; n >= 0 && i < sizeof(vec); i++)
		n += vec[i] & 1;
	munmap(p, MEMFD_SIZE);
	return n;
}

/*
 * The memfd's record as lu-inspect --json shows it (its newest version):
 * 1 when it shows @name with size @size and @pages pages of 4 KiB in at
 * least one folio and at most one a page, and its record valid.
 */
static int memfd_record_is(const char *json, const char *name, unsigned long long size,
			   long pages, char *why, size_t len)
{
	unsigned long long sz = 0, folios = 0, pg = 0, bytes = 0;
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "\"memfd\": {\"name\": \"%s\", \"hugetlb\": false, ", name);
	p = strstr(json, key);
	if (!p || sscanf(p + strlen(key),
			 "\"size\": %llu, \"seals\": %*u, \"mode\": %*u, \"folios\": %llu, \"pages\": %llu, \"bytes\": %llu",
			 &sz, &folios, &pg, &bytes) != 4) {
		snprintf(why, len, "no memfd record of %s", name);
		return 0;
	}
	snprintf(why, len, "size %llu, %llu folios, %llu pages, %llu bytes; the memfd: size %llu, %ld pages",
		 sz, folios, pg, bytes, size, pages);
	return sz == size && pg == (unsigned long long)pages && bytes == pg * 4096 &&
	       folios >= 1 && folios <= pg && strstr(p, "\"valid\": true}");
}

/* A LUO session holding a memfd of two pages; its fd, or -errno. */
static int session_with_memfd(void)
{
	static char page[4096];
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	int dev = open("/dev/liveupdate", O_RDWR), mfd, ret = 0;

	if (dev < 0)
		return -errno;
	memcpy((char *)cs.name, SESSION, sizeof(SESSION));
	if (ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs))
		ret = -errno;
	close(dev);
	if (ret)
		return ret;
	mfd = memfd_create("lu-inspect", 0);
	memset(page, 'x', sizeof(page));
	if (mfd < 0 || ftruncate(mfd, MEMFD_SIZE) || pwrite(mfd, page, 4096, 0) != 4096 ||
	    pwrite(mfd, "lu-inspect", 10, 4096) != 10)
		return -errno;
	memfd_pages = resident_pages(mfd);
	pf.fd = mfd;
	pf.token = TOKEN;
	if (ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf))
		ret = -errno;
	close(mfd);
	return ret ?: cs.fd;
}

/* Retrieve the session and finish it: LUO then ends the handover. */
static int finish_session(void)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	int dev = open("/dev/liveupdate", O_RDWR), ret = 0;
	char buf[16] = "";

	if (dev < 0)
		return -errno;
	memcpy((char *)rs.name, SESSION, sizeof(SESSION));
	if (ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs))
		ret = -errno;
	close(dev);
	if (ret)
		return ret;
	rf.token = TOKEN;
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf))
		return -errno;
	if (pread(rf.fd, buf, 10, 4096) != 10 || strcmp(buf, "lu-inspect"))
		return -EBADMSG;
	close(rf.fd);
	/* Retrieved: its record is no longer read (its pages are the file's). */
	ret = run(LU_INSPECT " in", out, sizeof(out));
	tap(ret == 0 && strstr(out, "record: retrieved or finished, no longer readable"),
	    "stage 2: once retrieved, lu-inspect in says its record is gone (exit %d)", ret);
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_FINISH, &fin))
		ret = -errno;
	close(rs.fd);
	return ret;
}

/* Whether every order has at least what @a says. */
static int all_came(const struct figures *a, const struct figures *b, char *why, size_t len)
{
	unsigned int o;

	for (o = 0; o < NR_ORDERS; o++)
		if (a->bytes[o] > b->bytes[o]) {
			snprintf(why, len, "order %u: %llu bytes predicted, %llu came", o,
				 a->bytes[o], b->bytes[o]);
			return 0;
		}
	snprintf(why, len, "%llu bytes predicted, %llu came", a->total, b->total);
	return 1;
}

int main(void)
{
	const char *state = getenv("TESTBED_STATE") ?: "/testbed/state";
	int stage = stage_number(), ret;
	struct figures tool, kern, before;
	unsigned long long meta = 0;
	char path[256], why[160], cmd[512], again[65536], want[256];
	struct utsname uts;

	printf("TAP version 13\n");
	snprintf(path, sizeof(path), "%s/lu_inspect_out.json", state);
	if (stage == 1) {
		printf("1..11\n");
		ret = kho_test_cmd("preserve");
		tap(!ret, "stage 1: the KHO test module preserved its folios and sub-blob (%d)",
		    ret);
		ret = session_with_memfd();
		tap(ret >= 0, "stage 1: a memfd preserved in session \"" SESSION "\" (%d)", ret);
		ret = run(LU_INSPECT " out", out, sizeof(out));
		comment(out);
		tap(ret == 0 && strstr(out, "valid: yes"),
		    "stage 1: lu-inspect out reads a valid outgoing handover (exit %d)", ret);
		tap(!!strstr(out, "root: linux,kho-physr-v4, version 4, page-shift 12,"),
		    "stage 1: it reads the root in version 4, page-shift 12");
		ret = run(LU_INSPECT " out --json", json, sizeof(json));
		parse_json(json, &tool);
		kernel_figures(KHO_DIR "/out/maps", &kern, NULL);
		tap(ret == 0 && tool.ranges && same_orders(&tool, &kern, why, sizeof(why)),
		    "stage 1: its preserved-memory figures are the kernel's out/maps: %s", why);
		tap(strstr(out, "kho-test: ") && strstr(out, ", 4096 bytes at 0x"),
		    "stage 1: it lists the kho-test sub-blob with its size");
		{
			/* The test module's order-2 list is packed, one chunk. */
			const char *p = strstr(out, "referenced lists (preserved as they are, now): ");
			unsigned long long lists = 0, chunks = 0, packed = 0;

			if (p)
				sscanf(p, "referenced lists (preserved as they are, now): %llu, %llu chunk%*[s], %llu packed",
				       &lists, &chunks, &packed);
			tap(lists >= 2 && packed >= 1 && packed <= chunks,
			    "stage 1: it counts the packed chunks of the referenced lists in out/maps: %llu lists, %llu chunks, %llu packed",
			    lists, chunks, packed);
		}
		tap(strstr(out, "session \"" SESSION "\": 1 file") &&
		    strstr(out, "token 7: handler memfd, record versions"),
		    "stage 1: it shows the session and the memfd's record");
		tap(memfd_record_is(json, "memfd:lu-inspect", MEMFD_SIZE, memfd_pages, why,
				    sizeof(why)) && memfd_pages == 2,
		    "stage 1: its memfd record is the memfd's: %s", why);
		snprintf(cmd, sizeof(cmd), LU_INSPECT " out --json > %s", path);
		ret = system(cmd);
		tap(ret == 0, "stage 1: its JSON kept for stage 2 (%d)", ret);
		ret = lu_keep_sessions();
		tap(!ret, "stage 1: the session is kept open until the kexec (%d)", ret);
		return failed;
	}

	printf("1..13\n");
	show_incoming();
	tap(incoming_starts_with("accepted"), "stage 2: the kernel accepted the handover");
	ret = run(LU_INSPECT " in", out, sizeof(out));
	comment(out);
	tap(ret == 0 && strstr(out, "valid: yes"),
	    "stage 2: lu-inspect in reads a valid incoming handover (exit %d)", ret);
	uname(&uts);
	snprintf(want, sizeof(want), "LUO state version 2 from kernel %s: ", uts.release);
	tap(strstr(out, "root: linux,kho-physr-v4, version 4, page-shift 12,") &&
	    strstr(out, "reference array: ") &&
	    strstr(out, want) &&
	    strstr(out, "sessions array version 2: ") &&
	    strstr(out, " of 80 bytes, 51 a page (per_page)") &&
	    strstr(out, "files array version 2: ") &&
	    strstr(out, " of 112 bytes, 36 a page (per_page)"),
	    "stage 2: it reads root v4 (page-shift 12) and its reference array, LUO state v2 (release %s), arrays v2",
	    uts.release);
	ret = run(LU_INSPECT " in --json", json, sizeof(json));
	parse_json(json, &tool);
	ret = kernel_figures(KHO_DIR "/in/stats", &kern, &meta);
	tap(ret > 0 && tool.ranges && same_orders(&tool, &kern, why, sizeof(why)),
	    "stage 2: its totals per order are the kernel's (kho/in/stats): %s", why);
	{
		/* The reference array's pages are KHO's metadata too (root v4). */
		const char *ra = strstr(json, "\"reference_array\": {\"entries\": ");
		unsigned long long entries = 0, pages = 0;

		if (ra)
			sscanf(ra, "\"reference_array\": {\"entries\": %llu, \"pages\": %llu",
			       &entries, &pages);
		tap(meta && pages && entries &&
		    meta == 4096 * (1 + tool.nr_chunks + pages),
		    "stage 2: root + %llu chunk pages + %llu reference array page(s) (%llu entries) = the kernel's metadata_bytes %llu",
		    tool.nr_chunks, pages, entries, meta);
	}
	ret = read_file(path, again, sizeof(again));
	parse_json(ret > 0 ? again : "", &before);
	tap(before.scratch[0] && !strcmp(before.scratch, tool.scratch),
	    "stage 2: the incoming scratch areas are those stage 1 saw outgoing: %s",
	    tool.scratch);
	/* LUO adds its state and arrays at the kexec. */
	tap(before.valid && all_came(&before, &tool, why, sizeof(why)),
	    "stage 2: what stage 1 predicted from out/maps came across: %s", why);
	tap(memfd_record_is(json, "memfd:lu-inspect", MEMFD_SIZE, 2, why, sizeof(why)),
	    "stage 2: the memfd record received is the memfd stage 1 preserved: %s", why);
	tap(strstr(out, "session \"" SESSION "\": 1 file") &&
	    strstr(out, "token 7: handler memfd, record versions") &&
	    strstr(out, "liveupdate: linux,luo-v"),
	    "stage 2: it shows the incoming session, its memfd's record and LUO's sub-blob");
	snprintf(cmd, sizeof(cmd),
		 LU_INSPECT " save in %s/in.lu && " LU_INSPECT " %s/in.lu | tail -n +2",
		 state, state);
	ret = run(cmd, again, sizeof(again));
	tap(ret == 0 && !strcmp(again, strchr(out, '\n') + 1),
	    "stage 2: a saved copy of the handover reads the same (%d)", ret);
	ret = kho_test_cmd("verify");
	ret = ret ?: finish_session();
	tap(!ret, "stage 2: the test module restored, the memfd came back, session finished (%d)",
	    ret);
	/* kho_finish() freed root, maps and blobs: finished, not missing. */
	ret = run(LU_INSPECT " in", out, sizeof(out));
	comment(out);
	tap(ret == 0 && strstr(out, "status: finished") &&
	    strstr(out, "root: none, the handover is finished") &&
	    strstr(out, "valid: yes"),
	    "stage 2: after the finish lu-inspect in says the handover is finished (exit %d)",
	    ret);
	return failed;
}
