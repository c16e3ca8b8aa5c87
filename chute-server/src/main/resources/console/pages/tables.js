// Tables: the list, and one table's schema, row count, sample rows, column profile and lineage.
import {api, qs} from '../api.js';
import {badge, card, emptyState, errorBanner, fmtBytes, fmtIsoDuration, fmtNumber, h, mount, pageHeader, tableLink, timeEl} from '../dom.js';
import {recordTable, resultGrid} from '../grid.js';

function freshnessBadge(t) {
  if (!t.freshness) return h('span', {class: 'muted'}, '—');
  return t.stale ? badge('stale', 'bad', {title: 'expected every ' + fmtIsoDuration(t.freshness)}) : badge('fresh', 'ok', {title: 'expected every ' + fmtIsoDuration(t.freshness)});
}

async function renderList(root, ctx) {
  const slot = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  mount(root, pageHeader('Tables', 'Every table Chute loads into.'), card(null, slot));
  try {
    const answer = await api.get('/api/tables', {signal: ctx.signal});
    const tables = answer.tables || [];
    mount(slot, tables.length === 0
      ? emptyState('No tables yet — drop a file into landing/<dataset>/<table>/', 'The table is created from the first file.', 'tables-empty')
      : recordTable([
        {label: 'Table', value: t => tableLink(t.table)},
        {label: 'Rows', num: true, testid: 'rows', value: t => fmtNumber(t.rows)},
        {label: 'Files', num: true, value: t => fmtNumber(t.files)},
        {label: 'Size', num: true, value: t => fmtBytes(t.bytes)},
        {label: 'Last load', value: t => timeEl(t.lastLoad)},
        {label: 'Freshness', value: freshnessBadge},
      ], tables, {testid: 'tables-table', rowAttrs: t => ({'data-testid': 'table-row', 'data-table': t.table})}));
  } catch (e) {
    if (e.name !== 'AbortError') mount(slot, errorBanner(e.message));
  }
}

