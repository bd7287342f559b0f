#!/bin/bash
# tests/run.sh itself: a run that tested nothing must fail.  A name in
# TESTS that is no e2e test (a typo, a renamed test), and a unit test whose
# binary was not built, each count as one failure and make the exit status
# non-zero; before, both ended "0 passed, 0 failed, 0 skipped", exit 0.
. "$(dirname "$0")/../lib.sh"
run=$(cd "$(dirname "$0")/.." && pwd)/run.sh
nunits=$(ls "$(dirname "$run")"/unit/test_*.c | wc -l)

# runner EXPECT_RC EXPECT_LAST_LINE ENV...: run.sh under ENV (nothing else of
# the suite runs: no e2e test is named that exists)
runner() {
	local want_rc=$1 want=$2 rc=0 last; shift 2
	env "$@" "$run" >"$TMP/run.out" 2>&1 || rc=$?
	last=$(tail -1 "$TMP/run.out")
	echo "run.sh $*: rc $rc, last line: $last"
	[ "$rc" -eq "$want_rc" ] || fail "run.sh $* exited $rc, want $want_rc: $(cat "$TMP/run.out")"
	[ "$last" = "$want" ] || fail "run.sh $* ended '$last', want '$want'"
}

# an unknown test name, nothing else
runner 1 "0 passed, 1 failed, 0 skipped" RUN_UNIT=0 TESTS=no_such_test
grep -q '^FAIL no_such_test: no such test' "$TMP/run.out" || fail "the unknown name is not named: $(cat "$TMP/run.out")"
# an empty entry (TESTS=a,,b) is not a name; a real one next to a typo: the
# typo still fails the run (rel_runner itself would recurse, so: the typo
# with an empty entry only)
runner 1 "0 passed, 1 failed, 0 skipped" RUN_UNIT=0 "TESTS=,no_such_test,"
# unit binaries missing: an OUT with none built, and no e2e test selected
mkdir -p "$TMP/out/tests"
runner 1 "0 passed, $nunits failed, 0 skipped" RUN_UNIT=1 OUT="$TMP/out" TESTS=,
grep -q "^FAIL unit test_model: $TMP/out/tests/test_model not built" "$TMP/run.out" ||
	fail "the missing unit binary is not named: $(cat "$TMP/run.out")"
# and the runner still passes a run with nothing wrong: no unit tests asked
# for, no e2e test selected
runner 0 "0 passed, 0 failed, 0 skipped" RUN_UNIT=0 TESTS=,
echo "ok: run.sh fails runs that tested nothing they were asked to"
