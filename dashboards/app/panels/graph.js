// impetus-ui-graph in the browser: the layout comes from the server (dagre, in Node-RED); this
// draws it as SVG and lets the operator zoom and pan with a mouse, a finger or the keyboard. The
// same graph is also given as a list, so a screen reader or a small screen loses nothing.
import { fill, h } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const MIN_SCALE = 0.2;
const MAX_SCALE = 4;
const STEP = 1.25;
const PAN = 48;
/** Below this scale 12 px labels are smaller than 7 px. */
const READABLE = 0.6;

/** An SVG element: createElement would make an HTML element that draws nothing. */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A mark as the operator reads it: the cut a scissors, anything else its word. */
function markText(mark) {
  return mark === 'cut' ? '✂ cut' : `⚑ ${mark}`;
}

export function graphPanel(el, panel) {
  const o = panel.options;
  const colours = new Map((o.kinds || []).map((k) => [k.name, k.color]));
  const safeId = String(panel.id).replace(/[^A-Za-z0-9_-]/g, '_');
  const scene = s('g', { class: 'graph-scene' });
  const svg = s('svg', { class: 'graph-svg', role: 'img', 'aria-label': `${panel.title}: drawing` },
    s('defs', null,
      s('marker', { id: `ga-${safeId}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: 10, markerHeight: 10, orient: 'auto-start-reverse' }, s('path', { d: 'M0 0 L10 5 L0 10 z', class: 'graph-arrow' })),
      s('marker', { id: `gm-${safeId}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: 12, markerHeight: 12, orient: 'auto-start-reverse' }, s('path', { d: 'M0 0 L10 5 L0 10 z', class: 'graph-arrow marked' }))),
    scene);
  const view = h('div.graph-view', {
    tabindex: '0',
    role: 'group',
    'aria-roledescription': 'zoomable graph',
    'aria-label': `${panel.title}. Arrow keys pan, plus and minus zoom, 0 fits.`,
  }, svg);
  const legend = h('ul.graph-legend');
  const list = h('ul.graph-list');
  const empty = h('p.muted', 'No graph yet.');
  const zoomIn = h('button.secondary', { type: 'button', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: () => zoom(STEP) }, '+');
  const zoomOut = h('button.secondary', { type: 'button', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: () => zoom(1 / STEP) }, '−');
  const fit = h('button.secondary', { type: 'button', title: 'Fit the graph', onclick: () => { moved = false; fitAll(); } }, 'Fit');
  el.append(h('div.graph-panel', h('div.graph-tools', zoomIn, zoomOut, fit, legend), view, empty,
    h('details.graph-text', h('summary', 'The graph as a list'), list)));

  let layout = null;
  let t = { x: 0, y: 0, k: 1 };
  /** Once the operator zooms or pans, a new graph keeps their view; Fit gives it back. */
  let moved = false;

  function apply() {
    scene.setAttribute('transform', `translate(${t.x} ${t.y}) scale(${t.k})`);
    view.dataset.scale = t.k.toFixed(3);
  }

  /** The largest scale at which a layout fits the view's width and the tallest the view may be. */
  function fitScale(l) {
    return Math.min((view.clientWidth || 600) / Math.max(l.width, 1), (window.innerHeight * 0.7) / Math.max(l.height, 1), 1.5);
  }

  /**
   * The layout the flow asked for, unless its text would be too small to read here (a wide graph
   * on a phone) and the turned one reads better. The view is as tall as the graph needs.
   */
  function choose(data) {
    let l = data;
    if (data.turned && fitScale(data) < READABLE && fitScale(data.turned) > fitScale(data)) l = data.turned;
    view.style.height = `${Math.round(Math.max(160, l.height * fitScale(l) + 16))}px`;
    view.dataset.direction = l === data ? 'asked' : 'turned';
    return l;
  }

  function fitAll() {
    if (!layout) return;
    const w = view.clientWidth || 600;
    const hgt = view.clientHeight || 360;
    const k = Math.max(MIN_SCALE, Math.min(w / Math.max(layout.width, 1), hgt / Math.max(layout.height, 1), 1.5));
    t = { k, x: (w - layout.width * k) / 2, y: (hgt - layout.height * k) / 2 };
    apply();
  }

  /** Zoom by `factor` about a point of the view (its centre by default). */
  function zoom(factor, px, py) {
    const cx = px ?? (view.clientWidth || 600) / 2;
    const cy = py ?? (view.clientHeight || 360) / 2;
    const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, t.k * factor));
    t = { k, x: cx - ((cx - t.x) * k) / t.k, y: cy - ((cy - t.y) * k) / t.k };
    moved = true;
    apply();
  }

  function pan(dx, dy) {
    t = { ...t, x: t.x + dx, y: t.y + dy };
    moved = true;
    apply();
  }

  view.addEventListener('keydown', (e) => {
    const keys = { ArrowLeft: () => pan(PAN, 0), ArrowRight: () => pan(-PAN, 0), ArrowUp: () => pan(0, PAN), ArrowDown: () => pan(0, -PAN),
      '+': () => zoom(STEP), '=': () => zoom(STEP), '-': () => zoom(1 / STEP), 0: () => { moved = false; fitAll(); } };
    const act = keys[e.key];
    if (!act || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    act();
  });
  view.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = view.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  // One pointer pans, two pinch. The view lets the browser scroll the page vertically with one
  // finger (touch-action: pan-y), so on a phone the graph never traps the page.
  const pointers = new Map();
  let pinch = 0;
  view.addEventListener('pointerdown', (e) => {
    view.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2) pinch = distance();
  });
  view.addEventListener('pointermove', (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    const now = { x: e.clientX, y: e.clientY };
    if (pointers.size === 1) pan(now.x - last.x, now.y - last.y);
    pointers.set(e.pointerId, now);
    if (pointers.size === 2 && pinch) {
      const d = distance();
      const r = view.getBoundingClientRect();
      const [a, b] = [...pointers.values()];
      zoom(d / pinch, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top);
      pinch = d;
    }
  });
  const release = (e) => {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = 0;
  };
  view.addEventListener('pointerup', release);
  view.addEventListener('pointercancel', release);
  function distance() {
    const [a, b] = [...pointers.values()];
    return Math.hypot(a.x - b.x, a.y - b.y) || 1;
  }

  let data = null;
  function render(update) {
    data = update && Array.isArray(update.nodes) ? update : null;
    view.hidden = !data;
    empty.hidden = !!data;
    layout = data ? choose(data) : null;
    const nodes = layout ? layout.nodes : [];
    const edges = layout ? layout.edges : [];
    view.dataset.nodes = String(nodes.length);
    view.dataset.edges = String(edges.length);
    const label = new Map(nodes.map((n) => [n.id, n.label]));
    fill(scene,
      edges.map((e) => {
        const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p[0]} ${p[1]}`).join(' ');
        const text = `${label.get(e.from)} → ${label.get(e.to)}${e.label ? ` (${e.label})` : ''}${e.mark ? `, ${e.mark}` : ''}`;
        const mid = e.labelAt || e.points[Math.floor(e.points.length / 2)] || [0, 0];
        return s('g', { class: `graph-edge${e.mark ? ' marked' : ''}`, 'data-from': e.from, 'data-to': e.to, 'data-mark': e.mark },
          s('title', null, text),
          s('path', { d, 'marker-end': `url(#${e.mark ? 'gm' : 'ga'}-${safeId})` }),
          e.label || e.mark ? s('text', { x: mid[0], y: mid[1] - 4, 'text-anchor': 'middle' }, [e.mark ? markText(e.mark) : '', e.label || ''].filter(Boolean).join(' ')) : null);
      }),
      nodes.map((n) => {
        const colour = colours.get(n.kind);
        const box = s('rect', { width: n.width, height: n.height, rx: 6 });
        // Through the CSSOM: the console's CSP refuses style attributes.
        if (colour) box.style.fill = colour;
        return s('g', { class: `graph-node${colour ? ' coloured' : ''}${n.mark ? ' marked' : ''}`, 'data-node': n.id, 'data-kind': n.kind, 'data-mark': n.mark, transform: `translate(${n.x - n.width / 2} ${n.y - n.height / 2})` },
          s('title', null, `${n.label}${n.kind ? ` (${n.kind})` : ''}${n.mark ? `, ${n.mark}` : ''}`),
          box,
          s('text', { x: n.width / 2, y: n.height / 2 + 4, 'text-anchor': 'middle' }, n.label.length > 28 ? `${n.label.slice(0, 27)}…` : n.label));
      }));
    const kindsUsed = new Set(nodes.map((n) => n.kind));
    const marks = [...new Set(edges.map((e) => e.mark).filter(Boolean))];
    fill(legend,
      (o.kinds || []).filter((k) => kindsUsed.has(k.name)).map((k) => h('li', h('span.graph-swatch', { style: { background: k.color } }), k.label)),
      marks.map((m) => h('li.graph-mark', markText(m))));
    fill(list, edges.length
      ? edges.map((e) => h(`li${e.mark ? '.marked' : ''}`, `${label.get(e.from)} → ${label.get(e.to)}`, e.label ? ` (${e.label})` : '', e.mark ? h('strong', ` ${markText(e.mark)}`) : ''))
      : nodes.map((n) => h('li', n.label)));
    if (!moved) requestAnimationFrame(fitAll);
    apply();
  }

  render(panel.data);
  // A phone turned, a window resized: choose the layout again.
  const onResize = () => { if (!moved && data) render(data); };
  window.addEventListener('resize', onResize);
  return { update: render, destroy() { window.removeEventListener('resize', onResize); } };
}
