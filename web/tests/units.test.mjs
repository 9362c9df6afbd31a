// The page's plain logic, without a browser: circles, DGNB classes, filters, the URL hash.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  STATUS_NEXT, allowedNextStatuses, applyFilters, circleRing, dgnbClass, emptyFilters, labelPoint, mayEditArea, shiftPolygon,
  timeMicros,
} from '../src/js/domain.js';
import { describeChange, groupHistory } from '../src/js/history.js';
import { affectedFeatures } from '../src/js/live.js';
import { basemapFromQuery, formatHash, parseHash } from '../src/js/urlstate.js';

// Haversine distance in metres, independent of circleRing's destination formula.
function distanceM([lon1, lat1], [lon2, lat2]) {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2
    + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}

describe('circleRing', () => {
  test('a 600 m ring around Kildedal St. is closed, has 64 vertices, each 600 m from the station', () => {
    const station = [12.286656, 55.75194];
    const ring = circleRing(station, 600, 64);
    assert.equal(ring.length, 65);
    assert.deepEqual(ring[0], ring[64]);
    for (const p of ring) assert.ok(Math.abs(distanceM(station, p) - 600) < 0.01, `${distanceM(station, p)} m`);
    // North, east, south, west in order (the first vertex due north).
    assert.ok(ring[0][1] > station[1] && Math.abs(ring[0][0] - station[0]) < 1e-9);
    assert.ok(ring[16][0] > station[0]);
  });
});

describe('dgnbClass', () => {
  test('certified levels, pre-certificates and nothing', () => {
    assert.equal(dgnbClass({ dgnb_phase: 'certificate', dgnb_achieved_level: 'gold' }), 'gold');
    assert.equal(dgnbClass({ dgnb_phase: 'in_use', dgnb_achieved_level: 'silver' }), 'silver');
    assert.equal(dgnbClass({ dgnb_phase: 'pre_certificate', dgnb_achieved_level: 'platinum' }), 'pre_certificate');
    assert.equal(dgnbClass({ dgnb_phase: 'none', dgnb_achieved_level: null, dgnb_target_level: 'gold' }), 'none');
    assert.equal(dgnbClass({ dgnb_phase: 'certificate', dgnb_achieved_level: null }), 'none');
  });
});

describe('applyFilters', () => {
  const plot = (reference, props) => ({ properties: { reference, area: 'kildedal', status: 'available', land_use: 'office', nearest_station_distance_m: 100, ...props } });
  const building = (reference, plotRef, props) => ({ properties: { reference, plot: plotRef, dgnb_phase: 'none', dgnb_achieved_level: null, ...props } });
  const plots = [
    plot('KD-01'),
    plot('KD-02', { status: 'built', nearest_station_distance_m: 900 }),
    plot('LT-01', { area: 'lautrup', land_use: 'production', nearest_station_distance_m: null }),
  ];
  const buildings = [
    building('KD-02-A', 'KD-02', { dgnb_phase: 'certificate', dgnb_achieved_level: 'gold' }),
    building('KD-02-B', 'KD-02'),
    building('LT-01-A', 'LT-01'),
  ];
  const run = (f) => {
    const r = applyFilters(plots, buildings, { ...emptyFilters(), ...f });
    return { plots: r.plots.map((p) => p.properties.reference), buildings: r.buildings.map((b) => b.properties.reference) };
  };

  test('no filter keeps everything', () => {
    assert.deepEqual(run({}), { plots: ['KD-01', 'KD-02', 'LT-01'], buildings: ['KD-02-A', 'KD-02-B', 'LT-01-A'] });
  });
  test('area, status and land use', () => {
    assert.deepEqual(run({ area: 'lautrup' }).plots, ['LT-01']);
    assert.deepEqual(run({ status: 'built' }), { plots: ['KD-02'], buildings: ['KD-02-A', 'KD-02-B'] });
    assert.deepEqual(run({ use: 'office' }).plots, ['KD-01', 'KD-02']);
  });
  test('distance to a station: unknown distances do not match', () => {
    assert.deepEqual(run({ near: 600 }).plots, ['KD-01']);
    assert.deepEqual(run({ near: 900 }).plots, ['KD-01', 'KD-02']);
    assert.deepEqual(run({ near: 0 }).plots, []);
  });
  test('a DGNB class keeps plots with such a building, and only those buildings', () => {
    assert.deepEqual(run({ dgnb: 'gold' }), { plots: ['KD-02'], buildings: ['KD-02-A'] });
    assert.deepEqual(run({ dgnb: 'none' }), { plots: ['KD-02', 'LT-01'], buildings: ['KD-02-B', 'LT-01-A'] });
  });
});

