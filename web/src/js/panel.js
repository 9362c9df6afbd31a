// The side panel: every property of a plot or a building in plain words, and an area's figures.
// The properties are grouped and some are shown together (a station's name with its distance);
// their labels and units come from the collection's schema, and whatever the schema has beyond
// the groups is listed under "More", so that a property the server adds is shown without a
// change here.
import * as fmt from './format.js';
import {
  CLUSTER_COLOURS, DGNB_COLOURS, LAND_USE_COLOURS, STATUS_COLOURS, clusterClass, dgnbClass,
} from './domain.js';
import { label, language, t } from './i18n.js';
import { dgnbGroups, enumValues, rules } from './rules.js';
import { propertyTitle, shownProperties } from './schema.js';
import { clusterFigures, renderSummary } from './summary.js';
import { h } from './dom.js';

const row = (field, term, value) => [
  h('dt', {}, term),
  h('dd', { dataset: { field } }, value ?? t('value.none')),
];

function badge(text, colour) {
  return h('span', { class: 'badge' }, h('span', { class: 'swatch', style: `background:${colour}`, 'aria-hidden': 'true' }), text);
}

const section = (title, ...content) => h('section', { class: 'panel-section' }, h('h3', {}, title), ...content);

function distance(name, metres, extra) {
  if (!name) return t('value.none');
  const parts = [h('span', { class: 'dist-name' }, name), ', ', h('span', { class: 'dist-m' }, fmt.metres(metres)),
    h('span', { class: 'dist-method' }, ` (${t('panel.straight_line')})`)];
  if (extra) parts.push(h('span', { class: 'dist-extra' }, ` – ${extra}`));
  return parts;
}

/** The companies present in a building today (`occupants`: reference, name, cluster), by name. */
function occupantsSection(r) {
  r.mark('occupants');
  const list = Array.isArray(r.p.occupants) ? [...r.p.occupants].sort((a, b) => String(a.name).localeCompare(String(b.name))) : null;
  if (!list) return null;
  return section(t('panel.section.occupants', { count: list.length }),
    list.length
      ? h('ul', { class: 'occupant-list', dataset: { section: 'occupants' } }, list.map((o) => h('li', { dataset: { company: o.reference ?? '' } },
        h('span', { class: 'occupant-name' }, o.name || o.reference || t('value.none')), ' ',
        badge(label('cluster', o.cluster), CLUSTER_COLOURS[o.cluster] || CLUSTER_COLOURS.other))))
      : h('p', { class: 'note' }, t('panel.no_occupants')));
}

/** Companies within 1 km of a plot by cluster (the proximity answer's `companies_within_1km`). */
function nearbyClustersList(rows) {
  if (!rows.some((r) => Number(r.companies) > 0)) return h('p', { class: 'note', dataset: { field: 'clusters_none' } }, t('panel.clusters_none'));
  return clusterFigures(rows.map(({ cluster, companies, jobs }) => ({ cluster, companies, jobs })), { chart: 'clusters_near' });
}

/**
 * Rows of one feature's properties, labelled from the schema; remembers which properties it has
 * shown so that `rest()` lists the others.
 */
class Rows {
  constructor(schema, p) {
    this.schema = schema;
    this.p = p;
    this.shown = new Set();
  }

  /** The label of a property: the schema's title in the current language. */
  label(name) {
    const title = propertyTitle(this.schema, name, language());
    if (title) return title;
    const plain = name.replace(/_/g, ' ');
    return plain.charAt(0).toUpperCase() + plain.slice(1);
  }

  /** One property as a row: its value in words unless `value` is given. */
  prop(name, value) {
    this.shown.add(name);
    const shown = value === undefined ? fmt.propertyValue(this.schema?.properties?.[name], name, this.p[name]) : value;
    return row(name, this.label(name), shown);
  }

  /** Count these properties as shown (another part of the panel shows them). */
  mark(...names) {
    for (const n of names) this.shown.add(n);
  }

  /** A row that shows several properties under a label of its own (the first names the row). */
  joint(names, term, value) {
    for (const n of names) this.shown.add(n);
    return row(names[0], term, value);
  }

  /** Properties the feature has that no row has shown, in the schema's order. */
  rest() {
    return shownProperties(this.schema)
      .filter(([name]) => !this.shown.has(name) && this.p[name] !== undefined)
      .map(([name]) => this.prop(name));
  }
}

