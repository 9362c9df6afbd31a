// The plots and buildings the page has asked the server for, one at a time: the selected
// feature and a plot's buildings (OGC API – Features, by reference). Nothing here holds a whole
// collection: the map draws from tiles and the list asks for one page at a time.
import { request } from './api.js';

/** How many features are kept; the oldest are forgotten first. */
const KEEP = 500;

export class FeatureStore {
  /**
   * `clean(collection, feature)` turns an OGC item into what the page shows (public properties);
   * `getJson(path)` fetches (an ApiError with `status` when it fails).
   */
  constructor({ clean = (c, f) => f, getJson = async (path) => (await request(path)).json() } = {}) {
    this.clean = clean;
    this.getJson = getJson;
    /** Plots and buildings by reference: a feature, null when the server has none, absent while unknown. */
    this.plots = new Map();
    this.buildings = new Map();
    /** A plot's buildings (features, by reference) by the plot's reference, once asked for. */
    this.buildingsByPlot = new Map();
    /** The development areas by slug (GET /areas: a handful, loaded whole). */
    this.areas = new Map();
    this.pending = new Map();
  }

  setAreas(fc) {
    this.areas = new Map(fc.features.map((f) => [f.properties.slug, f]));
  }

  /** The feature a selection ({kind, key}) names: undefined while it is not loaded. */
  get(sel) {
    if (!sel) return undefined;
    if (sel.kind === 'plot') return this.plots.get(sel.key);
    if (sel.kind === 'building') return this.buildings.get(sel.key);
    return this.areas.get(sel.key) ?? null;
  }

  /** Load what a selection shows (a plot with its buildings, a building); resolves to the feature. */
  async load(sel, { force = false } = {}) {
    if (sel.kind === 'plot') {
      const [plot] = await Promise.all([this.item('plots', sel.key, force), this.loadBuildingsOf(sel.key, force)]);
      return plot;
    }
    if (sel.kind === 'building') return this.item('buildings', sel.key, force);
    return this.areas.get(sel.key) ?? null;
  }

  /** One plot or building by reference, from the store or the server. */
  item(collection, ref, force = false) {
    const map = this[collection];
    if (!force && map.has(ref)) return Promise.resolve(map.get(ref));
    return this.once(`${collection}/${ref}`, async () => {
      let feature = null;
      try {
        feature = this.clean(collection, await this.getJson(`collections/${collection}/items/${encodeURIComponent(ref)}`));
      } catch (e) {
        if (e.status !== 404) throw e;
      }
      this.remember(map, ref, feature);
      return feature;
    });
  }

  /** The buildings of a plot (by its reference), sorted by reference. */
  loadBuildingsOf(plotRef, force = false) {
    if (!force && this.buildingsByPlot.has(plotRef)) return Promise.resolve(this.buildingsByPlot.get(plotRef));
    return this.once(`buildings-of/${plotRef}`, async () => {
      const query = new URLSearchParams({ plot: plotRef, limit: '1000', sortby: 'reference' });
      const body = await this.getJson(`collections/buildings/items?${query}`);
      const list = (body.features || []).map((f) => this.clean('buildings', f));
      for (const b of list) this.remember(this.buildings, b.properties.reference, b);
      this.remember(this.buildingsByPlot, plotRef, list);
      return list;
    });
  }

  /**
   * A changed (or deleted: feature null) plot or building, from an edit or the change stream.
   * Returns whether the store held it (so that whoever shows it should draw it again).
   */
  put(collection, ref, feature) {
    const map = this[collection];
    const held = map.has(ref);
    if (held || feature) this.remember(map, ref, feature);
    if (collection === 'buildings') {
      // Its plot's list of buildings is asked for again when next shown.
      for (const [plotRef, list] of this.buildingsByPlot) {
        if (list.some((b) => b.properties.reference === ref) || plotRef === feature?.properties.plot) this.buildingsByPlot.delete(plotRef);
      }
    }
    return held;
  }

  once(key, load) {
    if (!this.pending.has(key)) {
      this.pending.set(key, load().finally(() => this.pending.delete(key)));
    }
    return this.pending.get(key);
  }

  remember(map, key, value) {
    map.delete(key);
    map.set(key, value);
    while (map.size > KEEP) map.delete(map.keys().next().value);
  }
}
