#!/bin/bash
# The flight recorder (serve --record-dir) with a 2 s rotation period on a
# tmpfs: files rotate on the period's boundaries; the directory never
# holds more than --max-size on disk (du polled every 50 ms, the kernel's
# block count, not perftop's own figure); the oldest files go first; a
# SIGKILL mid-file leaves a file cut off that still reads, and the
# restarted daemon starts a new one; report and replay read across the
# files with --from/--to, and the snapshots they see are the files' own
# (counted independently by zcat + json); a full disk drops snapshots,
# counts them in /metrics and says so once, serving goes on, and recording
# resumes when space comes back with no torn line left between good ones.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 mount umount

disk="$TMP/disk"
mkdir -p "$disk"
mount -t tmpfs -o size=8m,mode=0700 perftop-test "$disk" || skip "cannot mount a tmpfs"
on_exit "umount -l $disk"

python3 - "$TMP" "$disk" <<'PY' || fail "see above"
import calendar, glob, json, os, signal, subprocess, sys, time, zlib
from servelib import Serve, value
tmp, disk = sys.argv[1], sys.argv[2]
perftop = os.environ["PERFTOP"]
rec = os.path.join(disk, "rec")
LIMIT = 1 << 20

def du():
    total = 0
    for f in glob.glob(rec + "/*"):
        total += os.stat(f).st_blocks * 512
    return total

def lines(path):
    """Complete lines of one file, and whether its last line was torn.
    Each line is its own gzip member; decompress member by member."""
    data = open(path, "rb").read()
    out, torn = [], False
    while data:
        d = zlib.decompressobj(31)
        try:
            text = d.decompress(data)
        except zlib.error:
            torn = True
            break
        if not d.eof:
            torn = True
            break
        out.append(text)
        data = d.unused_data
    objs = []
    for t in out:
        assert t.endswith(b"\n") and t.count(b"\n") == 1, t[:80]
        objs.append(json.loads(t))
    return objs, torn

def files():
    return [os.path.basename(f) for f in glob.glob(rec + "/perftop-*.json.gz")]

# load: 2,000 threads waking every 50 ms put 2,000 records in every
# snapshot (~100 KiB a line compressed), so 1 MiB fills in seconds
spin = [subprocess.Popen(["sh", "-c", "while :; do :; done"])]
churn = subprocess.Popen([sys.executable, "-c", """
import threading, time
def run():
    while True:
        time.sleep(0.05)
for _ in range(2000):
    threading.Thread(target=run, daemon=True).start()
time.sleep(3600)
"""])
try:
    s = Serve("-i", "0.5", "--record-dir", rec, "--rotate", "2s",
              "--max-size", "1M", "--keep", "1h", tmp=tmp)
    peak, seen = 0, set()
    t0 = time.time()
    while time.time() - t0 < 16:
        peak = max(peak, du())
        assert peak <= LIMIT, "directory took %d bytes on disk, limit %d" % (peak, LIMIT)
        seen.update(files())
        time.sleep(0.05)
    page = s.scrape()
    first_run_files = files()
    # a file rotated in after the loop's last look (during the scrape)
    # is the newest: without it, "what is left is the newest run of
    # names" compared against a list one file short (failed once so)
    seen.update(first_run_files)
    # SIGKILL mid-file: the current file keeps no end line
    s.stop(signal.SIGKILL)
finally:
    for p in spin + [churn]:
        p.kill()
print("run 1: peak %d bytes of %d, %d files seen, %d left, %d deleted"
      % (peak, LIMIT, len(seen), len(first_run_files),
         value(page, "perftop_record_files_deleted_total")))
assert peak > LIMIT * 0.6, "the limit was never approached (peak %d): test proves nothing" % peak
assert value(page, "perftop_record_files_deleted_total") >= 1
# oldest first: by the second in the name, then its -N (a file the size
# limit started within the same second)
def order(n):
    stamp, _, rest = n[len("perftop-"):].partition("Z")
    return (stamp, int(rest[1:].split(".")[0]) if rest.startswith("-") else 0)