describe('the URL hash', () => {
  test('round trip of view, filters, colouring, selection, hidden layers and language', () => {
    const state = {
      view: { center: [12.28665, 55.75194], zoom: 15.5 },
      filters: { area: 'kildedal', status: 'available', use: 'life_science', dgnb: 'gold', near: 600 },
      colourBy: 'land_use',
      selection: { kind: 'building', key: 'KD-07-B' },
      lang: 'da',
      hidden: ['buildings', 'rings'],
    };
    const hash = formatHash(state);
    assert.equal(hash, '#map=15.50/55.75194/12.28665&area=kildedal&status=available&use=life_science&dgnb=gold&near=600&colour=land_use&building=KD-07-B&hide=buildings,rings&lang=da');
    assert.deepEqual(parseHash(hash), state);
  });
  test('an empty or broken hash gives the defaults', () => {
    const defaults = { view: null, filters: emptyFilters(), colourBy: 'status', selection: null, lang: null, hidden: [] };
    assert.deepEqual(parseHash(''), defaults);
    assert.deepEqual(parseHash('#map=abc/1/2&near=-5&lang=fr&status=<script>'), defaults);
  });
  test('the basemap from the query string', () => {
    assert.equal(basemapFromQuery('?basemap=none'), null);
    assert.deepEqual(basemapFromQuery('').tiles, ['https://tile.openstreetmap.org/{z}/{x}/{y}.png']);
    assert.match(basemapFromQuery('').attribution, /OpenStreetMap contributors/);
    assert.deepEqual(basemapFromQuery('?basemap=https://tiles.example.org/{z}/{x}/{y}.png').tiles, ['https://tiles.example.org/{z}/{x}/{y}.png']);
  });
});

describe('labelPoint', () => {
  test('half way along a line by length', () => {
    assert.deepEqual(labelPoint({ type: 'LineString', coordinates: [[0, 0], [1, 0], [3, 0]] }), [1.5, 0]);
  });
});

