// Charts of query results, drawn with ECharts. A drawn container carries data-rendered="true" and
// data-points="<number of data points drawn>" so that tests (and curious people) can tell.
import {fmtNumber, h, mount} from './dom.js';
import {isNumericType, resultGrid} from './grid.js';

export const CHART_TYPES = ['line', 'bar', 'area', 'pie', 'scatter', 'number', 'table'];

const PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569'];

function columnIndex(columns, name) {
  if (name === null || name === undefined || name === '') return -1;
  const lower = String(name).toLowerCase();
  return columns.findIndex(c => c.name.toLowerCase() === lower);
}

/** Fills in x and y where the spec leaves them out: x the first column, y the numeric ones. */
export function resolveSpec(result, spec) {
  const columns = result.columns || [];
  let x = columnIndex(columns, spec.x);
  const series = columnIndex(columns, spec.series);
  if (x < 0) {
    x = columns.findIndex((c, i) => i !== series && !isNumericType(c.type));
    if (x < 0) x = 0;
  }
  let y = (spec.y || []).map(n => columnIndex(columns, n)).filter(i => i >= 0);
  if (y.length === 0) {
    y = columns.map((c, i) => i).filter(i => i !== x && i !== series && isNumericType(columns[i].type));
    if (y.length === 0 && columns.length > 1) {
      y = [columns.findIndex((c, i) => i !== x && i !== series)].filter(i => i >= 0);
    }
  }
  return {x, y, series};
}

