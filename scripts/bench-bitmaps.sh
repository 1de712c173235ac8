#!/usr/bin/env bash
# `wamedia check` over COUNT PNG, COUNT BMP and COUNT TIFF files (640×480, unique contents), in one run:
# milliseconds per file for each type, and BMP and TIFF against PNG. BMP and TIFF are proven whole from
# their structure; `--verify-images decode` decodes each one at reduced size, which is what the default
# check did for BMP and TIFF before they had a structural check (the same code path), so its row is
# the "before" figure.
# Usage: scripts/bench-bitmaps.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200}
scripts/install-deps.sh >&2
swift build -c release --product wamedia --scratch-path .build-release >&2
wamedia=$PWD/.build-release/release/wamedia
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

vips gaussnoise "$work/noise.v" 640 480 --sigma 30
vips gaussblur "$work/noise.v" "$work/soft.v" 2
vips bandjoin "$work/soft.v $work/soft.v $work/noise.v" "$work/rgb.v"
vips cast "$work/rgb.v" "$work/cast.v" uchar
vips copy "$work/cast.v" "$work/photo.v" --interpretation srgb
vips pngsave "$work/photo.v" "$work/base.png"
vips tiffsave "$work/photo.v" "$work/base.tif" --compression lzw
convert "$work/base.png" "bmp3:$work/base.bmp"

# Each copy made unique by trailing bytes, which all three formats allow after their data, so no two
# files share a SHA-256 (duplicates are checked once and would flatter the figures).
for kind in png bmp tif; do
    mkdir -p "$work/$kind"
    python3 - "$work/base.$kind" "$work/$kind" "$count" <<'PY'
import os, sys
source, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(source, "rb").read()
extension = source.rsplit(".", 1)[1]
for i in range(count):
    with open(os.path.join(folder, "%05d.%s" % (i, extension)), "wb") as f:
        f.write(data + b"\0" * 4 + str(i).encode())
PY
done

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

png=$(best_of "$wamedia" check --format json "$work/png")
bmp=$(best_of "$wamedia" check --format json "$work/bmp")
tif=$(best_of "$wamedia" check --format json "$work/tif")
bmp_decode=$(best_of "$wamedia" check --format json --verify-images decode "$work/bmp")
tif_decode=$(best_of "$wamedia" check --format json --verify-images decode "$work/tif")
verdicts=$("$wamedia" check --format json "$work/bmp" "$work/tif" | tail -n 1)

echo
printf '%-52s %8s %10s %9s\n' "wamedia check, $count files of each type" "seconds" "ms/file" "vs PNG"
row() {
    printf '%-52s %8.3f %10.2f %8.2fx\n' "$1" "$2" "$(echo "$2 * 1000 / $count" | bc -l)" "$(echo "$2 / $png" | bc -l)"
}
row "PNG (structure)" "$png"
row "BMP (structure)" "$bmp"
row "TIFF (structure)" "$tif"
row "BMP --verify-images decode (before: decoded)" "$bmp_decode"
row "TIFF --verify-images decode (before: decoded)" "$tif_decode"
echo "summary of the BMP and TIFF checks: $verdicts"
