#!/bin/bash
# Every malformed command line gets one "perftop: what: fix" line on stderr
# and the documented exit status: 2 for usage errors, 3 for scan and report
# (monitoring-plugin UNKNOWN).  Nothing here needs root: parsing fails
# before anything is loaded.
. "$(dirname "$0")/../lib.sh"

# Unknown command / unknown option / missing value
expect_error 2 "$PERFTOP" frob
expect_error 2 "$PERFTOP" ''
expect_error 2 "$PERFTOP" --bogus
expect_error 2 "$PERFTOP" record --bogus
expect_error 2 "$PERFTOP" record -z
expect_error 2 "$PERFTOP" record -zf
grep -q "'-z'" "$TMP/err" || fail "-zf error does not name -z: $(cat "$TMP/err")"
expect_error 2 "$PERFTOP" record --json=x
expect_error 3 "$PERFTOP" scan --bogus
expect_error 3 "$PERFTOP" report --bogus x.json
expect_error 2 "$PERFTOP" replay --bogus x.json
for opt in -i -d -p -c -o -n --interval --duration --pid --cgroup --probes --config; do
	expect_error 2 "$PERFTOP" record $opt
done
expect_error 3 "$PERFTOP" scan -i
expect_error 3 "$PERFTOP" scan --probes

# Bad values
for v in 0 -1 0.05 abc 1x '' nan inf -inf 1e400 3601; do
	expect_error 2 "$PERFTOP" record -i "$v"
	expect_error 3 "$PERFTOP" scan -i "$v"
done
for v in 0 -5 abc '' nan inf 1e300 2e9; do
	expect_error 2 "$PERFTOP" record -d "$v"
	expect_error 3 "$PERFTOP" scan -d "$v"
done
expect_error 2 "$PERFTOP" record -d 0.5 -i 1       # shorter than one interval
for v in 0 -1 abc '' , 1,,2 ,1 1:2 99999999999 4294967297 0x10; do
	expect_error 2 "$PERFTOP" record -p "$v"
done
expect_error 2 "$PERFTOP" record -p "$(seq -s, 1 65)"   # more than 64
for v in foo '' , sched,, sched,foo SCHED 'sched tcp'; do
	expect_error 2 "$PERFTOP" record --probes "$v"
	expect_error 3 "$PERFTOP" scan --probes "$v"
done
for v in 0 -1 x 1.5 ''; do
	expect_error 2 "$PERFTOP" top -b -n "$v"
done

# Options that do not apply to the command
expect_error 2 "$PERFTOP" record -b
expect_error 2 "$PERFTOP" record --json
expect_error 2 "$PERFTOP" top -o x.json
expect_error 2 "$PERFTOP" top -n 3              # needs -b
expect_error 2 "$PERFTOP" doctor -o x.json
expect_error 2 "$PERFTOP" doctor -d 1
expect_error 2 "$PERFTOP" replay -i 1 x.json
expect_error 3 "$PERFTOP" scan -n 3
expect_error 3 "$PERFTOP" scan -o x.json
expect_error 3 "$PERFTOP" report -p 1 x.json
expect_error 3 "$PERFTOP" report -d 1 x.json

# Positional arguments
expect_error 3 "$PERFTOP" report
expect_error 3 "$PERFTOP" report --json
expect_error 3 "$PERFTOP" report a.json b.json
expect_error 2 "$PERFTOP" replay
expect_error 2 "$PERFTOP" record extra
expect_error 2 "$PERFTOP" doctor extra
expect_error 2 "$PERFTOP" -- record

# Bad --config files are usage errors too (3 for scan/report).
printf '{"thresholds": {"cpu.nonsense": {"warning": 1}}}\n' >"$TMP/bad.cfg"
expect_error 3 "$PERFTOP" scan --config "$TMP/bad.cfg"
printf '{"interval": "fast"}\n' >"$TMP/type.cfg"
expect_error 3 "$PERFTOP" scan --config "$TMP/type.cfg"
grep -q interval "$TMP/err" || fail "config type error does not name the key"
printf '\x00\x01garbage' >"$TMP/bin.cfg"
expect_error 3 "$PERFTOP" scan --config "$TMP/bin.cfg"
expect_error 3 "$PERFTOP" scan --config "$TMP/missing.cfg"
expect_error 3 "$PERFTOP" scan --config "$TMP"

# No stray files from any of this
[ ! -e x.json ] || fail "a usage error created x.json"
echo "all bad command lines rejected"
