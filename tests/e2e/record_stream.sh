#!/bin/bash
# record streams: the header appears once probes are attached, each snapshot
# is flushed when its interval ends (a reader following the file sees it),
# SIGINT and SIGTERM end with the end line, .gz output is valid gzip, and the
# per-interval sums cover the whole recording.
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
    # intervals tile the recording: consecutive ts_ns differ by interval_ns
    for a, b in zip(snaps, snaps[1:]):
        assert b["ts_ns"] - a["ts_ns"] == b["interval_ns"], (path, a["seq"])
    print(path, len(snaps), "snapshots ok")
PY
