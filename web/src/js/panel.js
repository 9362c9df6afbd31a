// The side panel: every property of a plot or a building in plain words, and an area's figures.
import * as fmt from './format.js';
import { DGNB_COLOURS, LAND_USE_COLOURS, STATUS_COLOURS, dgnbClass } from './domain.js';
import { label, t } from './i18n.js';
import { renderSummary } from './summary.js';
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

function transitSection(p) {
  return section(
    t('panel.section.transit'),
    h('dl', {},
      row('nearest_station_distance_m', t('field.nearest_station'), distance(p.nearest_station, p.nearest_station_distance_m)),
      row('within_600m_of_station', t('field.within_600m'), p.within_600m_of_station == null ? null
        : t(p.within_600m_of_station ? 'value.yes' : 'value.no')),
      row('nearest_brt_stop_distance_m', t('field.nearest_brt_stop'), distance(
        p.nearest_brt_stop, p.nearest_brt_stop_distance_m,
        p.nearest_brt_line ? t('value.line', { line: p.nearest_brt_line, status: label('brt_status', p.nearest_brt_line_status) }) : null,
      )),
      row('nearest_cycle_superhighway_distance_m', t('field.nearest_cycle'), distance(p.nearest_cycle_superhighway, p.nearest_cycle_superhighway_distance_m)),
    ),
    h('p', { class: 'note', title: p.distance_method || '' }, t('panel.distance_note')),
  );
}

function recordSection(p) {
  return section(t('panel.section.record'), h('dl', {},
    row('accuracy', t('field.accuracy'), label('accuracy', p.accuracy)),
    row('updated_at', t('field.updated_at'), fmt.dateTime(p.updated_at)),
  ));
}

