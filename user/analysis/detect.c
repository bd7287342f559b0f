// SPDX-License-Identifier: GPL-2.0
/*
 * Bottleneck detection, the engine: culprit tables, per-interval
 * evaluation of every rule, the live sliding-window detector and the
 * whole-window evaluation (persistence, severity, culprits, the finding's
 * text).  The rules themselves are in detect_rules.c.  Pure.  The model
 * behind it is explained in detect.h and docs/detection.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_rules.h"
#include "keyindex.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Entities: who contributes to a rule, accumulated over intervals.    */

/*
 * One task, process, device or connection.  `rank` orders culprits (its
 * contribution: wait time, faults, retransmits...); its value in the
 * rule's unit is num / den, or num per second of the window when the rule
 * measures a rate (den unused).
 */
struct entity {
	char key[2 * PT_ADDR_MAX + PT_COMM_MAX + 32];
	struct pt_culprit who;
	double rank, num, den;
};

/* Entities in a dense array, found by key through an index. */
struct entity_table {
	PT_ARRAY(struct entity, ents);
	struct pt_keyindex index;
};

static void table_init(struct entity_table *t)
{
	memset(t, 0, sizeof(*t));
	pt_keyindex_init(&t->index, sizeof(struct entity),
			 offsetof(struct entity, key));
}

static void table_reset(struct entity_table *t)
{
	/* Not trimmed (PT_TRIM): one table serves every rule of an interval
	 * in turn, so a rule with few entities after cpu.runq_latency's
	 * thousands would shrink it and the next interval regrow it through
	 * every doubling (2,577 reallocs up to 3 MB in a 10-minute serve
	 * soak, 2026-12-05). */
	t->ents.n = 0;
	pt_keyindex_clear(&t->index);
}

static void table_free(struct entity_table *t)
{
	free(t->ents.v);
	pt_keyindex_free(&t->index);
	table_init(t);
}

/* The entity for key, created zeroed on first use; NULL without memory. */
static struct entity *table_get(struct entity_table *t, const char *key)
{
	long pos = pt_keyindex_find(&t->index, t->ents.v, key);
	struct entity *e;

	if (pos >= 0)
		return &t->ents.v[pos];
	if (pt_keyindex_reserve(&t->index, t->ents.v, t->ents.n))
		return NULL;
	e = PT_PUSH(t->ents);
	if (!e)
		return NULL;
	pt_strlcpy(e->key, key, sizeof(e->key));
	pt_keyindex_add(&t->index, t->ents.v, t->ents.n - 1);
	return e;
}

double pt_rule_interval_s(const struct pt_snapshot *s)
{
	return s->interval_ns ? (double)s->interval_ns / NS_PER_S : 1.0;
}

void pt_rule_add_entity(struct rule_ctx *c, const char *key,
			const struct pt_culprit *who, double rank, double num,
			double den)
{
	struct entity *e;

	if (!c->ents)
		return;
	/* perftop's own threads wait with the rest (a fork storm named it
	 * among the most affected): not the culprits an SRE looks for */
	if (who->kind == PT_CULPRIT_TASK && c->s->self_tgid &&
	    who->task.tgid == c->s->self_tgid)
		return;
	e = table_get(c->ents, key);
	if (!e) {
		c->err = -ENOMEM;
		return;
	}
	e->who = *who;
	e->rank += rank;
	e->num += num;
	e->den += den;
}

void pt_rule_add_record(struct rule_ctx *c, const struct pt_record_type *rt,
			const void *rec, double rank, double num, double den)
{
	char key[sizeof(((struct entity *)0)->key)];
	struct pt_culprit who;

	if (!c->ents)
		return;
	rt->key(rec, false, key, sizeof(key));
	rt->who(rec, &who);
	pt_rule_add_entity(c, key, &who, rank, num, den);
}

/* ------------------------------------------------------------------ */
/* Rule facts and configuration.                                       */

