#!/usr/bin/env python3
"""The HTTP API (src/io/http.h) on running nodes.

A listens on 127.0.0.1; B dials A. Then, on A's API (and B's where it adds to
the check):

1. GET /health: 200, {"status":"ok","peers":1,"uptime_seconds":N,"peer_id":A's id}.
2. GET /p2p/id: A's PeerId and its P2P address.
3. GET /p2p/connections on both sides: one session each, every field of the
   contract with the right value (peer_id, address, direction, since, rtt_ms,
   bytes_in, bytes_out, user_agent, best_height, listen_port).
4. GET /p2p/peers: "host:port" strings, count = len(peers), the other node listed.
5. Errors: unknown path 404, wrong method 405 (Allow: GET, HEAD), all as JSON;
   HEAD answers without a body; a query string is ignored.
6. Requests evhttp refuses itself: a malformed request line (400), an unknown
   method (501), a body over the 4 KiB cap (413), headers over 8 KiB (400). The
   node keeps answering afterwards.
7. Connection cap: 32 idle connections fill the server; a 33rd client waits;
   closing some lets it in.
8. --http-listen none: no HTTP server; a taken HTTP address: exit 1 naming it;
   without --listen the P2P port is the HTTP port + 1; bad --http-listen: exit 2.
"""

import json
import re
import socket
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import HEX64, check, free_port, main, wait_until  # noqa: E402

JSON_TYPE = "application/json"


def raw_request(hostport, data, timeout=5.0):
    """Send raw bytes, read until the server closes; returns (status, whole reply)."""
    host, port = hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        out = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                out += d
        except (ConnectionResetError, socket.timeout):
            pass
    text = out.decode("latin-1")
    m = re.match(r"HTTP/1\.[01] (\d{3}) ", text)
    return (int(m.group(1)) if m else None), text


