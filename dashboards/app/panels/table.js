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

/** An indicator cell: opens the indicator with every alert that names it (the server keeps to what this user may see). */
function indicatorLink(value, app) {
  const rel = `sightings?value=${encodeURIComponent(value)}`;
  return h('a.indicator-link', { href: rel, title: 'Open the indicator and its sightings', onclick: (e) => { e.preventDefault(); app.navigate(rel); } }, value);
}

/** Whether this user may press a panel's buttons (table rows, map features); the server checks again. */
export function mayPress(app, options) {
  return options.actions.length > 0 && app.session.view.actions.length > 0 && (app.session.user.role === 'admin' || options.actionRoles.includes(app.session.user.role));
}

/**
 * The table's filters in the page URL, so that a filtered view can be shared: one parameter per
 * filtered column, `<panel id>.<field>=value`, a range as `from..to` (either end may be empty).
 */
function filterParam(panel, filter) {
  return `${panel.id}.${filter.field}`;
}

function readFilters(panel) {
  const params = new URLSearchParams(location.search);
  const values = {};
  for (const f of panel.options.filters || []) values[f.field] = params.get(filterParam(panel, f)) || '';
  return values;
}

function writeFilters(panel, values) {
  const url = new URL(location.href);
  for (const f of panel.options.filters || []) {
    const v = values[f.field];
    if (v && v !== '..') url.searchParams.set(filterParam(panel, f), v);
    else url.searchParams.delete(filterParam(panel, f));
  }
  // Replace, not push: typing a filter must not fill the back button's history.
  if (url.href !== location.href) history.replaceState(history.state, '', url);
}

function rangeOf(value) {
  const [from = '', to = ''] = String(value || '').split('..');
  const num = (t) => (t.trim() === '' || Number.isNaN(Number(t)) ? undefined : Number(t));
  return { from: num(from), to: num(to) };
}

/** Whether a row passes every filter that has a value. */
function passes(row, filters, values) {
  return filters.every((f) => {
    const v = values[f.field];
    if (!v) return true;
    const text = cell(row[f.field]);
    if (f.kind === 'select') return text === v;
    if (f.kind === 'text') return text.toLowerCase().includes(v.toLowerCase());
    const { from, to } = rangeOf(v);
    if (from === undefined && to === undefined) return true;
    const n = typeof row[f.field] === 'number' ? row[f.field] : Number(text);
    return text !== '' && !Number.isNaN(n) && (from === undefined || n >= from) && (to === undefined || n <= to);
  });
}

/**
 * The filter bar: native labelled controls (a select, a search field, two number fields), so the
 * keyboard and a phone's own pickers work; it wraps to one control a line on a narrow screen.
 */
function filterBar(panel, values, changed) {
  const o = panel.options;
  const selects = new Map();
  const id = (f, part = '') => `filter-${panel.id}-${f.field}${part}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const labelOf = (f) => (o.columns.find((c) => c.field === f.field) || { label: f.field }).label;
  const controls = o.filters.map((f) => {
    const label = labelOf(f);
    if (f.kind === 'select') {
      const select = h('select', { id: id(f), dataset: { field: f.field }, onchange: (e) => changed(f.field, e.currentTarget.value) });
      selects.set(f.field, select);
      return h('div.table-filter', h('label', { for: id(f) }, label), select);
    }
    if (f.kind === 'text') {
      return h('div.table-filter', h('label', { for: id(f) }, label),
        h('input', { type: 'search', id: id(f), value: values[f.field], dataset: { field: f.field }, autocomplete: 'off', oninput: (e) => changed(f.field, e.currentTarget.value) }));
    }
    const from = h('input', { type: 'number', id: id(f, '-from'), inputmode: 'decimal', step: 'any', dataset: { field: f.field, end: 'from' }, 'aria-label': `${label} from` });
    const to = h('input', { type: 'number', id: id(f, '-to'), inputmode: 'decimal', step: 'any', dataset: { field: f.field, end: 'to' }, 'aria-label': `${label} to` });
    const r = rangeOf(values[f.field]);
    from.value = r.from === undefined ? '' : String(r.from);
    to.value = r.to === undefined ? '' : String(r.to);
    const onRange = () => changed(f.field, from.value === '' && to.value === '' ? '' : `${from.value}..${to.value}`);
    from.addEventListener('input', onRange);
    to.addEventListener('input', onRange);
    return h('fieldset.table-filter.range', h('legend', label), from, h('span.muted', { 'aria-hidden': 'true' }, 'to'), to);
  });
  const count = h('span.filter-count.muted', { role: 'status', 'aria-live': 'polite' });
  const clearButton = h('button.secondary', { type: 'reset' }, 'Clear filters');
  const form = h('form.table-filters', { role: 'search', 'aria-label': `Filter ${panel.title}`, onsubmit: (e) => e.preventDefault() }, controls, h('div.filter-tail', clearButton, count));
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('input')) el.value = '';
    for (const el of form.querySelectorAll('select')) el.value = '';
    changed(null);
  });
  return {
    el: form,
    /** The select lists offer the values the rows hold now, and keep the one chosen (from a shared link too). */
    options(rows) {
      for (const [field, select] of selects) {
        const chosen = values[field];
        const seen = [...new Set(rows.map((r) => cell(r[field])).filter((v) => v !== ''))];
        if (chosen && !seen.includes(chosen)) seen.push(chosen);
        seen.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
        fill(select, h('option', { value: '' }, 'Any'), seen.map((v) => h('option', { value: v }, v)));
        select.value = chosen || '';
      }
    },
    count(shown, total) {
      count.textContent = shown === total ? `${total} rows` : `${shown} of ${total} rows`;
    },
  };
}

export function tablePanel(el, panel, app) {
  const o = panel.options;
  const filters = o.filters || [];
  const mayAct = mayPress(app, o);
  const body = h('tbody');
  const values = readFilters(panel);
  let rows = [];
  const bar = filters.length ? filterBar(panel, values, (field, value) => {
    if (field === null) for (const f of filters) values[f.field] = '';
    else values[field] = value;
    writeFilters(panel, values);
    draw();
  }) : null;
  el.append(bar ? bar.el : '', h('div.table-wrap', h('table.data-table',
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

  /** The actions this row offers now: those it names in `actions`, else every one (the server checks again). */
  function offered(row) {
    return Array.isArray(row.actions) ? o.actions.filter((a) => row.actions.includes(a.name)) : o.actions;
  }

  function draw() {
    const shown = bar ? rows.filter((row) => passes(row, filters, values)) : rows;
    if (bar) bar.count(shown.length, rows.length);
    const span = o.columns.length + (mayAct ? 1 : 0);
    fill(body, shown.length
      ? [...shown].reverse().map((row) => h('tr',
        o.columns.map((c) => (c.type === 'image' ? h('td.image', thumbnail(row[c.field], c, app))
          : c.type === 'time' && row[c.field] ? h('td', h('time', { dateTime: String(row[c.field]) }, clock(row[c.field])))
            : c.type === 'indicator' && row[c.field] ? h('td', indicatorLink(cell(row[c.field]), app))
            : h('td', cell(row[c.field])))),
        mayAct ? h('td', h('div.row-buttons', offered(row).map((a) => h('button.secondary', { type: 'button', onclick: (e) => act(row, a, e.currentTarget) }, a.label)))) : null))
      : h('tr', h('td.muted', { colspan: span }, rows.length ? 'No rows match the filters.' : 'No rows yet.')));
  }

  function render(data) {
    rows = (data && data.rows) || [];
    if (bar) bar.options(rows);
    draw();
  }

  render(panel.data);
  return { update: render, destroy() {} };
}
