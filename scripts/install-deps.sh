#!/usr/bin/env bash
# Installs the native libraries wamedia builds against, and the reference tools its tests
# and benchmarks compare with. Debian/Ubuntu, as root (or with sudo available).
set -euo pipefail
packages=(libvips-dev libmagic-dev libvips-tools ffmpeg imagemagick libheif-examples libimage-exiftool-perl time curl bc
    python3-numpy libgs-common)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
