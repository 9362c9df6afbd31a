// Browser tests of the business clusters on the map page (issue 14), against a running plotline
// (PLOTLINE_URL) with the Ballerup data: buildings coloured and filtered by cluster, the area
// panel's figures by cluster and its goals with their periods, the clusters near a plot, and a
// building's occupants; each in Danish and in English.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { expression } from '@maplibre/maplibre-gl-style-spec';
import { BUILDINGS_LAYER, api, launch, listedPlots, mapIdle, openPage, sorted } from './helpers.mjs';

const T = { timeout: 90_000 };
const SUMMARY_FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/summary-kildedal.json', import.meta.url), 'utf8'));

const CLUSTERS = ['it_technology', 'life_science', 'finance_fintech', 'other'];
/** The contract's names of the clusters (notes/contract14.md), and of a building nobody occupies. */
const NAMES = {
  da: { it_technology: 'IT/teknologi', life_science: 'Life science', finance_fintech: 'Finans/FinTech', other: 'Andet', none: 'Ingen virksomhed' },
  en: { it_technology: 'IT/technology', life_science: 'Life science', finance_fintech: 'Finance/FinTech', other: 'Other', none: 'No occupant' },
};
const LOCALE = { da: 'da-DK', en: 'en-GB' };
const num = (lang, v) => new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 0 }).format(v);
const m2 = (lang, v) => `${num(lang, Math.round(v))} m²`;
const NOUNS = {
  da: { companies: ['virksomhed', 'virksomheder'], jobs: ['arbejdsplads', 'arbejdspladser'], homes: ['bolig', 'boliger'], plots: ['grund', 'grunde'] },
  en: { companies: ['company', 'companies'], jobs: ['job', 'jobs'], homes: ['home', 'homes'], plots: ['plot', 'plots'] },
};
/** "1 virksomhed", "2.300 arbejdspladser", "350 jobs" … */
const count = (lang, v, noun) => `${num(lang, v)} ${NOUNS[lang][noun][v === 1 ? 0 : 1]}`;
/** A cluster's line of figures: [name, "n companies · n jobs · n m²"] (floor area where given). */
async function figureLine(page, chart, cluster) {
  const li = page.locator(`#panel [data-chart="${chart}"] > li[data-cluster="${cluster}"]`);
  return [await li.locator('.figure-name').textContent(), await li.locator('.figure-values').textContent()];
}
/** What stands for a job figure the server withholds (null). */
const WITHHELD = { da: 'arbejdspladser ikke oplyst', en: 'jobs withheld' };
const figures = (lang, r) => [count(lang, r.companies, 'companies'), r.jobs === null ? WITHHELD[lang] : count(lang, r.jobs ?? 0, 'jobs'),
  ...('floor_area_m2' in r ? [m2(lang, r.floor_area_m2)] : [])].join(' · ');
const longDate = (lang, d) => new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));
const ENDED = { da: (d) => `Perioden sluttede ${longDate('da', d)}.`, en: (d) => `The period ended on ${longDate('en', d)}.` };
const RUNS = { da: (d) => `Perioden løber til ${longDate('da', d)}.`, en: (d) => `The period runs until ${longDate('en', d)}.` };
const clusterOf = (p) => p.cluster || 'none';

let browser;
let buildings; // every building with its public properties, cluster and occupants included

