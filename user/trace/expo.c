// SPDX-License-Identifier: GPL-2.0
/* Prometheus text 0.0.4 and OpenMetrics 1.0.0 output (expo.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "util.h"

void pt_expo_init(struct pt_expo *e, FILE *f, enum pt_expo_fmt fmt)
{
	memset(e, 0, sizeof(*e));
	e->f = f;
	e->fmt = fmt;
}

bool pt_expo_name_ok(const char *name)
{
	const char *p;

	if (!name || !*name || (*name >= '0' && *name <= '9'))
		return false;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == ':'))
			return false;
	return true;
}

/* Escape for HELP (quote too in OpenMetrics) or a label value (quote
 * always), making the bytes UTF-8. */
static void escaped(struct pt_expo *e, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = pt_utf8_seq(p);

		if (*p == '\\')
			fputs("\\\\", e->f);
		else if (*p == '\n')
			fputs("\\n", e->f);
		else if (*p == '"' && quote)
			fputs("\\\"", e->f);
		else if (n)
			fwrite(p, 1, n, e->f);
		else
			fputs("\xef\xbf\xbd", e->f);
		p += n ? n : 1;
	}
}

/* Shortest decimal that reads back as v; +Inf/-Inf/NaN spelled as both
 * formats want. */
static void number(FILE *f, double v)
{
	char buf[40];

	if (isnan(v)) {
		fputs("NaN", f);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", f);
		return;
	}
	if (v == (double)(int64_t)v && fabs(v) < 1e15) {
		fprintf(f, "%lld", (long long)v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

static const char *const type_names[] = {
	[PT_METRIC_GAUGE] = "gauge", [PT_METRIC_COUNTER] = "counter",
	[PT_METRIC_HISTOGRAM] = "histogram", [PT_METRIC_INFO] = "info",
};

const char *pt_expo_type_name(enum pt_metric_type type)
{
	return type == PT_METRIC_INFO ? "gauge" : type_names[type];
}

void pt_expo_family(struct pt_expo *e, const char *name,
		    enum pt_metric_type type, const char *unit,
		    const char *help)
{
	bool om = e->fmt == PT_EXPO_OPENMETRICS;
	const char *suffix = "", *type_name = type_names[type];

	pt_strlcpy(e->family, name, sizeof(e->family));
	e->type = type;
	/* text 0.0.4 names the family by its sample name and has no info */
	if (!om && type == PT_METRIC_COUNTER)
		suffix = "_total";
	if (!om && type == PT_METRIC_INFO) {
		suffix = "_info";
		type_name = pt_expo_type_name(type);
	}
	fprintf(e->f, "# HELP %s%s ", name, suffix);
	escaped(e, help, om);
	fprintf(e->f, "\n# TYPE %s%s %s\n", name, suffix, type_name);
	if (om && unit)
		fprintf(e->f, "# UNIT %s %s\n", name, unit);
}

static void labels_out(struct pt_expo *e, const struct pt_label *l, size_t n,
		       const char *le)
{
	size_t i;

	if (!n && !le)
		return;
	fputc('{', e->f);
	for (i = 0; i < n; i++) {
		fprintf(e->f, "%s%s=\"", i ? "," : "", l[i].name);
		escaped(e, l[i].value, true);
		fputc('"', e->f);
	}
	if (le)
		fprintf(e->f, "%sle=\"%s\"", n ? "," : "", le);
	fputc('}', e->f);
}

void pt_expo_sample(struct pt_expo *e, const struct pt_label *labels,
		    size_t nr_labels, double value)
{
	const char *suffix = e->type == PT_METRIC_COUNTER ? "_total" :
			     e->type == PT_METRIC_INFO ? "_info" : "";

	fprintf(e->f, "%s%s", e->family, suffix);
	labels_out(e, labels, nr_labels, NULL);
	fputc(' ', e->f);
	number(e->f, value);
	fputc('\n', e->f);
	e->samples++;
}

void pt_expo_one(struct pt_expo *e, const char *name, enum pt_metric_type type,
		 const char *unit, const char *help, double value)
{
	pt_expo_family(e, name, type, unit, help);
	pt_expo_sample(e, NULL, 0, value);
}

void pt_expo_histogram(struct pt_expo *e, const struct pt_label *labels,
		       size_t nr_labels, const double *bounds,
		       const uint64_t *cum, size_t nr_bounds, uint64_t count,
		       double sum)
{
	char le[40];
	size_t i;

	for (i = 0; i <= nr_bounds; i++) {
		if (i < nr_bounds) {
			FILE *m = fmemopen(le, sizeof(le), "w");

			if (!m)
				return;
			number(m, bounds[i]);
			fclose(m);
		} else {
			strcpy(le, "+Inf");
		}
		fprintf(e->f, "%s_bucket", e->family);
		labels_out(e, labels, nr_labels, le);
		fprintf(e->f, " %llu\n", (unsigned long long)(i < nr_bounds ?
							      cum[i] : count));
	}
	fprintf(e->f, "%s_sum", e->family);
	labels_out(e, labels, nr_labels, NULL);
	fputc(' ', e->f);
	number(e->f, sum);
	fprintf(e->f, "\n%s_count", e->family);
	labels_out(e, labels, nr_labels, NULL);
	fprintf(e->f, " %llu\n", (unsigned long long)count);
	e->samples += nr_bounds + 3;
}

int pt_expo_finish(struct pt_expo *e)
{
	if (e->fmt == PT_EXPO_OPENMETRICS)
		fputs("# EOF\n", e->f);
	return fflush(e->f) || ferror(e->f) ? -EIO : 0;
}
