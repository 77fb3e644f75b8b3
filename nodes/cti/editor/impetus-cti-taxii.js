RED.nodes.registerType('impetus-cti-taxii', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    server: { value: '', type: 'impetus-cti-taxii-server', required: true },
    collection: { value: '', required: true },
    pageSize: { value: 1000, validate: RED.validators.number() },
    defaultTlp: { value: 'amber' },
    feedName: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'cti.svg',
  paletteLabel: 'cti taxii',
  label: function () {
    return this.name || this.feedName || (this.collection ? 'taxii ' + this.collection : 'cti taxii');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-cti-taxii.outputs.indicators');
  },
});
