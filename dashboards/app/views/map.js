// All geolocated open and acknowledged alerts the role sees, coloured by priority and clustered
// with counts, over the sites' outlines (and tiles when configured). It opens on the role's sites
// (or the place of the most urgent alert); a button per site jumps there. Live: markers follow
// every event, and the view stays where the operator put it.
import { api } from '../api.js';
import { fill, h, perFrame } from '../dom.js';
import { alertLayer, createMap, homeBounds, legend } from '../map-util.js';

export function mount(container, app) {
  app.setTitle('Map');
  const box = h('div.map-page', { role: 'region', 'aria-label': 'Map of open alerts' });
  const note = h('p.map-note');
  const jump = h('div.site-jump', { role: 'group', 'aria-label': 'Go to a site' });
  fill(container, h('div.section-head', h('h2', 'Map of open alerts'), note, jump), box);
  const map = createMap(box, app);
  const legendState = { open: window.innerWidth > 640 };
  let layer = null;
  let ctl = null;
  let fitted = false;
  let loaded = false;
  let sites = null;
  let placed = [];

  let left = false;

  function render() {
    if (left) return; // the alerts arrived after the view was left: the map is gone
    const filters = { ...app.filters, state: ['open', 'acknowledged'], priority: [], tool: '', zone: '', text: '' };
    const { items } = app.alerts.select(filters, 5000);
    placed = items.filter((a) => a.point);
    if (layer) layer.remove();
    // Drawn in reverse order of importance, so an open P1 ends up on top of everything near it.
    const drawOrder = [...placed].sort((a, b) => (a.state === 'open') - (b.state === 'open') || b.priority.localeCompare(a.priority));
    layer = alertLayer(drawOrder, { cluster: true, onOpen: (a) => app.navigate(`alerts/${encodeURIComponent(a.id)}`) }).addTo(map);
    const counts = {};
    for (const a of placed) counts[a.priority] = (counts[a.priority] || 0) + 1;
    if (ctl) ctl.remove();
    ctl = legend(counts, legendState).addTo(map);
    // Markers are drawn on a canvas; the count is also on the element, for assistive tech and tests.
    box.dataset.markers = String(placed.length);
    note.textContent = `${placed.length} on the map${items.length > placed.length ? `, ${items.length - placed.length} without a location` : ''}${app.filters.exercise ? '' : ' (Exercise alerts hidden)'}`;
    home();
  }

  /** Once, when both the sites and the alerts are in: the role's home. */
  function home() {
    if (fitted || !sites || !loaded || app.session.map.center) return;
    const bounds = homeBounds(sites, placed, app.session.view.sites);
    if (!bounds) return;
    fitted = true;
    map.fitBounds(bounds.pad(0.15), { maxZoom: 16 });
  }

  map.sitesReady.then((layerOfSites) => {
    if (!layerOfSites) return; // the view was left
    sites = layerOfSites;
    fill(jump, sites.getLayers().filter((l) => l.feature.properties && l.feature.properties.name).map((l) => h('button.secondary', {
      type: 'button', title: `Show ${l.feature.properties.name}`, onclick: () => map.fitBounds(l.getBounds ? l.getBounds().pad(0.2) : L.latLngBounds([l.getLatLng(), l.getLatLng()]), { maxZoom: 17 }),
    }, l.feature.properties.name)));
    home();
  });
  // The queue may hold only some states; the map needs every open and acknowledged alert.
  api.get('alerts?fields=summary&state=open,acknowledged&limit=1000').then((page) => app.alerts.putAll(page.items)).catch((err) => app.toast(err.message, 'error'))
    .finally(() => { loaded = true; render(); });
  const renderSoon = perFrame(render);
  app.alerts.addEventListener('change', renderSoon);
  app.alerts.addEventListener('resync', renderSoon);
  render();
  return () => {
    left = true;
    app.alerts.removeEventListener('change', renderSoon);
    app.alerts.removeEventListener('resync', renderSoon);
    map.remove();
  };
}
