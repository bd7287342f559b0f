#!/bin/bash
# io.blocked: a writer throttled by its cgroup before its I/O reaches the
# device.  dd writes O_DIRECT to a loop device from a cgroup limited to
# 1 MiB/s on that device (blkio.throttle.write_bps_device on cgroup v1,
# io.max on v2) in 64 KiB blocks: 16 writes a second, each held ~60 ms by
# the throttle, so dd is blocked on I/O nearly all the time, while the
# device itself (a file in the page cache) completes each write in well
# under a millisecond.  The scan must exit WARNING or CRITICAL with
# io.blocked naming dd, a wait site, and at least 700 ms/s blocked (it is
# ~940 by construction; a write's own CPU time and the pauses between
# writes take the rest), and disk.latency must not fire: the device is
# fine, which is the case this rule exists for.  The advice must name the
# limited cgroup (on v1 a blkio-only group: dd's cpu cgroup is "/") and
# the limit ("loop3 write 1 MiB/s").
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 losetup dd

CHECK=$(cd "$(dirname "$0")/../workloads" && pwd)
truncate -s 512M "$TMP/disk.img"
loop=$(losetup -f --show "$TMP/disk.img") || skip "cannot create a loop device"
on_exit "losetup -d $loop"
majmin=$(lsblk -dno MAJ:MIN "$loop" | tr -d ' ')

v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)blkio(,|$)/ { print $2; exit }' /proc/self/mounts)
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -n "$v1" ]; then
	cg=$v1/perftop-io-blocked.$$
	cgroup_make "$v1" "perftop-io-blocked.$$"
	echo "$majmin 1048576" >"$cg/blkio.throttle.write_bps_device"
elif [ -n "$v2" ] && grep -qw io "$v2/cgroup.controllers"; then
	grep -qw io "$v2/cgroup.subtree_control" ||
		echo +io >"$v2/cgroup.subtree_control" ||
		skip "cannot enable the io controller"
	cg=$v2/perftop-io-blocked.$$
	cgroup_make "$v2" "perftop-io-blocked.$$"
	echo "$majmin wbps=1048576" >"$cg/io.max"
else
	skip "no blkio (v1) or io (v2) cgroup controller"
fi

sh -c "echo \$\$ >$cg/cgroup.procs && exec dd if=/dev/zero of=$loop bs=64k count=100000 oflag=direct status=none" &
writer=$!
on_exit "kill $writer"
sleep 1

rc=0
"$PERFTOP" scan --probes sched,block,cgroup -p "$writer" -i 0.5 -d 4 --json \
	>"$TMP/scan.json" || rc=$?
python3 - "$CHECK" "$TMP" "$rc" "$writer" "/${cg##*/}" "${loop##*/}" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, rules
tmp, rc, writer = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
scan = check_report(json.loads(open(f"{tmp}/scan.json", encoding="utf-8").read()))
print("scan:", scan["status"], rc, {r: round(f["value"], 1) for r, f in rules(scan).items()})
assert rc in (1, 2), f"scan exited {rc}, wanted a warning or critical"
f = rules(scan).get("io.blocked")
assert f, "no io.blocked finding"
print(f["summary"])
c = f["culprits"][0]
assert c["pid"] == writer and c["comm"] == "dd", c
# wait sites need tp_btf (the sleeper's stack as it is switched in)
if os.environ.get("PERFTOP_ATTACH") != "raw_tp":
    assert c.get("site"), f"no wait site: {c}"
assert f["value"] >= 700, f"{f['value']} ms/s blocked, expected ~940"
assert "disk.latency" not in rules(scan), "disk.latency fired: the device is fast"
# the limit is named: on v1 the blkio cgroup is another path than dd's cpu
# one, in view through dd's I/O waits (docs/cgroups.md)
# ... and the limit, in words (the device by its name)
assert (f"cgroup {sys.argv[5]} has an I/O limit ({sys.argv[6]} write 1 MiB/s)"
        in f["advice"]), f["advice"]
print("ok")
PY
