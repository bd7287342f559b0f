#!/bin/bash
# OOM kills: a task OOM-killed about twice a second in a 32 MiB memory cgroup
# (tail buffering an endless line).  Reference: /proc/vmstat oom_kill, the
# kernel's own count: perftop's per-snapshot oom.kills must sum to its
# delta exactly (the machine has no other OOMs meanwhile), every victim is
# named (tail, its cgroup, an RSS near the limit where the tracepoint gives
# the task), the cgroup's record counts its kills (memory.events, the
# cgroup's own counter: a second source for the same kills), and
# memory.oom_kills fires naming the cgroup.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
cgroup_naming_hier
kills=8	# about two a second, as a crash-looping task

before=$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)
# no -d: stopped (SIGINT) once the workload is done, whatever its pace
# (a TCG guest takes seconds per round); the partial last interval counts
"$PERFTOP" record --probes oom,sched,cgroup -i 1 -o "$TMP/oom.json" 2>"$TMP/err" &
rec=$!
wait_line "$TMP/oom.json" '"type":"header"' 30
# the cgroup is made after perftop started, as a new container would be:
# its counters start at 0, so its very first interval counts too
rel="perftop-oom-$$"
cgroup_ctrl_dir "$rel" memory
mem=$CG_DIR
naming="$CG_MNT/$rel"
[ "$CG_HIER" = v2 ] || cgroup_make "$CG_MNT" "$rel"
cgroup_memory_limit "$mem" 32M
sleep 1.2
# each round: tail holds the whole 200 MiB "line" in memory -> OOM kill;
# only that round's shell joins the cgroup (a killed round fails, the
# loop goes on)
for ((i = 0; i < kills; i++)); do
	bash -c 'echo $$ >"$1/cgroup.procs"; [ "$1" = "$2" ] || echo $$ >"$2/cgroup.procs"
		exec sh -c "head -c 200M /dev/zero | tail >/dev/null"' round "$naming" "$mem" 2>/dev/null || true
	sleep 0.4
done
sleep 1.5
kill -INT $rec
wait $rec || { cat "$TMP/err"; fail "perftop record failed"; }
grep -q '"oom":{"attach"' "$TMP/oom.json" && grep -q '"oom":{"attach":"[a-z_]*","ok":true' "$TMP/oom.json" ||
	{ head -1 "$TMP/oom.json"; cat "$TMP/err"; fail "the oom family did not start"; }
after=$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)

python3 - "$TMP/oom.json" "$((after - before))" "$kills" "/$rel" <<'PY'
import json, sys
f, vmstat, kills, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
snaps = [o for o in map(json.loads, open(f)) if o["type"] == "snapshot"]
total = sum(s["oom"]["kills"] for s in snaps)
victims = [v for s in snaps for v in s["oom"]["victims"]]
mine = [v for v in victims if v["cgroup"] == path]
print(f"/proc/vmstat oom_kill delta {vmstat}, perftop {total}, workload made {kills}, in its cgroup {len(mine)}")
assert total == vmstat, f"perftop counted {total} OOM kills, /proc/vmstat {vmstat}"
assert len(victims) == total, f"{len(victims)} victims recorded for {total} kills"
# other kills on the machine meanwhile are not the test's to judge; ours:
assert len(mine) >= kills, f"{len(mine)} victims in {path}, the workload made {kills} kills"
for v in mine:
    assert v["comm"] in ("tail", "head", "sh"), v
    # RSS: anon + file + shmem at the kill; tail's anon part is near the
    # 32 MiB limit (kernels passing the task only; 0 = not provided)
    assert v["comm"] != "tail" or v["rss_bytes"] == 0 or 16 << 20 <= v["rss_bytes"] <= 64 << 20, v
kills = len(mine)
cg = sum(c["mem_oom_kills"] for s in snaps for c in s.get("cgroup", {}).get("cgroups", []) if c["path"] == path)
assert cg == kills, f"cgroup {path} record counted {cg} OOM kills (memory.events), its victims {kills}"
lim = {c["mem_limit_bytes"] for s in snaps for c in s.get("cgroup", {}).get("cgroups", []) if c["path"] == path}
assert lim == {32 << 20}, f"memory limit read as {lim}"
found = [f for s in snaps for f in s["findings"] if f["rule"] == "memory.oom_kills"]
assert found, "memory.oom_kills did not fire"
assert any(c.get("cgroup") == path for c in found[-1]["culprits"]), found[-1]
assert path in found[-1]["advice"] or path in found[-1]["summary"], found[-1]
print("victims:", ", ".join(f'{v["comm"]}[{v["pid"]}] {v["rss_bytes"] >> 20} MiB' for v in victims))
print("finding:", found[-1]["summary"], "|", found[-1]["advice"])
PY
