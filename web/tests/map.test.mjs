// Browser tests of the map page against a running plotline (PLOTLINE_URL) with the Ballerup data.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BASE, BUILDINGS_LAYER, TILE_HOST, api, clickMapAt, interiorPoint, launch, listedPlots, mapBounds, mapIdle,
  openPage, renderedPlots, sorted,
} from './helpers.mjs';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SUMMARY_FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/summary-kildedal.json', import.meta.url), 'utf8'));
const T = { timeout: 90_000 };

const en = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const da = new Intl.NumberFormat('da-DK', { maximumFractionDigits: 0 });
const EN_LEVEL = { silver: 'Silver', gold: 'Gold', platinum: 'Platinum' };
const dgnbClass = (p) => ((p.dgnb_phase === 'certificate' || p.dgnb_phase === 'in_use') && p.dgnb_achieved_level
  ? p.dgnb_achieved_level : p.dgnb_phase === 'pre_certificate' ? 'pre_certificate' : 'none');
const refs = (features) => sorted(features.map((f) => f.properties.reference));

let browser;
let plots; // /plots as served
let buildings; // /buildings as served

before(async () => {
  [plots, buildings] = await Promise.all([api('/plots'), api('/buildings')]);
  assert.ok(plots.features.length > 10, 'the test data set has plots');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

describe('loading', () => {
  test('the page loads with no console errors and lists every plot (no basemap)', T, async () => {
    const { page, context, consoleMessages, failedRequests, pageErrors } = await openPage(browser, '/?basemap=none');
    try {
      assert.deepEqual(pageErrors.map(String), []);
      assert.deepEqual(consoleMessages.filter((m) => m.type === 'error'), []);
      assert.deepEqual(failedRequests, []);
      assert.deepEqual(sorted(await listedPlots(page)), refs(plots.features));
      const caption = await page.textContent('#plot-list caption .caption-title');
      assert.equal(caption, `Plots: ${plots.features.length} of ${plots.features.length}`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      assert.equal(await page.isVisible('.basemap-toggle'), false, 'no basemap switch without a basemap');
    } finally {
      await context.close();
    }
  });

  test('with the default basemap unreachable, only tile requests fail and our layers still render', T, async () => {
    const { page, context, consoleMessages, failedRequests, pageErrors } = await openPage(browser, '/');
    try {
      assert.deepEqual(pageErrors.map(String), []);
      for (const r of failedRequests) assert.equal(new URL(r.url).hostname, TILE_HOST, `unexpected failed request ${r.url}`);
      for (const m of consoleMessages.filter((x) => x.type === 'error')) {
        assert.equal(new URL(m.url).hostname, TILE_HOST, `unexpected console error: ${m.text} (${m.url})`);
      }
      const rendered = await renderedPlots(page);
      assert.deepEqual(rendered.map((p) => p.reference), refs(plots.features));
      assert.match(await page.textContent('.maplibregl-ctrl-attrib'), /OpenStreetMap contributors/);
      if (failedRequests.length) {
        // The build machines have no internet: the page says the basemap is missing, and goes on.
        assert.equal(await page.getAttribute('body', 'data-basemap'), 'failed');
        assert.match(await page.textContent('#map-note'), /basemap could not be loaded/);
      } else {
        assert.equal(await page.getAttribute('body', 'data-basemap'), null, 'tiles loaded: no notice');
      }
    } finally {
      await context.close();
    }
  });

  test('text has enough contrast against its background', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none#plot=KD-03');
    try {
      const worst = await page.evaluate(() => {
        const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => {
          const c = [r, g, b].map((v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        };
        const background = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) return c;
          }
          return [255, 255, 255];
        };
        const selectors = ['.tagline', '.filters h2', '.field span', '.hint', '.segmented span', '#plot-list caption',
          '#plot-list thead button', '#plot-list tbody th', '#plot-list tbody td', '.legend h3', '.legend-list span',
          '.panel dt', '.panel dd', '.panel .note', '.area-label', '.station-label', '.route-label', '.lang-switch button'];
        let min = { ratio: Infinity };
        for (const sel of selectors) {
          const els = [...document.querySelectorAll(sel)].filter((e) => e.getClientRects().length);
          if (!els.length) return { sel, ratio: 0, missing: true };
          for (const el of els.slice(0, 20)) {
            const a = lum(rgb(getComputedStyle(el).color));
            const b = lum(background(el));
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < min.ratio) min = { sel, ratio, text: el.textContent.trim().slice(0, 30) };
          }
        }
        return min;
      });
      assert.ok(!worst.missing, `nothing matched ${worst.sel}`);
      assert.ok(worst.ratio >= 4.5, `contrast ${worst.ratio.toFixed(2)} < 4.5 for ${worst.sel} "${worst.text}"`);
    } finally {
      await context.close();
    }
  });
});

