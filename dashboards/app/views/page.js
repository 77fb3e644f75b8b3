// A tool page, generated from the dashboard nodes in the flows: charts, status, tables, graphs and
// map layers, in the order the nodes give, each kept live by the panel updates of the stream.
import { api } from '../api.js';
import { fill, h } from '../dom.js';
import { createMap, escapeHtml, text } from '../map-util.js';
import { chartPanel } from '../panels/chart.js';
import { editorPanel } from '../panels/editor.js';
import { graphPanel } from '../panels/graph.js';
import { statusPanel } from '../panels/status.js';
import { mayPress, tablePanel } from '../panels/table.js';

const KINDS = { chart: chartPanel, status: statusPanel, table: tablePanel, graph: graphPanel, editor: editorPanel };

/** The layer's feature actions this feature offers and this user may press (the server checks again). */
function offered(panel, feature, app) {
  const o = panel.options;
  const props = (feature && feature.properties) || {};
  if (!o.actions || !mayPress(app, o) || props.id === undefined || !Array.isArray(props.actions)) return [];
  return o.actions.filter((a) => props.actions.includes(a.name));
}

/** A clickable point (a marker element, so it takes focus and Enter like a button) in the feature's colour. */
function actionMarker(latlng, colour, feature, label) {
  const dot = document.createElement('span');
  dot.className = 'map-action-dot';
  dot.style.background = colour;
  dot.dataset.feature = String(feature.properties.id);
  dot.dataset.state = String(feature.properties.state || '');
  return L.marker(latlng, { icon: L.divIcon({ className: 'map-action', html: dot, iconSize: [20, 20] }), keyboard: true, title: String(label || feature.properties.id), alt: String(label || feature.properties.id) });
}

/**
 * A point with a compass `bearing` (an evacuation route's arrowhead) as a small triangle turned
 * to it: an inline SVG in a Leaflet div icon, so no marker library is needed. It takes no clicks,
 * so the route and the exits under it stay easy to hit.
 */
function arrowMarker(latlng, colour, bearing) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '-8 -8 16 16');
  svg.setAttribute('class', 'map-arrow');
  svg.dataset.bearing = String(bearing);
  svg.style.transform = `rotate(${bearing}deg)`;
  const head = document.createElementNS('http://www.w3.org/2000/svg', 'polygon');
  head.setAttribute('points', '0,-7 6,6 0,3 -6,6');
  head.setAttribute('fill', colour);
  svg.append(head);
  return L.marker(latlng, { icon: L.divIcon({ className: 'map-arrow-icon', html: svg, iconSize: [16, 16] }), interactive: false, keyboard: false });
}

