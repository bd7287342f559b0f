// SPDX-License-Identifier: GPL-2.0
/*
 * The command line: the option table, the parser, and `perftop --help`.
 * Commands are in the command table (cmdlist.h, commands.h): each
 * command's file owns its help text and says which options it takes.
 * Adding an option is one line in options[] (plus its member in struct
 * pt_opts, and a parser when it is more than a flag or a string), and its
 * name in the .options of each command that takes it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "listen.h"
#include "model.h"
#include "opts.h"
#include "trace_rotate.h"
#include "units.h"
#include "util.h"
#include "version.h"

const struct pt_command *const pt_commands[PT_NR_CMDS] = {
#define PT_COMMAND_ENTRY(ID, name) [PT_CMD_##ID] = &pt_command_##name,
	PT_COMMANDS(PT_COMMAND_ENTRY)
#undef PT_COMMAND_ENTRY
};

static const char usage_head[] =
"Usage: perftop [COMMAND] [OPTIONS]\n"
"\n"
"perftop shows where a Linux machine waits: run-queue latency, page faults,\n"
"block I/O and TCP, traced in the kernel with eBPF, per thread, process,\n"
"cgroup, device and connection.\n"
"\n";

static const char usage_tail[] =
"Probe families (all need root, or CAP_BPF + CAP_PERFMON, and a kernel\n"
"with BTF at /sys/kernel/btf/vmlinux, 5.11 or newer):\n"
"  sched  run-queue wait per thread and CPU (wakeup or preemption until\n"
"         switched in; the kernel's schedstat run_delay), count, max,\n"
"         p50/p99, on-CPU time; each thread's time by cause (on-CPU,\n"
"         runnable, throttled, I/O, memory, lock, sleep).  sched_switch\n"
"         (tp_btf, else raw_tp) reading the kernel's sched_info\n"
"         timestamps; sched_waking tells a futex wait ended by a thread\n"
"         that waited on the same futex (a lock) from one ended by a\n"
"         producer (a queue: sleep).\n"
"  fault  minor and major page faults per thread and process.\n"
"  block  per device: I/Os, bytes, latency p50/p99/max, queue vs device\n"
"         time, in flight; per issuing task: bytes and I/Os.\n"
"  tcp    per connection: owner, 4-tuple, bytes, retransmits, srtt,\n"
"         connect/accept/close/reset, stalled in retransmission timeouts.\n"
"  oom    every OOM kill, system-wide: victim pid, comm, cgroup, RSS\n"
"         (oom:mark_victim).\n"
"Every snapshot also reads the limits of the cgroups in view: CPU quota\n"
"and throttling, memory limit, usage, OOM kills, refaults, I/O limits,\n"
"PSI on cgroup2 (docs/cgroups.md).\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 bad usage; scan and report:\n"
"0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"See README.md and docs/ for fields, thresholds and examples.\n";

/* ------------------------------------------------------------ options */

struct pt_option;
typedef int (*opt_parser)(const struct pt_option *opt, const char *arg,
			  struct pt_opts *o);

enum opt_kind {
	OPT_FLAG,		/* sets the bool at .member */
	OPT_STRING,		/* keeps the argument in the char * at .member */
	OPT_PARSE,		/* .parse checks and stores the argument */
	OPT_HELP,
	OPT_VERSION,
};

struct pt_option {
	const char *name;	/* --name */
	char letter;		/* -x; 0: long only */
	const char *arg;	/* its argument in the help ("SEC"); NULL: none */
	enum opt_kind kind;
	size_t member;		/* OPT_FLAG, OPT_STRING: offsetof(struct pt_opts) */
	opt_parser parse;	/* OPT_PARSE */
	/* The help line(s); NULL: described with the option before it.
	 * .label replaces "-x, --name ARG" in the help when set. */
	const char *help, *label;
};

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

