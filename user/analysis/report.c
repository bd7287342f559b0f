// SPDX-License-Identifier: GPL-2.0
/* scan/report output: text, one JSON line, Prometheus textfile. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "expo.h"
#include "report.h"
#include "trace.h"
#include "util.h"

#define TOP_ROWS 5
#define BASELINE_ROWS 10	/* per kind, in text */

static const char *const status_names[] = { "ok", "warning", "critical",
					    "unknown" };

const char *pt_status_name(int status)
{
	return status >= 0 && status <= 3 ? status_names[status] : "unknown";
}

void pt_report_decide(struct pt_report *r)
{
	size_t i;
	int id;

	r->status = PT_EXIT_OK;
	r->status_why[0] = '\0';
	for (i = 0; i < r->nr_findings; i++)
		if ((int)r->findings[i].f.severity > r->status)
			r->status = (int)r->findings[i].f.severity;
	if (r->status != PT_EXIT_OK)
		return;
	/* Nothing found: only OK if everything asked for was measured. */
	if (!r->sum->snapshots) {
		r->status = PT_EXIT_UNKNOWN;
		snprintf(r->status_why, sizeof(r->status_why),
			 "no complete interval was measured");
		return;
	}
	for (id = 0; id < PT_NR_FAMILIES; id++) {
		const struct pt_probe_status *ps = &r->header->probes[id];

		if (ps->requested && !ps->ok) {
			r->status = PT_EXIT_UNKNOWN;
			snprintf(r->status_why, sizeof(r->status_why),
				 "probe family %s did not run: %s",
				 pt_family_name((enum pt_family_id)id), ps->error);
			return;
		}
	}
}

static void fmt_time(uint64_t ns, char *buf, size_t len)
{
	pt_format_rfc3339(ns, buf, len);
}

/* ---- text ---- */

/*
 * Names from the kernel (comm, cgroup, device), the hostname, paths and
 * error text may hold control bytes: a mailed or logged report must not
 * carry a newline or a terminal escape from them.  Shown as '?'.
 */
static const char *clean(const char *in, char *buf, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
	buf[i] = '\0';
	return buf;
}
#define CLEAN(s) clean((s), (char[2 * PT_TEXT_MAX]){ 0 }, 2 * PT_TEXT_MAX)

static void text_finding(FILE *f, const struct pt_report *r,
			 const struct pt_window_finding *wf)
{
	const struct pt_finding *fd = &wf->f;
	int rule = pt_rule_lookup(fd->rule);
	char a[40], b[40], name[160];
	int i;

	fmt_time(wf->first_ns, a, sizeof(a));
	fmt_time(wf->last_ns, b, sizeof(b));
	fprintf(f, "%s %s: %s\n", fd->severity == PT_SEV_CRITICAL ? "CRITICAL" :
		"WARNING", fd->rule, CLEAN(fd->summary));
	fprintf(f, "  value %.2f %s (warning %g, critical %g); active %s to %s, %u of %zu intervals\n",
		fd->value, fd->unit, rule >= 0 ? r->cfg->thr[rule].warning : 0,
		rule >= 0 ? r->cfg->thr[rule].critical : 0, a, b, wf->active,
		r->sum->snapshots);
	if (fd->nr_culprits) {
		fprintf(f, "  culprits (%s):", rule >= 0 ?
			pt_rule_culprit_unit((enum pt_rule_id)rule) : "value");
		for (i = 0; i < fd->nr_culprits; i++) {
			pt_culprit_name(&fd->culprits[i], name, sizeof(name));
			fprintf(f, "%s %s %.1f", i ? "," : "", CLEAN(name),
				fd->culprits[i].value);
		}
		fputc('\n', f);
	}
	fprintf(f, "  advice: %s\n", fd->advice);
}

/*
 * Fields of rt that show in a summary or Prometheus output, in that
 * output's .pos order (0 last, in table order).  Returns how many.
 */
static size_t fields_by_pos(const struct pt_record_type *rt, bool prom,
			    size_t *idx)
{
	size_t i, n = 0;
	int pos;

	for (pos = 1; pos <= 256; pos++)
		for (i = 0; i < rt->nr_fields; i++) {
			const struct pt_field *f = &rt->fields[i];
			int p = prom ? f->prom.pos : f->sum.pos;
			bool shown = prom ? f->prom.name != NULL :
				     f->sum.title || f->sum.text;

			if (shown && (p ? p : 256) == pos)
				idx[n++] = i;
		}
	return n;
}

