#!/usr/bin/env bash
# Benchmark: /areas/{slug}/summary on 100,000 plots and 100,000 buildings.
#
#   scripts/with-db.sh scripts/bench-summary.sh [PLOTS]
#
# Builds a scratch database plotline_bench on the same server as DATABASE_URL (dropped and
# made anew), loads geodata/ plus a synthetic area "benchtown" of PLOTS plots (30 m squares,
# one 20 m building each, every other one DGNB-certified), serves it with the release binary,
# and times, in one run on the same data:
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
cargo build --release --locked -q
psql -X -q "$admin_url" -c 'DROP DATABASE IF EXISTS plotline_bench' -c 'CREATE DATABASE plotline_bench'
DATABASE_URL=$bench_url target/release/plotline import geodata >/dev/null

side=$(python3 -c "import math; print(math.ceil(math.sqrt($plots)))")
echo "bench: generating $plots plots and buildings ($side × $side grid of 30 m plots)" >&2
psql -X -q "$bench_url" <<SQL
BEGIN;
INSERT INTO areas (slug, name, boundary, target_dgnb_level, development)
VALUES ('benchtown', 'Benchtown',
        ST_Multi(ST_MakeEnvelope(700000, 6170000, 700000 + 30 * $side, 6170000 + 30 * $side, 25832)),
        'gold', 'new_town');
INSERT INTO plots (reference, area_id, boundary, land_use, status, max_plot_ratio_pct, planned_homes, planned_jobs)
SELECT 'B-' || i, a.id,
       ST_MakeEnvelope(700000 + 30 * (i % $side), 6170000 + 30 * (i / $side),
                       700030 + 30 * (i % $side), 6170030 + 30 * (i / $side), 25832),
       (ARRAY['residential','office','life_science','production','retail_service','mixed','public_institution','green_recreational','infrastructure'])[1 + i % 9],
       (ARRAY['planned','available','reserved','sold','under_construction','built','withdrawn'])[1 + i % 7],
       100, i % 5, i % 11
FROM areas a, generate_series(0, $plots - 1) AS i WHERE a.slug = 'benchtown';
INSERT INTO buildings (reference, plot_id, name, footprint, floor_area_residential_m2, floor_area_office_m2, construction_status)
SELECT 'B-' || p.id || '-A', p.id, 'Building ' || p.id, ST_Buffer(ST_Centroid(p.boundary), 10, 'quad_segs=1 endcap=square'),
       400 * (p.id % 2), 400 * ((p.id + 1) % 2), 'completed'
FROM plots p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'benchtown';
INSERT INTO dgnb_records (building_id, phase, target_level, achieved_level, total_score_pct, issued_on)
SELECT b.id, 'certificate', 'gold', 'gold', 70, DATE '2025-01-01'
FROM buildings b WHERE b.reference LIKE 'B-%' AND b.id % 2 = 0;
COMMIT;
ANALYZE;
SQL

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
