// SPDX-License-Identifier: GPL-2.0
/*
 * perftop replay FILE: the top view over a recorded trace, stepping through
 * its intervals.  Reads the file only: no BPF, no root needed.  When stdout
 * is not a terminal it prints every interval as batch text instead.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "top.h"
#include "trace.h"
#include "tui.h"
#include "util.h"

struct replay {
	const struct pt_recording *rec;
	const char *file;
	struct pt_tui t;
	size_t pos;
	uint64_t next_step;	/* playing: when to advance (CLOCK_MONOTONIC) */
	bool quit;
};

static void replay_ctx(const struct pt_recording *rec, const char *file,
		       size_t pos, bool paused, struct pt_view_ctx *ctx)
{
	const struct pt_snapshot *s = &rec->snaps[pos];

	memset(ctx, 0, sizeof(*ctx));
	ctx->hdr = &rec->header;
	ctx->snap = s;
	ctx->source = file;
	ctx->pos = pos;
	ctx->count = rec->nr_snaps;
	ctx->uptime_s = ctx->load1 = -1;
	ctx->cpu_busy = pt_view_busy_from_sched(s, rec->header.nr_cpus);
	ctx->interval_ns = s->interval_ns;
	ctx->paused = paused;
	ctx->max_banners = -1;
}

static int replay_batch(const struct pt_recording *rec, const char *file)
{
	int width = pt_batch_width(), err = 0;
	struct pt_view_ctx ctx;
	size_t i;

	for (i = 0; i < rec->nr_snaps && !err && !pt_stop; i++) {
		replay_ctx(rec, file, i, true, &ctx);
		err = pt_batch_screen(stdout, &ctx, width);
	}
	return err < 0 ? err : 0;	/* 1: the reader closed the pipe */
}

/* Index of the next (dir +1) or previous (-1) interval with a finding. */
static bool find_finding(const struct pt_recording *rec, size_t from, int dir,
			 size_t *out)
{
	size_t i = from;

	while (dir > 0 ? i + 1 < rec->nr_snaps : i > 0) {
		i = dir > 0 ? i + 1 : i - 1;
		if (rec->snaps[i].findings.n) {
			*out = i;
			return true;
		}
	}
	return false;
}

static uint64_t step_ns(const struct replay *r)
{
	uint64_t iv = r->rec->snaps[r->pos].interval_ns;

	return iv ? iv : r->rec->header.interval_ns;
}

static void move_to(struct replay *r, enum pt_tui_action act)
{
	size_t last = r->rec->nr_snaps - 1, to = r->pos;

	switch (act) {
	case PT_ACT_PREV: to = r->pos ? r->pos - 1 : 0; break;
	case PT_ACT_NEXT: to = r->pos < last ? r->pos + 1 : last; break;
	case PT_ACT_FIRST: to = 0; break;
	case PT_ACT_LAST: to = last; break;
	case PT_ACT_NEXT_FINDING:
	case PT_ACT_PREV_FINDING:
		if (!find_finding(r->rec, r->pos,
				  act == PT_ACT_NEXT_FINDING ? 1 : -1, &to))
			snprintf(r->t.msg, sizeof(r->t.msg),
				 "no %s interval with a finding",
				 act == PT_ACT_NEXT_FINDING ? "later" : "earlier");
		break;
	default:
		break;
	}
	if (to != r->pos)
		r->t.scroll = 0;
	r->pos = to;
}

static void handle_keys(struct replay *r)
{
	enum pt_tui_action act;
	int ch;

	while ((ch = pt_tui_getch()) >= 0) {
		act = pt_tui_key(&r->t, ch);
		if (act == PT_ACT_QUIT) {
			r->quit = true;
			return;
		}
		if (act == PT_ACT_PAUSE && !r->t.paused) {
			if (r->pos + 1 >= r->rec->nr_snaps)
				r->pos = 0;	/* play again from the start */
			r->next_step = pt_now_mono_ns() + step_ns(r);
		}
		move_to(r, act);
	}
}

/* Playing: advance at the recorded pace, stop on the last interval. */
static void play(struct replay *r)
{
	if (r->t.paused || pt_now_mono_ns() < r->next_step)
		return;
	if (r->pos + 1 >= r->rec->nr_snaps) {
		r->t.paused = true;
		return;
	}
	r->pos++;
	r->next_step += step_ns(r);
}

static int wait_ms(const struct replay *r)
{
	uint64_t now = pt_now_mono_ns();

	if (r->t.paused)
		return -1;
	return r->next_step > now ? (int)((r->next_step - now + 999999) / 1000000) : 0;
}

static void replay_loop(struct replay *r)
{
	struct pollfd fd = { .fd = STDIN_FILENO, .events = POLLIN };
	struct pt_view_ctx ctx;

	while (!r->quit && !pt_stop) {
		replay_ctx(r->rec, r->file, r->pos, r->t.paused, &ctx);
		pt_tui_draw(&r->t, &ctx);
		/* EINTR (SIGWINCH, SIGINT) just ends the wait early */
		poll(&fd, 1, wait_ms(r));
		if (fd.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;	/* the terminal went away */
		handle_keys(r);
		play(r);
	}
}

int pt_cmd_replay(const struct pt_opts *o)
{
	struct pt_recording rec;
	struct replay r = { .rec = &rec, .file = o->file };
	struct pt_range range = { .from_ns = o->from_ns, .to_ns = o->to_ns };
	int err;

	pt_install_stop_signals();
	if (pt_recording_load_range(o->file, &range, &rec))
		return PT_EXIT_FAIL;
	if (!rec.nr_snaps) {
		pt_err("%s holds no snapshots: record at least one interval (perftop record -d SEC -o FILE)",
		       o->file);
		pt_recording_free(&rec);
		return PT_EXIT_FAIL;
	}
	if (!isatty(STDOUT_FILENO)) {
		err = replay_batch(&rec, o->file);
	} else {
		err = pt_tui_start(&r.t, true);
		if (!err) {
			replay_loop(&r);
			pt_tui_stop(&r.t);
		}
	}
	pt_recording_free(&rec);
	return err ? PT_EXIT_FAIL : PT_EXIT_OK;
}

const struct pt_command pt_command_replay = {
	.name = "replay",
	.run = pt_cmd_replay,
	.overview =
"  replay FILE|DIR      the interactive view over a recorded trace\n",
	.usage =
"Usage: perftop replay FILE|DIR [--from TIME] [--to TIME]\n"
"\n"
"The top view over a recorded trace (a file, or a serve --record-dir),\n"
"interval by interval at the recorded times; when stdout is not a\n"
"terminal, every interval as batch text.  Reads files only: no privileges.\n",
	.options = "from to",
	.operand = "a trace FILE or recording DIR: perftop replay FILE (.json, .json.gz, or a serve --record-dir)",
};
