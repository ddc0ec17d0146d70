#!/usr/bin/env bash
# A local devnet: N pqnetd processes on loopback, each on its own /16
# (127.<FIRST+i-1>.0.1, so the group rule lets every node dial every other),
# HTTP on port 7070 and P2P on 7071 of its own address. Node 1 is the seed;
# the others know only its address (--seeds). See docs/OPERATIONS.md.
#
#   scripts/devnet.sh start [N]   start N nodes (default 3), show a live table of
#                                 peer counts (and chain heights) every second
#                                 until every node has min(N-1, 3) peers or 30 s
#                                 passed, then leave them running
#   scripts/devnet.sh status      the table once
#   scripts/devnet.sh stop        SIGTERM every node of the devnet (pid files), wait
#
# Environment: PQNETD, PQNET_CLI (default ./build/pqnetd, ./build/pqnet-cli),
# DEVNET_DIR (default ./devnet: node-<i>/ base paths, node-<i>.log, node-<i>.pid),
# DEVNET_FIRST (default 1: node i listens on 127.<DEVNET_FIRST+i-1>.0.1),
# DEVNET_PORT (default 7070: HTTP; P2P is DEVNET_PORT + 1), DEVNET_TIMEOUT
# (default 30 s), DEVNET_ARGS (extra pqnetd flags for every node), DEVNET_MINE=1
# (node 1 mines blocks).
set -euo pipefail

PQNETD=${PQNETD:-./build/pqnetd}
PQNET_CLI=${PQNET_CLI:-./build/pqnet-cli}
DIR=${DEVNET_DIR:-./devnet}
FIRST=${DEVNET_FIRST:-1}
PORT=${DEVNET_PORT:-7070}
TIMEOUT=${DEVNET_TIMEOUT:-30}
EXTRA=${DEVNET_ARGS:-}
MINE=${DEVNET_MINE:-0}

die() { echo "devnet: $*" >&2; exit 1; }

ip_of() { echo "127.$((FIRST + $1 - 1)).0.1"; }

