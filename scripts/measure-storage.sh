#!/usr/bin/env bash
# Bytes per application at the country's scale (issue 15, «Storage»): a release
# `kezek serve --demo` on SQLite and on PostgreSQL, filled by `kezek loadgen` (each application
# with its three registration documents and its outbox message), measured once the background
# renderer has caught up with the documents. Prints each table's bytes and the bytes per
# application the load added (growth of the database / applications added), and the whole
# database per application.
#
# Usage: CARGO_TARGET_DIR=/work/target-release cargo build --release
#        scripts/measure-storage.sh [path/to/kezek] [sqlite|postgres|both]
# Environment: APPLICATIONS (how many the load files, 4 000: loadgen serves exactly that many
# citizens at the desk and files one application for each, so that every service session and
# its one-time code belongs to an application counted), DURATION (the most loadgen seconds,
# 600), CLIENTS (16), SEED (demo applications seeded
# before the load, 20 000: they have no documents, which is why the figure is the growth),
# PORT (18095), LOADGEN (the kezek binary that runs the load, default the same; a release one
# when measuring a debug server, whose load generator signs too slowly), PG (the PostgreSQL server, postgres://postgres@127.0.0.1:5432; a database
# kezek_storage_<pid> is made there and dropped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/kezek}")
loadgen=$(realpath "${LOADGEN:-$bin}")
which=${2:-both}
applications=${APPLICATIONS:-4000}
duration=${DURATION:-600}
clients=${CLIENTS:-16}
seed=${SEED:-20000}
port=${PORT:-18095}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
pgdb=kezek_storage_$$
work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    if [ "$which" != sqlite ]; then
        psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
for tool in curl python3 psql; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
base="http://127.0.0.1:$port"

# The per-table sizes of a database, `table bytes` lines, and `applications N`.
sqlite_sizes() {
    python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
# Indexes count with their table.
owner = dict(db.execute("SELECT name, tbl_name FROM sqlite_schema WHERE name IS NOT NULL"))
sizes = {}
for name, size in db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
    table = owner.get(name, name)
    sizes[table] = sizes.get(table, 0) + size
for table, size in sorted(sizes.items()):
    print(table, size)
page_size, = db.execute("PRAGMA page_size").fetchone()
pages, = db.execute("PRAGMA page_count").fetchone()
print("(file)", page_size * pages)
print("(applications)", db.execute("SELECT COUNT(*) FROM applications").fetchone()[0])
EOF
}
postgres_sizes() {
    psql -qAt -F' ' "$1" <<'EOF'
SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY c.relname;
-- What the rows themselves hold (pgstattuple: live tuples of the table and its TOAST table, and
-- every index whole): the files less the dead row versions VACUUM freed for later rows to reuse.
CREATE EXTENSION IF NOT EXISTS pgstattuple;
SELECT '(live rows and indexes)', SUM((pgstattuple(c.oid)).tuple_len
    + COALESCE((SELECT (pgstattuple(c.reltoastrelid)).tuple_len WHERE c.reltoastrelid <> 0), 0)
    + pg_indexes_size(c.oid)) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname = 'public';
SELECT '(database)', pg_database_size(current_database());
SELECT '(applications)', COUNT(*) FROM applications;
EOF
}
start_server() {
    local db=$1
    "$bin" serve --demo --demo-applications "$seed" --config scripts/loadgen.toml \
        --db "$db" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 1200); do
        curl -fs "$base/healthz" >/dev/null 2>&1 && return
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.5
    done
    cat "$work/server.log" >&2
    exit 1
}
stop_server() {
    kill -INT "$server_pid"
    wait "$server_pid" || true
    server_pid=
}

# Runs the load against a started server, waits for the renderer; $1: a command printing the
# pending count.
load_and_wait() {
    local pending=$1
    "$loadgen" --server "$base" loadgen --keystores keystores-example --clients "$clients" \
        --duration "$duration" --prepare "$applications" --actions 0 | tail -n 3
    local started=$SECONDS
    while :; do
        local left
        left=$($pending)
        [ "$left" = 0 ] && break
        printf '\r  renderer: %s documents left (%ss)   ' "$left" $((SECONDS - started))
        sleep 5
    done
    printf '\r  renderer caught up in %ss                     \n' $((SECONDS - started))
}

report() {
    local name=$1 before=$2 after=$3
    python3 - "$name" "$before" "$after" <<'EOF'
import sys
name, before, after = sys.argv[1], sys.argv[2], sys.argv[3]
def read(path):
    return {line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in open(path) if line.strip()}
b, a = read(before), read(after)
apps_b, apps_a = b.pop("(applications)"), a.pop("(applications)")
added = apps_a - apps_b
print(f"{name}: {apps_a} applications, {added} added by the load")
print(f"  {'table':<28} {'bytes':>14} {'grew by':>14} {'per added app':>14}")
for table in sorted(a, key=lambda t: -a[t]):
    if table.startswith("(live"):
        continue
    grew = a[table] - b.get(table, 0)
    if a[table] == 0 and grew == 0:
        continue
    print(f"  {table:<28} {a[table]:>14,} {grew:>14,} {grew / max(added, 1):>14,.0f}")
whole = next(t for t in a if t in ("(file)", "(database)"))
grew = a[whole] - b[whole]
print(f"  => {grew / max(added, 1):,.0f} bytes per application added ({grew:,} bytes for {added});"
      f" whole database {a[whole] / apps_a:,.0f} bytes per application")
live = "(live rows and indexes)"
if live in a:
    grew = a[live] - b[live]
    print(f"  => live rows and indexes: {grew / max(added, 1):,.0f} bytes per application added"
          f" (the rest is dead row versions VACUUM freed, which later rows reuse)")
EOF
}

if [ "$which" != postgres ]; then
    db="$work/kezek.db"
    start_server "sqlite://$db"
    sqlite_sizes "$db" >"$work/sqlite.before"
    column=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(any(r[1]=='rendered_sha256' for r in c.execute('PRAGMA table_info(documents)')))" "$db")
    if [ "$column" = True ]; then
        sql="SELECT COUNT(*) FROM documents WHERE rendered_sha256 IS NULL AND content IS NOT NULL"
    else
        sql="SELECT COUNT(*) FROM documents WHERE bytes IS NULL"
    fi
    sqlite_pending() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$db" "$sql"; }
    load_and_wait sqlite_pending
    stop_server
    sqlite_sizes "$db" >"$work/sqlite.after"
    report "SQLite" "$work/sqlite.before" "$work/sqlite.after"
fi

if [ "$which" != sqlite ]; then
    url="$pg/$pgdb"
    start_server "$url"
    postgres_sizes "$url" >"$work/pg.before"
    if psql -qAt "$url" -c "SELECT 1 FROM information_schema.columns WHERE table_name = 'documents' AND column_name = 'rendered_sha256'" | grep -q 1; then
        sql="SELECT COUNT(*) FROM documents WHERE rendered_sha256 IS NULL AND content IS NOT NULL"
    else
        sql="SELECT COUNT(*) FROM documents WHERE bytes IS NULL"
    fi
    pg_pending() { psql -qAt "$url" -c "$sql"; }
    load_and_wait pg_pending
    stop_server
    psql -q "$url" -c "VACUUM ANALYZE" >/dev/null
    postgres_sizes "$url" >"$work/pg.after"
    report "PostgreSQL (after VACUUM, dead rows reusable, files not shrunk)" "$work/pg.before" "$work/pg.after"
fi
