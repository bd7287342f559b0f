// SPDX-License-Identifier: GPL-2.0
/*
 * Window sums of every record type, per row key for those with a
 * .sum_kind (task, process, device, connection); --baseline.  Everything
 * about a field (how it adds up, its baseline metric) is in its line of
 * the field table (model/fields.c).  Pure.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "keyindex.h"
#include "summary.h"
#include "util.h"

void pt_summary_init(struct pt_summary *sum, bool by_name)
{
	memset(sum, 0, sizeof(*sum));
	sum->by_name = by_name;
	pt_keyindex_init(&sum->index, sizeof(struct pt_sum_row),
			 offsetof(struct pt_sum_row, key));
}

void pt_summary_free(struct pt_summary *sum)
{
	size_t i;

	for (i = 0; i < sum->rows.n; i++)
		free(sum->rows.v[i].hist);
	for (i = 0; i < PT_RECORDS_MAX; i++)
		free(sum->total_hist[i]);
	free(sum->rows.v);
	pt_keyindex_free(&sum->index);
	pt_summary_init(sum, sum->by_name);
}

static struct pt_sum_row *row_get(struct pt_summary *sum, const char *key,
				  int rec)
{
	long pos = pt_keyindex_find(&sum->index, sum->rows.v, key);
	struct pt_sum_row *r;

	if (pos >= 0)
		return &sum->rows.v[pos];
	if (pt_keyindex_reserve(&sum->index, sum->rows.v, sum->rows.n))
		return NULL;
	r = PT_PUSH(sum->rows);
	if (!r)
		return NULL;
	pt_strlcpy(r->key, key, sizeof(r->key));
	r->rec = rec;
	pt_keyindex_add(&sum->index, sum->rows.v, sum->rows.n - 1);
	return r;
}

static int add_records(struct pt_summary *sum, const struct pt_snapshot *s,
		       int k)
{
	const struct pt_record_type *rt = pt_records[k];
	size_t i, n = pt_record_count(rt, s);
	double x[PT_FIELDS_MAX];

	for (i = 0; i < n; i++) {
		const void *rec = pt_record_at(rt, s, i);
		struct pt_sum_row *r;
		char key[PT_SUM_KEY_MAX];

		pt_record_values(rt, rec, x);
		pt_record_combine(rt, sum->total[k], x, PT_ADD_INTERVALS);
		if (pt_sum_hist_add(rt, s, rec, &sum->total_hist[k]))
			return -ENOMEM;
		if (!rt->sum_kind)
			continue;
		rt->key(rec, sum->by_name, key, sizeof(key));
		r = row_get(sum, key, k);
		if (!r || pt_sum_hist_add(rt, s, rec, &r->hist))
			return -ENOMEM;
		rt->who(rec, &r->who);
		pt_record_combine(rt, r->acc, x, PT_ADD_INTERVALS);
	}
	return 0;
}

static void add_psi(struct pt_summary *sum, const struct pt_snapshot *s)
{
	const struct pt_pressure *p = &s->pressure;
	const double v[3] = { p->cpu, p->memory, p->io };
	const double share[3] = { p->cpu_some, p->memory_some, p->io_some };
	int i;

	for (i = 0; i < 3; i++) {
		if (share[i] >= 0) {
			sum->psi_stall_ns[i] += share[i] / 100 * (double)s->interval_ns;
			sum->psi_span_ns[i] += (double)s->interval_ns;
			if (share[i] > sum->psi_share_max[i])
				sum->psi_share_max[i] = share[i];
		}
		if (v[i] < 0)
			continue;
		if (v[i] > sum->psi_max[i])
			sum->psi_max[i] = v[i];
		sum->psi_sum[i] += v[i];
		sum->psi_n[i]++;
	}
}

int pt_summary_add(struct pt_summary *sum, const struct pt_snapshot *s)
{
	size_t k;
	int err = 0;

	sum->snapshots++;
	sum->duration_s += (double)s->interval_ns / 1e9;
	sum->families |= s->families;
	add_psi(sum, s);
	pt_loss_add(&sum->loss, &s->loss);
	for (k = 0; k < pt_nr_records && !err; k++)
		if (s->families & (1u << pt_records[k]->family))
			err = add_records(sum, s, (int)k);
	return err;
}

int pt_sum_hist_add(const struct pt_record_type *rt,
		    const struct pt_snapshot *s, const void *rec,
		    struct pt_lat_hist **acc)
{
	struct pt_lat_hist h;

	if (!pt_record_hist(rt, s, rec, &h))
		return 0;
	if (!*acc && !(*acc = calloc(1, sizeof(**acc))))
		return -ENOMEM;
	pt_lat_hist_merge(*acc, &h);
	return 0;
}

bool pt_sum_hist_missing(const struct pt_lat_hist *h)
{
	return h && h->missing;
}

/*
 * A percentile of the window: a real one from the merged histogram
 * (nearest rank, the bucket's midpoint, so within 6.25%; clamped to the
 * window's exact max).  The count-weighted mean of the intervals' p99s,
 * the only thing a trace without histograms allows, is no percentile: one interval
 * of 1000 waits at 1 ms and one of 1000 at 100 ms have a p99 near 100 ms,
 * their mean p99 is near 50 ms (tests/unit/test_fields.c).
 */
