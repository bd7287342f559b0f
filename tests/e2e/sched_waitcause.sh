#!/bin/bash
# Wait causes per thread against the kernel's own accounting.
#
# Workload processes sit blocked on a pipe while perftop starts, do their
# work when the test releases them, and block on the pipe again before the
# test reads the kernel's counters a second time.  So the kernel's counters
# (read while they are blocked) and perftop's (summed over every interval)
# cover exactly the same activity:
#   - 3 spinners pinned to one CPU: on-CPU ~1/3, runnable ~2/3;
#   - a sleeper: 300 x 5 ms nanosleep (voluntary switches);
#   - a writer: O_DIRECT|O_DSYNC writes to /var/tmp (blocked on I/O).
# Checks, each against a counter perftop does not read:
#   - voluntary / involuntary switches = /proc/PID/task/TID/status
#     voluntary_ctxt_switches / nonvoluntary_ctxt_switches, exactly: both
#     count the same switches, and the windows hold the same switches;
#   - runnable + throttled = schedstat run_delay (field 2) within 5%: the
#     same waits, but perftop splits open waits at interval ends and the
#     kernel adds a wait at its end; 5% is schedstat's own test bound;
#   - I/O wait = the writer's own blocked time in its loop, measured by
#     the writer: the loop's wall time (CLOCK_MONOTONIC) less its schedstat
#     on-CPU (sum_exec_runtime) and run-queue wait (run_delay), less the
#     steal perftop reports for it (the kernel leaves stolen time out of
#     sum_exec_runtime; perftop's steal is held below its CPU's steal in
#     /proc/stat over the loop).  The loop's only sleeps are its O_DIRECT|
#     O_DSYNC writes, so that is its I/O wait by construction.  perftop
#     may be short of it by the scheduler's new-idle balance at each wait:
#     when the writer blocks and its CPU has nothing else to run, the
#     kernel balances (rq clock updated after it) before the switch, and
#     perftop, as schedstat's per-CPU run time, counts that span as the
#     writer's on-CPU time, while sum_exec_runtime stopped at the dequeue.
#     Measured on 6.18: perftop 0.23-0.54% short (about 1.2 us per wait)
#     in 10 runs, 0.04% short and 0.04% over with an idle-class spinner on
#     the CPU (no new-idle balance); under TCG 16 us per wait (6.1) and
#     9 us (6.12).  So perftop's I/O wait may be short by up to 3 us per
#     wait (25 us under TCG), plus its CPU's irq+softirq time over the loop
#     (with IRQ_TIME_ACCOUNTING the kernel leaves interrupt time out of
#     sum_exec_runtime too; perftop's on-CPU keeps it), plus 0.5% either
#     way (the clock and schedstat reads at the loop's ends; the steal
#     correction's interval edges).  perftop's steal for the writer also
#     counts any steal while it runs after the loop (its reports and pipe
#     writes), which the loop's blocked time never held: perftop may be
#     over by that, bounded by CPU 0's steal in /proc/stat from the loop's
#     end until the writer blocks (a CI run read 9.1 ms over, 0.70%, while
#     CPU 0 had 420 ms of steal in the 2 s loop and none of this was
#     allowed).
#     Delay accounting's blkio delay (taskstats), the reference before, is
#     not one: on 6.18 it reported 2882.9 and 2758.1 ms of I/O delay for
#     this loop of 2000 ms in 2 of 5 runs (and a CI run failed on 2438.6
#     ms), and it read 280 ms for 192 ms of waits on 6.12 (docs/testing.md);
#   - a thread's classes add up to the time between perftop's reads of it
#     (the snapshot's sched.system.span_ns), after its first interval,
#     within a tick + 1 ms in each interval (5 ms at HZ=250: 1% of the
#     0.5 s intervals), and within 0.1 ms over the window.  Every thread is
#     read up to the snapshot's end (sched_iter's pass_mono), except a
#     running thread, up to its CPU's run-queue clock (at most a tick
#     behind, never ahead), and one that switched between the end and its
#     read (read up to that switch: 0.07-0.36 ms after the end on the
#     host, a few ms more if perftop's pass is preempted, under a slice:
#     within the tick + 1 ms).  Either error moves time to the next
#     interval (sched_iter reads a thread that switched after the end
#     again at the next pass, asleep or not), so over the window only the
#     first and last reads' are left, and at both the threads are blocked
#     on a pipe: the window's sum is exact.  (Until 2026-12-05 perftop
#     took a thread's excess over one interval from its sleep, and the
#     next interval's shortfall stayed: 1.5-7.4 ms short over the window
#     in 11 of 25 thread series, host and guests; that code fails here 2
#     runs in 3, 1.7 and 3.3 ms short.)
#     Measured 2026-12-05: host at most 3.8 ms in one interval (35
#     series, ASan too), under 0.005 ms over the window.  A CI run saw 22 ms in
#     one interval while the hypervisor stole 100 ms of CPU 0 (a stolen
#     vCPU runs neither ticks nor clock updates, so a read of its thread
#     is late by the steal): the machine's steal (/proc/stat, sampled
#     every 10 ms) around the interval, or around the first and last, is
#     allowed on top.  Under TCG perftop's pass competes with the spinners
#     for the vCPU and reaches a thread up to tens of ms after the end
#     (6.1 and 6.12 guests, 4 runs: at most 44.6 ms in one interval, the
#     busy writer's; under 0.005 ms over the window): 100 ms there per
#     interval, twice that, as the pass's delay is the emulator's
#     scheduling, not perftop's accounting; the window's 0.1 ms holds.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 taskset

