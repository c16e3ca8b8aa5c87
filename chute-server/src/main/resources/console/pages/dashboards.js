// Dashboards: the list, and one dashboard as a 4-column grid of tiles; range picker, auto refresh,
// and an Edit mode that saves the YAML back.
import {api, qs} from '../api.js';
import {drawChart, disposeChart, seriesColors} from '../charts.js';
import {card, confirmAction, emptyState, errorBanner, fmtNumber, h, infoBanner, mount, pageHeader} from '../dom.js';

const RANGES = [
  ['all', 'All time'], ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'], ['90d', 'Last 90 days'], ['365d', 'Last year'],
];

const TEMPLATE = id => `title: ${id}
refresh: 30s
time_range: all
tiles:
  - title: Tables
    chart: number
    sql: SELECT count(*) AS tables FROM information_schema.tables WHERE table_schema <> '_chute'
    width: 1
`;

/** "30s", "5m", "1h", "0" → milliseconds (0: never). */
export function refreshMillis(text) {
  const m = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(String(text ?? '0'));
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] || 's'];
  return n * unit;
}

async function renderList(root, ctx) {
  const admin = ctx.can('admin');
  const slot = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  const banner = h('div', {});
  const idInput = h('input', {type: 'text', placeholder: 'new-dashboard-id', pattern: '[a-z0-9][a-z0-9_-]*', required: true, 'data-testid': 'new-dashboard-id'});
  const create = h('form', {class: 'inline-form', onsubmit: async e => {
    e.preventDefault();
    const id = idInput.value.trim();
    try {
      await api.put('/api/dashboards/' + encodeURIComponent(id), {yaml: TEMPLATE(id)});
      ctx.navigate('#/dashboards/' + encodeURIComponent(id) + '?edit=1');
    } catch (err) {
      mount(banner, errorBanner(err.message));
    }
  }}, idInput, h('button', {type: 'submit', disabled: !admin, title: admin ? null : 'Needs the admin role'}, 'New dashboard'));
  mount(root, pageHeader('Dashboards', 'Dashboards as code: one YAML file each in <home>/dashboards/.', admin ? create : null), banner, slot);
  try {
    const answer = await api.get('/api/dashboards', {signal: ctx.signal});
    const list = answer.dashboards || [];
    mount(slot, list.length === 0
      ? emptyState('No dashboards yet', 'Chute writes one for each table it creates; or put a YAML file into <home>/dashboards/.', 'dashboards-empty')
      : h('div', {class: 'dash-cards', 'data-testid': 'dashboard-list'}, list.map(d => h('a', {class: 'dash-card' + (d.error ? ' broken' : ''),
        href: '#/dashboards/' + encodeURIComponent(d.id) + (d.error ? '?edit=1' : ''), 'data-testid': 'dashboard-card', 'data-id': d.id},
      h('span', {class: 'dash-title'}, d.title || d.id),
      h('span', {class: 'muted small mono'}, d.id + '.yaml'),
      d.error
        ? h('span', {class: 'dash-error small', 'data-testid': 'dashboard-card-error'}, 'Does not parse: ' + d.error)
        : h('span', {class: 'muted small'}, fmtNumber(d.tiles) + (Number(d.tiles) === 1 ? ' tile' : ' tiles'))))));
  } catch (e) {
    if (e.name !== 'AbortError') mount(slot, errorBanner(e.message));
  }
}

