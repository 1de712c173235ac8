#!/usr/bin/env bash
# Sending a campaign, in one run, against the local sandbox (release builds, loopback only):
#  1. `wamedia send --manifest` of COUNT messages over 3 assets (each uploaded once, then sent by its
#     media_url), SQLite journal, --concurrency CONC: messages/s and peak RSS (/usr/bin/time -v).
#     The same with a PostgreSQL journal (a throwaway cluster on loopback, scripts/with-postgres.sh):
#     one worker, then two workers sharing the campaign: messages/s and each worker's peak RSS.
#  2. The ceiling: the same COUNT requests with prebuilt bodies (the steady state's URL sends) posted by
#     `curl --parallel --parallel-max CONC`: messages/s, and wamedia's share of it (target >= 50%).
#     The SQLite send and the ceiling alternate for ROUNDS rounds (default 3); the ratio is of the best
#     of each, and each round's ratio is printed too.
#  3. The journal's own cost per message (journal-bench: claim, in flight, sent; two commits each).
#  4. A BIG-row manifest (default 1,000,000): loaded into the journal and sent for a while, then
#     stopped with Ctrl-C (SIGINT), which prints the whole report: peak RSS (target < 150 MB).
# Usage: [ROUNDS=N] scripts/bench-send-campaign.sh [COUNT] [CONC] [BIG]
# (WAMEDIA_BENCH_CONFIG=debug measures the debug build in .build instead, when no release build is at
# hand; its figures say so.)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
conc=${2:-8}
big=${3:-1000000}
config=${WAMEDIA_BENCH_CONFIG:-release}
scripts/install-deps.sh >&2
if [ "$config" = release ]; then
    WAMEDIA_BENCHMARKS=1 swift build -c release --scratch-path .build-release --product wamedia >&2
    WAMEDIA_BENCHMARKS=1 swift build -c release --scratch-path .build-release --product journal-bench >&2
    bin=$PWD/.build-release/release
else
    WAMEDIA_BENCHMARKS=1 swift build --product wamedia >&2
    WAMEDIA_BENCHMARKS=1 swift build --product journal-bench >&2
    bin=$PWD/.build/debug
fi
echo "build: $config" >&2
work=$(mktemp -d)
sandbox_pid=""
cleanup() {
    if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
"$bin/wamedia" sandbox --port "$port" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$url/" && break
    sleep 0.1
done
export WAMEDIA_API_KEY=sandbox-key

cp samples/photo.jpg samples/logo.png samples/invoice.pdf "$work/"
# manifest PATH ROWS TAG: ROWS messages over the 3 assets, each to a contact of its own (TAG keeps
# the contacts of two manifests apart).
manifest() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys
path, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
assets = ["photo.jpg", "logo.png", "invoice.pdf"]
with open(path, "w") as f:
    f.write("media,contact_id,caption\n")
    for i in range(count):
        f.write(f"{assets[i % 3]},00000000-0000-4000-{tag}-{i:012d},hello {i}\n")
PY
}
manifest "$work/m.csv" "$count" 8000

peak() { awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}' "$1"; }

# 1 and 2, in ROUNDS rounds (default 3), one after the other so that both see the same machine:
# wamedia send --manifest (SQLite journal, a manifest of its own each round), then the ceiling: the
# same URL sends with prebuilt bodies, posted by curl at the same concurrency. The best round of each
# gives the ratio.
rounds=${ROUNDS:-3}
best_send=0
best_curl=0
for round in $(seq 1 "$rounds"); do
    manifest "$work/m$round.csv" "$count" "8$((round - 1))00"
    start=$(date +%s.%N)
    /usr/bin/time -v "$bin/wamedia" send --manifest "$work/m$round.csv" --channel chn_bench --base-url "$url" \
        --concurrency "$conc" --format json >"$work/report-$round.jsonl" 2>"$work/send-$round.time" || {
        tail -5 "$work/send-$round.time" >&2
        exit 1
    }
    end=$(date +%s.%N)
    send_seconds=$(echo "$end - $start" | bc -l)
    sent=$(grep -c '"status":"sent"' "$work/report-$round.jsonl" || true)
    send_rate=$(echo "$sent / $send_seconds" | bc -l)
    printf 'round %d: wamedia send --manifest: %d of %d sent in %.2f s: %.0f messages/s, peak RSS %s MB (concurrency %d)\n' \
        "$round" "$sent" "$count" "$send_seconds" "$send_rate" "$(peak "$work/send-$round.time")" "$conc"

    if [ "$round" = 1 ]; then
    python3 - "$work/report-1.jsonl" "$work" "$url" "$count" <<'PY'
import json, os, sys
report, work, url, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
urls = {}
for line in open(report):
    row = json.loads(line)
    if row.get("status") == "sent":
        urls.setdefault(row["media"].rsplit("/", 1)[-1], row["media_url"])