def test(h):
    pa, pb = free_port(), free_port()
    print("setup: A listens, B dials A")
    a = h.start("A", "--listen", f"127.0.0.1:{pa}", "--base-path", h.base_path("a"),
                "--ping-interval", "1")
    id_a = a.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    a.wait_ready()
    b = h.start("B", "--listen", f"127.0.0.1:{pb}", "--base-path", h.base_path("b"),
                "--peer", f"127.0.0.1:{pa}", "--ping-interval", "1")
    id_b = b.wait_for(rf"identity created peer_id=({HEX64})", "identity line").group(1)
    b.wait_ready()
    b.wait_for(rf"peer connected conn=\d+ addr=127\.0\.0\.1:{pa} dir=outbound", "session")
    a.wait_for(r"peer connected conn=\d+ addr=127\.0\.0\.1:\d+ dir=inbound", "session")

    print("step 1: GET /health")
    status, hdrs, doc, raw = a.get("/health")
    check(status == 200, "/health answers 200", f"{status} {raw!r}")
    check(hdrs.get("content-type") == JSON_TYPE, "Content-Type: application/json",
          str(hdrs))
    check(set(doc) == {"status", "peers", "uptime_seconds", "peer_id"},
          "/health has exactly status, peers, uptime_seconds, peer_id", raw)
    check(doc["status"] == "ok" and doc["peers"] == 1 and doc["peer_id"] == id_a,
          f"/health: status ok, 1 peer, peer_id {id_a[:16]}...", raw)
    check(isinstance(doc["uptime_seconds"], int) and 0 <= doc["uptime_seconds"] < 60,
          f"uptime_seconds = {doc['uptime_seconds']}")

    print("step 2: GET /p2p/id")
    doc = a.api("/p2p/id")
    check(doc == {"peer_id": id_a, "listen": f"127.0.0.1:{pa}"},
          f"/p2p/id = {{peer_id: A, listen: 127.0.0.1:{pa}}}", json.dumps(doc))

    print("step 3: GET /p2p/connections on both sides")
    time.sleep(1.5)  # a Ping/Pong round (--ping-interval 1) measures the RTT
    now = time.time()
    fields = {"peer_id", "address", "direction", "since", "rtt_ms", "bytes_in", "bytes_out",
              "user_agent", "best_height", "listen_port"}
    ca, cb = a.api("/p2p/connections"), b.api("/p2p/connections")
    check(ca["count"] == 1 and len(ca["connections"]) == 1, "A: count 1", json.dumps(ca))
    check(cb["count"] == 1 and len(cb["connections"]) == 1, "B: count 1", json.dumps(cb))
    x, y = ca["connections"][0], cb["connections"][0]
    check(set(x) == fields and set(y) == fields, "every contract field, no other", str(set(x)))
    check(x["peer_id"] == id_b and y["peer_id"] == id_a, "each side names the other's PeerId")
    check(x["direction"] == "inbound" and y["direction"] == "outbound", "directions")
    check(re.fullmatch(r"127\.0\.0\.1:\d+", x["address"]) is not None, f"A sees {x['address']}")
    check(y["address"] == f"127.0.0.1:{pa}", f"B's peer address is 127.0.0.1:{pa}")
    check(x["listen_port"] == pb and y["listen_port"] == pa, "listen_port from the handshake")
    for c in (x, y):
        check(now - 60 < c["since"] <= now + 1, f"since {c['since']} is a recent Unix time")
        check(isinstance(c["rtt_ms"], int) and 0 <= c["rtt_ms"] < 1000, f"rtt_ms {c['rtt_ms']}")
        check(c["bytes_in"] > 0 and c["bytes_out"] > 0,
              f"bytes_in {c['bytes_in']}, bytes_out {c['bytes_out']}")
        check(c["user_agent"].startswith("pqnetd/"), f"user_agent {c['user_agent']!r}")
        check(c["best_height"] == 0, "best_height 0")

    print("step 4: GET /p2p/peers")
    pat = re.compile(r"(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}")
    for d, other in ((a, f"127.0.0.1:{pb}"), (b, f"127.0.0.1:{pa}")):
        wait_until(lambda: other in d.api("/p2p/peers")["peers"], f"{other} in {d.name}'s book",
                   timeout=5, detail=lambda: json.dumps(d.api("/p2p/peers")))
        doc = d.api("/p2p/peers")
        check(set(doc) == {"peers", "count"} and doc["count"] == len(doc["peers"]),
              f"{d.name}: {{peers, count}} with count = {doc['count']}")
        check(all(pat.fullmatch(p) for p in doc["peers"]), f"{d.name}: every entry is host:port",
              json.dumps(doc))
        check(True, f"{d.name}'s book lists {other}")

    print("step 5: 404, 405, HEAD, query strings")
    for method, path, want in (("GET", "/nope", 404), ("GET", "/index.html", 404),
                               ("GET", "/p2p/peers/", 404), ("POST", "/health", 405),
                               ("DELETE", "/p2p/peers", 405), ("PUT", "/p2p/id", 405)):
        status, hdrs, doc, raw = a.get(path, method=method, body=b"" if method != "GET" else None)
        check(status == want and hdrs.get("content-type") == JSON_TYPE and doc is not None
              and doc.get("status") == want and isinstance(doc.get("error"), str),
              f"{method} {path}: {want} with a JSON error", f"{status} {hdrs} {raw!r}")
        if want == 405:
            check(hdrs.get("allow") == "GET, HEAD", "  Allow: GET, HEAD", str(hdrs))
    status, hdrs, doc, raw = a.get("/health", method="HEAD")
    check(status == 200 and raw == "", "HEAD /health: 200, no body", f"{status} {raw!r}")
    status, _, doc, _ = a.get("/health?verbose=1")
    check(status == 200 and doc["status"] == "ok", "GET /health?verbose=1: 200")

    print("step 6: requests evhttp refuses")
    status, _ = raw_request(a.http, b"GARBAGE\r\n\r\n")
    check(status == 400, "a malformed request line: 400", str(status))
    status, _ = raw_request(a.http, b"BREW /health HTTP/1.1\r\nHost: x\r\n\r\n")
    check(status == 501, "an unknown method: 501", str(status))
    big = b"x" * 100000
    status, _ = raw_request(a.http, b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: "
                            + str(len(big)).encode() + b"\r\n\r\n" + big)
    check(status == 413, "a 100 kB body: 413", str(status))
    status, _ = raw_request(a.http, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
                            + b"a" * 20000 + b"\r\n\r\n")
    check(status == 400, "20 kB of headers: 400", str(status))
    status, _, doc, _ = a.get("/health")
    check(status == 200 and doc["peers"] == 1, "A still answers, still 1 peer")

    print("step 7: connection cap (32)")
    host, port = a.http.rsplit(":", 1)
    idle = []
    try:
        for _ in range(32):
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        a.wait_for(r"warn http connection limit reached connections=32", "limit line")
        check(True, "32 idle connections: 'http connection limit reached'")
        try:
            status = a.get("/health", timeout=1.0)[0]
        except OSError:
            status = None
        check(status is None, "a 33rd client is not served while 32 are open", str(status))
        for s in idle[:4]:
            s.close()
        status = a.get("/health", timeout=5.0)[0]
        check(status == 200, "after 4 close, a new client is served", str(status))
    finally:
        for s in idle:
            s.close()
    check(a.stop() == 0 and b.stop() == 0, "A and B exit 0")

    print("step 8: --http-listen none, a taken HTTP address, the derived P2P port")
    pc = free_port()
    c = h.start("C", "--listen", f"127.0.0.1:{pc}", "--base-path", h.base_path("c"),
                "--http-listen", "none")
    c.wait_ready()
    check("http listening" not in c.log(), "--http-listen none: no HTTP server")
    check(c.stop() == 0, "C exits 0")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        taken = s.getsockname()[1]
        status, out = h.run("--listen", f"127.0.0.1:{free_port()}", "--base-path",
                            h.base_path("d"), "--http-listen", f"127.0.0.1:{taken}")
    check(status == 1 and f"cannot listen for HTTP addr=127.0.0.1:{taken}" in out
          and "Address already in use" in out, "a taken HTTP address: exit 1 with the reason",
          f"status {status}: {out}")
    for _ in range(20):  # an HTTP port whose successor is free too
        hp = free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", hp + 1))
            break
        except OSError:
            continue
    e = h.start("E", "--base-path", h.base_path("e"), "--http-listen", f"127.0.0.1:{hp}")
    check(e.wait_ready() == f"127.0.0.1:{hp + 1}", f"no --listen: P2P on 127.0.0.1:{hp + 1}")
    check(e.api("/p2p/id")["listen"] == f"127.0.0.1:{hp + 1}", "/p2p/id reports it")
    check(e.stop() == 0, "E exits 0")
    for bad in ("127.0.0.1", "127.0.0.1:0", "nothing:here:1"):
        status, out = h.run("--http-listen", bad, "--base-path", h.base_path("unused"))
        check(status == 2 and "--http-listen" in out, f"--http-listen {bad}: exit 2 naming it",
              f"{status}: {out}")


if __name__ == "__main__":
    sys.exit(main(test))
