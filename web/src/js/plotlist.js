// The list of matching plots beside the map: a real table, one focusable row per plot, one page
// at a time. The server filters (CQL2), sorts and counts (numberMatched); the page only shows.
// Keyboard: Tab reaches the list (one row at a time), arrows/Home/End move, Enter or Space selects.
import { hectares, number } from './format.js';
import { STATUS_COLOURS, LAND_USE_COLOURS } from './domain.js';
import { label, t } from './i18n.js';

const COLUMNS = [
  { key: 'reference', title: 'list.reference', numeric: false },
  { key: 'land_use', title: 'list.use', numeric: false },
  { key: 'status', title: 'list.status', numeric: false },
  { key: 'plot_area_ha', title: 'list.area_ha', numeric: true },
  { key: 'nearest_station_distance_m', title: 'list.station_m', numeric: true },
];

/** The properties a row shows: the server sends only these. */
const ROW_PROPERTIES = ['reference', 'land_use', 'status', 'plot_area_ha', 'nearest_station_distance_m', 'nearest_station'];

/** Rows per page. */
export const PAGE_SIZE = 100;

export class PlotList {
  /**
   * `fetchPage({ filter, sortby, limit, offset, properties })` answers { features, numberMatched }
   * (GET /collections/plots/items); `onSelect` gets a chosen plot.
   */
  constructor(table, { onSelect, fetchPage, pager }) {
    this.table = table;
    this.onSelect = onSelect;
    this.fetchPage = fetchPage;
    this.pager = pager;
    this.rows = [];
    /** Plots matching the filter (numberMatched), and in all. */
    this.matched = 0;
    this.total = 0;
    this.filter = null;
    this.offset = 0;
    this.loaded = false;
    this.selected = null;
    this.sort = { key: 'reference', dir: 1 };
    this.focusRef = null;
    this.seq = 0;
    this.loading = Promise.resolve();

    table.addEventListener('click', (e) => {
      const sortButton = e.target.closest('button[data-sort]');
      if (sortButton) {
        const key = sortButton.dataset.sort;
        this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : 1 };
        this.load({ offset: 0 });
        return;
      }
      const tr = e.target.closest('tbody tr[data-ref]');
      if (tr) this.select(tr.dataset.ref);
    });
    table.addEventListener('keydown', (e) => this.onKey(e));
    pager?.addEventListener('click', (e) => {
      const step = { prev: -PAGE_SIZE, next: PAGE_SIZE }[e.target.closest('button[data-page]')?.dataset.page];
      if (step) this.load({ offset: Math.max(0, this.offset + step) });
    });
    table.addEventListener('focusin', (e) => {
      const tr = e.target.closest('tbody tr[data-ref]');
      if (tr) this.setRoving(tr);
    });
  }

  select(ref) {
    this.focusRef = ref;
    this.onSelect({ kind: 'plot', key: ref }, { via: 'list' });
  }

  onKey(e) {
    const tr = e.target.closest('tbody tr[data-ref]');
    if (!tr) return;
    const rows = [...this.table.tBodies[0].rows].filter((r) => r.dataset.ref);
    const i = rows.indexOf(tr);
    let next = null;
    switch (e.key) {
      case 'ArrowDown': next = rows[Math.min(i + 1, rows.length - 1)]; break;
      case 'ArrowUp': next = rows[Math.max(i - 1, 0)]; break;
      case 'Home': next = rows[0]; break;
      case 'End': next = rows[rows.length - 1]; break;
      case 'PageDown': next = rows[Math.min(i + 10, rows.length - 1)]; break;
      case 'PageUp': next = rows[Math.max(i - 10, 0)]; break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.select(tr.dataset.ref);
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next) {
      this.setRoving(next);
      next.focus();
    }
  }

  setRoving(tr) {
    for (const r of this.table.tBodies[0].rows) r.tabIndex = -1;
    tr.tabIndex = 0;
    this.focusRef = tr.dataset.ref;
  }

  /** Show the plots this CQL2 filter (null: all) matches, from the first page. */
  setFilter(filter) {
    this.filter = filter;
    return this.load({ offset: 0 });
  }

  /** Ask for the current page again (after a change to the data). */
  reload() {
    return this.load({ offset: this.offset });
  }

  /** The server's sort order: the column, then the reference, so that pages do not overlap. */
  sortby() {
    const { key, dir } = this.sort;
    const first = `${dir > 0 ? '' : '-'}${key}`;
    return key === 'reference' ? first : `${first},reference`;
  }

  /** Fetch one page (the newest request wins) and show it. Resolves once shown. */
  load({ offset }) {
    const seq = ++this.seq;
    this.table.setAttribute('aria-busy', 'true');
    const done = this.fetchPage({
      filter: this.filter, sortby: this.sortby(), limit: PAGE_SIZE, offset, properties: ROW_PROPERTIES,
    }).then((page) => {
      if (seq !== this.seq) return;
      this.rows = page.features.map((f) => f.properties);
      this.matched = page.numberMatched ?? this.rows.length;
      if (this.filter === null) this.total = this.matched;
      this.offset = offset;
      this.loaded = true;
      this.error = null;
      this.render();
    }, (e) => {
      if (seq !== this.seq) return;
      console.warn('plot list:', e.message);
      this.error = e.message;
      this.render();
    }).finally(() => {
      if (seq === this.seq) this.table.removeAttribute('aria-busy');
    });
    this.loading = done;
    return done;
  }

  /** Resolves once the newest page asked for is shown. */
  async settled() {
    let seen;
    do {
      seen = this.loading;
      await seen;
    } while (seen !== this.loading);
  }

  /** Patch one plot's row in place (from a saved or changed feature), if it is on this page. */
  updateRow(properties) {
    const i = this.rows.findIndex((p) => p.reference === properties.reference);
    if (i < 0) return false;
    this.rows[i] = { ...this.rows[i], ...Object.fromEntries(ROW_PROPERTIES.map((k) => [k, properties[k]])) };
    this.render();
    return true;
  }

  /** Mark the row of this plot reference (or none) as the current one, and scroll it into view. */
  setSelected(ref, { scroll = true } = {}) {
    this.selected = ref;
    for (const tr of this.table.tBodies[0].rows) {
      const on = tr.dataset.ref === ref;
      tr.classList.toggle('selected', on);
      if (on) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
      if (on && scroll) this.scrollToRow(tr);
    }
  }

  /** Scroll the list (not the page: on narrow screens the list does not scroll itself) to a row. */
  scrollToRow(tr) {
    const wrap = this.table.closest('.list-wrap');
    if (!wrap || wrap.scrollHeight <= wrap.clientHeight || getComputedStyle(wrap).overflowY === 'visible') return;
    const head = this.table.tHead.getBoundingClientRect().height;
    const r = tr.getBoundingClientRect();
    const w = wrap.getBoundingClientRect();
    if (r.top < w.top + head) wrap.scrollTop -= w.top + head - r.top;
    else if (r.bottom > w.bottom) wrap.scrollTop += r.bottom - w.bottom;
  }

  /** Previous/next page and which rows of how many these are. */
  renderPager() {
    const { pager } = this;
    if (!pager) return;
    const last = Math.min(this.offset + this.rows.length, this.matched);
    pager.hidden = this.matched <= PAGE_SIZE && this.offset === 0;
    pager.querySelector('.pager-range').textContent = this.rows.length
      ? t('list.range', { from: number(this.offset + 1), to: number(last), of: number(this.matched) }) : '';
    const prev = pager.querySelector('[data-page="prev"]');
    const next = pager.querySelector('[data-page="next"]');
    prev.textContent = t('list.prev');
    next.textContent = t('list.next');
    prev.disabled = this.offset === 0;
    next.disabled = last >= this.matched;
  }

  render(colourBy = this.colourBy) {
    this.colourBy = colourBy;
    const { table } = this;
    const hadFocus = table.contains(document.activeElement) && document.activeElement.tagName === 'TR';
    table.caption.querySelector('.caption-title').textContent = t('list.caption', { shown: number(this.matched), total: number(this.total) });
    this.renderPager();
    table.caption.querySelector('.caption-hint').textContent = t('list.caption_hint');

    const headRow = table.tHead.rows[0];
    headRow.replaceChildren(...COLUMNS.map((c) => {
      const th = document.createElement('th');
      th.scope = 'col';
      if (c.numeric) th.className = 'num';
      const active = this.sort.key === c.key;
      th.setAttribute('aria-sort', active ? (this.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.sort = c.key;
      b.textContent = t(c.title);
      b.title = t('list.sort_by', { column: t(c.title) });
      if (active) {
        const arrow = document.createElement('span');
        arrow.setAttribute('aria-hidden', 'true');
        arrow.textContent = this.sort.dir > 0 ? ' ▲' : ' ▼';
        b.append(arrow);
      }
      th.append(b);
      return th;
    }));

    const body = table.tBodies[0];
    const { rows } = this;
    if (!rows.length) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = COLUMNS.length;
      td.className = 'empty';
      td.textContent = this.error ? t('list.failed', { error: this.error }) : this.loaded ? t('list.empty') : t('list.loading');
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    const focusRef = rows.some((p) => p.reference === this.focusRef) ? this.focusRef
      : rows.some((p) => p.reference === this.selected) ? this.selected : rows[0].reference;
    body.replaceChildren(...rows.map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.ref = p.reference;
      tr.tabIndex = p.reference === focusRef ? 0 : -1;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = p.reference;
      const use = document.createElement('td');
      use.append(swatch(LAND_USE_COLOURS[p.land_use], this.colourBy === 'land_use'), label('land_use', p.land_use));
      const status = document.createElement('td');
      status.append(swatch(STATUS_COLOURS[p.status], this.colourBy !== 'land_use'), label('status', p.status));
      const ha = document.createElement('td');
      ha.className = 'num';
      ha.textContent = hectares(p.plot_area_ha).replace(' ha', '');
      const station = document.createElement('td');
      station.className = 'num';
      station.textContent = number(p.nearest_station_distance_m === null ? null : Math.round(p.nearest_station_distance_m));
      station.title = p.nearest_station || '';
      tr.append(th, use, status, ha, station);
      return tr;
    }));
    this.setSelected(this.selected, { scroll: false });
    if (hadFocus) body.querySelector('tr[tabindex="0"]')?.focus();
  }
}

function swatch(colour, shown) {
  const s = document.createElement('span');
  s.className = shown ? 'swatch' : 'swatch swatch-hidden';
  s.style.background = colour || '#ccc';
  s.setAttribute('aria-hidden', 'true');
  return s;
}