void pt_sum_values(const struct pt_record_type *rt, const double *acc,
		   const struct pt_lat_hist *h, double *out)
{
	int max = h ? pt_field_index(rt, rt->hist.max) : -1;
	bool from_hist = h && !h->missing && h->count && max >= 0;
	size_t i;

	memcpy(out, acc, rt->nr_fields * sizeof(*out));
	pt_record_derive(rt, out);	/* weights may be derived (ios) */
	for (i = 0; i < rt->nr_fields; i++) {
		const struct pt_field *f = &rt->fields[i];
		int w = pt_field_weight(rt, i);

		if (f->combine != PT_COMB_PCTL)
			continue;
		if (from_hist)
			out[i] = (double)pt_hist_percentile(h, f->q,
							    (uint64_t)acc[max]);
		else
			out[i] = out[w] > 0 ? acc[i] / out[w] : 0;
	}
	pt_record_derive(rt, out);
}

double pt_sum_show(const struct pt_summary *sum, double v, bool rate,
		   double div)
{
	if (div)
		v /= div;
	if (rate)
		v = sum->duration_s > 0 ? v / sum->duration_s : 0;
	return v;
}

/* The row's place in its top list: the .sum_sort values times their
 * multipliers; a percentile with no samples behind it sorts below 0. */
static double main_measure(const struct pt_sum_row *r)
{
	const struct pt_record_type *rt = pt_records[r->rec];
	double v[PT_FIELDS_MAX], m = 0;
	int k;

	pt_sum_values(rt, r->acc, r->hist, v);
	for (k = 0; k < 2 && rt->sum_sort[k].field; k++) {
		int i = pt_field_index(rt, rt->sum_sort[k].field);
		int w = pt_field_weight(rt, (size_t)i);

		if (rt->fields[i].combine == PT_COMB_PCTL && !(v[w] > 0))
			return -1;
		m += v[i] * rt->sum_sort[k].mul;
	}
	return m;
}

/* A row and its place, computed once before sorting. */
struct ranked {
	const struct pt_sum_row *row;
	double measure;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->measure != y->measure)
		return x->measure < y->measure ? 1 : -1;
	return strcmp(x->row->key, y->row->key);
}

