#!/bin/bash
# Stage 2 of the test-bed guest: PID 1 on the overlay root that stage 1
# (scripts/vm/init) built.  Mounts what perftop and its tests expect of a
# production machine, runs the command scripts/vmtest.sh asked for, and
# powers off.  What it ran and how it ended go to /vmtest (a folder of the
# host, over 9p): log, rc.
#
# The guest differs from the host on purpose where production machines
# differ from it: the cgroup v2 unified hierarchy with the cpu, memory, io
# and pids controllers enabled (the host runs the v1/v2 hybrid), PSI on,
# tracefs and bpffs mounted.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /vmtest/run.env
say() { echo "vmtest-guest: $*"; }
finish() {
	echo "$1" >/vmtest/rc
	sync
	echo o >/proc/sysrq-trigger
	sleep 10
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sfn /proc/self/fd /dev/fd
n=0
for f in stdin stdout stderr; do ln -sfn "/proc/self/fd/$((n++))" "/dev/$f"; done
# A checkout under /tmp (a CI clone may be) stays visible over the tmpfs.
case $VMTEST_SRC in
/tmp/*) mkdir -p /mnt/vmtest-src && mount --bind "$VMTEST_SRC" /mnt/vmtest-src ;;
esac
mount -t tmpfs -o mode=1777 tmpfs /tmp
case $VMTEST_SRC in
/tmp/*) mkdir -p "$VMTEST_SRC" && mount --move /mnt/vmtest-src "$VMTEST_SRC" ;;
esac
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
# Every controller the kernel offers, for the children of the root.
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || say "cannot enable controller $c"
done
echo /sbin/modprobe >/proc/sys/kernel/modprobe
# Loop devices appear only once their module is in (on the host, systemd
# creates /dev/loop-control ahead and the first open loads it).
modprobe loop || say "cannot load the loop module"
hostname vm
ip link set lo up
# The disks, by the serial numbers vmtest.sh gave them.
for b in /sys/block/vd*; do
	case $(cat "$b/serial" 2>/dev/null) in
	perftop-scratch) export PERFTOP_TEST_DISK=/dev/${b##*/} ;;
	perftop-vartmp) mount -t ext4 "/dev/${b##*/}" /var/tmp && chmod 1777 /var/tmp ||
		say "cannot mount /var/tmp" ;;
	esac
done
cd "$VMTEST_SRC" || finish 125
say "kernel $(uname -r) up after $(cut -d' ' -f1 /proc/uptime)s, accel $PERFTOP_VM_ACCEL"
set -o pipefail
setsid -w bash -c "$VMTEST_CMD" </dev/null 2>&1 | tee /vmtest/log >/dev/ttyS0
rc=$?
say "exit $rc after $(cut -d' ' -f1 /proc/uptime)s"
finish $rc