python3 - "$PERFTOP" "$TMP" <<'PY'
import json, mmap, os, subprocess, sys, time
from perftop_test import cpu_times_ns, make_waiter, tick_ns, under_tcg
perftop, tmp = sys.argv[1], sys.argv[2]
trace = f"{tmp}/trace.json"
cpu = os.cpu_count() - 1
go_r, go_w = os.pipe()
done_r, done_w = os.pipe()		# each child: one byte when its work is done
ready_r, ready_w = os.pipe()		# the writer: set up, outside the window
pre_r, pre_w = os.pipe()		# each child: one switch under perftop
armed_r, armed_w = os.pipe()		# ... done, before the window
loop_r, loop_w = os.pipe()		# the writer: its own loop figures

def cpustat(cpu):
    """cpu's irq, softirq and steal time in ns from /proc/stat (USER_HZ)."""
    return cpu_times_ns(cpu)[5:8]

def schedstat():
    """This thread's on-CPU time and run-queue wait in ns."""
    with open(f"/proc/self/task/{os.getpid()}/schedstat") as f:
        v = f.read().split()
    return int(v[0]), int(v[1])

def child(kind):
    pid = os.fork()
    if pid:
        return pid
    os.close(go_w)
    if kind == "io":
        path = f"/var/tmp/perftop-waitcause.{os.getpid()}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT | os.O_DSYNC)
        os.unlink(path)
        buf = mmap.mmap(-1, 65536)	# page-aligned, as O_DIRECT wants
        # a few writes before the window, so the loop's are overwrites of
        # blocks already allocated (no block allocation in the loop)
        for _ in range(20):
            os.pwrite(fd, buf, 0)
        # on one CPU, whose interrupt and steal time bound the corrections
        os.sched_setaffinity(0, {0})
        os.write(ready_w, b"r")
    # Woken once while perftop records, outside the window: a thread perftop
    # has not seen switch yet is credited only from the interval its first
    # switch is in (docs/json-format.md), so a first wait straddling an
    # interval's end would lose its part before it, which schedstat's
    # run_delay counts (measured: the spinners' and the writer's runnable
    # 1% and 5% short of run_delay under steal, without this).
    os.read(pre_r, 1)
    os.write(armed_w, b"a")
    os.read(go_r, 1)			# blocked until released
    if kind == "spin":
        os.sched_setaffinity(0, {cpu})
        t = time.time()
        while time.time() - t < 1.5:
            pass
    elif kind == "sleep":
        for _ in range(300):
            time.sleep(0.005)
    elif kind == "io":
        # the /proc/stat reads inside the clock reads: steal while the
        # writer runs them is in both its blocked time and perftop's steal
        t0, (e0, d0), c0 = time.monotonic_ns(), schedstat(), cpustat(0)
        while time.monotonic_ns() - t0 < 2_000_000_000:
            os.pwrite(fd, buf, 0)
        c1, t1, (e1, d1) = cpustat(0), time.monotonic_ns(), schedstat()
        os.close(fd)
        blob = dict(blocked=(t1 - t0) - (e1 - e0) - (d1 - d0),
                    irq=c1[0] - c0[0] + c1[1] - c0[1], steal=c1[2] - c0[2])
        # CPU 0's steal from the loop's end to the last line before this
        # child blocks (perftop's steal for it counts that span's, the
        # loop's figures do not); /proc/stat's ticks make it 0 when none
        blob["steal_after"] = cpustat(0)[2] - c1[2]
        os.write(loop_w, json.dumps(blob).encode() + b"\n")
    os.write(done_w, b"d")
    os.read(go_r, 1)			# blocked until the test is done
    os._exit(0)

