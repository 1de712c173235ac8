#!/usr/bin/env bash
# Installs the native libraries wamedia builds against, and the reference tools its tests
# and benchmarks compare with, the browser the inbox and HTML report tests render pages in, and the
# PostgreSQL server the journal tests start a throwaway cluster of (scripts/with-postgres.sh).
# Debian/Ubuntu, as root (or with sudo available).
#
# apt and dpkg print thousands of lines for a fresh machine; they go to a log file
# (WAMEDIA_DEPS_LOG, default /tmp/wamedia-install-deps.log), and standard error gets one line
# saying what is being installed and where the log is, or the log's tail if the install fails.
set -euo pipefail
packages=(libvips-dev libmagic-dev libvips-tools ffmpeg imagemagick libheif-examples libimage-exiftool-perl time curl bc
    python3-numpy libgs-common chromium libsqlite3-dev postgresql)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
log=${WAMEDIA_DEPS_LOG:-${TMPDIR:-/tmp}/wamedia-install-deps.log}
echo "installing ${#missing[@]} packages (${missing[*]}); log: $log" >&2
{
    echo "installing: ${missing[*]}"
    $sudo apt-get update &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
} >"$log" 2>&1 </dev/null || {
    status=$?
    echo "install-deps: apt-get failed (exit $status); the last lines of $log:" >&2
    tail -n 25 "$log" >&2
    exit "$status"
}
