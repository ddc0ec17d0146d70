#!/usr/bin/env python3
"""pqnetd refuses to start on an unsafe or damaged identity file, or bad flags.

1. First start creates <base>/identity.key, mode 0600, base dir mode 0700.
2. chmod 644 identity.key: refused (non-zero), the message names the file and
   "chmod 600".
3. Truncated, wrong magic, flipped checksum bit: refused as "corrupt".
4. A symlink in place of identity.key: refused.
5. Bad flags and values: exit 2, the flag named.
6. --help and --version exit 0; a listen address in use: exit 1.
"""

import os
import shutil
import socket
import stat
import sys

sys.dont_write_bytecode = True
from pqnetd_harness import HEX64, check, free_port, main  # noqa: E402


def refused(h, base, expect, what):
    status, out = h.run("--listen", f"127.0.0.1:{free_port()}", "--base-path", base)
    check(status != 0, f"{what}: pqnetd refuses to start", f"status {status}\n{out}")
    for s in expect:
        check(s in out, f"{what}: the message contains {s!r}", out)
    check("listening" not in out, f"{what}: nothing was listening", out)
    return out


def test(h):
    base = h.base_path("node")
    key = os.path.join(base, "identity.key")

    print("step 1: first start creates the identity")
    d = h.start("A", "--listen", f"127.0.0.1:{free_port()}", "--base-path", base)
    d.wait_for(rf"identity created peer_id={HEX64} path=", "'identity created' line")
    d.wait_for(r"listening addr=", "listening line")
    check(d.stop() == 0, "exits 0 after SIGTERM")
    check(stat.S_IMODE(os.stat(key).st_mode) == 0o600, "identity.key has mode 0600")
    check(stat.S_IMODE(os.stat(base).st_mode) == 0o700, "the base path has mode 0700")
    check(os.path.getsize(key) == 44, "identity.key is 44 bytes")
    # The base path holds the identity and the node's databases, never a
    # leftover temporary identity file.
    leftovers = [f for f in os.listdir(base) if f.startswith("identity") and f != "identity.key"]
    check(leftovers == [], "no temporary file left behind", str(leftovers))
    with open(key, "rb") as f:
        good = f.read()

    print("step 2: group/other-readable identity.key is refused")
    os.chmod(key, 0o644)
    refused(h, base, [key, "mode 0644", f"chmod 600 {key}"], "mode 0644")
    os.chmod(key, 0o640)
    refused(h, base, [key, "chmod 600"], "mode 0640")
    os.chmod(key, 0o600)

    print("step 3: corrupt identity.key is refused")
    for what, data in [
        ("truncated to 20 bytes", good[:20]),
        ("empty", b""),
        ("wrong magic", b"XXXXXXXX" + good[8:]),
        ("flipped checksum bit", good[:43] + bytes([good[43] ^ 1])),
        ("flipped seed bit", good[:8] + bytes([good[8] ^ 0x80]) + good[9:]),
        ("trailing garbage", good + b"\n"),
    ]:
        with open(key, "wb") as f:
            f.write(data)
        refused(h, base, [key, "corrupt"], what)
    check(open(key, "rb").read() == good + b"\n", "a refused file is left untouched")

    print("step 4: a symlink in place of identity.key is refused")
    real = os.path.join(h.workdir, "elsewhere.key")
    with open(real, "wb") as f:
        f.write(good)
    os.chmod(real, 0o600)
    os.remove(key)
    os.symlink(real, key)
    refused(h, base, [key, "not a regular file"], "symlink")
    os.remove(key)

    print("step 5: a base path that is a file is refused")
    notdir = os.path.join(h.workdir, "plainfile")
    with open(notdir, "w") as f:
        f.write("x")
    refused(h, notdir, ["not a directory"], "base path is a file")

    print("step 6: bad flags exit 2 and name the flag")
    for args, flag in [
        (["--bogus"], "--bogus"),
        (["--listen"], "--listen"),
        (["--listen", "nope"], "--listen"),
        (["--listen", "127.0.0.1:70000"], "--listen"),
        (["--peer", "[::1"], "--peer"),
        (["--network", "foonet"], "--network"),
        (["--genesis", "abcd"], "--genesis"),
        (["--genesis", "zz" * 32], "--genesis"),
        (["--ping-interval", "0"], "--ping-interval"),
        (["--pong-timeout", "x"], "--pong-timeout"),
        (["--connect-timeout", "-1"], "--connect-timeout"),
        (["--log-level", "loud"], "--log-level"),
        (["--seeds", ""], "--seeds"),
        (["--seeds", "a.example,,b.example"], "--seeds"),
        (["--seeds", "::1"], "--seeds"),
        (["--seeds", "seed.example:0"], "--seeds"),
        (["--seeds", ",".join(f"s{i}.example" for i in range(17))], "--seeds"),
        (["--dns-server", "dns.example:53"], "--dns-server"),
        (["--dns-server", "127.0.0.1:99999"], "--dns-server"),
        (["--min-outbound", "0"], "--min-outbound"),
        (["--max-outbound", "many"], "--max-outbound"),
        (["--max-inbound", "10001"], "--max-inbound"),
        (["--min-outbound", "9", "--max-outbound", "8"], "--min-outbound"),
        (["--discovery-tick", "0"], "--discovery-tick"),
        (["--allow-private-addresses=yes"], "--allow-private-addresses"),
        (["--http-listen", "localhost"], "--http-listen"),
        (["--help=yes"], "--help"),
        (["stray"], "stray"),
    ]:
        status, out = h.run(*args, "--base-path", h.base_path("unused"))
        check(status == 2 and flag in out, f"{' '.join(args)}: exit 2 naming {flag}",
              f"status {status}: {out}")
    check(not os.path.exists(h.base_path("unused")), "bad flags create nothing")

    print("step 7: --help, --version, listen address in use")
    status, out = h.run("--help")
    check(status == 0 and "--peer HOST:PORT" in out, "--help exits 0 and lists the flags")
    status, out = h.run("--version")
    check(status == 0 and out.startswith("pqnetd "), "--version exits 0", out)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        status, out = h.run("--listen", f"127.0.0.1:{port}", "--base-path", base)
    check(status == 1 and "cannot listen" in out and "Address already in use" in out,
          "a listen address in use: exit 1 with the reason", f"status {status}: {out}")
    shutil.rmtree(base)


if __name__ == "__main__":
    sys.exit(main(test))
