#!/bin/bash
# Tasks are named by their cgroup on the hierarchy that says something:
# cgroup2 where it has controllers, the v1 cpu hierarchy on the hybrid
# layout (where every task is at the cgroup2 root "/").  Reference: the
# kernel's own /proc/PID/cgroup line for that hierarchy.  A docker-shaped
# path shows as "docker:<short id>" in the CGROUP column, and -c filters
# by it whether given relative, absolute, or (v1) on another controller's
# mount.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
cgroup_naming_hier

id=3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081
rel="perftop-cg-$$/docker/$id"
cgroup_make "$CG_MNT" "$rel"
cg="$CG_MNT/$rel"

# a task that switches often inside, and one outside
cgroup_pair "$cg"
inside=$INSIDE outside=$OUTSIDE

# The kernel's word on where the task is, per hierarchy: "0::/path" for
# v2, "N:cpu:/path" (or "N:cpu,cpuacct:/path") for v1.
case $CG_HIER in
v2) want=$(sed -n 's/^0:://p' /proc/$inside/cgroup) ;;
v1:*) want=$(awk -F: -v c="${CG_HIER#v1:}" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/$inside/cgroup) ;;
esac
[ "$want" = "/$rel" ] || fail "/proc/$inside/cgroup says '$want', want /$rel"

"$PERFTOP" record --probes sched -i 0.5 -d 1.5 -c "$rel" -o "$TMP/rel.json"
"$PERFTOP" record --probes sched -i 0.5 -d 1.5 -c "$cg" -o "$TMP/abs.json"
other=
if [ "$CG_HIER" = v1:cpu ]; then
	# the same path given on the memory hierarchy's mount
	mem=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/self/mounts)
	if [ -n "$mem" ]; then
		cgroup_make "$mem" "$rel"
		other="$TMP/other.json"
		"$PERFTOP" record --probes sched -i 0.5 -d 1.5 -c "$mem/$rel" -o "$other"
	fi
fi
"$PERFTOP" top -b -i 0.5 -d 1 -p "$inside" >"$TMP/top.txt"

python3 - "$inside" "$outside" "/$rel" "$CG_HIER" "$TMP/rel.json" "$TMP/abs.json" $other <<'PY'
import json, sys
inside, outside, path, hier = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
for f in sys.argv[5:]:
    lines = [json.loads(l) for l in open(f)]
    h = lines[0]
    assert h["cgroup_hierarchy"] == hier, (f, h.get("cgroup_hierarchy"), hier)
    tasks = [t for o in lines if o["type"] == "snapshot" for t in o["sched"]["tasks"]]
    tg = {t["tgid"] for t in tasks}
    assert inside in tg, f"{f}: the task inside is missing ({tg})"
    assert outside not in tg, f"{f}: -c let the outside task through"
    bad = {t["cgroup"] for t in tasks if t["cgroup"] != path}
    assert not bad, f"{f}: cgroups {bad}, want only {path}"
    print(f"{f.rsplit('/', 1)[1]}: {len(tasks)} records, all in {path} ({hier})")
PY
grep -q "docker:3f4e5a6b7c8d" "$TMP/top.txt" || { cat "$TMP/top.txt"; fail "CGROUP column does not show docker:3f4e5a6b7c8d"; }
echo "top -b shows docker:3f4e5a6b7c8d for the task in /$rel"
