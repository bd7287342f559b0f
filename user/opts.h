/* SPDX-License-Identifier: GPL-2.0 */
/* Command line: one parser for every command, SPEC.md "Commands". */
#ifndef PT_OPTS_H
#define PT_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "perftop.h"

enum pt_cmd {
	PT_CMD_TOP = 0,
	PT_CMD_RECORD,
	PT_CMD_SCAN,
	PT_CMD_REPLAY,
	PT_CMD_REPORT,
	PT_CMD_DOCTOR,
	PT_CMD_HELP,
	PT_CMD_VERSION,
};

struct pt_opts {
	enum pt_cmd cmd;
	double duration_s;		/* 0: until interrupted */
	bool duration_set;
	uint64_t interval_ns;
	bool interval_set;
	uint32_t pids[PT_MAX_PID_FILTER];
	int nr_pids;
	const char *cgroup;		/* -c as given */
	unsigned int probes;		/* mask of enum pt_family_id */
	const char *config;		/* --config FILE */
	const char *output;		/* record -o; NULL or "-" is stdout */
	bool force;			/* overwrite an existing -o file */
	bool batch;			/* top -b */
	long count;			/* top -b -n COUNT; 0: unlimited */
	bool json;			/* scan/report --json */
	const char *prom;		/* scan --prom FILE */
	const char *file;		/* replay/report FILE */
	const char *baseline;		/* report --baseline FILE */
	bool verbose;			/* libbpf diagnostics on stderr */
};

#define PT_DEFAULT_INTERVAL_NS 1000000000ull
#define PT_MIN_INTERVAL_NS 100000000ull
#define PT_SCAN_DEFAULT_DURATION 30.0
#define PT_MAX_DURATION_S 1e9	/* 31 years; ns still fit a u64 */

/*
 * Parse argv into o.  Returns 0 to go on, or a value >= 0 the caller should
 * exit with after a usage error or after --help/--version was printed
 * (then *done is set).  Errors are already reported.
 */
int pt_opts_parse(int argc, char **argv, struct pt_opts *o, bool *done);

/* Exit status for a usage error of this command (3 for scan/report). */
int pt_usage_status(enum pt_cmd cmd);

const char *pt_cmd_name(enum pt_cmd cmd);

#endif /* PT_OPTS_H */
