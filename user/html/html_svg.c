// SPDX-License-Identifier: GPL-2.0
/*
 * Charts as inline SVG.  Values are drawn as steps (each bucket holds its
 * value for the time it covers), so a shaded span lines up with the steps
 * that made it.  Nothing relies on colour alone: every series has its own
 * dash pattern, spans are hatched (warning: one direction, critical:
 * crossed) and labelled, thresholds are labelled lines.  Styles live in
 * the page's CSS (html_page.c) under the class names used here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html_impl.h"
#include "util.h"

struct geom {
	double w, h, left, right, top, bottom;
};

static const struct geom geoms[] = {
	[PT_SVG_MAIN] = { 960, 200, 58, 14, 20, 22 },
	[PT_SVG_SMALL] = { 300, 40, 1, 1, 3, 3 },
};

struct plot {
	const struct pt_chart *c;
	const struct geom *g;
	enum pt_svg_kind kind;
	double pw, ph, ymax;
};

static double px(const struct plot *p, uint64_t t)
{
	const struct pt_timebase *tb = p->c->tb;

	return p->g->left + (double)(t - tb->t0) * p->pw / (double)(tb->t1 - tb->t0);
}

static double py(const struct plot *p, double v)
{
	if (v > p->ymax)
		v = p->ymax;
	if (v < 0)
		v = 0;
	return p->g->top + p->ph - v / p->ymax * p->ph;
}

void pt_svg_defs(FILE *f)
{
	fputs("<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>"
	      /* warning: amber, one direction */
	      "<pattern id=\"hatch-warning\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	      "<rect width=\"6\" height=\"6\" fill=\"#fff4d8\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b07800\" stroke-width=\"2\"/></pattern>"
	      /* critical: vermillion, crossed */
	      "<pattern id=\"hatch-critical\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	      "<rect width=\"6\" height=\"6\" fill=\"#fde3d8\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c04000\" stroke-width=\"1.6\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"6\" y2=\"0\" stroke=\"#c04000\" stroke-width=\"1.6\"/></pattern>"
	      /* stacked areas: each layer its own texture too */
	      "<pattern id=\"fill-1\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(-45)\">"
	      "<rect width=\"5\" height=\"5\" fill=\"#e4e4e4\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#222\" stroke-width=\"1.2\"/></pattern>"
	      "<pattern id=\"fill-2\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\">"
	      "<rect width=\"5\" height=\"5\" fill=\"#d5efe6\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"1.2\" fill=\"#00674a\"/></pattern>"
	      "<pattern id=\"fill-3\" width=\"6\" height=\"4\" patternUnits=\"userSpaceOnUse\">"
	      "<rect width=\"6\" height=\"4\" fill=\"#f4e0ec\"/><line x1=\"0\" y1=\"1\" x2=\"6\" y2=\"1\" stroke=\"#8e3c6d\" stroke-width=\"1.2\"/></pattern>"
	      "<pattern id=\"fill-4\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
	      "<rect width=\"6\" height=\"6\" fill=\"#dcefff\"/><path d=\"M0 3H6M3 0V6\" stroke=\"#2a6f97\" stroke-width=\"1\"/></pattern>"
	      "</defs></svg>\n", f);
}

/* ---- pieces ---- */

static void grid(FILE *f, const struct plot *p)
{
	const struct geom *g = p->g;
	char num[32];
	double v;
	int i;

	fputs("<g class=\"grid\">", f);
	for (i = 0, v = 0; v <= p->ymax * (1 + 1e-9) && i < 20; i++, v = i * p->c->ystep) {
		double y = py(p, v);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			g->left, y, g->left + p->pw, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"yl\">%s</text>",
			g->left - 4, y + 4, pt_html_num(v, num, sizeof(num)));
	}
	fprintf(f, "<text x=\"2\" y=\"%.1f\" class=\"unit\">", g->top - 8);
	pt_html_esc(f, p->c->unit);
	fputs("</text></g>", f);
}

static void time_axis(FILE *f, const struct plot *p)
{
	const struct pt_timebase *tb = p->c->tb;
	uint64_t step = pt_time_step_ns(tb->t1 - tb->t0, 8), t;
	double base = p->g->top + p->ph;
	char clock[32];

	fputs("<g class=\"time\">", f);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		p->g->left, base, p->g->left + p->pw, base);
	for (t = (tb->t0 + step - 1) / step * step; t <= tb->t1; t += step) {
		double x = px(p, t);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			x, base, x, base + 4);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", x, base + 15,
			pt_html_clock(t, step < 1000000000ull, clock, sizeof(clock)));
	}
	fputs("</g>", f);
}

