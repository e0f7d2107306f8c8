#!/usr/bin/env bash
# The real app in its real engine: installs what is missing (scripts/setup-tauri.sh), builds the
# UI and the Tauri shell ONCE, then runs the WebDriver test (tests/tests/app_webdriver.rs) under
# Xvfb against a real xuncha-server on 127.0.0.1. Screenshots go to test-results/app/.
# Usage: scripts/test-app.sh        (the lead's scripts/test.sh calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

bash scripts/setup-tauri.sh

echo "== the UI (ui/dist, embedded in the app)"
(cd ui && npm ci --no-audit --no-fund && npm run build)

echo "== the app (xuncha-app)"
t=$(date +%s)
cargo build -p xuncha-app --locked
echo "   built in $(( $(date +%s) - t )) s"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export XUNCHA_APP_BIN="$target_dir/debug/xuncha-app"

echo "== the app under WebDriver (Xvfb, tauri-driver, WebKitWebDriver)"
cargo test -p xuncha-e2e --locked --test app_webdriver --no-run
xvfb-run -a -s "-screen 0 1280x1024x24" \
  cargo test -p xuncha-e2e --locked --test app_webdriver -- --ignored --nocapture

echo "== app tests done in $(( $(date +%s) - start )) s"
