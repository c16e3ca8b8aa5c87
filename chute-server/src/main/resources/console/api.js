// The console talks to Chute only through its JSON API (docs/console.md).

/** An answer other than 2xx: status plus the server's {"error": ...} message. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

let unauthorizedHandler = () => {};

/** Called on any 401 so that the app can show its login form again. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

async function errorOf(response) {
  let body = null;
  let message = response.status + ' ' + response.statusText;
  try {
    const text = await response.text();
    if (text) {
      try {
        body = JSON.parse(text);
        if (body && typeof body.error === 'string') {
          message = body.error;
        }
      } catch {
        message = text.length > 500 ? text.slice(0, 500) + '…' : text;
      }
    }
  } catch {
    // the body could not be read: keep the status line
  }
  // a refused sign-in is answered by the login form itself
  if (response.status === 401 && !response.url.endsWith('/api/session')) {
    unauthorizedHandler();
  }
  return new ApiError(response.status, message, body);
}

/** One request. body: an object (sent as JSON), FormData (multipart) or undefined. */
export async function request(method, path, {body, signal, raw = false} = {}) {
  const init = {method, credentials: 'same-origin', headers: {Accept: 'application/json'}, signal};
  if (body instanceof FormData) {
    init.body = body;
  } else if (method !== 'GET' && method !== 'HEAD') {
    // POST, PUT and DELETE always say JSON: the server refuses other types as cross-site requests
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Chute does not answer (' + e.message + '). Is chute up still running?', null);
  }
  if (!response.ok) {
    throw await errorOf(response);
  }
  if (raw) {
    return response;
  }
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

export const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, body, opts) => request('POST', path, {...opts, body}),
  put: (path, body, opts) => request('PUT', path, {...opts, body}),
  del: (path, opts) => request('DELETE', path, opts),
};

/** A query string from the entries whose value is set. */
export function qs(params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') search.set(k, v);
  }
  const s = search.toString();
  return s ? '?' + s : '';
}

/**
 * Listens to /api/events until signal aborts. onEvent(type, data) for load, duplicate and failure;
 * onState(open) when the stream connects or drops (EventSource reconnects by itself).
 */
export function listenEvents(signal, onEvent, onState = () => {}) {
  if (typeof EventSource === 'undefined') {
    onState(false);
    return;
  }
  const source = new EventSource('/api/events', {withCredentials: true});
  const handle = type => event => {
    let data = {};
    try {
      data = event.data ? JSON.parse(event.data) : {};
    } catch {
      // an event we cannot read still means something changed
    }
    onEvent(type, data);
  };
  for (const type of ['load', 'duplicate', 'failure']) {
    source.addEventListener(type, handle(type));
  }
  source.addEventListener('open', () => onState(true));
  source.addEventListener('hello', () => onState(true));
  source.addEventListener('ping', () => onState(true));
  source.addEventListener('error', () => onState(source.readyState === EventSource.OPEN));
  signal.addEventListener('abort', () => source.close(), {once: true});
}

/** Saves a download answered by the server (Content-Disposition names the file); tells whether the server cut it short. */
export async function download(path, body, fallbackName) {
  const response = await request('POST', path, {body, raw: true});
  const disposition = response.headers.get('Content-Disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = m ? decodeURIComponent(m[1]) : fallbackName;
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return {name, truncated: response.headers.get('X-Chute-Truncated') === 'true', truncatedBy: response.headers.get('X-Chute-Truncated-By')};
}
