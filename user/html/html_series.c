// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report's timelines, one table row per chart: which numbers of
 * each snapshot it draws, under which rule's thresholds and spans.  Rule
 * values come from the detection's own per-interval evaluation
 * (pt_window_interval), never recomputed here.  Pure.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_impl.h"
#include "util.h"

#define NS_PER_S 1e9
#define NS_PER_MS 1e6
#define DISK_SERIES 6		/* devices drawn; the rest are counted */

static const char *const section_ids[PT_NR_SECTIONS] = {
	"cpu", "memory", "disk", "network", "loss",
};
static const char *const section_titles[PT_NR_SECTIONS] = {
	"CPU", "Memory", "Disk", "Network", "Data loss",
};

const char *pt_html_section_id(enum pt_html_section s) { return section_ids[s]; }
const char *pt_html_section_title(enum pt_html_section s) { return section_titles[s]; }

static double ivl_s(const struct pt_snapshot *s)
{
	return s->interval_ns ? (double)s->interval_ns / NS_PER_S : 1.0;
}

static bool has(const struct pt_snapshot *s, enum pt_family_id f)
{
	return s->families & (1u << f);
}

struct fill_ctx {
	const struct pt_html_input *in;
	struct pt_chart *c;
	int err;
};

static struct pt_series *series(struct fill_ctx *x, const char *label,
				 const char *tag)
{
	struct pt_series *s = pt_chart_series(x->c, label, &x->err);

	if (s)
		pt_strlcpy(s->tag, tag, sizeof(s->tag));
	return s;
}

/* The rule's own value per interval, as detection evaluated it. */
static void rule_series(struct fill_ctx *x, enum pt_rule_id r,
			const char *label)
{
	struct pt_series *s = series(x, label, "judged");
	size_t i;

	for (i = 0; s && i < x->in->nr_snaps; i++)
		if (!pt_window_interval(x->in->r->win, r, i, &s->v[i]))
			s->v[i] = NAN;
}

/*
 * Field k of record type rt over its records in s (all, or those whose
 * by-name key is key), added up as the summary adds them (model/fields.c:
 * .combine; a ratio of sums, a percentile weighted by its .weight).  NAN
 * where it has no value: rt's family not recorded, a nullable field
 * unknown, a percentile or ratio with nothing behind it.
 */
static double record_total(const struct pt_record_type *rt, int k,
			   const struct pt_snapshot *s, const char *key)
{
	double acc[PT_FIELDS_MAX] = { 0 }, x[PT_FIELDS_MAX], v[PT_FIELDS_MAX];
	struct pt_lat_hist *h = NULL;
	size_t i, n = pt_record_count(rt, s);
	char buf[PT_SUM_KEY_MAX];
	int w;

	if (k < 0 || (rt->family >= 0 && !has(s, (enum pt_family_id)rt->family)))
		return NAN;
	w = pt_field_weight(rt, (size_t)k);
	for (i = 0; i < n; i++) {
		const void *rec = pt_record_at(rt, s, i);

		if (key) {
			rt->key(rec, true, buf, sizeof(buf));
			if (strcmp(buf, key))
				continue;
		}
		pt_record_values(rt, rec, x);
		if (rt->fields[k].nullable && x[k] < 0) {
			free(h);
			return NAN;
		}
		pt_record_combine(rt, acc, x, PT_ADD_INTERVALS);
		if (rt->fields[k].combine == PT_COMB_PCTL &&
		    pt_sum_hist_add(rt, s, rec, &h)) {
			free(h);
			return NAN;
		}
	}
	pt_sum_values(rt, acc, h, v);
	free(h);
	if (w >= 0 && !(v[w] > 0))
		return NAN;
	return v[k];
}

/* One series drawn straight from the field tables. */
struct field_spec {
	const struct pt_record_type *rt;
	const char *field;
	double div;			/* shown as value / div; 0: 1 */
	bool rate;			/* per second of the interval */
	const char *label, *tag;
};

