// SPDX-License-Identifier: GPL-2.0
/*
 * ncurses screen for top and replay.  One frame = erase() + draw into the
 * virtual screen + one doupdate(), so the terminal only ever sees the
 * difference between two complete frames (no flicker).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <curses.h>

#include "tui.h"
#include "util.h"

/* Esc must close the help at once, not after ncurses' default 1 s. */
#define ESC_DELAY_MS 25
#define MAX_BANNERS 4

/* Where the real stderr went while the screen owns the terminal. */
static int saved_stderr = -1;
static int captured_stderr = -1;
static SCREEN *screen;

enum { KEY_ESC = 27, KEY_CTRL_U = 21 };

/* ------------------------------------------------------------- keys help */

enum { LIVE = 1, REPLAY = 2, BOTH = 3 };

struct key_help {
	const char *keys, *what;
	int modes;
};

/* The help overlay; every entry here is handled in pt_tui_key(). */
static const struct key_help key_help[] = {
	{ .keys = "1 2 3 4 5", .what = "view: sched, faults, block, tcp, findings",
	  .modes = BOTH },
	{ .keys = "Tab  S-Tab", .what = "next / previous view",
	  .modes = BOTH },
	{ .keys = "<  >  F6", .what = "sort column: previous / next",
	  .modes = BOTH },
	{ .keys = "/", .what = "filter: command or cgroup (Enter keeps, Esc clears)",
	  .modes = BOTH },
	{ .keys = "H", .what = "threads / processes (threads merged by TGID)",
	  .modes = BOTH },
	{ .keys = "c", .what = "group by cgroup on / off",
	  .modes = BOTH },
	{ .keys = "Up Down PgUp PgDn", .what = "scroll",
	  .modes = BOTH },
	{ .keys = "Home  End", .what = "top / bottom of the list",
	  .modes = LIVE },
	{ .keys = "p  Space", .what = "pause the screen (collection goes on)",
	  .modes = LIVE },
	{ .keys = "+  -", .what = "interval longer / shorter (0.1 s to 60 s)",
	  .modes = LIVE },
	{ .keys = "Left  Right  , .", .what = "one interval back / forward",
	  .modes = REPLAY },
	{ .keys = "Home  End  g  G", .what = "first / last interval",
	  .modes = REPLAY },
	{ .keys = "n  N", .what = "next / previous interval with a finding",
	  .modes = REPLAY },
	{ .keys = "p  Space", .what = "play / pause (at the recorded pace)",
	  .modes = REPLAY },
	{ .keys = "?  h", .what = "this help (any key closes it)",
	  .modes = BOTH },
	{ .keys = "q", .what = "quit",
	  .modes = BOTH },
};

/* --------------------------------------------------------------- colours */

enum { PAIR_TITLE = 1, PAIR_COLHDR, PAIR_SORT, PAIR_TAB, PAIR_WARN,
       PAIR_CRIT, PAIR_MARK };

static void init_colors(struct pt_tui *t)
{
	const char *no_color = getenv("NO_COLOR");

	/* https://no-color.org: present and not empty disables colour */
	t->color = has_colors() && !(no_color && *no_color);
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_CYAN, -1);
	init_pair(PAIR_COLHDR, COLOR_BLACK, COLOR_GREEN);
	init_pair(PAIR_SORT, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_TAB, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_WARN, COLOR_YELLOW, -1);
	init_pair(PAIR_CRIT, COLOR_WHITE, COLOR_RED);
	init_pair(PAIR_MARK, COLOR_BLACK, COLOR_YELLOW);
}

