// Overview: health, throughput, backlog, freshness per table and recent failures. Live: every
// load, duplicate or failure event refetches the overview (debounced).
import {api, listenEvents} from '../api.js';
import {drawOption} from '../charts.js';
import {badge, card, debounce, zoneName, emptyState, errorBanner, fmtBytes, fmtIsoDuration, fmtNumber, h, mount, pageHeader, relativeTime, tableLink, timeEl} from '../dom.js';
import {recordTable} from '../grid.js';
import {failureDetail} from './loads.js';

const PART_LABELS = {intake: 'Intake', warehouse: 'Warehouse', store: 'Store'};

/** Failed files need a person even while every part is up: a count and a state that is not OK while any is unresolved. */
function failedCard(failed) {
  const attention = failed > 0;
  return h('div', {class: 'stat ' + (attention ? 'bad' : 'ok'), 'data-testid': 'failed-files', 'data-state': attention ? 'attention' : 'ok'},
    h('div', {class: 'stat-label', title: 'files in failed/ not loaded since'}, h('span', {class: 'dot ' + (attention ? 'bad' : 'ok')}), 'Failed files'),
    h('div', {class: 'stat-value', 'data-testid': 'failed-files-value'}, attention ? fmtNumber(failed) : 'OK'),
    h('div', {class: 'stat-detail'}, attention
      ? h('a', {href: '#/loads'}, (failed === 1 ? 'file needs' : 'files need') + ' attention: fix the cause, then Replay')
      : h('span', {class: 'muted'}, 'none')));
}

/** One line that says whether anything needs a person: ok, attention (failed files) or degraded (a part is down). */
function stateBadge(state, failed) {
  const text = state === 'degraded' ? 'degraded: a part is down'
    : state === 'attention' ? 'attention: ' + fmtNumber(failed) + (failed === 1 ? ' failed file' : ' failed files')
    : 'all OK';
  return badge(text, state === 'ok' ? 'ok' : 'bad', {'data-testid': 'overview-state', 'data-state': state});
}

function healthCards(health, backlog, tables, failed) {
  const parts = Object.entries(health.parts || {});
  // row counts may be big integers sent as strings: add them exactly
  const totalRows = tables.reduce((sum, t) => sum + (/^-?\d+$/.test(String(t.rows)) ? BigInt(t.rows) : 0n), 0n);
  const stale = tables.filter(t => t.stale).length;
  return h('div', {class: 'cards', 'data-testid': 'health-cards'},
    parts.map(([name, part]) => h('div', {class: 'stat ' + (part.ok ? 'ok' : 'bad'), 'data-testid': 'health-' + name, 'data-ok': String(Boolean(part.ok))},
      h('div', {class: 'stat-label'}, h('span', {class: 'dot ' + (part.ok ? 'ok' : 'bad')}), PART_LABELS[name] || name),
      h('div', {class: 'stat-value'}, part.ok ? 'OK' : 'Down'),
      h('div', {class: 'stat-detail muted', title: part.detail || ''}, part.detail || ''))),
    failedCard(failed),
    h('div', {class: 'stat' + (backlog > 0 ? ' warn' : ''), 'data-testid': 'backlog'},
      h('div', {class: 'stat-label', title: 'files in landing not loaded yet'}, 'Backlog'),
      h('div', {class: 'stat-value', 'data-testid': 'backlog-value'}, backlog < 0 ? '—' : fmtNumber(backlog)),
      h('div', {class: 'stat-detail muted'}, backlog === 1 ? 'file waiting' : 'files waiting')),
    h('div', {class: 'stat' + (stale > 0 ? ' warn' : ''), 'data-testid': 'tables-stat'},
      h('div', {class: 'stat-label'}, 'Tables'),
      h('div', {class: 'stat-value'}, fmtNumber(tables.length)),
      h('div', {class: 'stat-detail muted'}, fmtNumber(totalRows.toString()) + ' rows' + (stale > 0 ? ' · ' + stale + ' stale' : ''))));
}

function throughputChart(el, throughput) {
  const now = Date.now();
  const start = now - 60 * 60_000;
  // the server omits quiet minutes; drawn as zeros, the rows line does not bridge them
  const byMinute = new Map(throughput.map(p => [Date.parse(p.minute), p]));
  const files = [];
  const rows = [];
  for (let m = Math.floor(start / 60_000) * 60_000; m <= now; m += 60_000) {
    const p = byMinute.get(m);
    files.push([m, p ? Number(p.files || 0) : 0]);
    rows.push([m, p ? Number(p.rows || 0) : 0]);
  }
  drawOption(el, {
    grid: {left: 56, right: 64, top: 36, bottom: 32},
    legend: {top: 0},
    tooltip: {trigger: 'axis'},
    // a minute of room on the right so that the current minute's bar shows whole
    // minutes in the browser's time zone, named as every time on the page is
    xAxis: {type: 'time', min: start, max: now + 60_000, name: zoneName(new Date(now)), nameGap: 8},
    yAxis: [
      {type: 'value', name: 'files', minInterval: 1},
      {type: 'value', name: 'rows', splitLine: {show: false}},
    ],
    series: [
      {name: 'Files per minute', type: 'bar', data: files, barMaxWidth: 14},
      {name: 'Rows per minute', type: 'line', yAxisIndex: 1, data: rows, showSymbol: false, smooth: false, areaStyle: {opacity: 0.08}},
    ],
  }, throughput.length);
}

