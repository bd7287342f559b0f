// SPDX-License-Identifier: GPL-2.0
/*
 * The table engine of the per-task views: rows filled from the snapshot
 * through the record type's field table, then filter, merge (processes,
 * cgroups), sort, and columns laid out for the width.  One generic path
 * serves every view, on the screen and in batch mode; what each view
 * shows is in view_columns.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "util.h"
#include "view.h"
#include "view_columns.h"
#include "view_impl.h"

/*
 * One row: who, its text cells, and every field of its record type as a
 * double (rt->nr_fields of them), so merged rows add up field by field
 * and derived fields (ratios) are recomputed from the sums.  Rows are
 * allocated with that many values: struct rows.stride apart.
 */
struct vrow {
	uint32_t pid, tgid;
	const char *comm, *cgroup;	/* point into the snapshot */
	char text[2][VIEW_TEXT_MAX];
	uint32_t merged;		/* source records in this row */
	double sk[3];			/* sort keys, as shown (sort_keys()) */
	double v[];
};

struct vrows {
	char *v;
	size_t n, cap, stride;
};

static struct vrow *row_at(const struct vrows *rows, size_t i)
{
	return (struct vrow *)(rows->v + i * rows->stride);
}

static const struct pt_task_id *task_of(const struct pt_record_type *rt,
					const void *rec)
{
	/* every per-task record type starts with its struct pt_task_id */
	return rt->nr_fields && !strcmp(rt->fields[0].name, "pid") ? rec : NULL;
}

static int fill_rows(const struct vtable *t, const struct pt_snapshot *s,
		     struct vrows *rows)
{
	const struct pt_record_type *rt = t->rt;
	size_t i, n = pt_record_count(rt, s);

	rows->stride = sizeof(struct vrow) + rt->nr_fields * sizeof(double);
	for (i = 0; i < n; i++) {
		const void *rec = pt_record_at(rt, s, i);
		const struct pt_task_id *id = task_of(rt, rec);
		struct vrow *r = pt_array_grow((void **)&rows->v, &rows->n,
					       &rows->cap, rows->stride);

		if (!r)
			return -ENOMEM;
		if (id) {
			r->pid = id->pid;
			r->tgid = id->tgid;
			r->comm = id->comm;
			r->cgroup = id->cgroup;
		}
		r->merged = 1;
		if (t->text)
			t->text(rec, r->text);
		pt_record_values(rt, rec, r->v);
	}
	return 0;
}

/* What a value cell shows, in the unit its format prints. */
static double col_value(const struct vtable *t, const struct vrow *r,
			const struct vcol *c, double per_s)
{
	const struct pt_field *f = &t->rt->fields[c->field];
	double v = r->v[c->field];

	if (c->rate)
		v *= per_s;
	if (c->fmt == PT_CF_NS && f->unit == PT_UNIT_US)
		v *= 1e3;
	else if (c->fmt == PT_CF_PCT && f->unit == PT_UNIT_NS)
		v = v / 1e9 * 100;	/* a CPU time rate: % of one CPU */
	return v;
}

static bool col_visible(const struct vcol *c, const struct pt_view_state *st)
{
	if (c->kind == VC_TID)
		return !st->processes && !st->by_cgroup;
	if (c->kind == VC_TGID)
		return !st->by_cgroup;
	return true;
}

static int sort_col(const struct vtable *t, const struct pt_view_state *st)
{
	int c = st->sort[st->view];

	if (c < 0 || c >= t->ncols || !col_visible(&t->cols[c], st))
		return t->default_sort;
	return c;
}

void pt_view_sort_step(struct pt_view_state *st, int dir)
{
	const struct vtable *t = view_main_table(st->view);
	int c, i;

	if (!t)
		return;
	c = sort_col(t, st);
	for (i = 0; i < t->ncols; i++) {
		c = (c + dir + t->ncols) % t->ncols;
		if (col_visible(&t->cols[c], st))
			break;
	}
	st->sort[st->view] = c;
}

