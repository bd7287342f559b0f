// SPDX-License-Identifier: GPL-2.0
/*
 * perftop top: the live view (ncurses) and batch mode (top -b).  Data
 * comes from the collector, drawing from tui.c/view.c; this file is the
 * loop between them.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "collector.h"
#include "commands.h"
#include "sysinfo.h"
#include "top.h"
#include "tui.h"
#include "util.h"

/* How often the ring buffers are drained even when nothing wakes us. */
#define DRAIN_MS 100
#define BATCH_WIDTH 160

/* Interval steps for + and -, in ms. */
static const unsigned int interval_steps_ms[] = {
	100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000,
};

/* One interval as shown: the snapshot plus the machine figures read at
 * the same moment, so a paused screen freezes all of them together. */
struct frame {
	struct pt_snapshot snap;
	bool have;
	double uptime, load1, busy;
};

static void frame_machine(struct frame *f, struct pt_cpu_times *prev)
{
	struct pt_cpu_times now;

	f->uptime = pt_read_uptime();
	f->load1 = pt_read_loadavg1();
	f->busy = -1;
	if (pt_read_cpu_times(&now))
		return;
	if (now.total > prev->total)
		f->busy = (double)(now.busy - prev->busy) * 100 /
			  (double)(now.total - prev->total);
	*prev = now;
}

static void frame_ctx(const struct frame *f, const struct pt_collector *c,
		      bool paused, struct pt_view_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->hdr = &c->header;
	ctx->snap = f->have ? &f->snap : NULL;
	ctx->uptime_s = f->have ? f->uptime : pt_read_uptime();
	ctx->load1 = f->have ? f->load1 : pt_read_loadavg1();
	ctx->cpu_busy = f->have ? f->busy : -1;
	ctx->interval_ns = c->interval_ns;
	ctx->paused = paused;
	ctx->max_banners = -1;
}

/* ------------------------------------------------------------ batch */

int pt_batch_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	long w;

	if (env && (w = strtol(env, NULL, 10)) > 0)
		return w < PT_LINE_MAX - 1 ? (int)w : PT_LINE_MAX - 1;
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ws.ws_col > 0)
		return ws.ws_col;
	return BATCH_WIDTH;
}

static void print_lines(FILE *out, const struct pt_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		fprintf(out, "%s\n", l->v[i].text);
}

/* One batch screen: header, then every requested family's view, then the
 * findings; the same lines the interactive views show. */
int pt_batch_screen(FILE *out, const struct pt_view_ctx *ctx, int width)
{
	static const enum pt_view_id views[] = {
		PT_VIEW_SCHED, PT_VIEW_FAULT, PT_VIEW_BLOCK, PT_VIEW_TCP,
	};
	struct pt_view_state st;
	struct pt_lines lines = { 0 };
	size_t i;

	pt_view_state_init(&st);
	pt_view_header(ctx, width, &lines);
	print_lines(out, &lines);
	for (i = 0; i < PT_ARRAY_SIZE(views); i++) {
		enum pt_family_id fam = (enum pt_family_id)i;

		if (!ctx->hdr->probes[fam].requested)
			continue;
		st.view = views[i];
		pt_lines_reset(&lines);
		pt_view_body(ctx, &st, width, &lines);
		fprintf(out, "\n[%s]\n", pt_view_name(views[i]));
		print_lines(out, &lines);
	}
	if (ctx->hdr->probes[PT_CGROUP].requested) {
		st.view = PT_VIEW_CGROUPS;
		pt_lines_reset(&lines);
		pt_view_body(ctx, &st, width, &lines);
		fprintf(out, "\n[%s]\n", pt_view_name(PT_VIEW_CGROUPS));
		print_lines(out, &lines);
	}
	if (ctx->snap && ctx->snap->findings.n) {
		st.view = PT_VIEW_FINDINGS;
		pt_lines_reset(&lines);
		pt_view_body(ctx, &st, width, &lines);
		fprintf(out, "\n[%s]\n", pt_view_name(PT_VIEW_FINDINGS));
		print_lines(out, &lines);
	}
	fputc('\n', out);
	pt_lines_free(&lines);
	if (fflush(out) || ferror(out)) {
		/* the reader went away (top -b | head): end quietly, as top does */
		if (errno == EPIPE)
			return 1;
		pt_err("writing to standard output failed: %s: check the pipe or disk",
		       strerror(errno));
		return -EIO;
	}
	return 0;
}

