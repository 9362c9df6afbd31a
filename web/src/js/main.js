// The map page: builds the map, the filters, the list and the panel, and keeps them and the URL
// in step; signed-in planners edit in the panel, and changes arrive live. It works the same on
// 56 plots and on a million: plots and buildings are drawn from vector tiles, the list is a page
// the server filters, sorts and counts, and a selected feature is fetched by its reference; only
// the few areas and transit features are loaded whole.
// Exposes `window.plotlineMap` (the MapLibre map) and `window.plotline` for the browser tests.
import * as api from './api.js';
import { Auth } from './auth.js';
import {
  CLUSTER_CLASSES, DGNB_CLASSES, bboxOf, buildingsCql, buildingsExpression, clusterCql, cqlText, dgnbClassCql, emptyFilters,
  filtersActive, plotAttributeFilters, plotsCql, plotsExpression,
} from './domain.js';
import { Planner } from './editor.js';
import { LANGUAGES, label, language, preferredLanguage, setFigures, setLanguage, t } from './i18n.js';
import { renderLegend } from './legend.js';
import { affectedFeatures, subscribeChanges } from './live.js';
import { Panel } from './panel.js';
import { PlotList } from './plotlist.js';
import { FeatureStore } from './store.js';
import { enumValues, radiusM, ruleFigures, setRules } from './rules.js';
import { Schemas } from './schema.js';
import { basemapFromQuery, formatHash, parseHash } from './urlstate.js';

const $ = (sel) => document.querySelector(sel);
const LANG_KEY = 'plotline.lang';
// The development areas and their stations, until the data says better.
const DEFAULT_BOUNDS = [[12.272, 55.719], [12.426, 55.759]];
/** The first view shows all plots, unless that would be more than about this many: then their middle. */
const MAX_START_PLOTS = 1500;
/** The most plot references a filter lists (the plots that hold buildings of a DGNB class). */
const MAX_LISTED_REFS = 1000;

const timings = { start: performance.now() };
window.plotline = { timings };

const initial = parseHash(location.hash);
const state = {
  filters: initial.filters,
  colourBy: initial.colourBy,
  selection: initial.selection,
  hidden: new Set(initial.hidden),
  langInUrl: Boolean(initial.lang),
};
const basemap = basemapFromQuery(location.search);
let storedLang = null;
try { storedLang = localStorage.getItem(LANG_KEY); } catch { /* storage may be off */ }
setLanguage(initial.lang || preferredLanguage(storedLang, navigator.languages || [navigator.language]));

let data = null; // the small collections, whole: { areas, stations, brt, brtStops, cycle }
let mapView = null;
/** Plots and buildings fetched one at a time (the selection, a plot's buildings). */
const store = new FeatureStore({ clean: (collection, f) => publicFeature(collection, f) });
/** How many plots have each status and land use, and buildings each DGNB class and cluster (filter counts). */
const counts = { status: new Map(), use: new Map(), dgnb: new Map(), cluster: new Map(), total: null };
/** The filters the form and the link hold. */
const FILTER_FIELDS = ['area', 'status', 'use', 'dgnb', 'cluster'];

const fetchJson = (path) => fetch(new URL(path, document.baseURI), { headers: { Accept: 'application/geo+json, application/json' } });

