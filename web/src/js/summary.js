// An area's figures from GET /areas/{slug}/summary as plain HTML with CSS bars: every chart is
// a list or table with its numbers written out, so it reads without the picture too.
import * as fmt from './format.js';
import { CLUSTER_COLOURS, CLUSTERS, DGNB_COLOURS, LAND_USE_COLOURS, STATUS_COLOURS } from './domain.js';
import { label, t } from './i18n.js';
import { h } from './dom.js';

const FLOOR_USE_COLOURS = {
  residential: LAND_USE_COLOURS.residential,
  office: LAND_USE_COLOURS.office,
  laboratory: LAND_USE_COLOURS.life_science,
  retail: LAND_USE_COLOURS.retail_service,
  other: LAND_USE_COLOURS.infrastructure,
};
const PHASE_COLOURS = { none: DGNB_COLOURS.none, pre_certificate: DGNB_COLOURS.pre_certificate, certificate: '#3a6ea5', in_use: '#1a9850' };
const arr = (v) => (Array.isArray(v) ? v : []);

/** How many a list has in all: its `_count` (lists stop at the summary's `list_limit`). */
const total = (list, count) => (Number.isFinite(count) ? count : arr(list).length);

/** A note under a list cut at the summary's `list_limit`, or nothing. */
function more(list, count) {
  const shown = arr(list).length;
  const rest = total(list, count) - shown;
  return rest > 0 ? h('p', { class: 'note', dataset: { field: 'more' } },
    t('summary.more', { count: fmt.number(rest), shown: fmt.number(shown) })) : null;
}
const clamp01 = (v) => Math.max(0, Math.min(1, Number(v) || 0));

/** Horizontal bars: items of {name, share (0..1), colour, detail}; the share is also written out. */
function bars(items, { caption, field } = {}) {
  const list = h('ul', { class: 'bars', dataset: field ? { chart: field } : {} }, items.map((it) => h('li', {},
    h('span', { class: 'bar-name' }, it.name),
    h('span', { class: 'bar-track', 'aria-hidden': 'true' },
      h('span', { class: 'bar-fill', style: `width:${(clamp01(it.share) * 100).toFixed(1)}%;background:${it.colour || '#3a6ea5'}` })),
    h('span', { class: 'bar-value' }, fmt.share(it.share), it.detail ? h('span', { class: 'muted' }, ` (${it.detail})`) : null),
  )));
  return caption ? h('figure', { class: 'chart' }, h('figcaption', {}, caption), list) : list;
}

function section(title, ...content) {
  return h('section', { class: 'panel-section summary-section' }, h('h3', {}, title), ...content);
}

function statusSection(s) {
  const rows = arr(s.plots?.by_status);
  return section(t('summary.status'),
    h('p', { class: 'note' }, t('summary.status_desc')),
    bars(rows.filter((r) => r.count > 0).map((r) => ({
      name: label('status', r.status), share: r.share, colour: STATUS_COLOURS[r.status],
      detail: t('summary.count_ha', { count: fmt.number(r.count), ha: fmt.number(r.area_ha, 2) }),
    })), { field: 'status' }));
}

function landUseSection(s) {
  const mix = s.land_use_mix || {};
  const parts = [
    bars(arr(mix.by_plot_area).filter((r) => r.area_ha > 0).map((r) => ({
      name: label('land_use', r.land_use), share: r.share, colour: LAND_USE_COLOURS[r.land_use], detail: `${fmt.number(r.area_ha, 2)} ha`,
    })), { caption: t('summary.by_plot_area'), field: 'land_use_plot_area' }),
    bars(arr(mix.by_floor_area).map((r) => ({
      name: label('floor_use', r.use), share: r.share, colour: FLOOR_USE_COLOURS[r.use], detail: fmt.squareMetres(r.floor_area_m2),
    })), { caption: t('summary.by_floor_area'), field: 'land_use_floor_area' }),
  ];
  if (mix.entropy_index_by_plot_area != null || mix.entropy_index_by_floor_area != null) {
    parts.push(h('p', {}, t('summary.entropy', {
      plot: fmt.number(mix.entropy_index_by_plot_area, 2), floor: fmt.number(mix.entropy_index_by_floor_area, 2),
    })));
  }
  if (mix.housing_share_of_floor_area != null) {
    parts.push(h('p', { dataset: { field: 'housing_share' } },
      t('summary.housing_share', { share: fmt.share(mix.housing_share_of_floor_area) }), ' ',
      mix.housing_share_in_dgnb_urban_range == null ? ''
        : h('span', { class: mix.housing_share_in_dgnb_urban_range ? 'ok' : 'warn' },
          t(mix.housing_share_in_dgnb_urban_range ? 'summary.housing_in_range' : 'summary.housing_out_of_range'))));
  }
  return section(t('summary.land_use'), ...parts);
}

