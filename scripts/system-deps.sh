#!/usr/bin/env bash
# Installs the Debian packages the app (espeak-ng, ffmpeg, libopus0 to decode microphones at 16 kHz
# (interviews/audio/opus.py; ffmpeg depends on it anyway), gettext to compile the translation catalogues)
# and the tests (chromium for the browser tests, fonts-noto-cjk so Korean and Japanese pages render,
# docker-compose to validate docker-compose.yml) need.
# Usage: scripts/system-deps.sh [run|test]. Does nothing for packages already present.
set -euo pipefail
need=(espeak-ng ffmpeg libopus0 gettext)
[ "${1:-run}" = "test" ] && need+=(chromium fonts-noto-cjk docker-compose)
missing=()
for package in "${need[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "Please install: ${missing[*]} (apt-get install ${missing[*]})" >&2; exit 1
fi
echo "Installing ${missing[*]} from Debian's packages..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