const char *pt_rule_name(enum pt_rule_id r) { return pt_rules[r].name; }
const char *pt_rule_subsystem(enum pt_rule_id r) { return pt_rules[r].subsystem; }
const char *pt_rule_unit(enum pt_rule_id r) { return pt_rules[r].unit; }
const char *pt_rule_culprit_unit(enum pt_rule_id r) { return pt_rules[r].culprit_unit; }
const char *pt_rule_what(enum pt_rule_id r) { return pt_rules[r].what; }
const char *pt_rule_advice(enum pt_rule_id r) { return pt_rules[r].advice; }

int pt_rule_lookup(const char *name)
{
	int r;

	for (r = 0; r < PT_NR_RULES; r++)
		if (!strcmp(name, pt_rules[r].name))
			return r;
	return -1;
}

const char *pt_detect_check(const struct pt_detect_config *cfg, char *bad,
			    size_t badlen)
{
	int r;

	bad[0] = '\0';
	for (r = 0; r < PT_NR_RULES; r++) {
		const struct pt_threshold *t = &cfg->thr[r];

		if (!(t->warning >= 0) || !(t->critical >= 0) ||
		    !isfinite(t->warning) || !isfinite(t->critical)) {
			snprintf(bad, badlen, "thresholds.%s", pt_rules[r].name);
			return "thresholds must be finite numbers >= 0";
		}
		if (t->warning > t->critical) {
			snprintf(bad, badlen, "thresholds.%s", pt_rules[r].name);
			return "warning must not be above critical";
		}
	}
	if (!(cfg->persistence > 0 && cfg->persistence <= 1)) {
		snprintf(bad, badlen, "persistence");
		return "must be a fraction above 0 and at most 1";
	}
	if (!(cfg->window_s > 0 && cfg->window_s <= 86400)) {
		snprintf(bad, badlen, "window");
		return "must be seconds above 0 (at most 86400)";
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Building findings.                                                  */

static int cmp_entity_rank(const void *a, const void *b)
{
	const struct entity *x = *(const struct entity *const *)a;
	const struct entity *y = *(const struct entity *const *)b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? 1 : -1;
	return strcmp(x->key, y->key);	/* stable across runs */
}

/* The top culprits of t into f, largest contribution first. */
static int pick_culprits(const struct rule_def *rd,
			 const struct pt_detect_config *cfg,
			 struct entity_table *t, double seconds,
			 struct pt_finding *f)
{
	uint64_t min = rd->min_den ? rd->min_den(cfg) : 0;
	struct entity **order;
	size_t i, n = 0;

	f->nr_culprits = 0;
	if (!t->ents.n)
		return 0;
	order = malloc(t->ents.n * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < t->ents.n; i++)
		if (t->ents.v[i].num > 0 &&
		    (rd->rate || t->ents.v[i].den >= (double)min))
			order[n++] = &t->ents.v[i];
	for (i = 0; i < n; i++) {
		struct entity *e = order[i];

		e->who.value = rd->rate ? (seconds > 0 ? e->num / seconds : 0) :
					  (e->den > 0 ? e->num / e->den : 0);
		if (rd->by_value)
			e->rank = e->who.value;
	}
	qsort(order, n, sizeof(*order), cmp_entity_rank);
	for (i = 0; i < n && f->nr_culprits < PT_MAX_CULPRITS; i++)
		f->culprits[f->nr_culprits++] = order[i]->who;
	free(order);
	return 0;
}

void pt_culprit_name(const struct pt_culprit *c, char *buf, size_t len)
{
	if (c->kind == PT_CULPRIT_CGROUP)
		snprintf(buf, len, "cgroup %s", c->task.cgroup);
	else if (c->kind == PT_CULPRIT_DEV)
		snprintf(buf, len, "%s", c->dev);
	else if (c->kind == PT_CULPRIT_CONN && !c->task.tgid)
		snprintf(buf, len, "%s:%u->%s:%u", c->saddr, c->sport, c->daddr,
			 c->dport);
	else if (c->kind == PT_CULPRIT_CONN)
		snprintf(buf, len, "%s:%u->%s:%u (%s[%u])", c->saddr, c->sport,
			 c->daddr, c->dport, c->task.comm[0] ? c->task.comm : "?",
			 c->task.tgid);
	else if (c->task.cgroup[0] && strcmp(c->task.cgroup, "/"))
		snprintf(buf, len, "%s[%u] in %s", c->task.comm, c->task.pid,
			 c->task.cgroup);
	else
		snprintf(buf, len, "%s[%u]", c->task.comm, c->task.pid);
}

static void fill_finding(struct pt_finding *f, enum pt_rule_id r,
			 const struct pt_detect_config *cfg, double value,
			 unsigned int active, unsigned int total)
{
	const struct rule_def *rd = &pt_rules[r];
	char who[320] = "";

	f->severity = value >= cfg->thr[r].critical ? PT_SEV_CRITICAL :
						      PT_SEV_WARNING;
	f->threshold = f->severity == PT_SEV_CRITICAL ? cfg->thr[r].critical :
							cfg->thr[r].warning;
	f->value = value;
	pt_strlcpy(f->subsystem, rd->subsystem, sizeof(f->subsystem));
	pt_strlcpy(f->rule, rd->name, sizeof(f->rule));
	pt_strlcpy(f->unit, rd->unit, sizeof(f->unit));
	pt_strlcpy(f->advice, rd->advice, sizeof(f->advice));
	if (f->nr_culprits) {
		char name[140];

		pt_culprit_name(&f->culprits[0], name, sizeof(name));
		if (f->culprits[0].site[0])	/* io.blocked, lock.contention */
			snprintf(who, sizeof(who), "; most affected: %s in `%.*s`",
				 name, 100, f->culprits[0].site);
		else
			snprintf(who, sizeof(who), "; most affected: %s", name);
	}
	snprintf(f->summary, sizeof(f->summary),
		 "%c%s was %.1f %s (%s at %g %s) in %u of %u intervals%s.",
		 rd->what[0] >= 'a' && rd->what[0] <= 'z' ? rd->what[0] - 32 :
							    rd->what[0],
		 rd->what + 1, value, rd->unit, pt_severity_name(f->severity),
		 f->threshold, rd->unit, active, total, who);
}

static int cmp_double_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The level held in at least ceil(persistence * total) of the intervals:
 * sort descending, take that rank.  -1 when there are fewer values.
 */
static double persisted_value(double *vals, size_t n, size_t total,
			      double persistence)
{
	size_t need = (size_t)ceil(persistence * (double)total - 1e-9);

	if (need < 1)
		need = 1;
	if (need > n)
		return -1;
	qsort(vals, n, sizeof(*vals), cmp_double_desc);
	return vals[need - 1];
}

/* The rule's value over a window of `total` intervals, n of them measured:
 * the persistence quantile, or for event rules the mean rate. */
static double window_value(enum pt_rule_id r, double *vals, size_t n,
			   size_t total, double persistence)
{
	double sum = 0;
	size_t i;

	if (!pt_rules[r].event)
		return persisted_value(vals, n, total, persistence);
	if (!n || !total)
		return -1;
	for (i = 0; i < n; i++)
		sum += vals[i];
	return sum / (double)total;
}

/* ------------------------------------------------------------------ */
/* Live: sliding window.                                               */

/* The live window holds at most this many intervals (~20 KiB each). */
#define LIVE_MAX_INTERVALS 256

struct live_entry {
	uint64_t ts_ns;
	struct sample smp[PT_NR_RULES];
	struct pt_finding culprits[PT_NR_RULES];	/* only culprits used */
};

struct pt_detector {
	struct pt_detect_config cfg;
	struct live_entry *ring;
	size_t cap, head, n;		/* ring of the last n entries */
	struct entity_table ents;
};

struct pt_detector *pt_detector_new(const struct pt_detect_config *cfg)
{
	struct pt_detector *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cfg = *cfg;
	table_init(&d->ents);
	return d;
}

void pt_detector_free(struct pt_detector *d)
{
	if (!d)
		return;
	table_free(&d->ents);
	free(d->ring);
	free(d);
}

/* Evaluate every rule over one snapshot; culprits of that interval. */
static int eval_interval(const struct pt_detect_config *cfg,
			 const struct pt_snapshot *s, struct entity_table *ents,
			 struct live_entry *e)
{
	int r, err;

	for (r = 0; r < PT_NR_RULES; r++) {
		struct rule_ctx c = { .cfg = cfg, .s = s, .ents = ents };

		memset(&e->smp[r], 0, sizeof(e->smp[r]));
		table_reset(ents);
		pt_rules[r].sample(&c, &e->smp[r]);
		if (c.err)
			return c.err;
		err = pick_culprits(&pt_rules[r], cfg, ents, pt_rule_interval_s(s),
				    &e->culprits[r]);
		if (err)
			return err;
		pt_strlcpy(e->culprits[r].advice, c.advice,
			   sizeof(e->culprits[r].advice));
	}
	return 0;
}

static struct live_entry *live_slot(struct pt_detector *d, uint64_t ts,
				    uint64_t window_ns)
{
	/* Drop entries that fell out of the window, or beyond the cap. */
	while (d->n) {
		struct live_entry *old = &d->ring[(d->head + d->cap - d->n) % d->cap];

		if (ts - old->ts_ns < window_ns && d->n < LIVE_MAX_INTERVALS)
			break;
		d->n--;
	}
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16, i;
		struct live_entry *nr = calloc(ncap, sizeof(*nr));

		if (!nr)
			return NULL;
		for (i = 0; i < d->n; i++)
			nr[i] = d->ring[(d->head + d->cap - d->n + i) % d->cap];
		free(d->ring);
		d->ring = nr;
		d->cap = ncap;
		d->head = d->n;
	}
	d->ring[d->head].ts_ns = ts;
	return &d->ring[d->head];
}

static int live_rule(struct pt_detector *d, struct pt_snapshot *s,
		     enum pt_rule_id r, size_t expected)
{
	double thr = d->cfg.thr[r].warning, vals[LIVE_MAX_INTERVALS], v;
	const struct live_entry *last_active = NULL;
	unsigned int active = 0;
	size_t i, n = 0;
	struct pt_finding *f;

	for (i = 0; i < d->n && n < PT_ARRAY_SIZE(vals); i++) {
		const struct live_entry *e =
			&d->ring[(d->head + d->cap - d->n + i) % d->cap];

		if (!e->smp[r].measured)
			continue;
		vals[n++] = e->smp[r].value;
		if (e->smp[r].value >= thr) {
			active++;
			last_active = e;
		}
	}
	v = window_value(r, vals, n, d->n > expected ? d->n : expected,
			 d->cfg.persistence);
	if (v < thr || !last_active)
		return 0;
	f = PT_PUSH(s->findings);
	if (!f)
		return -ENOMEM;
	memcpy(f->culprits, last_active->culprits[r].culprits,
	       sizeof(f->culprits));
	f->nr_culprits = last_active->culprits[r].nr_culprits;
	fill_finding(f, r, &d->cfg, v, active,
		     (unsigned int)(d->n > expected ? d->n : expected));
	if (last_active->culprits[r].advice[0])
		pt_strlcpy(f->advice, last_active->culprits[r].advice,
			   sizeof(f->advice));
	return 0;
}

int pt_detector_feed(struct pt_detector *d, struct pt_snapshot *s)
{
	uint64_t window_ns = (uint64_t)(d->cfg.window_s * NS_PER_S);
	uint64_t ivl = s->interval_ns ? s->interval_ns : 1000000000ull;
	size_t expected = (size_t)llround((double)window_ns / (double)ivl);
	struct live_entry *e;
	int r, err;

	e = live_slot(d, s->ts_ns, window_ns);
	if (!e)
		return -ENOMEM;
	err = eval_interval(&d->cfg, s, &d->ents, e);
	if (err)
		return err;
	d->head = (d->head + 1) % d->cap;
	d->n++;
	if (expected < 1)
		expected = 1;
	if (expected > LIVE_MAX_INTERVALS)
		expected = LIVE_MAX_INTERVALS;
	for (r = 0; r < PT_NR_RULES && !err; r++)
		err = live_rule(d, s, (enum pt_rule_id)r, expected);
	return err;
}

/* ------------------------------------------------------------------ */
/* Whole window: scan and report.                                      */

struct rule_series {
	struct sample *smp;	/* one per snapshot */
	uint64_t *end_ns, *ivl_ns;
	struct entity_table ents;	/* accumulated over active intervals */
	double active_s;
	uint64_t first_ns, last_ns;
	unsigned int active, measured;
	char advice[PT_TEXT_MAX];	/* last active interval's, "" none */
};

struct pt_window {
	struct pt_detect_config cfg;
	struct rule_series rs[PT_NR_RULES];
	size_t n, cap;
	uint64_t start_ns, end_ns;
	struct entity_table scratch;
	struct pt_window_finding out[PT_NR_RULES];
};

struct pt_window *pt_window_new(const struct pt_detect_config *cfg)
{
	struct pt_window *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return NULL;
	w->cfg = *cfg;
	table_init(&w->scratch);
	for (r = 0; r < PT_NR_RULES; r++)
		table_init(&w->rs[r].ents);
	return w;
}

void pt_window_free(struct pt_window *w)
{
	int r;

	if (!w)
		return;
	for (r = 0; r < PT_NR_RULES; r++) {
		free(w->rs[r].smp);
		free(w->rs[r].end_ns);
		free(w->rs[r].ivl_ns);
		table_free(&w->rs[r].ents);
	}
	table_free(&w->scratch);
	free(w);
}

static int window_grow(struct pt_window *w)
{
	size_t ncap = w->cap ? w->cap * 2 : 64;
	int r;

	for (r = 0; r < PT_NR_RULES; r++) {
		struct rule_series *rs = &w->rs[r];
		void *a = realloc(rs->smp, ncap * sizeof(*rs->smp));

		if (!a)
			return -ENOMEM;
		rs->smp = a;
		a = realloc(rs->end_ns, ncap * sizeof(*rs->end_ns));
		if (!a)
			return -ENOMEM;
		rs->end_ns = a;
		a = realloc(rs->ivl_ns, ncap * sizeof(*rs->ivl_ns));
		if (!a)
			return -ENOMEM;
		rs->ivl_ns = a;
	}
	w->cap = ncap;
	return 0;
}

int pt_window_add(struct pt_window *w, const struct pt_snapshot *s)
{
	int r;

	if (w->n == w->cap && window_grow(w))
		return -ENOMEM;
	if (!w->n)
		w->start_ns = s->time_ns - s->interval_ns;
	w->end_ns = s->time_ns;
	for (r = 0; r < PT_NR_RULES; r++) {
		struct rule_series *rs = &w->rs[r];
		struct sample *smp = &rs->smp[w->n];
		struct rule_ctx c = { .cfg = &w->cfg, .s = s,
				      .ents = &w->scratch };
		size_t i;

		memset(smp, 0, sizeof(*smp));
		table_reset(&w->scratch);
		pt_rules[r].sample(&c, smp);
		if (c.err)
			return c.err;
		rs->end_ns[w->n] = s->time_ns;
		rs->ivl_ns[w->n] = s->interval_ns;
		if (!smp->measured || smp->value < w->cfg.thr[r].warning)
			continue;
		/* the cause as named in the last active interval */
		pt_strlcpy(rs->advice, c.advice, sizeof(rs->advice));
		/* An active interval: its contributors join the culprits. */
		for (i = 0; i < w->scratch.ents.n; i++) {
			const struct entity *e = &w->scratch.ents.v[i];
			struct entity *acc = table_get(&rs->ents, e->key);

			if (!acc)
				return -ENOMEM;
			acc->who = e->who;
			acc->rank += e->rank;
			acc->num += e->num;
			acc->den += e->den;
		}
	}
	w->n++;
	return 0;
}

static int window_rule(struct pt_window *w, enum pt_rule_id r,
		       struct pt_window_finding *wf, bool *fires)
{
	struct rule_series *rs = &w->rs[r];
	double thr = w->cfg.thr[r].warning, v, active_s = 0, *vals;
	size_t i, n = 0;

	*fires = false;
	memset(wf, 0, sizeof(*wf));
	if (!w->n)
		return 0;
	vals = malloc(w->n * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < w->n; i++) {
		if (!rs->smp[i].measured)
			continue;
		wf->measured++;
		vals[n++] = rs->smp[i].value;
		if (rs->smp[i].value < thr)
			continue;
		if (!wf->active++)
			wf->first_ns = rs->end_ns[i] - rs->ivl_ns[i];
		wf->last_ns = rs->end_ns[i];
		active_s += (double)rs->ivl_ns[i] / NS_PER_S;
	}
	v = window_value(r, vals, n, w->n, w->cfg.persistence);
	free(vals);
	if (v < thr || !wf->active)
		return 0;
	*fires = true;
	if (pick_culprits(&pt_rules[r], &w->cfg, &rs->ents, active_s, &wf->f))
		return -ENOMEM;
	fill_finding(&wf->f, r, &w->cfg, v, wf->active, (unsigned int)w->n);
	if (rs->advice[0])
		pt_strlcpy(wf->f.advice, rs->advice, sizeof(wf->f.advice));
	return 0;
}

int pt_window_findings(struct pt_window *w,
		       const struct pt_window_finding **out, size_t *n)
{
	struct pt_window_finding all[PT_NR_RULES];
	bool fires[PT_NR_RULES];
	size_t k = 0;
	int r, sev, err;

	for (r = 0; r < PT_NR_RULES; r++) {
		err = window_rule(w, (enum pt_rule_id)r, &all[r], &fires[r]);
		if (err)
			return err;
	}
	for (sev = PT_SEV_CRITICAL; sev >= PT_SEV_WARNING; sev--)
		for (r = 0; r < PT_NR_RULES; r++)
			if (fires[r] && (int)all[r].f.severity == sev)
				w->out[k++] = all[r];
	*out = w->out;
	*n = k;
	return 0;
}

double pt_window_rule_value(const struct pt_window *w, enum pt_rule_id r)
{
	const struct rule_series *rs = &w->rs[r];
	double *vals, v;
	size_t i, n = 0;

	if (!w->n)
		return -1;
	vals = malloc(w->n * sizeof(*vals));
	if (!vals)
		return -1;
	for (i = 0; i < w->n; i++)
		if (rs->smp[i].measured)
			vals[n++] = rs->smp[i].value;
	v = n ? window_value(r, vals, n, w->n, w->cfg.persistence) : -1;
	/* Measured too rarely to reach the persistence rank: say 0. */
	if (n && v < 0)
		v = 0;
	free(vals);
	return v;
}

bool pt_window_interval(const struct pt_window *w, enum pt_rule_id r,
			size_t i, double *value)
{
	if (i >= w->n || !w->rs[r].smp[i].measured)
		return false;
	*value = w->rs[r].smp[i].value;
	return true;
}

size_t pt_window_snapshots(const struct pt_window *w) { return w->n; }
uint64_t pt_window_start_ns(const struct pt_window *w) { return w->start_ns; }
uint64_t pt_window_end_ns(const struct pt_window *w) { return w->end_ns; }
