#!/usr/bin/env python3
"""Extend a real perftop trace to a longer one, for the HTML report bench.

    extend_trace.py IN.json OUT.json SNAPSHOTS

Keeps IN's header and cycles through its snapshots until OUT holds
SNAPSHOTS of them, each moved to where it would fall in a continuous
recording (seq, time, ts_ns advanced by the intervals before it), so the
result reads like one long recording of the same machine: the same tasks,
devices and findings, repeating.  Every record keeps its real values.
"""
import datetime
import json
import sys


def rfc3339(ns):
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ns % 10**9 // 10**6)


def parse_time(s):
    t = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
    t = t.replace(tzinfo=datetime.timezone.utc)
    ms = int(s[20:23]) if len(s) > 20 and s[19] == "." else 0
    return int(t.timestamp()) * 10**9 + ms * 10**6


def main():
    src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    header, snaps, end = None, [], None
    with open(src) as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            if o["type"] == "header":
                header = line.rstrip("\n")
            elif o["type"] == "snapshot":
                snaps.append(o)
            elif o["type"] == "end":
                end = o
    if header is None or not snaps:
        sys.exit("extend_trace: %s has no header or no snapshot" % src)
    t = parse_time(snaps[0]["time"]) - snaps[0]["interval_ns"]
    ts = snaps[0]["ts_ns"] - snaps[0]["interval_ns"]
    with open(dst, "w") as out:
        out.write(header + "\n")
        for i in range(want):
            o = dict(snaps[i % len(snaps)])
            t += o["interval_ns"]
            ts += o["interval_ns"]
            o["seq"] = i + 1
            o["time"] = rfc3339(t)
            o["ts_ns"] = ts
            out.write(json.dumps(o, separators=(",", ":")) + "\n")
        loss = {k: 0 for k in (end or {}).get("loss", {})}
        out.write(json.dumps({"type": "end", "snapshots": want, "loss": loss},
                             separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
