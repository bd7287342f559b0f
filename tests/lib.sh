# Shared helpers for end-to-end tests; source it first.
# Exit 77 means "skipped" (a failure under CI=true, see tests/run.sh).
set -euo pipefail
PERFTOP=${PERFTOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/perftop}
TMP=$(mktemp -d /tmp/perftop-test.XXXXXX)
CLEANUP=()
cleanup() {
	local c
	for c in "${CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
	jobs -p | xargs -r kill 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
on_exit() { CLEANUP+=("$1"); }

skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to load BPF programs (run tests as root)"
}
need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null || skip "needs $c (scripts/install-deps.sh)"; done
}

# Wait until FILE has a line matching PATTERN (max SEC seconds).
wait_line() {
	local file=$1 pattern=$2 sec=${3:-20} i
	for ((i = 0; i < sec * 20; i++)); do
		grep -q "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no line matching '$pattern' in $file after ${sec}s"
}

# Expect exit status and a one-line "perftop: ...: ..." error.
expect_error() {
	local want=$1; shift
	local rc=0 err
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	err=$(cat "$TMP/err")
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want (stderr: $err)"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "'$*' printed $(wc -l <"$TMP/err") lines on stderr, want 1: $err"
	[[ "$err" == perftop:\ *:\ * ]] || fail "'$*' error not in 'perftop: what: fix' form: $err"
	echo "ok: $* -> $rc: $err"
}
export PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
