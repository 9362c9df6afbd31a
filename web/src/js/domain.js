// What the page knows about plots and buildings: the colours of each category, a building's
// DGNB class, and which plots and buildings a set of filters keeps. No DOM and no map here.

/** Plot status colours: grey for not yet on the market, green for available, warm for taken, blue for built. */
export const STATUS_COLOURS = {
  planned: '#a9b4c0',
  available: '#1a9850',
  reserved: '#f2b134',
  sold: '#e8702a',
  under_construction: '#8c6bc8',
  built: '#3a6ea5',
  withdrawn: '#e3e3e3',
};

/** Land-use colours after the usual Danish plan-map conventions (housing yellow, business red/purple…). */
export const LAND_USE_COLOURS = {
  residential: '#f6d04d',
  office: '#e06c5f',
  life_science: '#b05ac4',
  production: '#9a7559',
  retail_service: '#f29a38',
  mixed: '#ee9fc4',
  public_institution: '#4a8ed6',
  green_recreational: '#5db85c',
  infrastructure: '#9da3a8',
};

/** DGNB classes of a building, from nothing to the highest level. */
export const DGNB_COLOURS = {
  none: '#f7f7f7',
  pre_certificate: '#9fd0e8',
  silver: '#8e99a6',
  gold: '#d9a514',
  platinum: '#4b3f99',
};
export const DGNB_CLASSES = Object.keys(DGNB_COLOURS);

/**
 * Business clusters (the business policy's three and "other"), in the server's order, and the
 * colour of a building whose largest present occupant is in each; "none": nobody occupies it.
 */
export const CLUSTER_COLOURS = {
  it_technology: '#2b7bba',
  life_science: '#a04cc0',
  finance_fintech: '#e08a1e',
  other: '#6f7d8a',
  none: '#f7f7f7',
};
export const CLUSTERS = ['it_technology', 'life_science', 'finance_fintech', 'other'];
/** The values of the cluster filter and the legend: the clusters, then unoccupied buildings. */
export const CLUSTER_CLASSES = [...CLUSTERS, 'none'];

/** Plots drawn when buildings are coloured by cluster: a pale ground that lets them stand out. */
export const NEUTRAL_PLOT_COLOUR = '#dde2e7';

export const TRANSIT_COLOURS = {
  area: '#0f4c5c',
  station: '#c8102e',
  ring: '#c8102e',
  brt: '#b0127a',
  cycle: '#0a7f6f',
};

/** The dashed outline that marks an existing office outside the Fingerplan's office rule. */
export const FINGERPLAN_COLOUR = '#c8102e';

/**
 * A building's DGNB class for colouring and filtering: the achieved level once certified
 * (certificate or in use), "pre_certificate" while only pre-certified, otherwise "none".
 */
export function dgnbClass(p) {
  if ((p.dgnb_phase === 'certificate' || p.dgnb_phase === 'in_use') && p.dgnb_achieved_level) {
    return p.dgnb_achieved_level;
  }
  if (p.dgnb_phase === 'pre_certificate') return 'pre_certificate';
  return 'none';
}

/**
 * The filters the page starts with: everything shown. `cluster` (a building's cluster, or
 * "none") is set only when chosen: absent or '' keeps every building.
 */
export function emptyFilters() {
  return { area: '', status: '', use: '', dgnb: '', near: null };
}

export function filtersActive(f) {
  return Boolean(f.area || f.status || f.use || f.dgnb || f.cluster || (f.near !== null && f.near !== undefined));
}

/** A building's cluster class: its `cluster` property, "none" when nobody occupies it. */
export function clusterClass(p) {
  return p.cluster || 'none';
}

/**
 * Apply filters to plots and buildings (GeoJSON features). A plot is kept when it matches area,
 * status, land use and station distance and, with a DGNB or cluster filter, holds at least one
 * building of that class and cluster; a building is kept when its plot is kept and it matches
 * the DGNB and cluster filters.
 */
