#!/usr/bin/env bash
# Schemathesis against the running server's own OpenAPI document (GET /api/v1/openapi.json):
# starts SERVER_BIN on a free port of 127.0.0.1 over a temporary SQLite database loaded with the
# demo subdistrict, obtains real credentials (an office session by signing the demo admin in, a
# device token by enrolling a new device for grid-01 with a signed challenge), and checks that no
# generated request gets a 5xx and that every answer's status code, content type and body are
# the documented ones. Exits non-zero on any failure; always stops the server.
#
#   scripts/schemathesis.sh                           # after a build (scripts/test.sh runs it)
#   SERVER_BIN=target/release/xuncha-server scripts/schemathesis.sh
#   SCHEMATHESIS_SEED=123 SCHEMATHESIS_MAX_EXAMPLES=100 scripts/schemathesis.sh
#
# The seed is fixed by default so a failure reproduces; Schemathesis prints it in its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER_BIN="${SERVER_BIN:-target/debug/xuncha-server}"
SEED="${SCHEMATHESIS_SEED:-20261203}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
VENV="${XUNCHA_SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/xuncha/schemathesis-venv}"
export XUNCHA_SCHEMATHESIS_VENV="$VENV"
[[ -x "$VENV/bin/schemathesis" ]] || bash scripts/setup.sh
[[ -x "$SERVER_BIN" ]] || { echo "no server binary at $SERVER_BIN (build it, or set SERVER_BIN)"; exit 1; }

work=$(mktemp -d)
server_pid=""
stop() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT INT TERM

export XUNCHA_DATABASE_URL="sqlite://$work/xuncha.db" XUNCHA_BLOB_URL="$work/blobs"
"$SERVER_BIN" demo >"$work/demo.txt" 2>"$work/demo.log"
password() { awk -v login="$1" '$1 == login { print $2 }' "$work/demo.txt"; }

# A device rate high enough that Schemathesis's own pace is never what it tests.
NO_COLOR=1 RUST_LOG="${RUST_LOG:-warn}" "$SERVER_BIN" serve --listen 127.0.0.1:0 \
  --device-rate-per-minute 1000000 --device-burst 1000000 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
addr=""
for _ in $(seq 1 100); do
  addr=$(sed -n 's/^listening on //p' "$work/server.out")
  [[ -n "$addr" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done
[[ -n "$addr" ]] || { echo "the server did not say where it listens"; exit 1; }
base="http://$addr"

# Every set of credentials is obtained before any fuzzing: Schemathesis's failed sign-ins put
# this address under the sign-in back-off.
credentials() {
  "$VENV/bin/python" scripts/schemathesis-credentials.py "$base" "$1" \
    demo-admin "$(password demo-admin)" grid-01 "$(password grid-01)"
}
tokens=$(credentials MAIN && credentials REFRESH && credentials REVOKE && credentials SIGNOUT)
while IFS='=' read -r name value; do export "$name=$value"; done <<<"$tokens"

# Run from the temporary folder: Schemathesis keeps a cache (.schemathesis/) where it runs.
# One worker: with more, Hypothesis's threads race in Python 3.11's `ast.parse` and the run
# ends in a SystemError ("AST constructor recursion depth mismatch") that is not the server's.
config="$PWD/scripts/schemathesis.toml"
st() (
  cd "$work"
  "$VENV/bin/schemathesis" --config-file "$config" run "$base/api/v1/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 --request-timeout 30 \
    --generation-database none --no-color "$@"
)

echo "== Schemathesis $("$VENV/bin/schemathesis" --version | awk '{print $NF}') against $base (seed $SEED, up to $MAX_EXAMPLES examples per operation)"
status=0
# The routes that end the caller's own token (refresh swaps it, revoke and sign-out end it) would
# turn every later request into a 401 and test nothing: each runs on its own, with tokens of its
# own that nothing else uses, and the main run leaves them out.
for run in "REFRESH:POST /api/v1/token/refresh" "REVOKE:POST /api/v1/token/revoke" "SIGNOUT:DELETE /api/v1/session"; do
  who=${run%%:*} operation=${run#*:}
  device_var=${who}_DEVICE_TOKEN session_var=${who}_SESSION_TOKEN
  echo "== Schemathesis: $operation alone"
  XUNCHA_ST_DEVICE_TOKEN=${!device_var} XUNCHA_ST_SESSION_TOKEN=${!session_var} \
    st --include-operation-id "$operation" || status=$?
done
echo "== Schemathesis: every other route"
XUNCHA_ST_DEVICE_TOKEN=$MAIN_DEVICE_TOKEN XUNCHA_ST_SESSION_TOKEN=$MAIN_SESSION_TOKEN \
  st --exclude-operation-id "POST /api/v1/token/refresh" --exclude-operation-id "POST /api/v1/token/revoke" \
  --exclude-operation-id "DELETE /api/v1/session" || status=$?

# What the server logged about its own errors, to go with Schemathesis's report of them.
if grep -qE 'status=5[0-9][0-9]|ERROR' "$work/server.log"; then
  echo "== the server logged server errors:"
  grep -E 'status=5[0-9][0-9]|ERROR' "$work/server.log" | tail -20
fi
exit "$status"