function plotRatioSection(s) {
  const pr = s.plot_ratio || {};
  const over = arr(pr.over_max);
  return section(t('summary.plot_ratio'),
    h('p', {}, t('summary.plot_ratio_area', { pct: fmt.percent(pr.area_pct) })),
    over.length
      ? [h('p', { class: 'warn' }, t('summary.over_max')), h('ul', {}, over.map((p) => h('li', {},
        `${p.reference}: ${fmt.percent(p.plot_ratio_pct)} (${t('value.max', { max: fmt.percent(p.max_plot_ratio_pct, 0) })})`))),
      more(over, pr.over_max_count)]
      : h('p', { class: 'ok' }, t('summary.none_over_max')));
}

function dgnbSection(s) {
  const d = s.dgnb || {};
  const buildings = Number(d.buildings) || 0;
  const share = (n) => (buildings ? n / buildings : 0);
  const parts = [];
  if (d.target_level) {
    parts.push(h('p', {}, t('summary.dgnb_target', {
      level: label('dgnb_level', d.target_level), buildings: fmt.number(buildings), floor: fmt.squareMetres(d.floor_area_m2),
    })));
    if (d.compliant != null) {
      parts.push(h('p', { class: d.compliant ? 'ok' : 'warn', dataset: { field: 'dgnb_compliant' } },
        t(d.compliant ? 'summary.dgnb_compliant' : 'summary.dgnb_not_compliant')));
    }
    if (d.fully_certified != null) {
      parts.push(h('p', { dataset: { field: 'dgnb_fully_certified' } },
        t(d.fully_certified ? 'summary.fully_certified' : 'summary.not_fully_certified', { level: label('dgnb_level', d.target_level) })));
    }
  } else {
    parts.push(h('p', {}, t('summary.dgnb_no_target')));
  }
  parts.push(bars(arr(d.by_level).filter((r) => r.buildings > 0).map((r) => ({
    name: label('dgnb_class', r.level ?? 'none'), share: share(r.buildings), colour: DGNB_COLOURS[r.level ?? 'none'],
    detail: `${fmt.number(r.buildings)} · ${fmt.squareMetres(r.floor_area_m2)}`,
  })), { caption: t('summary.by_level'), field: 'dgnb_level' }));
  parts.push(bars(arr(d.by_phase).filter((r) => r.buildings > 0).map((r) => ({
    name: label('dgnb_phase', r.phase), share: share(r.buildings), colour: PHASE_COLOURS[r.phase],
    detail: `${fmt.number(r.buildings)} · ${fmt.squareMetres(r.floor_area_m2)}`,
  })), { caption: t('summary.by_phase'), field: 'dgnb_phase' }));
  const failing = arr(d.failing);
  if (failing.length) {
    parts.push(h('h4', {}, t('summary.failing', { count: fmt.number(total(failing, d.failing_count)) })),
      h('ul', { class: 'warn-list' }, failing.map((f) => h('li', {},
        h('strong', {}, f.reference), f.name ? ` ${f.name}` : '', f.reason ? ` – ${f.reason}` : ''))),
      more(failing, d.failing_count));
  }
  const notYet = arr(d.not_yet_certified);
  if (notYet.length) {
    parts.push(h('details', {}, h('summary', {}, t('summary.not_yet', { count: fmt.number(total(notYet, d.not_yet_certified_count)) })),
      h('ul', {}, notYet.map((f) => h('li', {}, h('strong', {}, f.reference), f.name ? ` ${f.name}` : '',
        ` (${label('dgnb_phase', f.phase)})`))),
      more(notYet, d.not_yet_certified_count)));
  }
  const years = arr(d.certificates_by_year);
  if (years.length) {
    const max = Math.max(...years.map((y) => Number(y.count) || 0), 1);
    parts.push(h('figure', { class: 'chart' }, h('figcaption', {}, t('summary.certificates_by_year')),
      h('ul', { class: 'columns', dataset: { chart: 'certificates_by_year' } }, years.map((y) => h('li', {},
        h('span', { class: 'col-value' }, fmt.number(y.count)),
        h('span', { class: 'col-bar', 'aria-hidden': 'true', style: `height:${((Number(y.count) || 0) / max) * 100}%` }),
        h('span', { class: 'col-label' }, String(y.year)))))));
  }
  return section(t('summary.dgnb'), ...parts);
}

