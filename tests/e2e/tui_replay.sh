#!/bin/bash
# perftop replay over a recording made here: shows the recorded processes
# with the recorded time, host and kernel; stepping moves the recorded time;
# start/end/next-finding jumps; works without root; batch text when stdout
# is not a terminal.
. "$(dirname "$0")/../lib.sh"
need_root	# to record; the replay itself runs as nobody
need_cmd taskset setpriv python3
. "$(dirname "$0")/../tmux.sh"

start_spinners 3 $(( $(nproc) - 1 ))	# 3 "ptspin" on the last CPU

rec="$TMP/rec.json.gz"
"$PERFTOP" record -d 3 -i 0.5 -o "$rec" 2>"$TMP/record.err" ||
	fail "perftop record failed: $(cat "$TMP/record.err")"
kill "${SPIN_PIDS[@]}"
chmod 755 "$TMP"
chmod 644 "$rec"

# What the file says: snapshot times, and which intervals have findings.
python3 - "$rec" >"$TMP/facts" <<'PY'
import gzip, json, sys
snaps = [o for o in map(json.loads, gzip.open(sys.argv[1], "rt")) if o["type"] == "snapshot"]
print(len(snaps))
print(" ".join(s["time"] for s in snaps))
# the first interval after the first that has a finding: where n goes
print(next((str(i + 1) for i, s in enumerate(snaps) if i and s["findings"]), "none"))
PY
n=$(sed -n 1p "$TMP/facts")
read -r -a times <<<"$(sed -n 2p "$TMP/facts")"
next_finding=$(sed -n 3p "$TMP/facts")
[ "$n" -ge 3 ] || fail "recording has $n snapshots, want >= 3 (3 s at 0.5 s)"
echo "recording: $n snapshots, n goes to: $next_finding"

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# --- batch text when stdout is not a terminal, without root -----------------
nobody "$PERFTOP" replay "$rec" >"$TMP/batch" 2>"$TMP/batch.err" ||
	fail "replay as nobody failed: $(cat "$TMP/batch.err")"
[ "$(grep -c '^perftop replay ' "$TMP/batch")" -eq "$n" ] ||
	fail "batch replay printed $(grep -c '^perftop replay ' "$TMP/batch") screens, want $n"
grep -q "^perftop replay 1/$n  recorded ${times[0]}  $(hostname)" "$TMP/batch" ||
	fail "batch replay header lacks the recorded time/host: $(head -1 "$TMP/batch")"

# --- interactive, as nobody ---------------------------------------------
tm_start rp 120 40 "setpriv --reuid=65534 --regid=65534 --clear-groups $PERFTOP replay $rec"
at() {	# at POS: header shows interval POS of n at its recorded time
	tm_wait rp "^perftop replay $1/$n +recorded ${times[$(($1 - 1))]} "
}
at 1
tm_wait rp "$(re_quote "$(hostname)  $(uname -r)")"
tm_wait rp ' ptspin '
tm_keys rp Right; at 2
tm_keys rp .; at 3
tm_keys rp Left; at 2
tm_keys rp ,; at 1
tm_keys rp Left; at 1		# stays on the first
tm_keys rp End; at "$n"
tm_keys rp Right; at "$n"	# stays on the last
tm_keys rp Home; at 1
tm_keys rp G; at "$n"
tm_keys rp g; at 1
if [ "$next_finding" = none ]; then
	tm_keys rp n; tm_wait rp 'no later interval with a finding'
else
	tm_keys rp n; at "$next_finding"
	tm_wait rp '^(WARNING|CRITICAL) [a-z]+\.'
fi
# p plays at the recorded pace to the end, then stops
tm_keys rp g; at 1
tm_keys rp p; tm_wait rp '\[PLAYING\]'
at "$n"
tm_wait_gone rp '\[PLAYING\]'
# views and help work here too
tm_keys rp 2; tm_wait rp 'MAJ/s'
tm_keys rp '?'; tm_wait rp 'perftop replay keys'
tm_keys rp Escape; tm_wait_gone rp 'perftop replay keys'
# paused, the replay sleeps in poll(): a resize must still redraw it
tm resize-window -t rp -x 80 -y 24
for ((i = 0; i < 100; i++)); do	# redrawn: the status line is row 24
	[ "$(tm_screen rp | sed -n 24p | cut -c1-6)" = '?:help' ] && break
	sleep 0.05
done
[ "$i" -lt 100 ] || { tm_screen rp; fail "no redraw for 80x24: status line not on row 24"; }
tm_screen rp | awk 'length > 80 { bad = 1 } END { exit bad }' || fail "a line wider than 80"
tm_keys rp q
tm_expect_exit rp 0

expect_error 1 "$PERFTOP" replay "$TMP/missing.json"
