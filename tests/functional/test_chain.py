#!/usr/bin/env python3
"""The devnet chain over real processes (issue: gossip and the devnet chain).

1. A mines, B receives: B has A's head within seconds of A reaching height 5.
2. The seed documents' acceptance: one seed and two non-seed nodes, all mining;
   both non-seeds end with more than one peer, all three heights keep advancing
   and agree; the seed is killed, the others keep mining, the seed restarts from
   its stored chain and catches up. Nothing stalls.
3. A late joiner with an empty chain syncs 200 blocks from several peers.

Easy proof of work (--mine-target-bits 18: a few blocks a second per node)
keeps the test short; every node of the network uses the same target, as the
chain requires. The late joiner's network uses 8 bits to make 200 blocks fast.
"""

import signal
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import check, free_port, main, wait_until  # noqa: E402

BITS = ["--mine-target-bits", "18", "--discovery-tick", "1", "--min-outbound", "3"]


def head(d):
    return d.api("/chain/head")


def heads(*ds):
    return lambda: "\n".join(f"{d.name}: {head(d)}" for d in ds)


def start(h, name, ip, *extra):
    port = free_port(ip)
    d = h.start(name, "--listen", f"{ip}:{port}", "--base-path", h.base_path(name.lower()),
                *BITS, *extra)
    d.wait_ready()
    d.p2p = f"{ip}:{port}"
    return d


def test_a_mines_b_receives(h):
    print("step 1: A mines 5 blocks, B follows")
    a = start(h, "A", "127.31.0.1", "--mine")
    b = start(h, "B", "127.32.0.1", "--peer", a.p2p)
    wait_until(lambda: head(a)["height"] >= 5, "A at height 5", timeout=60, detail=heads(a, b))
    t0 = time.time()
    target = head(a)
    wait_until(lambda: head(b)["height"] >= target["height"], "B at A's height", timeout=10,
               detail=heads(a, b))
    check(True, f"B reached height {target['height']} {time.time() - t0:.2f} s after A")
    # The same chain: B's block at that height is A's.
    hb = head(b)
    if hb["height"] == target["height"]:
        check(hb["hash"] == target["hash"], "B's head is A's head", f"{hb} vs {target}")
    h.stop_all([a, b])


def test_seed_and_two_miners(h):
    print("step 2: a seed and two non-seed nodes, all mining")
    s = start(h, "S", "127.41.0.1", "--mine")
    a = start(h, "N1", "127.42.0.1", "--mine", "--seeds", s.p2p)
    b = start(h, "N2", "127.43.0.1", "--mine", "--seeds", s.p2p)
    for d in (a, b):
        wait_until(lambda d=d: d.api("/p2p/connections")["count"] > 1,
                   f"{d.name} with more than one peer", timeout=20)
        check(True, f"{d.name} has {d.api('/p2p/connections')['count']} peers")

    def agree(ds, at_least):
        hs = [head(d) for d in ds]
        return min(x["height"] for x in hs) >= at_least and len({x["hash"] for x in hs}) == 1

    wait_until(lambda: agree((s, a, b), 4), "all three at one head, height >= 4", timeout=60,
               interval=0.05, detail=heads(s, a, b))
    h0 = head(s)["height"]
    check(True, f"all three agree at height >= {h0}")

    print("step 2b: the seed is killed; the others keep mining")
    s.kill()
    before = max(head(a)["height"], head(b)["height"])
    wait_until(lambda: min(head(a)["height"], head(b)["height"]) >= before + 3,
               "N1 and N2 advance without the seed", timeout=60, detail=heads(a, b))
    check(True, "N1 and N2 keep advancing with the seed down")

    print("step 2c: the seed restarts and catches up")
    s2 = h.start("S2", "--listen", s.p2p, "--base-path", h.base_path("s"), *BITS, "--mine",
                 "--peer", a.p2p, "--peer", b.p2p)
    s2.wait_ready()
    check(head(s2)["height"] >= h0, f"the seed reloaded its chain (height {head(s2)['height']})")
    target = max(head(a)["height"], head(b)["height"])
    wait_until(lambda: head(s2)["height"] >= target, "the seed catches up", timeout=30,
               detail=heads(s2, a, b))
    wait_until(lambda: agree((s2, a, b), target), "all three agree again", timeout=60,
               interval=0.05, detail=heads(s2, a, b))
    check(True, f"all three agree again at height >= {target}")
    h.stop_all([s2, a, b])


def test_late_joiner(h):
    print("step 3: a late joiner syncs 200 blocks from several peers")
    m = start(h, "M", "127.51.0.1", "--mine", "--mine-target-bits", "8")
    p = start(h, "P", "127.52.0.1", "--mine-target-bits", "8", "--peer", m.p2p)
    q = start(h, "Q", "127.53.0.1", "--mine-target-bits", "8", "--peer", m.p2p)
    wait_until(lambda: min(head(x)["height"] for x in (m, p, q)) >= 200,
               "200 blocks on three nodes", timeout=90, detail=heads(m, p, q))
    m.signal(signal.SIGSTOP)  # freeze the tip while the joiner syncs
    try:
        tip = min(head(p)["height"], head(q)["height"])
        j = start(h, "J", "127.54.0.1", "--mine-target-bits", "8", "--peer", p.p2p, "--peer",
                  q.p2p)
        t0 = time.time()
        wait_until(lambda: head(j)["height"] >= tip, f"the joiner at height {tip}", timeout=60,
                   detail=heads(p, q, j))
        check(True, f"the joiner synced {head(j)['height']} blocks in {time.time() - t0:.1f} s")
    finally:
        m.signal(signal.SIGCONT)
    h.stop_all([m, p, q, j])


def test(h):
    test_a_mines_b_receives(h)
    test_seed_and_two_miners(h)
    test_late_joiner(h)


if __name__ == "__main__":
    sys.exit(main(test))
