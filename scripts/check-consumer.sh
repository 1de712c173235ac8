#!/usr/bin/env bash
# Builds and runs Examples/UploadValidator as a user of a release would: it depends on wamedia
# by version (`from: "0.1.0"`), here from a clone of this repository's HEAD, tagged with the CLI's
# version, in a temporary folder (WAMEDIA_PACKAGE_URL=file://…, read by the example's
# Package.swift). Fails when the package cannot be depended on that way (unsafe build flags, a
# product that does not build on its own, an internal type in a public API), when the
# WabaMedia product pulls in networking, or when a README library example no longer compiles or
# runs. Only committed work is checked: the clone is of HEAD.
#
#   scripts/check-consumer.sh       # after scripts/test.sh, as .ci/run does
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

fail() {
    echo "check-consumer: $*" >&2
    exit 1
}
command -v heif-enc >/dev/null || fail "heif-enc (libheif-examples) makes the HEIC the README examples read: run scripts/install-deps.sh"

VERSION=$(sed -n 's/^ *version: "\([0-9][0-9.]*\)",$/\1/p' Sources/wamedia/Wamedia.swift)
[[ -n $VERSION ]] || fail "no version found in Sources/wamedia/Wamedia.swift"
git diff --quiet HEAD -- || echo "check-consumer: uncommitted changes are not checked: this builds HEAD" >&2

# The clone's folder is named wamedia: a package is known by the last part of its URL.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CLONE=$WORK/wamedia
git clone --quiet --no-local "$ROOT" "$CLONE"
git -C "$CLONE" tag "$VERSION"
export WAMEDIA_PACKAGE_URL="file://$CLONE"
EXAMPLE=$CLONE/Examples/UploadValidator
echo "check-consumer: Examples/UploadValidator against wamedia $VERSION ($(git -C "$CLONE" rev-parse --short HEAD)) from $WAMEDIA_PACKAGE_URL" >&2

"$CLONE/scripts/check-readme-examples.sh" >&2

# The example and its pins come from the clone too; its build folder stays in this checkout, so
# that a second run rebuilds only what changed.
BUILD=(swift build --package-path "$EXAMPLE" --scratch-path "$ROOT/Examples/UploadValidator/.build")
"${BUILD[@]}" --product upload-validator >&2
BIN=$("${BUILD[@]}" --show-bin-path)

# expect STATUS PATTERN COMMAND...: COMMAND exits with STATUS and its stdout matches PATTERN.
expect() {
    local status=$1 pattern=$2 output code=0
    shift 2
    output=$("$@") || code=$?
    [[ $code == "$status" ]] || fail "$(basename "$1") ${*:2}: exit $code, expected $status; it printed: $output"
    grep -Eq "$pattern" <<<"$output" || fail "$(basename "$1") ${*:2}: expected /$pattern/ in: $output"
    echo "$output"
}
cd "$CLONE"
expect 0 '^samples/photo\.jpg: ok as image$' "$BIN/upload-validator" samples/photo.jpg image
expect 0 '^samples/sticker\.webp: fixable as image$' "$BIN/upload-validator" samples/sticker.webp image
expect 1 '^samples/truncated\.jpg: rejected as image$' "$BIN/upload-validator" samples/truncated.jpg
expect 2 '^$' "$BIN/upload-validator" 2>/dev/null

# The offline product brings no networking: no SwiftNIO or AsyncHTTPClient code is linked in.
if nm "$BIN/upload-validator" | grep -Eq 'NIOCore|NIOPosix|AsyncHTTPClient'; then
    fail "upload-validator, built on the WabaMedia product alone, links SwiftNIO or AsyncHTTPClient"
fi

# The README's library examples, in a folder holding the files they name.
mkdir -p "$WORK/run/campaign" "$WORK/run/ready"
heif-enc --quality 80 "$CLONE/samples/photo.jpg" -o "$WORK/run/campaign/hero.heic" >/dev/null
cp "$CLONE/samples/invoice.pdf" "$WORK/run/invoice"
"${BUILD[@]}" --product readme-check >&2
"${BUILD[@]}" --product readme-prepare >&2
"${BUILD[@]}" --product readme-send >&2
(cd "$WORK/run" && expect 0 '^readme-check: hero\.heic fixable, invoice application/pdf ok$' "$BIN/readme-check")
(cd "$WORK/run" && expect 0 '^readme-prepare: ready/hero\.jpg image/jpeg ok$' "$BIN/readme-prepare")
(cd "$WORK/run" && expect 0 '^readme-send: sent hero\.jpg' "$BIN/readme-send")
echo "check-consumer: the example builds against wamedia $VERSION by version and runs" >&2