kids = {"spin": [child("spin") for _ in range(3)], "sleep": [child("sleep")],
        "io": [child("io")]}
pids = [p for v in kids.values() for p in v]
os.read(ready_r, 1)			# the writer's warm-up is over

def kernel(pid):
    with open(f"/proc/{pid}/task/{pid}/status") as f:
        st = dict(l.split(":", 1) for l in f)
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        v = f.read().split()
    return dict(vol=int(st["voluntary_ctxt_switches"]),
                invol=int(st["nonvoluntary_ctxt_switches"]), delay=int(v[1]),
                arrivals=int(v[2]))

# The machine's steal time (all CPUs) every 10 ms, for the tolerance of the
# classes' sums (see the header): a vCPU the hypervisor stole is not
# running its clock or ticks, so a read of its thread is late by as much.
import threading
hz = os.sysconf("SC_CLK_TCK")
steal_log, sampling = [], threading.Event()
def sample_steal():
    # on the spinners' CPU: woken 100 times a second on the writer's, it
    # made the writer wait for its CPU 5-10 times as long
    os.sched_setaffinity(0, {cpu})
    while not sampling.is_set():
        with open("/proc/stat") as f:
            v = f.readline().split()	# "cpu": all CPUs
        steal_log.append((time.monotonic_ns(), int(v[8]) * 10**9 // hz))
        time.sleep(0.01)
sampler = threading.Thread(target=sample_steal)
sampler.start()
def steal_around(t0, t1):
    """Steal of all CPUs from 50 ms before t0 to 50 ms after t1, at
    most (the samples around them; one tick more for /proc/stat's
    truncation when it moved).  A counter that did not move is taken as
    no steal: under a tick of it could hide there, but a read is late
    only by steal that overlaps it, and the tick allowed whether or not
    steal moved hid the window loss this test is for (1.7 ms, above)."""
    t0, t1 = t0 - 50e6, t1 + 50e6
    lo = max([x for t, x in steal_log if t <= t0] or [0])
    hi = min([x for t, x in steal_log if t >= t1] or [steal_log[-1][1]])
    return hi - lo + 10**9 // hz if hi > lo else 0

wait_for = make_waiter(trace)
proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-i", "0.5",
                         "-o", trace])
wait_for('"type":"header"', proc)
time.sleep(0.6)				# the first (startup) interval passes
os.write(pre_w, b"x" * len(pids))	# each child switches once
for _ in pids:
    os.read(armed_r, 1)
