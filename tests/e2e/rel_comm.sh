#!/bin/bash
# Kernel strings are untrusted bytes: a process names itself with a quote,
# a backslash, a newline, control bytes and a non-UTF-8 byte (prctl
# PR_SET_NAME).  The JSON trace must stay one valid object per line with
# the name escaped and round-tripping byte for byte; report reads it back;
# the text screens (top -b, replay) show no raw control bytes.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

name_hex=$(printf 'q"b\\c\nd\001\033[7m\377' | od -An -tx1 | tr -d ' \n')
python3 - "$name_hex" "$TMP/ready" <<'PY' &
import ctypes, sys, time
name = bytes.fromhex(sys.argv[1])[:15]
libc = ctypes.CDLL(None)
assert libc.prctl(15, name, 0, 0, 0) == 0		# PR_SET_NAME
assert open("/proc/self/comm", "rb").read()[:-1] == name
open(sys.argv[2], "w").close()
while True:	# until the test ends: run and sleep (waits, faults)
    sum(range(20000)); time.sleep(0.001)
PY
victim=$!
for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
"$PERFTOP" record -p $victim -i 0.5 -d 2 -o "$TMP/t.json" 2>"$TMP/rec.err" ||
	fail "record failed: $(cat "$TMP/rec.err")"
python3 - "$TMP/t.json" "$name_hex" $victim <<'PY'
import json, sys
# the invalid UTF-8 byte 0xff is written as U+FFFD: JSON must be UTF-8
want = bytes.fromhex(sys.argv[2])[:15].replace(b"\xff", "\ufffd".encode())
pid = int(sys.argv[3])
raw = open(sys.argv[1], "rb").read()
for b in raw:
    assert b >= 0x20 or b == 0x0a, f"raw control byte {b:#x} in the trace"
lines = raw.split(b"\n")[:-1]
objs = [json.loads(l) for l in lines]		# every line parses on its own
comms = {t["comm"] for o in objs if o["type"] == "snapshot"
         for t in o["sched"]["tasks"] if t["tgid"] == pid}
assert comms, "the process is not in the trace"
# invalid UTF-8 arrives as raw bytes inside the JSON string: compare bytes
got = {c.encode("utf-8", "surrogateescape") for c in comms}
print("comm in trace:", comms)
assert want in got, f"comm does not round-trip: want {want!r}, got {got!r}"
PY
"$PERFTOP" report "$TMP/t.json" >"$TMP/report.txt" 2>&1 || [ $? -le 2 ] ||
	fail "report failed: $(cat "$TMP/report.txt")"
"$PERFTOP" replay "$TMP/t.json" </dev/null >"$TMP/replay.txt" 2>&1 || fail "replay failed"
"$PERFTOP" top -b -n 2 -i 0.5 -p $victim >"$TMP/top.txt" 2>&1 || fail "top -b failed: $(tail -3 "$TMP/top.txt")"
for f in report replay top; do
	python3 - "$TMP/$f.txt" "$f" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
bad = sorted({b for b in raw if (b < 0x20 and b not in (0x0a,)) or b == 0x7f})
assert not bad, f"{sys.argv[2]}: raw control bytes {bad} on screen"
assert b"q\"b\\c" in raw or b"q\"b" in raw, f"{sys.argv[2]}: comm not shown"
print(f"{sys.argv[2]}: comm shown sanitized")
PY
done
