/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interactive screen of `perftop top` and `perftop replay`: ncurses
 * drawing and key handling only.  It prints the lines the view model
 * (view.h) lays out and never touches libbpf; the commands own the data
 * and react to the actions keys return.
 */
#ifndef PT_TUI_H
#define PT_TUI_H

#include <stdbool.h>

#include "view.h"

/* What a key asks of the command running the screen. */
enum pt_tui_action {
	PT_ACT_NONE = 0,	/* nothing, not even a redraw */
	PT_ACT_REDRAW,		/* view state changed: draw again */
	PT_ACT_QUIT,
	PT_ACT_PAUSE,		/* t->paused was toggled */
	PT_ACT_LONGER,		/* live: + */
	PT_ACT_SHORTER,		/* live: - */
	PT_ACT_PREV,		/* replay: one interval back */
	PT_ACT_NEXT,
	PT_ACT_FIRST,
	PT_ACT_LAST,
	PT_ACT_NEXT_FINDING,
	PT_ACT_PREV_FINDING,
};

struct pt_tui {
	struct pt_view_state vs;
	bool replay;
	bool paused;		/* live: frozen screen; replay: not playing */
	bool help;		/* help overlay shown */
	bool editing;		/* typing a filter after '/' */
	bool color;
	int scroll;		/* first body line shown */
	int body_rows;		/* body lines that fit, at the last draw */
	char msg[96];		/* one-shot note on the status line */
	struct pt_lines head, body;
};

/*
 * Take over the terminal (stdin/stdout must be one).  From here until
 * pt_tui_stop() stderr goes to a buffer that is printed after the screen
 * is restored, so messages neither smear the screen nor get lost; a crash
 * signal restores the terminal before the default action.  -errno with
 * one error line printed.
 */
int pt_tui_start(struct pt_tui *t, bool replay);
void pt_tui_stop(struct pt_tui *t);

/* Draw one frame: erase, lay out for the current size, update once. */
void pt_tui_draw(struct pt_tui *t, const struct pt_view_ctx *ctx);

/* Next pending key without waiting; -1 when there is none. */
int pt_tui_getch(void);
/* Apply one key to the screen state; what the command must do. */
enum pt_tui_action pt_tui_key(struct pt_tui *t, int ch);

#endif /* PT_TUI_H */
