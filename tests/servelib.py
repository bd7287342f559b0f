"""Helpers for the `perftop serve` end-to-end tests: start it, scrape it,
parse the exposition, speak raw HTTP to it."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

PERFTOP = os.environ.get("PERFTOP", "build/perftop")


def _end_with_test():
    """In the child: SIGTERM when the test's python ends, whichever way
    (prctl PR_SET_PDEATHSIG).  A failed assertion used to leave serve
    running after the test: one kept tracing every switch through the
    rest of a CI run (2026-12-02)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)


class Serve:
    """perftop serve on a free loopback port (or the given --listen)."""

    def __init__(self, *args, listen="127.0.0.1:0", tmp="/tmp", name="serve"):
        self.err_path = os.path.join(tmp, name + ".err")
        self.err = open(self.err_path, "w")
        cmd = [PERFTOP, "serve", "--listen", listen] + list(args)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err,
                                     preexec_fn=_end_with_test)
        self.url = None
        deadline = time.time() + 30
        while time.time() < deadline:
            text = open(self.err_path).read()
            m = re.search(r"metrics at (http://\S+|unix:\S+)", text)
            if m:
                self.url = m.group(1)
                break
            if self.proc.poll() is not None:
                raise AssertionError("perftop serve exited %d: %s"
                                     % (self.proc.returncode, text))
            time.sleep(0.05)
        if not self.url:
            raise AssertionError("perftop serve never said where it listens")
        if self.url.startswith("http://"):
            hp = self.url[len("http://"):].split("/")[0]
            self.host, port = hp.rsplit(":", 1)
            self.port = int(port)

    def stderr(self):
        return open(self.err_path).read()

    def wait_ready(self, sec=20):
        """Until /metrics answers 200 (the first interval is over)."""
        deadline = time.time() + sec
        while time.time() < deadline:
            try:
                return self.scrape()
            except OSError:
                time.sleep(0.1)
        raise AssertionError("no /metrics page after %d s" % sec)

    def get(self, path="/metrics", accept=None, timeout=5):
        req = urllib.request.Request("http://%s:%d%s" % (self.host, self.port, path))
        if accept:
            req.add_header("Accept", accept)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode()

    def scrape(self, accept=None):
        status, _, body = self.get(accept=accept)
        assert status == 200, status
        return parse(body)

    def raw(self, data, timeout=5, read=1 << 20):
        """Send bytes on a new connection; the response's status line
        (b'' when the server closed without one)."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            s.sendall(data)
        except OSError:
            pass
        buf = b""
        try:
            while b"\r\n" not in buf:
                chunk = s.recv(read)
                if not chunk:
                    break
                buf += chunk
        finally:
            s.close()
        return buf.split(b"\r\n")[0]

    def rss_kib(self):
        for line in open("/proc/%d/status" % self.proc.pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.err.close()


_sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
_label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset(labels.items())): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _sample.match(line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(_label.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(samples, name, **labels):
    want = frozenset(labels.items())
    hits = [v for (n, l), v in samples.items() if n == name and want <= l]
    assert hits, "no sample %s%s" % (name, labels or "")
    return sum(hits)


def series(samples, name):
    return {l: v for (n, l), v in samples.items() if n == name}
