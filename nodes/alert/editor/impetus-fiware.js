RED.nodes.registerType('impetus-fiware', {
  category: 'impetus',
  color: '#F3B567',
  defaults: {
    name: { value: '' },
    representation: { value: 'normalized' },
    ngsiContext: { value: 'ngsi-ld' },
    consoleUrl: { value: '' },
    dataProvider: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'fiware.svg',
  paletteLabel: 'fiware',
  label: function () {
    return this.name || 'FIWARE Alert';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-fiware.label.output');
  },
});
