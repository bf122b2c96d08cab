#!/usr/bin/env bash
# The console's pages against N seeded dossiers (release server, wrk on this machine, 2 threads,
# 16 connections, 10 s each, cookie sessions): the desk's worklist, a procedure search, a
# dossier's page and its receipt (Mẫu 01); an agency head's and an officer's worklists; the
# dossier search by name, by citizen ID, by status, overdue.
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
USERS="tiepnhan1 ld.tuphap cv.tuphap"
. ./lib.sh
start_store
DESK="$(token_for tiepnhan1)"
HEAD="$(token_for ld.tuphap)"
OFFICER="$(token_for cv.tuphap)"
BASE="http://127.0.0.1:$PORT"
curl -sf -H "cookie: motcua_session=$DESK" "$BASE/desk/work" > "$WORK/work.html"
CODE="$(grep -m1 -o 'href="/desk/dossiers/[^"]*"' "$WORK/work.html" \
  | sed -E 's|href="/desk/dossiers/([^"]*)"|\1|')"
CCCD="$(curl -sf -H "authorization: Bearer $DESK" "$BASE/api/v1/dossiers/$CODE" \
  | sed -E 's/.*"citizen_id":"([0-9]+)".*/\1/')"
run() { # token path
  echo "== GET $2"
  wrk -t2 -c16 -d10s --latency -H "cookie: motcua_session=$1" "$BASE$2" \
    | grep -E "Requests/sec| 50%| 99%|Non-2xx"
}
run "$DESK" /desk/work
run "$DESK" "/desk?q=khai%20sinh"
run "$DESK" "/desk/dossiers/$CODE"
run "$DESK" "/desk/dossiers/$CODE/receipt"
run "$HEAD" /agency
run "$OFFICER" /agency
run "$DESK" "/search?q=nguyen%20van"
run "$DESK" "/search?q=$CCCD"
run "$DESK" "/search?status=4"
run "$DESK" "/search?overdue=1"
