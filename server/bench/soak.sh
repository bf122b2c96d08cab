#!/usr/bin/env bash
# Sign-in soak: 60 s of failed sign-ins under random usernames from 64 connections against a
# seeded store, while staff look dossiers up (4 connections) and, every 5 s, the real user signs
# in from an address of their own. Reports the store's growth, the staff lookups' latency, the
# real user's sign-ins and the audit lines written. Run twice: from one address (SPREAD=0) and
# from random addresses (SPREAD=1, a botnet: each attempt costs a verification).
# Usage: server/bench/soak.sh [DOSSIERS] [SPREAD]   (default 1000000 dossiers, SPREAD=1; needs wrk)
set -euo pipefail
N="${1:-1000000}"
export SPRAY_SPREAD="${2:-1}"
cd "$(dirname "$0")"
command -v wrk >/dev/null || apt-get install -y wrk
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
cargo build --release -p motcua-server
BIN="$CARGO_TARGET_DIR/release/motcua-server"
DATA="${MOTCUA_BENCH_DIR:-/var/tmp/motcua-bench-$N}"
PORT=18181
USERS="qt.hethong tiepnhan1"
export MOTCUA_TRUSTED_PROXIES=127.0.0.1
. ./lib.sh
start_store
ADMIN="$(token_for qt.hethong)"
# The real user's password, set now; they sign in from 10.99.0.5 throughout.
once="$(awk '$1 == "tiepnhan1" {print $2}' "$WORK/staff.txt")"
t="$(login tiepnhan1 "$once")"
curl -sf --max-time 10 -X POST "http://127.0.0.1:$PORT/api/v1/auth/password" -H "authorization: Bearer $t" \
  -H 'content-type: application/json' \
  -d "{\"current_password\":\"$once\",\"new_password\":\"soak-real-user-2026\"}" >/dev/null
# Audit lines after sequence number $1 (paged).
audit_after() {
  local after="$1" n=0 page
  while :; do
    page="$(curl -sf --max-time 30 -H "authorization: Bearer $ADMIN" \
      "http://127.0.0.1:$PORT/api/v1/admin/audit?limit=1000&after=$after" | grep -o '"seq":[0-9]*' | cut -d: -f2 || true)"
    [ -z "$page" ] && break
    n=$((n + $(echo "$page" | wc -l)))
    after="$(echo "$page" | tail -1)"
  done
  echo "$n $after"
}
read -r _ seq0 < <(audit_after 0)
size0=$(stat -c %s "$DATA/motcua.redb")

wrk -t1 -c64 -d60s --timeout 30s -s signin-spray.lua "http://127.0.0.1:$PORT" > "$WORK/spray.txt" &
SPRAY=$!
MOTCUA_TOKEN="$ADMIN" wrk -t1 -c4 -d60s -s get.lua "http://127.0.0.1:$PORT" > "$WORK/get.txt" &
GETS=$!
ok=0; tries=0
for _ in $(seq 12); do
  sleep 5
  tries=$((tries + 1))
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
    "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -H 'x-forwarded-for: 10.99.0.5' -d '{"username":"tiepnhan1","password":"soak-real-user-2026"}')
  [ "$code" = 200 ] && ok=$((ok + 1))
done
wait $SPRAY $GETS
# The minute's counts of unknown names are written at the next flush (each minute, and at stop).
sleep 61
read -r lines _ < <(audit_after "$seq0")
kill -TERM $PID; wait $PID 2>/dev/null || true
size1=$(stat -c %s "$DATA/motcua.redb")
echo "== sign-in soak (spread over random addresses: $SPRAY_SPREAD), $N dossiers"
grep -E "sign-ins|Non-2xx|Socket errors" "$WORK/spray.txt" || true
echo "staff lookups during the soak:"; grep -E "Requests/sec|p50" "$WORK/get.txt"
echo "the real user from another address: $ok of $tries sign-ins succeeded"
echo "audit lines written: $lines"
echo "store growth: $(( (size1 - size0) / 1024 )) KiB ($size0 → $size1 bytes)"
