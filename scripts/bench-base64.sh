#!/usr/bin/env bash
# Base64 of a random file (100 MiB) to /dev/null, in one run: wamedia's streaming encoder against
# GNU `base64 -w0` and Python's `base64.b64encode` (read the file, encode, write). Prints wall time
# (median of RUNS runs, process start to exit, file in the page cache), throughput in GB/s of
# input, peak RSS (/usr/bin/time -v) and the ratio to `base64 -w0`.
#
#   scripts/bench-base64.sh                 # the comparison
#   SIZE_MIB=1024 RUNS=3 scripts/bench-base64.sh
#   SWEEP=1 scripts/bench-base64.sh         # also: every kernel, every API, chunk sizes
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-100}
RUNS=${RUNS:-7}
SWEEP=${SWEEP:-0}

for tool in base64 python3 /usr/bin/time awk; do
    command -v "$tool" >/dev/null || { echo "bench-base64: $tool is needed" >&2; exit 1; }
done

export WAMEDIA_BENCHMARKS=1
echo "building base64-bench (release)..." >&2
swift build -c release --product base64-bench >&2
BENCH="$(swift build -c release --show-bin-path)/base64-bench"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FILE="$WORK/random.bin"
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$FILE"
BYTES=$(stat -c %s "$FILE")
cat "$FILE" >/dev/null # into the page cache, as a file just written or read by the pipeline is

# The output must be the reference's, byte for byte, before any figure counts.
if ! cmp -s <("$BENCH" "$FILE" 2>/dev/null) <(base64 -w0 "$FILE"); then
    echo "bench-base64: base64-bench output differs from base64 -w0" >&2
    exit 1
fi

PYTHON_ENCODE='import base64, sys
with open(sys.argv[1], "rb") as f: data = f.read()
sys.stdout.buffer.write(base64.b64encode(data))'

# median_seconds CMD...: median wall time of RUNS runs, stdout to /dev/null.
median_seconds() {
    local times=() start end
    for ((run = 0; run < RUNS; run++)); do
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        times+=("$(((end - start) / 1000))")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "%.4f", t[int((NR + 1) / 2)] / 1e6 }'
}

# peak_rss_mb CMD...: maximum resident set size in MB (10^6 bytes).
peak_rss_mb() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ { printf "%.1f", $2 * 1024 / 1e6 }'
}

REFERENCE_SECONDS=""
row() {
    local name=$1
    shift
    local seconds rss rate ratio
    seconds=$(median_seconds "$@")
    rss=$(peak_rss_mb "$@")
    rate=$(awk -v b="$BYTES" -v s="$seconds" 'BEGIN { printf "%.2f", b / s / 1e9 }')
    [[ -z $REFERENCE_SECONDS ]] && REFERENCE_SECONDS=$seconds
    ratio=$(awk -v r="$REFERENCE_SECONDS" -v s="$seconds" 'BEGIN { printf "%.2fx", r / s }')
    printf '%-44s %9s %8s %10s %9s\n' "$name" "$seconds" "$rate" "$rss" "$ratio"
}

echo "file: $SIZE_MIB MiB random ($BYTES bytes), page cache warm; median of $RUNS runs; $(nproc) cores"
echo "kernel chosen here: $("$BENCH" "$FILE" 2>&1 >/dev/null | sed -n 's/.*kernel \([^,]*\),.*/\1/p')"
printf '%-44s %9s %8s %10s %9s\n' "encoder (file -> /dev/null)" "seconds" "GB/s" "peak MB" "vs base64"
row "base64 -w0" base64 -w0 "$FILE"
row "python3 base64.b64encode" python3 -c "$PYTHON_ENCODE" "$FILE"
row "wamedia Base64FileEncoder.write(to:)" "$BENCH" "$FILE"
row "wamedia Base64FileEncoder.chunks (async)" "$BENCH" "$FILE" --api async

if [[ $SWEEP == 1 ]]; then
    echo
    echo "kernels (write API, default chunk size):"
    for kernel in scalar avx2 avx512-vbmi neon; do
        "$BENCH" "$FILE" --kernel "$kernel" >/dev/null 2>&1 || continue
        row "  $kernel" "$BENCH" "$FILE" --kernel "$kernel"
    done
    echo "APIs:"
    for api in write callback reader async; do
        row "  $api" "$BENCH" "$FILE" --api "$api"
    done
    echo "chunk sizes (input bytes, write API):"
    for chunk in 24576 49152 98304 196608 393216 786432 1572864 3145728 12582912; do
        row "  $chunk" "$BENCH" "$FILE" --chunk-size "$chunk"
    done
fi
