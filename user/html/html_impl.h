/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the HTML report: timelines (html_series.c), SVG (html_svg.c),
 * text escaping and formats (html_text.c), the page (html_page.c),
 * culprits and --baseline (html_detail.c). */
#ifndef PT_HTML_IMPL_H
#define PT_HTML_IMPL_H

#include <stdbool.h>
#include <stdio.h>

#include "detect.h"
#include "html.h"
#include "html_chart.h"
#include "summary.h"

/* ---- timelines of the recording (html_series.c) ---- */

/* One subsystem's section of the page. */
enum pt_html_section {
	PT_SEC_CPU, PT_SEC_MEMORY, PT_SEC_DISK, PT_SEC_NETWORK, PT_SEC_LOSS,
	PT_NR_SECTIONS,
};
const char *pt_html_section_id(enum pt_html_section s);	/* "cpu" */
const char *pt_html_section_title(enum pt_html_section s);	/* "CPU" */

struct pt_html_chart {
	enum pt_html_section section;
	struct pt_chart c;
	const char *note;		/* what the chart shows, for readers */
	unsigned int family;		/* enum pt_family_id + 1; 0: none */
};

/* Every timeline, in page order; charts over tb.  0 or -ENOMEM. */
int pt_html_charts(const struct pt_html_input *in,
		   const struct pt_timebase *tb, struct pt_html_chart **out,
		   size_t *n);
void pt_html_charts_free(struct pt_html_chart *v, size_t n);

/* Rule r's thresholds on c and, when it fired, the spans where it was
 * active (its value at or above warning).  0 or -ENOMEM. */
int pt_html_rule_spans(const struct pt_html_input *in, struct pt_chart *c,
		       enum pt_rule_id r);
/* The finding of rule r, or NULL when it did not fire. */
const struct pt_window_finding *pt_html_finding(const struct pt_report *r,
						int rule);

/*
 * One culprit of a rule's finding, per interval, in the unit of its
 * value in the finding (pt_rule_culprit_unit): NAN where it cannot have a
 * value (its family not recorded; a device without I/O, a connection
 * without segments sent), 0 where it was simply idle.
 */
void pt_culprit_values(const struct pt_snapshot *s, size_t n,
		       enum pt_rule_id r, const struct pt_culprit *who,
		       double *out);
/* One --baseline regression's metric per interval, matched by name as
 * the comparison does (pt_summary_compare). */
void pt_regression_values(const struct pt_snapshot *s, size_t n,
			  const struct pt_regression *g, double *out);

/* ---- text (html_text.c) ---- */

/* s as HTML text or attribute value: markup characters escaped, control
 * characters and bytes that are not UTF-8 as U+FFFD. */
void pt_html_esc(FILE *f, const char *s);
void pt_html_escf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 3 significant digits at most, no exponent: 1234, 16.1, 0.52; "n/a"
 * for NAN. */
const char *pt_html_num(double v, char *buf, size_t len);
/* UTC wall clock "07:43:14", or "07:43:14.879" with ms. */
const char *pt_html_clock(uint64_t ns, bool ms, char *buf, size_t len);
/* "3.2 s", "12 min 5 s", "1 h 0 min" */
const char *pt_html_duration(uint64_t ns, char *buf, size_t len);

/* ---- sections (html_page.c, html_detail.c) ---- */

/* "FROM to TO (duration, N intervals of X s)" of a recording. */
void pt_html_range(FILE *f, const struct pt_snapshot *s, size_t n,
		   const struct pt_header *h);
/* Top culprits of each finding, each with its own small timeline. */
int pt_html_culprits(FILE *f, const struct pt_html_input *in);
/* --baseline: what got worse, its timeline in the good run beside this
 * run's on one scale. */
int pt_html_baseline(FILE *f, const struct pt_html_input *in);

/* ---- SVG (html_svg.c) ---- */

enum pt_svg_kind { PT_SVG_MAIN, PT_SVG_SMALL };

/* The shared <defs>: hatch patterns for spans and stacked areas. */
void pt_svg_defs(FILE *f);
/*
 * A chart as inline SVG.  MAIN: axes, grid, thresholds, span labels and a
 * hover <title> per bucket; SMALL: the line and spans only, one <title>.
 * ymax > 0 overrides the chart's own scale (small multiples share one).
 */
void pt_svg_chart(FILE *f, const struct pt_chart *c, enum pt_svg_kind kind,
		  double ymax);
/* The legend under a MAIN chart: series, spans, thresholds (HTML). */
void pt_svg_legend(FILE *f, const struct pt_chart *c);

#endif /* PT_HTML_IMPL_H */
