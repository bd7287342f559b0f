#!/bin/bash
# perftop serve's endpoint as a hostile client finds it: malformed, oversized
# and random requests get a 4xx (505 for an HTTP version other than 1.x),
# or the connection closed when the bytes are no HTTP request at all, never
# a 2xx and never a crash; the connection limit holds; a request trickled
# byte by byte is cut at its deadline; a scraper that never reads its
# response stalls neither the collector nor other scrapers, and costs no
# memory growth.  The page passes promtool, and OpenMetrics is served when
# asked for.  Unix socket with a chosen mode, a stale socket file replaced,
# a busy port refused, SIGHUP reload (good and bad config), SIGTERM -> 0.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 promtool dd

python3 - "$TMP" <<'PY' || fail "see above"
import os, random, re, signal, socket, stat, subprocess, sys, threading, time
from servelib import Serve, parse, value, series
tmp = sys.argv[1]
perftop = os.environ["PERFTOP"]

class Sampler:
    """A kernel counter, read() every 10 ms in a thread and stamped with
    CLOCK_MONOTONIC, to be taken at the instants a page says its interval
    ended.  Those are Unix time (CLOCK_REALTIME at the end): each sample
    keeps the realtime-monotonic offset read beside it, so a clock step
    moves no sample.  between(t) is the counter's value just before and
    just after Unix time t: where t falls in a 10 ms gap the test allows
    either (the counter can move inside the gap)."""
    def __init__(self, read):
        self.read, self.log = read, []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()
    def run(self):
        while not self.done.is_set():
            m = time.monotonic_ns()
            v = self.read()
            self.log.append((m, time.time_ns() - time.monotonic_ns(), v))
            time.sleep(0.01)
    def stop(self, until):
        """After the first sample past Unix time until (10 s at most)."""
        deadline = time.monotonic() + 10
        while ((not self.log or sum(self.log[-1][:2]) <= until * 1e9)
               and time.monotonic() < deadline):
            time.sleep(0.01)
        self.done.set()
        self.thread.join()
    def between(self, t):
        t = int(t * 1e9)
        for (a, off, x), (b_, _, y) in zip(self.log, self.log[1:]):
            if a <= t - off <= b_:
                return x, y
        raise AssertionError("no sample around %.3f (samples %.3f..%.3f)"
                             % (t / 1e9, (self.log[0][0] + self.log[0][1]) / 1e9,
                                (self.log[-1][0] + self.log[-1][1]) / 1e9))

s = Serve("-i", "0.5", "--probes", "sched", tmp=tmp)
page = s.wait_ready()
print("serving at", s.url)