function transitSection(r) {
  const p = r.p;
  r.mark('distance_method');
  return section(
    t('panel.section.transit'),
    h('dl', {},
      r.joint(['nearest_station_distance_m', 'nearest_station'], t('field.nearest_station'), distance(p.nearest_station, p.nearest_station_distance_m)),
      r.joint(['within_600m_of_station'], `${r.label('within_600m_of_station')} (${t('value.within_station')})`,
        fmt.propertyValue(r.schema?.properties?.within_600m_of_station, 'within_600m_of_station', p.within_600m_of_station)),
      r.joint(['nearest_brt_stop_distance_m', 'nearest_brt_stop', 'nearest_brt_line', 'nearest_brt_line_status'], t('field.nearest_brt_stop'), distance(
        p.nearest_brt_stop, p.nearest_brt_stop_distance_m,
        p.nearest_brt_line ? t('value.line', { line: p.nearest_brt_line, status: label('brt_status', p.nearest_brt_line_status) }) : null,
      )),
      r.joint(['nearest_cycle_superhighway_distance_m', 'nearest_cycle_superhighway'], t('field.nearest_cycle'),
        distance(p.nearest_cycle_superhighway, p.nearest_cycle_superhighway_distance_m)),
    ),
    h('p', { class: 'note', title: p.distance_method || '' }, t('panel.distance_note')),
  );
}

/**
 * A building's score in each DGNB criteria group beside the least score its level needs in every
 * group (the achieved level, else the target): a table, or nothing when the record has no group
 * scores. The groups, their properties and the minimums come from GET /rules; the labels from
 * the schema.
 */
function dgnbGroupTable(r) {
  const p = r.p;
  const groups = dgnbGroups();
  r.mark(...groups.map((g) => g.property));
  if (!groups.some((g) => p[g.property] !== null && p[g.property] !== undefined)) return null;
  const level = p.dgnb_achieved_level || p.dgnb_target_level || null;
  const min = (rules()?.dgnb?.levels || []).find((l) => l.level === level)?.min_group_pct;
  const hasMin = Number.isFinite(min);
  return h('table', { class: 'mini-table dgnb-groups', dataset: { level: level || '' } },
    h('caption', {}, hasMin
      ? t('panel.dgnb_groups_min', { level: label('dgnb_level', level), min: fmt.percent(min, 0) })
      : t('panel.dgnb_groups')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('panel.dgnb_group')),
      h('th', { scope: 'col', class: 'num' }, t('panel.dgnb_score')),
      h('th', { scope: 'col', class: 'num' }, t('panel.dgnb_minimum')))),
    h('tbody', {}, groups.map((g) => {
      const v = p[g.property];
      const below = hasMin && Number.isFinite(v) && v < min;
      return h('tr', { dataset: { group: g.group, field: g.property }, class: below ? 'below-min' : '' },
        h('th', { scope: 'row' }, r.label(g.property)),
        h('td', { class: 'num' }, Number.isFinite(v) ? fmt.percent(v) : t('value.none')),
        h('td', { class: 'num' }, hasMin ? fmt.percent(min, 0) : t('value.none')));
    })));
}

/** How the building stands with the Fingerplan's office rule, and its exemption if it has one. */
function fingerplanSection(r) {
  const p = r.p;
  const check = p.fingerplan_office_check;
  if (!check || check === 'not_applicable') {
    r.mark('fingerplan_office_check', 'fingerplan_exemption_lokalplan', 'fingerplan_exemption_reason');
    return null;
  }
  return section(t('panel.section.fingerplan'),
    h('dl', { dataset: { section: 'fingerplan' } },
      r.prop('fingerplan_office_check', label('fingerplan_office_check', check)),
      r.prop('fingerplan_exemption_lokalplan', p.fingerplan_exemption_lokalplan),
      r.prop('fingerplan_exemption_reason', p.fingerplan_exemption_reason)),
    h('p', { class: 'note' }, t('panel.fingerplan_note')));
}

/** The properties no other section showed, then the record's accuracy and last change. */
function moreSection(r) {
  const record = [r.prop('accuracy'), r.prop('updated_at', fmt.dateTime(r.p.updated_at))];
  const rest = r.rest();
  return [
    rest.length ? section(t('panel.section.more'), h('dl', { dataset: { section: 'more' } }, rest)) : null,
    section(t('panel.section.record'), h('dl', {}, record)),
  ];
}

