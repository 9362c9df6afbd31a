// The MapLibre map: plots and buildings from the server's vector tiles (OGC API – Tiles, one
// source layer per collection), the few areas and transit features as GeoJSON, labels as HTML
// markers (the page has no glyph server, so no symbol layers; plot labels only for the plots in
// view), selection and hover highlights.
import * as maplibregl from '../vendor/maplibre-gl.mjs';
import {
  CLUSTER_COLOURS, CLUSTER_EXPRESSION, DGNB_CLASS_EXPRESSION, DGNB_COLOURS, FINGERPLAN_COLOUR, LAND_USE_COLOURS,
  NEUTRAL_PLOT_COLOUR, STATUS_COLOURS, TRANSIT_COLOURS, bboxOf, circleRing, labelPoint,
} from './domain.js';

/** Layer ids the tests and the click handler use. */
export const LAYERS = { plots: 'plots-fill', buildings: 'buildings-fill' };

/** The collections drawn from vector tiles; each tile's layer is named after its collection. */
export const TILED = ['plots', 'buildings'];

/** Plot labels are HTML elements: beyond this many plots in view they would only clutter. */
const MAX_PLOT_LABELS = 300;
/** From this zoom on plots carry labels (see .zoom-plot-labels in app.css). */
const PLOT_LABEL_ZOOM = 15;

/** The TileJSON of a collection's tiles, as a URL MapLibre can fetch. */
const tileJsonUrl = (collection) => new URL(`collections/${collection}/tiles/WebMercatorQuad/tilejson.json`, document.baseURI).href;

/**
 * The TileJSON documents of the tiled collections (null where one failed), asked for as soon as
 * this module loads. The sources take their tile URLs from them once, so that fetching the
 * tiles again after a change does not fetch the TileJSON again.
 */
const tileSets = Promise.all(TILED.map(async (id) => {
  try {
    const res = await fetch(tileJsonUrl(id));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  } catch (e) {
    console.warn(`tiles of ${id}:`, e.message);
    return null;
  }
}));

/**
 * A vector source from a TileJSON. Beyond z16 the z16 tiles are drawn larger (9 cm a unit:
 * enough for an outline), so that zooming in asks the server for nothing more. Without a
 * TileJSON MapLibre asks for it itself (and says so on the console if it fails again).
 */
function tiledSource(id, tj) {
  if (!tj?.tiles?.length) return { type: 'vector', url: tileJsonUrl(id), maxzoom: 16 };
  return {
    type: 'vector',
    tiles: tj.tiles.map((t) => new URL(t.replace(/\{(z|x|y)\}/g, '__$1__'), document.baseURI).href.replace(/__(z|x|y)__/g, '{$1}')),
    minzoom: tj.minzoom ?? 0,
    maxzoom: Math.min(16, tj.maxzoom ?? 16),
    ...(Array.isArray(tj.bounds) ? { bounds: tj.bounds } : {}),
  };
}

const EMPTY = { type: 'FeatureCollection', features: [] };

const matchColour = (property, colours, fallback) => [
  'match', ['get', property], ...Object.entries(colours).flat(), fallback,
];

/** Buildings by DGNB class, or by cluster (an unknown cluster drawn like "other"). */
const DGNB_FILL = ['match', DGNB_CLASS_EXPRESSION, ...Object.entries(DGNB_COLOURS).flat(), '#f7f7f7'];
const CLUSTER_FILL = ['match', CLUSTER_EXPRESSION, ...Object.entries(CLUSTER_COLOURS).flat(), CLUSTER_COLOURS.other];

/** Groups of layers that the "Layers" switches show and hide. */
const LAYER_GROUPS = {
  buildings: ['buildings-fill', 'buildings-line', 'buildings-fingerplan', 'buildings-selected'],
  rings: ['rings-fill', 'rings-line'],
  transit: ['cycle-casing', 'cycle-line', 'brt-line-firm', 'brt-line-tentative', 'brt-stops'],
  basemap: ['basemap'],
};

