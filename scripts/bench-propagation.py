#!/usr/bin/env python3
"""Block propagation over real processes (docs/BENCHMARKS.md, issue: gossip and
the devnet chain): N pqnetd on loopback (each on its own 127.a.0.1), one mining,
the others relaying. Every node's /chain/head is polled in turn, over and over; for
each new block the time from the first node seeing it to the last is one sample
(the resolution is one polling sweep, printed). Bytes
sent per node per block come from /metrics. Prints median and 99th percentile.

  python3 scripts/bench-propagation.py [N] [SECONDS] [TARGET_BITS]
  (PQNETD=build/pqnetd; defaults 20 nodes, 30 s, 20 bits)
"""

import os
import re
import statistics
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "functional"))
os.environ.setdefault("PQNETD", os.path.join(os.path.dirname(__file__), "..", "build", "pqnetd"))
from pqnetd_harness import Harness, free_port, wait_until  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    bits = sys.argv[3] if len(sys.argv) > 3 else "20"
    common = ["--mine-target-bits", bits, "--discovery-tick", "1", "--min-outbound", "4"]
    with Harness() as h:
        nodes = []
        for k in range(n):
            ip = f"127.{70 + k}.0.1"
            port = free_port(ip)
            extra = ["--mine"] if k == 0 else ["--seeds", nodes[0].p2p]
            d = h.start(f"N{k}", "--listen", f"{ip}:{port}", "--base-path", h.base_path(f"n{k}"),
                        *common, *extra)
            d.p2p = f"{ip}:{port}"
            d.wait_ready()
            nodes.append(d)
        wait_until(lambda: all(d.api("/p2p/connections")["count"] >= 3 for d in nodes),
                   "every node with >= 3 peers", timeout=60)
        first_seen, last_seen, resolution = {}, {}, []
        seen_by = {}
        bytes0 = [metric_sent(d) for d in nodes]
        t_end = time.time() + secs
        while time.time() < t_end:
            sweep = time.time()
            for i, d in enumerate(nodes):
                try:
                    hd = d.api("/chain/head")
                except Exception:  # noqa: BLE001
                    continue
                now = time.time()
                hgt = hd["height"]
                for x in range(seen_by.get(i, 0) + 1, hgt + 1):
                    first_seen.setdefault(x, now)
                    last_seen[x] = now
                    seen_by.setdefault(("n", x), set()).add(i)
                seen_by[i] = max(seen_by.get(i, 0), hgt)
            resolution.append(time.time() - sweep)
            time.sleep(0.005)
        heights = min(seen_by.get(i, 0) for i in range(n))
        samples = [last_seen[x] - first_seen[x] for x in range(1, heights + 1)
                   if len(seen_by.get(("n", x), ())) == n]
        bytes1 = [metric_sent(d) for d in nodes]
        blocks = max(1, heights)
        per_node = statistics.mean((b1 - b0) / blocks for b0, b1 in zip(bytes0, bytes1))
        samples.sort()
        if not samples:
            print("no block reached every node")
            return 1
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        print(f"{n} nodes, {len(samples)} blocks reached all: time from first to last node "
              f"median {statistics.median(samples) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
              f"(each node polled every {statistics.median(resolution) * 1000:.0f} ms: the resolution)")
        print(f"bytes sent per node per block: {per_node:.0f} (block ~160 bytes + gossip and "
              f"pings; bodies under 1 KiB are pushed whole, so this is the push overhead)")
        h.stop_all(nodes)
    return 0


def metric_sent(d):
    try:
        text = d.get("/metrics")[3]
    except Exception:  # noqa: BLE001
        return 0.0
    m = re.search(r"^pqnet_p2p_bytes_sent_total (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


if __name__ == "__main__":
    sys.exit(main())
