#!/usr/bin/env bash
# Times a real import of 100,000 plots (BENCH_PLOTS) into a fresh database:
#   1. a GeoPackage of non-overlapping 10 m squares in Ballerup (EPSG:25832), with Danish
#      fields (MATRNR, ANVENDELSE codes), written by ogr2ogr from generated CSV with WKT;
#   2. a fresh database with geodata/ loaded and an area `bench` around the squares;
#   3. `plotline import plots.gpkg --into plots --area bench --mapping …`, timed.
# Needs DATABASE_URL (a role that may create databases) and PLOTLINE_BIN (default
# target/release/plotline). The database is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_PLOTS:-100000}
BIN=${PLOTLINE_BIN:-target/release/plotline}
: "${DATABASE_URL:?set DATABASE_URL}"

work=$(mktemp -d)
db="plotline_bench_import_$$"
admin_url="$DATABASE_URL"
url="${DATABASE_URL%/*}/$db"
cleanup() {
    rm -rf "$work"
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# A grid of side × side cells, 12 m apart, each a 10 m square: no two touch.
side=$(awk -v n="$N" 'BEGIN { s = int(sqrt(n)); if (s * s < n) s++; print s }')
x0=701000
y0=6184000
echo "making $N plots ($side × $side grid) …" >&2
awk -v n="$N" -v side="$side" -v x0="$x0" -v y0="$y0" 'BEGIN {
    print "WKT,MATRNR,ANVENDELSE,BEBYG_PCT"
    split("11 21 31 41", codes, " ")
    for (i = 0; i < n; i++) {
        x = x0 + (i % side) * 12; y = y0 + int(i / side) * 12
        printf "\"POLYGON ((%d %d,%d %d,%d %d,%d %d,%d %d))\",B-%06d,%s,%d\n",
            x, y, x + 10, y, x + 10, y + 10, x, y + 10, x, y, i, codes[i % 4 + 1], 20 + i % 60
    }
}' > "$work/plots.csv"
ogr2ogr -f GPKG "$work/plots.gpkg" "$work/plots.csv" -nln plots -a_srs EPSG:25832 \
    -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES

# The area around the grid, as CSV with WKT (a source without a CRS: the mapping names it).
x1=$((x0 + side * 12 + 10))
y1=$((y0 + side * 12 + 10))
cat > "$work/area.csv" <<CSV
WKT,KODE,NAVN
"POLYGON (($((x0 - 10)) $((y0 - 10)),$x1 $((y0 - 10)),$x1 $y1,$((x0 - 10)) $y1,$((x0 - 10)) $((y0 - 10))))",bench,Benchmark area
CSV
cat > "$work/area.toml" <<'TOML'
crs = "EPSG:25832"
[properties]
slug = "KODE"
name = "NAVN"
TOML
cat > "$work/plots.toml" <<'TOML'
[properties]
reference = "MATRNR"
matrikelnummer = "MATRNR"
land_use = { field = "ANVENDELSE", map = { "11" = "residential", "21" = "office", "31" = "production", "41" = "mixed" } }
max_plot_ratio_pct = "BEBYG_PCT"
TOML

psql -q "$admin_url" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="$url"
"$BIN" migrate >/dev/null
"$BIN" import geodata >/dev/null
"$BIN" import "$work/area.csv" --into areas --mapping "$work/area.toml" --user bench >/dev/null

echo "importing $N plots …" >&2
start=$(date +%s.%N)
"$BIN" import "$work/plots.gpkg" --into plots --area bench --mapping "$work/plots.toml" --user bench
end=$(date +%s.%N)
count=$(psql -At "$url" -c "SELECT count(*) FROM plots p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'bench'")
awk -v s="$start" -v e="$end" -v n="$count" 'BEGIN { printf "imported %d plots in %.1f s (%.0f plots/s)\n", n, e - s, n / (e - s) }'