/** The layers drawn from tiles: hidden until the first view is set, so that no tile is fetched for another. */
const TILED_LAYERS = ['plots-fill', 'plots-line', 'buildings-fill', 'buildings-line', 'buildings-fingerplan', 'plots-selected', 'buildings-selected', 'plots-problem'];

/** Existing offices outside the Fingerplan's office rule (the tiles' `fingerplan_office_check`). */
export const FINGERPLAN_OUTSIDE = ['==', ['get', 'fingerplan_office_check'], 'outside_rule'];

function style(basemap, tileJsons) {
  const sources = {};
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0ea' } }];
  if (basemap) {
    sources.basemap = { type: 'raster', tiles: basemap.tiles, tileSize: 256, maxzoom: 19, attribution: basemap.attribution };
    layers.push({
      id: 'basemap', type: 'raster', source: 'basemap',
      paint: { 'raster-saturation': -0.55, 'raster-opacity': 0.9 },
    });
  }
  for (const id of ['areas', 'rings', 'stations', 'brt', 'brt-stops', 'cycle']) {
    sources[id] = { type: 'geojson', data: EMPTY };
  }
  TILED.forEach((id, i) => { sources[id] = tiledSource(id, tileJsons[i]); });
  const firm = ['in', ['get', 'status'], ['literal', ['decided', 'in_service']]];
  layers.push(
    { id: 'areas-fill', type: 'fill', source: 'areas', paint: { 'fill-color': TRANSIT_COLOURS.area, 'fill-opacity': 0.05 } },
    { id: 'rings-fill', type: 'fill', source: 'rings', paint: { 'fill-color': TRANSIT_COLOURS.ring, 'fill-opacity': 0.05 } },
    {
      id: 'rings-line', type: 'line', source: 'rings',
      paint: { 'line-color': TRANSIT_COLOURS.ring, 'line-width': 1.5, 'line-opacity': 0.75, 'line-dasharray': [3, 2] },
    },
    {
      id: 'plots-fill', type: 'fill', source: 'plots', 'source-layer': 'plots',
      paint: {
        'fill-color': matchColour('status', STATUS_COLOURS, '#cccccc'),
        'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.85, 0.62],
      },
    },
    {
      id: 'plots-line', type: 'line', source: 'plots', 'source-layer': 'plots',
      paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.5, 16, 1.5] },
    },
    {
      id: 'buildings-fill', type: 'fill', source: 'buildings', 'source-layer': 'buildings',
      paint: {
        'fill-color': DGNB_FILL,
        'fill-opacity': 0.95,
      },
    },
    {
      id: 'buildings-line', type: 'line', source: 'buildings', 'source-layer': 'buildings',
      paint: {
        'line-color': '#26323d',
        'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], 2, 0.8],
      },
    },
    {
      id: 'buildings-fingerplan', type: 'line', source: 'buildings', 'source-layer': 'buildings', filter: FINGERPLAN_OUTSIDE,
      paint: { 'line-color': FINGERPLAN_COLOUR, 'line-width': 2.5, 'line-dasharray': [2, 1] },
    },
    {
      id: 'areas-line', type: 'line', source: 'areas',
      paint: { 'line-color': TRANSIT_COLOURS.area, 'line-width': 2.5, 'line-opacity': 0.9 },
    },
    {
      id: 'plots-selected', type: 'line', source: 'plots', 'source-layer': 'plots', filter: ['==', ['get', 'reference'], ''],
      paint: { 'line-color': '#101820', 'line-width': 3.5 },
    },
    {
      id: 'buildings-selected', type: 'line', source: 'buildings', 'source-layer': 'buildings', filter: ['==', ['get', 'reference'], ''],
      paint: { 'line-color': '#ff2d6f', 'line-width': 3 },
    },
    {
      id: 'plots-problem', type: 'line', source: 'plots', 'source-layer': 'plots', filter: ['in', ['get', 'reference'], ['literal', []]],
      paint: { 'line-color': '#c8102e', 'line-width': 3, 'line-dasharray': [2, 1] },
    },
    {
      id: 'cycle-casing', type: 'line', source: 'cycle', layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': 6, 'line-opacity': 0.9 },
    },
    {
      id: 'cycle-line', type: 'line', source: 'cycle', layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': TRANSIT_COLOURS.cycle, 'line-width': 3 },
    },
    {
      id: 'brt-line-firm', type: 'line', source: 'brt', filter: firm, layout: { 'line-join': 'round' },
      paint: { 'line-color': TRANSIT_COLOURS.brt, 'line-width': 3.5 },
    },
    {
      id: 'brt-line-tentative', type: 'line', source: 'brt', filter: ['!', firm], layout: { 'line-join': 'round' },
      paint: { 'line-color': TRANSIT_COLOURS.brt, 'line-width': 3, 'line-dasharray': [2, 1.5] },
    },
    {
      id: 'brt-stops', type: 'circle', source: 'brt-stops',
      paint: { 'circle-radius': 4.5, 'circle-color': '#ffffff', 'circle-stroke-color': TRANSIT_COLOURS.brt, 'circle-stroke-width': 2.5 },
    },
    {
      id: 'stations', type: 'circle', source: 'stations',
      paint: { 'circle-radius': 7, 'circle-color': TRANSIT_COLOURS.station, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2.5 },
    },
  );
  for (const layer of layers) {
    if (TILED_LAYERS.includes(layer.id)) layer.layout = { ...layer.layout, visibility: 'none' };
  }
  return { version: 8, sources, layers };
}

