#!/usr/bin/env bash
# Installs everything civic-kiosk needs to build, run and test, from Debian 12's archive only.
# Idempotent: packages already present are left alone and apt-get is not called at all.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-tidy libclang-rt-14-dev
  # libraries
  libsodium-dev libsqlite3-dev sqlite3 catch2 libcurl4-openssl-dev libcpp-httplib-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  # kiosk user interface and speech
  libimgui-dev libstb-dev libsdl2-dev libfreetype-dev libgl-dev fonts-noto-core libespeak-ng-dev espeak-ng
  # tests: headless display, screenshots, independent crypto checks
  xvfb xauth x11-apps xdotool imagemagick python3 python3-nacl sox
  # tests: what the kiosk draws, read back by OCR (an oracle independent of the layout code)
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra
  # tests: the results report in a real browser
  chromium
  # tests: the documented reverse proxy in front of the hub, under floods
  nginx
  # packages: build with CPack, check with lintian, run the kiosk under cage
  dpkg-dev fakeroot lintian cage xwayland systemd adduser procps curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
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
