#!/usr/bin/env python3
"""The peer store over real processes (issue: peer store on SQLite).

1. Restart from the store alone: B learns A and C, stops, and restarts with
   no --peer and no seeds: it reconnects to A and C from peers.sqlite ("Loaded
   N stored peers; trying K most recent").
2. Crash safety: B is killed with SIGKILL at random moments while it runs, many
   times; after each kill peers.sqlite passes PRAGMA integrity_check and holds
   every peer B logged as connected (the row is written before the line).
3. A second daemon on the same base path refuses to start and names the pid.
4. A corrupt peers.sqlite is moved aside with a clear line; the node starts.
"""

import glob
import ipaddress
import os
import random
import re
import sqlite3
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import check, free_port, main, wait_until  # noqa: E402

COMMON = ["--discovery-tick", "1", "--min-outbound", "2", "--connect-timeout", "2"]


def start(h, name, ip, base, *extra):
    port = free_port(ip)
    d = h.start(name, "--listen", f"{ip}:{port}", "--base-path", base, *COMMON, *extra)
    d.wait_ready()
    d.p2p = f"{ip}:{port}"
    return d


def peers_of(d):
    """PeerIds of d's open sessions (either direction)."""
    return {x["peer_id"] for x in d.api("/p2p/connections")["connections"]}


def pid(d):
    return d.api("/p2p/id")["peer_id"]


def stored_addresses(base):
    """(integrity_check result, {"ip:port", ...}) from the addrs table."""
    db = sqlite3.connect(f"file:{base}/peers.sqlite?mode=ro", uri=True)
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = db.execute("SELECT ip, port FROM addrs").fetchall()
    finally:
        db.close()
    return ok, {f"{ipaddress.ip_address(bytes(ip))}:{port}" for ip, port in rows}


def test(h):
    print("step 1: B learns A and C, then restarts from its store alone")
    a = start(h, "A", "127.61.0.1", h.base_path("a"))
    c = start(h, "C", "127.63.0.1", h.base_path("c"), "--peer", a.p2p)
    base_b = h.base_path("b")
    b = start(h, "B", "127.62.0.1", base_b, "--peer", a.p2p)
    ids = {pid(a), pid(c)}
    wait_until(lambda: ids <= peers_of(b), "B connected to A and C", timeout=20,
               detail=lambda: str(peers_of(b)))
    check(b.stop() == 0, "B stops cleanly (anchors and address book saved)")
    b2 = start(h, "B2", "127.62.0.1", base_b)  # no --peer, no seeds
    b2.wait_for(r"Loaded \d+ stored peers; trying \d+ most recent", "the store's load line")
    wait_until(lambda: ids <= peers_of(b2), "B reconnects to A and C from the store",
               timeout=20, detail=lambda: str(peers_of(b2)))
    check(True, "B reconnected to A and C with no --peer and no seeds")
    check(b2.stop() == 0, "B stops cleanly again")

    print("step 2: kill -9 at random moments; the database stays whole")
    rng = random.Random(20261121)
    kills = 0
    for i in range(8):
        d = h.start(f"K{i}", "--listen", b2.p2p, "--base-path", base_b, *COMMON)
        d.wait_ready()
        time.sleep(rng.uniform(0.05, 0.8))
        logged = set(re.findall(r"info p2p peer connected conn=\d+ addr=(\S+) dir=outbound",
                                d.log()))
        d.kill()
        d.wait_exit()
        kills += 1
        ok, stored = stored_addresses(base_b)
        check(ok == "ok", f"kill {i + 1}: integrity_check ok")
        missing = logged - stored
        check(not missing, f"kill {i + 1}: the {len(logged)} peers logged as connected are stored",
              str(missing))
    check(kills == 8, "8 kills survived")

    print("step 3: a second daemon on the same base path refuses")
    b3 = start(h, "B3", "127.62.0.1", base_b)
    other_port = free_port("127.64.0.1")
    status, out = h.run("--listen", f"127.64.0.1:{other_port}", "--base-path", base_b,
                        "--http-listen", "none", timeout=10)
    check(status != 0, "the second daemon exits non-zero")
    check(str(b3.proc.pid) in out, "its message names the running pid", out[-300:])
    check(b3.stop() == 0, "the first one still stops cleanly")

    print("step 4: a corrupt peers.sqlite is moved aside")
    for f in glob.glob(f"{base_b}/peers.sqlite*"):
        os.remove(f)
    with open(f"{base_b}/peers.sqlite", "wb") as f:
        f.write(b"this is not a database" * 100)
    b4 = start(h, "B4", "127.62.0.1", base_b)
    b4.wait_for(r"corrupt", "a line about the corrupt file")
    check(glob.glob(f"{base_b}/peers.sqlite.corrupt-*") != [], "the corrupt file was moved aside")
    check(b4.api("/health")["status"] == "ok", "the node runs")
    h.stop_all([b4, a, c])


if __name__ == "__main__":
    sys.exit(main(test))
