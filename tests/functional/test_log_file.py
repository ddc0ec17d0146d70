#!/usr/bin/env python3
"""pqnetd's log: the line format, --log-file, SIGHUP, and a quiet healthy node.

1. A logs to --log-file, B to stderr; B dials A, both Ping every second.
   Every line of A's file is "TIME LEVEL SUBSYSTEM message key=value...", and
   nothing goes to A's stderr.
2. Quiet: once the session is up and Pongs come back (an RTT is measured),
   four seconds of Pings add no line at info level on either side.
3. SIGHUP (logrotate): A's file is renamed, SIGHUP makes A reopen the path; the
   next event (B stops) lands in the new file, not in the old one. B, without
   --log-file, logs that there is nothing to reopen and keeps running.
4. A --log-file in a missing directory: exit 1, and the reason on stderr.
"""

import os
import re
import signal
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import check, free_port, main, wait_until  # noqa: E402

LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (error|warn|info|debug) "
                  r"(daemon|p2p|net|http|chain|store|libevent) \S.*")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def test(h):
    pa, pb = free_port(), free_port()
    log_a = os.path.join(h.workdir, "a-file.log")
    print("step 1: A logs to a file, B to stderr")
    a = h.start("A", "--listen", f"127.0.0.1:{pa}", "--base-path", h.base_path("a"),
                "--ping-interval", "1", "--log-file", log_a)
    wait_until(lambda: "info http listening addr=" in read(log_a), "A's listening lines",
               timeout=10, detail=lambda: read(log_a) + a.log())
    b = h.start("B", "--listen", f"127.0.0.1:{pb}", "--base-path", h.base_path("b"),
                "--peer", f"127.0.0.1:{pa}", "--ping-interval", "1")
    b.wait_ready()
    b.wait_for(rf"info p2p peer connected conn=\d+ addr=127\.0\.0\.1:{pa} dir=outbound", "session")
    wait_until(lambda: "info p2p peer connected" in read(log_a), "A's 'peer connected' line",
               timeout=5, detail=lambda: read(log_a))
    lines = read(log_a).splitlines()
    bad = [x for x in lines if not LINE.fullmatch(x)]
    check(not bad, f"all {len(lines)} lines of A's file are TIME LEVEL SUBSYSTEM message ...",
          "\n".join(bad))
    for want in (r" info daemon pqnetd starting version=", r" info p2p listening addr=",
                 r" info http listening addr=", r" info http api cookie written path=",
                 r" info p2p peer connected conn=1 addr=127\.0\.0\.1:\d+ dir=inbound peer_id="):
        check(re.search(want, read(log_a)), f"A's file has /{want.strip()}/")
    check(a.log() == "", "nothing on A's stderr", a.log())

    print("step 2: a healthy node is quiet at info level")
    wait_until(lambda: all(c["rtt_ms"] > 0 for d in (a, b)
                           for c in d.api("/p2p/connections")["connections"]),
               "a measured RTT on both sides (Pongs came back)", timeout=10)
    na, nb = len(read(log_a).splitlines()), len(b.log().splitlines())
    time.sleep(4)
    extra_a = read(log_a).splitlines()[na:]
    extra_b = b.log().splitlines()[nb:]
    check(not extra_a and not extra_b, "4 s of Pings every second: no new line on A or B",
          "\n".join(extra_a + extra_b))

    print("step 3: SIGHUP reopens the file")
    os.rename(log_a, log_a + ".1")
    a.signal(signal.SIGHUP)
    wait_until(lambda: "info daemon log file reopened path=" in read(log_a),
               "'log file reopened' in the new file", timeout=5,
               detail=lambda: read(log_a + ".1")[-2000:])
    check(LINE.fullmatch(read(log_a).splitlines()[0]), "the new file's first line",
          read(log_a))
    b.signal(signal.SIGHUP)
    b.wait_for(r"info daemon SIGHUP received; no --log-file to reopen", "B's SIGHUP line")
    check(b.api("/health")["status"] == "ok", "B keeps running after SIGHUP")
    check(b.stop() == 0, "B exits 0")
    wait_until(lambda: "info p2p peer disconnected" in read(log_a),
               "B's disconnect in A's new file", timeout=5, detail=lambda: read(log_a))
    check("peer disconnected" not in read(log_a + ".1"), "and not in the rotated file")
    check(a.stop() == 0, "A exits 0")
    check(re.search(r" info daemon stopped\n$", read(log_a)), "A's last line: stopped")

    print("step 4: a --log-file that cannot be opened")
    missing = os.path.join(h.workdir, "no-such-dir", "x.log")
    status, out = h.run("--base-path", h.base_path("c"), "--log-file", missing,
                        "--http-listen", "none", "--listen", f"127.0.0.1:{free_port()}")
    check(status == 1 and f"cannot open log file {missing}" in out
          and "No such file or directory" in out, "exit 1 with the reason", f"{status}: {out}")


if __name__ == "__main__":
    sys.exit(main(test))