static int parse_duration(const struct pt_option *opt, const char *arg,
			  struct pt_opts *o)
{
	(void)opt;
	/* capped so that SEC in nanoseconds fits a u64 */
	if (parse_seconds(arg, &o->duration_s) ||
	    o->duration_s > PT_MAX_DURATION_S) {
		pt_err("bad --duration '%s': give seconds > 0 (at most %.0f), e.g. -d 30",
		       arg, PT_MAX_DURATION_S);
		return -EINVAL;
	}
	o->duration_set = true;
	return 0;
}

static int parse_interval(const struct pt_option *opt, const char *arg,
			  struct pt_opts *o)
{
	double s;

	(void)opt;
	if (parse_seconds(arg, &s) || s < 0.1 || s > 3600) {
		pt_err("bad --interval '%s': give seconds from 0.1 to 3600, e.g. -i 0.5", arg);
		return -EINVAL;
	}
	o->interval_ns = (uint64_t)llround(s * 1e9);
	o->interval_set = true;
	return 0;
}

static int parse_pid(const struct pt_option *opt, const char *arg,
		     struct pt_opts *o)
{
	int err = parse_pids(arg, o);

	(void)opt;
	if (err == -E2BIG) {
		pt_err("too many --pid values: at most %d processes", PT_MAX_PID_FILTER);
		return -EINVAL;
	}
	if (err) {
		pt_err("bad --pid '%s': give process ids separated by commas, e.g. -p 1234,5678", arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_probes(const struct pt_option *opt, const char *arg,
			struct pt_opts *o)
{
	const char *bad;
	size_t bad_len;

	(void)opt;
	if (pt_parse_families(arg, &o->probes, &bad, &bad_len)) {
		pt_err("unknown probe family '%.*s' in --probes: choose from sched,fault,block,tcp,oom",
		       (int)bad_len, bad);
		return -EINVAL;
	}
	return 0;
}

static int parse_tcp_owner(const struct pt_option *opt, const char *arg,
			   struct pt_opts *o)
{
	(void)opt;
	if (!strcmp(arg, "process") || !strcmp(arg, "thread")) {
		o->tcp_owner_thread = arg[0] == 't';
		return 0;
	}
	pt_err("bad --tcp-owner '%s': choose thread or process", arg);
	return -EINVAL;
}

static int parse_count(const struct pt_option *opt, const char *arg,
		       struct pt_opts *o)
{
	char *end;

	(void)opt;
	errno = 0;
	o->count = strtol(arg, &end, 10);
	if (errno || end == arg || *end || o->count <= 0) {
		pt_err("bad --count '%s': give a number of screens > 0", arg);
		return -EINVAL;
	}
	return 0;
}

/* --from, --to, --baseline-from, --baseline-to: into the uint64_t at
 * .member. */
static int parse_when(const struct pt_option *opt, const char *arg,
		      struct pt_opts *o)
{
	uint64_t *dst = (uint64_t *)((char *)o + opt->member);

	if (pt_parse_when(arg, pt_now_real_ns(), dst)) {
		pt_err("bad --%s '%s': give a time such as 2026-11-23T03:10:00Z, 2026-11-23 03:10 (local), 03:10, -15m, now or @UNIXSECONDS",
		       opt->name, arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_listen(const struct pt_option *opt, const char *arg,
			struct pt_opts *o)
{
	struct pt_listen l;
	char why[160];

	(void)opt;
	if (pt_listen_parse(arg, 0600, &l, why, sizeof(why))) {
		pt_err("bad --listen '%s': %s", arg, why);
		return -EINVAL;
	}
	o->listen = arg;
	return 0;
}

static int parse_socket_mode(const struct pt_option *opt, const char *arg,
			     struct pt_opts *o)
{
	unsigned long v;
	char *end;

	(void)opt;
	errno = 0;
	v = strtoul(arg, &end, 8);
	if (errno || end == arg || *end || v > 0777 || (v & 0600) != 0600) {
		pt_err("bad --socket-mode '%s': give octal permissions that let the owner read and write, e.g. 0660",
		       arg);
		return -EINVAL;
	}
	o->socket_mode = (unsigned int)v;
	return 0;
}

/* --keep, --rotate: a duration of at least a second, into .member */
static int parse_age(const struct pt_option *opt, const char *arg,
		     struct pt_opts *o)
{
	uint64_t *dst = (uint64_t *)((char *)o + opt->member);

	if (pt_parse_duration(arg, dst) || *dst < 1000000000ull) {
		pt_err("bad --%s '%s': give a duration of at least 1s, e.g. 90s, 15m, 24h, 7d",
		       opt->name, arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_max_size(const struct pt_option *opt, const char *arg,
			  struct pt_opts *o)
{
	(void)opt;
	if (pt_parse_size(arg, &o->max_size) || o->max_size < PT_ROTATE_MIN_BYTES) {
		pt_err("bad --max-size '%s': give a size of at least 1M, e.g. 512M or 1G", arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_top(const struct pt_option *opt, const char *arg,
		     struct pt_opts *o)
{
	unsigned long v;
	char *end;

	(void)opt;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > 1000) {
		pt_err("bad --top '%s': give a number of label values from 1 to 1000", arg);
		return -EINVAL;
	}
	o->top_n = (unsigned int)v;
	return 0;
}

#define MEMBER(m) .member = offsetof(struct pt_opts, m)

/* In the order --help lists them. */
static const struct pt_option options[] = {
	{ .name = "duration", .letter = 'd', .arg = "SEC", .kind = OPT_PARSE,
	  .parse = parse_duration,
	  .help = "stop after SEC seconds (scan default: 30)" },
	{ .name = "interval", .letter = 'i', .arg = "SEC", .kind = OPT_PARSE,
	  .parse = parse_interval,
	  .help = "snapshot interval, fractions allowed (default 1,\n"
		  "minimum 0.1)" },
	{ .name = "pid", .letter = 'p', .arg = "PID[,PID]", .kind = OPT_PARSE,
	  .parse = parse_pid,
	  .help = "only these processes (tgid), at most 64" },
	{ .name = "cgroup", .letter = 'c', .arg = "PATH", .kind = OPT_STRING,
	  MEMBER(cgroup),
	  .help = "only tasks in this cgroup or below it (path under the\n"
		  "cgroup2 mount, or the v1 cpu one on hybrid hosts;\n"
		  "or absolute)" },
	{ .name = "probes", .arg = "LIST", .kind = OPT_PARSE,
	  .parse = parse_probes,
	  .help = "any of sched,fault,block,tcp,oom (default: all)" },
	{ .name = "tcp-owner", .arg = "WHO", .kind = OPT_PARSE,
	  .parse = parse_tcp_owner, .label = "--tcp-owner process|thread",
	  .help = "a TCP connection's owner: process (default) names\n"
		  "it at connect, accept (the listener's, then the\n"
		  "process holding it), close, and from open files;\n"
		  "thread: the last thread to send or receive, with a\n"
		  "program per segment and per call (nginx + wrk: 6.2%\n"
		  "of a CPU against 0.09%, docs/tcp.md)" },
	{ .name = "config", .arg = "FILE", .kind = OPT_STRING, MEMBER(config),
	  .help = "thresholds and defaults (JSON), see README" },
	{ .name = "output", .letter = 'o', .arg = "FILE", .kind = OPT_STRING,
	  MEMBER(output), .help = "record: where to write the trace" },
	{ .name = "force", .letter = 'f', .kind = OPT_FLAG, MEMBER(force),
	  .help = "record, report --html: replace FILE if it exists" },
	{ .name = "batch", .letter = 'b', .kind = OPT_FLAG, MEMBER(batch),
	  .help = "top: plain text to stdout instead of the screen" },
	{ .name = "count", .letter = 'n', .arg = "COUNT", .kind = OPT_PARSE,
	  .parse = parse_count, .help = "top -b: stop after COUNT screens" },
	{ .name = "json", .kind = OPT_FLAG, MEMBER(json),
	  .help = "scan, report: one JSON report line on stdout" },
	{ .name = "prom", .arg = "FILE", .kind = OPT_STRING, MEMBER(prom),
	  .help = "scan: also write a Prometheus textfile" },
	{ .name = "baseline", .arg = "FILE", .kind = OPT_STRING,
	  MEMBER(baseline),
	  .help = "report: compare with a known-good recording (file\n"
		  "or directory)" },
	{ .name = "from", .arg = "TIME", .kind = OPT_PARSE, .parse = parse_when,
	  MEMBER(from_ns), .label = "--from TIME, --to TIME",
	  .help = "replay, report: only the intervals in this span;\n"
		  "TIME is 2026-11-23T03:10:00Z, 2026-11-23 03:10\n"
		  "(local), 03:10 (latest past one), -15m, now, @UNIX" },
	{ .name = "to", .arg = "TIME", .kind = OPT_PARSE, .parse = parse_when,
	  MEMBER(to_ns) },
	{ .name = "baseline-from", .arg = "TIME", .kind = OPT_PARSE,
	  .parse = parse_when, MEMBER(base_from_ns),
	  .label = "--baseline-from TIME, --baseline-to TIME",
	  .help = "report: the same for the --baseline recording" },
	{ .name = "baseline-to", .arg = "TIME", .kind = OPT_PARSE,
	  .parse = parse_when, MEMBER(base_to_ns) },
	{ .name = "html", .arg = "FILE", .kind = OPT_STRING, MEMBER(html),
	  .help = "report: also write the report as one self-contained\n"
		  "HTML page (-: the page on stdout, instead of the text)" },
	{ .name = "listen", .arg = "ADDR:PORT", .kind = OPT_PARSE,
	  .parse = parse_listen, .label = "--listen ADDR:PORT|unix:PATH",
	  .help = "serve: where /metrics is (default " PT_DEFAULT_LISTEN ");\n"
		  "port 0: any free port" },
	{ .name = "socket-mode", .arg = "MODE", .kind = OPT_PARSE,
	  .parse = parse_socket_mode,
	  .help = "serve: the unix socket's mode (default 0600)" },
	{ .name = "record-dir", .arg = "DIR", .kind = OPT_STRING,
	  MEMBER(record_dir),
	  .help = "serve: flight recorder: hourly gzip traces in DIR" },
	{ .name = "keep", .arg = "AGE", .kind = OPT_PARSE, .parse = parse_age,
	  MEMBER(keep_ns),
	  .help = "serve: delete recordings older than AGE (default 24h)" },
	{ .name = "max-size", .arg = "SIZE", .kind = OPT_PARSE,
	  .parse = parse_max_size,
	  .help = "serve: keep the recordings within SIZE (default 1G)" },
	{ .name = "rotate", .arg = "AGE", .kind = OPT_PARSE, .parse = parse_age,
	  MEMBER(rotate_ns),
	  .help = "serve: a new file every AGE (default 1h)" },
	{ .name = "top", .arg = "N", .kind = OPT_PARSE, .parse = parse_top,
	  .help = "serve: cgroups/commands with series of their own,\n"
		  "per kind; the rest add up as \"other\" (default 10)" },
	{ .name = "no-bpf-stats", .kind = OPT_FLAG, MEMBER(no_bpf_stats),
	  .help = "serve: leave the kernel's BPF run-time stats off" },
	{ .name = "print-alert-rules", .kind = OPT_FLAG,
	  MEMBER(print_alert_rules),
	  .help = "serve: print the Prometheus alerting rules, exit" },
	{ .name = "verbose", .letter = 'v', .kind = OPT_FLAG, MEMBER(verbose),
	  .help = "print libbpf diagnostics while loading, then\n"
		  "\"perftop: attached FAMILIES, measuring\" once the\n"
		  "first interval starts" },
	{ .name = "help", .letter = 'h', .kind = OPT_HELP,
	  .help = "this help; perftop COMMAND --help for one command" },
	{ .name = "version", .letter = 'V', .kind = OPT_VERSION,
	  .help = "print the version" },
};

#define NR_OPTIONS (sizeof(options) / sizeof(options[0]))
/* getopt's value for option i: its letter, or this + i when long only */
#define LONG_ONLY 256

/* ---------------------------------------------------------- commands */

const char *pt_cmd_name(enum pt_cmd cmd)
{
	return cmd < PT_NR_CMDS ? pt_commands[cmd]->name : "?";
}

int pt_usage_status(enum pt_cmd cmd)
{
	return cmd < PT_NR_CMDS && pt_commands[cmd]->monitoring ?
	       PT_EXIT_UNKNOWN : PT_EXIT_USAGE;
}

static int find_command(const char *word)
{
	int i;

	for (i = 0; i < PT_NR_CMDS; i++)
		if (!strcmp(word, pt_commands[i]->name))
			return i;
	return -1;
}

/* Does the command take the option?  Names in .options are separated by
 * spaces; -h and -V go with every command. */
static bool takes(const struct pt_command *c, const struct pt_option *opt)
{
	size_t len = strlen(opt->name);
	const char *p = c->options;

	if (opt->kind == OPT_HELP || opt->kind == OPT_VERSION)
		return true;
	while (p && (p = strstr(p, opt->name))) {
		if ((p == c->options || p[-1] == ' ') &&
		    (p[len] == ' ' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

const char *pt_commands_check(char *buf, size_t len)
{
	int i;

	for (i = 0; i < PT_NR_CMDS; i++) {
		const struct pt_command *c = pt_commands[i];
		const char *p = c ? c->options : NULL;

		if (!c || !c->name || !c->run || !c->overview || !c->usage) {
			snprintf(buf, len, "command %d: name, run, overview and usage are required", i);
			return buf;
		}
		while (p && *p) {
			size_t n = strcspn(p, " "), k;
			bool found = false;

			for (k = 0; k < NR_OPTIONS; k++)
				found |= strlen(options[k].name) == n &&
					 !strncmp(options[k].name, p, n);
			if (!found) {
				snprintf(buf, len, "%s: no option --%.*s", c->name,
					 (int)n, p);
				return buf;
			}
			p += n + (p[n] == ' ');
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- help */

static void print_option(FILE *f, const struct pt_option *opt)
{
	char label[64];
	const char *h = opt->help, *nl;
	int width = 22;

	if (opt->label)
		snprintf(label, sizeof(label), "      %s", opt->label);
	else if (opt->letter)
		snprintf(label, sizeof(label), "  -%c, --%s%s%s", opt->letter,
			 opt->name, opt->arg ? " " : "", opt->arg ? opt->arg : "");
	else
		snprintf(label, sizeof(label), "      --%s%s%s", opt->name,
			 opt->arg ? " " : "", opt->arg ? opt->arg : "");
	if ((int)strlen(label) > width) {	/* help starts on the next line */
		fprintf(f, "%s\n", label);
		label[0] = '\0';
	}
	for (; h; h = nl ? nl + 1 : NULL) {
		nl = strchr(h, '\n');
		fprintf(f, "%-*s %.*s\n", width, label,
			nl ? (int)(nl - h) : (int)strlen(h), h);
		label[0] = '\0';
	}
}

/* perftop --help: every command and every option. */
static void usage_all(FILE *f)
{
	size_t i;

	fputs(usage_head, f);
	fputs("Commands:\n", f);
	for (i = 0; i < PT_NR_CMDS; i++)
		fputs(pt_commands[i]->overview, f);
	fputs("\nOptions:\n", f);
	for (i = 0; i < NR_OPTIONS; i++)
		if (options[i].help)
			print_option(f, &options[i]);
	fputs("\n", f);
	fputs(usage_tail, f);
}

/* perftop COMMAND --help: its own text and its options. */
static void usage_command(FILE *f, const struct pt_command *c)
{
	size_t i;

	fputs(c->usage, f);
	fputs("\nOptions:\n", f);
	for (i = 0; i < NR_OPTIONS; i++) {
		const struct pt_option *opt = &options[i];

		/* a pair shown as one entry: shown if it takes the first */
		if (opt->help && takes(c, opt))
			print_option(f, opt);
	}
	if (c->needs_privileges)
		fputs("\nNeeds root, or the capabilities CAP_BPF and CAP_PERFMON.\n", f);
	fprintf(f, "\nExit status: %s\nperftop --help lists every command; README.md has examples.\n",
		c->monitoring ? "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for bad usage)." :
				"0 success, 1 runtime failure, 2 bad usage.");
}

/* ------------------------------------------------------------- parsing */

static void defaults(struct pt_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cmd = PT_CMD_TOP;
	o->interval_ns = PT_DEFAULT_INTERVAL_NS;
	o->probes = PT_ALL_FAMILIES;
	o->to_ns = o->base_to_ns = UINT64_MAX;
	o->socket_mode = 0600;
	o->top_n = 10;
}

/* getopt's tables, from options[]. */
static void getopt_tables(struct option *lo, char *shorts)
{
	size_t i, n = 0;

	shorts[n++] = ':';
	for (i = 0; i < NR_OPTIONS; i++) {
		const struct pt_option *opt = &options[i];

		lo[i] = (struct option){
			.name = opt->name,
			.has_arg = opt->arg ? required_argument : no_argument,
			.val = opt->letter ? opt->letter : LONG_ONLY + (int)i,
		};
		if (opt->letter) {
			shorts[n++] = opt->letter;
			if (opt->arg)
				shorts[n++] = ':';
		}
	}
	lo[NR_OPTIONS] = (struct option){ 0 };
	shorts[n] = '\0';
}

static const struct pt_option *option_of(int val)
{
	size_t i;

	if (val >= LONG_ONLY && val < LONG_ONLY + (int)NR_OPTIONS)
		return &options[val - LONG_ONLY];
	for (i = 0; i < NR_OPTIONS; i++)
		if (options[i].letter && options[i].letter == val)
			return &options[i];
	return NULL;
}

/* Does word (an argv word that starts with '-') take the next word as its
 * value?  "-d" "5", "--config" "x", "-fo" "x"; not "-d5", "--config=x". */
static bool takes_next(const char *word)
{
	size_t i;

	if (word[1] == '-') {
		for (i = 0; i < NR_OPTIONS; i++)
			if (!strcmp(word + 2, options[i].name))
				return options[i].arg != NULL;
		return false;
	}
	for (word++; *word; word++) {
		const struct pt_option *opt = option_of((unsigned char)*word);

		if (opt && opt->arg)
			return word[1] == '\0';
	}
	return false;
}

/*
 * The command word: the first word that is neither an option nor an
 * option's value, before a "--".  Its index, or 0 when there is none
 * (the default command, top).
 */
static int command_word(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (argv[i][0] != '-' || !argv[i][1])
			return i;
		if (takes_next(argv[i]))
			i++;
	}
	return 0;
}

static int apply(const struct pt_option *opt, const char *arg,
		 struct pt_opts *o)
{
	char *base = (char *)o;

	switch (opt->kind) {
	case OPT_FLAG:
		*(bool *)(base + opt->member) = true;
		return 0;
	case OPT_STRING:
		*(const char **)(base + opt->member) = arg;
		return 0;
	case OPT_PARSE:
		return opt->parse(opt, arg, o);
	default:
		return 0;
	}
}

/* Positional arguments and rules between options. */
static int check_args(int argc, char **argv, struct pt_opts *o)
{
	const struct pt_command *c = pt_commands[o->cmd];
	int st = pt_usage_status(o->cmd);

	if (c->operand) {
		if (optind >= argc) {
			pt_err("%s needs %s", c->name, c->operand);
			return st;
		}
		o->file = argv[optind++];
	}
	if (optind < argc) {
		pt_err("unexpected argument '%s': see perftop %s --help",
		       argv[optind], c->name);
		return st;
	}
	if (o->from_ns >= o->to_ns || o->base_from_ns >= o->base_to_ns) {
		pt_err("--%sto must be later than --%sfrom: give the start of the span first",
		       o->from_ns >= o->to_ns ? "" : "baseline-",
		       o->from_ns >= o->to_ns ? "" : "baseline-");
		return st;
	}
	if ((o->base_from_ns || o->base_to_ns != UINT64_MAX) && !o->baseline) {
		pt_err("--baseline-from/--baseline-to need --baseline FILE|DIR");
		return st;
	}
	if (c->check && c->check(o))
		return st;
	if (o->duration_set && o->duration_s * 1e9 < (double)o->interval_ns) {
		pt_err("--duration %.3g s is shorter than the interval %.3g s: make it at least one interval",
		       o->duration_s, (double)o->interval_ns / 1e9);
		return st;
	}
	return 0;
}

/* "top, record, scan, replay, report or doctor" */
static void command_names(char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < PT_NR_CMDS && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      !i ? "" : i + 1 < PT_NR_CMDS ? ", " : " or ",
				      pt_commands[i]->name);
}

int pt_opts_parse(int argc, char **argv, struct pt_opts *o, bool *done)
{
	struct option lo[NR_OPTIONS + 1];
	char shorts[2 * NR_OPTIONS + 2], *words[argc + 1];
	int opt, st, cw, i, n = 0;

	defaults(o);
	*done = false;
	getopt_tables(lo, shorts);
	/* The command may come after options (perftop -v doctor): take it
	 * out, and parse the rest in one go. */
	cw = command_word(argc, argv);
	if (cw) {
		int id = find_command(argv[cw]);

		if (id < 0) {
			char names[128];

			command_names(names, sizeof(names));
			pt_err("unknown command '%s': choose %s (perftop --help)",
			       argv[cw], names);
			*done = true;
			return PT_EXIT_USAGE;
		}
		o->cmd = (enum pt_cmd)id;
	}
	for (i = 0; i < argc; i++)
		if (i != cw || !cw)
			words[n++] = argv[i];
	words[n] = NULL;
	optind = 0;	/* full reset: a previous parse may have stopped mid-cluster */
	opterr = 0;
	while ((opt = getopt_long(n, words, shorts, lo, NULL)) != -1) {
		const struct pt_option *def = option_of(opt);
		const struct pt_command *c = pt_commands[o->cmd];

		st = pt_usage_status(o->cmd);
		if (def && def->kind == OPT_HELP) {
			if (cw)
				usage_command(stdout, c);
			else
				usage_all(stdout);
			*done = true;
			return PT_EXIT_OK;
		}
		if (def && def->kind == OPT_VERSION) {
			printf("perftop %s\n", PT_VERSION);
			*done = true;
			return PT_EXIT_OK;
		}
		if (opt == '?' || opt == ':') {
			const char *what = words[optind - 1];
			char letter[3] = { '-', (char)optopt, '\0' };

			/* In a cluster (-zf) optind may not have moved past
			 * the word yet: name the letter itself. */
			if (strncmp(what, "--", 2) && optopt > 0 && optopt < 256)
				what = letter;
			if (opt == ':')
				pt_err("option %s needs a value: see perftop --help", what);
			else
				pt_err("unknown option '%s': see perftop %s --help",
				       what, c->name);
			*done = true;
			return st;
		}
		if (!def || !takes(c, def)) {
			pt_err("option --%s does not apply to '%s': see perftop --help",
			       def ? def->name : "?", c->name);
			*done = true;
			return st;
		}
		if (apply(def, optarg, o)) {
			*done = true;
			return st;
		}
	}
	st = check_args(n, words, o);
	if (st)
		*done = true;
	return st;
}
