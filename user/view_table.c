// SPDX-License-Identifier: GPL-2.0
/*
 * The tables of the per-task views: a column table per view, rows filled
 * from the snapshot, then filter, merge (processes, cgroups), sort, and
 * columns laid out for the width.  One generic path serves every view,
 * on the screen and in batch mode.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "view.h"
#include "view_impl.h"

#define NR_VALS 12
#define MAX_COLS 14
#define TEXT_MAX (PT_ADDR_MAX + 8)	/* "[addr]:port" */

/* --------------------------------------------------------------- tables */

enum col_fmt {
	C_TID,		/* thread id */
	C_TGID,		/* process id */
	C_COMM,
	C_CGROUP,
	C_TEXT0,	/* device, local address */
	C_TEXT1,	/* remote address */
	C_COUNT,	/* a count in the interval */
	C_RATE,		/* per second */
	C_NS,		/* a duration */
	C_PCT,
	C_BYTES,	/* bytes per second */
	C_FLAGS,	/* TCP events */
};

struct col {
	const char *name;
	enum col_fmt fmt;
	unsigned char width;	/* flex: the minimum */
	unsigned char drop;	/* 0 never; higher is dropped first when narrow */
	unsigned char slot;	/* index into vrow.v */
	bool flex;		/* grows to fit its content */
};

struct vrow {
	uint32_t pid, tgid;
	const char *comm, *cgroup;	/* point into the snapshot */
	char text[2][TEXT_MAX];
	double v[NR_VALS];
	uint32_t flags;
	uint32_t merged;		/* source records in this row */
};

struct vrows {
	struct vrow *v;
	size_t n, cap;
};

struct table {
	const char *title;		/* section title; NULL: none */
	const struct col *cols;
	int ncols;
	int default_sort;
	int tie_sort;			/* second key on ties; -1 none */
	bool tasks;			/* filter, grouping and sort apply */
	unsigned int max_slots;		/* merged rows keep the max of these */
	const char *unit;		/* what a merged text cell counts */
	int (*fill)(const struct pt_snapshot *s, double per_s,
		    struct vrows *rows);
	void (*finish)(struct vrow *r);
};

static struct vrow *push_row(struct vrows *rows, const struct pt_task_id *id)
{
	struct vrow *r = pt_array_grow((void **)&rows->v, &rows->n, &rows->cap,
				       sizeof(*rows->v));

	if (r && id) {
		r->pid = id->pid;
		r->tgid = id->tgid;
		r->comm = id->comm;
		r->cgroup = id->cgroup;
	}
	if (r)
		r->merged = 1;
	return r;
}

/* Who a task row is; the numbers say which goes first when narrow. */
#define TASK_COLS(tid_drop, tgid_drop, cgroup_drop) \
	{ "TID", C_TID, 7, tid_drop, 0, false }, \
	{ "TGID", C_TGID, 7, tgid_drop, 0, false }, \
	{ "COMMAND", C_COMM, 15, 0, 0, false }, \
	{ "CGROUP", C_CGROUP, 8, cgroup_drop, 0, true }

/* ---- 1 scheduler ---- */
static const struct col sched_cols[] = {
	TASK_COLS(3, 4, 1),
	{ "WAIT/s", C_NS, 7, 0, 0, false },
	{ "WAITS", C_COUNT, 6, 2, 1, false },
	{ "P99", C_NS, 7, 0, 2, false },
	{ "MAX", C_NS, 7, 0, 3, false },
	{ "CPU%", C_PCT, 6, 0, 4, false },
};

static int sched_fill(const struct pt_snapshot *s, double per_s,
		      struct vrows *rows)
{
	size_t i;

	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		struct vrow *r = push_row(rows, &t->id);

		if (!r)
			return -ENOMEM;
		r->v[0] = (double)t->runq_wait_ns * per_s;
		r->v[1] = (double)t->runq_count;
		r->v[2] = (double)t->runq_p99_ns;
		r->v[3] = (double)t->runq_max_ns;
		r->v[4] = (double)t->oncpu_ns * per_s / 1e9 * 100;
	}
	return 0;
}

/* ---- 2 page faults ---- */
static const struct col fault_cols[] = {
	TASK_COLS(3, 4, 1),
	{ "MAJ/s", C_RATE, 7, 0, 0, false },
	{ "MIN/s", C_RATE, 7, 0, 1, false },
	{ "MAJOR", C_COUNT, 7, 2, 2, false },
	{ "MINOR", C_COUNT, 7, 2, 3, false },
};