describe('the plot lifecycle', () => {
  test('the next statuses follow the server (src/domain/plot_status.rs)', () => {
    assert.deepEqual(allowedNextStatuses('planned'), ['available', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('available'), ['reserved', 'planned', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('reserved'), ['sold', 'available', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('sold'), ['under_construction', 'available', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('under_construction'), ['built']);
    assert.deepEqual(allowedNextStatuses('built'), []);
    assert.deepEqual(allowedNextStatuses('withdrawn'), ['planned']);
    assert.deepEqual(allowedNextStatuses('unknown'), []);
    // Never a step to itself, and a copy that callers may change.
    for (const [from, next] of Object.entries(STATUS_NEXT)) assert.ok(!next.includes(from));
    allowedNextStatuses('planned').push('built');
    assert.deepEqual(allowedNextStatuses('planned'), ['available', 'withdrawn']);
  });
  test('who may edit an area', () => {
    assert.equal(mayEditArea({ role: 'viewer' }, 'kildedal'), false);
    assert.equal(mayEditArea({ role: 'planner', areas: ['kildedal'] }, 'kildedal'), true);
    assert.equal(mayEditArea({ role: 'planner', areas: ['kildedal'] }, 'lautrup'), false);
    assert.equal(mayEditArea({ role: 'admin', areas: [] }, 'lautrup'), true);
    assert.equal(mayEditArea(null, 'kildedal'), false);
  });
});

describe('outlines and times', () => {
  test('shiftPolygon moves every vertex by metres east and north', () => {
    const square = { type: 'Polygon', coordinates: [[[12.28, 55.75], [12.281, 55.75], [12.281, 55.751], [12.28, 55.751], [12.28, 55.75]]] };
    const moved = shiftPolygon(square, 10, -5);
    const a = square.coordinates[0][0];
    const b = moved.coordinates[0][0];
    assert.ok(Math.abs(distanceM(a, [b[0], a[1]]) - 10) < 0.01, 'east');
    assert.ok(Math.abs(distanceM(a, [a[0], b[1]]) - 5) < 0.01, 'south');
    assert.ok(b[1] < a[1] && b[0] > a[0]);
    assert.deepEqual(moved.coordinates[0][0], moved.coordinates[0][4], 'still closed');
  });
  test('timeMicros keeps the microseconds of PostgreSQL times', () => {
    assert.equal(timeMicros('2026-11-23T13:19:27.727337+00:00') - timeMicros('2026-11-23T13:19:27.727336+00:00'), 1);
    assert.equal(timeMicros('2026-11-23T13:19:27.7+00:00'), timeMicros('2026-11-23T13:19:27.700000Z'));
    assert.equal(timeMicros('2026-11-23T14:19:27+01:00'), timeMicros('2026-11-23T13:19:27Z'));
    assert.ok(Number.isNaN(timeMicros('yesterday')));
  });
});

describe('history entries', () => {
  const entry = (over) => ({ id: 10, entity: 'plot', entity_id: 3, operation: 'update', changed_at: '2026-11-23T13:19:40.7+00:00', changed_by: 'anna', reason: 'r', ...over });
  test('an update lists the edited fields, the outline as one fact, and leaves out what follows from them', () => {
    const ring = (d) => ({ type: 'Polygon', coordinates: [[[0, 0], [d, 0], [d, d], [0, 0]]] });
    const d = describeChange(entry({
      old: { status: 'available', planned_homes: 233, boundary: ring(1), plot_area_m2: 10, updated_at: 'a', nearest_station_distance_m: 5 },
      new: { status: 'reserved', planned_homes: 233, boundary: ring(2), plot_area_m2: 20, updated_at: 'b', nearest_station_distance_m: 6 },
    }));
    assert.deepEqual(d, { operation: 'update', outline: true, changes: [{ field: 'status', from: 'available', to: 'reserved' }] });
  });
  test('a DGNB record speaks of the building\'s dgnb_ fields; one save makes one group, newest first', () => {
    const groups = groupHistory([
      entry({ id: 1, operation: 'insert', changed_at: 't0', changed_by: 'import', reason: 'import', old: null, new: { status: 'planned' } }),
      entry({ id: 7, entity: 'building', old: { storeys: 3 }, new: { storeys: 4 } }),
      entry({ id: 8, entity: 'dgnb_record', old: { phase: 'none', target_level: 'gold' }, new: { phase: 'pre_certificate', target_level: 'gold' } }),
    ]);
    assert.equal(groups.length, 2);
    assert.deepEqual(groups[0].ids, [8, 7]);
    assert.equal(groups[0].operation, 'update');
    assert.deepEqual(groups[0].changes.map((c) => c.field), ['dgnb_phase', 'storeys']);
    assert.equal(groups[1].operation, 'insert');
  });
  test('a plot\'s first internal note is an edit of the plot, not its creation', () => {
    const [g] = groupHistory([entry({ entity: 'plot_internal', operation: 'insert', old: null, new: { plot_id: 3, negotiation_notes: 'x', counterparty: null } })]);
    assert.equal(g.operation, 'update');
    assert.deepEqual(g.changes, [{ field: 'negotiation_notes', from: null, to: 'x' }]);
  });
  test('which features a live change touches', () => {
    assert.deepEqual(affectedFeatures(entry({ new: {} })), [{ collection: 'plots', id: 3 }]);
    assert.deepEqual(affectedFeatures(entry({ entity: 'building', entity_id: 9, old: { plot_id: 3 }, new: { plot_id: 4 } })),
      [{ collection: 'buildings', id: 9 }, { collection: 'plots', id: 4 }, { collection: 'plots', id: 3 }]);
    assert.deepEqual(affectedFeatures(entry({ entity: 'dgnb_record', entity_id: 9, new: { building_id: 9 } })), [{ collection: 'buildings', id: 9 }]);
    assert.deepEqual(affectedFeatures(entry({ entity: 'station' })), []);
  });
});
