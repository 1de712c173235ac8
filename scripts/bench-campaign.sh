#!/usr/bin/env bash
# Campaign checks at scale, in one run:
#  1. `wamedia check` over COUNT small mixed files (unique contents) against `file --mime-type -b` over the
#     same files: files/s, ratio, and wamedia's peak resident memory (/usr/bin/time -v).
#     Then `wamedia check --format html` over the same files: seconds, the report's size, and its
#     speed against `check --format json` (target: at least 0.5x, and under 40 MB).
#  2. `wamedia check --manifest` of URLS URLs served by `python3 -m http.server` on 127.0.0.1:
#     wall time, URLs/s, and body bytes fetched per URL against the bytes a full download would take.
# Usage: scripts/bench-campaign.sh [COUNT] [URLS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
urls=${2:-1000}
scripts/install-deps.sh >&2
swift build -c release --scratch-path .build-release --product wamedia >&2
wamedia=$PWD/.build-release/release/wamedia
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Small files of every kind, each made unique by a trailing line so no two share a SHA-256
# (duplicates would be inspected once and flatter the figures).
python3 - "$work/files" "$count" <<'PY'
import os, struct, sys
folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder)
kinds = ["invoice.pdf", "logo.png", "notes.txt", "report.docx", "tone.mp3", "voice.ogg", "clip.mp4",
         "truncated.jpg", "sticker.webp"]
data = {k: open(os.path.join("samples", k), "rb").read() for k in kinds}
for i in range(count):
    kind = kinds[i % len(kinds)]
    stem, ext = kind.rsplit(".", 1)
    tag = b"\n%% " + str(i).encode() + b"\n"
    if ext == "mp4":  # an MP4 may only end with boxes: a 'free' box carries the tag
        tag = struct.pack(">I", 8 + len(tag)) + b"free" + tag
    with open(os.path.join(folder, f"{i:05d}-{stem}.{ext}"), "wb") as f:
        f.write(data[kind] + tag)
PY
(cd "$work/files" && ls) > "$work/list"

best_of() { # best wall time of 3 runs, in seconds
    local best=""
    for _ in 1 2 3; do
        local start end elapsed
        start=$(date +%s.%N)
        "$@" > /dev/null || true
        end=$(date +%s.%N)
        elapsed=$(echo "$end - $start" | bc -l)
        if [ -z "$best" ] || (( $(echo "$elapsed < $best" | bc -l) )); then best=$elapsed; fi
    done
    echo "$best"
}

cd "$work/files"
file_time=$(best_of file --mime-type -b -f "$work/list")
check_time=$(best_of "$wamedia" check --format json .)
check_serial=$(best_of "$wamedia" check --format json --jobs 1 .)
start=$(date +%s.%N)
"$wamedia" check --format json --verify-images decode . > /dev/null || true
end=$(date +%s.%N)
check_decode=$(echo "$end - $start" | bc -l)
rss_kb=$( { /usr/bin/time -v "$wamedia" check --format json . > "$work/check.jsonl" || true; } 2>&1 | awk '/Maximum resident/ {print $6}')
summary=$(tail -n 1 "$work/check.jsonl")
html_time=$(best_of "$wamedia" check --format html .)
html_rss_kb=$( { /usr/bin/time -v "$wamedia" check --format html . > "$work/report.html" || true; } 2>&1 | awk '/Maximum resident/ {print $6}')
html_bytes=$(stat -c %s "$work/report.html")
thumbnails=$(grep -o 'src="data:image/' "$work/report.html" | wc -l)
cd - > /dev/null

echo
printf '%-46s %8s %10s %9s\n' "local files ($count)" "seconds" "files/s" "vs file"
row() { printf '%-46s %8.3f %10.0f %8.2fx\n' "$1" "$2" "$(echo "$count / $2" | bc -l)" "$(echo "$file_time / $2" | bc -l)"; }
row "file --mime-type -b (libmagic only)" "$file_time"
row "wamedia check (2 workers)" "$check_time"
row "wamedia check --jobs 1" "$check_serial"
row "wamedia check --verify-images decode (1 run)" "$check_decode"
echo "peak RSS of wamedia check over $count files: $((rss_kb / 1024)) MB (target < 100 MB)"
echo "summary: $summary"
echo
printf '%-46s %8s %10s %9s\n' "HTML report ($count)" "seconds" "files/s" "vs json"
printf '%-46s %8.3f %10.0f %8.2fx\n' "wamedia check --format json" "$check_time" "$(echo "$count / $check_time" | bc -l)" 1
printf '%-46s %8.3f %10.0f %8.2fx\n' "wamedia check --format html" "$html_time" "$(echo "$count / $html_time" | bc -l)" "$(echo "$check_time / $html_time" | bc -l)"
echo "report: $(echo "$html_bytes / 1000000" | bc -l | xargs printf '%.1f') MB (target < 40 MB), $thumbnails thumbnails, peak RSS $((html_rss_kb / 1024)) MB; target: at least 0.5x json"

# URLs: a plain static server on loopback; some files larger than the 256 KiB the check reads.
mkdir -p "$work/www"
python3 - "$work/www" "$urls" <<'PY'
import os, sys
folder, count = sys.argv[1], int(sys.argv[2])
kinds = ["photo.jpg", "scan.jpg", "invoice.pdf", "logo.png", "tone.mp3", "voice.ogg", "clip.mp4", "report.docx"]
for k in kinds:
    data = open(os.path.join("samples", k), "rb").read()
    open(os.path.join(folder, k), "wb").write(data)
# A 3 MB JPEG (a real image padded after its end): the check must not read all of it.
open(os.path.join(folder, "big.jpg"), "wb").write(open("samples/photo.jpg", "rb").read() + b"\0" * 3_000_000)
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
(cd "$work/www" && exec python3 -m http.server "$port" --bind 127.0.0.1 > /dev/null 2>&1) &
server_pid=$!
for _ in $(seq 1 50); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/logo.png')" 2>/dev/null; then break; fi
    sleep 0.1
done
python3 - "$work/www" "$urls" "$port" > "$work/urls.jsonl" <<'PY'
import json, os, sys
folder, count, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = sorted(os.listdir(folder))
# Distinct query strings keep every URL distinct, so none is served from the run's own cache.
for i in range(count):
    name = names[i % len(names)]
    print(json.dumps({"media": f"http://127.0.0.1:{port}/{name}?n={i}"}))
PY
whole=$(python3 - "$work/www" "$urls" <<'PY'
import os, sys
folder, count = sys.argv[1], int(sys.argv[2])
names = sorted(os.listdir(folder))
print(sum(os.path.getsize(os.path.join(folder, names[i % len(names)])) for i in range(count)))
PY
)
start=$(date +%s.%N)
"$wamedia" check --format json --allow-private --allow-http --manifest "$work/urls.jsonl" > "$work/urls.out" || true
end=$(date +%s.%N)
url_time=$(echo "$end - $start" | bc -l)
url_summary=$(tail -n 1 "$work/urls.out")
fetched=$(echo "$url_summary" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_fetched"])')
echo
printf 'URLs (%d, python3 -m http.server on 127.0.0.1, --url-jobs 16)\n' "$urls"
printf '  wall time            %8.3f s (%.0f URLs/s)\n' "$url_time" "$(echo "$urls / $url_time" | bc -l)"
printf '  bytes fetched / URL  %8.0f (a full download would be %.0f)\n' "$(echo "$fetched / $urls" | bc -l)" "$(echo "$whole / $urls" | bc -l)"
echo "  summary: $url_summary"
