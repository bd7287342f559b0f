"""Helpers shared by the end-to-end tests' Python parts.

tests/lib.sh puts this directory on PYTHONPATH.
"""
import os
import sys
import time


def under_tcg():
    """True inside a make vmtest guest under QEMU's emulation (TCG), where
    tests scale their timing bounds, by name and with the reason."""
    return os.environ.get("PERFTOP_VM_ACCEL") == "tcg"


def tick_ns():
    """The kernel's scheduler tick in ns: CONFIG_HZ from the running
    kernel's config (/boot/config-RELEASE, else /proc/config.gz), else
    100 Hz, the coarsest Linux offers (a guest of make vmtest has neither
    file: Debian's kernels use 250)."""
    import gzip
    rel = os.uname().release
    for path, opener in ((f"/boot/config-{rel}", open),
                         ("/proc/config.gz", gzip.open)):
        try:
            with opener(path, "rt") as f:
                for line in f:
                    if line.startswith("CONFIG_HZ="):
                        return 10**9 // int(line.split("=")[1])
        except OSError:
            pass
    return 10**9 // 100


def make_waiter(trace, poll=0.001):
    """Return wait_for(pattern, proc=None, timeout=30): block until the trace
    file contains pattern (e.g. '"type":"header"'), polling every `poll`
    seconds so the kernel counters read next line up with perftop's window.
    Exits the test with FAIL when perftop dies first or time runs out.
    The default 30 s is 4x under TCG (make vmtest): in a single-threaded
    TCG guest (6.12) with three spinners on one vCPU, sched_schedstat's
    perftop had not written its header after 30 s (2026-12-02); this bounds
    a start, it measures nothing."""
    def wait_for(pattern, proc=None, timeout=None):
        if timeout is None:
            timeout = 120 if under_tcg() else 30
        end = time.time() + timeout
        while time.time() < end:
            try:
                with open(trace) as f:
                    if pattern in f.read():
                        return
            except FileNotFoundError:
                pass
            if (proc is not None and proc.poll() is not None
                    and pattern != '"type":"end"'):
                sys.exit(f"FAIL: perftop exited {proc.returncode} before {pattern}")
            time.sleep(poll)
        sys.exit(f"FAIL: no {pattern} line in {trace}")
    return wait_for


def perftop_maps(pid):
    """{map name: id} of the BPF maps process pid holds open: the ids from
    /proc/PID/fdinfo, the names from `bpftool map show` (Debian's bpftool
    cannot list a map's owner itself).  Used to point scripts/bench/rbflood
    at perftop's own ring buffer and loss map."""
    import json
    import os
    import subprocess
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("map_id:"):
                        held.add(int(line.split()[1]))
        except OSError:
            pass
    maps = json.loads(subprocess.run(["bpftool", "-j", "map", "show"],
                                     check=True, capture_output=True,
                                     text=True).stdout)
    return {m["name"]: m["id"] for m in maps if m["id"] in held}


def record_during(perftop, trace, probes, work, interval="0.5", args=()):
    """Run work() inside a `perftop record --probes probes [args]` of its
    own: started after the header line (everything attached), the recording
    ended with SIGINT after work() returned, so the window holds the work
    at any machine speed (no -d to outlast).  Returns what work() returned;
    exits the test with FAIL when perftop ends early or badly."""
    import signal
    import subprocess
    wait_for = make_waiter(trace)
    proc = subprocess.Popen([perftop, "record", "--probes", probes, "-i",
                             interval, *args, "-o", trace])
    wait_for('"type":"header"', proc)
    out = work()
    if proc.poll() is not None:
        sys.exit("FAIL: perftop ended before the workload did")
    proc.send_signal(signal.SIGINT)
    wait_for('"type":"end"', proc)
    if proc.wait() != 0:
        sys.exit(f"FAIL: perftop record exited {proc.returncode}")
    return out


# The memory stall tests' reader, `python3 -c REREAD FILE [hold]`: re-reads
# FILE 60 times, 1 MiB at a time (in a memory cgroup smaller than FILE
# every charge past the limit reclaims in its own context).  With "hold"
# it prints "done" after its loop and exits only at EOF on its stdin, so
# its thread can be read (taskstats) before it goes.
REREAD = r'''
import os, sys
for _ in range(60):
    fd = os.open(sys.argv[1], os.O_RDONLY)
    while os.read(fd, 1 << 20):
        pass
    os.close(fd)
if sys.argv[2:] == ["hold"]:
    print("done", flush=True)
    sys.stdin.read()
'''


def cpu_times_ns(cpu):
    """cpu's line of /proc/stat in ns (USER_HZ ticks): user nice system
    idle iowait irq softirq steal ..."""
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        for line in f:
            v = line.split()
            if v[0] == f"cpu{cpu}":
                return [int(x) * 1_000_000_000 // hz for x in v[1:]]
    sys.exit(f"FAIL: no cpu{cpu} in /proc/stat")


def snapshots(trace):
    """The trace's snapshot objects, in order."""
    import json
    with open(trace) as f:
        for line in f:
            o = json.loads(line)
            if o["type"] == "snapshot":
                yield o


def records(trace, family, table):
    """Every record of o[family][table] over the trace's snapshots, e.g.
    records(trace, "sched", "tasks")."""
    for o in snapshots(trace):
        yield from o.get(family, {}).get(table, [])


def end_line(trace):
    """The trace's end object (totals, loss), or None when it has none."""
    import json
    end = None
    with open(trace) as f:
        for line in f:
            o = json.loads(line)
            if o["type"] == "end":
                end = o
    return end


def drain(sock, n=None):
    """Receive until the peer closes (or n bytes); return the byte count."""
    got = 0
    while n is None or got < n:
        b = sock.recv(1 << 16 if n is None else min(1 << 16, n - got))
        if not b:
            break
        got += len(b)
    return got