static void field_series(struct fill_ctx *x, const struct field_spec *fs)
{
	struct pt_series *s = series(x, fs->label, fs->tag);
	int k = pt_field_index(fs->rt, fs->field);
	size_t i;

	if (s && k < 0)		/* a table names a field that is gone */
		x->err = -EINVAL;
	for (i = 0; s && k >= 0 && i < x->in->nr_snaps; i++) {
		const struct pt_snapshot *sn = &x->in->snaps[i];

		s->v[i] = record_total(fs->rt, k, sn, NULL) /
			  (fs->div ? fs->div : 1) / (fs->rate ? ivl_s(sn) : 1);
	}
}

/* A device's p99 where it did I/O; its rank for "which devices to draw". */
struct dev_rank {
	char dev[PT_DEV_MAX];
	double worst;		/* highest p99 over intervals with enough I/O */
	double ios;
};

static int cmp_dev_rank(const void *a, const void *b)
{
	const struct dev_rank *x = a, *y = b;

	if (x->worst != y->worst)
		return x->worst < y->worst ? 1 : -1;
	if (x->ios != y->ios)
		return x->ios < y->ios ? 1 : -1;
	return strcmp(x->dev, y->dev);
}

/* Devices that did I/O, the slowest first. */
static int rank_devices(const struct pt_html_input *in, struct dev_rank **out,
			size_t *n)
{
	uint64_t min = in->r->cfg->min.disk_ios;
	PT_ARRAY(struct dev_rank, v) = { 0 };
	size_t i, j, k;

	for (i = 0; i < in->nr_snaps; i++)
		for (j = 0; j < in->snaps[i].block_devs.n; j++) {
			const struct pt_block_dev *d = &in->snaps[i].block_devs.v[j];
			uint64_t ios = d->read_ios + d->write_ios;
			struct dev_rank *r = NULL;

			if (!ios)
				continue;
			for (k = 0; k < v.n && !r; k++)
				if (!strcmp(v.v[k].dev, d->dev))
					r = &v.v[k];
			if (!r) {
				r = PT_PUSH(v);
				if (!r) {
					free(v.v);
					return -ENOMEM;
				}
				pt_strlcpy(r->dev, d->dev, sizeof(r->dev));
			}
			r->ios += (double)ios;
			if (ios >= min && (double)d->lat_p99_ns / NS_PER_MS > r->worst)
				r->worst = (double)d->lat_p99_ns / NS_PER_MS;
		}
	if (v.n > 1)
		qsort(v.v, v.n, sizeof(*v.v), cmp_dev_rank);
	*out = v.v;
	*n = v.n;
	return 0;
}

static double dev_p99(const struct pt_snapshot *s, const char *dev);

/* One series per device, the slowest DISK_SERIES; the others counted. */
static void per_device(struct fill_ctx *x)
{
	const struct pt_html_input *in = x->in;
	struct dev_rank *devs = NULL;
	size_t nd = 0, k, i;

	x->err = rank_devices(in, &devs, &nd);
	for (k = 0; !x->err && k < nd; k++) {
		char label[96];
		struct pt_series *s;

		if (k >= DISK_SERIES) {
			x->c->hidden++;
			continue;
		}
		snprintf(label, sizeof(label), "%s p99", devs[k].dev);
		s = series(x, label, devs[k].dev);
		for (i = 0; s && i < in->nr_snaps; i++)
			if (has(&in->snaps[i], PT_BLOCK))
				s->v[i] = dev_p99(&in->snaps[i], devs[k].dev);
	}
	free(devs);
}

/* The interval's share, as the pressure rules judge it (traces older
 * than the shares have none: no line is drawn). */
#define PSI(res) { &pt_rec_pressure, res "_some", 1, false, \
		   "PSI " res " some, share of the interval", "some" }

/* Every loss kind of the field table but attach_failed (the families not
 * running are named in the report's header, not drawn per interval). */