async function loadCollection(path) {
  const res = await fetchJson(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** The collections that stay small whatever the number of plots: areas and transit. */
async function loadData() {
  const [areas, stations, brt, brtStops, cycle] = await Promise.all([
    'areas', 'transit/stations', 'transit/brt', 'transit/brt-stops', 'transit/cycle-superhighways',
  ].map(loadCollection));
  return { areas, stations, brt, brtStops, cycle };
}

/** The server's clock at the first answer from the items endpoint (ms since 1970). */
let serverTime = NaN;

/** GET /collections/{collection}/items with these parameters (a CQL2 text `filter`). */
async function items(collection, { filter = null, ...params } = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined) query.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  if (filter) {
    query.set('filter', filter);
    query.set('filter-lang', 'cql2-text');
  }
  const res = await api.request(`collections/${collection}/items?${query}`);
  if (!Number.isFinite(serverTime)) serverTime = Date.parse(res.headers.get('Date'));
  return res.json();
}

/** How many features of a collection match a CQL2 filter (numberMatched of a one-feature page). */
async function countMatched(collection, filter) {
  return (await items(collection, { filter, limit: 1, properties: ['reference'] })).numberMatched;
}

/** The counts beside the filters' choices, a few at a time. */
async function loadCounts() {
  // Buildings have a cluster on a server that knows companies (its schema says so).
  const clusters = (await schemas.load('buildings'))?.properties?.cluster ? CLUSTER_CLASSES : [];
  const jobs = [
    ...enumValues('plot_status').map((v) => ['status', v, 'plots', `status = ${cqlText(v)}`]),
    ...enumValues('land_use').map((v) => ['use', v, 'plots', `land_use = ${cqlText(v)}`]),
    ...DGNB_CLASSES.map((v) => ['dgnb', v, 'buildings', dgnbClassCql(v)]),
    ...clusters.map((v) => ['cluster', v, 'buildings', clusterCql(v)]),
  ];
  const next = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const [kind, value, collection, filter] = job;
      try {
        counts[kind].set(value, await countMatched(collection, filter));
      } catch (e) {
        console.warn('count:', e.message);
      }
    }
  };
  await Promise.all([next(), next(), next(), next()]);
  fillSelects();
}

let countsTimer = null;
/** Count again a few seconds later (after changes, which come in bursts). */
function recount() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(() => loadCounts(), 3000);
}

/**
 * Where the change stream starts: a little before the server's time of the list's first page
 * (its Date header, whole seconds), so that nothing changed after the page read the data is
 * missed; a change shown twice is taken in twice, which changes nothing.
 */
function changesSince() {
  return new Date((Number.isFinite(serverTime) ? serverTime : Date.now()) - 2000).toISOString();
}

// ---- the URL ---------------------------------------------------------------------------------

function syncUrl() {
  const hash = formatHash({
    view: mapView ? mapView.view() : initial.view,
    filters: state.filters,
    colourBy: state.colourBy,
    selection: state.selection,
    lang: state.langInUrl ? language() : null,
    hidden: [...state.hidden],
  });
  if (hash !== location.hash && !(hash === '' && location.hash === '')) {
    history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
  }
}

window.addEventListener('hashchange', () => {
  const next = parseHash(location.hash);
  state.filters = next.filters;
  state.colourBy = next.colourBy;
  state.hidden = new Set(next.hidden);
  if (next.lang && next.lang !== language()) switchLanguage(next.lang, { persist: false });
  writeFilterForm();
  applyState();
  if (next.view && mapView) mapView.map.jumpTo(next.view);
  if (next.selection) select(next.selection, { via: 'url' });
  else closePanel();
});

// ---- filters ---------------------------------------------------------------------------------

const form = $('#filters');

