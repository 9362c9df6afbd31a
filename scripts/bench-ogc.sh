#!/usr/bin/env bash
# Benchmark: OGC API – Features item pages, plotline against tipg (a peer, from PyPI) on the same
# PostGIS database in the same run, and plotline's memory while streaming large pages.
#
#   scripts/with-db.sh scripts/bench-ogc.sh
#
# Needs the plotline_bench database that scripts/bench-summary.sh builds (100,000 plots).
# tipg serves the plots table itself; plotline serves its plots collection (the same rows plus
# the derived properties it computes). Both answer GeoJSON in CRS84; pages of 10, 100 and 1,000
# features at several offsets are timed with curl, alternating the two servers, and the medians
# and their ratios printed. Then plotline's peak resident memory (VmHWM) after pages of 100 and of
# 10,000 features shows whether streaming keeps it flat.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
: "${DATABASE_URL:?run through scripts/with-db.sh}"
bench_url=${DATABASE_URL%/*}/plotline_bench
psql -X -q -o /dev/null "$bench_url" -c 'SELECT 1 FROM areas WHERE slug = $$benchtown$$' ||
  { echo "bench: run scripts/bench-summary.sh first (it builds plotline_bench)" >&2; exit 1; }

venv=$repo/.local/tipg-venv
[[ -x $venv/bin/uvicorn ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q tipg==1.6.1 uvicorn; }
cargo build --release --locked -q

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ours=$(free_port)
peer=$(free_port)
DATABASE_URL=$bench_url target/release/plotline serve --listen "127.0.0.1:$ours" --web-dir /nonexistent >/dev/null 2>&1 &
ours_pid=$!
# tipg serves the plots table itself (not a view such as typed_plots), its catalog read once.
DATABASE_URL=$bench_url TIPG_NAME=peer TIPG_CATALOG_TTL=86400 TIPG_DB_TABLES='["public.plots"]' TIPG_DB_FUNCTIONS='[]' \
  "$venv/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$peer" --log-level warning &
peer_pid=$!
trap 'kill $ours_pid $peer_pid 2>/dev/null || true' EXIT
for _ in $(seq 150); do
  curl -sf "http://127.0.0.1:$ours/health" >/dev/null && curl -sf "http://127.0.0.1:$peer/collections/public.plots" >/dev/null && break
  sleep 0.2
done
peer_collection=public.plots

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_url() { curl -sf -o /dev/null -w '%{time_total}\n' "$1"; }
printf '%-28s %12s %12s %8s\n' "page" "plotline ms" "tipg ms" "ratio"
for limit in 10 100 1000; do
  o=(); p=()
  for offset in 0 20000 50000 90000 0 20000 50000 90000; do
    o+=("$(time_url "http://127.0.0.1:$ours/collections/plots/items?limit=$limit&offset=$offset&f=json")")
    p+=("$(time_url "http://127.0.0.1:$peer/collections/$peer_collection/items?limit=$limit&offset=$offset&f=geojson")")
  done
  om=$(printf '%s\n' "${o[@]}" | median)
  pm=$(printf '%s\n' "${p[@]}" | median)
  python3 -c "print(f'{\"limit=$limit (8 pages)\":<28} {$om*1000:12.1f} {$pm*1000:12.1f} {$om/$pm:8.2f}')"
done

# Filtered and sorted pages: plotline reads its typed view, tipg the plots table's columns.
for query in "status=available" "sortby=-plot_area_m2" \
             "filter=status%3D%27available%27%20AND%20planned_jobs%3E5" \
             "status=available&offset=50000"; do
  o=(); p=()
  for _ in 1 2 3 4 5; do
    o+=("$(time_url "http://127.0.0.1:$ours/collections/plots/items?limit=10&$query&f=json")")
    p+=("$(time_url "http://127.0.0.1:$peer/collections/$peer_collection/items?limit=10&$query&f=geojson")")
  done
  om=$(printf '%s\n' "${o[@]}" | median)
  pm=$(printf '%s\n' "${p[@]}" | median)
  python3 - "$query" "$om" "$pm" <<'PY'
import sys, urllib.parse
query, om, pm = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
print(f"{urllib.parse.unquote(query)[:27]:<28} {om * 1000:12.1f} {pm * 1000:12.1f} {om / pm:8.2f}")
PY
done

hwm() { awk '/VmHWM/ {print $2}' "/proc/$ours_pid/status"; }
curl -sf -o /dev/null "http://127.0.0.1:$ours/collections/plots/items?limit=100"
small=$(hwm)
for offset in 0 10000 20000 30000 40000; do
  curl -sf -o /dev/null "http://127.0.0.1:$ours/collections/plots/items?limit=10000&offset=$offset"
done
large=$(hwm)
bytes=$(curl -sf "http://127.0.0.1:$ours/collections/plots/items?limit=10000" | wc -c)
echo "plotline peak memory: $small kB after a page of 100, $large kB after five pages of 10,000 ($((bytes / 1024)) kB each)"
