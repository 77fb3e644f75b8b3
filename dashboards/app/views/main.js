// The main page: one status tile per tool, then the alert queue (priority first, then time, or
// another order) with its filters, the Exercise toggle, a selection for acknowledging several
// alerts at once, and keyboard shortcuts (views/help.js lists them).
import { SORTS } from '../alerts.js';
import { api } from '../api.js';
import { fill, h, perFrame, tlpTag } from '../dom.js';
import { ACTION_LABEL, ago, PRIORITIES, PRIORITY_LABEL, STATE_LABEL, STATES, toolName } from '../format.js';
import { actOnIncident, groupSwitch, incidents, queueRows } from '../incident-queue.js';

const FRESH_MS = 15000;
/** A tile's state is its tool's health, computed by the server (alert-index.ts); open alerts are shown beside it. */
const STATE_TEXT = { ok: 'OK', degraded: 'DEGRADED', unknown: 'NO DATA' };

export function mount(container, app) {
  app.setTitle('Alerts');
  const f = app.filters;
  const fresh = new Map();
  /** Ids of the alerts ticked for a bulk action. */
  const selected = new Set();
  const mayAck = app.can('acknowledge');

  const tiles = h('section.tiles', { 'aria-label': 'Tool status' });
  const list = h('div.queue', { role: 'list', 'aria-label': 'Alert queue' });
  const count = h('span.queue-count');
  const zoneSelect = h('select', { 'aria-label': 'Zone', onchange: () => { f.zone = zoneSelect.value; render(); } });
  const toolSelect = h('select', { 'aria-label': 'Tool', onchange: () => { f.tool = toolSelect.value; render(); } },
    h('option', { value: '' }, 'All tools'),
    app.session.tools.map((t) => h('option', { value: t.id }, t.name)));
  toolSelect.value = f.tool;
  const sortSelect = h('select', { 'aria-label': 'Sort by', onchange: () => { f.sort = sortSelect.value; render(); } },
    Object.entries(SORTS).map(([value, s]) => h('option', { value }, `Sort: ${s.label}`)));
  sortSelect.value = f.sort;
  const selectedCount = h('span.selected-count');
  const bulkAck = h('button.primary', { type: 'button', onclick: () => ackSelected() }, 'Acknowledge selected');
  const bulkBar = h('div.bulk-bar', { hidden: true, role: 'region', 'aria-label': 'Selected alerts' },
    selectedCount, bulkAck,
    h('button.secondary', { type: 'button', onclick: () => { selected.clear(); render(); } }, 'Clear selection'));
  const selectAll = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'Select every open alert shown',
    onchange: () => {
      for (const a of app.alerts.select(f).items) {
        if (a.state !== 'open') continue;
        if (selectAll.checked) selected.add(a.id);
        else selected.delete(a.id);
      }
      render();
    } });
  const search = h('input.search', { type: 'search', placeholder: 'Search headline, place, event…', value: f.text, 'aria-label': 'Search alerts',
    oninput: () => { f.text = search.value.trim(); render(); } });

  function toggles(values, selected, label, onChange) {
    return h('div.toggle-group', { role: 'group', 'aria-label': label }, values.map((v) => {
      const b = h(`button.toggle.${v.toLowerCase()}`, { type: 'button', 'aria-pressed': String(selected.includes(v)),
        onclick: () => {
          const i = selected.indexOf(v);
          if (i >= 0) selected.splice(i, 1);
          else selected.push(v);
          b.setAttribute('aria-pressed', String(i < 0));
          onChange();
        } }, label === 'State' ? STATE_LABEL[v] : v);
      return b;
    }));
  }

  const exercise = h('input', { type: 'checkbox', id: 'exercise-toggle', checked: f.exercise, onchange: () => { f.exercise = exercise.checked; render(); renderTiles(); } });
  const filters = h('section.filters', { 'aria-label': 'Filters' },
    search, sortSelect, toolSelect, zoneSelect,
    toggles(PRIORITIES, f.priority, 'Priority', () => render()),
    toggles(STATES, f.state, 'State', () => { refetch(); render(); }),
    h('label.switch', { for: 'exercise-toggle' }, exercise, h('span', 'Exercise alerts')),
    groupSwitch(f, () => render()),
    mayAck ? h('label.switch.select-all', { for: 'select-all' }, selectAll, h('span', 'Select all open')) : null,
    count,
    h('span.shortcut-hint.muted', 'Press ? for keyboard shortcuts'),
  );

  fill(container,
    tiles,
    h('section.queue-section',
      h('div.section-head', h('h2', 'Alert queue'), app.can('acknowledge') ? null : h('span.read-only', app.session.view.actions.length ? '' : 'Read-only view')),
      filters, bulkBar, list));

  function renderTiles() {
    fill(tiles, app.tiles.map((t) => {
      const counts = f.exercise ? t.counts : t.actualCounts;
      const open = f.exercise ? t.open : t.actualOpen;
      return h(`button.tile.state-${t.state}${open > 0 ? '.alerting' : ''}`, {
        type: 'button',
        'aria-pressed': String(f.tool === t.id),
        dataset: { tool: t.id },
        title: `${t.name}: show only its alerts`,
        onclick: () => { f.tool = f.tool === t.id ? '' : t.id; toolSelect.value = f.tool; render(); renderTiles(); },
      },
      h('span.tile-head', h('span.tile-name', t.name), h('span.tile-badges',
        open > 0 ? h('span.state-badge.open-alerts', { title: 'Unacknowledged alerts' }, `${open} OPEN`) : null,
        h(`span.state-badge.${t.state}`, { title: 'Source health, as on the tool page' }, STATE_TEXT[t.state]))),
      h('span.tile-counts', PRIORITIES.map((p) => h(`span.count.${p.toLowerCase()}${counts[p] ? '' : '.zero'}`, { title: `${PRIORITY_LABEL[p]}: ${counts[p]} unresolved` }, h('b', String(counts[p])), ` ${p}`))),
      h('span.tile-foot', t.lastEventAt ? `Last event ${ago(t.lastEventAt)}` : 'No events yet', t.health && t.health.text ? ` · ${t.health.text}` : ''));
    }));
  }

  async function act(alert, action, button) {
    if (button) button.disabled = true;
    try {
      app.alerts.put(await api.post(`alerts/${encodeURIComponent(alert.id)}/actions`, { action }).then(summaryOf));
      selected.delete(alert.id);
      app.alerts.changed();
      app.toast(`${alert.priority} acknowledged`);
    } catch (err) {
      app.toast(err.message, 'error');
      if (button) button.disabled = false;
    }
  }

  async function ackIncident(incident) {
    try {
      const { members } = await actOnIncident(incident.id, 'acknowledge');
      app.toast(`Incident acknowledged: ${members.filter((m) => m.status === 'done').length} alert(s)`);
    } catch (err) {
      app.toast(err.message, 'error');
    }
  }

  /** One request for every ticked alert; the server acts on each and audits each on its own. */
  async function ackSelected() {
    if (!selected.size) return;
    bulkAck.disabled = true;
    try {
      const { results } = await api.post('alerts/actions', { action: 'acknowledge', ids: [...selected] });
      const done = results.filter((r) => r.alert);
      for (const r of done) app.alerts.put(summaryOf(r.alert));
      selected.clear();
      app.alerts.changed();
      const failed = results.filter((r) => !r.alert);
      app.toast(`${ACTION_LABEL.acknowledge}: ${done.length} alert${done.length === 1 ? '' : 's'}${failed.length ? `; ${failed.length} not (${failed[0].error})` : ''}`, failed.length ? 'error' : 'info');
    } catch (err) {
      app.toast(err.message, 'error');
    } finally {
      bulkAck.disabled = false;
    }
  }

  function row(a) {
    const isFresh = fresh.has(a.id) && Date.now() - fresh.get(a.id) < FRESH_MS;
    const open = () => app.navigate(`alerts/${encodeURIComponent(a.id)}`);
    return h(`article.alert-row.${a.priority.toLowerCase()}${isFresh ? '.fresh' : ''}${a.state === 'resolved' ? '.resolved' : ''}${mayAck ? '.selectable' : ''}`, {
      role: 'listitem', tabindex: '0', dataset: { id: a.id }, onclick: open,
    },
    mayAck ? h('label.row-select', { title: 'Select (x)', onclick: (e) => e.stopPropagation() },
      h('input', { type: 'checkbox', checked: selected.has(a.id), disabled: a.state !== 'open', 'aria-label': `Select: ${a.headline}`,
        onchange: (e) => { if (e.target.checked) selected.add(a.id); else selected.delete(a.id); showSelection(); } })) : null,
    h(`span.prio.${a.priority.toLowerCase()}`, { title: PRIORITY_LABEL[a.priority] }, a.priority),
    h('div.row-body',
      h('div.headline', a.headline),
      h('div.meta',
        tlpTag(a.tlp),
        h('span.tool', toolName(app.session.tools, a.tool)),
        a.areaDesc || a.zone ? h('span', a.areaDesc || a.zone) : null,
        h('span', { title: a.lastSeen }, ago(a.lastSeen)),
        a.count > 1 ? h('span.repeat', `×${a.count}`) : null,
        a.comments ? h('span', `${a.comments} comment${a.comments === 1 ? '' : 's'}`) : null,
        a.status !== 'Actual' ? h('span.exercise-tag', a.status.toUpperCase()) : null,
        a.silenced ? h('span.muted-tag', 'SILENCED') : null,
        a.mutedBy ? h('span.muted-tag', { title: `Muted by ${a.mutedBy}` }, 'MUTED') : null,
        a.escalationLevel ? h('span.escalated-tag', `ESCALATED ${a.escalationLevel}`) : null)),
    h('div.row-state',
      h(`span.state.${a.state}`, STATE_LABEL[a.state]),
      a.ack ? h('span.by', `by ${a.ack.by}`) : null,
      a.assignee ? h('span.by', `→ ${a.assignee}`) : null),
    h('div.row-actions', a.state === 'open' && app.can('acknowledge')
      ? h('button.primary', { type: 'button', onclick: (e) => { e.stopPropagation(); act(a, 'acknowledge', e.currentTarget); } }, 'Acknowledge')
      : null));
  }

  function render() {
    const { items, total } = app.alerts.select(f);
    const zones = app.alerts.zones();
    if (zoneSelect.options.length !== zones.length + 1) {
      fill(zoneSelect, h('option', { value: '' }, 'All zones'), zones.map((z) => h('option', { value: z }, z)));
      zoneSelect.value = f.zone;
    }
    count.textContent = total > items.length ? `Showing ${items.length} of ${total}` : `${total} alert${total === 1 ? '' : 's'}`;
    // A live update redraws the rows: the keyboard focus stays on the same alert or incident row.
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('.alert-row');
    const rowKey = (el) => (el.dataset.incident ? `incident:${el.dataset.incident}` : el.dataset.id);
    const focusedId = focused && list.contains(focused) ? rowKey(focused) : undefined;
    for (const id of selected) if (!app.alerts.byId.has(id) || app.alerts.byId.get(id).state !== 'open') selected.delete(id);
    fill(list, items.length ? (f.incidents ? queueRows(items, row, app) : items.map(row)) : h('p.empty', 'No alerts match these filters.'));
    if (focusedId) {
      const again = [...list.querySelectorAll('.alert-row')].find((el) => rowKey(el) === focusedId);
      if (again) again.focus({ preventScroll: true });
    }
    showSelection();
  }

  function showSelection() {
    bulkBar.hidden = selected.size === 0;
    selectedCount.textContent = `${selected.size} selected`;
  }

  /** The queue's shortcuts; typing in a field is left alone. */
  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) && e.target.type !== 'checkbox') return;
    // Enter or Space on a button (a row's Acknowledge) presses that button.
    if (e.target.tagName === 'BUTTON' && (e.key === 'Enter' || e.key === ' ')) return;
    const rows = [...list.querySelectorAll('.alert-row')];
    const current = e.target.closest && e.target.closest('.alert-row');
    const i = rows.indexOf(current);
    const alert = current && app.alerts.byId.get(current.dataset.id);
    // An incident's row (the queue grouped by incident) is a stop of j/k like an alert's.
    const incident = current && current.dataset.incident && incidents.byId.get(current.dataset.incident);
    const move = (to) => { if (rows[to]) { rows[to].focus(); rows[to].scrollIntoView({ block: 'nearest' }); } };
    switch (e.key) {
      case 'j': case 'ArrowDown': move(i < 0 ? 0 : Math.min(rows.length - 1, i + 1)); break;
      case 'k': case 'ArrowUp': move(i < 0 ? 0 : Math.max(0, i - 1)); break;
      case 'Enter': case 'o':
        if (incident) app.navigate(`incidents/${encodeURIComponent(incident.id)}`);
        else if (alert) app.navigate(`alerts/${encodeURIComponent(alert.id)}`);
        else return;
        break;
      case 'a':
        if (incident && incident.state === 'open' && mayAck) ackIncident(incident);
        else if (alert && alert.state === 'open' && mayAck) act(alert, 'acknowledge');
        else return;
        break;
      case 'x': if (!alert || alert.state !== 'open' || !mayAck) return; if (selected.has(alert.id)) selected.delete(alert.id); else selected.add(alert.id); render(); break;
      case 'A': if (!mayAck) return; ackSelected(); break;
      default: return;
    }
    e.preventDefault();
  }

  /** The server holds more than the browser: a state filter change asks it again. */
  async function refetch() {
    try {
      const states = f.state.length ? f.state.join(',') : 'open,acknowledged,resolved';
      const page = await api.get(`alerts?fields=summary&limit=1000&state=${states}`);
      app.alerts.putAll(page.items);
    } catch (err) {
      app.toast(err.message, 'error');
    }
  }

  const renderSoon = perFrame(render);
  const onEvent = (e) => {
    if (e.detail.type === 'created' && e.detail.isNew) fresh.set(e.detail.alert.id, Date.now());
    if (e.detail.alert.incidentId) incidents.soon();
  };
  const onTiles = perFrame(renderTiles);
  app.alerts.addEventListener('change', renderSoon);
  app.alerts.addEventListener('event', onEvent);
  app.alerts.addEventListener('tiles', onTiles);
  app.alerts.addEventListener('resync', renderSoon);
  // Incidents only change the queue when it is grouped by incident.
  const onIncidents = () => { if (f.incidents) renderSoon(); };
  incidents.addEventListener('change', onIncidents);
  incidents.refresh().catch((err) => app.toast(err.message, 'error'));
  // Ages ("3 min ago") and the fresh highlight move on even when nothing arrives.
  const ticker = setInterval(() => { render(); renderTiles(); }, 15000);
  document.addEventListener('keydown', onKey);
  renderTiles();
  render();
  return () => {
    document.removeEventListener('keydown', onKey);
    clearInterval(ticker);
    app.alerts.removeEventListener('change', renderSoon);
    app.alerts.removeEventListener('event', onEvent);
    app.alerts.removeEventListener('tiles', onTiles);
    app.alerts.removeEventListener('resync', renderSoon);
    incidents.removeEventListener('change', onIncidents);
  };
}

/** The queue keeps slim rows; an action answers with the full alert. */
export function summaryOf(alert) {
  return {
    id: alert.id, tool: alert.tool, event: alert.event, headline: alert.headline, severity: alert.severity, priority: alert.priority,
    status: alert.status, state: alert.state, zone: alert.zone, tlp: alert.tlp, areaDesc: alert.areaDesc, description: alert.description,
    point: alert.location && alert.location.type === 'Point' ? alert.location.coordinates.slice(0, 2) : undefined,
    occurredAt: alert.occurredAt, firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, count: alert.count, assignee: alert.assignee,
    ack: alert.ack && { by: alert.ack.by, at: alert.ack.at }, resolved: alert.resolved, silenced: Boolean(alert.silenced),
    escalationLevel: alert.escalation && alert.escalation.level, comments: alert.comments.length, version: alert.version,
    incidentId: alert.incidentId, mutedBy: alert.muted && alert.muted.by,
  };
}
