/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the view model (view.c, view_table.c, view_format.c); not
 * for other callers, who use view.h.
 */
#ifndef PT_VIEW_IMPL_H
#define PT_VIEW_IMPL_H

#include "view.h"

/* ---- view_format.c: line buffers */

/* A width in [1, PT_LINE_MAX - 1]: what a line can hold. */
int view_clamp_width(int width);
/* Printable ASCII only, so one byte is one terminal column. */
void view_sanitize(char *s);
/* Append a line; NULL when out of memory (the line is just missing). */
struct pt_line *view_add_line(struct pt_lines *out, enum pt_attr attr);
/* Append a formatted line, sanitized and clipped to width. */
struct pt_line *view_add_linef(struct pt_lines *out, int width,
			       enum pt_attr attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Highlight the first occurrence of needle in l (clipped to the text). */
void view_highlight(struct pt_line *l, const char *needle, enum pt_attr a);
/* Word-wrap text into lines of width, each starting with indent. */
void view_add_wrapped(struct pt_lines *out, int width, enum pt_attr attr,
		      const char *indent, const char *text);

/* ---- view_table.c: the per-task views */

/* The current per-task view's table(s), filtered, grouped and sorted as
 * st says.  Returns -ENOMEM when rows could not be allocated. */
int view_add_tables(struct pt_lines *out, const struct pt_snapshot *s,
		    const struct pt_view_state *st, int width);

#endif /* PT_VIEW_IMPL_H */
