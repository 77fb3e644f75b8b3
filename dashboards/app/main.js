// The console app: login, the shell (header, navigation, live state), and a router over the
// console's pages. Each page is a module with mount(container, app) returning an unmount.
import { api, ApiError, query, setCsrf, whenLoggedOut } from './api.js';
import { AlertList } from './alerts.js';
import { fill, h } from './dom.js';
import { Live } from './live.js';
import { alarm, unlockSound } from './sound.js';
import { showLogin } from './views/login.js';
import * as mainPage from './views/main.js';
import * as detailPage from './views/detail.js';
import * as mapPage from './views/map.js';
import * as toolPage from './views/page.js';

const root = document.getElementById('app');
const basePath = new URL(document.baseURI).pathname;

/** Everything the pages share. */
const app = {
  session: null,
  alerts: new AlertList(),
  tiles: [],
  pages: [],
  live: null,
  sound: false,
  filters: null,
  navigate,
  toast,
  can: (action) => Boolean(app.session && app.session.view.actions.includes(action)),
  hasPage: (page) => Boolean(app.session && app.session.view.pages.includes(page)),
};

const ROUTES = [
  [/^$/, mainPage],
  [/^alerts\/([^/]+)$/, detailPage],
  [/^map$/, mapPage],
  [/^pages\/([a-z0-9-]+)$/, toolPage],
];

let unmount = null;
let shell = null;

function route() {
  const rel = decodeURIComponent(location.pathname.startsWith(basePath) ? location.pathname.slice(basePath.length) : '').replace(/\/+$/, '');
  for (const [pattern, page] of ROUTES) {
    const m = pattern.exec(rel);
    if (!m) continue;
    if (page === mapPage && !app.hasPage('map')) break;
    if (unmount) unmount();
    fill(shell.main);
    unmount = page.mount(shell.main, app, ...m.slice(1)) || null;
    markNav(rel);
    window.scrollTo(0, 0);
    return;
  }
  navigate('', true);
}

function navigate(rel, replace = false) {
  const url = basePath + rel;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route();
}

function markNav(rel) {
  for (const a of [...shell.nav.querySelectorAll('a'), ...shell.tools.querySelectorAll('a')]) a.classList.toggle('active', a.dataset.rel === rel || (a.dataset.rel === '' && rel.startsWith('alerts/')));
}

function link(label, rel, extra = {}) {
  return h('a', { href: basePath + rel, dataset: { rel }, ...extra, onclick: (e) => { e.preventDefault(); navigate(rel); } }, label);
}

