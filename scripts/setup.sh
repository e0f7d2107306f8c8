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

# Independent readers the tests compare xuncha's exports with: geojson (RFC 7946 validity of the
# office's GeoJSON), from PyPI at a pinned version.
if ! python3 -c 'import geojson' >/dev/null 2>&1; then
  echo "== installing geojson for the tests (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'geojson==3.2.0'
fi

# Schemathesis (scripts/schemathesis.sh: the served OpenAPI document against the running server),
# pinned, in its own virtual environment so its dependencies cannot clash with the system's;
# `cryptography` signs the enrolment challenge of the device it enrols.
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV="${XUNCHA_SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/xuncha/schemathesis-venv}"
if ! "$SCHEMATHESIS_VENV/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION" \
  || ! "$SCHEMATHESIS_VENV/bin/python" -c 'import cryptography' >/dev/null 2>&1; then
  echo "== installing Schemathesis $SCHEMATHESIS_VERSION for the tests (PyPI, into $SCHEMATHESIS_VENV)"
  python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" 'cryptography==50.0.2'
fi
