#!/usr/bin/python3
"""Loads every collection of a running plotline into QGIS (PyQGIS, headless) through its OGC API
– Features provider, the way a planner's QGIS does, and checks what QGIS sees against the API:

- the number of features of each collection equals the API's numberMatched;
- each field's type fits the collection's schema (OGC API – Features Part 5,
  /collections/{id}/schema): integers are integers, numbers reals, dates dates, booleans
  booleans, text text (bbr_id a string, dgnb_valid_until a date);
- KD-03's attributes equal its GeoJSON's (QGIS 3.22 reads JSON arrays, such as building_ids,
  as NULL: reported, not failed);
- a bbox and a datetime interval give the features the API gives for them;
- each collection's GeoPackage export (`?f=gpkg`) opens in QGIS with the schema's types.

QGIS 3.22 (Debian 12's python3-qgis) does not read /schema: it guesses field types from the
features of the first page. A field whose guess differs from the schema is reported; it fails the
check only with --strict-types (the guess is QGIS's, not plotline's).

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis-check.py http://127.0.0.1:8080
(`make qgis-check` starts a plotline on a scratch database and runs this against it.)
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402  (after the platform is set)
    Qgis,
    QgsApplication,
    QgsFeatureRequest,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant  # noqa: E402


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def layer(base, collection, extra=""):
    uri = f"url='{base}' typename='{collection}' version='OGC_API_FEATURES' pagingEnabled='true' {extra}"
    lyr = QgsVectorLayer(uri, collection, "OAPIF")
    if not lyr.isValid():
        raise SystemExit(f"QGIS cannot load {collection} from {base}: {lyr.error().summary()}")
    return lyr


# What a JSON Schema type (and format) becomes in a QGIS field.
def expected_variants(prop):
    kind, fmt = prop.get("type"), prop.get("format")
    if kind == "integer":
        return {QVariant.Int, QVariant.LongLong}
    if kind == "number":
        return {QVariant.Double}
    if kind == "boolean":
        return {QVariant.Bool}
    if kind == "array":
        return {QVariant.String, QVariant.StringList, QVariant.List, QVariant.Map}
    if fmt == "date":
        return {QVariant.Date}
    if fmt == "date-time":
        return {QVariant.DateTime}
    return {QVariant.String}


def plain(value):
    """A QGIS attribute as the JSON value it came from."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    if isinstance(value, QDate):
        return value.toString("yyyy-MM-dd")
    if isinstance(value, QDateTime):
        return value.toSecsSinceEpoch()
    return value


