#!/bin/bash
# lock.contention across processes: 8 single-threaded processes (forked,
# named ptshared) serialised on one multiprocessing.Lock (a POSIX
# semaphore in shared memory), each holding it 5 ms asleep: at any time one
# holds it and 7 wait, about 7000 ms/s together, 875 per process (known by
# construction).  No process has two waiting threads, so the per-process
# rule alone said nothing, exit 0, while perftop measured 6,859 ms/s of
# lock waits (explore helper, 2026-12-04).  The scan must name the
# ptshared processes with the shared-lock advice and a sum of at least
# 3500 ms/s (a loaded 2-CPU machine stretches every hold: detect_lock).
# Beside them 8 single-threaded processes of one command blocked on a pipe
# (asleep, no lock) must not be named.
# Then file locks, which no kernel-lock tracepoint sees (read as sleep
# before): 4 processes taking one flock(2) in turn, then 4 taking one
# lockf(3) record lock (fcntl F_SETLKW), 5 ms each: about 3000 ms/s a
# group, each in a scan of its own (the rule names the worst group), at
# least 1500 ms/s.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

python3 - <<'EOF' >"$TMP/shared.out" &
import ctypes, multiprocessing as mp, os, time
def work(lock):
    ctypes.CDLL("libc.so.6").prctl(15, b"ptshared")	# PR_SET_NAME
    while True:
        with lock:
            time.sleep(0.005)
lock = mp.Lock()
kids = [mp.Process(target=work, args=(lock,), daemon=True) for _ in range(8)]
for k in kids:
    k.start()
print("started", flush=True)
time.sleep(60)
EOF
shared=$!
on_exit "pkill -P $shared; kill $shared"
python3 - <<'EOF' >"$TMP/idle.out" &
import ctypes, os, time
r, w = os.pipe()
for _ in range(8):
    if os.fork() == 0:
        ctypes.CDLL("libc.so.6").prctl(15, b"ptreader")
        os.read(r, 1)
        os._exit(0)
print("started", flush=True)
time.sleep(60)
EOF
idle=$!
on_exit "pkill -P $idle; kill $idle"
wait_line "$TMP/shared.out" started
wait_line "$TMP/idle.out" started
sleep 0.5

# scan_shared NAME MIN: a 4 s scan whose lock.contention names the
# processes of NAME with the shared-lock advice, at least MIN ms/s
scan_shared() {
	local rc=0
	"$PERFTOP" scan --probes sched -i 0.5 -d 4 --json >"$TMP/scan.json" || rc=$?
	python3 - "$(cd "$(dirname "$0")/../workloads" && pwd)" "$TMP" "$rc" "$1" "$2" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, rules
tmp, rc, name, least = sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
scan = check_report(json.loads(open(f"{tmp}/scan.json", encoding="utf-8").read()))
print("scan:", scan["status"], rc, {r: round(f["value"], 1) for r, f in rules(scan).items()})
assert rc in (1, 2), f"scan exited {rc}, wanted a warning or critical"
f = rules(scan).get("lock.contention")
assert f, "no lock.contention finding"
print(f["advice"])
print("culprits:", [(c["pid"], c["comm"], round(c["value"])) for c in f["culprits"]])
assert f["value"] >= least, f"{f['value']} ms/s, expected at least {least}"
assert f"processes of {name} queue on a lock they share" in f["advice"], f["advice"]
names = {c["comm"] for c in f["culprits"]}
assert name in names, names
assert "ptreader" not in names, names
print("ok")
PY
}
scan_shared ptshared 3500
pkill -P "$shared" || true
kill "$shared"
wait "$shared" 2>/dev/null || true

# file_convoy KIND: 4 processes (named ptKIND) taking one file lock in
# turn, 5 ms each; KIND flock (flock(2)) or lockf (fcntl F_SETLKW)
file_convoy() {
	python3 - "$1" "$TMP/lock.$1" >"$TMP/$1.out" <<'PY' &
import ctypes, fcntl, os, sys, time
kind, path = sys.argv[1], sys.argv[2]
lock = fcntl.flock if kind == "flock" else fcntl.lockf
for _ in range(4):
    if os.fork() == 0:
        ctypes.CDLL("libc.so.6").prctl(15, b"pt" + kind.encode())
        fd = os.open(path, os.O_RDWR | os.O_CREAT)
        while True:
            lock(fd, fcntl.LOCK_EX)
            time.sleep(0.005)
            lock(fd, fcntl.LOCK_UN)
print("started", flush=True)
time.sleep(60)
PY
	FILE_PID=$!
	on_exit "pkill -P $FILE_PID; kill $FILE_PID"
	wait_line "$TMP/$1.out" started
	sleep 0.5
}
file_convoy flock
scan_shared ptflock 1500
pkill -P "$FILE_PID" || true
kill "$FILE_PID"
wait "$FILE_PID" 2>/dev/null || true
file_convoy lockf
scan_shared ptlockf 1500
