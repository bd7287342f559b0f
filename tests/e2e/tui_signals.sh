#!/bin/bash
# The terminal is restored on every way out of the interactive view:
# Ctrl-C (SIGINT), SIGTERM, and a crash signal (SIGSEGV, SIGABRT: the
# handler ends the screen, then the signal kills as it would have).
. "$(dirname "$0")/../lib.sh"
need_root
. "$(dirname "$0")/../tmux.sh"

# run NAME: start perftop top in session NAME and wait for its first frame
run() {
	tm_start "$1" 100 30 "ulimit -c 0; $PERFTOP top -i 0.3"
	tm_wait "$1" 'WAIT/s +WAITS'
}

run int
tm_keys int C-c
tm_expect_exit int 0

run term
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
