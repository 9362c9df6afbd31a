#!/usr/bin/env bash
# Benchmark: /areas/{slug}/summary on 100,000 plots and 100,000 buildings.
#
#   scripts/with-db.sh scripts/bench-summary.sh [PLOTS]
#
# Uses the plotline_bench database of scripts/bench-db.sh with PLOTS plots (built if it holds
# another number), serves it with the release binary, and times, in one run on the same data:
#   - the summary over HTTP right after a change (the data version is bumped before each
#     request, so the facts query runs every time);
#   - the summary over HTTP while the data is unchanged (the database only confirms the
#     version; the summary kept from the last request is served);
#   - its peer: PostgreSQL alone executing the same prepared facts statement with the same
#     parameters and session settings (psql, \timing), the least the service could take;
#   - the summary as of now, rebuilt from the history.
# Prints medians, the ratio to the peer and the answer's size.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
plots=${1:-100000}
runs=7
: "${DATABASE_URL:?run through scripts/with-db.sh}"
bench_url=${DATABASE_URL%/*}/plotline_bench
admin_url=${DATABASE_URL%/*}/postgres

cd "$repo"
scripts/bench-db.sh "$plots"
cargo build --release --locked -q
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_URL=$bench_url target/release/plotline serve --listen "127.0.0.1:$port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
url="http://127.0.0.1:$port/areas/benchtown/summary"
bump() { psql -X -q "$bench_url" -c 'UPDATE data_version SET version = version + 1'; }
ms() { python3 -c "print(round($1 * 1000, 1))"; }
curl -sf "$url" -o /tmp/bench-summary.json   # warm-up
cold=$(for _ in $(seq $runs); do
  bump
  curl -sf -o /dev/null -w '%{time_total}\n' "$url"
done | median)
kept=$(for _ in $(seq $runs); do
  curl -sf -o /dev/null -w '%{time_total}\n' "$url"
done | median)
facts_sql=$(cargo run -q --release --locked --example summary_facts_sql -- benchtown)
peer=$( { echo "$facts_sql" | sed '$d'; echo '\timing on'; for _ in $(seq $runs); do echo "$facts_sql" | tail -1; done; } |
  PGOPTIONS='-c jit=off -c work_mem=32MB' psql -X -q -o /dev/null "$bench_url" 2>&1 |
  sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | median)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
past=$(for _ in 1 2 3; do
  curl -sf -o /dev/null -w '%{time_total}\n' "$url?as_of=$now"
done | median)
cold_ms=$(ms "$cold")
echo "summary of $plots plots over HTTP, after a change (plotline):  median $cold_ms ms"
echo "the same facts statement in PostgreSQL alone (psql):           median $peer ms"
python3 -c "print(f'ratio plotline / PostgreSQL alone: {$cold_ms / $peer:.2f}')"
echo "summary over HTTP, data unchanged (kept summary):              median $(ms "$kept") ms"
echo "summary as of now, rebuilt from the history:                   median $(ms "$past") ms"
echo "answer size: $(wc -c </tmp/bench-summary.json) bytes (lists of at most 100 entries)"
