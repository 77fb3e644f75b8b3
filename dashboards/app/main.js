// The console app: login, the shell (header, navigation, live state), and a router over the
// console's pages. Each page is a module with mount(container, app) returning an unmount.
import { api, ApiError, query, setCsrf, whenLoggedOut } from './api.js';
import { AlertList } from './alerts.js';
import { fill, h } from './dom.js';
import { Live } from './live.js';
import { setTimeZone } from './format.js';
import { groupsIncidents, incidents } from './incident-queue.js';
import { alarm, onSoundState, soundState, unlockSound } from './sound.js';
import { ownPanels } from './own-panels.js';
import { helpOpen, toggleHelp } from './views/help.js';
import { showLogin } from './views/login.js';
import * as mainPage from './views/main.js';
import * as detailPage from './views/detail.js';
import * as incidentPage from './views/incident.js';
import * as mapPage from './views/map.js';
import * as toolPage from './views/page.js';
import * as sightingsPage from './views/sightings.js';

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
  setTitle,
  can: (action) => Boolean(app.session && app.session.view.actions.includes(action)),
  hasPage: (page) => Boolean(app.session && app.session.view.pages.includes(page)),
};

const ROUTES = [
  [/^$/, mainPage],
  [/^alerts\/([^/]+)$/, detailPage],
  [/^incidents\/([^/]+)$/, incidentPage],
  [/^map$/, mapPage],
  [/^pages\/([a-z0-9-]+)$/, toolPage],
  [/^sightings$/, sightingsPage],
];

let unmount = null;
let unmountOwn = null;
let shell = null;
let pageTitle = 'IMPETUS console';

/**
 * The tab title: the open alerts this user has not acknowledged yet, a mark while a new P1 waits
 * to be looked at, then the page: "(3) P1 · Alerts · IMPETUS console". A wall screen's tab says
 * what is waiting even when another tab is in front.
 */
function setTitle(page) {
  if (page) pageTitle = `${page} · IMPETUS console`;
  if (!app.session) return;
  let open = 0;
  for (const a of app.alerts.byId.values()) if (a.state === 'open' && (app.filters.exercise || a.status === 'Actual')) open += 1;
  document.title = `${open ? `(${open}) ` : ''}${shell && !shell.banner.hidden ? 'P1 · ' : ''}${pageTitle}`;
}

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
  for (const a of [...shell.nav.querySelectorAll('a'), ...shell.tools.querySelectorAll('a')]) a.classList.toggle('active', a.dataset.rel === rel || (a.dataset.rel === '' && (rel.startsWith('alerts/') || rel.startsWith('incidents/'))));
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
  const soundButton = h('button.sound-button', {
    type: 'button',
    title: 'Alarm sound on new P1 alerts',
    onclick: () => {
      // A blocked sound is turned on by this very click; otherwise the click toggles it.
      if (!(app.sound && soundState() === 'suspended')) app.sound = !app.sound;
      window.localStorage.setItem(soundKey(), String(app.sound));
      if (app.sound) unlockSound();
      showSound();
    },
  });
  shell = {
    nav: h('nav.main-nav', { 'aria-label': 'Console pages' }),
    tools: h('nav.tool-nav', { 'aria-label': 'Tool pages' }),
    // The user's own panels (an operator's own workload), above every page.
    own: h('div.own-strip', { hidden: true, 'aria-label': 'Mine' }),
    main: h('main#page'),
    toasts: h('div.toasts', { 'aria-live': 'polite' }),
    banner: h('div.p1-banner', { hidden: true, role: 'alert' }),
    liveBadge,
    soundButton,
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
  fill(root, h('div.sticky-top', header, shell.tools, shell.banner), shell.own, shell.main, shell.toasts);
  document.body.classList.toggle('compact', view.layout === 'compact');
  renderNav();
  showSound();
}

/** The user's own sound choice, kept in this browser; the role's default until they make one. */
function soundKey() {
  return `impetus.sound.${app.session.user.username}`;
}

/**
 * The sound button says what will happen on a new P1. When the browser blocks sound (a reloaded
 * wall screen: no click yet), it says so in the header until someone clicks.
 */
function showSound() {
  if (!shell) return;
  const blocked = app.sound && soundState() !== 'running';
  shell.soundButton.textContent = !app.sound ? 'Sound: off' : blocked ? 'Sound blocked: click to enable' : 'Sound: on';
  shell.soundButton.setAttribute('aria-pressed', String(app.sound && !blocked));
  shell.soundButton.classList.toggle('blocked', blocked);
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
    h('button.secondary', { type: 'button', onclick: () => { shell.banner.hidden = true; setTitle(); } }, 'Dismiss'),
  );
  shell.banner.hidden = false;
  setTitle();
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
  setTimeZone(session.timeZone);
  const d = session.view.defaults || {};
  // The role's default applies at every start (a reload too), unless this user chose otherwise here.
  const chosen = window.localStorage.getItem(`impetus.sound.${session.user.username}`);
  app.sound = chosen === null ? d.sound !== false : chosen === 'true';
  if (app.sound) unlockSound();
  app.filters = { state: d.state || ['open', 'acknowledged'], priority: [], tool: '', zone: '', text: '', exercise: d.exercise !== false, sort: 'priority', incidents: groupsIncidents() };
  app.alerts.clear();
  app.alerts.toolNames = new Map(session.tools.map((t) => [t.id, t.name]));
  buildShell();
  app.live = new Live(session.live.path);
  app.live.addEventListener('state', (e) => setLive(e.detail));
  app.live.addEventListener('alert', (e) => app.alerts.apply(e.detail));
  app.live.addEventListener('incident', (e) => incidents.live(e.detail));
  app.live.addEventListener('summary', (e) => {
    app.tiles = e.detail.tiles;
    app.alerts.dispatchEvent(new Event('tiles'));
  });
  app.live.addEventListener('resync', reload);
  unmountOwn = ownPanels(shell.own, app);
  app.live.addEventListener('ended', () => loggedOut('Your session ended. Please log in again.'));
  app.alerts.addEventListener('change', () => setTitle());
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
  if (unmountOwn) unmountOwn();
  unmountOwn = null;
  app.session = null;
  document.body.classList.remove('compact');
  showLogin(root, message, onLogin);
}

async function onLogin() {
  // The login click is a user gesture: sound may start now.
  unlockSound();
  const full = await api.get('session');
  await start(full);
}

whenLoggedOut(() => app.session && loggedOut('Your session ended. Please log in again.'));
onSoundState(showSound);
// Any click or key is the gesture a blocked sound waits for (the sound button handles its own).
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, (e) => {
    if (app.session && app.sound && soundState() !== 'running' && !(shell && shell.soundButton.contains(e.target))) unlockSound();
  }, true);
}
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && helpOpen()) {
    toggleHelp(false);
    e.stopImmediatePropagation();
  } else if (e.key === '?' && app.session && !/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) toggleHelp();
}, true);
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
