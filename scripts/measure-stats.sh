#!/usr/bin/env bash
# The README's Measured figures for the public statistics (issue 13): `wrk -t2 -c64 -d15s`
# against a release `kezek serve --demo`, the server and wrk sharing the machine's cores, first
# GET /api/v1/public/stats?region=astana, then, for comparison on the same server, the
# queue-number lookup GET /api/v1/public/queue?number=… of a seeded application. The rate
# limits are switched off for the load (scripts/loadgen.toml). Prints requests/s and the
# latency percentiles of each, and checks that every answer was 200.
#
# Usage: cargo build --release && scripts/measure-stats.sh [path/to/kezek]
# Environment: APPS (demo applications seeded, default the server's 20 000), PORT (18090),
# DURATION (15s), CONNECTIONS (64), THREADS (2). Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/kezek}")
apps=${APPS:-20000}
port=${PORT:-18090}
duration=${DURATION:-15s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk curl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install $tool)" >&2; exit 1; }
done

echo "seeding $apps demo applications and starting the backend on 127.0.0.1:$port…"
"$bin" serve --demo --demo-applications "$apps" --config scripts/loadgen.toml \
    --db "sqlite://$work/kezek.db" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fs "$base/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

stats="$base/api/v1/public/stats?region=astana"
# A seeded application's number: the first of a year that has one («УО» percent-encoded).
lookup=
for year in $(seq "$(date +%Y)" -1 2018); do
    url="$base/api/v1/public/queue?number=%D0%A3%D0%9E.$year.000001.1"
    if curl -fs "$url" | grep -q '"number"'; then lookup=$url; break; fi
done
[ -n "$lookup" ] || { echo "no seeded application number found" >&2; exit 1; }
curl -fs "$stats" >/dev/null

measure() {
    local name=$1 url=$2 out
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$url")
    echo "$out" >"$work/$name.txt"
    if echo "$out" | grep -q "Non-2xx"; then
        echo "$out" >&2
        echo "$name: some answers were not 200" >&2
        exit 1
    fi
    local rps p50 p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    printf '%-8s %10s req/s   p50 %-9s p99 %s\n' "$name" "$rps" "$p50" "$p99"
}
echo "wrk -t$threads -c$connections -d$duration, server and wrk on this machine ($(nproc) cores):"
measure stats "$stats"
measure lookup "$lookup"
