#!/usr/bin/env python3
"""Discovery from a DNS seed name served by a real DNS server (dnsmasq).

dnsmasq (in the foreground, on 127.0.0.1:<free UDP port>, nothing but its
addn-hosts file) gives seed.pqnet.test three A records: the three seeds
127.0.1.1, 127.0.2.1 and 127.0.3.1. Five more nodes live on 127.11.0.1 ..
127.15.0.1, each in its own devnet network group (/16), because a node dials at
most one outbound peer per group and the three seeds share 127.0/16. Every node,
seeds included, starts with only --seeds seed.pqnet.test:<P2P port> --dns-server
127.0.0.1:<port>, a 2 s discovery tick and --min-outbound 3. All nodes use the
same ports on their own IPs: HTTP P-1 (--http-listen) and P2P P (derived: HTTP
port + 1), which is how a DNS seed works: a name gives IPs, the port is known.

1. dnsmasq answers seed.pqnet.test with the three seed addresses.
2. Every node resolves the name (the log says "seed seed.pqnet.test gave 3
   addresses"), reaches >= 3 peers (GET /p2p/connections), and its address book
   (GET /p2p/peers) holds every other node's P2P address, within 3 discovery
   ticks plus start-up slack.
3. SIGTERM the three seeds: the five others stay connected (>= 2 peers each,
   and back to >= 3 within a few ticks) and their address books still list the
   other four.
"""

import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import Failure, check, main, wait_until  # noqa: E402

SEED_NAME = "seed.pqnet.test"
SEED_IPS = ["127.0.1.1", "127.0.2.1", "127.0.3.1"]
NODE_IPS = [f"127.{11 + i}.0.1" for i in range(5)]
TICK = 2  # seconds
START_SLACK = 8  # seconds for processes to start and handshakes to finish


def find_dnsmasq():
    for p in ("/usr/sbin/dnsmasq", shutil.which("dnsmasq") or ""):
        if p and os.access(p, os.X_OK):
            return p
    raise Failure("dnsmasq not found at /usr/sbin/dnsmasq: install the dnsmasq-base package "
                  "(scripts/install-deps.sh does)")


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def common_tcp_ports(ips, tries=50):
    """A port P such that P-1 and P are both free on every IP (HTTP, P2P)."""
    for _ in range(tries):
        p = random.randint(20000, 60000)
        socks = []
        try:
            for ip in ips:
                for port in (p - 1, p):
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    socks.append(s)
                    s.bind((ip, port))
            return p
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise Failure(f"no port pair free on all of {ips} after {tries} tries")


