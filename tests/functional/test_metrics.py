#!/usr/bin/env python3
"""GET /metrics (src/io/http.h) on running nodes, checked by promtool.

1. A alone: the answer is Prometheus text format 0.0.4 that `promtool check
   metrics` accepts without a single lint problem; every family the operator
   docs promise is there with one # HELP and one # TYPE; handshakes_failed_total
   has a sample for every reason; the chain's lines are there and the family the
   chain writes too (announces_received_total) appears once; HEAD has no body.
2. B dials A: the counters move: handshakes ok on both, peers_connected by
   direction, bytes received and sent, dials on B, B's known addresses.
3. C, on another network, dials A: A counts a failed handshake by its reason.
4. A dials a closed port through POST /p2p/connect: dials and dials_failed move.
5. A ban through the API: bans_active is 1.
6. promtool accepts every answer seen along the way.
"""

import os
import re
import shutil
import socket
import subprocess
import sys

sys.dont_write_bytecode = True
from pqnetd_harness import Failure, check, free_port, main, wait_until  # noqa: E402

FAMILIES = {
    "pqnet_p2p_peers_connected": "gauge",
    "pqnet_p2p_known_addresses": "gauge",
    "pqnet_p2p_announces_received_total": "counter",
    "pqnet_p2p_dupes_dropped_total": "counter",
    "pqnet_p2p_handshakes_total": "counter",
    "pqnet_p2p_handshakes_failed_total": "counter",
    "pqnet_p2p_bytes_received_total": "counter",
    "pqnet_p2p_bytes_sent_total": "counter",
    "pqnet_p2p_dials_total": "counter",
    "pqnet_p2p_dials_failed_total": "counter",
    "pqnet_p2p_bans_total": "counter",
    "pqnet_p2p_bans_active": "gauge",
    "pqnet_p2p_addrs_rate_limited_total": "counter",
    "pqnet_p2p_gossip_received_total": "counter",
    "pqnet_p2p_gossip_published_total": "counter",
    "pqnet_p2p_gossip_sent_total": "counter",
    "pqnet_p2p_gossip_announced_total": "counter",
    "pqnet_p2p_gossip_fetches_total": "counter",
    "pqnet_p2p_gossip_invalid_total": "counter",
    "pqnet_p2p_gossip_backlog_dropped_total": "counter",
    "pqnet_uptime_seconds": "gauge",
    "pqnet_chain_height": "gauge",
}
REASONS = ["none", "bad-magic", "version-mismatch", "chain-mismatch", "genesis-mismatch",
           "malformed", "frame-too-large", "auth-failed", "self-connection", "duplicate-peer",
           "handshake-timeout", "ping-timeout", "too-many-peers", "banned", "shutdown",
           "protocol-violation", "send-queue-full", "transport-closed", "application"]


def promtool():
    path = shutil.which("promtool") or "/usr/bin/promtool"
    if not os.access(path, os.X_OK):
        raise Failure("promtool not found: install Debian's prometheus package "
                      "(bash scripts/install-deps.sh)")
    return path


