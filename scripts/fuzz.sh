#!/bin/bash
# Run libFuzzer targets for a bounded time each.
#   scripts/fuzz.sh DIR SECONDS TARGET...   (make fuzz calls it)
# DIR holds the fuzz_<target> binaries (make fuzz-build).  Each target
# starts from tests/fuzz/corpus/<target>/ (checked in: seeds and every
# input that ever crashed, so they are replayed first as regressions) and
# grows a working corpus in DIR/corpus-<target>/.  A crash, leak, UB report
# or timeout stops with the reproducer saved as DIR/<target>-crash-*, and
# this script fails.  Copy the reproducer into the checked-in corpus once
# fixed.
set -euo pipefail
dir=$1 secs=$2
shift 2
cd "$(dirname "$0")/.."
status=0
for t in "$@"; do
	seeds=tests/fuzz/corpus/$t work=$dir/corpus-$t
	mkdir -p "$work" "$seeds"
	echo "fuzz $t: ${secs}s from $(ls "$seeds" | wc -l) seeds"
	if ! "$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -close_fd_mask=1 \
		-artifact_prefix="$dir/$t-" "$work" "$seeds" >"$dir/$t.log" 2>&1; then
		status=1
		echo "fuzz $t: FAILED, reproducer: $(ls "$dir/$t-"* 2>/dev/null | head -1)"
		grep -m1 -A25 "ERROR:\|runtime error" "$dir/$t.log" || tail -30 "$dir/$t.log"
	else
		grep -E "stat::number_of_executed_runs|cov:" "$dir/$t.log" | tail -2 | tr '\n' ' '
		echo
	fi
done
exit $status
