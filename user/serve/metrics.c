// SPDX-License-Identifier: GPL-2.0
/* /metrics: state and rendering (metrics.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "metrics.h"
#include "topn.h"
#include "trace.h"
#include "util.h"

/* One record type's counters (fields.h, .counter): which fields, their
 * totals for a singleton, or a top-N set per .serve_by label. */
/* Values kept per key: the counters, then a histogram's buckets folded
 * at the Prometheus bounds (not cumulative), its count and its sum in ns. */
#define MAX_VALS (PT_FIELDS_MAX + PT_LE_BUCKETS + 2)

struct rec_counters {
	const struct pt_record_type *rt;
	size_t field[PT_FIELDS_MAX];	/* field indexes with a .counter */
	size_t n;			/* counters */
	size_t nv;			/* values: n, + the histogram's */
	double total[MAX_VALS];		/* singletons */
	struct pt_topn *by[PT_SERVE_BY_MAX];
	int score[2];			/* .sum_sort fields, or -1 */
};

struct pt_metrics {
	unsigned int top_n;
	struct rec_counters rc[PT_RECORDS_MAX];
	size_t nr_rc;
	unsigned int families;			/* seen producing data */
	uint64_t intervals;
	uint64_t last_time_ns, last_interval_ns;
	struct pt_loss loss;			/* cumulative */
	struct pt_pressure pressure;		/* last interval */
	bool have_pressure;
	struct pt_finding *findings;		/* last interval's */
	size_t nr_findings;
	uint64_t render_ns;			/* the previous render took */
	size_t samples;				/* the previous page had */
};

static int counters_init(struct pt_metrics *m, const struct pt_record_type *rt)
{
	struct rec_counters *c = &m->rc[m->nr_rc];
	size_t i;

	memset(c, 0, sizeof(*c));
	c->rt = rt;
	for (i = 0; i < rt->nr_fields; i++)
		if (rt->fields[i].counter.stem)
			c->field[c->n++] = i;
	c->nv = c->n + (rt->hist.stem ? PT_LE_BUCKETS + 2 : 0);
	if (!c->nv)
		return 0;
	for (i = 0; i < 2; i++)
		c->score[i] = rt->sum_sort[i].field ?
			      pt_field_index(rt, rt->sum_sort[i].field) : -1;
	for (i = 0; rt->array && i < PT_SERVE_BY_MAX && rt->serve_by[i].field; i++) {
		c->by[i] = pt_topn_new(m->top_n, c->nv);
		if (!c->by[i])
			return -ENOMEM;
	}
	/* an array kept by no label has no series */
	if (!rt->array || c->by[0])
		m->nr_rc++;
	return 0;
}

struct pt_metrics *pt_metrics_new(unsigned int top_n)
{
	struct pt_metrics *m = calloc(1, sizeof(*m));
	size_t k;

	if (!m)
		return NULL;
	m->top_n = top_n;
	for (k = 0; k < pt_nr_records; k++)
		if (counters_init(m, pt_records[k])) {
			pt_metrics_free(m);
			return NULL;
		}
	return m;
}

void pt_metrics_free(struct pt_metrics *m)
{
	size_t k, i;

	if (!m)
		return;
	for (k = 0; k <= m->nr_rc && k < PT_RECORDS_MAX; k++)
		for (i = 0; i < PT_SERVE_BY_MAX; i++)
			pt_topn_free(m->rc[k].by[i]);
	free(m->findings);
	free(m);
}

/* One interval of one record type into its counters. */
static void counters_add(struct rec_counters *c, const struct pt_snapshot *s,
			 uint64_t now)
{
	const struct pt_record_type *rt = c->rt;
	size_t nrec = pt_record_count(rt, s), r, i, b;
	double v[PT_FIELDS_MAX], vals[MAX_VALS];

	for (r = 0; r < nrec; r++) {
		const void *rec = pt_record_at(rt, s, r);
		double score = 0;

		pt_record_values(rt, rec, v);
		for (i = 0; i < c->n; i++)
			vals[i] = v[c->field[i]];
		if (rt->hist.stem) {
			const struct pt_lat_hist *h = (const void *)
				((const char *)rec + rt->hist.off);
			uint64_t le[PT_LE_BUCKETS];

			pt_lat_hist_fold_le(h, le);
			for (i = 0; i < PT_LE_BUCKETS; i++)
				vals[c->n + i] = (double)le[i];
			vals[c->n + i] = (double)h->count;
			vals[c->n + i + 1] = (double)h->sum_ns;
		}
		if (!rt->array) {
			for (i = 0; i < c->nv; i++)
				c->total[i] += vals[i];
			continue;
		}
		for (i = 0; i < 2; i++)
			if (c->score[i] >= 0)
				score += v[c->score[i]] * rt->sum_sort[i].mul;
		for (b = 0; b < PT_SERVE_BY_MAX && c->by[b]; b++) {
			const struct pt_field *kf =
				&rt->fields[pt_field_index(rt, rt->serve_by[b].field)];

			pt_topn_add(c->by[b], (const char *)rec + kf->off, vals,
				    score);
		}
	}
	for (b = 0; b < PT_SERVE_BY_MAX && c->by[b]; b++)
		pt_topn_commit(c->by[b], now);
}

