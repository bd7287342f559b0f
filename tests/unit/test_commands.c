// SPDX-License-Identifier: GPL-2.0
/*
 * The command table (commands/cmdlist.h): every command is complete and
 * names only real options; options go before or after the command
 * (perftop -v doctor); each command's --help is its own text.
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

#include "commands.h"
#include "opts.h"

/* Parse a space-separated command line with stdout and stderr captured
 * (out gets both). */
static int parse(const char *line, struct pt_opts *o, bool *done, char *out,
		 size_t outlen)
{
	static char buf[1024], *argv[32];
	char *save = NULL, *w;
	int argc = 0, so, se, fd, st;
	ssize_t n;

	snprintf(buf, sizeof(buf), "perftop %s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < 31;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	so = dup(STDOUT_FILENO);
	se = dup(STDERR_FILENO);
	fd = memfd_create("out", 0);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	st = pt_opts_parse(argc, argv, o, done);
	fflush(stdout);
	fflush(stderr);
	dup2(so, STDOUT_FILENO);
	dup2(se, STDERR_FILENO);
	close(so);
	close(se);
	n = pread(fd, out, outlen - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return st;
}

static void test_table_sound(void **state)
{
	char buf[256];
	const char *why = pt_commands_check(buf, sizeof(buf));

	(void)state;
	if (why)
		fail_msg("%s", why);
}

/* Options before the command mean the same as after it. */
static void test_options_anywhere(void **state)
{
	static const struct {
		const char *line;
		enum pt_cmd cmd;
	} same[] = {
		{ "-v doctor", PT_CMD_DOCTOR },
		{ "doctor -v", PT_CMD_DOCTOR },
		{ "--config c.json report t.json", PT_CMD_REPORT },
		{ "report --config c.json t.json", PT_CMD_REPORT },
		{ "-i 0.5 -d 2 record -o doctor", PT_CMD_RECORD },
		{ "-o x.json record", PT_CMD_RECORD },
		{ "--probes sched -v top -b", PT_CMD_TOP },
		{ "-b", PT_CMD_TOP },
	};
	struct pt_opts o;
	char out[4096];
	bool done;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		int st = parse(same[i].line, &o, &done, out, sizeof(out));

		if (st || done || o.cmd != same[i].cmd)
			fail_msg("'%s': status %d, done %d, command %d: %s",
				 same[i].line, st, done, o.cmd, out);
	}
	parse("-v doctor", &o, &done, out, sizeof(out));
	assert_true(o.verbose);
	parse("--config c.json report t.json", &o, &done, out, sizeof(out));
	assert_string_equal(o.config, "c.json");
	assert_string_equal(o.file, "t.json");
	parse("-i 0.5 -d 2 record -o doctor", &o, &done, out, sizeof(out));
	assert_string_equal(o.output, "doctor");
	assert_int_equal(o.interval_ns, 500000000);
	/* still refused where the command does not take it, wherever it is */
	assert_int_equal(parse("-v replay t.json", &o, &done, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "does not apply to 'replay'"));
	assert_int_equal(parse("-d 1 doctor", &o, &done, out, sizeof(out)), 2);
	assert_int_equal(parse("--json -v frob", &o, &done, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "unknown command 'frob'"));
}

/* perftop --help lists every command; perftop CMD --help is CMD's. */
static void test_help(void **state)
{
	static char out[16384];
	struct pt_opts o;
	bool done;
	int i;

	(void)state;
	assert_int_equal(parse("--help", &o, &done, out, sizeof(out)), 0);
	assert_true(done);
	for (i = 0; i < PT_NR_CMDS; i++)
		assert_non_null(strstr(out, pt_commands[i]->overview));
	for (i = 0; i < PT_NR_CMDS; i++) {
		char line[64];

		snprintf(line, sizeof(line), "%s --help", pt_commands[i]->name);
		assert_int_equal(parse(line, &o, &done, out, sizeof(out)), 0);
		assert_true(done);
		assert_memory_equal(out, pt_commands[i]->usage,
				    strlen(pt_commands[i]->usage));
		assert_true(!pt_commands[i]->needs_privileges ==
			    !strstr(out, "CAP_BPF"));
	}
	/* -h before the command is the command's help too */
	assert_int_equal(parse("-h record", &o, &done, out, sizeof(out)), 0);
	assert_memory_equal(out, pt_command_record.usage,
			    strlen(pt_command_record.usage));
	assert_non_null(strstr(out, "--output FILE"));
	assert_null(strstr(out, "--baseline"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sound),
		cmocka_unit_test(test_options_anywhere),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