types = {"photo.jpg": "image", "logo.png": "image", "invoice.pdf": "document"}
os.makedirs(os.path.join(work, "bodies"))
with open(os.path.join(work, "curl.config"), "w") as config:
    for i in range(count):
        asset = ["photo.jpg", "logo.png", "invoice.pdf"][i % 3]
        body = {"channel_id": "chn_bench", "contact_id": f"00000000-0000-4000-9000-{i:012d}",
                "media_type": types[asset], "media_data": urls[asset], "content": f"hello {i}",
                "file_name": asset, "save_message": True}
        path = os.path.join(work, "bodies", f"{i}.json")
        with open(path, "w") as f: json.dump(body, f)
        config.write(f'next\nurl = "{url}/v1/waba/send-media"\nheader = "x-api-key: sandbox-key"\n'
                     f'header = "content-type: application/json"\ndata = "@{path}"\noutput = "/dev/null"\n'
                     f'write-out = "%{{http_code}}\\n"\n')
PY
    fi
    start=$(date +%s.%N)
    curl -s --parallel --parallel-immediate --parallel-max "$conc" -K "$work/curl.config" >"$work/curl.codes"
    end=$(date +%s.%N)
    curl_seconds=$(echo "$end - $start" | bc -l)
    curl_ok=$(grep -c '^200$' "$work/curl.codes" || true)
    curl_rate=$(echo "$curl_ok / $curl_seconds" | bc -l)
    printf 'round %d: curl --parallel (prebuilt bodies): %d of %d answered 200 in %.2f s: %.0f messages/s; ratio %.2f\n' \
        "$round" "$curl_ok" "$count" "$curl_seconds" "$curl_rate" "$(echo "$send_rate / $curl_rate" | bc -l)"
    best_send=$(echo "if ($send_rate > $best_send) $send_rate else $best_send" | bc -l)
    best_curl=$(echo "if ($curl_rate > $best_curl) $curl_rate else $best_curl" | bc -l)
done
printf 'best of %d: wamedia %.0f messages/s, curl %.0f messages/s\n' "$rounds" "$best_send" "$best_curl"
printf 'wamedia / ceiling: %.2f (target >= 0.50)\n' "$(echo "$best_send / $best_curl" | bc -l)"

# 1, again: the same campaign with a PostgreSQL journal on a throwaway cluster: one worker, then two.
manifest "$work/pg1.csv" "$count" 9000
manifest "$work/pg2.csv" "$count" 9100
export bin work url conc count
scripts/with-postgres.sh bash -c '
set -euo pipefail
peak() { awk -F": " "/Maximum resident/ {printf \"%.1f\", \$2 / 1024}" "$1"; }
for workers in 1 2; do
    database="bench_$workers"
    psql "$WAMEDIA_TEST_POSTGRES_URL" -q -c "CREATE DATABASE $database"
    journal="${WAMEDIA_TEST_POSTGRES_URL%/*}/$database"
    start=$(date +%s.%N)
    pids=()
    for worker in $(seq 1 "$workers"); do
        /usr/bin/time -v "$bin/wamedia" send --manifest "$work/pg$workers.csv" --channel chn_bench \
            --base-url "$url" --concurrency "$conc" --journal "$journal" --format json \
            >"$work/pg$workers-$worker.jsonl" 2>"$work/pg$workers-$worker.time" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    end=$(date +%s.%N)
    seconds=$(echo "$end - $start" | bc -l)
    sent=$(psql "$journal" -tA -c "SELECT count(*) FROM wamedia_messages WHERE state = '\''sent'\''")
    peaks=$(for worker in $(seq 1 "$workers"); do printf "%s MB " "$(peak "$work/pg$workers-$worker.time")"; done)
    printf "wamedia send --manifest, PostgreSQL journal, %d worker(s): %d of %d sent in %.2f s: %.0f messages/s, peak RSS %s(concurrency %d each)\n" \
        "$workers" "$sent" "$count" "$seconds" "$(echo "$sent / $seconds" | bc -l)" "$peaks" "$conc"
done
'

# 3. The journal's cost per message.
"$bin/journal-bench" "$count" "$work"

# 4. A big manifest: loaded, sent for a while, stopped with Ctrl-C; the report covers every row.
manifest "$work/big.csv" "$big" a000
start=$(date +%s.%N)
set +e
/usr/bin/time -v "$bin/wamedia" send --manifest "$work/big.csv" --channel chn_bench --base-url "$url" \
    --concurrency "$conc" --format json >"$work/big.jsonl" 2>"$work/big.time" &
time_pid=$!
sleep "${BIG_SECONDS:-60}"
send_pid=$(pgrep -P "$time_pid" || true)
if [ -n "$send_pid" ]; then kill -INT "$send_pid"; fi
wait "$time_pid"
set -e
end=$(date +%s.%N)
rows=$(grep -c '"row"' "$work/big.jsonl" || true)
big_sent=$(grep -c '"status":"sent"' "$work/big.jsonl" || true)
printf '%d-row manifest: loaded, %d sent, stopped after %.0f s; report of %d rows; peak RSS %s MB (target < 150)\n' \
    "$big" "$big_sent" "$(echo "$end - $start" | bc -l)" "$rows" "$(peak "$work/big.time")"