export function applyFilters(plots, buildings, f) {
  const buildingsByPlot = new Map();
  for (const b of buildings) {
    const key = b.properties.plot;
    if (!buildingsByPlot.has(key)) buildingsByPlot.set(key, []);
    buildingsByPlot.get(key).push(b);
  }
  const buildingOk = (b) => (!f.dgnb || dgnbClass(b.properties) === f.dgnb) && (!f.cluster || clusterClass(b.properties) === f.cluster);
  const keptPlots = plots.filter(({ properties: p }) => {
    if (f.area && p.area !== f.area) return false;
    if (f.status && p.status !== f.status) return false;
    if (f.use && p.land_use !== f.use) return false;
    if (f.near !== null) {
      const d = p.nearest_station_distance_m;
      if (d === null || d === undefined || d > f.near) return false;
    }
    if ((f.dgnb || f.cluster) && !(buildingsByPlot.get(p.reference) || []).some(buildingOk)) return false;
    return true;
  });
  const kept = new Set(keptPlots.map((p) => p.properties.reference));
  const keptBuildings = buildings.filter((b) => kept.has(b.properties.plot) && buildingOk(b));
  return { plots: keptPlots, buildings: keptBuildings };
}

const EARTH_RADIUS_M = 6371008.8;

/**
 * A circle of `radiusM` metres around [lon, lat] as a closed GeoJSON ring of `vertices` points,
 * by the great-circle destination formula (exact enough at a station's radius for a picture).
 */
export function circleRing([lon, lat], radiusM, vertices = 64) {
  const rad = Math.PI / 180;
  const phi1 = lat * rad;
  const lambda1 = lon * rad;
  const delta = radiusM / EARTH_RADIUS_M;
  const ring = [];
  for (let i = 0; i < vertices; i++) {
    const theta = (2 * Math.PI * i) / vertices;
    const phi2 = Math.asin(Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(theta));
    const lambda2 = lambda1 + Math.atan2(
      Math.sin(theta) * Math.sin(delta) * Math.cos(phi1),
      Math.cos(delta) - Math.sin(phi1) * Math.sin(phi2),
    );
    ring.push([lambda2 / rad, phi2 / rad]);
  }
  ring.push(ring[0]);
  return ring;
}

/** [minLon, minLat, maxLon, maxLat] of any GeoJSON geometry, feature or collection. */
export function bboxOf(geojson) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(visit);
  };
  const walk = (g) => {
    if (!g) return;
    if (g.type === 'FeatureCollection') g.features.forEach(walk);
    else if (g.type === 'Feature') walk(g.geometry);
    else if (g.type === 'GeometryCollection') g.geometries.forEach(walk);
    else visit(g.coordinates);
  };
  walk(geojson);
  return box;
}

/**
 * A point for a label: a line's point at `along` (0..1) of its length (in degrees, scaled for
 * latitude, enough for placing a label), a polygon's bounding-box centre.
 */
export function labelPoint(geometry, along = 0.5) {
  if (geometry.type === 'Point') return geometry.coordinates;
  if (geometry.type === 'LineString') {
    const c = geometry.coordinates;
    const k = Math.cos((c[0][1] * Math.PI) / 180);
    const seg = c.slice(1).map((p, i) => Math.hypot((p[0] - c[i][0]) * k, p[1] - c[i][1]));
    let rest = seg.reduce((a, b) => a + b, 0) * along;
    for (let i = 0; i < seg.length; i++) {
      if (rest <= seg[i] && seg[i] > 0) {
        const f = rest / seg[i];
        return [c[i][0] + (c[i + 1][0] - c[i][0]) * f, c[i][1] + (c[i + 1][1] - c[i][1]) * f];
      }
      rest -= seg[i];
    }
    return c[c.length - 1];
  }
  if (geometry.type === 'MultiLineString') return labelPoint({ type: 'LineString', coordinates: geometry.coordinates[0] });
  const b = bboxOf(geometry);
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}

