// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report's detail sections: each finding's top culprits with
 * their own small timelines, and --baseline's regressions with the good
 * run's timeline beside this run's, on one scale.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html_impl.h"
#include "util.h"

#define BASELINE_ROWS 10	/* per kind, as the text report; --json: all */

/* One small chart: one series of values (filled by the caller). */
static struct pt_series *small_chart(struct pt_chart *c,
				     const struct pt_timebase *tb,
				     const char *title, const char *unit,
				     int *err)
{
	pt_chart_init(c, tb, "small", title, unit);
	return pt_chart_series(c, title, err);
}

static double scale_of(const struct pt_chart *c, size_t n)
{
	double top = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c[i].ns && !isnan(c[i].s[0].max) && c[i].s[0].max > top)
			top = c[i].s[0].max;
		if (!isnan(c[i].warn) && c[i].warn > top)
			top = c[i].warn;
	}
	return pt_nice_ceil(top);
}

/* "16.1 ms at 07:43:20" for the highest interval of a small chart. */
static void highest(FILE *f, const struct pt_chart *c)
{
	char num[32], clock[32];

	if (!c->ns || !c->s[0].count) {
		fputs("no data", f);
		return;
	}
	pt_html_escf(f, "%s %s at %s", pt_html_num(c->s[0].max, num, sizeof(num)),
		     c->unit, pt_html_clock(c->tb->end[c->s[0].max_at], false,
					    clock, sizeof(clock)));
}

