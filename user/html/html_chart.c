// SPDX-License-Identifier: GPL-2.0
/* Chart data of the HTML report: time base, buckets, series, spans,
 * scales (html_chart.h).  Pure. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "html_chart.h"
#include "util.h"

int pt_timebase_init(struct pt_timebase *tb, const struct pt_snapshot *s,
		     size_t n, size_t max_buckets)
{
	size_t i, per, in_bucket = 0;

	memset(tb, 0, sizeof(*tb));
	if (!n)
		return -EINVAL;
	if (!max_buckets)
		max_buckets = 1;
	tb->start = calloc(n, sizeof(*tb->start));
	tb->end = calloc(n, sizeof(*tb->end));
	tb->first = calloc(n + 1, sizeof(*tb->first));
	if (!tb->start || !tb->end || !tb->first) {
		pt_timebase_free(tb);
		return -ENOMEM;
	}
	tb->n = n;
	for (i = 0; i < n; i++) {
		uint64_t end = s[i].time_ns, len = s[i].interval_ns;

		/* a wall clock stepped back (NTP): keep the axis monotonic */
		if (i && end < tb->end[i - 1])
			end = tb->end[i - 1];
		tb->end[i] = end;
		tb->start[i] = len < end ? end - len : 0;
		if (i && tb->start[i] < tb->end[i - 1])
			tb->start[i] = tb->end[i - 1];
	}
	tb->t0 = tb->start[0];
	tb->t1 = tb->end[n - 1] > tb->t0 ? tb->end[n - 1] : tb->t0 + 1;
	per = (n + max_buckets - 1) / max_buckets;
	for (i = 0; i < n; i++) {
		bool gap = i && tb->start[i] - tb->end[i - 1] >
				(tb->end[i - 1] - tb->start[i - 1]) / 2;

		if (!i || in_bucket == per || gap) {
			tb->first[tb->nb++] = i;
			in_bucket = 0;
		}
		in_bucket++;
	}
	tb->first[tb->nb] = n;
	return 0;
}

void pt_timebase_free(struct pt_timebase *tb)
{
	free(tb->start);
	free(tb->end);
	free(tb->first);
	memset(tb, 0, sizeof(*tb));
}

uint64_t pt_bucket_start(const struct pt_timebase *tb, size_t b)
{
	return tb->start[tb->first[b]];
}

uint64_t pt_bucket_end(const struct pt_timebase *tb, size_t b)
{
	return tb->end[tb->first[b + 1] - 1];
}

bool pt_bucket_gap_before(const struct pt_timebase *tb, size_t b)
{
	size_t i = tb->first[b];

	return b && tb->start[i] - tb->end[i - 1] >
			    (tb->end[i - 1] - tb->start[i - 1]) / 2;
}

void pt_chart_init(struct pt_chart *c, const struct pt_timebase *tb,
		   const char *id, const char *title, const char *unit)
{
	memset(c, 0, sizeof(*c));
	c->tb = tb;
	c->rule = -1;
	c->warn = c->crit = NAN;
	pt_strlcpy(c->id, id, sizeof(c->id));
	pt_strlcpy(c->title, title, sizeof(c->title));
	pt_strlcpy(c->unit, unit, sizeof(c->unit));
}

struct pt_series *pt_chart_series(struct pt_chart *c, const char *label,
				  int *err)
{
	struct pt_series *s;
	size_t i, n = c->tb->n, nb = c->tb->nb;

	if (c->ns == PT_CHART_MAX_SERIES) {
		c->hidden++;
		return NULL;
	}
	s = &c->s[c->ns];
	memset(s, 0, sizeof(*s));
	s->v = malloc(n * sizeof(*s->v));
	s->bmax = malloc(nb * sizeof(*s->bmax));
	s->bmean = malloc(nb * sizeof(*s->bmean));
	s->bsum = malloc(nb * sizeof(*s->bsum));
	if (!s->v || !s->bmax || !s->bmean || !s->bsum) {
		free(s->v);
		free(s->bmax);
		free(s->bmean);
		free(s->bsum);
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++)
		s->v[i] = NAN;
	pt_strlcpy(s->label, label, sizeof(s->label));
	c->ns++;
	return s;
}