const char *pt_view_sort_name(const struct pt_view_state *st)
{
	const struct vtable *t = view_main_table(st->view);

	return t ? t->cols[sort_col(t, st)].name : "";
}

/* ------------------------------------------------- filter, merge, sort */

static bool row_matches(const struct vrow *r, const char *filter)
{
	if (!*filter)
		return true;
	return (r->comm && strcasestr(r->comm, filter)) ||
	       (r->cgroup && strcasestr(r->cgroup, filter)) ||
	       strcasestr(r->text[0], filter) || strcasestr(r->text[1], filter);
}

static void apply_filter(struct vrows *rows, const char *filter)
{
	size_t i, kept = 0;

	for (i = 0; i < rows->n; i++)
		if (row_matches(row_at(rows, i), filter)) {
			if (kept != i)
				memcpy(row_at(rows, kept), row_at(rows, i),
				       rows->stride);
			kept++;
		}
	rows->n = kept;
}

enum group { G_THREADS, G_PROCESSES, G_CGROUPS };

static int cmp_group_key(const void *a, const void *b, void *arg)
{
	const struct vrow *x = a, *y = b;
	enum group g = *(const enum group *)arg;

	if (g == G_CGROUPS)
		return strcmp(x->cgroup ? x->cgroup : "", y->cgroup ? y->cgroup : "");
	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	/* the process's main thread first: its comm names the process */
	return (x->pid != x->tgid) - (y->pid != y->tgid);
}

/* Field by field, as the field table says values add up; derived fields
 * (ratios) are recomputed once the group is complete. */
static void merge_into(struct vrow *dst, const struct vrow *src,
		       const struct pt_record_type *rt)
{
	pt_record_combine(rt, dst->v, src->v, PT_MERGE_ROWS);
	dst->merged += src->merged;
}

static void group_rows(struct vrows *rows, const struct vtable *t, enum group g)
{
	size_t i, out = 0;

	if (g == G_THREADS || rows->n == 0)
		return;
	qsort_r(rows->v, rows->n, rows->stride, cmp_group_key, &g);
	for (i = 0; i < rows->n; i++) {
		struct vrow *last = out ? row_at(rows, out - 1) : NULL;
		struct vrow *r = row_at(rows, i);

		if (last && !cmp_group_key(last, r, &g)) {
			merge_into(last, r, t->rt);
			continue;
		}
		/* a process whose main thread was idle: compare tgids only */
		if (last && g == G_PROCESSES && last->tgid == r->tgid) {
			merge_into(last, r, t->rt);
			continue;
		}
		if (out != i)
			memcpy(row_at(rows, out), r, rows->stride);
		out++;
	}
	rows->n = out;
	for (i = 0; i < rows->n; i++) {
		struct vrow *r = row_at(rows, i);

		r->pid = r->tgid;
		if (r->merged > 1)
			pt_record_derive(t->rt, r->v);
	}
}

/* The columns rows are ordered by: the chosen one, then the view's
 * default and tie columns; -1 none. */
struct sort_ctx {
	const struct vtable *t;
	int col[3];
};

static int cmp_col(const struct vrow *x, const struct vrow *y,
		   const struct vcol *c, int k)
{
	switch (c->kind) {
	case VC_TID:
		return (x->pid > y->pid) - (x->pid < y->pid);
	case VC_TGID:
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	case VC_COMM:
		return strcmp(x->comm ? x->comm : "", y->comm ? y->comm : "");
	case VC_CGROUP:
		return strcmp(x->cgroup ? x->cgroup : "", y->cgroup ? y->cgroup : "");
	case VC_TEXT0:
		return strcmp(x->text[0], y->text[0]);
	case VC_TEXT1:
		return strcmp(x->text[1], y->text[1]);
	default:	/* figures: largest first */
		return (x->sk[k] < y->sk[k]) - (x->sk[k] > y->sk[k]);
	}
}