/* "cpu:     run-queue p99 ...": a family's first summary line, from the
 * window's values of rt (a singleton, or the totals of an array). */
static void text_line(FILE *f, const struct pt_summary *s,
		      const struct pt_record_type *rt, size_t nrows)
{
	double v[PT_FIELDS_MAX];
	size_t idx[PT_FIELDS_MAX], n, i;

	pt_sum_values(rt, s->total[pt_record_index(rt)],
		      s->total_hist[pt_record_index(rt)], v);
	fputs(rt->sum_label, f);
	if (rt->sum_count)
		fprintf(f, rt->sum_count, nrows);
	n = fields_by_pos(rt, false, idx);
	for (i = 0; i < n; i++) {
		const struct pt_sumspec *sp = &rt->fields[idx[i]].sum;

		if (sp->text)
			fprintf(f, sp->text, pt_sum_show(s, v[idx[i]], sp->rate,
							 sp->div));
	}
	if (pt_sum_hist_missing(s->total_hist[pt_record_index(rt)]))
		fprintf(f, " (percentiles: means of the intervals', the trace is older than version %d)",
			rt->hist.version);
	fputc('\n', f);
}

/* The top rows of a record type kept per key, with its summary columns. */
static void text_rows(FILE *f, const struct pt_summary *s,
		      const struct pt_record_type *rt,
		      const struct pt_sum_row **rows, size_t nrows)
{
	size_t idx[PT_FIELDS_MAX], n = fields_by_pos(rt, false, idx), i, k;
	double v[PT_FIELDS_MAX];
	char name[160];

	if (nrows) {
		fprintf(f, "         %-*s", rt->sum_who_width, rt->sum_who);
		if (rt->sum_pid)
			fprintf(f, " %8s", "PID");
		for (k = 0; k < n; k++)
			if (rt->fields[idx[k]].sum.title)
				fprintf(f, " %*s", rt->fields[idx[k]].sum.width,
					rt->fields[idx[k]].sum.title);
		fputc('\n', f);
	}
	for (i = 0; i < nrows && i < TOP_ROWS; i++) {
		const struct pt_culprit *who = &rows[i]->who;

		if (who->kind == PT_CULPRIT_CONN)
			pt_culprit_name(who, name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%s",
				 who->kind == PT_CULPRIT_DEV ? who->dev :
							       who->task.comm);
		fprintf(f, "         %-*s", rt->sum_who_width, CLEAN(name));
		if (rt->sum_pid)
			fprintf(f, " %8u", who->task.pid);
		pt_sum_values(rt, rows[i]->acc, rows[i]->hist, v);
		for (k = 0; k < n; k++) {
			const struct pt_sumspec *sp = &rt->fields[idx[k]].sum;

			if (sp->title)
				fprintf(f, " %*.*f", sp->width, sp->prec,
					pt_sum_show(s, v[idx[k]], sp->rate,
						    sp->div));
		}
		fputc('\n', f);
	}
	for (i = 0; i < nrows && i < TOP_ROWS; i++)
		if (pt_sum_hist_missing(rows[i]->hist)) {
			fprintf(f, "         (%s percentiles: means of the intervals', the trace is older than version %d)\n",
				rt->sum_kind, rt->hist.version);
			break;
		}
}

/* One family's section: its first line, then its top rows. */
static void text_family(FILE *f, const struct pt_report *r, int fam)
{
	const struct pt_summary *s = r->sum;
	const struct pt_sum_row **rows = NULL;
	size_t k, n = 0;

	if (!(s->families & (1u << fam)))
		return;
	for (k = 0; k < pt_nr_records; k++) {
		const struct pt_record_type *rt = pt_records[k];

		if (rt->family != fam || !rt->sum_label)
			continue;
		if (rt->sum_kind && pt_summary_top(s, rt, &rows, &n))
			return;
		text_line(f, s, rt, n);
		free(rows);
		rows = NULL;
	}
	for (k = 0; k < pt_nr_records; k++) {
		const struct pt_record_type *rt = pt_records[k];

		if (rt->family != fam || !rt->sum_kind)
			continue;
		if (pt_summary_top(s, rt, &rows, &n))
			return;
		text_rows(f, s, rt, rows, n);
		free(rows);
	}
}

