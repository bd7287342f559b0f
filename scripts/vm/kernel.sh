#!/bin/bash
# Debian kernels for the test bed, fetched from Debian's archive with
# apt-get download, unpacked (never installed) into a cache:
#
#   scripts/vm/kernel.sh resolve SERIES   full release for a series (6.1 ->
#                                          6.1.0-57-amd64), newest in the archive
#   scripts/vm/kernel.sh prepare SERIES   unpack it; prints its cache folder
#   scripts/vm/kernel.sh btf SERIES       prints the path of its vmlinux BTF
#
# SERIES is "6.1", "6.12", ... or a full release ("6.12.117+deb12-amd64").
# The folder holds vmlinuz, config, lib/modules/<release> (depmod'ed),
# vmlinux.btf (the .BTF section of the kernel image: CO-RE relocations can
# be checked against it without booting) and initramfs-base.cpio (busybox
# and the modules the guest needs to reach its root; scripts/vmtest.sh).
#
# Cache: $VMTEST_CACHE (default /var/cache/perftop/vmtest), kept between
# runs: CI machines reach Debian's archive, so a fresh one downloads each
# kernel once (~70 MB); a series whose newest package is cached is used
# without asking apt when apt's lists are empty.
set -euo pipefail

CACHE=${VMTEST_CACHE:-/var/cache/perftop/vmtest}
# Modules the guest loads from its initramfs, dependencies first (resolved
# with modprobe --show-depends): the virtio bus and disks, the 9p root,
# the RAM overlay on it.
BOOT_MODULES="virtio_pci virtio_blk 9pnet_virtio 9p overlay"

die() { echo "vmtest: $*" >&2; exit 1; }

# Package name pattern of one series: Debian 12's 6.1 LTS is
# linux-image-6.1.0-N-amd64-unsigned, the backports
# linux-image-6.12.N+deb12-amd64-unsigned (not -cloud, -rt).
series_regex() {
	local s=${1//./\\.}
	case $1 in
	*.*.*) echo "^linux-image-${s}-unsigned\$" ;;	# full release given
	6.1) echo "^linux-image-6\\.1\\.0-[0-9]+-amd64-unsigned\$" ;;
	*) echo "^linux-image-${s}\\.[0-9]+\\+deb[0-9]+-amd64-unsigned\$" ;;
	esac
}

release_of_pkg() { local p=${1#linux-image-}; echo "${p%-unsigned}"; }

resolve() {
	local series=$1 re pkg rel
	re=$(series_regex "$series")
	pkg=$(apt-cache search --names-only "$re" 2>/dev/null | awk '{print $1}' |
		sort -V | tail -1)
	if [ -n "$pkg" ]; then
		release_of_pkg "$pkg"
		return
	fi
	# apt knows nothing (no apt-get update yet, or offline): newest cached.
	rel=$(ls "$CACHE/kernels" 2>/dev/null | grep -v '\.tmp' |
		while read -r r; do
			[[ "linux-image-$r-unsigned" =~ $re ]] && echo "$r"
		done | sort -V | tail -1)
	[ -n "$rel" ] || die "no Debian kernel package matches $series (apt-cache search '$re' found none: run apt-get update)"
	echo "$rel"
}

# Decompress the ELF kernel out of a bzImage: find the payload's magic,
# decompress from there (trailing bytes after the stream are ignored).
extract_vmlinux() {
	local img=$1 out=$2 magic tool off
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		tool=${magic%%:*}
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$img" | cut -d: -f1 | head -5); do
			tail -c +$((off + 1)) "$img" | "$tool" -dc 2>/dev/null >"$out" || true
			if [ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = 177ELF ]; then
				return 0
			fi
		done
	done
	return 1
}

prepare() {
	local rel kd deb m f tmp
	rel=$(resolve "$1")
	kd=$CACHE/kernels/$rel
	if [ -f "$kd/.ready" ]; then
		echo "$kd"
		return
	fi
	mkdir -p "$CACHE/kernels"
	exec 8>"$CACHE/.lock"
	flock 8
	if [ -f "$kd/.ready" ]; then echo "$kd"; return; fi
	echo "vmtest: fetching linux-image-$rel-unsigned from Debian's archive" >&2
	tmp=$(mktemp -d "$CACHE/kernels/.$rel.tmp.XXXXXX")
	PREP_TMP=$tmp
	trap 'rm -rf "$PREP_TMP"' EXIT
	(cd "$tmp" && apt-get download -q "linux-image-$rel-unsigned" >/dev/null 2>"$tmp/apt.err") ||
		die "apt-get download linux-image-$rel-unsigned failed: $(tail -1 "$tmp/apt.err")"
	deb=$(ls "$tmp"/*.deb)
	mkdir "$tmp/x" "$tmp/k"
	dpkg-deb -x "$deb" "$tmp/x"
	mv "$tmp/x/boot/vmlinuz-$rel" "$tmp/k/vmlinuz"
	mv "$tmp/x/boot/config-$rel" "$tmp/k/config"
	mkdir -p "$tmp/k/lib/modules"
	for m in "$tmp/x/lib/modules/$rel" "$tmp/x/usr/lib/modules/$rel"; do
		[ -d "$m" ] && mv "$m" "$tmp/k/lib/modules/"
	done
	[ -d "$tmp/k/lib/modules/$rel" ] || die "no modules in $(basename "$deb")"
	depmod -b "$tmp/k" "$rel" || die "depmod failed for $rel"
	extract_vmlinux "$tmp/k/vmlinuz" "$tmp/vmlinux" ||
		die "cannot decompress the kernel image of $rel"
	objcopy -O binary --only-section=.BTF "$tmp/vmlinux" "$tmp/k/vmlinux.btf"
	[ -s "$tmp/k/vmlinux.btf" ] || die "$rel has no BTF (.BTF section)"
	base_initramfs "$tmp/k" "$rel" "$tmp/i"
	touch "$tmp/k/.ready"
	rm -rf "$kd"
	mv "$tmp/k" "$kd"
	echo "$kd"
}

# busybox (static: the initramfs has no libc) and the boot modules,
# decompressed (busybox insmod reads plain ELF).
base_initramfs() {
	local kd=$1 rel=$2 i=$3 bb f n
	bb=$(command -v busybox) || die "busybox missing: apt-get install busybox-static"
	ldd "$bb" >/dev/null 2>&1 && die "$bb is dynamically linked: apt-get install busybox-static"
	mkdir -p "$i/bin" "$i/modules"
	cp "$bb" "$i/bin/busybox"
	for m in $BOOT_MODULES; do
		modprobe -d "$kd" -S "$rel" --show-depends "$m" ||
			die "module $m not found for $rel"
	done | awk '$1 == "insmod" && !seen[$2]++ {print $2}' | while read -r f; do
		n=$(basename "$f")
		n=${n%.xz} n=${n%.zst} n=${n%.gz}
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -qdc "$f" ;;
		*.gz) gzip -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$i/modules/$n"
		echo "$n" >>"$i/modules/order"
	done
	(cd "$i" && find . | "$bb" cpio -o -H newc 2>/dev/null) >"$kd/initramfs-base.cpio"
}

case ${1:-} in
resolve) resolve "${2:?series}" ;;
prepare) prepare "${2:?series}" ;;
btf) echo "$(prepare "${2:?series}")/vmlinux.btf" ;;
*) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2 ;;
esac
