#!/usr/bin/env bash
# The test command: installs what the tests need (native libraries, ffmpeg, libvips tools),
# then builds and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
