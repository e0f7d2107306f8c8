#!/usr/bin/env bash
# The UI's end-to-end tests in headless Chromium (Debian's chromium, run by @playwright/test with
# playwright.config.ts): builds the xuncha CLI and xuncha-server (unless XUNCHA_BIN and SERVER_BIN
# are given), builds the UI if needed, then the global setup starts a real server with the demo
# unit on a temporary SQLite database, and e2e/workflows.spec.ts runs the three workflows at each
# phone size against a real `xuncha bridge` on 127.0.0.1, enrolling and syncing through the UI,
# and checks the records on the device (CLI) and on the server (office API). Screenshots go to
# ui/test-results/screenshots/. Arguments go to `playwright test` (e.g. --project 360x640).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(cd .. && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
command -v chromium >/dev/null || { echo "chromium is missing (Debian package chromium, see scripts/apt-packages.txt)"; exit 1; }
# scripts/test.sh passes the binaries its one workspace build made; alone, build them here.
if [[ ! -x "${XUNCHA_BIN:-}" || ! -x "${SERVER_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --locked -p xuncha --bin xuncha && cargo build --locked -p xuncha-server)
  export XUNCHA_BIN="$CARGO_TARGET_DIR/debug/xuncha"
  export SERVER_BIN="$CARGO_TARGET_DIR/debug/xuncha-server"
fi
[[ -f dist/index.html ]] || npm run build
exec npx --no-install playwright test "$@"
