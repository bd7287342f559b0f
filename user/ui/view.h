/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The view model of `perftop top`, `top -b` and `replay`: turns a snapshot
 * into lines of text already laid out for a given width (header, views,
 * findings).  The ncurses screen (tui.c) and batch mode both print these
 * lines, so the two can never drift apart.  Pure: no ncurses, no libbpf.
 *
 * Every line is plain printable ASCII (anything else in a comm or cgroup
 * becomes '?'), one byte per column, and never wider than the width asked
 * for, which is what lets the screen promise "no line wider than the
 * terminal".
 */
#ifndef PT_VIEW_H
#define PT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define PT_LINE_MAX 512		/* widest line we lay out, NUL included */
#define PT_FILTER_MAX 64

enum pt_view_id {
	PT_VIEW_SCHED = 0,
	PT_VIEW_FAULT,
	PT_VIEW_BLOCK,
	PT_VIEW_TCP,
	PT_VIEW_FINDINGS,
	PT_VIEW_CGROUPS,	/* family cgroup: limits of the cgroups in view */
	PT_NR_VIEWS,
};

/* How a line (or a span of it) should look; the screen maps these to
 * colours, or to bold/reverse when there are none. */
enum pt_attr {
	PT_A_NORMAL = 0,
	PT_A_TITLE,		/* first header line, section titles */
	PT_A_COLHDR,		/* column names */
	PT_A_SORT,		/* the sort column's name */
	PT_A_TAB,		/* the selected view in the tab line */
	PT_A_WARN,		/* warning finding, non-zero loss */
	PT_A_CRIT,		/* critical finding */
	PT_A_DIM,		/* notes: "no activity", "probe is off" */
	PT_A_MARK,		/* [PAUSED], [PLAYING] */
};

struct pt_line {
	char text[PT_LINE_MAX];
	enum pt_attr attr;
	int hl_start, hl_len;	/* one highlighted span; hl_len 0: none */
	enum pt_attr hl_attr;
};

struct pt_lines {
	struct pt_line *v;
	size_t n, cap;
};

void pt_lines_reset(struct pt_lines *l);
void pt_lines_free(struct pt_lines *l);

/* What the user chose: view, sort column per view, filter, grouping. */
struct pt_view_state {
	enum pt_view_id view;
	int sort[PT_NR_VIEWS];		/* column index; -1: the view's default */
	char filter[PT_FILTER_MAX];	/* substring of comm/cgroup; "" none */
	bool processes;			/* H: threads merged by tgid */
	bool by_cgroup;			/* c: tasks merged by cgroup */
};

void pt_view_state_init(struct pt_view_state *st);

/* Everything the header shows besides the snapshot itself. */
struct pt_view_ctx {
	const struct pt_header *hdr;	/* host, kernel, probes */
	const struct pt_snapshot *snap;	/* NULL: first interval still running */
	const char *source;		/* replay: the file; NULL when live */
	size_t pos, count;		/* replay: snapshot index, how many */
	double uptime_s, load1;		/* live only; < 0: unknown */
	double cpu_busy;		/* percent of all CPUs; < 0: unknown */
	uint64_t interval_ns;		/* live: the interval in use */
	bool paused;			/* live: frozen; replay: not playing */
	int max_banners;		/* finding lines in the header */
};

/* Header: machine line, pressure/events line, loss/probes line, one banner
 * line per finding (at most ctx->max_banners, then a "+N more" line). */
void pt_view_header(const struct pt_view_ctx *ctx, int width,
		    struct pt_lines *out);
/* The view selector, with sort/grouping/filter state on the right. */
void pt_view_tabs(const struct pt_view_ctx *ctx,
		  const struct pt_view_state *st, int width,
		  struct pt_lines *out);
/* The selected view's body: column header line(s) and rows.  Returns
 * -ENOMEM when rows could not be allocated (a note line says so). */
int pt_view_body(const struct pt_view_ctx *ctx, const struct pt_view_state *st,
		 int width, struct pt_lines *out);

/* Names for the tab line, help and batch titles. */
const char *pt_view_name(enum pt_view_id v);
/* The view that shows a family's data. */
enum pt_view_id pt_view_of_family(enum pt_family_id f);

/* Move the sort column of the current view by dir (+1 / -1), over the
 * columns visible in the current grouping mode. */
void pt_view_sort_step(struct pt_view_state *st, int dir);
/* Name of the current view's sort column ("" for the findings view). */
const char *pt_view_sort_name(const struct pt_view_state *st);

/* Figures computed from a snapshot, shared by header and batch. */
double pt_view_events_per_s(const struct pt_snapshot *s);
/* CPU busy percent from the scheduler's own on-CPU time; < 0 without it. */
double pt_view_busy_from_sched(const struct pt_snapshot *s,
			       unsigned int nr_cpus);

/* Compact number formats used in every column (exported for tests). */
void pt_fmt_ns(double ns, char *buf, size_t len);
void pt_fmt_count(double v, char *buf, size_t len);
void pt_fmt_bytes(double v, char *buf, size_t len);

#endif /* PT_VIEW_H */
