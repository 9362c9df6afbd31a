// Live changes: GET /changes/stream (server-sent events). Each event is a history entry; the
// page refreshes the plot or building it names. The stream starts at the newest change the
// loaded data already holds (a time), skips what the data already shows, and on a broken
// connection resumes after the last event it got.
import { timeMicros } from './domain.js';

/** Which features a history entry touches: [{ collection: 'plots'|'buildings', id }]. */
export function affectedFeatures(entry) {
  const row = entry.new || entry.old || {};
  const oldRow = entry.old || {};
  const out = [];
  const add = (collection, id) => {
    if (id !== null && id !== undefined && !out.some((x) => x.collection === collection && x.id === id)) out.push({ collection, id });
  };
  switch (entry.entity) {
    case 'plot':
    case 'plot_internal':
      add('plots', entry.entity_id);
      break;
    case 'building':
      add('buildings', entry.entity_id);
      // A plot counts its buildings and their floor area.
      add('plots', row.plot_id);
      add('plots', oldRow.plot_id);
      break;
    case 'dgnb_record':
      add('buildings', entry.entity_id ?? row.building_id);
      break;
    default:
      break;
  }
  return out;
}

/**
 * Subscribe: `since` is an RFC 3339 time (changes at or before it are already in the data);
 * `onChange(entry)` gets each newer entry, `onState('open'|'retrying')` the connection's state.
 * Returns { reconnect(), close() }.
 */
export function subscribeChanges({ since, onChange, onState = () => {} }) {
  let sinceMicros = since ? timeMicros(since) : NaN;
  let lastTime = since;
  let source = null;
  // Ids are numbered per reader (the public numbering leaves out internal changes), so they
  // are kept only while the same reader stays connected; a new reader resumes by time.
  let lastId = null;
  let delay = 1000;
  let timer = null;
  let closed = false;

  function open() {
    clearTimeout(timer);
    if (closed) return;
    const query = lastId !== null ? `?since=${lastId}` : lastTime ? `?since=${encodeURIComponent(lastTime)}` : '';
    source = new EventSource(new URL(`changes/stream${query}`, document.baseURI));
    source.addEventListener('open', () => {
      delay = 1000;
      onState('open');
    });
    source.addEventListener('change', (e) => {
      let entry;
      try {
        entry = JSON.parse(e.data);
      } catch {
        return;
      }
      const id = Number(e.lastEventId || entry.id);
      if (Number.isFinite(id)) {
        if (lastId !== null && id <= lastId) return;
        lastId = id;
      }
      if (Number.isFinite(sinceMicros) && timeMicros(entry.changed_at) <= sinceMicros) return;
      lastTime = entry.changed_at;
      onChange(entry);
    });
    source.addEventListener('error', () => {
      // EventSource would reconnect by itself, but with the first URL (since=<time>), which the
      // server prefers to Last-Event-ID: reconnect ourselves after the last id instead.
      source.close();
      if (closed) return;
      onState('retrying');
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 30_000);
    });
  }

  open();
  return {
    /** Reconnect now (after signing in or out: planners also see internal changes, numbered
     * their own way), resuming after the last change seen, by its time. */
    reconnect() {
      source?.close();
      lastId = null;
      sinceMicros = lastTime ? timeMicros(lastTime) : NaN;
      open();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
    get lastId() {
      return lastId;
    },
  };
}
