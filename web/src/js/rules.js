// The domain's rules as the server states them (GET /rules): the plot lifecycle, the radii, the
// DGNB levels and the Fingerplan office limit. The page keeps no copy of its own: until the
// document has loaded, no next status is offered (the server's 409 has the last word anyway)
// and no ring is drawn. No DOM here.

let current = null;

/** Use this rules document (the body of GET /rules); null forgets it. */
export function setRules(doc) {
  current = doc && typeof doc === 'object' ? doc : null;
}

/** The rules document in use, or null before it has loaded. */
export function rules() {
  return current;
}

/** The statuses a plot in `status` may become, in the server's order (none for an unknown status). */
export function allowedNextStatuses(status, doc = current) {
  const entry = (doc?.plot_lifecycle || []).find((e) => e.status === status);
  return entry ? [...entry.next] : [];
}

/** A radius in metres ('station', 'brt_stop', 'cycle_superhighway'), or null when unknown. */
export function radiusM(name, doc = current) {
  const r = doc?.radii_m?.[name];
  return Number.isFinite(r) ? r : null;
}

/** The values of an enumeration (land_use, plot_status, dgnb_level, dgnb_phase, brt_status, floor_use). */
export function enumValues(name, doc = current) {
  return Array.isArray(doc?.enums?.[name]) ? [...doc.enums[name]] : [];
}

/** The DGNB criteria groups ({group, property, weight}), in the server's order. */
export function dgnbGroups(doc = current) {
  return Array.isArray(doc?.dgnb?.groups) ? [...doc.dgnb.groups] : [];
}

/** The DGNB levels that meet `level` (it and the ones above it), lowest first. */
export function levelsAtLeast(level, doc = current) {
  const levels = (doc?.dgnb?.levels || []).map((l) => l.level);
  const i = levels.indexOf(level);
  return i < 0 ? [] : levels.slice(i);
}

/**
 * The figures the page's texts quote ({station_m}, {brt_m}, {cycle_m}, {office_m2},
 * {housing_min_pct}, {housing_max_pct}), as numbers; empty before the rules have loaded.
 */
export function ruleFigures(doc = current) {
  if (!doc) return {};
  const share = doc.dgnb?.urban_housing_share || {};
  const pct = (v) => (Number.isFinite(v) ? Math.round(v * 1000) / 10 : undefined);
  const figures = {
    station_m: radiusM('station', doc),
    brt_m: radiusM('brt_stop', doc),
    cycle_m: radiusM('cycle_superhighway', doc),
    office_m2: doc.fingerplan?.large_office_floor_area_m2,
    housing_min_pct: pct(share.min),
    housing_max_pct: pct(share.max),
  };
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => Number.isFinite(v)));
}
