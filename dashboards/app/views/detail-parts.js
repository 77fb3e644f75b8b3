// What the alert page (detail.js) and the incident page (incident.js) share: the way back, the
// action forms that take a text, the comments with their form, the map of what is shown, and the
// keys the page answers. Each page keeps its own loading and drawing, which differ.
import { fill, h } from '../dom.js';
import { ACTION_LABEL, ago, clock } from '../format.js';
import { alertLayer, createMap } from '../map-util.js';

/** The page's frame: a link back to the queue above `box`, in which the page draws. */
export function frame(container, app, box) {
  fill(container, h('p.back', h('a', { href: '.', onclick: (e) => { e.preventDefault(); app.navigate(''); } }, '← Back to the queue')), box);
}

/**
 * An action that takes a text (resolve with its reason, reopen): `submit` gets the trimmed text.
 * data-keep lets a page that redraws keep what is being typed.
 */
export function textActionForm(action, placeholder, required, submit) {
  const input = h('input', { type: 'text', placeholder, 'aria-label': placeholder, required, maxlength: 4000, dataset: { keep: action } });
  return h(`form.action-form.${action}`, { onsubmit: (e) => { e.preventDefault(); if (required && !input.value.trim()) return; submit(input.value.trim()); } },
    input, h(`button.${action === 'resolve' ? 'danger' : 'secondary'}`, { type: 'submit' }, ACTION_LABEL[action]));
}

/** The comments, and below them, for a role that may comment, a form that hands `post` the text. */
export function commentsSection(app, comments, placeholder, post) {
  const list = h('ol.comments', comments.length ? comments.map((c) => h('li', h('div.comment-head', h('b', c.by), h('span', { title: clock(c.at) }, ` · ${ago(c.at)}`)), h('p', c.text))) : h('li.muted', 'No comments yet.'));
  if (!app.can('comment')) return list;
  const text = h('textarea', { rows: 2, placeholder, 'aria-label': 'Comment', maxlength: 4000, dataset: { keep: 'comment' } });
  return [list, h('form.comment-form', { onsubmit: (e) => { e.preventDefault(); if (text.value.trim()) post(text.value.trim()); } }, text, h('button.secondary', { type: 'submit' }, 'Post comment'))];
}

/**
 * The page's map in `mapBox`, made on the first `show` and kept across redraws (a comment
 * arriving does not rebuild it); `show` puts the alerts on it in place of the ones before.
 */
export function detailMap(mapBox, app) {
  let map = null;
  let layer = null;
  return {
    show(alerts, maxZoom) {
      if (!map) map = createMap(mapBox, app, { interactive: true });
      else map.invalidateSize();
      if (layer) layer.remove();
      layer = alertLayer(alerts, { full: true }).addTo(map);
      map.fitBounds(layer.getBounds().pad(0.5), { maxZoom });
    },
    remove() {
      if (map) map.remove();
    },
  };
}

/**
 * The page's keys, until the returned function is called: Escape goes back to the queue, `other`
 * may answer more (true when it did). Typing in a field, and keys with a modifier, are left alone.
 */
export function pageKeys(app, other = () => false) {
  const onKey = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    if (!other(e)) {
      if (e.key !== 'Escape') return;
      app.navigate('');
    }
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
