#!/usr/bin/env bash
# Private PostgreSQL 15 (+PostGIS) cluster for plotline development and tests.
#
# usage: scripts/db.sh start|stop|status|url|psql [psql args...]
#   start   create the cluster if needed, start it, create database "plotline"
#   stop    stop it (fine if it is not running)
#   status  print running/stopped and the URL without password (exit 3 if stopped)
#   url     print postgres://plotline:<password>@127.0.0.1:<port>/plotline
#   psql    open psql on database plotline (extra args are passed on)
#
#   PLOTLINE_DB_DIR   cluster directory (default <repo>/.local/pg)
#   PLOTLINE_DB_PORT  TCP port (default 55432)
#
# The server listens on 127.0.0.1 only, without a unix socket. The superuser
# "plotline" has a random password kept in <dir>/password. As root, the server
# runs as the "postgres" user (or a "plotline-db" system user made for it).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
host=127.0.0.1
port=${PLOTLINE_DB_PORT:-55432}

say() { echo "db: $*" >&2; }
die() { say "$*"; exit 1; }

bin=/usr/lib/postgresql/15/bin/
[[ -x ${bin}pg_ctl ]] || bin=""  # fall back to PATH
command -v "${bin}pg_ctl" >/dev/null ||
  die "PostgreSQL 15 not found; run scripts/install-deps.sh (or: sudo apt-get install postgresql-15 postgresql-15-postgis-3)"

# as_db: run a command as the cluster owner (initdb and pg_ctl refuse root).
if ((EUID == 0)); then
  dbuser=postgres
  if ! id "$dbuser" >/dev/null 2>&1; then
    dbuser=plotline-db
    id "$dbuser" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$dbuser"
  fi
  as_db() { (cd / && runuser -u "$dbuser" -- "$@"); }
else
  as_db() { "$@"; }
fi

moved=0
if [[ -n ${PLOTLINE_DB_DIR:-} ]]; then
  dir=$(realpath -m "$PLOTLINE_DB_DIR")
else
  dir=$repo/.local/pg
  probe=$repo/.local
  [[ -d $probe ]] || probe=$repo
  if ((EUID == 0)) && ! as_db test -x "$probe"; then
    # e.g. a checkout under /root: the server user cannot reach it.
    dir=/var/tmp/plotline-$(printf '%s' "$repo" | sha256sum | cut -c1-12)/pg
    moved=1
  fi
fi
data=$dir/data
log=$dir/postgres.log
pwfile=$dir/password

running() { [[ -f $data/PG_VERSION ]] && as_db "${bin}pg_ctl" status -D "$data" >/dev/null 2>&1; }
# The port of the running server wins over PLOTLINE_DB_PORT.
current_port() { if running; then sed -n 4p "$data/postmaster.pid"; else echo "$port"; fi; }
load_password() {
  [[ -s $pwfile ]] || die "no cluster in $dir yet; run: scripts/db.sh start"
  PGPASSWORD=$(cat "$pwfile")
  export PGPASSWORD
}

init() {
  say "creating cluster in $dir"
  if ((EUID == 0)); then
    (umask 022 && mkdir -p "$dir")
    if ((moved)) && [[ ! -O $(dirname "$dir") ]]; then
      die "$(dirname "$dir") is not owned by root; refusing to use it"
    fi
    chown "$dbuser:" "$dir"
  else
    mkdir -p "$dir"
  fi
  chmod 700 "$dir"
  if [[ ! -s $pwfile ]]; then
    (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$pwfile" && echo >>"$pwfile")
    if ((EUID == 0)); then chown "$dbuser:" "$pwfile"; fi
  fi
  local out
  out=$(as_db "${bin}initdb" -D "$data" -U plotline --auth=scram-sha-256 \
    --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 2>&1) ||
    { echo "$out" >&2; die "initdb failed"; }
}

start() {
  if ((moved)); then say "$repo is not reachable by user $dbuser; using $dir"; fi
  [[ -f $data/PG_VERSION ]] || init
  if running; then
    say "already running on port $(current_port) ($dir)"
  else
    # Another program (or another checkout's cluster) on the port: with the default port, take
    # the next free one; a port the user chose is theirs to change.
    local tries=0
    while (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
      [[ -z ${PLOTLINE_DB_PORT:-} ]] && ((tries++ < 20)) ||
        die "port $port on $host is taken by another program; set PLOTLINE_DB_PORT to a free port"
      port=$((port + 1))
    done
    say "starting PostgreSQL on $host:$port ($dir)"
    as_db "${bin}pg_ctl" start -w -s -D "$data" -l "$log" -o "-p $port \
      -c listen_addresses=$host -c unix_socket_directories='' \
      -c max_connections=200 -c shared_buffers=256MB -c fsync=on" ||
      { tail -n 20 "$log" >&2; die "PostgreSQL failed to start; log: $log"; }
  fi
  port=$(current_port)
  load_password
  local psql=("${bin}psql" -X -h "$host" -p "$port" -U plotline -d postgres)
  if [[ -z $("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'plotline'") ]]; then
    say "creating database plotline"
    "${psql[@]}" -qc 'CREATE DATABASE plotline'
  fi
}

stop() {
  if running; then
    say "stopping PostgreSQL ($dir)"
    as_db "${bin}pg_ctl" stop -w -s -m fast -D "$data"
  else
    say "not running"
  fi
}

status() {
  if running; then
    echo "running: postgres://plotline@$host:$(current_port)/plotline ($dir)"
  else
    echo "stopped: postgres://plotline@$host:$port/plotline ($dir)"
    return 3
  fi
}

case ${1:-} in
  start | stop | status) "$1" ;;
  url)
    load_password
    port=$(current_port)
    echo "postgres://plotline:$PGPASSWORD@$host:$port/plotline"
    ;;
  psql)
    shift
    running || die "not running; run: scripts/db.sh start"
    load_password
    port=$(current_port)
    exec "${bin}psql" -h "$host" -p "$port" -U plotline -d plotline "$@"
    ;;
  *) sed -n '4,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
