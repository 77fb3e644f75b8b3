// One incident: its title and summary, the actions (on the incident and, through it, on the
// members this role sees), the playbook as a checklist, the timeline of every member's events
// across tools, the map with every member, comments, and each member's alert with its tool data.
import { api } from '../api.js';
import { clear, fill, h, perFrame } from '../dom.js';
import { ACTION_LABEL, ago, clock, PRIORITY_LABEL, STATE_LABEL, toolName } from '../format.js';
import { actOnIncident, incidents } from '../incident-queue.js';
import { mountVoice } from '../voice-panel.js';
import { commentsSection, detailMap, frame, pageKeys, textActionForm } from './detail-parts.js';
import { summaryOf } from './main.js';

const INCIDENT_LABEL = {
  opened: 'Incident opened', grouped: 'Alert grouped in', 'moved-in': 'Alert moved in', 'moved-out': 'Alert moved out', acknowledged: 'Incident acknowledged',
  assigned: 'Incident assigned', commented: 'Comment', resolved: 'Incident resolved', reopened: 'Incident reopened', step: 'Playbook', 'closed-to-new': 'Closed to new alerts',
};
const ALERT_LABEL = {
  created: 'Raised', acknowledged: 'Acknowledged', assigned: 'Assigned', commented: 'Commented', resolved: 'Resolved', reopened: 'Reopened',
  escalated: 'Escalated', silenced: 'Silenced', grouped: 'Grouped', ungrouped: 'Taken out', muted: 'Muted', unmuted: 'Unmuted',
};

function detailText(d = {}) {
  if (d.step) return `${d.done ? '☑' : '☐'} ${d.text}`;
  return d.text ? `“${d.text}”` : d.reason ? `“${d.reason}”` : d.assignee ? `to ${d.assignee}` : d.note ? `“${d.note}”` : '';
}

