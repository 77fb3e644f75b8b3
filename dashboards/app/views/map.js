// All geolocated open and acknowledged alerts the role sees, coloured by priority, over the
// sites' outlines (and tiles when configured). Live: markers follow every event.
import { api } from '../api.js';
import { fill, h, perFrame } from '../dom.js';
import { alertLayer, createMap, legend } from '../map-util.js';

export function mount(container, app) {
  document.title = 'Map · IMPETUS console';
  const box = h('div.map-page', { role: 'region', 'aria-label': 'Map of open alerts' });
  const note = h('p.map-note');
  fill(container, h('div.section-head', h('h2', 'Map of open alerts'), note), box);
  const map = createMap(box, app);
  let layer = null;
  let ctl = null;
  let fitted = false;

  function render() {
    const filters = { ...app.filters, state: ['open', 'acknowledged'], priority: [], tool: '', zone: '', text: '' };
    const { items } = app.alerts.select(filters, 5000);
    const placed = items.filter((a) => a.point);
    if (layer) layer.remove();
    // Drawn in reverse order of importance, so an open P1 ends up on top of everything near it.
    const drawOrder = [...placed].sort((a, b) => (a.state === 'open') - (b.state === 'open') || b.priority.localeCompare(a.priority));
    layer = alertLayer(drawOrder, { onOpen: (a) => app.navigate(`alerts/${encodeURIComponent(a.id)}`) }).addTo(map);
    const counts = {};
    for (const a of placed) counts[a.priority] = (counts[a.priority] || 0) + 1;
    if (ctl) ctl.remove();
    ctl = legend(counts).addTo(map);
    // Markers are drawn on a canvas; the count is also on the element, for assistive tech and tests.
    box.dataset.markers = String(placed.length);
    note.textContent = `${placed.length} on the map${items.length > placed.length ? `, ${items.length - placed.length} without a location` : ''}${app.filters.exercise ? '' : ' (Exercise alerts hidden)'}`;
    if (!fitted && placed.length) {
      fitted = true;
      map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 15 });
    }
  }

  map.sitesReady.then((sites) => {
    if (!fitted && !app.session.map.center && sites.getLayers().length) map.fitBounds(sites.getBounds().pad(0.1));
  });
  // The queue may hold only some states; the map needs every open and acknowledged alert.
  api.get('alerts?fields=summary&state=open,acknowledged&limit=1000').then((page) => app.alerts.putAll(page.items)).catch((err) => app.toast(err.message, 'error'));
  const renderSoon = perFrame(render);
  app.alerts.addEventListener('change', renderSoon);
  app.alerts.addEventListener('resync', renderSoon);
  render();
  return () => {
    app.alerts.removeEventListener('change', renderSoon);
    app.alerts.removeEventListener('resync', renderSoon);
    map.remove();
  };
}
