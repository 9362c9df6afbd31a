// The map page on 100,000 plots: a database of its own on the server of DATABASE_URL (the
// synthetic area "benchtown" of scripts/bench-db.sh: 30 m plots in a square grid, one building
// each, every other one DGNB Gold), a plotline of its own (PLOTLINE_BIN) serving it, and the
// page opened on it. Prints the figures issue 13 asks for and asserts generous bounds (three
// times the targets), so that a slow machine does not make it fail:
//   first plots drawn < 3 s, the list's first page < 1 s, start-up data < 1 MB, server peak RSS < 200 MB.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launch } from './helpers.mjs';

const PLOTS = Number(process.env.PLOTLINE_SCALE_PLOTS || 100_000);
const BIN = process.env.PLOTLINE_BIN;
const DATABASE_URL = process.env.DATABASE_URL;
const WEB_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
const T = { timeout: 300_000 };
const skip = !BIN || !DATABASE_URL ? 'needs PLOTLINE_BIN and DATABASE_URL (scripts/browser-test.sh)' : false;

// The targets of issue 13; the test fails only beyond three times these.
const TARGETS = { firstPlotsMs: 3000, firstPageMs: 1000, startupBytes: 1_000_000, peakRssBytes: 200 * 1024 * 1024 };
const BOUND = 3;

const psql = (url, ...args) => execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, ...args], { encoding: 'utf8' });

/**
 * Benchtown as scripts/bench-db.sh makes it, PLOTS plots instead of a million. The history
 * triggers are off while it is loaded (on again afterwards): recording 200,000 first versions
 * would take the test from about 20 s to about 100 s, and the page reads no history at start.
 */
function generateSql(plots) {
  const side = Math.ceil(Math.sqrt(plots));
  return `
BEGIN;
ALTER TABLE plots DISABLE TRIGGER plots_history;
ALTER TABLE buildings DISABLE TRIGGER buildings_history;
INSERT INTO areas (slug, name, boundary, target_dgnb_level, development)
VALUES ('benchtown', 'Benchtown',
        ST_Multi(ST_MakeEnvelope(700000, 6170000, 700000 + 30 * ${side}, 6170000 + 30 * ${side}, 25832)), 'gold', 'new_town');
INSERT INTO plots (reference, area_id, boundary, land_use, status, max_plot_ratio_pct, planned_homes, planned_jobs)
SELECT 'B-' || i, a.id,
       ST_MakeEnvelope(700000 + 30 * (i % ${side}), 6170000 + 30 * (i / ${side}),
                       700030 + 30 * (i % ${side}), 6170030 + 30 * (i / ${side}), 25832),
       (ARRAY['residential','office','life_science','production','retail_service','mixed','public_institution','green_recreational','infrastructure'])[1 + i % 9],
       (ARRAY['planned','available','reserved','sold','under_construction','built','withdrawn'])[1 + i % 7],
       100, i % 5, i % 11
FROM areas a, generate_series(0, ${plots} - 1) AS i WHERE a.slug = 'benchtown';
INSERT INTO buildings (reference, plot_id, name, footprint, floor_area_residential_m2, floor_area_office_m2, construction_status)
SELECT 'B-' || p.id || '-A', p.id, 'Building ' || p.id, ST_Buffer(ST_Centroid(p.boundary), 10, 'quad_segs=1 endcap=square'),
       400 * (p.id % 2), 400 * ((p.id + 1) % 2), 'completed'
FROM plots p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'benchtown';
INSERT INTO dgnb_records (building_id, phase, target_level, achieved_level, total_score_pct, issued_on)
SELECT b.id, 'certificate', 'gold', 'gold', 70, DATE '2025-01-01'
FROM buildings b WHERE b.reference LIKE 'B-%' AND b.id % 2 = 0;
ALTER TABLE plots ENABLE TRIGGER plots_history;
ALTER TABLE buildings ENABLE TRIGGER buildings_history;
COMMIT;
ANALYZE;`;
}

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

/** Peak resident memory of a process (VmHWM, bytes). */
function peakRss(pid) {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return kb ? Number(kb[1]) * 1024 : NaN;
}