# --- the page: promtool's linter, both formats -----------------------------
st, hdr, text = s.get()
assert hdr["Content-Type"].startswith("text/plain; version=0.0.4"), hdr
p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                   capture_output=True)
assert p.returncode == 0, "promtool check metrics: %s" % (p.stdout + p.stderr).decode()
st, hdr, om = s.get(accept="application/openmetrics-text;version=1.0.0,"
                    "application/openmetrics-text;version=0.0.1;q=0.75,"
                    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
assert hdr["Content-Type"].startswith("application/openmetrics-text; version=1.0.0"), hdr
assert om.endswith("# EOF\n"), om[-40:]
assert "# TYPE perftop_runq_wait_seconds counter\n" in om
assert "# UNIT perftop_runq_wait_seconds seconds\n" in om
assert "# TYPE perftop_runq_wait_seconds_total counter\n" in text
# a plain browser or curl gets the text format
assert s.get(accept="*/*")[1]["Content-Type"].startswith("text/plain")
assert s.get(path="/")[0] == 200

# --- malformed requests ------------------------------------------------------
H = b"Host: x\r\n"
cases = {
    # method
    b"POST /metrics HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello": b"405",
    b"PUT /metrics HTTP/1.1\r\n" + H + b"\r\n": b"405",
    b"DELETE / HTTP/1.1\r\n" + H + b"\r\n": b"405",
    b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n": b"405",
    b"TRACE /metrics HTTP/1.1\r\n" + H + b"\r\n": b"405",
    b"CONNECT 127.0.0.1:22 HTTP/1.1\r\n" + H + b"\r\n": b"405",
    # path: only / and /metrics, compared as sent
    b"GET /nope HTTP/1.1\r\n" + H + b"\r\n": b"404",
    b"GET /metrics/../etc/passwd HTTP/1.1\r\n" + H + b"\r\n": b"404",
    b"GET /metrics%00 HTTP/1.1\r\n" + H + b"\r\n": b"404",
    b"GET /%6detrics HTTP/1.1\r\n" + H + b"\r\n": b"404",
    b"GET http://evil/metrics HTTP/1.1\r\n" + H + b"\r\n": b"404",
    b"GET nope HTTP/1.1\r\n" + H + b"\r\n": b"404",
    # framing
    b"GET /metrics HTTP/1.1\r\n\r\n": b"400",                # no Host
    b"GET /metrics HTTP/1.1\r\n" + H + b"Content-Length: 4\r\n\r\nabcd": b"400",
    b"GET /metrics HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n": b"400",
    b"GET /metrics HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n": b"400",
    b"GET /metrics HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n": b"400",
    b"GET /metrics HTTP/1.1\rHost: x\r\n\r\n": b"400",
    bytes(range(256)) + b"\r\n\r\n": b"400",
    # size: a 32 KiB request limit
    b"GET /metrics HTTP/1.1\r\n" + H + b"X: " + b"a" * 70000 + b"\r\n\r\n": b"431",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n" + H + b"\r\n": b"414",
    b"GET /metrics HTTP/1.1\r\n" + H + b"".join(b"H%d: v\r\n" % i for i in range(3000)) + b"\r\n": b"431",
    # versions
    b"GET /metrics HTTP/9.9\r\n" + H + b"\r\n": b"505",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n": b"505",
    # not HTTP at all: closed, or 400
    b"GARBAGE\r\n\r\n": b"",
    b"GET /met rics HTTP/1.1\r\n" + H + b"\r\n": b"",
    # valid, for contrast
    b"GET /metrics HTTP/1.0\r\n\r\n": b"200",
    b"HEAD /metrics HTTP/1.1\r\n" + H + b"\r\n": b"200",
    b"GET /metrics?x=1 HTTP/1.1\r\n" + H + b"\r\n": b"200",
}
for req, want in cases.items():
    line = s.raw(req)
    code = line.split(b" ")[1] if line.startswith(b"HTTP/1.1 ") else b""
    ok = code == want or (want == b"" and code == b"400")
    assert ok, "request %r...: got %r, want %r" % (req[:40], line, want)
print("malformed: %d cases answered as expected" % len(cases))

# --- random requests: mutations of a valid one, and noise ------------------
rnd = random.Random(15)
valid = b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"
codes = {}
for i in range(300):
    b = bytearray(valid)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(3)
        pos = rnd.randrange(len(b))
        if op == 0:
            b[pos] = rnd.randrange(256)
        elif op == 1:
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
        else:
            del b[pos:pos + rnd.randint(1, 8)]
    if i % 10 == 0:
        b = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 2000)))
    try:
        line = s.raw(bytes(b) + b"\r\n\r\n", timeout=3)
    except socket.timeout:
        line = b"timeout"	# waiting for more of a request: allowed
    code = line[9:12] if line.startswith(b"HTTP/1.1 ") else line[:7]
    codes[code] = codes.get(code, 0) + 1
    assert code in (b"200", b"400", b"404", b"405", b"414", b"431", b"505",
                    b"", b"timeout"), "random request got %r" % line
    if code == b"200":	# a mutation that is still a GET of /metrics
        assert bytes(b).split(b" ")[:2] == [b"GET", b"/metrics"], bytes(b)[:60]
    assert s.alive(), "serve died on %r" % bytes(b)[:80]
