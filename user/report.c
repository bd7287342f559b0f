// SPDX-License-Identifier: GPL-2.0
/* scan/report output: text, one JSON line, Prometheus textfile. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>

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

static void text_cpu(FILE *f, const struct pt_report *r)
{
	const struct pt_summary *s = r->sum;
	const struct pt_sum_row **rows;
	size_t n, i;

	if (!(s->families & (1u << PT_SCHED)))
		return;
	fprintf(f, "cpu:     run-queue p99 %.2f ms (mean of intervals), max %.1f ms, %.0f ms waited per s, %llu waits\n",
		pt_sum_sys_p99_ms(s), (double)s->sched.runq_max_ns / 1e6,
		pt_sum_per_s(s, (double)s->sched.runq_wait_ns / 1e6),
		(unsigned long long)s->sched.runq_count);
	if (pt_summary_top(s, PT_SUM_TASK, &rows, &n))
		return;
	if (n)
		fprintf(f, "         %-16s %8s %10s %8s %9s\n", "TASK", "PID",
			"WAIT ms/s", "WAITS", "P99 ms");
	for (i = 0; i < n && i < TOP_ROWS; i++)
		fprintf(f, "         %-16s %8u %10.1f %8.0f %9.2f\n",
			CLEAN(rows[i]->who.task.comm), rows[i]->who.task.pid,
			pt_sum_task_wait_ms_per_s(s, rows[i]),
			rows[i]->v[PT_SV_RQ_COUNT], pt_sum_task_p99_ms(rows[i]));
	free(rows);
}

static void text_memory(FILE *f, const struct pt_report *r)
{
	const struct pt_summary *s = r->sum;
	const struct pt_sum_row **rows;
	size_t n, i;

	if (!(s->families & (1u << PT_FAULT)))
		return;
	fprintf(f, "memory:  major faults %.1f/s, minor %.0f/s\n",
		pt_sum_per_s(s, (double)s->fault_major),
		pt_sum_per_s(s, (double)s->fault_minor));
	if (pt_summary_top(s, PT_SUM_PROC, &rows, &n))
		return;
	if (n)
		fprintf(f, "         %-16s %8s %10s %10s\n", "PROCESS", "PID",
			"MAJOR/s", "MINOR/s");
	for (i = 0; i < n && i < TOP_ROWS; i++)
		fprintf(f, "         %-16s %8u %10.1f %10.0f\n",
			CLEAN(rows[i]->who.task.comm), rows[i]->who.task.pid,
			pt_sum_per_s(s, rows[i]->v[PT_SV_MAJOR]),
			pt_sum_per_s(s, rows[i]->v[PT_SV_MINOR]));
	free(rows);
}

static void text_disk(FILE *f, const struct pt_report *r)
{
	const struct pt_summary *s = r->sum;
	const struct pt_sum_row **rows;
	size_t n, i;

	if (!(s->families & (1u << PT_BLOCK)))
		return;
	if (pt_summary_top(s, PT_SUM_DEV, &rows, &n))
		return;
	fprintf(f, "disk:    %zu device(s) with I/O\n", n);
	if (n)
		fprintf(f, "         %-16s %10s %10s %9s %9s\n", "DEVICE", "IOPS",
			"MB/s", "P99 ms", "MAX ms");
	for (i = 0; i < n && i < TOP_ROWS; i++)
		fprintf(f, "         %-16s %10.1f %10.2f %9.2f %9.1f\n",
			CLEAN(rows[i]->who.dev), pt_sum_per_s(s, rows[i]->v[PT_SV_IOS]),
			pt_sum_per_s(s, rows[i]->v[PT_SV_BYTES]) / 1e6,
			pt_sum_dev_p99_ms(rows[i]), rows[i]->v[PT_SV_MAX_NS] / 1e6);
	free(rows);
}

static void text_net(FILE *f, const struct pt_report *r)
{
	const struct pt_summary *s = r->sum;
	const struct pt_sum_row **rows;
	double retrans = 0, segs = 0;
	char name[160];
	size_t n, i;

	if (!(s->families & (1u << PT_TCP)))
		return;
	if (pt_summary_top(s, PT_SUM_CONN, &rows, &n))
		return;
	for (i = 0; i < n; i++) {
		retrans += rows[i]->v[PT_SV_RETRANS];
		segs += rows[i]->v[PT_SV_SEGS];
	}
	fprintf(f, "network: %zu connection(s), %.0f retransmits of %.0f segments sent (%.2f%%)\n",
		n, retrans, segs, segs > 0 ? 100 * retrans / segs : 0);
	if (n)
		fprintf(f, "         %-52s %8s %9s %8s\n", "CONNECTION", "RETRANS",
			"SEGS", "RETR %");
	for (i = 0; i < n && i < TOP_ROWS; i++) {
		pt_culprit_name(&rows[i]->who, name, sizeof(name));
		fprintf(f, "         %-52s %8.0f %9.0f %8.2f\n", CLEAN(name),
			rows[i]->v[PT_SV_RETRANS], rows[i]->v[PT_SV_SEGS],
			pt_sum_retrans_pct(rows[i]));
	}
	free(rows);
}

static void text_psi(FILE *f, const struct pt_summary *s)
{
	static const char *const names[3] = { "cpu", "memory", "io" };
	int i;

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
	cJSON *l = pt_json_loss(&r->sum->loss), *it;
	int id;

	fprintf(f, "loss:   ");
	cJSON_ArrayForEach(it, l)
		fprintf(f, " %s %.0f", it->string, it->valuedouble);
	cJSON_Delete(l);
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
	static const char *const kinds[] = { "task", "process", "device",
					     "connection" };
	size_t i, shown[PT_SUM_NR_KINDS] = { 0 }, hidden = 0;

	fprintf(f, "\nCompared with baseline %s: %zu thing(s) got worse\n",
		CLEAN(r->baseline), r->nr_reg);
	for (i = 0; i < r->nr_reg; i++) {
		const struct pt_regression *g = &r->reg[i];

		if (shown[g->kind]++ >= BASELINE_ROWS) {
			hidden++;
			continue;
		}

		fprintf(f, "  %-10s %-32s %-20s %10.2f -> %10.2f %s", kinds[g->kind],
			CLEAN(g->name), g->metric, g->baseline, g->current, g->unit);
		if (g->baseline > 0)
			fprintf(f, " (x%.1f)\n", g->current / g->baseline);
		else
			fprintf(f, " (new)\n");
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
	text_cpu(f, r);
	text_memory(f, r);
	text_disk(f, r);
	text_net(f, r);
	text_psi(f, r->sum);
	text_loss(f, r);
	if (r->baseline)
		text_baseline(f, r);
}

/* ---- JSON ---- */