/* Monochrome stays readable: bold and reverse carry the meaning. */
static attr_t attr_of(const struct pt_tui *t, enum pt_attr a)
{
	static const struct { attr_t mono; short pair; attr_t extra; } map[] = {
		[PT_A_NORMAL] = { .mono = A_NORMAL, .pair = 0,
			.extra = A_NORMAL },
		[PT_A_TITLE] = { .mono = A_BOLD, .pair = PAIR_TITLE,
			.extra = A_BOLD },
		[PT_A_COLHDR] = { .mono = A_REVERSE, .pair = PAIR_COLHDR,
			.extra = A_NORMAL },
		[PT_A_SORT] = { .mono = A_BOLD | A_UNDERLINE, .pair = PAIR_SORT,
			.extra = A_BOLD },
		[PT_A_TAB] = { .mono = A_REVERSE | A_BOLD, .pair = PAIR_TAB,
			.extra = A_BOLD },
		[PT_A_WARN] = { .mono = A_BOLD, .pair = PAIR_WARN,
			.extra = A_BOLD },
		[PT_A_CRIT] = { .mono = A_REVERSE | A_BOLD, .pair = PAIR_CRIT,
			.extra = A_BOLD },
		[PT_A_DIM] = { .mono = A_DIM, .pair = 0,
			.extra = A_DIM },
		[PT_A_MARK] = { .mono = A_REVERSE | A_BOLD, .pair = PAIR_MARK,
			.extra = A_BOLD },
	};

	if (!t->color || !map[a].pair)
		return t->color ? map[a].extra : map[a].mono;
	return COLOR_PAIR(map[a].pair) | map[a].extra;
}

/* ------------------------------------------------------ terminal restore */

static void restore_stderr(void)
{
	char buf[4096];
	ssize_t n;

	if (saved_stderr < 0)
		return;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	if (captured_stderr < 0)
		return;
	/* replay what was said while the screen was up */
	if (lseek(captured_stderr, 0, SEEK_SET) == 0)
		while ((n = read(captured_stderr, buf, sizeof(buf))) > 0)
			if (write(STDERR_FILENO, buf, (size_t)n) != n)
				break;
	close(captured_stderr);
	captured_stderr = -1;
}

/* SIGSEGV and friends: give the terminal back, then die as we would have. */
static void on_crash(int sig)
{
	endwin();
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
	raise(sig);	/* SA_RESETHAND: the default action this time */
}

static void install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < PT_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void capture_stderr(void)
{
	fflush(stderr);
	captured_stderr = memfd_create("perftop-stderr", MFD_CLOEXEC);
	if (captured_stderr < 0)
		return;
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved_stderr < 0) {
		close(captured_stderr);
		captured_stderr = -1;
		return;
	}
	dup2(captured_stderr, STDERR_FILENO);
}

int pt_tui_start(struct pt_tui *t, bool replay)
{
	const char *term = getenv("TERM");

	memset(t, 0, sizeof(*t));
	pt_view_state_init(&t->vs);
	t->replay = replay;
	t->paused = replay;	/* a replay starts on its first interval */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		pt_err("the interactive view needs a terminal: use perftop top -b for plain text");
		return -ENOTTY;
	}
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		pt_err("cannot drive terminal type '%s': set TERM (e.g. TERM=xterm) or use perftop top -b",
		       term ? term : "");
		return -ENOTTY;
	}
	install_crash_handlers();
	capture_stderr();
	set_escdelay(ESC_DELAY_MS);
	cbreak();		/* not raw(): Ctrl-C still sends SIGINT */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);	/* we wait in poll(), never in getch() */
	curs_set(0);
	init_colors(t);
	return 0;
}

void pt_tui_stop(struct pt_tui *t)
{
	if (screen) {
		endwin();
		delscreen(screen);
		screen = NULL;
	}
	restore_stderr();
	pt_lines_free(&t->head);
	pt_lines_free(&t->body);
}

/* ----------------------------------------------------------------- draw */

static void draw_line(const struct pt_tui *t, int y, const struct pt_line *l,
		      int cols)
{
	int len = (int)strlen(l->text);

	if (len > cols)
		len = cols;
	attrset(attr_of(t, l->attr));
	mvaddnstr(y, 0, l->text, len);
	if (l->attr == PT_A_COLHDR)	/* a full-width bar */
		mvhline(y, len, ' ' | attr_of(t, l->attr), cols - len);
	if (l->hl_len > 0 && l->hl_start < len) {
		int n = l->hl_len;

		if (l->hl_start + n > len)
			n = len - l->hl_start;
		attrset(attr_of(t, l->hl_attr));
		mvaddnstr(y, l->hl_start, l->text + l->hl_start, n);
	}
	attrset(A_NORMAL);
}

