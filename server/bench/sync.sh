#!/usr/bin/env bash
# Sync and report benchmarks against a seeded store (default 1,000,000 dossiers):
#  - reports over every dossier (by agency and by procedure), 20 runs each;
#  - a kiosk snapshot of a large scope, then 500 kiosks long-polling and heartbeating every 10 s
#    while a desk receives dossiers in their scope (commit → kiosk delay), and, meanwhile,
#    staff lookups by code at a steady rate (LOOKUPS a second, 500 by default; p50 / p99).
# Usage: server/bench/sync.sh [DOSSIERS] [SCOPE]   (needs wrk: apt-get install wrk)
set -euo pipefail
N="${1:-1000000}"
SCOPE="${2:-000.00.10.H16,000.00.11.H16,000.00.12.H16,000.00.13.H16,000.00.14.H16}"
cd "$(dirname "$0")"
command -v wrk >/dev/null || apt-get install -y wrk
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
cargo build --release -p motcua-server --bin motcua-server --example fleet
BIN="$CARGO_TARGET_DIR/release/motcua-server"
FLEET="$CARGO_TARGET_DIR/release/examples/fleet"
DATA="${MOTCUA_BENCH_DIR:-/var/tmp/motcua-bench-$N}"
PORT=18181
USERS="qt.trungtam qt.hethong tiepnhan1"
. ./lib.sh
start_store
ADMIN="$(token_for qt.trungtam)"
SYSADMIN="$(token_for qt.hethong)"
DESK="$(token_for tiepnhan1)"

for by in agency procedure; do
  echo "== GET /api/v1/reports/dossiers (all time, by $by), 20 runs"
  for _ in $(seq 20); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $ADMIN" \
      "http://127.0.0.1:$PORT/api/v1/reports/dossiers?from=2020-01-01&to=2029-12-31&by=$by"
  done | sort -n | awk '{a[NR]=$1} END {printf "min %.1f ms, median %.1f ms, max %.1f ms\n", a[1]*1000, a[int((NR+1)/2)]*1000, a[NR]*1000}'
done

echo "== 500 kiosks: snapshot, then long-poll + heartbeat for 60 s; staff lookups meanwhile"
MOTCUA_ADMIN_TOKEN="$ADMIN" MOTCUA_DESK_TOKEN="$DESK" MOTCUA_STAFF_TOKEN="$SYSADMIN" "$FLEET" \
  --base "http://127.0.0.1:$PORT" --kiosks 500 --scope "$SCOPE" --seconds 60 --rate 2 \
  --lookups "${LOOKUPS:-500}" --codes "$MOTCUA_CODES"
echo "== server RSS: $(ps -o rss= -p $PID) KB"
