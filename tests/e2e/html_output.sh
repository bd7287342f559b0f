#!/bin/bash
# `perftop report --html`: how the page is written and what bad input gets.
# An existing file is kept without --force, a link at the path is never
# written through, a full disk leaves no file (and the old one whole) with
# one error line and exit 3, a bad trace is one error line and no file,
# `--html -` is the page alone on stdout.  Then a 1-hour recording at 1 s
# (a real 4 s recording of this machine repeated to 3600 intervals,
# scripts/bench/extend_trace.py) must render under 2 MiB, in a generous
# time (the figure itself is make bench's, docs/performance.md).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 xmllint mount
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$ROOT/tests/workloads

"$PERFTOP" record -i 1 -d 4 -o "$TMP/t.json" || fail "record failed"
report() { "$PERFTOP" report "$TMP/t.json" "$@"; }
st=0
report --json >/dev/null || st=$?
[ "$st" -le 2 ] || fail "report of a 4 s recording exited $st"

# A new file, then the same path again: refused, old page kept; --force.
report --html "$TMP/p.html" >/dev/null || [ $? -le 2 ] || fail "first page"
cp "$TMP/p.html" "$TMP/first.html"
expect_error 3 report --html "$TMP/p.html"
cmp -s "$TMP/p.html" "$TMP/first.html" || fail "refused write changed the page"
echo old >"$TMP/p.html"
report --html "$TMP/p.html" --force >/dev/null || [ $? -le 2 ] || fail "--force"
grep -q "</html>" "$TMP/p.html" || fail "--force did not replace the page"

# A symbolic link planted at the path: its target is never written.
echo keep >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/l.html"
expect_error 3 report --html "$TMP/l.html"
report --html "$TMP/l.html" --force >/dev/null || [ $? -le 2 ] || fail "--force over a link"
[ "$(cat "$TMP/victim")" = keep ] || fail "wrote through a symbolic link"
[ -f "$TMP/l.html" ] && [ ! -L "$TMP/l.html" ] || fail "link not replaced by the page"

# Paths that cannot be written: one line, status 3, nothing created.
mkdir "$TMP/dir.html"
expect_error 3 report --html "$TMP/dir.html" --force
expect_error 3 report --html "$TMP/no/such/dir/p.html"
expect_error 3 report --html ""
# Bad traces: one line, 3, and no page (not even a temporary file).
head -c 300 /dev/urandom >"$TMP/garbage.json"
expect_error 3 "$PERFTOP" report "$TMP/garbage.json" --html "$TMP/g.html"
expect_error 3 "$PERFTOP" report "$TMP/none.json" --html "$TMP/g.html"
[ ! -e "$TMP/g.html" ] || fail "a page was written for a bad trace"
# Usage errors.
expect_error 3 report --html - --json
expect_error 3 report --force
expect_error 3 report --html

# A full disk: 16 KiB of tmpfs holds less than one page.
mnt=$TMP/small
mkdir "$mnt"
mount -t tmpfs -o size=16k tmpfs "$mnt" || skip "cannot mount tmpfs"
on_exit "umount $mnt"
expect_error 3 report --html "$mnt/p.html"
[ -z "$(ls -A "$mnt")" ] || fail "full disk left files: $(ls -A "$mnt")"
echo "old page" >"$mnt/p.html"
expect_error 3 report --html "$mnt/p.html" --force
[ "$(cat "$mnt/p.html")" = "old page" ] || fail "full disk damaged the old page"
[ "$(ls -A "$mnt")" = p.html ] || fail "full disk left files: $(ls -A "$mnt")"

# --html -: the page alone on stdout, status as usual.
st=0
report --html - >"$TMP/stdout.html" 2>"$TMP/err" || st=$?
[ "$st" -le 2 ] && [ ! -s "$TMP/err" ] || fail "--html - exited $st: $(cat "$TMP/err")"
head -c 15 "$TMP/stdout.html" | grep -q '^<!DOCTYPE html>' || fail "--html - is not the page alone"
ls -A "$TMP" | grep -q '^\.perftop-' && fail "temporary file left behind"

# --from/--to: the page covers that range only, like report.
# 1 ms after the second-last interval's end (its time is truncated to ms):
# only the last interval is in range.
from=$(python3 -c 'import datetime as d, json, sys
s=[json.loads(l) for l in open(sys.argv[1]) if "\"snapshot\"" in l]
t=d.datetime.strptime(s[-2]["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
print((t + d.timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' "$TMP/t.json")
report --from "$from" --html "$TMP/range.html" >/dev/null || [ $? -le 2 ] || fail "--from"
grep -q "1 interval of 1 s" "$TMP/range.html" ||
	fail "--from $from: page does not cover one interval: $(grep -o '([^)]*intervals of[^)]*)' "$TMP/range.html")"

# Every page above is well-formed and self-contained; and the checker
# itself rejects what it must (a test that cannot fail proves nothing).
python3 - "$WORK" "$TMP" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from html_check import check_page
tmp = sys.argv[2]
page = open(f"{tmp}/p.html", encoding="utf-8").read()
check_page(page)
check_page(open(f"{tmp}/stdout.html", encoding="utf-8").read())
for bad in (page.replace("</figcaption>", "", 1),
            page.replace("<body>", '<body><img src="http://example.org/x.png"/>', 1),
            page.replace("</style>", "td{background:url(https://x/y)}</style>", 1),
            page.replace("<body>", '<body><a href="#nowhere">x</a>', 1),
            page.replace("<body>", "<body><script>1</script>", 1)):
    try:
        check_page(bad)
    except AssertionError as e:
        print("rejected:", str(e).splitlines()[0][:80])
        continue
    raise SystemExit("check_page accepted a broken page")
PY
xmllint --noout "$TMP/p.html" "$TMP/stdout.html" || fail "not well-formed"

# One hour at 1 s.
python3 "$ROOT/scripts/bench/extend_trace.py" "$TMP/t.json" "$TMP/hour.json" 3600
guard=10
[ -n "${ASAN_OPTIONS:-}" ] && guard=40	# the sanitizer pass is 3-4x slower
t0=$(date +%s%N)
st=0
"$PERFTOP" report "$TMP/hour.json" --html "$TMP/hour.html" >/dev/null || st=$?
ms=$((($(date +%s%N) - t0) / 1000000))
size=$(stat -c %s "$TMP/hour.html")
echo "1 h at 1 s ($(stat -c %s "$TMP/hour.json") bytes of trace): ${ms} ms, page $size bytes, exit $st"
[ "$st" -le 2 ] || fail "report --html of the hour exited $st"
[ "$size" -lt $((2 * 1024 * 1024)) ] || fail "page of one hour is $size bytes, over 2 MiB"
[ "$ms" -lt $((guard * 1000)) ] || fail "one hour took ${ms} ms (guard ${guard} s; target 2 s)"
xmllint --noout "$TMP/hour.html" || fail "hour page not well-formed"
echo "ok"
