#!/usr/bin/env bash
# The client's The README's Measured figures from a real, scripted session at 80x24 against a separately
# started backend ("remote"): the time to the first frame (the client logs it) and the peak
# resident memory (/usr/bin/time -v). The session: settlement choice, login of the demo officer
# (his journal is the whole region's), first-login contacts, the journal paged through, an
# application opened with its four tabs, the language switched, quit.
#
# Usage: cargo build --release && scripts/measure-tui.sh [path/to/kezek]
# Environment: APPS (demo applications seeded, default 20000), PORT (default 18089).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/kezek}")
apps=${APPS:-20000}
port=${PORT:-18089}
session=kezek-measure-$$
work=$(mktemp -d)
server_pid=
cleanup() {
    tmux kill-session -t "$session" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

for tool in tmux /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

echo "seeding $apps demo applications and starting the backend on 127.0.0.1:$port…"
"$bin" serve --demo --demo-applications "$apps" --db "sqlite://$work/kezek.db" \
    --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

home=$work/home
mkdir -p "$home"
tmux new-session -d -s "$session" -x 80 -y 24 \
    -e HOME="$home" -e XDG_CONFIG_HOME="$home/config" -e XDG_DATA_HOME="$home/data" \
    -e XDG_STATE_HOME="$home/state" -e KEZEK_NO_KEYRING=1 -e TERM=xterm-256color \
    -e LANG=C.UTF-8 \
    "/usr/bin/time -v -o $work/time.txt $bin --server http://127.0.0.1:$port --lang ru; sleep 600"

screen() { tmux capture-pane -p -t "$session"; }
wait_for() {
    for _ in $(seq 1 300); do
        screen | grep -qF -- "$1" && return 0
        sleep 0.2
    done
    echo "timed out waiting for «$1»; the screen:" >&2
    screen >&2
    exit 1
}
keys() {
    for key in "$@"; do
        tmux send-keys -t "$session" "$key"
        sleep 0.06
    done
}
text() {
    tmux send-keys -t "$session" -l "$1"
    sleep 0.1
}

officer=keystores-example/people/kasymov-erzhan/openssl3/AUTH_RSA256_efc16e60f777342a15f7276ca21ad736d5c6cf03.p12
wait_for "Выбор населенного пункта"
wait_for "Астана"
text "Астана"
keys Enter
wait_for "Астана — "
keys Enter
wait_for "Вход в личный кабинет"
keys F4
wait_for "Формирование ЭЦП"
text "$(realpath "$officer")"
keys Tab
text Qwerty12
keys F5
wait_for "ИИН 830930352646"
keys F10
wait_for "Данные владельца ЭЦП получены"
keys F10
wait_for "Контактные данные"
text "officer@example.kz"
keys Tab
text "+77012345678"
keys F10
wait_for "Журнал заявлений"
keys Down Enter
wait_for "Сортировка"
wait_for "УО."
for _ in $(seq 1 40); do keys PageDown; done
keys End Home Down Down Enter
wait_for "Информация о заявлении"
keys Right Right Right Left Left Left Escape
wait_for "Сортировка"
keys F2 F2 F2 C-q
for _ in $(seq 1 100); do
    [ -s "$work/time.txt" ] && break
    sleep 0.2
done

echo "first frame: $(grep -o 'after_start_ms=[^ ]*' "$home/state/kezek/kezek.log" | head -1)"
grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$work/time.txt"
