// SPDX-License-Identifier: GPL-2.0
/* Command-line parsing and help, for every command. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "opts.h"
#include "util.h"
#include "version.h"

static const char usage_text[] =
"Usage: perftop [COMMAND] [OPTIONS]\n"
"\n"
"perftop shows where a Linux machine waits: run-queue latency, page faults,\n"
"block I/O and TCP, traced in the kernel with eBPF, per thread, process,\n"
"cgroup, device and connection.\n"
"\n"
"Commands:\n"
"  top                  interactive top-style view (the default command)\n"
"  top -b [-n COUNT]    batch mode: plain-text screens on stdout, like top -b\n"
"  record [-o FILE]     JSON trace (NDJSON), one snapshot per interval; FILE\n"
"                       ending in .gz is gzip; no -o, or -o -, writes stdout\n"
"  scan                 bottleneck scan for cron: measure, report, exit\n"
"                       0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
"  replay FILE          the interactive view over a recorded trace\n"
"  report FILE          bottleneck findings over a recorded trace\n"
"  doctor               per probe family: the attach point this kernel and\n"
"                       these privileges allow, or why none works\n"
"\n"
"Options:\n"
"  -d, --duration SEC   stop after SEC seconds (scan default: 30)\n"
"  -i, --interval SEC   snapshot interval, fractions allowed (default 1,\n"
"                       minimum 0.1)\n"
"  -p, --pid PID[,PID]  only these processes (tgid), at most 64\n"
"  -c, --cgroup PATH    only tasks in this cgroup v2 or below it (path under\n"
"                       the cgroup2 mount, or absolute)\n"
"      --probes LIST    any of sched,fault,block,tcp (default: all four)\n"
"      --config FILE    thresholds and defaults (JSON), see README\n"
"  -o, --output FILE    record: where to write the trace\n"
"  -f, --force          record: overwrite FILE if it exists\n"
"  -b, --batch          top: plain text to stdout instead of the screen\n"
"  -n, --count COUNT    top -b: stop after COUNT screens\n"
"      --json           scan, report: one JSON report line on stdout\n"
"      --prom FILE      scan: also write a Prometheus textfile\n"
"      --baseline FILE  report: compare with a known-good recording\n"
"  -v, --verbose        print libbpf diagnostics while loading\n"
"  -h, --help           this help; perftop COMMAND --help for one command\n"
"  -V, --version        print the version\n"
"\n"
"Probe families (all need root, or CAP_BPF + CAP_PERFMON, and a kernel\n"
"with BTF at /sys/kernel/btf/vmlinux, 5.11 or newer):\n"
"  sched  run-queue wait per thread and CPU (wakeup or preemption until\n"
"         switched in; the kernel's schedstat run_delay), count, max,\n"
"         p50/p99, on-CPU time.  sched_switch tracepoint (tp_btf, else\n"
"         raw_tp) reading the kernel's sched_info timestamps.\n"
"  fault  minor and major page faults per thread and process.\n"
"  block  per device: I/Os, bytes, latency p50/p99/max, queue vs device\n"
"         time, in flight; per issuing task: bytes and I/Os.\n"
"  tcp    per connection: owner, 4-tuple, bytes, retransmits, srtt,\n"
"         connect/accept/close/reset.\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 bad usage; scan and report:\n"
"0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"See README.md and docs/ for fields, thresholds and examples.\n";

static const char *const cmd_names[] = {
	[PT_CMD_TOP] = "top",
	[PT_CMD_RECORD] = "record",
	[PT_CMD_SCAN] = "scan",
	[PT_CMD_REPLAY] = "replay",
	[PT_CMD_REPORT] = "report",
	[PT_CMD_DOCTOR] = "doctor",
	[PT_CMD_HELP] = "help",
	[PT_CMD_VERSION] = "version",
};

const char *pt_cmd_name(enum pt_cmd cmd)
{
	return cmd_names[cmd];
}

int pt_usage_status(enum pt_cmd cmd)
{
	return cmd == PT_CMD_SCAN || cmd == PT_CMD_REPORT ? PT_EXIT_UNKNOWN :
							    PT_EXIT_USAGE;
}

enum {
	OPT_PROBES = 256,
	OPT_CONFIG,
	OPT_JSON,
	OPT_PROM,
	OPT_BASELINE,
};

static const struct option long_opts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'c' },
	{ "probes", required_argument, NULL, OPT_PROBES },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, 'f' },
	{ "batch", no_argument, NULL, 'b' },
	{ "count", required_argument, NULL, 'n' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

/* Which options each command takes; the rest are usage errors. */
static const char *const cmd_opts[] = {
	[PT_CMD_TOP] = "dipc" "P" "C" "bnv",
	[PT_CMD_RECORD] = "dipc" "P" "C" "ofv",
	[PT_CMD_SCAN] = "dipc" "P" "C" "JMv",
	[PT_CMD_REPLAY] = "",
	[PT_CMD_REPORT] = "C" "JB",
	[PT_CMD_DOCTOR] = "P" "v",
};

