# SPDX-License-Identifier: GPL-2.0
"""Checks shared by the detect_* end-to-end tests.

parse_prom(text): a strict reader of the Prometheus text exposition format
(version 0.0.4) as the node_exporter textfile collector accepts it: HELP and
TYPE before a family's samples, each family once, valid metric and label
names, escaped label values, float sample values, no duplicate series,
newline at the end.  Returns {(name, ((label, value), ...)): float}.

check_report(obj): the JSON report of scan/report has the members
docs/detection.md promises, every finding has the fields docs/json-format.md lists.
"""
import math
import re

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class PromError(Exception):
    pass


def _labels(s, pos, lineno):
    """Parse {a="b",...} starting at s[pos] == '{'; return (labels, pos)."""
    labels = []
    pos += 1
    while True:
        if s[pos] == "}":
            return tuple(labels), pos + 1
        m = LABEL.match(s, pos)
        if not m:
            raise PromError(f"line {lineno}: bad label name at {s[pos:]!r}")
        name = m.group(0)
        pos = m.end()
        if s[pos:pos + 2] != '="':
            raise PromError(f"line {lineno}: expected =\" after label {name}")
        pos += 2
        val = []
        while s[pos] != '"':
            if s[pos] == "\\":
                esc = s[pos + 1]
                if esc not in 'n"\\':
                    raise PromError(f"line {lineno}: bad escape \\{esc}")
                val.append("\n" if esc == "n" else esc)
                pos += 2
            elif s[pos] == "\n":
                raise PromError(f"line {lineno}: newline in label value")
            else:
                val.append(s[pos])
                pos += 1
        pos += 1
        if any(k == name for k, _ in labels):
            raise PromError(f"line {lineno}: label {name} repeated")
        labels.append((name, "".join(val)))
        if s[pos] == ",":
            pos += 1
        elif s[pos] != "}":
            raise PromError(f"line {lineno}: expected , or }} after label {name}")


def parse_prom(text):
    if not text.endswith("\n"):
        raise PromError("file does not end with a newline")
    series, helps, types, seen_samples = {}, {}, {}, set()
    current = None
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.fullmatch(name):
                    raise PromError(f"line {lineno}: bad metric name {name!r}")
                if name in seen_samples:
                    raise PromError(f"line {lineno}: {parts[1]} for {name} after its samples")
                table = helps if parts[1] == "HELP" else types
                if name in table:
                    raise PromError(f"line {lineno}: second {parts[1]} for {name}")
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise PromError(f"line {lineno}: bad TYPE line {line!r}")
                elif len(parts) != 4 or not parts[3]:
                    raise PromError(f"line {lineno}: empty HELP for {name}")
                table[name] = parts[3]
                current = name
            continue
        m = NAME.match(line)
        if not m:
            raise PromError(f"line {lineno}: bad sample line {line!r}")
        name, pos = m.group(0), m.end()
        labels = ()
        if pos < len(line) and line[pos] == "{":
            labels, pos = _labels(line + "\n", pos, lineno)
        rest = line[pos:]
        if not rest.startswith(" "):
            raise PromError(f"line {lineno}: expected a space before the value")
        fields = rest.split()
        if len(fields) not in (1, 2):
            raise PromError(f"line {lineno}: expected value [timestamp]")
        try:
            value = float(fields[0])
        except ValueError:
            raise PromError(f"line {lineno}: bad value {fields[0]!r}")
        if name not in types or name not in helps:
            raise PromError(f"line {lineno}: {name} has no HELP/TYPE before it")
        if name != current:
            raise PromError(f"line {lineno}: {name} samples not grouped under its TYPE")
        key = (name, tuple(sorted(labels)))
        if key in series:
            raise PromError(f"line {lineno}: duplicate series {key}")
        if types[name] == "counter" and (value < 0 or math.isnan(value)):
            raise PromError(f"line {lineno}: counter {name} is {value}")
        series[key] = value
        seen_samples.add(name)
    return series


def prom_value(series, name, **labels):
    return series[(name, tuple(sorted(labels.items())))]


FINDING_KEYS = {"severity", "subsystem", "rule", "summary", "value",
                "threshold", "unit", "culprits", "advice"}


def check_report(o):
    assert o["type"] == "report", o
    assert o["status"] in ("ok", "warning", "critical", "unknown"), o
    w = o["window"]
    for k in ("start", "end", "duration_s", "snapshots"):
        assert k in w, f"window.{k} missing"
    assert isinstance(o["loss"], dict) and "ringbuf_drops" in o["loss"], o
    for f in o["findings"]:
        missing = FINDING_KEYS - f.keys()
        assert not missing, f"finding lacks {missing}: {f}"
        assert f["severity"] in ("warning", "critical"), f
        assert f["summary"] and f["advice"], f
        assert "first" in f and "last" in f, f
        if f["severity"] == "warning":
            assert f["value"] >= f["threshold"], f
    worst = max([{"warning": 1, "critical": 2}[f["severity"]]
                 for f in o["findings"]] or [0])
    if worst:
        assert o["status"] == ["ok", "warning", "critical"][worst], o
    return o


def rules(o):
    return {f["rule"]: f for f in o["findings"]}


DEFAULTS = {
    "cpu.runq_latency": (10, 50), "cpu.pressure": (20, 50),
    "memory.major_faults": (50, 500), "memory.pressure": (10, 30),
    "disk.latency": (50, 250), "disk.pressure": (20, 50),
    "network.retransmits": (1, 5),
}


def same_verdict(a, b, overrides=None, slack=0.25):
    """Two reports of the same load (live scan, report over a recording made
    at the same time) agree rule by rule, except where a value sits within
    `slack` of a threshold: two processes sampling PSI or a p99 a fraction
    of an interval apart may then land on either side.  Returns the list of
    disagreements (empty when they agree) and asserts on real ones."""
    thr = dict(DEFAULTS, **(overrides or {}))
    notes = []
    for rule, (warn, crit) in thr.items():
        va, vb = a["values"].get(rule), b["values"].get(rule)
        la = (rule in rules(a)) + (rules(a).get(rule, {}).get("severity") == "critical")
        lb = (rule in rules(b)) + (rules(b).get(rule, {}).get("severity") == "critical")
        if la == lb:
            continue
        edge = warn if min(la, lb) == 0 else crit
        near = any(v is not None and abs(v - edge) <= slack * edge for v in (va, vb))
        notes.append(f"{rule}: {la} vs {lb} (values {va} / {vb}, edge {edge})")
        assert near, f"verdicts differ away from a threshold: {notes[-1]}"
    if not notes:
        assert a["status"] == b["status"], (a["status"], b["status"])
    return notes
