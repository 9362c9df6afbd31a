#!/usr/bin/env bash
# Browser tests of the map page: builds web/dist, makes a scratch database plotline_browser_<pid>
# on the server of $DATABASE_URL (dropped afterwards, so the planner tests may edit freely),
# loads geodata/ and a planner account into it, serves it on a free loopback port and runs
# web/tests/ in Debian's Chromium (playwright-core, no browser download); or only the test files
# given as arguments (paths from the repository's root, e.g. web/tests/clusters.test.mjs).
#   DATABASE_URL   required (the Makefile runs this through scripts/with-db.sh); its role must
#                  be allowed to create databases
#   PLOTLINE_BIN   the plotline binary (default target/debug/plotline); web/tests/scale.test.mjs
#                  serves a generated area of 100,000 plots with it from a database of its own
#   CHROMIUM       the browser (default /usr/bin/chromium)
# Arguments: test files to run instead of all of web/tests/ (e.g. web/tests/dgnb.test.mjs).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=${PLOTLINE_BIN:-target/debug/plotline}
[[ $bin == /* ]] || bin=$repo/$bin

[[ -n ${DATABASE_URL:-} ]] || { echo "browser-test: DATABASE_URL is not set (run through scripts/with-db.sh)" >&2; exit 1; }
[[ -x $bin ]] || { echo "browser-test: $bin not found; build it first (cargo build --locked)" >&2; exit 1; }
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || { echo "browser-test: ${CHROMIUM:-/usr/bin/chromium} not found (apt-get install chromium)" >&2; exit 1; }

# npm ci only when the lock file changed since the last install (npm keeps a copy of it).
if [[ ! -f web/node_modules/.package-lock.json || web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
  (cd web && npm ci --no-audit --no-fund)
fi
(cd web && npm run --silent build)

# The scratch database: same server and role, another name (any ?query of the URL is kept).
base=${DATABASE_URL%%\?*}
query=${DATABASE_URL#"$base"}
scratch_db=plotline_browser_$$
scratch_url="${base%/*}/$scratch_db$query"
admin_url=$DATABASE_URL
psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "CREATE DATABASE $scratch_db" >/dev/null
server=
log=
cleanup() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [[ -n $log ]]; then rm -f "$log"; fi
  psql -X -q "$admin_url" -c "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
export DATABASE_URL=$scratch_url

"$bin" import geodata >/dev/null
# A planner of Kildedal, signed in through the page's form, and an API token for the changes
# the tests make behind the page's back.
planner_password=$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')
if ! out=$(printf '%s\n' "$planner_password" | "$bin" user add anna --role planner --area kildedal 2>&1); then
  echo "$out" >&2
  exit 1
fi
planner_token=$("$bin" token create --user anna --expires 2h --name browser-tests 2>/dev/null) \
  || { echo "browser-test: could not create the test token" >&2; exit 1; }

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
url="http://127.0.0.1:$port"
log=$(mktemp -t plotline-browser-test.XXXXXX)
PLOTLINE_WEB_DIR="$repo/web/dist" "$bin" serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
server=$!

healthy() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url/health"; }
for _ in $(seq 1 100); do
  if healthy; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "browser-test: the server exited; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done
healthy || { echo "browser-test: $url/health did not answer; server log:" >&2; cat "$log" >&2; exit 1; }

mkdir -p test-artifacts
echo "browser-test: testing $url (database $scratch_db)"
status=0
PLOTLINE_BIN=$bin PLOTLINE_URL=$url PLOTLINE_TEST_USER=anna PLOTLINE_TEST_PASSWORD=$planner_password PLOTLINE_TEST_TOKEN=$planner_token \
  node --test --test-concurrency=1 "${@:-web/tests/}" || status=$?
if [[ $status -ne 0 ]]; then
  # What the server logged as errors and warnings, to find a failure's cause.
  echo "browser-test: the server's errors and warnings:" >&2
  grep -E 'ERROR|WARN' "$log" | tail -40 >&2 || true
fi
exit "$status"
