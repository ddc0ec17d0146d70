#!/usr/bin/env python3
"""How pqnetd dials.

1. A refused dial is logged with the OS reason and does not disturb the other
   --peer dials (B still opens a session with A).
2. A dial to a listener that never completes the TCP handshake fails after
   --connect-timeout.
3. --peer accepts a host name (localhost), resolved at start.
4. IPv6 loopback: listen on [::1], dial [::1] (skipped when the host has no ::1).
"""

import socket
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import HEX64, check, free_port, main  # noqa: E402


def ipv6_loopback_port():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
            return s.getsockname()[1]
    except OSError:
        return None


def test(h):
    print("step 1: a refused dial next to a good one")
    pa, pb, closed = free_port(), free_port(), free_port()
    a = h.start("A", "--listen", f"127.0.0.1:{pa}", "--base-path", h.base_path("a"))
    id_a = a.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    a.wait_for(rf"listening addr=127\.0\.0\.1:{pa}\b", "listening line")
    b = h.start("B", "--listen", f"127.0.0.1:{pb}", "--base-path", h.base_path("b"),
                "--peer", f"127.0.0.1:{closed}", "--peer", f"127.0.0.1:{pa}")
    b.wait_for(rf"warn net dial failed conn=\d+ addr=127\.0\.0\.1:{closed} error=Connection refused",
               "refused dial")
    check(True, "B logs the refused dial with the OS reason")
    b.wait_for(rf"peer connected conn=\d+ addr=127\.0\.0\.1:{pa} dir=outbound peer_id={id_a}",
               "session with A")
    check(True, "B's other --peer dial still opened a session")
    check(b.stop() == 0, "B exits 0")

    print("step 2: connect timeout")
    # A listener with a full accept queue: the kernel drops further SYNs, so
    # the TCP handshake never completes.
    blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    port = blackhole.getsockname()[1]
    fillers = []
    try:
        for _ in range(3):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(c)
        time.sleep(0.2)
        t0 = time.monotonic()
        c2 = h.start("C", "--listen", f"127.0.0.1:{free_port()}", "--base-path",
                     h.base_path("c"), "--peer", f"127.0.0.1:{port}", "--connect-timeout", "1")
        c2.wait_for(rf"dial failed conn=\d+ addr=127\.0\.0\.1:{port} "
                    r"error=connect timed out after 1000 ms", "connect timeout", timeout=8)
        dt = time.monotonic() - t0
        check(dt < 4.0, f"the dial failed after --connect-timeout 1 ({dt:.2f} s incl. start)")
        check("peer connected" not in c2.log(), "no session")
        check(c2.stop() == 0, "C exits 0")
    finally:
        for c in fillers:
            c.close()
        blackhole.close()

    print("step 3: --peer with a host name")
    d = h.start("D", "--listen", f"127.0.0.1:{free_port()}", "--base-path", h.base_path("d"),
                "--peer", f"localhost:{pa}")
    d.wait_for(rf"peer connected conn=\d+ addr=127\.0\.0\.1:{pa} dir=outbound peer_id={id_a}",
               "session with A through localhost")
    check(True, "localhost resolved and dialed")
    check(d.stop() == 0, "D exits 0")

    print("step 4: IPv6 loopback")
    p6 = ipv6_loopback_port()
    if p6 is None:
        print("  skip: this host has no IPv6 loopback")
        return
    e = h.start("E", "--listen", f"[::1]:{p6}", "--base-path", h.base_path("e"))
    id_e = e.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    e.wait_for(rf"listening addr=\[::1\]:{p6}\b", "listening line")
    f = h.start("F", "--listen", f"127.0.0.1:{free_port()}", "--base-path", h.base_path("f"),
                "--peer", f"[::1]:{p6}")
    f.wait_for(rf"peer connected conn=\d+ addr=\[::1\]:{p6} dir=outbound peer_id={id_e}",
               "session over IPv6")
    e.wait_for(r"peer connected conn=\d+ addr=\[::1\]:\d+ dir=inbound", "inbound IPv6 session")
    check(True, "session over [::1] on both sides")


if __name__ == "__main__":
    sys.exit(main(test))
