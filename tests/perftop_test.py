"""Helpers shared by the end-to-end tests' Python parts.

tests/lib.sh puts this directory on PYTHONPATH.
"""
import sys
import time


def make_waiter(trace, poll=0.001):
    """Return wait_for(pattern, proc=None, timeout=30): block until the trace
    file contains pattern (e.g. '"type":"header"'), polling every `poll`
    seconds so the kernel counters read next line up with perftop's window.
    Exits the test with FAIL when perftop dies first or time runs out."""
    def wait_for(pattern, proc=None, timeout=30):
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


def records(trace, family, table):
    """Every record of o[family][table] over the trace's snapshots, e.g.
    records(trace, "sched", "tasks")."""
    import json
    with open(trace) as f:
        for line in f:
            o = json.loads(line)
            if o["type"] == "snapshot":
                yield from o.get(family, {}).get(table, [])
