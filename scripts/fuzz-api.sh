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

# shellcheck source=lib/scratch.sh
source "$repo/scripts/lib/scratch.sh"
scratch_database plotline_fuzz
printf 'hostile-sweep-password\n' | DATABASE_URL=$scratch_url "$bin" user add sweeper --role planner --area kildedal --area lautrup >/dev/null 2>&1
token=$(DATABASE_URL=$scratch_url "$bin" token create --user sweeper --role planner --expires 1d --name sweep 2>/dev/null)
scratch_serve

"$venv/bin/st" run "http://127.0.0.1:$port/api" --max-examples "${FUZZ_EXAMPLES:-25}" --seed 1 \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing

python3 "$repo/scripts/hostile-sweep.py" "http://127.0.0.1:$port" "$token"
