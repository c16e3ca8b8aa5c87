// Charts of query results, drawn with ECharts. A drawn container carries data-rendered="true",
// data-points="<number of data points drawn>" and, when rows that share an x value were summed into
// one point, data-aggregated="sum", so that tests (and curious people) can tell.
import {fmtNumber, h, mount} from './dom.js';
import {isNumericType, isTimestampTzType, resultGrid} from './grid.js';

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

function markRendered(el, points, aggregated = false) {
  el.dataset.rendered = 'true';
  el.dataset.points = String(points);
  if (aggregated) el.dataset.aggregated = 'sum';
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
  delete el.dataset.aggregated;
  el.classList.remove('chart-number', 'chart-table', 'chart-canvas');
}

/** DATE, TIMESTAMP (with or without zone, any precision) and DATETIME columns: drawn on a time axis. */
export function isTimeType(type) {
  return /^(DATE|DATETIME|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMPTZ)\b/i.test(String(type || ''));
}

/**
 * A date or time value as milliseconds since the epoch, or null. A value without a zone (a DATE, a
 * TIMESTAMP) is wall-clock time: read as UTC, and the chart draws in UTC, so it shows as written.
 */
function toTime(value) {
  if (value === null || value === undefined || value === '') return null;
  let text = String(value).trim().replace(' ', 'T');
  // JavaScript reads at most milliseconds
  text = text.replace(/(\.\d{3})\d+/, '$1');
  if (/T/.test(text) && !/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text)) text += 'Z';
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}

/**
 * Colours by name (of a series, or of a pie's slice), shared by the charts it is given to: a
 * dashboard passes one to all its tiles so that a series has the same colour on each. A name's
 * colour is picked from its hash; a name whose colour another name took already gets the next free
 * one, so the names must come in the same order for the same colours (a dashboard draws its tiles
 * in order).
 */
export function seriesColors() {
  const byName = new Map();
  const used = new Set();
  return name => {
    const key = String(name);
    if (!byName.has(key)) {
      let hash = 0;
      for (const ch of key) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
      let slot = hash % PALETTE.length;
      for (let i = 0; i < PALETTE.length && used.has(PALETTE[slot]); i++) slot = (slot + 1) % PALETTE.length;
      byName.set(key, PALETTE[slot]);
      used.add(PALETTE[slot]);
    }
    return byName.get(key);
  };
}

/**
 * Sums the values of rows that share a key (an x value, or an x value and a series). Returns the
 * sums by key in order of first appearance, and whether any key had more than one row: a chart
 * draws one value per category, so rows that repeat one are summed rather than shifted onto the
 * next category.
 */
function sumBy(entries) {
  const sums = new Map();
  const counts = new Map();
  for (const [key, value] of entries) {
    counts.set(key, (counts.get(key) || 0) + 1);
    if (!sums.has(key)) sums.set(key, null);
    if (value !== null) sums.set(key, (sums.get(key) ?? 0) + value);
  }
  return {sums, repeated: [...counts.values()].some(n => n > 1)};
}