function sharesTriple(title, x, field) {
  if (!x) return null;
  return bars([
    { name: t('summary.floor_area'), share: x.floor_area_share, colour: '#3a6ea5' },
    { name: t('summary.homes'), share: x.homes_share, colour: LAND_USE_COLOURS.residential },
    { name: t('summary.jobs'), share: x.jobs_share, colour: LAND_USE_COLOURS.office },
  ], { caption: title, field });
}

/** Shares near a BRT stop (GET /rules: radii_m.brt_stop), one row per line status (a table: four statuses × three shares). */
function brtTable(rows) {
  if (!rows.length) return null;
  return h('table', { class: 'mini-table', dataset: { chart: 'brt_400m' } },
    h('caption', {}, t('summary.brt_near')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('summary.brt_status')),
      h('th', { scope: 'col', class: 'num' }, t('summary.floor_area')),
      h('th', { scope: 'col', class: 'num' }, t('summary.homes')),
      h('th', { scope: 'col', class: 'num' }, t('summary.jobs')))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, label('brt_status', r.status)),
      h('td', { class: 'num' }, fmt.share(r.floor_area_share)),
      h('td', { class: 'num' }, fmt.share(r.homes_share)),
      h('td', { class: 'num' }, fmt.share(r.jobs_share))))));
}

function transitSection(s) {
  const tr = s.transit || {};
  const offices = arr(tr.large_offices_outside_station_zone);
  return section(t('summary.transit'),
    h('p', { class: 'note', title: tr.distance_method || '' }, t('summary.transit_note')),
    sharesTriple(t('summary.station_near'), tr.station_600m, 'station_600m'),
    brtTable(arr(tr.brt_400m)),
    sharesTriple(t('summary.cycle_near'), tr.cycle_superhighway_250m, 'cycle_250m'),
    offices.length
      ? [h('h4', {}, t('summary.large_offices')), h('ul', { class: 'warn-list' }, offices.map((o) => h('li', {},
        h('strong', {}, o.reference), o.name ? ` ${o.name}` : '',
        ` – ${fmt.squareMetres(o.office_floor_area_m2)}, ${fmt.metres(o.nearest_station_distance_m)}`,
        o.fingerplan_exemption_lokalplan
          ? h('span', { class: 'muted', dataset: { exempt: 'true' } }, ` (${t('summary.office_exempt', { lokalplan: o.fingerplan_exemption_lokalplan })})`)
          : ''))),
      more(offices, tr.large_offices_outside_station_zone_count)]
      : h('p', { class: 'ok' }, t('summary.no_large_offices')),
  );
}