print("random: %s" % sorted(codes.items()))

# --- connection limit: 16 -------------------------------------------------
held = [socket.create_connection((s.host, s.port)) for _ in range(16)]
time.sleep(0.5)
extra = socket.create_connection((s.host, s.port), timeout=3)
extra.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
try:
    got = extra.recv(100)
except (ConnectionResetError, socket.timeout):
    got = b""
assert not got.startswith(b"HTTP/1.1 200"), "17th connection served: %r" % got[:40]
for c in held:
    c.close()
extra.close()
time.sleep(0.5)
assert s.get()[0] == 200

# --- a stuck scraper: asks, never reads; a trickled request -----------------
rss0 = s.rss_kib()
n0 = value(s.scrape(), "perftop_intervals_total")
scraped0 = time.monotonic()	# the first page's end is before this
stuck = socket.socket()
stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
stuck.connect((s.host, s.port))
for _ in range(50):	# pipelined: far more than the socket buffers hold
    stuck.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
slow = socket.create_connection((s.host, s.port))
slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
t0 = time.time()
closed_after = None
times = []
while time.time() - t0 < 14:
    try:
        slow.sendall(b"X")	# a header that never ends
    except OSError:
        closed_after = closed_after or time.time() - t0
    asked = time.monotonic()
    page = s.scrape()
    times.append(time.monotonic() - asked)
    time.sleep(1)
n1 = value(page, "perftop_intervals_total")
# The collector keeps its cadence (a deadline every 0.5 s), so the ends
# between the two pages are the 0.5 s ticks from the first page's end, at
# the latest when the first scrape returned, to the last page's end, at
# the earliest its request less an interval and the page's publication
# (collection, and hypervisor steal up to 100+ ms): span / 0.5 less one
# interval for each.  The span is measured, not the loop's 14 s: the last
# scrape comes 13-14 s after the first (13.03-13.08 s and 26 intervals in
# 3 runs, 2026-12-02).
# A collector stalled by the stuck scraper would wait out its 10 s
# request deadline and start its cadence over: ~20 intervals short.
span = asked - scraped0
want = int(span / 0.5) - 2
assert n1 - n0 >= want, \
    "collector advanced %d intervals in %.2f s under a stuck scraper, want >= %d" \
    % (n1 - n0, span, want)
# A scrape held up by the stuck scraper would wait out its 10 s request
# deadline; a free one takes ms, but on this shared 2-CPU VM one took
# 0.670 s (2026-12-02, steal).  2 s tells the two apart.
assert max(times) < 2, "scrapes took up to %.3f s beside a stuck one" % max(times)
# the trickled request: cut at its 10 s deadline (sweep every 0.25 s)
try:
    slow.settimeout(2)
    rest = slow.recv(100)
except OSError:
    rest = b""
assert closed_after is not None or rest == b"", "trickled request still open after 14 s"
assert value(page, "perftop_http_connections_cut_total") >= 1
rss1 = s.rss_kib()
# (under ASan freed memory sits in its quarantine: RSS says nothing there;
# the plain build's run checks it)
if "ASAN_OPTIONS" not in os.environ:
    assert rss1 - rss0 < 2048, "RSS grew %d KiB under a stuck scraper" % (rss1 - rss0)
stuck.close()
slow.close()
print("stuck scraper: %d intervals in %.2f s (>= %d wanted), scrapes <= %.3f s, RSS %+d KiB, trickle cut after %s s"
      % (n1 - n0, span, want, max(times), rss1 - rss0, closed_after))

# --- perftop's own BPF run counts against the kernel's context switches ------
# The sched_switch program runs once per context switch, and /proc/stat's
# ctxt counts the same switches (both where __schedule() picks another
# task): over 4 s, the program's run_cnt grows by ctxt's growth, read at
# the same instants.  The page's run counts are read when serve publishes
# it, after the interval's end and its collection (which makes switches
# of its own), not at the end itself: CI saw 721 runs against ctxt's 753
# interpolated at the ends (4.2%).  So the counts were read somewhere in
# [end, end + one interval] (a page is published before the next end):
# the runs must lie between ctxt's growth over the narrowest and the
# widest of those spans (ctxt sampled every 10 ms, the sample before or
# after each instant), within 2%.
def ctxt():
    for line in open("/proc/stat"):
        if line.startswith("ctxt "):
            return int(line.split()[1])