let browser;
let server;
let base;
let dbUrl;
let adminUrl;
let dbName;
let generationMs;

before(async () => {
  if (skip) return;
  const root = DATABASE_URL.split('?')[0];
  dbName = `plotline_scale_${process.pid}`;
  adminUrl = DATABASE_URL;
  dbUrl = `${root.slice(0, root.lastIndexOf('/'))}/${dbName}${DATABASE_URL.slice(root.length)}`;
  psql(adminUrl, '-c', `CREATE DATABASE ${dbName}`);
  execFileSync(BIN, ['migrate'], { env: { ...process.env, DATABASE_URL: dbUrl }, stdio: ['ignore', 'ignore', 'inherit'] });
  const started = performance.now();
  psql(dbUrl, '-c', generateSql(PLOTS));
  generationMs = performance.now() - started;
  console.log(`scale: ${PLOTS.toLocaleString('en-GB')} plots and buildings generated in ${(generationMs / 1000).toFixed(1)} s`);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, DATABASE_URL: dbUrl, PLOTLINE_WEB_DIR: WEB_DIR }, stdio: 'ignore',
  });
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) {
    server.kill();
    await new Promise((r) => server.once('exit', r));
  }
  if (dbName) psql(adminUrl, '-c', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

describe(`the map page on ${PLOTS.toLocaleString('en-GB')} plots`, { skip }, () => {
  test('draws the first plots and lists the first page quickly, with a small start-up download and a lean server', T, async () => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    // Every response until the page is ready, with its size as it came over the wire.
    const responses = [];
    let counting = true;
    page.on('requestfinished', async (request) => {
      if (!counting) return;
      const entry = { url: request.url(), bytes: 0 };
      responses.push(entry);
      const sizes = await request.sizes().catch(() => null);
      if (sizes) entry.bytes = sizes.responseBodySize + sizes.responseHeadersSize;
    });
    try {
      await page.goto(`${base}/?basemap=none`);
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 120_000 });
      assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
      counting = false;
      const timings = await page.evaluate(() => window.plotline.timings);
      const rss = peakRss(server.pid);
      // When the page asked for the list's first page and how long the server took over it.
      const pageRequest = await page.evaluate(() => {
        const e = performance.getEntriesByType('resource').find((r) => /\/collections\/plots\/items\?.*offset=0/.test(r.name));
        return e ? { asked: e.startTime, took: e.responseEnd - e.startTime } : null;
      });
      const isStatic = (url) => /\/(vendor|js)\/|\.(css|svg|html)$|\/$|\/\?basemap/.test(new URL(url).pathname + new URL(url).search);
      const data = responses.filter((r) => !isStatic(r.url));
      const tiles = data.filter((r) => /\/tiles\/WebMercatorQuad\/\d+\//.test(r.url));
      const dataBytes = data.reduce((a, r) => a + r.bytes, 0);
      const tileBytes = tiles.reduce((a, r) => a + r.bytes, 0);
      const allBytes = responses.reduce((a, r) => a + r.bytes, 0);
      const kb = (b) => `${Math.round(b / 1024).toLocaleString('en-GB')} KB`;
      console.log([
        `scale: first plots drawn after ${Math.round(timings.firstPlots)} ms (target < ${TARGETS.firstPlotsMs} ms)`,
        `scale: the list's first page after ${Math.round(timings.firstPage)} ms (target < ${TARGETS.firstPageMs} ms; `
          + `asked for after ${Math.round(pageRequest?.asked)} ms, answered in ${Math.round(pageRequest?.took)} ms)`,
        `scale: start-up data ${kb(dataBytes)} in ${data.length} requests, ${kb(tileBytes)} of it in ${tiles.length} tiles (target < 1 MB); `
          + `with the page's own files ${kb(allBytes)}`,
        `scale: server peak RSS ${Math.round(rss / 1024 / 1024)} MB (target < 200 MB)`,
        `scale: (map style loaded after ${Math.round(timings.mapLoaded)} ms, tiles asked for after ${Math.round(timings.tilesShown)} ms)`,
        `scale: map idle after ${Math.round(timings.firstRender)} ms at zoom ${(await page.evaluate(() => window.plotlineMap.getZoom())).toFixed(2)}`,
      ].join('\n'));

      assert.deepEqual(pageErrors.map(String), []);
      assert.ok(timings.firstPlots > 0 && timings.firstPlots < BOUND * TARGETS.firstPlotsMs, `first plots after ${timings.firstPlots} ms`);
      assert.ok(timings.firstPage > 0 && timings.firstPage < BOUND * TARGETS.firstPageMs, `first page after ${timings.firstPage} ms`);
      assert.ok(dataBytes < BOUND * TARGETS.startupBytes, `start-up data ${dataBytes} bytes`);
      assert.ok(!data.some((r) => /^\/(plots|buildings)$/.test(new URL(r.url).pathname)), 'no whole-collection GeoJSON');
      assert.ok(rss < BOUND * TARGETS.peakRssBytes, `server peak RSS ${rss} bytes`);

      // The list is one page of the server's count; the map draws plots from the tiles.
      const caption = `Plots: ${PLOTS.toLocaleString('en-GB')} of ${PLOTS.toLocaleString('en-GB')}`;
      assert.equal(await page.textContent('#plot-list caption .caption-title'), caption);
      assert.equal(await page.locator('#plot-list tbody tr[data-ref]').count(), 100);
      assert.ok(await page.evaluate(() => window.plotlineMap.queryRenderedFeatures({ layers: ['plots-fill'] }).length > 0));
      assert.ok(await page.locator('.plot-label').count() <= 300, 'no label per plot');

      // A filter and the next page come from the server; a row opens its plot.
      await page.selectOption('#filter-status', 'available');
      await page.evaluate(() => window.plotline.idle());
      const available = Math.ceil((PLOTS - 1) / 7);
      assert.equal(await page.textContent('#plot-list caption .caption-title'),
        `Plots: ${available.toLocaleString('en-GB')} of ${PLOTS.toLocaleString('en-GB')}`);
      const statuses = await page.evaluate(() => [...new Set(window.plotlineMap.queryRenderedFeatures({ layers: ['plots-fill'] }).map((f) => f.properties.status))]);
      assert.deepEqual(statuses, ['available']);
      await page.click('.pager [data-page="next"]');
      await page.evaluate(() => window.plotline.listSettled());
      assert.match(await page.textContent('.pager-range'), /^101–200 of /);
      const ref = await page.getAttribute('#plot-list tbody tr[data-ref]', 'data-ref');
      await page.click(`#plot-list tr[data-ref="${ref}"]`);
      await page.waitForSelector('#panel dd[data-field="status"]');
      assert.equal(await page.textContent('#panel-title'), `Plot ${ref}`);
      assert.equal(await page.textContent('#panel dd[data-field="status"]'), 'Available');
      // Half the buildings are Gold: too many to list their plots, so both the list and the map
      // read each plot's best level.
      await page.selectOption('#filter-status', '');
      await page.selectOption('#filter-dgnb', 'gold');
      await page.evaluate(() => window.plotline.idle());
      const gold = await (await fetch(`${base}/collections/plots/items?limit=1&filter=${encodeURIComponent("best_dgnb_level = 'gold'")}`)).json();
      assert.ok(gold.numberMatched > 1000);
      assert.equal(await page.textContent('#plot-list caption .caption-title'),
        `Plots: ${gold.numberMatched.toLocaleString('en-GB')} of ${PLOTS.toLocaleString('en-GB')}`);
      const levels = await page.evaluate(() => [...new Set(window.plotlineMap.queryRenderedFeatures({ layers: ['plots-fill'] }).map((f) => f.properties.best_dgnb_level))]);
      assert.deepEqual(levels, ['gold']);
      const rssAfter = peakRss(server.pid);
      console.log(`scale: server peak RSS after filters, a page and a selection ${Math.round(rssAfter / 1024 / 1024)} MB`);
      assert.ok(rssAfter < BOUND * TARGETS.peakRssBytes, `server peak RSS ${rssAfter} bytes`);
    } finally {
      await context.close();
    }
  });
});
