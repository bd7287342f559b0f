#!/bin/bash
# The terminal is restored on every way out of the interactive view:
# Ctrl-C (SIGINT), SIGTERM, and a crash signal (SIGSEGV, SIGABRT: the
# handler ends the screen, then the signal kills as it would have).
. "$(dirname "$0")/../lib.sh"
need_root
. "$(dirname "$0")/../tmux.sh"

# run NAME [ENV]: start perftop top in session NAME, wait for a full frame
run() {
	tm_start "$1" 100 30 "ulimit -c 0; ${2:-} $PERFTOP top -i 0.3"
	tm_wait "$1" 'WAIT/s +WAITS'
}

# SGR foreground/background colour codes on the screen (tmux spells them
# one per sequence: ESC[36m, ESC[42m, ...)
colours() { tm capture-pane -p -e -t "$1" | grep -cE $'\e\\[(3[0-7]|4[0-7])m' || true; }

# NO_COLOR (https://no-color.org): no colour, still bold/reverse
run int NO_COLOR=1
[ "$(colours int)" -eq 0 ] || fail "NO_COLOR=1: the screen has colours"
tm capture-pane -p -e -t int | grep -qE $'\e\\[[0-9;]*7m' || fail "NO_COLOR=1: no reverse video either"
tm_keys int C-c
tm_expect_exit int 0

run term
[ "$(colours term)" -gt 0 ] || fail "no colours without NO_COLOR"
kill -TERM "$(tm_pid term)"
tm_expect_exit term 0

# 128 + signal number: the crash is not hidden, only the terminal saved
run segv
kill -SEGV "$(tm_pid segv)"
tm_expect_exit segv $((128 + 11))

run abrt
kill -ABRT "$(tm_pid abrt)"
tm_expect_exit abrt $((128 + 6))

# Not a terminal: a clear error instead of a garbled screen.
expect_error 2 "$PERFTOP" top