export class Panel {
  /** `onSelect` opens another feature (a plot's building, a building's plot). */
  constructor(root, { onSelect, onClose, fetchJson, sections = {} }) {
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

  /** Show a selection ({kind, key}) using the loaded data (`index`); `focus` moves focus to the title. */
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

  renderPlot(f, key) {
    if (!f) return this.missing(t('panel.plot', { ref: key }));
    const p = f.properties;
    this.title.textContent = t('panel.plot', { ref: p.reference });
    const area = this.index.areas.get(p.area);
    const buildings = this.index.buildingsByPlot.get(p.reference) || [];
    const ratio = p.plot_ratio_pct === null || p.plot_ratio_pct === undefined ? null
      : p.max_plot_ratio_pct ? `${fmt.percent(p.plot_ratio_pct)} (${t('value.max', { max: fmt.percent(p.max_plot_ratio_pct, 0) })})`
        : fmt.percent(p.plot_ratio_pct);
    this.fill(
      h('p', { class: 'badges' },
        badge(label('land_use', p.land_use), LAND_USE_COLOURS[p.land_use]),
        badge(label('status', p.status), STATUS_COLOURS[p.status])),
      this.extra('edit', 'plot', f),
      section(t('panel.section.plan'), h('dl', {},
        row('area', t('field.area'), this.areaLink(area, p.area)),
        row('land_use', t('field.land_use'), label('land_use', p.land_use)),
        row('status', t('field.status'), label('status', p.status)),
        row('lokalplan', t('field.lokalplan'), p.lokalplan),
        row('matrikel', t('field.matrikel'), p.matrikelnummer ? [p.matrikelnummer, p.ejerlav].filter(Boolean).join(', ') : null),
        row('max_plot_ratio_pct', t('field.max_plot_ratio_pct'), p.max_plot_ratio_pct == null ? null : fmt.percent(p.max_plot_ratio_pct, 0)),
        row('max_height_m', t('field.max_height_m'), p.max_height_m == null ? null : fmt.metres(p.max_height_m)),
      )),
      section(t('panel.section.size'), h('dl', {},
        row('plot_area_m2', t('field.plot_area'), fmt.areaM2(p.plot_area_m2)),
        row('floor_area_m2', t('field.floor_area_m2'), fmt.squareMetres(p.floor_area_m2)),
        row('plot_ratio_pct', t('field.plot_ratio_pct'), ratio),
        row('planned_homes', t('field.planned_homes'), fmt.number(p.planned_homes)),
        row('planned_jobs', t('field.planned_jobs'), fmt.number(p.planned_jobs)),
      )),
      transitSection(p),
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
      recordSection(p),
      this.extra('history', 'plot', f),
    );
  }

  renderBuilding(f, key) {
    if (!f) return this.missing(t('panel.building', { ref: key }));
    const p = f.properties;
    this.title.textContent = t('panel.building', { ref: p.reference });
    const area = this.index.areas.get(p.area);
    const cls = dgnbClass(p);
    const total = p.floor_area_m2 || 0;
    const uses = ['residential', 'office', 'laboratory', 'retail', 'other'];
    this.fill(
      h('p', { class: 'badges' },
        p.name ? h('strong', { class: 'building-name' }, p.name) : null,
        badge(label('dgnb_class', cls), DGNB_COLOURS[cls])),
      this.extra('edit', 'building', f),
      section(t('panel.section.general'), h('dl', {},
        row('name', t('field.name'), p.name),
        row('plot', t('field.plot'), p.plot ? h('button', {
          type: 'button', class: 'link-button', dataset: { plot: p.plot },
          onclick: () => this.onSelect({ kind: 'plot', key: p.plot }, { via: 'panel' }),
        }, p.plot) : null),
        row('area', t('field.area'), this.areaLink(area, p.area)),
        row('construction_status', t('field.construction_status'), label('construction_status', p.construction_status)),
        row('storeys', t('field.storeys'), fmt.number(p.storeys)),
        row('footprint_area_m2', t('field.footprint_area_m2'), fmt.squareMetres(p.footprint_area_m2)),
        row('floor_area_m2', t('field.floor_area_m2'), fmt.squareMetres(p.floor_area_m2)),
        row('bbr_id', t('field.bbr_id'), p.bbr_id),
      )),
      section(t('panel.section.floor'), h('dl', {}, uses.map((u) => {
        const v = p[`floor_area_${u}_m2`];
        return row(`floor_area_${u}_m2`, t(`field.floor_area_${u}_m2`),
          v ? t('value.of_total', { value: fmt.squareMetres(v), share: fmt.share(total ? v / total : null) }) : fmt.squareMetres(v));
      }))),
      section(t('panel.section.dgnb'), h('dl', {},
        row('dgnb_class', t('field.dgnb_class'), label('dgnb_class', cls)),
        row('dgnb_phase', t('field.dgnb_phase'), label('dgnb_phase', p.dgnb_phase)),
        row('dgnb_target_level', t('field.dgnb_target_level'), label('dgnb_level', p.dgnb_target_level)),
        row('dgnb_achieved_level', t('field.dgnb_achieved_level'), label('dgnb_level', p.dgnb_achieved_level)),
        row('dgnb_total_score_pct', t('field.dgnb_total_score_pct'), p.dgnb_total_score_pct == null ? null : fmt.percent(p.dgnb_total_score_pct)),
        row('dgnb_scheme', t('field.dgnb_scheme'), label('dgnb_scheme', p.dgnb_scheme)),
        row('dgnb_manual_version', t('field.dgnb_manual_version'), p.dgnb_manual_version),
        row('dgnb_certificate_id', t('field.dgnb_certificate_id'), p.dgnb_certificate_id),
        row('dgnb_issued_on', t('field.dgnb_issued_on'), p.dgnb_issued_on ? fmt.date(p.dgnb_issued_on) : null),
        row('dgnb_valid_until', t('field.dgnb_valid_until'), p.dgnb_valid_until ? fmt.date(p.dgnb_valid_until) : null),
      )),
      transitSection(p),
      recordSection(p),
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
