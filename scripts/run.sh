#!/usr/bin/env bash
# The run command: sets up what is missing, builds xuncha, starts the central server on its
# embedded defaults (SQLite and a blob folder under data/server, with the demo subdistrict) with
# the office console at its root, and starts the app pointed at it, signed in as the demo grid
# worker grid-01 (river chief, safety inspector and fishing-ban patroller at once). Ctrl-C stops
# everything.
# The app's address carries a secret made for this run (the bridge refuses API calls without
# it, so no other web page can drive the device); it is printed and opened in a browser.
#
#   scripts/run.sh                 # server on 127.0.0.1:8080, app on http://127.0.0.1:8081/?token=…
#   XUNCHA_HOME=/some/dir scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DATA="${XUNCHA_HOME:-$ROOT/data}"
SERVER_ADDR="${XUNCHA_LISTEN:-127.0.0.1:8080}"
APP_ADDR="${XUNCHA_APP_LISTEN:-127.0.0.1:8081}"
mkdir -p "$DATA/server" "$DATA/device"

bash scripts/setup.sh
echo "== building (release)"
cargo build --release --locked -p xuncha-server -p xuncha
(cd ui && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; } && npm run build)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"

export XUNCHA_DATABASE_URL="sqlite://$DATA/server/xuncha.db" XUNCHA_BLOB_URL="$DATA/server/blobs"
# The demo is idempotent; new users' passwords are shown once, so keep them for this machine.
"$BIN/xuncha-server" demo | tee -a "$DATA/demo-accounts.txt"

"$BIN/xuncha-server" serve --listen "$SERVER_ADDR" --console-dir ui/dist-console &
SERVER_PID=$!
trap 'kill $SERVER_PID $APP_PID 2>/dev/null || true' EXIT INT TERM
APP_PID=""
for _ in $(seq 1 100); do
  curl -fsS "http://$SERVER_ADDR/healthz" >/dev/null 2>&1 && break
  kill -0 $SERVER_PID 2>/dev/null || { echo "the server did not start"; exit 1; }
  sleep 0.1
done

export XUNCHA_DATA_DIR="$DATA/device"
if ! "$BIN/xuncha" status | grep -q "服务器 http://$SERVER_ADDR"; then
  PASS=$(awk '$1 == "grid-01" { print $2 }' "$DATA/demo-accounts.txt" | tail -1)
  if [[ -n "$PASS" ]]; then
    "$BIN/xuncha" enrol --server "http://$SERVER_ADDR" --login grid-01 --password "$PASS" --name "演示设备"
    "$BIN/xuncha" sync
  else
    echo "没有找到 grid-01 的密码：请在应用的“设置”中登录 http://$SERVER_ADDR"
  fi
fi

# A new secret each run, given through the environment (a command line is visible to every
# user of this machine), and put in the address to open.
XUNCHA_BRIDGE_TOKEN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export XUNCHA_BRIDGE_TOKEN
APP_URL="http://$APP_ADDR/?token=$XUNCHA_BRIDGE_TOKEN"
"$BIN/xuncha" bridge --listen "$APP_ADDR" --ui-dir ui/dist >/dev/null &
APP_PID=$!
unset XUNCHA_BRIDGE_TOKEN
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://$APP_ADDR/" 2>/dev/null && break
  kill -0 $APP_PID 2>/dev/null || { echo "the app did not start"; exit 1; }
  sleep 0.1
done
echo
echo "服务器：http://$SERVER_ADDR   （办公室 API 见 http://$SERVER_ADDR/api/v1/openapi.json）"
echo "办公室控制台：http://$SERVER_ADDR/   （以 office1 登录，密码见 $DATA/demo-accounts.txt）"
echo "应用：  $APP_URL"
echo "        （在浏览器中打开这个地址，它带着本次运行的口令；演示账号见 $DATA/demo-accounts.txt）"
# Opens a browser where there is a desktop to open it on (XUNCHA_NO_BROWSER=1 to skip).
OPENER=xdg-open
[[ "$(uname)" == Darwin ]] && OPENER=open
if [[ -z "${XUNCHA_NO_BROWSER:-}" ]] && command -v "$OPENER" >/dev/null 2>&1 \
  && { [[ "$OPENER" == open ]] || [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; }; then
  "$OPENER" "$APP_URL" >/dev/null 2>&1 || true
fi
echo "按 Ctrl-C 结束。"
wait $SERVER_PID
