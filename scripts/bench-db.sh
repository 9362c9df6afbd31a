#!/usr/bin/env bash
# Builds the benchmark database: plotline_bench on the same server as DATABASE_URL, dropped and
# made anew, with geodata/ plus a synthetic area "benchtown" of PLOTS plots (30 m squares in a
# square grid, one 20 m building each, every other building DGNB Gold certified).
#
#   scripts/with-db.sh scripts/bench-db.sh [PLOTS]      (default 1,000,000: the region's size)
#
# Skipped when plotline_bench already holds exactly PLOTS benchtown plots (BENCH_REBUILD=1 forces).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
plots=${1:-1000000}
: "${DATABASE_URL:?run through scripts/with-db.sh}"
bench_url=${DATABASE_URL%/*}/plotline_bench
admin_url=${DATABASE_URL%/*}/postgres

cd "$repo"
have=$(psql -X -Atq "$bench_url" -c "SELECT count(*) FROM plots p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'benchtown'" 2>/dev/null || echo 0)
if [[ ${BENCH_REBUILD:-0} != 1 && $have == "$plots" ]]; then
  echo "bench: plotline_bench already holds $plots benchtown plots" >&2
  exit 0
fi
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