function toast(message, kind = 'info') {
  const el = h(`div.toast.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, message);
  shell.toasts.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

function renderNav() {
  fill(shell.nav,
    link('Alerts', ''),
    app.hasPage('map') ? link('Map', 'map') : null,
  );
  // Tool pages get their own bar: there can be one per tool, and the main links must stay put.
  fill(shell.tools, app.pages.length ? [h('span.tools-label', 'Tool pages'), app.pages.map((p) => link(p.title, `pages/${p.page}`))] : null);
  shell.tools.hidden = !app.pages.length;
}

function buildShell() {
  const { user, view } = app.session;
  const liveBadge = h('span.live-badge.connecting', { title: 'Live connection' }, 'Connecting…');
  const soundLabel = () => (app.sound ? 'Sound: on' : 'Sound: off');
  const soundButton = h('button.sound-button', {
    type: 'button',
    'aria-pressed': String(app.sound),
    title: 'Alarm sound on new P1 alerts',
    onclick: () => {
      app.sound = !app.sound;
      if (app.sound) unlockSound();
      soundButton.setAttribute('aria-pressed', String(app.sound));
      soundButton.textContent = soundLabel();
    },
  }, soundLabel());
  shell = {
    nav: h('nav.main-nav', { 'aria-label': 'Console pages' }),
    tools: h('nav.tool-nav', { 'aria-label': 'Tool pages' }),
    main: h('main#page'),
    toasts: h('div.toasts', { 'aria-live': 'polite' }),
    banner: h('div.p1-banner', { hidden: true, role: 'alert' }),
    liveBadge,
  };
  const header = h('header.top',
    h('div.brand', h('span.logo', 'IMPETUS'), h('span.role-title', view.title)),
    shell.nav,
    h('div.top-right',
      liveBadge,
      soundButton,
      h('span.user', { title: `${user.username} (${user.role})` }, user.name),
      h('button.secondary', { type: 'button', onclick: logout }, 'Log out'),
    ),
  );
  fill(root, h('div.sticky-top', header, shell.tools, shell.banner), shell.main, shell.toasts);
  document.body.classList.toggle('compact', view.layout === 'compact');
  renderNav();
}

function setLive(state) {
  const text = { live: 'Live', reconnecting: 'Reconnecting…', connecting: 'Connecting…', ended: 'Session ended' }[state] || state;
  shell.liveBadge.className = `live-badge ${state}`;
  shell.liveBadge.textContent = text;
}

/** A new P1: a banner that stays until it is looked at, the sound, and the tab title. */
function announceP1(alert) {
  fill(shell.banner,
    h('strong', 'NEW P1'),
    h('span.banner-text', alert.headline),
    h('button.primary', { type: 'button', onclick: () => { shell.banner.hidden = true; navigate(`alerts/${encodeURIComponent(alert.id)}`); } }, 'Open'),
    h('button.secondary', { type: 'button', onclick: () => { shell.banner.hidden = true; document.title = 'IMPETUS console'; } }, 'Dismiss'),
  );
  shell.banner.hidden = false;
  document.title = '(P1) IMPETUS console';
  if (app.sound) alarm();
}

async function loadAlerts() {
  const states = app.filters.state.length ? app.filters.state : ['open', 'acknowledged'];
  const page = await api.get(`alerts?${query({ fields: 'summary', state: states, limit: 1000 })}`);
  app.alerts.putAll(page.items);
}

async function loadSummary() {
  const summary = await api.get('summary');
  app.tiles = summary.tiles;
  app.alerts.dispatchEvent(new Event('tiles'));
}

async function loadPages() {
  app.pages = app.session.view.pages.some((p) => p.startsWith('tool:')) ? await api.get('pages') : [];
}

/** After a resync or a restart: everything again from HTTP. */
async function reload() {
  try {
    await Promise.all([loadAlerts(), loadSummary(), loadPages()]);
    renderNav();
    app.alerts.dispatchEvent(new Event('resync'));
  } catch (err) {
    toast(`Reload failed: ${err.message}`, 'error');
  }
}

async function start(session) {
  app.session = session;
  setCsrf(session.csrf);
  const d = session.view.defaults || {};
  app.sound = d.sound !== false && app.sound;
  app.filters = { state: d.state || ['open', 'acknowledged'], priority: [], tool: '', zone: '', text: '', exercise: d.exercise !== false };
  app.alerts.clear();
  buildShell();
  app.live = new Live(session.live.path);
  app.live.addEventListener('state', (e) => setLive(e.detail));
  app.live.addEventListener('alert', (e) => app.alerts.apply(e.detail));
  app.live.addEventListener('summary', (e) => {
    app.tiles = e.detail.tiles;
    app.alerts.dispatchEvent(new Event('tiles'));
  });
  app.live.addEventListener('resync', reload);
  app.live.addEventListener('ended', () => loggedOut('Your session ended. Please log in again.'));
  app.alerts.addEventListener('event', (e) => {
    const { type, alert, isNew } = e.detail;
    if (type === 'created' && isNew && alert.priority === 'P1' && alert.state === 'open') announceP1(alert);
  });
  await Promise.all([loadAlerts(), loadSummary(), loadPages()]).catch((err) => toast(err.message, 'error'));
  renderNav();
  route();
}

async function logout() {
  try {
    await api.post('logout');
  } catch {
    // already gone: the login page is the answer either way
  }
  loggedOut('You have logged out.');
}

function loggedOut(message) {
  if (app.live) app.live.stop();
  app.live = null;
  if (unmount) unmount();
  unmount = null;
  app.session = null;
  document.body.classList.remove('compact');
  showLogin(root, message, onLogin);
}

async function onLogin(session) {
  app.sound = session.view.defaults?.sound !== false;
  unlockSound();
  const full = await api.get('session');
  await start(full);
}

whenLoggedOut(() => app.session && loggedOut('Your session ended. Please log in again.'));
window.addEventListener('popstate', () => app.session && route());

(async () => {
  try {
    // The probe answers 200 {authenticated: false} before login, so no 401 is logged.
    const session = await api.get('session?probe');
    if (session.authenticated === false) showLogin(root, '', onLogin);
    else await start(session);
  } catch (err) {
    showLogin(root, err instanceof ApiError && err.status === 401 ? '' : err.message, onLogin);
  }
})();
