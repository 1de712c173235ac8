#!/usr/bin/env bash
# Sends a generated 100 MB document to the local sandbox with `wamedia send` (release build) and
# compares it with curl posting the same body, pre-built by `wamedia payload -o`, to the same
# sandbox, in one run. Prints wamedia's peak RSS (target < 64 MB) and the wall-time ratio
# (target <= 1.5x). Usage: scripts/bench-send.sh [SIZE_BYTES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100000000}
runs=${2:-3}
swift build -c release --scratch-path .build-release --product wamedia >&2
wamedia=$PWD/.build-release/release/wamedia
work=$(mktemp -d)
sandbox_pid=""
cleanup() {
    if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A PDF header and random bytes: detection says PDF, and nothing compresses or caches it away.
document="$work/report.pdf"
printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n' > "$document"
head -c $((size - $(stat -c %s "$document"))) /dev/urandom >> "$document"

key="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$wamedia" sandbox --port 0 --api-key "$key" > "$work/url" 2> "$work/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -n 1 "$work/url")
[ -n "$url" ] || { echo "the sandbox did not start:" >&2; cat "$work/sandbox.log" >&2; exit 1; }

contact=c1d2e3f4-a5b6-7890-cdef-123456789012
"$wamedia" payload --channel chn_bench --contact "$contact" --type document -o "$work/body.json" "$document" 2> /dev/null
body_bytes=$(stat -c %s "$work/body.json")

seconds_of() { # wall seconds of one run of a command, which must succeed
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
curl_post() {
    local status
    status=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Expect:' -H "x-api-key: $key" -H 'content-type: application/json' \
        --data-binary @"$work/body.json" "$url/v1/waba/send-media")
    [ "$status" = 200 ] || { echo "curl got $status" >&2; return 1; }
}
wamedia_send() {
    WAMEDIA_API_KEY=$key "$wamedia" send --channel chn_bench --contact "$contact" --type document \
        --base-url "$url" --format json "$document"
}
best() { sort -n | head -n 1; }
# curl is told not to send `Expect: 100-continue`, which would add a wait of up to a second.

curl_times=(); send_times=()
for _ in $(seq 1 "$runs"); do  # interleaved, so both see the same machine state
    t=$(seconds_of curl_post) || exit 1; curl_times+=("$t")
    t=$(seconds_of wamedia_send) || exit 1; send_times+=("$t")
done
curl_best=$(printf '%s\n' "${curl_times[@]}" | best)
send_best=$(printf '%s\n' "${send_times[@]}" | best)

rss_kb=$( { WAMEDIA_API_KEY=$key /usr/bin/time -v "$wamedia" send --channel chn_bench --contact "$contact" \
    --type document --base-url "$url" --format json "$document" > /dev/null; } 2>&1 | awk '/Maximum resident/ {print $6}')

printf 'document:            %d bytes (body %d bytes)\n' "$size" "$body_bytes"
printf 'curl (pre-built):    %.3f s  (best of %d)\n' "$curl_best" "$runs"
printf 'wamedia send:        %.3f s  (best of %d)\n' "$send_best" "$runs"
printf 'ratio send/curl:     %.2fx  (target <= 1.5x)\n' "$(echo "$send_best / $curl_best" | bc -l)"
printf 'wamedia peak RSS:    %.1f MB  (target < 64 MB)\n' "$(echo "$rss_kb / 1024" | bc -l)"
