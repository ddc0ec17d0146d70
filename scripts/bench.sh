#!/usr/bin/env bash
# Run every benchmark binary in a build folder, with a header naming the
# machine and date so the figures can be copied into docs/BENCHMARKS.md.
set -euo pipefail
build=${1:-build}
echo "# pqnet benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# $(uname -srm); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# git $(git rev-parse --short HEAD 2>/dev/null || echo unknown); command: make bench"
status=0
for b in "$build"/bench_*; do
  [ -x "$b" ] || continue
  echo
  "$b" || status=1
done
echo
bash "$(dirname "$0")/bench-baselines.sh" || status=1
exit $status