static void thresholds(FILE *f, const struct plot *p)
{
	static const char *const names[2] = { "warning", "critical" };
	const struct pt_chart *c = p->c;
	double thr[2] = { c->warn, c->crit };
	char num[32];
	int k;

	if (isnan(c->warn))
		return;
	fputs("<g class=\"thr\">", f);
	for (k = 0; k < 2; k++) {
		double y;

		if (isnan(thr[k]) || thr[k] > p->ymax * (1 + 1e-9))
			continue;
		y = py(p, thr[k]);
		fprintf(f, "<line class=\"thr-%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			names[k], p->g->left, y, p->g->left + p->pw, y);
		if (p->kind == PT_SVG_MAIN) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s %s ", p->g->left + p->pw - 2,
				y - 3, names[k], pt_html_num(thr[k], num, sizeof(num)));
			pt_html_esc(f, c->unit);
			fputs("</text>", f);
		}
	}
	fputs("</g>", f);
}

static void span_rect(FILE *f, const struct plot *p, const struct pt_span *a,
		      const struct pt_span *b, size_t intervals)
{
	const struct pt_chart *c = p->c;
	const char *sev = pt_severity_name(c->sev);
	double x0 = px(p, a->start), x1 = px(p, b->end);
	char t0[40], t1[40], c0[32], c1[32];

	if (x1 - x0 < 2)	/* still visible when one interval of hours */
		x1 = x0 + 2;
	pt_format_rfc3339(a->start, t0, sizeof(t0));
	pt_format_rfc3339(b->end, t1, sizeof(t1));
	fprintf(f, "<rect class=\"span %s\" data-rule=\"%s\" data-start=\"%s\" data-end=\"%s\" data-intervals=\"%zu\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">",
		sev, pt_rule_name((enum pt_rule_id)c->rule), t0, t1, intervals,
		x0, p->g->top, x1 - x0, p->ph);
	fprintf(f, "<title>%s %s active %s to %s UTC, %zu interval%s</title></rect>",
		sev, pt_rule_name((enum pt_rule_id)c->rule),
		pt_html_clock(a->start, true, c0, sizeof(c0)),
		pt_html_clock(b->end, true, c1, sizeof(c1)), intervals,
		intervals == 1 ? "" : "s");
}

/*
 * Spans closer than a pixel are drawn as one (display only: each span is
 * still exact in its data-start/data-end and in the verdict).
 */
static void spans(FILE *f, const struct plot *p)
{
	const struct pt_chart *c = p->c;
	const struct pt_span *a = NULL, *b = NULL;
	double widest = -1, wx = 0;
	size_t i, intervals = 0;

	if (c->rule < 0 || !c->nr_spans)
		return;
	fputs("<g class=\"spans\">", f);
	for (i = 0; i <= c->nr_spans; i++) {
		const struct pt_span *s = i < c->nr_spans ? &c->spans[i] : NULL;

		if (a && s && px(p, s->start) - px(p, b->end) < 1) {
			b = s;
			intervals += s->last - s->first + 1;
			continue;
		}
		if (a) {
			span_rect(f, p, a, b, intervals);
			if (px(p, b->end) - px(p, a->start) > widest) {
				widest = px(p, b->end) - px(p, a->start);
				wx = px(p, a->start);
			}
		}
		a = b = s;
		intervals = s ? s->last - s->first + 1 : 0;
	}
	if (p->kind == PT_SVG_MAIN) {
		/* the label goes over the widest span, kept inside the chart */
		bool right = wx + 190 > p->g->left + p->pw;

		fprintf(f, "<text class=\"spanlabel\" x=\"%.1f\" y=\"%.1f\"%s>%s %s</text>",
			right ? p->g->left + p->pw : wx, p->g->top - 6,
			right ? " text-anchor=\"end\"" : "",
			c->sev == PT_SEV_CRITICAL ? "CRITICAL" : "WARNING",
			pt_rule_name((enum pt_rule_id)c->rule));
	}
	fputs("</g>", f);
}

static void line(FILE *f, const struct plot *p, size_t k)
{
	const struct pt_chart *c = p->c;
	const struct pt_timebase *tb = c->tb;
	const struct pt_series *s = &c->s[k];
	bool down = false, any = false;
	size_t b;

	for (b = 0; b < tb->nb; b++) {
		double v = s->bmax[b];

		if (isnan(v) || pt_bucket_gap_before(tb, b))
			down = false;
		if (isnan(v))
			continue;
		if (!any)
			fprintf(f, "<path class=\"s%zu\" d=\"", k);
		any = true;
		if (down)
			fprintf(f, "V%.1fH%.1f", py(p, v), px(p, pt_bucket_end(tb, b)));
		else
			fprintf(f, "M%.1f %.1fH%.1f", px(p, pt_bucket_start(tb, b)),
				py(p, v), px(p, pt_bucket_end(tb, b)));
		down = true;
	}
	if (any)
		fputs("\"/>", f);
}