static uint64_t end_time(const struct pt_collector *c, const struct pt_opts *o)
{
	return o->duration_set ?
		c->interval_start + (uint64_t)(o->duration_s * 1e9) : UINT64_MAX;
}

struct batch_ctx {
	struct pt_collector *c;
	const struct pt_opts *o;
	struct pt_cpu_times cpu;
	struct frame f;
	int width;
	long count;
};

static int batch_screen(struct pt_snapshot *s, void *arg)
{
	struct batch_ctx *b = arg;
	struct pt_view_ctx ctx;
	int err;

	/* the frame shows the collector's snapshot: swap, don't copy */
	b->f.snap = *s;
	b->f.have = true;
	frame_machine(&b->f, &b->cpu);
	frame_ctx(&b->f, b->c, false, &ctx);
	err = pt_batch_screen(stdout, &ctx, b->width);
	pt_snapshot_init(&b->f.snap);
	if (err)
		return err;
	return ++b->count == b->o->count;	/* 1: enough screens */
}

static int top_batch(struct pt_collector *c, const struct pt_opts *o)
{
	struct batch_ctx b = { .c = c, .o = o, .width = pt_batch_width() };

	pt_read_cpu_times(&b.cpu);
	return pt_collector_run(c, o, &pt_stop, batch_screen, &b);
}

/* ------------------------------------------------------------- live */

static void step_interval(struct pt_collector *c, int dir)
{
	unsigned int cur = (unsigned int)(c->interval_ns / 1000000);
	size_t i, n = PT_ARRAY_SIZE(interval_steps_ms);
	unsigned int next = cur;

	if (dir > 0) {
		for (i = 0; i < n && next == cur; i++)
			if (interval_steps_ms[i] > cur)
				next = interval_steps_ms[i];
	} else {
		for (i = n; i-- > 0 && next == cur;)
			if (interval_steps_ms[i] < cur)
				next = interval_steps_ms[i];
	}
	if (next != cur)
		pt_collector_set_interval(c, (uint64_t)next * 1000000);
}

static int poll_timeout_ms(const struct pt_collector *c, uint64_t end)
{
	uint64_t now = pt_now_mono_ns(), until = c->deadline < end ?
						  c->deadline : end;
	uint64_t ms = until > now ? (until - now + 999999) / 1000000 : 0;

	return ms < DRAIN_MS ? (int)ms : DRAIN_MS;
}

struct live {
	struct pt_collector *c;
	struct pt_tui t;
	struct frame shown, latest;	/* latest: collected while paused */
	struct pt_cpu_times cpu;
	bool quit;
};

static void show_latest(struct live *l)
{
	struct frame tmp;

	if (!l->latest.have || (l->shown.have &&
				l->latest.snap.seq <= l->shown.snap.seq))
		return;
	tmp = l->shown;
	l->shown = l->latest;
	l->latest = tmp;
}

/* Keys pending on stdin; true when something changed on screen. */
static bool handle_keys(struct live *l)
{
	bool dirty = false;
	int ch;

	while ((ch = pt_tui_getch()) >= 0) {
		switch (pt_tui_key(&l->t, ch)) {
		case PT_ACT_NONE:
			continue;
		case PT_ACT_QUIT:
			l->quit = true;
			return dirty;
		case PT_ACT_PAUSE:
			if (!l->t.paused)
				show_latest(l);
			break;
		case PT_ACT_LONGER:
			step_interval(l->c, 1);
			break;
		case PT_ACT_SHORTER:
			step_interval(l->c, -1);
			break;
		default:
			break;
		}
		dirty = true;
	}
	return dirty;
}

