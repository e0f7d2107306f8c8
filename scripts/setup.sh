#!/usr/bin/env bash
# Installs what building and testing xuncha needs and is missing, idempotently: Debian packages
# listed in scripts/apt-packages.txt, and cargo-nextest. Safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
if [[ -f scripts/apt-packages.txt ]]; then
  while read -r pkg _ || [[ -n "${pkg:-}" ]]; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done < scripts/apt-packages.txt
fi
if ((${#need[@]})); then
  echo "== installing Debian packages: ${need[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "== Node.js and npm are needed for the UI (Node >= 20.19): installing Debian's"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "== installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# Independent readers the tests compare xuncha's figures with: gpxpy (GPX lengths, durations,
# moving time), from PyPI at a pinned version.
if ! python3 -c 'import gpxpy' >/dev/null 2>&1; then
  echo "== installing gpxpy for the tests (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'gpxpy==1.6.2'
fi
