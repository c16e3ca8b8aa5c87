// SQL: read-only queries, a sortable paged grid, CSV/JSON export and a chart of the result.
import {api, download} from '../api.js';
import {chartPanel} from '../chartcontrols.js';
import {card, errorBanner, fmtDuration, fmtNumber, h, mount, pageHeader} from '../dom.js';
import {resultGrid} from '../grid.js';

const STORAGE_KEY = 'chute.sql';

function defaultSql(tables) {
  if (tables.length > 0) {
    const [dataset, table] = tables[0].table.split('.');
    return 'SELECT *\nFROM ' + dataset + '.' + table + '\nLIMIT 100';
  }
  return 'SELECT 42 AS answer';
}

export async function render(root, ctx) {
  const editor = h('textarea', {class: 'editor', spellcheck: 'false', 'data-testid': 'sql-editor', rows: '8',
    'aria-label': 'SQL query', placeholder: defaultSql([]) + '\n\n(Ctrl+Enter runs it)'});
  const runButton = h('button', {type: 'button', class: 'primary', 'data-testid': 'sql-run'}, 'Run ', h('kbd', {}, 'Ctrl+Enter'));
  const csvButton = h('button', {type: 'button', 'data-testid': 'export-csv', disabled: true}, 'Export CSV');
  const jsonButton = h('button', {type: 'button', 'data-testid': 'export-json', disabled: true}, 'Export JSON');
  const status = h('span', {class: 'muted small', 'data-testid': 'sql-status'});
  const errorSlot = h('div', {});
  const resultSlot = h('div', {});
  const chartSlot = h('div', {});
  const tableList = h('div', {class: 'table-chips'});

  mount(root,
    pageHeader('SQL', 'Read-only queries over the warehouse tables. Writes, file reads and extensions are refused.'),
    card(null, [
      editor,
      h('div', {class: 'toolbar'}, runButton, csvButton, jsonButton, status),
      tableList,
    ]),
    errorSlot,
    resultSlot,
    chartSlot);

  const fromAddress = ctx.query.get('q');
  editor.value = fromAddress || sessionStorage.getItem(STORAGE_KEY) || '';
  api.get('/api/tables', {signal: ctx.signal}).then(answer => {
    const tables = answer.tables || [];
    // an example in the placeholder, never in the value: the user may already be typing
    editor.placeholder = defaultSql(tables) + '\n\n(Ctrl+Enter runs it)';
    if (tables.length) {
      mount(tableList, h('span', {class: 'muted small'}, 'Tables: '), tables.map(t => h('button', {type: 'button', class: 'chip', title: 'Insert the name',
        onclick: () => insertAtCursor(editor, t.table)}, t.table)));
    }
  }).catch(() => {});

  let running = false;
  let lastSql = null;
  const run = async () => {
    if (running) return;
    if (!editor.value.trim()) {
      editor.value = editor.placeholder.replace(/\n\n\(Ctrl\+Enter runs it\)$/, '');
    }
    const sql = editor.value.trim();
    if (!sql) return;
    running = true;
    runButton.disabled = true;
    sessionStorage.setItem(STORAGE_KEY, editor.value);
    mount(status, 'Running…');
    mount(errorSlot);
    try {
      const result = await api.post('/api/query', {sql}, {signal: ctx.signal});
      lastSql = sql;
      csvButton.disabled = false;
      jsonButton.disabled = false;
      const rows = result.rows || [];
      mount(status, fmtNumber(rows.length) + (rows.length === 1 ? ' row' : ' rows') + (result.truncated ? ' (' + truncationNote(result.truncatedBy) + ')' : '') +
        ' · ' + fmtDuration(result.millis));
      status.dataset.rows = String(rows.length);
      mount(resultSlot, card('Result', resultGrid(result, {testid: 'result-grid'}), {'data-testid': 'result-card'}));
      const panel = chartPanel(result);
      mount(chartSlot, card('Chart', panel, {'data-testid': 'chart-card'}));
      panel.draw();
    } catch (e) {
      if (e.name === 'AbortError') return;
      mount(status);
      mount(resultSlot);
      mount(chartSlot);
      csvButton.disabled = true;
      jsonButton.disabled = true;
      mount(errorSlot, h('div', {class: 'banner error query-error', role: 'alert', 'data-testid': 'sql-error'},
        h('strong', {'data-testid': 'sql-error-kind'}, errorLabel(e)), h('span', {'data-testid': 'sql-error-message'}, e.message)));
    } finally {
      running = false;
      runButton.disabled = false;
      // tells a finished run from the previous one, even when both answer the same
      status.dataset.runs = String(Number(status.dataset.runs || 0) + 1);
    }
  };

  const exportAs = async format => {
    if (!lastSql) return;
    try {
      const saved = await download('/api/query/export', {sql: lastSql, format}, 'query.' + format);
      mount(errorSlot, saved.truncated
        ? errorBanner('The export holds only the first rows of the result: ' + truncationNote(saved.truncatedBy) + '.', 'export-truncated')
        : null);
    } catch (e) {
      mount(errorSlot, errorBanner(e.message, 'sql-error'));
    }
  };

  runButton.addEventListener('click', run);
  csvButton.addEventListener('click', () => exportAs('csv'));
  jsonButton.addEventListener('click', () => exportAs('json'));
  editor.addEventListener('keydown', e => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      run();
    } else if (e.key === 'Tab' && !e.shiftKey) {
      e.preventDefault();
      insertAtCursor(editor, '  ');
    }
  });
  editor.focus();
  if (fromAddress) run();
}

function insertAtCursor(textarea, text) {
  const start = textarea.selectionStart;
  const end = textarea.selectionEnd;
  textarea.setRangeText(text, start, end, 'end');
  textarea.focus();
}

/**
 * What kind of error a query met: refused by the read-only guard (a matter of security), an error the
 * warehouse found in the query (a table that does not exist, a typo), or another failure.
 */
function errorLabel(e) {
  const code = e.body && e.body.code;
  if (code === 'QUERY_REFUSED') return 'Query refused: ';
  if (code === 'QUERY_FAILED') return 'Error in the query: ';
  return 'Query failed: ';
}

/** Why an answer holds only the first rows: the limit that cut it, and where to raise it. */
function truncationNote(by) {
  return by === 'bytes'
    ? 'cut at query.max_bytes, the size limit of an answer; raise it in chute.yaml or select fewer or narrower columns'
    : 'cut at query.max_rows; raise it in chute.yaml for more';
}
