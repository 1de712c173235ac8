#!/usr/bin/env bash
# Throughput of `wamedia inspect` over 1,000 small files against `file --mime-type` over the
# same files, in one run. Usage: scripts/bench-inspect.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
scripts/install-deps.sh
[ -n "${NO_BUILD:-}" ] || swift build -c release --scratch-path .build-release --product wamedia >&2
wamedia=$PWD/.build-release/release/wamedia
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Small files of every kind the samples hold, each copy made unique by its name only.
kinds=(samples/invoice.pdf samples/logo.png samples/notes.txt samples/report.docx samples/scan.jpg samples/tone.mp3 samples/voice.ogg samples/clip.mp4)
for i in $(seq 1 "$count"); do
    source=${kinds[$((i % ${#kinds[@]}))]}
    cp "$source" "$work/$i-$(basename "$source")"
done
ls "$work" > "$work.list"
cd "$work"

time_of() { # prints the best wall time of 5 runs, in seconds
    local best=""
    for _ in 1 2 3 4 5; do
        local start end elapsed
        start=$(date +%s.%N)
        "$@" > /dev/null
        end=$(date +%s.%N)
        elapsed=$(echo "$end - $start" | bc -l)
        if [ -z "$best" ] || (( $(echo "$elapsed < $best" | bc -l) )); then best=$elapsed; fi
    done
    echo "$best"
}

files=(*)
file_time=$(time_of file --mime-type "${files[@]}")
inspect_time=$(time_of "$wamedia" inspect --format json "${files[@]}")
inspect_serial=$(time_of "$wamedia" inspect --jobs 1 --format json "${files[@]}")
check_time=$(time_of "$wamedia" check --format json "${files[@]}")
rss=$( { /usr/bin/time -v "$wamedia" inspect --format json "${files[@]}" > /dev/null; } 2>&1 | awk '/Maximum resident/ {print $6}')

printf '%-44s %8s %10s %8s\n' "command ($count files)" "seconds" "files/s" "vs file"
row() { printf '%-44s %8.3f %10.0f %7.2fx\n' "$1" "$2" "$(echo "$count / $2" | bc -l)" "$(echo "$file_time / $2" | bc -l)"; }
row "file --mime-type" "$file_time"
row "wamedia inspect (2 cores)" "$inspect_time"
row "wamedia inspect --jobs 1" "$inspect_serial"
row "wamedia check (decodes images)" "$check_time"
echo "peak RSS of wamedia inspect: $((rss / 1024)) MB"
