// Small DOM and formatting helpers. Text always goes in as text nodes, never as HTML, so values
// from files and queries cannot inject markup.

/**
 * h('a', {href: '#/x', class: 'btn', onclick: fn, 'data-testid': 't'}, 'text', child, [more])
 * Attributes whose value is null, undefined or false are left out; on* functions become listeners.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else if (name === 'checked' || name === 'selected' || name === 'disabled' || name === 'multiple') {
      el[name] = Boolean(value);
      if (value) el.setAttribute(name, '');
    } else if (name === 'style' && typeof value === 'object') {
      Object.assign(el.style, value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(el, child);
    } else if (child instanceof Node) {
      el.appendChild(child);
    } else {
      el.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** Replaces the children of el. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const groupSeparator = (() => {
  const part = new Intl.NumberFormat().formatToParts(12345).find(p => p.type === 'group');
  return part ? part.value : ',';
})();
const decimalSeparator = (() => {
  const part = new Intl.NumberFormat().formatToParts(1.5).find(p => p.type === 'decimal');
  return part ? part.value : '.';
})();

/**
 * A number with thousands separators. Big integers and decimals arrive as strings (they do not fit a
 * double): those are grouped digit by digit so that no digit is lost.
 */
export function fmtNumber(value) {
  if (value === null || value === undefined || value === '') {
    return '';
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return groupDigits(String(value));
    return new Intl.NumberFormat(undefined, {maximumFractionDigits: 6}).format(value);
  }
  const text = String(value);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return text;
  return m[1] + groupDigits(m[2]) + (m[3] !== undefined ? decimalSeparator + m[3] : '');
}

function groupDigits(digits) {
  const negative = digits.startsWith('-');
  const d = negative ? digits.slice(1) : digits;
  let out = '';
  for (let i = 0; i < d.length; i++) {
    if (i > 0 && (d.length - i) % 3 === 0) out += groupSeparator;
    out += d[i];
  }
  return (negative ? '-' : '') + out;
}

export function fmtBytes(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return (u === 0 ? fmtNumber(v) : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[u];
}

export function fmtDuration(millis) {
  const ms = Number(millis);
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60_000) return (ms / 1000).toFixed(ms < 10_000 ? 2 : 1) + ' s';
  const m = Math.floor(ms / 60_000);
  return m + ' min ' + Math.round((ms % 60_000) / 1000) + ' s';
}

/** "PT1H" → "1 h"; anything else as it is. */
export function fmtIsoDuration(text) {
  if (!text) return '';
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(text);
  if (!m) return text;
  const parts = [];
  if (m[1]) parts.push(m[1] + ' d');
  if (m[2]) parts.push(m[2] + ' h');
  if (m[3]) parts.push(m[3] + ' min');
  if (m[4]) parts.push(Number(m[4]) + ' s');
  return parts.join(' ') || '0 s';
}

/** The browser's short name of its time zone at a date ("UTC", "CET", "GMT+2"). */
export function zoneName(date) {
  const part = new Intl.DateTimeFormat(undefined, {timeZoneName: 'short'}).formatToParts(date).find(p => p.type === 'timeZoneName');
  return part ? part.value : '';
}

const pad2 = n => String(n).padStart(2, '0');

/** "2024-05-01 12:00:00 CEST": a point in time in the browser's time zone, ISO-8601 order, the zone named. */
export function fmtTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.getFullYear() + '-' + pad2(date.getMonth() + 1) + '-' + pad2(date.getDate()) + ' ' +
    pad2(date.getHours()) + ':' + pad2(date.getMinutes()) + ':' + pad2(date.getSeconds()) + ' ' + zoneName(date);
}

/**
 * A point in time (an ISO-8601 instant with its offset) shown in the browser's time zone, labelled
 * with it, the ISO value in a tooltip.
 */
export function timeEl(iso) {
  if (iso === null || iso === undefined || iso === '') {
    return h('span', {class: 'muted'}, '—');
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return h('span', {}, String(iso));
  }
  return h('time', {datetime: iso, title: iso}, fmtTime(iso));
}

export function relativeTime(iso) {
  const t = new Date(iso).getTime();
  if (!Number.isFinite(t)) return '';
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

/** An error banner that shows the server's message. */
export function errorBanner(message, testid = 'error-banner') {
  return h('div', {class: 'banner error', role: 'alert', 'data-testid': testid}, String(message));
}

export function infoBanner(message, testid = 'info-banner') {
  return h('div', {class: 'banner info', role: 'status', 'data-testid': testid}, message);
}

export function emptyState(title, detail, testid = 'empty-state') {
  return h('div', {class: 'empty', 'data-testid': testid}, h('p', {class: 'empty-title'}, title), detail ? h('p', {class: 'muted'}, detail) : null);
}

export function card(title, body, attrs = {}) {
  return h('section', {class: 'card', ...attrs}, title ? h('h2', {class: 'card-title'}, title) : null, body);
}

export function badge(text, kind = 'neutral', attrs = {}) {
  return h('span', {class: 'badge ' + kind, ...attrs}, text);
}

/** Runs fn at most once per wait, after the calls stop. */
export function debounce(fn, wait) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

const confirmDialog = () => document.getElementById('confirm');

/** A modal confirmation; resolves true when the user confirms. */
export function confirmAction(title, text, okLabel = 'Confirm') {
  const dialog = confirmDialog();
  dialog.querySelector('[data-testid="confirm-title"]').textContent = title;
  dialog.querySelector('[data-testid="confirm-text"]').textContent = text;
  dialog.querySelector('[data-testid="confirm-ok"]').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), {once: true});
    dialog.showModal();
  });
}

export function pageHeader(title, subtitle, ...actions) {
  return h('header', {class: 'page-header'},
    h('div', {}, h('h1', {'data-testid': 'page-title'}, title), subtitle ? h('p', {class: 'muted'}, subtitle) : null),
    h('div', {class: 'page-actions'}, actions));
}

/** "ecommerce.order_events" → "#/tables/ecommerce.order_events". */
export function tableLink(table) {
  return h('a', {href: '#/tables/' + encodeURIComponent(table), class: 'mono'}, table);
}