/** Whether a planner or admin (`session` from GET /auth/me) may edit features of an area. */
export function mayEditArea(session, area) {
  if (!session || !area) return false;
  if (session.role === 'admin') return true;
  return session.role === 'planner' && Array.isArray(session.areas) && session.areas.includes(area);
}

/**
 * A polygon moved by `east` and `north` metres (a small move: a local flat approximation that is
 * exact to well under a centimetre over the size of a plot).
 */
export function shiftPolygon(geometry, east, north) {
  const [, minLat, , maxLat] = bboxOf(geometry);
  const lat = ((minLat + maxLat) / 2) * (Math.PI / 180);
  const dLat = (north / EARTH_RADIUS_M) * (180 / Math.PI);
  const dLon = (east / (EARTH_RADIUS_M * Math.cos(lat))) * (180 / Math.PI);
  const round = (v) => Math.round(v * 1e9) / 1e9;
  return {
    type: geometry.type,
    coordinates: geometry.coordinates.map((ring) => ring.map(([x, y]) => [round(x + dLon), round(y + dLat)])),
  };
}

/**
 * An RFC 3339 time as microseconds since 1970, keeping PostgreSQL's microseconds (Date.parse
 * stops at milliseconds); NaN when it does not parse.
 */
export function timeMicros(value) {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(.*)$/.exec(String(value || ''));
  if (!m) return NaN;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  return seconds * 1000 + Number((m[2] || '').padEnd(6, '0').slice(0, 6));
}

// ---- the same filters for the server and for the map -----------------------------------------
// The list asks the server (CQL2 text on /collections/plots/items), the map filters the
// features of its vector tiles (MapLibre expressions on the tile properties); both are made
// here from one set of filters, so that they agree.

const CERTIFIED_PHASES = ['certificate', 'in_use'];

/** A CQL2 text string literal. */
export const cqlText = (v) => `'${String(v).replace(/'/g, "''")}'`;

/** CQL2 text for a building of DGNB class `cls` (see dgnbClass), on building properties. */
export function dgnbClassCql(cls) {
  const certified = `dgnb_phase IN (${CERTIFIED_PHASES.map(cqlText).join(', ')})`;
  if (cls === 'pre_certificate') return "dgnb_phase = 'pre_certificate'";
  if (cls === 'none') {
    return `(dgnb_phase IS NULL OR dgnb_phase <> 'pre_certificate') AND NOT (${certified} AND dgnb_achieved_level IS NOT NULL)`;
  }
  return `${certified} AND dgnb_achieved_level = ${cqlText(cls)}`;
}

/** A building's DGNB class as a MapLibre expression on its tile properties (see dgnbClass). */
export const DGNB_CLASS_EXPRESSION = ['case',
  ['all', ['in', ['coalesce', ['get', 'dgnb_phase'], ''], ['literal', CERTIFIED_PHASES]], ['has', 'dgnb_achieved_level']],
  ['get', 'dgnb_achieved_level'],
  ['==', ['get', 'dgnb_phase'], 'pre_certificate'], 'pre_certificate',
  'none'];

/** CQL2 text for a building of cluster class `cls` (see clusterClass), on building properties. */
export function clusterCql(cls) {
  return cls === 'none' ? 'cluster IS NULL' : `cluster = ${cqlText(cls)}`;
}

/** A building's cluster class as a MapLibre expression on its tile properties (see clusterClass). */
export const CLUSTER_EXPRESSION = ['coalesce', ['get', 'cluster'], 'none'];

/**
 * The building filters (DGNB class, cluster) as CQL2 text on building properties, null without
 * them: the plots kept are those that hold a building matching all of them.
 */
export function buildingsCql(f) {
  const parts = [];
  if (f.dgnb) parts.push(`(${dgnbClassCql(f.dgnb)})`);
  if (f.cluster) parts.push(clusterCql(f.cluster));
  return parts.length ? parts.join(' AND ') : null;
}

