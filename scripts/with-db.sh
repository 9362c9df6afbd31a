#!/usr/bin/env bash
# Runs a command with DATABASE_URL set: the caller's own if it is set, otherwise the private
# PostGIS cluster's (scripts/db.sh), which is started first if it is not running.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${DATABASE_URL:-} ]]; then
  echo "db: using DATABASE_URL from the environment; no private cluster started" >&2
else
  "$repo/scripts/db.sh" start
  DATABASE_URL=$("$repo/scripts/db.sh" url)
  export DATABASE_URL
fi
exec "$@"