def runs(page):
    hits = [v for (n, l), v in page.items() if n == "perftop_bpf_prog_runs_total"
            and dict(l)["prog"].startswith(("tpbtf_sched_sw", "rawtp_sched_sw"))]
    assert len(hits) == 1, hits
    return hits[0]
page = s.scrape()
if value(page, "perftop_bpf_stats_enabled") == 1:
    cs = Sampler(ctxt)
    time.sleep(1)
    p0 = s.scrape()
    time.sleep(3.5)
    p1 = s.scrape()
    e0 = value(p0, "perftop_last_interval_end_timestamp_seconds")
    e1 = value(p1, "perftop_last_interval_end_timestamp_seconds")
    cs.stop(until=e1 + 0.5)
    got = runs(p1) - runs(p0)
    lo = cs.between(e1)[0] - cs.between(e0 + 0.5)[1]
    hi = cs.between(e1 + 0.5)[1] - cs.between(e0)[0]
    want = cs.between(e1)[0] - cs.between(e0)[1]
    assert 0.98 * lo <= got <= 1.02 * hi, \
        "sched_switch ran %d times, ctxt grew %.0f..%.0f" % (got, lo, hi)
    assert value(p1, "perftop_bpf_prog_run_seconds_total") > 0
    print("bpf stats: sched_switch ran %d times, ctxt grew %.0f (%.0f..%.0f)"
          % (got, want, lo, hi))
else:
    print("bpf stats off (no CAP_SYS_ADMIN, sysctl 0): run counts not checked")

# --- responses were counted; still alive -----------------------------------
page = s.scrape()
assert value(page, "perftop_http_responses_total", code="405") >= 6
assert value(page, "perftop_http_responses_total", code="404") >= 6

# --- SIGHUP: reload thresholds; a bad file keeps them ------------------------
cfg = os.path.join(tmp, "cfg.json")
open(cfg, "w").write('{"thresholds": {"cpu.runq_latency": {"warning": 3, "critical": 7}}}')
s.stop()
s = Serve("-i", "0.5", "--probes", "sched", "--config", cfg, tmp=tmp, name="s2")
s.wait_ready()
open(cfg, "w").write('{"thresholds": {"cpu.runq_latency": {"warning": 4, "critical": 9}}}')
# A reload happens at the next interval's end and shows on the page
# published then, with the reload counters of the same page: poll those.
def reloaded(result):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        page = s.scrape()
        if value(page, "perftop_config_reloads_total", result=result) >= 1:
            return page
        time.sleep(0.05)
    raise AssertionError("SIGHUP: no %s reload on the page after 10 s" % result)
s.proc.send_signal(signal.SIGHUP)
page = reloaded("ok")
assert value(page, "perftop_rule_threshold", rule="cpu.runq_latency", severity="critical") == 9
assert value(page, "perftop_config_reloads_total", result="ok") == 1
assert value(page, "perftop_config_reloads_total", result="error") == 0
open(cfg, "w").write('{"thresholds": {"cpu.runq_latency": {"warning": "high"}}}')
s.proc.send_signal(signal.SIGHUP)
page = reloaded("error")
assert value(page, "perftop_config_reloads_total", result="ok") == 1
assert value(page, "perftop_rule_threshold", rule="cpu.runq_latency", severity="critical") == 9
assert value(page, "perftop_config_reloads_total", result="error") == 1
assert s.alive()
rc = s.stop()
assert rc == 0, "SIGTERM: exit %d" % rc
assert "configuration reloaded" in s.stderr() and "not reloaded" in s.stderr(), s.stderr()

