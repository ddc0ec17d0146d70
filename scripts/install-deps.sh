#!/usr/bin/env bash
# Install the Debian packages pqnet builds, tests and fuzzes with (DESIGN.md section 7).
# Idempotent: packages already present are left alone and apt is not touched at all
# when nothing is missing. Needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libssl-dev        # AES-256-GCM, X25519, HKDF, SHA-256, CSPRNG
  libevent-dev      # event loop, evdns, evhttp
  libsqlite3-dev    # peer store
  libjansson-dev    # JSON (HTTP API, test vectors)
  libcmocka-dev     # unit tests
  python3           # functional tests
  clang libclang-rt-14-dev  # libFuzzer, sanitizers
  valgrind          # constant-time test
  dnsmasq-base      # a real DNS server for seed tests
  prometheus        # promtool, metrics format check
  chromium fonts-dejavu-core  # headless browser for the status page test
  gnuplot-nox       # plots
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
