#!/usr/bin/env bash
# The real app in its real engine: installs what is missing (scripts/setup-tauri.sh), builds the
# UI, then runs the WebDriver test (src-tauri/tests/webdriver/) under Xvfb against a real
# xuncha-server on 127.0.0.1. The app binary is built by the same `cargo nextest run --workspace`
# build as every other test (after scripts/test.sh, nothing is compiled again). Screenshots go
# to test-results/app/.
# Usage: scripts/test-app.sh        (scripts/test.sh calls it with XUNCHA_SETUP_DONE=1)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

if [[ "${XUNCHA_SETUP_DONE:-}" != 1 ]]; then
  bash scripts/setup.sh
  bash scripts/setup-tauri.sh
  echo "== the UI (ui/dist, embedded in the app)"
  (cd ui && npm ci --no-audit --no-fund && npm run build)
fi

# The app keeps its secrets in the store file here: there is no desktop keystore under Xvfb
# (crates/cli/tests/keystore.rs tests the system keystore with a real Secret Service).
export XUNCHA_KEYSTORE=file
echo "== the app under WebDriver (Xvfb, tauri-driver, WebKitWebDriver)"
xvfb-run -a -s "-screen 0 1280x1024x24" \
  cargo nextest run --workspace --locked --run-ignored only -E 'package(xuncha-app) & binary(webdriver)'

echo "== app tests done in $(( $(date +%s) - start )) s"
