// SPDX-License-Identifier: GPL-2.0
/*
 * Command line: the input is split into argv words at NUL bytes and
 * newlines, then parsed twice (getopt keeps state between calls, and a
 * second parse must not see anything of the first).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "opts.h"

#define MAX_WORDS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pt_fuzz_quiet();
	return 0;
}

static int split(char *buf, size_t size, char **argv)
{
	int argc = 0;
	size_t i, start = 0;

	argv[argc++] = "perftop";
	for (i = 0; i <= size && argc < MAX_WORDS; i++) {
		if (i == size || buf[i] == '\0' || buf[i] == '\n') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_WORDS + 1], *copy[MAX_WORDS + 1];
	struct pt_opts o;
	bool done;
	int argc, pass;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	argc = split(buf, size, argv);
	for (pass = 0; pass < 2; pass++) {
		/* getopt permutes argv: hand it a fresh copy each time */
		memcpy(copy, argv, sizeof(argv));
		if (pt_opts_parse(argc, copy, &o, &done) < 0)
			abort();
		if (!done && o.interval_ns < PT_MIN_INTERVAL_NS)
			abort();	/* the parser's own promise */
	}
	free(buf);
	return 0;
}