/** A small table: `columns` of [heading, numeric?], `rows` of [row heading, ...cells]. */
function table({ chart, columns, rows, rowData = () => ({}) }) {
  return h('table', { class: 'mini-table', dataset: chart ? { chart } : {} },
    h('thead', {}, h('tr', {}, columns.map(([name, num]) => h('th', { scope: 'col', class: num ? 'num' : null }, name)))),
    h('tbody', {}, rows.map((r, i) => h('tr', { dataset: rowData(i) }, h('th', { scope: 'row' }, r[0]),
      r.slice(1).map((c, j) => h('td', { class: columns[j + 1]?.[1] ? 'num' : null }, c))))));
}

/** A cluster's name with its map colour. */
const clusterName = (c) => [h('span', { class: 'swatch', style: `background:${CLUSTER_COLOURS[c] || CLUSTER_COLOURS.other}`, 'aria-hidden': 'true' }),
  label('cluster', c)];

/**
 * A job figure the server withholds (null): it would tell one or two companies' own figures,
 * which are public in aggregate only. The rule is the tooltip.
 */
const withheld = () => h('span', { class: 'withheld', dataset: { withheld: '' }, title: t('summary.withheld_rule') }, t('summary.jobs_withheld'));

/** One line of figures, each a span named by its field: "2 companies · 350 jobs · 8,000 m²". */
function figureLine(r) {
  const parts = [['companies', () => fmt.count(r.companies, 'companies')], ['jobs', () => (r.jobs === null ? withheld() : fmt.count(r.jobs ?? 0, 'jobs'))],
    ['floor_area_m2', () => fmt.squareMetres(r.floor_area_m2)]].filter(([field]) => field in r);
  return h('span', { class: 'figure-values' }, parts.map(([field, text], i) => [i ? ' · ' : '', h('span', { dataset: { field } }, text())]));
}

/**
 * Companies, jobs (and floor area where given) by cluster, one cluster a line, the four clusters
 * in their order (those the server adds after them), and a total line when `total` is set.
 */
export function clusterFigures(rows, { chart, total = false }) {
  const byCluster = new Map(rows.map((r) => [r.cluster, r]));
  const clusters = [...CLUSTERS, ...rows.map((r) => r.cluster).filter((c) => !CLUSTERS.includes(c))];
  // A total of figures some of which are withheld is withheld too.
  const sum = (key) => (rows.some((r) => r[key] === null) ? null : rows.reduce((a, r) => a + (Number(r[key]) || 0), 0));
  const fields = Object.fromEntries(['companies', 'jobs', 'floor_area_m2'].filter((k) => rows.some((r) => k in r)).map((k) => [k, sum(k)]));
  return h('ul', { class: 'figure-list', dataset: { chart } },
    clusters.map((c) => h('li', { dataset: { cluster: c } },
      h('span', { class: 'figure-name' }, clusterName(c)), figureLine({ companies: 0, jobs: 0, ...byCluster.get(c) }))),
    total ? h('li', { class: 'figure-total', dataset: { total: '' } }, h('span', { class: 'figure-name' }, t('summary.total')), figureLine(fields)) : null);
}

/** The present occupants of the area's buildings by cluster: companies, jobs and floor area. */
function clustersSection(s) {
  const rows = arr(s.clusters);
  if (!rows.length) return null;
  return section(t('summary.clusters'),
    h('p', { class: 'note' }, t('summary.clusters_note')),
    clusterFigures(rows, { chart: 'clusters', total: true }),
    rows.some((r) => r.jobs === null) ? h('p', { class: 'note', dataset: { field: 'withheld_rule' } }, t('summary.withheld_rule')) : null);
}

/** A goal's period, and whether it has ended (in so many words), or null without a period. */
function goalPeriod(g) {
  const start = g.period_start ? fmt.date(g.period_start) : null;
  const end = g.period_end ? fmt.date(g.period_end) : null;
  if (!start && !end) return null;
  // Without a start the end says it all ("runs until …").
  const span = start && end ? t('summary.goal_period', { start, end }) : start ? t('summary.goal_period_from', { start }) : null;
  return h('p', { class: 'goal-period', dataset: { field: 'goal_period' } }, span,
    end ? [span ? ' ' : null, h('span', { class: g.period_ended ? 'warn' : 'ok', dataset: { field: 'period_ended' } },
      t(g.period_ended ? 'summary.goal_period_ended' : 'summary.goal_period_running', { date: end }))] : null);
}

