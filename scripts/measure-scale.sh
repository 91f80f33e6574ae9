#!/usr/bin/env bash
# The README's Measured figures for issue 15: `kezek loadgen` (the README's loadgen row: 16
# clients, 15 s, applications only) against three set-ups, each on a fresh database, in one run:
#   sqlite  one `kezek serve` on a SQLite file;
#   pg-1    one `kezek serve` on PostgreSQL;
#   pg-3    three `kezek serve` on one PostgreSQL database, the load generator's clients spread
#           over the three (`kezek loadgen --also`: client i talks to server i mod 3).
# Every server is a release `kezek serve --demo` (20 000 seeded applications) with the rate
# limits off (scripts/loadgen.toml). The servers, the load generator and PostgreSQL all share
# this machine's cores. A fresh PostgreSQL database per set-up, dropped afterwards; every
# process started here is stopped on exit. Prints one table: set-up, applications/s, p50, p99,
# errors, with the load average before each run and the servers' CPU seconds during it.
#
# Usage: CARGO_TARGET_DIR=/work/target-release cargo build --release &&
#        scripts/measure-scale.sh [path/to/kezek]
# Environment: POSTGRES_URL (the server, without a database; default
# postgres://postgres@127.0.0.1:5432), RUNS (rounds of the three set-ups, alternating; 1),
# SETUPS ("sqlite pg-1 pg-3"), CLIENTS (16), DURATION (15), ACTIONS (0), APPS (20000), PORT
# (18100, and the next two), PREPARE (10000: on PostgreSQL, the applications signed and the
# citizens served at the desk before the clock, `kezek loadgen --prepare`; serving costs two
# writes a citizen, and the load generator's default of 2 000 a second of the run, which the
# SQLite server keeps, takes minutes on PostgreSQL; a rate marked ">=" ran out of them before
# the time was up and is a lower bound).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/kezek}")
pg=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
runs=${RUNS:-1}
setups=${SETUPS:-sqlite pg-1 pg-3}
clients=${CLIENTS:-16}
duration=${DURATION:-15}
actions=${ACTIONS:-0}
apps=${APPS:-20000}
prepare=${PREPARE:-10000}
port=${PORT:-18100}
work=$(mktemp -d)
pids=()
dbs=()

# Stops the servers started so far and drops the databases made so far.
stop_all() {
    local pid db
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
    for db in "${dbs[@]}"; do
        psql -qX "$pg/postgres" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null ||
            echo "could not drop the database $db" >&2
    done
    dbs=()
}
cleanup() {
    stop_all
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in curl psql; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
psql -qX "$pg/postgres" -c 'SELECT 1' >/dev/null ||
    { echo "PostgreSQL does not answer at $pg" >&2; exit 1; }

# start DB PORT LOG: a demo server on 127.0.0.1:PORT, once it answers (seeding comes first).
start() {
    local db=$1 at=$2 log=$3
    KEZEK_LANG=en "$bin" serve --demo --demo-applications "$apps" --config scripts/loadgen.toml \
        --db "$db" --listen "127.0.0.1:$at" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 1200); do
        curl -fs "http://127.0.0.1:$at/healthz" >/dev/null 2>&1 && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.5
    done
    cat "$log" >&2
    echo "the server on port $at did not start" >&2
    exit 1
}

# CPU seconds (user + system) the servers used so far.
cpu_seconds() {
    local pid total=0 ticks
    for pid in "${pids[@]}"; do
        ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
        total=$((total + ticks))
    done
    echo "scale=1; $total / $(getconf CLK_TCK)" | bc
}

# measure SETUP ROUND: starts the set-up's servers, runs the load generator, prints a row.
measure() {
    local setup=$1 round=$2 servers db name i prepared=()
    case $setup in
        sqlite) servers=1; db="sqlite://$work/$round.db" ;;
        pg-1 | pg-3)
            servers=${setup#pg-}
            prepared=(--prepare "$prepare")
            name="kezek_scale_$$_${round}_$servers"
            dbs+=("$name")
            db="$pg/$name"
            ;;
        *) echo "unknown set-up: $setup (sqlite, pg-1, pg-3)" >&2; exit 1 ;;
    esac
    # The first server creates, migrates and seeds; the others find the seeding done.
    local urls=()
    for i in $(seq 0 $((servers - 1))); do
        start "$db" $((port + i)) "$work/$setup-$round-$i.log"
        urls+=("http://127.0.0.1:$((port + i))")
    done
    local also=()
    for i in "${urls[@]:1}"; do also+=(--also "$i"); done
    local load cpu_before cpu_after out
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    cpu_before=$(cpu_seconds)
    out="$work/$setup-$round.out"
    KEZEK_LANG=en "$bin" --server "${urls[0]}" loadgen --keystores keystores-example \
        --clients "$clients" --duration "$duration" --actions "$actions" "${prepared[@]}" \
        "${also[@]}" \
        >"$out" 2>&1 || true
    cpu_after=$(cpu_seconds)
    stop_all
    local report seconds applications rate p50 p99 errors
    report=$(grep 'signed writes in' "$out" || true)
    if [ -z "$report" ]; then
        cat "$out" >&2
        echo "$setup: the load generator printed no figures" >&2
        exit 1
    fi
    seconds=$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$report")
    applications=$(sed -E 's/.*\(([0-9]+) applications.*/\1/' <<<"$report")
    rate=$(echo "$applications / $seconds" | bc)
    if grep -q 'before the time was up' "$out"; then rate=">=$rate"; fi
    p50=$(sed -E 's/.*p50 ([0-9.]+) ms.*/\1/' <<<"$report")
    p99=$(sed -E 's/.*p99 ([0-9.]+) ms.*/\1/' <<<"$report")
    errors=$(sed -nE 's/^refused ([0-9]+) times: .*/\1/p' "$out" | paste -sd+ | bc)
    errors=${errors:-0}
    printf '%-7s %5s %16s %9s %9s %7s %16s %12s\n' "$setup" "$round" "$rate" "$p50" "$p99" \
        "$errors" "$load" "$(echo "$cpu_after - $cpu_before" | bc)"
    sed -nE 's/^refused ([0-9]+) times: (.*)/        refused \1 times: \2/p' "$out"
}

echo "kezek loadgen --clients $clients --duration $duration --actions $actions (PostgreSQL: --prepare $prepare);"
echo "servers, load generator and PostgreSQL on this machine ($(nproc) cores); $apps demo"
echo "applications seeded; server CPU s: the servers' user+system time over the whole load"
echo "generator run (the desk's serving before the clock included)"
printf '%-7s %5s %16s %9s %9s %7s %16s %12s\n' setup round "applications/s" "p50 ms" \
    "p99 ms" errors "load before" "server CPU s"
for round in $(seq 1 "$runs"); do
    for setup in $setups; do
        measure "$setup" "$round"
    done
done
