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
    status: { value: '' },
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