names = sorted(seen, key=order)
first_run_files = sorted(first_run_files, key=order)
assert len(names) >= 6, names
# the oldest went first: what is left is the newest run of names
assert first_run_files == names[-len(first_run_files):], (first_run_files, names)
# every file: complete lines, header first, seq consecutive across files
seqs, gaps = [], []
for n in first_run_files:
    objs, torn = lines(os.path.join(rec, n))
    assert objs[0]["type"] == "header", n
    seqs += [o["seq"] for o in objs if o["type"] == "snapshot"]
    gaps += [o["loss"].get("record_dropped", 0) for o in objs if o["type"] == "snapshot"]
    assert not torn or n == first_run_files[-1], "torn line inside %s" % n
    # rotated on the 2 s boundaries: a file's intervals all end within one
    # period (the size limit may split a period, never join two)
    ends = [calendar.timegm(time.strptime(o["time"][:19], "%Y-%m-%dT%H:%M:%S"))
            + int(o["time"][20:23]) / 1000 for o in objs if o["type"] == "snapshot"]
    if ends:	# times are cut to the millisecond: 1 ms of slack
        base = (min(ends) // 2) * 2
        assert max(ends) <= base + 2.001, "%s spans periods: %s" % (n, ends)
# consecutive, but for snapshots perftop counted as dropped (the writer
# fell behind: under ASan, 5 of 10 in one CI run, 2026-12-03); the page
# was scraped right before the SIGKILL, after every gap the files hold
assert seqs == sorted(set(seqs)), "seq out of order or repeated: %s" % seqs
missing = seqs[-1] - seqs[0] + 1 - len(seqs)
print("run 1's files left: %d snapshots, %d missing, %d dropped (counted)"
      % (len(seqs), missing, value(page, "perftop_record_dropped_total")))
assert missing <= value(page, "perftop_record_dropped_total"), \
    "seq gaps not counted as dropped: %s, %s" % (seqs, value(page, "perftop_record_dropped_total"))
# and in the recording itself: the line after each gap counts it in its
# loss (the first line left's own gap is to files retention deleted)
for i in range(1, len(seqs)):
    assert gaps[i] == seqs[i] - seqs[i - 1] - 1, \
        "seq %d after %d counts %d dropped" % (seqs[i], seqs[i - 1], gaps[i])
last_objs, _ = lines(os.path.join(rec, first_run_files[-1]))
assert last_objs[-1]["type"] != "end", "a SIGKILLed file has an end line"

# --- restart on the same directory: a new file, the old kept --------------
s = Serve("-i", "0.5", "--record-dir", rec, "--rotate", "2s", "--max-size", "1M",
          tmp=tmp, name="s2")
s.wait_ready()
time.sleep(3)
page = s.scrape()
assert s.stop() == 0
after = sorted(files(), key=order)
assert set(first_run_files) - set(after) <= set(first_run_files[:2]), "restart lost files"
objs, torn = lines(os.path.join(rec, after[-1]))
assert objs[-1]["type"] == "end" and not torn, "SIGTERM: no end line in %s" % after[-1]
written2 = value(page, "perftop_record_snapshots_total")

# --- report and replay read across the files, with --from/--to -------------
allsnaps = []
for n in after:
    allsnaps += [o for o in lines(os.path.join(rec, n))[0] if o["type"] == "snapshot"]
def ts(o):
    return calendar.timegm(time.strptime(o["time"][:19], "%Y-%m-%dT%H:%M:%S")) \
        + float("0." + o["time"][20:23])
t_last = ts(allsnaps[-1])
r = subprocess.run([perftop, "report", rec, "--json"], capture_output=True, text=True)
assert r.returncode in (0, 1, 2), r.stderr
rep = json.loads(r.stdout)
assert rep["window"]["snapshots"] == len(allsnaps), (rep["window"], len(allsnaps))
assert "warning" not in r.stderr or "cut off" not in r.stderr, r.stderr
# a span across the files left (and the two runs): from the first
# snapshot's end to the last's, not from fixed offsets (how many seconds
# the size limit leaves depends on the machine's speed: a fixed 3.2-7.7 s
# after the first fell between the two runs under ASan, CI 2026-12-03)
assert len(after) >= 2 and len(allsnaps) >= 4, (after, len(allsnaps))
a = (ts(allsnaps[0]) + ts(allsnaps[1])) / 2
b = (ts(allsnaps[-2]) + ts(allsnaps[-1])) / 2
fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)
want = [o for o in allsnaps if ts(o) > a and ts(o) - o["interval_ns"] / 1e9 < b]
r = subprocess.run([perftop, "report", rec, "--json", "--from", fmt(a), "--to", fmt(b)],
                   capture_output=True, text=True)
assert r.returncode in (0, 1, 2), r.stderr
assert json.loads(r.stdout)["window"]["snapshots"] == len(want), (r.stdout[:300], len(want))
r = subprocess.run([perftop, "replay", rec, "--from", fmt(a), "--to", fmt(b)],
                   capture_output=True, text=True)
assert r.returncode == 0, r.stderr
assert r.stdout.count("perftop replay ") == len(want), (r.stdout.count("perftop replay "), len(want))
r = subprocess.run([perftop, "report", rec, "--from", fmt(t_last + 3600)],
                   capture_output=True, text=True)
assert r.returncode == 3 and "no snapshots between" in r.stderr, r.stderr
print("range: %d of %d snapshots between %s and %s; run 2 wrote %d"
      % (len(want), len(allsnaps), fmt(a), fmt(b), written2))

# --- a full disk: drop and count, keep serving, resume ----------------------
small = os.path.join(tmp, "small")
os.mkdir(small)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "pt-small", small], check=True)
try:
    filler = os.path.join(small, "filler")
    with open(filler, "wb") as f:
        try:
            f.write(b"x" * (1 << 20))
        except OSError:
            pass
    s = Serve("-i", "0.5", "--probes", "sched,fault", "--record-dir",
              os.path.join(small, "rec"), "--max-size", "1G", tmp=tmp, name="full")
    time.sleep(3)
    page = s.scrape()
    dropped = value(page, "perftop_record_dropped_total", reason="disk")
    assert dropped >= 3, "full disk: %d dropped" % dropped
    assert s.stderr().count("snapshots are dropped") == 1, s.stderr()
    os.unlink(filler)
    time.sleep(2.5)
    page = s.scrape()
    assert "works again" in s.stderr(), s.stderr()
    assert value(page, "perftop_record_snapshots_total") >= 3
    assert s.stop() == 0
    for n in glob.glob(os.path.join(small, "rec", "*")):
        objs, torn = lines(n)
        assert not torn and objs[-1]["type"] == "end", n
    r = subprocess.run([perftop, "report", os.path.join(small, "rec")],
                       capture_output=True, text=True)
    assert r.returncode in (0, 1, 2) and not r.stderr, r.stderr
    # the recording counts what it is missing: every snapshot the full
    # disk dropped (the page after resuming, no drop since), in its loss
    total = value(page, "perftop_record_dropped_total", reason="disk")
    r = subprocess.run([perftop, "report", os.path.join(small, "rec"), "--json"],
                       capture_output=True, text=True)
    got = json.loads(r.stdout)["loss"].get("record_dropped")
    assert got == total, "report counts %s dropped, /metrics %d" % (got, total)
    print("full disk: %d dropped (the recording's loss says %d), then resumed"
          % (dropped, got))
finally:
    subprocess.run(["umount", "-l", small])
PY
echo PASS
