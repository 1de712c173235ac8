#!/usr/bin/env bash
# The test command: installs what the tests need (native libraries, ffmpeg, libvips tools,
# PostgreSQL), checks the formatting, then builds and runs every test with a throwaway PostgreSQL cluster
# (scripts/with-postgres.sh exports its URL as WAMEDIA_TEST_POSTGRES_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Formatting is checked first, in seconds: the configuration is .swift-format. Examples/ is left out:
# its files hold README.md's code blocks line for line (scripts/check-readme-examples.sh).
swift format lint --strict --recursive Package.swift Sources Tests Benchmarks
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build "$@"
