// Watches landing keys until each is loaded or failed (GET /api/files/status), for Upload and Replay.
import {api, qs} from './api.js';
import {badge, fmtNumber, h, mount} from './dom.js';

const POLL_MILLIS = 1000;
const GIVE_UP_MILLIS = 15 * 60_000;

const STATE_BADGE = {
  landing: ['waiting in landing…', 'warn'],
  unknown: ['waiting…', 'neutral'],
  loaded: ['loaded', 'ok'],
  failed: ['failed', 'bad'],
};

/**
 * A list element that shows one line per key and polls their state until they settle or signal
 * aborts. onSettled(key, status) is called once per key that reaches loaded or failed.
 */
export function fileStatusList(keys, signal, {testid = 'file-status-list', onSettled = () => {}} = {}) {
  const list = h('ul', {class: 'status-list', 'data-testid': testid});
  const started = Date.now();
  for (const key of keys) {
    const line = h('li', {'data-testid': 'file-status', 'data-key': key, 'data-state': 'landing'});
    list.appendChild(line);
    show(line, {key, state: 'landing'});
    poll(line, key);
  }

  async function poll(line, key) {
    while (!signal.aborted && Date.now() - started < GIVE_UP_MILLIS) {
      try {
        const status = await api.get('/api/files/status' + qs({key}), {signal});
        show(line, status);
        if (status.state === 'loaded' || status.state === 'failed') {
          onSettled(key, status);
          return;
        }
      } catch (e) {
        if (e.name === 'AbortError') return;
        mount(line, h('span', {class: 'mono'}, key), badge('cannot tell', 'bad'), h('span', {class: 'small'}, e.message));
      }
      await new Promise(resolve => setTimeout(resolve, POLL_MILLIS));
    }
  }
  return list;
}

function show(line, status) {
  const [text, kind] = STATE_BADGE[status.state] || [status.state, 'neutral'];
  line.dataset.state = status.state;
  const detail = [];
  if (status.state === 'loaded' && status.load) {
    detail.push(h('span', {class: 'muted small'}, fmtNumber(status.load.rows) + ' rows in ' + status.load.table + ' · load ',
      h('a', {href: '#/loads?table=' + encodeURIComponent(status.load.table)}, String(status.load.loadId))));
  }
  if (status.state === 'failed' && status.failure) {
    const f = status.failure;
    const where = [f.line != null ? 'line ' + f.line : null, f.column ? 'column ' + f.column : null, f.value != null ? 'value “' + f.value + '”' : null]
      .filter(Boolean).join(', ');
    detail.push(h('div', {class: 'failure-reason', 'data-testid': 'file-status-error'}, f.reason + (where ? ' (' + where + ')' : '')));
  }
  mount(line, h('span', {class: 'mono'}, status.key), badge(text, kind, {'data-testid': 'file-state'}), detail);
}