int pt_metrics_add(struct pt_metrics *m, const struct pt_snapshot *s)
{
	uint64_t now = pt_now_mono_ns();
	struct pt_finding *f = NULL;
	size_t k;

	if (s->findings.n) {
		f = malloc(s->findings.n * sizeof(*f));
		if (!f)
			return -ENOMEM;
		memcpy(f, s->findings.v, s->findings.n * sizeof(*f));
	}
	free(m->findings);
	m->findings = f;
	m->nr_findings = s->findings.n;
	for (k = 0; k < m->nr_rc; k++)
		if (s->families & (1u << m->rc[k].rt->family))
			counters_add(&m->rc[k], s, now);
	m->families |= s->families;
	m->intervals++;
	m->last_time_ns = s->time_ns;
	m->last_interval_ns = s->interval_ns;
	pt_loss_add(&m->loss, &s->loss);
	m->pressure = s->pressure;
	m->have_pressure = true;
	return 0;
}

#define L(n, v) ((struct pt_label){ .name = (n), .value = (v) })

static void build_info(struct pt_expo *e, const char *version,
		       const struct pt_header *h)
{
	struct pt_label l[] = { L("version", version), L("kernel", h->kernel) };

	pt_expo_family(e, "perftop_build", PT_METRIC_INFO, NULL,
		       "perftop's version, and the kernel it runs on.");
	pt_expo_sample(e, l, 2, 1);
}

static void probes(struct pt_expo *e, const struct pt_header *h)
{
	int id;

	pt_expo_family(e, "perftop_probe_up", PT_METRIC_GAUGE, NULL,
		       "1 if the probe family runs (attach: how), 0 if it was asked for and could not start (perftop_loss_total{kind=\"attach_failed\"} counts it too).");
	for (id = 0; id < PT_NR_FAMILIES; id++) {
		const struct pt_probe_status *ps = &h->probes[id];
		struct pt_label l[] = {
			L("family", pt_family_name((enum pt_family_id)id)),
			L("attach", ps->ok ? ps->attach : "none"),
		};

		if (ps->requested)
			pt_expo_sample(e, l, 2, ps->ok);
	}
}

static void intervals(struct pt_expo *e, const struct pt_metrics *m,
		      const struct pt_header *h)
{
	pt_expo_one(e, "perftop_intervals", PT_METRIC_COUNTER, NULL,
		    "Measurement intervals completed since perftop started.",
		    (double)m->intervals);
	pt_expo_one(e, "perftop_interval_seconds", PT_METRIC_GAUGE, "seconds",
		    "The measurement interval perftop runs with (-i).",
		    (double)h->interval_ns / 1e9);
	pt_expo_one(e, "perftop_last_interval_end_timestamp_seconds", PT_METRIC_GAUGE, "seconds",
		    "When the interval these values include ended (Unix time).",
		    (double)m->last_time_ns / 1e9);
}

static void loss(struct pt_expo *e, const struct pt_metrics *m,
		 const struct pt_metrics_ctx *ctx)
{
	struct pt_loss l = m->loss;
	double v[PT_FIELDS_MAX];
	size_t k;

	/* the recording's, as its lines count them (perftop_record_dropped
	 * by reason) */
	if (ctx->rec)
		l.record_dropped = ctx->rec->dropped + ctx->rec_queue_dropped;

	pt_expo_family(e, "perftop_loss", PT_METRIC_COUNTER, NULL,
		       "Events perftop lost, by kind, since it started (attach_failed: requested probe families not running, counted per interval).  Any increase means figures are lower bounds.");
	pt_record_values(&pt_rec_loss, &l, v);
	for (k = 0; k < pt_rec_loss.nr_fields; k++) {
		struct pt_label kind = L("kind", pt_rec_loss.fields[k].name);

		pt_expo_sample(e, &kind, 1, v[k]);
	}
}