/** Every map-layer panel of a page goes on one map, with a switch per layer. */
function mapPanel(el, layers, app) {
  const box = h('div.panel-map');
  el.append(box);
  const map = createMap(box, app);
  const control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  const byId = new Map();
  let fitted = false;
  function set(panel, data) {
    const old = byId.get(panel.id);
    if (old) {
      control.removeLayer(old);
      old.remove();
    }
    // A feature may carry its own hex colour (the evacuation plan colours areas by level of service).
    const colourOf = (f) => {
      const own = f && f.properties && f.properties.color;
      return typeof own === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(own) ? own : panel.options.color;
    };
    const labelOf = (f) => { const props = f.properties || {}; return props.name || props.title || props.label; };
    const layer = L.geoJSON(data, {
      style: (f) => ({ color: colourOf(f), weight: 4, opacity: 0.9, fillOpacity: 0.2 }),
      pointToLayer: (f, latlng) => (offered(panel, f, app).length ? actionMarker(latlng, colourOf(f), f, labelOf(f))
        : typeof (f.properties || {}).bearing === 'number' ? arrowMarker(latlng, colourOf(f), f.properties.bearing)
        : L.circleMarker(latlng, { radius: 7, color: '#fff', weight: 2, fillColor: colourOf(f), fillOpacity: 0.95 })),
      onEachFeature: (f, l) => {
        const label = labelOf(f);
        if (label) l.bindTooltip(text(label));
        const actions = offered(panel, f, app);
        // A click opens the feature's buttons (an evacuation exit: Block or Unblock); what the node
        // does with the press comes back as a new layer.
        if (actions.length) l.bindPopup(() => h('div.map-actions', h('p', label ? text(label) : String(f.properties.id)), h('div.row-buttons', actions.map((a) => h('button', { type: 'button', dataset: { action: a.name }, onclick: (e) => act(panel, f, a, e.currentTarget, l) }, a.label)))));
      },
    }).addTo(map);
    byId.set(panel.id, layer);
    box.dataset.features = String([...byId.values()].reduce((n, l) => n + l.getLayers().length, 0));
    control.addOverlay(layer, escapeHtml(panel.title));
    fit();
  }
  async function act(panel, feature, action, button, marker) {
    button.disabled = true;
    try {
      await api.post(`panels/${encodeURIComponent(panel.id)}/actions`, { action: action.name, key: String(feature.properties.id) });
      // Only this feature's popup: by the time the press is answered the operator may have opened
      // another one (the what-if the press just drew), and closing that would swallow its next click.
      marker.closePopup();
      app.toast(`${action.label}: sent`);
    } catch (err) {
      app.toast(err.message, 'error');
      button.disabled = false;
    }
  }
  /** Once, to everything the page's layers hold; later updates leave the operator's view alone. */
  function fit() {
    const bounds = L.featureGroup([...byId.values()]).getBounds();
    if (fitted || !bounds.isValid()) return;
    fitted = true;
    map.fitBounds(bounds.pad(0.2), { maxZoom: 17 });
  }
  fitted = true;
  for (const p of layers) set(p, p.data);
  fitted = false;
  fit();
  return { set, destroy: () => map.remove() };
}

export function mount(container, app, page) {
  const meta = app.pages.find((p) => p.page === page);
  app.setTitle(meta ? meta.title : page);
  const strip = h('div.status-strip');
  const grid = h('div.panel-grid');
  fill(container, h('div.section-head', h('h2', meta ? meta.title : page)), strip, grid);
  let panels = new Map();
  let map = null;
  /** Set once the page is left: a load still in flight then builds nothing (no chart left drawing). */
  let left = false;

  function destroy() {
    for (const p of panels.values()) p.destroy();
    panels = new Map();
    if (map) map.destroy();
    map = null;
  }

  async function load() {
    let data;
    try {
      data = await api.get(`pages/${encodeURIComponent(page)}`);
    } catch (err) {
      if (left) return;
      fill(grid, h('p.form-error', err.status === 404 ? 'This page has no panels for your role.' : err.message));
      return;
    }
    if (left) return;
    destroy();
    fill(strip);
    fill(grid);
    const layers = data.panels.filter((p) => p.kind === 'map-layer');
    for (const panel of data.panels) {
      if (panel.kind === 'map-layer') {
        if (panel !== layers[0]) continue;
        const card = h('section.panel.map', h('h3', 'Map'));
        grid.append(card);
        map = mapPanel(card, layers, app);
        for (const l of layers) panels.set(l.id, { update: (u) => map.set(l, u), destroy() {} });
        continue;
      }
      const card = h(`section.panel.${panel.kind}`, { dataset: { panel: panel.id } }, h('h3', panel.title));
      // Source health first, small, in a strip above the charts and tables.
      (panel.kind === 'status' ? strip : grid).append(card);
      panels.set(panel.id, KINDS[panel.kind](card, panel, app));
    }
  }

  const onPanel = (e) => {
    const p = panels.get(e.detail.id);
    if (p) p.update(e.detail.update);
  };
  app.live.addEventListener('panel', onPanel);
  app.alerts.addEventListener('resync', load);
  load();
  return () => {
    left = true;
    if (app.live) app.live.removeEventListener('panel', onPanel);
    app.alerts.removeEventListener('resync', load);
    destroy();
  };
}