/* A figure column's values computed once per row, not per comparison. */
static void sort_keys(const struct sort_ctx *sc, struct vrows *rows,
		      double per_s)
{
	size_t i;
	int k;

	for (i = 0; i < rows->n; i++)
		for (k = 0; k < 3; k++)
			if (sc->col[k] >= 0 &&
			    sc->t->cols[sc->col[k]].kind == VC_VALUE)
				row_at(rows, i)->sk[k] = col_value(
					sc->t, row_at(rows, i),
					&sc->t->cols[sc->col[k]], per_s);
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	const struct vrow *x = a, *y = b;
	int c = 0, k;

	/* ties: the default order, then ids, so rows do not jump around */
	for (k = 0; k < 3 && !c; k++)
		if (sc->col[k] >= 0)
			c = cmp_col(x, y, &sc->t->cols[sc->col[k]], k);
	if (!c)
		c = (x->pid > y->pid) - (x->pid < y->pid);
	if (!c)
		c = strcmp(x->text[0], y->text[0]);
	return c ? c : strcmp(x->text[1], y->text[1]);
}

/* --------------------------------------------------------------- layout */

struct layout {
	int n;
	int idx[VIEW_MAX_COLS];	/* column index in the table */
	int x[VIEW_MAX_COLS], w[VIEW_MAX_COLS];
};

/* The text a cell shows, before fitting it to its width. */
static void cell_text(const struct vtable *t, const struct vrow *r,
		      const struct vcol *c, enum group g, double per_s,
		      char *buf, size_t len)
{
	const char *unit = g == G_CGROUPS ? "tasks" : t->unit;
	uint64_t flags;
	double v;
	int i, n = 0;

	switch (c->kind) {
	case VC_TID:
	case VC_TGID:
		snprintf(buf, len, "%u", c->kind == VC_TID ? r->pid : r->tgid);
		break;
	case VC_COMM:
		if (g == G_CGROUPS)
			snprintf(buf, len, "(%u tasks)", r->merged);
		else
			snprintf(buf, len, "%s", r->comm ? r->comm : "");
		break;
	case VC_CGROUP:
		pt_cgroup_label(r->cgroup ? r->cgroup : "", buf, len);
		break;
	case VC_TEXT0:
	case VC_TEXT1:
		if (r->merged > 1 && unit)
			snprintf(buf, len, "(%u %s)", r->merged, unit);
		else
			snprintf(buf, len, "%s", r->text[c->kind - VC_TEXT0]);
		break;
	case VC_VALUE:
		v = col_value(t, r, c, per_s);
		switch (c->fmt) {
		case PT_CF_NS:
			pt_fmt_ns(v, buf, len);
			break;
		case PT_CF_PCT:
			/* a nullable field below 0 is unknown (PSI on v1) */
			if (v < 0 && t->rt->fields[c->field].nullable)
				snprintf(buf, len, "-");
			else
				snprintf(buf, len, "%.1f", v);
			break;
		case PT_CF_BYTES:
			pt_fmt_bytes(v, buf, len);
			break;
		case PT_CF_FLAGS:
			flags = (uint64_t)v;
			for (i = 0; c->letters && c->letters[i] &&
				    (size_t)n + 1 < len; i++)
				if (flags & (1u << i))
					buf[n++] = c->letters[i];
			buf[n] = '\0';
			break;
		default:
			pt_fmt_count(v, buf, len);
			break;
		}
		break;
	}
	view_sanitize(buf);
}

static bool col_left(const struct vcol *c)
{
	return c->kind == VC_COMM || c->kind == VC_CGROUP ||
	       c->kind == VC_TEXT0 || c->kind == VC_TEXT1 ||
	       (c->kind == VC_VALUE && c->fmt == PT_CF_FLAGS);
}

static int layout_total(const struct vtable *t, const bool *on)
{
	int i, total = -1;

	for (i = 0; i < t->ncols; i++)
		if (on[i])
			total += t->cols[i].width + 1;
	return total;
}