def promtool_ok(text, what):
    p = subprocess.run([promtool(), "check", "metrics"], input=text.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode("utf-8", "replace").strip()
    check(p.returncode == 0 and out == "", f"promtool check metrics accepts {what}",
          f"exit {p.returncode}: {out}")


def scrape(d):
    """(text, {sample: value}) of d's /metrics; checks the content type."""
    status, hdrs, _, raw = d.get("/metrics")
    if status != 200:
        raise Failure(f"{d.name}: /metrics answered {status}: {raw!r}")
    if hdrs.get("content-type") != "text/plain; version=0.0.4; charset=utf-8":
        raise Failure(f"{d.name}: /metrics Content-Type {hdrs.get('content-type')!r}")
    samples = {}
    for line in raw.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return raw, samples


def test(h):
    pa, pb = free_port(), free_port()
    print("step 1: A alone")
    a = h.start("A", "--listen", f"127.0.0.1:{pa}", "--base-path", h.base_path("a"),
                "--ping-interval", "1")
    a.wait_ready()
    text, m0 = scrape(a)
    promtool_ok(text, "A's metrics at start")
    for fam, typ in FAMILIES.items():
        helps = re.findall(rf"^# HELP {fam} \S.*$", text, re.M)
        types = re.findall(rf"^# TYPE {fam} (\w+)$", text, re.M)
        if len(helps) != 1 or types != [typ]:
            raise Failure(f"{fam}: HELP {len(helps)} times, TYPE {types} (want 1, {typ!r})")
    check(True, f"{len(FAMILIES)} families, each with one HELP and the right TYPE")
    check(all(f'pqnet_p2p_handshakes_failed_total{{reason="{r}"}}' in m0 for r in REASONS),
          f"handshakes_failed_total for all {len(REASONS)} reasons")
    check(text.count("\npqnet_p2p_announces_received_total ") == 1,
          "announces_received_total once, though the chain writes it too")
    check(m0['pqnet_p2p_peers_connected{direction="inbound"}'] == 0
          and m0['pqnet_p2p_peers_connected{direction="outbound"}'] == 0, "no peers yet")
    check(m0["pqnet_chain_height"] == 0, "pqnet_chain_height 0 (the chain's hook)")
    check(0 <= m0["pqnet_uptime_seconds"] < 60, f"uptime {m0['pqnet_uptime_seconds']}")
    status, _, _, raw = a.get("/metrics", method="HEAD")
    check(status == 200 and raw == "", "HEAD /metrics: 200, no body")

    print("step 2: B dials A; the counters move")
    b = h.start("B", "--listen", f"127.0.0.1:{pb}", "--base-path", h.base_path("b"),
                "--peer", f"127.0.0.1:{pa}", "--ping-interval", "1")
    b.wait_ready()
    b.wait_for(rf"peer connected conn=\d+ addr=127\.0\.0\.1:{pa} dir=outbound", "session")
    wait_until(lambda: scrape(a)[1]['pqnet_p2p_peers_connected{direction="inbound"}'] == 1,
               "A's inbound peer in its metrics", timeout=5)
    ta, ma = scrape(a)
    tb, mb = scrape(b)
    promtool_ok(ta, "A's metrics with a peer")
    promtool_ok(tb, "B's metrics with a peer")
    ok = 'pqnet_p2p_handshakes_total{result="ok"}'
    check(ma[ok] == m0[ok] + 1 and mb[ok] == 1, "handshakes ok: +1 on A, 1 on B")
    check(mb['pqnet_p2p_peers_connected{direction="outbound"}'] == 1
          and mb['pqnet_p2p_peers_connected{direction="inbound"}'] == 0, "B: 1 outbound")
    for name in ("pqnet_p2p_bytes_received_total", "pqnet_p2p_bytes_sent_total"):
        check(ma[name] > m0[name] + 1000 and mb[name] > 1000,
              f"{name}: A {m0[name]:.0f} -> {ma[name]:.0f}, B {mb[name]:.0f}")
    check(mb["pqnet_p2p_dials_total"] >= 1, f"B dials_total {mb['pqnet_p2p_dials_total']:.0f}")
    check(mb["pqnet_p2p_known_addresses"] >= 1,
          f"B knows {mb['pqnet_p2p_known_addresses']:.0f} address(es)")

    print("step 3: C on testnet dials A: a failed handshake by reason")
    cm = 'pqnet_p2p_handshakes_failed_total{reason="chain-mismatch"}'
    c = h.start("C", "--listen", f"127.0.0.1:{free_port()}", "--base-path", h.base_path("c"),
                "--network", "testnet", "--peer", f"127.0.0.1:{pa}")
    c.wait_for(r"handshake failed .*reason=chain-mismatch", "chain-mismatch on C")
    wait_until(lambda: scrape(a)[1][cm] >= 1, "A counting the chain-mismatch", timeout=5,
               detail=lambda: a.log())
    ta, ma = scrape(a)
    failed = 'pqnet_p2p_handshakes_total{result="failed"}'
    check(ma[failed] >= 1 and ma[cm] >= 1, f"A: {cm} = {ma[cm]:.0f}, failed total {ma[failed]:.0f}")
    promtool_ok(ta, "A's metrics after a failed handshake")
    c.stop()

    print("step 4: A dials a closed port through the API")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # bound, not listening: connect is refused
        auth = {"Authorization": "Bearer " + a.cookie()}
        status, _, doc, raw = a.get("/p2p/connect", method="POST", headers=auth,
                                    body=f'{{"address":"127.0.0.1:{closed}"}}'.encode())
        check(status == 202 and doc["status"] == "dialing", "POST /p2p/connect: 202", raw)
        wait_until(lambda: scrape(a)[1]["pqnet_p2p_dials_failed_total"]
                   >= ma["pqnet_p2p_dials_failed_total"] + 1, "A's failed dial", timeout=5)
    _, m4 = scrape(a)
    check(m4["pqnet_p2p_dials_total"] == ma["pqnet_p2p_dials_total"] + 1,
          f"A dials_total {ma['pqnet_p2p_dials_total']:.0f} -> {m4['pqnet_p2p_dials_total']:.0f}")

    print("step 5: a ban through the API")
    status, _, _, raw = a.get("/p2p/ban", method="POST", headers=auth,
                              body=b'{"address":"192.0.2.0/24","reason":"metrics test"}')
    check(status == 200, "POST /p2p/ban: 200", raw)
    ta, m5 = scrape(a)
    check(m5["pqnet_p2p_bans_active"] == 1, "pqnet_p2p_bans_active 1")
    promtool_ok(ta, "A's final metrics")
    check(a.stop() == 0 and b.stop() == 0, "A and B exit 0")


if __name__ == "__main__":
    sys.exit(main(test))
