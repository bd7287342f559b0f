// SPDX-License-Identifier: GPL-2.0
/*
 * The trace reader against bad input: truncated (plain and gzip), random
 * bytes, gzip garbage, empty, wrong version/format, a bad line N, NUL bytes,
 * a directory.  Every failure is -errno with one "perftop: ...: ..." line
 * naming the line; a cut-off trace reads up to its last complete line.
 * Also: kernel strings (comm, cgroup) with quotes, backslashes, newlines and
 * control bytes round-trip through the writer and the reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "trace.h"

static const char weird_comm[] = "a\"b\\c\nd\x01\x7f\xff";
/* JSON is UTF-8: the stray 0xff comes back as U+FFFD, the rest as is */
static const char weird_comm_read[] = "a\"b\\c\nd\x01\x7f\xef\xbf\xbd";

static char *line_of(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

/* A real-shaped trace: header, two snapshots, end; as one string. */
static char *make_trace(bool with_end)
{
	struct pt_header h = { .nr_cpus = 2, .interval_ns = 1000000000,
			       .start_time_ns = 1700000000000000000ull };
	struct pt_snapshot s;
	struct pt_sched_task *t;
	struct pt_loss loss = { 0 };
	char *lines[4], *out;
	size_t total = 1, i, n = 0;

	strcpy(h.hostname, "host");
	strcpy(h.kernel, "6.1");
	h.perftop_pid = 4242;
	h.probes[PT_SCHED].requested = h.probes[PT_SCHED].ok = true;
	strcpy(h.probes[PT_SCHED].attach, "tp_btf");
	lines[n++] = line_of(pt_json_header(&h));
	pt_snapshot_init(&s);
	s.families = 1u << PT_SCHED;
	s.time_ns = h.start_time_ns;
	s.interval_ns = 1000000000;
	t = PT_PUSH(s.sched_tasks);
	t->id.pid = t->id.tgid = 42;
	memcpy(t->id.comm, weird_comm, sizeof(weird_comm));
	strcpy(t->id.cgroup, "/x\"y\\z\n\x02");
	t->runq_wait_ns = 123456789;
	t->runq_count = 7;
	for (i = 1; i <= 2; i++) {
		s.seq = i;
		s.ts_ns = i * 1000000000;
		lines[n++] = line_of(pt_json_snapshot(&s));
	}
	pt_snapshot_free(&s);
	if (with_end)
		lines[n++] = line_of(pt_json_end(2, &loss));
	for (i = 0; i < n; i++)
		total += strlen(lines[i]) + 1;
	out = malloc(total);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
		cJSON_free(lines[i]);
	}
	return out;
}

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("trace", 0);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* gzip `len` bytes of data the way the writer does (a sync flush after
 * each line); without finish the stream has no trailer (SIGKILL). */
