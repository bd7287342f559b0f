/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside detection, between the engine (detect.c: windows, persistence,
 * culprits, findings) and the rules (detect_rules.c: the rule table and
 * what each rule measures in one snapshot).  Not for other callers, who
 * use detect.h.
 */
#ifndef PT_DETECT_RULES_H
#define PT_DETECT_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "detect.h"
#include "fields.h"

#define NS_PER_S 1e9
#define NS_PER_MS 1e6

struct entity_table;

/* What one rule saw in one interval. */
struct sample {
	bool measured;		/* the rule's family/data was there */
	double value;		/* in the rule's unit; 0 below the guards */
};

/* What a rule's sample function gets. */
struct rule_ctx {
	const struct pt_detect_config *cfg;
	const struct pt_snapshot *s;
	struct entity_table *ents;	/* NULL: value only */
	int err;
	/* Advice that names this interval's cause (the quota, the cgroup);
	 * "" keeps the rule's fixed advice (pt_rule_say). */
	char advice[PT_TEXT_MAX];
};

struct rule_def {
	const char *name, *subsystem, *unit, *what, *advice;
	const char *culprit_unit;	/* what a culprit's value counts */
	struct pt_threshold def;
	bool rate;		/* culprit value is num per second */
	bool by_value;		/* culprits ordered by value, not rank */
	/* Counts events (OOM kills): the window's value is their mean
	 * rate over all its intervals, so one event anywhere fires, instead
	 * of the level held in the persistence share of the intervals. */
	bool event;
	/* Culprits need den >= this (a p99 over too few samples) */
	uint64_t (*min_den)(const struct pt_detect_config *cfg);
	/* The rule's value in one snapshot, and its contributors (through
	 * pt_rule_add_entity). */
	void (*sample)(struct rule_ctx *c, struct sample *out);
};

/* detect_rules.c: indexed by enum pt_rule_id. */
extern const struct rule_def pt_rules[PT_NR_RULES];

/* detect.c, for the rules. */
double pt_rule_interval_s(const struct pt_snapshot *s);
/*
 * A contributor to the rule in this interval: its row key and identity
 * (the record type's .key and .who, model/fields.c), its rank among the
 * culprits, and its value num / den (or num per second for rate rules).
 */
void pt_rule_add_entity(struct rule_ctx *c, const char *key,
			const struct pt_culprit *who, double rank, double num,
			double den);

/* The same for one record of a record type: keyed and named as its
 * .key and .who say (model/fields.c), as the window summary does. */
void pt_rule_add_record(struct rule_ctx *c, const struct pt_record_type *rt,
			const void *rec, double rank, double num, double den);

/* printf into c->advice (truncated to fit). */
void pt_rule_say(struct rule_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The interval's PSI share of r (pt_pressure_of()) as the sample. */
void pt_rule_sample_psi(const struct pt_snapshot *s, enum pt_psi_res r,
			struct sample *out);

/* rules_cpu.c: cpu.runq_latency and cpu.pressure, with their causes. */
void pt_sample_runq(struct rule_ctx *c, struct sample *out);
void pt_sample_cpu_psi(struct rule_ctx *c, struct sample *out);

/* rules_cgroup.c: rules over cgroups and OOM kills. */
void pt_sample_throttling(struct rule_ctx *c, struct sample *out);
void pt_sample_oom_kills(struct rule_ctx *c, struct sample *out);
void pt_sample_thrashing(struct rule_ctx *c, struct sample *out);
/* The throttled cgroup at or above `path` in s, or NULL: its quota, not
 * the CPU count, explains its tasks' run-queue waits. */
const struct pt_cgroup *pt_throttled_cgroup(const struct pt_snapshot *s,
					    const char *path);
/* The cgroup with an I/O limit (io.max, blkio.throttle.*) that applies to
 * a task of `path`: its own or an ancestor's, else (v1: a blkio cgroup of
 * another path, in view only through its I/O waiters) one with no task
 * named by it; NULL when none. */
const struct pt_cgroup *pt_io_limiter(const struct pt_snapshot *s,
				      const char *path);
/* Advice for a memory rule whose faults or stalls are a limited
 * cgroup's thrashing: the cgroup below the root that refaults the most
 * at a memory limit (its own or an ancestor's), when it refaults at
 * thrashing's warning rate and accounts for half the machine's refaults
 * or more.  False (advice unchanged) when none. */
bool pt_say_limited_thrasher(struct rule_ctx *c, const char *what);

#endif /* PT_DETECT_RULES_H */