static void status_text(const struct pt_tui *t, char *buf, size_t len)
{
	if (t->editing)
		snprintf(buf, len, "filter (command or cgroup): %s_   Enter keep, Esc clear",
			 t->vs.filter);
	else if (t->msg[0])
		snprintf(buf, len, "%s", t->msg);
	else if (t->replay)
		snprintf(buf, len, "?:help q:quit Left/Right:step g/G:first/last n/N:finding p:play 1-6:view </>:sort /:filter H c");
	else
		snprintf(buf, len, "?:help q:quit 1-6/Tab:view </>:sort /:filter p:pause H:procs c:cgroup +/-:interval");
}

static void draw_status(const struct pt_tui *t, int y, int cols)
{
	struct pt_line l = { .attr = t->editing ? PT_A_MARK : PT_A_COLHDR };
	char text[PT_LINE_MAX];
	int w = cols - 1;	/* never touch the bottom-right cell */

	if (w < 1)
		return;
	if (w > PT_LINE_MAX - 1)
		w = PT_LINE_MAX - 1;
	status_text(t, text, sizeof(text));
	snprintf(l.text, sizeof(l.text), "%-*.*s", w, w, text);
	draw_line(t, y, &l, w);
}

static void draw_help(const struct pt_tui *t, int rows, int cols)
{
	int mode = t->replay ? REPLAY : LIVE, w = cols < 70 ? cols : 70;
	int n = 0, y0, x0, i, y;
	char text[PT_LINE_MAX];
	size_t k;

	for (k = 0; k < PT_ARRAY_SIZE(key_help); k++)
		n += !!(key_help[k].modes & mode);
	y0 = rows > n + 4 ? (rows - n - 4) / 2 : 0;
	x0 = (cols - w) / 2;
	y = y0;
	attrset(attr_of(t, PT_A_TAB));
	snprintf(text, sizeof(text), " perftop %s keys", t->replay ? "replay" : "top");
	mvprintw(y++, x0, "%-*.*s", w, w, text);
	attrset(A_REVERSE);
	mvprintw(y++, x0, "%-*s", w, "");
	for (k = 0, i = 0; k < PT_ARRAY_SIZE(key_help) && y < rows - 1; k++) {
		if (!(key_help[k].modes & mode))
			continue;
		snprintf(text, sizeof(text), "  %-18s %s", key_help[k].keys,
			 key_help[k].what);
		mvprintw(y++, x0, "%-*.*s", w, w, text);
		i++;
	}
	if (y < rows) {
		snprintf(text, sizeof(text), "  Esc or any key closes this help");
		mvprintw(y, x0, "%-*.*s", w, w, text);
	}
	attrset(A_NORMAL);
}

static void clamp_scroll(struct pt_tui *t, int nbody)
{
	int max = nbody - t->body_rows;

	if (t->scroll > max)
		t->scroll = max;
	if (t->scroll < 0)
		t->scroll = 0;
}

void pt_tui_draw(struct pt_tui *t, const struct pt_view_ctx *ctx_in)
{
	struct pt_view_ctx ctx = *ctx_in;
	int rows = LINES, cols = COLS, y = 0, first = 0, i;

	if (cols > PT_LINE_MAX - 1)
		cols = PT_LINE_MAX - 1;
	/* leave the list at least ~half the screen */
	ctx.max_banners = rows >= 40 ? MAX_BANNERS : rows >= 24 ? 2 : 1;
	pt_lines_reset(&t->head);
	pt_lines_reset(&t->body);
	pt_view_header(&ctx, cols, &t->head);
	pt_view_tabs(&ctx, &t->vs, cols, &t->head);
	pt_view_body(&ctx, &t->vs, cols, &t->body);

	erase();
	for (i = 0; i < (int)t->head.n && y < rows - 1; i++)
		draw_line(t, y++, &t->head.v[i], cols);
	/* the column header stays put while the rows scroll */
	if (t->body.n && t->body.v[0].attr == PT_A_COLHDR && y < rows - 1) {
		draw_line(t, y++, &t->body.v[0], cols);
		first = 1;
	}
	t->body_rows = rows - 1 - y;
	if (t->body_rows < 1)
		t->body_rows = 1;
	clamp_scroll(t, (int)t->body.n - first);
	for (i = first + t->scroll; i < (int)t->body.n && y < rows - 1; i++)
		draw_line(t, y++, &t->body.v[i], cols);
	if (rows > 1)
		draw_status(t, rows - 1, cols);
	if (t->help)
		draw_help(t, rows, cols);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ----------------------------------------------------------------- keys */

int pt_tui_getch(void)
{
	int ch = getch();

	return ch == ERR ? -1 : ch;
}

static enum pt_tui_action edit_filter(struct pt_tui *t, int ch)
{
	size_t len = strlen(t->vs.filter);

	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		t->editing = false;
		break;
	case KEY_ESC:
		t->vs.filter[0] = '\0';
		t->editing = false;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			t->vs.filter[len - 1] = '\0';
		break;
	case KEY_CTRL_U:
		t->vs.filter[0] = '\0';
		break;
	default:
		if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(t->vs.filter)) {
			t->vs.filter[len] = (char)ch;
			t->vs.filter[len + 1] = '\0';
		}
	}
	t->scroll = 0;
	return PT_ACT_REDRAW;
}