/**
 * The plot filters as CQL2 text (null: no filter). A DGNB class and a cluster are properties of
 * buildings: `plotRefs` are the references of the plots that hold a building matching them (see
 * buildingsCql), when known.
 */
export function plotsCql(f, { plotRefs = null } = {}) {
  const parts = [];
  if (f.area) parts.push(`area = ${cqlText(f.area)}`);
  if (f.status) parts.push(`status = ${cqlText(f.status)}`);
  if (f.use) parts.push(`land_use = ${cqlText(f.use)}`);
  if (f.near !== null && f.near !== undefined) parts.push(`nearest_station_distance_m <= ${Number(f.near)}`);
  if (plotRefs && (f.dgnb || f.cluster)) parts.push(refsCql(plotRefs));
  else {
    if (f.dgnb) parts.push(dgnbPlotCql(f.dgnb));
    // A plot's own properties know nothing of clusters: without the list, plots with buildings.
    if (f.cluster && !parts.includes('building_count > 0')) parts.push('building_count > 0');
  }
  return parts.length ? parts.join(' AND ') : null;
}

const refsCql = (refs) => (refs.length ? `reference IN (${refs.map(cqlText).join(', ')})` : 'reference IS NULL');

/**
 * Plots with buildings of DGNB class `cls`, told from the plot's own tile properties when too
 * many buildings match to list their plots (the map and the list then agree, but a level is
 * the plot's best achieved one, and the other classes only mean "has buildings").
 */
function dgnbPlotCql(cls) {
  return ['silver', 'gold', 'platinum'].includes(cls) ? `best_dgnb_level = ${cqlText(cls)}` : 'building_count > 0';
}

/** The plot filters as a MapLibre filter on plot tile properties (null: none). */
export function plotsExpression(f, { plotRefs = null } = {}) {
  const parts = [];
  if (f.area) parts.push(['==', ['get', 'area'], f.area]);
  if (f.status) parts.push(['==', ['get', 'status'], f.status]);
  if (f.use) parts.push(['==', ['get', 'land_use'], f.use]);
  if (f.near !== null && f.near !== undefined) {
    parts.push(['all', ['has', 'nearest_station_distance_m'], ['<=', ['to-number', ['get', 'nearest_station_distance_m']], Number(f.near)]]);
  }
  const hasBuildings = ['>', ['to-number', ['get', 'building_count'], 0], 0];
  if (plotRefs && (f.dgnb || f.cluster)) parts.push(['in', ['get', 'reference'], ['literal', plotRefs]]);
  else {
    if (f.dgnb) parts.push(['silver', 'gold', 'platinum'].includes(f.dgnb) ? ['==', ['get', 'best_dgnb_level'], f.dgnb] : hasBuildings);
    if (f.cluster && !(f.dgnb && parts.at(-1) === hasBuildings)) parts.push(hasBuildings);
  }
  return parts.length ? ['all', ...parts] : null;
}

/**
 * The building filters as a MapLibre filter on building tile properties: the area, the DGNB
 * class and the cluster are the building's own; the plot's status, land use and distance are not in a
 * building's tile, so they apply through `plotRefs` (the kept plots' references) when known.
 */
export function buildingsExpression(f, { plotRefs = null } = {}) {
  const parts = [];
  if (f.area) parts.push(['==', ['get', 'area'], f.area]);
  if (f.dgnb) parts.push(['==', DGNB_CLASS_EXPRESSION, f.dgnb]);
  if (f.cluster) parts.push(['==', CLUSTER_EXPRESSION, f.cluster]);
  if (plotRefs) parts.push(['in', ['get', 'plot'], ['literal', plotRefs]]);
  return parts.length ? ['all', ...parts] : null;
}

/** Whether the filters say anything about a plot beyond its area and its buildings' DGNB class. */
export function plotAttributeFilters(f) {
  return Boolean(f.status || f.use || (f.near !== null && f.near !== undefined));
}
