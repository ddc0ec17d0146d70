"""Shared harness for the pqnetd functional tests (Python 3 standard library only).

Each test runs real pqnetd processes on loopback TCP. The binary comes from the
PQNETD environment variable (CMake sets it). Every process started here is killed
when the harness closes, whatever happened; every wait is bounded and fails with a
message that names what was expected and shows the daemon's log.

PQNET_TEST_KEEP=1 keeps the work dir (daemon logs, data dirs) and prints where.

Every daemon gets its own HTTP API address (--http-listen 127.0.0.1:<free port>)
unless the test passes --http-listen itself; Daemon.get and Daemon.api query it.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HEX64 = r"[0-9a-f]{64}"


class Failure(Exception):
    pass


def check(cond, what, detail=""):
    """Print what is checked; raise Failure when it does not hold."""
    if not cond:
        raise Failure(what + (": " + detail if detail else ""))
    print(f"  ok: {what}", flush=True)


def pqnetd_path():
    path = os.environ.get("PQNETD")
    if not path or not os.access(path, os.X_OK):
        raise Failure(f"PQNETD must name the pqnetd binary (got {path!r})")
    return path


def build_dir():
    """The folder pqnetd was built in (pqnet-cli and test outputs live there)."""
    return os.path.dirname(os.path.abspath(pqnetd_path()))


def cli_path():
    """pqnet-cli: $PQNET_CLI, else next to pqnetd."""
    path = os.environ.get("PQNET_CLI") or os.path.join(build_dir(), "pqnet-cli")
    if not os.access(path, os.X_OK):
        raise Failure(f"no pqnet-cli at {path} (build the pqnet-cli target, or set PQNET_CLI)")
    return path


def run_cli(*args, timeout=20.0, env=None):
    """Run pqnet-cli; returns (exit status, stdout, stderr)."""
    try:
        p = subprocess.run([cli_path()] + list(args), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=env)
    except subprocess.TimeoutExpired:
        raise Failure(f"pqnet-cli {' '.join(args)} did not exit within {timeout} s")
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def free_port(host="127.0.0.1"):
    """A port that was free a moment ago: bind port 0, read it, release it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(pred, what, timeout=10.0, interval=0.1, detail=None):
    """Poll pred() until it returns a true value (returned); fail naming what.
    detail() (optional) describes the state for the failure message."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise Failure(f"no {what} within {timeout:.1f} s" +
                          (f"\n{detail()}" if detail else ""))
        time.sleep(interval)


def flag_value(args, flag):
    """The value of --flag in an argument list (either form), or None."""
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a[len(flag) + 1:]
    return None


class Daemon:
    """One pqnetd process whose stderr goes to a log file in the work dir."""

    def __init__(self, harness, name, args):
        self.name = name
        if flag_value(args, "--http-listen") is None:
            args = args + ["--http-listen", f"127.0.0.1:{free_port()}"]
        self.args = args
        http = flag_value(args, "--http-listen")
        self.http = None if http == "none" else http
        self.log_path = os.path.join(harness.workdir, f"{name}.log")
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [harness.binary] + args,
            stdin=subprocess.DEVNULL,
            stdout=self._logf,
            stderr=subprocess.STDOUT,
        )
        self.stopped = False

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def mark(self):
        """Position in the log; wait_for(after=mark) only looks at later lines."""
        return len(self.log())

    def wait_for(self, pattern, what, timeout=10.0, after=0):
        """Wait until the log (from offset after) matches pattern; return the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log(), after)
            if m:
                return m
            if time.monotonic() >= deadline:
                raise Failure(
                    f"{self.name}: no {what} within {timeout:.1f} s (pattern /{pattern}/)\n"
                    f"--- {self.name} log ---\n{self.log()}--- end ---"
                )
            if self.proc.poll() is not None and not self.stopped:
                # One last look: the line may have been written just before exit.
                m = rx.search(self.log(), after)
                if m:
                    return m
                raise Failure(
                    f"{self.name}: exited with {self.proc.returncode} while waiting for {what}\n"
                    f"--- {self.name} log ---\n{self.log()}--- end ---"
                )
            time.sleep(0.05)

    def wait_ready(self, timeout=10.0):
        """Wait for the P2P and (if any) HTTP listeners; returns the P2P address."""
        addr = self.wait_for(r"info p2p listening addr=(\S+)", "listening line", timeout).group(1)
        if self.http:
            self.wait_for(r"info http listening addr=", "'http listening' line", timeout)
        return addr

    def get(self, path, method="GET", body=None, headers=None, timeout=5.0):
        """One HTTP request to the daemon's API: (status, headers, parsed JSON or
        None when the body is not JSON, raw body text)."""
        if not self.http:
            raise Failure(f"{self.name}: started with --http-listen none")
        host, port = self.http.rsplit(":", 1)
        conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            raw = r.read().decode("utf-8", "replace")
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            conn.close()
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
        return r.status, hdrs, doc, raw

    def cookie(self):
        """The API token in <base-path>/.cookie (Failure when absent)."""
        base = flag_value(self.args, "--base-path")
        try:
            with open(os.path.join(base, ".cookie")) as f:
                return f.read().strip()
        except OSError as e:
            raise Failure(f"{self.name}: cannot read its cookie: {e}")

    def api(self, path):
        """GET path; the parsed JSON of a 200 answer, else Failure."""
        try:
            status, _, doc, raw = self.get(path)
        except OSError as e:
            raise Failure(f"{self.name}: GET {path} failed: {e}\n--- {self.name} log ---\n"
                          f"{self.log()}--- end ---")
        if status != 200 or doc is None:
            raise Failure(f"{self.name}: GET {path} answered {status}: {raw!r}")
        return doc

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit status."""
        self.stopped = True
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.name}: did not exit within {timeout} s of SIGTERM\n{self.log()}")

    def wait_exit(self, timeout=10.0):
        """Wait for a process already sent SIGTERM; returns the exit status."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.name}: did not exit within {timeout} s of SIGTERM\n{self.log()}")

    def kill(self):
        self.stopped = True
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)  # a stopped process must die too
                self.proc.kill()
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self._logf.close()


