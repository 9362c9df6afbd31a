// What a history entry changed, from its stored old and new rows (GET …/items/{id}/history):
// the fields a person edits, with their old and new values; an outline change as one fact; the
// bookkeeping and the values derived from the outline (areas, transit distances) left out.
// No DOM here.

/** Columns that are bookkeeping or follow from other columns (the outline, the area). */
const DERIVED = new Set([
  'id', 'created_at', 'updated_at', 'plot_id', 'building_id', 'area_id',
  'plot_area_m2', 'footprint_area_m2', 'floor_area_m2',
  'nearest_station_id', 'nearest_station_distance_m', 'within_600m_of_station',
  'nearest_brt_stop_id', 'nearest_brt_stop_distance_m',
  'nearest_cycle_superhighway_id', 'nearest_cycle_superhighway_distance_m',
]);

/** Outline columns: a change there is shown as "outline changed". */
const OUTLINES = new Set(['boundary', 'footprint', 'geometry']);

/** A DGNB record's columns under the names the features use (dgnb_phase…). */
const DGNB_NAMES = {
  phase: 'dgnb_phase', target_level: 'dgnb_target_level', achieved_level: 'dgnb_achieved_level',
  total_score_pct: 'dgnb_total_score_pct', scheme: 'dgnb_scheme', manual_version: 'dgnb_manual_version',
  certificate_id: 'dgnb_certificate_id', issued_on: 'dgnb_issued_on', valid_until: 'dgnb_valid_until',
  auditor: 'dgnb_auditor',
};

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Describe one history entry: { operation, outline (bool), changes: [{ field, from, to }] }.
 * `field` is the feature's property name; `from`/`to` the stored values (null when absent).
 */
export function describeChange(entry) {
  const oldRow = entry.old || {};
  const newRow = entry.new || {};
  const rename = (k) => (entry.entity === 'dgnb_record' ? DGNB_NAMES[k] || `dgnb_${k}` : k);
  const keys = [...new Set([...Object.keys(oldRow), ...Object.keys(newRow)])];
  let outline = false;
  const changes = [];
  for (const key of keys) {
    if (DERIVED.has(key)) continue;
    if (OUTLINES.has(key)) {
      if (entry.operation === 'update' && !same(oldRow[key], newRow[key])) outline = true;
      continue;
    }
    if (entry.operation === 'update' && same(oldRow[key], newRow[key])) continue;
    // A new record lists what it was given; a deleted one what it had.
    if (entry.operation === 'insert' && (newRow[key] === null || newRow[key] === undefined)) continue;
    if (entry.operation === 'delete') continue;
    changes.push({ field: rename(key), from: oldRow[key] ?? null, to: newRow[key] ?? null });
  }
  // The status first: it is what most changes are about.
  changes.sort((a, b) => (b.field === 'status') - (a.field === 'status'));
  return { operation: entry.operation, outline, changes };
}

/**
 * The entries of a history newest first, with entries of one save (the feature and its DGNB
 * record or internal fields share a time, a person and a reason) merged into one.
 */
export function groupHistory(entries) {
  const groups = [];
  for (const e of [...entries].sort((a, b) => b.id - a.id)) {
    const d = describeChange(e);
    const prev = groups[groups.length - 1];
    if (prev && prev.changed_at === e.changed_at && prev.changed_by === e.changed_by && prev.reason === e.reason) {
      prev.ids.push(e.id);
      prev.outline ||= d.outline;
      prev.changes.push(...d.changes.filter((c) => !prev.changes.some((p) => p.field === c.field)));
      if (e.entity === 'plot' || e.entity === 'building') prev.operation = d.operation;
      continue;
    }
    groups.push({
      ids: [e.id], changed_at: e.changed_at, changed_by: e.changed_by, reason: e.reason,
      // A DGNB record or a plot's internal fields appearing is an edit of the feature.
      operation: e.entity === 'plot' || e.entity === 'building' ? d.operation : 'update',
      outline: d.outline, changes: d.changes,
    });
  }
  for (const g of groups) g.changes.sort((a, b) => (b.field === 'status') - (a.field === 'status'));
  return groups;
}