function option(value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

function fillSelects() {
  const withCount = (text, n) => (n === undefined || n === null ? text : `${text} (${n})`);
  const areas = data ? data.areas.features.map((f) => [f.properties.slug, f.properties.name, f.properties.plot_count]) : [];
  const fill = (select, entries) => {
    const current = state.filters[select.name] || '';
    select.replaceChildren(option('', t('filters.any')), ...entries.map(([v, text]) => option(v, text)));
    // A value from a shared link that this data does not know still shows, rather than vanishing.
    if (current && !entries.some(([v]) => v === current)) select.append(option(current, current));
    select.value = current;
  };
  fill(form.elements.area, areas.map(([slug, name, n]) => [slug, withCount(name, n)]));
  fill(form.elements.status, enumValues('plot_status').map((s) => [s, withCount(label('status', s), counts.status.get(s))]));
  fill(form.elements.use, enumValues('land_use').map((u) => [u, withCount(label('land_use', u), counts.use.get(u))]));
  fill(form.elements.dgnb, DGNB_CLASSES.map((c) => [c, withCount(label('dgnb_class', c), counts.dgnb.get(c))]));
  fill(form.elements.cluster, CLUSTER_CLASSES.map((c) => [c, withCount(label('cluster_class', c), counts.cluster.get(c))]));
}

function writeFilterForm() {
  for (const key of FILTER_FIELDS) form.elements[key].value = state.filters[key] || '';
  form.elements.near.value = state.filters.near ?? '';
  for (const r of form.querySelectorAll('input[name="colour"]')) r.checked = r.value === state.colourBy;
  for (const c of form.querySelectorAll('input[name="layer"]')) c.checked = !state.hidden.has(c.value);
}

function readFilterForm() {
  const f = emptyFilters();
  for (const key of FILTER_FIELDS) f[key] = form.elements[key].value;
  const near = form.elements.near.value.trim();
  f.near = near !== '' && Number.isFinite(Number(near)) && Number(near) >= 0 ? Number(near) : null;
  return f;
}

let nearTimer = null;
form.addEventListener('change', (e) => {
  if (e.target.name === 'colour') {
    state.colourBy = e.target.value;
  } else if (e.target.name === 'layer') {
    if (e.target.checked) state.hidden.delete(e.target.value);
    else state.hidden.add(e.target.value);
  } else {
    const before = state.filters.area;
    state.filters = readFilterForm();
    // Choosing an area shows it.
    const area = state.filters.area && state.filters.area !== before && store.areas.get(state.filters.area);
    if (area && mapView) mapView.fitTo(bboxOf(area), { insets: overlayInsets(), maxZoom: 16 });
  }
  applyState();
});
form.elements.near.addEventListener('input', () => {
  clearTimeout(nearTimer);
  nearTimer = setTimeout(() => {
    state.filters = readFilterForm();
    applyState();
  }, 250);
});
form.addEventListener('reset', (e) => {
  e.preventDefault();
  state.filters = emptyFilters();
  writeFilterForm();
  applyState();
});
form.addEventListener('submit', (e) => e.preventDefault());

$('#area-figures').addEventListener('click', () => {
  if (state.filters.area) select({ kind: 'figures', key: state.filters.area }, { via: 'button' });
});

// ---- applying state to the map, the list and the legend --------------------------------------

const list = new PlotList($('#plot-list'), {
  onSelect: (sel, opts) => select(sel, opts),
  pager: $('.pager'),
  fetchPage: (params) => items('plots', params),
});
const auth = new Auth();
const schemas = new Schemas(api.getSchema);
const planner = new Planner({
  auth,
  schemas,
  areaOf: (slug) => store.areas.get(slug)?.properties ?? null,
  onSaved: (collection, feature) => applyFeatureChanges([{ collection, id: feature.id, feature }]),
  getMap: () => mapView,
  announce: (text) => { $('#announcer').textContent = text; },
  onOutline: (feature) => {
    // While an outline is edited the legend folds away and the map shows the whole outline.
    const legend = $('#legend');
    if (feature) {
      legendWasOpen = legend.open;
      legend.open = false;
      mapView?.fitTo(bboxOf(feature), { insets: overlayInsets(), maxZoom: 19, animate: false });
    } else if (legendWasOpen !== null) {
      legend.open = legendWasOpen;
      legendWasOpen = null;
    }
  },
});
let legendWasOpen = null;
const panel = new Panel($('#panel'), {
  onSelect: (sel, opts) => select(sel, opts),
  onClose: () => closePanel({ restoreFocus: true }),
  fetchJson,
  schemas,
  sections: {
    edit: (kind, feature) => planner.editSection(kind, feature),
    history: (kind, feature) => planner.historySection(kind, feature),
  },
});
window.plotline.planner = planner;
window.plotline.auth = auth;
auth.mayLeave = () => planner.mayLeave(null);
auth.onChange(() => {
  // Planners' schemas hold the internal properties, viewers' do not.
  schemas.reset();
  planner.sessionChanged();
  if (panel.open) panel.render();
  loadSchemas().then(() => { if (panel.open) panel.render(); });
  live?.reconnect();
});

/** Both schemas the panel and the planner's form are built from. */
function loadSchemas() {
  return Promise.all(['plots', 'buildings'].map((c) => schemas.load(c)));
}

/** GET /rules; without it the page still works, but offers no next status and draws no rings. */
async function loadRules() {
  try {
    setRules(await api.getRules());
  } catch (e) {
    console.warn('rules unavailable:', e.message);
    setRules(null);
  }
  setFigures(ruleFigures());
  const station = radiusM('station');
  $('#near-suggestions').replaceChildren(...(station ? [station / 2, station, station * 2] : []).map((m) => option(String(m), '')));
}

/**
 * The plots that hold a building matching a CQL2 filter (a DGNB class, a cluster), as
 * references, or null when there are too many to list.
 */
const buildingPlots = new Map();
async function plotsWithBuildings(filter) {
  if (!buildingPlots.has(filter)) {
    buildingPlots.set(filter, items('buildings', { filter, limit: MAX_LISTED_REFS, properties: ['plot'] }).then(
      (page) => (page.numberMatched <= page.features.length ? [...new Set(page.features.map((f) => f.properties.plot))].sort() : null),
      (e) => {
        buildingPlots.delete(filter);
        console.warn('building filter:', e.message);
        return null;
      },
    ));
  }
  return buildingPlots.get(filter);
}

let appliedFilters = null;
let applying = Promise.resolve();
let applySeq = 0;
/** The map's filters (plots, buildings) for the current filters, also before the map exists. */
let mapFilters = [null, null];

function setMapFilters(plots, buildings) {
  mapFilters = [plots, buildings];
  mapView?.setFilters(plots, buildings);
}

/**
 * Bring the map, the list and the legend in line with the state. With new filters the server is
 * asked for the list's first page; resolves once it is shown and the map has its filters.
 */
function applyState({ force = false } = {}) {
  list.render(state.colourBy);
  if (mapView) {
    mapView.setColourBy(state.colourBy);
    for (const group of ['buildings', 'rings', 'transit', 'basemap']) mapView.setGroupVisible(group, !state.hidden.has(group));
  }
  renderLegend($('#legend'), state.colourBy);
  const areaName = state.filters.area && store.areas.get(state.filters.area)?.properties.name;
  $('.area-figures').hidden = !areaName;
  if (areaName) $('#area-figures').textContent = t('filters.area_figures', { area: areaName });
  form.querySelector('button[type="reset"]').disabled = !filtersActive(state.filters);
  syncUrl();

  const f = { ...state.filters };
  const key = JSON.stringify(f);
  if (key === appliedFilters && !force) return applying;
  appliedFilters = key;
  const seq = ++applySeq;
  applying = (async () => {
    const byBuildings = buildingsCql(f);
    const plotRefs = byBuildings ? await plotsWithBuildings(byBuildings) : null;
    if (seq !== applySeq) return;
    setMapFilters(plotsExpression(f, { plotRefs }), buildingsExpression(f));
    await list.setFilter(plotsCql(f, { plotRefs }));
    if (seq !== applySeq || !plotAttributeFilters(f)) return;
    // A building's tile does not carry its plot's status, land use or distance: when the kept
    // plots fit on the list's page, the buildings follow them by reference.
    const kept = list.matched <= list.rows.length ? list.rows.map((p) => p.reference) : null;
    setMapFilters(mapFilters[0], buildingsExpression(f, { plotRefs: kept }));
  })();
  return applying;
}

// ---- selection -------------------------------------------------------------------------------

function selectionRefs(sel) {
  if (!sel) return { plot: null, building: null };
  if (sel.kind === 'plot') return { plot: sel.key, building: null };
  if (sel.kind === 'building') return { plot: store.buildings.get(sel.key)?.properties.plot ?? null, building: sel.key };
  return { plot: null, building: null };
}

/** How much of the map the overlays (side panel, legend) cover, so that a fit leaves them room. */
function overlayInsets() {
  const mapRect = $('#map').getBoundingClientRect();
  const over = (el) => {
    if (el.hidden) return null;
    const r = el.getBoundingClientRect();
    // Below the map (narrow screens) an element takes nothing from it.
    return r.width && r.top < mapRect.bottom - 1 && r.bottom > mapRect.top + 1 ? r : null;
  };
  const panelRect = over($('#panel'));
  const legendRect = over($('#legend'));
  return {
    right: panelRect ? Math.max(0, mapRect.right - panelRect.left) : 0,
    bottom: legendRect ? Math.max(0, mapRect.bottom - legendRect.top) : 0,
  };
}

let selecting = Promise.resolve();

/**
 * Select a plot, a building or an area's figures; `via` says who asked: map, list, panel, url,
 * button. The panel opens at once with the title; the feature follows from the server (unless
 * the page has it already). Resolves once it is shown.
 */
function select(sel, { via = 'map' } = {}) {
  // Unsaved edits are not thrown away without asking.
  if (!planner.mayLeave(sel)) return syncUrl();
  state.selection = sel;
  if (!data) return syncUrl();
  const had = store.get(sel) !== undefined;
  panel.show(sel, store, { focus: via === 'button' || via === 'label' });
  $('.map-wrap').classList.add('panel-open');
  const highlight = () => {
    const refs = selectionRefs(sel);
    list.setSelected(refs.plot);
    mapView?.setHighlight(refs.plot, refs.building);
  };
  highlight();
  syncUrl();
  selecting = store.load(sel).catch((e) => {
    console.warn('selection:', e.message);
    return null;
  }).then((feature) => {
    if (state.selection !== sel) return;
    highlight();
    if (!had) panel.render();
    if (!feature) return;
    const name = sel.kind === 'figures' ? feature.properties.name : feature.properties.reference;
    $('#announcer').textContent = t(sel.kind === 'plot' ? 'panel.plot' : sel.kind === 'building' ? 'panel.building' : 'panel.area', { ref: name, name });
    const zoom = via === 'list' || via === 'panel' || via === 'button' || via === 'label' || (via === 'url' && !initial.view);
    if (mapView && zoom) {
      mapView.fitTo(bboxOf(feature), { insets: overlayInsets(), maxZoom: sel.kind === 'building' ? 18 : 17, animate: via !== 'url' });
    }
  });
  return selecting;
}

function closePanel({ restoreFocus = false } = {}) {
  if (!planner.mayLeave(null)) return syncUrl();
  const hadFocus = $('#panel').contains(document.activeElement);
  state.selection = null;
  planner.clear();
  panel.close();
  $('.map-wrap').classList.remove('panel-open');
  list.setSelected(null);
  mapView?.setHighlight(null, null);
  syncUrl();
  if (restoreFocus && hadFocus) ($('#plot-list tbody tr[tabindex="0"]') || $('#map canvas'))?.focus();
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && state.selection && !e.defaultPrevented && !$('#panel').contains(e.target) && !e.target.closest?.('dialog')) closePanel();
});

