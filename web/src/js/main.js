// The map page: loads the data, builds the map, the filters, the list and the panel, and keeps
// them and the URL in step; signed-in planners edit in the panel, and changes arrive live.
// Exposes `window.plotlineMap` (the MapLibre map) and `window.plotline` for the browser tests.
import * as api from './api.js';
import { Auth } from './auth.js';
import {
  DGNB_CLASSES, applyFilters, bboxOf, dgnbClass, emptyFilters, filtersActive, timeMicros,
} from './domain.js';
import { Planner } from './editor.js';
import { LANGUAGES, label, language, preferredLanguage, setFigures, setLanguage, t } from './i18n.js';
import { renderLegend } from './legend.js';
import { affectedFeatures, subscribeChanges } from './live.js';
import { createMap } from './mapview.js';
import { Panel } from './panel.js';
import { PlotList } from './plotlist.js';
import { enumValues, radiusM, ruleFigures, setRules } from './rules.js';
import { Schemas } from './schema.js';
import { basemapFromQuery, formatHash, parseHash } from './urlstate.js';

const $ = (sel) => document.querySelector(sel);
const LANG_KEY = 'plotline.lang';
// The development areas and their stations, until the data says better.
const DEFAULT_BOUNDS = [[12.272, 55.719], [12.426, 55.759]];

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

let data = null; // { areas, plots, buildings, stations, brt, brtStops, cycle }
let index = null; // lookups by reference / slug
let mapView = null;
let filtered = { plots: [], buildings: [] };

const fetchJson = (path) => fetch(new URL(path, document.baseURI), { headers: { Accept: 'application/geo+json, application/json' } });

