# tmux helpers for tests of the interactive screen; source after lib.sh.
# Each test gets its own tmux server, so nothing else's sessions are seen.
need_cmd tmux
TMUX_SOCK="perftop-test-$$"
on_exit "tmux -L $TMUX_SOCK kill-server"

tm() { tmux -L "$TMUX_SOCK" "$@"; }

# tm_start NAME WIDTH HEIGHT COMMAND...: run COMMAND in a detached session.
# The shell around it saves the terminal modes before and after, and the
# exit status, to $TMP/NAME.{before,after,rc}.
tm_start() {
	local name=$1 w=$2 h=$3
	shift 3
	rm -f "$TMP/$name".*
	tm new-session -d -s "$name" -x "$w" -y "$h" \
		"stty -g >$TMP/$name.before; $*; echo \$? >$TMP/$name.rc; stty -g >$TMP/$name.after; sleep 600"
}

# The screen as text; -J joins lines the terminal wrapped, so a line drawn
# wider than the pane shows up wider than the pane.
tm_screen() { tm capture-pane -p -J -t "$1"; }

tm_keys() { local name=$1; shift; tm send-keys -t "$name" "$@"; }

# tm_wait NAME REGEX [SEC]: until the screen matches (egrep), else fail.
tm_wait() {
	local name=$1 pat=$2 sec=${3:-15} i
	for ((i = 0; i < sec * 20; i++)); do
		tm_screen "$name" >"$TMP/screen"
		grep -qE -- "$pat" "$TMP/screen" && return 0
		sleep 0.05
	done
	sed 's/^/    | /' "$TMP/screen"
	fail "screen of $name never showed /$pat/ within ${sec}s"
}

# tm_wait_gone NAME REGEX [SEC]
tm_wait_gone() {
	local name=$1 pat=$2 sec=${3:-5} i
	for ((i = 0; i < sec * 20; i++)); do
		tm_screen "$name" >"$TMP/screen"
		grep -qE -- "$pat" "$TMP/screen" || return 0
		sleep 0.05
	done
	sed 's/^/    | /' "$TMP/screen"
	fail "screen of $name still shows /$pat/ after ${sec}s"
}

# The perftop process running in session NAME.
tm_pid() {
	local shell
	shell=$(tm display -p -t "$1" '#{pane_pid}')
	pgrep -P "$shell" -x perftop
}

# tm_expect_exit NAME STATUS: the command ended with STATUS and left the
# terminal as it found it: same modes, normal screen, cursor visible.
tm_expect_exit() {
	local name=$1 want=$2 i rc
	for ((i = 0; i < 200; i++)); do
		[ -s "$TMP/$name.after" ] && break
		sleep 0.05
	done
	[ -s "$TMP/$name.after" ] || fail "$name: perftop did not exit within 10 s"
	rc=$(cat "$TMP/$name.rc")
	[ "$rc" = "$want" ] || fail "$name: exit status $rc, want $want"
	cmp -s "$TMP/$name.before" "$TMP/$name.after" ||
		fail "$name: terminal modes not restored: $(cat "$TMP/$name.before") -> $(cat "$TMP/$name.after")"
	[ "$(tm display -p -t "$name" '#{alternate_on}')" = 0 ] ||
		fail "$name: still on the alternate screen after exit"
	[ "$(tm display -p -t "$name" '#{cursor_flag}')" = 1 ] ||
		fail "$name: cursor left hidden after exit"
	echo "ok: $name exited $rc, terminal restored"
}
