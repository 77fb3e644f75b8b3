// One alert: what happened, what to do, the tool's data and images, where (map), the shared
// comments and the history, all live; and the actions the role may take.
import { api } from '../api.js';
import { clear, fill, h, perFrame, tlpTag } from '../dom.js';
import { ACTION_LABEL, ago, clock, PRIORITY_LABEL, STATE_LABEL, toolName } from '../format.js';
import { mountVoice } from '../voice-panel.js';
import { commentsSection, detailMap, frame, pageKeys, textActionForm } from './detail-parts.js';
import { summaryOf } from './main.js';

const HISTORY_LABEL = {
  created: 'Raised', occurred: 'Occurred again', acknowledged: 'Acknowledged', assigned: 'Assigned', commented: 'Commented',
  resolved: 'Resolved', reopened: 'Reopened', escalated: 'Escalated', silenced: 'Silenced', marked: 'Marking made stricter',
};

/** `created` records the marking it was raised under; `marked` a stricter one from a repeat. */
const tlpText = (t) => (typeof t === 'string' ? `TLP:${t.toUpperCase()}` : t && t.to ? `TLP:${t.from.toUpperCase()} → TLP:${t.to.toUpperCase()}` : '');

const scalar = (v) => v === null || typeof v !== 'object';

/**
 * A resource as a link only to our own media route or to http(s): stored alerts are checked
 * (schemas/alert.schema.json), and this holds for anything older or from elsewhere too.
 */
function resourceLink(alert, r) {
  const digest = r.digest ?? /^media\/(sha256:[0-9a-f]{64})$/i.exec(r.uri ?? '')?.[1];
  if (digest) return h('a', { href: `api/alerts/${encodeURIComponent(alert.id)}/media/${encodeURIComponent(digest)}`, target: '_blank', rel: 'noopener' }, r.description);
  if (typeof r.uri === 'string' && /^https?:\/\/\S+$/i.test(r.uri)) return h('a', { href: r.uri, target: '_blank', rel: 'noopener noreferrer' }, r.description);
  return r.description;
}

/**
 * One value of a tool's data, generically: scalars as text, a flat object as "key value" pairs,
 * a list of flat objects (detections, contributions…) as a small table, anything deeper as JSON.
 */
function dataValue(v) {
  if (scalar(v)) return String(v);
  if (Array.isArray(v)) {
    if (v.length && v.length <= 50 && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const cols = [...new Set(v.flatMap((x) => Object.keys(x)))].slice(0, 8);
      // In its own scroller: a wide table (detections and their boxes) never widens the page on a phone.
      return h('div.table-scroll', { tabindex: '0', role: 'region', 'aria-label': 'Table' }, h('table.nested', h('thead', h('tr', cols.map((c) => h('th', c)))),
        h('tbody', v.map((x) => h('tr', cols.map((c) => h('td', x[c] === undefined ? '' : scalar(x[c]) ? String(x[c]) : JSON.stringify(x[c]))))))));
    }
    if (v.every(scalar)) return v.join(', ');
  } else if (Object.values(v).every(scalar)) {
    return h('span.pairs', Object.entries(v).map(([k, x]) => h('span', h('i', k), ` ${x}`)));
  }
  return h('code', JSON.stringify(v));
}

/** Tool data as a readable table, whatever the tool (each tool's page can show it its own way). */
function dataTable(data) {
  const entries = Object.entries(data || {});
  if (!entries.length) return h('p.muted', 'This tool sent no further data.');
  return h('table.kv', h('tbody', entries.map(([k, v]) => h('tr', h('th', { scope: 'row' }, k), h('td', dataValue(v))))));
}

function historyEntry(e) {
  const d = e.details || {};
  const extra = d.comment ? `“${d.comment.text}”` : d.reason ? `“${d.reason}”` : d.assignee ? `to ${d.assignee}` : d.level ? `level ${d.level}` : d.note ? `“${d.note}”` : tlpText(d.tlp);
  return h('li', h('time.when', { dateTime: e.at }, clock(e.at)), h('span.what', HISTORY_LABEL[e.action] || e.action), e.by ? h('span.who', e.by) : null, extra ? h('span.extra', extra) : null);
}

