// Building DOM without innerHTML: every piece of alert or flow data goes in as text, so nothing a
// tool or a social-media post puts in an alert can run as script in an operator's browser.

/**
 * h('div#id.card', { onclick, title: 'x', dataset: { id } }, child, 'text', [more])
 * @param {string} tag  tag name with an optional #id and .classes
 * @param {object} [props]
 * @param {...any} children  nodes, strings, arrays, or null/false (skipped)
 */
export function h(tag, props, ...children) {
  const [head, ...classes] = tag.split('.');
  const [name, id] = head.split('#');
  const el = document.createElement(name || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = undefined;
  }
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className += ` ${value}`;
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** Runs `fn` at most once per animation frame, however often it is asked for. */
export function perFrame(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

/**
 * The TLP 2.0 label of a marked alert, in FIRST's colours (RED, AMBER, GREEN on black; CLEAR
 * white), or null for an unmarked one. The server has already hidden what the user may not see.
 */
export function tlpTag(tlp) {
  if (!tlp) return null;
  const label = `TLP:${tlp.toUpperCase()}`;
  return h(`span.tlp-tag.tlp-${tlp.replace('+', '-')}`, { title: `${label}: who may learn of this alert` }, label);
}