// ---- language --------------------------------------------------------------------------------

function translateStatic() {
  document.title = t('app.title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-attr]')) {
    const [attr, key] = el.dataset.i18nAttr.split(':');
    el.setAttribute(attr, t(key));
  }
  for (const b of document.querySelectorAll('.lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === language()));
}

function switchLanguage(lang, { persist = true } = {}) {
  if (!LANGUAGES.includes(lang)) return;
  setLanguage(lang);
  if (persist) {
    try { localStorage.setItem(LANG_KEY, lang); } catch { /* storage may be off */ }
    state.langInUrl = true;
  }
  translateStatic();
  fillSelects();
  applyState();
  auth.render();
  panel.render();
}

for (const b of document.querySelectorAll('.lang-switch button')) {
  b.addEventListener('click', () => switchLanguage(b.dataset.lang));
}

// ---- notes over the map ----------------------------------------------------------------------

function mapNote(text, kind = 'info') {
  const note = $('#map-note');
  note.querySelector('.map-note-text').textContent = text;
  note.querySelector('.map-note-close').setAttribute('aria-label', t('panel.close'));
  note.dataset.kind = kind;
  note.hidden = !text;
}
$('#map-note .map-note-close').addEventListener('click', () => { $('#map-note').hidden = true; });

// ---- edits and live changes ------------------------------------------------------------------

/**
 * A feature as the public collections hold it: an OGC item may carry a planner's internal
 * properties (those the schema marks `x-plotline-access: planner`).
 */
function publicFeature(collection, f) {
  const properties = { ...f.properties };
  for (const [name, d] of Object.entries(schemas.get(collection)?.properties || {})) {
    if (d['x-plotline-access'] === 'planner') delete properties[name];
  }
  return { type: 'Feature', id: f.id, geometry: f.geometry, properties };
}

/** JSON with sorted keys, to compare features whatever order their properties come in. */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** Where the page keeps a plot's or building's reference by id (for a deleted feature). */
function refOfId(collection, id) {
  for (const [ref, f] of store[collection]) if (f?.id === id) return ref;
  return null;
}

let refreshing = null;
/**
 * After changes the map's tiles and the counts are asked for again; resolves once the map has
 * drawn the new tiles. The server's tile cache may learn of a change a moment after the change
 * stream tells of it, so the tiles are fetched once more a little later (unchanged tiles are
 * cheap: the server keeps them).
 */
async function refreshMap() {
  clearTimeout(refreshing);
  refreshing = setTimeout(() => mapView?.refreshTiles(), 1500);
  recount();
  await mapView?.refreshTiles();
}

/**
 * Take changed, new or deleted (feature null) plots and buildings (OGC items or public
 * features) into the page: the store, the list, the map's tiles and the panel. Resolves, once
 * all of them show it, to the references that really changed.
 */
async function applyFeatureChanges(changes) {
  if (!data) return [];
  const touched = [];
  for (const { collection, id, feature } of changes) {
    const pub = feature ? publicFeature(collection, feature) : null;
    const ref = pub?.properties.reference ?? refOfId(collection, id);
    if (!ref) {
      touched.push({ collection, id, ref: null });
      continue;
    }
    const held = store[collection].get(ref);
    if (pub && held && canonical(held) === canonical(pub)) continue;
    store.put(collection, ref, pub);
    touched.push({ collection, id, ref, properties: pub?.properties });
  }
  if (!touched.length) return touched;
  if (touched.some((x) => x.collection === 'buildings')) {
    buildingPlots.clear();
    if (state.filters.dgnb || state.filters.cluster) applyState({ force: true });
  }
  // The map first: once the list and the panel show a change, the map draws it, too.
  await refreshMap();
  for (const x of touched) if (x.collection === 'plots' && x.properties) list.updateRow(x.properties);
  if (panel.open) panel.render();
  await list.reload();
  const refs = selectionRefs(state.selection);
  mapView?.setHighlight(refs.plot, refs.building);
  return touched.filter((x) => x.ref);
}

let live = null;
const liveQueue = new Map();
let liveTimer = null;

function onLiveEntry(entry) {
  // The newest entry per feature says who changed it last.
  for (const f of affectedFeatures(entry)) liveQueue.set(`${f.collection}:${f.id}`, { ...f, entry });
  clearTimeout(liveTimer);
  liveTimer = setTimeout(flushLive, 150);
}

async function flushLive() {
  const queued = [...liveQueue.values()];
  liveQueue.clear();
  if (!queued.length || !data) return;
  let touched;
  if (queued.length > 40) {
    // A change to the transit network recomputes every plot and building: forget what the page
    // holds and ask again for what it shows.
    for (const c of ['plots', 'buildings']) store[c].clear();
    store.buildingsByPlot.clear();
    buildingPlots.clear();
    if (state.selection) await store.load(state.selection, { force: true }).catch(() => null);
    await refreshMap();
    if (panel.open) panel.render();
    await list.reload();
    touched = [];
  } else {
    const results = (await Promise.all(queued.map(async (it) => {
      try {
        return { ...it, feature: await api.getPublic(it.collection, it.id) };
      } catch (e) {
        console.warn('live refresh:', e.message);
        return null;
      }
    }))).filter(Boolean);
    touched = await applyFeatureChanges(results);
  }
  for (const it of queued) planner.liveChange(it.collection, it.id, it.entry);
  for (const { collection, ref } of touched) {
    if (collection === 'plots') $(`#plot-list tr[data-ref="${CSS.escape(ref)}"]`)?.classList.add('flash');
  }
  // Say what changed, unless it was the signed-in planner's own edit.
  const entryOf = (x) => queued.find((it) => it.collection === x.collection && it.id === x.id)?.entry;
  const news = touched.filter((x) => {
    const e = entryOf(x);
    return !(e && auth.signedIn && e.changed_by === auth.session.username);
  });
  if (news.length) {
    const entry = entryOf(news[0]);
    toast(t(news[0].collection === 'plots' ? 'live.plot_changed' : 'live.building_changed', {
      ref: news[0].ref, user: entry?.changed_by || t('edit.someone'),
    }) + (news.length > 1 ? ` ${t('live.more', { n: news.length - 1 })}` : ''));
  }
}

/** A short notice over the map that goes away by itself. */
function toast(text) {
  const box = $('#toasts');
  const el = document.createElement('p');
  el.className = 'toast';
  el.textContent = text;
  box.append(el);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => el.remove(), 6000);
}