# --- the disk latency histogram against /proc/diskstats ---------------------
# A direct-I/O burst between two pages: the histogram's count grows by what
# the kernel's own I/O counters grow by (requests it counts as reads,
# writes and discards, both at completion) between the two pages'
# interval ends.  Not flushes: diskstats counts the flush machinery's own
# flush requests (field 18), which the histogram does not time (block.c
# counts requests with RQF_IO_STAT and not RQF_FLUSH_SEQ, as
# blk_account_io_done() does); a journal commit on this disk (write-back
# cache, no FUA) adds two.  A CI run that counted them read 126 against
# 132 (2026-12-03; that the 6 were flushes was not measured).  The pages'
# counts stop at those ends, so diskstats is taken there too, from a 10 ms
# sampler (the sample before or after each end, as the counter may move
# inside the gap), not read beside the scrape:
# that was up to 0.5 s off the end, and a journal commit (3-4 requests) or
# other I/O on the shared disk in the mismatch failed the 2 allowed.  The
# burst is over long before the second end and starts after the first, so
# it straddles neither; what remains is the read lag, requests completed
# between an end and perftop's drain of its ring: max(2, 2%) allowed.
# Measured: 130, 133 and 129 requests in 3 runs, each what diskstats grew
# by between the ends, with no I/O in the 10 ms gaps around them.
# The burst goes to a file system on a real disk: the repository's, else
# /var/tmp (in make vmtest's guests the checkout is on a RAM overlay, no
# block device, and /var/tmp is ext4 on a virtio disk).
def disk_of(path):
    st_dev = os.stat(path).st_dev
    sysdev = os.path.realpath("/sys/dev/block/%d:%d" % (os.major(st_dev), os.minor(st_dev)))
    if os.path.exists(os.path.join(sysdev, "partition")):
        sysdev = os.path.dirname(sysdev)
    return os.path.basename(sysdev) if os.path.exists(sysdev) else None
burst_dir = next((d for d in (os.path.join(os.getcwd(), "build"), "/var/tmp")
                  if disk_of(d)), None)
assert burst_dir, "neither the repository nor /var/tmp is on a block device"
dev = disk_of(burst_dir)
def diskstats():
    for line in open("/proc/diskstats"):
        f = line.split()
        if f[2] == dev:
            n = int(f[3]) + int(f[7])
            if len(f) >= 15:
                n += int(f[14])
            return n
    raise AssertionError("no %s in /proc/diskstats" % dev)
b = Serve("-i", "0.5", "--probes", "block", tmp=tmp, name="blk")
b.wait_ready()
def hist_count(page):
    return sum(v for (n, l), v in page.items()
               if n == "perftop_disk_latency_seconds_count" and ("device", dev) in l)
ds = Sampler(diskstats)
time.sleep(1.5)
p0 = b.scrape()
target = os.path.join(burst_dir, "serve-http-dd.%d" % os.getpid())
subprocess.run(["dd", "if=/dev/zero", "of=" + target, "bs=256k", "count=128",
                "oflag=direct"], check=True, capture_output=True)
os.unlink(target)
time.sleep(1.5)
page = b.scrape()
e0 = value(p0, "perftop_last_interval_end_timestamp_seconds")
e1 = value(page, "perftop_last_interval_end_timestamp_seconds")
ds.stop(until=e1)
c0, c1 = hist_count(p0), hist_count(page)
(a0, b0), (a1, b1) = ds.between(e0), ds.between(e1)
lo, hi = a1 - b0, b1 - a0	# diskstats' growth between the ends
assert lo >= 128, "the burst did not reach %s: %d I/Os" % (dev, lo)
slack = max(2, 0.02 * hi)
# The sanitizer build is held to the same bound.  It came out short twice
# in CI, 126 of 132 and 125 of 130 (2026-12-03), never in the main pass,
# and was allowed 90% since.  The likely cause (never reproduced outside
# CI, so not proven; this bound is the test of it): the page's
# interval end (`time`) was read after the families' collect, later than
# the block family's drain of its ring by as long as the collect took
# (longer under ASan), so I/O completing in between (a journal commit
# after the burst: 3-6 requests) was in diskstats before "the end" and in
# perftop's next interval.  Read at the flip since 2026-12-05
# (collector.c); under ASan 4 runs read 138/138, 131/131, 130/129..130,
# 130/130 on the host.
low = lo - slack
loss = {dict(l).get("kind"): v for (n, l), v in page.items()
        if n == "perftop_loss_total" and v}
