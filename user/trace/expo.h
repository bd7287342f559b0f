/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus exposition writer, one for every output that speaks it:
 * `scan --prom` (a node_exporter textfile) and `serve`'s /metrics.  Two
 * formats from the same calls:
 *
 *   text         Prometheus text format 0.0.4 (what promtool and the
 *                node_exporter textfile collector read);
 *   openmetrics  OpenMetrics 1.0.0: counters' family names without
 *                _total, # UNIT lines, info metrics, # EOF at the end.
 *
 * Label values and help text are escaped as each format requires, and
 * kernel strings (comm, cgroup paths) that are not UTF-8 are made UTF-8
 * (each bad byte becomes U+FFFD): Prometheus rejects a whole scrape for
 * one invalid label value.
 */
#ifndef PT_EXPO_H
#define PT_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fields.h"	/* enum pt_metric_type */

enum pt_expo_fmt { PT_EXPO_TEXT = 0, PT_EXPO_OPENMETRICS };


struct pt_label {
	const char *name;
	const char *value;
};

struct pt_expo {
	FILE *f;
	enum pt_expo_fmt fmt;
	char family[128];
	enum pt_metric_type type;
	size_t samples;		/* written, all families */
};

void pt_expo_init(struct pt_expo *e, FILE *f, enum pt_expo_fmt fmt);

/*
 * Start a metric family.  name is the family name (a counter's without
 * _total); unit (NULL for none) must be its last word, as OpenMetrics
 * requires ("seconds" for perftop_runq_wait_seconds).
 */
void pt_expo_family(struct pt_expo *e, const char *name,
		    enum pt_metric_type type, const char *unit,
		    const char *help);
/* One sample of the current family (not histograms). */
void pt_expo_sample(struct pt_expo *e, const struct pt_label *labels,
		    size_t nr_labels, double value);
/*
 * One histogram: cum[i] observations <= bounds[i] (ascending, finite),
 * count all of them (the +Inf bucket), sum their total.
 */
void pt_expo_histogram(struct pt_expo *e, const struct pt_label *labels,
		       size_t nr_labels, const double *bounds,
		       const uint64_t *cum, size_t nr_bounds, uint64_t count,
		       double sum);
/* A family of one unlabelled sample, in one call. */
void pt_expo_one(struct pt_expo *e, const char *name, enum pt_metric_type type,
		 const char *unit, const char *help, double value);
/* End the exposition (OpenMetrics: "# EOF"); 0 or -EIO. */
int pt_expo_finish(struct pt_expo *e);

/* The type's name on a text-format # TYPE line ("gauge", "counter"...;
 * an info metric is a gauge there). */
const char *pt_expo_type_name(enum pt_metric_type type);

/* Is name a valid metric or label name ([a-zA-Z_:][a-zA-Z0-9_:]*)? */
bool pt_expo_name_ok(const char *name);

#endif /* PT_EXPO_H */