static void loss_series(struct fill_ctx *x)
{
	size_t k;

	for (k = 0; k < pt_rec_loss.nr_fields && !x->err; k++) {
		const struct pt_field *f = &pt_rec_loss.fields[k];
		struct field_spec fs = {
			.rt = &pt_rec_loss, .field = f->name,
			.label = f->desc ? f->desc : f->name, .tag = f->name,
		};

		if (strcmp(f->name, "attach_failed"))
			field_series(x, &fs);
	}
}

struct chart_def {
	enum pt_html_section section;
	const char *id, *title, *unit, *note;
	int rule;			/* enum pt_rule_id, -1: none */
	const char *judged;		/* first series: the rule's own value */
	bool stacked;
	struct field_spec fields[5];
	void (*extra)(struct fill_ctx *x);
};

static const struct chart_def charts[] = {
	{ PT_SEC_CPU, "runq", "Run-queue wait p99", "ms",
	  "How long runnable threads waited for a CPU, per interval (sched family).",
	  PT_RULE_RUNQ_LATENCY,
	  "p99, worst of system-wide and each thread (what cpu.runq_latency judges)",
	  false, { { &pt_rec_sched_system, "runq_p99_ns", NS_PER_MS, false,
		     "p99, system-wide", "system" } }, NULL },
	/* where the threads' time went while they did not run: the same
	 * sums as the summary's "threads waited" line, stacked; a thread
	 * waiting the whole interval adds 1 */
	{ PT_SEC_CPU, "waits", "Why threads waited", "threads",
	  "Time threads spent not running, by cause, summed over threads per second of the interval (sched family): 2.0 means two threads' worth of waiting. Other sleep (idle waits) is left out.",
	  -1, NULL, true,
	  { { &pt_rec_sched_system, "runnable_ns", NS_PER_S, true,
	      "runnable, waiting for a CPU", "runnable" },
	    { &pt_rec_sched_system, "throttled_ns", NS_PER_S, true,
	      "throttled by a CPU quota", "throttled" },
	    { &pt_rec_sched_system, "io_ns", NS_PER_S, true,
	      "blocked on I/O", "io" },
	    { &pt_rec_sched_system, "mem_ns", NS_PER_S, true,
	      "stalled on memory", "mem" },
	    { &pt_rec_sched_system, "lock_ns", NS_PER_S, true,
	      "waiting on a lock", "lock" } }, NULL },
	{ PT_SEC_CPU, "psi-cpu", "CPU pressure", "%",
	  "Share of the last 10 s in which some task waited for a CPU (/proc/pressure/cpu, sampled each interval).",
	  PT_RULE_CPU_PRESSURE, NULL, false, { PSI("cpu") }, NULL },
	{ PT_SEC_MEMORY, "major", "Major page faults", "1/s",
	  "Faults that had to read the page from disk, per second (fault family).",
	  PT_RULE_MAJOR_FAULTS, NULL, false,
	  { { &pt_rec_fault_totals, "major", 1, true, "major faults/s, all tasks",
	      "major" } }, NULL },
	{ PT_SEC_MEMORY, "psi-memory", "Memory pressure", "%",
	  "Share of the last 10 s in which some task stalled on memory (/proc/pressure/memory).",
	  PT_RULE_MEMORY_PRESSURE, NULL, false, { PSI("memory") }, NULL },
	{ PT_SEC_MEMORY, "minor", "Minor page faults", "1/s",
	  "Faults served without I/O, per second (fault family).",
	  -1, NULL, false,
	  { { &pt_rec_fault_totals, "minor", 1, true, "minor faults/s, all tasks",
	      "minor" } }, NULL },
	{ PT_SEC_DISK, "disk", "Block I/O latency p99 per device", "ms",
	  "Request latency p99 of each device in intervals where it did I/O (block family); the slowest devices first.",
	  PT_RULE_DISK_LATENCY, NULL, false, { { 0 } }, per_device },
	{ PT_SEC_DISK, "psi-io", "I/O pressure", "%",
	  "Share of the last 10 s in which some task waited for I/O (/proc/pressure/io).",
	  PT_RULE_DISK_PRESSURE, NULL, false, { PSI("io") }, NULL },
	{ PT_SEC_NETWORK, "retrans", "TCP retransmit ratio", "%",
	  "Retransmitted segments per segment sent, in intervals with segments sent (tcp family).",
	  PT_RULE_RETRANSMITS,
	  "worst of all connections together and each one (what network.retransmits judges)",
	  false, { { &pt_rec_tcp_conns, "retransmit_pct", 1, false,
		     "all connections: retransmitted / sent segments", "all" } },
	  NULL },
	{ PT_SEC_LOSS, "loss", "Events lost", "per interval",
	  "What perftop could not count, stacked by kind; any loss makes the figures above lower bounds.",
	  -1, NULL, true, { { 0 } }, loss_series },
};