int pt_chart_spans(struct pt_chart *c, const bool *active)
{
	const struct pt_timebase *tb = c->tb;
	size_t i, cap = 0;

	free(c->spans);
	c->spans = NULL;
	c->nr_spans = 0;
	for (i = 0; i < tb->n; i++) {
		struct pt_span *sp = c->nr_spans ? &c->spans[c->nr_spans - 1] : NULL;

		if (!active[i])
			continue;
		/* joins the previous span when it ended with the interval
		 * before this one and nothing went unrecorded between */
		if (sp && sp->last + 1 == i &&
		    tb->start[i] - tb->end[i - 1] <=
			    (tb->end[i - 1] - tb->start[i - 1]) / 2) {
			sp->last = i;
			sp->end = tb->end[i];
			continue;
		}
		if (c->nr_spans == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct pt_span *nv = realloc(c->spans, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			c->spans = nv;
			cap = ncap;
		}
		sp = &c->spans[c->nr_spans++];
		sp->first = sp->last = i;
		sp->start = tb->start[i];
		sp->end = tb->end[i];
	}
	return 0;
}

static void series_finish(const struct pt_timebase *tb, struct pt_series *s)
{
	double total = 0;
	size_t b, i;

	s->max = NAN;
	s->count = 0;
	for (b = 0; b < tb->nb; b++) {
		double mx = NAN, sum = 0;
		size_t k = 0;

		for (i = tb->first[b]; i < tb->first[b + 1]; i++) {
			double v = s->v[i];

			if (isnan(v))
				continue;
			if (isnan(mx) || v > mx)
				mx = v;
			if (isnan(s->max) || v > s->max) {
				s->max = v;
				s->max_at = i;
			}
			sum += v;
			k++;
		}
		s->bmax[b] = mx;
		s->bmean[b] = k ? sum / (double)k : NAN;
		s->bsum[b] = sum;
		total += sum;
		s->count += k;
	}
	s->mean = s->count ? total / (double)s->count : NAN;
}

int pt_chart_finish(struct pt_chart *c)
{
	const struct pt_timebase *tb = c->tb;
	double top = 0;
	size_t b, k;

	for (k = 0; k < c->ns; k++)
		series_finish(tb, &c->s[k]);
	for (b = 0; b < tb->nb; b++) {
		double stack = 0;

		for (k = 0; k < c->ns; k++) {
			double v = c->stacked ? c->s[k].bmean[b] : c->s[k].bmax[b];

			if (isnan(v))
				continue;
			if (c->stacked)
				stack += v;
			else if (v > top)
				top = v;
		}
		if (stack > top)
			top = stack;
	}
	/* the warning line is always on the chart: how far from it the data
	 * stays is part of the picture */
	if (!isnan(c->warn) && c->warn > top)
		top = c->warn;
	c->ymax = pt_nice_ceil(top);
	c->ystep = pt_nice_step(c->ymax);
	return 0;
}

void pt_chart_free(struct pt_chart *c)
{
	size_t k;

	for (k = 0; k < c->ns; k++) {
		free(c->s[k].v);
		free(c->s[k].bmax);
		free(c->s[k].bmean);
		free(c->s[k].bsum);
	}
	free(c->spans);
	c->ns = 0;
	c->spans = NULL;
	c->nr_spans = 0;
}

/* v's mantissa in [1, 10) and its power of ten. */
static double mantissa(double v, double *pow10)
{
	*pow10 = pow(10, floor(log10(v)));
	return v / *pow10;
}

double pt_nice_ceil(double v)
{
	static const double steps[] = { 1, 2, 2.5, 5, 10 };
	double p, m;
	size_t i;

	if (!(v > 0) || !isfinite(v))
		return 1;
	m = mantissa(v, &p);
	for (i = 0; i < PT_ARRAY_SIZE(steps); i++)
		if (m <= steps[i] * (1 + 1e-9))
			return steps[i] * p;
	return 10 * p;
}

double pt_nice_step(double ymax)
{
	double p, m;

	if (!(ymax > 0) || !isfinite(ymax))
		return 0.2;
	m = mantissa(ymax, &p);
	/* 1 -> 0.2 (5 steps), 2 -> 0.5 (4), 2.5 -> 0.5 (5), 5 -> 1 (5) */
	if (fabs(m - 2) < 1e-6)
		return ymax / 4;
	return ymax / 5;
}

uint64_t pt_time_step_ns(uint64_t span_ns, unsigned int max_ticks)
{
	static const uint64_t ms[] = {
		100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000,
		60000, 120000, 300000, 600000, 900000, 1800000,
		3600000, 7200000, 10800000, 21600000, 43200000, 86400000,
	};
	size_t i;

	if (!max_ticks)
		max_ticks = 1;
	for (i = 0; i < PT_ARRAY_SIZE(ms); i++)
		if (span_ns / (ms[i] * 1000000ull) <= max_ticks)
			return ms[i] * 1000000ull;
	/* longer than max_ticks days: whole days */
	return (span_ns / max_ticks / 86400000000000ull + 1) * 86400000000000ull;
}