/* Bytes of the valid UTF-8 sequence at s (1-4), or 0 (RFC 3629). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 :
		   s[0] >= 0xe0 && s[0] <= 0xef ? 3 :
		   s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0, i;

	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3/4-byte forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) ||
			(s[0] == 0xed && s[1] >= 0xa0))) ||
	    (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) ||
			(s[0] == 0xf4 && s[1] >= 0x90))))
		return 0;
	return n;
}

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
		size_t n = utf8_len(s);

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
	static const char *const kinds[] = { "task", "process", "device",
					     "connection" };
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	size_t i;

	cJSON_AddStringToObject(o, "file", r->baseline);
	for (i = 0; i < r->nr_reg; i++) {
		const struct pt_regression *g = &r->reg[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "kind", kinds[g->kind]);
		cJSON_AddStringToObject(e, "name", g->name);
		cJSON_AddStringToObject(e, "metric", g->metric);
		cJSON_AddStringToObject(e, "unit", g->unit);
		cJSON_AddNumberToObject(e, "baseline", g->baseline);
		cJSON_AddNumberToObject(e, "current", g->current);
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

/* ---- Prometheus textfile ---- */

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values: escape backslash, quote and newline. */
static void prom_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void prom_findings(FILE *f, const struct pt_report *r)
{
	int rule, sev;
	size_t i;

	prom_head(f, "perftop_finding", "gauge",
		  "1 if the rule fired at this severity in the last scan, else 0.");
	for (rule = 0; rule < PT_NR_RULES; rule++)
		for (sev = PT_SEV_WARNING; sev <= PT_SEV_CRITICAL; sev++) {
			int on = 0;

			for (i = 0; i < r->nr_findings; i++)
				if (!strcmp(r->findings[i].f.rule,
					    pt_rule_name((enum pt_rule_id)rule)) &&
				    (int)r->findings[i].f.severity == sev)
					on = 1;
			fprintf(f, "perftop_finding{rule=\"%s\",severity=\"%s\"} %d\n",
				pt_rule_name((enum pt_rule_id)rule),
				pt_severity_name((enum pt_severity)sev), on);
		}
	prom_head(f, "perftop_rule_value", "gauge",
		  "Each rule's value over the scan window (the level held for the persistence fraction), in the rule's unit.");
	for (rule = 0; rule < PT_NR_RULES; rule++) {
		double v = pt_window_rule_value(r->win, (enum pt_rule_id)rule);

		if (v >= 0)
			fprintf(f, "perftop_rule_value{rule=\"%s\",unit=\"%s\"} %.6g\n",
				pt_rule_name((enum pt_rule_id)rule),
				pt_rule_unit((enum pt_rule_id)rule), v);
	}
}