static void findings(struct pt_expo *e, const struct pt_metrics *m,
		     const struct pt_detect_config *cfg)
{
	int rule, sev;
	size_t i;

	pt_expo_family(e, "perftop_finding", PT_METRIC_GAUGE, NULL,
		       "1 while the rule fires at this severity over perftop's live window (the same findings as perftop top and record), else 0.");
	for (rule = 0; rule < PT_NR_RULES; rule++)
		for (sev = PT_SEV_WARNING; sev <= PT_SEV_CRITICAL; sev++) {
			const char *name = pt_rule_name((enum pt_rule_id)rule);
			struct pt_label l[] = {
				L("rule", name),
				L("severity", pt_severity_name((enum pt_severity)sev)),
				L("subsystem", pt_rule_subsystem((enum pt_rule_id)rule)),
			};
			int on = 0;

			for (i = 0; i < m->nr_findings; i++)
				on |= !strcmp(m->findings[i].rule, name) &&
				      (int)m->findings[i].severity == sev;
			pt_expo_sample(e, l, 3, on);
		}
	pt_expo_family(e, "perftop_finding_value", PT_METRIC_GAUGE, NULL,
		       "The value of each firing finding, in the rule's unit (only while it fires).");
	for (i = 0; i < m->nr_findings; i++) {
		struct pt_label l[] = { L("rule", m->findings[i].rule),
					L("unit", m->findings[i].unit) };

		pt_expo_sample(e, l, 2, m->findings[i].value);
	}
	pt_expo_family(e, "perftop_rule_threshold", PT_METRIC_GAUGE, NULL,
		       "Each rule's thresholds as configured (--config; SIGHUP reloads), in the rule's unit.");
	for (rule = 0; rule < PT_NR_RULES; rule++) {
		struct pt_label l[] = {
			L("rule", pt_rule_name((enum pt_rule_id)rule)),
			L("severity", "warning"),
			L("unit", pt_rule_unit((enum pt_rule_id)rule)),
		};

		pt_expo_sample(e, l, 3, cfg->thr[rule].warning);
		l[1].value = "critical";
		pt_expo_sample(e, l, 3, cfg->thr[rule].critical);
	}
}

/* A histogram from kept values v (buckets, count, sum in ns). */
static void histogram(struct pt_expo *e, const struct pt_label *l, size_t nl,
		      const double *v)
{
	double bounds[PT_LE_BUCKETS - 1];
	uint64_t cum[PT_LE_BUCKETS - 1], run = 0;
	unsigned int k;

	for (k = 0; k < PT_LE_BUCKETS - 1; k++) {
		bounds[k] = (double)pt_le_bound_ns(k) / 1e9;
		run += (uint64_t)v[k];
		cum[k] = run;
	}
	pt_expo_histogram(e, l, nl, bounds, cum, PT_LE_BUCKETS - 1,
			  (uint64_t)v[PT_LE_BUCKETS],
			  v[PT_LE_BUCKETS + 1] / 1e9);
}

/* One sample of kept values v: a counter's value v[0] / div, or a
 * histogram from v (buckets, count, sum in ns). */
static void value(struct pt_expo *e, enum pt_metric_type type,
		  const struct pt_label *l, size_t nl, const double *v,
		  double div)
{
	if (type == PT_METRIC_HISTOGRAM)
		histogram(e, l, nl, v);
	else
		pt_expo_sample(e, l, nl, v[0] / div);
}

/* One of a record type's kept values, at index at (a .counter's, or its
 * .hist's first): perftop_<stem> for a singleton, or per kept label
 * perftop_<prefix><stem>{label}, the top N and "other". */
static void series(struct pt_expo *e, const struct pt_metrics *m,
		   const struct rec_counters *c, const char *stem,
		   enum pt_metric_type type, const char *unit,
		   const char *help, size_t at, double div)
{
	const struct pt_record_type *rt = c->rt;
	char name[128], by_help[512];
	size_t b, j;

	if (!rt->array) {
		snprintf(name, sizeof(name), "perftop_%s", stem);
		pt_expo_family(e, name, type, unit, help);
		value(e, type, NULL, 0, c->total + at, div);
		return;
	}
	for (b = 0; b < PT_SERVE_BY_MAX && c->by[b]; b++) {
		const struct pt_serve_by *sb = &rt->serve_by[b];
		const struct pt_topn *t = c->by[b];
		struct pt_label l = L(sb->label, PT_TOPN_OTHER);

		snprintf(name, sizeof(name), "perftop_%s%s", sb->prefix, stem);
		snprintf(by_help, sizeof(by_help), "%s By %s: the %u busiest, the rest as %s=\"other\".",
			 help, sb->label, m->top_n, sb->label);
		pt_expo_family(e, name, type, unit, by_help);
		for (j = 0; j < pt_topn_count(t); j++) {
			l.value = pt_topn_key(t, j);
			value(e, type, &l, 1, pt_topn_vals(t, j) + at, div);
		}
		l.value = PT_TOPN_OTHER;
		value(e, type, &l, 1, pt_topn_other(t) + at, div);
	}
}

