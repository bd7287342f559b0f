/* SPDX-License-Identifier: GPL-2.0 */
/* Command line: one parser for every command (README, "Commands"). */
#ifndef PT_OPTS_H
#define PT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdlist.h"
#include "perftop.h"

/* PT_CMD_TOP, PT_CMD_RECORD, ...: index into pt_commands[] (commands.h). */
enum pt_cmd {
#define PT_CMD_ID(ID, name) PT_CMD_##ID,
	PT_COMMANDS(PT_CMD_ID)
#undef PT_CMD_ID
	PT_NR_CMDS,
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
	bool force;			/* replace an existing -o/--html file */
	bool batch;			/* top -b */
	long count;			/* top -b -n COUNT; 0: unlimited */
	bool json;			/* scan/report --json */
	const char *prom;		/* scan --prom FILE */
	const char *file;		/* replay/report FILE */
	const char *baseline;		/* report --baseline FILE */
	/* replay/report --from/--to, report --baseline-from/--baseline-to:
	 * wall-clock ns; 0 and UINT64_MAX when not given */
	uint64_t from_ns, to_ns, base_from_ns, base_to_ns;
	const char *html;		/* report --html FILE ("-": stdout) */
	bool verbose;			/* libbpf diagnostics, start line on stderr */
	/* serve */
	const char *listen;		/* --listen ADDR:PORT or unix:PATH */
	unsigned int socket_mode;	/* --socket-mode, for unix: */
	const char *record_dir;		/* --record-dir DIR */
	uint64_t keep_ns;		/* --keep */
	uint64_t max_size;		/* --max-size, bytes */
	uint64_t rotate_ns;		/* --rotate */
	unsigned int top_n;		/* --top */
	bool no_bpf_stats;		/* --no-bpf-stats */
	bool tcp_owner_thread;		/* --tcp-owner thread (default process) */
	bool print_alert_rules;		/* --print-alert-rules */
};

#define PT_DEFAULT_INTERVAL_NS 1000000000ull
#define PT_MIN_INTERVAL_NS 100000000ull
#define PT_SCAN_DEFAULT_DURATION 30.0
#define PT_MAX_DURATION_S 1e9	/* 31 years; ns still fit a u64 */

/*
 * Parse argv into o.  The command is the first word that is not an option
 * or an option's value, so options go before or after it (perftop -v
 * doctor, perftop doctor -v).  Returns 0 to go on, or a value >= 0 the
 * caller should exit with after a usage error or after --help/--version
 * was printed (then *done is set).  Errors are already reported.
 */
int pt_opts_parse(int argc, char **argv, struct pt_opts *o, bool *done);

/* Exit status for a usage error of this command (3 for scan/report). */
int pt_usage_status(enum pt_cmd cmd);

const char *pt_cmd_name(enum pt_cmd cmd);

/* The command table is sound: every command has a name, an entry point,
 * help text, and names only options that exist.  NULL, or what is wrong
 * (in buf).  Unit-tested. */
const char *pt_commands_check(char *buf, size_t len);

#endif /* PT_OPTS_H */
