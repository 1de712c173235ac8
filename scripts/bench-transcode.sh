#!/usr/bin/env bash
# Transcoding, in one run (release build):
#  1. wall time of `wamedia prepare` on an HEVC clip against the same ffmpeg command line run by hand
#     (target <= 1.05x), for each --speed;
#  2. size-fit accuracy: the share of the budget the fitted output uses, over several clips (goal 92-100%);
#  3. SSIM against the source of the fitted output beside a naive recipe that fits the same budget
#     (one pass at the budget's average bitrate, at the source's resolution): target >= at no larger size.
# Usage: scripts/bench-transcode.sh [RUNS]   (NO_BUILD=1 reuses the release build; WAMEDIA=path runs that binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
scratch=.build-release
if [ -n "${WAMEDIA:-}" ]; then
    wamedia=$WAMEDIA
else
    if [ -z "${NO_BUILD:-}" ]; then swift build -c release --scratch-path "$scratch" --product wamedia >&2; fi
    wamedia=$PWD/$scratch/release/wamedia
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ff() { ffmpeg -v error -nostdin -y "$@"; }
seconds_of() { # wall seconds of one run of a command, which must succeed
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
best() { sort -n | head -n 1; }
size_of() { stat -c %s "$1"; }

# --- 1. Wall time against ffmpeg by hand (SKIP_WALL=1 skips it) ------------------------------------
if [ -z "${SKIP_WALL:-}" ]; then
# 10 s of 1280x720 at 30 fps in HEVC with AAC: under the 16 MB budget, so one pass at CRF 23 with
# the budget's rate as a cap, exactly the command below.
clip="$work/clip.mp4"
ff -f lavfi -i "testsrc2=size=1280x720:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" -ac 2 -t 10 \
    -c:v libx265 -x265-params log-level=error -preset fast -tag:v hvc1 -c:a aac "$clip"
# The budget's rate as wamedia computes it: 98.5% of 16 MB less the index, over 10 s, less 128 kbit/s of audio.
cap=$(echo "((16000000 * 0.985 - 16384 - 10 * (30 * 12 + 400)) * 8 / 10 - 128000) / 1" | bc)
echo "## wall time: prepare vs ffmpeg by hand (1280x720 HEVC, 10 s, best of $runs)"
printf '| speed | x264 preset | ffmpeg (s) | wamedia prepare (s) | ratio | output |\n|---|---|---|---|---|---|\n'
for speed in fast balanced best; do
    case $speed in fast) preset=veryfast ;; balanced) preset=medium ;; best) preset=slow ;; esac
    by_hand() {
        prlimit --as=$((4 << 30)) --cpu=3000 --fsize=$((16000000 * 4 + (16 << 20))) --core=0 -- \
            ffmpeg -hide_banner -nostdin -nostats -loglevel error -progress pipe:1 -f mov -protocol_whitelist file \
            -noautorotate -i "file:$clip" -map 0:v:0 -map 0:a:0 -c:a copy -c:v libx264 -preset "$preset" \
            -profile:v main -pix_fmt yuv420p -vf scale=1280:720 -crf 23 -maxrate "$cap" -bufsize $((cap * 2)) \
            -sn -dn -movflags +faststart -f mp4 -map_metadata -1 -map_chapters -1 -y "file:$work/by-hand.mp4"
    }
    ours() { "$wamedia" prepare --speed "$speed" -o "$work/ours.mp4" "$clip"; }
    hand_times=(); our_times=()
    for _ in $(seq 1 "$runs"); do # interleaved, so both see the same machine state
        hand_times+=("$(seconds_of by_hand)")
        our_times+=("$(seconds_of ours)")
    done
    hand=$(printf '%s\n' "${hand_times[@]}" | best)
    our=$(printf '%s\n' "${our_times[@]}" | best)
    cmp -s <(ffprobe -v error -show_entries stream=codec_name,width,height,nb_frames -of csv "$work/by-hand.mp4") \
        <(ffprobe -v error -show_entries stream=codec_name,width,height,nb_frames -of csv "$work/ours.mp4") \
        || { echo "the outputs differ in their streams: the command above is not the one wamedia runs" >&2; exit 1; }
    printf '| %s | %s | %.2f | %.2f | %.3fx | %s bytes |\n' "$speed" "$preset" "$hand" "$our" \
        "$(echo "$our / $hand" | bc -l)" "$(size_of "$work/ours.mp4")"