function section(title, testid, loader) {
  const body = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  loader().then(content => mount(body, content)).catch(e => {
    if (e.name !== 'AbortError') mount(body, errorBanner(e.message, testid + '-error'));
  });
  return card(title, body, {'data-testid': testid});
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

async function renderDetail(root, ctx, name) {
  const path = '/api/tables/' + encodeURIComponent(name);
  const summary = h('div', {class: 'cards'}, h('p', {class: 'muted'}, 'Loading…'));
  const [dataset, table] = name.split('.');
  const sql = 'SELECT * FROM ' + quoteIdent(dataset) + '.' + quoteIdent(table) + ' LIMIT 100';
  mount(root,
    h('p', {class: 'crumbs'}, h('a', {href: '#/tables'}, 'Tables'), ' / ', h('span', {class: 'mono'}, name)),
    pageHeader(name, null,
      h('a', {class: 'button-link', href: '#/sql?q=' + encodeURIComponent(sql), 'data-testid': 'query-table'}, 'Query in SQL'),
      h('a', {class: 'button-link', href: '#/loads?table=' + encodeURIComponent(name)}, 'Loads'),
      ctx.can('uploader') ? h('a', {class: 'button-link', href: '#/upload?table=' + encodeURIComponent(name)}, 'Upload files') : null),
    summary);
  let detail;
  try {
    detail = await api.get(path, {signal: ctx.signal});
  } catch (e) {
    if (e.name === 'AbortError') return;
    mount(summary, errorBanner(e.message));
    return;
  }
  mount(summary,
    h('div', {class: 'stat', 'data-testid': 'row-count'}, h('div', {class: 'stat-label'}, 'Rows'), h('div', {class: 'stat-value', 'data-testid': 'row-count-value'}, fmtNumber(detail.rowCount ?? detail.rows))),
    h('div', {class: 'stat'}, h('div', {class: 'stat-label'}, 'Files loaded'), h('div', {class: 'stat-value'}, fmtNumber(detail.files))),
    h('div', {class: 'stat'}, h('div', {class: 'stat-label'}, 'Size of files'), h('div', {class: 'stat-value'}, fmtBytes(detail.bytes))),
    h('div', {class: 'stat'}, h('div', {class: 'stat-label'}, 'Last load'), h('div', {class: 'stat-value small-value'}, timeEl(detail.lastLoad)), h('div', {class: 'stat-detail'}, freshnessBadge(detail))));

  const columns = detail.columns || [];
  root.appendChild(h('div', {class: 'row two'},
    card('Schema', recordTable([
      {label: 'Column', value: c => h('span', {class: 'mono'}, c.name)},
      {label: 'Type', value: c => h('span', {class: 'mono muted', title: c.type}, c.type)},
    ], columns, {testid: 'schema-table', rowAttrs: c => ({'data-testid': 'schema-column', 'data-column': c.name})}), {'data-testid': 'schema'}),
    section('Profile', 'profile', async () => {
      const profile = await api.get(path + '/profile', {signal: ctx.signal});
      return recordTable([
        {label: 'Column', value: c => h('span', {class: 'mono'}, c.name)},
        {label: 'Nulls', num: true, value: c => fmtNumber(c.nulls)},
        {label: 'Distinct', num: true, value: c => fmtNumber(c.distinct)},
        {label: 'Min', value: c => c.min === null ? h('span', {class: 'null'}, 'NULL') : h('span', {class: 'clip', title: c.min}, c.min)},
        {label: 'Max', value: c => c.max === null ? h('span', {class: 'null'}, 'NULL') : h('span', {class: 'clip', title: c.max}, c.max)},
      ], profile.columns || [], {testid: 'profile-table', rowAttrs: c => ({'data-column': c.name})});
    })));
  root.appendChild(section('Sample rows', 'sample', async () => {
    const sample = await api.get(path + '/sample' + qs({limit: 50}), {signal: ctx.signal});
    return resultGrid(sample, {testid: 'sample-grid', pageSize: 25});
  }));
  root.appendChild(section('Lineage: source file → rows', 'lineage', async () => {
    if (detail.lineage === false) {
      return h('p', {class: 'muted'}, 'This table has no lineage columns (lineage: false), so Chute cannot tell which file each row came from.');
    }
    return lineagePager(path, name, ctx.signal);
  }));
}

const LINEAGE_PAGE = 50;

/** The table's source files a page at a time, newest first, with where this page is in the total ("1–50 of 1,234"). */
async function lineagePager(path, name, signal) {
  const root = h('div', {'data-testid': 'lineage-pager'});
  const show = async offset => {
    const lineage = await api.get(path + '/lineage' + qs({offset, limit: LINEAGE_PAGE}), {signal});
    const sources = lineage.sources || [];
    const total = Number(lineage.total || 0);
    if (total === 0) {
      mount(root, emptyState('No source files recorded.', null, 'lineage-empty'));
      return;
    }
    const go = next => show(next).catch(e => {
      if (e.name !== 'AbortError') mount(root, errorBanner(e.message, 'lineage-error'));
    });
    const range = sources.length === 0 ? 'none of ' + fmtNumber(total)
      : fmtNumber(offset + 1) + '–' + fmtNumber(offset + sources.length) + ' of ' + fmtNumber(total);
    mount(root,
      recordTable([
        {label: 'Source file', value: s => h('span', {class: 'mono'}, s.key)},
        {label: 'Load', value: s => h('a', {href: '#/loads?table=' + encodeURIComponent(name)}, String(s.loadId))},
        {label: 'Rows', num: true, value: s => fmtNumber(s.rows)},
        {label: 'Loaded', value: s => timeEl(s.loadedAt)},
      ], sources, {testid: 'lineage-table', rowAttrs: s => ({'data-key': s.key})}),
      h('div', {class: 'pager'},
        h('button', {type: 'button', disabled: offset === 0, 'data-testid': 'lineage-prev', onclick: () => go(Math.max(0, offset - LINEAGE_PAGE))}, '‹ Previous'),
        h('span', {'data-testid': 'lineage-range'}, range),
        h('button', {type: 'button', disabled: offset + sources.length >= total, 'data-testid': 'lineage-next', onclick: () => go(offset + LINEAGE_PAGE)}, 'Next ›')));
  };
  await show(0);
  return root;
}

export async function render(root, ctx) {
  if (ctx.params[0]) {
    await renderDetail(root, ctx, ctx.params[0]);
  } else {
    await renderList(root, ctx);
  }
}