static int gz_memfd(const char *data, size_t len, bool finish)
{
	int fd = memfd_create("trace.gz", 0);
	gzFile gz = gzdopen(dup(fd), "wb6");
	const char *p = data, *nl;

	while (p < data + len) {
		nl = memchr(p, '\n', (size_t)(data + len - p));
		nl = nl ? nl + 1 : data + len;
		gzwrite(gz, p, (unsigned int)(nl - p));
		gzflush(gz, Z_SYNC_FLUSH);
		p = nl;
	}
	if (finish) {
		gzclose(gz);
	} else {
		gzclose_w(gz);	/* writes the 8-byte trailer: cut it off */
		assert_int_equal(ftruncate(fd, lseek(fd, 0, SEEK_END) - 8), 0);
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Load fd, capturing stderr into err; returns pt_recording_load_fd's rc. */
static int load(int fd, struct pt_recording *rec, char *err, size_t errlen)
{
	int saved, efd, rc;
	ssize_t n;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	efd = memfd_create("stderr", 0);
	dup2(efd, STDERR_FILENO);
	rc = pt_recording_load_fd(fd, "T", rec);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(efd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(efd);
	return rc;
}

static void expect_bad(const void *data, size_t len, const char *want)
{
	struct pt_recording rec;
	char err[2048];
	int rc = load(memfd_with(data, len), &rec, err, sizeof(err));
	char *nl = strchr(err, '\n');

	if (rc >= 0)
		fail_msg("accepted a bad trace, wanted '%s'", want);
	if (!strstr(err, want) || strncmp(err, "perftop: ", 9) || !nl || nl[1])
		fail_msg("error [%s] is not one line naming '%s'", err, want);
	assert_null(rec.snaps);
}

static void test_good_and_roundtrip(void **state)
{
	char *trace = make_trace(true), err[1024];
	struct pt_recording rec;
	size_t i;

	(void)state;
	/* every string stays one JSON line: no raw newline or control byte */
	for (i = 0; trace[i]; i++)
		assert_true((unsigned char)trace[i] >= 0x20 || trace[i] == '\n');
	assert_int_equal(load(memfd_with(trace, strlen(trace)), &rec, err,
			      sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_true(rec.complete);
	assert_int_equal(rec.nr_snaps, 2);
	assert_int_equal(rec.snaps[1].sched_tasks.n, 1);
	assert_memory_equal(rec.snaps[1].sched_tasks.v[0].id.comm, weird_comm_read,
			    sizeof(weird_comm_read));
	assert_string_equal(rec.snaps[1].sched_tasks.v[0].id.cgroup, "/x\"y\\z\n\x02");
	assert_int_equal(rec.snaps[1].sched_tasks.v[0].runq_wait_ns, 123456789);
	/* the recorder's pid, on every snapshot for the rules */
	assert_int_equal(rec.header.perftop_pid, 4242);
	assert_int_equal(rec.snaps[0].self_tgid, 4242);
	assert_int_equal(rec.snaps[1].self_tgid, 4242);
	pt_recording_free(&rec);
	/* blank lines before the header (an editor, a shell's echo) are
	 * skipped like blank lines anywhere else */
	{
		size_t n = strlen(trace);
		char *padded = malloc(n + 3);

		memcpy(padded, "\n\n", 2);
		memcpy(padded + 2, trace, n + 1);
		assert_int_equal(load(memfd_with(padded, n + 2), &rec, err,
				      sizeof(err)), 0);
		assert_int_equal(rec.nr_snaps, 2);
		pt_recording_free(&rec);
		free(padded);
	}
	/* the same through gzip */
	assert_int_equal(load(gz_memfd(trace, strlen(trace), true), &rec, err,
			      sizeof(err)), 0);
	assert_int_equal(rec.nr_snaps, 2);
	assert_true(rec.complete);
	pt_recording_free(&rec);
	free(trace);
}

static void test_truncated(void **state)
{
	char *trace = make_trace(false), err[1024];
	struct pt_recording rec;
	size_t len = strlen(trace);
	size_t last = (size_t)(strrchr(trace, '}') - trace) - 5;	/* mid line 3 */

	(void)state;
	/* plain: cut in the middle of line 3 -> header + 1 snapshot */
	assert_int_equal(load(memfd_with(trace, last), &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.nr_snaps, 1);
	assert_false(rec.complete);
	assert_non_null(strstr(err, "warning: T was cut off after line 2"));
	pt_recording_free(&rec);
	/* complete lines but no end line (SIGKILL between intervals) */
	assert_int_equal(load(memfd_with(trace, len), &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.nr_snaps, 2);
	assert_false(rec.complete);
	pt_recording_free(&rec);
	/* gzip without a trailer, last line half written */
	assert_int_equal(load(gz_memfd(trace, last, false), &rec, err,
			      sizeof(err)), 0);
	assert_int_equal(rec.nr_snaps, 1);
	assert_non_null(strstr(err, "cut off after line 2"));
	pt_recording_free(&rec);
	/* cut in the first line: nothing usable */
	expect_bad(trace, 20, "no complete line");
	free(trace);
}

static void replace_line(char *trace, int n, const char *with, char *out)
{
	char *p = trace, *nl;
	int i;

	for (i = 1; i < n; i++)
		p = strchr(p, '\n') + 1;
	nl = strchr(p, '\n');
	sprintf(out, "%.*s%s%s", (int)(p - trace), trace, with, nl);
}

static void test_bad_files(void **state)
{
	char *trace = make_trace(true), *buf = malloc(strlen(trace) + 4096);
	unsigned char rnd[8192];
	const unsigned char gz_garbage[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
					     'n', 'o', 't', ' ', 'd', 'e', 'f' };
	unsigned int seed = 1;
	size_t i;
	int dfd;
	struct pt_recording rec;
	char err[1024], ver[32];

	(void)state;
	for (i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)rand_r(&seed);
	rnd[100] = '\n';	/* at least one line */
	expect_bad(rnd, sizeof(rnd), "line 1");
	expect_bad(gz_garbage, sizeof(gz_garbage), "line 1: corrupt gzip data");
	expect_bad("", 0, "empty file");
	expect_bad("\n\n\n", 3, "not a perftop trace header");
	expect_bad("\0\0\0\n", 4, "line 1: contains a NUL byte");
	expect_bad("[1,2]\n", 6, "line 1: not a JSON object");
	expect_bad("{\"type\":\"snapshot\"}\n", 20, "line 1");

	/* today's version, whatever it is, replaced by a future one */
	snprintf(ver, sizeof(ver), "\"version\":%d", PT_TRACE_VERSION);
	assert_non_null(strstr(trace, ver));
	strcpy(buf, trace);
	*strstr(buf, ver) = '\0';
	strcat(buf, "\"version\":7");
	strcat(buf, strstr(trace, ver) + strlen(ver));
	expect_bad(buf, strlen(buf), "line 1: trace version 7 is not supported");
	/* version 1 (before histograms) still reads */
	buf[strstr(buf, "\"version\":7") - buf + 10] = '1';
	assert_true(load(memfd_with(buf, strlen(buf)), &rec, err, sizeof(err)) >= 0);
	pt_recording_free(&rec);
	strcpy(buf, trace);
	memcpy(strstr(buf, "perftop-trace"), "perftop-trick", 13);
	expect_bad(buf, strlen(buf), "line 1: not a perftop trace");
	replace_line(trace, 3, "{\"type\":\"snapshot\",", buf);
	expect_bad(buf, strlen(buf), "line 3: not a JSON object");
	replace_line(trace, 2, "{\"type\":\"snapshot\",\"seq\":-1}", buf);
	expect_bad(buf, strlen(buf), "line 2: seq");
	replace_line(trace, 3, "{\"type\":\"what\"}", buf);
	expect_bad(buf, strlen(buf), "line 3: unknown line type");
	replace_line(trace, 2, "{\"no\":\"type\"}", buf);
	expect_bad(buf, strlen(buf), "line 2: no \"type\"");
	/* strcpy + strcat: gcc 12's -Wformat-overflow under the sanitizer
	 * build took sprintf's destination for NULL here */
	strcpy(buf, trace);
	strcat(buf, "{\"type\":\"end\",\"snapshots\":0}\n");
	expect_bad(buf, strlen(buf), "line 5: data after the end line");

	dfd = open("/", O_RDONLY | O_DIRECTORY);
	assert_true(load(dfd, &rec, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "is a directory"));
	free(buf);
	free(trace);
}

/* The tcp family's --tcp-owner mode rides in its probe object, read back
 * only as one of its two values. */
static void test_header_tcp_owner(void **state)
{
	const char *const modes[] = { "thread", "process", "bogus" };
	const char *const want[] = { "thread", "process", "" };
	struct pt_header h = { .nr_cpus = 2, .interval_ns = 1000000000,
			       .start_time_ns = 1700000000000000000ull }, back;
	char err[256];
	int i;

	(void)state;
	strcpy(h.hostname, "host");
	strcpy(h.kernel, "6.1");
	h.probes[PT_TCP].requested = true;
	for (i = 0; i < 3; i++) {
		cJSON *o, *tcp;

		strcpy(h.tcp_owner, "thread");
		o = pt_json_header(&h);
		tcp = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "probes"), "tcp");
		cJSON_ReplaceItemInObject(tcp, "owner", cJSON_CreateString(modes[i]));
		memset(&back, 0, sizeof(back));
		assert_int_equal(pt_json_parse_header(o, &back, err, sizeof(err)), 0);
		assert_string_equal(back.tcp_owner, want[i]);
		cJSON_Delete(o);
	}
	/* not written when the family was not requested */
	h.probes[PT_TCP].requested = false;
	{
		cJSON *o = pt_json_header(&h);
		char *text = cJSON_PrintUnformatted(o);

		assert_null(strstr(text, "owner"));
		free(text);
		cJSON_Delete(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_and_roundtrip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_header_tcp_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