/* Widest cell of each flexible column, so it gets no more than it needs. */
static void flex_needs(const struct vtable *t, const struct vrows *rows,
		       enum group g, int *need)
{
	char buf[PT_CGROUP_MAX + 16];
	size_t r;
	int i;

	for (i = 0; i < t->ncols; i++) {
		need[i] = (int)strlen(t->cols[i].name);
		if (!t->cols[i].flex)
			continue;
		for (r = 0; r < rows->n; r++) {
			int len;

			cell_text(t, row_at(rows, r), &t->cols[i], g, 0, buf,
				  sizeof(buf));
			len = (int)strlen(buf);
			if (len > need[i])
				need[i] = len;
		}
	}
}

/* Too narrow: drop the least important columns until the rest fit. */
static void drop_columns(const struct vtable *t, bool *on, int width)
{
	int i;

	while (layout_total(t, on) > width) {
		int worst = -1;

		for (i = 0; i < t->ncols; i++)
			if (on[i] && t->cols[i].drop &&
			    (worst < 0 || t->cols[i].drop > t->cols[worst].drop))
				worst = i;
		if (worst < 0)
			return;
		on[worst] = false;
	}
}

/* Share the spare width among flexible columns, smallest need first: a
 * column that needs little leaves the rest to the others. */
static void grow_flex(const struct vtable *t, const bool *on, const int *need,
		      int spare, int *w)
{
	bool done[VIEW_MAX_COLS];
	int i, nflex = 0;

	for (i = 0; i < t->ncols; i++) {
		done[i] = !on[i] || !t->cols[i].flex;
		nflex += !done[i];
	}
	while (nflex > 0 && spare > 0) {
		int pick = -1, give;

		for (i = 0; i < t->ncols; i++)
			if (!done[i] && (pick < 0 || need[i] < need[pick]))
				pick = i;
		give = spare / nflex;
		if (need[pick] - w[pick] < give)
			give = need[pick] > w[pick] ? need[pick] - w[pick] : 0;
		w[pick] += give;
		spare -= give;
		done[pick] = true;
		nflex--;
	}
}

static void layout_cols(const struct vtable *t, const struct pt_view_state *st,
			const int *need, int width, struct layout *lo)
{
	bool on[VIEW_MAX_COLS];
	int w[VIEW_MAX_COLS];
	int i, x = 0;

	for (i = 0; i < t->ncols; i++) {
		on[i] = col_visible(&t->cols[i], st);
		w[i] = t->cols[i].width;
	}
	drop_columns(t, on, width);
	grow_flex(t, on, need, width - layout_total(t, on), w);
	lo->n = 0;
	for (i = 0; i < t->ncols; i++) {
		if (!on[i])
			continue;
		lo->idx[lo->n] = i;
		lo->w[lo->n] = w[i];
		lo->x[lo->n] = x;
		x += w[i] + 1;
		lo->n++;
	}
}

/* Put s into line at [x, x+w): numbers right-aligned, text left-aligned;
 * paths and addresses keep their informative end ("..service"). */
static void put_cell(char *line, int x, int w, const char *s, bool left,
		     bool keep_tail)
{
	int len = (int)strlen(s);

	if (len > w) {
		if (keep_tail && w >= 4) {
			line[x] = line[x + 1] = '.';
			memcpy(line + x + 2, s + len - (w - 2), (size_t)(w - 2));
		} else {
			memcpy(line + x, s, (size_t)w);
		}
		return;
	}
	memcpy(line + (left ? x : x + w - len), s, (size_t)len);
}

/* End the line at width, without trailing blanks. */
static void finish_line(char *text, int width)
{
	int end = width;

	text[width] = '\0';
	while (end > 0 && text[end - 1] == ' ')
		end--;
	text[end] = '\0';
}

/* One line of the table: the column header (r NULL, the sort column
 * highlighted), or row r. */