function startLive(since) {
  if (typeof EventSource === 'undefined') return;
  live = subscribeChanges({
    since,
    onChange: onLiveEntry,
    onState: (s) => { document.body.dataset.live = s; },
  });
  window.plotline.live = live;
  window.addEventListener('pagehide', () => live.close(), { once: true });
}

// ---- start -----------------------------------------------------------------------------------

/** Whether a map has drawn some plot: the first time it has, `timings.firstPlots` is set. */
function watchFirstPlots(map) {
  let last = 0;
  const check = () => {
    const now = performance.now();
    if (now - last < 100) return;
    last = now;
    if (map.getLayer('plots-fill') && map.queryRenderedFeatures({ layers: ['plots-fill'] }).length) {
      timings.firstPlots = now;
      map.off('render', check);
    }
  };
  map.on('render', check);
}

/**
 * The first view: every plot and area ([minLon, minLat, maxLon, maxLat] from the collections'
 * extents), but where that would show more than MAX_START_PLOTS plots, the middle of them, so
 * closer in that the first tiles stay small whatever the number of plots.
 */
async function startView(extentPromise, total) {
  let box = bboxOf(data.areas);
  try {
    const extent = (await extentPromise).extent?.spatial?.bbox?.[0];
    if (extent && extent.length >= 4) {
      const [w, s, e, n] = extent.length === 6 ? [extent[0], extent[1], extent[3], extent[4]] : extent;
      box = Number.isFinite(box[0]) ? [Math.min(box[0], w), Math.min(box[1], s), Math.max(box[2], e), Math.max(box[3], n)] : [w, s, e, n];
    }
  } catch (e) {
    console.warn('plot extent:', e.message);
  }
  if (!Number.isFinite(box[0])) return;
  mapView.fitTo(box, { insets: overlayInsets(), animate: false, maxZoom: 16 });
  const [vw, vs, ve, vn] = mapView.map.getBounds().toArray().flat();
  const area = (b) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
  const shown = area([Math.max(vw, box[0]), Math.max(vs, box[1]), Math.min(ve, box[2]), Math.min(vn, box[3])]);
  const inView = total && area(box) > 0 ? (total * shown) / area(box) : 0;
  if (inView > MAX_START_PLOTS) {
    mapView.map.jumpTo({
      center: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2],
      zoom: mapView.map.getZoom() + Math.log(inView / MAX_START_PLOTS) / Math.log(4),
    });
  }
}

