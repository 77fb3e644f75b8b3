// Incidents in the queue: the alerts of one incident fold under one row (its priority, title,
// member count and tools), which expands to show them; acting on the row acts on the incident,
// and through it on the members this role may see (docs/incidents.md).
import { api } from './api.js';
import { h } from './dom.js';
import { ago, PRIORITY_LABEL, STATE_LABEL, toolName } from './format.js';

/** The incidents this role sees, as GET incidents answers (members limited to the visible ones). */
class IncidentCache extends EventTarget {
  constructor() {
    super();
    this.byId = new Map();
    /** Incidents whose members are shown in the queue. */
    this.expanded = new Set();
    this.timer = null;
  }

  async refresh() {
    const page = await api.get('incidents?limit=1000');
    this.byId = new Map(page.items.map((i) => [i.id, i]));
    this.dispatchEvent(new Event('change'));
  }

  /** An alert of an incident changed: read the incidents again, at most twice a second. */
  soon() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch(() => undefined);
    }, 500);
  }

  put(incident) {
    this.byId.set(incident.id, incident);
    this.dispatchEvent(new Event('change'));
  }

  /** An incident pushed over the live socket: the queue redraws, an open incident page reloads. */
  live(incident) {
    const known = this.byId.get(incident.id);
    if (known && known.version > incident.version) return;
    this.put(incident);
    this.dispatchEvent(new CustomEvent('incident', { detail: incident }));
  }
}

export const incidents = new IncidentCache();

const GROUP_KEY = 'impetus.queue.incidents';

/** Whether the queue folds alerts into their incidents: on unless this browser's user turned it off. */
export function groupsIncidents() {
  return window.localStorage.getItem(GROUP_KEY) !== 'off';
}

/** The queue's "Group by incident" switch; the choice is remembered in this browser. */
export function groupSwitch(filters, onChange) {
  const box = h('input', {
    type: 'checkbox', id: 'incidents-toggle', checked: filters.incidents,
    onchange: () => {
      filters.incidents = box.checked;
      window.localStorage.setItem(GROUP_KEY, box.checked ? 'on' : 'off');
      onChange();
    },
  });
  return h('label.switch', { for: 'incidents-toggle', title: 'Fold the alerts of one incident under one row' }, box, h('span', 'Group by incident'));
}

/** POSTs an action on an incident; answers the incident as this role sees it. */
export async function actOnIncident(id, action, body = {}) {
  const result = await api.post(`incidents/${encodeURIComponent(id)}/actions`, { action, ...body });
  incidents.put(result.incident);
  return result;
}

function incidentRow(incident, shown, app) {
  const open = () => app.navigate(`incidents/${encodeURIComponent(incident.id)}`);
  const expanded = incidents.expanded.has(incident.id);
  const p = incident.priority.toLowerCase();
  const ack = async (e) => {
    e.stopPropagation();
    e.currentTarget.disabled = true;
    try {
      const { members } = await actOnIncident(incident.id, 'acknowledge');
      app.toast(`Incident acknowledged: ${members.filter((m) => m.status === 'done').length} alert(s)`);
    } catch (err) {
      app.toast(err.message, 'error');
    }
  };
  return h(`article.alert-row.incident-row.${p}${incident.state === 'resolved' ? '.resolved' : ''}`, {
    role: 'listitem', tabindex: '0', dataset: { incident: incident.id }, onclick: open,
    onkeydown: (e) => { if (e.key === 'Enter' && e.target === e.currentTarget) { e.preventDefault(); open(); } },
  },
  h('button.expand', {
    type: 'button', 'aria-expanded': String(expanded), title: expanded ? 'Hide its alerts' : 'Show its alerts',
    onclick: (e) => {
      e.stopPropagation();
      if (expanded) incidents.expanded.delete(incident.id);
      else incidents.expanded.add(incident.id);
      incidents.dispatchEvent(new Event('change'));
    },
  }, expanded ? '▾' : '▸'),
  h(`span.prio.${p}`, { title: PRIORITY_LABEL[incident.priority] }, incident.priority),
  h('div.row-body',
    h('div.headline', h('span.incident-tag', 'INCIDENT'), ' ', incident.title),
    h('div.meta',
      h('span.members', `${incident.members.length} alert${incident.members.length === 1 ? '' : 's'}`),
      h('span.tool', incident.tools.map((t) => toolName(app.session.tools, t)).join(', ')),
      incident.areaDesc || incident.zone ? h('span', incident.areaDesc || incident.zone) : null,
      h('span', { title: incident.lastSeen }, ago(incident.lastSeen)),
      incident.status !== 'Actual' ? h('span.exercise-tag', incident.status.toUpperCase()) : null,
      shown < incident.members.length ? h('span.muted', `${shown} in this view of the queue`) : null)),
  h('div.row-state',
    h(`span.state.${incident.state}`, STATE_LABEL[incident.state]),
    incident.ack ? h('span.by', `by ${incident.ack.by}`) : null,
    incident.assignee ? h('span.by', `→ ${incident.assignee}`) : null),
  h('div.row-actions', incident.state === 'open' && app.can('acknowledge') ? h('button.primary', { type: 'button', onclick: ack }, 'Acknowledge incident') : null));
}

/**
 * The queue's rows in its order: an incident's row where its first listed alert would be, its
 * alerts under it when expanded; alerts in no incident, in an incident of one alert, or in one
 * this page has not read yet, as they are.
 */
export function queueRows(items, row, app) {
  const rows = [];
  const placed = new Set();
  for (const a of items) {
    const incident = a.incidentId && incidents.byId.get(a.incidentId);
    // An incident of one alert is just that alert: its own row, nothing folded.
    if (!incident || incident.members.length < 2) {
      rows.push(row(a));
      continue;
    }
    if (placed.has(incident.id)) continue;
    placed.add(incident.id);
    const members = items.filter((x) => x.incidentId === incident.id);
    rows.push(incidentRow(incident, members.length, app));
    if (incidents.expanded.has(incident.id)) for (const m of members) rows.push(h('div.incident-member', row(m)));
  }
  return rows;
}