async function renderDashboard(root, ctx, id) {
  const admin = ctx.can('admin');
  const path = '/api/dashboards/' + encodeURIComponent(id);
  const banner = h('div', {'data-testid': 'dashboard-banner'});
  const body = h('div', {});
  const rangeSelect = h('select', {'data-testid': 'range-picker', 'aria-label': 'Time range'}, RANGES.map(([v, l]) => h('option', {value: v}, l)));
  const refreshInfo = h('span', {class: 'muted small', 'data-testid': 'refresh-info'});
  const refreshButton = h('button', {type: 'button', 'data-testid': 'dashboard-refresh'}, 'Refresh');
  const editButton = h('button', {type: 'button', 'data-testid': 'dashboard-edit', disabled: !admin, title: admin ? 'Edit the YAML' : 'Editing needs the admin role'}, 'Edit');
  const deleteButton = h('button', {type: 'button', class: 'danger-outline', 'data-testid': 'dashboard-delete', disabled: !admin, title: admin ? 'Delete this dashboard' : 'Needs the admin role'}, 'Delete');
  const title = h('h1', {'data-testid': 'page-title'}, id);
  mount(root,
    h('p', {class: 'crumbs'}, h('a', {href: '#/dashboards'}, 'Dashboards'), ' / ', h('span', {class: 'mono'}, id)),
    h('header', {class: 'page-header'}, h('div', {}, title),
      h('div', {class: 'page-actions'}, refreshInfo, h('label', {class: 'inline'}, 'Range ', rangeSelect), refreshButton, editButton, deleteButton)),
    banner,
    body);

  let dashboard;
  let timer = null;
  let generation = 0;
  const charts = [];
  // one for the page: a series (or a pie's slice) has the same colour on every tile
  const colors = seriesColors();
  ctx.signal.addEventListener('abort', () => {
    clearInterval(timer);
    charts.forEach(disposeChart);
  }, {once: true});

  const runTiles = () => {
    const mine = ++generation;
    const range = rangeSelect.value;
    // the queries run at once, but the tiles are drawn in their order: colours go to series in the
    // same order at every visit, so a series keeps its colour from one visit to the next too
    let previous = Promise.resolve();
    dashboard.tiles.forEach((tile, index) => {
      const tileEl = body.querySelector('[data-testid="tile-' + index + '"]');
      const chartEl = tileEl.querySelector('.tile-chart');
      const note = tileEl.querySelector('.tile-note');
      tileEl.dataset.loading = 'true';
      const answer = api.get(path + '/tiles/' + index + qs({range}), {signal: ctx.signal});
      answer.catch(() => {}); // handled below, once the tiles before this one are drawn
      previous = previous.then(() => answer).then(result => {
        if (mine !== generation) return;
        mount(note, result.truncated ? (result.truncatedBy === 'bytes' ? 'Truncated result (query.max_bytes).' : 'Truncated result (query.max_rows).') : '');
        drawChart(chartEl, result, tile, colors);
        tileEl.dataset.state = 'ok';
      }).catch(e => {
        if (e.name === 'AbortError' || mine !== generation) return;
        disposeChart(chartEl);
        tileEl.dataset.state = 'error';
        mount(chartEl, h('div', {class: 'tile-error', 'data-testid': 'tile-error-' + index, role: 'alert'}, e.message));
      }).finally(() => {
        if (mine === generation) delete tileEl.dataset.loading;
      });
    });
  };

  const schedule = () => {
    clearInterval(timer);
    const every = refreshMillis(dashboard.refresh);
    mount(refreshInfo, every > 0 ? 'auto-refresh every ' + dashboard.refresh : 'no auto-refresh');
    if (every > 0) {
      timer = setInterval(() => { if (!document.hidden) runTiles(); }, Math.max(every, 1000));
    }
  };

  const showGrid = () => {
    charts.forEach(disposeChart);
    charts.length = 0;
    mount(title, dashboard.title || id);
    document.title = (dashboard.title || id) + ' · Chute';
    const tiles = dashboard.tiles || [];
    if (tiles.length === 0) {
      mount(body, emptyState('This dashboard has no tiles', admin ? 'Use Edit to add some.' : null, 'tiles-empty'));
      return;
    }
    mount(body, h('div', {class: 'tiles', 'data-testid': 'tiles'}, tiles.map((tile, index) => {
      const width = Math.min(4, Math.max(1, Number(tile.width) || 2));
      const chartEl = h('div', {class: 'tile-chart chart' + (tile.chart === 'number' ? ' short' : ''), 'data-testid': 'tile-chart-' + index, 'data-chart': tile.chart});
      charts.push(chartEl);
      return h('section', {class: 'tile w' + width, 'data-testid': 'tile-' + index, 'data-title': tile.title, 'data-chart': tile.chart},
        h('header', {class: 'tile-head'}, h('h2', {class: 'tile-title', title: tile.sql}, tile.title), h('span', {class: 'tile-note muted small'})),
        chartEl);
    })));
    runTiles();
    schedule();
  };

  const showEditor = () => {
    clearInterval(timer);
    charts.forEach(disposeChart);
    charts.length = 0;
    const textarea = h('textarea', {class: 'editor yaml', spellcheck: 'false', rows: '24', 'data-testid': 'dashboard-yaml'});
    textarea.value = dashboard.yaml || '';
    const errorSlot = h('div', {});
    const save = h('button', {type: 'button', class: 'primary', 'data-testid': 'dashboard-save'}, 'Save');
    const cancel = h('button', {type: 'button', 'data-testid': 'dashboard-cancel'}, 'Cancel');
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        dashboard = await api.put(path, {yaml: textarea.value});
        mount(banner, infoBanner('Saved to dashboards/' + id + '.yaml.', 'dashboard-saved'));
        rangeSelect.value = dashboard.timeRange || 'all';
        editButton.disabled = !admin;
        showGrid();
      } catch (e) {
        mount(errorSlot, errorBanner(e.message, 'dashboard-error'));
      } finally {
        save.disabled = false;
      }
    });
    cancel.addEventListener('click', () => {
      mount(banner);
      editButton.disabled = !admin;
      showGrid();
    });
    textarea.addEventListener('keydown', e => {
      if ((e.ctrlKey || e.metaKey) && e.key === 's') {
        e.preventDefault();
        save.click();
      } else if (e.key === 'Tab' && !e.shiftKey) {
        e.preventDefault();
        textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
      }
    });
    editButton.disabled = true;
    mount(body, card('Edit ' + id + '.yaml', [
      h('p', {class: 'muted small'}, 'Charts: line, bar, area, pie, scatter, number, table. {{from}} and {{to}} stand for the selected range. Ctrl+S saves.'),
      textarea,
      errorSlot,
      h('div', {class: 'toolbar'}, save, cancel),
    ], {'data-testid': 'dashboard-editor'}));
    textarea.focus();
  };

  rangeSelect.addEventListener('change', () => dashboard && runTiles());
  refreshButton.addEventListener('click', () => dashboard && runTiles());
  editButton.addEventListener('click', () => dashboard && showEditor());
  deleteButton.addEventListener('click', async () => {
    if (!(await confirmAction('Delete dashboard ' + id + '?', 'This deletes dashboards/' + id + '.yaml.', 'Delete'))) return;
    try {
      await api.del(path);
      ctx.navigate('#/dashboards');
    } catch (e) {
      mount(banner, errorBanner(e.message));
    }
  });

  try {
    dashboard = await api.get(path, {signal: ctx.signal});
  } catch (e) {
    if (e.name === 'AbortError') return;
    mount(body, errorBanner(e.message));
    return;
  }
  rangeSelect.value = ctx.query.get('range') || dashboard.timeRange || 'all';
  if (ctx.query.get('edit') && admin) {
    showEditor();
  } else {
    showGrid();
  }
}

export async function render(root, ctx) {
  if (ctx.params[0]) {
    await renderDashboard(root, ctx, ctx.params[0]);
  } else {
    await renderList(root, ctx);
  }
}
