#!/usr/bin/env bash
# Installs everything civic-kiosk needs to build, run and test, from Debian 12's archive only.
# Idempotent: packages already present are left alone and apt-get is not called at all.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-tidy libclang-rt-14-dev
  # libraries
  libsodium-dev libsqlite3-dev sqlite3 catch2 libcurl4-openssl-dev libcpp-httplib-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libqrencode-dev libpq-dev
  # tests: the hub store on PostgreSQL (a throwaway cluster the tests start themselves)
  postgresql-15
  # kiosk user interface and speech
  libimgui-dev libstb-dev libsdl2-dev libfreetype-dev libgl-dev fonts-noto-core libespeak-ng-dev espeak-ng
  # tests: headless display, screenshots, independent crypto checks
  xvfb xauth x11-apps xdotool imagemagick python3 python3-nacl sox
  # tests: what the kiosk draws, read back by OCR (an oracle independent of the layout code)
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra
  # tests: the results report in a real browser (axe-core through Selenium), its CSV in a real
  # spreadsheet program, the open-data package through the Frictionless validator (npm)
  chromium chromium-driver python3-selenium libreoffice-calc-nogui nodejs
  # tests: opinion groups checked against base R (prcomp, kmeans), pairwise scores against BradleyTerry2
  r-base-core r-cran-bradleyterry2
  # tests: the documented reverse proxy in front of the hub, under floods
  nginx
  # tests: the console's QR codes read back (zbarimg), /metrics checked by Prometheus's own parser
  # (promtool), listening sockets listed (ss)
  zbar-tools prometheus iproute2
  # packages: build with CPack, check with lintian, run the kiosk under cage
  dpkg-dev fakeroot lintian cage xwayland systemd adduser procps curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

# The tests' JavaScript checkers (tests/browser/package.json, pinned by its package-lock.json):
# axe-core and the Frictionless validator, from the npm registry, installed once per lock file.
install_browser_checkers() {
  local dir lock stamp
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  lock="$dir/package-lock.json"
  stamp="$dir/node_modules/.installed-lock"
  if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
    return 0
  fi
  echo "install-deps: npm ci in tests/browser (axe-core, datapackage)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$lock" "$stamp"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  install_browser_checkers
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root (sudo $0) to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
install_browser_checkers
