#!/usr/bin/env bash
# Base64 of a random file (100 MiB) to /dev/null, in one run: wamedia's streaming encoder (the
# WabaEncoding target, which a process can link without the rest of WabaMedia) against
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
RUNS=${RUNS:-9}
SWEEP=${SWEEP:-0}

for tool in base64 python3 /usr/bin/time awk; do
    command -v "$tool" >/dev/null || { echo "bench-base64: $tool is needed" >&2; exit 1; }
done

export WAMEDIA_BENCHMARKS=1
# The release build of its own folder, as every release build here (the debug one stays in .build).
RELEASE=(swift build -c release --scratch-path .build-release)
echo "building base64-bench (release)..." >&2
"${RELEASE[@]}" --product base64-bench >&2
BENCH="$("${RELEASE[@]}" --show-bin-path)/base64-bench"

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

# timing CMD...: "WALL CPU" in seconds, medians of RUNS runs with stdout to /dev/null. CPU is the
# child's user + system time (wait4): on a machine busy with other work it still shows what the
# tool does on an idle core, where wall time also counts waiting for one.
timing() {
    python3 - "$RUNS" "$@" <<'PY'
import os, statistics, subprocess, sys, time
runs, command = int(sys.argv[1]), sys.argv[2:]
walls, cpus = [], []
with open(os.devnull, "wb") as null:
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=null, stderr=null)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{command[0]} failed")
print(f"{statistics.median(walls):.4f} {statistics.median(cpus):.4f}")
PY
}

# peak_rss_mb CMD...: maximum resident set size in MB (10^6 bytes).
peak_rss_mb() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ { printf "%.1f", $2 * 1024 / 1e6 }'
}

# encode_rate ARGS...: "WALL CPU" median in-process rates (GB/s) that base64-bench reports for its
# encoding alone, from opening the file to the last write, without the process's start-up.
encode_rate() {
    local lines wall cpu
    lines=$(for ((run = 0; run < RUNS; run++)); do
        "$BENCH" "$@" 2>&1 >/dev/null | sed -n 's/.*s, \([0-9.]*\) GB\/s).*: \([0-9.]*\) GB\/s$/\2 \1/p'
    done)
    wall=$(cut -d' ' -f1 <<<"$lines" | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }')
    cpu=$(cut -d' ' -f2 <<<"$lines" | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }')
    echo "$wall GB/s wall, $cpu GB/s cpu"
}

REFERENCE_SECONDS=""
row() {
    local name=$1
    shift
    local wall cpu rss
    read -r wall cpu < <(timing "$@")
    rss=$(peak_rss_mb "$@")
    [[ -z $REFERENCE_SECONDS ]] && REFERENCE_SECONDS=$wall
    awk -v n="$name" -v b="$BYTES" -v w="$wall" -v c="$cpu" -v m="$rss" -v r="$REFERENCE_SECONDS" 'BEGIN {
        printf "%-42s %8.4f %7.2f %8.4f %7.2f %8s %8.2fx\n", n, w, b / w / 1e9, c, b / c / 1e9, m, r / w }'
}

header() {
    printf '%-42s %8s %7s %8s %7s %8s %9s\n' "$1" "wall s" "GB/s" "cpu s" "GB/s" "peak MB" "vs base64"
}

echo "file: $SIZE_MIB MiB random ($BYTES bytes), page cache warm; median of $RUNS runs; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "kernel chosen here: $("$BENCH" "$FILE" 2>&1 >/dev/null | sed -n 's/.*kernel \([^,]*\),.*/\1/p')"
echo
header "whole process, file -> /dev/null"
row "base64 -w0" base64 -w0 "$FILE"
row "python3 base64.b64encode" python3 -c "$PYTHON_ENCODE" "$FILE"
row "wamedia Base64FileEncoder.write(to:)" "$BENCH" "$FILE"
row "wamedia Base64FileEncoder.chunks (async)" "$BENCH" "$FILE" --api async

: >"$WORK/empty"
read -r STARTUP_SECONDS STARTUP_CPU < <(timing "$BENCH" "$WORK/empty")
STARTUP_RSS=$(peak_rss_mb "$BENCH" "$WORK/empty")
FULL_RSS=$(peak_rss_mb "$BENCH" "$FILE")
echo
echo "wamedia process start-up alone (empty file):  ${STARTUP_SECONDS} s wall, ${STARTUP_CPU} s cpu, peak ${STARTUP_RSS} MB"
echo "  (base64-bench links WabaEncoding only: $(ldd "$BENCH" | wc -l) shared libraries, no libvips, libmagic or Foundation)"
echo "wamedia peak RSS growth, empty -> $SIZE_MIB MiB:   $(awk -v a="$STARTUP_RSS" -v b="$FULL_RSS" 'BEGIN { printf "%.1f", b - a }') MB"
echo "wamedia encoding alone (in process, write):   $(encode_rate "$FILE")"
echo "wamedia encoding alone (in process, async):   $(encode_rate "$FILE" --api async)"

if [[ $SWEEP == 1 ]]; then
    echo
    echo "in process, by kernel (write API, default chunk size):"
    for kernel in scalar avx2 avx512-vbmi neon; do
        "$BENCH" "$FILE" --kernel "$kernel" >/dev/null 2>&1 || continue
        printf '  %-16s %s\n' "$kernel" "$(encode_rate "$FILE" --kernel "$kernel")"
    done
    echo "in process, by API:"
    for api in write callback reader async; do
        printf '  %-16s %s\n' "$api" "$(encode_rate "$FILE" --api "$api")"
    done
    echo "in process, by chunk size in input bytes (write API), and peak RSS:"
    for chunk in 24576 49152 98304 196608 393216 786432 1572864 3145728 12582912; do
        printf '  %-16s %s, %s MB\n' "$chunk" "$(encode_rate "$FILE" --chunk-size "$chunk")" \
            "$(peak_rss_mb "$BENCH" "$FILE" --chunk-size "$chunk")"
    done
fi
