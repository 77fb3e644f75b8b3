RED.nodes.registerType('impetus-social-json', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    url: { value: '', required: true, validate: RED.validators.regex(/^https?:\/\/.+/i) },
    interval: { value: 300, validate: RED.validators.number() },
    lang: { value: '' },
    itemsPath: { value: '$[*]', required: true },
    idPath: { value: '$.id', required: true },
    textPath: { value: '$.text', required: true },
    authorPath: { value: '' },
    tsPath: { value: '' },
    urlPath: { value: '' },
    langPath: { value: '' },
    latPath: { value: '' },
    lonPath: { value: '' },
  },
  credentials: {
    token: { type: 'password' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'social.svg',
  paletteLabel: 'social json',
  label: function () {
    return this.name || 'json ' + (this.url || '').replace(/^https?:\/\//, '').slice(0, 30);
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
});
