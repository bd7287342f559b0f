#!/bin/bash
# Memory stall time per thread against delay accounting (taskstats; issue
# #12: "memory stall matches taskstats freepages + thrashing + compact
# delay within 10%").  sched_memstall's reader (a 44 MiB file re-read 60
# times inside a 32 MiB memory cgroup, no swap) runs with
# kernel.task_delayacct=1 (set here, restored at exit); once its loop has
# ended, and before it exits, its taskstats are read over generic netlink
# (tests/taskstats.py) and the sum of its freepages, thrashing and compact
# delays is compared with its memory time in perftop over its whole life.
#
# What each side counts (kernel source, 6.1 to 6.18):
#  - freepages: the wall time of do_try_to_free_pages(), which both global
#    direct reclaim (try_to_free_pages()) and a memory cgroup's reclaim at
#    its limit (try_to_free_mem_cgroup_pages(), from try_charge_memcg()
#    when a charge goes past the limit, in the charging thread) run.
#    perftop times the same reclaim between mm_vmscan_memcg_reclaim_begin
#    and _end (mm_vmscan_direct_reclaim_* for global reclaim), tracepoints
#    around that call: its on-CPU time there, and its sleeps there
#    (in_memstall: try_charge_memcg() enters a PSI memory stall around the
#    call) from switch-out to wakeup.
#  - thrashing: folio_wait_bit_common() waiting for a workingset folio
#    being read back (and swap_read_folio(); no swap here), the stall
#    section that also sets in_memstall: perftop's memory sleep lies in it.
#  - compact: direct compaction; perftop: mm_compaction_begin/end.
#  Not summed: swapin (no swap; a swap-in wait on a workingset page is in
#  thrashing too), wpcopy (copying a write-protected page: not a memory
#  stall for PSI or perftop), irq (interrupt time), blkio (every in_iowait
#  sleep, the reader's plain reads too) and cpu (run-queue wait).
#  This workload's stalls are all the memory cgroup's reclaim: on the
#  three kernels no refault was of a workingset page (thrashing 0), the
#  reader did not sleep in reclaim (mem_waits 0) and nothing compacted.
#
# Where they differ by construction:
#  - from below: delay accounting counts wall time, so a preemption inside
#    reclaim (cond_resched() there; bpftrace on the host: 808 preemptions,
#    4.0 ms, in one run) is freepages delay, where perftop files it as the
#    reader's runnable time, and time the hypervisor steals inside
#    reclaim is delay there and steal in perftop (three host runs under
#    heavy steal, the reader's 180-243 ms, read perftop 16.3%, 16.6% and
#    29.9% under).  Delay accounting is at most perftop's memory time +
#    the reader's runnable and stolen time (+ for each thrashing wait, its
#    on-CPU ends around the sleep: 5 us allowed, 50 us under TCG; not
#    measured, no such wait here), and at most
#    10% + the reader's steal over perftop's memory time (the issue's
#    bound; the parts of the runnable and stolen time inside reclaim have
#    no counter); perftop's steal for the reader is held to the machine's
#    over the run (/proc/stat, 2 ticks a CPU of slack);
#  - from above: perftop's span is the tracepoints' around
#    do_try_to_free_pages(), wider than delay accounting's by the call's
#    setup and its hooks' own work between their clock reads (perftop
#    reads bpf_ktime_get_ns(), delay accounting local_clock(): a rate
#    difference under emulation would look the same; not told apart):
#    perftop's memory time is at most delay accounting's + 2 us per
#    reclaim or compaction episode + 1 ms (under TCG, 10 us an episode
#    or 3% of delay accounting's, whichever is larger: there the excess
#    follows the emulator's speed, 6.7 us in one run, 11.5 us = +2.05%
#    in a slower one).  (A sleep in a PSI-only stall section,
#    read_pages() or filemap_read_folio() of a workingset folio,
#    memory.high throttling, would be perftop memory time only: none
#    here.)
# Measured (2026-12-03), perftop against delay accounting, per episode:
#  6.18 host (v1): 52.2/54.1, 61.5/64.0, 52.3/54.8, 57.7/59.0,
#    64.7/66.8, 68.3/71.6, 67.2/70.1, 65.1/69.5, 67.6/70.3, 65.7/67.8,
#    64.1/66.0 ms in ~1,700 episodes (the reader's steal 0-20 ms): -2.2%
#    to -6.3%, -0.8 to -2.6 us;
#  6.1 guest (TCG): 6805/6814, 5885/5789, 6428/6413 ms in ~16,000:
#    -0.13% to +1.66%, -0.6 to +5.9 us;
#  6.12 guest (single-threaded TCG): 3507/3445, 3283/3231, 4071/4000 ms
#    in 10,440: +1.62% to +1.78%, +5.0 to +6.7 us; a slower run
#    5994/5874 ms in 10,450: +2.05%, +11.5 us.
# Broken on purpose (host): an eighth of on-CPU reclaim filed as on-CPU
# read -15.7% (fails the 10%); a quarter added to memory time +20.3%
# (fails the per-episode bound, 3.4 + 1 ms there).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
[ -r /proc/pressure/memory ] ||
	skip "PSI is off (boot with psi=1): the kernel sets in_memstall only with PSI on"
