#!/usr/bin/env bash
# The administrators' and heads' pages against N seeded dossiers (release server, wrk on this
# machine, 2 threads, 16 connections, 10 s each, cookie sessions): the fleet page and its kiosk
# page (the example kiosk with a day of heartbeats), the reports' dashboard for a month and for
# a year (every chart and table), one chart's CSV, the audit log's newest page and a day's, the
# catalogue, the accounts.
# Usage: server/bench/admin.sh [DOSSIERS]   (default 1000000; needs wrk: apt-get install wrk)
set -euo pipefail
N="${1:-1000000}"
cd "$(dirname "$0")"
command -v wrk >/dev/null || apt-get install -y wrk
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
cargo build --release -p motcua-server
BIN="$CARGO_TARGET_DIR/release/motcua-server"
DATA="${MOTCUA_BENCH_DIR:-/var/tmp/motcua-bench-$N}"
PORT=18185
USERS="qt.trungtam"
. ./lib.sh
start_store
ADMIN="$(token_for qt.trungtam)"
BASE="http://127.0.0.1:$PORT"
TODAY="$(TZ=Asia/Ho_Chi_Minh date +%F)"
MONTH="$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-01)"
YEAR="$(TZ=Asia/Ho_Chi_Minh date -d '-1 year' +%F)"
KIOSK="$(curl -sf -H "cookie: motcua_session=$ADMIN" "$BASE/fleet" \
  | grep -m1 -o 'href="/fleet/kiosks/[^"]*"' | sed -E 's|href="/fleet/kiosks/([^"]*)"|\1|')"
run() { # path
  echo "== GET $1"
  wrk -t2 -c16 -d10s --latency -H "cookie: motcua_session=$ADMIN" "$BASE$1" \
    | grep -E "Requests/sec| 50%| 99%|Non-2xx"
}
run /fleet
run "/fleet/kiosks/$KIOSK"
run "/reports?from=$MONTH&to=$TODAY"
run "/reports?from=$YEAR&to=$TODAY"
run "/reports/table.csv?chart=chart-days&from=$YEAR&to=$TODAY"
run /admin/audit
run "/admin/audit?actor=qt.trungtam&from=$TODAY&to=$TODAY"
run /admin/catalogue
run /admin/users
