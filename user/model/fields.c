// SPDX-License-Identifier: GPL-2.0
/*
 * The field tables: one per record type of struct pt_snapshot.  Each line
 * is one field and says, with designated initialisers, everything every
 * output needs to know about it (fields.h explains each member; the
 * "Adding a field" section of docs/design.md shows a worked example).
 *
 * Order of lines = order of JSON members (the trace format: append new
 * fields at the end of a table, with .optional = true so older traces
 * still read).  Screen, summary and Prometheus order by their own .pos.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "util.h"

#define NS_PER_MS 1e6
#define NS_PER_S 1e9

/* A stored field of record type T. */
#define U64(T, m) .name = #m, .type = PT_FT_U64, .off = offsetof(T, m)
#define U32(T, m) .name = #m, .type = PT_FT_U32, .off = offsetof(T, m)
#define U16(T, m) .name = #m, .type = PT_FT_U16, .off = offsetof(T, m)
#define INT(T, m) .name = #m, .type = PT_FT_INT, .off = offsetof(T, m)
#define DBL(T, name_, m) .name = name_, .type = PT_FT_DBL, .off = offsetof(T, m)
#define STR(T, name_, m) .name = name_, .type = PT_FT_STR, \
	.off = offsetof(T, m), .len = sizeof(((T *)0)->m), .unit = PT_UNIT_ID, \
	.combine = PT_COMB_KEY
#define KEY .unit = PT_UNIT_ID, .combine = PT_COMB_KEY
#define DERIVED(name_) .name = name_, .type = PT_FT_DERIVED

/* Who a per-task record is: pid (thread), tgid, comm, cgroup. */
#define TASK_ID(T) \
	{ .name = "pid", .type = PT_FT_U32, .off = offsetof(T, id.pid), KEY }, \
	{ .name = "tgid", .type = PT_FT_U32, .off = offsetof(T, id.tgid), KEY }, \
	{ STR(T, "comm", id.comm) }, \
	{ STR(T, "cgroup", id.cgroup) }

#define FIELDS(a) .fields = a, .nr_fields = sizeof(a) / sizeof((a)[0]), \
	.cache = &(struct pt_record_cache){ .nr_derived = 0 }

/* serve's counters (fields.h, struct pt_counterspec) */
#define SECONDS(stem_, help_) \
	.counter = { .stem = stem_, .unit = "seconds", .help = help_, \
		     .div = NS_PER_S }
#define BYTES(stem_, help_) \
	.counter = { .stem = stem_, .unit = "bytes", .help = help_ }
#define COUNT(stem_, help_) .counter = { .stem = stem_, .help = help_ }
/* per-task arrays: by cgroup and by command name */
#define BY_CGROUP_COMMAND \
	.serve_by = { { .field = "cgroup", .label = "cgroup", \
			.prefix = "cgroup_" }, \
		      { .field = "comm", .label = "command", \
			.prefix = "command_" } }

/* ------------------------------------------------------------- sched */