static void draw(struct live *l)
{
	struct pt_view_ctx ctx;

	frame_ctx(&l->shown, l->c, l->t.paused, &ctx);
	pt_tui_draw(&l->t, &ctx);
}

static int take_snapshot(struct live *l)
{
	int err = pt_collector_snapshot(l->c, &l->latest.snap);

	if (err)
		return err;
	l->latest.have = true;
	frame_machine(&l->latest, &l->cpu);
	if (!l->t.paused)
		show_latest(l);
	return 0;
}

static int live_loop(struct live *l, const struct pt_opts *o)
{
	struct pollfd fds[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = pt_collector_fd(l->c), .events = POLLIN },
	};
	uint64_t end = end_time(l->c, o);
	bool dirty = true;
	int err = 0;

	while (!err && !l->quit && !pt_stop) {
		uint64_t now = pt_now_mono_ns();

		if (dirty)
			draw(l);
		dirty = false;
		if (now >= l->c->deadline || now >= end) {
			err = take_snapshot(l);
			dirty = true;
			if (now >= end)
				break;
			continue;
		}
		/* EINTR (SIGWINCH, SIGINT) just ends the wait early */
		poll(fds, fds[1].fd >= 0 ? 2 : 1, poll_timeout_ms(l->c, end));
		/* the terminal went away without a SIGHUP: nobody to draw for */
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		pt_collector_drain(l->c);
		dirty |= handle_keys(l);
	}
	return err;
}

#define FIRST_INTERVAL_NS 250000000ull

static int top_live(struct pt_collector *c, const struct pt_opts *o)
{
	struct live l = { .c = c };
	int err;

	pt_snapshot_init(&l.shown.snap);
	pt_snapshot_init(&l.latest.snap);
	pt_read_cpu_times(&l.cpu);
	/* Fill the first screen quickly: a short first interval, then the
	 * chosen cadence (rates are per second of each interval's length). */
	if (c->interval_ns > FIRST_INTERVAL_NS)
		c->deadline = c->interval_start + FIRST_INTERVAL_NS;
	err = pt_tui_start(&l.t, false);
	if (!err) {
		err = live_loop(&l, o);
		pt_tui_stop(&l.t);
	}
	pt_snapshot_free(&l.shown.snap);
	pt_snapshot_free(&l.latest.snap);
	return err;
}

static int top_check(struct pt_opts *o)
{
	if (o->count && !o->batch) {
		pt_err("--count needs batch mode: perftop top -b -n COUNT");
		return -EINVAL;
	}
	return 0;
}

int pt_cmd_top(const struct pt_opts *o)
{
	struct pt_collector c;
	int err;

	pt_install_stop_signals();
	if (!o->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		pt_err("the interactive view needs a terminal: use perftop top -b for plain text");
		return PT_EXIT_USAGE;
	}
	/* quiet: a family that fails is shown in the header, not on stderr */
	err = pt_collector_start(&c, o, !o->batch);
	if (err)	/* a bad --config is bad usage, like a bad flag */
		return err == PT_ERR_CONFIG ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	err = o->batch ? top_batch(&c, o) : top_live(&c, o);
	pt_collector_stop(&c);
	return err ? PT_EXIT_FAIL : PT_EXIT_OK;
}

const struct pt_command pt_command_top = {
	.name = "top",
	.run = pt_cmd_top,
	.overview =
"  top                  interactive top-style view (the default command)\n"
"  top -b [-n COUNT]    batch mode: plain-text screens on stdout, like top -b\n",
	.usage =
"Usage: perftop [top] [OPTIONS]\n"
"       perftop top -b [-n COUNT] [OPTIONS]\n"
"\n"
"The live view, like top: one screen per interval, a view per probe family\n"
"(1-4) and the findings (5), sortable, filterable, threads merged into\n"
"processes (H) or cgroups (c); ? lists the keys.  With -b, plain-text\n"
"screens on stdout instead, for logs and pipes.\n",
	.options = "duration interval pid cgroup probes tcp-owner config batch count verbose",
	.needs_privileges = true,
	.check = top_check,
};
