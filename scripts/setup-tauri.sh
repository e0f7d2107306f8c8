#!/usr/bin/env bash
# Installs what building and testing the Tauri shell (src-tauri/) needs and is missing,
# idempotently: WebKitGTK and GTK headers, WebKitWebDriver, Xvfb (the Debian packages below, also
# listed in scripts/apt-packages.txt), and tauri-driver 2.x from crates.io. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  webkit2gtk-driver xvfb xauth fonts-noto-cjk
)
need=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "== installing Debian packages: ${need[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# tauri-driver speaks WebDriver to the test and starts WebKitWebDriver for the app; 2.x matches
# the shell's Tauri 2 (the 3.0 alphas on crates.io are not for it).
if ! tauri-driver --help >/dev/null 2>&1; then
  echo "== installing tauri-driver 2.x"
  cargo install tauri-driver --version ^2 --locked
fi
