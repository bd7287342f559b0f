#!/bin/bash
# make vmtest: perftop's tests on other kernels, each booted in QEMU.
#
#   scripts/vmtest.sh [KERNEL...]               the e2e suite on each kernel
#   scripts/vmtest.sh KERNEL -- COMMAND [ARG...] one command (shell: bash -i)
#
#   make vmtest                                  6.1 and 6.12
#   make vmtest KERNELS=6.12 TESTS=block_diskstats
#
# KERNEL is a Debian kernel series (6.1, 6.12) or a full release
# (6.12.117+deb12-amd64): the newest linux-image-*-amd64-unsigned package
# of the series in Debian's archive, downloaded and unpacked into a cache,
# never installed (scripts/vm/kernel.sh).  Default: $KERNELS, else those
# of tests/kernels.txt (6.1 and 6.12).  Prints one "kernel RELEASE (ACCEL,
# SECONDS): N passed, N failed, N skipped" line per kernel, then the same sum over all of them; exits 0 only when every
# kernel's run passed.
#
# The guest (scripts/vm/init, scripts/vm/guest.sh) sees this machine's
# root read-only over virtio-9p under a RAM overlay (the same build,
# python, fio... as here; writes vanish), runs as root in this checkout,
# and has a blank virtio disk for block tests ($PERFTOP_TEST_DISK), /var/tmp
# on an ext4 virtio disk (page cache that can be dropped, unlike tmpfs), the
# cgroup v2 hierarchy with its controllers enabled, tracefs, bpffs, psi=1.
#
# Environment:
#   TESTS, SKIP_TESTS, CI   passed to tests/run.sh in the guest
#   OUT                     build folder (default build), built already
#   VMTEST_ACCEL            kvm, tcg or auto (default): KVM when it can boot
#                           a stock kernel, else TCG (software emulation)
#   VMTEST_TCG_THREAD       multi (a host thread per vCPU) or single (one
#                           for all: slower, but no vCPU runs code another
#                           vCPU is patching; docs/testing.md).  Default:
#                           per kernel, TCG_THREAD below (single for 6.12),
#                           else multi
#   VMTEST_MEM, VMTEST_CPUS guest size (default 3072 MiB, 2)
#   VMTEST_TIMEOUT          seconds per kernel before the VM is killed
#                           (default 2400)
#   VMTEST_CACHE            kernels (default /var/cache/perftop/vmtest)
#   VMTEST_LOGS             keep each guest's console log here
#
# Under TCG (this machine: its KVM is nested PVM, which boots no stock
# kernel) the guest runs ~5-20x slower than the host: the tests listed in
# TCG_EXCLUDE below are left out there, each with its reason, and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
OUT=${OUT:-build}
MEM=${VMTEST_MEM:-3072}
CPUS=${VMTEST_CPUS:-2}
TIMEOUT=${VMTEST_TIMEOUT:-2400}

# Tests that do not belong in a guest, and why (printed every run): those
# of tests/userspace_only.txt, which test perftop's userspace, not the kernel.
declare -A VM_EXCLUDE=()
while read -r name reason; do
	case $name in ''|'#'*) continue ;; esac
	VM_EXCLUDE[$name]="userspace only: $reason"
done <tests/userspace_only.txt
# Tests that cannot be judged under TCG emulation, and why.  They still
# run on the host and under KVM.
declare -A TCG_EXCLUDE=(
	[html_report]="headless Chromium takes 45-60 s to render even a one-line page under TCG (6.1 guest), past the test's 60 s bound per page, and its GPU process died there once; the page is userspace's, the oversubscription it shows is detect_cpu's"
)

# TCG threading per kernel series, where multi-threaded TCG is not safe.
# 6.12: twice of 2 whole-suite runs (2026-12-02) the guest died in
# detect_disk with "Oops: int3" in blk_account_io_start, the kernel
# patching that tracepoint's code while another vCPU ran it; single-
# threaded TCG passed it 3 of 3.  6.1 has no block_io_start and ran the
# whole suite multi-threaded without an Oops, but in a CI run of
# 2026-12-04 its guest stalled in detect_disk under fio (RCU: "timer
# wakeup didn't happen for 5250 jiffies", fqs=0: a vCPU's timers not
# served) and was killed at the guest timeout; one host thread serves
# both vCPUs' timers in turn, so 6.1 runs single-threaded too.
declare -A TCG_THREAD=([6.1]=single [6.12]=single)

