// The keyboard shortcuts, shown with "?" anywhere in the console (and closed with "?" or Escape).
import { h } from '../dom.js';

export const SHORTCUTS = [
  ['j / ↓', 'Next alert or incident in the queue (on an alert\'s page: open the next alert, j)'],
  ['k / ↑', 'Previous alert or incident in the queue (on an alert\'s page: open the previous alert, k)'],
  ['Enter / o', 'Open the alert, or the incident page'],
  ['a', 'Acknowledge the alert or the incident (in the queue: the one with the focus)'],
  ['x', 'Select or unselect the alert (queue)'],
  ['Shift + A', 'Acknowledge the selected alerts (queue)'],
  ['Escape', 'Back to the queue (alert page); close this help'],
  ['Space', 'Hold to talk, once you joined an alert\'s voice channel (tap, in tap-to-talk mode)'],
  ['?', 'Show or hide this help'],
];

let overlay = null;

export function toggleHelp(show = !overlay) {
  if (overlay) {
    overlay.remove();
    overlay = null;
  }
  if (!show) return;
  const close = h('button.secondary', { type: 'button', onclick: () => toggleHelp(false) }, 'Close');
  overlay = h('div.help-overlay', { role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Keyboard shortcuts', onclick: (e) => { if (e.target === overlay) toggleHelp(false); } },
    h('div.help-card',
      h('h2', 'Keyboard shortcuts'),
      h('table.kv', h('tbody', SHORTCUTS.map(([keys, what]) => h('tr', h('th', { scope: 'row' }, h('kbd', keys)), h('td', what))))),
      close));
  document.body.append(overlay);
  close.focus();
}

export function helpOpen() {
  return Boolean(overlay);
}