static char opt_letter(int opt)
{
	switch (opt) {
	case OPT_PROBES: return 'P';
	case OPT_CONFIG: return 'C';
	case OPT_JSON: return 'J';
	case OPT_PROM: return 'M';
	case OPT_BASELINE: return 'B';
	default: return (char)opt;
	}
}

static const char *opt_display(int opt)
{
	const struct option *lo;

	for (lo = long_opts; lo->name; lo++)
		if (lo->val == opt)
			return lo->name;
	return "?";
}

static int parse_seconds(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v <= 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_pids(const char *arg, struct pt_opts *o)
{
	const char *p = arg;

	while (*p) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || end == p || v == 0 || v > 0x7fffffff ||
		    (*end && *end != ','))
			return -EINVAL;
		if (o->nr_pids >= PT_MAX_PID_FILTER)
			return -E2BIG;
		o->pids[o->nr_pids++] = (uint32_t)v;
		p = *end ? end + 1 : end;
	}
	return o->nr_pids ? 0 : -EINVAL;
}

static int parse_cmd(const char *word, enum pt_cmd *cmd)
{
	size_t i;

	for (i = 0; i <= PT_CMD_DOCTOR; i++)
		if (!strcmp(word, cmd_names[i])) {
			*cmd = (enum pt_cmd)i;
			return 0;
		}
	return -EINVAL;
}

/* One option; 0 or a usage status. */
static int apply_opt(int opt, const char *arg, struct pt_opts *o)
{
	const char *bad;
	size_t bad_len;
	char *end;
	int st = pt_usage_status(o->cmd), err;

	switch (opt) {
	case 'd':
		/* capped so that SEC in nanoseconds fits a u64 */
		if (parse_seconds(arg, &o->duration_s) ||
		    o->duration_s > PT_MAX_DURATION_S) {
			pt_err("bad --duration '%s': give seconds > 0 (at most %.0f), e.g. -d 30",
			       arg, PT_MAX_DURATION_S);
			return st;
		}
		o->duration_set = true;
		break;
	case 'i': {
		double s;

		if (parse_seconds(arg, &s) || s < 0.1 || s > 3600) {
			pt_err("bad --interval '%s': give seconds from 0.1 to 3600, e.g. -i 0.5", arg);
			return st;
		}
		o->interval_ns = (uint64_t)llround(s * 1e9);
		o->interval_set = true;
		break;
	}
	case 'p':
		err = parse_pids(arg, o);
		if (err == -E2BIG) {
			pt_err("too many --pid values: at most %d processes", PT_MAX_PID_FILTER);
			return st;
		}
		if (err) {
			pt_err("bad --pid '%s': give process ids separated by commas, e.g. -p 1234,5678", arg);
			return st;
		}
		break;
	case 'c':
		o->cgroup = arg;
		break;
	case OPT_PROBES:
		if (pt_parse_families(arg, &o->probes, &bad, &bad_len)) {
			pt_err("unknown probe family '%.*s' in --probes: choose from sched,fault,block,tcp",
			       (int)bad_len, bad);
			return st;
		}
		break;
	case OPT_CONFIG:
		o->config = arg;
		break;
	case 'o':
		o->output = arg;
		break;
	case 'f':
		o->force = true;
		break;
	case 'b':
		o->batch = true;
		break;
	case 'n':
		errno = 0;
		o->count = strtol(arg, &end, 10);
		if (errno || end == arg || *end || o->count <= 0) {
			pt_err("bad --count '%s': give a number of screens > 0", arg);
			return st;
		}
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_PROM:
		o->prom = arg;
		break;
	case OPT_BASELINE:
		o->baseline = arg;
		break;
	case 'v':
		o->verbose = true;
		break;
	}
	return 0;
}

