#!/bin/bash
# record streams: the header appears once probes are attached, each snapshot
# is flushed when its interval ends (a reader following the file sees it),
# SIGINT and SIGTERM end with the end line, .gz output is valid gzip, and the
# intervals cover the whole recording (against the test's own clock and a
# child's CPU time as the kernel charged it).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 zcat

for sig in INT TERM; do
	out="$TMP/stream-$sig.json"
	"$PERFTOP" record --probes sched -i 0.2 -o "$out" &
	pid=$!
	wait_line "$out" '"type":"header"'
	wait_line "$out" '"seq":3,' 10          # streamed while running
	kill -0 "$pid" || fail "record exited early"
	kill -"$sig" "$pid"
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "record exited $rc after SIG$sig, want 0"
	tail -1 "$out" | grep -q '"type":"end"' || fail "no end line after SIG$sig"
	[ "$(stat -c %a "$out")" = 600 ] || fail "trace mode $(stat -c %a "$out"), want 600"
done

"$PERFTOP" record --probes sched -i 0.25 -d 1 -o "$TMP/t.json.gz"
zcat "$TMP/t.json.gz" > "$TMP/t.json" || fail "gzip trace does not decompress"
"$PERFTOP" record --probes sched -i 0.25 -d 1 > "$TMP/stdout.json" || fail "record to stdout failed"

python3 - "$TMP/t.json" "$TMP/stdout.json" "$TMP/stream-INT.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    lines = [json.loads(l) for l in open(path)]
    types = [o["type"] for o in lines]
    assert types[0] == "header" and types[-1] == "end", (path, types[:2], types[-1])
    snaps = [o for o in lines if o["type"] == "snapshot"]
    assert lines[-1]["snapshots"] == len(snaps), path
    assert [s["seq"] for s in snaps] == list(range(1, len(snaps) + 1)), path
    for s in snaps:
        for k in ("time", "ts_ns", "interval_ns", "sched", "loss", "findings"):
            assert k in s, (path, k)
        for k in ("ringbuf_drops", "map_full", "storage_fail", "attach_failed"):
            assert k in s["loss"], (path, k)
    print(path, len(snaps), "snapshots ok")
PY

# The intervals cover the recording, checked against things perftop does
# not write itself (consecutive ts_ns differing by interval_ns holds by
# construction: both come from the same clock reads).  A child burns CPU
# from just after the header to just before SIGINT; then
#  - on the test's own CLOCK_MONOTONIC (the clock of ts_ns), the first
#    interval starts before the test saw the header and the last one ends
#    after the signal was sent and before the test saw the end line: no
#    gap at either end;
#  - the child's on-CPU time summed over the snapshots equals what the
#    kernel charged it (wait4() rusage: sum_exec_runtime, in us), so no
#    interval in between was dropped or counted twice (one would move the
#    sum by an interval of CPU, 200 ms here).  Tolerance 1% + 1 ms:
#    perftop's switch timestamps include the interrupt time that
#    IRQ-time accounting leaves out of sum_exec_runtime, and rusage is in
#    whole us.
python3 - "$PERFTOP" "$TMP/cover.json" <<'PY'
import json, os, sys, time
from perftop_test import record_during
perftop, trace = sys.argv[1:3]

def work():
    t_header = time.monotonic_ns()	# the header line has been seen
    pid = os.fork()
    if pid == 0:
        end = time.process_time() + 1.0
        while time.process_time() < end:
            pass
        os._exit(0)
    _, _, ru = os.wait4(pid, 0)
    return t_header, pid, round((ru.ru_utime + ru.ru_stime) * 1e9), time.monotonic_ns()

t_header, pid, kernel_ns, t_signal = record_during(perftop, trace, "sched", work,
                                                   interval="0.2")
t_end = time.monotonic_ns()	# after the end line was seen
snaps = [o for o in map(json.loads, open(trace)) if o["type"] == "snapshot"]
first = snaps[0]["ts_ns"] - snaps[0]["interval_ns"]
last = snaps[-1]["ts_ns"]
print(f"{len(snaps)} intervals cover {first}..{last}; test clock: header seen "
      f"{t_header}, signal {t_signal}, end seen {t_end}")
assert first <= t_header, "the first interval starts after the header was seen"
assert t_signal <= last <= t_end, "the last interval does not end at the signal"
seen = sum(t["oncpu_ns"] for s in snaps for t in s["sched"]["tasks"]
           if t["pid"] == pid)
err = abs(seen - kernel_ns)
print(f"child {pid}: perftop on-CPU {seen / 1e6:.3f} ms over the snapshots, "
      f"kernel {kernel_ns / 1e6:.3f} ms, diff {err / 1e6:.3f} ms")
assert err <= 0.01 * kernel_ns + 1e6, "the intervals do not add up to the child's CPU time"
PY
