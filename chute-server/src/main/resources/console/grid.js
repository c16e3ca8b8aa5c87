// Tables of records and of query results.
import {fmtNumber, h, mount, timeEl} from './dom.js';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)\b/i;

export function isNumericType(type) {
  return NUMERIC.test(String(type || ''));
}

export function isTimestampTzType(type) {
  return /^TIMESTAMP WITH TIME ZONE|^TIMESTAMPTZ/i.test(String(type || ''));
}

// a timestamp's value as the API writes it: with an offset (a point in time) or without (a local date-time)
const ZONED = /^[+-]?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const LOCAL = /^([+-]?\d{4,}-\d\d-\d\d)T(\d\d:\d\d:\d\d(\.\d+)?)$/;

/** A timestamp column of any warehouse: DuckDB's and PostgreSQL's TIMESTAMP[TZ], BigQuery's TIMESTAMP and DATETIME. */
function isTimestampType(type) {
  return /^(TIMESTAMP|DATETIME)/i.test(String(type || ''));
}

/** One cell of a query result, shown by its column type. */
export function cellContent(value, type) {
  if (value === null || value === undefined) {
    return h('span', {class: 'null'}, 'NULL');
  }
  if (isNumericType(type)) {
    return fmtNumber(value);
  }
  if (typeof value === 'string' && isTimestampType(type)) {
    // a point in time is shown in the browser's zone, named; a timestamp without time zone has none to show
    if (ZONED.test(value)) return timeEl(value);
    const local = LOCAL.exec(value);
    if (local) return h('span', {class: 'local-time', title: 'TIMESTAMP without time zone: ' + value}, local[1] + ' ' + local[2]);
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * A plain table of records. columns: [{label, value: row => node|text, num: bool, testid}].
 * rowAttrs(row) adds attributes to each tr.
 */
export function recordTable(columns, rows, {testid, rowAttrs = () => ({})} = {}) {
  return h('div', {class: 'table-wrap'},
    h('table', {class: 'grid', 'data-testid': testid},
      h('thead', {}, h('tr', {}, columns.map(c => h('th', {class: c.num ? 'num' : null}, c.label)))),
      h('tbody', {}, rows.map(row => h('tr', rowAttrs(row),
        columns.map(c => {
          const content = c.value(row);
          return h('td', {class: c.num ? 'num' : null, 'data-col': c.testid || null, title: typeof content === 'string' && content.length > 24 ? content : null}, content);
        }))))));
}

function compareValues(a, b, numeric) {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (numeric) {
    const x = Number(a);
    const y = Number(b);
    if (x !== y) return x < y ? -1 : 1;
    // doubles tie on integers past 2^53: compare those exactly
    if (/^-?\d+$/.test(String(a)) && /^-?\d+$/.test(String(b))) {
      const bx = BigInt(a);
      const by = BigInt(b);
      return bx < by ? -1 : bx > by ? 1 : 0;
    }
    return 0;
  }
  const x = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const y = typeof b === 'object' ? JSON.stringify(b) : String(b);
  return x.localeCompare(y, undefined, {numeric: true});
}

/**
 * A query result {columns, rows} as a grid: click a header to sort (again to reverse), paged.
 * The element carries data-rows (all rows) for tests.
 */
export function resultGrid(result, {testid = 'result-grid', pageSize = 50} = {}) {
  const columns = result.columns || [];
  const rows = result.rows || [];
  const numeric = columns.map(c => isNumericType(c.type));
  let sortColumn = -1;
  let descending = false;
  let page = 0;
  let order = rows.map((_, i) => i);

  const root = h('div', {class: 'result-grid', 'data-testid': testid, 'data-rows': rows.length});
  const render = () => {
    const pages = Math.max(1, Math.ceil(order.length / pageSize));
    page = Math.min(page, pages - 1);
    const slice = order.slice(page * pageSize, (page + 1) * pageSize);
    const header = columns.map((c, i) => h('th', {
      class: (numeric[i] ? 'num ' : '') + 'sortable' + (i === sortColumn ? (descending ? ' desc' : ' asc') : ''),
      title: c.type,
      'data-testid': 'grid-header',
      'data-column': c.name,
      'aria-sort': i === sortColumn ? (descending ? 'descending' : 'ascending') : 'none',
      onclick: () => sortBy(i),
    }, c.name, h('span', {class: 'sort-mark'}, i === sortColumn ? (descending ? '▼' : '▲') : '')));
    const body = slice.map(r => h('tr', {'data-testid': 'grid-row'},
      columns.map((c, i) => {
        const content = cellContent(rows[r][i], c.type);
        // long text is cut by the column width: the whole value is in the tooltip
        return h('td', {class: numeric[i] ? 'num' : null, title: typeof content === 'string' && content.length > 40 ? content : null}, content);
      })));
    mount(root,
      h('div', {class: 'table-wrap'},
        h('table', {class: 'grid'}, h('thead', {}, h('tr', {}, header)), h('tbody', {}, body))),
      rows.length === 0 ? h('p', {class: 'muted pad'}, 'No rows.') : null,
      pages > 1 ? h('div', {class: 'pager', 'data-testid': 'grid-pager'},
        h('button', {type: 'button', disabled: page === 0, onclick: () => { page = 0; render(); }}, '«'),
        h('button', {type: 'button', disabled: page === 0, 'data-testid': 'grid-prev', onclick: () => { page--; render(); }}, '‹ Previous'),
        h('span', {'data-testid': 'grid-page'}, 'Page ' + (page + 1) + ' of ' + pages + ' · rows ' + fmtNumber(page * pageSize + 1) + '–' + fmtNumber(page * pageSize + slice.length)),
        h('button', {type: 'button', disabled: page >= pages - 1, 'data-testid': 'grid-next', onclick: () => { page++; render(); }}, 'Next ›'),
        h('button', {type: 'button', disabled: page >= pages - 1, onclick: () => { page = pages - 1; render(); }}, '»')) : null);
  };
  const sortBy = i => {
    if (sortColumn === i) {
      descending = !descending;
    } else {
      sortColumn = i;
      descending = false;
    }
    order = rows.map((_, k) => k).sort((a, b) => {
      const x = rows[a][i];
      const y = rows[b][i];
      // NULLs stay at the end in both directions
      if (x === null || x === undefined || y === null || y === undefined) {
        return compareValues(x, y, false) || a - b;
      }
      const c = compareValues(x, y, numeric[i]);
      return (descending ? -c : c) || a - b;
    });
    page = 0;
    render();
  };
  render();
  return root;
}