static void text_psi(FILE *f, const struct pt_summary *s)
{
	static const char *const names[3] = { "cpu", "memory", "io" };
	int i;

	if (s->psi_span_ns[0] > 0 || s->psi_span_ns[1] > 0 || s->psi_span_ns[2] > 0) {
		fprintf(f, "pressure: PSI some, share of the window/worst interval:");
		for (i = 0; i < 3; i++)
			if (s->psi_span_ns[i] > 0)
				fprintf(f, " %s %.1f/%.1f%%", names[i],
					100 * s->psi_stall_ns[i] / s->psi_span_ns[i],
					s->psi_share_max[i]);
			else
				fprintf(f, " %s n/a", names[i]);
		fputc('\n', f);
		return;
	}
	/* a trace older than the shares */
	fprintf(f, "pressure: PSI some avg10 mean/max:");
	for (i = 0; i < 3; i++)
		if (s->psi_n[i])
			fprintf(f, " %s %.1f/%.1f%%", names[i],
				s->psi_sum[i] / (double)s->psi_n[i], s->psi_max[i]);
		else
			fprintf(f, " %s n/a", names[i]);
	fputc('\n', f);
}

static void text_loss(FILE *f, const struct pt_report *r)
{
	double v[PT_FIELDS_MAX];
	size_t i;
	int id;

	fprintf(f, "loss:   ");
	pt_record_values(&pt_rec_loss, &r->sum->loss, v);
	for (i = 0; i < pt_rec_loss.nr_fields; i++)
		fprintf(f, " %s %.0f", pt_rec_loss.fields[i].name, v[i]);
	fprintf(f, "%s\n", pt_loss_total(&r->sum->loss) > r->sum->loss.attach_failed ?
		"  (events were lost: figures are lower bounds)" : "");
	for (id = 0; id < PT_NR_FAMILIES; id++) {
		const struct pt_probe_status *ps = &r->header->probes[id];

		if (ps->requested && !ps->ok)
			fprintf(f, "         probe family %s not running: %s\n",
				pt_family_name((enum pt_family_id)id), CLEAN(ps->error));
	}
}

static void text_baseline(FILE *f, const struct pt_report *r)
{
	size_t i, shown[PT_RECORDS_MAX] = { 0 }, hidden = 0;

	fprintf(f, "\nCompared with baseline %s: %zu thing(s) got worse\n",
		CLEAN(r->baseline), r->nr_reg);
	for (i = 0; i < r->nr_reg; i++) {
		const struct pt_regression *g = &r->reg[i];

		if (shown[g->rec]++ >= BASELINE_ROWS) {
			hidden++;
			continue;
		}

		fprintf(f, "  %-10s %-32s %-20s %10.2f -> %10.2f %s",
			pt_records[g->rec]->sum_kind,
			CLEAN(g->name), g->metric, g->baseline, g->current, g->unit);
		if (g->baseline > 0)
			fprintf(f, " (x%.1f)", g->current / g->baseline);
		else
			fprintf(f, " (new)");
		if (g->averaged)
			fprintf(f, " (means of the intervals' percentiles: a trace older than version %d)",
				pt_records[g->rec]->hist.version);
		fputc('\n', f);
	}
	if (hidden)
		fprintf(f, "  ... and %zu more (--json lists all)\n", hidden);
}

static void report_text(FILE *f, const struct pt_report *r);

/*
 * The text goes to a terminal or a mail: names in it (comm, cgroup) are
 * bytes anyone on the machine chose, so control bytes (escape sequences,
 * carriage returns) are shown as '?'.  Built in memory, then cleaned.
 */
void pt_report_text(FILE *f, const struct pt_report *r)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		report_text(f, r);
		return;
	}
	report_text(m, r);
	fclose(m);
	for (i = 0; i < len; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\n') || buf[i] == 0x7f)
			buf[i] = '?';
	fwrite(buf, 1, len, f);
	free(buf);
}