def same(qgis_value, json_value):
    v = plain(qgis_value)
    if json_value is None:
        return v in (None, "")
    if isinstance(json_value, bool):
        return v in (json_value, int(json_value), str(json_value).lower())
    if isinstance(json_value, (int, float)):
        try:
            return abs(float(v) - float(json_value)) < 1e-9
        except (TypeError, ValueError):
            return False
    if isinstance(json_value, list):
        if isinstance(v, str):
            try:
                return json.loads(v) == json_value
            except ValueError:
                return False
        return list(v or []) == json_value
    if isinstance(v, int) and isinstance(json_value, str) and "T" in json_value:
        # A timestamp, compared to the second.
        return v == int(QDateTime.fromString(json_value, 1).toSecsSinceEpoch())  # Qt.ISODate
    return str(v) == json_value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", help="plotline's base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--strict-types", action="store_true", help="fail when QGIS's guessed type differs from the schema")
    args = ap.parse_args()
    base = args.base.rstrip("/")

    app = QgsApplication([], False)
    app.initQgis()
    print(f"QGIS {Qgis.QGIS_VERSION}, plotline at {base}")
    started = time.monotonic()
    failures, notes = [], []

    for c in get(f"{base}/collections")["collections"]:
        cid = c["id"]
        lyr = layer(base, cid)
        features = list(lyr.getFeatures())
        matched = get(f"{base}/collections/{cid}/items?limit=1")["numberMatched"]
        if len(features) != matched:
            failures.append(f"{cid}: QGIS reads {len(features)} features, the API has {matched}")
        schema = get(f"{base}/collections/{cid}/schema")["properties"]
        for field in lyr.fields():
            prop = schema.get(field.name())
            if prop is None:
                continue
            if field.type() not in expected_variants(prop):
                got = QVariant.typeToName(field.type())
                want = prop.get("format") or prop.get("type")
                message = f"{cid}.{field.name()}: QGIS made it {got}, the schema says {want}"
                (failures if args.strict_types else notes).append(message)
        missing = [p for p in schema if p != "geometry" and lyr.fields().indexOf(p) < 0]
        if missing:
            failures.append(f"{cid}: fields missing in QGIS: {', '.join(missing)}")
        print(f"{cid:<22} {len(features):>4} features, {len(lyr.fields())} fields")

    # KD-03, attribute by attribute.
    plots = layer(base, "plots")
    item = get(f"{base}/collections/plots/items/KD-03")
    found = [f for f in plots.getFeatures() if f["reference"] == "KD-03"]
    if len(found) != 1:
        failures.append(f"plots: {len(found)} features named KD-03 in QGIS")
    else:
        for name, value in item["properties"].items():
            if plots.fields().indexOf(name) < 0:
                continue
            if isinstance(value, list) and plain(found[0][name]) is None:
                notes.append(f"KD-03.{name}: QGIS 3.22 reads the JSON array {value!r} as NULL (its JSON field type)")
            elif not same(found[0][name], value):
                failures.append(f"KD-03.{name}: QGIS has {plain(found[0][name])!r}, the API {value!r}")

    # A bbox and a datetime interval: QGIS's requests against the API's own answers.
    box = (12.28, 55.72, 12.35, 55.76)
    api_box = get(f"{base}/collections/plots/items?limit=10000&bbox={','.join(map(str, box))}")
    rect = QgsRectangle(*box)
    in_box = list(plots.getFeatures(QgsFeatureRequest().setFilterRect(rect)))
    if {f["reference"] for f in in_box} != {f["properties"]["reference"] for f in api_box["features"]}:
        failures.append(f"bbox {box}: QGIS has {len(in_box)} plots, the API {api_box['numberMatched']}")
    else:
        print(f"bbox {box}: {len(in_box)} plots, as the API has")
    interval = "2000-01-01T00:00:00Z/.."
    dated = layer(base, "plots", f"datetime='{interval}'")
    api_dated = get(f"{base}/collections/plots/items?limit=1&datetime={interval}")["numberMatched"]
    n = sum(1 for _ in dated.getFeatures())
    if n != api_dated:
        notes.append(f"datetime {interval}: QGIS read {n} plots, the API matches {api_dated} (QGIS 3.22's OAPIF may ignore a datetime in the URI)")
    else:
        print(f"datetime {interval}: {n} plots, as the API has")

    # The exported GeoPackages, opened as files: their types are the schema's, strictly.
    with tempfile.TemporaryDirectory() as tmp:
        for c in get(f"{base}/collections")["collections"]:
            cid = c["id"]
            path = os.path.join(tmp, f"{cid}.gpkg")
            urllib.request.urlretrieve(f"{base}/collections/{cid}/items?f=gpkg", path)
            gpkg = QgsVectorLayer(f"{path}|layername={cid}", cid, "ogr")
            matched = get(f"{base}/collections/{cid}/items?limit=1")["numberMatched"]
            if not gpkg.isValid() or gpkg.featureCount() != matched:
                failures.append(f"{cid}.gpkg: {gpkg.featureCount()} features, the API has {matched}")
                continue
            schema = get(f"{base}/collections/{cid}/schema")["properties"]
            for field in gpkg.fields():
                prop = schema.get(field.name())
                if prop is None:
                    continue
                # Booleans are written as 0/1 integers; arrays as JSON text.
                want = {QVariant.Int, QVariant.Bool} if prop.get("type") == "boolean" else expected_variants(prop)
                if prop.get("type") == "array":
                    want = {QVariant.String}
                if field.type() not in want:
                    failures.append(f"{cid}.gpkg {field.name()}: {QVariant.typeToName(field.type())}, the schema says {prop.get('format') or prop.get('type')}")
        print("GeoPackage exports: every collection's count and field types as the schema says")

    for n in notes:
        print(f"note: {n}")
    for f in failures:
        print(f"FAIL: {f}")
    print(f"{len(failures)} failed, {len(notes)} notes, {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # QGIS 3.22 may crash while Python tears its objects down: leave without the teardown.
    os._exit(code)
