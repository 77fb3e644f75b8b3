RED.nodes.registerType('impetus-social-rss', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    url: { value: '', required: true, validate: RED.validators.regex(/^https?:\/\/.+/i) },
    interval: { value: 300, validate: RED.validators.number() },
    lang: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'social.svg',
  paletteLabel: 'social rss',
  label: function () {
    return this.name || 'rss ' + (this.url || '').replace(/^https?:\/\//, '').slice(0, 30);
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
});
