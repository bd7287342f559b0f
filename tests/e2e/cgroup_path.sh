#!/bin/bash
# -c PATH is normalised before its depth is computed: the BPF filter
# compares a task's ancestor at that depth, so "./a", "a/../b", "a//b/."
# and a path through a symbolic link must give the depth of the cgroup
# itself (they used to count "." and ".." as levels: a filter that matched
# nothing, silently).  And a path that is not a cgroup of the naming
# hierarchy (-c .., a cgroup's file, a directory elsewhere) is one error
# line and exit status 2, not a recording of nothing.
# Reference: the kernel's /proc/PID/cgroup puts the inside task in the
# cgroup; every spelling must record it, and never the outside task.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
cgroup_naming_hier

rel="perftop-cgp-$$/a/b"
cgroup_make "$CG_MNT" "$rel"
cg="$CG_MNT/$rel"
cgroup_pair "$cg"
inside=$INSIDE outside=$OUTSIDE
ln -s "$CG_MNT" "$TMP/link"		# a symbolically linked mount

spellings=("./$rel" "$rel/" "$rel//." "nope/../$rel" "perftop-cgp-$$/a/../a/b"
	   "$CG_MNT/./$rel/" "$TMP/link/$rel")
i=0
for s in "${spellings[@]}"; do
	"$PERFTOP" record --probes sched -i 0.3 -d 0.9 -c "$s" -o "$TMP/t$i.json" 2>"$TMP/err" ||
		fail "-c '$s' exited $?: $(cat "$TMP/err")"
	i=$((i + 1))
done
python3 - "$inside" "$outside" "/$rel" "$TMP" "${spellings[@]}" <<'PY'
import json, sys
inside, outside, path, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
bad = []
for i, s in enumerate(sys.argv[5:]):
    lines = [json.loads(l) for l in open(f"{tmp}/t{i}.json")]
    tasks = [t for o in lines if o["type"] == "snapshot" for t in o["sched"]["tasks"]]
    tg = {t["tgid"] for t in tasks}
    print(f"-c {s}: {len(tasks)} records, inside {'yes' if inside in tg else 'NO'}, outside {'YES' if outside in tg else 'no'}")
    if inside not in tg:
        bad.append(f"-c {s} lost the task inside")
    if outside in tg or any(t["cgroup"] != path for t in tasks):
        bad.append(f"-c {s} let other cgroups through: {sorted({t['cgroup'] for t in tasks})}")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY

# not a cgroup of the naming hierarchy: one error line, exit 2
for s in ".." "$rel/../../../.." "$rel/cgroup.procs" "$TMP" "no-such-cgroup-$$"; do
	rm -f "$TMP/bad.json"
	expect_error 2 "$PERFTOP" record --probes sched -d 1 -c "$s" -o "$TMP/bad.json"
	[ ! -s "$TMP/bad.json" ] || fail "-c '$s' wrote a trace"
done
echo "ok"
