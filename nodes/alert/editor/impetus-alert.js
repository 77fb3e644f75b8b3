RED.nodes.registerType('impetus-alert', {
  category: 'impetus',
  color: '#F3B567',
  defaults: {
    name: { value: '' },
    tool: { value: '', validate: RED.validators.regex(/^([a-z][a-z0-9-]{0,63})?$/) },
    event: { value: '' },
    category: { value: 'Security' },
    severity: { value: 'medium' },
    urgency: { value: 'Unknown' },
    certainty: { value: 'Unknown' },
    // Not `status`: the editor keeps the node's runtime status there and overwrote the setting.
    alertStatus: { value: '' },
    fingerprintKeys: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'alert.svg',
  paletteLabel: 'alert',
  label: function () {
    return this.name || (this.tool ? this.tool + ' alert' : 'alert');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-alert.label.output');
  },
});

// Flows saved by earlier versions hold the setting in `status`, which the editor does not import
// as a setting: taken from the flow as loaded, so the next deploy keeps it as `alertStatus`.
RED.events.on('flows:loaded', function () {
  (RED.nodes.originalFlow() || []).forEach(function (raw) {
    var node = raw && raw.type === 'impetus-alert' && typeof raw.status === 'string' && raw.alertStatus === undefined ? RED.nodes.node(raw.id) : null;
    if (node && !node.alertStatus) node.alertStatus = raw.status;
  });
});
