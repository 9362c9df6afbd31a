// The properties of a collection as the server describes them (GET /collections/{id}/schema,
// OGC API – Features Part 5): their labels, types, units, ranges, enumerations, and which are
// writable, required or only for planners. The panel and the planner's form are built from
// these, so that a property the server adds appears without a change here. No DOM here.

/** The schemas of the collections, fetched once per session (planners see more properties). */
export class Schemas {
  /** `fetchSchema(collection)` resolves to the schema JSON (api.getSchema). */
  constructor(fetchSchema) {
    this.fetchSchema = fetchSchema;
    this.loaded = new Map();
    this.pending = new Map();
  }

  /** The schema if it has loaded, else null. */
  get(collection) {
    return this.loaded.get(collection) ?? null;
  }

  /** Load the schema (once); resolves to it, or to null when it could not be had. */
  load(collection) {
    if (this.loaded.has(collection)) return Promise.resolve(this.loaded.get(collection));
    if (!this.pending.has(collection)) {
      const generation = this.generation;
      const p = Promise.resolve()
        .then(() => this.fetchSchema(collection))
        .then((schema) => {
          if (generation === this.generation) this.loaded.set(collection, schema);
          return schema;
        }, (e) => {
          console.warn(`schema of ${collection}:`, e.message);
          return null;
        })
        .finally(() => {
          if (this.pending.get(collection) === p) this.pending.delete(collection);
        });
      this.pending.set(collection, p);
    }
    return this.pending.get(collection);
  }

  /** Forget every schema (after signing in or out: the planner-only properties come or go). */
  reset() {
    this.generation = (this.generation || 0) + 1;
    this.loaded.clear();
    this.pending.clear();
  }
}

/** The schema's properties as [name, definition], in the server's order (x-ogc-propertySeq). */
export function properties(schema) {
  const entries = Object.entries(schema?.properties || {});
  const seq = ([, d]) => (Number.isFinite(d['x-ogc-propertySeq']) ? d['x-ogc-propertySeq'] : Infinity);
  return entries.map((e, i) => [e, i]).sort((a, b) => seq(a[0]) - seq(b[0]) || a[1] - b[1]).map(([e]) => e);
}

const isGeometry = (d) => d['x-ogc-role'] === 'primary-geometry' || String(d.format || '').startsWith('geometry-');

/** A property's label in `lang` (the schema's Danish or English title), or null when the schema has none. */
export function propertyTitle(schema, name, lang) {
  const d = schema?.properties?.[name];
  if (!d) return null;
  return d['x-plotline-title']?.[lang] || d.title || null;
}

/**
 * How a property is entered in a form: 'select' (an enumeration), 'integer', 'number', 'date',
 * 'datetime', 'boolean', 'textarea' (long text) or 'text'.
 */
export function inputKind(d) {
  if (Array.isArray(d.enum)) return 'select';
  if (d.type === 'integer') return 'integer';
  if (d.type === 'number') return 'number';
  if (d.type === 'boolean') return 'boolean';
  if (d.format === 'date') return 'date';
  if (d.format === 'date-time') return 'datetime';
  if (Number.isFinite(d.maxLength) && d.maxLength >= 500) return 'textarea';
  return 'text';
}

/**
 * The fields of a form for features of this schema: every writable property but the geometry,
 * in the server's order, as { name, kind, values, min, max, unit, required, access }.
 */
export function formFields(schema) {
  return properties(schema)
    .filter(([, d]) => !d.readOnly && !isGeometry(d))
    .map(([name, d]) => ({
      name,
      kind: inputKind(d),
      values: Array.isArray(d.enum) ? [...d.enum] : null,
      min: Number.isFinite(d.minimum) ? d.minimum : null,
      max: Number.isFinite(d.maximum) ? d.maximum : null,
      unit: d['x-ogc-unit'] || null,
      required: d['x-plotline-required'] === true || (schema.required || []).includes(name),
      access: d['x-plotline-access'] === 'planner' ? 'planner' : 'public',
    }));
}

/** Every property that the panel may show (not the geometry), as [name, definition]. */
export function shownProperties(schema) {
  return properties(schema).filter(([, d]) => !isGeometry(d));
}

/**
 * A form's text for a field as the value to send: { value } or { error, min, max } where error
 * is 'required', 'integer' (not a whole number), 'number' (not a number) or 'range'.
 */
export function parseInput(field, raw) {
  const text = String(raw ?? '').trim();
  if (text === '') return field.required ? { error: 'required' } : { value: null };
  switch (field.kind) {
    case 'integer':
    case 'number': {
      const n = Number(text);
      if (!Number.isFinite(n)) return { error: field.kind };
      if (field.kind === 'integer' && !Number.isInteger(n)) return { error: 'integer' };
      if ((field.min !== null && n < field.min) || (field.max !== null && n > field.max)) {
        return { error: 'range', min: field.min, max: field.max };
      }
      return { value: n };
    }
    case 'boolean':
      return { value: text === 'true' };
    default:
      return { value: text };
  }
}

/** A property value as the text a form's input holds. */
export function asInput(v) {
  return v === null || v === undefined ? '' : String(v);
}
