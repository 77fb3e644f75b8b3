RED.nodes.registerType('impetus-social-replay', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    file: { value: '' },
    format: { value: 'auto' },
    speed: { value: 60, validate: RED.validators.number() },
  },
  inputs: 1,
  outputs: 1,
  icon: 'social.svg',
  paletteLabel: 'social replay',
  label: function () {
    return this.name || 'replay ' + (this.file || '');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
});
