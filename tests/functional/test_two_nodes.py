#!/usr/bin/env python3
"""Two pqnetd over loopback TCP.

1. A listens, B dials A: both log the session and each names the other's PeerId
   (the one the other printed at start).
2. SIGKILL A: B logs the disconnect promptly (transport closed).
3. B stops cleanly on SIGTERM (exit 0).
4. A restarts on the same --base-path: same PeerId, identity.key mode 0600.
5. Heartbeat: both with --ping-interval 1 --pong-timeout 2; SIGSTOP A (its socket
   stays open, no Pongs): B drops A with reason ping-timeout within 1 + 2 s plus
   slack; after SIGCONT, A learns the session is gone.
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import HEX64, check, free_port, main  # noqa: E402


def session_pattern(peer_port, direction, peer_id):
    addr = rf"127\.0\.0\.1:{peer_port}" if peer_port else r"127\.0\.0\.1:\d+"
    return rf"info p2p peer connected conn=\d+ addr={addr} dir={direction} peer_id={peer_id}"


def test(h):
    pa, pb = free_port(), free_port()
    base_a, base_b = h.base_path("a"), h.base_path("b")
    timers = ["--ping-interval", "1", "--pong-timeout", "2"]

    print("step 1: A listens, B dials A; both log the session with the other's PeerId")
    a = h.start("A", "--listen", f"127.0.0.1:{pa}", "--base-path", base_a)
    id_a = a.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    a.wait_for(rf"listening addr=127\.0\.0\.1:{pa}\b", "listening line")
    b = h.start("B", "--listen", f"127.0.0.1:{pb}", "--peer", f"127.0.0.1:{pa}",
                "--base-path", base_b)
    id_b = b.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    check(id_a != id_b, "A and B have different PeerIds", f"{id_a} == {id_b}")
    b.wait_for(session_pattern(pa, "outbound", id_a), "outbound session to A")
    check(True, f"B logs the session with A's PeerId {id_a[:16]}...")
    a.wait_for(session_pattern(None, "inbound", id_b), "inbound session from B")
    check(True, f"A logs the session with B's PeerId {id_b[:16]}...")

    print("step 2: SIGKILL A; B logs the disconnect promptly")
    mark = b.mark()
    t0 = time.monotonic()
    a.kill()
    b.wait_for(rf"peer disconnected conn=\d+ addr=127\.0\.0\.1:{pa} dir=outbound "
               rf"peer_id={id_a} .*reason=transport-closed", "disconnect of A",
               timeout=5, after=mark)
    dt = time.monotonic() - t0
    check(dt < 2.0, f"B noticed A's death in {dt:.2f} s (< 2 s)")

    print("step 3: B stops cleanly on SIGTERM")
    status = b.stop()
    check(status == 0, "B exits 0 after SIGTERM", f"status {status}")
    b.wait_for(r"info daemon stopped", "'stopped' line")

    print("step 4: A restarts on the same base path with the same PeerId")
    key = os.path.join(base_a, "identity.key")
    mode = os.stat(key).st_mode & 0o777
    check(mode == 0o600, f"{key} has mode 0600", f"mode {mode:04o}")
    a2 = h.start("A2", "--listen", f"127.0.0.1:{pa}", "--base-path", base_a, *timers)
    id_a2 = a2.wait_for(rf"identity loaded peer_id=({HEX64})", "'identity loaded' line").group(1)
    check(id_a2 == id_a, "restarted A reports the same PeerId", f"{id_a2} != {id_a}")
    a2.wait_for(rf"listening addr=127\.0\.0\.1:{pa}\b", "listening line")

    print("step 5: pong timeout: SIGSTOP A, B drops it with reason ping-timeout")
    b2 = h.start("B2", "--listen", f"127.0.0.1:{pb}", "--peer", f"127.0.0.1:{pa}",
                 "--base-path", base_b, *timers)
    id_b2 = b2.wait_for(rf"identity loaded peer_id=({HEX64})", "'identity loaded' line").group(1)
    check(id_b2 == id_b, "restarted B reports the same PeerId")
    b2.wait_for(session_pattern(pa, "outbound", id_a), "outbound session to A")
    a2.wait_for(session_pattern(None, "inbound", id_b), "inbound session from B")
    check(True, "A and B connected again")
    time.sleep(1.5)  # at least one Ping/Pong round while both run
    check("ping-timeout" not in b2.log(), "no ping timeout while both run")
    mark_b, mark_a = b2.mark(), a2.mark()
    t0 = time.monotonic()
    a2.signal(signal.SIGSTOP)
    b2.wait_for(rf"peer disconnected conn=\d+ addr=127\.0\.0\.1:{pa} dir=outbound "
                rf"peer_id={id_a} .*reason=ping-timeout", "ping-timeout disconnect",
                timeout=8, after=mark_b)
    dt = time.monotonic() - t0
    check(1.5 <= dt <= 4.5, f"B dropped the silent A after {dt:.2f} s (1 + 2 s, plus slack)")
    a2.signal(signal.SIGCONT)
    a2.wait_for(rf"peer disconnected conn=\d+ .*peer_id={id_b} ", "A seeing the session end",
                timeout=5, after=mark_a)
    check(True, "A, resumed, logs that the session ended")
    check(a2.stop() == 0, "A exits 0 after SIGTERM")
    check(b2.stop() == 0, "B exits 0 after SIGTERM")


if __name__ == "__main__":
    sys.exit(main(test))