static const struct pt_field sched_task_fields[] = {
	TASK_ID(struct pt_sched_task),
	{ U64(struct pt_sched_task, runq_wait_ns), .unit = PT_UNIT_NS,
	  SECONDS("runq_wait_seconds", "Time its threads waited on a run queue (runnable, not running)."),
	  .rate_col = { .title = "WAIT/s", .pos = 1, .width = 7 },
	  .sum = { .title = "WAIT ms/s", .pos = 1, .width = 10, .prec = 1,
		   .rate = true, .div = NS_PER_MS },
	  .regress = { .metric = "runq_wait_ms_per_s", .unit = "ms/s",
		       .floor = 10, .rate = true, .div = NS_PER_MS } },
	{ U64(struct pt_sched_task, runq_count),
	  COUNT("runq_waits", "Run-queue waits of its threads (each switch-in after a wait)."),
	  .col = { .title = "WAITS", .pos = 2, .width = 6, .drop = 2 },
	  .sum = { .title = "WAITS", .pos = 2, .width = 8, .prec = 0 } },
	{ U64(struct pt_sched_task, runq_max_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_MAX,
	  .col = { .title = "MAX", .pos = 4, .width = 7 } },
	{ U64(struct pt_sched_task, runq_p50_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.50, .weight = "runq_count" },
	{ U64(struct pt_sched_task, runq_p99_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.99, .weight = "runq_count",
	  .col = { .title = "P99", .pos = 3, .width = 7 },
	  .sum = { .title = "P99 ms", .pos = 3, .width = 9, .prec = 2,
		   .div = NS_PER_MS },
	  /* a p99 over a handful of waits is its maximum: not comparable */
	  .regress = { .metric = "runq_p99_ms", .unit = "ms", .floor = 1,
		       .min_weight = 20, .div = NS_PER_MS } },
	{ U64(struct pt_sched_task, oncpu_ns), .unit = PT_UNIT_NS,
	  SECONDS("oncpu_seconds", "CPU time of its threads, as perftop saw it at context switches."),
	  .rate_col = { .title = "CPU%", .pos = 5, .width = 6,
			.fmt = PT_CF_PCT } },
	/* where the rest of the thread's time went (docs/design.md, "Wait
	 * causes"): % of one CPU's time, as CPU%; on a narrow screen they go
	 * before the run-queue columns */
	{ U64(struct pt_sched_task, runnable_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .rate_col = { .title = "RUN%", .pos = 6, .width = 5, .drop = 5,
			.fmt = PT_CF_PCT },
	  .sum = { .title = "RUN ms/s", .pos = 5, .width = 9, .prec = 1,
		   .rate = true, .div = NS_PER_MS } },
	{ U64(struct pt_sched_task, throttled_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .rate_col = { .title = "THR%", .pos = 7, .width = 5, .drop = 6,
			.fmt = PT_CF_PCT },
	  .sum = { .title = "THR ms/s", .pos = 6, .width = 9, .prec = 1,
		   .rate = true, .div = NS_PER_MS } },
	{ U64(struct pt_sched_task, io_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .rate_col = { .title = "IO%", .pos = 8, .width = 5, .drop = 5,
			.fmt = PT_CF_PCT },
	  .sum = { .title = "IO ms/s", .pos = 7, .width = 8, .prec = 1,
		   .rate = true, .div = NS_PER_MS },
	  .regress = { .metric = "io_blocked_ms_per_s", .unit = "ms/s",
		       .floor = 50, .rate = true, .div = NS_PER_MS } },
	{ U64(struct pt_sched_task, mem_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .rate_col = { .title = "MEM%", .pos = 9, .width = 5, .drop = 6,
			.fmt = PT_CF_PCT },
	  .sum = { .title = "MEM ms/s", .pos = 8, .width = 9, .prec = 1,
		   .rate = true, .div = NS_PER_MS } },
	{ U64(struct pt_sched_task, lock_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .rate_col = { .title = "LOCK%", .pos = 10, .width = 5, .drop = 5,
			.fmt = PT_CF_PCT },
	  .sum = { .title = "LOCK ms/s", .pos = 9, .width = 10, .prec = 1,
		   .rate = true, .div = NS_PER_MS },
	  .regress = { .metric = "lock_wait_ms_per_s", .unit = "ms/s",
		       .floor = 50, .rate = true, .div = NS_PER_MS } },
	{ U64(struct pt_sched_task, sleep_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .rate_col = { .title = "SLP%", .pos = 11, .width = 5, .drop = 7,
			.fmt = PT_CF_PCT } },
	{ U64(struct pt_sched_task, io_waits), .optional = true },
	{ U64(struct pt_sched_task, mem_waits), .optional = true },
	{ U64(struct pt_sched_task, lock_waits), .optional = true },
	{ U64(struct pt_sched_task, vol_switches), .optional = true,
	  .rate_col = { .title = "VCSW/s", .pos = 13, .width = 7, .drop = 8 } },
	{ U64(struct pt_sched_task, invol_switches), .optional = true,
	  .rate_col = { .title = "ICSW/s", .pos = 14, .width = 7, .drop = 8 } },
	{ U32(struct pt_sched_task, policy), .optional = true },
	{ INT(struct pt_sched_task, nice), .optional = true },
	{ U64(struct pt_sched_task, steal_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .rate_col = { .title = "STL%", .pos = 12, .width = 5, .drop = 7,
			.fmt = PT_CF_PCT } },
};

static const struct pt_field sched_cpu_fields[] = {
	{ U32(struct pt_sched_cpu, cpu), KEY },
	{ U64(struct pt_sched_cpu, runq_wait_ns), .unit = PT_UNIT_NS },
	{ U64(struct pt_sched_cpu, runq_count) },
	{ U64(struct pt_sched_cpu, runq_max_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_MAX },
	{ U64(struct pt_sched_cpu, runq_p50_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.50, .weight = "runq_count" },
	{ U64(struct pt_sched_cpu, runq_p99_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.99, .weight = "runq_count" },
	{ U64(struct pt_sched_cpu, oncpu_ns), .unit = PT_UNIT_NS },
	{ U64(struct pt_sched_cpu, idle_ns), .unit = PT_UNIT_NS,
	  .optional = true },
};

static const struct pt_field sched_system_fields[] = {
	{ U64(struct pt_sched_system, runq_wait_ns), .unit = PT_UNIT_NS,
	  SECONDS("runq_wait_seconds", "Time threads waited on run queues, all CPUs."),
	  .sum = { .text = ", %.0f ms waited per s", .pos = 3, .rate = true,
		   .div = NS_PER_MS },
	  .prom = { .name = "perftop_runq_wait_seconds_per_second", .pos = 2,
		    .help = "Total time threads waited on run queues, per second of the window.",
		    .rate = true, .div = NS_PER_S } },
	{ U64(struct pt_sched_system, runq_count),
	  COUNT("runq_waits", "Run-queue waits, all CPUs."),
	  .sum = { .text = ", %.0f waits", .pos = 4 } },
	{ U64(struct pt_sched_system, runq_max_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_MAX,
	  .sum = { .text = ", max %.1f ms", .pos = 2, .div = NS_PER_MS } },
	{ U64(struct pt_sched_system, runq_p50_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.50, .weight = "runq_count" },
	{ U64(struct pt_sched_system, runq_p99_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.99, .weight = "runq_count",
	  .sum = { .text = "run-queue p99 %.2f ms",
		   .pos = 1, .div = NS_PER_MS },
	  .prom = { .name = "perftop_runq_p99_seconds", .pos = 1,
		    .help = "System-wide run-queue wait p99 over the window, from the merged histogram (bucket midpoint: within 6.25%).",
		    .div = NS_PER_S } },
	{ U64(struct pt_sched_system, oncpu_ns), .unit = PT_UNIT_NS,
	  SECONDS("oncpu_seconds", "Non-idle CPU time, all CPUs.") },
	/* the threads' wait causes, summed over the threads shown */
	{ U64(struct pt_sched_system, runnable_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .prom = { .name = "perftop_threads_runnable_seconds_per_second",
		    .pos = 3,
		    .help = "Time threads were runnable but waiting for a CPU (not throttled), summed over threads, per second.",
		    .rate = true, .div = NS_PER_S } },
	{ U64(struct pt_sched_system, throttled_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .sum = { .text = ", %.0f ms/s throttled", .pos = 5, .rate = true,
		   .div = NS_PER_MS },
	  .prom = { .name = "perftop_threads_throttled_seconds_per_second",
		    .pos = 4,
		    .help = "Time runnable threads were held by their cgroup's CPU quota, summed over threads, per second.",
		    .rate = true, .div = NS_PER_S } },
	{ U64(struct pt_sched_system, io_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .sum = { .text = ", %.0f ms/s blocked on I/O", .pos = 6,
		   .rate = true, .div = NS_PER_MS },
	  .prom = { .name = "perftop_threads_io_blocked_seconds_per_second",
		    .pos = 5,
		    .help = "Time threads were blocked on I/O, summed over threads, per second.",
		    .rate = true, .div = NS_PER_S } },
	{ U64(struct pt_sched_system, mem_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .sum = { .text = ", %.0f ms/s stalled on memory", .pos = 7,
		   .rate = true, .div = NS_PER_MS },
	  .prom = { .name = "perftop_threads_memory_stalled_seconds_per_second",
		    .pos = 6,
		    .help = "Time threads were blocked in memory reclaim or on refaults, summed over threads, per second.",
		    .rate = true, .div = NS_PER_S } },
	{ U64(struct pt_sched_system, lock_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  .sum = { .text = ", %.0f ms/s on locks", .pos = 8, .rate = true,
		   .div = NS_PER_MS },
	  .prom = { .name = "perftop_threads_lock_wait_seconds_per_second",
		    .pos = 7,
		    .help = "Time threads were blocked on futexes or sleeping kernel locks, summed over threads, per second.",
		    .rate = true, .div = NS_PER_S } },
	/* what each thread's classes add up to (model.h) */
	{ U64(struct pt_sched_system, span_ns), .unit = PT_UNIT_NS,
	  .optional = true },
};

/* Where threads blocked: kernel wait sites (docs/json-format.md). */
static const struct pt_field sched_site_fields[] = {
	TASK_ID(struct pt_sched_site),
	{ STR(struct pt_sched_site, "wait", wait) },
	{ U64(struct pt_sched_site, ns), .unit = PT_UNIT_NS,
	  .rate_col = { .title = "TIME/s", .pos = 1, .width = 7 } },
	{ U64(struct pt_sched_site, waits),
	  .col = { .title = "WAITS", .pos = 2, .width = 6, .drop = 2 } },
	{ STR(struct pt_sched_site, "site", site) },
};

/*
 * Per-task records start with their struct pt_task_id, so one pair of
 * functions keys and names them all: by thread, or by process (threads
 * add up into their tgid).  by_name keys by comm, for baselines.
 */
_Static_assert(offsetof(struct pt_sched_task, id) == 0 &&
	       offsetof(struct pt_fault_task, id) == 0 &&
	       offsetof(struct pt_block_task, id) == 0 &&
	       offsetof(struct pt_tcp_conn, id) == 0,
	       "per-task records start with their pt_task_id");

static void thread_key(const void *rec, bool by_name, char *buf, size_t len)
{
	const struct pt_task_id *id = rec;

	if (by_name)
		snprintf(buf, len, "t/%s", id->comm);
	else
		snprintf(buf, len, "t%u/%s", id->pid, id->comm);
}

static void thread_who(const void *rec, struct pt_culprit *who)
{
	memset(who, 0, sizeof(*who));
	who->kind = PT_CULPRIT_TASK;
	who->task = *(const struct pt_task_id *)rec;
}

static void process_key(const void *rec, bool by_name, char *buf, size_t len)
{
	const struct pt_task_id *id = rec;

	if (by_name)
		snprintf(buf, len, "p/%s", id->comm);
	else
		snprintf(buf, len, "p%u/%s", id->tgid, id->comm);
}

static void process_who(const void *rec, struct pt_culprit *who)
{
	thread_who(rec, who);
	who->task.pid = who->task.tgid;	/* the process, not a thread */
}

const struct pt_record_type pt_rec_sched_tasks = {
	.name = "sched.tasks", .family = PT_SCHED, .json = "tasks",
	.array = true, .off = offsetof(struct pt_snapshot, sched_tasks),
	.size = sizeof(struct pt_sched_task), FIELDS(sched_task_fields),
	.sum_kind = "task", .sum_who = "TASK", .sum_who_width = 16,
	.sum_pid = true, .sum_sort = { { .field = "runq_wait_ns", .mul = 1 } },
	BY_CGROUP_COMMAND,
	/* window p50/p99 per thread (and per comm for --baseline) from the
	 * merged histogram; no .stem: serve keeps no per-label histograms */
	.hist = { .json = "runq_hist", .max = "runq_max_ns", .version = 3,
		  .off = offsetof(struct pt_sched_task, runq_hist),
		  .sparse = true },
	.key = thread_key, .who = thread_who,
};

const struct pt_record_type pt_rec_sched_cpus = {
	.name = "sched.cpus", .family = PT_SCHED, .json = "cpus",
	.array = true, .off = offsetof(struct pt_snapshot, sched_cpus),
	.size = sizeof(struct pt_sched_cpu), FIELDS(sched_cpu_fields),
	.hist = { .json = "runq_hist", .max = "runq_max_ns", .version = 3,
		  .off = offsetof(struct pt_sched_cpu, runq_hist) },
};

/* traces from before wait sites have no "sites": read as none */
const struct pt_record_type pt_rec_sched_sites = {
	.name = "sched.sites", .family = PT_SCHED, .json = "sites",
	.array = true, .optional = true,
	.off = offsetof(struct pt_snapshot, sched_sites),
	.size = sizeof(struct pt_sched_site), FIELDS(sched_site_fields),
};

const struct pt_record_type pt_rec_sched_system = {
	.name = "sched.system", .family = PT_SCHED, .json = "system",
	.off = offsetof(struct pt_snapshot, sched_sys),
	.size = sizeof(struct pt_sched_system), FIELDS(sched_system_fields),
	.sum_label = "cpu:     ",
	.hist = { .json = "runq_hist", .max = "runq_max_ns", .version = 2,
		  .stem = "runq_latency_seconds",
		  .help = "Run-queue waits by length (runnable until switched in), all CPUs.",
		  .off = offsetof(struct pt_sched_system, runq_hist) },
};

/* ------------------------------------------------------------- faults */

static const struct pt_field fault_task_fields[] = {
	TASK_ID(struct pt_fault_task),
	{ U64(struct pt_fault_task, minor),
	  COUNT("minor_page_faults", "Minor page faults of its threads."),
	  .rate_col = { .title = "MIN/s", .pos = 2, .width = 7 },
	  .col = { .title = "MINOR", .pos = 4, .width = 7, .drop = 2 },
	  .sum = { .title = "MINOR/s", .pos = 2, .width = 10, .prec = 0,
		   .rate = true } },
	{ U64(struct pt_fault_task, major),
	  COUNT("major_page_faults", "Major page faults (a disk read each) of its threads."),
	  .rate_col = { .title = "MAJ/s", .pos = 1, .width = 7 },
	  .col = { .title = "MAJOR", .pos = 3, .width = 7, .drop = 2 },
	  .sum = { .title = "MAJOR/s", .pos = 1, .width = 10, .prec = 1,
		   .rate = true },
	  .regress = { .metric = "major_faults_per_s", .unit = "1/s",
		       .floor = 5, .rate = true } },
};

/* The system totals live in the snapshot itself (fault_minor, _major)
 * and are spliced into the "faults" object. */
static const struct pt_field fault_total_fields[] = {
	{ .name = "minor", .off = offsetof(struct pt_snapshot, fault_minor),
	  COUNT("minor_page_faults", "Minor page faults, every task."),
	  .sum = { .text = ", minor %.0f/s", .pos = 2, .rate = true } },
	{ .name = "major", .off = offsetof(struct pt_snapshot, fault_major),
	  COUNT("major_page_faults", "Major page faults (a disk read each), every task."),
	  .sum = { .text = "major faults %.1f/s", .pos = 1, .rate = true },
	  .prom = { .name = "perftop_major_faults_per_second",
		    .help = "Major page faults per second over the window.",
		    .rate = true } },
};

/* Summary rows and culprits are processes. */
const struct pt_record_type pt_rec_fault_tasks = {
	.name = "faults.tasks", .family = PT_FAULT, .json = "tasks",
	.array = true, .off = offsetof(struct pt_snapshot, fault_tasks),
	.size = sizeof(struct pt_fault_task), FIELDS(fault_task_fields),
	.sum_kind = "process", .sum_who = "PROCESS", .sum_who_width = 16,
	.sum_pid = true,
	.sum_sort = { { .field = "major", .mul = 1e6 },
		      { .field = "minor", .mul = 1 } },
	BY_CGROUP_COMMAND,
	.key = process_key, .who = process_who,
};

const struct pt_record_type pt_rec_fault_totals = {
	.name = "faults", .family = PT_FAULT, .json = NULL, .off = 0,
	.size = sizeof(struct pt_snapshot), FIELDS(fault_total_fields),
	.sum_label = "memory:  ",
};

/* ------------------------------------------------------------- block */

static const struct pt_field block_dev_fields[] = {
	{ STR(struct pt_block_dev, "dev", dev) },
	{ U32(struct pt_block_dev, major), KEY },
	{ U32(struct pt_block_dev, minor), KEY },
	{ U64(struct pt_block_dev, read_ios),
	  COUNT("reads", "Read requests completed (as /proc/diskstats counts them)."),
	  .rate_col = { .title = "RIO/s", .pos = 1, .width = 6 } },
	{ U64(struct pt_block_dev, write_ios),
	  COUNT("writes", "Write requests completed (as /proc/diskstats counts them)."),
	  .rate_col = { .title = "WIO/s", .pos = 2, .width = 6 } },
	{ U64(struct pt_block_dev, read_bytes), .unit = PT_UNIT_BYTES,
	  BYTES("read_bytes", "Bytes read."),
	  .rate_col = { .title = "RBYTE/s", .pos = 3, .width = 7 } },
	{ U64(struct pt_block_dev, write_bytes), .unit = PT_UNIT_BYTES,
	  BYTES("written_bytes", "Bytes written."),
	  .rate_col = { .title = "WBYTE/s", .pos = 4, .width = 7 } },
	{ U64(struct pt_block_dev, lat_p50_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.50, .weight = "ios",
	  .col = { .title = "P50", .pos = 5, .width = 7, .drop = 3 } },
	{ U64(struct pt_block_dev, lat_p99_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_PCTL, .q = 0.99, .weight = "ios",
	  .col = { .title = "P99", .pos = 6, .width = 7 },
	  .sum = { .title = "P99 ms", .pos = 3, .width = 9, .prec = 2,
		   .div = NS_PER_MS },
	  .regress = { .metric = "disk_p99_ms", .unit = "ms", .floor = 1,
		       .min_weight = 20, .div = NS_PER_MS },
	  .prom = { .name = "perftop_disk_latency_p99_seconds", .pos = 1,
		    .help = "Block request latency p99 per device over the window, from the merged histogram (bucket midpoint: within 6.25%).",
		    .div = NS_PER_S } },
	{ U64(struct pt_block_dev, lat_max_ns), .unit = PT_UNIT_NS,
	  .combine = PT_COMB_MAX,
	  .col = { .title = "MAX", .pos = 7, .width = 7 },
	  .sum = { .title = "MAX ms", .pos = 4, .width = 9, .prec = 1,
		   .div = NS_PER_MS } },
	{ U64(struct pt_block_dev, queue_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  SECONDS("queue_seconds", "Time completed requests spent queued before the driver had them.") },
	{ U64(struct pt_block_dev, device_ns), .unit = PT_UNIT_NS,
	  .optional = true,
	  SECONDS("device_seconds", "Time completed requests spent in the driver and device.") },
	/* a level at the interval's end: intervals keep the highest */
	{ U64(struct pt_block_dev, inflight), .optional = true,
	  .combine = PT_COMB_MAX,
	  .col = { .title = "INFL", .pos = 10, .width = 5, .drop = 1 } },
	{ DERIVED("ios"), .derive = { PT_OP_ADD, "read_ios", "write_ios" },
	  .sum = { .title = "IOPS", .pos = 1, .width = 10, .prec = 1,
		   .rate = true },
	  .prom = { .name = "perftop_disk_ios_per_second", .pos = 2,
		    .help = "Completed block requests per second per device.",
		    .rate = true } },
	{ DERIVED("bytes"), .unit = PT_UNIT_BYTES,
	  .derive = { PT_OP_ADD, "read_bytes", "write_bytes" },
	  .sum = { .title = "MB/s", .pos = 2, .width = 10, .prec = 2,
		   .rate = true, .div = 1e6 } },
	{ DERIVED("queue_avg_ns"), .unit = PT_UNIT_NS,
	  .derive = { PT_OP_DIV, "queue_ns", "ios" },
	  .col = { .title = "Q-AVG", .pos = 8, .width = 7, .drop = 2 } },
	{ DERIVED("device_avg_ns"), .unit = PT_UNIT_NS,
	  .derive = { PT_OP_DIV, "device_ns", "ios" },
	  .col = { .title = "D-AVG", .pos = 9, .width = 7, .drop = 2 } },
};

static void block_dev_key(const void *rec, bool by_name, char *buf,
			  size_t len)
{
	(void)by_name;
	snprintf(buf, len, "d/%s", ((const struct pt_block_dev *)rec)->dev);
}

static void block_dev_who(const void *rec, struct pt_culprit *who)
{
	memset(who, 0, sizeof(*who));
	who->kind = PT_CULPRIT_DEV;
	pt_strlcpy(who->dev, ((const struct pt_block_dev *)rec)->dev,
		   sizeof(who->dev));
}

static const struct pt_field block_task_fields[] = {
	TASK_ID(struct pt_block_task),
	{ U64(struct pt_block_task, read_bytes), .unit = PT_UNIT_BYTES,
	  BYTES("disk_read_bytes", "Bytes its threads read from block devices."),
	  .rate_col = { .title = "READ/s", .pos = 2, .width = 7 } },
	{ U64(struct pt_block_task, write_bytes), .unit = PT_UNIT_BYTES,
	  BYTES("disk_written_bytes", "Bytes its threads wrote to block devices."),
	  .rate_col = { .title = "WRITE/s", .pos = 3, .width = 7 } },
	{ U64(struct pt_block_task, ios),
	  COUNT("disk_ios", "Block requests its threads issued."),
	  .rate_col = { .title = "IO/s", .pos = 1, .width = 7 } },
};

const struct pt_record_type pt_rec_block_devs = {
	.name = "block.devices", .family = PT_BLOCK, .json = "devices",
	.array = true, .off = offsetof(struct pt_snapshot, block_devs),
	.size = sizeof(struct pt_block_dev), FIELDS(block_dev_fields),
	.sum_label = "disk:    ", .sum_count = "%zu device(s) with I/O",
	.sum_kind = "device", .sum_who = "DEVICE", .sum_who_width = 16,
	.sum_sort = { { .field = "lat_p99_ns", .mul = 1 } },
	.prom_label = "device",
	.serve_by = { { .field = "dev", .label = "device", .prefix = "disk_" } },
	.hist = { .json = "lat_hist", .max = "lat_max_ns", .version = 2,
		  .stem = "latency_seconds",
		  .help = "Block requests by latency, accounting start (queued) to completion, as /proc/diskstats times them.",
		  .off = offsetof(struct pt_block_dev, lat_hist) },
	.key = block_dev_key, .who = block_dev_who,
};

const struct pt_record_type pt_rec_block_tasks = {
	.name = "block.tasks", .family = PT_BLOCK, .json = "tasks",
	.array = true, .off = offsetof(struct pt_snapshot, block_tasks),
	.size = sizeof(struct pt_block_task), FIELDS(block_task_fields),
	.sum_sort = { { .field = "read_bytes", .mul = 1 },
		      { .field = "write_bytes", .mul = 1 } },
	BY_CGROUP_COMMAND,
	.key = thread_key, .who = thread_who,
};

/* --------------------------------------------------------------- tcp */

static const struct pt_field tcp_conn_fields[] = {
	TASK_ID(struct pt_tcp_conn),
	{ INT(struct pt_tcp_conn, family), KEY },
	{ STR(struct pt_tcp_conn, "saddr", saddr) },
	{ U16(struct pt_tcp_conn, sport), KEY },
	{ STR(struct pt_tcp_conn, "daddr", daddr) },
	{ U16(struct pt_tcp_conn, dport), KEY },
	{ U64(struct pt_tcp_conn, tx_bytes), .unit = PT_UNIT_BYTES,
	  BYTES("tcp_sent_bytes", "TCP payload bytes its connections sent (acknowledged)."),
	  .rate_col = { .title = "TX/s", .pos = 1, .width = 6 } },
	{ U64(struct pt_tcp_conn, rx_bytes), .unit = PT_UNIT_BYTES,
	  BYTES("tcp_received_bytes", "TCP payload bytes its connections received."),
	  .rate_col = { .title = "RX/s", .pos = 2, .width = 6 } },
	{ U64(struct pt_tcp_conn, retransmits),
	  COUNT("tcp_retransmits", "TCP segments its connections retransmitted."),
	  .col = { .title = "RETR", .pos = 3, .width = 5, .drop = 2 },
	  .sum = { .title = "RETRANS", .text = ", %.0f retransmits", .pos = 1,
		   .width = 8, .prec = 0 } },
	{ U64(struct pt_tcp_conn, segs_out), .optional = true,
	  COUNT("tcp_segments_sent", "TCP segments its connections sent, retransmissions included."),
	  .sum = { .title = "SEGS", .text = " of %.0f segments sent",
		   .pos = 2, .width = 9, .prec = 0 } },
	{ U32(struct pt_tcp_conn, srtt_us), .unit = PT_UNIT_US,
	  .combine = PT_COMB_MAX,
	  .col = { .title = "SRTT", .pos = 5, .width = 7, .drop = 3 } },
	/* PT_TCP_F_* bit mask: 1 connect, 2 accept, 4 close, 8 reset,
	 * 16 stalled in retransmission timeouts (docs/tcp.md) */
	{ U32(struct pt_tcp_conn, events), .optional = true,
	  .unit = PT_UNIT_FLAGS, .combine = PT_COMB_OR,
	  .col = { .title = "EV", .pos = 6, .width = 5, .drop = 4,
		   .fmt = PT_CF_FLAGS, .letters = "CAXRT" } },
	{ DERIVED("retransmit_pct"), .unit = PT_UNIT_PCT,
	  .derive = { PT_OP_PCT, "retransmits", "segs_out" },
	  .weight = "segs_out",
	  .col = { .title = "RETR%", .pos = 4, .width = 6 },
	  .sum = { .title = "RETR %", .text = " (%.2f%%)", .pos = 3,
		   .width = 8, .prec = 2 },
	  .regress = { .metric = "retransmit_pct", .unit = "%", .floor = 0.5,
		       .min_weight = 100 },
	  .prom = { .name = "perftop_tcp_retransmit_ratio",
		    .help = "TCP retransmitted / sent segments over the window (0 when nothing was sent).",
		    .total = true, .div = 100 } },
};

/* Ephemeral ports change between runs; the peer does not. */
static void tcp_conn_key(const void *rec, bool by_name, char *buf, size_t len)
{
	const struct pt_tcp_conn *t = rec;

	if (by_name)
		snprintf(buf, len, "c/%s>%s:%u", t->id.comm, t->daddr, t->dport);
	else
		snprintf(buf, len, "c%s:%u>%s:%u", t->saddr, t->sport, t->daddr,
			 t->dport);
}

static void tcp_conn_who(const void *rec, struct pt_culprit *who)
{
	const struct pt_tcp_conn *t = rec;

	memset(who, 0, sizeof(*who));
	who->kind = PT_CULPRIT_CONN;
	who->task = t->id;
	pt_strlcpy(who->saddr, t->saddr, sizeof(who->saddr));
	pt_strlcpy(who->daddr, t->daddr, sizeof(who->daddr));
	who->sport = t->sport;
	who->dport = t->dport;
}

const struct pt_record_type pt_rec_tcp_conns = {
	.name = "tcp.conns", .family = PT_TCP, .json = "conns",
	.array = true, .off = offsetof(struct pt_snapshot, tcp_conns),
	.size = sizeof(struct pt_tcp_conn), FIELDS(tcp_conn_fields),
	.sum_label = "network: ", .sum_count = "%zu connection(s)",
	.sum_kind = "connection", .sum_who = "CONNECTION",
	.sum_who_width = 52,
	.sum_sort = { { .field = "retransmits", .mul = 1e12 },
		      { .field = "tx_bytes", .mul = 1 } },
	BY_CGROUP_COMMAND,
	.key = tcp_conn_key, .who = tcp_conn_who,
};

/* --------------------------------------------------------------- oom */

static const struct pt_field oom_total_fields[] = {
	{ .name = "kills", .type = PT_FT_U64,
	  .off = offsetof(struct pt_oom_totals, kills),
	  COUNT("oom_kills", "OOM kills, system-wide (oom:mark_victim)."),
	  .sum = { .text = "%.0f OOM kills", .pos = 1 },
	  .prom = { .name = "perftop_oom_kills", .help = "OOM kills in the scan window (oom:mark_victim, system-wide)." } },
};

static const struct pt_field oom_victim_fields[] = {
	{ U32(struct pt_oom_kill, pid), KEY },
	{ U32(struct pt_oom_kill, tgid), KEY },
	{ STR(struct pt_oom_kill, "comm", comm) },
	{ STR(struct pt_oom_kill, "cgroup", cgroup) },
	{ STR(struct pt_oom_kill, "mem_cgroup", mem_cgroup) },
	{ U64(struct pt_oom_kill, rss_bytes), .unit = PT_UNIT_BYTES,
	  .combine = PT_COMB_MAX },
};

const struct pt_record_type pt_rec_oom_totals = {
	.name = "oom", .family = PT_OOM, .json = NULL,
	.off = offsetof(struct pt_snapshot, oom),
	.size = sizeof(struct pt_oom_totals), FIELDS(oom_total_fields),
	.sum_label = "oom:     ",
};

const struct pt_record_type pt_rec_oom_victims = {
	.name = "oom.victims", .family = PT_OOM, .json = "victims",
	.array = true, .off = offsetof(struct pt_snapshot, oom_victims),
	.size = sizeof(struct pt_oom_kill), FIELDS(oom_victim_fields),
};

/* ------------------------------------------------------------ cgroup */

/* Levels (limits, usage now) keep the highest when intervals add up. */
#define LEVEL .combine = PT_COMB_MAX

static const struct pt_field cgroup_fields[] = {
	{ STR(struct pt_cgroup, "path", path) },
	{ STR(struct pt_cgroup, "container", container) },
	{ STR(struct pt_cgroup, "runtime", runtime) },
	{ STR(struct pt_cgroup, "container_id", container_id) },
	{ STR(struct pt_cgroup, "pod", pod) },
	{ STR(struct pt_cgroup, "pod_namespace", pod_namespace) },
	{ U32(struct pt_cgroup, tasks), LEVEL },
	{ U32(struct pt_cgroup, first), LEVEL },
	{ U64(struct pt_cgroup, cpu_quota_us), .unit = PT_UNIT_US, LEVEL },
	{ U64(struct pt_cgroup, cpu_period_us), .unit = PT_UNIT_US, LEVEL },
	{ U64(struct pt_cgroup, cpu_usage_ns), .unit = PT_UNIT_NS,
	  SECONDS("cpu_usage_seconds", "CPU time its tasks used (cpu.stat usage; v1 cpuacct.usage)."),
	  .rate_col = { .title = "CPU%", .pos = 2, .width = 6,
			.fmt = PT_CF_PCT },
	  .sum = { .title = "CPU%", .pos = 1, .width = 6, .prec = 1,
		   .rate = true, .div = 1e7 } },
	{ U64(struct pt_cgroup, cpu_periods),
	  COUNT("cpu_periods", "CFS bandwidth periods of its CPU quota (cpu.stat nr_periods).") },
	{ U64(struct pt_cgroup, cpu_throttled_periods),
	  COUNT("cpu_throttled_periods", "Periods in which it ran out of CPU quota (cpu.stat nr_throttled).") },
	{ U64(struct pt_cgroup, cpu_throttled_ns), .unit = PT_UNIT_NS,
	  SECONDS("cpu_throttled_seconds", "Time its CPU quota held it back (cpu.stat throttled time)."),
	  .rate_col = { .title = "THR/s", .pos = 4, .width = 7 },
	  .sum = { .title = "THR ms/s", .pos = 3, .width = 9, .prec = 1,
		   .rate = true, .div = NS_PER_MS },
	  .prom = { .name = "perftop_cgroup_cpu_throttled_seconds_per_second",
		    .pos = 1,
		    .help = "Time the cgroup's CPU quota held it back (cpu.stat throttled time), per second of the window.",
		    .rate = true, .div = NS_PER_S } },
	{ U64(struct pt_cgroup, mem_limit_bytes), .unit = PT_UNIT_BYTES, LEVEL,
	  .col = { .title = "MEMLIM", .pos = 6, .width = 7, .drop = 3 },
	  .sum = { .title = "MEMLIMIT MiB", .pos = 4, .width = 12, .prec = 0,
		   .div = 1048576 },
	  .prom = { .name = "perftop_cgroup_memory_limit_bytes",
		    .pos = 4,
		    .help = "The cgroup's memory limit (memory.max or memory.high, the lower; v1 memory.limit_in_bytes); 0: none." } },
	{ U64(struct pt_cgroup, mem_usage_bytes), .unit = PT_UNIT_BYTES, LEVEL,
	  .col = { .title = "MEM", .pos = 5, .width = 7, .drop = 2 },
	  .sum = { .title = "MEM MiB", .pos = 5, .width = 8, .prec = 0,
		   .div = 1048576 } },
	{ U64(struct pt_cgroup, mem_oom_kills),
	  COUNT("oom_kills", "OOM kills charged to it (memory.events oom_kill)."),
	  .col = { .title = "OOM", .pos = 8, .width = 4 },
	  .sum = { .title = "OOM", .pos = 6, .width = 5, .prec = 0 },
	  .prom = { .name = "perftop_cgroup_oom_kills", .pos = 5,
		    .help = "OOM kills charged to the cgroup in the scan window (memory.events oom_kill)." } },
	{ U64(struct pt_cgroup, mem_refaults),
	  COUNT("memory_refaults", "Workingset refaults: evicted pages read back (memory.stat)."),
	  .rate_col = { .title = "REFLT/s", .pos = 7, .width = 8 },
	  .sum = { .title = "REFAULT/s", .pos = 7, .width = 10, .prec = 0,
		   .rate = true },
	  .prom = { .name = "perftop_cgroup_memory_refaults_per_second",
		    .pos = 3,
		    .help = "Workingset refaults of the cgroup (evicted pages read back), per second of the window.",
		    .rate = true } },
	{ U32(struct pt_cgroup, io_limited), .unit = PT_UNIT_FLAGS,
	  .combine = PT_COMB_OR },
	/* added later: absent from older traces */
	{ STR(struct pt_cgroup, "io_limit", io_limit), .optional = true },
	{ DBL(struct pt_cgroup, "psi_cpu_some", psi_cpu_some), .nullable = true,
	  .unit = PT_UNIT_PCT, LEVEL },
	{ DBL(struct pt_cgroup, "psi_mem_some", psi_mem_some), .nullable = true,
	  .unit = PT_UNIT_PCT, LEVEL,
	  .col = { .title = "MEMPSI", .pos = 9, .width = 6, .drop = 4 } },
	{ DBL(struct pt_cgroup, "psi_mem_full", psi_mem_full), .nullable = true,
	  .unit = PT_UNIT_PCT, LEVEL },
	{ DBL(struct pt_cgroup, "psi_io_some", psi_io_some), .nullable = true,
	  .unit = PT_UNIT_PCT, LEVEL },
	{ DERIVED("cpu_quota_cpus"),
	  .derive = { PT_OP_DIV, "cpu_quota_us", "cpu_period_us" },
	  .col = { .title = "QUOTA", .pos = 1, .width = 5, .fmt = PT_CF_PCT } },
	{ DERIVED("cpu_throttled_pct"), .unit = PT_UNIT_PCT,
	  .derive = { PT_OP_PCT, "cpu_throttled_periods", "cpu_periods" },
	  .weight = "cpu_periods",
	  .col = { .title = "THR%", .pos = 3, .width = 5 },
	  .sum = { .title = "THR%", .pos = 2, .width = 6, .prec = 1 },
	  .prom = { .name = "perftop_cgroup_cpu_throttled_ratio",
		    .pos = 2,
		    .help = "CFS bandwidth periods in which the cgroup ran out of CPU quota / periods, over the window.",
		    .div = 100 } },
};

static void cgroup_key(const void *rec, bool by_name, char *buf, size_t len)
{
	(void)by_name;
	snprintf(buf, len, "g%s", ((const struct pt_cgroup *)rec)->path);
}

static void cgroup_who(const void *rec, struct pt_culprit *who)
{
	memset(who, 0, sizeof(*who));
	who->kind = PT_CULPRIT_CGROUP;
	snprintf(who->task.cgroup, sizeof(who->task.cgroup), "%s",
		 ((const struct pt_cgroup *)rec)->path);
}

const struct pt_record_type pt_rec_cgroups = {
	.name = "cgroup.cgroups", .family = PT_CGROUP, .json = "cgroups",
	.array = true, .off = offsetof(struct pt_snapshot, cgroups),
	.size = sizeof(struct pt_cgroup), FIELDS(cgroup_fields),
	.sum_label = "cgroups: ", .sum_count = "%zu cgroup(s) in view",
	.sum_kind = "cgroup", .sum_who = "CGROUP", .sum_who_width = 40,
	.sum_sort = { { .field = "cpu_throttled_ns", .mul = 1 },
		      { .field = "mem_refaults", .mul = 1 } },
	.prom_label = "cgroup",
	.serve_by = { { .field = "path", .label = "cgroup", .prefix = "cgroup_" } },
	.key = cgroup_key, .who = cgroup_who,
};

/* ------------------------------------------------------- top level */

static const struct pt_field pressure_fields[] = {
	{ DBL(struct pt_pressure, "cpu_some_avg10", cpu), .nullable = true,
	  .unit = PT_UNIT_PCT },
	{ DBL(struct pt_pressure, "memory_some_avg10", memory),
	  .nullable = true, .unit = PT_UNIT_PCT },
	{ DBL(struct pt_pressure, "io_some_avg10", io), .nullable = true,
	  .unit = PT_UNIT_PCT },
	/* added later: absent from older traces */
	{ DBL(struct pt_pressure, "cpu_some", cpu_some), .nullable = true,
	  .optional = true, .unit = PT_UNIT_PCT },
	{ DBL(struct pt_pressure, "memory_some", memory_some),
	  .nullable = true, .optional = true, .unit = PT_UNIT_PCT },
	{ DBL(struct pt_pressure, "io_some", io_some), .nullable = true,
	  .optional = true, .unit = PT_UNIT_PCT },
};

/* Every counter of struct pt_loss (test_fields checks that none is
 * missing): each output lists them from here. */
static const struct pt_field loss_fields[] = {
	{ U64(struct pt_loss, ringbuf_drops),
	  .desc = "ring buffer full (records)" },
	{ U64(struct pt_loss, map_full),
	  .desc = "aggregation map full (events)" },
	{ U64(struct pt_loss, storage_fail),
	  .desc = "task or socket storage not created (events)" },
	{ U64(struct pt_loss, attach_failed),
	  .desc = "requested probe families not running" },
	{ U64(struct pt_loss, cgroups_skipped), .optional = true,
	  .desc = "cgroups in view not read (over the cap)" },
	/* added later: absent from older traces */
	{ U64(struct pt_loss, block_untracked), .optional = true,
	  .desc = "block requests under -p/-c whose issuer is unknown" },
	{ U64(struct pt_loss, block_reaped), .optional = true,
	  .desc = "block requests tracked over 300 s, forgotten" },
	{ U64(struct pt_loss, tcp_owner_unknown), .optional = true,
	  .desc = "TCP connections under -p/-c gone with no owner known" },
	{ U64(struct pt_loss, sched_unseen), .optional = true,
	  .desc = "context switches without the sched_switch tracepoint" },
	{ U64(struct pt_loss, alloc_failed), .optional = true,
	  .desc = "records perftop could not allocate" },
	{ U64(struct pt_loss, loss_unread), .optional = true,
	  .desc = "loss counter reads that failed (counted later)" },
	{ U64(struct pt_loss, record_dropped), .optional = true,
	  .desc = "intervals the flight recorder did not write" },
	{ U64(struct pt_loss, jvm_unprobed), .optional = true,
	  .desc = "JVMs whose monitor waits read as sleep (not probed)" },
};

const struct pt_record_type pt_rec_pressure = {
	.name = "pressure", .family = -1, .json = "pressure",
	.off = offsetof(struct pt_snapshot, pressure),
	.size = sizeof(struct pt_pressure), FIELDS(pressure_fields),
};

const struct pt_record_type pt_rec_loss = {
	.name = "loss", .family = -1, .json = "loss",
	.off = offsetof(struct pt_snapshot, loss),
	.size = sizeof(struct pt_loss), FIELDS(loss_fields),
};

/* Family by family, in the order of a snapshot line. */
const struct pt_record_type *const pt_records[] = {
	&pt_rec_sched_tasks, &pt_rec_sched_cpus, &pt_rec_sched_system,
	&pt_rec_sched_sites, &pt_rec_fault_tasks, &pt_rec_fault_totals,
	&pt_rec_block_devs, &pt_rec_block_tasks,
	&pt_rec_tcp_conns,
	&pt_rec_oom_totals, &pt_rec_oom_victims,
	&pt_rec_cgroups,
};
const size_t pt_nr_records = sizeof(pt_records) / sizeof(pt_records[0]);

static const char *const family_json[PT_NR_FAMILIES] = {
	[PT_SCHED] = "sched",
	[PT_FAULT] = "faults",
	[PT_BLOCK] = "block",
	[PT_TCP] = "tcp",
	[PT_OOM] = "oom",
	[PT_CGROUP] = "cgroup",
};

const char *pt_family_json(enum pt_family_id id)
{
	return id < PT_NR_FAMILIES ? family_json[id] : "?";
}

/* ------------------------------------------------------------ access */

/* Every PT_ARRAY has this layout. */
struct any_array {
	void *v;
	size_t n, cap;
};

size_t pt_record_count(const struct pt_record_type *rt,
		       const struct pt_snapshot *s)
{
	const struct any_array *a;

	if (!rt->array)
		return 1;
	a = (const void *)((const char *)s + rt->off);
	return a->n;
}

const void *pt_record_at(const struct pt_record_type *rt,
			 const struct pt_snapshot *s, size_t i)
{
	const struct any_array *a;

	if (!rt->array)
		return (const char *)s + rt->off;
	a = (const void *)((const char *)s + rt->off);
	return (const char *)a->v + i * rt->size;
}

void *pt_record_push(const struct pt_record_type *rt, struct pt_snapshot *s)
{
	struct any_array *a = (void *)((char *)s + rt->off);

	return pt_array_grow(&a->v, &a->n, &a->cap, rt->size);
}

void *pt_record_single(const struct pt_record_type *rt, struct pt_snapshot *s)
{
	return (char *)s + rt->off;
}

int pt_field_index(const struct pt_record_type *rt, const char *name)
{
	size_t i;

	for (i = 0; name && i < rt->nr_fields; i++)
		if (!strcmp(rt->fields[i].name, name))
			return (int)i;
	return -1;
}

bool pt_field_is_value(const struct pt_field *f)
{
	return f->combine != PT_COMB_KEY && f->type != PT_FT_STR;
}

/*
 * Operand and weight indexes, resolved by name once for every record type:
 * the tables stay readable (names, not positions) and the hot paths (a
 * row per thread, every screen) do no string compares.  Once, even with
 * several threads (serve).
 */
static void resolve_one(const struct pt_record_type *rt)
{
	struct pt_record_cache *r = rt->cache;
	size_t i;

	for (i = 0; i < rt->nr_fields && i < PT_FIELDS_MAX; i++) {
		const struct pt_field *f = &rt->fields[i];

		r->a[i] = (signed char)pt_field_index(rt, f->derive.a);
		r->b[i] = (signed char)pt_field_index(rt, f->derive.b);
		r->w[i] = (signed char)pt_field_index(rt, f->weight);
		if (f->type == PT_FT_DERIVED)
			r->derived[r->nr_derived++] = (unsigned char)i;
		else if (pt_field_is_value(f))
			r->values[r->nr_values++] = (unsigned char)i;
	}
}

static void resolve_all(void)
{
	size_t k;

	for (k = 0; k < pt_nr_records; k++)
		resolve_one(pt_records[k]);
	resolve_one(&pt_rec_pressure);
	resolve_one(&pt_rec_loss);
}

static const struct pt_record_cache *resolve(const struct pt_record_type *rt)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, resolve_all);
	return rt->cache;
}

int pt_record_index(const struct pt_record_type *rt)
{
	size_t i;

	for (i = 0; i < pt_nr_records; i++)
		if (pt_records[i] == rt)
			return (int)i;
	return -1;
}

int pt_field_weight(const struct pt_record_type *rt, size_t i)
{
	return resolve(rt)->w[i];
}

void pt_record_derive(const struct pt_record_type *rt, double *v)
{
	const struct pt_record_cache *r = resolve(rt);
	size_t k;

	for (k = 0; k < r->nr_derived; k++) {
		size_t i = r->derived[k];
		double a = v[r->a[i]], b = v[r->b[i]];

		switch (rt->fields[i].derive.op) {
		case PT_OP_ADD: v[i] = a + b; break;
		case PT_OP_DIV: v[i] = b ? a / b : 0; break;
		case PT_OP_PCT: v[i] = b > 0 ? 100 * a / b : 0; break;
		case PT_OP_NONE: v[i] = 0; break;
		}
	}
}

void pt_record_combine(const struct pt_record_type *rt, double *acc,
		       const double *x, enum pt_combine_mode mode)
{
	const struct pt_record_cache *r = resolve(rt);
	size_t k;

	for (k = 0; k < r->nr_values; k++) {
		size_t i = r->values[k];

		switch (rt->fields[i].combine) {
		case PT_COMB_PCTL:
			if (mode == PT_ADD_INTERVALS) {
				acc[i] += x[i] * x[r->w[i]];
				break;
			}
			/* the worst thread's */
			__attribute__((fallthrough));
		case PT_COMB_MAX:
			if (x[i] > acc[i])
				acc[i] = x[i];
			break;
		case PT_COMB_OR:
			acc[i] = (double)((uint64_t)acc[i] | (uint64_t)x[i]);
			break;
		default:
			acc[i] += x[i];
			break;
		}
	}
}

void pt_record_values(const struct pt_record_type *rt, const void *rec,
		      double *v)
{
	size_t i;

	for (i = 0; i < rt->nr_fields; i++) {
		const struct pt_field *f = &rt->fields[i];
		const char *p = (const char *)rec + f->off;

		switch (f->type) {
		case PT_FT_U64: v[i] = (double)*(const uint64_t *)p; break;
		case PT_FT_U32: v[i] = *(const uint32_t *)p; break;
		case PT_FT_U16: v[i] = *(const uint16_t *)p; break;
		case PT_FT_INT: v[i] = *(const int *)p; break;
		case PT_FT_DBL: v[i] = *(const double *)p; break;
		default: v[i] = 0; break;
		}
	}
	pt_record_derive(rt, v);
}

bool pt_record_hist(const struct pt_record_type *rt,
		    const struct pt_snapshot *s, const void *rec,
		    struct pt_lat_hist *h)
{
	const void *p = (const char *)rec + rt->hist.off;

	if (!rt->hist.json)
		return false;
	if (rt->hist.sparse)
		pt_lat_sparse_load(s, p, h);
	else
		memcpy(h, p, sizeof(*h));
	return true;
}

int pt_record_hist_set(const struct pt_record_type *rt, struct pt_snapshot *s,
		       void *rec, const struct pt_lat_hist *h)
{
	void *p = (char *)rec + rt->hist.off;

	if (!rt->hist.json)
		return 0;
	if (rt->hist.sparse)
		return pt_lat_sparse_store(s, p, h);
	memcpy(p, h, sizeof(*h));
	return 0;
}

/* A serve counter: a stored field that adds up, a metric-name stem that
 * ends with its unit (OpenMetrics requires it), and help text. */
static const char *check_counter(const struct pt_record_type *rt,
				 const struct pt_field *f, char *buf, size_t len)
{
	const struct pt_counterspec *c = &f->counter;
	size_t sl, ul;
	const char *p;

	if (!c->stem)
		return NULL;
	for (p = c->stem; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			break;
	sl = strlen(c->stem);
	ul = c->unit ? strlen(c->unit) : 0;
	if (*p || !sl || f->type == PT_FT_DERIVED || f->type == PT_FT_STR ||
	    f->combine != PT_COMB_SUM || !c->help ||
	    (c->unit && (sl <= ul || strcmp(c->stem + sl - ul, c->unit) ||
			 c->stem[sl - ul - 1] != '_'))) {
		snprintf(buf, len, "%s.%s: counter '%s' needs a stored, summed field, a snake_case stem ending in its unit, and help",
			 rt->name, f->name, c->stem);
		return buf;
	}
	return NULL;
}

static const char *check_type(const struct pt_record_type *rt, char *buf,
			      size_t len)
{
	size_t i, j;

	if (rt->nr_fields > PT_FIELDS_MAX) {
		snprintf(buf, len, "%s: %zu fields, PT_FIELDS_MAX is %d",
			 rt->name, rt->nr_fields, PT_FIELDS_MAX);
		return buf;
	}
	for (i = 0; i < rt->nr_fields; i++) {
		const struct pt_field *f = &rt->fields[i];
		int a = pt_field_index(rt, f->derive.a);
		int b = pt_field_index(rt, f->derive.b);

		for (j = 0; j < i; j++)
			if (!strcmp(rt->fields[j].name, f->name)) {
				snprintf(buf, len, "%s.%s: named twice",
					 rt->name, f->name);
				return buf;
			}
		if (f->type != PT_FT_DERIVED &&
		    f->off + (f->type == PT_FT_STR ? f->len : 1) > rt->size) {
			snprintf(buf, len, "%s.%s: offset outside the record",
				 rt->name, f->name);
			return buf;
		}
		if (f->type == PT_FT_DERIVED &&
		    (!f->derive.op || a < 0 || b < 0 || a >= (int)i ||
		     b >= (int)i)) {
			snprintf(buf, len, "%s.%s: derived from fields that are not earlier in the table",
				 rt->name, f->name);
			return buf;
		}
		if ((f->weight || f->combine == PT_COMB_PCTL) &&
		    pt_field_index(rt, f->weight) < 0) {
			snprintf(buf, len, "%s.%s: weight '%s' is not a field",
				 rt->name, f->name, f->weight ? f->weight : "");
			return buf;
		}
		if (f->combine == PT_COMB_PCTL && !(f->q > 0 && f->q < 1)) {
			snprintf(buf, len, "%s.%s: a percentile needs .q in (0, 1)",
				 rt->name, f->name);
			return buf;
		}
		if ((f->regress.min_weight > 0) && !f->weight) {
			snprintf(buf, len, "%s.%s: min_weight without a weight",
				 rt->name, f->name);
			return buf;
		}
		if (check_counter(rt, f, buf, len))
			return buf;
	}
	for (i = 0; i < PT_SERVE_BY_MAX && rt->serve_by[i].field; i++) {
		int k = pt_field_index(rt, rt->serve_by[i].field);

		if (k < 0 || rt->fields[k].type != PT_FT_STR ||
		    !rt->serve_by[i].label || !rt->serve_by[i].prefix) {
			snprintf(buf, len, "%s: serve_by '%s' is not a text identity field with a label and prefix",
				 rt->name, rt->serve_by[i].field);
			return buf;
		}
	}
	if ((rt->hist.json || rt->hist.stem) &&
	    (!rt->hist.json || pt_field_index(rt, rt->hist.max) < 0 ||
	     rt->hist.off + (rt->hist.sparse ? sizeof(struct pt_lat_sparse) :
			     sizeof(struct pt_lat_hist)) > rt->size ||
	     rt->hist.version < 2 || (rt->hist.sparse && rt->hist.stem))) {
		snprintf(buf, len, "%s: a histogram needs its JSON member, a max field, an offset inside the record and the trace version that added it (and no /metrics stem if sparse)",
			 rt->name);
		return buf;
	}
	for (i = 0; i < 2; i++)
		if (rt->sum_sort[i].field &&
		    pt_field_index(rt, rt->sum_sort[i].field) < 0) {
			snprintf(buf, len, "%s: sort field '%s' is not a field",
				 rt->name, rt->sum_sort[i].field);
			return buf;
		}
	return NULL;
}

const char *pt_schema_check(char *buf, size_t len)
{
	size_t i;

	if (pt_nr_records > PT_RECORDS_MAX) {
		snprintf(buf, len, "more record types than PT_RECORDS_MAX");
		return buf;
	}
	for (i = 0; i < pt_nr_records; i++)
		if (check_type(pt_records[i], buf, len))
			return buf;
	if (check_type(&pt_rec_pressure, buf, len) ||
	    check_type(&pt_rec_loss, buf, len))
		return buf;
	return NULL;
}
