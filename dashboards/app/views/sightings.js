// An indicator (a domain, an address, a hash…) and its sightings: what the intelligence says of it
// (from the CTI alerts that carry it) and every alert of any tool that names it, each linked. The
// server gives only the alerts this user may see (role view and TLP clearance).
import { api } from '../api.js';
import { fill, h, tlpTag } from '../dom.js';
import { clock, STATE_LABEL, toolName } from '../format.js';

const list = (xs) => (xs && xs.length ? xs.join(', ') : '—');

export function mount(container, app) {
  const value = new URLSearchParams(location.search).get('value') || '';
  app.setTitle(value ? `Indicator ${value}` : 'Indicator');
  const box = h('div.sightings');
  fill(container, h('p.back', h('a', { href: '.', onclick: (e) => { e.preventDefault(); if (history.length > 1) history.back(); else app.navigate(''); } }, '← Back')), box);
  let left = false;

  function render(s) {
    const open = (id) => `alerts/${encodeURIComponent(id)}`;
    fill(box,
      h('div.section-head', h('h2', 'Indicator ', h('code.indicator-value', s.value)), tlpTag(s.tlp)),
      h('table.kv.indicator-facts', h('tbody', [
        ['Type', list(s.kinds)],
        ['Sources', list(s.sources)],
        ['Reports', list(s.reports)],
        ['TLP', s.tlp ? `TLP:${s.tlp.toUpperCase()}` : 'TLP:CLEAR'],
        ['Confidence', s.confidence ? (s.confidence.min === s.confidence.max ? String(s.confidence.max) : `${s.confidence.min}–${s.confidence.max}`) : '—'],
        ['First seen', s.firstSeen ? clock(s.firstSeen) : '—'],
        ['Last seen', s.lastSeen ? clock(s.lastSeen) : '—'],
        ['Actors', list(s.actors)],
      ].map(([k, v]) => h('tr', h('th', { scope: 'row' }, k), h('td', { dataset: { fact: k.toLowerCase().replace(' ', '-') } }, v))))),
      h('h3', `Sightings (${s.sightings.length})`),
      s.complete ? null : h('p.muted', `Only the ${s.scanned} most recent alerts were searched.`),
      s.sightings.length
        ? h('div.table-wrap', h('table.data-table.sightings-table',
          h('thead', h('tr', ['Last seen', 'Tool', 'Alert', 'Priority', 'State', 'TLP'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', s.sightings.map((a) => h('tr', { dataset: { alert: a.id, tool: a.tool } },
            h('td', h('time', { dateTime: a.lastSeen }, clock(a.lastSeen))),
            h('td', toolName(app.session.tools, a.tool)),
            h('td', h('a', { href: open(a.id), onclick: (e) => { e.preventDefault(); app.navigate(open(a.id)); } }, a.headline), a.status !== 'Actual' ? h('span.exercise-tag', a.status) : null),
            h('td', h(`span.prio.${a.priority.toLowerCase()}`, a.priority)),
            h('td', STATE_LABEL[a.state] || a.state),
            h('td', tlpTag(a.tlp) || 'CLEAR'))))))
        : h('p.muted', 'No alert you may see names this indicator.'));
  }

  async function load() {
    if (!value) {
      fill(box, h('p.form-error', 'No indicator named.'));
      return;
    }
    try {
      const s = await api.get(`sightings?value=${encodeURIComponent(value)}`);
      if (!left) render(s);
    } catch (err) {
      if (!left) fill(box, h('p.form-error', err.message));
    }
  }

  fill(box, h('p.muted', 'Loading…'));
  load();
  app.alerts.addEventListener('resync', load);
  return () => {
    left = true;
    app.alerts.removeEventListener('resync', load);
  };
}
