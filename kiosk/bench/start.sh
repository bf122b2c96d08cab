#!/usr/bin/env bash
# A kiosk with a large replica, on this machine:
#  1. a server seeded with 1,000,000 dossiers (reused if present), a kiosk whose scope holds
#     about half of them, provisioned with `motcua-kiosk --sync-once` (the snapshot's time);
#  2. five cold starts of the release kiosk under Xvfb (software renderer): the time from
#     launch until the home screen is on the display (its header pixels drawn);
#  3. the kiosk's resident memory at rest, and after 50 lookups by scanned code (a keyboard-wedge
#     burst typed into the window).
# Usage: kiosk/bench/start.sh [DOSSIERS]   (needs Xvfb, xdotool and imagemagick;
# MOTCUA_KEEP_REPLICA=1 reuses the replica of the previous run)
set -euo pipefail
N="${1:-1000000}"
SCOPE='["000.00.10.H16","000.00.11.H16","000.00.12.H16","000.00.13.H16","000.00.14.H16"]'
cd "$(dirname "$0")"
HERE="$PWD"
command -v Xvfb >/dev/null || apt-get install -y xvfb xdotool imagemagick
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
cargo build --release -p motcua-server --bin motcua-server
cargo build --release -p motcua-kiosk
SERVER="$CARGO_TARGET_DIR/release/motcua-server"
KIOSK="$CARGO_TARGET_DIR/release/motcua-kiosk"
BIN="$SERVER"
DATA="${MOTCUA_BENCH_DIR:-/var/tmp/motcua-bench-$N}"
KDIR="$DATA-kiosk"
PORT=18181
XPID=
USERS="qt.trungtam"
cd "$HERE/../../server/bench"
. ./lib.sh
start_store
SPID=$PID
cd "$HERE"
ADMIN="$(token_for qt.trungtam)"
# Codes the kiosk holds: dossiers handled by the first agency of its scope.
curl -sf -H "authorization: Bearer $ADMIN" \
  "http://127.0.0.1:$PORT/api/v1/dossiers?agency=000.00.10.H16&per_page=50" \
  | grep -oE '"code":"[^"]+"' | cut -d'"' -f4 > /tmp/motcua-kiosk-codes.txt
if [ -z "${MOTCUA_KEEP_REPLICA:-}" ] || [ ! -f "$KDIR/kiosk.redb" ]; then
  rm -rf "$KDIR" && mkdir -p "$KDIR"
  ENROL="$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/admin/kiosks" -H "authorization: Bearer $ADMIN" \
  -H 'content-type: application/json' \
  -d "{\"name\":\"Kiosk đo thử\",\"centre\":\"000.00.01.H16\",\"scope\":$SCOPE}" \
  | sed -E 's/.*"enrolment_code":"([^"]+)".*/\1/')"
cat > "$KDIR/kiosk.toml" <<TOML
server = "http://127.0.0.1:$PORT"
enrolment_code = "$ENROL"
data_dir = "$KDIR"
TOML
echo "== provisioning (snapshot of the scope)"
cpu() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
before=$(cpu)
/usr/bin/time -f "kiosk: %e s wall, %U s user, %S s system, %M KB max RSS" \
  "$KIOSK" --config "$KDIR/kiosk.toml" --sync-once
echo "server: $(( ($(cpu) - before) / $(getconf CLK_TCK) )) s of CPU meanwhile"
ls -l "$KDIR/kiosk.redb" | awk '{printf "replica file: %.0f MB\n", $5/1048576}'
fi

Xvfb :97 -screen 0 1080x1920x24 -nolisten tcp >/dev/null 2>&1 &
XPID=$!
export DISPLAY=:97
for _ in $(seq 100); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.05; done

echo "== cold start to the home screen (release, software renderer), 5 runs"
for run in 1 2 3 4 5; do
  t0=$(date +%s%N)
  "$KIOSK" --config "$KDIR/kiosk.toml" >/dev/null 2>&1 &
  KPID=$!
  win=
  until [ -n "$win" ]; do
    sleep 0.02
    win="$(xdotool search --onlyvisible --name '^motcua$' 2>/dev/null | head -1 || true)"
  done
  # The header band (#1e3a8a) is drawn: the home screen is up.
  until import -window "$win" -crop 1x1+540+75 txt:- 2>/dev/null | grep -q 'srgb(30,58,138)'; do
    sleep 0.02
  done
  t1=$(date +%s%N)
  echo "run $run: $(( (t1 - t0) / 1000000 )) ms"
  if [ "$run" = 5 ]; then
    sleep 3
    echo "RSS at rest: $(awk '/VmRSS/ {print $2, $3}' /proc/$KPID/status)"
    xdotool windowfocus --sync "$win" 2>/dev/null || true
    while read -r code; do
      xdotool type --delay 2 "$code" 2>/dev/null
      xdotool key Return 2>/dev/null
    done < /tmp/motcua-kiosk-codes.txt
    import -window "$win" /tmp/motcua-kiosk-after-lookups.png
    sleep 2
    echo "RSS after $(wc -l < /tmp/motcua-kiosk-codes.txt) lookups: $(awk '/VmRSS/ {print $2, $3}' /proc/$KPID/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/$KPID/status)"
  fi
  # SIGTERM: the kiosk closes its replica cleanly, as a service manager would stop it.
  kill $KPID; wait $KPID 2>/dev/null || true
done