int pt_summary_top(const struct pt_summary *sum,
		   const struct pt_record_type *rt,
		   const struct pt_sum_row ***out, size_t *n)
{
	int rec = pt_record_index(rt);
	const struct pt_sum_row **v;
	struct ranked *rk;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!sum->rows.n)
		return 0;
	v = malloc(sum->rows.n * sizeof(*v));
	rk = malloc(sum->rows.n * sizeof(*rk));
	if (!v || !rk) {
		free(v);
		free(rk);
		return -ENOMEM;
	}
	for (i = 0; i < sum->rows.n; i++)
		if (sum->rows.v[i].rec == rec) {
			rk[k].row = &sum->rows.v[i];
			rk[k++].measure = main_measure(&sum->rows.v[i]);
		}
	qsort(rk, k, sizeof(*rk), cmp_ranked);
	for (i = 0; i < k; i++)
		v[i] = rk[i].row;
	free(rk);
	*out = v;
	*n = k;
	return 0;
}

/* ---- --baseline ---- */

#define WORSE_RATIO 1.5

static const struct pt_sum_row *find_row(const struct pt_summary *sum,
					 const char *key)
{
	long pos = pt_keyindex_find(&sum->index, sum->rows.v, key);

	return pos >= 0 ? &sum->rows.v[pos] : NULL;
}

static void row_name(const struct pt_sum_row *r, char *buf, size_t len)
{
	if (r->who.kind == PT_CULPRIT_DEV)
		snprintf(buf, len, "%s", r->who.dev);
	else if (r->who.kind == PT_CULPRIT_CONN)
		snprintf(buf, len, "%s->%s:%u", r->who.task.comm, r->who.daddr,
			 r->who.dport);
	else
		snprintf(buf, len, "%s", r->who.task.comm);
}

static int cmp_regression(const void *a, const void *b)
{
	const struct pt_regression *x = a, *y = b;
	double dx = x->current - x->baseline, dy = y->current - y->baseline;

	if (x->rec != y->rec)
		return x->rec - y->rec;
	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

/* A field's --baseline metric in a summary row; 0 when too few samples
 * stand behind it to compare (a p99 of a handful of waits). */
static double metric_value(const struct pt_summary *sum,
			   const struct pt_sum_row *r, size_t i)
{
	const struct pt_record_type *rt = pt_records[r->rec];
	const struct pt_regspec *g = &rt->fields[i].regress;
	double v[PT_FIELDS_MAX];
	int w = pt_field_weight(rt, i);

	pt_sum_values(rt, r->acc, r->hist, v);
	if (g->min_weight > 0 && w >= 0 && v[w] < g->min_weight)
		return 0;
	return pt_sum_show(sum, v[i], g->rate, g->div);
}

int pt_summary_compare(const struct pt_summary *base,
		       const struct pt_summary *cur,
		       struct pt_regression **out, size_t *n)
{
	PT_ARRAY(struct pt_regression, res) = { 0 };
	size_t i, m;

	for (i = 0; i < cur->rows.n; i++) {
		const struct pt_sum_row *r = &cur->rows.v[i];
		const struct pt_sum_row *b = find_row(base, r->key);
		const struct pt_record_type *rt = pt_records[r->rec];

		for (m = 0; m < rt->nr_fields; m++) {
			const struct pt_regspec *mt = &rt->fields[m].regress;
			double now, was;
			struct pt_regression *g;

			if (!mt->metric)
				continue;
			now = metric_value(cur, r, m);
			was = b ? metric_value(base, b, m) : 0;
			if (now - was < mt->floor || now < was * WORSE_RATIO)
				continue;
			g = PT_PUSH(res);
			if (!g) {
				free(res.v);
				return -ENOMEM;
			}
			g->rec = r->rec;
			row_name(r, g->name, sizeof(g->name));
			g->metric = mt->metric;
			pt_strlcpy(g->key, r->key, sizeof(g->key));
			g->field = (int)m;
			g->unit = mt->unit;
			g->baseline = was;
			g->current = now;
			g->averaged = rt->fields[m].combine == PT_COMB_PCTL &&
				      (pt_sum_hist_missing(r->hist) ||
				       (b && pt_sum_hist_missing(b->hist)));
		}
	}
	if (res.n > 1)
		qsort(res.v, res.n, sizeof(*res.v), cmp_regression);
	*out = res.v;
	*n = res.n;
	return 0;
}
