#!/usr/bin/env python3
"""pqnet-cli (src/apps/pqnet_cli.c) against running nodes.

A (127.0.0.1) has an inbound peer B; C runs alone. The CLI talks to A.

1. Read-only commands, human output and --json: health, id, peers,
   connections, metrics, bans, head; the JSON is the node's own.
2. connect C through the CLI (with A's cookie): "connected to", and A lists C.
3. ban 127.0.0.1 (B's and C's address) with a duration and --reason: they are
   disconnected, bans lists it, connect to it is refused (exit 1), unban lifts
   it, a second unban says there is no such ban (exit 1); --json ban.
4. The token: raw HTTP without it and with a wrong one is 401 JSON (and
   WWW-Authenticate); a DELETE with a body is 400; the CLI with another base
   path (no cookie) says where it looked; with a stale cookie it says the node
   refused the token.
5. Errors: node not running (the exact message, exit 1); usage errors (exit 2);
   head against a server without /chain/head says "this node has no chain".
6. A clean stop removes the cookie; the CLI then says there is no cookie.
"""

import http.server
import json
import os
import re
import sys
import threading

sys.dont_write_bytecode = True
from pqnetd_harness import (HEX64, Failure, check, free_port, main, run_cli,  # noqa: E402
                            wait_until)


def cli_ok(*args):
    rc, out, err = run_cli(*args)
    if rc != 0:
        raise Failure(f"pqnet-cli {' '.join(args)}: exit {rc}\nstdout: {out}\nstderr: {err}")
    return out