static int fault_fill(const struct pt_snapshot *s, double per_s,
		      struct vrows *rows)
{
	size_t i;

	for (i = 0; i < s->fault_tasks.n; i++) {
		const struct pt_fault_task *t = &s->fault_tasks.v[i];
		struct vrow *r = push_row(rows, &t->id);

		if (!r)
			return -ENOMEM;
		r->v[0] = (double)t->major * per_s;
		r->v[1] = (double)t->minor * per_s;
		r->v[2] = (double)t->major;
		r->v[3] = (double)t->minor;
	}
	return 0;
}

/* ---- 3 block I/O: devices, then issuing tasks ---- */
static const struct col bdev_cols[] = {
	{ "DEVICE", C_TEXT0, 8, 0, 0, true },
	{ "RIO/s", C_RATE, 6, 0, 0, false },
	{ "WIO/s", C_RATE, 6, 0, 1, false },
	{ "RBYTE/s", C_BYTES, 7, 0, 2, false },
	{ "WBYTE/s", C_BYTES, 7, 0, 3, false },
	{ "P50", C_NS, 7, 3, 4, false },
	{ "P99", C_NS, 7, 0, 5, false },
	{ "MAX", C_NS, 7, 0, 6, false },
	{ "Q-AVG", C_NS, 7, 2, 7, false },
	{ "D-AVG", C_NS, 7, 2, 8, false },
	{ "INFL", C_COUNT, 5, 1, 9, false },
};

static int bdev_fill(const struct pt_snapshot *s, double per_s,
		     struct vrows *rows)
{
	size_t i;

	for (i = 0; i < s->block_devs.n; i++) {
		const struct pt_block_dev *d = &s->block_devs.v[i];
		struct vrow *r = push_row(rows, NULL);
		double ios = (double)(d->read_ios + d->write_ios);

		if (!r)
			return -ENOMEM;
		pt_strlcpy(r->text[0], d->dev, sizeof(r->text[0]));
		r->v[0] = (double)d->read_ios * per_s;
		r->v[1] = (double)d->write_ios * per_s;
		r->v[2] = (double)d->read_bytes * per_s;
		r->v[3] = (double)d->write_bytes * per_s;
		r->v[4] = (double)d->lat_p50_ns;
		r->v[5] = (double)d->lat_p99_ns;
		r->v[6] = (double)d->lat_max_ns;
		r->v[7] = ios ? (double)d->queue_ns / ios : 0;
		r->v[8] = ios ? (double)d->device_ns / ios : 0;
		r->v[9] = (double)d->inflight;
	}
	return 0;
}

static const struct col btask_cols[] = {
	TASK_COLS(3, 4, 1),
	{ "IO/s", C_RATE, 7, 0, 0, false },
	{ "READ/s", C_BYTES, 7, 0, 1, false },
	{ "WRITE/s", C_BYTES, 7, 0, 2, false },
};

static int btask_fill(const struct pt_snapshot *s, double per_s,
		      struct vrows *rows)
{
	size_t i;

	for (i = 0; i < s->block_tasks.n; i++) {
		const struct pt_block_task *t = &s->block_tasks.v[i];
		struct vrow *r = push_row(rows, &t->id);

		if (!r)
			return -ENOMEM;
		r->v[0] = (double)t->ios * per_s;
		r->v[1] = (double)t->read_bytes * per_s;
		r->v[2] = (double)t->write_bytes * per_s;
	}
	return 0;
}

/* ---- 4 TCP connections ---- */
static const struct col tcp_cols[] = {
	TASK_COLS(5, 0, 6),
	{ "LOCAL", C_TEXT0, 12, 0, 0, true },
	{ "REMOTE", C_TEXT1, 12, 0, 0, true },
	{ "TX/s", C_BYTES, 6, 0, 0, false },
	{ "RX/s", C_BYTES, 6, 0, 1, false },
	{ "RETR", C_COUNT, 5, 2, 2, false },
	{ "RETR%", C_PCT, 6, 0, 3, false },
	{ "SRTT", C_NS, 7, 3, 4, false },
	{ "EV", C_FLAGS, 4, 4, 0, false },
};

