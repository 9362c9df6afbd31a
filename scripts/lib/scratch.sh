# Sourced by the scripts that test a running plotline (scripts/fuzz-api.sh, scripts/qgis-check.sh):
# a scratch database beside $DATABASE_URL's with the Ballerup data set, and the server ($bin) on
# a free port; both are removed when the script exits.
#
#   scratch_database NAME   creates and loads it; sets $scratch_url
#   scratch_serve           starts the server on it, waits until it answers; sets $port, $server

scratch_database() {
  scratch_admin=${DATABASE_URL%/*}/postgres
  scratch_name=${1}_$$
  scratch_url=${DATABASE_URL%/*}/$scratch_name
  psql -X -q "$scratch_admin" -c "CREATE DATABASE $scratch_name"
  trap scratch_cleanup EXIT
  DATABASE_URL=$scratch_url "$bin" import geodata >/dev/null
}

scratch_serve() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATABASE_URL=$scratch_url "$bin" serve --listen "127.0.0.1:$port" --web-dir /nonexistent >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.2; done
  echo "$(basename "$0"): the server on $scratch_name did not answer" >&2
  return 1
}

scratch_cleanup() {
  if [[ -n ${server:-} ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  psql -X -q "$scratch_admin" -c "DROP DATABASE IF EXISTS $scratch_name WITH (FORCE)" || true
}