static void add_cells(struct pt_lines *out, const struct vtable *t,
		      const struct layout *lo, const struct vrow *r,
		      enum group g, double per_s, int sort, int width)
{
	struct pt_line *l = view_add_line(out, r ? PT_A_NORMAL : PT_A_COLHDR);
	char buf[PT_CGROUP_MAX + 16];
	int i, len;

	if (!l)
		return;
	memset(l->text, ' ', (size_t)width);
	for (i = 0; i < lo->n; i++) {
		const struct vcol *c = &t->cols[lo->idx[i]];
		bool tail = r && (c->kind == VC_CGROUP || c->kind == VC_TEXT0 ||
				  c->kind == VC_TEXT1);

		if (r)
			cell_text(t, r, c, g, per_s, buf, sizeof(buf));
		put_cell(l->text, lo->x[i], lo->w[i], r ? buf : c->name,
			 col_left(c), tail);
		if (!r && lo->idx[i] == sort) {
			l->hl_start = lo->x[i];
			l->hl_len = lo->w[i];
			l->hl_attr = PT_A_SORT;
		}
	}
	finish_line(l->text, width);
	if (r)
		return;
	len = (int)strlen(l->text);	/* the highlight stays on the text */
	if (l->hl_start >= len)
		l->hl_len = 0;
	else if (l->hl_start + l->hl_len > len)
		l->hl_len = len - l->hl_start;
}

/* Build, filter, group and sort one table's rows, then lay them out. */
static int add_table(struct pt_lines *out, const struct vtable *t,
		     const struct pt_snapshot *s, const struct pt_view_state *st,
		     int width)
{
	enum group g = !t->tasks ? G_THREADS : st->by_cgroup ? G_CGROUPS :
		       st->processes ? G_PROCESSES : G_THREADS;
	double per_s = s->interval_ns ? 1e9 / (double)s->interval_ns : 0;
	struct vrows rows = { 0 };
	int need[VIEW_MAX_COLS], err, sort = t->tasks ? sort_col(t, st) : -1;
	struct layout lo;
	size_t i;

	if (t->title)
		view_add_linef(out, width, PT_A_TITLE, "%s", t->title);
	err = fill_rows(t, s, &rows);
	if (err) {
		view_add_linef(out, width, PT_A_WARN, "out of memory building rows");
		free(rows.v);
		return err;
	}
	if (t->filtered)
		apply_filter(&rows, st->filter);
	if (t->tasks)
		group_rows(&rows, t, g);
	if (sort >= 0 && rows.n > 1) {
		struct sort_ctx sc = {
			.t = t, .col = { sort, t->default_sort, t->tie_sort },
		};

		sort_keys(&sc, &rows, per_s);
		qsort_r(rows.v, rows.n, rows.stride, cmp_rows, &sc);
	}
	flex_needs(t, &rows, g, need);
	layout_cols(t, st, need, width, &lo);
	add_cells(out, t, &lo, NULL, g, per_s, sort, width);
	for (i = 0; i < rows.n; i++)
		add_cells(out, t, &lo, row_at(&rows, i), g, per_s, sort, width);
	if (!rows.n)
		view_add_linef(out, width, PT_A_DIM, "  %s", *st->filter && t->filtered ?
			       "(nothing matches the filter)" :
			       "(no activity in this interval)");
	free(rows.v);
	return 0;
}

/* The tables of a per-task view; the block view shows its devices first. */
int view_add_tables(struct pt_lines *out, const struct pt_snapshot *s,
		    const struct pt_view_state *st, int width)
{
	int err;

	if (st->view == PT_VIEW_BLOCK) {
		err = add_table(out, view_device_table(), s, st, width);
		if (err)
			return err;
		view_add_linef(out, width, PT_A_NORMAL, "%s", "");
	}
	err = add_table(out, view_main_table(st->view), s, st, width);
	if (!err && st->view == PT_VIEW_SCHED && s->sched_sites.n) {
		view_add_linef(out, width, PT_A_NORMAL, "%s", "");
		err = add_table(out, view_site_table(), s, st, width);
	}
	return err;
}
