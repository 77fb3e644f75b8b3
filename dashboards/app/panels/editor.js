// An editable setting with a preview (the social project's query): the value in force and its
// history for every role that sees the panel; preview and apply for the roles the panel names.
import { api } from '../api.js';
import { fill, h } from '../dom.js';
import { clock } from '../format.js';

export function mayEdit(app, options) {
  return app.session.view.actions.length > 0 && (app.session.user.role === 'admin' || options.editors.includes(app.session.user.role));
}

export function editorPanel(el, panel, app) {
  const o = panel.options;
  const editable = mayEdit(app, o);
  const input = h('textarea.query-input', { rows: 3, spellcheck: false, readOnly: !editable, 'aria-label': o.label });
  const reason = h('input.query-reason', { type: 'text', placeholder: 'why (kept in the audit)', maxLength: 500, 'aria-label': 'reason' });
  const problem = h('p.query-error', { role: 'alert' });
  const result = h('div.query-preview');
  const history = h('ol.query-history');
  const inForce = h('code.query-in-force');
  let current = '';

  async function send(request, button) {
    button.disabled = true;
    fill(problem);
    try {
      const body = { query: input.value, ...(request === 'apply' ? { reason: reason.value } : {}) };
      const answer = await api.post(`panels/${encodeURIComponent(panel.id)}/requests/${request}`, body);
      if (request === 'preview') showPreview(answer);
      else {
        app.toast('Query applied');
        reason.value = '';
      }
    } catch (err) {
      fill(problem, err.message);
    } finally {
      button.disabled = false;
    }
  }

  function showPreview(p) {
    const max = Math.max(1, ...p.volume.map((v) => Math.max(v.proposed, v.current)));
    fill(result,
      h('p.query-summary', `${p.matched} of ${p.posts} posts of the last day match (in force: ${p.current}; ${p.added} more, ${p.removed} fewer)`),
      h('div.query-volume', { title: 'posts per hour over the last day: proposed (solid), in force (outline)' }, p.volume.map((v) => h('span.hour', { title: `${clock(new Date(v.x).toISOString())}: ${v.proposed} (in force ${v.current})` },
        h('i.proposed', { style: { height: `${Math.round((v.proposed / max) * 100)}%` } }), h('i.current', { style: { height: `${Math.round((v.current / max) * 100)}%` } }))),
      ),
      h('table.data-table.query-sample',
        h('thead', h('tr', ['Posted', 'Post', 'Author', 'Matched', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', p.sample.length ? p.sample.map((s) => h('tr', h('td', h('time', { dateTime: s.time }, clock(s.time))), h('td', s.text), h('td', s.author), h('td', s.hits.join(', ')), h('td', s.added ? 'new' : '')))
          : h('tr', h('td.muted', { colspan: 5 }, 'No post of the last day matches.')))));
  }

  function render(data) {
    const d = data || {};
    // The analyst's edit in progress stays; a change applied elsewhere shows once they have none.
    if (input.value === current) input.value = d.query || '';
    current = d.query || '';
    fill(inForce, current);
    fill(history, (d.history || []).map((c) => h('li', h('time', { dateTime: c.at }, clock(c.at)), ` ${c.by} (${c.role}): `, h('code', c.from), ' → ', h('code', c.to), ` — ${c.reason}`)));
  }

  el.append(
    h('p', 'In force: ', inForce),
    input,
    editable ? h('div.row-buttons', reason, h('button.secondary', { type: 'button', onclick: (e) => send('preview', e.currentTarget) }, 'Preview'), h('button.primary', { type: 'button', onclick: (e) => send('apply', e.currentTarget) }, 'Apply')) : h('p.muted', 'Read only: the intelligence analyst edits the query.'),
    problem, result,
    h('h4', 'Changes'), history);
  render(panel.data);
  return { update: render, destroy() {} };
}
