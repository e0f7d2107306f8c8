#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test — the Rust workspace (domain,
# device core, CLI, server on SQLite and PostgreSQL, end-to-end sync) with nextest, and the UI
# (type checks, Vitest, and the three workflows in headless Chromium against the real core), and
# the Tauri app in WebKit under WebDriver against a real server. Schemathesis holds the running
# server to its own OpenAPI document (scripts/schemathesis.sh).
#
# Everything Rust is built ONCE, by the one `cargo nextest run --workspace` (the CLI, the server
# and the app binary included, with one set of features; the core's tests turn on its heif
# feature, so HEIC photos are tested in the same build); the UI's browser test and the app's
# WebDriver test then use those binaries instead of building their own.
# The UI's TypeScript types are generated from the Rust types; the Rust tests fail when the
# committed ui/src/lib/generated/api.ts is not current (crates/core/tests/typescript.rs says how
# to regenerate it).
# Usage: scripts/test.sh            (also what .ci/run calls)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
step() { echo "== $1 ($(( $(date +%s) - start )) s)"; }

bash scripts/setup.sh
bash scripts/setup-tauri.sh

# The UI's build (the app embeds it) is mostly downloads and one Node process: it runs beside the
# lints, which keep both cores busy, and is waited for before the Rust build needs it.
ui_build_log=$(mktemp)
(cd ui && npm ci --no-audit --no-fund && npm run build) >"$ui_build_log" 2>&1 &
ui_build=$!

step "format and lints"
cargo fmt --all -- --check
# The Tauri shell is linted by its own build; linting it here would compile its whole tree twice.
cargo clippy --all-targets --locked -- -D warnings

step "the UI's build (run beside the lints)"
ui_build_status=0
wait "$ui_build" || ui_build_status=$?
cat "$ui_build_log"
rm -f "$ui_build_log"
if [[ $ui_build_status -ne 0 ]]; then
  echo "the UI's build failed (exit $ui_build_status)" >&2
  exit "$ui_build_status"
fi

step "PostgreSQL for the server's tests"
eval "$(bash scripts/pg.sh start)"
trap 'bash scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT

step "Rust tests"
rust_status=0
# XUNCHA_TIMINGS=1 also writes cargo's build timing report (target/cargo-timings/).
cargo nextest run --workspace --locked --no-fail-fast ${XUNCHA_TIMINGS:+--timings} || rust_status=$?

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

step "Schemathesis against the server's OpenAPI document"
api_status=0
SERVER_BIN="$target_dir/debug/xuncha-server" bash scripts/schemathesis.sh || api_status=$?

step "UI tests"
ui_status=0
(cd ui && npm test && XUNCHA_BIN="$target_dir/debug/xuncha" SERVER_BIN="$target_dir/debug/xuncha-server" npm run e2e) || ui_status=$?

step "the app (Tauri) in WebKit under WebDriver"
app_status=0
XUNCHA_SETUP_DONE=1 bash scripts/test-app.sh || app_status=$?

echo "== done in $(( $(date +%s) - start )) s (rust: $rust_status, api: $api_status, ui: $ui_status, app: $app_status)"
[[ $rust_status -eq 0 && $api_status -eq 0 && $ui_status -eq 0 && $app_status -eq 0 ]]
