// The MapLibre map: sources and layers for areas, plots, buildings and transit, labels as HTML
// markers (the page has no glyph server, so no symbol layers), selection and hover highlights.
import * as maplibregl from '../vendor/maplibre-gl.mjs';
import {
  DGNB_COLOURS, LAND_USE_COLOURS, STATUS_COLOURS, TRANSIT_COLOURS, bboxOf, circleRing, dgnbClass, labelPoint,
} from './domain.js';

/** Layer ids the tests and the click handler use. */
export const LAYERS = { plots: 'plots-fill', buildings: 'buildings-fill' };

const EMPTY = { type: 'FeatureCollection', features: [] };

const matchColour = (property, colours, fallback) => [
  'match', ['get', property], ...Object.entries(colours).flat(), fallback,
];

/** Groups of layers that the "Layers" switches show and hide. */
const LAYER_GROUPS = {
  buildings: ['buildings-fill', 'buildings-line', 'buildings-selected'],
  rings: ['rings-fill', 'rings-line'],
  transit: ['cycle-casing', 'cycle-line', 'brt-line-firm', 'brt-line-tentative', 'brt-stops'],
  basemap: ['basemap'],
};

function style(basemap) {
  const sources = {};
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0ea' } }];
  if (basemap) {
    sources.basemap = { type: 'raster', tiles: basemap.tiles, tileSize: 256, maxzoom: 19, attribution: basemap.attribution };
    layers.push({
      id: 'basemap', type: 'raster', source: 'basemap',
      paint: { 'raster-saturation': -0.55, 'raster-opacity': 0.9 },
    });
  }
  for (const id of ['areas', 'rings', 'plots', 'buildings', 'stations', 'brt', 'brt-stops', 'cycle']) {
    sources[id] = { type: 'geojson', data: EMPTY };
  }
  const firm = ['in', ['get', 'status'], ['literal', ['decided', 'in_service']]];
  layers.push(
    { id: 'areas-fill', type: 'fill', source: 'areas', paint: { 'fill-color': TRANSIT_COLOURS.area, 'fill-opacity': 0.05 } },
    { id: 'rings-fill', type: 'fill', source: 'rings', paint: { 'fill-color': TRANSIT_COLOURS.ring, 'fill-opacity': 0.05 } },
    {
      id: 'rings-line', type: 'line', source: 'rings',
      paint: { 'line-color': TRANSIT_COLOURS.ring, 'line-width': 1.5, 'line-opacity': 0.75, 'line-dasharray': [3, 2] },
    },
    {
      id: 'plots-fill', type: 'fill', source: 'plots',
      paint: {
        'fill-color': matchColour('status', STATUS_COLOURS, '#cccccc'),
        'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.85, 0.62],
      },
    },
    {
      id: 'plots-line', type: 'line', source: 'plots',
      paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.5, 16, 1.5] },
    },
    {
      id: 'buildings-fill', type: 'fill', source: 'buildings',
      paint: {
        'fill-color': ['match', ['get', 'dgnb_class'], ...Object.entries(DGNB_COLOURS).flat(), '#f7f7f7'],
        'fill-opacity': 0.95,
      },
    },
    {
      id: 'buildings-line', type: 'line', source: 'buildings',
      paint: {
        'line-color': '#26323d',
        'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], 2, 0.8],
      },
    },
    {
      id: 'areas-line', type: 'line', source: 'areas',
      paint: { 'line-color': TRANSIT_COLOURS.area, 'line-width': 2.5, 'line-opacity': 0.9 },
    },
    {
      id: 'plots-selected', type: 'line', source: 'plots', filter: ['==', ['get', 'reference'], ''],
      paint: { 'line-color': '#101820', 'line-width': 3.5 },
    },
    {
      id: 'buildings-selected', type: 'line', source: 'buildings', filter: ['==', ['get', 'reference'], ''],
      paint: { 'line-color': '#ff2d6f', 'line-width': 3 },
    },
    {
      id: 'plots-problem', type: 'line', source: 'plots', filter: ['in', ['get', 'reference'], ['literal', []]],
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
  return { version: 8, sources, layers };
}