def asleep(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "S"
t0 = time.monotonic()
while not all(asleep(p) for p in pids):	# and is blocked on go again
    if time.monotonic() - t0 > 30:
        sys.exit("FAIL: the children did not block on the go pipe")
    time.sleep(0.01)
time.sleep(0.6)				# an interval ends: the poke is before it
t_before = time.monotonic_ns()		# the window: snapshots ending after
before = {p: kernel(p) for p in pids}
os.write(go_w, b"x" * len(pids))	# go
for _ in pids:				# all of them done (slow under emulation)
    os.read(done_r, 1)
loop = json.loads(os.fdopen(loop_r).readline())
time.sleep(0.2)				# and blocked on the pipe again
after = {p: kernel(p) for p in pids}
time.sleep(1.1)				# an interval ends after the reads
proc.send_signal(2)
rc = proc.wait(timeout=30)		# before the children move again
sampling.set()
sampler.join()
os.write(go_w, b"x" * len(pids))
for p in pids:
    os.waitpid(p, 0)
if rc != 0:
    sys.exit(f"FAIL: perftop record exited {rc}")

tcg = under_tcg()
slack_interval = 100e6 if tcg else tick_ns() + 1e6
slack_window = 0.1e6
classes = ["oncpu_ns", "runnable_ns", "throttled_ns", "io_ns", "mem_ns",
           "lock_ns", "sleep_ns", "steal_ns"]
sums = {p: dict(vol=0, invol=0, wait=0, io=0, other=0, oncpu=0, steal=0, waits=0, wait_max=0,
                classes=0, wall=0, late=0, ends=[], ivals=[])
        for p in pids}
seen = set()
bad = []
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o.get("type") == "end":
            print("perftop's loss counters:", json.dumps(o["loss"]))
        if o.get("type") != "snapshot":
            continue
        for t in o["sched"]["tasks"]:
            p = t["pid"]
            if p not in sums:
                continue
            if o["ts_ns"] <= t_before:	# the poke's interval, before the window
                seen.add(p)
                continue
            s = sums[p]
            s["vol"] += t["vol_switches"]
            s["invol"] += t["invol_switches"]
            s["wait"] += t["runnable_ns"] + t["throttled_ns"]
            s["waits"] += t["runq_count"]
            s["wait_max"] = max(s["wait_max"], t["runq_max_ns"])
            s["io"] += t["io_ns"]
            s["other"] += t["sleep_ns"] + t["lock_ns"] + t["mem_ns"]
            s["oncpu"] += t["oncpu_ns"]
            s["steal"] += t["steal_ns"]
            total = sum(t[c] for c in classes)
            if p in seen:
                span = o["sched"]["system"]["span_ns"]
                s["classes"] += total
                s["wall"] += span
                late = abs(span - o["interval_ns"])
                if late > s["late"]:
                    s["late"] = late
                stolen = steal_around(o["ts_ns"] - o["interval_ns"],
                                      o["ts_ns"])
                s["ends"].append(stolen)
                s["ivals"].append((o["seq"], total, span, o["interval_ns"],
                                   stolen))
            seen.add(p)
for p in pids:
    k = {x: after[p][x] - before[p][x] for x in after[p]}
    s = sums[p]
    print(f"pid {p}: switches vol {s['vol']}/{k['vol']} invol "
          f"{s['invol']}/{k['invol']} (perftop/kernel); runnable+throttled "
          f"{s['wait']/1e6:.1f} ms, run_delay {k['delay']/1e6:.1f} ms "
          f"({s['waits']}/{k['arrivals']} waits); io "
          f"{s['io']/1e6:.1f} ms, other blocked {s['other']/1e6:.1f} ms; "
          f"on-CPU {s['oncpu']/1e6:.1f} ms, steal {s['steal']/1e6:.1f} ms; "
          f"classes off the passes' spans by {(s['classes'] - s['wall'])/1e6:.2f} ms "
          f"(in one interval at most "
          f"{max([abs(t - sp) for _, t, sp, _, _ in s['ivals']] or [0])/1e6:.2f} ms), "
          f"largest pass delay {s['late']/1e6:.2f} ms")
    # Waits: perftop's switch-ins against the kernel's arrivals (pcount),
    # exactly.  Every switch-in after a switch-out is an arrival (the thread
    # was queued), and perftop counts each: those the kernel made without
    # the sched_switch tracepoint too.  This 6.18 host's kernel (patched)
    # switches without it from its idle task and from some threads of the
    # machine's own agent: the thread that gets the CPU is not seen
    # arriving.  perftop finds it at the thread's next switch-out (it was
    # off-CPU in perftop's book) and takes the arrival (last_arrival) and
    # its wait (run_delay's growth) from sched_info; loss.sched_unseen
    # counts each such switch.  Measured (2026-12-03): ftrace's own
    # sched_switch event misses the same switches; before the recovery
    # perftop missed 0-13 of ~40,000 of the writer's waits, after it 0 of
    # 27,000-33,000 in 3 of 3 runs with sched_unseen 26-35 a run
    # (docs/testing.md).  On the guests' stock kernels (6.1, 6.12: 3 runs
    # each, tp_btf and raw_tp) sched_unseen was 0 and the waits equal.
    lost = k["arrivals"] - s["waits"]
    if lost:
        bad.append(f"pid {p}: {s['waits']} waits seen, the kernel's "
                   f"arrivals {k['arrivals']}")
    for seq, total, span, ival, stolen in s["ivals"]:
        if abs(total - span) > slack_interval + stolen:
            bad.append(f"pid {p} seq {seq}: classes add up to {total} ns, "
                       f"the pass's span {span} ns (interval {ival} ns), "
                       f"steal around it {stolen} ns")
    # the first and the last read's lateness do not cancel
    edges = s["ends"][0] + s["ends"][-1] if s["ends"] else 0
    if abs(s["classes"] - s["wall"]) > slack_window + edges:
        bad.append(f"pid {p}: classes add up to {s['classes']} ns over "
                   f"intervals of {s['wall']} ns (steal around the first "
                   f"and last {edges} ns)")
    if (s["vol"], s["invol"]) != (k["vol"], k["invol"]):
        bad.append(f"pid {p}: switches differ from the kernel's")
    if k["delay"] > 50e6 and not abs(s["wait"] - k["delay"]) <= 0.05 * k["delay"]:
        bad.append(f"pid {p}: runnable+throttled off run_delay by more than 5%")
spin_delay = min(after[p]["delay"] - before[p]["delay"] for p in kids["spin"])
io = kids["io"][0]
if spin_delay < 500e6:
    bad.append(f"spinners did not contend (run_delay {spin_delay} ns)")
w = sums[io]
ref = loop["blocked"] - w["steal"]
per_wait = 25e3 if tcg else 3e3
over = 0.005 * ref + loop["steal_after"]
short = over + loop["irq"] + per_wait * (after[io]["vol"] - before[io]["vol"])
print(f"writer's loop: blocked {loop['blocked']/1e6:.1f} ms (wall less "
      f"schedstat on-CPU and run_delay), less perftop's steal = "
      f"{ref/1e6:.1f} ms; perftop io {w['io']/1e6:.1f} ms "
      f"({(w['io'] - ref) / ref * 100:+.2f}%); cpu0 over the loop: irq+softirq "
      f"{loop['irq']/1e6:.0f} ms, steal {loop['steal']/1e6:.0f} ms "
      f"(and {loop['steal_after']/1e6:.0f} ms after the loop)")
if loop["blocked"] < 200e6:
    bad.append("the writer was hardly blocked on I/O: nothing measured")
elif not -short <= w["io"] - ref <= over:
    bad.append(f"I/O wait off the writer's blocked time: allowed "
               f"{short/1e6:.1f} ms short or {over/1e6:.1f} ms over")
# USER_HZ truncation: each /proc/stat read is up to one tick short
if w["steal"] > loop["steal"] + 2 * 1e9 / os.sysconf("SC_CLK_TCK"):
    bad.append("perftop's steal for the writer exceeds its CPU's steal")
# Each sleep is a switch, voluntary unless the sleeper was preempted on its
# way into it for longer than the sleep (its timer fired meanwhile, so
# schedule() found it running): a 6.1 TCG guest, its run-queue waits tens
# of ms, once counted under 300 voluntary switches, the kernel's own
# count equal to perftop's.
sl = sums[kids["sleep"][0]]
if sl["vol"] + sl["invol"] < 300:
    bad.append("the sleeper's 300 sleeps are not all there")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
