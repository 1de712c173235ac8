#!/usr/bin/env bash
# The HTML report with poster frames and audio levels against its floor, measured in the same run:
# `wamedia check --format html` over COUNT small mixed files (the corpus of bench-campaign.sh: a
# ninth each PDF, PNG, text, DOCX, MP3, OGG, MP4, truncated JPEG, WebP) against the sum of
#   `wamedia check --format json`, `vipsthumbnail -s 160` over the same images and one ffmpeg
#   poster per video (the same command wamedia runs), each spread over every core as the report is.
# Target: at most 1.2x the floor. Audio levels (one ffmpeg `volumedetect` per audio file) are in
# the report, not in the floor: the script also prints how many of each the report holds.
# Usage: scripts/bench-report-posters.sh [COUNT]   (NO_BUILD=1 reuses the release build; WAMEDIA=path runs that binary)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
if [ -n "${WAMEDIA:-}" ]; then
    wamedia=$WAMEDIA
else
    scripts/install-deps.sh >&2
    if [ -z "${NO_BUILD:-}" ]; then swift build -c release --scratch-path .build-release --product wamedia >&2; fi
    wamedia=$PWD/.build-release/release/wamedia
fi
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
mkdir "$work/thumbs" "$work/posters"

seconds() { # wall time of one run of the command, in seconds
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
best_of() { # best wall time of 3 runs, in seconds
    local best="" elapsed
    for _ in 1 2 3; do
        elapsed=$(seconds "$@")
        if [ -z "$best" ] || (( $(echo "$elapsed < $best" | bc -l) )); then best=$elapsed; fi
    done
    echo "$best"
}
thumbnails() { # vipsthumbnail over the images, as many processes as cores
    find "$work/files" \( -name '*.png' -o -name '*.webp' -o -name '*.jpg' \) -print0 \
        | xargs -0 -P "$cores" -n 100 vipsthumbnail -s 160 -o "$work/thumbs/%s.jpg[Q=50]"
}
posters() { # one poster per video, as PosterFrame makes it, as many at once as cores
    find "$work/files" -name '*.mp4' -print0 | xargs -0 -P "$cores" -I{} ffmpeg -hide_banner -nostdin -nostats \
        -loglevel error -threads 1 -ss 1.000 -protocol_whitelist file -i "file:{}" -map 0:v:0 -an -sn -dn \
        -frames:v 1 -vf "scale=iw*sar:ih,setsar=1,scale=160:160:force_original_aspect_ratio=decrease,format=yuvj420p" \
        -c:v mjpeg -q:v 8 -map_metadata -1 -f image2 -update 1 -y "$work/posters/poster.jpg"
}

cd "$work/files"
html_time=$(best_of "$wamedia" check --format html .)
json_time=$(best_of "$wamedia" check --format json .)
thumb_time=$(best_of thumbnails)
poster_time=$(best_of posters)
"$wamedia" check --format html . > "$work/report.html" || true
cd - > /dev/null

floor=$(echo "$json_time + $thumb_time + $poster_time" | bc -l)
printf '%-52s %8s\n' "$count files" "seconds"
printf '%-52s %8.3f\n' "wamedia check --format json" "$json_time"
printf '%-52s %8.3f\n' "vipsthumbnail -s 160 over the images" "$thumb_time"
printf '%-52s %8.3f\n' "one ffmpeg poster per video" "$poster_time"
printf '%-52s %8.3f\n' "floor (the sum)" "$floor"
printf '%-52s %8.3f  %.2fx the floor (target <= 1.2x)\n' "wamedia check --format html" "$html_time" \
    "$(echo "$html_time / $floor" | bc -l)"
echo "report: $(stat -c %s "$work/report.html") bytes, $(grep -o 'class="poster"' "$work/report.html" | wc -l) posters," \
    "$(grep -o '<meter ' "$work/report.html" | wc -l) level bars, $(grep -o 'class="note"' "$work/report.html" | wc -l) notes"
