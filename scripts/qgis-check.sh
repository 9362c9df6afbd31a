#!/usr/bin/env bash
# QGIS as planners use it: installs Debian's python3-qgis (QGIS 3.22) when it is missing (about
# 240 packages, about 1 minute with the package lists fresh), starts plotline on a scratch
# database loaded with geodata/, and runs scripts/qgis-check.py against it headless
# (QT_QPA_PLATFORM=offscreen): every collection through QGIS's OGC API – Features provider
# (counts, field types, KD-03's values, bbox and datetime) and every GeoPackage export.
#   DATABASE_URL   required (run through scripts/with-db.sh); a scratch database is made on
#                  the same server and dropped afterwards
#   PLOTLINE_BIN   the plotline binary (default target/debug/plotline)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=${PLOTLINE_BIN:-target/debug/plotline}
: "${DATABASE_URL:?run through scripts/with-db.sh}"

if ! /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; then
  if ((EUID == 0)); then sudo=(); else sudo=(sudo -n); fi
  echo "qgis-check: installing python3-qgis" >&2
  started=$(date +%s)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends python3-qgis >/dev/null
  echo "qgis-check: python3-qgis installed in $(($(date +%s) - started)) s" >&2
fi

# shellcheck source=lib/scratch.sh
source "$repo/scripts/lib/scratch.sh"
scratch_database plotline_qgis
scratch_serve

# Debian's python3 (PyQGIS is installed for it, not for another python3 on the PATH).
XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)} QT_QPA_PLATFORM=offscreen \
  /usr/bin/python3 "$repo/scripts/qgis-check.py" "http://127.0.0.1:$port"
