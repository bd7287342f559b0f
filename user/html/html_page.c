// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report page: head and styles, the header (machine, time range,
 * probes), the verdict, one section of timelines per subsystem, and the
 * "how to read" footer.  Culprits and --baseline: html_detail.c.
 *
 * The page is polyglot markup (well-formed XML that is also valid HTML),
 * so a strict XML parser can check it; it holds no script and its content
 * security policy forbids every fetch, so it opens the same from a mail
 * attachment, a ticket or a file with no network.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_impl.h"
#include "util.h"

static const char style[] =
"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#111;background:#fff;max-width:1100px;margin:0 auto;padding:12px 20px}"
"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
"h1{font-size:22px;margin:8px 0}h2{font-size:18px;border-bottom:2px solid #333;margin-top:28px}h3{font-size:15px;margin:14px 0 4px}"
"dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:8px 0}dl.meta dt{font-weight:bold}dl.meta dd{margin:0}"
".badge{display:inline-block;padding:0 8px;border:2px solid;border-radius:4px;font-weight:bold;letter-spacing:.03em}"
".badge.ok{background:#e6f2ea;border-color:#2e6b3f}.badge.warning{background:#fff4d8;border-color:#b07800}"
".badge.critical{background:#fde3d8;border-color:#c04000}.badge.unknown{background:#eee;border-color:#555}"
"article.finding{border-left:6px solid #b07800;padding:2px 12px;margin:10px 0;background:#fffaf0}"
"article.finding.critical{border-left:6px double #c04000;background:#fff5f0}"
"article.finding dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:4px 0}article.finding dt{font-weight:bold}article.finding dd{margin:0}"
"nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}"
"figure{margin:12px 0 18px}figcaption{font-weight:bold}p.note{margin:2px 0 4px;color:#333}"
"svg.chart{display:block}svg.main{width:100%;height:auto}svg.small{width:300px;height:40px}"
"svg.defs{position:absolute;width:0;height:0;overflow:hidden}"
".plot{fill:#fff;stroke:#aaa}.grid line{stroke:#e4e4e4}.grid text,.time text,.thr text{font-size:11px;fill:#333}"
".yl{text-anchor:end}.time text{text-anchor:middle}.time line{stroke:#777}"
".thr-warning{stroke:#b07800;stroke-width:1.5;stroke-dasharray:6 3}.thr-critical{stroke:#c04000;stroke-width:1.5;stroke-dasharray:2 2}"
".thr text{text-anchor:end}"
".span.warning{fill:url(#hatch-warning)}.span.critical{fill:url(#hatch-critical)}.spanlabel{font-size:12px;font-weight:bold}"
".s0,.s1,.s2,.s3,.s4,.s5,.s6,.s7{fill:none;stroke-width:2;stroke-linejoin:round}"
".s0{stroke:#0072b2}.s1{stroke:#000;stroke-dasharray:7 3}.s2{stroke:#009e73;stroke-dasharray:2 2}"
".s3{stroke:#cc79a7;stroke-dasharray:9 3 2 3}.s4{stroke:#56b4e9;stroke-dasharray:12 4}.s5{stroke:#7a5c00;stroke-dasharray:3 5}"
".s6{stroke:#555;stroke-dasharray:4 2 1 2}.s7{stroke:#8a2be2;stroke-dasharray:1 2}"
".a0{fill:#9cc3e0;stroke:#0072b2}.a1{fill:url(#fill-1);stroke:#222}.a2{fill:url(#fill-2);stroke:#00674a}"
".a3{fill:url(#fill-3);stroke:#8e3c6d}.a4{fill:url(#fill-4);stroke:#2a6f97}.a5,.a6,.a7{fill:#ddd;stroke:#333}"
".hover rect{fill:#000;fill-opacity:0}.hover rect:hover{fill-opacity:.08}"
"ul.legend{list-style:none;padding:0;margin:2px 0;font-size:13px}svg.sw{width:30px;height:12px;vertical-align:middle;margin-right:5px}"
"table{border-collapse:collapse;margin:6px 0}th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:middle}"
"td.n{text-align:right;font-variant-numeric:tabular-nums}"
"footer{margin-top:30px;border-top:1px solid #999;font-size:13px;color:#333}"
"@media print{body{max-width:none;padding:0;font-size:10pt}nav,.hover{display:none}"
"figure,article,tr,section.culprits table{break-inside:avoid}h2,h3{break-after:avoid}"
"a{color:inherit;text-decoration:none}}";

