#!/bin/bash
# CI's raw_tp stage (.ci/run, after make test; issue #13): the e2e tests of
# tests/rawtp_ci.txt again on the host with PERFTOP_ATTACH=raw_tp, so every
# family runs the raw_tp programs and the hash-per-thread bookkeeping that
# kernels without usable tp_btf get (docs/testing.md, "raw_tp").  Under
# CI=true a skip is a failure, as in make test.
#
# Why a subset, not the whole suite: most tests check userspace (output,
# detection, serve, the TUI) over the same counters; the subset holds each
# family's raw_tp numbers to the same independent references as the tp_btf
# pass (the file says which, per test).  Measured on this 2-core machine
# (2026-12-03, main c97f4cf plus this stage): 65 s, 16 of 16, three runs.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=$(awk '!/^#/ && NF { printf "%s,", $1 }' tests/rawtp_ci.txt)
start=$SECONDS
echo "== raw_tp (tests/rawtp_ci.txt)"
rc=0
PERFTOP_ATTACH=raw_tp RUN_UNIT=0 TESTS="${tests%,}" tests/run.sh || rc=$?
echo "== raw_tp took $((SECONDS - start)) s"
exit $rc
