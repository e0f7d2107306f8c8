#!/usr/bin/env bash
# The UI's end-to-end tests in headless Chromium (Debian's chromium, run by @playwright/test):
# builds the xuncha CLI and xuncha-server (unless XUNCHA_BIN and SERVER_BIN are given), builds the
# UI and the console if either is missing, then runs two suites, each against a real server its
# global setup starts on a temporary SQLite database:
# - the field app (playwright.config.ts): e2e/workflows.spec.ts runs the three workflows at each
#   phone size against a real `xuncha bridge` on 127.0.0.1, enrolling and syncing through the UI,
#   and checks the records on the device (CLI) and on the server (office API). Screenshots go to
#   ui/test-results/screenshots/. Arguments go to this suite's `playwright test` (e.g.
#   --project 360x640).
# - the office console (playwright.console.config.ts), on the demo and a generated year:
#   e2e-console/console.spec.ts walks the office's workflows with a CLI device that syncs, and
#   e2e-console/pages.spec.ts screenshots every page at three sizes and runs axe-core on each.
#   Screenshots go to ui/test-results/console/screenshots/.
# The console suite runs even when the field app's failed; the script fails if either did. With
# --console-only (`npm run e2e:console`) only the console suite runs, and the other arguments go
# to its `playwright test` (e.g. pages.spec.ts).
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
[[ -f dist/index.html && -f dist-console/console.html ]] || npm run build
if [[ "${1:-}" == --console-only ]]; then
  shift
  exec npx --no-install playwright test -c playwright.console.config.ts "$@"
fi
field=0
npx --no-install playwright test "$@" || field=$?
console=0
npx --no-install playwright test -c playwright.console.config.ts || console=$?
(( field == 0 )) || echo "the field app's browser tests failed (exit $field)"
(( console == 0 )) || echo "the console's browser tests failed (exit $console)"
(( field == 0 && console == 0 ))