before(async () => {
  buildings = (await api('/collections/buildings/items?limit=10000')).features;
  assert.ok(buildings.length > 10, 'the test data set has buildings');
  assert.ok(buildings.every((b) => 'cluster' in b.properties), 'buildings have a cluster (null when nobody occupies them)');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The buildings the map draws: reference, cluster and fill colour as the layer computes it. */
async function drawnBuildings(page) {
  await mapIdle(page);
  const { fill, props } = await page.evaluate((layer) => ({
    fill: window.plotlineMap.getPaintProperty(layer, 'fill-color'),
    props: window.plotlineMap.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties),
  }), BUILDINGS_LAYER);
  // The paint expression as MapLibre evaluates it, on each drawn building's tile properties.
  const parsed = expression.createExpression(fill, 'buildings-fill.paint.fill-color');
  assert.equal(parsed.result, 'success', JSON.stringify(parsed.value));
  const colour = (p) => parsed.value.evaluate({ zoom: 14 }, { type: 'Polygon', properties: p }).toString();
  const seen = new Map();
  for (const p of props) seen.set(p.reference, { reference: p.reference, cluster: clusterOf(p), colour: colour(p) });
  return [...seen.values()].sort((a, b) => a.reference.localeCompare(b.reference));
}

for (const lang of ['da', 'en']) {
  describe(`clusters on the map (${lang})`, () => {
    test('colouring by cluster gives each building the colour of its cluster, and the legend names them', T, async () => {
      const { page, context, pageErrors, consoleMessages } = await openPage(browser, `/?basemap=none#lang=${lang}`);
      try {
        const byDgnb = await drawnBuildings(page);
        await page.check('input[name="colour"][value="cluster"]');
        assert.match(await page.evaluate(() => location.hash), /(^#|&)colour=cluster(&|$)/);
        const drawn = await drawnBuildings(page);
        assert.ok(drawn.length > 10, `buildings are drawn (${drawn.length})`);
        // What the tiles say agrees with the API.
        const api = new Map(buildings.map((b) => [b.properties.reference, clusterOf(b.properties)]));
        for (const b of drawn) assert.equal(b.cluster, api.get(b.reference), `${b.reference}'s cluster in its tile`);
        // One colour per cluster, different clusters different colours, and not the DGNB colouring.
        const colourOf = new Map();
        for (const b of drawn) {
          if (colourOf.has(b.cluster)) assert.equal(b.colour, colourOf.get(b.cluster), `${b.reference} coloured like its cluster ${b.cluster}`);
          else colourOf.set(b.cluster, b.colour);
        }
        const present = [...colourOf.keys()];
        assert.ok(present.filter((c) => c !== 'none').length >= 2, `buildings of several clusters are drawn (${present})`);
        assert.equal(new Set(colourOf.values()).size, present.length, 'each cluster has a colour of its own');
        const dgnbColours = new Map(byDgnb.map((b) => [b.reference, b.colour]));
        assert.ok(drawn.some((b) => b.cluster !== 'none' && b.colour !== dgnbColours.get(b.reference)), 'the colouring has changed');

        // The legend names the clusters in the page's language, in the contract's order, and then
        // the outline of offices outside the Fingerplan rule, drawn in every colouring.
        const legend = await page.locator('#legend .legend-list[data-legend="cluster"] li').allTextContents();
        assert.deepEqual(legend.slice(0, CLUSTERS.length + 1), [...CLUSTERS, 'none'].map((c) => NAMES[lang][c]));
        assert.equal(legend.length, CLUSTERS.length + 2);

        // Back to plots by status: buildings by DGNB again.
        await page.check('input[name="colour"][value="status"]');
        assert.deepEqual((await drawnBuildings(page)).map((b) => b.colour), byDgnb.map((b) => b.colour));
        assert.equal(await page.locator('#legend .legend-list[data-legend="cluster"]').count(), 0);
        assert.deepEqual(pageErrors.map(String), []);
        assert.deepEqual(consoleMessages.filter((m) => m.type === 'error'), []);
      } finally {
        await context.close();
      }
    });

    test('filtering by a cluster hides the other buildings, and the list keeps the plots that hold one', T, async () => {
      const { page, context } = await openPage(browser, `/?basemap=none#lang=${lang}`);
      try {
        const counts = new Map();
        for (const b of buildings) counts.set(clusterOf(b.properties), (counts.get(clusterOf(b.properties)) || 0) + 1);
        const cluster = CLUSTERS.filter((c) => counts.get(c)).sort((a, b) => counts.get(b) - counts.get(a))[0];
        assert.ok(cluster, 'some building is occupied');
        const kept = buildings.filter((b) => b.properties.cluster === cluster);
        assert.ok(kept.length < buildings.length);
        const before = await drawnBuildings(page);
        assert.ok(before.some((b) => b.cluster !== cluster), 'other buildings are drawn before the filter');

        // The choice is named in the page's language, with its count.
        assert.equal(await page.textContent(`#filter-cluster option[value="${cluster}"]`), `${NAMES[lang][cluster]} (${kept.length})`);
        await page.selectOption('#filter-cluster', cluster);
        assert.match(await page.evaluate(() => location.hash), new RegExp(`(^#|&)cluster=${cluster}(&|$)`));
        const after = await drawnBuildings(page);
        assert.deepEqual(after.map((b) => b.reference), sorted(kept.map((b) => b.properties.reference)));
        assert.ok(after.every((b) => b.cluster === cluster));
        assert.deepEqual(sorted(await listedPlots(page)), sorted([...new Set(kept.map((b) => b.properties.plot))]));

        // Unoccupied buildings: those without a cluster.
        await page.selectOption('#filter-cluster', 'none');
        const empty = buildings.filter((b) => !b.properties.cluster).map((b) => b.properties.reference);
        assert.deepEqual((await drawnBuildings(page)).map((b) => b.reference), sorted(empty));

        // A link with the filter opens with it.
        await page.goto(`${page.url().split('#')[0]}#cluster=${cluster}&colour=cluster&lang=${lang}`);
        await page.reload();
        await page.waitForFunction(() => document.body.dataset.ready === 'true');
        assert.equal(await page.inputValue('#filter-cluster'), cluster);
        assert.equal(await page.isChecked('input[name="colour"][value="cluster"]'), true);
        assert.deepEqual((await drawnBuildings(page)).map((b) => b.reference), sorted(kept.map((b) => b.properties.reference)));
      } finally {
        await context.close();
      }
    });

    test('the area panel shows jobs and floor area by cluster, the figures withheld, and the goals with their period', T, async () => {
      const s = await api('/areas/lautrup/summary');
      assert.deepEqual(s.clusters.map((c) => c.cluster), CLUSTERS, 'the summary lists the four clusters');
      const goals = s.goals.filter((g) => !g.scope || g.scope === 'lautrup' || g.scope === 'municipality');
      const ended = goals.filter((g) => g.period_ended);
      assert.ok(ended.length > 0, 'a goal of Lautrup has a period that has ended');
      assert.ok(ended.some((g) => g.achieved_withheld) && ended.some((g) => g.achieved > 0), 'one ended goal is withheld, one is not');
      const { page, context } = await openPage(browser, `/?basemap=none#figures=lautrup&lang=${lang}`);
      try {
        await page.waitForSelector('#panel [data-chart="clusters"]');
        for (const c of s.clusters) {
          assert.deepEqual(await figureLine(page, 'clusters', c.cluster), [NAMES[lang][c.cluster], figures(lang, c)]);
        }
        assert.ok(s.clusters.some((c) => c.jobs > 0 && c.floor_area_m2 > 0), 'some cluster has jobs and floor area in Lautrup');
        // Figures resting on one or two companies are withheld (issue 14's public-in-aggregate rule),
        // and so is the total they would be part of; the rule is said beside them.
        assert.ok(s.clusters.some((c) => c.jobs === null), 'some cluster of Lautrup has its jobs withheld');
        const total = await page.locator('#panel [data-chart="clusters"] > li[data-total] [data-field="jobs"]').textContent();
        assert.equal(total, WITHHELD[lang]);
        assert.equal(await page.locator('#panel section:has([data-chart="clusters"]) [data-field="withheld_rule"]').count(), 1);

        for (const g of ended) {
          const item = page.locator(`#panel [data-chart="goals"] > li[data-goal="${g.id}"]`);
          assert.equal(await item.locator('[data-field="period_ended"]').textContent(), ENDED[lang](g.period_end));
          const period = await item.locator('[data-field="goal_period"]').textContent();
          if (g.period_start) assert.ok(period.includes(longDate(lang, g.period_start)), period);
          const text = await item.locator('[data-field="goal_achieved"]').textContent();
          if (g.achieved_withheld) {
            assert.ok(text.startsWith(lang === 'da' ? `Ikke oplyst (mål ${num(lang, g.target)})` : `Withheld (target ${num(lang, g.target)})`), text);
            assert.equal(await item.locator('.goal-built').count(), 0, 'no bar for a withheld figure');
            for (const [cluster, n] of Object.entries(g.by_cluster)) {
              assert.equal(await item.locator(`[data-chart="goal_by_cluster"] tr[data-cluster="${cluster}"] td`).textContent(),
                n === null ? WITHHELD[lang] : num(lang, n));
            }
          } else if (g.achieved !== null && g.achieved !== undefined) {
            assert.ok(text.startsWith(`${num(lang, g.achieved)} ${lang === 'da' ? 'af' : 'of'} ${num(lang, g.target)}`), text);
          }
        }
        for (const g of goals.filter((x) => !x.period_ended && x.period_end)) {
          assert.equal(await page.locator(`#panel [data-chart="goals"] > li[data-goal="${g.id}"] [data-field="period_ended"]`).textContent(),
            RUNS[lang](g.period_end));
        }
      } finally {
        await context.close();
      }
    });

    test('the plot panel shows the clusters near the plot', T, async () => {
      const plots = (await api('/plots')).features.map((f) => f.properties.reference);
      let plot = null;
      for (const ref of plots) {
        const near = await api(`/plots/${encodeURIComponent(ref)}/proximity`);
        if (near.companies_within_1km.filter((r) => r.companies > 0).length >= 2) {
          plot = { ref, rows: near.companies_within_1km };
          break;
        }
      }
      assert.ok(plot, 'a plot has companies of two clusters within 1 km');
      const { page, context } = await openPage(browser, `/?basemap=none#plot=${plot.ref}&lang=${lang}`);
      try {
        await page.waitForSelector('#panel [data-chart="clusters_near"]');
        assert.equal(await page.textContent('#panel section:has([data-chart="clusters_near"]) h3'),
          lang === 'da' ? 'Erhvervsklynger inden for 1 km' : 'Business clusters within 1 km');
        for (const r of plot.rows) {
          assert.deepEqual(await figureLine(page, 'clusters_near', r.cluster), [NAMES[lang][r.cluster], figures(lang, r)]);
        }
      } finally {
        await context.close();
      }
    });

    test("the building panel lists the building's occupants with their clusters", T, async () => {
      const building = buildings.find((b) => (b.properties.occupants || []).length >= 1);
      assert.ok(building, 'a building has occupants');
      const b = building.properties;
      const { page, context } = await openPage(browser, `/?basemap=none#building=${b.reference}&lang=${lang}`);
      try {
        await page.waitForSelector('#panel [data-section="occupants"]');
        const listed = await page.locator('#panel [data-section="occupants"] li').allTextContents();
        const expected = [...b.occupants].sort((x, y) => x.name.localeCompare(y.name)).map((o) => `${o.name} ${NAMES[lang][o.cluster]}`);
        assert.deepEqual(listed.map((x) => x.replace(/\s+/g, ' ').trim()), expected);
        assert.equal(await page.textContent('#panel dd[data-field="cluster"]'), NAMES[lang][clusterOf(b)]);
        assert.doesNotMatch(await page.textContent('#panel'), /\[object Object\]/);
      } finally {
        await context.close();
      }
    });
  });
}

describe('the area panel draws the figures of issue 14', () => {
  // Hand-made figures in the contract's shape: a goal of new private jobs whose period has ended,
  // with its progress by cluster and by area, planned against delivered by target year, and stages.
  const fixture = {
    ...SUMMARY_FIXTURE,
    clusters: [
      { cluster: 'it_technology', companies: 2, jobs: 350, floor_area_m2: 8000.0 },
      { cluster: 'life_science', companies: 3, jobs: 1210, floor_area_m2: 23450.4 },
      { cluster: 'finance_fintech', companies: 0, jobs: 0, floor_area_m2: 0 },
      { cluster: 'other', companies: 1, jobs: 40, floor_area_m2: 900 },
    ],
    goals: [
      {
        id: 7, metric: 'new_private_jobs', scope: 'municipality', target: 3000, title: '3,000 new private jobs',
        source: 'Erhvervspolitik 2022-2025', period_start: '2022-01-01', period_end: '2025-12-31', period_ended: true,
        evaluated_on: '2025-12-31', definition: 'Jobs of private companies that moved in, or whose building was completed, within the period.',
        achieved: 1234, share_pct: 41.1, by_cluster: { it_technology: 200, life_science: 1000, finance_fintech: 0, other: 34 },
        by_area: { kildedal: 1100, lautrup: 134 },
      },
      {
        id: 8, metric: 'homes', scope: 'kildedal', target: 2000, period_start: '2024-01-01', period_end: '2035-12-31', period_ended: false,
        evaluated_on: '2026-11-23', achieved: null, share_pct: null, by_cluster: {}, by_area: {},
        planned: 1460, under_construction: 240, built: 310,
      },
    ],
    targets_by_year: [
      { year: 2026, planned_homes: 120, planned_jobs: 1500, delivered_homes: 80, delivered_jobs: 1250 },
      { year: 2030, planned_homes: 900, planned_jobs: 2400, delivered_homes: 0, delivered_jobs: 0 },
    ],
    stages: [{ stage: 'Kildedal etape 1', plots: 9, planned_homes: 1020, planned_jobs: 3900, built_plots: 4 }],
  };

  for (const lang of ['da', 'en']) {
    test(`goal progress, period, clusters, target years and stages (${lang})`, T, async () => {
      const { page, context } = await openPage(browser, `/?basemap=none#area=kildedal&lang=${lang}`, {
        beforeLoad: (pg) => pg.route('**/areas/kildedal/summary', (route) => route.fulfill({
          status: 200, contentType: 'application/json', body: JSON.stringify(fixture),
        })),
      });
      try {
        await page.click('#area-figures');
        await page.waitForSelector('#panel [data-chart="clusters"]');
        assert.deepEqual(await figureLine(page, 'clusters', 'life_science'), [NAMES[lang].life_science,
          lang === 'da' ? `3 virksomheder · ${num(lang, 1210)} arbejdspladser · ${m2(lang, 23450)}` : `3 companies · ${num(lang, 1210)} jobs · ${m2(lang, 23450)}`]);
        assert.deepEqual(await figureLine(page, 'clusters', 'other'), [NAMES[lang].other,
          lang === 'da' ? '1 virksomhed · 40 arbejdspladser · 900 m²' : '1 company · 40 jobs · 900 m²']);
        const total = page.locator('#panel [data-chart="clusters"] > li[data-total]');
        assert.equal(await total.textContent(), `${lang === 'da' ? 'I alt' : 'Total'}${count(lang, 6, 'companies')} · ${count(lang, 1600, 'jobs')} · ${m2(lang, 32350)}`);

        const goal = page.locator('#panel [data-chart="goals"] > li[data-goal="7"]');
        const pct = `${new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 1 }).format(41.1)} %`;
        assert.equal(await goal.locator('.goal-pct').textContent(), lang === 'da' ? `${pct} nået` : `${pct} reached`);
        assert.equal(await goal.locator('[data-field="goal_achieved"]').textContent(), lang === 'da'
          ? `${num(lang, 1234)} af ${num(lang, 3000)} (${pct}), opgjort ${longDate(lang, '2025-12-31')}`
          : `${num(lang, 1234)} of ${num(lang, 3000)} (${pct}), counted on ${longDate(lang, '2025-12-31')}`);
        assert.equal(await goal.locator('[data-field="period_ended"]').textContent(), ENDED[lang]('2025-12-31'));
        assert.equal(await goal.locator('[data-field="goal_period"]').textContent(),
          `${lang === 'da' ? 'Periode' : 'Period'}: ${longDate(lang, '2022-01-01')} – ${longDate(lang, '2025-12-31')} ${ENDED[lang]('2025-12-31')}`);
        assert.deepEqual(await goal.locator('[data-chart="goal_by_cluster"] tr[data-cluster="life_science"] > *').allTextContents(),
          [NAMES[lang].life_science, num(lang, 1000)]);
        assert.deepEqual(await goal.locator('[data-chart="goal_by_area"] tr[data-area="lautrup"] > *').allTextContents(), ['Lautrup', '134']);
        // A goal whose period runs on says so, and keeps its built / under construction / planned bar.
        const homes = page.locator('#panel [data-chart="goals"] > li[data-goal="8"]');
        assert.equal(await homes.locator('[data-field="period_ended"]').textContent(), RUNS[lang]('2035-12-31'));
        assert.match(await homes.textContent(), lang === 'da' ? /310 opført, 240 under opførelse/ : /310 built, 240 under construction/);

        assert.deepEqual(await page.locator('#panel [data-chart="targets_by_year"] thead th').allTextContents(), lang === 'da'
          ? ['Målår', 'Boliger, planlagt / leveret', 'Arbejdspladser, planlagt / leveret']
          : ['Target year', 'Homes, planned / delivered', 'Jobs, planned / delivered']);
        assert.deepEqual(await page.locator('#panel [data-chart="targets_by_year"] tr[data-year="2026"] > *').allTextContents(),
          ['2026', '120 / 80', `${num(lang, 1500)} / ${num(lang, 1250)}`]);
        assert.equal(await page.textContent('#panel [data-chart="stages"] > li[data-stage="Kildedal etape 1"] .figure-values'), lang === 'da'
          ? `9 grunde, heraf 4 bebygget · planlagt: ${num(lang, 1020)} boliger og ${num(lang, 3900)} arbejdspladser`
          : `9 plots, 4 of them built · planned: ${num(lang, 1020)} homes and ${num(lang, 3900)} jobs`);
      } finally {
        await context.close();
      }
    });
  }
});
