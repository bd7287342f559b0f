#!/bin/bash
# Install perftop's build and test dependencies from Debian's archive.
#   scripts/install-deps.sh              install everything
#   scripts/install-deps.sh --if-missing only when something is missing
#   scripts/install-deps.sh --vm [--if-missing]  the VM test bed's packages
#                                        (make vmtest, scripts/vmtest.sh)
# Runs as root (no sudo here); prefix sudo yourself if you are not root.
set -euo pipefail

BUILD_PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libcjson-dev libncurses-dev libmicrohttpd-dev pkg-config"
TEST_PKGS="libcmocka-dev python3 tmux iproute2 nftables util-linux procps
	fio iperf3 e2fsprogs valgrind libclang-rt-14-dev gzip chromium
	libxml2-utils prometheus curl man-db groff-base bpftrace
	openjdk-17-jdk-headless"
BENCH_PKGS="linux-perf nginx-light wrk libbpf-tools"
# make vmtest: QEMU, a static busybox for the guest's initramfs, kmod
# (depmod) and the decompressors for Debian's kernel images and modules;
# objcopy (binutils) takes the BTF out of a kernel image.
VM_PKGS="qemu-system-x86 qemu-utils busybox-static kmod xz-utils zstd binutils
	dpkg apt"

WANT="$BUILD_PKGS $TEST_PKGS $BENCH_PKGS"
if [ "${1:-}" = "--vm" ]; then
	WANT=$VM_PKGS
	shift
fi

missing() {
	local p
	for p in $WANT; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || echo "$p"
	done
}

if [ "${1:-}" = "--if-missing" ] && [ -z "$(missing)" ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "perftop: installing dependencies needs root: run as root or prefix sudo" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "perftop: apt-get not found: install these packages yourself: $(missing | tr '\n' ' ')" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046,SC2086
apt-get install -y -qq --no-install-recommends $(missing) >/dev/null
echo "perftop: dependencies installed"