/* Every .hist and .counter of the field tables (series()): counters as
 * perftop_<stem>_total. */
static void counters(struct pt_expo *e, const struct pt_metrics *m)
{
	size_t k, i;

	for (k = 0; k < m->nr_rc; k++) {
		const struct rec_counters *c = &m->rc[k];
		const struct pt_record_type *rt = c->rt;

		if (!(m->families & (1u << rt->family)))
			continue;
		if (rt->hist.stem)
			series(e, m, c, rt->hist.stem, PT_METRIC_HISTOGRAM,
			       "seconds", rt->hist.help, c->n, 1);
		for (i = 0; i < c->n; i++) {
			const struct pt_counterspec *cs = &rt->fields[c->field[i]].counter;

			series(e, m, c, cs->stem, PT_METRIC_COUNTER, cs->unit,
			       cs->help, i, cs->div > 0 ? cs->div : 1);
		}
	}
}

static void pressure(struct pt_expo *e, const struct pt_metrics *m)
{
	const double v[3] = { m->pressure.cpu, m->pressure.memory, m->pressure.io };
	static const char *const res[3] = { "cpu", "memory", "io" };
	int i;

	if (!m->have_pressure)
		return;
	pt_expo_family(e, "perftop_pressure_some_avg10_ratio", PT_METRIC_GAUGE,
		       "ratio",
		       "PSI \"some\" avg10 at the end of the last interval, as a ratio (absent when the kernel has no PSI).");
	for (i = 0; i < 3; i++) {
		struct pt_label l = L("resource", res[i]);

		if (v[i] >= 0)
			pt_expo_sample(e, &l, 1, v[i] / 100);
	}
}

static void self_cost(struct pt_expo *e, const struct pt_self_cost *c)
{
	struct pt_label l;
	int i;

	pt_expo_one(e, "process_cpu_seconds", PT_METRIC_COUNTER, "seconds",
		    "CPU time perftop used, user and system, every thread.",
		    c->cpu_user_s + c->cpu_sys_s);
	pt_expo_one(e, "process_resident_memory_bytes", PT_METRIC_GAUGE, "bytes",
		    "perftop's resident memory.",
		    (double)c->rss_bytes);
	pt_expo_one(e, "process_start_time_seconds", PT_METRIC_GAUGE, "seconds",
		    "When perftop started (Unix time).",
		    (double)c->start_time_ns / 1e9);
	pt_expo_one(e, "process_open_fds", PT_METRIC_GAUGE, NULL,
		    "File descriptors perftop holds open.",
		    c->open_fds);
	pt_expo_one(e, "perftop_bpf_stats_enabled", PT_METRIC_GAUGE, NULL,
		    "1 while the kernel counts BPF program run time (kernel.bpf_stats_enabled, or perftop's own request when it may make one), else 0: then perftop_bpf_prog_run_seconds_total stands still.",
		    c->bpf_stats_on);
	pt_expo_family(e, "perftop_bpf_prog_run_seconds", PT_METRIC_COUNTER,
		       "seconds",
		       "Time the kernel spent running each of perftop's BPF programs (bpf_prog_info run_time_ns), while BPF stats were on.");
	for (i = 0; i < c->nr_progs; i++) {
		l = L("prog", c->progs[i].name);
		pt_expo_sample(e, &l, 1, (double)c->progs[i].run_ns / 1e9);
	}
	pt_expo_family(e, "perftop_bpf_prog_runs", PT_METRIC_COUNTER, NULL,
		       "Times each of perftop's BPF programs ran (bpf_prog_info run_cnt), while BPF stats were on.");
	for (i = 0; i < c->nr_progs; i++) {
		l = L("prog", c->progs[i].name);
		pt_expo_sample(e, &l, 1, (double)c->progs[i].run_cnt);
	}
}