[ -w /proc/sys/kernel/task_delayacct ] || skip "no kernel.task_delayacct (CONFIG_TASK_DELAY_ACCT)"
old=$(cat /proc/sys/kernel/task_delayacct)
on_exit "echo $old >/proc/sys/kernel/task_delayacct"
echo 1 >/proc/sys/kernel/task_delayacct
memcg_with_file memstall-ts 32M 44M

python3 - "$PERFTOP" "$TMP/t.json" "$DATA" "$NAMING" "$MEM" <<'PY'
import os, subprocess, sys
from perftop_test import REREAD, cpu_times_ns, record_during, records, under_tcg
from taskstats import TaskstatsError, delays
perftop, trace, data, naming, mem = sys.argv[1:6]

def steal_ns():
    """The machine's steal so far, all CPUs (/proc/stat)."""
    return sum(cpu_times_ns(c)[7] for c in range(os.cpu_count()))

def work():
    s0 = steal_ns()
    r = subprocess.Popen(["bash", "-c",
                          'for g in "$1" "$2"; do '
                          'echo $$ >"$g/cgroup.procs" || exit 1; done; '
                          'exec python3 -c "$3" "$4" hold', "reader", naming,
                          mem, REREAD, data],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    if r.stdout.readline() != "done\n":
        sys.exit(f"FAIL: the reader failed ({r.wait()})")
    try:
        d = delays(r.pid)
    except TaskstatsError as e:
        sys.exit(f"FAIL: taskstats of the reader: {e}")
    r.stdin.close()
    lack = [k for k in ("freepages", "thrashing", "compact")
            if k + "_delay_total" not in d]
    if lack:
        sys.exit(f"FAIL: taskstats version {d['version']} has no {lack} delay")
    if r.wait() != 0:
        sys.exit(f"FAIL: the reader failed ({r.returncode})")
    return r.pid, d, steal_ns() - s0

(pid, d, stolen) = record_during(perftop, trace, "sched", work)
keys = ("mem_ns", "mem_waits", "runnable_ns", "oncpu_ns", "steal_ns", "io_ns",
        "io_waits", "sleep_ns", "lock_ns")
mine = dict.fromkeys(keys, 0)
for t in records(trace, "sched", "tasks"):
    if t["pid"] == pid:
        for k in mine:
            mine[k] += t.get(k, 0)
print("taskstats v%d:" % d["version"],
      ", ".join(f"{k} {d[k + '_delay_total'] / 1e6:.1f} ms in {d[k + '_count']}"
                for k in ("freepages", "thrashing", "compact", "blkio", "cpu",
                          "swapin")))
print("perftop:", ", ".join(f"{k} {mine[k] / 1e6:.1f} ms" if k.endswith("_ns")
                            else f"{k} {mine[k]}" for k in keys))
ref = sum(d[k + "_delay_total"] for k in ("freepages", "thrashing", "compact"))
mem = mine["mem_ns"]
# per reclaim or compaction episode, perftop's span past the kernel's
# (see above); per thrashing wait, the on-CPU ends of the wait that delay
# accounting counts and perftop does not
episodes = d["freepages_count"] + d["compact_count"]
# Under TCG the edges' instructions run at the emulator's speed, as does
# the reclaim they surround: the excess follows the guest's speed, so it
# is bounded relative to the reference there (3%), not per episode (a
# slower 6.12 run: 562 us an episode against 336 before, and 11.5 us of
# excess against 5.0-6.7, +2.05% against +1.62..+1.78%)
span = max(10_000 * episodes, 0.03 * ref) if under_tcg() else 2_000 * episodes
edge = (50_000 if under_tcg() else 5_000) * d["thrashing_count"]
print(f"machine steal {stolen / 1e6:.1f} ms; "
      f"delay accounting's memory delay {ref / 1e6:.1f} ms, perftop's memory "
      f"time {mem / 1e6:.1f} ms: {(mem - ref) / max(ref, 1) * 100:+.2f}%, "
      f"{(mem - ref) / max(1, d['freepages_count'] + d['compact_count']) / 1e3:+.2f} "
      f"us per reclaim/compaction episode")
if ref < 20e6:
    sys.exit("FAIL: the reader hardly stalled on memory: nothing measured")
if mem > ref + span + 1e6:
    sys.exit(f"FAIL: perftop's memory time is over delay accounting's by more "
             f"than its spans' edges ({span / 1e6:.1f} ms) + 1 ms")
if ref > mem + mine["runnable_ns"] + mine["steal_ns"] + edge + 1e6:
    sys.exit("FAIL: delay accounting's memory delay is not covered by perftop's "
             "memory time, the reader's runnable and stolen time and the "
             "waits' edges")
# perftop's steal for the reader is the most that can lie inside its
# stalls; held to the machine's (/proc/stat: 2 ticks a CPU of slack)
tick = 1e9 / os.sysconf("SC_CLK_TCK")
if mine["steal_ns"] > stolen + 2 * tick * os.cpu_count():
    sys.exit(f"FAIL: perftop's steal for the reader is over the machine's "
             f"({stolen / 1e6:.1f} ms in /proc/stat)")
if ref - mem > 0.10 * ref + mine["steal_ns"]:
    sys.exit("FAIL: perftop's memory time is more than 10% (+ the reader's "
             "steal) under delay accounting's")
print("ok")
PY