def dns_query_a(port, name, timeout=1.0):
    """Ask 127.0.0.1:port for name's A records; returns the IPs, or None on no answer."""
    qid = random.randint(0, 0xFFFF)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
    q += struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(q, ("127.0.0.1", port))
            data, _ = s.recvfrom(4096)
        except OSError:
            return None
    rid, flags, qd, an = struct.unpack(">HHHH", data[:8])
    if rid != qid or flags & 0x000F:
        return []
    off = 12
    for _ in range(qd):  # skip the question
        while data[off] != 0:
            off += 1 + data[off]
        off += 5
    ips = []
    for _ in range(an):
        if data[off] & 0xC0 == 0xC0:
            off += 2
        else:
            while data[off] != 0:
                off += 1 + data[off]
            off += 1
        rtype, _, _, rdlen = struct.unpack(">HHIH", data[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            ips.append(socket.inet_ntoa(data[off:off + 4]))
        off += rdlen
    return ips


class Dnsmasq:
    def __init__(self, workdir, port):
        self.log_path = os.path.join(workdir, "dnsmasq.log")
        hosts = os.path.join(workdir, "seed.hosts")
        with open(hosts, "w") as f:
            for ip in SEED_IPS:
                f.write(f"{ip} {SEED_NAME}\n")
        args = [find_dnsmasq(), "--keep-in-foreground", "--no-daemon", f"--port={port}",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                f"--addn-hosts={hosts}", "--local=/pqnet.test/", "--conf-file=/dev/null",
                "--pid-file=", "--log-facility=-", "--log-queries"]
        if os.geteuid() == 0:
            args.append("--user=root")  # do not switch to a user that may not exist
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._logf,
                                     stderr=subprocess.STDOUT)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._logf.close()


def test(h):
    dport = free_udp_port()
    dns = Dnsmasq(h.workdir, dport)
    try:
        body(h, dns, dport)
    finally:
        dns.kill()


def body(h, dns, dport):
    print(f"step 1: dnsmasq on 127.0.0.1:{dport} gives {SEED_NAME} three A records")
    deadline = time.monotonic() + 5
    answer = None
    while time.monotonic() < deadline:
        if dns.proc.poll() is not None:
            raise Failure(f"dnsmasq exited with {dns.proc.returncode} (cannot bind 127.0.0.1:"
                          f"{dport}?)\n--- dnsmasq log ---\n{dns.log()}--- end ---")
        answer = dns_query_a(dport, SEED_NAME, timeout=0.3)
        if answer:
            break
    if not answer:
        raise Failure(f"dnsmasq on 127.0.0.1:{dport} did not answer within 5 s\n"
                      f"--- dnsmasq log ---\n{dns.log()}--- end ---")
    check(sorted(answer) == sorted(SEED_IPS), f"{SEED_NAME} -> {sorted(answer)}")

    p2p = common_tcp_ports(SEED_IPS + NODE_IPS)
    addr = {ip: f"{ip}:{p2p}" for ip in SEED_IPS + NODE_IPS}
    names = {ip: f"seed{i + 1}" for i, ip in enumerate(SEED_IPS)}
    names.update({ip: f"node{i + 1}" for i, ip in enumerate(NODE_IPS)})

    def start(ip):
        return h.start(names[ip], "--http-listen", f"{ip}:{p2p - 1}",
                       "--base-path", h.base_path(names[ip]),
                       "--seeds", f"{SEED_NAME}:{p2p}", "--dns-server", f"127.0.0.1:{dport}",
                       "--discovery-tick", str(TICK), "--min-outbound", "3")

    print(f"step 2: 3 seeds and 5 nodes, all with only --seeds {SEED_NAME}:{p2p}")
    daemons = {}
    for ip in SEED_IPS:
        daemons[ip] = start(ip)
    for ip in SEED_IPS:
        check(daemons[ip].wait_ready() == addr[ip], f"{names[ip]} listens on {addr[ip]} "
              "(HTTP port + 1)")
    t0 = time.monotonic()
    for ip in NODE_IPS:
        daemons[ip] = start(ip)
    for ip in NODE_IPS:
        daemons[ip].wait_ready()
    for ip in SEED_IPS + NODE_IPS:
        daemons[ip].wait_for(rf"info p2p seed {SEED_NAME} gave 3 addresses", "seed resolution",
                             timeout=10)
    check(True, f"every node logged 'seed {SEED_NAME} gave 3 addresses'")
    queries = len(re.findall(rf"query\[A\] {re.escape(SEED_NAME)} from 127\.0\.0\.1",
                             dns.log(), re.IGNORECASE))
    check(queries >= 8, f"dnsmasq logged {queries} A queries for {SEED_NAME} (>= 1 per node)")

    def state(ips):
        def f():
            lines = []
            for ip in ips:
                d = daemons[ip]
                try:
                    c = d.api("/p2p/connections")
                    p = set(d.api("/p2p/peers")["peers"])
                    missing = sorted(addr[o] for o in ips if o != ip and addr[o] not in p)
                    lines.append(f"{d.name}: {c['count']} peers "
                                 f"({', '.join(x['address'] for x in c['connections'])}); "
                                 f"book misses {missing}")
                except Failure as e:
                    lines.append(f"{d.name}: {e}")
            return "\n".join(lines)
        return f

    def converged(ips, min_peers):
        for ip in ips:
            d = daemons[ip]
            if d.api("/p2p/connections")["count"] < min_peers:
                return False
            book = set(d.api("/p2p/peers")["peers"])
            if any(addr[o] not in book for o in ips if o != ip):
                return False
        return True

    everyone = SEED_IPS + NODE_IPS
    bound = 3 * TICK + START_SLACK
    wait_until(lambda: converged(everyone, 3),
               "convergence (>= 3 peers each, every address known everywhere)",
               timeout=bound, interval=0.25, detail=state(everyone))
    dt = time.monotonic() - t0
    check(True, f"all 8 nodes have >= 3 peers and know all 7 others {dt:.1f} s after the "
          f"5 nodes were started (bound: 3 ticks of {TICK} s + {START_SLACK} s)")
    for ip in everyone:
        print(f"    {daemons[ip].name}: {daemons[ip].api('/p2p/connections')['count']} peers")

    print("step 3: stop the three seeds; the others stay connected and keep their books")
    statuses = h.stop_all([daemons[ip] for ip in SEED_IPS])
    check(statuses == [0, 0, 0], "the three seeds exit 0 after SIGTERM", str(statuses))
    time.sleep(1.0)  # every node sees its seed sessions end
    wait_until(lambda: converged(NODE_IPS, 2), ">= 2 peers on each of the 5 nodes",
               timeout=2 * TICK + 2, interval=0.25, detail=state(NODE_IPS))
    check(True, "each of the 5 nodes still has >= 2 peers")
    wait_until(lambda: converged(NODE_IPS, 3), ">= 3 peers on each of the 5 nodes again",
               timeout=3 * TICK + 4, interval=0.25, detail=state(NODE_IPS))
    check(True, "each of the 5 nodes is back to >= 3 peers, and still lists the other 4")
    for ip in NODE_IPS:
        print(f"    {daemons[ip].name}: {daemons[ip].api('/p2p/connections')['count']} peers")
    statuses = h.stop_all([daemons[ip] for ip in NODE_IPS])
    check(statuses == [0] * 5, "the five nodes exit 0 after SIGTERM", str(statuses))


if __name__ == "__main__":
    sys.exit(main(test))
