#!/bin/bash
# make deb, as a fleet installs it: dpkg -i on this machine puts the
# binary, man page, bash completion, systemd unit (systemd-analyze verify
# passes), defaults conffile and alerting rules (promtool check rules
# passes) in place; the installed binary runs `serve` as the unit would,
# an unprivileged user with CAP_BPF and CAP_PERFMON only, recording into a
# directory of its own; man and completion work; dpkg -r then dpkg -P
# leave no file of the package behind.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd dpkg dpkg-deb setpriv curl python3 promtool
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(cd "$(dirname "$PERFTOP")" && pwd)

if dpkg-query -W -f='${Status}' perftop 2>/dev/null | grep -q "ok installed"; then
	fail "a perftop package is installed already: dpkg -P perftop first (this test installs and purges its own)"
fi
deb=$(cd "$ROOT" && OUT="$OUT" scripts/mkdeb.sh) || fail "make deb failed"
[ -f "$ROOT/$deb" ] || deb="${deb#"$ROOT/"}"
deb=$(cd "$ROOT" && readlink -f "$deb")
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' | grep -v '/$' >"$TMP/files"
on_exit "dpkg -P perftop"
dpkg -i "$deb" >"$TMP/dpkg.out" 2>&1 || fail "dpkg -i: $(cat "$TMP/dpkg.out")"
dpkg-query -W -f='${Status}' perftop | grep -q "install ok installed" || fail "not installed"
for f in /usr/bin/perftop /usr/lib/systemd/system/perftop.service \
	/usr/share/man/man1/perftop.1.gz /usr/share/bash-completion/completions/perftop \
	/usr/share/perftop/perftop-alerts.yml /usr/share/perftop/prometheus-scrape.yml \
	/etc/default/perftop; do
	[ -f "$f" ] || fail "$f is not installed"
done
/usr/bin/perftop --version | grep -q "^perftop " || fail "installed binary does not run"
promtool check rules /usr/share/perftop/perftop-alerts.yml >"$TMP/rules.out" 2>&1 ||
	fail "promtool check rules: $(cat "$TMP/rules.out")"
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify /usr/lib/systemd/system/perftop.service >"$TMP/verify.out" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$TMP/verify.out")"
	grep -q "^ExecStart=/usr/bin/perftop serve" /usr/lib/systemd/system/perftop.service ||
		fail "unit runs another binary: $(grep ExecStart /usr/lib/systemd/system/perftop.service)"
fi
MANPAGER=cat man perftop 2>/dev/null | grep -q "perftop serve" || fail "man perftop does not show the page"
comp=$(bash -c '. /usr/share/bash-completion/completions/perftop
	COMP_WORDS=(perftop se); COMP_CWORD=1; _perftop; echo "${COMPREPLY[*]}"
	COMP_WORDS=(perftop serve --record-d); COMP_CWORD=2; _perftop; echo "${COMPREPLY[*]}"')
[ "$comp" = "serve
--record-dir" ] || fail "completion gave: $comp"

# --- serve as the unit runs it: nobody, CAP_BPF + CAP_PERFMON, no more ----
rec="$TMP/state/recordings"
mkdir -p "$rec"
chown -R 65534:65534 "$TMP/state"
chmod 700 "$TMP/state" "$rec"
chmod 755 "$TMP"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all,+bpf,+perfmon --ambient-caps=-all,+bpf,+perfmon \
	--bounding-set=-all,+bpf,+perfmon \
	/usr/bin/perftop serve -i 0.5 --listen 127.0.0.1:0 --record-dir "$rec" \
	2>"$TMP/serve.err" &
pid=$!
on_exit "kill $pid"
wait_line "$TMP/serve.err" "metrics at" 20
url=$(sed -n 's|.*metrics at \(http://[^ ,]*\).*|\1|p' "$TMP/serve.err")
sleep 2
curl -sf "$url" >"$TMP/page" || fail "no /metrics from the unprivileged serve: $(cat "$TMP/serve.err")"
grep -q '^perftop_probe_up{family="sched",attach="tp_btf"} 1$' "$TMP/page" ||
	fail "sched not running with CAP_BPF+CAP_PERFMON only: $(grep probe_up "$TMP/page")"
grep '^perftop_probe_up' "$TMP/page"
grep -q "^perftop_bpf_stats_enabled $(cat /proc/sys/kernel/bpf_stats_enabled)\$" "$TMP/page" ||
	fail "without CAP_SYS_ADMIN, BPF stats are on only if the sysctl is: $(grep bpf_stats_enabled "$TMP/page")"
kill -TERM "$pid"
wait "$pid" || fail "serve exited $? on SIGTERM"
ls "$rec"/perftop-*.json.gz >/dev/null || fail "nothing recorded"
[ "$(stat -c %U "$rec"/perftop-*.json.gz | sort -u)" = nobody ] || fail "recording not owned by the service user"
/usr/bin/perftop report "$rec" >/dev/null || [ $? -le 2 ] || fail "report on the recording failed"

# --- remove, then purge: nothing of the package stays -------------------------
dpkg -r perftop >"$TMP/dpkg.out" 2>&1 || fail "dpkg -r: $(cat "$TMP/dpkg.out")"
[ -f /etc/default/perftop ] || fail "dpkg -r removed the conffile (only purge should)"
grep -v '^/etc/' "$TMP/files" | while read -r f; do
	[ ! -e "$f" ] || fail "$f left after dpkg -r"
done
dpkg -P perftop >"$TMP/dpkg.out" 2>&1 || fail "dpkg -P: $(cat "$TMP/dpkg.out")"
while read -r f; do
	[ ! -e "$f" ] || fail "$f left after dpkg -P"
done <"$TMP/files"
[ ! -e /usr/share/perftop ] && [ ! -e /var/lib/perftop ] || fail "directories left after purge"
echo "PASS: $(wc -l <"$TMP/files") files installed and removed"