function toNumber(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function label(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** People who asked their system for less motion get charts without entry animations. */
function animate() {
  return !(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
}

function markRendered(el, points) {
  el.dataset.rendered = 'true';
  el.dataset.points = String(points);
}

function clearChart(el) {
  const existing = window.echarts && window.echarts.getInstanceByDom(el);
  if (existing) existing.dispose();
  if (el._chuteResize) {
    el._chuteResize.disconnect();
    el._chuteResize = null;
  }
  delete el.dataset.rendered;
  delete el.dataset.points;
  el.classList.remove('chart-number', 'chart-table', 'chart-canvas');
}

/** The ECharts option for line, bar, area and scatter charts, plus the points it draws. */
function cartesian(result, chart, {x, y, series}) {
  const columns = result.columns;
  const rows = result.rows;
  const categories = [];
  const seen = new Map();
  for (const row of rows) {
    const key = label(row[x]);
    if (!seen.has(key)) {
      seen.set(key, categories.length);
      categories.push(key);
    }
  }
  const list = [];
  let points = 0;
  if (chart === 'scatter') {
    const numericX = isNumericType(columns[x].type);
    const groups = new Map();
    for (const row of rows) {
      const group = series >= 0 ? label(row[series]) : '';
      for (const yi of y) {
        const value = toNumber(row[yi]);
        if (value === null) continue;
        const name = series >= 0 ? (y.length > 1 ? group + ' · ' + columns[yi].name : group) : columns[yi].name;
        if (!groups.has(name)) groups.set(name, []);
        groups.get(name).push([numericX ? toNumber(row[x]) : label(row[x]), value]);
        points++;
      }
    }
    for (const [name, data] of groups) list.push({name, type: 'scatter', data, symbolSize: 9});
    return {
      points,
      option: {
        xAxis: numericX ? {type: 'value', scale: true, name: columns[x].name} : {type: 'category', data: categories, name: columns[x].name},
        yAxis: {type: 'value', scale: true},
        series: list,
      },
    };
  }
  const type = chart === 'area' ? 'line' : chart;
  const extra = chart === 'area' ? {areaStyle: {opacity: 0.25}, stack: series >= 0 ? 'total' : undefined, connectNulls: true}
    : chart === 'line' ? {connectNulls: true} : {};
  if (series >= 0) {
    const names = [];
    const byName = new Map();
    for (const row of rows) {
      for (const yi of y) {
        const name = y.length > 1 ? label(row[series]) + ' · ' + columns[yi].name : label(row[series]);
        if (!byName.has(name)) {
          byName.set(name, new Array(categories.length).fill(null));
          names.push(name);
        }
        const value = toNumber(row[yi]);
        if (value !== null) byName.get(name)[seen.get(label(row[x]))] = value;
      }
    }
    for (const name of names) {
      const data = byName.get(name);
      points += data.filter(v => v !== null).length;
      list.push({name, type, data, ...extra});
    }
  } else {
    for (const yi of y) {
      const data = rows.map(row => toNumber(row[yi]));
      points += data.filter(v => v !== null).length;
      list.push({name: columns[yi].name, type, data, ...extra});
    }
  }
  return {
    points,
    option: {
      // many categories: slanted labels, with room on the left for the first one
      grid: {left: categories.length > 6 ? 52 : 12, right: 24, top: 36, bottom: 16, containLabel: true},
      xAxis: {type: 'category', data: categories, axisLabel: {hideOverlap: true, rotate: categories.length > 6 ? 30 : 0, width: 110, overflow: 'truncate'}},
      yAxis: {type: 'value'},
      series: list,
    },
  };
}

function pie(result, {x, y}) {
  const yi = y[0];
  const data = [];
  for (const row of result.rows) {
    const value = toNumber(row[yi]);
    if (value !== null) data.push({name: label(row[x]), value});
  }
  return {
    points: data.length,
    option: {
      tooltip: {trigger: 'item'},
      series: [{type: 'pie', radius: ['30%', '70%'], top: 28, data, label: {position: 'inside', formatter: '{d}%', fontSize: 11, color: '#fff'}}],
    },
  };
}

/**
 * Draws result into el as spec.chart (line, bar, area, pie, scatter, number, table). spec: {chart, x,
 * y: [..], series}. Returns the number of points drawn.
 */
export function drawChart(el, result, spec) {
  clearChart(el);
  const chart = spec.chart || 'bar';
  const columns = result.columns || [];
  const rows = result.rows || [];
  el.dataset.chart = chart;
  if (chart === 'number') {
    el.classList.add('chart-number');
    const value = rows.length > 0 && columns.length > 0 ? rows[0][0] : null;
    mount(el,
      h('div', {class: 'number-value', 'data-testid': 'number-value', title: value === null ? 'no rows' : label(value)},
        value === null ? '—' : isNumericType(columns[0].type) ? fmtNumber(value) : label(value)),
      columns.length > 0 ? h('div', {class: 'number-label muted'}, columns[0].name) : null);
    el.dataset.value = value === null ? '' : label(value);
    markRendered(el, value === null ? 0 : 1);
    return value === null ? 0 : 1;
  }
  if (chart === 'table') {
    el.classList.add('chart-table');
    mount(el, resultGrid(result, {testid: 'tile-grid', pageSize: 20}));
    markRendered(el, rows.length);
    return rows.length;
  }
  if (columns.length === 0) {
    mount(el, h('p', {class: 'muted pad'}, 'The query answered no columns.'));
    markRendered(el, 0);
    return 0;
  }
  const resolved = resolveSpec(result, spec);
  if (resolved.y.length === 0) {
    mount(el, h('p', {class: 'muted pad'}, 'Nothing to plot: choose a value column (y).'));
    markRendered(el, 0);
    return 0;
  }
  if (!window.echarts) {
    mount(el, h('p', {class: 'muted pad'}, 'Charts are unavailable: ECharts did not load.'));
    el.dataset.rendered = 'false';
    return 0;
  }
  mount(el);
  el.classList.add('chart-canvas');
  const {option, points} = chart === 'pie' ? pie(result, resolved) : cartesian(result, chart, resolved);
  const instance = window.echarts.init(el, null, {renderer: 'canvas'});
  instance.setOption({
    color: PALETTE,
    animation: animate(),
    animationDuration: 300,
    grid: {left: 12, right: 24, top: 36, bottom: 16, containLabel: true},
    tooltip: {trigger: chart === 'pie' || chart === 'scatter' ? 'item' : 'axis'},
    // a single series needs no legend: the tile's title says what it is
    legend: {type: 'scroll', top: 0, show: chart === 'pie' || (option.series || []).length > 1},
    ...option,
  });
  if (typeof ResizeObserver !== 'undefined') {
    el._chuteResize = new ResizeObserver(() => instance.resize());
    el._chuteResize.observe(el);
  }
  markRendered(el, points);
  return points;
}

/** Draws a chart from an ECharts option built by the caller (the overview's throughput). */
export function drawOption(el, option, points) {
  clearChart(el);
  if (!window.echarts) {
    mount(el, h('p', {class: 'muted pad'}, 'Charts are unavailable: ECharts did not load.'));
    el.dataset.rendered = 'false';
    return;
  }
  mount(el);
  el.classList.add('chart-canvas');
  const instance = window.echarts.init(el, null, {renderer: 'canvas'});
  instance.setOption({color: PALETTE, animation: animate(), animationDuration: 300, ...option});
  if (typeof ResizeObserver !== 'undefined') {
    el._chuteResize = new ResizeObserver(() => instance.resize());
    el._chuteResize.observe(el);
  }
  markRendered(el, points);
}

/** Frees the chart inside el (when its page goes away). */
export function disposeChart(el) {
  clearChart(el);
}
