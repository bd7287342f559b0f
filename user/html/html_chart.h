/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Chart data of the HTML report, pure: a recording's intervals on a time
 * axis, grouped into display buckets; series of one number per interval;
 * the spans where a finding's rule was active; axis scales.
 *
 * Downsampling is for display only: a bucket groups consecutive intervals
 * (never across a gap in the recording) and shows the worst of them (line
 * charts) or their mean (stacked charts).  Spans are kept per interval,
 * exactly as detection evaluated them; the verdict never sees buckets.
 */
#ifndef PT_HTML_CHART_H
#define PT_HTML_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define PT_CHART_MAX_SERIES 8

struct pt_timebase {
	size_t n;			/* intervals */
	uint64_t *start, *end;		/* wall clock of each interval, ns */
	uint64_t t0, t1;		/* the axis: first start, last end */
	size_t nb;			/* display buckets */
	size_t *first;			/* bucket b: intervals first[b] to
					 * first[b + 1] - 1; first[nb] = n */
};

/*
 * Intervals of n snapshots (interval i ends at s[i].time_ns and lasts
 * s[i].interval_ns); a wall clock stepped back is clamped so the axis only
 * moves forward.  At most max_buckets buckets of equal interval counts,
 * plus one more per gap.  -ENOMEM, or -EINVAL when n is 0.
 */
int pt_timebase_init(struct pt_timebase *tb, const struct pt_snapshot *s,
		     size_t n, size_t max_buckets);
void pt_timebase_free(struct pt_timebase *tb);
uint64_t pt_bucket_start(const struct pt_timebase *tb, size_t b);
uint64_t pt_bucket_end(const struct pt_timebase *tb, size_t b);
/* Did the recording pause between bucket b - 1 and b (more than half an
 * interval unrecorded)?  Lines break there. */
bool pt_bucket_gap_before(const struct pt_timebase *tb, size_t b);

struct pt_series {
	char label[96];			/* the legend's words */
	char tag[24];			/* short name in hover text; "" */
	double *v;			/* per interval; NAN: no value */
	double *bmax, *bmean;		/* per bucket; NAN: no value in it */
	double *bsum;			/* per bucket, NAN as 0 */
	double max, mean;		/* over intervals with a value */
	size_t max_at;			/* interval of the maximum */
	size_t count;			/* intervals with a value */
};

/* Intervals first..last, all active, nothing between them unrecorded. */
struct pt_span {
	size_t first, last;
	uint64_t start, end;		/* wall clock */
};

struct pt_chart {
	const struct pt_timebase *tb;
	char id[32];			/* HTML id, [a-z0-9-] */
	char title[96];
	char unit[48];
	bool stacked;			/* areas stacked; else lines */
	size_t ns;
	struct pt_series s[PT_CHART_MAX_SERIES];
	size_t hidden;			/* series that did not fit */
	int rule;			/* enum pt_rule_id shaded, -1: none */
	enum pt_severity sev;		/* that finding's severity */
	double warn, crit;		/* thresholds drawn; NAN: none */
	struct pt_span *spans;
	size_t nr_spans;
	double ymax, ystep;		/* y axis: 0 to ymax, grid every ystep */
};

void pt_chart_init(struct pt_chart *c, const struct pt_timebase *tb,
		   const char *id, const char *title, const char *unit);
/* A new series, every value NAN; NULL when the chart is full (counted in
 * c->hidden) or out of memory (*err = -ENOMEM). */
struct pt_series *pt_chart_series(struct pt_chart *c, const char *label,
				  int *err);
/* Spans from one flag per interval. */
int pt_chart_spans(struct pt_chart *c, const bool *active);
/* Bucket figures, per-series max/mean and the y scale.  Call once all
 * values are in.  0 or -ENOMEM. */
int pt_chart_finish(struct pt_chart *c);
void pt_chart_free(struct pt_chart *c);

/* Smallest of 1, 2, 2.5, 5 x 10^k at or above v (1 for v <= 0). */
double pt_nice_ceil(double v);
/* Grid step for an axis 0..ymax made by pt_nice_ceil (4 or 5 steps). */
double pt_nice_step(double ymax);
/* Time-axis tick step: the smallest of 100 ms, 200 ms, 500 ms, 1 s, 2 s,
 * 5 s, 10 s, 15 s, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1 day
 * giving at most max_ticks ticks over span_ns. */
uint64_t pt_time_step_ns(uint64_t span_ns, unsigned int max_ticks);

#endif /* PT_HTML_CHART_H */