/* The stack's height below layer k (k = 0: the axis) in bucket b. */
static double stack_at(const struct pt_chart *c, size_t k, size_t b)
{
	double sum = 0;
	size_t j;

	for (j = 0; j < k; j++)
		if (!isnan(c->s[j].bmean[b]))
			sum += c->s[j].bmean[b];
	return sum;
}

static bool bucket_has_data(const struct pt_chart *c, size_t b)
{
	size_t k;

	for (k = 0; k < c->ns; k++)
		if (!isnan(c->s[k].bmean[b]))
			return true;
	return false;
}

/* Layer k as one closed path per run of recorded buckets: along its top
 * edge forwards, back along the one below. */
static void area(FILE *f, const struct plot *p, size_t k)
{
	const struct pt_chart *c = p->c;
	const struct pt_timebase *tb = c->tb;
	size_t b = 0, e, j;
	bool any = false;

	while (b < tb->nb) {
		if (!bucket_has_data(c, b)) {
			b++;
			continue;
		}
		for (e = b + 1; e < tb->nb && bucket_has_data(c, e) &&
				!pt_bucket_gap_before(tb, e); e++)
			;
		if (!any)
			fprintf(f, "<path class=\"a%zu\" d=\"", k);
		any = true;
		for (j = b; j < e; j++) {
			double top = py(p, stack_at(c, k + 1, j));

			if (j == b)
				fprintf(f, "M%.1f %.1f", px(p, pt_bucket_start(tb, j)), top);
			else
				fprintf(f, "V%.1f", top);
			fprintf(f, "H%.1f", px(p, pt_bucket_end(tb, j)));
		}
		for (j = e; j-- > b;)
			fprintf(f, "V%.1fH%.1f", py(p, stack_at(c, k, j)),
				px(p, pt_bucket_start(tb, j)));
		fputc('Z', f);
		b = e;
	}
	if (any)
		fputs("\"/>", f);
}

/* Is any interval of bucket b inside a span?  (spans sorted, *cur kept
 * across calls in bucket order) */
static bool bucket_active(const struct pt_chart *c, size_t b, size_t *cur)
{
	const struct pt_timebase *tb = c->tb;
	size_t first = tb->first[b], last = tb->first[b + 1] - 1;

	while (*cur < c->nr_spans && c->spans[*cur].last < first)
		(*cur)++;
	return *cur < c->nr_spans && c->spans[*cur].first <= last;
}

/* One hover band per bucket with a <title>: its time and values. */
static void hover(FILE *f, const struct plot *p)
{
	const struct pt_chart *c = p->c;
	const struct pt_timebase *tb = c->tb;
	size_t b, k, cur = 0;
	char c0[32], c1[32], num[32];

	fputs("<g class=\"hover\">", f);
	for (b = 0; b < tb->nb; b++) {
		size_t n = tb->first[b + 1] - tb->first[b];
		double x0 = px(p, pt_bucket_start(tb, b));
		double x1 = px(p, pt_bucket_end(tb, b));

		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s-%s",
			x0, p->g->top, x1 - x0 > 0.1 ? x1 - x0 : 0.1, p->ph,
			pt_html_clock(pt_bucket_start(tb, b), true, c0, sizeof(c0)),
			pt_html_clock(pt_bucket_end(tb, b), true, c1, sizeof(c1)));
		if (n > 1)
			fprintf(f, " (%zu intervals, %s)", n,
				c->stacked ? "mean" : "worst");
		fputc(':', f);
		for (k = 0; k < c->ns; k++) {
			double v = c->stacked ? c->s[k].bmean[b] : c->s[k].bmax[b];

			fputs(k ? ", " : " ", f);
			pt_html_esc(f, c->s[k].tag[0] ? c->s[k].tag : c->s[k].label);
			fprintf(f, " %s", pt_html_num(v, num, sizeof(num)));
		}
		fputc(' ', f);
		pt_html_esc(f, c->unit);
		if (c->rule >= 0 && bucket_active(c, b, &cur))
			fprintf(f, "; %s active", pt_rule_name((enum pt_rule_id)c->rule));
		fputs("</title></rect>", f);
	}
	fputs("</g>", f);
}

/* What a screen reader (and the print-out's alt text) says of the chart. */
static void describe(FILE *f, const struct pt_chart *c)
{
	char num[32], clock[32];
	size_t k;

	for (k = 0; k < c->ns; k++) {
		const struct pt_series *s = &c->s[k];

		if (!s->count) {
			pt_html_escf(f, "%s: no data. ", s->label);
			continue;
		}
		pt_html_escf(f, "%s: highest %s %s at %s UTC", s->label,
			     pt_html_num(s->max, num, sizeof(num)), c->unit,
			     pt_html_clock(c->tb->end[s->max_at], false, clock,
					   sizeof(clock)));
		pt_html_escf(f, ", mean %s. ", pt_html_num(s->mean, num, sizeof(num)));
	}
	if (c->rule >= 0 && c->nr_spans)
		pt_html_escf(f, "%s active in %zu span%s. ",
			     pt_rule_name((enum pt_rule_id)c->rule), c->nr_spans,
			     c->nr_spans == 1 ? "" : "s");
}

