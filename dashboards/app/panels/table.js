// impetus-ui-table in the browser: the rows, and the row actions for the roles that may use them.
import { api } from '../api.js';
import { fill, h } from '../dom.js';
import { clock } from '../format.js';

function cell(value) {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** An image cell: the alert's snapshot through the media route (it checks this user may see the alert), opening the alert. */
function thumbnail(ref, column, app) {
  if (!ref) return '';
  const alert = `alerts/${encodeURIComponent(ref.alertId)}`;
  return h('a.thumb', { href: alert, title: 'Open the alert', onclick: (e) => { e.preventDefault(); app.navigate(alert); } },
    h('img', { src: `api/${alert}/media/${encodeURIComponent(ref.digest)}`, alt: ref.description || column.label, loading: 'lazy' }));
}

/** Whether this user may press a panel's buttons (table rows, map features); the server checks again. */
export function mayPress(app, options) {
  return options.actions.length > 0 && app.session.view.actions.length > 0 && (app.session.user.role === 'admin' || options.actionRoles.includes(app.session.user.role));
}

export function tablePanel(el, panel, app) {
  const o = panel.options;
  const mayAct = mayPress(app, o);
  const body = h('tbody');
  el.append(h('div.table-wrap', h('table.data-table',
    h('thead', h('tr', o.columns.map((c) => h('th', { scope: 'col' }, c.label)), mayAct ? h('th', { scope: 'col' }, 'Actions') : null)),
    body)));

  async function act(row, action, button) {
    button.disabled = true;
    try {
      await api.post(`panels/${encodeURIComponent(panel.id)}/actions`, { action: action.name, key: row[o.key] });
      app.toast(`${action.label}: sent`);
    } catch (err) {
      app.toast(err.message, 'error');
    } finally {
      button.disabled = false;
    }
  }

  function render(data) {
    const rows = (data && data.rows) || [];
    fill(body, rows.length
      ? [...rows].reverse().map((row) => h('tr',
        o.columns.map((c) => (c.type === 'image' ? h('td.image', thumbnail(row[c.field], c, app))
          : c.type === 'time' && row[c.field] ? h('td', h('time', { dateTime: String(row[c.field]) }, clock(row[c.field])))
            : h('td', cell(row[c.field])))),
        mayAct ? h('td', h('div.row-buttons', o.actions.map((a) => h('button.secondary', { type: 'button', onclick: (e) => act(row, a, e.currentTarget) }, a.label)))) : null))
      : h('tr', h('td.muted', { colspan: o.columns.length + (mayAct ? 1 : 0) }, 'No rows yet.')));
  }

  render(panel.data);
  return { update: render, destroy() {} };
}