describe('map and list', () => {
  test('the map renders the plots /plots serves in view', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none');
    try {
      // The first view shows both areas: everything /plots serves for its bounds is drawn.
      const inView = await api(`/plots?bbox=${(await mapBounds(page)).join(',')}`);
      assert.equal(inView.features.length, plots.features.length, 'the first view holds every plot');
      assert.deepEqual((await renderedPlots(page)).map((p) => p.reference), refs(inView.features));

      // Closer in, on Kildedal St.: nothing drawn that the API does not serve for the view, and
      // everything the API serves well inside the view is drawn (edges may cut either way).
      await page.evaluate(() => window.plotlineMap.jumpTo({ center: [12.2867, 55.7519], zoom: 16 }));
      await mapIdle(page);
      const [w, s, e, n] = await mapBounds(page);
      const view = refs((await api(`/plots?bbox=${[w, s, e, n].join(',')}`)).features);
      const dx = (e - w) * 0.1;
      const dy = (n - s) * 0.1;
      const inner = refs((await api(`/plots?bbox=${[w + dx, s + dy, e - dx, n - dy].join(',')}`)).features);
      const rendered = (await renderedPlots(page)).map((p) => p.reference);
      assert.ok(rendered.length >= 3 && rendered.length < plots.features.length, `a part of the plots is drawn (${rendered.length})`);
      for (const ref of rendered) assert.ok(view.includes(ref), `${ref} is drawn but not served for the view`);
      for (const ref of inner) assert.ok(rendered.includes(ref), `${ref} is served for the view but not drawn`);
    } finally {
      await context.close();
    }
  });

  test('a status filter changes both the map and the list', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none');
    try {
      const expected = refs(plots.features.filter((f) => f.properties.status === 'available'));
      assert.ok(expected.length > 0, 'the data has available plots');
      await page.selectOption('#filter-status', 'available');
      const rendered = await renderedPlots(page);
      assert.ok(rendered.every((p) => p.status === 'available'), 'only available plots are drawn');
      assert.equal(rendered.length, expected.length);
      assert.deepEqual(rendered.map((p) => p.reference), expected);
      assert.deepEqual(sorted(await listedPlots(page)), expected);
      assert.equal(await page.textContent('#plot-list caption .caption-title'), `Plots: ${expected.length} of ${plots.features.length}`);
      assert.match(await page.evaluate(() => location.hash), /(^#|&)status=available(&|$)/);

      await page.click('button[type="reset"]');
      assert.equal((await renderedPlots(page)).length, plots.features.length, 'reset shows every plot again');
      assert.equal((await listedPlots(page)).length, plots.features.length);
    } finally {
      await context.close();
    }
  });

  test('distance, land-use and DGNB filters agree with the API', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none');
    try {
      await page.fill('#filter-near', '300');
      const near = refs(plots.features.filter((f) => f.properties.nearest_station_distance_m !== null && f.properties.nearest_station_distance_m <= 300));
      assert.ok(near.length > 0 && near.length < plots.features.length);
      await page.waitForFunction((n) => document.querySelectorAll('#plot-list tbody tr[data-ref]').length === n, near.length);
      assert.deepEqual(sorted(await listedPlots(page)), near);
      assert.deepEqual((await renderedPlots(page)).map((p) => p.reference), near);

      await page.fill('#filter-near', '');
      await page.selectOption('#filter-use', 'office');
      const office = refs(plots.features.filter((f) => f.properties.land_use === 'office'));
      assert.deepEqual(sorted(await listedPlots(page)), office);
      assert.deepEqual((await renderedPlots(page)).map((p) => p.reference), office);

      await page.selectOption('#filter-use', '');
      await page.selectOption('#filter-dgnb', 'gold');
      const goldBuildings = buildings.features.filter((b) => dgnbClass(b.properties) === 'gold');
      assert.ok(goldBuildings.length > 0, 'the data has Gold-certified buildings');
      assert.deepEqual(sorted(await listedPlots(page)), sorted([...new Set(goldBuildings.map((b) => b.properties.plot))]));
      await mapIdle(page);
      // The tiles carry a building's DGNB phase and levels; its class is derived from them.
      const drawnBuildings = [...new Set((await page.evaluate((layer) => window.plotlineMap.queryRenderedFeatures({ layers: [layer] })
        .map((f) => f.properties), BUILDINGS_LAYER)).map((p) => `${p.reference}:${dgnbClass(p)}`))].sort();
      assert.deepEqual(drawnBuildings, sorted(goldBuildings.map((b) => `${b.properties.reference}:gold`)));
    } finally {
      await context.close();
    }
  });

  test('the list works with the keyboard and selects in the map too', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none');
    try {
      const zoomBefore = await page.evaluate(() => window.plotlineMap.getZoom());
      await page.focus('#plot-list tbody tr[tabindex="0"]');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      const ref = await page.evaluate(() => document.activeElement.dataset.ref);
      assert.equal(ref, (await listedPlots(page))[2]);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#panel:not([hidden])');
      assert.equal(await page.textContent('#panel-title'), `Plot ${ref}`);
      assert.equal(await page.getAttribute(`#plot-list tr[data-ref="${ref}"]`, 'aria-current'), 'true');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.ref), ref, 'focus stays in the list');
      await page.waitForFunction((z) => window.plotlineMap.getZoom() > z + 1 && !window.plotlineMap.isMoving(), zoomBefore);
      const highlighted = await page.evaluate(() => window.plotlineMap.getFilter('plots-selected'));
      assert.deepEqual(highlighted, ['==', ['get', 'reference'], ref]);
      // The selected plot is in the middle of the view now.
      const plot = plots.features.find((f) => f.properties.reference === ref);
      const { point } = interiorPoint(plot.geometry);
      assert.ok(await page.evaluate((p) => window.plotlineMap.getBounds().contains(p), point));
      await page.keyboard.press('Escape');
      await page.waitForSelector('#panel', { state: 'hidden' });
    } finally {
      await context.close();
    }
  });
});

