#!/usr/bin/env python3
"""Nodes on different chains never open a session, and both say why.

1. A on devnet, B on testnet dials A: B logs "peer is on chain devnet, we are on
   testnet", A logs "peer is on chain testnet, we are on devnet"; no session.
2. Same chain, different --genesis: both log genesis-mismatch naming the hashes.
"""

import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import check, free_port, main  # noqa: E402


def no_session(*daemons):
    for d in daemons:
        check("peer connected" not in d.log(), f"{d.name} opened no session")


def test(h):
    print("step 1: devnet vs testnet")
    pa, pb = free_port(), free_port()
    a = h.start("A", "--listen", f"127.0.0.1:{pa}", "--base-path", h.base_path("a"),
                "--network", "devnet")
    a.wait_for(rf"listening addr=127\.0\.0\.1:{pa}\b", "listening line")
    b = h.start("B", "--listen", f"127.0.0.1:{pb}", "--base-path", h.base_path("b"),
                "--network", "testnet", "--peer", f"127.0.0.1:{pa}")
    b.wait_for(r"handshake failed conn=\d+ addr=127\.0\.0\.1:%d dir=outbound "
               r"reason=chain-mismatch: peer is on chain devnet, we are on testnet" % pa,
               "chain mismatch on the dialing side")
    check(True, "B: reason=chain-mismatch: peer is on chain devnet, we are on testnet")
    a.wait_for(r"handshake failed conn=\d+ addr=127\.0\.0\.1:\d+ dir=inbound "
               r"reason=chain-mismatch: peer is on chain testnet, we are on devnet",
               "chain mismatch on the listening side")
    check(True, "A: reason=chain-mismatch: peer is on chain testnet, we are on devnet")
    time.sleep(0.5)
    no_session(a, b)
    check(a.stop() == 0 and b.stop() == 0, "both exit 0 after SIGTERM")

    print("step 2: same chain, different genesis")
    pc, pd = free_port(), free_port()
    g1, g2 = "11" * 32, "22" * 32
    c = h.start("C", "--listen", f"127.0.0.1:{pc}", "--base-path", h.base_path("c"),
                "--genesis", g1)
    c.wait_for(rf"listening addr=127\.0\.0\.1:{pc}\b", "listening line")
    d = h.start("D", "--listen", f"127.0.0.1:{pd}", "--base-path", h.base_path("d"),
                "--genesis", g2, "--peer", f"127.0.0.1:{pc}")
    d.wait_for(rf"reason=genesis-mismatch: peer has genesis {g1}, we have {g2}",
               "genesis mismatch on the dialing side")
    check(True, "D: reason=genesis-mismatch names both hashes")
    c.wait_for(r"reason=genesis-mismatch", "genesis mismatch on the listening side")
    check(True, "C: reason=genesis-mismatch")
    time.sleep(0.5)
    no_session(c, d)


if __name__ == "__main__":
    sys.exit(main(test))
