#!/bin/bash
# Containers.  In a PID namespace of its own, /proc and the kernel's BPF
# task iterators show only that namespace's tasks while the probes see
# every task of the machine (by host pid): perftop refuses with one error
# line naming the namespace and the fix, exit 1 (scan: 3; doctor says it
# and exits 1), instead of recording an under-count (it used to record
# with exit 0: the fault family's iterator saw only the namespace).
# In a container that shares the host PID namespace (a DaemonSet:
# hostPID) but has its own mount, UTS, IPC and network namespaces and its
# own /proc mount, it sees every host task: a spinner and a faulting
# process started outside are in the trace, named by their pids.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd unshare python3
unshare -p -f --mount-proc true 2>/dev/null || skip "cannot create a PID namespace (unshare -p)"

# --- a PID namespace of its own
expect_error 1 unshare -p -f --mount-proc "$PERFTOP" record -d 1 -o "$TMP/priv.json"
grep -q "PID namespace" "$TMP/err" || fail "the error does not name the PID namespace"
[ ! -e "$TMP/priv.json" ] || fail "a trace was written in a private PID namespace"
expect_error 1 unshare -p -f "$PERFTOP" top -b -n 1	# the host's /proc: the same
expect_error 3 unshare -p -f --mount-proc "$PERFTOP" scan -d 1
rc=0; unshare -p -f --mount-proc "$PERFTOP" doctor >"$TMP/doctor.txt" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "doctor in a private PID namespace exited $rc, want 1"
grep -q "PID ns .*not the host's" "$TMP/doctor.txt" || fail "doctor does not say: $(cat "$TMP/doctor.txt")"
echo "ok: doctor says: $(grep 'PID ns' "$TMP/doctor.txt")"

# --- a container sharing the host's PID namespace
cp /bin/bash "$TMP/ptnsspin"
"$TMP/ptnsspin" -c 'while :; do :; done' &
spin=$!
python3 -c '
import mmap, time
end = time.time() + 8
while time.time() < end:	# fresh anonymous pages, each written: a fault
    m = mmap.mmap(-1, 8 << 20)
    for off in range(0, 8 << 20, 4096):
        m[off] = 1
    m.close()
    time.sleep(0.01)
' &
faulter=$!
unshare -m -u -i -n --propagation private \
	sh -c 'mount -t proc proc /proc && exec "$0" record --probes sched,fault -i 0.5 -d 2 -o "$1"' \
	"$PERFTOP" "$TMP/shared.json" || fail "record in a host-PID-namespace container exited $?"
python3 - "$TMP/shared.json" "$spin" "$faulter" <<'PY'
import json, sys
trace, spin, faulter = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
snaps = [o for o in map(json.loads, open(trace)) if o["type"] == "snapshot"]
sched = {t["pid"]: t for s in snaps for t in s["sched"]["tasks"]}
faults = {}
for s in snaps:
    for t in s["faults"]["tasks"]:
        faults[t["tgid"]] = faults.get(t["tgid"], 0) + t["minor"]
print(f"spinner {spin}: {sched.get(spin, {}).get('comm')}, on-CPU "
      f"{sum(t['oncpu_ns'] for s in snaps for t in s['sched']['tasks'] if t['pid'] == spin) / 1e9:.2f} s; "
      f"faulter {faulter}: {faults.get(faulter, 0)} minor faults")
bad = []
if spin not in sched or sched[spin]["comm"] != "ptnsspin":
    bad.append(f"the host spinner {spin} is not in sched.tasks")
if faults.get(faulter, 0) < 2048:	# one 8 MiB map is 2048 faults; 2 s hold dozens
    bad.append(f"the host faulter {faulter} has {faults.get(faulter, 0)} minor faults")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
echo "ok"