static void report_text(FILE *f, const struct pt_report *r)
{
	char a[40], b[40];
	size_t i;

	fmt_time(pt_window_start_ns(r->win), a, sizeof(a));
	fmt_time(pt_window_end_ns(r->win), b, sizeof(b));
	fprintf(f, "perftop %s: %s", r->command, r->status == PT_EXIT_OK ? "OK" :
		r->status == PT_EXIT_WARNING ? "WARNING" :
		r->status == PT_EXIT_CRITICAL ? "CRITICAL" : "UNKNOWN");
	if (r->nr_findings)
		fprintf(f, " - %zu finding(s):", r->nr_findings);
	for (i = 0; i < r->nr_findings; i++)
		fprintf(f, "%s %s %.1f %s", i ? "," : "", r->findings[i].f.rule,
			r->findings[i].f.value, r->findings[i].f.unit);
	if (r->status_why[0])
		fprintf(f, " - %s", CLEAN(r->status_why));
	fprintf(f, "\n%s%s%s, ", CLEAN(r->header->hostname), r->source ? ", " : "",
		r->source ? CLEAN(r->source) : "");
	if (r->sum->snapshots)
		fprintf(f, "%s to %s, %.1f s in %zu intervals", a, b,
			r->sum->duration_s, r->sum->snapshots);
	else
		fprintf(f, "no snapshots");
	fprintf(f, "%s\n\n", r->truncated ? " (trace cut off: no end line)" : "");
	for (i = 0; i < r->nr_findings; i++)
		text_finding(f, r, &r->findings[i]);
	if (!r->nr_findings)
		fprintf(f, "No bottleneck found.\n");
	fputc('\n', f);
	for (i = 0; i < PT_NR_FAMILIES; i++)
		text_family(f, r, (int)i);
	text_psi(f, r->sum);
	text_loss(f, r);
	if (r->baseline)
		text_baseline(f, r);
}

/* ---- JSON ---- */

/*
 * Names in a report (comm, hostname, paths, kernel error text) may hold
 * any bytes; cJSON escapes control bytes but passes the others through.
 * JSON must be UTF-8: print each invalid byte as U+FFFD.  Only string
 * contents can hold bytes >= 0x80, so this cannot break the structure.
 */
static void put_utf8(FILE *f, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s) {
		size_t n = pt_utf8_seq(s);

		if (n)
			fwrite(s, 1, n, f);
		else
			fputs("\xef\xbf\xbd", f);
		s += n ? n : 1;
	}
}

static cJSON *json_finding(const struct pt_report *r,
			   const struct pt_window_finding *wf)
{
	cJSON *o = pt_json_finding(&wf->f);
	char t[40];

	if (!o)
		return NULL;
	fmt_time(wf->first_ns, t, sizeof(t));
	cJSON_AddStringToObject(o, "first", t);
	fmt_time(wf->last_ns, t, sizeof(t));
	cJSON_AddStringToObject(o, "last", t);
	cJSON_AddNumberToObject(o, "active_intervals", wf->active);
	cJSON_AddNumberToObject(o, "intervals", (double)r->sum->snapshots);
	return o;
}

static cJSON *json_baseline(const struct pt_report *r)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	size_t i;

	cJSON_AddStringToObject(o, "file", r->baseline);
	for (i = 0; i < r->nr_reg; i++) {
		const struct pt_regression *g = &r->reg[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "kind", pt_records[g->rec]->sum_kind);
		cJSON_AddStringToObject(e, "name", g->name);
		cJSON_AddStringToObject(e, "metric", g->metric);
		cJSON_AddStringToObject(e, "unit", g->unit);
		cJSON_AddNumberToObject(e, "baseline", g->baseline);
		cJSON_AddNumberToObject(e, "current", g->current);
		cJSON_AddBoolToObject(e, "averaged", g->averaged);
		cJSON_AddItemToArray(arr, e);
	}
	cJSON_AddItemToObject(o, "worse", arr);
	return o;
}

static cJSON *json_window(const struct pt_report *r)
{
	cJSON *w = cJSON_CreateObject();
	char t[40];

	fmt_time(pt_window_start_ns(r->win), t, sizeof(t));
	cJSON_AddStringToObject(w, "start", t);
	fmt_time(pt_window_end_ns(r->win), t, sizeof(t));
	cJSON_AddStringToObject(w, "end", t);
	cJSON_AddNumberToObject(w, "duration_s", r->sum->duration_s);
	cJSON_AddNumberToObject(w, "snapshots", (double)r->sum->snapshots);
	return w;
}