describe('details', () => {
  test('clicking a plot on the map opens its panel with its distances', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none');
    try {
      const candidates = plots.features.filter((f) => f.properties.building_count === 0 && interiorPoint(f.geometry).inside);
      const plot = candidates.find((f) => f.properties.status === 'available') || candidates[0];
      assert.ok(plot, 'a plot without buildings to click on');
      const p = plot.properties;
      await clickMapAt(page, interiorPoint(plot.geometry).point, 16.5);
      await page.waitForSelector('#panel:not([hidden])');
      assert.equal(await page.textContent('#panel-title'), `Plot ${p.reference}`);
      const station = await page.textContent('#panel dd[data-field="nearest_station_distance_m"]');
      assert.equal(station, `${p.nearest_station}, ${en.format(Math.round(p.nearest_station_distance_m))} m (straight line)`);
      const cycle = await page.textContent('#panel dd[data-field="nearest_cycle_superhighway_distance_m"]');
      assert.ok(cycle.startsWith(`${p.nearest_cycle_superhighway}, ${en.format(Math.round(p.nearest_cycle_superhighway_distance_m))} m`), cycle);
      assert.equal(await page.textContent('#panel dd[data-field="lokalplan"]'), p.lokalplan);
      assert.equal(await page.textContent('#panel dd[data-field="plot_area_m2"]'),
        `${en.format(Math.round(p.plot_area_m2))} m² (${p.plot_area_ha.toFixed(2)} ha)`);
      assert.equal(await page.getAttribute(`#plot-list tr[data-ref="${p.reference}"]`, 'aria-current'), 'true');
      assert.match(await page.evaluate(() => location.hash), new RegExp(`(^#|&)plot=${p.reference}(&|$)`));
    } finally {
      await context.close();
    }
  });

  test('clicking a building opens it with its DGNB record, and its plot is marked', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none');
    try {
      const building = buildings.features.find((b) => b.properties.dgnb_phase === 'certificate' && interiorPoint(b.geometry).inside);
      assert.ok(building, 'a certified building');
      const b = building.properties;
      await clickMapAt(page, interiorPoint(building.geometry).point, 18);
      await page.waitForSelector('#panel:not([hidden])');
      assert.equal(await page.textContent('#panel-title'), `Building ${b.reference}`);
      assert.equal(await page.textContent('#panel dd[data-field="dgnb_achieved_level"]'), EN_LEVEL[b.dgnb_achieved_level]);
      assert.equal(await page.textContent('#panel dd[data-field="dgnb_certificate_id"]'), b.dgnb_certificate_id);
      assert.equal(await page.textContent('#panel dd[data-field="nearest_station_distance_m"]'),
        `${b.nearest_station}, ${en.format(Math.round(b.nearest_station_distance_m))} m (straight line)`);
      assert.equal(await page.getAttribute(`#plot-list tr[data-ref="${b.plot}"]`, 'aria-current'), 'true');
      // From the building to its plot and back to the building through the plot's list.
      await page.click(`#panel button[data-plot="${b.plot}"]`);
      assert.equal(await page.textContent('#panel-title'), `Plot ${b.plot}`);
      await page.click(`#panel button[data-building="${b.reference}"]`);
      assert.equal(await page.textContent('#panel-title'), `Building ${b.reference}`);
    } finally {
      await context.close();
    }
  });

  test('the area panel shows the figures, or says politely that there are none yet', T, async () => {
    const real = await fetch(`${BASE}/areas/kildedal/summary`);
    const { page, context } = await openPage(browser, '/?basemap=none');
    try {
      await page.click('.area-label[data-area="kildedal"]');
      await page.waitForSelector('#panel:not([hidden])');
      assert.equal(await page.textContent('#panel-title'), 'Area Kildedal');
      if (real.status === 404) {
        await page.waitForSelector('#panel .summary .notice');
        assert.equal(await page.textContent('#panel .summary .notice'), 'Figures for this area are not available yet.');
      } else {
        assert.equal(real.status, 200);
        const s = await real.json();
        await page.waitForSelector('#panel [data-chart="status"]');
        assert.equal(await page.locator('#panel [data-chart="status"] li').count(), s.plots.by_status.filter((r) => r.count > 0).length);
        const homes = s.goals.find((g) => g.metric === 'homes' && g.scope === 'kildedal');
        if (homes) {
          assert.match(await page.textContent('#panel [data-metric="homes"]'),
            new RegExp(`${en.format(homes.built)} built, ${en.format(homes.under_construction)} under construction`));
        }
      }
    } finally {
      await context.close();
    }
  });

  test('the area panel draws every part of the summary', T, async () => {
    const fixture = SUMMARY_FIXTURE;
    const { page, context } = await openPage(browser, '/?basemap=none#area=kildedal', {
      beforeLoad: (pg) => pg.route('**/areas/kildedal/summary', (route) => route.fulfill({
        status: 200, contentType: 'application/json', body: JSON.stringify(fixture),
      })),
    });
    try {
      await page.click('#area-figures');
      await page.waitForSelector('#panel [data-chart="goals"]');
      assert.equal(await page.locator('#panel [data-chart="status"] li').count(), fixture.plots.by_status.length);
      assert.equal(await page.locator('#panel [data-chart="land_use_plot_area"] li').count(), fixture.land_use_mix.by_plot_area.length);
      assert.equal(await page.locator('#panel [data-chart="land_use_floor_area"] li').count(), fixture.land_use_mix.by_floor_area.length);
      const homes = await page.textContent('#panel [data-metric="homes"]');
      assert.match(homes, /310 built, 240 under construction, 1,460 planned – goal 2,000/);
      assert.match(homes, /16 %/, 'built share of the goal: 310 / 2000');
      assert.match(await page.textContent('#panel [data-field="housing_share"]'), /46 %.*Within the DGNB urban-area range/);
      assert.equal(await page.textContent('#panel [data-field="dgnb_compliant"]'), 'Not every building meets the requirement.');
      assert.match(await page.textContent('#panel .summary'), /KD-99-A Test building – certified silver, gold required/);
      // Lists stop at list_limit; the counts say how many there are in all.
      assert.match(await page.textContent('#panel .summary'), /Not meeting the requirement \(4\)/);
      assert.match(await page.textContent('#panel .summary'), /Not yet certified \(17\)/);
      assert.deepEqual(await page.locator('#panel [data-field="more"]').allTextContents(), [
        '… and 3 more (the first 1 by reference are shown).',
        '… and 16 more (the first 1 by reference are shown).',
      ]);
      assert.match(await page.textContent('#panel .summary'), /KD-99: 130 %/);
      assert.match(await page.textContent('#panel .summary'), /KD-20-A Kontorhuset – 4,200 m², 812 m/);
      assert.match(await page.textContent('#panel [data-chart="station_600m"]'), /Floor area.*81 %.*Homes.*77 %.*Jobs.*90 %/);
      assert.equal(await page.locator('#panel [data-chart="brt_400m"] tbody tr').count(), fixture.transit.brt_400m.length);
      assert.equal(await page.textContent('#panel [data-field="dgnb_fully_certified"]'), 'Not every building holds a certificate at Gold or better yet.');
      assert.match(await page.textContent('#panel [data-chart="dgnb_level"]'), /No DGNB.*77 %.*Gold.*23 %/);
      // The same figures in Danish.
      await page.click('.lang-switch button[data-lang="da"]');
      assert.match(await page.textContent('#panel [data-metric="homes"]'), /310 opført, 240 under opførelse, 1\.460 planlagt – mål 2\.000/);
    } finally {
      await context.close();
    }
  });
});

