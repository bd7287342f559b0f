#!/bin/bash
# record -p and -c filter in-kernel: only the chosen processes / cgroup show
# up, with correct identity (tgid, comm, cgroup path).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

cgroup_naming_hier	# v1 cpu on the hybrid layout, else cgroup2
cgroup_make "$CG_MNT" "perftop-test-$$"
cg="$CG_MNT/perftop-test-$$"

# one spinner inside the cgroup, one outside; both on the same CPU so both wait
(echo $BASHPID > "$cg/cgroup.procs"; exec taskset -c 0 bash -c 'while :; do :; done') &
inside=$!
taskset -c 0 bash -c 'while :; do :; done' &
outside=$!
on_exit "kill $inside $outside; sleep 0.2"
sleep 0.3
grep -q "^$inside$" "$cg/cgroup.procs" || fail "could not move $inside into $cg"

"$PERFTOP" record --probes sched -i 0.5 -d 2 -c "perftop-test-$$" -o "$TMP/cg.json"
"$PERFTOP" record --probes sched -i 0.5 -d 2 -p "$outside" -o "$TMP/pid.json"

python3 - "$TMP/cg.json" "$TMP/pid.json" "$inside" "$outside" "/perftop-test-$$" <<'PY'
import json, sys
cgf, pidf, inside, outside, cgpath = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def tasks(path):
    out = []
    lines = [json.loads(l) for l in open(path)]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "end", "header/end missing"
    for o in lines:
        if o["type"] == "snapshot":
            out += o["sched"]["tasks"]
    return lines[0], out
h, cg = tasks(cgf)
assert h["filters"]["cgroup"] == cgpath.lstrip("/"), h["filters"]
tg = {t["tgid"] for t in cg}
assert tg == {inside}, f"cgroup filter let through {tg}, want only {inside}"
assert all(t["cgroup"] == cgpath for t in cg), {t["cgroup"] for t in cg}
assert sum(t["runq_wait_ns"] for t in cg) > 100e6, "inside task should wait: it shares CPU 0"
h, pid = tasks(pidf)
assert h["filters"]["pids"] == [outside], h["filters"]
tg = {t["tgid"] for t in pid}
assert tg == {outside}, f"pid filter let through {tg}, want only {outside}"
assert all(t["comm"] == "bash" for t in pid)
print(f"cgroup filter: {len(cg)} records of tgid {inside} in {cgpath}; pid filter: {len(pid)} records of {outside}")
PY