/**
 * Create the map in `container`. `handlers` gets onSelect({kind, key}), onAreaLabel(slug),
 * onMove(), onBasemapError(). Resolves once the style has loaded.
 */
export function createMap(container, { view, bounds, basemap, handlers }) {
  const map = new maplibregl.Map({
    container,
    style: style(basemap),
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
    this.selection = null;
    this.editing = false;
    this.problem = null;

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
      const next = hit ? { source: hit.source, id: hit.id } : null;
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
  }

  isVisible(layerId) {
    return this.map.getLayoutProperty(layerId, 'visibility') !== 'none';
  }

  /**
   * Put the data on the map: `data` has areas, plots, buildings, stations, brt, brtStops, cycle;
   * each station gets a ring of `stationRadiusM` (GET /rules), none while it is unknown.
   */
  setData(data, { stationRadiusM = null } = {}) {
    const m = this.map;
    m.getSource('areas').setData(data.areas);
    this.setPlotsAndBuildings(data);
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

  setPlotsAndBuildings(data) {
    this.map.getSource('plots').setData(data.plots);
    // The DGNB class is derived here once, so that the paint expression stays a plain match.
    this.map.getSource('buildings').setData({
      type: 'FeatureCollection',
      features: data.buildings.features.map((f) => ({ ...f, properties: { ...f.properties, dgnb_class: dgnbClass(f.properties) } })),
    });
  }

  /** After plots or buildings changed (an edit, a live change): redraw them and their labels. */
  updatePlotsAndBuildings(data) {
    this.setPlotsAndBuildings(data);
    const seen = new Set();
    for (const p of data.plots.features) {
      const ref = p.properties.reference;
      seen.add(ref);
      const marker = this.markers.plots.get(ref);
      if (marker) marker.setLngLat(labelPoint(p.geometry));
      else this.markers.plots.set(ref, this.plotLabel(p));
    }
    for (const [ref, marker] of this.markers.plots) {
      if (!seen.has(ref)) {
        marker.remove();
        this.markers.plots.delete(ref);
      }
    }
  }

  plotLabel(p) {
    const el = document.createElement('span');
    el.className = 'map-label plot-label';
    el.textContent = p.properties.reference;
    return new maplibregl.Marker({ element: el, anchor: 'center' }).setLngLat(labelPoint(p.geometry)).addTo(this.map);
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
    for (const p of data.plots.features) this.markers.plots.set(p.properties.reference, this.plotLabel(p));
    this.updateLabelZoom();
  }

  updateLabelZoom() {
    const c = this.map.getContainer();
    const z = this.map.getZoom();
    c.classList.toggle('zoom-plot-labels', z >= 15);
    c.classList.toggle('zoom-far', z < 11);
  }

  /** Show only these plots and buildings (sets of references). */
  setVisibleFeatures(plotRefs, buildingRefs) {
    const inSet = (refs) => ['in', ['get', 'reference'], ['literal', [...refs]]];
    for (const id of ['plots-fill', 'plots-line']) this.map.setFilter(id, inSet(plotRefs));
    for (const id of ['buildings-fill', 'buildings-line']) this.map.setFilter(id, inSet(buildingRefs));
    for (const [ref, marker] of this.markers.plots) {
      marker.getElement().classList.toggle('filtered-out', !plotRefs.has(ref));
    }
  }

  setColourBy(mode) {
    const expr = mode === 'land_use'
      ? matchColour('land_use', LAND_USE_COLOURS, '#cccccc')
      : matchColour('status', STATUS_COLOURS, '#cccccc');
    this.map.setPaintProperty('plots-fill', 'fill-color', expr);
  }

  /** Highlight a plot and/or a building (references; null for none). */
  setHighlight(plotRef, buildingRef) {
    this.map.setFilter('plots-selected', ['==', ['get', 'reference'], plotRef || '']);
    this.map.setFilter('buildings-selected', ['==', ['get', 'reference'], buildingRef || '']);
    for (const [ref, marker] of this.markers.plots) marker.getElement().classList.toggle('selected', ref === plotRef);
  }

  setGroupVisible(group, visible) {
    for (const id of LAYER_GROUPS[group] || []) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
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