static void prom_measures(FILE *f, const struct pt_report *r)
{
	const struct pt_summary *s = r->sum;
	const struct pt_sum_row **rows;
	double retrans = 0, segs = 0;
	size_t n, i;

	if (s->families & (1u << PT_SCHED)) {
		prom_head(f, "perftop_runq_p99_seconds", "gauge",
			  "System-wide run-queue wait p99 (mean of the intervals, weighted by waits).");
		fprintf(f, "perftop_runq_p99_seconds %.9f\n", pt_sum_sys_p99_ms(s) / 1e3);
		prom_head(f, "perftop_runq_wait_seconds_per_second", "gauge",
			  "Total time threads waited on run queues, per second of the window.");
		fprintf(f, "perftop_runq_wait_seconds_per_second %.6f\n",
			pt_sum_per_s(s, (double)s->sched.runq_wait_ns / 1e9));
	}
	if (s->families & (1u << PT_FAULT)) {
		prom_head(f, "perftop_major_faults_per_second", "gauge",
			  "Major page faults per second over the window.");
		fprintf(f, "perftop_major_faults_per_second %.6g\n",
			pt_sum_per_s(s, (double)s->fault_major));
	}
	if ((s->families & (1u << PT_BLOCK)) &&
	    !pt_summary_top(s, PT_SUM_DEV, &rows, &n)) {
		prom_head(f, "perftop_disk_latency_p99_seconds", "gauge",
			  "Block request latency p99 per device (mean of the intervals, weighted by I/Os).");
		for (i = 0; i < n; i++) {
			fprintf(f, "perftop_disk_latency_p99_seconds{device=\"");
			prom_label(f, rows[i]->who.dev);
			fprintf(f, "\"} %.9f\n", pt_sum_dev_p99_ms(rows[i]) / 1e3);
		}
		prom_head(f, "perftop_disk_ios_per_second", "gauge",
			  "Completed block requests per second per device.");
		for (i = 0; i < n; i++) {
			fprintf(f, "perftop_disk_ios_per_second{device=\"");
			prom_label(f, rows[i]->who.dev);
			fprintf(f, "\"} %.6g\n", pt_sum_per_s(s, rows[i]->v[PT_SV_IOS]));
		}
		free(rows);
	}
	if ((s->families & (1u << PT_TCP)) &&
	    !pt_summary_top(s, PT_SUM_CONN, &rows, &n)) {
		for (i = 0; i < n; i++) {
			retrans += rows[i]->v[PT_SV_RETRANS];
			segs += rows[i]->v[PT_SV_SEGS];
		}
		free(rows);
		prom_head(f, "perftop_tcp_retransmit_ratio", "gauge",
			  "TCP retransmitted / sent segments over the window (0 when nothing was sent).");
		fprintf(f, "perftop_tcp_retransmit_ratio %.6g\n",
			segs > 0 ? retrans / segs : 0);
	}
}

static void prom_status(FILE *f, const struct pt_report *r)
{
	static const char *const psi[3] = { "cpu", "memory", "io" };
	cJSON *l = pt_json_loss(&r->sum->loss), *it;
	int i;

	prom_head(f, "perftop_pressure_some_avg10_ratio", "gauge",
		  "PSI some avg10, mean over the window, as a ratio.");
	for (i = 0; i < 3; i++)
		if (r->sum->psi_n[i])
			fprintf(f, "perftop_pressure_some_avg10_ratio{resource=\"%s\"} %.4f\n",
				psi[i], r->sum->psi_sum[i] / (double)r->sum->psi_n[i] / 100);
	prom_head(f, "perftop_loss_total", "counter",
		  "Events lost during the scan, by kind (attach_failed: probe families not running).");
	cJSON_ArrayForEach(it, l)
		fprintf(f, "perftop_loss_total{kind=\"%s\"} %.0f\n", it->string,
			it->valuedouble);
	cJSON_Delete(l);
	prom_head(f, "perftop_scan_duration_seconds", "gauge",
		  "Length of the measured window.");
	fprintf(f, "perftop_scan_duration_seconds %.3f\n", r->sum->duration_s);
	prom_head(f, "perftop_scan_timestamp_seconds", "gauge",
		  "When the window ended (Unix time).");
	fprintf(f, "perftop_scan_timestamp_seconds %.3f\n",
		(double)pt_window_end_ns(r->win) / 1e9);
	prom_head(f, "perftop_scan_status", "gauge",
		  "Scan result: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	fprintf(f, "perftop_scan_status %d\n", r->status);
}

int pt_report_prom(const char *path, const struct pt_report *r)
{
	char tmp[4096];
	FILE *f;
	int fd, err = 0;

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
	prom_findings(f, r);
	prom_measures(f, r);
	prom_status(f, r);
	if (fflush(f) || fsync(fileno(f)))
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