export function mount(container, app, id) {
  let incident = null;
  let alerts = [];
  let left = false;
  /** Push-to-talk with everyone on this incident, once it is known to be visible; its recordings join the timeline. */
  let voice = null;
  const box = h('div.detail.incident');
  const mapBox = h('div.detail-map', { 'aria-label': 'Members on the map' });
  const map = detailMap(mapBox, app);
  frame(container, app, box);

  async function load() {
    try {
      const page = await api.get(`incidents/${encodeURIComponent(id)}`);
      incident = page.incident;
      alerts = page.alerts;
      if (!voice && app.session.voice && !left) voice = mountVoice(app, `incident:${id}`, () => render());
      for (const a of alerts) app.alerts.put(summaryOf(a));
      render();
    } catch (err) {
      if (!left) fill(box, h('p.form-error', err.status === 404 ? 'This incident does not exist, or your role may see none of its alerts.' : err.message));
    }
  }

  async function act(action, body = {}) {
    try {
      const { members } = await actOnIncident(id, action, body);
      const done = members.filter((m) => m.status === 'done').length;
      const failed = members.filter((m) => m.status === 'failed');
      app.toast(`${ACTION_LABEL[action]}: incident${action === 'comment' ? '' : ` and ${done} alert${done === 1 ? '' : 's'}`}${failed.length ? `; ${failed.length} not (${failed[0].error})` : ''}`, failed.length ? 'error' : 'info');
      await load();
    } catch (err) {
      app.toast(err.message, 'error');
    }
  }

  async function tick(step, done) {
    try {
      incident = await api.post(`incidents/${encodeURIComponent(id)}/playbook/${encodeURIComponent(step)}`, { done });
      render();
    } catch (err) {
      app.toast(err.message, 'error');
      render();
    }
  }

  async function moveOut(alertId) {
    const reason = window.prompt('Why does this alert not belong to the incident?');
    if (reason === null) return;
    try {
      await api.post(`alerts/${encodeURIComponent(alertId)}/incident`, { incidentId: null, reason: reason.trim() || undefined });
      app.toast('Alert taken out of the incident');
      await load();
    } catch (err) {
      app.toast(err.message, 'error');
    }
  }

  const textForm = (action, placeholder, required) => textActionForm(action, placeholder, required, (text) => act(action, { text: text || undefined }));

  function actions() {
    const i = incident;
    const items = [];
    if (i.state === 'open' && app.can('acknowledge')) items.push(h('button.primary.big', { type: 'button', onclick: () => act('acknowledge') }, 'Acknowledge incident'));
    if (i.state !== 'resolved' && app.can('resolve')) items.push(textForm('resolve', 'Reason for resolving the incident', true));
    if (i.state === 'resolved' && app.can('reopen')) items.push(textForm('reopen', 'Why reopen (optional)', false));
    if (!app.session.view.actions.length) items.push(h('p.read-only', 'Read-only view: you can follow this incident but not act on it.'));
    items.push(h('p.muted', 'An action on the incident acts on each of its alerts you can see; each alert\'s history says so.'));
    return items;
  }

  function playbook() {
    const may = app.can('acknowledge');
    return h('ol.playbook', incident.playbook.map((s) => h('li',
      h('label', h('input', { type: 'checkbox', checked: Boolean(s.done), disabled: !may, onchange: (e) => tick(s.id, e.target.checked) }), ' ', s.text),
      s.done ? h('span.muted', ` — ${s.done.by}, ${clock(s.done.at)}`) : null)));
  }

  /** Every member's audit, the incident's own and its voice transmissions, in time order, each line naming its tool. */
  function timeline() {
    const lines = [
      ...incident.history.map((e) => ({ at: e.at, tool: 'incident', what: INCIDENT_LABEL[e.action] || e.action, by: e.by, extra: detailText(e.details) })),
      ...alerts.flatMap((a) => a.history.map((e) => ({ at: e.at, tool: toolName(app.session.tools, a.tool), what: `${ALERT_LABEL[e.action] || e.action}: ${a.headline}`, by: e.by, extra: detailText(e.details) }))),
    ].map((l) => ({ at: l.at, el: h('li', h('time.when', { dateTime: l.at }, clock(l.at)), h('span.tool', l.tool), h('span.what', l.what), l.by ? h('span.who', l.by) : null, l.extra ? h('span.extra', l.extra) : null) }));
    if (voice) lines.push(...voice.timeline());
    return h('ol.history.timeline', lines.sort((x, y) => Date.parse(x.at) - Date.parse(y.at)).map((l) => l.el));
  }

  const comments = () => commentsSection(app, incident.comments, 'Add a comment for everyone on this incident', (text) => act('comment', { text }));

  function member(a) {
    const m = incident.members.find((x) => x.alertId === a.id) || {};
    return h(`article.member.${a.priority.toLowerCase()}`,
      h('header',
        h(`span.prio.${a.priority.toLowerCase()}`, { title: PRIORITY_LABEL[a.priority] }, a.priority),
        h('a', { href: `alerts/${encodeURIComponent(a.id)}`, onclick: (e) => { e.preventDefault(); app.navigate(`alerts/${encodeURIComponent(a.id)}`); } }, a.headline),
        h('span.tool', toolName(app.session.tools, a.tool)),
        h(`span.state.${a.state}`, STATE_LABEL[a.state]),
        a.muted ? h('span.muted-tag', { title: a.muted.reason }, `MUTED by ${a.muted.by}`) : null,
        m.by ? h('span.muted', `moved in by ${m.by}`) : null,
        app.can('assign') && incident.state !== 'resolved' ? h('button.secondary', { type: 'button', onclick: () => moveOut(a.id) }, 'Take out') : null),
      h('details', h('summary', 'Tool data'), h('code', JSON.stringify(a.data ?? {}, null, 2))));
  }

  function render() {
    if (left || !incident) return;
    const i = incident;
    app.setTitle(`${i.priority} ${i.title}`);
    fill(box,
      h(`header.detail-head.${i.priority.toLowerCase()}`,
        h(`span.prio.big.${i.priority.toLowerCase()}`, { title: PRIORITY_LABEL[i.priority] }, i.priority),
        h('div',
          h('h1', h('span.incident-tag', 'INCIDENT'), ' ', i.title),
          h('p.meta',
            h(`span.state.${i.state}`, STATE_LABEL[i.state]),
            h('span', i.type),
            h('span', `${i.members.length} alert${i.members.length === 1 ? '' : 's'} · ${i.tools.map((t) => toolName(app.session.tools, t)).join(', ')}`),
            h('span', { title: clock(i.lastSeen) }, `last alert ${ago(i.lastSeen)}`),
            i.status !== 'Actual' ? h('span.exercise-tag', i.status.toUpperCase()) : null,
            i.assignee ? h('span', `assigned to ${i.assignee}`) : null),
          h('p', i.summary))),
      h('div.detail-grid',
        h('section.actions', h('h2', 'Actions'), actions(),
          h('p.downloads', 'CAP 1.2: ', h('a', { href: `api/incidents/${encodeURIComponent(i.id)}/cap.xml`, download: '' }, 'XML')),
          voice ? h('section.voice-section', h('h2', 'Voice'), voice.section) : null),
        h('div.detail-main',
          h('section', h('h2', 'Playbook'), playbook()),
          h('section', h('h2', 'Alerts'), alerts.map(member)),
          h('section', h('h2', 'Comments'), comments()),
          h('section', h('h2', 'Timeline'), timeline())),
        h('aside.detail-side', h('section', h('h2', 'Map'), alerts.some((a) => a.location) ? mapBox : h('p.muted', 'No alert of this incident has a location.')))));
    const located = alerts.filter((a) => a.location);
    if (located.length) map.show(located.map((a) => ({ ...summaryOf(a), location: a.location })), 17);
  }

  const reload = perFrame(load);
  const onEvent = (e) => {
    if (e.detail.alert.incidentId === id || alerts.some((a) => a.id === e.detail.alert.id)) reload();
  };
  const onIncident = (e) => {
    if (e.detail.id === id) reload();
  };
  app.alerts.addEventListener('event', onEvent);
  app.alerts.addEventListener('resync', reload);
  incidents.addEventListener('incident', onIncident);
  const stopKeys = pageKeys(app);
  clear(box).append(h('p.muted', 'Loading…'));
  load();
  incidents.soon();
  return () => {
    left = true;
    stopKeys();
    app.alerts.removeEventListener('event', onEvent);
    app.alerts.removeEventListener('resync', reload);
    incidents.removeEventListener('incident', onIncident);
    map.remove();
    if (voice) voice.unmount();
  };
}
