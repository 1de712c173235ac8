#!/usr/bin/env bash
# Probing and rewriting a large MP4 whose moov is at the end, against ffprobe and ffmpeg.
#
#   scripts/bench-probes.sh [size-in-MB]     # default 1000 (a 1 GB file); needs ffmpeg, ffprobe, swiftc
#
# The test file is generated in .build-bench/ (not committed) by stream-copying a short, dense
# clip many times, so its index is as large as a real file's of that size. See Benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes=${1:-1000}
out=.build-bench
mkdir -p "$out"

echo "building the probe benchmark (release)" >&2
# ByteSource reads files through WabaEncoding's OpenFile: that module (and its C base64 kernels) is
# built first, then the probes and the rewriter are compiled with the benchmark into one program.
mkdir -p "$out/WabaEncoding"
printf 'module CBase64 {\n    header "%s"\n    export *\n}\n' "$PWD/Sources/CBase64/include/CBase64.h" \
    >"$out/WabaEncoding/module.modulemap"
clang -O2 -fPIC -c Sources/CBase64/base64.c -I Sources/CBase64/include -o "$out/WabaEncoding/base64.o"
swiftc -parse-as-library -O -wmo -module-name WabaEncoding -package-name wamedia -I "$out/WabaEncoding" \
    -emit-module -emit-module-path "$out/WabaEncoding/WabaEncoding.swiftmodule" -emit-object \
    Sources/WabaEncoding/*.swift -o "$out/WabaEncoding/WabaEncoding.o"
swiftc -parse-as-library -O -module-name WabaMediaBench -package-name wamedia -I "$out/WabaEncoding" \
    Sources/WabaMedia/Pipeline/ByteSource.swift Sources/WabaMedia/Pipeline/ByteView.swift \
    Sources/WabaMedia/Pipeline/WabaMediaError.swift Sources/WabaMedia/Pipeline/OutputFile.swift \
    Sources/WabaMedia/Encode/Base64FileEncoder+WabaMedia.swift \
    Sources/WabaMedia/Probe/AVInfo.swift Sources/WabaMedia/Probe/ISOBaseMediaProbe.swift \
    Sources/WabaMedia/Probe/OggProbe.swift Sources/WabaMedia/Probe/MatroskaProbe.swift \
    Sources/WabaMedia/Probe/AudioStreamProbes.swift Sources/WabaMedia/Transform/Container/MP4BoxTree.swift \
    Sources/WabaMedia/Transform/Container/ContainerRewriter.swift \
    Sources/WabaMedia/Transform/Container/LocationAtoms.swift scripts/bench/ProbeBench.swift \
    "$out/WabaEncoding/WabaEncoding.o" "$out/WabaEncoding/base64.o" \
    -o "$out/probe-bench"

big="$out/big-${megabytes}mb.mp4"
if [[ ! -f $big ]]; then
    echo "generating a ${megabytes} MB MP4 with moov at the end" >&2
    ffmpeg -v error -y -f lavfi -i "color=gray:s=640x360:r=30,noise=alls=60:allf=t" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 10 \
        -c:v libx264 -preset ultrafast -qp 8 -pix_fmt yuv420p -c:a aac -b:a 128k "$out/clip.mp4"
    clip=$(stat -c %s "$out/clip.mp4")
    loops=$(((megabytes * 1000000 + clip - 1) / clip - 1))
    ffmpeg -v error -y -stream_loop "$loops" -i "$out/clip.mp4" -c copy "$big"
fi
size=$(stat -c %s "$big")
echo "file: $big ($size bytes)"

"$out/probe-bench" probe "$big" 20 | tee "$out/probe.txt"
median=$(sed -n 's/.*probe_median_ms=\([0-9.]*\).*/\1/p' "$out/probe.txt")

# ffprobe reading the same headers (container and stream info only, no packet scan).
start=$(date +%s%N)
for _ in $(seq 10); do ffprobe -v error -show_format -show_streams "$big" >/dev/null; done
ffprobe_ms=$(echo "($(date +%s%N) - $start) / 10000000" | bc -l)
ffprobe_rss=$(/usr/bin/time -f %M ffprobe -v error -show_format -show_streams "$big" 2>&1 >/dev/null | tail -1)
printf 'ffprobe_ms=%.2f ffprobe_max_rss_kb=%s\n' "$ffprobe_ms" "$ffprobe_rss"
printf 'ratio: ffprobe / probe = %.1fx\n' "$(echo "$ffprobe_ms / $median" | bc -l)"

"$out/probe-bench" rewrite "$big" "$out/faststart.mp4" | tee "$out/rewrite.txt"
start=$(date +%s%N)
ffmpeg_rss=$(/usr/bin/time -f %M ffmpeg -v error -y -i "$big" -map 0 -c copy -movflags +faststart "$out/ffmpeg-faststart.mp4" 2>&1 | tail -1)
ffmpeg_ms=$(echo "($(date +%s%N) - $start) / 1000000" | bc -l)
printf 'ffmpeg_faststart_ms=%.0f ffmpeg_max_rss_kb=%s\n' "$ffmpeg_ms" "$ffmpeg_rss"
rewrite_ms=$(sed -n 's/.*rewrite_ms=\([0-9.]*\).*/\1/p' "$out/rewrite.txt")
printf 'ratio: ffmpeg / rewriter = %.1fx\n' "$(echo "$ffmpeg_ms / $rewrite_ms" | bc -l)"
"$out/probe-bench" probe "$out/faststart.mp4" 3 | sed -n 's/^probe_result=/rewritten: /p'
rm -f "$out/faststart.mp4" "$out/ffmpeg-faststart.mp4"
