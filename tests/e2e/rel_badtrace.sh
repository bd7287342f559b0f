#!/bin/bash
# Bad trace files through the real commands (report, replay): each gets one
# "perftop: FILE: line N: problem: fix" line and the documented status (report 3,
# replay 1), never a crash; a trace cut off mid-line (SIGKILL, full disk)
# is read up to its last complete line with a warning.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 gzip

"$PERFTOP" record --probes sched -i 0.2 -d 1 -o "$TMP/good.json" 2>/dev/null
gzip -c "$TMP/good.json" >"$TMP/good.json.gz"
lines=$(wc -l <"$TMP/good.json")
[ "$lines" -ge 5 ] || fail "recording has only $lines lines"
snaps=$((lines - 2))

report_snaps() {	# FILE -> snapshots report read (stdout)
	{ "$PERFTOP" report --json "$1" 2>"$TMP/rep.err" || true; } |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["window"]["snapshots"])'
}
[ "$(report_snaps "$TMP/good.json")" -eq "$snaps" ] || fail "good trace misread"
[ "$(report_snaps "$TMP/good.json.gz")" -eq "$snaps" ] || fail "good .gz misread"
[ ! -s "$TMP/rep.err" ] || fail "good trace gave stderr: $(cat "$TMP/rep.err")"

# Cut off in the middle of the last snapshot line: read the others, warn.
size=$(head -n $((lines - 1)) "$TMP/good.json" | wc -c)
head -c $((size - 17)) "$TMP/good.json" >"$TMP/cut.json"
[ "$(report_snaps "$TMP/cut.json")" -eq $((snaps - 1)) ] || fail "cut trace: wrong snapshot count"
grep -q "warning: .*cut off after line $((lines - 2))" "$TMP/rep.err" ||
	fail "no 'cut off after line $((lines - 2))' warning: $(cat "$TMP/rep.err")"
# Same for a gzip stream cut in the middle (no trailer, half a block).
gzip -c "$TMP/good.json" | head -c $(( $(gzip -c "$TMP/good.json" | wc -c) / 2 )) >"$TMP/cut.json.gz"
n=$(report_snaps "$TMP/cut.json.gz")
[ "$n" -ge 0 ] && [ "$n" -lt "$snaps" ] || fail "cut gzip: $n snapshots"
grep -q "warning: .*cut off" "$TMP/rep.err" || fail "cut gzip: no warning"

# Broken files: one line, naming the problem, status 3 (report) / 1 (replay)
bad() {		# NAME PATTERN: both commands reject $TMP/NAME naming PATTERN
	expect_error 3 "$PERFTOP" report "$TMP/$1"
	grep -q -- "$2" "$TMP/err" || fail "report $1: error lacks '$2': $(cat "$TMP/err")"
	expect_error 1 "$PERFTOP" replay "$TMP/$1" </dev/null
	grep -q -- "$2" "$TMP/err" || fail "replay $1: error lacks '$2': $(cat "$TMP/err")"
}
# random bytes, but line 1 must not be blank (blank lines are skipped, and
# the error would name line 2: a 1-in-256 false failure)
{ printf 'x'; head -c 65535 /dev/urandom; } >"$TMP/random.bin"
bad random.bin "line 1"
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03this is not deflate data at all' >"$TMP/garbage.gz"
bad garbage.gz "corrupt gzip"
{ printf 'x'; head -c 4095 /dev/urandom; } | gzip -c >"$TMP/random.json.gz"
bad random.json.gz "line 1"
: >"$TMP/empty.json"
bad empty.json "empty file"
printf '\0\0\0\0\0\0\n' >"$TMP/nul.json"
bad nul.json "NUL byte"
# a version from the future, whatever today's is
sed '1s/"version":[0-9]*/"version":99/' "$TMP/good.json" >"$TMP/version.json"
grep -q '"version":99' "$TMP/version.json" || fail "no version member in the header to change"
bad version.json "version 99 is not supported"
sed '1s/"perftop-trace"/"other-trace"/' "$TMP/good.json" >"$TMP/format.json"
bad format.json "not a perftop trace"
sed '1d' "$TMP/good.json" >"$TMP/noheader.json"
bad noheader.json "line 1"
awk 'NR == 3 { print "{\"type\":\"snapshot\",\"seq\":"; next } 1' "$TMP/good.json" >"$TMP/line3.json"
bad line3.json "line 3: not a JSON object"
awk 'NR == 4 { sub(/"seq":[0-9]+/, "\"seq\":\"x\"") } 1' "$TMP/good.json" >"$TMP/line4.json"
bad line4.json "line 4: seq"
awk 'NR == 2 { sub(/"type":"snapshot"/, "\"type\":\"bogus\"") } 1' "$TMP/good.json" >"$TMP/type.json"
bad type.json "line 2: unknown line type"
{ cat "$TMP/good.json"; sed -n 2p "$TMP/good.json"; } >"$TMP/after_end.json"
bad after_end.json "line $((lines + 1)): data after the end line"
mkdir "$TMP/dir.json"
bad dir.json "is a directory"
bad missing.json "No such file"
chmod 000 "$TMP/good.json"
if [ -n "$(command -v setpriv)" ]; then
	expect_error 3 setpriv --reuid=65534 --regid=65534 --clear-groups "$PERFTOP" report "$TMP/good.json"
	grep -q "Permission denied" "$TMP/err" || fail "unreadable: $(cat "$TMP/err")"
fi
echo "all bad traces rejected with their line numbers"
