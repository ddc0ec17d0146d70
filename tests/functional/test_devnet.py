#!/usr/bin/env python3
"""scripts/devnet.sh (make devnet / make devnet-stop) with four nodes.

1. start 4: every node on its own 127.x.0.1, node 1 the seed; the script
   prints its table until every node has 3 peers, says "converged", exits 0 and
   leaves the nodes running (one pid file each), printing the pqnet-cli
   commands to query them and how to stop them.
2. A second start while they run is refused.
3. status prints the table; each node answers its API.
4. stop: SIGTERM to every node, all exit, the pid files are gone; their logs
   end with "stopped".
Whatever happens, every pid the script wrote is killed at the end.
"""

import os
import random
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
from pqnetd_harness import Failure, check, cli_path, main, pqnetd_path  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                      "devnet.sh")


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test(h):
    first = random.randrange(170, 247)  # test_status_page.py uses 100..159
    d = os.path.join(h.workdir, "devnet")
    env = dict(os.environ, PQNETD=pqnetd_path(), PQNET_CLI=cli_path(), DEVNET_DIR=d,
               DEVNET_FIRST=str(first))

    def run(*args, timeout=60):
        try:
            p = subprocess.run(["bash", SCRIPT, *args], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"devnet.sh {' '.join(args)} did not finish within {timeout} s")
        return p.returncode, p.stdout.decode("utf-8", "replace")

    pids = []
    try:
        print(f"step 1: start 4 on 127.{first}.0.1 ...")
        t0 = time.monotonic()
        rc, out = run("start", "4")
        print(out)
        for i in range(1, 5):
            with open(os.path.join(d, f"node-{i}.pid")) as f:
                pids.append(int(f.read()))
        check(rc == 0 and "devnet: converged" in out,
              f"converged, exit 0, in {time.monotonic() - t0:.1f} s", out)
        for i in range(1, 5):
            check(re.search(rf"^{i}\s+127\.{first + i - 1}\.0\.1:7070\s+\d+\s+3\s+0\s+ok$", out,
                            re.M), f"node {i}: 3 peers, height 0, ok")
        check(all(alive(p) for p in pids), "the four nodes keep running")
        check(f"--http 127.{first}.0.1:7070 peers" in out and "scripts/devnet.sh stop" in out,
              "it prints how to query and how to stop")

        print("step 2: a second start is refused")
        rc, out = run("start", "2")
        check(rc == 1 and "still running" in out, "exit 1: still running", out)

        print("step 3: status")
        rc, out = run("status")
        check(rc == 0 and len(re.findall(r"^\d\s+127\.\d+\.0\.1:7070\s+\d+\s+3\s", out, re.M))
              == 4, "status: four rows with 3 peers", out)

        print("step 4: stop")
        rc, out = run("stop")
        check(rc == 0 and "stopped 4 node(s)" in out, "stop: 4 nodes", out)
        check(not any(alive(p) for p in pids), "every node exited")
        check(not [f for f in os.listdir(d) if f.endswith(".pid")], "no pid file left")
        for i in range(1, 5):
            with open(os.path.join(d, f"node-{i}.log")) as f:
                log = f.read()
            check(log.rstrip().endswith("info daemon stopped"), f"node {i}'s log ends 'stopped'")
    finally:
        for p in pids:
            if alive(p):
                os.kill(p, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main(test))