static void fmt_endpoint(char *buf, size_t len, int family, const char *addr,
			 uint16_t port)
{
	if (family == 6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

static int tcp_fill(const struct pt_snapshot *s, double per_s,
		    struct vrows *rows)
{
	size_t i;

	for (i = 0; i < s->tcp_conns.n; i++) {
		const struct pt_tcp_conn *c = &s->tcp_conns.v[i];
		struct vrow *r = push_row(rows, &c->id);

		if (!r)
			return -ENOMEM;
		fmt_endpoint(r->text[0], sizeof(r->text[0]), c->family,
			     c->saddr, c->sport);
		fmt_endpoint(r->text[1], sizeof(r->text[1]), c->family,
			     c->daddr, c->dport);
		r->v[0] = (double)c->tx_bytes * per_s;
		r->v[1] = (double)c->rx_bytes * per_s;
		r->v[2] = (double)c->retransmits;
		r->v[4] = (double)c->srtt_us * 1e3;
		r->v[5] = (double)c->segs_out;
		r->flags = c->events;
	}
	return 0;
}

/* Retransmit share is a ratio: recompute it after rows were merged. */
static void tcp_finish(struct vrow *r)
{
	r->v[3] = r->v[5] > 0 ? r->v[2] / r->v[5] * 100 : 0;
}

#define COLS(a) a, (int)PT_ARRAY_SIZE(a)

static const struct table sched_table = {
	NULL, COLS(sched_cols), 4, 8, true, 1u << 2 | 1u << 3, NULL,
	sched_fill, NULL,
};
static const struct table fault_table = {
	NULL, COLS(fault_cols), 4, 5, true, 0, NULL, fault_fill, NULL,
};
static const struct table bdev_table = {
	"Devices", COLS(bdev_cols), -1, -1, false, 0, NULL, bdev_fill, NULL,
};
static const struct table btask_table = {
	"Issuing tasks", COLS(btask_cols), 4, 5, true, 0, NULL, btask_fill, NULL,
};
static const struct table tcp_table = {
	NULL, COLS(tcp_cols), 6, 7, true, 1u << 4, "conns", tcp_fill, tcp_finish,
};

/* The table that sorting, filtering and grouping act on, per view. */
static const struct table *const main_table[PT_NR_VIEWS] = {
	[PT_VIEW_SCHED] = &sched_table,
	[PT_VIEW_FAULT] = &fault_table,
	[PT_VIEW_BLOCK] = &btask_table,
	[PT_VIEW_TCP] = &tcp_table,
};

static bool col_visible(const struct col *c, const struct pt_view_state *st)
{
	if (c->fmt == C_TID)
		return !st->processes && !st->by_cgroup;
	if (c->fmt == C_TGID)
		return !st->by_cgroup;
	return true;
}

static int sort_col(const struct table *t, const struct pt_view_state *st)
{
	int c = st->sort[st->view];

	if (c < 0 || c >= t->ncols || !col_visible(&t->cols[c], st))
		return t->default_sort;
	return c;
}

void pt_view_sort_step(struct pt_view_state *st, int dir)
{
	const struct table *t = main_table[st->view];
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
	const struct table *t = main_table[st->view];

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
		if (row_matches(&rows->v[i], filter))
			rows->v[kept++] = rows->v[i];
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

static void merge_into(struct vrow *dst, const struct vrow *src,
		       const struct table *t)
{
	int i;

	for (i = 0; i < NR_VALS; i++) {
		if (t->max_slots & (1u << i))
			dst->v[i] = fmax(dst->v[i], src->v[i]);
		else
			dst->v[i] += src->v[i];
	}
	dst->flags |= src->flags;
	dst->merged += src->merged;
}

static void group_rows(struct vrows *rows, const struct table *t, enum group g)
{
	size_t i, out = 0;

	if (g == G_THREADS || rows->n == 0)
		return;
	qsort_r(rows->v, rows->n, sizeof(*rows->v), cmp_group_key, &g);
	for (i = 0; i < rows->n; i++) {
		if (out && !cmp_group_key(&rows->v[out - 1], &rows->v[i], &g)) {
			merge_into(&rows->v[out - 1], &rows->v[i], t);
			continue;
		}
		/* a process whose main thread was idle: compare tgids only */
		if (out && g == G_PROCESSES &&
		    rows->v[out - 1].tgid == rows->v[i].tgid) {
			merge_into(&rows->v[out - 1], &rows->v[i], t);
			continue;
		}
		rows->v[out++] = rows->v[i];
	}
	rows->n = out;
	for (i = 0; i < rows->n; i++)
		rows->v[i].pid = rows->v[i].tgid;
}

struct sort_ctx {
	const struct table *t;
	int col;
};

static int cmp_col(const struct vrow *x, const struct vrow *y,
		   const struct col *c)
{
	switch (c->fmt) {
	case C_TID:
		return (x->pid > y->pid) - (x->pid < y->pid);
	case C_TGID:
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	case C_COMM:
		return strcmp(x->comm ? x->comm : "", y->comm ? y->comm : "");
	case C_CGROUP:
		return strcmp(x->cgroup ? x->cgroup : "", y->cgroup ? y->cgroup : "");
	case C_TEXT0:
		return strcmp(x->text[0], y->text[0]);
	case C_TEXT1:
		return strcmp(x->text[1], y->text[1]);
	case C_FLAGS:
		return (x->flags < y->flags) - (x->flags > y->flags);
	default:	/* figures: largest first */
		return (x->v[c->slot] < y->v[c->slot]) -
		       (x->v[c->slot] > y->v[c->slot]);
	}
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *sc = arg;
	const struct vrow *x = a, *y = b;
	int c = cmp_col(x, y, &sc->t->cols[sc->col]);

	/* ties: the default order, then ids, so rows do not jump around */
	if (!c && sc->t->default_sort >= 0)
		c = cmp_col(x, y, &sc->t->cols[sc->t->default_sort]);
	if (!c && sc->t->tie_sort >= 0)
		c = cmp_col(x, y, &sc->t->cols[sc->t->tie_sort]);
	if (!c)
		c = (x->pid > y->pid) - (x->pid < y->pid);
	if (!c)
		c = strcmp(x->text[0], y->text[0]);
	return c ? c : strcmp(x->text[1], y->text[1]);
}

/* --------------------------------------------------------------- layout */

struct layout {
	int n;
	int idx[MAX_COLS];	/* column index in the table */
	int x[MAX_COLS], w[MAX_COLS];
};

/* The text a cell shows, before fitting it to its width. */
static void cell_text(const struct vrow *r, const struct col *c,
		      const struct table *t, enum group g, char *buf,
		      size_t len)
{
	static const char ev_letters[] = "CAXR";	/* pt_tcp_flags order */
	const char *unit = g == G_CGROUPS ? "tasks" : t->unit;
	int i, n = 0;

	switch (c->fmt) {
	case C_TID:
	case C_TGID:
		snprintf(buf, len, "%u", c->fmt == C_TID ? r->pid : r->tgid);
		break;
	case C_COMM:
		if (g == G_CGROUPS)
			snprintf(buf, len, "(%u tasks)", r->merged);
		else
			snprintf(buf, len, "%s", r->comm ? r->comm : "");
		break;
	case C_CGROUP:
		snprintf(buf, len, "%s", r->cgroup ? r->cgroup : "");
		break;
	case C_TEXT0:
	case C_TEXT1:
		if (r->merged > 1 && unit)
			snprintf(buf, len, "(%u %s)", r->merged, unit);
		else
			snprintf(buf, len, "%s", r->text[c->fmt - C_TEXT0]);
		break;
	case C_COUNT:
	case C_RATE:
		pt_fmt_count(r->v[c->slot], buf, len);
		break;
	case C_NS:
		pt_fmt_ns(r->v[c->slot], buf, len);
		break;
	case C_PCT:
		snprintf(buf, len, "%.1f", r->v[c->slot]);
		break;
	case C_BYTES:
		pt_fmt_bytes(r->v[c->slot], buf, len);
		break;
	case C_FLAGS:
		for (i = 0; ev_letters[i] && (size_t)n + 1 < len; i++)
			if (r->flags & (1u << i))
				buf[n++] = ev_letters[i];
		buf[n] = '\0';
		break;
	}
	view_sanitize(buf);
}

static bool col_left(const struct col *c)
{
	return c->fmt == C_COMM || c->fmt == C_CGROUP || c->fmt == C_TEXT0 ||
	       c->fmt == C_TEXT1 || c->fmt == C_FLAGS;
}

static int layout_total(const struct table *t, const bool *on)
{
	int i, total = -1;

	for (i = 0; i < t->ncols; i++)
		if (on[i])
			total += t->cols[i].width + 1;
	return total;
}

/* Widest cell of each flexible column, so it gets no more than it needs. */
static void flex_needs(const struct table *t, const struct vrows *rows,
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

			cell_text(&rows->v[r], &t->cols[i], t, g, buf, sizeof(buf));
			len = (int)strlen(buf);
			if (len > need[i])
				need[i] = len;
		}
	}
}

/* Too narrow: drop the least important columns until the rest fit. */
static void drop_columns(const struct table *t, bool *on, int width)
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
static void grow_flex(const struct table *t, const bool *on, const int *need,
		      int spare, int *w)
{
	bool done[MAX_COLS];
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

static void layout_cols(const struct table *t, const struct pt_view_state *st,
			const int *need, int width, struct layout *lo)
{
	bool on[MAX_COLS];
	int w[MAX_COLS];
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

static void add_colhdr(struct pt_lines *out, const struct table *t,
		       const struct layout *lo, int sort, int width)
{
	struct pt_line *l = view_add_line(out, PT_A_COLHDR);
	int i;

	if (!l)
		return;
	memset(l->text, ' ', (size_t)width);
	for (i = 0; i < lo->n; i++) {
		const struct col *c = &t->cols[lo->idx[i]];

		put_cell(l->text, lo->x[i], lo->w[i], c->name, col_left(c), false);
		if (lo->idx[i] == sort) {
			l->hl_start = lo->x[i];
			l->hl_len = lo->w[i];
			l->hl_attr = PT_A_SORT;
		}
	}
	finish_line(l->text, width);
	if (l->hl_start >= (int)strlen(l->text))
		l->hl_len = 0;
	else if (l->hl_start + l->hl_len > (int)strlen(l->text))
		l->hl_len = (int)strlen(l->text) - l->hl_start;
}

static void add_row(struct pt_lines *out, const struct table *t,
		    const struct layout *lo, const struct vrow *r, enum group g,
		    int width)
{
	struct pt_line *l = view_add_line(out, PT_A_NORMAL);
	char buf[PT_CGROUP_MAX + 16];
	int i;

	if (!l)
		return;
	memset(l->text, ' ', (size_t)width);
	for (i = 0; i < lo->n; i++) {
		const struct col *c = &t->cols[lo->idx[i]];
		bool tail = c->fmt == C_CGROUP || c->fmt == C_TEXT0 ||
			    c->fmt == C_TEXT1;

		cell_text(r, c, t, g, buf, sizeof(buf));
		put_cell(l->text, lo->x[i], lo->w[i], buf, col_left(c), tail);
	}
	finish_line(l->text, width);
}

/* Build, filter, group and sort one table's rows, then lay them out. */
static int add_table(struct pt_lines *out, const struct table *t,
		     const struct pt_snapshot *s, const struct pt_view_state *st,
		     int width)
{
	enum group g = !t->tasks ? G_THREADS : st->by_cgroup ? G_CGROUPS :
		       st->processes ? G_PROCESSES : G_THREADS;
	double per_s = s->interval_ns ? 1e9 / (double)s->interval_ns : 0;
	struct vrows rows = { 0 };
	int need[MAX_COLS], err, sort = t->tasks ? sort_col(t, st) : -1;
	struct layout lo;
	size_t i;

	if (t->title)
		view_add_linef(out, width, PT_A_TITLE, "%s", t->title);
	err = t->fill(s, per_s, &rows);
	if (err) {
		view_add_linef(out, width, PT_A_WARN, "out of memory building rows");
		free(rows.v);
		return err;
	}
	if (t->tasks) {
		apply_filter(&rows, st->filter);
		group_rows(&rows, t, g);
	}
	for (i = 0; t->finish && i < rows.n; i++)
		t->finish(&rows.v[i]);
	if (sort >= 0 && rows.n > 1) {
		struct sort_ctx sc = { t, sort };

		qsort_r(rows.v, rows.n, sizeof(*rows.v), cmp_rows, &sc);
	}
	flex_needs(t, &rows, g, need);
	layout_cols(t, st, need, width, &lo);
	add_colhdr(out, t, &lo, sort, width);
	for (i = 0; i < rows.n; i++)
		add_row(out, t, &lo, &rows.v[i], g, width);
	if (!rows.n)
		view_add_linef(out, width, PT_A_DIM, "  %s", *st->filter && t->tasks ?
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
		err = add_table(out, &bdev_table, s, st, width);
		if (err)
			return err;
		view_add_linef(out, width, PT_A_NORMAL, "%s", "");
	}
	return add_table(out, main_table[st->view], s, st, width);
}
