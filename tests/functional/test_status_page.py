#!/usr/bin/env python3
"""The status page (GET /) in headless Chromium against a 3-node devnet.

S (the seed) on 127.a.0.1, N1 and N2 on their own /16s with --seeds S; each
ends with two peers. Then Chromium loads S's page, runs its JavaScript (the
JSON endpoints every 2 s) for 5 s of virtual time and:

1. --dump-dom: the peer rows hold both peers' addresses, their direction and
   user agent; S's PeerId and P2P address are in the header; the known-address
   and chain-height cards are filled (the chain card is shown because
   /chain/head exists); no "Cannot reach the node" banner.
2. --screenshot: <build>/status-page.png, a PNG of the window size.

Chromium is Debian's `chromium` package (scripts/install-deps.sh). Without it
the test fails and says so, unless PQNET_SKIP_BROWSER=1 (for developers
without a browser), when it passes with a SKIP line.
"""

import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
from pqnetd_harness import HEX64, Failure, build_dir, check, main, wait_until  # noqa: E402

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser():
    for b in BROWSERS:
        path = shutil.which(b)
        if path:
            return path
    return None


def browser_run(browser, url, *extra, timeout=90):
    with tempfile.TemporaryDirectory(prefix="pqnet-chromium-") as profile:
        args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                "--window-size=1200,900", "--virtual-time-budget=5000", *extra, url]
        try:
            p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"chromium did not finish within {timeout} s: {' '.join(args)}")
    if p.returncode != 0:
        raise Failure(f"chromium exited {p.returncode}: {p.stderr.decode('utf-8', 'replace')}")
    return p.stdout.decode("utf-8", "replace")


def test(h):
    browser = find_browser()
    if not browser:
        if os.environ.get("PQNET_SKIP_BROWSER") == "1":
            print("SKIP: no chromium, and PQNET_SKIP_BROWSER=1")
            return
        raise Failure("no chromium found (looked for " + ", ".join(BROWSERS) + "): install "
                      "Debian's chromium package (bash scripts/install-deps.sh), or set "
                      "PQNET_SKIP_BROWSER=1 to skip this test on a machine without a browser")

    # Three /16s of 127/8 nobody else in this run is likely to use.
    first = random.randrange(100, 157)  # test_devnet.py uses 170..250
    ips = {n: f"127.{first + i}.0.1" for i, n in enumerate(("S", "N1", "N2"))}
    print(f"setup: S on {ips['S']}, N1 on {ips['N1']}, N2 on {ips['N2']} (seeds: S)")
    d = {}
    for n, ip in ips.items():
        args = ["--http-listen", f"{ip}:7070", "--base-path", h.base_path(n),
                "--discovery-tick", "2"]
        if n != "S":
            args += ["--seeds", ips["S"]]
        d[n] = h.start(n, *args)
        d[n].wait_ready()
    for n in d:
        wait_until(lambda: d[n].api("/health")["peers"] == 2, f"two peers on {n}", timeout=20,
                   detail=lambda: d[n].log())
    check(True, "every node has two peers")
    id_s = d["S"].api("/p2p/id")["peer_id"]
    url = f"http://{ips['S']}:7070/"

    print("step 1: the DOM after 5 s of virtual time")
    dom = browser_run(browser, url, "--dump-dom")
    body = re.search(r'<tbody id="peers">(.*?)</tbody>', dom, re.S)
    check(body is not None, "the peers table is in the DOM", dom[:2000])
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    check(len(rows) == 2, f"two peer rows (got {len(rows)})", body.group(1))
    for n in ("N1", "N2"):
        row = [r for r in rows if f"{ips[n]}:" in r]
        check(len(row) == 1 and ">inbound<" in row[0] and "pqnetd/" in row[0],
              f"{n}'s row: {ips[n]}:<port>, inbound, its user agent", body.group(1))
    check(f'id="peer-id">{id_s}<' in dom, "S's PeerId in the header")
    check(f"P2P {ips['S']}:7071" in dom, "S's P2P address in the header")
    check(re.search(r'id="m-peers">2<', dom), "the peers card says 2")
    check(re.search(r'id="m-known">\d+<', dom), "the known-addresses card is filled")
    chain = re.search(r'<div class="card" id="chain-card"( hidden(="")?)?>', dom)
    check(chain and not chain.group(1) and re.search(r'id="m-height">0<', dom),
          "the chain-height card is shown, height 0")
    err = re.search(r'<div id="err"[^>]*>(.*?)</div>', dom, re.S)
    check('class="dot ok"' in dom and err and err.group(1) == "",
          "the status dot is green, the error banner empty", err.group(0) if err else dom[:500])

    print("step 2: a screenshot")
    shot = os.path.join(build_dir(), "status-page.png")
    if os.path.exists(shot):
        os.unlink(shot)
    browser_run(browser, url, f"--screenshot={shot}")
    with open(shot, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{shot} is a PNG")
    w, hh = struct.unpack(">II", head[16:24])
    check((w, hh) == (1200, 900), f"1200x900 (got {w}x{hh}), {os.path.getsize(shot)} bytes")
    check(all(x.stop() == 0 for x in d.values()), "every node exits 0")


if __name__ == "__main__":
    sys.exit(main(test))
