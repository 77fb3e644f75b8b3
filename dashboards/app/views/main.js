// The main page: one status tile per tool, then the alert queue (priority first, then time) with
// its filters and the Exercise toggle.
import { api } from '../api.js';
import { fill, h, perFrame } from '../dom.js';
import { ago, PRIORITIES, PRIORITY_LABEL, STATE_LABEL, STATES, toolName } from '../format.js';

const FRESH_MS = 15000;
const STATE_TEXT = { ok: 'OK', degraded: 'DEGRADED', alerting: 'ALERTING' };

export function mount(container, app) {
  document.title = 'Alerts · IMPETUS console';
  const f = app.filters;
  const fresh = new Map();

  const tiles = h('section.tiles', { 'aria-label': 'Tool status' });
  const list = h('div.queue', { role: 'list', 'aria-label': 'Alert queue' });
  const count = h('span.queue-count');
  const zoneSelect = h('select', { 'aria-label': 'Zone', onchange: () => { f.zone = zoneSelect.value; render(); } });
  const toolSelect = h('select', { 'aria-label': 'Tool', onchange: () => { f.tool = toolSelect.value; render(); } },
    h('option', { value: '' }, 'All tools'),
    app.session.tools.map((t) => h('option', { value: t.id }, t.name)));
  toolSelect.value = f.tool;
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
    search, toolSelect, zoneSelect,
    toggles(PRIORITIES, f.priority, 'Priority', () => render()),
    toggles(STATES, f.state, 'State', () => { refetch(); render(); }),
    h('label.switch', { for: 'exercise-toggle' }, exercise, h('span', 'Exercise alerts')),
    count,
  );

  fill(container,
    tiles,
    h('section.queue-section',
      h('div.section-head', h('h2', 'Alert queue'), app.can('acknowledge') ? null : h('span.read-only', app.session.view.actions.length ? '' : 'Read-only view')),
      filters, list));

  function renderTiles() {
    fill(tiles, app.tiles.map((t) => {
      const counts = f.exercise ? t.counts : t.actualCounts;
      const open = f.exercise ? t.open : t.actualOpen;
      const state = open > 0 ? 'alerting' : t.health && t.health.state === 'degraded' ? 'degraded' : 'ok';
      return h(`button.tile.state-${state}`, {
        type: 'button',
        'aria-pressed': String(f.tool === t.id),
        dataset: { tool: t.id },
        title: `${t.name}: show only its alerts`,
        onclick: () => { f.tool = f.tool === t.id ? '' : t.id; toolSelect.value = f.tool; render(); renderTiles(); },
      },
      h('span.tile-head', h('span.tile-name', t.name), h(`span.state-badge.${state}`, STATE_TEXT[state])),
      h('span.tile-counts', PRIORITIES.map((p) => h(`span.count.${p.toLowerCase()}${counts[p] ? '' : '.zero'}`, { title: `${PRIORITY_LABEL[p]}: ${counts[p]} unresolved` }, h('b', String(counts[p])), ` ${p}`))),
      h('span.tile-foot', t.lastEventAt ? `Last event ${ago(t.lastEventAt)}` : 'No events yet', t.health && t.health.text ? ` · ${t.health.text}` : ''));
    }));
  }

  async function act(alert, action, button) {
    button.disabled = true;
    try {
      app.alerts.put(await api.post(`alerts/${encodeURIComponent(alert.id)}/actions`, { action }).then(summaryOf));
      app.alerts.changed();
      app.toast(`${alert.priority} acknowledged`);
    } catch (err) {
      app.toast(err.message, 'error');
      button.disabled = false;
    }
  }

  function row(a) {
    const isFresh = fresh.has(a.id) && Date.now() - fresh.get(a.id) < FRESH_MS;
    const open = () => app.navigate(`alerts/${encodeURIComponent(a.id)}`);
    return h(`article.alert-row.${a.priority.toLowerCase()}${isFresh ? '.fresh' : ''}${a.state === 'resolved' ? '.resolved' : ''}`, {
      role: 'listitem', tabindex: '0', dataset: { id: a.id }, onclick: open, onkeydown: (e) => { if (e.key === 'Enter') open(); },
    },
    h(`span.prio.${a.priority.toLowerCase()}`, { title: PRIORITY_LABEL[a.priority] }, a.priority),
    h('div.row-body',
      h('div.headline', a.headline),
      h('div.meta',
        h('span.tool', toolName(app.session.tools, a.tool)),
        a.areaDesc || a.zone ? h('span', a.areaDesc || a.zone) : null,
        h('span', { title: a.lastSeen }, ago(a.lastSeen)),
        a.count > 1 ? h('span.repeat', `×${a.count}`) : null,
        a.comments ? h('span', `${a.comments} comment${a.comments === 1 ? '' : 's'}`) : null,
        a.status !== 'Actual' ? h('span.exercise-tag', a.status.toUpperCase()) : null,
        a.silenced ? h('span.muted-tag', 'SILENCED') : null,
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
    fill(list, items.length ? items.map(row) : h('p.empty', 'No alerts match these filters.'));
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
  };
  const onTiles = perFrame(renderTiles);
  app.alerts.addEventListener('change', renderSoon);
  app.alerts.addEventListener('event', onEvent);
  app.alerts.addEventListener('tiles', onTiles);
  app.alerts.addEventListener('resync', renderSoon);
  // Ages ("3 min ago") and the fresh highlight move on even when nothing arrives.
  const ticker = setInterval(() => { render(); renderTiles(); }, 15000);
  renderTiles();
  render();
  return () => {
    clearInterval(ticker);
    app.alerts.removeEventListener('change', renderSoon);
    app.alerts.removeEventListener('event', onEvent);
    app.alerts.removeEventListener('tiles', onTiles);
    app.alerts.removeEventListener('resync', renderSoon);
  };
}

/** The queue keeps slim rows; an action answers with the full alert. */
export function summaryOf(alert) {
  return {
    id: alert.id, tool: alert.tool, event: alert.event, headline: alert.headline, severity: alert.severity, priority: alert.priority,
    status: alert.status, state: alert.state, zone: alert.zone, areaDesc: alert.areaDesc, description: alert.description,
    point: alert.location && alert.location.type === 'Point' ? alert.location.coordinates.slice(0, 2) : undefined,
    occurredAt: alert.occurredAt, firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, count: alert.count, assignee: alert.assignee,
    ack: alert.ack && { by: alert.ack.by, at: alert.ack.at }, resolved: alert.resolved, silenced: Boolean(alert.silenced),
    escalationLevel: alert.escalation && alert.escalation.level, comments: alert.comments.length, version: alert.version,
  };
}
