#!/usr/bin/env bash
# Fuzzes the running API against its own OpenAPI definition with schemathesis (PyPI): every
# operation, generated parameters and bodies; fails on any 5xx, an undocumented status code or
# content type, or an answer that does not fit its documented schema. Then the hostile sweep
# (scripts/hostile-sweep.py): NUL bytes, huge and non-finite numbers, huge boxes and years out of
# range in every parameter, absurd values in every writable property as a planner; fails on any
# 5xx, and on any collection or summary that is not readable afterwards.
#   DATABASE_URL   required (run through scripts/with-db.sh); a scratch database is made on
#                  the same server and dropped afterwards
#   PLOTLINE_BIN   the plotline binary (default target/debug/plotline)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=${PLOTLINE_BIN:-target/debug/plotline}
: "${DATABASE_URL:?run through scripts/with-db.sh}"

version=4.32.5
venv=$repo/.local/fuzz-venv
if [[ ! -x $venv/bin/st ]] || ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

db=plotline_fuzz_$$
admin=${DATABASE_URL%/*}/postgres
url=${DATABASE_URL%/*}/$db
psql -X -q "$admin" -c "CREATE DATABASE $db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL=$url "$bin" import geodata >/dev/null
printf 'hostile-sweep-password\n' | DATABASE_URL=$url "$bin" user add sweeper --role planner --area kildedal --area lautrup >/dev/null 2>&1
token=$(DATABASE_URL=$url "$bin" token create --user sweeper --role planner --expires 1d --name sweep 2>/dev/null)
DATABASE_URL=$url "$bin" serve --listen "127.0.0.1:$port" --web-dir /nonexistent >/dev/null 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

"$venv/bin/st" run "http://127.0.0.1:$port/api" --max-examples "${FUZZ_EXAMPLES:-25}" --seed 1 \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing

python3 "$repo/scripts/hostile-sweep.py" "http://127.0.0.1:$port" "$token"
