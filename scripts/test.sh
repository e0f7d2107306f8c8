#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test of the workspace.
# Usage: scripts/test.sh            (also what .ci/run calls)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

bash scripts/setup.sh

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== PostgreSQL for the server's tests"
eval "$(bash scripts/pg.sh start)"
trap 'bash scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT

echo "== tests"
cargo nextest run --workspace --locked --no-fail-fast

echo "== done in $(( $(date +%s) - start )) s"
