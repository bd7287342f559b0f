#!/bin/bash
# Soak (about 3 minutes): perftop records while thousands of short-lived
# processes and threads, thousands of short TCP connections and continuous
# direct I/O churn the machine.  Holds: perftop's RSS, its fd count and its
# kernel map occupancy stay flat after warm-up (every map is sampled:
# bpftool failing to dump one fails the test), and every connection the
# workload made is in the trace or counted lost (no more missing than the
# loss counters that can drop a connection add up to).
#
# Runs when SOAK=1, or under CI=true (CI proves it once per run) unless
# SOAK=0.  Otherwise it skips, to keep `make test` short.
# SOAK_SECONDS (default 180) sets the length.
. "$(dirname "$0")/../lib.sh"
if [ "${SOAK:-}" = 0 ]; then skip "soak disabled by SOAK=0"; fi
[ "${SOAK:-}" = 1 ] || [ "${CI:-}" = true ] || skip "the 3-minute soak runs with SOAK=1 (and in CI)"
need_root
need_cmd python3 bpftool dd
secs=${SOAK_SECONDS:-180}

"$PERFTOP" record -i 1 -o "$TMP/soak.json.gz" 2>"$TMP/rec.err" &
pt=$!
on_exit "kill -INT $pt"
sleep 1

# --- churn ---
stop=$TMP/stop
( while [ ! -e "$stop" ]; do		# processes: ~100/s, each faults pages in
	for _ in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done; sleep 0.1
done ) &
python3 - "$stop" <<'PY' &
import os, sys, threading, time
def work(): sum(range(2000))
n = 0
while not os.path.exists(sys.argv[1]):	# threads: ~200/s
    ts = [threading.Thread(target=work) for _ in range(20)]
    for t in ts: t.start()
    for t in ts: t.join()
    n += 20
    time.sleep(0.1)
PY
( while [ ! -e "$stop" ]; do		# direct I/O on the test's filesystem
	dd if=/dev/zero of="$TMP/io" bs=64k count=32 oflag=direct conv=fsync 2>/dev/null
	dd if="$TMP/io" of=/dev/null bs=64k iflag=direct 2>/dev/null; sleep 0.2
done ) &
python3 - "$stop" "$TMP/conns" <<'PY' &
import os, socket, sys, threading, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(512)
port = srv.getsockname()[1]
def serve():
    while True:
        c, _ = srv.accept(); c.recv(1); c.close()
threading.Thread(target=serve, daemon=True).start()
made = []
while not os.path.exists(sys.argv[1]):	# TCP: ~150 connections/s
    for _ in range(15):
        c = socket.create_connection(("127.0.0.1", port))
        made.append(c.getsockname()[1]); c.send(b"x"); c.close()
    time.sleep(0.1)
time.sleep(1.5)	# let the last connections finish inside an interval
with open(sys.argv[2], "w") as f:
    f.write(f"{port} {' '.join(map(str, made))}\n")
PY

# --- samples: RSS, fds, entries of each of perftop's maps ---
sample() {
	local rss fds
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$pt/status)
	fds=$(ls /proc/$pt/fd | wc -l)
	# perftop's maps: its fds whose fdinfo has a map_id (bpftool here
	# cannot list owner pids); hash types only, the rest cannot grow
	maps=$(python3 -c '
import json, os, subprocess, sys
pid = sys.argv[1]; out = []; seen = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        info = dict(l.split(":", 1) for l in open(f"/proc/{pid}/fdinfo/{fd}") if ":" in l)
    except OSError:
        continue
    if "map_id" not in info or int(info["map_type"]) not in (1, 5, 9, 10):
        continue
    mid = int(info["map_id"])
    if mid in seen: continue
    seen.add(mid)
    # A map that cannot be dumped is a failed check, not a map left out.
    r = subprocess.run(["bpftool", "-j", "map", "dump", "id", str(mid)],
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"bpftool map dump id {mid} failed ({r.returncode}): {r.stderr.strip()}")
    r2 = subprocess.run(["bpftool", "-j", "map", "show", "id", str(mid)],
                        capture_output=True, text=True)
    if r2.returncode:
        sys.exit(f"bpftool map show id {mid} failed ({r2.returncode}): {r2.stderr.strip()}")
    name = json.loads(r2.stdout).get("name", "?")
    cap = int(info["max_entries"])
    out.append(f"{name}#{mid}:{len(json.loads(r.stdout))}/{cap}")
print(",".join(sorted(out)))' $pt 2>"$TMP/maps.err") || fail "sampling perftop's maps: $(cat "$TMP/maps.err")"
	[ -n "$maps" ] || fail "no BPF map of perftop found to sample"
	echo "$SECONDS $rss $fds $maps" | tee -a "$TMP/samples"
}
start=$SECONDS
while [ $((SECONDS - start)) -lt "$secs" ]; do
	kill -0 $pt 2>/dev/null || fail "perftop died: $(cat "$TMP/rec.err")"
	sample
	sleep 10
