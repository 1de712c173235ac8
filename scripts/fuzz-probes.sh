#!/usr/bin/env bash
# Builds a libFuzzer binary for each audio/video parser and each structural image check from the
# parser sources themselves (no package build), and optionally runs them.
#
#   scripts/fuzz-probes.sh build [name]          # build every target (or one) into .build-fuzz/
#   scripts/fuzz-probes.sh run [seconds] [name]  # build, then run each target (or one) for N seconds (default 60)
#
# Targets: iso ogg matroska mpeg amr riff moov any image-structure image-header. Corpora grow in
# .build-fuzz/corpus/<target>, seeded from Tests/WabaMediaTests/Resources/av, samples/ and small
# generated images; crashes are written to .build-fuzz/crashes/<target>/. Runs are niced, in one
# process (no -jobs or -workers), one target at a time. See docs/fuzzing.md.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

targets=(iso ogg matroska mpeg amr riff moov any image-structure image-header)
out=.build-fuzz
# WabaMediaError carries a ValidationReport, which would pull in the whole pipeline: every target
# compiles scripts/fuzz/ReportStub.swift in its place.
av_sources=(
    Sources/WabaMedia/Pipeline/ByteSource.swift
    Sources/WabaMedia/Pipeline/ByteView.swift
    Sources/WabaMedia/Pipeline/WabaMediaError.swift
    Sources/WabaMedia/Encode/Base64FileEncoder+WabaMedia.swift
    Sources/WabaMedia/Pipeline/MemorySource.swift
    Sources/WabaMedia/Pipeline/FileSource.swift
    Sources/WabaMedia/Pipeline/MediaType.swift
    Sources/WabaMedia/Pipeline/Quantities.swift
    Sources/WabaMedia/Detect/MIMEType.swift
    Sources/WabaMedia/Validate/Finding.swift
    Sources/WabaMedia/Validate/FindingCode.swift
    Sources/WabaMedia/Probe/AVInfo.swift
    Sources/WabaMedia/Probe/AVTrack.swift
    Sources/WabaMedia/Probe/AVProbe.swift
    Sources/WabaMedia/Probe/RIFFAndAIFFProbes.swift
    Sources/WabaMedia/Probe/ISOBaseMediaProbe.swift
    Sources/WabaMedia/Probe/OggProbe.swift
    Sources/WabaMedia/Probe/MatroskaProbe.swift
    Sources/WabaMedia/Probe/AudioStreamProbes.swift
    Sources/WabaMedia/Probe/XMPLocation.swift
    Sources/WabaMedia/Transform/Container/MP4BoxTree.swift
    Sources/WabaMedia/Transform/Container/ContainerRewriter.swift
    Sources/WabaMedia/Transform/Container/ContainerRewriteOptions.swift
    Sources/WabaMedia/Transform/Container/ContainerRewritePlan.swift
    Sources/WabaMedia/Transform/Container/ContainerRewriteResult.swift
    Sources/WabaMedia/Transform/Container/LocationAtoms.swift
    Sources/WabaMedia/Transform/Container/LocationTracks.swift
    Sources/WabaMedia/Transform/Container/XMPUUIDBox.swift
    Sources/WabaMedia/Pipeline/OutputFile.swift
    scripts/fuzz/ReportStub.swift
    scripts/fuzz/ProbeFuzzer.swift
)
# The image checks call the C shim (zlib's CRC-32, and the bounded inflation of zTXt, iCCP and compressed
# iTXt chunks) and build ImageInfo, libvips' header type, so their targets link the shim (its JPEG
# decode ahead needs libjpeg) and libvips, uninstrumented: what is fuzzed is the Swift parsers.
image_sources=(
    Sources/WabaMedia/Pipeline/ByteSource.swift
    Sources/WabaMedia/Pipeline/WabaMediaError.swift
    Sources/WabaMedia/Encode/Base64FileEncoder+WabaMedia.swift
    Sources/WabaMedia/Pipeline/ByteView.swift
    Sources/WabaMedia/Pipeline/MemorySource.swift
    Sources/WabaMedia/Pipeline/FileSource.swift
    Sources/WabaMedia/Pipeline/MediaType.swift
    Sources/WabaMedia/Detect/MIMEType.swift
    Sources/WabaMedia/Detect/MIMENames.swift
    Sources/WabaMedia/Validate/Finding.swift
    Sources/WabaMedia/Validate/FindingCode.swift
    Sources/WabaMedia/Probe/ColourSpace.swift
    Sources/WabaMedia/Probe/ImageInfo.swift
    Sources/WabaMedia/Probe/Vips.swift
    Sources/WabaMedia/Probe/AnimationTiming.swift
    Sources/WabaMedia/Probe/ImageMetadataScan.swift
    Sources/WabaMedia/Probe/MetadataLimits.swift
    Sources/WabaMedia/Probe/ColourProfile.swift
    Sources/WabaMedia/Probe/PNGMetadataJudge.swift
    Sources/WabaMedia/Probe/XMPLocation.swift
    Sources/WabaMedia/Probe/RawProfile.swift
    Sources/WabaMedia/Probe/BoundedInflation.swift
    Sources/WabaMedia/Probe/ScannedBytes.swift
    Sources/WabaMedia/Transform/MetadataScrubber.swift
    Sources/WabaMedia/Pipeline/Quantities.swift
    Sources/WabaMedia/Probe/ImageStructure.swift
    Sources/WabaMedia/Probe/HEIFStructure.swift
    Sources/WabaMedia/Probe/ImageHeaderParser.swift
    scripts/fuzz/ReportStub.swift
    scripts/fuzz/ImageFuzzer.swift
)

