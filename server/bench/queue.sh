#!/usr/bin/env bash
# Queue benchmark: a fresh demo store, the release server, then server/examples/queue_load.rs:
# 8 clients issuing numbers as fast as they are answered (for 30 s, or until the day's 20,774
# numbers of 26 services are used up) while 50 display boards follow the live state and a counter
# calls 4 numbers a second; then the board's page loaded 50 times.
# Usage: server/bench/queue.sh [BOARDS] [ISSUERS] [RATE]   (RATE tickets a second, 0: flat out)
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
cargo build --release -p motcua-server --bin motcua-server --example queue_load
BIN="$CARGO_TARGET_DIR/release/motcua-server"
N=2000
PORT=18182
USERS="qt.trungtam tiepnhan1 cv.tuphap"
. ./lib.sh
DATA="$WORK/data"
start_store
MOTCUA_ADMIN_TOKEN="$(token_for qt.trungtam)" \
MOTCUA_DESK_TOKEN="$(token_for tiepnhan1)" \
MOTCUA_OFFICER_TOKEN="$(token_for cv.tuphap)" \
  "$CARGO_TARGET_DIR/release/examples/queue_load" --base "http://127.0.0.1:$PORT" \
    --boards "${1:-50}" --issuers "${2:-8}" --rate "${3:-0}"
echo "server RSS: $(ps -o rss= -p $PID) KB"
