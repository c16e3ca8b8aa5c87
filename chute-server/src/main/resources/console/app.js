// The console: session, hash routing and the left navigation. Each page is a module with
// render(root, ctx); ctx.signal aborts when the user leaves the page, so pages stop their timers,
// requests and event streams with it.
import {api, ApiError, onUnauthorized} from './api.js';
import {errorBanner, h, mount} from './dom.js';
import * as overview from './pages/overview.js';
import * as loads from './pages/loads.js';
import * as tables from './pages/tables.js';
import * as sql from './pages/sql.js';
import * as dashboards from './pages/dashboards.js';
import * as upload from './pages/upload.js';

const RANK = {viewer: 1, uploader: 2, admin: 3};

const routes = [
  {pattern: /^overview$/, page: overview, nav: 'overview', title: 'Overview'},
  {pattern: /^loads$/, page: loads, nav: 'loads', title: 'Loads'},
  {pattern: /^tables$/, page: tables, nav: 'tables', title: 'Tables'},
  {pattern: /^tables\/(.+)$/, page: tables, nav: 'tables', title: 'Table'},
  {pattern: /^sql$/, page: sql, nav: 'sql', title: 'SQL'},
  {pattern: /^dashboards$/, page: dashboards, nav: 'dashboards', title: 'Dashboards'},
  {pattern: /^dashboards\/(.+)$/, page: dashboards, nav: 'dashboards', title: 'Dashboard'},
  {pattern: /^upload$/, page: upload, nav: 'upload', title: 'Upload'},
];

const state = {
  session: {authRequired: false, authenticated: true, role: 'admin'},
  controller: null,
};

const main = document.getElementById('main');
const loginOverlay = document.getElementById('login');
const loginForm = loginOverlay.querySelector('form');
const loginError = loginOverlay.querySelector('[data-testid="login-error"]');

function role() {
  const s = state.session;
  if (s.role) return s.role;
  // without authentication (loopback, no token) every action is allowed
  return s.authRequired ? null : 'admin';
}

/** Whether the signed-in role is at least the given one. */
function can(needed) {
  const r = role();
  return r !== null && (RANK[r] || 0) >= (RANK[needed] || 99);
}

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#\/?/, '')) || 'overview';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  return {path: path.replace(/\/+$/, ''), query};
}

function updateNav(active) {
  for (const link of document.querySelectorAll('.nav a')) {
    link.classList.toggle('active', link.dataset.route === active);
    if (link.dataset.route === active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
    const needs = link.dataset.needs;
    link.parentElement.classList.toggle('hidden', Boolean(needs) && !can(needs));
  }
  const roleEl = document.querySelector('[data-testid="session-role"]');
  const r = role();
  roleEl.textContent = state.session.authRequired ? (r ? 'Signed in as ' + r : 'Not signed in') : 'Local access (' + r + ')';
  document.querySelector('[data-testid="logout"]').classList.toggle('hidden', !(state.session.authRequired && state.session.authenticated));
}

async function route() {
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const {path, query} = parseHash();
  const match = routes.map(r => ({r, m: r.pattern.exec(path)})).find(x => x.m);
  updateNav(match ? match.r.nav : null);
  // a fresh root per visit: a slow answer for the page just left lands in a detached element
  const root = h('div', {class: 'page', 'data-page': match ? match.r.nav : 'none'});
  mount(main, root);
  if (!match) {
    mount(root, errorBanner('No such page: #/' + path), h('p', {}, h('a', {href: '#/overview'}, 'Go to the overview')));
    return;
  }
  document.title = match.r.title + ' · Chute';
  const ctx = {
    params: match.m.slice(1).map(p => p),
    query,
    signal: controller.signal,
    can,
    role: role(),
    navigate: hash => { location.hash = hash; },
  };
  try {
    await match.r.page.render(root, ctx);
  } catch (e) {
    if (e.name === 'AbortError' || controller.signal.aborted) return;
    if (e instanceof ApiError && e.status === 401) return;
    console.error(e);
    root.prepend(errorBanner(e.message || String(e)));
  }
}

function showLogin(message) {
  loginOverlay.classList.remove('hidden');
  loginError.classList.toggle('hidden', !message);
  loginError.textContent = message || '';
  if (state.controller) state.controller.abort();
  mount(main);
  loginForm.querySelector('input[name="token"]').focus();
}

function hideLogin() {
  loginOverlay.classList.add('hidden');
  loginError.classList.add('hidden');
}

loginForm.addEventListener('submit', async event => {
  event.preventDefault();
  const input = loginForm.querySelector('input[name="token"]');
  try {
    const answer = await api.post('/api/session', {token: input.value});
    input.value = '';
    state.session = {authRequired: true, authenticated: true, role: answer.role || null};
    hideLogin();
    route();
  } catch (e) {
    loginError.textContent = e.status === 401 ? 'That token is not valid.' : e.message;
    loginError.classList.remove('hidden');
  }
});

document.querySelector('[data-testid="logout"]').addEventListener('click', async () => {
  try {
    await api.del('/api/session');
  } finally {
    state.session = {authRequired: true, authenticated: false, role: null};
    updateNav(null);
    showLogin();
  }
});

onUnauthorized(() => {
  state.session = {...state.session, authRequired: true, authenticated: false, role: null};
  updateNav(null);
  showLogin('Your session is not valid (any more): sign in again.');
});

async function start() {
  try {
    state.session = await api.get('/api/session');
  } catch (e) {
    if (e.status !== 401) {
      // an older server without /api/session: carry on as local access
      state.session = {authRequired: false, authenticated: true, role: null};
    }
  }
  window.addEventListener('hashchange', () => {
    if (!loginOverlay.classList.contains('hidden')) return;
    route();
  });
  if (state.session.authRequired && !state.session.authenticated) {
    updateNav(null);
    showLogin();
    return;
  }
  if (!location.hash) {
    history.replaceState(null, '', '#/overview');
  }
  route();
}

start();
