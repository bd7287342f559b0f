// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line parsing: every malformed command line is refused with the
 * documented status (2, or 3 for scan/report: README, "Commands") and exactly one "perftop: ...: ..."
 * line on stderr; good ones parse to the values given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "model.h"
#include "opts.h"

/* Parse a space-separated command line ("" words as ''), capturing stderr. */
static int parse(const char *line, struct pt_opts *o, bool *done, char *err,
		 size_t errlen)
{
	/* static: the parsed options point into these words */
	static char buf[2048], *argv[64];
	char *save = NULL, *w;
	int argc = 0, saved, fd, st;
	ssize_t n;

	snprintf(buf, sizeof(buf), "perftop %s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < 63;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = strcmp(w, "''") ? w : w + 2;	/* '' -> "" */
	argv[argc] = NULL;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = memfd_create("stderr", 0);
	dup2(fd, STDERR_FILENO);
	st = pt_opts_parse(argc, argv, o, done);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	return st;
}

static void check_one_line_error(const char *line, int want)
{
	struct pt_opts o;
	char err[4096];
	bool done;
	int st = parse(line, &o, &done, err, sizeof(err));
	char *nl = strchr(err, '\n');

	if (st != want || !done)
		fail_msg("'%s': status %d done %d, want %d (%s)", line, st, done,
			 want, err);
	if (strncmp(err, "perftop: ", 9) || !nl || nl[1] ||
	    !strstr(err + 9, ": "))
		fail_msg("'%s': not one 'perftop: what: fix' line: [%s]", line, err);
}

static void test_usage_errors(void **state)
{
	static const char *const usage2[] = {
		"frob", "''", "--bogus", "-z", "record -zf", "record --bogus",
		"record --json=x", "record -i", "record --pid", "record --probes",
		"record -i 0", "record -i 0.09", "record -i 3601", "record -i nan",
		"record -i inf", "record -i 1e400", "record -i 1x", "record -i ''",
		"record -d 0", "record -d -1", "record -d nan", "record -d 1e300",
		"record -d 0.5 -i 1", "record -p 0", "record -p ,", "record -p 1,,2",
		"record -p 4294967297", "record -p -1", "record -p abc",
		"record --probes foo", "record --probes ''", "record --probes sched,,",
		"record --probes sched,foo", "top -b -n 0", "top -b -n x",
		"top -n 3", "record -b", "top -o x", "doctor -d 1", "replay",
		"replay -i 1 x", "record extra", "-- record",
	};
	static const char *const usage3[] = {
		"scan --bogus", "scan -i 0", "scan -d x", "scan --probes x",
		"scan -n 3", "scan -o x", "report", "report --json",
		"report a b", "report -p 1 x", "scan -i",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(usage2) / sizeof(usage2[0]); i++)
		check_one_line_error(usage2[i], 2);
	for (i = 0; i < sizeof(usage3) / sizeof(usage3[0]); i++)
		check_one_line_error(usage3[i], 3);
}

static void test_too_many_pids(void **state)
{
	char line[1024] = "record -p ";
	int i;

	(void)state;
	for (i = 1; i <= PT_MAX_PID_FILTER + 1; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s%d", i > 1 ? "," : "", i);
	check_one_line_error(line, 2);
}

static void test_good_lines(void **state)
{
	struct pt_opts o;
	char err[1024];
	bool done;

	(void)state;
	assert_int_equal(parse("record -i 0.25 -d 3 -p 12,34 --probes tcp,sched -o t.json.gz -f",
			       &o, &done, err, sizeof(err)), 0);
	assert_false(done);
	assert_string_equal(err, "");
	assert_int_equal(o.cmd, PT_CMD_RECORD);
	assert_int_equal(o.interval_ns, 250000000);
	assert_true(o.duration_set && o.duration_s == 3);
	assert_int_equal(o.nr_pids, 2);
	assert_int_equal(o.pids[1], 34);
	assert_int_equal(o.probes, (1u << PT_SCHED) | (1u << PT_TCP));
	assert_string_equal(o.output, "t.json.gz");
	assert_true(o.force);
	assert_int_equal(parse("scan", &o, &done, err, sizeof(err)), 0);
	assert_true(o.duration_s == PT_SCAN_DEFAULT_DURATION);
	assert_int_equal(parse("report --json x.json", &o, &done, err, sizeof(err)), 0);
	assert_string_equal(o.file, "x.json");
	assert_true(o.json);
	/* After an error that stopped inside a cluster, the next parse must
	 * start clean (getopt keeps state between calls). */
	check_one_line_error("record -zfv", 2);
	assert_int_equal(parse("top -b -n 2", &o, &done, err, sizeof(err)), 0);
	assert_int_equal(o.count, 2);
	assert_true(o.batch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_too_many_pids),
		cmocka_unit_test(test_good_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
