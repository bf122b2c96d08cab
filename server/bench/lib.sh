# Shared by the benchmark scripts (sourced). start_store seeds $DATA unless it holds a store,
# gives the accounts in $USERS fresh one-time passwords, samples 100,000 codes and serves the
# store on $PORT in the background ($PID); token_for signs in as one of those accounts, doing
# the first sign-in's password change. Everything the scripts write goes to $WORK, a temporary
# folder removed on exit. Needs BIN, DATA, N, PORT and USERS.
WORK="$(mktemp -d)"
export MOTCUA_CODES="$WORK/codes.txt"

login() { # user password → token
  curl -sf --max-time 10 -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" \
    -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | sed -E 's/.*"token":"([0-9a-f]+)".*/\1/'
}

token_for() { # user → a token with the first-login password change done
  local once; once="$(awk -v u="$1" '$1 == u {print $2}' "$WORK/staff.txt")"
  local t; t="$(login "$1" "$once")"
  curl -sf --max-time 10 -X POST "http://127.0.0.1:$PORT/api/v1/auth/password" \
    -H "authorization: Bearer $t" -H 'content-type: application/json' \
    -d "{\"current_password\":\"$once\",\"new_password\":\"bench-password-$RANDOM-$RANDOM\"}" >/dev/null
  echo "$t"
}

start_store() {
  if [ ! -f "$DATA/motcua.redb" ]; then
    /usr/bin/time -f "seed: %e s wall, %M KB max RSS" \
      "$BIN" seed --data-dir "$DATA" --demo --dossiers "$N" > "$WORK/seed.log"
    head -1 "$WORK/seed.log"
  fi
  for u in $USERS; do
    "$BIN" admin reset-password --data-dir "$DATA" --username "$u" \
      | sed -E 's/.* ([^ ]+); .*: ([^ ]+)$/\1 \2/' >> "$WORK/staff.txt"
  done
  "$BIN" admin sample-codes --data-dir "$DATA" --count 100000 > "$MOTCUA_CODES"
  "$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
  PID=$!
  trap 'kill $PID ${XPID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 600); do
    curl -sf --max-time 1 "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; return 1; }
    sleep 0.1
  done
  echo "the server did not answer within 60 s" >&2
  return 1
}
