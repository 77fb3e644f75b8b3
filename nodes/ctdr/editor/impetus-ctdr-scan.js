RED.nodes.registerType('impetus-ctdr-scan', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    file: { value: '' },
    batchSize: { value: 500, validate: RED.validators.number() },
    maxMb: { value: 4096, validate: RED.validators.number() },
  },
  inputs: 1,
  outputs: 1,
  icon: 'ctdr.svg',
  paletteLabel: 'ctdr scan',
  label: function () {
    return this.name || this.file || 'ctdr scan';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-ctdr-scan.outputs.findings');
  },
});