async function start() {
  // The list's first page waits for nothing else; the counts beside the filters come after it.
  const listed = applyState().then(() => { timings.firstPage = performance.now(); });
  mapNote(t('map.loading'));
  // What the first view needs, asked for while MapLibre loads (the map module is the largest).
  const mapModule = import('./mapview.js');
  const extentPromise = initial.view ? null : loadCollection('collections/plots');
  extentPromise?.catch(() => {});
  const total = countMatched('plots', null).then((n) => {
    list.total = n;
    counts.total = n;
    list.render();
    return n;
  }, () => null);
  const rulesPromise = loadRules();
  const schemasPromise = loadSchemas();
  const dataPromise = Promise.all([loadData(), schemasPromise]).then(([d]) => d);
  const authPromise = auth.refresh();
  const noMap = (e) => {
    console.warn('map unavailable:', e);
    mapNote(t('map.no_webgl'), 'warn');
    return null;
  };
  const mapPromise = mapModule.then(({ createMap }) => createMap($('#map'), {
    view: initial.view,
    bounds: DEFAULT_BOUNDS,
    basemap,
    handlers: {
      onSelect: (sel, opts) => select(sel, opts),
      onAreaLabel: (slug) => select({ kind: 'figures', key: slug }, { via: 'label' }),
      onMove: () => syncUrl(),
      onBasemapError: () => {
        document.body.dataset.basemap = 'failed';
        mapNote(t('map.basemap_failed'), 'warn');
      },
    },
  })).catch(noMap);

  await rulesPromise;
  translateStatic();
  fillSelects();
  writeFilterForm();
  if (!basemap) $('.basemap-toggle').hidden = true;
  if (window.matchMedia('(max-width: 47.99em)').matches) $('#legend').open = false;
  const counted = listed.then(loadCounts);

  try {
    data = await dataPromise;
  } catch (e) {
    mapNote(t('map.load_failed', { error: e.message }), 'error');
    document.body.dataset.ready = 'error';
    throw e;
  }
  timings.dataLoaded = performance.now();
  store.setAreas(data.areas);
  fillSelects();
  writeFilterForm();
  applyState();
  // The panel does not wait for the map.
  if (state.selection) select(state.selection, { via: 'url' });
  // The stream opens once the session is known (planners also get the internal changes).
  Promise.all([authPromise, listed]).then(() => startLive(changesSince()));

  mapView = await mapPromise;
  if (mapView) {
    window.plotlineMap = mapView.map;
    watchFirstPlots(mapView.map);
    mapView.setFilters(...mapFilters);
    mapView.setData(data, { stationRadiusM: radiusM('station') });
    timings.mapLoaded = performance.now();
    if (!initial.view) await startView(extentPromise, await total);
  }
  if ($('#map-note').dataset.kind === 'info') mapNote('');
  applyState();
  // A selection from the link zooms to it: the tiles are asked for once the view is there.
  if (state.selection) await select(state.selection, { via: 'url' });
  let drawn = Promise.resolve();
  if (mapView) {
    mapView.showTiles();
    timings.tilesShown = performance.now();
    drawn = mapView.whenIdle().then(() => {
      timings.firstRender = performance.now();
    });
  }
  await Promise.all([drawn, listed, counted, total, selecting]);
  document.body.dataset.ready = 'true';
}

/** For tests: resolves once the list shows the page for the current filters and sort. */
window.plotline.listSettled = async () => {
  await applying;
  await list.settled();
};

/** For tests: resolves after the list and the map have shown everything that is pending. */
window.plotline.idle = async () => {
  await applying;
  await list.settled();
  await selecting;
  await mapView?.whenIdle();
};

start();
