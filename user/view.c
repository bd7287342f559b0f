// SPDX-License-Identifier: GPL-2.0
/*
 * The view model: snapshot -> rows -> (filter, merge, sort) -> lines laid
 * out for a width.  Tables are described by column tables; one generic
 * path does the rest, for every view, on the screen and in batch mode.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "view.h"

#define NR_VALS 12
#define MAX_COLS 14
#define TEXT_MAX (PT_ADDR_MAX + 8)	/* "[addr]:port" */

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
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static int clamp_width(int width)
{
	if (width < 1)
		return 1;
	return width < PT_LINE_MAX - 1 ? width : PT_LINE_MAX - 1;
}

/* Append a line; NULL when out of memory (the line is just missing). */
static struct pt_line *add_line(struct pt_lines *out, enum pt_attr attr)
{
	struct pt_line *l = pt_array_grow((void **)&out->v, &out->n, &out->cap,
					  sizeof(*out->v));

	if (l)
		l->attr = attr;
	return l;
}

static struct pt_line *add_linef(struct pt_lines *out, int width,
				 enum pt_attr attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct pt_line *add_linef(struct pt_lines *out, int width,
				 enum pt_attr attr, const char *fmt, ...)
{
	struct pt_line *l = add_line(out, attr);
	va_list ap;

	if (!l)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	sanitize(l->text);
	l->text[clamp_width(width)] = '\0';
	return l;
}

/* Highlight the first occurrence of needle in l (clipped to the text). */
static void highlight(struct pt_line *l, const char *needle, enum pt_attr a)
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
static void add_wrapped(struct pt_lines *out, int width, enum pt_attr attr,
			const char *indent, const char *text)
{
	int room = clamp_width(width) - (int)strlen(indent);
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
		add_linef(out, width, attr, "%s%.*s", indent, cut, p);
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

static const char *const view_names[PT_NR_VIEWS] = {
	[PT_VIEW_SCHED] = "sched",
	[PT_VIEW_FAULT] = "faults",
	[PT_VIEW_BLOCK] = "block",
	[PT_VIEW_TCP] = "tcp",
	[PT_VIEW_FINDINGS] = "findings",
};

const char *pt_view_name(enum pt_view_id v)
{
	return v < PT_NR_VIEWS ? view_names[v] : "?";
}

enum pt_view_id pt_view_of_family(enum pt_family_id f)
{
	switch (f) {
	case PT_FAULT: return PT_VIEW_FAULT;
	case PT_BLOCK: return PT_VIEW_BLOCK;
	case PT_TCP: return PT_VIEW_TCP;
	default: return PT_VIEW_SCHED;
	}
}

void pt_view_state_init(struct pt_view_state *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < PT_NR_VIEWS; i++)
		st->sort[i] = -1;
}

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
	sanitize(buf);
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
	struct pt_line *l = add_line(out, PT_A_COLHDR);
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
	struct pt_line *l = add_line(out, PT_A_NORMAL);
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
		add_linef(out, width, PT_A_TITLE, "%s", t->title);
	err = t->fill(s, per_s, &rows);
	if (err) {
		add_linef(out, width, PT_A_WARN, "out of memory building rows");
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
		add_linef(out, width, PT_A_DIM, "  %s", *st->filter && t->tasks ?
			  "(nothing matches the filter)" :
			  "(no activity in this interval)");
	free(rows.v);
	return 0;
}

/* ------------------------------------------------------------- findings */

static const char *sev_name(enum pt_severity s)
{
	return s == PT_SEV_CRITICAL ? "CRITICAL" : s == PT_SEV_WARNING ?
						   "WARNING" : "OK";
}

static enum pt_attr sev_attr(enum pt_severity s)
{
	return s == PT_SEV_CRITICAL ? PT_A_CRIT : PT_A_WARN;
}

/* A finding's figure: three significant digits, never an exponent. */
static void fmt_value(double v, char *buf, size_t len)
{
	if (fabs(v) >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void fmt_culprit(const struct pt_culprit *c, const char *unit,
			char *buf, size_t len)
{
	char val[48] = "", num[32];

	if (c->value) {
		fmt_value(c->value, num, sizeof(num));
		snprintf(val, sizeof(val), " %s %s", num, unit);
	}
	switch (c->kind) {
	case PT_CULPRIT_DEV:
		snprintf(buf, len, "%s%s", c->dev, val);
		break;
	case PT_CULPRIT_CONN:
		snprintf(buf, len, "%s:%u -> %s:%u%s", c->saddr, c->sport,
			 c->daddr, c->dport, val);
		break;
	default:
		snprintf(buf, len, "%s (tid %u, tgid %u, cgroup %s)%s",
			 c->task.comm, c->task.pid, c->task.tgid,
			 c->task.cgroup[0] ? c->task.cgroup : "?", val);
	}
}

static void add_finding(struct pt_lines *out, const struct pt_finding *f,
			int width)
{
	char text[PT_MAX_CULPRITS * (PT_CGROUP_MAX + 96) + 16];
	char value[32], threshold[32];
	size_t used = 0;
	int i;

	fmt_value(f->value, value, sizeof(value));
	fmt_value(f->threshold, threshold, sizeof(threshold));
	add_linef(out, width, sev_attr(f->severity),
		  "%-8s %-8s %-22s %s %s (threshold %s %s)",
		  sev_name(f->severity), f->subsystem, f->rule, value, f->unit,
		  threshold, f->unit);
	add_wrapped(out, width, PT_A_NORMAL, "    ", f->summary);
	used = (size_t)snprintf(text, sizeof(text), "culprits:");
	for (i = 0; i < f->nr_culprits && used < sizeof(text); i++) {
		char one[PT_CGROUP_MAX + 96];

		fmt_culprit(&f->culprits[i], f->unit, one, sizeof(one));
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s",
					 i ? ";" : "", one);
	}
	if (f->nr_culprits)
		add_wrapped(out, width, PT_A_NORMAL, "    ", text);
	if (f->advice[0]) {
		snprintf(text, sizeof(text), "advice: %s", f->advice);
		add_wrapped(out, width, PT_A_NORMAL, "    ", text);
	}
}

static void add_findings(struct pt_lines *out, const struct pt_snapshot *s,
			 int width)
{
	size_t i;

	if (!s->findings.n) {
		add_linef(out, width, PT_A_DIM,
			  "  (no findings in this interval: no threshold crossed)");
		return;
	}
	for (i = 0; i < s->findings.n; i++) {
		if (i)
			add_linef(out, width, PT_A_NORMAL, "%s", "");
		add_finding(out, &s->findings.v[i], width);
	}
}

/* ----------------------------------------------------------------- body */

static enum pt_family_id view_family(enum pt_view_id v)
{
	switch (v) {
	case PT_VIEW_FAULT: return PT_FAULT;
	case PT_VIEW_BLOCK: return PT_BLOCK;
	case PT_VIEW_TCP: return PT_TCP;
	default: return PT_SCHED;
	}
}

/* A note instead of an empty table when the family did not run. */
static bool family_missing(const struct pt_view_ctx *ctx, enum pt_view_id v,
			   struct pt_lines *out, int width)
{
	enum pt_family_id f = view_family(v);
	const struct pt_probe_status *ps = ctx->hdr ? &ctx->hdr->probes[f] : NULL;

	if (ctx->snap->families & (1u << f))
		return false;
	if (ps && ps->requested && !ps->ok)
		add_linef(out, width, PT_A_WARN, "  %s probes are off: %s",
			  pt_family_name(f), ps->error[0] ? ps->error : "failed to start");
	else if (ps && !ps->requested)
		add_linef(out, width, PT_A_DIM,
			  "  %s probes were not requested (--probes)",
			  pt_family_name(f));
	else
		add_linef(out, width, PT_A_DIM, "  no %s data in this interval",
			  pt_family_name(f));
	return true;
}

int pt_view_body(const struct pt_view_ctx *ctx, const struct pt_view_state *st,
		 int width, struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;
	int err;

	width = clamp_width(width);
	if (!s) {
		add_linef(out, width, PT_A_DIM,
			  "  collecting the first interval...");
		return 0;
	}
	if (st->view == PT_VIEW_FINDINGS) {
		add_findings(out, s, width);
		return 0;
	}
	if (family_missing(ctx, st->view, out, width))
		return 0;
	if (st->view == PT_VIEW_BLOCK) {
		err = add_table(out, &bdev_table, s, st, width);
		if (err)
			return err;
		add_linef(out, width, PT_A_NORMAL, "%s", "");
	}
	return add_table(out, main_table[st->view], s, st, width);
}

/* --------------------------------------------------------------- header */

double pt_view_events_per_s(const struct pt_snapshot *s)
{
	double events = (double)(s->sched_sys.runq_count + s->fault_minor +
				 s->fault_major + s->tcp_conns.n);
	size_t i;

	for (i = 0; i < s->block_devs.n; i++)
		events += (double)(s->block_devs.v[i].read_ios +
				   s->block_devs.v[i].write_ios);
	return s->interval_ns ? events * 1e9 / (double)s->interval_ns : 0;
}

double pt_view_busy_from_sched(const struct pt_snapshot *s,
			       unsigned int nr_cpus)
{
	double cap = (double)s->interval_ns * nr_cpus;

	if (!(s->families & (1u << PT_SCHED)) || cap <= 0)
		return -1;
	return fmin(100.0, (double)s->sched_sys.oncpu_ns / cap * 100);
}

static void fmt_uptime(double up, char *buf, size_t len)
{
	long secs = (long)up, days = secs / 86400;

	if (up < 0)
		snprintf(buf, len, "-");
	else if (days)
		snprintf(buf, len, "%ldd %02ld:%02ld", days, secs % 86400 / 3600,
			 secs % 3600 / 60);
	else
		snprintf(buf, len, "%02ld:%02ld", secs / 3600, secs % 3600 / 60);
}

static void fmt_opt(double v, const char *fmt, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

static void fmt_interval(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%gs", (double)ns / 1e9);
}

static void header_live(const struct pt_view_ctx *ctx, int width,
			struct pt_lines *out)
{
	const struct pt_header *h = ctx->hdr;
	char up[32], load[16], busy[16], iv[16], clock[16] = "--:--:--";
	struct pt_line *l;

	fmt_uptime(ctx->uptime_s, up, sizeof(up));
	fmt_opt(ctx->load1, "%.2f", load, sizeof(load));
	fmt_opt(ctx->cpu_busy, "%.1f%%", busy, sizeof(busy));
	fmt_interval(ctx->interval_ns, iv, sizeof(iv));
	if (ctx->snap) {
		time_t t = (time_t)(ctx->snap->time_ns / 1000000000ull);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	}
	l = add_linef(out, width, PT_A_TITLE,
		      "perftop %s%s  %s  %s  up %s  load %s  cpu %s  interval %s",
		      clock, ctx->paused ? " [PAUSED]" : "", h->hostname,
		      h->kernel, up, load, busy, iv);
	highlight(l, "[PAUSED]", PT_A_MARK);
}

static void header_replay(const struct pt_view_ctx *ctx, int width,
			  struct pt_lines *out)
{
	const struct pt_header *h = ctx->hdr;
	char when[40], busy[16], iv[16];
	struct pt_line *l;

	pt_format_rfc3339(ctx->snap->time_ns, when, sizeof(when));
	fmt_opt(ctx->cpu_busy, "%.1f%%", busy, sizeof(busy));
	fmt_interval(ctx->snap->interval_ns, iv, sizeof(iv));
	l = add_linef(out, width, PT_A_TITLE,
		      "perftop replay %zu/%zu%s  recorded %s  %s  %s  cpu %s  interval %s",
		      ctx->pos + 1, ctx->count, ctx->paused ? "" : " [PLAYING]",
		      when, h->hostname, h->kernel, busy, iv);
	highlight(l, "[PLAYING]", PT_A_MARK);
}

static void header_pressure(const struct pt_view_ctx *ctx, int width,
			    struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;
	char cpu[16], mem[16], io[16], ev[16] = "-", p99[16] = "-";

	fmt_opt(s ? s->pressure.cpu : -1, "%.1f%%", cpu, sizeof(cpu));
	fmt_opt(s ? s->pressure.memory : -1, "%.1f%%", mem, sizeof(mem));
	fmt_opt(s ? s->pressure.io : -1, "%.1f%%", io, sizeof(io));
	if (s) {
		pt_fmt_count(pt_view_events_per_s(s), ev, sizeof(ev));
		if (s->families & (1u << PT_SCHED))
			pt_fmt_ns((double)s->sched_sys.runq_p99_ns, p99, sizeof(p99));
	}
	add_linef(out, width, PT_A_NORMAL,
		  "PSI some avg10: cpu %s mem %s io %s  events %s/s  runq p99 %s",
		  cpu, mem, io, ev, p99);
}

static void header_loss(const struct pt_view_ctx *ctx, int width,
			struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;
	char loss[160], probes[160];
	size_t used = 0;
	struct pt_line *l;
	int f;

	if (!s)
		snprintf(loss, sizeof(loss), "loss: -");
	else if (!pt_loss_total(&s->loss))
		snprintf(loss, sizeof(loss), "loss: none");
	else
		snprintf(loss, sizeof(loss),
			 "LOSS: ringbuf %llu map_full %llu storage %llu attach_failed %llu",
			 (unsigned long long)s->loss.ringbuf_drops,
			 (unsigned long long)s->loss.map_full,
			 (unsigned long long)s->loss.storage_fail,
			 (unsigned long long)s->loss.attach_failed);
	probes[0] = '\0';
	for (f = 0; f < PT_NR_FAMILIES; f++) {
		const struct pt_probe_status *ps = &ctx->hdr->probes[f];

		if (!ps->requested)
			continue;
		used += (size_t)snprintf(probes + used, sizeof(probes) - used,
					 " %s=%s", pt_family_name(f),
					 ps->ok ? ps->attach : "OFF");
		if (used >= sizeof(probes))
			break;
	}
	l = add_linef(out, width, PT_A_NORMAL, "%s  probes:%s", loss, probes);
	if (s && pt_loss_total(&s->loss))
		highlight(l, loss, PT_A_WARN);
}

static void header_banners(const struct pt_view_ctx *ctx, int width,
			   struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;
	size_t i, shown;

	if (!s)
		return;
	shown = s->findings.n;
	if (ctx->max_banners >= 0 && shown > (size_t)ctx->max_banners)
		shown = ctx->max_banners > 0 ? (size_t)ctx->max_banners - 1 : 0;
	for (i = 0; i < shown; i++) {
		const struct pt_finding *f = &s->findings.v[i];

		add_linef(out, width, sev_attr(f->severity), "%s %s: %s",
			  sev_name(f->severity), f->rule, f->summary);
	}
	if (shown < s->findings.n)
		add_linef(out, width, PT_A_WARN, "+%zu more findings: press 5",
			  s->findings.n - shown);
}

void pt_view_header(const struct pt_view_ctx *ctx, int width,
		    struct pt_lines *out)
{
	width = clamp_width(width);
	if (ctx->source && ctx->snap)
		header_replay(ctx, width, out);
	else
		header_live(ctx, width, out);
	header_pressure(ctx, width, out);
	header_loss(ctx, width, out);
	header_banners(ctx, width, out);
}

void pt_view_tabs(const struct pt_view_ctx *ctx,
		  const struct pt_view_state *st, int width,
		  struct pt_lines *out)
{
	size_t used = 0, nf = ctx->snap ? ctx->snap->findings.n : 0;
	int v, sel_start = 0, sel_len = 0;
	char tabs[128];
	struct pt_line *l;

	width = clamp_width(width);
	for (v = 0; v < PT_NR_VIEWS; v++) {
		int start = (int)used;

		if (v == PT_VIEW_FINDINGS && nf)
			used += (size_t)snprintf(tabs + used, sizeof(tabs) - used,
						 " 5 findings(%zu) ", nf);
		else
			used += (size_t)snprintf(tabs + used, sizeof(tabs) - used,
						 " %d %s ", v + 1, pt_view_name(v));
		if (v == (int)st->view) {
			sel_start = start;
			sel_len = (int)used - start;
		}
	}
	l = add_linef(out, width, PT_A_NORMAL, "%s  sort %s  %s%s%s%s", tabs,
		      st->view == PT_VIEW_FINDINGS ? "-" : pt_view_sort_name(st),
		      st->by_cgroup ? "by cgroup" : st->processes ? "processes" :
		      "threads", *st->filter ? "  filter '" : "", st->filter,
		      *st->filter ? "'" : "");
	if (!l || sel_start >= (int)strlen(l->text))
		return;
	l->hl_start = sel_start;
	l->hl_len = sel_len;
	if (sel_start + sel_len > (int)strlen(l->text))
		l->hl_len = (int)strlen(l->text) - sel_start;
	l->hl_attr = PT_A_TAB;
}
