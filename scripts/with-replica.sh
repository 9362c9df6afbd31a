#!/usr/bin/env bash
# Runs a command with PLOTLINE_TEST_REPLICA_URL set to a streaming replica of the private
# cluster (scripts/replica.sh, started if needed) and PLOTLINE_REQUIRE_REPLICA=1, so that the
# replica tests run and may not skip. With a DATABASE_URL of the caller's own (not the private
# cluster), no replica is made and those tests say they were skipped.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
private=$("$repo/scripts/db.sh" url 2>/dev/null || true)
if [[ -n $private && ${DATABASE_URL:-} == "$private" ]]; then
  "$repo/scripts/replica.sh" start
  PLOTLINE_TEST_REPLICA_URL=$("$repo/scripts/replica.sh" url)
  export PLOTLINE_TEST_REPLICA_URL PLOTLINE_REQUIRE_REPLICA=1
else
  echo "replica: DATABASE_URL is not the private cluster; the replica tests will be skipped" >&2
fi
exec "$@"
