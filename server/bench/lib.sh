# Shared by the benchmark scripts (sourced): sign in to the server on $PORT as a demo account,
# doing the first-login password change once. Needs /tmp/motcua-bench-staff.txt
# (`motcua-server admin demo-passwords`).
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
