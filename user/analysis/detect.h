/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bottleneck detection (docs/detection.md), pure code over snapshots.
 *
 * Every rule turns one snapshot into one number in its unit (the interval
 * value), or "not measured" when the snapshot holds too few samples for the
 * number to mean anything (min-sample guards).  An interval is *active*
 * when its value reaches the warning threshold.  Over a window of N
 * intervals a rule fires only if it was active in at least
 * ceil(persistence * N) of them; the value it reports is the level held
 * for that many intervals (the persistence quantile), and that value
 * decides warning vs critical.  So one noisy interval never pages.
 *
 * Two users, one rule table:
 *  - pt_detector: live, a sliding window; appends the currently firing
 *    findings to each snapshot (TUI banner, record, top -b);
 *  - pt_window: whole window (scan, report); findings with the time range
 *    they were active in and culprits aggregated over that range.
 * See docs/detection.md.
 */
#ifndef PT_DETECT_H
#define PT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum pt_rule_id {
	PT_RULE_RUNQ_LATENCY = 0,	/* cpu.runq_latency, ms */
	PT_RULE_CPU_PRESSURE,		/* cpu.pressure, % */
	PT_RULE_MAJOR_FAULTS,		/* memory.major_faults, 1/s */
	PT_RULE_MEMORY_PRESSURE,	/* memory.pressure, % */
	PT_RULE_DISK_LATENCY,		/* disk.latency, ms */
	PT_RULE_DISK_PRESSURE,		/* disk.pressure, % */
	PT_RULE_RETRANSMITS,		/* network.retransmits, % */
	PT_RULE_IO_BLOCKED,		/* io.blocked, ms/s */
	PT_RULE_LOCK_CONTENTION,	/* lock.contention, ms/s */
	PT_RULE_CPU_THROTTLING,		/* cpu.throttling, % of periods */
	PT_RULE_OOM_KILLS,		/* memory.oom_kills, 1/s */
	PT_RULE_THRASHING,		/* memory.thrashing, refaults/s */
	PT_NR_RULES,
};

struct pt_threshold {
	double warning, critical;
};

/* Minimum samples in one interval before a statistic is believed. */
struct pt_min_samples {
	uint64_t runq_waits;		/* system-wide waits for the system p99 */
	uint64_t task_runq_waits;	/* one thread's waits for its own p99 */
	uint64_t major_faults;		/* system-wide major faults */
	uint64_t disk_ios;		/* completed I/Os on one device */
	uint64_t tcp_segs;		/* segments sent (system or one conn) */
	uint64_t lock_wait_ms;		/* lock.contention: longest mean wait */
};

struct pt_detect_config {
	struct pt_threshold thr[PT_NR_RULES];
	double persistence;		/* fraction of the window, (0, 1] */
	double window_s;		/* live sliding window, seconds */
	double interval_s;		/* config "interval"; 0 when not given */
	struct pt_min_samples min;
};

/* Rule facts, for output and config parsing. */
const char *pt_rule_name(enum pt_rule_id r);		/* "cpu.runq_latency" */
const char *pt_rule_subsystem(enum pt_rule_id r);	/* "cpu" */
const char *pt_rule_unit(enum pt_rule_id r);		/* "ms" */
/* What a culprit's value counts, e.g. "ms p99", "% of time waiting" */
const char *pt_rule_culprit_unit(enum pt_rule_id r);
/* What it measures, and the default advice (alerting rules, docs). */
const char *pt_rule_what(enum pt_rule_id r);
const char *pt_rule_advice(enum pt_rule_id r);
int pt_rule_lookup(const char *name);			/* id or -1 */

void pt_detect_defaults(struct pt_detect_config *cfg);
/* NULL if usable, else what is wrong (e.g. "warning above critical for
 * disk.latency"); fills `bad` with the offending key when there is one. */
const char *pt_detect_check(const struct pt_detect_config *cfg, char *bad,
			    size_t badlen);

/* "bash[1234]", "loop3", "10.0.0.1:5201->10.0.0.2:41234 (iperf3[99])" */
void pt_culprit_name(const struct pt_culprit *c, char *buf, size_t len);

/* ---- live: sliding window ---- */
struct pt_detector;

struct pt_detector *pt_detector_new(const struct pt_detect_config *cfg);
/* Evaluate s, slide the window, and append to s->findings every finding
 * firing over the window ending with s.  -ENOMEM on allocation failure. */
int pt_detector_feed(struct pt_detector *d, struct pt_snapshot *s);
void pt_detector_free(struct pt_detector *d);

/* ---- whole window: scan and report ---- */
struct pt_window;

struct pt_window_finding {
	struct pt_finding f;
	uint64_t first_ns, last_ns;	/* wall clock: first/last active interval end */
	unsigned int active;		/* intervals at or above warning */
	unsigned int measured;		/* intervals where the rule had data */
};

struct pt_window *pt_window_new(const struct pt_detect_config *cfg);
int pt_window_add(struct pt_window *w, const struct pt_snapshot *s);
/*
 * Findings over everything added so far, most severe first (then in rule
 * order).  *out points into w, valid until the next call or free.
 */
int pt_window_findings(struct pt_window *w,
		       const struct pt_window_finding **out, size_t *n);
/* Snapshots added, and the wall-clock span they cover. */
size_t pt_window_snapshots(const struct pt_window *w);
uint64_t pt_window_start_ns(const struct pt_window *w);
uint64_t pt_window_end_ns(const struct pt_window *w);
/* The rule's value over the window (persistence quantile), -1 when never
 * measured; for Prometheus and summaries. */
double pt_window_rule_value(const struct pt_window *w, enum pt_rule_id r);
/* Interval i (0-based, in the order added) as rule r evaluated it: false
 * when the rule had no data there, else its value in *value (the rule's
 * unit; at or above the warning threshold makes the interval active).
 * The HTML report draws and shades exactly these. */
bool pt_window_interval(const struct pt_window *w, enum pt_rule_id r,
			size_t i, double *value);
void pt_window_free(struct pt_window *w);

#endif /* PT_DETECT_H */
