# Shared by the benchmark scripts (sourced): start a seeded store (start_store), and sign in to
# the server on $PORT as a demo account, doing the first-login password change once (needs
# /tmp/motcua-bench-staff.txt, which start_store writes).
login() { # user password → token
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | sed -E 's/.*"token":"([0-9a-f]+)".*/\1/'
}
token_for() { # user → a token with the first-login password change done
  local demo; demo="$(grep -A0 "^  $1 " /tmp/motcua-bench-staff.txt | awk '{print $NF}')"
  local t; t="$(login "$1" "$demo" || true)"
  if [ -n "$t" ]; then
    curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/password" -H "authorization: Bearer $t" \
      -H 'content-type: application/json' \
      -d "{\"current_password\":\"$demo\",\"new_password\":\"bench-password-2026\"}" >/dev/null || true
  fi
  login "$1" "bench-password-2026"
}

# Seed $DATA with $N demo dossiers unless it holds a store, sample 100,000 codes into codes.txt
# (in the current folder), list the demo passwords, and serve it on $PORT in the background
# ($PID; stopped on exit). Needs BIN, DATA, N and PORT.
start_store() {
  if [ ! -f "$DATA/motcua.redb" ]; then
    /usr/bin/time -f "seed: %e s wall, %M KB max RSS" \
      "$BIN" seed --data-dir "$DATA" --demo --dossiers "$N" > /tmp/motcua-bench-seed.log
    head -1 /tmp/motcua-bench-seed.log
  fi
  "$BIN" admin sample-codes --data-dir "$DATA" --count 100000 > codes.txt
  "$BIN" admin demo-passwords > /tmp/motcua-bench-staff.txt
  "$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" > /tmp/motcua-bench-server.log 2>&1 &
  PID=$!
  trap 'kill $PID ${XPID:-} 2>/dev/null || true' EXIT
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
}
