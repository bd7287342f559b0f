#!/bin/bash
# Memory limits on a memory cgroup that is not the task's cpu cgroup: the
# v1/v2 hybrid layout names tasks by the cpu hierarchy, and an admin's
# memory-only group, or a systemd unit with MemoryMax= and no CPU
# accounting, puts a process in memory:/X while cpu has it at "/".  Two
# memory-only cgroups, no cpu cgroup of the same path:
#   - thrash: a reader re-reading a 256 MiB file in 64 MiB;
#   - oom: a task OOM-killed about twice a second in 32 MiB (tail
#     buffering an endless line).
# Known by construction: the limits are the cause, and the machine has
# memory to spare.  report over a recording must give memory.thrashing
# naming /thrash's path and its 64 MiB, and memory.oom_kills naming the
# limit of /oom's path (32 MiB), never "the machine ran out of memory"
# (both verdicts blamed "/" and advised adding memory before: explore
# helper, 2026-12-04, 23 GB free); every victim's mem_cgroup is its
# memory cgroup, as /proc/PID/cgroup says.
# On cgroup2 one tree holds every controller, so there is no such case:
# cgroup_thrash and cgroup_oom cover the one path there.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
cgroup_naming_hier
[ "$CG_HIER" != v2 ] || skip "cgroup2: the memory cgroup is the naming one (cgroup_thrash, cgroup_oom)"

trel="perftop-mthrash-$$" orel="perftop-moom-$$"
cgroup_ctrl_dir "$trel" memory
tmem=$CG_DIR
cgroup_ctrl_dir "$orel" memory
omem=$CG_DIR
[ ! -d "$CG_MNT/$trel" ] && [ ! -d "$CG_MNT/$orel" ] ||
	fail "the naming hierarchy has the test's cgroups"
cgroup_memory_limit "$tmem" 64M
cgroup_memory_limit "$omem" 32M
data=$(mktemp /var/tmp/perftop-mthrash.XXXXXX)
on_exit "rm -f '$data'"
head -c 256M /dev/urandom >"$data"
python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$data"

bash -c 'echo $$ >"$1/cgroup.procs"; exec bash -c "while :; do cat \"\$0\" >/dev/null; done" "$2"' \
	reader "$tmem" "$data" &
reader=$!
on_exit "kill $reader"
# each round's shell joins the memory cgroup only
(while :; do
	bash -c 'echo $$ >"$1/cgroup.procs"; exec sh -c "head -c 200M /dev/zero | tail >/dev/null"' \
		round "$omem" 2>/dev/null || true
	sleep 0.4
done) &
killer=$!
on_exit "kill $killer"
sleep 2
"$PERFTOP" record --probes sched,oom,cgroup -i 1 -d 5 -o "$TMP/t.json" ||
	fail "perftop record failed"
rc=0
"$PERFTOP" report "$TMP/t.json" --json >"$TMP/report.json" || rc=$?
[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "report exited $rc, want 1 or 2"
python3 - "$TMP/report.json" "$TMP/t.json" "/$trel" "/$orel" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
thrash, oom = sys.argv[3], sys.argv[4]
for f in r["findings"]:
    print(f'{f["severity"]} {f["rule"]} {f["value"]:.0f}: {f["advice"]}')
bad = []
fs = {f["rule"]: f for f in r["findings"]}
f = fs.get("memory.thrashing")
if not f:
    bad.append("memory.thrashing did not fire")
elif not (thrash in f["advice"] and "64 MiB" in f["advice"]):
    bad.append("memory.thrashing does not name the reader's memory cgroup and its 64 MiB")
f = fs.get("memory.oom_kills")
if not f:
    bad.append("memory.oom_kills did not fire")
elif f"at the memory limit of {oom} (32 MiB)" not in f["advice"] or \
        "ran out of memory" in f["advice"]:
    bad.append("memory.oom_kills does not name the limit of the victims' memory cgroup")
victims = [v for o in map(json.loads, open(sys.argv[2])) if o["type"] == "snapshot"
           for v in o.get("oom", {}).get("victims", [])]
print(f"{len(victims)} victims, mem_cgroup: {sorted(set(v.get('mem_cgroup') for v in victims))}")
if not victims:
    bad.append("no OOM victim recorded")
elif any(v.get("mem_cgroup") != oom for v in victims):
    bad.append(f"a victim's mem_cgroup is not {oom}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