static const char *status_word(int status)
{
	static const char *const words[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	return status >= 0 && status <= 3 ? words[status] : "UNKNOWN";
}

static void badge(FILE *f, int status)
{
	fprintf(f, "<span class=\"badge %s\">%s</span>", pt_status_name(status),
		status_word(status));
}

static void head(FILE *f, const struct pt_html_input *in)
{
	const struct pt_report *r = in->r;
	char a[40];

	pt_format_rfc3339(r->sum->snapshots ? pt_window_start_ns(r->win) :
					      r->header->start_time_ns, a, sizeof(a));
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<meta name=\"generator\" content=\"perftop ", f);
	pt_html_esc(f, in->version);
	fputs("\"/>\n<title>", f);
	pt_html_escf(f, "perftop report: %s - %s - %s", status_word(r->status),
		     r->header->hostname, a);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

static void probes(FILE *f, const struct pt_header *h)
{
	int id;
	bool any = false;

	for (id = 0; id < PT_NR_FAMILIES; id++) {
		const struct pt_probe_status *ps = &h->probes[id];

		if (!ps->requested)
			continue;
		fputs(any ? ", " : "", f);
		any = true;
		if (ps->ok)
			pt_html_escf(f, "%s (%s)", pt_family_name((enum pt_family_id)id),
				     ps->attach);
		else
			pt_html_escf(f, "%s NOT RUNNING: %s",
				     pt_family_name((enum pt_family_id)id), ps->error);
	}
	if (!any)
		fputs("none", f);
}

static void filters(FILE *f, const struct pt_header *h)
{
	int i;

	if (!h->nr_filter_pids && !h->filter_cgroup[0]) {
		fputs("none (the whole machine)", f);
		return;
	}
	if (h->nr_filter_pids) {
		fputs("processes ", f);
		for (i = 0; i < h->nr_filter_pids; i++)
			fprintf(f, "%s%u", i ? "," : "", h->filter_pids[i]);
	}
	if (h->filter_cgroup[0]) {
		fputs(h->nr_filter_pids ? "; cgroup " : "cgroup ", f);
		pt_html_esc(f, h->filter_cgroup);
	}
}

/* The recorded time range of a recording, as a sentence. */
void pt_html_range(FILE *f, const struct pt_snapshot *s, size_t n,
		   const struct pt_header *h)
{
	char a[40], b[40], d[40], ivl[32];
	uint64_t start;

	if (!n) {
		fputs("no complete interval", f);
		return;
	}
	start = s[0].time_ns - s[0].interval_ns;
	pt_format_rfc3339(start, a, sizeof(a));
	pt_format_rfc3339(s[n - 1].time_ns, b, sizeof(b));
	fprintf(f, "%s to %s (%s, %zu interval%s of %s s)", a, b,
		pt_html_duration(s[n - 1].time_ns - start, d, sizeof(d)), n,
		n == 1 ? "" : "s",
		pt_html_num((double)h->interval_ns / 1e9, ivl, sizeof(ivl)));
}

static void header(FILE *f, const struct pt_html_input *in)
{
	const struct pt_report *r = in->r;
	const struct pt_header *h = r->header;

	fputs("<header>\n<h1>perftop report ", f);
	badge(f, r->status);
	fputs("</h1>\n<dl class=\"meta\">\n<dt>Host</dt><dd>", f);
	pt_html_esc(f, h->hostname);
	fputs("</dd>\n<dt>Kernel</dt><dd>", f);
	pt_html_esc(f, h->kernel);
	fprintf(f, ", %u CPUs</dd>\n<dt>Recorded</dt><dd>", h->nr_cpus);
	pt_html_range(f, in->snaps, in->nr_snaps, h);
	fputs(", all times UTC</dd>\n<dt>Trace</dt><dd>", f);
	pt_html_esc(f, r->source ? r->source : "(live)");
	if (r->truncated)
		fputs(" <strong>(cut off: no end line; the last intervals may be missing)</strong>", f);
	fputs("</dd>\n<dt>Probes</dt><dd>", f);
	probes(f, h);
	fputs("</dd>\n<dt>Filters</dt><dd>", f);
	filters(f, h);
	fputs("</dd>\n<dt>Made by</dt><dd>perftop ", f);
	pt_html_esc(f, in->version);
	fputs(" report --html, from the same evaluation as <code>perftop report</code></dd>\n</dl>\n</header>\n", f);
}

/* Where a rule's timeline is on the page. */
static const char *rule_chart(int rule)
{
	static const char *const ids[PT_NR_RULES] = {
		[PT_RULE_RUNQ_LATENCY] = "runq", [PT_RULE_CPU_PRESSURE] = "psi-cpu",
		[PT_RULE_MAJOR_FAULTS] = "major", [PT_RULE_MEMORY_PRESSURE] = "psi-memory",
		[PT_RULE_DISK_LATENCY] = "disk", [PT_RULE_DISK_PRESSURE] = "psi-io",
		[PT_RULE_RETRANSMITS] = "retrans",
	};

	return rule >= 0 && rule < PT_NR_RULES ? ids[rule] : NULL;
}

static void finding(FILE *f, const struct pt_html_input *in,
		    const struct pt_window_finding *wf)
{
	const struct pt_finding *fd = &wf->f;
	int rule = pt_rule_lookup(fd->rule);
	const char *sev = pt_severity_name(fd->severity);
	char num[32], a[40], b[40], name[160];
	int i;

	fprintf(f, "<article class=\"finding %s\" data-rule=\"", sev);
	pt_html_esc(f, fd->rule);
	fputs("\">\n<h3>", f);
	badge(f, (int)fd->severity);
	fputc(' ', f);
	pt_html_esc(f, fd->rule);
	pt_html_escf(f, ": %s %s", pt_html_num(fd->value, num, sizeof(num)), fd->unit);
	fputs("</h3>\n<p>", f);
	pt_html_esc(f, fd->summary);
	fputs("</p>\n<dl>\n", f);
	if (rule >= 0) {
		fputs("<dt>Thresholds</dt><dd>", f);
		pt_html_escf(f, "warning %g %s, critical %g %s",
			     in->r->cfg->thr[rule].warning, fd->unit,
			     in->r->cfg->thr[rule].critical, fd->unit);
		fputs("</dd>\n", f);
	}
	pt_format_rfc3339(wf->first_ns, a, sizeof(a));
	pt_format_rfc3339(wf->last_ns, b, sizeof(b));
	fprintf(f, "<dt>Active</dt><dd><span class=\"active\" data-start=\"%s\" data-end=\"%s\">%s to %s</span>, %u of %zu intervals",
		a, b, a, b, wf->active, in->nr_snaps);
	if (rule_chart(rule))
		fprintf(f, " (<a href=\"#chart-%s\">timeline</a>)", rule_chart(rule));
	fputs("</dd>\n", f);
	if (fd->nr_culprits) {
		fputs("<dt>Culprits</dt><dd><ol class=\"culprits\">", f);
		for (i = 0; i < fd->nr_culprits; i++) {
			pt_culprit_name(&fd->culprits[i], name, sizeof(name));
			fputs("<li><span class=\"culprit\">", f);
			pt_html_esc(f, name);
			fputs("</span> ", f);
			pt_html_escf(f, "%s %s", pt_html_num(fd->culprits[i].value, num,
							     sizeof(num)),
				     rule >= 0 ? pt_rule_culprit_unit((enum pt_rule_id)rule) : "");
			fputs("</li>", f);
		}
		fputs("</ol></dd>\n", f);
	}
	fputs("<dt>Advice</dt><dd>", f);
	pt_html_esc(f, fd->advice);
	fputs("</dd>\n</dl>\n</article>\n", f);
}

static void verdict(FILE *f, const struct pt_html_input *in)
{
	const struct pt_report *r = in->r;
	size_t i;

	fputs("<section id=\"verdict\">\n<h2>Verdict</h2>\n<p class=\"status\">", f);
	badge(f, r->status);
	if (r->nr_findings)
		fprintf(f, " %zu finding%s, most severe first:", r->nr_findings,
			r->nr_findings == 1 ? "" : "s");
	else if (r->status == PT_EXIT_OK)
		fprintf(f, " no bottleneck found in %zu intervals.", in->nr_snaps);
	if (r->status_why[0]) {
		fputc(' ', f);
		pt_html_esc(f, r->status_why);
	}
	fputs("</p>\n", f);
	for (i = 0; i < r->nr_findings; i++)
		finding(f, in, &r->findings[i]);
	if (pt_loss_total(&r->sum->loss) > r->sum->loss.attach_failed)
		fputs("<p><strong>Events were lost during this recording: the figures are lower bounds.</strong> See <a href=\"#loss\">Data loss</a>.</p>\n", f);
	fputs("</section>\n", f);
}

static void nav(FILE *f, const struct pt_html_input *in)
{
	int s;

	fputs("<nav><ul><li><a href=\"#verdict\">Verdict</a></li>", f);
	for (s = 0; s < PT_NR_SECTIONS; s++)
		fprintf(f, "<li><a href=\"#%s\">%s</a></li>",
			pt_html_section_id((enum pt_html_section)s),
			pt_html_section_title((enum pt_html_section)s));
	if (in->r->nr_findings)
		fputs("<li><a href=\"#culprits\">Culprits</a></li>", f);
	if (in->base_header)
		fputs("<li><a href=\"#baseline\">Compared with the baseline</a></li>", f);
	fputs("</ul></nav>\n", f);
}

static void chart_figure(FILE *f, const struct pt_html_chart *hc)
{
	const struct pt_chart *c = &hc->c;
	size_t k, with_data = 0;

	for (k = 0; k < c->ns; k++)
		with_data += c->s[k].count > 0;
	fprintf(f, "<figure id=\"chart-%s\">\n<figcaption>", c->id);
	pt_html_esc(f, c->title);
	fputs("</figcaption>\n<p class=\"note\">", f);
	pt_html_esc(f, hc->note);
	fputs("</p>\n", f);
	if (!with_data) {
		fputs("<p>Not in this recording (its probe family or source was not available).</p>\n</figure>\n", f);
		return;
	}
	pt_svg_chart(f, c, PT_SVG_MAIN, 0);
	fputc('\n', f);
	pt_svg_legend(f, c);
	fputs("</figure>\n", f);
}

static void timelines(FILE *f, const struct pt_html_chart *charts, size_t n)
{
	int s;
	size_t k;

	for (s = 0; s < PT_NR_SECTIONS; s++) {
		fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n",
			pt_html_section_id((enum pt_html_section)s),
			pt_html_section_title((enum pt_html_section)s));
		for (k = 0; k < n; k++)
			if ((int)charts[k].section == s)
				chart_figure(f, &charts[k]);
		if (!n)
			fputs("<p>No interval was recorded.</p>\n", f);
		fputs("</section>\n", f);
	}
}

