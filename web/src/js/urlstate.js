// The page's state in the URL hash, so that a link shows the same view, filters and selection:
//   #map=14.2/55.7512/12.2871&area=kildedal&status=available&use=office&dgnb=gold&cluster=life_science
//    &near=750&colour=land_use (or colour=cluster)&plot=KD-03 (or building=KD-03-A, or figures=kildedal)&lang=en
// The basemap is chosen in the query string instead (?basemap=none), as a setting of the page.
import { emptyFilters } from './domain.js';

const FILTER_KEYS = ['area', 'status', 'use', 'dgnb', 'cluster'];
/** How the map may be coloured: plots by status (the default) or land use, or buildings by cluster. */
const COLOURINGS = ['status', 'land_use', 'cluster'];
const SELECTION_KINDS = ['plot', 'building', 'figures'];

/** Parse a hash ("#…" or "") into { view, filters, colourBy, selection, lang, layers }. */
export function parseHash(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const state = { view: null, filters: emptyFilters(), colourBy: 'status', selection: null, lang: null, hidden: [] };

  const map = params.get('map');
  if (map) {
    const [z, lat, lon] = map.split('/').map(Number);
    if ([z, lat, lon].every(Number.isFinite) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      state.view = { zoom: z, center: [lon, lat] };
    }
  }
  for (const key of FILTER_KEYS) {
    const v = params.get(key);
    if (v && /^[a-z0-9_-]+$/.test(v)) state.filters[key] = v;
  }
  const near = Number(params.get('near'));
  if (params.get('near') && Number.isFinite(near) && near >= 0) state.filters.near = near;
  if (COLOURINGS.includes(params.get('colour'))) state.colourBy = params.get('colour');
  for (const kind of SELECTION_KINDS) {
    const v = params.get(kind);
    if (v) {
      state.selection = { kind, key: v };
      break;
    }
  }
  const lang = params.get('lang');
  if (lang === 'da' || lang === 'en') state.lang = lang;
  const hide = params.get('hide');
  if (hide) state.hidden = hide.split(',').filter(Boolean);
  return state;
}

// Characters kept readable in the hash; everything else is percent-encoded.
const enc = (v) => encodeURIComponent(v).replace(/%2F/gi, '/').replace(/%2C/gi, ',');

/** The hash for a state (the inverse of parseHash). */
export function formatHash({ view, filters, colourBy, selection, lang, hidden }) {
  const parts = [];
  if (view) {
    const [lon, lat] = view.center;
    parts.push(`map=${view.zoom.toFixed(2)}/${lat.toFixed(5)}/${lon.toFixed(5)}`);
  }
  for (const key of FILTER_KEYS) if (filters[key]) parts.push(`${key}=${enc(filters[key])}`);
  if (filters.near !== null && filters.near !== undefined) parts.push(`near=${filters.near}`);
  if (colourBy && colourBy !== 'status' && COLOURINGS.includes(colourBy)) parts.push(`colour=${colourBy}`);
  if (selection) parts.push(`${selection.kind}=${enc(selection.key)}`);
  if (hidden && hidden.length) parts.push(`hide=${enc(hidden.join(','))}`);
  if (lang) parts.push(`lang=${lang}`);
  return parts.length ? `#${parts.join('&')}` : '';
}

/**
 * The basemap from the query string: `?basemap=none` for none, `?basemap=<url template with
 * {z}/{x}/{y}>` for another raster tile service, otherwise OpenStreetMap.
 */
export function basemapFromQuery(search) {
  const value = new URLSearchParams(search).get('basemap');
  if (value === 'none' || value === 'off') return null;
  if (value && /^https?:\/\/.+\{z\}.+\{x\}.+\{y\}/.test(value)) {
    return { tiles: [value], attribution: new URLSearchParams(search).get('attribution') || '' };
  }
  return {
    tiles: ['https://tile.openstreetmap.org/{z}/{x}/{y}.png'],
    attribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>',
  };
}