export function mount(container, app, id) {
  let alert = null;
  let history = [];
  /** Set once the view is left: an answer arriving later draws nothing (its map is removed). */
  let left = false;
  /** Users and teams this role may assign to (GET assignees), once per page. */
  let assignees = null;
  const box = h('div.detail');
  // Made once and moved into each render, so the map is not rebuilt when a comment arrives.
  const mapBox = h('div.detail-map', { 'aria-label': 'Location' });
  const map = detailMap(mapBox, app);
  /** Push-to-talk with everyone on this alert, once the alert is known to be visible; its recordings join the history. */
  let voice = null;
  frame(container, app, box);

  async function load() {
    try {
      const [a, h2] = await Promise.all([api.get(`alerts/${encodeURIComponent(id)}`), api.get(`alerts/${encodeURIComponent(id)}/history?limit=1000`)]);
      alert = a;
      history = h2.entries;
      if (!voice && app.session.voice && !left) voice = mountVoice(app, `alert:${id}`, () => render());
      app.alerts.put(summaryOf(a));
      render();
    } catch (err) {
      fill(box, h('p.form-error', err.status === 404 ? 'This alert does not exist, or your role may not see it.' : err.message));
    }
  }

  async function act(action, body = {}) {
    try {
      alert = await api.post(`alerts/${encodeURIComponent(id)}/actions`, { action, ...body });
      app.alerts.put(summaryOf(alert));
      app.alerts.changed();
      app.toast(`${ACTION_LABEL[action]}: done`);
      clearForms();
      await load();
    } catch (err) {
      app.toast(err.message, 'error');
    }
  }

  /** Assign picks from the users and teams the server lists, never free text. */
  function assignForm() {
    const choice = h('select', { 'aria-label': 'Assign to', required: true, dataset: { keep: 'assign' } },
      h('option', { value: '' }, assignees ? 'Assign to…' : 'Loading users…'),
      assignees ? [
        h('optgroup', { label: 'Users' }, assignees.users.map((u) => h('option', { value: u.username }, `${u.name} (${u.username})`))),
        h('optgroup', { label: 'Teams' }, assignees.teams.map((t) => h('option', { value: t.id }, `Team: ${t.name}`))),
      ] : null);
    return h('form.action-form.assign', { onsubmit: (e) => { e.preventDefault(); if (choice.value) act('assign', { assignee: choice.value }); } },
      choice, h('button.secondary', { type: 'submit' }, ACTION_LABEL.assign));
  }

  const actionForm = (action, placeholder, required) => textActionForm(action, placeholder, required, (text) => act(action, { text }));

  function actions() {
    const a = alert;
    const items = [];
    if (a.state === 'open' && app.can('acknowledge')) items.push(h('button.primary.big', { type: 'button', onclick: () => act('acknowledge') }, 'Acknowledge'));
    if (a.state !== 'resolved' && app.can('assign')) items.push(assignForm());
    if (a.state !== 'resolved' && app.can('resolve')) items.push(actionForm('resolve', 'Reason for resolving', true));
    if (a.state === 'resolved' && app.can('reopen')) items.push(actionForm('reopen', 'Why reopen (optional)', false));
    if (!app.session.view.actions.length) items.push(h('p.read-only', 'Read-only view: you can follow this alert but not act on it.'));
    return items;
  }

  const comments = () => commentsSection(app, alert.comments, 'Add a comment for everyone on this alert', (text) => act('comment', { text }));

  function images() {
    const pictures = alert.resources.filter((r) => r.digest && /^image\//.test(r.mimeType));
    const others = alert.resources.filter((r) => !pictures.includes(r));
    return [
      pictures.length ? h('div.images', pictures.map((r) => h('figure', h('img', { src: `api/alerts/${encodeURIComponent(alert.id)}/media/${encodeURIComponent(r.digest)}`, alt: r.description, loading: 'lazy' }), h('figcaption', r.description)))) : null,
      others.length ? h('ul.resources', others.map((r) => h('li', resourceLink(alert, r), ` (${r.mimeType})`))) : null,
    ];
  }

  /** The alert's history with the voice transmissions recorded on it, in time order. */
  function timeline() {
    const entries = history.map((e) => ({ at: e.at, el: historyEntry(e) }));
    if (voice) entries.push(...voice.timeline());
    return entries.sort((x, y) => Date.parse(x.at) - Date.parse(y.at)).map((e) => e.el);
  }

  /** What someone is typing survives a live update of the page. */
  function render() {
    if (left) return;
    const kept = new Map([...box.querySelectorAll('[data-keep]')].map((el) => [el.dataset.keep, el.value]));
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.keep : undefined;
    draw();
    for (const el of box.querySelectorAll('[data-keep]')) {
      if (kept.get(el.dataset.keep)) el.value = kept.get(el.dataset.keep);
      if (el.dataset.keep === focused) el.focus();
    }
  }

  function draw() {
    const a = alert;
    app.setTitle(`${a.priority} ${a.headline}`);
    fill(box,
      h(`header.detail-head.${a.priority.toLowerCase()}`,
        h(`span.prio.big.${a.priority.toLowerCase()}`, { title: PRIORITY_LABEL[a.priority] }, a.priority),
        h('div',
          h('h1', a.headline),
          h('p.meta',
            tlpTag(a.tlp),
            h(`span.state.${a.state}`, STATE_LABEL[a.state]),
            h('span', toolName(app.session.tools, a.tool)),
            h('span', a.event),
            a.areaDesc || a.zone ? h('span', a.areaDesc || a.zone) : null,
            h('span', { title: clock(a.lastSeen) }, `last seen ${ago(a.lastSeen)}`),
            a.count > 1 ? h('span.repeat', `${a.count} occurrences`) : null,
            a.status !== 'Actual' ? h('span.exercise-tag', a.status.toUpperCase()) : null,
            a.assignee ? h('span', `assigned to ${a.assignee}`) : null))),
      // The actions come first in the page's order, so that on a phone (one column) Acknowledge is
      // at the top; on a wide screen they head the side column.
      h('div.detail-grid',
        h('div.detail-top',
          h('section.actions', h('h2', 'Actions'), actions(),
            h('p.downloads', 'CAP 1.2: ',
              h('a', { href: `api/alerts/${encodeURIComponent(a.id)}/cap.xml`, download: '' }, 'XML'), ' · ',
              h('a', { href: `api/alerts/${encodeURIComponent(a.id)}/cap.json`, download: '' }, 'JSON'))),
          // Talking is not an action on the alert: read-only roles listen here too.
          voice ? h('section.voice-section', h('h2', 'Voice'), voice.section) : null),
        h('div.detail-main',
          a.instruction ? h('section.instruction', h('h2', 'What to do'), h('p', a.instruction)) : null,
          a.description ? h('section', h('h2', 'Description'), h('p', a.description)) : null,
          h('section', h('h2', 'Tool data'), dataTable(a.data), images()),
          h('section', h('h2', 'Comments'), comments()),
          h('section', h('h2', 'History'), h('ol.history', timeline()))),
        h('aside.detail-side',
          h('section', h('h2', 'Location'), a.location ? mapBox : h('p.muted', 'No location given.')),
          h('section.facts', h('h2', 'Classification'), h('table.kv', h('tbody',
            [['Severity', a.severity], ['Urgency', a.urgency], ['Certainty', a.certainty], ['Category', a.category], ['Occurred', clock(a.occurredAt)],
              ['First seen', clock(a.firstSeen)], ['Acknowledged', a.ack ? `${a.ack.by}, ${clock(a.ack.at)}` : '—'],
              ['Resolved', a.resolved ? `${a.resolved.by}: ${a.resolved.reason}` : '—']].map(([k, v]) => h('tr', h('th', { scope: 'row' }, k), h('td', v))))))),
      ),
    );
    if (a.location) map.show([{ ...summaryOf(a), location: a.location }], 16);
  }

  // After an action the page reloads anyway; the form that was used starts empty again.
  const clearForms = () => box.querySelectorAll('[data-keep]').forEach((el) => { el.value = ''; });

  // Someone else acted on this alert: fetch it again (at most once a frame).
  const reload = perFrame(load);
  const onEvent = (e) => {
    if (e.detail.alert.id === id) reload();
  };
  app.alerts.addEventListener('event', onEvent);
  app.alerts.addEventListener('resync', reload);
  /** The next (+1) or previous (-1) alert in the queue's order and filters, from this one. */
  const step = (by) => {
    const { items } = app.alerts.select(app.filters);
    const here = items.findIndex((x) => x.id === id);
    const next = here >= 0 && items[here + by];
    if (next) app.navigate(`alerts/${encodeURIComponent(next.id)}`);
  };
  /** a: acknowledge; j/k: next/previous alert of the queue (and Escape: back to the queue). */
  const stopKeys = pageKeys(app, (e) => {
    if (e.key === 'a' && alert && alert.state === 'open' && app.can('acknowledge')) act('acknowledge');
    else if (e.key === 'j' || e.key === 'k') step(e.key === 'j' ? 1 : -1);
    else return false;
    return true;
  });
  if (app.can('assign')) {
    api.get('assignees').then((list) => { assignees = list; if (alert) render(); }).catch((err) => app.toast(err.message, 'error'));
  }
  clear(box).append(h('p.muted', 'Loading…'));
  load();
  return () => {
    left = true;
    stopKeys();
    app.alerts.removeEventListener('event', onEvent);
    app.alerts.removeEventListener('resync', reload);
    map.remove();
    if (voice) voice.unmount();
  };
}