static void http(struct pt_expo *e, const struct pt_http_stats *h)
{
	int i;

	pt_expo_family(e, "perftop_http_responses", PT_METRIC_COUNTER, NULL,
		       "Responses of this endpoint by status code (not counting this one).");
	for (i = 0; i < PT_HTTP_NR_CODES; i++) {
		struct pt_label l = L("code", pt_http_code_name((enum pt_http_code)i));

		pt_expo_sample(e, &l, 1, (double)h->responses[i]);
	}
	pt_expo_one(e, "perftop_http_connections", PT_METRIC_COUNTER, NULL,
		    "Connections accepted by this endpoint.",
		    (double)h->connections);
	pt_expo_one(e, "perftop_http_connections_cut", PT_METRIC_COUNTER, NULL,
		    "Connections closed for taking too long (request deadline or connection age).",
		    (double)h->cut_off);
	pt_expo_one(e, "perftop_http_connections_open", PT_METRIC_GAUGE, NULL,
		    "Connections open now.",
		    (double)h->open);
}

static void recording(struct pt_expo *e, const struct pt_rotate_stats *r,
		      uint64_t queue_dropped)
{
	struct pt_label l;

	pt_expo_one(e, "perftop_record_snapshots", PT_METRIC_COUNTER, NULL,
		    "Snapshots the flight recorder wrote (--record-dir).",
		    (double)r->snapshots);
	pt_expo_family(e, "perftop_record_dropped", PT_METRIC_COUNTER, NULL,
		       "Snapshots the flight recorder could not write: disk (full, failing, or one line over --max-size) or queue (the disk fell behind).");
	l = L("reason", "disk");
	pt_expo_sample(e, &l, 1, (double)r->dropped);
	l = L("reason", "queue");
	pt_expo_sample(e, &l, 1, (double)queue_dropped);
	pt_expo_one(e, "perftop_record_disk_bytes", PT_METRIC_GAUGE, "bytes",
		    "Disk space the flight recorder's files take (kept within --max-size).",
		    (double)r->bytes);
	pt_expo_one(e, "perftop_record_files", PT_METRIC_GAUGE, NULL,
		    "Files in the flight recorder's directory.",
		    (double)r->files);
	pt_expo_one(e, "perftop_record_files_deleted", PT_METRIC_COUNTER, NULL,
		    "Files the flight recorder's retention deleted (--keep, --max-size, full disk).",
		    (double)r->files_deleted);
}

static void config(struct pt_expo *e, const struct pt_metrics_ctx *c)
{
	struct pt_label l = L("result", "ok");

	pt_expo_family(e, "perftop_config_reloads", PT_METRIC_COUNTER, NULL,
		       "SIGHUP reloads of --config: ok, or error (the previous thresholds stay).");
	pt_expo_sample(e, &l, 1, (double)c->config_reloads);
	l.value = "error";
	pt_expo_sample(e, &l, 1, (double)c->config_reload_errors);
	pt_expo_one(e, "perftop_config_loaded_timestamp_seconds", PT_METRIC_GAUGE, "seconds",
		    "When the thresholds in use were loaded (Unix time).",
		    (double)c->config_loaded_s);
}

static void render_cost(struct pt_expo *e, const struct pt_metrics *m)
{
	pt_expo_one(e, "perftop_metrics_render_seconds", PT_METRIC_GAUGE, "seconds",
		    "How long rendering the previous page took (once per interval, not per scrape).",
		    (double)m->render_ns / 1e9);
	pt_expo_one(e, "perftop_metrics_samples", PT_METRIC_GAUGE, NULL,
		    "Samples on the previous page: bounded by --top, whatever the machine runs.",
		    (double)m->samples);
}

int pt_metrics_render(struct pt_metrics *m, const struct pt_metrics_ctx *ctx,
		      struct pt_expo *e)
{
	uint64_t t0 = pt_now_mono_ns();
	int err;

	build_info(e, ctx->version, ctx->header);
	probes(e, ctx->header);
	intervals(e, m, ctx->header);
	loss(e, m, ctx);
	findings(e, m, ctx->cfg);
	counters(e, m);
	pressure(e, m);
	self_cost(e, ctx->self);
	http(e, ctx->http);
	if (ctx->rec)
		recording(e, ctx->rec, ctx->rec_queue_dropped);
	config(e, ctx);
	render_cost(e, m);
	err = pt_expo_finish(e);
	/* both formats render per interval: keep the larger figures */
	m->render_ns = pt_now_mono_ns() - t0;
	m->samples = e->samples;
	return err;
}
