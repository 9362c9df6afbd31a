// The page's plain logic, without a browser: circles, DGNB classes, filters, the URL hash, the
// rules and the schemas the page reads from the server (fixtures: tests/api/rules.rs checks that
// fixtures/rules.json is what GET /rules answers).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { expression, featureFilter } from '@maplibre/maplibre-gl-style-spec';
import {
  DGNB_CLASS_EXPRESSION, applyFilters, buildingsExpression, circleRing, cqlText, dgnbClass, dgnbClassCql, emptyFilters,
  labelPoint, mayEditArea, plotsCql, plotsExpression, shiftPolygon, timeMicros,
} from '../src/js/domain.js';
import { CLUSTER_CLASSES, CLUSTER_EXPRESSION, buildingsCql, clusterClass, clusterCql, filtersActive } from '../src/js/domain.js';
import {
  allowedNextStatuses, enumValues, levelsAtLeast, radiusM, ruleFigures, rules, setRules,
} from '../src/js/rules.js';
import {
  Schemas, asInput, formFields, parseInput, properties, propertyTitle, shownProperties,
} from '../src/js/schema.js';
import { describeChange, groupHistory } from '../src/js/history.js';
import { FeatureStore } from '../src/js/store.js';
import { affectedFeatures } from '../src/js/live.js';
import { basemapFromQuery, formatHash, parseHash } from '../src/js/urlstate.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const RULES = fixture('rules.json');
const PLOTS_SCHEMA = fixture('plots-schema.json');
const BUILDINGS_SCHEMA = fixture('buildings-schema.json');

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