die() { echo "vmtest: $*" >&2; exit 2; }

# tcg_thread RELEASE: multi or single for that kernel under TCG.
tcg_thread() {
	local rel=$1 series
	series=$(echo "$rel" | grep -oE '^[0-9]+\.[0-9]+')
	echo "${VMTEST_TCG_THREAD:-${TCG_THREAD[$series]:-multi}}"
}

for c in qemu-system-x86_64 qemu-img busybox depmod dpkg-deb apt-get objcopy mkfs.ext4; do
	command -v "$c" >/dev/null ||
		die "$c missing: scripts/install-deps.sh --vm installs the test bed's packages"
done
[ -x "$OUT/perftop" ] || die "no $OUT/perftop: run make first (make vmtest does)"

# KVM only where it boots a stock kernel.  A host that is itself a VM
# with PVM nested virtualisation (module kvm_pvm) has /dev/kvm, but a
# Debian kernel hangs there right after "Probing EDD".
accel() {
	case ${VMTEST_ACCEL:-auto} in
	kvm|tcg) echo "$VMTEST_ACCEL" ;;
	auto) if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then echo kvm; else echo tcg; fi ;;
	*) die "VMTEST_ACCEL must be kvm, tcg or auto" ;;
	esac
}
ACCEL=$(accel)

# python3 as the guest should run it: its own binary, not a pyenv shim
# (a bash script forking helpers on every call, seconds each under TCG).
guest_path() {
	local py
	py=$(python3 -c 'import os, sys; print(os.path.dirname(os.path.realpath(sys.executable)))' 2>/dev/null) || true
	echo "${py:+$py:}$PATH"
}

# run_vm KERNEL_DIR RELEASE WORKDIR COMMAND: boots, runs, returns COMMAND's
# status (124 timeout, 125 the VM failed).
run_vm() {
	local kd=$1 rel=$2 w=$3 cmd=$4 excl=$5 src=${6:-$SRC} qrc rc args cpu
	mkdir -p "$w/i" "$w/out"
	cp "$SRC/scripts/vm/init" "$w/i/init"
	{
		printf 'export VMTEST_SRC=%q VMTEST_KREL=%q VMTEST_KDIR=%q\n' "$src" "$rel" "$kd"
		printf 'export VMTEST_CMD=%q PERFTOP_VM_ACCEL=%q\n' "$cmd" "$ACCEL"
		printf 'export PATH=%q\n' "$(guest_path)"
		printf 'export HOME=/root TERM=%q LANG=C.UTF-8 OUT=%q\n' "${TERM:-linux}" "$OUT"
		printf 'export PERFTOP_VM=%q\n' "$rel"
		[ "$ACCEL" != tcg ] || printf 'export PERFTOP_VM_TCG_THREAD=%q\n' "$(tcg_thread "$rel")"
		for v in CI TESTS; do
			[ -z "${!v:-}" ] || printf 'export %s=%q\n' "$v" "${!v}"
		done
		printf 'export SKIP_TESTS=%q\n' "$excl"
	} >"$w/i/run.env"
	(cd "$w/i" && find . | busybox cpio -o -H newc 2>/dev/null) >"$w/run.cpio"
	cat "$kd/initramfs-base.cpio" "$w/run.cpio" >"$w/initrd"
	qemu-img create -q -f raw "$w/scratch.img" 1G
	# /var/tmp on a real file system, as on a host: tests that need pages
	# to leave the page cache (major faults) cannot use the RAM overlay.
	qemu-img create -q -f raw "$w/vartmp.img" 2G
	mkfs.ext4 -q -F -m 0 "$w/vartmp.img" || die "mkfs.ext4 failed"
	case $ACCEL in
	kvm) cpu=host args=(-accel kvm) ;;
	tcg) cpu=max args=(-accel "tcg,thread=$(tcg_thread "$rel"),tb-size=512") ;;
	esac
	args+=(-cpu "$cpu" -smp "$CPUS" -m "$MEM" -nodefaults -no-user-config
		-display none -no-reboot -serial stdio
		-kernel "$kd/vmlinuz" -initrd "$w/initrd"
		-append "console=ttyS0 rdinit=/init psi=1 panic=-1 quiet loglevel=4 8250.nr_uarts=1"
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$w/out,mount_tag=out,security_model=none"
		-drive "file=$w/scratch.img,format=raw,if=none,id=scratch,cache=none,aio=threads"
		-device virtio-blk-pci,drive=scratch,serial=perftop-scratch
		-drive "file=$w/vartmp.img,format=raw,if=none,id=vartmp,cache=unsafe,aio=threads"
		-device virtio-blk-pci,drive=vartmp,serial=perftop-vartmp
		-device virtio-rng-pci)
	set +e
	timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 "${args[@]}" </dev/null |
		sed -u 's/\r$//' | tee "$w/console.log"
	qrc=${PIPESTATUS[0]}
	set -e
	if [ -s "$w/out/rc" ]; then
		rc=$(cat "$w/out/rc")
	elif [ "$qrc" = 124 ]; then
		echo "vmtest: $rel: killed after ${TIMEOUT}s (VMTEST_TIMEOUT)"
		rc=124
	else
		echo "vmtest: $rel: the VM ended without a result (qemu status $qrc)"
		rc=125
	fi
	[ -z "${VMTEST_LOGS:-}" ] || { mkdir -p "$VMTEST_LOGS"; cp "$w/console.log" "$VMTEST_LOGS/$rel.log"; }
	return "$rc"
}

