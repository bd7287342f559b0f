#!/bin/bash
# Runs every test: cmocka unit tests (build/tests/test_*) and end-to-end
# scripts (tests/e2e/*.sh: exit 0 pass, 77 skip, anything else fail).
# Under CI=true a skip counts as a failure: CI must prove the BPF paths.
# TESTS=a,b runs only those e2e tests; SKIP_TESTS=a,b leaves those out;
# RUN_UNIT=0 leaves the unit tests out (the VM test bed: they test pure
# code, the same on every kernel).
# The last line is always: "N passed, N failed, N skipped".
# A name in TESTS that is no e2e test, and a unit test source without its
# built binary, are failures: a run that tested nothing must not pass.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
export PERFTOP="$PWD/$OUT/perftop"
passed=0 failed=0 skipped=0
failures=()

for src in tests/unit/test_*.c; do
	[ "${RUN_UNIT:-1}" != 0 ] || break
	t=$OUT/tests/$(basename "$src" .c)
	if [ ! -x "$t" ]; then
		failed=$((failed + 1)); failures+=("$(basename "$t")")
		echo "FAIL unit $(basename "$t"): $t not built (make unit OUT=$OUT)"
		continue
	fi
	log=$(mktemp)
	"$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$(basename "$t")")
		cat "$log"
	fi
	echo "unit $(basename "$t"): $p passed, $f failed"
	rm -f "$log"
done

if [ -n "${TESTS:-}" ]; then
	IFS=, read -ra wanted <<<"$TESTS"
	for name in "${wanted[@]}"; do
		[ -z "$name" ] || [ -f "tests/e2e/$name.sh" ] && continue
		failed=$((failed + 1)); failures+=("$name")
		echo "FAIL $name: no such test (tests/e2e/$name.sh)"
	done
fi

for t in tests/e2e/*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "${TESTS:-}" ] && [[ ",$TESTS," != *",$name,"* ]]; then
		continue
	fi
	if [[ ",${SKIP_TESTS:-}," == *",$name,"* ]]; then
		continue	# deliberately not run here (not a skip)
	fi
	log=$(mktemp)
	start=$(date +%s)
	timeout --kill-after=10 "${E2E_TIMEOUT:-300}" bash "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1)); echo "PASS $name (${secs}s)"
	elif [ "$rc" -eq 77 ] && [ "${CI:-}" != "true" ]; then
		skipped=$((skipped + 1)); echo "SKIP $name: $(tail -1 "$log")"
	else
		failed=$((failed + 1)); failures+=("$name")
		echo "FAIL $name (rc=$rc, ${secs}s)"; sed 's/^/    /' "$log" | tail -40
	fi
	rm -f "$log"
done

[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
