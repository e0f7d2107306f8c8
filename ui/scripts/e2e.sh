#!/usr/bin/env bash
# The UI's end-to-end test in headless Chromium (Debian's chromium, driven by playwright-core):
# builds the xuncha CLI and the reference-data example, builds the UI if needed, then runs the
# three workflows against a real `xuncha bridge` on 127.0.0.1 and checks the records through
# the CLI. Screenshots go to ui/test-results/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(cd .. && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
command -v chromium >/dev/null || { echo "chromium is missing (Debian package chromium, see scripts/apt-packages.txt)"; exit 1; }
(cd "$ROOT" && cargo build --locked -p xuncha --bin xuncha --example reference_bundle)
[[ -f dist/index.html ]] || npm run build
export XUNCHA_BIN="$CARGO_TARGET_DIR/debug/xuncha"
export BUNDLE_BIN="$CARGO_TARGET_DIR/debug/examples/reference_bundle"
export FIXTURES="${FIXTURES:-$ROOT/../shared/fixtures}"
exec node scripts/e2e.mjs