/** The ECharts option for line, bar, area and scatter charts, plus the points it draws. */
function cartesian(result, chart, {x, y, series}, colors) {
  const columns = result.columns;
  const rows = result.rows;
  const timeAxis = isTimeType(columns[x].type);
  // the x value of a row: its time on a time axis, else its label (a category)
  const xOf = row => timeAxis ? toTime(row[x]) : label(row[x]);
  const usable = timeAxis ? rows.filter(row => xOf(row) !== null) : rows;
  const xs = [];
  const seen = new Set();
  for (const row of usable) {
    const key = xOf(row);
    if (!seen.has(key)) {
      seen.add(key);
      xs.push(key);
    }
  }
  if (timeAxis) xs.sort((a, b) => a - b);
  const nameOf = (row, yi) => series >= 0
    ? (y.length > 1 ? label(row[series]) + ' · ' + columns[yi].name : label(row[series]))
    : columns[yi].name;
  const xAxis = timeAxis
    // a day reads "Aug 20" rather than a bare "20"; other units keep ECharts' labels
    ? {type: 'time', name: isTimestampTzType(columns[x].type) ? 'UTC' : undefined, axisLabel: {hideOverlap: true, formatter: {day: '{MMM} {d}'}},
      // dates have no hours between them to label
      minInterval: /^DATE$/i.test(columns[x].type) ? 86_400_000 : undefined}
    : null;
  const list = [];
  let points = 0;
  if (chart === 'scatter') {
    const numericX = !timeAxis && isNumericType(columns[x].type);
    const groups = new Map();
    for (const row of usable) {
      for (const yi of y) {
        const value = toNumber(row[yi]);
        if (value === null) continue;
        const name = nameOf(row, yi);
        if (!groups.has(name)) groups.set(name, []);
        groups.get(name).push([numericX ? toNumber(row[x]) : xOf(row), value]);
        points++;
      }
    }
    for (const [name, data] of groups) list.push({name, type: 'scatter', data, symbolSize: 9, itemStyle: {color: colors(name)}});
    return {
      points,
      aggregated: false,
      option: {
        xAxis: xAxis || (numericX ? {type: 'value', scale: true, name: columns[x].name} : {type: 'category', data: xs, name: columns[x].name}),
        yAxis: {type: 'value', scale: true},
        series: list,
      },
    };
  }
  const type = chart === 'area' ? 'line' : chart;
  const extra = chart === 'area' ? {areaStyle: {opacity: 0.25}, stack: series >= 0 ? 'total' : undefined, connectNulls: true}
    : chart === 'line' ? {connectNulls: true} : {};
  // one value per x and series name: rows that repeat one are summed
  const names = new Set();
  const entries = [];
  for (const row of usable) {
    for (const yi of y) {
      const name = nameOf(row, yi);
      names.add(name);
      entries.push([JSON.stringify([name, xOf(row)]), toNumber(row[yi])]);
    }
  }
  const {sums, repeated} = sumBy(entries);
  const stacked = chart === 'area' && series >= 0;
  for (const name of names) {
    const values = xs.map(key => sums.get(JSON.stringify([name, key])) ?? null);
    points += values.filter(v => v !== null).length;
    list.push({
      name: repeated ? name + ' (sum)' : name,
      type,
      // in a stack, a series without a row at some x adds nothing there: drawn as 0, not as a hole
      // that the areas above would fall into
      data: (stacked ? values.map(v => v ?? 0) : values).map((v, i) => timeAxis ? [xs[i], v] : v),
      // a line's colour is its lineStyle's, its symbols' (and a bar's) the itemStyle's
      itemStyle: {color: colors(name)},
      lineStyle: type === 'line' ? {color: colors(name)} : undefined,
      // on a time axis a lone bar would otherwise span the whole chart
      barMaxWidth: type === 'bar' && timeAxis ? 40 : undefined,
      ...extra,
    });
  }
  const xName = columns[x].name;
  return {
    points,
    aggregated: repeated,
    option: {
      // many categories: slanted labels, with room on the left for the first one
      grid: {left: !timeAxis && xs.length > 6 ? 52 : 12, right: timeAxis ? 48 : 24, top: 36, bottom: 16, containLabel: true},
      xAxis: xAxis || {type: 'category', data: xs, axisLabel: {hideOverlap: true, rotate: xs.length > 6 ? 30 : 0, width: 110, overflow: 'truncate'}},
      // said on the chart itself: a summed value is not a row of the result
      yAxis: {type: 'value', name: repeated ? 'sum per ' + xName : undefined, nameTextStyle: {align: 'left'}},
      series: list,
    },
  };
}

function pie(result, {x, y}, colors) {
  const yi = y[0];
  const entries = result.rows.map(row => [label(row[x]), toNumber(row[yi])]);
  const {sums, repeated} = sumBy(entries);
  const data = [];
  for (const [name, value] of sums) {
    if (value !== null) data.push({name, value, itemStyle: {color: colors(name)}});
  }
  return {
    points: data.length,
    aggregated: repeated,
    option: {
      tooltip: {trigger: 'item'},
      series: [{type: 'pie', name: repeated ? result.columns[yi].name + ' (sum)' : result.columns[yi].name,
        radius: ['30%', '70%'], top: 28, data, label: {position: 'inside', formatter: '{d}%', fontSize: 11, color: '#fff'}}],
    },
  };
}

/**
 * Draws result into el as spec.chart (line, bar, area, pie, scatter, number, table). spec: {chart, x,
 * y: [..], series}. colors (from seriesColors) gives each series its colour; charts that share one
 * colour a series alike. Returns the number of points drawn.
 */
export function drawChart(el, result, spec, colors = seriesColors()) {
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
  const {option, points, aggregated} = chart === 'pie' ? pie(result, resolved, colors) : cartesian(result, chart, resolved, colors);
  const instance = window.echarts.init(el, null, {renderer: 'canvas'});
  instance.setOption({
    color: PALETTE,
    animation: animate(),
    animationDuration: 300,
    // time axes and their tooltips in UTC, as the API gives times (and dates are days, not instants)
    useUTC: true,
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
  markRendered(el, points, aggregated);
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
