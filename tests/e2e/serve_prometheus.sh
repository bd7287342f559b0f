#!/bin/bash
# The real thing: Debian's Prometheus on loopback scrapes perftop serve
# every second (it asks for OpenMetrics, so that is the format it parses)
# and evaluates the shipped alerting rules, while 4 spinners per CPU
# oversubscribe the machine and `perftop record` runs beside serve.  Then,
# over the same stretch of time, through Prometheus's HTTP API:
#   - the scraped run-queue wait rate, system-wide and for the spinners'
#     command label, equals what `perftop record` saw, within 5%: two
#     collectors whose 1 s intervals are offset by up to one interval at
#     each end of a ~30 s span of steady load (measured: 0.0% system,
#     0.02% for the spinners);
#   - the spinners' rate also equals the kernel's own schedstat run_delay
#     of those threads (sampled by this test, an independent reference),
#     within 5% for the same reason (measured: 0.3%);
#   - the alert PerftopCpuRunqLatency fires (ALERTS), from the rules file
#     perftop generates (promtool check rules passes on it).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 prometheus promtool taskset

cp /bin/bash "$TMP/ptspin"
"$PERFTOP" serve --print-alert-rules >"$TMP/rules.yml"
promtool check rules "$TMP/rules.yml" >"$TMP/promtool.out" 2>&1 ||
	fail "promtool check rules: $(cat "$TMP/promtool.out")"

python3 - "$TMP" <<'PY' || fail "see above"
import json, os, socket, subprocess, sys, time, urllib.parse, urllib.request
from servelib import Serve
tmp = sys.argv[1]
perftop = os.environ["PERFTOP"]

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

procs = []
def start(cmd, **kw):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, **kw)
    procs.append(p)
    return p

try:
    s = Serve("-i", "1", "--probes", "sched", tmp=tmp)
    procs.append(s.proc)
    rec = start([perftop, "record", "--probes", "sched", "-i", "1", "-o",
                 os.path.join(tmp, "rec.json")], stderr=open(os.path.join(tmp, "rec.err"), "w"))
    pport = free_port()
    conf = os.path.join(tmp, "prometheus.yml")
    open(conf, "w").write("""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: perftop
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % (os.path.join(tmp, "rules.yml"), s.port))
    prom = start(["prometheus", "--config.file=" + conf,
                  "--storage.tsdb.path=" + os.path.join(tmp, "tsdb"),
                  "--web.listen-address=127.0.0.1:%d" % pport, "--log.level=warn"],
                 stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "prom.err"), "w"))
    api = "http://127.0.0.1:%d" % pport

    def q(expr, at=None):
        args = {"query": expr}
        if at is not None:
            args["time"] = "%.3f" % at
        with urllib.request.urlopen(api + "/api/v1/query?" + urllib.parse.urlencode(args),
                                    timeout=5) as r:
            out = json.load(r)
        assert out["status"] == "success", out
        return out["data"]["result"]

    def one(expr, at):
        res = q(expr, at)
        assert len(res) == 1, "%s at %.1f: %s" % (expr, at, res)
        return float(res[0]["value"][1])

    deadline = time.time() + 30
    while True:
        try:
            if q('up{job="perftop"}') and float(q('up{job="perftop"}')[0]["value"][1]) == 1:
                break
        except OSError:
            pass
        assert time.time() < deadline, "Prometheus never scraped perftop: " + \
            open(os.path.join(tmp, "prom.err")).read()
        time.sleep(0.5)

    # the load: 4 spinners per CPU; schedstat of each thread sampled 1/s
    n = 4 * os.cpu_count()
    spin = [start([os.path.join(tmp, "ptspin"), "-c", "while :; do :; done"]) for _ in range(n)]
    samples = []	# (time, sum of run_delay ns)
    t_load = time.time()
    fired = t_series = None
    sel = 'perftop_command_runq_wait_seconds_total{command="ptspin"}'
    # until the alert fired and 30 s of the spinners' own series are in,
    # starting 8 s into the load (at most 90 s)
    while time.time() - t_load < 90:
        tot = 0
        for p in spin:
            tot += int(open("/proc/%d/schedstat" % p.pid).read().split()[1])
        samples.append((time.time(), tot))
        if fired is None:
            res = q('ALERTS{alertname="PerftopCpuRunqLatency",alertstate="firing"}')
            if res:
                fired = time.time() - t_load
                print("alert fired after %.0f s of load: %s" % (fired, res[0]["metric"]))
        if t_series is None and q(sel):
            t_series = time.time()
        if fired is not None and t_series is not None and \
                time.time() > max(t_load + 8, t_series + 2) + 32:
            break
        time.sleep(1)
    assert fired is not None, "PerftopCpuRunqLatency did not fire under oversubscription; findings: %s" \
        % q("perftop_finding == 1")
    assert t_series is not None, "the spinners never got a series of their own"
    assert q('scrape_samples_scraped{job="perftop"}'), "nothing scraped"

    # the span to compare: 30 s, from 8 s into the load or 2 s after the
    # spinners' command got a series of its own, whichever is later
    T1 = max(t_load + 8, t_series + 2)
    T2 = T1 + 30
    E1 = one("perftop_last_interval_end_timestamp_seconds", T1)
    E2 = one("perftop_last_interval_end_timestamp_seconds", T2)
    sys_prom = (one("perftop_runq_wait_seconds_total", T2) -
                one("perftop_runq_wait_seconds_total", T1)) / (E2 - E1)
    spin_prom = (one(sel, T2) - one(sel, T1)) / (E2 - E1)

    # what perftop record saw in intervals ending in (E1, E2]
    rec.terminate()
    rec.wait(10)
    snaps = [json.loads(l) for l in open(os.path.join(tmp, "rec.json"))]
    snaps = [o for o in snaps if o["type"] == "snapshot"]
    def end(o):
        import calendar
        return calendar.timegm(time.strptime(o["time"][:19], "%Y-%m-%dT%H:%M:%S")) + \
            int(o["time"][20:23]) / 1000
    win = [o for o in snaps if E1 < end(o) <= E2]
    cover = sum(o["interval_ns"] for o in win) / 1e9
    sys_rec = sum(o["sched"]["system"]["runq_wait_ns"] for o in win) / 1e9 / cover
    spin_rec = sum(t["runq_wait_ns"] for o in win for t in o["sched"]["tasks"]
                   if t["comm"] == "ptspin") / 1e9 / cover

    # schedstat, interpolated at E1 and E2
    def at(t):
        for (a, x), (b, y) in zip(samples, samples[1:]):
            if a <= t <= b:
                return x + (y - x) * (t - a) / (b - a)
        raise AssertionError("no schedstat sample around %.1f" % t)
    spin_kernel = (at(E2) - at(E1)) / 1e9 / (E2 - E1)

    print("run-queue wait, s per s over %.1f s: system prometheus %.3f record %.3f; "
          "ptspin prometheus %.3f record %.3f schedstat %.3f"
          % (E2 - E1, sys_prom, sys_rec, spin_prom, spin_rec, spin_kernel))
    for what, a, b in (("system vs record", sys_prom, sys_rec),
                       ("ptspin vs record", spin_prom, spin_rec),
                       ("ptspin vs schedstat", spin_prom, spin_kernel)):
        assert abs(a - b) <= 0.05 * b, "%s: %.3f vs %.3f (%.1f%%)" % (what, a, b, 100 * (a - b) / b)
    assert spin_prom > 0.5 * (n - os.cpu_count()), "the spinners barely waited: %.3f" % spin_prom
finally:
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
PY
echo PASS
