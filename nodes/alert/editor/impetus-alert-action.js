RED.nodes.registerType('impetus-alert-action', {
  category: 'impetus',
  color: '#F3B567',
  defaults: {
    name: { value: '' },
    action: { value: 'acknowledge' },
    actor: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'alert-action.svg',
  paletteLabel: 'alert action',
  label: function () {
    return this.name || (this.action === 'msg' ? 'alert action' : this.action);
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-alert-action.label.output');
  },
});
