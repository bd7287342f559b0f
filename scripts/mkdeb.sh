#!/bin/bash
# Build a Debian package of perftop from an already built tree (make deb):
# the binary, man page, bash completion, the systemd unit for `serve` and
# its defaults file (a conffile), the generated alerting rules and a scrape
# configuration example.  Depends: the Debian packages that hold the shared
# libraries the binary is linked with, found by dpkg -S, so the list cannot
# go stale.  Output: $OUT/perftop_VERSION_ARCH.deb.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
bin="$OUT/perftop"
[ -x "$bin" ] || { echo "perftop: $bin is not built: run make first" >&2; exit 1; }
command -v dpkg-deb >/dev/null ||
	{ echo "perftop: dpkg-deb not found: make deb needs a Debian system" >&2; exit 1; }

version=$("$bin" --version | awk '{ print $2 }')
arch=$(dpkg --print-architecture)
stage=$(realpath -m "$OUT/deb/root")
rm -rf "$OUT/deb"
mkdir -p "$stage/DEBIAN"
make --no-print-directory install OUT="$OUT" PREFIX=/usr DESTDIR="$stage" >/dev/null
gzip -9n "$stage/usr/share/man/man1/perftop.1"
install -D -m 0644 README.md "$stage/usr/share/doc/perftop/README.md"
gzip -9n "$stage/usr/share/doc/perftop/README.md"
cat >"$stage/usr/share/doc/perftop/copyright" <<'TXT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: perftop
Files: *
License: GPL-2.0
 On Debian systems the full text is in /usr/share/common-licenses/GPL-2.
TXT

# Debian ships binaries without their debug sections
strip --strip-debug "$stage/usr/bin/perftop"

# the packages that own the libraries the binary itself needs (its
# DT_NEEDED entries, found where the dynamic linker finds them)
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
deps=$(for so in $needed; do ldd "$bin" | awk -v so="$so" '$1 == so && $3 ~ /^\// { print $3 }'; done |
	while read -r lib; do
	dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
		{ echo "perftop: no Debian package owns $lib: cannot state the dependency" >&2; exit 1; }
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')

size=$(du -sk "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CTL
Package: perftop
Version: $version
Architecture: $arch
Maintainer: perftop developers <perftop@localhost>
Installed-Size: $size
Depends: $deps
Section: admin
Priority: optional
Description: where a Linux machine waits, traced with eBPF
 perftop traces the scheduler, page faults, block I/O and TCP in the
 kernel (CO-RE eBPF) and shows, per thread, process, cgroup, device and
 connection, where tasks wait.  Interactive view, JSON traces, cron scans
 with monitoring exit codes, and perftop serve: Prometheus /metrics with
 alerting rules and a flight recorder of rotated traces (systemd unit).
CTL
echo /etc/default/perftop >"$stage/DEBIAN/conffiles"

# systemd: enable and start on install where systemd runs; nothing else
cat >"$stage/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl enable perftop.service || true
	systemctl restart perftop.service || true
fi
SH
cat >"$stage/DEBIAN/prerm" <<'SH'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	case "$1" in
	remove|deconfigure) systemctl disable --now perftop.service || true ;;
	upgrade) systemctl stop perftop.service || true ;;
	esac
fi
SH
cat >"$stage/DEBIAN/postrm" <<'SH'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
if [ "$1" = purge ]; then
	# the unit's StateDirectory (DynamicUser keeps it under private/)
	rm -rf /var/lib/perftop /var/lib/private/perftop
fi
SH
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
	xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

deb="$OUT/perftop_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