void pt_svg_chart(FILE *f, const struct pt_chart *c, enum pt_svg_kind kind,
		  double ymax)
{
	const struct geom *g = &geoms[kind];
	struct plot p = {
		.c = c, .g = g, .kind = kind,
		.pw = g->w - g->left - g->right,
		.ph = g->h - g->top - g->bottom,
		.ymax = ymax > 0 ? ymax : c->ymax > 0 ? c->ymax : 1,
	};
	size_t k;

	fprintf(f, "<svg class=\"chart %s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>",
		kind == PT_SVG_MAIN ? "main" : "small", g->w, g->h);
	pt_html_esc(f, c->title);
	fputs("</title><desc>", f);
	describe(f, c);
	fputs("</desc>", f);
	fprintf(f, "<rect class=\"plot\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
		g->left, g->top, p.pw, p.ph);
	spans(f, &p);
	if (kind == PT_SVG_MAIN) {
		grid(f, &p);
		time_axis(f, &p);
	}
	thresholds(f, &p);
	fputs("<g class=\"data\">", f);
	for (k = 0; k < c->ns; k++) {
		if (c->stacked)
			area(f, &p, k);
		else
			line(f, &p, k);
	}
	fputs("</g>", f);
	if (kind == PT_SVG_MAIN)
		hover(f, &p);
	fputs("</svg>", f);
}

/* A legend swatch: the series' line or area, a span, a threshold. */
static void swatch(FILE *f, const char *cls, bool area)
{
	if (area)
		fprintf(f, "<svg class=\"sw\" viewBox=\"0 0 30 12\" aria-hidden=\"true\"><rect class=\"%s\" x=\"0\" y=\"1\" width=\"30\" height=\"10\"/></svg>", cls);
	else
		fprintf(f, "<svg class=\"sw\" viewBox=\"0 0 30 12\" aria-hidden=\"true\"><line class=\"%s\" x1=\"0\" y1=\"6\" x2=\"30\" y2=\"6\"/></svg>", cls);
}

void pt_svg_legend(FILE *f, const struct pt_chart *c)
{
	char num[32], clock[32], cls[32];
	size_t k, active = 0;

	fputs("<ul class=\"legend\">", f);
	for (k = 0; k < c->ns; k++) {
		const struct pt_series *s = &c->s[k];

		snprintf(cls, sizeof(cls), "%c%zu", c->stacked ? 'a' : 's', k);
		fputs("<li>", f);
		swatch(f, cls, c->stacked);
		pt_html_esc(f, s->label);
		if (s->count) {
			pt_html_escf(f, ": highest %s", pt_html_num(s->max, num, sizeof(num)));
			pt_html_escf(f, " %s at %s, mean %s", c->unit,
				     pt_html_clock(c->tb->end[s->max_at], false,
						   clock, sizeof(clock)),
				     pt_html_num(s->mean, num, sizeof(num)));
		} else {
			fputs(": no data", f);
		}
		fputs("</li>", f);
	}
	if (c->hidden)
		fprintf(f, "<li>%zu more not drawn (the table in the text report lists them)</li>",
			c->hidden);
	for (k = 0; k < c->nr_spans; k++)
		active += c->spans[k].last - c->spans[k].first + 1;
	if (c->rule >= 0 && c->nr_spans) {
		fputs("<li>", f);
		swatch(f, c->sev == PT_SEV_CRITICAL ? "span critical" : "span warning", true);
		fprintf(f, "hatched: %s %s active (at or above warning), %zu of %zu intervals</li>",
			c->sev == PT_SEV_CRITICAL ? "CRITICAL" : "WARNING",
			pt_rule_name((enum pt_rule_id)c->rule), active, c->tb->n);
	}
	if (!isnan(c->warn)) {
		fputs("<li>", f);
		swatch(f, "thr-warning", false);
		pt_html_escf(f, "warning %s %s ", pt_html_num(c->warn, num, sizeof(num)), c->unit);
		swatch(f, "thr-critical", false);
		pt_html_escf(f, "critical %s %s", pt_html_num(c->crit, num, sizeof(num)), c->unit);
		if (c->crit > c->ymax)
			fputs(" (above this scale)", f);
		fputs("</li>", f);
	}
	fputs("</ul>\n", f);
}
