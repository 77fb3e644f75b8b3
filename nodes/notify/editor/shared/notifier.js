/* exported registerNotifier */
/* global jsonArray -- from json-array.js, included before this file */
/**
 * The editor of a notifier node: the Telegram and Rocket.Chat ones run the same notifier
 * (delivery/notifier.ts), so only their look and their connection type differ.
 */
/** Seconds from 0 to a day, as the runtime accepts them (delivery/incident-cards.ts). */
function groupSeconds(v) {
  if (v === undefined || v === '') return true;
  var n = Number(v);
  return isFinite(n) && n >= 0 && n <= 86400;
}

function registerNotifier(type, look) {
  RED.nodes.registerType(type, {
    category: 'impetus',
    color: look.color,
    defaults: {
      name: { value: '' },
      connection: { value: '', type: look.connection, required: true },
      rules: { value: look.rules, validate: jsonArray },
      photo: { value: true },
      location: { value: true },
      video: { value: false },
      incidentCards: { value: true },
      groupWait: { value: 30, validate: groupSeconds },
      groupInterval: { value: 60, validate: groupSeconds },
    },
    inputs: 1,
    outputs: 1,
    icon: look.icon,
    align: 'right',
    paletteLabel: look.label,
    label: function () {
      return this.name || look.label;
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    inputLabels: function () {
      return this._(type + '.label.input');
    },
    outputLabels: function () {
      return this._(type + '.label.output');
    },
  });
}
