#!/usr/bin/env bash
# Fault test (issue 11): plotline under a bounded mixed load while its database is stopped for
# 10 s and started again. Checks that during the outage every answer is 503 with Retry-After
# (none a 500, none hanging) and, once the server knows, in under 100 ms; that on a quiet
# server the first request after a stop is such a 503 too; that the service answers 2xx again
# within 2 s of the database accepting connections; that every acknowledged write is in its
# row and in the history; and that an open change stream delivers every change. Prints the
# figures; exits non-zero when a check fails. Takes about 30 s (scripts/fault_load.py does the
# load and the checks).
#
# Everything it needs is its own and thrown away afterwards: a PostgreSQL 15 + PostGIS cluster
# (scripts/db.sh with PLOTLINE_DB_DIR in a temporary folder, on a free port), the geodata, a
# planner and a token, and `plotline serve` on a free 127.0.0.1 port. Traffic goes to
# 127.0.0.1 only; the load is bounded in time (FAULT_BEFORE_S + FAULT_OUTAGE_S + FAULT_AFTER_S).
#
#   PLOTLINE_BIN    the plotline binary (default target/release/plotline, else target/debug/plotline)
#   FAULT_CLIENTS   concurrent clients (default 8; half of them also write)
#   FAULT_BEFORE_S  load before the stop (default 5)
#   FAULT_OUTAGE_S  seconds the database stays stopped (default 10)
#   FAULT_AFTER_S   load after the start (default 6)
#   FAULT_REPORT    also write the figures and every request as JSON to this file
#   FAULT_KEEP=1    keep the temporary folder (cluster, server log) for a look afterwards
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say() { echo "fault-test: $*" >&2; }

bin=${PLOTLINE_BIN:-}
if [[ -z $bin ]]; then
  bin=target/release/plotline
  [[ -x $bin ]] || bin=target/debug/plotline
fi
[[ -x $bin ]] || { say "no plotline binary at $bin; cargo build first or set PLOTLINE_BIN"; exit 2; }
bin=$(realpath "$bin")
command -v python3 >/dev/null || { say "python3 is needed"; exit 2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plotline-fault.XXXXXX")
# As root the cluster runs as another user, who must reach its folder inside this one.
chmod 711 "$tmp"
export PLOTLINE_DB_DIR=$tmp/pg
PLOTLINE_DB_PORT=$(free_port)
export PLOTLINE_DB_PORT
unset DATABASE_URL PGPASSWORD

server=""
load=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $load ]]; then kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true; fi
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    # A server that does not stop within its drain time is killed.
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  scripts/db.sh stop >/dev/null 2>&1 || true
  # A start still under way when the load was killed: its postmaster, by its pid file.
  local pidfile=$PLOTLINE_DB_DIR/data/postmaster.pid
  if [[ -f $pidfile ]]; then
    sleep 1
    scripts/db.sh stop >/dev/null 2>&1 || true
    if [[ -f $pidfile ]]; then kill -9 "$(head -n 1 "$pidfile")" 2>/dev/null || true; fi
  fi
  if ((rc != 0)) && [[ -s $tmp/server.log ]]; then
    say "last lines of the server log:"
    tail -n 15 "$tmp/server.log" >&2
  fi
  if [[ ${FAULT_KEEP:-} == 1 ]]; then
    say "kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "throwaway cluster in $PLOTLINE_DB_DIR on 127.0.0.1:$PLOTLINE_DB_PORT"
scripts/db.sh start 2>"$tmp/db.log" || { cat "$tmp/db.log" >&2; exit 1; }
DATABASE_URL=$(scripts/db.sh url)
export DATABASE_URL
"$bin" import geodata >"$tmp/import.log" 2>&1 || { cat "$tmp/import.log" >&2; exit 1; }
"$bin" user add fault --role planner --area kildedal --area lautrup --no-password >/dev/null
token=$("$bin" token create --user fault --role planner --expires 1h --name fault-test 2>/dev/null)

port=$(free_port)
say "plotline ($bin) on 127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --web-dir /nonexistent >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 150); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break
  kill -0 "$server" 2>/dev/null || { say "the server stopped"; exit 1; }
  sleep 0.2
done
curl -sf -o /dev/null "http://127.0.0.1:$port/health" || { say "the server did not come up"; exit 1; }

# The load generator runs the outage itself (stop, wait, start), so that its clock times both.
python3 scripts/fault_load.py \
  --base "http://127.0.0.1:$port" \
  --token "$token" \
  --clients "${FAULT_CLIENTS:-8}" \
  --before "${FAULT_BEFORE_S:-5}" \
  --outage "${FAULT_OUTAGE_S:-10}" \
  --after "${FAULT_AFTER_S:-6}" \
  --stop-cmd "$repo/scripts/db.sh stop" \
  --start-cmd "$repo/scripts/db.sh start" \
  --db-port "$PLOTLINE_DB_PORT" \
  ${FAULT_REPORT:+--report "$FAULT_REPORT"} &
load=$!
wait "$load"