int pt_report_json(FILE *f, const struct pt_report *r)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *vals;
	char *text;
	size_t i;
	int rule;

	cJSON_AddStringToObject(o, "type", "report");
	cJSON_AddStringToObject(o, "command", r->command);
	cJSON_AddStringToObject(o, "status", pt_status_name(r->status));
	if (r->status_why[0])
		cJSON_AddStringToObject(o, "status_reason", r->status_why);
	cJSON_AddStringToObject(o, "hostname", r->header->hostname);
	if (r->source)
		cJSON_AddStringToObject(o, "file", r->source);
	cJSON_AddItemToObject(o, "window", json_window(r));
	for (i = 0; i < r->nr_findings; i++)
		cJSON_AddItemToArray(arr, json_finding(r, &r->findings[i]));
	cJSON_AddItemToObject(o, "findings", arr);
	vals = cJSON_AddObjectToObject(o, "values");
	for (rule = 0; rule < PT_NR_RULES; rule++) {
		double v = pt_window_rule_value(r->win, (enum pt_rule_id)rule);

		if (v < 0)
			cJSON_AddNullToObject(vals, pt_rule_name((enum pt_rule_id)rule));
		else
			cJSON_AddNumberToObject(vals, pt_rule_name((enum pt_rule_id)rule), v);
	}
	cJSON_AddItemToObject(o, "loss", pt_json_loss(&r->sum->loss));
	if (r->baseline)
		cJSON_AddItemToObject(o, "baseline", json_baseline(r));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text) {
		pt_err("out of memory building the JSON report: free some memory");
		return -ENOMEM;
	}
	put_utf8(f, text);
	fputc('\n', f);
	free(text);
	if (fflush(f)) {
		pt_err("writing the report failed: %s: check stdout", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* ---- Prometheus textfile (trace/expo.c writes the format) ---- */

#define LABEL(n, v) ((struct pt_label){ .name = (n), .value = (v) })

static void prom_findings(struct pt_expo *e, const struct pt_report *r)
{
	int rule, sev;
	size_t i;

	pt_expo_family(e, "perftop_finding", PT_METRIC_GAUGE, NULL,
		       "1 if the rule fired at this severity in the last scan, else 0.");
	for (rule = 0; rule < PT_NR_RULES; rule++)
		for (sev = PT_SEV_WARNING; sev <= PT_SEV_CRITICAL; sev++) {
			struct pt_label l[] = {
				LABEL("rule", pt_rule_name((enum pt_rule_id)rule)),
				LABEL("severity", pt_severity_name((enum pt_severity)sev)),
			};
			int on = 0;

			for (i = 0; i < r->nr_findings; i++)
				if (!strcmp(r->findings[i].f.rule, l[0].value) &&
				    (int)r->findings[i].f.severity == sev)
					on = 1;
			pt_expo_sample(e, l, 2, on);
		}
	pt_expo_family(e, "perftop_rule_value", PT_METRIC_GAUGE, NULL,
		       "Each rule's value over the scan window (the level held for the persistence fraction), in the rule's unit.");
	for (rule = 0; rule < PT_NR_RULES; rule++) {
		double v = pt_window_rule_value(r->win, (enum pt_rule_id)rule);
		struct pt_label l[] = {
			LABEL("rule", pt_rule_name((enum pt_rule_id)rule)),
			LABEL("unit", pt_rule_unit((enum pt_rule_id)rule)),
		};

		if (v >= 0)
			pt_expo_sample(e, l, 2, v);
	}
}

/* Every field with a .prom: one sample for a singleton or a .total, one
 * per row (labelled with .prom_label) for arrays kept per key. */
static void prom_record(struct pt_expo *e, const struct pt_summary *s,
			const struct pt_record_type *rt)
{
	size_t idx[PT_FIELDS_MAX], n = fields_by_pos(rt, true, idx), k, i;
	const struct pt_sum_row **rows = NULL;
	double v[PT_FIELDS_MAX];
	size_t nrows = 0;

	if (!n || !(s->families & (1u << rt->family)))
		return;
	if (rt->prom_label && rt->sum_kind &&
	    pt_summary_top(s, rt, &rows, &nrows))
		return;
	pt_sum_values(rt, s->total[pt_record_index(rt)],
		      s->total_hist[pt_record_index(rt)], v);
	for (k = 0; k < n; k++) {
		const struct pt_promspec *p = &rt->fields[idx[k]].prom;

		pt_expo_family(e, p->name, p->type, NULL, p->help);
		if (p->total || !rt->prom_label) {
			pt_expo_sample(e, NULL, 0,
				       pt_sum_show(s, v[idx[k]], p->rate, p->div));
			continue;
		}
		for (i = 0; i < nrows; i++) {
			double rv[PT_FIELDS_MAX];
			char name[160];
			struct pt_label l = LABEL(rt->prom_label, name);

			pt_sum_values(rt, rows[i]->acc, rows[i]->hist, rv);
			if (rows[i]->who.kind == PT_CULPRIT_DEV)
				snprintf(name, sizeof(name), "%s", rows[i]->who.dev);
			else
				pt_culprit_name(&rows[i]->who, name, sizeof(name));
			pt_expo_sample(e, &l, 1, pt_sum_show(s, rv[idx[k]],
							     p->rate, p->div));
		}
	}
	free(rows);
}

static void prom_measures(struct pt_expo *e, const struct pt_report *r)
{
	size_t k;

	for (k = 0; k < pt_nr_records; k++)
		prom_record(e, r->sum, pt_records[k]);
}

static void prom_status(struct pt_expo *e, const struct pt_report *r)
{
	static const char *const psi[3] = { "cpu", "memory", "io" };
	double v[PT_FIELDS_MAX];
	struct pt_label l;
	size_t k;
	int i;

	pt_expo_family(e, "perftop_pressure_some_ratio", PT_METRIC_GAUGE,
		       NULL, "PSI some: the share of the window in which some task stalled, from the kernel's stall totals (what the pressure rules judge).");
	for (i = 0; i < 3; i++)
		if (r->sum->psi_span_ns[i] > 0) {
			l = LABEL("resource", psi[i]);
			pt_expo_sample(e, &l, 1, r->sum->psi_stall_ns[i] /
				       r->sum->psi_span_ns[i]);
		}
	pt_expo_family(e, "perftop_pressure_some_avg10_ratio", PT_METRIC_GAUGE,
		       NULL, "PSI some avg10, mean over the window, as a ratio.");
	for (i = 0; i < 3; i++)
		if (r->sum->psi_n[i]) {
			l = LABEL("resource", psi[i]);
			pt_expo_sample(e, &l, 1, r->sum->psi_sum[i] /
				       (double)r->sum->psi_n[i] / 100);
		}
	pt_expo_family(e, "perftop_loss", PT_METRIC_COUNTER, NULL,
		       "Events lost during the scan, by kind (attach_failed: probe families not running).");
	pt_record_values(&pt_rec_loss, &r->sum->loss, v);
	for (k = 0; k < pt_rec_loss.nr_fields; k++) {
		l = LABEL("kind", pt_rec_loss.fields[k].name);
		pt_expo_sample(e, &l, 1, v[k]);
	}
	pt_expo_family(e, "perftop_scan_duration_seconds", PT_METRIC_GAUGE, NULL,
		       "Length of the measured window.");
	pt_expo_sample(e, NULL, 0, r->sum->duration_s);
	pt_expo_family(e, "perftop_scan_timestamp_seconds", PT_METRIC_GAUGE, NULL,
		       "When the window ended (Unix time).");
	pt_expo_sample(e, NULL, 0, (double)pt_window_end_ns(r->win) / 1e9);
	pt_expo_family(e, "perftop_scan_status", PT_METRIC_GAUGE, NULL,
		       "Scan result: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	pt_expo_sample(e, NULL, 0, r->status);
}

int pt_report_prom(const char *path, const struct pt_report *r)
{
	struct pt_expo e;
	char tmp[4096];
	struct stat st;
	FILE *f;
	int fd, err = 0;

	/* The file is replaced by rename(): as root, --prom /dev/null would
	 * replace the device node with a regular file.  Only a regular file
	 * (or none yet) is a textfile. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		pt_err("--prom %s is not a regular file: give the path of a .prom file (node_exporter's textfile directory)",
		       path);
		return -EINVAL;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		pt_err("--prom path too long: %s: use a shorter path", path);
		return -ENAMETOOLONG;
	}
	/* Same directory, so rename() is atomic for the textfile collector. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		pt_err("cannot create %s: %s: check that the directory of --prom exists and is writable",
		       tmp, strerror(-err));
		return err;
	}
	pt_expo_init(&e, f, PT_EXPO_TEXT);
	prom_findings(&e, r);
	prom_measures(&e, r);
	prom_status(&e, r);
	if (pt_expo_finish(&e))
		err = -EIO;
	else if (fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		pt_err("writing Prometheus file %s failed: %s: check the disk and the path",
		       path, strerror(-err));
	}
	return err;
}