/** A goal counted by its definition (`achieved`): progress within its period, by cluster and by area. */
function countedGoal(g, head) {
  const target = Number(g.target) || 0;
  const achieved = Number(g.achieved) || 0;
  const scale = Math.max(target, achieved, 1);
  const pct = g.achieved_withheld ? t('value.none')
    : g.share_pct != null ? fmt.percent(g.share_pct, 1) : fmt.share(target ? achieved / target : null, 1);
  const jobs = (n) => (n === null ? withheld() : fmt.number(n));
  const anyWithheld = g.achieved_withheld || Object.values(g.by_cluster || {}).includes(null) || Object.values(g.by_area || {}).includes(null);
  const byCluster = g.by_cluster && typeof g.by_cluster === 'object' ? g.by_cluster : {};
  const byArea = g.by_area && typeof g.by_area === 'object' ? g.by_area : {};
  const clusters = [...CLUSTERS.filter((c) => c in byCluster), ...Object.keys(byCluster).filter((c) => !CLUSTERS.includes(c))];
  return [
    head(t('summary.goal_reached', { pct })),
    h('div', { class: 'goal-track', 'aria-hidden': 'true' },
      // A withheld figure draws no bar: an empty one would read as nothing achieved.
      g.achieved_withheld ? null : h('span', { class: 'goal-built', style: `width:${((achieved / scale) * 100).toFixed(1)}%` }),
      target ? h('span', { class: 'goal-target', style: `left:${((target / scale) * 100).toFixed(1)}%` }) : null),
    h('p', { class: 'goal-text', dataset: { field: 'goal_achieved' } }, g.achieved_withheld
      ? t('summary.goal_withheld', { target: fmt.number(target), date: fmt.date(g.evaluated_on) })
      : t('summary.goal_achieved', { achieved: fmt.number(achieved), target: fmt.number(target), pct, date: fmt.date(g.evaluated_on) })),
    goalPeriod(g),
    clusters.length ? table({
      chart: 'goal_by_cluster',
      columns: [[t('summary.goal_by_cluster')], [label('goal_metric', g.metric), true]],
      rows: clusters.map((c) => [clusterName(c), jobs(byCluster[c])]),
      rowData: (i) => ({ cluster: clusters[i] }),
    }) : null,
    Object.keys(byArea).length ? table({
      chart: 'goal_by_area',
      columns: [[t('summary.goal_by_area')], [label('goal_metric', g.metric), true]],
      rows: Object.entries(byArea).map(([area, n]) => [label('area', area), jobs(n)]),
      rowData: (i) => ({ area: Object.keys(byArea)[i] }),
    }) : null,
    anyWithheld ? h('p', { class: 'note', dataset: { field: 'withheld_rule' } }, t('summary.withheld_rule')) : null,
    g.definition ? h('p', { class: 'goal-source', lang: 'en', dataset: { field: 'goal_definition' } }, g.definition) : null,
  ];
}

/** A goal measured by the plots' status: built, under construction and planned against the target. */
function plannedGoal(g, head) {
  const target = Number(g.target) || 0;
  const built = Number(g.built) || 0;
  const under = Number(g.under_construction) || 0;
  const planned = Number(g.planned) || 0;
  const scale = Math.max(target, built + under + planned, 1);
  const pct = (v) => `${((v / scale) * 100).toFixed(1)}%`;
  return [
    head(t('summary.goal_pct', { pct: fmt.share(target ? built / target : null) })),
    h('div', { class: 'goal-track', 'aria-hidden': 'true' },
      h('span', { class: 'goal-built', style: `width:${pct(built)}` }),
      h('span', { class: 'goal-under', style: `width:${pct(under)}` }),
      h('span', { class: 'goal-planned', style: `width:${pct(planned)}` }),
      target ? h('span', { class: 'goal-target', style: `left:${pct(target)}` }) : null),
    h('p', { class: 'goal-text' }, t('summary.goal_line', {
      built: fmt.number(built), under: fmt.number(under), planned: fmt.number(planned), target: fmt.number(target),
    })),
    goalPeriod(g),
  ];
}

