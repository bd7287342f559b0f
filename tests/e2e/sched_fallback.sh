#!/bin/bash
# Where the scheduler's object that reads registers through
# bpf_rdonly_cast() fails to load (a verifier none of the test kernels
# has), perftop loads its other build (sched_helper) in the same mode and
# says so in one warning; the recording is as good.  The first object is
# made to fail by PERFTOP_TEST_SCHED_HELPER=2 (its per-CPU array sized 0).
# Checked: the warning names the family and the load error; the loaded
# object is sched_helper (its .bss map's name); the attach mode stays
# tp_btf (raw_tp under PERFTOP_ATTACH=raw_tp); and a process started
# inside the recording that sleeps 300 times in nanosleep, then blocks
# reading its stdin until perftop has ended, has exactly the voluntary
# switches its /proc/PID/status shows while it blocks (its whole life:
# under TCG its start alone sleeps ~300 times on the 9p root).  On a
# kernel without the kfunc sched_helper is the first object: no warning.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 bpftool

cast=0
kernel_has_func bpf_rdonly_cast && cast=1

PERFTOP_TEST_SCHED_HELPER=2 python3 - "$PERFTOP" "$TMP" "$cast" <<'PY'
import json, os, subprocess, sys, time
from perftop_test import make_waiter, perftop_maps, snapshots
perftop, tmp, cast = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
trace, err = f"{tmp}/trace.json", f"{tmp}/err"

wait_for = make_waiter(trace)
proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-i", "0.5",
                         "-o", trace], stderr=open(err, "w"))
wait_for('"type":"header"', proc)
maps = perftop_maps(proc.pid)
def vol(pid):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("voluntary_ctxt_switches"):
            return int(l.split()[1])

sleeper = subprocess.Popen([sys.executable, "-c", """
import os, sys, time
def vol():
    for l in open("/proc/self/status"):
        if l.startswith("voluntary_ctxt_switches"):
            return int(l.split()[1])
a = vol()
for _ in range(300):
    time.sleep(0.001)
print(vol() - a, flush=True)
sys.stdin.read()
"""], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
pid, loop = sleeper.pid, int(sleeper.stdout.readline())
# asleep in its read: its count stands still until perftop has ended
for _ in range(500):
    if open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "S":
        ref = vol(pid)
        time.sleep(0.05)
        if vol(pid) == ref:
            break
    time.sleep(0.01)
else:
    sys.exit("FAIL: the sleeper never settled in its read")
time.sleep(1.1)				# an interval ends with it asleep
proc.send_signal(2)
rc = proc.wait(timeout=60)
still = vol(pid)
sleeper.stdin.close()
sleeper.wait(timeout=60)
if rc != 0:
    sys.exit(f"FAIL: perftop record exited {rc}: {open(err).read()}")
if still != ref:
    sys.exit(f"FAIL: the sleeper switched while perftop ended ({ref} -> {still})")
bad = []
warn = open(err).read()
header = json.loads(open(trace).readline())
attach = header["probes"]["sched"]["attach"]
n = sum(t["vol_switches"] for o in snapshots(trace)
          for t in o["sched"]["tasks"] if t["pid"] == pid)
print(f"kernel has bpf_rdonly_cast: {cast}; maps: "
      f"{sorted(m for m in maps if m and m.endswith('.bss') and m.startswith('sched'))}; "
      f"attach {attach}; sleeper {pid}: {ref} voluntary switches in its "
      f"life ({loop} in its loop), perftop {n}; stderr: {warn.strip()!r}")
if "sched_he.bss" not in maps:
    bad.append("sched_helper is not the loaded object")
want = "raw_tp" if os.environ.get("PERFTOP_ATTACH") == "raw_tp" else "tp_btf"
if attach != want:
    bad.append(f"attach mode {attach}, want {want}")
lines = [l for l in warn.splitlines() if "second build" in l]
if cast and not (len(lines) == 1 and "probe family sched" in lines[0]
                 and "load:" in lines[0]):
    bad.append("no one-line warning naming the family and the load error")
if not cast and lines:
    bad.append("a fallback warning where the first object is sched_helper")
if loop < 300:
    bad.append(f"the sleeper switched only {loop} times in 300 sleeps")
if n != ref:
    bad.append(f"perftop's voluntary switches {n}, want {ref}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