static void set_view(struct pt_tui *t, int v)
{
	t->vs.view = (enum pt_view_id)((v + PT_NR_VIEWS) % PT_NR_VIEWS);
	t->scroll = 0;
}

/* Keys that mean one thing live and another in a replay. */
static enum pt_tui_action mode_key(struct pt_tui *t, int ch)
{
	if (!t->replay) {
		switch (ch) {
		case KEY_HOME: t->scroll = 0; return PT_ACT_REDRAW;
		case KEY_END: t->scroll = 1 << 30; return PT_ACT_REDRAW;
		case '+': return PT_ACT_LONGER;
		case '-': return PT_ACT_SHORTER;
		}
		return PT_ACT_NONE;
	}
	switch (ch) {
	case KEY_LEFT: case ',': return PT_ACT_PREV;
	case KEY_RIGHT: case '.': return PT_ACT_NEXT;
	case KEY_HOME: case 'g': return PT_ACT_FIRST;
	case KEY_END: case 'G': return PT_ACT_LAST;
	case 'n': return PT_ACT_NEXT_FINDING;
	case 'N': return PT_ACT_PREV_FINDING;
	}
	return PT_ACT_NONE;
}

enum pt_tui_action pt_tui_key(struct pt_tui *t, int ch)
{
	if (ch == KEY_RESIZE)
		return PT_ACT_REDRAW;
	t->msg[0] = '\0';
	if (t->help) {		/* any key closes it, and does nothing else */
		t->help = false;
		return PT_ACT_REDRAW;
	}
	if (t->editing)
		return edit_filter(t, ch);
	switch (ch) {
	case 'q': case 'Q': return PT_ACT_QUIT;
	case '?': case 'h': t->help = true; return PT_ACT_REDRAW;
	case '1': case '2': case '3': case '4': case '5': case '6':
		set_view(t, ch - '1');
		return PT_ACT_REDRAW;
	case '\t': set_view(t, (int)t->vs.view + 1); return PT_ACT_REDRAW;
	case KEY_BTAB: set_view(t, (int)t->vs.view - 1); return PT_ACT_REDRAW;
	case '<': pt_view_sort_step(&t->vs, -1); return PT_ACT_REDRAW;
	case '>': case KEY_F(6): pt_view_sort_step(&t->vs, 1); return PT_ACT_REDRAW;
	case '/': t->editing = true; return PT_ACT_REDRAW;
	case 'H': t->vs.processes = !t->vs.processes; t->scroll = 0; return PT_ACT_REDRAW;
	case 'c': t->vs.by_cgroup = !t->vs.by_cgroup; t->scroll = 0; return PT_ACT_REDRAW;
	case 'p': case ' ': t->paused = !t->paused; return PT_ACT_PAUSE;
	case KEY_UP: t->scroll--; return PT_ACT_REDRAW;
	case KEY_DOWN: t->scroll++; return PT_ACT_REDRAW;
	case KEY_PPAGE: t->scroll -= t->body_rows; return PT_ACT_REDRAW;
	case KEY_NPAGE: t->scroll += t->body_rows; return PT_ACT_REDRAW;
	case KEY_ESC: return PT_ACT_REDRAW;
	}
	return mode_key(t, ch);
}