class NoChain(http.server.BaseHTTPRequestHandler):
    """A stand-in node without a chain: every path is a JSON 404."""

    def do_GET(self):
        body = b'{"error":"not found","status":404}\n'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test(h):
    pa, pb, pc = free_port(), free_port(), free_port()
    print("setup: A, B dials A, C alone")
    a = h.start("A", "--listen", f"127.0.0.1:{pa}", "--base-path", h.base_path("a"))
    id_a = a.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    a.wait_ready()
    b = h.start("B", "--listen", f"127.0.0.1:{pb}", "--base-path", h.base_path("b"),
                "--peer", f"127.0.0.1:{pa}")
    b.wait_ready()
    c = h.start("C", "--listen", f"127.0.0.1:{pc}", "--base-path", h.base_path("c"))
    id_c = c.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    c.wait_ready()
    a.wait_for(r"peer connected conn=\d+ addr=127\.0\.0\.1:\d+ dir=inbound", "B's session")
    base = ["--http", a.http, "--base-path", h.base_path("a")]

    print("step 1: read-only commands")
    out = cli_ok(*base, "health")
    check(re.search(r"^status\s+ok$", out, re.M) and re.search(r"^peers\s+1$", out, re.M)
          and f"peer id  {id_a}" in out, "health: status ok, 1 peer, A's PeerId", out)
    doc = json.loads(cli_ok(*base, "--json", "health"))
    check(doc["status"] == "ok" and doc["peer_id"] == id_a, "health --json is /health's JSON")
    out = cli_ok(*base, "id")
    check(f"peer id  {id_a}" in out and f"listen   127.0.0.1:{pa}" in out, "id", out)
    check(json.loads(cli_ok(*base, "--json", "id")) == a.api("/p2p/id"), "id --json")
    wait_until(lambda: f"127.0.0.1:{pb}" in cli_ok(*base, "peers"), "B in A's peers", timeout=5)
    out = cli_ok(*base, "peers")
    check(re.match(r"1 known address\n  127\.0\.0\.1:\d+\n$", out), "peers: count and list", out)
    check(json.loads(cli_ok(*base, "--json", "peers"))["count"] == 1, "peers --json")
    out = cli_ok(*base, "connections")
    lines = out.splitlines()
    check(lines[0].split() == ["DIR", "ADDRESS", "PEER", "ID", "RTT", "HEIGHT", "UP", "IN", "OUT",
                               "USER", "AGENT"], "connections: header", out)
    check(re.match(r"in\s+127\.0\.0\.1:\d+\s+[0-9a-f]{16}\s+.*pqnetd/", lines[1])
          and lines[-1] == "1 session", "connections: B's row", out)
    doc = json.loads(cli_ok(*base, "--json", "connections"))
    check(doc["count"] == 1 and doc["connections"][0]["direction"] == "inbound",
          "connections --json")
    out = cli_ok(*base, "metrics")
    check("# TYPE pqnet_uptime_seconds gauge" in out and "pqnet_p2p_peers_connected{" in out,
          "metrics: Prometheus text")
    out = cli_ok(*base, "--json", "metrics")
    check(out.startswith("# HELP ") and "pqnet_uptime_seconds" in out,
          "metrics --json: the same Prometheus text")
    check(cli_ok(*base, "bans") == "no bans\n", "bans: none")
    check(json.loads(cli_ok(*base, "--json", "bans")) == {"bans": [], "count": 0}, "bans --json")
    out = cli_ok(*base, "head")
    check(re.search(r"^height\s+0$", out, re.M) and re.search(r"^hash\s+[0-9a-f]{64}$", out, re.M),
          "head: height 0 and the genesis hash", out)
    check(json.loads(cli_ok(*base, "--json", "head"))["height"] == 0, "head --json")

    print("step 2: connect C")
    out = cli_ok(*base, "connect", f"127.0.0.1:{pc}")
    check(f"dialing 127.0.0.1:{pc}\n" in out and f"connected to 127.0.0.1:{pc} peer_id={id_c}"
          in out, "connect: dialing, then connected with C's PeerId", out)
    check(any(x["peer_id"] == id_c for x in a.api("/p2p/connections")["connections"]),
          "A lists the session with C")
    rc, out, err = run_cli(*base, "connect", f"127.0.0.1:{pc}")
    check(rc == 1 and "409" in err and "already connected" in err,
          "connect again: exit 1, already connected", err)

    print("step 3: ban, bans, unban")
    out = cli_ok(*base, "ban", f"127.0.0.1", "2h", "--reason", "cli test")
    check(re.match(r"banned 127\.0\.0\.1 for 2h 0m \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): "
                   r"cli test\n$", out), "ban: what, how long, until, why", out)
    wait_until(lambda: a.api("/health")["peers"] == 0, "A dropping its 127.0.0.1 peers",
               timeout=5)
    out = cli_ok(*base, "bans")
    check(re.search(r"^127\.0\.0\.1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[12]h \d+m\s+cli test$",
                    out, re.M), "bans: the row", out)
    rc, out, err = run_cli(*base, "connect", f"127.0.0.1:{pc}")
    check(rc == 1 and "is banned" in err, "connect to a banned address: exit 1", err)
    check(cli_ok(*base, "unban", "127.0.0.1") == "lifted the ban on 127.0.0.1\n", "unban")
    rc, out, err = run_cli(*base, "unban", "127.0.0.1")
    check(rc == 1 and "no ban on 127.0.0.1" in err, "unban again: exit 1, no such ban", err)
    doc = json.loads(cli_ok(*base, "--json", "ban", "10.0.0.0/8", "90s"))
    check(doc["address"] == "10.0.0.0/8" and doc["duration_seconds"] == 90
          and doc["reason"] == "manual", "ban --json: the node's answer", json.dumps(doc))
    doc = json.loads(cli_ok(*base, "--json", "unban", "10.0.0.0/8"))
    check(doc == {"address": "10.0.0.0/8", "unbanned": True}, "unban --json")
    rc, out, err = run_cli(*base, "ban", "10.0.0.0/33")
    check(rc == 1 and "400" in err and "bad address" in err, "ban a bad prefix: the node's 400",
          err)

    print("step 4: the token")
    body = b'{"address":"192.0.2.1"}'
    for hdrs, what in (({}, "without a token"),
                       ({"Authorization": "Bearer " + "0" * 64}, "with a wrong token"),
                       ({"Authorization": "Bearer"}, "with an empty token")):
        status, rh, doc, raw = a.get("/p2p/ban", method="POST", body=body, headers=hdrs)
        check(status == 401 and doc["status"] == 401 and rh.get("www-authenticate"),
              f"POST /p2p/ban {what}: 401 JSON", f"{status} {raw!r}")
    status, _, doc, raw = a.get("/p2p/connect", method="POST",
                                body=b'{"address":"127.0.0.1:1"}')
    check(status == 401, "POST /p2p/connect without a token: 401", raw)
    status, _, _, raw = a.get("/p2p/ban?address=192.0.2.1", method="DELETE")
    check(status == 401, "DELETE /p2p/ban without a token: 401", raw)
    status, _, doc, raw = a.get("/p2p/ban?address=192.0.2.1", method="DELETE", body=body,
                                headers={"Authorization": "Bearer " + a.cookie()})
    check(status == 400 and "query string" in doc["error"], "DELETE with a body: 400", raw)
    check(a.api("/p2p/bans")["count"] == 0, "no ban was made")
    other = h.base_path("nocookie")
    os.makedirs(other)
    rc, out, err = run_cli("--http", a.http, "--base-path", other, "ban", "192.0.2.1")
    check(rc == 1 and f"no cookie at {other}/.cookie" in err, "no cookie: exit 1, says where", err)
    with open(os.path.join(other, ".cookie"), "w") as f:
        f.write("ab" * 32 + "\n")
    rc, out, err = run_cli("--http", a.http, "--base-path", other, "connect", "127.0.0.1:1")
    check(rc == 1 and "refused the token" in err and "401" in err, "stale cookie: exit 1", err)

    print("step 5: errors")
    port = free_port()
    rc, out, err = run_cli("--http", f"127.0.0.1:{port}", "health")
    want = (f"pqnet-cli: cannot connect to the node at 127.0.0.1:{port}: connection refused "
            "\u2014 is pqnetd running? (see --http)\n")
    check(rc == 1 and err == want, "node not running: exit 1 and the message", err)
    for args, what in (((), "no command"), (("frob",), "unknown command"),
                       (("connect",), "connect without an address"),
                       (("ban", "1.2.3.4", "forever"), "a bad duration"),
                       (("ban", "1.2.3.4", "0"), "a zero duration"),
                       (("health", "extra"), "too many arguments"),
                       (("--http", "nonsense", "health"), "a bad --http"),
                       (("--timeout", "0", "health"), "a bad --timeout"),
                       (("--frob", "health"), "an unknown option"),
                       (("--reason", "x", "health"), "--reason without ban")):
        rc, out, err = run_cli(*args)
        check(rc == 2 and err.startswith("pqnet-cli:") or (rc == 2 and "usage:" in err),
              f"{what}: exit 2", f"{rc} {err}")
    srv = http.server.HTTPServer(("127.0.0.1", 0), NoChain)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        rc, out, err = run_cli("--http", f"127.0.0.1:{srv.server_address[1]}", "head")
        check(rc == 1 and "this node has no chain" in err, "head without a chain: exit 1", err)
    finally:
        srv.shutdown()
        srv.server_close()

    print("step 6: a clean stop removes the cookie")
    check(a.stop() == 0, "A exits 0")
    check(not os.path.exists(os.path.join(h.base_path("a"), ".cookie")), "the cookie is gone")
    rc, out, err = run_cli(*base, "unban", "127.0.0.1")
    check(rc == 1 and "no cookie at" in err, "the CLI says there is no cookie", err)
    check(b.stop() == 0 and c.stop() == 0, "B and C exit 0")


if __name__ == "__main__":
    sys.exit(main(test))