kernels=() cmd=
while [ $# -gt 0 ]; do
	case $1 in
	--) shift
		case $# in
		0) cmd="bash -i" ;;
		1) cmd=$1 ;;		# a shell string
		*) cmd=$(printf '%q ' "$@") ;;
		esac
		break ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1 (--help)" ;;
	*) kernels+=("$1"); shift ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || read -ra kernels <<<"${KERNELS:-$(grep -v "^#" tests/kernels.txt | tr "\n" " ")}"

WORK=$(mktemp -d /tmp/perftop-vmtest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# The suite runs from a copy of the tests and the binaries: a rebuild in
# this checkout while the guests run (minutes under TCG) does not reach
# them half-way.
SNAP=$WORK/src
mkdir -p "$SNAP/$OUT/bench" "$SNAP/scripts"
cp -a tests "$SNAP/"
cp -a scripts/vm "$SNAP/scripts/"
cp -a scripts/bench "$SNAP/scripts/"	# html_output: extend_trace.py
cp "$OUT/perftop" "$SNAP/$OUT/"
[ ! -x "$OUT/bench/rbflood" ] || cp "$OUT/bench/rbflood" "$SNAP/$OUT/bench/"
excl=${SKIP_TESTS:-}
for t in "${!VM_EXCLUDE[@]}"; do
	echo "vmtest: left out: $t (${VM_EXCLUDE[$t]})"
	excl=${excl:+$excl,}$t
done
if [ "$ACCEL" = tcg ]; then
	for t in "${!TCG_EXCLUDE[@]}"; do
		echo "vmtest: under TCG, left out: $t (${TCG_EXCLUDE[$t]})"
		excl=${excl:+$excl,}$t
	done
fi

total_p=0 total_f=0 total_s=0 status=0 summary=()
for k in "${kernels[@]}"; do
	kd=$(scripts/vm/kernel.sh prepare "$k") || die "cannot prepare kernel $k"
	rel=$(basename "$kd")
	how=$ACCEL
	[ "$ACCEL" != tcg ] || how="tcg $(tcg_thread "$rel")-threaded"
	echo "vmtest: kernel $rel ($how)"
	start=$(date +%s)
	if [ -n "$cmd" ]; then
		rc=0
		run_vm "$kd" "$rel" "$WORK/$rel" "$cmd" "$excl" || rc=$?
		exit "$rc"
	fi
	rc=0
	run_vm "$kd" "$rel" "$WORK/$rel" "RUN_UNIT=0 tests/run.sh" "$excl" "$SNAP" || rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/$rel/out/log" 2>/dev/null | tail -1 || true)
	secs=$(($(date +%s) - start))
	if [ -z "$line" ]; then
		line="0 passed, 1 failed, 0 skipped"
		echo "vmtest: $rel: the suite did not finish (status $rc)"
	fi
	read -r p _ f _ s _ <<<"${line//,/}"
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + ${s:-0}))
	[ "$rc" -eq 0 ] && [ "$f" -eq 0 ] || status=1
	summary+=("kernel $rel ($how, ${secs}s): $line")
done
printf '%s\n' "${summary[@]}"
echo "$total_p passed, $total_f failed, $total_s skipped"
exit "$status"