function goalsSection(s, slug) {
  const goals = arr(s.goals).filter((g) => !g.scope || g.scope === slug || g.scope === 'municipality');
  if (!goals.length) return null;
  const counted = (g) => (g.achieved !== null && g.achieved !== undefined) || g.achieved_withheld === true;
  return section(t('summary.goals'),
    goals.some((g) => !counted(g)) ? h('ul', { class: 'legend-inline', 'aria-hidden': 'true' },
      h('li', {}, h('span', { class: 'swatch goal-built' }), t('summary.legend_built')),
      h('li', {}, h('span', { class: 'swatch goal-under' }), t('summary.legend_under')),
      h('li', {}, h('span', { class: 'swatch goal-planned' }), t('summary.legend_planned'))) : null,
    h('ul', { class: 'goals', dataset: { chart: 'goals' } }, goals.map((g) => {
      const scope = g.scope && g.scope !== slug ? ` · ${label('goal_scope', g.scope)}` : '';
      const head = (progress) => h('div', { class: 'goal-head' }, h('strong', {}, label('goal_metric', g.metric)), h('span', { class: 'muted' }, scope),
        h('span', { class: 'goal-pct' }, progress));
      return h('li', { dataset: { metric: g.metric, ...(g.id != null ? { goal: String(g.id) } : {}) } },
        ...(counted(g) ? countedGoal(g, head) : plannedGoal(g, head)),
        g.source ? h('p', { class: 'goal-source', lang: 'en' }, g.source) : null);
    })));
}

/** Planned homes and jobs by the plots' target year against what has been delivered, and the stages. */
function targetsSection(s) {
  const years = arr(s.targets_by_year);
  const stages = arr(s.stages);
  if (!years.length && !stages.length) return null;
  const pair = (planned, delivered) => `${fmt.number(planned)} / ${fmt.number(delivered)}`;
  const both = t('summary.planned_delivered');
  return section(t('summary.targets_by_year'),
    years.length ? [h('p', { class: 'note' }, t('summary.targets_note')), table({
      chart: 'targets_by_year',
      columns: [[t('summary.target_year')], [`${t('summary.homes')}, ${both}`, true], [`${t('summary.jobs')}, ${both}`, true]],
      rows: years.map((y) => [String(y.year), pair(y.planned_homes, y.delivered_homes), pair(y.planned_jobs, y.delivered_jobs)]),
      rowData: (i) => ({ year: String(years[i].year) }),
    })] : null,
    stages.length ? [h('h4', {}, t('summary.stages')), h('ul', { class: 'figure-list', dataset: { chart: 'stages' } }, stages.map((x) => h('li', { dataset: { stage: x.stage ?? '' } },
      h('span', { class: 'figure-name' }, x.stage ?? t('value.none')),
      h('span', { class: 'figure-values' }, t('summary.stage_line', {
        plots: fmt.count(x.plots, 'plots'), built: fmt.number(x.built_plots),
        homes: fmt.count(x.planned_homes, 'homes'), jobs: fmt.count(x.planned_jobs, 'jobs'),
      })))))] : null);
}

/** The figures of one area as a DOM fragment. */
export function renderSummary(s, slug) {
  const frag = document.createDocumentFragment();
  if (s.as_of) frag.append(h('p', { class: 'note as-of' }, t('summary.as_of', { date: fmt.dateTime(s.as_of) })));
  for (const part of [goalsSection(s, slug), clustersSection(s), targetsSection(s), statusSection(s), landUseSection(s), dgnbSection(s),
    transitSection(s), plotRatioSection(s)]) {
    if (part) frag.append(part);
  }
  return frag;
}
