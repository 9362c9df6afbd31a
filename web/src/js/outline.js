// Editing one outline on the map with Terra Draw (terra-draw and its MapLibre adapter, from
// npm, loaded only when a planner starts editing). The outline can be dragged as a whole, its
// corners dragged, added (the midpoints) and removed (right-click), or drawn anew; the arrow
// buttons in the panel move it without a mouse.
import { shiftPolygon } from './domain.js';

let modules = null;
function loadTerraDraw() {
  modules ??= Promise.all([import('terra-draw'), import('terra-draw-maplibre-gl-adapter')]);
  return modules;
}

// Terra Draw wants #rrggbb colours.
const EDIT = '#0b5cad';
const EDIT_FILL = '#5aa0e6';
const POINT = '#ffffff';

export class OutlineEditor {
  /** `map` is the MapLibre map; `onChange()` is called after every change of the outline. */
  constructor(map, { onChange } = {}) {
    this.map = map;
    this.onChange = onChange || (() => {});
    this.draw = null;
    this.id = null;
    this.original = null;
    this.drawing = false;
  }

  get active() {
    return Boolean(this.draw);
  }

  /** Start editing a copy of `geometry` (a GeoJSON Polygon in lon/lat). */
  async start(geometry) {
    if (this.draw) this.stop();
    const [td, { TerraDrawMapLibreGLAdapter }] = await loadTerraDraw();
    const draw = new td.TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map: this.map, prefixId: 'outline-edit', coordinatePrecision: 9 }),
      modes: [
        new td.TerraDrawSelectMode({
          // Keyboard shortcuts of Terra Draw would delete or deselect the outline: off.
          keyEvents: null,
          allowManualDeselection: false,
          flags: {
            polygon: {
              feature: {
                draggable: true,
                coordinates: { draggable: true, midpoints: true, deletable: true },
              },
            },
          },
          styles: {
            selectedPolygonColor: EDIT_FILL,
            selectedPolygonFillOpacity: 0.35,
            selectedPolygonOutlineColor: EDIT,
            selectedPolygonOutlineWidth: 3,
            selectionPointColor: POINT,
            selectionPointOutlineColor: EDIT,
            selectionPointWidth: 5,
            selectionPointOutlineWidth: 2.5,
            midPointColor: EDIT,
            midPointOutlineColor: POINT,
            midPointWidth: 3.5,
            midPointOutlineWidth: 1.5,
          },
        }),
        new td.TerraDrawPolygonMode({
          styles: {
            fillColor: EDIT_FILL, fillOpacity: 0.35, outlineColor: EDIT, outlineWidth: 3,
            closingPointColor: POINT, closingPointOutlineColor: EDIT, closingPointWidth: 6, closingPointOutlineWidth: 2.5,
          },
        }),
      ],
    });
    draw.start();
    draw.setMode('select');
    this.draw = draw;
    this.original = structuredClone(geometry);
    this.id = this.add(geometry);
    draw.on('change', (ids, type) => {
      if (type === 'styling') return;
      if (!this.drawing || type === 'delete') this.onChange();
    });
    draw.on('finish', (id, context) => {
      if (this.drawing && context?.mode === 'polygon') {
        this.drawing = false;
        this.id = id;
        draw.setMode('select');
        draw.selectFeature(id);
        this.onChange();
      }
    });
  }

  add(geometry) {
    const id = this.draw.getFeatureId();
    const [result] = this.draw.addFeatures([{ id, type: 'Feature', geometry: structuredClone(geometry), properties: { mode: 'polygon' } }]);
    if (!result.valid) throw new Error(`the outline cannot be edited: ${result.reason || 'invalid'}`);
    this.draw.selectFeature(id);
    return id;
  }

  /** The outline as it is now (null while a new one is being drawn). */
  geometry() {
    if (!this.draw || this.drawing || this.id === null) return null;
    const f = this.draw.getSnapshotFeature(this.id);
    return f ? { type: 'Polygon', coordinates: f.geometry.coordinates } : null;
  }

  /** Whether the outline differs from the one editing started with. */
  changed() {
    const g = this.geometry();
    return this.drawing || (g !== null && JSON.stringify(g.coordinates) !== JSON.stringify(this.original.coordinates));
  }

  /** Move the outline by metres east and north. */
  move(east, north) {
    const g = this.geometry();
    if (!g) return;
    this.replace(shiftPolygon(g, east, north));
  }

  /** Put `geometry` in place of the outline being edited. */
  replace(geometry) {
    if (!this.draw) return;
    if (this.drawing) {
      this.drawing = false;
      this.draw.setMode('select');
    }
    if (this.id !== null && this.draw.hasFeature(this.id)) {
      this.draw.deselectFeature(this.id);
      this.draw.removeFeatures([this.id]);
    }
    this.id = this.add(geometry);
    this.onChange();
  }

  /** Back to the outline editing started with. */
  reset() {
    if (this.original) this.replace(this.original);
  }

  /** Throw the outline away and draw a new one: click the corners, click the first to close. */
  redraw() {
    if (!this.draw) return;
    if (this.id !== null && this.draw.hasFeature(this.id)) {
      this.draw.deselectFeature(this.id);
      this.draw.removeFeatures([this.id]);
    }
    this.id = null;
    this.drawing = true;
    this.draw.setMode('polygon');
    this.onChange();
  }

  stop() {
    if (!this.draw) return;
    try {
      this.draw.stop();
    } catch (e) {
      console.warn('outline editor:', e);
    }
    this.draw = null;
    this.id = null;
    this.drawing = false;
    this.original = null;
  }
}
