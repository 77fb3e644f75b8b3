// Leaflet, set up the console's way: tiles only when a tile URL is configured (offline by
// default), the sites' outlines from the settings, alerts as markers coloured by priority and
// clustered with a count (Leaflet.markercluster), and a map that opens on the role's site.
import { api } from './api.js';
import { h } from './dom.js';
import { PRIORITIES, PRIORITY_COLOUR, PRIORITY_LABEL } from './format.js';

let sites = null;

// Leaflet 1.9's canvas renderer draws on an animation frame. A redraw that reaches a renderer
// whose map was removed meanwhile (a live update or a zoom landing as the operator leaves the
// alert page; seen about one run in four in the browser tests, never traced to one caller) finds
// no canvas and throws "Cannot read properties of undefined (reading 'clearRect')". There is
// nothing left to draw then, so skip it.
const canvasRedraw = L.Canvas.prototype._redraw;
L.Canvas.prototype._redraw = function () {
  if (this._ctx) canvasRedraw.call(this);
  else this._redrawRequest = null;
};

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
  // A view may be left before the sites arrive: a layer added to the removed map would have its
  // canvas renderer draw on a context Leaflet has already dropped ('clearRect' of undefined).
  let removed = false;
  map.on('unload', () => {
    removed = true;
  });
  map.sitesReady = loadSites().then((fc) => {
    if (removed) return null;
    const layer = L.geoJSON(fc, {
      // Light enough to see on the offline grid and on tiles, under the alerts' colours.
      style: () => ({ color: '#b6c4d2', weight: 3, opacity: 0.9, fillColor: '#b6c4d2', fillOpacity: 0.12, dashArray: '6 4' }),
      pointToLayer: (_f, latlng) => L.circleMarker(latlng, { radius: 4, color: '#b6c4d2' }),
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

/** The site features a view names (`sites` in the role's view), or none. */
export function sitesNamed(layer, names) {
  return layer.getLayers().filter((l) => names.includes(l.feature.properties && l.feature.properties.name));
}

/** Within this distance of the most urgent alert, sites and alerts are one place (a city's sites). */
const NEAR_M = 10_000;

/**
 * Where a map opens: the role's own sites when its view names them; else the place of the most
 * urgent open alert (its nearby sites and alerts), never every alert worldwide; else the place of
 * the first site.
 */
export function homeBounds(sitesLayer, placed, names) {
  const mine = names && names.length ? sitesNamed(sitesLayer, names) : [];
  if (mine.length) return L.featureGroup(mine).getBounds();
  const rank = (a) => (a.state === 'open' ? 0 : 4) + PRIORITIES.indexOf(a.priority);
  const top = [...placed].sort((a, b) => rank(a) - rank(b))[0];
  const sites = sitesLayer.getLayers().filter((l) => l.getBounds || l.getLatLng);
  const anchor = top ? L.latLng(top.point[1], top.point[0]) : sites.length ? centre(sites[0]) : null;
  if (!anchor) return null;
  const bounds = L.latLngBounds([anchor, anchor]);
  for (const a of placed) {
    const p = L.latLng(a.point[1], a.point[0]);
    if (p.distanceTo(anchor) < NEAR_M) bounds.extend(p);
  }
  for (const l of sites) if (centre(l).distanceTo(anchor) < NEAR_M) bounds.extend(l.getBounds ? l.getBounds() : l.getLatLng());
  return bounds;
}

function centre(layer) {
  return layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng();
}

/** A cluster shows how many alerts it holds, in the colour of the most urgent one. */
function clusterIcon(cluster) {
  const markers = cluster.getAllChildMarkers();
  const best = PRIORITIES.find((p) => markers.some((m) => m.options.priority === p)) || 'P4';
  const size = markers.length < 10 ? 36 : 44;
  return L.divIcon({ html: h('div', { title: `${markers.length} alerts here: zoom in` }, String(markers.length)), className: `marker-cluster ${best.toLowerCase()}`, iconSize: [size, size] });
}

/**
 * Alerts as circle markers (slim alerts with `point`) or full geometry (`location`, the detail
 * page). Markers close together on screen merge into a cluster with a count (`cluster: true`);
 * a click on a cluster zooms in, or spreads its markers out when they share one spot.
 */
export function alertLayer(alerts, { full = false, onOpen, cluster = false } = {}) {
  const group = cluster ? L.markerClusterGroup({ iconCreateFunction: clusterIcon, showCoverageOnHover: false, maxClusterRadius: 40, spiderfyDistanceMultiplier: 2 }) : L.featureGroup();
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
      const marker = L.circleMarker([a.point[1], a.point[0]], { priority: a.priority, radius, color: a.state === 'acknowledged' ? '#cfd8e3' : '#ffffff', weight: a.state === 'acknowledged' ? 1 : 3, fillColor: colour, fillOpacity: a.state === 'acknowledged' ? 0.55 : 0.95 });
      marker.bindPopup(popup);
      marker.bindTooltip(text(`${a.priority}: ${a.headline}`), { direction: 'top' });
      marker.addTo(group);
    }
  }
  return group;
}

/**
 * The legend folds away, so that it never hides a marker: open by default on a wide screen,
 * folded on a phone; the operator's choice holds while the page is open.
 */
export function legend(counts, state) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => {
    const el = h('details.map-legend', { open: state.open },
      h('summary', `Open alerts: ${PRIORITIES.map((p) => counts[p] || 0).reduce((a, b) => a + b, 0)}`),
      PRIORITIES.map((p) => h('div', h('span.swatch', { style: { background: PRIORITY_COLOUR[p] } }), `${PRIORITY_LABEL[p]}: ${counts[p] || 0}`)),
      h('div.muted', 'Faded: acknowledged'), h('div.muted', 'Circle with a number: alerts grouped'));
    el.addEventListener('toggle', () => { state.open = el.open; });
    L.DomEvent.disableClickPropagation(el);
    return el;
  };
  return control;
}
