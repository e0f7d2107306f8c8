#!/usr/bin/env bash
# The run command: sets up what is missing, builds xuncha and runs it. Until the server and the
# app land, this records a demo patrol on a local device store with the CLI and shows it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -p xuncha
export XUNCHA_DATA_DIR="${XUNCHA_DATA_DIR:-$PWD/data/device}"
X=target/release/xuncha
$X demo
echo
$X records list
echo
echo "设备存储在 $XUNCHA_DATA_DIR；试试：$X --help"