build_shim() {
    mkdir -p "$out/CVipsShim"
    printf 'module CVipsShim {\n    header "%s"\n    export *\n}\n' \
        "$PWD/Sources/CVipsShim/include/CVipsShim.h" >"$out/CVipsShim/module.modulemap"
    local file
    for file in vips_shim fast_reduce jpeg_ahead bounded_inflate; do
        # shellcheck disable=SC2046
        clang -O2 -fPIC -c "Sources/CVipsShim/$file.c" -I Sources/CVipsShim/include -I Sources/CVipsShim \
            $(pkg-config --cflags vips) -o "$out/CVipsShim/$file.o"
    done
}

# ByteSource reads files through WabaEncoding's OpenFile: the WabaEncoding module (with its C base64
# kernels, uninstrumented) is built once and imported by every target; its Swift is instrumented.
build_encoding() {
    local dir="$out/WabaEncoding"
    mkdir -p "$dir"
    printf 'module CBase64 {\n    header "%s"\n    export *\n}\n' \
        "$PWD/Sources/CBase64/include/CBase64.h" >"$dir/module.modulemap"
    clang -O2 -fPIC -c Sources/CBase64/base64.c -I Sources/CBase64/include -o "$dir/base64.o"
    swiftc -parse-as-library -O -g -sanitize=fuzzer,address -module-name WabaEncoding -package-name wamedia \
        -I "$dir" -emit-module -emit-module-path "$dir/WabaEncoding.swiftmodule" -emit-object -wmo \
        Sources/WabaEncoding/*.swift -o "$dir/WabaEncoding.o"
}

build() {
    mkdir -p "$out"
    local only=${1:-} shim_built=""
    build_encoding
    for target in "${targets[@]}"; do
        [[ -z $only || $only == "$target" ]] || continue
        local condition
        condition="FUZZ_$(echo "$target" | tr '[:lower:]-' '[:upper:]_')"
        echo "building fuzz-$target" >&2
        if [[ $target == image-* ]]; then
            [[ -n $shim_built ]] || { build_shim && shim_built=1; }
            # shellcheck disable=SC2046
            swiftc -parse-as-library -O -g -sanitize=fuzzer,address -D "$condition" \
                -module-name WabaMediaFuzz -package-name wamedia -I "$out/CVipsShim" -I "$out/WabaEncoding" "${image_sources[@]}" \
                "$out/WabaEncoding/WabaEncoding.o" "$out/WabaEncoding/base64.o" \
                "$out/CVipsShim/vips_shim.o" "$out/CVipsShim/fast_reduce.o" "$out/CVipsShim/jpeg_ahead.o" \
                "$out/CVipsShim/bounded_inflate.o" \
                $(pkg-config --libs vips | sed 's/-pthread//g') -lgmodule-2.0 -lz -ljpeg -o "$out/fuzz-$target" 2>&1 |
                { grep -v "Cannot export local symbol" || true; } >&2
        else
            swiftc -parse-as-library -O -g -sanitize=fuzzer,address -D "$condition" \
                -module-name WabaMediaFuzz -package-name wamedia -I "$out/WabaEncoding" "${av_sources[@]}" "$out/WabaEncoding/WabaEncoding.o" "$out/WabaEncoding/base64.o" \
                -o "$out/fuzz-$target" 2>&1 |
                { grep -v "Cannot export local symbol" || true; } >&2
        fi
    done
}

# Small images of every checked type and shape: baseline and progressive JPEG with EXIF, grey,
# 16-bit and palette PNG, lossy, lossless and animated WebP, still and animated GIF.
seed_images() {
    local dir=$1
    [[ -e $dir/.generated ]] && return
    command -v convert >/dev/null || return 0
    convert -size 24x16 gradient:red-blue -set exif:Orientation 6 "$dir/gradient.jpg" || true
    convert -size 24x16 gradient:red-blue -interlace JPEG "$dir/progressive.jpg" || true
    convert -size 20x12 gradient: -colorspace Gray "$dir/grey.png" || true
    convert -size 20x12 gradient:red-blue -depth 16 "$dir/deep.png" || true
    convert -size 20x12 xc:red -colors 4 -type Palette "$dir/palette.png" || true
    convert -size 16x16 gradient:red-blue -quality 60 "$dir/lossy.webp" || true
    convert -size 16x16 gradient:red-blue -define webp:lossless=true "$dir/lossless.webp" || true
    convert -delay 10 -size 8x8 xc:red xc:blue -loop 0 "$dir/animated.gif" || true
    convert -delay 10 -size 8x8 xc:red xc:blue -loop 0 "$dir/animated.webp" || true
    convert -size 8x8 xc:green "$dir/still.gif" || true
    touch "$dir/.generated"
}

seed() {
    local target=$1 dir="$out/corpus/$1"
    mkdir -p "$dir" "$out/crashes/$target"
    local patterns
    case $target in
        iso | moov) patterns="*.mp4 *.m4a *.3gp *.mov" ;;
        ogg) patterns="*.ogg" ;;
        matroska) patterns="*.webm *.mkv" ;;
        mpeg) patterns="*.mp3 *.aac" ;;
        amr) patterns="*.amr" ;;
        riff) patterns="*.wav *.flac" ;;
        image-*) patterns="*.jpg *.png *.webp *.gif" ;;
        *) patterns="*" ;;
    esac
    for pattern in $patterns; do
        find Tests/WabaMediaTests/Resources/av samples -maxdepth 1 -type f -name "$pattern" -size -200k \
            -exec cp {} "$dir/" \; 2>/dev/null || true
    done
    if [[ $target == image-* ]]; then seed_images "$dir"; fi
    if [[ $target == moov ]]; then
        # The moov target reads a moov payload: seed it with the fixtures' own.
        for file in "$dir"/*.mp4 "$dir"/*.m4a; do
            [[ -f $file ]] || continue
            python3 - "$file" <<'PY' || true
import struct, sys
data = open(sys.argv[1], 'rb').read()
at = data.find(b'moov')
if at >= 4:
    size = struct.unpack('>I', data[at - 4:at])[0]
    open(sys.argv[1] + '.moov', 'wb').write(data[at + 4:at - 4 + size])
PY
            rm -f "$file"
        done
    fi
}

case ${1:-build} in
    build) build "${2:-}" ;;
    run)
        seconds=${2:-60}
        only=${3:-}
        # FUZZ_SKIP_BUILD=1 reuses binaries from an earlier build.
        [[ -n ${FUZZ_SKIP_BUILD:-} ]] || build "$only"
        for target in "${targets[@]}"; do
            [[ -z $only || $only == "$target" ]] || continue
            seed "$target"
            echo "fuzzing $target for ${seconds}s" >&2
            nice -n 19 "$out/fuzz-$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 \
                -timeout=5 -artifact_prefix="$out/crashes/$target/" -print_final_stats=1 "$out/corpus/$target" \
                2>"$out/fuzz-$target.log" || { echo "fuzz-$target found a failure: see $out/fuzz-$target.log" >&2; }
            grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/fuzz-$target.log" |
                sed "s/^/$target /"
        done
        ;;
    *)
        echo "usage: $0 build [target] | run [seconds] [target]" >&2
        exit 64
        ;;
esac