static void footer(FILE *f, const struct pt_html_input *in)
{
	char d[32];

	fputs("<footer>\n<h2>How to read this page</h2>\n<ul>\n"
	      "<li>Times are UTC. Each step of a timeline is one recorded interval", f);
	if (in->nr_snaps > PT_HTML_BUCKETS)
		fprintf(f, "; this recording has %zu, so each step shows the worst of about %zu consecutive intervals (stacked charts: their mean)",
			in->nr_snaps, (in->nr_snaps + PT_HTML_BUCKETS - 1) / PT_HTML_BUCKETS);
	fputs(". Hover over a timeline for the values of that moment.</li>\n"
	      "<li>The verdict, the hatched spans (where a finding's rule was at or above its warning threshold) and the culprits are computed over every interval, exactly as <code>perftop report</code> computes them; only the drawing is downsampled.</li>\n"
	      "<li>Severity is written out (WARNING, CRITICAL) and hatched: one direction for warning, crossed for critical. Each series has its own dash pattern; thresholds are labelled dashed lines.</li>\n"
	      "<li>A gap in a line is time without a value: the probe family was not running, or a device did no I/O, or the recording paused.</li>\n", f);
	fprintf(f, "<li>Rules, thresholds and culprits are explained in perftop's docs/detection.md; this page in docs/html-report.md. Generated for a %s recording.</li>\n</ul>\n</footer>\n",
		in->nr_snaps ? pt_html_duration(in->snaps[in->nr_snaps - 1].time_ns -
						in->snaps[0].time_ns +
						in->snaps[0].interval_ns, d, sizeof(d)) : "empty");
}

int pt_html_write(FILE *f, const struct pt_html_input *in)
{
	struct pt_html_chart *charts = NULL;
	struct pt_timebase tb = { 0 };
	size_t nc = 0;
	int err = 0;

	if (in->nr_snaps) {
		err = pt_timebase_init(&tb, in->snaps, in->nr_snaps, PT_HTML_BUCKETS);
		if (!err)
			err = pt_html_charts(in, &tb, &charts, &nc);
		if (err)
			goto out;
	}
	head(f, in);
	pt_svg_defs(f);
	header(f, in);
	verdict(f, in);
	nav(f, in);
	timelines(f, charts, nc);
	err = pt_html_culprits(f, in);
	if (!err)
		err = pt_html_baseline(f, in);
	footer(f, in);
	fputs("</body>\n</html>\n", f);
out:
	if (err)
		pt_err("out of memory drawing the HTML report: free some memory");
	pt_html_charts_free(charts, nc);
	pt_timebase_free(&tb);
	return err;
}
