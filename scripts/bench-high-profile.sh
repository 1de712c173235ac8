#!/usr/bin/env bash
# Re-encoding a phone clip that Android WhatsApp clients may not play (H.264 High profile with
# B-frames) into Main without B-frames: wall time of `wamedia prepare` against the same ffmpeg command
# line run by hand, in one run (target <= 1.05x). wamedia's time includes what it does besides the
# encode: the check, and the decode of its output that proves it plays.
# Usage: scripts/bench-high-profile.sh [RUNS]   (NO_BUILD=1 reuses the release build; WAMEDIA=path runs that binary)
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

seconds_of() { # wall seconds of one run of a command, which must succeed
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
best() { sort -n | head -n 1; }

# 30 s of 1920x1080 at 30 fps, H.264 High with 3 B-frames at 3.5 Mbit/s and stereo AAC, as a phone's
# shared export is; its AAC conforms and is copied. At 1080p a 30 s clip is re-encoded in two passes
# at the rate that fits the 16 MB budget: the command by hand is the same two passes.
seconds=30
clip="$work/phone.mp4"
ffmpeg -v error -nostdin -y -f lavfi -i "testsrc2=size=1920x1080:rate=30" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -ac 2 -t $seconds -c:v libx264 -preset veryfast \
    -profile:v high -bf 3 -b:v 3500k -maxrate 4M -bufsize 8M -pix_fmt yuv420p -c:a aac -b:a 128k "$clip"
plan=$("$wamedia" check "$clip" || true)
grep -q "h264-profile" <<<"$plan" || { echo "the clip is not High profile" >&2; exit 1; }
grep -q "in two passes" <<<"$plan" || { echo "wamedia does not plan two passes for this clip: $plan" >&2; exit 1; }

# The rate as TranscodePlanner computes it: 98.5% of 16 MB less the index (16 kB, and 12 bytes a frame
# and 400 a second), over the clip, less the copied audio's 128 kbit/s.
rate=$(echo "((16000000 * 0.985 - 16384 - $seconds * (30 * 12 + 400)) * 8 / $seconds) / 1 - 128000" | bc)
echo "## High profile with B-frames to Main without: prepare vs ffmpeg by hand (1080p, ${seconds} s, best of $runs)"
printf '| speed | x264 preset | ffmpeg (s) | wamedia prepare (s) | ratio | output |\n|---|---|---|---|---|---|\n'
for speed in balanced; do
    preset=medium
    by_hand() {
        local video=(-c:v libx264 -preset "$preset" -profile:v main -pix_fmt yuv420p -bf 0 -vf scale=1920:1080
            -b:v "$rate" -maxrate $((rate * 2)) -bufsize $((rate * 4)) -qcomp 0.4)
        local input=(-f mov -protocol_whitelist file -noautorotate -i "file:$clip")
        local fence=(prlimit --as=$((4 << 30)) --cpu=3000 --fsize=$((16000000 * 4 + (16 << 20))) --core=0 --)
        "${fence[@]}" ffmpeg -hide_banner -nostdin -nostats -loglevel error -progress pipe:1 "${input[@]}" \
            -map 0:v:0 -an "${video[@]}" -pass 1 -passlogfile "$work/pass" -sn -dn -f null \
            -map_metadata -1 -map_chapters -1 -y -
        "${fence[@]}" ffmpeg -hide_banner -nostdin -nostats -loglevel error -progress pipe:1 "${input[@]}" \
            -map 0:v:0 -map 0:a:0 -c:a copy "${video[@]}" -pass 2 -passlogfile "$work/pass" -sn -dn \
            -movflags +faststart -f mp4 -map_metadata -1 -map_chapters -1 -y "file:$work/by-hand.mp4"
    }
    ours() { "$wamedia" prepare --speed "$speed" -o "$work/ours.mp4" "$clip"; }
    hand_times=(); our_times=()
    for _ in $(seq 1 "$runs"); do # interleaved, so both see the same machine state
        hand_times+=("$(seconds_of by_hand)")
        our_times+=("$(seconds_of ours)")
    done
    hand=$(printf '%s\n' "${hand_times[@]}" | best)
    our=$(printf '%s\n' "${our_times[@]}" | best)
    cmp -s <(ffprobe -v error -show_entries stream=codec_name,profile,has_b_frames,width,height,nb_frames -of csv "$work/by-hand.mp4") \
        <(ffprobe -v error -show_entries stream=codec_name,profile,has_b_frames,width,height,nb_frames -of csv "$work/ours.mp4") \
        || { echo "the outputs differ in their streams: the command above is not the one wamedia runs" >&2; exit 1; }
    ffprobe -v error -select_streams v:0 -show_entries stream=profile,has_b_frames -of csv=p=0 "$work/ours.mp4" |
        grep -qx "Main,0" || { echo "the output is not Main without B-frames" >&2; exit 1; }
    printf '| %s | %s | %.2f | %.2f | %.3fx | %s bytes |\n' "$speed" "$preset" "$hand" "$our" \
        "$(echo "$our / $hand" | bc -l)" "$(stat -c %s "$work/ours.mp4")"
done
