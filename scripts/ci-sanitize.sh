#!/bin/bash
# The whole test suite (unit + e2e) against an ASan + UBSan build
# (make SANITIZE=1 -> build-san).  Any sanitizer report fails: the
# binaries abort on the first one (non-zero exit fails the test that ran
# them), and every report is also logged to a directory that must stay
# empty, which catches reports from processes whose status no test checks.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d /tmp/perftop-san.XXXXXX)
make SANITIZE=1 -j"$(nproc)" all unit rbflood build-san/tools/corecheck
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$logs/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
rc=0
# The soak ran in the main pass; three more minutes under ASan add little.
# serve_prometheus runs the code serve_http already runs here, for a
# minute more; serve_package would install a sanitizer build system-wide.
# serve_record's premise is a 2,000-thread load that fills its 1 MiB limit
# in seconds with the writer keeping up: under ASan perftop itself is the
# bottleneck (CI 2026-12-03: its --from/--to span fell between the runs in
# one pass, 5 of 10 snapshots dropped as the writer fell behind in the
# next, and a direct run never approached the limit), so it proves nothing
# there; under ASan the recorder's code runs in the unit tests
# (test_tracedir: rotation, size and age retention, reading across files).
SKIP_TESTS=rel_soak,serve_prometheus,serve_package,serve_record OUT=build-san tests/run.sh || rc=$?
if [ -n "$(ls -A "$logs")" ]; then
	echo "sanitizer reports:"
	for f in "$logs"/*; do echo "== $f"; head -60 "$f"; done
	rc=1
fi
rm -rf "$logs"
exit $rc