describe('language and links', () => {
  test('the language switch changes the labels between Danish and English', T, async () => {
    const { page, context } = await openPage(browser, '/?basemap=none', { locale: 'da-DK' });
    try {
      const kd03 = plots.features.find((f) => f.properties.reference === 'KD-03') || plots.features[0];
      const ref = kd03.properties.reference;
      const statusCell = `#plot-list tr[data-ref="${ref}"] td:nth-of-type(2)`;
      const daStatus = { available: 'Til salg', planned: 'Planlagt', built: 'Bebygget', sold: 'Solgt', reserved: 'Reserveret', under_construction: 'Under opførelse' };
      const enStatus = { available: 'Available', planned: 'Planned', built: 'Built', sold: 'Sold', reserved: 'Reserved', under_construction: 'Under construction' };

      assert.equal(await page.evaluate(() => document.documentElement.lang), 'da', 'Danish for a Danish browser');
      assert.equal(await page.textContent('#legend-title'), 'Signaturforklaring');
      assert.equal(await page.textContent('#filters-title'), 'Filtre');
      assert.equal(await page.textContent(statusCell), daStatus[kd03.properties.status]);
      assert.equal(await page.getAttribute('.lang-switch button[data-lang="da"]', 'aria-pressed'), 'true');

      await page.click('.lang-switch button[data-lang="en"]');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      assert.equal(await page.textContent('#legend-title'), 'Legend');
      assert.equal(await page.textContent('#filters-title'), 'Filters');
      assert.equal(await page.textContent(statusCell), enStatus[kd03.properties.status]);
      assert.equal(await page.textContent('#filter-status option[value="available"]'),
        `Available (${plots.features.filter((f) => f.properties.status === 'available').length})`);

      // A plot's panel follows the language, numbers included.
      await page.click(`#plot-list tr[data-ref="${ref}"]`);
      const d = Math.round(kd03.properties.nearest_station_distance_m);
      assert.equal(await page.textContent('#panel dt:has(+ dd[data-field="nearest_station_distance_m"])'), 'S-train station');
      await page.click('.lang-switch button[data-lang="da"]');
      assert.equal(await page.textContent('#panel-title'), `Grund ${ref}`);
      assert.equal(await page.textContent('#panel dd[data-field="nearest_station_distance_m"]'),
        `${kd03.properties.nearest_station}, ${da.format(d)} m (i lige linje)`);
      assert.equal(await page.textContent('#legend-title'), 'Signaturforklaring');

      // The choice is kept in the link and across a reload.
      await page.click('.lang-switch button[data-lang="en"]');
      assert.match(await page.evaluate(() => location.hash), /lang=en/);
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      assert.equal(await page.textContent('#legend-title'), 'Legend');
    } finally {
      await context.close();
    }
  });

  test('a link with view, filters and selection opens in that state', T, async () => {
    const lautrupBuilt = plots.features.filter((f) => f.properties.area === 'lautrup' && f.properties.status === 'built');
    assert.ok(lautrupBuilt.length > 1);
    const chosen = lautrupBuilt[1].properties.reference;
    const { point } = interiorPoint(lautrupBuilt[1].geometry);
    const view = `map=15.25/${point[1].toFixed(5)}/${point[0].toFixed(5)}`;
    const { page, context } = await openPage(browser, `/?basemap=none#${view}&area=lautrup&status=built&plot=${chosen}`);
    try {
      assert.equal(await page.inputValue('#filter-area'), 'lautrup');
      assert.equal(await page.inputValue('#filter-status'), 'built');
      assert.deepEqual(sorted(await listedPlots(page)), refs(lautrupBuilt));
      const rendered = await renderedPlots(page);
      assert.ok(rendered.length > 0);
      for (const p of rendered) {
        assert.equal(p.area, 'lautrup');
        assert.equal(p.status, 'built');
      }
      assert.ok(rendered.some((p) => p.reference === chosen), 'the selected plot is in view');
      assert.equal(await page.textContent('#panel-title'), `Plot ${chosen}`);
      assert.equal(await page.getAttribute(`#plot-list tr[data-ref="${chosen}"]`, 'aria-current'), 'true');
      const { zoom, center } = await page.evaluate(() => ({ zoom: window.plotlineMap.getZoom(), center: window.plotlineMap.getCenter() }));
      assert.ok(Math.abs(zoom - 15.25) < 0.01, `zoom ${zoom}`);
      assert.ok(Math.abs(center.lng - point[0]) < 1e-4 && Math.abs(center.lat - point[1]) < 1e-4, 'centre from the link');

      // Changing a filter keeps the rest of the state in the link.
      await page.selectOption('#filter-use', 'office');
      const hash = await page.evaluate(() => location.hash);
      for (const part of ['area=lautrup', 'status=built', 'use=office', `plot=${chosen}`, 'map=15.25/']) assert.ok(hash.includes(part), `${part} in ${hash}`);

      // A building link opens the building.
      const b = buildings.features[0].properties;
      await page.goto(`${BASE}/?basemap=none#building=${b.reference}&colour=land_use`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      await page.waitForSelector('#panel:not([hidden])');
      assert.equal(await page.textContent('#panel-title'), `Building ${b.reference}`);
      assert.equal(await page.isChecked('input[name="colour"][value="land_use"]'), true);
      assert.equal(await page.getAttribute('#legend .legend-list[data-legend="land_use"]', 'data-legend'), 'land_use');
    } finally {
      await context.close();
    }
  });
});

describe('looks', () => {
  test('screenshots, first render time, and a narrow screen', T, async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { page, context } = await openPage(browser, '/');
    try {
      const firstRender = await page.evaluate(() => window.plotline.timings.firstRender);
      assert.ok(firstRender > 0);
      console.log(`first render: ${Math.round(firstRender)} ms`);
      await page.screenshot({ path: `${ARTIFACTS}map.png` });
      await page.evaluate(() => { location.hash = 'plot=KD-07&colour=land_use'; });
      await page.waitForSelector('#panel:not([hidden])');
      await page.waitForFunction(() => !window.plotlineMap.isMoving());
      await mapIdle(page);
      await page.screenshot({ path: `${ARTIFACTS}map-plot.png` });
    } finally {
      await context.close();
    }

    const narrow = await openPage(browser, '/?basemap=none#plot=KD-03', { viewport: { width: 390, height: 844 } });
    try {
      const p = narrow.page;
      assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
      const mapBox = await p.locator('#map').boundingBox();
      assert.ok(mapBox.width >= 380 && mapBox.height >= 280, `the map is usable (${mapBox.width}×${mapBox.height})`);
      assert.ok(await p.isVisible('#panel'));
      assert.ok(await p.isVisible('#plot-list'));
      assert.equal((await renderedPlots(p)).some((x) => x.reference === 'KD-03'), true);
      await p.screenshot({ path: `${ARTIFACTS}map-narrow.png`, fullPage: true });
    } finally {
      await narrow.context.close();
    }
  });
});
