#!/usr/bin/env bash
# Builds a libFuzzer binary for each audio/video parser from the parser sources themselves (no
# package build), and optionally runs them.
#
#   scripts/fuzz-probes.sh build                 # build every target into .build-fuzz/
#   scripts/fuzz-probes.sh run [seconds] [name]  # build, then run each target (or one) for N seconds (default 60)
#
# Targets: iso ogg matroska mpeg amr riff moov any. Corpora grow in .build-fuzz/corpus/<target>,
# seeded from Tests/WabaMediaTests/Resources/av and samples/; crashes are written to
# .build-fuzz/crashes/<target>/. See docs/fuzzing.md.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

targets=(iso ogg matroska mpeg amr riff moov any)
out=.build-fuzz
sources=(
    Sources/WabaMedia/Pipeline/ByteSource.swift
    Sources/WabaMedia/Pipeline/WabaMediaError.swift
    Sources/WabaMedia/Probe/AVInfo.swift
    Sources/WabaMedia/Probe/ISOBaseMediaProbe.swift
    Sources/WabaMedia/Probe/OggProbe.swift
    Sources/WabaMedia/Probe/MatroskaProbe.swift
    Sources/WabaMedia/Probe/AudioStreamProbes.swift
    Sources/WabaMedia/Transform/Container/MP4BoxTree.swift
    Sources/WabaMedia/Transform/Container/ContainerRewriter.swift
    scripts/fuzz/ProbeFuzzer.swift
)

build() {
    mkdir -p "$out"
    for target in "${targets[@]}"; do
        local condition
        condition="FUZZ_$(echo "$target" | tr '[:lower:]' '[:upper:]')"
        echo "building fuzz-$target" >&2
        swiftc -parse-as-library -O -g -sanitize=fuzzer,address -D "$condition" \
            -module-name WabaMediaFuzz "${sources[@]}" -o "$out/fuzz-$target" 2>&1 |
            { grep -v "Cannot export local symbol" || true; } >&2
    done
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
        *) patterns="*" ;;
    esac
    for pattern in $patterns; do
        find Tests/WabaMediaTests/Resources/av samples -maxdepth 1 -type f -name "$pattern" -size -200k \
            -exec cp {} "$dir/" \; 2>/dev/null || true
    done
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
    build) build ;;
    run)
        seconds=${2:-60}
        only=${3:-}
        # FUZZ_SKIP_BUILD=1 reuses binaries from an earlier build.
        [[ -n ${FUZZ_SKIP_BUILD:-} ]] || build
        for target in "${targets[@]}"; do
            [[ -z $only || $only == "$target" ]] || continue
            seed "$target"
            echo "fuzzing $target for ${seconds}s" >&2
            "$out/fuzz-$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 -timeout=5 \
                -artifact_prefix="$out/crashes/$target/" -print_final_stats=1 "$out/corpus/$target" \
                2>"$out/fuzz-$target.log" || { echo "fuzz-$target found a failure: see $out/fuzz-$target.log" >&2; }
            grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/fuzz-$target.log" |
                sed "s/^/$target /"
        done
        ;;
    *)
        echo "usage: $0 build | run [seconds] [target]" >&2
        exit 64
        ;;
esac
