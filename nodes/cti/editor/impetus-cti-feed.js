RED.nodes.registerType('impetus-cti-feed', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    format: { value: 'stix' },
    location: { value: '', required: true },
    defaultTlp: { value: 'amber' },
    batchSize: { value: 1000, validate: RED.validators.number() },
    feedName: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'cti.svg',
  paletteLabel: 'cti feed',
  label: function () {
    return this.name || this.feedName || 'cti feed';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-cti-feed.outputs.indicators');
  },
});
