#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test — the Rust workspace (domain,
# device core, CLI, server on SQLite and PostgreSQL, end-to-end sync) with nextest, and the UI
# (type checks, Vitest, and the three workflows in headless Chromium against the real core), and
# the Tauri app in WebKit under WebDriver against a real server.
# Usage: scripts/test.sh            (also what .ci/run calls)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

bash scripts/setup.sh

echo "== format and lints"
cargo fmt --all -- --check
# The Tauri shell is linted by its own build; linting it here would compile its whole tree twice.
cargo clippy --all-targets --locked -- -D warnings

echo "== PostgreSQL for the server's tests"
eval "$(bash scripts/pg.sh start)"
trap 'bash scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT

echo "== the UI's build (the app embeds it)"
(cd ui && npm ci --no-audit --no-fund && npm run build)

echo "== Rust tests"
rust_status=0
cargo nextest run --workspace --locked --no-fail-fast || rust_status=$?
echo "== HEIC photos (the core's optional heif feature, through Debian's libheif)"
cargo nextest run -p xuncha-core --locked --features heif -E 'test(/heic|heif/)' || rust_status=$?

echo "== UI tests"
ui_status=0
(cd ui && npm test && npm run e2e) || ui_status=$?

echo "== the app (Tauri) in WebKit under WebDriver"
app_status=0
bash scripts/test-app.sh || app_status=$?

echo "== done in $(( $(date +%s) - start )) s (rust: $rust_status, ui: $ui_status, app: $app_status)"
[[ $rust_status -eq 0 && $ui_status -eq 0 && $app_status -eq 0 ]]