done
touch "$stop"; sleep 3
sample
kill -INT $pt; wait $pt || fail "perftop record exited $?: $(cat "$TMP/rec.err")"
wait

python3 - "$TMP/samples" "$TMP/soak.json.gz" "$TMP/conns" <<'PY'
import gzip, json, sys
rows = [l.split() for l in open(sys.argv[1])]
warm = [r for r in rows if int(r[0]) - int(rows[0][0]) >= 30] or rows
rss = [int(r[1]) for r in warm]; fds = [int(r[2]) for r in warm]
print(f"RSS kB after warm-up: first {rss[0]} max {max(rss)} last {rss[-1]}; fds {fds[0]}..{max(fds)}")
assert rss[-1] - rss[0] < 16384 and max(rss) - rss[0] < 32768, "RSS grows"
assert max(fds) - fds[0] <= 2, "fd count grows"
def maps(r):
    return {m.split(":")[0]: tuple(map(int, m.split(":")[1].split("/")))
            for m in (r[3].split(",") if len(r) > 3 and r[3] else [])}
# Entries must be released: once the churn stops (last sample) every map
# is back near idle, whatever its peak; and no map ever filled up silently.
last = maps(rows[-1])
objs = [json.loads(l) for l in gzip.open(sys.argv[2], "rt")]
map_full = objs[-1]["loss"]["map_full"] if objs[-1]["type"] == "end" else 0
for name, (n, cap) in sorted(last.items()):
    peak = max(maps(r).get(name, (0, cap))[0] for r in rows)
    print(f"map {name}: peak {peak} of {cap} during churn, {n} after it")
    assert n <= peak // 2 + 128, f"map {name} keeps {n} entries after the churn (peak {peak})"
    assert peak < cap or map_full > 0, f"map {name} full and no map_full counted"
assert objs[-1]["type"] == "end", "no end line"
loss = objs[-1]["loss"]
port, *made = map(int, open(sys.argv[3]).read().split())
seen = {c["sport"] for o in objs if o["type"] == "snapshot"
        for c in o["tcp"]["conns"] if c["dport"] == port}
missing = [p for p in made if p not in seen]
procs = {t["tgid"] for o in objs if o["type"] == "snapshot" for t in o["sched"]["tasks"]}
print(f"{len(objs) - 2} snapshots, {len(procs)} processes seen, loss {loss}")
print(f"connections: made {len(made)}, in the trace {len(made) - len(missing)}")
assert len(made) > 1000 and len(procs) > 1000, "churn too small"
# A missing connection must be a counted one: the tcp family counts a
# socket whose state it could not create as storage_fail (its hash
# insert failed), a full table as map_full, an owner never known as
# tcp_owner_unknown.  The counters are not per family, so a loss counted
# elsewhere can excuse a connection here; only as many as were counted.
# CI (2026-12-02): 2 of 27,000 missing with storage_fail 2.
counted = loss["storage_fail"] + loss["map_full"] + loss["tcp_owner_unknown"]
assert len(missing) <= counted, \
    f"{len(missing)} connections missing (first {missing[:10]}), loss {loss}"
PY
echo "soak: flat"