assert low <= c1 - c0 <= hi + slack, \
    "histogram counted %d requests, diskstats %d..%d between the pages' ends (loss %s)" \
    % (c1 - c0, lo, hi, loss)
buckets = sorted((float(dict(l)["le"]), v) for (n, l), v in page.items()
                 if n == "perftop_disk_latency_seconds_bucket" and ("device", dev) in l)
assert all(a[1] <= b_[1] for a, b_ in zip(buckets, buckets[1:])), buckets
assert buckets[-1][0] == float("inf") and buckets[-1][1] == c1
assert b.stop() == 0
print("disk histogram: %d requests, diskstats %d..%d between the pages' ends"
      % (c1 - c0, lo, hi))

# --- a unix socket with mode 0660; a stale one replaced ----------------------
sock = os.path.join(tmp, "m.sock")
u = Serve("-i", "0.5", "--probes", "sched", "--socket-mode", "0660",
          listen="unix:" + sock, tmp=tmp, name="unix")
mode = stat.S_IMODE(os.lstat(sock).st_mode)
assert mode == 0o660, "socket mode %o" % mode
time.sleep(1.2)
out = subprocess.run(["curl", "-sf", "--unix-socket", sock, "http://x/metrics"],
                     capture_output=True)
assert out.returncode == 0 and b"perftop_intervals_total" in out.stdout, out
u.stop(signal.SIGKILL)
assert os.path.exists(sock)	# left behind by SIGKILL
u = Serve("-i", "0.5", "--probes", "sched", listen="unix:" + sock, tmp=tmp, name="unix2")
assert stat.S_IMODE(os.lstat(sock).st_mode) == 0o600
assert u.stop() == 0
assert not os.path.exists(sock), "socket file left after SIGTERM"
print("unix socket: ok")
PY

# --- refusals: one error line, documented status -----------------------------
"$PERFTOP" serve -i 0.5 --probes sched --listen 127.0.0.1:0 2>"$TMP/busy.err" &
busy_pid=$!
on_exit "kill $busy_pid"
wait_line "$TMP/busy.err" "metrics at"
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$TMP/busy.err")
expect_error 1 "$PERFTOP" serve --probes sched --listen "127.0.0.1:$port"
grep -q "in use" "$TMP/err" || fail "busy port error does not say so: $(cat "$TMP/err")"
touch "$TMP/file.sock"
expect_error 1 "$PERFTOP" serve --probes sched --listen "unix:$TMP/file.sock"
expect_error 2 "$PERFTOP" serve --listen 127.0.0.1
expect_error 2 "$PERFTOP" serve --listen 999.1.1.1:80
expect_error 2 "$PERFTOP" serve --listen localhost:70000
expect_error 2 "$PERFTOP" serve --listen unix:relative.sock
expect_error 2 "$PERFTOP" serve --listen unix:/x --socket-mode 0999
expect_error 2 "$PERFTOP" serve --socket-mode 0660
expect_error 2 "$PERFTOP" serve --keep 24h
expect_error 2 "$PERFTOP" serve --record-dir "$TMP/r" --max-size 10k
expect_error 2 "$PERFTOP" serve --record-dir "$TMP/r" --rotate 0.5s
expect_error 2 "$PERFTOP" serve --top 0
kill -TERM "$busy_pid"
wait "$busy_pid" || fail "serve exited $? on SIGTERM, want 0"
echo "PASS"
