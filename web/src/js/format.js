// Numbers, areas, distances and dates in the current language's conventions.
import { isLabelled, label, locale, t } from './i18n.js';

const cache = new Map();
function nf(options) {
  const key = locale() + JSON.stringify(options);
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(locale(), options));
  return cache.get(key);
}

const missing = (v) => v === null || v === undefined || Number.isNaN(v);

/** A number with at most `digits` decimals, or the "no value" dash. */
export function number(v, digits = 0) {
  return missing(v) ? t('value.none') : nf({ maximumFractionDigits: digits }).format(v);
}

/** A count with its noun, e.g. "1 virksomhed", "2.300 arbejdspladser" (i18n keys `count.{noun}.one|other`). */
export function count(v, noun) {
  return t(`count.${noun}.${Number(v) === 1 ? 'one' : 'other'}`, { n: number(v) });
}

/** A whole number of metres, e.g. "1.234 m" in Danish, "1,234 m" in English. */
export function metres(v) {
  return missing(v) ? t('value.none') : `${number(Math.round(v))} m`;
}

/** Square metres, e.g. "20.871 m²". */
export function squareMetres(v) {
  return missing(v) ? t('value.none') : `${number(Math.round(v))} m²`;
}

/** Hectares with two decimals, e.g. "2,09 ha". */
export function hectares(v, digits = 2) {
  return missing(v) ? t('value.none') : `${nf({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)} ha`;
}

/** An area given in m² as "20.871 m² (2,09 ha)". */
export function areaM2(m2) {
  return missing(m2) ? t('value.none') : `${squareMetres(m2)} (${hectares(m2 / 10000)})`;
}

/** A percentage that is already in percent, e.g. 15.9 → "15,9 %". */
export function percent(v, digits = 1) {
  return missing(v) ? t('value.none') : `${number(v, digits)} %`;
}

/** A share 0..1 as a percentage, e.g. 0.42 → "42 %". */
export function share(v, digits = 0) {
  return missing(v) ? t('value.none') : `${number(v * 100, digits)} %`;
}

/** A date (YYYY-MM-DD or RFC 3339) as a long local date. */
export function date(v) {
  if (!v) return t('value.none');
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) return String(v);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

/** A date and time in the reader's time zone. */
export function dateTime(v) {
  if (!v) return t('value.none');
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** The label group of an enumerated property where it is not the property's own name. */
const VALUE_GROUPS = {
  dgnb_target_level: 'dgnb_level', dgnb_achieved_level: 'dgnb_level', best_dgnb_level: 'dgnb_level',
  target_dgnb_level: 'dgnb_level', nearest_brt_line_status: 'brt_status',
};

/** The group whose labels name the values of property `name` (i18n.js `label`). */
export function valueGroup(name) {
  return VALUE_GROUPS[name] || name;
}

/** A unit of the schema (x-ogc-unit) as written after a number. */
export function unitText(unit) {
  return { m: 'm', m2: 'm²', ha: 'ha', pct: '%', dkk: t('unit.dkk') }[unit] || unit || '';
}

/**
 * A property's value in words, from its schema definition `d` (type, format, unit, enum):
 * enumerations by their labels, numbers with their unit, dates in the reader's language.
 */
export function propertyValue(d, name, v) {
  if (v === null || v === undefined || v === '') return t('value.none');
  if (Array.isArray(d?.enum) || isLabelled(valueGroup(name), v)) return label(valueGroup(name), v);
  if (typeof v === 'boolean') return t(v ? 'value.yes' : 'value.no');
  if (Array.isArray(v)) return v.length ? v.join(', ') : t('value.none');
  if (d?.format === 'date') return date(v);
  if (d?.format === 'date-time') return dateTime(v);
  if (typeof v === 'number') {
    switch (d?.['x-ogc-unit']) {
      case 'm': return metres(v);
      case 'm2': return squareMetres(v);
      case 'ha': return hectares(v);
      case 'pct': return percent(v);
      case 'dkk': return `${number(v)} ${unitText('dkk')}`;
      default: return number(v, d?.type === 'integer' ? 0 : 2);
    }
  }
  const text = String(v);
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}
