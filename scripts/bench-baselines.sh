#!/usr/bin/env bash
# Reference figures measured on this machine, for the ratios in docs/BENCHMARKS.md:
# - TLS 1.3 handshakes per second with `openssl s_time` against a local s_server
#   (classical X25519 + ECDSA P-256), new session each time;
# - AES-256-GCM throughput from `openssl speed` at 16 KiB.
# Loopback only; every process started here is stopped before exit.
set -euo pipefail
secs=${BENCH_SECONDS:-5}
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "== Baselines (OpenSSL $(openssl version | cut -d' ' -f2))"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=localhost -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -tls1_3 -accept "127.0.0.1:$port" -cert "$work/cert.pem" \
  -key "$work/key.pem" -naccept 1000000 >/dev/null 2>&1 </dev/null &
server=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
out=$(openssl s_time -connect "127.0.0.1:$port" -new -time "$secs" 2>/dev/null)
user=$(echo "$out" | awk '/connections\/user sec/ {print $5}')
real=$(echo "$out" | awk '/real seconds/ {printf "%.0f", $1 / $4}')
echo "openssl s_time TLS 1.3 new sessions: ${real} handshakes/s (wall clock, client and server on 2 cores), ${user} per client CPU-second"
openssl speed -seconds "$secs" -bytes 16384 -evp aes-256-gcm 2>/dev/null |
  awk 'tolower($1) == "aes-256-gcm" {v = $2; sub(/k$/, "", v); printf "openssl speed -evp aes-256-gcm, 16 KiB blocks: %.0f MB/s\n", v / 1000}'