export class Panel {
  /** `onSelect` opens another feature (a plot's building, a building's plot). */
  constructor(root, { onSelect, onClose, fetchJson, schemas, sections = {} }) {
    this.schemas = schemas;
    this.root = root;
    this.title = root.querySelector('#panel-title');
    this.body = root.querySelector('.panel-body');
    this.onSelect = onSelect;
    this.onClose = onClose;
    this.fetchJson = fetchJson;
    /** Extra sections of a plot or building: `edit(kind, feature)` and `history(kind, feature)`. */
    this.sections = sections;
    this.current = null;
    this.summaries = new Map();
    /** Proximity answers by plot reference ({ ok, data }), and the requests under way. */
    this.proximity = new Map();
    this.proximityPending = new Map();
    root.querySelector('.panel-close').addEventListener('click', () => this.onClose());
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.onClose();
    });
  }

  get open() {
    return !this.root.hidden;
  }

  close() {
    this.root.hidden = true;
    this.current = null;
    this.body.replaceChildren();
  }

  /**
   * Show a selection ({kind, key}) from the features the page has loaded (`index`, a
   * FeatureStore; a feature still loading shows its title and a note); `focus` moves focus to
   * the title.
   */
  show(selection, index, { focus = false } = {}) {
    this.current = selection;
    this.index = index;
    this.root.hidden = false;
    this.root.dataset.kind = selection.kind;
    this.render();
    this.body.scrollTop = 0;
    if (focus) this.title.focus();
  }

  render() {
    if (!this.current) return;
    this.root.querySelector('.panel-close').setAttribute('aria-label', t('panel.close'));
    this.root.querySelector('.panel-close').title = t('panel.close');
    // Drawing again (new language, new data) keeps the focus on the same control.
    const active = document.activeElement;
    const focusKey = this.body.contains(active) ? (active.name || active.dataset.action || active.dataset.plot || active.dataset.building || null) : null;
    const scroll = this.body.scrollTop;
    const { kind, key } = this.current;
    if (kind === 'plot') this.renderPlot(this.index.plots.get(key), key);
    else if (kind === 'building') this.renderBuilding(this.index.buildings.get(key), key);
    else if (kind === 'figures') this.renderArea(this.index.areas.get(key), key);
    this.body.scrollTop = scroll;
    if (focusKey) {
      const esc = CSS.escape(focusKey);
      this.body.querySelector(`[name="${esc}"], [data-action="${esc}"], [data-plot="${esc}"], [data-building="${esc}"]`)?.focus();
    }
  }

  /** Put these sections (nulls left out) into the panel. */
  fill(...sections) {
    this.body.replaceChildren(...sections.filter((x) => x !== null && x !== undefined));
  }

  /** The planner's editing section and the history, when the page has them. */
  extra(which, kind, feature) {
    const make = this.sections[which];
    return make ? make(kind, feature) : null;
  }

  /** An area's name as a button that opens its figures. */
  areaLink(area, slug) {
    if (!area) return slug;
    return h('button', {
      type: 'button', class: 'link-button', dataset: { area: slug }, title: t('filters.area_figures', { area: area.properties.name }),
      onclick: () => this.onSelect({ kind: 'figures', key: slug }, { via: 'button' }),
    }, area.properties.name);
  }

  missing(what) {
    this.title.textContent = what;
    this.body.replaceChildren(h('p', { class: 'note' }, t('panel.not_found', { what })));
  }

  /** The title at once, the rest once the feature has come from the server. */
  loading(what) {
    this.title.textContent = what;
    this.body.replaceChildren(h('p', { class: 'note', role: 'status' }, t('panel.loading')));
  }

  renderPlot(f, key) {
    if (f === undefined) return this.loading(t('panel.plot', { ref: key }));
    if (!f) return this.missing(t('panel.plot', { ref: key }));
    const p = f.properties;
    const r = new Rows(this.schemas?.get('plots'), p);
    r.mark('reference', 'building_count', 'building_ids');
    this.title.textContent = t('panel.plot', { ref: p.reference });
    const area = this.index.areas.get(p.area);
    let buildings = this.index.buildingsByPlot.get(p.reference);
    if (buildings === undefined) {
      // Asked for again after one of them changed: draw again when they are here.
      const current = this.current;
      this.index.loadBuildingsOf(p.reference).then(() => { if (this.current === current) this.render(); }, () => {});
      buildings = [];
    }
    const ratio = p.plot_ratio_pct === null || p.plot_ratio_pct === undefined ? null
      : p.max_plot_ratio_pct ? `${fmt.percent(p.plot_ratio_pct)} (${t('value.max', { max: fmt.percent(p.max_plot_ratio_pct, 0) })})`
        : fmt.percent(p.plot_ratio_pct);
    this.fill(
      h('p', { class: 'badges' },
        badge(label('land_use', p.land_use), LAND_USE_COLOURS[p.land_use]),
        badge(label('status', p.status), STATUS_COLOURS[p.status])),
      this.extra('edit', 'plot', f),
      section(t('panel.section.plan'), h('dl', {},
        r.prop('area', this.areaLink(area, p.area)),
        r.prop('land_use'),
        r.prop('status'),
        r.prop('lokalplan', p.lokalplan),
        r.joint(['matrikelnummer', 'ejerlav'], t('field.matrikel'), p.matrikelnummer ? [p.matrikelnummer, p.ejerlav].filter(Boolean).join(', ') : null),
        r.prop('max_plot_ratio_pct', p.max_plot_ratio_pct == null ? null : fmt.percent(p.max_plot_ratio_pct, 0)),
        r.prop('max_height_m'),
      )),
      section(t('panel.section.size'), h('dl', {},
        r.joint(['plot_area_m2', 'plot_area_ha'], r.label('plot_area_m2'), fmt.areaM2(p.plot_area_m2)),
        r.prop('floor_area_m2'),
        r.prop('plot_ratio_pct', ratio),
        r.prop('planned_homes'),
        r.prop('planned_jobs'),
      )),
      transitSection(r),
      this.nearbyClusters(p.reference),
      section(t('panel.section.buildings', { count: buildings.length }),
        buildings.length
          ? h('ul', { class: 'building-list' }, buildings.map((b) => {
            const bp = b.properties;
            const cls = dgnbClass(bp);
            return h('li', {}, h('button', {
              type: 'button', class: 'link-button', dataset: { building: bp.reference },
              onclick: () => this.onSelect({ kind: 'building', key: bp.reference }, { via: 'panel' }),
            }, h('span', { class: 'ref' }, bp.reference), ' ', bp.name || ''),
            ' ', badge(label('dgnb_class', cls), DGNB_COLOURS[cls]),
            h('span', { class: 'muted' }, ` · ${fmt.squareMetres(bp.floor_area_m2)} · ${label('construction_status', bp.construction_status)}`));
          }))
          : h('p', { class: 'note' }, t('panel.no_buildings'))),
      ...moreSection(r),
      this.extra('history', 'plot', f),
    );
  }

  renderBuilding(f, key) {
    if (f === undefined) return this.loading(t('panel.building', { ref: key }));
    if (!f) return this.missing(t('panel.building', { ref: key }));
    const p = f.properties;
    const r = new Rows(this.schemas?.get('buildings'), p);
    r.mark('reference', 'plot_id');
    this.title.textContent = t('panel.building', { ref: p.reference });
    const area = this.index.areas.get(p.area);
    const cls = dgnbClass(p);
    const total = p.floor_area_m2 || 0;
    this.fill(
      h('p', { class: 'badges' },
        p.name ? h('strong', { class: 'building-name' }, p.name) : null,
        badge(label('dgnb_class', cls), DGNB_COLOURS[cls])),
      this.extra('edit', 'building', f),
      section(t('panel.section.general'), h('dl', {},
        r.prop('name', p.name),
        r.prop('plot', p.plot ? h('button', {
          type: 'button', class: 'link-button', dataset: { plot: p.plot },
          onclick: () => this.onSelect({ kind: 'plot', key: p.plot }, { via: 'panel' }),
        }, p.plot) : null),
        r.prop('area', this.areaLink(area, p.area)),
        r.prop('construction_status'),
        r.prop('storeys'),
        r.prop('footprint_area_m2'),
        r.prop('floor_area_m2'),
        r.prop('bbr_id', p.bbr_id),
        'cluster' in p ? r.prop('cluster', label('cluster_class', clusterClass(p))) : null,
      )),
      occupantsSection(r),
      section(t('panel.section.floor'), h('dl', {}, enumValues('floor_use').map((u) => {
        const name = `floor_area_${u}_m2`;
        const v = p[name];
        r.mark(name);
        return row(name, label('floor_use', u),
          v ? t('value.of_total', { value: fmt.squareMetres(v), share: fmt.share(total ? v / total : null) }) : fmt.squareMetres(v));
      }))),
      section(t('panel.section.dgnb'), h('dl', {},
        row('dgnb_class', t('field.dgnb_class'), label('dgnb_class', cls)),
        r.prop('dgnb_phase'),
        r.prop('dgnb_target_level'),
        r.prop('dgnb_achieved_level'),
        r.prop('dgnb_total_score_pct'),
        r.prop('dgnb_scheme'),
        r.prop('dgnb_manual_version', p.dgnb_manual_version),
        r.prop('dgnb_certificate_id', p.dgnb_certificate_id),
        r.prop('dgnb_issued_on', p.dgnb_issued_on ? fmt.date(p.dgnb_issued_on) : null),
        r.prop('dgnb_valid_until', p.dgnb_valid_until ? fmt.date(p.dgnb_valid_until) : null),
      ), dgnbGroupTable(r)),
      fingerplanSection(r),
      transitSection(r),
      ...moreSection(r),
      this.extra('history', 'building', f),
    );
  }

  renderArea(f, slug) {
    if (!f) return this.missing(t('panel.area', { name: slug }));
    const p = f.properties;
    this.title.textContent = t('panel.area', { name: p.name });
    const figures = h('div', { class: 'summary', 'aria-live': 'polite' });
    this.body.replaceChildren(
      section(t('panel.section.about'), h('dl', {},
        row('area_size', t('field.area_size'), fmt.areaM2(p.area_m2)),
        row('target_dgnb_level', t('field.target_dgnb_level'), label('dgnb_level', p.target_dgnb_level)),
        row('area_certification', t('field.area_certification'), label('area_certification', p.area_certification)),
        row('plot_count', t('field.plot_count'), fmt.number(p.plot_count)),
        row('building_count', t('field.building_count'), fmt.number(p.building_count)),
        row('accuracy', t('field.accuracy'), label('accuracy', p.accuracy)),
      ), p.description ? h('p', { class: 'description', lang: 'en' }, p.description) : null),
      figures,
    );
    this.loadSummary(slug, figures);
  }

  /** The section of clusters near a plot: drawn from the proximity answer once it has come. */
  nearbyClusters(ref) {
    const body = h('div', { class: 'clusters-near', 'aria-live': 'polite' });
    const draw = (res) => {
      if (!res.ok) return body.replaceChildren(h('p', { class: 'note notice' }, t('panel.clusters_failed', { error: res.error })));
      const rows = res.data?.companies_within_1km;
      return body.replaceChildren(Array.isArray(rows) ? nearbyClustersList(rows) : h('p', { class: 'note' }, t('value.none')));
    };
    const known = this.proximity.get(ref);
    if (known) draw(known);
    else {
      body.replaceChildren(h('p', { class: 'note' }, t('panel.clusters_loading')));
      this.loadProximity(ref).then((res) => {
        if (this.current?.kind === 'plot' && this.current.key === ref && body.isConnected) draw(res);
      });
    }
    return section(t('panel.section.clusters_near'), body, h('p', { class: 'note' }, t('panel.clusters_note')));
  }

  /** GET /plots/{ref}/proximity: kept once answered; one request at a time per plot. */
  loadProximity(ref) {
    if (!this.proximityPending.has(ref)) {
      this.proximityPending.set(ref, (async () => {
        let result;
        try {
          const res = await this.fetchJson(`plots/${encodeURIComponent(ref)}/proximity`);
          result = res.ok ? { ok: true, data: await res.json() } : { ok: false, error: `HTTP ${res.status}` };
        } catch (e) {
          result = { ok: false, error: e.message };
        }
        if (result.ok) this.proximity.set(ref, result);
        return result;
      })().finally(() => this.proximityPending.delete(ref)));
    }
    return this.proximityPending.get(ref);
  }

  async loadSummary(slug, target) {
    const render = (result) => {
      if (this.current?.kind !== 'figures' || this.current.key !== slug) return;
      if (result.ok) target.replaceChildren(renderSummary(result.data, slug));
      else if (result.status === 404) target.replaceChildren(h('p', { class: 'note notice' }, t('summary.not_available')));
      else target.replaceChildren(h('p', { class: 'note notice' }, t('summary.failed', { error: result.error })));
    };
    if (this.summaries.has(slug)) return render(this.summaries.get(slug));
    target.replaceChildren(h('p', { class: 'note' }, t('summary.loading')));
    let result;
    try {
      const res = await this.fetchJson(`areas/${encodeURIComponent(slug)}/summary`);
      result = res.ok ? { ok: true, data: await res.json() } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (e) {
      result = { ok: false, status: 0, error: e.message };
    }
    if (result.ok || result.status === 404) this.summaries.set(slug, result);
    render(result);
  }
}