/**
 * Create the map in `container`. `handlers` gets onSelect({kind, key}), onAreaLabel(slug),
 * onMove(), onBasemapError(). Resolves once the style has loaded.
 */
export async function createMap(container, { view, bounds, basemap, handlers }) {
  const map = new maplibregl.Map({
    container,
    style: style(basemap, await tileSets),
    ...(view ? { center: view.center, zoom: view.zoom } : { bounds, fitBoundsOptions: { padding: 40 } }),
    attributionControl: { compact: true },
    maxZoom: 19,
    minZoom: 9,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    cooperativeGestures: false,
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right');

  let basemapFailed = false;
  map.on('error', (e) => {
    // Tiles of an unreachable basemap are expected offline: say so once, keep our own layers.
    if (e.sourceId === 'basemap' || /tile\.openstreetmap\.org/.test(String(e.error?.url || e.error?.message || ''))) {
      if (!basemapFailed) {
        basemapFailed = true;
        handlers.onBasemapError?.();
      }
      return;
    }
    console.error('map:', e.error || e);
  });

  const view_ = new MapView(map, handlers);
  return new Promise((resolve) => map.once('load', () => resolve(view_)));
}

class MapView {
  constructor(map, handlers) {
    this.map = map;
    this.handlers = handlers;
    this.markers = { areas: [], stations: [], routes: [], plots: new Map() };
    this.hover = null;
    this.selectedPlot = null;
    this.editing = false;
    this.problem = null;
    this.tileVersion = 0;
    this.tilesShown = false;
    this.hiddenGroups = new Set();

    map.on('click', (e) => {
      // While an outline is being edited, clicks belong to the editor.
      if (this.editing) return;
      const box = [[e.point.x - 3, e.point.y - 3], [e.point.x + 3, e.point.y + 3]];
      const layers = [LAYERS.buildings, LAYERS.plots].filter((id) => this.isVisible(id));
      const hits = map.queryRenderedFeatures(box, { layers });
      const building = hits.find((f) => f.layer.id === LAYERS.buildings);
      const plot = hits.find((f) => f.layer.id === LAYERS.plots);
      if (building) handlers.onSelect({ kind: 'building', key: building.properties.reference }, { via: 'map' });
      else if (plot) handlers.onSelect({ kind: 'plot', key: plot.properties.reference }, { via: 'map' });
    });
    map.on('mousemove', (e) => {
      if (this.editing) return;
      const hits = map.queryRenderedFeatures(e.point, { layers: [LAYERS.buildings, LAYERS.plots].filter((id) => this.isVisible(id)) });
      const hit = hits[0];
      const next = hit && hit.id !== undefined ? { source: hit.source, sourceLayer: hit.sourceLayer, id: hit.id } : null;
      if (this.hover && (!next || next.source !== this.hover.source || next.id !== this.hover.id)) {
        map.setFeatureState(this.hover, { hover: false });
      }
      if (next) map.setFeatureState(next, { hover: true });
      this.hover = next;
      map.getCanvas().style.cursor = hit ? 'pointer' : '';
      map.getCanvas().title = hit ? hit.properties.reference : '';
    });
    map.on('mouseout', () => {
      if (this.hover) map.setFeatureState(this.hover, { hover: false });
      this.hover = null;
    });
    map.on('moveend', () => handlers.onMove?.());
    map.on('zoom', () => this.updateLabelZoom());
    // Plot labels follow what the tiles have drawn, once the map has settled.
    map.on('idle', () => this.updatePlotLabels());
  }

  isVisible(layerId) {
    return this.map.getLayoutProperty(layerId, 'visibility') !== 'none';
  }

  /**
   * Put the small collections on the map: `data` has areas, stations, brt, brtStops, cycle
   * (plots and buildings come from the tiles); each station gets a ring of `stationRadiusM`
   * (GET /rules), none while it is unknown.
   */
  setData(data, { stationRadiusM = null } = {}) {
    const m = this.map;
    m.getSource('areas').setData(data.areas);
    m.getSource('stations').setData(data.stations);
    m.getSource('rings').setData({
      type: 'FeatureCollection',
      features: stationRadiusM ? data.stations.features.map((s) => ({
        type: 'Feature',
        properties: { name: s.properties.name, radius_m: stationRadiusM },
        geometry: { type: 'Polygon', coordinates: [circleRing(s.geometry.coordinates, stationRadiusM, 64)] },
      })) : [],
    });
    m.getSource('brt').setData(data.brt);
    m.getSource('brt-stops').setData(data.brtStops);
    m.getSource('cycle').setData(data.cycle);
    this.addLabels(data);
  }

  /**
   * Fetch the tiles of these collections again (after an edit or a live change): the same
   * template with a new `v`, which the server ignores and MapLibre takes for new tiles. Resolves
   * once the map has drawn them (or after `timeoutMs`).
   */
  refreshTiles(collections = TILED, { timeoutMs = 5000 } = {}) {
    this.tileVersion += 1;
    const settled = this.whenIdle({ timeoutMs });
    for (const id of collections) {
      const source = this.map.getSource(id);
      const template = source?.tiles?.[0];
      if (!template) continue;
      const url = new URL(template.replace(/\{(z|x|y)\}/g, '__$1__'), document.baseURI);
      url.searchParams.set('v', String(this.tileVersion));
      source.setTiles([url.href.replace(/__(z|x|y)__/g, '{$1}')]);
    }
    this.map.triggerRepaint();
    return settled;
  }

  /**
   * Resolves once the map has drawn everything it was loading (MapLibre's `idle`), or after
   * `timeoutMs`. MapLibre fires `idle` only at the end of a frame it draws, and a tile reloaded
   * with the same ETag (every tile a refresh after a change elsewhere leaves as it was) finishes
   * without asking for one (MapLibre 6.17: `etagUnmodified` fires no `data` event), so that the
   * map may be done and never say so. A frame is asked for every quarter second until it does.
   */
  whenIdle({ timeoutMs = Infinity } = {}) {
    const map = this.map;
    return new Promise((resolve) => {
      const kick = setInterval(() => map.triggerRepaint(), 250);
      const timer = Number.isFinite(timeoutMs) ? setTimeout(done, timeoutMs) : null;
      function done() {
        clearInterval(kick);
        clearTimeout(timer);
        map.off('idle', done);
        resolve();
      }
      map.once('idle', done);
      map.triggerRepaint();
    });
  }

  /** Labels for the plots drawn in view (none when there are too many to read). */
  updatePlotLabels() {
    const map = this.map;
    const shown = new Map();
    if (map.getZoom() >= PLOT_LABEL_ZOOM && this.isVisible(LAYERS.plots)) {
      // A plot that crosses tiles comes in pieces: its label goes in the middle of them all.
      for (const f of map.queryRenderedFeatures({ layers: [LAYERS.plots] })) {
        const ref = f.properties.reference;
        const b = bboxOf(f.geometry);
        const had = shown.get(ref);
        shown.set(ref, had ? [Math.min(had[0], b[0]), Math.min(had[1], b[1]), Math.max(had[2], b[2]), Math.max(had[3], b[3])] : b);
        if (shown.size > MAX_PLOT_LABELS) {
          shown.clear();
          break;
        }
      }
    }
    for (const [ref, marker] of this.markers.plots) {
      if (!shown.has(ref)) {
        marker.remove();
        this.markers.plots.delete(ref);
      }
    }
    for (const [ref, b] of shown) {
      const at = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
      const marker = this.markers.plots.get(ref);
      if (marker) marker.setLngLat(at);
      else this.markers.plots.set(ref, this.plotLabel(ref, at));
    }
  }

  plotLabel(ref, lngLat) {
    const el = document.createElement('span');
    el.className = 'map-label plot-label';
    el.classList.toggle('selected', ref === this.selectedPlot);
    el.textContent = ref;
    return new maplibregl.Marker({ element: el, anchor: 'center' }).setLngLat(lngLat).addTo(this.map);
  }

  /** Clicks and hover go to an outline editor while `on`. */
  setEditing(on) {
    this.editing = on;
    if (on && this.hover) {
      this.map.setFeatureState(this.hover, { hover: false });
      this.hover = null;
    }
    this.map.getCanvas().title = '';
    this.map.getContainer().classList.toggle('editing-outline', on);
  }

  /**
   * Mark where the server found a problem with an outline ([lon, lat]), with `text` for screen
   * readers and as a tooltip, and outline the plots it overlaps (references); brings it into view.
   */
  showProblem(lngLat, text, overlapping = []) {
    this.clearProblem();
    this.map.setFilter('plots-problem', ['in', ['get', 'reference'], ['literal', overlapping]]);
    if (!lngLat) return;
    const el = document.createElement('div');
    el.className = 'problem-marker';
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', text);
    el.title = text;
    el.innerHTML = '<span aria-hidden="true">!</span>';
    this.problem = new maplibregl.Marker({ element: el, anchor: 'center' }).setLngLat(lngLat).addTo(this.map);
    const b = this.map.getBounds();
    if (!b.contains(lngLat)) this.map.easeTo({ center: lngLat, duration: prefersReducedMotion() ? 0 : 400 });
  }

  clearProblem() {
    this.problem?.remove();
    this.problem = null;
    if (this.map.getLayer('plots-problem')) this.map.setFilter('plots-problem', ['in', ['get', 'reference'], ['literal', []]]);
  }

  addLabels(data) {
    const add = (lngLat, el, anchor, offset = [0, 0]) =>
      new maplibregl.Marker({ element: el, anchor, offset }).setLngLat(lngLat).addTo(this.map);

    for (const a of data.areas.features) {
      const [minLon, , maxLon, maxLat] = bboxOf(a);
      const el = document.createElement('button');
      el.type = 'button';
      el.className = 'map-label area-label';
      el.dataset.area = a.properties.slug;
      el.textContent = a.properties.name;
      el.addEventListener('click', (ev) => {
        ev.stopPropagation();
        this.handlers.onAreaLabel?.(a.properties.slug);
      });
      this.markers.areas.push(add([(minLon + maxLon) / 2, maxLat], el, 'bottom', [0, -2]));
    }
    for (const s of data.stations.features) {
      const el = document.createElement('span');
      el.className = 'map-label station-label';
      el.textContent = s.properties.name;
      this.markers.stations.push(add(s.geometry.coordinates, el, 'left', [10, 0]));
    }
    // Route labels: the code on the line, its name as a tooltip; cycle and BRT labels a little
    // apart so that they do not cover each other where the routes run together.
    for (const [routes, kind, codeKey, along] of [[data.cycle, 'cycle', 'route', 0.42], [data.brt, 'brt', 'code', 0.4]]) {
      for (const r of routes.features) {
        const el = document.createElement('span');
        el.className = `map-label route-label ${kind}`;
        el.textContent = r.properties[codeKey];
        el.title = r.properties.name;
        this.markers.routes.push(add(labelPoint(r.geometry, along), el, 'center'));
      }
    }
    this.updateLabelZoom();
  }

  updateLabelZoom() {
    const c = this.map.getContainer();
    const z = this.map.getZoom();
    c.classList.toggle('zoom-plot-labels', z >= 15);
    c.classList.toggle('zoom-far', z < 11);
  }

  /** Draw only the plots and buildings these filters keep (MapLibre expressions; null: all). */
  setFilters(plots, buildings) {
    for (const id of ['plots-fill', 'plots-line']) this.map.setFilter(id, plots);
    for (const id of ['buildings-fill', 'buildings-line']) this.map.setFilter(id, buildings);
    this.map.setFilter('buildings-fingerplan', buildings ? ['all', FINGERPLAN_OUTSIDE, buildings] : FINGERPLAN_OUTSIDE);
  }

  /**
   * Colour plots by status or land use, with buildings by DGNB class; or ('cluster') buildings
   * by the cluster of their largest present occupant, over plain plots.
   */
  setColourBy(mode) {
    const plots = mode === 'cluster' ? NEUTRAL_PLOT_COLOUR
      : mode === 'land_use' ? matchColour('land_use', LAND_USE_COLOURS, '#cccccc')
        : matchColour('status', STATUS_COLOURS, '#cccccc');
    this.map.setPaintProperty('plots-fill', 'fill-color', plots);
    this.map.setPaintProperty('buildings-fill', 'fill-color', mode === 'cluster' ? CLUSTER_FILL : DGNB_FILL);
  }

  /** Highlight a plot and/or a building (references; null for none). */
  setHighlight(plotRef, buildingRef) {
    this.map.setFilter('plots-selected', ['==', ['get', 'reference'], plotRef || '']);
    this.map.setFilter('buildings-selected', ['==', ['get', 'reference'], buildingRef || '']);
    this.selectedPlot = plotRef;
    for (const [ref, marker] of this.markers.plots) marker.getElement().classList.toggle('selected', ref === plotRef);
  }

  /** Draw the plots and buildings (from their tiles) from now on: once the first view is set. */
  showTiles() {
    this.tilesShown = true;
    for (const id of TILED_LAYERS) {
      const group = Object.keys(LAYER_GROUPS).find((g) => LAYER_GROUPS[g].includes(id));
      this.map.setLayoutProperty(id, 'visibility', group && this.hiddenGroups.has(group) ? 'none' : 'visible');
    }
  }

  setGroupVisible(group, visible) {
    if (visible) this.hiddenGroups.delete(group);
    else this.hiddenGroups.add(group);
    for (const id of LAYER_GROUPS[group] || []) {
      const shown = visible && (this.tilesShown || !TILED_LAYERS.includes(id));
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', shown ? 'visible' : 'none');
    }
    if (group === 'transit') for (const m of this.markers.routes) m.getElement().hidden = !visible;
    if (group === 'rings') this.map.getContainer().classList.toggle('no-rings', !visible);
  }

  /** Fly to a [minLon, minLat, maxLon, maxLat] box, leaving room for overlays ({right, bottom} px). */
  fitTo(bbox, { insets = {}, maxZoom = 17, animate = true } = {}) {
    const c = this.map.getContainer();
    const pad = Math.min(48, c.clientWidth / 10, c.clientHeight / 10);
    // Overlays may cover most of a small map: never leave less than a third of it for the fit.
    const right = Math.min(insets.right || 0, c.clientWidth * 0.6);
    const bottom = Math.min(insets.bottom || 0, c.clientHeight * 0.6);
    this.map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], {
      padding: { top: pad, bottom: pad + bottom, left: pad, right: pad + right },
      maxZoom,
      duration: animate && !prefersReducedMotion() ? 600 : 0,
    });
  }

  view() {
    const c = this.map.getCenter();
    return { center: [c.lng, c.lat], zoom: this.map.getZoom() };
  }

  resize() {
    this.map.resize();
  }
}

function prefersReducedMotion() {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
}