# Every node i with a pid file, in order.
nodes() {
  local f
  for f in "$DIR"/node-*.pid; do
    [ -e "$f" ] || continue
    f=${f##*/node-}
    echo "${f%.pid}"
  done | sort -n
}

# The pid of node i if that process is alive and is a pqnetd, else nothing.
live_pid() {
  local f="$DIR/node-$1.pid" pid
  [ -r "$f" ] || return 0
  pid=$(cat "$f")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q pqnetd
  then
    echo "$pid"
  fi
}

# "peers height" of node i from its API ("-" when it does not answer).
probe() {
  local http peers height
  http="$(ip_of "$1"):$PORT"
  peers=$("$PQNET_CLI" --http "$http" --timeout 2 health 2>/dev/null | awk '$1 == "peers" {print $2}') || true
  height=$("$PQNET_CLI" --http "$http" --timeout 2 head 2>/dev/null | awk '$1 == "height" {print $2}') || true
  echo "${peers:--} ${height:--}"
}

# Print the table; returns 0 when every node has at least $1 peers.
table() {
  local want=$1 i all=0 p h pid state
  printf '%-5s %-18s %-8s %-6s %-7s %s\n' NODE HTTP PID PEERS HEIGHT STATE
  for i in $(nodes); do
    pid=$(live_pid "$i")
    read -r p h <<<"$(probe "$i")"
    if [ -z "$pid" ]; then state="stopped (see $DIR/node-$i.log)"; all=1
    elif [ "$p" = "-" ]; then state="not answering"; all=1
    elif [ "$p" -lt "$want" ]; then state="connecting"; all=1
    else state="ok"; fi
    printf '%-5s %-18s %-8s %-6s %-7s %s\n' "$i" "$(ip_of "$i"):$PORT" "${pid:--}" "$p" "$h" "$state"
  done
  return $all
}

start() {
  local n=$1 i args pid lines=0 t0 want
  if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 200 ]; then
    die "N must be 1..200 (got $n)"
  fi
  [ $((FIRST + n - 1)) -le 254 ] || die "DEVNET_FIRST + N - 1 must stay <= 254"
  [ -x "$PQNETD" ] || die "no pqnetd at $PQNETD (run make first, or set PQNETD)"
  [ -x "$PQNET_CLI" ] || die "no pqnet-cli at $PQNET_CLI (run make first, or set PQNET_CLI)"
  for i in $(nodes); do
    [ -z "$(live_pid "$i")" ] || die "node $i is still running (pid $(live_pid "$i")): make devnet-stop first"
  done
  mkdir -p "$DIR"
  rm -f "$DIR"/node-*.pid
  for ((i = 1; i <= n; i++)); do
    args=(--http-listen "$(ip_of "$i"):$PORT" --base-path "$DIR/node-$i"
          --log-file "$DIR/node-$i.log" --discovery-tick 2)
    [ "$i" -gt 1 ] && args+=(--seeds "$(ip_of 1):$((PORT + 1))")
    [ "$i" -eq 1 ] && [ "$MINE" = 1 ] && args+=(--mine)
    # shellcheck disable=SC2206
    [ -n "$EXTRA" ] && args+=($EXTRA)
    nohup "$PQNETD" "${args[@]}" </dev/null >>"$DIR/node-$i.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/node-$i.pid"
    if [ "$i" -eq 1 ]; then sleep 0.3; fi # the seed listens before the others ask it
  done
  want=$((n - 1 < 3 ? n - 1 : 3))
  STOP="make devnet-stop   (or scripts/devnet.sh stop)"
  [ "$DIR" = ./devnet ] || STOP="DEVNET_DIR=$DIR scripts/devnet.sh stop"
  echo "devnet: $n node(s) in $DIR; waiting until each has $want peer(s) (at most ${TIMEOUT} s)"
  t0=$SECONDS
  while :; do
    local out ok=1
    out=$(table "$want") && ok=0
    if [ -t 1 ] && [ "$lines" -gt 0 ]; then printf '\033[%dA\033[J' "$lines"; fi
    printf 't=%ds\n%s\n' $((SECONDS - t0)) "$out"
    lines=$(($(printf '%s\n' "$out" | wc -l) + 1))
    if [ "$ok" -eq 0 ]; then echo "devnet: converged"; break; fi
    if [ $((SECONDS - t0)) -ge "$TIMEOUT" ]; then
      echo "devnet: not converged after ${TIMEOUT} s (nodes keep running; logs in $DIR)"
      break
    fi
    sleep 1
  done
  cat <<EOF

Query a node:   $PQNET_CLI --http $(ip_of 1):$PORT peers
                $PQNET_CLI --http $(ip_of 1):$PORT connections
                $PQNET_CLI --http $(ip_of 1):$PORT --base-path $DIR/node-1 ban 127.250.0.0/16 1h
Status page:    http://$(ip_of 1):$PORT/
Logs:           $DIR/node-<i>.log
Stop them all:  $STOP
EOF
  [ "${ok:-1}" -eq 0 ]
}

stop() {
  local i pid left waited=0
  local -a pids=()
  for i in $(nodes); do
    pid=$(live_pid "$i")
    if [ -n "$pid" ]; then kill -TERM "$pid" && pids+=("$pid"); fi
  done
  while :; do
    left=0
    for pid in "${pids[@]+"${pids[@]}"}"; do kill -0 "$pid" 2>/dev/null && left=$((left + 1)); done
    [ "$left" -eq 0 ] && break
    if [ "$waited" -ge 100 ]; then die "$left node(s) still running after 10 s of SIGTERM"; fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$DIR"/node-*.pid
  echo "devnet: stopped ${#pids[@]} node(s)"
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  status) table 0 || true ;;
  *) echo "usage: $0 start [N] | status | stop" >&2; exit 2 ;;
esac
