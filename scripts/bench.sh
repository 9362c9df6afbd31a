#!/usr/bin/env bash
# `make bench`: plotline against tipg (features), Martin (tiles) and raw PostGIS (pgbench) on the
# 1,000,000-plot database, in one run, at 16 concurrent clients; writes bench/RESULTS.md.
#
#   scripts/with-db.sh scripts/bench.sh           (or: make bench)
#
# Environment (all optional):
#   BENCH_SECONDS=15      seconds per wrk / pgbench run (3 is enough while developing)
#   BENCH_PLOTS=1000000   the size of plotline_bench; scripts/bench-db.sh builds it when it holds
#                         another number of benchtown plots (that drops and rebuilds it: slow)
#   PLOTLINE_BIN=...      the plotline binary to measure (default: cargo build --release)
#   MARTIN_VERSION=1.14.0 Martin from crates.io (the newest that builds with this toolchain)
#   MARTIN_BIN=...        a martin binary to use instead of installing one
#   BENCH_TILES, BENCH_OGR_CAP, BENCH_TILE_BYPASS, BENCH_OUT: see bench/README.md
# Installs what is missing: wrk (Debian), tipg + uvicorn[standard] in .local/bench-venv (PyPI),
# Martin in .local/bench (crates.io, built with its own target dir at low priority).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
: "${DATABASE_URL:?run through scripts/with-db.sh (make bench does)}"
export BENCH_URL=${DATABASE_URL%/*}/plotline_bench

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v pgbench >/dev/null || missing+=(postgresql-client)
command -v ogr2ogr >/dev/null || missing+=(gdal-bin)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  if ((EUID != 0)); then
    echo "bench: missing Debian packages; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "bench: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

export TIPG_VENV=$repo/.local/bench-venv
if [[ ! -x $TIPG_VENV/bin/uvicorn ]]; then
  echo "bench: installing tipg (newest 1.x) and uvicorn[standard] in $TIPG_VENV" >&2
  python3 -m venv "$TIPG_VENV"
  "$TIPG_VENV/bin/pip" install -q 'tipg>=1,<2' 'uvicorn[standard]'
fi

if [[ -z ${MARTIN_BIN:-} ]]; then
  MARTIN_BIN=$repo/.local/bench/bin/martin
  if [[ ! -x $MARTIN_BIN ]]; then
    echo "bench: building Martin ${MARTIN_VERSION:-1.14.0} from crates.io (slow; its own target dir)" >&2
    CARGO_TARGET_DIR=$repo/.local/bench/target nice -n 19 cargo install "martin@${MARTIN_VERSION:-1.14.0}" \
      --locked --no-default-features --features postgres --root "$repo/.local/bench"
  fi
fi
export MARTIN_BIN

if [[ -z ${PLOTLINE_BIN:-} ]]; then
  cargo build --release --locked -q
  PLOTLINE_BIN=${CARGO_TARGET_DIR:-$repo/target}/release/plotline
  export PLOTLINE_BUILT=1
fi
export PLOTLINE_BIN

scripts/bench-db.sh "${BENCH_PLOTS:-1000000}"
exec python3 "$repo/bench/bench.py"
