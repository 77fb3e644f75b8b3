// Leaflet, set up the console's way: tiles only when a tile URL is configured (offline by
// default), the sites' outlines from the settings, alerts as markers coloured by priority.
import { api } from './api.js';
import { h } from './dom.js';
import { PRIORITY_COLOUR, PRIORITY_LABEL } from './format.js';

let sites = null;

/** Leaflet puts string labels in with innerHTML; data from alerts and flows goes in as text nodes. */
export function text(value) {
  return h('span', String(value));
}

/** For the places Leaflet only takes a string (layer names): escaped. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The site outlines, fetched once per page load. */
export function loadSites() {
  sites = sites || api.get('map/sites').catch(() => ({ type: 'FeatureCollection', features: [] }));
  return sites;
}

export function createMap(el, app, { interactive = true } = {}) {
  const cfg = app.session.map;
  const map = L.map(el, {
    preferCanvas: true,
    maxZoom: cfg.maxZoom,
    zoomControl: interactive,
    dragging: interactive,
    scrollWheelZoom: interactive,
    attributionControl: Boolean(cfg.tileUrl && cfg.attribution),
  });
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: cfg.maxZoom, attribution: cfg.attribution }).addTo(map);
  else el.classList.add('no-tiles');
  L.control.scale({ imperial: false }).addTo(map);
  if (cfg.center) map.setView(cfg.center, cfg.zoom || 14);
  else map.setView([0, 0], 2);
  map.sitesReady = loadSites().then((fc) => {
    const layer = L.geoJSON(fc, {
      style: () => ({ color: '#7d8b99', weight: 2, fillColor: '#7d8b99', fillOpacity: 0.08, dashArray: '4 4' }),
      pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 4, color: '#7d8b99' }),
      onEachFeature: (f, l) => {
        const name = f.properties && (f.properties.name || f.properties.title);
        if (name) l.bindTooltip(text(name), { permanent: true, direction: 'center', className: 'site-label' });
      },
    }).addTo(map);
    // Site names only where they can be read: zoomed out they would pile up on each other.
    const labels = () => el.classList.toggle('hide-site-labels', map.getZoom() < 12);
    map.on('zoomend', labels);
    labels();
    return layer;
  });
  return map;
}

/** Alerts as circle markers (slim alerts with `point`) or full geometry (`location`, the detail page). */
export function alertLayer(alerts, { full = false, onOpen } = {}) {
  const group = L.featureGroup();
  for (const a of alerts) {
    const colour = PRIORITY_COLOUR[a.priority];
    const popup = () => h('div.map-popup',
      h('strong', `${a.priority} · ${a.headline}`),
      h('div', a.areaDesc || a.zone || ''),
      onOpen ? h('button.primary', { type: 'button', onclick: () => onOpen(a) }, 'Open alert') : null);
    if (full && a.location) {
      L.geoJSON(a.location, {
        style: () => ({ color: colour, weight: 3, fillColor: colour, fillOpacity: 0.25 }),
        pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 12, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 0.95 }),
      }).addTo(group);
    } else if (a.point) {
      const radius = a.priority === 'P1' ? 13 : a.priority === 'P2' ? 11 : 9;
      const marker = L.circleMarker([a.point[1], a.point[0]], { radius, color: a.state === 'acknowledged' ? '#cfd8e3' : '#ffffff', weight: a.state === 'acknowledged' ? 1 : 3, fillColor: colour, fillOpacity: a.state === 'acknowledged' ? 0.55 : 0.95 });
      marker.bindPopup(popup);
      marker.bindTooltip(text(`${a.priority}: ${a.headline}`), { direction: 'top' });
      marker.addTo(group);
    }
  }
  return group;
}

export function legend(counts) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => h('div.map-legend', h('strong', 'Open alerts'), ['P1', 'P2', 'P3', 'P4'].map((p) => h('div', h('span.swatch', { style: { background: PRIORITY_COLOUR[p] } }), `${PRIORITY_LABEL[p]}: ${counts[p] || 0}`)),
    h('div.muted', 'Faded: acknowledged'));
  return control;
}
