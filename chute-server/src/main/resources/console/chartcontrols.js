// Chart type and column pickers for a query result (SQL page).
import {CHART_TYPES, drawChart, resolveSpec} from './charts.js';
import {h, mount} from './dom.js';

const LABELS = {line: 'Line', bar: 'Bar', area: 'Area', pie: 'Pie', scatter: 'Scatter', number: 'Number'};

/** A panel with pickers and a chart of result; redraws on every change. */
export function chartPanel(result) {
  const columns = result.columns || [];
  const initial = resolveSpec(result, {});
  const typeSelect = h('select', {'data-testid': 'chart-type'},
    CHART_TYPES.filter(t => t !== 'table').map(t => h('option', {value: t}, LABELS[t])));
  typeSelect.value = (result.rows || []).length === 1 && columns.length === 1 ? 'number' : 'bar';
  const option = (c, i) => h('option', {value: c.name}, c.name + ' (' + c.type + ')');
  const xSelect = h('select', {'data-testid': 'chart-x'}, columns.map(option));
  xSelect.value = columns[initial.x] ? columns[initial.x].name : '';
  const ySelect = h('select', {'data-testid': 'chart-y', multiple: true, size: String(Math.min(4, Math.max(2, columns.length)))}, columns.map(option));
  for (const o of ySelect.options) o.selected = initial.y.some(i => columns[i].name === o.value);
  const seriesSelect = h('select', {'data-testid': 'chart-series'}, h('option', {value: ''}, '(none)'), columns.map(option));
  const chartEl = h('div', {class: 'chart', 'data-testid': 'sql-chart'});
  const hint = h('p', {class: 'muted small'});

  const draw = () => {
    const chart = typeSelect.value;
    const y = [...ySelect.selectedOptions].map(o => o.value);
    const oneValue = chart === 'number';
    xSelect.disabled = oneValue;
    ySelect.disabled = oneValue;
    seriesSelect.disabled = oneValue || chart === 'pie';
    drawChart(chartEl, result, {chart, x: xSelect.value, y, series: chart === 'pie' ? null : seriesSelect.value || null});
    mount(hint, oneValue ? 'A number shows the first column of the first row.'
      : chart === 'pie' ? 'A pie uses the first value column; x names the slices.'
        : 'Ctrl-click to pick several value columns.',
    chartEl.dataset.aggregated ? h('span', {'data-testid': 'chart-aggregated'}, chart === 'pie'
      ? ' Rows that share an x value are summed into one slice; aggregate in SQL (GROUP BY) for another view.'
      : ' Rows that share an x value (and series) are summed into one point; pick a series, or aggregate in SQL (GROUP BY), for another view.') : null);
  };
  for (const el of [typeSelect, xSelect, ySelect, seriesSelect]) el.addEventListener('change', draw);
  const panel = h('div', {class: 'chart-panel', 'data-testid': 'chart-panel'},
    h('div', {class: 'filters'},
      h('label', {}, 'Chart', typeSelect),
      h('label', {}, 'x', xSelect),
      h('label', {}, 'y', ySelect),
      h('label', {}, 'Series', seriesSelect)),
    hint,
    chartEl);
  // drawn once the panel is in the page (ECharts needs a size)
  panel.draw = draw;
  return panel;
}