static void defaults(struct pt_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cmd = PT_CMD_TOP;
	o->interval_ns = PT_DEFAULT_INTERVAL_NS;
	o->probes = PT_ALL_FAMILIES;
}

/* Positional arguments and cross-option rules. */
static int check_args(int argc, char **argv, struct pt_opts *o)
{
	int st = pt_usage_status(o->cmd);
	bool wants_file = o->cmd == PT_CMD_REPLAY || o->cmd == PT_CMD_REPORT;

	if (wants_file) {
		if (optind >= argc) {
			pt_err("%s needs a trace FILE: perftop %s FILE (.json or .json.gz)",
			       cmd_names[o->cmd], cmd_names[o->cmd]);
			return st;
		}
		o->file = argv[optind++];
	}
	if (optind < argc) {
		pt_err("unexpected argument '%s': see perftop %s --help",
		       argv[optind], cmd_names[o->cmd]);
		return st;
	}
	if (o->cmd == PT_CMD_TOP && o->count && !o->batch) {
		pt_err("--count needs batch mode: perftop top -b -n COUNT");
		return st;
	}
	if (o->cmd == PT_CMD_SCAN && !o->duration_set)
		o->duration_s = PT_SCAN_DEFAULT_DURATION;
	if (o->duration_set && o->duration_s * 1e9 < (double)o->interval_ns) {
		pt_err("--duration %.3g s is shorter than the interval %.3g s: make it at least one interval",
		       o->duration_s, (double)o->interval_ns / 1e9);
		return st;
	}
	return 0;
}

int pt_opts_parse(int argc, char **argv, struct pt_opts *o, bool *done)
{
	int opt, st;

	defaults(o);
	*done = false;
	if (argc > 1 && argv[1][0] != '-') {
		if (parse_cmd(argv[1], &o->cmd)) {
			pt_err("unknown command '%s': choose top, record, scan, replay, report or doctor (perftop --help)",
			       argv[1]);
			*done = true;
			return PT_EXIT_USAGE;
		}
		argv++;
		argc--;
	}
	optind = 0;	/* full reset: a previous parse may have stopped mid-cluster */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":d:i:p:c:o:fbn:vhV", long_opts,
				  NULL)) != -1) {
		st = pt_usage_status(o->cmd);
		if (opt == 'h') {
			fputs(usage_text, stdout);
			*done = true;
			return PT_EXIT_OK;
		}
		if (opt == 'V') {
			printf("perftop %s\n", PT_VERSION);
			*done = true;
			return PT_EXIT_OK;
		}
		if (opt == '?' || opt == ':') {
			const char *what = argv[optind - 1];
			char letter[3] = { '-', (char)optopt, '\0' };

			/* In a cluster (-zf) optind may not have moved past
			 * the word yet: name the letter itself. */
			if (strncmp(what, "--", 2) && optopt > 0 && optopt < 256)
				what = letter;
			if (opt == ':')
				pt_err("option %s needs a value: see perftop --help", what);
			else
				pt_err("unknown option '%s': see perftop %s --help",
				       what, cmd_names[o->cmd]);
			*done = true;
			return st;
		}
		if (!strchr(cmd_opts[o->cmd], opt_letter(opt))) {
			pt_err("option --%s does not apply to '%s': see perftop --help",
			       opt_display(opt), cmd_names[o->cmd]);
			*done = true;
			return st;
		}
		st = apply_opt(opt, optarg, o);
		if (st) {
			*done = true;
			return st;
		}
	}
	st = check_args(argc, argv, o);
	if (st)
		*done = true;
	return st;
}