static void fill(struct fill_ctx *x, const struct chart_def *d)
{
	size_t k;

	if (d->judged)
		rule_series(x, (enum pt_rule_id)d->rule, d->judged);
	for (k = 0; k < PT_ARRAY_SIZE(d->fields) && d->fields[k].rt && !x->err; k++)
		field_series(x, &d->fields[k]);
	if (d->extra && !x->err)
		d->extra(x);
}

const struct pt_window_finding *pt_html_finding(const struct pt_report *r,
						int rule)
{
	size_t i;

	for (i = 0; rule >= 0 && i < r->nr_findings; i++)
		if (pt_rule_lookup(r->findings[i].f.rule) == rule)
			return &r->findings[i];
	return NULL;
}

/* Thresholds and, when the rule fired, the intervals it was active. */
int pt_html_rule_spans(const struct pt_html_input *in, struct pt_chart *c,
		       enum pt_rule_id r)
{
	const struct pt_detect_config *cfg = in->r->cfg;
	const struct pt_window_finding *wf = pt_html_finding(in->r, r);
	bool *active;
	size_t i;
	int err;

	c->rule = r;
	c->warn = cfg->thr[r].warning;
	c->crit = cfg->thr[r].critical;
	if (!wf)
		return 0;
	c->sev = wf->f.severity;
	active = calloc(in->nr_snaps, sizeof(*active));
	if (!active)
		return -ENOMEM;
	for (i = 0; i < in->nr_snaps; i++) {
		double v;

		active[i] = pt_window_interval(in->r->win, r, i, &v) &&
			    v >= cfg->thr[r].warning;
	}
	err = pt_chart_spans(c, active);
	free(active);
	return err;
}

int pt_html_charts(const struct pt_html_input *in,
		   const struct pt_timebase *tb, struct pt_html_chart **out,
		   size_t *n)
{
	size_t nc = PT_ARRAY_SIZE(charts), k;
	struct pt_html_chart *v = calloc(nc, sizeof(*v));
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (k = 0; k < nc && !err; k++) {
		const struct chart_def *d = &charts[k];
		struct fill_ctx x = { in, &v[k].c, 0 };

		v[k].section = d->section;
		v[k].note = d->note;
		pt_chart_init(&v[k].c, tb, d->id, d->title, d->unit);
		v[k].c.stacked = d->stacked;
		fill(&x, d);
		err = x.err;
		if (!err && d->rule >= 0)
			err = pt_html_rule_spans(in, &v[k].c, (enum pt_rule_id)d->rule);
		if (!err)
			err = pt_chart_finish(&v[k].c);
	}
	if (err) {
		pt_html_charts_free(v, nc);
		return err;
	}
	*out = v;
	*n = nc;
	return 0;
}

void pt_html_charts_free(struct pt_html_chart *v, size_t n)
{
	size_t k;

	for (k = 0; v && k < n; k++)
		pt_chart_free(&v[k].c);
	free(v);
}

/* ---- one culprit, one regression ---- */

static bool same_task(const struct pt_task_id *a, const struct pt_task_id *b)
{
	return a->pid == b->pid && !strcmp(a->comm, b->comm);
}

static bool same_conn(const struct pt_tcp_conn *t, const struct pt_culprit *c)
{
	return t->sport == c->sport && t->dport == c->dport &&
	       !strcmp(t->saddr, c->saddr) && !strcmp(t->daddr, c->daddr);
}

