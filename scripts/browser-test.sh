#!/usr/bin/env bash
# Browser tests of the map page: builds web/dist, loads geodata/ into $DATABASE_URL, serves it on
# a free loopback port and runs web/tests/ in Debian's Chromium (playwright-core, no browser
# download).
#   DATABASE_URL   required (the Makefile runs this through scripts/with-db.sh)
#   PLOTLINE_BIN   the plotline binary (default target/debug/plotline)
#   CHROMIUM       the browser (default /usr/bin/chromium)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=${PLOTLINE_BIN:-target/debug/plotline}

[[ -n ${DATABASE_URL:-} ]] || { echo "browser-test: DATABASE_URL is not set (run through scripts/with-db.sh)" >&2; exit 1; }
[[ -x $bin ]] || { echo "browser-test: $bin not found; build it first (cargo build --locked)" >&2; exit 1; }
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || { echo "browser-test: ${CHROMIUM:-/usr/bin/chromium} not found (apt-get install chromium)" >&2; exit 1; }

# npm ci only when the lock file changed since the last install (npm keeps a copy of it).
if [[ ! -f web/node_modules/.package-lock.json || web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
  (cd web && npm ci --no-audit --no-fund)
fi
(cd web && npm run --silent build)

"$bin" import geodata

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
url="http://127.0.0.1:$port"
log=$(mktemp -t plotline-browser-test.XXXXXX)
PLOTLINE_WEB_DIR="$repo/web/dist" "$bin" serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

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
echo "browser-test: testing $url"
PLOTLINE_URL=$url node --test --test-concurrency=1 web/tests/
