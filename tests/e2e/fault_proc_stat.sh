#!/bin/bash
# Minor and major faults per process must match the kernel's own counters
# in /proc/PID/stat (minflt field 10, majflt field 12) over the same window:
# within 2% for minor, 5% for major.  Four workloads run at once:
#   anon      touches fresh anonymous memory: minor faults
#   file      reads a dropped-from-cache file through mmap: major faults
#   populate  mmap(MAP_POPULATE): minor faults the kernel takes on the
#             process's behalf (get_user_pages), invisible to fault events
#   fork      forks children that fault and exit within milliseconds: their
#             sum must match the parent's cminflt (field 11), which the
#             kernel adds up as it reaps them
# Two more runs, with -p (file workload) and -c (anon workload, moved into a
# cgroup of its own), check that the filters keep only that process, still
# exact.  Every snapshot's totals must be the sum over the tasks shown.
# The window has no edge to sample: the workloads are stopped (SIGSTOP)
# while perftop starts and while it ends, and /proc is read while they are
# stopped, so both counts cover the same faults at any speed (a TCG guest
# of the VM test bed is ~10x slower than this machine).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 gcc

src=$(dirname "$0")/../workloads/faulter.c
gcc -O2 -Wall -o "$TMP/faulter" "$src" || fail "cannot build $src"

# The major-fault file must live on a real disk: tmpfs pages never leave
# memory, so dropping them from the cache does not make faults major.
datadir=$TMP
[ "$(stat -f -c %T "$datadir")" = tmpfs ] && datadir=$(mktemp -d /var/tmp/perftop-test.XXXXXX) &&
	on_exit "rm -rf $datadir"
head -c $((128 << 20)) /dev/urandom >"$datadir/data" || fail "cannot write $datadir/data"
sync

pids=()
for w in "anon 32" "file $datadir/data" "populate 32" "fork 4"; do
	# shellcheck disable=SC2086
	"$TMP/faulter" $w >"$TMP/ready.${#pids[@]}" &
	pids+=($!)
done
on_exit "kill ${pids[*]}"
for i in 0 1 2 3; do wait_line "$TMP/ready.$i" ready 20; done

# -c names a cgroup of the hierarchy perftop names tasks by (v1 cpu on the
# hybrid layout, cgroup2 elsewhere: lib.sh).
cgroup_naming_hier
cg2=$CG_MNT
cgname=perftop-fault-$$
mkdir "$cg2/$cgname"
# The cgroup can go only once its process is gone.
on_exit "kill ${pids[0]}; for _ in \$(seq 40); do rmdir '$cg2/$cgname' && break; sleep 0.05; done"
echo "${pids[0]}" >"$cg2/$cgname/cgroup.procs" || fail "cannot move ${pids[0]} into $cg2/$cgname"

python3 - "$PERFTOP" "$TMP" "$cgname" "${pids[@]}" <<'PY'
import atexit, json, os, signal, subprocess, sys, time
from perftop_test import make_waiter, under_tcg
perftop, tmp, cgname = sys.argv[1], sys.argv[2], sys.argv[3]
anon, filew, populate, forker = (int(p) for p in sys.argv[4:8])
CHILDREN = -1	# pseudo pid: every short-lived child of forker
names = {anon: "anon", filew: "file", populate: "populate", forker: "fork",
         CHILDREN: "fork children"}

def faults(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[7]), int(rest[9]), int(rest[8])	# fields 10, 12, 11

def wait_for(trace, pattern, proc):
    make_waiter(trace)(pattern, proc)

def family(pids):
    """The workloads and their children (the fork workload's current one)."""
    out = []
    for p in pids:
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                out += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return out

stopped = set()

def thaw(procs):
    for p in procs:
        try:
            os.kill(p, signal.SIGCONT)
        except ProcessLookupError:
            pass
        stopped.discard(p)

# Never leave a workload stopped: a stopped process ignores the SIGTERM
# the cleanup sends until it is continued.
atexit.register(lambda: thaw(list(stopped)))

