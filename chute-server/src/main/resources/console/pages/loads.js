// Loads: history with filters, the files of each load, Undo / Restore, and failed files with Replay.
import {api, listenEvents, qs} from '../api.js';
import {badge, card, confirmAction, debounce, emptyState, errorBanner, fmtBytes, fmtDuration, fmtNumber, h, infoBanner, mount, pageHeader, tableLink, timeEl} from '../dom.js';
import {recordTable} from '../grid.js';
import {fileStatusList} from '../filestatus.js';

/** Where in the file a failure is: line, column, value, expected type. */
export function failureDetail(f) {
  const facts = [
    ['line', f.line],
    ['column', f.column],
    ['value', f.value],
    ['expected', f.expected],
  ].filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (facts.length === 0) return null;
  return h('dl', {class: 'facts', 'data-testid': 'failure-facts'},
    facts.map(([k, v]) => [h('dt', {}, k), h('dd', {class: k === 'value' ? 'mono' : null, 'data-fact': k}, String(v))]));
}

/** "2024-05-01T10:00" from a datetime-local input → ISO UTC. */
function localToIso(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

function isoToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = n => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}

export async function render(root, ctx) {
  const admin = ctx.can('admin');
  const filters = {
    table: ctx.query.get('table') || '',
    status: ctx.query.get('status') || '',
    since: ctx.query.get('since') || '',
    until: ctx.query.get('until') || '',
  };
  const banner = h('div', {'data-testid': 'loads-banner'});
  const replaySlot = h('div', {});
  const loadsSlot = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  const failuresSlot = h('div', {});

  const tableSelect = h('select', {name: 'table', 'data-testid': 'filter-table'}, h('option', {value: ''}, 'All tables'));
  const statusSelect = h('select', {name: 'status', 'data-testid': 'filter-status'},
    h('option', {value: ''}, 'Any status'), h('option', {value: 'committed'}, 'Committed'), h('option', {value: 'undone'}, 'Undone'));
  statusSelect.value = filters.status;
  const since = h('input', {type: 'datetime-local', name: 'since', 'data-testid': 'filter-since', value: isoToLocalInput(filters.since)});
  const until = h('input', {type: 'datetime-local', name: 'until', 'data-testid': 'filter-until', value: isoToLocalInput(filters.until)});
  const form = h('form', {class: 'filters', 'data-testid': 'loads-filters', onsubmit: e => {
    e.preventDefault();
    const next = {table: tableSelect.value, status: statusSelect.value, since: localToIso(since.value), until: localToIso(until.value)};
    // the filters live in the address, so a filtered view can be bookmarked and shared
    ctx.navigate('#/loads' + qs(next));
  }},
    h('label', {}, 'Table', tableSelect),
    h('label', {}, 'Status', statusSelect),
    h('label', {}, 'Since', since),
    h('label', {}, 'Until', until),
    h('button', {type: 'submit', class: 'primary', 'data-testid': 'filter-apply'}, 'Apply'),
    h('a', {href: '#/loads', class: 'button-link'}, 'Clear'));

  const replayAll = h('button', {type: 'button', 'data-testid': 'replay-all', disabled: !admin,
    title: admin ? 'Move every failed file back to landing' : 'Replay needs the admin role',
    onclick: () => replay([])}, 'Replay all');

  mount(root,
    pageHeader('Loads', 'Every load Chute committed, newest first, and every file it could not load.'),
    banner,
    card(null, form),
    replaySlot,
    card('Loads', loadsSlot, {'data-testid': 'loads-card'}),
    card(null, [h('div', {class: 'card-title-row'}, h('h2', {class: 'card-title'}, 'Failed files'), replayAll), failuresSlot], {'data-testid': 'failures-card'}));

  const expanded = new Set();

  const toggleEntries = async (load, tr) => {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('entries-row')) {
      next.remove();
      expanded.delete(load.loadId);
      tr.querySelector('.expander').textContent = '▸';
      tr.setAttribute('aria-expanded', 'false');
      return;
    }
    expanded.add(load.loadId);
    tr.querySelector('.expander').textContent = '▾';
    tr.setAttribute('aria-expanded', 'true');
    const cell = h('td', {colspan: '9'}, h('p', {class: 'muted'}, 'Loading files…'));
    tr.after(h('tr', {class: 'entries-row', 'data-testid': 'load-entries', 'data-load-id': String(load.loadId)}, cell));
    try {
      const detail = await api.get('/api/loads/' + encodeURIComponent(load.loadId), {signal: ctx.signal});
      const entries = detail.entries || [];
      mount(cell, entries.length === 0 ? h('p', {class: 'muted'}, 'No files recorded for this load.') : recordTable([
        {label: 'File (landing key)', value: e => h('span', {class: 'mono'}, e.key)},
        {label: 'Checksum', value: e => h('span', {class: 'mono small', title: e.checksum}, String(e.checksum || '').slice(0, 16))},
        {label: 'Rows', num: true, value: e => fmtNumber(e.rows)},
        {label: 'Size', num: true, value: e => fmtBytes(e.bytes)},
      ], entries, {testid: 'entries-table', rowAttrs: e => ({'data-testid': 'load-entry', 'data-key': e.key})}));
    } catch (e) {
      if (e.name !== 'AbortError') mount(cell, errorBanner(e.message));
    }
  };

  const undo = async load => {
    const ok = await confirmAction('Undo load ' + load.loadId + '?',
      'This deletes the ' + fmtNumber(load.rows) + ' rows it added to ' + load.table + ' (from ' + fmtNumber(load.files) +
      (Number(load.files) === 1 ? ' file' : ' files') + '). The files stay in the archive, so you can restore them later.', 'Undo load');
    if (!ok) return;
    try {
      const answer = await api.post('/api/loads/' + encodeURIComponent(load.loadId) + '/undo', {});
      mount(banner, infoBanner('Undid load ' + answer.loadId + ': ' + fmtNumber(answer.rowsDeleted) + ' rows deleted from ' + fmtNumber(answer.files) + ' files.', 'undo-result'));
    } catch (e) {
      mount(banner, errorBanner(e.message));
    }
    refresh();
  };

  const restore = async load => {
    try {
      const answer = await api.post('/api/loads/' + encodeURIComponent(load.loadId) + '/restore', {});
      const restored = answer.restored || [];
      const missing = answer.missing || [];
      mount(banner,
        infoBanner('Restored ' + restored.length + ' file(s) to landing; they load again.' + (missing.length ? ' Missing from the archive: ' + missing.join(', ') : ''), 'restore-result'));
      mount(replaySlot, restored.length ? card('Restored files', fileStatusList(restored, ctx.signal, {onSettled: () => refresh()})) : null);
    } catch (e) {
      mount(banner, errorBanner(e.message));
    }
    refresh();
  };

  const replay = async keys => {
    try {
      const answer = await api.post('/api/replay', {keys});
      const replayed = answer.replayed || [];
      mount(banner, replayed.length
        ? infoBanner('Moved ' + replayed.length + ' file(s) back to landing.', 'replay-result')
        : errorBanner('Nothing was replayed: the file is no longer among the failed files.'));
      mount(replaySlot, replayed.length ? card('Replayed files', fileStatusList(replayed, ctx.signal, {testid: 'replay-status', onSettled: () => refresh()})) : null);
    } catch (e) {
      mount(banner, errorBanner(e.message));
    }
    refresh();
  };

  const actions = load => {
    if (load.status === 'undone' && load.restoredAt) {
      return h('span', {class: 'muted', 'data-testid': 'restored-note', title: load.restoredAt}, 'restored');
    }
    if (load.status === 'undone') {
      return h('button', {type: 'button', class: 'small', 'data-testid': 'restore-button', disabled: !admin,
        title: admin ? 'Move this load\'s files from the archive back to landing' : 'Restore needs the admin role',
        onclick: e => { e.stopPropagation(); restore(load); }}, 'Restore');
    }
    return h('button', {type: 'button', class: 'small danger-outline', 'data-testid': 'undo-button', disabled: !admin,
      title: admin ? 'Delete the rows of this load' : 'Undo needs the admin role',
      onclick: e => { e.stopPropagation(); undo(load); }}, 'Undo');
  };

  const renderLoads = list => {
    if (list.length === 0) {
      const filtered = filters.table || filters.status || filters.since || filters.until;
      return filtered
        ? emptyState('No loads match these filters.', null, 'loads-empty')
        : emptyState('No loads yet — drop a file into landing/<dataset>/<table>/', 'or use the Upload page.', 'loads-empty');
    }
    const rows = list.map(load => {
      const tr = h('tr', {class: 'clickable', 'data-testid': 'load-row', 'data-load-id': String(load.loadId), 'data-table': load.table,
        'data-status': load.status, 'data-rows': String(load.rows), tabindex: '0', 'aria-expanded': 'false'},
      h('td', {class: 'mono nowrap'}, h('span', {class: 'expander', 'aria-hidden': 'true'}, '▸'), ' ', String(load.loadId)),
      h('td', {}, tableLink(load.table)),
      h('td', {class: 'num', 'data-col': 'files'}, fmtNumber(load.files)),
      h('td', {class: 'num', 'data-col': 'rows'}, fmtNumber(load.rows)),
      h('td', {class: 'num'}, fmtBytes(load.bytes)),
      h('td', {}, timeEl(load.committedAt)),
      h('td', {class: 'num'}, fmtDuration(load.durationMillis)),
      h('td', {}, load.status === 'undone' ? badge('undone', 'warn', {title: load.undoneAt ? 'undone at ' + load.undoneAt : ''}) : badge('committed', 'ok')),
      h('td', {class: 'actions'}, actions(load)));
      const toggle = e => {
        if (e.target.closest('a, button')) return;
        toggleEntries(load, tr);
      };
      tr.addEventListener('click', toggle);
      tr.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(e); } });
      return tr;
    });
    return h('div', {class: 'table-wrap'}, h('table', {class: 'grid', 'data-testid': 'loads-table'},
      h('thead', {}, h('tr', {}, ['Load', 'Table', 'Files', 'Rows', 'Size', 'Committed', 'Duration', 'Status', ''].map((t, i) =>
        h('th', {class: [2, 3, 4, 6].includes(i) ? 'num' : null}, t)))),
      h('tbody', {}, rows)));
  };

  const renderFailures = list => {
    if (list.length === 0) {
      return emptyState('No failed files', 'A file that cannot be loaded shows up here with the reason.', 'failures-empty');
    }
    return h('ul', {class: 'failure-list', 'data-testid': 'failures-list'}, list.map(f => h('li', {'data-testid': 'failure', 'data-key': f.key},
      h('div', {class: 'failure-head'},
        h('span', {class: 'mono', 'data-testid': 'failure-key'}, f.key),
        // a file that failed before its table was ever created names a table with no page yet
        f.table ? (f.tableExists === false
          ? h('span', {class: 'mono muted', 'data-testid': 'failure-table', title: 'table not created yet: no file has loaded into it'}, f.table)
          : tableLink(f.table)) : null,
        badge(f.code || 'failed', f.retryable ? 'warn' : 'bad', {title: f.retryable ? 'retryable: Chute tries again by itself' : 'permanent: fix the cause, then replay'}),
        h('span', {class: 'muted small'}, fmtNumber(f.attempts) + (Number(f.attempts) === 1 ? ' attempt' : ' attempts') + ' · last ', timeEl(f.lastFailedAt)),
        h('span', {class: 'spacer'}),
        h('button', {type: 'button', class: 'small primary', 'data-testid': 'replay-button', 'data-key': f.key, disabled: !admin,
          title: admin ? 'Move this file back to landing for another try' : 'Replay needs the admin role',
          onclick: () => replay([f.key])}, 'Replay')),
      h('div', {class: 'failure-reason', 'data-testid': 'failure-reason'}, f.reason),
      failureDetail(f))));
  };

  const load = async () => {
    const query = {table: filters.table, status: filters.status, since: filters.since, until: filters.until};
    const [loadsAnswer, failuresAnswer] = await Promise.allSettled([
      api.get('/api/loads' + qs(query), {signal: ctx.signal}),
      api.get('/api/failures' + qs({table: filters.table}), {signal: ctx.signal}),
    ]);
    if (ctx.signal.aborted) return;
    if (loadsAnswer.status === 'fulfilled') {
      mount(loadsSlot, renderLoads(loadsAnswer.value.loads || []));
      // keep open what the user opened
      for (const id of expanded) {
        const tr = loadsSlot.querySelector('tr[data-load-id="' + CSS.escape(String(id)) + '"]');
        expanded.delete(id);
        if (tr) toggleEntries({loadId: id}, tr);
      }
    } else if (loadsAnswer.reason.name !== 'AbortError') {
      mount(loadsSlot, errorBanner(loadsAnswer.reason.message));
    }
    if (failuresAnswer.status === 'fulfilled') {
      mount(failuresSlot, renderFailures(failuresAnswer.value.failures || []));
      replayAll.disabled = !admin || (failuresAnswer.value.failures || []).length === 0;
    } else if (failuresAnswer.reason.name !== 'AbortError') {
      mount(failuresSlot, errorBanner(failuresAnswer.reason.message));
    }
  };
  const refresh = debounce(() => load().catch(() => {}), 300);
  ctx.signal.addEventListener('abort', () => refresh.cancel(), {once: true});

  api.get('/api/tables', {signal: ctx.signal}).then(answer => {
    for (const t of answer.tables || []) tableSelect.appendChild(h('option', {value: t.table}, t.table));
    tableSelect.value = filters.table;
  }).catch(() => {});
  listenEvents(ctx.signal, () => refresh());
  await load();
}