function freshnessTable(tables) {
  if (tables.length === 0) {
    return emptyState('No loads yet — drop a file into landing/<dataset>/<table>/',
      'Chute creates the table from the first file and loads every later one exactly once.', 'tables-empty');
  }
  return recordTable([
    {label: 'Table', value: t => tableLink(t.table)},
    {label: 'Rows', num: true, testid: 'rows', value: t => fmtNumber(t.rows)},
    {label: 'Files', num: true, testid: 'files', value: t => fmtNumber(t.files)},
    {label: 'Size', num: true, value: t => fmtBytes(t.bytes)},
    {label: 'Last load', value: t => t.lastLoad ? h('span', {}, timeEl(t.lastLoad), h('span', {class: 'muted small'}, ' · ' + relativeTime(t.lastLoad))) : h('span', {class: 'muted'}, 'never')},
    {label: 'Freshness', value: t => t.freshness
      ? (t.stale ? badge('stale (expected every ' + fmtIsoDuration(t.freshness) + ')', 'bad') : badge('fresh', 'ok', {title: 'expected every ' + fmtIsoDuration(t.freshness)}))
      : h('span', {class: 'muted'}, 'no expectation')},
  ], tables, {testid: 'freshness-table', rowAttrs: t => ({'data-testid': 'table-row', 'data-table': t.table, 'data-rows': String(t.rows)})});
}

function failureList(failures) {
  if (failures.length === 0) {
    return emptyState('No failures', 'Every file that landed was loaded.', 'failures-empty');
  }
  return h('ul', {class: 'failure-list compact', 'data-testid': 'overview-failures'},
    failures.map(f => h('li', {'data-testid': 'overview-failure', 'data-key': f.key},
      h('div', {class: 'failure-head'}, h('span', {class: 'mono'}, f.key), badge(f.code || 'failed', f.retryable ? 'warn' : 'bad'), h('span', {class: 'muted small'}, timeEl(f.lastFailedAt))),
      h('div', {class: 'failure-reason'}, f.reason),
      failureDetail(f))),
    h('li', {class: 'more'}, h('a', {href: '#/loads'}, 'All failures and Replay on the Loads page →')));
}

// Entries of landing that are never loaded (links, FIFOs, temporary and hidden names): listed so they do not wait unseen.
function ignoredList(ignored, count) {
  if (count === 0) {
    return null;
  }
  return card('Ignored in landing (' + fmtNumber(count) + ')',
    h('div', {},
      h('p', {class: 'muted small'}, 'These stay in landing and are never loaded: rename or remove them.'),
      h('ul', {class: 'failure-list compact', 'data-testid': 'overview-ignored'},
        ignored.map(e => h('li', {'data-testid': 'ignored-entry', 'data-key': e.key},
          h('div', {class: 'failure-head'}, h('span', {class: 'mono'}, e.key), badge('ignored', 'warn')),
          h('div', {class: 'failure-reason'}, e.reason))),
        count > ignored.length ? h('li', {class: 'more muted'}, 'and ' + fmtNumber(count - ignored.length) + ' more') : null)));
}

export async function render(root, ctx) {
  const live = h('span', {class: 'live', 'data-testid': 'live-indicator', 'data-live': 'false'}, h('span', {class: 'dot'}), 'connecting…');
  const stateSlot = h('span', {});
  const banner = h('div', {});
  const cardsSlot = h('div', {});
  const chartEl = h('div', {class: 'chart', 'data-testid': 'throughput-chart'});
  const chartEmpty = h('div', {});
  const tablesSlot = h('div', {});
  const failuresSlot = h('div', {});
  const ignoredSlot = h('div', {});
  mount(root,
    pageHeader('Overview', 'What Chute took in during the last hour, and how every table is doing.', stateSlot, live),
    banner,
    cardsSlot,
    h('div', {class: 'row'},
      card('Files and rows per minute (last hour)', h('div', {}, chartEl, chartEmpty), {class: 'card wide'})),
    card('Tables', tablesSlot),
    card('Recent failures', failuresSlot),
    ignoredSlot);

  let updates = 0;
  const load = async () => {
    try {
      const data = await api.get('/api/overview', {signal: ctx.signal});
      updates++;
      root.dataset.updates = String(updates);
      mount(banner);
      const tables = data.tables || [];
      const failed = Number(data.failedFiles || 0);
      mount(stateSlot, stateBadge(data.state || 'ok', failed));
      mount(cardsSlot, healthCards(data.health || {parts: {}}, Number(data.backlog || 0), tables, failed));
      const throughput = data.throughput || [];
      throughputChart(chartEl, throughput);
      mount(chartEmpty, throughput.length === 0 ? h('p', {class: 'muted center small'}, 'Nothing loaded in the last hour.') : null);
      mount(tablesSlot, freshnessTable(tables));
      mount(failuresSlot, failureList(data.failures || []));
      mount(ignoredSlot, ignoredList(data.ignored || [], Number(data.ignoredCount || 0)));
    } catch (e) {
      if (e.name === 'AbortError') return;
      mount(banner, errorBanner(e.message));
    }
  };
  const refresh = debounce(load, 300);
  ctx.signal.addEventListener('abort', () => refresh.cancel(), {once: true});
  let events = 0;
  listenEvents(ctx.signal, () => {
    events++;
    root.dataset.events = String(events);
    refresh();
  }, open => {
    live.dataset.live = String(open);
    live.classList.toggle('on', open);
    live.lastChild.textContent = open ? 'live' : 'reconnecting…';
  });
  // the per-minute chart moves on even when nothing happens
  const timer = setInterval(load, 60_000);
  ctx.signal.addEventListener('abort', () => clearInterval(timer), {once: true});
  await load();
}