async function loadCollection(path) {
  const res = await fetchJson(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

async function loadData() {
  const [areas, plots, buildings, stations, brt, brtStops, cycle] = await Promise.all([
    'areas', 'plots', 'buildings', 'transit/stations', 'transit/brt', 'transit/brt-stops', 'transit/cycle-superhighways',
  ].map(loadCollection));
  return { areas, plots, buildings, stations, brt, brtStops, cycle };
}

function buildIndex(d) {
  const byKey = (fc, key) => new Map(fc.features.map((f) => [f.properties[key], f]));
  const buildingsByPlot = new Map();
  for (const b of d.buildings.features) {
    const k = b.properties.plot;
    if (!buildingsByPlot.has(k)) buildingsByPlot.set(k, []);
    buildingsByPlot.get(k).push(b);
  }
  for (const list of buildingsByPlot.values()) list.sort((a, b) => a.properties.reference.localeCompare(b.properties.reference));
  return {
    areas: byKey(d.areas, 'slug'),
    plots: byKey(d.plots, 'reference'),
    buildings: byKey(d.buildings, 'reference'),
    buildingsByPlot,
  };
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
  const plots = data ? data.plots.features.map((f) => f.properties) : [];
  const count = (key, value) => plots.filter((p) => p[key] === value).length;
  const withCount = (text, n) => (data ? `${text} (${n})` : text);
  const areas = data ? data.areas.features.map((f) => [f.properties.slug, f.properties.name]) : [];
  const fill = (select, entries) => {
    const current = state.filters[select.name] || '';
    select.replaceChildren(option('', t('filters.any')), ...entries.map(([v, text]) => option(v, text)));
    // A value from a shared link that this data does not know still shows, rather than vanishing.
    if (current && !entries.some(([v]) => v === current)) select.append(option(current, current));
    select.value = current;
  };
  fill(form.elements.area, areas.map(([slug, name]) => [slug, withCount(name, count('area', slug))]));
  fill(form.elements.status, enumValues('plot_status').map((s) => [s, withCount(label('status', s), count('status', s))]));
  fill(form.elements.use, enumValues('land_use').map((u) => [u, withCount(label('land_use', u), count('land_use', u))]));
  const classes = data ? data.buildings.features.map((f) => dgnbClass(f.properties)) : [];
  fill(form.elements.dgnb, DGNB_CLASSES.map((c) => [c, withCount(label('dgnb_class', c), classes.filter((x) => x === c).length)]));
}

function writeFilterForm() {
  for (const key of ['area', 'status', 'use', 'dgnb']) form.elements[key].value = state.filters[key] || '';
  form.elements.near.value = state.filters.near ?? '';
  for (const r of form.querySelectorAll('input[name="colour"]')) r.checked = r.value === state.colourBy;
  for (const c of form.querySelectorAll('input[name="layer"]')) c.checked = !state.hidden.has(c.value);
}

function readFilterForm() {
  const f = emptyFilters();
  for (const key of ['area', 'status', 'use', 'dgnb']) f[key] = form.elements[key].value;
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
    const area = state.filters.area && state.filters.area !== before && index?.areas.get(state.filters.area);
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

const list = new PlotList($('#plot-list'), { onSelect: (sel, opts) => select(sel, opts) });
const auth = new Auth();
const schemas = new Schemas(api.getSchema);
const planner = new Planner({
  auth,
  schemas,
  areaOf: (slug) => index?.areas.get(slug)?.properties ?? null,
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

function applyState() {
  if (data) {
    filtered = applyFilters(data.plots.features, data.buildings.features, state.filters);
    list.setPlots(filtered.plots, data.plots.features.length);
    if (mapView) {
      mapView.setVisibleFeatures(
        new Set(filtered.plots.map((f) => f.properties.reference)),
        new Set(filtered.buildings.map((f) => f.properties.reference)),
      );
    }
  }
  list.render(state.colourBy);
  if (mapView) {
    mapView.setColourBy(state.colourBy);
    for (const group of ['buildings', 'rings', 'transit', 'basemap']) mapView.setGroupVisible(group, !state.hidden.has(group));
  }
  renderLegend($('#legend'), state.colourBy);
  const areaName = state.filters.area && index?.areas.get(state.filters.area)?.properties.name;
  $('.area-figures').hidden = !areaName;
  if (areaName) $('#area-figures').textContent = t('filters.area_figures', { area: areaName });
  form.querySelector('button[type="reset"]').disabled = !filtersActive(state.filters);
  syncUrl();
}

// ---- selection -------------------------------------------------------------------------------

function selectionRefs(sel) {
  if (!sel || !index) return { plot: null, building: null };
  if (sel.kind === 'plot') return { plot: sel.key, building: null };
  if (sel.kind === 'building') return { plot: index.buildings.get(sel.key)?.properties.plot ?? null, building: sel.key };
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

/** Select a plot, a building or an area's figures; `via` says who asked: map, list, panel, url, button. */
function select(sel, { via = 'map' } = {}) {
  // Unsaved edits are not thrown away without asking.
  if (!planner.mayLeave(sel)) return syncUrl();
  state.selection = sel;
  if (!index) return syncUrl();
  panel.show(sel, index, { focus: via === 'button' || via === 'label' });
  $('.map-wrap').classList.add('panel-open');
  const refs = selectionRefs(sel);
  list.setSelected(refs.plot);
  mapView?.setHighlight(refs.plot, refs.building);
  const feature = sel.kind === 'plot' ? index.plots.get(sel.key)
    : sel.kind === 'building' ? index.buildings.get(sel.key)
      : index.areas.get(sel.key);
  if (feature) {
    const name = sel.kind === 'figures' ? feature.properties.name : feature.properties.reference;
    $('#announcer').textContent = t(sel.kind === 'plot' ? 'panel.plot' : sel.kind === 'building' ? 'panel.building' : 'panel.area', { ref: name, name });
  }
  const zoom = via === 'list' || via === 'panel' || via === 'button' || via === 'label' || (via === 'url' && !initial.view);
  if (mapView && feature && zoom) {
    mapView.fitTo(bboxOf(feature), { insets: overlayInsets(), maxZoom: sel.kind === 'building' ? 18 : 17, animate: via !== 'url' });
  }
  syncUrl();
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

/**
 * Put changed, new or deleted (feature null) plots and buildings into the data and redraw the
 * map, the list and the panel. Returns the references that really changed.
 */
function applyFeatureChanges(changes) {
  if (!data) return [];
  const touched = [];
  for (const { collection, id, feature } of changes) {
    const fc = collection === 'plots' ? data.plots : data.buildings;
    const i = fc.features.findIndex((f) => f.id === id);
    if (!feature) {
      if (i >= 0) touched.push({ collection, ref: fc.features.splice(i, 1)[0].properties.reference });
      continue;
    }
    const pub = publicFeature(collection, feature);
    if (i >= 0 && canonical(fc.features[i]) === canonical(pub)) continue;
    if (i >= 0) fc.features[i] = pub;
    else {
      fc.features.push(pub);
      fc.features.sort((a, b) => a.id - b.id);
    }
    touched.push({ collection, ref: pub.properties.reference });
  }
  if (!touched.length) return touched;
  index = buildIndex(data);
  fillSelects();
  applyState();
  if (mapView) {
    mapView.updatePlotsAndBuildings(data);
    const refs = selectionRefs(state.selection);
    mapView.setHighlight(refs.plot, refs.building);
  }
  if (panel.open) {
    panel.index = index;
    panel.render();
  }
  return touched;
}

let live = null;
const liveQueue = new Map();
let liveTimer = null;

function onLiveEntry(entry) {
  const targets = affectedFeatures(entry);
  // A building's DGNB record and floor area count on its plot, too.
  for (const f of [...targets]) {
    if (f.collection !== 'buildings') continue;
    const b = data?.buildings.features.find((x) => x.id === f.id);
    const plot = b && index?.plots.get(b.properties.plot);
    if (plot && !targets.some((x) => x.collection === 'plots' && x.id === plot.id)) targets.push({ collection: 'plots', id: plot.id });
  }
  // The newest entry per feature says who changed it last.
  for (const f of targets) liveQueue.set(`${f.collection}:${f.id}`, { ...f, entry });
  clearTimeout(liveTimer);
  liveTimer = setTimeout(flushLive, 150);
}

async function flushLive() {
  const items = [...liveQueue.values()];
  liveQueue.clear();
  if (!items.length || !data) return;
  let results;
  if (items.length > 40) {
    // A change to the transit network recomputes every plot and building: fetch them all at once.
    try {
      const [plots, buildings] = await Promise.all([loadCollection('plots'), loadCollection('buildings')]);
      results = [
        ...plots.features.map((f) => ({ collection: 'plots', id: f.id, feature: f })),
        ...buildings.features.map((f) => ({ collection: 'buildings', id: f.id, feature: f })),
        ...data.plots.features.filter((f) => !plots.features.some((x) => x.id === f.id)).map((f) => ({ collection: 'plots', id: f.id, feature: null })),
        ...data.buildings.features.filter((f) => !buildings.features.some((x) => x.id === f.id)).map((f) => ({ collection: 'buildings', id: f.id, feature: null })),
      ];
    } catch (e) {
      console.warn('live refresh:', e.message);
      return;
    }
  } else {
    results = (await Promise.all(items.map(async (it) => {
      try {
        return { ...it, feature: await api.getPublic(it.collection, it.id) };
      } catch (e) {
        console.warn('live refresh:', e.message);
        return null;
      }
    }))).filter(Boolean);
  }
  const touched = applyFeatureChanges(results);
  for (const it of items) planner.liveChange(it.collection, it.id, it.entry);
  for (const { collection, ref } of touched) {
    if (collection === 'plots') $(`#plot-list tr[data-ref="${CSS.escape(ref)}"]`)?.classList.add('flash');
  }
  // Say what changed, unless it was the signed-in planner's own edit.
  const entryOf = (x) => items.find((it) => it.collection === x.collection
    && (x.collection === 'plots' ? index.plots : index.buildings).get(x.ref)?.id === it.id)?.entry;
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

/** The newest change the loaded data holds: the stream starts after it. */
function newestChange(d) {
  let best = null;
  for (const f of [...d.plots.features, ...d.buildings.features]) {
    const u = f.properties.updated_at;
    if (u && (best === null || timeMicros(u) > timeMicros(best))) best = u;
  }
  return best;
}

function startLive() {
  if (typeof EventSource === 'undefined') return;
  live = subscribeChanges({
    since: newestChange(data),
    onChange: onLiveEntry,
    onState: (s) => { document.body.dataset.live = s; },
  });
  window.plotline.live = live;
  window.addEventListener('pagehide', () => live.close(), { once: true });
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  const rulesPromise = loadRules();
  const schemasPromise = loadSchemas();
  await rulesPromise;
  translateStatic();
  fillSelects();
  writeFilterForm();
  if (!basemap) $('.basemap-toggle').hidden = true;
  if (window.matchMedia('(max-width: 47.99em)').matches) $('#legend').open = false;
  applyState();
  mapNote(t('map.loading'));

  const dataPromise = Promise.all([loadData(), schemasPromise]).then(([d]) => d);
  const authPromise = auth.refresh();
  let mapPromise;
  try {
    mapPromise = createMap($('#map'), {
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
    });
  } catch (e) {
    console.warn('map unavailable:', e);
    mapPromise = Promise.resolve(null);
    mapNote(t('map.no_webgl'), 'warn');
  }

  try {
    data = await dataPromise;
  } catch (e) {
    mapNote(t('map.load_failed', { error: e.message }), 'error');
    document.body.dataset.ready = 'error';
    throw e;
  }
  timings.dataLoaded = performance.now();
  // The stream opens once the session is known (planners also get the internal changes).
  await authPromise;
  startLive();
  index = buildIndex(data);
  fillSelects();
  writeFilterForm();
  // The list and the panel do not wait for the map.
  applyState();
  if (state.selection) select(state.selection, { via: 'url' });

  mapView = await mapPromise;
  if (mapView) {
    window.plotlineMap = mapView.map;
    mapView.setData(data, { stationRadiusM: radiusM('station') });
    if (!initial.view) {
      const b = bboxOf({ type: 'FeatureCollection', features: [...data.areas.features, ...data.plots.features] });
      if (Number.isFinite(b[0])) mapView.fitTo(b, { insets: overlayInsets(), animate: false, maxZoom: 16 });
    }
    mapView.map.once('idle', () => {
      timings.firstRender = performance.now();
      document.body.dataset.ready = 'true';
    });
  } else {
    document.body.dataset.ready = 'true';
  }
  if ($('#map-note').dataset.kind === 'info') mapNote('');
  applyState();
  if (state.selection) select(state.selection, { via: 'url' });
}

/** For tests: resolves after the map has drawn everything that is pending. */
window.plotline.idle = () => new Promise((resolve) => {
  const map = window.plotlineMap;
  if (!map) return resolve();
  map.once('idle', () => resolve());
  map.triggerRepaint();
});

start();
