#!/usr/bin/env python3
"""One seed and two nodes that know only the seed: discovery connects them all.

S listens on 127.21.0.1; A (127.22.0.1) and B (127.23.0.1) start with --seeds
<S's literal address>. Each node is in its own devnet network group (/16), so the
one-outbound-per-group rule does not stop them from dialing each other.

1. A and B each open a session with S (the literal seed is dialed without DNS).
2. S sees A and B at the addresses they listen on (outbound sockets are bound to
   the listening IP, not 127.0.0.1).
3. A and B learn about each other through S and end with more than one peer.
4. Every node's address book (GET /p2p/peers) holds the other two.
"""

import sys

sys.dont_write_bytecode = True
from pqnetd_harness import check, free_port, main, wait_until  # noqa: E402

TICK = "1"


def conns(d):
    return d.api("/p2p/connections")


def describe(*daemons):
    def f():
        out = []
        for d in daemons:
            try:
                c = conns(d)
                out.append(f"{d.name}: " + ", ".join(
                    f"{x['address']} {x['direction']}" for x in c["connections"]))
            except Exception as e:  # noqa: BLE001
                out.append(f"{d.name}: {e}")
        return "\n".join(out)
    return f


def test(h):
    ips = {"S": "127.21.0.1", "A": "127.22.0.1", "B": "127.23.0.1"}
    ports = {n: free_port(ip) for n, ip in ips.items()}
    addr = {n: f"{ips[n]}:{ports[n]}" for n in ips}
    common = ["--discovery-tick", TICK, "--min-outbound", "3"]

    print("step 1: the seed, then two nodes that know only the seed")
    s = h.start("S", "--listen", addr["S"], "--base-path", h.base_path("s"), *common)
    s.wait_ready()
    a = h.start("A", "--listen", addr["A"], "--base-path", h.base_path("a"),
                "--seeds", addr["S"], *common)
    b = h.start("B", "--listen", addr["B"], "--base-path", h.base_path("b"),
                "--seeds", addr["S"], *common)
    for d in (a, b):
        d.wait_ready()
        d.wait_for(r"info p2p address book is empty; querying 1 seed", "seed query")
        d.wait_for(rf"info p2p seed {ips['S']} gave 1 address", "seed answer")
        d.wait_for(rf"peer connected conn=\d+ addr={addr['S']} dir=outbound", "session with S")
        check(True, f"{d.name} queried the literal seed and opened a session with S")

    print("step 2: S sees each node at its listening IP")
    wait_until(lambda: {x["address"].rsplit(":", 1)[0] for x in conns(s)["connections"]
                        if x["direction"] == "inbound"} >= {ips["A"], ips["B"]},
               "inbound sessions from 127.22.0.1 and 127.23.0.1 on S", timeout=10,
               detail=describe(s))
    check(True, "S's inbound sessions come from 127.22.0.1 and 127.23.0.1")

    print("step 3: A and B find each other")
    wait_until(lambda: conns(a)["count"] > 1 and conns(b)["count"] > 1,
               "second session on both A and B", timeout=15, detail=describe(s, a, b))
    for d in (a, b):
        c = conns(d)
        check(c["count"] > 1, f"{d.name} has {c['count']} peers (> 1)")
    peers_of_a = {x["address"] for x in conns(a)["connections"]}
    check(any(p.startswith(ips["B"] + ":") for p in peers_of_a), "A has a session with B",
          str(peers_of_a))

    print("step 4: address books")
    for d in (s, a, b):
        others = {addr[n] for n in ips if n != d.name}
        wait_until(lambda: others <= set(d.api("/p2p/peers")["peers"]),
                   f"{sorted(others)} in {d.name}'s address book", timeout=10,
                   detail=lambda: str(d.api("/p2p/peers")))
        check(True, f"{d.name}'s /p2p/peers lists {sorted(others)}")
    for d in (a, b, s):
        check(d.stop() == 0, f"{d.name} exits 0 after SIGTERM")


if __name__ == "__main__":
    sys.exit(main(test))