static int finding_culprits(FILE *f, const struct pt_html_input *in,
			    const struct pt_timebase *tb,
			    const struct pt_window_finding *wf)
{
	const struct pt_finding *fd = &wf->f;
	int rule = pt_rule_lookup(fd->rule), i, n = 0, err = 0;
	struct pt_chart c[PT_MAX_CULPRITS];
	const char *unit;
	char name[160], num[32];
	double ymax;

	if (rule < 0 || !fd->nr_culprits)
		return 0;
	unit = pt_rule_culprit_unit((enum pt_rule_id)rule);
	for (i = 0; i < fd->nr_culprits && !err; i++, n++) {
		struct pt_series *s;

		pt_culprit_name(&fd->culprits[i], name, sizeof(name));
		s = small_chart(&c[i], tb, name, unit, &err);
		if (!s)
			break;
		pt_culprit_values(in->snaps, in->nr_snaps, (enum pt_rule_id)rule,
				  &fd->culprits[i], s->v);
		err = pt_html_rule_spans(in, &c[i], (enum pt_rule_id)rule);
		/* the rule's thresholds mean something for a culprit only
		 * where the two share a unit: a device's p99, a connection's
		 * retransmit ratio */
		if (rule != PT_RULE_DISK_LATENCY && rule != PT_RULE_RETRANSMITS)
			c[i].warn = c[i].crit = NAN;
		if (!err)
			err = pt_chart_finish(&c[i]);
	}
	if (!err) {
		ymax = scale_of(c, (size_t)n);
		fprintf(f, "<h3 id=\"culprits-%s\">", fd->rule);
		pt_html_esc(f, fd->rule);
		fputs(" <span class=\"badge ", f);
		fprintf(f, "%s\">%s</span></h3>\n", pt_severity_name(fd->severity),
			fd->severity == PT_SEV_CRITICAL ? "CRITICAL" : "WARNING");
		fputs("<table><thead><tr><th>culprit</th><th>over the active intervals</th><th>", f);
		pt_html_escf(f, "timeline, 0 to %s %s", pt_html_num(ymax, num, sizeof(num)), unit);
		fputs("</th><th>highest interval</th></tr></thead><tbody>\n", f);
		for (i = 0; i < n; i++) {
			fputs("<tr><td class=\"culprit\">", f);
			pt_html_esc(f, c[i].title);
			fputs("</td><td class=\"n\">", f);
			pt_html_escf(f, "%s %s", pt_html_num(fd->culprits[i].value, num,
							     sizeof(num)), unit);
			fputs("</td><td>", f);
			pt_svg_chart(f, &c[i], PT_SVG_SMALL, ymax);
			fputs("</td><td class=\"n\">", f);
			highest(f, &c[i]);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	for (i = 0; i < n; i++)
		pt_chart_free(&c[i]);
	return err;
}

int pt_html_culprits(FILE *f, const struct pt_html_input *in)
{
	const struct pt_report *r = in->r;
	struct pt_timebase tb;
	size_t i;
	int err;

	if (!r->nr_findings || !in->nr_snaps)
		return 0;
	err = pt_timebase_init(&tb, in->snaps, in->nr_snaps, PT_HTML_SMALL_BUCKETS);
	if (err)
		return err;
	fputs("<section id=\"culprits\" class=\"culprits\">\n<h2>Culprits</h2>\n"
	      "<p class=\"note\">Each finding's top culprits as detection ranked them over its active intervals, "
	      "each with its own timeline over the whole recording: one scale per finding, hatched where the finding was active.</p>\n", f);
	for (i = 0; i < r->nr_findings && !err; i++)
		err = finding_culprits(f, in, &tb, &r->findings[i]);
	fputs("</section>\n", f);
	pt_timebase_free(&tb);
	return err;
}

static int regression_row(FILE *f, const struct pt_html_input *in,
			  const struct pt_timebase *tb_base,
			  const struct pt_timebase *tb_now,
			  const struct pt_regression *g)
{
	struct pt_chart c[2];
	struct pt_series *s;
	char num[32];
	int err = 0, n = 0, i;
	double ymax;

	s = small_chart(&c[0], tb_base, g->name, g->unit, &err);
	if (s) {
		n++;
		pt_regression_values(in->base_snaps, in->nr_base, g, s->v);
		s = small_chart(&c[1], tb_now, g->name, g->unit, &err);
	}
	if (s) {
		n++;
		pt_regression_values(in->snaps, in->nr_snaps, g, s->v);
	}
	for (i = 0; i < n && !err; i++)
		err = pt_chart_finish(&c[i]);
	if (!err) {
		ymax = scale_of(c, 2);
		fprintf(f, "<tr><td>%s</td><td class=\"culprit\">", pt_records[g->rec]->sum_kind);
		pt_html_esc(f, g->name);
		fprintf(f, "</td><td>%s</td>", g->metric);
		fputs("<td class=\"n\">", f);
		pt_html_escf(f, "%s %s", pt_html_num(g->baseline, num, sizeof(num)), g->unit);
		fputs("</td><td class=\"n\">", f);
		pt_html_escf(f, "%s %s", pt_html_num(g->current, num, sizeof(num)), g->unit);
		fputs("</td><td class=\"n\">", f);
		if (g->baseline > 0)
			fprintf(f, "x%s", pt_html_num(g->current / g->baseline, num, sizeof(num)));
		else
			fputs("new", f);
		fputs("</td>", f);
		for (i = 0; i < 2; i++) {
			fputs("<td>", f);
			pt_svg_chart(f, &c[i], PT_SVG_SMALL, ymax);
			fputs("<br/>", f);
			pt_html_escf(f, "0 to %s %s, highest ",
				     pt_html_num(ymax, num, sizeof(num)), g->unit);
			highest(f, &c[i]);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	for (i = 0; i < n; i++)
		pt_chart_free(&c[i]);
	return err;
}

int pt_html_baseline(FILE *f, const struct pt_html_input *in)
{
	const struct pt_report *r = in->r;
	struct pt_timebase tb_base = { 0 }, tb_now = { 0 };
	size_t i, shown[PT_RECORDS_MAX] = { 0 }, hidden = 0;
	int err = 0;

	if (!in->base_header)
		return 0;
	fputs("<section id=\"baseline\">\n<h2>Compared with the baseline</h2>\n<p>Good run: ", f);
	pt_html_esc(f, r->baseline ? r->baseline : "");
	fputs(", host ", f);
	pt_html_esc(f, in->base_header->hostname);
	fputs(", ", f);
	pt_html_range(f, in->base_snaps, in->nr_base, in->base_header);
	fputs(". Something got worse when it is at least 1.5 times its baseline and above a floor that keeps noise out; "
	      "tasks and processes are matched by command name, devices by name, connections by owner and remote address (docs/detection.md). "
	      "Each pair of timelines shares one scale.</p>\n", f);
	if (!r->nr_reg || !in->nr_base || !in->nr_snaps) {
		fputs("<p>Nothing got worse.</p>\n</section>\n", f);
		return 0;
	}
	err = pt_timebase_init(&tb_base, in->base_snaps, in->nr_base, PT_HTML_SMALL_BUCKETS);
	if (!err)
		err = pt_timebase_init(&tb_now, in->snaps, in->nr_snaps, PT_HTML_SMALL_BUCKETS);
	if (!err) {
		fprintf(f, "<p>%zu thing%s got worse, largest increase first within each kind:</p>\n",
			r->nr_reg, r->nr_reg == 1 ? "" : "s");
		fputs("<table class=\"baseline\"><thead><tr><th>kind</th><th>name</th><th>metric</th><th>good run</th><th>this run</th>"
		      "<th>change</th><th>good run timeline</th><th>this run timeline</th></tr></thead><tbody>\n", f);
		for (i = 0; i < r->nr_reg && !err; i++) {
			if (shown[r->reg[i].rec]++ >= BASELINE_ROWS) {
				hidden++;
				continue;
			}
			err = regression_row(f, in, &tb_base, &tb_now, &r->reg[i]);
		}
		fputs("</tbody></table>\n", f);
		if (hidden)
			fprintf(f, "<p>... and %zu more: <code>perftop report --json --baseline</code> lists all.</p>\n",
				hidden);
	}
	fputs("</section>\n", f);
	pt_timebase_free(&tb_base);
	pt_timebase_free(&tb_now);
	return err;
}
