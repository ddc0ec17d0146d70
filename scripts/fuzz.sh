#!/usr/bin/env bash
# Run each libFuzzer target in a build folder for a few seconds, starting from
# its seed corpus (copied to a scratch folder so the tree's corpus stays small).
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for t in "$build"/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  mkdir -p "$work/$name"
  cp -r "$root/tests/fuzz/corpus/$name/." "$work/$name/" 2>/dev/null || true
  echo "== $name (${seconds}s)"
  if ! "$t" -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="$work/$name-" "$work/$name" 2>"$work/$name.log"; then
    echo "FAIL $name:"; tail -40 "$work/$name.log"; status=1
    mkdir -p "$root/out" && cp "$work/$name"-* "$root/out/" 2>/dev/null || true
  else
    grep -E 'stat::number_of_executed_units|stat::new_units_added' "$work/$name.log" | tr '\n' ' '
    echo
  fi
done
exit $status
