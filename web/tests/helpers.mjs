// Shared set-up for the browser tests: Debian's Chromium through playwright-core, a page that
// records its console, and the API the page reads, fetched directly for comparison.
import { chromium } from 'playwright-core';

export const BASE = (process.env.PLOTLINE_URL || '').replace(/\/+$/, '');
if (!BASE) throw new Error('PLOTLINE_URL is not set (scripts/browser-test.sh sets it)');

export const TILE_HOST = 'tile.openstreetmap.org';
export const PLOTS_LAYER = 'plots-fill';
export const BUILDINGS_LAYER = 'buildings-fill';

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Open `path` (relative to PLOTLINE_URL) in a new context and wait until the map has drawn our
 * layers. Returns { page, context, consoleMessages, failedRequests, pageErrors }.
 */
export async function openPage(browser, path = '/?basemap=none', { locale = 'en-GB', viewport = { width: 1280, height: 800 }, beforeLoad } = {}) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const consoleMessages = [];
  const failedRequests = [];
  const pageErrors = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text(), url: m.location()?.url || '' }));
  page.on('pageerror', (e) => pageErrors.push(e));
  page.on('requestfailed', (r) => failedRequests.push({ url: r.url(), error: r.failure()?.errorText }));
  page.on('response', (r) => {
    if (r.status() >= 400) failedRequests.push({ url: r.url(), error: `HTTP ${r.status()}` });
  });
  if (beforeLoad) await beforeLoad(page);
  await page.goto(`${BASE}${path}`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== 'true') throw new Error(`page did not get ready: ${ready}`);
  return { page, context, consoleMessages, failedRequests, pageErrors };
}

/** GET an API path as JSON. */
export async function api(path) {
  const res = await fetch(`${BASE}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** Wait until the map has drawn everything pending (after a filter, a move…). */
export async function mapIdle(page) {
  await page.evaluate(() => window.plotline.idle());
}

/** References of the plot features the map has rendered in its viewport (deduplicated, sorted). */
export async function renderedPlots(page) {
  await mapIdle(page);
  return page.evaluate((layer) => {
    const seen = new Map();
    for (const f of window.plotlineMap.queryRenderedFeatures({ layers: [layer] })) {
      seen.set(f.properties.reference, { reference: f.properties.reference, status: f.properties.status, area: f.properties.area, land_use: f.properties.land_use });
    }
    return [...seen.values()].sort((a, b) => a.reference.localeCompare(b.reference));
  }, PLOTS_LAYER);
}

/**
 * References in the list beside the map, in row order, once it shows the page for the current
 * filters (the server filters, sorts and pages the list, so it follows a filter a moment later).
 */
export async function listedPlots(page) {
  await page.evaluate(() => window.plotline.listSettled());
  return page.$$eval('#plot-list tbody tr[data-ref]', (rows) => rows.map((r) => r.dataset.ref));
}

/** The map's visible bounds as minLon,minLat,maxLon,maxLat. */
export function mapBounds(page) {
  return page.evaluate(() => window.plotlineMap.getBounds().toArray().flat());
}

export const sorted = (xs) => [...xs].sort();

/** The vertex average of a polygon's outer ring, and whether it lies inside the polygon. */
export function interiorPoint(geometry) {
  const rings = geometry.type === 'MultiPolygon' ? geometry.coordinates[0] : geometry.coordinates;
  const outer = rings[0].slice(0, -1);
  const c = outer.reduce((a, p) => [a[0] + p[0] / outer.length, a[1] + p[1] / outer.length], [0, 0]);
  return { point: c, inside: pointInRing(c, rings[0]) && !rings.slice(1).some((hole) => pointInRing(c, hole)) };
}

function pointInRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Centre the map on a point at a zoom, then click it as a person would. */
export async function clickMapAt(page, lngLat, zoom) {
  await page.evaluate(([ll, z]) => window.plotlineMap.jumpTo({ center: ll, zoom: z }), [lngLat, zoom]);
  await mapIdle(page);
  const pt = await page.evaluate((ll) => {
    const p = window.plotlineMap.project(ll);
    const r = window.plotlineMap.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, lngLat);
  await page.mouse.click(pt.x, pt.y);
}