done

fi

# --- 2 and 3. Size fitting and quality --------------------------------------------------------------
# A profile with a 1.5 MB video budget, so short clips bind as 16 MB binds minutes-long ones.
budget=1500000
profile="$work/bench.yaml"
awk -v budget=$budget '/^video:/ {v=1} /^audio:/ {v=0} v && /max_bytes:/ {sub(/[0-9]+/, budget)} {print}' \
    profiles/whatsapp-cloud.yaml > "$profile"
make_clip() { # name, lavfi source, seconds
    ff -f lavfi -i "$2" -f lavfi -i "sine=frequency=330:sample_rate=48000" -ac 2 -t "$3" -c:v libx264 -preset ultrafast \
        -crf 16 -pix_fmt yuv420p -c:a aac "$work/$1.mp4"
}
make_clip noise-540p "testsrc2=size=960x540:rate=25,noise=alls=12:allf=t" 10
make_clip pattern-720p "testsrc2=size=1280x720:rate=30" 12
make_clip fractal-540p "mandelbrot=size=960x540:rate=25" 10
make_clip life-540p "life=size=960x540:rate=30:mold=10:ratio=0.3" 15
make_clip noise-720p "testsrc2=size=1280x720:rate=24,noise=alls=20:allf=t" 8
# Closer to camera footage: a slow zoom and sway over the sample photo, with a little grain.
ff -loop 1 -i samples/photo.jpg -f lavfi -i "sine=frequency=330:sample_rate=48000" -ac 2 -t 12 -filter_complex \
    "[0:v]scale=2400:-2,zoompan=z='min(zoom+0.0015,1.5)':x='iw/2-(iw/zoom/2)+sin(on/20)*40':y='ih/2-(ih/zoom/2)':d=1:s=1280x720:fps=30,noise=alls=6:allf=t,format=yuv420p[v]" \
    -map "[v]" -map 1:a -c:v libx264 -preset ultrafast -crf 16 -c:a aac "$work/pan-720p.mp4"

ssim_of() { # output, source: SSIM of the output scaled back to the source's size
    local size
    size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$2")
    ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -lavfi "[0:v]scale=${size/x/:}:flags=bicubic[a];[a][1:v]ssim" \
        -f null - 2>&1 | sed -n 's/.*All:\([0-9.]*\).*/\1/p' | tail -n 1
}

echo
echo "## size fitting and SSIM (budget $budget bytes, --speed balanced)"
printf '| clip | input | wamedia | share of budget | steps | SSIM | naive | naive share | naive SSIM |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for name in noise-540p pattern-720p fractal-540p life-540p noise-720p pan-720p; do
    input="$work/$name.mp4"
    out="$work/$name-fitted.mp4"
    steps=$("$wamedia" prepare --profile "$profile" --format json -o "$out" "$input" \
        | python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print("; ".join(s for s in r.get("output", {}).get("steps", []) if "p at" in s or "re-encoded" in s))')
    duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$input")
    rate=$(echo "(($budget * 0.97 - 16384) * 8 / $duration - 128000) / 1" | bc)
    naive="$work/$name-naive.mp4"
    ff -i "$input" -c:v libx264 -preset medium -profile:v main -pix_fmt yuv420p -b:v "$rate" -maxrate "$rate" \
        -bufsize $((rate * 2)) -c:a aac -b:a 128k -movflags +faststart "$naive"
    printf '| %s | %s | %s | %.1f%% | %s | %s | %s | %.1f%% | %s |\n' "$name" "$(size_of "$input")" "$(size_of "$out")" \
        "$(echo "$(size_of "$out") * 100 / $budget" | bc -l)" "$steps" "$(ssim_of "$out" "$input")" \
        "$(size_of "$naive")" "$(echo "$(size_of "$naive") * 100 / $budget" | bc -l)" "$(ssim_of "$naive" "$input")"
done
