#!/bin/bash
# `perftop report --html` over a real oversubscription: twelve spinners on
# two CPUs (six per CPU read a run-queue p99 of 28-32 ms against the 10 ms
# warning; six in all read 12-16 ms, and CI once saw 8 of 10 intervals
# over the line), held stopped while the recording starts and let run for
# 5 s of its 8, so cpu.runq_latency has a span with known ends (11 active
# intervals, 3 of 3, 2026-12-03).  The page must be well-formed (xmllint
# as XML, a strict HTML tag check), self-contained (nothing it could
# fetch), and in headless Chromium it must paint (a screenshot that is not
# blank and shows the hatched span) and its DOM must hold the finding's
# span where the workload ran (the workload's own clock is the reference)
# and the spinners' name as text, though that name is markup.  --baseline
# against a quiet recording must name them as worse.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 taskset xmllint
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "needs chromium (Debian package chromium; scripts/install-deps.sh installs it)"
WORK=$(cd "$(dirname "$0")/../workloads" && pwd)

"$PERFTOP" record --probes sched -i 0.5 -d 2 -o "$TMP/quiet.json" ||
	fail "baseline record failed"

cpus=0-1
[ "$(nproc)" -ge 2 ] || cpus=0
# A command name that is markup: it must reach the DOM as text.
start_spinners 12 "$cpus" 'spin<i>' held
pids=("${SPIN_PIDS[@]}")
only=$(IFS=,; echo "${pids[*]}")
"$PERFTOP" record --probes sched -p "$only" -i 0.5 -d 8 -o "$TMP/load.json" &
rec=$!
wait_line "$TMP/load.json" '"type":"snapshot"' 10
sleep 1
t_start=$(date +%s.%N)
kill -CONT "${pids[@]}"
sleep 5
t_end=$(date +%s.%N)
kill -KILL "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
wait "$rec" || fail "record of the load failed"

rc=0
"$PERFTOP" report "$TMP/load.json" --json >"$TMP/report.json" || rc=$?
hrc=0
"$PERFTOP" report "$TMP/load.json" --baseline "$TMP/quiet.json" \
	--html "$TMP/page.html" >"$TMP/report.txt" || hrc=$?
[ "$hrc" = "$rc" ] || fail "report --html exited $hrc, report --json $rc"
[ -s "$TMP/page.html" ] || fail "no page written"
[ "$(stat -c %a "$TMP/page.html")" = 600 ] || fail "page mode $(stat -c %a "$TMP/page.html"), want 600"
ls -A "$TMP" | grep -q '^\.perftop-' && fail "temporary file left behind"
xmllint --noout "$TMP/page.html" || fail "page is not well-formed"

# Headless Chromium, as root and offline: its own profile, no network
# services, nothing fetched at startup.
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$TMP/profile" --hide-scrollbars \
		"$@" "file://$TMP/page.html" 2>>"$TMP/chrome.log"
}
chrome --window-size=1200,2400 --force-device-scale-factor=0.5 \
	--screenshot="$TMP/shot.png" >/dev/null || fail "chromium screenshot failed: $(tail -3 "$TMP/chrome.log")"
chrome --dump-dom >"$TMP/dom.html" || fail "chromium --dump-dom failed: $(tail -3 "$TMP/chrome.log")"

python3 - "$WORK" "$TMP" "$t_start" "$t_end" "$rc" "$only" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import png
from html_check import check_page, parse_dom, rfc3339_s
tmp, t_start, t_end, rc = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
pids = sys.argv[6].split(",")
SPIN = "spin<i>"

rep = json.loads(open(f"{tmp}/report.json").read())
print("report:", rep["status"], [f["rule"] for f in rep["findings"]])
assert rc in (1, 2), rc

# The file as written: strict structure, nothing to fetch.
check_page(open(f"{tmp}/page.html", encoding="utf-8").read())

# The DOM Chromium built from it.
dom = parse_dom(open(f"{tmp}/dom.html", encoding="utf-8").read())
assert not dom.tags.get("i"), "the spinner's name became markup"
assert not dom.tags.get("script"), "a script element"
# every finding of `report --json` has its article on the page
rules = {a["data-rule"] for a in dom.find("article")}
assert rules == {f["rule"] for f in rep["findings"]}, (rules, rep["findings"])

# The span, against the workload's own clock: an interval is active only
# if it holds contention, so the span starts in the 0.5 s interval that
# holds t_start (or the next, if that one's tail held too few waits for a
# p99) and ends in the one that holds t_end; 0.25 s more for scheduling
# between `date` and the signal.
def main_chart(e):
    svg = e.ancestor("svg")
    return svg is not None and "main" in svg.get("class", "").split()
spans = [r for r in dom.find("rect") if "span" in r.get("class", "").split()
         and r.get("data-rule") == "cpu.runq_latency" and main_chart(r)]
assert spans, "no cpu.runq_latency span in the DOM's timeline"
start = min(rfc3339_s(r["data-start"]) for r in spans)
end = max(rfc3339_s(r["data-end"]) for r in spans)
active = sum(int(r["data-intervals"]) for r in spans)
print("workload %.2f..%.2f, span %.2f..%.2f, %d active intervals"
      % (t_start, t_end, start, end, active))
tol = 0.5 + 0.25
assert t_start - tol <= start <= t_start + 2 * tol, ("span start", start, t_start)
assert t_end - 2 * tol <= end <= t_end + tol, ("span end", end, t_end)
assert active >= 0.8 * (t_end - t_start) / 0.5, ("gaps in the span", active)

# The culprits: the spinners by name and pid, as text.
culprits = [c.text for c in dom.find("span") if c.get("class") == "culprit"]
print("culprits:", culprits[:5])
mine = [c for c in culprits if c.startswith(SPIN + "[")]
assert len(mine) >= 5 and all(c[len(SPIN) + 1:-1] in pids for c in mine), culprits
# ...and in the culprits section, each with its own timeline
rows = [td.text for td in dom.find("td") if td.get("class") == "culprit"]
assert any(r.startswith(SPIN + "[") for r in rows), rows
# --baseline: the spinners got worse, shown beside the quiet run
base = [td.text for td in dom.find("td") if td.get("class") == "culprit"
        and td.parent_section == "baseline"]
assert SPIN in base, base

# The screenshot: painted, and the hatched span is on it.
w, h, px = png.read(f"{tmp}/shot.png")
ink = hatch = 0
colours = set()
for y in range(0, h, 2):
    row = px[y]
    for x in range(0, w * 3, 6):
        r, g, b = row[x], row[x + 1], row[x + 2]
        colours.add((r >> 4, g >> 4, b >> 4))
        if r + g + b < 720:
            ink += 1
        if r > 140 and r - b > 90 and r > g > b:	# the amber hatch
            hatch += 1
total = (h // 2) * (w // 2)
print("screenshot %dx%d: %.1f%% ink, %d colours, %d hatch samples"
      % (w, h, 100.0 * ink / total, len(colours), hatch))
assert ink > 0.03 * total, "screenshot is blank"
assert len(colours) >= 20, "screenshot has almost no colours"
assert hatch > 100, "the hatched span is not painted"
PY
echo "ok"