def freeze(pids):
    """SIGSTOP the workloads (and children); return once all are stopped."""
    procs = []
    # again until no new member shows: the forker may have forked its next
    # child between the listing and its stop
    while set(family(pids)) - set(procs):
        for p in set(family(pids)) - set(procs):
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                continue	# a fork child that just exited
            procs.append(p)
            stopped.add(p)
    for p in procs:
        for _ in range(2000):
            try:
                with open(f"/proc/{p}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] in "TtZX":
                        break
            except FileNotFoundError:
                break
            time.sleep(0.005)
    return procs

def live_kids_minflt(pids):
    """Minor faults of the fork workload's child alive (stopped, or a
    zombie not yet reaped) while everything is frozen.  cminflt gains a
    child's faults only when it is reaped, all of them: a child alive at
    the start brings its faults from before perftop started, and one alive
    at the end has faults perftop counted and cminflt does not have yet.
    One child is ~1000 faults, 2.5% of what 3 s make under TCG (6.1 guest:
    perftop 25598, cminflt 24984 without this)."""
    if forker not in pids:
        return 0
    n = 0
    for c in family([forker])[1:]:
        try:
            n += faults(c)[0]
        except FileNotFoundError:
            pass	# reaped by now: cminflt has it already
    return n

def made_enough(pid, before):
    """Has pid made compare()'s least count since before?  (The fork
    workload's children: the faults of those reaped, in cminflt.)"""
    now = faults(pid)
    if pid == filew:
        return now[1] - before[1] >= 500
    return (now[2] - before[2] if pid == forker else now[0] - before[0]) >= 20000

def record(trace, pids, extra):
    # Frozen while perftop starts (its baseline) and ends (its last read),
    # running only in between: both sides count the same faults.
    frozen = freeze(pids)
    before = {p: faults(p) for p in pids}
    kids0 = live_kids_minflt(pids)
    proc = subprocess.Popen([perftop, "record", "--probes", "fault", "-i", "0.5",
                             "-d", "120", "-o", trace] + extra)
    try:
        wait_for(trace, '"type":"header"', proc)
    finally:
        thaw(frozen)
    # 3 s, and until every workload made the least counts compare()
    # wants: in one CI run (ASan stage, 2026-12-03) the anon workload made
    # 12968 minor faults in its 3 s (616540 in the first run's), a starved
    # workload, with perftop exact (bounded: 30 s, 120 s under TCG)
    t0 = time.time()
    while time.time() - t0 < (120 if under_tcg() else 30):
        time.sleep(0.25)
        if time.time() - t0 >= 3 and all(made_enough(p, before[p]) for p in pids):
            break
    frozen = freeze(pids)
    after = {p: faults(p) for p in pids}
    kids1 = live_kids_minflt(pids)
    proc.send_signal(signal.SIGINT)
    try:
        wait_for(trace, '"type":"end"', proc)
    finally:
        thaw(frozen)
    if proc.wait() != 0:
        sys.exit(f"FAIL: perftop record exited {proc.returncode}")
    kernel = {p: (after[p][0] - before[p][0], after[p][1] - before[p][1])
              for p in pids}
    if forker in pids:	# reaped children, as the kernel adds them up
        kernel[CHILDREN] = (after[forker][2] - before[forker][2]
                            - kids0 + kids1, 0)
    seen, tgids, cgroups = {p: [0, 0] for p in list(kernel)}, set(), set()
    header = None
    with open(trace) as f:
        for line in f:
            o = json.loads(line)
            if o["type"] == "header":
                header = o
            if o["type"] != "snapshot":
                continue
            fl = o["faults"]
            tot = [0, 0]
            for t in fl["tasks"]:
                tgids.add(t["tgid"])
                cgroups.add(t["cgroup"])
                tot[0] += t["minor"]
                tot[1] += t["major"]
                who = t["tgid"]
                if who not in pids and t["comm"] == "faulter":
                    who = CHILDREN
                if who in seen:
                    seen[who][0] += t["minor"]
                    seen[who][1] += t["major"]
            if tot != [fl["minor"], fl["major"]]:
                sys.exit(f"FAIL: system totals {fl['minor']}/{fl['major']} "
                         f"are not the sum over tasks {tot}")
            if o["loss"].get("map_full") or o["loss"].get("storage_fail"):
                sys.exit(f"FAIL: loss in snapshot {o['seq']}: {o['loss']}")
    attach = header["probes"]["fault"]
    if not attach["ok"] or attach["attach"] not in ("tp_btf", "raw_tp"):
        sys.exit(f"FAIL: header says fault probe {attach}")
    return kernel, seen, tgids, cgroups

def compare(pid, kernel, seen, kind, idx, tol, least):
    k, s = kernel[pid][idx], seen[pid][idx]
    err = abs(s - k) / k if k else 1.0
    src = f"/proc/{forker}/stat cminflt" if pid == CHILDREN else f"/proc/{pid}/stat"
    print(f"{names[pid]} ({pid}) {kind}: perftop {s}, {src} {k}, "
          f"diff {err * 100:.3f}%")
    if k < least:
        sys.exit(f"FAIL: {names[pid]} workload made only {k} {kind} faults")
    return err <= tol

kernel, seen, _, _ = record(f"{tmp}/all.json", [anon, filew, populate, forker], [])
# Least counts: what 3 s of each workload makes in a TCG guest (~40k minor
# faults there, ~900k here), enough for the tolerances to mean something.
ok = compare(anon, kernel, seen, "minor", 0, 0.02, 20000)
ok &= compare(filew, kernel, seen, "major", 1, 0.05, 500)
ok &= compare(populate, kernel, seen, "minor", 0, 0.02, 20000)
ok &= compare(CHILDREN, kernel, seen, "minor", 0, 0.02, 20000)

kernel, seen, tgids, _ = record(f"{tmp}/pid.json", [filew], ["-p", str(filew)])
ok &= compare(filew, kernel, seen, "major", 1, 0.05, 500)
if tgids != {filew}:
    sys.exit(f"FAIL: -p {filew} recorded processes {sorted(tgids)}")

kernel, seen, tgids, cgroups = record(f"{tmp}/cg.json", [anon], ["-c", cgname])
ok &= compare(anon, kernel, seen, "minor", 0, 0.02, 20000)
if tgids != {anon} or cgroups != {"/" + cgname}:
    sys.exit(f"FAIL: -c {cgname} recorded processes {sorted(tgids)} "
             f"in cgroups {sorted(cgroups)}, want only {anon}")
sys.exit(0 if ok else 1)
PY
