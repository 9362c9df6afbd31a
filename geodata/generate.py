#!/usr/bin/env python3
"""Generate the plotline sample geodata (Ballerup Kommune: Kildedal and Lautrup).

How to run (from the repository root):

    pip install shapely pyproj        # shapely >= 2.0, pyproj >= 3.0 (PyPI)
    python3 geodata/generate.py

The script is deterministic: the same input always gives byte-identical files
(the only pseudo-random values - illustrative cadastral numbers and BBR UUIDs -
come from random.Random with a fixed seed).

Every geometry is built in EPSG:25832 (ETRS89 / UTM zone 32N, metres) and
written as an RFC 7946 GeoJSON FeatureCollection in WGS84 longitude/latitude
with 7 decimals (pyproj, always_xy=True; exterior rings counter-clockwise; no
"crs" member). The S-train stations are the one exception: they are written
with exactly the WGS84 coordinates listed in /work/shared/domain.md.

Files written next to this script:
    areas.geojson, plots.geojson, buildings.geojson, stations.geojson,
    cycle_superhighways.geojson, brt_lines.geojson, brt_stops.geojson, companies.geojson

Topology: the plots of an area tile the area boundary. Neighbouring plots share
identical vertices along shared edges (T-junctions are removed by inserting the
vertex into the neighbour). Plot vertices that lie on a straight edge of the
area boundary are slid along that edge (by at most 2.5 m) so that, after
rounding to 7 decimals and transforming back to EPSG:25832, they still lie on
the (round-tripped) boundary edge within a fraction of a millimetre. That keeps
the area boundary a simple polygon of 10-12 corners while union(plots) equals it.

After writing, the script reads the WGS84 files back, transforms them to
EPSG:25832 and prints the checks (pairwise plot overlaps, coverage, validity,
building set-backs, station/stop distances) and per-area totals. It exits with
status 1 if a check fails.
"""

import json
import math
import os
import random
import sys
import uuid
import zlib

from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.polygon import orient
from shapely.ops import split, unary_union

HERE = os.path.dirname(os.path.abspath(__file__))
TO_WGS = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
DECIMALS = 7
RNG = random.Random(25832)

FAILED = []


def check(ok, msg):
    print(("  ok   " if ok else "  FAIL ") + msg)
    if not ok:
        FAILED.append(msg)


# ---------------------------------------------------------------------------
# coordinate helpers
# ---------------------------------------------------------------------------

def to_ll(x, y):
    lon, lat = TO_WGS.transform(x, y)
    return (round(lon, DECIMALS), round(lat, DECIMALS))


def round_trip(x, y):
    """UTM -> rounded WGS84 -> UTM, exactly what a consumer of the files sees."""
    return TO_UTM.transform(*to_ll(x, y))


def snap(c):
    return (round(c[0], 3), round(c[1], 3))


def ring_coords(poly):
    return [snap(c) for c in list(poly.exterior.coords)[:-1]]


def seg_param(p, a, b):
    """(t, distance) of point p relative to segment a-b."""
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    L2 = dx * dx + dy * dy
    t = ((p[0] - ax) * dx + (p[1] - ay) * dy) / L2
    tc = min(1.0, max(0.0, t))
    qx, qy = ax + tc * dx, ay + tc * dy
    return t, math.hypot(p[0] - qx, p[1] - qy)


