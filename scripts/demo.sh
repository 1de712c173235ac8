#!/usr/bin/env bash
# The main job on the bundled samples, with no account: check every sample, prepare the fixable
# ones, then send them to the local sandbox (a stand-in for the send-media API on loopback), write
# the HTML report of the samples, and print the sandbox's inbox URL (kept open until Ctrl-C when run
# from a terminal).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --product wamedia
wamedia=.build/debug/wamedia
out=${WAMEDIA_DEMO_OUT:-out}
mkdir -p "$out"

echo "== inspect: what each sample is, from its bytes" >&2
"$wamedia" inspect samples/*

echo >&2
echo "== check: can each be sent? (truncated.jpg is meant to be rejected)" >&2
"$wamedia" check samples/* || true

echo >&2
echo "== prepare: make the fixable image conform" >&2
"$wamedia" prepare --type image samples/sticker.webp -o "$out"

echo >&2
echo "== send: each sendable sample to the local sandbox" >&2
key=demo-key
rm -f "$out/sandbox.url"
"$wamedia" sandbox --port 0 --api-key "$key" --store "$out/sandbox" > "$out/sandbox.url" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$out/sandbox.url" ] && break; sleep 0.1; done
base_url=$(head -n 1 "$out/sandbox.url")
for file in samples/photo.jpg samples/sticker.webp samples/invoice.pdf samples/clip.mp4 samples/voice.ogg; do
    WAMEDIA_API_KEY=$key "$wamedia" send --base-url "$base_url" --channel chn_demo \
        --contact 5f0c6a52-8a43-4c1e-9f1e-2b7d3c9a1e55 --caption "Sample: $(basename "$file")" "$file"
done
echo >&2
echo "== the sandbox stored what it received in $out/sandbox" >&2

echo >&2
echo "== check --format html: the samples' report, one self-contained page" >&2
"$wamedia" check --format html samples/* > "$out/report.html" || true
echo "report: $out/report.html"
echo "inbox:  $base_url/"
if [ -t 0 ] && [ -t 1 ]; then
    echo "open the inbox in a browser; Ctrl-C stops the sandbox" >&2
    wait "$sandbox" || true
fi