/* Major faults/s of the process (threads summed), by tgid or by comm. */
static double proc_major(const struct pt_snapshot *s, const struct pt_culprit *c,
			 bool by_name)
{
	uint64_t major = 0;
	size_t j;

	for (j = 0; j < s->fault_tasks.n; j++) {
		const struct pt_task_id *id = &s->fault_tasks.v[j].id;

		if (!strcmp(id->comm, c->task.comm) &&
		    (by_name || id->tgid == c->task.pid))
			major += s->fault_tasks.v[j].major;
	}
	return (double)major / ivl_s(s);
}

static double dev_p99(const struct pt_snapshot *s, const char *dev)
{
	size_t j;

	for (j = 0; j < s->block_devs.n; j++)
		if (!strcmp(s->block_devs.v[j].dev, dev) &&
		    s->block_devs.v[j].read_ios + s->block_devs.v[j].write_ios)
			return (double)s->block_devs.v[j].lat_p99_ns / NS_PER_MS;
	return NAN;
}

static double culprit_value(const struct pt_snapshot *s, enum pt_rule_id r,
			    const struct pt_culprit *c)
{
	size_t j;

	switch (r) {
	case PT_RULE_RUNQ_LATENCY:
	case PT_RULE_CPU_PRESSURE:
		if (!has(s, PT_SCHED))
			return NAN;
		for (j = 0; j < s->sched_tasks.n; j++) {
			const struct pt_sched_task *t = &s->sched_tasks.v[j];

			if (!same_task(&t->id, &c->task))
				continue;
			/* ms waited per s, or % of the interval */
			return r == PT_RULE_RUNQ_LATENCY ?
			       (double)t->runq_wait_ns / NS_PER_MS / ivl_s(s) :
			       (double)t->runq_wait_ns / NS_PER_S / ivl_s(s) * 100;
		}
		return 0;
	case PT_RULE_MAJOR_FAULTS:
	case PT_RULE_MEMORY_PRESSURE:
		return has(s, PT_FAULT) ? proc_major(s, c, false) : NAN;
	case PT_RULE_DISK_LATENCY:
		return has(s, PT_BLOCK) ? dev_p99(s, c->dev) : NAN;
	case PT_RULE_DISK_PRESSURE:
		if (!has(s, PT_BLOCK))
			return NAN;
		for (j = 0; j < s->block_tasks.n; j++)
			if (same_task(&s->block_tasks.v[j].id, &c->task))
				return (double)s->block_tasks.v[j].ios / ivl_s(s);
		return 0;
	case PT_RULE_RETRANSMITS:
		if (!has(s, PT_TCP))
			return NAN;
		for (j = 0; j < s->tcp_conns.n; j++) {
			const struct pt_tcp_conn *t = &s->tcp_conns.v[j];

			if (same_conn(t, c))
				return t->segs_out ? 100.0 * (double)t->retransmits /
							     (double)t->segs_out : NAN;
		}
		return NAN;
	default:
		return NAN;
	}
}

void pt_culprit_values(const struct pt_snapshot *s, size_t n,
		       enum pt_rule_id r, const struct pt_culprit *who,
		       double *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = culprit_value(&s[i], r, who);
}

/* The regression's metric in one snapshot: every record of its type whose
 * by-name key is the regression's (all threads of that comm, ...), added up
 * as the summary adds them, shown as the metric is (.regress: div, rate). */
static double regression_value(const struct pt_snapshot *s,
			       const struct pt_regression *g)
{
	const struct pt_record_type *rt = pt_records[g->rec];
	const struct pt_regspec *spec = &rt->fields[g->field].regress;

	return record_total(rt, g->field, s, g->key) /
	       (spec->div ? spec->div : 1) / (spec->rate ? ivl_s(s) : 1);
}

void pt_regression_values(const struct pt_snapshot *s, size_t n,
			  const struct pt_regression *g, double *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = regression_value(&s[i], g);
}
