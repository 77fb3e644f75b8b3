// The user's own panels (personal dashboard panels, e.g. an operator's own workload) in a strip
// above every page. The server sends each user only their own (api/own-panels and the live
// updates marked `own`); a first update for a panel not shown yet loads the strip again.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { statusPanel } from './panels/status.js';
import { tablePanel } from './panels/table.js';

const KINDS = { status: statusPanel, table: tablePanel };

export function ownPanels(el, app) {
  let panels = new Map();
  let stopped = false;

  async function load() {
    let list;
    try {
      list = await api.get('own-panels');
    } catch {
      return;
    }
    if (stopped) return;
    for (const p of panels.values()) p.destroy();
    panels = new Map();
    fill(el);
    for (const panel of list) {
      if (!KINDS[panel.kind]) continue;
      const card = h(`section.panel.own.${panel.kind}`, { dataset: { panel: panel.id } }, h('h3', panel.title));
      el.append(card);
      panels.set(panel.id, KINDS[panel.kind](card, panel, app));
    }
    el.hidden = !panels.size;
  }

  const onPanel = (e) => {
    if (!e.detail.own) return;
    const p = panels.get(e.detail.id);
    if (p) p.update(e.detail.update);
    else load();
  };
  const live = app.live;
  live.addEventListener('panel', onPanel);
  app.alerts.addEventListener('resync', load);
  load();
  return () => {
    stopped = true;
    live.removeEventListener('panel', onPanel);
    app.alerts.removeEventListener('resync', load);
    for (const p of panels.values()) p.destroy();
    fill(el);
    el.hidden = true;
  };
}