describe('filters for the server (CQL2) and for the map (MapLibre expressions)', () => {
  // MapLibre's own evaluation (its style specification package), as the map applies them.
  const evaluate = (expr, properties) => {
    const parsed = expression.createExpression(expr, 'test');
    assert.equal(parsed.result, 'success', JSON.stringify(parsed.value));
    return parsed.value.evaluate({ zoom: 14 }, { type: 'Polygon', properties });
  };
  const keeps = (expr, properties) => featureFilter(expr, 'test').filter({ zoom: 14 }, { type: 3, properties });

  test('the DGNB class expression agrees with dgnbClass, missing tile properties included', () => {
    for (const p of [
      { dgnb_phase: 'certificate', dgnb_achieved_level: 'gold' },
      { dgnb_phase: 'in_use', dgnb_achieved_level: 'silver' },
      { dgnb_phase: 'pre_certificate', dgnb_achieved_level: 'platinum' },
      { dgnb_phase: 'none', dgnb_target_level: 'gold' },
      { dgnb_phase: 'certificate' },
      {},
    ]) assert.equal(evaluate(DGNB_CLASS_EXPRESSION, p), dgnbClass(p), JSON.stringify(p));
  });

  test('CQL2 text for the list: each filter, quoted, joined by AND', () => {
    assert.equal(plotsCql(emptyFilters()), null);
    assert.equal(plotsCql({ ...emptyFilters(), area: 'kildedal', status: 'available', near: 600 }),
      "area = 'kildedal' AND status = 'available' AND nearest_station_distance_m <= 600");
    assert.equal(plotsCql({ ...emptyFilters(), use: 'office', dgnb: 'gold' }, { plotRefs: ['KD-01', 'KD-02'] }),
      "land_use = 'office' AND reference IN ('KD-01', 'KD-02')");
    assert.equal(plotsCql({ ...emptyFilters(), dgnb: 'gold' }), "best_dgnb_level = 'gold'", 'too many plots to list');
    assert.deepEqual(plotsExpression({ ...emptyFilters(), dgnb: 'gold' }), ['all', ['==', ['get', 'best_dgnb_level'], 'gold']], 'the map says the same');
    assert.equal(cqlText("O'Brien"), "'O''Brien'");
    assert.equal(dgnbClassCql('gold'), "dgnb_phase IN ('certificate', 'in_use') AND dgnb_achieved_level = 'gold'");
    assert.equal(dgnbClassCql('pre_certificate'), "dgnb_phase = 'pre_certificate'");
  });

  test('the map keeps the same plots and buildings as applyFilters', () => {
    const plots = [
      { reference: 'KD-01', area: 'kildedal', status: 'available', land_use: 'office', nearest_station_distance_m: 100 },
      { reference: 'KD-02', area: 'kildedal', status: 'built', land_use: 'office', nearest_station_distance_m: 900 },
      // A tile leaves out properties without a value.
      { reference: 'LT-01', area: 'lautrup', status: 'available', land_use: 'production' },
    ];
    const buildings = [
      { reference: 'KD-02-A', plot: 'KD-02', area: 'kildedal', dgnb_phase: 'certificate', dgnb_achieved_level: 'gold' },
      { reference: 'KD-02-B', plot: 'KD-02', area: 'kildedal', dgnb_phase: 'none' },
      { reference: 'LT-01-A', plot: 'LT-01', area: 'lautrup', dgnb_phase: 'none' },
    ];
    const asFeatures = (xs) => xs.map((properties) => ({ properties: { dgnb_achieved_level: null, nearest_station_distance_m: null, ...properties } }));
    for (const f of [{ area: 'lautrup' }, { status: 'available' }, { use: 'office' }, { near: 600 }, { near: 0 }, { dgnb: 'gold' }, { dgnb: 'none' }, { status: 'built', dgnb: 'gold' }]) {
      const filters = { ...emptyFilters(), ...f };
      const expected = applyFilters(asFeatures(plots), asFeatures(buildings), filters);
      const plotRefs = filters.dgnb ? [...new Set(buildings.filter((b) => dgnbClass(b) === filters.dgnb).map((b) => b.plot))] : null;
      const keptPlots = plots.filter((p) => keeps(plotsExpression(filters, { plotRefs }), p)).map((p) => p.reference);
      assert.deepEqual(keptPlots, expected.plots.map((p) => p.properties.reference), JSON.stringify(f));
      const keptBuildings = buildings.filter((b) => keeps(buildingsExpression(filters, { plotRefs: keptPlots }), b)).map((b) => b.reference);
      assert.deepEqual(keptBuildings, expected.buildings.map((b) => b.properties.reference), JSON.stringify(f));
    }
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
  test('the next statuses follow the server (GET /rules, from src/domain/plot_status.rs)', () => {
    setRules(null);
    assert.deepEqual(allowedNextStatuses('planned'), [], 'nothing is offered before the rules have loaded');
    setRules(RULES);
    assert.deepEqual(allowedNextStatuses('planned'), ['available', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('available'), ['reserved', 'planned', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('reserved'), ['sold', 'available', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('sold'), ['under_construction', 'available', 'withdrawn']);
    assert.deepEqual(allowedNextStatuses('under_construction'), ['built']);
    assert.deepEqual(allowedNextStatuses('built'), []);
    assert.deepEqual(allowedNextStatuses('withdrawn'), ['planned']);
    assert.deepEqual(allowedNextStatuses('unknown'), []);
    // Never a step to itself, and a copy that callers may change.
    for (const { status: from, next } of rules().plot_lifecycle) assert.ok(!next.includes(from));
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

describe('the rules document', () => {
  test('radii, DGNB levels and enumerations as GET /rules gives them', () => {
    setRules(RULES);
    assert.equal(radiusM('station'), RULES.radii_m.station);
    assert.equal(radiusM('nowhere'), null);
    assert.deepEqual(levelsAtLeast('gold'), ['gold', 'platinum']);
    assert.deepEqual(levelsAtLeast('silver'), ['silver', 'gold', 'platinum']);
    assert.deepEqual(levelsAtLeast(null), [], 'an area without a target requires nothing');
    assert.deepEqual(enumValues('plot_status'), RULES.plot_lifecycle.map((e) => e.status));
    assert.deepEqual(enumValues('unknown'), []);
    const f = ruleFigures();
    assert.equal(f.station_m, RULES.radii_m.station);
    assert.equal(f.office_m2, RULES.fingerplan.large_office_floor_area_m2);
    assert.equal(f.housing_min_pct, RULES.dgnb.urban_housing_share.min * 100);
    assert.deepEqual(ruleFigures(null), {});
    // Another document changes what the page offers: nothing is copied.
    const other = structuredClone(RULES);
    other.plot_lifecycle[0].next = ['sold'];
    other.radii_m.station = 500;
    setRules(other);
    assert.deepEqual(allowedNextStatuses('planned'), ['sold']);
    assert.equal(radiusM('station'), 500);
    setRules(RULES);
  });
});

describe('schemas (OGC API – Features Part 5)', () => {
  test('the plot form has every writable property in the server\'s order, and no derived one', () => {
    const fields = formFields(PLOTS_SCHEMA);
    const names = fields.map((f) => f.name);
    assert.ok(!names.includes('geometry') && !names.includes('plot_area_m2') && !names.includes('updated_at'));
    for (const n of ['status', 'planned_homes', 'planned_jobs', 'asking_price_dkk', 'counterparty', 'negotiation_notes']) assert.ok(names.includes(n), n);
    const seq = names.map((n) => PLOTS_SCHEMA.properties[n]['x-ogc-propertySeq']);
    assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
    const status = fields.find((f) => f.name === 'status');
    assert.deepEqual(status, {
      name: 'status', kind: 'select', values: PLOTS_SCHEMA.properties.status.enum, min: null, max: null, unit: null, required: true, access: 'public',
    });
    const homes = fields.find((f) => f.name === 'planned_homes');
    assert.equal(homes.kind, 'integer');
    assert.equal(homes.min, 0);
    assert.equal(fields.find((f) => f.name === 'asking_price_dkk').unit, 'dkk');
    assert.equal(fields.find((f) => f.name === 'asking_price_dkk').access, 'planner');
  });

  test('a property added to the schema becomes a field and a panel row without further code', () => {
    const schema = structuredClone(BUILDINGS_SCHEMA);
    schema.properties.heat_pump = {
      title: 'Heat pump', 'x-plotline-title': { da: 'Varmepumpe', en: 'Heat pump' }, type: 'boolean', 'x-ogc-propertySeq': 99, 'x-plotline-access': 'public',
    };
    schema.properties.roof_area_m2 = {
      title: 'Roof area', type: 'number', minimum: 0, maximum: 100000, 'x-ogc-unit': 'm2', 'x-ogc-propertySeq': 100, readOnly: true,
    };
    const fields = formFields(schema);
    assert.deepEqual(fields.at(-1), { name: 'heat_pump', kind: 'boolean', values: null, min: null, max: null, unit: null, required: false, access: 'public' });
    assert.ok(!fields.some((f) => f.name === 'roof_area_m2'), 'read-only: shown, not edited');
    assert.deepEqual(shownProperties(schema).slice(-2).map(([n]) => n), ['heat_pump', 'roof_area_m2']);
    assert.equal(propertyTitle(schema, 'heat_pump', 'da'), 'Varmepumpe');
    assert.equal(propertyTitle(schema, 'roof_area_m2', 'da'), 'Roof area', 'the English title where there is no Danish one');
    assert.equal(propertyTitle(schema, 'nothing', 'en'), null);
  });

  test('building fields: enumerations, dates and ranges', () => {
    const fields = Object.fromEntries(formFields(BUILDINGS_SCHEMA).map((f) => [f.name, f]));
    assert.deepEqual(fields.dgnb_target_level.values, RULES.enums.dgnb_level);
    assert.deepEqual(fields.dgnb_phase.values, RULES.enums.dgnb_phase);
    assert.equal(fields.dgnb_issued_on.kind, 'date');
    assert.equal(fields.dgnb_total_score_pct.max, 100);
    assert.equal(fields.dgnb_total_score_pct.unit, 'pct');
    assert.equal(fields.plot.required, true);
    assert.ok(!('area' in fields), 'a building\'s area follows from its plot');
  });

  test('form input is checked against the schema before it is sent', () => {
    const f = (over) => ({ name: 'x', kind: 'integer', values: null, min: 0, max: 100, unit: null, required: false, access: 'public', ...over });
    assert.deepEqual(parseInput(f(), ' 42 '), { value: 42 });
    assert.deepEqual(parseInput(f(), ''), { value: null });
    assert.deepEqual(parseInput(f({ required: true }), '  '), { error: 'required' });
    assert.deepEqual(parseInput(f(), '4.5'), { error: 'integer' });
    assert.deepEqual(parseInput(f(), 'abc'), { error: 'integer' });
    assert.deepEqual(parseInput(f({ kind: 'number' }), 'abc'), { error: 'number' });
    assert.deepEqual(parseInput(f({ kind: 'number' }), '100.5'), { error: 'range', min: 0, max: 100 });
    assert.deepEqual(parseInput(f({ kind: 'number' }), '-1'), { error: 'range', min: 0, max: 100 });
    assert.deepEqual(parseInput(f({ kind: 'number', max: null }), '1e9'), { value: 1e9 });
    assert.deepEqual(parseInput(f({ kind: 'text' }), ' Acme '), { value: 'Acme' });
    assert.deepEqual(parseInput(f({ kind: 'boolean' }), 'false'), { value: false });
    assert.equal(asInput(null), '');
    assert.equal(asInput(0), '0');
  });

  test('properties in propertySeq order; the store loads once and forgets on reset', async () => {
    assert.equal(properties(PLOTS_SCHEMA)[0][0], 'reference');
    let calls = 0;
    const store = new Schemas(async (c) => { calls += 1; return { c, n: calls }; });
    assert.equal(store.get('plots'), null);
    const [a, b] = await Promise.all([store.load('plots'), store.load('plots')]);
    assert.equal(calls, 1);
    assert.equal(a, b);
    assert.equal(store.get('plots'), a);
    store.reset();
    assert.equal(store.get('plots'), null);
    assert.equal((await store.load('plots')).n, 2);
    const failing = new Schemas(async () => { throw new Error('HTTP 404'); });
    const warn = console.warn;
    console.warn = () => {};
    try {
      assert.equal(await failing.load('plots'), null);
    } finally {
      console.warn = warn;
    }
    assert.equal(failing.get('plots'), null);
  });
});

describe('the feature store (what the page fetched one at a time)', () => {
  const plot = (ref) => ({ type: 'Feature', id: 1, properties: { reference: ref, status: 'available', secret: 'x' } });
  const building = (ref, plotRef) => ({ type: 'Feature', id: 2, properties: { reference: ref, plot: plotRef } });
  const server = () => {
    const asked = [];
    const getJson = async (path) => {
      asked.push(path);
      if (path === 'collections/plots/items/KD-03') return plot('KD-03');
      if (path.startsWith('collections/buildings/items?')) {
        assert.equal(new URLSearchParams(path.split('?')[1]).get('plot'), 'KD-03');
        return { features: [building('KD-03-B', 'KD-03'), building('KD-03-A', 'KD-03')] };
      }
      throw Object.assign(new Error('HTTP 404'), { status: 404 });
    };
    return { asked, getJson };
  };
  const clean = (c, f) => ({ ...f, properties: { ...f.properties, secret: undefined } });

  test('a plot with its buildings is fetched once, cleaned, and a missing one is null', async () => {
    const { asked, getJson } = server();
    const store = new FeatureStore({ clean, getJson });
    assert.equal(store.get({ kind: 'plot', key: 'KD-03' }), undefined, 'unknown until loaded');
    const [a, b] = await Promise.all([store.load({ kind: 'plot', key: 'KD-03' }), store.load({ kind: 'plot', key: 'KD-03' })]);
    assert.equal(a, b);
    assert.equal(a.properties.secret, undefined);
    assert.equal(asked.length, 2, 'the plot and its buildings, once');
    assert.deepEqual(store.buildingsByPlot.get('KD-03').map((f) => f.properties.reference), ['KD-03-B', 'KD-03-A']);
    assert.equal(store.get({ kind: 'building', key: 'KD-03-A' }).properties.plot, 'KD-03');
    await store.load({ kind: 'plot', key: 'KD-03' });
    assert.equal(asked.length, 2, 'from the store the second time');
    assert.equal(await store.load({ kind: 'building', key: 'XX-1' }), null);
    assert.equal(store.get({ kind: 'building', key: 'XX-1' }), null);
  });

  test('a changed building makes its plot\'s list of buildings be asked for again', async () => {
    const { asked, getJson } = server();
    const store = new FeatureStore({ getJson });
    await store.load({ kind: 'plot', key: 'KD-03' });
    assert.equal(store.put('buildings', 'KD-03-A', building('KD-03-A', 'KD-03')), true, 'it held the building');
    assert.equal(store.buildingsByPlot.has('KD-03'), false);
    assert.equal(store.put('plots', 'KD-99', null), false, 'a plot it never held');
    await store.loadBuildingsOf('KD-03');
    assert.equal(asked.filter((p) => p.startsWith('collections/buildings/items?')).length, 2);
  });
});

describe('business clusters (issue 14)', () => {
  const evaluate = (expr, properties) => {
    const parsed = expression.createExpression(expr, 'test');
    assert.equal(parsed.result, 'success', JSON.stringify(parsed.value));
    return parsed.value.evaluate({ zoom: 14 }, { type: 'Polygon', properties });
  };
  const keeps = (expr, properties) => featureFilter(expr, 'test').filter({ zoom: 14 }, { type: 3, properties });

  test('the cluster expression agrees with clusterClass; a tile leaves out a null cluster', () => {
    for (const p of [{ cluster: 'life_science' }, { cluster: 'it_technology' }, { cluster: null }, {}]) {
      assert.equal(evaluate(CLUSTER_EXPRESSION, p), clusterClass(p), JSON.stringify(p));
    }
    assert.equal(clusterClass({}), 'none');
    assert.deepEqual(CLUSTER_CLASSES, ['it_technology', 'life_science', 'finance_fintech', 'other', 'none']);
  });

  test('CQL2 text for a cluster, and plots with such buildings', () => {
    assert.equal(clusterCql('life_science'), "cluster = 'life_science'");
    assert.equal(clusterCql('none'), 'cluster IS NULL');
    assert.equal(plotsCql({ ...emptyFilters(), cluster: 'life_science' }, { plotRefs: ['KD-02'] }), "reference IN ('KD-02')");
    assert.equal(buildingsCql({ ...emptyFilters(), dgnb: 'pre_certificate', cluster: 'none' }), "(dgnb_phase = 'pre_certificate') AND cluster IS NULL",
      'one building matches both');
    assert.equal(plotsCql({ ...emptyFilters(), dgnb: 'gold', cluster: 'other' }), "best_dgnb_level = 'gold' AND building_count > 0");
    assert.equal(plotsCql({ ...emptyFilters(), dgnb: 'none', cluster: 'other' }), 'building_count > 0');
    assert.equal(plotsCql({ ...emptyFilters(), cluster: 'life_science' }), 'building_count > 0', 'too many plots to list');
    assert.equal(plotsCql({ ...emptyFilters(), cluster: '' }), null, 'an empty choice filters nothing');
    assert.equal(filtersActive({ ...emptyFilters(), cluster: 'other' }), true);
    assert.equal(filtersActive(emptyFilters()), false);
  });

  test('the map keeps the same plots and buildings as applyFilters for a cluster', () => {
    const plots = [
      { reference: 'KD-01', area: 'kildedal', status: 'available', land_use: 'office', building_count: 0 },
      { reference: 'KD-02', area: 'kildedal', status: 'built', land_use: 'life_science', building_count: 2 },
      { reference: 'LT-01', area: 'lautrup', status: 'built', land_use: 'office', building_count: 1 },
    ];
    const buildings = [
      { reference: 'KD-02-A', plot: 'KD-02', area: 'kildedal', dgnb_phase: 'certificate', dgnb_achieved_level: 'gold', cluster: 'life_science' },
      { reference: 'KD-02-B', plot: 'KD-02', area: 'kildedal', dgnb_phase: 'none' },
      { reference: 'LT-01-A', plot: 'LT-01', area: 'lautrup', dgnb_phase: 'none', cluster: 'it_technology' },
    ];
    const asFeatures = (xs) => xs.map((properties) => ({ properties: { dgnb_achieved_level: null, nearest_station_distance_m: 100, cluster: null, ...properties } }));
    for (const f of [{ cluster: 'life_science' }, { cluster: 'it_technology' }, { cluster: 'none' }, { cluster: 'finance_fintech' },
      { cluster: 'life_science', dgnb: 'none' }, { cluster: 'it_technology', area: 'lautrup' }]) {
      const filters = { ...emptyFilters(), ...f };
      const expected = applyFilters(asFeatures(plots), asFeatures(buildings), filters);
      const refsOf = (ok) => [...new Set(buildings.filter(ok).map((b) => b.plot))];
      const plotRefs = refsOf((b) => (!filters.dgnb || dgnbClass(b) === filters.dgnb) && clusterClass(b) === filters.cluster);
      const keptPlots = plots.filter((p) => keeps(plotsExpression(filters, { plotRefs }), p)).map((p) => p.reference);
      assert.deepEqual(keptPlots, expected.plots.map((p) => p.properties.reference), JSON.stringify(f));
      const keptBuildings = buildings.filter((b) => keeps(buildingsExpression(filters), b)).map((b) => b.reference);
      assert.deepEqual(keptBuildings.filter((r) => keptPlots.includes(buildings.find((b) => b.reference === r).plot)),
        expected.buildings.map((b) => b.properties.reference), JSON.stringify(f));
    }
    // Without the list of plots, the map keeps every plot with buildings.
    assert.deepEqual(plots.filter((p) => keeps(plotsExpression({ ...emptyFilters(), cluster: 'other' }), p)).map((p) => p.reference), ['KD-02', 'LT-01']);
  });

  test('the link keeps the cluster filter and the colouring by cluster', () => {
    const state = {
      view: null,
      filters: { ...emptyFilters(), area: 'kildedal', cluster: 'life_science' },
      colourBy: 'cluster',
      selection: { kind: 'figures', key: 'kildedal' },
      lang: 'en',
      hidden: [],
    };
    const hash = formatHash(state);
    assert.equal(hash, '#area=kildedal&cluster=life_science&colour=cluster&figures=kildedal&lang=en');
    assert.deepEqual(parseHash(hash), state);
    assert.equal(parseHash('#colour=rainbow&cluster=<x>').colourBy, 'status');
    assert.equal(parseHash('#colour=rainbow&cluster=<x>').filters.cluster, undefined);
  });
});