class Harness:
    """Context manager: a temporary work dir and every daemon started in it."""

    def __init__(self):
        self.binary = pqnetd_path()
        self._tmp = tempfile.TemporaryDirectory(prefix="pqnet-func-")
        self.workdir = self._tmp.name
        self.daemons = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for d in self.daemons:
            d.kill()
        if os.environ.get("PQNET_TEST_KEEP"):
            keep = tempfile.mkdtemp(prefix="pqnet-func-kept-")
            os.rename(self.workdir, os.path.join(keep, "work"))
            print(f"(PQNET_TEST_KEEP: logs kept in {keep}/work)", flush=True)
            os.makedirs(self.workdir)  # for cleanup()
        self._tmp.cleanup()
        return False

    def stop_all(self, daemons, timeout=10.0):
        """SIGTERM every daemon at once (one signal each), then wait; returns the
        exit statuses in order."""
        for d in daemons:
            d.stopped = True
            d.signal(signal.SIGTERM)
        return [d.wait_exit(timeout) for d in daemons]

    def base_path(self, name):
        return os.path.join(self.workdir, name)

    def start(self, name, *args):
        d = Daemon(self, name, list(args))
        self.daemons.append(d)
        return d

    def run(self, *args, timeout=20.0):
        """Run pqnetd to completion (for startup refusals); returns (status, output)."""
        try:
            p = subprocess.run(
                [self.binary] + list(args),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise Failure(f"pqnetd {' '.join(args)} did not exit within {timeout} s")
        return p.returncode, p.stdout.decode("utf-8", "replace")


def main(test):
    """Run test(harness); print PASS or FAIL; return the process exit status."""
    name = os.path.basename(sys.argv[0])
    try:
        with Harness() as h:
            test(h)
    except Failure as e:
        print(f"FAIL {name}: {e}", flush=True)
        return 1
    print(f"PASS {name}", flush=True)
    return 0