def line_dist(p, a, b):
    """Signed perpendicular distance of p from the infinite line a-b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    return ((p[0] - a[0]) * dy - (p[1] - a[1]) * dx) / math.hypot(dx, dy)


# ---------------------------------------------------------------------------
# tiling: cut an area boundary into plots with clean shared topology
# ---------------------------------------------------------------------------

def cut(polys, line):
    out = []
    for q in polys:
        out += list(split(q, LineString(line)).geoms)
    return out


def tile(boundary, band_lines, col_lines, sub_cuts=None):
    """Cut boundary into bands (band_lines, sorted south->north by centroid y)
    and each band into cells (col_lines[i], sorted west->east).  sub_cuts maps
    (band, cell) -> list of extra lines cutting just that cell.  Returns the
    cells in reference order."""
    bands = [boundary]
    for ln in band_lines:
        bands = cut(bands, ln)
    bands.sort(key=lambda q: q.centroid.y)
    cells = []
    for i, b in enumerate(bands):
        cs = [b]
        for ln in col_lines[i]:
            cs = cut(cs, ln)
        cs.sort(key=lambda q: q.centroid.x)
        for j, c in enumerate(cs):
            extra = (sub_cuts or {}).get((i, j))
            if extra:
                pieces = [c]
                for ln in extra:
                    pieces = cut(pieces, ln)
                pieces.sort(key=lambda q: (round(q.centroid.x, -1), q.centroid.y))
                cells += pieces
            else:
                cells.append(c)
    return cells


def normalise_tiling(cell_rings, corners):
    """cell_rings: list of vertex lists (UTM, open rings).  corners: the area
    boundary ring (UTM, open).  Returns cleaned rings: merged near-duplicate
    vertices, T-junctions removed, boundary vertices made round-trip collinear."""
    # 1. merge vertices closer than 2 cm (corners take precedence)
    uniq = list(corners)
    def canon(p):
        for u in uniq:
            if math.hypot(p[0] - u[0], p[1] - u[1]) < 0.02:
                return u
        uniq.append(p)
        return p
    rings = [[canon(p) for p in r] for r in cell_rings]
    rings = [[p for k, p in enumerate(r) if p != r[k - 1]] for r in rings]

    # 2. remove T-junctions: insert every vertex lying on an edge
    allv = sorted({p for r in rings for p in r})
    out = []
    for r in rings:
        nr = []
        n = len(r)
        for k in range(n):
            a, b = r[k], r[(k + 1) % n]
            nr.append(a)
            on = []
            for v in allv:
                if v == a or v == b:
                    continue
                t, d = seg_param(v, a, b)
                if d < 0.02 and 1e-9 < t < 1 - 1e-9:
                    on.append((t, v))
            nr += [v for _, v in sorted(on)]
        out.append(nr)

    # 3. slide each non-corner vertex lying on a boundary edge along that edge
    #    (by at most 2.5 m, preferring the smallest move) until it lies on the
    #    edge within 0.1 mm after the WGS84 round trip.  Every ring holding the
    #    vertex gets the same moved vertex, so shared edges stay identical.
    nb = len(corners)
    rt_corner = {c: round_trip(*c) for c in corners}
    remap = {}
    for p in allv:
        if p in rt_corner:
            continue
        for k in range(nb):
            a, b = corners[k], corners[(k + 1) % nb]
            t, d = seg_param(p, a, b)
            if d < 0.02 and 0 < t < 1:
                L = math.hypot(b[0] - a[0], b[1] - a[1])
                ra, rb = rt_corner[a], rt_corner[b]
                steps = sorted(range(-5000, 5001), key=lambda s: (abs(s), s))   # 0.5 mm steps
                tts = [t + s * 0.0005 / L for s in steps]
                xs = [a[0] + tt * (b[0] - a[0]) for tt in tts]
                ys = [a[1] + tt * (b[1] - a[1]) for tt in tts]
                lon, lat = TO_WGS.transform(xs, ys)
                rx, ry = TO_UTM.transform([round(v, DECIMALS) for v in lon],
                                          [round(v, DECIMALS) for v in lat])
                best = None
                for i in range(len(tts)):
                    off = abs(line_dist((rx[i], ry[i]), ra, rb))
                    if best is None or off < best[0]:
                        best = (off, (xs[i], ys[i]))
                    if off < 0.0001:
                        break
                remap[p] = best[1]
                break
    return [[remap.get(p, p) for p in r] for r in out]


# ---------------------------------------------------------------------------
# Kildedal geometry (local frame: u along the railway towards Måløv, v to NNE)
# ---------------------------------------------------------------------------

KD_ST = (706251.0, 6183364.0)          # Kildedal St., EPSG:25832 (domain.md)
MALOV_ST = (708258.0, 6182964.0)
KD_THETA = math.atan2(MALOV_ST[1] - KD_ST[1], MALOV_ST[0] - KD_ST[0])  # ~ -11.3 deg


def kd_local_to_utm(u, v):
    c, s = math.cos(KD_THETA), math.sin(KD_THETA)
    return (KD_ST[0] + u * c - v * s, KD_ST[1] + u * s + v * c)


def kildedal_geometry():
    shape = [(-470, -60), (-440, 150), (-270, 232), (40, 248), (300, 222),
             (450, 80), (440, -140), (180, -230), (-180, -222), (-390, -170)]
    p = Polygon(shape)
    k = math.sqrt(400000.0 / p.area)                # scale to 40.0 ha about the station
    p = affinity.scale(p, k, k, origin=(0, 0))
    band_lines = [[(-800, 130), (800, 145)], [(-800, 16), (800, 16)],
                  [(-800, -16), (800, -16)], [(-800, -118), (800, -132)]]
    cols = {4: [-300, -120, 60, 250], 3: [-330, -180, -55, 75, 230], 2: [-70, 70],
            1: [-320, -160, -30, 120, 280], 0: [-280, -90, 90, 260]}
    col_lines = {i: [[(x, -400), (x + (8 if i % 2 else -6), 400)] for x in xs]
                 for i, xs in cols.items()}
    cells = tile(p, band_lines, col_lines)
    # tile() orders south->north; Kildedal references run north->south
    order = []
    idx = 0
    per_band = []
    for i in range(5):
        n = len(cols[i]) + 1
        per_band.append(cells[idx:idx + n])
        idx += n
    for i in (4, 3, 2, 1, 0):
        order += per_band[i]
    corners = [snap(kd_local_to_utm(*c)) for c in list(p.exterior.coords)[:-1]]
    rings = [[snap(kd_local_to_utm(*c)) for c in list(q.exterior.coords)[:-1]] for q in order]
    return corners, normalise_tiling(rings, corners)


# ---------------------------------------------------------------------------
# Lautrup geometry (drawn directly in EPSG:25832)
# ---------------------------------------------------------------------------

# Lautrup lies between Ballerup Byvej (south) and Klausdalsbrovej (north) and reaches Ring 4 on
# the east (domain.md, "Places"). No street geometry is available offline, so the edges are drawn
# as approximate courses: the south edge along Ballerup Byvej about 200 m north of Malmparken St.,
# the east edge 30 m west of the C84 Ring 4-route (Ring 4 is the boundary, the cycle route runs
# beside it), the north edge along Klausdalsbrovej, placed so that the outline is 250.0 ha.
LT_SOUTH = [(712250, 6180840), (712900, 6180822), (713600, 6180836), (714300, 6180855)]
LT_EAST = [(714752, 6180862), (714740, 6181100)]
LT_NE_X = 714750            # north-east corner (Ring 4 / Klausdalsbrovej)
LT_NORTH = [(714100, 0), (713300, -20), (712700, 10), (712300, -30)]   # y offsets from the north line
LT_WEST_X = 712232          # west edge vertex between the south-west and north-west corners


def lautrup_outline():
    """The Lautrup corners, with the north edge moved so the area is exactly 250.0 ha."""
    def corners(n):
        return (LT_SOUTH + LT_EAST + [(LT_NE_X, n + 10)] + [(x, n + dy) for x, dy in LT_NORTH]
                + [(LT_WEST_X, 6181400)])
    n = 6181850.0
    for _ in range(3):          # the area is linear in n: one Newton step is exact
        a0 = Polygon(corners(n)).area
        a1 = Polygon(corners(n + 1.0)).area
        n += (2500000.0 - a0) / (a1 - a0)
    return [(round(x, 3), round(y, 3)) for x, y in corners(round(n, 3))]


def lautrup_geometry():
    p = Polygon(lautrup_outline())
    band_lines = [[(712000, 6181040), (715000, 6181040)], [(712000, 6181240), (715000, 6181242)],
                  [(712000, 6181440), (715000, 6181444)], [(712000, 6181650), (715000, 6181650)]]
    # band 0 (Ballerup Byvej): narrow WTC plots near Malmparken St. (Lokalplan 173)
    cols = {0: [712620, 712880, 713220, 713700, 714220], 1: [712620, 712950, 713330, 713700, 714150],
            2: [712650, 713050, 713450, 713850, 714250], 3: [712650, 713070, 713490, 713910, 714330],
            4: [712750, 713250, 713750, 714250]}
    col_lines = {i: [[(x, 6180000), (x + (10 if i % 2 else -10), 6183000)] for x in xs]
                 for i, xs in cols.items()}
    # the south-west cell is cut into three: Lautrupvang 1, a service plot and Lautrupvang 3
    sub = {(0, 0): [[(712430, 6180700), (712432, 6181100)], [(712420, 6180950), (712700, 6180948)]]}
    cells = tile(p, band_lines, col_lines, sub)
    corners = [snap(c) for c in list(p.exterior.coords)[:-1]]
    rings = [[snap(c) for c in list(q.exterior.coords)[:-1]] for q in cells]
    return corners, normalise_tiling(rings, corners)


# ---------------------------------------------------------------------------
# attribute tables (illustrative)
# ---------------------------------------------------------------------------

# land use -> (max plot ratio %, max height m)
KD_RULES = {
    "residential": (100, 20), "mixed": (140, 28), "retail_service": (80, 14),
    "office": (150, 32), "life_science": (130, 28), "public_institution": (60, 14),
    "green_recreational": (None, None), "infrastructure": (None, 12),
}
LT_RULES = {
    "office": (75, 20), "production": (75, 14), "retail_service": (60, 12),
    "public_institution": (90, 24), "residential": (90, 28), "mixed": (90, 24),
    "green_recreational": (None, None), "infrastructure": (None, None),
}

# Kildedal: (land_use, status, lokalplan), in reference order KD-01..KD-25
KD_PLOTS = [
    # northern row (west -> east)
    ("green_recreational", "planned", "Lokalplan 131"),
    ("residential", "planned", "Lokalplan 131"),
    ("residential", "available", "Lokalplan 124"),
    ("residential", "planned", "Lokalplan 131"),
    ("public_institution", "under_construction", "Lokalplan 124"),
    # row north of the railway
    ("residential", "sold", "Lokalplan 124"),
    ("residential", "built", "Lokalplan 116"),                  # first stage: homes completed 2026
    ("mixed", "under_construction", "Lokalplan 116"),
    ("retail_service", "under_construction", "Lokalplan 116"),
    ("office", "under_construction", "Lokalplan 116"),
    ("life_science", "sold", "Lokalplan 124"),
    # railway corridor with Kildedal St.: the existing Frederikssund line, older than the new
    # town and under none of its lokalplans (built = exists)
    ("infrastructure", "built", None),
    ("infrastructure", "built", None),
    ("infrastructure", "built", None),
    # row south of the railway
    ("green_recreational", "under_construction", "Lokalplan 116"),
    ("residential", "under_construction", "Lokalplan 116"),
    ("mixed", "under_construction", "Lokalplan 116"),
    ("office", "reserved", "Lokalplan 124"),
    ("life_science", "reserved", "Lokalplan 124"),
    ("life_science", "available", "Lokalplan 124"),
    # southern row
    ("residential", "planned", "Lokalplan 131"),
    ("residential", "available", "Lokalplan 124"),
    ("mixed", "planned", "Lokalplan 131"),
    ("life_science", "available", "Lokalplan 124"),
    ("green_recreational", "planned", "Lokalplan 131"),
]

# Lautrup: (land_use, status, lokalplan, fixed homes or None), LT-01..LT-31
LT_PLOTS = [
    # band along Ballerup Byvej (south), west -> east
    ("office", "built", "Lokalplan 52", None),
    ("retail_service", "built", "Lokalplan 52", None),
    ("residential", "under_construction", "Lokalplan 198", 115),   # Lautrupvang 3
    ("office", "built", "Lokalplan 173", None),                    # WTC Ballerup
    ("office", "under_construction", "Lokalplan 173", None),       # WTC tower
    ("production", "built", "Lokalplan 52", None),
    ("production", "built", "Lokalplan 52", None),
    ("green_recreational", "built", "Lokalplan 52", None),
    # second band
    ("public_institution", "built", "Lokalplan 61", None),          # DTU Ballerup
    ("office", "available", "Lokalplan 173", None),
    ("office", "built", "Lokalplan 61", None),
    ("production", "built", "Lokalplan 61", None),
    ("production", "built", "Lokalplan 61", None),
    ("production", "reserved", "Lokalplan 61", None),
    # third band
    ("residential", "planned", "Lokalplan 210", 250),
    ("office", "built", "Lokalplan 61", None),
    ("office", "built", "Lokalplan 61", None),
    ("production", "built", "Lokalplan 61", None),
    ("production", "built", "Lokalplan 61", None),
    ("office", "available", "Lokalplan 61", None),
    # fourth band
    ("green_recreational", "built", "Lokalplan 75", None),
    ("office", "built", "Lokalplan 75", None),
    ("production", "built", "Lokalplan 75", None),
    ("office", "built", "Lokalplan 75", None),
    ("production", "built", "Lokalplan 75", None),
    ("production", "sold", "Lokalplan 75", None),
    # northern band
    ("residential", "planned", "Lokalplan 210", 180),
    ("office", "built", "Lokalplan 75", None),
    ("production", "built", "Lokalplan 75", None),
    ("residential", "under_construction", "Lokalplan 210", 60),     # Lautrupsgade 20: offices re-used as homes
    ("production", "built", "Lokalplan 75", None),
]

# building kinds: footprint (length along the plot's long axis, depth) and floor-area mix
KINDS = {
    "residential": ((60, 15), {"residential": 0.95, "other": 0.05}),
    "mixed": ((55, 18), {"residential": 0.6, "office": 0.25, "retail": 0.1, "other": 0.05}),
    "office": ((60, 20), {"office": 0.9, "other": 0.1}),
    "life_science": ((65, 24), {"laboratory": 0.55, "office": 0.35, "other": 0.1}),
    "retail_service": ((45, 28), {"retail": 0.7, "office": 0.1, "other": 0.2}),
    "school": ((70, 25), {"other": 1.0}),
    "lt_office": ((85, 22), {"office": 0.9, "other": 0.1}),
    "lt_production": ((130, 65), {"office": 0.15, "other": 0.85}),
    "lt_retail": ((50, 30), {"retail": 0.75, "office": 0.05, "other": 0.2}),
    "dtu": ((80, 25), {"laboratory": 0.35, "office": 0.2, "other": 0.45}),
    "tower": ((40, 30), {"office": 0.92, "retail": 0.03, "other": 0.05}),
    "lautrupvang3": ((72.92, 20), {"residential": 1.0}),
    "lt_residential": ((70, 16), {"residential": 0.95, "other": 0.05}),
}

NONE_DGNB = dict(scheme=None, manual=None, phase="none", target=None, achieved=None,
                 score=None, cert=None, issued=None, valid=None)


def kd_dgnb(phase, target="gold", achieved=None, score=None, cert=None, issued=None):
    return dict(scheme="new_construction", manual="DGNB DK 2020", phase=phase, target=target,
                achieved=achieved, score=score, cert=cert, issued=issued, valid=None)


# Kildedal buildings: (plot, name, kind, storeys, construction_status, dgnb)
KD_BUILDINGS = [
    # first stage under Lokalplan 116 (adopted 2024-03-20): homes begun in 2024, completed 2026
    ("KD-07", "Kildedal Have, blok A", "residential", 5, "completed",
     kd_dgnb("certificate", "gold", "gold", 71.3, "DGNB-DK-NC-2026-0112", "2026-09-14")),
    ("KD-07", "Kildedal Have, blok B", "residential", 5, "completed",
     kd_dgnb("pre_certificate", "gold", "gold", 68.9, "DGNB-DK-PC-2024-0187", "2024-09-02")),
    ("KD-08", "Stationsbyen, hus 1", "mixed", 6, "under_construction",
     kd_dgnb("pre_certificate", "platinum", "platinum", 81.6, "DGNB-DK-PC-2024-0234", "2024-11-20")),
    ("KD-08", "Stationsbyen, hus 2", "mixed", 5, "under_construction",
     kd_dgnb("pre_certificate", "gold", "gold", 74.2, "DGNB-DK-PC-2025-0121", "2025-06-11")),
    ("KD-09", "Kildedal Torvehus", "retail_service", 2, "under_construction",
     kd_dgnb("pre_certificate", "gold", "gold", 66.8, "DGNB-DK-PC-2025-0203", "2025-03-05")),
    ("KD-05", "Kildedal Skole og Børnehus", "school", 3, "under_construction",
     kd_dgnb("pre_certificate", "gold", "gold", 69.5, "DGNB-DK-PC-2025-0077", "2025-03-06")),
    ("KD-10", "Kildedal Kontorpark, hus A", "office", 6, "under_construction",
     kd_dgnb("pre_certificate", "gold", "gold", 72.0, "DGNB-DK-PC-2024-0160", "2024-10-15")),
    ("KD-10", "Kildedal Kontorpark, hus B", "office", 5, "under_construction",
     kd_dgnb("pre_certificate", "platinum", "platinum", 80.4, "DGNB-DK-PC-2025-0011", "2025-01-22")),
    ("KD-16", "Skovkanten, etape 1", "residential", 5, "under_construction",
     kd_dgnb("pre_certificate", "gold", "gold", 67.1, "DGNB-DK-PC-2025-0058", "2025-04-03")),
    ("KD-17", "Bydelshuset", "mixed", 6, "under_construction",
     kd_dgnb("pre_certificate", "gold", "gold", 70.6, "DGNB-DK-PC-2025-0142", "2025-08-19")),
    ("KD-11", "Life Science Hub 1", "life_science", 4, "projected",
     kd_dgnb("pre_certificate", "gold", "gold", 73.8, "DGNB-DK-PC-2026-0009", "2026-01-27")),
    ("KD-11", "Life Science Hub 2", "life_science", 4, "projected", kd_dgnb("none")),
    ("KD-16", "Skovkanten, etape 2", "residential", 5, "projected", kd_dgnb("none")),
    ("KD-17", "Bydelshuset, hus 2", "mixed", 6, "projected", kd_dgnb("none")),
    ("KD-06", "Engkvarteret, blok A", "residential", 4, "projected", kd_dgnb("none")),
    ("KD-06", "Engkvarteret, blok B", "residential", 5, "projected", kd_dgnb("none")),
    ("KD-18", "Kildedal Business House", "office", 6, "projected", kd_dgnb("none", "platinum")),
    ("KD-19", "Kildedal Lab 1", "life_science", 4, "projected", kd_dgnb("none")),
    ("KD-20", "Kildedal Lab 2", "life_science", 4, "projected", kd_dgnb("none")),
    ("KD-22", "Søkvarteret, blok A", "residential", 4, "projected", kd_dgnb("none")),
    ("KD-24", "Kildedal Lab 3", "life_science", 4, "projected", kd_dgnb("none")),
    ("KD-03", "Vestkvarteret, blok A", "residential", 4, "projected", kd_dgnb("none")),
]


def lt_dgnb(scheme, phase, target, achieved, score, cert, issued, valid=None):
    manual = "DGNB DK 2020" if scheme == "new_construction" else "DGNB DK in use 2020"
    return dict(scheme=scheme, manual=manual, phase=phase, target=target, achieved=achieved,
                score=score, cert=cert, issued=issued, valid=valid)


LT_BUILDINGS = [
    ("LT-01", "Lautrupvang 1", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-01", "Lautrupvang 1B", "lt_office", 3, "completed", NONE_DGNB),
    ("LT-02", "Lautrupvang 2, servicecenter", "lt_retail", 2, "completed", NONE_DGNB),
    ("LT-03", "Lautrupvang 3", "lautrupvang3", 8, "under_construction",
     lt_dgnb("new_construction", "pre_certificate", "gold", "gold", 67.9,
             "DGNB-DK-PC-2025-0047", "2025-03-10")),
    ("LT-04", "WTC Ballerup, Borupvang 3", "lt_office", 5, "completed",
     lt_dgnb("in_use", "in_use", "silver", "silver", 57.4, "DGNB-DK-IU-2024-0031",
             "2024-06-01", "2027-06-01")),
    ("LT-04", "WTC Ballerup, hus 2", "lt_office", 5, "completed", NONE_DGNB),
    ("LT-05", "WTC Ballerup, tårn", "tower", 15, "under_construction",
     lt_dgnb("new_construction", "pre_certificate", "gold", "gold", 68.2,
             "DGNB-DK-PC-2024-0198", "2024-12-05")),
    ("LT-06", "Lautrupvang 10", "lt_production", 1, "completed", NONE_DGNB),
    ("LT-06", "Lautrupvang 12", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-07", "Lautrupvang 15", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-09", "DTU Ballerup Campus, bygning 1", "dtu", 4, "completed", NONE_DGNB),
    ("LT-09", "DTU Ballerup Campus, bygning 2", "dtu", 3, "completed", NONE_DGNB),
    ("LT-11", "Lautrupbjerg 1", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-11", "Lautrupbjerg 3", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-12", "Lautrupbjerg 8", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-13", "Lautrupbjerg 10", "lt_production", 1, "completed", NONE_DGNB),
    ("LT-13", "Lautrupbjerg 12", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-16", "Lautruphøj 1", "lt_office", 5, "completed",
     lt_dgnb("new_construction", "certificate", "gold", "gold", 70.3,
             "DGNB-DK-NC-2023-0088", "2023-05-17")),
    ("LT-16", "Lautruphøj 3", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-17", "Lautruphøj 5", "lt_office", 4, "completed",
     lt_dgnb("in_use", "in_use", "silver", "silver", 54.1, "DGNB-DK-IU-2025-0006",
             "2025-01-13", "2028-01-13")),
    ("LT-18", "Lautruphøj 10", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-19", "Lautruphøj 12", "lt_production", 1, "completed", NONE_DGNB),
    ("LT-19", "Lautruphøj 14", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-22", "Lautrupparken 20", "lt_office", 5, "completed",
     lt_dgnb("in_use", "in_use", "gold", "gold", 66.7, "DGNB-DK-IU-2023-0019",
             "2023-09-04", "2026-09-04")),
    ("LT-22", "Lautrupparken 22", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-23", "Lautrupparken 30", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-24", "Lautrupparken 40", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-24", "Lautrupparken 42", "lt_office", 3, "completed", NONE_DGNB),
    ("LT-25", "Lautrupparken 50", "lt_production", 1, "completed", NONE_DGNB),
    # one storey: its offices stay under the Fingerplan's 1,500 m² (1.5 km from a station)
    ("LT-26", "Lautrupparken 60", "lt_production", 1, "projected", NONE_DGNB),
    ("LT-28", "Nordbuen 2", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-28", "Lautrupsgade 5", "lt_office", 4, "completed", NONE_DGNB),
    ("LT-29", "Lautrupsgade 11", "lt_production", 2, "completed", NONE_DGNB),
    ("LT-30", "Lautrupsgade 20", "lt_residential", 6, "under_construction",
     lt_dgnb("new_construction", "pre_certificate", "silver", "silver", 56.3,
             "DGNB-DK-PC-2025-0171", "2025-11-03")),
    ("LT-31", "Lautrupsgade 25", "lt_production", 1, "completed", NONE_DGNB),
    ("LT-31", "Lautrupsgade 27", "lt_production", 2, "completed", NONE_DGNB),
]


# ---------------------------------------------------------------------------
# helpers for attributes
# ---------------------------------------------------------------------------

def largest_remainder(weights, total):
    s = sum(weights)
    if s == 0:
        return [0] * len(weights)
    raw = [w * total / s for w in weights]
    out = [int(math.floor(r)) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


MAT_LETTERS = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "k", "l", "m", "n", "o", "p",
               "q", "r", "s", "t", "u", "v", "x", "y", "z", "æ", "ø"]


def matrikel(rng, base):
    n = base + rng.randint(0, 40)
    suffix = rng.choice(MAT_LETTERS) + rng.choice(MAT_LETTERS)
    return f"{n}{suffix}"


def split_floor(total, mix):
    keys = ["residential", "office", "laboratory", "retail", "other"]
    parts = largest_remainder([mix.get(k, 0.0) for k in keys], total)
    return dict(zip(keys, parts))


def place_buildings(plot, n, dims, angle, setback=10.0, gap=16.0):
    """n rectangular footprints (dims = length along the plot's long axis, depth)
    inside plot shrunk by setback, side by side along the rotated u axis."""
    org = plot.centroid
    rp = affinity.rotate(plot, -angle, origin=org, use_radians=True)
    inner = rp.buffer(-setback, join_style=2)
    u0, v0, u1, v1 = inner.bounds
    slot = (u1 - u0) / n
    out = []
    for i in range(n):
        strip = inner.intersection(box(u0 + i * slot + gap / 2, v0 - 1, u0 + (i + 1) * slot - gap / 2, v1 + 1))
        cx, cy = strip.centroid.x, strip.centroid.y
        L = min(dims[0], strip.bounds[2] - strip.bounds[0])
        D = min(dims[1], strip.bounds[3] - strip.bounds[1])
        f = 1.0
        rect = box(cx - L / 2, cy - D / 2, cx + L / 2, cy + D / 2)
        while not strip.contains(rect):
            f *= 0.97
            rect = box(cx - f * L / 2, cy - f * D / 2, cx + f * L / 2, cy + f * D / 2)
        back = affinity.rotate(rect, angle, origin=org, use_radians=True)
        out.append((Polygon([snap(c) for c in back.exterior.coords]), f))
    return out


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def ll_polygon(poly):
    ring = [list(to_ll(*c)) for c in list(poly.exterior.coords)[:-1]]
    ring.append(ring[0])
    # RFC 7946: exterior ring counter-clockwise (positive shoelace area in lon/lat)
    a = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))
    if a < 0:
        ring.reverse()
    return {"type": "Polygon", "coordinates": [ring]}


def ll_line(coords):
    return {"type": "LineString", "coordinates": [list(to_ll(*c)) for c in coords]}


def ll_point(c):
    return {"type": "Point", "coordinates": list(to_ll(*c))}


def write_fc(name, features):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        fh.write(",\n".join(json.dumps({"type": "Feature", "properties": p, "geometry": g},
                                       ensure_ascii=False) for p, g in features))
        fh.write("\n]}\n")
    print(f"wrote {path} ({len(features)} features)")


# ---------------------------------------------------------------------------
# stages, completion dates and companies (illustrative; issue #14)
# ---------------------------------------------------------------------------

# Kildedal's stages follow its lokalplans (10-15 years to about 2035, domain.md); the target
# year is when a plot's homes and jobs are planned to be delivered.
KD_STAGES = {"Lokalplan 116": ("Kildedal etape 1", 2027), "Lokalplan 124": ("Kildedal etape 2", 2030),
             "Lokalplan 131": ("Kildedal etape 3", 2035)}
# Lautrup's ten-year revitalisation (vision plan 2020): plots not yet built, by how far along.
LT_TARGET_YEAR = {"under_construction": 2027, "sold": 2028, "reserved": 2029, "available": 2031,
                  "planned": 2033}


def stage_of(slug, status, lokalplan):
    """(stage, target year) of a plot; (None, None) for what is not part of a stage."""
    if slug == "kildedal":
        return KD_STAGES.get(lokalplan, (None, None))
    if status in LT_TARGET_YEAR:
        return "Lautrup revitalisering", LT_TARGET_YEAR[status]
    return None, None


# When completed buildings were completed. Lautrup's older buildings get a year from their
# reference (1970-2009); Lautruphøj 1 was rebuilt (its new-construction certificate is from
# 2023); Kildedal's first homes were completed in 2026 (after Lokalplan 116 of 2024).
COMPLETED_ON = {"KD-07-A": "2026-06-30", "KD-07-B": "2026-10-01", "LT-16-A": "2023-02-20"}


def completed_on(bref, cstatus):
    if cstatus != "completed":
        return None
    if bref in COMPLETED_ON:
        return COMPLETED_ON[bref]
    h = zlib.crc32(bref.encode())
    return f"{1970 + h % 40}-{1 + h // 40 % 12:02d}-01"


def cvr(n):
    """An eight-digit number with the CVR register's modulus-11 check digit (weights
    2 7 6 5 4 3 2 1): illustrative, not a real company's. Seven-digit stems whose check
    would be 10 are skipped to the next stem."""
    w = [2, 7, 6, 5, 4, 3, 2]
    while True:
        stem = f"{n:07d}"
        r = sum(int(d) * k for d, k in zip(stem, w)) % 11
        digit = (11 - r) % 11
        if digit < 10:
            return stem + str(digit)
        n += 1


# Companies: (reference, name, cluster, sub-sector, ownership, building, share of the building's
# floor area, jobs, moved in, moved out, job figure public). Names are invented; dates chosen so
# that the goals' periods see companies before, during and after them (geodata/README.md).
COMPANIES = [
    ("CO-01", "Lautrupbjerg Software A/S", "it_technology", "software", "private", "LT-11-A", 0.8, 160, "2012-03-01", None, False),
    ("CO-02", "Nordbuen Data ApS", "it_technology", "data services", "private", "LT-28-A", 0.6, 45, "2023-06-01", None, False),
    ("CO-03", "Borupvang Payments A/S", "finance_fintech", "payments", "private", "LT-04-A", 0.5, 210, "2019-09-01", None, True),
    ("CO-04", "WTC Fintech Hub ApS", "finance_fintech", "fintech incubator", "private", "LT-04-B", 0.3, 60, "2024-02-01", None, False),
    ("CO-05", "Lautruphøj MedTech A/S", "life_science", "medical devices", "private", "LT-16-A", 0.9, 300, "2008-01-01", None, True),
    ("CO-06", "Ballerup Diagnostics ApS", "life_science", "diagnostics", "private", "LT-17-A", 0.4, 85, "2022-05-01", "2024-12-31", False),
    ("CO-07", "Lautrupparken Cloud ApS", "it_technology", "cloud services", "private", "LT-22-A", 0.5, 140, "2025-11-01", None, True),
    ("CO-08", "Lautrupvang Industri A/S", "other", "manufacturing", "private", "LT-06-A", 0.9, 120, "1998-04-01", None, False),
    ("CO-09", "DTU Ballerup Campus", "other", "higher education", "public", "LT-09-A", 1.0, 400, "2022-08-01", None, True),
    ("CO-10", "Lautrupparken Robotics ApS", "it_technology", "robotics", "private", "LT-24-A", 0.4, 70, "2026-03-01", None, False),
    ("CO-11", "Nordic Insurtech A/S", "finance_fintech", "insurance technology", "private", "LT-22-B", 0.5, 95, "2021-10-01", "2026-06-30", False),
    ("CO-12", "Lautrupsgade Logistik ApS", "other", "logistics", "private", "LT-29-A", 0.7, 35, "2016-05-01", None, False),
    ("CO-13", "BioLautrup ApS", "life_science", "biotech", "private", "LT-12-A", 0.5, 55, "2024-09-01", None, False),
    ("CO-14", "Ballerup Fintech Lab ApS", "finance_fintech", "fintech", "private", "LT-24-B", 0.3, 40, "2023-01-15", None, False),
    ("CO-15", "Kildedal Stationscafé ApS", "other", "café", "private", "KD-07-A", 0.03, 8, "2026-09-01", None, False),
    ("CO-16", "Kildedal MedData ApS", "life_science", "AI and data for life science", "private", "KD-10-A", 0.4, 90, "2027-03-01", None, False),
    ("CO-17", "Kildedal Life Science Hub P/S", "life_science", "life science incubator", "private", "KD-11-A", 0.6, 150, "2027-09-01", None, False),
    ("CO-18", "Kildedal Skole og Børnehus", "other", "school", "public", "KD-05-A", 1.0, 70, "2027-08-01", None, True),
]


# ---------------------------------------------------------------------------
# main build
# ---------------------------------------------------------------------------

# The date the data set describes (geodata/README.md), and when Kildedal's lokalplans were adopted:
# the numbers and days are illustrative, the year 2024 is public (domain.md); 131 is a proposal.
SCENARIO_DATE = "2026-11-01"
KD_LOKALPLAN_ADOPTED = {"Lokalplan 116": "2024-03-20", "Lokalplan 124": "2024-12-11"}

STATIONS = [  # exactly as in domain.md (WGS84 lon, lat; Rejseplanen stop id)
    ("Kildedal St.", 12.286656, 55.751940, 8600955),
    ("Måløv St.", 12.318276, 55.747497, 8600709),
    ("Ballerup St.", 12.358344, 55.729865, 8600708),
    ("Malmparken St.", 12.386017, 55.724651, 8600756),
    ("Skovlunde St.", 12.403490, 55.722763, 8600707),
]


def build():
    kd_corners, kd_rings = kildedal_geometry()
    lt_corners, lt_rings = lautrup_geometry()
    areas = {
        "kildedal": dict(
            corners=kd_corners, rings=kd_rings, table=KD_PLOTS, rules=KD_RULES, prefix="KD",
            angle=KD_THETA, name="Kildedal", dgnb="gold", cert="plan_certificate",
            ejerlav="Måløv By, Måløv", mat_base=2,
            description=("A new town of about 40 hectares around Kildedal St. with mixed housing and "
                         "business near Novo Nordisk R&D and CooperSurgical, focused on life science, "
                         "health technology, AI and data; all buildings must be DGNB Gold certified."),
            source=("Outline drawn for plotline around Kildedal St. to the 40 ha of Ballerup Kommune's "
                    "business policy (kildedalby.dk, dansk-byudvikling.dk); not a surveyed or planned boundary"),
            homes=2000, jobs=5000, buildings=KD_BUILDINGS),
        "lautrup": dict(
            corners=lt_corners, rings=lt_rings, table=LT_PLOTS, rules=LT_RULES, prefix="LT",
            angle=0.0, name="Lautrup", dgnb=None, cert="considered",
            ejerlav="Lautrupgård, Ballerup", mat_base=1,
            description=("The municipality's largest business area (Lautrupgård / Lautrupparken), about "
                         "250 ha north of Ballerup Byvej with about 20,000 jobs and the DTU Ballerup campus, "
                         "to be revitalised over the next 10 years with homes added."),
            source=("Outline drawn for plotline between Ballerup Byvej (south), Klausdalsbrovej (north) "
                    "and Ring 4 (east) to the 250 ha of Trap Danmark (domain.md); courses approximate, "
                    "not a surveyed or planned boundary"),
            homes=None, jobs=20000, buildings=LT_BUILDINGS),
    }

    area_feats, plot_feats, bldg_feats = [], [], []
    for slug, A in areas.items():
        assert len(A["rings"]) == len(A["table"]), (slug, len(A["rings"]), len(A["table"]))
        boundary = Polygon(A["corners"])
        area_feats.append(({
            "slug": slug, "name": A["name"], "description": A["description"],
            "target_dgnb_level": A["dgnb"], "area_certification": A["cert"],
            # A new town counts all its jobs as new; a revitalised area only those not yet built.
            "development": "new_town" if slug == "kildedal" else "revitalisation",
            "accuracy": "approximate", "source": A["source"],
        }, boundary))

        plots = []
        for i, ring in enumerate(A["rings"]):
            row = A["table"][i]
            land_use, status, lokalplan = row[0], row[1], row[2]
            fixed_homes = row[3] if len(row) > 3 else None
            ratio, height = A["rules"][land_use]
            poly = Polygon(ring)
            plots.append(dict(ref=f"{A['prefix']}-{i + 1:02d}", poly=poly, land_use=land_use,
                              status=status, lokalplan=lokalplan, ratio=ratio, height=height,
                              fixed_homes=fixed_homes))
        # WTC plots (Lokalplan 173): plot ratio up to 110 %, towers up to 15 storeys
        for p in plots:
            if p["lokalplan"] == "Lokalplan 173":
                p["ratio"], p["height"] = 110, 60

        # programme: homes and jobs from each plot's allowed floor area
        def gross(p):
            return p["poly"].area * (p["ratio"] or 0) / 100.0
        home_w, job_w = [], []
        for p in plots:
            lu, g = p["land_use"], gross(p)
            home_w.append({"residential": g / 95, "mixed": 0.55 * g / 95}.get(lu, 0.0))
            if slug == "kildedal":
                jw = {"office": g / 25, "life_science": g / 40, "mixed": 0.4 * g / 25,
                      "retail_service": g / 40, "public_institution": 60.0}.get(lu, 0.0)
            else:
                jw = {"office": 0.6 * g / 25, "production": 0.5 * g / 80, "retail_service": 0.5 * g / 40,
                      "public_institution": 0.6 * g / 40, "mixed": 0.3 * g / 25}.get(lu, 0.0)
            job_w.append(jw)
        if A["homes"] is not None:
            homes = largest_remainder(home_w, A["homes"])
        else:
            homes = [p["fixed_homes"] or 0 for p in plots]
        jobs = largest_remainder(job_w, A["jobs"])

        for p, h, j in zip(plots, homes, jobs):
            p["homes"], p["jobs"] = h, j
            plot_feats.append(({
                "reference": p["ref"], "area": slug, "land_use": p["land_use"], "status": p["status"],
                "max_plot_ratio_pct": p["ratio"], "max_height_m": p["height"],
                "lokalplan": p["lokalplan"], "matrikelnummer": matrikel(RNG, A["mat_base"]),
                "ejerlav": A["ejerlav"], "planned_homes": h, "planned_jobs": j,
                "stage": stage_of(slug, p["status"], p["lokalplan"])[0],
                "target_year": stage_of(slug, p["status"], p["lokalplan"])[1],
                "accuracy": "illustrative",
            }, p["poly"]))

        # buildings
        byref = {p["ref"]: p for p in plots}
        per_plot = {}
        for b in A["buildings"]:
            per_plot.setdefault(b[0], []).append(b)
        for ref in sorted(per_plot):
            p = byref[ref]
            blist = per_plot[ref]
            kinds = [KINDS[b[2]] for b in blist]
            dims = (min(k[0][0] for k in kinds), min(k[0][1] for k in kinds))
            if len(blist) == 1:
                dims = kinds[0][0]
            if blist[0][2] != "lautrupvang3":
                # deterministic variety (0.85-1.15 length, 0.9-1.1 depth) keyed on the plot reference
                h = zlib.crc32(ref.encode())
                dims = (dims[0] * (0.85 + 0.3 * (h % 101) / 100), dims[1] * (0.9 + 0.2 * (h // 101 % 101) / 100))
            fps = place_buildings(p["poly"], len(blist), dims, A["angle"])
            # respect plot ratio and height by lowering storeys where needed
            storeys = [b[3] for b in blist]
            cap = gross(p)
            while sum(fp.area * s for (fp, _), s in zip(fps, storeys)) > cap:
                k = max(range(len(storeys)), key=lambda i: storeys[i])
                storeys[k] -= 1
                print(f"  note: {ref} storeys lowered to respect plot ratio")
            for k, (b, (fp, f)) in enumerate(zip(blist, fps)):
                if b[2] == "lautrupvang3" and f < 1.0:
                    print("  note: Lautrupvang 3 footprint shrunk")
                _, name, kind, _, cstatus, d = b
                st = storeys[k]
                if p["height"] is not None:
                    assert st * 3.3 <= p["height"], (ref, name)
                total = int(round(fp.area * st * 0.9))
                fl = split_floor(total, KINDS[kind][1])
                bref = f"{ref}-{chr(ord('A') + k)}"
                bbr = None
                if slug == "lautrup" and cstatus == "completed":
                    bbr = str(uuid.UUID(int=RNG.getrandbits(128), version=4))
                bldg_feats.append(({
                    "reference": bref, "plot": ref, "name": name, "bbr_id": bbr, "storeys": st,
                    "floor_area_residential_m2": fl["residential"], "floor_area_office_m2": fl["office"],
                    "floor_area_laboratory_m2": fl["laboratory"], "floor_area_retail_m2": fl["retail"],
                    "floor_area_other_m2": fl["other"], "construction_status": cstatus,
                    "completed_on": completed_on(bref, cstatus),
                    "dgnb_scheme": d["scheme"], "dgnb_manual_version": d["manual"],
                    "dgnb_phase": d["phase"], "dgnb_target_level": d["target"],
                    "dgnb_achieved_level": d["achieved"], "dgnb_total_score_pct": d["score"],
                    "dgnb_certificate_id": d["cert"], "dgnb_issued_on": d["issued"],
                    "dgnb_valid_until": d["valid"], "accuracy": "illustrative",
                }, fp))

    # ---- lines and points -------------------------------------------------
    st_utm = {n: TO_UTM.transform(lon, lat) for n, lon, lat, _ in STATIONS}

    def off(p, dx, dy):
        return (round(p[0] + dx, 1), round(p[1] + dy, 1))
    nrm = (-math.sin(KD_THETA), math.cos(KD_THETA))
    c97 = [off(st_utm["Kildedal St."], -588 + 10 * nrm[0], 117 + 10 * nrm[1]),
           off(st_utm["Kildedal St."], 10 * nrm[0], 10 * nrm[1]),
           off(st_utm["Måløv St."], 0, 18),
           (709620.0, 6182075.0),
           off(st_utm["Ballerup St."], 0, 18),
           off(st_utm["Malmparken St."], 0, 18),
           off(st_utm["Skovlunde St."], 0, 18),
           off(st_utm["Skovlunde St."], 594, -84 + 18)]
    # Lautrup's north edge (Klausdalsbrovej): the y of the north line the outline was drawn to
    lt_n = lt_corners[len(LT_SOUTH) + len(LT_EAST)][1] - 10.0
    # C82 comes from Værløse in the north and enters Lautrup along Nordbuen (x ~ 712745, running
    # north-south from Klausdalsbrovej to Lautrupparken), where it ends.
    c82 = [(711600.0, 6185500.0), (711640.0, 6184800.0), (711760.0, 6184050.0), (711930.0, 6183300.0),
           (712250.0, 6182650.0), (712600.0, 6182200.0), (712740.0, round(lt_n + 150.0, 1)),
           (712750.0, 6181660.0)]
    c84 = [(714850.0, 6179500.0), (714810.0, 6180300.0), (714770.0, 6181100.0), (714780.0, 6181900.0),
           (714840.0, 6182700.0), (714910.0, 6183400.0), (714960.0, 6184000.0)]
    cycle = [
        ({"route": "C97", "name": "Frederikssundsruten", "opened": "2017-05", "accuracy": "approximate",
          "source": "Course sketched for plotline along the Frederikssund S-train line past the five "
                    "stations (domain.md: supercykelstier C97); no official geometry used"}, c97),
        ({"route": "C82", "name": "Værløseruten", "opened": "2017-05", "accuracy": "approximate",
          "source": "Course sketched for plotline along Skovvej, Skotteparken and Nordbuen to "
                    "Lautrupparken (domain.md: supercykelstier C82); no official geometry used"}, c82),
        ({"route": "C84", "name": "Ring 4-ruten", "opened": "2017-05", "accuracy": "approximate",
          "source": "Course sketched for plotline along Ring 4, the east edge of Lautrup (domain.md: "
                    "supercykelstier C84); no official geometry used"}, c84),
    ]

    # The 2020 study's short line Malmparken St. - Lautrupgård - Klausdalsbrovej: from the station
    # north across Ballerup Byvej to Borupvang (at Lautrupvang), Lautruphøj, Lautrupbjerg (at
    # Lautrupparken) and its end at Klausdalsbrovej, 10 m inside Lautrup's north edge.
    brt_l_stops = {"Malmparken St.": 0, "Borupvang": 2, "Lautruphøj": 5, "Lautrupbjerg": 7,
                   "Klausdalsbrovej": 9}
    # Streets (approximate, see README): Lautrupvang along y 6181040, Borupvang along x 712880,
    # Lautruphøj along y 6181444, Lautrupbjerg along y 6181242 and then north along x 713880 to
    # Lautrupparken (y 6181650).
    end_x = 713880.0
    (xa, ya), (xb, yb) = [(x, lt_n + dy) for x, dy in LT_NORTH[:2]]
    end_y = ya + (end_x - xa) * (yb - ya) / (xb - xa) - 10.0
    brt_l = [off(st_utm["Malmparken St."], 8, 50), (712700.0, 6180900.0), (712880.0, 6181040.0),
             (712952.0, 6181242.0), (713045.0, 6181444.0), (713400.0, 6181444.0), (713880.0, 6181444.0),
             (713880.0, 6181600.0), (713880.0, 6181650.0), (end_x, round(end_y, 1))]
    # 400S: 30 m east of C84, with stop vertices inserted at the junctions
    s400 = [(x + 30.0, y) for x, y in c84]
    def insert_at_y(line, y):
        for k in range(len(line) - 1):
            (x1, y1), (x2, y2) = line[k], line[k + 1]
            if y1 < y < y2:
                t = (y - y1) / (y2 - y1)
                p = (round(x1 + t * (x2 - x1), 3), y)
                line.insert(k + 1, p)
                return p
        raise ValueError(y)
    # the stops at Lautrup's south-east (Ballerup Byvej) and north-east (Klausdalsbrovej) corners
    s400_stops = [("Ring 4 / Ballerup Byvej", insert_at_y(s400, LT_EAST[0][1])),
                  ("Ring 4 / Klausdalsbrovej", insert_at_y(s400, round(lt_n + 10.0, 1)))]
    brt = [
        ({"code": "BRT-LAUTRUP", "name": "Malmparken St. – Lautrupgård – Klausdalsbrovej", "status": "study",
          "description": "Bus Rapid Transit line through the Lautrup business area examined in the 2020 "
                         "study by Ballerup Kommune and Movia; not decided.",
          "accuracy": "approximate",
          "source": "Course sketched for plotline from the 2020 Ballerup/Movia BRT study as reported in "
                    "public debate (domain.md)"}, brt_l),
        ({"code": "400S", "name": "400S Ishøj – Lyngby (Ring 4)", "status": "planned",
          "description": "State-backed BRT line along Ring 4; a locally adapted 400S is backed by the "
                         "mayors in 2026, route, stops and date not final. Ballerup section only.",
          "accuracy": "approximate",
          "source": "Course sketched for plotline along Ring 4 (domain.md); not an official route"}, s400),
    ]
    stops = [({"name": n, "line": "BRT-LAUTRUP", "accuracy": "approximate"}, brt_l[i])
             for n, i in brt_l_stops.items()]
    stops += [({"name": n, "line": "400S", "accuracy": "approximate"}, p) for n, p in s400_stops]

    # ---- write --------------------------------------------------------------
    write_fc("areas.geojson", [(p, ll_polygon(g)) for p, g in area_feats])
    write_fc("plots.geojson", [(p, ll_polygon(g)) for p, g in plot_feats])
    write_fc("buildings.geojson", [(p, ll_polygon(g)) for p, g in bldg_feats])
    write_fc("stations.geojson", [(
        {"name": n, "rejseplanen_id": rid, "line": "Frederikssund line", "accuracy": "within 50 m",
         "source": "trainline-eu/stations (ODbL), cross-checked"},
        {"type": "Point", "coordinates": [lon, lat]}) for n, lon, lat, rid in STATIONS])
    write_fc("cycle_superhighways.geojson", [(p, ll_line(c)) for p, c in cycle])
    write_fc("brt_lines.geojson", [(p, ll_line(c)) for p, c in brt])
    write_fc("brt_stops.geojson", [(p, ll_point(c)) for p, c in stops])

    # ---- companies ----------------------------------------------------------
    by_bref = {p["reference"]: (p, g) for p, g in bldg_feats}
    comp_feats = []
    for k, (ref, name, cluster, sub, owner, bref, share, jobs, moved_in, moved_out, public) in enumerate(COMPANIES):
        b, fp = by_bref[bref]
        total = sum(b[f] for f in b if f.startswith("floor_area"))
        comp_feats.append(({
            "reference": ref, "name": name, "cvr": cvr(3_100_000 + 7_919 * (k + 1)), "p_number": None,
            "cluster": cluster, "sub_sector": sub, "ownership": owner, "building": bref,
            "floor_area_m2": int(round(total * share)), "jobs_on_site": jobs, "jobs_public": public,
            "moved_in": moved_in, "moved_out": moved_out, "accuracy": "illustrative",
            "source": "Invented for plotline (name, CVR number, jobs and dates illustrative; CVR passes the "
                      "modulus-11 check but names no real company)",
        }, fp.representative_point()))
    write_fc("companies.geojson", [(p, ll_point((g.x, g.y))) for p, g in comp_feats])


# ---------------------------------------------------------------------------
# validation on the written files (WGS84 -> EPSG:25832 round trip)
# ---------------------------------------------------------------------------

def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as fh:
        fc = json.load(fh)
    assert "crs" not in fc
    out = []
    for f in fc["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            ring = g["coordinates"][0]
            a = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))
            assert a > 0, f"{name}: clockwise exterior ring"
            assert ring[0] == ring[-1]
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
            geom = Polygon([TO_UTM.transform(x, y) for x, y in ring])
        elif g["type"] == "LineString":
            geom = LineString([TO_UTM.transform(x, y) for x, y in g["coordinates"]])
        else:
            geom = Point(TO_UTM.transform(*g["coordinates"]))
        out.append((f["properties"], geom))
    return out


def validate():
    print("\n== round-trip checks (files read back, WGS84 -> EPSG:25832) ==")
    areas = load("areas.geojson")
    plots = load("plots.geojson")
    bldgs = load("buildings.geojson")
    stations = load("stations.geojson")
    cycles = load("cycle_superhighways.geojson")
    lines = load("brt_lines.geojson")
    stops = load("brt_stops.geojson")
    for name, fs in [("areas", areas), ("plots", plots), ("buildings", bldgs)]:
        bad = [p.get("reference", p.get("slug")) for p, g in fs if not (g.is_valid and g.exterior.is_simple)]
        check(not bad, f"{name}: all {len(fs)} polygons valid and simple {bad or ''}")

    plot_by_ref = {p["reference"]: (p, g) for p, g in plots}
    for ap, ag in areas:
        slug = ap["slug"]
        ps = [(p, g) for p, g in plots if p["area"] == slug]
        maxov = 0.0
        for i in range(len(ps)):
            for j in range(i + 1, len(ps)):
                if ps[i][1].intersects(ps[j][1]):
                    maxov = max(maxov, ps[i][1].intersection(ps[j][1]).area)
        u = unary_union([g for _, g in ps])
        # not the net difference of the two areas (slivers in and out cancel there), but each side
        uncovered = ag.difference(u).area
        outside = u.difference(ag).area
        print(f"  {slug}: boundary {ag.area / 1e4:.3f} ha, {len(ag.exterior.coords) - 1} vertices; "
              f"union(plots) {u.area / 1e4:.3f} ha")
        check(maxov < 0.01, f"{slug}: max pairwise plot intersection area {maxov:.6f} m2 (< 0.01)")
        check(uncovered + outside < 1.0, f"{slug}: outline not covered by plots {uncovered:.4f} m2, "
                                         f"plots outside the outline {outside:.4f} m2 (< 1 in all)")
        minedge = min(Point(c1).distance(Point(c2)) for _, g in ps
                      for c1, c2 in zip(g.exterior.coords[:-1], g.exterior.coords[1:]))
        check(minedge > 0.5, f"{slug}: shortest plot edge {minedge:.2f} m")
        # T-junctions: no plot vertex may lie on another plot's edge without being its vertex
        tj = 0
        for _, g in ps:
            vs = {(round(x, 6), round(y, 6)) for x, y in g.exterior.coords}
            for _, h in ps:
                if h is g:
                    continue
                for x, y in h.exterior.coords:
                    if (round(x, 6), round(y, 6)) not in vs and g.exterior.distance(Point(x, y)) < 0.005:
                        tj += 1
        check(tj == 0, f"{slug}: T-junctions between plots: {tj}")
    kd = [g for p, g in areas if p["slug"] == "kildedal"][0]
    lt = [g for p, g in areas if p["slug"] == "lautrup"][0]
    check(abs(kd.area - 400000) <= 2000, f"kildedal area {kd.area / 1e4:.3f} ha within 40 ha +-0.5 %")
    check(abs(lt.area - 2500000) <= 125000, f"lautrup area {lt.area / 1e4:.3f} ha within 250 ha +-5 %")
    st = {p["name"]: g for p, g in stations}
    check(kd.intersects(st["Kildedal St."]), "Kildedal St. inside (or on the edge of) the Kildedal area")
    check(not lt.intersects(st["Malmparken St."]) and lt.distance(st["Malmparken St."]) < 300,
          f"Malmparken St. just south of Lautrup ({lt.distance(st['Malmparken St.']):.0f} m)")

    mind = 1e9
    for p, g in bldgs:
        pp, pg = plot_by_ref[p["plot"]]
        inside = pg.contains(g)
        d = pg.exterior.distance(g)
        mind = min(mind, d)
        if not inside or d < 5:
            check(False, f"building {p['reference']} inside plot with >= 5 m set-back ({d:.2f} m)")
    check(True, f"all buildings strictly inside their plot, min distance to plot edge {mind:.2f} m")
    ov = 0.0
    for i in range(len(bldgs)):
        for j in range(i + 1, len(bldgs)):
            ov = max(ov, bldgs[i][1].intersection(bldgs[j][1]).area)
    check(ov == 0.0, "buildings do not overlap")

    # attribute rules
    for p, g in bldgs:
        pp, _ = plot_by_ref[p["plot"]]
        ref = p["reference"]
        if pp["land_use"] in ("green_recreational", "infrastructure"):
            check(False, f"{ref} on green/infrastructure plot")
        if pp["status"] in ("planned", "available") and p["construction_status"] != "projected":
            check(False, f"{ref} not projected on {pp['status']} plot")
        total = sum(p[k] for k in ("floor_area_residential_m2", "floor_area_office_m2",
                                   "floor_area_laboratory_m2", "floor_area_retail_m2", "floor_area_other_m2"))
        r = total / (g.area * p["storeys"])
        if not 0.85 <= r <= 0.95:
            check(False, f"{ref} floor area {total} vs footprint {g.area:.0f} x {p['storeys']} ({r:.3f})")
        lvl, sc = p["dgnb_achieved_level"], p["dgnb_total_score_pct"]
        band = {"silver": (50, 65), "gold": (65, 80), "platinum": (80, 100.01)}
        if lvl is not None:
            lo, hi = band[lvl]
            if not (sc is not None and lo <= sc < hi) or p["dgnb_phase"] not in ("certificate", "in_use", "pre_certificate"):
                check(False, f"{ref} DGNB level/score/phase inconsistent")
        elif sc is not None:
            check(False, f"{ref} score without level")
        if pp["area"] == "kildedal" and p["dgnb_target_level"] not in ("gold", "platinum"):
            check(False, f"{ref} breaks the Kildedal Gold rule")
        if p["dgnb_phase"] in ("certificate", "in_use") and p["construction_status"] != "completed":
            check(False, f"{ref} certified but not completed")
    check(True, "building attribute rules checked (floor area ~ footprint x storeys x 0.9, DGNB "
                "levels vs scores, Gold rule, projected on planned/available plots)")
    # plot ratio respected by the drawn buildings
    for ref, (pp, pg) in plot_by_ref.items():
        gross = sum(g.area * p["storeys"] for p, g in bldgs if p["plot"] == ref)
        if pp["max_plot_ratio_pct"] is not None and gross > pg.area * pp["max_plot_ratio_pct"] / 100 + 1:
            check(False, f"{ref} buildings exceed the plot ratio")

    # lines and stops
    c = {p["route"]: g for p, g in cycles}
    d97 = {n: round(c["C97"].distance(g), 1) for n, g in st.items()}
    check(max(d97.values()) <= 30, f"C97 distance to stations (m): {d97}")
    end = Point(c["C82"].coords[-1])
    check(lt.contains(end), "C82 ends inside the Lautrup area")
    for p, g in cycles + lines:
        n = len(g.coords)
        check(5 <= n <= 12, f"{p.get('route', p.get('code'))}: {n} vertices, {g.length / 1000:.2f} km")
    ln = {p["code"]: g for p, g in lines}
    hit = [p["reference"] for p, g in bldgs if any(l.intersects(g) for l in ln.values())]
    check(not hit, f"no BRT line crosses a building {hit or ''}")
    outside = ln["BRT-LAUTRUP"].difference(lt).length
    check(outside < 250, f"BRT-LAUTRUP: {outside:.0f} m outside Lautrup (the walk from Malmparken St.)")
    d84 = [c["C84"].distance(Point(x, y)) for x, y in lt.exterior.coords if x > 714500]
    check(d84 and max(d84) < 100, f"C84 within 100 m of Lautrup's east corners ({max(d84):.0f} m)")
    # Fingerplan 2019: offices over 1,500 m2 within 600 m of a station (straight line here)
    for p, g in bldgs:
        if p["construction_status"] != "completed" and p["floor_area_office_m2"] > 1500:
            d = min(g.distance(s) for s in st.values())
            check(d <= 600, f"{p['reference']}: new office {p['floor_area_office_m2']} m2, {d:.0f} m from a station")
    # Kildedal: nothing dated before its lokalplan, nothing after the scenario date
    for p, g in bldgs:
        pp, _ = plot_by_ref[p["plot"]]
        if pp["area"] != "kildedal":
            continue
        adopted = KD_LOKALPLAN_ADOPTED.get(pp["lokalplan"])
        if p["construction_status"] != "projected" and (adopted is None or adopted > SCENARIO_DATE):
            check(False, f"{p['reference']}: {p['construction_status']} before its lokalplan")
        issued = p["dgnb_issued_on"]
        if issued and not (adopted and adopted <= issued <= SCENARIO_DATE):
            check(False, f"{p['reference']}: DGNB dated {issued}, lokalplan adopted {adopted}")
    for ref, (pp, _) in plot_by_ref.items():
        if pp["area"] == "kildedal" and pp["lokalplan"] is not None and pp["status"] != "planned":
            adopted = KD_LOKALPLAN_ADOPTED.get(pp["lokalplan"])
            if adopted is None or adopted > SCENARIO_DATE:
                check(False, f"{ref}: {pp['status']} under {pp['lokalplan']}, not adopted")
    check(True, f"Kildedal statuses and dates agree with its lokalplans and the scenario date {SCENARIO_DATE}")
    for p, g in stops:
        d = ln[p["line"]].distance(g)
        check(d < 1e-6, f"stop '{p['name']}' on line {p['line']} (distance {d:.2e} m)")

    # companies: in their building, no more floor area than it has, moved in only once it stands
    comps = load("companies.geojson")
    bldg_by_ref = {p["reference"]: (p, g) for p, g in bldgs}
    for p, g in comps:
        b, fp = bldg_by_ref[p["building"]]
        ref = p["reference"]
        total = sum(b[k] for k in b if k.startswith("floor_area"))
        check(fp.contains(g), f"{ref} lies in its building {p['building']}")
        if p["floor_area_m2"] > total:
            check(False, f"{ref} occupies {p['floor_area_m2']} m2 of {total} m2")
        if p["moved_in"] <= SCENARIO_DATE and b["construction_status"] != "completed":
            check(False, f"{ref} moved in on {p['moved_in']} but {p['building']} is {b['construction_status']}")
        w = [2, 7, 6, 5, 4, 3, 2, 1]
        if sum(int(d) * k for d, k in zip(p["cvr"], w)) % 11:
            check(False, f"{ref} CVR {p['cvr']} fails modulus 11")
    check(True, f"{len(comps)} companies inside their buildings, floor areas and dates consistent")

    # ---- totals -------------------------------------------------------------
    print("\n== per-area totals ==")
    for ap, ag in areas:
        slug = ap["slug"]
        ps = [p for p, _ in plots if p["area"] == slug]
        bs = [p for p, _ in bldgs if plot_by_ref[p["plot"]][0]["area"] == slug]
        lu, stt, ph, cs = {}, {}, {}, {}
        for p in ps:
            lu[p["land_use"]] = lu.get(p["land_use"], 0) + 1
            stt[p["status"]] = stt.get(p["status"], 0) + 1
        for b in bs:
            ph[b["dgnb_phase"]] = ph.get(b["dgnb_phase"], 0) + 1
            cs[b["construction_status"]] = cs.get(b["construction_status"], 0) + 1
        fa = sum(b[k] for b in bs for k in b if k.startswith("floor_area"))
        print(f"  {slug}: {len(ps)} plots, boundary {ag.area / 1e4:.2f} ha, planned homes "
              f"{sum(p['planned_homes'] for p in ps)}, planned jobs {sum(p['planned_jobs'] for p in ps)}, "
              f"{len(bs)} buildings ({fa:,} m2 floor area)")
        print(f"    land use: {dict(sorted(lu.items()))}")
        print(f"    plot status: {dict(sorted(stt.items()))}")
        print(f"    construction status: {dict(sorted(cs.items()))}")
        print(f"    DGNB phase: {dict(sorted(ph.items()))}")


if __name__ == "__main__":
    build()
    validate()
    if FAILED:
        print(f"\n{len(FAILED)} check(s) FAILED")
        sys.exit(1)
    print("\nall checks passed")
