// SPDX-License-Identifier: GPL-2.0
/*
 * Building blocks of the view: line buffers (append, clip to a width,
 * printable ASCII only, highlight, word wrap) and the compact number,
 * duration and byte formats every column uses.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "view.h"
#include "view_impl.h"

/* ---------------------------------------------------------------- lines */

void pt_lines_reset(struct pt_lines *l)
{
	l->n = 0;
}

void pt_lines_free(struct pt_lines *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Printable ASCII only, so one byte is one terminal column. */
void view_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

int view_clamp_width(int width)
{
	if (width < 1)
		return 1;
	return width < PT_LINE_MAX - 1 ? width : PT_LINE_MAX - 1;
}

/* Append a line; NULL when out of memory (the line is just missing). */
struct pt_line *view_add_line(struct pt_lines *out, enum pt_attr attr)
{
	struct pt_line *l = pt_array_grow((void **)&out->v, &out->n, &out->cap,
					  sizeof(*out->v));

	if (l)
		l->attr = attr;
	return l;
}

struct pt_line *view_add_linef(struct pt_lines *out, int width,
			       enum pt_attr attr, const char *fmt, ...)
{
	struct pt_line *l = view_add_line(out, attr);
	va_list ap;

	if (!l)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	view_sanitize(l->text);
	l->text[view_clamp_width(width)] = '\0';
	return l;
}

/* Highlight the first occurrence of needle in l (clipped to the text). */
void view_highlight(struct pt_line *l, const char *needle, enum pt_attr a)
{
	const char *p = l ? strstr(l->text, needle) : NULL;
	int len = (int)strlen(l ? l->text : "");

	if (!p || !*needle)
		return;
	l->hl_start = (int)(p - l->text);
	l->hl_len = (int)strlen(needle);
	if (l->hl_start + l->hl_len > len)
		l->hl_len = len - l->hl_start;
	l->hl_attr = a;
}

/* Word-wrap text into lines of width, each starting with indent. */
void view_add_wrapped(struct pt_lines *out, int width, enum pt_attr attr,
		      const char *indent, const char *text)
{
	int room = view_clamp_width(width) - (int)strlen(indent);
	const char *p = text;

	if (room < 10)
		room = 10;
	while (*p) {
		int len = (int)strlen(p), cut = len;

		if (len > room) {
			for (cut = room; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = room;
		}
		view_add_linef(out, width, attr, "%s%.*s", indent, cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

/* --------------------------------------------------------------- format */

/* Value in [0, 1000) with one decimal below 100, then a unit suffix. */
static void fmt_scaled(double v, const char *unit, char *buf, size_t len)
{
	if (v < 99.95)
		snprintf(buf, len, "%.1f%s", v, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
}

void pt_fmt_ns(double ns, char *buf, size_t len)
{
	if (ns < 0.5)
		snprintf(buf, len, "0");
	else if (ns < 999.5)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 999950)
		fmt_scaled(ns / 1e3, "us", buf, len);
	else if (ns < 999950000)
		fmt_scaled(ns / 1e6, "ms", buf, len);
	else if (ns < 9.995e9)
		snprintf(buf, len, "%.2fs", ns / 1e9);
	else
		fmt_scaled(ns / 1e9, "s", buf, len);
}

static void fmt_units(double v, double base, const char *const *units,
		      char *buf, size_t len)
{
	int u = 0;

	while (v >= 999.5 && units[u + 1]) {
		v /= base;
		u++;
	}
	fmt_scaled(v, units[u], buf, len);
}

void pt_fmt_count(double v, char *buf, size_t len)
{
	static const char *const units[] = { "", "k", "M", "G", "T", NULL };

	if (v < 0.05)
		snprintf(buf, len, "0");
	else if (v < 9.95 && v != floor(v))
		snprintf(buf, len, "%.1f", v);
	else if (v < 99999.5)
		snprintf(buf, len, "%.0f", v);
	else
		fmt_units(v / 1e3, 1e3, units + 1, buf, len);
}

void pt_fmt_bytes(double v, char *buf, size_t len)
{
	static const char *const units[] = { "K", "M", "G", "T", "P", NULL };

	if (v < 0.5)
		snprintf(buf, len, "0");
	else if (v < 1023.5)
		snprintf(buf, len, "%.0f", v);
	else
		fmt_units(v / 1024, 1024, units, buf, len);
}
