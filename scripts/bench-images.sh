#!/usr/bin/env bash
# Times `wamedia prepare --type image` against vipsthumbnail and ImageMagick on generated images,
# in one run, and prints wall time, peak RSS, output size and SSIM with the ratios.
#
#   scripts/bench-images.sh            # builds the release binary first
#   RUNS=5 BENCH_DIR=/tmp/x scripts/bench-images.sh
#
# Needs: libvips-tools (vips, vipsthumbnail), imagemagick, GNU time (/usr/bin/time), python3 + numpy for SSIM.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/wamedia-bench-images}
RUNS=${RUNS:-3}
MAGICK=${MAGICK:-/usr/bin/convert}
mkdir -p "$BENCH_DIR/out"
cd "$BENCH_DIR"

# SSIM needs numpy: the Debian package (scripts/install-deps.sh), else PyPI for this user.
python3 -c "import numpy" 2>/dev/null || python3 -m pip install --user --quiet numpy >&2 ||
    echo "numpy is missing: SSIM will read n/a (apt-get install python3-numpy)" >&2

if [[ -z "${NO_BUILD:-}${GENERATE_ONLY:-}" ]]; then (cd "$ROOT" && swift build -c release --scratch-path .build-release --product wamedia >&2); fi
WAMEDIA="$ROOT/.build-release/release/wamedia"

# A photo-like image: large and fine Perlin structure, a gradient and sensor-like noise per channel.
make_photo() { # name width height
    local name=$1 width=$2 height=$3 t="$BENCH_DIR/tmp-$1"
    mkdir -p "$t"
    vips perlin "$t/coarse.v" "$width" "$height" --cell-size 512
    vips perlin "$t/fine.v" "$width" "$height" --cell-size 64
    vips xyz "$t/xy.v" "$width" "$height"
    vips extract_band "$t/xy.v" "$t/x.v" 0
    vips linear "$t/coarse.v" "$t/c1.v" 90 128
    vips linear "$t/coarse.v" "$t/c2.v" " -70" 120
    vips linear "$t/fine.v" "$t/f.v" 30 0
    vips linear "$t/x.v" "$t/ramp.v" "$(python3 -c "print(72 / $width)")" " -36"
    vips add "$t/c1.v" "$t/f.v" "$t/s.v"
    vips add "$t/c2.v" "$t/f.v" "$t/b0.v"
    vips add "$t/s.v" "$t/ramp.v" "$t/g0.v"
    local band
    for band in s g0 b0; do
        vips gaussnoise "$t/n.v" "$width" "$height" --sigma 3.6 --mean 0
        vips add "$t/$band.v" "$t/n.v" "$t/$band-n.v"
    done
    vips bandjoin "$t/s-n.v $t/g0-n.v $t/b0-n.v" "$t/rgb.v"
    vips cast "$t/rgb.v" "$t/rgb8.v" uchar
    vips copy "$t/rgb8.v" "$BENCH_DIR/$name.v" --interpretation srgb
    rm -rf "$t"
}

if [[ ! -f photo24.jpg ]]; then
    echo "generating images in $BENCH_DIR ..." >&2
    make_photo photo24 6000 4000
    vips jpegsave photo24.v photo24.jpg --Q 95
    make_photo photo48 8000 6000
    vips jpegsave photo48.v photo48.jpg --Q 95
    rm -f photo48.v
    # A product cut-out: the photo inside an ellipse, transparent around it.
    vips thumbnail photo24.v photo12.v 4000 --height 3000 --crop centre
    "$MAGICK" -size 4000x3000 xc:black -fill white -draw "ellipse 2000,1500 1800,1350 0,360" -blur 0x4 mask.png
    vips extract_band mask.png mask.v 0
    vips bandjoin "photo12.v mask.v" cutout.v
    vips copy cutout.v cutout-srgb.v --interpretation srgb
    vips pngsave cutout-srgb.v alpha.png
    vips heifsave photo12.v photo.heic --Q 60 --compression hevc
    rm -f photo24.v photo12.v mask.png mask.v cutout.v cutout-srgb.v
fi
if [[ -n "${GENERATE_ONLY:-}" ]]; then exit 0; fi

median() { sort -n | sed -n "$(((RUNS + 1) / 2))p"; }

# Runs a command RUNS times; prints the median wall seconds, the median CPU seconds (user +
# system: on a busy machine wall time also counts waiting for a core) and the median peak RSS in KiB.
measure() {
    local times=() cpus=() rss=() i wall user system peak
    for ((i = 0; i < RUNS; i++)); do
        read -r wall user system peak < <(/usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1)
        times+=("$wall")
        cpus+=("$(echo "$user + $system" | bc -l)")
        rss+=("$peak")
    done
    printf '%s %s %s\n' "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
        "$(printf '%s\n' "${rss[@]}" | median)"
}

ssim() { # output input: SSIM against a reference downscale of the input to the output's size
    local output=$1 input=$2 width height
    width=$(vipsheader -f width "$output")
    height=$(vipsheader -f height "$output")
    vipsthumbnail "$input" --size "${width}x${height}!" -o "$BENCH_DIR/out/reference.v" 2>/dev/null
    python3 "$ROOT/scripts/ssim.py" "$output" "$BENCH_DIR/out/reference.v" 2>/dev/null || echo "n/a"
}

printf '%-12s %-14s %8s %7s %9s %9s %10s %7s\n' INPUT TOOL "TIME s" "CPU s" "RSS MB" "SIZE MB" DIMENSIONS SSIM
summary=()
for input in photo24.jpg photo48.jpg alpha.png photo.heic; do
    stem=${input%.*}
    rm -f out/"$stem".* out/vt-"$stem".jpg out/im-"$stem".jpg
    read -r wt wc wr < <(measure "$WAMEDIA" prepare --type image "$input" -o out/)
    wout=$(ls out/"$stem".jpg out/"$stem".png 2>/dev/null | head -1 || true)
    read -r vt vc vr < <(measure vipsthumbnail "$input" --size "4096x4096>" -o "$BENCH_DIR/out/vt-$stem.jpg[Q=85,strip]")
    read -r it ic ir < <(measure "$MAGICK" "$input" -resize "4096x4096>" -quality 85 -strip "out/im-$stem.jpg")
    for row in "wamedia $wt $wc $wr $wout" "vipsthumbnail $vt $vc $vr out/vt-$stem.jpg" \
        "imagemagick $it $ic $ir out/im-$stem.jpg"; do
        read -r tool time cpu rss file <<<"$row"
        printf '%-12s %-14s %8.2f %7.2f %9.1f %9.2f %10s %7s\n' "$input" "$tool" "$time" "$cpu" \
            "$(echo "$rss / 1024" | bc -l)" \
            "$(echo "$(stat -c %s "$file") / 1000000" | bc -l)" \
            "$(vipsheader -f width "$file")x$(vipsheader -f height "$file")" "$(ssim "$file" "$input")"
    done
    summary+=("$(printf '%-12s time %.2fx vipsthumbnail (CPU %.2fx), RSS %.2fx vipsthumbnail, %.1fx faster than ImageMagick' \
        "$input" "$(echo "$wt / $vt" | bc -l)" "$(echo "$wc / $vc" | bc -l)" "$(echo "$wr / $vr" | bc -l)" \
        "$(echo "$it / $wt" | bc -l)")")
done
echo
printf '%s\n' "${summary[@]}"
echo "targets: time <= 1.25x vipsthumbnail (HEIC <= 1.1x), RSS <= 1.5x; >= 4x faster than ImageMagick on photo24.jpg, >= 10x on photo48.jpg"
