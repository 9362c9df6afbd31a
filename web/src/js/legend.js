// The legend: the same colours the map layers use, from domain.js.
import {
  CLUSTER_CLASSES, CLUSTER_COLOURS, DGNB_CLASSES, DGNB_COLOURS, FINGERPLAN_COLOUR, LAND_USE_COLOURS, NEUTRAL_PLOT_COLOUR,
  STATUS_COLOURS, TRANSIT_COLOURS,
} from './domain.js';
import { h } from './dom.js';
import { label, t } from './i18n.js';
import { enumValues } from './rules.js';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const symbol = (...children) => svg('svg', { width: 28, height: 14, viewBox: '0 0 28 14', 'aria-hidden': 'true', class: 'legend-symbol' }, ...children);
const line = (colour, width, dash) => symbol(svg('line', {
  x1: 2, y1: 7, x2: 26, y2: 7, stroke: colour, 'stroke-width': width, ...(dash ? { 'stroke-dasharray': dash } : {}),
}));
const box = (colour, stroke = '#ffffff') => symbol(svg('rect', { x: 5, y: 1, width: 18, height: 12, rx: 2, fill: colour, stroke, 'stroke-width': 1 }));

const item = (sym, text, value) => h('li', value ? { dataset: { value } } : {}, sym, h('span', {}, text));

const group_ = (title, listAttrs, items) => h('div', { class: 'legend-group' }, h('h3', {}, title), h('ul', listAttrs, items));

/** Plots and buildings: plots by status or land use with buildings by DGNB, or buildings by cluster. */
function featureGroups(colourBy) {
  if (colourBy === 'cluster') {
    return [
      group_(t('legend.buildings_cluster'), { class: 'legend-list', dataset: { legend: 'cluster' } },
        [...CLUSTER_CLASSES.map((c) => item(box(CLUSTER_COLOURS[c], '#26323d'), label('cluster_class', c), c)),
          item(line(FINGERPLAN_COLOUR, 2.5, '4 2'), t('legend.fingerplan'), 'fingerplan_outside_rule')]),
      group_(t('legend.plots'), { class: 'legend-list', dataset: { legend: 'plots' } },
        [item(box(NEUTRAL_PLOT_COLOUR, '#8a949e'), t('legend.plot_plain'))]),
    ];
  }
  const plotColours = colourBy === 'land_use' ? LAND_USE_COLOURS : STATUS_COLOURS;
  const group = colourBy === 'land_use' ? 'land_use' : 'status';
  // The values the server knows (GET /rules), in its order; a value without a colour here is grey.
  const plotValues = enumValues(colourBy === 'land_use' ? 'land_use' : 'plot_status');
  return [
    group_(`${t('legend.plots')} · ${t(colourBy === 'land_use' ? 'colour.land_use' : 'colour.status').toLowerCase()}`,
      { class: 'legend-list', dataset: { legend: group } },
      plotValues.map((value) => item(box(plotColours[value] || '#cccccc', '#8a949e'), label(group, value), value))),
    group_(t('legend.buildings'), { class: 'legend-list', dataset: { legend: 'dgnb' } },
      [...DGNB_CLASSES.map((c) => item(box(DGNB_COLOURS[c], '#26323d'), label('dgnb_class', c), c)),
        item(line(FINGERPLAN_COLOUR, 2.5, '4 2'), t('legend.fingerplan'), 'fingerplan_outside_rule')]),
  ];
}

/** Fill `root` with the legend for the current colouring of the map. */
export function renderLegend(root, colourBy) {
  root.querySelector('#legend-title').textContent = t('legend.title');
  root.querySelector('.legend-body').replaceChildren(
    ...featureGroups(colourBy),
    group_(t('legend.transit'), { class: 'legend-list', dataset: { legend: 'transit' } }, [
      item(line(TRANSIT_COLOURS.area, 2.5), t('legend.area')),
      item(symbol(svg('circle', { cx: 14, cy: 7, r: 5, fill: TRANSIT_COLOURS.station, stroke: '#fff', 'stroke-width': 1.5 })), t('legend.station')),
      item(symbol(svg('circle', { cx: 14, cy: 7, r: 5.5, fill: 'rgba(200,16,46,0.08)', stroke: TRANSIT_COLOURS.ring, 'stroke-width': 1.2, 'stroke-dasharray': '2.5 1.5' })), t('legend.ring')),
      item(line(TRANSIT_COLOURS.brt, 3.5), t('legend.brt_decided')),
      item(line(TRANSIT_COLOURS.brt, 3, '6 4'), t('legend.brt_not_decided')),
      item(symbol(svg('circle', { cx: 14, cy: 7, r: 4, fill: '#fff', stroke: TRANSIT_COLOURS.brt, 'stroke-width': 2.2 })), t('legend.brt_stop')),
      item(line(TRANSIT_COLOURS.cycle, 3), t('legend.cycle')),
    ]),
  );
}
