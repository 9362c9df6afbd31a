#!/usr/bin/env bash
# A streaming replica of the private PostGIS cluster (scripts/db.sh), for running plotline with
# DATABASE_READ_URL and for the tests of reads from a replica.
#
#   scripts/replica.sh start    pg_basebackup of the running primary into .local/pg-replica and
#                               a hot standby on the primary's port + 1 (made once, then started)
#   scripts/replica.sh stop
#   scripts/replica.sh status
#   scripts/replica.sh url      print the replica's postgres:// URL (database plotline)
#
# The primary must be the private cluster of this checkout, running (scripts/db.sh start).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
host=127.0.0.1
say() { echo "replica: $*" >&2; }
die() { say "$*"; exit 1; }

bin=/usr/lib/postgresql/15/bin/
[[ -x ${bin}pg_ctl ]] || bin=""
primary_url=$("$repo/scripts/db.sh" url) || die "the primary is not running; run: scripts/db.sh start"
primary_port=$(sed -E 's#.*:([0-9]+)/[^/]*$#\1#' <<<"$primary_url")
password=$(sed -E 's#^postgres://[^:]+:([^@]+)@.*#\1#' <<<"$primary_url")
port=$((primary_port + 1))
# Beside the primary's folder (scripts/db.sh may have moved it where its server user can reach).
primary_dir=$(sed -E 's/.*\((.*)\)$/\1/' <<<"$("$repo/scripts/db.sh" status)")
dir=$(dirname "$primary_dir")/pg-replica
data=$dir/data
log=$dir/postgres.log

if ((EUID == 0)); then
  dbuser=$(stat -c %U "$primary_dir/data")
  as_db() { (cd / && runuser -u "$dbuser" -- "$@"); }
else
  as_db() { "$@"; }
fi
running() { [[ -f $data/PG_VERSION ]] && as_db "${bin}pg_ctl" status -D "$data" >/dev/null 2>&1; }

# Whether the replica streams from the primary (within a few seconds of starting).
streaming() {
  local url="postgres://plotline:$password@$host:$port/postgres"
  for _ in $(seq 50); do
    [[ $(psql -X -At "$url" -c "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null) == streaming ]] && return 0
    sleep 0.2
  done
  return 1
}

start() {
  if running && streaming; then say "already running on port $port ($dir)"; return; fi
  launch
  if ! streaming; then
    # Stopped for a while, the primary may have recycled the WAL it needs (no replication slot
    # holds it, so that a forgotten replica never fills the primary's disk): copy it afresh.
    say "the replica cannot follow the primary any more; copying it again"
    as_db "${bin}pg_ctl" stop -w -s -m fast -D "$data" || true
    as_db rm -rf "$data"
    launch
    streaming || { tail -n 20 "$log" >&2; die "the replica does not stream; log: $log"; }
  fi
}

launch() {
  if running; then return; fi
  if [[ ! -f $data/PG_VERSION ]]; then
    say "copying the primary on port $primary_port into $dir (pg_basebackup)"
    if ((EUID == 0)); then (umask 077 && mkdir -p "$dir") && chown "$dbuser:" "$dir"; else mkdir -p "$dir"; fi
    chmod 700 "$dir"
    as_db env PGPASSWORD="$password" "${bin}pg_basebackup" -h "$host" -p "$primary_port" -U plotline \
      -D "$data" -R -X stream -c fast ||
      die "pg_basebackup failed"
  fi
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && die "port $port is taken by another program"
  say "starting the replica on $host:$port ($dir)"
  as_db "${bin}pg_ctl" start -w -s -D "$data" -l "$log" -o "-p $port \
    -c listen_addresses=$host -c unix_socket_directories='' -c hot_standby=on \
    -c max_connections=200 -c shared_buffers=128MB" ||
    { tail -n 20 "$log" >&2; die "the replica failed to start; log: $log"; }
}

case ${1:-} in
  start) start ;;
  stop) if running; then as_db "${bin}pg_ctl" stop -w -s -m fast -D "$data"; else say "not running"; fi ;;
  status) if running; then echo "running: port $port ($dir)"; else echo "stopped ($dir)"; exit 3; fi ;;
  url) running || die "not running; run: scripts/replica.sh start"; echo "postgres://plotline:$password@$host:$port/plotline" ;;
  *) sed -n '4,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
