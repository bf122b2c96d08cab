#!/usr/bin/env bash
# The desk's pages against N seeded dossiers (release server, wrk on this machine, 2 threads,
# 8 connections, 10 s each, a reception officer's cookie session): the worklist, a procedure
# search, a dossier's page and its receipt (Mẫu 01).
# Usage: server/bench/desk.sh [DOSSIERS]   (default 1000000; needs wrk: apt-get install wrk)
set -euo pipefail
N="${1:-1000000}"
cd "$(dirname "$0")"
command -v wrk >/dev/null || apt-get install -y wrk
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
cargo build --release -p motcua-server
BIN="$CARGO_TARGET_DIR/release/motcua-server"
DATA="${MOTCUA_BENCH_DIR:-/var/tmp/motcua-bench-$N}"
PORT=18184
USERS="tiepnhan1"
. ./lib.sh
start_store
DESK="$(token_for tiepnhan1)"
BASE="http://127.0.0.1:$PORT"
curl -sf -H "cookie: motcua_session=$DESK" "$BASE/desk/work" > "$WORK/work.html"
CODE="$(grep -m1 -o 'href="/desk/dossiers/[^"]*"' "$WORK/work.html" \
  | sed -E 's|href="/desk/dossiers/([^"]*)"|\1|')"
for path in /desk/work "/desk?q=khai%20sinh" "/desk/dossiers/$CODE" "/desk/dossiers/$CODE/receipt"; do
  echo "== GET $path"
  wrk -t2 -c8 -d10s --latency -H "cookie: motcua_session=$DESK" "$BASE$path" \
    | grep -E "Requests/sec| 50%| 99%|Non-2xx"
done
