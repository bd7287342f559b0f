// SPDX-License-Identifier: GPL-2.0
/*
 * What each per-task view shows: its record type, its identity columns,
 * and its default sort.  The value columns (WAIT/s, P99, ...) come from
 * the record type's field table (model/fields.c): a field with a .col or
 * .rate_col is a column of its view, in .pos order.
 */
#include <stdio.h>
#include <string.h>

#include "view_columns.h"

/* Who a task row is; the numbers say which goes first when narrow. */
#define TASK_COLS(tid_drop, tgid_drop, cgroup_drop) \
	{ .name = "TID", .kind = VC_TID, .width = 7, .drop = tid_drop }, \
	{ .name = "TGID", .kind = VC_TGID, .width = 7, .drop = tgid_drop }, \
	{ .name = "COMMAND", .kind = VC_COMM, .width = 15 }, \
	{ .name = "CGROUP", .kind = VC_CGROUP, .width = 8, \
	  .drop = cgroup_drop, .flex = true }

static void bdev_text(const void *rec, char text[2][VIEW_TEXT_MAX])
{
	snprintf(text[0], VIEW_TEXT_MAX, "%s",
		 ((const struct pt_block_dev *)rec)->dev);
}

static void fmt_endpoint(char *buf, size_t len, int family, const char *addr,
			 uint16_t port)
{
	if (family == 6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

static void tcp_text(const void *rec, char text[2][VIEW_TEXT_MAX])
{
	const struct pt_tcp_conn *c = rec;

	fmt_endpoint(text[0], VIEW_TEXT_MAX, c->family, c->saddr, c->sport);
	fmt_endpoint(text[1], VIEW_TEXT_MAX, c->family, c->daddr, c->dport);
}

static void site_text(const void *rec, char text[2][VIEW_TEXT_MAX])
{
	const struct pt_sched_site *x = rec;

	snprintf(text[0], VIEW_TEXT_MAX, "%s", x->wait);
	snprintf(text[1], VIEW_TEXT_MAX, "%s", x->site);
}

/* A view's table before its value columns are added from the fields. */
struct view_def {
	const char *title;
	const struct pt_record_type *rt;
	struct vcol ids[8];		/* identity columns, name-terminated */
	const char *sort, *tie;		/* column names */
	bool tasks;
	bool filtered;
	const char *unit;
	void (*text)(const void *rec, char text[2][VIEW_TEXT_MAX]);
};

/* A long string's end, which names it best ("..." and the last part). */
static void tail_text(char *buf, const char *s)
{
	size_t n = strlen(s);

	if (n < VIEW_TEXT_MAX)
		memcpy(buf, s, n + 1);
	else
		snprintf(buf, VIEW_TEXT_MAX, "...%s", s + n - (VIEW_TEXT_MAX - 4));
}

/* The cgroup's path, and who runs there (container, pod, unit). */
static void cgroup_text(const void *rec, char text[2][VIEW_TEXT_MAX])
{
	const struct pt_cgroup *g = rec;

	tail_text(text[0], g->path);
	tail_text(text[1], g->container);
}

enum { T_SCHED, T_FAULT, T_BDEV, T_BTASK, T_TCP, T_SITES, T_CGROUP, T_NR };

static const struct view_def defs[T_NR] = {
	[T_SCHED] = {
		.rt = &pt_rec_sched_tasks, .ids = { TASK_COLS(3, 4, 1) },
		.sort = "WAIT/s", .tie = "CPU%", .tasks = true,
	},
	[T_FAULT] = {
		.rt = &pt_rec_fault_tasks, .ids = { TASK_COLS(3, 4, 1) },
		.sort = "MAJ/s", .tie = "MIN/s", .tasks = true,
	},
	[T_BDEV] = {
		.title = "Devices", .rt = &pt_rec_block_devs,
		.ids = { { .name = "DEVICE", .kind = VC_TEXT0, .width = 8,
			   .flex = true } },
		.text = bdev_text,
	},
	[T_BTASK] = {
		.title = "Issuing tasks", .rt = &pt_rec_block_tasks,
		.ids = { TASK_COLS(3, 4, 1) },
		.sort = "IO/s", .tie = "READ/s", .tasks = true,
	},
	/* below the scheduler's threads: where the longest blocked ones
	 * waited in the kernel, in the order collection kept them */
	[T_SITES] = {
		.title = "Wait sites", .rt = &pt_rec_sched_sites,
		.ids = { TASK_COLS(3, 4, 1),
			 { .name = "WAIT", .kind = VC_TEXT0, .width = 5 },
			 { .name = "SITE", .kind = VC_TEXT1, .width = 20,
			   .flex = true } },
		.text = site_text,
		/* a filter on a command or cgroup keeps its wait sites */
		.filtered = true,
	},
	[T_TCP] = {
		.rt = &pt_rec_tcp_conns,
		.ids = { TASK_COLS(5, 0, 6),
			 { .name = "LOCAL", .kind = VC_TEXT0, .width = 12,
			   .flex = true },
			 { .name = "REMOTE", .kind = VC_TEXT1, .width = 12,
			   .flex = true } },
		.sort = "TX/s", .tie = "RX/s", .tasks = true, .unit = "conns",
		.text = tcp_text,
	},
	[T_CGROUP] = {
		.rt = &pt_rec_cgroups,
		.ids = { { .name = "CGROUP", .kind = VC_TEXT0, .width = 16,
			   .flex = true },
			 { .name = "CONTAINER", .kind = VC_TEXT1, .width = 10,
			   .drop = 5, .flex = true } },
		.sort = "THR/s", .tie = "CPU%", .text = cgroup_text,
	},
};

static enum pt_colfmt auto_fmt(const struct pt_field *f, const struct pt_col *c)
{
	if (c->fmt != PT_CF_AUTO)
		return c->fmt;
	switch (f->unit) {
	case PT_UNIT_NS:
	case PT_UNIT_US: return PT_CF_NS;
	case PT_UNIT_BYTES: return PT_CF_BYTES;
	case PT_UNIT_PCT: return PT_CF_PCT;
	case PT_UNIT_FLAGS: return PT_CF_FLAGS;
	default: return PT_CF_COUNT;
	}
}

static int col_named(const struct vtable *t, const char *name)
{
	int i;

	for (i = 0; name && i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return i;
	return -1;
}

/* Identity columns, then each field's columns in .pos order (0 last, in
 * table order). */
static void build(struct vtable *t, const struct view_def *d)
{
	const struct pt_record_type *rt = d->rt;
	int pos, i;
	size_t f;

	t->title = d->title;
	t->rt = rt;
	t->tasks = d->tasks;
	t->filtered = d->tasks || d->filtered;
	t->unit = d->unit;
	t->text = d->text;
	t->ncols = 0;
	for (i = 0; d->ids[i].name; i++)
		t->cols[t->ncols++] = d->ids[i];
	for (pos = 1; pos <= 256; pos++) {
		for (f = 0; f < rt->nr_fields; f++) {
			const struct pt_field *fd = &rt->fields[f];
			const struct pt_col *cs[2] = { &fd->rate_col, &fd->col };
			int k;

			for (k = 0; k < 2; k++) {
				const struct pt_col *c = cs[k];
				struct vcol *v;

				if (!c->title || (c->pos ? c->pos : 256) != pos ||
				    t->ncols >= VIEW_MAX_COLS)
					continue;
				v = &t->cols[t->ncols++];
				*v = (struct vcol){
					.name = c->title, .kind = VC_VALUE,
					.width = c->width, .drop = c->drop,
					.field = (int)f, .rate = k == 0,
					.fmt = auto_fmt(fd, c),
					.letters = c->letters,
				};
			}
		}
	}
	t->default_sort = col_named(t, d->sort);
	t->tie_sort = col_named(t, d->tie);
}

static const struct vtable *table(int id)
{
	static struct vtable built[T_NR];
	static bool done;
	int i;

	if (!done) {
		for (i = 0; i < T_NR; i++)
			build(&built[i], &defs[i]);
		done = true;
	}
	return &built[id];
}

const struct vtable *view_main_table(enum pt_view_id v)
{
	switch (v) {
	case PT_VIEW_SCHED: return table(T_SCHED);
	case PT_VIEW_FAULT: return table(T_FAULT);
	case PT_VIEW_BLOCK: return table(T_BTASK);
	case PT_VIEW_TCP: return table(T_TCP);
	case PT_VIEW_CGROUPS: return table(T_CGROUP);
	default: return NULL;
	}
}

const struct vtable *view_device_table(void)
{
	return table(T_BDEV);
}

const struct vtable *view_site_table(void)
{
	return table(T_SITES);
}
