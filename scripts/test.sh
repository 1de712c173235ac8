#!/usr/bin/env bash
# The test command: installs what the tests need (native libraries, ffmpeg, libvips tools,
# PostgreSQL), then builds and runs every test with a throwaway PostgreSQL cluster
# (scripts/with-postgres.sh exports its URL as WAMEDIA_TEST_POSTGRES_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build "$@"
