// impetus-ui-status on its tool page: the source's health, large, with when it last reported,
// and a progress bar while the source reports work under way (done of total steps).
import { fill, h } from '../dom.js';
import { ago } from '../format.js';

export function statusPanel(el, panel) {
  const box = h('div.status-panel');
  el.append(box);
  function render(health) {
    const state = health ? health.state : 'unknown';
    fill(box,
      h(`span.state-badge.big.${state === 'ok' ? 'ok' : state === 'degraded' ? 'degraded' : 'unknown'}`, state === 'ok' ? 'OK' : state === 'degraded' ? 'DEGRADED' : 'NO DATA YET'),
      health && health.text ? h('p', health.text) : null,
      health && health.progress && health.progress.done < health.progress.total
        ? h('p.status-progress', h('progress', { max: health.progress.total, value: health.progress.done }), ` ${health.progress.done}/${health.progress.total}`)
        : null,
      h('p.muted', health ? `Reported ${ago(health.at)}` : 'Nothing reported since the flow started.'));
  }
  render(panel.data);
  return { update: render, destroy() {} };
}
