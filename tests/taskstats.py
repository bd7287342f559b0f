"""A thread's delay accounting read through the taskstats generic-netlink
interface (family "TASKSTATS", TASKSTATS_CMD_GET with
TASKSTATS_CMD_ATTR_PID): the kernel's own per-thread delays, a reference
for perftop's wait classes.  Needs root (the command is GENL_ADMIN_PERM)
and `kernel.task_delayacct=1` while the delays happen (a thread's delays
are only added up while it is set).

    from taskstats import delays
    d = delays(tid)    # {"version": 14, "freepages_delay_total": ns, ...}

struct taskstats (include/uapi/linux/taskstats.h) only ever grows at its
end, each addition bumping TASKSTATS_VERSION, so a field's offset is the
same in every kernel that has it; a field is read only when the reply's
version has it and its length covers it.  Offsets checked against the
header (v16) and the BTF of the kernels tested (`bpftool btf dump`:
struct taskstats of 6.1.0-57 is 416 bytes, version 13; 6.12.118 432
bytes, version 14; this host's 6.18.44 560 bytes, version 16): the same
offsets in all three.
"""
import os
import socket
import struct

# (name, byte offset, a version that has it: the header marks v11 and on;
# thrashing came after v8's header, which ends at freepages, and before
# v10's ac_btime64)
FIELDS = (
    ("cpu_count", 16, 1), ("cpu_delay_total", 24, 1),
    ("blkio_count", 32, 1), ("blkio_delay_total", 40, 1),
    ("swapin_count", 48, 1), ("swapin_delay_total", 56, 1),
    ("cpu_run_real_total", 64, 1), ("cpu_run_virtual_total", 72, 1),
    # memory reclaim (do_try_to_free_pages(): global direct reclaim and a
    # memory cgroup's reclaim at its limit)
    ("freepages_count", 312, 8), ("freepages_delay_total", 320, 8),
    # waits for a workingset folio being read back (refaults)
    ("thrashing_count", 328, 9), ("thrashing_delay_total", 336, 9),
    # direct compaction
    ("compact_count", 352, 11), ("compact_delay_total", 360, 11),
    ("wpcopy_count", 400, 13), ("wpcopy_delay_total", 408, 13),
    ("irq_count", 416, 14), ("irq_delay_total", 424, 14),
)

NETLINK_GENERIC = 16
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
TASKSTATS_CMD_GET = 1
TASKSTATS_CMD_ATTR_PID = 1
TASKSTATS_TYPE_STATS = 3
TASKSTATS_TYPE_AGGR_PID = 4


class TaskstatsError(Exception):
    pass


def _attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * (-n % 4)


def _attrs(buf):
    """{type: payload} of a run of netlink attributes (the nested flag and
    byte-order flag masked off)."""
    out = {}
    while len(buf) >= 4:
        n, kind = struct.unpack_from("=HH", buf)
        if n < 4:
            break
        out[kind & 0x3fff] = buf[4:n]
        buf = buf[(n + 3) & ~3:]
    return out


def _request(sock, family, cmd, attrs):
    """Send one generic-netlink request and return its reply's attributes."""
    seq = _request.seq = getattr(_request, "seq", 0) + 1
    body = struct.pack("=BBH", cmd, 1, 0) + attrs
    sock.send(struct.pack("=IHHII", 16 + len(body), family, NLM_F_REQUEST,
                          seq, 0) + body)
    while True:
        msg = sock.recv(65536)
        while len(msg) >= 16:
            n, kind, _flags, got_seq, _pid = struct.unpack_from("=IHHII", msg)
            if got_seq == seq:
                if kind == NLMSG_ERROR:
                    err = struct.unpack_from("=i", msg, 16)[0]
                    raise TaskstatsError(f"netlink error {os.strerror(-err)}")
                return _attrs(msg[20:n])
            msg = msg[(n + 3) & ~3:]


def _family(sock):
    got = _request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                   _attr(CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0"))
    if CTRL_ATTR_FAMILY_ID not in got:
        raise TaskstatsError("no TASKSTATS generic-netlink family")
    return struct.unpack_from("=H", got[CTRL_ATTR_FAMILY_ID])[0]


def parse(raw):
    """The fields of FIELDS (and "version", "size") in a struct taskstats."""
    version = struct.unpack_from("=H", raw)[0]
    out = {"version": version, "size": len(raw)}
    for name, off, since in FIELDS:
        if version >= since and off + 8 <= len(raw):
            out[name] = struct.unpack_from("=Q", raw, off)[0]
    return out


def delays(tid):
    """Thread tid's taskstats (parse()); raises TaskstatsError when the
    kernel has no taskstats or no such thread."""
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                             NETLINK_GENERIC)
    except OSError as e:
        raise TaskstatsError(f"no generic netlink socket: {e}")
    with sock:
        sock.bind((0, 0))
        fam = _family(sock)
        got = _request(sock, fam, TASKSTATS_CMD_GET,
                       _attr(TASKSTATS_CMD_ATTR_PID, struct.pack("=I", tid)))
    aggr = _attrs(got.get(TASKSTATS_TYPE_AGGR_PID, b""))
    if TASKSTATS_TYPE_STATS not in aggr:
        raise TaskstatsError(f"no struct taskstats in the reply for {tid}")
    return parse(aggr[TASKSTATS_TYPE_STATS])


if __name__ == "__main__":
    import sys
    for name, value in delays(int(sys.argv[1]) if len(sys.argv) > 1
                              else os.getpid()).items():
        print(name, value)
