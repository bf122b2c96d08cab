#!/usr/bin/env bash
# Server load benchmark: seed N dossiers, serve, then measure with wrk on this machine:
#  - GET /api/v1/dossiers/{code} (random codes) for 30 s, 2 threads, 16, 32 then 64 connections;
#  - POST /api/v1/dossiers (durable receipts) for 30 s, 2 threads, 64 connections;
#  - the server's resident memory after both.
# Usage: server/bench/run.sh [DOSSIERS]   (default 1000000; needs wrk: apt-get install wrk)
set -euo pipefail
N="${1:-1000000}"
cd "$(dirname "$0")"
command -v wrk >/dev/null || apt-get install -y wrk
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
cargo build --release -p motcua-server
BIN="$CARGO_TARGET_DIR/release/motcua-server"
DATA="${MOTCUA_BENCH_DIR:-/var/tmp/motcua-bench-$N}"
PORT=18181
USERS="qt.hethong tiepnhan1"
. ./lib.sh
start_store
ADMIN="$(token_for qt.hethong)"
DESK="$(token_for tiepnhan1)"

for C in 16 32 64; do
  echo "== GET /api/v1/dossiers/{code}, $N dossiers, $C connections"
  MOTCUA_TOKEN="$ADMIN" wrk -t2 -c$C -d30s -s get.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|p50"
done
echo "== POST /api/v1/dossiers (durable), 64 connections"
MOTCUA_TOKEN="$DESK" wrk -t2 -c64 -d30s -s receive.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|p50"
echo "== server RSS: $(ps -o rss= -p $PID) KB"
