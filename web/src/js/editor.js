// Planner mode in the panel: the editing section of a plot or building (its writable properties
// as the server's schema lists them, the status along the lifecycle of GET /rules, the outline
// on the map) for planners of its area, and the history of every plot and building. The state
// lives here, not in the DOM, so that the panel can be drawn again (language, live changes)
// without losing what a planner has typed.
import * as api from './api.js';
import { mayEditArea } from './domain.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { groupHistory } from './history.js';
import { label, language, t } from './i18n.js';
import { OutlineEditor } from './outline.js';
import { allowedNextStatuses, levelsAtLeast } from './rules.js';
import { asInput, formFields, parseInput, propertyTitle } from './schema.js';

const COLLECTION = { plot: 'plots', building: 'buildings' };

/** Does a held ETag name the same version as another (the "-internal" suffix aside)? */
const sameEtag = (a, b) => Boolean(a && b) && a.replace(/^W\//, '').replace(/"/g, '').split('-')[0] === b.replace(/^W\//, '').replace(/"/g, '').split('-')[0];

export class Planner {
  /**
   * `auth` (auth.js), `schemas` (schema.js), `areaOf(slug)` an area's properties (or null),
   * `onSaved(collection, feature)` after a save or reload (the public data follows; a promise it
   * returns is awaited), `getMap()` the MapView (or null), `announce(text)` for screen readers.
   */
  constructor({ auth, schemas, areaOf = () => null, onSaved, getMap, announce, onOutline = () => {} }) {
    this.auth = auth;
    this.schemas = schemas;
    this.areaOf = areaOf;
    /** Called with a feature when its outline editing starts, with null when it ends. */
    this.onOutline = onOutline;
    this.onSaved = onSaved;
    this.getMap = getMap;
    this.announce = announce;
    this.state = null;
    this.editRoot = null;
    this.historyRoot = null;
    this.historyOpen = null; // the reader's choice, kept from feature to feature
    this.outline = null;
  }

  // ---- which feature ----------------------------------------------------------------------

  /** The state for this feature (a new one when the panel shows another). */
  stateFor(kind, feature) {
    const key = `${kind}:${feature.id}`;
    if (this.state?.key !== key) {
      this.stopOutline();
      this.state = {
        key, kind, collection: COLLECTION[kind], id: feature.id, ref: feature.properties.reference,
        area: feature.properties.area,
        load: 'idle', loadError: null, feature: null, etag: null, draft: {}, allowed: null,
        saving: false, message: null, conflict: null, outlineActive: false, outlineChanged: false,
        history: { status: 'idle', groups: [], error: null, all: false },
      };
    }
    this.state.area = feature.properties.area;
    return this.state;
  }

  mayEdit(s = this.state) {
    return Boolean(s) && mayEditArea(this.auth.session, s.area);
  }

  /** Whether the planner has unsaved work on the shown feature. */
  isEditing() {
    const s = this.state;
    if (!s || !this.mayEdit(s)) return false;
    return s.saving || s.outlineActive || this.dirtyFields().length > 0 || Boolean((s.draft.reason || '').trim());
  }

  /** Before showing another feature (or none): false when the planner wants to keep editing. */
  mayLeave(next = null) {
    const s = this.state;
    if (!s || !this.isEditing()) return true;
    if (next && `${next.kind}:${next.key}` === `${s.kind}:${s.ref}`) return true;
    const ok = window.confirm(t('edit.leave_confirm', { what: this.what(s) }));
    if (ok) this.stopOutline();
    return ok;
  }

  what(s = this.state) {
    return t(s.kind === 'plot' ? 'panel.plot' : 'panel.building', { ref: s.ref });
  }

  /** The panel closed: forget the feature (and stop editing its outline). */
  clear() {
    this.stopOutline();
    this.state = null;
    this.editRoot = null;
    this.historyRoot = null;
  }

  /** After signing in or out: draw again, dropping what a viewer may not see. */
  sessionChanged() {
    if (this.state && !this.mayEdit()) {
      this.stopOutline();
      this.state.load = 'idle';
      this.state.feature = null;
      this.state.etag = null;
      this.state.draft = {};
      this.state.message = null;
      this.state.conflict = null;
    }
    // Signed in again after the session ended: the draft is still there, the old complaint is not.
    if (this.state && this.mayEdit() && this.state.message?.kind === 'error') this.state.message = null;
    if (this.state) this.state.history = { status: 'idle', groups: [], error: null, all: false };
  }

  // ---- the fields, from the schema --------------------------------------------------------

  /** The form's fields for a kind (none until its schema has loaded). */
  fields(kind) {
    return formFields(this.schemas.get(COLLECTION[kind]));
  }

  /** A property's label in the current language, with its unit ("Asking price (DKK)"). */
  fieldLabel(collection, name) {
    const schema = this.schemas.get(collection);
    const title = propertyTitle(schema, name, language()) || plainName(name);
    const unit = schema?.properties?.[name]?.['x-ogc-unit'];
    return unit ? `${title} (${fmt.unitText(unit)})` : title;
  }

  // ---- loading ----------------------------------------------------------------------------

  /** GET the feature with its ETag (and, for planners, the internal fields); resets the form. */
  async load({ keepMessage = false } = {}) {
    const s = this.state;
    if (!s) return;
    s.load = 'loading';
    if (!keepMessage) s.message = null;
    this.renderEdit();
    try {
      const [{ feature, etag }, schema] = await Promise.all([api.getItem(s.collection, s.id), this.schemas.load(s.collection)]);
      if (this.state !== s) return;
      if (!schema) throw new Error(t('edit.no_schema'));
      s.feature = feature;
      s.etag = etag;
      s.allowed = null;
      s.conflict = null;
      s.load = 'ready';
      // A fresh start after loading, saving or reloading: nothing of an earlier draft is re-applied.
      s.draft = { ...this.draftFrom(feature), reason: '' };
      // The map, the list and the panel show the feature as it is now before the form says so.
      await Promise.resolve(this.onSaved(s.collection, feature)).catch((e) => console.warn('after saving:', e));
      if (this.state !== s) return;
    } catch (e) {
      if (this.state !== s) return;
      s.load = 'error';
      s.loadError = e.status === 404 ? t('edit.gone', { what: this.what(s) }) : t('edit.load_failed', { error: e.message });
    }
    this.renderEdit();
  }

  /** The form's values for a feature (the reason aside). */
  draftFrom(feature) {
    const p = feature.properties;
    const draft = {};
    for (const f of this.fields(this.state.kind)) draft[f.name] = asInput(p[f.name]);
    return draft;
  }

  /** Names of the fields whose draft differs from the loaded feature. */
  dirtyFields() {
    const s = this.state;
    if (!s?.feature) return [];
    const p = s.feature.properties;
    return this.fields(s.kind)
      .filter((f) => (s.draft[f.name] ?? '').trim() !== asInput(p[f.name]).trim())
      .map((f) => f.name);
  }

  // ---- the editing section ----------------------------------------------------------------

  /** The panel's editing section for a plot or building (null for those who may not edit). */
  editSection(kind, feature) {
    if (!this.auth.signedIn) return null;
    const s = this.stateFor(kind, feature);
    if (!this.mayEdit(s)) {
      return h('section', { class: 'panel-section planner planner-readonly' },
        h('h3', {}, t('edit.title')),
        h('p', { class: 'note' }, t('edit.not_your_area', { area: this.areaOf(s.area)?.name || label('area', s.area) })));
    }
    this.editRoot = h('section', { class: 'panel-section planner', dataset: { planner: kind }, 'aria-labelledby': 'planner-title' });
    if (s.load === 'idle') this.load();
    else this.renderEdit();
    return this.editRoot;
  }

  /** Draw the editing section again in place (the rest of the panel stays). */
  renderEdit() {
    const root = this.editRoot;
    const s = this.state;
    if (!root || !s) return;
    const active = document.activeElement;
    const focusKey = root.contains(active) ? (active.name || active.dataset.action || null) : null;
    root.replaceChildren(...this.editContent(s).filter(Boolean));
    if (focusKey) {
      const again = root.querySelector(`[name="${focusKey}"], [data-action="${focusKey}"]`);
      if (again && !again.disabled) again.focus();
    }
  }

  editContent(s) {
    const head = h('h3', { id: 'planner-title' }, t('edit.title'));
    if (s.load === 'loading' && !s.feature) return [head, h('p', { class: 'note' }, t('edit.loading'))];
    if (s.load === 'error' && !s.feature) {
      return [head, h('p', { class: 'notice notice-error', role: 'alert' }, s.loadError),
        h('button', { type: 'button', class: 'secondary', dataset: { action: 'retry' }, onclick: () => this.load() }, t('edit.retry'))];
    }
    if (!s.feature) return [head];
    const p = s.feature.properties;
    const busy = s.saving || s.load === 'loading';
    const form = h('form', { class: 'edit-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.save(); } });
    const input = (name, attrs = {}) => {
      const el = attrs.tag === 'textarea'
        ? h('textarea', { name, id: `edit-${name}`, rows: attrs.rows || 2, disabled: busy })
        : h('input', { name, id: `edit-${name}`, type: attrs.type || 'text', disabled: busy, ...attrs.extra });
      el.value = s.draft[name] ?? '';
      el.addEventListener('input', () => {
        s.draft[name] = el.value;
        el.removeAttribute('aria-invalid');
        this.renderDirty();
      });
      if (s.message?.kind === 'error' && s.message.field === name) {
        el.setAttribute('aria-invalid', 'true');
        el.setAttribute('aria-describedby', 'edit-message');
      }
      return el;
    };
    const field = (name, control, { wide = false, hint = null, required = false } = {}) => h('div', { class: `field${wide ? ' field-wide' : ''}` },
      h('label', { for: `edit-${name}` }, this.fieldLabel(s.collection, name),
        required ? [' ', h('span', { class: 'required' }, t('edit.required'))] : null),
      control,
      hint ? h('small', { class: 'hint', id: `edit-${name}-hint` }, hint) : null);
    const select = (name, options) => {
      const el = h('select', { name, id: `edit-${name}`, disabled: busy }, options.map(([v, text]) => h('option', { value: v }, text)));
      el.value = s.draft[name] ?? '';
      el.addEventListener('change', () => {
        s.draft[name] = el.value;
        el.removeAttribute('aria-invalid');
        this.renderDirty();
      });
      if (s.message?.kind === 'error' && s.message.field === name) el.setAttribute('aria-invalid', 'true');
      return el;
    };
    const control = (f) => {
      if (s.kind === 'plot' && f.name === 'status') return this.statusControl(s, busy, select);
      const none = f.required ? [] : [['', t('value.none')]];
      switch (f.kind) {
        case 'select':
          return [select(f.name, [...none, ...f.values.map((v) => [v, label(fmt.valueGroup(f.name), v)])])];
        case 'boolean':
          return [select(f.name, [...none, ['true', t('value.yes')], ['false', t('value.no')]])];
        case 'integer':
        case 'number': {
          const whole = f.kind === 'integer';
          const extra = { step: whole ? 1 : 'any', inputmode: whole ? 'numeric' : 'decimal' };
          if (f.min !== null) extra.min = f.min;
          if (f.max !== null) extra.max = f.max;
          return [input(f.name, { type: 'number', extra })];
        }
        case 'date': return [input(f.name, { type: 'date' })];
        case 'textarea': return [input(f.name, { tag: 'textarea', rows: 3 }), { wide: true }];
        default: return [input(f.name, { extra: { autocomplete: 'off' } })];
      }
    };

    const parts = [];
    const fields = this.fields(s.kind);
    const placed = (f) => {
      const [el, opts = {}] = control(f);
      const hint = opts.hint ?? (s.kind === 'building' && f.name === 'dgnb_target_level' ? this.areaTargetHint(s) : null);
      if (f.required && el.setAttribute) el.setAttribute('aria-required', 'true');
      return field(f.name, el, { ...opts, hint, required: f.required });
    };
    for (const f of fields.filter((x) => x.access === 'public')) parts.push(placed(f));
    const internal = fields.filter((x) => x.access === 'planner');
    if (internal.length) {
      parts.push(h('p', { class: 'internal-note field-wide' }, h('span', { class: 'lock', 'aria-hidden': 'true' }), t('edit.internal_note')));
      for (const f of internal) parts.push(placed(f));
    }
    parts.push(this.outlineTools(s, busy));
    const reason = input('reason', { tag: 'textarea', rows: 2 });
    reason.required = true;
    reason.setAttribute('aria-required', 'true');
    parts.push(h('div', { class: 'field field-wide' },
      h('label', { for: 'edit-reason' }, t('edit.field.reason'), ' ', h('span', { class: 'required' }, t('edit.required'))),
      reason,
      h('small', { class: 'hint' }, t('edit.reason_hint'))));

    form.append(h('div', { class: 'edit-grid' }, parts));
    const message = s.message
      ? h('p', { id: 'edit-message', class: `form-message ${s.message.kind}`, role: s.message.kind === 'error' ? 'alert' : 'status' }, s.message.text)
      : h('p', { id: 'edit-message', class: 'form-message', role: 'status' });
    form.append(message, h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary', dataset: { action: 'save' }, disabled: busy }, s.saving ? t('edit.saving') : t('edit.save')),
      h('button', { type: 'button', class: 'secondary', dataset: { action: 'discard' }, disabled: busy, onclick: () => this.discard() }, t('edit.discard')),
      h('span', { class: 'dirty-note', 'aria-live': 'polite' }, this.dirtyText())));

    const notice = this.conflictNotice(s);
    return [head, notice, form];
  }

  /** The status along the lifecycle: the current one and those it may become ([control, options]). */
  statusControl(s, busy, select) {
    const p = s.feature.properties;
    const next = s.allowed || allowedNextStatuses(p.status);
    const el = select('status', [[p.status, t('edit.status_current', { status: label('status', p.status) })],
      ...next.map((v) => [v, label('status', v)])]);
    el.disabled = busy || next.length === 0;
    el.setAttribute('aria-describedby', 'edit-status-hint');
    el.value = next.includes(s.draft.status) ? s.draft.status : p.status;
    if (el.value !== s.draft.status) s.draft.status = el.value;
    const hint = next.length === 0 ? t('edit.status_final', { status: label('status', p.status) })
      : t('edit.status_hint', { status: label('status', p.status), next: listText(next.map((v) => label('status', v))) });
    return [el, { wide: true, hint }];
  }

  /** What the building's area requires of its DGNB target (its `target_dgnb_level`), or null. */
  areaTargetHint(s) {
    const area = this.areaOf(s.area);
    const levels = levelsAtLeast(area?.target_dgnb_level);
    if (!levels.length) return null;
    return t('edit.area_dgnb_target', {
      area: area.name || label('area', s.area),
      levels: listText(levels.map((l) => label('dgnb_level', l)), 'list.or'),
    });
  }

  dirtyText() {
    const s = this.state;
    if (!s) return '';
    const n = this.dirtyFields().length + (s.outlineChanged ? 1 : 0);
    return n ? t('edit.unsaved', { n }) : '';
  }

  /** Update what depends on the draft without redrawing the inputs (so typing is never disturbed). */
  renderDirty() {
    const note = this.editRoot?.querySelector('.dirty-note');
    if (note) note.textContent = this.dirtyText();
    document.body.classList.toggle('planner-editing', this.isEditing());
  }

  conflictNotice(s) {
    if (!s.conflict) return null;
    const text = s.conflict.kind === 'stale'
      ? t('edit.conflict', { what: this.what(s) })
      : t('edit.remote_change', {
        what: this.what(s), user: s.conflict.by || t('edit.someone'),
        reason: s.conflict.reason ? t('edit.remote_reason', { reason: s.conflict.reason }) : '',
      });
    return h('div', { class: 'notice notice-warn conflict', role: 'alert', dataset: { conflict: s.conflict.kind } },
      h('p', {}, text),
      h('p', { class: 'conflict-hint' }, t('edit.reload_hint')),
      h('button', { type: 'button', class: 'primary', dataset: { action: 'reload' }, onclick: () => this.reload() }, t('edit.reload')));
  }

  /** Throw the draft and the outline away and fetch the feature as it is now. */
  async reload() {
    this.stopOutline();
    if (this.state) {
      this.state.draft = {};
      this.state.message = null;
    }
    await this.load();
    this.announce(t('edit.reloaded', { what: this.what() }));
    this.editRoot?.querySelector('[name="status"], [name="dgnb_phase"]')?.focus();
    this.loadHistory({ force: true });
  }

  discard() {
    const s = this.state;
    if (!s?.feature) return;
    this.stopOutline();
    s.draft = { ...this.draftFrom(s.feature), reason: '' };
    s.message = null;
    this.renderEdit();
    this.renderDirty();
  }

  // ---- the outline ------------------------------------------------------------------------

  outlineTools(s, busy) {
    const wrap = h('div', { class: 'outline-tools field-wide', role: 'group', 'aria-labelledby': 'outline-title' },
      h('p', { class: 'outline-title', id: 'outline-title' }, t(s.kind === 'plot' ? 'edit.outline_plot' : 'edit.outline_building')));
    if (!s.outlineActive) {
      wrap.append(h('button', {
        type: 'button', class: 'secondary', dataset: { action: 'edit-outline' }, disabled: busy || s.feature.geometry?.type !== 'Polygon',
        onclick: () => this.startOutline(),
      }, t('edit.outline_start')));
      return wrap;
    }
    const drawing = this.outline?.drawing;
    const step = Number(s.step || 1);
    const nudge = (dir, east, north, sym) => h('button', {
      type: 'button', class: `nudge nudge-${dir}`, dataset: { action: `nudge-${dir}` }, disabled: busy || drawing,
      'aria-label': t(`edit.nudge_${dir}`, { m: step }), title: t(`edit.nudge_${dir}`, { m: step }),
      onclick: () => this.outline?.move(east * step, north * step),
    }, h('span', { 'aria-hidden': 'true' }, sym));
    const stepSelect = h('select', { name: 'step', id: 'edit-step', disabled: busy },
      [1, 5, 20].map((m) => h('option', { value: m }, `${m} m`)));
    stepSelect.value = String(step);
    stepSelect.addEventListener('change', () => {
      s.step = Number(stepSelect.value);
      this.renderEdit();
    });
    wrap.append(
      h('p', { class: 'hint' }, t(drawing ? 'edit.outline_drawing' : 'edit.outline_help')),
      h('div', { class: 'nudge-row' },
        h('div', { class: 'nudge-pad' },
          nudge('north', 0, 1, '↑'), nudge('west', -1, 0, '←'), nudge('east', 1, 0, '→'), nudge('south', 0, -1, '↓')),
        h('label', { class: 'field step-field', for: 'edit-step' }, t('edit.step'), stepSelect)),
      h('div', { class: 'outline-actions' },
        h('button', { type: 'button', class: 'secondary', dataset: { action: 'redraw' }, disabled: busy, onclick: () => this.outline?.redraw() }, t('edit.outline_redraw')),
        h('button', { type: 'button', class: 'secondary', dataset: { action: 'outline-reset' }, disabled: busy, onclick: () => this.outline?.reset() }, t('edit.outline_reset')),
        h('button', { type: 'button', class: 'secondary', dataset: { action: 'outline-cancel' }, disabled: busy, onclick: () => this.cancelOutline() }, t('edit.outline_cancel'))),
      h('p', { class: 'note outline-state', 'aria-live': 'polite' }, s.outlineChanged ? t('edit.outline_changed') : t('edit.outline_unchanged')),
    );
    return wrap;
  }

  async startOutline() {
    const s = this.state;
    const map = this.getMap();
    if (!s?.feature || !map) return;
    this.getMap()?.clearProblem();
    if (!this.outline) {
      this.outline = new OutlineEditor(map.map, {
        onChange: () => {
          if (!this.state) return;
          this.state.outlineChanged = this.outline.changed();
          const st = this.editRoot?.querySelector('.outline-state');
          if (st) st.textContent = this.state.outlineChanged ? t('edit.outline_changed') : t('edit.outline_unchanged');
          const hint = this.editRoot?.querySelector('.outline-tools .hint');
          if (hint) hint.textContent = t(this.outline.drawing ? 'edit.outline_drawing' : 'edit.outline_help');
          for (const b of this.editRoot?.querySelectorAll('.nudge') || []) b.disabled = this.outline.drawing || this.state.saving;
          this.renderDirty();
        },
      });
    }
    try {
      await this.outline.start(s.feature.geometry);
    } catch (e) {
      s.message = { kind: 'error', text: t('edit.outline_failed', { error: e.message }) };
      this.renderEdit();
      return;
    }
    if (this.state !== s) {
      this.outline.stop();
      return;
    }
    map.setEditing(true);
    this.onOutline(s.feature);
    s.outlineActive = true;
    s.outlineChanged = false;
    this.renderEdit();
    this.renderDirty();
    this.editRoot?.querySelector('[data-action="nudge-north"]')?.focus();
    this.announce(t('edit.outline_started'));
  }

  cancelOutline() {
    this.stopOutline();
    this.renderEdit();
    this.renderDirty();
    this.editRoot?.querySelector('[data-action="edit-outline"]')?.focus();
  }

  stopOutline() {
    if (this.outline?.active) this.onOutline(null);
    this.outline?.stop();
    this.getMap()?.setEditing(false);
    this.getMap()?.clearProblem();
    if (this.state) {
      this.state.outlineActive = false;
      this.state.outlineChanged = false;
    }
    document.body.classList.toggle('planner-editing', false);
  }

  /** For tests and tools: put this outline (GeoJSON Polygon) in the editor, as if drawn. */
  async setOutline(geometry) {
    if (!this.state?.outlineActive) await this.startOutline();
    this.outline.replace(geometry);
  }

  // ---- saving -----------------------------------------------------------------------------

  /** Send the changed fields (and outline) as one merge patch with If-Match and the reason. */
  async save() {
    const s = this.state;
    if (!s?.feature || s.saving) return;
    const properties = {};
    const dirty = new Set(this.dirtyFields());
    for (const f of this.fields(s.kind).filter((x) => dirty.has(x.name))) {
      const parsed = parseInput(f, s.draft[f.name]);
      if (parsed.error) {
        const fieldText = this.fieldLabel(s.collection, f.name);
        const range = parsed.error === 'range' ? { min: fmt.number(f.min ?? -Infinity, 6), max: fmt.number(f.max ?? Infinity, 6) } : {};
        return this.fail({ text: t(`edit.bad_${parsed.error}`, { field: fieldText, ...range }), field: f.name });
      }
      properties[f.name] = parsed.value;
    }
    const geometry = s.outlineActive && s.outlineChanged ? this.outline?.geometry() : null;
    if (s.outlineActive && this.outline?.drawing) return this.fail({ text: t('edit.outline_unfinished') });
    if (!Object.keys(properties).length && !geometry) return this.fail({ text: t('edit.nothing'), kind: 'info' });
    const reason = (s.draft.reason || '').trim();
    if (!reason) return this.fail({ text: t('edit.reason_missing'), field: 'reason' });

    const patch = {};
    if (Object.keys(properties).length) patch.properties = properties;
    if (geometry) patch.geometry = geometry;
    s.saving = true;
    s.message = { kind: 'info', text: t('edit.saving') };
    this.getMap()?.clearProblem();
    this.renderEdit();
    try {
      await api.patchItem(s.collection, s.id, patch, { etag: s.etag, reason });
      if (this.state !== s) return;
      s.saving = false;
      this.stopOutline();
      const changed = [...Object.keys(properties).map((k) => this.fieldLabel(s.collection, k)), ...(geometry ? [t('edit.outline')] : [])];
      const saved = { kind: 'ok', text: t('edit.saved', { what: this.what(s), fields: listText(changed) }) };
      // "Saved" once the page shows the saved version everywhere (the form, the list, the map).
      await this.load({ keepMessage: true });
      if (this.state !== s) return;
      s.message = saved;
      this.renderEdit();
      this.announce(s.message.text);
      this.loadHistory({ force: true });
    } catch (e) {
      if (this.state !== s) return;
      s.saving = false;
      this.handleError(e, patch);
    }
  }

  fail({ text, field = null, kind = 'error' }) {
    const s = this.state;
    s.message = { kind, text, field };
    this.renderEdit();
    if (field) this.editRoot?.querySelector(`[name="${field}"]`)?.focus();
    return false;
  }

  handleError(e, patch) {
    const s = this.state;
    const map = this.getMap();
    switch (e.status) {
      case 412:
        s.conflict = { kind: 'stale' };
        s.message = { kind: 'error', text: t('edit.not_saved') };
        break;
      case 409:
        if (e.code === 'illegal_transition' && e.allowed) {
          s.allowed = e.allowed;
          s.message = {
            kind: 'error', field: 'status',
            text: t('edit.illegal', {
              from: label('status', e.from || s.feature.properties.status), to: label('status', patch.properties?.status),
              next: e.allowed.length ? listText(e.allowed.map((v) => label('status', v))) : t('edit.nothing_next'),
            }),
          };
          s.draft.status = s.feature.properties.status;
        } else {
          s.message = { kind: 'error', text: t('edit.failed', { error: e.message }) };
        }
        break;
      case 422: {
        const geometryProblem = e.field === 'geometry' || e.location;
        s.message = {
          kind: 'error', field: geometryProblem ? null : e.field,
          text: geometryProblem ? t('edit.outline_invalid', { error: e.message }) : t('edit.invalid', { error: e.message }),
        };
        if (geometryProblem && map) {
          map.showProblem(e.location, t('edit.problem_here', { error: e.message }), e.overlapping || []);
          if (e.location) s.message.text += ` ${t('edit.problem_marked')}`;
        }
        break;
      }
      case 401:
        // The session has ended: sign in again here, and what was typed is still there to save.
        s.message = { kind: 'error', text: t('edit.signed_out') };
        this.renderEdit();
        this.auth.open(t('edit.signed_out'));
        return;
      case 403:
        if (e.code === 'csrf') {
          this.auth.refresh();
          s.message = { kind: 'error', text: t('edit.csrf') };
        } else {
          s.message = { kind: 'error', text: t('edit.forbidden', { error: e.message }) };
        }
        break;
      case 428:
        s.message = { kind: 'error', text: t('edit.precondition_required') };
        s.conflict = { kind: 'stale' };
        break;
      case 0:
        s.message = { kind: 'error', text: t('edit.offline') };
        break;
      default:
        s.message = { kind: 'error', text: t('edit.failed', { error: e.message }) };
    }
    this.renderEdit();
    const focus = s.conflict ? '[data-action="reload"]' : s.message.field ? `[name="${s.message.field}"]` : '#edit-message';
    const el = this.editRoot?.querySelector(focus);
    if (el) {
      if (el.id === 'edit-message') el.tabIndex = -1;
      el.focus();
    }
  }

  // ---- live changes -----------------------------------------------------------------------

  /** A history entry (from the change stream) touched this feature. */
  async liveChange(collection, id, entry) {
    const s = this.state;
    if (!s || s.collection !== collection || s.id !== id) return;
    if (this.historyRoot && (s.history.status === 'ok' || s.history.status === 'loading')) this.loadHistory({ force: true });
    if (!this.mayEdit(s) || s.load !== 'ready' || s.saving) return;
    let current;
    try {
      current = await api.getItem(collection, id);
    } catch (e) {
      if (e.status === 404 && this.state === s) {
        s.conflict = { kind: 'remote', by: entry.changed_by, reason: entry.reason };
        this.renderEdit();
      }
      return;
    }
    if (this.state !== s || s.saving || sameEtag(current.etag, s.etag)) return;
    if (this.isEditing()) {
      // Keep what the planner typed; say what happened and offer the current version (a 412
      // already said so, more to the point).
      if (s.conflict?.kind === 'stale') return;
      s.conflict = { kind: 'remote', by: entry.changed_by, reason: entry.reason };
      this.renderEdit();
      this.announce(t('edit.remote_change', { what: this.what(s), user: entry.changed_by || t('edit.someone'), reason: '' }));
    } else {
      s.feature = current.feature;
      s.etag = current.etag;
      s.allowed = null;
      s.draft = { ...this.draftFrom(current.feature), reason: '' };
      this.onSaved(collection, current.feature);
      this.renderEdit();
    }
  }

  // ---- history ----------------------------------------------------------------------------

  /** The panel's history section: who changed what, when and why (newest first). */
  historySection(kind, feature) {
    const s = this.stateFor(kind, feature);
    const open = this.historyOpen ?? this.auth.signedIn;
    const details = h('details', { class: 'history', open: open || null });
    details.addEventListener('toggle', () => {
      this.historyOpen = details.open;
      if (details.open) this.loadHistory();
    });
    this.historyRoot = h('section', { class: 'panel-section history-section', dataset: { history: kind } }, details);
    this.renderHistory();
    if (open) this.loadHistory();
    return this.historyRoot;
  }

  async loadHistory({ force = false } = {}) {
    const s = this.state;
    if (!s || !this.historyRoot) return;
    if (!force && (s.history.status === 'ok' || s.history.status === 'loading')) return;
    if (!this.historyRoot.querySelector('details')?.open && !force) return;
    s.history.status = s.history.groups.length ? s.history.status : 'loading';
    const seq = (s.history.seq || 0) + 1;
    s.history.seq = seq;
    this.renderHistory();
    try {
      const entries = await api.getHistory(s.collection, s.id);
      if (this.state !== s || s.history.seq !== seq) return;
      s.history = { ...s.history, status: 'ok', groups: groupHistory(entries), error: null };
    } catch (e) {
      if (this.state !== s || s.history.seq !== seq) return;
      s.history = { ...s.history, status: e.status === 404 ? 'ok' : 'error', groups: [], error: e.message };
    }
    this.renderHistory();
  }

  renderHistory() {
    const root = this.historyRoot;
    const s = this.state;
    if (!root || !s) return;
    const details = root.querySelector('details');
    const { history } = s;
    const count = history.status === 'ok' ? ` (${history.groups.length})` : '';
    const body = [];
    if (history.status === 'loading' || history.status === 'idle') body.push(h('p', { class: 'note' }, t('history.loading')));
    else if (history.status === 'error') body.push(h('p', { class: 'note notice' }, t('history.failed', { error: history.error })));
    else if (!history.groups.length) body.push(h('p', { class: 'note' }, t('history.empty')));
    else {
      const shown = history.all ? history.groups : history.groups.slice(0, 8);
      const schema = this.schemas.get(s.collection);
      body.push(h('ol', { class: 'history-list' }, shown.map((g) => renderGroup(g, {
        name: (field) => this.fieldLabel(s.collection, field),
        value: (field, v) => valueText(schema?.properties?.[field], field, v),
      }))));
      if (history.groups.length > shown.length) {
        body.push(h('button', {
          type: 'button', class: 'link-button', dataset: { action: 'history-all' },
          onclick: () => { s.history.all = true; this.renderHistory(); },
        }, t('history.show_all', { n: history.groups.length })));
      }
    }
    if (!this.auth.signedIn) body.push(h('p', { class: 'note' }, t('history.public_note')));
    details.replaceChildren(h('summary', {}, h('h3', {}, `${t('history.title')}${count}`)), ...body);
  }
}

// ---- history entries ------------------------------------------------------------------------

function renderGroup(g, text) {
  const items = [];
  if (g.operation === 'insert') items.push(h('li', {}, t('history.created')));
  else if (g.operation === 'delete') items.push(h('li', {}, t('history.deleted')));
  else {
    for (const c of g.changes) {
      items.push(h('li', { dataset: { field: c.field } },
        h('span', { class: 'history-field' }, text.name(c.field)), ': ',
        h('span', { class: 'history-old' }, text.value(c.field, c.from)), h('span', { 'aria-hidden': 'true' }, ' → '),
        h('span', { class: 'visually-hidden' }, ` ${t('history.to')} `),
        h('span', { class: 'history-new' }, text.value(c.field, c.to))));
    }
    if (g.outline) items.push(h('li', { dataset: { field: 'outline' } }, t('history.outline')));
    if (!items.length) items.push(h('li', { class: 'muted' }, t('history.derived_only')));
  }
  return h('li', { class: 'history-entry', dataset: { ids: g.ids.join(',') } },
    h('p', { class: 'history-meta' },
      h('time', { datetime: g.changed_at }, fmt.dateTime(g.changed_at)), ' · ',
      h('span', { class: 'history-user' }, g.changed_by || t('value.none'))),
    g.reason ? h('p', { class: 'history-reason', title: g.reason.length > 160 ? g.reason : null },
      g.reason.length > 160 ? `${g.reason.slice(0, 159)}…` : g.reason) : null,
    h('ul', { class: 'history-changes' }, items));
}

/** A property's name for a reader when the schema has no title for it ("planned_homes" → "Planned homes"). */
function plainName(field) {
  const plain = field.replace(/_/g, ' ');
  return plain.charAt(0).toUpperCase() + plain.slice(1);
}

/** A value in a history entry, by the property's schema definition `d` (if the schema has it). */
function valueText(d, field, v) {
  return fmt.propertyValue(d, field, v);
}

/** "a, b and c" (or, with 'list.or', "a, b or c") in the current language. */
function listText(items, last = 'list.and') {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${t(last)} ${items[items.length - 1]}`;
}
