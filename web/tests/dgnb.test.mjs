// Browser tests of issue 14's DGNB criteria groups and the Fingerplan office rule on the map page:
// the building panel shows the five group scores beside the level's minimum, in Danish and
// English, and an existing office outside the Fingerplan rule is marked on the map.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, interiorPoint, launch, mapIdle, openPage } from './helpers.mjs';

const T = { timeout: 90_000 };
const GROUPS = {
  dgnb_environmental_pct: ['DGNB miljømæssig kvalitet', 'DGNB environmental quality'],
  dgnb_economic_pct: ['DGNB økonomisk kvalitet', 'DGNB economic quality'],
  dgnb_social_pct: ['DGNB sociokulturel og funktionel kvalitet', 'DGNB sociocultural and functional quality'],
  dgnb_technical_pct: ['DGNB teknisk kvalitet', 'DGNB technical quality'],
  dgnb_process_pct: ['DGNB proceskvalitet', 'DGNB process quality'],
};
const pct = (lang, v, digits = 1) => `${new Intl.NumberFormat(lang === 'da' ? 'da-DK' : 'en-GB', { maximumFractionDigits: digits }).format(v)} %`;

let browser;
let buildings;
let rules;

before(async () => {
  [buildings, rules] = await Promise.all([api('/buildings'), api('/rules')]);
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The group table of the open building panel: caption and rows [label, score, minimum]. */
function groupTable(page) {
  return page.evaluate(() => {
    const table = document.querySelector('#panel table.dgnb-groups');
    if (!table) return null;
    return {
      caption: table.querySelector('caption').textContent,
      rows: [...table.querySelectorAll('tbody tr')].map((tr) => ({
        field: tr.dataset.field,
        cells: [...tr.children].map((c) => c.textContent),
      })),
    };
  });
}

describe('DGNB criteria groups', () => {
  test('the building panel shows the five group scores with the level\'s minimum, in Danish and English', T, async () => {
    const b = buildings.features.find((f) => f.properties.dgnb_achieved_level === 'gold'
      && Number.isFinite(f.properties.dgnb_technical_pct))?.properties;
    assert.ok(b, 'the data set has a Gold building with group scores');
    const min = rules.dgnb.levels.find((l) => l.level === 'gold').min_group_pct;
    assert.equal(min, 50);
    assert.deepEqual(rules.dgnb.groups.map((g) => g.property), Object.keys(GROUPS));

    const { page, context, pageErrors } = await openPage(browser, `/?basemap=none#building=${b.reference}`, { locale: 'da-DK' });
    try {
      await page.waitForSelector('#panel table.dgnb-groups');
      let table = await groupTable(page);
      assert.equal(table.caption, `Kriteriegrupper: Guld kræver mindst ${pct('da', min, 0)} i hver gruppe`);
      assert.deepEqual(table.rows.map((r) => r.field), Object.keys(GROUPS));
      for (const r of table.rows) {
        assert.deepEqual(r.cells, [GROUPS[r.field][0], pct('da', b[r.field]), pct('da', min, 0)]);
      }
      // Not listed a second time under "More".
      assert.equal(await page.$$eval('#panel dl[data-section="more"] dd[data-field^="dgnb_"][data-field$="_pct"]', (x) => x.length), 0);

      await page.click('.lang-switch button[data-lang="en"]');
      table = await groupTable(page);
      assert.equal(table.caption, `Criteria groups: Gold needs at least ${pct('en', min, 0)} in each group`);
      for (const r of table.rows) {
        assert.deepEqual(r.cells, [GROUPS[r.field][1], pct('en', b[r.field]), pct('en', min, 0)]);
      }
      assert.equal(await page.$$eval('#panel table.dgnb-groups tr.below-min', (x) => x.length), 0);
      assert.deepEqual(pageErrors.map(String), []);
    } finally {
      await context.close();
    }
  });

  test('a building without group scores shows no group table', T, async () => {
    const b = buildings.features.find((f) => f.properties.dgnb_phase === 'none')?.properties;
    const { page, context } = await openPage(browser, `/?basemap=none#building=${b.reference}`);
    try {
      await page.waitForSelector('#panel:not([hidden]) dd[data-field="dgnb_phase"]');
      assert.equal(await groupTable(page), null);
    } finally {
      await context.close();
    }
  });
});

describe('the Fingerplan office rule', () => {
  test('an existing office outside the rule is marked on the map, and its panel says so, in both languages', T, async () => {
    const outside = buildings.features.filter((f) => f.properties.fingerplan_office_check === 'outside_rule');
    assert.ok(outside.length > 0, 'the data set has existing offices outside the rule');
    const near = buildings.features.filter((f) => f.properties.fingerplan_office_check === 'station_near');
    const o = outside[0];
    const { point } = interiorPoint(o.geometry);
    const { page, context, pageErrors } = await openPage(browser, `/?basemap=none#building=${o.properties.reference}`);
    try {
      await page.evaluate(([ll]) => window.plotlineMap.jumpTo({ center: ll, zoom: 16 }), [point]);
      await mapIdle(page);
      const marked = await page.evaluate(() => [...new Set(window.plotlineMap
        .queryRenderedFeatures({ layers: ['buildings-fingerplan'] }).map((f) => f.properties.reference))]);
      assert.ok(marked.includes(o.properties.reference), `${o.properties.reference} is marked (${marked})`);
      const expected = new Set(outside.map((f) => f.properties.reference));
      for (const ref of marked) assert.ok(expected.has(ref), `${ref} is marked but not outside the rule`);
      for (const f of near) assert.ok(!marked.includes(f.properties.reference));
      // The style: a dashed red outline, as the legend shows.
      const style = await page.evaluate(() => ({
        colour: window.plotlineMap.getPaintProperty('buildings-fingerplan', 'line-color'),
        dash: window.plotlineMap.getPaintProperty('buildings-fingerplan', 'line-dasharray'),
        visible: window.plotlineMap.getLayoutProperty('buildings-fingerplan', 'visibility') !== 'none',
      }));
      assert.equal(style.colour, '#c8102e');
      assert.ok(Array.isArray(style.dash) && style.visible, JSON.stringify(style));
      assert.equal(await page.textContent('#legend li[data-value="fingerplan_outside_rule"]'), 'Office outside the Fingerplan rule');

      await page.waitForSelector('#panel dl[data-section="fingerplan"]');
      assert.equal(await page.textContent('#panel dd[data-field="fingerplan_office_check"]'), 'Outside the rule (existing)');
      assert.match(await page.textContent('#panel section:has(dl[data-section="fingerplan"]) p.note'), /straight line/);
      await page.click('.lang-switch button[data-lang="da"]');
      assert.equal(await page.textContent('#panel dd[data-field="fingerplan_office_check"]'), 'Uden for reglen (eksisterende)');
      assert.equal(await page.textContent('#legend li[data-value="fingerplan_outside_rule"]'), 'Kontor uden for Fingerplanens regel');
      assert.deepEqual(pageErrors.map(String), []);
    } finally {
      await context.close();
    }
  });
});
